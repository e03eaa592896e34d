//! A county's schedule file (序时进度 by month, per category if it wants).

use crate::model::schedule::Schedule;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    #[serde(default)]
    basis: Option<String>,
    #[serde(default)]
    schedule: BTreeMap<String, toml::Value>,
    #[serde(default)]
    category: BTreeMap<String, BTreeMap<String, toml::Value>>,
}

fn points(
    table: &BTreeMap<String, toml::Value>,
    what: &str,
) -> Result<Vec<(u32, Decimal)>, String> {
    let mut out = Vec::new();
    for (k, v) in table {
        let m: u32 = k
            .trim()
            .parse()
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| format!("{what}的“{k}”不是 1–12 的月份"))?;
        let pct = match v {
            toml::Value::Integer(i) => Decimal::from(*i),
            toml::Value::Float(f) => crate::model::value::decimal_from_f64(*f)
                .ok_or_else(|| format!("{what} {m} 月的比例无效"))?,
            toml::Value::String(s) => s
                .trim()
                .trim_end_matches('%')
                .parse()
                .map_err(|_| format!("{what} {m} 月的比例“{s}”不是数字"))?,
            _ => return Err(format!("{what} {m} 月的比例不是数字")),
        };
        if pct < Decimal::ZERO || pct > Decimal::ONE_HUNDRED {
            return Err(format!("{what} {m} 月的比例 {pct} 不在 0–100 之间"));
        }
        out.push((m, pct));
    }
    out.sort();
    if out.windows(2).any(|w| w[1].1 < w[0].1) {
        return Err(format!("{what}的累计比例随月份减少了"));
    }
    Ok(out)
}

/// Parse a schedule file:
/// ```toml
/// basis = "month"        # or "day": days elapsed ÷ days in the year
/// [schedule]             # month = expected cumulative share, percent
/// 3 = 30
/// 6 = 60
/// 12 = 100
/// [category.产业项目]
/// 3 = 40
/// ```
pub fn read_schedule(text: &str) -> Result<Schedule, String> {
    let f: ScheduleFile = toml::from_str(&super::mapping::quote_keys(text)).map_err(|e| {
        e.to_string()
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim().starts_with('|'))
            .collect::<Vec<_>>()
            .join("；")
    })?;
    let day_based = match f.basis.as_deref() {
        None | Some("month") => false,
        Some("day") => true,
        Some(other) => return Err(format!("basis = “{other}”：只能是 month 或 day")),
    };
    let mut by_category = HashMap::new();
    for (cat, table) in &f.category {
        by_category.insert(
            super::layout::normalize_value(cat),
            points(table, &format!("[category.{cat}]"))?,
        );
    }
    Ok(Schedule {
        default: points(&f.schedule, "[schedule]")?,
        by_category,
        day_based,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }
    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn schedule_file_interpolates_and_has_categories() {
        let s =
            read_schedule("[schedule]\n3 = 30\n6 = 60\n12 = 100\n[category.产业项目]\n3 = 40\n")
                .unwrap();
        assert_eq!(s.expected(None, date("2024-03-31"), None), d("30"));
        assert_eq!(s.expected(None, date("2024-01-31"), None), d("10"));
        assert_eq!(s.expected(None, date("2024-09-30"), None), d("80"));
        assert_eq!(
            s.expected(Some("产业项目"), date("2024-03-31"), None),
            d("40")
        );
        assert_eq!(
            s.expected(Some("产业项目"), date("2024-06-30"), None),
            d("40")
        );
        assert_eq!(
            s.expected(Some("其他项目"), date("2024-06-30"), None),
            d("60")
        );
        assert!(read_schedule("[schedule]\n13 = 5\n").is_err());
        assert!(read_schedule("[schedule]\n3 = 50\n6 = 40\n").is_err());
        assert!(read_schedule("basis = \"week\"\n").is_err());
    }
}
