//! `jixiao notice LEDGER --stage plan|result`: 公告公示 from the ledger —
//! the 年度计划 table to post (xlsx) or the 结果公示 (.docx, 公文 layout).

use crate::compute::notice::{self, Notice};
use crate::model::{Problem, Severity};
use crate::policy::Policy;
use crate::read::mapping::Mapping;
use crate::write::{self, docx, notice::Posting};
use chrono::{Datelike, NaiveDate};
use clap::Args as ClapArgs;
use std::path::{Path, PathBuf};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// 年度计划 / 项目库公示（xlsx）
    Plan,
    /// 结果公示（docx）
    Result,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanLayoutArg {
    /// 年度计划（文峰区 2026 表式）
    Annual,
    /// 项目库（巴南 2026 表式）
    Library,
}

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// 项目台账工作簿（.xlsx / .xlsm / .xls / .ods）
    pub workbook: PathBuf,
    /// plan = 年度计划公示（xlsx）；result = 项目实施结果公示（docx）
    #[arg(long, value_enum, value_name = "阶段")]
    pub stage: Stage,
    /// 截止日期 YYYY-MM-DD：结果公示列此日及以前完工的项目（默认取“说明”表的截止日期，再无则为今天）
    #[arg(long = "as-of", value_parser = super::parse_date_arg)]
    pub as_of: Option<NaiveDate>,
    /// 输出文件（默认：输入文件旁的“<文件名>-计划公示.xlsx”或“<文件名>-结果公示.docx”）
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// 同时写出 JSON 数据
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// 计划公示的表式：annual = 年度计划（默认）；library = 项目库
    #[arg(
        long = "plan-layout",
        value_enum,
        default_value = "annual",
        value_name = "表式"
    )]
    pub plan_layout: PlanLayoutArg,
    /// 公示开始日期 YYYY-MM-DD（默认今天），也是落款日期
    #[arg(long = "date", value_name = "日期", value_parser = super::parse_date_arg)]
    pub date: Option<NaiveDate>,
    /// 公示天数（默认取政策口径 [notice] days，内置为 10 天；working_days = true 时按工作日计）
    #[arg(long, value_name = "天数")]
    pub days: Option<u32>,
    /// 县级监督举报电话（默认取政策口径 [notice] phone，再无则留空待填）
    #[arg(long, value_name = "电话")]
    pub phone: Option<String>,
    /// 年度计划表“县（市、区）”一栏（不给则留空待填）
    #[arg(long, value_name = "县名")]
    pub county: Option<String>,
    /// 结果公示模板（minijinja 文本，默认内置 templates/notice/结果公示.txt）
    #[arg(long, value_name = "文件")]
    pub template: Option<PathBuf>,
    #[command(flatten)]
    pub ledger: super::LedgerArgs,
}

/// The notice of one ledger and the ledger's problems, as `serve` would
/// build it: the shared pipeline, then `compute::notice`.
pub fn notice_of(
    workbook: &Path,
    as_of: Option<NaiveDate>,
    unit: Option<&str>,
    mapping: &Mapping,
    policy: Option<&Path>,
) -> Result<(Notice, Vec<Problem>, Policy), String> {
    let outcome = crate::analysis::analyse(workbook, as_of, unit, mapping)?;
    let year = outcome.report.year.or(Some(outcome.report.as_of.year()));
    let policy = Policy::load(policy, year)?;
    let n = notice::build(&outcome.ledger, &outcome.report, &policy);
    Ok((n, outcome.report.problems, policy))
}

/// 公示期: `days` days from `start`, both ends included; working days
/// count Monday to Friday only (holidays are the clerk's `--days`).
pub fn posting(
    start: NaiveDate,
    days: u32,
    working_days: bool,
    phone: Option<String>,
    county: Option<String>,
) -> Posting {
    let days = days.max(1);
    let end = if working_days {
        let mut d = start;
        let mut counted = 0;
        loop {
            if d.weekday().number_from_monday() <= 5 {
                counted += 1;
                if counted == days {
                    break d;
                }
            }
            match d.succ_opt() {
                Some(next) => d = next,
                None => break d,
            }
        }
    } else {
        start + chrono::Duration::days(days as i64 - 1)
    };
    Posting {
        start,
        end,
        days,
        working_days,
        phone: phone.filter(|p| !p.trim().is_empty()),
        county: county.filter(|c| !c.trim().is_empty()),
    }
}

pub fn run(args: &Args) -> Result<i32, String> {
    let output = match (&args.output, args.stage) {
        (Some(o), Stage::Plan) => crate::output::xlsx_path(o, "-o")?,
        (Some(o), Stage::Result) => {
            let ext = o.extension().map(|e| e.to_string_lossy().to_lowercase());
            match ext.as_deref() {
                Some("docx") => o.clone(),
                None => o.with_extension("docx"),
                Some(e) => {
                    return Err(crate::model::Finding::BadArguments.fatal(format!(
                        "-o {}：结果公示写成 .docx（不是 .{e}）；请改为 {}",
                        o.display(),
                        o.with_extension("docx").display()
                    )));
                }
            }
        }
        (None, Stage::Plan) => super::report::default_output(&args.workbook, "计划公示"),
        (None, Stage::Result) => {
            super::report::default_output(&args.workbook, "结果公示").with_extension("docx")
        }
    };
    if args.days == Some(0) {
        return Err(crate::model::Finding::BadArguments
            .fatal("--days 须至少为 1 天（公示期一般不少于 10 天）"));
    }
    let mut plan = crate::output::Plan::new(args.ledger.force);
    let output = plan.add(
        &output,
        match args.stage {
            Stage::Plan => "计划公示表",
            Stage::Result => "结果公示文档",
        },
    )?;
    if let Some(j) = &args.json {
        plan.add(j, "JSON 文件")?;
    }
    plan.not_input(&args.workbook)?;
    for p in [&args.ledger.mapping, &args.template, &args.ledger.policy]
        .into_iter()
        .flatten()
    {
        plan.not_input(p)?;
    }
    plan.lock()?;
    let template = match &args.template {
        Some(p) => std::fs::read_to_string(p).map_err(|e| {
            crate::output::io_fatal(&e, format!("读取结果公示模板 {} ", p.display()))
        })?,
        None => write::notice::RESULT_TEMPLATE.to_string(),
    };
    let mapping = Mapping::load_opt(args.ledger.mapping.as_deref())?;
    let (n, problems, policy) = notice_of(
        &args.workbook,
        args.as_of,
        args.ledger.unit.as_deref(),
        &mapping,
        args.ledger.policy.as_deref(),
    )?;
    let days = args.days.unwrap_or(policy.notice.days);
    if days < 10 {
        eprintln!("提示：公示期 {days} 天，少于公告公示要求的 10 天");
    }
    let start = args
        .date
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let phone = args
        .phone
        .clone()
        .or_else(|| Some(policy.notice.phone.clone()));
    let post = posting(
        start,
        days,
        policy.notice.working_days,
        phone,
        args.county.clone(),
    );
    let mut stage = plan.stage()?;
    let markers = match args.stage {
        Stage::Plan => {
            let layout = match args.plan_layout {
                PlanLayoutArg::Annual => write::notice::PlanLayout::Annual,
                PlanLayoutArg::Library => write::notice::PlanLayout::Library,
            };
            let sheets = write::notice::plan_workbook(&n, &post, layout, &problems);
            stage.xlsx(&output, &sheets, crate::output::Kind::Notice)?;
            Vec::new()
        }
        Stage::Result => {
            let text = write::notice::result_text(&n, &post, &template)?;
            let blocks = docx::parse(&text);
            stage.bytes(&output, &docx::to_docx(&blocks)?)?;
            docx::markers(&blocks)
        }
    };
    if let Some(j) = &args.json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            stage: &'static str,
            #[serde(flatten)]
            notice: &'a Notice,
            posting: &'a Posting,
            problems: &'a [Problem],
        }
        let out = Out {
            stage: match args.stage {
                Stage::Plan => "plan",
                Stage::Result => "result",
            },
            notice: &n,
            posting: &post,
            problems: &problems,
        };
        stage.bytes(j, &write::json::to_bytes(&out))?;
    }
    stage.commit()?;
    match args.stage {
        Stage::Plan => eprintln!(
            "{}：计划公示 {} 个项目，投资概算 {} 万元；公示期 {} 至 {}",
            n.unit,
            n.plan.len(),
            write::json::amount(n.plan_total),
            post.start,
            post.end
        ),
        Stage::Result => eprintln!(
            "{}：结果公示 {} 个已完工项目（截止 {}），未完工 {} 个未列入",
            n.unit,
            n.projects.len(),
            n.as_of,
            n.not_completed.len()
        ),
    }
    if let Some(b) = &n.excluded {
        eprintln!("注意：{b}；这些项目不在公示中");
    }
    for c in &n.checks {
        eprintln!("  [核对] {}（{}）：{}", c.name, c.project_id, c.message);
    }
    for m in &markers {
        eprintln!("  [待补充] {m}");
    }
    if post.phone.is_none() {
        eprintln!("  [待补充] 监督举报电话（--phone）");
    }
    let errors: Vec<_> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    for p in errors.iter().take(20) {
        eprintln!("  [错误] {}", p.message);
    }
    Ok(if errors.is_empty() {
        crate::exit::OK
    } else {
        crate::exit::PROBLEMS
    })
}
