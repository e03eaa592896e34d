//! The 说明 sheet: unit name, year, cut-off date.

use super::book::RawSheet;
use super::cells::is_blank;
use super::layout::{self, MoneyUnit};
use super::value::{self};
use crate::model::{CellRef, Info, Problem};
use calamine::Data;

pub(crate) fn read_info(sheet: &RawSheet, problems: &mut Vec<Problem>) -> Info {
    let mut info = Info::default();
    for (row, _) in sheet.rows_from(0) {
        let Data::String(key) = sheet.cell(row, 0) else {
            continue;
        };
        let key = layout::normalize_header(key).0;
        let key = key.trim_end_matches([':', '：']);
        let v = sheet.cell(row, 1);
        let cell = CellRef::new(&sheet.name, row, 1);
        if is_blank(v) {
            continue;
        }
        match key {
            layout::INFO_UNIT => info.unit_name = value::text_from_cell(v),
            layout::INFO_DEPARTMENT => info.department = value::text_from_cell(v),
            layout::INFO_YEAR => {
                let year = value::text_from_cell(v)
                    .and_then(|t| t.trim_end_matches('年').trim().parse::<i32>().ok())
                    .filter(|y| (2000..=2099).contains(y));
                if year.is_none() {
                    problems.push(Problem::at(
                        crate::model::Finding::ValueIgnored,
                        &cell,
                        format!("{cell}：年度{}无法识别，已忽略", value::show_cell(v)),
                    ));
                }
                info.year = year;
            }
            layout::INFO_AS_OF => {
                let d = value::date_from_cell(v);
                if d.is_none() {
                    problems.push(Problem::at(
                        crate::model::Finding::ValueIgnored,
                        &cell,
                        format!(
                            "{cell}：截止日期{}不是有效日期，已忽略",
                            value::show_cell(v)
                        ),
                    ));
                }
                info.as_of = d;
            }
            _ => {}
        }
    }
    info
}

/// The money unit a 说明 sheet states: "金额单位 | 元" (a key in column A,
/// the unit in B) or "金额单位：元" in one cell of column A.
pub(crate) fn money_unit(sheet: &RawSheet) -> Option<(MoneyUnit, CellRef)> {
    for (row, _) in sheet.rows_from(0) {
        let Data::String(key) = sheet.cell(row, 0) else {
            continue;
        };
        let compact = value::compact(key);
        let key = compact.trim_end_matches([':', '：']);
        if layout::INFO_MONEY_UNIT_KEYS.contains(&key)
            && let Some(t) = value::text_from_cell(sheet.cell(row, 1))
        {
            let mut t = value::compact(&t);
            for w in layout::CURRENCY_WORDS {
                t = t.replace(w, "");
            }
            if let Some(u) = MoneyUnit::parse(&t) {
                return Some((u, CellRef::new(&sheet.name, row, 1)));
            }
        }
        if let Some(u) = super::unit::stated_unit(key) {
            return Some((u, CellRef::new(&sheet.name, row, 0)));
        }
    }
    None
}
