//! How figures appear in JSON, said once for every report: amounts are exact
//! decimal strings in 万元 without trailing zeros, rates and scores strings
//! with two decimals, absent values null. Used as `serialize_with` on the
//! model's own types, so JSON is the model itself, not a copy of it.

use rust_decimal::Decimal;
use serde::Serializer;

/// "408.5587", "0".
pub fn amount_text(d: Decimal) -> String {
    d.normalize().to_string()
}

/// "56.62" (a rate already rounded to two decimals, or a score).
pub fn two_places(d: Decimal) -> String {
    format!("{:.2}", d)
}

pub fn amount<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&amount_text(*d))
}

pub fn amount_opt<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&amount_text(*d)),
        None => s.serialize_none(),
    }
}

pub fn rate<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&two_places(*d)),
        None => s.serialize_none(),
    }
}

pub fn score<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&two_places(*d))
}

/// (资金性质, amount) pairs as an object ordered by key.
pub fn amounts_by_key<S: Serializer>(v: &[(String, Decimal)], s: S) -> Result<S::Ok, S::Error> {
    let m: std::collections::BTreeMap<&str, String> = v
        .iter()
        .map(|(k, d)| (k.as_str(), amount_text(*d)))
        .collect();
    serde::Serialize::serialize(&m, s)
}

/// A date as "2024-05-31".
pub fn date<S: Serializer>(d: &chrono::NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.format("%Y-%m-%d").to_string())
}
