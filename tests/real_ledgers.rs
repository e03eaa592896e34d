//! Issue 9, "real ledgers, round two": one black-box test per ledger shape met
//! in township and county offices. Each builds its workbook in code, runs
//! `jixiao report`, and checks the JSON. Every expected figure is worked out by
//! hand from the fixture's data in the comment beside it (万元, exact decimals;
//! rates: paid ÷ budget × 100, 2 decimals, half away from zero).
//!
//! Written from the issue text, independently of the reader's implementation.

mod common;
#[path = "common/ledgers.rs"]
mod ledgers;
use common::*;
use ledgers::*;

const AS_OF: [&str; 2] = ["--as-of", "2024-12-31"];
const UNIT: [&str; 2] = ["--unit", "测试镇"];

fn args() -> Vec<&'static str> {
    let mut v = AS_OF.to_vec();
    v.extend(UNIT);
    v
}

/// Shared payments of shape 1 (three header variants, same data).
fn shape1_payments() -> Sheet {
    payment_sheet(
        "拨付",
        &[
            ("MT-01", "2024-05-10", 30.0, ""),
            ("MT-01", "2024-09-01", 10.0, ""),
            ("MT-02", "2024-06-01", 60.0, ""),
            ("MT-03", "2024-03-15", 3.75, ""),
        ],
    )
}

fn check_shape1(name: &str, j: &serde_json::Value) {
    assert_eq!(
        project_ids(j),
        ["MT-01", "MT-02", "MT-03"],
        "{name}: the second header row and the title are not projects"
    );
    let t = &j["totals"];
    assert_eq!(t["project_count"], 3, "{name}");
    // 50 + 120 + 3.75 = 173.75
    assert_eq!(t["budget"], "173.75", "{name}");
    // 30 + 10 + 60 + 3.75 = 103.75
    assert_eq!(t["paid"], "103.75", "{name}");
    // 103.75 ÷ 173.75 = 0.597122… → 59.71
    assert_eq!(t["execution_rate"], "59.71", "{name}");
    // 结算 read: MT-01 48.5 − (30 + 10) = 8.5; MT-03 3.75 − 3.75 = 0; total 8.5
    assert_eq!(project(j, "MT-01")["settled"], "48.5", "{name}");
    assert_eq!(project(j, "MT-01")["outstanding"], "8.5", "{name}");
    assert_eq!(project(j, "MT-03")["outstanding"], "0", "{name}");
    assert_eq!(project(j, "MT-02")["settled"], serde_json::Value::Null);
    assert_eq!(t["outstanding"], "8.5", "{name}");
    // 结余: MT-01 50 − 48.5 = 1.5; MT-03 0 → 1.5
    assert_eq!(t["unspent"], "1.5", "{name}");
    // 未支出 173.75 − 103.75 = 70
    assert_eq!(t["remaining"], "70", "{name}");
    assert!(errors(j).is_empty(), "{name}: {:#}", j["problems"]);
}

/// Shape 1: merged title across the table, a 单位 line, two-row headers with
/// a merged parent (金额 → 预算/结算; 资金规模 → 合计/衔接资金/其他资金;
/// 投资情况 → 计划投资/结算审定金额); the other headers merged down.
#[test]
fn merged_title_and_two_row_header_read_budget_and_settlement() {
    let w = Workdir::new();
    // A: 金额 over 预算 | 结算.
    //    A 序号 | B 项目编号 | C 项目名称 | D 项目类别 | E 资金性质 | F-G 金额{预算,结算} | H 建设状态
    let a = Sheet::new(
        "项目台账",
        vec![
            vec![S("某某镇2024年度衔接资金项目台账")],
            vec![E, E, E, E, E, E, E, S("单位：万元")],
            vec![S("序号"), S("项目编号"), S("项目名称"), S("项目类别"), S("资金性质"), S("金额"), E, S("建设状态")],
            vec![E, E, E, E, E, S("预算"), S("结算"), E],
            vec![N(1.0), S("MT-01"), S("村道硬化"), S("基础设施建设项目"), S("衔接资金"), N(50.0), N(48.5), S("已完工")],
            vec![N(2.0), S("MT-02"), S("肉牛养殖"), S("产业项目"), S("衔接资金"), N(120.0), E, S("在建")],
            vec![N(3.0), S("MT-03"), S("雨露计划"), S("其他项目"), S("衔接资金"), N(3.75), N(3.75), S("已结算")],
        ],
    )
    .merges(&["A1:H1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:G3", "H3:H4"]);
    write_sheets(&w.path("a.xlsx"), &[a, shape1_payments()]);

    // B: 资金规模 over 合计 | 衔接资金 | 其他资金, 结算金额 merged down; unit line merged.
    //    A 项目编号 | B 项目名称 | C 项目类别 | D 资金性质 | E-G 资金规模 | H 结算金额 | I 建设状态
    let b = Sheet::new(
        "项目明细",
        vec![
            vec![S("某某乡2024年度巩固衔接项目明细表")],
            vec![S("单位：万元")],
            vec![S("项目编号"), S("项目名称"), S("项目类别"), S("资金性质"), S("资金规模"), E, E, S("结算金额"), S("建设状态")],
            vec![E, E, E, E, S("合计"), S("衔接资金"), S("其他资金"), E, E],
            vec![S("MT-01"), S("村道硬化"), S("基础设施建设项目"), S("衔接资金"), N(50.0), N(50.0), E, N(48.5), S("已完工")],
            vec![S("MT-02"), S("肉牛养殖"), S("产业项目"), S("衔接资金"), N(120.0), N(120.0), E, E, S("在建")],
            vec![S("MT-03"), S("雨露计划"), S("其他项目"), S("衔接资金"), N(3.75), N(3.75), E, N(3.75), S("已结算")],
        ],
    )
    .merges(&["A1:I1", "A2:I2", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:G3", "H3:H4", "I3:I4"]);
    write_sheets(&w.path("b.xlsx"), &[b, shape1_payments()]);

    // C: 投资情况 over 计划投资 | 结算审定金额 (unit on the parent).
    let c = Sheet::new(
        "项目台账",
        vec![
            vec![S("2024年某某村衔接资金项目实施情况")],
            vec![S("项目编号"), S("项目名称"), S("项目类型"), S("资金来源"), S("投资情况（万元）"), E, S("项目状态")],
            vec![E, E, E, E, S("计划投资"), S("结算审定金额"), E],
            vec![S("MT-01"), S("村道硬化"), S("基础设施建设项目"), S("衔接资金"), N(50.0), N(48.5), S("已完工")],
            vec![S("MT-02"), S("肉牛养殖"), S("产业项目"), S("衔接资金"), N(120.0), E, S("在建")],
            vec![S("MT-03"), S("雨露计划"), S("其他项目"), S("衔接资金"), N(3.75), N(3.75), S("已结算")],
        ],
    )
    .merges(&["A1:G1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2", "G2:G3"]);
    write_sheets(&w.path("c.xlsx"), &[c, shape1_payments()]);

    for f in ["a.xlsx", "b.xlsx", "c.xlsx"] {
        let (r, j) = report(&w, f, &args());
        assert_code(&r, &j, 0, f);
        check_shape1(f, &j);
    }
}

/// Shape 2: a 说明 line above the table, a 受益对象 parent over 受益户数 /
/// 其中脱贫户, and 注 / 填表人 / 填报日期 lines under the table.
#[test]
fn notes_and_signature_lines_around_the_table_are_not_projects() {
    let w = Workdir::new();
    // A 项目编号 | B 项目名称 | C 项目类别 | D 资金性质 | E 预算金额（万元） | F-G 受益对象 | H 建设状态
    let p = Sheet::new(
        "项目",
        vec![
            vec![S("说明：本表由乡镇财政所填报，每月5日前报县财政局。")],
            vec![S("项目编号"), S("项目名称"), S("项目类别"), S("资金性质"), S("预算金额（万元）"), S("受益对象"), E, S("建设状态")],
            vec![E, E, E, E, E, S("受益户数"), S("其中脱贫户"), E],
            vec![S("FT-01"), S("庭院经济"), S("产业项目"), S("衔接资金"), N(15.0), N(120.0), N(35.0), S("在建")],
            vec![S("FT-02"), S("饮水工程"), S("基础设施建设项目"), S("整合资金"), N(28.6), N(260.0), N(41.0), S("已完工")],
            vec![],
            vec![S("注：1.本表金额单位为万元；2.受益户数含脱贫户。")],
            vec![S("填表人：张三　审核人：李四　联系电话：0439-1234567")],
            vec![S("填报日期：2024年12月31日")],
        ],
    )
    .merges(&["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:G2", "H2:H3"]);
    let pay = payment_sheet(
        "拨付",
        &[("FT-01", "2024-04-01", 10.0, ""), ("FT-02", "2024-07-01", 20.0, "")],
    );
    write_sheets(&w.path("in.xlsx"), &[p, pay]);
    let (r, j) = report(&w, "in.xlsx", &args());
    assert_code(&r, &j, 0, "report");
    assert!(errors(&j).is_empty(), "{:#}", j["problems"]);
    assert_eq!(project_ids(&j), ["FT-01", "FT-02"]);
    // 15 + 28.6 = 43.6; paid 10 + 20 = 30; 30 ÷ 43.6 = 0.688073… → 68.81
    assert_eq!(j["totals"]["project_count"], 2);
    assert_eq!(j["totals"]["budget"], "43.6");
    assert_eq!(j["totals"]["paid"], "30");
    assert_eq!(j["totals"]["execution_rate"], "68.81");
    // At most one 提示 per footer line.
    for key in ["填表人", "填报日期", "本表金额单位", "说明：本表"] {
        let n = notes(&j).iter().filter(|p| message(p).contains(key)).count();
        assert!(n <= 1, "{key}: {n} notes: {:#}", j["problems"]);
    }
    let about_lines = notes(&j)
        .iter()
        .filter(|p| {
            ["填表人", "填报日期", "本表金额单位", "说明：本表"]
                .iter()
                .any(|k| message(p).contains(k))
        })
        .count();
    assert!(about_lines <= 4, "{:#}", j["problems"]);
}

/// Shape 3: the last row has no text at all, only the column sums (typed
/// SUM formulas) → a total, not a project.
#[test]
fn an_unlabelled_sum_row_is_a_total_not_a_project() {
    let w = Workdir::new();
    // A 序号 | B 项目编号 | C 项目名称 | D 项目类别 | E 资金性质 | F 预算金额（万元） | G 结算金额（万元） | H 建设状态
    let p = Sheet::new(
        "项目",
        vec![
            vec![S("序号"), S("项目编号"), S("项目名称"), S("项目类别"), S("资金性质"), S("预算金额（万元）"), S("结算金额（万元）"), S("建设状态")],
            vec![N(1.0), S("UT-01"), S("菌菇大棚"), S("产业项目"), S("衔接资金"), N(12.5), N(12.5), S("已完工")],
            vec![N(2.0), S("UT-02"), S("桥梁维修"), S("基础设施建设项目"), S("整合资金"), N(30.0), E, S("在建")],
            vec![N(3.0), S("UT-03"), S("边沟"), S("基础设施建设项目"), S("整合资金"), N(7.25), N(7.0), S("已完工")],
            // 12.5 + 30 + 7.25 = 49.75; 12.5 + 7 = 19.5
            vec![E, E, E, E, E, F("SUM(F2:F4)", 49.75), F("SUM(G2:G4)", 19.5), E],
        ],
    );
    let pay = payment_sheet(
        "拨付",
        &[("UT-01", "2024-06-30", 12.5, ""), ("UT-03", "2024-08-01", 5.0, "")],
    );
    write_sheets(&w.path("in.xlsx"), &[p, pay]);
    let (r, j) = report(&w, "in.xlsx", &args());
    assert_code(&r, &j, 0, "report");
    assert!(errors(&j).is_empty(), "{:#}", j["problems"]);
    assert_eq!(project_ids(&j), ["UT-01", "UT-02", "UT-03"]);
    let t = &j["totals"];
    assert_eq!(t["project_count"], 3);
    assert_eq!(t["budget"], "49.75"); // 12.5 + 30 + 7.25
    assert_eq!(t["paid"], "17.5"); // 12.5 + 5
    assert_eq!(t["execution_rate"], "35.18"); // 17.5 ÷ 49.75 = 0.351758… → 35.18
    assert_eq!(t["outstanding"], "2"); // UT-01 12.5 − 12.5 = 0; UT-03 7 − 5 = 2
    assert_eq!(t["unspent"], "0.25"); // UT-01 0; UT-03 7.25 − 7 = 0.25
    // The sums agree, so nothing to say about them.
    assert!(
        !notes(&j).iter().any(|p| message(p).contains("相差")),
        "{:#}",
        j["problems"]
    );
}

/// Village-grouped ledger rows: (村, id, name, category, fund, budget).
const GROUPS: &[(&str, &[(&str, &str, &str, f64)])] = &[
    (
        "东风村",
        &[("ST-01", "蔬菜大棚", "产业项目", 10.0), ("ST-02", "村道", "基础设施建设项目", 22.5)],
    ),
    (
        "红旗村",
        &[
            ("ST-03", "饮水", "基础设施建设项目", 8.3),
            ("ST-04", "冷库", "产业项目", 41.7),
            ("ST-05", "路灯", "基础设施建设项目", 5.0),
        ],
    ),
];

/// A 序号 | B 村 | C 项目编号 | D 项目名称 | E 项目类别 | F 资金性质 | G 预算金额（万元） | H 建设状态.
/// Row 1 title, row 2 header. `above`: each 小计 before its group, 合计
/// first; else after, 合计 last. `subtotals` are the printed figures.
fn grouped(above: bool, subtotals: [f64; 2]) -> (Sheet, Vec<u32>) {
    let mut rows = vec![
        vec![S("某某镇2024年衔接资金项目台账（按村）")],
        vec![S("序号"), S("村"), S("项目编号"), S("项目名称"), S("项目类别"), S("资金性质"), S("预算金额（万元）"), S("建设状态")],
    ];
    // 10 + 22.5 + 8.3 + 41.7 + 5 = 87.5
    let total = vec![S("合计"), E, E, E, E, E, N(87.5), E];
    if above {
        rows.push(total.clone());
    }
    let mut sub_rows = vec![];
    let mut n = 0;
    for (g, (village, projects)) in GROUPS.iter().enumerate() {
        let sub = vec![E, S(village), S("小计"), E, E, E, N(subtotals[g]), E];
        if above {
            sub_rows.push(rows.len() as u32 + 1);
            rows.push(sub.clone());
        }
        for (id, name, cat, budget) in *projects {
            n += 1;
            rows.push(vec![N(n as f64), S(village), S(id), S(name), S(cat), S("衔接资金"), N(*budget), S("在建")]);
        }
        if !above {
            sub_rows.push(rows.len() as u32 + 1);
            rows.push(sub);
        }
    }
    if !above {
        rows.push(total);
    }
    (Sheet::new("项目台账", rows).merge("A1:H1"), sub_rows)
}

/// Shape 4: 小计 rows per village above their group in one ledger and below
/// in another; right subtotals raise nothing; one wrong subtotal raises
/// exactly one 提示 naming its cell and both figures.
#[test]
fn village_subtotals_above_or_below_their_group_are_checked_per_group() {
    let w = Workdir::new();
    let pay = || {
        payment_sheet(
            "拨付",
            &[("ST-01", "2024-05-01", 10.0, ""), ("ST-04", "2024-10-01", 20.0, "")],
        )
    };
    // Group sums: 东风村 10 + 22.5 = 32.5; 红旗村 8.3 + 41.7 + 5 = 55.
    for (file, above) in [("above.xlsx", true), ("below.xlsx", false)] {
        let (sheet, _) = grouped(above, [32.5, 55.0]);
        write_sheets(&w.path(file), &[sheet, pay()]);
        let (r, j) = report(&w, file, &args());
        assert_code(&r, &j, 0, file);
        assert_eq!(j["totals"]["project_count"], 5, "{file}");
        assert_eq!(j["totals"]["budget"], "87.5", "{file}");
        assert_eq!(j["totals"]["paid"], "30", "{file}"); // 10 + 20
        assert_eq!(j["totals"]["execution_rate"], "34.29", "{file}"); // 30 ÷ 87.5 = 0.342857… → 34.29
        let sums: Vec<_> = j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| {
                let m = message(p);
                m.contains("小计") || m.contains("合计") || m.contains("相差")
            })
            .collect();
        assert!(sums.is_empty(), "{file}: subtotals agree: {sums:#?}");
        assert!(errors(&j).is_empty(), "{file}: {:#}", j["problems"]);
    }
    // Below, with 红旗村's 小计 printed as 55.1 (rows: 1 title, 2 header,
    // 3-4 东风村, 5 小计, 6-8 红旗村, 9 小计 → G9).
    let (sheet, subs) = grouped(false, [32.5, 55.1]);
    assert_eq!(subs, [5, 9]);
    write_sheets(&w.path("wrong.xlsx"), &[sheet, pay()]);
    let (r, j) = report(&w, "wrong.xlsx", &args());
    assert_code(&r, &j, 0, "report");
    assert_eq!(j["totals"]["budget"], "87.5", "a printed subtotal never changes the sums");
    let flagged: Vec<_> = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            let m = message(p);
            m.contains("小计") || m.contains("合计") || m.contains("相差")
        })
        .collect();
    assert_eq!(flagged.len(), 1, "{flagged:#?}");
    let p = flagged[0];
    assert_eq!(p["severity"], "提示");
    assert_eq!(p["cell"], "项目台账!G9", "{p:#}");
    assert!(message(p).contains("55.1") && message(p).contains("55"), "{p:#}");
    // Same wrong figure with the subtotals above (row 3 合计, 4 小计, 5-6, 7 小计 → G7).
    let (sheet, subs) = grouped(true, [32.5, 55.1]);
    assert_eq!(subs, [4, 7]);
    write_sheets(&w.path("wrong-above.xlsx"), &[sheet, pay()]);
    let (r, j) = report(&w, "wrong-above.xlsx", &args());
    assert_code(&r, &j, 0, "report");
    let flagged: Vec<_> = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            let m = message(p);
            m.contains("小计") || m.contains("合计") || m.contains("相差")
        })
        .collect();
    assert_eq!(flagged.len(), 1, "{flagged:#?}");
    assert_eq!(flagged[0]["cell"], "项目台账!G7", "{:#}", flagged[0]);
}

/// Shape 5: 项目类别 and 资金性质 merged down over three projects each, 村
/// merged over two.
#[test]
fn cells_merged_down_over_data_rows_give_every_project_the_value() {
    let w = Workdir::new();
    // A 项目编号 | B 项目名称 | C 村 | D 项目类别 | E 资金性质 | F 预算金额（万元） | G 建设状态
    let p = Sheet::new(
        "项目",
        vec![
            vec![S("项目编号"), S("项目名称"), S("村"), S("项目类别"), S("资金性质"), S("预算金额（万元）"), S("建设状态")],
            vec![S("VM-01"), S("黑木耳基地"), S("东村"), S("产业项目"), S("衔接资金"), N(10.0), S("在建")],
            vec![S("VM-02"), S("肉牛养殖"), E, E, E, N(20.5), S("在建")],
            vec![S("VM-03"), S("光伏"), S("西村"), E, E, N(4.5), S("在建")],
            vec![S("VM-04"), S("村道"), E, S("基础设施建设项目"), S("整合资金"), N(30.0), S("在建")],
            vec![S("VM-05"), S("边沟"), S("南村"), E, E, N(12.25), S("已完工")],
            vec![S("VM-06"), S("路灯"), E, E, E, N(7.75), S("在建")],
        ],
    )
    .merges(&["C2:C3", "C4:C5", "C6:C7", "D2:D4", "D5:D7", "E2:E4", "E5:E7"]);
    let pay = payment_sheet(
        "拨付",
        &[
            ("VM-01", "2024-03-01", 10.0, ""),
            ("VM-03", "2024-04-01", 2.0, ""),
            ("VM-05", "2024-09-01", 12.25, ""),
        ],
    );
    write_sheets(&w.path("in.xlsx"), &[p, pay]);
    let (r, j) = report(&w, "in.xlsx", &args());
    assert_code(&r, &j, 0, "report");
    assert!(errors(&j).is_empty(), "{:#}", j["problems"]);
    assert_eq!(j["totals"]["project_count"], 6);
    for id in ["VM-01", "VM-02", "VM-03"] {
        assert_eq!(project(&j, id)["category"], "产业项目", "{id}");
        assert_eq!(project(&j, id)["fund_source"], "衔接资金", "{id}");
    }
    for id in ["VM-04", "VM-05", "VM-06"] {
        assert_eq!(project(&j, id)["category"], "基础设施建设项目", "{id}");
        assert_eq!(project(&j, id)["fund_source"], "整合资金", "{id}");
    }
    assert_eq!(j["totals"]["budget"], "85"); // 35 + 50
    assert_eq!(j["totals"]["paid"], "24.25"); // 10 + 2 + 12.25
    assert_eq!(j["totals"]["execution_rate"], "28.53"); // 24.25 ÷ 85 = 0.285294… → 28.53
    let c = group(&j, "by_category", "产业项目");
    assert_eq!(c["project_count"], 3);
    assert_eq!(c["budget"], "35"); // 10 + 20.5 + 4.5
    assert_eq!(c["paid"], "12"); // 10 + 2
    assert_eq!(c["execution_rate"], "34.29"); // 12 ÷ 35 = 0.342857… → 34.29
    let c = group(&j, "by_category", "基础设施建设项目");
    assert_eq!(c["project_count"], 3);
    assert_eq!(c["budget"], "50"); // 30 + 12.25 + 7.75
    assert_eq!(c["paid"], "12.25");
    assert_eq!(c["execution_rate"], "24.50"); // 12.25 ÷ 50 = 0.245 → 24.50
    let f = group(&j, "by_fund_source", "衔接资金");
    assert_eq!((f["budget"].as_str(), f["paid"].as_str()), (Some("35"), Some("12")));
    let f = group(&j, "by_fund_source", "整合资金");
    assert_eq!((f["budget"].as_str(), f["paid"].as_str()), (Some("50"), Some("12.25")));
}

/// Shape 6: the printed ledger repeats its header (and title) on each page.
#[test]
fn a_header_repeated_mid_table_is_skipped() {
    let w = Workdir::new();
    let head = || {
        vec![S("项目编号"), S("项目名称"), S("项目类别"), S("资金性质"), S("预算金额（万元）"), S("建设状态")]
    };
    let row = |id: &'static str, b: f64| {
        vec![S(id), S("项目"), S("产业项目"), S("衔接资金"), N(b), S("在建")]
    };
    let p = Sheet::new(
        "项目台账",
        vec![
            vec![S("某某镇2024年度衔接资金项目台账")],
            head(),
            row("RH-01", 5.0),
            row("RH-02", 6.0),
            row("RH-03", 7.0),
            vec![],
            vec![S("某某镇2024年度衔接资金项目台账")],
            head(),
            row("RH-04", 8.5),
            row("RH-05", 9.0),
            row("RH-06", 10.25),
        ],
    );
    let pay = Sheet::new(
        "拨付",
        vec![
            PAYMENT_HEADER.to_vec(),
            vec![S("RH-01"), D("2024-02-01"), N(5.0), E],
            PAYMENT_HEADER.to_vec(),
            vec![S("RH-05"), D("2024-11-30"), N(4.5), E],
        ],
    );
    write_sheets(&w.path("in.xlsx"), &[p, pay]);
    let (r, j) = report(&w, "in.xlsx", &args());
    assert_code(&r, &j, 0, "report");
    assert!(errors(&j).is_empty(), "{:#}", j["problems"]);
    assert_eq!(
        project_ids(&j),
        ["RH-01", "RH-02", "RH-03", "RH-04", "RH-05", "RH-06"]
    );
    assert_eq!(j["totals"]["budget"], "45.75"); // 5 + 6 + 7 + 8.5 + 9 + 10.25
    assert_eq!(j["totals"]["paid"], "9.5"); // 5 + 4.5
    assert_eq!(j["totals"]["execution_rate"], "20.77"); // 9.5 ÷ 45.75 = 0.207650… → 20.77
}

fn hidden_fixture_rows(budgets: [f64; 3]) -> Vec<Vec<C>> {
    let mut v = vec![PROJECT_HEADER.to_vec()];
    for (i, (id, b)) in ["HS-01", "HS-02", "HS-03"].iter().zip(budgets).enumerate() {
        v.push(vec![S(id), S(["养殖场", "村道", "培训"][i]), S("产业项目"), S("衔接资金"), N(b), E, S("在建")]);
    }
    v
}

/// Shape 7: a hidden old 项目 sheet beside the visible 项目台账 → figures from
/// 项目台账; a book whose only project sheet is hidden → that sheet is used
/// and a 提示 says it was hidden.
#[test]
fn hidden_sheets_lose_to_visible_ones_but_are_used_when_alone() {
    let w = Workdir::new();
    let pay = || {
        payment_sheet(
            "拨付",
            &[("HS-01", "2024-04-01", 20.0, ""), ("HS-03", "2024-07-01", 15.0, "")],
        )
    };
    // Old hidden 项目: 999 + 1 + 0 — must not be read.
    let old = Sheet::new("项目", hidden_fixture_rows([999.0, 1.0, 0.0])).hidden();
    let live = Sheet::new("项目台账", hidden_fixture_rows([40.0, 60.0, 15.0])).active();
    write_sheets(&w.path("both.xlsx"), &[live, old, pay()]);
    let (r, j) = report(&w, "both.xlsx", &args());
    assert_code(&r, &j, 0, "report");
    assert_eq!(j["totals"]["budget"], "115"); // 40 + 60 + 15
    assert_eq!(project(&j, "HS-01")["budget"], "40");
    assert_eq!(j["totals"]["paid"], "35"); // 20 + 15
    assert_eq!(j["totals"]["execution_rate"], "30.43"); // 35 ÷ 115 = 0.304347… → 30.43

    // Only a hidden 项目台账 fits; a visible 说明 is first and active.
    let info = Sheet::new(
        "说明",
        vec![vec![S("单位名称"), S("测试镇")], vec![S("年度"), N(2024.0)]],
    )
    .active();
    let alone = Sheet::new("项目台账", hidden_fixture_rows([40.0, 60.0, 15.0])).hidden();
    write_sheets(&w.path("alone.xlsx"), &[info, alone, pay()]);
    let (r, j) = report(&w, "alone.xlsx", &args());
    assert_code(&r, &j, 0, "report");
    assert_eq!(j["totals"]["project_count"], 3);
    assert_eq!(j["totals"]["budget"], "115");
    assert_eq!(j["totals"]["paid"], "35");
    assert!(
        notes(&j)
            .iter()
            .any(|p| message(p).contains("隐藏") && message(p).contains("项目台账")),
        "a note says the hidden sheet was used: {:#}",
        j["problems"]
    );
}
