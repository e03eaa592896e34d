//! The raw workbook: every input sheet as plain cells, formulas and merges at
//! their original addresses. The reader fills it; the report copies it.

pub use calamine::{Data, Dimensions};
use std::path::PathBuf;

/// One input sheet: cell values, formulas and merged ranges at their
/// original (absolute, 0-based) addresses. Sparse: it costs what its cells
/// cost, whatever extent the file declares or a stray far cell implies.
#[derive(Debug, PartialEq)]
pub struct RawSheet {
    pub name: String,
    /// Rows holding at least one non-empty cell, ascending by row number.
    rows: Vec<RawRow>,
    /// Formulas (without "="), ascending by (row, col).
    formulas: Vec<((u32, u32), String)>,
    pub merges: Vec<Dimensions>,
    /// Hidden in the workbook (used only when no visible sheet fits).
    pub hidden: bool,
    /// (first row, first col, end row, end col) of the non-empty cells.
    bounds: (u32, u32, u32, u32),
}

#[derive(Debug, PartialEq)]
struct RawRow {
    row: u32,
    /// Non-empty cells, ascending by column.
    cells: Vec<(u32, Data)>,
}

static EMPTY: Data = Data::Empty;

impl RawSheet {
    /// A sheet from its cells in any order; empty values are dropped.
    pub fn new(
        name: impl Into<String>,
        mut cells: Vec<(u32, u32, Data)>,
        mut formulas: Vec<(u32, u32, String)>,
        merges: Vec<Dimensions>,
    ) -> RawSheet {
        cells.retain(|c| c.2 != Data::Empty);
        cells.sort_by_key(|c| (c.0, c.1));
        cells.dedup_by(|later, earlier| (later.0, later.1) == (earlier.0, earlier.1));
        let mut rows: Vec<RawRow> = Vec::new();
        for (r, c, v) in cells {
            match rows.last_mut() {
                Some(last) if last.row == r => last.cells.push((c, v)),
                _ => rows.push(RawRow {
                    row: r,
                    cells: vec![(c, v)],
                }),
            }
        }
        formulas.retain(|f| !f.2.is_empty());
        formulas.sort_by_key(|f| (f.0, f.1));
        let formulas = formulas.into_iter().map(|(r, c, f)| ((r, c), f)).collect();
        let mut sheet = RawSheet {
            name: name.into(),
            rows,
            formulas,
            merges,
            hidden: false,
            bounds: (0, 0, 0, 0),
        };
        sheet.rebound();
        sheet
    }
    fn rebound(&mut self) {
        let first_col = self
            .rows
            .iter()
            .filter_map(|r| r.cells.first())
            .map(|c| c.0)
            .min();
        let last_col = self
            .rows
            .iter()
            .filter_map(|r| r.cells.last())
            .map(|c| c.0)
            .max();
        self.bounds = match (self.rows.first(), self.rows.last(), first_col, last_col) {
            (Some(a), Some(b), Some(c0), Some(c1)) => (a.row, c0, b.row + 1, c1 + 1),
            _ => (0, 0, 0, 0),
        };
    }
    /// Set one cell (tests and fixtures build sheets this way).
    pub fn set_value(&mut self, (row, col): (u32, u32), v: Data) {
        let i = match self.rows.binary_search_by_key(&row, |r| r.row) {
            Ok(i) => i,
            Err(i) => {
                self.rows.insert(
                    i,
                    RawRow {
                        row,
                        cells: Vec::new(),
                    },
                );
                i
            }
        };
        let cells = &mut self.rows[i].cells;
        match cells.binary_search_by_key(&col, |c| c.0) {
            Ok(j) if v == Data::Empty => {
                cells.remove(j);
            }
            Ok(j) => cells[j].1 = v,
            Err(_) if v == Data::Empty => {}
            Err(j) => cells.insert(j, (col, v)),
        }
        if self.rows[i].cells.is_empty() {
            self.rows.remove(i);
        }
        self.rebound();
    }
    /// The value at an absolute address (empty where there is none).
    pub fn cell(&self, row: u32, col: u32) -> &Data {
        let cells = self.row_cells(row);
        // Tables are mostly dense: the column's own place is tried first.
        let guess = cells
            .first()
            .and_then(|c| col.checked_sub(c.0))
            .and_then(|i| cells.get(i as usize))
            .filter(|c| c.0 == col);
        match guess {
            Some(c) => &c.1,
            None => cells
                .binary_search_by_key(&col, |c| c.0)
                .map(|j| &cells[j].1)
                .unwrap_or(&EMPTY),
        }
    }
    /// The non-empty cells of one row, ascending by column.
    pub fn row_cells(&self, row: u32) -> &[(u32, Data)] {
        // Rows are mostly dense: the row's own place is tried first.
        if let Some(r) = self
            .rows
            .first()
            .and_then(|f| row.checked_sub(f.row))
            .and_then(|i| self.rows.get(i as usize))
            .filter(|r| r.row == row)
        {
            return &r.cells;
        }
        match self.rows.binary_search_by_key(&row, |r| r.row) {
            Ok(i) => &self.rows[i].cells,
            Err(_) => &[],
        }
    }
    /// Rows that hold cells, from `from` on, ascending.
    pub fn rows_from(&self, from: u32) -> impl Iterator<Item = (u32, &[(u32, Data)])> + '_ {
        let start = self.rows.partition_point(|r| r.row < from);
        self.rows[start..]
            .iter()
            .map(|r| (r.row, r.cells.as_slice()))
    }
    /// Every non-empty cell as (row, col, value), row by row.
    pub fn used_cells(&self) -> impl Iterator<Item = (u32, u32, &Data)> + '_ {
        self.rows
            .iter()
            .flat_map(|r| r.cells.iter().map(move |(c, v)| (r.row, *c, v)))
    }
    /// Every formula as (row, col, text without "=").
    pub fn formula_cells(&self) -> impl Iterator<Item = (u32, u32, &str)> + '_ {
        self.formulas.iter().map(|((r, c), f)| (*r, *c, f.as_str()))
    }
    pub fn has_formulas(&self) -> bool {
        !self.formulas.is_empty()
    }
    /// The formula (without "=") at an absolute address, if any.
    pub fn formula(&self, row: u32, col: u32) -> Option<&str> {
        self.formulas
            .binary_search_by_key(&(row, col), |f| f.0)
            .ok()
            .map(|i| self.formulas[i].1.as_str())
    }
    /// How many non-empty cells the sheet holds.
    pub fn cell_count(&self) -> usize {
        self.rows.iter().map(|r| r.cells.len()).sum()
    }
    pub fn first_row(&self) -> u32 {
        self.bounds.0
    }
    /// One past the last used row.
    pub fn end_row(&self) -> u32 {
        self.bounds.2
    }
    pub fn end_col(&self) -> u32 {
        self.bounds.3
    }
    pub fn first_col(&self) -> u32 {
        self.bounds.1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookFormat {
    Xlsx,
    Xls,
    Xlsb,
    Ods,
}

pub struct RawBook {
    pub path: PathBuf,
    pub format: BookFormat,
    pub sheets: Vec<RawSheet>,
}

impl RawBook {
    /// Formulas are copied into the annotated workbook only when they came
    /// in Excel's own syntax.
    pub fn formulas_portable(&self) -> bool {
        matches!(self.format, BookFormat::Xlsx | BookFormat::Xlsb)
    }
    pub fn sheet(&self, name: &str) -> Option<&RawSheet> {
        self.sheets.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct guess for dense rows and columns finds what a search
    /// would, on sheets with gaps, a first row or column above zero and
    /// empty rows.
    #[test]
    fn cell_lookup_equals_a_search_over_every_cell() {
        for (seed, first) in [(1u32, 0u32), (7, 3), (13, 40)] {
            let mut cells = Vec::new();
            let mut x = seed;
            for r in first..first + 30 {
                for c in first / 2..first / 2 + 12 {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    if (x >> 16) % 4 != 0 && r % 7 != 3 {
                        cells.push((r, c, Data::Int(i64::from(r * 100 + c))));
                    }
                }
            }
            let sheet = RawSheet::new("表", cells.clone(), Vec::new(), Vec::new());
            for r in 0..first + 35 {
                for c in 0..first / 2 + 15 {
                    let want = cells
                        .iter()
                        .find(|(a, b, _)| *a == r && *b == c)
                        .map(|(_, _, v)| v.clone())
                        .unwrap_or(Data::Empty);
                    assert_eq!(sheet.cell(r, c), &want, "({r}, {c})");
                }
            }
        }
    }
}
