//! The database: one schema and one set of runtime queries (sqlx `Any`) for
//! SQLite (default, `DATA/jixiao.db`, WAL) and PostgreSQL (`--database`).

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

const MIGRATIONS_SQLITE: &[(i64, &str)] =
    &[(1, include_str!("../../migrations/sqlite/0001_init.sql"))];
const MIGRATIONS_POSTGRES: &[(i64, &str)] =
    &[(1, include_str!("../../migrations/postgres/0001_init.sql"))];

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub postgres: bool,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn e(err: sqlx::Error) -> String {
    format!("数据库错误：{err}")
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    /// "township" | "county"
    pub role: String,
    pub unit: String,
}

impl User {
    pub fn is_county(&self) -> bool {
        self.role == "county"
    }
    fn of(r: &AnyRow) -> Result<User, sqlx::Error> {
        Ok(User {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            role: r.try_get("role")?,
            unit: r.try_get("unit")?,
        })
    }
}

/// One upload, as stored (the figures are the CLI's JSON, kept as text).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Submission {
    pub id: i64,
    pub township: String,
    pub user_name: String,
    pub uploaded_at: i64,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub requested_as_of: Option<String>,
    pub status: String,
    pub message: Option<String>,
    pub as_of: Option<String>,
    pub project_count: Option<i64>,
    pub budget: Option<String>,
    pub paid: Option<String>,
    pub execution_rate: Option<String>,
    pub errors: i64,
    pub warnings: i64,
    #[serde(skip)]
    pub report_json: Option<String>,
    #[serde(skip)]
    pub monthly_json: Option<String>,
}

const SUB_COLS: &str = "id, township, user_name, uploaded_at, file_name, sha256, size, requested_as_of, status, message, as_of, project_count, budget, paid, execution_rate, errors, warnings";

impl Submission {
    fn of(r: &AnyRow, full: bool) -> Result<Submission, sqlx::Error> {
        Ok(Submission {
            id: r.try_get("id")?,
            township: r.try_get("township")?,
            user_name: r.try_get("user_name")?,
            uploaded_at: r.try_get("uploaded_at")?,
            file_name: r.try_get("file_name")?,
            sha256: r.try_get("sha256")?,
            size: r.try_get("size")?,
            requested_as_of: r.try_get("requested_as_of")?,
            status: r.try_get("status")?,
            message: r.try_get("message")?,
            as_of: r.try_get("as_of")?,
            project_count: r.try_get("project_count")?,
            budget: r.try_get("budget")?,
            paid: r.try_get("paid")?,
            execution_rate: r.try_get("execution_rate")?,
            errors: r.try_get("errors")?,
            warnings: r.try_get("warnings")?,
            report_json: if full {
                r.try_get("report_json")?
            } else {
                None
            },
            monthly_json: if full {
                r.try_get("monthly_json")?
            } else {
                None
            },
        })
    }
}

/// A new submission's row.
pub struct NewSubmission<'a> {
    pub township: &'a str,
    pub user: &'a User,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub size: i64,
    pub requested_as_of: Option<String>,
    pub status: &'a str,
    pub message: Option<String>,
    pub as_of: Option<String>,
    pub project_count: Option<i64>,
    pub budget: Option<String>,
    pub paid: Option<String>,
    pub execution_rate: Option<String>,
    pub errors: i64,
    pub warnings: i64,
    pub report_json: Option<String>,
    pub monthly_json: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct AuditRow {
    pub at: i64,
    pub user_name: Option<String>,
    pub action: String,
    pub detail: String,
    pub ip: Option<String>,
}

impl Db {
    /// `url`: `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, String> {
        sqlx::any::install_default_drivers();
        let postgres = url.starts_with("postgres");
        let opts = AnyPoolOptions::new()
            .max_connections(if postgres { 10 } else { 4 })
            .acquire_timeout(std::time::Duration::from_secs(60));
        let opts = if postgres {
            opts
        } else {
            opts.after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA busy_timeout = 30000")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA synchronous = NORMAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA foreign_keys = ON")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
        };
        let pool = opts
            .connect(url)
            .await
            .map_err(|err| format!("无法连接数据库 {}：{err}", redact(url)))?;
        let db = Db { pool, postgres };
        db.migrate().await?;
        Ok(db)
    }

    /// Apply the checked-in migrations not yet applied, each in a transaction.
    async fn migrate(&self) -> Result<(), String> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS jixiao_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await
        .map_err(e)?;
        let list = if self.postgres {
            MIGRATIONS_POSTGRES
        } else {
            MIGRATIONS_SQLITE
        };
        for (version, sql) in list {
            let mut tx = self.pool.begin().await.map_err(e)?;
            if self.postgres {
                // Two servers starting at once on one database: one migrates.
                sqlx::query("LOCK TABLE jixiao_migrations IN EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await
                    .map_err(e)?;
            }
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM jixiao_migrations WHERE version = $1")
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(e)?;
            if done.is_some() {
                continue;
            }
            for stmt in split_sql(sql) {
                sqlx::query(&stmt).execute(&mut *tx).await.map_err(e)?;
            }
            sqlx::query("INSERT INTO jixiao_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(version)
                .bind(now_ms())
                .execute(&mut *tx)
                .await
                .map_err(e)?;
            tx.commit().await.map_err(e)?;
        }
        Ok(())
    }

    pub async fn user_count(&self) -> Result<i64, String> {
        sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(e)
    }

    pub async fn add_user(
        &self,
        name: &str,
        role: &str,
        unit: &str,
        password_hash: &str,
    ) -> Result<i64, String> {
        sqlx::query_scalar(
            "INSERT INTO users (name, role, unit, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(role)
        .bind(unit)
        .bind(password_hash)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await
        .map_err(|err| {
            if err.to_string().to_lowercase().contains("unique") {
                format!("用户名“{name}”已存在")
            } else {
                e(err)
            }
        })
    }

    /// A new password hash for the user; their sessions end (in one
    /// transaction). The number of sessions ended.
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<u64, String> {
        let mut tx = self.pool.begin().await.map_err(e)?;
        let r = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(e)?;
        if r.rows_affected() == 0 {
            return Err("没有这个用户".into());
        }
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(e)?
            .rows_affected();
        tx.commit().await.map_err(e)?;
        Ok(ended)
    }

    /// Every API token of the user deleted; how many.
    pub async fn revoke_tokens(&self, user_id: i64) -> Result<u64, String> {
        let r = sqlx::query("DELETE FROM tokens WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(e)?;
        Ok(r.rows_affected())
    }

    /// The user and their password hash.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<(User, String)>, String> {
        let row =
            sqlx::query("SELECT id, name, role, unit, password_hash FROM users WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(e)?;
        row.map(|r| Ok((User::of(&r)?, r.try_get("password_hash")?)))
            .transpose()
            .map_err(e)
    }

    pub async fn users(&self) -> Result<Vec<User>, String> {
        let rows = sqlx::query("SELECT id, name, role, unit FROM users ORDER BY role, unit, name")
            .fetch_all(&self.pool)
            .await
            .map_err(e)?;
        rows.iter()
            .map(User::of)
            .collect::<Result<_, _>>()
            .map_err(e)
    }

    /// The townships expected to report: every township account's unit.
    pub async fn townships(&self) -> Result<Vec<String>, String> {
        sqlx::query_scalar("SELECT DISTINCT unit FROM users WHERE role = 'township' ORDER BY unit")
            .fetch_all(&self.pool)
            .await
            .map_err(e)
    }

    pub async fn add_session(
        &self,
        id_hash: &str,
        user_id: i64,
        csrf: &str,
        expires_at: i64,
    ) -> Result<(), String> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(e)?;
        Ok(())
    }

    /// The session's user and CSRF token, when the session is live.
    pub async fn session(&self, id_hash: &str) -> Result<Option<(User, String)>, String> {
        let row = sqlx::query(
            "SELECT u.id AS id, u.name AS name, u.role AS role, u.unit AS unit, s.csrf AS csrf FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > $2",
        )
        .bind(id_hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await
        .map_err(e)?;
        row.map(|r| Ok((User::of(&r)?, r.try_get("csrf")?)))
            .transpose()
            .map_err(e)
    }

    pub async fn drop_session(&self, id_hash: &str) -> Result<(), String> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1 OR expires_at < $2")
            .bind(id_hash)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(e)?;
        Ok(())
    }

    pub async fn add_token(&self, token_hash: &str, user_id: i64) -> Result<(), String> {
        sqlx::query("INSERT INTO tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(e)?;
        Ok(())
    }

    pub async fn token_user(&self, token_hash: &str) -> Result<Option<User>, String> {
        let row = sqlx::query(
            "SELECT u.id AS id, u.name AS name, u.role AS role, u.unit AS unit FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(e)?;
        row.map(|r| User::of(&r)).transpose().map_err(e)
    }

    pub async fn add_submission(&self, s: &NewSubmission<'_>) -> Result<i64, String> {
        sqlx::query_scalar(
            "INSERT INTO submissions (township, user_id, user_name, uploaded_at, file_name, sha256, size, requested_as_of, status, message, as_of, project_count, budget, paid, execution_rate, errors, warnings, report_json, monthly_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
        )
        .bind(s.township)
        .bind(s.user.id)
        .bind(&s.user.name)
        .bind(now_ms())
        .bind(s.file_name)
        .bind(s.sha256)
        .bind(s.size)
        .bind(s.requested_as_of.clone())
        .bind(s.status)
        .bind(s.message.clone())
        .bind(s.as_of.clone())
        .bind(s.project_count)
        .bind(s.budget.clone())
        .bind(s.paid.clone())
        .bind(s.execution_rate.clone())
        .bind(s.errors)
        .bind(s.warnings)
        .bind(s.report_json.clone())
        .bind(s.monthly_json.clone())
        .fetch_one(&self.pool)
        .await
        .map_err(e)
    }

    pub async fn submission(&self, id: i64) -> Result<Option<Submission>, String> {
        let row = sqlx::query(&format!(
            "SELECT {SUB_COLS}, report_json, monthly_json FROM submissions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(e)?;
        row.map(|r| Submission::of(&r, true)).transpose().map_err(e)
    }

    /// A township's uploads, newest first.
    pub async fn history(&self, township: &str) -> Result<Vec<Submission>, String> {
        let rows = sqlx::query(&format!(
            "SELECT {SUB_COLS} FROM submissions WHERE township = $1 ORDER BY id DESC"
        ))
        .bind(township)
        .fetch_all(&self.pool)
        .await
        .map_err(e)?;
        rows.iter()
            .map(|r| Submission::of(r, false))
            .collect::<Result<_, _>>()
            .map_err(e)
    }

    /// The township's current submission: its latest readable upload.
    pub async fn current(&self, township: &str) -> Result<Option<i64>, String> {
        sqlx::query_scalar("SELECT MAX(id) FROM submissions WHERE township = $1 AND status = 'ok'")
            .bind(township)
            .fetch_one(&self.pool)
            .await
            .map_err(e)
    }

    /// Each township's latest readable upload whose cut-off reaches `as_of`
    /// (YYYY-MM-DD): the submissions a month's roll-up is made of.
    pub async fn current_covering(&self, as_of: &str) -> Result<Vec<Submission>, String> {
        let rows = sqlx::query(&format!(
            "SELECT {SUB_COLS} FROM submissions WHERE id IN (SELECT MAX(id) FROM submissions WHERE status = 'ok' AND as_of >= $1 GROUP BY township) ORDER BY township"
        ))
        .bind(as_of)
        .fetch_all(&self.pool)
        .await
        .map_err(e)?;
        rows.iter()
            .map(|r| Submission::of(r, false))
            .collect::<Result<_, _>>()
            .map_err(e)
    }

    /// The latest cut-off of any township's current submission.
    pub async fn latest_as_of(&self) -> Result<Option<String>, String> {
        sqlx::query_scalar(
            "SELECT MAX(as_of) FROM submissions WHERE id IN (SELECT MAX(id) FROM submissions WHERE status = 'ok' GROUP BY township)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(e)
    }

    pub async fn submission_count(&self) -> Result<i64, String> {
        sqlx::query_scalar("SELECT COUNT(*) FROM submissions")
            .fetch_one(&self.pool)
            .await
            .map_err(e)
    }

    pub async fn audit(
        &self,
        user: Option<&User>,
        action: &str,
        detail: &str,
        ip: Option<&str>,
    ) -> Result<(), String> {
        sqlx::query(
            "INSERT INTO audit (at, user_id, user_name, action, detail, ip) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(now_ms())
        .bind(user.map(|u| u.id))
        .bind(user.map(|u| u.name.clone()))
        .bind(action)
        .bind(detail)
        .bind(ip.map(str::to_string))
        .execute(&self.pool)
        .await
        .map_err(e)?;
        Ok(())
    }

    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditRow>, String> {
        let rows = sqlx::query(
            "SELECT at, user_name, action, detail, ip FROM audit ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(e)?;
        rows.iter()
            .map(|r| {
                Ok(AuditRow {
                    at: r.try_get("at")?,
                    user_name: r.try_get("user_name")?,
                    action: r.try_get("action")?,
                    detail: r.try_get("detail")?,
                    ip: r.try_get("ip")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(e)
    }

    pub async fn audit_count(&self, action: &str) -> Result<i64, String> {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = $1")
            .bind(action)
            .fetch_one(&self.pool)
            .await
            .map_err(e)
    }
}

/// Statements of a migration file (no `;` inside strings in ours).
fn split_sql(sql: &str) -> Vec<String> {
    let text: String = sql
        .lines()
        .map(|l| match l.find("--") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    text.split(';')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A database URL without its password (in the user part or as a
/// `password=` parameter), for messages.
pub fn redact(url: &str) -> String {
    let (url, query) = match url.split_once('?') {
        Some((u, q)) => (u, Some(q)),
        None => (url, None),
    };
    let query = query.map(|q| {
        q.split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    let base = redact_user(url);
    match query {
        Some(q) => format!("{base}?{q}"),
        None => base,
    }
}

fn redact_user(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(a), Some(b)) if b > a => {
            let creds = &url[a + 3..b];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..a + 3], &creds[..c], &url[b..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
