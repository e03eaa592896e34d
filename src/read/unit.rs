//! The unit a table's amounts are in, as stated above it ("单位：元").

use super::book::RawSheet;
use super::layout::{CURRENCY_WORDS, MoneyUnit};
use super::table::cell_text;
use crate::model::CellRef;

/// A "单位：元" statement in the rows above the table, anywhere in a cell's
/// text ("填报单位：某某镇人民政府（盖章）　单位：元"). Two different units
/// stated there is an error naming both cells.
pub(crate) fn unit_line(
    sheet: &RawSheet,
    above: u32,
) -> Result<Option<(MoneyUnit, CellRef)>, String> {
    let mut found: Option<(MoneyUnit, CellRef)> = None;
    for (row, cells) in sheet.rows_from(0).take_while(|(r, _)| *r < above) {
        for (col, v) in cells {
            let Some(t) = cell_text(v) else {
                continue;
            };
            let Some(unit) = stated_unit(&t).or_else(|| bracketed_unit(&t)) else {
                continue;
            };
            let at = CellRef::new(&sheet.name, row, *col);
            match &found {
                Some((u, first)) if *u != unit => {
                    return Err(format!(
                        "工作表“{}”的金额单位有两种说法：{first} 写“{}”，{at} 写“{}”；请删去其中一处，或用 --mapping 的 [units] 指定",
                        sheet.name,
                        u.name(),
                        unit.name()
                    ));
                }
                Some(_) => {}
                None => found = Some((unit, at)),
            }
        }
    }
    Ok(found)
}

/// A cell of the header band that only states the unit ("（单位：元）" in
/// the header row's last cell, where no column is headed).
pub(crate) fn unit_in_header(
    sheet: &RawSheet,
    rows: std::ops::RangeInclusive<u32>,
) -> Option<(MoneyUnit, CellRef)> {
    for row in rows {
        for (col, v) in sheet.row_cells(row) {
            let Some(t) = cell_text(v) else {
                continue;
            };
            let k = super::value::compact(&t);
            if !k.trim_start_matches(['(', '（']).starts_with("单位") {
                continue;
            }
            if let Some(u) = stated_unit(&t) {
                return Some((u, CellRef::new(&sheet.name, row, *col)));
            }
        }
    }
    None
}

/// A unit a note under the table states ("注：本表金额单位为元"): a line
/// of text only, its first text a note, below the header band.
pub(crate) fn unit_in_notes(sheet: &RawSheet, below: u32) -> Option<(MoneyUnit, CellRef)> {
    for (row, cells) in sheet.rows_from(below + 1) {
        let texts: Vec<(u32, String)> = cells
            .iter()
            .filter_map(|(c, v)| cell_text(v).map(|t| (*c, t)))
            .collect();
        if texts.len() != cells.len()
            || !texts
                .first()
                .is_some_and(|(_, t)| super::layout::is_note_text(t))
        {
            continue;
        }
        for (col, t) in &texts {
            if let Some(u) = stated_unit(t) {
                return Some((u, CellRef::new(&sheet.name, row, *col)));
            }
        }
    }
    None
}

/// The unit a title ends with in brackets: "某某镇2024年项目台账（元）".
fn bracketed_unit(text: &str) -> Option<MoneyUnit> {
    let t = text.trim_end();
    if !t.ends_with([')', '）']) {
        return None;
    }
    super::layout::normalize_header(t).1
}

/// The unit a text states with "单位：…" (not 填报单位/实施单位 …).
pub fn stated_unit(text: &str) -> Option<MoneyUnit> {
    let t: String = super::value::compact(text);
    t.match_indices("单位").find_map(|(i, _)| {
        let mut rest = t[i + "单位".len()..].trim_start_matches([':', '(', '（', '为', '是']);
        for w in CURRENCY_WORDS {
            rest = rest.strip_prefix(w).unwrap_or(rest);
        }
        let (word, unit) = MoneyUnit::prefix_word(rest)?;
        // "单位：元" but not "单位：元宝山镇": the unit word ends the statement.
        let mut after = &rest[word.len()..];
        for w in CURRENCY_WORDS {
            after = after.strip_prefix(w).unwrap_or(after);
        }
        (after.is_empty()
            || after.starts_with([')', '）', ',', ';', '，', '；', '。', '|', '/'])
            || !after.starts_with(|c: char| c.is_alphanumeric()))
        .then_some(unit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_statements_as_clerks_write_them() {
        for (t, u) in [
            ("单位：元", Some(MoneyUnit::Yuan)),
            ("单位：人民币元", Some(MoneyUnit::Yuan)),
            ("单位：元人民币", Some(MoneyUnit::Yuan)),
            ("金额单位：万元", Some(MoneyUnit::WanYuan)),
            ("单位：万", Some(MoneyUnit::WanYuan)),
            ("（单位：千元）", Some(MoneyUnit::QianYuan)),
            ("实施单位：元宝山镇", None),
            ("单位：万家村", None),
        ] {
            assert_eq!(stated_unit(t), u, "{t}");
        }
        assert_eq!(
            bracketed_unit("某某镇2024年项目台账（元）"),
            Some(MoneyUnit::Yuan)
        );
        assert_eq!(bracketed_unit("填报单位：某某镇（盖章）"), None);
        let sheet = RawSheet::new(
            "项目",
            vec![
                (0, 0, calamine::Data::String("项目名称".into())),
                (0, 1, calamine::Data::String("预算金额".into())),
                (0, 2, calamine::Data::String("（单位：元）".into())),
                (1, 0, calamine::Data::String("单位名称".into())),
            ],
            Vec::new(),
            Vec::new(),
        );
        assert_eq!(
            unit_in_header(&sheet, 0..=0).map(|(u, at)| (u, at.to_string())),
            Some((MoneyUnit::Yuan, "项目!C1".to_string()))
        );
        assert_eq!(unit_in_header(&sheet, 1..=1), None);
        let t = |s: &str| calamine::Data::String(s.into());
        let sheet = RawSheet::new(
            "项目",
            vec![
                (0, 0, t("项目名称")),
                (0, 1, t("预算金额")),
                (1, 0, t("冷库")),
                (1, 1, calamine::Data::Float(50000.0)),
                (2, 0, t("注：1.本表金额单位为元；2.拨付进度=已拨付/预算。")),
            ],
            Vec::new(),
            Vec::new(),
        );
        assert_eq!(
            unit_in_notes(&sheet, 0).map(|(u, at)| (u, at.to_string())),
            Some((MoneyUnit::Yuan, "项目!A3".to_string()))
        );
    }
}
