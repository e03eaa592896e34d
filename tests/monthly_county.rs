//! `monthly` and `consolidate` checked against independently summed inputs.

mod common;
use calamine::{Data, DataType, Reader, open_workbook_auto};
use common::*;
use jixiao::synth::{SynthOptions, write_townships};
use rust_decimal::Decimal;
use std::str::FromStr;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");

fn dec(v: &serde_json::Value) -> Decimal {
    Decimal::from_str(
        v.as_str()
            .unwrap_or_else(|| panic!("not a decimal string: {v}")),
    )
    .unwrap()
}

/// Payments of the sample by month, summed straight from its 拨付 sheet.
fn sample_paid_in(year: i32, month: u32) -> Decimal {
    let mut wb = open_workbook_auto(SAMPLE).unwrap();
    let r = wb.worksheet_range("拨付").unwrap();
    r.rows()
        .skip(1)
        .filter_map(|row| {
            let Data::DateTime(dt) = &row[1] else {
                return None;
            };
            let (y, m, ..) = dt.to_ymd_hms_milli();
            let amount = jixiao::read::value::decimal_from_f64(row[2].get_float()?)?;
            ((y as i32, m as u32) == (year, month)).then_some(amount)
        })
        .sum()
}

#[test]
fn monthly_figures_add_up_month_to_month() {
    let w = Workdir::new();
    let mut previous: Option<Decimal> = None;
    for month in 5..=12 {
        let m = format!("2023-{month:02}");
        let json = format!("{m}.json");
        let r = w.run(&[
            "monthly",
            SAMPLE,
            "--month",
            &m,
            "-o",
            &format!("{m}.xlsx"),
            "--json",
            &json,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let j = read_json(&w.path(&json));
        assert_eq!(j["month"], m);
        let t = &j["totals"];
        let this_month = dec(&t["paid_this_month"]);
        assert_eq!(
            this_month,
            sample_paid_in(2023, month),
            "本月拨付 of {m} = payments dated in {m}"
        );
        let cumulative = dec(&t["cumulative_paid"]);
        if let Some(prev) = previous {
            assert_eq!(
                cumulative,
                prev + this_month,
                "累计 {m} = 累计 of the month before + 本月"
            );
        }
        previous = Some(cumulative);
        // The total row reconciles with the project rows.
        let projects = j["projects"].as_array().unwrap();
        let sum = |f: &str| -> Decimal { projects.iter().map(|p| dec(&p[f])).sum() };
        assert_eq!(sum("paid_this_month"), this_month);
        assert_eq!(sum("cumulative_paid"), cumulative);
        assert_eq!(sum("budget"), dec(&t["budget"]));
        // 序时进度 = month ÷ 12; 进度差 = 支出进度 − 序时进度; behind when negative.
        let schedule = Decimal::from(month) * Decimal::ONE_HUNDRED / Decimal::from(12);
        assert_eq!(
            dec(&t["schedule"]),
            schedule
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        );
        assert_eq!(
            dec(&t["gap"]),
            dec(&t["execution_rate"]) - dec(&t["schedule"])
        );
        for p in projects {
            assert_eq!(
                p["behind"].as_bool().unwrap(),
                dec(&p["gap"]) < Decimal::ZERO,
                "{p}"
            );
        }
    }
    // The sheet has the total as a SUM over the rows.
    let f = formulas(&w.path("2023-12.xlsx"), "月报");
    assert!(f.iter().any(|(_, t)| t.starts_with("SUM(")), "{f:?}");
}

#[test]
fn monthly_schedule_file_and_bad_month() {
    let w = Workdir::new();
    std::fs::write(
        w.path("s.toml"),
        "[schedule]\n6 = 30\n12 = 100\n[category.产业项目]\n6 = 50\n",
    )
    .unwrap();
    let r = w.run(&[
        "monthly",
        SAMPLE,
        "--month",
        "2023-06",
        "--schedule",
        "s.toml",
        "-o",
        "m.xlsx",
        "--json",
        "m.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("m.json"));
    assert_eq!(j["totals"]["schedule"], "30.00");
    let cat = j["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "产业项目")
        .unwrap();
    assert_eq!(cat["schedule"], "50.00");
    let r = w.run(&["monthly", SAMPLE, "--month", "2023-13"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("2023-13"));
}

fn synth(dir: &std::path::Path, n: usize, messy_every: usize) -> Vec<std::path::PathBuf> {
    write_townships(
        dir,
        &SynthOptions {
            townships: n,
            projects: 12,
            payments: 40,
            messy_every,
            seed: 7,
            year: 2024,
        },
    )
    .unwrap()
}

#[test]
fn county_total_equals_the_sum_of_township_reports() {
    let w = Workdir::new();
    let files = synth(&w.path("in"), 6, 3);
    let r = w.run(&[
        "consolidate",
        "in",
        "--as-of",
        "2024-12-31",
        "-o",
        "county.xlsx",
        "--json",
        "county.json",
        "--title",
        "测试县",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let county = read_json(&w.path("county.json"));
    assert_eq!(county["as_of"], "2024-12-31");
    let townships = county["townships"].as_array().unwrap();
    assert_eq!(townships.len(), 6);
    let (mut budget, mut paid, mut count) = (Decimal::ZERO, Decimal::ZERO, 0);
    for (i, f) in files.iter().enumerate() {
        let json = format!("t{i}.json");
        let r = w.run(&[
            "report",
            f.to_str().unwrap(),
            "--as-of",
            "2024-12-31",
            "-o",
            &format!("t{i}.xlsx"),
            "--json",
            &json,
        ]);
        assert!(r.code <= 1, "{}", r.stderr);
        let j = read_json(&w.path(&json));
        let t = townships
            .iter()
            .find(|t| t["unit"] == j["unit"])
            .expect("township in county");
        assert_eq!(t["budget"], j["totals"]["budget"]);
        assert_eq!(t["paid"], j["totals"]["paid"]);
        assert_eq!(t["execution_rate"], j["totals"]["execution_rate"]);
        assert_eq!(
            dec(&t["remaining"]),
            dec(&j["totals"]["budget"]) - dec(&j["totals"]["paid"])
        );
        budget += dec(&j["totals"]["budget"]);
        paid += dec(&j["totals"]["paid"]);
        count += j["projects"].as_array().unwrap().len();
    }
    assert_eq!(dec(&county["totals"]["budget"]), budget);
    assert_eq!(dec(&county["totals"]["paid"]), paid);
    // Ranked by execution rate, highest first.
    let rates: Vec<Decimal> = townships
        .iter()
        .map(|t| dec(&t["execution_rate"]))
        .collect();
    assert!(rates.windows(2).all(|w| w[0] >= w[1]), "{rates:?}");
    assert_eq!(townships[0]["rank"], 1);
    // Sheets: 汇总, 分类汇总, 项目明细 (every project), 按资金级次, 问题清单.
    let out = w.path("county.xlsx");
    let sheets = read_cells(&out);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["汇总", "分类汇总", "项目明细", "按资金级次", "问题清单"]
    );
    let detail_rows = sheets[2].1.iter().filter(|((_, c), _)| *c == 2).count() - 1;
    assert_eq!(detail_rows, count, "项目明细 lists every project");
}

#[test]
fn messy_and_standard_townships_consolidate_alike() {
    let w = Workdir::new();
    synth(&w.path("std"), 4, 0);
    synth(&w.path("messy"), 4, 1);
    for d in ["std", "messy"] {
        let r = w.run(&[
            "consolidate",
            d,
            "--as-of",
            "2024-12-31",
            "-o",
            &format!("{d}.xlsx"),
            "--json",
            &format!("{d}.json"),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let (a, b) = (
        read_json(&w.path("std.json")),
        read_json(&w.path("messy.json")),
    );
    assert_eq!(a["totals"], b["totals"]);
    assert_eq!(a["by_category"], b["by_category"]);
    assert_eq!(a["by_fund_source"], b["by_fund_source"]);
}

#[test]
fn bad_files_duplicates_and_missing_townships_are_reported() {
    let w = Workdir::new();
    let files = synth(&w.path("in"), 3, 0);
    std::fs::write(w.path("in/坏文件.xlsx"), "not a workbook").unwrap();
    std::fs::copy(&files[0], w.path("in/副本.xlsx")).unwrap();
    std::fs::write(w.path("in/~$锁文件.xlsx"), "lock").unwrap();
    // One of our own reports in the folder must not be read as a ledger.
    assert_eq!(
        w.run(&[
            "report",
            files[1].to_str().unwrap(),
            "--as-of",
            "2024-12-31",
            "-o",
            "in/报告.xlsx"
        ])
        .code,
        0
    );
    let names: Vec<String> = (0..3).map(jixiao::synth::township_name).collect();
    std::fs::write(
        w.path("expect.txt"),
        format!("{}\n{}\n未报镇\n", names[0], names[1]),
    )
    .unwrap();
    let r = w.run(&[
        "consolidate",
        "in",
        files[2].to_str().unwrap(),
        "--as-of",
        "2024-12-31",
        "--expect",
        "expect.txt",
        "-o",
        "c.xlsx",
        "--json",
        "c.json",
    ]);
    assert_eq!(r.code, 1, "a bad file makes the status 1: {}", r.stderr);
    let j = read_json(&w.path("c.json"));
    assert_eq!(
        j["townships"].as_array().unwrap().len(),
        3,
        "good files still consolidate, each once"
    );
    let problems = j["problems"].as_array().unwrap();
    let has = |file_part: &str, text: &str| {
        problems.iter().any(|p| {
            p["file"].as_str().unwrap().contains(file_part)
                && p["message"].as_str().unwrap().contains(text)
        })
    };
    assert!(has("坏文件.xlsx", "未汇总"), "{problems:#?}");
    assert!(has("副本.xlsx", "重复报送"), "{problems:#?}");
    assert!(has("报告.xlsx", "jixiao 生成的报告"), "{problems:#?}");
    assert!(has("", "同一个文件"), "the same path twice: {problems:#?}");
    assert!(
        !problems
            .iter()
            .any(|p| p["file"].as_str().unwrap().contains("锁文件"))
    );
    assert_eq!(j["missing"], serde_json::json!(["未报镇"]));
    assert!(
        read_cells(&w.path("c.xlsx"))
            .iter()
            .any(|(n, _)| n == "未报送")
    );
    // Files left out of the sums are said where the sums are: JSON and a red
    // line on the printed 汇总.
    let left: Vec<(String, String)> = j["files_left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["why"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        left.iter()
            .any(|(f, why)| f.contains("坏文件") && why == "未能读取"),
        "{left:?}"
    );
    assert!(
        left.iter()
            .any(|(f, why)| f.contains("副本") && why == "重复报送"),
        "{left:?}"
    );
    let banner = sheet_cell(&w.path("c.xlsx"), "汇总", 2, 0).to_string();
    assert!(banner.contains("另有 2 个文件未计入汇总"), "{banner}");
    // Budget counted once per township.
    let sum: Decimal = j["townships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| dec(&t["budget"]))
        .sum();
    assert_eq!(dec(&j["totals"]["budget"]), sum);
}
