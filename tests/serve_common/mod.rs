//! A `jixiao serve` started in-process on a loopback port, on SQLite (a
//! fresh data folder) or PostgreSQL (a fresh database, dropped afterwards),
//! and an HTTP client that logs in like a browser.
#![allow(dead_code)]

#[path = "../common/skip.rs"]
pub mod skip;

use jixiao::serve::{Config, Server};
use reqwest::StatusCode;
use std::path::PathBuf;

pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");
pub const PASSWORD: &str = "correct-horse-1";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn pg_admin_url() -> String {
    std::env::var("JIXIAO_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `postgres://…/<db>` with another database name.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{db}?{q}"),
        None => format!("{root}/{db}"),
    }
}

pub struct Env {
    pub server: Option<Server>,
    pub cfg: Config,
    pub dir: tempfile::TempDir,
    pub backend: Backend,
    pg_db: Option<String>,
}

impl Env {
    /// `None` when the backend is not available (see `skip::missing`: under
    /// CI it fails instead).
    pub async fn start(backend: Backend) -> Option<Env> {
        Env::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<Env> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cfg = Config {
            bind: "127.0.0.1:0".into(),
            data: dir.path().join("data"),
            initial_admin: false,
            ..Config::default()
        };
        let mut pg_db = None;
        if backend == Backend::Postgres {
            let admin = pg_admin_url();
            let name = format!(
                "jixiao_test_{}_{}",
                std::process::id(),
                jixiao::serve::auth::random_hex(6)
            );
            match create_database(&admin, &name).await {
                Ok(()) => {}
                Err(e) => {
                    skip::missing(
                        "PostgreSQL",
                        &format!(
                            "PostgreSQL 连不上：{}（{e}）",
                            jixiao::serve::db::redact(&admin)
                        ),
                        skip::POSTGRES_INSTALL,
                    );
                    return None;
                }
            }
            cfg.database = Some(with_database(&admin, &name));
            pg_db = Some(name);
        }
        tweak(&mut cfg);
        let server = Server::start(cfg.clone()).await.expect("server starts");
        Some(Env {
            server: Some(server),
            cfg,
            dir,
            backend,
            pg_db,
        })
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("running")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server().url())
    }

    /// Stop and start again on the same data folder and database.
    pub async fn restart(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await;
        }
        self.server = Some(Server::start(self.cfg.clone()).await.expect("restarts"));
    }

    pub async fn add_township(&self, name: &str, township: &str) -> String {
        let st = &self.server().state;
        st.add_user(name, "township", township, PASSWORD)
            .await
            .expect("user added");
        st.add_token(name).await.expect("token")
    }

    /// A county account that reads everything and manages nothing.
    pub async fn add_county(&self, name: &str) -> String {
        let st = &self.server().state;
        st.add_user(name, "county", "测试县", PASSWORD)
            .await
            .expect("user added");
        st.add_token(name).await.expect("token")
    }

    /// A county administrator (manages accounts).
    pub async fn add_admin(&self, name: &str) -> String {
        let st = &self.server().state;
        st.add_admin(name, "测试县", PASSWORD)
            .await
            .expect("admin added");
        st.add_token(name).await.expect("token")
    }

    /// Stop the server and drop the test database.
    pub async fn finish(mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await;
        }
        if let Some(db) = self.pg_db.take() {
            let _ = drop_database(&pg_admin_url(), &db).await;
        }
    }
}

impl Drop for Env {
    /// A test that failed still drops its database (WITH (FORCE) ends the
    /// server's connections).
    fn drop(&mut self) {
        if let Some(db) = self.pg_db.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let _ = rt.block_on(drop_database(&pg_admin_url(), &db));
            })
            .join();
        }
    }
}

async fn create_database(admin: &str, name: &str) -> Result<(), String> {
    use sqlx::Connection;
    let connect = sqlx::postgres::PgConnection::connect(admin);
    let mut c = tokio::time::timeout(std::time::Duration::from_secs(5), connect)
        .await
        .map_err(|_| "timed out".to_string())?
        .map_err(|e| e.to_string())?;
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut c)
        .await
        .map_err(|e| e.to_string())?;
    let _ = c.close().await;
    Ok(())
}

async fn drop_database(admin: &str, name: &str) -> Result<(), String> {
    use sqlx::Connection;
    let mut c = sqlx::postgres::PgConnection::connect(admin)
        .await
        .map_err(|e| e.to_string())?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut c)
        .await
        .map_err(|e| e.to_string())?;
    let _ = c.close().await;
    Ok(())
}

/// A browser-like client: cookies kept, redirects followed.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
}

pub fn csrf_of(html: &str) -> String {
    let key = "name=\"csrf\" value=\"";
    let i = html.find(key).expect("page has a csrf field") + key.len();
    html[i..].split('"').next().unwrap().to_string()
}

impl Browser {
    pub fn new(env: &Env) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            base: env.server().url(),
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    pub async fn get_bytes(&self, path: &str) -> (StatusCode, Vec<u8>, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let s = r.status();
        let cd = r
            .headers()
            .get("content-disposition")
            .map(|v| v.to_str().unwrap_or("").to_string())
            .unwrap_or_default();
        (s, r.bytes().await.unwrap().to_vec(), cd)
    }

    pub async fn login(&self, name: &str) -> String {
        let (_, html) = self.get("/login").await;
        let csrf = csrf_of(&html);
        let r = self
            .http
            .post(format!("{}/login", self.base))
            .form(&[("name", name), ("password", PASSWORD), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "login of {name}: {body}");
        body
    }

    /// Upload through the page's form; the page it lands on.
    pub async fn upload(
        &self,
        name: &str,
        bytes: Vec<u8>,
        as_of: Option<&str>,
        csrf: Option<&str>,
    ) -> (StatusCode, String, String) {
        let mut form = reqwest::multipart::Form::new();
        if let Some(c) = csrf {
            form = form.text("csrf", c.to_string());
        }
        if let Some(d) = as_of {
            form = form.text("as_of", d.to_string());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
        let r = self
            .http
            .post(format!("{}/upload", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let s = r.status();
        let url = r.url().path().to_string();
        (s, r.text().await.unwrap(), url)
    }
}

/// The API with a bearer token.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn new(env: &Env, token: &str) -> Api {
        Api {
            http: reqwest::Client::new(),
            base: env.server().url(),
            token: token.to_string(),
        }
    }

    pub async fn submit(
        &self,
        name: &str,
        bytes: Vec<u8>,
        as_of: Option<&str>,
    ) -> (StatusCode, serde_json::Value) {
        let mut url = reqwest::Url::parse(&format!("{}/api/submissions", self.base)).unwrap();
        url.query_pairs_mut().append_pair("filename", name);
        if let Some(d) = as_of {
            url.query_pairs_mut().append_pair("as_of", d);
        }
        let r = self
            .http
            .post(url)
            .bearer_auth(&self.token)
            .body(bytes)
            .send()
            .await
            .unwrap();
        let s = r.status();
        let text = r.text().await.unwrap();
        (
            s,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> (StatusCode, serde_json::Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let s = r.status();
        let text = r.text().await.unwrap();
        (
            s,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }
}

pub fn sample() -> Vec<u8> {
    std::fs::read(SAMPLE).expect("sample workbook")
}

/// The sample ledger as another township's: its 说明 (and 实施单位) name
/// `<unit>人民政府` instead of 靖宇镇人民政府; every figure is the sample's.
pub fn sample_of(unit: &str) -> Vec<u8> {
    with_shared_strings(sample(), "靖宇镇人民政府", &format!("{unit}人民政府"))
}

/// `book` (an .xlsx) with `from` replaced by `to` in its shared strings
/// (`from` must be there).
pub fn with_shared_strings(book: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zout = zip::ZipWriter::new(&mut out);
        for i in 0..zin.len() {
            let mut f = zin.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            if name == "xl/sharedStrings.xml" {
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.contains(from), "{from} in the shared strings");
                bytes = text.replace(from, to).into_bytes();
            }
            zout.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zout.write_all(&bytes).unwrap();
        }
        zout.finish().unwrap();
    }
    out.into_inner()
}

/// `book` with its 预算金额 header renamed to one only a mapping knows.
pub fn odd_header(book: Vec<u8>) -> Vec<u8> {
    with_shared_strings(book, "预算金额（万元）", "甲乙丙核定数（万元）")
}

/// Files left in the server's temporary folders (each process's own
/// `tmp/p-…` holds only its lock file while idle).
pub fn temporaries(env: &Env) -> Vec<PathBuf> {
    let mut left = Vec::new();
    for e in std::fs::read_dir(env.cfg.data.join("tmp"))
        .unwrap()
        .flatten()
    {
        let p = e.path();
        if p.is_dir() && e.file_name().to_string_lossy().starts_with("p-") {
            for f in std::fs::read_dir(&p).unwrap().flatten() {
                if f.file_name() != ".lock" {
                    left.push(f.path());
                }
            }
        } else {
            left.push(p);
        }
    }
    left
}

pub fn data_files(env: &Env) -> Vec<PathBuf> {
    fn walk(d: &std::path::Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut v = Vec::new();
    walk(&env.cfg.data.join("files"), &mut v);
    v
}

/// `jixiao report SAMPLE --as-of … --json`: the CLI's own figures.
pub fn cli_report_json(workbook: &str, as_of: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args([
            "report",
            workbook,
            "--as-of",
            as_of,
            "-o",
            dir.path().join("r.xlsx").to_str().unwrap(),
            "--json",
            dir.path().join("r.json").to_str().unwrap(),
            "--no-forms",
        ])
        .output()
        .expect("runs jixiao");
    assert!(out.status.code().unwrap_or(9) <= 1, "{:?}", out);
    serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap()
}
