//! `jixiao report WORKBOOK`: the annotated workbook and its figures.

use crate::analysis::{analyse, load_rules};
use crate::model::Severity;
use crate::read::{self, mapping::Mapping};
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
    /// 绩效表工作簿路径（默认：报告工作簿旁的“<报告文件名>-绩效表.xlsx”，报告文件名末尾的“-报告”去掉）
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

pub fn default_output(input: &Path, suffix: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "jixiao".into());
    input.with_file_name(format!("{stem}-{suffix}.xlsx"))
}

/// `<stem>-<suffix>.xlsx` beside `path`, a trailing `-报告` of the stem
/// dropped: the forms of `靖宇-报告.xlsx` are `靖宇-绩效表.xlsx`, those of
/// `-o r.xlsx` are `r-绩效表.xlsx`.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "jixiao".into());
    let stem = match stem.strip_suffix("-报告") {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => stem,
    };
    path.with_file_name(format!("{stem}-{suffix}.xlsx"))
}

pub fn run(args: &Args) -> Result<i32, String> {
    // Every output checked, and their folders locked, before any input is read.
    let mut plan = crate::output::Plan::new(args.force);
    let output = match &args.output {
        Some(o) => crate::output::xlsx_path(o, "-o")?,
        None => default_output(&args.workbook, "报告"),
    };
    let output = plan.add(&output, "报告工作簿")?;
    // The forms follow `-o`: `<report stem>-绩效表.xlsx` beside the report.
    let forms = match &args.forms {
        Some(f) => crate::output::xlsx_path(f, "--forms")?,
        None => sibling(&output, "绩效表"),
    };
    if !args.no_forms {
        plan.add(&forms, "绩效表工作簿")?;
    }
    if let Some(j) = &args.json {
        plan.add(j, "JSON 文件")?;
    }
    plan.not_input(&args.workbook)?;
    for p in [&args.mapping, &args.scoring].into_iter().flatten() {
        plan.not_input(p)?;
    }
    // Free space for about this much is checked with the lock.
    plan.expect_inputs([args.workbook.as_path()], 4);
    plan.lock()?;
    let rules = load_rules(args.scoring.as_deref())?;
    let libs = match &args.indicators {
        Some(d) => crate::read::library::load_dir(d)?,
        None => crate::read::library::bundled(),
    };
    let mapping = Mapping::load_opt(args.mapping.as_deref())?;
    let laps = super::Laps::new();
    let outcome = analyse(&args.workbook, args.as_of, args.unit.as_deref(), &mapping)?;
    laps.lap("read+compute");
    for (sheet, role) in &outcome.ledger.sheet_roles {
        eprintln!("工作表“{sheet}”：{}", read::role_name(*role));
    }
    let mut outcome = outcome;
    let evals = outcome.score(&rules, &libs);
    // The report keeps its own copy; only the forms read these (dropped
    // now: a binding shadowed is not freed until the end of the run).
    let evals = if args.no_forms {
        drop(evals);
        Vec::new()
    } else {
        evals
    };
    outcome.with_copy_notes();
    // The copy's own notes (renamed sheets, cut texts) are for JSON and the
    // screen too, so they join the problems before any sheet is built.
    let extra = write::report::copy_problems(&outcome.book);
    outcome.report.problems.extend(extra);
    let crate::analysis::Outcome {
        book,
        ledger,
        mut report,
    } = outcome;
    // What was read is in the report now; only the forms look at it again.
    let ledger = if args.no_forms {
        drop(ledger);
        None
    } else {
        Some(ledger)
    };
    let mut stage = plan.stage()?;
    // The JSON first: the projects' evaluations are only in it, so they
    // are dropped before the workbook is built (the files are still
    // renamed into place, and said, in the plan's order).
    if let Some(path) = &args.json {
        stage.streamed(path, |w| write::json::to_writer(w, &report))?;
        laps.lap("json");
    }
    report.drop_evaluations();
    // Shared with the sheets: their large tables are produced as written.
    let (book, report) = (std::sync::Arc::new(book), std::sync::Arc::new(report));
    let sheets = write::report::annotated_sheets(&book, &report);
    laps.lap("sheet model");
    stage.xlsx(&output, &sheets, crate::output::Kind::Report)?;
    drop(sheets);
    laps.lap("xlsx written");
    if let Some(ledger) = &ledger {
        let facts = crate::read::facts::from_book(&book, ledger);
        // Each form is built as it is written (a chunk at a time), not all first.
        let slots = write::forms::forms_book(
            &report,
            &evals,
            match args.form_layout {
                FormLayout::A => &write::forms::LAYOUT_A,
                FormLayout::B => &write::forms::LAYOUT_B,
            },
            &facts,
        );
        stage.xlsx_book(&forms, slots, crate::output::Kind::Forms)?;
        laps.lap("forms built and written");
    }
    let order: Vec<&Path> = [
        Some(output.as_path()),
        Some(forms.as_path()),
        args.json.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    stage.order(&order);
    stage.commit()?;
    let problems = &report.problems;
    let t = &report.totals;
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    eprintln!(
        "{}：截止 {}（来源：{}），{} 个项目，预算 {} 万元，已拨付 {} 万元，执行率 {}",
        report.unit_name,
        report.as_of,
        report.as_of_source,
        t.project_count,
        write::json::amount(t.budget),
        write::json::amount(t.paid),
        write::json::rate(t.execution_rate)
            .map(|r| format!("{r}%"))
            .unwrap_or_else(|| "—".into())
    );
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
