//! County consolidation (汇总): many townships' report figures added up,
//! ranked by execution rate, checked for duplicates, gaps and the floor on
//! the share of 衔接资金 for industry. Pure: the townships come in computed.

use super::{
    Excluded, GroupFigures, LatePayments, ProjectFigures, Report, execution_rate, group_order,
};
use crate::model::standard as layout;
use crate::model::{Finding, Problem};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::HashMap;
use std::sync::Arc;

/// What consolidation keeps of one township's report (the workbook itself is
/// dropped once this is built, so memory follows the output, not the input).
#[derive(Debug, Clone)]
pub struct Township {
    /// 单位: the 说明 sheet's 单位名称, else the file name.
    pub unit: String,
    pub file: String,
    pub as_of: NaiveDate,
    pub totals: GroupFigures,
    pub by_category: Vec<GroupFigures>,
    pub by_fund_source: Vec<GroupFigures>,
    pub projects: Vec<CountyProject>,
    /// Share of 衔接资金 budget arranged for 产业项目, percent; `None` without 衔接资金.
    pub industry_share: Option<Decimal>,
    /// Rows left out of this township's sums (counts and amounts; the rows
    /// themselves stay in the township's own report).
    pub excluded: Excluded,
    /// Payments after the cut-off.
    pub late: LatePayments,
    /// 年度 of the ledger (说明), for the policy profile.
    pub year: Option<i32>,
}

/// A project as the county keeps it: its 项目明细 row and what the duplicate
/// check, the industry share and the levels read — no descriptive texts,
/// dates, row or evaluation; texts without spare capacity, the repeated
/// ones shared (memory per township stays small at 10,000 townships).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CountyProject {
    pub id: Box<str>,
    pub name: Box<str>,
    pub category: Arc<str>,
    pub fund_source: Arc<str>,
    pub status: Option<Arc<str>>,
    pub budget: Decimal,
    pub settled: Option<Decimal>,
    pub paid: Decimal,
    pub execution_rate: Option<Decimal>,
    pub outstanding: Option<Decimal>,
    pub unspent: Option<Decimal>,
    pub remaining: Decimal,
    /// The budget by fund as the report has it (empty: all of it the
    /// project's 资金性质).
    pub budget_by_fund: Box<[(Arc<str>, Decimal)]>,
    /// 中央/省级/市级/县级, when the 资金性质 spelling named a level.
    pub fund_level: Option<Arc<str>>,
    /// Counted payments by their own 资金性质.
    pub paid_by_fund: Box<[(Arc<str>, Decimal)]>,
}

impl CountyProject {
    /// The budget lines with their funds (`assets::budget_lines`, without copies).
    pub fn budget_lines(&self) -> impl Iterator<Item = (&str, Decimal)> {
        let own = self
            .budget_by_fund
            .is_empty()
            .then_some((&*self.fund_source, self.budget));
        own.into_iter()
            .chain(self.budget_by_fund.iter().map(|(f, b)| (&**f, *b)))
    }
}

fn shared_lines(lines: Vec<(String, Decimal)>) -> Box<[(Arc<str>, Decimal)]> {
    lines.into_iter().map(|(f, b)| (shared(f), b)).collect()
}

thread_local! {
    /// The texts every project repeats (类别, 资金性质, 状态, 级次): one copy
    /// per reading thread instead of one per project.
    static SHARED: std::cell::RefCell<std::collections::HashSet<Arc<str>>> =
        Default::default();
}

/// `text` shared with the projects read before it on this thread.
fn shared(text: String) -> Arc<str> {
    SHARED.with(|set| {
        let mut set = set.borrow_mut();
        if let Some(t) = set.get(text.as_str()) {
            return Arc::clone(t);
        }
        // Bounded: a long-running server reads many ledgers.
        if set.len() >= 4096 {
            set.clear();
        }
        let t: Arc<str> = Arc::from(text);
        set.insert(Arc::clone(&t));
        t
    })
}

impl From<crate::compute::ProjectFigures> for CountyProject {
    fn from(p: crate::compute::ProjectFigures) -> CountyProject {
        CountyProject {
            id: p.id.into_boxed_str(),
            name: p.name.into_boxed_str(),
            category: shared(p.category),
            fund_source: shared(p.fund_source),
            status: p.status.map(shared),
            budget: p.budget,
            settled: p.settled,
            paid: p.paid,
            execution_rate: p.execution_rate,
            outstanding: p.outstanding,
            unspent: p.unspent,
            remaining: p.remaining,
            budget_by_fund: shared_lines(p.budget_by_fund),
            fund_level: p.fund_level.map(shared),
            paid_by_fund: shared_lines(p.paid_by_fund),
        }
    }
}

/// The 衔接资金 industry share: budget of 衔接资金 projects in 产业项目 ÷ budget of all 衔接资金 projects.
pub fn industry_share<'a>(
    projects: impl IntoIterator<Item = &'a ProjectFigures>,
) -> Option<Decimal> {
    industry_share_of(
        projects
            .into_iter()
            .map(|p| (p.fund_source.as_str(), p.category.as_str(), p.budget)),
    )
}

/// The same over (资金性质, 项目类别, 预算) of each project.
fn industry_share_of<'a>(
    projects: impl Iterator<Item = (&'a str, &'a str, Decimal)>,
) -> Option<Decimal> {
    let (mut total, mut industry) = (Decimal::ZERO, Decimal::ZERO);
    for (_, category, budget) in projects.filter(|(fund, _, _)| {
        crate::model::standard::Fund::of(fund) == Some(crate::model::standard::Fund::Xianjie)
    }) {
        total += budget;
        if category == "产业项目" {
            industry += budget;
        }
    }
    execution_rate(industry, total)
}

fn county_industry_share<'a>(projects: impl Iterator<Item = &'a CountyProject>) -> Option<Decimal> {
    industry_share_of(projects.map(|p| (&*p.fund_source, &*p.category, p.budget)))
}

impl Township {
    pub fn from_report(unit: &str, file: &str, r: &Report) -> Township {
        Township {
            unit: unit.to_string(),
            file: file.to_string(),
            as_of: r.as_of,
            totals: r.totals.clone(),
            by_category: r.by_category.clone(),
            by_fund_source: r.by_fund_source.clone(),
            industry_share: industry_share(&r.projects),
            projects: r
                .projects
                .iter()
                .cloned()
                .map(CountyProject::from)
                .collect(),
            excluded: Excluded {
                rows: Vec::new(),
                ..r.excluded.clone()
            },
            late: r.late,
            year: r.year,
        }
    }
}

impl Township {
    /// The same, taking the report apart instead of copying it (`consolidate`
    /// drops the report right after): each project keeps only what the county
    /// sheets, JSON and levels use.
    pub fn from_owned_report(unit: &str, file: &str, r: Report) -> Township {
        let industry_share = industry_share(&r.projects);
        let projects = r.projects.into_iter().map(CountyProject::from).collect();
        Township {
            unit: unit.to_string(),
            file: file.to_string(),
            as_of: r.as_of,
            totals: r.totals,
            by_category: r.by_category,
            by_fund_source: r.by_fund_source,
            industry_share,
            projects,
            excluded: Excluded {
                rows: Vec::new(),
                ..r.excluded
            },
            late: r.late,
            year: r.year,
        }
    }
}

/// A problem with the file it came from (empty for the county as a whole).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FileProblem {
    pub file: String,
    /// In JSON beside `file`: severity, sheet, cell, message.
    #[serde(flatten)]
    pub problem: Problem,
}

impl FileProblem {
    /// A finding of the catalogue about the county as a whole.
    pub fn county(finding: Finding, message: String) -> FileProblem {
        FileProblem {
            file: String::new(),
            problem: Problem::on(finding, "", message),
        }
    }
}

impl FileProblem {
    /// A finding of the catalogue about one file.
    pub fn coded(file: &str, finding: Finding, message: String) -> FileProblem {
        FileProblem {
            file: file.to_string(),
            problem: Problem::on(finding, "", message),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Floor on the 衔接资金 industry share, percent (a county setting; default 60).
    pub industry_floor: Option<Decimal>,
    /// The policy profile (fund family labels); `None`: the bundled one
    /// for the townships' year.
    pub policy: Option<crate::policy::Policy>,
    /// 支付率 benchmarks by level (`--benchmark F`).
    pub benchmark: Option<super::levels::Benchmark>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            industry_floor: Some(Decimal::from(60)),
            policy: None,
            benchmark: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct County {
    /// The common cut-off, `None` when townships used different ones.
    pub as_of: Option<NaiveDate>,
    /// Sorted by execution rate, highest first; `ranks[i]` is township i's 排名.
    pub townships: Vec<Township>,
    pub ranks: Vec<usize>,
    pub totals: GroupFigures,
    pub by_category: Vec<GroupFigures>,
    pub by_fund_source: Vec<GroupFigures>,
    pub industry_share: Option<Decimal>,
    /// Expected townships with no file (未报送).
    pub missing: Vec<String>,
    pub problems: Vec<FileProblem>,
    /// Files not in the sums: unreadable, or the same submission again
    /// (file, why), so the county 汇总 page can say so.
    pub files_left_out: Vec<(String, String)>,
    /// 支付率 by fund level (中央/省级/市级/县级/未分级), with benchmarks.
    pub by_level: super::levels::ByLevel,
}

// JSON of the county roll-up (`consolidate --json`): the model's own
// `Serialize`, field names as the README documents them.
use crate::model::ser::{amount_text, two_places};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// A township as the county JSON lists it: its totals flat, its rank, and
/// what its sums leave out (counts and amounts; the rows are in its report).
struct RankedTownship<'a>(&'a Township, usize);

impl Serialize for RankedTownship<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (t, g) = (self.0, &self.0.totals);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("unit", &t.unit)?;
        m.serialize_entry("file", &t.file)?;
        m.serialize_entry("as_of", &t.as_of.to_string())?;
        m.serialize_entry("project_count", &g.project_count)?;
        m.serialize_entry("budget", &amount_text(g.budget))?;
        m.serialize_entry("paid", &amount_text(g.paid))?;
        m.serialize_entry("remaining", &amount_text(g.remaining))?;
        m.serialize_entry("execution_rate", &g.execution_rate.map(two_places))?;
        m.serialize_entry("outstanding", &g.outstanding.map(amount_text))?;
        m.serialize_entry("unspent", &g.unspent.map(amount_text))?;
        m.serialize_entry("rank", &self.1)?;
        m.serialize_entry("industry_share", &t.industry_share.map(two_places))?;
        m.serialize_entry("excluded", &ExcludedCounts(&t.excluded))?;
        m.end()
    }
}

/// What a township's sums leave out, without the rows.
struct ExcludedCounts<'a>(&'a Excluded);

impl Serialize for ExcludedCounts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("projects", &e.projects)?;
        m.serialize_entry("payments", &e.payments)?;
        m.serialize_entry("project_amount_read", &amount_text(e.project_amount_read))?;
        m.serialize_entry("payment_amount_read", &amount_text(e.payment_amount_read))?;
        m.end()
    }
}

/// A file left out of the sums, and why (未能读取 / 重复报送).
struct LeftOut<'a>(&'a str, &'a str);

impl Serialize for LeftOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("file", self.0)?;
        m.serialize_entry("why", self.1)?;
        m.end()
    }
}

impl Serialize for County {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let townships: Vec<RankedTownship> = self
            .townships
            .iter()
            .zip(&self.ranks)
            .map(|(t, r)| RankedTownship(t, *r))
            .collect();
        let left_out: Vec<LeftOut> = self
            .files_left_out
            .iter()
            .map(|(file, why)| LeftOut(file, why))
            .collect();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("as_of", &self.as_of.map(|d| d.to_string()))?;
        m.serialize_entry("townships", &townships)?;
        m.serialize_entry("totals", &self.totals)?;
        m.serialize_entry("industry_share", &self.industry_share.map(two_places))?;
        m.serialize_entry("by_category", &self.by_category)?;
        m.serialize_entry("by_fund_source", &self.by_fund_source)?;
        m.serialize_entry("by_level", &self.by_level.levels)?;
        m.serialize_entry("by_level_four", &self.by_level.four_levels)?;
        m.serialize_entry("benchmark", &self.by_level.benchmark)?;
        m.serialize_entry("missing", &self.missing)?;
        m.serialize_entry("files_left_out", &left_out)?;
        m.serialize_entry("problems", &self.problems)?;
        m.end()
    }
}

fn merge_groups(standard: &[&str], lists: &[&[GroupFigures]]) -> Vec<GroupFigures> {
    let keys = group_order(
        standard,
        lists.iter().flat_map(|l| l.iter().map(|g| g.key.clone())),
    );
    keys.into_iter()
        .map(|k| {
            let mut sum = GroupFigures::new(&k);
            for g in lists.iter().flat_map(|l| l.iter()).filter(|g| g.key == k) {
                add_group(&mut sum, g);
            }
            sum.finish();
            sum
        })
        .collect()
}

fn add_group(sum: &mut GroupFigures, g: &GroupFigures) {
    sum.project_count += g.project_count;
    sum.budget += g.budget;
    sum.paid += g.paid;
    sum.outstanding = super::add_opt(sum.outstanding, g.outstanding);
    sum.unspent = super::add_opt(sum.unspent, g.unspent);
    sum.paid_to_other_funds = super::add_opt(sum.paid_to_other_funds, g.paid_to_other_funds);
}

fn without_spaces(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A township name and an expected name (both without spaces) are the same
/// unit when equal or one is the other plus a suffix (靖宇镇 / 靖宇镇人民政府).
fn same_normalised_unit(a: &str, b: &str) -> bool {
    !a.is_empty() && !b.is_empty() && (a == b || a.starts_with(b) || b.starts_with(a))
}

pub fn consolidate(
    mut townships: Vec<Township>,
    expected: &[String],
    settings: &Settings,
    mut problems: Vec<FileProblem>,
) -> County {
    // Rank by execution rate, highest first; no rate (zero budget) last; ties share a rank.
    townships.sort_by(
        |a, b| match (b.totals.execution_rate, a.totals.execution_rate) {
            (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.unit.cmp(&b.unit)),
            (Some(_), None) => std::cmp::Ordering::Greater,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (None, None) => a.unit.cmp(&b.unit),
        },
    );
    let mut ranks = Vec::with_capacity(townships.len());
    for (i, t) in townships.iter().enumerate() {
        let rank = if i > 0 && townships[i - 1].totals.execution_rate == t.totals.execution_rate {
            ranks[i - 1]
        } else {
            i + 1
        };
        ranks.push(rank);
    }

    let mut totals = GroupFigures::new("合计");
    for t in &townships {
        add_group(&mut totals, &t.totals);
    }
    totals.finish();
    let cats: Vec<&[GroupFigures]> = townships.iter().map(|t| t.by_category.as_slice()).collect();
    let funds: Vec<&[GroupFigures]> = townships
        .iter()
        .map(|t| t.by_fund_source.as_slice())
        .collect();
    let by_category = merge_groups(layout::CATEGORIES, &cats);
    let by_fund_source = merge_groups(layout::FUND_SOURCES, &funds);

    // The same project in two files would be counted twice: say so.
    let mut seen: HashMap<&str, (&Township, &CountyProject)> = HashMap::new();
    for t in &townships {
        for p in &t.projects {
            match seen.get(&*p.id) {
                Some((other, q)) if other.file != t.file => {
                    let (finding, what) = if q.name == p.name {
                        (
                            Finding::ProjectInTwoFiles,
                            "疑似同一项目重复上报，两处都已计入合计，请核对",
                        )
                    } else {
                        (
                            Finding::IdInTwoFiles,
                            "项目名称不同，可能是各乡镇自编编号重复",
                        )
                    };
                    problems.push(FileProblem::coded(
                        &t.file,
                        finding,
                        format!(
                            "项目编号“{}”（{}）同时出现在 {}（{}）：{what}",
                            p.id, p.name, other.file, q.name
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    seen.insert(&p.id, (t, p));
                }
            }
        }
    }
    let mut by_unit: HashMap<&str, &str> = HashMap::new();
    for t in &townships {
        if let Some(f) = by_unit.insert(&t.unit, &t.file) {
            problems.push(FileProblem::coded(
                &t.file,
                Finding::UnitInTwoFiles,
                format!("单位“{}”同时出现在 {f} 和 {}，两份都已计入", t.unit, t.file),
            ));
        }
    }

    let industry = county_industry_share(townships.iter().flat_map(|t| t.projects.iter()));
    if let Some(floor) = settings.industry_floor {
        for t in &townships {
            if let Some(s) = t.industry_share.filter(|s| *s < floor) {
                problems.push(FileProblem::coded(
                    &t.file,
                    Finding::IndustryShareLow,
                    format!(
                        "{}：衔接资金用于产业项目的比例 {s:.2}%，低于 {floor}% 的要求",
                        t.unit
                    ),
                ));
            }
        }
        if let Some(s) = industry.filter(|s| *s < floor) {
            problems.push(FileProblem::county(
                Finding::IndustryShareLow,
                format!("全县衔接资金用于产业项目的比例 {s:.2}%，低于 {floor}% 的要求"),
            ));
        }
    }

    // Names without spaces once (a province's list against its townships
    // is many thousands each way); an equal name found by hash first.
    let names: Vec<String> = townships.iter().map(|t| without_spaces(&t.unit)).collect();
    let exact: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    let missing = expected
        .iter()
        .filter(|e| {
            let e = without_spaces(e);
            let found = !e.is_empty()
                && (exact.contains(e.as_str())
                    || names.iter().any(|n| same_normalised_unit(n, &e)));
            !found
        })
        .cloned()
        .collect();
    let first = townships.first().map(|t| t.as_of);
    let as_of = if townships.iter().all(|t| Some(t.as_of) == first) {
        first
    } else {
        None
    };
    if as_of.is_none() && !townships.is_empty() {
        problems.push(FileProblem::county(Finding::CutOffDatesDiffer, "各单位的截止日期不一致（未指定 --as-of / --month 时取各自“说明”表的截止日期），汇总数据口径不一".into()));
    }
    let by_level = super::levels::county_levels(&townships, settings, &mut problems);
    County {
        by_level,
        as_of,
        townships,
        ranks,
        totals,
        by_category,
        by_fund_source,
        industry_share: industry
            .map(|s| s.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)),
        missing,
        problems,
        files_left_out: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    use crate::testutil::d;
    fn group(key: &str, budget: &str, paid: &str) -> GroupFigures {
        let mut g = GroupFigures::new(key);
        g.project_count = 1;
        g.budget = d(budget);
        g.paid = d(paid);
        g.finish();
        g
    }
    fn project(id: &str, name: &str, cat: &str, fund: &str, budget: &str) -> ProjectFigures {
        ProjectFigures {
            index: 0,
            id: id.into(),
            name: name.into(),
            category: cat.into(),
            fund_source: fund.into(),
            status: None,
            budget: d(budget),
            budget_by_fund: vec![(fund.into(), d(budget))],
            fund_level: None,
            settled: None,
            paid: Decimal::ZERO,
            execution_rate: None,
            outstanding: None,
            unspent: None,
            remaining: d(budget),
            ..Default::default()
        }
    }
    fn township(unit: &str, budget: &str, paid: &str, projects: Vec<ProjectFigures>) -> Township {
        let share = industry_share(&projects);
        Township {
            unit: unit.into(),
            file: format!("{unit}.xlsx"),
            as_of: NaiveDate::from_ymd_opt(2024, 5, 31).unwrap(),
            totals: group("合计", budget, paid),
            by_category: vec![group("产业项目", budget, paid)],
            by_fund_source: vec![group("衔接资金", budget, paid)],
            industry_share: share,
            projects: projects.into_iter().map(CountyProject::from).collect(),
            excluded: Excluded::default(),
            late: LatePayments::default(),
            year: None,
        }
    }

    #[test]
    fn ranks_totals_duplicates_missing_and_floor() {
        let a = township(
            "甲镇",
            "100",
            "50",
            vec![project("P1", "路", "产业项目", "衔接资金", "100")],
        );
        let b = township(
            "乙镇",
            "200",
            "150",
            vec![project("P1", "路", "基础设施建设项目", "衔接资金", "200")],
        );
        let c = township(
            "丙镇",
            "10",
            "5",
            vec![project("Q1", "桥", "产业项目", "整合资金", "10")],
        );
        let county = consolidate(
            vec![a, b, c],
            &["甲镇人民政府".into(), "丁镇".into()],
            &Settings::default(),
            vec![],
        );
        let order: Vec<&str> = county.townships.iter().map(|t| t.unit.as_str()).collect();
        assert_eq!(order, ["乙镇", "丙镇", "甲镇"]);
        assert_eq!(county.ranks, [1, 2, 2], "equal rates share a rank");
        assert_eq!(county.totals.budget, d("310"));
        assert_eq!(county.totals.paid, d("205"));
        assert_eq!(county.totals.execution_rate, Some(d("66.13")));
        assert_eq!(county.missing, ["丁镇"]);
        assert!(
            county
                .problems
                .iter()
                .any(|p| p.problem.severity == Severity::Error && p.problem.message.contains("P1"))
        );
        // 乙镇 spends no 衔接资金 on industry: below the 60 % floor; the county at 100/300 too.
        assert!(
            county
                .problems
                .iter()
                .any(|p| p.file == "乙镇.xlsx" && p.problem.message.contains("0.00%"))
        );
        assert_eq!(county.industry_share, Some(d("33.33")));
        assert!(
            county
                .problems
                .iter()
                .any(|p| p.file.is_empty() && p.problem.message.contains("33.33%"))
        );
    }
}
