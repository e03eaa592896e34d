//! Our own .xlsx values reader (`src/read/xlsx.rs`) against calamine's, on
//! generated packages that vary what real writers vary: prefixed or plain
//! element names, rich text, phonetic runs, kept and trimmed spaces, entity
//! and `_xHHHH_` escapes, line ends, every cell type, cells and rows with and
//! without their references, shared formulas, date formats built in and
//! custom, the 1904 calendar, hidden sheets, merged ranges, comments. Every
//! workbook must read the same both ways, and ours must read it itself (not
//! hand it to calamine), or the speed it exists for is silently gone.

use jixiao::read::book::{RawBook, XlsxReader, open_book_by};
use std::io::Write;
use std::path::Path;

/// A small deterministic generator (no dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// Texts as clerks type them and as writers escape them (already XML).
const TEXTS: &[&str] = &[
    "项目名称",
    "靖宇镇河南村牛场建设项目",
    "  前后有空格  ",
    "A&amp;B 公司",
    "&lt;说明&gt;",
    "第一行&#10;第二行",
    "回车_x000D_换行",
    "中&#x6587;",
    "单位：万元",
    "2024年3月15日",
    "（5）",
    "1,234.50元",
    "",
    "x\r\ny",
    "tab\there",
];

fn col_name(mut c: u32) -> String {
    let mut s = Vec::new();
    c += 1;
    while c > 0 {
        let r = (c - 1) % 26;
        s.push(b'A' + r as u8);
        c = (c - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

struct Gen {
    rng: Rng,
    /// Element prefix for the spreadsheetml namespace ("" or "x:").
    p: &'static str,
}

impl Gen {
    fn shared_string(&mut self) -> String {
        let p = self.p;
        let t = *self.rng.pick(TEXTS);
        match self.rng.below(6) {
            0 => format!("<{p}si><{p}t>{t}</{p}t></{p}si>"),
            1 => format!("<{p}si><{p}t xml:space=\"preserve\">{t}</{p}t></{p}si>"),
            2 => format!(
                "<{p}si><{p}r><{p}rPr><{p}b/></{p}rPr><{p}t>{t}</{p}t></{p}r><{p}r><{p}t xml:space=\"preserve\"> 续</{p}t></{p}r></{p}si>"
            ),
            3 => format!(
                "<{p}si><{p}t>{t}</{p}t><{p}rPh sb=\"0\" eb=\"1\"><{p}t>ピン</{p}t></{p}rPh><{p}phoneticPr fontId=\"1\"/></{p}si>"
            ),
            4 => format!("<{p}si/>"),
            _ => format!("<{p}si><{p}t/></{p}si>"),
        }
    }

    fn styles(&mut self) -> (String, usize) {
        let p = self.p;
        let custom = [
            (164, "yyyy\\-mm\\-dd"),
            (165, "yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"),
            (166, "#,##0.00_);[Red]\\(#,##0.00\\)"),
            (167, "[h]:mm:ss"),
            (168, "0.0000&quot;万元&quot;"),
        ];
        let builtin = [0u32, 1, 2, 4, 10, 14, 15, 17, 20, 22, 45, 47, 49];
        let mut xfs = Vec::new();
        let n = 3 + self.rng.below(10) as usize;
        for _ in 0..n {
            let id = if self.rng.chance(2) {
                custom[self.rng.below(custom.len() as u64) as usize].0
            } else {
                *self.rng.pick(&builtin)
            };
            if self.rng.chance(5) {
                xfs.push(format!(
                    "<{p}xf numFmtId=\"{id}\" fontId=\"0\" applyNumberFormat=\"1\"><{p}alignment horizontal=\"center\"/></{p}xf>"
                ));
            } else {
                xfs.push(format!(
                    "<{p}xf numFmtId=\"{id}\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/>"
                ));
            }
        }
        let fmts: String = custom
            .iter()
            .map(|(id, code)| format!("<{p}numFmt numFmtId=\"{id}\" formatCode=\"{code}\"/>"))
            .collect();
        (
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<{p}styleSheet xmlns{}=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><{p}numFmts count=\"{}\">{fmts}</{p}numFmts><{p}fonts count=\"1\"><{p}font><{p}sz val=\"11\"/><{p}name val=\"宋体\"/></{p}font></{p}fonts><{p}fills count=\"1\"><{p}fill><{p}patternFill patternType=\"none\"/></{p}fill></{p}fills><{p}borders count=\"1\"><{p}border><{p}left/><{p}right/></{p}border></{p}borders><{p}cellStyleXfs count=\"1\"><{p}xf numFmtId=\"14\"/></{p}cellStyleXfs><{p}cellXfs count=\"{n}\">{}</{p}cellXfs><{p}dxfs count=\"1\"><{p}dxf><{p}numFmt numFmtId=\"170\" formatCode=\"yyyy\"/></{p}dxf></{p}dxfs></{p}styleSheet>",
                prefix_decl(p),
                custom.len(),
                xfs.concat()
            ),
            n,
        )
    }

    fn value(&mut self, strings: usize, xfs: usize, r: u32, c: u32) -> String {
        let p = self.p;
        let s_attr = if self.rng.chance(2) {
            format!(" s=\"{}\"", self.rng.below(xfs as u64))
        } else {
            String::new()
        };
        let reference = if self.rng.chance(4) {
            String::new()
        } else {
            format!(" r=\"{}{}\"", col_name(c), r + 1)
        };
        let num = *self.rng.pick(&[
            "45366", "45366.5", "12.5", "-3", "0", "1e3", "408.5587", "0.1", "  7 ", "abc",
        ]);
        let text = *self.rng.pick(TEXTS);
        match self.rng.below(13) {
            0 => format!("<{p}c{reference}{s_attr}><{p}v>{num}</{p}v></{p}c>"),
            1 => format!("<{p}c{reference}{s_attr} t=\"n\"><{p}v>12.25</{p}v></{p}c>"),
            2 if strings > 0 => format!(
                "<{p}c{reference}{s_attr} t=\"s\"><{p}v>{}</{p}v></{p}c>",
                self.rng.below(strings as u64)
            ),
            3 => format!(
                "<{p}c{reference}{s_attr} t=\"str\"><{p}f>A1&amp;\"x\"</{p}f><{p}v>{text}</{p}v></{p}c>"
            ),
            4 => format!(
                "<{p}c{reference}{s_attr} t=\"inlineStr\"><{p}is><{p}t xml:space=\"preserve\">{text}</{p}t></{p}is></{p}c>"
            ),
            5 => format!(
                "<{p}c{reference} t=\"b\"><{p}v>{}</{p}v></{p}c>",
                self.rng.pick(&["1", "0", "TRUE", " false "])
            ),
            6 => format!(
                "<{p}c{reference} t=\"e\"><{p}f>1/0</{p}f><{p}v>{}</{p}v></{p}c>",
                self.rng.pick(&["#DIV/0!", "#N/A", "#REF!", "#VALUE!"])
            ),
            7 => format!("<{p}c{reference} t=\"d\"><{p}v>2024-03-15T00:00:00</{p}v></{p}c>"),
            8 => format!("<{p}c{reference}{s_attr}/>"),
            9 => format!("<{p}c{reference}{s_attr}><{p}v/></{p}c>"),
            10 => format!(
                "<{p}c{reference}{s_attr}><{p}f>SUM(A1:A{})</{p}f><{p}v>{num}</{p}v></{p}c>",
                r + 1
            ),
            11 => format!("<!-- 注释 --><{p}c{reference}{s_attr}>\n  <{p}v>3</{p}v>\n</{p}c>"),
            _ => format!(
                "<{p}c{reference}{s_attr} t=\"inlineStr\"><{p}is><{p}r><{p}t>{text}</{p}t></{p}r><{p}r><{p}t>尾</{p}t></{p}r></{p}is></{p}c>"
            ),
        }
    }

    fn sheet(&mut self, strings: usize, xfs: usize) -> String {
        let p = self.p;
        let rows = 1 + self.rng.below(14) as u32;
        let cols = 1 + self.rng.below(9) as u32;
        let mut xml = String::new();
        let mut r = 0u32;
        while r < rows {
            // Rows skipped, rows without their number, empty rows.
            if self.rng.chance(6) {
                r += 1;
            }
            let row_ref = if self.rng.chance(5) {
                String::new()
            } else {
                format!(" r=\"{}\"", r + 1)
            };
            if self.rng.chance(9) {
                xml.push_str(&format!("<{p}row{row_ref} spans=\"1:3\"/>"));
                r += 1;
                continue;
            }
            xml.push_str(&format!("<{p}row{row_ref} ht=\"20\" customHeight=\"1\">"));
            let mut c = 0u32;
            while c < cols {
                if self.rng.chance(5) {
                    c += 1;
                }
                xml.push_str(&self.value(strings, xfs, r, c));
                c += 1;
            }
            // A shared formula down a column: the first cell holds it.
            if r == 0 && cols < 20 {
                let col = col_name(cols + 2);
                xml.push_str(&format!(
                    "<{p}c r=\"{col}1\"><{p}f t=\"shared\" ref=\"{col}1:{col}{rows}\" si=\"0\">A1*2</{p}f><{p}v>1</{p}v></{p}c>"
                ));
            } else if cols < 20 {
                let col = col_name(cols + 2);
                xml.push_str(&format!(
                    "<{p}c r=\"{col}{}\"><{p}f t=\"shared\" si=\"0\"/><{p}v>2</{p}v></{p}c>",
                    r + 1
                ));
            }
            xml.push_str(&format!("</{p}row>"));
            r += 1;
        }
        let merges = if self.rng.chance(2) {
            format!(
                "<{p}mergeCells count=\"2\"><{p}mergeCell ref=\"A1:C1\"/><{p}mergeCell ref=\"B{}:B{}\"/></{p}mergeCells>",
                rows + 2,
                rows + 3
            )
        } else {
            String::new()
        };
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<{p}worksheet xmlns{}=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><{p}dimension ref=\"A1\"/><{p}sheetViews><{p}sheetView workbookViewId=\"0\"/></{p}sheetViews><{p}sheetFormatPr defaultRowHeight=\"15\"/><{p}cols><{p}col min=\"1\" max=\"2\" width=\"12\"/></{p}cols><{p}sheetData>{xml}</{p}sheetData>{merges}<{p}pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></{p}worksheet>",
            prefix_decl(p)
        )
    }
}

fn prefix_decl(p: &str) -> String {
    match p.strip_suffix(':') {
        Some(x) => format!(":{x}"),
        None => String::new(),
    }
}

/// A whole package from the generator.
fn package(seed: u64, path: &Path) {
    let mut g = Gen {
        rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
        p: "",
    };
    g.p = if g.rng.chance(4) { "x:" } else { "" };
    let p = g.p;
    let n_strings = g.rng.below(12) as usize;
    let strings: String = (0..n_strings).map(|_| g.shared_string()).collect();
    let (styles, xfs) = g.styles();
    let n_sheets = 1 + g.rng.below(3) as usize;
    let names = ["项目台账", "拨付&amp;明细", "说明 &lt;1&gt;", "Sheet1"];
    let mut sheets_xml = String::new();
    let mut rels = String::new();
    let mut sheets = Vec::new();
    for (i, name) in names.iter().enumerate().take(n_sheets) {
        let state = match g.rng.below(4) {
            0 => " state=\"hidden\"",
            1 => " state=\"visible\"",
            _ => "",
        };
        sheets_xml.push_str(&format!(
            "<{p}sheet name=\"{}\" sheetId=\"{}\"{state} r:id=\"rId{}\"/>",
            name,
            i + 1,
            i + 1
        ));
        rels.push_str(&format!(
            "<Relationship Id=\"rId{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"{}worksheets/sheet{}.xml\"/>",
            i + 1,
            if g.rng.chance(3) { "/xl/" } else { "" },
            i + 1
        ));
        sheets.push(g.sheet(n_strings, xfs));
    }
    let date1904 = if g.rng.chance(4) {
        " date1904=\"1\""
    } else {
        ""
    };
    rels.push_str("<Relationship Id=\"rIdS\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/><Relationship Id=\"rIdT\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>");
    let workbook = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<{p}workbook xmlns{}=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><{p}workbookPr{date1904}/><{p}sheets>{sheets_xml}</{p}sheets></{p}workbook>",
        prefix_decl(p)
    );
    let sst = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<{p}sst xmlns{}=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"{n_strings}\" uniqueCount=\"{n_strings}\">{strings}</{p}sst>",
        prefix_decl(p)
    );
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, body: &str| {
        w.start_file(name, o).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    };
    put(
        "[Content_Types].xml",
        "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>",
    );
    put(
        "_rels/.rels",
        "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>",
    );
    put(
        "xl/_rels/workbook.xml.rels",
        &format!(
            "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}</Relationships>"
        ),
    );
    put("xl/workbook.xml", &workbook);
    put("xl/styles.xml", &styles);
    if n_strings > 0 || g.rng.chance(2) {
        put("xl/sharedStrings.xml", &sst);
    }
    for (i, s) in sheets.iter().enumerate() {
        put(&format!("xl/worksheets/sheet{}.xml", i + 1), s);
    }
    w.finish().unwrap();
}

fn same(ours: &RawBook, theirs: &RawBook, what: &str) {
    assert_eq!(ours.sheets.len(), theirs.sheets.len(), "{what}: sheets");
    for (a, b) in ours.sheets.iter().zip(&theirs.sheets) {
        assert_eq!(a, b, "{what}: sheet {}", a.name);
    }
}

#[test]
fn generated_workbooks_read_the_same_by_our_reader_and_calamine_and_ours_reads_them_itself() {
    let dir = tempfile::tempdir().unwrap();
    let seeds: u64 = std::env::var("XLSX_READER_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let mut cells = 0usize;
    for seed in 0..seeds {
        let path = dir.path().join(format!("g{seed}.xlsx"));
        package(seed, &path);
        for full in [true, false] {
            let what = format!("seed {seed} full {full}");
            let theirs = open_book_by(&path, full, XlsxReader::Calamine);
            let ours = open_book_by(&path, full, XlsxReader::Own);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => same(a, b, &what),
                (Err(a), Err(b)) => assert_eq!(a, b, "{what}"),
                _ => panic!(
                    "{what}: ours {:?} / calamine {:?}",
                    ours.as_ref().err(),
                    theirs.as_ref().err()
                ),
            }
            // Ours read it itself.
            let mut zip =
                zip::ZipArchive::new(std::io::Cursor::new(std::fs::read(&path).unwrap())).unwrap();
            match jixiao::read::xlsx::read(&mut zip, full, 1_000_000) {
                jixiao::read::xlsx::Outcome::Read(s) => {
                    cells += s.iter().map(|s| s.cell_count()).sum::<usize>();
                }
                jixiao::read::xlsx::Outcome::Fallback(why) => {
                    panic!("{what}: handed to calamine ({why})")
                }
                jixiao::read::xlsx::Outcome::TooManyCells => panic!("{what}: too many"),
            }
        }
    }
    assert!(cells > seeds as usize * 10, "{cells} cells read");
}

/// What ours leaves to calamine still reads (calamine's reading, or its
/// message): a CDATA value, an unknown cell type, a DOCTYPE.
#[test]
fn what_our_reader_does_not_follow_is_read_by_calamine() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.xlsx");
    package(7, &base);
    let odd = [
        ("<v>", "<v><![CDATA[5]]>"),
        // Found by fuzzing (ours and calamine read them differently before):
        // a repeated attribute, which calamine takes last; a closing tag
        // with attributes, which quick-xml reads as another name.
        ("<c r=\"", "<c r=\"B9\" r=\""),
        ("</c>", "</c t=\"s\">"),
        ("<c r=\"", "<c t=\"zz\" r=\""),
        (
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>",
            "<!DOCTYPE x>",
        ),
    ];
    for (from, to) in odd {
        let path = dir.path().join("odd.xlsx");
        rewrite(&base, &path, from, to);
        let ours = open_book_by(&path, true, XlsxReader::Own);
        let theirs = open_book_by(&path, true, XlsxReader::Calamine);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => same(a, b, to),
            (Err(a), Err(b)) => assert_eq!(a, b, "{to}"),
            _ => panic!("{to}: {:?} / {:?}", ours.is_ok(), theirs.is_ok()),
        }
    }
}

/// Copy a package, replacing text in its worksheet parts (it must be there).
fn rewrite(from: &Path, to: &Path, a: &str, b: &str) {
    let mut replaced = false;
    use std::io::Read;
    let mut zin = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut body = String::new();
        f.read_to_string(&mut body).unwrap();
        if name.starts_with("xl/worksheets/") && body.contains(a) {
            body = body.replacen(a, b, 1);
            replaced = true;
        }
        w.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap();
    assert!(replaced, "{a:?} is in a sheet of the base package");
}

/// The cell limit counts every sheet of the book together, sheet after
/// sheet and side by side: three sheets of 2,000 cells are refused at 5,000
/// (each alone is under it) and read at 6,000.
#[test]
fn the_cell_limit_counts_all_sheets_together() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("three.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    for s in 0..3 {
        let ws = wb.add_worksheet();
        ws.set_name(format!("表{s}")).unwrap();
        for r in 0..200u32 {
            for c in 0..10u16 {
                ws.write_number(r, c, f64::from(r) + f64::from(c)).unwrap();
            }
        }
    }
    wb.save(&path).unwrap();
    let read = |limit| {
        let mut zip =
            zip::ZipArchive::new(std::io::Cursor::new(std::fs::read(&path).unwrap())).unwrap();
        jixiao::read::xlsx::read(&mut zip, true, limit)
    };
    assert!(matches!(
        read(5_000),
        jixiao::read::xlsx::Outcome::TooManyCells
    ));
    match read(6_000) {
        jixiao::read::xlsx::Outcome::Read(s) => {
            assert_eq!(s.iter().map(|s| s.cell_count()).sum::<usize>(), 6_000)
        }
        _ => panic!("6,000 cells under a limit of 6,000 are read"),
    }
}
