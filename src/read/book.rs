//! Opening a workbook of any supported format into plain sheets of cells.

pub use crate::model::book::{BookFormat, RawBook, RawSheet};
use calamine::{Data, Reader as _, Sheets, open_workbook_auto};
use std::path::Path;

/// Read every sheet of a workbook, with formulas and merged ranges (for the
/// annotated copy). The message names the file.
pub fn open_book(path: &Path) -> Result<RawBook, String> {
    open_book_with(path, true)
}

/// `full = false` reads cell values only: what consolidation needs, at the
/// cost of one pass over each sheet.
pub fn open_book_with(path: &Path, full: bool) -> Result<RawBook, String> {
    open_input(Input::read(path), full)
}

/// Files up to this size are read into memory once and every check, the
/// marker and calamine read the package from there; larger ones from the file.
const IN_MEMORY: u64 = 256 << 20;

type Bytes = std::io::Cursor<std::sync::Arc<[u8]>>;

/// A workbook file read once: its bytes and, when it is a zip package, its
/// directory (parsed once for the marker, the size guard and the
/// `<dimension>` check).
pub struct Input {
    path: std::path::PathBuf,
    bytes: Option<std::sync::Arc<[u8]>>,
    zip: Option<zip::ZipArchive<Bytes>>,
}

impl Input {
    /// Never fails: a file that can't be read (missing, a folder, too large
    /// for memory) is read from its path as before, with the same messages.
    pub fn read(path: &Path) -> Input {
        let bytes = std::fs::metadata(path)
            .ok()
            .filter(|m| m.is_file() && m.len() <= IN_MEMORY)
            .and_then(|_| std::fs::read(path).ok())
            .map(std::sync::Arc::<[u8]>::from);
        let zip = bytes
            .as_ref()
            .and_then(|b| zip::ZipArchive::new(std::io::Cursor::new(b.clone())).ok());
        Input {
            path: path.to_path_buf(),
            bytes,
            zip,
        }
    }

    /// The `类型` of our own output (`output::marker`), from the same package.
    pub fn marker(&mut self) -> Option<String> {
        match (&self.bytes, &mut self.zip) {
            (_, Some(zip)) => crate::output::marker_in(zip),
            (Some(_), None) => None,
            (None, None) => crate::output::marker(&self.path),
        }
    }
}

/// [`open_book_with`] for an input already read.
pub fn open_input(input: Input, full: bool) -> Result<RawBook, String> {
    open_input_by(input, full, XlsxReader::default())
}

/// Which reader reads an .xlsx: our own values reader (falling back to
/// calamine for what it does not follow), or calamine alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XlsxReader {
    Own,
    Calamine,
}

impl Default for XlsxReader {
    /// `JIXIAO_XLSX_READER=calamine` reads with calamine alone (for
    /// comparing the two); otherwise our own.
    fn default() -> XlsxReader {
        match std::env::var("JIXIAO_XLSX_READER") {
            Ok(v) if v.trim().eq_ignore_ascii_case("calamine") => XlsxReader::Calamine,
            _ => XlsxReader::Own,
        }
    }
}

/// A workbook read by the given reader (tests compare the two).
pub fn open_book_by(path: &Path, full: bool, reader: XlsxReader) -> Result<RawBook, String> {
    open_input_by(Input::read(path), full, reader)
}

/// [`open_input`] with the .xlsx reader chosen.
pub fn open_input_by(mut input: Input, full: bool, reader: XlsxReader) -> Result<RawBook, String> {
    let path = input.path.as_path();
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
    let ole2 = match &input.bytes {
        Some(b) => b.starts_with(&OLE2_MAGIC),
        None => is_ole2(path),
    };
    if matches!(ext.as_str(), "xlsx" | "xlsm") && ole2 {
        return Err(format!(
            "无法读取文件 {shown}：文件设有打开密码（已加密），或是改了扩展名的旧版 .xls；请在 Excel/WPS 中取消密码后另存为 .xlsx 再试"
        ));
    }
    // Our own reader reads the `<dimension>` as text it never trusts: the
    // check that protects calamine from it is made only if calamine reads.
    let own = matches!(ext.as_str(), "xlsx" | "xlsm") && reader == XlsxReader::Own;
    match (&input.bytes, &mut input.zip) {
        (_, Some(zip)) if own => check_unpacked_size(path, zip)?,
        (_, Some(zip)) => check_package(path, zip)?,
        (Some(_), None) => {}
        (None, None) => {
            let zip = std::fs::File::open(path)
                .ok()
                .and_then(|f| zip::ZipArchive::new(std::io::BufReader::new(f)).ok());
            if let Some(mut zip) = zip {
                check_package(path, &mut zip)?;
            }
        }
    }
    // .ods: our own streaming sparse reader (calamine's is dense, no merges).
    if super::ods::is_ods(path) {
        let sheets = super::ods::read_ods(path, full, max_cells()).map_err(|e| match e {
            super::ods::OdsError::TooManyCells => too_many_cells(path),
            super::ods::OdsError::Failed(message) => message,
        })?;
        let path = path.to_path_buf();
        return Ok(RawBook {
            path,
            format: BookFormat::Ods,
            sheets,
        });
    }
    // .xls: calamine lays every sheet out densely at open; the extents are
    // read first so that far cells are refused before it allocates.
    if ole2 {
        match &input.bytes {
            Some(b) => check_xls_extent(path, b)?,
            None => {
                if let Ok(b) = std::fs::read(path) {
                    check_xls_extent(path, &b)?;
                }
            }
        }
    }
    // .xlsx: our own values reader; what it does not follow exactly (and,
    // should it ever panic, the file) is left to calamine below.
    if own && let Some(zip) = input.zip.as_mut() {
        match guarded(|| super::xlsx::read(zip, full, max_cells())) {
            Ok(super::xlsx::Outcome::Read(sheets)) => {
                let book = RawBook {
                    path: path.to_path_buf(),
                    format: BookFormat::Xlsx,
                    sheets,
                };
                #[cfg(debug_assertions)]
                same_as_calamine(&book, full);
                return Ok(book);
            }
            Ok(super::xlsx::Outcome::TooManyCells) => return Err(too_many_cells(path)),
            Ok(super::xlsx::Outcome::Fallback(why)) => {
                if std::env::var_os("JIXIAO_TIMING").is_some() {
                    eprintln!("xlsx: calamine reads {shown} ({why})");
                }
            }
            Err(_) => {}
        }
        check_xlsx_dimensions(path, zip)?;
    }
    // The workbook library can panic on damaged files (a truncated .xls, an
    // absurd cell reference): that is a damaged file, said as such.
    drop(input.zip.take());
    guarded(|| match input.bytes.take() {
        Some(b) => {
            let reopen = {
                let b = b.clone();
                move || Some(std::io::Cursor::new(b.clone()))
            };
            let book = open_workbook_from(path, std::io::Cursor::new(b))
                .map_err(|e| describe_open_error(path, &e.to_string()))?;
            read_sheets(path, book, full, reopen)
        }
        None => {
            let book =
                open_workbook_auto(path).map_err(|e| describe_open_error(path, &e.to_string()))?;
            let reopen = || {
                std::fs::File::open(path)
                    .ok()
                    .map(std::io::BufReader::new)
            };
            read_sheets(path, book, full, reopen)
        }
    })
    .unwrap_or_else(|why| {
        Err(format!(
            "无法读取文件 {}：文件已损坏或不完整（可能下载或复制中断），请在 Excel/WPS 中打开后另存为 .xlsx 再试；技术信息：{why}",
            path.display()
        ))
    })
}

/// Debug builds (every test of the binary): a workbook our own reader read
/// is read again by calamine alone and must come out the same, cell for
/// cell, formula for formula, merge for merge, wherever calamine reads it.
#[cfg(debug_assertions)]
fn same_as_calamine(book: &RawBook, full: bool) {
    let cells: usize = book.sheets.iter().map(RawSheet::cell_count).sum();
    if cells > 300_000 || std::env::var_os("JIXIAO_SKIP_READER_CHECK").is_some() {
        return;
    }
    let theirs = open_book_by(&book.path, full, XlsxReader::Calamine);
    // calamine refusing what ours read is allowed: it also parses parts ours
    // never reads (fonts, fills, the theme); damage in a part ours reads
    // hands the whole book to calamine.
    let Ok(theirs) = theirs else {
        return;
    };
    assert_eq!(
        book.sheets.len(),
        theirs.sheets.len(),
        "{}: sheets",
        book.path.display()
    );
    for (a, b) in book.sheets.iter().zip(&theirs.sheets) {
        if a != b {
            let cell = a
                .used_cells()
                .zip(b.used_cells())
                .find(|(x, y)| x != y)
                .map(|(x, y)| format!("ours {x:?}, calamine {y:?}"));
            let formula = a
                .formula_cells()
                .zip(b.formula_cells())
                .find(|(x, y)| x != y)
                .map(|(x, y)| format!("ours {x:?}, calamine {y:?}"));
            panic!(
                "jixiao's .xlsx reader and calamine differ on {} sheet {:?}: hidden {}/{}, cells {}/{}, formulas {}/{}, merges {:?}/{:?}; first cell difference {cell:?}; first formula difference {formula:?}",
                book.path.display(),
                a.name,
                a.hidden,
                b.hidden,
                a.cell_count(),
                b.cell_count(),
                a.formula_cells().count(),
                b.formula_cells().count(),
                a.merges,
                b.merges,
            );
        }
    }
}

/// calamine's `open_workbook_auto` on bytes already read: the reader by the
/// extension as it spells it, else each reader in its order.
fn open_workbook_from(path: &Path, rs: Bytes) -> Result<Sheets<Bytes>, calamine::Error> {
    use calamine::{Error, Ods, Xls, Xlsb, Xlsx};
    Ok(match path.extension().and_then(|e| e.to_str()) {
        Some("xls" | "xla") => Sheets::Xls(Xls::new(rs).map_err(Error::Xls)?),
        Some("xlsx" | "xlsm" | "xlam") => Sheets::Xlsx(Xlsx::new(rs).map_err(Error::Xlsx)?),
        Some("xlsb") => Sheets::Xlsb(Xlsb::new(rs).map_err(Error::Xlsb)?),
        Some("ods") => Sheets::Ods(Ods::new(rs).map_err(Error::Ods)?),
        _ => calamine::open_workbook_auto_from_rs(rs)?,
    })
}

/// The guards on a zip package, from its directory read once: the
/// unpacked size, then each worksheet's `<dimension>`.
fn check_package<R: std::io::Read + std::io::Seek>(
    path: &Path,
    zip: &mut zip::ZipArchive<R>,
) -> Result<(), String> {
    check_unpacked_size(path, zip)?;
    check_xlsx_dimensions(path, zip)
}

thread_local! {
    /// Set while a panic is caught and turned into a message (no hook output).
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f`, turning a panic into `Err(its message)` without printing it.
/// Needs `install_panic_hook` (done by the binary) to stay quiet.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    QUIET.with(|q| q.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

/// A panic hook that is silent inside `guarded` and otherwise says, in
/// Chinese first, that this is the tool's fault, not the clerk's.
pub fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if QUIET.with(|q| q.get()) {
            return;
        }
        eprintln!("错误：程序内部出错（不是您的数据的问题），请把输入文件和以下信息发给维护人员：");
        default(info);
    }));
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

/// Resource guards, documented in the README: a workbook past them is
/// refused with a message instead of read. The default cell limit of one
/// workbook: far more than a county's ledger holds (the large benchmark
/// ledger, 10,000 projects and 100,000 payments, is 0.6 million), and what
/// about 250 MB of memory reads. The setting `JIXIAO_MAX_CELLS` changes it.
pub const MAX_CELLS: usize = 2_000_000;

/// The cell limit in force: `JIXIAO_MAX_CELLS`, else [`MAX_CELLS`].
pub fn max_cells() -> usize {
    std::env::var("JIXIAO_MAX_CELLS")
        .ok()
        .and_then(|v| v.trim().replace(['_', ','], "").parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(MAX_CELLS)
}

/// Refuse an .xls whose sheets calamine would lay out past the cell limit
/// (a cell at IV65536 beside one at A1 is 16.7 million cells).
fn check_xls_extent(path: &Path, bytes: &[u8]) -> Result<(), String> {
    // Chains calamine would follow into a panic or a loop: damaged, said so.
    if super::xls_extent::cfb_is_broken(bytes) {
        return Err(crate::model::Finding::BrokenWorkbook.fatal(format!(
            "无法读取文件 {}：文件已损坏或不完整（可能下载或复制中断），请在 Excel/WPS 中打开后另存为 .xlsx 再试；技术信息：OLE2 复合文件的扇区链断裂",
            path.display()
        )));
    }
    if let Some(record) = super::xls_extent::broken_record(bytes) {
        return Err(crate::model::Finding::BrokenWorkbook.fatal(format!(
            "无法读取文件 {}：文件已损坏（可能下载或复制中断，或由不规范的程序生成），请在 Excel/WPS 中打开后另存为 .xlsx 再试；技术信息：{record} 记录无效",
            path.display()
        )));
    }
    let Some(sheets) = super::xls_extent::extents(bytes) else {
        return Ok(());
    };
    let limit = max_cells() as u64;
    let total: u64 = sheets.iter().map(|s| s.dense).sum();
    if total <= limit {
        return Ok(());
    }
    let worst = sheets
        .iter()
        .max_by_key(|s| s.dense)
        .expect("a sheet over the limit");
    let far = crate::model::CellRef::new(&worst.name, worst.far.0, worst.far.1).a1();
    Err(crate::model::Finding::TooManyCells.fatal(format!(
        "文件 {} 的工作表“{}”只有 {} 个单元格有内容，但远到 {far}，按 .xls 的读法要占 {} 个单元格的内存（全部工作表共 {}），超过上限 {}，未读取；请删去远处的单元格（选中多余的行、列删除后保存），或另存为 .xlsx 再试（.xlsx 只按有内容的单元格计）",
        path.display(),
        worst.name,
        worst.cells,
        worst.dense,
        total,
        limit
    )))
}
/// Uncompressed size of all parts of an .xlsx / .ods package.
pub const MAX_UNPACKED_BYTES: u64 = 2 << 30;

fn read_sheets<RS: std::io::Read + std::io::Seek, R: std::io::Read + std::io::Seek>(
    path: &Path,
    mut book: Sheets<RS>,
    full: bool,
    reopen: impl Fn() -> Option<R>,
) -> Result<RawBook, String> {
    let shown = path.display();
    let format = match &book {
        Sheets::Xlsx(_) => BookFormat::Xlsx,
        Sheets::Xls(_) => BookFormat::Xls,
        Sheets::Xlsb(_) => BookFormat::Xlsb,
        Sheets::Ods(_) => BookFormat::Ods,
    };
    let meta: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .map(|m| (m.name.clone(), m.visible != calamine::SheetVisible::Visible))
        .collect();
    // A chart (or dialog, macro) sheet holds no cells: not read, not an
    // error (calamine's cell reader refuses it, which refused the book).
    let charts: Vec<bool> = book
        .sheets_metadata()
        .iter()
        .map(|m| {
            matches!(
                m.typ,
                calamine::SheetType::ChartSheet
                    | calamine::SheetType::DialogSheet
                    | calamine::SheetType::MacroSheet
            )
        })
        .collect();
    // .xlsx merged ranges by a byte search of each sheet's XML instead of
    // calamine's second parse (`xlsx_merges`); a sheet it leaves is calamine's.
    let mut fast_merges = match &book {
        Sheets::Xlsx(_) if full => {
            let names: Vec<String> = meta.iter().map(|(n, _)| n.clone()).collect();
            reopen().and_then(|r| super::xlsx_merges::merges(r, &names))
        }
        _ => None,
    }
    .unwrap_or_default();
    let mut sheets = Vec::with_capacity(meta.len());
    let mut total_cells = 0usize;
    for (i, (name, hidden)) in meta.into_iter().enumerate() {
        if charts[i] {
            continue;
        }
        let failed = |e: &dyn std::fmt::Display| {
            format!(
                "无法读取文件 {shown} 的工作表“{name}”：{}",
                describe_cause(&e.to_string())
            )
        };
        let (cells, formulas) = match &mut book {
            // xlsx: values and formulas in one streaming pass, never by declared extent.
            Sheets::Xlsx(x) => xlsx_cells(x, &name, max_cells().saturating_sub(total_cells))
                .map_err(|e| failed(&e))?
                .ok_or_else(|| too_many_cells(path))?,
            _ => {
                let range = book.worksheet_range(&name).map_err(|e| failed(&e))?;
                let cells: Vec<(u32, u32, Data)> = range
                    .used_cells()
                    .map(|(r, c, v)| (r as u32, c as u32, v.clone()))
                    .collect();
                let cells = offset(cells, range.start());
                // A sheet whose formulas can't be parsed still has its values.
                let formulas = if full {
                    let f = book.worksheet_formula(&name).unwrap_or_default();
                    let cells: Vec<(u32, u32, String)> = f
                        .used_cells()
                        .map(|(r, c, v)| (r as u32, c as u32, v.clone()))
                        .collect();
                    offset(cells, f.start())
                } else {
                    Vec::new()
                };
                (cells, formulas)
            }
        };
        total_cells += cells.len();
        if total_cells > max_cells() {
            return Err(too_many_cells(path));
        }
        // Reading merges costs another pass over the sheet; without them the
        // two-row header reader carries a parent across its children instead.
        let merges = match &mut book {
            Sheets::Xlsx(x) if full => fast_merges
                .get_mut(i)
                .and_then(Option::take)
                .unwrap_or_else(|| x.merge_cells_by_sheet_name(&name).unwrap_or_default()),
            Sheets::Xls(x) if full => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut sheet = RawSheet::new(name, cells, formulas, merges);
        sheet.hidden = hidden;
        sheets.push(sheet);
    }
    Ok(RawBook {
        path: path.to_path_buf(),
        format,
        sheets,
    })
}

/// A zip package (.xlsx, .ods) whose parts unpack past the guard is refused
/// before anything is unpacked (a zip bomb costs nothing).
fn check_unpacked_size<R: std::io::Read + std::io::Seek>(
    path: &Path,
    zip: &mut zip::ZipArchive<R>,
) -> Result<(), String> {
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        if let Ok(f) = zip.by_index_raw(i) {
            total = total.saturating_add(f.size());
        }
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(format!(
            "文件 {} 解压后达 {} MB，超出本工具处理上限 {} MB，未读取",
            path.display(),
            total >> 20,
            MAX_UNPACKED_BYTES >> 20
        ));
    }
    Ok(())
}

/// Each worksheet's `<dimension ref="…">` (at the start of its XML, read
/// before calamine parses the sheet): a reference past u32 or a range whose
/// end is before its start is a damaged file, refused with R130 (calamine
/// 0.38 `get_dimension` would overflow on it).
fn check_xlsx_dimensions<R: std::io::Read + std::io::Seek>(
    path: &Path,
    zip: &mut zip::ZipArchive<R>,
) -> Result<(), String> {
    use std::io::Read;
    for i in 0..zip.len() {
        let Ok(part) = zip.by_index(i) else {
            continue;
        };
        let Ok(name) = part.name().map(|n| n.to_string()) else {
            continue;
        };
        if !(name.starts_with("xl/worksheets/") && name.ends_with(".xml")) {
            continue;
        }
        // Inflated only up to `<sheetData` (the dimension is before it):
        // the rest of the 16 KiB head is read only to refuse, so that a part
        // that fails to inflate there is still left to calamine.
        let mut part = part.take(16 * 1024);
        let mut head = Vec::with_capacity(2048);
        let mut chunk = [0u8; 1024];
        let mut ended = false;
        let mut failed = false;
        loop {
            match part.read(&mut chunk) {
                Ok(0) => {
                    ended = true;
                    break;
                }
                Ok(n) => {
                    let from = head.len().saturating_sub(8);
                    head.extend_from_slice(&chunk[..n]);
                    if memchr::memmem::find(&head[from..], b"sheetData").is_some() {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
        if failed {
            continue;
        }
        let Some(value) = dimension_ref(&head) else {
            continue;
        };
        if !dimension_is_valid(&value) {
            if !ended && part.read_to_end(&mut head).is_err() {
                continue;
            }
            return Err(crate::model::Finding::BrokenWorkbook.fatal(format!(
                "无法读取文件 {}：文件已损坏（可能由不规范的程序生成），请在 Excel/WPS 中打开后另存为 .xlsx 再试；技术信息：{name} 的表格范围 <dimension ref=\"{}\"> 无效（终点在起点之前，或超出 Excel 的行列编号）",
                path.display(),
                value.chars().take(40).collect::<String>()
            )));
        }
    }
    Ok(())
}

/// The `ref` of the first `<dimension>` before `<sheetData>`.
fn dimension_ref(head: &[u8]) -> Option<String> {
    let end = memchr::memmem::find(head, b"sheetData").unwrap_or(head.len());
    let head = &head[..end];
    let at = memchr::memmem::find(head, b"dimension")?;
    let rest = &head[at..];
    let tag_end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
    let tag = &rest[..tag_end];
    let r = memchr::memmem::find(tag, b" ref=\"")? + 6;
    let value = tag[r..].split(|&b| b == b'"').next()?;
    Some(String::from_utf8_lossy(value).into_owned())
}

/// A `<dimension ref>` calamine can read: one or two cell references whose
/// column and row fit u32 (as it computes them), the second not before the
/// first. Something else it refuses itself (not ours to judge).
pub(super) fn dimension_is_valid(value: &str) -> bool {
    fn cell(s: &str) -> Option<Option<(u32, u32)>> {
        let (mut col, mut row) = (0u32, 0u32);
        let mut digits = false;
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' if !digits => {
                    let v = (b.to_ascii_uppercase() - b'A') as u32 + 1;
                    col = col.checked_mul(26).and_then(|c| c.checked_add(v))?;
                }
                b'0'..=b'9' => {
                    digits = true;
                    row = row
                        .checked_mul(10)
                        .and_then(|r| r.checked_add((b - b'0') as u32))?;
                }
                // Not a reference: calamine's own error.
                _ => return Some(None),
            }
        }
        Some(Some((row, col)))
    }
    let parts: Vec<&str> = value.split(':').collect();
    let mut cells = Vec::new();
    for p in &parts {
        match cell(p) {
            None => return false,
            Some(None) => return true,
            Some(Some(c)) => cells.push(c),
        }
    }
    match cells.as_slice() {
        [a, b] => b.0 >= a.0 && b.1 >= a.1,
        _ => true,
    }
}

fn too_many_cells(path: &Path) -> String {
    crate::model::Finding::TooManyCells.fatal(format!(
        "文件 {} 的单元格超过 {} 个，超出本工具处理上限，未读取；请删去无关的工作表或区域后再试（确需读取更大的台账时，可设环境变量 JIXIAO_MAX_CELLS 提高上限）",
        path.display(),
        max_cells()
    ))
}

/// Range positions are relative to its start.
fn offset<T>(cells: Vec<(u32, u32, T)>, start: Option<(u32, u32)>) -> Vec<(u32, u32, T)> {
    let (r0, c0) = start.unwrap_or((0, 0));
    cells
        .into_iter()
        .map(|(r, c, v)| (r0 + r, c0 + c, v))
        .collect()
}

/// Cells and formulas of an .xlsx sheet, streamed; `None` past `limit` cells.
#[allow(clippy::type_complexity)]
fn xlsx_cells<RS: std::io::Read + std::io::Seek>(
    x: &mut calamine::Xlsx<RS>,
    name: &str,
    limit: usize,
) -> Result<Option<(Vec<(u32, u32, Data)>, Vec<(u32, u32, String)>)>, calamine::XlsxError> {
    let mut reader = x.worksheet_cells_reader(name)?;
    let mut values = Vec::new();
    let mut formulas = Vec::new();
    while let Some(c) = reader.next_cell_with_formula()? {
        let (r, col) = c.pos;
        if let Some(f) = c.formula.filter(|f| !f.is_empty()) {
            formulas.push((r, col, f));
        }
        let v = Data::from(c.value);
        if v != Data::Empty {
            values.push((r, col, v));
            if values.len() > limit {
                return Ok(None);
            }
        }
    }
    Ok(Some((values, formulas)))
}

/// What to do with a damaged workbook, said to a clerk.
const SAVE_AGAIN: &str = "请用 Excel/WPS 打开后另存为 .xlsx 再试";

/// A dependency's English error as a short parenthetical for the end of a
/// message: the technical text kept for whoever helps, cut to one line.
fn technical(err: &str) -> String {
    let one_line = err.split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = one_line.chars().take(80).collect();
    let cut = if short.chars().count() < one_line.chars().count() {
        "…"
    } else {
        ""
    };
    format!("（技术信息：{short}{cut}）")
}

/// A dependency's English error as a plain Chinese explanation and advice,
/// the library text only a short parenthetical at the end.
fn describe_cause(err: &str) -> String {
    let lower = err.to_lowercase();
    let what = if lower.contains("eocd")
        || lower.contains("zip")
        || lower.contains("invalid archive")
        || lower.contains("larger than its declared")
        || lower.contains("i/o error")
        || lower.contains("unexpected eof")
        || lower.contains("cfb")
        || lower.contains("invalid ole")
    {
        "文件不完整或已损坏，可能下载或复制不完整"
    } else if lower.contains("xml") {
        "工作表内容的格式有误，文件可能已损坏"
    } else {
        "文件内容无法解析，文件可能已损坏"
    };
    format!("{what}；{SAVE_AGAIN}{}", technical(err))
}

fn describe_open_error(path: &Path, err: &str) -> String {
    let shown = path.display();
    let lower = err.to_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        format!(
            "无法读取文件 {shown}：文件设有打开密码（已加密），请在 Excel/WPS 中取消密码后另存为 .xlsx 再试{}",
            technical(err)
        )
    } else if lower.contains("extension")
        || lower.contains("unsupported")
        || lower.contains("detect file format")
    {
        format!(
            "无法读取文件 {shown}：不是支持的工作簿格式（支持 .xlsx / .xlsm / .xls / .ods）；{SAVE_AGAIN}{}",
            technical(err)
        )
    } else if lower.contains("cfb") || lower.contains("invalid ole") {
        format!(
            "无法读取文件 {shown}：文件不完整或已损坏，或者不是真正的 .xls 工作簿（可能下载或复制不完整，或改过扩展名）；{SAVE_AGAIN}{}",
            technical(err)
        )
    } else {
        format!("无法读取文件 {shown}：{}", describe_cause(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A package with one worksheet part: `pad` bytes of attributes before
    /// the `<dimension>`, then `<sheetData>`.
    fn package(pad: usize, dimension: &str) -> zip::ZipArchive<std::io::Cursor<Vec<u8>>> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file(
            "xl/worksheets/sheet1.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        let xml = format!(
            "<worksheet x=\"{}\"><dimension ref=\"{dimension}\"/><sheetData><row r=\"1\"/></sheetData></worksheet>",
            "a".repeat(pad)
        );
        w.write_all(xml.as_bytes()).unwrap();
        let bytes = w.finish().unwrap().into_inner();
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap()
    }

    #[test]
    fn the_dimension_check_stops_at_sheet_data_wherever_the_chunks_split_it() {
        let path = Path::new("x.xlsx");
        // Every split of `<dimension …><sheetData` across the 1 KiB chunks,
        // and a head past the 16 KiB the check reads (not looked at).
        for pad in (900..1100).chain(1990..2060).chain([20_000]) {
            let bad = check_xlsx_dimensions(path, &mut package(pad, "B2:A1"));
            if pad < 16 * 1024 - 100 {
                assert!(
                    bad.is_err(),
                    "pad {pad}: an end before its start is refused"
                );
            } else {
                assert!(bad.is_ok(), "pad {pad}: beyond the head, left to calamine");
            }
            assert!(
                check_xlsx_dimensions(path, &mut package(pad, "A1:B2")).is_ok(),
                "pad {pad}"
            );
        }
    }
}
