//! Drafting 绩效目标 from the bundled indicator libraries: every library
//! parses, drafts take the project's own figures, and each project finds
//! its library by keyword.

use jixiao::compute::draft::{draft, library_for};
use jixiao::model::CellRef;
use jixiao::model::Project;
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
    let libs = jixiao::read::library::bundled();
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
