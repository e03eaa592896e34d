//! OpenDocument spreadsheets (.ods), read straight from `content.xml` in
//! one streaming pass into sparse sheets.
//!
//! calamine's own .ods reader builds a dense grid per sheet (one stray cell
//! far away costs gigabytes) and drops merged ranges; this one keeps only
//! the cells that hold something. Repeated cells and rows
//! (`table:number-columns-repeated` / `number-rows-repeated`) are expanded
//! only when they hold a value or formula, within the sheet's largest
//! extent, and every expanded cell counts against the caller's limit.
//! Values match what calamine 0.38 gives for the same cell (dates stay
//! `Data::DateTimeIso`, times `Data::DurationIso`, errors their text).

use super::book::RawSheet;
use calamine::{Data, Dimensions};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;

/// Largest sheet extent (as in .xlsx): repeats are cut there.
const MAX_COLS: u32 = 16_384;
const MAX_ROWS: u32 = 1_048_576;
/// Longest text a cell can hold (Excel's limit); `text:s` runs stop there.
const MAX_TEXT: usize = 32_767;
const MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";

#[derive(Debug, PartialEq)]
pub enum OdsError {
    /// More cells (after expanding repeats) than the limit.
    TooManyCells,
    /// Anything else, as a whole Chinese sentence naming the file.
    Failed(String),
}

/// Is this an OpenDocument spreadsheet package (by extension or by its
/// `mimetype` part)?
pub fn is_ods(path: &Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if ext == "ods" {
        return true;
    }
    // Excel's own formats keep calamine's reader (and its messages).
    if matches!(
        ext.as_str(),
        "xlsx" | "xlsm" | "xlsb" | "xls" | "xla" | "xlam"
    ) {
        return false;
    }
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let Ok(mut zip) = zip::ZipArchive::new(BufReader::new(file)) else {
        return false;
    };
    matches!(read_mimetype(&mut zip), Ok(Some(m)) if m == MIMETYPE)
}

fn read_mimetype<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<Option<String>, String> {
    let mut f = match zip.by_name("mimetype") {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let mut head = Vec::new();
    f.by_ref()
        .take(200)
        .read_to_end(&mut head)
        .map_err(|e| e.to_string())?;
    Ok(Some(String::from_utf8_lossy(&head).trim().to_string()))
}

/// Every sheet of an .ods file. `full = false` leaves out formulas and
/// merged ranges; `limit` is how many cells may still be read.
pub fn read_ods(path: &Path, full: bool, limit: usize) -> Result<Vec<RawSheet>, OdsError> {
    let shown = path.display();
    let book_err = |what: &str, detail: &dyn std::fmt::Display| {
        OdsError::Failed(format!(
            "无法读取文件 {shown}：{what}（技术信息：{detail}）"
        ))
    };
    let file = std::fs::File::open(path).map_err(|e| book_err("无法打开文件", &e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
        book_err(
            "文件不是完整的 .ods 工作簿压缩包（可能下载或复制不完整，或不是 .ods 文件）",
            &e,
        )
    })?;
    match read_mimetype(&mut zip) {
        Ok(Some(m)) if m == MIMETYPE => {}
        Ok(Some(m)) => {
            return Err(book_err(
                "不是 OpenDocument 电子表格（.ods）",
                &format!("mimetype = {m}"),
            ));
        }
        Ok(None) => {
            return Err(book_err(
                "不是 OpenDocument 电子表格（.ods），缺少 mimetype",
                &"mimetype not found",
            ));
        }
        Err(e) => return Err(book_err("文件已损坏", &e)),
    }
    if is_encrypted(&mut zip) {
        return Err(OdsError::Failed(format!(
            "无法读取文件 {shown}：文件设有打开密码（已加密），请在 LibreOffice/WPS 中取消密码后另存再试"
        )));
    }
    let content = match zip.by_name("content.xml") {
        Ok(f) => f,
        Err(e) => return Err(book_err("文件已损坏，缺少工作表内容 content.xml", &e)),
    };
    read_content(BufReader::new(content), full, limit).map_err(|e| match e {
        ContentError::TooManyCells => OdsError::TooManyCells,
        ContentError::Bad { sheet: Some(s), cause } => OdsError::Failed(format!(
            "无法读取文件 {shown} 的工作表“{s}”：工作表内容的格式有误或不完整（可能文件已损坏）；技术信息：{cause}"
        )),
        ContentError::Bad { sheet: None, cause } => OdsError::Failed(format!(
            "无法读取文件 {shown}：工作表内容的格式有误或不完整（可能文件已损坏）；技术信息：{cause}"
        )),
    })
}

/// An entry of META-INF/manifest.xml carries `manifest:encryption-data`.
fn is_encrypted<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> bool {
    let Ok(f) = zip.by_name("META-INF/manifest.xml") else {
        return false;
    };
    let mut reader = Reader::from_reader(BufReader::new(f));
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e))
                if e.name().as_ref() == "manifest:encryption-data" =>
            {
                return true;
            }
            Ok(Event::Eof) | Err(_) => return false,
            _ => {}
        }
        buf.clear();
    }
}

#[derive(Debug, PartialEq)]
pub(crate) enum ContentError {
    TooManyCells,
    /// Malformed or truncated XML (in the named sheet, if inside one).
    Bad {
        sheet: Option<String>,
        cause: String,
    },
}

/// The table being read.
struct Table {
    name: String,
    hidden: bool,
    cells: Vec<(u32, u32, Data)>,
    formulas: Vec<(u32, u32, String)>,
    merges: Vec<Dimensions>,
    /// Index of the next row.
    row: u32,
}

/// The row being read: its cells by column; the row index is given when
/// the row is placed, once per repeat.
struct Row {
    repeat: u32,
    col: u32,
    cells: Vec<(u32, Data)>,
    formulas: Vec<(u32, String)>,
    /// (col, rows spanned, cols spanned)
    spans: Vec<(u32, u32, u32)>,
}

/// A cell's attributes, as calamine reads them.
#[derive(Default)]
struct CellAttrs {
    value: Option<Data>,
    /// `office:value-type="string"` seen before any value attribute.
    is_string: bool,
    has_type: bool,
    is_error: bool,
    formula: Option<String>,
    repeat: u32,
    cols_spanned: u32,
    rows_spanned: u32,
}

/// Parse `content.xml` into sheets, in document order.
pub(crate) fn read_content<R: BufRead>(
    xml: R,
    full: bool,
    limit: usize,
) -> Result<Vec<RawSheet>, ContentError> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::with_capacity(1024);
    let mut inner = Vec::with_capacity(256);
    let mut sheets = Vec::new();
    let mut hidden_styles: HashSet<String> = HashSet::new();
    let mut style: Option<String> = None;
    let mut table: Option<Table> = None;
    let mut row: Option<Row> = None;
    let mut depth: usize = 0;
    let mut used = 0usize;
    let mut saw_body = false;
    let bad = |t: &Option<Table>, cause: String| ContentError::Bad {
        sheet: t.as_ref().map(|t| t.name.clone()),
        cause,
    };
    loop {
        buf.clear();
        let (e, open) = match reader.read_event_into(&mut buf) {
            Err(e) => {
                let at = reader.buffer_position();
                return Err(bad(&table, format!("{e} (at byte {at})")));
            }
            Ok(Event::Eof) => break,
            Ok(Event::End(e)) => {
                depth = depth.saturating_sub(1);
                match e.name().as_ref() {
                    "style:style" => style = None,
                    "table:table-row" => {
                        if let (Some(t), Some(r)) = (table.as_mut(), row.take()) {
                            place_row(t, r, full, limit, &mut used)?;
                        }
                    }
                    "table:table" => {
                        if let Some(t) = table.take() {
                            sheets.push(finish(t));
                        }
                        row = None;
                    }
                    _ => {}
                }
                continue;
            }
            Ok(Event::Start(e)) => (e, true),
            Ok(Event::Empty(e)) => (e, false),
            Ok(_) => continue,
        };
        let name = e.name();
        match name.as_ref() {
            "table:table-cell" | "table:covered-table-cell" if row.is_some() => {
                let r = row.as_mut().expect("row");
                let mut cell = cell_attrs(&e).map_err(|c| bad(&table, c))?;
                let text = if open {
                    Some(
                        cell_text(&mut reader, &mut inner, name.as_ref())
                            .map_err(|c| bad(&table, c))?,
                    )
                } else {
                    None
                };
                let needs_text = (cell.value.is_none() && cell.is_string)
                    || (cell.is_error
                        && matches!(&cell.value, Some(Data::String(s)) if s.is_empty()));
                if needs_text {
                    cell.value = Some(Data::String(text.unwrap_or_default()));
                } else if cell.value.is_none() && !cell.has_type {
                    // No value type but text: keep the text.
                    cell.value = text.filter(|t| !t.is_empty()).map(Data::String);
                }
                let covered = name.as_ref() == "table:covered-table-cell";
                place_cell(r, cell, covered, full, limit, used)
                    .map_err(|_| ContentError::TooManyCells)?;
                // The cell's end tag was consumed with its content.
            }
            "table:table-row" if table.is_some() => {
                let repeat =
                    count_attr(&e, "table:number-rows-repeated").map_err(|c| bad(&table, c))?;
                if open {
                    depth += 1;
                    row = Some(Row {
                        repeat,
                        col: 0,
                        cells: Vec::new(),
                        formulas: Vec::new(),
                        spans: Vec::new(),
                    });
                } else if let Some(t) = table.as_mut() {
                    t.row = t.row.saturating_add(repeat);
                }
            }
            "table:table" if table.is_none() => {
                let name = attr(&e, "table:name").map_err(|c| bad(&table, c))?;
                let style_name = attr(&e, "table:style-name").map_err(|c| bad(&table, c))?;
                let Some(name) = name else {
                    // calamine skips a table without a name; so do we.
                    if open {
                        skip(&mut reader, &mut inner, "table:table").map_err(|c| bad(&table, c))?;
                    }
                    continue;
                };
                let t = Table {
                    name,
                    hidden: style_name.is_some_and(|s| hidden_styles.contains(&s)),
                    cells: Vec::new(),
                    formulas: Vec::new(),
                    merges: Vec::new(),
                    row: 0,
                };
                if open {
                    depth += 1;
                    table = Some(t);
                } else {
                    sheets.push(finish(t));
                }
            }
            "style:style" => {
                if open {
                    depth += 1;
                    style = attr(&e, "style:name").map_err(|c| bad(&table, c))?;
                }
            }
            "style:table-properties" => {
                if open {
                    depth += 1;
                }
                let display = attr(&e, "table:display").map_err(|c| bad(&table, c))?;
                if let (Some(s), Some("false")) = (&style, display.as_deref()) {
                    hidden_styles.insert(s.clone());
                }
            }
            "table:table-cell" | "table:covered-table-cell" | "office:annotation" if open => {
                // Outside a row (malformed) or an annotation: not cell values.
                skip(&mut reader, &mut inner, name.as_ref()).map_err(|c| bad(&table, c))?;
            }
            other => {
                if other == "office:body" {
                    saw_body = true;
                }
                if open {
                    depth += 1;
                }
            }
        }
    }
    if depth != 0 || table.is_some() {
        return Err(bad(
            &table,
            "content.xml ends before its elements are closed (truncated)".into(),
        ));
    }
    if !saw_body {
        return Err(bad(&None, "content.xml has no office:body".into()));
    }
    Ok(sheets)
}

fn finish(t: Table) -> RawSheet {
    let mut sheet = RawSheet::new(t.name, t.cells, t.formulas, t.merges);
    sheet.hidden = t.hidden;
    sheet
}

/// Put a cell (and its repeats, up to the last column) into the row.
/// `Err` when the cells would pass the limit.
fn place_cell(
    r: &mut Row,
    cell: CellAttrs,
    covered: bool,
    full: bool,
    limit: usize,
    used: usize,
) -> Result<(), ()> {
    let col = r.col;
    r.col = col.saturating_add(cell.repeat);
    if col >= MAX_COLS {
        return Ok(());
    }
    let n = cell.repeat.min(MAX_COLS - col);
    let value = cell.value.filter(|v| *v != Data::Empty);
    let formula = cell.formula.filter(|f| !f.is_empty() && full);
    if value.is_some() || formula.is_some() {
        if used
            .saturating_add(r.cells.len())
            .saturating_add(n as usize)
            > limit
        {
            return Err(());
        }
        for c in col..col + n {
            if let Some(v) = &value {
                r.cells.push((c, v.clone()));
            }
            if let Some(f) = &formula {
                r.formulas.push((c, f.clone()));
            }
        }
    }
    if full && !covered && (cell.cols_spanned > 1 || cell.rows_spanned > 1) {
        for c in col..col + n {
            r.spans
                .push((c, cell.rows_spanned.max(1), cell.cols_spanned.max(1)));
        }
    }
    Ok(())
}

/// Put a finished row into the table, once per repeat if it holds anything.
fn place_row(
    t: &mut Table,
    r: Row,
    full: bool,
    limit: usize,
    used: &mut usize,
) -> Result<(), ContentError> {
    let row0 = t.row;
    t.row = row0.saturating_add(r.repeat);
    if row0 >= MAX_ROWS || (r.cells.is_empty() && r.formulas.is_empty() && r.spans.is_empty()) {
        return Ok(());
    }
    let n = r.repeat.min(MAX_ROWS - row0);
    let per_row = r.cells.len().max(r.formulas.len()) + r.spans.len();
    // Refused before anything is copied: a repeated row costs nothing to refuse.
    *used = used.saturating_add(per_row.saturating_mul(n as usize));
    if *used > limit {
        return Err(ContentError::TooManyCells);
    }
    for row in row0..row0 + n {
        t.cells
            .extend(r.cells.iter().map(|(c, v)| (row, *c, v.clone())));
        if full {
            t.formulas
                .extend(r.formulas.iter().map(|(c, f)| (row, *c, f.clone())));
            t.merges
                .extend(r.spans.iter().map(|&(c, rows, cols)| Dimensions {
                    start: (row, c),
                    end: (
                        row.saturating_add(rows - 1).min(MAX_ROWS - 1),
                        c.saturating_add(cols - 1).min(MAX_COLS - 1),
                    ),
                }));
        }
    }
    Ok(())
}

/// An attribute's value, unescaped.
fn attr(e: &BytesStart, key: &str) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        if a.key.as_ref() == key {
            return a
                .normalized_value(XmlVersion::Implicit1_0)
                .map(|v| Some(v.into_owned()))
                .map_err(|e| e.to_string());
        }
    }
    Ok(None)
}

/// A repeat count (1 when absent; at least 1).
fn count_attr(e: &BytesStart, key: &str) -> Result<u32, String> {
    match attr(e, key)? {
        None => Ok(1),
        Some(v) => parse_count(&v, key),
    }
}

fn parse_count(v: &str, key: &str) -> Result<u32, String> {
    v.trim()
        .parse::<u64>()
        .map(|n| n.clamp(1, u32::MAX as u64) as u32)
        .map_err(|_| format!("{key}=\"{v}\" is not a count"))
}

/// A cell's attributes: value (first value attribute wins, as in calamine),
/// type, formula, repeat and span.
fn cell_attrs(e: &BytesStart) -> Result<CellAttrs, String> {
    let mut c = CellAttrs {
        repeat: 1,
        ..CellAttrs::default()
    };
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let key = a.key.as_ref();
        let value = || {
            a.normalized_value(XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .map_err(|e| e.to_string())
        };
        let unset = c.value.is_none();
        match key {
            "table:number-columns-repeated" => c.repeat = parse_count(&a.value, key)?,
            "table:number-columns-spanned" => c.cols_spanned = parse_count(&a.value, key)?,
            "table:number-rows-spanned" => c.rows_spanned = parse_count(&a.value, key)?,
            "office:value" if unset => {
                // Not a number (a hand-edited or foreign file): keep the text,
                // so the reader names the cell and shows what it holds.
                let v = a.value.trim();
                c.value = Some(match v.parse::<f64>() {
                    Ok(f) => Data::Float(f),
                    Err(_) => Data::String(v.to_string()),
                });
            }
            "office:string-value" if unset => c.value = Some(Data::String(value()?)),
            "office:date-value" if unset => c.value = Some(Data::DateTimeIso(value()?)),
            "office:time-value" if unset => c.value = Some(Data::DurationIso(value()?)),
            "office:boolean-value" if unset => {
                c.value = Some(Data::Bool(a.value == "TRUE" || a.value == "true"))
            }
            "office:value-type" => {
                c.has_type = true;
                if unset {
                    c.is_string = a.value == "string";
                }
            }
            "calcext:value-type" => c.is_error = a.value == "error",
            "table:formula" => c.formula = Some(value()?),
            _ => {}
        }
    }
    Ok(c)
}

/// The text of a cell whose start tag was just read, up to and including
/// its end tag: paragraphs joined by "\n", `text:s` spaces, tabs and line
/// breaks, spans flattened; annotations left out.
fn cell_text<R: BufRead>(
    reader: &mut Reader<R>,
    buf: &mut Vec<u8>,
    cell: &str,
) -> Result<String, String> {
    let mut s = String::new();
    let mut depth = 1usize;
    let mut in_p = 0usize;
    let mut first_p = true;
    // Depth at which an annotation opened: everything under it is skipped.
    let mut note: Option<usize> = None;
    loop {
        buf.clear();
        let ev = reader
            .read_event_into(buf)
            .map_err(|e| format!("{e} (at byte {})", reader.buffer_position()))?;
        let (e, open) = match ev {
            Event::Start(e) => (e, true),
            Event::Empty(e) => (e, false),
            Event::End(e) => {
                if note == Some(depth) {
                    note = None;
                } else if note.is_none() && matches!(e.name().as_ref(), "text:p" | "text:h") {
                    in_p = in_p.saturating_sub(1);
                }
                depth -= 1;
                if depth == 0 {
                    return Ok(s);
                }
                continue;
            }
            Event::Text(t) if note.is_none() && in_p > 0 => {
                s.push_str(&t.xml10_content());
                continue;
            }
            Event::CData(t) if note.is_none() && in_p > 0 => {
                s.push_str(&t.xml10_content());
                continue;
            }
            Event::GeneralRef(r) if note.is_none() && in_p > 0 => {
                match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(ch) => s.push(ch),
                    None => match quick_xml::escape::resolve_predefined_entity(&r) {
                        Some(t) => s.push_str(t),
                        None => return Err(format!("unknown entity &{};", &*r)),
                    },
                }
                continue;
            }
            Event::Eof => return Err(format!("content.xml ends inside a {cell} (truncated)")),
            _ => continue,
        };
        if open {
            depth += 1;
        }
        if note.is_some() {
            continue;
        }
        match e.name().as_ref() {
            "office:annotation" if open => note = Some(depth),
            "text:p" | "text:h" => {
                if !first_p {
                    s.push('\n');
                }
                first_p = false;
                if open {
                    in_p += 1;
                }
            }
            "text:s" if in_p > 0 => {
                let n = count_attr(&e, "text:c")? as usize;
                let n = n.min(MAX_TEXT.saturating_sub(s.len()));
                s.extend(std::iter::repeat_n(' ', n));
            }
            "text:tab" if in_p > 0 => s.push('\t'),
            "text:line-break" if in_p > 0 => s.push('\n'),
            _ => {}
        }
    }
}

/// Skip an element whose start tag was just read, through its end tag.
fn skip<R: BufRead>(reader: &mut Reader<R>, buf: &mut Vec<u8>, name: &str) -> Result<(), String> {
    buf.clear();
    reader
        .read_to_end_into(quick_xml::name::QName(name), buf)
        .map(|_| ())
        .map_err(|e| format!("{e} (at byte {})", reader.buffer_position()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.3">"#;

    fn doc(styles: &str, tables: &str) -> String {
        format!(
            "{HEAD}<office:automatic-styles>{styles}</office:automatic-styles><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
        )
    }

    fn read(xml: &str) -> Vec<RawSheet> {
        read_content(xml.as_bytes(), true, 2_000_000).expect("reads")
    }

    fn one(rows: &str) -> RawSheet {
        read(&doc(
            "",
            &format!(r#"<table:table table:name="表1">{rows}</table:table>"#),
        ))
        .pop()
        .unwrap()
    }

    fn cells(s: &RawSheet) -> Vec<(u32, u32, Data)> {
        s.used_cells().map(|(r, c, v)| (r, c, v.clone())).collect()
    }

    fn text(s: &str) -> Data {
        Data::String(s.into())
    }

    #[test]
    fn values_read_as_calamine_reads_them() {
        let s = one(concat!(
            r#"<table:table-row>"#,
            r#"<table:table-cell office:value-type="float" office:value="12.5" calcext:value-type="float"><text:p>12.5</text:p></table:table-cell>"#,
            r#"<table:table-cell office:value-type="percentage" office:value="0.25"><text:p>25%</text:p></table:table-cell>"#,
            r#"<table:table-cell office:value-type="currency" office:currency="CNY" office:value="-3"><text:p>¥-3.00</text:p></table:table-cell>"#,
            r#"<table:table-cell office:value-type="date" office:date-value="2024-03-05"><text:p>2024/3/5</text:p></table:table-cell>"#,
            r#"<table:table-cell office:value-type="date" office:date-value="2024-03-05T10:30:00"/>"#,
            r#"<table:table-cell office:value-type="time" office:time-value="PT10H30M00S"/>"#,
            r#"<table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell>"#,
            r#"<table:table-cell office:value-type="string" office:string-value="属性值"><text:p>显示</text:p></table:table-cell>"#,
            r#"</table:table-row>"#
        ));
        assert_eq!(
            cells(&s),
            vec![
                (0, 0, Data::Float(12.5)),
                (0, 1, Data::Float(0.25)),
                (0, 2, Data::Float(-3.0)),
                (0, 3, Data::DateTimeIso("2024-03-05".into())),
                (0, 4, Data::DateTimeIso("2024-03-05T10:30:00".into())),
                (0, 5, Data::DurationIso("PT10H30M00S".into())),
                (0, 6, Data::Bool(true)),
                (0, 7, text("属性值")),
            ]
        );
    }

    #[test]
    fn text_joins_paragraphs_spaces_breaks_and_spans() {
        let s = one(concat!(
            r#"<table:table-row><table:table-cell office:value-type="string">"#,
            r#"<text:p>甲<text:s text:c="3"/>乙<text:span text:style-name="T1">丙</text:span>&amp;&#x4E01;</text:p>"#,
            r#"<office:annotation><text:p>批注不算</text:p></office:annotation>"#,
            r#"<text:p>第二段<text:line-break/>换行<text:tab/>制表<text:s/>尾</text:p>"#,
            r#"<text:p/></table:table-cell>"#,
            r#"<table:table-cell><text:p>无类型文字</text:p></table:table-cell>"#,
            r#"<table:table-cell table:formula="of:=1/0" office:value-type="string" office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>"#,
            r#"<table:table-cell office:value-type="string"/>"#,
            r#"</table:table-row>"#
        ));
        assert_eq!(
            cells(&s),
            vec![
                (0, 0, text("甲   乙丙&丁\n第二段\n换行\t制表 尾\n")),
                (0, 1, text("无类型文字")),
                (0, 2, text("#DIV/0!")),
                (0, 3, text("")),
            ]
        );
    }

    #[test]
    fn repeats_expand_only_when_they_hold_something() {
        let s = one(concat!(
            // A stray far cell: empty repeats only move the position.
            r#"<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
            r#"<table:table-row table:number-rows-repeated="3">"#,
            r#"<table:table-cell table:number-columns-repeated="2"/>"#,
            r#"<table:table-cell office:value-type="float" office:value="7" table:number-columns-repeated="3"/>"#,
            r#"<table:table-cell table:number-columns-repeated="16379"/>"#,
            r#"</table:table-row>"#,
            r#"<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
            r#"<table:table-row><table:table-cell table:number-columns-repeated="16383"/><table:table-cell office:value-type="string"><text:p>远</text:p></table:table-cell></table:table-row>"#,
        ));
        let mut want = Vec::new();
        for r in 2..5 {
            for c in 2..5 {
                want.push((r, c, Data::Float(7.0)));
            }
        }
        want.push((1_048_575, 16_383, text("远")));
        assert_eq!(cells(&s), want);
        assert_eq!((s.end_row(), s.end_col()), (1_048_576, 16_384));
    }

    #[test]
    fn huge_repeats_of_a_value_stop_at_the_sheet_edge() {
        let s = one(concat!(
            r#"<table:table-row table:number-rows-repeated="4294967295">"#,
            r#"<table:table-cell table:number-columns-repeated="16383"/>"#,
            r#"<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="99999999999"/>"#,
            r#"</table:table-row>"#,
        ));
        assert_eq!(s.cell_count(), 1_048_576);
        assert_eq!((s.end_row(), s.end_col()), (1_048_576, 16_384));
        // Past the edge of a row nothing is kept either.
        let s = one(concat!(
            r#"<table:table-row><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="20000"/>"#,
            r#"<table:table-cell office:value-type="float" office:value="2"/></table:table-row>"#,
        ));
        assert_eq!(s.cell_count(), 16_384);
        assert_eq!(s.cell(0, 16_383), &Data::Float(1.0));
    }

    #[test]
    fn expanded_cells_count_against_the_limit() {
        let xml = doc(
            "",
            concat!(
                r#"<table:table table:name="a"><table:table-row table:number-rows-repeated="1000">"#,
                r#"<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="1000"/>"#,
                r#"</table:table-row></table:table>"#
            ),
        );
        assert_eq!(
            read_content(xml.as_bytes(), false, 999_999).err(),
            Some(ContentError::TooManyCells)
        );
        assert_eq!(
            read_content(xml.as_bytes(), false, 1_000_000).unwrap()[0].cell_count(),
            1_000_000
        );
        // One row of repeats past the limit is refused before it is built.
        let xml = doc(
            "",
            r#"<table:table table:name="a"><table:table-row><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row></table:table>"#,
        );
        assert_eq!(
            read_content(xml.as_bytes(), false, 100).err(),
            Some(ContentError::TooManyCells)
        );
    }

    #[test]
    fn spans_become_merges_and_covered_cells_take_a_column() {
        let s = one(concat!(
            r#"<table:table-row>"#,
            r#"<table:table-cell office:value-type="string" table:number-columns-spanned="3" table:number-rows-spanned="1"><text:p>资金来源</text:p></table:table-cell>"#,
            r#"<table:covered-table-cell table:number-columns-repeated="2"/>"#,
            r#"<table:table-cell office:value-type="string" table:number-rows-spanned="2"><text:p>备注</text:p></table:table-cell>"#,
            r#"</table:table-row><table:table-row>"#,
            r#"<table:table-cell office:value-type="string"><text:p>中央</text:p></table:table-cell>"#,
            r#"<table:table-cell office:value-type="string"><text:p>省级</text:p></table:table-cell>"#,
            r#"<table:table-cell office:value-type="string"><text:p>县级</text:p></table:table-cell>"#,
            r#"<table:covered-table-cell/>"#,
            r#"</table:table-row>"#,
        ));
        assert_eq!(
            s.merges,
            vec![
                Dimensions {
                    start: (0, 0),
                    end: (0, 2)
                },
                Dimensions {
                    start: (0, 3),
                    end: (1, 3)
                },
            ]
        );
        assert_eq!(s.cell(0, 3), &text("备注"));
        assert_eq!(s.cell(1, 2), &text("县级"));
    }

    #[test]
    fn hidden_tables_by_their_automatic_style() {
        let xml = doc(
            concat!(
                r#"<style:style style:name="ta1" style:family="table"><style:table-properties table:display="true" style:writing-mode="lr-tb"/></style:style>"#,
                r#"<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>"#,
            ),
            concat!(
                r#"<table:table table:name="见" table:style-name="ta1"/>"#,
                r#"<table:table table:name="藏" table:style-name="ta2"><table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row></table:table>"#,
                r#"<table:table table:name="无样式"></table:table>"#,
            ),
        );
        let sheets = read(&xml);
        let seen: Vec<(&str, bool)> = sheets.iter().map(|s| (s.name.as_str(), s.hidden)).collect();
        assert_eq!(seen, vec![("见", false), ("藏", true), ("无样式", false)]);
    }

    #[test]
    fn formulas_kept_as_written_and_only_when_full() {
        let xml = doc(
            "",
            concat!(
                r#"<table:table table:name="a"><table:table-row>"#,
                r#"<table:table-cell table:formula="of:=SUM([.A1:.B1])" office:value-type="float" office:value="3" table:number-columns-spanned="2"/>"#,
                r#"</table:table-row></table:table>"#
            ),
        );
        let s = &read(&xml)[0];
        assert_eq!(s.formula(0, 0), Some("of:=SUM([.A1:.B1])"));
        assert_eq!(s.merges.len(), 1);
        let s = &read_content(xml.as_bytes(), false, 10).unwrap()[0];
        assert!(!s.has_formulas() && s.merges.is_empty());
        assert_eq!(s.cell(0, 0), &Data::Float(3.0));
    }

    #[test]
    fn broken_content_is_an_error_naming_the_sheet() {
        let full = doc(
            "",
            r#"<table:table table:name="台账"><table:table-row><table:table-cell office:value-type="string"><text:p>项目名称</text:p></table:table-cell></table:table-row></table:table>"#,
        );
        // Cut after the table: the file is still refused.
        assert!(matches!(
            read_content(&full.as_bytes()[..full.len() - 40], true, 100),
            Err(ContentError::Bad { sheet: None, .. })
        ));
        for cut in [full.len() - 100, full.len() - 105, full.len() - 130] {
            match read_content(&full.as_bytes()[..cut], true, 100) {
                Err(ContentError::Bad { sheet, .. }) => {
                    assert_eq!(sheet.as_deref(), Some("台账"), "cut at {cut}")
                }
                other => panic!("cut at {cut}: {:?}", other.map(|s| s.len())),
            }
        }
        let bad_number = doc(
            "",
            r#"<table:table table:name="台账"><table:table-row><table:table-cell office:value-type="float" office:value="abc"/></table:table-row></table:table>"#,
        );
        // A float cell whose value is no number is kept as its text, so the
        // ledger reader names the cell instead of the whole file being refused.
        let sheets = read_content(bad_number.as_bytes(), true, 100).expect("read");
        assert_eq!(sheets[0].cell(0, 0), &Data::String("abc".into()));
        assert!(matches!(
            read_content(&b"<x"[..], true, 100),
            Err(ContentError::Bad { sheet: None, .. })
        ));
        assert!(matches!(
            read_content(&b""[..], true, 100),
            Err(ContentError::Bad { sheet: None, .. })
        ));
    }

    #[test]
    fn any_cut_or_flipped_byte_is_an_answer_not_a_panic() {
        let xml = doc(
            r#"<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>"#,
            concat!(
                r#"<table:table table:name="甲" table:style-name="ta2"><table:table-row table:number-rows-repeated="2">"#,
                r#"<table:table-cell office:value-type="string" table:number-columns-spanned="2" table:number-rows-spanned="2"><text:p>a<text:s text:c="2"/>&amp;</text:p><office:annotation><text:p>n</text:p></office:annotation></table:table-cell>"#,
                r#"<table:covered-table-cell/><table:table-cell table:formula="of:=1" office:value-type="float" office:value="1" table:number-columns-repeated="3"/>"#,
                r#"</table:table-row><table:table-row><table:table-cell office:value-type="date" office:date-value="2024-01-02"/></table:table-row></table:table>"#,
            ),
        );
        let bytes = xml.as_bytes();
        for cut in 0..bytes.len() {
            let _ = read_content(&bytes[..cut], true, 50);
        }
        for at in 0..bytes.len() {
            for b in [b'<', b'>', b'"', b'/', b'9', b'&', 0xff] {
                let mut v = bytes.to_vec();
                v[at] = b;
                let _ = read_content(&v[..], true, 50);
            }
        }
    }
}
