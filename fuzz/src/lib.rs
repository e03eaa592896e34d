//! Shared code of the fuzz targets: the whole `report` pipeline on one
//! workbook given as bytes, and builders that wrap fuzzed XML parts in a
//! valid zip so the fuzzer gets past the container quickly.
//!
//! The pipeline mirrors `jixiao report` (src/cmd/report.rs `run`): open →
//! read the ledger → compute → scores → annotated workbook, forms and JSON,
//! all rendered in memory. Any panic or abort is a crash; an `Err` is a
//! refused input (the CLI prints it and exits 2) and must be a message.

use chrono::NaiveDate;
use jixiao::analysis;
use jixiao::compute::score::ScoringRules;
use jixiao::model::library::Library;
use jixiao::read::mapping::Mapping;
use jixiao::write;
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

/// `JIXIAO_FUZZ_DUMP=FILE`: also write the workbook each input becomes to
/// FILE (to turn a crash of a structure-aware target into a real workbook
/// for `tests/fuzz-cases/`).
fn dump(bytes: &[u8], ext: &str) {
    static DUMP: OnceLock<Option<PathBuf>> = OnceLock::new();
    if let Some(p) = DUMP.get_or_init(|| std::env::var_os("JIXIAO_FUZZ_DUMP").map(PathBuf::from)) {
        let p = p.with_extension(ext);
        let _ = std::fs::write(&p, bytes);
        eprintln!("jixiao-fuzz: wrote {}", p.display());
    }
}

/// One scratch file per process (the library opens workbooks by path).
fn scratch(ext: &str) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    dir.join(format!("jixiao-fuzz-{}.{ext}", std::process::id()))
}

fn rules() -> &'static ScoringRules {
    static R: OnceLock<ScoringRules> = OnceLock::new();
    R.get_or_init(ScoringRules::default)
}

fn libs() -> &'static [Library] {
    static L: OnceLock<Vec<Library>> = OnceLock::new();
    L.get_or_init(jixiao::read::library::bundled)
}

/// The extension the bytes would have on a clerk's disk: OLE2 → .xls, an
/// OpenDocument zip → .ods, a zip with a binary workbook → .xlsb, else
/// .xlsx (which also covers "not a workbook at all").
pub fn sniff(bytes: &[u8]) -> &'static str {
    const OLE2: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if bytes.starts_with(&OLE2) {
        "xls"
    } else if bytes.starts_with(b"PK") && has(b"application/vnd.oasis.opendocument") {
        "ods"
    } else if bytes.starts_with(b"PK") && has(b"xl/workbook.bin") {
        "xlsb"
    } else {
        "xlsx"
    }
}

/// Run the report pipeline on a workbook given as bytes with extension `ext`.
pub fn run_book(bytes: &[u8], ext: &str) {
    dump(bytes, ext);
    let path = scratch(ext);
    std::fs::write(&path, bytes).expect("write scratch workbook");
    let result = pipeline(&path);
    let _ = std::fs::remove_file(&path);
    if let Err(m) = result {
        assert!(!m.trim().is_empty(), "refused without a message");
    }
}

fn pipeline(path: &std::path::Path) -> Result<(), String> {
    // As `jixiao report` does it (src/cmd/report.rs), in memory.
    let mapping = Mapping::default();
    let as_of = NaiveDate::from_ymd_opt(2024, 6, 30);
    let mut outcome = analysis::analyse(path, as_of, None, &mapping)?;
    let evals = outcome.score(rules(), libs());
    outcome.with_copy_notes();
    let extra = write::report::copy_problems(&outcome.book);
    outcome.report.problems.extend(extra);
    let json = write::json::to_bytes(&outcome.report);
    assert!(!json.is_empty());
    let forms = write::forms::forms_workbook(&outcome.report, &evals, &write::forms::LAYOUT_A);
    let analysis::Outcome { book, report, .. } = outcome;
    let (book, report) = (std::sync::Arc::new(book), std::sync::Arc::new(report));
    let sheets = write::report::annotated_sheets(&book, &report);
    let xlsx = write::xlsx::render(&sheets)?;
    assert!(xlsx.starts_with(b"PK"));
    write::xlsx::render(&forms)?;
    Ok(())
}

/// Split a structure-aware input into its parts at NUL bytes (XML never
/// contains NUL, so the seeds stay readable text).
pub fn parts(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == 0).collect()
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        w.start_file(*name, opts).expect("zip entry");
        w.write_all(bytes).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

const SHEET_NAMES: [&str; 4] = ["项目", "拨付", "绩效指标", "说明"];

const MIN_STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#;

/// An .xlsx from fuzzed parts, in this order, split at NUL:
/// `workbook.xml`, `styles.xml`, `sharedStrings.xml`, `sheet1.xml` …
/// `sheet4.xml`. An empty workbook or styles part gets a valid default (the
/// workbook then lists the sheets given, named 项目/拨付/绩效指标/说明); an
/// empty shared-strings or sheet part is left out of the zip.
pub fn xlsx_from_parts(data: &[u8]) -> Vec<u8> {
    let p = parts(data);
    let get = |i: usize| p.get(i).copied().unwrap_or(&[]);
    let sheets: Vec<(usize, &[u8])> = (0..4)
        .map(|i| (i + 1, get(3 + i)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#,
    );
    for i in 1..=4 {
        rels.push_str(&format!(
            r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>"#
        ));
        types.push_str(&format!(
            r#"<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        ));
    }
    rels.push_str(r#"<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId6" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#);
    types.push_str("</Types>");
    let default_workbook = {
        let mut w = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
        );
        for (i, _) in &sheets {
            w.push_str(&format!(
                r#"<sheet name="{}" sheetId="{i}" r:id="rId{i}"/>"#,
                SHEET_NAMES[i - 1]
            ));
        }
        w.push_str("</sheets></workbook>");
        w
    };
    let workbook = if get(0).is_empty() {
        default_workbook.as_bytes()
    } else {
        get(0)
    };
    let styles = if get(1).is_empty() {
        MIN_STYLES.as_bytes()
    } else {
        get(1)
    };
    let root_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let names: Vec<String> = sheets
        .iter()
        .map(|(i, _)| format!("xl/worksheets/sheet{i}.xml"))
        .collect();
    let mut files: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", root_rels.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/workbook.xml", workbook),
        ("xl/styles.xml", styles),
    ];
    if !get(2).is_empty() {
        files.push(("xl/sharedStrings.xml", get(2)));
    }
    for (name, (_, s)) in names.iter().zip(&sheets) {
        files.push((name.as_str(), s));
    }
    zip_of(&files)
}

/// An .ods whose `content.xml` is the fuzzed bytes (an optional second part,
/// after a NUL, is `styles.xml`).
pub fn ods_from_content(data: &[u8]) -> Vec<u8> {
    let p = parts(data);
    let content = p.first().copied().unwrap_or(&[]);
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut files: Vec<(&str, &[u8])> = vec![
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("META-INF/manifest.xml", manifest.as_bytes()),
        ("content.xml", content),
    ];
    if let Some(s) = p.get(1).filter(|s| !s.is_empty()) {
        files.push(("styles.xml", s));
    }
    zip_of(&files)
}
