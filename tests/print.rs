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
        // fitToHeight="0": any number of pages tall; absent: one page (forms).
        let fit_height = fit_width && attr(setup, "fitToHeight").as_deref() != Some("0");
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
        // LibreOffice with Carlito (Calibri's metric twin) lays a character
        // out as 7.43 px, Excel as 7: check against the wider of the two.
        let width_px = width_px * 7.43 / 7.0;
        let scale = if fit_width {
            let wide =
                (printable_pt(landscape, m("left"), m("right")) / (width_px * 0.75)).min(1.0);
            if fit_height {
                // Row heights (pt) of the print area; 15 pt where not set.
                let last_row: u32 = range
                    .split(':')
                    .nth(1)
                    .unwrap()
                    .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                    .parse()
                    .unwrap();
                let mut height = 0.0;
                for r in 1..=last_row {
                    let key = format!("<row r=\"{r}\"");
                    let ht = xml
                        .find(&key)
                        .and_then(|j| attr(&xml[j..j + xml[j..].find('>').unwrap()], "ht"))
                        .map(|h| h.parse::<f64>().unwrap())
                        .unwrap_or(15.0);
                    height += ht;
                }
                let paper_in = if landscape { 210.0 } else { 297.0 } / 25.4;
                let tall = ((paper_in - m("top") - m("bottom")) * 72.0 / height).min(1.0);
                wide.min(tall)
            } else {
                wide
            }
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

/// The ledger of the issue: one project whose budget is prose (项目!E4),
/// with a payment to it, and a payment dated after the cut-off.
fn bad_book() -> Vec<(&'static str, Vec<Vec<C>>)> {
    let mut b = small_book();
    b[0].1.push(vec![
        S("P3"),
        S("路灯"),
        S("基础设施建设项目"),
        S("整合资金"),
        S("约85万"),
        E,
        E,
    ]);
    b[1].1.push(vec![S("P3"), D("2024-05-01"), N(4.25), E]);
    b[1].1.push(vec![S("P2"), D("2025-02-01"), N(1.0), E]);
    b[1].1.push(vec![S("P2"), D("2025-03-01"), N(2.0), E]);
    b
}

fn print_area_rows(path: &Path, sheet: &str) -> u32 {
    let wb = zip_part(path, "xl/workbook.xml");
    let key = format!("{sheet}!$A$1:$");
    let i = wb
        .find(&key)
        .unwrap_or_else(|| panic!("print area of {sheet}"));
    let rest = &wb[i + key.len()..];
    let rest = &rest[rest.find('$').unwrap() + 1..];
    rest[..rest.find('<').unwrap()].parse().unwrap()
}

#[test]
fn rows_left_out_of_the_sums_are_said_on_paper_and_in_json() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &bad_book());
    let r = w.run(&[
        "report",
        "in.xlsx",
        "-o",
        "r.xlsx",
        "--json",
        "r.json",
        "--no-forms",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = w.path("r.xlsx");
    // 汇总: a banner inside the print area, above the table.
    let banner = match sheet_cell(&out, "汇总", 2, 0) {
        calamine::Data::String(s) => s,
        other => panic!("no banner: {other:?}"),
    };
    assert!(
        banner.contains("另有 1 个项目、1 笔拨付因数据错误未计入合计（见问题清单）")
            && banner.contains("拨付金额 4.25 万元"),
        "{banner}"
    );
    assert!(print_area_rows(&out, "汇总") >= 3);
    // 项目进度: the project is listed, marked 未计入, below the 合计 row.
    let cells = read_cells(&out)
        .into_iter()
        .find(|(n, _)| n == "项目进度")
        .unwrap()
        .1;
    let find = |text: &str| {
        cells
            .iter()
            .find(|(_, v)| v.to_string() == text)
            .map(|((r, _), _)| *r)
    };
    let total = find("合计").expect("合计 row");
    let p3 = find("P3").expect("P3 listed");
    assert!(p3 > total, "P3 below 合计, where the sums don't reach");
    assert!(
        cells
            .iter()
            .any(|((r, _), v)| *r == p3 && v.to_string() == "未计入")
    );
    // 拨付明细: the payment too, with its amount, marked 未计入.
    let pays = read_cells(&out)
        .into_iter()
        .find(|(n, _)| n == "拨付明细")
        .unwrap()
        .1;
    assert!(
        pays.iter()
            .any(|(_, v)| v.to_string().contains("未计入（数据错误"))
    );
    assert!(pays.iter().any(|(_, v)| *v == calamine::Data::Float(4.25)));
    // JSON: totals unchanged, the left-out rows in a new field.
    let j = read_json(&w.path("r.json"));
    assert_eq!(j["totals"]["budget"], "120");
    let e = &j["excluded"];
    assert_eq!(e["projects"], 1);
    assert_eq!(e["payments"], 1);
    assert_eq!(e["payment_amount_read"], "4.25");
    assert_eq!(e["rows"].as_array().unwrap().len(), 2);
    assert_eq!(e["rows"][0]["kind"], "项目");
    assert_eq!(e["rows"][0]["row"], "项目!A4");
    // 月报 carries the banner too.
    let r = w.run(&["monthly", "in.xlsx", "--month", "2024-12", "-o", "m.xlsx"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let m = read_cells(&w.path("m.xlsx")).remove(0).1;
    assert!(
        m.iter()
            .any(|(_, v)| v.to_string().starts_with("另有 1 个项目、1 笔拨付"))
    );
}

#[test]
fn county_sums_up_repeated_notices_per_file() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("in")).unwrap();
    write_book(&w.path("in/甲.xlsx"), &bad_book());
    let r = w.run(&[
        "consolidate",
        "in",
        "-o",
        "c.xlsx",
        "--json",
        "c.json",
        "--title",
        "测试县",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let cells = read_cells(&w.path("c.xlsx"));
    let problems = &cells.iter().find(|(n, _)| n == "问题清单").unwrap().1;
    let late: Vec<String> = problems
        .iter()
        .map(|(_, v)| v.to_string())
        .filter(|v| v.contains("晚于截止日期"))
        .collect();
    assert_eq!(
        late,
        ["2 笔拨付晚于截止日期，共 3 万元，未计入（逐笔明细见该单位的报告和 JSON）"]
    );
    // Every row stays in the JSON.
    let j = read_json(&w.path("c.json"));
    let rows = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["message"].as_str().unwrap().contains("晚于截止日期"))
        .count();
    assert_eq!(rows, 2);
    assert_eq!(j["townships"][0]["excluded"]["projects"], 1);
    // 汇总: the township's banner.
    let summary = &cells.iter().find(|(n, _)| n == "汇总").unwrap().1;
    assert!(summary.iter().any(|(_, v)| {
        v.to_string()
            .contains("另有 1 个项目、1 笔拨付因数据错误未计入合计")
    }));
}

/// Width in characters of column `c` (0-based) as the sheet XML declares it.
fn col_width(xml: &str, c: u32) -> f64 {
    xml.match_indices("<col ")
        .map(|(j, _)| &xml[j..j + xml[j..].find('>').unwrap()])
        .find(|t| {
            let lo: u32 = attr(t, "min").unwrap().parse().unwrap();
            let hi: u32 = attr(t, "max").unwrap().parse().unwrap();
            (lo..=hi).contains(&(c + 1))
        })
        .map(|t| attr(t, "width").unwrap().parse::<f64>().unwrap())
        .unwrap_or(9.140625)
}

/// (row, col) of a cell reference such as "D12" (0-based).
fn cell_ref(r: &str) -> (u32, u32) {
    let letters: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let row: u32 = r[letters.len()..].parse().unwrap();
    (row - 1, col_index(&letters))
}

/// The 月报 as printed: the title and the unit label on the first page's
/// columns, and the 进度曲线 chart not under rows repeated on every page.
/// Columns are measured at the wider width LibreOffice gives them without
/// Calibri or Carlito (DejaVu Sans digits, 4/3 of Excel's).
#[test]
fn monthly_title_unit_and_chart_stay_on_their_page() {
    let w = Workdir::new();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/jingyu-2023.xlsx");
    let s = sample.to_str().unwrap();
    let r = w.run(&["monthly", s, "--month", "2024-03", "-o", "m.xlsx"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let path = w.path("m.xlsx");
    let unit = read_json_unit(&w, s);
    let pages = assert_readable(&path, &unit);
    let wb = zip_part(&path, "xl/workbook.xml");
    let names: Vec<String> = wb
        .match_indices("<sheet ")
        .map(|(i, _)| attr(&wb[i..], "name").unwrap())
        .collect();
    let sheet_no = |n: &str| names.iter().position(|x| x == n).unwrap() + 1;

    // 月报: the columns of the first printed page.
    let p = pages.iter().find(|p| p.sheet == "月报").unwrap();
    let xml = zip_part(
        &path,
        &format!("xl/worksheets/sheet{}.xml", sheet_no("月报")),
    );
    let margins = tag(&xml, "pageMargins").unwrap();
    let m = |k: &str| attr(margins, k).unwrap().parse::<f64>().unwrap();
    let area = &wb[wb.find("月报!$A$1:$").unwrap() + "月报!$A$1:$".len()..];
    let last_printed = col_index(&area[..area.find('$').unwrap()]);
    let first_page_last = if p.fit_width {
        last_printed
    } else {
        let page_px = printable_pt(p.landscape, m("left"), m("right")) / p.scale / 0.75;
        let mut used = 0.0;
        let mut last = 0;
        for c in 0..=last_printed {
            used += (col_width(&xml, c) * 7.0).round() * 4.0 / 3.0;
            if used > page_px {
                break;
            }
            last = c;
        }
        last
    };
    let title_merge = xml
        .match_indices("<mergeCell ref=\"")
        .map(|(i, _)| attr(&xml[i..], "ref").unwrap())
        .find(|r| cell_ref(r.split(':').next().unwrap()).0 == 0)
        .expect("the title is merged");
    let (_, title_last) = cell_ref(title_merge.split(':').nth(1).unwrap());
    assert!(
        title_last <= first_page_last,
        "月报 title merged over {title_merge}, first page ends at column {first_page_last}"
    );
    // The unit label: a shared string, in a cell of the first page's columns.
    let sst = zip_part(&path, "xl/sharedStrings.xml");
    let idx = sst
        .split("<si>")
        .skip(1)
        .position(|si| si.contains("单位：万元"))
        .expect("单位：万元 is written");
    let unit_cells: Vec<(u32, u32)> = xml
        .match_indices("<c r=\"")
        .map(|(i, _)| &xml[i..i + xml[i..].find("</c>").unwrap_or(0)])
        .filter(|c| c.contains("t=\"s\"") && c.contains(&format!("<v>{idx}</v>")))
        .map(|c| cell_ref(&attr(c, "r").unwrap()))
        .collect();
    assert!(
        unit_cells.iter().any(|(_, c)| *c <= first_page_last.min(2)),
        "单位：万元 at {unit_cells:?}: not on the first page's (and repeated) columns"
    );

    // 进度曲线: the chart's rows are not rows repeated on every page, and a
    // sheet with repeated rows keeps its chart on one page.
    let n = sheet_no("进度曲线");
    let rels = zip_part(&path, &format!("xl/worksheets/_rels/sheet{n}.xml.rels"));
    let target = {
        let t = &rels[rels
            .find("Target=\"../drawings/")
            .expect("the chart's drawing")
            + 11..];
        t[..t.find('"').unwrap()].to_string()
    };
    let drawing = zip_part(&path, &format!("xl/{}", target.trim_start_matches("../")));
    let row_of = |k: &str| -> u32 {
        let t = &drawing[drawing.find(&format!("<xdr:{k}>")).unwrap()..];
        let t = &t[t.find("<xdr:row>").unwrap() + 9..];
        t[..t.find('<').unwrap()].parse().unwrap()
    };
    let (from, to) = (row_of("from"), row_of("to"));
    let titles = "进度曲线!$";
    if let Some(i) = wb
        .match_indices("_xlnm.Print_Titles")
        .map(|(i, _)| i)
        .find(|i| {
            wb[*i..]
                .split("</definedName>")
                .next()
                .unwrap()
                .contains(titles)
        })
    {
        let def = wb[i..].split("</definedName>").next().unwrap();
        let rows = def.rsplit('!').next().unwrap().replace('$', "");
        let (a, b) = rows.split_once(':').unwrap();
        let (a, b): (u32, u32) = (a.parse().unwrap(), b.parse().unwrap());
        assert!(
            to < a - 1 || from > b - 1,
            "chart rows {from}–{to} under repeated rows {a}–{b}"
        );
        let cxml = zip_part(&path, &format!("xl/worksheets/sheet{n}.xml"));
        let setup = tag(&cxml, "pageSetup").unwrap();
        assert!(
            cxml.contains("fitToPage=\"1\"") && attr(setup, "fitToHeight").as_deref() != Some("0"),
            "进度曲线 repeats rows and may break its chart across pages"
        );
    }
}

/// The monitoring forms: ≥ 9 pt on paper, also where LibreOffice lays the
/// columns out 4/3 as wide (no Calibri or Carlito), and not shrunk to one
/// page tall.
#[test]
fn monitor_forms_print_at_nine_points_or_more() {
    let w = Workdir::new();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/jingyu-2023.xlsx");
    let s = sample.to_str().unwrap();
    let r = w.run(&["monitor", s, "--month", "2024-07", "-o", "mon.xlsx"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let path = w.path("mon.xlsx");
    let unit = read_json_unit(&w, s);
    let pages = assert_readable(&path, &unit);
    for (i, p) in pages.iter().enumerate() {
        if !p.sheet.starts_with("监控-") {
            continue;
        }
        let xml = zip_part(&path, &format!("xl/worksheets/sheet{}.xml", i + 1));
        let setup = tag(&xml, "pageSetup").unwrap();
        if !p.fit_width {
            continue;
        }
        assert_eq!(
            attr(setup, "fitToHeight").as_deref(),
            Some("0"),
            "{}: fitted to one page tall",
            p.sheet
        );
        let margins = tag(&xml, "pageMargins").unwrap();
        let m = |k: &str| attr(margins, k).unwrap().parse::<f64>().unwrap();
        let width_px: f64 = (0..=12)
            .map(|c| (col_width(&xml, c) * 7.0).round() * 4.0 / 3.0)
            .sum();
        let scale = (printable_pt(p.landscape, m("left"), m("right")) / (width_px * 0.75)).min(1.0);
        assert!(
            11.0 * scale >= 9.0,
            "{}: {:.2} pt in LibreOffice without Carlito",
            p.sheet,
            11.0 * scale
        );
    }
}
