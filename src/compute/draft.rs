//! Drafting 绩效目标 for a project that has none, from the indicator library
//! in `templates/indicators/` (TOML, one file per project type). Values come
//! from the project's own columns where they can: 成本 ≤ the budget, 时效 by
//! the planned completion date. Drafts are marked 草拟 everywhere.

use super::indicator::IndicatorInput;
use crate::model::Project;

pub use crate::model::library::{Library, LibraryEntry};

/// The library for a project: the first whose keyword is in its name; the
/// last (通用) otherwise.
pub fn library_for<'a>(p: &Project, libs: &'a [Library]) -> Option<&'a Library> {
    libs.iter()
        .find(|l| l.keywords.iter().any(|k| p.name.contains(k.as_str())))
        .or_else(|| libs.last())
}

/// A drafted indicator set for a project.
pub fn draft(p: &Project, year: Option<i32>, libs: &[Library]) -> Vec<IndicatorInput> {
    let Some(lib) = library_for(p, libs) else {
        return Vec::new();
    };
    let end = match (p.end_date, year) {
        (Some(d), _) => d.format("%Y年%-m月%-d日").to_string(),
        (None, Some(y)) => format!("{y}年12月31日"),
        (None, None) => "年底".to_string(),
    };
    lib.indicators
        .iter()
        .map(|e| IndicatorInput {
            level1: e.level1.clone(),
            level2: e.level2.clone(),
            name: e.name.clone(),
            target: e
                .target
                .replace("{budget}", &p.budget.normalize().to_string())
                .replace("{end_date}", &end),
            actual: None,
            weight: None,
            hand_score: None,
            deviation_reason: None,
            row: None,
            drafted: true,
        })
        .collect()
}
