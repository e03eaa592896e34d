//! Reliability round three (issue 18): each failure a careless new user met
//! has a test named for what it protects. Codes, not substrings, where the
//! catalogue has one.

mod common;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");
const BIN: &str = env!("CARGO_BIN_EXE_jixiao");

fn codes(j: &serde_json::Value) -> Vec<(String, String, String)> {
    j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["code"].as_str().unwrap_or("").to_string(),
                p["cell"].as_str().unwrap_or("").to_string(),
                p["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn project<'a>(j: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
    j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
}

/// The code a fatal message starts with (`错误 R101：…`).
fn fatal_code(stderr: &str) -> &str {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("错误 "))
        .unwrap_or_else(|| panic!("no fatal line: {stderr}"));
    &line["错误 ".len()..line.find('：').unwrap()]
}

// ---- 1. Every command under the output rules ----

#[test]
fn synth_never_overwrites_existing_ledgers_without_force() {
    let w = Workdir::new();
    let dir = w.path("乡镇台账");
    std::fs::create_dir(&dir).unwrap();
    let first = dir.join(format!("00000-{}.xlsx", jixiao::synth::township_name(0)));
    std::fs::write(&first, b"a township's own ledger").unwrap();
    let r = w.run(&["synth", "--townships", "3", "-o", "乡镇台账"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fatal_code(&r.stderr), "R101", "{}", r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(std::fs::read(&first).unwrap(), b"a township's own ledger");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names.len(), 1, "nothing else written: {names:?}");
    // With --force all three are written.
    let r = w.run(&["synth", "--townships", "3", "-o", "乡镇台账", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_ne!(std::fs::read(&first).unwrap(), b"a township's own ledger");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
}

#[test]
fn template_never_overwrites_without_force() {
    let w = Workdir::new();
    std::fs::write(w.path("t.xlsx"), b"mine").unwrap();
    let r = w.run(&["template", "-o", "t.xlsx"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fatal_code(&r.stderr), "R101");
    assert_eq!(std::fs::read(w.path("t.xlsx")).unwrap(), b"mine");
}

#[test]
fn a_name_too_long_for_one_output_writes_none_of_them() {
    let w = Workdir::new();
    // `<stem>-报告.xlsx` is 254 bytes (fits), `<stem>-绩效表.xlsx` 257 (does not).
    let stem = format!("{}ab", "台".repeat(80));
    assert_eq!(stem.len(), 242);
    std::fs::copy(SAMPLE, w.path(&format!("{stem}.xlsx"))).unwrap();
    let r = w.run(&["report", &format!("{stem}.xlsx")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fatal_code(&r.stderr), "R102", "{}", r.stderr);
    assert!(r.stderr.contains("缩短文件名"), "fix first: {}", r.stderr);
    assert_eq!(w.files(), [format!("{stem}.xlsx")], "nothing written");
}

#[test]
fn a_failed_rename_takes_back_the_renamed_and_restores_the_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    std::fs::write(&a, b"old a").unwrap();
    let mut plan = jixiao::output::Plan::new(true);
    plan.add(&a, "A").unwrap();
    plan.add(&b, "B").unwrap();
    let mut stage = plan.stage().unwrap();
    stage.bytes(&a, b"new a").unwrap();
    stage.bytes(&b, b"new b").unwrap();
    // Meanwhile b became a folder that is not empty: its rename fails.
    std::fs::create_dir(&b).unwrap();
    std::fs::write(b.join("x"), b"x").unwrap();
    let e = stage.commit().unwrap_err();
    assert!(e.contains("b.json"), "{e}");
    assert_eq!(std::fs::read(&a).unwrap(), b"old a", "a restored");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "no temporaries or copies left: {left:?}");
}

#[test]
fn a_failed_rename_removes_the_new_files_already_renamed() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    let mut plan = jixiao::output::Plan::new(true);
    plan.add(&a, "A").unwrap();
    plan.add(&b, "B").unwrap();
    let mut stage = plan.stage().unwrap();
    stage.bytes(&a, b"new a").unwrap();
    stage.bytes(&b, b"new b").unwrap();
    std::fs::create_dir(&b).unwrap();
    std::fs::write(b.join("x"), b"x").unwrap();
    assert!(stage.commit().is_err());
    assert!(!a.exists(), "a taken back");
}

// ---- 2. Standard output may close ----

fn run_with_closed(args: &[&str], dir: &Path, close_stdout: bool) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before jixiao writes a line.
    if close_stdout {
        drop(child.stdout.take());
    } else {
        drop(child.stderr.take());
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_is_no_crash_and_every_output_is_written() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("靖宇.xlsx")).unwrap();
    let out = run_with_closed(
        &["report", "靖宇.xlsx", "--json", "r.json"],
        w.dir.path(),
        true,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {err}",
        out.status
    );
    assert!(!err.contains("panicked"), "{err}");
    for f in ["靖宇-报告.xlsx", "靖宇-绩效表.xlsx", "r.json"] {
        assert!(w.exists(f), "{f} written: {:?}", w.files());
    }
    let w2 = Workdir::new();
    let out = run_with_closed(&["template", "-o", "t.xlsx"], w2.dir.path(), true);
    assert_eq!(out.status.code(), Some(0));
    assert!(w2.exists("t.xlsx"));
}

#[test]
fn a_closed_stderr_is_no_crash() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("靖宇.xlsx")).unwrap();
    let out = run_with_closed(&["report", "靖宇.xlsx"], w.dir.path(), false);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{:?}", out.status);
    assert!(w.exists("靖宇-报告.xlsx"));
    // A fatal error with nowhere to say it: still exit 2, no panic (101).
    let out = run_with_closed(&["report", "没有.xlsx"], w.dir.path(), false);
    assert_eq!(out.status.code(), Some(2));
}

// ---- 3. No silent wrong numbers ----

fn report_json(w: &Workdir, extra: &[&str]) -> (Run, serde_json::Value) {
    let mut args = vec!["report", "in.xlsx", "-o", "out.xlsx", "--json", "out.json"];
    args.extend_from_slice(extra);
    let r = w.run(&args);
    assert!(w.exists("out.json"), "{}", r.stderr);
    (r, read_json(&w.path("out.json")))
}

#[test]
fn a_mapped_column_not_found_is_an_error_and_keeps_the_automatic_reading() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    std::fs::write(
        w.path("m.toml"),
        "[columns.项目]\n结算金额 = \"审计结算数（万元）\"\n",
    )
    .unwrap();
    let (r, j) = report_json(&w, &["--mapping", "m.toml"]);
    assert_eq!(r.code, 1, "an 错误: {}", r.stderr);
    assert_eq!(
        project(&j, "P1").unwrap()["settled"],
        "98.5",
        "the real 结算金额 column is still read"
    );
    let c = codes(&j);
    let (_, _, m) = c
        .iter()
        .find(|(code, ..)| code == "R011")
        .unwrap_or_else(|| panic!("{c:?}"));
    assert!(m.contains("m.toml 第2行"), "the mapping line: {m}");
    assert!(m.contains("审计结算数"), "{m}");
    assert!(
        m.contains("结算金额") && m.contains("项目名称"),
        "the headers there are: {m}"
    );
}

fn with_error_cells(path: &Path, id: &str, fund: &str) {
    // A formula whose cached result is an error value (t="e"), as Excel saves it.
    let mut b = small_book();
    b[0].1.push(vec![
        F("XREF1", 0.0),
        S("坏行"),
        S("产业项目"),
        F("XREF2", 0.0),
        N(7.0),
        E,
        E,
    ]);
    let plain = path.with_extension("plain.xlsx");
    write_book(&plain, &b);
    let cell = |f: &str, e: &str| {
        (
            format!("><f>{f}</f><v>0</v>"),
            format!(" t=\"e\"><f>{f}</f><v>{e}</v>"),
        )
    };
    let (a1, a2) = cell("XREF1", id);
    let (b1, b2) = cell("XREF2", fund);
    replace_in_zip(&plain, path, &[(&a1, &a2), (&b1, &b2)]);
    std::fs::remove_file(plain).unwrap();
}

#[test]
fn excel_error_cells_are_errors_never_a_project_or_a_fund() {
    let w = Workdir::new();
    with_error_cells(&w.path("in.xlsx"), "#REF!", "#N/A");
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        j["projects"].as_array().unwrap().len(),
        2,
        "no third project"
    );
    assert_eq!(j["totals"]["budget"], "120", "the row is left out");
    let funds: Vec<&str> = j["by_fund_source"]
        .as_array()
        .map(|v| v.iter().filter_map(|f| f["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(!funds.iter().any(|f| f.starts_with('#')), "{funds:?}");
    let c = codes(&j);
    for (cell, value) in [("项目!A4", "#REF!"), ("项目!D4", "#N/A")] {
        assert!(
            c.iter()
                .any(|(code, at, m)| code == "R010" && at == cell && m.contains(value)),
            "{cell}: {c:?}"
        );
    }
}

#[test]
fn negative_weight_in_scoring_is_refused_naming_the_setting() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let rules = jixiao::compute::score::DEFAULT_RULES
        .replace("budget_weight = 10", "budget_weight = -10")
        .replace("output_weight = 50", "output_weight = 70");
    std::fs::write(w.path("s.toml"), rules).unwrap();
    let r = w.run(&["report", "in.xlsx", "--scoring", "s.toml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fatal_code(&r.stderr), "R105");
    assert!(
        r.stderr.contains("s.toml") && r.stderr.contains("budget_weight = -10"),
        "{}",
        r.stderr
    );
    assert_eq!(w.files(), ["in.xlsx", "s.toml"]);
}

#[test]
fn an_unknown_key_in_scoring_is_refused_naming_it_and_the_file() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let rules = format!(
        "{}\nbudget_wieght = 20\n",
        jixiao::compute::score::DEFAULT_RULES
    );
    std::fs::write(w.path("s.toml"), rules).unwrap();
    let r = w.run(&["report", "in.xlsx", "--scoring", "s.toml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fatal_code(&r.stderr), "R105");
    assert!(
        r.stderr.contains("s.toml") && r.stderr.contains("“budget_wieght”"),
        "{}",
        r.stderr
    );
}

#[test]
fn scoring_percent_out_of_range_is_refused() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let rules = jixiao::compute::score::DEFAULT_RULES.replace(
        "deadline_missed_percent = 0",
        "deadline_missed_percent = 150",
    );
    std::fs::write(w.path("s.toml"), rules).unwrap();
    let r = w.run(&["report", "in.xlsx", "--scoring", "s.toml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("deadline_missed_percent = 150"),
        "{}",
        r.stderr
    );
}

fn township(path: &Path, as_of: &'static str, budget: f64) {
    let mut b = small_book();
    b[0].1[1][4] = N(budget);
    b[2].1[2][1] = D(as_of);
    write_book(path, &b);
}

#[test]
fn the_same_township_twice_counts_the_later_cutoff_once() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("乡镇")).unwrap();
    township(&w.path("乡镇/新.xlsx"), "2024-12-31", 100.0);
    township(&w.path("乡镇/旧.xlsx"), "2024-06-30", 400.0);
    let r = w.run(&["consolidate", "乡镇", "-o", "c.xlsx", "--json", "c.json"]);
    assert_eq!(
        r.code, 0,
        "a stated rule, nothing wrong counted: {}",
        r.stderr
    );
    let j = read_json(&w.path("c.json"));
    assert_eq!(j["townships"].as_array().unwrap().len(), 1);
    assert_eq!(j["totals"]["budget"], "120", "the later ledger only");
    let p: Vec<&serde_json::Value> = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["code"] == "R015")
        .collect();
    assert_eq!(p.len(), 1, "{}", j["problems"]);
    assert!(
        p[0]["file"].as_str().unwrap().ends_with("旧.xlsx"),
        "{}",
        p[0]
    );
}

#[test]
fn sixteen_digit_numeric_ids_stay_distinct_with_a_note() {
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1[1][0] = N(2024220100000123.0);
    b[0].1[2][0] = N(2024220100000124.0);
    b[1].1[1][0] = N(2024220100000123.0);
    b[1].1[2][0] = N(2024220100000123.0);
    b[1].1[3][0] = N(2024220100000124.0);
    write_book(&w.path("in.xlsx"), &b);
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        project(&j, "2024220100000123").is_some(),
        "{}",
        j["projects"]
    );
    assert!(project(&j, "2024220100000124").is_some());
    assert_eq!(j["totals"]["budget"], "120");
    let c = codes(&j);
    assert!(
        c.iter()
            .any(|(code, at, m)| code == "R012" && at == "项目!A2" && m.contains("16 位")),
        "{c:?}"
    );
}

#[test]
fn a_text_cut_at_32767_characters_has_its_note() {
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1[1][1] = S("LONGTEXT");
    write_book(&w.path("plain.xlsx"), &b);
    let long = "路".repeat(40_000);
    replace_in_zip(
        &w.path("plain.xlsx"),
        &w.path("in.xlsx"),
        &[("LONGTEXT", &long)],
    );
    std::fs::remove_file(w.path("plain.xlsx")).unwrap();
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = codes(&j);
    assert!(
        c.iter()
            .any(|(code, at, m)| code == "R013" && at == "项目!B2" && m.contains("40000")),
        "{c:?}"
    );
    // The copy holds the first 32,767 characters.
    let v = sheet_cell(&w.path("out.xlsx"), "项目", 1, 1);
    assert_eq!(v.to_string().chars().count(), 32_767);
    // …and says so in a note on the cell.
    assert!(zip_part(&w.path("out.xlsx"), "xl/comments").contains("截去 7233 字"));
}

#[test]
fn a_40000_character_amount_is_an_error_in_chinese_not_a_crash() {
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1[2][4] = S("LONGAMOUNT");
    write_book(&w.path("plain.xlsx"), &b);
    let long = "9".repeat(40_000);
    replace_in_zip(
        &w.path("plain.xlsx"),
        &w.path("in.xlsx"),
        &[("LONGAMOUNT", &long)],
    );
    std::fs::remove_file(w.path("plain.xlsx")).unwrap();
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains("String exceeds"), "{}", r.stderr);
    let c = codes(&j);
    assert!(
        c.iter()
            .any(|(code, at, _)| code == "R029" && at == "项目!E3"),
        "{c:?}"
    );
    for (_, _, m) in &c {
        assert!(m.chars().count() < 2_000, "a message quotes a cell short");
    }
}

#[test]
fn two_columns_for_one_field_are_said() {
    // Two columns for one amount: refused naming both (R113), never one
    // of them used silently.
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1[0].push(S("预算金额（万元）"));
    b[0].1[1].push(N(999.0));
    b[0].1[2].push(N(999.0));
    write_book(&w.path("in.xlsx"), &b);
    let r = w.run(&["report", "in.xlsx", "--json", "out.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("错误 R113：") && r.stderr.contains("E1") && r.stderr.contains("H1"),
        "{}",
        r.stderr
    );
    assert!(!w.path("out.json").exists());
}

// ---- Messages ----

#[test]
fn a_mapping_saved_by_notepad_with_bom_and_crlf_is_read() {
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1[0][4] = S("下达资金");
    write_book(&w.path("in.xlsx"), &b);
    std::fs::write(
        w.path("m.toml"),
        "\u{feff}[columns.项目]\r\n预算金额 = \"下达资金\"\r\n",
    )
    .unwrap();
    let (r, j) = report_json(&w, &["--mapping", "m.toml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(j["totals"]["budget"], "120");
}

#[test]
fn a_gbk_mapping_is_refused_with_what_to_do() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    // "[columns.项目]" with 项目 in GBK (CF EE C4 BF).
    let mut gbk = b"[columns.".to_vec();
    gbk.extend_from_slice(&[0xCF, 0xEE, 0xC4, 0xBF]);
    gbk.extend_from_slice(b"]\n");
    std::fs::write(w.path("m.toml"), gbk).unwrap();
    let r = w.run(&["report", "in.xlsx", "--mapping", "m.toml"]);
    assert_eq!(r.code, 2);
    assert_eq!(fatal_code(&r.stderr), "R107");
    assert!(
        r.stderr.contains("UTF-8") && r.stderr.contains("GBK"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_empty_indicators_folder_is_refused() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    std::fs::create_dir(w.path("库")).unwrap();
    let r = w.run(&["report", "in.xlsx", "--indicators", "库"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fatal_code(&r.stderr), "R111");
    assert!(!r.stderr.contains("“”"), "{}", r.stderr);
}

#[test]
fn a_misspelt_template_variable_is_an_error_naming_file_and_line() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("靖宇.xlsx")).unwrap();
    std::fs::write(w.path("t.txt"), "# 总结\n\n单位：{{ unit_nmae }}\n").unwrap();
    let r = w.run(&[
        "summary",
        "靖宇.xlsx",
        "--template",
        "t.txt",
        "-o",
        "s.docx",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fatal_code(&r.stderr), "R108");
    assert!(
        r.stderr.contains("t.txt") && r.stderr.contains("第3行") && r.stderr.contains("unit_nmae"),
        "{}",
        r.stderr
    );
    std::fs::write(w.path("t2.txt"), "# 总结\n{% if %}\n").unwrap();
    let r = w.run(&[
        "summary",
        "靖宇.xlsx",
        "--template",
        "t2.txt",
        "-o",
        "s.docx",
    ]);
    assert_eq!(fatal_code(&r.stderr), "R108");
    assert!(
        r.stderr.contains("t2.txt") && r.stderr.contains("第2行"),
        "{}",
        r.stderr
    );
    assert!(!w.exists("s.docx"));
}

#[test]
fn os_errors_reach_the_user_in_chinese_with_the_fix_first() {
    let e = std::io::Error::from_raw_os_error(28);
    let m = jixiao::output::io_fatal(&e, "写入 报告.xlsx ");
    assert!(m.starts_with("R103：磁盘空间不足：请清理磁盘"), "{m}");
    assert!(
        m.contains("No space left on device"),
        "technical text after: {m}"
    );
    let e = std::io::Error::from_raw_os_error(36);
    let m = jixiao::output::io_fatal(&e, "保存 x ");
    assert!(m.starts_with("R102：文件名过长：请缩短文件名"), "{m}");
}

#[cfg(unix)]
#[test]
fn a_read_only_output_folder_is_refused_before_reading() {
    use std::os::unix::fs::PermissionsExt;
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("靖宇.xlsx")).unwrap();
    std::fs::create_dir(w.path("只读")).unwrap();
    std::fs::set_permissions(w.path("只读"), std::fs::Permissions::from_mode(0o555)).unwrap();
    // root may write anyway: then there is nothing to test.
    if std::fs::write(w.path("只读/probe"), b"").is_ok() {
        return;
    }
    let r = w.run(&["report", "靖宇.xlsx", "-o", "只读/r.xlsx"]);
    assert_eq!(r.code, 2);
    assert_eq!(fatal_code(&r.stderr), "R104", "{}", r.stderr);
    assert!(r.stderr.contains("没有权限"), "{}", r.stderr);
}

// ---- 4. Memory bounded by the cells present ----

#[test]
fn an_xls_with_a_far_cell_is_refused_before_calamine_lays_it_out() {
    // 21 KB: the sample saved as .xls with one cell at IV65536 on each sheet
    // (calamine would lay out 4 × 16.7 million cells: 2.6 GB measured).
    let case = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fuzz-cases/xls-far-cell-iv65536-dense-grid.xls"
    );
    let bytes = std::fs::read(case).unwrap();
    let sheets = jixiao::read::xls_extent::extents(&bytes).expect("an .xls we can walk");
    assert_eq!(sheets.len(), 4, "{sheets:?}");
    assert!(sheets.iter().all(|s| s.far == (65535, 255)), "{sheets:?}");
    assert!(
        sheets
            .iter()
            .any(|s| s.name == "项目" && s.dense == 65536 * 256)
    );
    let w = Workdir::new();
    std::fs::copy(case, w.path("far.xls")).unwrap();
    let started = std::time::Instant::now();
    let r = w.run(&["report", "far.xls"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fatal_code(&r.stderr), "R109");
    assert!(
        r.stderr.contains("IV65536") && r.stderr.contains("另存为 .xlsx"),
        "{}",
        r.stderr
    );
    assert!(started.elapsed().as_secs() < 20, "refused before reading");
    // The limit is a setting: lowered, the sample is refused the same way.
    std::fs::copy(SAMPLE, w.path("靖宇.xlsx")).unwrap();
    let out = Command::new(BIN)
        .args(["report", "靖宇.xlsx"])
        .env("JIXIAO_MAX_CELLS", "50")
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fatal_code(&err), "R109", "{err}");
}

#[test]
fn two_fields_mapped_to_one_column_are_refused() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    std::fs::write(
        w.path("m.toml"),
        "[columns.项目]\n预算金额 = \"下达资金\"\n结算金额 = \"下达资金\"\n",
    )
    .unwrap();
    let r = w.run(&["report", "in.xlsx", "--mapping", "m.toml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fatal_code(&r.stderr), "R106");
    assert!(
        r.stderr.contains("预算金额")
            && r.stderr.contains("结算金额")
            && r.stderr.contains("都指向列“下达资金”"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_broken_sector_chain_is_refused_before_calamine_follows_it() {
    for name in [
        "xls-fuzzer-crash-37118109-cfb-assert.xls",
        "xls-fuzzer-crash-a3b864a5-cfb-slice.xls",
        "xls-truncated-8500-cfb-panic.xls",
    ] {
        let case = format!("{}/tests/fuzz-cases/{name}", env!("CARGO_MANIFEST_DIR"));
        assert!(
            jixiao::read::xls_extent::cfb_is_broken(&std::fs::read(&case).unwrap()),
            "{name}"
        );
        let w = Workdir::new();
        std::fs::copy(&case, w.path("in.xls")).unwrap();
        let r = w.run(&["report", "in.xls"]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert_eq!(fatal_code(&r.stderr), "R130");
        assert!(
            r.stderr.contains("文件已损坏或不完整") && r.stderr.contains("扇区链断裂"),
            "{name}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_broken_biff_record_is_refused_before_calamine_reads_it() {
    for (name, record) in [
        ("xls-fuzzer-crash-13150640-mulrk.xls", "MULRK"),
        ("xls-fuzzer-crash-7bb8c1af-name-record.xls", "NAME"),
        ("xls-fuzzer-crash-7c631221-dimensions.xls", "DIMENSIONS"),
    ] {
        let case = format!("{}/tests/fuzz-cases/{name}", env!("CARGO_MANIFEST_DIR"));
        let w = Workdir::new();
        std::fs::copy(&case, w.path("in.xls")).unwrap();
        let r = w.run(&["report", "in.xls"]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert_eq!(fatal_code(&r.stderr), "R130");
        assert!(
            r.stderr.contains("文件已损坏") && r.stderr.contains(&format!("{record} 记录无效")),
            "{name}: {}",
            r.stderr
        );
    }
}

// ---- No English reaching a user except after the Chinese sentence ----

/// The body of the fatal line (after `错误 Rxxx：`) starts with a Chinese
/// sentence, and `english` (the library's or the OS's text) comes only
/// after a `技术信息：` / `系统信息：` label.
fn chinese_first(stderr: &str, english: &str) -> String {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("错误 "))
        .unwrap_or_else(|| panic!("no fatal line: {stderr}"));
    let body = &line[line.find('：').unwrap() + '：'.len_utf8()..];
    let first = body.chars().next().unwrap();
    assert!(
        ('\u{4e00}'..='\u{9fff}').contains(&first),
        "starts with a Chinese sentence: {line}"
    );
    let at = body
        .find(english)
        .unwrap_or_else(|| panic!("{english:?} kept for whoever helps: {line}"));
    let label = body
        .find("技术信息：")
        .or_else(|| body.find("系统信息："))
        .unwrap_or_else(|| panic!("technical text labelled: {line}"));
    assert!(label < at, "English only after the label: {line}");
    body.to_string()
}

/// `args` exit 2 with `code`, a message that starts with `start` and keeps
/// `english` only after its label.
fn refused_in_chinese(w: &Workdir, args: &[&str], code: &str, english: &str, start: &str) {
    let r = w.run(args);
    assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    assert_eq!(fatal_code(&r.stderr), code, "{args:?}: {}", r.stderr);
    let body = chinese_first(&r.stderr, english);
    assert!(body.starts_with(start), "{body}");
}

#[test]
fn settings_files_that_do_not_parse_say_the_line_and_the_fix_in_chinese() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    std::fs::write(w.path("坏.toml"), "name = \"x\"\n[rates\n").unwrap();
    for (args, what) in [
        (
            vec![
                "consolidate",
                "in.xlsx",
                "-o",
                "c.xlsx",
                "--benchmark",
                "坏.toml",
            ],
            "基准文件",
        ),
        (
            vec![
                "consolidate",
                "in.xlsx",
                "-o",
                "c.xlsx",
                "--policy",
                "坏.toml",
            ],
            "政策口径文件",
        ),
        (
            vec!["assets", "in.xlsx", "--rules", "坏.toml"],
            "资产分类规则",
        ),
        (
            vec![
                "monthly",
                "in.xlsx",
                "--month",
                "2023-06",
                "--schedule",
                "坏.toml",
            ],
            "序时进度表",
        ),
    ] {
        refused_in_chinese(
            &w,
            &args,
            "R105",
            "unclosed table",
            &format!("{what} 坏.toml 有误：第2行格式有误，请对照"),
        );
        assert!(w.files().iter().all(|f| f != "c.xlsx"), "nothing written");
    }
}

#[test]
fn settings_files_that_cannot_be_read_say_the_fix_first() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    for (args, what) in [
        (
            vec![
                "consolidate",
                "in.xlsx",
                "-o",
                "c.xlsx",
                "--benchmark",
                "缺.toml",
            ],
            "基准文件",
        ),
        (
            vec!["assets", "in.xlsx", "--rules", "缺.toml"],
            "资产分类规则",
        ),
        (
            vec![
                "monthly",
                "in.xlsx",
                "--month",
                "2023-06",
                "--schedule",
                "缺.toml",
            ],
            "序时进度表",
        ),
        (
            vec![
                "consolidate",
                "in.xlsx",
                "-o",
                "c.xlsx",
                "--expect",
                "缺.toml",
            ],
            "应报送名单",
        ),
        (
            vec![
                "notice",
                "in.xlsx",
                "--stage",
                "result",
                "--template",
                "缺.toml",
            ],
            "结果公示模板",
        ),
    ] {
        refused_in_chinese(
            &w,
            &args,
            "R100",
            "No such file or directory",
            &format!("文件或文件夹不存在：请检查路径；读取{what} 缺.toml 失败（系统信息："),
        );
    }
}

/// An .xlsx of `rows` × 1000 numeric cells (one sheet, 项目), streamed.
fn many_cells(path: &Path, rows: u32) {
    use std::io::Write;
    let col = |mut n: u32| {
        let mut s = Vec::new();
        n += 1;
        while n > 0 {
            let r = (n - 1) % 26;
            s.insert(0, b'A' + r as u8);
            n = (n - 1) / 26;
        }
        String::from_utf8(s).unwrap()
    };
    let cols: Vec<String> = (0..1000).map(col).collect();
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="项目" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        z.start_file(name, o).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    z.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).unwrap();
    let mut row = String::new();
    for r in 1..=rows {
        row.clear();
        row.push_str(&format!("<row r=\"{r}\">"));
        for c in &cols {
            row.push_str(&format!("<c r=\"{c}{r}\"><v>1</v></c>"));
        }
        row.push_str("</row>");
        z.write_all(row.as_bytes()).unwrap();
    }
    z.write_all(b"</sheetData></worksheet>").unwrap();
    z.finish().unwrap();
}

/// Issue 18: "a 621 KB .xlsx of 9.9 M cells, within the limits, costs
/// 1.2 GB". The default cell limit (2,000,000) now refuses it (R109) while
/// reading stops at the limit: the peak stays far below what the whole
/// sheet would cost. 2.1 million cells here (the same path, a shorter test).
#[test]
fn a_workbook_past_the_cell_limit_is_refused_without_reading_it_all() {
    let time = Path::new("/usr/bin/time");
    let w = Workdir::new();
    many_cells(&w.path("大.xlsx"), 2_100);
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-v").arg(BIN);
        c
    } else {
        Command::new(BIN)
    };
    let out = cmd
        .args(["report", "大.xlsx"])
        .env_remove("JIXIAO_MAX_CELLS")
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(fatal_code(&err), "R109", "{err}");
    assert!(!w.exists("大-报告.xlsx"));
    if let Some(kb) = err.lines().find_map(|l| {
        l.trim()
            .strip_prefix("Maximum resident set size (kbytes): ")
    }) {
        let mb = kb.trim().parse::<u64>().unwrap() / 1024;
        assert!(mb < 600, "peak {mb} MB");
    }
}
