//! The .ods reader (src/read/ods.rs): synthesized ledgers written as .ods
//! give the .xlsx figures, merges and hidden tables are read, repeats
//! expand like calamine's, a stray far cell costs nothing, and a broken
//! file is refused in Chinese with exit 2.

mod common;
use calamine::Data;
use common::*;
use jixiao::read::book::{BookFormat, RawSheet, open_book};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.3">"#;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One table of an .ods written from sparse cells, the way LibreOffice
/// writes it: gaps as repeated empty cells/rows, merges as spans with
/// covered cells.
struct OdsTable {
    name: String,
    hidden: bool,
    cells: BTreeMap<(u32, u32), Data>,
    merges: Vec<calamine::Dimensions>,
}

impl OdsTable {
    fn from_sheet(s: &RawSheet) -> OdsTable {
        OdsTable {
            name: s.name.clone(),
            hidden: s.hidden,
            cells: s
                .used_cells()
                .map(|(r, c, v)| ((r, c), v.clone()))
                .collect(),
            merges: s.merges.clone(),
        }
    }

    fn xml(&self) -> String {
        enum Entry<'a> {
            Value(&'a Data, Option<(u32, u32)>),
            Covered,
        }
        let mut grid: BTreeMap<u32, BTreeMap<u32, Entry>> = BTreeMap::new();
        for m in &self.merges {
            for r in m.start.0..=m.end.0 {
                for c in m.start.1..=m.end.1 {
                    grid.entry(r).or_default().insert(c, Entry::Covered);
                }
            }
        }
        static EMPTY: Data = Data::Empty;
        for m in &self.merges {
            let span = (m.end.0 - m.start.0 + 1, m.end.1 - m.start.1 + 1);
            let v = self.cells.get(&m.start).unwrap_or(&EMPTY);
            grid.entry(m.start.0)
                .or_default()
                .insert(m.start.1, Entry::Value(v, Some(span)));
        }
        for ((r, c), v) in &self.cells {
            let row = grid.entry(*r).or_default();
            if !matches!(row.get(c), Some(Entry::Value(..))) {
                row.insert(*c, Entry::Value(v, None));
            }
        }
        let style = if self.hidden { "taHidden" } else { "ta1" };
        let mut x = format!(
            r#"<table:table table:name="{}" table:style-name="{style}">"#,
            esc(&self.name)
        );
        let mut next_row = 0;
        for (r, cells) in &grid {
            if *r > next_row {
                x.push_str(&format!(
                    r#"<table:table-row table:number-rows-repeated="{}"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
                    r - next_row
                ));
            }
            x.push_str("<table:table-row>");
            let mut next_col = 0;
            for (c, e) in cells {
                if *c > next_col {
                    x.push_str(&format!(
                        r#"<table:table-cell table:number-columns-repeated="{}"/>"#,
                        c - next_col
                    ));
                }
                match e {
                    Entry::Covered => x.push_str("<table:covered-table-cell/>"),
                    Entry::Value(v, span) => {
                        let span = span
                            .map(|(rs, cs)| {
                                format!(
                                    r#" table:number-rows-spanned="{rs}" table:number-columns-spanned="{cs}""#
                                )
                            })
                            .unwrap_or_default();
                        x.push_str(&cell_xml(v, &span));
                    }
                }
                next_col = c + 1;
            }
            x.push_str("</table:table-row>");
            next_row = r + 1;
        }
        x.push_str("</table:table>");
        x
    }
}

fn cell_xml(v: &Data, attrs: &str) -> String {
    let paragraphs = |s: &str| {
        s.split('\n')
            .map(|p| format!("<text:p>{}</text:p>", esc(p)))
            .collect::<String>()
    };
    match v {
        Data::Empty => format!("<table:table-cell{attrs}/>"),
        Data::Float(f) => format!(
            r#"<table:table-cell{attrs} office:value-type="float" office:value="{f}" calcext:value-type="float"><text:p>{f}</text:p></table:table-cell>"#
        ),
        Data::Int(i) => format!(
            r#"<table:table-cell{attrs} office:value-type="float" office:value="{i}"><text:p>{i}</text:p></table:table-cell>"#
        ),
        Data::String(s) => format!(
            r#"<table:table-cell{attrs} office:value-type="string" calcext:value-type="string">{}</table:table-cell>"#,
            paragraphs(s)
        ),
        Data::Bool(b) => format!(
            r#"<table:table-cell{attrs} office:value-type="boolean" office:boolean-value="{b}"><text:p>{}</text:p></table:table-cell>"#,
            if *b { "TRUE" } else { "FALSE" }
        ),
        Data::DateTime(d) => {
            let (y, m, day, h, mi, sec, _) = d.to_ymd_hms_milli();
            let iso = if (h, mi, sec) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                format!("{y:04}-{m:02}-{day:02}T{h:02}:{mi:02}:{sec:02}")
            };
            format!(
                r#"<table:table-cell{attrs} office:value-type="date" office:date-value="{iso}"><text:p>{iso}</text:p></table:table-cell>"#
            )
        }
        Data::DateTimeIso(s) => format!(
            r#"<table:table-cell{attrs} office:value-type="date" office:date-value="{s}"><text:p>{s}</text:p></table:table-cell>"#
        ),
        other => panic!("fixture cell {other:?}"),
    }
}

fn write_ods_tables(path: &Path, tables: &[OdsTable]) {
    let mut content = String::from(HEAD);
    content.push_str(concat!(
        "<office:automatic-styles>",
        r#"<style:style style:name="ta1" style:family="table"><style:table-properties table:display="true" style:writing-mode="lr-tb"/></style:style>"#,
        r#"<style:style style:name="taHidden" style:family="table"><style:table-properties table:display="false" style:writing-mode="lr-tb"/></style:style>"#,
        "</office:automatic-styles><office:body><office:spreadsheet>"
    ));
    for t in tables {
        content.push_str(&t.xml());
    }
    content.push_str("</office:spreadsheet></office:body></office:document-content>");
    write_ods_package(path, content.as_bytes());
}

/// The .xlsx's sheets as tables (what an .ods of the same workbook holds).
fn tables_of(xlsx: &Path) -> Vec<OdsTable> {
    let book = open_book(xlsx).expect("xlsx reads");
    book.sheets.iter().map(OdsTable::from_sheet).collect()
}

/// Two synthesized township ledgers: one in the standard layout, one in
/// the messy real-world one (title, two-row header with a merged parent).
fn synth(w: &Workdir) -> Vec<String> {
    let r = w.run(&[
        "synth",
        "--townships",
        "2",
        "--projects",
        "40",
        "--payments",
        "120",
        "--messy-every",
        "2",
        "-o",
        "synth",
    ]);
    assert_eq!(r.code, 0, "synth: {}", r.stderr);
    let mut files: Vec<String> = std::fs::read_dir(w.path("synth"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xlsx"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 2);
    files.into_iter().map(|f| format!("synth/{f}")).collect()
}

fn figures(w: &Workdir, file: &str) -> serde_json::Value {
    let json = format!("{file}.json");
    let r = w.run(&[
        "report",
        file,
        "--as-of",
        "2024-12-31",
        "--no-forms",
        "-o",
        &format!("{file}-out.xlsx"),
        "--json",
        &json,
    ]);
    assert!(r.code < 2, "{file}: exit {} {}", r.code, r.stderr);
    let mut j = read_json(&w.path(&json));
    j.as_object_mut().unwrap().remove("problems");
    // How the sheet was read (读取说明) lists the stray cell; the figures may not move.
    j.as_object_mut().unwrap().remove("reading");
    j
}

type SheetCells = Vec<(String, Vec<((u32, u32), Data)>)>;

/// What jixiao reads from a file, per sheet, as (position, value).
fn jixiao_cells(path: &Path) -> SheetCells {
    open_book(path)
        .expect("reads")
        .sheets
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.used_cells()
                    .map(|(r, c, v)| ((r, c), v.clone()))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn synthesized_ledgers_as_ods_give_the_xlsx_figures_and_merges() {
    let w = Workdir::new();
    for xlsx in synth(&w) {
        let ods = xlsx.replace(".xlsx", ".ods");
        let tables = tables_of(&w.path(&xlsx));
        write_ods_tables(&w.path(&ods), &tables);
        // Cell for cell what calamine reads from the same .ods.
        assert_eq!(jixiao_cells(&w.path(&ods)), read_cells(&w.path(&ods)));
        let (x, o) = (
            open_book(&w.path(&xlsx)).unwrap(),
            open_book(&w.path(&ods)).unwrap(),
        );
        assert_eq!(o.format, BookFormat::Ods);
        for (a, b) in x.sheets.iter().zip(&o.sheets) {
            let mut ma = a.merges.clone();
            let mut mb = b.merges.clone();
            ma.sort_by_key(|m| (m.start, m.end));
            mb.sort_by_key(|m| (m.start, m.end));
            assert_eq!(ma, mb, "{xlsx}: merges of {}", a.name);
        }
        assert_eq!(figures(&w, &xlsx), figures(&w, &ods), "{ods}");
    }
}

#[test]
fn merged_two_row_header_reads_like_the_xlsx() {
    // The messy layout's 资金规模 parent spans its children; the merge is
    // what the header reader goes by.
    let w = Workdir::new();
    let messy = synth(&w)
        .into_iter()
        .find(|f| {
            open_book(&w.path(f)).unwrap().sheets.iter().any(|s| {
                s.merges
                    .iter()
                    .any(|m| m.start.0 == m.end.0 && m.start.0 > 0)
            })
        })
        .expect("a ledger with a merged header parent");
    let ods = messy.replace(".xlsx", ".ods");
    write_ods_tables(&w.path(&ods), &tables_of(&w.path(&messy)));
    let book = open_book(&w.path(&ods)).unwrap();
    let parents: usize = book
        .sheets
        .iter()
        .map(|s| {
            s.merges
                .iter()
                .filter(|m| m.start.0 == m.end.0 && m.end.1 > m.start.1 && m.start.0 > 0)
                .count()
        })
        .sum();
    assert!(parents > 0, "merged header parent read from the .ods");
    assert_eq!(figures(&w, &messy), figures(&w, &ods));
}

fn peak_rss_kb(stderr: &str) -> u64 {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss:"))
        .expect("peak-rss line");
    line.trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("a number of kB")
}

#[test]
fn a_stray_cell_at_xfd1048576_costs_nothing_and_changes_no_figure() {
    let w = Workdir::new();
    let files = synth(&w);
    let xlsx = &files[1];
    let plain = "plain.ods";
    let stray = "stray.ods";
    let tables = tables_of(&w.path(xlsx));
    write_ods_tables(&w.path(plain), &tables);
    let mut tables = tables;
    for t in tables.iter_mut() {
        t.cells
            .insert((1_048_575, 16_383), Data::String("备注".into()));
    }
    write_ods_tables(&w.path(stray), &tables);
    let book = open_book(&w.path(stray)).unwrap();
    assert_eq!(
        book.sheets[0].cell(1_048_575, 16_383),
        &Data::String("备注".into())
    );
    let json = "stray.json";
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(w.dir.path())
        .env("JIXIAO_PEAK_RSS", "1")
        .args([
            "report",
            stray,
            "--as-of",
            "2024-12-31",
            "--no-forms",
            "-o",
            "stray-rss.xlsx",
            "--json",
            json,
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().unwrap() < 2, "{stderr}");
    let kb = peak_rss_kb(&stderr);
    eprintln!("stray cell at XFD1048576: peak RSS {kb} kB");
    assert!(kb < 300 * 1024, "peak RSS {kb} kB");
    assert_eq!(figures(&w, plain), figures(&w, stray));
}

#[test]
fn a_hidden_table_is_known_hidden() {
    let w = Workdir::new();
    let files = synth(&w);
    let mut tables = tables_of(&w.path(&files[0]));
    let mut extra = OdsTable::from_sheet(&open_book(&w.path(&files[0])).unwrap().sheets[0]);
    extra.name = "旧表（隐藏）".into();
    extra.hidden = true;
    tables.push(extra);
    write_ods_tables(&w.path("h.ods"), &tables);
    let book = open_book(&w.path("h.ods")).unwrap();
    let hidden: Vec<(&str, bool)> = book
        .sheets
        .iter()
        .map(|s| (s.name.as_str(), s.hidden))
        .collect();
    assert_eq!(hidden.last(), Some(&("旧表（隐藏）", true)));
    assert!(hidden[..hidden.len() - 1].iter().all(|h| !h.1));
    // A hidden copy of the ledger changes nothing.
    write_ods_tables(&w.path("v.ods"), &tables_of(&w.path(&files[0])));
    assert_eq!(figures(&w, "v.ods"), figures(&w, "h.ods"));
}

#[test]
fn repeated_cells_and_rows_expand_like_calamines() {
    let w = Workdir::new();
    let body = concat!(
        r#"<table:table table:name="重复">"#,
        r#"<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="50"/></table:table-row>"#,
        r#"<table:table-row table:number-rows-repeated="4">"#,
        r#"<table:table-cell/><table:table-cell office:value-type="string" table:number-columns-repeated="3"><text:p>同</text:p></table:table-cell>"#,
        r#"<table:table-cell table:number-columns-repeated="2"/>"#,
        r#"<table:table-cell office:value-type="float" office:value="2.5" table:number-columns-repeated="2"/>"#,
        r#"<table:table-cell table:number-columns-repeated="16376"/></table:table-row>"#,
        r#"<table:table-row table:number-rows-repeated="10"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
        r#"<table:table-row><table:table-cell office:value-type="date" office:date-value="2024-06-30" table:number-columns-repeated="2"/>"#,
        r#"<table:table-cell office:value-type="boolean" office:boolean-value="false"/></table:table-row>"#,
        r#"</table:table>"#,
    );
    let content = format!(
        "{HEAD}<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"
    );
    write_ods_package(&w.path("r.ods"), content.as_bytes());
    let ours = jixiao_cells(&w.path("r.ods"));
    assert_eq!(ours, read_cells(&w.path("r.ods")));
    let cells = &ours[0].1;
    assert_eq!(cells.len(), 4 * 5 + 3);
    assert_eq!(cells[0], ((3, 1), Data::String("同".into())));
    assert_eq!(cells[3], ((3, 6), Data::Float(2.5)));
    assert_eq!(cells[19], ((6, 7), Data::Float(2.5)));
    assert_eq!(cells[20], ((17, 0), Data::DateTimeIso("2024-06-30".into())));
}

fn assert_refused(w: &Workdir, file: &str, sheet: Option<&str>) {
    let r = w.run(&["report", file, "-o", &format!("{file}-out.xlsx")]);
    assert_eq!(r.code, 2, "{file}: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(r.stderr.contains("无法读取文件"), "{}", r.stderr);
    if let Some(s) = sheet {
        assert!(r.stderr.contains(&format!("的工作表“{s}”")), "{}", r.stderr);
    }
    assert!(!w.exists(&format!("{file}-out.xlsx")));
}

#[test]
fn broken_ods_files_are_refused_in_chinese() {
    let w = Workdir::new();
    let files = synth(&w);
    let tables = tables_of(&w.path(&files[0]));
    let mut content = String::from(HEAD);
    content.push_str("<office:body><office:spreadsheet>");
    for t in &tables {
        content.push_str(&t.xml());
    }
    content.push_str("</office:spreadsheet></office:body></office:document-content>");
    // Truncated in the middle of the first table.
    let first = tables[0].name.clone();
    let cut = content.find("</table:table>").unwrap() / 2;
    let cut = (0..=cut)
        .rev()
        .find(|&i| content.is_char_boundary(i))
        .unwrap();
    write_ods_package(&w.path("cut.ods"), &content.as_bytes()[..cut]);
    assert_refused(&w, "cut.ods", Some(&first));
    // Garbage in a cell's tag.
    let garbled = content.replacen("<table:table-cell", "<table:table-cell <<", 5);
    write_ods_package(&w.path("garbled.ods"), garbled.as_bytes());
    assert_refused(&w, "garbled.ods", Some(&first));
    // The whole package cut short, and a corrupt compressed stream.
    write_ods_package(&w.path("whole.ods"), content.as_bytes());
    let bytes = std::fs::read(w.path("whole.ods")).unwrap();
    std::fs::write(w.path("short.ods"), &bytes[..bytes.len() * 2 / 3]).unwrap();
    assert_refused(&w, "short.ods", None);
    let mut flipped = bytes.clone();
    let at = bytes.windows(11).position(|b| b == b"content.xml").unwrap() + 200;
    for b in &mut flipped[at..at + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(w.path("flipped.ods"), &flipped).unwrap();
    assert_refused(&w, "flipped.ods", None);
    // No content.xml at all.
    let mut z = zip::ZipWriter::new(std::fs::File::create(w.path("empty.ods")).unwrap());
    z.start_file("mimetype", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.finish().unwrap();
    assert_refused(&w, "empty.ods", None);
    // The whole one reads.
    let r = w.run(&["report", "whole.ods", "--no-forms", "-o", "whole-out.xlsx"]);
    assert!(r.code < 2, "{}", r.stderr);
}

#[test]
fn ledgers_converted_by_libreoffice_read_like_calamine_and_give_the_xlsx_figures() {
    let Some(soffice) = soffice() else {
        skip::soffice_missing();
        return;
    };
    let w = Workdir::new();
    let files = synth(&w);
    let profile = format!(
        "-env:UserInstallation=file://{}",
        w.path("lo-profile").display()
    );
    let status = Command::new(soffice)
        .current_dir(w.path("synth"))
        .args([
            &profile,
            "--headless",
            "--convert-to",
            "ods",
            "--outdir",
            ".",
        ])
        .args(files.iter().map(|f| f.trim_start_matches("synth/")))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("start soffice");
    assert!(status.success(), "soffice failed: {status}");
    for xlsx in &files {
        let ods = xlsx.replace(".xlsx", ".ods");
        assert!(w.exists(&ods), "{ods} converted");
        assert_eq!(jixiao_cells(&w.path(&ods)), read_cells(&w.path(&ods)));
        let o = open_book(&w.path(&ods)).unwrap();
        let x = open_book(&w.path(xlsx)).unwrap();
        let merges = |b: &jixiao::read::book::RawBook| {
            b.sheets
                .iter()
                .map(|s| {
                    let mut m = s.merges.clone();
                    m.sort_by_key(|m| (m.start, m.end));
                    m
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(merges(&x), merges(&o), "{ods}: merges");
        assert_eq!(figures(&w, xlsx), figures(&w, &ods), "{ods}");
    }
}

#[test]
fn a_value_repeated_over_the_whole_sheet_is_refused_at_once() {
    // 16,384 columns × 1,048,576 rows of one value: past the cell guard,
    // refused before the rows are copied.
    let w = Workdir::new();
    let body = concat!(
        r#"<table:table table:name="满表"><table:table-row table:number-rows-repeated="1048576">"#,
        r#"<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/>"#,
        r#"</table:table-row></table:table>"#
    );
    let content = format!(
        "{HEAD}<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"
    );
    write_ods_package(&w.path("full.ods"), content.as_bytes());
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .current_dir(w.dir.path())
        .env("JIXIAO_PEAK_RSS", "1")
        .args(["report", "full.ods", "-o", "full-out.xlsx"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("单元格超过"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let kb = peak_rss_kb(&stderr);
    assert!(kb < 100 * 1024, "peak RSS {kb} kB");
}

#[test]
fn an_encrypted_ods_is_refused_and_an_ods_without_its_extension_is_known() {
    let w = Workdir::new();
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/></manifest:file-entry></manifest:manifest>"#;
    let mut z = zip::ZipWriter::new(std::fs::File::create(w.path("locked.ods")).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    z.start_file("mimetype", opts).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.start_file("META-INF/manifest.xml", opts).unwrap();
    z.write_all(manifest.as_bytes()).unwrap();
    z.start_file("content.xml", opts).unwrap();
    z.write_all(&[0x8f; 300]).unwrap();
    z.finish().unwrap();
    assert_refused(&w, "locked.ods", None);
    let r = w.run(&["report", "locked.ods", "-o", "locked-out.xlsx"]);
    assert!(r.stderr.contains("已加密"), "{}", r.stderr);

    let files = synth(&w);
    write_ods_tables(&w.path("ledger.ods"), &tables_of(&w.path(&files[0])));
    std::fs::copy(w.path("ledger.ods"), w.path("ledger.dat")).unwrap();
    let book = open_book(&w.path("ledger.dat")).unwrap();
    assert_eq!(book.format, BookFormat::Ods);
    assert_eq!(
        jixiao_cells(&w.path("ledger.dat")),
        jixiao_cells(&w.path("ledger.ods"))
    );
}
