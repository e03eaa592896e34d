//! `jixiao monitor WORKBOOK --month YYYY-MM`: the 绩效运行监控表, one sheet
//! per project, figures as of the month's last day.

use crate::compute::monthly::month_end;
use crate::model::Severity;
use crate::read::mapping::Mapping;
use crate::write;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// 项目台账工作簿（.xlsx / .xlsm / .xls / .ods）
    pub workbook: PathBuf,
    /// 监控期末月份 YYYY-MM（常为 7 月），按该月最后一天计算
    #[arg(long, value_parser = super::monthly::parse_month)]
    pub month: (i32, u32),
    /// 监控表工作簿路径（默认：输入文件旁的“<文件名>-运行监控-YYYY-MM.xlsx”）
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
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

pub fn run(args: &Args) -> Result<i32, String> {
    let (year, month) = args.month;
    let output = match &args.output {
        Some(o) => crate::output::xlsx_path(o, "-o")?,
        None => {
            super::report::default_output(&args.workbook, &format!("运行监控-{year:04}-{month:02}"))
        }
    };
    let mut plan = crate::output::Plan::new(args.force);
    let output = plan.add(&output, "运行监控表")?;
    plan.not_input(&args.workbook)?;
    if let Some(p) = &args.mapping {
        plan.not_input(p)?;
    }
    // Free space for about this much is checked with the lock.
    plan.expect_inputs([args.workbook.as_path()], 2);
    plan.lock()?;
    let mapping = Mapping::load_opt(args.mapping.as_deref())?;
    let as_of = month_end(year, month).ok_or_else(|| format!("{year}-{month:02} 不是有效月份"))?;
    let mut outcome =
        crate::analysis::analyse(&args.workbook, Some(as_of), args.unit.as_deref(), &mapping)?;
    let rules = crate::analysis::load_rules(None)?;
    let libs = crate::read::library::bundled();
    let evals = outcome.score(&rules, &libs);
    let mut problems = outcome.report.problems.clone();
    // 监控 covers months of the ledger's own year; another year's month is
    // almost always a slip (a 2023 ledger monitored "to 2024-07").
    if let Some(y) = outcome.ledger.info.year.filter(|y| *y != year) {
        let msg = format!(
            "台账是 {y} 年度的，而监控期是 {year} 年 1—{month} 月：执行数按截至 {as_of} 的累计拨付计；如要监控 {y} 年，请用 --month {y}-{month:02}"
        );
        let finding = crate::model::Finding::MonitorOtherYear;
        eprintln!("提示 {}：{msg}", finding.code());
        problems.push(crate::model::Problem::on(finding, "说明", msg));
    }
    problems.sort_by_key(|p| p.severity);
    let sheets = write::monitor::monitor_sheets(&outcome.report, &evals, month, &problems);
    let mut stage = plan.stage()?;
    stage.xlsx(&output, &sheets, crate::output::Kind::Monitor)?;
    stage.commit()?;
    let t = &outcome.report.totals;
    eprintln!(
        "{} {}年1—{}月：{} 个项目，预算 {} 万元，执行 {} 万元，执行率 {}",
        outcome.report.unit_name,
        year,
        month,
        t.project_count,
        write::json::amount(t.budget),
        write::json::amount(t.paid),
        write::json::rate(t.execution_rate)
            .map(|r| format!("{r}%"))
            .unwrap_or_else(|| "—".into())
    );
    eprintln!(
        "已写出 {}（每个项目一张“监控-编号”表，黄色单元格待填）",
        output.display()
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
