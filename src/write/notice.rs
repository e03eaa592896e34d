//! 公告公示 renderers: the 年度计划 table as a printable workbook (published
//! column order, 公示期, 监督举报电话, 12317) and the 结果公示 as 公文 text
//! for `docx` (the summary's layout and writer).

use super::report::problems_sheet;
use super::sheet::{Orientation, PageSetup, Role, Sheet, Value};
use crate::compute::notice::{Notice, ResultEntry};
use crate::model::{Problem, Wan};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The bundled 结果公示 template (`templates/notice/结果公示.txt`).
pub const RESULT_TEMPLATE: &str = include_str!("../../templates/notice/结果公示.txt");

pub const PLAN_SHEET: &str = "年度计划公示";
pub const CHECKS_SHEET: &str = "核对";

/// The 年度计划 columns as 文峰区 published them (2026).
pub const PLAN_COLUMNS: [&str; 12] = [
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
    "责任单位",
];

/// When and how the notice is posted.
#[derive(Debug, Clone, Serialize)]
pub struct Posting {
    #[serde(serialize_with = "crate::model::ser::date")]
    pub start: NaiveDate,
    #[serde(serialize_with = "crate::model::ser::date")]
    pub end: NaiveDate,
    pub days: u32,
    /// 监督举报电话; `None`: a blank for the clerk.
    pub phone: Option<String>,
    /// 县（市、区） for the plan's column.
    pub county: Option<String>,
}

fn ymd(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

pub fn plan_sheet(n: &Notice, post: &Posting) -> Sheet {
    let mut s = Sheet::new(PLAN_SHEET);
    let last = PLAN_COLUMNS.len() as u16 - 1;
    s.text(
        0,
        0,
        format!(
            "{}{}年度{}项目计划公示",
            n.place,
            n.year.map(|y| y.to_string()).unwrap_or_default(),
            n.funds
        ),
        Role::FormTitle,
    );
    s.merge(0, 0, 0, last);
    s.text(
        1,
        0,
        format!("公示单位：{}　　单位：万元", n.unit),
        Role::Caption,
    );
    s.merge(1, 0, 1, last);
    for (c, h) in PLAN_COLUMNS.iter().enumerate() {
        s.text(2, c as u16, *h, Role::FormLabel);
    }
    let mut row = 3;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    for (i, p) in n.plan.iter().enumerate() {
        s.text(row, 0, (i + 1).to_string(), Role::FormLabel);
        match &post.county {
            Some(c) => s.text(row, 1, c, Role::FormText),
            None => s.text(row, 1, "", Role::FormInput),
        };
        s.text(row, 2, &p.name, Role::FormText);
        s.text(row, 3, &p.category, Role::FormText);
        match &p.nature {
            Some(v) => s.text(row, 4, v, Role::FormText),
            None => s.text(row, 4, "", Role::FormInput),
        };
        s.text(row, 5, opt(&p.location), Role::FormText);
        s.text(row, 6, opt(&p.content), Role::FormText);
        s.put(row, 7, Value::Number(p.budget), Role::FormMoney);
        s.text(row, 8, opt(&p.targets), Role::FormText);
        // Not in a standard ledger: the clerk writes it.
        s.text(row, 9, opt(&p.mechanism), Role::FormInput);
        s.text(row, 10, opt(&p.period), Role::FormText);
        s.text(row, 11, opt(&p.implementer), Role::FormText);
        row += 1;
    }
    s.text(row, 0, "合计", Role::FormLabel);
    s.merge(row, 0, row, 1);
    s.text(row, 2, format!("{}个", n.plan.len()), Role::FormText);
    for c in 3..=6 {
        s.text(row, c, "", Role::FormText);
    }
    s.put(row, 7, Value::Number(n.plan_total), Role::FormMoney);
    for c in 8..=last {
        s.text(row, c, "", Role::FormText);
    }
    row += 1;
    if let Some(b) = &n.excluded {
        super::report::banner(&mut s, row, last, b.clone());
        row += 1;
    }
    row += 1;
    let phone = post
        .phone
        .clone()
        .unwrap_or_else(|| "＿＿＿＿＿＿＿＿".into());
    // The foot at left, the signature beside it (one page with the table).
    let foot = [
        format!(
            "公示期：{}至{}（{}天）。公示期内如有异议，请向{}反映。",
            ymd(post.start),
            ymd(post.end),
            post.days,
            n.unit
        ),
        format!("监督举报电话：{phone}；全国农业农村系统监管服务平台电话：12317。"),
    ];
    let sign = [n.unit.clone(), ymd(post.start)];
    for (line, signed) in foot.into_iter().zip(sign) {
        s.text(row, 0, line, Role::FormFoot);
        s.merge(row, 0, row, 7);
        s.text(row, 9, signed, Role::FormFoot);
        s.merge(row, 9, row, last);
        row += 1;
    }
    if post.phone.is_none() {
        s.text(
            row,
            0,
            "（请填写县级监督举报电话：jixiao notice … --phone 号码）",
            Role::Note,
        );
        s.merge(row, 0, row, 7);
    }
    s.widths = vec![
        (0, 4.0),
        (1, 7.0),
        (2, 16.0),
        (3, 8.0),
        (4, 5.0),
        (5, 9.0),
        (6, 22.0),
        (7, 9.0),
        (8, 24.0),
        (9, 10.0),
        (10, 9.0),
        (11, 9.0),
    ];
    // Rows as tall as their longest text (a posted table is read whole;
    // `fit_heights` stops at six lines).
    s.fit_heights(2);
    let widths = s.widths.clone();
    let width = |c: u16| {
        widths
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, w)| *w)
            .unwrap_or(8.0)
    };
    for r in 3..3 + n.plan.len() as u32 {
        let lines = s
            .cells
            .iter()
            .filter(|c| c.row == r)
            .filter_map(|c| match &c.value {
                Value::Text(t) => {
                    Some((super::sheet::display_width(t) / (width(c.col) - 1.5).max(1.0)).ceil())
                }
                _ => None,
            })
            .fold(1.0, f64::max);
        s.row_heights.retain(|(k, _)| *k != r);
        s.row_heights.push((r, 14.5 * lines));
    }
    s.row_heights.push((0, 30.0));
    s.freeze = Some((3, 3));
    s.print = Some(
        PageSetup::new(&n.unit, Some((0, 2)))
            .columns(0, last)
            .prefer(Orientation::Landscape),
    );
    s
}

pub fn checks_sheet(n: &Notice) -> Sheet {
    let mut s = Sheet::new(CHECKS_SHEET);
    for (c, h) in ["项目编号", "项目名称", "建设内容", "绩效目标", "说明"]
        .iter()
        .enumerate()
    {
        s.text(0, c as u16, *h, Role::Header);
    }
    if n.checks.is_empty() {
        s.text(1, 4, "建设内容与绩效目标的数量没有发现不一致", Role::Text);
    }
    for (i, k) in n.checks.iter().enumerate() {
        let r = 1 + i as u32;
        s.text(r, 0, &k.project_id, Role::Text);
        s.text(r, 1, &k.name, Role::Text);
        s.text(r, 2, &k.content, Role::Text);
        s.text(r, 3, &k.target, Role::Text);
        s.text(r, 4, &k.message, Role::Text);
    }
    s.widths = vec![(0, 12.0), (1, 28.0), (2, 30.0), (3, 22.0), (4, 50.0)];
    s.fit_heights(1);
    s.print = Some(PageSetup::new(&n.unit, Some((0, 0))));
    s
}

pub fn plan_workbook(n: &Notice, post: &Posting, problems: &[Problem]) -> Vec<Sheet> {
    vec![
        plan_sheet(n, post),
        checks_sheet(n),
        problems_sheet(&n.unit, problems),
    ]
}

/// One 结果公示 block as sentences.
#[derive(Debug, Clone, Serialize)]
pub struct Block {
    pub name: String,
    pub money: String,
    pub dates: String,
    pub acceptance: String,
    pub performance: String,
}

const TODO: &str = crate::write::docx::MARK_OPEN;

fn block(p: &ResultEntry, as_of: NaiveDate) -> Block {
    let mut money = format!("该项目计划投资{}万元", Wan(p.budget));
    match (p.settled, p.unspent) {
        (Some(s), Some(u)) => {
            money.push_str(&format!("，结算价{}万元", Wan(s)));
            if u > rust_decimal::Decimal::ZERO {
                money.push_str(&format!("，项目结余{}万元，结余资金退回财政", Wan(u)));
            } else if u.is_zero() {
                money.push_str("，无结余");
            } else {
                money.push_str(&format!("，结算价超出计划投资{}万元", Wan(-u)));
            }
        }
        _ => money.push_str(&format!("，{TODO}尚未结算，结算价】")),
    }
    money.push_str(&format!("；截至{}已拨付{}万元", ymd(as_of), Wan(p.paid)));
    if let Some(o) = p.outstanding.filter(|o| *o > rust_decimal::Decimal::ZERO) {
        money.push_str(&format!("，待拨付{}万元", Wan(o)));
    }
    money.push('。');
    let mut parts = Vec::new();
    if let Some(d) = &p.start {
        parts.push(format!("{d}开工"));
    }
    if let Some(d) = &p.end {
        parts.push(format!("{d}完工"));
    }
    if let Some(d) = &p.accepted {
        parts.push(format!("{d}验收"));
    }
    let dates = if parts.is_empty() {
        format!("项目已完工，{TODO}开工、完工及验收日期】。")
    } else {
        format!("项目于{}。", parts.join("，"))
    };
    let acceptance = match &p.acceptance {
        Some(a) => format!("经检查验收，{a}。"),
        None => format!("{TODO}检查验收结果】。"),
    };
    let done: Vec<String> = p
        .indicators
        .iter()
        .map(|g| match (&g.target, &g.actual) {
            (Some(t), Some(a)) => format!("{}目标{}，实际完成{}", g.name, t.trim(), a.trim()),
            (Some(t), None) => format!("{}目标{}，实际完成{TODO}实际完成值】", g.name, t.trim()),
            (None, Some(a)) => format!("{}实际完成{}", g.name, a.trim()),
            (None, None) => g.name.clone(),
        })
        .collect();
    let performance = if done.is_empty() {
        format!("{TODO}绩效目标实现情况】。")
    } else {
        format!("{}。", done.join("；"))
    };
    Block {
        name: p.name.clone(),
        money,
        dates,
        acceptance,
        performance,
    }
}

#[derive(Debug, Clone, Serialize)]
struct ResultData<'a> {
    place: &'a str,
    unit: &'a str,
    year: String,
    funds: &'a str,
    as_of: String,
    projects: Vec<Block>,
    start: String,
    end: String,
    days: u32,
    phone: String,
    signed: String,
}

/// The 结果公示 as line markup (`docx::parse` → `docx::to_docx`).
pub fn result_text(n: &Notice, post: &Posting, template: &str) -> Result<String, String> {
    let data = ResultData {
        place: &n.place,
        unit: &n.unit,
        year: n.year.map(|y| y.to_string()).unwrap_or_default(),
        funds: &n.funds,
        as_of: n.as_of.to_string(),
        projects: n.projects.iter().map(|p| block(p, n.as_of)).collect(),
        start: post.start.to_string(),
        end: post.end.to_string(),
        days: post.days,
        phone: post
            .phone
            .clone()
            .unwrap_or_else(|| format!("{TODO}县级监督举报电话】")),
        signed: post.start.to_string(),
    };
    super::docx::render_text(template, &data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write::sheet::page_layout;

    #[test]
    fn the_plan_prints_one_landscape_page_wide_at_9pt() {
        let n = Notice {
            unit: "靖宇镇人民政府".into(),
            place: "靖宇镇".into(),
            year: Some(2026),
            as_of: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            funds: "衔接资金".into(),
            policy: "内置".into(),
            plan: vec![],
            plan_total: rust_decimal::Decimal::ZERO,
            projects: vec![],
            not_completed: vec![],
            checks: vec![],
            excluded: None,
        };
        let start = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let post = Posting {
            start,
            end: start,
            days: 1,
            phone: None,
            county: None,
        };
        let l = page_layout(&plan_sheet(&n, &post), 0).unwrap();
        assert!(l.landscape && l.fit_width && l.body_pt >= 9.0, "{l:?}");
    }
}
