//! The official forms, one pair per project: 绩效目标申报表 (目标-<编号>) and
//! 项目支出绩效自评表 (自评-<编号>, layout A of 财预〔2020〕10号), plus an
//! overview. Forms are data (the sheet model), like every other table.

use super::json::amount;
use super::sheet::{PrintSetup, Role, Sheet, Value};
use crate::compute::score::{Evaluation, Level1};
use crate::compute::{ProjectFigures, Report};
use crate::read::Ledger;
use rust_decimal::Decimal;
use std::collections::HashSet;

const LAST: u16 = 7; // eight columns, A–H
const WIDTHS: [f64; 8] = [11.0, 11.0, 18.0, 14.0, 14.0, 8.0, 9.0, 20.0];

fn base(name: &str) -> Sheet {
    let mut s = Sheet::new(name);
    s.widths = WIDTHS
        .iter()
        .enumerate()
        .map(|(i, w)| (i as u16, *w))
        .collect();
    s.print = Some(PrintSetup {
        landscape: false,
        repeat_rows: Some((0, 0)),
        columns: None,
    });
    s
}

/// A label/value cell spanning columns, with every covered cell bordered.
fn span(s: &mut Sheet, row: u32, c0: u16, c1: u16, value: Value, role: Role) {
    s.put(row, c0, value, role);
    for c in c0 + 1..=c1 {
        s.put(row, c, Value::Empty, role);
    }
    if c1 > c0 {
        s.merge(row, c0, row, c1);
    }
}

fn text(t: impl Into<String>) -> Value {
    Value::Text(t.into())
}
fn dash() -> Value {
    text("—")
}

/// Excel's limit on a sheet name, in UTF-16 units.
const MAX_SHEET_NAME: usize = 31;

fn utf16_take(s: &str, units: usize) -> String {
    let mut n = 0;
    s.chars()
        .take_while(|c| {
            n += c.len_utf16();
            n <= units
        })
        .collect()
}

/// Sheet names from ids: `目标-<编号>`, deterministic, at most 31 UTF-16
/// units, Excel's forbidden characters `/\:?*[]` and a leading or trailing
/// `'` replaced by `_`, unique ignoring case (Excel's rule: `ab-1` and
/// `AB-1` get `目标-ab-1` and `目标-AB-1~2`). `taken` holds lower-cased names.
pub fn sheet_name(prefix: &str, id: &str, taken: &mut HashSet<String>) -> String {
    let clean: String = id
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let base = format!("{prefix}-{clean}");
    let fix_quotes = |s: String| -> String {
        let mut s = s;
        if s.starts_with('\'') {
            s.replace_range(..1, "_");
        }
        if s.ends_with('\'') {
            let at = s.len() - 1;
            s.replace_range(at.., "_");
        }
        s
    };
    let mut name = fix_quotes(utf16_take(&base, MAX_SHEET_NAME));
    let mut n = 2;
    while name.eq_ignore_ascii_case("history") || !taken.insert(name.to_lowercase()) {
        let suffix = format!("~{n}");
        name = fix_quotes(utf16_take(&base, MAX_SHEET_NAME - suffix.len())) + &suffix;
        n += 1;
    }
    name
}

fn year_text(report: &Report) -> String {
    use chrono::Datelike;
    format!("{}年度", report.year.unwrap_or(report.as_of.year()))
}

/// 年度总体目标: the project's own text, else one built from its figures.
fn overall_target(f: &ProjectFigures, ledger: &Ledger, report: &Report) -> (String, String) {
    let p = &ledger.projects[f.index];
    let target = p.annual_target.clone().unwrap_or_else(|| {
        format!(
            "按计划完成“{}”建设（实施）内容，资金 {} 万元按进度拨付到位。",
            p.name,
            amount(p.budget)
        )
    });
    let rate = f
        .execution_rate
        .map(|r| format!("{r:.2}%"))
        .unwrap_or_else(|| "—".into());
    let status = p
        .status
        .as_deref()
        .map(|s| format!("项目{s}；"))
        .unwrap_or_default();
    let actual = p.actual_result.clone().unwrap_or_else(|| {
        format!(
            "{status}截止{} 已拨付 {} 万元，预算执行率 {rate}。",
            report.as_of.format("%Y年%-m月%-d日"),
            amount(f.paid)
        )
    });
    (target, actual)
}

fn group_label(g: Level1, weights: &[(Level1, Decimal)]) -> String {
    let w = weights
        .iter()
        .find(|(l, _)| *l == g)
        .map(|(_, w)| *w)
        .unwrap_or_default();
    format!("{}（{}分）", g.label(), w.normalize())
}

/// The 一级 and 二级 columns of an indicator table, equal runs merged.
fn indicator_labels(s: &mut Sheet, first: u32, e: &Evaluation) {
    let l1: Vec<String> = e
        .indicators
        .iter()
        .map(|i| group_label(i.group, &e.level1_weights))
        .collect();
    let l2: Vec<String> = e
        .indicators
        .iter()
        .zip(&l1)
        .map(|(i, g)| format!("{g}|{}", i.input.level2))
        .collect();
    for (k, i) in e.indicators.iter().enumerate() {
        let r = first + k as u32;
        s.put(r, 0, text(l1[k].clone()), Role::FormLabel);
        s.put(r, 1, text(&i.input.level2), Role::FormText);
    }
    merge_runs(s, 0, first, &l1);
    merge_runs(s, 1, first, &l2);
}

/// Merge runs of equal values down a column (一级/二级指标 labels).
fn merge_runs(s: &mut Sheet, col: u16, first: u32, labels: &[String]) {
    let mut start = 0;
    for i in 1..=labels.len() {
        if i == labels.len() || labels[i] != labels[start] {
            if i - start > 1 {
                s.merge(first + start as u32, col, first + i as u32 - 1, col);
            }
            start = i;
        }
    }
}

/// A column of the money block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyCol {
    InitialBudget,
    Budget,
    Paid,
    Weight,
    Rate,
    Score,
}

/// A column of the indicator table (after 一级 and 二级).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndCol {
    Name,
    Target,
    Actual,
    Weight,
    Score,
    Reason,
}

/// The layout of a 自评表: the forms in use differ in titles, money columns
/// and column order, so they are tables, not separate writers.
#[derive(Debug)]
pub struct SelfLayout {
    pub title: &'static str,
    /// 项目负责人及电话 beside 项目名称.
    pub manager_on_name_row: bool,
    pub money_label: &'static str,
    pub money: &'static [(MoneyCol, &'static str)],
    /// Rows of the money block: label, and whether it carries the amounts.
    pub money_rows: &'static [(&'static str, bool)],
    /// (row label, expected, actual)
    pub goals: (&'static str, &'static str, &'static str),
    /// Six columns after 一级 and 二级.
    pub indicators: &'static [(IndCol, &'static str); 6],
}

/// Layout A: the 财预〔2020〕10号 attachment (default).
pub const LAYOUT_A: SelfLayout = SelfLayout {
    title: "项目支出绩效自评表",
    manager_on_name_row: false,
    money_label: "项目资金（万元）",
    money: &[
        (MoneyCol::InitialBudget, "年初预算数"),
        (MoneyCol::Budget, "全年预算数"),
        (MoneyCol::Paid, "全年执行数"),
        (MoneyCol::Weight, "分值"),
        (MoneyCol::Rate, "执行率"),
        (MoneyCol::Score, "得分"),
    ],
    money_rows: &[
        ("年度资金总额", true),
        ("其中：当年财政拨款", true),
        ("上年结转资金", false),
        ("其他资金", false),
    ],
    goals: ("年度总体目标", "预期目标", "实际完成情况"),
    indicators: &[
        (IndCol::Name, "三级指标"),
        (IndCol::Target, "年度指标值"),
        (IndCol::Actual, "实际完成值"),
        (IndCol::Weight, "分值"),
        (IndCol::Score, "得分"),
        (IndCol::Reason, "偏差原因分析及改进措施"),
    ],
};

/// Layout B: the 衔接/扶贫 绩效目标自评表 many counties hand to townships
/// (财办农〔2019〕68号 family): no 年初预算数 or 上年结转, 分值 before the target.
pub const LAYOUT_B: SelfLayout = SelfLayout {
    title: "绩效目标自评表",
    manager_on_name_row: true,
    money_label: "资金情况（万元）",
    money: &[
        (MoneyCol::Budget, "全年预算数（A）"),
        (MoneyCol::Paid, "全年执行数（B）"),
        (MoneyCol::Weight, "分值"),
        (MoneyCol::Rate, "执行率（B/A）"),
        (MoneyCol::Score, "得分"),
    ],
    money_rows: &[
        ("年度资金总额", true),
        ("其中：本年财政拨款", true),
        ("其他资金", false),
    ],
    goals: ("年度总体目标", "年初设定目标", "年度总体目标完成情况综述"),
    indicators: &[
        (IndCol::Name, "三级指标"),
        (IndCol::Weight, "分值"),
        (IndCol::Target, "年度指标值"),
        (IndCol::Actual, "全年实际值"),
        (IndCol::Score, "得分"),
        (IndCol::Reason, "未完成原因及拟采取的改进措施"),
    ],
};

pub fn self_evaluation(
    name: &str,
    f: &ProjectFigures,
    e: &Evaluation,
    report: &Report,
    ledger: &Ledger,
    layout: &SelfLayout,
) -> Sheet {
    let p = &ledger.projects[f.index];
    let mut s = base(name);
    let draft = if e.drafted { "（草拟）" } else { "" };
    span(
        &mut s,
        0,
        0,
        LAST,
        text(format!(
            "{}{draft}\n（{}）",
            layout.title,
            year_text(report)
        )),
        Role::FormTitle,
    );
    s.put(1, 0, text("项目名称"), Role::FormLabel);
    if layout.manager_on_name_row {
        span(&mut s, 1, 1, 3, text(&p.name), Role::FormText);
        s.put(1, 4, text("项目负责人及电话"), Role::FormLabel);
        span(&mut s, 1, 5, LAST, Value::Empty, Role::FormText);
    } else {
        span(&mut s, 1, 1, LAST, text(&p.name), Role::FormText);
    }
    s.put(2, 0, text("主管部门"), Role::FormLabel);
    span(
        &mut s,
        2,
        1,
        3,
        text(
            ledger
                .info
                .department
                .clone()
                .unwrap_or_else(|| report.unit_name.clone()),
        ),
        Role::FormText,
    );
    s.put(2, 4, text("实施单位"), Role::FormLabel);
    span(
        &mut s,
        2,
        5,
        LAST,
        text(
            p.implementer
                .clone()
                .unwrap_or_else(|| report.unit_name.clone()),
        ),
        Role::FormText,
    );
    // Money block: the label spans what the money columns leave.
    let first_money = LAST + 1 - layout.money.len() as u16;
    span(
        &mut s,
        3,
        0,
        first_money - 1,
        text(layout.money_label),
        Role::FormLabel,
    );
    for (k, (_, t)) in layout.money.iter().enumerate() {
        s.put(3, first_money + k as u16, text(*t), Role::FormLabel);
    }
    for (n, (label, amounts)) in layout.money_rows.iter().enumerate() {
        let r = 4 + n as u32;
        span(&mut s, r, 0, first_money - 1, text(*label), Role::FormLabel);
        for (k, (col, _)) in layout.money.iter().enumerate() {
            let c = first_money + k as u16;
            let cell = match (col, *amounts, n == 0) {
                (MoneyCol::InitialBudget | MoneyCol::Budget, true, _) => {
                    s.put(r, c, Value::Number(f.budget), Role::FormMoney)
                }
                (MoneyCol::Paid, true, _) => s.put(r, c, Value::Number(f.paid), Role::FormMoney),
                (MoneyCol::Weight, _, true) => {
                    s.put(r, c, Value::Number(e.budget_weight), Role::FormNumber)
                }
                (MoneyCol::Rate, _, true) => s.put(
                    r,
                    c,
                    f.execution_rate
                        .map(|x| Value::Number(x / Decimal::ONE_HUNDRED))
                        .unwrap_or_else(dash),
                    Role::FormRate,
                ),
                (MoneyCol::Score, _, true) => {
                    let bs = s.put(
                        r,
                        c,
                        e.budget_score
                            .map(Value::Number)
                            .unwrap_or_else(|| text("待评")),
                        Role::FormNumber,
                    );
                    bs.note = Some(e.budget_rule.clone());
                    bs.flagged = e.budget_score.is_none();
                    bs
                }
                _ => s.put(r, c, dash(), Role::FormText),
            };
            let _ = cell;
        }
    }
    // 年度总体目标
    let g = 4 + layout.money_rows.len() as u32;
    let (target, actual) = overall_target(f, ledger, report);
    s.put(g, 0, text(layout.goals.0), Role::FormLabel);
    s.put(g + 1, 0, Value::Empty, Role::FormLabel);
    s.merge(g, 0, g + 1, 0);
    span(&mut s, g, 1, 4, text(layout.goals.1), Role::FormLabel);
    span(&mut s, g, 5, LAST, text(layout.goals.2), Role::FormLabel);
    span(&mut s, g + 1, 1, 4, text(target), Role::FormText);
    span(&mut s, g + 1, 5, LAST, text(actual), Role::FormText);
    // Indicator table.
    let h = g + 2;
    s.put(h, 0, text("一级指标"), Role::FormLabel);
    s.put(h, 1, text("二级指标"), Role::FormLabel);
    for (k, (_, t)) in layout.indicators.iter().enumerate() {
        s.put(h, 2 + k as u16, text(*t), Role::FormLabel);
    }
    let first = h + 1;
    indicator_labels(&mut s, first, e);
    for (k, i) in e.indicators.iter().enumerate() {
        let r = first + k as u32;
        for (j, (col, _)) in layout.indicators.iter().enumerate() {
            let c = 2 + j as u16;
            match col {
                IndCol::Name => {
                    s.put(r, c, text(&i.input.name), Role::FormText);
                }
                IndCol::Target => {
                    s.put(r, c, text(&i.input.target), Role::FormText);
                }
                IndCol::Actual => {
                    s.put(
                        r,
                        c,
                        i.input
                            .actual
                            .clone()
                            .map(Value::Text)
                            .unwrap_or(Value::Empty),
                        Role::FormText,
                    );
                }
                IndCol::Weight => {
                    s.put(r, c, Value::Number(i.weight), Role::FormNumber);
                }
                IndCol::Score => {
                    let sc = s.put(
                        r,
                        c,
                        i.score.map(Value::Number).unwrap_or_else(|| text("待评")),
                        Role::FormNumber,
                    );
                    sc.note = Some(match &i.note {
                        Some(n) => format!("{}；{n}", i.rule),
                        None => i.rule.clone(),
                    });
                    sc.flagged = i.score.is_none();
                }
                IndCol::Reason => {
                    s.put(
                        r,
                        c,
                        i.input
                            .deviation_reason
                            .clone()
                            .map(Value::Text)
                            .unwrap_or(Value::Empty),
                        Role::FormText,
                    );
                }
            }
        }
    }
    let col_of = |want: IndCol| {
        2 + layout
            .indicators
            .iter()
            .position(|(c, _)| *c == want)
            .unwrap_or(0) as u16
    };
    let (weight_col, score_col) = (col_of(IndCol::Weight), col_of(IndCol::Score));
    let t = first + e.indicators.len() as u32;
    span(&mut s, t, 0, weight_col - 1, text("总分"), Role::FormLabel);
    for c in weight_col..=LAST {
        s.put(t, c, Value::Empty, Role::FormText);
    }
    s.put(
        t,
        weight_col,
        Value::Number(Decimal::ONE_HUNDRED),
        Role::FormNumber,
    );
    let total = s.put(t, score_col, Value::Number(e.score), Role::FormNumber);
    total.note = Some(format!(
        "预算执行率得分与各指标得分（各保留两位小数）之和{}",
        if e.complete {
            ""
        } else {
            "；有待人工评分的指标，未计入"
        }
    ));
    total.flagged = !e.complete;
    span(&mut s, t + 1, 0, 1, text("评价等级"), Role::FormLabel);
    let pending = e.indicators.iter().filter(|i| i.score.is_none()).count()
        + usize::from(e.budget_score.is_none());
    let grade = match e.grade {
        Some(g) => g.to_string(),
        None => format!("待定（{pending} 项待人工评分）"),
    };
    span(&mut s, t + 1, 2, LAST, text(grade), Role::FormText);
    if e.drafted {
        span(
            &mut s,
            t + 2,
            0,
            LAST,
            text(
                "注：本表绩效指标为系统按指标库草拟，标“**”处及实际完成值须由项目单位核实填写后方可使用。",
            ),
            Role::Note,
        );
        s.row_heights.push((t + 2, 30.0));
    }
    s.row_heights.push((g + 1, 60.0));
    finish_heights(&mut s, first, t);
    s
}

/// Row heights for print: wrapped text shown whole, every row at least one
/// comfortable line, indicator rows tall enough for their merged labels.
fn finish_heights(s: &mut Sheet, first: u32, end: u32) {
    let fixed: Vec<(u32, f64)> = s.row_heights.clone();
    s.fit_heights(1);
    let last = s.cells.iter().map(|c| c.row).max().unwrap_or(0);
    for r in 1..=last {
        let min = if (first..end).contains(&r) {
            26.0
        } else {
            22.0
        };
        match s.row_heights.iter_mut().find(|(row, _)| *row == r) {
            Some((_, h)) => *h = h.max(min),
            None => s.row_heights.push((r, min)),
        }
    }
    for (r, h) in fixed {
        s.row_heights.retain(|(row, _)| *row != r);
        s.row_heights.push((r, h));
    }
    s.row_heights.retain(|(row, _)| *row != 0);
    s.row_heights.push((0, 48.0));
}

pub fn target_form(
    name: &str,
    f: &ProjectFigures,
    e: &Evaluation,
    report: &Report,
    ledger: &Ledger,
) -> Sheet {
    let p = &ledger.projects[f.index];
    let mut s = base(name);
    let draft = if e.drafted { "（草拟）" } else { "" };
    span(
        &mut s,
        0,
        0,
        LAST,
        text(format!(
            "绩效目标申报表{draft}\n（{}）（{}）",
            p.category,
            year_text(report)
        )),
        Role::FormTitle,
    );
    s.put(1, 0, text("项目名称"), Role::FormLabel);
    span(&mut s, 1, 1, LAST, text(&p.name), Role::FormText);
    s.put(2, 0, text("项目负责人及电话"), Role::FormLabel);
    span(&mut s, 2, 1, 3, Value::Empty, Role::FormText);
    s.put(2, 4, text("主管部门"), Role::FormLabel);
    span(
        &mut s,
        2,
        5,
        LAST,
        text(
            ledger
                .info
                .department
                .clone()
                .unwrap_or_else(|| report.unit_name.clone()),
        ),
        Role::FormText,
    );
    s.put(3, 0, text("实施单位"), Role::FormLabel);
    span(
        &mut s,
        3,
        1,
        3,
        text(
            p.implementer
                .clone()
                .unwrap_or_else(|| report.unit_name.clone()),
        ),
        Role::FormText,
    );
    s.put(3, 4, text("建设地点"), Role::FormLabel);
    span(
        &mut s,
        3,
        5,
        LAST,
        p.location.clone().map(Value::Text).unwrap_or(Value::Empty),
        Role::FormText,
    );
    // 资金情况（万元）
    let xj = if p.fund_source == "衔接资金" {
        p.budget
    } else {
        Decimal::ZERO
    };
    let zh = if p.fund_source == "衔接资金" {
        Decimal::ZERO
    } else {
        p.budget
    };
    let rows = [
        ("年度资金总额", Value::Number(p.budget)),
        ("其中：财政拨款", Value::Number(p.budget)),
        ("　　衔接资金", Value::Number(xj)),
        ("　　其他涉农整合资金", Value::Number(zh)),
        ("其他资金", dash()),
    ];
    for (k, (label, v)) in rows.into_iter().enumerate() {
        let r = 4 + k as u32;
        s.put(
            r,
            0,
            if k == 0 {
                text("资金情况（万元）")
            } else {
                Value::Empty
            },
            Role::FormLabel,
        );
        span(&mut s, r, 1, 3, text(label), Role::FormLabel);
        let role = if matches!(v, Value::Number(_)) {
            Role::FormMoney
        } else {
            Role::FormText
        };
        span(&mut s, r, 4, LAST, v, role);
    }
    s.merge(4, 0, 8, 0);
    let (target, _) = overall_target(f, ledger, report);
    s.put(9, 0, text("年度总体目标"), Role::FormLabel);
    span(&mut s, 9, 1, LAST, text(target), Role::FormText);
    s.row_heights.push((9, 60.0));
    let h = 10;
    s.put(h, 0, text("一级指标"), Role::FormLabel);
    s.put(h, 1, text("二级指标"), Role::FormLabel);
    span(&mut s, h, 2, 4, text("三级指标"), Role::FormLabel);
    span(&mut s, h, 5, LAST, text("指标值"), Role::FormLabel);
    let first = h + 1;
    indicator_labels(&mut s, first, e);
    for (k, i) in e.indicators.iter().enumerate() {
        let r = first + k as u32;
        span(&mut s, r, 2, 4, text(&i.input.name), Role::FormText);
        let t = s.put(r, 5, text(&i.input.target), Role::FormText);
        t.flagged = i.input.drafted && i.input.target.contains('*');
        for c in 6..=LAST {
            s.put(r, c, Value::Empty, Role::FormText);
        }
        s.merge(r, 5, r, LAST);
    }
    let mut r = first + e.indicators.len() as u32;
    for label in ["财政股室初审意见", "绩效股审核意见", "乡村振兴部门审核意见"]
    {
        s.put(r, 0, text(label), Role::FormLabel);
        span(
            &mut s,
            r,
            1,
            LAST,
            text("\n\n（盖章）　　　　年　　月　　日"),
            Role::FormText,
        );
        s.row_heights.push((r, 54.0));
        r += 1;
    }
    if e.drafted {
        span(
            &mut s,
            r,
            0,
            LAST,
            text("注：本表绩效指标为系统按指标库草拟，标红处（“**”）须由项目单位核实填写。"),
            Role::Note,
        );
    }
    finish_heights(&mut s, first, first + e.indicators.len() as u32);
    s
}

pub fn overview(report: &Report, evals: &[Evaluation]) -> Sheet {
    let mut s = Sheet::new("总览");
    span(
        &mut s,
        0,
        0,
        10,
        text(format!(
            "{}{}项目绩效自评结果总览",
            report.unit_name,
            year_text(report)
        )),
        Role::Title,
    );
    let headers = [
        "序号",
        "项目编号",
        "项目名称",
        "项目类别",
        "预算金额",
        "执行率",
        "预算执行得分",
        "总分",
        "等级",
        "指标来源",
        "待人工评分项",
    ];
    for (i, t) in headers.iter().enumerate() {
        s.text(1, i as u16, *t, Role::Header);
    }
    for (k, (f, e)) in report.projects.iter().zip(evals).enumerate() {
        let r = 2 + k as u32;
        s.put(r, 0, Value::Number((k + 1).into()), Role::Count);
        s.text(r, 1, f.id.clone(), Role::Text);
        s.text(r, 2, f.name.clone(), Role::Text);
        s.text(r, 3, f.category.clone(), Role::Text);
        s.put(r, 4, Value::Number(f.budget), Role::Money);
        s.put(
            r,
            5,
            f.execution_rate
                .map(|x| Value::Number(x / Decimal::ONE_HUNDRED))
                .unwrap_or_else(dash),
            Role::Rate,
        );
        s.put(
            r,
            6,
            e.budget_score.map(Value::Number).unwrap_or_else(dash),
            Role::Money,
        );
        s.put(r, 7, Value::Number(e.score), Role::Money);
        let g = s.text(r, 8, e.grade.unwrap_or("待定"), Role::Text);
        g.flagged = e.grade.is_none();
        let src = s.text(r, 9, if e.drafted { "草拟" } else { "原表" }, Role::Text);
        src.flagged = e.drafted;
        let pending = e.indicators.iter().filter(|i| i.score.is_none()).count()
            + usize::from(e.budget_score.is_none());
        s.put(r, 10, Value::Number(pending.into()), Role::Count);
    }
    s.fit_widths(8.0, 40.0);
    s.freeze = Some((2, 0));
    s.print = Some(PrintSetup {
        landscape: true,
        repeat_rows: Some((1, 1)),
        columns: None,
    });
    s
}

pub fn forms_workbook(
    report: &Report,
    ledger: &Ledger,
    evals: &[Evaluation],
    layout: &SelfLayout,
) -> Vec<Sheet> {
    let mut sheets = vec![overview(report, evals)];
    let mut taken: HashSet<String> = HashSet::from(["总览".to_lowercase()]);
    for (f, e) in report.projects.iter().zip(evals) {
        let target = sheet_name("目标", &f.id, &mut taken);
        let own = sheet_name("自评", &f.id, &mut taken);
        sheets.push(target_form(&target, f, e, report, ledger));
        sheets.push(self_evaluation(&own, f, e, report, ledger, layout));
    }
    sheets
}

#[cfg(test)]
mod sheet_name_tests {
    use super::sheet_name;
    use std::collections::HashSet;

    fn units(s: &str) -> usize {
        s.encode_utf16().count()
    }

    #[test]
    fn names_differing_only_by_case_stay_apart() {
        let mut taken = HashSet::new();
        let a = sheet_name("目标", "ab-1", &mut taken);
        let b = sheet_name("目标", "AB-1", &mut taken);
        assert_eq!(a, "目标-ab-1");
        assert_eq!(b, "目标-AB-1~2");
        assert_ne!(a.to_lowercase(), b.to_lowercase());
    }

    #[test]
    fn names_fit_in_31_utf16_units_with_extension_b() {
        let mut taken = HashSet::new();
        let id = "𠀀".repeat(40);
        let a = sheet_name("自评", &id, &mut taken);
        let b = sheet_name("自评", &id, &mut taken);
        assert!(units(&a) <= 31, "{a} {}", units(&a));
        assert!(units(&b) <= 31, "{b} {}", units(&b));
        assert_ne!(a, b);
        assert!(b.ends_with("~2"));
        // Never half a surrogate pair.
        assert!(
            a.chars()
                .all(|c| c == '自' || c == '评' || c == '-' || c == '𠀀')
        );
    }

    #[test]
    fn forbidden_characters_and_edge_quotes_replaced() {
        let mut taken = HashSet::new();
        let a = sheet_name("目标", "a/b\\c:d?e*f[g]h'", &mut taken);
        assert_eq!(a, "目标-a_b_c_d_e_f_g_h_");
        let q = sheet_name("'x", "y'", &mut taken);
        assert_eq!(q, "_x-y_");
        let long = sheet_name("目标", &format!("{}'", "a".repeat(27)), &mut taken);
        assert!(!long.ends_with('\''));
        assert!(units(&long) <= 31);
    }

    #[test]
    fn same_ids_give_same_names() {
        let ids = ["P1", "p1", "P1", "𠀀𠀀", "*?"];
        let run = || {
            let mut taken = HashSet::new();
            ids.iter()
                .map(|i| sheet_name("目标", i, &mut taken))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
        let names = run();
        let lower: HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(lower.len(), names.len());
    }
}
