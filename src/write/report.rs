//! Report data → the sheets of the annotated workbook.

use super::sheet::{
    CHART_SIZE, Cell, ChartSeries, ChartSpec, Orientation, PageSetup, Role, Sheet, Span, Value,
    abs_ref, col_ref,
};
use crate::compute::formula as rules;
use crate::compute::{GroupFigures, PaymentUse, Report};
use crate::model::book::{RawBook, RawSheet};
use crate::model::{Problem, RecordKind, Severity};
use calamine::Data;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub const SUMMARY: &str = "汇总";
pub const PROGRESS: &str = "项目进度";
pub const PAYMENTS: &str = "拨付明细";
pub const MONTHLY: &str = "月度进度";
pub const PROBLEMS: &str = "问题清单";
pub const REPORT_SHEETS: &[&str] = &[
    SUMMARY,
    PROGRESS,
    PAYMENTS,
    MONTHLY,
    PROBLEMS,
    super::reading::READING,
];

/// Where the cut-off date and the total budget sit on 汇总 (formulas refer to them).
const CUTOFF: (u32, u16) = (1, 1);
const SUMMARY_HEADER_ROW: u32 = 3;
const TOTAL_BUDGET: (u32, u16) = (SUMMARY_HEADER_ROW + 1, 2);

/// 拨付明细 columns.
mod pay_col {
    pub const NO: u16 = 0;
    pub const ID: u16 = 1;
    pub const DATE: u16 = 2;
    pub const AMOUNT: u16 = 3;
    pub const FUND: u16 = 4;
    pub const VOUCHER: u16 = 5;
    pub const MEMO: u16 = 6;
    pub const STATE: u16 = 7;
    pub const SOURCE: u16 = 8;
}

/// 项目进度 columns.
mod prj_col {
    pub const ID: u16 = 0;
    pub const NAME: u16 = 1;
    pub const CATEGORY: u16 = 2;
    pub const FUND: u16 = 3;
    pub const STATUS: u16 = 4;
    pub const BUDGET: u16 = 5;
    pub const SETTLED: u16 = 6;
    pub const PAID: u16 = 7;
    pub const RATE: u16 = 8;
    pub const OUTSTANDING: u16 = 9;
    pub const UNSPENT: u16 = 10;
    pub const REMAINING: u16 = 11;
    pub const LOCATION: u16 = 12;
    pub const IMPLEMENTER: u16 = 13;
    pub const START: u16 = 14;
    pub const END: u16 = 15;
    pub const REASON: u16 = 16;
    pub const SOURCE: u16 = 17;
}
const PROGRESS_HEADER_ROW: u32 = 2;
/// 拨付明细: title, a line with the cut-off and unit, then the header.
const PAY_HEADER_ROW: u32 = 2;

/// "2024年5月31日"
pub(super) fn zh_date(d: chrono::NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// A sheet's title over `last` columns and the line under it (unit,
/// cut-off, money unit): every printed table says what it is.
pub fn title_rows(s: &mut Sheet, last: u16, title: String, caption: String) {
    s.text(0, 0, title, Role::Title);
    s.merge(0, 0, 0, last);
    s.text(1, 0, caption, Role::Caption);
    s.merge(1, 0, 1, last);
}

fn money(d: Decimal) -> Value {
    Value::Number(d)
}
fn formula(expr: String, result: Value) -> Value {
    Value::Formula(expr, Box::new(result))
}
fn rate_formula(paid: &str, budget: &str, rate: Option<Decimal>) -> Value {
    formula(rules::execution_rate(paid, budget), Value::rate(rate))
}
fn c(row: u32, col: u16) -> String {
    super::sheet::a1(row, col)
}

/// Lower-cased ids that stand for more than one spelling among projects
/// and payments (`ab-1`, `AB-1`): SUMIFS would add them together.
fn case_clashes(report: &Report) -> HashSet<String> {
    let mut spellings: HashMap<String, HashSet<&str>> = HashMap::new();
    let ids = report
        .projects
        .iter()
        .map(|p| p.id.as_str())
        .chain(report.payments.iter().map(|p| p.project_id.as_str()));
    for id in ids {
        spellings.entry(id.to_lowercase()).or_default().insert(id);
    }
    spellings
        .into_iter()
        .filter(|(_, s)| s.len() > 1)
        .map(|(k, _)| k)
        .collect()
}

fn opt_text(s: &Option<String>) -> Value {
    s.clone().map(Value::Text).unwrap_or(Value::Empty)
}

pub fn title_of(report: &Report) -> String {
    match report.year {
        Some(y) => format!("{}{}年度衔接及整合资金", report.unit_name, y),
        None => format!("{}衔接及整合资金", report.unit_name),
    }
}

pub fn summary_sheet(report: &Report) -> Sheet {
    let mut s = Sheet::new(SUMMARY);
    let last_col = 7;
    s.text(
        0,
        0,
        format!("{}执行情况汇总", title_of(report)),
        Role::Title,
    );
    s.merge(0, 0, 0, last_col);
    s.text(CUTOFF.0, 0, "截止日期", Role::Caption);
    s.put(CUTOFF.0, CUTOFF.1, Value::Date(report.as_of), Role::Date);
    if !report.as_of_source.is_empty() {
        s.text(
            CUTOFF.0,
            CUTOFF.1 + 1,
            format!("（来源：{}）", report.as_of_source),
            Role::Caption,
        );
    }
    s.text(1, last_col, "单位：万元", Role::Caption);
    if let Some(b) = report.excluded.banner() {
        banner(&mut s, SUMMARY_HEADER_ROW - 1, last_col, b);
    }
    let h = SUMMARY_HEADER_ROW;
    for (i, t) in [
        "项目",
        "项目数",
        "预算金额",
        "已拨付",
        "执行率",
        "待拨付",
        "结余",
        "未支出（预算−已拨付）",
    ]
    .iter()
    .enumerate()
    {
        s.text(h, i as u16, *t, Role::Header);
    }
    let total_row = h + 1;
    let cat_first = total_row + 2;
    let cat_last = cat_first + report.by_category.len() as u32 - 1;
    let fund_first = cat_last + 2;

    let progress_col = |col: u16| col_ref(PROGRESS, col);
    let cutoff = abs_ref(SUMMARY, CUTOFF.0, CUTOFF.1);
    // 按资金性质 of a ledger with split budgets: a project row of 项目进度 has
    // one fund, so budgets and 待拨付/结余 by fund are written as values.
    let split = report.split_budgets;
    let group_row = |s: &mut Sheet,
                     row: u32,
                     g: &GroupFigures,
                     key_col: u16,
                     paid_expr: String,
                     total: bool| {
        let by_formula = !(split && key_col == prj_col::FUND);
        let (t, m, r, n) = if total {
            (
                Role::TotalText,
                Role::TotalMoney,
                Role::TotalRate,
                Role::TotalCount,
            )
        } else {
            (Role::Text, Role::Money, Role::Rate, Role::Count)
        };
        s.text(row, 0, g.key.clone(), t);
        s.put(
            row,
            1,
            formula(
                rules::group_count(&progress_col(key_col), &format!("$A{}", row + 1)),
                Value::Number(g.project_count.into()),
            ),
            n,
        );
        let budget = if by_formula {
            formula(
                rules::group_sum(
                    &progress_col(prj_col::BUDGET),
                    &progress_col(key_col),
                    &format!("$A{}", row + 1),
                ),
                money(g.budget),
            )
        } else {
            money(g.budget)
        };
        s.put(row, 2, budget, m);
        s.put(row, 3, formula(paid_expr, money(g.paid)), m);
        // Money paid from this fund to another fund's projects is not
        // execution of this fund's budget.
        let own_paid = match g.paid_to_other_funds {
            Some(x) => rules::own_paid(&c(row, 3), x),
            None => c(row, 3),
        };
        s.put(
            row,
            4,
            rate_formula(&own_paid, &c(row, 2), g.execution_rate),
            r,
        );
        if let Some(x) = g.paid_to_other_funds {
            s.cells.last_mut().expect("just put").note = Some(format!(
                "已拨付中有 {} 万元拨给了预算不在{}下的项目，不计入本行执行率和未支出（见问题清单）",
                x.normalize(),
                g.key
            ));
        }
        for (col, value, src) in [
            (5, g.outstanding, prj_col::OUTSTANDING),
            (6, g.unspent, prj_col::UNSPENT),
        ] {
            match value {
                Some(v) if !by_formula => s.put(row, col, money(v), m),
                Some(v) => s.put(
                    row,
                    col,
                    formula(
                        rules::group_sum(
                            &progress_col(src),
                            &progress_col(key_col),
                            &format!("$A{}", row + 1),
                        ),
                        money(v),
                    ),
                    m,
                ),
                None => s.text(row, col, "—", m),
            };
        }
        s.put(
            row,
            7,
            formula(rules::remaining(&c(row, 2), &own_paid), money(g.remaining)),
            m,
        );
    };

    // 合计: sums of the category rows.
    let t = &report.totals;
    s.text(total_row, 0, "合计", Role::TotalText);
    let sum = |col: u16| rules::sum(&rules::range(&c(cat_first, col), &c(cat_last, col)));
    s.put(
        total_row,
        1,
        formula(sum(1), Value::Number(t.project_count.into())),
        Role::TotalCount,
    );
    s.put(
        total_row,
        2,
        formula(sum(2), money(t.budget)),
        Role::TotalMoney,
    );
    s.put(
        total_row,
        3,
        formula(sum(3), money(t.paid)),
        Role::TotalMoney,
    );
    s.put(
        total_row,
        4,
        rate_formula(&c(total_row, 3), &c(total_row, 2), t.execution_rate),
        Role::TotalRate,
    );
    for (col, v) in [(5, t.outstanding), (6, t.unspent)] {
        match v {
            Some(v) => s.put(
                total_row,
                col,
                formula(sum(col), money(v)),
                Role::TotalMoney,
            ),
            None => s.text(total_row, col, "—", Role::TotalMoney),
        };
    }
    s.put(
        total_row,
        7,
        formula(
            rules::remaining(&c(total_row, 2), &c(total_row, 3)),
            money(t.remaining),
        ),
        Role::TotalMoney,
    );

    s.text(total_row + 1, 0, "按项目类别", Role::Section);
    s.merge(total_row + 1, 0, total_row + 1, last_col);
    for (i, g) in report.by_category.iter().enumerate() {
        let row = cat_first + i as u32;
        let paid = rules::group_sum(
            &progress_col(prj_col::PAID),
            &progress_col(prj_col::CATEGORY),
            &format!("$A{}", row + 1),
        );
        group_row(&mut s, row, g, prj_col::CATEGORY, paid, false);
    }
    s.text(
        fund_first - 1,
        0,
        "按资金性质（预算按项目的资金性质，已拨付按每笔拨付的资金性质）",
        Role::Section,
    );
    s.merge(fund_first - 1, 0, fund_first - 1, last_col);
    for (i, g) in report.by_fund_source.iter().enumerate() {
        let row = fund_first + i as u32;
        let paid = rules::paid_by_cutoff(
            &col_ref(PAYMENTS, pay_col::AMOUNT),
            &col_ref(PAYMENTS, pay_col::FUND),
            &format!("$A{}", row + 1),
            &col_ref(PAYMENTS, pay_col::DATE),
            &cutoff,
        );
        group_row(&mut s, row, g, prj_col::FUND, paid, false);
    }
    // Money paid from a fund to another fund's projects, said on the page
    // (a cell note doesn't print).
    let mut row = fund_first + report.by_fund_source.len() as u32;
    for g in &report.by_fund_source {
        if let Some(x) = g.paid_to_other_funds {
            s.text(
                row,
                0,
                format!(
                    "注：{}已拨付 {} 万元中，有 {} 万元拨给了预算不在{}下的项目（见问题清单），不计入{}的执行率和未支出。",
                    g.key,
                    crate::model::Wan(g.paid),
                    crate::model::Wan(x),
                    g.key,
                    g.key
                ),
                // Wrapped within the table's width (a caption would be cut).
                Role::Note,
            );
            s.merge(row, 0, row, last_col);
            row += 1;
        }
    }
    s.fit_widths(10.0, 40.0);
    s.widths.retain(|(c, _)| *c != 0);
    s.widths.push((0, 24.0));
    s.fit_label_heights(h);
    s.freeze = Some((h + 1, 1));
    s.print = Some(PageSetup::new(&report.unit_name, Some((0, h))).repeat_cols(0, 0));
    s
}

/// A red line across the print area saying what the totals leave out.
pub fn banner(s: &mut Sheet, row: u32, last_col: u16, text: String) {
    s.text(row, 0, text, Role::Banner);
    for c in 1..=last_col {
        s.put(row, c, Value::Empty, Role::Banner);
    }
    s.merge(row, 0, row, last_col);
    s.row_heights.push((row, 30.0));
}

pub fn progress_sheet(report: &Arc<Report>) -> Sheet {
    use prj_col::*;
    let mut s = Sheet::new(PROGRESS);
    s.text(0, 0, format!("{}项目进度表", title_of(report)), Role::Title);
    s.merge(0, 0, 0, REMAINING);
    s.text(1, 0, "截止日期", Role::Caption);
    s.put(
        1,
        1,
        formula(
            abs_ref(SUMMARY, CUTOFF.0, CUTOFF.1),
            Value::Date(report.as_of),
        ),
        Role::Date,
    );
    s.text(1, 3, "单位：万元", Role::Caption);
    let headers = [
        "项目编号",
        "项目名称",
        "项目类别",
        "资金性质",
        "建设状态",
        "预算金额",
        "结算金额",
        "已拨付",
        "执行率",
        "待拨付",
        "结余",
        "未支出",
        "建设地点",
        "实施单位",
        "开工日期",
        "完工日期",
        "偏差原因",
        "来源行",
    ];
    let h = PROGRESS_HEADER_ROW;
    for (i, t) in headers.iter().enumerate() {
        s.text(h, i as u16, *t, Role::Header);
    }
    let last = h + report.projects.len() as u32;
    let total = last + 1;
    let left_out = report
        .excluded
        .rows
        .iter()
        .filter(|e| e.kind == RecordKind::Project)
        .count() as u32;
    if left_out > 0 {
        s.merge(total + 2, ID, total + 2, REMAINING);
    }
    let data = Arc::clone(report);
    let folded = case_clashes(report);
    s.take_rows_fitted(
        Arc::new(move |full, emit| progress_rows(&data, &folded, full, emit)),
        8.0,
        24.0,
    );
    s.cap_width(NAME, 16.0);
    s.cap_width(CATEGORY, 10.0);
    s.cap_width(FUND, 10.0);
    s.fit_label_heights(h);
    s.freeze = Some((h + 1, 2));
    s.autofilter = Some(Span {
        first_row: h,
        first_col: 0,
        last_row: last.max(h + 1),
        last_col: SOURCE,
    });
    // The money columns are printed; the descriptive ones stay on screen.
    s.print = Some(
        PageSetup::new(&report.unit_name, Some((h, h)))
            .columns(0, REMAINING)
            .repeat_cols(ID, NAME),
    );
    s
}

/// A cell of a table produced on demand.
fn cell(row: u32, col: u16, value: Value, role: Role) -> Cell {
    Cell::new(row, col, value, role)
}

fn flagged(mut c: Cell) -> Cell {
    c.flagged = true;
    c
}

/// A formula whose text is spelled only when the cell is written (`full`).
fn lazy_formula(full: bool, expr: impl FnOnce() -> String, result: Value) -> Value {
    formula(if full { expr() } else { String::new() }, result)
}

/// 项目进度's rows under the header: one per project, 合计, and the
/// projects left out of the sums.
fn progress_rows(
    report: &Report,
    folded: &HashSet<String>,
    full: bool,
    emit: &mut dyn FnMut(Cell),
) {
    use prj_col::*;
    let h = PROGRESS_HEADER_ROW;
    let cutoff = abs_ref(SUMMARY, CUTOFF.0, CUTOFF.1);
    let text = |t: &str| Value::Text(t.to_string());
    for (i, f) in report.projects.iter().enumerate() {
        let r = h + 1 + i as u32;
        emit(cell(r, ID, text(&f.id), Role::Text));
        emit(cell(r, NAME, text(&f.name), Role::Text));
        emit(cell(r, CATEGORY, text(&f.category), Role::Text));
        emit(cell(r, FUND, text(&f.fund_source), Role::Text));
        emit(cell(r, STATUS, opt_text(&f.status), Role::Text));
        emit(cell(r, BUDGET, money(f.budget), Role::Money));
        emit(cell(
            r,
            SETTLED,
            f.settled.map(money).unwrap_or(Value::Empty),
            Role::Money,
        ));
        let paid = || {
            if !folded.is_empty() && folded.contains(&f.id.to_lowercase()) {
                // SUMIFS ignores case: ids differing only by case are told
                // apart by EXACT over the payment rows.
                let rows = |col: u16| {
                    let n = crate::model::col_name(col as u32);
                    format!(
                        "{}!${n}${}:${n}${}",
                        super::sheet::quoted(PAYMENTS),
                        PAY_HEADER_ROW + 2,
                        report.payments.len() as u32 + PAY_HEADER_ROW + 1
                    )
                };
                rules::paid_by_cutoff_case_exact(
                    &rows(pay_col::AMOUNT),
                    &rows(pay_col::ID),
                    &c(r, ID),
                    &rows(pay_col::DATE),
                    &cutoff,
                )
            } else {
                rules::paid_by_cutoff(
                    &col_ref(PAYMENTS, pay_col::AMOUNT),
                    &col_ref(PAYMENTS, pay_col::ID),
                    &c(r, ID),
                    &col_ref(PAYMENTS, pay_col::DATE),
                    &cutoff,
                )
            }
        };
        emit(cell(
            r,
            PAID,
            lazy_formula(full, paid, money(f.paid)),
            Role::Money,
        ));
        emit(cell(
            r,
            RATE,
            lazy_formula(
                full,
                || rules::execution_rate(&c(r, PAID), &c(r, BUDGET)),
                Value::rate(f.execution_rate),
            ),
            Role::Rate,
        ));
        let dash = || Value::Text("—".into());
        emit(cell(
            r,
            OUTSTANDING,
            lazy_formula(
                full,
                || rules::outstanding(&c(r, SETTLED), &c(r, PAID)),
                f.outstanding.map(money).unwrap_or_else(dash),
            ),
            Role::Money,
        ));
        emit(cell(
            r,
            UNSPENT,
            lazy_formula(
                full,
                || rules::unspent(&c(r, SETTLED), &c(r, BUDGET)),
                f.unspent.map(money).unwrap_or_else(dash),
            ),
            Role::Money,
        ));
        emit(cell(
            r,
            REMAINING,
            lazy_formula(
                full,
                || rules::remaining(&c(r, BUDGET), &c(r, PAID)),
                money(f.remaining),
            ),
            Role::Money,
        ));
        emit(cell(r, LOCATION, opt_text(&f.location), Role::Text));
        emit(cell(r, IMPLEMENTER, opt_text(&f.implementer), Role::Text));
        emit(cell(
            r,
            START,
            f.start_date.map(Value::Date).unwrap_or(Value::Empty),
            Role::Date,
        ));
        emit(cell(
            r,
            END,
            f.end_date.map(Value::Date).unwrap_or(Value::Empty),
            Role::Date,
        ));
        emit(cell(r, REASON, opt_text(&f.deviation_reason), Role::Text));
        emit(cell(r, SOURCE, Value::Text(f.row.to_string()), Role::Text));
    }
    let first = h + 1;
    let last = h + report.projects.len() as u32;
    let total = last + 1;
    let t = &report.totals;
    emit(cell(total, ID, text("合计"), Role::TotalText));
    for col in [NAME, CATEGORY, FUND, STATUS] {
        emit(cell(total, col, Value::Empty, Role::TotalText));
    }
    let sum = |col: u16| rules::sum(&rules::range(&c(first, col), &c(last.max(first), col)));
    let settled_sum: Option<Decimal> = report
        .projects
        .iter()
        .filter_map(|p| p.settled)
        .reduce(|a, b| a + b);
    emit(cell(
        total,
        BUDGET,
        formula(sum(BUDGET), money(t.budget)),
        Role::TotalMoney,
    ));
    emit(match settled_sum {
        Some(v) => cell(
            total,
            SETTLED,
            formula(sum(SETTLED), money(v)),
            Role::TotalMoney,
        ),
        None => cell(total, SETTLED, text("—"), Role::TotalMoney),
    });
    emit(cell(
        total,
        PAID,
        formula(sum(PAID), money(t.paid)),
        Role::TotalMoney,
    ));
    emit(cell(
        total,
        RATE,
        rate_formula(&c(total, PAID), &c(total, BUDGET), t.execution_rate),
        Role::TotalRate,
    ));
    for (col, v) in [(OUTSTANDING, t.outstanding), (UNSPENT, t.unspent)] {
        emit(match v {
            Some(v) => cell(total, col, formula(sum(col), money(v)), Role::TotalMoney),
            None => cell(total, col, text("—"), Role::TotalMoney),
        });
    }
    emit(cell(
        total,
        REMAINING,
        formula(
            rules::remaining(&c(total, BUDGET), &c(total, PAID)),
            money(t.remaining),
        ),
        Role::TotalMoney,
    ));
    // Rows left out of the sums, below the 合计 row where no SUM reaches;
    // without 类别 and 资金性质, so no SUMIFS on 汇总 counts them.
    let mut r = total + 1;
    let left_out: Vec<_> = report
        .excluded
        .rows
        .iter()
        .filter(|e| e.kind == RecordKind::Project)
        .collect();
    if !left_out.is_empty() {
        r += 1;
        let title = format!(
            "以下 {} 个项目因数据错误未计入合计（见问题清单）",
            left_out.len()
        );
        section_cells(emit, r, ID, REMAINING, title);
        for e in left_out {
            r += 1;
            for col in ID..=REMAINING {
                let (v, role) = match col {
                    ID => (opt_text(&e.id), Role::Text),
                    NAME => (opt_text(&e.name), Role::Text),
                    STATUS => (Value::Text("未计入".into()), Role::Text),
                    BUDGET => (amount_read(e), Role::Money),
                    CATEGORY | FUND => (Value::Empty, Role::Text),
                    _ => (Value::Text("—".into()), Role::Money),
                };
                emit(flagged(cell(r, col, v, role)));
            }
            emit(cell(r, REASON, Value::Text(e.reason.clone()), Role::Text));
            emit(cell(r, SOURCE, Value::Text(e.row.to_string()), Role::Text));
        }
    }
}

/// The cells of a shaded heading row over `first..=last` (its merge is
/// the sheet's, set before the rows are taken).
fn section_cells(emit: &mut dyn FnMut(Cell), r: u32, first: u16, last: u16, title: String) {
    emit(cell(r, first, Value::Text(title), Role::Section));
    for col in first + 1..=last {
        emit(cell(r, col, Value::Empty, Role::Section));
    }
}

/// The amount a left-out row showed, or 无法读出 — never 0.
fn amount_read(e: &crate::model::ExcludedRow) -> Value {
    e.amount
        .map(money)
        .unwrap_or_else(|| Value::Text("无法读出".into()))
}

pub fn payments_sheet(report: &Arc<Report>) -> Sheet {
    use pay_col::*;
    let mut s = Sheet::new(PAYMENTS);
    let h = PAY_HEADER_ROW;
    title_rows(
        &mut s,
        STATE,
        format!("{}拨付明细", title_of(report)),
        format!(
            "截至{}（此后的拨付列出但不计入）　　单位：万元",
            zh_date(report.as_of)
        ),
    );
    for (i, t) in [
        "序号",
        "项目编号",
        "拨付日期",
        "拨付金额（万元）",
        "资金性质",
        "凭证号",
        "摘要",
        "计入情况",
        "来源行",
    ]
    .iter()
    .enumerate()
    {
        s.text(h, i as u16, *t, Role::Header);
    }
    s.column_roles = vec![
        (NO, Role::Count),
        (ID, Role::Text),
        (DATE, Role::Date),
        (AMOUNT, Role::Money),
        (FUND, Role::Text),
        (VOUCHER, Role::Text),
        (MEMO, Role::Text),
        (STATE, Role::Text),
        (SOURCE, Role::Text),
    ];
    // One note on the header, not one per row: a note per cell makes large files slow to open.
    s.cells[2 + FUND as usize].note =
        Some("本笔拨付实际使用的资金性质；原表未填的，取项目的资金性质（项目预算分几种资金而本笔未注明的，记为“未注明资金性质”）".into());
    let left_out = report
        .excluded
        .rows
        .iter()
        .filter(|e| e.kind == RecordKind::Payment)
        .count();
    if left_out > 0 {
        let r = h + report.payments.len() as u32 + 2;
        s.merge(r, NO, r, SOURCE);
    }
    let data = Arc::clone(report);
    s.take_rows_fitted(
        Arc::new(move |_, emit| payment_rows(&data, emit)),
        6.0,
        24.0,
    );
    s.cap_width(MEMO, 24.0);
    s.cap_width(STATE, 20.0);
    s.fit_label_heights(h);
    s.freeze = Some((h + 1, 0));
    s.autofilter = Some(Span {
        first_row: h,
        first_col: 0,
        last_row: h + report.payments.len().max(1) as u32,
        last_col: SOURCE,
    });
    // 来源行 is for the screen: outside the print area.
    s.print = Some(
        PageSetup::new(&report.unit_name, Some((h, h)))
            .columns(NO, STATE)
            .repeat_cols(NO, ID),
    );
    s
}

/// 拨付明细's rows under the header: one per payment, then the payments
/// left out of the sums.
fn payment_rows(report: &Report, emit: &mut dyn FnMut(Cell)) {
    use pay_col::*;
    let h = PAY_HEADER_ROW;
    // The same two texts for most rows.
    let counted = PaymentUse::Counted.describe(report.as_of);
    let late = PaymentUse::AfterCutOff.describe(report.as_of);
    for (i, p) in report.payments.iter().enumerate() {
        let r = h + 1 + i as u32;
        emit(cell(r, NO, Value::Number((i + 1).into()), Role::Count));
        emit(cell(r, ID, Value::Text(p.project_id.clone()), Role::Text));
        emit(cell(r, DATE, Value::Date(p.date), Role::Date));
        emit(cell(r, AMOUNT, money(p.amount), Role::Money));
        emit(cell(r, FUND, Value::Text(p.fund.clone()), Role::Text));
        emit(cell(r, VOUCHER, opt_text(&p.voucher), Role::Text));
        emit(cell(r, MEMO, opt_text(&p.memo), Role::Text));
        let state = match p.used {
            PaymentUse::Counted => counted.clone(),
            PaymentUse::AfterCutOff => late.clone(),
        };
        let mut state = cell(r, STATE, Value::Text(state), Role::Text);
        state.flagged = p.used != PaymentUse::Counted;
        emit(state);
        emit(cell(r, SOURCE, Value::Text(p.row.to_string()), Role::Text));
    }
    // Payments left out of the sums, below the others: no 拨付日期 and no
    // 资金性质, so none of the SUMIFS that read this sheet counts them.
    let left_out: Vec<_> = report
        .excluded
        .rows
        .iter()
        .filter(|e| e.kind == RecordKind::Payment)
        .collect();
    let mut r = h + report.payments.len() as u32;
    if !left_out.is_empty() {
        r += 2;
        let title = format!(
            "以下 {} 笔拨付因数据错误未计入合计（见问题清单）",
            left_out.len()
        );
        section_cells(emit, r, NO, SOURCE, title);
        for e in left_out {
            r += 1;
            for col in NO..=SOURCE {
                let (v, role) = match col {
                    ID => (opt_text(&e.id), Role::Text),
                    AMOUNT => (amount_read(e), Role::Money),
                    MEMO => (opt_text(&e.name), Role::Text),
                    STATE => (
                        Value::Text("未计入（数据错误，见问题清单）".into()),
                        Role::Text,
                    ),
                    SOURCE => (Value::Text(e.row.to_string()), Role::Text),
                    _ => (Value::Empty, Role::Text),
                };
                emit(flagged(cell(r, col, v, role)));
            }
        }
    }
}

pub fn monthly_sheet(report: &Report) -> Sheet {
    let mut s = Sheet::new(MONTHLY);
    s.text(
        0,
        0,
        format!("{}月度拨付进度", title_of(report)),
        Role::Title,
    );
    s.merge(0, 0, 0, 12);
    s.text(
        1,
        0,
        format!("截至{}　　单位：万元", zh_date(report.as_of)),
        Role::Caption,
    );
    s.merge(1, 0, 1, 3);
    let h = 2;
    for (i, t) in ["月份", "当月拨付", "累计拨付", "累计执行率"]
        .iter()
        .enumerate()
    {
        s.text(h, i as u16, *t, Role::Header);
    }
    let cutoff = abs_ref(SUMMARY, CUTOFF.0, CUTOFF.1);
    let total_budget = abs_ref(SUMMARY, TOTAL_BUDGET.0, TOTAL_BUDGET.1);
    for (i, m) in report.monthly.iter().enumerate() {
        let r = h + 1 + i as u32;
        s.put(r, 0, Value::Date(m.first_day()), Role::Month);
        let paid = rules::paid_in_month(
            &col_ref(PAYMENTS, pay_col::AMOUNT),
            &col_ref(PAYMENTS, pay_col::DATE),
            &c(r, 0),
            &cutoff,
        );
        s.put(r, 1, formula(paid, money(m.paid)), Role::Money);
        let cum = if i == 0 {
            c(r, 1)
        } else {
            rules::cumulative(&c(r - 1, 2), &c(r, 1))
        };
        s.put(r, 2, formula(cum, money(m.cumulative_paid)), Role::Money);
        s.put(
            r,
            3,
            rate_formula(&c(r, 2), &total_budget, m.execution_rate),
            Role::Rate,
        );
    }
    let (first, last) = (h + 1, h + report.monthly.len() as u32);
    if !report.monthly.is_empty() {
        s.charts.push(ChartSpec {
            title: "月度拨付进度（万元）".into(),
            categories_col: 0,
            columns: vec![ChartSeries {
                name: "当月拨付".into(),
                rows: (first, last),
                col: 1,
            }],
            lines: vec![ChartSeries {
                name: "累计拨付".into(),
                rows: (first, last),
                col: 2,
            }],
            at: (h, 5),
            category_format: Some("yyyy-mm".into()),
            value_format: None,
            size: CHART_SIZE,
        });
    }
    s.widths = vec![(0, 12.0), (1, 14.0), (2, 14.0), (3, 12.0), (4, 2.0)];
    s.freeze = Some((h + 1, 0));
    s.print = Some(PageSetup::new(&report.unit_name, Some((h, h))));
    s
}

/// 问题清单 of one unit's workbook.
pub fn problems_sheet(unit: &str, problems: &[Problem]) -> Sheet {
    problems_sheet_at(unit, None, problems)
}

/// 问题清单 of one unit's workbook, its cut-off in the line under the title.
pub fn problems_sheet_at(
    unit: &str,
    as_of: Option<chrono::NaiveDate>,
    problems: &[Problem],
) -> Sheet {
    problems_sheet_with(unit, as_of, problems.len(), |s, (min, max)| {
        problem_rows(problems, &mut |c| s.cells.push(c));
        s.fit_widths(min, max);
    })
}

/// 问题清单 of a report: every problem of `report.problems`, produced on
/// demand when there are many.
pub fn report_problems_sheet(report: &Arc<Report>) -> Sheet {
    let data = Arc::clone(report);
    problems_sheet_with(
        &report.unit_name,
        Some(report.as_of),
        report.problems.len(),
        move |s, (min, max)| {
            s.take_rows_fitted(
                Arc::new(move |_, emit| problem_rows(&data.problems, emit)),
                min,
                max,
            )
        },
    )
}

/// The finding's code (R012, as in JSON's `code` and docs/errors.md) beside its message.
const PROBLEM_CODE: u16 = 4;
const PROBLEM_MESSAGE: u16 = 5;
const PROBLEM_HEADER_ROW: u32 = 2;

fn problems_sheet_with(
    unit: &str,
    as_of: Option<chrono::NaiveDate>,
    n: usize,
    rows: impl FnOnce(&mut Sheet, (f64, f64)),
) -> Sheet {
    let mut s = Sheet::new(PROBLEMS);
    let h = PROBLEM_HEADER_ROW;
    title_rows(
        &mut s,
        PROBLEM_MESSAGE,
        format!("{unit}台账问题清单"),
        format!(
            "{}金额单位：万元",
            as_of
                .map(|d| format!("截至{}　　", zh_date(d)))
                .unwrap_or_default()
        ),
    );
    for (i, t) in ["序号", "级别", "工作表", "单元格", "代码", "说明"]
        .iter()
        .enumerate()
    {
        s.text(h, i as u16, *t, Role::Header);
    }
    if n == 0 {
        s.text(h + 1, 0, "未发现问题", Role::Text);
    }
    // The rows, then widths fitted to them.
    rows(&mut s, (6.0, 14.0));
    s.set_width(PROBLEM_MESSAGE, 80.0);
    s.fit_label_heights(h);
    s.freeze = Some((h + 1, 0));
    s.autofilter = Some(Span {
        first_row: h,
        first_col: 0,
        last_row: h + n.max(1) as u32,
        last_col: PROBLEM_MESSAGE,
    });
    s.print = Some(PageSetup::new(unit, Some((h, h))));
    s
}

/// 问题清单's rows: one per problem.
fn problem_rows(problems: &[Problem], emit: &mut dyn FnMut(Cell)) {
    let h = PROBLEM_HEADER_ROW;
    let text = |r: u32, col: u16, t: String| cell(r, col, Value::Text(t), Role::Text);
    for (i, p) in problems.iter().enumerate() {
        let r = h + 1 + i as u32;
        emit(cell(r, 0, Value::Number((i + 1).into()), Role::Count));
        let mut level = text(r, 1, p.severity.label().to_string());
        level.flagged = p.severity == Severity::Error;
        emit(level);
        emit(text(r, 2, p.sheet.clone()));
        emit(text(r, 3, p.cell_label()));
        emit(text(r, PROBLEM_CODE, p.code().to_string()));
        emit(text(r, PROBLEM_MESSAGE, p.message.clone()));
    }
}

/// The name a copied input sheet gets: its own, unless a report sheet has it.
/// The copy's sheet name: the input's own when it is free and valid in
/// Excel, else "原-<name>" made valid and unique (case-insensitively, within
/// 31 UTF-16 units) by the forms' one naming rule. Records it in `taken`
/// (lower-cased).
pub fn copy_name(input: &str, taken: &mut HashSet<String>) -> String {
    let valid = input.encode_utf16().count() <= super::forms::MAX_SHEET_NAME
        && !input.is_empty()
        && !input.contains(['[', ']', ':', '*', '?', '/', '\\'])
        && !input.starts_with('\'')
        && !input.ends_with('\'');
    if valid && taken.insert(input.to_lowercase()) {
        return input.to_string();
    }
    super::forms::sheet_name("原", input, taken)
}

/// Problem notes on a copied sheet's cells, by (row, col).
pub type CopyNotes = HashMap<(u32, u32), Vec<String>>;

/// What a copied sheet's cells are made from.
struct CopySource {
    book: Arc<RawBook>,
    sheet: usize,
    formulas: bool,
    /// Each noted cell's note, ascending by (row, col).
    notes: Vec<((u32, u32), String)>,
    /// Cells without a value that are written all the same, ascending:
    /// formulas whose cached value is empty (`true`), and empty cells a
    /// problem names (`false`).
    extras: Vec<(u32, u32, bool)>,
    /// Widths of the copy's columns once fitted: text wider than its
    /// column wraps.
    widths: std::sync::OnceLock<Vec<f64>>,
}

impl CopySource {
    fn new(book: Arc<RawBook>, sheet: usize, formulas: bool, notes: CopyNotes) -> Self {
        let raw = &book.sheets[sheet];
        let has_value = |row: u32, col: u32| !matches!(raw.cell(row, col), Data::Empty);
        let mut extras = Vec::new();
        // Formulas whose cached value is empty still belong to the sheet.
        if formulas {
            for (row, col, _) in raw.formula_cells() {
                if !has_value(row, col) {
                    extras.push((row, col, true));
                }
            }
        }
        // Problems on empty cells (a missing required value) are flagged too.
        for &(row, col) in notes.keys() {
            if !(has_value(row, col) || formulas && raw.formula(row, col).is_some()) {
                extras.push((row, col, false));
            }
        }
        extras.sort_unstable();
        let mut notes: Vec<((u32, u32), String)> = notes
            .into_iter()
            .map(|(at, msgs)| (at, msgs.join("\n")))
            .collect();
        notes.sort_unstable_by_key(|n| n.0);
        CopySource {
            book,
            sheet,
            formulas,
            notes,
            extras,
            widths: std::sync::OnceLock::new(),
        }
    }
    fn raw(&self) -> &RawSheet {
        &self.book.sheets[self.sheet]
    }
    fn cells(&self) -> super::sheet::RowsSize {
        let raw = self.raw();
        let fits = |c: &u32| *c <= u16::MAX as u32;
        let cells = raw.used_cells().filter(|c| fits(&c.1)).count()
            + self.extras.iter().filter(|c| fits(&c.1)).count();
        let first = raw.used_cells().find(|c| fits(&c.1)).map(|c| c.0);
        let first_extra = self.extras.iter().find(|c| fits(&c.1)).map(|c| c.0);
        let last = raw
            .end_row()
            .saturating_sub(1)
            .max(self.extras.iter().map(|e| e.0).max().unwrap_or(0));
        super::sheet::RowsSize {
            cells,
            first_row: first.into_iter().chain(first_extra).min(),
            last_row: last,
        }
    }
    /// Every cell of the copy, row by row.
    fn emit(&self, emit: &mut dyn FnMut(Cell)) {
        let raw = self.raw();
        let with_formulas = self.formulas && raw.has_formulas();
        let mut extras = self.extras.iter().peekable();
        // Cells come in (row, col) order: the notes are walked beside them.
        let mut notes = self.notes.iter().peekable();
        let mut put = |row: u32, col: u32, value: Value| {
            while notes.next_if(|n| n.0 < (row, col)).is_some() {}
            let note = notes.next_if(|n| n.0 == (row, col)).map(|n| n.1.clone());
            let Ok(col16) = u16::try_from(col) else {
                return;
            };
            let role = match &value {
                Value::Text(t) => {
                    let fits = self
                        .widths
                        .get()
                        .map_or(f64::MAX, |w| {
                            w.get(col16 as usize).copied().unwrap_or(8.43) - 1.5
                        })
                        .min(COPY_WIDTH);
                    // At most 1.1 wide a byte: a short text is known to fit.
                    if 1.1 * t.len() as f64 + 0.001 <= fits {
                        Role::Raw
                    } else {
                        let w = super::sheet::display_width(t);
                        let narrow = self.widths.get().is_some_and(|ws| {
                            w + 1.5 > ws.get(col16 as usize).copied().unwrap_or(8.43)
                        });
                        match w > COPY_WIDTH || narrow {
                            true => Role::RawWrap,
                            false => Role::Raw,
                        }
                    }
                }
                _ => Role::Raw,
            };
            let mut c = cell(row, col16, value, role);
            if note.is_some() {
                c.flagged = true;
                c.note = note;
            }
            emit(c);
        };
        let extra = |put: &mut dyn FnMut(u32, u32, Value),
                     (row, col, formula): (u32, u32, bool)| {
            let value = match raw.formula(row, col) {
                Some(f) if formula => Value::Formula(f.to_string(), Box::new(Value::Empty)),
                _ => Value::Empty,
            };
            put(row, col, value)
        };
        for (row, col, v) in raw.used_cells() {
            while let Some(e) = extras.next_if(|e| (e.0, e.1) < (row, col)) {
                extra(&mut put, *e);
            }
            let value = raw_value(v);
            let value = match with_formulas.then(|| raw.formula(row, col)).flatten() {
                Some(f) => Value::Formula(f.to_string(), Box::new(value)),
                None => value,
            };
            put(row, col, value);
        }
        for e in extras {
            extra(&mut put, *e);
        }
    }
}

/// An input sheet copied cell for cell, with each problem's cell flagged and
/// its message as a note. A large one is produced again as written.
fn copy_sheet(
    book: &Arc<RawBook>,
    sheet: usize,
    name: &str,
    unit: &str,
    formulas: bool,
    notes: CopyNotes,
) -> Sheet {
    let raw = &book.sheets[sheet];
    let mut s = Sheet::new(name);
    for d in &raw.merges {
        s.merges.push(Span {
            first_row: d.start.0,
            first_col: d.start.1 as u16,
            last_row: d.end.0,
            last_col: d.end.1 as u16,
        });
    }
    let src = CopySource::new(Arc::clone(book), sheet, formulas, notes);
    let size = src.cells();
    let src = Arc::new(src);
    let rows = Arc::clone(&src);
    s.take_rows_sized(Arc::new(move |_, emit| rows.emit(emit)), Some(size));
    // The input's own column widths are not readable; fit them to the text so
    // Chinese cells are not cut off (`fit_widths`, in the one pass below).
    let mut fit = super::sheet::WidthFit::new(&s.merges, 6.0, COPY_WIDTH + 2.0);
    // Printed landscape, with the title rows down to the table header on
    // every page: the header is the first row at least half as full as the
    // fullest row.
    // Values per row (a copy's cells come row by row): the first ten rows'
    // counts, the fullest row's, how many rows have any.
    let mut per_row: std::collections::BTreeMap<u32, usize> = Default::default();
    let (mut fullest, mut rows_with_values) = (0usize, 0usize);
    let mut current: Option<(u32, usize)> = None;
    // The least width of each column's texts, below the first ten rows and
    // in each of those (the header is one of them).
    let mut mins_below: Vec<Option<f64>> = Vec::new();
    let mut top: Vec<(u32, u16, f64)> = Vec::new();
    s.each_cell(|c| {
        fit.add(c);
        if c.value != Value::Empty {
            match &mut current {
                Some((r, n)) if *r == c.row => *n += 1,
                cur => {
                    debug_assert!(cur.is_none_or(|(r, _)| r < c.row), "row by row");
                    if let Some((r, n)) = cur.replace((c.row, 1)) {
                        fullest = fullest.max(n);
                        rows_with_values += 1;
                        if r < 10 {
                            per_row.insert(r, n);
                        }
                    }
                }
            }
        }
        let least = match &c.value {
            Value::Text(t) if t.chars().any(|ch| (ch as u32) >= 0x2E80) => 6.0,
            Value::Text(t) => (super::sheet::display_width(t) + 1.5).min(14.0),
            Value::Empty => 6.0,
            v => super::sheet::value_width(v, c.role) + 2.0,
        };
        if c.row >= 10 {
            let col = c.col as usize;
            if mins_below.len() <= col {
                mins_below.resize(col + 1, None);
            }
            let m = mins_below[col].get_or_insert(6.0);
            *m = m.max(least);
        } else {
            top.push((c.row, c.col, least));
        }
    });
    if let Some((r, n)) = current {
        fullest = fullest.max(n);
        rows_with_values += 1;
        if r < 10 {
            per_row.insert(r, n);
        }
    }
    let mins_below: std::collections::BTreeMap<u16, f64> = mins_below
        .into_iter()
        .enumerate()
        .filter_map(|(c, m)| m.map(|m| (c as u16, m)))
        .collect();
    s.widths = fit.finish();
    let header = per_row
        .iter()
        .find(|(_, n)| **n * 2 >= fullest && fullest > 0)
        .map(|(r, _)| *r)
        .filter(|r| *r < 10)
        .unwrap_or(0);
    s.print = Some(
        PageSetup::new(unit, Some((0, header)))
            .prefer(Orientation::Landscape)
            .repeat_cols(0, 1),
    );
    // One page wide when narrowing the text columns gets there (a ledger
    // of 7 rows is not three pages): their texts wrap, rows fitted.
    // Only columns of texts wrap (a number or date too narrow shows ###);
    // a code or date typed as text ("JY2023-01") is not broken.
    let mut mins = mins_below;
    for (row, col, least) in top {
        if row > header {
            let m = mins.entry(col).or_insert(6.0);
            *m = m.max(least);
        }
    }
    let cols: Vec<(u16, f64)> = mins.into_iter().collect();
    let before = s.widths.clone();
    // A short sheet: narrow where it costs fewest lines; a long one evenly.
    let fits = if rows_with_values <= 100 {
        s.narrow_for_fewest_lines(&cols, header)
    } else {
        let texts: Vec<u16> = cols.iter().map(|(c, _)| *c).collect();
        s.narrow_to_fit(&texts, 8.0)
    };
    if !fits {
        // Too many columns anyway: split across pages at their own widths.
        s.widths = before;
    }
    let widths: HashMap<u16, f64> = s.widths.iter().copied().collect();
    for c in s.cells.iter_mut() {
        if let (Role::Raw, Value::Text(t)) = (c.role, &c.value)
            && super::sheet::display_width(t) + 1.5 > widths.get(&c.col).copied().unwrap_or(8.43)
        {
            c.role = Role::RawWrap;
        }
    }
    if s.source.is_some() {
        let last = widths.keys().copied().max().unwrap_or(0);
        let _ = src.widths.set(
            (0..=last)
                .map(|c| widths.get(&c).copied().unwrap_or(8.43))
                .collect(),
        );
    }
    s.fit_heights(0);
    s
}

/// Copied text wider than this wraps (so a copied ledger fits a landscape page).
const COPY_WIDTH: f64 = 20.0;

pub fn raw_value(v: &Data) -> Value {
    match v {
        Data::Empty => Value::Empty,
        Data::String(s) => Value::Text(s.clone()),
        Data::Float(f) => Value::Float(*f),
        Data::Int(i) => Value::Float(*i as f64),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) => {
            let (y, m, d, hh, mm, ss, ms) = dt.to_ymd_hms_milli();
            let date = chrono::NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32);
            let has_time = (hh, mm, ss, ms) != (0, 0, 0, 0);
            match (date, dt.is_datetime()) {
                (Some(date), true) => {
                    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
                    let days = (date - epoch).num_days() as f64;
                    let frac =
                        (hh as f64 * 3600.0 + mm as f64 * 60.0 + ss as f64 + ms as f64 / 1000.0)
                            / 86400.0;
                    Value::Serial(days + frac, has_time)
                }
                _ => Value::Float(dt.as_f64()),
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Text(e.to_string()),
    }
}

/// What the annotated copy of `book` adds to the problems: sheets copied
/// under another name, formulas copied as values. `annotated_sheets`
/// expects them in the report's problems.
pub fn copy_problems(book: &RawBook) -> Vec<Problem> {
    let mut extra = Vec::new();
    let mut taken: HashSet<String> = REPORT_SHEETS.iter().map(|s| s.to_lowercase()).collect();
    for raw in &book.sheets {
        let name = copy_name(&raw.name, &mut taken);
        if name != raw.name {
            extra.push(Problem::on(
                crate::model::Finding::SheetCopiedAs,
                &raw.name,
                format!(
                    "输入工作表“{}”与报告工作表同名或不能用作 Excel 表名，复制为“{name}”",
                    raw.name
                ),
            ));
        }
    }
    if !book.formulas_portable() && book.sheets.iter().any(|s| s.has_formulas()) {
        extra.push(Problem::on(
            crate::model::Finding::FormulasAsValues,
            "",
            "输入文件不是 xlsx 格式，原表中的公式以计算结果（数值）复制",
        ));
    }
    extra
}

/// All sheets of the annotated workbook: the report sheets, then every input
/// sheet copied. `report.problems` holds every problem, `copy_problems`
/// included. Large tables are produced as they are written, from the
/// report and the book (hence shared).
pub fn annotated_sheets(book: &Arc<RawBook>, report: &Arc<Report>) -> Vec<Sheet> {
    use rayon::prelude::*;
    type Job<'a> = Box<dyn FnOnce() -> Sheet + Send + 'a>;
    // Each sheet measures its own rows: built side by side.
    let mut jobs: Vec<Job> = vec![
        Box::new(|| summary_sheet(report)),
        Box::new(|| progress_sheet(report)),
        Box::new(|| payments_sheet(report)),
        Box::new(|| monthly_sheet(report)),
        Box::new(|| report_problems_sheet(report)),
    ];
    // Problem notes by copied sheet, in one pass over the problems.
    let mut notes: Vec<CopyNotes> = book.sheets.iter().map(|_| HashMap::new()).collect();
    let index: HashMap<&str, usize> = book
        .sheets
        .iter()
        .enumerate()
        .rev()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    for p in &report.problems {
        if let (Some(c), Some(&i)) = (&p.cell, index.get(p.sheet.as_str())) {
            notes[i].entry((c.row, c.col)).or_default().push(format!(
                "[{}] {}",
                p.severity.label(),
                p.message
            ));
        }
    }
    let mut taken: HashSet<String> = REPORT_SHEETS.iter().map(|s| s.to_lowercase()).collect();
    for (i, notes) in notes.into_iter().enumerate() {
        let raw = &book.sheets[i];
        let name = copy_name(&raw.name, &mut taken);
        let notes = if book.sheets[..i].iter().any(|s| s.name == raw.name) {
            // Two input sheets of one name (not in Excel files): both flagged.
            let mut n = CopyNotes::new();
            for p in report.problems.iter().filter(|p| p.sheet == raw.name) {
                if let Some(c) = &p.cell {
                    n.entry((c.row, c.col)).or_default().push(format!(
                        "[{}] {}",
                        p.severity.label(),
                        p.message
                    ));
                }
            }
            n
        } else {
            notes
        };
        jobs.push(Box::new(move || {
            copy_sheet(
                book,
                i,
                &name,
                &report.unit_name,
                book.formulas_portable(),
                notes,
            )
        }));
    }
    jobs.push(Box::new(|| {
        super::reading::reading_sheet(&report.unit_name, report.as_of, &report.reading)
    }));
    jobs.into_par_iter().map(|job| job()).collect()
}

#[cfg(test)]
mod copy_name_tests {
    use super::*;

    #[test]
    fn copied_sheet_names_are_valid_and_unique_whatever_the_input() {
        let mut taken: HashSet<String> = REPORT_SHEETS.iter().map(|s| s.to_lowercase()).collect();
        assert_eq!(copy_name("项目", &mut taken), "项目");
        assert_eq!(copy_name("汇总", &mut taken), "原-汇总");
        // An .ods sheet name of extension-B characters, 40 UTF-16 units.
        let long = "𠀀".repeat(20);
        let n = copy_name(&long, &mut taken);
        assert!(n.encode_utf16().count() <= 31, "{n}");
        assert!(n.starts_with("原-"));
        // Case-insensitively unique.
        assert_eq!(copy_name("Sheet1", &mut taken), "Sheet1");
        let again = copy_name("SHEET1", &mut taken);
        assert_ne!(again.to_lowercase(), "sheet1");
    }
}
