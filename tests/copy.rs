//! The annotated workbook keeps every input sheet: values, formulas, dates,
//! merged ranges, at the same addresses; clashing names are renamed.

mod common;
use calamine::Data;
use common::*;

#[test]
fn formulas_and_clashing_sheet_names_survive() {
    let w = Workdir::new();
    let mut b = small_book();
    // A budget typed as a formula: read by its cached value, copied as a formula.
    b[0].1[2][4] = F("=15+5", 20.0);
    b.push((
        "汇总",
        vec![vec![S("我自己的汇总表")], vec![N(1.5), F("=A2*2", 3.0)]],
    ));
    write_book(&w.path("in.xlsx"), &b);
    let r = w.run(&["report", "in.xlsx", "-o", "out.xlsx", "--json", "o.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(read_json(&w.path("o.json"))["totals"]["budget"], "120");
    let out = w.path("out.xlsx");
    let f = formulas(&out, "项目");
    assert!(f.iter().any(|(p, t)| *p == (2, 4) && t == "15+5"), "{f:?}");
    assert_eq!(sheet_cell(&out, "项目", 2, 4), Data::Float(20.0));
    // The input's own 汇总 is kept beside ours.
    assert_eq!(
        sheet_cell(&out, "原-汇总", 0, 0),
        Data::String("我自己的汇总表".into())
    );
    assert!(
        formulas(&out, "原-汇总")
            .iter()
            .any(|(p, t)| *p == (1, 1) && t == "A2*2")
    );
    let j = read_json(&w.path("o.json"));
    assert!(
        j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["message"].as_str().unwrap().contains("复制为“原-汇总”"))
    );
    // Dates stay dates.
    assert!(matches!(sheet_cell(&out, "拨付", 1, 1), Data::DateTime(_)));
}
