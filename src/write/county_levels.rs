//! 按资金级次: the county's 支付率 by fund level (中央/省级/市级/县级,
//! 四级合计, 未分级) against a benchmark, the gap in 个百分点; then each
//! township's rates by level. Renders `compute::levels`.

use super::sheet::{PageSetup, Role, Sheet, Value};
use crate::compute::county::County;
use crate::compute::levels::LevelFigures;
use rust_decimal::Decimal;

pub const SHEET: &str = "按资金级次";

fn pct(p: Option<Decimal>) -> Value {
    Value::rate(p)
}

fn points(p: Option<Decimal>) -> Value {
    match p {
        Some(p) => Value::Number(p),
        None => Value::Text("—".into()),
    }
}

pub fn levels_sheet(c: &County, unit: &str) -> Sheet {
    let by = &c.by_level;
    let mut s = Sheet::new(SHEET);
    let bench = by.benchmark.as_ref().map(|b| match &b.date {
        Some(d) => format!("{}（{d}）", b.name),
        None => b.name.clone(),
    });
    s.text(
        0,
        0,
        format!(
            "{}资金支付率（按资金级次，{}）",
            if unit == "县级汇总" { "" } else { unit },
            c.as_of
                .map(|d| format!("截止 {d}"))
                .unwrap_or_else(|| "各单位截止日期不一".into())
        ),
        Role::Title,
    );
    s.merge(0, 0, 0, 6);
    s.text(
        1,
        0,
        match &bench {
            Some(b) => format!("基准：{b}　　单位：万元"),
            None => "未给出基准（--benchmark 文件）　　单位：万元".into(),
        },
        Role::Caption,
    );
    s.merge(1, 0, 1, 6);
    let heads = [
        "资金级次",
        "项目数",
        "预算金额",
        "已拨付",
        "支付率",
        "基准支付率",
        "差距（个百分点）",
    ];
    for (i, h) in heads.iter().enumerate() {
        s.text(2, i as u16, *h, Role::Header);
    }
    let put = |s: &mut Sheet, r: u32, f: &LevelFigures, total: bool| {
        let (t, n, m, rr) = if total {
            (
                Role::TotalText,
                Role::TotalCount,
                Role::TotalMoney,
                Role::TotalRate,
            )
        } else {
            (Role::Text, Role::Count, Role::Money, Role::Rate)
        };
        s.text(r, 0, &f.level, t);
        s.put(r, 1, Value::Number(f.project_count.into()), n);
        s.put(r, 2, Value::Number(f.budget), m);
        s.put(r, 3, Value::Number(f.paid), m);
        s.put(r, 4, pct(f.execution_rate), rr);
        s.put(r, 5, pct(f.benchmark), rr);
        s.put(r, 6, points(f.gap), Role::Score);
    };
    let mut r = 3;
    for f in by.levels.iter().take(4) {
        put(&mut s, r, f, false);
        r += 1;
    }
    put(&mut s, r, &by.four_levels, true);
    r += 1;
    if let Some(f) = by.levels.get(4) {
        put(&mut s, r, f, false);
        r += 1;
    }
    s.text(r, 0, "合计", Role::TotalText);
    s.put(
        r,
        1,
        Value::Number(c.totals.project_count.into()),
        Role::TotalCount,
    );
    s.put(r, 2, Value::Number(c.totals.budget), Role::TotalMoney);
    s.put(r, 3, Value::Number(c.totals.paid), Role::TotalMoney);
    s.put(r, 4, pct(c.totals.execution_rate), Role::TotalRate);
    s.text(r, 5, "", Role::TotalText);
    s.text(r, 6, "", Role::TotalText);
    r += 1;
    s.text(
        r,
        0,
        format!(
            "说明：中央至县级为{}各级资金，未分级含其他资金及未注明级次的资金；差距 = 支付率 − 基准，单位为个百分点（按未舍入的支付率计算后四舍五入）。",
            by.family
        ),
        Role::Note,
    );
    s.merge(r, 0, r, 6);
    let note_row = r;
    r += 2;
    // Each township's rates by level.
    s.text(r, 0, "各单位按资金级次支付率", Role::Section);
    s.merge(r, 0, r, 6);
    r += 1;
    let cols = ["单位", "中央", "省级", "市级", "县级", "四级合计", "未分级"];
    for (i, h) in cols.iter().enumerate() {
        s.text(r, i as u16, *h, Role::Header);
    }
    r += 1;
    for (u, levels, four) in &by.townships {
        s.text(r, 0, u, Role::Text);
        for (i, f) in levels.iter().take(4).enumerate() {
            s.put(r, 1 + i as u16, pct(f.execution_rate), Role::Rate);
        }
        s.put(r, 5, pct(four.execution_rate), Role::Rate);
        if let Some(f) = levels.get(4) {
            s.put(r, 6, pct(f.execution_rate), Role::Rate);
        }
        r += 1;
    }
    s.fit_widths(8.0, 24.0);
    s.fit_heights(2);
    s.row_heights.push((note_row, 30.0));
    s.print = Some(PageSetup::new(unit, Some((2, 2))).columns(0, 6));
    s
}
