//! `jixiao consolidate INPUT... -o OUT.xlsx`: every township's workbook read
//! and computed exactly as `report` does, in parallel, then added up.

use crate::compute::county::{FileProblem, Township, consolidate};
use crate::compute::monthly::month_end;
use crate::model::{Finding, Severity};
use crate::read::book::{Input, open_input};
use crate::read::mapping::Mapping;
use crate::write;
use chrono::NaiveDate;
use clap::Args as ClapArgs;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// 各单位的工作簿或所在文件夹（文件夹内的 .xlsx/.xlsm/.xls/.ods 都会读取）
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// 统一的截止日期 YYYY-MM-DD（默认取各自“说明”表的截止日期）
    #[arg(long = "as-of", value_parser = super::parse_date_arg, conflicts_with = "month")]
    pub as_of: Option<NaiveDate>,
    /// 按月汇总 YYYY-MM（截止该月最后一天）
    #[arg(long, value_parser = super::monthly::parse_month)]
    pub month: Option<(i32, u32)>,
    /// 汇总工作簿路径
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// 同时写出 JSON 数据
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// 应报送单位名单（每行一个，或 TOML：townships = [...]），未报送的列入“未报送”表
    #[arg(long)]
    pub expect: Option<PathBuf>,
    /// 衔接资金用于产业项目的最低比例（%），0 表示不检查；不给时取政策口径文件的 [industry] floor（内置各年均为 60） [默认：60]
    #[arg(long = "industry-floor")]
    pub industry_floor: Option<Decimal>,
    /// 政策口径文件（TOML，默认按台账年度取内置 templates/policy/<年度>.toml）
    #[arg(long, value_name = "文件")]
    pub policy: Option<PathBuf>,
    /// 按资金级次的支付率基准（TOML，如全省平均；差距以“个百分点”列出）
    #[arg(long, value_name = "文件")]
    pub benchmark: Option<PathBuf>,
    /// 汇总表标题中的单位名称，如“靖宇县”
    #[arg(long, default_value = "")]
    pub title: String,
    /// 列名映射文件（TOML），对所有输入适用
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// 覆盖已存在的输出文件
    #[arg(long)]
    pub force: bool,
}

const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "ods"];

fn is_workbook(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    // Excel's lock files (~$…), hidden files and our temporaries
    // (.jixiao-*.tmp) are not ledgers.
    !name.starts_with("~$")
        && !name.starts_with('.')
        && !crate::output::is_temporary(&name)
        && p.extension()
            .map(|e| EXTENSIONS.contains(&e.to_string_lossy().to_lowercase().as_str()))
            .unwrap_or(false)
}

/// Every workbook under `dir`, sorted; symlinked folders are followed, each
/// real folder at most once (a link back to a parent is no loop).
fn walk(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    visited: &mut std::collections::HashSet<PathBuf>,
    problems: &mut Vec<FileProblem>,
) {
    let real = match dir.canonicalize() {
        Ok(r) => r,
        Err(e) => {
            problems.push(FileProblem::coded(
                &dir.display().to_string(),
                Finding::FileSkipped,
                format!("无法读取文件夹：{}", crate::output::io_text(&e)),
            ));
            return;
        }
    };
    if !visited.insert(real) {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(FileProblem::coded(
                &dir.display().to_string(),
                Finding::FileSkipped,
                format!("无法读取文件夹：{}", crate::output::io_text(&e)),
            ));
            return;
        }
    };
    // The entry's own type where it is not a link (no stat per file; a
    // province's folder holds tens of thousands), else followed as before.
    let mut paths: Vec<(PathBuf, Option<std::fs::FileType>)> = entries
        .filter_map(|e| {
            e.ok().map(|e| {
                let kind = e.file_type().ok().filter(|t| !t.is_symlink());
                (e.path(), kind)
            })
        })
        .collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, kind) in paths {
        let (dir, file) = match kind {
            Some(t) => (t.is_dir(), t.is_file()),
            None => (p.is_dir(), p.is_file()),
        };
        if dir {
            walk(&p, out, visited, problems);
        } else if is_workbook(&p) && file {
            out.push(p);
        }
    }
}

/// The files to read, in a stable order, each once; `found` says whether a
/// file was found in a folder (rather than named on the command line).
pub fn collect_inputs(inputs: &[PathBuf], problems: &mut Vec<FileProblem>) -> Vec<(PathBuf, bool)> {
    let mut files = Vec::new();
    let mut visited = std::collections::HashSet::new();
    for i in inputs {
        if i.is_dir() {
            let mut found = Vec::new();
            walk(i, &mut found, &mut visited, problems);
            files.extend(found.into_iter().map(|f| (f, true)));
        } else if i.exists() {
            files.push((i.clone(), false));
        } else {
            problems.push(FileProblem::coded(
                &i.display().to_string(),
                Finding::FileSkipped,
                "找不到文件".into(),
            ));
        }
    }
    let canons: Vec<PathBuf> = files
        .par_iter()
        .map(|(f, _)| f.canonicalize().unwrap_or_else(|_| f.clone()))
        .collect();
    let mut seen: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut unique = Vec::new();
    for ((f, found), canon) in files.into_iter().zip(canons) {
        match seen.get(&canon) {
            Some(first) => problems.push(FileProblem::coded(
                &f.display().to_string(),
                Finding::InputSkipped,
                format!("与 {} 是同一个文件，只计一次", first.display()),
            )),
            None => {
                seen.insert(canon, f.clone());
                unique.push((f, found));
            }
        }
    }
    unique
}

/// Names from an expectation list: one per line, or TOML `townships = [...]`.
pub fn read_expect(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| crate::output::io_fatal(&e, format!("读取应报送名单 {} ", path.display())))?;
    #[derive(serde::Deserialize)]
    struct List {
        townships: Vec<String>,
    }
    if let Ok(l) = toml::from_str::<List>(&text) {
        return Ok(l.townships);
    }
    Ok(text
        .lines()
        .map(|l| l.trim().trim_start_matches('\u{feff}'))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// Adds its lifetime to the analysis counter (for JIXIAO_TIMING).
struct Timer(std::time::Instant);
impl Drop for Timer {
    fn drop(&mut self) {
        ANALYSE_NS.fetch_add(
            self.0.elapsed().as_nanos() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}

/// Two files with the same township, projects and figures are the same
/// report sent twice (hashing the figures is far cheaper than the bytes).
fn fingerprint(t: &Township) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    t.unit.hash(&mut h);
    t.as_of.hash(&mut h);
    for p in &t.projects {
        (&p.id, &p.name, p.budget, p.paid, p.settled).hash(&mut h);
    }
    h.finish()
}

enum Read {
    Township(Box<Township>, Vec<FileProblem>, u64),
    Skipped(FileProblem),
    Failed(FileProblem),
}

/// One township: read and computed exactly as `report` does, then only the
/// figures kept.
static OPEN_NS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static ANALYSE_NS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn read_one(path: &Path, as_of: Option<NaiveDate>, mapping: &Mapping) -> Read {
    let file = path.display().to_string();
    // Read once: the marker, the reader's checks and calamine share it.
    let mut input = Input::read(path);
    // Our own outputs carry a marker whatever their names.
    if let Some(kind) = input.marker()
        && crate::output::Kind::is_output(&kind)
    {
        return Read::Skipped(FileProblem::coded(
            &file,
            Finding::InputSkipped,
            format!("这是 jixiao 生成的{kind}，不是台账，已跳过"),
        ));
    }
    #[cfg(debug_assertions)]
    if std::env::var_os("JIXIAO_TEST_PANIC_ON")
        .is_some_and(|v| !v.is_empty() && file.contains(&*v.to_string_lossy()))
    {
        panic!("测试用：读取 {file} 时故意出错");
    }
    let t0 = std::time::Instant::now();
    let opened = open_input(input, false);
    OPEN_NS.fetch_add(
        t0.elapsed().as_nanos() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    let _t1 = Timer(std::time::Instant::now());
    let book = match opened {
        Ok(b) => b,
        Err(m) => {
            return Read::Failed(FileProblem::coded(
                &file,
                Finding::FileSkipped,
                format!("{m}，该文件未汇总"),
            ));
        }
    };
    // Our own reports carry a copy of the 项目 sheet: reading them would count twice.
    if ["汇总", "项目进度", "问题清单"]
        .iter()
        .all(|n| book.sheet(n).is_some())
        || ["汇总", "项目明细", "问题清单"]
            .iter()
            .all(|n| book.sheet(n).is_some())
    {
        return Read::Skipped(FileProblem::coded(
            &file,
            Finding::InputSkipped,
            "这是 jixiao 生成的报告，不是台账，已跳过".into(),
        ));
    }
    match crate::analysis::analyse_book(path, book, as_of, None, mapping) {
        Ok(o) => {
            // The workbook and ledger go now; the report is taken apart.
            let mut report = o.report;
            drop((o.book, o.ledger));
            let problems = std::mem::take(&mut report.problems)
                .into_iter()
                .map(|p| FileProblem {
                    file: file.clone(),
                    problem: p,
                })
                .collect();
            let unit = std::mem::take(&mut report.unit_name);
            let t = Township::from_owned_report(&unit, &file, report);
            let print = fingerprint(&t);
            Read::Township(Box::new(t), problems, print)
        }
        Err(m) => Read::Failed(FileProblem::coded(
            &file,
            Finding::FileSkipped,
            format!("{m}，该文件未汇总"),
        )),
    }
}

pub fn run(args: &Args) -> Result<i32, String> {
    // Outputs checked against every input, including files found in the
    // folders, and their folders locked, before any input is read.
    let mut plan = crate::output::Plan::new(args.force);
    let output = plan.add(&crate::output::xlsx_path(&args.output, "-o")?, "汇总工作簿")?;
    if let Some(j) = &args.json {
        plan.add(j, "JSON 文件")?;
    }
    for p in [&args.mapping, &args.expect, &args.policy, &args.benchmark]
        .into_iter()
        .flatten()
    {
        plan.not_input(p)?;
    }
    let mut problems = Vec::new();
    let listed = collect_inputs(&args.inputs, &mut problems);
    let mut files = Vec::with_capacity(listed.len());
    // Each input's checks on all cores (a few system calls each).
    let is_output: Vec<bool> = listed.par_iter().map(|(f, _)| plan.is_output(f)).collect();
    for ((f, found), is_output) in listed.into_iter().zip(is_output) {
        if is_output {
            // An earlier summary in the folder may be replaced (with
            // --force); a ledger never.
            let ours =
                crate::output::marker(&f).is_some_and(|k| crate::output::Kind::is_output(&k));
            if found && ours {
                continue;
            }
            return Err(crate::model::Finding::OutputIsInput.fatal(format!(
                "输出文件 {} 是要汇总的输入（{}），拒绝覆盖输入；请换一个输出文件名",
                f.display(),
                if found {
                    "在输入文件夹中"
                } else {
                    "命令行中给出"
                }
            )));
        }
        files.push(f);
    }
    // The county workbook is far smaller than its inputs: a quarter, checked with the lock.
    let input_bytes: u64 = files
        .par_iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    plan.expect_bytes(input_bytes / 4);
    plan.lock()?;
    let mapping = Mapping::load_opt(args.mapping.as_deref())?;
    let (policy, benchmark) = super::policy_files(&args.policy, &args.benchmark)?;
    let expected = match &args.expect {
        Some(p) => read_expect(p)?,
        None => Vec::new(),
    };
    let as_of = match (args.as_of, args.month) {
        (Some(d), _) => Some(d),
        (None, Some((y, m))) => Some(month_end(y, m).ok_or("月份无效")?),
        _ => None,
    };
    let timing = std::env::var_os("JIXIAO_TIMING").is_some();
    // Elapsed time and resident memory at each stage.
    let laps = super::Laps::new();
    let lap = |what: &str| laps.lap(what);
    if files.is_empty() {
        let given: Vec<String> = args
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let missing: Vec<&String> = given
            .iter()
            .filter(|p| !std::path::Path::new(p.as_str()).exists())
            .collect();
        return Err(crate::model::Finding::NothingToConsolidate.fatal(if missing.is_empty() {
            format!(
                "在 {} 中没有找到可汇总的工作簿（.xlsx / .xlsm / .xls / .ods；jixiao 自己写出的报告、月报等不算）",
                given.join("、")
            )
        } else {
            format!(
                "找不到 {}；没有可汇总的工作簿",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            )
        }));
    }
    lap("inputs listed");

    let bar = if std::io::stderr().is_terminal() {
        let b = ProgressBar::new(files.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} 个文件 {elapsed_precise}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    // One file's panic (a bug meeting an odd workbook) skips that file only.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let results: Vec<Read> = files
        .par_iter()
        .map(|f| {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                read_one(f, as_of, &mapping)
            }))
            .unwrap_or_else(|payload| {
                let why = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Read::Failed(FileProblem::coded(
                    &f.display().to_string(),
                    Finding::FileSkipped,
                    format!("读取时程序内部出错（{why}），该文件未汇总；请把此文件发给维护人员"),
                ))
            });
            bar.inc(1);
            r
        })
        .collect();
    std::panic::set_hook(hook);
    bar.finish_and_clear();
    lap("read+compute");
    if timing {
        let ns = |a: &std::sync::atomic::AtomicU64| {
            a.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e9
        };
        eprintln!(
            "timing: cpu in opening workbooks {:.3}s, in reading ledgers and computing {:.3}s",
            ns(&OPEN_NS),
            ns(&ANALYSE_NS)
        );
    }

    let mut townships = Vec::new();
    let mut superseded: Vec<(Township, usize)> = Vec::new();
    let mut failed = 0;
    let mut left_out: Vec<(String, String)> = Vec::new();
    let mut by_hash: HashMap<u64, String> = HashMap::new();
    let mut kept: Vec<(Township, Vec<FileProblem>)> = Vec::new();
    for r in results {
        match r {
            Read::Township(t, ps, hash) => {
                if let Some(first) = by_hash.get(&hash) {
                    problems.push(FileProblem::coded(
                        &t.file,
                        Finding::DuplicateReport,
                        format!("与 {first} 的单位、项目和金额完全相同，视为重复报送，未重复计入"),
                    ));
                    left_out.push((t.file.clone(), "重复报送".into()));
                    continue;
                }
                by_hash.insert(hash, t.file.clone());
                // Copied here, the reader's copy dropped: what a township keeps
                // was allocated among its workbook's cells on a reading thread,
                // a few live bytes holding each page; copied together, the
                // pages the workbooks used are free for what follows.
                let kept_copy = ((*t).clone(), ps.clone());
                drop((t, ps));
                kept.push(kept_copy);
            }
            Read::Skipped(p) => problems.push(p),
            Read::Failed(p) => {
                failed += 1;
                left_out.push((p.file.clone(), "未能读取".into()));
                problems.push(p);
            }
        }
    }
    // One township, two ledgers: the later cut-off counts, then the newer
    // file; the other is superseded (a 提示: nothing wrong was counted).
    let modified = |f: &str| std::fs::metadata(f).and_then(|m| m.modified()).ok();
    let mut best: HashMap<String, usize> = HashMap::new();
    for (i, (t, _)) in kept.iter().enumerate() {
        let better = |j: usize| {
            let (o, _) = &kept[j];
            (t.as_of, modified(&t.file), &o.file) > (o.as_of, modified(&o.file), &t.file)
        };
        match best.get(&t.unit) {
            Some(&j) if !better(j) => {}
            _ => {
                best.insert(t.unit.clone(), i);
            }
        }
    }
    for (i, (t, ps)) in kept.into_iter().enumerate() {
        let winner = best[&t.unit];
        if winner == i {
            problems.extend(ps);
            townships.push(t);
            continue;
        }
        left_out.push((t.file.clone(), "已被替代".into()));
        superseded.push((t, winner));
    }
    for (t, winner) in superseded {
        let w = townships
            .iter()
            .find(|x| x.unit == t.unit)
            .map(|w| (w.file.clone(), w.as_of))
            .unwrap_or_default();
        let why = if w.1 != t.as_of {
            "截止日期较晚的一份计入"
        } else {
            "截止日期相同，修改时间较新的一份计入"
        };
        let _ = winner;
        problems.push(FileProblem::coded(
            &t.file,
            Finding::Superseded,
            format!(
                "单位“{}”有两份台账：{why}，计入 {}（截止 {}），{}（截止 {}）已被替代，未计入汇总；如两份确是不同单位，请改正“说明”表的单位名称",
                t.unit, w.0, w.1, t.file, t.as_of
            ),
        ));
    }
    let settings = super::county_settings(args.industry_floor, policy, benchmark, &townships);
    let mut county = consolidate(townships, &expected, &settings, problems);
    county.files_left_out = left_out;
    let county = std::sync::Arc::new(county);
    lap("consolidate");
    let sheets = write::county::county_sheets(&county, &args.title, args.expect.is_some());
    lap("sheet model");
    let mut stage = plan.stage()?;
    stage.xlsx(&output, &sheets, crate::output::Kind::County)?;
    lap("xlsx written");
    // The sheet model goes before the JSON text is built (peak memory).
    drop(sheets);
    if let Some(j) = &args.json {
        stage.bytes(j, &write::json::to_bytes(&county))?;
    }
    stage.commit()?;
    lap("json written");
    let errors = county
        .problems
        .iter()
        .filter(|p| p.problem.severity == Severity::Error)
        .count();
    eprintln!(
        "汇总 {} 个单位（{} 个文件未能读取），预算 {} 万元，已拨付 {} 万元，执行率 {}；错误 {} 条，未报送 {} 个",
        county.townships.len(),
        failed,
        write::json::amount(county.totals.budget),
        write::json::amount(county.totals.paid),
        write::json::rate(county.totals.execution_rate)
            .map(|r| format!("{r}%"))
            .unwrap_or_else(|| "—".into()),
        errors,
        county.missing.len()
    );
    Ok(if errors > 0 {
        crate::exit::PROBLEMS
    } else {
        crate::exit::OK
    })
}
