//! Every file jixiao writes goes through here: the outputs of a run are
//! checked as one plan before any input is read, rendered to temporaries
//! beside their targets, and renamed into place only when all of them have
//! been written. A failure, Ctrl-C or `kill` (SIGTERM) removes the
//! temporaries; a `kill -9` leaves them for the next run into that folder to
//! remove. An advisory lock on each output folder keeps two runs from
//! writing the same outputs at once.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a workbook is, stored in its document properties (`类型`) next to
/// `生成工具 = jixiao`, so that `consolidate` never reads our own outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Report,
    Monthly,
    Forms,
    Targets,
    County,
    /// 绩效运行监控表
    Monitor,
    /// The blank standard workbook: meant to be filled in, so an input.
    Template,
    /// Generated township ledgers (`synth`): inputs too.
    Ledger,
    /// 帮扶项目资产台账
    Assets,
    /// 公告公示 (the plan table)
    Notice,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Report => "报告",
            Kind::Monthly => "月报",
            Kind::Forms => "绩效表",
            Kind::Targets => "绩效指标",
            Kind::County => "汇总",
            Kind::Monitor => "运行监控",
            Kind::Template => "模板",
            Kind::Ledger => "台账",
            Kind::Assets => "资产台账",
            Kind::Notice => "公告公示",
        }
    }
    /// Whether a workbook of this kind is one of our outputs, never a ledger.
    pub fn is_output(label: &str) -> bool {
        !matches!(label, "模板" | "台账")
    }
}

/// The custom property names of the marker.
pub const TOOL_PROPERTY: &str = "生成工具";
pub const KIND_PROPERTY: &str = "类型";
pub const TOOL: &str = "jixiao";

/// The `类型` of a workbook jixiao wrote, read cheaply from
/// `docProps/custom.xml`; `None` for anything else (other programs' files,
/// .xls, .ods, unreadable files).
pub fn marker(path: &Path) -> Option<String> {
    let file = File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    marker_in(&mut zip)
}

/// The same from a package already open (`consolidate` reads each input's
/// zip directory once for this and the reader's checks).
pub fn marker_in<R: std::io::Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>) -> Option<String> {
    let mut part = zip.by_name("docProps/custom.xml").ok()?;
    if part.size() > 1_000_000 {
        return None;
    }
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut part, &mut xml).ok()?;
    if property(&xml, TOOL_PROPERTY)? != TOOL {
        return None;
    }
    Some(property(&xml, KIND_PROPERTY).unwrap_or_default())
}

fn property(xml: &str, name: &str) -> Option<String> {
    let at = xml.find(&format!("name=\"{name}\""))?;
    let rest = &xml[at..];
    let end = rest.find("</property>")?;
    let rest = &rest[..end];
    let open = rest.find("<vt:lpwstr>")? + "<vt:lpwstr>".len();
    let close = rest[open..].find("</vt:lpwstr>")?;
    Some(rest[open..open + close].to_string())
}

/// Temporaries are `.jixiao-XXXXXX.tmp`: hidden, and never read as input.
pub const TEMP_PREFIX: &str = ".jixiao-";
pub const TEMP_SUFFIX: &str = ".tmp";

pub fn is_temporary(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

/// Live temporaries, removed by the Ctrl-C / SIGTERM handler.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn register(p: &Path) {
    install_handler();
    if let Ok(mut v) = LIVE.lock() {
        v.push(p.to_path_buf());
    }
}

fn unregister(p: &Path) {
    if let Ok(mut v) = LIVE.lock() {
        v.retain(|x| x != p);
    }
}

/// Output folders whose lock this run holds: every temporary in them is
/// this run's or a killed run's, so the signal handler may remove them all —
/// including one created a moment before it was registered.
static LOCKED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn install_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Failing to install (another handler) only loses the cleanup.
        let _ = ctrlc::set_handler(|| {
            let v = LIVE.lock().unwrap_or_else(|e| e.into_inner());
            for p in v.iter() {
                let _ = std::fs::remove_file(p);
            }
            let dirs = LOCKED.lock().unwrap_or_else(|e| e.into_inner());
            for dir in dirs.iter() {
                for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                    if is_temporary(&e.file_name().to_string_lossy()) {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
            eprintln!("已中断，临时文件已删除");
            std::process::exit(130);
        });
    });
}

/// An OS error as the user reads it: a Chinese sentence with the fix
/// first, the system's own text after (never a path: temporaries are
/// never shown).
pub fn io_text(e: &std::io::Error) -> String {
    let (_, sentence) = io_kind(e);
    let tech = match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => e.kind().to_string(),
    };
    format!("{sentence}（系统信息：{tech}）")
}

/// The finding and the Chinese sentence (fix first) for an OS error.
pub fn io_kind(e: &std::io::Error) -> (crate::model::Finding, &'static str) {
    use crate::model::Finding;
    use std::io::ErrorKind as K;
    match (e.raw_os_error(), e.kind()) {
        (Some(28), _) | (Some(122), _) | (_, K::StorageFull) | (_, K::QuotaExceeded) => (
            Finding::DiskFull,
            "磁盘空间不足：请清理磁盘或用 -o 写到别的磁盘",
        ),
        (Some(36), _) | (_, K::InvalidFilename) => (
            Finding::NameTooLong,
            "文件名过长：请缩短文件名或用 -o 指定较短的输出文件名",
        ),
        (Some(30), _) | (_, K::ReadOnlyFilesystem) => (
            Finding::NotWritable,
            "磁盘是只读的：请换一个可写的文件夹或用 -o 指定输出位置",
        ),
        (_, K::PermissionDenied) => (
            Finding::NotWritable,
            "没有权限：请换一个可写的文件夹或用 -o 指定输出位置，或请管理员开放权限",
        ),
        (_, K::NotFound) => (Finding::Fatal, "文件或文件夹不存在：请检查路径"),
        (_, K::IsADirectory) => (Finding::Fatal, "这是一个文件夹：请给出文件名"),
        (_, K::InvalidData) => (
            Finding::Fatal,
            "文件内容无法按文本读取：请确认文件类型和编码",
        ),
        _ => (Finding::Fatal, "操作系统报告了错误：请检查磁盘和路径后重试"),
    }
}

/// A fatal message for an OS error while doing `what`: its code first,
/// then the fix, then what failed, then the system's text.
pub fn io_fatal(e: &std::io::Error, what: impl std::fmt::Display) -> String {
    let (finding, _) = io_kind(e);
    let text = io_text(e);
    // "磁盘空间不足：请…（系统信息：…）" → fix, then what failed, then the tech.
    let (sentence, tech) = text.split_once('（').unwrap_or((text.as_str(), ""));
    let tech = if tech.is_empty() {
        String::new()
    } else {
        format!("（{tech}")
    };
    finding.fatal(format!("{sentence}；{what}失败{tech}"))
}

/// The file system's limit on one name, in bytes.
pub const NAME_MAX: usize = 255;

/// Free bytes for an unprivileged user in the folder, where the platform
/// tells it.
#[cfg(unix)]
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid C string and a zeroed out-struct.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

#[cfg(not(unix))]
pub fn free_bytes(_: &Path) -> Option<u64> {
    None
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The path a file has, or would have once written: symlinks, `.` and `..`
/// resolved.
pub fn canonical(path: &Path) -> PathBuf {
    if let Ok(c) = path.canonicalize() {
        return c;
    }
    let dir = folder_of(path)
        .canonicalize()
        .unwrap_or_else(|_| folder_of(path).to_path_buf());
    match path.file_name() {
        Some(n) => dir.join(n),
        None => dir,
    }
}

/// One output of a run.
#[derive(Debug, Clone)]
pub struct Output {
    /// As the user gave it (or as derived), for messages.
    pub path: PathBuf,
    canon: PathBuf,
}

/// The checked outputs of one run, with their folders locked.
#[derive(Debug)]
pub struct Plan {
    outputs: Vec<Output>,
    force: bool,
    locks: Vec<(PathBuf, File)>,
    /// Bytes the outputs are expected to take (checked against free space).
    estimate: u64,
    /// Canonical path → index in `outputs` (`synth` plans thousands).
    index: std::collections::HashMap<PathBuf, usize>,
}

#[cfg(unix)]
fn same_inode(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_inode(_: &Path, _: &Path) -> bool {
    false
}

/// Does a path end in a separator (`out/`), i.e. name a folder?
fn names_folder(p: &Path) -> bool {
    let s = p.as_os_str().to_string_lossy();
    s.ends_with('/') || s.ends_with(std::path::MAIN_SEPARATOR)
}

/// `-o` for a workbook: `.xlsx` (any case) is kept, no extension gets
/// `.xlsx` (said on stderr), anything else is refused with the reason.
pub fn xlsx_path(p: &Path, flag: &str) -> Result<PathBuf, String> {
    if names_folder(p) || p.is_dir() {
        return Err(format!(
            "{flag} {} 是文件夹；请给出文件名，例如 {}",
            p.display(),
            p.join("报告.xlsx").display()
        ));
    }
    match p.extension().map(|e| e.to_string_lossy().to_lowercase()) {
        Some(e) if e == "xlsx" => Ok(p.to_path_buf()),
        None => {
            let mut s = p.as_os_str().to_owned();
            s.push(".xlsx");
            let q = PathBuf::from(s);
            eprintln!(
                "提示：{flag} {} 没有扩展名，已改为 {}",
                p.display(),
                q.display()
            );
            Ok(q)
        }
        Some(e) if e == "xls" || e == "et" => Err(format!(
            "{flag} {}：jixiao 只写 .xlsx 格式（.{e} 是旧格式，写不出公式、批注和图表）；请改为 {}",
            p.display(),
            p.with_extension("xlsx").display()
        )),
        Some(e) => Err(format!(
            "{flag} {}：工作簿须以 .xlsx 结尾（不是 .{e}）；请改为 {}",
            p.display(),
            p.with_extension("xlsx").display()
        )),
    }
}

impl Plan {
    pub fn new(force: bool) -> Plan {
        Plan {
            outputs: Vec::new(),
            force,
            locks: Vec::new(),
            estimate: 0,
            index: std::collections::HashMap::new(),
        }
    }

    /// Add an output: not a folder, its folder exists, not already planned,
    /// not an existing file unless `--force`. Returns the path to write.
    pub fn add(&mut self, path: &Path, what: &str) -> Result<PathBuf, String> {
        if names_folder(path) || path.is_dir() {
            return Err(format!("{what} {} 是文件夹；请给出文件名", path.display()));
        }
        let dir = folder_of(path);
        if !dir.is_dir() {
            return Err(format!(
                "{what} {} 所在的文件夹 {} 不存在；请先建立该文件夹或换一个路径",
                path.display(),
                dir.display()
            ));
        }
        check_name(path, what)?;
        let canon = canonical(path);
        if let Some(o) = self.index.get(&canon).map(|i| &self.outputs[*i]) {
            return Err(format!(
                "{what} {} 与 {} 是同一个文件；报告、绩效表、JSON 等输出须是不同的文件",
                path.display(),
                o.path.display()
            ));
        }
        if path.exists() && !self.force {
            return Err(crate::model::Finding::OutputExists.fatal(format!(
                "输出文件 {} 已存在；如要覆盖请加 --force",
                path.display()
            )));
        }
        self.index.insert(canon.clone(), self.outputs.len());
        self.outputs.push(Output {
            path: path.to_path_buf(),
            canon,
        });
        Ok(path.to_path_buf())
    }

    /// Expect the outputs to take about `bytes` (checked against the free
    /// space of their folders when they are locked).
    pub fn expect_bytes(&mut self, bytes: u64) {
        self.estimate = self.estimate.saturating_add(bytes);
    }

    /// Expect outputs about `factor` times the size of these inputs.
    pub fn expect_inputs<'p>(&mut self, inputs: impl IntoIterator<Item = &'p Path>, factor: u64) {
        let sum: u64 = inputs
            .into_iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum();
        self.expect_bytes(sum.saturating_mul(factor));
    }

    /// Refuse when any output is this input (same file by any path, or a
    /// hard link to it).
    pub fn not_input(&self, input: &Path) -> Result<(), String> {
        let canon = canonical(input);
        match self
            .outputs
            .iter()
            .find(|o| o.canon == canon || same_inode(&o.canon, input))
        {
            Some(o) => Err(format!(
                "输出文件 {} 就是输入文件 {}，拒绝覆盖输入；请换一个输出文件名",
                o.path.display(),
                input.display()
            )),
            None => Ok(()),
        }
    }

    /// Whether `path` is one of the planned outputs.
    pub fn is_output(&self, path: &Path) -> bool {
        let canon = canonical(path);
        self.index.contains_key(&canon)
            || self
                .outputs
                .iter()
                .any(|o| o.canon == canon || same_inode(&o.canon, path))
    }

    /// Lock every output folder: no other jixiao run may write there until
    /// this one ends (temporaries that earlier, killed runs left there are
    /// removed when this run commits). Exit 2 with a clear message when
    /// another run holds it.
    pub fn lock(&mut self) -> Result<(), String> {
        let dirs: BTreeSet<PathBuf> = self
            .outputs
            .iter()
            .map(|o| folder_of(&o.canon).to_path_buf())
            .collect();
        for dir in &dirs {
            writable(dir)?;
            if self.estimate > 0
                && let Some(free) = free_bytes(dir)
                && free < self.estimate
            {
                return Err(crate::model::Finding::DiskFull.fatal(format!(
                    "磁盘空间不足：请清理磁盘或用 -o 写到别的磁盘；文件夹 {} 所在磁盘只剩 {}，输出约需 {}",
                    dir.display(),
                    show_bytes(free),
                    show_bytes(self.estimate)
                )));
            }
        }
        for dir in dirs {
            if self.locks.iter().any(|(d, _)| *d == dir) {
                continue;
            }
            let f = match lock_file(&dir) {
                Ok(f) => f,
                Err(m) => {
                    eprintln!("提示：{m}，未加锁；请确认没有另一个 jixiao 同时写这里");
                    continue;
                }
            };
            match f.try_lock() {
                Ok(()) => {
                    // The handler is in place before the first temporary.
                    install_handler();
                    if let Ok(mut v) = LOCKED.lock() {
                        v.push(dir.clone());
                    }
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(crate::model::Finding::Busy.fatal(format!(
                        "另一个 jixiao 正在向文件夹 {} 写出文件；请等它完成后再运行（两次运行同时写同一处会把文件混在一起）",
                        dir.display()
                    )));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    // Some network file systems have no locks: go on, said.
                    eprintln!(
                        "提示：无法锁定输出文件夹 {}（{}），请确认没有另一个 jixiao 同时写这里",
                        dir.display(),
                        io_text(&e)
                    );
                }
            }
            self.locks.push((dir, f));
        }
        Ok(())
    }

    /// Lock a whole output folder (`synth`), removing stale temporaries.
    pub fn lock_folder(&mut self, dir: &Path) -> Result<(), String> {
        let canon = canonical(dir);
        self.outputs.push(Output {
            path: dir.join("_"),
            canon: canon.join("_"),
        });
        let r = self.lock();
        self.outputs.pop();
        if r.is_ok() {
            remove_stale(&canon);
        }
        r
    }

    pub fn outputs(&self) -> impl Iterator<Item = &Path> {
        self.outputs.iter().map(|o| o.path.as_path())
    }

    /// Start writing: every file goes to a temporary until `commit`.
    pub fn stage(&mut self) -> Result<Stage<'_>, String> {
        self.lock()?;
        Ok(Stage {
            plan: self,
            staged: Vec::new(),
        })
    }
}

/// An output name the file system can hold: refused at plan time, so a
/// run never stops half-way through its renames for a name too long.
fn check_name(path: &Path, what: &str) -> Result<(), String> {
    let Some(name) = path.file_name() else {
        return Ok(());
    };
    let n = name.as_encoded_bytes().len();
    if n > NAME_MAX {
        return Err(crate::model::Finding::NameTooLong.fatal(format!(
            "文件名过长：请缩短文件名或用 -o 指定较短的输出文件名；{what} {} 的文件名有 {n} 字节，超过文件系统上限 {NAME_MAX} 字节（一个汉字占 3 字节）",
            path.display()
        )));
    }
    Ok(())
}

/// A folder we can create files in (tried: a temporary made and removed).
fn writable(dir: &Path) -> Result<(), String> {
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| io_fatal(&e, format!("在文件夹 {} 中写文件", dir.display())))
}

fn show_bytes(b: u64) -> String {
    if b >= 1 << 20 {
        format!("{:.1} MB", b as f64 / (1u64 << 20) as f64)
    } else {
        format!("{} KB", b.div_ceil(1024))
    }
}

/// The folder itself is the lock (flock on its descriptor): no lock file
/// left behind.
#[cfg(unix)]
fn lock_file(dir: &Path) -> Result<File, String> {
    File::open(dir).map_err(|e| format!("无法打开输出文件夹 {}：{}", dir.display(), io_text(&e)))
}

#[cfg(not(unix))]
fn lock_file(dir: &Path) -> Result<File, String> {
    std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .open(dir.join(".jixiao.lock"))
        .map_err(|e| format!("无法在 {} 中建立锁文件：{}", dir.display(), io_text(&e)))
}

/// Temporaries of earlier runs: we hold the folder's lock, so no live run
/// owns them.
fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let live: Vec<PathBuf> = LIVE.lock().map(|v| v.clone()).unwrap_or_default();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if is_temporary(&name) && e.file_type().map(|t| t.is_file()).unwrap_or(false) {
            let p = e.path();
            if !live.contains(&p) {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
}

/// Files rendered to temporaries, waiting for `commit`. Dropped without
/// `commit` (an error on the way), it removes them.
pub struct Stage<'a> {
    plan: &'a Plan,
    staged: Vec<(tempfile::TempPath, PathBuf)>,
}

fn permissions_for(target: &Path) -> Option<std::fs::Permissions> {
    // --force keeps the mode of the file it replaces; new files get what
    // the umask gives (0666 & !umask, as any other program's files;
    // tempfile's own default is 0600).
    if let Ok(m) = std::fs::metadata(target) {
        return Some(m.permissions());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o666))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

impl Stage<'_> {
    fn temp(&self, target: &Path) -> Result<tempfile::NamedTempFile, String> {
        if !self.plan.is_output(target) {
            return Err(format!("内部错误：{} 不在输出计划中", target.display()));
        }
        let dir = folder_of(target);
        let mut b = tempfile::Builder::new();
        b.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
        if let Some(p) = permissions_for(target) {
            b.permissions(p);
        }
        let tmp = b
            .tempfile_in(dir)
            .map_err(|e| io_fatal(&e, format!("在 {} 中写文件", dir.display())))?;
        register(tmp.path());
        if let Ok(m) = std::fs::metadata(target) {
            // umask does not get to change the mode of a replaced file.
            let _ = tmp.as_file().set_permissions(m.permissions());
        }
        Ok(tmp)
    }

    /// Rename (and say) the files in this order, whatever order they were
    /// written in; others after them, as written.
    pub fn order(&mut self, targets: &[&Path]) {
        self.staged.sort_by_key(|(_, t)| {
            targets
                .iter()
                .position(|x| *x == t.as_path())
                .unwrap_or(usize::MAX)
        });
    }

    fn keep(&mut self, tmp: tempfile::NamedTempFile, target: &Path) {
        self.staged
            .push((tmp.into_temp_path(), target.to_path_buf()));
    }

    /// A workbook, marked with `生成工具 = jixiao`, `类型 = kind`.
    pub fn xlsx(
        &mut self,
        target: &Path,
        sheets: &[crate::write::sheet::Sheet],
        kind: Kind,
    ) -> Result<(), String> {
        let tmp = self.temp_xlsx(target, sheets, kind)?;
        self.keep(tmp, target);
        Ok(())
    }

    /// Many workbooks rendered in parallel (`synth`): `sheets_of(i)` is the
    /// content of `targets[i]`. The first failure stops the run; nothing
    /// is renamed until `commit`.
    pub fn xlsx_each<F>(
        &mut self,
        targets: &[PathBuf],
        kind: Kind,
        sheets_of: F,
    ) -> Result<(), String>
    where
        F: Fn(usize) -> Vec<crate::write::sheet::Sheet> + Sync,
    {
        use rayon::prelude::*;
        let this = &*self;
        let made: Vec<Result<tempfile::NamedTempFile, String>> = targets
            .par_iter()
            .enumerate()
            .map(|(i, t)| this.temp_xlsx(t, &sheets_of(i), kind))
            .collect();
        let mut first_error = None;
        for (r, t) in made.into_iter().zip(targets) {
            match r {
                Ok(tmp) if first_error.is_none() => self.keep(tmp, t),
                Ok(tmp) => {
                    let p = tmp.path().to_path_buf();
                    drop(tmp);
                    unregister(&p);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// A workbook whose sheets may be built as they are written
    /// (`write::xlsx::Slot`): the forms workbook.
    pub fn xlsx_book(
        &mut self,
        target: &Path,
        slots: Vec<crate::write::xlsx::Slot<'_>>,
        kind: Kind,
    ) -> Result<(), String> {
        let tmp = self.temp_book(target, slots, kind)?;
        self.keep(tmp, target);
        Ok(())
    }

    fn temp_xlsx(
        &self,
        target: &Path,
        sheets: &[crate::write::sheet::Sheet],
        kind: Kind,
    ) -> Result<tempfile::NamedTempFile, String> {
        self.temp_book(
            target,
            sheets.iter().map(crate::write::xlsx::Slot::Sheet).collect(),
            kind,
        )
    }

    fn temp_book(
        &self,
        target: &Path,
        slots: Vec<crate::write::xlsx::Slot<'_>>,
        kind: Kind,
    ) -> Result<tempfile::NamedTempFile, String> {
        let mut tmp = self.temp(target)?;
        let shown = target.display();
        {
            let w = std::io::BufWriter::new(tmp.as_file_mut());
            let mut w = crate::write::xlsx::write_book(w, slots, Some(kind))
                .map_err(|e| book_error_text(e, &format!("写入 {shown} ")))?;
            w.flush()
                .map_err(|e| io_fatal(&e, format!("写入 {shown} ")))?;
        }
        tmp.as_file()
            .sync_all()
            .map_err(|e| io_fatal(&e, format!("写入 {shown} ")))?;
        Ok(tmp)
    }

    /// Bytes (JSON).
    pub fn bytes(&mut self, target: &Path, bytes: &[u8]) -> Result<(), String> {
        let mut tmp = self.temp(target)?;
        let shown = target.display();
        tmp.write_all(bytes)
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| io_fatal(&e, format!("写入 {shown} ")))?;
        self.keep(tmp, target);
        Ok(())
    }

    /// Bytes written as they are made (a large report's JSON is not held
    /// whole in memory): `write` fills the file.
    pub fn streamed(
        &mut self,
        target: &Path,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), String> {
        let mut tmp = self.temp(target)?;
        let shown = target.display();
        {
            let mut w = std::io::BufWriter::new(tmp.as_file_mut());
            write(&mut w)
                .and_then(|_| w.flush())
                .map_err(|e| io_fatal(&e, format!("写入 {shown} ")))?;
        }
        tmp.as_file()
            .sync_all()
            .map_err(|e| io_fatal(&e, format!("写入 {shown} ")))?;
        self.keep(tmp, target);
        Ok(())
    }

    /// Rename every temporary into place, all or nothing: should a rename
    /// fail, the files already renamed are taken back (a file `--force`
    /// replaced is restored) and the temporaries removed.
    /// Commit, and say each file written (`已写出 …`). Standard output may
    /// be a closed pipe: the files are written all the same.
    pub fn commit(self) -> Result<Vec<PathBuf>, String> {
        let written = self.commit_quiet()?;
        let mut out = std::io::stdout().lock();
        for t in &written {
            if writeln!(out, "已写出 {}", t.display()).is_err() {
                break;
            }
        }
        let _ = out.flush();
        Ok(written)
    }

    /// Commit without a line per file (`synth` writes thousands and says how
    /// many once).
    pub fn commit_quiet(mut self) -> Result<Vec<PathBuf>, String> {
        let staged = std::mem::take(&mut self.staged);
        // A file that appeared meanwhile (without --force): nothing renamed.
        if !self.plan.force
            && let Some((_, t)) = staged.iter().find(|(_, t)| t.exists())
        {
            let msg = crate::model::Finding::OutputExists.fatal(format!(
                "输出文件 {} 已存在（在运行期间被建立）；如要覆盖请加 --force",
                t.display()
            ));
            self.staged = staged;
            return Err(msg);
        }
        // The signal handler waits for this lock: a Ctrl-C during the
        // renames lets them all finish rather than leave half a set.
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        // (target, the replaced file's copy) of each rename done.
        let mut done: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
        let mut first_error = None;
        for (i, (tmp, target)) in staged.into_iter().enumerate() {
            let p = tmp.to_path_buf();
            if first_error.is_some() {
                let _ = tmp.close();
                live.retain(|x| *x != p);
                continue;
            }
            let mut backup = None;
            if let Ok(m) = std::fs::metadata(&target) {
                // --force keeps the replaced file's mode.
                let _ = std::fs::set_permissions(&p, m.permissions());
                if m.is_file() {
                    backup = keep_aside(&target, i);
                }
            }
            match tmp.persist(&target) {
                Ok(()) => done.push((target, backup)),
                Err(e) => {
                    first_error = Some(io_fatal(&e.error, format!("保存 {} ", target.display())));
                    let _ = e.path.close();
                    if let Some(b) = backup {
                        let _ = std::fs::remove_file(b);
                    }
                }
            }
            live.retain(|x| *x != p);
        }
        if first_error.is_some() {
            // Take back what was renamed, newest first.
            for (target, backup) in done.drain(..).rev() {
                match backup {
                    Some(b) => {
                        let _ = std::fs::rename(&b, &target);
                    }
                    None => {
                        let _ = std::fs::remove_file(&target);
                    }
                }
            }
        }
        let written: Vec<PathBuf> = done
            .into_iter()
            .map(|(t, b)| {
                if let Some(b) = b {
                    let _ = std::fs::remove_file(b);
                }
                t
            })
            .collect();
        drop(live);
        // Temporaries of earlier, killed runs: removed by a run that writes
        // (so a refused run, exit 2, changes nothing on disk).
        if first_error.is_none() {
            for (dir, _) in &self.plan.locks {
                remove_stale(dir);
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(written),
        }
    }
}

/// A second name for a file about to be replaced (a hard link, else a
/// copy), so a failed commit can put it back. `None` when neither works:
/// the replace then goes on without a way back.
fn keep_aside(target: &Path, i: usize) -> Option<PathBuf> {
    let dir = folder_of(target);
    let b = dir.join(format!(
        "{TEMP_PREFIX}old{}-{i}{TEMP_SUFFIX}",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&b);
    if std::fs::hard_link(target, &b).is_ok() || std::fs::copy(target, &b).is_ok() {
        Some(b)
    } else {
        None
    }
}

/// A folder whose lock is let go is no longer swept by the signal handler.
impl Drop for Plan {
    fn drop(&mut self) {
        if let Ok(mut v) = LOCKED.lock() {
            v.retain(|d| !self.locks.iter().any(|(l, _)| l == d));
        }
    }
}

impl Drop for Stage<'_> {
    fn drop(&mut self) {
        // Remove first, then forget: a signal in between finds the path
        // still registered and removes nothing that exists.
        for (tmp, _) in self.staged.drain(..) {
            let p = tmp.to_path_buf();
            let _ = tmp.close();
            unregister(&p);
        }
    }
}

fn book_error_text(e: crate::write::xlsx::BookError, what: &str) -> String {
    match e {
        crate::write::xlsx::BookError::Io(io) => io_fatal(&io, what),
        crate::write::xlsx::BookError::Other(m) => format!("{what}失败：{m}"),
    }
}

/// Write one workbook on its own, atomically (temporary, then rename):
/// `synth`'s ledgers, each complete in itself. The caller locks the folder
/// with `Plan::lock_folder`.
pub fn write_file(
    sheets: &[crate::write::sheet::Sheet],
    target: &Path,
    replace: bool,
    kind: Kind,
) -> Result<(), String> {
    let mut plan = Plan::new(replace);
    plan.add(target, "输出文件")?;
    let mut st = Stage {
        plan: &plan,
        staged: Vec::new(),
    };
    st.xlsx(target, sheets, kind)?;
    st.commit_quiet().map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_is_read_from_custom_xml() {
        let xml = r#"<Properties><property fmtid="x" pid="2" name="生成工具"><vt:lpwstr>jixiao</vt:lpwstr></property><property fmtid="x" pid="3" name="类型"><vt:lpwstr>月报</vt:lpwstr></property></Properties>"#;
        assert_eq!(property(xml, TOOL_PROPERTY).as_deref(), Some("jixiao"));
        assert_eq!(property(xml, KIND_PROPERTY).as_deref(), Some("月报"));
        assert_eq!(property(xml, "其他"), None);
    }

    #[test]
    fn temporaries_are_recognised() {
        assert!(is_temporary(".jixiao-abc123.tmp"));
        assert!(!is_temporary("jixiao-abc.tmp"));
        assert!(!is_temporary(".jixiao-abc.xlsx"));
    }
}
