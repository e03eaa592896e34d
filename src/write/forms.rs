//! The official forms, one pair per project: 绩效目标申报表 (目标-<编号>) and
//! 项目支出绩效自评表 (自评-<编号>, layout A of 财预〔2020〕10号), plus an
//! overview. Forms are data (the sheet model), like every other table.

use super::sheet::{Orientation, PageSetup, Role, Sheet, Value, a1};
use crate::compute::score::{Evaluation, Level1};
use crate::compute::summary::DocFacts;
use crate::compute::{ProjectFigures, Report};
use rust_decimal::Decimal;
use std::collections::HashSet;

const LAST: u16 = 7; // eight columns, A–H
/// Column widths of the eight-column forms: the official portrait page
/// (156 mm text width) at 11 pt body text, scaled no lower than ~93 %.
const WIDTHS: [f64; 8] = [11.0, 10.0, 12.0, 11.0, 11.0, 9.0, 7.0, 13.0];
/// Layout A has a narrow first column: the merged 绩效指标 label.
const GROUP_COL_WIDTH: f64 = 4.0;

fn base(name: &str, unit: &str, group_col: bool) -> Sheet {
    let mut s = Sheet::new(name);
    let o = u16::from(group_col);
    s.widths = WIDTHS
        .iter()
        .enumerate()
        .map(|(i, w)| (i as u16 + o, *w))
        .collect();
    if group_col {
        s.widths.insert(0, (0, GROUP_COL_WIDTH));
    }
    s.print = Some(
        PageSetup::new(unit, Some((0, 0)))
            .prefer(Orientation::Portrait)
            .one_page(),
    );
    s
}

/// The lines under an official form: 填报单位（盖章）、填报日期、填表人、联系电话.
fn foot_lines(s: &mut Sheet, row: u32, last: u16, unit: &str) -> u32 {
    let half = last / 2;
    let lines = [
        (
            format!("填报单位（盖章）：{unit}"),
            "填报日期：　　　　年　　月　　日".to_string(),
        ),
        ("填表人：".to_string(), "联系电话：".to_string()),
    ];
    for (k, (a, b)) in lines.into_iter().enumerate() {
        let r = row + k as u32;
        span(s, r, 0, half, text(a), Role::FormFoot);
        span(s, r, half + 1, last, text(b), Role::FormFoot);
        s.row_heights.push((r, 24.0));
    }
    row + 2
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

/// A text in a form's box ends without "。": the box ends it, and a lone
/// "。" wrapped onto a line of its own is what a clerk would correct.
fn form_text(t: &str) -> String {
    t.trim().trim_end_matches(['。', '；', ';']).to_string()
}

fn text(t: impl Into<String>) -> Value {
    Value::Text(t.into())
}
fn dash() -> Value {
    text("—")
}

/// Excel's limit on a sheet name, in UTF-16 units.
pub const MAX_SHEET_NAME: usize = 31;

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

fn group_label(g: Level1, weights: &[(Level1, Decimal)]) -> String {
    let w = weights
        .iter()
        .find(|(l, _)| *l == g)
        .map(|(_, w)| *w)
        .unwrap_or_default();
    format!("{}（{}分）", g.label(), w.normalize())
}

/// The 一级 and 二级 columns of an indicator table, equal runs merged.
fn indicator_labels(s: &mut Sheet, first: u32, e: &Evaluation, o: u16) {
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
        s.put(r, o, text(l1[k].clone()), Role::FormLabel);
        s.put(r, 1 + o, text(&i.input.level2), Role::FormText);
    }
    merge_runs(s, o, first, &l1);
    merge_runs(s, 1 + o, first, &l2);
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
    /// A merged 绩效指标 column left of 一级指标 (the 财预〔2020〕10号 layout).
    pub group_col: bool,
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
    group_col: true,
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
    group_col: false,
};

/// Where a self-evaluation form keeps its 总分 and 评价等级 (row, col).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormTotals {
    pub total: (u32, u16),
    pub grade: (u32, u16),
}

pub fn self_evaluation(
    name: &str,
    f: &ProjectFigures,
    e: &Evaluation,
    report: &Report,
    layout: &SelfLayout,
) -> Sheet {
    self_evaluation_at(name, f, e, report, layout, &DocFacts::default()).0
}

/// The form and where its totals are (the 总览 refers to them).
pub fn self_evaluation_at(
    name: &str,
    f: &ProjectFigures,
    e: &Evaluation,
    report: &Report,
    layout: &SelfLayout,
    facts: &DocFacts,
) -> (Sheet, FormTotals) {
    let o = u16::from(layout.group_col);
    let last = LAST + o;
    let mut s = base(name, &report.unit_name, layout.group_col);
    span(
        &mut s,
        0,
        0,
        last,
        text(format!("{}\n（{}）", layout.title, year_text(report))),
        Role::FormTitle,
    );
    mark_draft(&mut s, e.drafted);
    span(&mut s, 1, 0, o, text("项目名称"), Role::FormLabel);
    if layout.manager_on_name_row {
        span(&mut s, 1, 1 + o, 3 + o, text(&f.name), Role::FormText);
        // Two columns: the label on one line, not "项目负责人及电/话".
        span(
            &mut s,
            1,
            4 + o,
            5 + o,
            text("项目负责人及电话"),
            Role::FormLabel,
        );
        span(
            &mut s,
            1,
            6 + o,
            last,
            facts
                .manager_line()
                .map(Value::Text)
                .unwrap_or(Value::Empty),
            Role::FormText,
        );
    } else {
        span(&mut s, 1, 1 + o, last, text(&f.name), Role::FormText);
    }
    span(&mut s, 2, 0, o, text("主管部门"), Role::FormLabel);
    span(
        &mut s,
        2,
        1 + o,
        3 + o,
        text(
            report
                .department
                .clone()
                .unwrap_or_else(|| report.unit_name.clone()),
        ),
        Role::FormText,
    );
    s.put(2, 4 + o, text("实施单位"), Role::FormLabel);
    span(
        &mut s,
        2,
        5 + o,
        last,
        text(
            f.implementer
                .clone()
                .unwrap_or_else(|| report.unit_name.clone()),
        ),
        Role::FormText,
    );
    // Money block: label, the money columns, then 偏差原因分析 in what is left.
    // Layout A has room for 偏差原因分析 after the money columns; layout B
    // keeps its money columns at the right edge, as printed.
    let first_money: u16 = if layout.group_col {
        2
    } else {
        last + 1 - layout.money.len() as u16
    };
    let reason_col = first_money + layout.money.len() as u16;
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
    // The tool's prompt is a comment and a line on 待核实, never text in the
    // form: the 偏差原因分析 cell is the clerk's.
    let prompt = crate::compute::score::low_rate_prompt(f.execution_rate, e.grade);
    if reason_col <= last {
        span(
            &mut s,
            3,
            reason_col,
            last,
            text("偏差原因分析"),
            Role::FormLabel,
        );
    }
    let score_col_money = first_money
        + layout
            .money
            .iter()
            .position(|(c, _)| *c == MoneyCol::Score)
            .unwrap_or(0) as u16;
    for (n, (label, amounts)) in layout.money_rows.iter().enumerate() {
        let r = 4 + n as u32;
        span(&mut s, r, 0, first_money - 1, text(*label), Role::FormLabel);
        for (k, (col, _)) in layout.money.iter().enumerate() {
            let c = first_money + k as u16;
            match (col, *amounts, n == 0) {
                (MoneyCol::InitialBudget | MoneyCol::Budget, true, _) => {
                    s.put(r, c, Value::Number(f.budget), Role::FormMoney);
                }
                (MoneyCol::Paid, true, _) => {
                    s.put(r, c, Value::Number(f.paid), Role::FormMoney);
                }
                (MoneyCol::Weight, _, true) => {
                    s.put(r, c, Value::Number(e.budget_weight), Role::FormNumber);
                }
                (MoneyCol::Rate, _, true) => {
                    let rc = s.put(r, c, Value::rate(f.execution_rate), Role::FormRate);
                    // Without a 偏差原因 cell in the money block, the prompt is a note.
                    if reason_col > last && prompt.is_some() {
                        rc.note = prompt.clone();
                        rc.flagged = true;
                    }
                }
                (MoneyCol::Score, _, true) => {
                    let bs = s.put(
                        r,
                        c,
                        e.budget_score
                            .map(Value::Number)
                            .unwrap_or_else(|| text("待评")),
                        Role::FormNumber,
                    );
                    bs.note = Some(e.budget_rule.to_string());
                    bs.flagged = e.budget_score.is_none();
                }
                _ => {
                    s.put(r, c, dash(), Role::FormText);
                }
            }
        }
        if reason_col <= last {
            span(&mut s, r, reason_col, last, Value::Empty, Role::FormText);
            if n == 0
                && let Some(p) = &prompt
                && let Some(c) = s
                    .cells
                    .iter_mut()
                    .find(|c| c.row == r && c.col == reason_col)
            {
                c.note = Some(p.clone());
                c.flagged = true;
            }
        }
    }
    // 年度总体目标
    let g = 4 + layout.money_rows.len() as u32;
    let (target, actual) = (
        form_text(&f.target_text()),
        form_text(&f.result_text(report.as_of)),
    );
    // One label over both rows (and the group column), as on the form.
    for r in [g, g + 1] {
        for c in 0..=o {
            let v = if (r, c) == (g, 0) {
                text(layout.goals.0)
            } else {
                Value::Empty
            };
            s.put(r, c, v, Role::FormLabel);
        }
    }
    s.merge(g, 0, g + 1, o);
    span(
        &mut s,
        g,
        1 + o,
        4 + o,
        text(layout.goals.1),
        Role::FormLabel,
    );
    span(
        &mut s,
        g,
        5 + o,
        last,
        text(layout.goals.2),
        Role::FormLabel,
    );
    span(&mut s, g + 1, 1 + o, 4 + o, text(target), Role::FormText);
    span(&mut s, g + 1, 5 + o, last, text(actual), Role::FormText);
    // Indicator table (layout A: under a merged 绩效指标 column).
    let h = g + 2;
    s.put(h, o, text("一级指标"), Role::FormLabel);
    s.put(h, 1 + o, text("二级指标"), Role::FormLabel);
    for (k, (_, t)) in layout.indicators.iter().enumerate() {
        s.put(h, 2 + o + k as u16, text(*t), Role::FormLabel);
    }
    let first = h + 1;
    indicator_labels(&mut s, first, e, o);
    if layout.group_col {
        let end = first + e.indicators.len().max(1) as u32 - 1;
        s.put(h, 0, text("绩效指标"), Role::FormLabel);
        for r in first..=end {
            s.put(r, 0, Value::Empty, Role::FormLabel);
        }
        s.merge(h, 0, end, 0);
    }
    for (k, i) in e.indicators.iter().enumerate() {
        let r = first + k as u32;
        for (j, (col, _)) in layout.indicators.iter().enumerate() {
            let c = 2 + o + j as u16;
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
                        None => i.rule.to_string(),
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
        2 + o
            + layout
                .indicators
                .iter()
                .position(|(c, _)| *c == want)
                .unwrap_or(0) as u16
    };
    let (weight_col, score_col) = (col_of(IndCol::Weight), col_of(IndCol::Score));
    let t = first + e.indicators.len() as u32;
    span(&mut s, t, 0, weight_col - 1, text("总分"), Role::FormLabel);
    for c in weight_col..=last {
        s.put(t, c, Value::Empty, Role::FormText);
    }
    s.put(
        t,
        weight_col,
        Value::Number(Decimal::ONE_HUNDRED),
        Role::FormNumber,
    );
    // 总分 and 评价等级 are formulas over the score cells, so a score typed
    // over a 待评 updates them; the cached values are the tool's.
    let budget_cell = a1(4, score_col_money);
    let ranges = if e.indicators.is_empty() {
        budget_cell.clone()
    } else {
        format!(
            "{budget_cell},{}:{}",
            a1(first, score_col),
            a1(t - 1, score_col)
        )
    };
    let pending_expr = crate::compute::formula::pending(&ranges);
    let total = s.put(
        t,
        score_col,
        Value::Formula(
            crate::compute::formula::total_score(&ranges),
            Box::new(Value::Number(e.score)),
        ),
        Role::FormNumber,
    );
    total.note = Some(format!(
        "预算执行率得分与各指标得分（各保留两位小数）之和{}",
        if e.complete {
            ""
        } else {
            "；有待人工评分的指标，未计入"
        }
    ));
    total.flagged = !e.complete;
    span(&mut s, t + 1, 0, 1 + o, text("评价等级"), Role::FormLabel);
    let grade = e.grade_text();
    let tc = a1(t, score_col);
    let grade_expr = crate::compute::formula::grade(&tc, &pending_expr);
    span(
        &mut s,
        t + 1,
        2 + o,
        last,
        Value::Formula(grade_expr, Box::new(text(grade))),
        Role::FormText,
    );
    foot_lines(&mut s, t + 2, last, &report.unit_name);
    finish_heights(&mut s, first, t);
    // The goal texts: at least three lines.
    for (r, h) in s.row_heights.iter_mut() {
        if *r == g + 1 {
            *h = h.max(50.0);
        }
    }
    (
        s,
        FormTotals {
            total: (t, score_col),
            grade: (t + 1, 2 + o),
        },
    )
}

/// A drafted form says so in a comment on its title and on 待核实, not in
/// the printed title.
fn mark_draft(s: &mut Sheet, drafted: bool) {
    if !drafted {
        return;
    }
    if let Some(c) = s.cells.iter_mut().find(|c| c.row == 0 && c.col == 0) {
        c.note = Some(DRAFT_NOTE.into());
        c.flagged = true;
    }
}

const DRAFT_NOTE: &str =
    "本表绩效指标为系统按指标库草拟：标“**”处及实际完成值须由项目单位核实填写后方可使用";

/// One thing on a form for the clerk to check: listed on 待核实.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub sheet: String,
    pub cell: String,
    pub what: String,
}

/// The form's marks taken off its face: a marked cell keeps its comment
/// (comments don't print) and becomes a line of 待核实.
pub fn take_checks(s: &mut Sheet) -> Vec<Check> {
    let mut out = Vec::new();
    for c in s.cells.iter_mut().filter(|c| c.flagged) {
        c.flagged = false;
        let what = match (&c.note, &c.value) {
            (Some(n), _) => n.clone(),
            (None, Value::Text(t)) if t.contains('*') => {
                format!("草拟的指标值“{t}”：请把“**”改为实际数值")
            }
            (None, Value::Text(t)) => format!("请核实“{t}”"),
            _ => "请核实".to_string(),
        };
        out.push(Check {
            sheet: s.name.clone(),
            cell: a1(c.row, c.col),
            what,
        });
    }
    out.sort_by_key(|k| {
        let (letters, digits): (String, String) = k.cell.chars().partition(|c| c.is_alphabetic());
        (digits.parse::<u32>().unwrap_or(0), letters)
    });
    out.dedup();
    out
}

pub const CHECKS_SHEET: &str = "待核实";

/// 待核实: what the tool asks the clerk to check on the forms, one line a
/// cell; not part of any form.
pub fn checks_sheet(report: &Report, checks: &[Check]) -> Sheet {
    let mut s = Sheet::new(CHECKS_SHEET);
    s.text(
        0,
        0,
        format!("{}{}绩效表待核实事项", report.unit_name, year_text(report)),
        Role::Title,
    );
    s.merge(0, 0, 0, 3);
    s.text(
        1,
        0,
        format!(
            "截至{}；本表不属于任何表格，核实后各表中的批注可删除",
            report.as_of.format("%Y年%-m月%-d日")
        ),
        Role::Caption,
    );
    s.merge(1, 0, 1, 3);
    for (i, t) in ["序号", "工作表", "单元格", "待核实事项"]
        .iter()
        .enumerate()
    {
        s.text(2, i as u16, *t, Role::Header);
    }
    if checks.is_empty() {
        s.text(3, 0, "无待核实事项", Role::Text);
        s.merge(3, 0, 3, 3);
    }
    for (k, c) in checks.iter().enumerate() {
        let r = 3 + k as u32;
        s.put(r, 0, Value::Number((k + 1).into()), Role::Count);
        s.text(r, 1, c.sheet.clone(), Role::Text);
        s.text(r, 2, c.cell.clone(), Role::Text);
        s.text(r, 3, c.what.clone(), Role::Text);
    }
    s.widths = vec![(0, 6.0), (1, 16.0), (2, 8.0), (3, 56.0)];
    s.fit_label_heights(2);
    s.freeze = Some((3, 0));
    s.print = Some(PageSetup::new(&report.unit_name, Some((2, 2))));
    s
}

/// Row heights for print: wrapped text shown whole, every row at least one
/// comfortable line, indicator rows tall enough for their merged labels.
fn finish_heights(s: &mut Sheet, first: u32, end: u32) {
    let fixed: Vec<(u32, f64)> = s.row_heights.clone();
    s.fit_label_heights(1);
    let last = s.cells.iter().map(|c| c.row).max().unwrap_or(0);
    for r in 1..=last {
        let min = if (first..end).contains(&r) {
            24.0
        } else {
            20.0
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
    facts: &DocFacts,
) -> Sheet {
    let mut s = base(name, &report.unit_name, false);
    span(
        &mut s,
        0,
        0,
        LAST,
        text(format!(
            "绩效目标申报表\n（{}）（{}）",
            f.category,
            year_text(report)
        )),
        Role::FormTitle,
    );
    mark_draft(&mut s, e.drafted);
    s.put(1, 0, text("项目名称"), Role::FormLabel);
    span(&mut s, 1, 1, LAST, text(&f.name), Role::FormText);
    // Two columns: the label on one line, not "项目负责人及电/话".
    span(&mut s, 2, 0, 1, text("项目负责人及电话"), Role::FormLabel);
    span(
        &mut s,
        2,
        2,
        3,
        facts
            .manager_line()
            .map(Value::Text)
            .unwrap_or(Value::Empty),
        Role::FormText,
    );
    s.put(2, 4, text("主管部门"), Role::FormLabel);
    span(
        &mut s,
        2,
        5,
        LAST,
        text(
            report
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
            f.implementer
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
        f.location.clone().map(Value::Text).unwrap_or(Value::Empty),
        Role::FormText,
    );
    // 资金情况（万元）
    let (xj, zh, other) = f.budget_split();
    let rows = [
        ("年度资金总额", Value::Number(f.budget)),
        ("其中：财政拨款", Value::Number(xj + zh)),
        ("　　衔接资金", Value::Number(xj)),
        ("　　其他涉农整合资金", Value::Number(zh)),
        (
            "其他资金",
            if other.is_zero() {
                dash()
            } else {
                Value::Number(other)
            },
        ),
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
    // Lines that don't add up to the total are shown as typed, the total marked.
    if let Some(sum) = f.funds_sum_differs()
        && let Some(c) = s.cells.iter_mut().find(|c| c.row == 4 && c.col == 4)
    {
        c.flagged = true;
        c.note = Some(format!(
            "各资金来源之和 {} 万元与年度资金总额 {} 万元不符（台账中如此填写，见问题清单）",
            crate::model::Wan(sum),
            crate::model::Wan(f.budget)
        ));
    }
    s.merge(4, 0, 8, 0);
    let target = form_text(&f.target_text());
    s.put(9, 0, text("年度总体目标"), Role::FormLabel);
    span(&mut s, 9, 1, LAST, text(target), Role::FormText);
    s.row_heights.push((9, 60.0));
    let h = 10;
    s.put(h, 0, text("一级指标"), Role::FormLabel);
    s.put(h, 1, text("二级指标"), Role::FormLabel);
    span(&mut s, h, 2, 4, text("三级指标"), Role::FormLabel);
    span(&mut s, h, 5, LAST, text("指标值"), Role::FormLabel);
    let first = h + 1;
    indicator_labels(&mut s, first, e, 0);
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
    // Broken where the words break, not "财政股室初审意/见".
    for label in [
        "财政股室\n初审意见",
        "绩效股\n审核意见",
        "乡村振兴部门\n审核意见",
    ] {
        s.put(r, 0, text(label), Role::FormLabel);
        span(
            &mut s,
            r,
            1,
            LAST,
            text("\n\n（盖章）　　　　年　　月　　日"),
            Role::FormText,
        );
        s.row_heights.push((r, 50.0));
        r += 1;
    }
    foot_lines(&mut s, r, LAST, &report.unit_name);
    finish_heights(&mut s, first, first + e.indicators.len() as u32);
    s
}

pub fn overview(report: &Report, evals: &[Evaluation], forms: &[(String, FormTotals)]) -> Sheet {
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
    s.text(
        1,
        0,
        format!(
            "截至{}　　单位：万元",
            report.as_of.format("%Y年%-m月%-d日")
        ),
        Role::Caption,
    );
    s.merge(1, 0, 1, 10);
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
        s.text(2, i as u16, *t, Role::Header);
    }
    for (k, (f, e)) in report.projects.iter().zip(evals).enumerate() {
        let r = 3 + k as u32;
        s.put(r, 0, Value::Number((k + 1).into()), Role::Count);
        s.text(r, 1, f.id.clone(), Role::Text);
        s.text(r, 2, f.name.clone(), Role::Text);
        s.text(r, 3, f.category.clone(), Role::Text);
        s.put(r, 4, Value::Number(f.budget), Role::Money);
        s.put(r, 5, Value::rate(f.execution_rate), Role::Rate);
        s.put(
            r,
            6,
            e.budget_score.map(Value::Number).unwrap_or_else(dash),
            Role::Score,
        );
        // 总分 and 等级 follow the form, so a score filled in by hand shows here too.
        let grade_text = e.grade.unwrap_or("待定").to_string();
        let (total, grade) = match forms.get(k) {
            Some((sheet, at)) => (
                Value::Formula(
                    super::sheet::abs_ref(sheet, at.total.0, at.total.1),
                    Box::new(Value::Number(e.score)),
                ),
                Value::Formula(
                    crate::compute::formula::grade_short(&super::sheet::abs_ref(
                        sheet, at.grade.0, at.grade.1,
                    )),
                    Box::new(text(grade_text)),
                ),
            ),
            None => (Value::Number(e.score), text(grade_text)),
        };
        s.put(r, 7, total, Role::Score);
        let g = s.put(r, 8, grade, Role::Text);
        g.flagged = e.grade.is_none();
        let src = s.text(r, 9, if e.drafted { "草拟" } else { "原表" }, Role::Text);
        src.flagged = e.drafted;
        s.put(r, 10, Value::Number(e.pending().into()), Role::Count);
    }
    s.fit_widths(5.0, 24.0);
    s.print = Some(PageSetup::new(&report.unit_name, Some((2, 2))).repeat_cols(0, 2));
    s.fit_label_heights(2);
    s.freeze = Some((3, 0));
    s
}

pub fn forms_workbook(report: &Report, evals: &[Evaluation], layout: &SelfLayout) -> Vec<Sheet> {
    forms_workbook_with(report, evals, layout, &DocFacts::default())
}

/// The forms with the facts a clerk gave on 说明 (项目负责人, 联系电话);
/// the tool's marks go to comments and the last sheet, 待核实.
pub fn forms_workbook_with(
    report: &Report,
    evals: &[Evaluation],
    layout: &SelfLayout,
    facts: &DocFacts,
) -> Vec<Sheet> {
    crate::write::xlsx::materialize(forms_book(report, evals, layout, facts))
}

/// What the forms leave for the sheets written after them: each form's
/// lines of 待核实 (two a project, in order) and where each
/// self-evaluation keeps its totals (for 总览).
struct Left {
    checks: Vec<Vec<Check>>,
    totals: Vec<Option<FormTotals>>,
}

/// The forms workbook as it is written: 总览, each project's 目标 and
/// 自评 forms, 待核实. The forms are built only when written (a chunk at
/// a time, in parallel) and dropped; 总览 and 待核实, which gather what
/// every form left, are built after them. A workbook of 20,000 forms never
/// holds them all.
pub fn forms_book<'a>(
    report: &'a Report,
    evals: &'a [Evaluation],
    layout: &'a SelfLayout,
    facts: &'a DocFacts,
) -> Vec<crate::write::xlsx::Slot<'a>> {
    use crate::write::xlsx::Slot;
    use std::sync::{Arc, Mutex};
    let n = report.projects.len().min(evals.len());
    let mut taken: HashSet<String> =
        HashSet::from(["总览".to_lowercase(), CHECKS_SHEET.to_lowercase()]);
    let names: Vec<(String, String)> = report.projects[..n]
        .iter()
        .map(|f| {
            let target = sheet_name("目标", &f.id, &mut taken);
            let own = sheet_name("自评", &f.id, &mut taken);
            (target, own)
        })
        .collect();
    let left = Arc::new(Mutex::new(Left {
        checks: vec![Vec::new(); 2 * n],
        totals: vec![None; n],
    }));
    let names = Arc::new(names);
    let mut slots: Vec<Slot<'a>> = Vec::with_capacity(2 * n + 2);
    {
        let left = left.clone();
        let names = names.clone();
        slots.push(Slot::After(Box::new(move || {
            let left = left.lock().expect("forms state");
            let totals: Vec<(String, FormTotals)> = names
                .iter()
                .zip(&left.totals)
                .map(|((_, own), at)| (own.clone(), at.expect("form written before 总览")))
                .collect();
            overview(report, evals, &totals)
        })));
    }
    for k in 0..n {
        let (f, e) = (&report.projects[k], &evals[k]);
        let (l, ns) = (left.clone(), names.clone());
        slots.push(Slot::Lazy(Box::new(move || {
            let mut t = target_form(&ns[k].0, f, e, report, facts);
            let checks = take_checks(&mut t);
            l.lock().expect("forms state").checks[2 * k] = checks;
            t
        })));
        let (l, ns) = (left.clone(), names.clone());
        slots.push(Slot::Lazy(Box::new(move || {
            let (mut form, at) = self_evaluation_at(&ns[k].1, f, e, report, layout, facts);
            let checks = take_checks(&mut form);
            let mut left = l.lock().expect("forms state");
            left.checks[2 * k + 1] = checks;
            left.totals[k] = Some(at);
            form
        })));
    }
    slots.push(Slot::After(Box::new(move || {
        let left = left.lock().expect("forms state");
        let checks: Vec<Check> = left.checks.iter().flatten().cloned().collect();
        checks_sheet(report, &checks)
    })));
    slots
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
