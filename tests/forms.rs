//! The 绩效目标申报表 / 项目支出绩效自评表 workbook, the evaluation in the
//! JSON, drafting, and `targets`.

mod common;
use calamine::Data;
use common::*;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");

fn num(v: Data) -> f64 {
    match v {
        Data::Float(f) => f,
        Data::Int(i) => i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn sample_forms_exist_for_every_project_with_the_computed_money_block() {
    let w = Workdir::new();
    let r = w.run(&[
        "report",
        SAMPLE,
        "--as-of",
        "2024-05-31",
        "-o",
        "r.xlsx",
        "--json",
        "r.json",
        "--forms",
        "forms.xlsx",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let forms = w.path("forms.xlsx");
    let names: Vec<String> = read_cells(&forms).into_iter().map(|(n, _)| n).collect();
    // 总览, two forms a project, and 待核实 (the tool's checks, not a form).
    assert_eq!(names.len(), 1 + 2 * 7 + 1);
    assert_eq!(names[0], "总览");
    assert_eq!(names.last().unwrap(), "待核实");
    for i in 1..=7 {
        assert!(
            names.contains(&format!("目标-JY2023-0{i}"))
                && names.contains(&format!("自评-JY2023-0{i}")),
            "{names:?}"
        );
    }
    // 牛场: budget 166, paid 60, rate 36.14 %, 10 × 36.14 % = 3.61.
    let s = "自评-JY2023-02";
    assert_eq!(num(sheet_cell(&forms, s, 4, 2)), 166.0);
    assert_eq!(num(sheet_cell(&forms, s, 4, 4)), 60.0);
    assert_eq!(num(sheet_cell(&forms, s, 4, 6)), 0.3614);
    assert_eq!(num(sheet_cell(&forms, s, 4, 7)), 3.61);
    assert_eq!(
        sheet_cell(&forms, s, 0, 0),
        Data::String("项目支出绩效自评表\n（2023年度）".into())
    );
    // Printed on A4, one page wide.
    let xml = zip_part(&forms, "xl/worksheets/sheet3.xml");
    assert!(
        xml.contains(r#"paperSize="9""#) && xml.contains("fitToWidth")
            || xml.contains(r#"fitToPage="1""#),
        "{}",
        &xml[..xml.len().min(600)]
    );
    // Scores are explained by notes on their cells.
    assert!(zip_part(&forms, "xl/comments").contains("预算执行率 36.14%"));

    let j = read_json(&w.path("r.json"));
    for p in j["projects"].as_array().unwrap() {
        let e = &p["evaluation"];
        assert_eq!(e["drafted"], false);
        assert_eq!(e["complete"], true, "{}", p["id"]);
        assert_eq!(e["grade"], "优", "{}", p["id"]);
        for i in e["indicators"].as_array().unwrap() {
            assert!(i["rule"].as_str().unwrap().len() > 4);
        }
    }
    let cow = j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "JY2023-02")
        .unwrap();
    assert_eq!(cow["evaluation"]["budget_score"], "3.61");
    let shed = cow["evaluation"]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "新建牛舍面积")
        .unwrap();
    assert_eq!(shed["target"], "≥720平方米");
    assert_eq!(shed["actual"], "720平方米");
    assert_eq!(shed["score"], shed["weight"]);
}

#[test]
fn projects_without_indicators_get_a_draft_marked_as_such() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let r = w.run(&["report", "in.xlsx", "-o", "r.xlsx", "--json", "r.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("r.json"));
    let p1 = &j["projects"][0]["evaluation"];
    assert_eq!(p1["drafted"], true);
    assert!(
        p1["grade"].is_null(),
        "a draft is not scored until reviewed"
    );
    assert!(
        p1["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["drafted"] == true)
    );
    // 道路 → the road library; 成本 ≤ the budget.
    assert!(
        p1["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "项目总投资" && i["target"] == "≤100万元")
    );
    assert!(j["problems"].as_array().unwrap().iter().any(|p| {
        p["message"]
            .as_str()
            .unwrap()
            .contains("没有绩效指标，已按“道路建设”指标库草拟")
    }));
    let forms = w.path("r-绩效表.xlsx");
    // The printed form says nothing of ours: the draft is said in a comment
    // on its title and on 待核实.
    for s in ["自评-P1", "目标-P1"] {
        let title = sheet_cell(&forms, s, 0, 0).to_string();
        assert!(!title.contains("草拟"), "{s}: {title}");
    }
    let checks = read_cells(&forms)
        .into_iter()
        .find(|(n, _)| n == "待核实")
        .expect("待核实 sheet")
        .1;
    for s in ["自评-P1", "目标-P1"] {
        assert!(checks.iter().any(|(_, v)| *v == s), "{s} listed on 待核实");
    }
    assert!(
        checks
            .iter()
            .any(|(_, v)| v.to_string().contains("按指标库草拟"))
    );
    assert!(zip_part(&forms, "xl/comments").contains("按指标库草拟"));
    assert_eq!(
        sheet_cell(&forms, "总览", 3, 9),
        Data::String("草拟".into())
    );
}

#[test]
fn targets_writes_a_sheet_that_feeds_back_in() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let r = w.run(&["targets", "in.xlsx", "-o", "t.xlsx"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let cells = read_cells(&w.path("t.xlsx")).remove(0);
    assert_eq!(cells.0, "绩效指标");
    // Put the drafted sheet into the ledger, with actuals, and report again.
    let mut rows: Vec<Vec<C>> = Vec::new();
    let max_row = cells.1.iter().map(|((r, _), _)| *r).max().unwrap();
    for r in 0..=max_row {
        let mut row = Vec::new();
        for c in 0..11 {
            let v = cells
                .1
                .iter()
                .find(|(p, _)| *p == (r, c))
                .map(|(_, v)| v.to_string())
                .unwrap_or_default();
            let v = if c == 6 && r > 0 {
                "达成预期指标".to_string()
            } else {
                v.replace("**", "10")
            };
            row.push(if v.is_empty() { E } else { T(v) });
        }
        rows.push(row);
    }
    let mut book = small_book();
    book.push(("绩效指标", rows));
    write_book(&w.path("in2.xlsx"), &book);
    let r = w.run(&["report", "in2.xlsx", "-o", "r2.xlsx", "--json", "r2.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("r2.json"));
    let e = &j["projects"][0]["evaluation"];
    assert_eq!(e["drafted"], false);
    assert!(e["indicators"].as_array().unwrap().len() >= 6);
}

#[test]
fn scoring_rules_are_a_setting() {
    let w = Workdir::new();
    let rules = jixiao::compute::score::DEFAULT_RULES
        .replace("budget_weight = 10", "budget_weight = 20")
        .replace("output_weight = 50", "output_weight = 40");
    std::fs::write(w.path("rules.toml"), rules).unwrap();
    let r = w.run(&[
        "report",
        SAMPLE,
        "-o",
        "r.xlsx",
        "--json",
        "r.json",
        "--scoring",
        "rules.toml",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("r.json"));
    let cow = j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "JY2023-02")
        .unwrap();
    assert_eq!(cow["evaluation"]["budget_score"], "7.23", "20 × 36.14 %");
    std::fs::write(w.path("bad.toml"), "budget_weight = 10\n").unwrap();
    let r = w.run(&[
        "report",
        SAMPLE,
        "-o",
        "r3.xlsx",
        "--forms",
        "f3.xlsx",
        "--scoring",
        "bad.toml",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.toml"));
}

#[test]
fn layout_b_is_a_setting() {
    let w = Workdir::new();
    let r = w.run(&[
        "report",
        SAMPLE,
        "-o",
        "r.xlsx",
        "--forms",
        "b.xlsx",
        "--form-layout",
        "b",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let forms = w.path("b.xlsx");
    let s = "自评-JY2023-02";
    assert_eq!(
        sheet_cell(&forms, s, 0, 0),
        Data::String("绩效目标自评表\n（2023年度）".into())
    );
    assert_eq!(
        sheet_cell(&forms, s, 1, 4),
        Data::String("项目负责人及电话".into())
    );
    // Broken before its "（A）" so no lone character wraps.
    assert_eq!(
        sheet_cell(&forms, s, 3, 3),
        Data::String("全年预算数\n（A）".into())
    );
    assert_eq!(num(sheet_cell(&forms, s, 4, 3)), 166.0);
    assert_eq!(num(sheet_cell(&forms, s, 4, 4)), 60.0);
    assert_eq!(num(sheet_cell(&forms, s, 4, 7)), 3.61);
    // No 上年结转 row; 分值 comes before the target.
    assert_eq!(
        sheet_cell(&forms, s, 7, 1),
        Data::String("年初设定目标".into())
    );
    assert_eq!(sheet_cell(&forms, s, 9, 3), Data::String("分值".into()));
    assert_eq!(
        sheet_cell(&forms, s, 9, 4),
        Data::String("年度指标值".into())
    );
    assert_eq!(
        sheet_cell(&forms, s, 10, 4),
        Data::String("≥720平方米".into())
    );
}

#[test]
fn no_forms_writes_only_the_report() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let r = w.run(&["report", "in.xlsx", "-o", "r.xlsx", "--no-forms"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(w.files(), ["in.xlsx", "r.xlsx"]);
}
