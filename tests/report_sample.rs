//! `jixiao report` on the bundled 2023 靖宇镇 sample reproduces every figure
//! of the reference self-evaluation, in the JSON and in the workbook.

mod common;
use calamine::Data;
use common::*;
use jixiao::read::value::decimal_from_f64;
use rust_decimal::Decimal;
use std::path::Path;
use std::str::FromStr;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");

fn run_sample(w: &Workdir) -> serde_json::Value {
    let r = w.run(&[
        "report",
        SAMPLE,
        "--as-of",
        "2024-05-31",
        "-o",
        "out.xlsx",
        "--json",
        "out.json",
    ]);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    read_json(&w.path("out.json"))
}

fn dec(v: &serde_json::Value) -> Decimal {
    Decimal::from_str(
        v.as_str()
            .unwrap_or_else(|| panic!("not a decimal string: {v}")),
    )
    .unwrap()
}
fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}
fn group<'a>(j: &'a serde_json::Value, list: &str, key: &str) -> &'a serde_json::Value {
    j[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("{list} has no {key}"))
}
fn project<'a>(j: &'a serde_json::Value, name_part: &str) -> &'a serde_json::Value {
    j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str().unwrap().contains(name_part))
        .unwrap()
}

#[test]
fn sample_reproduces_the_reference_figures() {
    let w = Workdir::new();
    let j = run_sample(&w);
    assert_eq!(j["as_of"], "2024-05-31");
    assert_eq!(j["as_of_source"], "参数");
    assert_eq!(j["unit"], "靖宇镇人民政府");
    let t = &j["totals"];
    assert_eq!(dec(&t["budget"]), d("408.5587"));
    assert_eq!(dec(&t["paid"]), d("231.3152"));
    assert_eq!(t["execution_rate"], "56.62");
    assert_eq!(dec(&t["outstanding"]), d("136.3252"));
    assert_eq!(dec(&t["unspent"]), d("40.9183"));
    assert_eq!(t["project_count"], 7);

    for (key, count, budget) in [
        ("产业项目", 2, "212.6"),
        ("基础设施建设项目", 2, "185"),
        ("其他项目", 3, "10.9587"),
    ] {
        let g = group(&j, "by_category", key);
        assert_eq!(g["project_count"], count, "{key}");
        assert_eq!(dec(&g["budget"]), d(budget), "{key}");
    }
    assert_eq!(
        dec(&group(&j, "by_fund_source", "衔接资金")["paid"]),
        d("71.6787")
    );
    assert_eq!(dec(&project(&j, "牛场")["outstanding"]), d("106"));
    assert_eq!(dec(&project(&j, "靖安村")["outstanding"]), d("30.3252"));
    assert_eq!(dec(&project(&j, "靖安村")["paid"]), d("67.8038"));
    // Every other project is settled and paid in full.
    for p in j["projects"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        if !name.contains("牛场") && !name.contains("靖安村") {
            assert_eq!(dec(&p["outstanding"]), Decimal::ZERO, "{name}");
        }
    }
    // Rates are percent strings with two decimals; absent values are null.
    assert_eq!(project(&j, "牛场")["execution_rate"], "36.14");
    assert!(
        j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["severity"] != "错误")
    );
}

#[test]
fn sums_add_up_across_views() {
    let w = Workdir::new();
    let j = run_sample(&w);
    let sum = |list: &str, field: &str| -> Decimal {
        j[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| dec(&g[field]))
            .sum()
    };
    for field in ["budget", "paid"] {
        assert_eq!(
            sum("by_category", field),
            dec(&j["totals"][field]),
            "by_category {field}"
        );
        assert_eq!(
            sum("by_fund_source", field),
            dec(&j["totals"][field]),
            "by_fund_source {field}"
        );
        assert_eq!(
            sum("projects", field),
            dec(&j["totals"][field]),
            "projects {field}"
        );
    }
    let months = j["monthly"].as_array().unwrap();
    assert_eq!(months.first().unwrap()["month"], "2023-01");
    assert_eq!(months.last().unwrap()["month"], "2024-05");
    assert_eq!(sum("monthly", "paid"), dec(&j["totals"]["paid"]));
    assert_eq!(months.last().unwrap()["execution_rate"], "56.62");
}

fn number(v: &Data) -> Option<Decimal> {
    match v {
        Data::Float(f) => decimal_from_f64(*f),
        Data::Int(i) => Some(Decimal::from(*i)),
        Data::DateTime(dt) => decimal_from_f64(dt.as_f64()),
        _ => None,
    }
}

#[test]
fn workbook_has_the_report_sheets_with_cached_formula_results() {
    let w = Workdir::new();
    run_sample(&w);
    let out = w.path("out.xlsx");
    let sheets: Vec<String> = read_cells(&out).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        &sheets[..5],
        ["汇总", "项目进度", "拨付明细", "月度进度", "问题清单"]
    );
    for input in ["项目", "拨付", "绩效指标", "说明"] {
        assert!(
            sheets.contains(&input.to_string()),
            "input sheet {input} copied"
        );
    }
    // 汇总: the total row (row 5) holds formulas whose cached results are the figures.
    let f = formulas(&out, "汇总");
    assert!(
        f.iter().any(|((r, c), _)| (*r, *c) == (4, 2)),
        "total budget is a formula"
    );
    assert_eq!(number(&sheet_cell(&out, "汇总", 4, 2)), Some(d("408.5587")));
    assert_eq!(number(&sheet_cell(&out, "汇总", 4, 3)), Some(d("231.3152")));
    assert_eq!(number(&sheet_cell(&out, "汇总", 4, 4)), Some(d("0.5662")));
    assert_eq!(number(&sheet_cell(&out, "汇总", 4, 5)), Some(d("136.3252")));
    assert_eq!(number(&sheet_cell(&out, "汇总", 4, 6)), Some(d("40.9183")));
    // 项目进度: paid is a SUMIFS over 拨付明细 with the cut-off.
    let pf = formulas(&out, "项目进度");
    let paid = pf
        .iter()
        .find(|((r, c), _)| (*r, *c) == (3, 7))
        .expect("paid formula")
        .1
        .clone();
    assert!(
        paid.contains("SUMIFS") && paid.contains("拨付明细") && paid.contains("<="),
        "{paid}"
    );
    // 拨付明细 (under its title and cut-off line): dates as dates, amounts as numbers.
    assert!(matches!(
        sheet_cell(&out, "拨付明细", 3, 2),
        Data::DateTime(_)
    ));
    assert_eq!(number(&sheet_cell(&out, "拨付明细", 3, 3)), Some(d("6.5")));
}

/// Every non-empty input cell is in the output at the same address with the same value.
pub fn assert_all_cells_survive(input: &Path, output: &Path) {
    let out = read_cells(output);
    for (name, cells) in read_cells(input) {
        let copy = &out
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("sheet {name} copied"))
            .1;
        for (pos, v) in cells {
            let got = copy
                .iter()
                .find(|(p, _)| *p == pos)
                .map(|(_, v)| v.clone())
                .unwrap_or(Data::Empty);
            let same = match (&v, &got) {
                (Data::DateTime(a), Data::DateTime(b)) => a.as_f64() == b.as_f64(),
                (a, b) => a == b,
            };
            assert!(same, "{name}!{pos:?}: input {v:?}, output {got:?}");
        }
    }
}

#[test]
fn every_input_cell_survives() {
    let w = Workdir::new();
    run_sample(&w);
    assert_all_cells_survive(Path::new(SAMPLE), &w.path("out.xlsx"));
}

#[test]
fn default_output_goes_next_to_the_input_and_cut_off_comes_from_the_sheet() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("靖宇.xlsx")).unwrap();
    let r = w.run(&["report", "靖宇.xlsx", "--json", "j.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(w.exists("靖宇-报告.xlsx"));
    let j = read_json(&w.path("j.json"));
    assert_eq!(j["as_of"], "2024-05-31");
    assert_eq!(j["as_of_source"], "说明表");
    assert_eq!(j["totals"]["execution_rate"], "56.62");
    // No temporary files left behind.
    assert_eq!(
        w.files(),
        ["j.json", "靖宇-报告.xlsx", "靖宇-绩效表.xlsx", "靖宇.xlsx"]
    );
}

#[test]
fn an_earlier_cut_off_leaves_later_payments_out() {
    let w = Workdir::new();
    let r = w.run(&[
        "report",
        SAMPLE,
        "--as-of",
        "2023-12-31",
        "-o",
        "o.xlsx",
        "--json",
        "o.json",
        "--unit",
        "靖宇镇",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("o.json"));
    assert_eq!(j["unit"], "靖宇镇");
    // Two payments (13.0827 on 2024-01-15, 3 on 2024-03-20) fall after it.
    assert_eq!(
        dec(&j["totals"]["paid"]),
        d("231.3152") - d("13.0827") - d("3")
    );
    let late: Vec<_> = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["message"].as_str().unwrap().contains("晚于截止日期"))
        .collect();
    assert_eq!(late.len(), 2);
    assert!(late.iter().all(|p| p["severity"] == "提示"));
}
