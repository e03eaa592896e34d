//! 支付率 by fund level (中央/省级/市级/县级/未分级), as county meetings
//! report it against a benchmark (the province's average for the month,
//! given as data) with the gap in 个百分点. Pure.

use super::county::CountyProject;
use crate::model::ser;
use crate::policy::{LEVELS, NO_LEVEL, Policy};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The four levels together (四级合计), as meetings name it.
pub const FOUR: &str = "四级合计";

/// Benchmarks as data: `--benchmark F`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    /// "全省平均" — shown beside the figures.
    #[serde(default = "default_name")]
    pub name: String,
    /// The date the benchmark is for (text, as given).
    #[serde(default)]
    pub date: Option<String>,
    /// 支付率 in percent by level: 中央, 省级, 市级, 县级, 未分级, 四级合计 (or 四级).
    pub rates: BTreeMap<String, Decimal>,
}

fn default_name() -> String {
    "基准".into()
}

impl Benchmark {
    pub fn from_toml(text: &str) -> Result<Benchmark, String> {
        let mut b: Benchmark =
            toml::from_str(text).map_err(|e| crate::policy::toml_text(text, &e))?;
        if let Some(v) = b.rates.remove("四级") {
            b.rates.insert(FOUR.into(), v);
        }
        for k in b.rates.keys() {
            if !LEVELS.contains(&k.as_str()) && k != NO_LEVEL && k != FOUR {
                return Err(format!(
                    "[rates] 中的“{k}”不是资金级次；可用：{}、{NO_LEVEL}、{FOUR}",
                    LEVELS.join("、")
                ));
            }
        }
        Ok(b)
    }
    pub fn load(path: &std::path::Path) -> Result<Benchmark, String> {
        crate::policy::load_settings("基准文件", path, Benchmark::from_toml)
    }
}

/// One level's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelFigures {
    pub level: String,
    pub project_count: usize,
    #[serde(serialize_with = "ser::amount")]
    pub budget: Decimal,
    #[serde(serialize_with = "ser::amount")]
    pub paid: Decimal,
    /// 支付率 = paid ÷ budget × 100, rounded once (none for a zero budget).
    #[serde(serialize_with = "ser::rate")]
    pub execution_rate: Option<Decimal>,
    #[serde(serialize_with = "ser::rate")]
    pub benchmark: Option<Decimal>,
    /// 支付率 − benchmark, in 个百分点, from the unrounded rate, rounded once.
    #[serde(serialize_with = "ser::rate")]
    pub gap: Option<Decimal>,
}

impl LevelFigures {
    fn new(level: &str) -> LevelFigures {
        LevelFigures {
            level: level.into(),
            project_count: 0,
            budget: Decimal::ZERO,
            paid: Decimal::ZERO,
            execution_rate: None,
            benchmark: None,
            gap: None,
        }
    }
    fn add(&mut self, part: &LevelFigures) {
        self.project_count += part.project_count;
        self.budget += part.budget;
        self.paid += part.paid;
    }
    fn finish(&mut self, bench: Option<&Benchmark>) {
        let exact =
            (!self.budget.is_zero()).then(|| self.paid * Decimal::ONE_HUNDRED / self.budget);
        let round =
            |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        self.execution_rate = exact.map(round);
        self.benchmark = bench.and_then(|b| b.rates.get(&self.level).copied());
        self.gap = match (exact, self.benchmark) {
            (Some(r), Some(b)) => Some(round(r - b)),
            _ => None,
        };
    }
}

/// Which benchmark the gaps are against.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchmarkInfo {
    pub name: String,
    pub date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ByLevel {
    /// 中央, 省级, 市级, 县级, 未分级 — always all five.
    pub levels: Vec<LevelFigures>,
    /// The four levels together.
    pub four_levels: LevelFigures,
    pub benchmark: Option<BenchmarkInfo>,
    /// The fund family's label this year (常态化帮扶资金 …).
    pub family: String,
    /// Each township's levels and four-level total, in the county's order
    /// (the sheet's second block).
    #[serde(skip)]
    pub townships: Vec<(String, Vec<LevelFigures>, LevelFigures)>,
}

impl Default for ByLevel {
    fn default() -> Self {
        by_level(std::iter::empty(), &Policy::bundled(None), None).0
    }
}

/// The budget lines of a project with their levels, and whether each is of
/// the policy's fund family.
fn budget_levels(p: &CountyProject, policy: &Policy) -> Vec<(&'static str, Decimal, bool)> {
    let classified: Vec<(String, Option<&'static str>, Decimal)> = p
        .budget_lines()
        .map(|(f, b)| {
            let (key, named) = policy.classify(f);
            (key, named, b)
        })
        .collect();
    let family_lines = classified
        .iter()
        .filter(|(key, _, _)| *key == policy.family.key)
        .count();
    let own = p
        .fund_level
        .as_deref()
        .and_then(|l| LEVELS.iter().find(|x| **x == l).copied());
    classified
        .into_iter()
        .map(|(key, named, b)| {
            let family = key == policy.family.key;
            let level = if !family {
                NO_LEVEL
            } else {
                named
                    .or(if family_lines == 1 { own } else { None })
                    .unwrap_or(NO_LEVEL)
            };
            (level, b, family)
        })
        .collect()
}

/// Figures by level over `(unit, project)` pairs, and notes where paid
/// money could not be put under a level.
pub fn by_level<'a>(
    projects: impl Iterator<Item = (&'a str, &'a CountyProject)>,
    policy: &Policy,
    bench: Option<&Benchmark>,
) -> (ByLevel, Vec<String>) {
    let order: Vec<&str> = LEVELS.iter().copied().chain([NO_LEVEL]).collect();
    let mut rows: Vec<LevelFigures> = order.iter().map(|l| LevelFigures::new(l)).collect();
    let mut four = LevelFigures::new(FOUR);
    let mut notes = Vec::new();
    let at = |l: &str| {
        order
            .iter()
            .position(|x| *x == l)
            .unwrap_or(order.len() - 1)
    };
    for (unit, p) in projects {
        let budget = budget_levels(p, policy);
        let mut counted = [false; 5];
        let mut any_level = false;
        for (l, b, _) in &budget {
            let i = at(l);
            rows[i].budget += *b;
            if !b.is_zero() && !counted[i] {
                counted[i] = true;
                rows[i].project_count += 1;
            }
            if *l != NO_LEVEL && !b.is_zero() {
                four.budget += *b;
                any_level = true;
            }
        }
        if any_level {
            four.project_count += 1;
        }
        // The single level of the project's family budget, and of all of it.
        let family_levels: Vec<&str> = {
            let mut v: Vec<&str> = budget
                .iter()
                .filter(|(_, _, is_family)| *is_family)
                .map(|(l, _, _)| *l)
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let mut all_levels: Vec<&str> = budget.iter().map(|(l, _, _)| *l).collect();
        all_levels.sort();
        all_levels.dedup();
        let mut put = |l: &str, amount: Decimal| {
            rows[at(l)].paid += amount;
            if l != NO_LEVEL {
                four.paid += amount;
            }
        };
        let mut attributed = Decimal::ZERO;
        for (fund, amount) in p.paid_by_fund.iter() {
            attributed += *amount;
            let (key, named) = policy.classify(fund);
            let level = if key != policy.family.key {
                NO_LEVEL
            } else if let Some(l) = named {
                l
            } else if family_levels.len() == 1 {
                family_levels[0]
            } else {
                if family_levels.len() > 1 && !amount.is_zero() {
                    notes.push(format!(
                        "{unit} 项目“{}”（{}）的预算分属 {} 级，拨付 {} 万元未注明级次，计入“{NO_LEVEL}”",
                        p.name,
                        p.id,
                        family_levels.join("、"),
                        crate::model::Wan(*amount)
                    ));
                }
                NO_LEVEL
            };
            put(level, *amount);
        }
        // Paid without a payment list (累计拨付): the project's one level.
        let rest = p.paid - attributed;
        if !rest.is_zero() {
            let level = if all_levels.len() == 1 {
                all_levels[0]
            } else {
                notes.push(format!(
                    "{unit} 项目“{}”（{}）的预算分属 {} 级，累计拨付 {} 万元不能按级次拆分，计入“{NO_LEVEL}”",
                    p.name,
                    p.id,
                    all_levels.join("、"),
                    crate::model::Wan(rest)
                ));
                NO_LEVEL
            };
            put(level, rest);
        }
    }
    for r in &mut rows {
        r.finish(bench);
    }
    four.finish(bench);
    (
        ByLevel {
            levels: rows,
            four_levels: four,
            benchmark: bench.map(|b| BenchmarkInfo {
                name: b.name.clone(),
                date: b.date.clone(),
            }),
            family: policy.family.label.clone(),
            townships: Vec::new(),
        },
        notes,
    )
}

/// The county's figures by level: the policy given, else the bundled one
/// for the townships' most common 年度; notes become county 提示.
pub fn county_levels(
    townships: &[super::county::Township],
    settings: &super::county::Settings,
    problems: &mut Vec<super::county::FileProblem>,
) -> ByLevel {
    let policy = settings.policy.clone().unwrap_or_else(|| {
        let mut years: BTreeMap<i32, usize> = BTreeMap::new();
        for y in townships.iter().filter_map(|t| t.year) {
            *years.entry(y).or_default() += 1;
        }
        let year = years
            .iter()
            .max_by_key(|(y, n)| (**n, **y))
            .map(|(y, _)| *y);
        Policy::bundled(year)
    });
    // Each township once; the county's rows are their sums (the same
    // figures as one pass over every project, at half the cost).
    let (mut by, _) = by_level(std::iter::empty(), &policy, settings.benchmark.as_ref());
    let mut notes = Vec::new();
    // Each township's figures on all cores; added up below in township
    // order (exact decimal sums: the same figures in any order).
    use rayon::prelude::*;
    let parts: Vec<(ByLevel, Vec<String>)> = townships
        .par_iter()
        .map(|t| {
            by_level(
                t.projects.iter().map(|p| (t.unit.as_str(), p)),
                &policy,
                settings.benchmark.as_ref(),
            )
        })
        .collect();
    by.townships = townships
        .iter()
        .zip(parts)
        .map(|(t, (b, n))| {
            notes.extend(n);
            for (sum, part) in by.levels.iter_mut().zip(&b.levels) {
                sum.add(part);
            }
            by.four_levels.add(&b.four_levels);
            (t.unit.clone(), b.levels, b.four_levels)
        })
        .collect();
    for r in &mut by.levels {
        r.finish(settings.benchmark.as_ref());
    }
    by.four_levels.finish(settings.benchmark.as_ref());
    problems.extend(
        notes
            .into_iter()
            .map(|n| super::county::FileProblem::county(crate::model::Finding::LevelUnsplit, n)),
    );
    by
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::ProjectFigures;
    use crate::testutil::d;

    fn project(
        id: &str,
        funds: &[(&str, &str)],
        level: Option<&str>,
        paid: &[(&str, &str)],
        total_paid: &str,
    ) -> CountyProject {
        ProjectFigures {
            id: id.into(),
            name: id.into(),
            fund_source: funds[0].0.into(),
            budget: funds.iter().map(|(_, b)| d(b)).sum(),
            budget_by_fund: funds.iter().map(|(f, b)| (f.to_string(), d(b))).collect(),
            fund_level: level.map(str::to_string),
            paid: d(total_paid),
            paid_by_fund: paid.iter().map(|(f, b)| (f.to_string(), d(b))).collect(),
            ..Default::default()
        }
        .into()
    }

    #[test]
    fn split_levels_benchmarks_and_gaps() {
        let policy = Policy::bundled(Some(2026));
        // A: 中央 100 + 省级 50, payments naming their level (60 + 20).
        let a = project(
            "A",
            &[("中央衔接资金", "100"), ("省级衔接资金", "50")],
            None,
            &[("中央财政常态化帮扶资金", "60"), ("省级衔接资金", "20")],
            "80",
        );
        // B: the 资金性质 names the level; paid by 累计拨付 only.
        let b = project("B", &[("衔接资金", "30")], Some("县级"), &[], "10");
        // C: 整合资金, no level.
        let c = project(
            "C",
            &[("整合资金", "40")],
            None,
            &[("整合资金", "40")],
            "40",
        );
        // D: split over two levels, a payment that names none.
        let e = project(
            "D",
            &[("中央衔接资金", "10"), ("省级衔接资金", "10")],
            None,
            &[("衔接资金", "5")],
            "5",
        );
        let bench = Benchmark::from_toml(
            "name = \"全省平均\"\n[rates]\n\"中央\" = 63.52\n\"四级\" = 46.92\n",
        )
        .unwrap();
        let list = [a, b, c, e];
        let (by, notes) = by_level(list.iter().map(|p| ("甲镇", p)), &policy, Some(&bench));
        let row = |l: &str| by.levels.iter().find(|r| r.level == l).unwrap().clone();
        // 中央: budget 100 + 10 = 110, paid 60 → 54.545… → 54.55; gap 54.5454… − 63.52 = −8.97.
        let z = row("中央");
        assert_eq!((z.budget, z.paid, z.project_count), (d("110"), d("60"), 2));
        assert_eq!(z.execution_rate, Some(d("54.55")));
        assert_eq!(z.gap, Some(d("-8.97")));
        // 省级: 60 budget, 20 paid → 33.33; no benchmark → no gap.
        let s = row("省级");
        assert_eq!((s.budget, s.paid), (d("60"), d("20")));
        assert_eq!((s.execution_rate, s.gap), (Some(d("33.33")), None));
        // 县级: 30, paid 10 from 累计拨付 → 33.33.
        assert_eq!((row("县级").budget, row("县级").paid), (d("30"), d("10")));
        // 市级: nothing, no rate.
        assert_eq!(row("市级").execution_rate, None);
        // 未分级: 整合 40 budget; paid 40 + D's unnamed 5.
        let u = row(NO_LEVEL);
        assert_eq!((u.budget, u.paid), (d("40"), d("45")));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("D") && notes[0].contains("5 万元"));
        // 四级: 200 budget, 90 paid → 45.00; gap 45 − 46.92 = −1.92.
        assert_eq!(
            (by.four_levels.budget, by.four_levels.paid),
            (d("200"), d("90"))
        );
        assert_eq!(by.four_levels.execution_rate, Some(d("45.00")));
        assert_eq!(by.four_levels.gap, Some(d("-1.92")));
        // Every 万元 is under some level.
        let budget: Decimal = by.levels.iter().map(|r| r.budget).sum();
        let paid: Decimal = by.levels.iter().map(|r| r.paid).sum();
        assert_eq!((budget, paid), (d("240"), d("135")));
    }

    #[test]
    fn a_benchmark_names_only_levels() {
        assert!(
            Benchmark::from_toml("[rates]\n\"乡级\" = 1\n")
                .unwrap_err()
                .contains("乡级")
        );
    }
}
