//! Ledgers without a payment list: what was paid comes from the project
//! table itself, either a cumulative column (累计拨付 / 累计支出) or month
//! columns (1月 … 12月 under 拨付金额), each month's amount dated the
//! month's last day.

use super::cells::ColumnNotes;
use super::context::Context;
use super::layout::{Field, MoneyUnit};
use super::table::Table;
use super::totals::agrees;
use crate::model::Info;
use crate::model::finding::Finding;
use crate::model::{CellRef, Payment, PaymentBasis, Problem, Wan};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A month's 累计 column as checked: (col, month, unit, ledger sum,
/// computed sum, first cell, every row agrees).
type MonthCum = (u32, u32, Option<MoneyUnit>, Decimal, Decimal, CellRef, bool);

pub(crate) struct PaidColumns {
    /// This table's paid columns are the ledger's payments.
    active: bool,
    cumulative: Option<(u32, Option<MoneyUnit>)>,
    /// Undated batch columns (第一批拨付 …) summed as the cumulative, when
    /// the table has no 累计 column, no months and no pairs.
    batches: Vec<(u32, u32, Option<MoneyUnit>)>,
    months: Vec<(u32, NaiveDate, Option<MoneyUnit>)>,
    /// Payments kept as column pairs (第一次拨付日期 | 第一次拨付金额).
    pairs: Vec<PaymentPair>,
    /// The ledger's year, for a pair's date written without one.
    year: Option<i32>,
    /// Each month's 累计 column: (col, month, unit, ledger sum, computed sum,
    /// first cell, every row agrees).
    cums: Vec<MonthCum>,
    /// The year the months were dated by, and where it came from.
    year_from: Option<String>,
    /// The date the cumulative figures stand at, and where it was found.
    as_of: Option<(NaiveDate, Option<String>)>,
    rows: usize,
}

impl PaidColumns {
    pub(crate) fn new(
        table: &Table,
        paid_here: bool,
        info: &Info,
        context: &Context,
        problems: &mut Vec<Problem>,
    ) -> PaidColumns {
        let cumulative = table
            .columns
            .get(&Field::CumulativePaid)
            .map(|c| (c.col, c.unit));
        let mut months = Vec::new();
        let year = info.year.or(context.year).or(info.as_of.map(|d| {
            use chrono::Datelike;
            d.year()
        }));
        let year_from = if info.year.is_some() {
            Some("说明表“年度”".to_string())
        } else if context.year.is_some() {
            Some("标题".to_string())
        } else {
            info.as_of.map(|_| "截止日期".to_string())
        };
        for m in &table.month_columns {
            match m.year.or(year).and_then(|y| month_end(y, m.month)) {
                Some(d) => months.push((m.col, d, m.unit)),
                None => {
                    // Unsure which year: said as an error, never a silent 0.
                    problems.push(Problem::at(crate::model::Finding::BadDate,
                        &CellRef::at(&table.name, table.header_row + table.header_depth - 1, m.col),
                        format!(
                            "{}：月份列“{}月”没有写年份，台账也没有注明年度（说明表“年度”或标题中的“2024年度”），该列未计入",
                            CellRef::at(&table.name, table.header_row + table.header_depth - 1, m.col),
                            m.month
                        ),
                    ));
                }
            }
        }
        let pairs = payment_pairs(table);
        let batches = if cumulative.is_none() && months.is_empty() && pairs.is_empty() {
            payment_batches(table)
        } else {
            Vec::new()
        };
        if !paid_here
            && (cumulative.is_some()
                || !months.is_empty()
                || !pairs.is_empty()
                || !batches.is_empty())
        {
            problems.push(Problem::on(crate::model::Finding::PaidFromTable,
                &table.sheet.name,
                format!(
                    "工作表“{}”有累计拨付、月份列或逐次拨付的列，但工作簿另有拨付表：已拨付按拨付表计，这些列只原样保留",
                    table.sheet.name
                ),
            ));
        }
        let cums = table
            .month_cums
            .iter()
            .map(|m| {
                (
                    m.col,
                    m.month,
                    m.unit,
                    Decimal::ZERO,
                    Decimal::ZERO,
                    CellRef::at(
                        &table.name,
                        table.header_row + table.header_depth - 1,
                        m.col,
                    ),
                    true,
                )
            })
            .collect();
        PaidColumns {
            active: paid_here,
            cumulative,
            batches,
            months,
            pairs,
            year,
            cums,
            year_from,
            as_of: info.as_of.map(|d| (d, info.as_of_from.clone())),
            rows: 0,
        }
    }

    /// The project's cumulative paid (when the table has only that), and its
    /// month payments appended to `out`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn read(
        &mut self,
        table: &Table,
        row: u32,
        project_id: &str,
        fund: &str,
        notes: &mut ColumnNotes,
        out: &mut Vec<Payment>,
        problems: &mut Vec<Problem>,
    ) -> Option<Decimal> {
        if !self.active {
            return None;
        }
        let row_ref = CellRef::at(&table.name, row, table.sheet.first_col());
        let money = |col: u32,
                     unit: Option<MoneyUnit>,
                     notes: &mut ColumnNotes,
                     problems: &mut Vec<Problem>| {
            match table.money_at(row, col, unit, "拨付金额", notes) {
                Ok(v) => v,
                Err(mut p) => {
                    p.message.push_str("，该月拨付未计入");
                    problems.push(p);
                    None
                }
            }
        };
        let cumulative = self.cumulative.and_then(|(col, unit)| {
            match table.money_at(row, col, unit, "累计拨付", notes) {
                Ok(v) => v,
                Err(mut p) => {
                    p.message.push_str("，该项目已拨付按0计");
                    problems.push(p);
                    None
                }
            }
        });
        if self.months.is_empty() && self.pairs.is_empty() {
            self.rows += 1;
            if !self.batches.is_empty() {
                // The batches paid so far: their sum, as a 累计 column.
                let mut sum = None;
                for &(_, col, unit) in &self.batches {
                    if let Some((v, _)) = money(col, unit, notes, problems) {
                        *sum.get_or_insert(Decimal::ZERO) += v;
                    }
                }
                return sum;
            }
            return cumulative.map(|(v, _)| v);
        }
        // One payment read from the project's own row (a pair or a month).
        let payment = |date, amount, memo: String, row, basis| Payment {
            project_id: project_id.to_string(),
            date,
            amount,
            fund_source: fund.to_string(),
            fund_source_given: false,
            voucher: None,
            memo: Some(memo),
            row,
            basis,
        };
        let mut sum = Decimal::ZERO;
        for pair in &self.pairs {
            let Some((amount, cell)) = money(pair.amount_col, pair.unit, notes, problems) else {
                continue;
            };
            let at = CellRef::at(&table.name, row, pair.date_col);
            let v = table.value(row, pair.date_col);
            let Some((date, _)) = super::value::clerk_date(v, self.year) else {
                problems.push(Problem::at(
                    Finding::BadDate,
                    &at,
                    format!(
                        "{at}：第{}次拨付 {} 万元的日期{}不是日期，该笔拨付未计入合计",
                        pair.ordinal,
                        Wan(amount),
                        super::value::show_cell(v)
                    ),
                ));
                continue;
            };
            sum += amount;
            out.push(payment(
                date,
                amount,
                format!("第{}次拨付", pair.ordinal),
                cell,
                PaymentBasis::Dated,
            ));
        }
        let mut by_month = [Decimal::ZERO; 13];
        for &(col, date, unit) in &self.months {
            if let Some((amount, cell)) = money(col, unit, notes, problems) {
                sum += amount;
                by_month[chrono::Datelike::month(&date) as usize] += amount;
                out.push(payment(
                    date,
                    amount,
                    format!("{}月拨付", chrono::Datelike::month(&date)),
                    cell,
                    PaymentBasis::MonthEnd,
                ));
            }
        }
        // Each month's 累计 is the months so far: a check, never the figure.
        for (col, month, unit, ledger_sum, computed, _, all_agree) in &mut self.cums {
            let so_far: Decimal = by_month[1..=*month as usize].iter().copied().sum();
            if let Ok(Some((v, cell))) = table.money_at(row, *col, *unit, "累计拨付", notes) {
                *ledger_sum += v;
                *computed += so_far;
                if !agrees(v, so_far, table.places_at(row, *col, *unit)) {
                    *all_agree = false;
                    problems.push(Problem::at(
                        Finding::MonthCumulativeDisagrees,
                        &cell,
                        format!(
                            "{cell}：{month}月累计 {} 万元与1—{month}月各月之和 {} 万元不符；已拨付按各月计，请核对",
                            Wan(v),
                            Wan(so_far)
                        ),
                    ));
                }
            }
        }
        self.rows += 1;
        if let Some((printed, cell)) = cumulative
            && let Some((col, unit)) = self.cumulative
            && !agrees(printed, sum, table.places_at(row, col, unit))
        {
            problems.push(Problem::at(
                Finding::CumulativeDisagrees,
                &cell,
                format!(
                    "{cell}：累计 {} 万元与各月拨付之和 {} 万元不符（已拨付按各月之和计），请核对",
                    Wan(printed),
                    Wan(sum)
                ),
            ));
        }
        let _ = row_ref;
        None
    }

    /// Says once how paid was read; returns the rules for 读取说明 and
    /// lists the month 累计 checks.
    pub(crate) fn finish(
        self,
        sheet: &str,
        problems: &mut Vec<Problem>,
        checks: &mut Vec<crate::model::reading::Check>,
    ) -> Vec<String> {
        let mut rules = Vec::new();
        if !self.active || self.rows == 0 {
            return rules;
        }
        for (_, month, _, ledger_sum, computed, at, all_agree) in &self.cums {
            checks.push(crate::model::reading::Check {
                kind: format!("{month}月累计"),
                cell: at.to_string(),
                ledger: Wan(*ledger_sum).to_string(),
                computed: Wan(*computed).to_string(),
                agrees: *all_agree,
            });
        }
        if !self.pairs.is_empty() {
            rules.push(format!(
                "已拨付按 {} 对逐次拨付列（日期、金额）计，每对一笔拨付",
                self.pairs.len()
            ));
            problems.push(Problem::on(
                crate::model::Finding::PaidFromTable,
                sheet,
                format!(
                    "工作簿没有拨付表：已拨付按工作表“{sheet}”的 {} 对逐次拨付列（第1次至第{}次的日期和金额）计，每对一笔拨付",
                    self.pairs.len(),
                    self.pairs.iter().map(|p| p.ordinal).max().unwrap_or(0)
                ),
            ));
            if self.cumulative.is_some() {
                rules.push("累计拨付列只用来核对：应等于各次拨付之和".to_string());
            }
            return rules;
        }
        if !self.months.is_empty() {
            rules.push(format!(
                "已拨付按 {} 个月份列计，每月金额记为当月最后一天拨付{}",
                self.months.len(),
                match &self.year_from {
                    Some(f) => format!("（年份取自{f}）"),
                    None => String::new(),
                }
            ));
            if !self.cums.is_empty() {
                rules.push(
                    "每月的“累计”列不作为已拨付，只用来核对：应等于该月及以前各月之和".to_string(),
                );
            }
        } else if self.cumulative.is_some() {
            rules.push("已拨付按累计拨付列计（没有逐笔日期）".to_string());
        } else if !self.batches.is_empty() {
            let cols: Vec<String> = self
                .batches
                .iter()
                .map(|b| crate::model::col_name(b.1))
                .collect();
            rules.push(format!(
                "已拨付按 {} 个拨付分列（{} 列：分批或分资金，没有日期）之和计，截至台账日期",
                self.batches.len(),
                cols.join("、")
            ));
        }
        if !self.months.is_empty() {
            problems.push(Problem::on(crate::model::Finding::PaidFromTable,
                sheet,
                format!(
                    "工作簿没有拨付表：已拨付按工作表“{sheet}”的 {} 个月份列计，每月金额记为当月最后一天拨付；逐笔的凭证和日期无从核对",
                    self.months.len()
                ),
            ));
        } else if self.cumulative.is_some() || !self.batches.is_empty() {
            let what = if self.cumulative.is_some() {
                "累计拨付列".to_string()
            } else {
                format!("{} 个拨付分列（分批或分资金）之和", self.batches.len())
            };
            let when = match &self.as_of {
                Some((d, Some(from))) => format!("截至 {d}（见 {from}）"),
                Some((d, None)) => format!("截至 {d}（说明表）"),
                None => "截至台账日期（台账未注明日期）".to_string(),
            };
            problems.push(Problem::on(crate::model::Finding::PaidFromTable,
                sheet,
                format!(
                    "工作簿没有拨付表：已拨付按工作表“{sheet}”的{what}计，{when}；没有逐笔日期，不能按截止日期筛选拨付，也没有逐月进度"
                ),
            ));
        }
        rules
    }
}

fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

/// One payment kept as a pair of columns in a project table.
pub(crate) struct PaymentPair {
    pub ordinal: u32,
    pub date_col: u32,
    pub amount_col: u32,
    pub unit: Option<MoneyUnit>,
}

/// The payment column pairs of a table (第一次拨付日期 | 第一次拨付金额 …),
/// from the columns no other rule took: each ordinal with exactly one date
/// and one amount column. An ordinal with only one of them is left out
/// (and, unread, it is an amount the R080 rule names).
pub(crate) fn payment_pairs(table: &Table) -> Vec<PaymentPair> {
    let parts = pair_parts(table);
    let mut ordinals: Vec<u32> = parts.iter().map(|p| p.0).collect();
    ordinals.sort_unstable();
    ordinals.dedup();
    let mut out = Vec::new();
    for n in ordinals {
        let of = |part| -> Vec<&(u32, PairPart, u32, Option<MoneyUnit>)> {
            parts.iter().filter(|p| p.0 == n && p.1 == part).collect()
        };
        let (dates, amounts) = (of(PairPart::Date), of(PairPart::Amount));
        if let ([d], [a]) = (dates.as_slice(), amounts.as_slice()) {
            out.push(PaymentPair {
                ordinal: n,
                date_col: d.2,
                amount_col: a.2,
                unit: a.3,
            });
        }
    }
    out
}

/// Payments kept as one amount column a batch with no dates (第一批拨付 |
/// 第二批拨付 …): (ordinal, column, unit) of each batch no date column
/// goes with. Their sum is the paid so far, as a 累计 column is.
/// With none, the paid split by fund or level under a paid parent with no
/// total of its own (已拨付资金 over 中央 | 省级): its parts, ordinal 0.
pub(crate) fn payment_batches(table: &Table) -> Vec<(u32, u32, Option<MoneyUnit>)> {
    use super::layout::{normalize_header, split_of};
    let parts = pair_parts(table);
    let batches: Vec<(u32, u32, Option<MoneyUnit>)> = parts
        .iter()
        .filter(|p| {
            p.1 == PairPart::Amount
                && !parts.iter().any(|q| q.0 == p.0 && q.1 == PairPart::Date)
                && parts.iter().filter(|q| q.0 == p.0).count() == 1
        })
        .map(|p| (p.0, p.2, p.3))
        .collect();
    if !batches.is_empty() {
        return batches;
    }
    let mut by_fund = Vec::new();
    for (col, path, field) in &table.paths {
        let steps: Vec<(String, Option<MoneyUnit>)> =
            path.split('/').map(normalize_header).collect();
        // A units row's word at the foot is the unit, not a step.
        let (steps, foot_unit) = match steps.split_last() {
            Some((last, rest)) if MoneyUnit::parse(&last.0).is_some() => {
                (rest.to_vec(), MoneyUnit::parse(&last.0))
            }
            _ => (steps, None),
        };
        let [.., (parent, parent_unit), (own, own_unit)] = steps.as_slice() else {
            continue;
        };
        if field.is_none()
            && super::layout::field_by_meaning(super::layout::SheetRole::Projects, parent)
                == Some(Field::CumulativePaid)
            && split_of(own, None).is_some()
        {
            by_fund.push((0, *col, own_unit.or(foot_unit).or(*parent_unit)));
        }
    }
    by_fund
}

use super::layout::PairPart;

/// The columns no other rule took that are a numbered payment's date or
/// amount: (ordinal, part, column, unit).
fn pair_parts(table: &Table) -> Vec<(u32, PairPart, u32, Option<MoneyUnit>)> {
    use super::layout::{normalize_header, payment_pair_part};
    let mut parts: Vec<(u32, PairPart, u32, Option<MoneyUnit>)> = Vec::new();
    for (col, path, field) in &table.paths {
        if field.is_some() {
            continue;
        }
        // The unit in a header (金额（元）), or a units row's word at the path's foot.
        let unit = path
            .split('/')
            .filter_map(|p| normalize_header(p).1.or_else(|| MoneyUnit::parse(p)))
            .next_back();
        let key: String = path
            .split('/')
            .map(|p| normalize_header(p).0)
            .collect::<Vec<_>>()
            .join("/");
        if let Some((n, part)) = payment_pair_part(&key) {
            parts.push((n, part, *col, unit));
        }
    }
    parts
}

/// With a payment list, a project table's own 已拨付 column is kept only —
/// but it is the clerk's figure of the same money: each project's cell is
/// checked against the sum of its payments on the list (every date, the
/// column standing at the ledger's date), and a difference is an error
/// naming both (R089), as a 累计 that disagrees with its months is.
pub(crate) fn column_against_payments(tables: &[&Table], ledger: &mut crate::model::Ledger) {
    let mut by_project: std::collections::HashMap<&str, Decimal> = std::collections::HashMap::new();
    for p in &ledger.payments {
        *by_project.entry(p.project_id.as_str()).or_default() += p.amount;
    }
    let mut found = Vec::new();
    for p in &ledger.projects {
        // The table the row is under (two tables on one sheet: the lower).
        let Some(t) = tables
            .iter()
            .filter(|t| t.name == p.row.sheet && p.row.row >= t.header_row + t.header_depth)
            .max_by_key(|t| t.header_row)
        else {
            continue;
        };
        let Some(c) = t.columns.get(&Field::CumulativePaid) else {
            continue;
        };
        let Ok(Some((printed, cell))) = t.money_at(
            p.row.row,
            c.col,
            c.unit,
            "已拨付",
            &mut ColumnNotes::default(),
        ) else {
            continue;
        };
        let paid = by_project.get(p.id.as_str()).copied().unwrap_or_default();
        if !agrees(printed, paid, t.places_at(p.row.row, c.col, c.unit)) {
            found.push(Problem::at(
                Finding::PaidColumnDisagrees,
                &cell,
                format!(
                    "{cell}：项目“{}”的{} {} 万元与拨付表中该项目各笔之和 {} 万元不符（已拨付按拨付表计，截止日期后的拨付也算在内）；请核对拨付表是否漏记、多记，或该列是否未更新",
                    p.id,
                    c.spec.header.split('（').next().unwrap_or("已拨付"),
                    Wan(printed),
                    Wan(paid)
                ),
            ));
        }
    }
    ledger.problems.extend(found);
}
