//! `jixiao monitor`: the 绩效运行监控表 read back with calamine; every
//! project's budget and 1—N月执行数 equal the month-end report's.

mod common;
use calamine::{Data, Reader, open_workbook_auto};
use common::*;
use std::io::Read;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}
fn text(d: Option<&Data>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}
fn dec(v: &serde_json::Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn monitor_figures_equal_the_month_end_report() {
    let w = Workdir::new();
    let r = w.run(&["monitor", SAMPLE, "--month", "2024-07", "-o", "监控.xlsx"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = w.run(&[
        "report",
        SAMPLE,
        "--as-of",
        "2024-07-31",
        "-o",
        "报告.xlsx",
        "--json",
        "报告.json",
        "--no-forms",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("报告.json"));
    let mut book = open_workbook_auto(w.path("监控.xlsx")).unwrap();
    let names = book.sheet_names();
    let projects = j["projects"].as_array().unwrap();
    assert_eq!(names.len(), projects.len() + 1, "{names:?}");
    assert_eq!(names.last().unwrap(), "问题清单");
    let mut paid_sum = 0.0;
    for p in projects {
        let id = p["id"].as_str().unwrap();
        let range = book.worksheet_range(&format!("监控-{id}")).unwrap();
        let (r0, c0) = range.start().unwrap();
        assert_eq!((r0, c0), (0, 0));
        let at = |r: u32, c: u32| range.get_value((r, c));
        // One period on paper: the 2023 ledger's monitoring as of the
        // cut-off, never "（1—7月）" beside a 2024 date.
        assert_eq!(
            text(at(0, 0)),
            "2023年度项目支出绩效运行监控表（截至2024年7月31日）"
        );
        assert!(!text(at(1, 0)).contains("截止"), "{}", text(at(1, 0)));
        assert_eq!(text(at(2, 1)), p["name"].as_str().unwrap());
        // Budget block header, then 合计.
        assert_eq!(text(at(3, 3)), "累计执行数");
        assert_eq!(text(at(3, 5)), "全年预计执行数");
        assert_eq!(text(at(4, 0)), "合计");
        let budget = dec(&p["budget"]);
        let paid = dec(&p["paid"]);
        assert!(
            (num(at(4, 1).unwrap()) - budget).abs() < 1e-9,
            "{id} 年初预算"
        );
        assert!(
            (num(at(4, 2).unwrap()) - budget).abs() < 1e-9,
            "{id} 调整后预算"
        );
        assert!((num(at(4, 3).unwrap()) - paid).abs() < 1e-9, "{id} 执行数");
        let rate = dec(&p["execution_rate"]) / 100.0;
        assert!((num(at(4, 4).unwrap()) - rate).abs() < 1e-9, "{id} 执行率");
        assert!(
            matches!(at(4, 5), None | Some(Data::Empty)),
            "全年预计 is for the clerk"
        );
        paid_sum += num(at(4, 3).unwrap());
        // Fund rows add up to the total.
        let mut r = 5;
        let mut fund_paid = 0.0;
        while !text(at(r, 0)).contains("指标") {
            fund_paid += num(at(r, 3).unwrap());
            r += 1;
        }
        assert!(
            (fund_paid - paid).abs() < 1e-9,
            "{id}: fund rows {fund_paid} vs {paid}"
        );
        // Indicator header and its five 偏差原因 columns.
        assert_eq!(text(at(r, 0)), "一级指标");
        assert_eq!(text(at(r, 4)), "累计完成情况");
        assert_eq!(text(at(r, 5)), "全年预计完成情况");
        assert_eq!(text(at(r, 6)), "偏差原因分析");
        let reasons: Vec<String> = (6..=10).map(|c| text(at(r + 1, c))).collect();
        assert_eq!(
            reasons,
            ["经费保障", "制度保障", "人员保障", "硬件条件保障", "其他"]
        );
        assert_eq!(text(at(r, 11)), "完成目标可能性");
        assert_eq!(text(at(r, 12)), "原因说明");
        assert!(
            !text(at(r + 2, 2)).is_empty(),
            "{id}: at least one indicator"
        );
    }
    assert!((paid_sum - dec(&j["totals"]["paid"])).abs() < 1e-9);
    // 牛场: paid from 衔接资金 though budgeted under 整合资金.
    let range = book.worksheet_range("监控-JY2023-02").unwrap();
    let rows: Vec<(String, f64, f64)> = (5..7)
        .map(|r| {
            (
                text(range.get_value((r, 0))),
                num(range.get_value((r, 1)).unwrap()),
                num(range.get_value((r, 3)).unwrap()),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("整合资金".into(), 166.0, 0.0),
            ("衔接资金".into(), 0.0, 60.0)
        ]
    );

    // Print setup (A4 landscape), the drop-down, unlocked input cells.
    let mut z = zip::ZipArchive::new(std::fs::File::open(w.path("监控.xlsx")).unwrap()).unwrap();
    let mut sheet = String::new();
    z.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(
        sheet.contains(r#"paperSize="9""#) && sheet.contains(r#"orientation="landscape""#),
        "{sheet}"
    );
    assert!(sheet.contains("确定能,有可能,完全不可能"), "drop-down");
    let mut styles = String::new();
    z.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(
        styles.contains(r#"locked="0""#) && styles.contains("FFF2CC"),
        "input cells"
    );
    let sizes: Vec<f64> = styles
        .match_indices("<sz val=\"")
        .map(|(i, m)| {
            let s = &styles[i + m.len()..];
            s[..s.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert!(sizes.iter().all(|s| *s >= 9.0), "fonts ≥ 9 pt: {sizes:?}");
}

#[test]
fn monitor_output_safety() {
    let w = Workdir::new();
    std::fs::write(w.path("m.xlsx"), "keep").unwrap();
    let r = w.run(&["monitor", SAMPLE, "--month", "2024-07", "-o", "m.xlsx"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(w.path("m.xlsx")).unwrap(), "keep");
    let r = w.run(&["monitor", SAMPLE, "--month", "2024-13", "-o", "n.xlsx"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!w.exists("n.xlsx"));
    let r = w.run(&[
        "monitor", SAMPLE, "--month", "2024-07", "-o", "m.xlsx", "--force",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}
