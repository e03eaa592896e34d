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
            vec![
                S("序号"),
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("资金性质"),
                S("金额"),
                E,
                S("建设状态"),
            ],
            vec![E, E, E, E, E, S("预算"), S("结算"), E],
            vec![
                N(1.0),
                S("MT-01"),
                S("村道硬化"),
                S("基础设施建设项目"),
                S("衔接资金"),
                N(50.0),
                N(48.5),
                S("已完工"),
            ],
            vec![
                N(2.0),
                S("MT-02"),
                S("肉牛养殖"),
                S("产业项目"),
                S("衔接资金"),
                N(120.0),
                E,
                S("在建"),
            ],
            vec![
                N(3.0),
                S("MT-03"),
                S("雨露计划"),
                S("其他项目"),
                S("衔接资金"),
                N(3.75),
                N(3.75),
                S("已结算"),
            ],
        ],
    )
    .merges(&[
        "A1:H1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:G3", "H3:H4",
    ]);
    write_sheets(&w.path("a.xlsx"), &[a, shape1_payments()]);

    // B: 资金规模 over 合计 | 衔接资金 | 其他资金, 结算金额 merged down; unit line merged.
    //    A 项目编号 | B 项目名称 | C 项目类别 | D 资金性质 | E-G 资金规模 | H 结算金额 | I 建设状态
    let b = Sheet::new(
        "项目明细",
        vec![
            vec![S("某某乡2024年度巩固衔接项目明细表")],
            vec![S("单位：万元")],
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("资金性质"),
                S("资金规模"),
                E,
                E,
                S("结算金额"),
                S("建设状态"),
            ],
            vec![E, E, E, E, S("合计"), S("衔接资金"), S("其他资金"), E, E],
            vec![
                S("MT-01"),
                S("村道硬化"),
                S("基础设施建设项目"),
                S("衔接资金"),
                N(50.0),
                N(50.0),
                E,
                N(48.5),
                S("已完工"),
            ],
            vec![
                S("MT-02"),
                S("肉牛养殖"),
                S("产业项目"),
                S("衔接资金"),
                N(120.0),
                N(120.0),
                E,
                E,
                S("在建"),
            ],
            vec![
                S("MT-03"),
                S("雨露计划"),
                S("其他项目"),
                S("衔接资金"),
                N(3.75),
                N(3.75),
                E,
                N(3.75),
                S("已结算"),
            ],
        ],
    )
    .merges(&[
        "A1:I1", "A2:I2", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:G3", "H3:H4", "I3:I4",
    ]);
    write_sheets(&w.path("b.xlsx"), &[b, shape1_payments()]);

    // C: 投资情况 over 计划投资 | 结算审定金额 (unit on the parent).
    let c = Sheet::new(
        "项目台账",
        vec![
            vec![S("2024年某某村衔接资金项目实施情况")],
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类型"),
                S("资金来源"),
                S("投资情况（万元）"),
                E,
                S("项目状态"),
            ],
            vec![E, E, E, E, S("计划投资"), S("结算审定金额"), E],
            vec![
                S("MT-01"),
                S("村道硬化"),
                S("基础设施建设项目"),
                S("衔接资金"),
                N(50.0),
                N(48.5),
                S("已完工"),
            ],
            vec![
                S("MT-02"),
                S("肉牛养殖"),
                S("产业项目"),
                S("衔接资金"),
                N(120.0),
                E,
                S("在建"),
            ],
            vec![
                S("MT-03"),
                S("雨露计划"),
                S("其他项目"),
                S("衔接资金"),
                N(3.75),
                N(3.75),
                S("已结算"),
            ],
        ],
    )
    .merges(&[
        "A1:G1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2", "G2:G3",
    ]);
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
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("资金性质"),
                S("预算金额（万元）"),
                S("受益对象"),
                E,
                S("建设状态"),
            ],
            vec![E, E, E, E, E, S("受益户数"), S("其中脱贫户"), E],
            vec![
                S("FT-01"),
                S("庭院经济"),
                S("产业项目"),
                S("衔接资金"),
                N(15.0),
                N(120.0),
                N(35.0),
                S("在建"),
            ],
            vec![
                S("FT-02"),
                S("饮水工程"),
                S("基础设施建设项目"),
                S("整合资金"),
                N(28.6),
                N(260.0),
                N(41.0),
                S("已完工"),
            ],
            vec![],
            vec![S("注：1.本表金额单位为万元；2.受益户数含脱贫户。")],
            vec![S("填表人：张三　审核人：李四　联系电话：0439-1234567")],
            vec![S("填报日期：2024年12月31日")],
        ],
    )
    .merges(&[
        "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:G2", "H2:H3",
    ]);
    let pay = payment_sheet(
        "拨付",
        &[
            ("FT-01", "2024-04-01", 10.0, ""),
            ("FT-02", "2024-07-01", 20.0, ""),
        ],
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
        let n = notes(&j)
            .iter()
            .filter(|p| message(p).contains(key))
            .count();
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
    // The sum row as typed SUM formulas, and as plain numbers.
    let formulas = vec![
        E,
        E,
        E,
        E,
        E,
        F("SUM(F2:F4)", 49.75),
        F("SUM(G2:G4)", 19.5),
        E,
    ];
    let numbers = vec![E, E, E, E, E, N(49.75), N(19.5), E];
    for (file, total_row) in [("formulas.xlsx", formulas), ("numbers.xlsx", numbers)] {
        // A 序号 | B 项目编号 | C 项目名称 | D 项目类别 | E 资金性质 | F 预算金额（万元） | G 结算金额（万元） | H 建设状态
        let p = Sheet::new(
            "项目",
            vec![
                vec![
                    S("序号"),
                    S("项目编号"),
                    S("项目名称"),
                    S("项目类别"),
                    S("资金性质"),
                    S("预算金额（万元）"),
                    S("结算金额（万元）"),
                    S("建设状态"),
                ],
                vec![
                    N(1.0),
                    S("UT-01"),
                    S("菌菇大棚"),
                    S("产业项目"),
                    S("衔接资金"),
                    N(12.5),
                    N(12.5),
                    S("已完工"),
                ],
                vec![
                    N(2.0),
                    S("UT-02"),
                    S("桥梁维修"),
                    S("基础设施建设项目"),
                    S("整合资金"),
                    N(30.0),
                    E,
                    S("在建"),
                ],
                vec![
                    N(3.0),
                    S("UT-03"),
                    S("边沟"),
                    S("基础设施建设项目"),
                    S("整合资金"),
                    N(7.25),
                    N(7.0),
                    S("已完工"),
                ],
                // 12.5 + 30 + 7.25 = 49.75; 12.5 + 7 = 19.5
                total_row,
            ],
        );
        let pay = payment_sheet(
            "拨付",
            &[
                ("UT-01", "2024-06-30", 12.5, ""),
                ("UT-03", "2024-08-01", 5.0, ""),
            ],
        );
        write_sheets(&w.path(file), &[p, pay]);
        let (r, j) = report(&w, file, &args());
        assert_code(&r, &j, 0, file);
        assert!(errors(&j).is_empty(), "{file}: {:#}", j["problems"]);
        assert_eq!(project_ids(&j), ["UT-01", "UT-02", "UT-03"], "{file}");
        let t = &j["totals"];
        assert_eq!(t["project_count"], 3, "{file}");
        assert_eq!(t["budget"], "49.75", "{file}"); // 12.5 + 30 + 7.25
        assert_eq!(t["paid"], "17.5", "{file}"); // 12.5 + 5
        assert_eq!(t["execution_rate"], "35.18", "{file}"); // 17.5 ÷ 49.75 = 0.351758… → 35.18
        assert_eq!(t["outstanding"], "2", "{file}"); // UT-01 12.5 − 12.5 = 0; UT-03 7 − 5 = 2
        assert_eq!(t["unspent"], "0.25", "{file}"); // UT-01 0; UT-03 7.25 − 7 = 0.25
        // The sums agree, so nothing to say about them.
        assert!(
            !notes(&j).iter().any(|p| message(p).contains("相差")),
            "{file}: {:#}",
            j["problems"]
        );
    }
}

/// One village's rows: (id, name, category, budget).
type VillageRows = &'static [(&'static str, &'static str, &'static str, f64)];

/// Village-grouped ledger rows: (村, id, name, category, fund, budget).
const GROUPS: &[(&str, VillageRows)] = &[
    (
        "东风村",
        &[
            ("ST-01", "蔬菜大棚", "产业项目", 10.0),
            ("ST-02", "村道", "基础设施建设项目", 22.5),
        ],
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
        vec![
            S("序号"),
            S("村"),
            S("项目编号"),
            S("项目名称"),
            S("项目类别"),
            S("资金性质"),
            S("预算金额（万元）"),
            S("建设状态"),
        ],
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
            rows.push(vec![
                N(n as f64),
                S(village),
                S(id),
                S(name),
                S(cat),
                S("衔接资金"),
                N(*budget),
                S("在建"),
            ]);
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
            &[
                ("ST-01", "2024-05-01", 10.0, ""),
                ("ST-04", "2024-10-01", 20.0, ""),
            ],
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
    // A disagreeing 小计 is an 错误 (R020): exit 1.
    assert_code(&r, &j, 1, "report");
    assert_eq!(
        j["totals"]["budget"], "87.5",
        "a printed subtotal never changes the sums"
    );
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
    assert_eq!(p["severity"], "错误");
    assert_eq!(p["code"], "R020");
    assert_eq!(p["cell"], "项目台账!G9", "{p:#}");
    assert!(
        message(p).contains("55.1") && message(p).contains("55"),
        "{p:#}"
    );
    // Same wrong figure with the subtotals above (row 3 合计, 4 小计, 5-6, 7 小计 → G7).
    let (sheet, subs) = grouped(true, [32.5, 55.1]);
    assert_eq!(subs, [4, 7]);
    write_sheets(&w.path("wrong-above.xlsx"), &[sheet, pay()]);
    let (r, j) = report(&w, "wrong-above.xlsx", &args());
    assert_code(&r, &j, 1, "report");
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
            vec![
                S("项目编号"),
                S("项目名称"),
                S("村"),
                S("项目类别"),
                S("资金性质"),
                S("预算金额（万元）"),
                S("建设状态"),
            ],
            vec![
                S("VM-01"),
                S("黑木耳基地"),
                S("东村"),
                S("产业项目"),
                S("衔接资金"),
                N(10.0),
                S("在建"),
            ],
            vec![S("VM-02"), S("肉牛养殖"), E, E, E, N(20.5), S("在建")],
            vec![S("VM-03"), S("光伏"), S("西村"), E, E, N(4.5), S("在建")],
            vec![
                S("VM-04"),
                S("村道"),
                E,
                S("基础设施建设项目"),
                S("整合资金"),
                N(30.0),
                S("在建"),
            ],
            vec![
                S("VM-05"),
                S("边沟"),
                S("南村"),
                E,
                E,
                N(12.25),
                S("已完工"),
            ],
            vec![S("VM-06"), S("路灯"), E, E, E, N(7.75), S("在建")],
        ],
    )
    .merges(&[
        "C2:C3", "C4:C5", "C6:C7", "D2:D4", "D5:D7", "E2:E4", "E5:E7",
    ]);
    let pay = payment_sheet(
        "拨付",
        &[
            ("VM-01", "2024-03-01", 10.0, ""),
            ("VM-03", "2024-04-01", 2.0, ""),
            ("VM-05", "2024-09-01", 12.25, ""),
        ],
    );
    let book = [p, pay];
    write_sheets(&w.path("in.xlsx"), &book);
    write_sheets_ods(&w.path("in.ods"), &book);
    for f in ["in.xlsx", "in.ods"] {
        let (r, j) = report(&w, f, &args());
        assert_code(&r, &j, 0, f);
        assert!(errors(&j).is_empty(), "{f}: {:#}", j["problems"]);
        assert_eq!(j["totals"]["project_count"], 6, "{f}");
        for id in ["VM-01", "VM-02", "VM-03"] {
            assert_eq!(project(&j, id)["category"], "产业项目", "{f} {id}");
            assert_eq!(project(&j, id)["fund_source"], "衔接资金", "{f} {id}");
        }
        for id in ["VM-04", "VM-05", "VM-06"] {
            assert_eq!(project(&j, id)["category"], "基础设施建设项目", "{f} {id}");
            assert_eq!(project(&j, id)["fund_source"], "整合资金", "{f} {id}");
        }
        assert_eq!(j["totals"]["budget"], "85", "{f}"); // 35 + 50
        assert_eq!(j["totals"]["paid"], "24.25", "{f}"); // 10 + 2 + 12.25
        assert_eq!(j["totals"]["execution_rate"], "28.53", "{f}"); // 24.25 ÷ 85 = 0.285294… → 28.53
        let c = group(&j, "by_category", "产业项目");
        assert_eq!(c["project_count"], 3, "{f}");
        assert_eq!(c["budget"], "35", "{f}"); // 10 + 20.5 + 4.5
        assert_eq!(c["paid"], "12", "{f}"); // 10 + 2
        assert_eq!(c["execution_rate"], "34.29", "{f}"); // 12 ÷ 35 = 0.342857… → 34.29
        let c = group(&j, "by_category", "基础设施建设项目");
        assert_eq!(c["project_count"], 3, "{f}");
        assert_eq!(c["budget"], "50", "{f}"); // 30 + 12.25 + 7.75
        assert_eq!(c["paid"], "12.25", "{f}");
        assert_eq!(c["execution_rate"], "24.50", "{f}"); // 12.25 ÷ 50 = 0.245 → 24.50
        let g = group(&j, "by_fund_source", "衔接资金");
        assert_eq!(
            (g["budget"].as_str(), g["paid"].as_str()),
            (Some("35"), Some("12")),
            "{f}"
        );
        let g = group(&j, "by_fund_source", "整合资金");
        assert_eq!(
            (g["budget"].as_str(), g["paid"].as_str()),
            (Some("50"), Some("12.25")),
            "{f}"
        );
    }
}

/// Shape 6: the printed ledger repeats its header (and title) on each page.
#[test]
fn a_header_repeated_mid_table_is_skipped() {
    let w = Workdir::new();
    let head = || {
        vec![
            S("项目编号"),
            S("项目名称"),
            S("项目类别"),
            S("资金性质"),
            S("预算金额（万元）"),
            S("建设状态"),
        ]
    };
    let row = |id: &'static str, b: f64| {
        vec![
            S(id),
            S("项目"),
            S("产业项目"),
            S("衔接资金"),
            N(b),
            S("在建"),
        ]
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
        v.push(vec![
            S(id),
            S(["养殖场", "村道", "培训"][i]),
            S("产业项目"),
            S("衔接资金"),
            N(b),
            E,
            S("在建"),
        ]);
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
            &[
                ("HS-01", "2024-04-01", 20.0, ""),
                ("HS-03", "2024-07-01", 15.0, ""),
            ],
        )
    };
    // Old hidden 项目: 999 + 1 + 0 — must not be read.
    let old = Sheet::new("项目", hidden_fixture_rows([999.0, 1.0, 0.0])).hidden();
    let live = Sheet::new("项目台账", hidden_fixture_rows([40.0, 60.0, 15.0])).active();
    write_sheets(&w.path("both.xlsx"), &[live, old, pay()]);
    assert!(zip_part(&w.path("both.xlsx"), "xl/workbook.xml").contains(r#"state="hidden""#));
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
    assert!(zip_part(&w.path("alone.xlsx"), "xl/workbook.xml").contains(r#"state="hidden""#));
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

/// Shape 8: header cells with line breaks and spaces inside, 项目库 wording
/// (资金规模及筹资方式 over 合 计 / 衔接资金 / 其他\n资金), 审定结算金额,
/// 建设进度, 计划开工时间, 实施年月 "202404"; and a second ledger with
/// 计划投资（万元）, 结算审定金额, 项目进展.
#[test]
fn header_spellings_with_breaks_spaces_and_project_library_words() {
    let w = Workdir::new();
    let pay = || {
        payment_sheet(
            "拨付",
            &[
                ("HD-01", "2024-08-15", 50.0, ""),
                ("HD-02", "2024-09-20", 10.0, ""),
            ],
        )
    };
    // A 项 目 编 号 | B 项目\n名称 | C 项目类别 | D 资金性质 | E-G 资金规模及筹资方式 | H 审定结算金额 |
    // I 建设进度 | J 计划开工时间 | K 实施年月
    let lib = Sheet::new(
        "项目库",
        vec![
            vec![S("某某镇2024年度巩固拓展脱贫攻坚成果和乡村振兴项目库")],
            vec![S("单位：万元")],
            vec![
                S("项 目 编 号"),
                S("项目\n名称"),
                S("项目类别"),
                S("资金性质"),
                S("资金规模及筹资方式"),
                E,
                E,
                S("审定结算金额"),
                S("建设进度"),
                S("计划开工时间"),
                S("实施年月"),
            ],
            vec![
                E,
                E,
                E,
                E,
                S("合 计"),
                S("衔接资金"),
                S("其他\n资金"),
                E,
                E,
                E,
                E,
            ],
            vec![
                S("HD-01"),
                S("光伏电站"),
                S("产业项目"),
                S("衔接资金"),
                N(80.0),
                N(80.0),
                E,
                N(78.2),
                S("已完工"),
                D("2024-04-01"),
                T("202404".into()),
            ],
            vec![
                S("HD-02"),
                S("文化广场"),
                S("基础设施建设项目"),
                S("其他资金"),
                N(25.0),
                E,
                N(25.0),
                E,
                S("在建"),
                D("2024-06-01"),
                T("202406".into()),
            ],
        ],
    )
    .merges(&[
        "A1:K1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:G3", "H3:H4", "I3:I4", "J3:J4", "K3:K4",
    ]);
    write_sheets(&w.path("lib.xlsx"), &[lib, pay()]);
    // One header row: 计划投资（万元）, 结算审定金额（万元）, 项目进展.
    let plain = Sheet::new(
        "项目",
        vec![
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("资金性质"),
                S("计划投资（万元）"),
                S("结算审定金额（万元）"),
                S("项目进展"),
                S("计划开工时间"),
            ],
            vec![
                S("HD-01"),
                S("光伏电站"),
                S("产业项目"),
                S("衔接资金"),
                N(80.0),
                N(78.2),
                S("已完工"),
                D("2024-04-01"),
            ],
            vec![
                S("HD-02"),
                S("文化广场"),
                S("基础设施建设项目"),
                S("其他资金"),
                N(25.0),
                E,
                S("在建"),
                D("2024-06-01"),
            ],
        ],
    );
    write_sheets(&w.path("plain.xlsx"), &[plain, pay()]);
    for f in ["lib.xlsx", "plain.xlsx"] {
        let (r, j) = report(&w, f, &args());
        assert_code(&r, &j, 0, f);
        assert!(errors(&j).is_empty(), "{f}: {:#}", j["problems"]);
        assert_eq!(project_ids(&j), ["HD-01", "HD-02"], "{f}");
        assert_eq!(project(&j, "HD-01")["name"], "光伏电站", "{f}");
        assert_eq!(project(&j, "HD-01")["status"], "已完工", "{f}");
        assert_eq!(project(&j, "HD-02")["status"], "在建", "{f}");
        let t = &j["totals"];
        assert_eq!(t["budget"], "105", "{f}"); // 80 + 25
        assert_eq!(t["paid"], "60", "{f}"); // 50 + 10
        assert_eq!(t["execution_rate"], "57.14", "{f}"); // 60 ÷ 105 = 0.571428… → 57.14
        assert_eq!(project(&j, "HD-01")["settled"], "78.2", "{f}");
        assert_eq!(t["outstanding"], "28.2", "{f}"); // 78.2 − 50
        assert_eq!(t["unspent"], "1.8", "{f}"); // 80 − 78.2
        assert_eq!(
            group(&j, "by_fund_source", "衔接资金")["budget"],
            "80",
            "{f}"
        );
        assert_eq!(
            group(&j, "by_fund_source", "其他资金")["budget"],
            "25",
            "{f}"
        );
    }
}

/// Shape 9: level and wording variants of 衔接资金 fold into 衔接资金;
/// 自筹 / 社会 / 其他资金 into 其他资金; 就业项目 / 乡村建设行动 / 易地搬迁后扶 /
/// 项目管理费 stay categories of their own; 产业发展 → 产业项目.
#[test]
fn fund_and_category_spellings_fold_into_the_standard_keys() {
    let w = Workdir::new();
    let rows: &[(&str, &str, &str, f64)] = &[
        ("FS-01", "产业发展", "财政衔接资金", 10.0),
        (
            "FS-02",
            "产业项目",
            "中央财政衔接推进乡村振兴补助资金",
            20.0,
        ),
        ("FS-03", "就业项目", "省级衔接资金", 3.0),
        ("FS-04", "乡村建设行动", "市级衔接资金", 4.5),
        ("FS-05", "易地搬迁后扶", "县级财政衔接资金", 6.0),
        ("FS-06", "项目管理费", "自筹资金", 0.8),
        ("FS-07", "基础设施建设项目", "社会资金", 12.0),
        ("FS-08", "其他项目", "其他资金", 1.2),
        ("FS-09", "基础设施建设项目", "整合资金", 30.0),
    ];
    let mut v = vec![PROJECT_HEADER.to_vec()];
    for (id, cat, fund, b) in rows {
        v.push(vec![S(id), S("项目"), S(cat), S(fund), N(*b), E, S("在建")]);
    }
    let pay = payment_sheet(
        "拨付",
        &[
            ("FS-02", "2024-03-01", 10.0, "省级衔接资金"),
            ("FS-07", "2024-05-01", 6.0, "社会资金"),
            ("FS-09", "2024-07-01", 15.0, ""),
        ],
    );
    write_sheets(&w.path("in.xlsx"), &[Sheet::new("项目", v), pay]);
    let (r, j) = report(&w, "in.xlsx", &args());
    assert_code(&r, &j, 0, "report");
    assert!(errors(&j).is_empty(), "{:#}", j["problems"]);
    for id in ["FS-01", "FS-02", "FS-03", "FS-04", "FS-05"] {
        assert_eq!(project(&j, id)["fund_source"], "衔接资金", "{id}");
    }
    for id in ["FS-06", "FS-07", "FS-08"] {
        assert_eq!(project(&j, id)["fund_source"], "其他资金", "{id}");
    }
    let mut keys = group_keys(&j, "by_fund_source");
    keys.sort();
    assert_eq!(keys, ["其他资金", "整合资金", "衔接资金"]);
    let x = group(&j, "by_fund_source", "衔接资金");
    assert_eq!(x["project_count"], 5);
    assert_eq!(x["budget"], "43.5"); // 10 + 20 + 3 + 4.5 + 6
    assert_eq!(x["paid"], "10"); // FS-02's 10 paid from 省级衔接资金
    assert_eq!(x["execution_rate"], "22.99"); // 10 ÷ 43.5 = 0.229885… → 22.99
    let o = group(&j, "by_fund_source", "其他资金");
    assert_eq!(o["project_count"], 3);
    assert_eq!(o["budget"], "14"); // 0.8 + 12 + 1.2
    assert_eq!(o["paid"], "6"); // FS-07's 6 from 社会资金
    assert_eq!(o["execution_rate"], "42.86"); // 6 ÷ 14 = 0.428571… → 42.86
    let z = group(&j, "by_fund_source", "整合资金");
    assert_eq!(
        (z["budget"].as_str(), z["paid"].as_str()),
        (Some("30"), Some("15"))
    );
    assert_eq!(z["execution_rate"], "50.00"); // 15 ÷ 30
    // Categories: 产业项目 FS-01 + FS-02 = 30; 基础设施 12 + 30 = 42; the rest alone.
    assert_eq!(project(&j, "FS-01")["category"], "产业项目");
    let cat = |k: &str| {
        group(&j, "by_category", k)["budget"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(cat("产业项目"), "30");
    assert_eq!(cat("基础设施建设项目"), "42");
    assert_eq!(cat("其他项目"), "1.2");
    assert_eq!(cat("就业项目"), "3");
    assert_eq!(cat("乡村建设行动"), "4.5");
    assert_eq!(cat("易地搬迁后扶"), "6");
    assert_eq!(cat("项目管理费"), "0.8");
    assert_eq!(group_keys(&j, "by_category").len(), 7);
    assert_eq!(j["totals"]["budget"], "87.5"); // 30 + 42 + 1.2 + 3 + 4.5 + 6 + 0.8
    assert_eq!(j["totals"]["paid"], "31"); // 10 + 6 + 15
}

/// Shape 10: budget split over fund columns under 资金规模 (合计 | 中央衔接资金 |
/// 省级衔接资金 | 整合资金 | 其他资金), no 资金性质 column.
#[test]
fn split_funding_budgets_count_under_each_fund() {
    let w = Workdir::new();
    // A 项目编号 | B 项目名称 | C 项目类别 | D-H 资金规模（万元） | I 建设状态
    let p = Sheet::new(
        "项目台账",
        vec![
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("资金规模（万元）"),
                E,
                E,
                E,
                E,
                S("建设状态"),
            ],
            vec![
                E,
                E,
                E,
                S("合计"),
                S("中央衔接资金"),
                S("省级衔接资金"),
                S("整合资金"),
                S("其他资金"),
                E,
            ],
            // 50 = 20 + 10 + 20
            vec![
                S("SF-01"),
                S("肉牛产业园"),
                S("产业项目"),
                N(50.0),
                N(20.0),
                N(10.0),
                N(20.0),
                E,
                S("在建"),
            ],
            // 40 = 36 + 4
            vec![
                S("SF-02"),
                S("村道"),
                S("基础设施建设项目"),
                N(40.0),
                E,
                E,
                N(36.0),
                N(4.0),
                S("在建"),
            ],
            // 15 = 15 (one source only)
            vec![
                S("SF-03"),
                S("菌包厂"),
                S("产业项目"),
                N(15.0),
                N(15.0),
                E,
                E,
                E,
                S("在建"),
            ],
        ],
    )
    .merges(&["A1:A2", "B1:B2", "C1:C2", "D1:H1", "I1:I2"]);
    let pay = payment_sheet(
        "拨付",
        &[
            ("SF-01", "2024-04-01", 12.0, "衔接资金"),
            ("SF-01", "2024-06-01", 8.0, ""), // split-funded, no fund → 未注明资金性质
            ("SF-02", "2024-05-01", 20.0, "整合资金"),
            ("SF-02", "2024-07-01", 3.0, "衔接资金"), // SF-02 has no 衔接资金 budget → 提示
            // SF-03 has a single source (衔接资金): a payment without a fund
            // is that project's fund, as for any single-fund project.
            ("SF-03", "2024-08-01", 5.0, ""),
        ],
    );
    write_sheets(&w.path("in.xlsx"), &[p, pay]);
    let (r, j) = report(&w, "in.xlsx", &args());
    assert_code(&r, &j, 0, "report");
    let by = |id: &str| project(&j, id)["budget_by_fund"].clone();
    // 中央 20 + 省级 10 = 30 衔接资金
    assert_eq!(
        by("SF-01"),
        serde_json::json!({"衔接资金": "30", "整合资金": "20"})
    );
    assert_eq!(
        by("SF-02"),
        serde_json::json!({"整合资金": "36", "其他资金": "4"})
    );
    assert_eq!(by("SF-03"), serde_json::json!({"衔接资金": "15"}));
    assert_eq!(project(&j, "SF-01")["budget"], "50");
    assert_eq!(project(&j, "SF-01")["paid"], "20"); // 12 + 8
    assert_eq!(project(&j, "SF-02")["paid"], "23"); // 20 + 3
    assert_eq!(project(&j, "SF-03")["paid"], "5");
    let t = &j["totals"];
    assert_eq!(t["budget"], "105"); // 50 + 40 + 15
    assert_eq!(t["paid"], "48"); // 12 + 8 + 20 + 3 + 5
    assert_eq!(t["execution_rate"], "45.71"); // 48 ÷ 105 = 0.457142… → 45.71
    let x = group(&j, "by_fund_source", "衔接资金");
    assert_eq!(x["budget"], "45"); // 30 + 15
    assert_eq!(x["paid"], "20"); // 12 + 3 + 5
    // The 3 paid to SF-02 (no 衔接资金 budget) is paid from 衔接资金 but is not
    // execution of its budget (issue 9: no meaningless rate): it is shown on
    // its own (paid_to_other_funds) and kept out of the rate: 17 ÷ 45 = 0.37777… → 37.78
    assert_eq!(x["paid_to_other_funds"], "3");
    assert_eq!(x["execution_rate"], "37.78");
    let z = group(&j, "by_fund_source", "整合资金");
    assert_eq!(z["budget"], "56"); // 20 + 36
    assert_eq!(z["paid"], "20");
    assert_eq!(z["execution_rate"], "35.71"); // 20 ÷ 56 = 0.357142… → 35.71
    let o = group(&j, "by_fund_source", "其他资金");
    assert_eq!(o["budget"], "4");
    assert_eq!(o["paid"], "0");
    assert_eq!(o["execution_rate"], "0.00");
    let u = group(&j, "by_fund_source", "未注明资金性质");
    assert_eq!(u["budget"], "0");
    assert_eq!(u["paid"], "8");
    assert_eq!(u["execution_rate"], serde_json::Value::Null);
    // The four rows' budgets add up to the total: 45 + 56 + 4 + 0 = 105.
    let off: Vec<_> = notes(&j)
        .into_iter()
        .filter(|p| message(p).contains("SF-02") && message(p).contains("衔接资金"))
        .collect();
    assert_eq!(off.len(), 1, "{:#}", j["problems"]);
    assert!(message(off[0]).contains('3'), "{:#}", off[0]);
    assert!(
        !notes(&j)
            .iter()
            .any(|p| message(p).contains("SF-03") && message(p).contains("资金性质")),
        "SF-03's payment is in its only fund: {:#}",
        j["problems"]
    );
}

/// Shape 11: a county 资金支出进度表 — one sheet, a cumulative paid column, no
/// payment sheet, the cut-off date in the title.
#[test]
fn a_cumulative_paid_column_without_payments_takes_the_date_from_the_title() {
    let w = Workdir::new();
    let cases = [
        (
            "资金支出进度表",
            "某某县2024年衔接资金项目资金支出进度表（截至2024年9月30日）",
            "累计支出",
            "2024-09-30",
        ),
        (
            "支出进度",
            "2025年衔接资金项目支出情况（数据截止2025年5月31日）",
            "累计拨付",
            "2025-05-31",
        ),
        (
            "Sheet1",
            "某某镇衔接资金项目拨付进度（截至2024年9月30日）",
            "已拨付金额",
            "2024-09-30",
        ),
    ];
    for (i, (sheet, title, paid_col, as_of)) in cases.iter().enumerate() {
        // A 序号 | B 项目名称 | C 项目类别 | D 资金性质 | E 资金规模 | F (paid) | G 支出进度 | H 建设状态
        let s = Sheet::new(
            sheet,
            vec![
                vec![S(title)],
                vec![E, E, E, E, E, E, E, S("单位：万元")],
                vec![
                    S("序号"),
                    S("项目名称"),
                    S("项目类别"),
                    S("资金性质"),
                    S("资金规模"),
                    S(paid_col),
                    S("支出进度"),
                    S("建设状态"),
                ],
                vec![
                    N(1.0),
                    S("蔬菜大棚"),
                    S("产业项目"),
                    S("衔接资金"),
                    N(60.0),
                    N(45.0),
                    S("75%"),
                    S("在建"),
                ],
                vec![
                    N(2.0),
                    S("入户路"),
                    S("基础设施建设项目"),
                    S("衔接资金"),
                    N(35.5),
                    N(35.5),
                    S("100%"),
                    S("已完工"),
                ],
                vec![
                    N(3.0),
                    S("技能培训"),
                    S("其他项目"),
                    S("整合资金"),
                    N(8.0),
                    N(2.4),
                    S("30%"),
                    S("在建"),
                ],
            ],
        )
        .merge("A1:H1");
        let f = format!("c{i}.xlsx");
        write_sheets(&w.path(&f), &[s]);
        let (r, j) = report(&w, &f, &UNIT); // no --as-of
        assert_code(&r, &j, 0, &f);
        assert_eq!(j["as_of"], *as_of, "{f}");
        assert_eq!(j["totals"]["project_count"], 3, "{f}");
        assert_eq!(j["totals"]["budget"], "103.5", "{f}"); // 60 + 35.5 + 8
        assert_eq!(j["totals"]["paid"], "82.9", "{f}"); // 45 + 35.5 + 2.4
        assert_eq!(j["totals"]["execution_rate"], "80.10", "{f}"); // 82.9 ÷ 103.5 = 0.800966… → 80.10
        assert_eq!(j["totals"]["remaining"], "20.6", "{f}"); // 103.5 − 82.9
        assert_eq!(project(&j, "蔬菜大棚")["paid"], "45", "{f}");
        assert_eq!(project(&j, "技能培训")["paid"], "2.4", "{f}");
        assert_eq!(project(&j, "技能培训")["execution_rate"], "30.00", "{f}"); // 2.4 ÷ 8
        assert_eq!(
            group(&j, "by_fund_source", "衔接资金")["paid"],
            "80.5",
            "{f}"
        ); // 45 + 35.5
        assert_eq!(
            j["monthly"],
            serde_json::json!([]),
            "{f}: no dated payments"
        );
        assert!(errors(&j).is_empty(), "{f}: {:#}", j["problems"]);
    }
}

/// MC rows: (id, name, budget, [1月..12月], printed 累计).
const MONTH_ROWS: &[(&str, &str, f64, [f64; 12], f64)] = &[
    // 3月 10 + 6月 15 + 9月 5 = 30 ✓
    (
        "MC-01",
        "香菇大棚",
        50.0,
        [0.0, 0.0, 10.0, 0.0, 0.0, 15.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0],
        30.0,
    ),
    // 1月 2.5 + 6月 7.5 = 10 ✓
    (
        "MC-02",
        "村道",
        20.0,
        [2.5, 0.0, 0.0, 0.0, 0.0, 7.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        10.0,
    ),
    // 11月 4 ≠ printed 5 → 提示
    (
        "MC-03",
        "培训",
        8.0,
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0, 0.0],
        5.0,
    ),
];

/// A 项目编号 | B 项目名称 | C 项目类别 | D 资金性质 | E budget | F-Q months | R 累计.
/// Row 1 title, rows 2-3 header, rows 4-6 MC-01..03 (MC-03's 累计 is R6).
fn month_sheet(
    parent: &'static str,
    month: fn(usize) -> String,
    budget: &'static str,
    cum: &'static str,
) -> Sheet {
    let mut h1 = vec![
        S("项目编号"),
        S("项目名称"),
        S("项目类别"),
        S("资金性质"),
        S(budget),
        S(parent),
    ];
    h1.extend(std::iter::repeat_n(E, 11));
    h1.push(S(cum));
    let mut h2 = vec![E, E, E, E, E];
    h2.extend((1..=12).map(|m| T(month(m))));
    h2.push(E);
    let mut rows = vec![vec![S("某某镇2024年衔接资金项目月度拨付台账")], h1, h2];
    for (id, name, b, months, total) in MONTH_ROWS {
        let mut r = vec![S(id), S(name), S("产业项目"), S("衔接资金"), N(*b)];
        r.extend(months.iter().map(|m| if *m == 0.0 { E } else { N(*m) }));
        r.push(N(*total));
        rows.push(r);
    }
    Sheet::new("项目", rows).merges(&[
        "A1:R1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:Q2", "R2:R3",
    ])
}

/// Shape 12: a 拨付金额 parent over 1月 … 12月 (or 2024年1月 …) and a 累计
/// column: each month cell is a payment on the month's last day.
#[test]
fn month_columns_are_payments_on_the_last_day_of_each_month() {
    let w = Workdir::new();
    write_sheets(
        &w.path("a.xlsx"),
        &[month_sheet(
            "拨付金额",
            |m| format!("{m}月"),
            "预算金额（万元）",
            "累计",
        )],
    );
    write_sheets(
        &w.path("b.xlsx"),
        &[month_sheet(
            "月度支出（万元）",
            |m| format!("2024年{m}月"),
            "资金规模（万元）",
            "累计支出",
        )],
    );
    for f in ["a.xlsx", "b.xlsx"] {
        let (r, j) = report(&w, f, &args());
        // MC-03's printed 累计 disagrees with its months: an 错误 (exit 1).
        assert_code(&r, &j, 1, f);
        let t = &j["totals"];
        assert_eq!(t["project_count"], 3, "{f}");
        assert_eq!(t["budget"], "78", "{f}"); // 50 + 20 + 8
        assert_eq!(t["paid"], "44", "{f}"); // 30 + 10 + 4 (months, not the printed 5)
        assert_eq!(t["execution_rate"], "56.41", "{f}"); // 44 ÷ 78 = 0.564102… → 56.41
        assert_eq!(project(&j, "MC-01")["paid"], "30", "{f}");
        assert_eq!(project(&j, "MC-03")["paid"], "4", "{f}");
        // month, paid that month, cumulative
        for (m, paid, cum) in [
            ("2024-01", "2.5", "2.5"),
            ("2024-03", "10", "12.5"),
            ("2024-06", "22.5", "35"), // 15 + 7.5; 2.5 + 10 + 22.5
            ("2024-09", "5", "40"),
            ("2024-11", "4", "44"),
            ("2024-12", "0", "44"),
        ] {
            let e = month(&j, m).unwrap_or_else(|| panic!("{f}: no {m}: {:#}", j["monthly"]));
            assert_eq!(
                (e["paid"].as_str(), e["cumulative_paid"].as_str()),
                (Some(paid), Some(cum)),
                "{f} {m}"
            );
        }
        assert_eq!(
            month(&j, "2024-06").unwrap()["execution_rate"],
            "44.87",
            "{f}"
        ); // 35 ÷ 78 = 0.448717… → 44.87
        if let Some(e) = month(&j, "2024-02") {
            assert_eq!(e["paid"], "0", "{f}");
        }
        // MC-03: printed 累计 5 ≠ 11月 4: the only 错误 (R022), naming both.
        let errs = errors(&j);
        assert_eq!(errs.len(), 1, "{f}: {:#}", j["problems"]);
        let p = errs[0];
        assert_eq!(
            (p["cell"].as_str(), p["code"].as_str()),
            (Some("项目!R6"), Some("R022")),
            "{p:#}"
        );
        assert!(
            message(p).contains("累计 5 万元") && message(p).contains("之和 4 万元"),
            "{p:#}"
        );
        for cell in ["项目!R4", "项目!R5"] {
            assert!(
                !j["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["cell"] == cell),
                "{f}: {cell} agrees"
            );
        }
        // June's payments are dated 2024-06-30: not yet paid on 06-29.
        let (r, j) = report(&w, f, &["--as-of", "2024-06-29", "--unit", "测试镇"]);
        assert_code(&r, &j, 1, f);
        assert_eq!(j["totals"]["paid"], "12.5", "{f}"); // 1月 2.5 + 3月 10
        let (_, j) = report(&w, f, &["--as-of", "2024-06-30", "--unit", "测试镇"]);
        assert_eq!(j["totals"]["paid"], "35", "{f}"); // + 6月 22.5
    }
}

/// Shape 13: no 资金性质 column; the title names the fund.
#[test]
fn the_title_names_the_fund_when_no_column_does() {
    let w = Workdir::new();
    for (f, title, fund) in [
        (
            "x.xlsx",
            "某某镇2024年财政衔接推进乡村振兴补助资金项目支出进度表",
            "衔接资金",
        ),
        ("z.xlsx", "某某县2024年统筹整合涉农资金项目台账", "整合资金"),
    ] {
        let p = Sheet::new(
            "项目",
            vec![
                vec![S(title)],
                vec![
                    S("项目编号"),
                    S("项目名称"),
                    S("项目类别"),
                    S("预算金额（万元）"),
                    S("建设状态"),
                ],
                vec![S("TF-01"), S("种植基地"), S("产业项目"), N(25.0), S("在建")],
                vec![
                    S("TF-02"),
                    S("排水沟"),
                    S("基础设施建设项目"),
                    N(14.6),
                    S("在建"),
                ],
            ],
        )
        .merge("A1:E1");
        let pay = Sheet::new(
            "拨付",
            vec![
                vec![S("项目编号"), S("拨付日期"), S("拨付金额（万元）")],
                vec![S("TF-01"), D("2024-05-20"), N(10.0)],
            ],
        );
        write_sheets(&w.path(f), &[p, pay]);
        let (r, j) = report(&w, f, &args());
        assert_code(&r, &j, 0, f);
        for id in ["TF-01", "TF-02"] {
            assert_eq!(project(&j, id)["fund_source"], fund, "{f} {id}");
        }
        assert_eq!(group_keys(&j, "by_fund_source"), [fund], "{f}");
        let g = group(&j, "by_fund_source", fund);
        assert_eq!(g["budget"], "39.6", "{f}"); // 25 + 14.6
        assert_eq!(g["paid"], "10", "{f}");
        assert_eq!(g["execution_rate"], "25.25", "{f}"); // 10 ÷ 39.6 = 0.252525… → 25.25
        assert!(
            notes(&j)
                .iter()
                .any(|p| p["cell"] == "项目!A1" || message(p).contains("标题")),
            "{f}: a note says the fund came from the title: {:#}",
            j["problems"]
        );
    }
}

/// Shape 14: a 项目库 whose budget header no alias knows (盘子资金) and no
/// fund column. Without a mapping: exit 2 with a message naming the sheet,
/// the columns found, and the mapping line that fixes it. With one: figures.
///
/// Mapping syntax assumed (issue 9): `[columns.项目] 预算金额 = "盘子资金"`;
/// `[defaults.项目] 资金性质 = "衔接资金"` (a value for every row when the
/// sheet has no such column); `[header_rows] 项目 = [4, 5]` (1-based rows of
/// the header); `[skip_rows] 项目 = [8]` (1-based rows that are not records).
#[test]
fn a_mapping_file_reads_any_header_and_the_error_says_how() {
    let w = Workdir::new();
    let pay = || payment_sheet("拨付", &[("MP-01", "2024-06-01", 11.0, "")]);
    let lib = Sheet::new(
        "项目库",
        vec![
            vec![S("某某镇2024年项目库")],
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("盘子资金"),
                S("建设状态"),
            ],
            vec![S("MP-01"), S("冷链仓储"), S("产业项目"), N(33.0), S("在建")],
            vec![S("MP-02"), S("项目管理"), S("其他项目"), N(7.4), S("在建")],
        ],
    );
    write_sheets(&w.path("lib.xlsx"), &[lib, pay()]);
    let (r, _) = report(&w, "lib.xlsx", &args());
    assert_eq!(r.code, 2, "{}", r.stderr);
    for s in ["项目库", "盘子资金", "预算金额 = \""] {
        assert!(r.stderr.contains(s), "message names {s}: {}", r.stderr);
    }
    std::fs::write(
        w.path("map.toml"),
        "[columns.项目]\n预算金额 = \"盘子资金\"\n\n[defaults.项目]\n资金性质 = \"衔接资金\"\n",
    )
    .unwrap();
    let mut a = args();
    a.extend(["--mapping", "map.toml"]);
    let (r, j) = report(&w, "lib.xlsx", &a);
    assert_code(&r, &j, 0, "with mapping");
    let check = |j: &serde_json::Value, what: &str| {
        assert_eq!(project_ids(j), ["MP-01", "MP-02"], "{what}");
        assert_eq!(j["totals"]["budget"], "40.4", "{what}"); // 33 + 7.4
        assert_eq!(j["totals"]["paid"], "11", "{what}");
        assert_eq!(j["totals"]["execution_rate"], "27.23", "{what}"); // 11 ÷ 40.4 = 0.272277… → 27.23
        assert_eq!(group_keys(j, "by_fund_source"), ["衔接资金"], "{what}");
        assert!(errors(j).is_empty(), "{what}: {:#}", j["problems"]);
    };
    check(&j, "columns + defaults");

    // header_rows / skip_rows: rows 1 title, 2 单位, 3 blank, 4-5 header
    // (盘子资金 merged down, 其中 over 一期 / 二期), 6-7 projects, 8 a void row.
    let lib2 = Sheet::new(
        "项目库",
        vec![
            vec![S("某某镇2024年项目库")],
            vec![S("单位：万元")],
            vec![],
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("盘子资金"),
                S("其中"),
                E,
                S("建设状态"),
            ],
            vec![E, E, E, E, S("一期"), S("二期"), E],
            vec![
                S("MP-01"),
                S("冷链仓储"),
                S("产业项目"),
                N(33.0),
                N(30.0),
                N(3.0),
                S("在建"),
            ],
            vec![
                S("MP-02"),
                S("项目管理"),
                S("其他项目"),
                N(7.4),
                N(7.4),
                E,
                S("在建"),
            ],
            vec![
                S("MP-09"),
                S("作废"),
                S("产业项目"),
                S("已取消"),
                E,
                E,
                S("作废"),
            ],
        ],
    )
    .merges(&["A4:A5", "B4:B5", "C4:C5", "D4:D5", "E4:F4", "G4:G5"]);
    write_sheets(&w.path("lib2.xlsx"), &[lib2, pay()]);
    std::fs::write(
        w.path("map2.toml"),
        "[header_rows]\n项目 = [4, 5]\n\n[skip_rows]\n项目 = [8]\n\n[columns.项目]\n预算金额 = \"盘子资金\"\n\n[defaults.项目]\n资金性质 = \"衔接资金\"\n",
    )
    .unwrap();
    let mut a = args();
    a.extend(["--mapping", "map2.toml"]);
    let (r, j) = report(&w, "lib2.xlsx", &a);
    assert_code(&r, &j, 0, "header_rows + skip_rows");
    check(&j, "header_rows + skip_rows");
}

/// Shape 15 (issue 10): units stated in a form line, in 千元 and 亿元 headers,
/// and two units stated for one column.
#[test]
fn units_from_form_lines_thousands_and_hundred_millions_and_conflicts() {
    let w = Workdir::new();
    // (a) "填报单位：…（盖章）　　单位：元" in A1 (full-width colons and spaces).
    let p = Sheet::new(
        "项目",
        vec![
            vec![S("填报单位：某某镇人民政府（盖章）　　单位：元")],
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("资金性质"),
                S("预算金额"),
                S("结算金额"),
                S("建设状态"),
            ],
            vec![
                S("UN-01"),
                S("冷库"),
                S("产业项目"),
                S("衔接资金"),
                N(330000.0),
                N(328765.0),
                S("已完工"),
            ],
            vec![
                S("UN-02"),
                S("路灯"),
                S("基础设施建设项目"),
                S("衔接资金"),
                N(125000.0),
                E,
                S("在建"),
            ],
        ],
    );
    let pay = Sheet::new(
        "拨付",
        vec![
            vec![S("项目编号"), S("拨付日期"), S("拨付金额（千元）")],
            vec![S("UN-01"), D("2024-05-01"), N(200.0)], // 200 千元 = 20 万元
            vec![S("UN-02"), D("2024-06-01"), N(12.345)], // 12.345 千元 = 12345 元 = 1.2345 万元
        ],
    );
    write_sheets(&w.path("yuan.xlsx"), &[p, pay]);
    let (r, j) = report(&w, "yuan.xlsx", &args());
    assert_code(&r, &j, 0, "yuan");
    assert_eq!(project(&j, "UN-01")["budget"], "33"); // 330,000 元
    assert_eq!(project(&j, "UN-02")["budget"], "12.5"); // 125,000 元
    assert_eq!(project(&j, "UN-01")["settled"], "32.8765"); // 328,765 元
    assert_eq!(project(&j, "UN-01")["paid"], "20");
    assert_eq!(project(&j, "UN-02")["paid"], "1.2345");
    assert_eq!(project(&j, "UN-01")["outstanding"], "12.8765"); // 32.8765 − 20
    assert_eq!(project(&j, "UN-01")["unspent"], "0.1235"); // 33 − 32.8765
    assert_eq!(j["totals"]["budget"], "45.5"); // 33 + 12.5
    assert_eq!(j["totals"]["paid"], "21.2345"); // 20 + 1.2345
    assert_eq!(j["totals"]["execution_rate"], "46.67"); // 21.2345 ÷ 45.5 = 0.466692… → 46.67
    assert!(
        !j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| message(p).contains("看起来像是元")),
        "the unit is stated: {:#}",
        j["problems"]
    );

    // (b) 亿元 header: 0.0035 亿元 = 35 万元; 0.00125 亿元 = 12.5 万元.
    let p = Sheet::new(
        "项目",
        vec![
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("资金性质"),
                S("预算金额（亿元）"),
                S("建设状态"),
            ],
            vec![
                S("UY-01"),
                S("产业园"),
                S("产业项目"),
                S("衔接资金"),
                N(0.0035),
                S("在建"),
            ],
            vec![
                S("UY-02"),
                S("道路"),
                S("基础设施建设项目"),
                S("整合资金"),
                N(0.00125),
                S("在建"),
            ],
        ],
    );
    let pay = payment_sheet("拨付", &[("UY-01", "2024-05-01", 35.0, "")]);
    write_sheets(&w.path("yi.xlsx"), &[p, pay]);
    let (r, j) = report(&w, "yi.xlsx", &args());
    assert_code(&r, &j, 0, "yi");
    assert_eq!(project(&j, "UY-01")["budget"], "35");
    assert_eq!(project(&j, "UY-02")["budget"], "12.5");
    assert_eq!(j["totals"]["budget"], "47.5"); // 35 + 12.5
    assert_eq!(j["totals"]["execution_rate"], "73.68"); // 35 ÷ 47.5 = 0.736842… → 73.68

    // (c) "单位：元" in A1 and "预算金额（万元）" in E2: two units for one column.
    let p = Sheet::new(
        "项目",
        vec![
            vec![S("单位：元")],
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("资金性质"),
                S("预算金额（万元）"),
                S("建设状态"),
            ],
            vec![
                S("UC-01"),
                S("冷库"),
                S("产业项目"),
                S("衔接资金"),
                N(330000.0),
                S("在建"),
            ],
        ],
    );
    write_sheets(&w.path("both.xlsx"), &[p, payment_sheet("拨付", &[])]);
    let (r, j) = report(&w, "both.xlsx", &args());
    let named = |m: &str| m.contains("A1") && m.contains("E2");
    match r.code {
        2 => assert!(named(&r.stderr), "names both cells: {}", r.stderr),
        1 => assert!(
            errors(&j).iter().any(|p| named(message(p))),
            "an 错误 names both cells: {:#}",
            j["problems"]
        ),
        c => panic!(
            "two units for one column must not pass (exit {c}): {:#}",
            j["problems"]
        ),
    }
}

/// The 绩效目标申报表's 资金情况 follows each project's own split, line by line
/// as typed — never a line worked out by subtraction (a split that does not
/// add up to the 合计 once printed 整合资金 −10).
#[test]
fn target_form_money_block_follows_the_split_and_never_goes_negative() {
    let w = Workdir::new();
    let p = Sheet::new(
        "项目台账",
        vec![
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("资金规模（万元）"),
                E,
                E,
                E,
                S("建设状态"),
            ],
            vec![
                E,
                E,
                E,
                S("合计"),
                S("衔接资金"),
                S("整合资金"),
                S("其他资金"),
                E,
            ],
            // 50 ≠ 30 + 30: the reader warns; the form shows the lines as typed.
            vec![
                S("MM-01"),
                S("肉牛产业园"),
                S("产业项目"),
                N(50.0),
                N(30.0),
                E,
                N(30.0),
                S("在建"),
            ],
            // 40 ≠ 10 + 10
            vec![
                S("MM-02"),
                S("村道"),
                S("基础设施建设项目"),
                N(40.0),
                N(10.0),
                N(10.0),
                E,
                S("在建"),
            ],
            // 45 = 20 + 15 + 10
            vec![
                S("MM-03"),
                S("菌包厂"),
                S("产业项目"),
                N(45.0),
                N(20.0),
                N(15.0),
                N(10.0),
                S("在建"),
            ],
        ],
    )
    .merges(&["A1:A2", "B1:B2", "C1:C2", "D1:G1", "H1:H2"]);
    let pay = payment_sheet("拨付", &[("MM-03", "2024-04-01", 5.0, "衔接资金")]);
    write_sheets(&w.path("in.xlsx"), &[p, pay]);
    let r = w.run(&[
        "report",
        "in.xlsx",
        "--as-of",
        "2024-12-31",
        "-o",
        "out.xlsx",
        "--forms",
        "forms.xlsx",
        "--json",
        "r.json",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let j = read_json(&w.path("r.json"));
    let said = |id: &str| {
        j["problems"].as_array().unwrap().iter().any(|p| {
            let m = p["message"].as_str().unwrap_or_default();
            m.contains("各资金来源之和") && m.contains(id)
        })
    };
    assert!(said("50") && said("40"), "{}", j["problems"]);
    let forms = w.path("forms.xlsx");
    // Rows 4–8 of 目标-…: 年度资金总额, 其中：财政拨款, 衔接资金, 其他涉农整合资金, 其他资金 (column E).
    let line = |id: &str, row: u32| match sheet_cell(&forms, &format!("目标-{id}"), row, 4) {
        calamine::Data::Float(f) => Some(f),
        calamine::Data::Int(i) => Some(i as f64),
        _ => None, // "—"
    };
    let block = |id: &str| (4..=8).map(|r| line(id, r)).collect::<Vec<_>>();
    assert_eq!(
        block("MM-01"),
        [Some(50.0), Some(30.0), Some(30.0), Some(0.0), Some(30.0)]
    );
    assert_eq!(
        block("MM-02"),
        [Some(40.0), Some(20.0), Some(10.0), Some(10.0), None]
    );
    assert_eq!(
        block("MM-03"),
        [Some(45.0), Some(35.0), Some(20.0), Some(15.0), Some(10.0)]
    );
    // The totals that the lines don't add up to carry a note saying so.
    let notes = zip_part(&forms, "xl/comments");
    assert!(
        notes.contains("各资金来源之和 60 万元与年度资金总额 50 万元不符"),
        "{notes}"
    );
    assert!(
        notes.contains("各资金来源之和 20 万元与年度资金总额 40 万元不符"),
        "{notes}"
    );
    assert_eq!(
        notes.matches("各资金来源之和").count(),
        2,
        "not MM-03: {notes}"
    );
    for id in ["MM-01", "MM-02", "MM-03"] {
        assert!(
            block(id).iter().flatten().all(|v| *v >= 0.0),
            "{id}: {:?}",
            block(id)
        );
    }
}
