//! `jixiao assets`: the 帮扶项目资产 register, checked against figures
//! worked out by hand from the sample and from small ledgers built here.

mod common;
use common::*;
use serde_json::Value;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");

const HEAD: [C; 12] = [
    S("项目编号"),
    S("项目名称"),
    S("项目类别"),
    S("资金性质"),
    S("预算金额（万元）"),
    S("结算金额（万元）"),
    S("建设状态"),
    S("建设地点"),
    S("实施单位"),
    S("开工日期"),
    S("完工日期"),
    S("年度目标"),
];

/// A ledger: 项目 rows (12 columns as HEAD), no payments, a 说明 sheet.
fn ledger(w: &Workdir, name: &str, year: f64, as_of: &'static str, rows: Vec<Vec<C>>) {
    let mut projects = vec![HEAD.to_vec()];
    projects.extend(rows);
    write_book(
        &w.path(name),
        &[
            ("项目", projects),
            (
                "说明",
                vec![
                    vec![S("单位名称"), S("某某镇人民政府")],
                    vec![S("年度"), N(year)],
                    vec![S("截止日期"), D(as_of)],
                ],
            ),
        ],
    );
}

fn dec(v: &Value) -> rust_decimal::Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .parse()
        .unwrap()
}
fn d(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}
fn asset<'a>(j: &'a Value, id: &str) -> &'a Value {
    j["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["project_id"] == id)
        .unwrap_or_else(|| panic!("no asset {id}: {j}"))
}
fn ids(j: &Value, list: &str) -> Vec<String> {
    j[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["project_id"].as_str().unwrap().to_string())
        .collect()
}
fn checks<'a>(j: &'a Value, id: &str, kind: &str) -> Vec<&'a Value> {
    j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["project_id"] == id && c["check"] == kind)
        .collect()
}

#[test]
fn the_sample_register() {
    let w = Workdir::new();
    let r = w.run(&["assets", SAMPLE, "-o", "资产台账.xlsx", "--json", "a.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("a.json"));
    // The 牛场, the road and the 示范创建 at their 结算金额.
    let cow = asset(&j, "JY2023-02");
    assert_eq!(
        (cow["class"].as_str(), dec(&cow["value"])),
        (Some("经营性"), d("166"))
    );
    assert_eq!(cow["value_basis"], "结算");
    assert_eq!(cow["formed"], "2023-10-20");
    assert_eq!(cow["location"], "靖宇镇河南村");
    assert_eq!(cow["owner"], "靖宇镇人民政府");
    assert_eq!(cow["owner_level"], "乡镇");
    assert_eq!(cow["acquired_by"], "扶贫(帮扶)投资形成");
    assert!(cow["quantity"].as_str().unwrap().contains("720平方米"));
    let road = asset(&j, "JY2023-03");
    assert_eq!(
        (road["class"].as_str(), dec(&road["value"])),
        (Some("公益性"), d("83.0827"))
    );
    let demo = asset(&j, "JY2023-04");
    assert_eq!(
        (demo["class"].as_str(), dec(&demo["value"])),
        (Some("公益性"), d("98.129"))
    );
    // 示范创建 names nothing: its 年度目标 (边沟, 路灯) decides.
    assert!(
        demo["matched"].as_str().unwrap().contains("年度目标"),
        "{demo}"
    );
    // 以奖代补: the bundled rule makes it 到户类 (at its 结算 10.22), owned by households.
    let bonus = asset(&j, "JY2023-01");
    assert_eq!(
        (bonus["class"].as_str(), dec(&bonus["value"])),
        (Some("到户类"), d("10.22"))
    );
    assert_eq!(bonus["owner_level"], "户");
    assert_eq!(checks(&j, "JY2023-01", "到户类无农户名单").len(), 1);
    // 雨露计划, 规划编制, 交通补助: no asset, each with its reason.
    assert_eq!(
        ids(&j, "not_assets"),
        ["JY2023-05", "JY2023-06", "JY2023-07"]
    );
    for (n, word) in
        j["not_assets"]
            .as_array()
            .unwrap()
            .iter()
            .zip(["雨露计划", "规划编制", "交通补助"])
    {
        assert!(n["reason"].as_str().unwrap().contains("不形成资产"), "{n}");
        assert!(n["matched"].as_str().unwrap().contains(word), "{n}");
    }
    // Summaries by hand: 经营性 166; 公益性 83.0827 + 98.129 = 181.2117; 到户类 10.22.
    let by_class: Vec<(String, u64, rust_decimal::Decimal)> = j["by_class"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().into(),
                r["count"].as_u64().unwrap(),
                dec(&r["value"]),
            )
        })
        .collect();
    assert_eq!(
        by_class,
        [
            ("经营性".to_string(), 1, d("166")),
            ("公益性".to_string(), 2, d("181.2117")),
            ("到户类".to_string(), 1, d("10.22")),
        ]
    );
    assert_eq!(dec(&j["total_value"]), d("357.4317"));
    // 确权层级: 3 at the township (166 + 181.2117 = 347.2117), 1 household.
    let level = |k: &str| {
        let r = j["by_owner_level"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == k)
            .unwrap();
        (r["count"].as_u64().unwrap(), dec(&r["value"]))
    };
    assert_eq!(level("乡镇"), (3, d("347.2117")));
    assert_eq!(level("户"), (1, d("10.22")));
    assert_eq!(level("村"), (0, d("0")));

    // The workbook: sheets, the register's rows and its total.
    let out = w.path("资产台账.xlsx");
    let sheets = read_cells(&out);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["资产台账", "分类汇总", "不形成资产", "核对", "问题清单"]
    );
    assert_eq!(
        sheet_cell(&out, "资产台账", 2, 6).to_string(),
        "资产价值（万元）"
    );
    assert_eq!(
        sheet_cell(&out, "资产台账", 4, 2).to_string(),
        "靖宇县靖宇镇河南村牛场建设项目"
    );
    assert_eq!(
        sheet_cell(&out, "资产台账", 4, 6),
        calamine::Data::Float(166.0)
    );
    assert_eq!(sheet_cell(&out, "资产台账", 7, 0).to_string(), "合计");
    assert_eq!(
        sheet_cell(&out, "资产台账", 7, 6),
        calamine::Data::Float(357.4317)
    );
    assert!(zip_part(&out, "docProps/custom.xml").contains("资产台账"));
}

#[test]
fn a_county_rule_file_wins() {
    let w = Workdir::new();
    // The county's own rules: 以奖代补 is cash, no asset; everything else by category.
    std::fs::write(
        w.path("rules.toml"),
        r#"
[[rule]]
class = "不形成资产"
words = ["以奖代补", "雨露计划", "规划", "交通补助"]
reason = "本县以奖代补为现金奖励"

[[rule]]
class = "经营性"
categories = ["产业项目"]
reason = "产业设施"

[[rule]]
class = "公益性"
categories = ["基础设施建设项目"]
reason = "基础设施"
"#,
    )
    .unwrap();
    let r = w.run(&[
        "assets",
        SAMPLE,
        "-o",
        "r.xlsx",
        "--json",
        "a.json",
        "--rules",
        "rules.toml",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("a.json"));
    assert_eq!(ids(&j, "assets"), ["JY2023-02", "JY2023-03", "JY2023-04"]);
    assert_eq!(
        ids(&j, "not_assets"),
        ["JY2023-01", "JY2023-05", "JY2023-06", "JY2023-07"]
    );
    assert_eq!(j["not_assets"][0]["reason"], "本县以奖代补为现金奖励");
    // Classed by category only: each is listed for the clerk to check.
    for id in ["JY2023-02", "JY2023-03", "JY2023-04"] {
        assert_eq!(checks(&j, id, "按类别推定").len(), 1, "{id}");
    }
    assert_eq!(dec(&j["total_value"]), d("347.2117"));
    // A rule file with a class that isn't one: refused, nothing written.
    std::fs::write(
        w.path("bad.toml"),
        "[[rule]]\nclass = \"固定\"\nwords = [\"路\"]\nreason = \"x\"\n",
    )
    .unwrap();
    let r = w.run(&["assets", SAMPLE, "-o", "b.xlsx", "--rules", "bad.toml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("bad.toml") && r.stderr.contains("固定"),
        "{}",
        r.stderr
    );
    assert!(!w.exists("b.xlsx"));
}

#[test]
fn without_settled_amounts_the_budget_is_an_estimate() {
    let w = Workdir::new();
    ledger(
        &w,
        "l.xlsx",
        2026.0,
        "2026-11-30",
        vec![
            vec![
                S("A1"),
                S("前进村蔬菜大棚"),
                S("产业项目"),
                S("中央财政常态化帮扶资金"),
                N(50.0),
                E,
                S("已完工"),
                S("前进村"),
                S("前进村股份经济合作社"),
                D("2026-03-01"),
                D("2026-09-30"),
                E,
            ],
            vec![
                S("A2"),
                S("后屯饮水工程"),
                S("基础设施建设项目"),
                S("省级衔接资金"),
                N(20.5),
                E,
                S("已完工"),
                S("后屯"),
                E,
                D("2026-04-01"),
                E,
                E,
            ],
        ],
    );
    let r = w.run(&["assets", "l.xlsx", "-o", "r.xlsx", "--json", "a.json"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let j = read_json(&w.path("a.json"));
    let a = asset(&j, "A1");
    assert_eq!(
        (
            a["class"].as_str(),
            dec(&a["value"]),
            a["value_basis"].as_str()
        ),
        (Some("经营性"), d("50"), Some("暂估"))
    );
    // The 2026 name of the family, its level kept; the 2026 label shown.
    assert_eq!(a["funds"][0]["level"], "中央");
    assert_eq!(a["funds"][0]["fund"], "中央常态化帮扶资金");
    assert_eq!(a["owner"], "前进村股份经济合作社");
    assert_eq!(a["owner_level"], "村");
    assert_eq!(a["location"], "某某镇前进村");
    let b = asset(&j, "A2");
    assert_eq!(
        (b["class"].as_str(), dec(&b["value"])),
        (Some("公益性"), d("20.5"))
    );
    assert_eq!(b["funds"][0]["fund"], "省级常态化帮扶资金");
    // No 实施单位: the unit is the default owner. No 完工日期: no 形成时间, checked.
    assert_eq!(b["owner"], "某某镇人民政府");
    assert_eq!(b["formed"], Value::Null);
    assert_eq!(checks(&j, "A2", "无形成时间").len(), 1);
    for id in ["A1", "A2"] {
        let c = checks(&j, id, "价值非结算价");
        assert_eq!(c.len(), 1, "{id}");
    }
    assert!(
        checks(&j, "A2", "价值非结算价")[0]["message"]
            .as_str()
            .unwrap()
            .contains("20.5")
    );
    assert_eq!(dec(&j["total_value"]), d("70.5"));
    assert!(j["policy"].as_str().unwrap().contains("2026"));
}

#[test]
fn no_completed_projects_make_an_empty_register() {
    let w = Workdir::new();
    ledger(
        &w,
        "l.xlsx",
        2026.0,
        "2026-06-30",
        vec![
            vec![
                S("B1"),
                S("河东村道路硬化"),
                S("基础设施建设项目"),
                S("衔接资金"),
                N(80.0),
                E,
                S("在建"),
                S("河东村"),
                E,
                D("2026-04-01"),
                D("2026-10-31"),
                E,
            ],
            // Past its 完工日期 but still 在建: not registered, and said.
            vec![
                S("B2"),
                S("河西村路灯"),
                S("基础设施建设项目"),
                S("衔接资金"),
                N(12.0),
                E,
                S("在建"),
                S("河西村"),
                E,
                D("2026-03-01"),
                D("2026-05-31"),
                E,
            ],
        ],
    );
    let r = w.run(&["assets", "l.xlsx", "-o", "r.xlsx", "--json", "a.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("a.json"));
    assert!(j["assets"].as_array().unwrap().is_empty());
    assert!(j["not_assets"].as_array().unwrap().is_empty());
    assert_eq!(ids(&j, "not_completed"), ["B1", "B2"]);
    assert_eq!(dec(&j["total_value"]), d("0"));
    assert_eq!(checks(&j, "B2", "状态与日期不符").len(), 1);
    assert!(checks(&j, "B1", "状态与日期不符").is_empty());
    let out = w.path("r.xlsx");
    assert!(
        sheet_cell(&out, "资产台账", 3, 0)
            .to_string()
            .contains("没有已完工")
    );
}

#[test]
fn completion_by_date_and_a_project_no_rule_classes() {
    let w = Workdir::new();
    // No 建设状态: the 完工日期 against the cut-off decides.
    write_book(
        &w.path("l.xlsx"),
        &[
            (
                "项目",
                vec![
                    vec![
                        S("项目编号"),
                        S("项目名称"),
                        S("项目类别"),
                        S("资金性质"),
                        S("预算金额（万元）"),
                        S("结算金额（万元）"),
                        S("完工日期"),
                    ],
                    vec![
                        S("C1"),
                        S("综合服务站"),
                        S("其他项目"),
                        S("衔接资金"),
                        N(30.0),
                        N(29.5),
                        D("2026-05-20"),
                    ],
                    vec![
                        S("C2"),
                        S("冷库建设"),
                        S("产业项目"),
                        S("衔接资金"),
                        N(60.0),
                        E,
                        D("2026-12-20"),
                    ],
                ],
            ),
            (
                "说明",
                vec![
                    vec![S("单位名称"), S("某乡")],
                    vec![S("截止日期"), D("2026-06-30")],
                ],
            ),
        ],
    );
    let r = w.run(&["assets", "l.xlsx", "-o", "r.xlsx", "--json", "a.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("a.json"));
    assert_eq!(ids(&j, "assets"), ["C1"]);
    assert_eq!(ids(&j, "not_completed"), ["C2"]);
    // 综合服务站 (其他项目) matches no rule: 待确定, and 应登记未登记 in the checks.
    let a = asset(&j, "C1");
    assert_eq!(
        (a["class"].as_str(), dec(&a["value"])),
        (Some("待确定"), d("29.5"))
    );
    assert_eq!(checks(&j, "C1", "应登记未登记").len(), 1);
    // A later cut-off takes C2 in too (冷库 → 经营性, 暂估 at its budget).
    let r = w.run(&[
        "assets",
        "l.xlsx",
        "--as-of",
        "2026-12-31",
        "-o",
        "r2.xlsx",
        "--json",
        "b.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = read_json(&w.path("b.json"));
    let c = asset(&j, "C2");
    assert_eq!(
        (
            c["class"].as_str(),
            dec(&c["value"]),
            c["value_basis"].as_str()
        ),
        (Some("经营性"), d("60"), Some("暂估"))
    );
    // The output rules: an existing file is kept without --force.
    let r = w.run(&["assets", "l.xlsx", "-o", "r.xlsx"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
}

#[test]
fn rows_left_out_are_said_under_the_total() {
    let w = Workdir::new();
    ledger(
        &w,
        "l.xlsx",
        2026.0,
        "2026-11-30",
        vec![
            vec![
                S("E1"),
                S("北村冷库"),
                S("产业项目"),
                S("衔接资金"),
                N(70.0),
                N(68.0),
                S("已结算"),
                S("北村"),
                E,
                D("2026-03-01"),
                D("2026-09-30"),
                E,
            ],
            // A budget that is no number: left out of every sum (an error).
            vec![
                S("E2"),
                S("南村大棚"),
                S("产业项目"),
                S("衔接资金"),
                S("约十万"),
                E,
                S("已完工"),
                S("南村"),
                E,
                D("2026-03-01"),
                D("2026-09-30"),
                E,
            ],
        ],
    );
    let r = w.run(&["assets", "l.xlsx", "-o", "r.xlsx", "--json", "a.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("不在资产台账中"), "{}", r.stderr);
    let j = read_json(&w.path("a.json"));
    assert_eq!(ids(&j, "assets"), ["E1"]);
    assert_eq!(dec(&j["total_value"]), d("68"));
    let banner = j["excluded"].as_str().expect("excluded said");
    assert!(
        banner.contains("另有 1 个项目") && banner.contains("E2"),
        "{banner}"
    );
    // On the sheet: the line under 合计 (row 4) says it.
    let out = w.path("r.xlsx");
    assert_eq!(sheet_cell(&out, "资产台账", 4, 0).to_string(), "合计");
    assert!(
        sheet_cell(&out, "资产台账", 5, 0)
            .to_string()
            .contains("另有 1 个项目")
    );
}
