//! Merged ranges of .xlsx sheets without a second XML parse.
//!
//! calamine's `merge_cells_by_sheet_name` parses a sheet's whole XML a
//! second time (every cell event) only to reach the `<mergeCells>` element
//! after `<sheetData>`: 40 % of opening a large ledger. Here the sheet part
//! is inflated and searched for `mergeCells` with a byte search; only the
//! tail from that element on is parsed. The sheet's part is found the way
//! calamine finds it (package relationships → workbook → its
//! relationships), and whatever this reader does not recognise exactly
//! (a comment or CDATA before the element, an unusual attribute, a sheet
//! list that differs from calamine's) is left to calamine: `None` for that
//! sheet, so the result is calamine's in every case.

use calamine::Dimensions;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::{Read, Seek};

/// The merged ranges of each sheet, in calamine's sheet order (`names`), or
/// `None` for a sheet this reader leaves to calamine. `None` for the whole
/// book when its package can't be followed.
pub fn merges<R: Read + Seek>(reader: R, names: &[String]) -> Option<Vec<Option<Vec<Dimensions>>>> {
    let mut zip = zip::ZipArchive::new(reader).ok()?;
    // calamine looks parts up case-insensitively, `\` read as `/`.
    let mut cache: HashMap<String, String> = HashMap::with_capacity(zip.len());
    for name in zip.file_names() {
        let name = name.ok()?;
        cache.insert(
            name.replace('\\', "/").to_ascii_lowercase(),
            name.to_string(),
        );
    }
    let part = |path: &str| -> String {
        cache
            .get(&path.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| path.to_string())
    };
    let (xl_path, workbook_name) = office_document(&read_part(&mut zip, &part("_rels/.rels"))?)?;
    let rels = relationships(&read_part(
        &mut zip,
        &part(&format!("{xl_path}_rels/{workbook_name}.rels")),
    )?)?;
    let sheets = workbook_sheets(
        &read_part(&mut zip, &part(&format!("{xl_path}{workbook_name}")))?,
        &rels,
        &xl_path,
    )?;
    // The same sheets in the same order as calamine's, or nothing.
    if sheets.len() != names.len() || sheets.iter().zip(names).any(|((n, _), m)| n != m) {
        return None;
    }
    let mut out: Vec<Option<Vec<Dimensions>>> = Vec::with_capacity(names.len());
    for (i, (name, path)) in sheets.iter().enumerate() {
        // calamine takes the first sheet of a name.
        if sheets[..i].iter().any(|(n, _)| n == name) {
            out.push(out[sheets.iter().position(|(n, _)| n == name)?].clone());
            continue;
        }
        out.push(sheet_merges(&mut zip, &part(path)));
    }
    Some(out)
}

pub(super) fn read_part<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Option<Vec<u8>> {
    let mut f = zip.by_name(name).ok()?;
    // Package parts are small; a huge one is left to calamine.
    if f.size() > 64 << 20 {
        return None;
    }
    let mut v = Vec::with_capacity(f.size() as usize);
    f.read_to_end(&mut v).ok()?;
    Some(v)
}

pub(super) fn reader(xml: &[u8]) -> quick_xml::Reader<&[u8]> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let c = r.config_mut();
    c.check_end_names = false;
    c.trim_text(false);
    c.check_comments = false;
    c.expand_empty_elements = true;
    r
}

/// An attribute's raw (undecoded) value by exact key.
pub(super) fn raw_attr(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Option<Option<String>> {
    for a in e.attributes().with_checks(false) {
        let a = a.ok()?;
        if a.key.as_ref() == key {
            return Some(Some(a.value.to_string()));
        }
    }
    Some(None)
}

pub(super) fn decoded(raw: &str) -> Option<String> {
    quick_xml::escape::unescape(raw)
        .ok()
        .map(|s| s.into_owned())
}

/// `_rels/.rels` → (folder of the workbook part, its file name).
fn office_document(xml: &[u8]) -> Option<(String, String)> {
    let mut r = reader(xml);
    let mut buf = Vec::new();
    let mut target = None;
    loop {
        match r.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                let typ = raw_attr(&e, "Type")?;
                if typ.is_some_and(|t| t.ends_with("/relationships/officeDocument"))
                    && let Some(t) = raw_attr(&e, "Target")?
                {
                    target = Some(decoded(&t)?);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "Relationships" => break,
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
    let target = target?;
    let (dir, name) = match target.rfind('/') {
        Some(i) => target.split_at(i + 1),
        None => ("", target.as_str()),
    };
    let dir = dir.strip_prefix('/').unwrap_or(dir).to_string();
    let name = if name.is_empty() {
        "workbook.xml".to_string()
    } else {
        name.to_string()
    };
    Some((dir, name))
}

/// The workbook's relationships: id → target (raw, as calamine keeps them).
fn relationships(xml: &[u8]) -> Option<HashMap<String, String>> {
    Some(
        typed_relationships(xml)?
            .into_iter()
            .map(|(id, (target, _))| (id, target))
            .collect(),
    )
}

/// (name, part path) of each sheet in workbook order.
fn workbook_sheets(
    xml: &[u8],
    rels: &HashMap<String, String>,
    xl_path: &str,
) -> Option<Vec<(String, String)>> {
    let mut r = reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    loop {
        match r.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                let mut name = None;
                let mut id = None;
                for a in e.attributes().with_checks(false) {
                    let a = a.ok()?;
                    let key = a.key.as_ref();
                    let value = &*a.value;
                    if key == "name" {
                        name = Some(decoded(value)?);
                    } else if key == "id" || key.ends_with(":id") {
                        id = Some(value.to_string());
                    }
                }
                let target = rels.get(id.as_deref().unwrap_or(""))?;
                let path = match target.strip_prefix('/') {
                    Some(abs) => abs.to_string(),
                    None => format!("{xl_path}{target}"),
                };
                out.push((name.unwrap_or_default(), path));
            }
            Event::End(e) if e.local_name().as_ref() == "workbook" => break,
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
    Some(out)
}

const NEEDLE: &[u8] = b"mergeCells";
/// Bytes kept from the previous chunk: the element's `<prefix:` and the
/// needle itself must fit.
const CARRY: usize = 256;

/// One sheet's merged ranges; `None`: leave it to calamine.
fn sheet_merges<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    part: &str,
) -> Option<Vec<Dimensions>> {
    scan(zip.by_name(part).ok()?, 64 << 10)
}

/// Search a sheet's XML for its `<mergeCells>` element, `chunk` bytes at a time.
fn scan(mut f: impl Read, chunk: usize) -> Option<Vec<Dimensions>> {
    let finder = memchr::memmem::Finder::new(NEEDLE);
    let markup = memchr::memmem::Finder::new(b"<!");
    let mut window: Vec<u8> = Vec::with_capacity(CARRY + chunk);
    let mut chunk = vec![0u8; chunk];
    // Bytes of `window` already searched for `<!` (the carry, after the first chunk).
    let mut checked = 0usize;
    loop {
        let n = f.read(&mut chunk).ok()?;
        if n == 0 {
            // No merged ranges (or a sheet calamine would fail on the same way: none).
            return Some(Vec::new());
        }
        window.extend_from_slice(&chunk[..n]);
        // A comment, CDATA or DOCTYPE could hold or hide the element: calamine's.
        if markup.find(&window[checked.saturating_sub(1)..]).is_some() {
            return None;
        }
        let mut from = 0;
        while let Some(at) = finder.find(&window[from..]).map(|i| i + from) {
            match element_start(&window, at) {
                Start::Open(lt) => {
                    let mut tail = window[lt..].to_vec();
                    f.read_to_end(&mut tail).ok()?;
                    return parse_merges(&tail);
                }
                // The window ends right after the name: the carry keeps
                // it for the next round.
                Start::More => break,
                Start::Unknown => return None,
                Start::Not => from = at + 1,
            }
        }
        checked = window.len();
        if window.len() > CARRY {
            window.drain(..window.len() - CARRY);
            checked = window.len();
        }
    }
}

enum Start {
    /// `<mergeCells` or `<p:mergeCells` opening tag starting at this index.
    Open(usize),
    /// Not an opening tag of that name (text, an end tag, a longer name).
    Not,
    /// The bytes after the name are still to come.
    More,
    /// Can't tell from the bytes at hand.
    Unknown,
}

fn element_start(w: &[u8], at: usize) -> Start {
    let after = at + NEEDLE.len();
    match w.get(after) {
        None => return Start::More,
        Some(b) if !(b.is_ascii_whitespace() || *b == b'>' || *b == b'/') => return Start::Not,
        _ => {}
    }
    let mut i = at;
    let mut prefix = false;
    while i > 0 {
        let b = w[i - 1];
        if b == b'<' {
            return if prefix && i == at {
                Start::Not
            } else {
                Start::Open(i - 1)
            };
        }
        if b == b':' && !prefix && i == at {
            prefix = true;
        } else if !(prefix && (b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))) {
            return Start::Not;
        }
        i -= 1;
    }
    Start::Unknown
}

/// From the `<mergeCells` tag on: calamine's `read_merge_cells`, in a
/// strict form (anything unexpected → `None`).
fn parse_merges(tail: &[u8]) -> Option<Vec<Dimensions>> {
    let mut r = reader(tail);
    let mut buf = Vec::new();
    match r.read_event_into(&mut buf).ok()? {
        Event::Start(e) if e.local_name().as_ref() == "mergeCells" => {}
        _ => return None,
    }
    let mut out = Vec::new();
    loop {
        buf.clear();
        match r.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "mergeCell" => {
                if let Some(v) = raw_attr(&e, "ref")? {
                    out.push(dimension(&v)?);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "mergeCells" => return Some(out),
            Event::End(_) | Event::Text(_) => {}
            // Anything else inside (other elements, references, markup): calamine's.
            _ => return None,
        }
    }
}

/// calamine's `get_dimension` (`A1:B2` or `A1`); an error → `None`.
pub(super) fn dimension(s: &str) -> Option<Dimensions> {
    let parts: Vec<(u32, u32)> = s.split(':').map(row_column).collect::<Option<_>>()?;
    match parts.as_slice() {
        [one] => Some(Dimensions {
            start: *one,
            end: *one,
        }),
        // An end before its start is an error to (patched) calamine too.
        [a, b] if b.0 >= a.0 && b.1 >= a.1 => Some(Dimensions { start: *a, end: *b }),
        _ => None,
    }
}

/// calamine's `get_row_column` (0-based; letters then digits); a reference
/// too long for u32 is an error, as in the patched calamine (`vendor/`).
pub(super) fn row_column(s: &str) -> Option<(u32, u32)> {
    let b = s.as_bytes();
    let mut i = 0;
    let (mut col, mut row) = (0u32, 0u32);
    while i < b.len() {
        match b[i] {
            c @ b'A'..=b'Z' => col = col.checked_mul(26)?.checked_add((c - b'A') as u32 + 1)?,
            c @ b'a'..=b'z' => col = col.checked_mul(26)?.checked_add((c - b'a') as u32 + 1)?,
            c @ b'0'..=b'9' => {
                row = (c - b'0') as u32;
                i += 1;
                break;
            }
            _ => return None,
        }
        i += 1;
    }
    while i < b.len() {
        match b[i] {
            c @ b'0'..=b'9' => row = row.checked_mul(10)?.checked_add((c - b'0') as u32)?,
            _ => return None,
        }
        i += 1;
    }
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

/// calamine's `get_row` (a row number, its column letters optional, 0-based).
pub(super) fn row_only(s: &str) -> Option<u32> {
    let digits = s.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let letters = &s[..s.len() - digits.len()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // The letters must fit u32 as a column, as calamine computes them.
    letters.bytes().try_fold(0u32, |col, c| {
        col.checked_mul(26)?
            .checked_add((c.to_ascii_uppercase() - b'A') as u32 + 1)
    })?;
    digits.parse::<u32>().ok()?.checked_sub(1)
}

/// One sheet of the workbook, as calamine lists it.
pub(super) struct SheetEntry {
    pub name: String,
    /// The part's path (before the case-insensitive lookup).
    pub path: String,
    pub hidden: bool,
    /// A worksheet (not a chart or dialog sheet).
    pub worksheet: bool,
}

/// The package's directory and workbook, followed the way calamine follows
/// them: `_rels/.rels` → the workbook → its relationships → each sheet.
pub(super) struct Package {
    /// Lower-cased, `\` as `/` → the name in the zip.
    cache: HashMap<String, String>,
    pub xl_path: String,
    pub sheets: Vec<SheetEntry>,
    pub is_1904: bool,
}

impl Package {
    pub fn open<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Option<Package> {
        let mut cache: HashMap<String, String> = HashMap::with_capacity(zip.len());
        for name in zip.file_names() {
            let name = name.ok()?;
            cache.insert(
                name.replace('\\', "/").to_ascii_lowercase(),
                name.to_string(),
            );
        }
        let mut package = Package {
            cache,
            xl_path: String::new(),
            sheets: Vec::new(),
            is_1904: false,
        };
        let (xl_path, workbook_name) =
            office_document(&read_part(zip, &package.path("_rels/.rels"))?)?;
        let rels = typed_relationships(&read_part(
            zip,
            &package.path(&format!("{xl_path}_rels/{workbook_name}.rels")),
        )?)?;
        let workbook = read_part(zip, &package.path(&format!("{xl_path}{workbook_name}")))?;
        let (sheets, is_1904) = workbook_entries(&workbook, &rels, &xl_path)?;
        package.xl_path = xl_path;
        package.sheets = sheets;
        package.is_1904 = is_1904;
        Some(package)
    }

    /// The zip's own name of a part (calamine looks parts up
    /// case-insensitively, `\` read as `/`).
    pub fn path(&self, path: &str) -> String {
        self.cache
            .get(&path.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| path.to_string())
    }
}

/// The workbook's relationships: id → (target, type), raw.
fn typed_relationships(xml: &[u8]) -> Option<HashMap<String, (String, String)>> {
    let mut r = reader(xml);
    let mut buf = Vec::new();
    let mut out = HashMap::new();
    loop {
        match r.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                if let Some(id) = raw_attr(&e, "Id")? {
                    let target = raw_attr(&e, "Target")?.unwrap_or_default();
                    let typ = raw_attr(&e, "Type")?.unwrap_or_default();
                    out.insert(id, (target, typ));
                }
            }
            Event::End(e) if e.local_name().as_ref() == "Relationships" => break,
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
    Some(out)
}

/// calamine's `read_workbook`: each sheet (name, part, state, kind) and the
/// 1904 date system; what calamine refuses, `None`.
fn workbook_entries(
    xml: &[u8],
    rels: &HashMap<String, (String, String)>,
    xl_path: &str,
) -> Option<(Vec<SheetEntry>, bool)> {
    let mut r = reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut is_1904 = false;
    loop {
        match r.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                let mut name = String::new();
                let mut id = "".to_string();
                let mut hidden = false;
                for a in e.attributes().with_checks(false) {
                    let a = a.ok()?;
                    let key: &str = a.key.as_ref();
                    let value: &str = &a.value;
                    match key {
                        "name" => name = decoded(value)?,
                        "state" => {
                            hidden = match value {
                                "visible" => false,
                                "hidden" | "veryHidden" => true,
                                _ => return None,
                            }
                        }
                        k if k == "id" || k.ends_with(":id") => id = value.to_string(),
                        _ => {}
                    }
                }
                let (target, typ) = rels.get(&id)?;
                let path = match target.strip_prefix('/') {
                    Some(abs) => abs.to_string(),
                    None => format!("{xl_path}{target}"),
                };
                let worksheet = match typ.rsplit('/').next() {
                    Some("worksheet") => true,
                    Some("chartsheet" | "dialogsheet") => false,
                    _ => return None,
                };
                out.push(SheetEntry {
                    name,
                    path,
                    hidden,
                    worksheet,
                });
            }
            Event::Start(e) if e.local_name().as_ref() == "workbookPr" => {
                if let Some(v) = raw_attr(&e, "date1904")? {
                    is_1904 = v == "1" || v == "true";
                }
            }
            Event::End(e) if e.local_name().as_ref() == "workbook" => break,
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
    Some((out, is_1904))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_told_from_text() {
        let w = b"<c><is><t>mergeCells </t></is></c><x:mergeCells count=\"1\">";
        let at = memchr::memmem::find(w, NEEDLE).unwrap();
        assert!(matches!(element_start(w, at), Start::Not));
        let at2 = memchr::memmem::find(&w[at + 1..], NEEDLE).unwrap() + at + 1;
        assert!(matches!(element_start(w, at2), Start::Open(i) if w[i] == b'<'));
        assert!(matches!(element_start(b"</mergeCells>", 2), Start::Not));
    }

    /// A reference too long for u32 is left to calamine (which refuses it),
    /// never wrapped into some other cell.
    #[test]
    fn overlong_references_are_not_wrapped() {
        assert_eq!(row_column("A1"), Some((0, 0)));
        assert_eq!(row_column("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(row_column("AAAAAAAAA9"), None);
        assert_eq!(row_column("A99999999999"), None);
        assert!(
            parse_merges(
                br#"<mergeCells count="1"><mergeCell ref="A1:A99999999999"/></mergeCells>"#
            )
            .is_none()
        );
    }

    #[test]
    fn merges_parse_like_calamine() {
        let tail = br#"<mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="B3"></mergeCell></mergeCells><pageMargins/>"#;
        let m = parse_merges(tail).unwrap();
        assert_eq!(
            m,
            vec![
                Dimensions {
                    start: (0, 0),
                    end: (0, 2)
                },
                Dimensions {
                    start: (2, 1),
                    end: (2, 1)
                }
            ]
        );
        assert!(parse_merges(br#"<mergeCells><mergeCell ref="A0:B1"/></mergeCells>"#).is_none());
        assert!(parse_merges(br#"<mergeCells><mergeCell ref="A1:B1"/>"#).is_none());
    }

    /// The element found wherever the chunks split it, text look-alikes
    /// passed over, and markup that could hide it left to calamine.
    #[test]
    fn every_split_of_the_chunks() {
        let head = br#"<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>mergeCells x:mergeCells </t></is></c></row></sheetData>"#;
        let body = br#"<x:mergeCells count="2"><x:mergeCell ref="A1:B2"/><x:mergeCell ref="C3:C9"/></x:mergeCells><pageMargins left="0.7"/></worksheet>"#;
        let xml = [&head[..], &body[..]].concat();
        let want = vec![
            Dimensions {
                start: (0, 0),
                end: (1, 1),
            },
            Dimensions {
                start: (2, 2),
                end: (8, 2),
            },
        ];
        for chunk in 1..=xml.len() + 1 {
            assert_eq!(scan(&xml[..], chunk), Some(want.clone()), "chunk {chunk}");
        }
        let none = br#"<worksheet><sheetData><row r="1"/></sheetData><pageMargins/></worksheet>"#;
        for chunk in [1, 7, 64] {
            assert_eq!(scan(&none[..], chunk), Some(Vec::new()));
        }
        let commented = [
            &br#"<worksheet><!-- <mergeCells><mergeCell ref="A1:B2"/></mergeCells> -->"#[..],
            &body[..],
        ]
        .concat();
        for chunk in 1..=commented.len() + 1 {
            assert_eq!(scan(&commented[..], chunk), None, "chunk {chunk}");
        }
    }
}
