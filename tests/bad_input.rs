//! One test per bad-input case: exit status, the cell named in the message,
//! and what was (or was not) written.

mod common;
use common::*;

fn problems(j: &serde_json::Value) -> Vec<(String, String, String)> {
    j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["severity"].as_str().unwrap().to_string(),
                p["cell"].as_str().unwrap_or("").to_string(),
                p["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Run report on a book; returns (run, json if written).
fn report(w: &Workdir, book: &[(&str, Vec<Vec<C>>)]) -> (Run, Option<serde_json::Value>) {
    write_book(&w.path("in.xlsx"), book);
    let r = w.run(&["report", "in.xlsx", "-o", "out.xlsx", "--json", "out.json"]);
    let j = w.exists("out.json").then(|| read_json(&w.path("out.json")));
    (r, j)
}

fn with_project_row(row: Vec<C>) -> Vec<(&'static str, Vec<Vec<C>>)> {
    let mut b = small_book();
    b[0].1.push(row);
    b
}
fn with_payment_row(row: Vec<C>) -> Vec<(&'static str, Vec<Vec<C>>)> {
    let mut b = small_book();
    b[1].1.push(row);
    b
}

fn assert_nothing_written(w: &Workdir) {
    assert!(
        !w.exists("out.xlsx") && !w.exists("out.json"),
        "nothing written: {:?}",
        w.files()
    );
    assert!(
        w.files().iter().all(|f| !f.ends_with(".tmp")),
        "no temporary files left: {:?}",
        w.files()
    );
}

#[test]
fn missing_file_is_fatal() {
    let w = Workdir::new();
    let r = w.run(&["report", "nope.xlsx", "-o", "out.xlsx"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("nope.xlsx") && r.stderr.contains("找不到"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.trim().lines().count(), 1, "one line: {}", r.stderr);
    assert_nothing_written(&w);
}

#[test]
fn unreadable_file_is_fatal() {
    let w = Workdir::new();
    std::fs::write(w.path("in.xlsx"), "这不是工作簿").unwrap();
    let r = w.run(&["report", "in.xlsx", "-o", "out.xlsx"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("in.xlsx") && r.stderr.contains("无法读取"),
        "{}",
        r.stderr
    );
    assert_nothing_written(&w);
}

#[test]
fn encrypted_workbook_is_a_clear_error() {
    let w = Workdir::new();
    // Excel stores a password-protected .xlsx as an OLE2 compound file.
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.extend(std::iter::repeat_n(0u8, 504));
    std::fs::write(w.path("in.xlsx"), bytes).unwrap();
    let r = w.run(&["report", "in.xlsx", "-o", "out.xlsx"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("in.xlsx") && r.stderr.contains("密码"),
        "{}",
        r.stderr
    );
    assert_nothing_written(&w);
}

#[test]
fn workbook_without_project_sheet_is_fatal() {
    let w = Workdir::new();
    let (r, _) = report(&w, &[("Sheet1", vec![vec![S("随便")]])]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("“项目”工作表") && r.stderr.contains("Sheet1"),
        "{}",
        r.stderr
    );
    assert_nothing_written(&w);
}

#[test]
fn missing_required_column_is_fatal_and_named() {
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1 = vec![
        vec![
            S("项目编号"),
            S("项目名称"),
            S("项目类别"),
            S("资金性质"),
            S("结算金额（万元）"),
        ],
        vec![S("P1"), S("道路"), S("其他项目"), S("整合资金"), N(1.0)],
    ];
    let (r, _) = report(&w, &b);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("in.xlsx") && r.stderr.contains("项目") && r.stderr.contains("预算金额"),
        "{}",
        r.stderr
    );
    assert_nothing_written(&w);
}

#[test]
fn missing_required_payment_column_is_fatal() {
    let w = Workdir::new();
    let mut b = small_book();
    b[1].1 = vec![
        vec![S("项目编号"), S("拨付金额（万元）")],
        vec![S("P1"), N(1.0)],
    ];
    let (r, _) = report(&w, &b);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("拨付") && r.stderr.contains("拨付日期"),
        "{}",
        r.stderr
    );
    assert_nothing_written(&w);
}

#[test]
fn output_same_as_input_is_refused() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let before = sha(&w.path("in.xlsx"));
    let r = w.run(&["report", "in.xlsx", "-o", "./in.xlsx", "--force"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("输入"), "{}", r.stderr);
    assert_eq!(sha(&w.path("in.xlsx")), before, "input untouched");
}

#[test]
fn existing_output_needs_force() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    std::fs::write(w.path("out.xlsx"), "old").unwrap();
    let r = w.run(&["report", "in.xlsx", "-o", "out.xlsx"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(std::fs::read(w.path("out.xlsx")).unwrap(), b"old");
    let r = w.run(&["report", "in.xlsx", "-o", "out.xlsx", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_ne!(std::fs::read(w.path("out.xlsx")).unwrap(), b"old");
}

#[test]
fn bad_as_of_is_a_usage_error() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let r = w.run(&["report", "in.xlsx", "--as-of", "2024-13-01"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("2024-13-01"), "{}", r.stderr);
    assert!(!w.exists("in-报告.xlsx"));
}

/// A bad row: report written, exit 1, the row out of the sums, the cell named
/// on 问题清单 and flagged (note) in the copied sheet.
fn assert_bad_row(r: &Run, j: &serde_json::Value, w: &Workdir, cell: &str, value_shown: &str) {
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let p = problems(j);
    let hit = p
        .iter()
        .find(|(sev, c, _)| sev == "错误" && c == cell)
        .unwrap_or_else(|| panic!("no error at {cell}: {p:?}"));
    assert!(
        hit.2.contains(cell) && hit.2.contains(value_shown),
        "message names cell and value: {}",
        hit.2
    );
    // Flagged in the annotated workbook: a note at that address on the copied sheet.
    let comments = zip_part(&w.path("out.xlsx"), "xl/comments");
    let a1 = cell.split('!').nth(1).unwrap();
    assert!(comments.contains(&format!("ref=\"{a1}\"")), "note on {a1}");
    // 问题清单 lists it.
    let listed = read_cells(&w.path("out.xlsx"))
        .into_iter()
        .find(|(n, _)| n == "问题清单")
        .unwrap()
        .1;
    assert!(
        listed.iter().any(|(_, v)| v.to_string() == cell),
        "问题清单 names {cell}"
    );
}

#[test]
fn non_numeric_budget() {
    let w = Workdir::new();
    let (r, j) = report(
        &w,
        &with_project_row(vec![
            S("P3"),
            S("路灯"),
            S("基础设施建设项目"),
            S("整合资金"),
            S("约5万"),
            E,
            E,
        ]),
    );
    let j = j.unwrap();
    assert_bad_row(&r, &j, &w, "项目!E4", "约5万");
    assert_eq!(j["totals"]["budget"], "120", "P3 left out of the sums");
    assert_eq!(j["projects"].as_array().unwrap().len(), 2);
}

#[test]
fn negative_budget() {
    let w = Workdir::new();
    let (r, j) = report(
        &w,
        &with_project_row(vec![
            S("P3"),
            S("路灯"),
            S("基础设施建设项目"),
            S("整合资金"),
            N(-5.0),
            E,
            E,
        ]),
    );
    let j = j.unwrap();
    assert_bad_row(&r, &j, &w, "项目!E4", "-5");
    assert_eq!(j["totals"]["budget"], "120");
}

#[test]
fn payment_to_unknown_project() {
    let w = Workdir::new();
    let (r, j) = report(
        &w,
        &with_payment_row(vec![S("P9"), D("2024-05-01"), N(7.0), E]),
    );
    let j = j.unwrap();
    assert_bad_row(&r, &j, &w, "拨付!A5", "P9");
    assert_eq!(j["totals"]["paid"], "85.5");
}

#[test]
fn duplicate_project_id() {
    let w = Workdir::new();
    let (r, j) = report(
        &w,
        &with_project_row(vec![
            S("P1"),
            S("道路二期"),
            S("基础设施建设项目"),
            S("整合资金"),
            N(40.0),
            E,
            E,
        ]),
    );
    let j = j.unwrap();
    assert_bad_row(&r, &j, &w, "项目!A4", "P1");
    assert_eq!(j["totals"]["budget"], "120");
}

#[test]
fn missing_payment_date() {
    let w = Workdir::new();
    let (r, j) = report(&w, &with_payment_row(vec![S("P2"), E, N(7.0), E]));
    let j = j.unwrap();
    assert_bad_row(&r, &j, &w, "拨付!B5", "为空");
    assert_eq!(j["totals"]["paid"], "85.5");
}

#[test]
fn impossible_payment_date() {
    let w = Workdir::new();
    let (r, j) = report(
        &w,
        &with_payment_row(vec![S("P2"), S("2024-02-30"), N(7.0), E]),
    );
    let j = j.unwrap();
    assert_bad_row(&r, &j, &w, "拨付!B5", "2024-02-30");
    assert_eq!(j["totals"]["paid"], "85.5");
}

#[test]
fn text_amount() {
    let w = Workdir::new();
    let (r, j) = report(
        &w,
        &with_payment_row(vec![S("P2"), D("2024-05-01"), S("七万元整"), E]),
    );
    let j = j.unwrap();
    assert_bad_row(&r, &j, &w, "拨付!C5", "七万元整");
    assert_eq!(j["totals"]["paid"], "85.5");
}

#[test]
fn a_number_typed_as_text_is_read_with_a_warning() {
    let w = Workdir::new();
    let (r, j) = report(
        &w,
        &with_payment_row(vec![S("P2"), D("2024-05-01"), S("1.5"), E]),
    );
    let j = j.unwrap();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(j["totals"]["paid"], "87");
    assert!(
        problems(&j)
            .iter()
            .any(|(s, c, m)| s == "提示" && c == "拨付!C5" && m.contains("文本"))
    );
}

#[test]
fn warnings_keep_exit_status_zero() {
    let w = Workdir::new();
    let mut b = small_book();
    // Completed without 结算金额; zero budget; paid more than settled.
    b[0].1.push(vec![
        S("P3"),
        S("完工无结算"),
        S("其他项目"),
        S("整合资金"),
        N(10.0),
        E,
        S("已完工"),
    ]);
    b[0].1.push(vec![
        S("P4"),
        S("零预算"),
        S("其他项目"),
        S("整合资金"),
        N(0.0),
        E,
        E,
    ]);
    b[0].1.push(vec![
        S("P5"),
        S("多拨"),
        S("其他项目"),
        S("整合资金"),
        N(10.0),
        N(5.0),
        S("已结算"),
    ]);
    b[1].1.push(vec![S("P5"), D("2024-05-01"), N(6.0), E]);
    let (r, j) = report(&w, &b);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = j.unwrap();
    let p = problems(&j);
    assert!(p.iter().all(|(s, ..)| s == "提示"), "{p:?}");
    assert!(
        p.iter()
            .any(|(_, c, m)| c == "项目!F4" && m.contains("没有结算金额")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|(_, c, m)| c == "项目!E5" && m.contains("预算金额为0")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|(_, c, m)| c == "项目!F6" && m.contains("超过结算金额")),
        "{p:?}"
    );
    let zero = j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "P4")
        .unwrap();
    assert!(
        zero["execution_rate"].is_null(),
        "no rate for a zero budget"
    );
    let p5 = j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "P5")
        .unwrap();
    assert_eq!(p5["outstanding"], "-1");
}

#[test]
fn unknown_category_is_kept_as_its_own_group_after_the_standard_ones() {
    let w = Workdir::new();
    let (r, j) = report(
        &w,
        &with_project_row(vec![
            S("P3"),
            S("乡村建设"),
            S("乡村建设行动"),
            S("整合资金"),
            N(3.0),
            E,
            E,
        ]),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let keys: Vec<String> = j.unwrap()["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, ["产业项目", "基础设施建设项目", "乡村建设行动"]);
}
