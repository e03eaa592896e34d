//! Real-client check: LibreOffice opens the annotated workbook, recalculates
//! every formula (forced by a throw-away profile), and each recalculated
//! value must equal the value jixiao cached. Skips, saying so, where
//! `soffice` is not installed (`.ci/run` installs it).

mod common;
use calamine::Data;
use common::*;
use jixiao::read::value::decimal_from_f64;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");

const RECALC_ALWAYS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#;

/// Convert files to xlsx with LibreOffice, recalculating on load.
fn recalc(soffice: &Path, w: &Workdir, files: &[&str]) -> PathBuf {
    let profile = w.path("lo-profile");
    std::fs::create_dir_all(profile.join("user")).unwrap();
    std::fs::write(
        profile.join("user/registrymodifications.xcu"),
        RECALC_ALWAYS,
    )
    .unwrap();
    let out = w.path("lo-out");
    let mut cmd = Command::new(soffice);
    cmd.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.display()
    ))
    .args([
        "--headless",
        "--norestore",
        "--convert-to",
        "xlsx:Calc MS Excel 2007 XML",
        "--outdir",
    ])
    .arg(&out)
    .args(files.iter().map(|f| w.path(f)));
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start soffice");
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "soffice failed: {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!("soffice did not finish in 300 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    out
}

/// Numbers compared at 8 decimals: the client adds in binary floating point
/// (3.7883 comes back as 3.78829999999999), far below the 4 decimals shown.
fn as_text(v: &Data) -> String {
    match v {
        Data::Float(f) => decimal_from_f64(*f)
            .map(|d| d.round_dp(8).normalize().to_string())
            .unwrap_or_else(|| f.to_string()),
        Data::Int(i) => i.to_string(),
        Data::DateTime(dt) => decimal_from_f64(dt.as_f64())
            .map(|d| d.to_string())
            .unwrap_or_default(),
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

#[test]
fn libreoffice_recalculation_matches_cached_values() {
    let Some(soffice) = soffice() else {
        skip::soffice_missing();
        return;
    };
    let w = Workdir::new();
    let r = w.run(&[
        "report",
        SAMPLE,
        "--as-of",
        "2024-05-31",
        "-o",
        "report.xlsx",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A ledger with the awkward cases: a late payment, a payment to an unknown
    // project, an unsettled project, a zero budget, money returned.
    let mut edge = small_book();
    edge[0].1.push(vec![
        S("P3"),
        S("零预算"),
        S("其他项目"),
        S("整合资金"),
        N(0.0),
        E,
        E,
    ]);
    edge[0].1.push(vec![
        S("P4"),
        S("退回"),
        S("乡村建设"),
        S("衔接资金"),
        N(12.3456),
        N(12.0),
        S("已结算"),
    ]);
    // Left out of the sums (data errors): a project whose budget is prose,
    // a payment to it, and a payment to a good project with no readable date.
    edge[0].1.push(vec![
        S("P5"),
        S("约数"),
        S("产业项目"),
        S("衔接资金"),
        S("约5万"),
        E,
        E,
    ]);
    edge[1].1.push(vec![S("P5"), D("2024-05-01"), N(2.0), E]);
    edge[1].1.push(vec![S("P1"), S("不详"), N(3.0), E]);
    edge[1].1.push(vec![S("P9"), D("2024-05-01"), N(7.0), E]);
    edge[1].1.push(vec![S("P4"), D("2024-05-01"), N(12.5), E]);
    edge[1]
        .1
        .push(vec![S("P4"), D("2024-07-01"), N(-0.5), S("整合资金")]);
    edge[1].1.push(vec![S("P2"), D("2025-01-03"), N(1.0), E]);
    // Numeric-looking ids, as ledgers that number their projects have them.
    edge[0].1.push(vec![
        N(7.0),
        S("七号"),
        S("其他项目"),
        S("整合资金"),
        N(3.0),
        E,
        E,
    ]);
    edge[0].1.push(vec![
        S("007"),
        S("零零七"),
        S("其他项目"),
        S("整合资金"),
        N(4.0),
        E,
        E,
    ]);
    edge[1].1.push(vec![N(7.0), D("2024-05-02"), N(1.25), E]);
    edge[1].1.push(vec![S("007"), D("2024-05-03"), N(2.5), E]);
    // Ids that SUMIFS would read as patterns or comparisons if not escaped.
    for (k, id) in [
        "A*", "A?", "A~1", ">5", "<5", "=X", "'Q", "A 1", "A*B", "A?C", "~*", "=", "ab-1", "AB-1",
        "a?",
    ]
    .iter()
    .enumerate()
    {
        edge[0].1.push(vec![
            S(id),
            T(format!("怪编号{k}")),
            S("其他项目"),
            S("衔接资金"),
            N(10.0 + k as f64),
            E,
            E,
        ]);
        edge[1]
            .1
            .push(vec![S(id), D("2024-05-04"), N(1.0 + k as f64 / 4.0), E]);
    }
    // Plain ids that a wildcard or comparison above would also match.
    for id in ["AB", "AXC", "A1", "A~1x", "9", "A11"] {
        edge[0].1.push(vec![
            S(id),
            T(format!("普通{id}")),
            S("其他项目"),
            S("衔接资金"),
            N(5.0),
            E,
            E,
        ]);
        edge[1].1.push(vec![S(id), D("2024-05-05"), N(0.75), E]);
    }
    write_book(&w.path("edge.xlsx"), &edge);
    // No id column: names are the ids, with wildcards and comparisons.
    let names = ["道路*一期", "道路?", "~桥", ">老村", "=新村", "道路一期"];
    let mut projects = vec![vec![
        S("项目名称"),
        S("项目类别"),
        S("资金性质"),
        S("预算金额（万元）"),
    ]];
    let mut payments = vec![vec![S("项目名称"), S("拨付日期"), S("拨付金额（万元）")]];
    for (k, n) in names.iter().enumerate() {
        projects.push(vec![
            S(n),
            S("基础设施建设项目"),
            S("整合资金"),
            N(20.0 + k as f64),
        ]);
        payments.push(vec![S(n), D("2024-03-01"), N(2.0 + k as f64)]);
    }
    write_book(
        &w.path("names.xlsx"),
        &[
            ("项目", projects),
            ("拨付", payments),
            (
                "说明",
                vec![
                    vec![S("单位名称"), S("无编号镇")],
                    vec![S("截止日期"), D("2024-12-31")],
                ],
            ),
        ],
    );
    let r = w.run(&["report", "names.xlsx", "-o", "names-report.xlsx"]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let r = w.run(&[
        "report",
        "edge.xlsx",
        "-o",
        "edge-report.xlsx",
        "--forms",
        "edge-forms.xlsx",
        "--json",
        "edge.json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j = read_json(&w.path("edge.json"));
    assert_eq!(j["excluded"]["projects"], 1, "{}", j["excluded"]);
    assert!(j["excluded"]["payments"].as_u64().unwrap() >= 2);
    // Forms with scores to be filled by hand (drafted indicators: 待评), and
    // the same forms with every 待评 filled in as a clerk would.
    let pending = fill_pending(
        &w.path("edge-forms.xlsx"),
        &w.path("filled-forms.xlsx"),
        5.0,
    );
    assert!(pending > 0, "the drafted forms have scores to fill by hand");
    let r = w.run(&[
        "monthly",
        SAMPLE,
        "--month",
        "2023-12",
        "-o",
        "monthly.xlsx",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Control: a stale cached value must be replaced, or recalculation did not happen.
    write_book(
        &w.path("control.xlsx"),
        &[("S", vec![vec![F("=1+1", 3.0)]])],
    );
    let out = recalc(
        &soffice,
        &w,
        &[
            "report.xlsx",
            "edge-report.xlsx",
            "names-report.xlsx",
            "monthly.xlsx",
            "control.xlsx",
            "edge-forms.xlsx",
            "filled-forms.xlsx",
        ],
    );
    assert_eq!(
        sheet_cell(&out.join("control.xlsx"), "S", 0, 0),
        Data::Float(2.0),
        "LibreOffice recalculated on load"
    );

    let mut checked = 0;
    for (ours, theirs, sheet) in ["report.xlsx", "edge-report.xlsx", "names-report.xlsx"]
        .iter()
        .flat_map(|f| {
            ["汇总", "项目进度", "拨付明细", "月度进度"].map(|s| (w.path(f), out.join(f), s))
        })
        .chain(std::iter::once((
            w.path("monthly.xlsx"),
            out.join("monthly.xlsx"),
            "月报",
        )))
    {
        let (ours, theirs) = (&ours, &theirs);
        for ((r, c), f) in formulas(&ours, sheet) {
            let cached = as_text(&sheet_cell(&ours, sheet, r, c));
            let recalculated = as_text(&sheet_cell(&theirs, sheet, r, c));
            assert_eq!(
                cached,
                recalculated,
                "{sheet} row {} col {} ={f}",
                r + 1,
                c + 1
            );
            checked += 1;
        }
    }
    // Forms: 总分 (SUM) and 评价等级 (bands) as cached; the 总览 follows the forms.
    let forms = w.path("edge-forms.xlsx");
    let sheets: Vec<String> = read_cells(&forms).into_iter().map(|(n, _)| n).collect();
    for sheet in sheets
        .iter()
        .filter(|n| n.starts_with("自评-") || *n == "总览")
    {
        for ((r, c), f) in formulas(&forms, sheet) {
            assert_eq!(
                as_text(&sheet_cell(&forms, sheet, r, c)),
                as_text(&sheet_cell(&out.join("edge-forms.xlsx"), sheet, r, c)),
                "{sheet} row {} col {} ={f}",
                r + 1,
                c + 1
            );
            checked += 1;
        }
    }
    // Filled by hand: the total adds the typed scores, the grade follows it.
    let filled = out.join("filled-forms.xlsx");
    let mut graded = 0;
    for sheet in sheets.iter().filter(|n| n.starts_with("自评-")) {
        for ((r, c), f) in formulas(&forms, sheet) {
            if !f.starts_with("SUM(") {
                continue;
            }
            let total = match sheet_cell(&filled, sheet, r, c) {
                Data::Float(t) => t,
                other => panic!("{sheet}: total {other:?}"),
            };
            let ((gr, gc), _) = formulas(&forms, sheet)
                .into_iter()
                .find(|((gr, _), g)| *gr == r + 1 && g.starts_with("IF("))
                .expect("评价等级 is a formula under 总分");
            let grade = as_text(&sheet_cell(&filled, sheet, gr, gc));
            let want = if total >= 90.0 {
                "优"
            } else if total >= 80.0 {
                "良"
            } else if total >= 60.0 {
                "中"
            } else {
                "差"
            };
            assert_eq!(grade, want, "{sheet}: total {total}");
            graded += 1;
        }
    }
    assert!(graded > 0);
    // The 总览 shows the hand-filled totals too.
    for ((r, c), f) in formulas(&forms, "总览") {
        if let Some(target) = f.strip_prefix("'") {
            let (sheet, _) = target.split_once("'!").unwrap();
            let _ = sheet;
            let v = sheet_cell(&filled, "总览", r, c);
            assert!(
                !matches!(v, Data::Empty | Data::Error(_)),
                "总览 row {} col {}: {v:?}",
                r + 1,
                c + 1
            );
        }
    }
    assert!(checked > 150, "checked {checked} formula cells");
    eprintln!("LibreOffice recalculated {checked} formula cells; all equal the cached values");
}

/// Copy an xlsx with every "待评" score cell of the 自评 sheets replaced by
/// `score` (as a clerk fills them in); returns how many were filled.
fn fill_pending(from: &Path, to: &Path, score: f64) -> usize {
    use std::io::{Read, Write};
    let mut z = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut shared = String::new();
    z.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut shared)
        .unwrap();
    let index = shared
        .split("<si>")
        .skip(1)
        .position(|si| si.contains(">待评<"))
        .expect("待评 among the strings");
    let mut out = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    let mut filled = 0;
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name.starts_with("xl/worksheets/sheet") {
            let xml = String::from_utf8(bytes).unwrap();
            let needle = format!(" t=\"s\"><v>{index}</v></c>");
            filled += xml.matches(&needle).count();
            bytes = xml
                .replace(&needle, &format!("><v>{score}</v></c>"))
                .into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
    filled
}
