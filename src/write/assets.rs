//! The 帮扶项目资产 register workbook: 资产台账 (printable, official
//! look; cells the clerk confirms in yellow), 分类汇总 (class and 确权层级
//! × 个数/金额), 不形成资产, 核对, 问题清单. Renders `compute::assets`.

use super::report::problems_sheet;
use super::sheet::{Orientation, PageSetup, Role, Sheet, Value};
use crate::compute::assets::{Register, SumRow, funds_text};
use rust_decimal::Decimal;

pub const REGISTER: &str = "资产台账";
pub const SUMMARY: &str = "分类汇总";
pub const NOT_ASSETS: &str = "不形成资产";
pub const CHECKS: &str = "核对";

/// The register's columns, in order.
pub const COLUMNS: [&str; 18] = [
    "序号",
    "项目编号",
    "资产名称",
    "项目年度",
    "资产类别",
    "资金来源",
    "资产价值（万元）",
    "价值依据",
    "形成时间",
    "所在地",
    "数量及规格",
    "确权对象（所有权人）",
    "管护主体",
    "使用状态",
    "增加方式",
    "移交日期",
    "分类依据",
    "依据说明",
];

fn year_text(r: &Register) -> String {
    r.year.map(|y| format!("{y}年度")).unwrap_or_default()
}

pub fn register_sheet(r: &Register) -> Sheet {
    let mut s = Sheet::new(REGISTER);
    let last = COLUMNS.len() as u16 - 1;
    s.text(
        0,
        0,
        format!("{}{}帮扶项目资产登记台账", r.place, year_text(r)),
        Role::FormTitle,
    );
    s.merge(0, 0, 0, last - 1);
    s.text(
        1,
        0,
        format!(
            "填报单位：{}　　截止日期：{}　　单位：万元　　黄色单元格由填报单位核实填写",
            r.unit, r.as_of
        ),
        Role::Caption,
    );
    s.merge(1, 0, 1, last - 1);
    for (c, h) in COLUMNS.iter().enumerate() {
        s.text(2, c as u16, *h, Role::FormLabel);
    }
    let mut row = 3;
    for (i, a) in r.assets.iter().enumerate() {
        s.text(row, 0, (i + 1).to_string(), Role::FormLabel);
        s.text(row, 1, &a.project_id, Role::FormText);
        s.text(row, 2, &a.name, Role::FormText);
        s.text(
            row,
            3,
            a.year.map(|y| y.to_string()).unwrap_or_default(),
            Role::FormText,
        );
        let class = s.text(row, 4, &a.class, Role::FormText);
        if a.class == crate::compute::assets::UNDECIDED {
            class.flagged = true;
            class.note = Some("分类规则不能判断，请确定资产类别".into());
        }
        s.text(row, 5, funds_text(&a.funds), Role::FormText);
        let v = s.put(row, 6, Value::Number(a.value), Role::FormMoney);
        if a.value_basis == "暂估" {
            v.role = Role::FormInputMoney;
            v.note = Some(format!(
                "尚无结算金额，暂按预算 {} 万元估列；结算后改为结算价",
                crate::model::Wan(a.budget)
            ));
        }
        s.text(row, 7, a.value_basis, Role::FormText);
        let formed = s.text(row, 8, a.formed.clone().unwrap_or_default(), Role::FormText);
        if a.formed.is_none() {
            formed.role = Role::FormInput;
        }
        s.text(
            row,
            9,
            a.location.clone().unwrap_or_default(),
            Role::FormText,
        );
        s.text(
            row,
            10,
            a.quantity.clone().unwrap_or_default(),
            Role::FormText,
        );
        // Defaults the clerk confirms: highlighted.
        s.text(row, 11, &a.owner, Role::FormInput).note =
            Some("默认取实施单位（到户类为受益农户），请按确权结果核改".into());
        s.text(row, 12, &a.custodian, Role::FormInput);
        s.text(row, 13, "", Role::FormInput);
        s.text(row, 14, a.acquired_by, Role::FormText);
        s.text(row, 15, "", Role::FormInput);
        // Printed: what matched (short); on screen beside it: the rule's reason.
        s.text(row, 16, &a.matched, Role::FormText);
        s.text(row, 17, &a.reason, Role::FormText);
        row += 1;
    }
    if r.assets.is_empty() {
        s.text(
            row,
            0,
            "截止日期前没有已完工并形成资产的项目",
            Role::FormText,
        );
        s.merge(row, 0, row, last - 1);
        row += 1;
    }
    s.text(row, 0, "合计", Role::FormLabel);
    s.merge(row, 0, row, 5);
    s.put(row, 6, Value::Number(r.total_value), Role::FormMoney);
    s.text(row, 7, format!("{} 项", r.assets.len()), Role::FormText);
    s.merge(row, 7, row, last - 1);
    row += 1;
    // The total is short by rows left out: said under it, in red.
    if let Some(b) = &r.excluded {
        super::report::banner(&mut s, row, last - 1, b.clone());
        row += 1;
    }
    row += 1;
    s.text(
        row,
        0,
        format!(
            "说明：资产价值为结算金额，无结算金额的按预算暂估（黄色）；形成时间为完工日期；确权对象、管护主体默认取实施单位，请按确权、移交结果核改；使用状态（在用/闲置）、移交日期由填报单位填写。分类规则：{}。",
            r.rules
        ),
        Role::Note,
    );
    s.merge(row, 0, row, last - 1);
    let note_row = row;
    // Narrow enough for one landscape page wide at ≥ 9 pt; texts wrap.
    s.widths = vec![
        (0, 4.0),
        (1, 8.0),
        (2, 14.0),
        (3, 5.0),
        (4, 6.0),
        (5, 8.0),
        (6, 9.0),
        (7, 5.0),
        (8, 10.5),
        (9, 8.0),
        (10, 11.0),
        (11, 9.0),
        (12, 8.0),
        (13, 5.0),
        (14, 8.0),
        (15, 6.0),
        (16, 12.0),
        (17, 40.0),
    ];
    s.fit_heights(2);
    s.row_heights.push((0, 30.0));
    s.row_heights.push((note_row, 45.0));
    s.freeze = Some((3, 3));
    s.print = Some(
        // 依据说明 (the rule's reason, long) stays on screen.
        PageSetup::new(&r.unit, Some((0, 2)))
            .columns(0, last - 1)
            .repeat_cols(0, 2)
            .prefer(Orientation::Landscape),
    );
    s
}

fn sum_block(s: &mut Sheet, row: u32, title: &str, key: &str, rows: &[SumRow]) -> u32 {
    s.text(row, 0, title, Role::FormLabel);
    s.merge(row, 0, row, 3);
    let h = row + 1;
    for (c, t) in [key, "个数", "金额（万元）", "占比"].iter().enumerate() {
        s.text(h, c as u16, *t, Role::FormLabel);
    }
    let total: Decimal = rows.iter().map(|r| r.value).sum();
    let count: usize = rows.iter().map(|r| r.count).sum();
    let mut row = h + 1;
    for r in rows {
        s.text(row, 0, &r.key, Role::FormText);
        s.text(row, 1, r.count.to_string(), Role::FormLabel);
        s.put(row, 2, Value::Number(r.value), Role::FormMoney);
        s.put(row, 3, share(r.value, total), Role::FormRate);
        row += 1;
    }
    s.text(row, 0, "合计", Role::FormLabel);
    s.text(row, 1, count.to_string(), Role::FormLabel);
    s.put(row, 2, Value::Number(total), Role::FormMoney);
    s.put(row, 3, share(total, total), Role::FormRate);
    row + 1
}

/// A share as the rate cells take it (a fraction, rounded once to 0.01 %).
fn share(part: Decimal, total: Decimal) -> Value {
    Value::rate(crate::compute::execution_rate(part, total))
}

pub fn summary_sheet(r: &Register) -> Sheet {
    let mut s = Sheet::new(SUMMARY);
    s.text(
        0,
        0,
        format!("{}{}帮扶项目资产汇总表", r.place, year_text(r)),
        Role::FormTitle,
    );
    s.merge(0, 0, 0, 3);
    s.text(1, 0, format!("截止日期：{}", r.as_of), Role::Caption);
    s.merge(1, 0, 1, 3);
    let next = sum_block(&mut s, 2, "一、按资产类别", "资产类别", &r.by_class);
    sum_block(
        &mut s,
        next + 1,
        "二、按确权层级",
        "确权层级",
        &r.by_owner_level,
    );
    s.widths = vec![(0, 16.0), (1, 10.0), (2, 18.0), (3, 12.0)];
    s.row_heights.push((0, 30.0));
    s.print = Some(
        PageSetup::new(&r.unit, None)
            .columns(0, 3)
            .prefer(Orientation::Portrait),
    );
    s
}

pub fn not_assets_sheet(r: &Register) -> Sheet {
    let mut s = Sheet::new(NOT_ASSETS);
    for (c, h) in ["项目编号", "项目名称", "依据", "命中"].iter().enumerate() {
        s.text(0, c as u16, *h, Role::Header);
    }
    for (i, n) in r.not_assets.iter().enumerate() {
        let row = 1 + i as u32;
        s.text(row, 0, &n.project_id, Role::Text);
        s.text(row, 1, &n.name, Role::Text);
        s.text(row, 2, &n.reason, Role::Text);
        s.text(row, 3, &n.matched, Role::Text);
    }
    let mut row = 1 + r.not_assets.len() as u32;
    if !r.not_completed.is_empty() {
        row += 1;
        s.text(row, 0, "未完工（不登记）", Role::Section);
        s.merge(row, 0, row, 3);
        row += 1;
        for p in &r.not_completed {
            s.text(row, 0, &p.project_id, Role::Text);
            s.text(row, 1, &p.name, Role::Text);
            s.text(
                row,
                2,
                format!(
                    "建设状态：{}；完工日期：{}",
                    p.status.as_deref().unwrap_or("未填"),
                    p.end_date.as_deref().unwrap_or("未填")
                ),
                Role::Text,
            );
            s.text(row, 3, "", Role::Text);
            row += 1;
        }
    }
    s.widths = vec![(0, 12.0), (1, 36.0), (2, 44.0), (3, 20.0)];
    s.fit_heights(1);
    s.print = Some(PageSetup::new(&r.unit, Some((0, 0))));
    s
}

pub fn checks_sheet(r: &Register) -> Sheet {
    let mut s = Sheet::new(CHECKS);
    for (c, h) in ["项目编号", "项目名称", "核对项", "说明"]
        .iter()
        .enumerate()
    {
        s.text(0, c as u16, *h, Role::Header);
    }
    if r.checks.is_empty() {
        s.text(1, 3, "没有需要核对的事项", Role::Text);
    }
    for (i, k) in r.checks.iter().enumerate() {
        let row = 1 + i as u32;
        s.text(row, 0, &k.project_id, Role::Text);
        s.text(row, 1, &k.name, Role::Text);
        s.text(row, 2, k.check, Role::Text);
        s.text(row, 3, &k.message, Role::Text);
    }
    s.widths = vec![(0, 12.0), (1, 30.0), (2, 14.0), (3, 60.0)];
    s.fit_heights(1);
    s.freeze = Some((1, 0));
    s.print = Some(PageSetup::new(&r.unit, Some((0, 0))));
    s
}

pub fn register_workbook(r: &Register) -> Vec<Sheet> {
    vec![
        register_sheet(r),
        summary_sheet(r),
        not_assets_sheet(r),
        checks_sheet(r),
        problems_sheet(&r.unit, &r.problems),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::sheet::page_layout;

    #[test]
    fn the_register_prints_one_landscape_page_wide_at_9pt() {
        let r = Register {
            unit: "靖宇镇人民政府".into(),
            place: "靖宇镇".into(),
            as_of: chrono::NaiveDate::from_ymd_opt(2024, 5, 31).unwrap(),
            year: Some(2023),
            rules: "内置".into(),
            policy: "内置".into(),
            assets: vec![],
            not_assets: vec![],
            not_completed: vec![],
            by_class: vec![],
            by_owner_level: vec![],
            total_value: Decimal::ZERO,
            checks: vec![],
            excluded: None,
            problems: vec![],
        };
        let l = page_layout(&register_sheet(&r), 0).unwrap();
        assert!(l.landscape && l.fit_width && l.body_pt >= 9.0, "{l:?}");
        // 依据说明 stays off the page.
        assert_eq!(l.last_col, COLUMNS.len() as u16 - 2);
        let l = page_layout(&summary_sheet(&r), 0).unwrap();
        assert!(!l.landscape && l.body_pt >= 9.0, "{l:?}");
    }
}
