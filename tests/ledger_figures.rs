//! The ledger's own figures (合计/小计 rows) are checks on the reading: one
//! that disagrees is an 错误 (exit 1) naming its cell and both figures; one
//! that agrees at the precision its cell holds is no finding at all.

mod common;
use common::*;

fn run(w: &Workdir, b: &[(&str, Vec<Vec<C>>)]) -> (Run, serde_json::Value) {
    write_book(&w.path("in.xlsx"), b);
    let r = w.run(&[
        "report", "in.xlsx", "-o", "o.xlsx", "--json", "o.json", "--force",
    ]);
    assert!(w.exists("o.json"), "{}", r.stderr);
    (r, read_json(&w.path("o.json")))
}

fn total_checks(j: &serde_json::Value) -> Vec<&serde_json::Value> {
    j["reading"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["checks"].as_array().unwrap())
        .filter(|c| c["kind"].as_str().unwrap().starts_with("合计"))
        .collect()
}

fn book(header: &'static str, budgets: [f64; 2], total: f64) -> Vec<(&'static str, Vec<Vec<C>>)> {
    let mut b = small_book();
    b[0].1[0][4] = S(header);
    b[0].1[1][4] = N(budgets[0]);
    b[0].1[2][4] = N(budgets[1]);
    // No settled figures: only the budget total is checked.
    b[0].1[1][5] = E;
    b[0].1.push(vec![S("合计"), E, E, E, N(total), E, E]);
    b
}

#[test]
fn a_total_printed_to_two_places_of_wan_agrees_with_a_four_place_sum() {
    let w = Workdir::new();
    // 100.1234 + 20.0049 = 120.1283 → 120.13 at two places.
    let (r, j) = run(&w, &book("预算金额（万元）", [100.1234, 20.0049], 120.13));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(j["totals"]["budget"], "120.1283");
    let c = total_checks(&j);
    assert_eq!(c.len(), 1, "{:#}", j["reading"]);
    assert_eq!(c[0]["agrees"], true, "{:#}", c[0]);
    assert_eq!(c[0]["cell"], "项目!E4");
    assert!(
        !j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "R020"),
        "{:#}",
        j["problems"]
    );
}

#[test]
fn a_total_off_by_one_in_its_last_place_is_an_error_with_both_figures() {
    let w = Workdir::new();
    let (r, j) = run(&w, &book("预算金额（万元）", [100.1234, 20.0049], 120.12));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        j["totals"]["budget"], "120.1283",
        "the total row is not read as figures"
    );
    let p = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "R020")
        .unwrap_or_else(|| panic!("{:#}", j["problems"]));
    assert_eq!(p["severity"], "错误");
    assert_eq!(p["cell"], "项目!E4");
    let m = p["message"].as_str().unwrap();
    assert!(
        m.starts_with("项目!E4：") && m.contains("120.12 万元") && m.contains("120.1283 万元"),
        "{m}"
    );
    assert_eq!(total_checks(&j)[0]["agrees"], false);
    assert!(r.stderr.contains("[错误]"), "{}", r.stderr);
}

#[test]
fn a_total_in_yuan_is_checked_to_the_yuan() {
    let w = Workdir::new();
    // 1,001,234 + 200,049 = 1,201,283 元.
    let (r, j) = run(
        &w,
        &book("预算金额（元）", [1_001_234.0, 200_049.0], 1_201_283.0),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(total_checks(&j)[0]["agrees"], true);
    // Rounded to the hundred 元, it would agree at two places of 万元: it does not.
    let (r, j) = run(
        &w,
        &book("预算金额（元）", [1_001_234.0, 200_049.0], 1_201_300.0),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let p = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "R020")
        .unwrap_or_else(|| panic!("{:#}", j["problems"]));
    assert_eq!(p["cell"], "项目!E4");
}

#[test]
fn a_total_printed_to_the_wan_is_still_checked_to_two_places() {
    let w = Workdir::new();
    // 100.3 + 20 = 120.3, printed as 120: a disagreement, not a rounding.
    let (r, j) = run(&w, &book("预算金额（万元）", [100.3, 20.0], 120.0));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "R020"),
        "{:#}",
        j["problems"]
    );
}
