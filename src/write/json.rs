//! Report data → JSON. Amounts are decimal strings in 万元, rates percent
//! strings with 2 decimals, absent values null.

use crate::compute::{GroupFigures, MonthFigures, ProjectFigures, Report};
use crate::model::Problem;
use rust_decimal::Decimal;
use serde::Serialize;

pub fn amount(d: Decimal) -> String {
    d.normalize().to_string()
}
pub fn rate(r: Option<Decimal>) -> Option<String> {
    r.map(|r| format!("{:.2}", r))
}

#[derive(Serialize)]
pub struct GroupJson {
    pub key: String,
    pub project_count: usize,
    pub budget: String,
    pub paid: String,
    pub execution_rate: Option<String>,
    pub outstanding: Option<String>,
    pub unspent: Option<String>,
    pub remaining: String,
    /// 按资金性质 only: paid from this fund to projects budgeted under another
    /// (inside `paid`, outside `execution_rate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_to_other_funds: Option<String>,
}

impl From<&GroupFigures> for GroupJson {
    fn from(g: &GroupFigures) -> Self {
        GroupJson {
            key: g.key.clone(),
            project_count: g.project_count,
            budget: amount(g.budget),
            paid: amount(g.paid),
            execution_rate: rate(g.execution_rate),
            outstanding: g.outstanding.map(amount),
            unspent: g.unspent.map(amount),
            remaining: amount(g.remaining),
            paid_to_other_funds: g.paid_to_other_funds.map(amount),
        }
    }
}

#[derive(Serialize)]
pub struct ProjectJson {
    pub id: String,
    pub name: String,
    pub category: String,
    pub fund_source: String,
    pub status: Option<String>,
    pub budget: String,
    /// 资金性质 → budget under it (one entry unless the ledger splits the budget).
    pub budget_by_fund: std::collections::BTreeMap<String, String>,
    /// 中央/省级/市级/县级 when the 资金性质 named a level.
    pub fund_level: Option<String>,
    pub settled: Option<String>,
    pub paid: String,
    pub execution_rate: Option<String>,
    pub outstanding: Option<String>,
    pub unspent: Option<String>,
    pub remaining: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvaluationJson>,
}

#[derive(Serialize)]
pub struct IndicatorJson {
    pub level1: String,
    pub level2: String,
    pub name: String,
    pub target: String,
    pub actual: Option<String>,
    pub weight: String,
    pub score: Option<String>,
    pub rule: String,
    pub note: Option<String>,
    pub drafted: bool,
}

#[derive(Serialize)]
pub struct EvaluationJson {
    /// Total of the rounded item scores (those scored).
    pub score: String,
    /// 优/良/中/差; null while items still need scoring by hand.
    pub grade: Option<&'static str>,
    pub complete: bool,
    pub budget_score: Option<String>,
    pub budget_rule: String,
    pub drafted: bool,
    pub indicators: Vec<IndicatorJson>,
}

impl From<&crate::compute::score::Evaluation> for EvaluationJson {
    fn from(e: &crate::compute::score::Evaluation) -> Self {
        let s2 = |d: Decimal| format!("{:.2}", d);
        EvaluationJson {
            score: s2(e.score),
            grade: e.grade,
            complete: e.complete,
            budget_score: e.budget_score.map(s2),
            budget_rule: e.budget_rule.to_string(),
            drafted: e.drafted,
            indicators: e
                .indicators
                .iter()
                .map(|i| IndicatorJson {
                    level1: i.group.label().to_string(),
                    level2: i.input.level2.clone(),
                    name: i.input.name.clone(),
                    target: i.input.target.clone(),
                    actual: i.input.actual.clone(),
                    weight: s2(i.weight),
                    score: i.score.map(s2),
                    rule: i.rule.to_string(),
                    note: i.note.clone(),
                    drafted: i.input.drafted,
                })
                .collect(),
        }
    }
}

impl From<&ProjectFigures> for ProjectJson {
    fn from(p: &ProjectFigures) -> Self {
        ProjectJson {
            id: p.id.clone(),
            name: p.name.clone(),
            category: p.category.clone(),
            fund_source: p.fund_source.clone(),
            status: p.status.clone(),
            budget: amount(p.budget),
            budget_by_fund: p
                .budget_by_fund
                .iter()
                .map(|(f, b)| (f.clone(), amount(*b)))
                .collect(),
            fund_level: p.fund_level.clone(),
            settled: p.settled.map(amount),
            paid: amount(p.paid),
            execution_rate: rate(p.execution_rate),
            outstanding: p.outstanding.map(amount),
            unspent: p.unspent.map(amount),
            remaining: amount(p.remaining),
            evaluation: None,
        }
    }
}

#[derive(Serialize)]
pub struct MonthJson {
    pub month: String,
    pub paid: String,
    pub cumulative_paid: String,
    pub execution_rate: Option<String>,
}

impl From<&MonthFigures> for MonthJson {
    fn from(m: &MonthFigures) -> Self {
        MonthJson {
            month: m.label(),
            paid: amount(m.paid),
            cumulative_paid: amount(m.cumulative_paid),
            execution_rate: rate(m.execution_rate),
        }
    }
}

#[derive(Serialize)]
pub struct ProblemJson {
    pub severity: &'static str,
    pub sheet: String,
    pub cell: Option<String>,
    pub message: String,
}

impl From<&Problem> for ProblemJson {
    fn from(p: &Problem) -> Self {
        ProblemJson {
            severity: p.severity.label(),
            sheet: p.sheet.clone(),
            cell: p.cell.as_ref().map(|c| c.to_string()),
            message: p.message.clone(),
        }
    }
}

/// One record left out of the sums.
#[derive(Serialize)]
pub struct ExcludedRowJson {
    /// 项目 / 拨付
    pub kind: crate::model::RecordKind,
    /// The row's first cell, e.g. "项目!A4".
    pub row: String,
    pub id: Option<String>,
    pub name: Option<String>,
    /// The amount that could be read (budget or payment), null when none.
    pub amount: Option<String>,
    pub reason: String,
}

/// Records left out of every sum because of data errors.
#[derive(Serialize)]
pub struct ExcludedJson {
    pub projects: usize,
    pub payments: usize,
    pub project_amount_read: String,
    pub payment_amount_read: String,
    pub rows: Vec<ExcludedRowJson>,
}

impl From<&crate::compute::Excluded> for ExcludedJson {
    fn from(e: &crate::compute::Excluded) -> Self {
        ExcludedJson {
            projects: e.projects,
            payments: e.payments,
            project_amount_read: amount(e.project_amount_read),
            payment_amount_read: amount(e.payment_amount_read),
            rows: e
                .rows
                .iter()
                .map(|r| ExcludedRowJson {
                    kind: r.kind,
                    row: r.row.to_string(),
                    id: r.id.clone(),
                    name: r.name.clone(),
                    amount: r.amount.map(amount),
                    reason: r.reason.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct ReportJson {
    pub as_of: String,
    pub unit: String,
    pub year: Option<i32>,
    pub totals: GroupJson,
    pub by_category: Vec<GroupJson>,
    pub by_fund_source: Vec<GroupJson>,
    pub projects: Vec<ProjectJson>,
    pub monthly: Vec<MonthJson>,
    pub problems: Vec<ProblemJson>,
    /// Records left out of the totals above (data errors).
    pub excluded: ExcludedJson,
}

pub fn report_json(
    report: &Report,
    problems: &[Problem],
    evals: Option<&[crate::compute::score::Evaluation]>,
) -> ReportJson {
    ReportJson {
        as_of: report.as_of.format("%Y-%m-%d").to_string(),
        unit: report.unit_name.clone(),
        year: report.year,
        totals: (&report.totals).into(),
        by_category: report.by_category.iter().map(Into::into).collect(),
        by_fund_source: report.by_fund_source.iter().map(Into::into).collect(),
        projects: report
            .projects
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut j: ProjectJson = p.into();
                j.evaluation = evals.and_then(|e| e.get(i)).map(Into::into);
                j
            })
            .collect(),
        monthly: report.monthly.iter().map(Into::into).collect(),
        problems: problems.iter().map(Into::into).collect(),
        excluded: (&report.excluded).into(),
    }
}

pub fn to_bytes(value: &impl Serialize) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).expect("report JSON serialises");
    v.push(b'\n');
    v
}
