//! Report data → JSON. Amounts are decimal strings in 万元, rates percent
//! strings with 2 decimals, absent values null.

use rust_decimal::Decimal;
use serde::Serialize;

pub fn amount(d: Decimal) -> String {
    crate::model::ser::amount_text(d)
}
pub fn rate(r: Option<Decimal>) -> Option<String> {
    r.map(crate::model::ser::two_places)
}

pub fn to_bytes(value: &impl Serialize) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(value).expect("report JSON serialises");
    v.push(b'\n');
    v
}

/// `to_bytes`, written to `w` as it is made.
pub fn to_writer(w: &mut dyn std::io::Write, value: &impl Serialize) -> std::io::Result<()> {
    // serde_json writes a few bytes at a time: buffered here, not through `dyn`.
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    serde_json::to_writer_pretty(&mut w, value)?;
    std::io::Write::write_all(&mut w, b"\n")?;
    std::io::Write::flush(&mut w)
}
