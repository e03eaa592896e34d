//! `jixiao serve` as a clerk and a county would use it, against a server on
//! a loopback port: each test body runs on SQLite and on PostgreSQL (where
//! reachable; `SKIPPED: …` otherwise).

mod serve_common;

use calamine::{Data, Reader};
use reqwest::StatusCode;
use serve_common::*;
use std::io::Write;

/// Each body once per backend: `sqlite_<name>` and `postgres_<name>`.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(env) = super::Env::start(super::Backend::Sqlite).await {
                        super::$name(&env).await;
                        env.finish().await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    if let Some(env) = super::Env::start(super::Backend::Postgres).await {
                        super::$name(&env).await;
                        env.finish().await;
                    }
                }
            )*
        }
    };
}

both!(
    upload_view_download,
    history_and_current,
    permissions,
    csrf_required,
    bad_and_hostile_uploads,
    concurrent_uploads,
    county_rollup,
    current_per_year_withdraw_mark_and_return,
    roles_and_web_account_management,
    a_ledger_of_another_unit_is_refused_with_both_names,
    database_outage_is_503_not_a_failed_login,
);

/// Restart needs the environment mutable: its own pair.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_restart_keeps_everything() {
    if let Some(mut env) = Env::start(Backend::Sqlite).await {
        restart_keeps_everything(&mut env).await;
        env.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restart_keeps_everything() {
    if let Some(mut env) = Env::start(Backend::Postgres).await {
        restart_keeps_everything(&mut env).await;
        env.finish().await;
    }
}

fn rate_in_summary(xlsx: &[u8]) -> f64 {
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).expect("report opens");
    let sheet = wb.worksheet_range("汇总").expect("汇总 sheet");
    for row in sheet.rows() {
        if row
            .first()
            .is_some_and(|c| *c == Data::String("合计".into()))
        {
            return match &row[4] {
                Data::Float(f) => *f,
                other => panic!("合计 rate is {other:?}"),
            };
        }
    }
    panic!("no 合计 row in 汇总")
}

async fn upload_view_download(env: &Env) {
    env.add_township("jy", "靖宇镇").await;
    let b = Browser::new(env);
    let html = b.login("jy").await;
    assert!(html.contains("靖宇镇：报送台账"), "{html}");
    let csrf = csrf_of(&html);
    let (status, page, url) = b
        .upload(
            "jingyu-2023.xlsx",
            sample(),
            Some("2024-05-31"),
            Some(&csrf),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(url.starts_with("/submissions/"), "{url}");
    // The same figures as the CLI's JSON for the same file.
    let cli = cli_report_json(SAMPLE, "2024-05-31");
    assert_eq!(cli["totals"]["execution_rate"], "56.62");
    for key in ["execution_rate", "budget", "paid"] {
        let v = cli["totals"][key].as_str().unwrap();
        assert!(page.contains(v), "page lacks {key} {v}");
    }
    assert!(page.contains("序时进度"), "pace column");
    assert!(page.contains("问题清单"));
    let id: i64 = url.trim_start_matches("/submissions/").parse().unwrap();

    // The annotated report: its 合计 rate is the CLI's.
    let (s, report, cd) = b.get_bytes(&format!("/submissions/{id}/report.xlsx")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(cd.contains("attachment"), "{cd}");
    let rate = rate_in_summary(&report);
    assert!((rate * 100.0 - 56.62).abs() < 1e-9, "{rate}");
    // Forms, summary, 月报: real files.
    for (path, magic) in [
        ("forms.xlsx", "PK"),
        ("summary.docx", "PK"),
        ("monthly.xlsx?month=2024-03", "PK"),
        ("report.json", "{"),
        ("original", "PK"),
    ] {
        let (s, bytes, _) = b.get_bytes(&format!("/submissions/{id}/{path}")).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(bytes.starts_with(magic.as_bytes()), "{path}");
        if path == "monthly.xlsx?month=2024-03" {
            let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("月报 opens");
            assert!(!wb.sheet_names().is_empty());
            let _ = wb.worksheet_range(&wb.sheet_names()[0]).unwrap();
        }
    }
    let (s, bytes, _) = b.get_bytes(&format!("/submissions/{id}/report.json")).await;
    assert_eq!(s, StatusCode::OK);
    let served: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    // The whole JSON is the CLI's, but for the unit: the server names the
    // account's township, the CLI the workbook's 说明 sheet.
    let (mut served_rest, mut cli_rest) = (served.clone(), cli.clone());
    served_rest["unit"] = serde_json::Value::Null;
    cli_rest["unit"] = serde_json::Value::Null;
    assert_eq!(served_rest, cli_rest);
    assert_eq!(served["unit"], "靖宇镇");
    // A month that is not one.
    let (s, _) = b
        .get(&format!("/submissions/{id}/monthly.xlsx?month=2024-13"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Every action is in the audit table.
    let db = &env.server().state.db;
    assert!(db.audit_count("login").await.unwrap() >= 1);
    assert_eq!(db.audit_count("upload").await.unwrap(), 1);
    assert!(db.audit_count("download").await.unwrap() >= 6);
    assert!(db.audit_count("user_added").await.unwrap() >= 1);
}

async fn history_and_current(env: &Env) {
    let token = env.add_township("jy", "靖宇镇").await;
    let api = Api::new(env, &token);
    let (s, first) = api
        .submit("第一次.xlsx", sample(), Some("2024-05-31"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["current"], true);
    assert_eq!(first["report"]["totals"]["execution_rate"], "56.62");
    let (s, bad) = api
        .submit("坏文件.xlsx", b"not a workbook".to_vec(), None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(bad["status"], "error");
    assert_eq!(bad["current"], false);
    let (s, third) = api
        .submit("第三次.xlsx", sample(), Some("2024-03-31"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, list) = api.get("/api/submissions").await;
    assert_eq!(s, StatusCode::OK);
    let subs = list["submissions"].as_array().unwrap();
    assert_eq!(subs.len(), 3, "every upload kept");
    assert_eq!(list["current"], third["id"]);
    assert_eq!(subs[0]["file_name"], "第三次.xlsx");
    assert_eq!(subs[0]["current"], true);
    assert_eq!(subs[2]["current"], false);
    assert_eq!(subs[2]["execution_rate"], "56.62");
    // Same bytes, one stored file; the bad one kept too.
    assert_eq!(subs[0]["sha256"], subs[2]["sha256"]);
    assert_eq!(data_files(env).len(), 2);
    // The page shows the history with the current one marked.
    let b = Browser::new(env);
    let html = b.login("jy").await;
    assert!(
        html.contains("第一次.xlsx")
            && html.contains("坏文件.xlsx")
            && html.contains("第三次.xlsx")
    );
    assert!(html.contains("当前"));
    assert!(html.contains(subs[0]["sha256"].as_str().unwrap()));
}

async fn permissions(env: &Env) {
    let ta = env.add_township("a", "甲镇").await;
    let tb = env.add_township("b", "乙镇").await;
    let a = Api::new(env, &ta);
    let b_api = Api::new(env, &tb);
    let (_, sub) = a
        .submit("甲.xlsx", sample_of("甲镇"), Some("2024-05-31"))
        .await;
    let id = sub["id"].as_i64().unwrap();
    // B cannot read A's submission: API, page, downloads.
    let (s, _) = b_api.get(&format!("/api/submissions/{id}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = b_api.get("/api/submissions?township=甲镇").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = b_api.get("/api/county").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let bb = Browser::new(env);
    bb.login("b").await;
    for path in [
        format!("/submissions/{id}"),
        format!("/submissions/{id}/report.xlsx"),
        format!("/submissions/{id}/original"),
        format!("/submissions/{id}/report.json"),
        "/county".to_string(),
        "/county/export.xlsx".to_string(),
        "/admin".to_string(),
    ] {
        let (s, body) = bb.get(&path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
        assert!(body.contains("无权访问"), "{path}");
    }
    for path in ["/submissions/abc", "/submissions/999999", "/no-such-page"] {
        let (s, body) = bb.get(path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert!(body.contains("没有这个"), "{path}: {body}");
    }
    // B cannot overwrite A: whatever B sends is B's own.
    let (s, mine) = b_api.submit("甲.xlsx", sample_of("乙镇"), None).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(mine["township"], "乙镇");
    let (_, a_list) = a.get("/api/submissions").await;
    assert_eq!(a_list["submissions"].as_array().unwrap().len(), 1);
    assert_eq!(a_list["current"], id);
    // No token, a wrong token.
    let anon = Api::new(env, "jx_wrong");
    let (s, _) = anon.get(&format!("/api/submissions/{id}")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // A county account can read both, and cannot submit.
    let tc = env.add_county("county").await;
    let c = Api::new(env, &tc);
    let (s, _) = c.get(&format!("/api/submissions/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = c.submit("县.xlsx", sample(), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let denied = env.server().state.db.audit_count("denied").await.unwrap();
    assert!(denied >= 11, "denials recorded: {denied}");
}

async fn csrf_required(env: &Env) {
    env.add_township("jy", "靖宇镇").await;
    let b = Browser::new(env);
    let html = b.login("jy").await;
    let csrf = csrf_of(&html);
    let (s, _, _) = b.upload("x.xlsx", sample(), None, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no token");
    let (s, _, _) = b.upload("x.xlsx", sample(), None, Some("0123")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "wrong token");
    assert_eq!(env.server().state.db.submission_count().await.unwrap(), 0);
    // Logout without the token is refused too.
    let r = b
        .http
        .post(format!("{}/logout", b.base))
        .form(&[("csrf", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A login form posted from elsewhere (no login cookie) is refused.
    let other = reqwest::Client::new();
    let r = other
        .post(env.url("/login"))
        .form(&[("name", "jy"), ("password", PASSWORD), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The session's API POST needs X-CSRF-Token.
    let r = b
        .http
        .post(format!("{}/api/submissions?filename=a.xlsx", b.base))
        .body(sample())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // With the token all is well.
    let (s, _, url) = b.upload("x.xlsx", sample(), None, Some(&csrf)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(url.starts_with("/submissions/"));
    // Cookie flags.
    let r = reqwest::Client::new()
        .get(env.url("/login"))
        .send()
        .await
        .unwrap();
    let set = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
}

/// A zip whose one part unpacks to `mb` MB of zeros.
fn zip_bomb(mb: usize) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..mb {
            z.write_all(&zeros).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// A zip with `n` empty parts.
fn zip_of_many(n: usize) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..n {
            z.start_file(format!("p{i}"), opts).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

async fn bad_and_hostile_uploads(env: &Env) {
    let token = env.add_township("jy", "靖宇镇").await;
    let api = Api::new(env, &token);
    // A corrupt workbook: kept, recorded, explained in Chinese; no 500.
    let mut corrupt = sample();
    corrupt.truncate(corrupt.len() / 2);
    let (s, v) = api.submit("坏.xlsx", corrupt, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.contains("无法读取") || msg.contains("损坏"), "{msg}");
    assert!(
        msg.contains("坏.xlsx"),
        "names the file as the clerk knows it: {msg}"
    );
    assert!(!msg.contains("ledger."), "no server path: {msg}");
    let bad_id = v["id"].as_i64().unwrap();
    let b = Browser::new(env);
    b.login("jy").await;
    let (s, page) = b.get(&format!("/submissions/{bad_id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("未能读取"), "{page}");
    let (s, _) = b.get(&format!("/submissions/{bad_id}/report.xlsx")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // A zip bomb: refused from its directory, before any parsing.
    let bomb = zip_bomb(300);
    assert!(bomb.len() < 2 << 20, "bomb is small: {}", bomb.len());
    let (s, v) = api.submit("炸弹.xlsx", bomb, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["message"].as_str().unwrap().contains("压缩炸弹"), "{v}");
    let (s, v) = api.submit("很多部件.xlsx", zip_of_many(20_000), None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["message"].as_str().unwrap().contains("部件"), "{v}");
    // 50 MB: 413 with a message, nothing recorded for it.
    let before = env.server().state.db.submission_count().await.unwrap();
    let big = vec![b'x'; 50 << 20];
    let (s, v) = api.submit("大.xlsx", big.clone(), None).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(v["error"].as_str().unwrap().contains("20 MB"), "{v}");
    let html = b.login("jy").await;
    let (s, page, _) = b.upload("大.xlsx", big, None, Some(&csrf_of(&html))).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("20 MB"), "{page}");
    assert_eq!(
        env.server().state.db.submission_count().await.unwrap(),
        before
    );
    // Path-like names are names, never paths.
    let (s, v) = api.submit("../../etc/passwd.xlsx", sample(), None).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["file_name"], "passwd.xlsx");
    let (s, v) = api
        .submit("..\\..\\boot.ini", b"hello".to_vec(), None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["file_name"], "boot.ini");
    for f in data_files(env) {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            name.len() == 64 && name.chars().all(|c| c.is_ascii_hexdigit()),
            "stored by hash only: {}",
            f.display()
        );
    }
    assert!(!env.dir.path().join("etc").exists());
    // Names are shown escaped.
    let (s, v) = api
        .submit("<img src=x onerror=alert(1)>.xlsx", sample(), None)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, page) = b.get("/township").await;
    assert!(!page.contains("<img src=x"), "name not escaped");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;.xlsx"));
    let (s, v) = api.submit("空.xlsx", Vec::new(), None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["message"].as_str().unwrap().contains("空"));
    // The server still answers.
    let (s, _) = api.get("/api/submissions").await;
    assert_eq!(s, StatusCode::OK);
}

async fn concurrent_uploads(env: &Env) {
    // Twenty clerks of one township (the sample is 靖宇镇's ledger).
    let mut tokens = Vec::new();
    for i in 0..20 {
        tokens.push(env.add_township(&format!("u{i}"), "靖宇镇").await);
    }
    let sample = sample();
    let mut tasks = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let api = Api::new(env, t);
        let bytes = sample.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for k in 0..10 {
                let (s, v) = api
                    .submit(&format!("{i}-{k}.xlsx"), bytes.clone(), Some("2024-05-31"))
                    .await;
                assert_eq!(s, StatusCode::CREATED, "{v}");
                assert_eq!(v["execution_rate"], "56.62");
                ids.push(v["id"].as_i64().unwrap());
            }
            ids
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    assert_eq!(all.len(), 200);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 200, "each recorded once");
    let db = &env.server().state.db;
    assert_eq!(db.submission_count().await.unwrap(), 200);
    assert_eq!(db.audit_count("upload").await.unwrap(), 200);
    // 200 uploads of the same bytes, written at once: one stored file, whole.
    let files = data_files(env);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(std::fs::read(&files[0]).unwrap(), sample);
    let left = temporaries(env);
    assert!(left.is_empty(), "temporaries left: {left:?}");
    let h = db.history("靖宇镇").await.unwrap();
    assert_eq!(h.len(), 200);
    let mut names: Vec<String> = h.iter().map(|s| s.file_name.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 200);
}

async fn county_rollup(env: &Env) {
    let ta = env.add_township("a", "甲镇").await;
    let tb = env.add_township("b", "乙镇").await;
    env.add_township("c", "丙镇").await;
    let tc = env.add_admin("county").await;
    let (s, _) = Api::new(env, &ta)
        .submit("甲.xlsx", sample_of("甲镇"), Some("2024-05-31"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = Api::new(env, &tb)
        .submit("乙.xlsx", sample_of("乙镇"), Some("2024-06-30"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let county = Api::new(env, &tc);
    let (s, v) = county.get("/api/county?month=2024-05").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ts = v["townships"].as_array().unwrap();
    assert_eq!(ts.len(), 2);
    assert_eq!(v["missing"], serde_json::json!(["丙镇"]));
    // Same as the CLI's figure for the file at that month's end.
    let cli = cli_report_json(SAMPLE, "2024-05-31");
    for t in ts {
        assert_eq!(t["execution_rate"], cli["totals"]["execution_rate"]);
        assert!(t["pace"]["schedule"].is_string());
    }
    // The county's 序时进度 is the townships' own (a 2023 ledger in May 2024:
    // 100 %), not the calendar's 5/12 that would contradict every row.
    assert_eq!(v["schedule"], ts[0]["pace"]["schedule"], "{v}");
    assert_eq!(v["schedule"], "100.00");
    // The same projects in two townships: flagged as duplicates.
    let problems = v["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["message"].as_str().unwrap().contains("重复")),
        "{problems:?}"
    );
    // Without a month: the latest month the submissions cover to its end.
    let (_, latest) = county.get("/api/county").await;
    assert_eq!(latest["month"], "2024-06");
    // June: only 乙镇's ledger reaches it.
    let (_, june) = county.get("/api/county?month=2024-06").await;
    assert_eq!(june["townships"].as_array().unwrap().len(), 1);
    let mut missing: Vec<String> = june["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    missing.sort();
    assert_eq!(missing, ["丙镇", "甲镇"]);
    // The page, its chart, the drill-down and the downloads.
    let b = Browser::new(env);
    let html = b.login("county").await;
    assert!(html.contains("县级汇总"), "{html}");
    let (s, html) = b.get("/county?month=2024-05").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("甲镇") && html.contains("乙镇") && html.contains("丙镇"));
    assert!(html.contains("<svg") && html.contains("序时进度"));
    assert!(html.contains("未报送"));
    let (s, html) = b
        .get("/county/township?name=%E7%94%B2%E9%95%87&month=2024-05")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("项目") && html.contains(cli["projects"][0]["name"].as_str().unwrap()));
    let (s, xlsx, _) = b.get_bytes("/county/export.xlsx?month=2024-05").await;
    assert_eq!(s, StatusCode::OK);
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).expect("county workbook");
    assert!(
        wb.sheet_names().iter().any(|n| n == "未报送"),
        "{:?}",
        wb.sheet_names()
    );
    let _ = wb.worksheet_range("未报送").unwrap();
    let (s, json, _) = b.get_bytes("/county/export.json?month=2024-05").await;
    assert_eq!(s, StatusCode::OK);
    let j: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(j["totals"], v["totals"]);
    // The admin page: accounts, the audit log, a township account added.
    let (s, html) = b.get("/admin").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("操作日志") && html.contains(">上传<"),
        "{html}"
    );
    let r = b
        .http
        .post(format!("{}/admin/users", b.base))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("name", "d"),
            ("township", "丁镇"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("初始密码"), "{html}");
    let (_, v) = county.get("/api/county?month=2024-05").await;
    let mut missing: Vec<&str> = v["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    missing.sort();
    assert_eq!(missing, ["丁镇", "丙镇"]);
}

async fn restart_keeps_everything(env: &mut Env) {
    let token = env.add_township("jy", "靖宇镇").await;
    let api = Api::new(env, &token);
    let (s, v) = api
        .submit("jingyu.xlsx", sample(), Some("2024-05-31"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = v["id"].as_i64().unwrap();
    let (_, _) = api.submit("bad.xlsx", b"junk".to_vec(), None).await;
    env.restart().await;
    // Same token, same password, same submissions and files.
    let api = Api::new(env, &token);
    let (s, list) = api.get("/api/submissions").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["submissions"].as_array().unwrap().len(), 2);
    assert_eq!(list["current"], id);
    let b = Browser::new(env);
    b.login("jy").await;
    let (s, bytes, _) = b.get_bytes(&format!("/submissions/{id}/report.xlsx")).await;
    assert_eq!(s, StatusCode::OK);
    assert!((rate_in_summary(&bytes) * 100.0 - 56.62).abs() < 1e-9);
    let (s, v2) = api.submit("again.xlsx", sample(), Some("2024-05-31")).await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(v2["id"].as_i64().unwrap() > id);
}

/// Every input the fuzzers found (tests/fuzz-cases: panics, hangs and
/// aborts of the workbook library, since guarded) uploaded: each one a
/// recorded submission, read or refused with a Chinese message; no 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_fuzz_cases_upload_gracefully() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    let api = Api::new(&env, &token);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-cases");
    let mut n = 0;
    for f in std::fs::read_dir(&dir).unwrap() {
        let f = f.unwrap().path();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".md") {
            continue;
        }
        let (s, v) = api.submit(&name, std::fs::read(&f).unwrap(), None).await;
        assert!(
            s == StatusCode::CREATED || s == StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {s} {v}"
        );
        if s == StatusCode::UNPROCESSABLE_ENTITY {
            let m = v["message"].as_str().unwrap();
            assert!(
                m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{name}: {m}"
            );
        }
        n += 1;
    }
    assert!(n >= 10);
    assert_eq!(env.server().state.db.submission_count().await.unwrap(), n);
    env.finish().await;
}

/// A workbook that takes longer than the time limit: a message, not a hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_analysis_time_limit() {
    let env = Env::start_with(Backend::Sqlite, |c| c.analysis_timeout_secs = 0)
        .await
        .unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    let (s, v) = Api::new(&env, &token)
        .submit("慢.xlsx", sample(), None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("读取超过"), "{v}");
    env.finish().await;
}

/// A fault of the server's own storage is not the clerk's file being
/// unreadable: 503 with a Chinese message without paths, nothing recorded,
/// an audit row; the same file goes in once the fault is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_server_fault_is_not_recorded_as_a_bad_workbook() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    let api = Api::new(&env, &token);
    // The server's temporary folder replaced by a file: it can't make one.
    let tmp = env.cfg.data.join("tmp");
    std::fs::remove_dir_all(&tmp).unwrap();
    std::fs::write(&tmp, b"").unwrap();
    let (s, v) = api.submit("靖宇.xlsx", sample(), None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    let m = v.to_string();
    assert!(m.contains("这次上传没有记录"), "{m}");
    assert!(
        !m.contains(&env.cfg.data.display().to_string()),
        "no paths: {m}"
    );
    assert_eq!(env.server().state.db.submission_count().await.unwrap(), 0);
    // Fault gone: the same file is read and recorded once.
    std::fs::remove_file(&tmp).unwrap();
    std::fs::create_dir(&tmp).unwrap();
    let (s, v) = api.submit("靖宇.xlsx", sample(), None).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(env.server().state.db.submission_count().await.unwrap(), 1);
    env.finish().await;
}

/// Pages are not kept by the browser, not sniffed, not framed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_pages_carry_safety_headers() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    for path in ["/login", "/nope"] {
        let r = reqwest::get(env.url(path)).await.unwrap();
        let h = r.headers();
        assert_eq!(h["cache-control"], "no-store", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
    // A form with missing fields is answered in Chinese, not axum's English.
    let http = reqwest::Client::new();
    for path in ["/login", "/admin/users"] {
        let r = http
            .post(env.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let text = r.text().await.unwrap();
        assert!(text.contains("表单不完整或无法读取"), "{path}: {text}");
        assert!(!text.contains("Failed to deserialize"), "{path}: {text}");
    }
    env.finish().await;
}

/// Guessing a password is paused after a few misses for that account (the
/// right password too, for the pause), while other accounts still log in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_password_guessing_is_paused_per_account() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    env.add_township("jy", "靖宇镇").await;
    env.add_township("hn", "河南镇").await;
    let b = Browser::new(&env);
    let try_login = |name: &'static str, password: &'static str| {
        let b = &b;
        async move {
            let (_, html) = b.get("/login").await;
            let csrf = csrf_of(&html);
            let r = b
                .http
                .post(format!("{}/login", b.base))
                .form(&[("name", name), ("password", password), ("csrf", &csrf)])
                .send()
                .await
                .unwrap();
            let s = r.status();
            (s, r.text().await.unwrap())
        }
    };
    for _ in 0..jixiao::serve::LOGIN_TRIES {
        let (s, _) = try_login("jy", "wrong-password").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, body) = try_login("jy", PASSWORD).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body.contains("登录失败次数过多"), "{body}");
    // Another account from the same address is not locked out.
    let (s, body) = try_login("hn", PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    env.finish().await;
}

/// Townships on different budget years (a 2023 ledger and a 2024 one in
/// May 2024) have different 序时进度: the county headline says so instead of
/// one figure that contradicts some rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_county_schedule_is_the_townships_own() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    let ta = env.add_township("a", "甲镇").await;
    env.add_county("county").await;
    let dir = tempfile::tempdir().unwrap();
    let made = jixiao::synth::write_townships(
        dir.path(),
        &jixiao::synth::SynthOptions {
            townships: 1,
            projects: 10,
            payments: 30,
            messy_every: 0,
            seed: 7,
            year: 2024,
        },
    )
    .unwrap();
    // The synthetic ledger's township (its 说明 names it; the file is NN-镇名).
    let stem = made[0].file_stem().unwrap().to_string_lossy().to_string();
    let town = stem.split_once('-').map(|(_, t)| t.to_string()).unwrap();
    let tb = env.add_township("b", &town).await;
    let (s, v) = Api::new(&env, &ta)
        .submit("甲.xlsx", sample_of("甲镇"), Some("2024-05-31"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = Api::new(&env, &tb)
        .submit(
            "乙.xlsx",
            std::fs::read(&made[0]).unwrap(),
            Some("2024-05-31"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let b = Browser::new(&env);
    b.login("county").await;
    let (s, html) = b.get("/county?month=2024-05").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("各乡镇不同"), "{html}");
    // Each row keeps its own: 100.00 % for the 2023 ledger, 41.67 % for 2024.
    assert!(
        html.contains("100.00%") && html.contains("41.67%"),
        "{html}"
    );
    env.finish().await;
}

// ---- Issue 19: a county network (abuse limits, faults, submissions, roles) ----

/// One login form post from a browser-like client; (status, body).
async fn post_login(
    b: &Browser,
    name: &str,
    password: &str,
    xff: Option<&str>,
) -> (StatusCode, String) {
    let (_, html) = b.get("/login").await;
    let csrf = csrf_of(&html);
    let mut r = b.http.post(format!("{}/login", b.base)).form(&[
        ("name", name),
        ("password", password),
        ("csrf", &csrf),
    ]);
    if let Some(x) = xff {
        r = r.header("x-forwarded-for", x);
    }
    let r = r.send().await.unwrap();
    let s = r.status();
    (s, r.text().await.unwrap())
}

/// 100 password guesses at once with one login token: each is counted
/// before its password is checked, so only the allowed few are checked;
/// the rest are told to wait (429). Memory stays bounded by the argon2 pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_guesses_are_counted_before_checking() {
    let env = Env::start_with(Backend::Sqlite, |c| c.max_connections_per_address = 500)
        .await
        .unwrap();
    env.add_township("jy", "靖宇镇").await;
    let b = Browser::new(&env);
    let (_, html) = b.get("/login").await;
    let csrf = csrf_of(&html);
    let mut tasks = Vec::new();
    for i in 0..100 {
        let http = b.http.clone();
        let url = format!("{}/login", b.base);
        let csrf = csrf.clone();
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .form(&[
                    ("name", "jy"),
                    ("password", format!("guess-{i}").as_str()),
                    ("csrf", csrf.as_str()),
                ])
                .send()
                .await
                .unwrap();
            let s = r.status();
            (s, r.text().await.unwrap_or_default())
        }));
    }
    let mut checked = 0;
    let mut waited = 0;
    for t in tasks {
        match t.await.unwrap() {
            (StatusCode::UNAUTHORIZED, _) => checked += 1,
            (StatusCode::TOO_MANY_REQUESTS, _) => waited += 1,
            (s, body) => panic!("unexpected {s}: {body}"),
        }
    }
    assert!(
        checked <= jixiao::serve::LOGIN_TRIES as usize,
        "{checked} guesses checked"
    );
    assert_eq!(checked + waited, 100);
    let failed = env
        .server()
        .state
        .db
        .audit_count("login_failed")
        .await
        .unwrap();
    assert!(failed <= jixiao::serve::LOGIN_TRIES as i64, "{failed}");
    env.finish().await;
}

/// The wait after failures grows but never passes a minute.
#[test]
fn login_back_off_is_at_most_a_minute() {
    use jixiao::serve::{LOGIN_MAX_WAIT, LOGIN_TRIES, login_wait};
    assert_eq!(login_wait(0, LOGIN_TRIES), std::time::Duration::ZERO);
    assert_eq!(
        login_wait(LOGIN_TRIES - 1, LOGIN_TRIES),
        std::time::Duration::ZERO
    );
    assert!(login_wait(LOGIN_TRIES, LOGIN_TRIES) > std::time::Duration::ZERO);
    for n in 0..10_000 {
        assert!(login_wait(n, LOGIN_TRIES) <= LOGIN_MAX_WAIT, "{n}");
        assert!(login_wait(n, LOGIN_TRIES) <= login_wait(n + 1, LOGIN_TRIES));
    }
    assert_eq!(
        login_wait(1000, LOGIN_TRIES),
        std::time::Duration::from_secs(60)
    );
}

/// Behind the recommended proxy every client shares one address: the
/// client is the one `X-Forwarded-For` names, so a guesser at one address
/// does not lock the owner out at another — and the address is audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_trusted_proxy_names_the_client_and_the_owner_is_not_locked_out() {
    let env = Env::start_with(Backend::Sqlite, |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]
    })
    .await
    .unwrap();
    env.add_township("jy", "靖宇镇").await;
    let guesser = Browser::new(&env);
    for _ in 0..jixiao::serve::LOGIN_TRIES {
        let (s, _) = post_login(&guesser, "jy", "wrong-password", Some("10.9.9.9")).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, body) = post_login(&guesser, "jy", "wrong-password", Some("10.9.9.9")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // The owner, at the office's own address, logs in.
    let owner = Browser::new(&env);
    let (s, body) = post_login(&owner, "jy", PASSWORD, Some("10.1.1.7")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let log = env.server().state.db.audit_log(50).await.unwrap();
    assert!(
        log.iter().any(|a| a.ip.as_deref() == Some("10.9.9.9")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|a| a.ip.as_deref() == Some("10.1.1.7") && a.action == "login")
    );
    env.finish().await;
}

/// Without `--trusted-proxy`, a forged `X-Forwarded-For` is ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_forwarded_for_is_ignored_from_an_untrusted_peer() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    env.add_township("jy", "靖宇镇").await;
    let b = Browser::new(&env);
    for i in 0..jixiao::serve::LOGIN_TRIES {
        let (s, _) = post_login(&b, "jy", "wrong", Some(&format!("10.0.0.{i}"))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, _) = post_login(&b, "jy", "wrong", Some("10.0.0.99")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let log = env.server().state.db.audit_log(50).await.unwrap();
    assert!(log.iter().all(|a| a.ip.as_deref() != Some("10.0.0.99")));
    env.finish().await;
}

/// A 100,000-character login name is refused before anything is stored,
/// a 1 MB login body is refused, and refusals repeated by an outsider are
/// one audit row with a count, not one row each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_login_name_and_body_capped_and_repeated_refusals_aggregated() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    env.add_township("jy", "靖宇镇").await;
    let b = Browser::new(&env);
    let long = "名".repeat(1_000);
    for _ in 0..3 {
        let (s, body) = post_login(&b, &long, "whatever-1", None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(
            body.contains("不能超过"),
            "{}",
            &body[..body.len().min(300)]
        );
    }
    let (s, body) = post_login(&b, &"名".repeat(100_000), "whatever-1", None).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("内容过大"), "{body}");
    // A fresh client: the server closes a connection whose body it refused
    // unread, and a pooled client may try to reuse it.
    let b = Browser::new(&env);
    let (_, html) = b.get("/login").await;
    let csrf = csrf_of(&html);
    let r = b
        .http
        .post(format!("{}/login", b.base))
        .form(&[
            ("name", "jy"),
            ("password", "x".repeat(1 << 20).as_str()),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    // 50 API calls without a token from one address: one row, counted 50.
    for _ in 0..50 {
        let r = reqwest::get(env.url("/api/submissions")).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let db = &env.server().state.db;
    assert_eq!(db.audit_count("denied").await.unwrap(), 50);
    assert_eq!(db.audit_rows("denied").await.unwrap(), 1);
    let bytes = db.audit_detail_bytes().await.unwrap();
    assert!(bytes < 10_000, "audit holds {bytes} bytes");
    // The admin page says how many times.
    env.add_admin("admin").await;
    let a = Browser::new(&env);
    a.login("admin").await;
    let (_, html) = a.get("/admin").await;
    assert!(html.contains("共 50 次"), "{html}");
    env.finish().await;
}

async fn closed_within(mut stream: tokio::net::TcpStream, limit: std::time::Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 256];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

/// A client that trickles its header (slowloris) or sends nothing is
/// closed after the timeouts; a normal request on the same server works.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_slow_and_idle_connections_are_closed() {
    use tokio::io::AsyncWriteExt;
    let env = Env::start_with(Backend::Sqlite, |c| {
        c.header_timeout_secs = 1;
        c.idle_timeout_secs = 2;
    })
    .await
    .unwrap();
    let addr = env.server().addr;
    // Idle: nothing sent.
    let idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    let started = std::time::Instant::now();
    assert!(
        closed_within(idle, std::time::Duration::from_secs(6)).await,
        "idle kept open"
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(1500));
    // Slow: a header byte every 300 ms, never finished.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        for _ in 0..30 {
            if slow.write_all(b"X").await.is_err() {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        false
    });
    let cut = tokio::time::timeout(std::time::Duration::from_secs(8), trickle)
        .await
        .expect("bounded")
        .unwrap();
    assert!(cut, "a trickled header was never cut off");
    let r = reqwest::get(env.url("/login")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    env.finish().await;
}

/// At most N connections from one address: the next is closed at once,
/// and a place frees when one closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_connections_per_address_are_capped() {
    let env = Env::start_with(Backend::Sqlite, |c| {
        c.max_connections_per_address = 3;
        c.idle_timeout_secs = 30;
    })
    .await
    .unwrap();
    let addr = env.server().addr;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let extra = tokio::net::TcpStream::connect(addr).await.unwrap();
    assert!(
        closed_within(extra, std::time::Duration::from_secs(2)).await,
        "a fourth connection was kept"
    );
    drop(held.pop());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let r = reqwest::get(env.url("/login")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    env.finish().await;
}

/// Uploads, downloads and the county roll-up share one read pool: with one
/// slot, never two workbooks are read at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_one_read_pool_for_uploads_downloads_and_the_county() {
    let env = Env::start_with(Backend::Sqlite, |c| c.read_slots = 1)
        .await
        .unwrap();
    let units = ["甲镇", "乙镇", "丙镇"];
    let mut apis = Vec::new();
    for (i, u) in units.iter().enumerate() {
        let t = env.add_township(&format!("t{i}"), u).await;
        let api = Api::new(&env, &t);
        let (s, v) = api.submit("a.xlsx", sample_of(u), Some("2024-05-31")).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        apis.push((api, v["id"].as_i64().unwrap(), *u));
    }
    let tc = env.add_county("county").await;
    let county = Api::new(&env, &tc);
    let mut jobs = Vec::new();
    for (api, id, u) in &apis {
        let api = Api::new(&env, &api.token);
        let (id, u) = (*id, u.to_string());
        jobs.push(tokio::spawn(async move {
            let (s, _) = api
                .submit("b.xlsx", sample_of(&u), Some("2024-04-30"))
                .await;
            assert_eq!(s, StatusCode::CREATED);
            let r = api
                .http
                .get(format!("{}/submissions/{id}/report.xlsx", api.base))
                .bearer_auth(&api.token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
        }));
    }
    let (s, v) = county.get("/api/county?month=2024-04").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for j in jobs {
        j.await.unwrap();
    }
    assert_eq!(env.server().state.reads_peak(), 1);
    env.finish().await;
}

/// A ledger with many problems: the stored list keeps the first N and
/// counts the rest; the page shows them a page at a time. The JSON is
/// stored once, deflated (not as report_json + monthly_json text).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_problems_capped_paginated_and_json_stored_once() {
    let env = Env::start_with(Backend::Sqlite, |c| c.problems_kept = 250)
        .await
        .unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    let api = Api::new(&env, &token);
    // 400 projects whose budget is text: at least one problem each.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("项目").unwrap();
    for (c, h) in [
        "项目编号",
        "项目名称",
        "项目类别",
        "资金性质",
        "预算金额（万元）",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..400u32 {
        ws.write_string(i + 1, 0, format!("P{i:03}")).unwrap();
        ws.write_string(i + 1, 1, format!("项目{i}")).unwrap();
        ws.write_string(i + 1, 2, "产业项目").unwrap();
        ws.write_string(i + 1, 3, "衔接资金").unwrap();
        ws.write_string(i + 1, 4, "待定").unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let (s, v) = api.submit("多问题.xlsx", bytes, Some("2024-05-31")).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let total = v["problems_total"].as_i64().unwrap();
    assert!(total >= 400, "{total}");
    let list = v["report"]["problems"].as_array().unwrap();
    assert_eq!(list.len(), 251);
    let last = list[250]["message"].as_str().unwrap();
    assert!(last.contains(&format!("另有 {} 条", total - 250)), "{last}");
    let id = v["id"].as_i64().unwrap();
    let b = Browser::new(&env);
    b.login("jy").await;
    let (_, html) = b.get(&format!("/submissions/{id}")).await;
    assert!(html.contains(&format!("问题清单（{total} 条）")), "{html}");
    assert!(html.contains("第 1 / 2 页"), "{html}");
    let (_, page2) = b.get(&format!("/submissions/{id}?p=2")).await;
    assert!(page2.contains("第 2 / 2 页") && page2.contains("另有"));
    // Stored once, deflated.
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT report_json, monthly_json, LENGTH(data_z) AS z FROM submissions WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&env.server().state.db.pool)
    .await
    .unwrap();
    assert!(
        row.try_get::<Option<String>, _>("report_json")
            .unwrap()
            .is_none()
    );
    assert!(
        row.try_get::<Option<String>, _>("monthly_json")
            .unwrap()
            .is_none()
    );
    let z: i64 = row.try_get("z").unwrap();
    let plain = v["report"].to_string().len() as i64;
    assert!(
        z > 0 && z * 3 < plain,
        "{z} bytes stored for {plain} of JSON"
    );
    env.finish().await;
}

/// The county cache keeps within its byte budget however many months are
/// viewed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_county_cache_is_bounded_by_bytes() {
    let env = Env::start_with(Backend::Sqlite, |c| c.county_cache_mb = 1)
        .await
        .unwrap();
    for (i, u) in ["甲镇", "乙镇", "丙镇"].iter().enumerate() {
        let t = env.add_township(&format!("t{i}"), u).await;
        let (s, _) = Api::new(&env, &t)
            .submit("a.xlsx", sample_of(u), Some("2024-05-31"))
            .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let tc = env.add_county("county").await;
    let county = Api::new(&env, &tc);
    for m in 1..=12 {
        let month = if m <= 5 {
            format!("2024-{m:02}")
        } else {
            format!("2023-{m:02}")
        };
        let (s, _) = county.get(&format!("/api/county?month={month}")).await;
        assert_eq!(s, StatusCode::OK);
        let bytes = env.server().state.county_cache_bytes();
        assert!(bytes <= 1 << 20, "{bytes}");
    }
    assert!(env.server().state.county_cache_bytes() > 0);
    env.finish().await;
}

/// The audit row of an upload fails (as on a full disk): the submission is
/// not recorded either, the clerk is told so (503), no id is handed out;
/// once the fault is gone the same file goes in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_upload_and_its_audit_commit_together() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    let api = Api::new(&env, &token);
    let pool = &env.server().state.db.pool;
    sqlx::query(
        "CREATE TRIGGER audit_fails BEFORE INSERT ON audit WHEN NEW.action = 'upload' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    )
    .execute(pool)
    .await
    .unwrap();
    let (s, v) = api.submit("靖宇.xlsx", sample(), Some("2024-05-31")).await;
    assert!(s.is_server_error(), "{s} {v}");
    assert!(v.get("id").is_none(), "{v}");
    assert!(v["error"].as_str().unwrap().contains("数据库"), "{v}");
    let db = &env.server().state.db;
    assert_eq!(db.submission_count().await.unwrap(), 0);
    sqlx::query("DROP TRIGGER audit_fails")
        .execute(pool)
        .await
        .unwrap();
    let (s, v) = api.submit("靖宇.xlsx", sample(), Some("2024-05-31")).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(db.submission_count().await.unwrap(), 1);
    assert_eq!(db.audit_count("upload").await.unwrap(), 1);
    env.finish().await;
}

/// The database gone: pages and logins answer 503 in Chinese at once —
/// not "wrong password", not the login page — and the tries are not held
/// against the account.
async fn database_outage_is_503_not_a_failed_login(env: &Env) {
    env.add_township("jy", "靖宇镇").await;
    let clerk = Browser::new(env);
    clerk.login("jy").await;
    let b = Browser::new(env);
    env.server().state.db.pool.close().await;
    let started = std::time::Instant::now();
    for _ in 0..(jixiao::serve::LOGIN_TRIES + 3) {
        let (s, body) = post_login(&b, "jy", PASSWORD, None).await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(body.contains("数据库暂时无法访问"), "{body}");
    }
    let (s, body) = clerk.get("/township").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("数据库暂时无法访问"));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

/// One server per data folder; an account command beside a running server
/// leaves the server's temporary files alone; a killed run's temporaries
/// are cleaned at the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_one_server_per_data_folder_and_temporaries_are_per_process() {
    let mut env = Env::start(Backend::Sqlite).await.unwrap();
    let second = jixiao::serve::Server::start(env.cfg.clone()).await;
    let Err(m) = second else {
        panic!("a second server on one data folder started")
    };
    assert!(m.contains("已经有一个 jixiao serve 在运行"), "{m}");
    // The running server's own folder, with a file being read in it.
    let tmp = env.cfg.data.join("tmp");
    let mine: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(mine.len(), 1, "{mine:?}");
    let busy = mine[0].join("a-inflight");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("ledger.xlsx"), b"x").unwrap();
    // An account command (as `serve --add-user` while serving).
    let other = jixiao::serve::State::open(env.cfg.clone()).await.unwrap();
    other
        .add_user("jy", "township", "靖宇镇", PASSWORD)
        .await
        .unwrap();
    other.db.pool.close().await;
    drop(other);
    assert!(
        busy.join("ledger.xlsx").exists(),
        "an account command wiped the server's temporaries"
    );
    // A killed process's folder: its lock is free.
    let orphan = tmp.join("p-killed");
    std::fs::create_dir(&orphan).unwrap();
    std::fs::write(orphan.join(".lock"), b"").unwrap();
    std::fs::write(orphan.join("half.xlsx"), b"x").unwrap();
    env.restart().await;
    assert!(!orphan.exists(), "orphan left");
    let token = env.server().state.add_token("jy").await.unwrap();
    let (s, v) = Api::new(&env, &token)
        .submit("a.xlsx", sample(), Some("2024-05-31"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    env.finish().await;
}

/// 靖宇镇's account uploading 南永镇's ledger: refused with both names,
/// never current.
async fn a_ledger_of_another_unit_is_refused_with_both_names(env: &Env) {
    let token = env.add_township("jy", "靖宇镇").await;
    let api = Api::new(env, &token);
    let (s, v) = api
        .submit("南永.xlsx", sample_of("南永镇"), Some("2024-05-31"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let m = v["message"].as_str().unwrap();
    assert!(m.contains("南永镇人民政府") && m.contains("靖宇镇"), "{m}");
    assert_eq!(v["current"], false);
    // Its own ledger (靖宇镇人民政府 for the account 靖宇镇) goes in.
    let (s, v) = api.submit("靖宇.xlsx", sample(), Some("2024-05-31")).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["unit"], "靖宇镇人民政府");
    assert_eq!(v["year"], 2023);
    assert_eq!(v["as_of"], "2024-05-31");
}

/// A cut-off after today is refused (it would make every other township
/// 未报送).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_cut_off_after_today_is_refused() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    let (s, v) = Api::new(&env, &token)
        .submit("a.xlsx", sample(), Some("2099-12-31"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v.to_string().contains("晚于今天"), "{v}");
    assert_eq!(env.server().state.db.submission_count().await.unwrap(), 0);
    // A ledger whose own 截止日期 (its 说明) is 2028-09-04: kept, said, never current.
    let future = rewrite_sample(|name, bytes| {
        if name == "xl/worksheets/sheet4.xml" {
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.contains("<v>45443</v>"));
            text.replace("<v>45443</v>", "<v>47000</v>").into_bytes()
        } else {
            bytes
        }
    });
    let (s, v) = Api::new(&env, &token).submit("b.xlsx", future, None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("晚于今天"), "{v}");
    assert_eq!(v["current"], false);
    env.finish().await;
}

/// "Current" is per (township, 年度); the clerk marks which upload counts
/// or withdraws one; the county returns one with a reason the township
/// sees; the county roll-up follows.
async fn current_per_year_withdraw_mark_and_return(env: &Env) {
    let dir = tempfile::tempdir().unwrap();
    let made = jixiao::synth::write_townships(
        dir.path(),
        &jixiao::synth::SynthOptions {
            townships: 1,
            projects: 10,
            payments: 30,
            messy_every: 0,
            seed: 7,
            year: 2024,
        },
    )
    .unwrap();
    let stem = made[0].file_stem().unwrap().to_string_lossy().to_string();
    let town = stem.split_once('-').map(|(_, t)| t.to_string()).unwrap();
    let token = env.add_township("t", &town).await;
    let api = Api::new(env, &token);
    let tc = env.add_county("county").await;
    let county = Api::new(env, &tc);
    // 2023's ledger twice (A, then B), then 2024's.
    let (_, a) = api
        .submit("2023-A.xlsx", sample_of(&town), Some("2024-05-31"))
        .await;
    let (_, b) = api
        .submit("2023-B.xlsx", sample_of(&town), Some("2024-04-30"))
        .await;
    let (s, c) = api
        .submit(
            "2024.xlsx",
            std::fs::read(&made[0]).unwrap(),
            Some("2024-05-31"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let (a, b, c) = (
        a["id"].as_i64().unwrap(),
        b["id"].as_i64().unwrap(),
        c["id"].as_i64().unwrap(),
    );
    let (_, list) = api.get("/api/submissions").await;
    assert_eq!(list["current_by_year"]["2023"], b, "{list}");
    assert_eq!(list["current_by_year"]["2024"], c, "{list}");
    // The 2024 upload did not replace 2023 in 2023's roll-up.
    let (_, v) = county.get("/api/county?month=2024-04&year=2023").await;
    assert_eq!(v["townships"][0]["submission"], b, "{v}");
    let (_, v) = county.get("/api/county?month=2024-05&year=2024").await;
    assert_eq!(v["townships"][0]["submission"], c, "{v}");
    // The clerk marks A as the one that counts.
    let clerk = Browser::new(env);
    clerk.login("t").await;
    let post = |b: &Browser, id: i64, fields: Vec<(&'static str, String)>| {
        let http = b.http.clone();
        let url = format!("{}/submissions/{id}/state", b.base);
        async move {
            let r = http.post(url).form(&fields).send().await.unwrap();
            let s = r.status();
            (s, r.text().await.unwrap())
        }
    };
    let (_, html) = clerk.get(&format!("/submissions/{a}")).await;
    let csrf = csrf_of(&html);
    let (s, html) = post(
        &clerk,
        a,
        vec![("csrf", csrf.clone()), ("action", "choose".into())],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let (_, list) = api.get("/api/submissions").await;
    assert_eq!(list["current_by_year"]["2023"], a);
    // …then withdraws it: B counts again.
    let (s, _) = post(
        &clerk,
        a,
        vec![("csrf", csrf.clone()), ("action", "withdraw".into())],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = api.get("/api/submissions").await;
    assert_eq!(list["current_by_year"]["2023"], b);
    // A township cannot return; a county account cannot withdraw.
    let (s, _) = post(
        &clerk,
        b,
        vec![
            ("csrf", csrf.clone()),
            ("action", "return".into()),
            ("reason", "x".into()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let cb = Browser::new(env);
    cb.login("county").await;
    let (_, html) = cb.get(&format!("/submissions/{b}")).await;
    let ccsrf = csrf_of(&html);
    let (s, _) = post(
        &cb,
        b,
        vec![("csrf", ccsrf.clone()), ("action", "withdraw".into())],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The county returns B with a reason: it stops counting, the clerk sees why.
    let (s, _) = post(
        &cb,
        b,
        vec![
            ("csrf", ccsrf.clone()),
            ("action", "return".into()),
            ("reason", "".into()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "a reason is required");
    let (s, html) = post(
        &cb,
        b,
        vec![
            ("csrf", ccsrf),
            ("action", "return".into()),
            ("reason", "第3行预算与批复不符".into()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let (_, v) = county.get("/api/county?month=2024-04&year=2023").await;
    assert_eq!(v["townships"].as_array().unwrap().len(), 0, "{v}");
    let (_, page) = clerk.get("/township").await;
    assert!(
        page.contains("第3行预算与批复不符") && page.contains("退回"),
        "{page}"
    );
    let (_, list) = api.get("/api/submissions").await;
    assert!(list["current_by_year"].get("2023").is_none(), "{list}");
    let db = &env.server().state.db;
    assert_eq!(db.audit_count("returned").await.unwrap(), 1);
    assert_eq!(db.audit_count("chosen").await.unwrap(), 1);
    assert_eq!(db.audit_count("withdrawn").await.unwrap(), 1);
}

/// Originals are served as `报送-<id>.<ext>`; names shown have no control
/// or direction characters.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_originals_are_served_under_our_name() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    let api = Api::new(&env, &token);
    let (s, v) = api
        .submit(
            "报告\u{202E}xslx.exe\u{7}.xlsx",
            sample(),
            Some("2024-05-31"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["file_name"], "报告xslx.exe.xlsx");
    let id = v["id"].as_i64().unwrap();
    let b = Browser::new(&env);
    b.login("jy").await;
    let (s, bytes, cd) = b.get_bytes(&format!("/submissions/{id}/original")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(bytes, sample());
    assert!(
        cd.contains(&format!("报送-{id}.xlsx").replace("报送", "%E6%8A%A5%E9%80%81")),
        "{cd}"
    );
    assert!(!cd.contains("exe"), "{cd}");
    env.finish().await;
}

/// Only administrators manage accounts; a county viewer reads. In the web:
/// a second account for a township needs confirming; reset a password
/// (sessions end), disable an account (its login and token refused), list
/// and revoke tokens.
async fn roles_and_web_account_management(env: &Env) {
    let jy_token = env.add_township("jy", "靖宇镇").await;
    env.add_county("viewer").await;
    env.add_admin("admin").await;
    let viewer = Browser::new(env);
    viewer.login("viewer").await;
    let (s, _) = viewer.get("/county").await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = viewer.get("/admin").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(body.contains("只有县级管理员"), "{body}");
    let (_, html) = viewer.get("/county").await;
    let r = viewer
        .http
        .post(format!("{}/admin/users", viewer.base))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("name", "x"),
            ("township", "靖宇镇"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        env.server()
            .state
            .db
            .user_by_name("x")
            .await
            .unwrap()
            .is_none()
    );
    // The administrator.
    let admin = Browser::new(env);
    admin.login("admin").await;
    let (s, html) = admin.get("/admin").await;
    assert_eq!(s, StatusCode::OK);
    let csrf = csrf_of(&html);
    let post = |path: String, fields: Vec<(&'static str, String)>| {
        let http = admin.http.clone();
        let url = format!("{}{path}", admin.base);
        async move {
            let r = http.post(url).form(&fields).send().await.unwrap();
            let s = r.status();
            (s, r.text().await.unwrap())
        }
    };
    let add = |confirm: bool| {
        let mut f = vec![
            ("csrf", csrf.clone()),
            ("name", "jy2".to_string()),
            ("township", "靖宇镇".to_string()),
            ("role", "township".to_string()),
        ];
        if confirm {
            f.push(("confirm", "1".into()));
        }
        post("/admin/users".into(), f)
    };
    let (_, html) = add(false).await;
    assert!(
        html.contains("已有账号 jy") && html.contains("确认"),
        "{html}"
    );
    assert!(
        env.server()
            .state
            .db
            .user_by_name("jy2")
            .await
            .unwrap()
            .is_none()
    );
    let (_, html) = add(true).await;
    assert!(html.contains("初始密码"), "{html}");
    // Tokens listed; one revoked.
    let (_, html) = admin.get("/admin").await;
    let key = jixiao::serve::auth::sha256_hex(jy_token.as_bytes())[..12].to_string();
    assert!(html.contains(&key), "{html}");
    let jy = env
        .server()
        .state
        .db
        .user_by_name("jy")
        .await
        .unwrap()
        .unwrap()
        .0;
    // Reset the password: the clerk's session ends, the new one works.
    let clerk = Browser::new(env);
    clerk.login("jy").await;
    let (_, html) = post(
        format!("/admin/users/{}", jy.id),
        vec![("csrf", csrf.clone()), ("action", "password".into())],
    )
    .await;
    assert!(html.contains("新密码："), "{html}");
    let (_, page) = clerk.get("/township").await;
    assert!(
        page.contains("name=\"password\""),
        "session should have ended"
    );
    // Disable: the token stops working, logins are refused.
    let (s, _) = Api::new(env, &jy_token).get("/api/submissions").await;
    assert_eq!(s, StatusCode::OK);
    let (_, html) = post(
        format!("/admin/users/{}", jy.id),
        vec![("csrf", csrf.clone()), ("action", "disable".into())],
    )
    .await;
    assert!(html.contains("已停用 jy"), "{html}");
    let (s, _) = Api::new(env, &jy_token).get("/api/submissions").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, html) = post(
        format!("/admin/users/{}", jy.id),
        vec![("csrf", csrf.clone()), ("action", "enable".into())],
    )
    .await;
    assert!(html.contains("已启用 jy"), "{html}");
    let (s, _) = Api::new(env, &jy_token).get("/api/submissions").await;
    assert_eq!(s, StatusCode::OK);
    let (_, html) = post(
        "/admin/tokens".into(),
        vec![("csrf", csrf.clone()), ("key", key.clone())],
    )
    .await;
    assert!(html.contains("已作废这个 API 令牌"), "{html}");
    let (s, _) = Api::new(env, &jy_token).get("/api/submissions").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

/// The clerk's view: 监控表 download, the summary's placeholders beside its
/// download, the .docx signed with the unit's full name, no terminal
/// commands on any page.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_clerk_view_monitor_placeholders_and_signature() {
    use std::io::Read;
    let env = Env::start(Backend::Sqlite).await.unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    env.add_county("county").await;
    let (s, v) = Api::new(&env, &token)
        .submit("a.xlsx", sample(), Some("2024-05-31"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let b = Browser::new(&env);
    b.login("jy").await;
    let (_, html) = b.get(&format!("/submissions/{id}")).await;
    assert!(
        html.contains("id=\"placeholders\"") && html.contains("【待补充"),
        "{html}"
    );
    assert!(html.contains("dl-monitor"), "{html}");
    let (s, xlsx, cd) = b
        .get_bytes(&format!("/submissions/{id}/monitor.xlsx?month=2023-07"))
        .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&xlsx));
    assert!(cd.contains(".xlsx"));
    let wb = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).expect("monitor workbook");
    assert!(!wb.sheet_names().is_empty());
    let (s, docx, _) = b
        .get_bytes(&format!("/submissions/{id}/summary.docx"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    z.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let text: String = xml
        .split('<')
        .filter_map(|t| t.split_once('>').map(|(_, x)| x))
        .collect();
    assert!(text.contains("靖宇镇人民政府"), "{text}");
    let cb = Browser::new(&env);
    cb.login("county").await;
    for (who, path) in [
        (&b, "/township".to_string()),
        (&b, format!("/submissions/{id}")),
        (&cb, "/county?month=2024-05".to_string()),
    ] {
        let (_, html) = who.get(&path).await;
        assert!(
            !html.contains("jixiao consolidate") && !html.contains("--month"),
            "{path}"
        );
    }
    env.finish().await;
}

/// The sample with some of its package parts rewritten.
fn rewrite_sample(f: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(sample())).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zout = zip::ZipWriter::new(&mut out);
        for i in 0..zin.len() {
            let mut part = zin.by_index(i).unwrap();
            let name = part.name().unwrap().to_string();
            let mut bytes = Vec::new();
            part.read_to_end(&mut bytes).unwrap();
            let bytes = f(&name, bytes);
            zout.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zout.write_all(&bytes).unwrap();
        }
        zout.finish().unwrap();
    }
    out.into_inner()
}

fn run_cli(args: &[&str]) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.code().unwrap_or(9) <= 1, "{args:?}: {out:?}");
}

/// `serve --settings DIR`: the same schedule, mapping (per township) and
/// industry floor files as the CLI, and the page's figures are the CLI's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_settings_give_the_clis_figures() {
    let settings = tempfile::tempdir().unwrap();
    let sd = settings.path();
    std::fs::write(
        sd.join("schedule.toml"),
        "[schedule]\n3 = 20\n5 = 75\n12 = 100\n",
    )
    .unwrap();
    std::fs::create_dir(sd.join("mapping")).unwrap();
    let mapping = "[columns.项目]\n预算金额 = \"甲乙丙核定数（万元）\"\n";
    std::fs::write(sd.join("mapping").join("靖宇镇.toml"), mapping).unwrap();
    std::fs::write(sd.join("county.toml"), "industry_floor = 98\n").unwrap();
    let work = tempfile::tempdir().unwrap();
    let wb = work.path().join("odd.xlsx");
    std::fs::write(&wb, odd_header(sample())).unwrap();
    let map = sd.join("mapping").join("靖宇镇.toml");
    let p = |x: &std::path::Path| x.to_str().unwrap().to_string();
    let out = |n: &str| p(&work.path().join(n));
    run_cli(&[
        "report",
        &p(&wb),
        "--as-of",
        "2023-05-31",
        "--mapping",
        &p(&map),
        "-o",
        &out("r.xlsx"),
        "--json",
        &out("r.json"),
        "--no-forms",
    ]);
    run_cli(&[
        "monthly",
        &p(&wb),
        "--month",
        "2023-05",
        "--mapping",
        &p(&map),
        "--schedule",
        &p(&sd.join("schedule.toml")),
        "-o",
        &out("m.xlsx"),
        "--json",
        &out("m.json"),
    ]);
    run_cli(&[
        "consolidate",
        &p(&wb),
        "--month",
        "2023-05",
        "--mapping",
        &p(&map),
        "--industry-floor",
        "98",
        "-o",
        &out("c.xlsx"),
        "--json",
        &out("c.json"),
    ]);
    let read = |n: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(work.path().join(n)).unwrap()).unwrap()
    };
    let (cli_r, cli_m, cli_c) = (read("r.json"), read("m.json"), read("c.json"));
    let sd_path = sd.to_path_buf();
    let env = Env::start_with(Backend::Sqlite, move |c| c.settings = Some(sd_path))
        .await
        .unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    let tc = env.add_county("county").await;
    let (s, v) = Api::new(&env, &token)
        .submit("odd.xlsx", odd_header(sample()), Some("2023-05-31"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["report"]["totals"], cli_r["totals"], "{v}");
    assert_eq!(v["monthly"]["totals"], cli_m["totals"]);
    assert_eq!(v["monthly"]["totals"]["schedule"], "75.00");
    // The page shows the same 序时进度 and 执行率.
    let b = Browser::new(&env);
    b.login("jy").await;
    let (_, html) = b.get(&format!("/submissions/{}", v["id"])).await;
    let rate = cli_r["totals"]["execution_rate"].as_str().unwrap();
    assert!(
        html.contains(&format!("{rate}%")) && html.contains("75.00%"),
        "{html}"
    );
    // The county roll-up: the CLI's totals and industry-floor finding.
    let (s, c) = Api::new(&env, &tc).get("/api/county?month=2023-05").await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["totals"], cli_c["totals"], "{c}");
    assert_eq!(c["industry_share"], cli_c["industry_share"]);
    let floor_said = |j: &serde_json::Value| {
        j["problems"].as_array().unwrap().iter().any(|p| {
            let m = p["message"].as_str().unwrap_or("");
            m.contains("产业") && m.contains("98")
        })
    };
    assert_eq!(floor_said(&c), floor_said(&cli_c), "{c}\n{cli_c}");
    assert!(floor_said(&cli_c), "{cli_c}");
    // Without the settings the odd header cannot be read: the figures differ.
    env.finish().await;
    let plain = Env::start(Backend::Sqlite).await.unwrap();
    let token = plain.add_township("jy", "靖宇镇").await;
    let (_, v) = Api::new(&plain, &token)
        .submit("odd.xlsx", odd_header(sample()), Some("2023-05-31"))
        .await;
    assert_ne!(v["report"]["totals"], cli_r["totals"], "{v}");
    plain.finish().await;
}

/// The router in-process (tower `oneshot`, no socket): 403 for a township
/// at the county's and the administrator's paths, 403 for a form without
/// its CSRF token, 413 for an upload over the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn router_oneshot_403_csrf_413() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use tower::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = jixiao::serve::Config {
        data: dir.path().join("data"),
        max_upload_mb: 1,
        ..jixiao::serve::Config::default()
    };
    let state = jixiao::serve::State::open(cfg).await.unwrap();
    state
        .add_user("jy", "township", "靖宇镇", PASSWORD)
        .await
        .unwrap();
    let token = state.add_token("jy").await.unwrap();
    let app = jixiao::serve::router(state.clone());
    let call = |req: Request<Body>| {
        let app = app.clone();
        async move {
            let r = app.oneshot(req).await.unwrap();
            let status = r.status();
            let cookies: Vec<String> = r
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
                .collect();
            let body = axum::body::to_bytes(r.into_body(), 1 << 24).await.unwrap();
            (status, cookies, String::from_utf8_lossy(&body).to_string())
        }
    };
    let bearer = format!("Bearer {token}");
    // 403: a township token at the county's API.
    let (s, _, body) = call(
        Request::get("/api/county")
            .header(header::AUTHORIZATION, &bearer)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    // Log in like a browser: the login page's cookie and token.
    let (_, cookies, html) = call(Request::get("/login").body(Body::empty()).unwrap()).await;
    let login_cookie = cookies
        .iter()
        .find(|c| c.starts_with("jx_login="))
        .unwrap()
        .clone();
    let csrf = csrf_of(&html);
    let form = format!("name=jy&password={PASSWORD}&csrf={csrf}");
    let (s, cookies, _) = call(
        Request::post("/login")
            .header(header::COOKIE, &login_cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap(),
    )
    .await;
    assert!(s.is_redirection(), "{s}");
    let session = cookies
        .iter()
        .find(|c| c.starts_with("jx_session="))
        .unwrap()
        .clone();
    // 403: the administrator's page.
    let (s, _, body) = call(
        Request::get("/admin")
            .header(header::COOKIE, &session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(body.contains("只有县级管理员"), "{body}");
    // CSRF: a form posted without the session's token.
    let (s, _, body) = call(
        Request::post("/logout")
            .header(header::COOKIE, &session)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("csrf=forged"))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(body.contains("CSRF"), "{body}");
    // 413: 2 MB to a 1 MB limit.
    let (s, _, body) = call(
        Request::post("/api/submissions?filename=big.xlsx")
            .header(header::AUTHORIZATION, &bearer)
            .header(header::CONTENT_LENGTH, 2 << 20)
            .body(Body::from(vec![0u8; 2 << 20]))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("1 MB"), "{body}");
    assert_eq!(state.db.submission_count().await.unwrap(), 0);
    state.db.pool.close().await;
}

/// The open-files limit is raised to what the system allows.
#[cfg(unix)]
#[test]
fn open_files_limit_is_raised() {
    let hard = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(4).map(str::to_string))
        });
    let n = jixiao::serve::conn::raise_nofile().expect("limit read");
    if let Some(hard) = hard.and_then(|h| h.parse::<u64>().ok()) {
        assert_eq!(n, hard.min(1 << 20));
    }
    assert!(n >= 1024, "{n}");
}

/// Library messages name CLI flags (`--as-of`, `--unit`, `--mapping`); on
/// the pages they say what the clerk does instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_pages_show_no_command_line_flags() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    // No 说明 sheet, no cut-off: the reader's hints would name --as-of and --unit.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("项目").unwrap();
    for (c, h) in [
        "项目编号",
        "项目名称",
        "项目类别",
        "资金性质",
        "预算金额（万元）",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "P1").unwrap();
    ws.write_string(1, 1, "道路").unwrap();
    ws.write_string(1, 2, "产业项目").unwrap();
    ws.write_string(1, 3, "衔接资金").unwrap();
    ws.write_number(1, 4, 10.0).unwrap();
    let (s, v) = Api::new(&env, &token)
        .submit("无说明.xlsx", wb.save_to_buffer().unwrap(), None)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let text = v["report"]["problems"].to_string();
    assert!(text.contains("未指定截止日期"), "{text}");
    assert!(!text.contains("--"), "{text}");
    assert_eq!(
        jixiao::serve::engine::web_words("如要按其他日期计算请加 --as-of YYYY-MM-DD"),
        "如要按其他日期计算请在上传时把截止日期填为 YYYY-MM-DD"
    );
    assert!(!jixiao::serve::engine::web_words("用 --foo-bar 试试").contains("--"));
    env.finish().await;
}

/// A data folder of the previous version (schema 1: report_json text, every
/// county account an administrator) opens under this one: the county
/// account stays an administrator, the old submission's figures still show
/// and it is still current.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_an_old_data_folder_is_upgraded() {
    use sqlx::Connection;
    let old = tempfile::tempdir().unwrap();
    let data = old.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    {
        let url = format!("sqlite://{}?mode=rwc", data.join("jixiao.db").display());
        let mut c = sqlx::sqlite::SqliteConnection::connect(&url).await.unwrap();
        let init = include_str!("../migrations/sqlite/0001_init.sql");
        let text: String = init
            .lines()
            .map(|l| l.split("--").next().unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        for stmt in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            sqlx::query(stmt).execute(&mut c).await.unwrap();
        }
        sqlx::query("CREATE TABLE jixiao_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query("INSERT INTO jixiao_migrations VALUES (1, 0)")
            .execute(&mut c)
            .await
            .unwrap();
        let hash = jixiao::serve::auth::hash_password(PASSWORD).unwrap();
        for (name, role, unit) in [
            ("oldadmin", "county", "靖宇县"),
            ("jy", "township", "靖宇镇"),
        ] {
            sqlx::query("INSERT INTO users (name, role, unit, password_hash, created_at) VALUES (?, ?, ?, ?, 0)")
                .bind(name)
                .bind(role)
                .bind(unit)
                .bind(&hash)
                .execute(&mut c)
                .await
                .unwrap();
        }
        let report = serde_json::json!({"as_of": "2024-05-31", "totals": {"execution_rate": "12.34"}, "problems": []});
        sqlx::query("INSERT INTO submissions (township, user_id, user_name, uploaded_at, file_name, sha256, size, status, as_of, execution_rate, errors, warnings, report_json) VALUES ('靖宇镇', 2, 'jy', 0, '旧.xlsx', 'ab', 1, 'ok', '2024-05-31', '12.34', 0, 0, ?)")
            .bind(report.to_string())
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    let env = Env::start_with(Backend::Sqlite, |c| c.data = data.clone())
        .await
        .unwrap();
    let admin = Browser::new(&env);
    admin.login("oldadmin").await;
    let (s, _) = admin.get("/admin").await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the old county account stays an administrator"
    );
    let clerk = Browser::new(&env);
    clerk.login("jy").await;
    let (s, html) = clerk.get("/submissions/1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("12.34%") && html.contains("当前报送"),
        "{html}"
    );
    env.finish().await;
}

/// Password checks run in a bounded pool: with one slot, logins arriving
/// together (from many addresses, past any back-off) are told the server
/// is busy (429) instead of all hashing at once; unknown names are checked
/// against a dummy hash like known ones (401, not a quicker answer).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_password_checks_are_bounded() {
    let env = Env::start_with(Backend::Sqlite, |c| {
        c.login_slots = 1;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await
    .unwrap();
    env.add_township("jy", "靖宇镇").await;
    let b = Browser::new(&env);
    let (_, html) = b.get("/login").await;
    let csrf = csrf_of(&html);
    // Each attempt carries the page's token as its own cookie: a failed
    // login answers with a fresh login form (and token), which a shared
    // cookie jar would hand to the attempts still being sent (403).
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let http = http.clone();
        let url = format!("{}/login", b.base);
        let csrf = csrf.clone();
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .header("cookie", format!("jx_login={csrf}"))
                .header(
                    "x-forwarded-for",
                    format!("10.7.{}.{}", i / 200, i % 200 + 1),
                )
                .form(&[
                    ("name", format!("nobody{i}").as_str()),
                    ("password", "wrong-password"),
                    ("csrf", csrf.as_str()),
                ])
                .send()
                .await
                .unwrap();
            let s = r.status();
            (s, r.text().await.unwrap_or_default())
        }));
    }
    let (mut busy, mut wrong) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            (StatusCode::UNAUTHORIZED, _) => wrong += 1,
            (StatusCode::TOO_MANY_REQUESTS, body) => {
                assert!(body.contains("服务器正忙"), "{body}");
                busy += 1
            }
            (s, body) => panic!("unexpected {s}: {body}"),
        }
    }
    assert!(wrong >= 1 && busy >= 1, "{wrong} checked, {busy} busy");
    env.finish().await;
}

/// Every sheet of a workbook as text, cell by cell (figures compared as
/// calamine reads them back, not bytes).
fn cells_of(xlsx: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).expect("opens");
    let names = wb.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let r = wb.worksheet_range(&n).unwrap();
            let rows = r
                .rows()
                .map(|row| row.iter().map(|c| c.to_string()).collect())
                .collect();
            (n, rows)
        })
        .collect()
}

fn docx_text(docx: &[u8]) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx.to_vec())).unwrap();
    let mut xml = String::new();
    z.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml.split('<')
        .filter_map(|t| t.split_once('>').map(|(_, x)| x))
        .collect()
}

/// The county's policy profile (15 days, a phone, 产业 floor 97) and
/// asset rules (以奖代补 not an asset) in `--settings`.
fn settings_2026(sd: &std::path::Path) {
    let root = env!("CARGO_MANIFEST_DIR");
    let policy = std::fs::read_to_string(format!("{root}/templates/policy/2023.toml"))
        .unwrap()
        .replace("floor = 60", "floor = 97")
        .replace("days = 10", "days = 15")
        .replace("phone = \"\"", "phone = \"0439-7654321\"");
    assert!(policy.contains("floor = 97") && policy.contains("0439-7654321"));
    std::fs::write(sd.join("policy.toml"), policy).unwrap();
    let rules = std::fs::read_to_string(format!("{root}/templates/assets.toml"))
        .unwrap()
        .replacen(
            "class = \"到户类\"\nwords = [\"以奖代补\"",
            "class = \"不形成资产\"\nwords = [\"以奖代补\"",
            1,
        );
    assert!(rules.contains("class = \"不形成资产\"\nwords = [\"以奖代补\""));
    std::fs::write(sd.join("assets.toml"), rules).unwrap();
}

/// Issue 22 on the web: the 资产台账, the 计划公示 and the 结果公示 of a
/// submission are the CLI's (`assets`, `notice`) with the same policy and
/// asset-rule files; and the county roll-up takes the policy's 产业 floor.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_register_and_notices_are_the_clis_with_the_same_files() {
    let settings = tempfile::tempdir().unwrap();
    let sd = settings.path();
    settings_2026(sd);
    let work = tempfile::tempdir().unwrap();
    let p = |x: &std::path::Path| x.to_str().unwrap().to_string();
    let out = |n: &str| p(&work.path().join(n));
    let (policy, rules) = (p(&sd.join("policy.toml")), p(&sd.join("assets.toml")));
    let common = ["--as-of", "2023-12-31", "--unit", "靖宇镇"];
    let cli = |extra: &[&str]| {
        let mut a: Vec<&str> = extra.to_vec();
        a.extend(common);
        run_cli(&a);
    };
    cli(&[
        "assets",
        SAMPLE,
        "--rules",
        &rules,
        "--policy",
        &policy,
        "-o",
        &out("a.xlsx"),
    ]);
    cli(&["assets", SAMPLE, "-o", &out("a0.xlsx")]);
    cli(&[
        "notice",
        SAMPLE,
        "--stage",
        "plan",
        "--policy",
        &policy,
        "--county",
        "靖宇县",
        "-o",
        &out("p.xlsx"),
    ]);
    cli(&[
        "notice",
        SAMPLE,
        "--stage",
        "plan",
        "--county",
        "靖宇县",
        "-o",
        &out("p0.xlsx"),
    ]);
    cli(&[
        "notice",
        SAMPLE,
        "--stage",
        "result",
        "--policy",
        &policy,
        "--county",
        "靖宇县",
        "-o",
        &out("r.docx"),
    ]);
    run_cli(&[
        "consolidate",
        SAMPLE,
        "--month",
        "2023-12",
        "--policy",
        &policy,
        "-o",
        &out("c.xlsx"),
        "--json",
        &out("c.json"),
    ]);
    let file = |n: &str| std::fs::read(work.path().join(n)).unwrap();
    // The files matter: without them the CLI writes other registers and tables.
    assert_ne!(cells_of(&file("a.xlsx")), cells_of(&file("a0.xlsx")));
    assert_ne!(cells_of(&file("p.xlsx")), cells_of(&file("p0.xlsx")));
    let sd_path = sd.to_path_buf();
    let env = Env::start_with(Backend::Sqlite, move |c| {
        c.settings = Some(sd_path);
        c.title = "靖宇县".into();
    })
    .await
    .unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    let tc = env.add_county("county").await;
    let (s, v) = Api::new(&env, &token)
        .submit("a.xlsx", sample(), Some("2023-12-31"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let b = Browser::new(&env);
    b.login("jy").await;
    let (_, html) = b.get(&format!("/submissions/{id}")).await;
    for link in ["dl-assets", "dl-notice-plan", "dl-notice-result"] {
        assert!(html.contains(link), "{link}: {html}");
    }
    // The phone is in the policy profile: not among the places to fill in.
    assert!(!html.contains("监督举报电话（可请"), "{html}");
    let get = |name: &'static str| {
        let b = &b;
        async move {
            let (s, bytes, cd) = b.get_bytes(&format!("/submissions/{id}/{name}")).await;
            assert_eq!(
                s,
                StatusCode::OK,
                "{name}: {}",
                String::from_utf8_lossy(&bytes)
            );
            assert!(cd.contains("attachment"), "{cd}");
            bytes
        }
    };
    let web_assets = get("assets.xlsx").await;
    assert_eq!(cells_of(&web_assets), cells_of(&file("a.xlsx")));
    let web_plan = get("notice-plan.xlsx").await;
    let plan = cells_of(&web_plan);
    assert_eq!(plan, cells_of(&file("p.xlsx")));
    assert!(
        plan.iter()
            .flat_map(|(_, rows)| rows.iter().flatten())
            .any(|c| c.contains("0439-7654321")),
        "{plan:?}"
    );
    let web_result = get("notice-result.docx").await;
    let text = docx_text(&web_result);
    assert_eq!(text, docx_text(&file("r.docx")));
    assert!(text.contains("0439-7654321"), "{text}");
    // The county: the policy's 产业 floor (97) and the levels, as the CLI.
    let cli_c: serde_json::Value = serde_json::from_slice(&file("c.json")).unwrap();
    let (s, c) = Api::new(&env, &tc).get("/api/county?month=2023-12").await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["by_level"], cli_c["by_level"]);
    assert_eq!(c["industry_share"], cli_c["industry_share"]);
    let floor_said = |j: &serde_json::Value| {
        j["problems"].as_array().unwrap().iter().any(|p| {
            let m = p["message"].as_str().unwrap_or("");
            m.contains("产业") && m.contains("97")
        })
    };
    assert!(floor_said(&cli_c), "{cli_c}");
    assert!(floor_said(&c), "{c}");
    env.finish().await;
}

/// The mapping form's fields as the page fills them: hidden inputs and
/// each column's selected field.
fn mapping_form(html: &str) -> Vec<(String, String)> {
    let i = html.find("id=\"mapping-form\"").expect("mapping form");
    let form = &html[i..html[i..].find("</form>").unwrap() + i];
    let mut out = Vec::new();
    for hidden in form.split("type=\"hidden\" name=\"").skip(1) {
        let (name, rest) = hidden.split_once('"').unwrap();
        let v = rest
            .split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        out.push((name.to_string(), v.to_string()));
    }
    for sel in form.split("<select name=\"").skip(1) {
        let (name, rest) = sel.split_once('"').unwrap();
        let body = rest.split("</select>").next().unwrap();
        let chosen = body
            .split("<option value=\"")
            .skip(1)
            .find(|o| o.split('>').next().unwrap().contains("selected"))
            .map(|o| o.split('"').next().unwrap().to_string())
            .unwrap_or_default();
        out.push((name.to_string(), chosen));
    }
    out
}

/// Issue 19 point 6: a layout the reader refuses shows its header with a
/// dropdown per column; saving stores the township's mapping (the
/// `--mapping` format), reads the stored upload again and is used for the
/// township's later uploads — not another township's. CSRF, township
/// isolation and roles as the other forms.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_mapping_dropdowns_fix_a_layout_once() {
    mapping_dropdowns_fix_a_layout_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_mapping_dropdowns_fix_a_layout_once() {
    mapping_dropdowns_fix_a_layout_once(Backend::Postgres).await;
}

async fn mapping_dropdowns_fix_a_layout_once(backend: Backend) {
    let Some(mut env) = Env::start(backend).await else {
        return;
    };
    let token = env.add_township("jy", "靖宇镇").await;
    let other = env.add_township("yb", "乙镇").await;
    env.add_county("viewer").await;
    env.add_admin("boss").await;
    let (s, v) = Api::new(&env, &token)
        .submit("odd.xlsx", odd_header(sample()), Some("2023-05-31"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["status"], "error", "{v}");
    let b = Browser::new(&env);
    b.login("jy").await;
    let (_, html) = b.get(&format!("/submissions/{id}")).await;
    assert!(html.contains("id=\"mapping-form\""), "{html}");
    assert!(html.contains("甲乙丙核定数（万元）"), "{html}");
    let mut form = mapping_form(&html);
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("sheet").as_deref(), Some("项目"));
    assert_eq!(get("role").as_deref(), Some("项目"));
    assert_eq!(get("row").as_deref(), Some("1"));
    // Known headers come preselected; the odd one (column E) is blank.
    assert_eq!(get("c0").as_deref(), Some("项目编号"), "{form:?}");
    assert_eq!(get("c1").as_deref(), Some("项目名称"));
    assert_eq!(get("c4").as_deref(), Some(""));
    for f in form.iter_mut() {
        if f.0 == "c4" {
            f.1 = "预算金额".into();
        }
    }
    let post = |b: &Browser, form: Vec<(String, String)>| {
        let url = format!("{}/submissions/{id}/mapping", b.base);
        let http = b.http.clone();
        async move {
            let r = http.post(url).form(&form).send().await.unwrap();
            let s = r.status();
            let path = r.url().path().to_string();
            (s, r.text().await.unwrap(), path)
        }
    };
    // Without the CSRF token: refused, nothing saved.
    let no_csrf: Vec<_> = form.iter().filter(|(n, _)| n != "csrf").cloned().collect();
    let (s, _, _) = post(&b, no_csrf).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let stored = env.cfg.data.join("mapping").join("靖宇镇.toml");
    assert!(!stored.exists());
    // Another township and a county viewer: 403, and no form for them.
    let yb = Browser::new(&env);
    let yb_html = yb.login("yb").await;
    let mut theirs = form.clone();
    theirs.retain(|(n, _)| n != "csrf");
    theirs.push(("csrf".into(), csrf_of(&yb_html)));
    let (s, _, _) = post(&yb, theirs).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = yb.get(&format!("/submissions/{id}?map=1")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let viewer = Browser::new(&env);
    viewer.login("viewer").await;
    let (_, vh) = viewer.get(&format!("/submissions/{id}")).await;
    assert!(!vh.contains("mapping-form"), "{vh}");
    let mut theirs = form.clone();
    theirs.retain(|(n, _)| n != "csrf");
    theirs.push(("csrf".into(), csrf_of(&vh)));
    let (s, _, _) = post(&viewer, theirs).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(!stored.exists());
    // Two columns for one field: said, nothing saved.
    let mut twice = form.clone();
    for f in twice.iter_mut() {
        if f.0 == "c1" {
            f.1 = "预算金额".into();
        }
    }
    let (s, page, _) = post(&b, twice).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("两列"), "{page}");
    assert!(!stored.exists());
    // The clerk's own: saved, read again, the sample's figures.
    let (s, page, path) = post(&b, form.clone()).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let new_id: i64 = path.trim_start_matches("/submissions/").parse().unwrap();
    assert!(new_id > id, "{path}");
    let cli = cli_report_json(SAMPLE, "2023-05-31");
    let (s, again) = Api::new(&env, &token)
        .get(&format!("/api/submissions/{new_id}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["status"], "ok", "{again}");
    assert_eq!(again["report"]["totals"], cli["totals"], "{again}");
    // Stored in the mapping-file format: the CLI reads it and agrees.
    let text = std::fs::read_to_string(&stored).unwrap();
    assert!(text.contains("甲乙丙核定数"), "{text}");
    let work = tempfile::tempdir().unwrap();
    let odd = work.path().join("odd.xlsx");
    std::fs::write(&odd, odd_header(sample())).unwrap();
    let json = work.path().join("r.json");
    run_cli(&[
        "report",
        odd.to_str().unwrap(),
        "--as-of",
        "2023-05-31",
        "--mapping",
        stored.to_str().unwrap(),
        "-o",
        work.path().join("r.xlsx").to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--no-forms",
    ]);
    let cli_mapped: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(cli_mapped["totals"], cli["totals"]);
    // Later uploads of this township use it; another township's do not.
    let (_, later) = Api::new(&env, &token)
        .submit("odd-june.xlsx", odd_header(sample()), Some("2023-06-30"))
        .await;
    assert_eq!(later["status"], "ok", "{later}");
    let (_, theirs) = Api::new(&env, &other)
        .submit(
            "odd.xlsx",
            odd_header(sample_of("乙镇")),
            Some("2023-05-31"),
        )
        .await;
    assert_eq!(theirs["status"], "error", "{theirs}");
    let boss = Browser::new(&env);
    boss.login("boss").await;
    let (_, audit) = boss.get("/admin").await;
    assert!(audit.contains("列名映射"), "{audit}");
    // A county administrator may open the same form for a township's upload.
    let (s, bh) = boss.get(&format!("/submissions/{id}?map=1")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(bh.contains("id=\"mapping-form\""), "{bh}");
    // Kept across a restart (read from the data folder at start).
    env.restart().await;
    let (_, after) = Api::new(&env, &token)
        .submit("odd-july.xlsx", odd_header(sample()), Some("2023-07-31"))
        .await;
    assert_eq!(after["status"], "ok", "{after}");
    env.finish().await;
}

/// A small ledger whose 项目 sheet has a 合计 row that disagrees with its
/// rows (60 written, 20 + 30 = 50 read).
fn ledger_with_a_wrong_total() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("项目").unwrap();
    let rows: [[&str; 6]; 4] = [
        [
            "项目编号",
            "项目名称",
            "项目类别",
            "资金性质",
            "预算金额（万元）",
            "建设状态",
        ],
        [
            "P1",
            "村道硬化",
            "基础设施建设项目",
            "衔接资金",
            "20",
            "在建",
        ],
        ["P2", "肉牛养殖", "产业项目", "衔接资金", "30", "在建"],
        ["合计", "", "", "", "60", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v.parse::<f64>() {
                Ok(n) if r > 0 => ws.write_number(r as u32, c as u16, n).map(|_| ()),
                _ if v.is_empty() => Ok(()),
                _ => ws.write_string(r as u32, c as u16, *v).map(|_| ()),
            }
            .unwrap();
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("拨付").unwrap();
    for (c, v) in ["项目编号", "拨付日期", "拨付金额（万元）"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *v).unwrap();
    }
    ws.write_string(1, 0, "P1").unwrap();
    ws.write_string(1, 1, "2023-03-01").unwrap();
    ws.write_number(1, 2, 10.0).unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("说明").unwrap();
    for (r, (k, v)) in [
        ("单位名称", "靖宇镇"),
        ("年度", "2023"),
        ("截止日期", "2023-05-31"),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(r as u32, 0, *k).unwrap();
        ws.write_string(r as u32, 1, *v).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// The 读取说明 on the submission page: per sheet which column became
/// which field, and the checks against the ledger's own totals, agreeing
/// or not — the report JSON's `reading`, as the CLI writes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_reading_panel_shows_columns_and_checks() {
    let env = Env::start(Backend::Sqlite).await.unwrap();
    let token = env.add_township("jy", "靖宇镇").await;
    let (s, v) = Api::new(&env, &token)
        .submit("tot.xlsx", ledger_with_a_wrong_total(), Some("2023-05-31"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let checks = &v["report"]["reading"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sheet"] == "项目")
        .unwrap()["checks"];
    let wrong = checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cell"] == "项目!E4")
        .unwrap_or_else(|| panic!("{checks}"));
    assert_eq!(
        (&wrong["ledger"], &wrong["computed"], &wrong["agrees"]),
        (&"60".into(), &"50".into(), &false.into()),
        "{wrong}"
    );
    let b = Browser::new(&env);
    b.login("jy").await;
    let (_, html) = b.get(&format!("/submissions/{}", v["id"])).await;
    let i = html
        .find("id=\"reading\"")
        .unwrap_or_else(|| panic!("{html}"));
    let panel = &html[i..];
    assert!(panel.contains("工作表“项目”"), "{panel}");
    // Column E read as 预算金额, the 合计 check shown as disagreeing.
    assert!(
        panel.contains("<td>E</td><td>预算金额（万元）</td><td>预算金额</td>"),
        "{panel}"
    );
    assert!(
        panel.contains("<td>项目!E4</td><td class=\"n\">60</td><td class=\"n\">50</td><td><span class=\"tag err\">不一致</span>"),
        "{panel}"
    );
    // The sample: every column known, nothing disagreeing.
    let (_, v) = Api::new(&env, &token)
        .submit("a.xlsx", sample(), Some("2023-05-31"))
        .await;
    let (_, html) = b.get(&format!("/submissions/{}", v["id"])).await;
    assert!(html.contains("id=\"reading\""), "{html}");
    assert!(!html.contains("不一致"), "{html}");
    // No policy file: the 结果公示's phone is listed for the clerk to fill in.
    let i = html
        .find("id=\"notice-placeholders\"")
        .unwrap_or_else(|| panic!("{html}"));
    assert!(html[i..].contains("监督举报电话"), "{html}");
    env.finish().await;
}
