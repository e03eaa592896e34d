//! The one place that maps the sheet model to xlsx: our own streaming
//! SpreadsheetML writer. Each worksheet's XML is generated straight from
//! its `Sheet` (and the rows its `source` produces), deflated and written
//! to the zip, then freed; sheets are generated in parallel, in chunks, and
//! written in order. A sheet may be built only when it is written
//! (`Slot::Lazy`), or after every other sheet (`Slot::After`: an overview
//! of all the others), so a workbook of 20,000 forms never holds them all.
//!
//! The XML mirrors what rust_xlsxwriter 0.102 wrote before (element order,
//! numbers, escaping, notes' VML); the format table is fixed (every role,
//! flagged or not, numbered once in `Role::ALL` order) and strings are
//! inline. Files are written by `crate::output` (temporaries, then renamed
//! together).

mod formula;
mod legacy;
mod zip;

use super::sheet::{Cell, Role, Sheet, Span, Value};
use crate::model::value::decimal_to_f64;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write;
use std::sync::OnceLock;
use zip::{Deflating, Part, ZipOut};

/// Excel's limit on text in a cell, in UTF-16 units.
pub const MAX_TEXT: usize = 32767;

/// The text cut to Excel's limit, and how many characters were cut.
pub fn clip(s: &str) -> (&str, usize) {
    if s.len() <= MAX_TEXT {
        return (s, 0);
    }
    let mut units = 0;
    for (i, ch) in s.char_indices() {
        units += ch.len_utf16();
        if units > MAX_TEXT {
            return (&s[..i], s[i..].chars().count());
        }
    }
    (s, 0)
}

/// A note cut to what a note holds (54 units under a cell's limit, as
/// rust_xlsxwriter took).
fn clip_note(s: &str) -> &str {
    let mut units = 0;
    for (i, ch) in s.char_indices() {
        units += ch.len_utf16();
        if units > MAX_TEXT - 54 {
            return &s[..i];
        }
    }
    s
}

/// Whether a text is longer than a cell may hold.
pub fn too_long(s: &str) -> bool {
    clip(s).1 > 0
}

fn clipped_note(total: usize, cut: usize) -> String {
    format!(
        "原文 {total} 字，超过 Excel 单元格上限（{MAX_TEXT} 字），此处只保留前 {} 字，截去 {cut} 字；完整内容见原台账或 JSON",
        total - cut
    )
}

// ---------------------------------------------------------------------------
// The format table.

/// Formats beyond the roles: dates copied from the input (date, date and
/// time), plain and flagged.
const RAW_DATE: usize = Role::ALL.len() * 2;
const RAW_DATETIME: usize = RAW_DATE + 2;
const FORMATS: usize = RAW_DATETIME + 2;

struct Styles {
    /// xf index of format slot k (`role * 2 + flagged`, then the raw dates).
    xf: [u32; FORMATS],
    styles_xml: String,
    theme_xml: String,
}

/// The fixed table, made once by rust_xlsxwriter from the same `Format`s
/// as before (so fonts, fills, borders and number formats are spelled as
/// they were): a scratch sheet with one formatted blank cell per format,
/// read back for the index each got.
fn styles() -> &'static Styles {
    static STYLES: OnceLock<Styles> = OnceLock::new();
    STYLES.get_or_init(|| {
        use std::io::Read;
        let mut formats = Vec::with_capacity(FORMATS);
        for role in Role::ALL {
            for flagged in [false, true] {
                formats.push(legacy::format_for(role, flagged));
            }
        }
        for (v, _) in [
            (Value::Date(chrono::NaiveDate::MIN), 0),
            (Value::Serial(0.0, true), 1),
        ] {
            for flagged in [false, true] {
                let base = legacy::format_for(Role::Raw, flagged);
                formats.push(legacy::raw_value_format(&v, &base).expect("a date format"));
            }
        }
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (k, f) in formats.iter().enumerate() {
            ws.write_blank(0, k as u16, f).expect("scratch cell");
        }
        let bytes = wb.save_to_buffer().expect("scratch workbook");
        let mut z = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("scratch zip");
        let mut read = |name: &str| {
            let mut s = String::new();
            z.by_name(name)
                .expect("scratch part")
                .read_to_string(&mut s)
                .expect("scratch part");
            s
        };
        let styles_xml = read("xl/styles.xml");
        let theme_xml = read("xl/theme/theme1.xml");
        let sheet = read("xl/worksheets/sheet1.xml");
        let mut xf = [0u32; FORMATS];
        for c in sheet.split("<c r=\"").skip(1) {
            let col: String = c.chars().take_while(|ch| ch.is_ascii_uppercase()).collect();
            let k = col
                .bytes()
                .fold(0usize, |n, b| n * 26 + (b - b'A' + 1) as usize)
                - 1;
            if let Some(s) = c.split("s=\"").nth(1).filter(|_| k < FORMATS) {
                xf[k] = s
                    .split('"')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
            }
        }
        Styles {
            xf,
            styles_xml,
            theme_xml,
        }
    })
}

fn role_xf(role: Role, flagged: bool) -> u32 {
    styles().xf[role as usize * 2 + usize::from(flagged)]
}

/// Dates copied from the input keep a date look.
fn raw_value_xf(value: &Value, flagged: bool) -> Option<u32> {
    let f = usize::from(flagged);
    match value {
        Value::Serial(_, false) | Value::Date(_) => Some(styles().xf[RAW_DATE + f]),
        Value::Serial(_, true) => Some(styles().xf[RAW_DATETIME + f]),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// XML text.

/// Text of an element (`&`, `<`, `>`; control characters as `_xHHHH_`, and
/// a literal `_xHHHH_` kept literal), as Excel writes it.
fn push_text(out: &mut String, s: &str) {
    push_data(out, &escape_escapes(s));
}

/// Plain data escaping (formulas, defined names, header text). Runs of
/// bytes that need nothing are copied whole (most texts are all such).
fn push_data(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let esc: &str = match c {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            0..0x20 => "",
            // U+FFFE and U+FFFF (EF BF BE, EF BF BF): `s` is UTF-8, so a
            // lead byte EF has its two continuation bytes.
            0xEF if b[i + 1] == 0xBF && (b[i + 2] == 0xBE || b[i + 2] == 0xBF) => "",
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[from..i]);
        let ch = s[i..].chars().next().expect("a character");
        if esc.is_empty() {
            let _ = write!(out, "_x{:04X}_", ch as u32);
        } else {
            out.push_str(esc);
        }
        i += ch.len_utf8();
        from = i;
    }
    out.push_str(&s[from..]);
}

fn data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_data(&mut out, s);
    out
}

/// An attribute value.
fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
    out
}

/// A literal `_x0041_` in a text is written `_x005F_x0041_`, or a reader
/// would take it for an escape.
fn escape_escapes(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains("_x") {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = s.to_string();
    for (i, _) in s.rmatch_indices("_x") {
        let end = i + 7;
        if end > s.len() || !s.is_char_boundary(end - 1) || !s[end - 1..].starts_with('_') {
            continue;
        }
        if s[i + 2..end - 1].chars().all(|c| c.is_ascii_hexdigit()) {
            out.replace_range(i..i, "_x005F");
        }
    }
    std::borrow::Cow::Owned(out)
}

fn preserve(s: &str) -> &'static str {
    let ws = ['\t', '\n', ' '];
    if s.starts_with(ws) || s.ends_with(ws) {
        " xml:space=\"preserve\""
    } else {
        ""
    }
}

fn col_name(col: u16) -> String {
    crate::model::col_name(col as u32)
}

fn cell_ref(row: u32, col: u16) -> String {
    format!("{}{}", col_name(col), row + 1)
}

fn range_ref(r0: u32, c0: u16, r1: u32, c1: u16) -> String {
    if r0 == r1 && c0 == c1 {
        cell_ref(r0, c0)
    } else {
        format!("{}:{}", cell_ref(r0, c0), cell_ref(r1, c1))
    }
}

fn abs_range(r0: u32, c0: u16, r1: u32, c1: u16) -> String {
    let one = |r: u32, c: u16| format!("${}${}", col_name(c), r + 1);
    if r0 == r1 && c0 == c1 {
        one(r0, c0)
    } else {
        format!("{}:{}", one(r0, c0), one(r1, c1))
    }
}

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const NS_MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const NS_R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const NS_PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

// ---------------------------------------------------------------------------
// One worksheet.

/// Excel's default column width in pixels (8.43 characters).
const DEFAULT_COL_PX: u32 = 64;
const DEFAULT_ROW_PX: u32 = 20;

fn col_px(width: f64) -> u32 {
    if width == 0.0 {
        0
    } else if width < 1.0 {
        (width * 12.0).round() as u32
    } else {
        (width * 7.0).round() as u32 + 5
    }
}

/// A defined name of a sheet (print area, print titles, filter range).
struct Defined {
    /// 0 filter, 1 print area, 2 print titles (Excel's sorted order).
    kind: u8,
    range: String,
    local: usize,
}

impl Defined {
    fn sort_key(&self) -> (&'static str, &str) {
        let k = match self.kind {
            0 => "_filterdatabase{}",
            1 => "print_area{}",
            _ => "print_titles",
        };
        (k, &self.range)
    }
}

/// A note as placed: its cell, text and VML anchor.
struct NoteOut {
    row: u32,
    col: u16,
    text: String,
    /// from col, col offset, from row, row offset, to col, to col offset,
    /// to row, to row offset (px), and the absolute left/top (px).
    anchor: (u32, u32, u32, u32, u32, f64, u32, f64),
    abs: (u32, u32),
}

/// A worksheet's XML: deflated, or waiting for its shared strings' numbers.
enum Xml {
    Done(Part),
    Shared {
        head: String,
        rows: String,
        tail: String,
        strings: Vec<String>,
        refs: u64,
    },
}

/// The workbook's shared strings.
#[derive(Default)]
struct Sst {
    ids: HashMap<String, u32>,
    count: u64,
}

impl Sst {
    fn id(&mut self, s: String) -> u32 {
        let n = self.ids.len() as u32;
        *self.ids.entry(s).or_insert(n)
    }
}

/// The sheet's XML with its strings' workbook numbers.
fn shared_part(name: String, head: &str, rows: &str, tail: &str, ids: &[u32], level: u32) -> Part {
    let mut d = Deflating::new(level);
    d.push_str(head);
    let b = rows.as_bytes();
    let mut at = 0;
    let mut num = String::new();
    while let Some(i) = memchr::memchr(0, &b[at..]) {
        let start = at + i;
        d.push(&b[at..start]);
        let end = start + 1 + memchr::memchr(0, &b[start + 1..]).expect("marker closed");
        let k: usize = rows[start + 1..end].parse().expect("marker number");
        num.clear();
        let _ = write!(num, "{}", ids[k]);
        d.push_str(&num);
        at = end + 1;
    }
    d.push(&b[at..]);
    d.push_str(tail);
    d.part(name)
}

/// A sheet rendered: its XML deflated, what goes in other parts.
struct Rendered {
    index: usize,
    name: String,
    xml: Xml,
    notes: Vec<NoteOut>,
    /// The drawing and chart XML (rust_xlsxwriter's).
    charts: Option<(String, Vec<String>)>,
    defined: Vec<Defined>,
}

/// A sheet's rows: deflated as written (inline strings), or kept as text
/// with each shared string as `\0<local id>\0` until the workbook's
/// numbers for them are known.
enum RowsOut {
    Deflate(Box<Deflating>),
    Text(String),
}

impl RowsOut {
    fn push_str(&mut self, s: &str) {
        match self {
            RowsOut::Deflate(d) => d.push_str(s),
            RowsOut::Text(t) => t.push_str(s),
        }
    }
}

/// The model's rows not yet written.
type ModelRows<'s> = std::iter::Peekable<std::vec::IntoIter<(u32, Vec<(u16, Stored<'s>)>)>>;

/// What a stored cell is, in write order (a later write to a cell wins).
#[derive(Clone, Copy)]
enum Stored<'s> {
    /// A merged range's blank in the format of its first cell.
    Fill(u32),
    Cell(&'s Cell),
}

struct SheetWriter {
    /// Each column's role and format, by column (none: `None` and 0).
    column_role: Vec<Option<Role>>,
    col_xf: Vec<u32>,
    /// Row heights in pixels.
    heights: BTreeMap<u32, u32>,
    notes: BTreeMap<(u32, u16), String>,
    dim: Option<(u32, u16, u32, u16)>,
    rows: RowsOut,
    /// This sheet's shared strings in order of first use, and their ids.
    strings: Vec<String>,
    string_ids: HashMap<String, u32>,
    string_refs: u64,
    any_row: bool,
    /// Heights not yet written (rows are written in order).
    next_height: u32,
    buf: String,
    /// A row's start tag being written.
    head: String,
}

impl SheetWriter {
    fn grow(&mut self, row: u32, col: u16) {
        self.dim = Some(match self.dim {
            None => (row, col, row, col),
            Some((r0, c0, r1, c1)) => (r0.min(row), c0.min(col), r1.max(row), c1.max(col)),
        });
    }

    fn out_xf(&self, xf: u32, col: u16) -> u32 {
        if xf == 0 {
            self.col_xf.get(col as usize).copied().unwrap_or(0)
        } else {
            xf
        }
    }

    /// Whether writing the cell stores anything (rust_xlsxwriter ignores an
    /// empty text without a format and an unformatted empty copy).
    fn stores(&self, c: &Cell) -> bool {
        let plain = self.plain(c);
        match &c.value {
            Value::Text(s) if plain => !s.is_empty(),
            Value::Empty if c.role == Role::Raw => c.flagged,
            _ => true,
        }
    }

    fn plain(&self, c: &Cell) -> bool {
        let own = c.role == Role::Raw && raw_value_xf(&c.value, c.flagged).is_some();
        let long = matches!(&c.value, Value::Text(t) if too_long(t));
        !own && !c.flagged
            && !long
            && c.note.is_none()
            && (c.role == Role::Raw
                || self.column_role.get(c.col as usize).copied().flatten() == Some(c.role))
    }

    /// The note a cell carries (its own, and one on a text cut to fit).
    fn take_note(&mut self, c: &Cell) {
        let cut = match &c.value {
            Value::Text(t) if too_long(t) => Some(clipped_note(t.chars().count(), clip(t).1)),
            _ => None,
        };
        let note = match (&c.note, cut) {
            (Some(n), Some(cut)) => Some(format!("{cut}\n{n}")),
            (Some(n), None) => Some(n.clone()),
            (None, cut) => cut,
        };
        if let Some(n) = note {
            self.grow(c.row, c.col);
            self.notes.insert((c.row, c.col), clip_note(&n).to_string());
        }
    }

    /// One stored cell's XML into `buf`.
    fn cell_xml(&mut self, s: Stored<'_>, row: u32, col: u16) {
        match s {
            Stored::Fill(xf) => {
                let xf = self.out_xf(xf, col);
                if xf > 0 {
                    cell_open(&mut self.buf, row, col, xf);
                    self.buf.push_str("/>");
                }
            }
            Stored::Cell(c) => {
                let plain = self.plain(c);
                let base = role_xf(c.role, c.flagged);
                let own = if c.role == Role::Raw {
                    raw_value_xf(&c.value, c.flagged)
                } else {
                    None
                };
                // Values written without a format take their column's.
                let bare = plain
                    && match &c.value {
                        Value::Text(_) | Value::Number(_) | Value::Float(_) => true,
                        Value::Date(_) => c.role != Role::Raw,
                        Value::Empty => c.role == Role::Raw,
                        _ => false,
                    };
                let fmt = if bare { 0 } else { own.unwrap_or(base) };
                let xf = self.out_xf(fmt, col);
                let buf = &mut self.buf;
                match &c.value {
                    Value::Empty => {
                        if xf > 0 {
                            cell_open(buf, row, col, xf);
                            buf.push_str("/>");
                        }
                    }
                    Value::Text(t) => {
                        let t = clip(t).0;
                        if t.is_empty() {
                            if xf > 0 {
                                cell_open(buf, row, col, xf);
                                buf.push_str("/>");
                            }
                        } else if matches!(self.rows, RowsOut::Text(_)) {
                            let k = match self.string_ids.get(t) {
                                Some(k) => *k,
                                None => {
                                    let k = self.strings.len() as u32;
                                    self.strings.push(t.to_string());
                                    self.string_ids.insert(t.to_string(), k);
                                    k
                                }
                            };
                            self.string_refs += 1;
                            cell_open(buf, row, col, xf);
                            buf.push_str(" t=\"s\"><v>\0");
                            push_uint(buf, u64::from(k));
                            buf.push_str("\0</v></c>");
                        } else {
                            cell_open(buf, row, col, xf);
                            buf.push_str(" t=\"inlineStr\"><is><t");
                            buf.push_str(preserve(t));
                            buf.push('>');
                            push_text(buf, t);
                            buf.push_str("</t></is></c>");
                        }
                    }
                    Value::Number(d) => {
                        cell_open(buf, row, col, xf);
                        buf.push_str("><v>");
                        push_decimal(buf, *d);
                        buf.push_str("</v></c>");
                    }
                    Value::Float(f) | Value::Serial(f, _) => {
                        cell_open(buf, row, col, xf);
                        buf.push_str("><v>");
                        push_f64(buf, *f);
                        buf.push_str("</v></c>");
                    }
                    Value::Date(d) => {
                        cell_open(buf, row, col, xf);
                        buf.push_str("><v>");
                        push_f64(buf, legacy::excel_serial(*d) as f64);
                        buf.push_str("</v></c>");
                    }
                    Value::Bool(b) => {
                        cell_open(buf, row, col, xf);
                        buf.push_str(" t=\"b\"><v>");
                        buf.push(if *b { '1' } else { '0' });
                        buf.push_str("</v></c>");
                    }
                    Value::Formula(expr, result) => {
                        let own = if c.role == Role::Raw {
                            raw_value_xf(result, c.flagged)
                        } else {
                            None
                        };
                        let xf = self.out_xf(own.unwrap_or(fmt), col);
                        let buf = &mut self.buf;
                        let cached = legacy::cached(result);
                        let result = clip(&cached).0;
                        let f = formula_text(expr);
                        let kind = if result.parse::<f64>().is_ok() {
                            ""
                        } else {
                            match result {
                                "#DIV/0!" | "#N/A" | "#NAME?" | "#NULL!" | "#NUM!" | "#REF!"
                                | "#VALUE!" | "#GETTING_DATA" => " t=\"e\"",
                                "TRUE" | "FALSE" => " t=\"b\"",
                                _ => " t=\"str\"",
                            }
                        };
                        cell_open(buf, row, col, xf);
                        buf.push_str(kind);
                        buf.push_str("><f>");
                        push_data(buf, &f);
                        buf.push_str("</f><v>");
                        match result {
                            "TRUE" => buf.push('1'),
                            "FALSE" => buf.push('0'),
                            _ => push_data(buf, result),
                        }
                        buf.push_str("</v></c>");
                    }
                }
            }
        }
    }

    /// Rows with a height and nothing else, before `row`.
    fn heights_before(&mut self, row: u32) {
        if self.heights.range(self.next_height..row).next().is_none() {
            self.next_height = self.next_height.max(row);
            return;
        }
        let pending: Vec<(u32, u32)> = self
            .heights
            .range(self.next_height..row)
            .map(|(r, h)| (*r, *h))
            .collect();
        for (r, h) in pending {
            let mut s = String::new();
            let _ = write!(
                s,
                "<row r=\"{}\" ht=\"{}\" customHeight=\"1\"/>",
                r + 1,
                h as f64 * 0.75
            );
            self.rows.push_str(&s);
            self.any_row = true;
        }
        self.next_height = self.next_height.max(row);
    }

    /// A row: its cells (already in `buf`), written with its height.
    fn end_row(&mut self, row: u32, has_note: bool) {
        self.heights_before(row);
        let ht = self.heights.get(&row).copied();
        let head = &mut self.head;
        head.clear();
        head.push_str("<row r=\"");
        push_uint(head, u64::from(row) + 1);
        head.push('"');
        if let Some(h) = ht {
            let _ = write!(head, " ht=\"{}\" customHeight=\"1\"", h as f64 * 0.75);
        }
        if !self.buf.is_empty() {
            head.push('>');
            self.rows.push_str(&self.head);
            self.rows.push_str(&self.buf);
            self.buf.clear();
            self.rows.push_str("</row>");
            self.any_row = true;
        } else if ht.is_some() || has_note {
            head.push_str("/>");
            self.rows.push_str(&self.head);
            self.any_row = true;
        }
        self.next_height = self.next_height.max(row + 1);
    }
}

/// `<c r="AB12"` and ` s="N"` (none for the default format), unclosed.
fn cell_open(buf: &mut String, row: u32, col: u16, xf: u32) {
    buf.push_str("<c r=\"");
    push_col(buf, col);
    push_uint(buf, u64::from(row) + 1);
    buf.push('"');
    if xf > 0 {
        buf.push_str(" s=\"");
        push_uint(buf, u64::from(xf));
        buf.push('"');
    }
}

/// A column's letters (`AB`), as `col_name` spells them.
fn push_col(buf: &mut String, col: u16) {
    let mut letters = [0u8; 3];
    let mut n = col as u32 + 1;
    let mut len = 0;
    while n > 0 && len < 3 {
        letters[2 - len] = b'A' + ((n - 1) % 26) as u8;
        len += 1;
        n = (n - 1) / 26;
    }
    for &b in &letters[3 - len..] {
        buf.push(b as char);
    }
}

/// An unsigned integer's decimal digits.
fn push_uint(buf: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &digits[at..] {
        buf.push(b as char);
    }
}

/// A number as `{}` prints the f64 (shortest round trip, no exponent):
/// integers below 2^53 printed as integers without the float machinery.
fn push_f64(buf: &mut String, f: f64) {
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 && !(f == 0.0 && f.is_sign_negative())
    {
        if f < 0.0 {
            buf.push('-');
        }
        push_uint(buf, f.abs() as u64);
    } else {
        let _ = write!(buf, "{f}");
    }
}

/// A computed number as `{}` prints `decimal_to_f64(d)`: a nonzero decimal
/// of at most 15 significant digits is the shortest text of its (correctly
/// rounded) double, so its own digits are printed; any other goes through
/// the double.
fn push_decimal(buf: &mut String, d: rust_decimal::Decimal) {
    let d = d.normalize();
    let m = d.mantissa();
    if m == 0 || m.unsigned_abs() >= 1_000_000_000_000_000 {
        push_f64(buf, decimal_to_f64(d));
        return;
    }
    if m < 0 {
        buf.push('-');
    }
    let scale = d.scale() as usize;
    let mut text = [0u8; 20];
    let mut at = text.len();
    let mut n = m.unsigned_abs();
    loop {
        at -= 1;
        text[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let t = std::str::from_utf8(&text[at..]).unwrap_or("0");
    if scale == 0 {
        buf.push_str(t);
    } else if t.len() > scale {
        let (int, frac) = t.split_at(t.len() - scale);
        buf.push_str(int);
        buf.push('.');
        buf.push_str(frac);
    } else {
        buf.push_str("0.");
        for _ in t.len()..scale {
            buf.push('0');
        }
        buf.push_str(t);
    }
}

/// A formula as written: without "=" (and array braces), future functions
/// prefixed, as rust_xlsxwriter's `Formula::new`.
fn formula_text(expr: &str) -> String {
    let f = format!("={expr}");
    let mut f = f.as_str();
    if let Some(s) = f.strip_prefix('{') {
        f = s;
    }
    if let Some(s) = f.strip_prefix('=') {
        f = s;
    }
    if let Some(s) = f.strip_suffix('}') {
        f = s;
    }
    formula::escape(f)
}

/// `&` starts a code in page headers.
fn header_text(s: &str) -> String {
    s.replace('&', "&&")
}

/// Large sheets without multi-row merges have inline strings (rust_xlsxwriter's
/// row-by-row mode did); the others share theirs.
fn streams(sheet: &Sheet) -> bool {
    (sheet.stream || sheet.source.is_some() || sheet.cells.len() > STREAM_CELLS)
        && sheet.merges.iter().all(|m| m.first_row == m.last_row)
}

const STREAM_CELLS: usize = 50_000;

fn render_sheet(sheet: &Sheet, index: usize, level: u32) -> Result<Rendered, String> {
    let shared = !streams(sheet);
    // Column widths and formats.
    let mut cols: BTreeMap<u16, (u32, u32)> = BTreeMap::new();
    for (c, w) in &sheet.widths {
        cols.entry(*c).or_insert((DEFAULT_COL_PX, 0)).0 = col_px(*w);
    }
    let ncols = sheet
        .column_roles
        .iter()
        .map(|(c, _)| *c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut column_role = vec![None; ncols];
    let mut col_xf = vec![0; ncols];
    for (c, role) in &sheet.column_roles {
        let xf = role_xf(*role, false);
        cols.entry(*c).or_insert((DEFAULT_COL_PX, 0)).1 = xf;
        column_role[*c as usize] = Some(*role);
        col_xf[*c as usize] = xf;
    }
    // Title rows are tall enough for their larger font.
    let mut heights: BTreeMap<u32, u32> = sheet
        .cells
        .iter()
        .filter(|c| c.role == Role::Title)
        .map(|c| (c.row, 32))
        .collect();
    for (r, h) in &sheet.row_heights {
        heights.insert(*r, (h * 4.0 / 3.0).round() as u32);
    }
    heights.retain(|_, h| *h > 0);
    let mut w = SheetWriter {
        column_role,
        col_xf,
        heights,
        notes: BTreeMap::new(),
        dim: None,
        rows: if shared {
            RowsOut::Text(String::new())
        } else {
            RowsOut::Deflate(Box::new(Deflating::new(level)))
        },
        strings: Vec::new(),
        string_ids: HashMap::new(),
        string_refs: 0,
        any_row: false,
        next_height: 0,
        buf: String::new(),
        head: String::new(),
    };
    if let Some((r, _)) = w.heights.iter().next_back() {
        w.grow(*r, 0);
        let first = *w.heights.keys().next().expect("a height");
        w.grow(first, 0);
    }

    // Merges: a blank in the first cell's format over the whole range
    // (cells written later take their place); an overlapping merge of a
    // damaged input is dropped, its blanks kept, as before.
    let mut merges: Vec<&Span> = sheet
        .merges
        .iter()
        .filter(|m| !(m.first_row == m.last_row && m.first_col == m.last_col))
        .filter(|m| m.first_row <= m.last_row && m.first_col <= m.last_col)
        .collect();
    merges.sort_by_key(|m| (m.first_row, m.first_col));
    let starts: HashMap<(u32, u16), u32> = if merges.is_empty() {
        HashMap::new()
    } else {
        let wanted: std::collections::HashSet<(u32, u16)> =
            merges.iter().map(|m| (m.first_row, m.first_col)).collect();
        sheet
            .cells
            .iter()
            .filter(|c| wanted.contains(&(c.row, c.col)))
            .map(|c| ((c.row, c.col), role_xf(c.role, c.flagged)))
            .collect()
    };
    let mut entries: Vec<(u32, u16, Stored<'_>)> = Vec::new();
    let mut kept: Vec<&Span> = Vec::new();
    let mut merged: std::collections::HashSet<(u32, u16)> = Default::default();
    for m in &merges {
        let xf = starts
            .get(&(m.first_row, m.first_col))
            .copied()
            .unwrap_or(0);
        let mut overlaps = false;
        for r in m.first_row..=m.last_row {
            for c in m.first_col..=m.last_col {
                entries.push((r, c, Stored::Fill(xf)));
                overlaps |= merged.contains(&(r, c));
            }
        }
        w.grow(m.first_row, m.first_col);
        w.grow(m.last_row, m.last_col);
        if !overlaps {
            for r in m.first_row..=m.last_row {
                for c in m.first_col..=m.last_col {
                    merged.insert((r, c));
                }
            }
            kept.push(m);
        }
    }
    drop(merged);
    for c in &sheet.cells {
        w.take_note(c);
        if w.stores(c) {
            entries.push((c.row, c.col, Stored::Cell(c)));
        }
    }
    // Write order kept among writes to the same cell: the last one wins.
    entries.sort_by_key(|(r, c, _)| (*r, *c));
    let mut i = 0;
    let mut model_rows: Vec<(u32, Vec<(u16, Stored<'_>)>)> = Vec::new();
    while i < entries.len() {
        let row = entries[i].0;
        let mut cells: Vec<(u16, Stored<'_>)> = Vec::new();
        while i < entries.len() && entries[i].0 == row {
            let (_, col, s) = entries[i];
            match cells.last_mut() {
                Some((c, last)) if *c == col => *last = s,
                _ => cells.push((col, s)),
            }
            i += 1;
        }
        model_rows.push((row, cells));
    }
    drop(entries);
    // Rows whose only content is a note (an unformatted empty copy) are
    // written all the same.
    for (r, _) in w.notes.keys() {
        if model_rows.binary_search_by_key(r, |(m, _)| *m).is_err() {
            let at = model_rows.partition_point(|(m, _)| m < r);
            model_rows.insert(at, (*r, Vec::new()));
        }
    }
    let note_rows: std::collections::HashSet<u32> = w.notes.keys().map(|(r, _)| *r).collect();
    let mut model = model_rows.into_iter().peekable();
    // Writes every model row before `row` (all when `None`).
    let flush_model = |w: &mut SheetWriter,
                       model: &mut ModelRows<'_>,
                       before: Option<u32>,
                       note_rows: &std::collections::HashSet<u32>| {
        while let Some((r, _)) = model.peek() {
            if before.is_some_and(|b| *r >= b) {
                break;
            }
            let (r, cells) = model.next().expect("peeked");
            for (c, s) in cells {
                w.grow(r, c);
                w.cell_xml(s, r, c);
            }
            w.end_row(r, note_rows.contains(&r));
        }
    };
    if let Some(source) = &sheet.source {
        // Rows produced on demand, in row order, after the model's own.
        let mut row: Vec<Cell> = Vec::new();
        // Their heights, fitted as they come (the higher where the sheet
        // has its own for the row).
        let fit = sheet.source_heights.as_deref();
        let own_pt: HashMap<u32, f64> = match fit {
            Some(_) => sheet.row_heights.iter().copied().collect(),
            None => HashMap::new(),
        };
        let emit_row = |w: &mut SheetWriter, row: &mut Vec<Cell>, model: &mut ModelRows<'_>| {
            let Some(r) = row.first().map(|c| c.row) else {
                return;
            };
            if let Some(pt) = fit.and_then(|f| f.row_height(row.iter())) {
                let pt = own_pt.get(&r).map_or(pt, |own| own.max(pt));
                let px = (pt * 4.0 / 3.0).round() as u32;
                if px > 0 {
                    w.heights.insert(r, px);
                    w.grow(r, 0);
                }
            }
            flush_model(w, model, Some(r), &note_rows);
            let mut own: Vec<(u16, Stored<'_>)> = match model.peek() {
                Some((mr, _)) if *mr == r => model.next().expect("peeked").1,
                _ => Vec::new(),
            };
            // Source cells are written after the model's: they win.
            for c in row.iter() {
                w.take_note(c);
            }
            let has_note = w.notes.range((r, 0)..=(r, u16::MAX)).next().is_some();
            // Most rows: the source's own, one cell a column, left to right.
            if own.is_empty() && row.windows(2).all(|p| p[0].col < p[1].col) {
                for c in row.iter() {
                    if w.stores(c) {
                        w.grow(r, c.col);
                        w.cell_xml(Stored::Cell(c), r, c.col);
                    }
                }
                w.end_row(r, has_note);
                row.clear();
                return;
            }
            let mut all: BTreeMap<u16, Option<usize>> = BTreeMap::new();
            for (c, _) in &own {
                all.insert(*c, None);
            }
            for (k, c) in row.iter().enumerate() {
                if w.stores(c) {
                    all.insert(c.col, Some(k));
                }
            }
            for (col, src) in all {
                w.grow(r, col);
                match src {
                    Some(k) => {
                        let c = &row[k];
                        w.cell_xml(Stored::Cell(c), r, col);
                    }
                    None => {
                        let k = own.iter().position(|(c, _)| *c == col).expect("own cell");
                        let (_, s) = own.swap_remove(k);
                        w.cell_xml(s, r, col);
                    }
                }
            }
            w.end_row(r, has_note);
            row.clear();
        };
        source(&mut |c: Cell| {
            if row.first().is_some_and(|f| f.row != c.row) {
                emit_row(&mut w, &mut row, &mut model);
            }
            if row.is_empty() && w.next_height > c.row && w.any_row {
                // A row before one already written can't be added: dropped,
                // as rust_xlsxwriter's row-by-row mode did.
                return;
            }
            row.push(c);
        });
        emit_row(&mut w, &mut row, &mut model);
    }
    flush_model(&mut w, &mut model, None, &note_rows);
    w.heights_before(u32::MAX);

    let source_rows = sheet.source_rows;
    let layout = sheet
        .print
        .as_ref()
        .and_then(|_| super::sheet::page_layout(sheet, source_rows));

    // The head (needs the dimension, known once every row is written).
    let mut head = String::with_capacity(2048);
    head.push_str(XML_DECL);
    let _ = write!(head, "<worksheet xmlns=\"{NS_MAIN}\" xmlns:r=\"{NS_R}\">");
    if layout.is_some_and(|l| l.fit_width) {
        head.push_str("<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>");
    }
    let dim = match w.dim {
        Some((r0, c0, r1, c1)) => range_ref(r0, c0, r1, c1),
        None => "A1".into(),
    };
    let _ = write!(head, "<dimension ref=\"{dim}\"/><sheetViews>");
    let selected = if index == 0 { " tabSelected=\"1\"" } else { "" };
    match sheet.freeze.filter(|(r, c)| *r > 0 || *c > 0) {
        None => {
            let _ = write!(head, "<sheetView{selected} workbookViewId=\"0\"/>");
        }
        Some((row, col)) => {
            let _ = write!(head, "<sheetView{selected} workbookViewId=\"0\">");
            let top_left = cell_ref(row, col);
            let split = |head: &mut String, pane: &str| {
                head.push_str("<pane");
                if col > 0 {
                    let _ = write!(head, " xSplit=\"{col}\"");
                }
                if row > 0 {
                    let _ = write!(head, " ySplit=\"{row}\"");
                }
                let _ = write!(
                    head,
                    " topLeftCell=\"{top_left}\" activePane=\"{pane}\" state=\"frozen\"/>"
                );
            };
            if row > 0 && col > 0 {
                split(&mut head, "bottomRight");
                let tr = cell_ref(0, col);
                let bl = cell_ref(row, 0);
                let _ = write!(
                    head,
                    "<selection pane=\"topRight\" activeCell=\"{tr}\" sqref=\"{tr}\"/><selection pane=\"bottomLeft\" activeCell=\"{bl}\" sqref=\"{bl}\"/><selection pane=\"bottomRight\"/>"
                );
            } else if col > 0 {
                split(&mut head, "topRight");
                head.push_str("<selection pane=\"topRight\"/>");
            } else {
                split(&mut head, "bottomLeft");
                head.push_str("<selection pane=\"bottomLeft\"/>");
            }
            head.push_str("</sheetView>");
        }
    }
    head.push_str("</sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>");
    if !cols.is_empty() {
        head.push_str("<cols>");
        let list: Vec<(u16, (u32, u32))> = cols.iter().map(|(c, v)| (*c, *v)).collect();
        let mut i = 0;
        while i < list.len() {
            let (first, props) = list[i];
            let mut last = first;
            while i + 1 < list.len() && list[i + 1].0 == last + 1 && list[i + 1].1 == props {
                i += 1;
                last = list[i].0;
            }
            let (px, xf) = props;
            let width = f64::from(px * 256 / 7) / 256.0;
            let _ = write!(
                head,
                "<col min=\"{}\" max=\"{}\" width=\"{width}\"",
                first + 1,
                last + 1
            );
            if xf > 0 {
                let _ = write!(head, " style=\"{xf}\"");
            }
            if px != DEFAULT_COL_PX {
                head.push_str(" customWidth=\"1\"");
            }
            head.push_str("/>");
            i += 1;
        }
        head.push_str("</cols>");
    }
    head.push_str(if w.any_row {
        "<sheetData>"
    } else {
        "<sheetData/>"
    });

    // The tail.
    let mut tail = String::with_capacity(2048);
    if w.any_row {
        tail.push_str("</sheetData>");
    }
    let mut defined = Vec::new();
    let qname = rust_xlsxwriter::utility::quote_sheet_name(&sheet.name);
    if let Some(a) = sheet.autofilter {
        let _ = write!(
            tail,
            "<autoFilter ref=\"{}\"/>",
            range_ref(a.first_row, a.first_col, a.last_row, a.last_col)
        );
        defined.push(Defined {
            kind: 0,
            range: format!(
                "{qname}!{}",
                abs_range(a.first_row, a.first_col, a.last_row, a.last_col)
            ),
            local: index,
        });
    }
    if !kept.is_empty() {
        let _ = write!(tail, "<mergeCells count=\"{}\">", kept.len());
        for m in &kept {
            let _ = write!(
                tail,
                "<mergeCell ref=\"{}\"/>",
                range_ref(m.first_row, m.first_col, m.last_row, m.last_col)
            );
        }
        tail.push_str("</mergeCells>");
    }
    let mut validations: Vec<(String, String)> = Vec::new();
    for v in &sheet.validations {
        let sqref = range_ref(v.first_row, v.col, v.last_row, v.col);
        let list = v
            .choices
            .iter()
            .map(|s| s.replace('"', "\"\""))
            .collect::<Vec<_>>()
            .join(",");
        // Excel refuses the whole file for a list over 255 characters; the
        // lists are ours (fixed choices), so this only guards a future one:
        // the drop-down is left out rather than the workbook broken.
        debug_assert!(list.encode_utf16().count() <= 255, "{list}");
        if list.encode_utf16().count() > 255 {
            continue;
        }
        match validations.iter_mut().find(|(r, _)| *r == sqref) {
            Some(slot) => slot.1 = list,
            None => validations.push((sqref, list)),
        }
    }
    if !validations.is_empty() {
        let _ = write!(tail, "<dataValidations count=\"{}\">", validations.len());
        for (sqref, list) in &validations {
            let _ = write!(
                tail,
                "<dataValidation type=\"list\" allowBlank=\"1\" showInputMessage=\"1\" showErrorMessage=\"1\" sqref=\"{sqref}\"><formula1>\"{}\"</formula1></dataValidation>",
                data(list)
            );
        }
        tail.push_str("</dataValidations>");
    }
    match (&sheet.print, layout) {
        (Some(p), Some(l)) => {
            tail.push_str("<printOptions horizontalCentered=\"1\"/>");
            let [left, right, top, bottom, header, footer] =
                super::sheet::margins_cm(l.landscape).map(|cm| cm / 2.54);
            let _ = write!(
                tail,
                "<pageMargins left=\"{left}\" right=\"{right}\" top=\"{top}\" bottom=\"{bottom}\" header=\"{header}\" footer=\"{footer}\"/>"
            );
            tail.push_str("<pageSetup paperSize=\"9\"");
            if l.fit_width {
                if !l.fit_height {
                    tail.push_str(" fitToHeight=\"0\"");
                }
            } else {
                if l.scale != 100 {
                    let _ = write!(tail, " scale=\"{}\"", l.scale);
                }
                // Split across pages: the two halves of a row band come one after the other.
                tail.push_str(" pageOrder=\"overThenDown\"");
            }
            let _ = write!(
                tail,
                " orientation=\"{}\" horizontalDpi=\"200\" verticalDpi=\"200\"/>",
                if l.landscape { "landscape" } else { "portrait" }
            );
            let font = "&\"宋体,常规\"&9";
            let head_text = format!("&L{font}{}&C{font}&A", header_text(&p.unit));
            let foot_text = format!("&C{font}第 &P 页 共 &N 页");
            let _ = write!(
                tail,
                "<headerFooter><oddHeader>{}</oddHeader><oddFooter>{}</oddFooter></headerFooter>",
                data(&head_text),
                data(&foot_text)
            );
            defined.push(Defined {
                kind: 1,
                range: format!(
                    "{qname}!{}",
                    abs_range(0, l.first_col, l.last_row, l.last_col)
                ),
                local: index,
            });
            let mut titles = String::new();
            if let Some((a, b)) = l.repeat_cols {
                let _ = write!(titles, "{qname}!${}:${}", col_name(a), col_name(b));
            }
            if let Some((a, b)) = p.repeat_rows {
                if !titles.is_empty() {
                    titles.push(',');
                }
                let _ = write!(titles, "{qname}!${}:${}", a + 1, b + 1);
            }
            if !titles.is_empty() {
                defined.push(Defined {
                    kind: 2,
                    range: titles,
                    local: index,
                });
            }
        }
        _ => tail.push_str(
            "<pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/>",
        ),
    }
    let charts = if sheet.charts.is_empty() {
        None
    } else {
        Some(legacy::chart_parts(sheet)?)
    };
    if charts.is_some() {
        tail.push_str("<drawing r:id=\"rId1\"/>");
    }
    if !w.notes.is_empty() {
        let _ = write!(
            tail,
            "<legacyDrawing r:id=\"rId{}\"/>",
            1 + usize::from(charts.is_some())
        );
    }
    tail.push_str("</worksheet>");

    // Notes placed as rust_xlsxwriter placed them: to the right of and just
    // above their cell, 360 × 120 px.
    let col_w = |c: u32| -> u32 {
        cols.get(&(c as u16))
            .map(|(px, _)| *px)
            .unwrap_or(DEFAULT_COL_PX)
    };
    let row_h = |r: u32| -> u32 { w.heights.get(&r).copied().unwrap_or(DEFAULT_ROW_PX) };
    // Offsets summed from the last note's (notes come in row order), as
    // rust_xlsxwriter does: a sum from the top for each of 10,000 notes on a
    // 100,000-row sheet would be quadratic.
    let mut row_at = (0u32, 0u32);
    let mut col_offsets: Vec<u32> = vec![0];
    let notes: Vec<NoteOut> = std::mem::take(&mut w.notes)
        .into_iter()
        .map(|((row, col), text)| {
            let (max_row, max_col) = (1_048_576u32, 16_384u32);
            let cr = row;
            let cc = col as u32;
            let nrow = if cr == 0 {
                0
            } else if cr == max_row - 3 {
                max_row - 7
            } else if cr == max_row - 2 {
                max_row - 6
            } else if cr == max_row - 1 {
                max_row - 5
            } else {
                cr - 1
            };
            let ncol = if cc >= max_col - 3 { cc - 3 } else { cc + 1 };
            let x_off = if cc >= max_col - 3 { 49 } else { 15 };
            let y_off = if cr == 0 {
                2
            } else if cr >= max_row - 3 {
                if cr == max_row - 1 { 14 } else { 16 }
            } else {
                10
            };
            let (width, height) = (360.0f64, 120.0f64);
            while col_offsets.len() <= ncol as usize {
                let c = col_offsets.len() as u32 - 1;
                col_offsets.push(col_offsets[c as usize] + col_w(c));
            }
            let x_abs: u32 = col_offsets[ncol as usize] + x_off;
            if nrow < row_at.0 {
                row_at = (0, 0);
            }
            row_at = (nrow, row_at.1 + (row_at.0..nrow).map(row_h).sum::<u32>());
            let y_abs: u32 = row_at.1 + y_off;
            let (mut c0, mut r0, mut x1, mut y1) = (ncol, nrow, x_off, y_off);
            while x1 >= col_w(c0) {
                x1 -= col_w(c0);
                c0 += 1;
            }
            while y1 >= row_h(r0) {
                y1 -= row_h(r0);
                r0 += 1;
            }
            let (mut c1, mut r1) = (c0, r0);
            let mut x2 = width + x1 as f64;
            let mut y2 = height + y1 as f64;
            while x2 >= col_w(c1) as f64 {
                x2 -= col_w(c1) as f64;
                c1 += 1;
            }
            while y2 >= row_h(r1) as f64 {
                y2 -= row_h(r1) as f64;
                r1 += 1;
            }
            NoteOut {
                row,
                col,
                text,
                anchor: (c0, x1, r0, y1, c1, x2, r1, y2),
                abs: (x_abs, y_abs),
            }
        })
        .collect();

    let rows = std::mem::replace(&mut w.rows, RowsOut::Text(String::new()));
    let xml = match rows {
        RowsOut::Deflate(rows) => {
            let mut h = Deflating::new(level);
            h.push_str(&head);
            let mut t = Deflating::new(level);
            t.push_str(&tail);
            Xml::Done(Deflating::join(
                format!("xl/worksheets/sheet{}.xml", index + 1),
                vec![h, *rows, t],
            ))
        }
        RowsOut::Text(rows) => Xml::Shared {
            head,
            rows,
            tail,
            strings: std::mem::take(&mut w.strings),
            refs: w.string_refs,
        },
    };
    Ok(Rendered {
        index,
        name: sheet.name.clone(),
        xml,
        notes,
        charts,
        defined,
    })
}

// ---------------------------------------------------------------------------
// Notes: comments part and VML drawing.

/// The notes' comments part, deflated as it is written (a large sheet's
/// notes are megabytes of XML).
fn comments_part(name: String, notes: &[NoteOut], level: u32) -> Part {
    let mut d = Deflating::new(level);
    let mut s = String::with_capacity(PIECE + 1024);
    s.push_str(XML_DECL);
    let _ = write!(
        s,
        "<comments xmlns=\"{NS_MAIN}\"><authors><author>Author</author><author>jixiao</author></authors><commentList>"
    );
    let run =
        "<sz val=\"8\"/><color indexed=\"81\"/><rFont val=\"Tahoma\"/><family val=\"2\"/></rPr>";
    for n in notes {
        let text = format!("\n{}", n.text);
        let _ = write!(
            s,
            "<comment ref=\"{}\" authorId=\"1\"><text><r><rPr><b/>{run}<t>jixiao:</t></r><r><rPr>{run}<t{}>",
            cell_ref(n.row, n.col),
            preserve(&text)
        );
        push_data(&mut s, &text);
        s.push_str("</t></r></text></comment>");
        if s.len() > PIECE {
            d.push_str(&s);
            s.clear();
        }
    }
    s.push_str("</commentList></comments>");
    d.push_str(&s);
    d.part(name)
}

/// The notes' VML drawing, deflated as it is written.
fn vml_part(name: String, notes: &[NoteOut], data_id: u32, level: u32) -> Part {
    let mut d = Deflating::new(level);
    let mut s = String::with_capacity(PIECE + 2048);
    s.push_str("<xml xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:x=\"urn:schemas-microsoft-com:office:excel\">");
    let mut idmap = data_id.to_string();
    for i in 0..notes.len() as u32 / 1024 {
        let _ = write!(idmap, ",{}", data_id + i + 1);
    }
    let _ = write!(
        s,
        "<o:shapelayout v:ext=\"edit\"><o:idmap v:ext=\"edit\" data=\"{idmap}\"/></o:shapelayout><v:shapetype id=\"_x0000_t202\" coordsize=\"21600,21600\" o:spt=\"202\" path=\"m,l,21600r21600,l21600,xe\"><v:stroke joinstyle=\"miter\"/><v:path gradientshapeok=\"t\" o:connecttype=\"rect\"/></v:shapetype>"
    );
    let pt = |px: f64| (px + 0.25).floor() * 72.0 / 96.0;
    for (i, n) in notes.iter().enumerate() {
        let (c0, x1, r0, y1, c1, x2, r1, y2) = n.anchor;
        let _ = write!(
            s,
            "<v:shape id=\"_x0000_s{}\" type=\"#_x0000_t202\" style=\"position:absolute;margin-left:{}pt;margin-top:{}pt;width:{}pt;height:{}pt;z-index:{};visibility:hidden\" fillcolor=\"#ffffe1\" o:insetmode=\"auto\"><v:fill color2=\"#ffffe1\"/><v:shadow on=\"t\" color=\"black\" obscured=\"t\"/><v:path o:connecttype=\"none\"/><v:textbox style=\"mso-direction-alt:auto\"><div style=\"text-align:left\"></div></v:textbox><x:ClientData ObjectType=\"Note\"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{c0}, {x1}, {r0}, {y1}, {c1}, {x2}, {r1}, {y2}</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{}</x:Row><x:Column>{}</x:Column></x:ClientData></v:shape>",
            1024 * data_id + 1 + i as u32,
            pt(n.abs.0 as f64),
            pt(n.abs.1 as f64),
            pt(360.0),
            pt(120.0),
            i + 1,
            n.row,
            n.col
        );
        if s.len() > PIECE {
            d.push_str(&s);
            s.clear();
        }
    }
    s.push_str("</xml>");
    d.push_str(&s);
    d.part(name)
}

/// Text gathered up to this many bytes before it is deflated.
const PIECE: usize = 1 << 16;

fn rels_xml(rels: &[(&str, String)]) -> String {
    let mut s = String::new();
    s.push_str(XML_DECL);
    let _ = write!(s, "<Relationships xmlns=\"{NS_PKG_REL}\">");
    for (i, (kind, target)) in rels.iter().enumerate() {
        let _ = write!(
            s,
            "<Relationship Id=\"rId{}\" Type=\"{kind}\" Target=\"{target}\"/>",
            i + 1
        );
    }
    s.push_str("</Relationships>");
    s
}

const REL_DOC: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

// ---------------------------------------------------------------------------
// The workbook.

/// A sheet of a workbook being written.
pub enum Slot<'a> {
    Sheet(&'a Sheet),
    /// Built when it is written (in parallel with its neighbours), then dropped.
    Lazy(Box<dyn Fn() -> Sheet + Send + Sync + 'a>),
    /// Built after every other sheet has been written (a summary of them);
    /// its place in the workbook is still its place in the list.
    After(Box<dyn FnOnce() -> Sheet + Send + 'a>),
}

/// Why a workbook was not written.
#[derive(Debug)]
pub enum BookError {
    Io(std::io::Error),
    Other(String),
}

impl BookError {
    /// The message, with `io` for what went wrong writing.
    pub fn message(self, io: impl FnOnce(std::io::Error) -> String) -> String {
        match self {
            BookError::Io(e) => io(e),
            BookError::Other(s) => s,
        }
    }
}

impl From<zip::ZipError> for BookError {
    fn from(e: zip::ZipError) -> Self {
        match e {
            zip::ZipError::Io(e) => BookError::Io(e),
            zip::ZipError::TooLarge => BookError::Other(
                "工作簿超过 4 GB（xlsx 文件的上限），无法写出；请按乡镇或年度分开处理".into(),
            ),
        }
    }
}

/// Above this many cells, compress fast rather than small: a county workbook
/// is written once and opened a few times.
const FAST_ZIP_CELLS: usize = 50_000;
/// Cells a sheet built on demand is counted as (a form) for that rule.
const LAZY_CELLS: usize = 100;
/// Sheets generated together (in parallel) before being written.
const CHUNK: usize = 64;

/// A workbook marked as jixiao's (`生成工具 = jixiao`, `类型 = kind`), so
/// that `consolidate` knows its own outputs whatever their names, written to `out`.
pub fn write_workbook<W: Write>(
    out: W,
    sheets: &[Sheet],
    kind: crate::output::Kind,
) -> Result<W, BookError> {
    write_book(out, sheets.iter().map(Slot::Sheet).collect(), Some(kind))
}

/// Render sheets into an xlsx in memory.
pub fn render(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    write_book(Vec::new(), sheets.iter().map(Slot::Sheet).collect(), None)
        .map_err(|e| e.message(|e| format!("生成工作簿时出错：{e}")))
}

/// A workbook in memory, marked as jixiao's.
pub fn workbook_bytes(sheets: &[Sheet], kind: crate::output::Kind) -> Result<Vec<u8>, String> {
    write_workbook(Vec::new(), sheets, kind)
        .map_err(|e| e.message(|e| format!("生成工作簿时出错：{e}")))
}

/// The sheets of a workbook in order, every one built (tests, the web
/// service's JSON views): what `write_book` would write.
pub fn materialize(slots: Vec<Slot<'_>>) -> Vec<Sheet> {
    let mut out: Vec<Option<Sheet>> = Vec::with_capacity(slots.len());
    let mut after = Vec::new();
    for (i, s) in slots.into_iter().enumerate() {
        match s {
            Slot::Sheet(s) => out.push(Some(s.clone())),
            Slot::Lazy(f) => out.push(Some(f())),
            Slot::After(f) => {
                out.push(None);
                after.push((i, f));
            }
        }
    }
    for (i, f) in after {
        out[i] = Some(f());
    }
    out.into_iter().map(|s| s.expect("built")).collect()
}

enum Work<'a, 'b> {
    Ref(&'b Sheet),
    Lazy(&'b (dyn Fn() -> Sheet + Send + Sync + 'a)),
    Owned(Box<Sheet>),
}

/// Numbers given in writing order (as rust_xlsxwriter gave them in sheet order).
#[derive(Default)]
struct Counters {
    comments: u32,
    vml_data: u32,
    drawings: u32,
    charts: u32,
    sst: Sst,
}

struct SheetMeta {
    name: String,
    defined: Vec<Defined>,
}

/// Write a workbook: its sheets in `slots` order.
pub fn write_book<W: Write>(
    out: W,
    slots: Vec<Slot<'_>>,
    kind: Option<crate::output::Kind>,
) -> Result<W, BookError> {
    let created = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let cells: usize = slots
        .iter()
        .map(|s| match s {
            Slot::Sheet(s) => s.cells.len(),
            _ => LAZY_CELLS,
        })
        .sum();
    let fast = cells > FAST_ZIP_CELLS
        || slots
            .iter()
            .any(|s| matches!(s, Slot::Sheet(s) if s.source.is_some()));
    let level = if fast { 1 } else { 6 };
    let n = slots.len();
    let mut zip = ZipOut::new(out);
    let mut meta: Vec<Option<SheetMeta>> = (0..n).map(|_| None).collect();
    let mut counters = Counters {
        vml_data: 1,
        ..Default::default()
    };
    let mut after: Vec<(usize, Box<dyn FnOnce() -> Sheet + Send + '_>)> = Vec::new();
    let mut kept: Vec<(usize, Slot<'_>)> = Vec::new();
    for (i, s) in slots.into_iter().enumerate() {
        match s {
            Slot::After(f) => after.push((i, f)),
            other => kept.push((i, other)),
        }
    }
    let now: Vec<(usize, Work<'_, '_>)> = kept
        .iter()
        .map(|(i, s)| {
            let w = match s {
                Slot::Sheet(s) => Work::Ref(s),
                Slot::Lazy(f) => Work::Lazy(f.as_ref()),
                Slot::After(_) => unreachable!("taken apart above"),
            };
            (*i, w)
        })
        .collect();
    let mut pending = now;
    loop {
        for chunk in pending.chunks(CHUNK) {
            write_chunk(chunk, level, &mut zip, &mut meta, &mut counters)?;
        }
        if after.is_empty() {
            break;
        }
        // Sheets that sum up the others, built now (one by one: each may
        // gather what the others left).
        pending = std::mem::take(&mut after)
            .into_iter()
            .map(|(i, f)| (i, Work::Owned(Box::new(f()))))
            .collect();
    }
    let meta: Vec<SheetMeta> = meta
        .into_iter()
        .map(|m| m.expect("every sheet written"))
        .collect();
    // Excel refuses a workbook with two sheets of one name (in any case).
    let mut seen = std::collections::HashSet::new();
    for m in &meta {
        if !seen.insert(m.name.to_lowercase()) {
            return Err(BookError::Other(format!(
                "生成工作簿时出错：工作表名“{}”重复",
                m.name
            )));
        }
    }
    write_book_parts(&mut zip, &meta, &counters, kind, &created, level)?;
    Ok(zip.finish()?)
}

fn write_chunk<W: Write>(
    chunk: &[(usize, Work<'_, '_>)],
    level: u32,
    zip: &mut ZipOut<W>,
    meta: &mut [Option<SheetMeta>],
    counters: &mut Counters,
) -> Result<(), BookError> {
    let rendered: Vec<Result<Rendered, String>> = chunk
        .par_iter()
        .map(|(i, work)| {
            let built;
            let sheet: &Sheet = match work {
                Work::Ref(s) => s,
                Work::Owned(s) => s,
                Work::Lazy(f) => {
                    built = f();
                    &built
                }
            };
            render_sheet(sheet, *i, level)
                .map_err(|e| format!("生成工作表“{}”时出错：{e}", sheet.name))
        })
        .collect();
    // Numbers in writing order.
    let mut jobs = Vec::with_capacity(rendered.len());
    for r in rendered {
        let mut r = r.map_err(BookError::Other)?;
        let mut ids = Vec::new();
        if let Xml::Shared { strings, refs, .. } = &mut r.xml {
            ids = std::mem::take(strings)
                .into_iter()
                .map(|s| counters.sst.id(s))
                .collect();
            counters.sst.count += *refs;
        }
        let mut numbers = (0, 0, 0, 0);
        if r.charts.is_some() {
            counters.drawings += 1;
            numbers.2 = counters.drawings;
            numbers.3 = counters.charts + 1;
            counters.charts += r.charts.as_ref().map_or(0, |c| c.1.len() as u32);
        }
        if !r.notes.is_empty() {
            counters.comments += 1;
            numbers.0 = counters.comments;
            numbers.1 = counters.vml_data;
            counters.vml_data += (1024 + r.notes.len() as u32) / 1024;
        }
        jobs.push((r, numbers, ids));
    }
    let parts: Vec<(Vec<Part>, SheetMeta, usize, bool, u32, u32)> = jobs
        .into_par_iter()
        .map(|(r, (comment, vml, drawing, chart), ids)| {
            let sheet_no = r.index + 1;
            let xml = match r.xml {
                Xml::Done(p) => p,
                Xml::Shared {
                    head, rows, tail, ..
                } => shared_part(
                    format!("xl/worksheets/sheet{sheet_no}.xml"),
                    &head,
                    &rows,
                    &tail,
                    &ids,
                    level,
                ),
            };
            let mut parts = vec![xml];
            let mut rels: Vec<(&str, String)> = Vec::new();
            if let Some((drawing_xml, charts)) = &r.charts {
                rels.push((
                    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing",
                    format!("../drawings/drawing{drawing}.xml"),
                ));
                parts.push(zip::part(
                    format!("xl/drawings/drawing{drawing}.xml"),
                    drawing_xml,
                    level,
                ));
                let mut drels: Vec<(&str, String)> = Vec::new();
                for (k, c) in charts.iter().enumerate() {
                    let no = chart + k as u32;
                    drels.push((
                        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart",
                        format!("../charts/chart{no}.xml"),
                    ));
                    parts.push(zip::part(format!("xl/charts/chart{no}.xml"), c, level));
                }
                parts.push(zip::part(
                    format!("xl/drawings/_rels/drawing{drawing}.xml.rels"),
                    &rels_xml(&drels),
                    level,
                ));
            }
            if !r.notes.is_empty() {
                rels.push((
                    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing",
                    format!("../drawings/vmlDrawing{comment}.vml"),
                ));
                rels.push((
                    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments",
                    format!("../comments{comment}.xml"),
                ));
                parts.push(vml_part(
                    format!("xl/drawings/vmlDrawing{comment}.vml"),
                    &r.notes,
                    vml,
                    level,
                ));
                parts.push(comments_part(
                    format!("xl/comments{comment}.xml"),
                    &r.notes,
                    level,
                ));
            }
            if !rels.is_empty() {
                parts.push(zip::part(
                    format!("xl/worksheets/_rels/sheet{sheet_no}.xml.rels"),
                    &rels_xml(&rels),
                    level,
                ));
            }
            let n_charts = r.charts.as_ref().map_or(0, |c| c.1.len() as u32);
            (
                parts,
                SheetMeta {
                    name: r.name,
                    defined: r.defined,
                },
                r.index,
                !r.notes.is_empty(),
                drawing,
                if n_charts > 0 { chart + n_charts - 1 } else { 0 },
            )
        })
        .collect();
    for (ps, m, index, notes, drawing, last_chart) in parts {
        let _ = (notes, drawing, last_chart);
        for p in ps {
            zip.add(p)?;
        }
        meta[index] = Some(m);
    }
    Ok(())
}

fn write_book_parts<W: Write>(
    zip: &mut ZipOut<W>,
    meta: &[SheetMeta],
    counters: &Counters,
    kind: Option<crate::output::Kind>,
    created: &str,
    level: u32,
) -> Result<(), BookError> {
    let n = meta.len();
    let has_vml = counters.comments > 0;
    // [Content_Types].xml
    let mut ct = String::new();
    ct.push_str(XML_DECL);
    ct.push_str("<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>");
    if has_vml {
        ct.push_str("<Default Extension=\"vml\" ContentType=\"application/vnd.openxmlformats-officedocument.vmlDrawing\"/>");
    }
    let ov = |ct: &mut String, part: &str, t: &str| {
        let _ = write!(
            ct,
            "<Override PartName=\"/{part}\" ContentType=\"application/vnd.openxmlformats-{t}\"/>"
        );
    };
    ov(
        &mut ct,
        "docProps/app.xml",
        "officedocument.extended-properties+xml",
    );
    ov(&mut ct, "docProps/core.xml", "package.core-properties+xml");
    ov(
        &mut ct,
        "xl/styles.xml",
        "officedocument.spreadsheetml.styles+xml",
    );
    ov(&mut ct, "xl/theme/theme1.xml", "officedocument.theme+xml");
    ov(
        &mut ct,
        "xl/workbook.xml",
        "officedocument.spreadsheetml.sheet.main+xml",
    );
    for i in 1..=n {
        ov(
            &mut ct,
            &format!("xl/worksheets/sheet{i}.xml"),
            "officedocument.spreadsheetml.worksheet+xml",
        );
    }
    for i in 1..=counters.drawings {
        ov(
            &mut ct,
            &format!("xl/drawings/drawing{i}.xml"),
            "officedocument.drawing+xml",
        );
    }
    for i in 1..=counters.charts {
        ov(
            &mut ct,
            &format!("xl/charts/chart{i}.xml"),
            "officedocument.drawingml.chart+xml",
        );
    }
    for i in 1..=counters.comments {
        ov(
            &mut ct,
            &format!("xl/comments{i}.xml"),
            "officedocument.spreadsheetml.comments+xml",
        );
    }
    let has_sst = counters.sst.count > 0;
    if has_sst {
        ov(
            &mut ct,
            "xl/sharedStrings.xml",
            "officedocument.spreadsheetml.sharedStrings+xml",
        );
    }
    if kind.is_some() {
        ov(
            &mut ct,
            "docProps/custom.xml",
            "officedocument.custom-properties+xml",
        );
    }
    ct.push_str("</Types>");
    zip.add(zip::part("[Content_Types].xml", &ct, level))?;

    // _rels/.rels
    let mut root: Vec<(&str, String)> = vec![
        (
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
            "xl/workbook.xml".into(),
        ),
        (
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
            "docProps/core.xml".into(),
        ),
        (
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties",
            "docProps/app.xml".into(),
        ),
    ];
    if kind.is_some() {
        root.push((
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties",
            "docProps/custom.xml".into(),
        ));
    }
    zip.add(zip::part("_rels/.rels", &rels_xml(&root), level))?;

    // xl/_rels/workbook.xml.rels
    let mut wrels: Vec<(&str, String)> = (1..=n)
        .map(|i| {
            (
                "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet",
                format!("worksheets/sheet{i}.xml"),
            )
        })
        .collect();
    wrels.push((
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme",
        "theme/theme1.xml".into(),
    ));
    wrels.push((
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles",
        "styles.xml".into(),
    ));
    if has_sst {
        wrels.push((
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings",
            "sharedStrings.xml".into(),
        ));
    }
    zip.add(zip::part(
        "xl/_rels/workbook.xml.rels",
        &rels_xml(&wrels),
        level,
    ))?;
    let st = styles();
    zip.add(zip::part("xl/theme/theme1.xml", &st.theme_xml, level))?;
    zip.add(zip::part("xl/styles.xml", &st.styles_xml, level))?;
    if has_sst {
        let mut by_id: Vec<&str> = vec![""; counters.sst.ids.len()];
        for (s, k) in &counters.sst.ids {
            by_id[*k as usize] = s;
        }
        let mut d = Deflating::new(level);
        let mut s = String::new();
        s.push_str(XML_DECL);
        let _ = write!(
            s,
            "<sst xmlns=\"{NS_MAIN}\" count=\"{}\" uniqueCount=\"{}\">",
            counters.sst.count,
            by_id.len()
        );
        for t in by_id {
            let _ = write!(s, "<si><t{}>", preserve(t));
            push_text(&mut s, t);
            s.push_str("</t></si>");
            if s.len() > 1 << 16 {
                d.push_str(&s);
                s.clear();
            }
        }
        s.push_str("</sst>");
        d.push_str(&s);
        zip.add(d.part("xl/sharedStrings.xml"))?;
    }

    // xl/workbook.xml
    let mut defined: Vec<&Defined> = meta.iter().flat_map(|m| m.defined.iter()).collect();
    defined.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut wb = String::new();
    wb.push_str(XML_DECL);
    let _ = write!(
        wb,
        "<workbook xmlns=\"{NS_MAIN}\" xmlns:r=\"{NS_R}\"><fileVersion appName=\"xl\" lastEdited=\"4\" lowestEdited=\"4\" rupBuild=\"4505\"/><workbookPr defaultThemeVersion=\"124226\"/><bookViews><workbookView xWindow=\"240\" yWindow=\"15\" windowWidth=\"16095\" windowHeight=\"9660\"/></bookViews><sheets>"
    );
    for (i, m) in meta.iter().enumerate() {
        let _ = write!(
            wb,
            "<sheet name=\"{}\" sheetId=\"{}\" r:id=\"rId{}\"/>",
            attr(&m.name),
            i + 1,
            i + 1
        );
    }
    wb.push_str("</sheets>");
    if !defined.is_empty() {
        wb.push_str("<definedNames>");
        for d in &defined {
            let name = match d.kind {
                0 => "_xlnm._FilterDatabase",
                1 => "_xlnm.Print_Area",
                _ => "_xlnm.Print_Titles",
            };
            let hidden = if d.kind == 0 { " hidden=\"1\"" } else { "" };
            let _ = write!(
                wb,
                "<definedName name=\"{name}\" localSheetId=\"{}\"{hidden}>{}</definedName>",
                d.local,
                data(&d.range)
            );
        }
        wb.push_str("</definedNames>");
    }
    wb.push_str("<calcPr calcId=\"124519\" fullCalcOnLoad=\"1\"/></workbook>");
    zip.add(zip::part("xl/workbook.xml", &wb, level))?;

    // docProps
    let app_names: Vec<String> = defined
        .iter()
        .filter(|d| d.kind != 0)
        .map(|d| {
            let q = rust_xlsxwriter::utility::quote_sheet_name(&meta[d.local].name);
            format!(
                "{q}!{}",
                if d.kind == 1 {
                    "Print_Area"
                } else {
                    "Print_Titles"
                }
            )
        })
        .collect();
    let mut app = String::new();
    app.push_str(XML_DECL);
    app.push_str("<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"><Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs>");
    if app_names.is_empty() {
        let _ = write!(
            app,
            "<vt:vector size=\"2\" baseType=\"variant\"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>{n}</vt:i4></vt:variant></vt:vector>"
        );
    } else {
        let _ = write!(
            app,
            "<vt:vector size=\"4\" baseType=\"variant\"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>{n}</vt:i4></vt:variant><vt:variant><vt:lpstr>Named Ranges</vt:lpstr></vt:variant><vt:variant><vt:i4>{}</vt:i4></vt:variant></vt:vector>",
            app_names.len()
        );
    }
    let _ = write!(
        app,
        "</HeadingPairs><TitlesOfParts><vt:vector size=\"{}\" baseType=\"lpstr\">",
        n + app_names.len()
    );
    for m in meta {
        let _ = write!(app, "<vt:lpstr>{}</vt:lpstr>", data(&m.name));
    }
    for a in &app_names {
        let _ = write!(app, "<vt:lpstr>{}</vt:lpstr>", data(a));
    }
    app.push_str("</vt:vector></TitlesOfParts><Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>");
    zip.add(zip::part("docProps/app.xml", &app, level))?;
    let mut core = String::new();
    core.push_str(XML_DECL);
    let _ = write!(
        core,
        "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:creator></dc:creator><cp:lastModifiedBy></cp:lastModifiedBy><dcterms:created xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:modified></cp:coreProperties>"
    );
    zip.add(zip::part("docProps/core.xml", &core, level))?;
    if let Some(kind) = kind {
        let mut custom = String::new();
        custom.push_str(XML_DECL);
        custom.push_str("<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">");
        for (pid, (name, value)) in [
            (crate::output::TOOL_PROPERTY, crate::output::TOOL),
            (crate::output::KIND_PROPERTY, kind.label()),
        ]
        .iter()
        .enumerate()
        {
            let _ = write!(
                custom,
                "<property fmtid=\"{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}\" pid=\"{}\" name=\"{}\"><vt:lpwstr>{}</vt:lpwstr></property>",
                pid + 2,
                attr(name),
                data(value)
            );
        }
        custom.push_str("</Properties>");
        zip.add(zip::part("docProps/custom.xml", &custom, level))?;
    }
    let _ = REL_DOC;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_spelled_as_the_model_spells_them() {
        for (row, col) in [
            (0, 0),
            (9, 25),
            (0, 26),
            (41, 701),
            (1_048_575, 702),
            (3, 16_383),
        ] {
            let mut s = String::new();
            push_col(&mut s, col);
            push_uint(&mut s, u64::from(row) + 1);
            assert_eq!(s, cell_ref(row, col));
        }
    }

    #[test]
    fn numbers_are_printed_as_the_double_prints() {
        use rust_decimal::Decimal;
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut decimals: Vec<Decimal> = [
            "0",
            "-0",
            "0.1",
            "-0.0001",
            "100",
            "123456789012345",
            "1234567890123456",
            "0.000000000000000000000000001",
            "99999999999999.9",
            "-5.50",
            "1e-3",
        ]
        .iter()
        .filter_map(|t| t.parse().ok())
        .collect();
        decimals.push(Decimal::MAX);
        decimals.push(Decimal::MIN);
        for _ in 0..200_000 {
            let digits = next() % 10_u64.pow((next() % 19) as u32 + 1);
            let scale = (next() % 29) as u32;
            let mut d = Decimal::from_i128_with_scale(digits as i128, scale);
            d.set_sign_negative(next() % 2 == 0);
            decimals.push(d);
        }
        for d in decimals {
            let mut s = String::new();
            push_decimal(&mut s, d);
            assert_eq!(s, format!("{}", decimal_to_f64(d)), "{d}");
        }
        let mut floats = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            1e15,
            1e16,
            9_007_199_254_740_993.0,
            1e300,
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
            45_000.0,
            2.5e-8,
        ];
        for _ in 0..200_000 {
            let f = f64::from_bits(next());
            floats.push(f);
            floats.push(
                (next() % 100_000_000) as f64 / [1.0, 10.0, 100.0, 1e4][(next() % 4) as usize],
            );
        }
        for f in floats {
            let mut s = String::new();
            push_f64(&mut s, f);
            assert_eq!(s, format!("{f}"));
        }
    }

    #[test]
    fn rows_produced_on_demand_are_written_as_rows_held_whole() {
        use crate::write::sheet::Rows;
        use std::sync::Arc;
        // 60,000 cells: wrapping texts (long, CJK, several lines), numbers,
        // a note, so heights and notes' anchors are both exercised.
        let rows: Rows = Arc::new(|full, emit| {
            for r in 3..6003u32 {
                for col in 0..10u16 {
                    let value = match (r + col as u32) % 4 {
                        0 => Value::Text("项目".repeat((r % 17) as usize)),
                        1 => {
                            Value::Text(format!("line {r}\nand {}", "x".repeat((r % 45) as usize)))
                        }
                        2 => Value::Number(rust_decimal::Decimal::new(r as i64 * 12345, 4)),
                        _ => Value::Formula(
                            if full {
                                format!("A{r}+1")
                            } else {
                                String::new()
                            },
                            Box::new(Value::Number(r.into())),
                        ),
                    };
                    let mut c = Cell::new(r, col, value, Role::Text);
                    if r % 997 == 0 && col == 1 {
                        c.note = Some("注".into());
                        c.flagged = true;
                    }
                    emit(c);
                }
            }
        });
        let head = |s: &mut Sheet| {
            s.text(0, 0, "标题", Role::Title);
            s.merge(0, 0, 0, 9);
            s.text(2, 0, "很长很长很长很长很长很长的表头", Role::Header);
        };
        let mut held = Sheet::new("t");
        head(&mut held);
        rows(true, &mut |c| held.cells.push(c));
        let mut lazy = Sheet::new("t");
        head(&mut lazy);
        lazy.take_rows(rows);
        assert!(lazy.source.is_some(), "produced on demand");
        for s in [&mut held, &mut lazy] {
            s.fit_widths(6.0, 30.0);
            s.cap_width(1, 12.0);
            s.fit_label_heights(2);
        }
        assert!(held.row_heights.len() > 1000, "heights are exercised");
        let xml = |s: &Sheet| {
            let bytes = render(std::slice::from_ref(s)).expect("written");
            let mut z = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
            let mut out = String::new();
            for name in [
                "xl/worksheets/sheet1.xml",
                "xl/drawings/vmlDrawing1.vml",
                "xl/comments1.xml",
            ] {
                std::io::Read::read_to_string(&mut z.by_name(name).expect(name), &mut out)
                    .expect("text");
            }
            out
        };
        assert_eq!(xml(&lazy), xml(&held));
    }

    #[test]
    fn escaping_copies_plain_runs_and_escapes_the_rest() {
        for t in [
            "",
            "plain",
            "中文&<>\r\u{0}\u{1f}\u{FFFE}\u{FFFF}\u{FFFD}尾",
            "\u{EFFF}\u{F000}\u{FFFE}",
            "a\tb\nc",
        ] {
            let mut fast = String::new();
            push_data(&mut fast, t);
            let mut slow = String::new();
            for ch in t.chars() {
                match ch {
                    '&' => slow.push_str("&amp;"),
                    '<' => slow.push_str("&lt;"),
                    '>' => slow.push_str("&gt;"),
                    '\t' | '\n' => slow.push(ch),
                    c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                        slow.push_str(&format!("_x{:04X}_", c as u32))
                    }
                    c => slow.push(c),
                }
            }
            assert_eq!(fast, slow, "{t:?}");
        }
    }

    #[test]
    fn text_escapes_controls_and_literal_escapes() {
        let mut s = String::new();
        push_text(&mut s, "a&b<c>\u{1}_x0041_\t");
        assert_eq!(s, "a&amp;b&lt;c&gt;_x0001__x005F_x0041_\t");
    }
}
