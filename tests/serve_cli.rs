//! `jixiao serve` from the command line: zero set-up start (data folder
//! created, first admin with a one-time password, address printed),
//! `--add-user … --password-stdin`, `--add-token`, `--reset-password`,
//! `--revoke-tokens`, a restart, and the hints when on PostgreSQL.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

#[path = "common/skip.rs"]
mod skip;

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start the binary; the address and the lines it printed first.
fn start(data: &std::path::Path) -> (Kill, String, Vec<String>) {
    start_with(data, &[])
}

fn start_with(data: &std::path::Path, extra: &[&str]) -> (Kill, String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("jixiao serve starts");
    let out = child.stdout.take().unwrap();
    let guard = Kill(child);
    let mut lines = Vec::new();
    let mut reader = BufReader::new(out);
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "exited: {lines:?}"
        );
        let done = line.contains("请用浏览器打开");
        lines.push(line.trim_end().to_string());
        if done {
            break;
        }
    }
    let last = lines.last().unwrap();
    let addr = last
        .split("打开 ")
        .nth(1)
        .and_then(|s| s.split('（').next())
        .unwrap()
        .to_string();
    (guard, addr, lines)
}

fn login_ok(base: &str, name: &str, password: &str) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let html = c
            .get(format!("{base}/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let key = "name=\"csrf\" value=\"";
        let i = html.find(key).unwrap() + key.len();
        let csrf = html[i..].split('"').next().unwrap().to_string();
        let r = c
            .post(format!("{base}/login"))
            .form(&[("name", name), ("password", password), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        r.status() == 200
    })
}

#[test]
fn zero_setup_start_accounts_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("新建的数据");
    let (server, base, lines) = start(&data);
    assert!(data.join("jixiao.db").exists(), "SQLite database created");
    assert!(data.join("files").is_dir());
    let first = lines
        .iter()
        .find(|l| l.contains("初始密码"))
        .unwrap_or_else(|| panic!("no initial password: {lines:?}"));
    let password = first
        .split("初始密码 ")
        .nth(1)
        .and_then(|s| s.split('（').next())
        .unwrap()
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(login_ok(&base, "admin", &password));
    assert!(!login_ok(&base, "admin", "wrong-password"));

    // Accounts from the command line, beside the running server (WAL).
    let mut add = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["serve", "--data"])
        .arg(&data)
        .args([
            "--add-user",
            "jy",
            "--township",
            "靖宇镇",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"clerk-password-1\n")
        .unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("已添加乡镇账号 jy"));
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["serve", "--data"])
        .arg(&data)
        .args(["--add-token", "jy"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("jx_"), "{token}");
    assert!(login_ok(&base, "jy", "clerk-password-1"));
    // The token works against the running server.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("{base}/api/submissions"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    // Missing --township / --county: a message, exit 2.
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["serve", "--data"])
        .arg(&data)
        .args(["--add-user", "x", "--password-stdin"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--township"));
    drop(server);
    std::thread::sleep(Duration::from_millis(100));

    // Restart: no new admin, the same accounts.
    let (_server, base, lines) = start(&data);
    assert!(!lines.iter().any(|l| l.contains("初始密码")), "{lines:?}");
    assert!(login_ok(&base, "admin", &password));
    assert!(login_ok(&base, "jy", "clerk-password-1"));
}

/// `jixiao serve --data <data> <args…>`, `stdin` written; (success, stdout, stderr).
fn cli(data: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["serve", "--data"])
        .arg(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn initial_password(lines: &[String]) -> String {
    let first = lines
        .iter()
        .find(|l| l.contains("初始密码"))
        .unwrap_or_else(|| panic!("no initial password: {lines:?}"));
    first
        .split("初始密码 ")
        .nth(1)
        .and_then(|s| s.split('（').next())
        .unwrap()
        .to_string()
}

/// A logged-in browser-like client.
async fn logged_in(base: &str, name: &str, password: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let html = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = "name=\"csrf\" value=\"";
    let i = html.find(key).unwrap() + key.len();
    let csrf = html[i..].split('"').next().unwrap().to_string();
    let r = c
        .post(format!("{base}/login"))
        .form(&[("name", name), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!r.url().path().starts_with("/login"), "{}", r.url());
    c
}

async fn api_status(base: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/api/submissions"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn reset_password_ends_sessions_and_revoked_tokens_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("数据");
    let (_server, base, lines) = start(&data);
    let admin_pw = initial_password(&lines);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let (ok, out, err) = cli(
        &data,
        &[
            "--add-user",
            "jy",
            "--township",
            "靖宇镇",
            "--password-stdin",
        ],
        "clerk-password-1\n",
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("已写入 SQLite 数据库"), "{out}");
    assert!(out.contains("jixiao.db"), "{out}");
    assert!(!out.contains("刚刚新建"), "the server's own file: {out}");
    let (ok, token, err) = cli(&data, &["--add-token", "jy"], "");
    assert!(ok, "{err}");
    let token = token.trim().to_string();
    assert!(err.contains("jixiao.db"), "{err}");
    assert_eq!(rt.block_on(api_status(&base, &token)), 200);

    // A session open before the reset ends with it.
    let session = rt.block_on(logged_in(&base, "jy", "clerk-password-1"));
    // Meanwhile: an upload's page shows locations once, and units.
    let html = rt.block_on(async {
        let sample = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample-data/jingyu-2023.xlsx"
        ))
        .unwrap();
        let r = reqwest::Client::new()
            .post(format!(
                "{base}/api/submissions?filename=jy.xlsx&as_of=2024-05-31"
            ))
            .bearer_auth(&token)
            .body(sample)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: serde_json::Value = r.json().await.unwrap();
        let id = v["id"].as_i64().unwrap();
        session
            .get(format!("{base}/submissions/{id}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(html.contains(">项目!A3<"), "{html}");
    assert!(!html.contains("项目!项目!"), "{html}");
    for unit in [
        "进度差（个百分点）",
        "待拨付（万元）",
        "结余（万元）",
        "未支出（万元）",
    ] {
        assert!(html.contains(unit), "{unit}");
    }
    let login_page = rt.block_on(async {
        reqwest::get(format!("{base}/login"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(login_page.contains("请向县财政局管理员索取"));
    assert!(!login_page.contains("--add-user"));
    let page = |c: &reqwest::Client| {
        rt.block_on(async {
            let r = c.get(format!("{base}/township")).send().await.unwrap();
            r.url().path().to_string()
        })
    };
    assert_eq!(page(&session), "/township");

    // Too short: refused, nothing changed.
    let (ok, _, err) = cli(
        &data,
        &["--reset-password", "jy", "--password-stdin"],
        "short\n",
    );
    assert!(!ok);
    assert!(err.contains("8"), "{err}");
    assert!(login_ok(&base, "jy", "clerk-password-1"));
    // No such user.
    let (ok, _, err) = cli(
        &data,
        &["--reset-password", "nobody", "--password-stdin"],
        "long-enough-1\n",
    );
    assert!(!ok);
    assert!(err.contains("nobody"), "{err}");

    let (ok, out, err) = cli(
        &data,
        &["--reset-password", "jy", "--password-stdin"],
        "clerk-password-2\n",
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("已重设 jy 的密码"), "{out}");
    assert!(
        !login_ok(&base, "jy", "clerk-password-1"),
        "old password refused"
    );
    assert!(login_ok(&base, "jy", "clerk-password-2"));
    assert_eq!(page(&session), "/login", "the old session ended");

    // A lost admin password: generated, printed once.
    let (ok, out, err) = cli(&data, &["--reset-password", "admin"], "");
    assert!(ok, "{out}{err}");
    let new_pw = out
        .split("新密码：")
        .nth(1)
        .and_then(|s| s.split('（').next())
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    assert!(new_pw.chars().count() >= 8, "{new_pw}");
    assert!(!login_ok(&base, "admin", &admin_pw));
    assert!(login_ok(&base, "admin", &new_pw));

    // Revoked tokens: 401.
    let (ok, out, err) = cli(&data, &["--revoke-tokens", "jy"], "");
    assert!(ok, "{out}{err}");
    assert!(out.contains("已作废 jy 的 1 个 API 令牌"), "{out}");
    assert_eq!(rt.block_on(api_status(&base, &token)), 401);
    // Logging in still works: only the tokens went.
    assert!(login_ok(&base, "jy", "clerk-password-2"));

    // The audit page names the actions in Chinese.
    let admin = rt.block_on(logged_in(&base, "admin", &new_pw));
    let html = rt.block_on(async {
        admin
            .get(format!("{base}/admin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    for shown in [
        ">重设密码</td>",
        ">作废 API 令牌</td>",
        ">登录失败</td>",
        ">添加账号</td>",
    ] {
        assert!(html.contains(shown), "{shown}: {html}");
    }
    assert!(!html.contains(">login_failed</td>"), "{html}");
}

/// `postgres://…/<db>` with another database name and, when it has none, a password.
fn pg_url(db: &str) -> (String, String) {
    let admin = std::env::var("JIXIAO_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let base = admin.split('?').next().unwrap();
    let after = base.find("://").unwrap() + 3;
    let root = match base[after..].find('/') {
        Some(i) => &base[..after + i],
        None => base,
    };
    let mut url = format!("{root}/{db}");
    let at = url.rfind('@').unwrap();
    if !url[after..at].contains(':') {
        url.insert_str(at, ":pg-secret-9");
    }
    (admin, url)
}

#[test]
fn postgres_hints_name_the_database_and_hide_the_password() {
    let db = format!("jixiao_cli_{}", std::process::id());
    let (admin, url) = pg_url(&db);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let reachable = rt.block_on(async {
        use sqlx::Connection;
        let mut c = match sqlx::postgres::PgConnection::connect(&admin).await {
            Ok(c) => c,
            Err(e) => {
                skip::missing(
                    "PostgreSQL",
                    &format!(
                        "PostgreSQL 连不上：{}（{e}）",
                        jixiao::serve::db::redact(&admin)
                    ),
                    skip::POSTGRES_INSTALL,
                );
                return false;
            }
        };
        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE \"{db}\""))
            .execute(&mut c)
            .await
            .unwrap();
        true
    });
    if !reachable {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    {
        let (_server, _base, lines) = start_with(&data, &["--database", &url]);
        let secret = url
            .split(':')
            .nth(2)
            .unwrap()
            .split('@')
            .next()
            .unwrap()
            .to_string();
        let hint = lines
            .iter()
            .find(|l| l.contains("--add-user"))
            .unwrap_or_else(|| panic!("{lines:?}"));
        assert!(hint.contains("--database postgres://"), "{hint}");
        assert!(hint.contains(":***@"), "{hint}");
        assert!(!lines.concat().contains(&secret), "{lines:?}");

        // Following the hint (with the real URL): written to PostgreSQL.
        let (ok, out, err) = cli(
            &data,
            &[
                "--database",
                &url,
                "--add-user",
                "jy",
                "--township",
                "靖宇镇",
                "--password-stdin",
            ],
            "clerk-password-1\n",
        );
        assert!(ok, "{out}{err}");
        assert!(
            out.contains("已写入 PostgreSQL 数据库 postgres://"),
            "{out}"
        );
        assert!(!out.contains(&secret), "{out}");
        // Forgetting --database: said plainly that a new SQLite file was written.
        assert!(!data.join("jixiao.db").exists());
        let (ok, out, err) = cli(
            &data,
            &[
                "--add-user",
                "jy2",
                "--township",
                "靖宇镇",
                "--password-stdin",
            ],
            "clerk-password-1\n",
        );
        assert!(ok, "{out}{err}");
        assert!(out.contains("SQLite") && out.contains("jixiao.db"), "{out}");
        assert!(
            out.contains("刚刚新建") && out.contains("--database"),
            "{out}"
        );
    }
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::postgres::PgConnection::connect(&admin).await.unwrap();
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
            .execute(&mut c)
            .await;
    });
}

#[test]
fn a_damaged_workbook_is_explained_in_chinese_first() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("坏.xlsx");
    std::fs::write(&bad, b"PK\x03\x04 not really a workbook").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .arg("report")
        .arg(&bad)
        .arg("-o")
        .arg(dir.path().join("out.xlsx"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let i = err
        .find("文件不完整或已损坏")
        .unwrap_or_else(|| panic!("{err}"));
    let advice = err
        .find("另存为 .xlsx 再试")
        .unwrap_or_else(|| panic!("{err}"));
    assert!(i < advice, "{err}");
    // The library's English only at the end, in parentheses.
    if let Some(english) = err.find("rror") {
        let tech = err.find("（技术信息：").unwrap_or_else(|| panic!("{err}"));
        assert!(tech < english && advice < tech, "{err}");
    }
}

#[test]
fn database_urls_are_shown_without_passwords() {
    use jixiao::serve::db::redact;
    assert_eq!(
        redact("postgres://jx:s3cret@db.local:5432/jixiao"),
        "postgres://jx:***@db.local:5432/jixiao"
    );
    assert_eq!(
        redact("postgres://jx@db.local/jixiao?sslmode=require&password=s3cret"),
        "postgres://jx@db.local/jixiao?sslmode=require&password=***"
    );
    assert_eq!(
        redact("postgres://db.local/jixiao"),
        "postgres://db.local/jixiao"
    );
}

/// SIGTERM (systemd, docker stop) stops the server as Ctrl-C does: the
/// requests under way finish, the database is closed, exit status 0.
#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_like_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let (mut guard, addr, _) = start(&dir.path().join("data"));
    assert!(login_ok(&addr, "nobody", "nothing-at-all") == false);
    let pid = guard.0.id() as i32;
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = guard.0.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0), "{status:?}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Its lock is given back: a new server starts on the same folder.
    let (_g, _, lines) = start(&dir.path().join("data"));
    assert!(lines.iter().any(|l| l.contains("请用浏览器打开")));
}

/// A data folder that cannot be written (issue 18, point 6): refused at
/// once, exit 2, a Chinese message naming the folder — not a pool timing
/// out a minute later. And a second server on one folder is refused.
#[test]
fn an_unwritable_data_folder_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("是个文件");
    std::fs::write(&file, b"x").unwrap();
    let data_under_file = file.join("data");
    for data in [
        std::path::PathBuf::from("/proc/jixiao-cannot-write"),
        file.clone(),
        data_under_file,
    ] {
        let started = std::time::Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .args(["serve", "--bind", "127.0.0.1:0", "--data"])
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("数据文件夹") && err.contains("不能写入"),
            "{err}"
        );
        assert!(
            err.contains(&data.display().to_string()) || err.contains(&file.display().to_string()),
            "{err}"
        );
    }
    // A second server on a running one's folder.
    let data = dir.path().join("data");
    let (_g, _, _) = start(&data);
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("已经有一个 jixiao serve 在运行"));
    // An account command beside it is fine.
    let (ok, _, err) = cli(
        &data,
        &[
            "--add-user",
            "jy",
            "--township",
            "靖宇镇",
            "--password-stdin",
        ],
        "password-123\n",
    );
    assert!(ok, "{err}");
}

/// Accounts from the command line: a county account is a viewer unless
/// `--admin`; a second account for a township needs `--confirm-second`.
#[test]
fn cli_accounts_roles_and_second_township_account() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pw = "password-123\n";
    let (ok, out, err) = cli(
        &data,
        &["--add-user", "v", "--county", "靖宇县", "--password-stdin"],
        pw,
    );
    assert!(ok && out.contains("只能查看"), "{out}{err}");
    let (ok, out, err) = cli(
        &data,
        &[
            "--add-user",
            "a",
            "--county",
            "靖宇县",
            "--admin",
            "--password-stdin",
        ],
        pw,
    );
    assert!(ok && out.contains("县级管理员"), "{out}{err}");
    let (ok, _, err) = cli(
        &data,
        &[
            "--add-user",
            "jy",
            "--township",
            "靖宇镇",
            "--password-stdin",
        ],
        pw,
    );
    assert!(ok, "{err}");
    let (ok, _, err) = cli(
        &data,
        &[
            "--add-user",
            "jy2",
            "--township",
            "靖宇镇",
            "--password-stdin",
        ],
        pw,
    );
    assert!(
        !ok && err.contains("已有账号 jy") && err.contains("--confirm-second"),
        "{err}"
    );
    let (ok, _, err) = cli(
        &data,
        &[
            "--add-user",
            "jy2",
            "--township",
            "靖宇镇",
            "--confirm-second",
            "--password-stdin",
        ],
        pw,
    );
    assert!(ok, "{err}");
    // The reset says what happens to the tokens.
    let (ok, out, err) = cli(&data, &["--reset-password", "jy", "--password-stdin"], pw);
    assert!(ok && out.contains("API 令牌不受影响"), "{out}{err}");
}
