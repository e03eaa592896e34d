//! The reader on inputs that used to crash it or mislead the clerk: a stray
//! far cell (memory by cells, not extent), formulas with no stored result,
//! invisible characters in ids, refunds beyond payments, payments dated
//! before the ledger's year.

mod common;
use common::*;
use std::process::Command;

fn report(w: &Workdir, file: &str) -> (Run, serde_json::Value, u64) {
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args([
            "report",
            file,
            "--as-of",
            "2024-12-31",
            "--no-forms",
            "-o",
            &format!("{file}-out.xlsx"),
            "--json",
            &format!("{file}.json"),
            "--force",
        ])
        .env("JIXIAO_PEAK_RSS", "1")
        .current_dir(w.dir.path())
        .output()
        .expect("run");
    let r = Run::from(out);
    let kb = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss: "))
        .and_then(|v| v.trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0);
    let j = if w.exists(&format!("{file}.json")) {
        read_json(&w.path(&format!("{file}.json")))
    } else {
        serde_json::Value::Null
    };
    (r, j, kb)
}

fn messages(j: &serde_json::Value) -> Vec<String> {
    j["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| p["message"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_stray_cell_at_xfd1048576_costs_what_its_cells_cost() {
    let w = Workdir::new();
    write_book(&w.path("plain.xlsx"), &small_book());
    let mut book = small_book();
    // 项目 gets one stray cell in the sheet's very last cell.
    let rows = &mut book[0].1;
    rows.resize(1_048_575, Vec::new());
    let mut last = vec![E; 16_383];
    last.push(S("x"));
    rows.push(last);
    write_book(&w.path("stray.xlsx"), &book);
    let (r0, plain, _) = report(&w, "plain.xlsx");
    assert_eq!(r0.code, 0, "{}", r0.stderr);
    let (r, stray, kb) = report(&w, "stray.xlsx");
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_eq!(plain["totals"], stray["totals"], "same figures");
    assert!(kb > 0, "peak rss reported: {}", r.stderr);
    // A dense grid would be 17 billion cells; the sparse sheet is a few.
    assert!(kb < 400_000, "peak resident memory {kb} kB");
    // The stray cell is kept in the annotated copy (read as XML: a dense
    // reader such as calamine's range would itself need 512 GiB).
    let xml = zip_part(&w.path("stray.xlsx-out.xlsx"), "xl/worksheets/");
    assert!(xml.contains(r#"r="XFD1048576""#), "stray cell copied");
}

#[test]
fn a_formula_without_a_stored_result_says_so() {
    let w = Workdir::new();
    let mut book = small_book();
    book[0].1[2][4] = E;
    write_book(&w.path("f0.xlsx"), &book);
    // 预算金额 as a formula with no cached value (a program wrote it, no one
    // saved it in Excel): E3 of the 项目 sheet as <f> without <v>.
    replace_in_zip(
        &w.path("f0.xlsx"),
        &w.path("f.xlsx"),
        &[(r#"<c r="G3""#, r#"<c r="E3"><f>10+10</f></c><c r="G3""#)],
    );
    let (r, j, _) = report(&w, "f.xlsx");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let m = messages(&j);
    assert!(
        m.iter()
            .any(|m| m.contains("项目!E3") && m.contains("是公式但没有计算结果")),
        "{m:?}"
    );
}

#[test]
fn invisible_characters_in_ids_are_shown_escaped() {
    let w = Workdir::new();
    let mut book = small_book();
    book[1].1[3][0] = T("P2\u{200B}".into());
    write_book(&w.path("z.xlsx"), &book);
    let (r, j, _) = report(&w, "z.xlsx");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let m = messages(&j);
    assert!(
        m.iter().any(|m| m.contains("P2\\u{200B}")),
        "escaped id in the message: {m:?}"
    );
}

#[test]
fn a_bad_date_shows_what_the_cell_holds() {
    let w = Workdir::new();
    let mut book = small_book();
    book[1].1[1][1] = S("2024年13月");
    book[1].1[2][1] = S("   ");
    write_book(&w.path("d.xlsx"), &book);
    let (r, j, _) = report(&w, "d.xlsx");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let m = messages(&j);
    assert!(
        m.iter()
            .any(|m| m.contains("拨付!B2") && m.contains("“2024年13月”")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|m| m.contains("拨付!B3") && m.contains("为空")),
        "{m:?}"
    );
}

#[test]
fn refunds_beyond_payments_and_payments_before_the_year_are_noted() {
    let w = Workdir::new();
    let mut book = small_book();
    book[1].1.push(vec![S("P2"), D("2024-05-01"), N(-8.0), E]);
    book[1].1.push(vec![S("P1"), D("2023-11-30"), N(1.0), E]);
    write_book(&w.path("n.xlsx"), &book);
    let (r, j, _) = report(&w, "n.xlsx");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let m = messages(&j);
    // P2: 5.5 − 8 = −2.5
    assert!(
        m.iter()
            .any(|m| m.contains("P2") && m.contains("-2.5") && m.contains("退回")),
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|m| m.contains("2023-11-30") && m.contains("早于台账年度")),
        "{m:?}"
    );
}

#[test]
fn a_date_in_a_projects_remark_is_not_the_cut_off() {
    let w = Workdir::new();
    let mut book = small_book();
    book[0].1[0].push(S("备注"));
    book[0].1[1].push(S("截止2024年6月30日完工"));
    book[2]
        .1
        .retain(|r| !matches!(r.first(), Some(S("截止日期"))));
    write_book(&w.path("m.xlsx"), &book);
    let r = w.run(&["report", "m.xlsx", "--json", "m.json", "--no-forms"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let j = read_json(&w.path("m.json"));
    assert_ne!(j["as_of"], "2024-06-30", "{}", r.stderr);
    assert!(r.stderr.contains("来源：今天"), "{}", r.stderr);
}

/// A chart sheet (a clerk's 执行率 chart on a sheet of its own) holds no
/// cells: the ledger beside it is read as without it, by our reader and by
/// calamine's (both refused the whole book before).
#[test]
fn a_chart_sheet_beside_the_ledger_is_not_an_error() {
    let w = Workdir::new();
    write_book(&w.path("plain.xlsx"), &small_book());
    let mut wb = book_of(&small_book());
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
    chart.add_series().set_values(("项目", 1, 4, 2, 4));
    wb.add_chartsheet()
        .set_name("执行率图")
        .unwrap()
        .insert_chart(0, 0, &chart)
        .unwrap();
    wb.save(w.path("chart.xlsx")).unwrap();
    let json = |file: &str, reader: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .current_dir(&w.dir)
            .env("JIXIAO_XLSX_READER", reader)
            .args(["report", file, "--as-of", "2024-12-31", "--no-forms", "-o"])
            .arg(format!("{file}-{reader}.xlsx"))
            .args(["--json", &format!("{file}-{reader}.json"), "--force"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file} by {reader}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let j = read_json(&w.path(&format!("{file}-{reader}.json")));
        (j["totals"].clone(), j["projects"].clone())
    };
    let plain = json("plain.xlsx", "own");
    for reader in ["own", "calamine"] {
        assert_eq!(json("chart.xlsx", reader), plain, "{reader}");
    }
}
