//! Opening a workbook of any supported format into plain sheets of cells.

use calamine::{Data, Dimensions, Range, Reader, Sheets, open_workbook_auto};
use std::path::{Path, PathBuf};

/// One input sheet: cell values, formulas and merged ranges at their
/// original (absolute, 0-based) addresses.
pub struct RawSheet {
    pub name: String,
    pub cells: Range<Data>,
    pub formulas: Range<String>,
    pub merges: Vec<Dimensions>,
}

static EMPTY: Data = Data::Empty;

impl RawSheet {
    /// The value at an absolute address (empty outside the used range).
    pub fn cell(&self, row: u32, col: u32) -> &Data {
        self.cells.get_value((row, col)).unwrap_or(&EMPTY)
    }
    /// The formula (without "=") at an absolute address, if any.
    pub fn formula(&self, row: u32, col: u32) -> Option<&str> {
        self.formulas
            .get_value((row, col))
            .map(|s| s.as_str())
            .filter(|s| !s.is_empty())
    }
    pub fn first_row(&self) -> u32 {
        self.cells.start().map(|(r, _)| r).unwrap_or(0)
    }
    /// One past the last used row.
    pub fn end_row(&self) -> u32 {
        self.cells.end().map(|(r, _)| r + 1).unwrap_or(0)
    }
    pub fn end_col(&self) -> u32 {
        self.cells.end().map(|(_, c)| c + 1).unwrap_or(0)
    }
    pub fn first_col(&self) -> u32 {
        self.cells.start().map(|(_, c)| c).unwrap_or(0)
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

/// Read every sheet of a workbook, with formulas and merged ranges (for the
/// annotated copy). The message names the file.
pub fn open_book(path: &Path) -> Result<RawBook, String> {
    open_book_with(path, true)
}

/// `full = false` reads cell values only: what consolidation needs, at the
/// cost of one pass over each sheet.
pub fn open_book_with(path: &Path, full: bool) -> Result<RawBook, String> {
    let shown = path.display();
    if !path.exists() {
        return Err(format!("找不到文件 {shown}"));
    }
    if path.is_dir() {
        return Err(format!("{shown} 是文件夹，不是工作簿"));
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "xlsx" | "xlsm") && is_ole2(path) {
        return Err(format!(
            "无法读取文件 {shown}：文件设有打开密码（已加密），或是改了扩展名的旧版 .xls；请在 Excel/WPS 中取消密码后另存为 .xlsx 再试"
        ));
    }
    let book = open_workbook_auto(path).map_err(|e| describe_open_error(path, &e.to_string()))?;
    read_sheets(path, book, full)
}

/// OLE2 compound files: .xls, and also password-protected .xlsx (Excel
/// wraps the encrypted package in one).
const OLE2_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn is_ole2(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == OLE2_MAGIC
}

fn read_sheets<RS: std::io::Read + std::io::Seek>(
    path: &Path,
    mut book: Sheets<RS>,
    full: bool,
) -> Result<RawBook, String> {
    let shown = path.display();
    let format = match &book {
        Sheets::Xlsx(_) => BookFormat::Xlsx,
        Sheets::Xls(_) => BookFormat::Xls,
        Sheets::Xlsb(_) => BookFormat::Xlsb,
        Sheets::Ods(_) => BookFormat::Ods,
    };
    let names = book.sheet_names().to_vec();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let (cells, formulas) = match &mut book {
            // xlsx: values and formulas in one pass over the sheet.
            Sheets::Xlsx(x) if full => xlsx_cells_and_formulas(x, &name)
                .map_err(|e| format!("无法读取文件 {shown} 的工作表“{name}”：{e}"))?,
            _ => {
                let cells = book
                    .worksheet_range(&name)
                    .map_err(|e| format!("无法读取文件 {shown} 的工作表“{name}”：{e}"))?;
                // A sheet whose formulas can't be parsed still has its values.
                let formulas = if full {
                    book.worksheet_formula(&name).unwrap_or_default()
                } else {
                    Range::empty()
                };
                (cells, formulas)
            }
        };
        // Reading merges costs another pass over the sheet; without them the
        // two-row header reader carries a parent across its children instead.
        let merges = match &mut book {
            Sheets::Xlsx(x) if full => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            Sheets::Xls(x) if full => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        sheets.push(RawSheet {
            name,
            cells,
            formulas,
            merges,
        });
    }
    Ok(RawBook {
        path: path.to_path_buf(),
        format,
        sheets,
    })
}

fn xlsx_cells_and_formulas<RS: std::io::Read + std::io::Seek>(
    x: &mut calamine::Xlsx<RS>,
    name: &str,
) -> Result<(Range<Data>, Range<String>), calamine::XlsxError> {
    let mut reader = x.worksheet_cells_reader(name)?;
    let mut values = Vec::new();
    let mut formulas = Vec::new();
    while let Some(c) = reader.next_cell_with_formula()? {
        if let Some(f) = c.formula.filter(|f| !f.is_empty()) {
            formulas.push(calamine::Cell::new(c.pos, f));
        }
        let v = Data::from(c.value);
        if v != Data::Empty {
            values.push(calamine::Cell::new(c.pos, v));
        }
    }
    Ok((Range::from_sparse(values), Range::from_sparse(formulas)))
}

fn describe_open_error(path: &Path, err: &str) -> String {
    let shown = path.display();
    let lower = err.to_lowercase();
    if lower.contains("password") || lower.contains("encrypt") || lower.contains("cfb") {
        format!(
            "无法读取文件 {shown}：文件已加密或不是工作簿格式，请在 Excel/WPS 中取消密码后另存为 .xlsx 再试（{err}）"
        )
    } else if lower.contains("extension") || lower.contains("format") {
        format!(
            "无法读取文件 {shown}：不是支持的工作簿格式（支持 .xlsx / .xlsm / .xls / .ods）（{err}）"
        )
    } else {
        format!("无法读取文件 {shown}：文件已损坏或不是有效的工作簿（{err}）")
    }
}
