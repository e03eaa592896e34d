//! Test helpers: a scratch folder, a workbook builder, running the binary,
//! reading outputs back with calamine.
#![allow(dead_code)]

pub mod skip;

/// `jixiao synth` arguments for a small county: five townships of 7
/// projects and 15 payments, fixed seed, into the folder `in`.
pub const SMALL_COUNTY: &[&str] = &[
    "synth",
    "--townships",
    "5",
    "--projects",
    "7",
    "--payments",
    "15",
    "--seed",
    "7",
    "-o",
    "in",
];

use calamine::{Data, Reader, open_workbook_auto};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// Run `jixiao ARGS` in this folder.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run jixiao");
        Run::from(out)
    }
    pub fn exists(&self, name: &str) -> bool {
        self.path(name).exists()
    }
    /// Names of all files in the folder (to see that nothing stray was left).
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into(),
            stderr: String::from_utf8_lossy(&o.stderr).into(),
        }
    }
}

/// A cell for the fixture builder.
#[derive(Clone, Debug)]
pub enum C {
    S(&'static str),
    T(String),
    N(f64),
    /// A real date (yyyy-mm-dd), formatted as a date.
    D(&'static str),
    F(&'static str, f64),
    E,
}
pub use C::*;

pub fn write_book(path: &Path, sheets: &[(&str, Vec<Vec<C>>)]) {
    book_of(sheets).save(path).unwrap();
}

/// The workbook `write_book` saves, for a test to add to first.
pub fn book_of(sheets: &[(&str, Vec<Vec<C>>)]) -> Workbook {
    let mut wb = Workbook::new();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows) in sheets {
        let ws = wb.add_worksheet().set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match v {
                    S(s) => {
                        ws.write_string(r, c, *s).unwrap();
                    }
                    T(s) => {
                        ws.write_string(r, c, s).unwrap();
                    }
                    N(n) => {
                        ws.write_number(r, c, *n).unwrap();
                    }
                    D(d) => {
                        ws.write_datetime_with_format(
                            r,
                            c,
                            ExcelDateTime::parse_from_str(d).unwrap(),
                            &day,
                        )
                        .unwrap();
                    }
                    F(f, v) => {
                        ws.write_formula(
                            r,
                            c,
                            rust_xlsxwriter::Formula::new(*f).set_result(v.to_string()),
                        )
                        .unwrap();
                    }
                    E => {}
                }
            }
        }
    }
    wb
}

pub const PROJECT_HEADER: [C; 7] = [
    S("项目编号"),
    S("项目名称"),
    S("项目类别"),
    S("资金性质"),
    S("预算金额（万元）"),
    S("结算金额（万元）"),
    S("建设状态"),
];
pub const PAYMENT_HEADER: [C; 4] = [
    S("项目编号"),
    S("拨付日期"),
    S("拨付金额（万元）"),
    S("资金性质"),
];

/// A small valid workbook: two projects, three payments.
pub fn small_book() -> Vec<(&'static str, Vec<Vec<C>>)> {
    vec![
        (
            "项目",
            vec![
                PROJECT_HEADER.to_vec(),
                vec![
                    S("P1"),
                    S("道路"),
                    S("基础设施建设项目"),
                    S("整合资金"),
                    N(100.0),
                    N(98.5),
                    S("已完工"),
                ],
                vec![
                    S("P2"),
                    S("补助"),
                    S("产业项目"),
                    S("衔接资金"),
                    N(20.0),
                    E,
                    S("在建"),
                ],
            ],
        ),
        (
            "拨付",
            vec![
                PAYMENT_HEADER.to_vec(),
                vec![S("P1"), D("2024-03-01"), N(50.0), E],
                vec![S("P1"), D("2024-06-01"), N(30.0), E],
                vec![S("P2"), D("2024-04-15"), N(5.5), S("衔接资金")],
            ],
        ),
        (
            "说明",
            vec![
                vec![S("单位名称"), S("测试镇")],
                vec![S("年度"), N(2024.0)],
                vec![S("截止日期"), D("2024-12-31")],
            ],
        ),
    ]
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("json written")).expect("valid json")
}

/// Every sheet of a workbook: name → (cells with absolute positions).
pub fn read_cells(path: &Path) -> Vec<(String, Vec<((u32, u32), Data)>)> {
    let mut wb = open_workbook_auto(path).expect("open");
    let names = wb.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let r = wb.worksheet_range(&n).unwrap();
            let (r0, c0) = r.start().unwrap_or((0, 0));
            let cells = r
                .used_cells()
                .map(|(r, c, v)| ((r0 + r as u32, c0 + c as u32), v.clone()))
                .collect();
            (n, cells)
        })
        .collect()
}

pub fn sheet_cell(path: &Path, sheet: &str, row: u32, col: u32) -> Data {
    let mut wb = open_workbook_auto(path).expect("open");
    let r = wb.worksheet_range(sheet).expect("sheet");
    r.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

/// Formula cells of one sheet: position → formula text.
pub fn formulas(path: &Path, sheet: &str) -> Vec<((u32, u32), String)> {
    let mut wb = open_workbook_auto(path).expect("open");
    let r = wb.worksheet_formula(sheet).expect("formulas");
    let (r0, c0) = r.start().unwrap_or((0, 0));
    r.used_cells()
        .filter(|(_, _, f)| !f.is_empty())
        .map(|(r, c, f)| ((r0 + r as u32, c0 + c as u32), f.clone()))
        .collect()
}

/// The text of one part of the xlsx zip (comments, styles).
pub fn zip_part(path: &Path, prefix: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        if f.name().map(|n| n.starts_with(prefix)).unwrap_or(false) {
            std::io::Read::read_to_string(&mut f, &mut out).unwrap();
        }
    }
    out
}

pub fn sha(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// A sheet for the layout writers: name, rows, merged ranges (r0, c0, r1, c1).
pub type SheetData = (String, Vec<Vec<C>>, Vec<(u32, u16, u32, u16)>);

/// xlsx with merged ranges.
pub fn write_xlsx_merged(path: &Path, sheets: &[SheetData]) {
    let mut wb = Workbook::new();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows, merges) in sheets {
        let ws = wb.add_worksheet().set_name(name).unwrap();
        for (r0, c0, r1, c1) in merges {
            ws.merge_range(*r0, *c0, *r1, *c1, "", &Format::new())
                .unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match v {
                    S(s) => drop(ws.write_string(r, c, *s).unwrap()),
                    T(s) => drop(ws.write_string(r, c, s).unwrap()),
                    N(n) => drop(ws.write_number(r, c, *n).unwrap()),
                    D(d) => drop(
                        ws.write_datetime_with_format(
                            r,
                            c,
                            ExcelDateTime::parse_from_str(d).unwrap(),
                            &day,
                        )
                        .unwrap(),
                    ),
                    F(f, v) => drop(
                        ws.write_formula(
                            r,
                            c,
                            rust_xlsxwriter::Formula::new(*f).set_result(v.to_string()),
                        )
                        .unwrap(),
                    ),
                    E => {}
                }
            }
        }
    }
    wb.save(path).unwrap();
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A minimal OpenDocument spreadsheet, written by hand so the .ods path is
/// tested without LibreOffice. Merges become spanned cells.
pub fn write_ods(path: &Path, sheets: &[SheetData]) {
    let mut content = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>"#,
    );
    for (name, rows, merges) in sheets {
        content.push_str(&format!(
            r#"<table:table table:name="{}">"#,
            xml_escape(name)
        ));
        for (r, row) in rows.iter().enumerate() {
            content.push_str("<table:table-row>");
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                let covered = merges.iter().any(|(r0, c0, r1, c1)| {
                    (*r0..=*r1).contains(&r) && (*c0..=*c1).contains(&c) && (r, c) != (*r0, *c0)
                });
                if covered {
                    content.push_str("<table:covered-table-cell/>");
                    continue;
                }
                let span = merges
                    .iter()
                    .find(|(r0, c0, ..)| (*r0, *c0) == (r, c))
                    .map(|(r0, c0, r1, c1)| {
                        format!(
                            r#" table:number-columns-spanned="{}" table:number-rows-spanned="{}""#,
                            c1 - c0 + 1,
                            r1 - r0 + 1
                        )
                    })
                    .unwrap_or_default();
                match v {
                    S(s) => content.push_str(&format!(r#"<table:table-cell{span} office:value-type="string"><text:p>{}</text:p></table:table-cell>"#, xml_escape(s))),
                    T(s) => content.push_str(&format!(r#"<table:table-cell{span} office:value-type="string"><text:p>{}</text:p></table:table-cell>"#, xml_escape(s))),
                    N(n) => content.push_str(&format!(r#"<table:table-cell{span} office:value-type="float" office:value="{n}"><text:p>{n}</text:p></table:table-cell>"#)),
                    D(d) => content.push_str(&format!(r#"<table:table-cell{span} office:value-type="date" office:date-value="{d}"><text:p>{d}</text:p></table:table-cell>"#)),
                    F(_, v) => content.push_str(&format!(r#"<table:table-cell{span} office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>"#)),
                    E => content.push_str(&format!("<table:table-cell{span}/>")),
                }
            }
            content.push_str("</table:table-row>");
        }
        content.push_str("</table:table>");
    }
    content.push_str("</office:spreadsheet></office:body></office:document-content>");
    write_ods_package(path, content.as_bytes());
}

/// A minimal .ods package around a content.xml (which may be cut or garbled).
pub fn write_ods_package(path: &Path, content: &[u8]) {
    use std::io::Write;
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.start_file("META-INF/manifest.xml", deflated).unwrap();
    z.write_all(manifest.as_bytes()).unwrap();
    z.start_file("content.xml", deflated).unwrap();
    z.write_all(content).unwrap();
    z.finish().unwrap();
}

/// LibreOffice's `soffice` on PATH, for the real-client checks (without it
/// they call `skip::soffice_missing`: fail under CI, else skip visibly).
pub fn soffice() -> Option<PathBuf> {
    skip::which("soffice")
}

/// Copy an xlsx, replacing text in every part.
pub fn replace_in_zip(from: &Path, to: &Path, pairs: &[(&str, &str)]) {
    use std::io::{Read, Write};
    let mut z = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if let Ok(mut text) = String::from_utf8(bytes.clone()) {
            for (a, b) in pairs {
                text = text.replace(a, b);
            }
            bytes = text.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
}
