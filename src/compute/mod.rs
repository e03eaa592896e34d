//! Pure functions from records to report figures. No I/O, no formatting.

pub mod county;
pub mod draft;
pub mod indicator;
pub mod monthly;
pub mod score;

use crate::model::{ExcludedRow, Payment, Problem, Project, RecordKind};
use crate::read::{Ledger, layout};
use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::HashMap;

/// 执行率 (execution rate) in percent: paid ÷ budget × 100, rounded once to 2
/// decimals, half away from zero (四舍五入). `None` when the budget is 0.
pub fn execution_rate(paid: Decimal, budget: Decimal) -> Option<Decimal> {
    if budget.is_zero() {
        return None;
    }
    let rate = paid
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(budget)?;
    Some(rate.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// Figures of one project at the cut-off. Amounts in 万元.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectFigures {
    /// Index into `Ledger::projects`.
    pub index: usize,
    pub id: String,
    pub name: String,
    pub category: String,
    pub fund_source: String,
    pub status: Option<String>,
    pub budget: Decimal,
    pub settled: Option<Decimal>,
    /// 已拨付: payments up to and including the cut-off.
    pub paid: Decimal,
    pub execution_rate: Option<Decimal>,
    /// 待拨付: settled − paid, when settled is given.
    pub outstanding: Option<Decimal>,
    /// 结余: budget − settled, when settled is given.
    pub unspent: Option<Decimal>,
    /// 未支出: budget − paid.
    pub remaining: Decimal,
}

/// Sums over a group of projects (a category, a fund source, or all).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFigures {
    pub key: String,
    pub project_count: usize,
    pub budget: Decimal,
    pub paid: Decimal,
    pub execution_rate: Option<Decimal>,
    /// Sum over the projects that have a 结算金额; `None` when none has.
    pub outstanding: Option<Decimal>,
    pub unspent: Option<Decimal>,
    pub remaining: Decimal,
}

impl GroupFigures {
    pub fn new(key: &str) -> Self {
        GroupFigures {
            key: key.to_string(),
            project_count: 0,
            budget: Decimal::ZERO,
            paid: Decimal::ZERO,
            execution_rate: None,
            outstanding: None,
            unspent: None,
            remaining: Decimal::ZERO,
        }
    }
    fn add_project(&mut self, p: &ProjectFigures) {
        self.project_count += 1;
        self.budget += p.budget;
        self.outstanding = add_opt(self.outstanding, p.outstanding);
        self.unspent = add_opt(self.unspent, p.unspent);
    }
    pub fn finish(&mut self) {
        self.execution_rate = execution_rate(self.paid, self.budget);
        self.remaining = self.budget - self.paid;
    }
}

pub fn add_opt(a: Option<Decimal>, b: Option<Decimal>) -> Option<Decimal> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or_default() + b.unwrap_or_default()),
    }
}

/// One month of the monthly series.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthFigures {
    pub year: i32,
    pub month: u32,
    /// Paid in this month (up to the cut-off).
    pub paid: Decimal,
    pub cumulative_paid: Decimal,
    /// Cumulative paid ÷ total budget, percent.
    pub execution_rate: Option<Decimal>,
}

impl MonthFigures {
    pub fn label(&self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }
}

/// Whether a payment is in the sums, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentUse {
    Counted,
    AfterCutOff,
}

/// Records left out of every sum because of data errors (未计入), counted so
/// that each output can say so where its totals are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Excluded {
    pub projects: usize,
    pub payments: usize,
    /// Sum of the budgets that could be read from the left-out project rows.
    pub project_amount_read: Decimal,
    /// Sum of the amounts that could be read from the left-out payment rows.
    pub payment_amount_read: Decimal,
    /// Rows whose amount could not be read at all.
    pub unreadable: usize,
    pub rows: Vec<ExcludedRow>,
}

impl Excluded {
    pub fn from_rows(rows: &[ExcludedRow]) -> Excluded {
        let mut e = Excluded {
            rows: rows.to_vec(),
            ..Default::default()
        };
        for r in rows {
            let (n, sum) = match r.kind {
                RecordKind::Project => (&mut e.projects, &mut e.project_amount_read),
                RecordKind::Payment => (&mut e.payments, &mut e.payment_amount_read),
            };
            *n += 1;
            match r.amount {
                Some(a) => *sum += a,
                None => e.unreadable += 1,
            }
        }
        e
    }
    pub fn is_empty(&self) -> bool {
        self.projects == 0 && self.payments == 0
    }
    /// The banner printed above the totals: "另有 N 个项目、M 笔拨付因数据错误未计入合计（见问题清单）…".
    pub fn banner(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let money = |d: Decimal| d.normalize().to_string();
        let mut read = Vec::new();
        if self.projects > 0 {
            read.push(format!("项目预算 {} 万元", money(self.project_amount_read)));
        }
        if self.payments > 0 {
            read.push(format!("拨付 {} 万元", money(self.payment_amount_read)));
        }
        let unreadable = if self.unreadable > 0 {
            format!("，另 {} 行金额无法读出", self.unreadable)
        } else {
            String::new()
        };
        Some(format!(
            "另有 {} 个项目、{} 笔拨付因数据错误未计入合计（见问题清单）；能读出的金额：{}{unreadable}",
            self.projects,
            self.payments,
            read.join("，")
        ))
    }
}

/// Payments dated after the cut-off (未计入, a 提示 per row).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LatePayments {
    pub count: usize,
    pub amount: Decimal,
}

/// The words that mark a payment after the cut-off in its 提示.
pub const LATE_PAYMENT: &str = "晚于截止日期";

/// The report data of one workbook at one cut-off date.
#[derive(Debug, Clone)]
pub struct Report {
    pub as_of: NaiveDate,
    pub unit_name: String,
    pub year: Option<i32>,
    pub projects: Vec<ProjectFigures>,
    pub by_category: Vec<GroupFigures>,
    pub by_fund_source: Vec<GroupFigures>,
    pub totals: GroupFigures,
    pub monthly: Vec<MonthFigures>,
    /// Parallel to `Ledger::payments`.
    pub payment_use: Vec<PaymentUse>,
    /// Findings of the computation (warnings), beside the reader's.
    pub problems: Vec<Problem>,
    /// Rows the reader left out of the sums (data errors).
    pub excluded: Excluded,
    /// Payments after the cut-off.
    pub late: LatePayments,
}

/// Order of groups: the standard values first, in their standard order, then
/// others in order of first appearance.
pub fn group_order(standard: &[&str], keys: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for k in keys {
        if standard.contains(&k.as_str()) {
            if !out.contains(&k) {
                out.push(k);
            }
        } else if !others.contains(&k) {
            others.push(k);
        }
    }
    out.sort_by_key(|k| standard.iter().position(|s| s == k));
    out.extend(others);
    out
}

pub fn compute_report(ledger: &Ledger, as_of: NaiveDate, unit_name: &str) -> Report {
    let mut problems = Vec::new();
    let index_of: HashMap<&str, usize> = ledger
        .projects
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();

    let mut paid = vec![Decimal::ZERO; ledger.projects.len()];
    let mut payment_use = Vec::with_capacity(ledger.payments.len());
    let mut late = LatePayments::default();
    for pay in &ledger.payments {
        if pay.date > as_of {
            payment_use.push(PaymentUse::AfterCutOff);
            late.count += 1;
            late.amount += pay.amount;
            problems.push(Problem::warning_at(
                &pay.row,
                format!(
                    "{}：拨付日期 {} {LATE_PAYMENT} {}，该笔 {} 万元未计入",
                    pay.row, pay.date, as_of, pay.amount
                ),
            ));
            continue;
        }
        payment_use.push(PaymentUse::Counted);
        if let Some(&i) = index_of.get(pay.project_id.as_str()) {
            paid[i] += pay.amount;
        }
    }

    let projects: Vec<ProjectFigures> = ledger
        .projects
        .iter()
        .enumerate()
        .map(|(i, p)| project_figures(i, p, paid[i], &mut problems))
        .collect();

    let mut totals = GroupFigures::new("合计");
    let categories = group_order(
        layout::CATEGORIES,
        projects.iter().map(|p| p.category.clone()),
    );
    let funds = group_order(
        layout::FUND_SOURCES,
        projects
            .iter()
            .map(|p| p.fund_source.clone())
            .chain(counted(ledger, &payment_use).map(|p| p.fund_source.clone())),
    );
    let mut by_category: Vec<GroupFigures> =
        categories.iter().map(|k| GroupFigures::new(k)).collect();
    let mut by_fund_source: Vec<GroupFigures> =
        funds.iter().map(|k| GroupFigures::new(k)).collect();
    for p in &projects {
        totals.add_project(p);
        totals.paid += p.paid;
        if let Some(g) = by_category.iter_mut().find(|g| g.key == p.category) {
            g.add_project(p);
            g.paid += p.paid;
        }
        if let Some(g) = by_fund_source.iter_mut().find(|g| g.key == p.fund_source) {
            g.add_project(p);
        }
    }
    // Paid by fund source follows each payment's own 资金性质.
    for pay in counted(ledger, &payment_use) {
        if index_of.contains_key(pay.project_id.as_str())
            && let Some(g) = by_fund_source.iter_mut().find(|g| g.key == pay.fund_source)
        {
            g.paid += pay.amount;
        }
    }
    totals.finish();
    by_category.iter_mut().for_each(GroupFigures::finish);
    by_fund_source.iter_mut().for_each(GroupFigures::finish);

    let monthly = monthly_series(
        counted(ledger, &payment_use),
        ledger.info.year,
        as_of,
        totals.budget,
    );
    Report {
        as_of,
        unit_name: unit_name.to_string(),
        year: ledger.info.year,
        projects,
        by_category,
        by_fund_source,
        totals,
        monthly,
        payment_use,
        problems,
        excluded: Excluded::from_rows(&ledger.excluded),
        late,
    }
}

fn counted<'a>(
    ledger: &'a Ledger,
    uses: &'a [PaymentUse],
) -> impl Iterator<Item = &'a Payment> + 'a {
    ledger
        .payments
        .iter()
        .zip(uses)
        .filter(|(_, u)| **u == PaymentUse::Counted)
        .map(|(p, _)| p)
}

fn project_figures(
    index: usize,
    p: &Project,
    paid: Decimal,
    problems: &mut Vec<Problem>,
) -> ProjectFigures {
    let outstanding = p.settled.map(|s| s - paid);
    let unspent = p.settled.map(|s| p.budget - s);
    let rate = execution_rate(paid, p.budget);
    let finished = p
        .status
        .as_deref()
        .is_some_and(|s| layout::FINISHED_STATUSES.contains(&s));
    if p.budget.is_zero() {
        problems.push(Problem::warning_at(
            &p.budget_cell,
            format!("{}：项目“{}”预算金额为0，执行率不计算", p.budget_cell, p.id),
        ));
    } else if paid > p.budget {
        problems.push(Problem::warning_at(
            &p.budget_cell,
            format!(
                "{}：项目“{}”已拨付 {} 万元，超过预算 {} 万元",
                p.budget_cell, p.id, paid, p.budget
            ),
        ));
    }
    if finished && p.settled.is_none() {
        let cell = p.settled_cell.as_ref().unwrap_or(&p.row);
        problems.push(Problem::warning_at(
            cell,
            format!(
                "{cell}：项目“{}”状态为{}，但没有结算金额，待拨付和结余未计算",
                p.id,
                p.status.as_deref().unwrap_or_default()
            ),
        ));
    }
    if let (Some(s), Some(cell)) = (p.settled, &p.settled_cell) {
        if paid > s {
            problems.push(Problem::warning_at(
                cell,
                format!(
                    "{cell}：项目“{}”已拨付 {} 万元，超过结算金额 {} 万元（多拨 {} 万元）",
                    p.id,
                    paid,
                    s,
                    paid - s
                ),
            ));
        }
        if s > p.budget {
            problems.push(Problem::warning_at(
                cell,
                format!(
                    "{cell}：项目“{}”结算金额 {} 万元超过预算 {} 万元",
                    p.id, s, p.budget
                ),
            ));
        }
    }
    ProjectFigures {
        index,
        id: p.id.clone(),
        name: p.name.clone(),
        category: p.category.clone(),
        fund_source: p.fund_source.clone(),
        status: p.status.clone(),
        budget: p.budget,
        settled: p.settled,
        paid,
        execution_rate: rate,
        outstanding,
        unspent,
        remaining: p.budget - paid,
    }
}

/// Paid per month from the first month (January of the year, or the first
/// payment if earlier) to the cut-off month, with no gaps.
pub fn monthly_series<'a>(
    payments: impl Iterator<Item = &'a Payment>,
    year: Option<i32>,
    as_of: NaiveDate,
    total_budget: Decimal,
) -> Vec<MonthFigures> {
    let key = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
    let mut per_month: HashMap<i32, Decimal> = HashMap::new();
    let end = key(as_of);
    let mut start = year.map(|y| y * 12).filter(|s| *s <= end).unwrap_or(end);
    for p in payments {
        let k = key(p.date);
        start = start.min(k);
        *per_month.entry(k).or_default() += p.amount;
    }
    let mut cumulative = Decimal::ZERO;
    (start..=end)
        .map(|k| {
            let paid = per_month.get(&k).copied().unwrap_or_default();
            cumulative += paid;
            MonthFigures {
                year: k.div_euclid(12),
                month: k.rem_euclid(12) as u32 + 1,
                paid,
                cumulative_paid: cumulative,
                execution_rate: execution_rate(cumulative, total_budget),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CellRef;

    use crate::testutil::{d, date};
    fn project(id: &str, cat: &str, fund: &str, budget: &str, settled: Option<&str>) -> Project {
        let cell = CellRef::new("项目", 1, 0);
        Project {
            id: id.into(),
            name: id.into(),
            category: cat.into(),
            fund_source: fund.into(),
            budget: d(budget),
            settled: settled.map(d),
            status: None,
            location: None,
            implementer: None,
            start_date: None,
            end_date: None,
            deviation_reason: None,
            annual_target: None,
            actual_result: None,
            row: cell.clone(),
            budget_cell: cell.clone(),
            settled_cell: Some(cell),
        }
    }
    fn pay(id: &str, on: &str, amount: &str, fund: &str) -> Payment {
        Payment {
            project_id: id.into(),
            date: date(on),
            amount: d(amount),
            fund_source: fund.into(),
            fund_source_given: true,
            voucher: None,
            memo: None,
            row: CellRef::new("拨付", 1, 0),
        }
    }

    #[test]
    fn rate_rounds_half_away_from_zero_once() {
        assert_eq!(
            execution_rate(d("231.3152"), d("408.5587")),
            Some(d("56.62"))
        );
        assert_eq!(execution_rate(d("1"), d("8")), Some(d("12.50")));
        // 0.125% exactly → 0.13, not banker's 0.12
        assert_eq!(execution_rate(d("1"), d("800")), Some(d("0.13")));
        assert_eq!(execution_rate(d("-1"), d("800")), Some(d("-0.13")));
        // 2/3 = 66.666…% → 66.67
        assert_eq!(execution_rate(d("2"), d("3")), Some(d("66.67")));
        assert_eq!(execution_rate(d("5"), d("0")), None);
        assert_eq!(execution_rate(d("0"), d("0")), None);
    }

    #[test]
    fn figures_follow_their_definitions() {
        let mut ledger = Ledger::default();
        ledger.projects = vec![
            project("A", "产业项目", "整合资金", "166", Some("166")),
            project("B", "其他项目", "衔接资金", "4.5", Some("3.75")),
            project("C", "乡村建设", "整合资金", "10", None),
        ];
        ledger.payments = vec![
            pay("A", "2023-07-10", "30", "衔接资金"),
            pay("A", "2023-09-15", "30", "衔接资金"),
            pay("B", "2023-06-20", "3.75", "衔接资金"),
            pay("C", "2023-06-20", "2", "整合资金"),
            pay("C", "2023-08-01", "-0.5", "整合资金"),
            pay("A", "2024-06-01", "100", "整合资金"),
        ];
        ledger.info.year = Some(2023);
        let r = compute_report(&ledger, date("2024-05-31"), "测试");
        let a = &r.projects[0];
        assert_eq!(a.paid, d("60"));
        assert_eq!(a.outstanding, Some(d("106")));
        assert_eq!(a.unspent, Some(d("0")));
        assert_eq!(a.execution_rate, Some(d("36.14")));
        let b = &r.projects[1];
        assert_eq!((b.outstanding, b.unspent), (Some(d("0")), Some(d("0.75"))));
        let c = &r.projects[2];
        assert_eq!(
            (c.paid, c.outstanding, c.unspent, c.remaining),
            (d("1.5"), None, None, d("8.5"))
        );
        assert_eq!(r.totals.budget, d("180.5"));
        assert_eq!(r.totals.paid, d("65.25"));
        assert_eq!(r.totals.outstanding, Some(d("106")));
        assert_eq!(r.totals.unspent, Some(d("0.75")));
        // Categories: the standard ones first, others after.
        let keys: Vec<&str> = r.by_category.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["产业项目", "其他项目", "乡村建设"]);
        assert_eq!(r.by_category[2].outstanding, None);
        // Budget by the project's fund, paid by the payment's own.
        let xj = r
            .by_fund_source
            .iter()
            .find(|g| g.key == "衔接资金")
            .unwrap();
        assert_eq!(
            (xj.budget, xj.paid, xj.project_count),
            (d("4.5"), d("63.75"), 1)
        );
        let zh = r
            .by_fund_source
            .iter()
            .find(|g| g.key == "整合资金")
            .unwrap();
        assert_eq!((zh.budget, zh.paid), (d("176"), d("1.5")));
        assert_eq!(r.payment_use[5], PaymentUse::AfterCutOff);
        assert!(
            r.problems
                .iter()
                .any(|p| p.message.contains("晚于截止日期"))
        );
        // Monthly: January 2023 to May 2024, no gaps, cumulative adds up.
        assert_eq!(r.monthly.len(), 17);
        assert_eq!(r.monthly[0].label(), "2023-01");
        assert_eq!(r.monthly[5].paid, d("5.75"));
        assert_eq!(r.monthly.last().unwrap().cumulative_paid, r.totals.paid);
        for w in r.monthly.windows(2) {
            assert_eq!(w[1].cumulative_paid, w[0].cumulative_paid + w[1].paid);
        }
    }

    #[test]
    fn zero_budget_has_no_rate_and_a_warning() {
        let mut ledger = Ledger::default();
        ledger.projects = vec![project("Z", "其他项目", "整合资金", "0", None)];
        let r = compute_report(&ledger, date("2024-05-31"), "测试");
        assert_eq!(r.projects[0].execution_rate, None);
        assert_eq!(r.totals.execution_rate, None);
        assert!(r.problems.iter().any(|p| p.message.contains("预算金额为0")));
    }
}
