//! Builders for the "real ledger" fixtures of issue 9: sheets with merged
//! ranges (titles, parent headers, cells merged down over data rows), hidden
//! sheets, text with line breaks (wrapped), and helpers to run `report` and
//! read the JSON back. Declared from a test file with
//! `#[path = "common/ledgers.rs"] mod ledgers;` next to `mod common;`.
#![allow(dead_code)]

use crate::common::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use serde_json::Value;
use std::path::Path;

/// One worksheet of a fixture book.
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<C>>,
    /// Merged ranges, 0-based (first row, first col, last row, last col).
    /// The value sits in the top-left cell (as Excel keeps it); the cells it
    /// covers must be `E` in `rows`.
    pub merges: Vec<(u32, u16, u32, u16)>,
    pub hidden: bool,
    pub active: bool,
}

impl Sheet {
    pub fn new(name: &str, rows: Vec<Vec<C>>) -> Self {
        Sheet {
            name: name.to_string(),
            rows,
            merges: vec![],
            hidden: false,
            active: false,
        }
    }
    /// Merge a range given in A1 notation, e.g. "A1:H1".
    pub fn merge(mut self, range: &str) -> Self {
        let (a, b) = range.split_once(':').expect("A1:B2");
        let (r0, c0) = a1(a);
        let (r1, c1) = a1(b);
        self.merges.push((r0, c0, r1, c1));
        self
    }
    pub fn merges(mut self, ranges: &[&str]) -> Self {
        for r in ranges {
            self = self.merge(r);
        }
        self
    }
    pub fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }
    /// The sheet the workbook opens on (a hidden sheet must not be active).
    pub fn active(mut self) -> Self {
        self.active = true;
        self
    }
}

/// "C7" → (row 6, col 2), 0-based.
pub fn a1(cell: &str) -> (u32, u16) {
    let letters: String = cell
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let digits = &cell[letters.len()..];
    let mut col: u32 = 0;
    for ch in letters.chars() {
        col = col * 26 + (ch.to_ascii_uppercase() as u32 - 'A' as u32 + 1);
    }
    (digits.parse::<u32>().unwrap() - 1, (col - 1) as u16)
}

/// Write an .xlsx with merges, hidden sheets and wrapped line breaks.
pub fn write_sheets(path: &Path, sheets: &[Sheet]) {
    let mut wb = Workbook::new();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let wrap = Format::new().set_text_wrap();
    for sh in sheets {
        let ws = wb.add_worksheet().set_name(&sh.name).unwrap();
        for (r0, c0, r1, c1) in &sh.merges {
            ws.merge_range(*r0, *c0, *r1, *c1, "", &Format::new())
                .unwrap();
        }
        for (r, row) in sh.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                let text = |ws: &mut rust_xlsxwriter::Worksheet, s: &str| {
                    if s.contains('\n') {
                        ws.write_string_with_format(r, c, s, &wrap).unwrap();
                    } else {
                        ws.write_string(r, c, s).unwrap();
                    }
                };
                match v {
                    S(s) => text(ws, s),
                    T(s) => text(ws, s),
                    N(n) => drop(ws.write_number(r, c, *n).unwrap()),
                    D(d) => drop(
                        ws.write_datetime_with_format(
                            r,
                            c,
                            ExcelDateTime::parse_from_str(d).unwrap(),
                            &day,
                        )
                        .unwrap(),
                    ),
                    F(f, v) => drop(
                        ws.write_formula(r, c, Formula::new(*f).set_result(v.to_string()))
                            .unwrap(),
                    ),
                    E => {}
                }
            }
        }
        if sh.active {
            ws.set_active(true);
        }
        if sh.hidden {
            ws.set_hidden(true);
        }
    }
    wb.save(path).unwrap();
}

/// A standard 拨付 sheet: (项目编号, 拨付日期 yyyy-mm-dd, 万元, 资金性质 or "").
pub fn payment_sheet(
    name: &str,
    rows: &[(&'static str, &'static str, f64, &'static str)],
) -> Sheet {
    let mut v = vec![PAYMENT_HEADER.to_vec()];
    for (id, d, amt, fund) in rows {
        v.push(vec![
            S(id),
            D(d),
            N(*amt),
            if fund.is_empty() { E } else { S(fund) },
        ]);
    }
    Sheet::new(name, v)
}

/// `jixiao report FILE --json FILE.json -o FILE-out.xlsx --no-forms --force ARGS…`;
/// the JSON (or Null when none was written).
pub fn report(w: &Workdir, file: &str, args: &[&str]) -> (Run, Value) {
    let json = format!("{file}.json");
    let out = format!("{file}-out.xlsx");
    let mut all = vec![
        "report",
        file,
        "--json",
        &json,
        "-o",
        &out,
        "--no-forms",
        "--force",
    ];
    all.extend_from_slice(args);
    let r = w.run(&all);
    let j = if w.exists(&json) {
        read_json(&w.path(&json))
    } else {
        Value::Null
    };
    (r, j)
}

/// The row of `by_category` / `by_fund_source` with this key.
pub fn group<'a>(j: &'a Value, table: &str, key: &str) -> &'a Value {
    j[table]
        .as_array()
        .unwrap_or_else(|| panic!("{table} missing: {j:#}"))
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("no {table} row {key}: {:#}", j[table]))
}

pub fn group_keys(j: &Value, table: &str) -> Vec<String> {
    j[table]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap().to_string())
        .collect()
}

pub fn project<'a>(j: &'a Value, id: &str) -> &'a Value {
    j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no project {id}: {:#}", j["projects"]))
}

pub fn project_ids(j: &Value) -> Vec<String> {
    j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

pub fn problems<'a>(j: &'a Value, severity: &str) -> Vec<&'a Value> {
    j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["severity"] == severity)
        .collect()
}

pub fn errors(j: &Value) -> Vec<&Value> {
    problems(j, "错误")
}

pub fn notes(j: &Value) -> Vec<&Value> {
    problems(j, "提示")
}

pub fn message(p: &Value) -> &str {
    p["message"].as_str().unwrap_or("")
}

/// The month entry of `monthly` ("2024-06").
pub fn month<'a>(j: &'a Value, m: &str) -> Option<&'a Value> {
    j["monthly"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["month"] == m)
}

/// Assert the exit status, showing stderr and the problem list when it differs.
pub fn assert_code(r: &Run, j: &Value, code: i32, what: &str) {
    assert_eq!(
        r.code, code,
        "{what}: exit {}\nstderr: {}\nproblems: {:#}",
        r.code, r.stderr, j["problems"]
    );
}

/// The same sheets as an .ods (merges become spanned and covered cells;
/// hidden flags are not written).
pub fn write_sheets_ods(path: &Path, sheets: &[Sheet]) {
    let data: Vec<SheetData> = sheets
        .iter()
        .map(|s| (s.name.clone(), s.rows.clone(), s.merges.clone()))
        .collect();
    write_ods(path, &data);
}
