//! Finding a table in a sheet: which sheet, which row is the header (one or
//! two rows deep, anywhere in the first rows), which column is which field,
//! and what unit the amounts are in.

use super::book::{RawBook, RawSheet};
use super::layout::{self, ColumnSpec, Field, MoneyUnit, SheetRole, SheetSpec};
use super::mapping::Mapping;
use crate::model::CellRef;
use calamine::{Data, Dimensions};

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
    /// Month columns (1月 … 12月 under a parent such as 拨付金额).
    pub month_columns: Vec<MonthColumn>,
    /// Data cells covered by a vertical merge → the merge's first cell, whose
    /// value they share (项目类别 merged down over its projects).
    pub filled: std::collections::HashMap<(u32, u32), (u32, u32)>,
    /// Normalised header texts by column, to know the header when a printed
    /// ledger repeats it further down.
    pub header_keys: Vec<(u32, String)>,
    /// Text rows above the header (title, 单位 line, notes), for the fund or
    /// cut-off date they may state.
    pub above: Vec<(CellRef, String)>,
}

/// One month's column of a ledger that keeps payments by month.
pub struct MonthColumn {
    pub col: u32,
    pub year: Option<i32>,
    pub month: u32,
    pub unit: Option<MoneyUnit>,
}

impl Table<'_> {
    /// Rows below the header that hold cells (blank rows are not visited).
    pub fn data_rows(&self) -> impl Iterator<Item = u32> + '_ {
        self.sheet
            .rows_from(self.header_row + self.header_depth)
            .map(|(r, _)| r)
    }
    /// First and last column of the table (its header's extent).
    pub fn span(&self) -> (u32, u32) {
        let cols: Vec<u32> = self
            .header_keys
            .iter()
            .map(|(c, _)| *c)
            .chain(self.columns.iter().map(|c| c.col))
            .collect();
        let lo = cols.iter().copied().min().unwrap_or(0);
        let hi = cols.iter().copied().max().unwrap_or(u32::MAX);
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
        same >= 2 && same * 2 >= texts.len()
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
    /// The text the column is known by (the child, or the cell itself).
    own: String,
    unit: Option<MoneyUnit>,
    at: CellRef,
}

/// Children that only restate their parent ("资金规模 | 合计").
const PARENT_ONLY: &[&str] = &["合计", "小计", "总计", "金额", "计"];

/// A horizontal merge starting in `row` that spans the whole table (a title
/// such as "某某镇2024年度衔接资金项目台账"), not a parent over some columns.
fn is_title_merge(sheet: &RawSheet, m: &Dimensions, row: u32) -> bool {
    // A merge begun above the header row, or the only text of its row.
    m.start.0 < row || is_title_row(sheet, m.start.0)
}

/// A row that can't be a header: fewer than two cells, or a single text
/// spread over the table by a merge.
fn is_title_row(sheet: &RawSheet, row: u32) -> bool {
    sheet
        .row_cells(row)
        .iter()
        .filter(|(_, v)| cell_text(v).is_some())
        .count()
        < 2
}

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
                    candidates: vec![t.clone()],
                    parent: None,
                    own: t,
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
                    && !is_title_merge(sheet, m, row)
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
        let (candidates, at, own_text) = match (&child, &parent) {
            (Some(c), Some(p)) => {
                let mut v = vec![c.clone(), format!("{p}{c}")];
                if PARENT_ONLY.contains(&layout::normalize_header(c).0.as_str()) {
                    v.push(p.clone());
                }
                (v, CellRef::new(&sheet.name, row + 1, col), c.clone())
            }
            (Some(c), None) => (
                vec![c.clone()],
                CellRef::new(&sheet.name, row + 1, col),
                c.clone(),
            ),
            (None, Some(p)) => (
                vec![p.clone()],
                CellRef::new(&sheet.name, row, col),
                p.clone(),
            ),
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
            own: own_text,
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
        if m.start.0 < row + depth && row <= m.end.0 && m.end.1 - m.start.1 < 1024 {
            cols.extend(m.start.1..=m.end.1);
        }
    }
    cols.sort_unstable();
    cols.dedup();
    cols
}

/// The mapping's column for a field, if the user named one.
fn mapped(spec: &ColumnSpec, role: SheetRole, mapping: &Mapping) -> Option<String> {
    mapping.column_alias(role, spec.header)
}

fn spec_matches(spec: &ColumnSpec, role: SheetRole, key: &str, mapping: &Mapping) -> bool {
    match mapped(spec, role, mapping) {
        // A mapped column is found by the user's name only, so it can't be taken by an alias.
        Some(alias) => alias == key,
        None => layout::header_matches(spec, key),
    }
}

/// Does a header (exactly, or by meaning) name the budget?
fn is_budget_header(key: &str, spec: &SheetSpec) -> bool {
    spec.columns
        .iter()
        .any(|c| c.field == Field::Budget && layout::header_matches(c, key))
        || (spec.role == SheetRole::Projects
            && layout::field_by_meaning(SheetRole::Projects, key) == Some(Field::Budget))
}

/// The fund a budget sub-column stands for, if it is one: its name is a
/// fund spelling and its parent (if any) names the budget.
fn split_fund(parent: Option<&str>, child_key: &str, spec: &SheetSpec) -> Option<String> {
    let parent_key = layout::normalize_header(parent?).0;
    if !is_budget_header(&parent_key, spec) {
        return None;
    }
    let child = child_key
        .trim_start_matches("其中")
        .trim_start_matches([':', '：']);
    let fund = layout::normalize_value(child);
    (layout::KNOWN_FUNDS.contains(&fund.as_str())).then_some(fund)
}

struct Matched {
    columns: FieldMap,
    splits: Vec<FundSplit>,
    months: Vec<MonthColumn>,
    /// Header texts nothing took (shown when a required column is missing).
    unknown: Vec<String>,
}

impl Matched {
    fn count(&self) -> usize {
        self.columns.len() + self.splits.len() + self.months.len()
    }
}

fn match_headers(cells: Vec<HeaderCell>, spec: &'static SheetSpec, mapping: &Mapping) -> Matched {
    let mut columns = FieldMap::default();
    let mut splits = Vec::new();
    let mut months = Vec::new();
    let mut unmatched = Vec::new();
    let add = |columns: &mut FieldMap, h: &HeaderCell, c: &'static ColumnSpec| {
        columns.insert(
            c.field,
            Column {
                col: h.col,
                unit: h.unit,
                spec: c,
                header_cell: h.at.clone(),
            },
        );
    };
    'cells: for h in cells {
        for text in &h.candidates {
            let key = layout::normalize_header(text).0;
            if key.is_empty() {
                continue;
            }
            if let Some(c) = spec.readable().find(|c| {
                !columns.contains_key(&c.field) && spec_matches(c, spec.role, &key, mapping)
            }) {
                add(&mut columns, &h, c);
                continue 'cells;
            }
            if let Some(fund) = split_fund(h.parent.as_deref(), &key, spec) {
                splits.push(FundSplit {
                    col: h.col,
                    fund,
                    unit: h.unit,
                });
                continue 'cells;
            }
        }
        let own = layout::normalize_header(&h.own).0;
        if spec.role == SheetRole::Projects
            && h.parent.is_some()
            && let Some((year, month)) = layout::month_header(&own)
        {
            months.push(MonthColumn {
                col: h.col,
                year,
                month,
                unit: h.unit,
            });
            continue;
        }
        unmatched.push(h);
    }
    // Then headers by meaning ("资金规模及筹资方式", "结算审定金额"), for fields
    // no exact name took and the mapping doesn't name.
    let mut unknown = Vec::new();
    for h in unmatched {
        // A field the mapping names but whose column isn't there: its
        // built-in names still find it (the mapping line is reported).
        if let Some(c) = spec.readable().find(|c| {
            !columns.contains_key(&c.field)
                && mapped(c, spec.role, mapping).is_some()
                && h.candidates
                    .iter()
                    .any(|t| layout::header_matches(c, &layout::normalize_header(t).0))
        }) {
            add(&mut columns, &h, c);
            continue;
        }
        let own = layout::normalize_header(&h.own).0;
        let by_meaning = layout::field_by_meaning(spec.role, &own).or_else(|| {
            h.parent
                .as_deref()
                .and_then(|p| layout::field_by_meaning(spec.role, &layout::normalize_header(p).0))
                .filter(|_| PARENT_ONLY.contains(&own.as_str()))
        });
        if let Some(f) = by_meaning
            && !columns.contains_key(&f)
            && let Some(c) = spec.readable().find(|c| c.field == f)
        {
            add(&mut columns, &h, c);
        } else {
            unknown.push(format!("“{}”（{}）", h.own.replace('\n', ""), h.at.a1()));
        }
    }
    Matched {
        columns,
        splits,
        months,
        unknown,
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
) -> Vec<&'static ColumnSpec> {
    spec.columns
        .iter()
        .filter(|c| c.required && !m.columns.contains_key(&c.field))
        .filter(|c| !(c.field == Field::ProjectId && m.columns.contains_key(&Field::ProjectName)))
        .filter(|c| !(matches!(c.field, Field::Budget | Field::FundSource) && !m.splits.is_empty()))
        .filter(|c| {
            !(c.field == Field::FundSource
                && (fund_known || mapping.default_value(spec.role, c.header).is_some()))
        })
        .collect()
}

/// Signs of a two-row header at `row`: a merge in it (not a title), or a gap
/// in it with text below (a parent spanning children).
fn looks_two_deep(sheet: &RawSheet, row: u32) -> bool {
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
            || layout::normalize_value(&key) != key
        {
            known += 1;
        }
    }
    known > 0
}

/// A "单位：元" statement in the rows above the table, anywhere in a cell's
/// text ("填报单位：某某镇人民政府（盖章）　单位：元"). Two different units
/// stated there is an error naming both cells.
fn unit_line(sheet: &RawSheet, above: u32) -> Result<Option<(MoneyUnit, CellRef)>, String> {
    let mut found: Option<(MoneyUnit, CellRef)> = None;
    for (row, cells) in sheet.rows_from(0).take_while(|(r, _)| *r < above) {
        for (col, v) in cells {
            let Some(t) = cell_text(v) else {
                continue;
            };
            let Some(unit) = stated_unit(&t) else {
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

/// The unit a text states with "单位：…" (not 填报单位/实施单位 …).
pub fn stated_unit(text: &str) -> Option<MoneyUnit> {
    let t: String = super::value::fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    t.match_indices("单位").find_map(|(i, _)| {
        let rest = t[i + "单位".len()..].trim_start_matches([':', '(', '（', '为', '是']);
        let unit = MoneyUnit::prefix_of(rest)?;
        // "单位：元" but not "单位：元宝山镇": the unit word ends the statement.
        let after = &rest[unit.name().len()..];
        (after.is_empty()
            || after.starts_with([')', '）', ',', ';', '，', '；', '。', '|', '/'])
            || !after.starts_with(|c: char| c.is_alphanumeric()))
        .then_some(unit)
    })
}

fn m1_empty() -> Matched {
    Matched {
        columns: FieldMap::default(),
        splits: Vec::new(),
        months: Vec::new(),
        unknown: Vec::new(),
    }
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
    for (row, forced_depth) in rows {
        if forced_depth.is_none() && is_title_row(sheet, row) {
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
            let missing = missing_required(spec, &m, mapping, fund_known);
            (m, missing)
        };
        let (m1, miss1) = try_depth(forced_depth.unwrap_or(1));
        let two = forced_depth.is_none() && row + 1 < sheet.end_row() && looks_two_deep(sheet, row);
        let (m2, miss2) = if two {
            try_depth(2)
        } else {
            (m1_empty(), vec![])
        };
        let sub = two && is_subheader_row(sheet, row + 1);
        let pick =
            if two && miss2.is_empty() && (m2.count() > m1.count() || sub || !miss1.is_empty()) {
                Some((2, m2))
            } else if miss1.is_empty() {
                Some((forced_depth.unwrap_or(1), m1))
            } else {
                for (m, missing, depth) in [(&m1, &miss1, 1), (&m2, &miss2, 2)] {
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
        if let Some((depth, m)) = pick {
            found = Some(Found { row, depth, m });
            break;
        }
    }
    let Some(Found { row, depth, m }) = found else {
        return Err(missing_message(sheet, role, best));
    };
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
    let header_end = row + depth - 1;
    let line = unit_line(sheet, row)?;
    let default_unit = match (mapping.unit(role), &line) {
        (Some(u), _) => Some(u),
        (None, Some((u, _))) => Some(*u),
        (None, None) => None,
    };
    // A column's own unit that contradicts the unit line is the same error.
    if mapping.unit(role).is_none()
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
        month_columns: m.months,
        filled,
        header_keys,
        above,
    })
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
        if let Some(s) = free().find(|s| locate_table(s, role, mapping).is_ok()) {
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
