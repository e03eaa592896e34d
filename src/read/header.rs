//! The header band of a table: which rows are titles and context lines
//! (never headers), which are header rows (one or more deep: a parent row
//! counts when its merged or spanning cells sit over children), and each
//! column's header path — its own text and every parent's above it.

use super::book::RawSheet;
use super::layout::{self, MoneyUnit};
use super::table::cell_text;
use super::unit::stated_unit;
use crate::model::CellRef;
use calamine::Dimensions;

/// Header texts of one column, most specific first.
pub(crate) struct HeaderCell {
    pub(crate) col: u32,
    pub(crate) candidates: Vec<String>,
    /// The nearest parent (a merged cell over it), for headers of two or
    /// more rows.
    pub(crate) parent: Option<String>,
    /// Every text above the column's own, top down (the parent last).
    pub(crate) ancestors: Vec<String>,
    /// The text the column is known by (the child, or the cell itself).
    pub(crate) own: String,
    pub(crate) unit: Option<MoneyUnit>,
    pub(crate) at: CellRef,
}

use layout::PARENT_ONLY;

/// A horizontal merge starting in `row` that spans the whole table (a title
/// such as "某某镇2024年度衔接资金项目台账"), not a parent over some columns.
pub(crate) fn is_title_merge(sheet: &RawSheet, m: &Dimensions, row: u32) -> bool {
    // A merge begun above the header row, or the only text of its row.
    m.start.0 < row || is_title_row(sheet, m.start.0)
}

/// A line of context above a table: every text in it states a fact about
/// the whole table (填报单位：…, 截至2024年9月30日, 单位：万元, 编制日期：…),
/// in any number of cells — or the title in its first cell and such facts
/// after it on the same line (某某镇项目台账 … 单位：元).
pub fn is_context_row(sheet: &RawSheet, row: u32) -> bool {
    let cells = sheet.row_cells(row);
    let Some(((_, first), rest)) = cells.split_first() else {
        return false;
    };
    // Texts as `cell_text` gives them, without a copy each.
    let context = |v: &calamine::Data| match v {
        calamine::Data::String(s) if !s.trim().is_empty() => is_context_text(s.trim()),
        _ => false,
    };
    // Every cell after the first is a fact (a data row is told at its
    // second cell, not after all of them) …
    if !rest.iter().all(|(_, v)| context(v)) {
        return false;
    }
    // … and the first too, or it is a title, when it is text.
    context(first) || (!rest.is_empty() && cell_text(first).is_some_and(|t| t.chars().count() >= 4))
}

pub fn is_context_text(t: &str) -> bool {
    let k: String = super::value::compact(t);
    if stated_unit(&k).is_some() || super::context::cutoff_in(&k).is_some() {
        return true;
    }
    if let Some((key, value)) = k.split_once([':', '：'])
        && !value.is_empty()
        && layout::CONTEXT_KEYS.iter().any(|w| key.contains(w))
    {
        return true;
    }
    k.contains("盖章")
        || super::value::parse_date_text(k.trim_matches(['(', ')', '（', '）'])).is_some()
}

/// The first section row (一、产业发展类项目) at or below `from`: section
/// rows give the rows under them their category, standing in for a 项目类别
/// column.
pub(crate) fn first_section_row(sheet: &RawSheet, from: u32) -> Option<u32> {
    sheet
        .rows_from(from)
        .find(|(_, cells)| is_section_row(cells))
        .map(|(r, _)| r)
}

/// One text that is a section label, or a section number and a text, and
/// otherwise only amounts (sums beside the label may be numbers kept as
/// text; the number may stand in a cell of its own: 一 | 产业发展类项目).
fn is_section_row(cells: &[(u32, calamine::Data)]) -> bool {
    // Texts as `cell_text` gives them, without a copy each.
    let mut texts = cells
        .iter()
        .filter_map(|(_, v)| match v {
            calamine::Data::String(s) if !s.trim().is_empty() => Some(s.trim()),
            _ => None,
        })
        .filter(|t| super::value::parse_amount_text(t).is_err());
    match (texts.next(), texts.next(), texts.next()) {
        (Some(t), None, _) => layout::section_label(t).is_some(),
        (Some(a), Some(b), None) => {
            let (n, t) = if layout::section_number(a) {
                (a, b)
            } else {
                (b, a)
            };
            layout::section_number(n)
                && layout::section_label(&format!("{}、{t}", n.trim_end_matches(['、', '.', '．'])))
                    .is_some()
        }
        _ => false,
    }
}

/// `first_section_row` asked for many `from` rows of one sheet (each header
/// row tried): the rows are scanned once for the usual ascending questions.
#[derive(Default)]
pub(crate) struct SectionRows {
    /// (scanned from, the first section row found there).
    known: std::cell::Cell<Option<(u32, Option<u32>)>>,
}

impl SectionRows {
    /// Is there a section row at or below `from`?
    pub(crate) fn below(&self, sheet: &RawSheet, from: u32) -> bool {
        if let Some((scanned, found)) = self.known.get()
            && scanned <= from
        {
            match found {
                None => return false,
                Some(r) if r >= from => return true,
                Some(_) => {}
            }
        }
        let found = first_section_row(sheet, from);
        self.known.set(Some((from, found)));
        found.is_some()
    }
}

/// A row that can't be a header: fewer than two cells, or a single text
/// spread over the table by a merge.
pub(crate) fn is_title_row(sheet: &RawSheet, row: u32) -> bool {
    sheet
        .row_cells(row)
        .iter()
        .filter(|(_, v)| cell_text(v).is_some())
        .count()
        < 2
}

pub(crate) fn header_cells(sheet: &RawSheet, row: u32, depth: u32) -> Vec<HeaderCell> {
    let mut out = Vec::new();
    if depth == 1 {
        for col in header_columns(sheet, row, depth) {
            if let Some(t) = cell_text(sheet.cell(row, col)) {
                let unit = layout::normalize_header(&t).1;
                out.push(HeaderCell {
                    col,
                    candidates: vec![t.clone()],
                    parent: None,
                    ancestors: Vec::new(),
                    own: t,
                    unit,
                    at: CellRef::new(&sheet.name, row, col),
                });
            }
        }
        return out;
    }
    // Any depth: each column's header path, top down. At each level the
    // text is the cell's own, a horizontal merge's over it (not a title), or
    // (where the file keeps no merges) the last text to the left at that
    // level over a run of columns with text below it. A cell merged down
    // counts once.
    let levels = depth as usize;
    let mut carried: Vec<Option<String>> = vec![None; levels];
    let mut prev: Option<u32> = None;
    let no_merges = sheet.merges.is_empty();
    for col in header_columns(sheet, row, depth) {
        // A column with nothing in the band breaks a run of children.
        if prev.is_some_and(|p| p + 1 != col) {
            carried.iter_mut().for_each(|c| *c = None);
        }
        prev = Some(col);
        let texts: Vec<Option<String>> = (row..row + depth)
            .map(|r| cell_text(sheet.cell(r, col)))
            .collect();
        let below = |l: usize| texts[l + 1..].iter().any(Option::is_some);
        let mut path: Vec<(String, CellRef)> = Vec::new();
        for l in 0..levels {
            let r = row + l as u32;
            let covering = sheet.merges.iter().find(|m| {
                m.start.0 <= r
                    && r <= m.end.0
                    && m.start.1 <= col
                    && col <= m.end.1
                    && (m.start.0, m.start.1) != (r, col)
            });
            let text = match (&texts[l], covering) {
                (Some(t), _) => {
                    carried[l] = below(l).then(|| t.clone());
                    Some((t.clone(), CellRef::new(&sheet.name, r, col)))
                }
                (None, Some(m)) => {
                    let start = (m.start.0, m.start.1);
                    let t = cell_text(sheet.cell(start.0, start.1));
                    let horizontal = m.start.1 != m.end.1 && !is_title_merge(sheet, m, row);
                    // Merged down from a level above: already in the path.
                    let seen = start.0 < r
                        && path
                            .iter()
                            .any(|(_, at)| (at.row, at.col) == (start.0, start.1));
                    carried[l] = None;
                    match t {
                        // The last level is a column's own text: a merge
                        // across children there names none of them.
                        Some(t) if horizontal && !seen && start.0 >= row && l + 1 < levels => {
                            Some((t, CellRef::new(&sheet.name, start.0, start.1)))
                        }
                        _ => None,
                    }
                }
                (None, None) if no_merges && below(l) && l + 1 < levels => carried[l]
                    .clone()
                    .map(|t| (t, CellRef::new(&sheet.name, r, col))),
                (None, None) => {
                    carried[l] = None;
                    None
                }
            };
            if let Some(t) = text
                && path.last().is_none_or(|(p, _)| *p != t.0)
            {
                path.push(t);
            }
        }
        let Some((own, at)) = path.pop() else {
            continue;
        };
        let ancestors: Vec<String> = path.into_iter().map(|(t, _)| t).collect();
        let mut parent = ancestors.last().cloned();
        // A bare year over a month ("2024年" over "3月"): the month's year.
        if let [.., g, p] = ancestors.as_slice() {
            let pk = layout::normalize_header(p).0;
            if bare_year(g) && layout::month_header(&pk).is_some_and(|(y, _)| y.is_none()) {
                parent = Some(format!("{}{p}", g.trim_end_matches('度')));
            }
        }
        let candidates = match &parent {
            Some(p) => {
                let mut v = vec![own.clone(), format!("{p}{own}")];
                if PARENT_ONLY.contains(&layout::normalize_header(&own).0.as_str()) {
                    v.push(p.clone());
                }
                v
            }
            None => vec![own.clone()],
        };
        let unit = std::iter::once(&own)
            .chain(ancestors.iter().rev())
            .find_map(|t| layout::normalize_header(t).1);
        out.push(HeaderCell {
            col,
            candidates,
            parent,
            ancestors,
            own,
            unit,
            at,
        });
    }
    out
}

/// "2024年", "2024年度": a year alone, as a parent over months.
fn bare_year(t: &str) -> bool {
    let k = layout::normalize_header(t).0;
    let k = k.trim_end_matches('度').trim_end_matches('年');
    k.len() == 4 && k.bytes().all(|b| b.is_ascii_digit())
}

/// Columns that can hold a header cell at `row` (and the row below for a
/// two-row header): those with cells, and those under a merge in the rows.
pub(crate) fn header_columns(sheet: &RawSheet, row: u32, depth: u32) -> Vec<u32> {
    let mut cols: Vec<u32> = (row..row + depth)
        .flat_map(|r| sheet.row_cells(r).iter().map(|(c, _)| *c))
        .collect();
    for m in &sheet.merges {
        if m.start.0 < row + depth && row <= m.end.0 && m.end.1 - m.start.1 < 1024 {
            cols.extend(m.start.1..=m.end.1);
        }
    }
    cols.sort_unstable();
    cols.dedup();
    cols
}

/// Signs of a two-row header at `row`: a merge in it (not a title), or a gap
/// in it with text below (a parent spanning children).
pub(crate) fn looks_two_deep(sheet: &RawSheet, row: u32) -> bool {
    sheet
        .merges
        .iter()
        .any(|m| m.start.0 <= row && row <= m.end.0 && !is_title_merge(sheet, m, row))
        || sheet
            .row_cells(row + 1)
            .iter()
            .any(|(c, v)| cell_text(sheet.cell(row, *c)).is_none() && cell_text(v).is_some())
}

/// Is `row` a second header row by what it is: short texts only, no amounts
/// or dates, made of sub-header words (预算/结算, 中央/省级, 户数/其中脱贫户, 1月…)
/// or sitting under a parent?
pub fn is_subheader_row(sheet: &RawSheet, row: u32) -> bool {
    let cells = sheet.row_cells(row);
    if cells.is_empty() {
        return false;
    }
    let mut known = 0;
    for (_, v) in cells {
        let Some(t) = cell_text(v) else {
            return false;
        };
        let key = layout::normalize_header(&t).0;
        if key.chars().count() > 14 || super::value::parse_amount_text(&key).is_ok() {
            return false;
        }
        if layout::SUBHEADER_WORDS.iter().any(|w| key.contains(w))
            || layout::month_header(&key).is_some()
            || bare_year(&key)
            || layout::normalize_value(&key) != key
        {
            known += 1;
        }
    }
    known > 0
}

/// A row of units right under the header (元 | （万元） | 单位：元 under the
/// amount columns, nothing else): part of the header, giving each amount
/// column under it its unit — never a record, never ignored. True when
/// `row` is such a row (the units are then in `m`).
pub(crate) fn units_row(sheet: &RawSheet, row: u32, m: &mut super::columns::Matched) -> bool {
    let cells = sheet.row_cells(row);
    let mut units = Vec::new();
    for (col, v) in cells {
        let Some(t) = cell_text(v) else {
            return false;
        };
        let Some(u) = unit_word(&t) else {
            return false;
        };
        units.push((*col, u));
    }
    !units.is_empty() && m.take_units(&units)
}

/// A cell that is only a unit: 元, 万元, （万元）, 单位：元.
fn unit_word(t: &str) -> Option<MoneyUnit> {
    let k: String = super::value::compact(t);
    let k = k
        .trim_start_matches(['(', '（'])
        .trim_end_matches([')', '）'])
        .trim_start_matches("单位")
        .trim_start_matches([':', '：']);
    MoneyUnit::parse(k)
}
