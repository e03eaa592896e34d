//! `jixiao monthly WORKBOOK --month YYYY-MM`: the month's progress report.

use crate::compute::monthly::{Schedule, compute_monthly, month_end};
use crate::model::Severity;
use crate::read::mapping::Mapping;
use crate::write;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// 项目台账工作簿（.xlsx / .xlsm / .xls / .ods）
    pub workbook: PathBuf,
    /// 月份 YYYY-MM，按该月最后一天计算
    #[arg(long, value_parser = parse_month)]
    pub month: (i32, u32),
    /// 月报工作簿路径（默认：输入文件旁的“<文件名>-月报-YYYY-MM.xlsx”）
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// 同时写出 JSON 数据
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// 序时进度表（TOML）；默认按月均匀（月份 ÷ 12）
    #[arg(long)]
    pub schedule: Option<PathBuf>,
    /// 单位名称（默认取“说明”表的单位名称）
    #[arg(long)]
    pub unit: Option<String>,
    /// 列名映射文件（TOML）
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// 覆盖已存在的输出文件
    #[arg(long)]
    pub force: bool,
}

pub fn parse_month(s: &str) -> Result<(i32, u32), String> {
    let bad = || format!("“{s}”不是有效月份，请写成 YYYY-MM，例如 2024-03");
    let t = crate::read::value::fold_width(s.trim());
    let t = t.trim_end_matches('月');
    let (y, m) = t.split_once(['-', '/', '.', '年']).ok_or_else(bad)?;
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if !(2000..=2099).contains(&y) || !(1..=12).contains(&m) {
        return Err(bad());
    }
    Ok((y, m))
}

pub fn run(args: &Args) -> Result<i32, String> {
    let (year, month) = args.month;
    let mut plan = crate::output::Plan::new(args.force);
    let output = match &args.output {
        Some(o) => crate::output::xlsx_path(o, "-o")?,
        None => {
            super::report::default_output(&args.workbook, &format!("月报-{year:04}-{month:02}"))
        }
    };
    let output = plan.add(&output, "月报工作簿")?;
    if let Some(j) = &args.json {
        plan.add(j, "JSON 文件")?;
    }
    plan.not_input(&args.workbook)?;
    for p in [&args.mapping, &args.schedule].into_iter().flatten() {
        plan.not_input(p)?;
    }
    // Free space for about this much is checked with the lock.
    plan.expect_inputs([args.workbook.as_path()], 2);
    plan.lock()?;
    let schedule = match &args.schedule {
        Some(p) => {
            crate::policy::load_settings("序时进度表", p, crate::read::schedule::read_schedule)?
        }
        None => Schedule::default(),
    };
    let mapping = Mapping::load_opt(args.mapping.as_deref())?;
    let as_of = month_end(year, month).ok_or_else(|| format!("{year}-{month:02} 不是有效月份"))?;
    let outcome =
        crate::analysis::analyse(&args.workbook, Some(as_of), args.unit.as_deref(), &mapping)?;
    let problems = outcome.report.problems.clone();
    let m = compute_monthly(&outcome.ledger, outcome.report, &schedule).ok_or("月份无效")?;
    let sheets = write::monthly::monthly_sheets(&m, &problems);
    let json = args
        .json
        .as_ref()
        .map(|_| write::json::to_bytes(&write::monthly::monthly_json(&m, &problems)));
    let mut stage = plan.stage()?;
    stage.xlsx(&output, &sheets, crate::output::Kind::Monthly)?;
    if let (Some(p), Some(j)) = (&args.json, json) {
        stage.bytes(p, &j)?;
    }
    stage.commit()?;
    let behind = m.projects.iter().filter(|p| p.pace.is_behind()).count();
    let t = &m.totals;
    eprintln!(
        "{} {}年{}月：本月拨付 {} 万元，累计 {} 万元，支出进度 {}，序时进度 {:.2}%，进度滞后项目 {} 个",
        m.report.unit_name,
        year,
        month,
        write::json::amount(t.pace.paid_this_month),
        write::json::amount(t.figures.paid),
        write::json::rate(t.figures.execution_rate)
            .map(|r| format!("{r}%"))
            .unwrap_or_else(|| "—".into()),
        t.pace.schedule,
        behind
    );
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    Ok(if errors > 0 {
        crate::exit::PROBLEMS
    } else {
        crate::exit::OK
    })
}
