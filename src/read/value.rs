//! Cell values → domain values: the decimal the clerk typed, dates in the
//! forms clerks write them, trimmed text.

use super::layout::{MoneyUnit, UNIT_WORDS};
use calamine::Data;
use chrono::NaiveDate;
use rust_decimal::Decimal;

pub use crate::model::value::{
    compact, decimal_from_f64, decimal_to_f64, fold_width, parse_date_text, plausible,
};

/// Amounts beyond this (万元) are typing errors, not money; the bound also keeps
/// every sum far from `Decimal`'s range, so no arithmetic can overflow.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0); // 1e12

/// Why a text could not be read as an amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountError {
    NotANumber,
    OutOfRange,
}

/// A number written as text: `2,150,000.00`, `１２００`, `10.5万元`, `-3`.
/// Prose around a number ("10(其中,灾情因素6万元)") is not a number.
pub fn parse_amount_text(s: &str) -> Result<(Decimal, Option<MoneyUnit>), AmountError> {
    // Most texts read here are names, ids and notes: a number needs a digit
    // and nothing but digits, signs, separators, ¥ and unit words (half- or
    // full-width), so anything else is told without folding or copying.
    if !s
        .chars()
        .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
        || !s.chars().all(amount_char)
    {
        return Err(AmountError::NotANumber);
    }
    parse_folded_amount(s)
}

/// An amount written in brackets, the accountant's negative: "(5)", "（5）".
pub fn is_bracketed(s: &str) -> bool {
    let t = fold_width(s);
    let t = t.trim();
    t.starts_with('(') && (t.ends_with(')') || UNIT_WORDS.iter().any(|(w, _)| t.ends_with(w)))
}

/// `parse_amount_text` without its quick refusal.
fn parse_folded_amount(s: &str) -> Result<(Decimal, Option<MoneyUnit>), AmountError> {
    // Most amounts written as text have nothing to fold (1,128,000.00): not copied.
    let needs_fold = s
        .chars()
        .any(|c| matches!(c, '\u{3000}' | '\u{FF01}'..='\u{FF5E}' | '。' | '\u{2212}'));
    let folded = if needs_fold {
        std::borrow::Cow::Owned(fold_width(s))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    let mut t = folded.trim();
    // An accountant's negative: the whole amount in brackets, "(5)",
    // "（1,000.00）", "(5)万元", "(5万元)".
    let mut bracketed = false;
    let mut unit = None;
    for _ in 0..2 {
        if !bracketed && let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
            t = inner.trim();
            bracketed = true;
        }
        if unit.is_none()
            && let Some((w, u)) = UNIT_WORDS.iter().find(|(w, _)| t.ends_with(w))
        {
            t = t[..t.len() - w.len()].trim_end();
            unit = Some(*u);
        }
    }
    let t = t
        .strip_prefix('¥')
        .or_else(|| t.strip_prefix('￥'))
        .unwrap_or(t)
        .trim();
    if t.is_empty() {
        return Err(AmountError::NotANumber);
    }
    // Thousands separators only between digit groups of three.
    let (sign, body) = match t.strip_prefix('-') {
        // "(-5)" says minus twice: not a number.
        Some(_) if bracketed => return Err(AmountError::NotANumber),
        Some(b) => ("-", b),
        None if bracketed => ("-", t),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    if bracketed && body.starts_with('+') {
        return Err(AmountError::NotANumber);
    }
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let int_digits: String = if int_part.contains(',') {
        let groups: Vec<&str> = int_part.split(',').collect();
        let ok = !groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            return Err(AmountError::NotANumber);
        }
        groups.concat()
    } else {
        int_part.to_string()
    };
    if int_digits.is_empty() && frac_part.is_none_or(|f| f.is_empty()) {
        return Err(AmountError::NotANumber);
    }
    if !int_digits.chars().all(|c| c.is_ascii_digit())
        || !frac_part.is_none_or(|f| f.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(AmountError::NotANumber);
    }
    // "{sign}{int}.{frac}" (int 0 when empty) or "{sign}{int}", without `format!`.
    let mut text =
        String::with_capacity(sign.len() + int_digits.len() + 2 + frac_part.map_or(0, str::len));
    text.push_str(sign);
    match frac_part {
        Some(f) => {
            text.push_str(if int_digits.is_empty() {
                "0"
            } else {
                &int_digits
            });
            text.push('.');
            text.push_str(f);
        }
        None => text.push_str(&int_digits),
    }
    let d = Decimal::from_str_exact(&text).map_err(|_| AmountError::OutOfRange)?;
    Ok((d.normalize(), unit))
}

/// A character that can stand in a number written as text (before folding).
fn amount_char(c: char) -> bool {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '。' => '.',
        '\u{2212}' => '-',
        c => c,
    };
    c.is_ascii_digit()
        || c.is_whitespace()
        || matches!(c, ',' | '.' | '+' | '-' | '¥' | '￥' | '(' | ')')
        || UNIT_WORDS.iter().any(|(w, _)| w.contains(c))
}

/// Excel serial (1900 system) → date. Only whole-day parts are used.
pub fn date_from_serial(v: f64) -> Option<NaiveDate> {
    if !v.is_finite() || !(36526.0..=73415.0).contains(&v) {
        return None;
    }
    let days = v.floor() as i64;
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(chrono::Duration::days(days))
}

/// Date from any cell: a real date, a serial number, or text.
pub fn date_from_cell(v: &Data) -> Option<NaiveDate> {
    match v {
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32).and_then(plausible)
        }
        Data::DateTimeIso(s) => parse_date_text(s),
        Data::Float(f) => {
            // 20240715 typed as a number.
            if (20000101.0..=20991231.0).contains(f) && f.fract() == 0.0 {
                return parse_date_text(&format!("{}", *f as i64));
            }
            if f.fract() != 0.0 {
                return None;
            }
            date_from_serial(*f)
        }
        Data::Int(i) => {
            if (20000101..=20991231).contains(i) {
                return parse_date_text(&i.to_string());
            }
            date_from_serial(*i as f64)
        }
        Data::String(s) => parse_date_text(s),
        _ => None,
    }
}

/// Text content of a cell, trimmed; numbers as the clerk typed them.
pub fn text_from_cell(v: &Data) -> Option<String> {
    let s = match v {
        Data::Empty => return None,
        Data::String(s) => s.trim().to_string(),
        // A long id stored as a number (a 16-digit 项目代码): the exact
        // integer the cell holds, not 15 significant digits.
        Data::Float(f) if f.fract() == 0.0 && f.abs() >= 1e15 && f.abs() < 1e19 => {
            format!("{f:.0}")
        }
        Data::Float(f) => decimal_from_f64(*f)?.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(_) | Data::DateTimeIso(_) => {
            date_from_cell(v)?.format("%Y-%m-%d").to_string()
        }
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    };
    (!s.is_empty()).then_some(s)
}

/// How a cell shows in a message: `“abc”`, `“12.5”`, `（空）`.
/// Text with its invisible characters shown escaped ("XM-1\u{200B}"), so a
/// clerk can see why two ids that look the same don't match.
pub fn visible(s: &str) -> String {
    if !s.chars().any(is_invisible) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if is_invisible(c) {
                format!("\\u{{{:X}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn is_invisible(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{202A}'..='\u{202E}')
}

pub fn show_cell(v: &Data) -> String {
    // A message quotes a long cell by its start and its length.
    if let Data::String(s) = v
        && s.chars().nth(200).is_some()
    {
        let head: String = s.chars().take(40).collect();
        return format!("“{}…”（共 {} 字）", visible(&head), s.chars().count());
    }
    match v {
        Data::Empty => "（空）".to_string(),
        Data::String(s) if s.trim().is_empty() && !s.chars().any(is_invisible) => {
            format!("（空白：{} 个空格）", s.chars().count())
        }
        Data::String(s) => format!("“{}”", visible(s)),
        Data::Float(f) => match decimal_from_f64(*f) {
            Some(d) => format!("“{d}”"),
            None => format!("“{f}”"),
        },
        other => format!("“{}”", text_from_cell(other).unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick refusal never refuses what the full reading accepts.
    #[test]
    fn quick_refusal_agrees_with_the_full_reading() {
        let pieces = [
            "1", "０", "９", "12", ",", "，", ".", "．", "。", "-", "－", "+", "＋", "¥", "￥",
            " ", "\u{3000}", "万元", "元", "亿元", "千元", "万", "e", "E", "项目", "XM-", "/", "%",
            "(", "㈠", "½", "٣", "\t",
        ];
        let mut n = 0;
        // Every string of up to four pieces.
        let mut stack: Vec<(String, usize)> = vec![(String::new(), 0)];
        while let Some((s, depth)) = stack.pop() {
            let full = parse_folded_amount(&s);
            assert_eq!(parse_amount_text(&s), full, "{s:?}");
            n += 1;
            if depth < 4 {
                for p in pieces {
                    stack.push((format!("{s}{p}"), depth + 1));
                }
            }
        }
        assert!(n > 1_000_000, "{n}");
    }
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn float_to_typed_decimal_on_awkward_values() {
        assert_eq!(decimal_from_f64(209.8735), Some(d("209.8735")));
        assert_eq!(decimal_from_f64(209.87349999999999), Some(d("209.8735")));
        assert_eq!(decimal_from_f64(0.1 + 0.2), Some(d("0.3")));
        assert_eq!(decimal_from_f64(83.0827), Some(d("83.0827")));
        assert_eq!(decimal_from_f64(1.4587), Some(d("1.4587")));
        assert_eq!(decimal_from_f64(408.5587), Some(d("408.5587")));
        assert_eq!(decimal_from_f64(-60.0), Some(d("-60")));
        assert_eq!(decimal_from_f64(1e15), Some(d("1000000000000000")));
        assert_eq!(
            decimal_from_f64(123456789012.345),
            Some(d("123456789012.345"))
        );
        assert_eq!(decimal_from_f64(0.000001), Some(d("0.000001")));
        assert_eq!(decimal_from_f64(-0.0), Some(Decimal::ZERO));
        assert_eq!(decimal_from_f64(1e-30), Some(Decimal::ZERO));
        assert_eq!(decimal_from_f64(f64::NAN), None);
        assert_eq!(decimal_from_f64(f64::INFINITY), None);
        assert_eq!(decimal_from_f64(1e300), None);
        // 1.005 is stored just below 1.005; the clerk typed 1.005.
        assert_eq!(decimal_from_f64(1.005), Some(d("1.005")));
        assert_eq!(decimal_from_f64(215.0 / 10000.0 * 10000.0), Some(d("215")));
    }

    #[test]
    fn amount_text_forms() {
        assert_eq!(parse_amount_text("2,150,000.00").unwrap().0, d("2150000"));
        assert_eq!(parse_amount_text("1,200,000").unwrap().0, d("1200000"));
        assert_eq!(parse_amount_text("１２３.５").unwrap().0, d("123.5"));
        assert_eq!(
            parse_amount_text(" 10.5万元 ").unwrap(),
            (d("10.5"), Some(MoneyUnit::WanYuan))
        );
        assert_eq!(
            parse_amount_text("3500元").unwrap(),
            (d("3500"), Some(MoneyUnit::Yuan))
        );
        assert_eq!(parse_amount_text("-3").unwrap().0, d("-3"));
        assert_eq!(parse_amount_text("\u{2212}3").unwrap().0, d("-3"));
        assert_eq!(parse_amount_text("－3.5").unwrap().0, d("-3.5"));
        assert_eq!(parse_amount_text(".5").unwrap().0, d("0.5"));
        // The accountant's negative: the whole amount in brackets.
        for (t, want, unit) in [
            ("(5)", "-5", None),
            ("（5）", "-5", None),
            ("(1,000.50)", "-1000.5", None),
            ("（１,０００）", "-1000", None),
            ("(5)万元", "-5", Some(MoneyUnit::WanYuan)),
            ("(5000元)", "-5000", Some(MoneyUnit::Yuan)),
            (" ( 5 ) ", "-5", None),
        ] {
            assert_eq!(parse_amount_text(t), Ok((d(want), unit)), "{t}");
            assert!(is_bracketed(t), "{t}");
        }
        assert!(!is_bracketed("-5") && !is_bracketed("5"));
        for bad in [
            "(-5)",
            "(+5)",
            "((5))",
            "(5",
            "5)",
            "()",
            "(5)(6)",
            "",
            "abc",
            "10(其中,灾情因素6万元)",
            "1,20,000",
            "12.3.4",
            "二十万",
            "-",
            "1e5",
            ",100",
        ] {
            assert!(parse_amount_text(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn date_text_forms() {
        let want = NaiveDate::from_ymd_opt(2024, 7, 15);
        for s in [
            "2024年7月15日",
            "2024/7/15",
            "2024.07.15",
            "2024-07-15",
            "20240715",
            "2024-07-15 00:00:00",
            "２０２４年７月１５日",
            "2024 年 7 月 15 日",
            "2024年 7月 15日",
            "2024年\u{a0}7月15日",
        ] {
            assert_eq!(parse_date_text(s), want, "{s}");
        }
        for s in [
            "2024-02-30",
            "2024/13/01",
            "abc",
            "2024-7",
            "15/7/2024",
            "2024-07/15",
            "19990101",
            "",
            "2024 年 7 月 15 日 10:00",
        ] {
            assert_eq!(parse_date_text(s), None, "{s}");
        }
        assert_eq!(date_from_cell(&Data::Float(45488.0)), want);
        assert_eq!(date_from_cell(&Data::Float(20240715.0)), want);
        assert_eq!(date_from_cell(&Data::Float(2024.0)), None);
        assert_eq!(date_from_cell(&Data::Float(45488.5)), None);
    }
}

/// How a date was written, when not as a whole date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateForm {
    /// A whole date.
    Day,
    /// Only the month (2024年3月, 2024.3, 202403): the month's last day.
    Month,
    /// No year (9月6日, 9.6, 3/15): the ledger's year.
    NoYear,
    /// A two-digit year (24.3.15, 24/3/15, 24年3月15日) within a year of
    /// the ledger's: 20yy.
    ShortYear,
}

/// The parts of a date written with a two-digit year (24.3.15, 24/3/15,
/// 24-3-15, 24年3月15日): (20yy, month, day), not yet checked.
pub fn short_year_parts(v: &Data) -> Option<(i32, u32, u32)> {
    let Data::String(s) = v else {
        return None;
    };
    let t = compact(s);
    let t = t
        .strip_suffix('日')
        .or_else(|| t.strip_suffix('号'))
        .unwrap_or(&t);
    let seps: Vec<char> = t.chars().filter(|c| !c.is_ascii_digit()).collect();
    let one_style = seps == ['年', '月']
        || (seps.len() == 2 && seps[0] == seps[1] && matches!(seps[0], '.' | '/' | '-'));
    if !one_style {
        return None;
    }
    let parts: Vec<&str> = t.split(['年', '月', '.', '/', '-']).collect();
    match parts.as_slice() {
        [y, m, d]
            if y.len() == 2
                && (1..=2).contains(&m.len())
                && (1..=2).contains(&d.len())
                && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) =>
        {
            Some((
                2000 + y.parse::<i32>().ok()?,
                m.parse().ok()?,
                d.parse().ok()?,
            ))
        }
        _ => None,
    }
}

fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()
}

/// A date as clerks write it: a whole date; a month (2024年3月, 2024.3,
/// 202403 → its last day); a day without the year (9月6日, 9.6 → in
/// `year`). A number that loses a trailing zero (2024.1 for 2024.10, 9.1
/// for 9.10) is ambiguous and not a date.
pub fn clerk_date(v: &Data, year: Option<i32>) -> Option<(NaiveDate, DateForm)> {
    if let Some(d) = date_from_cell(v) {
        return Some((d, DateForm::Day));
    }
    let (text, number) = match v {
        Data::String(s) => (compact(s), false),
        Data::Float(f) => (decimal_from_f64(*f)?.normalize().to_string(), true),
        Data::Int(i) => (i.to_string(), true),
        _ => return None,
    };
    let num = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    // 202403
    if text.len() == 6 && text.chars().all(|c| c.is_ascii_digit()) {
        let (y, m) = (num(&text[..4])? as i32, num(&text[4..])?);
        return ((2000..=2099).contains(&y) && (1..=12).contains(&m))
            .then(|| month_end(y, m).map(|d| (d, DateForm::Month)))
            .flatten();
    }
    // 24.3.15: a two-digit year, read as 20yy when the ledger's year is
    // that year or next to it (payments of a 2023 ledger made in 2024).
    if !number && let Some((y, m, d)) = short_year_parts(v) {
        return (year.is_some_and(|l| (y - l).abs() <= 1))
            .then(|| NaiveDate::from_ymd_opt(y, m, d).map(|d| (d, DateForm::ShortYear)))
            .flatten();
    }
    // 3/15, 3-15: a day without the year, as 9.6.
    if !number
        && let Some((a, b)) = text.split_once(['/', '-'])
        && (1..=2).contains(&a.len())
        && (1..=2).contains(&b.len())
    {
        let (m, d) = (num(a)?, num(b)?);
        return NaiveDate::from_ymd_opt(year?, m, d).map(|d| (d, DateForm::NoYear));
    }
    // 2024年3月(份)
    if let Some((y, rest)) = text.split_once('年') {
        let m = rest.trim_end_matches('份').strip_suffix('月')?;
        let (y, m) = (num(y)? as i32, num(m)?);
        return ((2000..=2099).contains(&y) && (1..=12).contains(&m))
            .then(|| month_end(y, m).map(|d| (d, DateForm::Month)))
            .flatten();
    }
    // 9月6日, 9月6号, 9月6
    if let Some((m, rest)) = text.split_once('月') {
        let d = rest
            .strip_suffix('日')
            .or_else(|| rest.strip_suffix('号'))
            .unwrap_or(rest);
        let (m, d) = (num(m)?, num(d)?);
        return NaiveDate::from_ymd_opt(year?, m, d).map(|d| (d, DateForm::NoYear));
    }
    // 2024.3 (a month) or 9.6 (a day without the year)
    let (a, b) = text.split_once('.')?;
    let (x, y2) = (num(a)?, num(b)?);
    if a.len() == 4 {
        let y = x as i32;
        // As a number, 2024.1 may be 2024.10.
        if number && b == "1" {
            return None;
        }
        return ((2000..=2099).contains(&y) && (1..=12).contains(&y2))
            .then(|| month_end(y, y2).map(|d| (d, DateForm::Month)))
            .flatten();
    }
    if a.len() <= 2 && b.len() <= 2 {
        let year = year?;
        let day = NaiveDate::from_ymd_opt(year, x, y2);
        if number && b.len() == 1 && NaiveDate::from_ymd_opt(year, x, y2 * 10).is_some() {
            // 9.1 may be 9.10 typed as a number.
            return None;
        }
        return day.map(|d| (d, DateForm::NoYear));
    }
    None
}

#[cfg(test)]
mod clerk_date_tests {
    use super::*;

    #[test]
    fn month_and_year_less_forms() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let s = |t: &str| Data::String(t.into());
        assert_eq!(
            clerk_date(&s("2024年3月"), None),
            Some((d(2024, 3, 31), DateForm::Month))
        );
        assert_eq!(
            clerk_date(&s("2024.2"), None),
            Some((d(2024, 2, 29), DateForm::Month))
        );
        assert_eq!(
            clerk_date(&s("202412"), None),
            Some((d(2024, 12, 31), DateForm::Month))
        );
        assert_eq!(
            clerk_date(&Data::Int(202406), None),
            Some((d(2024, 6, 30), DateForm::Month))
        );
        assert_eq!(
            clerk_date(&s("9月6日"), Some(2024)),
            Some((d(2024, 9, 6), DateForm::NoYear))
        );
        assert_eq!(
            clerk_date(&s("9.6"), Some(2024)),
            Some((d(2024, 9, 6), DateForm::NoYear))
        );
        assert_eq!(clerk_date(&s("9.6"), None), None, "no year known");
        assert_eq!(
            clerk_date(&Data::Float(9.6), Some(2024)),
            Some((d(2024, 9, 6), DateForm::NoYear))
        );
        assert_eq!(
            clerk_date(&Data::Float(9.1), Some(2024)),
            None,
            "9.1 or 9.10"
        );
        assert_eq!(
            clerk_date(&Data::Float(2024.1), None),
            None,
            "2024.1 or 2024.10"
        );
        assert_eq!(
            clerk_date(&s("2024.10"), None),
            Some((d(2024, 10, 31), DateForm::Month))
        );
        // A two-digit year within a year of the ledger's; a day written 3/15.
        for (t, want) in [
            ("24.3.15", d(2024, 3, 15)),
            ("24/3/15", d(2024, 3, 15)),
            ("24-03-15", d(2024, 3, 15)),
            ("24年3月15日", d(2024, 3, 15)),
            ("２４．３．１５", d(2024, 3, 15)),
            ("25.1.10", d(2025, 1, 10)),
            ("23.12.30", d(2023, 12, 30)),
        ] {
            assert_eq!(
                clerk_date(&s(t), Some(2024)),
                Some((want, DateForm::ShortYear)),
                "{t}"
            );
        }
        for (t, year) in [
            ("24.3.15", None),
            ("21.3.15", Some(2024)),
            ("24.2.30", Some(2024)),
            ("24.3", Some(2024)),
            ("24.3.15.1", Some(2024)),
            ("24.3/15", Some(2024)),
        ] {
            assert_eq!(clerk_date(&s(t), year), None, "{t} {year:?}");
        }
        for t in ["3/15", "3-15", "03/15", "3月15", "3月15号"] {
            assert_eq!(
                clerk_date(&s(t), Some(2024)),
                Some((d(2024, 3, 15), DateForm::NoYear)),
                "{t}"
            );
            assert_eq!(clerk_date(&s(t), None), None, "{t}: no year known");
        }
        for bad in [
            "2024年13月",
            "13月1日",
            "abc",
            "2024-7",
            "9.6.1",
            "13/1",
            "3/32",
            "3/15/24",
        ] {
            assert_eq!(clerk_date(&s(bad), Some(2024)), None, "{bad}");
        }
    }
}
