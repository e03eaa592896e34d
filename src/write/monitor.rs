//! 绩效运行监控表 (mid-year performance monitoring form): one sheet per
//! project, "监控-<项目编号>", each a printable form (A4 landscape, one page
//! wide, 仿宋 11 pt):
//!
//! - budget block by 资金来源: 年初预算数, 调整后预算数, 1—N月执行数, 执行率,
//!   全年预计执行数 (合计 row, then one row per fund the project is budgeted
//!   under or was paid from);
//! - indicator block: 一级/二级/三级指标, 指标值, 1—N月完成情况 (the ledger's
//!   实际完成值), 全年预计完成情况, 偏差原因 (经费保障 / 制度保障 / 人员保障 /
//!   硬件条件保障 / 其他, one column each), 完成目标可能性 (确定能 / 有可能 /
//!   完全不可能, a drop-down) and 原因说明.
//!
//! Cells the clerk fills (全年预计…, 偏差原因, 可能性, 原因说明) are input
//! cells: light yellow, unlocked. 调整后预算数 is the budget (the ledger has
//! no adjustment). Last sheet: 问题清单.

use super::report::problems_sheet_at;
use super::sheet::{ListValidation, Orientation, PageSetup, Role, Sheet, Value};
use crate::compute::Report;
use crate::compute::score::Evaluation;
use crate::model::Problem;
use rust_decimal::Decimal;

pub const LAST_COL: u16 = 12;
pub const LIKELIHOOD: [&str; 3] = ["确定能", "有可能", "完全不可能"];
pub const REASONS: [&str; 5] = ["经费保障", "制度保障", "人员保障", "硬件条件保障", "其他"];

pub fn sheet_name(id: &str) -> String {
    let name: String = format!("监控-{id}")
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    name
}

fn rate(r: Option<Decimal>) -> Value {
    Value::rate(r)
}

/// The monitoring workbook. `evals` parallel to `report.projects`.
pub fn monitor_sheets(
    report: &Report,
    evals: &[Evaluation],
    month: u32,
    problems: &[Problem],
) -> Vec<Sheet> {
    let mut sheets = Vec::new();
    let year = report.year.unwrap_or_else(|| {
        use chrono::Datelike;
        report.as_of.year()
    });
    // "1—N月" when the months are the ledger's year; else 累计 (to the
    // cut-off the title gives), so the title and the columns say one period.
    let until = report.as_of.format("%Y年%-m月%-d日").to_string();
    let other_year = {
        use chrono::Datelike;
        report.as_of.year() != year
    };
    let period = if other_year {
        "累计".to_string()
    } else if month == 1 {
        "1月".to_string()
    } else {
        format!("1—{month}月")
    };
    for (i, f) in report.projects.iter().enumerate() {
        let mut s = Sheet::new(&sheet_name(&f.id));
        let mut row = 0u32;
        s.text(
            row,
            0,
            format!("{year}年度项目支出绩效运行监控表（截至{until}）"),
            Role::FormTitle,
        );
        s.merge(row, 0, row, LAST_COL);
        row += 1;
        s.text(
            row,
            0,
            format!("填报单位：{}　　单位：万元", report.unit_name),
            Role::Caption,
        );
        s.merge(row, 0, row, LAST_COL);
        row += 1;
        // Project line.
        s.text(row, 0, "项目名称", Role::FormLabel);
        s.text(row, 1, &f.name, Role::FormText);
        // Labels two columns wide: the narrow 偏差原因 columns would wrap them.
        s.merge(row, 1, row, 4);
        s.text(row, 5, "项目编号", Role::FormLabel);
        s.merge(row, 5, row, 6);
        s.text(row, 7, &f.id, Role::FormText);
        s.merge(row, 7, row, 8);
        s.text(row, 9, "实施单位", Role::FormLabel);
        s.merge(row, 9, row, 10);
        s.text(
            row,
            11,
            f.implementer.clone().unwrap_or_default(),
            Role::FormText,
        );
        s.merge(row, 11, row, LAST_COL);
        row += 1;
        // Budget block.
        let heads = [
            "资金来源",
            "年初预算数",
            "调整后预算数",
            &format!("{period}执行数"),
            "执行率",
            "全年预计执行数",
        ];
        for (c, h) in heads.iter().enumerate() {
            s.text(row, c as u16, *h, Role::FormLabel);
        }
        s.text(row, 6, "备注", Role::FormLabel);
        s.merge(row, 6, row, LAST_COL);
        row += 1;
        let put_budget_row = |s: &mut Sheet,
                              row: u32,
                              label: &str,
                              b: Decimal,
                              paid: Decimal,
                              r: Option<Decimal>,
                              note: &str| {
            s.text(row, 0, label, Role::FormLabel);
            s.put(row, 1, Value::Number(b), Role::FormMoney);
            s.put(row, 2, Value::Number(b), Role::FormMoney);
            s.put(row, 3, Value::Number(paid), Role::FormMoney);
            s.put(row, 4, rate(r), Role::FormRate);
            s.put(row, 5, Value::Empty, Role::FormInputMoney);
            s.text(row, 6, note, Role::FormText);
            s.merge(row, 6, row, LAST_COL);
        };
        put_budget_row(&mut s, row, "合计", f.budget, f.paid, f.execution_rate, "");
        row += 1;
        let no_list = f.payment_records == 0;
        // Paid by the payment's own fund, up to the month end.
        for l in f.fund_lines() {
            let note = if l.budget.is_zero() {
                "该资金无本项目预算，拨付计入合计"
            } else if no_list {
                "台账无拨付明细，执行数只有合计"
            } else {
                ""
            };
            put_budget_row(
                &mut s,
                row,
                &l.fund,
                l.budget,
                l.paid,
                l.execution_rate,
                note,
            );
            row += 1;
        }
        // Indicator block: two header rows.
        let top = row;
        let heads = [
            "一级指标",
            "二级指标",
            "三级指标",
            "指标值",
            &format!("{period}完成情况"),
            "全年预计完成情况",
        ];
        for (c, h) in heads.iter().enumerate() {
            s.text(top, c as u16, *h, Role::FormLabel);
            s.text(top + 1, c as u16, "", Role::FormLabel);
            s.merge(top, c as u16, top + 1, c as u16);
        }
        s.text(top, 6, "偏差原因分析", Role::FormLabel);
        s.merge(top, 6, top, 10);
        for (k, r) in REASONS.iter().enumerate() {
            s.text(top + 1, 6 + k as u16, *r, Role::FormLabel);
        }
        for (c, h) in [(11u16, "完成目标可能性"), (12, "原因说明")] {
            s.text(top, c, h, Role::FormLabel);
            s.text(top + 1, c, "", Role::FormLabel);
            s.merge(top, c, top + 1, c);
        }
        row = top + 2;
        let first_indicator = row;
        let inds = evals.get(i).map(|e| e.indicators.as_slice()).unwrap_or(&[]);
        for ind in inds {
            let x = &ind.input;
            let l1 = if x.level1.trim().is_empty() {
                ind.group.label().to_string()
            } else {
                x.level1.clone()
            };
            s.text(row, 0, l1, Role::FormText);
            s.text(row, 1, &x.level2, Role::FormText);
            let name = if x.drafted {
                format!("{}（草拟）", x.name)
            } else {
                x.name.clone()
            };
            s.text(row, 2, name, Role::FormText);
            s.text(row, 3, &x.target, Role::FormText);
            s.text(row, 4, x.actual.clone().unwrap_or_default(), Role::FormText);
            for c in 5..=LAST_COL {
                s.put(row, c, Value::Empty, Role::FormInput);
            }
            row += 1;
        }
        if row > first_indicator {
            s.validations.push(ListValidation {
                col: 11,
                first_row: first_indicator,
                last_row: row - 1,
                choices: LIKELIHOOD.iter().map(|x| x.to_string()).collect(),
            });
        }
        row += 1;
        s.text(
            row,
            0,
            format!(
                "说明：黄色单元格由填报单位填写；{period}完成情况取自台账“实际完成值”，请按截至{until}的情况核改；偏差原因在对应栏内打“√”；完成目标可能性从下拉列表选择（{}）。",
                LIKELIHOOD.join(" / ")
            ),
            Role::Note,
        );
        s.merge(row, 0, row, LAST_COL);
        let note_row = row;
        // Narrow enough to print one page wide at ≥ 9 pt even where
        // LibreOffice lays the columns out in a wider fallback font (4/3);
        // texts wrap, rows are fitted.
        s.widths = vec![
            (0, 10.0),
            (1, 10.0),
            (2, 18.0),
            (3, 13.0),
            (4, 13.0),
            (5, 12.0),
            (6, 5.0),
            (7, 5.0),
            (8, 5.0),
            (9, 5.0),
            (10, 5.0),
            (11, 8.0),
            (12, 10.0),
        ];
        // Wrapped texts shown whole: the project line (a long 实施单位),
        // the budget block and the indicators.
        s.fit_label_heights(2);
        s.row_heights.push((0, 30.0));
        s.row_heights.push((top, 30.0));
        s.row_heights.push((note_row, 30.0));
        // Not shrunk to one page tall: a long form goes on to a second
        // page, its title repeated.
        s.print = Some(
            PageSetup::new(&report.unit_name, Some((0, 1)))
                .columns(0, LAST_COL)
                .prefer(Orientation::Landscape),
        );
        sheets.push(s);
    }
    sheets.push(problems_sheet_at(
        &report.unit_name,
        Some(report.as_of),
        problems,
    ));
    sheets
}
