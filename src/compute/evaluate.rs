//! Scoring every project of a report: the indicators from the sheet, or a
//! set drafted from the indicator library where a project has none, scored
//! by `score`. Composes `draft` and `score`, which know nothing of each other.

use super::draft::{self, Library};
use super::indicator::IndicatorInput;
use super::score::{Evaluation, ScoringRules, evaluate, low_rate_prompt};
use crate::model::Problem;

/// Evaluations of every project of a report, in the report's order, and the
/// problems they raise (drafted sets listed as needing review).
pub fn evaluate_all(
    ledger: &crate::model::Ledger,
    report: &super::Report,
    rules: &ScoringRules,
    libs: &[Library],
) -> (Vec<Evaluation>, Vec<Problem>) {
    use chrono::Datelike;
    let year = ledger.info.year.or(Some(report.as_of.year()));
    let mut by_project: std::collections::HashMap<&str, Vec<&crate::model::Indicator>> =
        std::collections::HashMap::new();
    for i in &ledger.indicators {
        by_project.entry(i.project_id.as_str()).or_default().push(i);
    }
    let mut problems = Vec::new();
    let evals = report
        .projects
        .iter()
        .map(|f| {
            let project = &ledger.projects[f.index];
            let inputs: Vec<IndicatorInput> = match by_project.get(f.id.as_str()) {
                Some(rows) => rows
                    .iter()
                    .map(|i| IndicatorInput {
                        level1: i.level1.clone().unwrap_or_default(),
                        level2: i.level2.clone().unwrap_or_default(),
                        name: i.name.clone().unwrap_or_default(),
                        target: i.target.clone().unwrap_or_default(),
                        actual: i.actual.clone(),
                        weight: i.weight,
                        hand_score: i.hand_score,
                        deviation_reason: i.deviation_reason.clone(),
                        row: Some(i.row.clone()),
                        drafted: false,
                    })
                    .collect(),
                None => {
                    let lib = draft::library_for(project, libs).map(|l| l.name.clone()).unwrap_or_default();
                    problems.push(Problem::at(crate::model::Finding::IndicatorsDrafted, &project.row, format!("{}：项目“{}”没有绩效指标，已按“{lib}”指标库草拟（标为草拟），请核实后填入“绩效指标”表", project.row, project.id)));
                    draft::draft(project, year, libs)
                }
            };
            let e = evaluate(f.execution_rate, inputs, year, rules);
            problems.extend(e.problems.iter().cloned());
            if let Some(prompt) = low_rate_prompt(f.execution_rate, e.grade) {
                problems.push(Problem::at(
                    crate::model::Finding::LowRateHighGrade,
                    &project.budget_cell,
                    format!("{}：项目“{}”{prompt}", project.budget_cell, project.id),
                ));
            }
            e
        })
        .collect();
    (evals, problems)
}
