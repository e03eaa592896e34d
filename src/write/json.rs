//! Report data → JSON. Amounts are decimal strings in 万元, rates percent
//! strings with 2 decimals, absent values null.

use crate::compute::Report;
use crate::model::Problem;
use rust_decimal::Decimal;
use serde::Serialize;

pub fn amount(d: Decimal) -> String {
    crate::model::ser::amount_text(d)
}
pub fn rate(r: Option<Decimal>) -> Option<String> {
    r.map(crate::model::ser::two_places)
}

/// The report as `report --json` writes it: the model itself (`Report`'s
/// `Serialize`), with the full problem list and, when scored, each
/// project's evaluation.
pub fn report_json(
    report: &Report,
    problems: &[Problem],
    evals: Option<&[crate::compute::score::Evaluation]>,
) -> Report {
    let mut r = report.clone();
    r.problems = problems.to_vec();
    if let Some(e) = evals {
        r.set_evaluations(e);
    }
    r
}

pub fn to_bytes(value: &impl Serialize) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).expect("report JSON serialises");
    v.push(b'\n');
    v
}
