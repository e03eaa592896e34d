//! Finding a table in a sheet: which sheet, which row is the header (one or
//! two rows deep, anywhere in the first rows), which column is which field,
//! and what unit the amounts are in.

use super::book::{RawBook, RawSheet};
use super::columns::{Matched, match_headers};
pub(crate) use super::header::HeaderCell;
use super::header::{SectionRows, header_cells, is_context_row, is_title_row, looks_two_deep};
pub use super::header::{is_context_text, is_subheader_row};
use super::layout::{self, ColumnSpec, Field, MoneyUnit, SheetRole, SheetSpec};
use super::mapping::Mapping;
pub use super::unit::stated_unit;
use super::unit::unit_line;
use crate::model::CellRef;
use calamine::Data;

pub use super::layout::HEADER_SEARCH_ROWS;

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
    /// The level of a 衔接资金 part (中央/省级/市级/县级), when the header names one.
    pub level: Option<&'static str>,
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
    pub fn remove(&mut self, f: &Field) -> Option<Column> {
        let c = self.slots.get_mut(*f as usize).and_then(Option::take);
        if c.is_some() {
            self.len -= 1;
        }
        c
    }
    pub fn iter(&self) -> impl Iterator<Item = &Column> {
        self.slots.iter().flatten()
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
    /// Where the unit was stated (the cell, the header, the mapping), for 读取说明.
    pub unit_from: Option<(MoneyUnit, String)>,
    /// Month columns (1月 … 12月 under a parent such as 拨付金额).
    pub month_columns: Vec<MonthColumn>,
    /// Each month's running total beside its own amount (本月 | 累计): checks.
    pub month_cums: Vec<MonthColumn>,
    /// Every header column: its letter, header path and the field it became.
    pub paths: Vec<(u32, String, Option<String>)>,
    /// Choices settled by a stated rule, for 读取说明.
    pub decisions: Vec<String>,
    /// Columns whose header states a unit other than the line above the
    /// table (the header wins), said when the table is read.
    pub unit_notes: Vec<crate::model::Problem>,
    /// Data cells covered by a vertical merge → the merge's first cell, whose
    /// value they share (项目类别 merged down over its projects).
    pub filled: std::collections::HashMap<(u32, u32), (u32, u32)>,
    /// Normalised header texts by column, to know the header when a printed
    /// ledger repeats it further down.
    pub header_keys: Vec<(u32, String)>,
    /// Text rows above the header (title, 单位 line, notes), for the fund or
    /// cut-off date they may state.
    pub above: Vec<(CellRef, String)>,
    /// The ledger's year, for dates written without one (9月6日).
    pub year: std::cell::Cell<Option<i32>>,
    /// Dates written as a month or without a year: (form, first cell, count), said once.
    pub date_forms: std::cell::RefCell<Vec<(super::value::DateForm, CellRef, usize)>>,
}

/// One month's column of a ledger that keeps payments by month.
pub struct MonthColumn {
    pub col: u32,
    pub year: Option<i32>,
    pub month: u32,
    pub unit: Option<MoneyUnit>,
}

impl Table<'_> {
    /// The start of this table's 读取说明: sheet, role, header rows, columns, unit.
    pub fn reading(&self) -> crate::model::reading::SheetReading {
        use crate::model::reading::{ColumnReading, SheetReading, Sourced};
        let mut rules = self.decisions.clone();
        if !self.fund_splits.is_empty() && !self.has(Field::Budget) {
            rules.push("预算金额按各资金来源（级次）列之和计".to_string());
        }
        SheetReading {
            sheet: self.sheet.name.clone(),
            role: super::role_name(self.role)
                .trim_end_matches('表')
                .to_string(),
            header_rows: (self.header_row + 1..=self.header_row + self.header_depth).collect(),
            columns: self
                .paths
                .iter()
                .map(|(c, h, f)| ColumnReading {
                    column: crate::model::col_name(*c),
                    header: h.clone(),
                    field: f.clone(),
                })
                .collect(),
            unit: Some(match &self.unit_from {
                Some((u, from)) => Sourced {
                    value: u.name().to_string(),
                    from: from.clone(),
                },
                None => Sourced {
                    value: "万元".to_string(),
                    from: "未注明，按万元".to_string(),
                },
            }),
            rules,
            ..SheetReading::default()
        }
    }
    /// Rows below the header that hold cells (blank rows are not visited).
    pub fn data_rows(&self) -> impl Iterator<Item = u32> + '_ {
        self.sheet
            .rows_from(self.header_row + self.header_depth)
            .map(|(r, _)| r)
    }
    /// First and last column of the table (its header's extent).
    pub fn span(&self) -> (u32, u32) {
        // Asked for every row read: no list built.
        let cols = || {
            self.header_keys
                .iter()
                .map(|(c, _)| *c)
                .chain(self.columns.iter().map(|c| c.col))
        };
        let lo = cols().min().unwrap_or(0);
        let hi = cols().max().unwrap_or(u32::MAX);
        (lo, hi)
    }
    /// The value at a cell, or the value of the vertical merge covering it.
    pub fn value(&self, row: u32, col: u32) -> &Data {
        match self.sheet.cell(row, col) {
            Data::Empty => match self.filled.get(&(row, col)) {
                Some(&(r, c)) => self.sheet.cell(r, c),
                None => &Data::Empty,
            },
            v => v,
        }
    }
    /// A row that repeats the header (printed ledgers repeat it on each page),
    /// or a second header row met again.
    pub fn is_header_again(&self, row: u32) -> bool {
        let cells = self.sheet.row_cells(row);
        // Only a row of texts can repeat the header (a number in it ends
        // the question): checked before anything is copied or normalised.
        if cells.is_empty()
            || !cells
                .iter()
                .all(|(_, v)| matches!(v, Data::String(s) if !s.trim().is_empty()))
        {
            return false;
        }
        let texts: Vec<String> = cells
            .iter()
            .filter_map(|(_, v)| cell_text(v))
            .map(|t| layout::normalize_header(&t).0)
            .collect();
        if texts.is_empty() || texts.len() < cells.len() {
            return false;
        }
        // The title (or 单位 line) printed again at the top of a page.
        if texts.len() <= 2
            && texts.iter().all(|t| {
                self.above
                    .iter()
                    .any(|(_, a)| layout::normalize_header(a).0 == *t)
            })
        {
            return true;
        }
        let same = self
            .header_keys
            .iter()
            .filter(|(c, k)| {
                cell_text(self.sheet.cell(row, *c))
                    .is_some_and(|t| layout::normalize_header(&t).0 == *k)
            })
            .count();
        // A row of a deeper band met again may hold one text (2024年 over the months).
        (same >= 2 && same * 2 >= texts.len()) || (same >= 1 && same == texts.len())
    }
    /// A header met again below with its columns in another order (a
    /// second table on the sheet, 预算金额 where 已拨付 was): the first such
    /// row. Read with the first header's columns its rows would be misread.
    pub fn moved_header(&self) -> Option<u32> {
        self.data_rows().find(|&row| {
            let cells = self.sheet.row_cells(row);
            cells.len() >= 2
                && cells
                    .iter()
                    .all(|(_, v)| matches!(v, Data::String(s) if !s.trim().is_empty()))
                && {
                    let keys: Vec<(u32, String)> = cells
                        .iter()
                        .filter_map(|(c, v)| {
                            cell_text(v).map(|t| (*c, layout::normalize_header(&t).0))
                        })
                        .collect();
                    // The header's columns of a key (one, for a key it names once).
                    let at = |k: &String| -> Vec<u32> {
                        self.header_keys
                            .iter()
                            .filter(|(_, h)| h == k)
                            .map(|(c, _)| *c)
                            .collect()
                    };
                    let named = keys.iter().filter(|(_, k)| !at(k).is_empty()).count();
                    named >= 2
                        && named * 2 >= keys.len()
                        && keys
                            .iter()
                            .any(|(c, k)| matches!(at(k).as_slice(), [hc] if hc != c))
                }
        })
    }
    /// Where the table under a moved header starts: its header row, or the
    /// first of the text-only lines right above it (its title, 单位 line),
    /// back to a blank line or a row with a number.
    pub fn second_table_start(&self, header: u32) -> u32 {
        let mut start = header;
        while start > self.header_row + self.header_depth {
            let cells = self.sheet.row_cells(start - 1);
            if cells.is_empty()
                || cells.iter().all(|(_, v)| super::cells::is_blank(v))
                || cells.iter().any(|(_, v)| !matches!(v, Data::String(_)))
            {
                break;
            }
            start -= 1;
        }
        start
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

pub(crate) fn cell_text(v: &Data) -> Option<String> {
    match v {
        Data::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// Required columns not found, after the stand-ins: the name for a missing
/// 项目编号, the per-fund budget columns for 预算金额 and 资金性质, a default
/// 资金性质 from the mapping.
fn missing_required(
    spec: &SheetSpec,
    m: &Matched,
    mapping: &Mapping,
    fund_known: bool,
    sections: &dyn Fn() -> bool,
) -> Vec<&'static ColumnSpec> {
    spec.columns
        .iter()
        .filter(|c| c.required && !m.columns.contains_key(&c.field))
        .filter(|c| !(c.field == Field::Category && sections()))
        .filter(|c| !(c.field == Field::ProjectId && m.columns.contains_key(&Field::ProjectName)))
        .filter(|c| !matches!(c.field, Field::Budget | Field::FundSource) || m.splits.is_empty())
        .filter(|c| {
            !(c.field == Field::FundSource
                && (fund_known || mapping.default_value(spec.role, c.header).is_some()))
        })
        .collect()
}

/// The headers a partial match found, for the message.
fn found_names(m: &Matched) -> Vec<String> {
    let mut v: Vec<String> = m
        .columns
        .iter()
        .map(|c| format!("{}（{}）", layout::header_key(c.spec), c.header_cell.a1()))
        .collect();
    if !m.splits.is_empty() {
        v.push(format!("{} 个分资金来源的金额列", m.splits.len()));
    }
    if !m.unknown.is_empty() {
        v.push(format!("未识别的列 {}", m.unknown.join("、")));
    }
    v
}

/// No header found: say which row came closest, what it had, what is
/// missing and the mapping line that would fix it.
fn missing_message(
    sheet: &RawSheet,
    role: SheetRole,
    best: Option<(usize, u32, Vec<&'static ColumnSpec>, Vec<String>)>,
) -> String {
    let spec = layout::sheet_spec(role);
    let (missing, where_, have) = match best {
        Some((_, row, missing, have)) => (missing, format!("第{}行表头中", row + 1), have),
        None => (
            spec.columns.iter().filter(|c| c.required).collect(),
            format!("前{HEADER_SEARCH_ROWS}行中"),
            Vec::new(),
        ),
    };
    let names: Vec<String> = missing
        .iter()
        .map(|c| format!("“{}”", layout::header_key(c)))
        .collect();
    let fix: Vec<String> = missing
        .iter()
        .map(|c| format!("{} = \"（您表中的列名）\"", layout::header_key(c)))
        .collect();
    let have = if have.is_empty() {
        String::new()
    } else {
        format!("已找到的列：{}；", have.join("、"))
    };
    format!(
        "工作表“{}”缺少必填列 {}（在{}未找到；{}可在映射文件中写 [columns.{}] {}，用 --mapping 指定）",
        sheet.name,
        names.join("、"),
        where_,
        have,
        spec.name,
        fix.join("，")
    )
}

/// Row `r` continues a header band whose last row is `r - 1`: it names
/// columns (sub-header words, months, a year) and sits under merged or
/// spanning cells — of the row above, or (one parent over a year over the
/// months, without merges) its own over the row below.
fn band_continues(sheet: &RawSheet, r: u32) -> bool {
    r > 0
        && r < sheet.end_row()
        && is_subheader_row(sheet, r)
        && (looks_two_deep(sheet, r - 1)
            || (r + 1 < sheet.end_row()
                && is_subheader_row(sheet, r + 1)
                && looks_two_deep(sheet, r)))
}

/// Where a table's header was found, before the table is built.
struct Found {
    row: u32,
    depth: u32,
    m: Matched,
}

pub fn locate_table<'a>(
    sheet: &'a RawSheet,
    role: SheetRole,
    mapping: &Mapping,
) -> Result<Table<'a>, String> {
    let spec = layout::sheet_spec(role);
    let first = sheet.first_row();
    let last = (first + HEADER_SEARCH_ROWS).min(sheet.end_row());
    let mut best: Option<(usize, u32, Vec<&'static ColumnSpec>, Vec<String>)> = None;
    let mut found: Option<Found> = None;
    let rows: Vec<(u32, Option<u32>)> = match mapping.header_rows(role) {
        Some((r, depth)) => vec![(r, Some(depth))],
        None => (first..last).map(|r| (r, None)).collect(),
    };
    // Asked for each header row tried: the sheet's rows scanned once.
    let section_rows = SectionRows::default();
    for (row, forced_depth) in rows {
        // Titles and context lines (填报单位：… | 截至… | 单位：…) are never header rows.
        if forced_depth.is_none() && (is_title_row(sheet, row) || is_context_row(sheet, row)) {
            continue;
        }
        // A title naming one fund stands in for a 资金性质 column.
        let fund_known = role == SheetRole::Projects
            && sheet
                .rows_from(0)
                .take_while(|(r, _)| *r < row)
                .flat_map(|(_, cells)| cells.iter())
                .filter_map(|(_, v)| cell_text(v))
                .any(|t| {
                    super::context::title_fund(
                        &t.chars().filter(|c| !c.is_whitespace()).collect::<String>(),
                    )
                    .is_some()
                });
        let try_depth = |depth: u32| {
            let m = match_headers(header_cells(sheet, row, depth), spec, mapping);
            let sections = || role == SheetRole::Projects && section_rows.below(sheet, row + depth);
            let missing = missing_required(spec, &m, mapping, fund_known, &sections);
            (m, missing)
        };
        let (m1, miss1) = try_depth(forced_depth.unwrap_or(1));
        // A parent row over a deeper band may have no gap of its own (no
        // merges, one parent over 2024年 over the months).
        let two = forced_depth.is_none()
            && row + 1 < sheet.end_row()
            && (looks_two_deep(sheet, row)
                || (row + 2 < sheet.end_row()
                    && is_subheader_row(sheet, row + 1)
                    && looks_two_deep(sheet, row + 1)));
        // Two rows, or deeper while each further row sits under merged or
        // spanning cells (项目基本情况 | 资金情况 over 资金规模 over 中央 …).
        let (m2, miss2, d2) = if two {
            let (mut m, mut miss, mut d) = {
                let (m, miss) = try_depth(2);
                (m, miss, 2)
            };
            while !miss.is_empty() && d < layout::MAX_HEADER_DEPTH && band_continues(sheet, row + d)
            {
                let (mm, mi) = try_depth(d + 1);
                if !mi.is_empty() {
                    break;
                }
                (m, miss, d) = (mm, mi, d + 1);
            }
            (m, miss, d)
        } else {
            (Matched::empty(), vec![], 2)
        };
        let sub = two && is_subheader_row(sheet, row + 1);
        let pick =
            if two && miss2.is_empty() && (m2.count() > m1.count() || sub || !miss1.is_empty()) {
                Some((d2, m2))
            } else if miss1.is_empty() {
                Some((forced_depth.unwrap_or(1), m1))
            } else {
                for (m, missing, depth) in [(&m1, &miss1, 1), (&m2, &miss2, d2)] {
                    if missing.is_empty() {
                        continue;
                    }
                    let score = spec.columns.iter().filter(|c| c.required).count() - missing.len();
                    if score > 0 && best.as_ref().is_none_or(|(n, ..)| score > *n) {
                        let names = found_names(m);
                        best = Some((score, row + depth - 1, missing.clone(), names));
                    }
                }
                None
            };
        if let Some((mut depth, mut m)) = pick {
            // Deeper bands by the same evidence: each further row sits under
            // merged or spanning cells of the row above and names columns
            // (中央 | 省级 under 财政衔接资金, 本月 | 累计 under 1月).
            // The deepest band whose reading loses nothing is taken.
            let mut d = depth;
            while forced_depth.is_none()
                && (2..layout::MAX_HEADER_DEPTH).contains(&d)
                && band_continues(sheet, row + d)
            {
                d += 1;
                let (md, missing) = try_depth(d);
                if missing.is_empty() && md.count() >= m.count() && md.conflicts.is_empty() {
                    depth = d;
                    m = md;
                }
            }
            found = Some(Found { row, depth, m });
            break;
        }
    }
    let Some(Found { row, depth, m }) = found else {
        return Err(missing_message(sheet, role, best));
    };
    if !m.conflicts.is_empty() {
        return Err(crate::model::Finding::ColumnConflict.fatal(format!(
            "工作表“{}”{}",
            sheet.name,
            m.conflicts.join("；")
        )));
    }
    // A sub-header row the match didn't need is still a header, never a record.
    let depth = if depth == 1
        && row + 1 < sheet.end_row()
        && looks_two_deep(sheet, row)
        && is_subheader_row(sheet, row + 1)
    {
        2
    } else {
        depth
    };
    let mut m = m;
    // A row of units under the header (元 | 万元) is part of it.
    let depth = depth + u32::from(super::header::units_row(sheet, row + depth, &mut m));
    let header_end = row + depth - 1;
    reconsider_text_fields(sheet, role, header_end, &mut m, mapping)?;
    let line = match unit_line(sheet, row)? {
        Some(l) => Some(l),
        None => super::unit::unit_in_header(sheet, row..=header_end)
            .or_else(|| super::unit::unit_in_notes(sheet, header_end)),
    };
    let default_unit = match (mapping.unit(role), &line) {
        (Some(u), _) => Some(u),
        (None, Some((u, _))) => Some(*u),
        (None, None) => None,
    };
    let unit_from = match (mapping.unit(role), &line) {
        (Some(u), _) => Some((u, "映射文件 [units]".to_string())),
        (None, Some((u, at))) => Some((*u, at.to_string())),
        (None, None) => m
            .columns
            .iter()
            .find_map(|c| c.unit.map(|u| (u, format!("表头 {}", c.header_cell))))
            .or_else(|| {
                m.splits
                    .iter()
                    .find_map(|s| s.unit.map(|u| (u, "表头".to_string())))
            }),
    };
    // A column's own unit that contradicts the unit line: the header wins
    // for its column when the line still gives other amount columns their
    // unit (said once per column); when it gives none, the two say
    // different things of the same figures — an error.
    let mut unit_notes = Vec::new();
    let line_used = m
        .columns
        .iter()
        .any(|c| c.unit.is_none() && c.spec.kind == layout::Kind::Money)
        || m.splits.iter().any(|s| s.unit.is_none())
        || m.months.iter().any(|x| x.unit.is_none())
        || m.month_cums.iter().any(|x| x.unit.is_none());
    if mapping.unit(role).is_none()
        && let Some((u, at)) = &line
        && line_used
    {
        for c in m
            .columns
            .iter()
            .filter(|c| c.unit.is_some_and(|cu| cu != *u))
        {
            unit_notes.push(crate::model::Problem::at(
                crate::model::Finding::UnitOverride,
                &c.header_cell,
                format!(
                    "{at} 写“单位：{}”，而表头 {} 写“{}”：该列按表头的{}读，其余金额列按{}读；如不是这样，请改正其中一处",
                    u.name(),
                    c.header_cell,
                    c.unit.map(MoneyUnit::name).unwrap_or_default(),
                    c.unit.map(MoneyUnit::name).unwrap_or_default(),
                    u.name()
                ),
            ));
        }
    } else if mapping.unit(role).is_none()
        && let Some((u, at)) = &line
        && let Some(c) = m.columns.iter().find(|c| c.unit.is_some_and(|cu| cu != *u))
    {
        return Err(format!(
            "工作表“{}”的金额单位有两种说法：{at} 写“单位：{}”，表头 {} 写“{}”；请删去其中一处，或用 --mapping 的 [units] 指定",
            sheet.name,
            u.name(),
            c.header_cell,
            c.unit.map(MoneyUnit::name).unwrap_or_default()
        ));
    }
    let mut header_keys = Vec::new();
    for r in row..=header_end {
        for (c, v) in sheet.row_cells(r) {
            if let Some(t) = cell_text(v) {
                header_keys.push((*c, layout::normalize_header(&t).0));
            }
        }
    }
    let above = sheet
        .rows_from(0)
        .take_while(|(r, _)| *r < row)
        .flat_map(|(r, cells)| {
            cells.iter().filter_map(move |(c, v)| {
                cell_text(v).map(|t| (CellRef::new(&sheet.name, r, *c), t))
            })
        })
        .collect();
    let mut filled = std::collections::HashMap::new();
    for mg in &sheet.merges {
        if mg.start.0 > header_end && mg.end.0 > mg.start.0 {
            // Bounded: a merge can't cover more rows than the sheet holds.
            let rows = (mg.end.0 - mg.start.0).min(100_000);
            for r in mg.start.0..=mg.start.0 + rows {
                for c in mg.start.1..=mg.end.1.min(mg.start.1 + 64) {
                    if (r, c) != mg.start {
                        filled.insert((r, c), mg.start);
                    }
                }
            }
        }
    }
    Ok(Table {
        sheet,
        name: sheet.name.as_str().into(),
        role,
        header_row: row,
        header_depth: depth,
        columns: m.columns,
        fund_splits: m.splits,
        default_unit,
        unit_from,
        month_columns: m.months,
        month_cums: m.month_cums,
        paths: m.paths,
        decisions: m.decisions,
        unit_notes,
        filled,
        header_keys,
        above,
        year: std::cell::Cell::new(None),
        date_forms: std::cell::RefCell::new(Vec::new()),
    })
}

/// A text field (资金性质, 项目类别, 建设状态) whose cells are mostly
/// numbers was misread from its header: it is not that field. Its header
/// is reconsidered (a fund-named one is a budget part); if the field is
/// then missing, the table is refused naming the column — rows are never
/// dropped for it.
fn reconsider_text_fields(
    sheet: &RawSheet,
    role: SheetRole,
    header_end: u32,
    m: &mut Matched,
    mapping: &Mapping,
) -> Result<(), String> {
    for field in [Field::FundSource, Field::Category, Field::Status] {
        let Some(c) = m.columns.get(&field) else {
            continue;
        };
        let (mut n, mut numbers, mut example) = (0, 0, None);
        for (r, _) in sheet.rows_from(header_end + 1).take(200) {
            let v = sheet.cell(r, c.col);
            let number = match v {
                Data::Float(_) | Data::Int(_) => true,
                Data::String(t) if !t.trim().is_empty() => {
                    super::value::parse_amount_text(t).is_ok()
                }
                _ => continue,
            };
            n += 1;
            if number {
                numbers += 1;
                example.get_or_insert_with(|| {
                    (
                        CellRef::new(&sheet.name, r, c.col),
                        super::value::show_cell(v),
                    )
                });
            }
            if n >= 40 {
                break;
            }
        }
        if n < 2 || numbers * 2 <= n {
            continue;
        }
        let c = m.columns.remove(&field).expect("present");
        let header = layout::header_key(c.spec);
        let (at, shown) = example.expect("a number was seen");
        let mut became = None;
        if let Some(p) = m.paths.iter_mut().find(|p| p.0 == c.col) {
            let own = p.1.rsplit('/').next().unwrap_or(&p.1).to_string();
            if role == SheetRole::Projects
                && let Some((fund, level)) =
                    layout::split_of(&layout::normalize_header(&own).0, None)
            {
                m.splits.push(FundSplit {
                    col: c.col,
                    fund: fund.to_string(),
                    level,
                    unit: c.unit,
                });
                p.2 = Some(format!("budget:{fund}"));
                became = Some(format!("按表头读作“{fund}”的预算金额"));
            } else {
                p.2 = None;
            }
        }
        m.decisions.push(format!(
            "{}列（表头 {}）的 {n} 个单元格中 {numbers} 个是数字（如 {at} {shown}），不是{header}，{}",
            crate::model::col_name(c.col),
            c.header_cell,
            became.as_deref().unwrap_or("不作为该列读取")
        ));
        let still_ok = match field {
            Field::FundSource => {
                !m.splits.is_empty()
                    || mapping.default_value(role, c.spec.header).is_some()
                    || sheet
                        .rows_from(0)
                        .take_while(|(r, _)| *r < header_end)
                        .flat_map(|(_, cells)| cells.iter())
                        .filter_map(|(_, v)| cell_text(v))
                        .any(|t| super::context::title_fund(&t).is_some())
            }
            Field::Category => false,
            _ => true,
        };
        if !still_ok {
            return Err(format!(
                "工作表“{}”的{header}列（表头 {}）大多是数字（如 {at} {shown}），不像{header}：表头可能读错了。请检查表头，或在映射文件中写 [columns.{}] {header} = \"（您表中的列名）\"，用 --mapping 指定",
                sheet.name,
                c.header_cell,
                layout::sheet_spec(role).name
            ));
        }
    }
    Ok(())
}

/// How a sheet was chosen for a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    Name,
    Alias,
    Mapping,
    Content,
    /// A hidden sheet, used because no visible one fits.
    Hidden,
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
    // Visible sheets first: a hidden sheet (often an old copy) is used only
    // when no visible sheet fits.
    for hidden in [false, true] {
        let free = || {
            book.sheets
                .iter()
                .filter(|s| s.hidden == hidden && !taken.contains(&s.name.as_str()))
        };
        if let Some(s) = free().find(|s| key(&s.name) == spec.name) {
            return Some((
                s,
                if hidden {
                    FoundBy::Hidden
                } else {
                    FoundBy::Name
                },
            ));
        }
        if let Some(s) = free().find(|s| spec.aliases.iter().any(|a| key(&s.name) == *a)) {
            return Some((
                s,
                if hidden {
                    FoundBy::Hidden
                } else {
                    FoundBy::Alias
                },
            ));
        }
        // Only the ledger's two tables are worth finding by content.
        if !matches!(role, SheetRole::Projects | SheetRole::Payments) {
            continue;
        }
        if let Some(s) = free().find(|s| match locate_table(s, role, mapping) {
            Ok(_) => true,
            Err(e) => e.contains(super::columns::CONFLICT),
        }) {
            return Some((
                s,
                if hidden {
                    FoundBy::Hidden
                } else {
                    FoundBy::Content
                },
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Data;

    fn sheet(rows: &[&[&str]]) -> RawSheet {
        let mut cells = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            for (c, t) in row.iter().enumerate() {
                if !t.is_empty() {
                    cells.push((r as u32, c as u32, Data::String(t.to_string())));
                }
            }
        }
        RawSheet::new("项目库", cells, Vec::new(), Vec::new())
    }

    #[test]
    fn a_text_field_of_numbers_is_reconsidered_never_read_as_values() {
        let s = sheet(&[
            &["项目编号", "项目名称", "项目类别", "资金来源", "预算金额"],
            &["A", "路", "产业项目", "58.6", "60"],
            &["B", "桥", "产业项目", "12", "12"],
        ]);
        // 资金来源 holds amounts: refused, naming the column and a value.
        let e = locate_table(&s, SheetRole::Projects, &Mapping::default())
            .err()
            .expect("refused");
        assert!(e.contains("D1") && e.contains("58.6"), "{e}");
        // 建设进度 holding numbers is not the status; the table is still read.
        let s = sheet(&[
            &[
                "项目编号",
                "项目名称",
                "项目类别",
                "资金性质",
                "预算金额",
                "建设进度",
            ],
            &["A", "路", "产业项目", "衔接资金", "1", "0.5"],
            &["B", "桥", "产业项目", "衔接资金", "2", "1"],
        ]);
        let t = locate_table(&s, SheetRole::Projects, &Mapping::default()).unwrap();
        assert!(!t.has(Field::Status));
        assert!(
            t.decisions.iter().any(|d| d.contains("F列")),
            "{:?}",
            t.decisions
        );
    }

    #[test]
    fn a_project_library_header_with_a_qualified_budget_parent() {
        let s = sheet(&[
            &["某某镇2024年度项目库"],
            &["单位：万元"],
            &[
                "项 目 编 号",
                "项目\n名称",
                "项目类别",
                "资金性质",
                "资金规模及筹资方式",
                "",
                "",
                "审定结算金额",
                "建设进度",
                "计划开工时间",
                "实施年月",
            ],
            &[
                "",
                "",
                "",
                "",
                "合 计",
                "衔接资金",
                "其他\n资金",
                "",
                "",
                "",
                "",
            ],
            &[
                "HD-01",
                "光伏",
                "产业项目",
                "衔接资金",
                "80",
                "80",
                "",
                "",
                "",
                "",
                "",
            ],
        ]);
        let t = locate_table(&s, SheetRole::Projects, &Mapping::default()).unwrap();
        assert_eq!((t.header_row, t.header_depth), (2, 2));
        assert_eq!(t.columns.get(&Field::Budget).map(|c| c.col), Some(4));
        assert_eq!(t.fund_splits.len(), 2);
    }
}
