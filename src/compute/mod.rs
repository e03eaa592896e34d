//! Pure functions from records to report figures. No I/O, no formatting.

pub mod assets;
pub mod county;
pub mod draft;
pub mod evaluate;
pub mod formula;
pub mod indicator;
pub mod levels;
pub mod monthly;
pub mod notice;
pub mod score;
pub mod summary;

use crate::model::Ledger;
use crate::model::standard as layout;
use crate::model::{ExcludedRow, Payment, Problem, Project, RecordKind, Wan, ser};
use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProjectFigures {
    /// Index into `Ledger::projects`.
    #[serde(skip)]
    pub index: usize,
    pub id: String,
    pub name: String,
    pub category: String,
    pub fund_source: String,
    pub status: Option<String>,
    #[serde(serialize_with = "ser::amount")]
    pub budget: Decimal,
    /// The budget by fund (one entry unless the ledger splits it).
    #[serde(serialize_with = "ser::amounts_by_key")]
    pub budget_by_fund: Vec<(String, Decimal)>,
    /// 中央/省级/市级/县级, when the 资金性质 spelling named a level.
    pub fund_level: Option<String>,
    #[serde(serialize_with = "ser::amount_opt")]
    pub settled: Option<Decimal>,
    /// 已拨付: payments up to and including the cut-off.
    #[serde(serialize_with = "ser::amount")]
    pub paid: Decimal,
    #[serde(serialize_with = "ser::rate")]
    pub execution_rate: Option<Decimal>,
    /// 待拨付: settled − paid, when settled is given.
    #[serde(serialize_with = "ser::amount_opt")]
    pub outstanding: Option<Decimal>,
    /// 结余: budget − settled, when settled is given.
    #[serde(serialize_with = "ser::amount_opt")]
    pub unspent: Option<Decimal>,
    /// 未支出: budget − paid.
    #[serde(serialize_with = "ser::amount")]
    pub remaining: Decimal,
    /// 实施地点, 实施单位, 起止日期, 偏差原因 as the ledger gives them.
    #[serde(skip)]
    pub location: Option<String>,
    #[serde(skip)]
    pub implementer: Option<String>,
    #[serde(skip)]
    pub start_date: Option<NaiveDate>,
    #[serde(skip)]
    pub end_date: Option<NaiveDate>,
    #[serde(skip)]
    pub deviation_reason: Option<String>,
    /// 年度目标 / 实际完成情况 exactly as typed (None when blank).
    #[serde(skip)]
    pub annual_target: Option<String>,
    #[serde(skip)]
    pub actual_result: Option<String>,
    /// Counted payments by their own 资金性质, in order of first payment.
    #[serde(skip)]
    pub paid_by_fund: Vec<(String, Decimal)>,
    /// Payment records naming the project (counted or not); 0 on a ledger
    /// without a payment list.
    #[serde(skip)]
    pub payment_records: usize,
    /// The project's row in the ledger.
    #[serde(skip)]
    pub row: crate::model::CellRef,
    /// Its 自评 once scored (`report` scores; `consolidate` doesn't).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Box<score::Evaluation>>,
}

/// One 资金来源 line of a project: its budget under the fund, what was paid
/// from that fund (by each payment's own 资金性质), and the rate.
#[derive(Debug, Clone, PartialEq)]
pub struct FundLine {
    pub fund: String,
    pub budget: Decimal,
    pub paid: Decimal,
    pub execution_rate: Option<Decimal>,
}

impl ProjectFigures {
    /// The project's budget funds, then any fund it was paid from without a
    /// budget under it (rate: none).
    pub fn fund_lines(&self) -> Vec<FundLine> {
        let mut lines: Vec<FundLine> = self
            .budget_by_fund
            .iter()
            .map(|(k, b)| FundLine {
                fund: k.clone(),
                budget: *b,
                paid: Decimal::ZERO,
                execution_rate: None,
            })
            .collect();
        for (k, paid) in &self.paid_by_fund {
            match lines.iter_mut().find(|l| l.fund == *k) {
                Some(l) => l.paid += *paid,
                None => lines.push(FundLine {
                    fund: k.clone(),
                    budget: Decimal::ZERO,
                    paid: *paid,
                    execution_rate: None,
                }),
            }
        }
        for l in &mut lines {
            l.execution_rate = execution_rate(l.paid, l.budget);
        }
        lines
    }
    /// The budget as the forms' 资金情况 splits it: (衔接资金, 其他涉农整合资金,
    /// 其他资金), each read from the project's own split. A fund spelled
    /// otherwise counts as 整合 (the forms have only these lines). Never
    /// derived by subtraction: a split that does not add up to the budget
    /// (the reader says so) shows as typed, not as a negative line.
    pub fn budget_split(&self) -> (Decimal, Decimal, Decimal) {
        let xj = self.budget_under(layout::Fund::Xianjie.name());
        let other = self.budget_under(layout::Fund::Other.name());
        let zh = self
            .budget_by_fund
            .iter()
            .filter(|(f, _)| {
                !matches!(
                    layout::Fund::of(f),
                    Some(layout::Fund::Xianjie | layout::Fund::Other)
                )
            })
            .map(|(_, b)| *b)
            .sum();
        (xj, zh, other)
    }
    /// 年度总体目标 for the forms: the ledger's own text, else one built
    /// from the project's figures.
    pub fn target_text(&self) -> String {
        self.annual_target.clone().unwrap_or_else(|| {
            format!(
                "按计划完成“{}”建设（实施）内容，资金 {} 万元按进度拨付到位。",
                self.name,
                Wan(self.budget)
            )
        })
    }
    /// 实际完成情况 for the forms: the ledger's own text, else status, paid
    /// and rate at the cut-off `as_of`.
    pub fn result_text(&self, as_of: NaiveDate) -> String {
        self.actual_result.clone().unwrap_or_else(|| {
            format!(
                "{}截止{} 已拨付 {} 万元，预算执行率 {}。",
                self.status
                    .as_deref()
                    .map(|s| format!("项目{s}；"))
                    .unwrap_or_default(),
                as_of.format("%Y年%-m月%-d日"),
                Wan(self.paid),
                self.execution_rate
                    .map(|r| format!("{r:.2}%"))
                    .unwrap_or_else(|| "—".into())
            )
        })
    }
    /// The sum of the fund lines when it is not the budget (a split typed
    /// inconsistently; the reader says so): the forms mark the total.
    pub fn funds_sum_differs(&self) -> Option<Decimal> {
        let sum: Decimal = self.budget_by_fund.iter().map(|(_, b)| *b).sum();
        (sum != self.budget).then_some(sum)
    }
    /// The part of the budget arranged under `fund` (资金性质); 0 when none.
    pub fn budget_under(&self, fund: &str) -> Decimal {
        self.budget_by_fund
            .iter()
            .filter(|(f, _)| f == fund)
            .map(|(_, b)| *b)
            .sum()
    }
}

/// Sums over a group of projects (a category, a fund source, or all).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupFigures {
    pub key: String,
    pub project_count: usize,
    #[serde(serialize_with = "ser::amount")]
    pub budget: Decimal,
    #[serde(serialize_with = "ser::amount")]
    pub paid: Decimal,
    #[serde(serialize_with = "ser::rate")]
    pub execution_rate: Option<Decimal>,
    /// Sum over the projects that have a 结算金额; `None` when none has.
    #[serde(serialize_with = "ser::amount_opt")]
    pub outstanding: Option<Decimal>,
    #[serde(serialize_with = "ser::amount_opt")]
    pub unspent: Option<Decimal>,
    #[serde(serialize_with = "ser::amount")]
    pub remaining: Decimal,
    /// 按资金性质 only: paid from this fund to projects budgeted under
    /// another (in `paid`, not in the execution rate).
    #[serde(
        serialize_with = "ser::amount_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub paid_to_other_funds: Option<Decimal>,
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
            paid_to_other_funds: None,
        }
    }
    fn add_project(&mut self, p: &ProjectFigures) {
        self.project_count += 1;
        self.budget += p.budget;
        self.outstanding = add_opt(self.outstanding, p.outstanding);
        self.unspent = add_opt(self.unspent, p.unspent);
    }
    /// What executes this group's budget: `paid` less money paid to other
    /// funds' projects (按资金性质 rows only).
    pub fn counted_paid(&self) -> Decimal {
        self.paid - self.paid_to_other_funds.unwrap_or_default()
    }
    pub fn finish(&mut self) {
        self.execution_rate = execution_rate(self.counted_paid(), self.budget);
        self.remaining = self.budget - self.counted_paid();
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

/// In JSON a month is `{"month": "2024-03", "paid", "cumulative_paid", "execution_rate"}`.
impl Serialize for MonthFigures {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("MonthFigures", 4)?;
        m.serialize_field("month", &self.label())?;
        m.serialize_field("paid", &ser::amount_text(self.paid))?;
        m.serialize_field("cumulative_paid", &ser::amount_text(self.cumulative_paid))?;
        m.serialize_field("execution_rate", &self.execution_rate.map(ser::two_places))?;
        m.end()
    }
}

impl MonthFigures {
    pub fn label(&self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }
}

/// A payment (拨付) as the report takes it: the record, the 按资金性质 row it
/// goes under, and whether it is in the sums and why not.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentLine {
    pub project_id: String,
    pub date: NaiveDate,
    pub amount: Decimal,
    /// Its own 资金性质, the project's, or 未注明资金性质 on a split budget.
    pub fund: String,
    pub voucher: Option<String>,
    pub memo: Option<String>,
    pub row: crate::model::CellRef,
    pub used: PaymentUse,
}

impl PaymentUse {
    /// 计入情况 as the 拨付 sheet says it.
    pub fn describe(self, as_of: NaiveDate) -> String {
        match self {
            PaymentUse::Counted => "计入".to_string(),
            PaymentUse::AfterCutOff => format!("晚于截止日期{as_of}，未计入"),
        }
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
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Excluded {
    pub projects: usize,
    pub payments: usize,
    /// Sum of the budgets that could be read from the left-out project rows.
    #[serde(serialize_with = "ser::amount")]
    pub project_amount_read: Decimal,
    /// Sum of the amounts that could be read from the left-out payment rows.
    #[serde(serialize_with = "ser::amount")]
    pub payment_amount_read: Decimal,
    /// Rows whose amount could not be read at all.
    #[serde(skip)]
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
        // Per kind: the amounts that could be read, and how many could not —
        // an unreadable budget is never shown as 0.
        let part = |kind: RecordKind, what: &str| -> Option<String> {
            let rows: Vec<&ExcludedRow> = self.rows.iter().filter(|r| r.kind == kind).collect();
            if rows.is_empty() {
                return None;
            }
            let read: Vec<Decimal> = rows.iter().filter_map(|r| r.amount).collect();
            let unread = rows.len() - read.len();
            let ids: Vec<&str> = rows
                .iter()
                .filter_map(|r| r.id.as_deref())
                .take(5)
                .collect();
            let named = if kind == RecordKind::Project && !ids.is_empty() {
                format!(
                    "（{}{}）",
                    ids.join("、"),
                    if rows.len() > ids.len() { " 等" } else { "" }
                )
            } else {
                String::new()
            };
            let amount = match (read.is_empty(), unread) {
                (true, _) => format!("{what}无法读出"),
                (false, 0) => format!("{what} {} 万元", Wan(read.iter().copied().sum())),
                (false, n) => format!(
                    "{what}能读出的 {} 万元，另 {n} 行无法读出",
                    Wan(read.iter().copied().sum())
                ),
            };
            Some(format!("{named}{amount}"))
        };
        let parts: Vec<String> = [
            part(RecordKind::Project, "项目预算"),
            part(RecordKind::Payment, "拨付金额"),
        ]
        .into_iter()
        .flatten()
        .collect();
        Some(format!(
            "另有 {} 个项目、{} 笔拨付因数据错误未计入合计（见问题清单）：{}",
            self.projects,
            self.payments,
            parts.join("；")
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

/// Up to this many payments after the cut-off, each gets its own 提示; a
/// ledger with more gets one per project (every payment is still listed,
/// marked 未计入, in 拨付明细), so a large ledger's problem list stays readable.
pub const LATE_NOTICES_EACH: usize = 100;

/// One project's payments after the cut-off, summarised.
struct LateOfProject<'a> {
    project_id: &'a str,
    first: &'a crate::model::CellRef,
    count: usize,
    amount: Decimal,
    earliest: NaiveDate,
    latest: NaiveDate,
}

/// The report data of one workbook at one cut-off date. Its JSON (field
/// order as the README documents it) is what `report --json` writes.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    #[serde(serialize_with = "ser::date")]
    pub as_of: NaiveDate,
    /// Where the cut-off came from: 参数 / 说明表 / 标题 / 今天 (empty when
    /// the caller didn't say).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub as_of_source: String,
    #[serde(rename = "unit")]
    pub unit_name: String,
    pub year: Option<i32>,
    pub totals: GroupFigures,
    pub by_category: Vec<GroupFigures>,
    pub by_fund_source: Vec<GroupFigures>,
    pub projects: Vec<ProjectFigures>,
    pub monthly: Vec<MonthFigures>,
    /// Every finding about this workbook, errors first: the reader's, the
    /// computation's and, once the analysis step has run, the scoring's.
    pub problems: Vec<Problem>,
    /// Rows the reader left out of the sums (data errors).
    pub excluded: Excluded,
    /// Every payment record, in ledger order, with whether it counts.
    #[serde(skip)]
    pub payments: Vec<PaymentLine>,
    /// 主管部门 (for the forms), from the 说明 sheet.
    #[serde(skip)]
    pub department: Option<String>,
    /// Some project's budget is split over funds.
    #[serde(skip)]
    pub split_budgets: bool,
    /// Payments after the cut-off.
    #[serde(skip)]
    pub late: LatePayments,
    /// How the ledger was read (读取说明), one entry per sheet used.
    pub reading: Vec<crate::model::reading::SheetReading>,
}

impl Report {
    /// Put each project's evaluation beside its figures (same order).
    pub fn set_evaluations(&mut self, evals: &[score::Evaluation]) {
        for (p, e) in self.projects.iter_mut().zip(evals) {
            p.evaluation = Some(Box::new(e.clone()));
        }
    }
    /// Forget the evaluations once the JSON, the one output that shows
    /// them, is written (a large ledger's take tens of megabytes).
    pub fn drop_evaluations(&mut self) {
        for p in &mut self.projects {
            p.evaluation = None;
        }
    }
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
    let mut paid_by_fund: Vec<Vec<(String, Decimal)>> = vec![Vec::new(); ledger.projects.len()];
    let mut records = vec![0usize; ledger.projects.len()];
    let mut payment_use = Vec::with_capacity(ledger.payments.len());
    let mut late = LatePayments::default();
    let each = ledger.payments.iter().filter(|p| p.date > as_of).count() <= LATE_NOTICES_EACH;
    let mut late_by_project: Vec<LateOfProject> = Vec::new();
    let mut late_index: HashMap<&str, usize> = HashMap::new();
    for pay in &ledger.payments {
        if let Some(&i) = index_of.get(pay.project_id.as_str()) {
            records[i] += 1;
        }
        if pay.date > as_of && !each {
            payment_use.push(PaymentUse::AfterCutOff);
            late.count += 1;
            late.amount += pay.amount;
            let k = *late_index
                .entry(pay.project_id.as_str())
                .or_insert_with(|| {
                    late_by_project.push(LateOfProject {
                        project_id: &pay.project_id,
                        first: &pay.row,
                        count: 0,
                        amount: Decimal::ZERO,
                        earliest: pay.date,
                        latest: pay.date,
                    });
                    late_by_project.len() - 1
                });
            let l = &mut late_by_project[k];
            l.count += 1;
            l.amount += pay.amount;
            l.earliest = l.earliest.min(pay.date);
            l.latest = l.latest.max(pay.date);
            continue;
        }
        if pay.date > as_of {
            payment_use.push(PaymentUse::AfterCutOff);
            late.count += 1;
            late.amount += pay.amount;
            problems.push(Problem::at(
                crate::model::Finding::PaymentAfterCutOff,
                &pay.row,
                format!(
                    "{}：拨付日期 {} {LATE_PAYMENT} {}，该笔 {} 万元未计入",
                    pay.row,
                    pay.date,
                    as_of,
                    Wan(pay.amount)
                ),
            ));
            continue;
        }
        payment_use.push(PaymentUse::Counted);
        if let Some(year) = ledger.info.year
            && pay.date.year() < year
        {
            problems.push(Problem::at(
                crate::model::Finding::PaymentBeforeYear,
                &pay.row,
                format!(
                    "{}：拨付日期 {} 早于台账年度 {year} 年，已计入；请核对是否上年的拨付",
                    pay.row, pay.date
                ),
            ));
        }
        if let Some(&i) = index_of.get(pay.project_id.as_str()) {
            paid[i] += pay.amount;
            match paid_by_fund[i]
                .iter_mut()
                .find(|(f, _)| *f == pay.fund_source)
            {
                Some(e) => e.1 += pay.amount,
                None => paid_by_fund[i].push((pay.fund_source.clone(), pay.amount)),
            }
        }
    }

    for l in &late_by_project {
        let name = index_of
            .get(l.project_id)
            .map(|&i| format!("（{}）", ledger.projects[i].name))
            .unwrap_or_default();
        let dates = if l.earliest == l.latest {
            l.earliest.to_string()
        } else {
            format!("{} 至 {}", l.earliest, l.latest)
        };
        problems.push(Problem::at(
            crate::model::Finding::PaymentAfterCutOff,
            l.first,
            format!(
                "{}：项目“{}”{name}有 {} 笔拨付日期（{dates}）{LATE_PAYMENT} {as_of}，共 {} 万元未计入；逐笔见“拨付明细”（本台账共 {} 笔{LATE_PAYMENT}，按项目各列一条）",
                l.first,
                l.project_id,
                l.count,
                Wan(l.amount),
                late.count
            ),
        ));
    }

    // A ledger without a payment list: paid is the 累计拨付 column, as of the ledger's date.
    for (i, p) in ledger.projects.iter().enumerate() {
        if let Some(c) = p.cumulative_paid {
            paid[i] += c;
        }
    }
    if let Some(d) = ledger.info.as_of.filter(|d| *d > as_of)
        && ledger.projects.iter().any(|p| p.cumulative_paid.is_some())
    {
        problems.push(Problem::on(
            crate::model::Finding::CumulativePaidAfterCutOff,
            "说明",
            format!("累计拨付是截至 {d} 的数，早于该日的截止日期 {as_of} 无法从中拆分，已全部计入"),
        ));
    }
    let projects: Vec<ProjectFigures> = ledger
        .projects
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut f = project_figures(i, p, paid[i], &mut problems);
            f.paid_by_fund = std::mem::take(&mut paid_by_fund[i]);
            f.payment_records = records[i];
            f
        })
        .collect();

    let mut totals = GroupFigures::new("合计");
    let categories = group_order(
        layout::CATEGORIES,
        projects.iter().map(|p| p.category.clone()),
    );
    let payment_fund: Vec<String> = ledger
        .payments
        .iter()
        .map(|pay| {
            let split = index_of
                .get(pay.project_id.as_str())
                .is_some_and(|&i| ledger.projects[i].is_split());
            if !pay.fund_source_given && split {
                UNSTATED_FUND.to_string()
            } else {
                pay.fund_source.clone()
            }
        })
        .collect();
    let fund_rows = fund_rows(
        ledger,
        &payment_use,
        &payment_fund,
        &index_of,
        &mut problems,
    );
    let funds = group_order(
        layout::FUND_SOURCES,
        fund_rows.iter().map(|(k, ..)| k.clone()),
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
    }
    for (key, count, budget, paid, cross) in fund_rows {
        if let Some(g) = by_fund_source.iter_mut().find(|g| g.key == key) {
            g.project_count = count;
            g.budget = budget;
            g.paid = paid;
            g.paid_to_other_funds = cross;
        }
    }
    // 待拨付 and 结余 of single-fund projects go to their fund; a split
    // project's can't be told apart by fund.
    for p in projects
        .iter()
        .filter(|p| ledger.projects[p.index].budget_by_fund.len() <= 1)
    {
        if let Some(g) = by_fund_source.iter_mut().find(|g| g.key == p.fund_source) {
            g.outstanding = add_opt(g.outstanding, p.outstanding);
            g.unspent = add_opt(g.unspent, p.unspent);
        }
    }
    totals.finish();
    by_category.iter_mut().for_each(GroupFigures::finish);
    by_fund_source.iter_mut().for_each(GroupFigures::finish);

    // A ledger that has only cumulative figures has no monthly series.
    let monthly = if ledger.payments.is_empty()
        && ledger.projects.iter().any(|p| p.cumulative_paid.is_some())
    {
        Vec::new()
    } else {
        monthly_series(
            counted(ledger, &payment_use),
            ledger.info.year,
            as_of,
            totals.budget,
        )
    };
    Report {
        as_of,
        as_of_source: String::new(),
        unit_name: unit_name.to_string(),
        year: ledger.info.year,
        projects,
        by_category,
        by_fund_source,
        totals,
        monthly,
        payments: ledger
            .payments
            .iter()
            .zip(&payment_use)
            .zip(payment_fund)
            .map(|((p, used), fund)| PaymentLine {
                project_id: p.project_id.clone(),
                date: p.date,
                amount: p.amount,
                fund,
                voucher: p.voucher.clone(),
                memo: p.memo.clone(),
                row: p.row.clone(),
                used: *used,
            })
            .collect(),
        department: ledger.info.department.clone(),
        split_budgets: ledger.projects.iter().any(|p| p.is_split()),
        problems,
        excluded: Excluded::from_rows(&ledger.excluded),
        late,
        reading: ledger.reading.clone(),
    }
}

/// 按资金性质: each fund's budget from the projects' split budgets, and
/// what was paid from it by each payment's own 资金性质. A payment from a
/// fund its project has no budget under is paid to another fund's work: it
/// stays in the fund's paid total but is kept out of its execution rate
/// (`paid_to_other_funds`), and a 提示 names it. Payments with no 资金性质
/// on a project whose budget is split go under 未注明资金性质, never guessed.
/// Rows: (fund, project count, budget, paid, paid to other funds).
#[allow(clippy::type_complexity)]
fn fund_rows(
    ledger: &Ledger,
    uses: &[PaymentUse],
    payment_fund: &[String],
    index_of: &HashMap<&str, usize>,
    problems: &mut Vec<Problem>,
) -> Vec<(String, usize, Decimal, Decimal, Option<Decimal>)> {
    let mut rows: Vec<(String, usize, Decimal, Decimal, Option<Decimal>)> = Vec::new();
    fn row<'a>(
        rows: &'a mut Vec<(String, usize, Decimal, Decimal, Option<Decimal>)>,
        key: &str,
    ) -> &'a mut (String, usize, Decimal, Decimal, Option<Decimal>) {
        if let Some(i) = rows.iter().position(|r| r.0 == key) {
            return &mut rows[i];
        }
        rows.push((key.to_string(), 0, Decimal::ZERO, Decimal::ZERO, None));
        rows.last_mut().expect("just pushed")
    }
    for p in &ledger.projects {
        for (f, b) in p.funds() {
            let r = row(&mut rows, f);
            r.1 += 1;
            r.2 += b;
        }
        if let Some(c) = p.cumulative_paid {
            let key = if p.is_split() {
                UNSTATED_FUND
            } else {
                p.fund_source.as_str()
            };
            row(&mut rows, key).3 += c;
        }
    }
    let mut cross: Vec<(String, String, Decimal, String)> = Vec::new();
    for ((pay, _), key) in ledger
        .payments
        .iter()
        .zip(uses)
        .zip(payment_fund)
        .filter(|((_, u), _)| **u == PaymentUse::Counted)
    {
        let Some(&i) = index_of.get(pay.project_id.as_str()) else {
            continue;
        };
        let project = &ledger.projects[i];
        let key = key.as_str();
        let r = row(&mut rows, key);
        r.3 += pay.amount;
        if key != UNSTATED_FUND && !project.has_fund(key) {
            *r.4.get_or_insert(Decimal::ZERO) += pay.amount;
            match cross.iter_mut().find(|c| c.0 == project.id && c.1 == key) {
                Some(c) => c.2 += pay.amount,
                None => cross.push((
                    project.id.clone(),
                    key.to_string(),
                    pay.amount,
                    pay.row.to_string(),
                )),
            }
        }
    }
    for (id, fund, amount, first) in cross {
        let i = index_of[id.as_str()];
        let p = &ledger.projects[i];
        let has: Vec<&str> = p.funds().iter().map(|(f, _)| *f).collect();
        problems.push(Problem::at(
            crate::model::Finding::PaidFromOtherFund,
            &p.row,
            format!(
                "{}：项目“{id}”的预算来自{}，但有 {} 万元从{fund}拨付（首笔见 {first}）；这笔钱计入{fund}的已拨付，不计入其执行率，在“按资金性质”中单列",
                p.row,
                has.join("、"),
                Wan(amount)
            ),
        ));
    }
    rows
}

/// The 按资金性质 row of payments whose fund a split-funded project can't tell.
pub const UNSTATED_FUND: &str = "未注明资金性质";

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
        .and_then(layout::Status::of)
        .is_some_and(layout::Status::is_finished);
    if paid < Decimal::ZERO {
        problems.push(Problem::at(
            crate::model::Finding::NegativePaid,
            &p.row,
            format!(
                "{}：项目“{}”的拨付合计为 {} 万元（退回多于拨付），请核对退回资金",
                p.row,
                p.id,
                Wan(paid)
            ),
        ));
    }
    if p.budget.is_zero() {
        problems.push(Problem::at(
            crate::model::Finding::ZeroBudget,
            &p.budget_cell,
            format!("{}：项目“{}”预算金额为0，执行率不计算", p.budget_cell, p.id),
        ));
    } else if paid > p.budget {
        problems.push(Problem::at(
            crate::model::Finding::PaidOverBudget,
            &p.budget_cell,
            format!(
                "{}：项目“{}”已拨付 {} 万元，超过预算 {} 万元",
                p.budget_cell,
                p.id,
                Wan(paid),
                Wan(p.budget)
            ),
        ));
    }
    if finished && p.settled.is_none() {
        let cell = p.settled_cell.as_ref().unwrap_or(&p.row);
        problems.push(Problem::at(
            crate::model::Finding::FinishedNotSettled,
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
            problems.push(Problem::at(
                crate::model::Finding::PaidOverSettled,
                cell,
                format!(
                    "{cell}：项目“{}”已拨付 {} 万元，超过结算金额 {} 万元（多拨 {} 万元）",
                    p.id,
                    Wan(paid),
                    Wan(s),
                    Wan(paid - s)
                ),
            ));
        }
        if s > p.budget {
            problems.push(Problem::at(
                crate::model::Finding::SettledOverBudget,
                cell,
                format!(
                    "{cell}：项目“{}”结算金额 {} 万元超过预算 {} 万元",
                    p.id,
                    Wan(s),
                    Wan(p.budget)
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
        budget_by_fund: p
            .funds()
            .into_iter()
            .map(|(f, b)| (f.to_string(), b))
            .collect(),
        fund_level: p.fund_level.clone(),
        settled: p.settled,
        paid,
        execution_rate: rate,
        outstanding,
        unspent,
        remaining: p.budget - paid,
        location: p.location.clone(),
        implementer: p.implementer.clone(),
        start_date: p.start_date,
        end_date: p.end_date,
        deviation_reason: p.deviation_reason.clone(),
        annual_target: p.annual_target.clone(),
        actual_result: p.actual_result.clone(),
        paid_by_fund: Vec::new(),
        payment_records: 0,
        evaluation: None,
        row: p.row.clone(),
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
            budget_by_fund: Vec::new(),
            fund_level: None,
            cumulative_paid: None,
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
            basis: Default::default(),
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
        assert_eq!(r.payments[5].used, PaymentUse::AfterCutOff);
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
    fn many_late_payments_are_summarised_per_project() {
        let mut ledger = Ledger::default();
        ledger.projects = vec![
            project("A", "产业项目", "衔接资金", "1000", None),
            project("B", "产业项目", "衔接资金", "1000", None),
        ];
        let at = |row: u32, mut p: Payment| {
            p.row = CellRef::new("拨付", row, 0);
            p
        };
        // One counted payment, then A: 60 late (0.5 each), B: 50 late (1 each), 110 in all.
        let mut pays = vec![at(1, pay("A", "2024-05-01", "7", "衔接资金"))];
        for i in 0..110u32 {
            let (id, amount, on) = if i % 2 == 0 || i >= 100 {
                ("A", "0.5", if i == 0 { "2024-06-03" } else { "2024-07-09" })
            } else {
                ("B", "1", "2024-06-10")
            };
            pays.push(at(2 + i, pay(id, on, amount, "衔接资金")));
        }
        ledger.payments = pays;
        let r = compute_report(&ledger, date("2024-05-31"), "测试");
        let late: Vec<&Problem> = r
            .problems
            .iter()
            .filter(|p| p.message.contains(LATE_PAYMENT))
            .collect();
        assert_eq!(late.len(), 2, "{late:?}");
        assert_eq!(
            late[0].cell,
            Some(CellRef::new("拨付", 2, 0)),
            "A's first late row"
        );
        assert!(
            late[0].message.contains("项目“A”")
                && late[0].message.contains("有 60 笔")
                && late[0].message.contains("2024-06-03 至 2024-07-09")
                && late[0].message.contains("共 30 万元未计入"),
            "{}",
            late[0].message
        );
        assert_eq!(late[1].cell, Some(CellRef::new("拨付", 3, 0)));
        assert!(late[1].message.contains("有 50 笔") && late[1].message.contains("共 50 万元"));
        // Each one still marked in 拨付明细, and the sums leave them all out.
        assert_eq!(
            r.payments
                .iter()
                .filter(|p| p.used == PaymentUse::AfterCutOff)
                .count(),
            110
        );
        assert_eq!(
            r.late,
            LatePayments {
                count: 110,
                amount: d("80")
            }
        );
        assert_eq!(r.totals.paid, d("7"));

        // At the limit (100 late payments) each still has its own notice.
        ledger.payments.truncate(1 + LATE_NOTICES_EACH);
        let r = compute_report(&ledger, date("2024-05-31"), "测试");
        let n = r
            .problems
            .iter()
            .filter(|p| p.message.contains(LATE_PAYMENT))
            .count();
        assert_eq!(n, LATE_NOTICES_EACH);
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
