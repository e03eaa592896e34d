//! The monthly progress report (月报): figures at the month's end, this
//! month's payments, the previous month's pace, and the gap to the schedule
//! (序时进度). Built from `compute_report` at two cut-offs: one code path.

use super::{GroupFigures, MonthFigures, ProjectFigures, Report, compute_report};
use crate::model::Ledger;
use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

pub use crate::model::schedule::Schedule;

impl Schedule {
    /// 序时进度 at a month's end, percent with 2 decimals. `year` is the
    /// budget year: months after it are at 100 %, before it at 0.
    pub fn expected(
        &self,
        category: Option<&str>,
        month_end: NaiveDate,
        year: Option<i32>,
    ) -> Decimal {
        match year {
            Some(y) if month_end.year() > y => return Decimal::ONE_HUNDRED,
            Some(y) if month_end.year() < y => return Decimal::ZERO,
            _ => {}
        }
        let m = month_end.month();
        let pts = category
            .and_then(|c| self.by_category.get(c))
            .filter(|p| !p.is_empty())
            .unwrap_or(&self.default);
        let pct = if pts.is_empty() {
            if self.day_based {
                let days_in_year = if NaiveDate::from_ymd_opt(month_end.year(), 2, 29).is_some() {
                    366
                } else {
                    365
                };
                Decimal::from(month_end.ordinal()) * Decimal::ONE_HUNDRED
                    / Decimal::from(days_in_year)
            } else {
                Decimal::from(m) * Decimal::ONE_HUNDRED / Decimal::from(12)
            }
        } else {
            let mut prev = (0u32, Decimal::ZERO);
            let mut value = pts.last().map(|p| p.1).unwrap_or_default();
            for &(pm, pv) in pts {
                if m <= pm {
                    value = if pm == prev.0 {
                        pv
                    } else {
                        prev.1
                            + (pv - prev.1) * Decimal::from(m - prev.0) / Decimal::from(pm - prev.0)
                    };
                    break;
                }
                prev = (pm, pv);
            }
            value
        };
        pct.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    }
}

/// The pace of one project or group in the month.
#[derive(Debug, Clone, PartialEq)]
pub struct Pace {
    /// 本月拨付
    pub paid_this_month: Decimal,
    /// 上月支出进度, percent
    pub previous_rate: Option<Decimal>,
    /// 较上月, percentage points
    pub rate_change: Option<Decimal>,
    /// 序时进度, percent
    pub schedule: Decimal,
    /// 进度差 = 支出进度 − 序时进度, percentage points
    pub gap: Option<Decimal>,
    /// 进度滞后: how much more should have been paid by now (万元).
    pub behind_by: Option<Decimal>,
}

impl Pace {
    /// `counted`: the part of `paid` that executes this budget (a fund's
    /// money paid to other funds' projects does not).
    #[allow(clippy::too_many_arguments)]
    fn new(
        budget: Decimal,
        paid: Decimal,
        counted: Decimal,
        rate: Option<Decimal>,
        prev_paid: Decimal,
        prev_rate: Option<Decimal>,
        schedule: Decimal,
    ) -> Pace {
        let gap = rate.map(|r| r - schedule);
        let behind_by = gap.filter(|g| *g < Decimal::ZERO).map(|_| {
            (budget * schedule / Decimal::ONE_HUNDRED - counted)
                .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
        });
        Pace {
            paid_this_month: paid - prev_paid,
            previous_rate: prev_rate,
            rate_change: rate.zip(prev_rate).map(|(a, b)| a - b),
            schedule,
            gap,
            behind_by,
        }
    }
    pub fn is_behind(&self) -> bool {
        self.behind_by.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct MonthlyProject {
    pub figures: ProjectFigures,
    pub pace: Pace,
}

#[derive(Debug, Clone)]
pub struct MonthlyGroup {
    pub figures: GroupFigures,
    pub pace: Pace,
}

#[derive(Debug, Clone)]
pub struct MonthlyReport {
    pub year: i32,
    pub month: u32,
    pub as_of: NaiveDate,
    pub previous_as_of: NaiveDate,
    pub report: Report,
    pub projects: Vec<MonthlyProject>,
    pub by_category: Vec<MonthlyGroup>,
    pub by_fund_source: Vec<MonthlyGroup>,
    pub totals: MonthlyGroup,
    /// The cumulative curve and the schedule, month by month.
    pub curve: Vec<(MonthFigures, Decimal)>,
}

// JSON of the 月报 (`monthly --json`): the model's own `Serialize`, field
// names as the README documents them. A project or group row is its
// figures then its pace, in one object.
use crate::model::ser::{amount_text, two_places};
use serde::ser::{Serialize, SerializeMap, Serializer};

impl Pace {
    fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("paid_this_month", &amount_text(self.paid_this_month))?;
        m.serialize_entry(
            "previous_execution_rate",
            &self.previous_rate.map(two_places),
        )?;
        m.serialize_entry("execution_rate_change", &self.rate_change.map(two_places))?;
        m.serialize_entry("schedule", &two_places(self.schedule))?;
        m.serialize_entry("gap", &self.gap.map(two_places))?;
        m.serialize_entry("behind", &self.is_behind())?;
        m.serialize_entry("behind_by", &self.behind_by.map(amount_text))
    }
}

impl Serialize for MonthlyProject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = &self.figures;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &f.id)?;
        m.serialize_entry("name", &f.name)?;
        m.serialize_entry("category", &f.category)?;
        m.serialize_entry("fund_source", &f.fund_source)?;
        m.serialize_entry("status", &f.status)?;
        m.serialize_entry("budget", &amount_text(f.budget))?;
        m.serialize_entry("cumulative_paid", &amount_text(f.paid))?;
        m.serialize_entry("execution_rate", &f.execution_rate.map(two_places))?;
        m.serialize_entry("start_date", &f.start_date.map(|d| d.to_string()))?;
        m.serialize_entry("end_date", &f.end_date.map(|d| d.to_string()))?;
        self.pace.write(&mut m)?;
        m.end()
    }
}

impl Serialize for MonthlyGroup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = &self.figures;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("key", &f.key)?;
        m.serialize_entry("project_count", &f.project_count)?;
        m.serialize_entry("budget", &amount_text(f.budget))?;
        m.serialize_entry("cumulative_paid", &amount_text(f.paid))?;
        m.serialize_entry("execution_rate", &f.execution_rate.map(two_places))?;
        self.pace.write(&mut m)?;
        m.end()
    }
}

impl Serialize for MonthlyReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("month", &format!("{:04}-{:02}", self.year, self.month))?;
        m.serialize_entry("as_of", &self.as_of.to_string())?;
        m.serialize_entry("unit", &self.report.unit_name)?;
        m.serialize_entry("projects", &self.projects)?;
        m.serialize_entry("by_category", &self.by_category)?;
        m.serialize_entry("by_fund_source", &self.by_fund_source)?;
        m.serialize_entry("totals", &self.totals)?;
        m.serialize_entry("problems", &self.report.problems)?;
        m.serialize_entry("excluded", &self.report.excluded)?;
        m.end()
    }
}

pub fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()
}

/// The month's report from `cur`, the report already computed at the month's
/// last day; only the previous month's end is computed here.
pub fn compute_monthly(ledger: &Ledger, cur: Report, schedule: &Schedule) -> Option<MonthlyReport> {
    let as_of = cur.as_of;
    let (year, month) = (as_of.year(), as_of.month());
    if month_end(year, month) != Some(as_of) {
        return None;
    }
    let previous_as_of = NaiveDate::from_ymd_opt(year, month, 1)?.pred_opt()?;
    let prev = compute_report(ledger, previous_as_of, &cur.unit_name);
    let budget_year = ledger.info.year;
    let projects = cur
        .projects
        .iter()
        .zip(&prev.projects)
        .map(|(c, p)| MonthlyProject {
            pace: Pace::new(
                c.budget,
                c.paid,
                c.paid,
                c.execution_rate,
                p.paid,
                p.execution_rate,
                schedule.expected(Some(&c.category), as_of, budget_year),
            ),
            figures: c.clone(),
        })
        .collect();
    let group = |c: &GroupFigures, prev: &[GroupFigures], category: Option<&str>| {
        let p = prev.iter().find(|g| g.key == c.key);
        let (pp, pr) = p
            .map(|p| (p.paid, p.execution_rate))
            .unwrap_or((Decimal::ZERO, None));
        let pace = Pace::new(
            c.budget,
            c.paid,
            c.counted_paid(),
            c.execution_rate,
            pp,
            pr,
            schedule.expected(category, as_of, budget_year),
        );
        MonthlyGroup {
            pace,
            figures: c.clone(),
        }
    };
    let by_category = cur
        .by_category
        .iter()
        .map(|g| group(g, &prev.by_category, Some(&g.key)))
        .collect();
    let by_fund_source = cur
        .by_fund_source
        .iter()
        .map(|g| group(g, &prev.by_fund_source, None))
        .collect();
    let totals = group(&cur.totals, std::slice::from_ref(&prev.totals), None);
    let curve = cur
        .monthly
        .iter()
        .map(|m| {
            let end = month_end(m.year, m.month).unwrap_or(as_of);
            (m.clone(), schedule.expected(None, end, budget_year))
        })
        .collect();
    Some(MonthlyReport {
        year,
        month,
        as_of,
        previous_as_of,
        report: cur,
        projects,
        by_category,
        by_fund_source,
        totals,
        curve,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testutil::{d, date};

    #[test]
    fn linear_schedule_is_month_over_twelve() {
        let s = Schedule::default();
        assert_eq!(s.expected(None, date("2024-03-31"), Some(2024)), d("25.00"));
        assert_eq!(s.expected(None, date("2024-05-31"), Some(2024)), d("41.67"));
        assert_eq!(s.expected(None, date("2024-12-31"), None), d("100.00"));
        // After the budget year everything should be spent.
        assert_eq!(s.expected(None, date("2025-02-28"), Some(2024)), d("100"));
        let day = Schedule {
            day_based: true,
            ..Schedule::default()
        };
        // 2024 is a leap year: 91 / 366 days by 31 March.
        assert_eq!(
            day.expected(None, date("2024-03-31"), Some(2024)),
            d("24.86")
        );
    }

    #[test]
    fn pace_gap_and_behind() {
        let p = Pace::new(
            d("100"),
            d("20"),
            d("20"),
            Some(d("20.00")),
            d("5"),
            Some(d("5.00")),
            d("25.00"),
        );
        assert_eq!(p.paid_this_month, d("15"));
        assert_eq!(p.rate_change, Some(d("15.00")));
        assert_eq!(p.gap, Some(d("-5.00")));
        assert_eq!(p.behind_by, Some(d("5")));
        let ok = Pace::new(
            d("100"),
            d("30"),
            d("30"),
            Some(d("30.00")),
            d("5"),
            Some(d("5.00")),
            d("25.00"),
        );
        assert!(!ok.is_behind());
    }
}
