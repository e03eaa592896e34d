//! Scoring the 项目支出绩效自评表 by the rules (财预〔2020〕10号), every score
//! with the rule that gave it. Provincial variants are settings
//! (`templates/scoring.toml`), not forks.

pub use super::indicator::IndicatorInput;
use super::indicator::{self, Comparator, IndicatorValue};
use crate::model::Problem;
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReverseRule {
    Ratio,
    Linear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SatisfactionTo {
    Benefit,
    Output,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringRules {
    pub budget_weight: Decimal,
    pub output_weight: Decimal,
    pub benefit_weight: Decimal,
    pub satisfaction_weight: Decimal,
    pub missing_satisfaction_to: SatisfactionTo,
    pub reverse_rule: ReverseRule,
    pub deadline_missed_percent: Decimal,
    pub over_completion_percent: Decimal,
    pub band_achieved_min: Decimal,
    pub band_partial_min: Decimal,
    pub achieved: Vec<String>,
    pub partial: Vec<String>,
    pub failed: Vec<String>,
    /// Words that make an achieved word shortly after them, in the same
    /// clause, a failure ("未按期完成", "没有完成", "逾期完成", "不达标").
    #[serde(default = "default_negations")]
    pub negations: Vec<String>,
    /// Words that begin with a negation but do not negate ("不断", "不仅").
    #[serde(default = "default_not_negations")]
    pub not_negations: Vec<String>,
    /// Words that cancel the negation right after them: a double negative
    /// is an achievement ("未逾期完成", "不存在未按期完成情况").
    #[serde(default = "default_cancels")]
    pub cancels: Vec<String>,
    /// Words that make an achieved word shortly after them a plan, not a
    /// result ("预计年底完成"): neither achieved nor failed.
    #[serde(default = "default_prospective")]
    pub prospective: Vec<String>,
}

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| s.to_string()).collect()
}
fn default_negations() -> Vec<String> {
    words(&[
        "未", "没", "没有", "尚未", "不", "不能", "无法", "未能", "逾期", "延期", "推迟", "滞后",
        "超期",
    ])
}
fn default_not_negations() -> Vec<String> {
    words(&["不断", "不仅", "不但", "不少", "不低于", "不超过"])
}
fn default_cancels() -> Vec<String> {
    words(&["未", "无", "没有", "不存在", "未出现", "未发生", "杜绝"])
}
fn default_prospective() -> Vec<String> {
    words(&["预计", "拟", "计划于"])
}

/// How far (characters) a negation or a plan word reaches forward to the
/// achieved word it qualifies ("未能如期完成", "未在规定时间内完成").
const QUALIFIER_REACH: usize = 6;

pub const DEFAULT_RULES: &str = include_str!("../../templates/scoring.toml");

impl Default for ScoringRules {
    fn default() -> Self {
        ScoringRules::from_toml(DEFAULT_RULES).expect("the bundled scoring rules parse")
    }
}

/// The settings a scoring file may hold.
const KNOWN_KEYS: &[&str] = &[
    "budget_weight",
    "output_weight",
    "benefit_weight",
    "satisfaction_weight",
    "missing_satisfaction_to",
    "reverse_rule",
    "deadline_missed_percent",
    "over_completion_percent",
    "band_achieved_min",
    "band_partial_min",
    "achieved",
    "partial",
    "failed",
    "negations",
    "not_negations",
    "cancels",
    "prospective",
];

use crate::model::value::line_of;

impl ScoringRules {
    /// The rules from a scoring file's text, checked as values: known keys
    /// only, weights ≥ 0 and within the total of 100, percents in range.
    /// The message names the setting (and its line); the caller adds the file.
    pub fn from_toml(text: &str) -> Result<ScoringRules, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e
                .span()
                .map(|s| format!("第{}行", line_of(text, s.start)))
                .unwrap_or_default();
            format!("{line}不是有效的 TOML（{}）", e.message().trim())
        })?;
        for k in table.keys() {
            if !KNOWN_KEYS.contains(&k.as_str()) {
                let line = text
                    .lines()
                    .position(|l| {
                        l.trim_start()
                            .trim_start_matches('"')
                            .starts_with(k.as_str())
                    })
                    .map(|i| format!("（第{}行）", i + 1))
                    .unwrap_or_default();
                return Err(format!(
                    "未知的设置项“{k}”{line}；请检查拼写，可用的设置项：{}",
                    KNOWN_KEYS.join("、")
                ));
            }
        }
        for k in KNOWN_KEYS.iter().take(13) {
            if !table.contains_key(*k) {
                return Err(format!(
                    "缺少设置项“{k}”（可从 templates/scoring.toml 复制）"
                ));
            }
        }
        let r: ScoringRules = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| format!("第{}行", line_of(text, s.start)))
                .unwrap_or_default();
            format!(
                "{line}取值有误，请对照 templates/scoring.toml 改正（{}）",
                e.message().trim()
            )
        })?;
        let hundred = Decimal::ONE_HUNDRED;
        for (k, w) in [
            ("budget_weight", r.budget_weight),
            ("output_weight", r.output_weight),
            ("benefit_weight", r.benefit_weight),
            ("satisfaction_weight", r.satisfaction_weight),
        ] {
            if w < Decimal::ZERO {
                return Err(format!("{k} = {w}：分值不能为负数"));
            }
            if w > hundred {
                return Err(format!("{k} = {w}：分值不能超过总分 100"));
            }
        }
        let total = r.budget_weight + r.output_weight + r.benefit_weight + r.satisfaction_weight;
        if total != hundred {
            return Err(format!("一级指标分值合计 {total}，应为 100"));
        }
        for (k, v) in [
            ("deadline_missed_percent", r.deadline_missed_percent),
            ("band_achieved_min", r.band_achieved_min),
            ("band_partial_min", r.band_partial_min),
        ] {
            if v < Decimal::ZERO || v > hundred {
                return Err(format!("{k} = {v}：是百分比，应在 0 到 100 之间"));
            }
        }
        if r.band_partial_min > r.band_achieved_min {
            return Err(format!(
                "band_partial_min = {} 大于 band_achieved_min = {}：“部分达成”的下限应不高于“达成”的下限",
                r.band_partial_min, r.band_achieved_min
            ));
        }
        if r.over_completion_percent < hundred {
            return Err(format!(
                "over_completion_percent = {}：是超额完成的界限，应不低于 100",
                r.over_completion_percent
            ));
        }
        Ok(r)
    }
}

/// First-level indicator groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level1 {
    Output,
    Benefit,
    Satisfaction,
}

impl Level1 {
    pub fn label(self) -> &'static str {
        match self {
            Level1::Output => "产出指标",
            Level1::Benefit => "效益指标",
            Level1::Satisfaction => "满意度指标",
        }
    }
    /// "产出指标(50分)", "效益" → the group; `None` for an unknown label.
    pub fn parse(s: &str) -> Option<Level1> {
        if s.contains("产出") {
            Some(Level1::Output)
        } else if s.contains("效益") {
            Some(Level1::Benefit)
        } else if s.contains("满意") {
            Some(Level1::Satisfaction)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorScore {
    pub input: IndicatorInput,
    pub group: Level1,
    pub weight: Decimal,
    /// `None`: needs scoring by hand (never a silent guess).
    pub score: Option<Decimal>,
    /// Which rule gave the score (its `Display` is the sentence shown).
    pub rule: ScoreRule,
    pub note: Option<String>,
}

/// In JSON an indicator is `{level1, level2, name, target, actual, weight,
/// score, rule, note, drafted}`; the rule as its sentence.
impl serde::Serialize for IndicatorScore {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use crate::model::ser::two_places;
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("IndicatorScore", 10)?;
        m.serialize_field("level1", self.group.label())?;
        m.serialize_field("level2", &self.input.level2)?;
        m.serialize_field("name", &self.input.name)?;
        m.serialize_field("target", &self.input.target)?;
        m.serialize_field("actual", &self.input.actual)?;
        m.serialize_field("weight", &two_places(self.weight))?;
        m.serialize_field("score", &self.score.map(two_places))?;
        m.serialize_field("rule", &self.rule.to_string())?;
        m.serialize_field("note", &self.note)?;
        m.serialize_field("drafted", &self.input.drafted)?;
        m.end()
    }
}

/// In JSON an evaluation is `{score, grade, complete, budget_score,
/// budget_rule, drafted, indicators}`.
impl serde::Serialize for Evaluation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use crate::model::ser::two_places;
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("Evaluation", 7)?;
        m.serialize_field("score", &two_places(self.score))?;
        m.serialize_field("grade", &self.grade)?;
        m.serialize_field("complete", &self.complete)?;
        m.serialize_field("budget_score", &self.budget_score.map(two_places))?;
        m.serialize_field("budget_rule", &self.budget_rule.to_string())?;
        m.serialize_field("drafted", &self.drafted)?;
        m.serialize_field("indicators", &*self.indicators)?;
        m.end()
    }
}

impl Evaluation {
    /// Items still to be scored by hand (the 预算执行率 item included).
    pub fn pending(&self) -> usize {
        self.indicators.iter().filter(|i| i.score.is_none()).count()
            + usize::from(self.budget_score.is_none())
    }
    /// 优/良/中/差, or "待定（N 项待人工评分）" while items are unscored.
    pub fn grade_text(&self) -> String {
        match self.grade {
            Some(g) => g.to_string(),
            None => format!("待定（{} 项待人工评分）", self.pending()),
        }
    }
}

/// An evaluation's item scores, shared by its copies (read as a slice).
#[derive(Debug, Clone, PartialEq)]
pub struct Scores(std::sync::Arc<[IndicatorScore]>);

impl Scores {
    pub fn as_slice(&self) -> &[IndicatorScore] {
        &self.0
    }
}

impl std::ops::Deref for Scores {
    type Target = [IndicatorScore];
    fn deref(&self) -> &[IndicatorScore] {
        &self.0
    }
}

impl From<Vec<IndicatorScore>> for Scores {
    fn from(v: Vec<IndicatorScore>) -> Self {
        Scores(v.into())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub budget_weight: Decimal,
    pub budget_score: Option<Decimal>,
    pub budget_rule: BudgetRule,
    /// Shared: the report's copy of an evaluation (`Report::set_evaluations`)
    /// takes no copy of its items (a large ledger's are tens of megabytes).
    pub indicators: Scores,
    pub level1_weights: Vec<(Level1, Decimal)>,
    /// Sum of the rounded item scores (those that have one).
    pub score: Decimal,
    /// Every item scored: the grade is final.
    pub complete: bool,
    pub grade: Option<&'static str>,
    pub drafted: bool,
    pub problems: Vec<Problem>,
}

/// A qualitative 实际完成值 that is not plainly 达成, by the word lists of
/// the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    Partial,
    Failed,
    Unknown,
}

impl Band {
    pub fn label(self) -> &'static str {
        match self {
            Band::Partial => "部分达成",
            Band::Failed => "未达成",
            Band::Unknown => "无法判断是否达成",
        }
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A target and an actual in one unit (the actual converted into the
/// target's unit).
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub actual: Decimal,
    pub target: Decimal,
    pub unit: String,
}

impl Measured {
    fn actual_text(&self) -> String {
        format!("{}{}", show(self.actual), self.unit)
    }
    fn target_text(&self) -> String {
        format!("{}{}", show(self.target), self.unit)
    }
}

/// How an indicator's score was obtained, with the numbers that gave it.
/// `Display` is the sentence the forms (得分 note) and the JSON (`rule`) show.
#[derive(Debug, Clone, PartialEq)]
pub enum ScoreRule {
    /// No 实际完成值 yet (`drafted`: a drafted indicator, not an omission).
    AwaitingActual { drafted: bool },
    /// 指标值 empty or a template placeholder.
    EmptyTarget,
    /// Units that do not convert into one another: scored by hand.
    UnitMismatch,
    /// 指标值 and 实际完成值 of kinds that cannot be compared: scored by hand.
    Incomparable,
    /// A qualitative actual that reads as 达成: full marks.
    Achieved { actual: String },
    /// Not plainly 达成, and the 得分 typed in the sheet is taken.
    HandScore { band: Band },
    /// Not plainly 达成, no 得分 typed: to be scored by hand between `low`
    /// and `high` percent of the weight.
    ManualInBand {
        actual: String,
        band: Band,
        low: Decimal,
        high: Decimal,
    },
    /// 越低越好, actual ≤ target: full marks.
    AtMostMet(Measured),
    /// 越低越好 with a target of 0, exceeded: 0.
    AtMostExceededZero(Measured),
    /// 越低越好, exceeded: weight × target ÷ actual.
    ReverseRatio {
        m: Measured,
        weight: Decimal,
        score: Decimal,
    },
    /// 越低越好, exceeded: weight × (1 − (actual − target) ÷ target), not below 0.
    ReverseLinear {
        m: Measured,
        weight: Decimal,
        score: Decimal,
    },
    /// A target of "= 0": full marks for an actual of 0 or less, else 0.
    ZeroTarget { m: Measured, score: Decimal },
    /// Target reached (or exceeded): full marks.
    Reached(Measured),
    /// Target not reached: weight × actual ÷ target (a negative actual as 0).
    Proportional {
        m: Measured,
        weight: Decimal,
        score: Decimal,
    },
    /// 时效: done by the deadline.
    OnTime {
        done: NaiveDate,
        deadline: NaiveDate,
    },
    /// 时效: done after the deadline, the rules' share of the weight.
    Late {
        done: NaiveDate,
        deadline: NaiveDate,
        score: Decimal,
    },
    /// 时效 against text that reads as done on time.
    OnTimeText { actual: String },
    /// 时效 against text that reads as not done: the rules' share of the weight.
    LateText { actual: String, score: Decimal },
}

impl fmt::Display for ScoreRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoreRule::AwaitingActual { drafted: true } => {
                f.write_str("草拟指标，待填写实际完成值后评分")
            }
            ScoreRule::AwaitingActual { drafted: false } => {
                f.write_str("未填实际完成值，需补填后评分")
            }
            ScoreRule::EmptyTarget => f.write_str("指标值为空或为模板占位，需填写"),
            ScoreRule::UnitMismatch => f.write_str("单位不一致，需人工评分"),
            ScoreRule::Incomparable => f.write_str("指标值与实际完成值无法比较，需人工评分"),
            ScoreRule::Achieved { actual } => write!(f, "定性：实际“{actual}”为达成，得满分"),
            ScoreRule::HandScore { band } => write!(f, "定性：{band}，采用表中所填得分"),
            ScoreRule::ManualInBand {
                actual,
                band,
                low,
                high,
            } => write!(
                f,
                "定性：实际“{actual}”{band}，应在分值的 {low}%–{high}% 之间人工评分"
            ),
            ScoreRule::AtMostMet(m) => write!(
                f,
                "实际 {} ≤ 目标 {}，得满分",
                m.actual_text(),
                m.target_text()
            ),
            ScoreRule::AtMostExceededZero(m) => write!(
                f,
                "实际 {} 超过目标 {}，得 0 分",
                m.actual_text(),
                m.target_text()
            ),
            ScoreRule::ReverseRatio { m, weight, score } => write!(
                f,
                "实际 {} 超过目标 {}（越低越好）：{} × {} ÷ {} = {}",
                m.actual_text(),
                m.target_text(),
                show(*weight),
                show(m.target),
                show(m.actual),
                show(*score)
            ),
            ScoreRule::ReverseLinear { m, weight, score } => write!(
                f,
                "实际 {} 超过目标 {}（越低越好，线性）：{} × (1 − ({} − {}) ÷ {}) = {}",
                m.actual_text(),
                m.target_text(),
                show(*weight),
                show(m.actual),
                show(m.target),
                show(m.target),
                show(*score)
            ),
            ScoreRule::ZeroTarget { m, score } => write!(
                f,
                "目标为 0：实际 {}，得 {} 分",
                m.actual_text(),
                show(*score)
            ),
            ScoreRule::Reached(m) => write!(
                f,
                "实际 {} 达到目标 {}，得满分",
                m.actual_text(),
                m.target_text()
            ),
            ScoreRule::Proportional { m, weight, score } => write!(
                f,
                "实际 {} 未达目标 {}：{} × {} ÷ {} = {}",
                m.actual_text(),
                m.target_text(),
                show(*weight),
                show(m.actual.max(Decimal::ZERO)),
                show(m.target),
                show(*score)
            ),
            ScoreRule::OnTime { done, deadline } => {
                write!(f, "时效：{done} 完成，未晚于 {deadline}，得满分")
            }
            ScoreRule::Late {
                done,
                deadline,
                score,
            } => write!(
                f,
                "时效：{done} 完成，晚于 {deadline}，按规则得 {} 分",
                show(*score)
            ),
            ScoreRule::OnTimeText { actual } => {
                write!(f, "时效：实际“{actual}”，按期完成，得满分")
            }
            ScoreRule::LateText { actual, score } => write!(
                f,
                "时效：实际“{actual}”，未按期完成，按规则得 {} 分",
                show(*score)
            ),
        }
    }
}

/// How the 预算执行率 item was scored. `Display` as for [`ScoreRule`].
#[derive(Debug, Clone, PartialEq)]
pub enum BudgetRule {
    /// weight × rate ÷ 100, the rate taken between 0 and 100 %.
    Rate {
        /// In percent, as computed (may exceed 100 or be negative).
        rate: Decimal,
        weight: Decimal,
        score: Decimal,
    },
    /// A budget of 0: no rate, scored by hand.
    NoBudget,
}

impl BudgetRule {
    /// The rate the score is taken from: between 0 and 100.
    pub fn counted_rate(rate: Decimal) -> Decimal {
        rate.min(Decimal::ONE_HUNDRED).max(Decimal::ZERO)
    }
}

impl fmt::Display for BudgetRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetRule::Rate {
                rate,
                weight,
                score,
            } => write!(
                f,
                "预算执行率 {rate:.2}%{}：{} × {} ÷ 100 = {}",
                if *rate > Decimal::ONE_HUNDRED {
                    "（按 100% 计）"
                } else {
                    ""
                },
                show(*weight),
                show(BudgetRule::counted_rate(*rate)),
                show(*score)
            ),
            BudgetRule::NoBudget => f.write_str("预算为 0，执行率无法计算，需人工评分"),
        }
    }
}

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Execution rate below 60 % while the indicators still grade 优 or 良: a
/// county reviewer sends such a form back unless the deviation is explained.
pub fn low_rate_prompt(rate: Option<Decimal>, grade: Option<&str>) -> Option<String> {
    let r = rate.filter(|r| *r < Decimal::from(60))?;
    let g = grade.filter(|g| matches!(*g, "优" | "良"))?;
    Some(format!(
        "预算执行率 {r:.2}% 低于 60%，但自评等级为“{g}”：请在自评表“偏差原因分析”中说明原因及改进措施（县级审核会退回未说明的表）"
    ))
}

/// The short prompt printed in the form's 偏差原因分析 cell of the budget row.
pub fn low_rate_form_prompt(rate: Option<Decimal>, grade: Option<&str>) -> Option<String> {
    low_rate_prompt(rate, grade)?;
    Some(format!(
        "请说明：执行率 {:.2}% 低于 60%，等级仍为“{}”",
        rate.unwrap_or_default(),
        grade.unwrap_or_default()
    ))
}

/// 评价等级 by total score: (lower bound, grade), highest first; below the
/// last bound 差. `formula::grade` spells the same table for Excel.
pub const GRADES: &[(u32, &str)] = &[(90, "优"), (80, "良"), (60, "中")];
pub const LOWEST_GRADE: &str = "差";

pub fn grade(total: Decimal) -> &'static str {
    GRADES
        .iter()
        .find(|(min, _)| total >= Decimal::from(*min))
        .map(|(_, g)| *g)
        .unwrap_or(LOWEST_GRADE)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Achieved,
    Partial,
    Failed,
    Unknown,
}

/// What the words just before an achieved word make of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualified {
    Plain,
    Negated,
    Prospective,
}

/// The achieved word at byte `word` of `clause`, as the words before it
/// qualify it.
fn qualify(clause: &str, word: usize, rules: &ScoringRules) -> Qualified {
    let prefix = &clause[..word];
    let chars: Vec<(usize, char)> = prefix.char_indices().collect();
    let n = chars.len();
    let char_at = |byte: usize| chars.iter().position(|(b, _)| *b == byte).unwrap_or(n);
    // The negation ending nearest the word, within reach (longest on a tie).
    let mut best: Option<(usize, usize)> = None; // (start char, end char)
    for ng in &rules.negations {
        for (at, m) in prefix.match_indices(ng.as_str()) {
            if rules
                .not_negations
                .iter()
                .any(|x| clause[at..].starts_with(x.as_str()))
            {
                continue;
            }
            let (start, end) = (char_at(at), char_at(at) + m.chars().count());
            if n - end > QUALIFIER_REACH {
                continue;
            }
            if best.is_none_or(|(bs, be)| end > be || (end == be && start < bs)) {
                best = Some((start, end));
            }
        }
    }
    if let Some((start, _)) = best {
        let before = &prefix[..chars.get(start).map(|(b, _)| *b).unwrap_or(prefix.len())];
        let cancelled = rules
            .cancels
            .iter()
            .chain(&rules.negations)
            .any(|c| before.ends_with(c.as_str()));
        return if cancelled {
            Qualified::Plain
        } else {
            Qualified::Negated
        };
    }
    let planned = rules.prospective.iter().any(|p| {
        prefix
            .match_indices(p.as_str())
            .any(|(at, m)| n - (char_at(at) + m.chars().count()) <= QUALIFIER_REACH)
    });
    if planned {
        Qualified::Prospective
    } else {
        Qualified::Plain
    }
}

fn classify(text: &str, rules: &ScoringRules) -> Verdict {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let clauses: Vec<&str> = t.split(['，', ',', '；', ';', '。']).collect();
    // A listed word counts where it is not cancelled ("无不合格").
    let hit = |list: &[String]| {
        list.iter().any(|w| {
            t == *w
                || (w.chars().count() >= 2
                    && clauses.iter().any(|c| {
                        c.match_indices(w.as_str()).any(|(at, _)| {
                            !rules.cancels.iter().any(|x| c[..at].ends_with(x.as_str()))
                        })
                    }))
        })
    };
    // Each achieved word as the words before it qualify it.
    let mut plain = false;
    let mut negated = false;
    for w in &rules.achieved {
        if t == *w {
            plain = true;
            continue;
        }
        if w.chars().count() < 2 {
            continue;
        }
        for c in &clauses {
            for (at, _) in c.match_indices(w.as_str()) {
                match qualify(c, at, rules) {
                    Qualified::Plain => plain = true,
                    Qualified::Negated => negated = true,
                    Qualified::Prospective => {}
                }
            }
        }
    }
    // Failure words first: "未完成" contains "完成".
    if negated || hit(&rules.failed) {
        Verdict::Failed
    } else if hit(&rules.partial) {
        Verdict::Partial
    } else if plain {
        Verdict::Achieved
    } else {
        Verdict::Unknown
    }
}

fn show(d: Decimal) -> String {
    d.normalize().to_string()
}

/// The finding of an indicator's problem message, by the rule it was
/// scored under.
fn rule_finding(rule: &ScoreRule) -> crate::model::Finding {
    use crate::model::Finding;
    match rule {
        ScoreRule::HandScore { .. } => Finding::HandScoreDisagrees,
        ScoreRule::Reached(_) | ScoreRule::Proportional { .. } => Finding::OverCompleted,
        ScoreRule::Late { .. } | ScoreRule::LateText { .. } => Finding::IndicatorLate,
        _ => Finding::IndicatorNotScored,
    }
}

/// Score one indicator. Returns (score, rule, note, problem message).
fn score_one(
    i: &IndicatorInput,
    weight: Decimal,
    year: Option<i32>,
    rules: &ScoringRules,
) -> (Option<Decimal>, ScoreRule, Option<String>, Option<String>) {
    let w = weight;
    let target = indicator::resolve(&indicator::parse(&i.target), year);
    let Some(actual_text) = i.actual.as_deref().filter(|a| !a.trim().is_empty()) else {
        let rule = ScoreRule::AwaitingActual { drafted: i.drafted };
        let problem = (!i.drafted).then(|| format!("指标“{}”{rule}", i.name));
        return (None, rule, None, problem);
    };
    let actual = indicator::resolve(&indicator::parse(actual_text), year);
    let qualitative = |text: &str| -> (Option<Decimal>, ScoreRule, Option<String>, Option<String>) {
        let (band, lo, hi) = match classify(text, rules) {
            Verdict::Achieved => {
                return (
                    Some(w),
                    ScoreRule::Achieved {
                        actual: text.to_string(),
                    },
                    None,
                    None,
                );
            }
            Verdict::Partial => (
                Band::Partial,
                rules.band_partial_min,
                rules.band_achieved_min,
            ),
            Verdict::Failed => (Band::Failed, Decimal::ZERO, rules.band_partial_min),
            Verdict::Unknown => (Band::Unknown, Decimal::ZERO, Decimal::ONE_HUNDRED),
        };
        match i.hand_score {
            Some(h) => {
                let (min, max) = (
                    round2(w * lo / Decimal::ONE_HUNDRED),
                    round2(w * hi / Decimal::ONE_HUNDRED),
                );
                let out = (h < min || h > max).then(|| {
                    format!(
                        "指标“{}”手填得分 {} 不在“{band}”档（{}–{} 分）内",
                        i.name,
                        show(h),
                        show(min),
                        show(max)
                    )
                });
                (
                    Some(h.min(w).max(Decimal::ZERO)),
                    ScoreRule::HandScore { band },
                    out.clone(),
                    out,
                )
            }
            None => (
                None,
                ScoreRule::ManualInBand {
                    actual: text.to_string(),
                    band,
                    low: lo,
                    high: hi,
                },
                None,
                Some(format!(
                    "指标“{}”实际完成值“{text}”{band}，需人工评分",
                    i.name
                )),
            ),
        }
    };
    match (&target, &actual) {
        (IndicatorValue::Empty, _) => (
            None,
            ScoreRule::EmptyTarget,
            None,
            (!i.drafted).then(|| format!("指标“{}”的指标值为空或为占位符", i.name)),
        ),
        (
            IndicatorValue::Quantity {
                cmp,
                value: t,
                unit: tu,
            },
            IndicatorValue::Quantity {
                value: a, unit: au, ..
            },
        ) => {
            let factor = match (tu, au) {
                (Some(tu), Some(au)) => indicator::unit_factor(au, tu),
                _ => Some(Decimal::ONE),
            };
            let Some(factor) = factor else {
                let msg = format!(
                    "指标“{}”的指标值单位“{}”与实际完成值单位“{}”不一致，无法比较",
                    i.name,
                    tu.clone().unwrap_or_default(),
                    au.clone().unwrap_or_default()
                );
                return (None, ScoreRule::UnitMismatch, None, Some(msg));
            };
            let a = *a * factor;
            let m = Measured {
                actual: a,
                target: *t,
                unit: tu.clone().or_else(|| au.clone()).unwrap_or_default(),
            };
            let a_pos = a.max(Decimal::ZERO);
            match cmp.unwrap_or(Comparator::AtLeast) {
                Comparator::AtMost => {
                    if a <= *t {
                        (Some(w), ScoreRule::AtMostMet(m), None, None)
                    } else if t.is_zero() {
                        (
                            Some(Decimal::ZERO),
                            ScoreRule::AtMostExceededZero(m),
                            None,
                            None,
                        )
                    } else {
                        match rules.reverse_rule {
                            ReverseRule::Ratio => {
                                let s = round2(w * *t / a);
                                (
                                    Some(s),
                                    ScoreRule::ReverseRatio {
                                        m,
                                        weight: w,
                                        score: s,
                                    },
                                    None,
                                    None,
                                )
                            }
                            ReverseRule::Linear => {
                                let s =
                                    round2((w * (Decimal::ONE - (a - *t) / *t)).max(Decimal::ZERO));
                                (
                                    Some(s),
                                    ScoreRule::ReverseLinear {
                                        m,
                                        weight: w,
                                        score: s,
                                    },
                                    None,
                                    None,
                                )
                            }
                        }
                    }
                }
                c => {
                    if c == Comparator::Equal && t.is_zero() {
                        let s = if a <= Decimal::ZERO { w } else { Decimal::ZERO };
                        return (Some(s), ScoreRule::ZeroTarget { m, score: s }, None, None);
                    }
                    let mut note = None;
                    let mut problem = None;
                    if !t.is_zero()
                        && a * Decimal::ONE_HUNDRED >= *t * rules.over_completion_percent
                    {
                        let pct = round2(a * Decimal::ONE_HUNDRED / *t);
                        let n = format!("超额完成（达目标的 {}%），请在偏差原因中说明", show(pct));
                        if i.deviation_reason
                            .as_deref()
                            .is_none_or(|r| r.trim().is_empty())
                        {
                            problem = Some(format!("指标“{}”{n}", i.name));
                        }
                        note = Some(n);
                    }
                    if a >= *t || t.is_zero() {
                        (Some(w), ScoreRule::Reached(m), note, problem)
                    } else {
                        let s = round2(w * a_pos / *t);
                        (
                            Some(s),
                            ScoreRule::Proportional {
                                m,
                                weight: w,
                                score: s,
                            },
                            note,
                            problem,
                        )
                    }
                }
            }
        }
        (IndicatorValue::Date { date: deadline, .. }, IndicatorValue::Date { date: done, .. }) => {
            if done <= deadline {
                (
                    Some(w),
                    ScoreRule::OnTime {
                        done: *done,
                        deadline: *deadline,
                    },
                    None,
                    None,
                )
            } else {
                let s = round2(w * rules.deadline_missed_percent / Decimal::ONE_HUNDRED);
                (
                    Some(s),
                    ScoreRule::Late {
                        done: *done,
                        deadline: *deadline,
                        score: s,
                    },
                    None,
                    Some(format!("指标“{}”未按期完成", i.name)),
                )
            }
        }
        (
            IndicatorValue::Date { .. } | IndicatorValue::MonthDay { .. },
            IndicatorValue::Text(t),
        ) => match classify(t, rules) {
            Verdict::Achieved => (
                Some(w),
                ScoreRule::OnTimeText { actual: t.clone() },
                None,
                None,
            ),
            Verdict::Failed => {
                let s = round2(w * rules.deadline_missed_percent / Decimal::ONE_HUNDRED);
                (
                    Some(s),
                    ScoreRule::LateText {
                        actual: t.clone(),
                        score: s,
                    },
                    None,
                    Some(format!("指标“{}”未按期完成", i.name)),
                )
            }
            _ => qualitative(t),
        },
        (_, IndicatorValue::Text(t)) => qualitative(t),
        (IndicatorValue::Text(_), _) => qualitative(actual_text),
        _ => (
            None,
            ScoreRule::Incomparable,
            None,
            Some(format!(
                "指标“{}”的指标值“{}”与实际完成值“{actual_text}”无法比较，需人工评分",
                i.name, i.target
            )),
        ),
    }
}

/// Weights of the first-level groups present, with absent groups' weight moved
/// where the rules say.
pub fn level1_weights(present: &[Level1], rules: &ScoringRules) -> Vec<(Level1, Decimal)> {
    let has = |l: Level1| present.contains(&l);
    let (mut out, mut ben, mut sat) = (
        rules.output_weight,
        rules.benefit_weight,
        rules.satisfaction_weight,
    );
    if !has(Level1::Satisfaction) {
        match rules.missing_satisfaction_to {
            SatisfactionTo::Benefit if has(Level1::Benefit) => ben += sat,
            _ => out += sat,
        }
        sat = Decimal::ZERO;
    }
    if !has(Level1::Benefit) {
        out += ben;
        ben = Decimal::ZERO;
    }
    if !has(Level1::Output) {
        ben += out;
        out = Decimal::ZERO;
        if !has(Level1::Benefit) {
            sat += ben;
            ben = Decimal::ZERO;
        }
    }
    [
        (Level1::Output, out),
        (Level1::Benefit, ben),
        (Level1::Satisfaction, sat),
    ]
    .into_iter()
    .filter(|(l, _)| has(*l))
    .collect()
}

/// Evaluate one project: the budget-execution score and every indicator.
/// `execution_rate` in percent; `year` resolves deadlines like "12月底前".
pub fn evaluate(
    execution_rate: Option<Decimal>,
    inputs: Vec<IndicatorInput>,
    year: Option<i32>,
    rules: &ScoringRules,
) -> Evaluation {
    let mut problems = Vec::new();
    let drafted = inputs.iter().any(|i| i.drafted);
    let budget_weight = rules.budget_weight;
    let (budget_score, budget_rule) = match execution_rate {
        Some(r) => {
            let s = round2(budget_weight * BudgetRule::counted_rate(r) / Decimal::ONE_HUNDRED);
            (
                Some(s),
                BudgetRule::Rate {
                    rate: r,
                    weight: budget_weight,
                    score: s,
                },
            )
        }
        None => (None, BudgetRule::NoBudget),
    };
    // Group the indicators; an unknown 一级指标 is scored under 产出指标 and said so.
    let mut grouped: Vec<(Level1, IndicatorInput)> = Vec::new();
    for i in inputs {
        let g = Level1::parse(&i.level1).unwrap_or_else(|| {
            if let Some(row) = &i.row {
                problems.push(Problem::at(
                    crate::model::Finding::UnknownLevel1,
                    row,
                    format!(
                        "{row}：一级指标“{}”不是产出/效益/满意度指标，按产出指标计分",
                        i.level1
                    ),
                ));
            }
            Level1::Output
        });
        grouped.push((g, i));
    }
    let present: Vec<Level1> = {
        let mut v: Vec<Level1> = grouped.iter().map(|(g, _)| *g).collect();
        v.sort();
        v.dedup();
        v
    };
    let weights = level1_weights(&present, rules);
    // Within a group: typed 分值 kept, the rest of the group's weight split equally.
    let mut item_weights = vec![Decimal::ZERO; grouped.len()];
    for (g, gw) in &weights {
        let idx: Vec<usize> = (0..grouped.len()).filter(|k| grouped[*k].0 == *g).collect();
        let given: Decimal = idx.iter().filter_map(|k| grouped[*k].1.weight).sum();
        let open: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|k| grouped[*k].1.weight.is_none())
            .collect();
        for k in &idx {
            if let Some(w) = grouped[*k].1.weight {
                item_weights[*k] = w;
            }
        }
        if !open.is_empty() {
            let rest = (*gw - given).max(Decimal::ZERO);
            let each = round2(rest / Decimal::from(open.len()));
            for (n, k) in open.iter().enumerate() {
                // The last takes the rounding remainder so the group adds up exactly.
                item_weights[*k] = if n + 1 == open.len() {
                    rest - each * Decimal::from(open.len() - 1)
                } else {
                    each
                };
            }
        }
    }
    let typed: Vec<&IndicatorInput> = grouped
        .iter()
        .map(|(_, i)| i)
        .filter(|i| i.weight.is_some())
        .collect();
    let total_weight: Decimal = item_weights.iter().sum::<Decimal>() + budget_weight;
    if !typed.is_empty() && total_weight != Decimal::ONE_HUNDRED && !grouped.is_empty() {
        let cells: Vec<String> = typed
            .iter()
            .filter_map(|i| i.row.as_ref().map(|r| r.to_string()))
            .collect();
        let msg = format!(
            "表中所填分值与预算执行率 {} 分合计为 {}，不等于 100（{}）",
            show(budget_weight),
            show(total_weight),
            cells.join("、")
        );
        match typed.iter().find_map(|i| i.row.clone()) {
            Some(row) => problems.push(Problem::at(
                crate::model::Finding::WeightsNot100,
                &row,
                format!("{row}：{msg}"),
            )),
            None => problems.push(Problem::on(
                crate::model::Finding::WeightsNot100,
                "绩效指标",
                msg,
            )),
        }
    }
    let mut indicators = Vec::with_capacity(grouped.len());
    for ((group, input), weight) in grouped.into_iter().zip(item_weights) {
        let (score, rule, mut note, problem) = score_one(&input, weight, year, rules);
        let mut problem = problem;
        let mut finding = rule_finding(&rule);
        if let (Some(h), Some(s)) = (input.hand_score, score)
            && h != s
            && !matches!(rule, ScoreRule::HandScore { .. })
        {
            let n = format!(
                "表中得分 {} 与规则得分 {} 不同（以规则得分计，原值保留）",
                show(h),
                show(s)
            );
            problem = Some(format!("指标“{}”{n}", input.name));
            finding = crate::model::Finding::HandScoreDisagrees;
            note = Some(note.map(|x| format!("{x}；{n}")).unwrap_or(n));
        }
        if let (Some(msg), Some(row)) = (problem, &input.row) {
            problems.push(Problem::at(finding, row, format!("{row}：{msg}")))
        }
        indicators.push(IndicatorScore {
            input,
            group,
            weight,
            score,
            rule,
            note,
        });
    }
    let score = budget_score.unwrap_or_default()
        + indicators.iter().filter_map(|i| i.score).sum::<Decimal>();
    let complete = budget_score.is_some()
        && !indicators.is_empty()
        && indicators.iter().all(|i| i.score.is_some());
    Evaluation {
        budget_weight,
        budget_score,
        budget_rule,
        indicators: indicators.into(),
        level1_weights: weights,
        score,
        complete,
        grade: complete.then(|| grade(score)),
        drafted,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CellRef;

    use crate::testutil::d;
    fn ind(level1: &str, name: &str, target: &str, actual: &str) -> IndicatorInput {
        IndicatorInput {
            level1: level1.into(),
            level2: String::new(),
            name: name.into(),
            target: target.into(),
            actual: (!actual.is_empty()).then(|| actual.to_string()),
            weight: None,
            hand_score: None,
            deviation_reason: None,
            row: Some(CellRef::new("绩效指标", 1, 0)),
            drafted: false,
        }
    }
    fn one(target: &str, actual: &str, rules: &ScoringRules) -> IndicatorScore {
        let e = evaluate(
            Some(d("100")),
            vec![
                ind("产出指标", "x", target, actual),
                ind("效益指标", "y", "效果明显", "效果明显"),
                ind("满意度指标", "z", "≥90%", "95%"),
            ],
            Some(2023),
            rules,
        );
        e.indicators[0].clone()
    }

    /// The rule of the 产出 indicator (weight 50) in the set `one` scores,
    /// with a hand score and the drafted flag.
    fn rule_of(
        target: &str,
        actual: &str,
        hand: Option<&str>,
        drafted: bool,
        rules: &ScoringRules,
    ) -> ScoreRule {
        let mut x = ind("产出指标", "x", target, actual);
        x.hand_score = hand.map(d);
        x.drafted = drafted;
        let e = evaluate(
            Some(d("100")),
            vec![
                x,
                ind("效益指标", "y", "效果明显", "效果明显"),
                ind("满意度指标", "z", "≥90%", "95%"),
            ],
            Some(2023),
            rules,
        );
        e.indicators[0].rule.clone()
    }

    fn m(actual: &str, target: &str, unit: &str) -> Measured {
        Measured {
            actual: d(actual),
            target: d(target),
            unit: unit.into(),
        }
    }

    /// Every variant, so that a new one needs a text test below.
    fn every_variant_is_tested(r: &ScoreRule) {
        match r {
            ScoreRule::AwaitingActual { .. }
            | ScoreRule::EmptyTarget
            | ScoreRule::UnitMismatch
            | ScoreRule::Incomparable
            | ScoreRule::Achieved { .. }
            | ScoreRule::HandScore { .. }
            | ScoreRule::ManualInBand { .. }
            | ScoreRule::AtMostMet(_)
            | ScoreRule::AtMostExceededZero(_)
            | ScoreRule::ReverseRatio { .. }
            | ScoreRule::ReverseLinear { .. }
            | ScoreRule::ZeroTarget { .. }
            | ScoreRule::Reached(_)
            | ScoreRule::Proportional { .. }
            | ScoreRule::OnTime { .. }
            | ScoreRule::Late { .. }
            | ScoreRule::OnTimeText { .. }
            | ScoreRule::LateText { .. } => {}
        }
    }

    /// Each case: the rule the scorer gives, and its sentence exactly as the
    /// forms' 得分 note and the JSON `rule` showed it before the rule became
    /// a value.
    fn check(cases: Vec<(ScoreRule, ScoreRule, &str)>) {
        for (got, want, text) in cases {
            every_variant_is_tested(&got);
            assert_eq!(got, want);
            assert_eq!(got.to_string(), text);
        }
    }

    #[test]
    fn rule_text_when_no_score_can_be_computed() {
        let r = ScoringRules::default();
        check(vec![
            (
                rule_of("≥10户", "", None, false, &r),
                ScoreRule::AwaitingActual { drafted: false },
                "未填实际完成值，需补填后评分",
            ),
            (
                rule_of("≥10户", "", None, true, &r),
                ScoreRule::AwaitingActual { drafted: true },
                "草拟指标，待填写实际完成值后评分",
            ),
            (
                rule_of("≥**人", "5人", None, false, &r),
                ScoreRule::EmptyTarget,
                "指标值为空或为模板占位，需填写",
            ),
            (
                rule_of("≥127盏", "127米", None, false, &r),
                ScoreRule::UnitMismatch,
                "单位不一致，需人工评分",
            ),
            (
                rule_of("≥90%", "2023年5月1日", None, false, &r),
                ScoreRule::Incomparable,
                "指标值与实际完成值无法比较，需人工评分",
            ),
        ]);
    }

    #[test]
    fn rule_text_qualitative() {
        let r = ScoringRules::default();
        check(vec![
            (
                rule_of("效果明显", "达成预期指标", None, false, &r),
                ScoreRule::Achieved {
                    actual: "达成预期指标".into(),
                },
                "定性：实际“达成预期指标”为达成，得满分",
            ),
            (
                rule_of("显著提升", "有所提升", Some("35"), false, &r),
                ScoreRule::HandScore {
                    band: Band::Partial,
                },
                "定性：部分达成，采用表中所填得分",
            ),
            (
                rule_of("显著提升", "未完成", Some("10"), false, &r),
                ScoreRule::HandScore { band: Band::Failed },
                "定性：未达成，采用表中所填得分",
            ),
            (
                rule_of("效果明显", "95%", Some("20"), false, &r),
                ScoreRule::HandScore {
                    band: Band::Unknown,
                },
                "定性：无法判断是否达成，采用表中所填得分",
            ),
            (
                rule_of("显著提升", "有所提升", None, false, &r),
                ScoreRule::ManualInBand {
                    actual: "有所提升".into(),
                    band: Band::Partial,
                    low: d("60"),
                    high: d("80"),
                },
                "定性：实际“有所提升”部分达成，应在分值的 60%–80% 之间人工评分",
            ),
            (
                rule_of("显著提升", "未完成", None, false, &r),
                ScoreRule::ManualInBand {
                    actual: "未完成".into(),
                    band: Band::Failed,
                    low: d("0"),
                    high: d("60"),
                },
                "定性：实际“未完成”未达成，应在分值的 0%–60% 之间人工评分",
            ),
            (
                rule_of("显著提升", "不知道啥", None, false, &r),
                ScoreRule::ManualInBand {
                    actual: "不知道啥".into(),
                    band: Band::Unknown,
                    low: d("0"),
                    high: d("100"),
                },
                "定性：实际“不知道啥”无法判断是否达成，应在分值的 0%–100% 之间人工评分",
            ),
        ]);
    }

    #[test]
    fn rule_text_less_is_better() {
        let mut r = ScoringRules::default();
        let mut cases = vec![
            (
                rule_of("≤90万元", "850000元", None, false, &r),
                ScoreRule::AtMostMet(m("85", "90", "万元")),
                "实际 85万元 ≤ 目标 90万元，得满分",
            ),
            (
                rule_of("≤0万元", "5万元", None, false, &r),
                ScoreRule::AtMostExceededZero(m("5", "0", "万元")),
                "实际 5万元 超过目标 0万元，得 0 分",
            ),
            (
                rule_of("≤90万元", "100万元", None, false, &r),
                ScoreRule::ReverseRatio {
                    m: m("100", "90", "万元"),
                    weight: d("50"),
                    score: d("45.00"),
                },
                "实际 100万元 超过目标 90万元（越低越好）：50 × 90 ÷ 100 = 45",
            ),
        ];
        r.reverse_rule = ReverseRule::Linear;
        cases.push((
            rule_of("≤90万元", "100万元", None, false, &r),
            ScoreRule::ReverseLinear {
                m: m("100", "90", "万元"),
                weight: d("50"),
                score: d("44.44"),
            },
            "实际 100万元 超过目标 90万元（越低越好，线性）：50 × (1 − (100 − 90) ÷ 90) = 44.44",
        ));
        check(cases);
    }

    #[test]
    fn rule_text_more_is_better() {
        let r = ScoringRules::default();
        check(vec![
            (
                rule_of("=0起", "0起", None, false, &r),
                ScoreRule::ZeroTarget {
                    m: m("0", "0", "起"),
                    score: d("50"),
                },
                "目标为 0：实际 0起，得 50 分",
            ),
            (
                rule_of("=0起", "2起", None, false, &r),
                ScoreRule::ZeroTarget {
                    m: m("2", "0", "起"),
                    score: d("0"),
                },
                "目标为 0：实际 2起，得 0 分",
            ),
            (
                rule_of("≥1.2公里", "1200米", None, false, &r),
                ScoreRule::Reached(m("1.2", "1.2", "公里")),
                "实际 1.2公里 达到目标 1.2公里，得满分",
            ),
            (
                rule_of("≥1200米", "900米", None, false, &r),
                ScoreRule::Proportional {
                    m: m("900", "1200", "米"),
                    weight: d("50"),
                    score: d("37.50"),
                },
                "实际 900米 未达目标 1200米：50 × 900 ÷ 1200 = 37.5",
            ),
            // A negative actual is shown as typed, counted as 0.
            (
                rule_of("≥10户", "-3户", None, false, &r),
                ScoreRule::Proportional {
                    m: m("-3", "10", "户"),
                    weight: d("50"),
                    score: d("0"),
                },
                "实际 -3户 未达目标 10户：50 × 0 ÷ 10 = 0",
            ),
        ]);
    }

    #[test]
    fn rule_text_deadlines() {
        let r = ScoringRules::default();
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        check(vec![
            (
                rule_of("2023年12月31日前", "2023年10月20日", None, false, &r),
                ScoreRule::OnTime {
                    done: date("2023-10-20"),
                    deadline: date("2023-12-31"),
                },
                "时效：2023-10-20 完成，未晚于 2023-12-31，得满分",
            ),
            (
                rule_of("12月底前", "2024-01-15", None, false, &r),
                ScoreRule::Late {
                    done: date("2024-01-15"),
                    deadline: date("2023-12-31"),
                    score: d("0"),
                },
                "时效：2024-01-15 完成，晚于 2023-12-31，按规则得 0 分",
            ),
            (
                rule_of("年底前", "按期完成", None, false, &r),
                ScoreRule::OnTimeText {
                    actual: "按期完成".into(),
                },
                "时效：实际“按期完成”，按期完成，得满分",
            ),
            (
                rule_of("2023年12月31日前", "逾期未完成", None, false, &r),
                ScoreRule::LateText {
                    actual: "逾期未完成".into(),
                    score: d("0"),
                },
                "时效：实际“逾期未完成”，未按期完成，按规则得 0 分",
            ),
        ]);
    }

    #[test]
    fn budget_rule_text() {
        let r = ScoringRules::default();
        for (rate, rule, text) in [
            (
                Some("56.62"),
                BudgetRule::Rate {
                    rate: d("56.62"),
                    weight: d("10"),
                    score: d("5.66"),
                },
                "预算执行率 56.62%：10 × 56.62 ÷ 100 = 5.66",
            ),
            (
                Some("120.456"),
                BudgetRule::Rate {
                    rate: d("120.456"),
                    weight: d("10"),
                    score: d("10"),
                },
                "预算执行率 120.45%（按 100% 计）：10 × 100 ÷ 100 = 10",
            ),
            (
                Some("-3"),
                BudgetRule::Rate {
                    rate: d("-3"),
                    weight: d("10"),
                    score: d("0"),
                },
                "预算执行率 -3.00%：10 × 0 ÷ 100 = 0",
            ),
            (
                None,
                BudgetRule::NoBudget,
                "预算为 0，执行率无法计算，需人工评分",
            ),
        ] {
            let e = evaluate(rate.map(d), vec![], None, &r);
            assert_eq!(e.budget_rule, rule);
            assert_eq!(e.budget_rule.to_string(), text);
        }
    }

    #[test]
    fn a_copied_evaluation_shares_its_items() {
        let r = ScoringRules::default();
        let e = evaluate(
            Some(d("100")),
            vec![ind("产出指标", "a", "≥1200米", "900米")],
            None,
            &r,
        );
        let copy = e.clone();
        assert_eq!(copy, e);
        assert_eq!(copy.indicators.len(), 1);
        assert!(std::ptr::eq(
            copy.indicators.as_slice(),
            e.indicators.as_slice()
        ));
    }

    #[test]
    fn a_hand_score_differing_from_the_rule_is_noted_unless_it_is_the_rule() {
        let r = ScoringRules::default();
        let mut a = ind("产出指标", "a", "显著提升", "有所提升");
        a.hand_score = Some(d("30"));
        let mut b = ind("产出指标", "b", "≥1200米", "900米");
        b.hand_score = Some(d("40"));
        let e = evaluate(Some(d("100")), vec![a, b], None, &r);
        assert_eq!(e.indicators[0].note, None);
        assert_eq!(
            e.indicators[1].note.as_deref(),
            Some("表中得分 40 与规则得分 33.75 不同（以规则得分计，原值保留）")
        );
    }

    #[test]
    fn met_exceeded_and_short() {
        let r = ScoringRules::default();
        assert_eq!(one("≥720平方米", "720平方米", &r).score, Some(d("50")));
        let over = one("≥25人次", "40人次", &r);
        assert_eq!(over.score, Some(d("50")), "no more than the weight");
        assert!(over.note.unwrap().contains("超额完成"));
        let short = one("≥1200米", "900米", &r);
        assert_eq!(short.score, Some(d("37.50")));
        assert!(
            short.rule.to_string().contains("50 × 900 ÷ 1200"),
            "{}",
            short.rule
        );
        // Units converted: target in 公里, actual in 米.
        assert_eq!(one("≥1.2公里", "1200米", &r).score, Some(d("50")));
        // Mismatched units: no guess.
        assert_eq!(one("≥127盏", "127米", &r).score, None);
        // A negative actual counts as 0.
        assert_eq!(one("≥10户", "-3户", &r).score, Some(d("0")));
    }

    #[test]
    fn reverse_indicator_ratio_and_linear() {
        let mut r = ScoringRules::default();
        assert_eq!(one("≤90万元", "85万元", &r).score, Some(d("50")));
        // 90/100 of the weight vs the linear rule's 0.889 (domain.md §4).
        assert_eq!(one("≤90万元", "100万元", &r).score, Some(d("45.00")));
        r.reverse_rule = ReverseRule::Linear;
        assert_eq!(one("≤90万元", "100万元", &r).score, Some(d("44.44")));
        assert_eq!(one("≤90万元", "200万元", &r).score, Some(d("0")));
        // Amounts in 元 against a 万元 target.
        assert_eq!(one("≤90万元", "850000元", &r).score, Some(d("50")));
    }

    #[test]
    fn deadlines() {
        let mut r = ScoringRules::default();
        assert_eq!(
            one("2023年12月31日前", "2023年10月20日", &r).score,
            Some(d("50"))
        );
        assert_eq!(one("12月底前", "2023-12-31", &r).score, Some(d("50")));
        assert_eq!(one("12月底前", "2024-01-15", &r).score, Some(d("0")));
        assert_eq!(one("年底前", "按期完成", &r).score, Some(d("50")));
        // A negated achieved word is not an achievement (was full marks).
        for late in [
            "未按期完成",
            "没有按期完成",
            "逾期完成",
            "尚未完成",
            "未能通过",
        ] {
            assert_eq!(one("年底前", late, &r).score, Some(d("0")), "{late}");
        }
        assert_eq!(
            one("年底前", "已完成，未发生安全事故", &r).score,
            Some(d("50"))
        );
        r.deadline_missed_percent = d("50");
        assert_eq!(
            one("2023年11月30日前", "2023年12月10日", &r).score,
            Some(d("25.00"))
        );
    }

    /// What clerks write in 实际完成值, and what it means (a review's table).
    #[test]
    fn negations_plans_and_double_negatives_in_actual_texts() {
        let r = ScoringRules::default();
        let cases = [
            // Plain achievements, incl. negations elsewhere and double negatives.
            ("按期完成", Verdict::Achieved),
            ("已完成，未发生安全事故", Verdict::Achieved),
            ("无安全事故，已完成", Verdict::Achieved),
            ("未发生质量问题，按期完成", Verdict::Achieved),
            ("未发生质量问题并按期完成", Verdict::Achieved),
            ("未逾期完成", Verdict::Achieved),
            ("无逾期完成情况", Verdict::Achieved),
            ("不存在未按期完成情况", Verdict::Achieved),
            ("未出现逾期完成的情况", Verdict::Achieved),
            ("不断完善，达到预期", Verdict::Achieved),
            ("不仅按期完成，还节约了资金", Verdict::Achieved),
            ("在项目计划完成时间内完成", Verdict::Achieved),
            ("是", Verdict::Achieved),
            // Failures.
            ("未按期完成", Verdict::Failed),
            ("没有按期完成", Verdict::Failed),
            ("逾期完成", Verdict::Failed),
            ("尚未完成", Verdict::Failed),
            ("未能如期完成", Verdict::Failed),
            ("未按时完成", Verdict::Failed),
            ("未按计划完成", Verdict::Failed),
            ("未在规定时间内完成", Verdict::Failed),
            ("延期完成", Verdict::Failed),
            ("推迟完成", Verdict::Failed),
            ("滞后完成", Verdict::Failed),
            ("不达标", Verdict::Failed),
            ("不满意", Verdict::Failed),
            ("不规范", Verdict::Failed),
            ("未通过", Verdict::Failed),
            ("否", Verdict::Failed),
            // Partly, and plans that are not results yet.
            ("部分完成", Verdict::Partial),
            ("基本完成", Verdict::Partial),
            ("截至目前未完工，预计年底完成", Verdict::Unknown),
            ("工程未验收，预计完成", Verdict::Unknown),
            ("拟于12月完成", Verdict::Unknown),
            ("不断提升", Verdict::Unknown),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter(|(t, v)| classify(t, &r) != *v)
            .map(|(t, v)| format!("{t}: {:?}, expected {v:?}", classify(t, &r)))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn qualitative() {
        let r = ScoringRules::default();
        assert_eq!(one("效果明显", "达成预期指标", &r).score, Some(d("50")));
        assert_eq!(one("是", "是", &r).score, Some(d("50")));
        // Partial and failed need a hand score; none typed: flagged, never guessed.
        let partial = one("显著提升", "有所提升", &r);
        assert_eq!(partial.score, None);
        assert!(partial.rule.to_string().contains("人工评分"));
        let mut i = ind("产出指标", "x", "效果明显", "有所提升");
        i.hand_score = Some(d("35"));
        let e = evaluate(Some(d("100")), vec![i.clone()], None, &r);
        // Only 产出: it takes all 90 points; 35 of 90 is outside the 60–80 % band.
        assert_eq!(e.indicators[0].weight, d("90"));
        assert_eq!(e.indicators[0].score, Some(d("35")));
        assert!(
            e.problems
                .iter()
                .any(|p| p.message.contains("不在“部分达成”档"))
        );
        i.hand_score = Some(d("60"));
        let e = evaluate(Some(d("100")), vec![i], None, &r);
        assert!(e.problems.is_empty(), "{:?}", e.problems);
    }

    #[test]
    fn weights_missing_level1_and_explicit_override() {
        let r = ScoringRules::default();
        // No 满意度: its 10 points go to 效益 (default) → 产出 50, 效益 40.
        let e = evaluate(
            Some(d("100")),
            vec![
                ind("产出指标", "a", "≥1个", "1个"),
                ind("产出指标", "b", "≥1个", "1个"),
                ind("效益指标", "c", "是", "是"),
            ],
            None,
            &r,
        );
        assert_eq!(
            e.level1_weights,
            vec![(Level1::Output, d("50")), (Level1::Benefit, d("40"))]
        );
        assert_eq!(
            e.indicators.iter().map(|i| i.weight).collect::<Vec<_>>(),
            vec![d("25"), d("25"), d("40")]
        );
        assert_eq!(e.score, d("100"));
        assert_eq!(e.grade, Some("优"));
        let mut to_output = r.clone();
        to_output.missing_satisfaction_to = SatisfactionTo::Output;
        let e = evaluate(
            Some(d("100")),
            vec![
                ind("产出指标", "a", "≥1个", "1个"),
                ind("效益指标", "c", "是", "是"),
            ],
            None,
            &to_output,
        );
        assert_eq!(
            e.level1_weights,
            vec![(Level1::Output, d("60")), (Level1::Benefit, d("30"))]
        );
        // Equal split with a remainder: 50 / 3 → 16.67, 16.67, 16.66.
        let e = evaluate(
            Some(d("100")),
            vec![
                ind("产出", "a", "≥1个", "1个"),
                ind("产出", "b", "≥1个", "1个"),
                ind("产出", "c", "≥1个", "1个"),
                ind("效益", "d", "是", "是"),
                ind("满意度", "e", "≥90%", "99%"),
            ],
            None,
            &r,
        );
        let w: Vec<Decimal> = e.indicators.iter().map(|i| i.weight).collect();
        assert_eq!(&w[..3], &[d("16.67"), d("16.67"), d("16.66")]);
        // Typed 分值 override the split; one that doesn't add up to 100 is flagged.
        let mut a = ind("产出指标", "a", "≥1个", "1个");
        a.weight = Some(d("30"));
        let e = evaluate(
            Some(d("100")),
            vec![
                a.clone(),
                ind("产出指标", "b", "≥1个", "1个"),
                ind("效益指标", "c", "是", "是"),
                ind("满意度指标", "z", "≥90%", "95%"),
            ],
            None,
            &r,
        );
        assert_eq!(e.indicators[0].weight, d("30"));
        assert_eq!(e.indicators[1].weight, d("20"));
        assert!(e.problems.is_empty());
        a.weight = Some(d("70"));
        let e = evaluate(
            Some(d("100")),
            vec![
                a,
                ind("效益指标", "c", "是", "是"),
                ind("满意度指标", "z", "≥90%", "95%"),
            ],
            None,
            &r,
        );
        assert!(
            e.problems.iter().any(|p| p.message.contains("不等于 100")),
            "{:?}",
            e.problems
        );
    }

    #[test]
    fn budget_score_and_grades() {
        let r = ScoringRules::default();
        let e = evaluate(
            Some(d("56.62")),
            vec![ind("产出指标", "a", "≥1个", "1个")],
            None,
            &r,
        );
        assert_eq!(e.budget_score, Some(d("5.66")));
        assert_eq!(e.score, d("95.66"));
        let e = evaluate(Some(d("120")), vec![], None, &r);
        assert_eq!(e.budget_score, Some(d("10")), "capped at the full 10");
        // Zero budget: no rate, no silent score.
        let e = evaluate(None, vec![ind("产出指标", "a", "≥1个", "1个")], None, &r);
        assert_eq!(e.budget_score, None);
        assert_eq!(e.grade, None);
        assert_eq!(grade(d("90")), "优");
        assert_eq!(grade(d("89.99")), "良");
        assert_eq!(grade(d("80")), "良");
        assert_eq!(grade(d("60")), "中");
        assert_eq!(grade(d("59.99")), "差");
        // Hand scores are shown beside the rule's, never overwritten.
        let mut a = ind("产出指标", "a", "≥4754人", "4604人");
        a.hand_score = Some(d("90"));
        let e = evaluate(Some(d("100")), vec![a], None, &r);
        assert_eq!(e.indicators[0].score, Some(d("87.16")));
        assert!(
            e.indicators[0]
                .note
                .as_deref()
                .unwrap()
                .contains("表中得分 90")
        );
    }
}
