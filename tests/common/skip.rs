//! Real-client checks need programs from outside Rust: LibreOffice, Chromium
//! with chromedriver, a PostgreSQL server. A missing one never passes
//! silently. Under CI (`CI=true`, as `.ci/run` sets) the test fails with the
//! install hint. Otherwise it is skipped, and that shows on a plain
//! `cargo test`: the first skip of each program in a run writes one line, and
//! `tests/zz_skipped_summary.rs` (named to run last) lists every skip of the
//! run on one line. Both write to the stderr handle itself: the test harness
//! captures `eprintln!`, not that.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// Where the skips of a run are noted for the summary (one per line:
/// cargo's pid, seconds since 1970, program, test, reason).
pub fn log_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skipped-real-client-tests.txt")
}

/// `CI` set to anything but empty, `0` or `false`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "FALSE" | "False"))
}

/// The process that started this test binary (cargo, for `cargo test`):
/// the test binaries of one run share it.
pub fn run_id() -> u32 {
    #[cfg(unix)]
    {
        std::os::unix::process::parent_id()
    }
    #[cfg(not(unix))]
    {
        0
    }
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A program on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// This test's name (the harness names its thread after it), with the
/// test binary's name in front.
fn test_name() -> String {
    let bin = std::env::args()
        .next()
        .map(PathBuf::from)
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|s| match s.rsplit_once('-') {
            Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name.to_string(),
            _ => s,
        })
        .unwrap_or_default();
    match std::thread::current().name() {
        Some(t) if t != "main" => format!("{bin}::{t}"),
        _ => bin,
    }
}

static LOG: Mutex<()> = Mutex::new(());

/// The test cannot run: `program` is missing (`why`), `install` says how to
/// get it. Under CI this panics; otherwise the caller returns early.
pub fn missing(program: &str, why: &str, install: &str) {
    let test = test_name();
    if in_ci() {
        panic!(
            "CI=true：真实客户端测试 {test} 不能跳过——{why}。安装：{install}（.ci/run 会安装）。"
        );
    }
    let _one_at_a_time = LOG.lock().unwrap_or_else(|e| e.into_inner());
    let path = log_path();
    let id = run_id();
    let earlier = std::fs::read_to_string(&path).unwrap_or_default();
    let already_said = id != 0
        && earlier.lines().any(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            f.len() >= 3 && f[0] == id.to_string() && f[2] == program
        });
    if !already_said {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED（已跳过）{test}：{why}。安装：{install}；或运行 .ci/run。（本次运行中需要 {program} 的其他测试不再逐个提示，最后由 zz_skipped_summary 列出。）"
        );
    }
    let clean = |s: &str| s.replace(['\t', '\n'], " ");
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = writeln!(
            f,
            "{id}\t{}\t{}\t{}\t{}",
            now(),
            clean(program),
            clean(&test),
            clean(why)
        );
    }
}

/// The hints, in one place, matching what `.ci/run` installs.
pub const SOFFICE_INSTALL: &str =
    "libreoffice-calc libreoffice-writer（Debian/Ubuntu：apt-get install）";
pub const CHROMIUM_INSTALL: &str = "chromium chromium-driver（Debian/Ubuntu：apt-get install）";
pub const POSTGRES_INSTALL: &str = "postgresql（Debian/Ubuntu：apt-get install），或把 JIXIAO_TEST_DATABASE_URL 指向一个可建库的服务器";

pub const POPPLER_INSTALL: &str = "poppler-utils（Debian/Ubuntu：apt-get install）";

/// LibreOffice's `soffice` is not on PATH.
pub fn soffice_missing() {
    missing(
        "soffice",
        "没有 LibreOffice（PATH 上找不到 soffice）",
        SOFFICE_INSTALL,
    );
}
