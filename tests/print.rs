//! Printed pages: every sheet we write has an A4 page setup, a print area,
//! a page header and numbered footer, and body text of at least 9 pt on
//! paper. The size is computed from what the xlsx says (column widths, print
//! area, margins, orientation, fit-to-width or scale), read back from its XML.

mod common;
use common::*;
use std::path::Path;

/// Printable width of A4 in pt, with the margins the sheet declares (inches).
fn printable_pt(landscape: bool, left_in: f64, right_in: f64) -> f64 {
    let paper_in = if landscape { 297.0 } else { 210.0 } / 25.4;
    (paper_in - left_in - right_in) * 72.0
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(tag[i..j].to_string())
}

fn tag<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let i = xml.find(&format!("<{name} "))?;
    let j = xml[i..].find('>')? + i;
    Some(&xml[i..=j])
}

fn col_index(letters: &str) -> u32 {
    letters
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .fold(0, |n, c| n * 26 + (c as u32 - 'A' as u32 + 1))
        - 1
}

#[derive(Debug)]
struct Printed {
    sheet: String,
    landscape: bool,
    fit_width: bool,
    scale: f64,
    body_pt: f64,
    header: String,
    footer: String,
    repeat_rows: bool,
}

/// Every sheet of an xlsx as it would print.
fn printed(path: &Path) -> Vec<Printed> {
    let wb = zip_part(path, "xl/workbook.xml");
    let styles = zip_part(path, "xl/styles.xml");
    // The workbook's default font size (the body text of every table).
    let fonts = &styles[styles.find("<fonts").unwrap()..];
    let sz = tag(fonts, "sz")
        .and_then(|t| attr(t, "val"))
        .unwrap()
        .parse::<f64>()
        .unwrap();
    let names: Vec<String> = wb
        .match_indices("<sheet ")
        .map(|(i, _)| attr(&wb[i..], "name").unwrap())
        .collect();
    let defined: Vec<(usize, String, String)> = wb
        .match_indices("<definedName ")
        .map(|(i, _)| {
            let t = &wb[i..];
            let end = t.find("</definedName>").unwrap();
            let open = t.find('>').unwrap();
            (
                attr(&t[..open], "localSheetId")
                    .unwrap()
                    .parse::<usize>()
                    .unwrap(),
                attr(&t[..open], "name").unwrap(),
                t[open + 1..end].to_string(),
            )
        })
        .collect();
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let xml = zip_part(path, &format!("xl/worksheets/sheet{}.xml", i + 1));
        let setup = tag(&xml, "pageSetup")
            .unwrap_or_else(|| panic!("{}: sheet “{name}” has no page setup", path.display()));
        assert_eq!(attr(setup, "paperSize").as_deref(), Some("9"), "{name}: A4");
        let landscape = attr(setup, "orientation").as_deref() == Some("landscape");
        let fit_width = xml.contains("fitToPage=\"1\"");
        if fit_width {
            assert_eq!(attr(setup, "fitToHeight").as_deref(), Some("0"), "{name}");
        }
        let margins = tag(&xml, "pageMargins").unwrap();
        let m = |k: &str| attr(margins, k).unwrap().parse::<f64>().unwrap();
        let area = defined
            .iter()
            .find(|(id, n, _)| *id == i && n == "_xlnm.Print_Area")
            .unwrap_or_else(|| panic!("{name}: no print area"))
            .2
            .clone();
        let range = area.rsplit('!').next().unwrap().replace('$', "");
        let (a, b) = range.split_once(':').unwrap();
        let (c0, c1) = (col_index(a), col_index(b));
        // Column widths (xlsx stores characters; pixels = width × 7).
        let mut width_px = 0.0;
        for c in c0..=c1 {
            let w = xml
                .match_indices("<col ")
                .map(|(j, _)| &xml[j..j + xml[j..].find('>').unwrap()])
                .find(|t| {
                    let lo: u32 = attr(t, "min").unwrap().parse().unwrap();
                    let hi: u32 = attr(t, "max").unwrap().parse().unwrap();
                    (lo..=hi).contains(&(c + 1))
                })
                .map(|t| attr(t, "width").unwrap().parse::<f64>().unwrap())
                .unwrap_or(9.140625);
            width_px += (w * 7.0).round();
        }
        let scale = if fit_width {
            (printable_pt(landscape, m("left"), m("right")) / (width_px * 0.75)).min(1.0)
        } else {
            attr(setup, "scale")
                .map(|s| s.parse::<f64>().unwrap())
                .unwrap_or(100.0)
                / 100.0
        };
        let hf = |k: &str| {
            xml.find(&format!("<{k}>"))
                .map(|j| {
                    let rest = &xml[j + k.len() + 2..];
                    rest[..rest.find('<').unwrap()].to_string()
                })
                .unwrap_or_default()
        };
        out.push(Printed {
            sheet: name.clone(),
            landscape,
            fit_width,
            scale,
            body_pt: sz * scale,
            header: hf("oddHeader"),
            footer: hf("oddFooter"),
            repeat_rows: defined
                .iter()
                .any(|(id, n, _)| *id == i && n == "_xlnm.Print_Titles"),
        });
    }
    out
}

fn assert_readable(path: &Path, unit: &str) -> Vec<Printed> {
    let pages = printed(path);
    assert!(!pages.is_empty());
    for p in &pages {
        eprintln!(
            "{}: {} {} {:.0}% → {:.1} pt",
            path.file_name().unwrap().to_string_lossy(),
            p.sheet,
            if p.landscape { "横向" } else { "纵向" },
            p.scale * 100.0,
            p.body_pt
        );
        assert!(
            p.body_pt >= 9.0 - 1e-9,
            "{}: sheet “{}” prints its body text at {:.2} pt ({p:?})",
            path.display(),
            p.sheet,
            p.body_pt
        );
        assert!(
            p.footer.contains("第 &amp;P 页 共 &amp;N 页"),
            "{}: {} footer {:?}",
            path.display(),
            p.sheet,
            p.footer
        );
        assert!(
            p.header.contains(unit) && p.header.contains("&amp;A"),
            "{}: {} header {:?}",
            path.display(),
            p.sheet,
            p.header
        );
    }
    pages
}

#[test]
fn sample_outputs_print_at_nine_points_or_more() {
    let w = Workdir::new();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/jingyu-2023.xlsx");
    let s = sample.to_str().unwrap();
    let r = w.run(&["report", s, "-o", "r.xlsx", "--forms", "f.xlsx"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let unit = read_json_unit(&w, s);
    let report = assert_readable(&w.path("r.xlsx"), &unit);
    // Tables with more than one page carry their header rows on every page.
    for name in ["汇总", "项目进度", "拨付明细", "问题清单"] {
        let p = report.iter().find(|p| p.sheet == name).unwrap();
        assert!(p.repeat_rows, "{name} repeats its header rows");
    }
    // Copied input sheets print landscape.
    for name in ["项目", "拨付"] {
        let p = report.iter().find(|p| p.sheet == name).unwrap();
        assert!(p.landscape, "{name} is printed landscape");
    }
    let forms = assert_readable(&w.path("f.xlsx"), &unit);
    assert!(
        forms
            .iter()
            .filter(|p| p.sheet.starts_with("自评-"))
            .all(|p| !p.landscape && p.fit_width),
        "the official forms are portrait, one page wide"
    );
    let r = w.run(&["monthly", s, "--month", "2023-12", "-o", "m.xlsx"]);
    assert!(r.code <= 1, "{}", r.stderr);
    assert_readable(&w.path("m.xlsx"), &unit);
}

fn read_json_unit(w: &Workdir, input: &str) -> String {
    let r = w.run(&[
        "report",
        input,
        "-o",
        "u.xlsx",
        "--no-forms",
        "--json",
        "u.json",
        "--force",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    read_json(&w.path("u.json"))["unit"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn hundred_project_ledgers_print_at_nine_points_or_more() {
    let w = Workdir::new();
    let r = w.run(&[
        "synth",
        "--townships",
        "2",
        "--projects",
        "100",
        "--payments",
        "300",
        "-o",
        "in",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut files: Vec<String> = std::fs::read_dir(w.path("in"))
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().to_string())
        .collect();
    files.sort();
    for f in &files {
        let unit = read_json_unit(&w, f);
        let r = w.run(&["report", f, "-o", "r.xlsx", "--forms", "f.xlsx", "--force"]);
        assert!(r.code <= 1, "{}", r.stderr);
        assert_readable(&w.path("r.xlsx"), &unit);
        assert_readable(&w.path("f.xlsx"), &unit);
        let r = w.run(&[
            "monthly", f, "--month", "2024-06", "-o", "m.xlsx", "--force",
        ]);
        assert!(r.code <= 1, "{}", r.stderr);
        assert_readable(&w.path("m.xlsx"), &unit);
    }
    let r = w.run(&[
        "consolidate",
        "in",
        "-o",
        "county.xlsx",
        "--title",
        "测试县",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let county = assert_readable(&w.path("county.xlsx"), "测试县");
    let p = county.iter().find(|p| p.sheet == "问题清单").unwrap();
    assert!(p.repeat_rows && p.landscape);
}
