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
    /// The days are working days (10 个工作日).
    pub working_days: bool,
    /// 监督举报电话; `None`: a blank for the clerk.
    pub phone: Option<String>,
    /// 县（市、区） for the plan's column.
    pub county: Option<String>,
}

impl Posting {
    /// "10天" or "10个工作日".
    pub fn length(&self) -> String {
        if self.working_days {
            format!("{}个工作日", self.days)
        } else {
            format!("{}天", self.days)
        }
    }
}

fn ymd(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Which published table `--stage plan` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanLayout {
    /// 年度计划 (文峰区 2026).
    #[default]
    Annual,
    /// 项目库 (巴南 2026).
    Library,
}

/// The 项目库 columns as 巴南 published them (2026); a column for other
/// fiscal money (整合资金) is added after the family's when the ledger has it.
pub const LIBRARY_COLUMNS: [&str; 13] = [
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
    "自筹资金",
    "备注",
];

/// A cell of a posted table: text, a blank for the clerk (yellow), money.
enum V {
    T(String),
    In(String),
    M(rust_decimal::Decimal),
}

fn text_or_input(v: &Option<String>) -> V {
    match v {
        Some(t) if !t.trim().is_empty() => V::T(t.clone()),
        _ => V::In(String::new()),
    }
}

/// A posted table: title, caption, header, rows, 合计 (count and money
/// totals), the 公示期 and phone at the foot with the signature beside them.
struct Posted {
    title: String,
    heads: Vec<String>,
    widths: Vec<f64>,
    rows: Vec<Vec<V>>,
    count_col: u16,
    totals: Vec<(u16, rust_decimal::Decimal)>,
}

fn posted_sheet(n: &Notice, post: &Posting, t: Posted) -> Sheet {
    let mut s = Sheet::new(PLAN_SHEET);
    let last = t.heads.len() as u16 - 1;
    s.text(0, 0, t.title, Role::FormTitle);
    s.merge(0, 0, 0, last);
    s.text(
        1,
        0,
        format!("公示单位：{}　　单位：万元", n.unit),
        Role::Caption,
    );
    s.merge(1, 0, 1, last);
    for (c, h) in t.heads.iter().enumerate() {
        s.text(2, c as u16, h, Role::FormLabel);
    }
    let mut row = 3;
    for (i, cells) in t.rows.iter().enumerate() {
        s.text(row, 0, (i + 1).to_string(), Role::FormLabel);
        for (c, v) in cells.iter().enumerate() {
            let c = c as u16 + 1;
            match v {
                V::T(x) => s.text(row, c, x, Role::FormText),
                V::In(x) => s.text(row, c, x, Role::FormInput),
                V::M(d) => s.put(row, c, Value::Number(*d), Role::FormMoney),
            };
        }
        row += 1;
    }
    s.text(row, 0, "合计", Role::FormLabel);
    for c in 1..=last {
        match t.totals.iter().find(|(k, _)| *k == c) {
            Some((_, d)) => s.put(row, c, Value::Number(*d), Role::FormMoney),
            None if c == t.count_col => {
                s.text(row, c, format!("{}个", t.rows.len()), Role::FormText)
            }
            None => s.text(row, c, "", Role::FormText),
        };
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
            "公示期：{}至{}（{}）。公示期内如有异议，请向{}反映。",
            ymd(post.start),
            ymd(post.end),
            post.length(),
            n.unit
        ),
        format!("监督举报电话：{phone}；全国农业农村系统监管服务平台电话：12317。"),
    ];
    let sign = [n.unit.clone(), ymd(post.start)];
    for (line, signed) in foot.into_iter().zip(sign) {
        s.text(row, 0, line, Role::FormFoot);
        s.merge(row, 0, row, last - 4);
        s.text(row, last - 2, signed, Role::FormFoot);
        s.merge(row, last - 2, row, last);
        row += 1;
    }
    if post.phone.is_none() {
        s.text(
            row,
            0,
            "（请填写县级监督举报电话：jixiao notice … --phone 号码）",
            Role::Note,
        );
        s.merge(row, 0, row, last - 4);
    }
    s.widths = t
        .widths
        .iter()
        .enumerate()
        .map(|(c, w)| (c as u16, *w))
        .collect();
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
    for r in 3..3 + t.rows.len() as u32 {
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

fn title(n: &Notice, what: &str) -> String {
    format!(
        "{}{}年度{}{what}",
        n.place,
        n.year.map(|y| y.to_string()).unwrap_or_default(),
        n.funds
    )
}

/// The 年度计划 table (文峰区 column order).
pub fn plan_sheet(n: &Notice, post: &Posting) -> Sheet {
    let rows = n
        .plan
        .iter()
        .map(|p| {
            vec![
                text_or_input(&post.county),
                V::T(p.name.clone()),
                V::T(p.category.clone()),
                text_or_input(&p.nature),
                V::T(p.location.clone().unwrap_or_default()),
                V::T(p.content.clone().unwrap_or_default()),
                V::M(p.budget),
                V::T(p.targets.clone().unwrap_or_default()),
                // Not in a standard ledger: the clerk writes it.
                V::In(p.mechanism.clone().unwrap_or_default()),
                V::T(p.period.clone().unwrap_or_default()),
                V::T(p.implementer.clone().unwrap_or_default()),
            ]
        })
        .collect();
    posted_sheet(
        n,
        post,
        Posted {
            title: title(n, "项目计划公示"),
            heads: PLAN_COLUMNS.iter().map(|h| h.to_string()).collect(),
            widths: vec![
                4.0, 7.0, 16.0, 8.0, 5.0, 9.0, 22.0, 9.0, 24.0, 10.0, 9.0, 9.0,
            ],
            rows,
            count_col: 2,
            totals: vec![(7, n.plan_totals.budget)],
        },
    )
}

/// The 项目库 table (巴南 column order).
pub fn library_sheet(n: &Notice, post: &Posting) -> Sheet {
    let t = &n.plan_totals;
    let other = !t.other_fiscal.is_zero();
    let mut heads: Vec<String> = LIBRARY_COLUMNS.iter().map(|h| h.to_string()).collect();
    heads[10] = n.family_label.clone();
    // One landscape page wide at ≥ 9 pt with the extra money column too.
    let mut widths = vec![
        4.0, 14.0, 8.0, 16.0, 18.0, 8.0, 8.0, 8.0, 8.0, 9.0, 9.0, 9.0, 6.0,
    ];
    if other {
        heads.insert(11, "其他财政资金".into());
        widths.insert(11, 9.0);
    }
    let rows = n
        .plan
        .iter()
        .map(|p| {
            let mut r = vec![
                V::T(p.name.clone()),
                V::T(p.category.clone()),
                V::T(p.content.clone().unwrap_or_default()),
                V::T(p.targets.clone().unwrap_or_default()),
                text_or_input(&n.department),
                V::T(p.implementer.clone().unwrap_or_default()),
                V::T(p.start_month.clone().unwrap_or_default()),
                V::T(p.end_month.clone().unwrap_or_default()),
                V::M(p.budget),
                V::M(p.family_budget),
            ];
            if other {
                r.push(V::M(p.other_fiscal));
            }
            r.push(V::M(p.self_raised));
            r.push(V::T(String::new()));
            r
        })
        .collect();
    let mut totals = vec![(9, t.budget), (10, t.family)];
    if other {
        totals.push((11, t.other_fiscal));
        totals.push((12, t.self_raised));
    } else {
        totals.push((11, t.self_raised));
    }
    posted_sheet(
        n,
        post,
        Posted {
            title: title(n, "项目库"),
            heads,
            widths,
            rows,
            count_col: 1,
            totals,
        },
    )
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

pub fn plan_workbook(
    n: &Notice,
    post: &Posting,
    layout: PlanLayout,
    problems: &[Problem],
) -> Vec<Sheet> {
    vec![
        match layout {
            PlanLayout::Annual => plan_sheet(n, post),
            PlanLayout::Library => library_sheet(n, post),
        },
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
    /// "10天" / "10个工作日".
    length: String,
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
        length: post.length(),
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
            plan_totals: Default::default(),
            family_label: "衔接资金".into(),
            department: None,
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
            working_days: false,
            phone: None,
            county: None,
        };
        let mut with_other = n.clone();
        with_other.plan_totals.other_fiscal = rust_decimal::Decimal::ONE;
        let library = library_sheet(&with_other, &post);
        assert_eq!(
            library.get(2, 11).unwrap().value,
            Value::Text("其他财政资金".into())
        );
        for s in [plan_sheet(&n, &post), library_sheet(&n, &post), library] {
            let l = page_layout(&s, 0).unwrap();
            assert!(l.landscape && l.fit_width && l.body_pt >= 9.0, "{l:?}");
        }
    }
}
