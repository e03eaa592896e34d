//! Rebuilds `sample-data/jingyu-2023.xlsx` from the 2023 靖宇镇 self-evaluation
//! (`../shared/reference/2023-jingyu-self-evaluation.txt`): 7 projects and
//! payments dated through 2024-05-31. Run: `cargo run --example make_sample`.
//!
//! The figures here are the fixture's *inputs* (budgets, settlements, single
//! payments); the totals the reference states are computed by `jixiao report`
//! and checked in `tests/report_sample.rs`.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

struct P {
    id: &'static str,
    name: &'static str,
    category: &'static str,
    fund: &'static str,
    budget: f64,
    settled: f64,
    status: &'static str,
    location: &'static str,
    start: &'static str,
    end: &'static str,
    reason: &'static str,
}

const PROJECTS: &[P] = &[
    P { id: "JY2023-01", name: "2023年度靖宇镇“以奖代补”项目", category: "产业项目", fund: "衔接资金", budget: 46.6, settled: 10.22, status: "已结算", location: "靖宇镇各村", start: "2023-04-01", end: "2023-11-30", reason: "因年初预算数据不够精准导致预算资金未全部使用" },
    P { id: "JY2023-02", name: "靖宇县靖宇镇河南村牛场建设项目", category: "产业项目", fund: "整合资金", budget: 166.0, settled: 166.0, status: "已完工", location: "河南村", start: "2023-05-10", end: "2023-10-20", reason: "因县财政财力不足，未下达结算资金" },
    P { id: "JY2023-03", name: "靖宇镇永生村一撮毛屯沥青路建设项目", category: "基础设施建设项目", fund: "整合资金", budget: 85.0, settled: 83.0827, status: "已结算", location: "永生村一撮毛屯", start: "2023-06-01", end: "2023-09-30", reason: "" },
    P { id: "JY2023-04", name: "靖宇镇靖安村示范创建项目", category: "基础设施建设项目", fund: "整合资金", budget: 100.0, settled: 98.129, status: "已完工", location: "靖安村", start: "2023-06-15", end: "2023-10-31", reason: "因县财政财力不足，未下达结算资金" },
    P { id: "JY2023-05", name: "靖宇镇2023年春季、秋季学期“雨露计划”项目", category: "其他项目", fund: "整合资金", budget: 4.5, settled: 3.75, status: "已结算", location: "靖宇镇", start: "2023-03-01", end: "2023-12-31", reason: "因年初预算数据不够精准导致预算资金未全部使用" },
    P { id: "JY2023-06", name: "靖宇镇2021-2023年示范村村庄规划编制工作", category: "其他项目", fund: "整合资金", budget: 5.0, settled: 5.0, status: "已结算", location: "靖安村", start: "2023-03-01", end: "2023-12-31", reason: "" },
    P { id: "JY2023-07", name: "靖宇镇外出务工一次性往返交通补助项目", category: "其他项目", fund: "衔接资金", budget: 1.4587, settled: 1.4587, status: "已结算", location: "靖宇镇", start: "2023-03-01", end: "2023-12-31", reason: "" },
];

/// (project, date, amount 万元, fund source of the payment or "", voucher, memo)
const PAYMENTS: &[(&str, &str, f64, &str, &str, &str)] = &[
    ("JY2023-01", "2023-10-25", 6.5, "", "记-1025", "以奖代补第一批"),
    ("JY2023-01", "2023-12-15", 3.72, "", "记-1215", "以奖代补第二批"),
    ("JY2023-02", "2023-07-10", 30.0, "衔接资金", "记-0710", "牛场工程进度款"),
    ("JY2023-02", "2023-09-15", 30.0, "衔接资金", "记-0915", "牛场工程进度款"),
    ("JY2023-03", "2023-08-20", 40.0, "", "记-0820", "沥青路工程进度款"),
    ("JY2023-03", "2023-10-30", 30.0, "", "记-1030", "沥青路工程进度款"),
    ("JY2023-03", "2024-01-15", 13.0827, "", "记-0115", "沥青路结算尾款"),
    ("JY2023-04", "2023-09-05", 40.0, "", "记-0905", "靖安村工程进度款"),
    ("JY2023-04", "2023-12-20", 27.8038, "", "记-1220", "靖安村工程进度款"),
    ("JY2023-05", "2023-06-20", 1.8, "", "记-0620", "春季学期 12人次×1500元"),
    ("JY2023-05", "2023-12-10", 1.95, "", "记-1210", "秋季学期 13人次×1500元"),
    ("JY2023-06", "2023-05-15", 2.0, "", "记-0515", "村庄规划编制预付款"),
    ("JY2023-06", "2024-03-20", 3.0, "", "记-0320", "村庄规划编制尾款"),
    ("JY2023-07", "2023-11-08", 1.4587, "", "记-1108", "务工交通补助27人"),
];

/// (project, 一级, 二级, 三级, 指标值, 实际完成值)
const INDICATORS: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("JY2023-02", "产出指标", "数量指标", "新建牛舍面积", "≥720平方米", "720平方米"),
    ("JY2023-02", "产出指标", "数量指标", "新建饲料库房面积", "≥201平方米", "201平方米"),
    ("JY2023-03", "产出指标", "数量指标", "新建沥青路长度", "≥1216.1米", "1216.1米"),
    ("JY2023-04", "产出指标", "数量指标", "改建边沟长度", "≥301.4米", "301.4米"),
    ("JY2023-04", "产出指标", "数量指标", "新建LED太阳能路灯", "≥127盏", "127盏"),
    ("JY2023-05", "产出指标", "数量指标", "资助学生人次", "≥25人次", "25人次"),
    ("JY2023-07", "产出指标", "数量指标", "补助人数", "≥27人", "27人"),
];

fn date(s: &str) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::parse_from_str(s)
}

fn main() -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.0000");
    let day = Format::new().set_num_format("yyyy-mm-dd");

    let ws = wb.add_worksheet().set_name("项目")?;
    let headers = ["项目编号", "项目名称", "项目类别", "资金性质", "预算金额（万元）", "结算金额（万元）", "建设状态", "建设地点", "实施单位", "开工日期", "完工日期", "偏差原因"];
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, p) in PROJECTS.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write(r, 0, p.id)?;
        ws.write(r, 1, p.name)?;
        ws.write(r, 2, p.category)?;
        ws.write(r, 3, p.fund)?;
        ws.write_number_with_format(r, 4, p.budget, &money)?;
        ws.write_number_with_format(r, 5, p.settled, &money)?;
        ws.write(r, 6, p.status)?;
        ws.write(r, 7, p.location)?;
        ws.write(r, 8, "靖宇镇人民政府")?;
        ws.write_datetime_with_format(r, 9, date(p.start)?, &day)?;
        ws.write_datetime_with_format(r, 10, date(p.end)?, &day)?;
        if !p.reason.is_empty() {
            ws.write(r, 11, p.reason)?;
        }
    }
    ws.set_column_width(1, 44)?;
    ws.set_column_width(11, 40)?;

    let ws = wb.add_worksheet().set_name("拨付")?;
    for (c, h) in ["项目编号", "拨付日期", "拨付金额（万元）", "资金性质", "凭证号", "摘要"].iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, (id, d, amount, fund, voucher, memo)) in PAYMENTS.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write(r, 0, *id)?;
        ws.write_datetime_with_format(r, 1, date(d)?, &day)?;
        ws.write_number_with_format(r, 2, *amount, &money)?;
        if !fund.is_empty() {
            ws.write(r, 3, *fund)?;
        }
        ws.write(r, 4, *voucher)?;
        ws.write(r, 5, *memo)?;
    }
    ws.set_column_width(1, 12)?;
    ws.set_column_width(5, 28)?;

    let ws = wb.add_worksheet().set_name("绩效指标")?;
    for (c, h) in ["项目编号", "一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "偏差原因"].iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, (id, l1, l2, l3, target, actual)) in INDICATORS.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, v) in [id, l1, l2, l3, target, actual].iter().enumerate() {
            ws.write(r, c as u16, **v)?;
        }
    }

    let ws = wb.add_worksheet().set_name("说明")?;
    ws.write(0, 0, "单位名称")?;
    ws.write(0, 1, "靖宇镇人民政府")?;
    ws.write(1, 0, "年度")?;
    ws.write(1, 1, 2023)?;
    ws.write(2, 0, "截止日期")?;
    ws.write_datetime_with_format(2, 1, date("2024-05-31")?, &day)?;
    ws.set_column_width(1, 16)?;

    wb.save("sample-data/jingyu-2023.xlsx")?;
    println!("wrote sample-data/jingyu-2023.xlsx");
    Ok(())
}
