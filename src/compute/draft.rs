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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CellRef;
    use rust_decimal::Decimal;

    fn project(name: &str) -> Project {
        let c = CellRef::new("项目", 1, 0);
        Project {
            id: "P".into(),
            name: name.into(),
            category: "产业项目".into(),
            fund_source: "衔接资金".into(),
            budget: Decimal::new(1660000, 4),
            budget_by_fund: Vec::new(),
            fund_level: None,
            cumulative_paid: None,
            settled: None,
            status: None,
            location: None,
            implementer: None,
            start_date: None,
            end_date: chrono::NaiveDate::from_ymd_opt(2023, 10, 20),
            deviation_reason: None,
            annual_target: None,
            actual_result: None,
            row: c.clone(),
            budget_cell: c,
            settled_cell: None,
        }
    }

    #[test]
    fn every_library_parses_and_drafts_fill_from_the_project() {
        let libs = crate::read::library::bundled();
        assert_eq!(libs.len(), 8);
        for l in &libs {
            assert!(
                l.indicators.iter().any(|i| i.level1 == "满意度指标"),
                "{} has satisfaction",
                l.name
            );
        }
        let d = draft(&project("河南村牛场建设项目"), Some(2023), &libs);
        assert!(d.iter().all(|i| i.drafted));
        assert!(
            d.iter()
                .any(|i| i.name == "项目总投资" && i.target == "≤166万元")
        );
        assert!(d.iter().any(|i| i.target == "2023年10月20日前"));
        assert_eq!(
            library_for(&project("雨露计划补助"), &libs).unwrap().name,
            "雨露计划"
        );
        assert_eq!(
            library_for(&project("某某工作经费"), &libs).unwrap().name,
            "通用"
        );
    }
}
