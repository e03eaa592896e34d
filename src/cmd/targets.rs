//! `jixiao targets WORKBOOK -o FILE.xlsx`: the 绩效指标 sheet filled in —
//! the workbook's own indicators, and a drafted set (marked 草拟) for every
//! project that has none — for the clerk to edit and feed back in.

use crate::compute::draft;
use crate::read::layout::{self, SheetRole};
use crate::read::mapping::Mapping;
use crate::write::sheet::{Role, Sheet, Span, Value};
use chrono::Datelike;
use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// 项目台账工作簿
    pub workbook: PathBuf,
    /// 输出工作簿（含填好的“绩效指标”表）
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// 截止日期（用于时效指标的年度；默认取“说明”表）
    #[arg(long = "as-of", value_parser = super::parse_date_arg)]
    pub as_of: Option<chrono::NaiveDate>,
    /// 列名映射文件（TOML）
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// 指标库文件夹（默认内置 templates/indicators/）
    #[arg(long)]
    pub indicators: Option<PathBuf>,
    /// 覆盖已存在的输出文件
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: &Args) -> Result<i32, String> {
    let mut plan = crate::output::Plan::new(a.force);
    let output = plan.add(
        &crate::output::xlsx_path(&a.output, "-o")?,
        "绩效指标工作簿",
    )?;
    plan.not_input(&a.workbook)?;
    if let Some(m) = &a.mapping {
        plan.not_input(m)?;
    }
    // Free space for about this much is checked with the lock.
    plan.expect_inputs([a.workbook.as_path()], 2);
    plan.lock()?;
    let mapping = Mapping::load_opt(a.mapping.as_deref())?;
    let libs = match &a.indicators {
        Some(d) => crate::read::library::load_dir(d)?,
        None => crate::read::library::bundled(),
    };
    let o = crate::analysis::analyse(&a.workbook, a.as_of, None, &mapping)?;
    let year = o.ledger.info.year.or(Some(o.report.as_of.year()));
    let spec = layout::sheet_spec(SheetRole::Indicators);
    let mut s = Sheet::new(spec.name);
    let mut headers: Vec<&str> = spec.columns.iter().map(|c| c.header).collect();
    headers.insert(1, "项目名称");
    headers.push("来源");
    for (i, h) in headers.iter().enumerate() {
        s.text(0, i as u16, *h, Role::Header);
    }
    let mut r = 1;
    let (mut kept, mut drafted) = (0, 0);
    for f in &o.report.projects {
        let p = &o.ledger.projects[f.index];
        let own: Vec<_> = o
            .ledger
            .indicators
            .iter()
            .filter(|i| i.project_id == p.id)
            .collect();
        let rows: Vec<[Option<String>; 9]> = if own.is_empty() {
            draft::draft(p, year, &libs)
                .into_iter()
                .map(|i| {
                    [
                        Some(i.level1),
                        Some(i.level2),
                        Some(i.name),
                        Some(i.target),
                        None,
                        None,
                        None,
                        None,
                        None,
                    ]
                })
                .collect()
        } else {
            own.iter()
                .map(|i| {
                    let num =
                        |d: Option<rust_decimal::Decimal>| d.map(|d| d.normalize().to_string());
                    [
                        i.level1.clone(),
                        i.level2.clone(),
                        i.name.clone(),
                        i.target.clone(),
                        i.actual.clone(),
                        num(i.weight),
                        num(i.hand_score),
                        i.deviation_reason.clone(),
                        None,
                    ]
                })
                .collect()
        };
        for row in rows {
            s.text(r, 0, p.id.clone(), Role::Text);
            s.text(r, 1, p.name.clone(), Role::Text);
            for (k, v) in row.iter().take(8).enumerate() {
                s.put(
                    r,
                    2 + k as u16,
                    v.clone().map(Value::Text).unwrap_or(Value::Empty),
                    Role::Text,
                );
            }
            let src = s.text(
                r,
                10,
                if own.is_empty() { "草拟" } else { "原表" },
                Role::Text,
            );
            if own.is_empty() {
                src.flagged = true;
                src.note = Some("系统按指标库草拟，请核实指标值（“**”处须填写）".into());
                drafted += 1;
            } else {
                kept += 1;
            }
            r += 1;
        }
    }
    s.fit_widths(8.0, 30.0);
    s.freeze = Some((1, 2));
    s.autofilter = Some(Span {
        first_row: 0,
        first_col: 0,
        last_row: r.max(2) - 1,
        last_col: 10,
    });
    let mut stage = plan.stage()?;
    stage.xlsx(&output, &[s], crate::output::Kind::Targets)?;
    stage.commit()?;
    eprintln!(
        "原有指标 {kept} 条，草拟 {drafted} 条（标为“草拟”，请核实后复制到台账的“绩效指标”表）"
    );
    Ok(crate::exit::OK)
}
