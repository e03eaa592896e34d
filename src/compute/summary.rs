//! The data of the 绩效自评总结 (written self-evaluation summary): every figure
//! and data-derived fact the template needs, built from the `Report`, the
//! `Ledger` and the evaluations. Pure: no I/O, no text formatting of amounts
//! (the template's filters write 万元, %, and ordinals).
//!
//! Where the data lacks a fact, the field is `None` and the template shows a
//! 【待补充：…】 marker; nothing here invents prose.

use super::Report;
use super::score::{Evaluation, Level1};
use crate::model::Ledger;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

fn dec<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.normalize().to_string())
}
fn dec_opt<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.normalize().to_string()),
        None => s.serialize_none(),
    }
}
fn rate_opt<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&format!("{d:.2}")),
        None => s.serialize_none(),
    }
}

pub use crate::model::facts::DocFacts;

/// Everything the summary template reads.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryData {
    pub unit: String,
    /// The ledger's year (else the cut-off's year).
    pub year: i32,
    /// Cut-off date, `YYYY-MM-DD` (the `rq` filter writes 2024年5月31日).
    pub as_of: String,
    /// Date of the signature block, `YYYY-MM-DD`.
    pub signed: String,
    pub project_count: usize,
    #[serde(serialize_with = "dec")]
    pub total_budget: Decimal,
    /// 衔接资金 arranged (projects budgeted under it).
    #[serde(serialize_with = "dec")]
    pub xianjie_budget: Decimal,
    /// Paid from 衔接资金 by the cut-off, whatever project it went to: the
    /// reference's "（包括衔接资金71.6787万元）".
    #[serde(serialize_with = "dec")]
    pub xianjie_paid: Decimal,
    #[serde(serialize_with = "dec")]
    pub paid: Decimal,
    #[serde(serialize_with = "rate_opt")]
    pub execution_rate: Option<Decimal>,
    /// 结转: budget − paid of projects not finished. `None` when a project's
    /// status is unknown (the figure cannot be stated).
    #[serde(serialize_with = "dec_opt")]
    pub carry_over: Option<Decimal>,
    pub categories: Vec<CategorySummary>,
    /// Rows left out of the sums for data errors, said as the banner says it
    /// (the document must not quietly report less than the ledger holds).
    pub excluded: Option<String>,
    /// For 四、偏离绩效目标的原因: indicators not met, projects not finished.
    pub deviations: Vec<Deviation>,
    /// Finished projects whose settlement is not fully paid.
    pub outstanding: Vec<Amounted>,
    #[serde(serialize_with = "dec")]
    pub outstanding_total: Decimal,
    /// Finished projects that needed less than their budget (结余).
    pub unspent: Vec<Amounted>,
    #[serde(serialize_with = "dec")]
    pub unspent_total: Decimal,
    /// Projects whose self-evaluation score is below 80 (grade 中/差).
    pub low_scores: Vec<Amounted>,
    /// Facts the generator could not use (drafted indicators, unscored
    /// items): shown on screen beside the markers.
    pub notes: Vec<String>,
    /// Document facts given on 说明 (通知文号, 整合方案, 管理办法).
    pub facts: DocFacts,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategorySummary {
    pub name: String,
    pub count: usize,
    #[serde(serialize_with = "dec")]
    pub budget: Decimal,
    pub projects: Vec<ProjectSummary>,
}

/// A project name with one amount (or score).
#[derive(Debug, Clone, Serialize)]
pub struct Amounted {
    pub name: String,
    #[serde(serialize_with = "dec")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deviation {
    pub project: String,
    /// The indicator not met (empty for a project not finished).
    pub what: String,
    /// 在建 / 未开工 for a project not finished by the cut-off.
    pub status: Option<String>,
    pub target: Option<String>,
    pub actual: Option<String>,
    pub reason: Option<String>,
}

/// Where a project stands, for its status sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Finished and fully paid (已结算, or 已完工 with nothing outstanding).
    Settled,
    /// Finished, settlement known, not fully paid.
    Awaiting,
    /// Finished, no settlement amount recorded.
    Finished,
    /// 在建.
    Ongoing,
    /// 未开工.
    NotStarted,
    /// No (recognised) status.
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectSummary {
    pub id: String,
    pub name: String,
    pub fund_source: String,
    pub status: Option<String>,
    pub state: State,
    #[serde(serialize_with = "dec")]
    pub budget: Decimal,
    /// Amount used: the 结算金额 of a finished project, else `None`.
    #[serde(serialize_with = "dec_opt")]
    pub used: Option<Decimal>,
    #[serde(serialize_with = "dec")]
    pub paid: Decimal,
    /// The fund the payments came from when it is not the project's own
    /// (the reference's "已拨付衔接资金60万元"); empty otherwise.
    pub paid_fund: String,
    #[serde(serialize_with = "dec_opt")]
    pub outstanding: Option<Decimal>,
    #[serde(serialize_with = "dec_opt")]
    pub unspent: Option<Decimal>,
    /// 未支出 (budget − paid).
    #[serde(serialize_with = "dec")]
    pub remaining: Decimal,
    /// Why the settlement is not paid (the 偏差原因 column), for `Awaiting`.
    pub settle_reason: Option<String>,
    /// Why the budget was not fully used, when `unspent` > 0.
    pub under_use_reason: Option<String>,
    /// What was built/achieved: 产出·数量 indicators' 实际完成值
    /// ("新建牛舍面积720平方米"), else the 实际完成情况 column.
    pub built: Option<String>,
    /// 效益 indicators' 实际完成值 ("脱贫户产业发展收入明显提升").
    pub benefits: Option<String>,
    pub annual_target: Option<String>,
    /// A building project (its 年度目标 says 新建/改建, its name 建设项目, or
    /// its category is 基础设施):
    /// the summary says "该项目为YYYY年新建项目".
    pub construction: bool,
    /// Started in the ledger's year.
    pub new_this_year: bool,
    /// The 实际完成情况 says the year's target was met (已完成年初目标).
    pub met: bool,
    /// Finished, and every indicator the clerk set reached its target (each
    /// scored its full weight): the summary may say 完成年初建设目标 though
    /// the 实际完成情况 does not.
    pub targets_met: bool,
    /// What the project does or builds: the 年度目标's clauses other than
    /// its effects ("新建永生村一撮毛屯沥青路1216.1米，…").
    pub doing: Option<String>,
    /// The effects the 年度目标 names ("增加村集体收入，带动周边农户经济发展").
    pub effect: Option<String>,
    /// What the 实际完成情况 adds: its clauses less money, settlement,
    /// reasons and what the 年度目标 already says.
    pub done: Option<String>,
    #[serde(serialize_with = "dec_opt")]
    pub score: Option<Decimal>,
    pub grade: Option<String>,
}

fn state_of(status: Option<&str>, settled: Option<Decimal>, outstanding: Option<Decimal>) -> State {
    let s = status.unwrap_or("").trim();
    let finished = s.contains("完工") && !s.contains("未")
        || s.contains("结算") && !s.contains("未")
        || s.contains("验收")
        || s.contains("完成");
    if s.contains("未开工") {
        State::NotStarted
    } else if s.contains("在建") || s.contains("施工中") || s.contains("未完工") {
        State::Ongoing
    } else if finished {
        match (settled, outstanding) {
            (Some(_), Some(o)) if o > Decimal::ZERO => State::Awaiting,
            (Some(_), _) => State::Settled,
            _ if s.contains("已结算") => State::Settled,
            _ => State::Finished,
        }
    } else {
        State::Unknown
    }
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|x| x.trim().trim_end_matches(['。', '；', ';']).to_string())
        .filter(|x| !x.is_empty())
}

/// Build the summary data. `evals` parallel to `report.projects`.
pub fn build(
    ledger: &Ledger,
    report: &Report,
    evals: &[Evaluation],
    signed: NaiveDate,
) -> SummaryData {
    let year = ledger.info.year.unwrap_or(report.as_of.year());
    let mut notes = Vec::new();
    let fund = |k: &str| report.by_fund_source.iter().find(|g| g.key == k);
    let xianjie = crate::model::standard::Fund::Xianjie.name();
    let xianjie_budget = fund(xianjie).map(|g| g.budget).unwrap_or_default();
    let xianjie_paid = fund(xianjie).map(|g| g.paid).unwrap_or_default();

    let mut projects: Vec<ProjectSummary> = Vec::new();
    let mut deviations = Vec::new();
    for (i, f) in report.projects.iter().enumerate() {
        let eval = evals.get(i);
        let state = state_of(f.status.as_deref(), f.settled, f.outstanding);
        // Funds of the counted payments, when not the project's own.
        let funds: Vec<&str> = f.paid_by_fund.iter().map(|(k, _)| k.as_str()).collect();
        let paid_fund = match funds.as_slice() {
            [one] if *one != f.fund_source => one.to_string(),
            _ => String::new(),
        };
        let reason = nonempty(&f.deviation_reason);
        let settle_reason = if state == State::Awaiting {
            reason.clone()
        } else {
            None
        };
        // Indicators typed by the clerk (drafted ones say nothing about the year).
        let real: Vec<_> = eval
            .map(|e| e.indicators.iter().filter(|s| !s.input.drafted).collect())
            .unwrap_or_default();
        if eval.is_some_and(|e| e.drafted) {
            notes.push(format!(
                "项目“{}”没有绩效指标（自评用的是草拟指标），总结中的完成情况取自“实际完成情况”列或留待补充",
                f.name
            ));
        }
        let unspent = f.unspent.filter(|u| *u > Decimal::ZERO);
        let under_use_reason = if unspent.is_some() {
            // The project's own reason, unless it explains the settlement;
            // else a reason given on an indicator.
            let own = if state == State::Awaiting {
                None
            } else {
                reason.clone()
            };
            own.or_else(|| {
                real.iter()
                    .filter_map(|s| nonempty(&s.input.deviation_reason))
                    .find(|r| Some(r) != settle_reason.as_ref())
            })
        } else {
            None
        };
        let line = |s: &&&super::score::IndicatorScore| {
            let a = s.input.actual.as_deref()?.trim();
            (!a.is_empty()).then(|| format!("{}{}", s.input.name.trim(), a))
        };
        let quantity: Vec<String> = real
            .iter()
            .filter(|s| s.group == Level1::Output && s.input.level2.contains("数量"))
            .filter_map(|s| line(&s))
            .collect();
        let benefits: Vec<String> = real
            .iter()
            .filter(|s| s.group == Level1::Benefit)
            .filter_map(|s| line(&s))
            .collect();
        let built = if quantity.is_empty() {
            nonempty(&f.actual_result)
        } else {
            Some(quantity.join("，"))
        };
        // Indicators not met.
        for s in &real {
            if let Some(score) = s.score
                && score < s.weight
            {
                deviations.push(Deviation {
                    project: f.name.clone(),
                    what: s.input.name.clone(),
                    status: None,
                    target: Some(s.input.target.clone()).filter(|t| !t.is_empty()),
                    actual: s.input.actual.clone(),
                    reason: nonempty(&s.input.deviation_reason),
                });
            }
        }
        if matches!(state, State::Ongoing | State::NotStarted) {
            deviations.push(Deviation {
                project: f.name.clone(),
                what: String::new(),
                status: Some(f.status.clone().unwrap_or_default()),
                target: None,
                actual: None,
                reason: reason.clone(),
            });
        }
        if let Some(e) = eval
            && !e.complete
            && !e.drafted
        {
            notes.push(format!(
                "项目“{}”的自评有待人工评分的指标，得分未计入总结",
                f.name
            ));
        }
        notes.extend(amounts_not_in_ledger(f, report.as_of));
        let texts = Texts::of(
            f.annual_target.as_deref(),
            f.actual_result.as_deref(),
            &[settle_reason.as_deref(), reason.as_deref()],
        );
        // A reason for the unused budget the 实际完成情况 gives itself.
        let under_use_reason = under_use_reason.or_else(|| {
            unspent
                .and(texts.reason.clone())
                .filter(|r| Some(r) != settle_reason.as_ref())
        });
        let construction = f
            .annual_target
            .as_deref()
            .is_some_and(|t| t.contains("新建") || t.contains("改建"))
            || f.name.contains("建设项目")
            || f.category.contains("基础设施");
        projects.push(ProjectSummary {
            id: f.id.clone(),
            name: f.name.clone(),
            fund_source: f.fund_source.clone(),
            status: f.status.clone(),
            state,
            budget: f.budget,
            used: match state {
                State::Settled | State::Awaiting => f.settled.or(Some(f.paid)),
                _ => None,
            },
            paid: f.paid,
            paid_fund,
            outstanding: f.outstanding,
            unspent,
            remaining: f.remaining,
            settle_reason,
            under_use_reason,
            built,
            benefits: (!benefits.is_empty()).then(|| benefits.join("，")),
            annual_target: nonempty(&f.annual_target),
            construction,
            new_this_year: f.start_date.is_some_and(|d| d.year() == year),
            met: texts.met,
            targets_met: !matches!(state, State::Ongoing | State::NotStarted | State::Unknown)
                && eval.is_some_and(|e| e.complete && !e.drafted)
                && !real.is_empty()
                && real.iter().all(|s| s.score == Some(s.weight)),
            doing: texts.doing,
            effect: texts.effect,
            done: texts.done,
            score: eval.filter(|e| e.complete && !e.drafted).map(|e| e.score),
            grade: eval
                .filter(|e| !e.drafted)
                .and_then(|e| e.grade)
                .map(str::to_string),
        });
    }

    let categories = report
        .by_category
        .iter()
        .map(|g| CategorySummary {
            name: g.key.clone(),
            count: g.project_count,
            budget: g.budget,
            projects: projects
                .iter()
                .filter(|p| {
                    report
                        .projects
                        .iter()
                        .any(|f| f.id == p.id && f.category == g.key)
                })
                .cloned()
                .collect(),
        })
        .collect();

    let carry_over = if projects.iter().any(|p| p.state == State::Unknown) {
        None
    } else {
        Some(
            projects
                .iter()
                .filter(|p| matches!(p.state, State::Ongoing | State::NotStarted))
                .map(|p| p.remaining)
                .sum(),
        )
    };
    let outstanding: Vec<Amounted> = projects
        .iter()
        .filter(|p| p.state == State::Awaiting)
        .filter_map(|p| {
            Some(Amounted {
                name: p.name.clone(),
                amount: p.outstanding?,
            })
        })
        .collect();
    let unspent: Vec<Amounted> = projects
        .iter()
        .filter_map(|p| {
            Some(Amounted {
                name: p.name.clone(),
                amount: p.unspent?,
            })
        })
        .collect();
    let low_scores = projects
        .iter()
        .filter_map(|p| {
            let s = p.score?;
            (s < Decimal::from(80)).then(|| Amounted {
                name: p.name.clone(),
                amount: s,
            })
        })
        .collect();
    SummaryData {
        unit: report.unit_name.clone(),
        year,
        as_of: report.as_of.to_string(),
        signed: signed.to_string(),
        project_count: report.totals.project_count,
        total_budget: report.totals.budget,
        xianjie_budget,
        xianjie_paid,
        paid: report.totals.paid,
        execution_rate: report.totals.execution_rate,
        carry_over,
        categories,
        excluded: report.excluded.banner(),
        deviations,
        outstanding_total: outstanding.iter().map(|a| a.amount).sum(),
        outstanding,
        unspent_total: unspent.iter().map(|a| a.amount).sum(),
        unspent,
        low_scores,
        notes,
        facts: DocFacts::default(),
    }
}

/// The amounts ("10.22万元") a clause states, in order.
fn amounts_in(clause: &str) -> Vec<Decimal> {
    let mut out = Vec::new();
    let mut rest = clause;
    while let Some(i) = rest.find("万元") {
        let head = &rest[..i];
        let start = head
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
            .last()
            .map(|(k, _)| k);
        if let Some(k) = start
            && let Ok(d) = Decimal::from_str_exact(head[k..].trim_start_matches('.'))
        {
            out.push(d);
        }
        rest = &rest[i + "万元".len()..];
    }
    out
}

/// Amounts the project's own texts (实际完成情况, 年度目标) state that the
/// ledger's figures do not bear out, each said as a line for the screen: a
/// clause about 拨付 against the paid amounts (in all and by fund), one about
/// 结算 against the 结算金额, any other against every figure of the project.
/// The summary never copies an amount from these texts (it writes the
/// computed figures), so a wrong one is only shown, not printed.
pub fn amounts_not_in_ledger(f: &super::ProjectFigures, as_of: NaiveDate) -> Vec<String> {
    let by_fund = |v: &[(String, Decimal)]| v.iter().map(|(_, d)| *d).collect::<Vec<_>>();
    let mut all: Vec<Decimal> = vec![f.budget, f.paid, f.remaining];
    all.extend(f.settled);
    all.extend(f.outstanding);
    all.extend(f.unspent);
    all.extend(by_fund(&f.paid_by_fund));
    all.extend(by_fund(&f.budget_by_fund));
    let mut paid = vec![f.paid];
    paid.extend(by_fund(&f.paid_by_fund));
    let mut out = Vec::new();
    for (column, text) in [
        ("实际完成情况", f.actual_result.as_deref()),
        ("年度目标", f.annual_target.as_deref()),
    ] {
        for c in clauses(text.unwrap_or("")) {
            let figures: &[Decimal] = if c.contains("拨付") {
                &paid
            } else if c.contains("结算") {
                f.settled.as_slice()
            } else {
                &all
            };
            let stated = amounts_in(&c);
            for a in &stated {
                if figures.iter().any(|x| x.normalize() == a.normalize()) {
                    continue;
                }
                let which = if stated.len() > 1 {
                    format!("其中{}万元", a.normalize())
                } else {
                    String::new()
                };
                let said = |d: Option<Decimal>| {
                    d.map(|d| format!("{}万元", d.normalize()))
                        .unwrap_or_else(|| "未填".to_string())
                };
                out.push(format!(
                    "项目“{}”的“{column}”写“{c}”，{which}与台账不符（预算{}万元，结算{}，截至{}已拨付{}万元）；总结用台账的数，请核对该列",
                    f.name,
                    f.budget.normalize(),
                    said(f.settled),
                    as_of.format("%Y年%-m月%-d日"),
                    f.paid.normalize(),
                ));
            }
        }
    }
    out
}

/// Words that start an effect clause of a 年度目标 ("增加村集体收入").
const EFFECT_VERBS: &[&str] = &[
    "增加", "带动", "改善", "激发", "提升", "提高", "方便", "促进", "增强", "推进", "保障", "巩固",
    "满足", "解决",
];
/// What the 实际完成情况 says when the year's target was met.
const MET: &[&str] = &["已完成年初目标", "完成年初目标", "已完成年初建设目标"];

/// A project's own texts split for the summary's sentences.
#[derive(Debug, Default)]
struct Texts {
    doing: Option<String>,
    effect: Option<String>,
    done: Option<String>,
    met: bool,
    /// A reason clause ("因…") of the 实际完成情况 not given elsewhere.
    reason: Option<String>,
}

/// Clauses of a text: split at 。；， (not inside brackets), trimmed.
fn clauses(t: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0i32;
    for ch in t.chars() {
        match ch {
            '（' | '(' => depth += 1,
            '）' | ')' => depth -= 1,
            _ => {}
        }
        if depth <= 0 && "。；;，,".contains(ch) {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push(ch);
        }
    }
    out.into_iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Whether every character of `part` appears in `whole`, in order.
fn subsequence(part: &str, whole: &str) -> bool {
    let mut w = whole.chars();
    part.chars().all(|c| w.any(|x| x == c))
}

/// The part after a leading label ("已完成施工：…", "靖安村示范创建：…").
fn after_label(c: &str) -> &str {
    match c.split_once(['：', ':']) {
        Some((head, rest)) if head.chars().count() <= 12 && !rest.trim().is_empty() => rest.trim(),
        _ => c,
    }
}

impl Texts {
    fn of(target: Option<&str>, actual: Option<&str>, said: &[Option<&str>]) -> Texts {
        let mut t = Texts::default();
        let target = target.unwrap_or("");
        let (mut doing, mut effect) = (Vec::new(), Vec::new());
        for c in clauses(target) {
            let c = after_label(&c).to_string();
            // Amounts are the ledger's to say (the paragraph opens with them).
            if c.contains("万元") {
                continue;
            }
            if EFFECT_VERBS.iter().any(|v| c.starts_with(v)) {
                effect.push(c);
            } else {
                doing.push(c);
            }
        }
        let mut done = Vec::new();
        for c in clauses(actual.unwrap_or("")) {
            let mut c = after_label(&c).to_string();
            // "使用衔接资金10.22万元完成补贴发放": the amount is said already.
            if c.starts_with("使用")
                && let Some(i) = c.find("万元")
            {
                c = c[i + "万元".len()..].to_string();
            }
            if c.is_empty() {
                continue;
            }
            if MET.iter().any(|m| c.contains(m)) {
                t.met = true;
                continue;
            }
            let repeated = said.iter().flatten().any(|s| s.contains(c.as_str()));
            if c.starts_with('因') && !repeated {
                t.reason.get_or_insert(c);
                continue;
            }
            if repeated
                || c.contains("万元")
                || c.contains("结算")
                || c.contains("拨付")
                || subsequence(&c, target)
            {
                continue;
            }
            done.push(c);
        }
        let join = |v: Vec<String>| (!v.is_empty()).then(|| v.join("，"));
        t.doing = join(doing);
        t.effect = join(effect);
        t.done = join(done);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_split_into_doing_effect_done() {
        let t = Texts::of(
            Some(
                "新建牛舍2栋（每栋360平方米）、饲料库房1栋，增加村集体收入，带动周边农户经济发展。",
            ),
            Some(
                "已完成施工：新建牛舍2栋共720平方米，饲料库房201平方米；因县财政财力不足，未下达结算资金，尚未结算，已拨付衔接资金60万元。",
            ),
            &[Some("因县财政财力不足，未下达结算资金")],
        );
        assert_eq!(
            t.doing.as_deref(),
            Some("新建牛舍2栋（每栋360平方米）、饲料库房1栋")
        );
        assert_eq!(
            t.effect.as_deref(),
            Some("增加村集体收入，带动周边农户经济发展")
        );
        assert_eq!(
            t.done.as_deref(),
            Some("新建牛舍2栋共720平方米，饲料库房201平方米")
        );
        assert!(!t.met && t.reason.is_none());
        let t = Texts::of(
            Some("完成靖安村2021-2023年示范村村庄规划编制。"),
            Some("已完成年初目标，完成靖安村示范村村庄规划编制。"),
            &[],
        );
        assert!(t.met && t.done.is_none(), "{t:?}");
        let t = Texts::of(
            None,
            Some("使用衔接资金10.22万元完成补贴发放；因预算不准未用完。"),
            &[],
        );
        assert_eq!(t.done.as_deref(), Some("完成补贴发放"));
        assert_eq!(t.reason.as_deref(), Some("因预算不准未用完"));
    }

    #[test]
    fn amounts_of_a_clause() {
        let d = |s: &str| Decimal::from_str_exact(s).unwrap();
        assert_eq!(
            amounts_in("使用衔接资金10.22万元完成补贴发放"),
            vec![d("10.22")]
        );
        assert_eq!(
            amounts_in("结算83.0827万元，已拨付60万元"),
            vec![d("83.0827"), d("60")]
        );
        assert!(amounts_in("资助25人次，每人1500元").is_empty());
    }

    #[test]
    fn states() {
        let d = |s: &str| Some(Decimal::from_str_exact(s).unwrap());
        assert_eq!(state_of(Some("已结算"), d("10"), d("0")), State::Settled);
        assert_eq!(
            state_of(Some("已完工"), d("166"), d("106")),
            State::Awaiting
        );
        assert_eq!(state_of(Some("已完工"), None, None), State::Finished);
        assert_eq!(state_of(Some("在建"), None, None), State::Ongoing);
        assert_eq!(state_of(Some("未开工"), None, None), State::NotStarted);
        assert_eq!(state_of(None, None, None), State::Unknown);
    }
}
