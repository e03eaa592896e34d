//! `jixiao notice`: the 年度计划 table and the 结果公示, figures checked by
//! hand against the sample and small ledgers built here.

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
/// The text of a .docx (runs joined, one line a paragraph).
fn docx_text(path: &std::path::Path) -> String {
    let xml = zip_part(path, "word/document.xml");
    let mut out = String::new();
    for para in xml.split("</w:p>") {
        let mut rest = para;
        while let Some(i) = rest.find("<w:t") {
            let after = &rest[i..];
            let Some(open) = after.find('>') else { break };
            let Some(close) = after.find("</w:t>") else {
                break;
            };
            if open < close {
                out.push_str(&after[open + 1..close]);
            }
            rest = &after[close + 6..];
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_sample_plan_table() {
    let w = Workdir::new();
    let r = w.run(&[
        "notice",
        SAMPLE,
        "--stage",
        "plan",
        "-o",
        "计划.xlsx",
        "--json",
        "p.json",
        "--date",
        "2026-03-01",
        "--phone",
        "0439-1234567",
        "--county",
        "靖宇县",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = w.path("计划.xlsx");
    let names: Vec<String> = read_cells(&out).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["年度计划公示", "核对", "问题清单"]);
    // The published column order (文峰区 2026).
    let heads: Vec<String> = (0..12)
        .map(|c| sheet_cell(&out, "年度计划公示", 2, c).to_string())
        .collect();
    assert_eq!(
        heads,
        [
            "序号",
            "县（市、区）",
            "项目名称",
            "项目类型",
            "建设性质",
            "实施地点",
            "建设内容",
            "投资概算（万元）",
            "预期绩效目标",
            "联农带农机制",
            "实施期限",
            "责任单位"
        ]
    );
    let cell = |r, c| sheet_cell(&out, "年度计划公示", r, c);
    assert_eq!(cell(4, 1).to_string(), "靖宇县");
    assert_eq!(cell(4, 2).to_string(), "靖宇县靖宇镇河南村牛场建设项目");
    assert_eq!(cell(4, 7), calamine::Data::Float(166.0));
    assert_eq!(cell(4, 10).to_string(), "2023年5月—2023年10月");
    assert!(cell(4, 8).to_string().contains("新建牛舍面积≥720平方米"));
    // Total: 7 projects, 46.6 + 166 + 85 + 100 + 4.5 + 5 + 1.4587 = 408.5587.
    assert_eq!(cell(10, 0).to_string(), "合计");
    assert_eq!(cell(10, 2).to_string(), "7个");
    assert_eq!(cell(10, 7), calamine::Data::Float(408.5587));
    // 公示期 10 days from --date, the phone and 12317.
    let foot = format!("{}{}", cell(12, 0), cell(13, 0));
    assert!(
        foot.contains("2026年3月1日至2026年3月10日（10天）"),
        "{foot}"
    );
    assert!(
        foot.contains("0439-1234567") && foot.contains("12317"),
        "{foot}"
    );
    let j = read_json(&w.path("p.json"));
    assert_eq!(j["stage"], "plan");
    assert_eq!(dec(&j["plan_total"]), d("408.5587"));
    assert_eq!(j["plan"].as_array().unwrap().len(), 7);
    assert_eq!(j["posting"]["end"], "2026-03-10");
    // The sample's 建设内容 agree with its targets (2栋 × 每栋360 = 720平方米).
    assert!(
        j["checks"].as_array().unwrap().is_empty(),
        "{}",
        j["checks"]
    );
}

#[test]
fn the_sample_result_notice() {
    let w = Workdir::new();
    let r = w.run(&[
        "notice",
        SAMPLE,
        "--stage",
        "result",
        "-o",
        "结果.docx",
        "--json",
        "r.json",
        "--date",
        "2026-01-10",
        "--days",
        "15",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // No phone given: a marker to fill, said on the screen.
    assert!(r.stderr.contains("监督举报电话"), "{}", r.stderr);
    let text = docx_text(&w.path("结果.docx"));
    assert!(
        text.contains("靖宇镇2023年度衔接资金及整合资金项目"),
        "{text}"
    );
    assert!(text.contains("实施结果公示"));
    // One block per completed project, in the official order.
    for h in [
        "（一）资金使用情况",
        "（二）项目实施结果",
        "（三）检查验收结果",
        "（四）绩效目标实现情况",
    ] {
        assert_eq!(text.matches(h).count(), 7, "{h}");
    }
    // 牛场: settled at the plan, nothing left; 30 + 30 paid of 166 → 106 待拨付.
    assert!(text.contains("该项目计划投资166万元，结算价166万元，无结余；截至2024年5月31日已拨付60万元，待拨付106万元。"), "{text}");
    // Road: 85 − 83.0827 = 1.9173 returns to the treasury.
    assert!(
        text.contains("计划投资85万元，结算价83.0827万元，项目结余1.9173万元，结余资金退回财政")
    );
    // 示范创建: 100 − 98.129 = 1.871; 98.129 − 67.8038 = 30.3252 to pay.
    assert!(text.contains("项目结余1.871万元") && text.contains("待拨付30.3252万元"));
    assert!(text.contains("项目于2023年5月10日开工，2023年10月20日完工。"));
    assert!(text.contains("经检查验收，工程验收合格率100%。"));
    assert!(text.contains("新建牛舍面积目标≥720平方米，实际完成720平方米"));
    // 公示期 of 15 days from 10 January: to 24 January.
    assert!(
        text.contains("公示期为2026年1月10日至2026年1月24日（15天）"),
        "{text}"
    );
    assert!(text.contains("12317"));
    let j = read_json(&w.path("r.json"));
    let ps = j["projects"].as_array().unwrap();
    assert_eq!(ps.len(), 7);
    let p = |id: &str| ps.iter().find(|p| p["project_id"] == id).unwrap();
    assert_eq!(dec(&p("JY2023-03")["unspent"]), d("1.9173"));
    assert_eq!(p("JY2023-03")["returns_to_treasury"], true);
    assert_eq!(p("JY2023-02")["returns_to_treasury"], false);
    // 以奖代补: 46.6 − 10.22 = 36.38.
    assert_eq!(dec(&p("JY2023-01")["unspent"]), d("36.38"));
    assert_eq!(dec(&p("JY2023-04")["outstanding"]), d("30.3252"));
    assert_eq!(p("JY2023-02")["indicators"].as_array().unwrap().len(), 8);
}

const HEAD: [C; 11] = [
    S("项目编号"),
    S("项目名称"),
    S("项目类别"),
    S("资金性质"),
    S("预算金额（万元）"),
    S("结算金额（万元）"),
    S("建设状态"),
    S("建设地点"),
    S("开工日期"),
    S("完工日期"),
    S("年度目标"),
];

fn ledger(w: &Workdir, rows: Vec<Vec<C>>, indicators: Vec<Vec<C>>) {
    let mut projects = vec![HEAD.to_vec()];
    projects.extend(rows);
    let mut inds = vec![vec![
        S("项目编号"),
        S("一级指标"),
        S("二级指标"),
        S("三级指标"),
        S("指标值"),
        S("实际完成值"),
    ]];
    inds.extend(indicators);
    write_book(
        &w.path("l.xlsx"),
        &[
            ("项目", projects),
            ("绩效指标", inds),
            (
                "说明",
                vec![
                    vec![S("单位名称"), S("文峰镇")],
                    vec![S("年度"), N(2026.0)],
                    vec![S("截止日期"), D("2026-11-30")],
                ],
            ),
        ],
    );
}

#[test]
fn quantities_that_disagree_are_listed() {
    let w = Workdir::new();
    ledger(
        &w,
        vec![
            // The published row: 18 roads of 30079 m² against "完成550米道路".
            vec![
                S("R1"),
                S("村内道路硬化"),
                S("基础设施建设项目"),
                S("中央财政常态化帮扶资金"),
                N(300.0),
                E,
                S("在建"),
                S("各村"),
                D("2026-04-01"),
                D("2026-12-20"),
                S("18条道路 30079平方米"),
            ],
            // Same unit, another figure: 1.2公里 = 1200米 vs ≥1300米.
            vec![
                S("R2"),
                S("东村产业路"),
                S("基础设施建设项目"),
                S("衔接资金"),
                N(90.0),
                E,
                S("在建"),
                S("东村"),
                D("2026-04-01"),
                D("2026-12-20"),
                S("新建产业路1.2公里"),
            ],
            // Agrees: 2 × 每栋500 = 1000.
            vec![
                S("R3"),
                S("西村大棚"),
                S("产业项目"),
                S("衔接资金"),
                N(60.0),
                E,
                S("在建"),
                S("西村"),
                D("2026-04-01"),
                D("2026-12-20"),
                S("新建大棚2栋（每栋500平方米）"),
            ],
        ],
        vec![
            vec![
                S("R1"),
                S("产出指标"),
                S("数量指标"),
                S("完成道路"),
                S("550米"),
                E,
            ],
            vec![
                S("R2"),
                S("产出指标"),
                S("数量指标"),
                S("新建产业路长度"),
                S("≥1300米"),
                E,
            ],
            vec![
                S("R3"),
                S("产出指标"),
                S("数量指标"),
                S("新建大棚面积"),
                S("≥1000平方米"),
                E,
            ],
        ],
    );
    let r = w.run(&[
        "notice",
        "l.xlsx",
        "--stage",
        "plan",
        "-o",
        "p.xlsx",
        "--json",
        "p.json",
        "--date",
        "2026-03-01",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let j = read_json(&w.path("p.json"));
    let checks = j["checks"].as_array().unwrap();
    let ids: Vec<&str> = checks
        .iter()
        .map(|c| c["project_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["R1", "R2"], "{checks:?}");
    // 30079 ÷ 550 = 54.689… → 54.69 米 wide.
    assert!(
        checks[0]["message"].as_str().unwrap().contains("54.69"),
        "{}",
        checks[0]
    );
    assert!(
        checks[1]["message"].as_str().unwrap().contains("1200米"),
        "{}",
        checks[1]
    );
    assert!(r.stderr.contains("[核对]"), "{}", r.stderr);
    // Listed on the 核对 sheet too.
    let out = w.path("p.xlsx");
    assert_eq!(sheet_cell(&out, "核对", 1, 0).to_string(), "R1");
    assert_eq!(sheet_cell(&out, "核对", 2, 0).to_string(), "R2");
    // 2026: the family's 2026 title; nothing completed → an empty result notice.
    assert!(
        sheet_cell(&out, "年度计划公示", 0, 0)
            .to_string()
            .contains("常态化帮扶资金")
    );
    let r = w.run(&[
        "notice", "l.xlsx", "--stage", "result", "-o", "r.docx", "--json", "r.json", "--phone",
        "12345",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let j = read_json(&w.path("r.json"));
    assert!(j["projects"].as_array().unwrap().is_empty());
    assert_eq!(j["not_completed"].as_array().unwrap().len(), 3);
    let text = docx_text(&w.path("r.docx"));
    assert!(text.contains("没有已完工的项目"), "{text}");
    assert!(text.contains("监督举报电话：12345"));
}

#[test]
fn a_completed_project_not_yet_settled() {
    let w = Workdir::new();
    ledger(
        &w,
        vec![vec![
            S("S1"),
            S("南村饮水工程"),
            S("基础设施建设项目"),
            S("衔接资金"),
            N(40.0),
            E,
            S("已完工"),
            S("南村"),
            D("2026-04-01"),
            D("2026-08-31"),
            E,
        ]],
        vec![],
    );
    let r = w.run(&[
        "notice", "l.xlsx", "--stage", "result", "-o", "r.docx", "--json", "r.json",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let j = read_json(&w.path("r.json"));
    let p = &j["projects"][0];
    assert_eq!(
        (p["settled"].clone(), p["unspent"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(p["returns_to_treasury"], false);
    let text = docx_text(&w.path("r.docx"));
    // What the ledger cannot say is marked for the clerk, never made up.
    assert!(
        text.contains("计划投资40万元，【待补充：尚未结算，结算价】"),
        "{text}"
    );
    assert!(text.contains("【待补充：检查验收结果】"));
    assert!(text.contains("【待补充：绩效目标实现情况】"));
    // A result notice is a .docx: another extension is refused, nothing written.
    let r = w.run(&["notice", "l.xlsx", "--stage", "result", "-o", "r.xlsx"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".docx"), "{}", r.stderr);
    assert!(!w.exists("r.xlsx"));
}

#[test]
fn the_sample_as_a_project_library_table() {
    let w = Workdir::new();
    let r = w.run(&[
        "notice",
        SAMPLE,
        "--stage",
        "plan",
        "--plan-layout",
        "library",
        "-o",
        "库.xlsx",
        "--json",
        "k.json",
        "--date",
        "2026-03-01",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = w.path("库.xlsx");
    let cell = |r, c| sheet_cell(&out, "年度计划公示", r, c);
    // 巴南's order, with 其他财政资金 added: the sample has 整合资金.
    let heads: Vec<String> = (0..14).map(|c| cell(2, c).to_string()).collect();
    assert_eq!(
        heads,
        [
            "序号",
            "项目名称",
            "项目类型",
            "建设任务",
            "绩效目标",
            "主管部门",
            "业主单位",
            "实施年月",
            "完工年月",
            "小计",
            "衔接资金",
            "其他财政资金",
            "自筹资金",
            "备注"
        ]
    );
    assert!(cell(0, 0).to_string().ends_with("项目库"));
    // 牛场 (row 4): 166, all of it 整合资金.
    assert_eq!(cell(4, 7).to_string(), "2023年5月");
    assert_eq!(cell(4, 9), calamine::Data::Float(166.0));
    assert_eq!(cell(4, 10), calamine::Data::Float(0.0));
    assert_eq!(cell(4, 11), calamine::Data::Float(166.0));
    // 合计: 408.5587; 衔接 46.6 + 1.4587 = 48.0587; 整合 166 + 85 + 100 + 4.5 + 5 = 360.5.
    assert_eq!(cell(10, 0).to_string(), "合计");
    assert_eq!(cell(10, 1).to_string(), "7个");
    assert_eq!(cell(10, 9), calamine::Data::Float(408.5587));
    assert_eq!(cell(10, 10), calamine::Data::Float(48.0587));
    assert_eq!(cell(10, 11), calamine::Data::Float(360.5));
    assert_eq!(cell(10, 12), calamine::Data::Float(0.0));
    let j = read_json(&w.path("k.json"));
    assert_eq!(dec(&j["plan_totals"]["family"]), d("48.0587"));
    assert_eq!(dec(&j["plan_totals"]["other_fiscal"]), d("360.5"));
}

#[test]
fn the_policy_sets_working_days_and_the_phone() {
    let w = Workdir::new();
    let p = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/policy/2023.toml"
    ))
    .unwrap()
    .replace("working_days = false", "working_days = true")
    .replace("phone = \"\"", "phone = \"0439-7654321\"");
    std::fs::write(w.path("县口径.toml"), p).unwrap();
    let r = w.run(&[
        "notice",
        SAMPLE,
        "--stage",
        "result",
        "-o",
        "r.docx",
        "--json",
        "r.json",
        "--date",
        "2026-03-06",
        "--policy",
        "县口径.toml",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Friday 6 March + 10 working days: 6, 9–13, 16–19 → Thursday 19 March.
    let text = docx_text(&w.path("r.docx"));
    assert!(
        text.contains("公示期为2026年3月6日至2026年3月19日（10个工作日）"),
        "{text}"
    );
    assert!(text.contains("监督举报电话：0439-7654321"), "{text}");
    let j = read_json(&w.path("r.json"));
    assert_eq!(j["posting"]["end"], "2026-03-19");
    assert_eq!(j["posting"]["working_days"], true);
    // --phone and --days still win.
    let r = w.run(&[
        "notice",
        SAMPLE,
        "--stage",
        "plan",
        "-o",
        "p.xlsx",
        "--date",
        "2026-03-06",
        "--policy",
        "县口径.toml",
        "--phone",
        "110",
        "--days",
        "5",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("少于公告公示要求的 10 天"),
        "{}",
        r.stderr
    );
    let foot = format!(
        "{}{}",
        sheet_cell(&w.path("p.xlsx"), "年度计划公示", 12, 0),
        sheet_cell(&w.path("p.xlsx"), "年度计划公示", 13, 0)
    );
    assert!(
        foot.contains("2026年3月6日至2026年3月12日（5个工作日）"),
        "{foot}"
    );
    assert!(foot.contains("监督举报电话：110；"), "{foot}");
}

#[test]
fn the_signature_keeps_with_the_last_paragraph() {
    let w = Workdir::new();
    let r = w.run(&[
        "notice",
        SAMPLE,
        "--stage",
        "result",
        "-o",
        "r.docx",
        "--date",
        "2026-03-01",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let xml = zip_part(&w.path("r.docx"), "word/document.xml");
    let paras: Vec<&str> = xml.split("</w:p>").collect();
    let last_body = paras
        .iter()
        .position(|p| p.contains("公示期为"))
        .expect("the 公示期 paragraph");
    // It, the blank line and the unit's line keep with what follows; the date ends.
    for p in &paras[last_body..last_body + 3] {
        assert!(p.contains("<w:keepNext"), "{p}");
    }
    assert!(paras[last_body + 2].contains("靖宇镇人民政府"));
    assert!(!paras[last_body + 3].contains("<w:keepNext"));
}
