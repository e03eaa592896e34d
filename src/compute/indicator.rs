//! What clerks write in 指标值 and 实际完成值: a comparator and a number with a
//! unit, a deadline, or qualitative text.

use crate::model::value::{fold_width, parse_date_text};
use chrono::NaiveDate;
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    /// ≥ (more is better)
    AtLeast,
    /// ≤ (less is better, e.g. 成本)
    AtMost,
    /// =
    Equal,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IndicatorValue {
    /// Nothing, or a template placeholder such as "≥**人".
    Empty,
    Quantity {
        cmp: Option<Comparator>,
        value: Decimal,
        unit: Option<String>,
    },
    /// A deadline ("2023年12月31日前", "12月底前") or, as an actual, a date.
    Date {
        date: NaiveDate,
        before: bool,
    },
    /// A month-day deadline whose year comes from the project ("12月底前").
    MonthDay {
        month: u32,
        day: Option<u32>,
    },
    Text(String),
}

/// Comparator words, longest first.
const COMPARATORS: &[(&str, Comparator)] = &[
    (">=", Comparator::AtLeast),
    ("<=", Comparator::AtMost),
    ("≥", Comparator::AtLeast),
    ("≧", Comparator::AtLeast),
    ("≤", Comparator::AtMost),
    ("≦", Comparator::AtMost),
    (">", Comparator::AtLeast),
    ("<", Comparator::AtMost),
    ("=", Comparator::Equal),
    ("不低于", Comparator::AtLeast),
    ("不少于", Comparator::AtLeast),
    ("不小于", Comparator::AtLeast),
    ("大于等于", Comparator::AtLeast),
    ("达到", Comparator::AtLeast),
    ("不高于", Comparator::AtMost),
    ("不超过", Comparator::AtMost),
    ("不大于", Comparator::AtMost),
    ("小于等于", Comparator::AtMost),
    ("控制在", Comparator::AtMost),
    ("等于", Comparator::Equal),
];

/// Units converted into one another (from, to, factor: 1 from = factor to).
const CONVERSIONS: &[(&str, &str, u32)] = &[
    ("万元", "元", 10000),
    ("公里", "米", 1000),
    ("千米", "米", 1000),
    ("km", "m", 1000),
    ("㎡", "平方米", 1),
    ("m²", "平方米", 1),
    ("m", "米", 1),
    ("km", "公里", 1),
];

pub fn parse(text: &str) -> IndicatorValue {
    let folded: String = fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut t = folded.as_str();
    if t.is_empty() || t.contains('*') || t.contains('＊') || t.contains("XX") || t.contains("xx")
    {
        return IndicatorValue::Empty;
    }
    let mut cmp = None;
    for (word, c) in COMPARATORS {
        if let Some(rest) = t.strip_prefix(word) {
            cmp = Some(*c);
            t = rest;
            break;
        }
    }
    // Deadlines: "2023年12月31日前", "2023-12-31前", "12月底前", "年底前".
    let before = t.ends_with('前') || t.ends_with("之前") || t.ends_with("以前");
    let core = t
        .trim_end_matches("之前")
        .trim_end_matches("以前")
        .trim_end_matches('前');
    if let Some(d) = parse_date_text(core) {
        return IndicatorValue::Date {
            date: d,
            before: before || cmp == Some(Comparator::AtMost),
        };
    }
    if let Some(d) = year_month_end(core) {
        return IndicatorValue::Date {
            date: d,
            before: true,
        };
    }
    if let Some(md) = month_day(core) {
        return md;
    }
    // A number, then a unit.
    let num_end = t
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || *c == ',' || (*c == '-' && *i == 0)))
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    if num_end > 0 {
        let number: String = t[..num_end].chars().filter(|c| *c != ',').collect();
        if let Ok(value) = number.parse::<Decimal>() {
            let unit = t[num_end..].trim();
            let unit = (!unit.is_empty()).then(|| unit.to_string());
            // Prose after a number ("10(其中…)") is text, not a quantity.
            if unit
                .as_deref()
                .is_none_or(|u| u.chars().count() <= 8 && !u.contains(['(', '（', '，', ',']))
            {
                return IndicatorValue::Quantity {
                    cmp,
                    value: value.normalize(),
                    unit,
                };
            }
        }
    }
    IndicatorValue::Text(folded)
}

fn year_month_end(t: &str) -> Option<NaiveDate> {
    // "2023年12月底", "2023年底", "2023年12月"
    let (y, rest) = t.split_once('年')?;
    let y: i32 = y.parse().ok()?;
    if rest == "底" || rest.is_empty() {
        return NaiveDate::from_ymd_opt(y, 12, 31);
    }
    let m: u32 = rest
        .trim_end_matches('底')
        .trim_end_matches('月')
        .parse()
        .ok()?;
    crate::compute::monthly::month_end(y, m)
}

fn month_day(t: &str) -> Option<IndicatorValue> {
    if t == "年底" || t == "年末" || t == "当年底" {
        return Some(IndicatorValue::MonthDay {
            month: 12,
            day: None,
        });
    }
    let (m, rest) = t.split_once('月')?;
    let month: u32 = m.parse().ok().filter(|m| (1..=12).contains(m))?;
    let rest = rest.trim_end_matches('日').trim_end_matches('号');
    if rest.is_empty() || rest == "底" || rest == "末" {
        return Some(IndicatorValue::MonthDay { month, day: None });
    }
    let day: u32 = rest.parse().ok()?;
    Some(IndicatorValue::MonthDay {
        month,
        day: Some(day),
    })
}

/// A month-day deadline in a given year.
pub fn resolve(v: &IndicatorValue, year: Option<i32>) -> IndicatorValue {
    match (v, year) {
        (IndicatorValue::MonthDay { month, day }, Some(y)) => {
            let date = match day {
                Some(d) => NaiveDate::from_ymd_opt(y, *month, *d),
                None => crate::compute::monthly::month_end(y, *month),
            };
            date.map(|date| IndicatorValue::Date { date, before: true })
                .unwrap_or_else(|| v.clone())
        }
        _ => v.clone(),
    }
}

/// The factor that turns an amount in `from` into `to`, if they're compatible.
pub fn unit_factor(from: &str, to: &str) -> Option<Decimal> {
    if from == to {
        return Some(Decimal::ONE);
    }
    for (a, b, f) in CONVERSIONS {
        if from == *a && to == *b {
            return Some(Decimal::from(*f));
        }
        if from == *b && to == *a {
            return Some(Decimal::ONE / Decimal::from(*f));
        }
    }
    None
}

/// One indicator to score, from the 绩效指标 sheet or drafted from a library
/// (shared by `draft`, which makes them, and `score`, which scores them).
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorInput {
    pub level1: String,
    pub level2: String,
    pub name: String,
    pub target: String,
    pub actual: Option<String>,
    /// 分值 typed in the sheet.
    pub weight: Option<Decimal>,
    /// 得分 typed in the sheet (hand score).
    pub hand_score: Option<Decimal>,
    pub deviation_reason: Option<String>,
    pub row: Option<crate::model::CellRef>,
    pub drafted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn q(cmp: Option<Comparator>, v: &str, unit: Option<&str>) -> IndicatorValue {
        IndicatorValue::Quantity {
            cmp,
            value: Decimal::from_str(v).unwrap(),
            unit: unit.map(str::to_string),
        }
    }

    #[test]
    fn parses_what_clerks_write() {
        assert_eq!(
            parse("≥720平方米"),
            q(Some(Comparator::AtLeast), "720", Some("平方米"))
        );
        assert_eq!(
            parse("＞＝ 25 人次"),
            q(Some(Comparator::AtLeast), "25", Some("人次"))
        );
        assert_eq!(
            parse("不低于90%"),
            q(Some(Comparator::AtLeast), "90", Some("%"))
        );
        assert_eq!(
            parse("≤166万元"),
            q(Some(Comparator::AtMost), "166", Some("万元"))
        );
        assert_eq!(
            parse("不超过1,500元"),
            q(Some(Comparator::AtMost), "1500", Some("元"))
        );
        assert_eq!(parse("=100%"), q(Some(Comparator::Equal), "100", Some("%")));
        assert_eq!(parse("1216.1米"), q(None, "1216.1", Some("米")));
        assert_eq!(parse("127"), q(None, "127", None));
        assert_eq!(parse("≥**人"), IndicatorValue::Empty);
        assert_eq!(parse(""), IndicatorValue::Empty);
        assert_eq!(
            parse("2023年12月31日前"),
            IndicatorValue::Date {
                date: NaiveDate::from_ymd_opt(2023, 12, 31).unwrap(),
                before: true
            }
        );
        assert_eq!(
            parse("2023年10月20日"),
            IndicatorValue::Date {
                date: NaiveDate::from_ymd_opt(2023, 10, 20).unwrap(),
                before: false
            }
        );
        assert_eq!(
            parse("2023年底前"),
            IndicatorValue::Date {
                date: NaiveDate::from_ymd_opt(2023, 12, 31).unwrap(),
                before: true
            }
        );
        assert_eq!(
            parse("12月底前"),
            IndicatorValue::MonthDay {
                month: 12,
                day: None
            }
        );
        assert_eq!(
            resolve(&parse("11月30日前"), Some(2023)),
            IndicatorValue::Date {
                date: NaiveDate::from_ymd_opt(2023, 11, 30).unwrap(),
                before: true
            }
        );
        assert_eq!(parse("效果明显"), IndicatorValue::Text("效果明显".into()));
        assert_eq!(
            parse("10(其中,灾情因素6万元)"),
            IndicatorValue::Text("10(其中,灾情因素6万元)".into())
        );
    }

    #[test]
    fn unit_conversions() {
        assert_eq!(unit_factor("万元", "元"), Some(Decimal::from(10000)));
        assert_eq!(
            unit_factor("元", "万元"),
            Some(Decimal::ONE / Decimal::from(10000))
        );
        assert_eq!(unit_factor("公里", "米"), Some(Decimal::from(1000)));
        assert_eq!(unit_factor("米", "盏"), None);
    }
}
