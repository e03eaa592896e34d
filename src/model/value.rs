//! Value forms every layer shares: the decimal behind an Excel number (both
//! ways), full-width text folded to half-width, and dates as clerks type them.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// The decimal a clerk typed, from the binary float Excel stored.
///
/// Excel keeps 15 significant digits of what was typed, so the float is read
/// back at 15 significant digits: 209.8735 comes back as 209.8735, not
/// 209.87349999999999, and 0.1 + 0.2 as 0.3. `None` for NaN, infinities and
/// values outside `Decimal`'s range.
pub fn decimal_from_f64(v: f64) -> Option<Decimal> {
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 {
        return Some(Decimal::ZERO);
    }
    // Fast path: whole numbers of up to 15 digits are exact as they are.
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return Some(Decimal::from(v as i64));
    }
    // The shortest text that reads back as the same float is what was typed
    // whenever it has at most 15 significant digits.
    let shortest = v.to_string();
    if shortest.bytes().filter(|b| b.is_ascii_digit()).count() <= 15
        && !shortest.contains('e')
        && let Ok(d) = Decimal::from_str_exact(&shortest)
    {
        return Some(d.normalize());
    }
    let s = format!("{v:.14e}");
    let d = match Decimal::from_scientific(&s) {
        Ok(d) => d,
        // Too many decimal places for Decimal (below 1e-14 or so): round.
        Err(_) if v.abs() < 1.0 => {
            let (mantissa, exp) = s.split_once('e')?;
            let exp: i32 = exp.parse().ok()?;
            if exp < -28 {
                return Some(Decimal::ZERO);
            }
            let m = Decimal::from_str_exact(mantissa).ok()?;
            let scale = (-exp) as u32;
            let mut d = m / Decimal::from_i128_with_scale(10i128.pow(scale.min(28)), 0);
            d = d.round_dp(28);
            d
        }
        Err(_) => return None,
    };
    Some(d.normalize())
}

/// Decimal → f64 for the writer, correctly rounded (via the decimal string).
pub fn decimal_to_f64(d: Decimal) -> f64 {
    // Mantissa and power of ten both exact in f64: one IEEE division is the
    // correctly rounded quotient, the same double the string gives.
    let (m, scale) = (d.mantissa(), d.scale() as usize);
    if m.unsigned_abs() < 1 << 53 && scale < POW10.len() {
        return m as f64 / POW10[scale];
    }
    d.normalize().to_string().parse().unwrap_or(0.0)
}

/// 10^0 ..= 10^22: every one exact in f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

fn fold_char(c: char) -> Option<char> {
    // Full-width ASCII (digits, letters, punctuation) → half-width.
    match c {
        '\u{3000}' => Some(' '),
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '。' => Some('.'),
        // The minus sign (U+2212) pasted from Word or a web page.
        '\u{2212}' => Some('-'),
        _ => Some(c),
    }
}

/// Full-width → half-width, for parsing numbers and dates.
pub fn fold_width(s: &str) -> String {
    s.chars().filter_map(fold_char).collect()
}

/// Full-width folded and every space dropped: the form labels, units and
/// dates are compared in ("单 位：元" → "单位:元").
pub fn compact(s: &str) -> String {
    s.chars()
        .filter_map(fold_char)
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Dates are taken from 2000 to 2099: a serial or year outside that is a typo.
pub fn plausible(d: NaiveDate) -> Option<NaiveDate> {
    (2000..=2099).contains(&d.year()).then_some(d)
}

/// A date written as text: `2024年7月15日`, `2024/7/15`, `2024.07.15`,
/// `2024-07-15`, `20240715`, optionally followed by a time.
pub fn parse_date_text(s: &str) -> Option<NaiveDate> {
    let folded = fold_width(s);
    let t = folded.trim();
    // Spaces inside a date written with 年月日 ("2024 年 3 月 15 日") are not
    // a time part: the date is read without them.
    let joined: String;
    let t = if t.contains('年') {
        joined = t.chars().filter(|c| !c.is_whitespace()).collect();
        joined.as_str()
    } else {
        t
    };
    // Drop a trailing time part ("2024-07-15 00:00:00", ISO "T").
    let t = t.split([' ', 'T']).next().unwrap_or(t);
    if t.len() == 8 && t.chars().all(|c| c.is_ascii_digit()) {
        let y = t[0..4].parse().ok()?;
        let m = t[4..6].parse().ok()?;
        let d = t[6..8].parse().ok()?;
        return NaiveDate::from_ymd_opt(y, m, d).and_then(plausible);
    }
    let t = t
        .strip_suffix('日')
        .or_else(|| t.strip_suffix('号'))
        .unwrap_or(t);
    let parts: Vec<&str> = t.split(['年', '月', '-', '/', '.']).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 4 || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    // The separators must be of one style: 年月, or one repeated character.
    let seps: Vec<char> = t.chars().filter(|c| !c.is_ascii_digit()).collect();
    let consistent = seps == ['年', '月']
        || (seps.len() == 2 && seps[0] == seps[1] && seps[0] != '年' && seps[0] != '月');
    if !consistent || parts[0].len() != 4 {
        return None;
    }
    let y = parts[0].parse().ok()?;
    let m = parts[1].parse().ok()?;
    let d = parts[2].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d).and_then(plausible)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The division path gives the double the decimal string parses to.
    #[test]
    fn decimal_to_f64_matches_the_string() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for i in 0..200_000u32 {
            let r = next();
            let bits = 1 + (r % 63) as u32;
            let m = (next() >> (64 - bits)) as i64 * if r & 1 == 0 { 1 } else { -1 };
            let scale = (next() % 29) as u32;
            let d = Decimal::new(m, scale.min(28));
            let want: f64 = d.normalize().to_string().parse().unwrap();
            assert_eq!(decimal_to_f64(d).to_bits(), want.to_bits(), "{d} ({i})");
        }
        for s in [
            "0",
            "-0",
            "0.1",
            "209.8735",
            "-3.7883",
            "12345678901234.5678",
            "0.0000000000000000000000000001",
        ] {
            let d: Decimal = s.parse().unwrap();
            let want: f64 = d.normalize().to_string().parse().unwrap();
            assert_eq!(decimal_to_f64(d).to_bits(), want.to_bits(), "{s}");
        }
    }
}

/// Where a TOML settings file went wrong, as the clerk reads it: `第N行`
/// (empty when the parser gives no position).
pub fn toml_error_line(text: &str, e: &toml::de::Error) -> String {
    e.span()
        .map(|s| format!("第{}行", line_of(text, s.start)))
        .unwrap_or_default()
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}
