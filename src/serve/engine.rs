//! The seam between the server and the library: every call `jixiao serve`
//! makes into reading, computing and writing goes through this file, and
//! only this file. The pages are one more renderer of the same report data
//! the CLI writes (`report --json`, `monthly --json`, `consolidate --json`):
//! nothing here computes a figure itself.

use crate::analysis::{Outcome, analyse_book, load_rules};
use crate::compute::county::{FileProblem, Settings, Township, consolidate};
use crate::compute::monthly::{Schedule, compute_monthly, month_end};
use crate::model::Severity;
use crate::read::book;
use crate::read::mapping::Mapping;
use crate::write;
use chrono::{Datelike, NaiveDate};
use serde_json::Value;
use std::path::Path;

/// What one upload gave: the CLI's JSON for the report (`report --json`)
/// and for the month of its cut-off (`monthly --json`).
pub struct Analysis {
    /// The report model serialised, as the CLI writes it with `--json`.
    pub report: Value,
    /// `write::monthly::monthly_json` for the month of `as_of` (序时进度 per
    /// project), when that month could be computed.
    pub monthly: Option<Value>,
    pub as_of: NaiveDate,
    pub errors: usize,
    pub warnings: usize,
    /// 单位名称 as the ledger's 说明 gives it (the account's township is
    /// checked against it).
    pub ledger_unit: Option<String>,
    /// 年度 as the ledger's 说明 gives it.
    pub year: Option<i32>,
    /// The summary's 【待补充：…】 places the clerk fills in by hand.
    pub placeholders: Vec<String>,
    /// The same for the 结果公示.
    pub notice_placeholders: Vec<String>,
}

/// The county's own files, as the CLI takes them (`serve --settings DIR`):
///
/// ```text
/// DIR/scoring.toml        评分规则            (report/summary/monitor --scoring)
/// DIR/indicators/         指标库文件夹         (--indicators)
/// DIR/schedule.toml       序时进度表           (monthly --schedule)
/// DIR/mapping.toml        列名映射（含类别对照 [categories]），所有乡镇 (--mapping)
/// DIR/mapping/<乡镇>.toml  某个乡镇自己的列名映射（有则代替 mapping.toml）
/// DIR/county.toml         县级汇总设置：industry_floor = 60 (consolidate --industry-floor)
/// DIR/policy.toml         政策口径 (--policy；无则按台账年度取内置 templates/policy/<年度>.toml)
/// DIR/assets.toml         资产分类规则 (assets --rules；无则内置 templates/assets.toml)
/// DIR/benchmark.toml      按资金级次的支付率基准 (consolidate --benchmark)
/// ```
///
/// A mapping a clerk saves on the submission page goes to `DIR/mapping/<乡镇>.toml`
/// (without `--settings`: `DATA/mapping/<乡镇>.toml`) and is used from then on.
///
/// Every page, download and the county roll-up use these; none given, the
/// CLI's defaults.
#[derive(Debug, Default)]
pub struct ServeSettings {
    pub dir: Option<std::path::PathBuf>,
    pub rules: Option<crate::compute::score::ScoringRules>,
    pub libs: Option<Vec<crate::model::library::Library>>,
    pub schedule: Schedule,
    pub mapping: std::sync::Arc<Mapping>,
    /// Per township; a clerk's saved mapping is added while serving.
    pub mappings: std::sync::RwLock<std::collections::HashMap<String, std::sync::Arc<Mapping>>>,
    /// Where townships' own mappings are kept (`DIR/mapping`, else `DATA/mapping`).
    pub mapping_dir: Option<std::path::PathBuf>,
    pub county: Settings,
    /// `county.toml`'s industry_floor as given (0: no check); `None`: the policy's.
    pub industry_floor: Option<rust_decimal::Decimal>,
    /// `policy.toml`; `None`: the bundled profile of the ledger's year.
    pub policy: Option<crate::policy::Policy>,
    /// `assets.toml`, else the bundled rules.
    pub asset_rules: crate::compute::assets::AssetRules,
    pub benchmark: Option<crate::compute::levels::Benchmark>,
    /// What was read, for the start-up line.
    pub loaded: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CountyFile {
    industry_floor: Option<rust_decimal::Decimal>,
}

impl ServeSettings {
    pub fn load(dir: Option<&Path>) -> Result<ServeSettings, String> {
        ServeSettings::load_with(dir, None)
    }

    /// `data`: the data folder, whose `mapping/` holds the townships' own
    /// mappings when no settings folder is given.
    pub fn load_with(dir: Option<&Path>, data: Option<&Path>) -> Result<ServeSettings, String> {
        let mut s = ServeSettings::default();
        let Some(dir) = dir else {
            if let Some(data) = data {
                let per = data.join("mapping");
                s.load_township_mappings(&per, "DATA/mapping")?;
                s.mapping_dir = Some(per);
            }
            return Ok(s);
        };
        if !dir.is_dir() {
            return Err(format!("设置文件夹 {} 不存在或不是文件夹", dir.display()));
        }
        s.dir = Some(dir.to_path_buf());
        let scoring = dir.join("scoring.toml");
        if scoring.exists() {
            s.rules = Some(load_rules(Some(&scoring))?);
            s.loaded.push("评分规则 scoring.toml".into());
        }
        let indicators = dir.join("indicators");
        if indicators.is_dir() {
            s.libs = Some(crate::read::library::load_dir(&indicators)?);
            s.loaded.push("指标库 indicators/".into());
        }
        let schedule = dir.join("schedule.toml");
        if schedule.exists() {
            s.schedule = crate::policy::load_settings(
                "序时进度表",
                &schedule,
                crate::read::schedule::read_schedule,
            )?;
            s.loaded.push("序时进度表 schedule.toml".into());
        }
        let mapping = dir.join("mapping.toml");
        if mapping.exists() {
            s.mapping = std::sync::Arc::new(Mapping::load(&mapping)?);
            s.loaded.push("列名映射 mapping.toml".into());
        }
        let per = dir.join("mapping");
        s.load_township_mappings(&per, "mapping")?;
        s.mapping_dir = Some(per);
        let policy = dir.join("policy.toml");
        if policy.exists() {
            s.policy = Some(crate::policy::Policy::load(Some(&policy), None)?);
            s.loaded.push("政策口径 policy.toml".into());
        }
        let assets = dir.join("assets.toml");
        if assets.exists() {
            s.asset_rules = crate::cmd::assets::load_rules(Some(&assets))?;
            s.loaded.push("资产分类规则 assets.toml".into());
        }
        let benchmark = dir.join("benchmark.toml");
        if benchmark.exists() {
            s.benchmark = Some(crate::compute::levels::Benchmark::load(&benchmark)?);
            s.loaded.push("支付率基准 benchmark.toml".into());
        }
        let county = dir.join("county.toml");
        if county.exists() {
            let f: CountyFile =
                crate::policy::load_settings("县级汇总设置", &county, |text| {
                    toml::from_str(text).map_err(|e| crate::policy::toml_text(text, &e))
                })?;
            if let Some(floor) = f.industry_floor {
                if floor < rust_decimal::Decimal::ZERO || floor > rust_decimal::Decimal::from(100) {
                    return Err(format!(
                        "县级汇总设置 {}：industry_floor = {floor} 应在 0 到 100 之间",
                        county.display()
                    ));
                }
                s.county.industry_floor = Some(floor).filter(|f| !f.is_zero());
                s.industry_floor = Some(floor);
            }
            s.loaded.push("县级汇总设置 county.toml".into());
        }
        Ok(s)
    }

    fn load_township_mappings(&mut self, per: &Path, shown: &str) -> Result<(), String> {
        if !per.is_dir() {
            return Ok(());
        }
        let entries = std::fs::read_dir(per).map_err(|e| {
            crate::output::io_fatal(&e, format!("读取列名映射文件夹 {} ", per.display()))
        })?;
        let mut map = self.mappings.write().unwrap_or_else(|e| e.into_inner());
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml") {
                let town = p
                    .file_stem()
                    .map(|t| t.to_string_lossy().to_string())
                    .unwrap_or_default();
                map.insert(town.clone(), std::sync::Arc::new(Mapping::load(&p)?));
                self.loaded
                    .push(format!("{town} 的列名映射 {shown}/{town}.toml"));
            }
        }
        Ok(())
    }

    /// The township's own mapping, else the county's.
    pub fn mapping_for(&self, township: &str) -> std::sync::Arc<Mapping> {
        self.mappings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(township)
            .cloned()
            .unwrap_or_else(|| self.mapping.clone())
    }

    /// Whether the township has a mapping of its own.
    pub fn has_own_mapping(&self, township: &str) -> bool {
        self.mappings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(township)
    }

    /// The policy profile for a ledger of `year`: `policy.toml`, else the
    /// bundled one of that year (as `--policy` and its default).
    pub fn policy_for(&self, year: Option<i32>) -> crate::policy::Policy {
        self.policy
            .clone()
            .unwrap_or_else(|| crate::policy::Policy::bundled(year))
    }

    fn rules(&self) -> Result<crate::compute::score::ScoringRules, String> {
        match &self.rules {
            Some(r) => Ok(r.clone()),
            None => load_rules(None),
        }
    }

    fn libs(&self) -> Vec<crate::model::library::Library> {
        match &self.libs {
            Some(l) => l.clone(),
            None => crate::read::library::bundled(),
        }
    }
}

/// A stored workbook, opened for the library. `path` is a server-chosen
/// path (content hash); `name` is what the clerk called it, only shown.
pub struct Input<'a> {
    pub path: &'a Path,
    pub name: &'a str,
    /// 单位: the township of the account that submitted it.
    pub unit: &'a str,
    pub as_of: Option<NaiveDate>,
    pub settings: &'a ServeSettings,
}

/// Messages name the file the way the clerk knows it, not by its hash.
fn shown(msg: String, input: &Input) -> String {
    web_words(&msg.replace(&input.path.display().to_string(), input.name))
}

/// A library message as a page says it: the CLI's flags (`--as-of`,
/// `--mapping`…) are not something a clerk in a browser can type, so they
/// become what the clerk or the county does instead.
pub fn web_words(msg: &str) -> String {
    if !msg.contains("--") {
        return msg.to_string();
    }
    let mut m = msg.to_string();
    for (from, to) in [
        ("请加 --as-of ", "请在上传时把截止日期填为 "),
        ("：--as-of ", "："),
        ("（--as-of、", "（上传时填写的截止日期、"),
        ("--as-of、", "上传时填写的截止日期、"),
        ("（--unit 或", "（"),
        ("未指定 --as-of / --month 时", "未统一截止日期时"),
        (
            "或用 --mapping 的 [units] 指定",
            "或请县财政局在列名映射文件的 [units] 中指定",
        ),
        (
            "或用 --mapping 指定单位",
            "或请县财政局在列名映射文件中指定单位",
        ),
        ("，用 --mapping 指定", "，请县财政局放入服务的设置文件夹"),
        ("可用 --mapping 指定", "可请县财政局用列名映射文件指定"),
    ] {
        m = m.replace(from, to);
    }
    // Any flag left: not shown as a command.
    let mut out = String::with_capacity(m.len());
    let mut rest = m.as_str();
    while let Some(i) = rest.find("--") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let flag_len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(tail.len());
        if flag_len == 0 {
            out.push_str("--");
        } else {
            out.push_str("相应设置");
        }
        rest = &tail[flag_len..];
    }
    out.push_str(rest);
    out
}

/// Every problem's message in page words.
fn web_problems(problems: &mut [crate::model::Problem]) {
    for p in problems {
        if p.message.contains("--") {
            p.message = web_words(&p.message);
        }
    }
}

fn open(input: &Input, full: bool) -> Result<book::RawBook, String> {
    book::guarded(|| book::open_book_with(input.path, full))
        .unwrap_or_else(|why| Err(format!("读取时程序内部出错（{why}）")))
        .map_err(|m| shown(m, input))
}

fn outcome(input: &Input, full: bool) -> Result<Outcome, String> {
    let b = open(input, full)?;
    let mapping = input.settings.mapping_for(input.unit);
    book::guarded(|| analyse_book(input.path, b, input.as_of, Some(input.unit), &mapping))
        .unwrap_or_else(|why| Err(format!("计算时程序内部出错（{why}）")))
        .map_err(|m| shown(m, input))
}

/// `outcome` scored as `jixiao report` scores it: evaluations beside the
/// figures and every problem in the report's list.
fn scored(
    input: &Input,
    full: bool,
) -> Result<(Outcome, Vec<crate::compute::score::Evaluation>), String> {
    let mut o = outcome(input, full)?;
    let rules = input.settings.rules()?;
    let libs = input.settings.libs();
    let evals = o.score(&rules, &libs);
    if full {
        o.with_copy_notes();
    }
    Ok((o, evals))
}

/// Read and compute one workbook as `jixiao report --json` does.
pub fn analyse(input: &Input) -> Result<Analysis, String> {
    let (mut o, evals) = scored(input, true)?;
    let placeholders = summary_placeholders(&o, &evals, chrono::Local::now().date_naive());
    let notice_placeholders = notice_placeholders(input, &o, chrono::Local::now().date_naive());
    // The annotated copy adds problems of its own (as the CLI's JSON has them).
    let extra = write::report::copy_problems(&o.book);
    o.report.problems.extend(extra);
    web_problems(&mut o.report.problems);
    let report = serde_json::to_value(&o.report).map_err(|e| e.to_string())?;
    let problems = &o.report.problems;
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    let as_of = o.report.as_of;
    let ledger_unit = o
        .ledger
        .info
        .unit_name
        .clone()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    let year = o.ledger.info.year;
    // 序时进度: the 月报 of the last month ended by the cut-off, so that no
    // figure on the page counts a payment after it.
    let monthly = last_month_end(as_of).and_then(|end| {
        let month_outcome;
        let (ledger, report) = if end == as_of {
            (&o.ledger, o.report.clone())
        } else {
            let again = Input {
                as_of: Some(end),
                ..*input
            };
            month_outcome = outcome(&again, false).ok()?;
            (&month_outcome.ledger, month_outcome.report.clone())
        };
        let m = compute_monthly(ledger, report, &input.settings.schedule)?;
        serde_json::to_value(&m).ok()
    });
    Ok(Analysis {
        report,
        monthly,
        as_of,
        errors,
        warnings,
        ledger_unit,
        year,
        placeholders,
        notice_placeholders,
    })
}

/// What the clerk fills in by hand in the 结果公示 (its 【待补充：…】 places,
/// and the phone when the policy profile gives none), as `jixiao notice`
/// lists them.
fn notice_placeholders(input: &Input, o: &Outcome, start: NaiveDate) -> Vec<String> {
    let policy = policy_of(input, o);
    let n = crate::compute::notice::build(&o.ledger, &o.report, &policy);
    let post = posting_of(&policy, start, None);
    let mut out = write::notice::result_text(&n, &post, write::notice::RESULT_TEMPLATE)
        .map(|t| write::docx::markers(&write::docx::parse(&t)))
        .unwrap_or_default();
    if post.phone.is_none() {
        out.push("监督举报电话（可请县财政局在政策口径文件 [notice] phone 中填写）".into());
    }
    out
}

/// The `【待补充：…】` markers of the summary as `jixiao summary` writes it
/// (each once, in order).
fn summary_placeholders(
    o: &Outcome,
    evals: &[crate::compute::score::Evaluation],
    signed: NaiveDate,
) -> Vec<String> {
    let data = crate::compute::summary::build(&o.ledger, &o.report, evals, signed);
    let Ok(text) = write::docx::render_text(write::docx::DEFAULT_TEMPLATE, &data) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("【待补充") {
        let tail = &rest[i..];
        let Some(j) = tail.find('】') else { break };
        let item = tail[..j + '】'.len_utf8()].to_string();
        if !out.contains(&item) {
            out.push(item);
        }
        rest = &tail[j..];
    }
    out
}

/// The cut-off itself when it is a month's last day, else the end of the
/// month before.
fn last_month_end(as_of: NaiveDate) -> Option<NaiveDate> {
    match month_end(as_of.year(), as_of.month()) {
        Some(end) if end == as_of => Some(end),
        _ => NaiveDate::from_ymd_opt(as_of.year(), as_of.month(), 1)?.pred_opt(),
    }
}

fn xlsx_bytes(
    sheets: &[write::sheet::Sheet],
    kind: crate::output::Kind,
) -> Result<Vec<u8>, String> {
    write::xlsx::write_workbook(Vec::new(), sheets, kind).map_err(|e| {
        format!(
            "写出工作簿失败：程序内部出错，请把台账发给维护人员（技术信息：{}）",
            e.message(|e| e.to_string())
        )
    })
}

/// The annotated report workbook (`jixiao report`'s `-o`).
pub fn report_xlsx(input: &Input) -> Result<Vec<u8>, String> {
    let (o, _) = scored(input, true)?;
    let mut report = o.report;
    report
        .problems
        .extend(write::report::copy_problems(&o.book));
    let sheets =
        write::report::annotated_sheets(&std::sync::Arc::new(o.book), &std::sync::Arc::new(report));
    xlsx_bytes(&sheets, crate::output::Kind::Report)
}

/// The forms workbook (`jixiao report`'s `--forms`, layout A).
pub fn forms_xlsx(input: &Input) -> Result<Vec<u8>, String> {
    let (o, evals) = scored(input, false)?;
    let facts = crate::compute::summary::DocFacts::default();
    let slots = write::forms::forms_book(&o.report, &evals, &write::forms::LAYOUT_A, &facts);
    write::xlsx::write_book(Vec::new(), slots, Some(crate::output::Kind::Forms)).map_err(|e| {
        format!(
            "写出工作簿失败：程序内部出错，请把台账发给维护人员（技术信息：{}）",
            e.message(|e| e.to_string())
        )
    })
}

/// The 绩效自评总结 .docx (`jixiao summary`), signed with the unit's full
/// name (靖宇镇人民政府, not the account's 靖宇镇).
pub fn summary_docx(input: &Input, signed: NaiveDate, signer: &str) -> Result<Vec<u8>, String> {
    let (mut o, evals) = scored(input, false)?;
    o.report.unit_name = signer.to_string();
    let data = crate::compute::summary::build(&o.ledger, &o.report, &evals, signed);
    let text = write::docx::render_text(write::docx::DEFAULT_TEMPLATE, &data)?;
    write::docx::to_docx(&write::docx::parse(&text))
}

/// The workbook read and computed at a month's last day.
fn at_month_end(input: &Input, year: i32, month: u32) -> Result<Outcome, String> {
    let end = month_end(year, month).ok_or("月份无效")?;
    outcome(
        &Input {
            as_of: Some(end),
            ..*input
        },
        false,
    )
}

/// The 月报 workbook for a month (`jixiao monthly --month`).
pub fn monthly_xlsx(input: &Input, year: i32, month: u32) -> Result<Vec<u8>, String> {
    let o = at_month_end(input, year, month)?;
    let problems = o.report.problems.clone();
    let m = compute_monthly(&o.ledger, o.report, &input.settings.schedule).ok_or("月份无效")?;
    let sheets = write::monthly::monthly_sheets(&m, &problems);
    xlsx_bytes(&sheets, crate::output::Kind::Monthly)
}

/// The 绩效运行监控表 for a month (`jixiao monitor --month`).
pub fn monitor_xlsx(input: &Input, year: i32, month: u32) -> Result<Vec<u8>, String> {
    let o = at_month_end(input, year, month)?;
    let mut o = o;
    let rules = input.settings.rules()?;
    let libs = input.settings.libs();
    let evals = o.score(&rules, &libs);
    let mut problems = o.report.problems.clone();
    if let Some(y) = o.ledger.info.year.filter(|y| *y != year) {
        problems.push(crate::model::Problem::on(
            crate::model::Finding::MonitorOtherYear,
            "说明",
            format!(
                "台账是 {y} 年度的，而监控期是 {year} 年 1—{month} 月：执行数按截至月末的累计拨付计"
            ),
        ));
    }
    problems.sort_by_key(|p| p.severity);
    let sheets = write::monitor::monitor_sheets(&o.report, &evals, month, &problems);
    xlsx_bytes(&sheets, crate::output::Kind::Monitor)
}

/// `YYYY-MM` (the CLI's `--month` parser).
pub fn parse_month(s: &str) -> Result<(i32, u32), String> {
    crate::cmd::monthly::parse_month(s)
}

/// `YYYY-MM-DD` (the CLI's `--as-of` parser).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    crate::cmd::parse_date_arg(s)
}

pub fn month_last_day(year: i32, month: u32) -> Option<NaiveDate> {
    month_end(year, month)
}

/// One township's current submission, computed at a month's end, as
/// `consolidate --month` reads each file; kept by the server between
/// requests (the workbook itself is dropped).
pub struct Prepared {
    township: Township,
    /// `monthly_json(..).totals`: 序时进度 (`schedule`) and 进度差 (`gap`) of the township.
    pub pace: Value,
    /// `monthly_json(..).projects`, for the drill-down.
    pub projects: Value,
    /// The township's problems (`report --json`'s `problems`).
    pub problems: Value,
}

impl Prepared {
    /// Roughly what this keeps in memory, bytes (the county cache's bound).
    pub fn approx_bytes(&self) -> usize {
        4096 + self.projects.to_string().len() * 2
            + self.problems.to_string().len() * 2
            + self.pace.to_string().len()
    }
}

/// Problems kept per township in the county cache (the rest counted).
const PREPARED_PROBLEMS: usize = 500;

fn capped_problems(problems: &[crate::model::Problem], keep: usize) -> Result<Value, String> {
    let mut v =
        serde_json::to_value(&problems[..problems.len().min(keep)]).map_err(|e| e.to_string())?;
    if problems.len() > keep
        && let Some(a) = v.as_array_mut()
    {
        a.push(serde_json::json!({
            "severity": "提示",
            "sheet": "",
            "cell": null,
            "message": format!("… 另有 {} 条问题未列出（共 {} 条）", problems.len() - keep, problems.len()),
        }));
    }
    Ok(v)
}

/// Read one stored workbook for the county roll-up of a month.
pub fn prepare(input: &Input, year: i32, month: u32, label: &str) -> Result<Prepared, String> {
    let o = at_month_end(input, year, month)?;
    let township = Township::from_report(&o.report.unit_name, label, &o.report);
    let mut problems = o.report.problems.clone();
    web_problems(&mut problems);
    let m = compute_monthly(&o.ledger, o.report, &input.settings.schedule).ok_or("月份无效")?;
    let mj = serde_json::to_value(&m).map_err(|e| e.to_string())?;
    Ok(Prepared {
        township,
        pace: mj["totals"].clone(),
        projects: mj["projects"].clone(),
        problems: capped_problems(&problems, PREPARED_PROBLEMS)?,
    })
}

/// 序时进度 at a month's end for the county as a whole (the 月报's schedule).
pub fn schedule(settings: &ServeSettings, year: i32, month: u32) -> Option<String> {
    let end = month_end(year, month)?;
    Some(format!(
        "{:.2}",
        settings.schedule.expected(None, end, Some(year))
    ))
}

/// The county roll-up: `consolidate`'s own computation over the prepared
/// townships; `expected` is the list of township accounts (未报送).
pub struct CountyOut {
    /// The county roll-up serialised, as `consolidate --json` writes it.
    pub json: Value,
    county: std::sync::Arc<crate::compute::county::County>,
    /// The 产业 floor the roll-up checked against, percent (`None`: no check).
    pub floor: Option<f64>,
}

pub fn county(
    settings: &ServeSettings,
    prepared: &[std::sync::Arc<Prepared>],
    failed: Vec<(String, String)>,
    expected: &[String],
    year: i32,
    month: u32,
) -> Result<CountyOut, String> {
    month_end(year, month).ok_or("月份无效")?;
    let townships: Vec<Township> = prepared.iter().map(|p| p.township.clone()).collect();
    let problems: Vec<FileProblem> = failed
        .iter()
        .map(|(file, why)| {
            FileProblem::coded(
                file,
                crate::model::Finding::FileSkipped,
                format!("{why}，该文件未汇总"),
            )
        })
        .collect();
    // As `consolidate` chooses: county.toml's floor, else the policy's, else
    // the bundled profile's for the townships' latest year.
    let cs = crate::cmd::county_settings(
        settings.industry_floor,
        settings.policy.clone(),
        settings.benchmark.clone(),
        &townships,
    );
    let floor = cs.industry_floor.and_then(|d| d.to_string().parse().ok());
    let mut c = consolidate(townships, expected, &cs, problems);
    for p in &mut c.problems {
        if p.problem.message.contains("--") {
            p.problem.message = web_words(&p.problem.message);
        }
    }
    c.files_left_out = failed
        .into_iter()
        .map(|(f, _)| (f, "未能读取".to_string()))
        .collect();
    let json = serde_json::to_value(&c).map_err(|e| e.to_string())?;
    Ok(CountyOut {
        json,
        county: std::sync::Arc::new(c),
        floor,
    })
}

/// The county workbook (`consolidate -o`), with the 未报送 sheet.
pub fn county_xlsx(c: &CountyOut, title: &str) -> Result<Vec<u8>, String> {
    let sheets = write::county::county_sheets(&c.county, title, true);
    xlsx_bytes(&sheets, crate::output::Kind::County)
}

/// The county's floor on the 衔接资金 industry share, percent (what
/// `consolidate` checks against by default).
pub fn industry_floor(settings: &ServeSettings) -> Option<f64> {
    settings
        .county
        .industry_floor
        .and_then(|d| d.to_string().parse().ok())
}

/// Pretty JSON bytes as the CLI writes them.
pub fn json_bytes(v: &Value) -> Vec<u8> {
    write::json::to_bytes(v)
}

/// The policy profile for an outcome: `policy.toml`, else the bundled one
/// of the ledger's year (or its cut-off's), as `assets`/`notice` choose.
fn policy_of(input: &Input, o: &Outcome) -> crate::policy::Policy {
    input
        .settings
        .policy_for(o.report.year.or(Some(o.report.as_of.year())))
}

/// The 资产台账 (`jixiao assets`).
pub fn assets_xlsx(input: &Input) -> Result<Vec<u8>, String> {
    let o = outcome(input, true)?;
    let policy = policy_of(input, &o);
    let reg =
        crate::compute::assets::build(&o.ledger, &o.report, &input.settings.asset_rules, &policy);
    let sheets = write::assets::register_workbook(&reg);
    xlsx_bytes(&sheets, crate::output::Kind::Assets)
}

/// What a notice is posted with: from `start`, the policy's days and
/// phone; `county` for the plan's 县（市、区） column.
fn posting_of(
    policy: &crate::policy::Policy,
    start: NaiveDate,
    county: Option<&str>,
) -> write::notice::Posting {
    crate::cmd::notice::posting(
        start,
        policy.notice.days,
        policy.notice.working_days,
        Some(policy.notice.phone.clone()),
        county.map(str::to_string),
    )
}

/// The 年度计划 公示表 (`jixiao notice --stage plan`, layout 年度计划).
pub fn notice_plan_xlsx(
    input: &Input,
    start: NaiveDate,
    county: Option<&str>,
) -> Result<Vec<u8>, String> {
    let o = outcome(input, true)?;
    let policy = policy_of(input, &o);
    let n = crate::compute::notice::build(&o.ledger, &o.report, &policy);
    let post = posting_of(&policy, start, county);
    let mut problems = o.report.problems.clone();
    web_problems(&mut problems);
    let sheets =
        write::notice::plan_workbook(&n, &post, write::notice::PlanLayout::Annual, &problems);
    xlsx_bytes(&sheets, crate::output::Kind::Notice)
}

/// The 结果公示 .docx (`jixiao notice --stage result`).
pub fn notice_result_docx(
    input: &Input,
    start: NaiveDate,
    county: Option<&str>,
) -> Result<Vec<u8>, String> {
    let o = outcome(input, true)?;
    let policy = policy_of(input, &o);
    let n = crate::compute::notice::build(&o.ledger, &o.report, &policy);
    let post = posting_of(&policy, start, county);
    let text = write::notice::result_text(&n, &post, write::notice::RESULT_TEMPLATE)?;
    write::docx::to_docx(&write::docx::parse(&text))
}

/// The sheet whose header a clerk assigns (the mapping dropdowns).
#[derive(Debug, Clone, serde::Serialize)]
pub struct HeaderView {
    /// Every sheet of the workbook (the clerk may pick another).
    pub sheets: Vec<String>,
    pub sheet: String,
    /// "项目" or "拨付": the standard table the sheet is read as.
    pub role: String,
    /// The header row as Excel numbers it.
    pub row: u32,
    pub cells: Vec<HeaderCellView>,
    /// The standard columns of the role, in their order.
    pub fields: Vec<FieldChoice>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct HeaderCellView {
    /// 0-based column.
    pub col: u32,
    /// A, B, …
    pub letter: String,
    pub text: String,
    /// The standard column it is taken as now (the township's mapping, or
    /// the built-in names), if any.
    pub field: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldChoice {
    pub key: String,
    pub required: bool,
}

fn role_of(name: &str) -> Option<crate::model::standard::SheetRole> {
    use crate::model::standard::SheetRole;
    match name {
        "项目" => Some(SheetRole::Projects),
        "拨付" => Some(SheetRole::Payments),
        _ => None,
    }
}

/// A standard column's mapping key ("预算金额").
fn field_key(c: &crate::model::standard::ColumnSpec) -> String {
    crate::read::layout::normalize_header(c.header).0
}

fn cell_text(v: &calamine::Data) -> Option<String> {
    let t = match v {
        calamine::Data::Empty | calamine::Data::Error(_) => return None,
        calamine::Data::String(s) => s.clone(),
        other => other.to_string(),
    };
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then_some(t)
}

/// The header a clerk is shown: `sheet`, `role` and `row` as asked, else
/// the sheet a message names (工作表“…”), the table the reader would take,
/// the first visible sheet; the row of the first rows with the most text.
pub fn header_view(
    input: &Input,
    sheet: Option<&str>,
    role: Option<&str>,
    row: Option<u32>,
    hint: Option<&str>,
) -> Result<HeaderView, String> {
    use crate::model::standard::SheetRole;
    use crate::read::{layout, table::find_sheet};
    let book = open(input, false)?;
    if book.sheets.is_empty() {
        return Err("工作簿中没有工作表".into());
    }
    let mapping = input.settings.mapping_for(input.unit);
    let named = hint.and_then(|h| {
        let i = h.find("工作表“")? + "工作表“".len();
        let j = h[i..].find('”')?;
        Some(h[i..i + j].to_string())
    });
    let found = |r| find_sheet(&book, r, &mapping, &[]).map(|(s, _)| s.name.clone());
    let sheet = sheet
        .filter(|s| book.sheet(s).is_some())
        .map(str::to_string)
        .or(named.filter(|s| book.sheet(s).is_some()))
        .or_else(|| found(SheetRole::Projects))
        .or_else(|| {
            book.sheets
                .iter()
                .find(|s| !s.hidden)
                .map(|s| s.name.clone())
        })
        .unwrap_or_else(|| book.sheets[0].name.clone());
    let raw = book.sheet(&sheet).expect("chosen among the sheets");
    let role_name = match role.and_then(role_of) {
        Some(_) => role.unwrap_or("项目").to_string(),
        None if found(SheetRole::Payments).as_deref() == Some(sheet.as_str())
            && found(SheetRole::Projects).as_deref() != Some(sheet.as_str()) =>
        {
            "拨付".to_string()
        }
        None => "项目".to_string(),
    };
    let role = role_of(&role_name).unwrap_or(SheetRole::Projects);
    let first = raw.first_row();
    let row0 = match row.filter(|r| *r >= 1) {
        Some(r) => r - 1,
        None => match mapping.header_rows(role) {
            Some((r, depth)) => r + depth - 1,
            None => (first..(first + layout::HEADER_SEARCH_ROWS).min(raw.end_row()))
                .max_by_key(|r| {
                    let n = raw
                        .row_cells(*r)
                        .iter()
                        .filter(
                            |(_, v)| matches!(v, calamine::Data::String(s) if !s.trim().is_empty()),
                        )
                        .count();
                    (n, std::cmp::Reverse(*r))
                })
                .unwrap_or(first),
        },
    };
    let spec = layout::sheet_spec(role);
    let mut taken: Vec<String> = Vec::new();
    let cells = raw
        .row_cells(row0)
        .iter()
        .filter_map(|(col, v)| {
            let text = cell_text(v)?;
            let key = layout::normalize_header(&text).0;
            let field = spec
                .readable()
                .find(|c| mapping.column_alias(role, c.header).as_deref() == Some(key.as_str()))
                .or_else(|| spec.readable().find(|c| layout::header_matches(c, &key)))
                .map(field_key)
                .filter(|f| !taken.contains(f));
            if let Some(f) = &field {
                taken.push(f.clone());
            }
            Some(HeaderCellView {
                col: *col,
                letter: crate::model::col_name(*col),
                text,
                field,
            })
        })
        .collect();
    Ok(HeaderView {
        sheets: book.sheets.iter().map(|s| s.name.clone()).collect(),
        sheet,
        role: role_name,
        row: row0 + 1,
        cells,
        fields: spec
            .readable()
            .map(|c| FieldChoice {
                key: field_key(c),
                required: c.required,
            })
            .collect(),
    })
}

/// A mapping as its file is written (the format `read::mapping` reads).
#[derive(serde::Serialize, Default)]
struct MappingFile {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    sheets: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    units: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    header_rows: BTreeMap<String, Vec<u32>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    skip_rows: BTreeMap<String, Vec<u32>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    categories: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    columns: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    defaults: BTreeMap<String, BTreeMap<String, String>>,
}

use std::collections::BTreeMap;

/// The township's mapping with one sheet's assignment in place of what it
/// said for that table: `assigned` is (column, standard key). The text of
/// the mapping file, or a message for the clerk.
pub fn mapping_with(
    input: &Input,
    sheet: &str,
    role: &str,
    row: u32,
    assigned: &[(u32, String)],
) -> Result<String, String> {
    let r = role_of(role).ok_or_else(|| format!("“{role}”不是可指定的表（项目 / 拨付）"))?;
    let book = open(input, false)?;
    let raw = book
        .sheet(sheet)
        .ok_or_else(|| format!("工作簿中没有工作表“{sheet}”"))?;
    if row == 0 || row > raw.end_row().max(1) {
        return Err(format!("表头行号 {row} 不在工作表“{sheet}”中"));
    }
    let spec = crate::read::layout::sheet_spec(r);
    let mut columns = BTreeMap::new();
    for (col, key) in assigned {
        if !spec.readable().any(|c| field_key(c) == *key) {
            return Err(format!("“{key}”不是{role}表的标准列"));
        }
        if columns.contains_key(key) {
            return Err(format!("“{key}”被指定给了两列，每个标准列只能对应一列"));
        }
        let text = cell_text(raw.cell(row - 1, *col)).ok_or_else(|| {
            format!(
                "工作表“{sheet}”第 {row} 行 {} 列是空的，不能作为“{key}”",
                crate::model::col_name(*col)
            )
        })?;
        columns.insert(key.clone(), text);
    }
    let m = input.settings.mapping_for(input.unit);
    let b = |h: &std::collections::HashMap<String, String>| -> BTreeMap<String, String> {
        h.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    let mut f = MappingFile {
        sheets: b(&m.sheets),
        units: b(&m.units),
        header_rows: m
            .header_rows
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        skip_rows: m
            .skip_rows
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        categories: b(&m.categories),
        columns: m.columns.iter().map(|(k, v)| (k.clone(), b(v))).collect(),
        defaults: m.defaults.iter().map(|(k, v)| (k.clone(), b(v))).collect(),
    };
    f.sheets.insert(role.to_string(), sheet.to_string());
    f.header_rows.insert(role.to_string(), vec![row]);
    f.columns.insert(role.to_string(), columns);
    let text = toml::to_string(&f).map_err(|e| format!("列名映射无法写出：{e}"))?;
    Ok(format!(
        "# {} 的列名映射：在报送页上指定（jixiao serve），格式同 --mapping 文件\n{text}",
        input.unit
    ))
}

/// A `reading` field name as a clerk reads it (budget → 预算金额).
pub fn field_label(field: Option<&str>) -> String {
    write::reading::field_label(field)
}
