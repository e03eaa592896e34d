//! One file per subcommand: clap `Args` and a `run` that returns the exit
//! status, or a one-line fatal message (exit status 2, nothing written).

pub mod consolidate;
pub mod monitor;
pub mod monthly;
pub mod report;
pub mod summary;
pub mod synth;
pub mod targets;
pub mod template;

use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// `--as-of 2024-05-31` (also accepts the other date forms clerks type).
pub fn parse_date_arg(s: &str) -> Result<NaiveDate, String> {
    crate::read::value::parse_date_text(s)
        .ok_or_else(|| format!("“{s}”不是有效日期，请写成 YYYY-MM-DD，例如 2024-05-31"))
}

pub fn same_file(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| -> Option<PathBuf> {
        if let Ok(c) = p.canonicalize() {
            return Some(c);
        }
        let parent = match p.parent() {
            Some(x) if !x.as_os_str().is_empty() => x.canonicalize().ok()?,
            _ => std::env::current_dir().ok()?,
        };
        Some(parent.join(p.file_name()?))
    };
    match (canon(a), canon(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Refuse, before any work, to write over the input or an existing file.
pub fn check_output(input: &Path, output: &Path, force: bool) -> Result<(), String> {
    if same_file(input, output) {
        return Err(format!(
            "输出文件 {} 与输入文件相同，拒绝覆盖输入；请用 -o 指定其他文件名",
            output.display()
        ));
    }
    if output.exists() && !force {
        return Err(format!(
            "输出文件 {} 已存在；如要覆盖请加 --force",
            output.display()
        ));
    }
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(format!("输出文件夹 {} 不存在", dir.display()));
    }
    Ok(())
}

/// `JIXIAO_TIMING=1`: elapsed time and resident memory at each stage, on stderr.
pub struct Laps {
    on: bool,
    start: std::time::Instant,
}

impl Laps {
    pub fn new() -> Laps {
        Laps {
            on: std::env::var_os("JIXIAO_TIMING").is_some(),
            start: std::time::Instant::now(),
        }
    }
    pub fn lap(&self, what: &str) {
        if self.on {
            let rss = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmRSS"))
                        .map(|l| l.trim_start_matches("VmRSS:").trim().to_string())
                })
                .unwrap_or_default();
            eprintln!(
                "timing: {what} {:.3}s rss {rss}",
                self.start.elapsed().as_secs_f64()
            );
        }
    }
}

impl Default for Laps {
    fn default() -> Self {
        Laps::new()
    }
}
