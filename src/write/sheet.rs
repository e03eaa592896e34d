//! A small format-neutral sheet model: every table we write is data first,
//! so it can be inspected in tests, and one writer maps it to xlsx.

use chrono::NaiveDate;
use rust_decimal::Decimal;

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

/// What a cell is, which decides how it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Input copied as is.
    Raw,
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
    /// For the clerk to fill (monitoring form): light yellow, unlocked.
    FormInput,
    FormInputMoney,
}

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
}

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

#[derive(Clone, Default)]
pub struct Sheet {
    pub name: String,
    pub cells: Vec<Cell>,
    pub merges: Vec<Span>,
    pub widths: Vec<(u16, f64)>,
    /// Rows and columns above/left of this cell stay in view.
    pub freeze: Option<(u32, u16)>,
    pub autofilter: Option<Span>,
    /// A4 landscape, one page wide, header rows repeated.
    pub print: Option<PrintSetup>,
    pub charts: Vec<ChartSpec>,
    pub validations: Vec<ListValidation>,
    pub row_heights: Vec<(u32, f64)>,
    /// Large table: written row by row (rust_xlsxwriter's constant memory mode).
    pub stream: bool,
    /// Column formats: a cell of its column's role is written without its
    /// own format (far cheaper on large tables) and takes the column's.
    pub column_roles: Vec<(u16, Role)>,
    pub source: Option<CellSource>,
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

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PrintSetup {
    pub landscape: bool,
    pub repeat_rows: Option<(u32, u32)>,
    /// Columns printed (first, last); all when `None`.
    pub columns: Option<(u16, u16)>,
}

impl Sheet {
    pub fn new(name: &str) -> Self {
        Sheet {
            name: name.to_string(),
            ..Default::default()
        }
    }
    pub fn put(&mut self, row: u32, col: u16, value: Value, role: Role) -> &mut Cell {
        self.cells.push(Cell {
            row,
            col,
            value,
            role,
            flagged: false,
            note: None,
        });
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
    /// Column widths that fit the text (CJK characters count double).
    pub fn fit_widths(&mut self, min: f64, max: f64) {
        // Text in a cell merged across columns doesn't size any one column.
        let spanning: std::collections::HashSet<(u32, u16)> = self
            .merges
            .iter()
            .filter(|m| m.last_col > m.first_col)
            .map(|m| (m.first_row, m.first_col))
            .collect();
        let mut widths: std::collections::BTreeMap<u16, f64> = Default::default();
        for c in &self.cells {
            if matches!(
                c.role,
                Role::Title | Role::Caption | Role::Section | Role::Note
            ) || spanning.contains(&(c.row, c.col))
            {
                continue;
            }
            let w = match &c.value {
                Value::Text(s) => display_width(s),
                Value::Number(_) | Value::Float(_) | Value::Formula(..) => 12.0,
                Value::Date(_) | Value::Serial(..) => 11.0,
                _ => 0.0,
            };
            let e = widths.entry(c.col).or_insert(min);
            *e = e.max((w + 2.0).clamp(min, max));
        }
        self.widths = widths.into_iter().collect();
    }
    /// Row heights that show wrapped text whole (a clerk's printer won't
    /// re-measure rows the way a screen does).
    pub fn fit_heights(&mut self, from_row: u32) {
        let width_of = |col: u16| {
            self.widths
                .iter()
                .find(|(c, _)| *c == col)
                .map(|(_, w)| *w)
                .unwrap_or(8.43)
        };
        let mut lines: std::collections::BTreeMap<u32, f64> = Default::default();
        for c in self.cells.iter().filter(|c| {
            c.row >= from_row && matches!(c.role, Role::Text | Role::FormText | Role::FormLabel)
        }) {
            if let Value::Text(t) = &c.value {
                let n = (display_width(t) / (width_of(c.col) - 1.0).max(1.0))
                    .ceil()
                    .max(1.0);
                let e = lines.entry(c.row).or_insert(1.0);
                *e = e.max(n);
            }
        }
        self.row_heights = lines
            .into_iter()
            .filter(|(_, n)| *n > 1.0)
            .map(|(r, n)| (r, 14.0 * n.min(6.0)))
            .collect();
    }
}

/// Width in Excel character units: CJK and full-width characters take two.
pub fn display_width(s: &str) -> f64 {
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

/// `'汇总'!$B$2`
pub fn abs_ref(sheet: &str, row: u32, col: u16) -> String {
    format!(
        "'{}'!${}${}",
        sheet,
        crate::model::col_name(col as u32),
        row + 1
    )
}

/// `'拨付明细'!$D:$D`
pub fn col_ref(sheet: &str, col: u16) -> String {
    let c = crate::model::col_name(col as u32);
    format!("'{sheet}'!${c}:${c}")
}
