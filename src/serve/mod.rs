//! `jixiao serve`: the township page (upload a ledger, see its figures,
//! download the report, the forms, the summary and the 月报), the county
//! page (the roll-up of every township's current submission, 未报送) and a
//! JSON API beside them. Every figure comes from the library through
//! `engine`; this module stores, authorises and renders.

pub mod auth;
pub mod db;
pub mod engine;
mod pages;
pub mod svg;

use db::{Db, Submission, User};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Server settings (the CLI's flags).
#[derive(Clone, Debug)]
pub struct Config {
    pub bind: String,
    pub data: PathBuf,
    /// `postgres://…` or `sqlite://…`; default SQLite in `data/jixiao.db`.
    pub database: Option<String>,
    pub max_upload_mb: u64,
    /// Refuse a workbook package with more entries than this…
    pub max_zip_entries: usize,
    /// …or whose parts add up to more than this when unpacked.
    pub max_unpacked_mb: u64,
    /// Set the cookie's `Secure` flag (when served behind https).
    pub secure_cookies: bool,
    /// Title of the county workbook (e.g. “靖宇县”).
    pub title: String,
    /// On an empty database, create a county admin and print its password.
    pub initial_admin: bool,
    /// Session lifetime, hours.
    pub session_hours: i64,
    /// Give up on reading one workbook after this many seconds.
    pub analysis_timeout_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            data: PathBuf::from("jixiao-data"),
            database: None,
            max_upload_mb: 20,
            max_zip_entries: 10_000,
            max_unpacked_mb: 256,
            secure_cookies: false,
            title: String::new(),
            initial_admin: true,
            session_hours: 12,
            analysis_timeout_secs: 120,
        }
    }
}

type Prepared = Arc<Result<Arc<engine::Prepared>, String>>;

pub struct State {
    pub db: Db,
    pub cfg: Config,
    files: PathBuf,
    tmp: PathBuf,
    templates: minijinja::Environment<'static>,
    /// (submission, year, month) → the township read at that month's end.
    county_cache: Mutex<HashMap<(i64, i32, u32), Prepared>>,
    /// One county roll-up is read at a time: two people opening a new month
    /// together read each workbook once, and uploads keep their share.
    county_busy: tokio::sync::Mutex<()>,
    /// Recent failed logins by account name and by address.
    pub(crate) failed_logins: Mutex<HashMap<String, (u32, std::time::Instant)>>,
    /// At most one workbook per core is read at a time.
    slots: tokio::sync::Semaphore,
}

impl State {
    /// Open (and create) the data folder and the database.
    pub async fn open(cfg: Config) -> Result<Arc<State>, String> {
        let files = cfg.data.join("files");
        let tmp = cfg.data.join("tmp");
        for d in [&cfg.data, &files, &tmp] {
            std::fs::create_dir_all(d)
                .map_err(|e| format!("无法建立数据文件夹 {}：{e}", d.display()))?;
        }
        // Temporaries of an earlier run that was killed.
        if let Ok(entries) = std::fs::read_dir(&tmp) {
            for e in entries.flatten() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        let url = match &cfg.database {
            Some(u) => u.clone(),
            None => format!("sqlite://{}?mode=rwc", cfg.data.join("jixiao.db").display()),
        };
        let db = Db::connect(&url).await?;
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Ok(Arc::new(State {
            db,
            files,
            tmp,
            templates: pages::environment(),
            county_cache: Mutex::new(HashMap::new()),
            county_busy: tokio::sync::Mutex::new(()),
            failed_logins: Mutex::new(HashMap::new()),
            slots: tokio::sync::Semaphore::new(cores),
            cfg,
        }))
    }

    /// Add an account; `role` is "township" or "county".
    pub async fn add_user(
        &self,
        name: &str,
        role: &str,
        unit: &str,
        password: &str,
    ) -> Result<i64, String> {
        let name = name.trim();
        let unit = unit.trim();
        if name.is_empty() || unit.is_empty() {
            return Err("用户名和单位都不能为空".into());
        }
        if !matches!(role, "township" | "county") {
            return Err(format!("未知的账号类型 {role}"));
        }
        if password.chars().count() < 8 {
            return Err("密码至少 8 个字符".into());
        }
        let pw = password.to_string();
        let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
            .await
            .map_err(|e| e.to_string())??;
        let id = self.db.add_user(name, role, unit, &hash).await?;
        self.db
            .audit(
                None,
                "user_added",
                &format!(
                    "{name}（{}：{unit}）",
                    if role == "county" { "县级" } else { "乡镇" }
                ),
                None,
            )
            .await?;
        Ok(id)
    }

    /// A new API token for a user, printed once, stored hashed.
    pub async fn add_token(&self, name: &str) -> Result<String, String> {
        let (user, _) = self
            .db
            .user_by_name(name)
            .await?
            .ok_or_else(|| format!("没有用户“{name}”"))?;
        let token = format!("jx_{}", auth::random_hex(32));
        self.db
            .add_token(&auth::sha256_hex(token.as_bytes()), user.id)
            .await?;
        self.db
            .audit(Some(&user), "token_added", "API 令牌", None)
            .await?;
        Ok(token)
    }

    fn stored_path(&self, sha: &str) -> PathBuf {
        self.files.join(&sha[..2]).join(sha)
    }

    /// The first bytes of a stored file (to tell its format).
    fn head(&self, sha: &str) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let mut h = vec![0u8; 128];
        let n = std::fs::File::open(self.stored_path(sha))?.read(&mut h)?;
        h.truncate(n);
        Ok(h)
    }

    /// Keep the bytes under their hash: written to a temporary, then renamed.
    fn store(&self, sha: &str, bytes: &[u8]) -> Result<PathBuf, String> {
        use std::io::Write;
        let target = self.stored_path(sha);
        if target.exists() {
            return Ok(target);
        }
        let dir = target.parent().unwrap_or(&self.files);
        std::fs::create_dir_all(dir).map_err(|e| server_fault("保存上传的文件", &e))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".upload-")
            .tempfile_in(dir)
            .map_err(|e| server_fault("保存上传的文件", &e))?;
        tmp.write_all(bytes)
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| server_fault("保存上传的文件", &e))?;
        tmp.persist(&target)
            .map_err(|e| server_fault("保存上传的文件", &e.error))?;
        Ok(target)
    }

    /// Run `f` on a stored workbook, linked into a fresh private folder
    /// under a fixed name with the right extension (the clerk's file name
    /// never becomes a path).
    fn with_input<T>(
        &self,
        sub_sha: &str,
        ext: &str,
        name: &str,
        unit: &str,
        as_of: Option<chrono::NaiveDate>,
        f: impl FnOnce(&engine::Input) -> Result<T, String>,
    ) -> Result<T, Failure> {
        let dir = tempfile::Builder::new()
            .prefix("a-")
            .tempdir_in(&self.tmp)
            .map_err(|e| Failure::Server(server_fault("建立临时文件夹", &e)))?;
        let path = dir.path().join(format!("ledger.{ext}"));
        let stored = self.stored_path(sub_sha);
        if std::fs::hard_link(&stored, &path).is_err() {
            std::fs::copy(&stored, &path)
                .map_err(|e| Failure::Server(server_fault("读取已保存的文件", &e)))?;
        }
        f(&engine::Input {
            path: &path,
            name,
            unit,
            as_of,
        })
        .map_err(Failure::Workbook)
    }
}

/// Why a job on a stored workbook gave no result: the workbook (its message
/// is the clerk's, and is recorded with the submission), or the server
/// itself (disk, temporary folder, thread pool: said to the administrator,
/// never recorded as the clerk's file being unreadable).
#[derive(Debug, Clone)]
pub enum Failure {
    Workbook(String),
    Server(String),
}

impl Failure {
    pub fn message(self) -> String {
        match self {
            Failure::Workbook(m) | Failure::Server(m) => m,
        }
    }
}

/// A fault of the server's own storage, in words for the clerk (no paths);
/// the details go to the server's log for the administrator.
fn server_fault(doing: &str, e: &std::io::Error) -> String {
    eprintln!("jixiao serve：{doing}失败：{e}");
    let why = match e.kind() {
        std::io::ErrorKind::StorageFull => "服务器磁盘已满",
        std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
            "服务器的数据文件夹不可写"
        }
        _ => "服务器读写文件出错",
    };
    format!(
        "{why}，{doing}未能完成，这次上传没有记录；请联系县财政局的系统管理员（详情见服务器日志）后再试"
    )
}

/// Failed logins allowed per account before a pause; an address (perhaps a
/// whole office behind one router) is allowed more.
pub const LOGIN_TRIES: u32 = 5;
pub const LOGIN_TRIES_PER_ADDRESS: u32 = 20;
/// How long the pause lasts (and how long failures are remembered).
pub const LOGIN_PAUSE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

impl State {
    /// Whether logins for `keys` (account name, address) are paused.
    pub(crate) fn login_paused(&self, keys: &[String]) -> bool {
        let mut m = self.failed_logins.lock().unwrap_or_else(|e| e.into_inner());
        m.retain(|_, (_, at)| at.elapsed() < LOGIN_PAUSE);
        keys.iter().any(|k| {
            let limit = if k.starts_with("地址:") {
                LOGIN_TRIES_PER_ADDRESS
            } else {
                LOGIN_TRIES
            };
            m.get(k).is_some_and(|(n, _)| *n >= limit)
        })
    }
    pub(crate) fn login_failed(&self, keys: &[String]) {
        let mut m = self.failed_logins.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > 100_000 {
            m.clear();
        }
        for k in keys {
            let e = m.entry(k.clone()).or_insert((0, std::time::Instant::now()));
            e.0 += 1;
            e.1 = std::time::Instant::now();
        }
    }
    pub(crate) fn login_succeeded(&self, name: &str) {
        let mut m = self.failed_logins.lock().unwrap_or_else(|e| e.into_inner());
        m.remove(&format!("用户:{name}"));
    }
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Bind and serve in the background (port 0: any free port).
    pub async fn start(cfg: Config) -> Result<Server, String> {
        let bind = cfg.bind.clone();
        let state = State::open(cfg).await?;
        let listener = tokio::net::TcpListener::bind(&bind)
            .await
            .map_err(|e| format!("无法监听 {bind}：{e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let app = pages::router(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        });
        Ok(Server {
            addr,
            state,
            stop: Some(tx),
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting, finish the requests under way, close the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        self.state.db.pool.close().await;
    }

    /// Serve until the task ends (Ctrl-C stops the process).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// What an upload is, by its name and first bytes.
fn workbook_ext(name: &str, head: &[u8]) -> Option<&'static str> {
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    for known in ["xlsx", "xlsm", "xls", "ods"] {
        if ext == known {
            return Some(known);
        }
    }
    if head.starts_with(b"PK\x03\x04") {
        if head.len() > 80 && head[30..].starts_with(b"mimetypeapplication/vnd.oasis") {
            return Some("ods");
        }
        return Some("xlsx");
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Some("xls");
    }
    None
}

/// Before any parsing: the package's entry count and unpacked size, from
/// its central directory, against the limits (a zip bomb is refused).
fn zip_guard(bytes: &[u8], max_entries: usize, max_unpacked: u64) -> Result<(), String> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Ok(()); // damaged: the reader says so
    };
    if zip.len() > max_entries {
        return Err(format!(
            "工作簿压缩包内有 {} 个部件，超过上限 {} 个，疑似“压缩炸弹”，未读取",
            zip.len(),
            max_entries
        ));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        if let Ok(f) = zip.by_index_raw(i) {
            total = total.saturating_add(f.size());
        }
    }
    if total > max_unpacked {
        return Err(format!(
            "工作簿解压后达 {} MB，超过上限 {} MB，疑似“压缩炸弹”，未读取",
            total >> 20,
            max_unpacked >> 20
        ));
    }
    Ok(())
}

/// The name the clerk gave, for display only: its last path component,
/// control characters removed, at most 200 characters.
fn display_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        "未命名.xlsx".into()
    } else {
        clean
    }
}

pub fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

/// The outcome of one upload.
pub struct Submitted {
    pub id: i64,
    pub ok: bool,
    pub message: Option<String>,
}

/// Store, read and record one upload (pages and API alike). `Err` only for
/// a failure of the server itself; a bad workbook is a recorded submission.
pub async fn submit(
    state: &Arc<State>,
    user: &User,
    raw_name: &str,
    bytes: bytes_type::Bytes,
    as_of: Option<chrono::NaiveDate>,
    ip: Option<&str>,
) -> Result<Submitted, String> {
    let name = display_name(raw_name);
    let township = user.unit.clone();
    let sha = auth::sha256_hex(&bytes);
    let size = bytes.len() as i64;
    let head: Vec<u8> = bytes.iter().take(128).copied().collect();
    let ext = workbook_ext(&name, &head);
    // The file is kept whatever it is.
    {
        let st = state.clone();
        let (sha2, b) = (sha.clone(), bytes.clone());
        tokio::task::spawn_blocking(move || st.store(&sha2, &b))
            .await
            .map_err(|e| e.to_string())??;
    }
    let refused = if bytes.is_empty() {
        Some("文件是空的（0 字节），请重新选择台账工作簿".to_string())
    } else if ext.is_some() {
        zip_guard(
            &bytes,
            state.cfg.max_zip_entries,
            state.cfg.max_unpacked_mb << 20,
        )
        .err()
    } else {
        Some(format!(
            "“{name}”不是 Excel/WPS 工作簿（应为 .xlsx / .xlsm / .xls / .ods）"
        ))
    };
    drop(bytes);
    let result = match refused {
        Some(m) => Err(m),
        None => {
            let _permit = state.slots.acquire().await.map_err(|e| e.to_string())?;
            let st = state.clone();
            let (sha2, ext, name2, unit) = (
                sha.clone(),
                ext.unwrap_or("xlsx"),
                name.clone(),
                township.clone(),
            );
            match bounded(
                state,
                tokio::task::spawn_blocking(move || {
                    st.with_input(&sha2, ext, &name2, &unit, as_of, engine::analyse)
                }),
            )
            .await
            {
                Ok(a) => Ok(a),
                Err(Failure::Workbook(m)) => Err(m),
                Err(Failure::Server(m)) => {
                    let _ = state
                        .db
                        .audit(Some(user), "upload_failed", &format!("{name}：{m}"), ip)
                        .await;
                    return Err(m);
                }
            }
        }
    };
    let requested = as_of.map(|d| d.to_string());
    let new = match &result {
        Ok(a) => {
            let t = &a.report["totals"];
            let s = |v: &serde_json::Value| v.as_str().map(str::to_string);
            db::NewSubmission {
                township: &township,
                user,
                file_name: &name,
                sha256: &sha,
                size,
                requested_as_of: requested,
                status: "ok",
                message: None,
                as_of: Some(a.as_of.to_string()),
                project_count: t["project_count"].as_i64(),
                budget: s(&t["budget"]),
                paid: s(&t["paid"]),
                execution_rate: s(&t["execution_rate"]),
                errors: a.errors as i64,
                warnings: a.warnings as i64,
                report_json: Some(a.report.to_string()),
                monthly_json: a.monthly.as_ref().map(|m| m.to_string()),
            }
        }
        Err(m) => db::NewSubmission {
            township: &township,
            user,
            file_name: &name,
            sha256: &sha,
            size,
            requested_as_of: requested,
            status: "error",
            message: Some(m.clone()),
            as_of: None,
            project_count: None,
            budget: None,
            paid: None,
            execution_rate: None,
            errors: 1,
            warnings: 0,
            report_json: None,
            monthly_json: None,
        },
    };
    let id = state.db.add_submission(&new).await?;
    state
        .db
        .audit(
            Some(user),
            "upload",
            &format!(
                "#{id} {name}（{} 字节，sha256 {}）{}",
                size,
                &sha[..12],
                match &result {
                    Ok(a) => format!("执行率 {}", a.report["totals"]["execution_rate"]),
                    Err(m) => format!("未能读取：{m}"),
                }
            ),
            ip,
        )
        .await?;
    Ok(Submitted {
        id,
        ok: result.is_ok(),
        message: result.err(),
    })
}

/// A workbook's reading, with a time limit: a file that makes the reader
/// run on is answered with a message, and its slot is given back (the
/// thread itself cannot be stopped; it ends when the reader does).
async fn bounded<T>(
    state: &State,
    job: tokio::task::JoinHandle<Result<T, Failure>>,
) -> Result<T, Failure> {
    let limit = std::time::Duration::from_secs(state.cfg.analysis_timeout_secs);
    match tokio::time::timeout(limit, job).await {
        Ok(Ok(r)) => r,
        // A panic while reading this file: the file's (it is kept and sent on).
        Ok(Err(e)) => Err(Failure::Workbook(format!(
            "读取时程序内部出错（{e}），请把此文件发给维护人员"
        ))),
        Err(_) => Err(Failure::Workbook(format!(
            "读取超过 {} 秒仍未完成，已放弃；文件可能已损坏，请在 Excel/WPS 中打开后另存为 .xlsx 再试，或把此文件发给维护人员",
            limit.as_secs()
        ))),
    }
}

/// Which file a download is.
#[derive(Clone, Copy, Debug)]
pub enum Download {
    Report,
    Forms,
    Summary,
    Monthly(i32, u32),
}

/// Render one of the outputs of a stored submission.
pub async fn render(
    state: &Arc<State>,
    sub: &Submission,
    what: Download,
) -> Result<(Vec<u8>, String), String> {
    if sub.status != "ok" {
        return Err(format!(
            "这个文件未能读取，没有报告可下载：{}",
            sub.message.clone().unwrap_or_default()
        ));
    }
    let head = state
        .head(&sub.sha256)
        .map_err(|e| server_fault("读取已保存的文件", &e))?;
    let ext = workbook_ext(&sub.file_name, &head).unwrap_or("xlsx");
    let as_of = sub
        .requested_as_of
        .as_deref()
        .and_then(|d| engine::parse_date(d).ok());
    let stem = Path::new(&sub.file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| sub.township.clone());
    let file_name = match what {
        Download::Report => format!("{stem}-报告.xlsx"),
        Download::Forms => format!("{stem}-绩效表.xlsx"),
        Download::Summary => format!("{stem}-绩效自评总结.docx"),
        Download::Monthly(y, m) => format!("{stem}-月报-{y:04}-{m:02}.xlsx"),
    };
    let _permit = state.slots.acquire().await.map_err(|e| e.to_string())?;
    let st = state.clone();
    let (sha, name, unit) = (
        sub.sha256.clone(),
        sub.file_name.clone(),
        sub.township.clone(),
    );
    let bytes = bounded(
        state,
        tokio::task::spawn_blocking(move || {
            st.with_input(&sha, ext, &name, &unit, as_of, |input| match what {
                Download::Report => engine::report_xlsx(input),
                Download::Forms => engine::forms_xlsx(input),
                Download::Summary => engine::summary_docx(input, chrono::Local::now().date_naive()),
                Download::Monthly(y, m) => engine::monthly_xlsx(input, y, m),
            })
        }),
    )
    .await
    .map_err(Failure::message)?;
    Ok((bytes, file_name))
}

/// The county roll-up of a month, and what the pages show beside it.
pub struct CountyView {
    pub out: engine::CountyOut,
    pub by_unit: HashMap<String, (Submission, Option<Arc<engine::Prepared>>)>,
    pub expected: Vec<String>,
    pub schedule: Option<String>,
}

/// The default month: the latest month that the current submissions cover
/// to its end, and never one that has not ended yet.
pub async fn default_month(state: &Arc<State>) -> Result<(i32, u32), String> {
    use chrono::Datelike;
    let today = chrono::Local::now().date_naive();
    let covered = |d: chrono::NaiveDate| {
        let (y, m) = (d.year(), d.month());
        if engine::month_last_day(y, m) == Some(d) {
            (y, m)
        } else if m == 1 {
            (y - 1, 12)
        } else {
            (y, m - 1)
        }
    };
    let ended = covered(today);
    Ok(
        match state
            .db
            .latest_as_of()
            .await?
            .and_then(|d| engine::parse_date(&d).ok())
        {
            Some(latest) => covered(latest).min(ended),
            None => ended,
        },
    )
}

pub async fn county_view(state: &Arc<State>, year: i32, month: u32) -> Result<CountyView, String> {
    let end = engine::month_last_day(year, month).ok_or("月份无效")?;
    let _busy = state.county_busy.lock().await;
    let subs = state.db.current_covering(&end.to_string()).await?;
    let mut todo = Vec::new();
    let mut have: HashMap<i64, Prepared> = HashMap::new();
    {
        let cache = state.county_cache.lock().unwrap_or_else(|e| e.into_inner());
        for s in &subs {
            match cache.get(&(s.id, year, month)) {
                Some(p) => {
                    have.insert(s.id, p.clone());
                }
                None => todo.push(s.clone()),
            }
        }
    }
    if !todo.is_empty() {
        let st = state.clone();
        let done: Vec<(i64, Result<engine::Prepared, Failure>)> =
            tokio::task::spawn_blocking(move || {
                use rayon::prelude::*;
                todo.par_iter()
                    .map(|s| {
                        let label = format!("#{} {}", s.id, s.file_name);
                        let head = st.head(&s.sha256).unwrap_or_default();
                        let ext = workbook_ext(&s.file_name, &head).unwrap_or("xlsx");
                        let r =
                            st.with_input(&s.sha256, ext, &s.file_name, &s.township, None, |i| {
                                engine::prepare(i, year, month, &label)
                            });
                        (s.id, r)
                    })
                    .collect()
            })
            .await
            .map_err(|e| e.to_string())?;
        let mut cache = state.county_cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 50_000 {
            cache.clear();
        }
        for (id, r) in done {
            let p: Prepared = Arc::new(match r {
                Ok(p) => Ok(Arc::new(p)),
                Err(Failure::Workbook(m)) => Err(m),
                // The server's own fault: shown now, tried again next time.
                Err(Failure::Server(m)) => {
                    have.insert(id, Arc::new(Err(m)));
                    continue;
                }
            });
            cache.insert((id, year, month), p.clone());
            have.insert(id, p);
        }
    }
    let mut prepared = Vec::new();
    let mut failed = Vec::new();
    let mut by_unit = HashMap::new();
    for s in subs {
        let p = have.get(&s.id).cloned();
        let ok = match p.as_deref() {
            Some(Ok(p)) => {
                prepared.push(p.clone());
                Some(p.clone())
            }
            Some(Err(m)) => {
                failed.push((format!("#{} {}", s.id, s.file_name), m.clone()));
                None
            }
            None => None,
        };
        by_unit.insert(s.township.clone(), (s, ok));
    }
    // 序时进度 of the county: the townships' own (each by its budget year and
    // the schedule), shown once only when they agree — never a calendar
    // figure that contradicts the rows below it.
    let schedules: std::collections::BTreeSet<String> = prepared
        .iter()
        .filter_map(|p| p.pace["schedule"].as_str().map(str::to_string))
        .collect();
    let schedule = match schedules.len() {
        0 => engine::schedule(year, month),
        1 => schedules.into_iter().next(),
        _ => None,
    };
    let expected = state.db.townships().await?;
    let exp = expected.clone();
    let out =
        tokio::task::spawn_blocking(move || engine::county(&prepared, failed, &exp, year, month))
            .await
            .map_err(|e| e.to_string())??;
    Ok(CountyView {
        out,
        by_unit,
        expected,
        schedule,
    })
}

/// `bytes::Bytes`, as axum re-exports it.
pub mod bytes_type {
    pub use axum::body::Bytes;
}
