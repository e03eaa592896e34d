//! `jixiao template` writes the standard workbook, and `report` reads it back.

mod common;
use common::*;

#[test]
fn template_has_every_sheet_and_column_and_reads_back() {
    let w = Workdir::new();
    let r = w.run(&["template", "-o", "t.xlsx"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sheets = read_cells(&w.path("t.xlsx"));
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["项目", "拨付", "绩效指标", "说明"]);
    for spec in jixiao::read::layout::SHEETS
        .iter()
        .filter(|s| !s.columns.is_empty())
    {
        let cells = &sheets.iter().find(|(n, _)| n == spec.name).unwrap().1;
        for (i, c) in spec.columns.iter().enumerate() {
            let header = cells
                .iter()
                .find(|(p, _)| *p == (0, i as u32))
                .map(|(_, v)| v.to_string());
            assert_eq!(
                header.as_deref(),
                Some(c.header),
                "{} column {i}",
                spec.name
            );
        }
    }
    // Dropdowns on the coded columns.
    let xml = zip_part(&w.path("t.xlsx"), "xl/worksheets/sheet1.xml");
    assert!(
        xml.contains("<dataValidation") && xml.contains("基础设施建设项目"),
        "dropdown lists"
    );
    // The template's example rows are read but never counted as real money:
    // one 提示 per sheet asks the clerk to delete them.
    let r = w.run(&["report", "t.xlsx", "--json", "t.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("t.json"));
    assert_eq!(j["totals"]["budget"], "0");
    assert_eq!(j["totals"]["paid"], "0");
    assert_eq!(j["unit"], "示例镇人民政府");
    let example_notes: Vec<&str> = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .filter(|m| m.contains("示例行"))
        .collect();
    assert_eq!(
        example_notes.len(),
        3,
        "项目, 拨付, 绩效指标: {example_notes:?}"
    );
    assert!(
        !j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["severity"] == "错误" || p["message"].as_str().unwrap().contains("不存在")),
        "{:#}",
        j["problems"]
    );
    // Refuses to overwrite without --force.
    assert_eq!(w.run(&["template", "-o", "t.xlsx"]).code, 2);
}

#[test]
fn committed_template_matches_the_generator_layout() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/标准工作簿.xlsx");
    let committed = read_cells(&path);
    let w = Workdir::new();
    assert_eq!(w.run(&["template", "-o", "t.xlsx"]).code, 0);
    assert_eq!(
        committed,
        read_cells(&w.path("t.xlsx")),
        "regenerate with: cargo run -- template -o templates/标准工作簿.xlsx --force"
    );
}
