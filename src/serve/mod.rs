//! `jixiao serve`: the township page (upload a ledger, see its figures,
//! download the report, the forms, the summary and the 月报), the county
//! page (the roll-up of every township's current submission, 未报送) and a
//! JSON API beside them. Every figure comes from the library through
//! `engine`; this module stores, authorises and renders.

pub mod auth;
pub mod conn;
pub mod db;
pub mod engine;
mod pages;
pub mod svg;

pub use pages::router;

use db::{Db, Submission, User};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// Proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<IpAddr>,
    /// Open connections allowed from one address (a trusted proxy: no cap).
    pub max_connections_per_address: usize,
    /// A request's header must arrive within this many seconds.
    pub header_timeout_secs: u64,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout_secs: u64,
    /// Workbooks read at once (uploads, downloads, county roll-up); 0: cores.
    pub read_slots: usize,
    /// Memory the workbooks being read may take together, MB (estimated).
    pub read_memory_mb: u64,
    /// The county roll-up's cache of read townships, MB.
    pub county_cache_mb: u64,
    /// Problems kept with a submission (the rest are counted, "另有 N 条").
    pub problems_kept: usize,
    /// Password checks at once; 0: cores. More are answered 429.
    pub login_slots: usize,
    /// The county's own settings folder (`--settings`), as the CLI's files.
    pub settings: Option<PathBuf>,
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
            trusted_proxies: Vec::new(),
            max_connections_per_address: 256,
            header_timeout_secs: 20,
            idle_timeout_secs: 60,
            read_slots: 0,
            read_memory_mb: 2048,
            county_cache_mb: 64,
            problems_kept: 1000,
            login_slots: 0,
            settings: None,
        }
    }
}

type Prepared = Arc<Result<Arc<engine::Prepared>, String>>;

/// Townships read for the county, by (submission, year, month), bounded
/// by their estimated size; the oldest entries go first.
#[derive(Default)]
struct CountyCache {
    map: HashMap<(i64, i32, u32), (Prepared, usize, u64)>,
    bytes: usize,
    seq: u64,
}

impl CountyCache {
    fn get(&self, k: &(i64, i32, u32)) -> Option<Prepared> {
        self.map.get(k).map(|(p, _, _)| p.clone())
    }
    fn insert(&mut self, k: (i64, i32, u32), p: Prepared, cap: usize) {
        let size = match p.as_ref() {
            Ok(p) => p.approx_bytes(),
            Err(m) => m.len() + 64,
        };
        if size > cap {
            return;
        }
        while self.bytes + size > cap {
            let Some((&oldest, _)) = self.map.iter().min_by_key(|(_, (_, _, seq))| *seq) else {
                break;
            };
            if let Some((_, b, _)) = self.map.remove(&oldest) {
                self.bytes -= b;
            }
        }
        self.seq += 1;
        if let Some((_, b, _)) = self.map.insert(k, (p, size, self.seq)) {
            self.bytes -= b;
        }
        self.bytes += size;
    }
}

/// One bounded pool for every workbook read (uploads, downloads, the
/// county roll-up): at most `slots` at once, and their estimated memory
/// within the budget.
struct Reads {
    slots: Arc<tokio::sync::Semaphore>,
    budget: Arc<tokio::sync::Semaphore>,
    budget_mb: u32,
    now: AtomicUsize,
    peak: AtomicUsize,
}

/// A place in the pool; given back when the read ends (not when its
/// answer times out: the thread still holds the memory).
pub struct ReadPermit {
    _slot: tokio::sync::OwnedSemaphorePermit,
    _mem: tokio::sync::OwnedSemaphorePermit,
    reads: Arc<Reads>,
}

impl Drop for ReadPermit {
    fn drop(&mut self) {
        self.reads.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Failed logins remembered per key (an account at an address; an address).
struct Tries {
    n: u32,
    last: Instant,
}

pub struct State {
    pub db: Db,
    pub cfg: Config,
    files: PathBuf,
    /// This process's own temporary folder, `DATA/tmp/p-…`, locked.
    tmp: PathBuf,
    tmp_lock: Mutex<std::fs::File>,
    /// Held while serving: one server per data folder.
    server_lock: Mutex<Option<std::fs::File>>,
    county_cache: Mutex<CountyCache>,
    /// One county roll-up is read at a time: two people opening a new month
    /// together read each workbook once.
    county_busy: tokio::sync::Mutex<()>,
    login_tries: Mutex<HashMap<String, Tries>>,
    /// Password hashes computed at once (argon2 takes ~20 MB and a core).
    hashing: Arc<tokio::sync::Semaphore>,
    /// Verified for unknown names, so that they take as long as known ones.
    dummy_hash: String,
    reads: Arc<Reads>,
    pub settings: engine::ServeSettings,
}

impl Drop for State {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

/// An OS error in words (the OS's own text after).
fn os_words(e: &std::io::Error) -> String {
    let why = match e.kind() {
        std::io::ErrorKind::PermissionDenied => "没有写入权限",
        std::io::ErrorKind::ReadOnlyFilesystem => "所在磁盘是只读的",
        std::io::ErrorKind::StorageFull => "磁盘已满",
        std::io::ErrorKind::NotFound => "路径不存在",
        std::io::ErrorKind::NotADirectory | std::io::ErrorKind::AlreadyExists => {
            "路径中有同名的文件而不是文件夹"
        }
        _ => "无法写入",
    };
    format!("{why}（{e}）")
}

/// The data folder (and the folders in it) can be written: checked with a
/// probe file before the database is opened, so that a read-only folder is
/// refused at once, in words, instead of a pool timing out a minute later.
fn check_writable(dir: &Path) -> Result<(), String> {
    let refuse = |e: &std::io::Error| {
        format!(
            "数据文件夹 {} 不能写入：{}。jixiao serve 要在其中保存数据库和上传的文件；请换一个可写的文件夹（--data 文件夹），或改正它的权限后再启动",
            dir.display(),
            os_words(e)
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| refuse(&e))?;
    let probe = dir.join(format!(".jixiao-probe-{}", std::process::id()));
    std::fs::write(&probe, b"jixiao").map_err(|e| refuse(&e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Temporaries of processes that are gone (killed): their folder's lock is
/// free. A folder of a live process is left alone, whoever it is.
fn clean_orphans(tmp_root: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp_root) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|d| d > Duration::from_secs(3600));
        if name.starts_with("p-") {
            match std::fs::File::open(p.join(".lock")) {
                Ok(f) => {
                    if f.try_lock().is_ok() {
                        let _ = std::fs::remove_dir_all(&p);
                    }
                }
                // Being set up by another process, or left half-made long ago.
                Err(_) if old => {
                    let _ = std::fs::remove_dir_all(&p);
                }
                Err(_) => {}
            }
        } else if old {
            // An earlier version's layout.
            let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
        }
    }
}

impl State {
    /// Open (and create) the data folder and the database, for an account
    /// command: the server's lock is not taken.
    pub async fn open(cfg: Config) -> Result<Arc<State>, String> {
        State::open_as(cfg, false).await
    }

    /// `serving`: take the data folder's server lock (a second server on
    /// the same folder is refused).
    pub async fn open_as(cfg: Config, serving: bool) -> Result<Arc<State>, String> {
        let settings = engine::ServeSettings::load_with(cfg.settings.as_deref(), Some(&cfg.data))?;
        let files = cfg.data.join("files");
        let tmp_root = cfg.data.join("tmp");
        for d in [&cfg.data, &files, &tmp_root] {
            check_writable(d)?;
        }
        let server_lock = if serving {
            let path = cfg.data.join("server.lock");
            let f = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| format!("无法建立 {}：{}", path.display(), os_words(&e)))?;
            if f.try_lock().is_err() {
                return Err(format!(
                    "数据文件夹 {} 已经有一个 jixiao serve 在运行；同一个数据文件夹只能运行一个服务。请先停止那个服务，或换一个 --data 文件夹",
                    cfg.data.display()
                ));
            }
            Some(f)
        } else {
            None
        };
        clean_orphans(&tmp_root);
        let tmp = tempfile::Builder::new()
            .prefix("p-")
            .tempdir_in(&tmp_root)
            .map_err(|e| {
                format!(
                    "无法在 {} 中建立临时文件夹：{}",
                    tmp_root.display(),
                    os_words(&e)
                )
            })?
            .keep();
        let tmp_lock = std::fs::File::create(tmp.join(".lock"))
            .and_then(|f| f.try_lock().map(|_| f).map_err(std::io::Error::other))
            .map_err(|e| {
                format!(
                    "无法在 {} 中建立临时文件夹：{}",
                    tmp.display(),
                    os_words(&e)
                )
            })?;
        let url = match &cfg.database {
            Some(u) => u.clone(),
            None => format!("sqlite://{}?mode=rwc", cfg.data.join("jixiao.db").display()),
        };
        let db = match Db::connect(&url).await {
            Ok(db) => db,
            Err(m) => {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(m);
            }
        };
        let cores = cores();
        let slots = if cfg.read_slots == 0 {
            cores
        } else {
            cfg.read_slots
        };
        let budget_mb = cfg.read_memory_mb.clamp(64, u32::MAX as u64 / 2) as u32;
        let login_slots = if cfg.login_slots == 0 {
            cores
        } else {
            cfg.login_slots
        };
        let dummy_hash =
            tokio::task::spawn_blocking(|| auth::hash_password("jixiao-dummy-password"))
                .await
                .map_err(|e| e.to_string())??;
        Ok(Arc::new(State {
            db,
            files,
            tmp,
            tmp_lock: Mutex::new(tmp_lock),
            server_lock: Mutex::new(server_lock),
            county_cache: Mutex::new(CountyCache::default()),
            county_busy: tokio::sync::Mutex::new(()),
            login_tries: Mutex::new(HashMap::new()),
            hashing: Arc::new(tokio::sync::Semaphore::new(login_slots)),
            dummy_hash,
            reads: Arc::new(Reads {
                slots: Arc::new(tokio::sync::Semaphore::new(slots)),
                budget: Arc::new(tokio::sync::Semaphore::new(budget_mb as usize)),
                budget_mb,
                now: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
            }),
            settings,
            cfg,
        }))
    }

    /// The most workbooks read at once so far (tests).
    pub fn reads_peak(&self) -> usize {
        self.reads.peak.load(Ordering::SeqCst)
    }

    /// The county cache's estimated size, bytes (tests).
    pub fn county_cache_bytes(&self) -> usize {
        self.county_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .bytes
    }

    /// A place in the read pool for a job of about `mb` MB.
    async fn read_permit(&self, mb: u32) -> Result<ReadPermit, String> {
        let mb = mb.clamp(1, self.reads.budget_mb);
        let slot = self
            .reads
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        let mem = self
            .reads
            .budget
            .clone()
            .acquire_many_owned(mb)
            .await
            .map_err(|e| e.to_string())?;
        let now = self.reads.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.reads.peak.fetch_max(now, Ordering::SeqCst);
        Ok(ReadPermit {
            _slot: slot,
            _mem: mem,
            reads: self.reads.clone(),
        })
    }

    /// The memory a stored workbook's reading is expected to take, MB: its
    /// unpacked size for a package, its size for an .xls, times the
    /// reader's overhead.
    fn read_cost_mb(&self, sha: &str) -> u32 {
        let path = self.stored_path(sha);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let unpacked = std::fs::File::open(&path)
            .ok()
            .and_then(|f| zip::ZipArchive::new(std::io::BufReader::new(f)).ok())
            .map(|mut z| {
                (0..z.len())
                    .filter_map(|i| z.by_index_raw(i).ok().map(|f| f.size()))
                    .sum::<u64>()
            });
        let bytes = match unpacked {
            Some(u) => u.saturating_mul(4),
            None => size.saturating_mul(40),
        };
        ((bytes >> 20) + 16).min(u32::MAX as u64) as u32
    }

    /// Add an account; `role` is "township" or "county" (a county viewer;
    /// `add_admin` for one who manages accounts).
    pub async fn add_user(
        &self,
        name: &str,
        role: &str,
        unit: &str,
        password: &str,
    ) -> Result<i64, String> {
        self.add_user_as(name, role, unit, password, false).await
    }

    pub async fn add_admin(&self, name: &str, unit: &str, password: &str) -> Result<i64, String> {
        self.add_user_as(name, "county", unit, password, true).await
    }

    pub async fn add_user_as(
        &self,
        name: &str,
        role: &str,
        unit: &str,
        password: &str,
        admin: bool,
    ) -> Result<i64, String> {
        let name = name.trim();
        let unit = unit.trim();
        if name.is_empty() || unit.is_empty() {
            return Err("用户名和单位都不能为空".into());
        }
        if name.chars().count() > MAX_NAME_CHARS || unit.chars().count() > MAX_NAME_CHARS {
            return Err(format!("用户名和单位都不能超过 {MAX_NAME_CHARS} 个字符"));
        }
        if name.chars().chain(unit.chars()).any(hidden_char) {
            return Err("用户名和单位中不能有控制字符或改变文字方向的字符".into());
        }
        if !matches!(role, "township" | "county") {
            return Err(format!("未知的账号类型 {role}"));
        }
        if password.chars().count() < 8 {
            return Err("密码至少 8 个字符".into());
        }
        let hash = self.hash(password).await?;
        let id = self.db.add_user(name, role, unit, &hash, admin).await?;
        self.db
            .audit(
                None,
                "user_added",
                &format!(
                    "{name}（{}：{unit}）",
                    match (role, admin) {
                        ("county", true) => "县级管理员",
                        ("county", false) => "县级查看",
                        _ => "乡镇",
                    }
                ),
                None,
            )
            .await?;
        Ok(id)
    }

    /// A password's hash, computed in the hashing pool (waits its turn).
    pub async fn hash(&self, password: &str) -> Result<String, String> {
        let _slot = self
            .hashing
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        let pw = password.to_string();
        tokio::task::spawn_blocking(move || auth::hash_password(&pw))
            .await
            .map_err(|e| e.to_string())?
    }

    /// Check a password against a hash (the dummy one for an unknown name).
    /// `None` when every hashing slot is busy: the caller answers 429.
    pub(crate) async fn verify(&self, password: &str, hash: Option<&str>) -> Option<bool> {
        let slot = self.hashing.clone().try_acquire_owned().ok()?;
        let pw = password.to_string();
        let known = hash.is_some();
        let hash = hash.unwrap_or(&self.dummy_hash).to_string();
        let ok = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            auth::verify_password(&pw, &hash)
        })
        .await
        .unwrap_or(false);
        Some(ok && known)
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

    pub(crate) fn stored_path(&self, sha: &str) -> PathBuf {
        self.files.join(&sha[..2]).join(sha)
    }

    /// The first bytes of a stored file (to tell its format).
    pub(crate) fn head(&self, sha: &str) -> std::io::Result<Vec<u8>> {
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
        let dir = match tempfile::Builder::new().prefix("a-").tempdir_in(&self.tmp) {
            Ok(d) => d,
            // Our folder removed under us (a cleaner, an administrator):
            // made again, with its lock.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.tmp)
                    .and_then(|_| std::fs::File::create(self.tmp.join(".lock")))
                    .and_then(|f| f.try_lock().map(|_| f).map_err(std::io::Error::other))
                    .map(|f| *self.tmp_lock.lock().unwrap_or_else(|e| e.into_inner()) = f)
                    .and_then(|_| tempfile::Builder::new().prefix("a-").tempdir_in(&self.tmp))
                    .map_err(|e| Failure::Server(server_fault("建立临时文件夹", &e)))?
            }
            Err(e) => return Err(Failure::Server(server_fault("建立临时文件夹", &e))),
        };
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
            settings: &self.settings,
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

/// Login names (and units) longer than this are refused before anything
/// is stored.
pub const MAX_NAME_CHARS: usize = 64;

/// Control characters and those that turn text direction (a name with
/// U+202E shows `exe.xlsx` for `xlsx.exe`).
pub fn hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
}

/// Password checks allowed per account at one address without waiting;
/// after that each further try waits twice as long as the one before, at
/// most `LOGIN_MAX_WAIT` — the owner is never locked out for long, and a
/// guesser gets a few tries a minute. An address (an office behind one
/// router) is allowed more.
pub const LOGIN_TRIES: u32 = 5;
pub const LOGIN_TRIES_PER_ADDRESS: u32 = 30;
pub const LOGIN_MAX_WAIT: Duration = Duration::from_secs(60);
/// Failures older than this are forgotten.
const LOGIN_MEMORY: Duration = Duration::from_secs(15 * 60);

/// How long to wait after `n` counted tries, `free` of which need no wait.
pub fn login_wait(n: u32, free: u32) -> Duration {
    if n < free {
        return Duration::ZERO;
    }
    let doubling = (n - free + 1).min(10);
    Duration::from_secs(1u64 << doubling).min(LOGIN_MAX_WAIT)
}

impl State {
    /// Count a login attempt before its password is checked (so that many
    /// at once cannot all be checked). `Err(wait)` when the keys must wait.
    pub(crate) fn login_begin(&self, keys: &[(String, u32)]) -> Result<(), Duration> {
        let mut m = self.login_tries.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > 100_000 {
            m.retain(|_, t| t.last.elapsed() < LOGIN_MEMORY);
            // Still full (names sprayed from many addresses): keep only the
            // keys that are being made to wait, so memory stays bounded.
            if m.len() > 100_000 {
                m.retain(|k, t| t.n >= LOGIN_TRIES && !k.is_empty());
            }
            if m.len() > 200_000 {
                m.clear();
            }
        }
        let now = Instant::now();
        let mut wait = Duration::ZERO;
        for (k, free) in keys {
            if let Some(t) = m.get(k) {
                if t.last.elapsed() >= LOGIN_MEMORY {
                    continue;
                }
                let need = login_wait(t.n, *free);
                let since = now.duration_since(t.last);
                if since < need {
                    wait = wait.max(need - since);
                }
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for (k, _) in keys {
            let t = m.entry(k.clone()).or_insert(Tries { n: 0, last: now });
            if t.last.elapsed() >= LOGIN_MEMORY {
                t.n = 0;
            }
            t.n += 1;
            t.last = now;
        }
        Ok(())
    }

    /// An attempt that was not a password check after all (server busy,
    /// database down): not held against the account.
    pub(crate) fn login_refund(&self, keys: &[(String, u32)]) {
        let mut m = self.login_tries.lock().unwrap_or_else(|e| e.into_inner());
        for (k, _) in keys {
            if let Some(t) = m.get_mut(k) {
                t.n = t.n.saturating_sub(1);
            }
        }
    }

    pub(crate) fn login_succeeded(&self, keys: &[(String, u32)]) {
        let mut m = self.login_tries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((k, _)) = keys.first() {
            m.remove(k);
        }
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
        let state = State::open_as(cfg, true).await?;
        let listener = tokio::net::TcpListener::bind(&bind)
            .await
            .map_err(|e| format!("无法监听 {bind}：{e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let limits = conn::Limits {
            per_address: state.cfg.max_connections_per_address.max(1),
            header: Duration::from_secs(state.cfg.header_timeout_secs.max(1)),
            idle: Duration::from_secs(state.cfg.idle_timeout_secs.max(1)),
            exempt: state.cfg.trusted_proxies.clone(),
        };
        let app = pages::router(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            use axum::serve::ListenerExt;
            let _ = axum::serve(
                conn::Guarded::new(listener, limits).tap_io(|_| {}),
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

    /// Stop accepting, finish the requests under way, close the database,
    /// give the data folder back.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        self.state.db.pool.close().await;
        self.state
            .server_lock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }

    /// Serve until the task ends (Ctrl-C stops the process).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// What an upload is, by its name and first bytes.
pub(crate) fn workbook_ext(name: &str, head: &[u8]) -> Option<&'static str> {
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
/// control and direction-changing characters removed, at most 200 characters.
fn display_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let clean: String = base
        .chars()
        .filter(|c| !hidden_char(*c))
        .take(200)
        .collect();
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

/// Whether a ledger's 单位 and an account's township are one unit:
/// equal, or one is the other plus a suffix (靖宇镇 / 靖宇镇人民政府).
pub fn same_unit(a: &str, b: &str) -> bool {
    let n = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let (a, b) = (n(a), n(b));
    !a.is_empty() && !b.is_empty() && (a == b || a.starts_with(&b) || b.starts_with(&a))
}

/// The outcome of one upload.
pub struct Submitted {
    pub id: i64,
    pub ok: bool,
    pub message: Option<String>,
}

/// The report JSON with its problem list capped at `keep`; the rest are
/// counted in a last line. The number of problems in all.
fn cap_problems(report: &mut serde_json::Value, keep: usize) -> i64 {
    let Some(list) = report["problems"].as_array_mut() else {
        return 0;
    };
    let total = list.len();
    if total > keep {
        list.truncate(keep);
        list.push(serde_json::json!({
            "severity": "提示",
            "sheet": "",
            "cell": null,
            "message": format!(
                "… 另有 {} 条问题未列出（共 {total} 条；完整清单见“报告工作簿”的批注）",
                total - keep
            ),
        }));
    }
    total as i64
}

/// Store, read and record one upload (pages and API alike). `Err` only for
/// a failure of the server itself; a bad workbook is a recorded submission.
/// Nothing is said to be recorded unless its row and audit row committed.
pub async fn submit(
    state: &Arc<State>,
    user: &User,
    raw_name: &str,
    bytes: bytes_type::Bytes,
    as_of: Option<chrono::NaiveDate>,
    ip: Option<&str>,
) -> Result<Submitted, String> {
    submit_as(state, user, &user.unit, raw_name, bytes, as_of, ip).await
}

/// `submit` for `township` (a county administrator re-reading a township's
/// upload after fixing its mapping).
pub async fn submit_as(
    state: &Arc<State>,
    user: &User,
    township: &str,
    raw_name: &str,
    bytes: bytes_type::Bytes,
    as_of: Option<chrono::NaiveDate>,
    ip: Option<&str>,
) -> Result<Submitted, String> {
    let name = display_name(raw_name);
    let township = township.to_string();
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
            let permit = state.read_permit(state.read_cost_mb(&sha)).await?;
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
                    let _permit = permit;
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
    // What the county would misread: another unit's ledger, a cut-off
    // after today. Kept and shown to the clerk, never current.
    let today = chrono::Local::now().date_naive();
    let result = result.and_then(|a| match &a.ledger_unit {
        Some(u) if !same_unit(u, &township) => Err(format!(
            "台账“说明”表的单位名称是“{u}”，而本账号属于“{township}”：这不是本镇的台账，未作为本镇报送。请上传{township}自己的台账；如果单位名称写错了，请改正“说明”表后重新上传"
        )),
        _ if a.as_of > today => Err(format!(
            "截止日期 {} 晚于今天（{today}），未接收：截止日期只能是已经过去的日子，请改正“说明”表的截止日期或上传时填写的日期",
            a.as_of
        )),
        _ => Ok(a),
    });
    let requested = as_of.map(|d| d.to_string());
    let new = match &result {
        Ok(a) => {
            let t = &a.report["totals"];
            let s = |v: &serde_json::Value| v.as_str().map(str::to_string);
            let mut report = a.report.clone();
            let total = cap_problems(&mut report, state.cfg.problems_kept);
            use chrono::Datelike;
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
                unit: a.ledger_unit.clone(),
                year: Some(a.year.unwrap_or(a.as_of.year()) as i64),
                problems_total: Some(total),
                data_z: Some(db::pack(&serde_json::json!({
                    "report": report,
                    "monthly": a.monthly,
                    "placeholders": a.placeholders,
                    "notice_placeholders": a.notice_placeholders,
                }))),
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
            unit: None,
            year: None,
            problems_total: None,
            data_z: None,
        },
    };
    let outcome = match &result {
        Ok(a) => format!("执行率 {}", a.report["totals"]["execution_rate"]),
        Err(m) => format!("未能读取：{m}"),
    };
    let id = state
        .db
        .add_submission(
            &new,
            |id| {
                format!(
                    "#{id} {name}（{} 字节，sha256 {}）{outcome}",
                    size,
                    &sha[..12]
                )
            },
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
/// run on is answered with a message (the thread itself cannot be stopped;
/// it keeps its place in the read pool until the reader ends).
async fn bounded<T>(
    state: &State,
    job: tokio::task::JoinHandle<Result<T, Failure>>,
) -> Result<T, Failure> {
    let limit = Duration::from_secs(state.cfg.analysis_timeout_secs);
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
    Monitor(i32, u32),
    Monthly(i32, u32),
    /// 资产台账 (`jixiao assets`).
    Assets,
    /// 计划公示 (`jixiao notice --stage plan`).
    NoticePlan,
    /// 结果公示 (`jixiao notice --stage result`).
    NoticeResult,
}

/// The unit's full name for a signature: the ledger's when it is this
/// township's longer name (靖宇镇人民政府), else a 镇/乡 with 人民政府.
pub fn full_unit_name(township: &str, ledger_unit: Option<&str>) -> String {
    match ledger_unit {
        Some(u) if same_unit(u, township) && u.chars().count() > township.chars().count() => {
            u.trim().to_string()
        }
        _ if township.ends_with('镇') || township.ends_with('乡') => {
            format!("{township}人民政府")
        }
        _ => township.to_string(),
    }
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
        Download::Monitor(y, m) => format!("{stem}-运行监控-{y:04}-{m:02}.xlsx"),
        Download::Monthly(y, m) => format!("{stem}-月报-{y:04}-{m:02}.xlsx"),
        Download::Assets => format!("{stem}-资产台账.xlsx"),
        Download::NoticePlan => format!("{stem}-计划公示.xlsx"),
        Download::NoticeResult => format!("{stem}-结果公示.docx"),
    };
    let county = Some(state.cfg.title.trim().to_string()).filter(|t| !t.is_empty());
    let permit = state.read_permit(state.read_cost_mb(&sub.sha256)).await?;
    let st = state.clone();
    let (sha, name, unit) = (
        sub.sha256.clone(),
        sub.file_name.clone(),
        sub.township.clone(),
    );
    let signer = full_unit_name(&sub.township, sub.unit.as_deref());
    let bytes = bounded(
        state,
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            st.with_input(&sha, ext, &name, &unit, as_of, |input| match what {
                Download::Report => engine::report_xlsx(input),
                Download::Forms => engine::forms_xlsx(input),
                Download::Summary => {
                    engine::summary_docx(input, chrono::Local::now().date_naive(), &signer)
                }
                Download::Monitor(y, m) => engine::monitor_xlsx(input, y, m),
                Download::Monthly(y, m) => engine::monthly_xlsx(input, y, m),
                Download::Assets => engine::assets_xlsx(input),
                Download::NoticePlan => engine::notice_plan_xlsx(
                    input,
                    chrono::Local::now().date_naive(),
                    county.as_deref(),
                ),
                Download::NoticeResult => engine::notice_result_docx(
                    input,
                    chrono::Local::now().date_naive(),
                    county.as_deref(),
                ),
            })
        }),
    )
    .await
    .map_err(Failure::message)?;
    Ok((bytes, file_name))
}

/// A stored submission's header, for the mapping dropdowns.
pub async fn header_view(
    state: &Arc<State>,
    sub: &Submission,
    sheet: Option<String>,
    role: Option<String>,
    row: Option<u32>,
) -> Result<engine::HeaderView, String> {
    let head = state
        .head(&sub.sha256)
        .map_err(|e| server_fault("读取已保存的文件", &e))?;
    let ext = workbook_ext(&sub.file_name, &head).ok_or("这个文件不是工作簿")?;
    let permit = state.read_permit(state.read_cost_mb(&sub.sha256)).await?;
    let st = state.clone();
    let (sha, name, unit) = (
        sub.sha256.clone(),
        sub.file_name.clone(),
        sub.township.clone(),
    );
    let hint = sub.message.clone();
    bounded(
        state,
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            st.with_input(&sha, ext, &name, &unit, None, |i| {
                engine::header_view(i, sheet.as_deref(), role.as_deref(), row, hint.as_deref())
            })
        }),
    )
    .await
    .map_err(Failure::message)
}

/// A township name as a file name: refused when it could leave the folder.
fn mapping_file_name(township: &str) -> Result<String, String> {
    if township.is_empty()
        || township.starts_with('.')
        || township.contains(['/', '\\', ':'])
        || township.chars().any(hidden_char)
    {
        return Err(format!(
            "乡镇名“{township}”不能用作文件名，列名映射未保存；请县财政局在设置文件夹中手工建立"
        ));
    }
    Ok(format!("{township}.toml"))
}

/// Save a township's mapping (one sheet's header assigned on the page) in
/// the settings' per-township place, use it from now on, and read the
/// stored upload again with it (a new submission).
#[allow(clippy::too_many_arguments)]
pub async fn save_mapping(
    state: &Arc<State>,
    user: &User,
    sub: &Submission,
    sheet: String,
    role: String,
    row: u32,
    assigned: Vec<(u32, String)>,
    ip: Option<&str>,
) -> Result<Submitted, Failure> {
    let head = state
        .head(&sub.sha256)
        .map_err(|e| Failure::Server(server_fault("读取已保存的文件", &e)))?;
    let ext = workbook_ext(&sub.file_name, &head)
        .ok_or_else(|| Failure::Workbook("这个文件不是工作簿".into()))?;
    let dir =
        state.settings.mapping_dir.clone().ok_or_else(|| {
            Failure::Workbook("服务没有保存列名映射的位置，请联系县财政局".into())
        })?;
    let file = dir.join(mapping_file_name(&sub.township).map_err(Failure::Workbook)?);
    let permit = state
        .read_permit(state.read_cost_mb(&sub.sha256))
        .await
        .map_err(Failure::Server)?;
    let st = state.clone();
    let (sha, name, unit) = (
        sub.sha256.clone(),
        sub.file_name.clone(),
        sub.township.clone(),
    );
    let (sheet2, role2) = (sheet.clone(), role.clone());
    let text = bounded(
        state,
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            st.with_input(&sha, ext, &name, &unit, None, |i| {
                engine::mapping_with(i, &sheet2, &role2, row, &assigned)
            })
        }),
    )
    .await?;
    // Written beside, checked by the reader's own loader, then renamed.
    let mapping = {
        let (dir, file, text) = (dir.clone(), file.clone(), text.clone());
        tokio::task::spawn_blocking(move || -> Result<read_mapping::Mapping, Failure> {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Failure::Server(server_fault("保存列名映射", &e)))?;
            let tmp = dir.join(format!(".mapping-{}.toml", auth::random_hex(6)));
            std::fs::write(&tmp, &text)
                .map_err(|e| Failure::Server(server_fault("保存列名映射", &e)))?;
            let m = read_mapping::Mapping::load(&tmp).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                Failure::Workbook(e.replace(&tmp.display().to_string(), "列名映射"))
            })?;
            std::fs::rename(&tmp, &file).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                Failure::Server(server_fault("保存列名映射", &e))
            })?;
            Ok(m)
        })
        .await
        .map_err(|e| Failure::Server(e.to_string()))??
    };
    state
        .settings
        .mappings
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(sub.township.clone(), Arc::new(mapping));
    let _ = state
        .db
        .audit(
            Some(user),
            "mapping_saved",
            &format!(
                "{} 的列名映射（{}表 = 工作表“{sheet}”，表头第 {row} 行），据 #{} {}",
                sub.township, role, sub.id, sub.file_name
            ),
            ip,
        )
        .await;
    let bytes = std::fs::read(state.stored_path(&sub.sha256))
        .map_err(|e| Failure::Server(server_fault("读取已保存的文件", &e)))?;
    let as_of = sub
        .requested_as_of
        .as_deref()
        .and_then(|d| engine::parse_date(d).ok());
    submit_as(
        state,
        user,
        &sub.township,
        &sub.file_name,
        bytes.into(),
        as_of,
        ip,
    )
    .await
    .map_err(Failure::Server)
}

use crate::read::mapping as read_mapping;

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

/// The county roll-up at a month's end: per township the submission that
/// counts (of `year` when given). Every workbook is read in the one read
/// pool, each in its turn.
pub async fn county_view(
    state: &Arc<State>,
    year_filter: Option<i64>,
    year: i32,
    month: u32,
) -> Result<CountyView, String> {
    let end = engine::month_last_day(year, month).ok_or("月份无效")?;
    let _busy = state.county_busy.lock().await;
    let subs = state
        .db
        .current_covering(&end.to_string(), year_filter)
        .await?;
    let mut todo = Vec::new();
    let mut have: HashMap<i64, Prepared> = HashMap::new();
    {
        let cache = state.county_cache.lock().unwrap_or_else(|e| e.into_inner());
        for s in &subs {
            match cache.get(&(s.id, year, month)) {
                Some(p) => {
                    have.insert(s.id, p);
                }
                None => todo.push(s.clone()),
            }
        }
    }
    let mut jobs = Vec::new();
    for s in todo {
        let st = state.clone();
        jobs.push(tokio::spawn(async move {
            let permit = match st.read_permit(st.read_cost_mb(&s.sha256)).await {
                Ok(p) => p,
                Err(m) => return (s.id, Err(Failure::Server(m))),
            };
            let st2 = st.clone();
            let id = s.id;
            let job = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let label = format!("#{} {}", s.id, s.file_name);
                let head = st2.head(&s.sha256).unwrap_or_default();
                let ext = workbook_ext(&s.file_name, &head).unwrap_or("xlsx");
                st2.with_input(&s.sha256, ext, &s.file_name, &s.township, None, |i| {
                    engine::prepare(i, year, month, &label)
                })
            });
            (id, bounded(&st, job).await)
        }));
    }
    let mut done = Vec::new();
    for j in jobs {
        done.push(j.await.map_err(|e| e.to_string())?);
    }
    {
        let cap = (state.cfg.county_cache_mb as usize) << 20;
        let mut cache = state.county_cache.lock().unwrap_or_else(|e| e.into_inner());
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
            cache.insert((id, year, month), p.clone(), cap);
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
        0 => engine::schedule(&state.settings, year, month),
        1 => schedules.into_iter().next(),
        _ => None,
    };
    let expected = state.db.townships().await?;
    let exp = expected.clone();
    let st = state.clone();
    let out = tokio::task::spawn_blocking(move || {
        engine::county(&st.settings, &prepared, failed, &exp, year, month)
    })
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
