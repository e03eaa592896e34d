//! Output safety: every output checked before any input is read, all
//! written or none, never onto an input, announced, with ordinary modes
//! and within Excel's limits.

mod common;
use common::*;
use std::path::Path;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");

/// Bytes and modification time: "nothing changed on disk".
fn snapshot(p: &Path) -> (Vec<u8>, std::time::SystemTime) {
    (
        std::fs::read(p).unwrap(),
        std::fs::metadata(p).unwrap().modified().unwrap(),
    )
}

fn no_temporaries(w: &Workdir) {
    let left: Vec<String> = w
        .files()
        .into_iter()
        .filter(|f| f.starts_with(".jixiao-"))
        .collect();
    assert!(left.is_empty(), "temporaries left: {left:?}");
}

fn custom_props(p: &Path) -> String {
    zip_part(p, "docProps/custom.xml")
}

#[test]
fn consolidate_json_onto_a_ledger_in_the_input_folder_is_refused_and_nothing_changes() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("乡镇")).unwrap();
    std::fs::copy(SAMPLE, w.path("乡镇/某镇.xlsx")).unwrap();
    write_book(&w.path("乡镇/测试镇.xlsx"), &small_book());
    let before = snapshot(&w.path("乡镇/某镇.xlsx"));
    let r = w.run(&[
        "consolidate",
        "乡镇",
        "-o",
        "c.xlsx",
        "--json",
        "乡镇/某镇.xlsx",
        "--force",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("某镇.xlsx") && r.stderr.contains("输入"),
        "{}",
        r.stderr
    );
    assert_eq!(snapshot(&w.path("乡镇/某镇.xlsx")), before);
    assert!(!w.exists("c.xlsx"), "nothing written");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    // -o onto a ledger named on the command line: refused as well.
    let r = w.run(&[
        "consolidate",
        "乡镇/某镇.xlsx",
        "乡镇/测试镇.xlsx",
        "-o",
        "乡镇/测试镇.xlsx",
        "--force",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(snapshot(&w.path("乡镇/某镇.xlsx")), before);
    // Through a symlink and `..`: the same file.
    std::os::unix::fs::symlink(w.path("乡镇"), w.path("link")).unwrap();
    let r = w.run(&[
        "consolidate",
        "乡镇",
        "-o",
        "link/../乡镇/某镇.xlsx",
        "--force",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(snapshot(&w.path("乡镇/某镇.xlsx")), before);
    no_temporaries(&w);
}

#[test]
fn consolidate_may_replace_its_own_earlier_summary_in_the_input_folder() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("乡镇")).unwrap();
    std::fs::copy(SAMPLE, w.path("乡镇/某镇.xlsx")).unwrap();
    let r = w.run(&["consolidate", "乡镇", "-o", "乡镇/汇总.xlsx"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = w.run(&["consolidate", "乡镇", "-o", "乡镇/汇总.xlsx", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("已写出 乡镇/汇总.xlsx"), "{}", r.stdout);
}

#[test]
fn monthly_json_onto_its_own_workbook_is_refused() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    let r = w.run(&[
        "monthly", "in.xlsx", "--month", "2024-03", "-o", "m.xlsx", "--json", "m.xlsx", "--force",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(w.files(), ["in.xlsx"]);
    // And onto the input.
    let before = snapshot(&w.path("in.xlsx"));
    let r = w.run(&[
        "monthly",
        "in.xlsx",
        "--month",
        "2024-03",
        "--json",
        "./in.xlsx",
        "--force",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(snapshot(&w.path("in.xlsx")), before);
    assert_eq!(w.files(), ["in.xlsx"]);
}

#[test]
fn json_into_a_missing_folder_exits_2_with_nothing_written_and_no_temp_path() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    let r = w.run(&["report", "in.xlsx", "-o", "r.xlsx", "--json", "没有/r.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("没有"), "{}", r.stderr);
    assert!(
        !r.stderr.contains(".tmp") && !r.stderr.contains(".jixiao-"),
        "{}",
        r.stderr
    );
    assert_eq!(w.files(), ["in.xlsx"]);
}

#[test]
fn a_folder_as_output_json_or_forms_is_refused_before_any_work() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    std::fs::create_dir(w.path("d")).unwrap();
    for args in [
        &["report", "in.xlsx", "-o", "r.xlsx", "--json", "d"][..],
        &["report", "in.xlsx", "-o", "r.xlsx", "--forms", "d"],
        &["report", "in.xlsx", "-o", "d"],
        &["report", "in.xlsx", "-o", "new/"],
        &["monthly", "in.xlsx", "--month", "2024-03", "--json", "d"],
        &["consolidate", "in.xlsx", "-o", "d"],
        &["targets", "in.xlsx", "-o", "d"],
        &["template", "-o", "d"],
    ] {
        let r = w.run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("文件夹"), "{args:?}: {}", r.stderr);
        assert_eq!(w.files(), ["d", "in.xlsx"], "{args:?}");
        assert!(std::fs::read_dir(w.path("d")).unwrap().next().is_none());
    }
}

#[test]
fn outputs_that_name_the_same_file_are_refused() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    for args in [
        &["report", "in.xlsx", "-o", "r.xlsx", "--json", "./r.xlsx"][..],
        &["report", "in.xlsx", "-o", "r.xlsx", "--forms", "r.xlsx"],
        &[
            "report",
            "in.xlsx",
            "-o",
            "r.xlsx",
            "--json",
            "r-绩效表.xlsx",
        ],
    ] {
        let r = w.run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(w.files(), ["in.xlsx"], "{args:?}");
    }
}

#[test]
fn xls_output_is_refused_and_a_missing_extension_is_added() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    let r = w.run(&["report", "in.xlsx", "-o", "r.xls"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(".xlsx") && r.stderr.contains("r.xls"),
        "{}",
        r.stderr
    );
    assert_eq!(w.files(), ["in.xlsx"]);
    let r = w.run(&["report", "in.xlsx", "-o", "报告", "--no-forms"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("报告.xlsx"), "{}", r.stderr);
    assert_eq!(w.files(), ["in.xlsx", "报告.xlsx"]);
}

#[test]
fn forms_follow_the_report_path_and_every_file_is_announced_on_stdout() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    std::fs::create_dir(w.path("out")).unwrap();
    let r = w.run(&[
        "report",
        "in.xlsx",
        "-o",
        "out/县报.xlsx",
        "--json",
        "out/j.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let announced: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        announced,
        [
            "已写出 out/县报.xlsx",
            "已写出 out/县报-绩效表.xlsx",
            "已写出 out/j.json"
        ]
    );
    let mut files: Vec<String> = std::fs::read_dir(w.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    files.sort();
    assert_eq!(files, ["j.json", "县报-绩效表.xlsx", "县报.xlsx"]);
    // The default report name keeps the familiar forms name.
    let r = w.run(&["report", "in.xlsx"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(w.exists("in-报告.xlsx") && w.exists("in-绩效表.xlsx"));
}

#[test]
fn forms_sheet_names_clashing_by_case_or_too_long_write_everything() {
    let w = Workdir::new();
    let long_id = "𠀀".repeat(20); // 40 UTF-16 units
    let mut book = small_book();
    book[0].1.truncate(1);
    for id in ["ab-1", "AB-1", "a/b:c?*[d]'", "'q'"] {
        book[0].1.push(vec![
            S(id),
            T(format!("项目{id}")),
            S("产业项目"),
            S("衔接资金"),
            N(10.0),
            E,
            S("在建"),
        ]);
    }
    book[0].1.push(vec![
        T(long_id.clone()),
        S("长编号"),
        S("产业项目"),
        S("衔接资金"),
        N(10.0),
        E,
        S("在建"),
    ]);
    book[1].1.truncate(1);
    book[1].1.push(vec![S("ab-1"), D("2024-03-01"), N(1.0), E]);
    write_book(&w.path("in.xlsx"), &book);
    let r = w.run(&["report", "in.xlsx", "-o", "r.xlsx", "--json", "r.json"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert_eq!(
        w.files(),
        ["in.xlsx", "r-绩效表.xlsx", "r.json", "r.xlsx"],
        "{}",
        r.stderr
    );
    let names: Vec<String> = read_cells(&w.path("r-绩效表.xlsx"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    // 总览, two forms a project, 待核实.
    assert_eq!(names.len(), 1 + 2 * 5 + 1, "{names:?}");
    let lower: std::collections::HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
    assert_eq!(lower.len(), names.len(), "{names:?}");
    for n in &names {
        assert!(n.encode_utf16().count() <= 31, "{n}");
        assert!(!n.contains(['/', '\\', ':', '?', '*', '[', ']']), "{n}");
        assert!(!n.starts_with('\'') && !n.ends_with('\''), "{n}");
    }
    assert!(names.contains(&"目标-ab-1".to_string()), "{names:?}");
    assert!(names.contains(&"目标-AB-1~2".to_string()), "{names:?}");
}

#[test]
fn over_long_cell_text_is_cut_with_a_note_and_a_hint_and_kept_whole_in_json() {
    let w = Workdir::new();
    let long_name = "长".repeat(40_000);
    let long_note = "注".repeat(33_000);
    let mut book = small_book();
    book[0].1[0].push(S("备注"));
    book[0].1[1][1] = S("@@LONGNAME@@");
    book[0].1[2].push(S("@@LONGNOTE@@"));
    // rust_xlsxwriter refuses such strings; other programs write them.
    write_book(&w.path("short.xlsx"), &book);
    replace_in_zip(
        &w.path("short.xlsx"),
        &w.path("in.xlsx"),
        &[("@@LONGNAME@@", &long_name), ("@@LONGNOTE@@", &long_note)],
    );
    std::fs::remove_file(w.path("short.xlsx")).unwrap();
    let r = w.run(&["report", "in.xlsx", "-o", "r.xlsx", "--json", "r.json"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let j = read_json(&w.path("r.json"));
    let p1 = j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "P1")
        .unwrap();
    assert_eq!(p1["name"].as_str().unwrap().chars().count(), 40_000);
    let hints: Vec<String> = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["message"].as_str().unwrap().contains("32767"))
        .map(|p| p["cell"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(hints.iter().any(|c| c.ends_with("B2")), "{hints:?}");
    assert!(hints.iter().any(|c| c.ends_with("H3")), "{hints:?}");
    // The copy of the input sheet: first 32,767 characters, and a note.
    let copied = read_cells(&w.path("r.xlsx"))
        .into_iter()
        .find(|(n, _)| n.contains("项目") && n != "项目进度")
        .expect("copied 项目 sheet");
    let b2 = copied
        .1
        .iter()
        .find(|(at, _)| *at == (1, 1))
        .map(|(_, v)| v.to_string())
        .unwrap();
    assert_eq!(b2.chars().count(), 32_767);
    assert!(zip_part(&w.path("r.xlsx"), "xl/comments").contains("截去"));
}

#[test]
fn numeric_ids_over_15_digits_get_a_hint() {
    let w = Workdir::new();
    let mut book = small_book();
    book[0].1[1][0] = S("1234567890123456789");
    book[1].1[1][0] = S("1234567890123456789");
    book[1].1[2][0] = S("1234567890123456789");
    write_book(&w.path("in.xlsx"), &book);
    let r = w.run(&["report", "in.xlsx", "-o", "r.xlsx", "--json", "r.json"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let j = read_json(&w.path("r.json"));
    assert!(
        j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["severity"] == "提示" && p["message"].as_str().unwrap().contains("15 位")),
        "{}",
        j["problems"]
    );
}

#[test]
fn every_workbook_carries_the_jixiao_marker_and_the_template_is_not_an_output() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    assert_eq!(w.run(&["report", "in.xlsx", "-o", "r.xlsx"]).code, 0);
    assert_eq!(
        w.run(&["monthly", "in.xlsx", "--month", "2024-03", "-o", "m.xlsx"])
            .code,
        0
    );
    assert_eq!(w.run(&["targets", "in.xlsx", "-o", "t.xlsx"]).code, 0);
    assert!(w.run(&["consolidate", "in.xlsx", "-o", "c.xlsx"]).code <= 1);
    assert_eq!(w.run(&["template", "-o", "tpl.xlsx"]).code, 0);
    for (f, kind) in [
        ("r.xlsx", "报告"),
        ("r-绩效表.xlsx", "绩效表"),
        ("m.xlsx", "月报"),
        ("t.xlsx", "绩效指标"),
        ("c.xlsx", "汇总"),
        ("tpl.xlsx", "模板"),
    ] {
        let xml = custom_props(&w.path(f));
        assert!(
            xml.contains("生成工具") && xml.contains(">jixiao<"),
            "{f}: {xml}"
        );
        assert!(xml.contains(&format!(">{kind}<")), "{f}: {xml}");
        assert_eq!(
            jixiao::output::marker(&w.path(f)).as_deref(),
            Some(kind),
            "{f}"
        );
    }
    assert_eq!(jixiao::output::marker(&w.path("in.xlsx")), None);
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn run_with_umask(w: &Workdir, umask: &str, args: &[&str]) -> Run {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    Run::from(out)
}

#[test]
fn outputs_get_the_umask_mode_and_force_keeps_an_existing_files_mode() {
    use std::os::unix::fs::PermissionsExt;
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    let r = run_with_umask(
        &w,
        "022",
        &["report", "in.xlsx", "-o", "r.xlsx", "--json", "r.json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for f in ["r.xlsx", "r-绩效表.xlsx", "r.json"] {
        assert_eq!(mode(&w.path(f)), 0o644, "{f}");
    }
    let r = run_with_umask(&w, "027", &["template", "-o", "t.xlsx"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(mode(&w.path("t.xlsx")), 0o640);
    std::fs::set_permissions(w.path("r.json"), std::fs::Permissions::from_mode(0o664)).unwrap();
    let r = run_with_umask(
        &w,
        "077",
        &[
            "report", "in.xlsx", "-o", "r.xlsx", "--json", "r.json", "--force",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(mode(&w.path("r.json")), 0o664);
    assert_eq!(mode(&w.path("r.xlsx")), 0o644);
}

#[test]
fn a_hard_link_to_the_input_is_the_input() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    std::fs::hard_link(w.path("in.xlsx"), w.path("link.xlsx")).unwrap();
    let before = snapshot(&w.path("in.xlsx"));
    let r = w.run(&["report", "in.xlsx", "-o", "link.xlsx", "--force"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(snapshot(&w.path("in.xlsx")), before);
    assert_eq!(w.files(), ["in.xlsx", "link.xlsx"]);
}
