//! The county workbook and JSON of `consolidate`.

use super::json::amount;
use super::sheet::{
    Cell, ChartSeries, ChartSpec, MAX_LINES, PageSetup, Role, Sheet, Span, Value, a1,
    display_width, row_pt, text_lines, value_width,
};
use crate::compute::GroupFigures;
use crate::compute::county::{County, FileProblem, Township};
use crate::model::Severity;
use rust_decimal::Decimal;
use std::sync::Arc;

fn pct(p: Option<Decimal>) -> Value {
    Value::rate(p)
}
fn opt_money(v: Option<Decimal>) -> Value {
    v.map(Value::Number)
        .unwrap_or_else(|| Value::Text("—".into()))
}

fn as_of_text(c: &County) -> String {
    c.as_of
        .map(|d| format!("截至{}", d.format("%Y年%-m月%-d日")))
        .unwrap_or_else(|| "各单位截止日期不一".into())
}

/// Title and the line under it (cut-off, unit) over `last` columns.
fn title_rows(s: &mut Sheet, last: u16, c: &County, title: &str, what: &str) {
    super::report::title_rows(
        s,
        last,
        format!("{title}{what}"),
        format!("{}　　单位：万元", as_of_text(c)),
    );
}

/// 汇总: one row per township, ranked, with a total row and a chart of the rates.
pub fn summary(c: &County, title: &str) -> Sheet {
    let mut s = Sheet::new("汇总");
    let headers = [
        "排名",
        "单位",
        "项目数",
        "预算金额",
        "已拨付",
        "执行率",
        "待拨付",
        "结余",
        "未支出",
        "衔接资金产业占比",
        "来源文件",
    ];
    let last_col = headers.len() as u16 - 1;
    s.text(
        0,
        0,
        format!("{title}衔接及整合资金执行情况汇总（{}）", as_of_text(c)),
        Role::Title,
    );
    // Inside the printed columns: a merge across the edge widens the page.
    s.merge(0, 0, 0, last_col - 1);
    s.text(
        1,
        0,
        format!("共 {} 个单位；按执行率从高到低排名", c.townships.len()),
        Role::Caption,
    );
    // Inside the printed columns (the 来源文件 column stays on screen).
    s.text(1, last_col - 1, "单位：万元", Role::Caption);
    // One red line per township whose totals leave rows out.
    let mut banners: Vec<String> = Vec::new();
    if !c.files_left_out.is_empty() {
        let names: Vec<String> = c
            .files_left_out
            .iter()
            .take(6)
            .map(|(f, why)| {
                let name = std::path::Path::new(f)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_else(|| f.clone());
                format!("{name}（{why}）")
            })
            .collect();
        banners.push(format!(
            "另有 {} 个文件未计入汇总（见问题清单）：{}{}",
            c.files_left_out.len(),
            names.join("、"),
            if c.files_left_out.len() > names.len() {
                " 等"
            } else {
                ""
            }
        ));
    }
    banners.extend(
        c.townships
            .iter()
            .filter_map(|t| t.excluded.banner().map(|b| format!("{}：{b}", t.unit))),
    );
    for (i, b) in banners.iter().enumerate() {
        super::report::banner(&mut s, 2 + i as u32, last_col - 1, b.clone());
    }
    let h = 2 + banners.len() as u32;
    for (i, t) in headers.iter().enumerate() {
        s.text(h, i as u16, *t, Role::Header);
    }
    let row_of = |s: &mut Sheet, r: u32, g: &GroupFigures, total: bool| {
        let (m, rr, n) = if total {
            (Role::TotalMoney, Role::TotalRate, Role::TotalCount)
        } else {
            (Role::Money, Role::Rate, Role::Count)
        };
        s.put(r, 2, Value::Number(g.project_count.into()), n);
        s.put(r, 3, Value::Number(g.budget), m);
        s.put(r, 4, Value::Number(g.paid), m);
        s.put(r, 5, pct(g.execution_rate), rr);
        s.put(r, 6, opt_money(g.outstanding), m);
        s.put(r, 7, opt_money(g.unspent), m);
        s.put(r, 8, Value::Number(g.remaining), m);
    };
    for (i, (t, rank)) in c.townships.iter().zip(&c.ranks).enumerate() {
        let r = h + 1 + i as u32;
        s.put(r, 0, Value::Number((*rank).into()), Role::Count);
        s.text(r, 1, t.unit.clone(), Role::Text);
        row_of(&mut s, r, &t.totals, false);
        s.put(r, 9, pct(t.industry_share), Role::Rate);
        s.text(r, 10, t.file.clone(), Role::Text);
    }
    let first = h + 1;
    let tr = first + c.townships.len() as u32;
    s.text(tr, 0, "", Role::TotalText);
    s.text(tr, 1, "合计", Role::TotalText);
    row_of(&mut s, tr, &c.totals, true);
    if !c.townships.is_empty() {
        for (col, v) in [(3u16, c.totals.budget), (4, c.totals.paid)] {
            s.put(
                tr,
                col,
                Value::Formula(
                    crate::compute::formula::sum(&crate::compute::formula::range(
                        &a1(first, col),
                        &a1(tr - 1, col),
                    )),
                    Box::new(Value::Number(v)),
                ),
                Role::TotalMoney,
            );
        }
    }
    s.put(tr, 9, pct(c.industry_share), Role::TotalRate);
    s.text(tr, 10, "", Role::TotalText);
    if !c.townships.is_empty() {
        s.charts.push(ChartSpec {
            title: "各单位预算执行率".into(),
            categories_col: 1,
            columns: vec![ChartSeries {
                name: "执行率".into(),
                rows: (first, tr - 1),
                col: 5,
            }],
            lines: vec![],
            at: (tr + 2, 1),
            category_format: None,
            value_format: Some("0%".into()),
            size: (640, 300),
        });
    }
    s.fit_widths(6.0, 30.0);
    // The chart within the printed columns (来源文件 is for the screen).
    let printed_px: f64 = (1..last_col)
        .map(|c| super::sheet::col_px(s.width_of(c)))
        .sum();
    for spec in s.charts.iter_mut() {
        spec.size.0 = spec.size.0.min(printed_px as u32 - 8);
    }
    s.fit_label_heights(h);
    s.freeze = Some((first, 2));
    s.autofilter = Some(Span {
        first_row: h,
        first_col: 0,
        last_row: tr.saturating_sub(1).max(first),
        last_col,
    });
    s.print = Some(
        PageSetup::new(
            if title.is_empty() {
                "县级汇总"
            } else {
                title
            },
            Some((h, h)),
        )
        .columns(0, last_col - 1)
        .repeat_cols(0, 1),
    );
    s
}

/// One township's figures by category or by fund source.
type PickGroups = fn(&Township) -> &[GroupFigures];

/// 分类汇总: township × category and township × fund source, three columns each.
pub fn by_group(c: &County, title: &str) -> Sheet {
    let mut s = Sheet::new("分类汇总");
    title_rows(&mut s, 7, c, title, "衔接及整合资金分类汇总");
    let mut row = 3;
    let blocks: [(&str, &[GroupFigures], PickGroups); 2] = [
        ("按项目类别", &c.by_category, |t| &t.by_category),
        ("按资金性质", &c.by_fund_source, |t| &t.by_fund_source),
    ];
    let mut widest = 1;
    let mut sections = Vec::new();
    for (title, keys, pick) in blocks {
        s.text(row, 0, format!("{title}（单位：万元）"), Role::Section);
        sections.push(row);
        row += 1;
        s.text(row, 0, "单位", Role::Header);
        s.merge(row, 0, row + 1, 0);
        s.text(row + 1, 0, "", Role::Header);
        for (i, g) in keys.iter().chain(std::iter::once(&c.totals)).enumerate() {
            let c0 = 1 + 3 * i as u16;
            s.text(
                row,
                c0,
                if g.key == "合计" {
                    "合计".to_string()
                } else {
                    g.key.clone()
                },
                Role::Header,
            );
            s.text(row, c0 + 1, "", Role::Header);
            s.text(row, c0 + 2, "", Role::Header);
            s.merge(row, c0, row, c0 + 2);
            for (j, t) in ["预算", "已拨付", "执行率"].iter().enumerate() {
                s.text(row + 1, c0 + j as u16, *t, Role::Header);
            }
            widest = widest.max(c0 + 2);
        }
        row += 2;
        let all: Vec<(&str, Vec<Option<&GroupFigures>>, &GroupFigures, bool)> = c
            .townships
            .iter()
            .map(|t| {
                (
                    t.unit.as_str(),
                    keys.iter()
                        .map(|k| pick(t).iter().find(|g| g.key == k.key))
                        .collect(),
                    &t.totals,
                    false,
                )
            })
            .chain(std::iter::once((
                "合计",
                keys.iter().map(Some).collect(),
                &c.totals,
                true,
            )))
            .collect();
        for (unit, groups, total, is_total) in all {
            let (m, rr, tx) = if is_total {
                (Role::TotalMoney, Role::TotalRate, Role::TotalText)
            } else {
                (Role::Money, Role::Rate, Role::Text)
            };
            s.text(row, 0, unit, tx);
            for (i, g) in groups
                .iter()
                .copied()
                .chain(std::iter::once(Some(total)))
                .enumerate()
            {
                let c0 = 1 + 3 * i as u16;
                match g {
                    Some(g) => {
                        s.put(row, c0, Value::Number(g.budget), m);
                        s.put(row, c0 + 1, Value::Number(g.paid), m);
                        s.put(row, c0 + 2, pct(g.execution_rate), rr);
                    }
                    None => {
                        for k in 0..3 {
                            s.text(row, c0 + k, "—", m);
                        }
                    }
                }
            }
            row += 1;
        }
        row += 1;
    }
    // Widths from the figures (large county totals need more than 12),
    // without the extra half character: one page wide more often.
    let unit_width = c
        .townships
        .iter()
        .map(|t| display_width(&t.unit) + 1.5)
        .fold(8.0, f64::max)
        .min(20.0);
    s.fit_widths(8.0, 18.0);
    s.widths.retain(|(c, _)| *c != 0 && *c <= widest);
    for (_, w) in s.widths.iter_mut() {
        *w -= 1.0;
    }
    s.set_width(0, unit_width);
    s.print = Some(PageSetup::new(title, Some((0, 1))).repeat_cols(0, 0));
    // The title and section labels over the printed page's columns (the
    // first page's when split).
    let fits = super::sheet::page_layout(&s, 0).is_some_and(|l| l.fit_width);
    let last = if fits { widest } else { widest.min(7) };
    for r in sections {
        s.merge(r, 0, r, last);
    }
    for m in s.merges.iter_mut().filter(|m| m.first_row < 2) {
        m.last_col = last;
    }
    s.fit_label_heights(3);
    s.freeze = Some((3, 1));
    s
}

fn cell(row: u32, col: u16, value: Value, role: Role) -> Cell {
    Cell::new(row, col, value, role)
}

/// 项目明细 columns that wrap (单位, 来源文件, 编号, 名称, 类别, 资金性质,
/// 状态), with the widths they start from and the least they narrow to.
const DETAIL_TEXT: [(u16, f64, f64); 7] = [
    (0, 12.0, 8.0),
    (1, 12.0, 8.0),
    (2, 12.0, 8.0),
    (3, 22.0, 12.0),
    (4, 10.0, 6.0),
    (5, 10.0, 6.0),
    (6, 8.0, 5.0),
];
const DETAIL_HEADER_ROW: u32 = 2;

/// The texts of a project's row of 项目明细, by column.
fn detail_texts<'a>(t: &'a Township, p: &'a crate::compute::county::CountyProject) -> [&'a str; 7] {
    [
        &t.unit,
        &t.file,
        &p.id,
        &p.name,
        &p.category,
        &p.fund_source,
        p.status.as_deref().unwrap_or(""),
    ]
}

/// 项目明细: every project of every township, produced row by row as
/// written. Printed one page wide where the text columns can wrap narrow
/// enough, else split with 单位…项目名称 repeated; borders throughout, row
/// heights from the texts (set before the rows are streamed).
pub fn projects(c: &Arc<County>, title: &str) -> Sheet {
    let mut s = Sheet::new("项目明细");
    s.stream = true;
    let h = DETAIL_HEADER_ROW;
    s.column_roles = (0..7)
        .map(|c| (c, Role::Text))
        .chain([
            (7, Role::Money),
            (8, Role::Money),
            (9, Role::Money),
            (10, Role::Rate),
            (11, Role::Money),
            (12, Role::Money),
            (13, Role::Money),
        ])
        .collect();
    let headers = [
        "单位",
        "来源文件",
        "项目编号",
        "项目名称",
        "项目类别",
        "资金性质",
        "建设状态",
        "预算金额",
        "结算金额",
        "已拨付",
        "执行率",
        "待拨付",
        "结余",
        "未支出",
    ];
    title_rows(&mut s, 13, c, title, "衔接及整合资金项目明细");
    for (i, t) in headers.iter().enumerate() {
        s.text(h, i as u16, *t, Role::Header);
    }
    let county = Arc::clone(c);
    s.source = Some(Arc::new(move |emit: &mut dyn FnMut(Cell)| {
        let mut r = h + 1;
        for t in &county.townships {
            for p in &t.projects {
                for (col, v) in detail_texts(t, p).into_iter().enumerate() {
                    emit(cell(r, col as u16, Value::Text(v.to_string()), Role::Text));
                }
                emit(cell(r, 7, Value::Number(p.budget), Role::Money));
                emit(cell(
                    r,
                    8,
                    p.settled.map(Value::Number).unwrap_or(Value::Empty),
                    Role::Money,
                ));
                emit(cell(r, 9, Value::Number(p.paid), Role::Money));
                emit(cell(r, 10, pct(p.execution_rate), Role::Rate));
                emit(cell(r, 11, opt_money(p.outstanding), Role::Money));
                emit(cell(r, 12, opt_money(p.unspent), Role::Money));
                emit(cell(r, 13, Value::Number(p.remaining), Role::Money));
                r += 1;
            }
        }
    }));
    let rows: usize = c.townships.iter().map(|t| t.projects.len()).sum();
    s.source_rows = h + rows as u32;
    // Widths: the texts' own, up to a start width; money as wide as the
    // largest figure (the widest of the largest and the most negative: a
    // figure's width grows with its size, and a sign).
    let mut widths: Vec<f64> = DETAIL_TEXT.iter().map(|(_, _, min)| *min).collect();
    let (mut high, mut low): (Option<Decimal>, Option<Decimal>) = (None, None);
    for t in &c.townships {
        if t.projects.is_empty() {
            continue;
        }
        for (k, v) in [&t.unit, &t.file].into_iter().enumerate() {
            widths[k] = widths[k].max((display_width(v) + 1.5).min(DETAIL_TEXT[k].1));
        }
        for p in &t.projects {
            for (k, v) in detail_texts(t, p).into_iter().enumerate().skip(2) {
                widths[k] = widths[k].max((display_width(v) + 1.5).min(DETAIL_TEXT[k].1));
            }
            for v in [Some(p.budget), p.settled, Some(p.paid)]
                .into_iter()
                .flatten()
            {
                high = Some(high.map_or(v, |h| h.max(v)));
                low = Some(low.map_or(v, |l| l.min(v)));
            }
        }
    }
    let money = [high, low]
        .into_iter()
        .flatten()
        .map(|v| value_width(&Value::Number(v), Role::Money) + 2.0)
        .fold(10.0f64, f64::max);
    s.widths = widths
        .iter()
        .enumerate()
        .map(|(k, w)| (k as u16, *w))
        .collect();
    s.widths
        .extend((7..14).map(|c| (c, if c == 10 { 9.0 } else { money })));
    s.print = Some(
        PageSetup::new(title, Some((h, h)))
            .columns(0, 13)
            .repeat_cols(0, 3),
    );
    // Narrow the texts (they wrap) until the table fits one page wide.
    let before = s.widths.clone();
    if !s.narrow_to_fit(&[3, 1, 0, 2, 4, 5, 6], 6.0) {
        s.widths = before;
    }
    // Row heights from the texts at the widths printed.
    let mut heights = vec![(h, row_pt(2.0))];
    let mut r = h + 1;
    let column_widths: Vec<f64> = (0..7).map(|k| s.width_of(k)).collect();
    for t in &c.townships {
        // 单位 and 来源文件 are the same on each of the township's rows.
        let own = text_lines(&t.unit, column_widths[0]).max(text_lines(&t.file, column_widths[1]));
        for p in &t.projects {
            let lines = detail_texts(t, p)
                .into_iter()
                .enumerate()
                .skip(2)
                .map(|(k, v)| text_lines(v, column_widths[k]))
                .fold(own.max(1.0), f64::max)
                .min(MAX_LINES);
            if lines > 1.0 {
                heights.push((r, row_pt(lines)));
            }
            r += 1;
        }
    }
    s.row_heights = heights;
    s.freeze = Some((h + 1, 0));
    s.autofilter = Some(Span {
        first_row: h,
        first_col: 0,
        last_row: h + rows.max(1) as u32,
        last_col: 13,
    });
    s
}

const PROBLEM_TEXT_WIDTH: f64 = 60.0;

/// 问题清单: every problem of every file, with its file, row by row as
/// written. Notices that repeat per row (payments after the cut-off) are one
/// line per file here; every row stays in the township's own report and in JSON.
pub fn problems(c: &Arc<County>, title: &str) -> Sheet {
    let mut s = Sheet::new("问题清单");
    s.stream = true;
    s.column_roles = vec![
        (0, Role::Count),
        (1, Role::Text),
        (2, Role::Text),
        (3, Role::Text),
        (4, Role::Text),
        (5, Role::Text),
        (6, Role::Text),
    ];
    let h = 2;
    title_rows(&mut s, 6, c, title, "各单位台账问题清单");
    // The finding's code (as JSON's `code`) beside its message.
    for (i, t) in ["序号", "文件", "级别", "工作表", "单元格", "代码", "说明"]
        .iter()
        .enumerate()
    {
        s.text(h, i as u16, *t, Role::Header);
    }
    let rows = county_problem_rows(c);
    if rows.is_empty() {
        s.text(h + 1, 0, "未发现问题", Role::Text);
    }
    let n = rows.len();
    let county = Arc::clone(c);
    s.source = Some(Arc::new(move |emit: &mut dyn FnMut(Cell)| {
        for (i, row) in county_problem_rows(&county).into_iter().enumerate() {
            let r = h + 1 + i as u32;
            let (fp, message) = row;
            let p = &fp.problem;
            emit(cell(r, 0, Value::Number((i + 1).into()), Role::Count));
            let boxed = |c: u16, t: &str| cell(r, c, Value::Text(t.to_string()), Role::Text);
            emit(boxed(1, &fp.file));
            let mut level = boxed(2, p.severity.label());
            level.flagged = p.severity == Severity::Error;
            emit(level);
            emit(boxed(3, &p.sheet));
            let label = if message.is_some() {
                String::new()
            } else {
                p.cell_label()
            };
            emit(cell(r, 4, Value::Text(label), Role::Text));
            emit(boxed(5, p.code()));
            emit(cell(
                r,
                6,
                Value::Text(message.unwrap_or_else(|| p.message.clone())),
                Role::Text,
            ));
        }
    }));
    s.source_rows = h + n as u32;
    // Wrapped 说明 shown whole: heights known before the rows are streamed.
    s.row_heights = county_problem_rows(c)
        .iter()
        .enumerate()
        .filter_map(|(i, (fp, m))| {
            let text = m.as_deref().unwrap_or(&fp.problem.message);
            let lines = text_lines(text, PROBLEM_TEXT_WIDTH).min(MAX_LINES);
            (lines > 1.0).then_some((h + 1 + i as u32, row_pt(lines)))
        })
        .collect();
    s.widths = vec![
        (0, 6.0),
        (1, 22.0),
        (2, 6.0),
        (3, 10.0),
        (4, 12.0),
        (5, 6.0),
        (6, PROBLEM_TEXT_WIDTH),
    ];
    s.freeze = Some((h + 1, 0));
    s.autofilter = Some(Span {
        first_row: h,
        first_col: 0,
        last_row: h + n.max(1) as u32,
        last_col: 6,
    });
    s.print = Some(PageSetup::new(title, Some((h, h))));
    s
}

/// The rows of the county 问题清单: each problem, except that the per-row
/// notices of payments after the cut-off become one line per file (with the
/// summary text).
pub fn county_problem_rows(c: &County) -> Vec<(&FileProblem, Option<String>)> {
    use crate::compute::LATE_PAYMENT;
    let late: std::collections::HashMap<&str, &Township> =
        c.townships.iter().map(|t| (t.file.as_str(), t)).collect();
    let mut done: std::collections::HashSet<&str> = Default::default();
    let mut out = Vec::new();
    for fp in &c.problems {
        let repeated = fp.problem.cell.is_some()
            && fp.problem.message.contains(LATE_PAYMENT)
            && late.contains_key(fp.file.as_str());
        if !repeated {
            out.push((fp, None));
        } else if done.insert(fp.file.as_str()) {
            let t = late[fp.file.as_str()];
            out.push((
                fp,
                Some(format!(
                    "{} 笔拨付{LATE_PAYMENT}，共 {} 万元，未计入（逐笔明细见该单位的报告和 JSON）",
                    t.late.count,
                    amount(t.late.amount)
                )),
            ));
        }
    }
    out
}

pub fn missing(c: &County, title: &str) -> Sheet {
    let mut s = Sheet::new("未报送");
    super::report::title_rows(&mut s, 1, format!("{title}未报送单位"), as_of_text(c));
    let h = 2;
    s.text(h, 0, "序号", Role::Header);
    s.text(h, 1, "单位", Role::Header);
    if c.missing.is_empty() {
        s.text(h + 1, 1, "全部已报送", Role::Text);
    }
    for (i, m) in c.missing.iter().enumerate() {
        s.put(
            h + 1 + i as u32,
            0,
            Value::Number((i + 1).into()),
            Role::Count,
        );
        s.text(h + 1 + i as u32, 1, m.clone(), Role::Text);
    }
    s.widths = vec![(0, 6.0), (1, 30.0)];
    s.fit_label_heights(0);
    s.print = Some(PageSetup::new(title, Some((h, h))));
    s
}

pub fn county_sheets(c: &Arc<County>, title: &str, with_missing: bool) -> Vec<Sheet> {
    let unit = if title.is_empty() {
        "县级汇总"
    } else {
        title
    };
    // One after the other: built in parallel they raised the peak by a
    // fifth at 1,000 townships (measured) for a tenth of a second.
    let mut v = vec![
        summary(c, title),
        by_group(c, unit),
        projects(c, unit),
        super::county_levels::levels_sheet(c, unit),
        problems(c, unit),
    ];
    if with_missing {
        v.push(missing(c, unit));
    }
    v
}
