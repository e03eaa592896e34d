//! 公告公示 from the ledger: the annual plan / 项目库 rows in the published
//! column order, the 结果公示 figures of each completed project, and the
//! check a reader makes — 建设内容 quantities that disagree with the
//! 绩效目标 ("18条道路 30079平方米" vs "完成550米道路"). Pure.

use super::assets::completed;
use super::{ProjectFigures, Report};
use crate::model::{Indicator, Ledger, Wan, ser};
use crate::policy::Policy;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use std::str::FromStr;

/// One published indicator: name, target, actual.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Goal {
    pub level2: Option<String>,
    pub name: String,
    pub target: Option<String>,
    pub actual: Option<String>,
}

/// A row of the 年度计划 table (文峰区 2026 column order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRow {
    pub project_id: String,
    pub name: String,
    /// 项目类型
    pub category: String,
    /// 建设性质 (新建/改建/扩建/续建/维修…) when the name or content says.
    pub nature: Option<String>,
    /// 实施地点
    pub location: Option<String>,
    /// 建设内容 (the ledger's 年度目标)
    pub content: Option<String>,
    /// 投资概算（万元）
    #[serde(serialize_with = "ser::amount")]
    pub budget: Decimal,
    /// 预期绩效目标, joined from the indicators.
    pub targets: Option<String>,
    /// 联农带农机制: not in a standard ledger.
    pub mechanism: Option<String>,
    /// 实施期限
    pub period: Option<String>,
    /// 实施年月 / 完工年月 (项目库)
    pub start_month: Option<String>,
    pub end_month: Option<String>,
    /// The budget under the fund family (衔接资金 …).
    #[serde(serialize_with = "ser::amount")]
    pub family_budget: Decimal,
    /// Under other fiscal funds (整合资金 …).
    #[serde(serialize_with = "ser::amount")]
    pub other_fiscal: Decimal,
    /// 自筹 / 其他资金.
    #[serde(serialize_with = "ser::amount")]
    pub self_raised: Decimal,
    /// 责任单位
    pub implementer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct PlanTotals {
    #[serde(serialize_with = "ser::amount")]
    pub budget: Decimal,
    #[serde(serialize_with = "ser::amount")]
    pub family: Decimal,
    #[serde(serialize_with = "ser::amount")]
    pub other_fiscal: Decimal,
    #[serde(serialize_with = "ser::amount")]
    pub self_raised: Decimal,
}

/// One block of the 结果公示.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultEntry {
    pub project_id: String,
    pub name: String,
    /// 计划投资
    #[serde(serialize_with = "ser::amount")]
    pub budget: Decimal,
    /// 结算价
    #[serde(serialize_with = "ser::amount_opt")]
    pub settled: Option<Decimal>,
    /// 项目结余 = 计划投资 − 结算价 (negative: settled above the plan).
    #[serde(serialize_with = "ser::amount_opt")]
    pub unspent: Option<Decimal>,
    /// The 结余 goes back to the treasury (结余 > 0).
    pub returns_to_treasury: bool,
    #[serde(serialize_with = "ser::amount")]
    pub paid: Decimal,
    #[serde(serialize_with = "ser::amount_opt")]
    pub outstanding: Option<Decimal>,
    pub start: Option<String>,
    pub end: Option<String>,
    /// 验收日期: a standard ledger has none.
    pub accepted: Option<String>,
    /// 检查验收结果 from the 质量指标 (实际完成值).
    pub acceptance: Option<String>,
    pub indicators: Vec<Goal>,
    pub status: Option<String>,
}

/// A quantity in 建设内容 that disagrees with a 绩效目标.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantityCheck {
    pub project_id: String,
    pub name: String,
    /// The 建设内容 text compared.
    pub content: String,
    /// The indicator: "道路长度 ≥550米".
    pub target: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub unit: String,
    /// The township's own name for titles ("靖宇镇"), else the unit.
    pub place: String,
    pub year: Option<i32>,
    #[serde(serialize_with = "ser::date")]
    pub as_of: NaiveDate,
    /// The money named in titles this year ("衔接资金及整合资金").
    pub funds: String,
    pub policy: String,
    pub plan: Vec<PlanRow>,
    #[serde(serialize_with = "ser::amount")]
    pub plan_total: Decimal,
    /// The plan's columns added up (项目库: 小计, the family, other fiscal, 自筹).
    pub plan_totals: PlanTotals,
    /// The family's label this year (the 项目库 column).
    pub family_label: String,
    /// 主管部门 (说明).
    pub department: Option<String>,
    pub projects: Vec<ResultEntry>,
    pub not_completed: Vec<super::assets::Pending>,
    pub checks: Vec<QuantityCheck>,
    /// Rows the reader left out (data errors): the tables are short by them.
    pub excluded: Option<String>,
}

const NATURES: [&str; 7] = ["新建", "改建", "扩建", "续建", "维修", "改造", "提升"];

fn goals(inds: &[&Indicator]) -> Vec<Goal> {
    inds.iter()
        .filter_map(|i| {
            let name = i.name.clone().filter(|n| !n.trim().is_empty())?;
            Some(Goal {
                level2: i.level2.clone(),
                name,
                target: i.target.clone(),
                actual: i.actual.clone(),
            })
        })
        .collect()
}

fn ymd(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn period(p: &ProjectFigures) -> Option<String> {
    let ym = |d: NaiveDate| format!("{}年{}月", d.year(), d.month());
    match (p.start_date, p.end_date) {
        (Some(a), Some(b)) => Some(format!("{}—{}", ym(a), ym(b))),
        (Some(a), None) => Some(format!("{}起", ym(a))),
        (None, Some(b)) => Some(format!("{}前", ym(b))),
        (None, None) => None,
    }
}

/// "工程验收合格率100%", "规划通过审查：是".
fn said(name: &str, value: &str) -> String {
    let v = value.trim();
    if v.starts_with(|c: char| c.is_ascii_digit() || "≥≤=＝<>".contains(c)) {
        format!("{name}{v}")
    } else {
        format!("{name}：{v}")
    }
}

pub use super::assets::place_of;

/// The money a notice names: the family's title, or both families'
/// labels when the ledger has both.
fn funds_named(report: &Report, policy: &Policy) -> String {
    let mut family = false;
    let mut integrated = false;
    for p in &report.projects {
        for (f, _) in lines_of(p) {
            let (key, _) = policy.classify(&f);
            if key == policy.family.key {
                family = true;
            } else if policy.integrated.as_ref().is_some_and(|i| i.key == key) {
                integrated = true;
            }
        }
    }
    match (family, integrated, &policy.integrated) {
        (true, true, Some(i)) => format!("{}及{}", policy.family.label, i.label),
        (false, true, Some(i)) => i.title.clone(),
        _ => policy.family.title.clone(),
    }
}

use super::assets::budget_lines as lines_of;

pub fn build(ledger: &Ledger, report: &Report, policy: &Policy) -> Notice {
    let mut plan = Vec::new();
    let mut projects = Vec::new();
    let mut not_completed = Vec::new();
    let mut checks = Vec::new();
    for p in &report.projects {
        let inds: Vec<&Indicator> = ledger
            .indicators
            .iter()
            .filter(|i| i.project_id == p.id)
            .collect();
        let gs = goals(&inds);
        let content = p.annual_target.clone();
        // The name says it; the content only in plain building words
        // ("提升…素质" is no 建设性质).
        let nature = NATURES
            .iter()
            .find(|w| p.name.contains(*w))
            .or_else(|| {
                NATURES[..4]
                    .iter()
                    .find(|w| content.as_deref().is_some_and(|c| c.contains(*w)))
            })
            .map(|w| w.to_string());
        // 预期绩效目标 as published: quantities, benefits, satisfaction.
        let targets = gs
            .iter()
            .filter(|g| {
                g.level2
                    .as_deref()
                    .is_none_or(|l| l.contains("数量") || l.contains("效益") || l.contains("满意"))
            })
            .filter_map(|g| g.target.as_ref().map(|t| format!("{}{}", g.name, t.trim())))
            .collect::<Vec<_>>();
        let (mut family, mut other, mut own) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for (f, b) in lines_of(p) {
            let (key, _) = policy.classify(&f);
            if key == policy.family.key {
                family += b;
            } else if key == crate::model::standard::OTHER_FUNDS || f.contains("自筹") {
                own += b;
            } else {
                other += b;
            }
        }
        let ym = |d: NaiveDate| format!("{}年{}月", d.year(), d.month());
        plan.push(PlanRow {
            project_id: p.id.clone(),
            name: p.name.clone(),
            category: p.category.clone(),
            nature,
            location: p.location.clone(),
            content: content.clone(),
            budget: p.budget,
            targets: (!targets.is_empty()).then(|| targets.join("；")),
            mechanism: None,
            period: period(p),
            start_month: p.start_date.map(ym),
            end_month: p.end_date.map(ym),
            family_budget: family,
            other_fiscal: other,
            self_raised: own,
            implementer: p.implementer.clone(),
        });
        if let Some(c) = &content {
            checks.extend(quantity_checks(p, c, &inds));
        }
        let (done, _) = completed(p, report.as_of);
        if !done {
            not_completed.push(super::assets::Pending {
                project_id: p.id.clone(),
                name: p.name.clone(),
                status: p.status.clone(),
                end_date: p.end_date.map(|d| d.to_string()),
            });
            continue;
        }
        let acceptance = gs
            .iter()
            .filter(|g| g.level2.as_deref().is_some_and(|l| l.contains("质量")))
            .filter_map(|g| g.actual.as_ref().map(|a| said(&g.name, a)))
            .collect::<Vec<_>>();
        projects.push(ResultEntry {
            project_id: p.id.clone(),
            name: p.name.clone(),
            budget: p.budget,
            settled: p.settled,
            unspent: p.unspent,
            returns_to_treasury: p.unspent.is_some_and(|u| u > Decimal::ZERO),
            paid: p.paid,
            outstanding: p.outstanding,
            start: p.start_date.map(ymd),
            end: p.end_date.map(ymd),
            accepted: None,
            acceptance: (!acceptance.is_empty()).then(|| acceptance.join("，")),
            indicators: gs,
            status: p.status.clone(),
        });
    }
    Notice {
        unit: report.unit_name.clone(),
        place: place_of(&report.unit_name),
        year: report.year.or(Some(report.as_of.year())),
        as_of: report.as_of,
        funds: funds_named(report, policy),
        policy: policy.source.clone(),
        plan_total: report.projects.iter().map(|p| p.budget).sum(),
        plan_totals: PlanTotals {
            budget: plan.iter().map(|r| r.budget).sum(),
            family: plan.iter().map(|r| r.family_budget).sum(),
            other_fiscal: plan.iter().map(|r| r.other_fiscal).sum(),
            self_raised: plan.iter().map(|r| r.self_raised).sum(),
        },
        family_label: policy.family.label.clone(),
        department: report.department.clone(),
        plan,
        projects,
        not_completed,
        checks,
        excluded: report.excluded.banner(),
    }
}

/// A quantity in a text: value (in 米 for lengths), unit, and whether it is
/// per item (每栋360平方米).
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub value: Decimal,
    pub unit: &'static str,
    pub each: bool,
    /// Where it stands in the text (characters, end excluded).
    pub span: (usize, usize),
}

/// Units, longest first, with the unit they count in and a factor.
const UNITS: &[(&str, &str, u32)] = &[
    ("平方米", "平方米", 1),
    ("平方公里", "平方公里", 1),
    ("立方米", "立方米", 1),
    ("㎡", "平方米", 1),
    ("m²", "平方米", 1),
    ("公里", "米", 1000),
    ("千米", "米", 1000),
    ("延米", "米", 1),
    ("米", "米", 1),
    ("人次", "人次", 1),
    ("公顷", "公顷", 1),
    ("亩", "亩", 1),
    ("盏", "盏", 1),
    ("座", "座", 1),
    ("个", "个", 1),
    ("条", "条", 1),
    ("栋", "栋", 1),
    ("户", "户", 1),
    ("人", "人", 1),
    ("只", "只", 1),
    ("头", "头", 1),
    ("吨", "吨", 1),
    ("处", "处", 1),
    ("口", "口", 1),
    ("眼", "眼", 1),
    ("套", "套", 1),
    ("台", "台", 1),
    ("间", "间", 1),
    ("棵", "棵", 1),
    ("株", "株", 1),
];

/// Every number followed by a unit in `text`.
pub fn quantities(text: &str) -> Vec<Quantity> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == ',') {
            i += 1;
        }
        let num: String = chars[start..i].iter().filter(|c| **c != ',').collect();
        let num = num.trim_end_matches('.');
        let mut j = i;
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        let rest: String = chars[j..chars.len().min(j + 4)].iter().collect();
        let Some((spelled, unit, factor)) = UNITS.iter().find(|(u, ..)| rest.starts_with(u)) else {
            continue;
        };
        let Ok(v) = Decimal::from_str(num) else {
            continue;
        };
        let before: String = chars[start.saturating_sub(2)..start].iter().collect();
        out.push(Quantity {
            value: v * Decimal::from(*factor),
            unit: *unit,
            each: before.contains('每'),
            span: (start, j + spelled.chars().count()),
        });
        i = j + spelled.chars().count();
    }
    out
}

/// Words too common to tie an indicator to a clause.
const GENERIC: [&str; 12] = [
    "新建", "改建", "完成", "面积", "长度", "数量", "建设", "项目", "实施", "个数", "宽度", "规模",
];

/// Whether a clause speaks of what an indicator measures: they share a
/// two-character word that is not generic.
fn related(clause: &str, about: &str) -> bool {
    // Quantities say nothing of the object ("平方米" is in every area).
    let spans: Vec<(usize, usize)> = quantities(about).iter().map(|q| q.span).collect();
    let about: String = about
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if spans.iter().any(|(a, b)| (*a..*b).contains(&i)) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<Vec<char>> = about
        .split(|c: char| c.is_ascii() || "≥≤＝，。；：（）".contains(c))
        .map(|w| w.chars().collect())
        .collect();
    words.iter().flat_map(|w| w.windows(2)).any(|w| {
        let pair: String = w.iter().collect();
        !GENERIC.contains(&pair.as_str()) && clause.contains(&pair)
    })
}

fn fmt_q(q: &Quantity) -> String {
    format!("{}{}", q.value.normalize(), q.unit)
}

/// The reader's check of one project: each 数量指标 quantity against the
/// quantities of the 建设内容 clauses that speak of the same thing.
pub fn quantity_checks(
    p: &ProjectFigures,
    content: &str,
    inds: &[&Indicator],
) -> Vec<QuantityCheck> {
    let clauses: Vec<&str> = content
        .split(['，', ',', '；', ';', '。', '、', '：', ':', '\n'])
        .filter(|c| !c.trim().is_empty())
        .collect();
    let mut out = Vec::new();
    for ind in inds {
        let quantitative = ind.level2.as_deref().is_none_or(|l| l.contains("数量"));
        let (Some(name), Some(target)) = (ind.name.as_deref(), ind.target.as_deref()) else {
            continue;
        };
        if !quantitative {
            continue;
        }
        let Some(goal) = quantities(target).into_iter().next() else {
            continue;
        };
        let about = format!("{name}{target}");
        let near: Vec<&str> = clauses
            .iter()
            .copied()
            .filter(|c| related(c, &about))
            .collect();
        if near.is_empty() {
            continue;
        }
        let qs: Vec<Quantity> = near.iter().flat_map(|c| quantities(c)).collect();
        let same: Vec<&Quantity> = qs.iter().filter(|q| q.unit == goal.unit).collect();
        let shown = near.join("，");
        let label = format!("{name}{}", target.trim());
        if !same.is_empty() {
            let mut fits: Vec<Decimal> = same.iter().map(|q| q.value).collect();
            fits.push(same.iter().map(|q| q.value).sum());
            // 每栋360平方米 × 2栋.
            for e in same.iter().filter(|q| q.each) {
                for n in qs.iter().filter(|q| q.unit != goal.unit && !q.each) {
                    fits.push(e.value * n.value);
                }
            }
            if !fits.contains(&goal.value) {
                out.push(QuantityCheck {
                    project_id: p.id.clone(),
                    name: p.name.clone(),
                    content: shown,
                    target: label.clone(),
                    message: format!(
                        "建设内容写“{}”（{}），绩效目标“{label}”为 {}，两者不一致，请核对",
                        near.join("，"),
                        same.iter().map(|q| fmt_q(q)).collect::<Vec<_>>().join("、"),
                        fmt_q(&goal)
                    ),
                });
            }
            continue;
        }
        // A length against an area: the width it implies.
        let area = qs.iter().find(|q| q.unit == "平方米");
        if goal.unit == "米"
            && let Some(a) = area
            && !goal.value.is_zero()
        {
            let width = (a.value / goal.value).round_dp(2);
            if width > Decimal::from(30) || width < Decimal::ONE {
                out.push(QuantityCheck {
                    project_id: p.id.clone(),
                    name: p.name.clone(),
                    content: shown,
                    target: label.clone(),
                    message: format!(
                        "建设内容写“{}”，绩效目标“{label}”：{} ÷ {} 相当于宽 {} 米，两者对不上，请核对",
                        near.join("，"),
                        fmt_q(a),
                        fmt_q(&goal),
                        Wan(width)
                    ),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::d;

    fn ind(level2: &str, name: &str, target: &str) -> Indicator {
        Indicator {
            project_id: "P".into(),
            level1: None,
            level2: Some(level2.into()),
            name: Some(name.into()),
            target: Some(target.into()),
            actual: None,
            weight: None,
            hand_score: None,
            deviation_reason: None,
            row: Default::default(),
        }
    }

    #[test]
    fn quantities_with_units() {
        let q = quantities("18条道路 30079平方米，每栋360平方米，1.2公里，2023年");
        let v: Vec<(Decimal, &str, bool)> = q.iter().map(|q| (q.value, q.unit, q.each)).collect();
        assert_eq!(
            v,
            vec![
                (d("18"), "条", false),
                (d("30079"), "平方米", false),
                (d("360"), "平方米", true),
                (d("1200"), "米", false),
            ]
        );
    }

    #[test]
    fn the_published_road_row_is_caught_and_the_sample_is_not() {
        let p = ProjectFigures {
            id: "P".into(),
            ..Default::default()
        };
        let i = ind("数量指标", "完成道路", "550米");
        let c = quantity_checks(&p, "18条道路 30079平方米", &[&i]);
        assert_eq!(c.len(), 1, "{c:?}");
        assert!(c[0].message.contains("54.69"), "{}", c[0].message);
        // Same unit, another figure.
        let i = ind("数量指标", "新建道路长度", "≥600米");
        let c = quantity_checks(&p, "新建道路550米", &[&i]);
        assert!(c[0].message.contains("550米") && c[0].message.contains("600米"));
        // The sample's 牛场: 2栋 × 每栋360平方米 = 720; 饲料库房 has no area stated.
        let a = ind("数量指标", "新建牛舍面积", "≥720平方米");
        let b = ind("数量指标", "新建饲料库房面积", "≥201平方米");
        let c = quantity_checks(
            &p,
            "新建牛舍2栋（每栋360平方米）、饲料库房1栋及化粪池等配套设施，增加村集体收入",
            &[&a, &b],
        );
        assert!(c.is_empty(), "{c:?}");
        // The sample's road: 1216.1米 and a 3米 lane among 0.5米 shoulders.
        let a = ind("数量指标", "新建沥青路长度", "≥1216.1米");
        let b = ind("数量指标", "车道宽度", "=3米");
        let c = quantity_checks(
            &p,
            "新建永生村一撮毛屯沥青路1216.1米，道路横断面0.5米路肩+3米车道+0.5米路肩，改善居民生产生活条件。",
            &[&a, &b],
        );
        assert!(c.is_empty(), "{c:?}");
    }
}
