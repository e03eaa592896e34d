//! Our own xlsx writer (src/write/xlsx.rs): a workbook with what the sheet
//! model offers (notes, merges, print titles, a chart, frozen panes, filter,
//! list validation, formulas, long and odd texts, sheet names that need
//! quoting) read back with calamine and part by part; and the forms
//! workbook, built sheet by sheet as it is written, with every sheet once
//! and in order (总览 first, 待核实 last).

mod common;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;
use jixiao::write::sheet::{
    CHART_SIZE, ChartSeries, ChartSpec, ListValidation, PageSetup, Role, Sheet, Span, Value,
};
use std::io::Read;

fn parts(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        out.insert(name, s);
    }
    out
}

fn book() -> Vec<Sheet> {
    let d = |s: &str| Value::Number(s.parse().unwrap());
    let mut a = Sheet::new("汇总");
    a.text(0, 0, "标题", Role::Title);
    a.merge(0, 0, 0, 3);
    a.text(2, 0, "月份", Role::Header);
    a.text(2, 1, "金额", Role::Header);
    for m in 0..6u32 {
        a.put(
            3 + m,
            0,
            Value::Date(chrono::NaiveDate::from_ymd_opt(2024, m + 1, 1).unwrap()),
            Role::Month,
        );
        a.put(3 + m, 1, d(&format!("{}.5", m + 1)), Role::Money);
    }
    a.put(
        9,
        1,
        Value::Formula("SUM(B4:B9)".into(), Box::new(d("21"))),
        Role::TotalMoney,
    );
    a.text(9, 0, "合计", Role::TotalText).note = Some("各月之和 & <核对>".into());
    a.text(10, 0, "x".repeat(40_000), Role::Text);
    a.text(11, 0, "控制\u{1}字符 _x0041_ 原样", Role::Text);
    a.put(11, 1, Value::Bool(true), Role::Raw);
    a.widths = vec![(0, 12.0), (1, 14.5), (2, 3.0)];
    a.row_heights = vec![(2, 33.0)];
    a.freeze = Some((3, 1));
    a.autofilter = Some(Span {
        first_row: 2,
        first_col: 0,
        last_row: 8,
        last_col: 1,
    });
    a.print = Some(PageSetup::new("测试镇 & 村", Some((2, 2))));
    a.validations.push(ListValidation {
        col: 2,
        first_row: 3,
        last_row: 8,
        choices: vec!["是".into(), "否\"".into()],
    });
    a.charts.push(ChartSpec {
        title: "月度".into(),
        categories_col: 0,
        columns: vec![ChartSeries {
            name: "金额".into(),
            rows: (3, 8),
            col: 1,
        }],
        lines: vec![],
        at: (2, 4),
        category_format: Some("yyyy-mm".into()),
        value_format: None,
        size: CHART_SIZE,
    });
    let mut b = Sheet::new("目标-A'1 & 2");
    b.text(0, 0, "引用", Role::Text);
    b.put(
        1,
        0,
        Value::Formula("'汇总'!B10".into(), Box::new(d("21"))),
        Role::Money,
    );
    b.text(1, 1, "备注", Role::FormText).note = Some("第二张表的批注".into());
    b.print = Some(PageSetup::new("测试镇", Some((0, 0))).one_page());
    vec![a, b]
}

/// What the model holds is what a reader finds: values, formulas, merges,
/// notes (comments part and VML drawing, linked from the sheet), print
/// area and titles, the chart and its drawing, the properties.
#[test]
fn a_workbook_reads_back_part_by_part() {
    let sheets = book();
    let bytes = jixiao::write::xlsx::workbook_bytes(&sheets, jixiao::output::Kind::Report).unwrap();
    let w = Workdir::new();
    let path = w.path("t.xlsx");
    std::fs::write(&path, &bytes).unwrap();

    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), vec!["汇总", "目标-A'1 & 2"]);
    let r = wb.worksheet_range("汇总").unwrap();
    assert_eq!(r.get_value((0, 0)), Some(&Data::String("标题".into())));
    assert_eq!(r.get_value((4, 1)), Some(&Data::Float(2.5)));
    assert_eq!(r.get_value((9, 1)), Some(&Data::Float(21.0)));
    assert_eq!(r.get_value((11, 1)), Some(&Data::Bool(true)));
    match r.get_value((10, 0)) {
        Some(Data::String(s)) => assert_eq!(s.chars().count(), 32767, "cut to Excel's limit"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        r.get_value((11, 0)),
        Some(&Data::String("控制\u{1}字符 _x0041_ 原样".into()))
    );
    let f = wb.worksheet_formula("汇总").unwrap();
    assert_eq!(f.get_value((9, 1)).map(String::as_str), Some("SUM(B4:B9)"));
    let f = wb.worksheet_formula("目标-A'1 & 2").unwrap();
    assert_eq!(f.get_value((1, 0)).map(String::as_str), Some("'汇总'!B10"));
    let merges = wb.merge_cells_by_sheet_name("汇总").unwrap();
    assert_eq!(merges.len(), 1);
    assert_eq!((merges[0].start, merges[0].end), ((0, 0), (0, 3)));

    let p = parts(&bytes);
    // Notes: a comments part and a VML drawing for each sheet with notes,
    // both linked from the sheet; the cut text's note says so.
    let rels1 = &p["xl/worksheets/_rels/sheet1.xml.rels"];
    assert!(rels1.contains("../drawings/drawing1.xml"), "{rels1}");
    assert!(rels1.contains("../drawings/vmlDrawing1.vml"), "{rels1}");
    assert!(rels1.contains("../comments1.xml"), "{rels1}");
    let c1 = &p["xl/comments1.xml"];
    assert!(c1.contains("ref=\"A10\"") && c1.contains("各月之和 &amp; &lt;核对&gt;"));
    assert!(c1.contains("ref=\"A11\"") && c1.contains("超过 Excel 单元格上限"));
    assert!(p["xl/drawings/vmlDrawing1.vml"].contains("<x:Row>9</x:Row>"));
    assert!(p["xl/comments2.xml"].contains("第二张表的批注"));
    assert!(p["xl/worksheets/_rels/sheet2.xml.rels"].contains("vmlDrawing2.vml"));
    // Element order inside <worksheet> as Excel wants it.
    let s1 = &p["xl/worksheets/sheet1.xml"];
    let order = [
        "<sheetPr",
        "<dimension",
        "<sheetViews",
        "<pane",
        "<sheetFormatPr",
        "<cols",
        "<sheetData",
        "<autoFilter",
        "<mergeCells",
        "<dataValidations",
        "<printOptions",
        "<pageMargins",
        "<pageSetup",
        "<headerFooter",
        "<drawing",
        "<legacyDrawing",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|t| s1.find(t).unwrap_or_else(|| panic!("{t} missing")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{order:?} {at:?}");
    assert!(s1.contains("&amp;L&amp;\"宋体,常规\"&amp;9测试镇 &amp;&amp; 村"));
    assert!(s1.contains("<formula1>\"是,否\"\"\"</formula1>"), "{s1}");
    // Print area and titles as defined names, the quoted name quoted.
    let wbx = &p["xl/workbook.xml"];
    assert!(wbx.contains(
        "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">汇总!$3:$3</definedName>"
    ));
    assert!(wbx.contains("'目标-A''1 &amp; 2'!$1:$1"), "{wbx}");
    assert!(wbx.contains("_xlnm._FilterDatabase"));
    assert!(wbx.contains("name=\"目标-A'1 &amp; 2\""));
    // The chart, its drawing, its caches; the content types list them all.
    assert!(p["xl/charts/chart1.xml"].contains("<c:f>汇总!$B$4:$B$9</c:f>"));
    assert!(p["xl/drawings/_rels/drawing1.xml.rels"].contains("../charts/chart1.xml"));
    let ct = &p["[Content_Types].xml"];
    for part in p
        .keys()
        .filter(|n| n.ends_with(".xml") && !n.contains("_rels"))
    {
        if part != "[Content_Types].xml" {
            assert!(
                ct.contains(&format!("PartName=\"/{part}\"")),
                "{part} not typed"
            );
        }
    }
    // Every relationship points at a part that exists.
    for (name, text) in p.iter().filter(|(n, _)| n.ends_with(".rels")) {
        let dir = name
            .trim_end_matches(".rels")
            .rsplit_once("_rels/")
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        for t in text.split("Target=\"").skip(1) {
            let t = &t[..t.find('"').unwrap()];
            let mut stack: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
            for seg in t.split('/') {
                if seg == ".." {
                    stack.pop();
                } else {
                    stack.push(seg);
                }
            }
            let target = stack.join("/");
            assert!(p.contains_key(&target), "{name}: {t} ({target}) missing");
        }
    }
    assert!(p["docProps/custom.xml"].contains("<vt:lpwstr>jixiao</vt:lpwstr>"));
    // The same sheets give the same bytes (but for the creation time).
    let again = jixiao::write::xlsx::workbook_bytes(&sheets, jixiao::output::Kind::Report).unwrap();
    let q = parts(&again);
    for (n, t) in &p {
        if n != "docProps/core.xml" {
            assert_eq!(&q[n], t, "{n} differs between two writes");
        }
    }
}

/// The forms workbook of a ledger with many projects (more sheets than
/// are generated together): every form once and in order, 总览 first with
/// a row for each project, 待核实 last; the same file as the model built
/// whole would give.
#[test]
fn forms_written_sheet_by_sheet_come_once_and_in_order() {
    let w = Workdir::new();
    let r = w.run(&[
        "synth",
        "--townships",
        "1",
        "--projects",
        "90",
        "--payments",
        "300",
        "--seed",
        "5",
        "-o",
        "in",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ledger = std::fs::read_dir(w.path("in"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "xlsx"))
        .unwrap();
    let r = w.run(&[
        "report",
        ledger.to_str().unwrap(),
        "-o",
        "r.xlsx",
        "--forms",
        "f.xlsx",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let mut wb: Xlsx<_> = open_workbook(w.path("f.xlsx")).unwrap();
    let names = wb.sheet_names();
    let projects = (names.len() - 2) / 2;
    assert!(projects >= 80, "{} sheets", names.len());
    assert_eq!(names[0], "总览");
    assert_eq!(names[names.len() - 1], "待核实");
    let unique: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "a sheet twice");
    for k in 0..projects {
        let (t, s) = (&names[1 + 2 * k], &names[2 + 2 * k]);
        assert!(t.starts_with("目标-") && s.starts_with("自评-"), "{t} {s}");
        assert_eq!(t["目标-".len()..], s["自评-".len()..], "pair {k}");
    }
    // 总览 refers to each self-evaluation's total, in order.
    let f = wb.worksheet_formula("总览").unwrap();
    let refs: Vec<String> = f
        .used_cells()
        .filter(|(_, _, f)| f.starts_with('\'') && f.contains("!$H$"))
        .map(|(_, _, f)| f.clone())
        .collect();
    assert_eq!(refs.len(), projects, "{refs:?}");
    for (k, r) in refs.iter().enumerate() {
        assert!(
            r.contains(&names[2 + 2 * k]),
            "{r} for {}",
            names[2 + 2 * k]
        );
    }
    // Every worksheet part once, numbered as listed.
    let bytes = std::fs::read(w.path("f.xlsx")).unwrap();
    let p = parts(&bytes);
    let sheets = p
        .keys()
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .count();
    assert_eq!(sheets, names.len());
}
