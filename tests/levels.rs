//! `consolidate`: 支付率 by fund level with benchmarks, figures by hand.

mod common;
use common::*;
use serde_json::Value;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");

fn dec(v: &Value) -> rust_decimal::Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}
fn d(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}
fn level<'a>(j: &'a Value, l: &str) -> &'a Value {
    j["by_level"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["level"] == l)
        .unwrap_or_else(|| panic!("no level {l}"))
}

/// A township: projects (编号, 名称, 类别, 资金性质, 预算) and payments (编号, 日期, 金额).
fn township(
    w: &Workdir,
    file: &str,
    unit: &str,
    projects: &[(&'static str, &'static str, &'static str, &'static str, f64)],
    payments: &[(&'static str, &'static str, f64)],
) {
    let mut p = vec![vec![
        S("项目编号"),
        S("项目名称"),
        S("项目类别"),
        S("资金性质"),
        S("预算金额（万元）"),
    ]];
    for (id, name, cat, fund, b) in projects {
        p.push(vec![S(id), S(name), S(cat), S(fund), N(*b)]);
    }
    let mut pay = vec![vec![S("项目编号"), S("拨付日期"), S("拨付金额（万元）")]];
    for (id, date, a) in payments {
        pay.push(vec![S(id), D(date), N(*a)]);
    }
    write_book(
        &w.path(file),
        &[
            ("项目", p),
            ("拨付", pay),
            (
                "说明",
                vec![
                    vec![S("单位名称"), T(unit.to_string())],
                    vec![S("年度"), N(2026.0)],
                    vec![S("截止日期"), D("2026-06-30")],
                ],
            ),
        ],
    );
}

const BENCH: &str = "name = \"全省平均\"\ndate = \"2026-06-30\"\n[rates]\n\"四级\" = 46.92\n\"中央\" = 63.52\n\"省级\" = 57.12\n";

#[test]
fn split_levels_against_the_province() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("in")).unwrap();
    township(
        &w,
        "in/甲镇.xlsx",
        "甲镇",
        &[
            ("J1", "甲镇肉牛养殖", "产业项目", "中央衔接资金", 100.0),
            ("J2", "甲镇道路", "基础设施建设项目", "省级衔接资金", 50.0),
        ],
        &[("J1", "2026-03-10", 60.0), ("J2", "2026-05-20", 20.0)],
    );
    township(
        &w,
        "in/乙镇.xlsx",
        "乙镇",
        &[
            // The 2026 name of the same family, level 中央.
            ("Y1", "乙镇大棚", "产业项目", "中央财政常态化帮扶资金", 40.0),
            ("Y2", "乙镇水渠", "基础设施建设项目", "整合资金", 30.0),
        ],
        &[("Y1", "2026-04-01", 10.0), ("Y2", "2026-06-01", 30.0)],
    );
    std::fs::write(w.path("bench.toml"), BENCH).unwrap();
    let r = w.run(&[
        "consolidate",
        "in",
        "-o",
        "县.xlsx",
        "--json",
        "县.json",
        "--benchmark",
        "bench.toml",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let j = read_json(&w.path("县.json"));
    // 中央: 100 + 40 budget, 60 + 10 paid → 50.00 %; 50 − 63.52 = −13.52 个百分点.
    let z = level(&j, "中央");
    assert_eq!((dec(&z["budget"]), dec(&z["paid"])), (d("140"), d("70")));
    assert_eq!(z["project_count"], 2);
    assert_eq!(
        (z["execution_rate"].as_str(), z["gap"].as_str()),
        (Some("50.00"), Some("-13.52"))
    );
    // 省级: 20 / 50 = 40.00 %; 40 − 57.12 = −17.12.
    let s = level(&j, "省级");
    assert_eq!(
        (s["execution_rate"].as_str(), s["gap"].as_str()),
        (Some("40.00"), Some("-17.12"))
    );
    // 市级, 县级: nothing, no rate, no gap.
    for l in ["市级", "县级"] {
        assert_eq!(level(&j, l)["execution_rate"], Value::Null);
        assert_eq!(level(&j, l)["gap"], Value::Null);
    }
    // 未分级: 整合资金 30 / 30 = 100.00 %, no benchmark for it.
    let u = level(&j, "未分级");
    assert_eq!(
        (dec(&u["budget"]), u["execution_rate"].as_str()),
        (d("30"), Some("100.00"))
    );
    assert_eq!(u["benchmark"], Value::Null);
    // 四级: 190 budget, 90 paid → 47.368…% → 47.37; gap 47.368… − 46.92 = 0.448… → 0.45.
    let f = &j["by_level_four"];
    assert_eq!((dec(&f["budget"]), dec(&f["paid"])), (d("190"), d("90")));
    assert_eq!(
        (f["execution_rate"].as_str(), f["gap"].as_str()),
        (Some("47.37"), Some("0.45"))
    );
    assert_eq!(j["benchmark"]["name"], "全省平均");
    // The levels add up to the county's totals.
    let budget: rust_decimal::Decimal = j["by_level"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| dec(&l["budget"]))
        .sum();
    assert_eq!(budget, dec(&j["totals"]["budget"]));
    // The sheet: same figures, then each township's rates.
    let out = w.path("县.xlsx");
    let cells = read_cells(&out);
    let (_, sheet) = cells
        .iter()
        .find(|(n, _)| n == "按资金级次")
        .expect("按资金级次 sheet");
    let at = |r: u32, c: u32| {
        sheet
            .iter()
            .find(|((rr, cc), _)| *rr == r && *cc == c)
            .map(|(_, v)| v.clone())
            .unwrap_or(calamine::Data::Empty)
    };
    assert_eq!(at(3, 0).to_string(), "中央");
    assert_eq!(at(3, 4), calamine::Data::Float(0.5));
    assert_eq!(at(3, 6), calamine::Data::Float(-13.52));
    assert_eq!(at(7, 0).to_string(), "四级合计");
    assert!(
        sheet
            .iter()
            .any(|(_, v)| v.to_string() == "各单位按资金级次支付率")
    );
    assert!(sheet.iter().any(|(_, v)| v.to_string() == "乙镇"));
}

#[test]
fn the_sample_has_no_levels_and_the_policy_sets_the_floor() {
    let w = Workdir::new();
    std::fs::write(w.path("bench.toml"), "[rates]\n\"未分级\" = 60\n").unwrap();
    let r = w.run(&[
        "consolidate",
        SAMPLE,
        "-o",
        "c.xlsx",
        "--json",
        "c.json",
        "--benchmark",
        "bench.toml",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("c.json"));
    // Its funds name no level: all 408.5587 under 未分级, 231.3152 paid (56.6174… %),
    // 56.6174… − 60 = −3.3826 → −3.38.
    let u = level(&j, "未分级");
    assert_eq!(
        (dec(&u["budget"]), dec(&u["paid"])),
        (d("408.5587"), d("231.3152"))
    );
    assert_eq!(
        (u["execution_rate"].as_str(), u["gap"].as_str()),
        (Some("56.62"), Some("-3.38"))
    );
    assert_eq!(dec(&j["by_level_four"]["budget"]), d("0"));
    assert_eq!(j["by_level_four"]["execution_rate"], Value::Null);
    // Without a benchmark: no gaps, no benchmark.
    let r = w.run(&["consolidate", SAMPLE, "-o", "d.xlsx", "--json", "d.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("d.json"));
    assert_eq!(j["benchmark"], Value::Null);
    assert_eq!(level(&j, "未分级")["gap"], Value::Null);
    // The sample's 衔接资金 all went to 产业 (46.6 of 48.0587 = 96.96 %): a policy
    // whose floor is 98 % flags it; the bundled floor (60) does not.
    assert!(!j["problems"].to_string().contains("低于"));
    let p = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/policy/2023.toml"
    ))
    .unwrap()
    .replace("floor = 60", "floor = 98");
    std::fs::write(w.path("policy.toml"), p).unwrap();
    let r = w.run(&[
        "consolidate",
        SAMPLE,
        "-o",
        "e.xlsx",
        "--json",
        "e.json",
        "--policy",
        "policy.toml",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("e.json"));
    assert!(
        j["problems"].to_string().contains("96.96%，低于 98%"),
        "{}",
        j["problems"]
    );
    // A benchmark naming no level is refused before anything is read.
    std::fs::write(w.path("bad.toml"), "[rates]\n\"乡级\" = 50\n").unwrap();
    let r = w.run(&[
        "consolidate",
        SAMPLE,
        "-o",
        "f.xlsx",
        "--benchmark",
        "bad.toml",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("乡级"), "{}", r.stderr);
}
