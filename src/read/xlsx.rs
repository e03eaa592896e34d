//! Our own reader of .xlsx cell values: what jixiao needs of a workbook
//! (values, formulas, merged ranges, hidden sheets) and nothing else.
//!
//! calamine's `Xlsx::new` builds every font, fill, border and the theme to
//! learn which styles are dates, and its cell reader goes through a general
//! XML event parser; for a township's small workbook that was more than half
//! of `consolidate`. Here each part is inflated once and scanned with byte
//! searches; the value conversions are calamine's own (number formats, dates,
//! `_xHHHH_`), so a cell reads the same through either reader — a test reads
//! every workbook of the test suite both ways.
//!
//! Whatever this reader does not recognise exactly (an unusual part, a
//! prefix it can't follow, a comment or CDATA where values are, an odd cell
//! type, a non-UTF-8 part) is left to calamine: [`Outcome::Fallback`], and
//! the caller reads the whole book with calamine as before. So a damaged or
//! unusual file gets calamine's reading and calamine's messages.

use super::xlsx_merges::{self, Package};
use crate::model::book::{Data, Dimensions, RawSheet};
use calamine::jixiao::{
    CellFormat, builtin_format_by_id, detect_custom_number_format, format_excel_f64_ref,
    unescape_xml,
};
use memchr::memchr;
use std::collections::HashMap;
use std::io::{Read, Seek};

/// What came of reading a package.
pub enum Outcome {
    Read(Vec<RawSheet>),
    /// More than the cell limit: refused as calamine's reading would be.
    TooManyCells,
    /// Not something this reader follows exactly: read it with calamine.
    Fallback(&'static str),
}

/// Why the reading stopped (inside this module).
enum Stop {
    TooMany,
    Fallback(&'static str),
}

type Res<T> = Result<T, Stop>;

fn fb<T>(why: &'static str) -> Res<T> {
    Err(Stop::Fallback(why))
}

/// Every sheet of the package: values and formulas (and with `full`, merged
/// ranges), at most `limit` non-empty cells in all.
pub fn read<R: Read + Seek + Clone + Send + Sync>(
    zip: &mut zip::ZipArchive<R>,
    full: bool,
    limit: usize,
) -> Outcome {
    match read_inner(zip, full, limit) {
        Ok(sheets) => Outcome::Read(sheets),
        Err(Stop::TooMany) => Outcome::TooManyCells,
        Err(Stop::Fallback(why)) => Outcome::Fallback(why),
    }
}

/// The workbook-wide things a cell's value depends on.
struct Context {
    strings: Vec<String>,
    formats: Vec<CellFormat>,
    is_1904: bool,
}

fn read_inner<R: Read + Seek + Clone + Send + Sync>(
    zip: &mut zip::ZipArchive<R>,
    full: bool,
    limit: usize,
) -> Res<Vec<RawSheet>> {
    let Some(mut package) = Package::open(zip) else {
        return fb("package");
    };
    // A chart or dialog sheet holds no cells: not read (as calamine's path).
    package.sheets.retain(|s| s.worksheet);
    for (i, s) in package.sheets.iter().enumerate() {
        if package.sheets[..i].iter().any(|t| t.name == s.name) {
            return fb("two sheets of one name");
        }
    }
    let mut inflater = Inflater::new();
    let strings = match package.part(zip, &mut inflater, "sharedStrings.xml") {
        Part::Missing => Vec::new(),
        Part::Bytes(b) => shared_strings(&b)?,
        Part::Unreadable => return fb("sharedStrings.xml"),
    };
    let formats = match package.part(zip, &mut inflater, "styles.xml") {
        Part::Missing => Vec::new(),
        Part::Bytes(b) => cell_formats(&b)?,
        Part::Unreadable => return fb("styles.xml"),
    };
    let ctx = Context {
        strings,
        formats,
        is_1904: package.is_1904,
    };
    // A workbook of several large sheets (a county's ledger) reads them on
    // all cores, each from its own handle on the same bytes; small ones
    // (consolidate reads many at once) one by one, their bytes dropped
    // sheet by sheet.
    let paths: Vec<String> = package
        .sheets
        .iter()
        .map(|s| package.path(&s.path))
        .collect();
    let big = paths
        .iter()
        .filter(|p| {
            zip.by_name_raw(p.as_bytes())
                .is_ok_and(|f| f.compressed_size() > PARALLEL_FROM)
        })
        .count();
    // One count of cells across all sheets, as they are read (side by side
    // too): a book past the limit is refused before it is all in memory.
    let budget = Budget {
        used: std::sync::atomic::AtomicUsize::new(0),
        limit,
    };
    let read_one = |zip: &mut zip::ZipArchive<R>, inflater: &mut Inflater, i: usize| {
        let Some(xml) = inflater.part(zip, &paths[i]) else {
            return fb("a sheet part");
        };
        let (cells, formulas, merges) = sheet(&xml, &ctx, full, &budget)?;
        drop(xml);
        let mut sheet = RawSheet::new(package.sheets[i].name.clone(), cells, formulas, merges);
        sheet.hidden = package.sheets[i].hidden;
        Ok(sheet)
    };
    let sheets: Vec<RawSheet> = if big > 1 {
        use rayon::prelude::*;
        (0..paths.len())
            .into_par_iter()
            .map(|i| read_one(&mut zip.clone(), &mut Inflater::new(), i))
            .collect::<Res<Vec<RawSheet>>>()?
    } else {
        (0..paths.len())
            .map(|i| read_one(zip, &mut inflater, i))
            .collect::<Res<Vec<RawSheet>>>()?
    };
    let total: usize = sheets.iter().map(RawSheet::cell_count).sum();
    if total > limit {
        return Err(Stop::TooMany);
    }
    Ok(sheets)
}

/// The cells read so far in the whole book, against the limit.
struct Budget {
    used: std::sync::atomic::AtomicUsize,
    limit: usize,
}

impl Budget {
    /// Counted in steps of this many cells (one atomic add per step).
    const STEP: usize = 4096;

    /// Add `n` cells; `Err` past the limit.
    fn spend(&self, n: usize) -> Res<()> {
        let before = self.used.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        if before + n > self.limit {
            return Err(Stop::TooMany);
        }
        Ok(())
    }
}

/// Sheets whose compressed part is above this are read side by side.
const PARALLEL_FROM: u64 = 1 << 20;

/// Parts inflated with one reused decompressor (a fresh one per part
/// zeroed its tables each time: a fifth of reading a small workbook), each
/// checked against its CRC as the zip reader checks it.
struct Inflater {
    d: flate2::Decompress,
    raw: Vec<u8>,
}

impl Inflater {
    fn new() -> Inflater {
        Inflater {
            d: flate2::Decompress::new(false),
            raw: Vec::new(),
        }
    }

    /// A part's bytes; `None` when it can't be read this way (calamine's).
    fn part<R: Read + Seek>(
        &mut self,
        zip: &mut zip::ZipArchive<R>,
        name: &str,
    ) -> Option<Vec<u8>> {
        let mut f = zip.by_name_raw(name.as_bytes()).ok()?;
        let size = f.size();
        // Package parts are small; a huge one is left to calamine.
        if size > 64 << 20 || f.compressed_size() > 64 << 20 {
            return None;
        }
        let (method, crc) = (f.compression(), f.crc32());
        self.raw.clear();
        f.read_to_end(&mut self.raw).ok()?;
        drop(f);
        let out = match method {
            zip::CompressionMethod::Stored => self.raw.clone(),
            zip::CompressionMethod::Deflated => {
                let mut out = Vec::with_capacity(size as usize);
                self.d.reset(false);
                let status = self
                    .d
                    .decompress_vec(&self.raw, &mut out, flate2::FlushDecompress::Finish)
                    .ok()?;
                if status != flate2::Status::StreamEnd || out.len() as u64 != size {
                    return None;
                }
                out
            }
            _ => return None,
        };
        (crc32fast::hash(&out) == crc).then_some(out)
    }
}

pub(super) enum Part {
    Missing,
    Bytes(Vec<u8>),
    Unreadable,
}

impl Package {
    /// A part beside the workbook (`xl/…`), as calamine looks it up.
    fn part<R: Read + Seek>(
        &self,
        zip: &mut zip::ZipArchive<R>,
        inflater: &mut Inflater,
        name: &str,
    ) -> Part {
        let path = self.path(&format!("{}{name}", self.xl_path));
        if zip.index_for_name(&path).is_none() {
            return Part::Missing;
        }
        match inflater.part(zip, &path) {
            Some(b) => Part::Bytes(b),
            None => Part::Unreadable,
        }
    }
}

// ---------------------------------------------------------------- tokens

/// One tag of the XML, by its local name (a `x:` prefix dropped).
struct Tag<'a> {
    kind: Kind,
    /// The qualified name, as written.
    name: &'a [u8],
    attrs: &'a [u8],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Open,
    /// `<x/>`: an opening and its closing at once.
    Empty,
    Close,
}

impl Tag<'_> {
    fn local(&self) -> &[u8] {
        local(self.name)
    }
    fn is(&self, kind: Kind, name: &[u8]) -> bool {
        self.kind == kind && self.local() == name
    }
    fn opens(&self, name: &[u8]) -> bool {
        self.kind != Kind::Close && self.local() == name
    }
    /// An attribute's raw value by exact key; `Err` when the attributes
    /// can't be read the way quick-xml reads them.
    fn attr(&self, key: &[u8]) -> Res<Option<&[u8]>> {
        attr(self.attrs, key)
    }
}

fn local(name: &[u8]) -> &[u8] {
    match memchr(b':', name) {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// `key="value"` pairs; anything else is left to calamine.
fn attr<'a>(a: &'a [u8], key: &[u8]) -> Res<Option<&'a [u8]>> {
    attrs(a, [key]).map(|[v]| v)
}

/// Several attributes in one pass over the tag.
fn attrs<'a, const N: usize>(mut a: &'a [u8], keys: [&[u8]; N]) -> Res<[Option<&'a [u8]>; N]> {
    let mut out = [None; N];
    loop {
        a = a.trim_ascii_start();
        if a.is_empty() {
            return Ok(out);
        }
        let Some(eq) = memchr(b'=', a) else {
            return fb("an attribute");
        };
        let k = a[..eq].trim_ascii_end();
        let rest = a[eq + 1..].trim_ascii_start();
        let Some(&q) = rest.first() else {
            return fb("an attribute");
        };
        if q != b'"' && q != b'\'' {
            return fb("an attribute");
        }
        let Some(end) = memchr(q, &rest[1..]) else {
            return fb("an attribute");
        };
        if let Some(i) = keys.iter().position(|key| *key == k) {
            // A repeated attribute is malformed XML: calamine's to judge.
            if out[i].is_some() {
                return fb("a repeated attribute");
            }
            out[i] = Some(&rest[1..1 + end]);
        }
        a = &rest[end + 2..];
    }
}

/// A scanner over one part's bytes.
struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn new(b: &'a [u8]) -> Scan<'a> {
        let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
        Scan { b, i: 0 }
    }

    /// Whether the bytes here are `lit` (then past them).
    fn literal(&mut self, lit: &[u8]) -> bool {
        if self.b[self.i..].starts_with(lit) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    /// The text up to the next markup (may be empty), and the scanner at it.
    fn text(&mut self) -> &'a [u8] {
        let from = self.i;
        if self.b.get(from) == Some(&b'<') {
            return &[];
        }
        self.i = memchr(b'<', &self.b[from..]).map_or(self.b.len(), |j| from + j);
        &self.b[from..self.i]
    }

    /// The next tag, skipping text, comments and the declaration; `None` at
    /// the end. CDATA and DOCTYPE are left to calamine.
    fn tag(&mut self) -> Res<Option<Tag<'a>>> {
        loop {
            self.text();
            if self.i >= self.b.len() {
                return Ok(None);
            }
            let rest = &self.b[self.i..];
            if rest.starts_with(b"<!--") {
                match memchr::memmem::find(&rest[4..], b"-->") {
                    Some(j) => self.i += 4 + j + 3,
                    None => return fb("a comment"),
                }
                continue;
            }
            if rest.starts_with(b"<?") {
                match memchr::memmem::find(rest, b"?>") {
                    Some(j) => self.i += j + 2,
                    None => return fb("a declaration"),
                }
                continue;
            }
            if rest.starts_with(b"<!") {
                return fb("CDATA or DOCTYPE");
            }
            return self.markup().map(Some);
        }
    }

    /// The tag at `<` (not a comment or declaration).
    fn markup(&mut self) -> Res<Tag<'a>> {
        let rest = &self.b[self.i..];
        let close = rest.get(1) == Some(&b'/');
        let from = if close { 2 } else { 1 };
        // The end of the tag, outside quoted values (a `>` may be inside
        // one): the first `>` when the quotes before it are all `"`, even in
        // number (nearly every tag), else followed quote by quote.
        let first = match memchr(b'>', &rest[from..]) {
            Some(k) => from + k,
            None => return fb("a tag without its end"),
        };
        let head = &rest[from..first];
        let simple = !head.contains(&b'\'') && head.iter().filter(|&&c| c == b'"').count() % 2 == 0;
        let end = if simple {
            first
        } else {
            let mut quote = 0u8;
            match rest[from..].iter().position(|&c| {
                if quote != 0 {
                    if c == quote {
                        quote = 0;
                    }
                    false
                } else if c == b'"' || c == b'\'' {
                    quote = c;
                    false
                } else {
                    c == b'>'
                }
            }) {
                Some(k) => from + k,
                None => return fb("a tag without its end"),
            }
        };
        let inner = &rest[from..end];
        let (inner, empty) = match inner.strip_suffix(b"/") {
            Some(x) if !close => (x, true),
            _ => (inner, false),
        };
        let n = inner
            .iter()
            .position(|c| c.is_ascii_whitespace())
            .unwrap_or(inner.len());
        self.i += end + 1;
        let (name, attrs) = inner.split_at(n);
        if name.is_empty() {
            return fb("a tag without a name");
        }
        // `</c t="…">` is malformed; quick-xml reads it as another name.
        if close && !attrs.trim_ascii().is_empty() {
            return fb("a closing tag with attributes");
        }
        Ok(Tag {
            kind: if close {
                Kind::Close
            } else if empty {
                Kind::Empty
            } else {
                Kind::Open
            },
            name,
            attrs,
        })
    }

    /// The text of an element just opened, up to its closing tag, entity
    /// references decoded and line ends normalised (quick-xml's
    /// `xml10_content`). Nested markup is left to calamine.
    fn element_text(&mut self, name: &[u8], out: &mut String) -> Res<()> {
        let text = self.raw_text(name)?;
        push_text(text, out)
    }

    /// The raw text of an element just opened (no decoding), for the value
    /// types calamine reads from the first text event.
    fn raw_text(&mut self, name: &[u8]) -> Res<&'a [u8]> {
        let text = self.text();
        // Directly its closing tag: a comment or CDATA inside is calamine's.
        if !self.b[self.i..].starts_with(b"</") {
            return fb("markup inside a value");
        }
        match self.markup()? {
            t if t.name == name => Ok(text),
            _ => fb("markup inside a value"),
        }
    }
}

/// Text with entity references decoded (`&amp;`, `&#13;`, …) and `\r\n` /
/// `\r` read as `\n` outside the references, as quick-xml gives it.
fn push_text(text: &[u8], out: &mut String) -> Res<()> {
    let Ok(text) = std::str::from_utf8(text) else {
        return fb("not UTF-8");
    };
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        push_eols(&rest[..amp], out);
        let Some(semi) = rest[amp..].find(';') else {
            return fb("an entity");
        };
        let entity = &rest[amp + 1..amp + semi];
        match entity {
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "amp" => out.push('&'),
            "apos" => out.push('\''),
            "quot" => out.push('"'),
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse::<u32>().ok()
                } else {
                    None
                };
                match code.and_then(char::from_u32).filter(|c| *c != '\0') {
                    Some(c) => out.push(c),
                    None => return fb("an entity"),
                }
            }
        }
        rest = &rest[amp + semi + 1..];
    }
    push_eols(rest, out);
    Ok(())
}

fn push_eols(text: &str, out: &mut String) {
    if memchr(b'\r', text.as_bytes()).is_none() {
        out.push_str(text);
        return;
    }
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
}

fn utf8(b: &[u8]) -> Res<&str> {
    std::str::from_utf8(b).or_else(|_| fb("not UTF-8"))
}

// ---------------------------------------------------------------- parts

/// `sharedStrings.xml`: each `<si>`'s text (calamine's `read_shared_strings`).
fn shared_strings(xml: &[u8]) -> Res<Vec<String>> {
    let mut s = Scan::new(xml);
    loop {
        match s.tag()? {
            Some(t) if t.opens(b"sst") => {
                if t.kind == Kind::Empty {
                    return Ok(Vec::new());
                }
                break;
            }
            Some(_) => {}
            None => return fb("sharedStrings.xml without <sst>"),
        }
    }
    let mut out = Vec::new();
    let mut buf = String::new();
    loop {
        match s.tag()? {
            Some(t) if t.opens(b"si") => {
                if t.kind == Kind::Empty {
                    out.push(String::new());
                    continue;
                }
                // <si><t>…</t></si>, the common shape, without the general loop.
                let at = s.i;
                if s.literal(b"<t>") {
                    let raw = s.text();
                    if s.literal(b"</t></si>") {
                        let mut one = String::new();
                        t_text(raw, false, &mut one, &mut buf)?;
                        out.push(one);
                        continue;
                    }
                    s.i = at;
                }
                out.push(rich_text(&mut s, t.name)?);
            }
            Some(t) if t.is(Kind::Close, b"sst") => return Ok(out),
            Some(_) => {}
            None => return fb("sharedStrings.xml cut short"),
        }
    }
}

/// The text of `<si>` or `<is>` (just opened, closed by `closing`):
/// calamine's `read_string_with_bufs` — the `<t>`s outside phonetic runs,
/// joined; each trimmed of ASCII white space unless `xml:space="preserve"`,
/// then `_xHHHH_` unescaped.
fn rich_text(s: &mut Scan<'_>, closing: &[u8]) -> Res<String> {
    let mut out = String::new();
    let mut phonetic = false;
    let mut value = String::new();
    loop {
        let Some(t) = s.tag()? else {
            return fb("a string cut short");
        };
        match t.kind {
            Kind::Close if t.name == closing => return Ok(out),
            Kind::Close if t.local() == b"rPh" => phonetic = false,
            Kind::Open if t.local() == b"rPh" => phonetic = true,
            Kind::Open | Kind::Empty if t.local() == b"t" && !phonetic => {
                let preserve = t.attr(b"xml:space")? == Some(b"preserve");
                let raw: &[u8] = if t.kind == Kind::Open {
                    s.raw_text(t.name)?
                } else {
                    b""
                };
                t_text(raw, preserve, &mut out, &mut value)?;
            }
            Kind::Open if t.local() == b"t" => {
                // A phonetic reading: its text is not the cell's.
                let mut skipped = String::new();
                s.element_text(t.name, &mut skipped)?;
            }
            _ => {}
        }
    }
}

/// `styles.xml`: for each cell style (`cellXfs`), whether its number format
/// is a date, a duration or other — calamine's rules, without the fonts,
/// fills, borders and theme calamine also builds.
fn cell_formats(xml: &[u8]) -> Res<Vec<CellFormat>> {
    let mut s = Scan::new(xml);
    let mut custom: HashMap<&[u8], String> = HashMap::new();
    let mut out = Vec::new();
    #[derive(PartialEq)]
    enum In {
        Top,
        Formats,
        Xfs,
    }
    let mut at = In::Top;
    loop {
        let Some(t) = s.tag()? else {
            return fb("styles.xml cut short");
        };
        match (t.kind, t.local(), &at) {
            (Kind::Open, b"numFmts", In::Top) => at = In::Formats,
            (Kind::Open, b"cellXfs", In::Top) => at = In::Xfs,
            (Kind::Close, b"numFmts", In::Formats) | (Kind::Close, b"cellXfs", In::Xfs) => {
                at = In::Top
            }
            (Kind::Open | Kind::Empty, b"numFmt", In::Formats) => {
                let [id, code] = attrs(t.attrs, [b"numFmtId", b"formatCode"])?;
                if let (Some(id), Some(code)) = (id, code) {
                    match xlsx_merges::decoded(utf8(code)?) {
                        Some(code) => {
                            custom.insert(id, code);
                        }
                        None => return fb("a number format"),
                    }
                }
            }
            (Kind::Open | Kind::Empty, b"xf", In::Xfs) => {
                out.push(match attr(t.attrs, b"numFmtId")? {
                    None => CellFormat::Other,
                    Some(id) => match custom.get(id) {
                        Some(code) => detect_custom_number_format(code),
                        None => builtin_format_by_id(utf8(id)?),
                    },
                });
            }
            (Kind::Close, b"styleSheet", _) => return Ok(out),
            // Fonts, fills, borders and the rest hold no number format of a
            // cell: skipped to their end tag.
            (Kind::Open, name, In::Top) if SKIPPED_STYLES.contains(&name) => {
                let mut end = Vec::with_capacity(t.name.len() + 3);
                end.extend_from_slice(b"</");
                end.extend_from_slice(t.name);
                end.push(b'>');
                match memchr::memmem::find(&s.b[s.i..], &end) {
                    Some(j) => s.i += j + end.len(),
                    None => return fb("styles.xml cut short"),
                }
            }
            _ => {}
        }
    }
}

/// Parts of `styles.xml` without cell number formats (none nests itself).
const SKIPPED_STYLES: &[&[u8]] = &[
    b"fonts",
    b"fills",
    b"borders",
    b"cellStyleXfs",
    b"cellStyles",
    b"dxfs",
    b"tableStyles",
    b"colors",
];

type SheetCells = (
    Vec<(u32, u32, Data)>,
    Vec<(u32, u32, String)>,
    Vec<Dimensions>,
);

/// One worksheet part: calamine's `XlsxCellReader` (`next_cell_with_formula`)
/// and, with `full`, its `read_merge_cells`.
fn sheet(xml: &[u8], ctx: &Context, full: bool, budget: &Budget) -> Res<SheetCells> {
    let mut s = Scan::new(xml);
    let mut values: Vec<(u32, u32, Data)> = Vec::new();
    let mut formulas: Vec<(u32, u32, String)> = Vec::new();
    let mut shared: Vec<Option<(String, (u32, u32))>> = Vec::new();
    // Up to <sheetData>.
    let data_open = loop {
        match s.tag()? {
            Some(t) if t.opens(b"sheetData") => break t.kind == Kind::Open,
            // A range calamine can't read is a damaged file, refused by the
            // check made before calamine reads (R130).
            Some(t) if t.opens(b"dimension") => {
                if let Some(r) = t.attr(b"ref")?
                    && !super::book::dimension_is_valid(&String::from_utf8_lossy(r))
                {
                    return fb("a <dimension> calamine refuses");
                }
            }
            Some(_) => {}
            None => return fb("a sheet without <sheetData>"),
        }
    };
    let (mut row, mut col) = (0u32, 0u32);
    let mut text = String::new();
    let mut more = data_open;
    while more {
        let Some(t) = s.tag()? else {
            return fb("a sheet cut short");
        };
        match (t.kind, t.local()) {
            (Kind::Open | Kind::Empty, b"row") => {
                if let Some(r) = t.attr(b"r")? {
                    row = row_number(r)?;
                }
                if t.kind == Kind::Empty {
                    row += 1;
                    col = 0;
                }
            }
            (Kind::Close, b"row") => {
                row += 1;
                col = 0;
            }
            (Kind::Close, b"sheetData") => more = false,
            (Kind::Open | Kind::Empty, b"c") => {
                let [r, style, typ] = attrs(t.attrs, [b"r", b"s", b"t"])?;
                let pos = match r {
                    Some(r) => {
                        let p = cell_ref(r)?;
                        col = p.1;
                        p
                    }
                    None => (row, col),
                };
                let mut value = Data::Empty;
                let mut formula: Option<String> = None;
                // The two shapes nearly every cell has, read without the
                // general loop: <v>…</v></c> and <is><t>…</t></is></c>.
                let fast = t.kind == Kind::Open && {
                    let at = s.i;
                    if s.literal(b"<v>") {
                        let raw = s.text();
                        if s.literal(b"</v></c>") {
                            value = value_of(raw, typ, style, ctx, &mut text)?;
                            true
                        } else {
                            s.i = at;
                            false
                        }
                    } else if s.literal(b"<is><t>") {
                        let raw = s.text();
                        if s.literal(b"</t></is></c>") {
                            let mut out = String::new();
                            t_text(raw, false, &mut out, &mut text)?;
                            value = Data::String(out);
                            true
                        } else {
                            s.i = at;
                            false
                        }
                    } else {
                        false
                    }
                };
                if t.kind == Kind::Open && !fast {
                    loop {
                        let Some(c) = s.tag()? else {
                            return fb("a cell cut short");
                        };
                        match c.kind {
                            Kind::Close if c.local() == b"c" => break,
                            Kind::Close => {}
                            Kind::Open | Kind::Empty => match c.local() {
                                b"f" => {
                                    text.clear();
                                    if c.kind == Kind::Open {
                                        s.element_text(c.name, &mut text)?;
                                    }
                                    formula = shared_formula(&c, &text, pos, &mut shared)?;
                                }
                                b"v" => {
                                    value = cell_value(&mut s, &c, typ, style, ctx, &mut text)?;
                                }
                                b"is" => {
                                    value = if c.kind == Kind::Open {
                                        Data::String(rich_text(&mut s, c.name)?)
                                    } else {
                                        Data::String(String::new())
                                    };
                                }
                                _ => return fb("an element inside a cell"),
                            },
                        }
                    }
                }
                col += 1;
                // Formulas even without `full`, as calamine's streaming read gave them.
                if let Some(f) = formula.filter(|f| !f.is_empty()) {
                    formulas.push((pos.0, pos.1, f));
                }
                if value != Data::Empty {
                    values.push((pos.0, pos.1, value));
                    if values.len().is_multiple_of(Budget::STEP) {
                        budget.spend(Budget::STEP)?;
                    }
                }
            }
            _ => {}
        }
    }
    budget.spend(values.len() % Budget::STEP)?;
    let merges = if full { merges(&mut s)? } else { Vec::new() };
    Ok((values, formulas, merges))
}

/// A `<v>` (just opened) read by the cell's type, as calamine's `read_v`.
fn cell_value(
    s: &mut Scan<'_>,
    v: &Tag<'_>,
    typ: Option<&[u8]>,
    style: Option<&[u8]>,
    ctx: &Context,
    text: &mut String,
) -> Res<Data> {
    let raw: &[u8] = if v.kind == Kind::Open {
        s.raw_text(v.name)?
    } else {
        b""
    };
    value_of(raw, typ, style, ctx, text)
}

/// A `<v>`'s value from its raw text (no markup inside), by the cell's type.
fn value_of(
    raw: &[u8],
    typ: Option<&[u8]>,
    style: Option<&[u8]>,
    ctx: &Context,
    text: &mut String,
) -> Res<Data> {
    match typ {
        // An inline string's <v> is ignored.
        Some(b"inlineStr" | b"is") => {
            text.clear();
            push_text(raw, text)?;
            Ok(Data::Empty)
        }
        None | Some(b"n" | b"s" | b"b" | b"e") => {
            if raw.is_empty() {
                return Ok(Data::Empty);
            }
            if memchr(b'&', raw).is_some() {
                return fb("an entity in a value");
            }
            let raw = utf8(raw)?;
            match typ {
                Some(b"s") => {
                    let Some(i) = index(raw) else {
                        return fb("a shared string index");
                    };
                    match ctx.strings.get(i) {
                        Some(s) => Ok(Data::String(s.clone())),
                        None => fb("a shared string out of range"),
                    }
                }
                Some(b"b") => match raw.trim() {
                    "" => Ok(Data::Empty),
                    "0" => Ok(Data::Bool(false)),
                    "1" => Ok(Data::Bool(true)),
                    x if x.eq_ignore_ascii_case("false") => Ok(Data::Bool(false)),
                    x if x.eq_ignore_ascii_case("true") => Ok(Data::Bool(true)),
                    _ => fb("a boolean"),
                },
                Some(b"e") => match raw.parse::<calamine::CellErrorType>() {
                    Ok(e) => Ok(Data::Error(e)),
                    Err(_) => fb("an error value"),
                },
                _ => {
                    let format = match style {
                        Some(id) => match index(utf8(id)?) {
                            Some(i) => ctx.formats.get(i),
                            None => return fb("a style index"),
                        },
                        None => Some(&CellFormat::Other),
                    };
                    match fast_float2::parse::<f64, _>(raw.as_bytes()) {
                        Ok(n) => Ok(format_excel_f64_ref(n, format, ctx.is_1904).into()),
                        Err(_) if typ.is_none() => Ok(Data::String(raw.to_string())),
                        Err(_) => fb("a number"),
                    }
                }
            }
        }
        Some(b"str" | b"d") => {
            text.clear();
            push_text(raw, text)?;
            Ok(if typ == Some(b"str") {
                Data::String(unescape_xml(text).into_owned())
            } else {
                Data::DateTimeIso(text.clone())
            })
        }
        Some(_) => fb("a cell type"),
    }
}

/// A `<t>`'s text as calamine keeps it: trimmed of ASCII white space unless
/// kept (`xml:space="preserve"`), then `_xHHHH_` unescaped.
fn t_text(raw: &[u8], preserve: bool, out: &mut String, buf: &mut String) -> Res<()> {
    // Nearly every text: nothing to decode, trim or unescape.
    let plain = memchr::memchr3(b'&', b'\r', b'_', raw).is_none()
        && (preserve
            || !matches!(raw.first(), Some(b' ' | b'\t' | b'\n'))
                && !matches!(raw.last(), Some(b' ' | b'\t' | b'\n')));
    if plain {
        out.push_str(utf8(raw)?);
        return Ok(());
    }
    buf.clear();
    push_text(raw, buf)?;
    let v = if preserve {
        buf.as_str()
    } else {
        buf.trim_matches([' ', '\t', '\r', '\n'])
    };
    out.push_str(&unescape_xml(v));
    Ok(())
}

/// A formula's text; a shared formula's other cells get the first cell's
/// formula moved to them (calamine's `expand_shared_formula`).
fn shared_formula(
    f: &Tag<'_>,
    text: &str,
    pos: (u32, u32),
    shared: &mut Vec<Option<(String, (u32, u32))>>,
) -> Res<Option<String>> {
    if f.attr(b"t")? != Some(b"shared") {
        return Ok(Some(text.to_string()));
    }
    let Some(si) = f.attr(b"si")?.and_then(|v| utf8(v).ok()).and_then(index) else {
        return fb("a shared formula without its index");
    };
    match f.attr(b"ref")? {
        Some(range) => {
            let Some(range) = xlsx_merges::dimension(utf8(range)?) else {
                return fb("a shared formula's range");
            };
            if shared.len() <= si {
                if si > 1 << 20 {
                    return fb("a shared formula index");
                }
                shared.resize(si + 1, None);
            }
            shared[si] = Some((text.to_string(), range.start));
            Ok(Some(text.to_string()))
        }
        None => match shared.get(si).and_then(|x| x.as_ref()) {
            Some((template, start)) => match calamine::expand_shared_formula(template, *start, pos)
            {
                Ok(f) => Ok(Some(f)),
                Err(_) => fb("a shared formula"),
            },
            None => Ok(None),
        },
    }
}

/// After `</sheetData>`: the `<mergeCell ref>`s of `<mergeCells>`, strictly.
fn merges(s: &mut Scan<'_>) -> Res<Vec<Dimensions>> {
    let mut out = Vec::new();
    let mut inside = false;
    while let Some(t) = s.tag()? {
        match (t.kind, t.local()) {
            (Kind::Open, b"mergeCells") => inside = true,
            (Kind::Close, b"mergeCells") => inside = false,
            (Kind::Open | Kind::Empty, b"mergeCell") if inside => {
                if let Some(r) = t.attr(b"ref")? {
                    match xlsx_merges::dimension(utf8(r)?) {
                        Some(d) => out.push(d),
                        None => return fb("a merged range"),
                    }
                }
            }
            _ if inside && t.kind != Kind::Close && t.local() != b"mergeCell" => {
                return fb("something else inside <mergeCells>");
            }
            _ => {}
        }
    }
    Ok(out)
}

/// A non-negative decimal index (style, shared string, shared formula).
fn index(v: &str) -> Option<usize> {
    if v.is_empty() || v.len() > 18 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

fn row_number(r: &[u8]) -> Res<u32> {
    match xlsx_merges::row_only(utf8(r)?) {
        Some(n) => Ok(n),
        None => fb("a row number"),
    }
}

fn cell_ref(r: &[u8]) -> Res<(u32, u32)> {
    match xlsx_merges::row_column(utf8(r)?) {
        Some(p) => Ok(p),
        None => fb("a cell reference"),
    }
}
