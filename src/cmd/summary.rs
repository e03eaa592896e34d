//! `jixiao summary WORKBOOK`: the 绩效自评总结 (written self-evaluation
//! summary) as a .docx in 公文 format, and optionally as Markdown.

use crate::compute::summary;
use crate::model::Severity;
use crate::read::mapping::Mapping;
use crate::write::docx;
use chrono::NaiveDate;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// 项目台账工作簿（.xlsx / .xlsm / .xls / .ods）
    pub workbook: PathBuf,
    /// 截止日期 YYYY-MM-DD（默认取“说明”表的截止日期，再无则为今天）
    #[arg(long = "as-of", value_parser = super::parse_date_arg)]
    pub as_of: Option<NaiveDate>,
    /// 总结文档路径（默认：输入文件旁的“<文件名>-绩效自评总结.docx”）
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// 同时写出 Markdown 文本
    #[arg(long, value_name = "文件")]
    pub markdown: Option<PathBuf>,
    /// 总结模板（minijinja 文本，默认内置 templates/summary/绩效自评总结.txt）
    #[arg(long, value_name = "文件")]
    pub template: Option<PathBuf>,
    /// 列名映射文件（TOML）
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// 文书事实文件（TOML，如 通知文号 = "…"、整合方案 = "…"；“说明”表写了的以“说明”表为准）
    #[arg(long, value_name = "文件")]
    pub facts: Option<PathBuf>,
    /// 单位名称（默认取“说明”表的单位名称）
    #[arg(long)]
    pub unit: Option<String>,
    /// 落款日期 YYYY-MM-DD（默认今天）
    #[arg(long = "date", value_name = "日期", value_parser = super::parse_date_arg)]
    pub date: Option<NaiveDate>,
    /// 覆盖已存在的输出文件
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &Args) -> Result<i32, String> {
    let output = args.output.clone().unwrap_or_else(|| {
        super::report::default_output(&args.workbook, "绩效自评总结").with_extension("docx")
    });
    let mut plan = crate::output::Plan::new(args.force);
    let output = plan.add(&output, "总结文档")?;
    if let Some(m) = &args.markdown {
        plan.add(m, "Markdown 文件")?;
    }
    plan.not_input(&args.workbook)?;
    for p in [&args.mapping, &args.template, &args.facts]
        .into_iter()
        .flatten()
    {
        plan.not_input(p)?;
    }
    // Free space for about this much is checked with the lock.
    plan.expect_inputs([args.workbook.as_path()], 1);
    plan.lock()?;
    let (template_name, template) = match &args.template {
        Some(p) => (
            p.display().to_string(),
            crate::read::mapping::read_text(p, "总结模板")?,
        ),
        None => (
            "内置总结模板".to_string(),
            docx::DEFAULT_TEMPLATE.to_string(),
        ),
    };
    let facts_file = match &args.facts {
        Some(p) => crate::read::facts::from_toml(
            // Keys written bare, as clerks write them (通知文号 = "…").
            &crate::read::mapping::quote_keys(&crate::read::mapping::read_text(p, "文书事实文件")?),
            &p.display().to_string(),
        )?,
        None => Vec::new(),
    };
    let mapping = Mapping::load_opt(args.mapping.as_deref())?;
    let mut outcome =
        crate::analysis::analyse(&args.workbook, args.as_of, args.unit.as_deref(), &mapping)?;
    let rules = crate::analysis::load_rules(None)?;
    let libs = crate::read::library::bundled();
    let evals = outcome.score(&rules, &libs);
    let signed = args
        .date
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let mut data = summary::build(&outcome.ledger, &outcome.report, &evals, signed);
    // 通知文号, 整合方案, 管理办法 given once on 说明 (or in --facts) fill
    // their places.
    data.facts = crate::read::facts::from_book_and(&outcome.book, &outcome.ledger, &facts_file);
    let text = docx::render_named(&template_name, &template, &data)?;
    let blocks = docx::parse(&text);
    let bytes = docx::to_docx(&blocks)?;
    let md = args.markdown.as_ref().map(|_| docx::to_markdown(&blocks));
    let mut stage = plan.stage()?;
    stage.bytes(&output, &bytes)?;
    if let (Some(p), Some(md)) = (&args.markdown, md) {
        stage.bytes(p, md.as_bytes())?;
    }
    stage.commit()?;
    let markers = docx::markers(&blocks);
    let errors: Vec<_> = outcome
        .report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    if !markers.is_empty() {
        eprintln!(
            "需补充 {} 处（文中黄色标出）：{}",
            markers.len(),
            docx::marker_names(&blocks).join("、")
        );
    }
    if !markers.is_empty() || !data.notes.is_empty() || !errors.is_empty() {
        if !errors.is_empty() {
            eprintln!("台账错误 {} 条", errors.len());
        }
        for m in &markers {
            eprintln!("  [待补充] {m}");
        }
        for n in &data.notes {
            eprintln!("  [提示] {n}");
        }
        for p in errors.iter().take(20) {
            eprintln!("  [错误] {}", p.message);
        }
    }
    Ok(if errors.is_empty() {
        crate::exit::OK
    } else {
        crate::exit::PROBLEMS
    })
}
