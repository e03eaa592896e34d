//! The database: one schema and one set of runtime queries (sqlx `Any`) for
//! SQLite (default, `DATA/jixiao.db`, WAL) and PostgreSQL (`--database`).

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

const MIGRATIONS_SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_county_network.sql"),
    ),
];
const MIGRATIONS_POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_county_network.sql"),
    ),
];

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

/// A database fault in words for the person at the screen; the details go
/// to the server's log. Messages starting with `DB_DOWN` are answered 503.
fn e(err: sqlx::Error) -> String {
    eprintln!("jixiao serve：数据库错误：{err}");
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            DB_DOWN.to_string()
        }
        _ => format!("数据库错误：{err}"),
    }
}

/// The database cannot be reached (answered 503, never "wrong password").
pub const DB_DOWN: &str = "数据库暂时无法访问，这次操作没有完成；请稍后再试，或联系县财政局的系统管理员（详情见服务器日志）";

/// Whether a message is the database being unreachable.
pub fn is_down(m: &str) -> bool {
    m.starts_with("数据库暂时无法访问")
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    /// "township" | "county"
    pub role: String,
    pub unit: String,
    /// Manages accounts (a county account; county viewers are not).
    pub admin: bool,
    pub disabled: bool,
}

const USER_COLS: &str = "u.id AS id, u.name AS name, u.role AS role, u.unit AS unit, u.admin AS admin, u.disabled AS disabled";

impl User {
    pub fn is_county(&self) -> bool {
        self.role == "county"
    }
    pub fn is_admin(&self) -> bool {
        self.admin && self.is_county()
    }
    fn of(r: &AnyRow) -> Result<User, sqlx::Error> {
        Ok(User {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            role: r.try_get("role")?,
            unit: r.try_get("unit")?,
            admin: r.try_get::<i64, _>("admin")? != 0,
            disabled: r.try_get::<i64, _>("disabled")? != 0,
        })
    }
}

/// An API token as the admin page lists it (never the token itself).
#[derive(Clone, Debug, serde::Serialize)]
pub struct TokenRow {
    pub user_name: String,
    /// The first 12 hex digits of the token's hash: enough to name it.
    pub key: String,
    pub created_at: i64,
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
    /// 单位 as the ledger's 说明 names it (None: the ledger does not say).
    pub unit: Option<String>,
    /// 年度 of the ledger (its 说明, else the cut-off's year).
    pub year: Option<i64>,
    /// 'submitted' | 'withdrawn' (by the township) | 'returned' (退回 by the county).
    pub state: String,
    /// When the clerk marked this upload as the one that counts for its year.
    pub chosen_at: Option<i64>,
    pub return_reason: Option<String>,
    pub returned_by: Option<String>,
    pub returned_at: Option<i64>,
    /// Problems the reading found; the stored list keeps the first ones.
    pub problems_total: Option<i64>,
    #[serde(skip)]
    pub report_json: Option<String>,
    #[serde(skip)]
    pub monthly_json: Option<String>,
    /// The summary's 【待补充：…】 places (kept with the figures).
    #[serde(skip)]
    pub placeholders: Vec<String>,
    /// The 结果公示's places to fill in.
    #[serde(skip)]
    pub notice_placeholders: Vec<String>,
}

const SUB_COLS: &str = "id, township, user_name, uploaded_at, file_name, sha256, size, requested_as_of, status, message, as_of, project_count, budget, paid, execution_rate, errors, warnings, unit, year, state, chosen_at, return_reason, returned_by, returned_at, problems_total";

impl Submission {
    fn of(r: &AnyRow, full: bool) -> Result<Submission, sqlx::Error> {
        let mut sub = Submission {
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
            unit: r.try_get("unit")?,
            year: r.try_get("year")?,
            state: r.try_get("state")?,
            chosen_at: r.try_get("chosen_at")?,
            return_reason: r.try_get("return_reason")?,
            returned_by: r.try_get("returned_by")?,
            returned_at: r.try_get("returned_at")?,
            problems_total: r.try_get("problems_total")?,
            report_json: None,
            monthly_json: None,
            placeholders: Vec::new(),
            notice_placeholders: Vec::new(),
        };
        if full {
            let packed: Option<Vec<u8>> = r.try_get("data_z")?;
            match packed.as_deref().and_then(unpack) {
                Some(v) => {
                    sub.report_json = v["report"].is_object().then(|| v["report"].to_string());
                    sub.monthly_json = v["monthly"].is_object().then(|| v["monthly"].to_string());
                    sub.placeholders = v["placeholders"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p.as_str().map(str::to_string))
                        .collect();
                    sub.notice_placeholders = v["notice_placeholders"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p.as_str().map(str::to_string))
                        .collect();
                }
                None => {
                    sub.report_json = r.try_get("report_json")?;
                    sub.monthly_json = r.try_get("monthly_json")?;
                }
            }
        }
        Ok(sub)
    }

    /// Counts toward the county: read, and neither withdrawn nor returned.
    pub fn live(&self) -> bool {
        self.status == "ok" && self.state == "submitted"
    }
}

/// JSON deflated in a one-entry zip (the zip crate is already a dependency).
pub fn pack(v: &serde_json::Value) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let text = v.to_string();
        if z.start_file("d.json", opts).is_err()
            || z.write_all(text.as_bytes()).is_err()
            || z.finish().is_err()
        {
            return Vec::new();
        }
    }
    buf.into_inner()
}

pub fn unpack(bytes: &[u8]) -> Option<serde_json::Value> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut f = z.by_index(0).ok()?;
    let mut text = String::new();
    f.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
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
    pub unit: Option<String>,
    pub year: Option<i64>,
    pub problems_total: Option<i64>,
    /// `pack({"report": …, "monthly": …})`.
    pub data_z: Option<Vec<u8>>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct AuditRow {
    pub at: i64,
    pub user_name: Option<String>,
    pub action: String,
    pub detail: String,
    pub ip: Option<String>,
    /// How many times this happened (repeated refusals are one row).
    pub times: i64,
}

/// Actions that an outsider can repeat at will: one row per (action,
/// address, user, detail) within `AGGREGATE_MS`, counted.
const AGGREGATED: &[&str] = &[
    "denied",
    "login_failed",
    "login_paused",
    "login_busy",
    "upload_refused",
];
const AGGREGATE_MS: i64 = 10 * 60 * 1000;

/// The submission that counts among one township's uploads of one 年度
/// (`subs` newest first): the one the clerk marked, else the newest that is
/// read, neither withdrawn nor returned.
pub fn counting<'a>(subs: impl IntoIterator<Item = &'a Submission>) -> Option<&'a Submission> {
    let live: Vec<&Submission> = subs.into_iter().filter(|s| s.live()).collect();
    live.iter()
        .filter(|s| s.chosen_at.is_some())
        .max_by_key(|s| (s.chosen_at, s.id))
        .or_else(|| live.iter().max_by_key(|s| s.id))
        .copied()
}

/// Per (township, 年度): the submission that counts.
pub fn current_by_year(
    subs: &[Submission],
) -> std::collections::BTreeMap<(String, Option<i64>), i64> {
    let mut groups: std::collections::BTreeMap<(String, Option<i64>), Vec<&Submission>> =
        Default::default();
    for s in subs {
        groups
            .entry((s.township.clone(), s.year))
            .or_default()
            .push(s);
    }
    groups
        .into_iter()
        .filter_map(|(k, v)| counting(v).map(|s| (k, s.id)))
        .collect()
}

impl Db {
    /// `url`: `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, String> {
        sqlx::any::install_default_drivers();
        let postgres = url.starts_with("postgres");
        let opts = AnyPoolOptions::new()
            .max_connections(if postgres { 10 } else { 4 })
            .acquire_timeout(std::time::Duration::from_secs(30));
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

    /// A transaction that will write. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`): a deferred one that reads and then writes
    /// fails with SQLITE_BUSY_SNAPSHOT (517) under concurrent writers,
    /// which the busy timeout does not retry.
    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        if self.postgres {
            self.pool.begin().await
        } else {
            self.pool.begin_with("BEGIN IMMEDIATE").await
        }
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
            let mut tx = self.write_tx().await.map_err(e)?;
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
        admin: bool,
    ) -> Result<i64, String> {
        // fetch_all: the statement runs to its end before the id is used
        // (sqlx's SQLite RETURNING with fetch_one may hand back a row whose
        // insert then fails).
        let ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO users (name, role, unit, password_hash, created_at, admin) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(name)
        .bind(role)
        .bind(unit)
        .bind(password_hash)
        .bind(now_ms())
        .bind(admin as i64)
        .fetch_all(&self.pool)
        .await
        .map_err(|err| {
            if err.to_string().to_lowercase().contains("unique") {
                format!("用户名“{name}”已存在")
            } else {
                e(err)
            }
        })?;
        ids.first()
            .copied()
            .ok_or_else(|| "数据库未返回新账号的编号".into())
    }

    /// A new password hash for the user; their sessions end (in one
    /// transaction). The number of sessions ended.
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<u64, String> {
        let mut tx = self.write_tx().await.map_err(e)?;
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

    /// Disable (or enable) an account; disabling ends its sessions (its
    /// tokens stop working while it is disabled).
    pub async fn set_disabled(&self, user_id: i64, disabled: bool) -> Result<u64, String> {
        let mut tx = self.write_tx().await.map_err(e)?;
        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled as i64)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(e)?;
        let ended = if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(e)?
                .rows_affected()
        } else {
            0
        };
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

    /// One token, named by the start of its hash; whether it was there.
    pub async fn revoke_token(&self, key: &str) -> Result<bool, String> {
        if key.len() < 12 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(false);
        }
        let r = sqlx::query("DELETE FROM tokens WHERE token_hash LIKE $1")
            .bind(format!("{key}%"))
            .execute(&self.pool)
            .await
            .map_err(e)?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn tokens(&self) -> Result<Vec<TokenRow>, String> {
        let rows = sqlx::query(
            "SELECT u.name AS user_name, t.token_hash AS token_hash, t.created_at AS created_at FROM tokens t JOIN users u ON u.id = t.user_id ORDER BY u.name, t.created_at",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(e)?;
        rows.iter()
            .map(|r| {
                let h: String = r.try_get("token_hash")?;
                Ok(TokenRow {
                    user_name: r.try_get("user_name")?,
                    key: h.chars().take(12).collect(),
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(e)
    }

    /// The user and their password hash.
    pub async fn user_by_name(&self, name: &str) -> Result<Option<(User, String)>, String> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLS}, u.password_hash AS password_hash FROM users u WHERE u.name = $1"
        ))
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(e)?;
        row.map(|r| Ok((User::of(&r)?, r.try_get("password_hash")?)))
            .transpose()
            .map_err(e)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, String> {
        let row = sqlx::query(&format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(e)?;
        row.map(|r| User::of(&r)).transpose().map_err(e)
    }

    pub async fn users(&self) -> Result<Vec<User>, String> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLS} FROM users u ORDER BY u.role, u.unit, u.name"
        ))
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
        sqlx::query_scalar(
            "SELECT DISTINCT unit FROM users WHERE role = 'township' AND disabled = 0 ORDER BY unit",
        )
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

    /// The session's user and CSRF token, when the session is live and the
    /// account is not disabled.
    pub async fn session(&self, id_hash: &str) -> Result<Option<(User, String)>, String> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLS}, s.csrf AS csrf FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = 0"
        ))
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
        let row = sqlx::query(&format!(
            "SELECT {USER_COLS} FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.disabled = 0"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(e)?;
        row.map(|r| User::of(&r)).transpose().map_err(e)
    }

    /// Record a submission and its audit row in one transaction: the id is
    /// returned only once both are committed (never an id of a rolled-back
    /// insert, never "recorded" when it is not).
    pub async fn add_submission(
        &self,
        s: &NewSubmission<'_>,
        audit_detail: impl Fn(i64) -> String,
        ip: Option<&str>,
    ) -> Result<i64, String> {
        let mut tx = self.write_tx().await.map_err(e)?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO submissions (township, user_id, user_name, uploaded_at, file_name, sha256, size, requested_as_of, status, message, as_of, project_count, budget, paid, execution_rate, errors, warnings, unit, year, problems_total, data_z) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) RETURNING id",
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
        .bind(s.unit.clone())
        .bind(s.year)
        .bind(s.problems_total)
        .bind(s.data_z.clone())
        .fetch_all(&mut *tx)
        .await
        .map_err(e)?;
        let id = *ids.first().ok_or("数据库未返回报送编号")?;
        Self::audit_in(&mut tx, Some(s.user), "upload", &audit_detail(id), ip).await?;
        tx.commit().await.map_err(e)?;
        Ok(id)
    }

    pub async fn submission(&self, id: i64) -> Result<Option<Submission>, String> {
        let row = sqlx::query(&format!(
            "SELECT {SUB_COLS}, report_json, monthly_json, data_z FROM submissions WHERE id = $1"
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

    /// The submission that counts for the township in `year` (`None`: the
    /// latest 年度 that has one).
    pub async fn current(&self, township: &str, year: Option<i64>) -> Result<Option<i64>, String> {
        let h = self.history(township).await?;
        let by_year = current_by_year(&h);
        Ok(match year {
            Some(y) => by_year.get(&(township.to_string(), Some(y))).copied(),
            None => by_year
                .iter()
                .max_by_key(|((_, y), id)| (*y, **id))
                .map(|(_, id)| *id),
        })
    }

    /// Per township, the submission that counts for a month's roll-up: of
    /// the uploads whose cut-off reaches `as_of` (YYYY-MM-DD), those of
    /// `year` when given (else of the township's latest 年度 among them); of
    /// those, the one marked, else the newest.
    pub async fn current_covering(
        &self,
        as_of: &str,
        year: Option<i64>,
    ) -> Result<Vec<Submission>, String> {
        let rows = sqlx::query(&format!(
            "SELECT {SUB_COLS} FROM submissions WHERE status = 'ok' AND state = 'submitted' AND as_of >= $1 ORDER BY township, id DESC"
        ))
        .bind(as_of)
        .fetch_all(&self.pool)
        .await
        .map_err(e)?;
        let subs: Vec<Submission> = rows
            .iter()
            .map(|r| Submission::of(r, false))
            .collect::<Result<_, _>>()
            .map_err(e)?;
        let by_year = current_by_year(&subs);
        let mut pick: std::collections::BTreeMap<String, (Option<i64>, i64)> = Default::default();
        for ((t, y), id) in by_year {
            if year.is_some() && y != year {
                continue;
            }
            let e = pick.entry(t).or_insert((y, id));
            if y > e.0 {
                *e = (y, id);
            }
        }
        let ids: std::collections::HashSet<i64> = pick.values().map(|(_, id)| *id).collect();
        Ok(subs.into_iter().filter(|s| ids.contains(&s.id)).collect())
    }

    /// The latest cut-off of any submission that counts.
    pub async fn latest_as_of(&self) -> Result<Option<String>, String> {
        sqlx::query_scalar(
            "SELECT MAX(as_of) FROM submissions WHERE status = 'ok' AND state = 'submitted'",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(e)
    }

    /// Withdraw / return / mark: the submission's new state, with the audit
    /// row, in one transaction.
    pub async fn set_state(
        &self,
        id: i64,
        change: StateChange<'_>,
        by: &User,
        detail: &str,
        ip: Option<&str>,
    ) -> Result<(), String> {
        let mut tx = self.write_tx().await.map_err(e)?;
        let (sql, action) = match change {
            StateChange::Withdraw => (
                "UPDATE submissions SET state = 'withdrawn', chosen_at = NULL WHERE id = $1 AND state = 'submitted'",
                "withdrawn",
            ),
            StateChange::Restore => (
                "UPDATE submissions SET state = 'submitted', return_reason = NULL WHERE id = $1 AND state = 'withdrawn'",
                "restored",
            ),
            StateChange::Choose => (
                "UPDATE submissions SET chosen_at = $2 WHERE id = $1 AND state = 'submitted' AND status = 'ok'",
                "chosen",
            ),
            StateChange::Return(_) => (
                "UPDATE submissions SET state = 'returned', chosen_at = NULL, return_reason = $3, returned_by = $4, returned_at = $2 WHERE id = $1 AND state = 'submitted'",
                "returned",
            ),
        };
        let mut q = sqlx::query(sql).bind(id);
        match change {
            StateChange::Choose => q = q.bind(now_ms()),
            StateChange::Return(reason) => {
                q = q
                    .bind(now_ms())
                    .bind(reason.to_string())
                    .bind(by.name.clone())
            }
            _ => {}
        }
        let n = q.execute(&mut *tx).await.map_err(e)?.rows_affected();
        if n == 0 {
            return Err("这次报送的状态已经变了，未作改动；请刷新页面后再试".into());
        }
        Self::audit_in(&mut tx, Some(by), action, detail, ip).await?;
        tx.commit().await.map_err(e)?;
        Ok(())
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
        let mut tx = self.write_tx().await.map_err(e)?;
        Self::audit_in(&mut tx, user, action, detail, ip).await?;
        tx.commit().await.map_err(e)
    }

    /// One audit row inside a transaction; an outsider's repeated refusal
    /// adds to the recent row instead of a new one. Details are capped.
    async fn audit_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        user: Option<&User>,
        action: &str,
        detail: &str,
        ip: Option<&str>,
    ) -> Result<(), String> {
        let detail: String = detail.chars().take(500).collect();
        let now = now_ms();
        if AGGREGATED.contains(&action) {
            let recent: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM audit WHERE action = $1 AND COALESCE(ip, '') = $2 AND COALESCE(user_id, 0) = $3 AND detail = $4 AND at > $5 ORDER BY id DESC LIMIT 1",
            )
            .bind(action)
            .bind(ip.unwrap_or("").to_string())
            .bind(user.map(|u| u.id).unwrap_or(0))
            .bind(&detail)
            .bind(now - AGGREGATE_MS)
            .fetch_all(&mut **tx)
            .await
            .map_err(e)?;
            if let Some(id) = recent.first() {
                sqlx::query("UPDATE audit SET times = times + 1, at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut **tx)
                    .await
                    .map_err(e)?;
                return Ok(());
            }
        }
        sqlx::query(
            "INSERT INTO audit (at, user_id, user_name, action, detail, ip) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(now)
        .bind(user.map(|u| u.id))
        .bind(user.map(|u| u.name.clone()))
        .bind(action)
        .bind(detail)
        .bind(ip.map(str::to_string))
        .execute(&mut **tx)
        .await
        .map_err(e)?;
        Ok(())
    }

    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditRow>, String> {
        let rows = sqlx::query(
            "SELECT at, user_name, action, detail, ip, times FROM audit ORDER BY at DESC, id DESC LIMIT $1",
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
                    times: r.try_get("times")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(e)
    }

    /// How many times an action happened (aggregated rows by their count).
    pub async fn audit_count(&self, action: &str) -> Result<i64, String> {
        let n: Option<i64> =
            sqlx::query_scalar("SELECT CAST(SUM(times) AS BIGINT) FROM audit WHERE action = $1")
                .bind(action)
                .fetch_one(&self.pool)
                .await
                .map_err(e)?;
        Ok(n.unwrap_or(0))
    }

    /// Rows in the audit table for an action (not their counts).
    pub async fn audit_rows(&self, action: &str) -> Result<i64, String> {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = $1")
            .bind(action)
            .fetch_one(&self.pool)
            .await
            .map_err(e)
    }

    /// The audit table's size in bytes of detail text (tests and the admin page).
    pub async fn audit_detail_bytes(&self) -> Result<i64, String> {
        let n: Option<i64> =
            sqlx::query_scalar("SELECT CAST(SUM(LENGTH(detail)) AS BIGINT) FROM audit")
                .fetch_one(&self.pool)
                .await
                .map_err(e)?;
        Ok(n.unwrap_or(0))
    }
}

/// A change of a submission's standing.
#[derive(Clone, Copy, Debug)]
pub enum StateChange<'a> {
    /// The township takes it back.
    Withdraw,
    /// The township puts a withdrawn one back.
    Restore,
    /// The township marks it as the one that counts for its 年度.
    Choose,
    /// The county sends it back, with the reason the township sees.
    Return(&'a str),
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
