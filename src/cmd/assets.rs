//! `jixiao assets LEDGER -o 资产台账.xlsx`: the 帮扶项目资产 register
//! skeleton of every completed project, its summaries and checks.

use crate::compute::assets::{self, AssetRules};
use crate::model::Severity;
use crate::policy::Policy;
use crate::read::mapping::Mapping;
use crate::write;
use chrono::NaiveDate;
use clap::Args as ClapArgs;
use std::path::{Path, PathBuf};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// 项目台账工作簿（.xlsx / .xlsm / .xls / .ods）
    pub workbook: PathBuf,
    /// 截止日期 YYYY-MM-DD：此日及以前完工的项目登记（默认取“说明”表的截止日期，再无则为今天）
    #[arg(long = "as-of", value_parser = super::parse_date_arg)]
    pub as_of: Option<NaiveDate>,
    /// 资产台账工作簿路径（默认：输入文件旁的“<文件名>-资产台账.xlsx”）
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// 同时写出 JSON 数据
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// 资产分类规则（TOML，默认内置 templates/assets.toml）
    #[arg(long, value_name = "文件")]
    pub rules: Option<PathBuf>,
    #[command(flatten)]
    pub ledger: super::LedgerArgs,
}

pub fn load_rules(path: Option<&Path>) -> Result<AssetRules, String> {
    match path {
        Some(p) => crate::policy::load_settings("资产分类规则", p, |text| {
            AssetRules::from_toml(text, &p.display().to_string())
        }),
        None => Ok(AssetRules::default()),
    }
}

/// The register of one ledger, as `serve` would offer it: read and computed
/// by the shared pipeline, then classed. `Err` is fatal.
pub fn register(
    workbook: &Path,
    as_of: Option<NaiveDate>,
    unit: Option<&str>,
    mapping: &Mapping,
    rules: &AssetRules,
    policy: Option<&Path>,
) -> Result<assets::Register, String> {
    let outcome = crate::analysis::analyse(workbook, as_of, unit, mapping)?;
    let policy = Policy::load(
        policy,
        outcome
            .report
            .year
            .or(Some(chrono::Datelike::year(&outcome.report.as_of))),
    )?;
    Ok(assets::build(
        &outcome.ledger,
        &outcome.report,
        rules,
        &policy,
    ))
}

pub fn run(args: &Args) -> Result<i32, String> {
    let output = match &args.output {
        Some(o) => crate::output::xlsx_path(o, "-o")?,
        None => super::report::default_output(&args.workbook, "资产台账"),
    };
    let mut plan = crate::output::Plan::new(args.ledger.force);
    let output = plan.add(&output, "资产台账")?;
    if let Some(j) = &args.json {
        plan.add(j, "JSON 文件")?;
    }
    plan.not_input(&args.workbook)?;
    for p in [&args.ledger.mapping, &args.rules, &args.ledger.policy]
        .into_iter()
        .flatten()
    {
        plan.not_input(p)?;
    }
    plan.lock()?;
    let rules = load_rules(args.rules.as_deref())?;
    let mapping = Mapping::load_opt(args.ledger.mapping.as_deref())?;
    let reg = register(
        &args.workbook,
        args.as_of,
        args.ledger.unit.as_deref(),
        &mapping,
        &rules,
        args.ledger.policy.as_deref(),
    )?;
    let sheets = write::assets::register_workbook(&reg);
    let mut stage = plan.stage()?;
    stage.xlsx(&output, &sheets, crate::output::Kind::Assets)?;
    if let Some(j) = &args.json {
        stage.bytes(j, &write::json::to_bytes(&reg))?;
    }
    stage.commit()?;
    eprintln!(
        "{}：截止 {}，登记资产 {} 项，价值 {} 万元（{}）；不形成资产 {} 项，未完工 {} 项；需核对 {} 处，见“核对”表",
        reg.unit,
        reg.as_of,
        reg.assets.len(),
        write::json::amount(reg.total_value),
        reg.by_class
            .iter()
            .filter(|r| r.count > 0)
            .map(|r| format!(
                "{} {} 项 {} 万元",
                r.key,
                r.count,
                write::json::amount(r.value)
            ))
            .collect::<Vec<_>>()
            .join("，"),
        reg.not_assets.len(),
        reg.not_completed.len(),
        reg.checks.len()
    );
    if let Some(b) = &reg.excluded {
        eprintln!("注意：{b}；这些项目不在资产台账中");
    }
    let errors: Vec<_> = reg
        .problems
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
