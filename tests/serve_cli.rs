//! `jixiao serve` from the command line: zero set-up start (data folder
//! created, first admin with a one-time password, address printed),
//! `--add-user … --password-stdin`, `--add-token`, and a restart.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start the binary; the address and the lines it printed first.
fn start(data: &std::path::Path) -> (Kill, String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(data)
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
