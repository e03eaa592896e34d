//! A small format-neutral sheet model: every table we write is data first,
//! so it can be inspected in tests, and one writer maps it to xlsx.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    /// Computed money, rates, counts: exact until the writer.
    Number(Decimal),
    /// A number copied from the input, kept bit for bit.
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
    /// An Excel serial copied from the input (with a time part when `true`).
    Serial(f64, bool),
    /// A formula (without "=") and the result the tool computed for it.
    Formula(String, Box<Value>),
}

impl Value {
    /// A rate given in percent (56.62) as the fraction a `0.00%` cell shows
    /// (0.5662); "—" when there is none (a zero budget). The one place the
    /// ÷100 is done.
    pub fn rate(percent: Option<Decimal>) -> Value {
        match percent {
            Some(p) => Value::Number(p / Decimal::ONE_HUNDRED),
            None => Value::Text("—".into()),
        }
    }
}

/// What a cell is, which decides how it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Input copied as is.
    Raw,
    /// Long text copied from the input, wrapped in its column.
    RawWrap,
    Title,
    /// A line under the title (cut-off date, unit).
    Caption,
    Header,
    Section,
    Text,
    Money,
    Rate,
    Count,
    Date,
    Month,
    TotalText,
    TotalMoney,
    TotalRate,
    TotalCount,
    /// Explanatory text on 说明-like sheets (wrapped, no border).
    Note,
    /// Official forms: title, labels, text and numbers in 仿宋 with borders.
    FormTitle,
    FormLabel,
    FormText,
    FormMoney,
    FormRate,
    FormNumber,
    /// A line under a form (填报单位、填表人…): 仿宋, no border.
    FormFoot,
    /// Scores (0.00) in ordinary tables.
    Score,
    /// A red warning line inside the print area (rows left out of the sums).
    Banner,
    /// For the clerk to fill (monitoring form): light yellow, unlocked.
    FormInput,
    FormInputMoney,
}

impl Role {
    /// Every role, in declaration order (the order formats are registered).
    pub const ALL: [Role; 28] = [
        Role::Raw,
        Role::RawWrap,
        Role::Title,
        Role::Caption,
        Role::Header,
        Role::Section,
        Role::Text,
        Role::Money,
        Role::Rate,
        Role::Count,
        Role::Date,
        Role::Month,
        Role::TotalText,
        Role::TotalMoney,
        Role::TotalRate,
        Role::TotalCount,
        Role::Note,
        Role::FormTitle,
        Role::FormLabel,
        Role::FormText,
        Role::FormMoney,
        Role::FormRate,
        Role::FormNumber,
        Role::FormFoot,
        Role::Score,
        Role::Banner,
        Role::FormInput,
        Role::FormInputMoney,
    ];
}

// A role added to the enum but not to `Role::ALL` fails here.
const _: () = assert!(Role::ALL.len() == Role::FormInputMoney as usize + 1);

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub row: u32,
    pub col: u16,
    pub value: Value,
    pub role: Role,
    /// Named by a problem: red fill.
    pub flagged: bool,
    pub note: Option<String>,
}

impl Cell {
    /// A cell in its role's format: not flagged, no note.
    pub fn new(row: u32, col: u16, value: Value, role: Role) -> Cell {
        Cell {
            row,
            col,
            value,
            role,
            flagged: false,
            note: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub first_row: u32,
    pub first_col: u16,
    pub last_row: u32,
    pub last_col: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChartSeries {
    pub name: String,
    /// (first_row, last_row, col) on this sheet.
    pub rows: (u32, u32),
    pub col: u16,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    pub title: String,
    pub categories_col: u16,
    pub columns: Vec<ChartSeries>,
    pub lines: Vec<ChartSeries>,
    pub at: (u32, u16),
    /// Number format of the category labels (dates as months).
    pub category_format: Option<String>,
    /// Number format of the value axis ("0%" when the series are rates).
    pub value_format: Option<String>,
    /// Size in pixels (width, height).
    pub size: (u32, u32),
}

/// rust_xlsxwriter's default chart size.
pub const CHART_SIZE: (u32, u32) = (480, 288);

#[derive(Debug, Clone, PartialEq)]
pub struct ListValidation {
    pub col: u16,
    pub first_row: u32,
    pub last_row: u32,
    pub choices: Vec<String>,
}

/// Cells produced on demand, in row order, after a sheet's own cells: large
/// tables are written without first holding every cell in memory.
pub type CellSource = std::sync::Arc<dyn Fn(&mut dyn FnMut(Cell)) + Send + Sync>;

/// A table's rows for `Sheet::take_rows`: `rows(full, emit)`, `full` false
/// when only measuring.
pub type Rows = Arc<dyn Fn(bool, &mut dyn FnMut(Cell)) + Send + Sync>;

/// How many cells a table's rows hold and the rows they reach.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowsSize {
    pub cells: usize,
    pub first_row: Option<u32>,
    pub last_row: u32,
}

impl RowsSize {
    fn add(&mut self, c: &Cell) {
        self.cells += 1;
        self.first_row = Some(self.first_row.map_or(c.row, |f| f.min(c.row)));
        self.last_row = self.last_row.max(c.row);
    }
}

/// A sheet of more cells than this is written row by row (as xlsx's own
/// threshold), so a table this large is produced on demand.
pub const LAZY_CELLS: usize = 50_000;

#[derive(Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub cells: Vec<Cell>,
    pub merges: Vec<Span>,
    pub widths: Vec<(u16, f64)>,
    /// Rows and columns above/left of this cell stay in view.
    pub freeze: Option<(u32, u16)>,
    pub autofilter: Option<Span>,
    /// What the printed page must show; `page_layout` decides the rest.
    pub print: Option<PageSetup>,
    pub charts: Vec<ChartSpec>,
    pub validations: Vec<ListValidation>,
    pub row_heights: Vec<(u32, f64)>,
    /// Large table: written row by row (rust_xlsxwriter's constant memory mode).
    pub stream: bool,
    /// Column formats: a cell of its column's role is written without its
    /// own format (far cheaper on large tables) and takes the column's.
    pub column_roles: Vec<(u16, Role)>,
    pub source: Option<CellSource>,
    /// The last row `source` writes (for the print area).
    pub source_rows: u32,
    /// The same cells as `source` for measuring widths and heights: formula
    /// texts may be left unspelled (only values and roles are looked at).
    pub measure: Option<CellSource>,
    /// How the rows `source` produces are fitted as they are written, set
    /// by `fit_heights` (their heights are not in `row_heights`).
    pub source_heights: Option<Arc<RowFit>>,
}

impl std::fmt::Debug for Sheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sheet")
            .field("name", &self.name)
            .field("cells", &self.cells.len())
            .field("source", &self.source.is_some())
            .finish()
    }
}

/// Which way a sheet would rather be printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    /// By width: portrait when the table fits a portrait page whole.
    #[default]
    Auto,
    /// Official forms: portrait unless that takes the text below 9 pt.
    Portrait,
    /// Copied input sheets.
    Landscape,
}

/// What a writer asks of the printed page. Orientation, scale and print area
/// are decided in one place, `page_layout`, from the column widths.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageSetup {
    /// Rows repeated at the top of every page (titles and headers).
    pub repeat_rows: Option<(u32, u32)>,
    /// Columns repeated at the left of every page when the table is too
    /// wide for one page (identifying columns: 编号, 名称).
    pub repeat_cols: Option<(u16, u16)>,
    /// Columns printed (first, last); all when `None`.
    pub columns: Option<(u16, u16)>,
    /// Page header, left: the unit (乡镇 / 县) the paper belongs to.
    pub unit: String,
    pub prefer: Orientation,
    /// An official form: on one page when that keeps the text ≥ 9 pt.
    pub one_page: bool,
}

impl PageSetup {
    pub fn new(unit: &str, repeat_rows: Option<(u32, u32)>) -> Self {
        PageSetup {
            repeat_rows,
            unit: unit.to_string(),
            ..Default::default()
        }
    }
    pub fn columns(mut self, first: u16, last: u16) -> Self {
        self.columns = Some((first, last));
        self
    }
    pub fn repeat_cols(mut self, first: u16, last: u16) -> Self {
        self.repeat_cols = Some((first, last));
        self
    }
    pub fn prefer(mut self, o: Orientation) -> Self {
        self.prefer = o;
        self
    }
    pub fn one_page(mut self) -> Self {
        self.one_page = true;
        self
    }
}

/// Excel lays a character of column width out as 7 px (Calibri's digit,
/// rounded); LibreOffice with Calibri's metric twin (Carlito) as 7.43 px. The
/// decision allows for the wider of the two, so a page fitted to width keeps
/// ≥ 9 pt in either.
pub const WIDTH_MARGIN: f64 = 7.43 / 7.0;

/// Body text size of every table and form (rust_xlsxwriter's default font size).
pub const BODY_PT: f64 = 11.0;
/// The smallest body text we print.
pub const MIN_PT: f64 = 9.0;
/// Scale used when a table is too wide to fit a page at ≥ 9 pt: split across
/// pages with repeated titles instead (90 % of 11 pt = 9.9 pt).
pub const SPLIT_SCALE: u16 = 90;
/// Margins in cm (left, right, top, bottom, header, footer): left and right
/// as GB/T 9704 (28 mm binding side, 26 mm), so a portrait page has the
/// official 156 mm text width; top and bottom leave room for the page header
/// and the page numbers.
pub const MARGINS_CM: [f64; 6] = [2.8, 2.6, 2.5, 2.5, 1.2, 1.2];
/// Landscape pages: the binding edge is the top, so the sides take less and
/// a wide table keeps its text larger.
pub const LANDSCAPE_MARGINS_CM: [f64; 6] = [1.8, 1.8, 2.8, 2.2, 1.4, 1.2];

/// The margins of a page, cm (left, right, top, bottom, header, footer).
pub fn margins_cm(landscape: bool) -> [f64; 6] {
    if landscape {
        LANDSCAPE_MARGINS_CM
    } else {
        MARGINS_CM
    }
}
const A4_MM: (f64, f64) = (210.0, 297.0);

/// How a sheet is printed, decided by `page_layout`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageLayout {
    pub landscape: bool,
    /// Fit to one page wide (any number of pages tall).
    pub fit_width: bool,
    /// Fit to one page tall as well (forms).
    pub fit_height: bool,
    /// Print scale in percent when not fitted to width.
    pub scale: u16,
    /// The scale the printed page ends up at (fitted or fixed), 0–1.
    pub effective_scale: f64,
    /// Body text size on paper, pt.
    pub body_pt: f64,
    /// Print area.
    pub first_col: u16,
    pub last_col: u16,
    pub last_row: u32,
    pub repeat_cols: Option<(u16, u16)>,
}

/// Excel's default column width (characters).
pub const DEFAULT_WIDTH: f64 = 8.43;
/// Excel's default row height, pt.
pub const DEFAULT_ROW_PT: f64 = 15.0;

/// Pixels of a column `w` characters wide (Excel, default 11 pt font).
pub fn col_px(w: f64) -> f64 {
    if w < 1.0 {
        (w * 12.0).round()
    } else {
        (w * 7.0 + 5.0).trunc()
    }
}

/// Printable height of an A4 page, pt.
pub fn printable_height_pt(landscape: bool) -> f64 {
    let paper = if landscape { A4_MM.0 } else { A4_MM.1 };
    let m = margins_cm(landscape);
    (paper - (m[2] + m[3]) * 10.0) / 25.4 * 72.0
}

/// Printable width of an A4 page, pt.
pub fn printable_pt(landscape: bool) -> f64 {
    let paper = if landscape { A4_MM.1 } else { A4_MM.0 };
    let m = margins_cm(landscape);
    (paper - (m[0] + m[1]) * 10.0) / 25.4 * 72.0
}

impl Sheet {
    pub fn width_of(&self, col: u16) -> f64 {
        self.widths
            .iter()
            .rev()
            .find(|(c, _)| *c == col)
            .map(|(_, w)| *w)
            .unwrap_or(DEFAULT_WIDTH)
    }
    fn row_px(&self, row: u32) -> f64 {
        self.row_heights
            .iter()
            .rev()
            .find(|(r, _)| *r == row)
            .map(|(_, h)| *h)
            .unwrap_or(DEFAULT_ROW_PT)
            / 0.75
    }
    /// The last row and column a chart covers.
    pub fn chart_extent(&self, spec: &ChartSpec) -> (u32, u16) {
        let (mut row, mut col) = spec.at;
        let mut w = col_px(self.width_of(col));
        while w < spec.size.0 as f64 {
            col += 1;
            w += col_px(self.width_of(col));
        }
        let mut h = self.row_px(row);
        while h < spec.size.1 as f64 {
            row += 1;
            h += self.row_px(row);
        }
        (row, col)
    }
    /// The last row with content (cells, rows produced on demand, charts).
    fn last_row(&self, source_rows: u32) -> u32 {
        let cells = self.cells.iter().map(|c| c.row).max().unwrap_or(0);
        let merges = self.merges.iter().map(|m| m.last_row).max().unwrap_or(0);
        let charts = self
            .charts
            .iter()
            .map(|c| self.chart_extent(c).0)
            .max()
            .unwrap_or(0);
        cells.max(merges).max(charts).max(source_rows)
    }
}

/// The one decision on how a sheet is printed: A4; portrait when the printed
/// columns fit a portrait page at full size; otherwise landscape, fitted to
/// the page width when that keeps body text at `MIN_PT` or more; otherwise
/// landscape at `SPLIT_SCALE`, split across pages with the title rows and
/// identifying columns repeated. `source_rows` is the last row a sheet's
/// on-demand rows reach (0 when none).
pub fn page_layout(sheet: &Sheet, source_rows: u32) -> Option<PageLayout> {
    let p = sheet.print.as_ref()?;
    let last_cell_col = sheet
        .cells
        .iter()
        .map(|c| c.col)
        .chain(sheet.merges.iter().map(|m| m.last_col))
        .chain(sheet.widths.iter().map(|(c, _)| *c))
        .max()
        .unwrap_or(0);
    let (first_col, mut last_col) = p.columns.unwrap_or((0, last_cell_col));
    for spec in &sheet.charts {
        last_col = last_col.max(sheet.chart_extent(spec).1);
    }
    let width_pt: f64 = (first_col..=last_col)
        .map(|c| col_px(sheet.width_of(c)))
        .sum::<f64>()
        * 0.75
        * WIDTH_MARGIN;
    let fit = |landscape: bool| (printable_pt(landscape) / width_pt).min(1.0);
    // A little above 9 pt: widths are rounded to whole pixels when written,
    // which can take a table at exactly the limit just under it.
    let min_scale = (MIN_PT + 0.1) / BODY_PT;
    let (landscape, fit_width, scale) = match p.prefer {
        Orientation::Portrait if fit(false) >= min_scale => (false, true, fit(false)),
        Orientation::Auto if fit(false) >= 1.0 => (false, true, 1.0),
        _ if fit(true) >= min_scale => (true, true, fit(true)),
        _ => (true, false, SPLIT_SCALE as f64 / 100.0),
    };
    let last_row = sheet.last_row(source_rows);
    // A form fits one page tall too when that keeps the text large enough
    // (only forms ask: summing every row's height of a long table is waste).
    let tall = || {
        let heights: std::collections::HashMap<u32, f64> =
            sheet.row_heights.iter().copied().collect();
        let height_pt: f64 = (0..=last_row)
            .map(|r| heights.get(&r).copied().unwrap_or(DEFAULT_ROW_PT))
            .sum();
        (printable_height_pt(landscape) / height_pt).min(1.0)
    };
    let (fit_height, scale) = match p.one_page && fit_width {
        true if tall().min(scale) >= min_scale => (true, tall().min(scale)),
        _ => (false, scale),
    };
    Some(PageLayout {
        landscape,
        fit_width,
        fit_height,
        scale: if fit_width { 100 } else { SPLIT_SCALE },
        effective_scale: scale,
        body_pt: BODY_PT * scale,
        first_col,
        last_col,
        last_row,
        repeat_cols: if fit_width { None } else { p.repeat_cols },
    })
}

impl Sheet {
    pub fn new(name: &str) -> Self {
        Sheet {
            name: name.to_string(),
            ..Default::default()
        }
    }
    pub fn put(&mut self, row: u32, col: u16, value: Value, role: Role) -> &mut Cell {
        self.cells.push(Cell::new(row, col, value, role));
        self.cells.last_mut().expect("just pushed")
    }
    pub fn text(&mut self, row: u32, col: u16, s: impl Into<String>, role: Role) -> &mut Cell {
        self.put(row, col, Value::Text(s.into()), role)
    }
    pub fn merge(&mut self, first_row: u32, first_col: u16, last_row: u32, last_col: u16) {
        self.merges.push(Span {
            first_row,
            first_col,
            last_row,
            last_col,
        });
    }
    /// The cell at an address (last written wins, as in the writer).
    pub fn get(&self, row: u32, col: u16) -> Option<&Cell> {
        self.cells
            .iter()
            .rev()
            .find(|c| c.row == row && c.col == col)
    }
    /// Column widths that fit the text (CJK characters count double), over
    /// the sheet's own cells and the rows it produces on demand.
    pub fn fit_widths(&mut self, min: f64, max: f64) {
        let mut fit = WidthFit::new(&self.merges, min, max);
        self.each_cell(|c| fit.add(c));
        self.widths = fit.finish();
    }
    /// Every cell of the sheet, its own then those produced on demand
    /// (spelled as written): for tests and tools that look at a whole sheet.
    pub fn all_cells(&self) -> Vec<Cell> {
        let mut out = self.cells.clone();
        if let Some(src) = &self.source {
            src(&mut |c| out.push(c));
        }
        out
    }
    /// Takes a table's rows, produced by `rows(full, emit)` in row order
    /// after every cell the sheet already has (`full` false: formula texts
    /// may be left unspelled, for measuring). A table small enough to be
    /// written in memory (at most `LAZY_CELLS` cells in the sheet) becomes
    /// the sheet's own cells, as before; a larger one is produced again when
    /// measured and when written (`source`), so no one holds all its cells.
    /// Rows down to the last merged row stay the sheet's own: a merge is
    /// written with its rows.
    pub fn take_rows(&mut self, rows: Rows) {
        self.take_rows_sized(rows, None)
    }
    /// `take_rows` then `fit_widths(min, max)`, measured in one pass.
    pub fn take_rows_fitted(&mut self, rows: Rows, min: f64, max: f64) {
        let mut fit = WidthFit::new(&self.merges, min, max);
        for c in &self.cells {
            fit.add(c);
        }
        let mut size = RowsSize::default();
        rows(false, &mut |c| {
            size.add(&c);
            fit.add(&c);
        });
        self.widths = fit.finish();
        self.take_rows_sized(rows, Some(size));
    }
    /// `take_rows` when the caller knows how many cells `rows` produces
    /// and the rows they reach.
    pub fn take_rows_sized(&mut self, rows: Rows, size: Option<RowsSize>) {
        let budget = LAZY_CELLS.saturating_sub(self.cells.len());
        let size = size.unwrap_or_else(|| {
            let mut size = RowsSize::default();
            rows(false, &mut |c| size.add(&c));
            size
        });
        if size.cells <= budget {
            rows(true, &mut |c| self.cells.push(c));
            return;
        }
        let split = self.merges.iter().map(|m| m.last_row).max();
        if let Some(split) = split.filter(|s| size.first_row.is_some_and(|f| f <= *s)) {
            rows(true, &mut |c| {
                if c.row <= split {
                    self.cells.push(c)
                }
            });
        }
        self.produce_rows(rows);
        self.source_rows = size.last_row;
    }
    /// The rows of `rows` below the last merged row, produced when measured
    /// and when written.
    pub fn produce_rows(&mut self, rows: Rows) {
        let split = self.merges.iter().map(|m| m.last_row).max();
        let own = move |row: u32| split.is_some_and(|s| row <= s);
        let (w, m) = (Arc::clone(&rows), rows);
        self.source = Some(Arc::new(move |emit: &mut dyn FnMut(Cell)| {
            w(true, &mut |c| {
                if !own(c.row) {
                    emit(c)
                }
            })
        }));
        self.measure = Some(Arc::new(move |emit: &mut dyn FnMut(Cell)| {
            m(false, &mut |c| {
                if !own(c.row) {
                    emit(c)
                }
            })
        }));
    }
    /// Every cell for measuring: the sheet's own, then those produced on
    /// demand (formula texts possibly unspelled).
    pub fn each_cell(&self, mut f: impl FnMut(&Cell)) {
        for c in &self.cells {
            f(c);
        }
        if let Some(m) = &self.measure {
            m(&mut |c| f(&c));
        }
    }
    /// The width (characters) a cell's text has: its merge's, else its column's.
    pub fn cell_width(&self, row: u32, col: u16) -> f64 {
        match self
            .merges
            .iter()
            .find(|m| m.first_row == row && m.first_col == col)
        {
            Some(m) => (m.first_col..=m.last_col).map(|c| self.width_of(c)).sum(),
            None => self.width_of(col),
        }
    }
    /// A header or form label too long for its cell breaks before its
    /// "（…）" part (a long Chinese header in two halves) ("资金情况\n（万元）", "效益指标\n（30分）") instead of
    /// wrapping a lone character onto the next line.
    pub fn break_labels(&mut self) {
        let widths: Vec<Option<f64>> = self
            .cells
            .iter()
            .map(|c| {
                matches!(c.role, Role::Header | Role::FormLabel)
                    .then(|| self.cell_width(c.row, c.col))
            })
            .collect();
        for (c, w) in self.cells.iter_mut().zip(widths) {
            let Some(w) = w else { continue };
            let Value::Text(t) = &c.value else { continue };
            if t.contains('\n') || display_width(t) <= w - PADDING {
                continue;
            }
            if let Some(i) = t.find('（').filter(|i| *i > 0) {
                c.value = Value::Text(format!("{}\n{}", &t[..i], &t[i..]));
            } else if c.role == Role::Header
                && t.chars().count() >= 6
                && t.chars().all(|ch| (ch as u32) >= 0x2E80)
            {
                // A Chinese header in two even halves ("衔接资金\n产业占比"),
                // not seven characters and a lone one.
                let half = t.chars().count().div_ceil(2);
                let at = t
                    .char_indices()
                    .nth(half)
                    .map(|(i, _)| i)
                    .unwrap_or(t.len());
                c.value = Value::Text(format!("{}\n{}", &t[..at], &t[at..]));
            }
        }
    }
    /// Set a column's width.
    pub fn set_width(&mut self, col: u16, w: f64) {
        self.widths.retain(|(c, _)| *c != col);
        self.widths.push((col, w));
        self.widths.sort_by_key(|(c, _)| *c);
    }
    /// Narrow the widest of the wrapping columns `cols`, a character at a
    /// time and never below `min`, until the printed columns fit one page
    /// wide at ≥ 9 pt. Whether they fit.
    pub fn narrow_to_fit(&mut self, cols: &[u16], min: f64) -> bool {
        loop {
            match page_layout(self, self.source_rows) {
                None => return true,
                Some(l) if l.fit_width => return true,
                _ => {}
            }
            let widest = cols
                .iter()
                .map(|c| (*c, self.width_of(*c)))
                .filter(|(_, w)| *w > min)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let Some((c, w)) = widest else {
                return false;
            };
            self.set_width(c, (w - 1.0).max(min));
        }
    }
    /// Like `narrow_to_fit`, but each step narrows the column that adds the
    /// fewest printed lines to the sheet (a long text keeps its width, a
    /// short one wraps first): for small copied sheets, where the widest
    /// column is the one with the most to say. Rows from `from_row`.
    /// `cols`: each column with the least width it may take.
    pub fn narrow_for_fewest_lines(&mut self, cols: &[(u16, f64)], from_row: u32) -> bool {
        let min_of = |c: u16| {
            cols.iter()
                .find(|(k, _)| *k == c)
                .map(|(_, m)| *m)
                .unwrap_or(f64::MAX)
        };
        let mut rows: std::collections::BTreeMap<u32, Vec<(u16, String)>> = Default::default();
        self.each_cell(|c| {
            if let Value::Text(t) = &c.value
                && c.row >= from_row
                && cols.iter().any(|(k, _)| *k == c.col)
            {
                rows.entry(c.row).or_default().push((c.col, t.clone()));
            }
        });
        let rows: Vec<Vec<(u16, String)>> = rows.into_values().collect();
        let total = |widths: &dyn Fn(u16) -> f64| -> f64 {
            rows.iter()
                .map(|r| {
                    r.iter()
                        .map(|(c, t)| text_lines(t, widths(*c)))
                        .fold(1.0, f64::max)
                })
                .sum()
        };
        loop {
            match page_layout(self, self.source_rows) {
                None => return true,
                Some(l) if l.fit_width => return true,
                _ => {}
            }
            let mut best: Option<(u16, f64, f64)> = None;
            for &(c, min) in cols {
                let w = self.width_of(c);
                if w <= min {
                    continue;
                }
                let narrower = (w - 1.0).max(min);
                let cost = total(&|k| if k == c { narrower } else { self.width_of(k) });
                if best.is_none_or(|(_, b, bw)| cost < b || (cost == b && w > bw)) {
                    best = Some((c, cost, w));
                }
            }
            let Some((c, _, w)) = best else {
                return false;
            };
            self.set_width(c, (w - 1.0).max(min_of(c)));
        }
    }
    /// Narrow a column to `max` characters (its text wraps).
    pub fn cap_width(&mut self, col: u16, max: f64) {
        for (c, w) in self.widths.iter_mut() {
            if *c == col {
                *w = w.min(max);
            }
        }
    }
    /// `break_labels`, then `fit_heights`: our own tables' headers and form
    /// labels broken where the words break, rows sized.
    pub fn fit_label_heights(&mut self, from_row: u32) {
        self.break_labels();
        self.fit_heights(from_row);
    }
    /// Row heights that show wrapped text whole (a clerk's printer won't
    /// re-measure rows the way a screen does): lines counted from the text,
    /// its explicit line breaks and the column (or merge) width, CJK counted
    /// double; `LINE_PT` a line.
    ///
    /// Rows produced on demand are fitted the same way as they are written
    /// (`source_heights`), not measured here: `row_heights` holds the
    /// sheet's own rows, `all_row_heights` every row.
    pub fn fit_heights(&mut self, from_row: u32) {
        let mut fit = HeightFit::new(self, from_row);
        for c in &self.cells {
            fit.add(c);
        }
        self.source_heights = self.measure.is_some().then(|| Arc::new(fit.fit.clone()));
        self.row_heights = fit.finish();
    }
    /// Every row's fitted height: the sheet's own (`row_heights`) and
    /// those its rows produced on demand get as written (the higher of the
    /// two where a row has both). For tests and tools.
    pub fn all_row_heights(&self) -> Vec<(u32, f64)> {
        let Some(fit) = &self.source_heights else {
            return self.row_heights.clone();
        };
        let mut all: BTreeMap<u32, f64> = self.row_heights.iter().copied().collect();
        let mut row: Vec<Cell> = Vec::new();
        let mut put = |row: &mut Vec<Cell>| {
            if let Some(h) = fit.row_height(row.iter()) {
                let e = all.entry(row[0].row).or_insert(h);
                *e = e.max(h);
            }
            row.clear();
        };
        if let Some(src) = &self.source {
            src(&mut |c| {
                if row.first().is_some_and(|f| f.row != c.row) {
                    put(&mut row);
                }
                row.push(c);
            });
        }
        put(&mut row);
        all.into_iter().collect()
    }
}

/// `Sheet::fit_widths` over cells seen one at a time.
pub struct WidthFit {
    /// Text in a cell merged across columns doesn't size any one column.
    spanning: HashSet<(u32, u16)>,
    /// The last row a spanning merge starts on (most rows need no lookup).
    spanning_to: Option<u32>,
    widths: BTreeMap<u16, f64>,
    min: f64,
    max: f64,
}

impl WidthFit {
    pub fn new(merges: &[Span], min: f64, max: f64) -> Self {
        WidthFit {
            spanning: merges
                .iter()
                .filter(|m| m.last_col > m.first_col)
                .map(|m| (m.first_row, m.first_col))
                .collect(),
            spanning_to: merges
                .iter()
                .filter(|m| m.last_col > m.first_col)
                .map(|m| m.first_row)
                .max(),
            widths: BTreeMap::new(),
            min,
            max,
        }
    }
    pub fn add(&mut self, c: &Cell) {
        if matches!(
            c.role,
            Role::Title | Role::Caption | Role::Section | Role::Note
        ) || (self.spanning_to.is_some_and(|r| c.row <= r)
            && self.spanning.contains(&(c.row, c.col)))
        {
            return;
        }
        let w = value_width(&c.value, c.role);
        // Headers wrap: two lines of a long header are enough.
        let w = if matches!(c.role, Role::Header) && w > 6.0 {
            (w / 2.0).ceil() + 0.5
        } else {
            w
        };
        let e = self.widths.entry(c.col).or_insert(self.min);
        // Numbers get half a character more: bold totals and fallback fonts print wider.
        let pad = match (&c.value, c.role) {
            (Value::Text(_), _) => PADDING,
            // Bold digits are wider still.
            (_, Role::TotalMoney | Role::TotalRate | Role::TotalCount) => PADDING + 1.5,
            _ => PADDING + 0.5,
        };
        *e = e.max((w + pad).clamp(self.min, self.max));
    }
    pub fn finish(self) -> Vec<(u16, f64)> {
        self.widths.into_iter().collect()
    }
}

/// What a row's height is fitted by (`Sheet::fit_heights`): the rows
/// from which, the printed columns, column and merge widths as they were
/// when fitted. Kept by a sheet whose rows are produced on demand, so
/// those rows are fitted as they are written.
#[derive(Debug, Clone)]
pub struct RowFit {
    from_row: u32,
    printed: (u16, u16),
    /// Column widths by column (the last set wins, as `width_of`).
    widths: Vec<f64>,
    /// Text in a merged cell has the merge's width and shares its rows.
    spans: HashMap<(u32, u16), (f64, f64)>,
    /// The last row a merge starts on.
    spans_to: Option<u32>,
}

impl RowFit {
    fn new(sheet: &Sheet, from_row: u32) -> Self {
        let last = sheet.widths.iter().map(|(c, _)| *c).max().unwrap_or(0);
        let widths = (0..=last).map(|c| sheet.width_of(c)).collect();
        RowFit {
            from_row,
            printed: sheet
                .print
                .as_ref()
                .and_then(|p| p.columns)
                .unwrap_or((0, u16::MAX)),
            widths,
            spans: sheet
                .merges
                .iter()
                .map(|m| {
                    (
                        (m.first_row, m.first_col),
                        (
                            (m.first_col..=m.last_col).map(|c| sheet.width_of(c)).sum(),
                            (m.last_row - m.first_row + 1) as f64,
                        ),
                    )
                })
                .collect(),
            spans_to: sheet.merges.iter().map(|m| m.first_row).max(),
        }
    }
    fn width_of(&self, col: u16) -> f64 {
        self.widths
            .get(col as usize)
            .copied()
            .unwrap_or(DEFAULT_WIDTH)
    }
    /// The lines a cell needs, when it may need more than one.
    pub fn lines(&self, c: &Cell) -> Option<f64> {
        if !(c.row >= self.from_row
            && (self.printed.0..=self.printed.1).contains(&c.col)
            && matches!(
                c.role,
                Role::Text
                    | Role::FormText
                    | Role::FormLabel
                    | Role::FormInput
                    | Role::Header
                    | Role::RawWrap
                    | Role::TotalText
                    | Role::Banner
                    | Role::Note
            ))
        {
            return None;
        }
        let Value::Text(t) = &c.value else {
            return None;
        };
        // Most texts fit on one line, which needs no entry: a character is
        // at most 1.1 wide per byte, so a short one is known to fit.
        if self.spans_to.is_none_or(|r| c.row > r)
            && 1.1 * t.len() as f64 <= (self.width_of(c.col) - PADDING).max(1.0)
            && !t.contains('\n')
        {
            return None;
        }
        let span = self
            .spans_to
            .is_some_and(|r| c.row <= r)
            .then(|| self.spans.get(&(c.row, c.col)))
            .flatten();
        let (width, rows) = match span {
            Some(s) => *s,
            None => (self.width_of(c.col), 1.0),
        };
        // Copied ledger texts are shown whole however long; our own
        // cells up to MAX_LINES.
        let cap = if c.role == Role::RawWrap {
            MAX_COPY_LINES
        } else {
            MAX_LINES
        };
        Some((text_lines(t, width) / rows - 0.01).ceil().clamp(1.0, cap))
    }
    /// The height (points) of a row of these cells, when more than one line.
    pub fn row_height<'c>(&self, cells: impl IntoIterator<Item = &'c Cell>) -> Option<f64> {
        let n = cells
            .into_iter()
            .filter_map(|c| self.lines(c))
            .fold(1.0, f64::max);
        (n > 1.0).then(|| row_pt(n))
    }
}

/// `Sheet::fit_heights` over cells seen one at a time.
struct HeightFit {
    fit: RowFit,
    lines: BTreeMap<u32, f64>,
    /// The row being added to and its lines so far (cells come row by row).
    current: Option<(u32, f64)>,
}

impl HeightFit {
    fn new(sheet: &Sheet, from_row: u32) -> Self {
        HeightFit {
            fit: RowFit::new(sheet, from_row),
            lines: BTreeMap::new(),
            current: None,
        }
    }
    fn add(&mut self, c: &Cell) {
        let Some(n) = self.fit.lines(c) else { return };
        match &mut self.current {
            Some((r, m)) if *r == c.row => *m = m.max(n),
            cur => {
                if let Some((r, m)) = cur.take() {
                    let e = self.lines.entry(r).or_insert(1.0);
                    *e = e.max(m);
                }
                *cur = Some((c.row, n));
            }
        }
    }
    fn finish(mut self) -> Vec<(u32, f64)> {
        if let Some((r, m)) = self.current.take() {
            let e = self.lines.entry(r).or_insert(1.0);
            *e = e.max(m);
        }
        self.lines
            .into_iter()
            .filter(|(_, n)| *n > 1.0)
            .map(|(r, n)| (r, row_pt(n)))
            .collect()
    }
}

/// One printed line of 11 pt text: CJK faces (Noto/思源, 仿宋) need about
/// 16 pt where Latin text needs 15.
pub const LINE_PT: f64 = 16.0;
/// Rows grow to at most this many lines (a longer text is cut on paper; its
/// whole text stays in the cell).
pub const MAX_LINES: f64 = 8.0;

/// Rows of a copied input sheet grow up to Excel's tallest row (409 pt).
pub const MAX_COPY_LINES: f64 = 25.0;

/// The height of a row of `lines` lines of body text.
pub fn row_pt(lines: f64) -> f64 {
    (LINE_PT * lines + 2.0).max(DEFAULT_ROW_PT)
}

/// Lines a text takes in a cell `width` characters wide: each of its own
/// lines wrapped at the width less the cell's margins.
pub fn text_lines(t: &str, width: f64) -> f64 {
    let usable = (width - PADDING).max(1.0);
    t.split('\n')
        .map(|l| (display_width(l) / usable - 0.01).ceil().max(1.0))
        .sum()
}

/// Characters added to a column's widest value (the cell's own margins).
const PADDING: f64 = 1.5;

/// Width in characters a value takes as the writer formats it.
pub fn value_width(v: &Value, role: Role) -> f64 {
    match v {
        Value::Text(s) => display_width(s),
        Value::Number(d) => {
            use rust_decimal::prelude::ToPrimitive;
            let f = d.to_f64().unwrap_or(0.0);
            match role {
                Role::Rate | Role::TotalRate | Role::FormRate => {
                    printed_len(format_args!("{:.2}%", f * 100.0)) as f64
                }
                Role::Money | Role::TotalMoney | Role::FormMoney => {
                    let int = int_len(f.abs().trunc())
                        .unwrap_or_else(|| printed_len(format_args!("{:.0}", f.abs().trunc())));
                    (int + (int - 1) / 3 + 5 + usize::from(f < 0.0)) as f64
                }
                Role::Score | Role::FormNumber => printed_len(format_args!("{f:.2}")) as f64,
                // An integer (序号, counts) prints as its digits.
                _ if d.scale() == 0 => int_len(f.abs())
                    .filter(|_| d.abs() < Decimal::from(1u64 << 52))
                    .map(|n| n + usize::from(d.is_sign_negative() && !d.is_zero()))
                    .unwrap_or_else(|| printed_len(format_args!("{}", d.normalize())))
                    as f64,
                _ => printed_len(format_args!("{}", d.normalize())) as f64,
            }
        }
        // An integral number prints as its digits (and sign, "-0" too).
        Value::Float(f) => int_len(f.abs())
            .map(|n| n + usize::from(f.is_sign_negative()))
            .unwrap_or_else(|| printed_len(format_args!("{f}")))
            .min(12) as f64,
        Value::Formula(_, cached) => value_width(cached, role).max(4.0),
        Value::Date(_) | Value::Serial(..) => 10.0,
        _ => 0.0,
    }
}

/// Digits of a non-negative integral float below 2^52 (printed exactly as
/// that integer); `None` for any other.
fn int_len(f: f64) -> Option<usize> {
    if !(0.0..4_503_599_627_370_496.0).contains(&f) || f.fract() != 0.0 {
        return None;
    }
    let mut n = f as u64;
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    Some(digits)
}

/// Bytes a value prints as, counted without building the text (sizing is
/// done for every cell of a large table).
fn printed_len(args: std::fmt::Arguments) -> usize {
    struct Count(usize);
    impl std::fmt::Write for Count {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0 += s.len();
            Ok(())
        }
    }
    let mut n = Count(0);
    let _ = std::fmt::write(&mut n, args);
    n.0
}

/// Width in Excel character units: CJK and full-width characters take two.
pub fn display_width(s: &str) -> f64 {
    // One line (most texts): summed in the same order as below.
    if !s.as_bytes().contains(&b'\n') {
        let mut w = 0.0;
        for c in s.chars() {
            w += if (c as u32) < 0x2E80 { 1.1 } else { 2.1 };
        }
        return w;
    }
    s.lines()
        .map(|l| {
            l.chars()
                .map(|c| if (c as u32) < 0x2E80 { 1.1 } else { 2.1 })
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

/// A1 reference to a cell, absolute when asked.
pub fn a1(row: u32, col: u16) -> String {
    format!("{}{}", crate::model::col_name(col as u32), row + 1)
}

/// A sheet name quoted for a formula: `'自评-''Q'` (a quote inside is doubled).
pub fn quoted(sheet: &str) -> String {
    format!("'{}'", sheet.replace('\'', "''"))
}

/// `'汇总'!$B$2`
pub fn abs_ref(sheet: &str, row: u32, col: u16) -> String {
    format!(
        "{}!${}${}",
        quoted(sheet),
        crate::model::col_name(col as u32),
        row + 1
    )
}

/// `'拨付明细'!$D:$D`
pub fn col_ref(sheet: &str, col: u16) -> String {
    let c = crate::model::col_name(col as u32);
    format!("{}!${c}:${c}", quoted(sheet))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cols: u16, width: f64, prefer: Orientation) -> Sheet {
        let mut s = Sheet::new("t");
        for c in 0..cols {
            s.text(0, c, "表头", Role::Header);
        }
        s.widths = (0..cols).map(|c| (c, width)).collect();
        s.print = Some(PageSetup::new("测试镇", Some((0, 0))).prefer(prefer));
        s
    }

    #[test]
    fn orientation_and_scale_follow_the_width() {
        // Narrow: portrait, full size.
        let l = page_layout(&table(5, 10.0, Orientation::Auto), 0).unwrap();
        assert!(!l.landscape && l.fit_width && l.body_pt == BODY_PT);
        // Wider than portrait: landscape, fitted, still ≥ 9 pt.
        let l = page_layout(&table(10, 12.0, Orientation::Auto), 0).unwrap();
        assert!(l.landscape && l.fit_width && l.body_pt >= MIN_PT, "{l:?}");
        // Far too wide: not shrunk below 9 pt, split with repeated columns.
        let mut wide = table(30, 12.0, Orientation::Auto);
        wide.print.as_mut().unwrap().repeat_cols = Some((0, 1));
        let l = page_layout(&wide, 0).unwrap();
        assert!(l.landscape && !l.fit_width && l.scale == SPLIT_SCALE);
        assert_eq!(l.repeat_cols, Some((0, 1)));
        assert!(l.body_pt >= MIN_PT);
        // A form stays portrait while that keeps 9 pt.
        let l = page_layout(&table(8, 11.0, Orientation::Portrait), 0).unwrap();
        assert!(!l.landscape && l.body_pt >= MIN_PT, "{l:?}");
        // Copies are landscape even when narrow.
        let l = page_layout(&table(3, 10.0, Orientation::Landscape), 0).unwrap();
        assert!(l.landscape);
    }

    #[test]
    fn print_area_reaches_charts_and_labels() {
        let mut s = table(4, 10.0, Orientation::Auto);
        s.text(1, 3, "单位：万元", Role::Caption);
        s.charts.push(ChartSpec {
            title: "图".into(),
            categories_col: 0,
            columns: vec![],
            lines: vec![],
            at: (5, 0),
            category_format: None,
            value_format: None,
            size: CHART_SIZE,
        });
        let l = page_layout(&s, 0).unwrap();
        let (row, col) = s.chart_extent(&s.charts[0]);
        assert!(l.last_row >= row && l.last_col >= col, "{l:?}");
        assert!(row >= 5 + 288 / 20 - 1);
    }

    /// 70,000 cells in 7,000 rows: texts of several widths (CJK, long,
    /// multi-line), numbers and formulas, a merged row at the top.
    fn big_rows() -> Rows {
        Arc::new(|full, emit| {
            for r in 3..7003u32 {
                for col in 0..10u16 {
                    let value = match (r + col as u32) % 5 {
                        0 => Value::Text("项目".repeat((r % 13) as usize)),
                        1 => {
                            Value::Text(format!("line {r}\nand {}", "x".repeat((r % 40) as usize)))
                        }
                        2 => Value::Number(Decimal::new(r as i64 * 12345, 4)),
                        3 => Value::Formula(
                            if full {
                                format!("A{r}+1")
                            } else {
                                String::new()
                            },
                            Box::new(Value::Number(r.into())),
                        ),
                        _ => Value::Empty,
                    };
                    let role = if col % 3 == 0 {
                        Role::Money
                    } else {
                        Role::Text
                    };
                    emit(Cell {
                        row: r,
                        col,
                        value,
                        role,
                        flagged: false,
                        note: None,
                    });
                }
            }
        })
    }

    #[test]
    fn a_table_produced_on_demand_has_the_cells_widths_and_heights_of_one_held_whole() {
        let head = |s: &mut Sheet| {
            s.text(0, 0, "标题", Role::Title);
            s.merge(0, 0, 0, 9);
            s.text(2, 0, "表头", Role::Header);
        };
        let mut held = Sheet::new("t");
        head(&mut held);
        big_rows()(true, &mut |c| held.cells.push(c));
        let mut lazy = Sheet::new("t");
        head(&mut lazy);
        lazy.take_rows(big_rows());
        assert!(lazy.source.is_some() && lazy.cells.len() == 2, "not held");
        assert_eq!(lazy.source_rows, 7002);
        assert_eq!(lazy.all_cells(), held.cells);
        for s in [&mut held, &mut lazy] {
            s.fit_widths(6.0, 30.0);
            s.cap_width(1, 12.0);
            s.fit_heights(2);
        }
        assert_eq!(lazy.widths, held.widths);
        assert_eq!(lazy.all_row_heights(), held.row_heights);
        assert!(lazy.row_heights.is_empty(), "fitted as written, not held");
        assert!(held.row_heights.len() > 1000, "heights are exercised");
        // A small table stays the sheet's own cells.
        let mut small = Sheet::new("t");
        small.take_rows(Arc::new(|_, emit| {
            emit(Cell {
                row: 1,
                col: 0,
                value: Value::Empty,
                role: Role::Text,
                flagged: false,
                note: None,
            })
        }));
        assert!(small.source.is_none() && small.cells.len() == 1);
    }

    #[test]
    fn rows_down_to_the_last_merge_stay_the_sheets_own() {
        let mut s = Sheet::new("t");
        s.merge(5, 0, 5, 3);
        s.take_rows(big_rows());
        assert!(s.cells.iter().all(|c| c.row <= 5) && s.cells.len() == 30);
        let mut produced = Vec::new();
        s.source.as_ref().unwrap()(&mut |c| produced.push(c.row));
        assert!(produced.iter().all(|r| *r > 5));
        assert_eq!(produced.len() + s.cells.len(), 70_000);
    }

    #[test]
    fn display_width_of_one_line_is_that_of_its_lines() {
        for t in [
            "",
            "a",
            "项目名称",
            "a\r",
            "ab\r\ncd",
            "长\n",
            "\n",
            "x\ny\nzzz",
            "\u{2E7F}\u{2E80}",
        ] {
            let slow = t
                .lines()
                .map(|l| {
                    l.chars()
                        .map(|c| if (c as u32) < 0x2E80 { 1.1 } else { 2.1 })
                        .sum::<f64>()
                })
                .fold(0.0, f64::max);
            assert_eq!(display_width(t).to_bits(), slow.to_bits(), "{t:?}");
        }
    }

    #[test]
    fn numbers_are_sized_as_printed() {
        let d = |s: &str| Value::Number(s.parse().unwrap());
        assert_eq!(value_width(&d("1"), Role::Count), 1.0);
        assert_eq!(value_width(&d("408.5587"), Role::Money), 8.0);
        assert_eq!(value_width(&d("12345.6"), Role::Money), 11.0);
        assert_eq!(value_width(&d("0.5662"), Role::Rate), 6.0);
        // Counted as the text would be spelled.
        for v in [
            "-1234567.891",
            "0.999999",
            "99.995",
            "1e-7",
            "123456789012.5",
            "0",
            "-0",
            "7",
            "-42",
            "100000",
            "-99999999.99999",
            "12345678901234567",
        ] {
            use rust_decimal::prelude::ToPrimitive;
            let x: Decimal = v
                .parse()
                .unwrap_or_else(|_| Decimal::from_scientific(v).unwrap());
            let f = x.to_f64().unwrap();
            assert_eq!(
                value_width(&Value::Number(x), Role::Rate),
                format!("{:.2}%", f * 100.0).len() as f64
            );
            assert_eq!(
                value_width(&Value::Number(x), Role::Count),
                x.normalize().to_string().len() as f64
            );
            assert_eq!(
                value_width(&Value::Float(f), Role::Raw),
                f.to_string().len().min(12) as f64
            );
            assert_eq!(
                value_width(&Value::Number(x), Role::Money),
                {
                    let int = format!("{:.0}", f.abs().trunc()).len();
                    (int + (int - 1) / 3 + 5 + usize::from(f < 0.0)) as f64
                },
                "{v}"
            );
        }
        for f in [-0.0, 0.0, 1e15, -3.0, 4503599627370496.0, 1e300, 2.5] {
            assert_eq!(
                value_width(&Value::Float(f), Role::Raw),
                f.to_string().len().min(12) as f64,
                "{f}"
            );
        }
    }
}
