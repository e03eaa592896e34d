//! Finding a table in a sheet: which sheet, which row is the header (one or
//! two rows deep, anywhere in the first rows), which column is which field,
//! and what unit the amounts are in.

use super::book::{RawBook, RawSheet};
use super::layout::{self, ColumnSpec, Field, MoneyUnit, SheetRole, SheetSpec};
use super::mapping::Mapping;
use crate::model::CellRef;
use calamine::Data;

/// How far down a header row may sit.
pub const HEADER_SEARCH_ROWS: u32 = 15;

pub struct Column {
    pub col: u32,
    /// Unit stated in the header or its merged parent.
    pub unit: Option<MoneyUnit>,
    pub spec: &'static ColumnSpec,
    pub header_cell: CellRef,
}

/// A budget column per fund (资金规模 → 衔接资金 | 其他整合资金).
pub struct FundSplit {
    pub col: u32,
    pub fund: String,
    pub unit: Option<MoneyUnit>,
}

/// Columns by field: a tiny array map (looked up for every cell read).
#[derive(Default)]
pub struct FieldMap {
    slots: Vec<Option<Column>>,
    len: usize,
}

impl FieldMap {
    pub fn get(&self, f: &Field) -> Option<&Column> {
        self.slots.get(*f as usize).and_then(Option::as_ref)
    }
    pub fn contains_key(&self, f: &Field) -> bool {
        self.get(f).is_some()
    }
    pub fn insert(&mut self, f: Field, c: Column) {
        let i = f as usize;
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        if self.slots[i].replace(c).is_none() {
            self.len += 1;
        }
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

pub struct Table<'a> {
    pub sheet: &'a RawSheet,
    /// The sheet's name, shared by every cell reference made from it.
    pub name: std::sync::Arc<str>,
    pub role: SheetRole,
    pub header_row: u32,
    pub header_depth: u32,
    pub columns: FieldMap,
    pub fund_splits: Vec<FundSplit>,
    /// Unit from a "单位：元" line above the table, or the mapping file.
    pub default_unit: Option<MoneyUnit>,
}

impl Table<'_> {
    /// Rows below the header that hold cells (blank rows are not visited).
    pub fn data_rows(&self) -> impl Iterator<Item = u32> + '_ {
        self.sheet
            .rows_from(self.header_row + self.header_depth)
            .map(|(r, _)| r)
    }
    pub fn has(&self, field: Field) -> bool {
        self.columns.contains_key(&field)
    }
    /// The unit of a money column, and whether anything stated it.
    pub fn unit_of(&self, col_unit: Option<MoneyUnit>) -> (MoneyUnit, bool) {
        match col_unit.or(self.default_unit) {
            Some(u) => (u, true),
            None => (MoneyUnit::WanYuan, false),
        }
    }
}

fn cell_text(v: &Data) -> Option<String> {
    match v {
        Data::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// Header texts of one column, most specific first.
struct HeaderCell {
    col: u32,
    candidates: Vec<String>,
    /// The merged parent, for two-row headers.
    parent: Option<String>,
    unit: Option<MoneyUnit>,
    at: CellRef,
}

/// Children that only restate their parent ("资金规模 | 合计").
const PARENT_ONLY: &[&str] = &["合计", "小计", "总计", "金额", "计"];

fn header_cells(sheet: &RawSheet, row: u32, depth: u32) -> Vec<HeaderCell> {
    let mut out = Vec::new();
    let mut carried: Option<String> = None;
    let mut prev: Option<u32> = None;
    for col in header_columns(sheet, row, depth) {
        // A column with nothing in either row breaks a run of children.
        if prev.is_some_and(|p| p + 1 != col) {
            carried = None;
        }
        prev = Some(col);
        let own = cell_text(sheet.cell(row, col));
        if depth == 1 {
            if let Some(t) = own {
                let unit = layout::normalize_header(&t).1;
                out.push(HeaderCell {
                    col,
                    candidates: vec![t],
                    parent: None,
                    unit,
                    at: CellRef::new(&sheet.name, row, col),
                });
            }
            continue;
        }
        let child = cell_text(sheet.cell(row + 1, col));
        // The parent: this cell, the start of a merge covering it, or (where
        // the file keeps no merges) the last parent to the left over a run of children.
        let merged_parent = sheet
            .merges
            .iter()
            .find(|m| {
                m.start.0 <= row
                    && row <= m.end.0
                    && m.start.1 <= col
                    && col <= m.end.1
                    && m.start.1 != m.end.1
            })
            .and_then(|m| cell_text(sheet.cell(m.start.0, m.start.1)));
        let parent = match (&own, &merged_parent) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(m)) => Some(m.clone()),
            (None, None) if sheet.merges.is_empty() && child.is_some() => carried.clone(),
            _ => None,
        };
        carried = if own.is_some() || (child.is_some() && parent.is_some()) {
            parent.clone()
        } else {
            None
        };
        let (candidates, at) = match (&child, &parent) {
            (Some(c), Some(p)) => {
                let mut v = vec![c.clone(), format!("{p}{c}")];
                if PARENT_ONLY.contains(&layout::normalize_header(c).0.as_str()) {
                    v.push(p.clone());
                }
                (v, CellRef::new(&sheet.name, row + 1, col))
            }
            (Some(c), None) => (vec![c.clone()], CellRef::new(&sheet.name, row + 1, col)),
            (None, Some(p)) => (vec![p.clone()], CellRef::new(&sheet.name, row, col)),
            (None, None) => continue,
        };
        let unit = child
            .as_deref()
            .and_then(|c| layout::normalize_header(c).1)
            .or_else(|| {
                parent
                    .as_deref()
                    .and_then(|p| layout::normalize_header(p).1)
            });
        out.push(HeaderCell {
            col,
            candidates,
            parent: if child.is_some() { parent } else { None },
            unit,
            at,
        });
    }
    out
}

/// Columns that can hold a header cell at `row` (and the row below for a
/// two-row header): those with cells, and those under a merge in the rows.
fn header_columns(sheet: &RawSheet, row: u32, depth: u32) -> Vec<u32> {
    let mut cols: Vec<u32> = (row..row + depth)
        .flat_map(|r| sheet.row_cells(r).iter().map(|(c, _)| *c))
        .collect();
    for m in &sheet.merges {
        if m.start.0 <= row + depth - 1 && row <= m.end.0 && m.end.1 - m.start.1 < 1024 {
            cols.extend(m.start.1..=m.end.1);
        }
    }
    cols.sort_unstable();
    cols.dedup();
    cols
}

fn spec_matches(spec: &ColumnSpec, role: SheetRole, key: &str, mapping: &Mapping) -> bool {
    match mapping.column_alias(role, spec.header) {
        // A mapped column is found by the user's name only, so it can't be taken by an alias.
        Some(alias) => alias == key,
        None => layout::header_matches(spec, key),
    }
}

/// The fund a budget sub-column stands for, if it is one.
fn split_fund(parent: Option<&str>, child_key: &str, spec: &SheetSpec) -> Option<String> {
    let budget = spec.columns.iter().find(|c| c.field == Field::Budget)?;
    let parent_key = layout::normalize_header(parent?).0;
    if !layout::header_matches(budget, &parent_key) {
        return None;
    }
    let fund = layout::normalize_value(child_key);
    layout::FUND_SOURCES
        .contains(&fund.as_str())
        .then_some(fund)
}

struct Matched {
    columns: FieldMap,
    splits: Vec<FundSplit>,
}

fn match_headers(cells: Vec<HeaderCell>, spec: &'static SheetSpec, mapping: &Mapping) -> Matched {
    let mut columns = FieldMap::default();
    let mut splits = Vec::new();
    for h in cells {
        for text in &h.candidates {
            let key = layout::normalize_header(text).0;
            if key.is_empty() {
                continue;
            }
            if let Some(c) = spec.columns.iter().find(|c| {
                !columns.contains_key(&c.field) && spec_matches(c, spec.role, &key, mapping)
            }) {
                columns.insert(
                    c.field,
                    Column {
                        col: h.col,
                        unit: h.unit,
                        spec: c,
                        header_cell: h.at.clone(),
                    },
                );
                break;
            }
            if let Some(fund) = split_fund(h.parent.as_deref(), &key, spec) {
                splits.push(FundSplit {
                    col: h.col,
                    fund,
                    unit: h.unit,
                });
                break;
            }
        }
    }
    Matched { columns, splits }
}

/// Required columns not found, after the stand-ins: the name for a missing
/// 项目编号, the per-fund budget columns for 预算金额 and 资金性质.
fn missing_required(spec: &SheetSpec, m: &Matched) -> Vec<&'static ColumnSpec> {
    spec.columns
        .iter()
        .filter(|c| c.required && !m.columns.contains_key(&c.field))
        .filter(|c| !(c.field == Field::ProjectId && m.columns.contains_key(&Field::ProjectName)))
        .filter(|c| !(matches!(c.field, Field::Budget | Field::FundSource) && !m.splits.is_empty()))
        .collect()
}

/// Signs of a two-row header at `row`: a merge in it, or a gap in it with
/// text below (a parent spanning children).
fn looks_two_deep(sheet: &RawSheet, row: u32) -> bool {
    sheet
        .merges
        .iter()
        .any(|m| m.start.0 <= row && row <= m.end.0)
        || sheet
            .row_cells(row + 1)
            .iter()
            .any(|(c, v)| cell_text(sheet.cell(row, *c)).is_none() && cell_text(v).is_some())
}

/// A "单位：元" / "单位：万元" line above the table (rows before `above`).
fn unit_line(sheet: &RawSheet, above: u32) -> Option<MoneyUnit> {
    for (_, cells) in sheet.rows_from(0).take_while(|(r, _)| *r < above) {
        for (_, v) in cells {
            let Some(t) = cell_text(v) else {
                continue;
            };
            let t: String = crate::read::value::fold_width(&t)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if let Some(i) = t.find("单位") {
                let rest = t[i + "单位".len()..].trim_start_matches([':', '(', '（']);
                if rest.starts_with("万元") {
                    return Some(MoneyUnit::WanYuan);
                }
                if rest.starts_with('元') {
                    return Some(MoneyUnit::Yuan);
                }
            }
        }
    }
    None
}

pub fn locate_table<'a>(
    sheet: &'a RawSheet,
    role: SheetRole,
    mapping: &Mapping,
) -> Result<Table<'a>, String> {
    let spec = layout::sheet_spec(role);
    let first = sheet.first_row();
    let last = (first + HEADER_SEARCH_ROWS).min(sheet.end_row());
    let mut best: Option<(usize, u32, Vec<&'static ColumnSpec>)> = None;
    for row in first..last {
        let mut found: Option<(u32, Matched)> = None;
        for depth in [1, 2] {
            if row + depth > sheet.end_row()
                || (depth == 2 && found.is_some() && !looks_two_deep(sheet, row))
            {
                continue;
            }
            let m = match_headers(header_cells(sheet, row, depth), spec, mapping);
            let missing = missing_required(spec, &m);
            if missing.is_empty() {
                // A second header row is taken only when it finds more.
                let better = found.as_ref().is_none_or(|(_, f)| {
                    m.columns.len() + m.splits.len() > f.columns.len() + f.splits.len()
                });
                if better {
                    found = Some((depth, m));
                }
            } else {
                let score = spec.columns.iter().filter(|c| c.required).count() - missing.len();
                if score > 0 && best.as_ref().is_none_or(|(n, ..)| score > *n) {
                    best = Some((score, row + depth - 1, missing));
                }
            }
        }
        if let Some((depth, m)) = found {
            let default_unit = mapping
                .unit(role)
                .or_else(|| unit_line(sheet, row + depth - 1));
            return Ok(Table {
                sheet,
                name: sheet.name.as_str().into(),
                role,
                header_row: row,
                header_depth: depth,
                columns: m.columns,
                fund_splits: m.splits,
                default_unit,
            });
        }
    }
    let (missing, where_) = match best {
        Some((_, row, missing)) => (missing, format!("第{}行表头中", row + 1)),
        None => (
            spec.columns.iter().filter(|c| c.required).collect(),
            format!("前{HEADER_SEARCH_ROWS}行中"),
        ),
    };
    let names: Vec<String> = missing.iter().map(|c| format!("“{}”", c.header)).collect();
    Err(format!(
        "工作表“{}”缺少必填列 {}（在{}未找到；可用 --mapping 指定列名）",
        sheet.name,
        names.join("、"),
        where_
    ))
}

/// How a sheet was chosen for a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    Name,
    Alias,
    Mapping,
    Content,
}

/// The sheet for a role: the mapping's name, the standard name, an alias,
/// then — among sheets not yet taken — the first whose content is such a table.
pub fn find_sheet<'a>(
    book: &'a RawBook,
    role: SheetRole,
    mapping: &Mapping,
    taken: &[&str],
) -> Option<(&'a RawSheet, FoundBy)> {
    let spec = layout::sheet_spec(role);
    let key = |s: &str| layout::normalize_header(s).0;
    if let Some(name) = mapping.sheet_name(role) {
        return book
            .sheets
            .iter()
            .find(|s| s.name == name || key(&s.name) == key(name))
            .map(|s| (s, FoundBy::Mapping));
    }
    let free = || {
        book.sheets
            .iter()
            .filter(|s| !taken.contains(&s.name.as_str()))
    };
    if let Some(s) = free().find(|s| key(&s.name) == spec.name) {
        return Some((s, FoundBy::Name));
    }
    if let Some(s) = free().find(|s| spec.aliases.iter().any(|a| key(&s.name) == *a)) {
        return Some((s, FoundBy::Alias));
    }
    // Only the ledger's two tables are worth finding by content.
    if !matches!(role, SheetRole::Projects | SheetRole::Payments) {
        return None;
    }
    free()
        .find(|s| locate_table(s, role, mapping).is_ok())
        .map(|s| (s, FoundBy::Content))
}
