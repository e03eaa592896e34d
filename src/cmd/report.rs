//! `jixiao report WORKBOOK`: the annotated workbook and its figures.

use crate::compute::{Report, compute_report};
use crate::model::{Problem, Severity};
use crate::read::{self, Ledger, book, mapping::Mapping};
use crate::write;
use chrono::NaiveDate;
use clap::Args as ClapArgs;
use std::path::{Path, PathBuf};

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum FormLayout {
    A,
    B,
}

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// 项目台账工作簿（.xlsx / .xlsm / .xls / .ods）
    pub workbook: PathBuf,
    /// 截止日期 YYYY-MM-DD（默认取“说明”表的截止日期，再无则为今天）
    #[arg(long = "as-of", value_parser = super::parse_date_arg)]
    pub as_of: Option<NaiveDate>,
    /// 报告工作簿路径（默认：输入文件旁的“<文件名>-报告.xlsx”）
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// 同时写出 JSON 数据
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// 单位名称（默认取“说明”表的单位名称）
    #[arg(long)]
    pub unit: Option<String>,
    /// 列名映射文件（TOML），用于表头与标准不一致的台账
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// 绩效表工作簿路径（默认：报告工作簿旁的“<输入文件名>-绩效表.xlsx”）
    #[arg(long)]
    pub forms: Option<PathBuf>,
    /// 不写绩效表（只要执行情况时用；大台账上省时省内存）
    #[arg(long = "no-forms", conflicts_with = "forms")]
    pub no_forms: bool,
    /// 自评表格式：a = 财预〔2020〕10号附件（默认）；b = 衔接资金“绩效目标自评表”（分值在指标值前）
    #[arg(long = "form-layout", value_enum, default_value = "a")]
    pub form_layout: FormLayout,
    /// 评分规则（TOML，默认 templates/scoring.toml 的内容）
    #[arg(long)]
    pub scoring: Option<PathBuf>,
    /// 指标库文件夹（默认内置 templates/indicators/）
    #[arg(long)]
    pub indicators: Option<PathBuf>,
    /// 覆盖已存在的输出文件
    #[arg(long)]
    pub force: bool,
}

/// Everything one workbook yields; `monthly` and `consolidate` build on it.
pub struct Outcome {
    pub book: book::RawBook,
    pub ledger: Ledger,
    pub report: Report,
    /// Reader's and computation's problems, errors first.
    pub problems: Vec<Problem>,
}

/// Read and compute one workbook. `Err` is fatal for this file.
pub fn analyse(
    path: &Path,
    as_of: Option<NaiveDate>,
    unit: Option<&str>,
    mapping: &Mapping,
) -> Result<Outcome, String> {
    analyse_book(path, book::open_book(path)?, as_of, unit, mapping)
}

/// Read and compute an opened workbook: the one path `report`, `monthly`
/// and `consolidate` share.
pub fn analyse_book(
    path: &Path,
    book: book::RawBook,
    as_of: Option<NaiveDate>,
    unit: Option<&str>,
    mapping: &Mapping,
) -> Result<Outcome, String> {
    let mut ledger = read::read_ledger_with(&book, mapping)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let (settled, notes) = crate::settle::settle(
        as_of,
        unit,
        &ledger.info,
        &stem,
        chrono::Local::now().date_naive(),
    );
    ledger.problems.extend(notes);
    let (as_of, unit_name) = (settled.as_of, settled.unit_name.clone());
    let mut report = compute_report(&ledger, as_of, &unit_name);
    report.as_of_source = settled.as_of_source.label().to_string();
    let mut problems: Vec<Problem> = ledger
        .problems
        .iter()
        .chain(&report.problems)
        .cloned()
        .collect();
    problems.sort_by_key(|p| p.severity);
    Ok(Outcome {
        book,
        ledger,
        report,
        problems,
    })
}

pub fn load_rules(path: Option<&Path>) -> Result<crate::compute::score::ScoringRules, String> {
    match path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("无法读取评分规则 {}：{e}", p.display()))?;
            crate::compute::score::ScoringRules::from_toml(&text)
                .map_err(|e| format!("评分规则 {} 有误：{e}", p.display()))
        }
        None => Ok(crate::compute::score::ScoringRules::default()),
    }
}

pub fn default_output(input: &Path, suffix: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "jixiao".into());
    input.with_file_name(format!("{stem}-{suffix}.xlsx"))
}

pub fn run(args: &Args) -> Result<i32, String> {
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&args.workbook, "报告"));
    super::check_output(&args.workbook, &output, args.force)?;
    // Beside the report: `-o` into a folder puts both outputs there.
    let forms: PathBuf = args.forms.clone().unwrap_or_else(|| {
        let beside = default_output(&args.workbook, "绩效表");
        match (output.parent(), beside.file_name()) {
            (Some(dir), Some(name)) => dir.join(name),
            _ => beside,
        }
    });
    if !args.no_forms {
        super::check_output(&args.workbook, &forms, args.force)?;
    }
    if let Some(j) = &args.json {
        super::check_output(&args.workbook, j, args.force)?;
    }
    let clash = |a: &Path, b: &Path| super::same_file(a, b);
    if clash(&forms, &output)
        || args
            .json
            .as_deref()
            .is_some_and(|j| clash(j, &forms) || clash(j, &output))
    {
        return Err("报告工作簿、绩效表和 JSON 须是不同的文件".into());
    }
    let rules = load_rules(args.scoring.as_deref())?;
    let libs = match &args.indicators {
        Some(d) => crate::compute::draft::load_dir(d)?,
        None => crate::compute::draft::bundled(),
    };
    let mapping = Mapping::load_opt(args.mapping.as_deref())?;
    let laps = super::Laps::new();
    let outcome = analyse(&args.workbook, args.as_of, args.unit.as_deref(), &mapping)?;
    laps.lap("read+compute");
    for (sheet, role) in &outcome.ledger.sheet_roles {
        eprintln!("工作表“{sheet}”：{}", read::role_name(*role));
    }
    let (evals, eval_problems) =
        crate::compute::score::evaluate_all(&outcome.ledger, &outcome.report, &rules, &libs);
    let mut problems = outcome.problems.clone();
    problems.extend(eval_problems);
    problems.sort_by_key(|p| p.severity);
    let (sheets, extra) = write::report::annotated_workbook(
        &outcome.book,
        &outcome.ledger,
        &outcome.report,
        &problems,
    );
    problems.extend(extra);
    laps.lap("sheet model");
    let json = args.json.as_ref().map(|_| {
        write::json::to_bytes(&write::json::report_json(
            &outcome.report,
            &problems,
            Some(&evals),
        ))
    });
    write::xlsx::save_atomic(&sheets, &output, args.force)?;
    laps.lap("xlsx written");
    if !args.no_forms {
        write::xlsx::save_atomic(
            &write::forms::forms_workbook(
                &outcome.report,
                &outcome.ledger,
                &evals,
                match args.form_layout {
                    FormLayout::A => &write::forms::LAYOUT_A,
                    FormLayout::B => &write::forms::LAYOUT_B,
                },
            ),
            &forms,
            args.force,
        )?;
        laps.lap("forms written");
    }
    if let (Some(path), Some(json)) = (&args.json, json) {
        write::xlsx::write_atomic(path, &json, args.force)?;
    }
    let t = &outcome.report.totals;
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    eprintln!(
        "{}：截止 {}（来源：{}），{} 个项目，预算 {} 万元，已拨付 {} 万元，执行率 {}",
        outcome.report.unit_name,
        outcome.report.as_of,
        outcome.report.as_of_source,
        t.project_count,
        write::json::amount(t.budget),
        write::json::amount(t.paid),
        write::json::rate(t.execution_rate)
            .map(|r| format!("{r}%"))
            .unwrap_or_else(|| "—".into())
    );
    eprintln!("已写出 {}", output.display());
    if !args.no_forms {
        eprintln!("已写出 {}（绩效目标申报表、自评表）", forms.display());
    }
    if let Some(j) = &args.json {
        eprintln!("已写出 {}", j.display());
    }
    if errors + warnings > 0 {
        eprintln!("发现问题：错误 {errors} 条，提示 {warnings} 条，详见“问题清单”工作表");
        for p in problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .take(20)
        {
            eprintln!("  [错误] {}", p.message);
        }
    }
    Ok(if errors > 0 {
        crate::exit::PROBLEMS
    } else {
        crate::exit::OK
    })
}
