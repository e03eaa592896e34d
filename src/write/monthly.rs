//! The monthly progress report (月报) as sheets and JSON.

use super::json::amount;
use super::report::{problems_sheet_at, title_of};
use super::sheet::{
    ChartSeries, ChartSpec, PageSetup, Role, SPLIT_SCALE, Sheet, Span, Value, a1, col_px,
    display_width, page_layout, printable_pt,
};
use crate::compute::monthly::{MonthlyGroup, MonthlyProject, MonthlyReport, Pace};
use crate::model::Problem;
use rust_decimal::Decimal;

pub const MONTHLY_SHEET: &str = "月报";
pub const CURVE_SHEET: &str = "进度曲线";

/// The last printed column (完工日期): every column is printed.
const PRINTED_LAST: u16 = 16;

const HEADERS: [&str; 17] = [
    "序号",
    "项目编号",
    "项目名称",
    "项目类别",
    "资金性质",
    "资金规模",
    "本月拨付",
    "累计拨付",
    "支出进度",
    "上月进度",
    "较上月",
    "序时进度",
    "进度差",
    "进度情况",
    "建设状态",
    "开工日期",
    "完工日期",
];

fn pct(p: Option<Decimal>) -> Value {
    Value::rate(p)
}

fn pace_text(p: &Pace) -> String {
    match (p.gap, p.behind_by) {
        (Some(g), Some(by)) => format!("滞后{:.2}个百分点，差{}万元", -g, amount(by)),
        (Some(_), None) => "正常".into(),
        (None, _) => "—".into(),
    }
}

fn put_pace(
    s: &mut Sheet,
    r: u32,
    f_budget: Decimal,
    paid: Decimal,
    rate: Option<Decimal>,
    p: &Pace,
    total: bool,
) {
    let (m, rr, t) = if total {
        (Role::TotalMoney, Role::TotalRate, Role::TotalText)
    } else {
        (Role::Money, Role::Rate, Role::Text)
    };
    s.put(r, 5, Value::Number(f_budget), m);
    s.put(r, 6, Value::Number(p.paid_this_month), m);
    s.put(r, 7, Value::Number(paid), m);
    s.put(r, 8, pct(rate), rr);
    s.put(r, 9, pct(p.previous_rate), rr);
    s.put(r, 10, pct(p.rate_change), rr);
    s.put(r, 11, pct(Some(p.schedule)), rr);
    s.put(r, 12, pct(p.gap), rr);
    let c = s.text(r, 13, pace_text(p), t);
    c.flagged = p.is_behind();
}

fn group_rows(s: &mut Sheet, row: &mut u32, title: &str, groups: &[MonthlyGroup]) {
    s.text(*row, 0, title, Role::Section);
    // Merges stay inside the printed columns (a merge across the edge widens the page).
    s.merge(*row, 0, *row, PRINTED_LAST);
    *row += 1;
    for g in groups {
        s.text(*row, 0, "", Role::Text);
        s.text(*row, 1, "", Role::Text);
        s.text(
            *row,
            2,
            format!("{}（{}个项目）", g.figures.key, g.figures.project_count),
            Role::Text,
        );
        for c in [3, 4, 14, 15, 16] {
            s.text(*row, c, "", Role::Text);
        }
        put_pace(
            s,
            *row,
            g.figures.budget,
            g.figures.paid,
            g.figures.execution_rate,
            &g.pace,
            false,
        );
        *row += 1;
    }
}

/// Excel's column widths are in digits of the workbook font (Calibri); a
/// LibreOffice without Calibri or Carlito lays a digit out in DejaVu Sans,
/// 4/3 as wide. The first page's columns are judged at that width.
const FALLBACK_FONT_WIDTH: f64 = 4.0 / 3.0;

/// The last column on the first printed page of the 月报 (all of them when
/// the table prints one page wide).
fn first_page_last_col(s: &Sheet) -> u16 {
    match page_layout(s, 0) {
        Some(l) if !l.fit_width => {
            let page_px = printable_pt(l.landscape) / (f64::from(SPLIT_SCALE) / 100.0) / 0.75;
            let mut used = 0.0;
            let mut last = 0;
            for c in 0..=PRINTED_LAST {
                used += col_px(s.width_of(c)) * FALLBACK_FONT_WIDTH;
                if used > page_px {
                    break;
                }
                last = c;
            }
            last
        }
        _ => PRINTED_LAST,
    }
}

pub fn monthly_sheets(m: &MonthlyReport, problems: &[Problem]) -> Vec<Sheet> {
    let mut s = Sheet::new(MONTHLY_SHEET);
    let last_col = HEADERS.len() as u16 - 1;
    s.text(
        0,
        0,
        format!(
            "{}项目支出进度月报（{}年{}月）",
            title_of(&m.report),
            m.year,
            m.month
        ),
        Role::Title,
    );
    s.merge(0, 0, 0, PRINTED_LAST);
    // The unit label is in the repeated columns and rows: on every page.
    s.text(1, 0, "单位：万元", Role::Caption);
    s.merge(1, 0, 1, 2);
    s.text(
        1,
        3,
        format!("截至{}", m.as_of.format("%Y年%-m月%-d日")),
        Role::Caption,
    );
    let banner = m.report.excluded.banner();
    let h = if banner.is_some() { 3 } else { 2 };
    if let Some(b) = banner {
        super::report::banner(&mut s, 2, 14, b);
    }
    for (i, t) in HEADERS.iter().enumerate() {
        s.text(h, i as u16, *t, Role::Header);
    }
    let first = h + 1;
    for (i, p) in m.projects.iter().enumerate() {
        let MonthlyProject { figures: f, pace } = p;
        let r = first + i as u32;
        s.put(r, 0, Value::Number((i + 1).into()), Role::Count);
        s.text(r, 1, f.id.clone(), Role::Text);
        s.text(r, 2, f.name.clone(), Role::Text);
        s.text(r, 3, f.category.clone(), Role::Text);
        s.text(r, 4, f.fund_source.clone(), Role::Text);
        put_pace(&mut s, r, f.budget, f.paid, f.execution_rate, pace, false);
        s.put(
            r,
            14,
            f.status.clone().map(Value::Text).unwrap_or(Value::Empty),
            Role::Text,
        );
        s.put(
            r,
            15,
            f.start_date.map(Value::Date).unwrap_or(Value::Empty),
            Role::Date,
        );
        s.put(
            r,
            16,
            f.end_date.map(Value::Date).unwrap_or(Value::Empty),
            Role::Date,
        );
    }
    let last = first + m.projects.len() as u32;
    // 合计 first under the projects, as a SUM that reconciles with them.
    let t = &m.totals;
    let tr = last;
    s.text(tr, 0, "合计", Role::TotalText);
    s.merge(tr, 0, tr, 4);
    put_pace(
        &mut s,
        tr,
        t.figures.budget,
        t.figures.paid,
        t.figures.execution_rate,
        &t.pace,
        true,
    );
    if !m.projects.is_empty() {
        for (col, v) in [
            (5u16, t.figures.budget),
            (6, t.pace.paid_this_month),
            (7, t.figures.paid),
        ] {
            let expr = crate::compute::formula::sum(&crate::compute::formula::range(
                &a1(first, col),
                &a1(last - 1, col),
            ));
            s.put(
                tr,
                col,
                Value::Formula(expr, Box::new(Value::Number(v))),
                Role::TotalMoney,
            );
        }
    }
    for c in [14, 15, 16] {
        s.text(tr, c, "", Role::TotalText);
    }
    let mut row = tr + 1;
    group_rows(&mut s, &mut row, "按项目类别", &m.by_category);
    group_rows(&mut s, &mut row, "按资金性质", &m.by_fund_source);
    s.fit_widths(5.0, 24.0);
    s.set_width(13, 13.0);
    s.cap_width(2, 14.0);
    s.cap_width(3, 10.0);
    s.cap_width(4, 10.0);
    s.print = Some(
        PageSetup::new(&m.report.unit_name, Some((1, h)))
            .columns(0, PRINTED_LAST)
            .repeat_cols(0, 2),
    );
    // Dates and numbers as narrow as their text (no extra half character).
    s.set_width(0, 4.5);
    for c in 5..=12 {
        let w = s.width_of(c);
        s.set_width(c, w - 1.0);
    }
    for c in [15, 16] {
        s.set_width(c, 11.0);
    }
    // One page wide: the text columns wrap narrower before the table is split.
    // Where it costs the fewest lines (up to a few hundred rows), else evenly.
    let texts = [(2, 6.0), (13, 6.0), (3, 6.0), (4, 6.0), (14, 5.0)];
    if m.projects.len() <= 300 {
        s.narrow_for_fewest_lines(&texts, h + 1);
    } else {
        s.narrow_to_fit(&[2, 13, 3, 4, 14], 6.0);
    }
    // Title and banner merged over the first printed page only (a merge
    // across a page edge is cut in two).
    // When the table is split, they start after the repeated columns too:
    // the right half's page repeats those columns, and would show the
    // merge's left part.
    let k = first_page_last_col(&s);
    let start = if k < PRINTED_LAST { 3 } else { 0 };
    let mut moved = Vec::new();
    for mg in s.merges.iter_mut() {
        if mg.first_row < h && mg.first_col == 0 && mg.last_col == PRINTED_LAST {
            mg.first_col = start;
            mg.last_col = k;
            moved.push(mg.first_row);
        }
    }
    // Section rows below (按项目类别…): one merge per page, not across the edge.
    if k < PRINTED_LAST {
        let sections: Vec<u32> = s
            .merges
            .iter()
            .filter(|mg| mg.first_row > h && mg.first_col == 0 && mg.last_col == PRINTED_LAST)
            .map(|mg| mg.first_row)
            .collect();
        for r in sections {
            for mg in s.merges.iter_mut().filter(|mg| mg.first_row == r) {
                mg.last_col = k;
            }
            s.put(r, k + 1, Value::Empty, Role::Section);
            s.merge(r, k + 1, r, PRINTED_LAST);
        }
    }
    if start > 0 {
        for r in moved {
            s.cells
                .retain(|c| !(c.row == r && c.col == start && c.value == Value::Empty));
            for c in s.cells.iter_mut().filter(|c| c.row == r && c.col == 0) {
                c.col = start;
            }
        }
    }
    s.fit_label_heights(h.min(2));
    // The title wraps within those columns (16 pt: 16/11 of a body character).
    let title_w: f64 = (start..=k).map(|c| s.width_of(c)).sum::<f64>() - 1.5;
    let title = match &s.get(0, start).map(|c| c.value.clone()) {
        Some(Value::Text(t)) => display_width(t) * 16.0 / 11.0,
        _ => 0.0,
    };
    let lines = (title / title_w.max(1.0)).ceil().clamp(1.0, 3.0);
    s.row_heights.push((0, 4.0 + 21.0 * lines));
    s.freeze = Some((first, 3));
    s.autofilter = Some(Span {
        first_row: h,
        first_col: 0,
        last_row: last.max(first),
        last_col,
    });

    let mut c = Sheet::new(CURVE_SHEET);
    c.text(
        0,
        0,
        format!("{}累计支出进度与序时进度", title_of(&m.report)),
        Role::Title,
    );
    c.merge(0, 0, 0, 4);
    c.text(
        1,
        0,
        format!("截至{}　　单位：万元", m.as_of.format("%Y年%-m月%-d日")),
        Role::Caption,
    );
    c.merge(1, 0, 1, 4);
    for (i, t) in ["月份", "当月拨付", "累计拨付", "累计支出进度", "序时进度"]
        .iter()
        .enumerate()
    {
        c.text(2, i as u16, *t, Role::Header);
    }
    for (i, (mf, sched)) in m.curve.iter().enumerate() {
        let r = 3 + i as u32;
        c.put(r, 0, Value::Date(mf.first_day()), Role::Month);
        c.put(r, 1, Value::Number(mf.paid), Role::Money);
        c.put(r, 2, Value::Number(mf.cumulative_paid), Role::Money);
        c.put(r, 3, pct(mf.execution_rate), Role::Rate);
        c.put(r, 4, pct(Some(*sched)), Role::Rate);
    }
    if !m.curve.is_empty() {
        let rows = (3, 2 + m.curve.len() as u32);
        c.charts.push(ChartSpec {
            title: "累计支出进度与序时进度".into(),
            categories_col: 0,
            columns: vec![],
            lines: vec![
                ChartSeries {
                    name: "累计支出进度".into(),
                    rows,
                    col: 3,
                },
                ChartSeries {
                    name: "序时进度".into(),
                    rows,
                    col: 4,
                },
            ],
            at: (3 + m.curve.len() as u32 + 1, 0),
            category_format: Some("yyyy-mm".into()),
            value_format: Some("0%".into()),
            // As wide as the table above: the sheet prints portrait, one page.
            size: (480, 300),
        });
    }
    c.widths = vec![(0, 12.0), (1, 14.0), (2, 14.0), (3, 14.0), (4, 12.0)];
    c.freeze = Some((3, 0));
    // No repeated rows: they would print over the chart on a second page.
    c.print = Some(PageSetup::new(&m.report.unit_name, None).one_page());
    vec![
        s,
        c,
        problems_sheet_at(&m.report.unit_name, Some(m.as_of), problems),
    ]
}

/// The 月报 as `monthly --json` writes it: the model itself, with the
/// problem list given.
pub fn monthly_json(m: &MonthlyReport, problems: &[Problem]) -> MonthlyReport {
    let mut m = m.clone();
    m.report.problems = problems.to_vec();
    m
}
