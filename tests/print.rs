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
    let find = |text: &str| cells.iter().find(|(_, v)| *v == text).map(|((r, _), _)| *r);
    let total = find("合计").expect("合计 row");
    let p3 = find("P3").expect("P3 listed");
    assert!(p3 > total, "P3 below 合计, where the sums don't reach");
    assert!(cells.iter().any(|((r, _), v)| *r == p3 && *v == "未计入"));
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

// ---------------------------------------------------------------------------
// Round two: every page fileable. Geometry read back from the xlsx (Excel's
// units: a CJK character two columns wide, 16 pt a printed line), then
// golden copies of the sample's workbooks, then the pages LibreOffice prints.

/// Characters a text takes in Excel's column units (CJK and full-width
/// characters count double; a little extra for bold and fallback faces).
fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x2E80 { 1.1 } else { 2.1 })
        .sum()
}

/// Lines a text takes in a cell `width` characters wide (its margins take 1.5).
fn lines_in(text: &str, width: f64) -> f64 {
    text.split('\n')
        .map(|l| {
            (text_width(l) / (width - 1.5).max(1.0) - 0.01)
                .ceil()
                .max(1.0)
        })
        .sum()
}

/// A sheet of an xlsx as the page sees it.
struct Page {
    name: String,
    xml: String,
    /// (row, col) → text, 0-based.
    texts: Vec<((u32, u32), String)>,
    merges: Vec<((u32, u32), (u32, u32))>,
}

impl Page {
    fn height(&self, row: u32) -> f64 {
        let key = format!("<row r=\"{}\"", row + 1);
        self.xml
            .find(&key)
            .and_then(|j| attr(&self.xml[j..j + self.xml[j..].find('>').unwrap()], "ht"))
            .map(|h| h.parse().unwrap())
            .unwrap_or(15.0)
    }
    /// The merge a cell starts, else the cell alone.
    fn span(&self, row: u32, col: u32) -> ((u32, u32), (u32, u32)) {
        self.merges
            .iter()
            .find(|(a, _)| *a == (row, col))
            .copied()
            .unwrap_or(((row, col), (row, col)))
    }
    /// Texts whose lines don't fit the height of their row(s), from `from_row`.
    fn clipped(&self, from_row: u32) -> Vec<String> {
        let mut out = Vec::new();
        for ((r, c), t) in &self.texts {
            if *r < from_row || t.is_empty() {
                continue;
            }
            let (a, b) = self.span(*r, *c);
            let width: f64 = (a.1..=b.1).map(|k| col_width(&self.xml, k)).sum();
            let height: f64 = (a.0..=b.0).map(|k| self.height(k)).sum();
            let need = lines_in(t, width) * 16.0;
            if need > height + 2.5 {
                out.push(format!(
                    "{}!{}{}: “{t}” needs {need} pt, has {height}",
                    self.name,
                    (b'A' + *c as u8) as char,
                    r + 1
                ));
            }
        }
        out
    }
    /// The print area's last column (0-based).
    fn last_printed_col(&self, workbook: &str) -> u32 {
        // ">" before the name: 汇总 is not the end of 分类汇总.
        let key = format!(">{}!$A$1:$", self.name);
        let key2 = format!(">'{}'!$A$1:$", self.name);
        let i = workbook
            .find(&key)
            .map(|i| i + key.len())
            .or_else(|| workbook.find(&key2).map(|i| i + key2.len()))
            .unwrap_or_else(|| panic!("print area of {}", self.name));
        let rest = &workbook[i..];
        col_index(&rest[..rest.find('$').unwrap()])
    }
}

/// Every sheet of an xlsx with its texts, merges and XML.
fn pages(path: &Path) -> Vec<Page> {
    let wb = zip_part(path, "xl/workbook.xml");
    let names: Vec<String> = wb
        .match_indices("<sheet ")
        .map(|(i, _)| attr(&wb[i..], "name").unwrap())
        .collect();
    let cells = read_cells(path);
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let xml = zip_part(path, &format!("xl/worksheets/sheet{}.xml", i + 1));
            let merges = xml
                .match_indices("<mergeCell ref=\"")
                .map(|(j, _)| {
                    let r = attr(&xml[j..], "ref").unwrap();
                    let (a, b) = r.split_once(':').unwrap();
                    (cell_ref(a), cell_ref(b))
                })
                .collect();
            let texts = cells
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, c)| {
                    c.iter()
                        .filter_map(|(at, v)| match v {
                            calamine::Data::String(s) => Some((*at, s.clone())),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            Page {
                name: name.clone(),
                xml,
                texts,
                merges,
            }
        })
        .collect()
}

/// Fill colours (RGB) of the cell styles (cellXfs order).
fn style_fills(path: &Path) -> Vec<(String, bool)> {
    let styles = zip_part(path, "xl/styles.xml");
    let fills_xml = &styles[styles.find("<fills").unwrap()..styles.find("</fills>").unwrap()];
    let fills: Vec<String> = fills_xml
        .split("<fill>")
        .skip(1)
        .map(|f| {
            f.find("fgColor rgb=\"")
                .map(|i| f[i + 13..i + 21].to_string())
                .unwrap_or_default()
        })
        .collect();
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    xfs.match_indices("<xf ")
        .map(|(i, _)| {
            let t = &xfs[i..i + xfs[i..].find('>').unwrap()];
            let fill: usize = attr(t, "fillId").unwrap().parse().unwrap();
            let border: usize = attr(t, "borderId").unwrap().parse().unwrap();
            (fills.get(fill).cloned().unwrap_or_default(), border > 0)
        })
        .collect()
}

/// (cell ref, style index) of every cell of a sheet's XML.
fn cell_styles(xml: &str) -> Vec<(String, usize)> {
    xml.match_indices("<c r=\"")
        .map(|(i, _)| {
            let t = &xml[i..i + xml[i..].find('>').unwrap()];
            (
                attr(t, "r").unwrap(),
                attr(t, "s").map(|s| s.parse().unwrap()).unwrap_or(0),
            )
        })
        .collect()
}

fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-data/jingyu-2023.xlsx")
        .to_string_lossy()
        .to_string()
}

/// The official forms hold only the form: no prompt, drafting mark or red
/// fill of ours inside (they are comments and lines of 待核实); labels and
/// texts shown whole; 年度总体目标 one label over its two rows; no text
/// ending in a "。" that wraps onto a line of its own.
#[test]
fn official_forms_hold_only_the_form() {
    let w = Workdir::new();
    let s = sample();
    for (layout, file) in [("a", "fa.xlsx"), ("b", "fb.xlsx")] {
        let r = w.run(&[
            "report",
            &s,
            "-o",
            "r.xlsx",
            "--forms",
            file,
            "--form-layout",
            layout,
            "--force",
        ]);
        assert!(r.code <= 1, "{}", r.stderr);
        let path = w.path(file);
        let fills = style_fills(&path);
        let all = pages(&path);
        for p in all
            .iter()
            .filter(|p| p.name.starts_with("自评-") || p.name.starts_with("目标-"))
        {
            for ((r, c), t) in &p.texts {
                for ours in ["请说明", "草拟", "待核实", "注：本表", "县级审核"] {
                    assert!(!t.contains(ours), "{layout} {}!{r},{c}: “{t}”", p.name);
                }
                assert!(
                    !t.ends_with('。'),
                    "{layout} {}!{r},{c} ends in 。: “{t}”",
                    p.name
                );
            }
            for (at, s) in cell_styles(&p.xml) {
                assert_ne!(
                    fills[s].0, "FFFFC7CE",
                    "{layout} {}!{at}: a red mark on the form",
                    p.name
                );
            }
            let clipped = p.clipped(1);
            assert!(clipped.is_empty(), "{layout}: {clipped:#?}");
        }
        let overview = all.iter().find(|p| p.name == "总览").unwrap();
        assert!(overview.clipped(1).is_empty(), "{:#?}", overview.clipped(1));
        // The prompt of 自评-JY2023-01 (21.93 % yet 优): a comment, and a line
        // of 待核实 naming the sheet and cell.
        let checks = all.iter().find(|p| p.name == "待核实").expect("待核实");
        let listed: Vec<&str> = checks.texts.iter().map(|(_, t)| t.as_str()).collect();
        assert!(listed.contains(&"自评-JY2023-01"), "{listed:?}");
        assert!(
            listed
                .iter()
                .any(|t| t.contains("21.93%") && t.contains("偏差原因分析")),
            "{listed:?}"
        );
        assert!(zip_part(&path, "xl/comments").contains("预算执行率 21.93% 低于 60%"));
    }
    // Layout A: 年度总体目标 (A9) one label over both goal rows and the
    // 绩效指标 column, as on the form.
    let a = pages(&w.path("fa.xlsx"));
    let form = a.iter().find(|p| p.name == "自评-JY2023-01").unwrap();
    assert!(
        form.merges.contains(&((8, 0), (9, 1))),
        "年度总体目标 merged A9:B10: {:?}",
        form.merges
    );
    assert_eq!(
        form.texts.iter().find(|(at, _)| *at == (8, 0)).unwrap().1,
        "年度总体目标"
    );
    // The reason cell of the budget row (I5) is the clerk's: empty.
    assert!(!form.texts.iter().any(|(at, _)| *at == (4, 8)));
    // Layout B: 项目负责人及电话 on one line over two columns.
    let b = pages(&w.path("fb.xlsx"));
    let form = b.iter().find(|p| p.name == "自评-JY2023-02").unwrap();
    let ((_, c0), (_, c1)) = form.span(1, 4);
    let width: f64 = (c0..=c1).map(|k| col_width(&form.xml, k)).sum();
    assert_eq!(lines_in("项目负责人及电话", width), 1.0, "{width}");
}

/// County 项目明细: one page wide (or 单位…项目名称 repeated on every page),
/// borders on every cell, texts wrapped in rows tall enough, a title with
/// the cut-off and unit.
#[test]
fn county_detail_prints_whole() {
    let w = Workdir::new();
    let r = w.run(SMALL_COUNTY);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = w.run(&["consolidate", "in", "-o", "c.xlsx", "--title", "测试县"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let path = w.path("c.xlsx");
    let wb = zip_part(&path, "xl/workbook.xml");
    let all = pages(&path);
    let i = all.iter().position(|p| p.name == "项目明细").unwrap();
    let p = &all[i];
    let printed = printed(&path);
    let fits = printed[i].fit_width;
    let titles = wb
        .split("<definedName ")
        .find(|d| d.contains("_xlnm.Print_Titles") && d.contains(&format!("localSheetId=\"{i}\"")))
        .unwrap_or("");
    assert!(
        fits || titles.contains("$A:$D"),
        "项目明细 neither fits one page wide nor repeats 单位…项目名称: {titles}"
    );
    assert_eq!(p.last_printed_col(&wb), 13, "every column printed");
    let styles = style_fills(&path);
    // The table: rows down to the last one holding a value (after it the
    // writer may leave an empty row with one invisible blank cell, see
    // `write::xlsx`, which is not part of the table).
    let last_value_row = p
        .xml
        .match_indices("<c r=\"")
        .map(|(i, _)| &p.xml[i..i + p.xml[i..].find('>').unwrap() + 1])
        // `<c r="A1" s="3"/>` is empty; `<c r="A1" …>…</c>` holds a value.
        .filter(|tag| !tag.ends_with("/>"))
        .map(|tag| cell_ref(&attr(tag, "r").unwrap()).0)
        .max()
        .unwrap_or(u32::MAX);
    let unbordered: Vec<String> = cell_styles(&p.xml)
        .into_iter()
        .filter(|(at, s)| {
            let row = cell_ref(at).0;
            row >= 2 && row <= last_value_row && !styles[*s].1
        })
        .map(|(at, _)| at)
        .collect();
    assert!(
        unbordered.is_empty(),
        "cells without borders: {unbordered:?}"
    );
    let clipped = p.clipped(2);
    assert!(clipped.is_empty(), "{clipped:#?}");
    let head: Vec<&str> = p
        .texts
        .iter()
        .filter(|((r, _), _)| *r < 2)
        .map(|(_, t)| t.as_str())
        .collect();
    assert!(
        head.iter().any(|t| t.contains("项目明细"))
            && head
                .iter()
                .any(|t| t.contains("截至") && t.contains("万元")),
        "{head:?}"
    );
    // Every column of every row present, with its border (empty ones too).
    let rows = p.texts.iter().map(|((r, _), _)| *r).max().unwrap();
    let n = cell_styles(&p.xml)
        .iter()
        .filter(|(at, _)| cell_ref(at).0 == rows)
        .count();
    assert_eq!(n, 14, "the last row has all 14 cells");
}

/// A township's 月报 of 30 projects prints every column (开工/完工 too) on
/// one page width with its header rows repeated, the title on one line
/// over the whole table.
#[test]
fn monthly_prints_one_page_wide_with_dates() {
    let w = Workdir::new();
    let r = w.run(&[
        "synth",
        "--townships",
        "1",
        "--projects",
        "30",
        "--payments",
        "60",
        "--seed",
        "3",
        "-o",
        "in",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let f = std::fs::read_dir(w.path("in"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let s = sample();
    for (input, out) in [(f.to_str().unwrap(), "m30.xlsx"), (s.as_str(), "m.xlsx")] {
        let r = w.run(&["monthly", input, "--month", "2024-03", "-o", out]);
        assert!(r.code <= 1, "{}", r.stderr);
        let path = w.path(out);
        let wb = zip_part(&path, "xl/workbook.xml");
        let printed = printed(&path);
        let m = &printed[0];
        assert_eq!(m.sheet, "月报");
        assert!(m.fit_width && m.body_pt >= 9.0, "{out}: {m:?}");
        assert!(m.repeat_rows, "{out}: header rows repeated");
        let all = pages(&path);
        let p = &all[0];
        assert_eq!(p.last_printed_col(&wb), 16, "{out}: 开工/完工日期 printed");
        let title = &p.texts.iter().find(|(at, _)| *at == (0, 0)).unwrap().1;
        let ((_, a), (_, b)) = p.span(0, 0);
        assert_eq!((a, b), (0, 16), "{out}: title over the table");
        let width: f64 = (a..=b).map(|k| col_width(&p.xml, k)).sum();
        assert!(
            text_width(title) * 16.0 / 11.0 <= width - 1.5,
            "{out}: “{title}” does not fit one line of {width}"
        );
        assert!(p.clipped(2).is_empty(), "{:#?}", p.clipped(2));
    }
}

/// Every printed sheet of every output says what it is, when (cut-off or
/// period) and in what money unit, in its first two rows; helper columns
/// (来源行, 来源文件) stay outside the print area; problem lists show their
/// texts whole.
#[test]
fn every_printed_sheet_says_what_when_and_in_what_unit() {
    let w = Workdir::new();
    let s = sample();
    let runs: [&[&str]; 4] = [
        &["report", &s, "-o", "r.xlsx", "--forms", "f.xlsx"],
        &["monthly", &s, "--month", "2024-03", "-o", "m.xlsx"],
        &["monitor", &s, "--month", "2024-05", "-o", "mon.xlsx"],
        &["consolidate", "in", "-o", "c.xlsx", "--title", "测试县"],
    ];
    std::fs::create_dir(w.path("in")).unwrap();
    std::fs::copy(&s, w.path("in/靖宇镇.xlsx")).unwrap();
    for args in runs {
        let r = w.run(args);
        assert!(r.code <= 1, "{args:?}: {}", r.stderr);
    }
    let copies = ["项目", "拨付", "绩效指标", "说明"];
    for file in ["r.xlsx", "f.xlsx", "m.xlsx", "mon.xlsx", "c.xlsx"] {
        let path = w.path(file);
        let wb = zip_part(&path, "xl/workbook.xml");
        for p in pages(&path) {
            if copies.contains(&p.name.as_str())
                || p.name.starts_with("自评-")
                || p.name.starts_with("目标-")
            {
                continue;
            }
            let head: String = p
                .texts
                .iter()
                .filter(|((r, _), _)| *r < 2)
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let title = p
                .texts
                .iter()
                .find(|(at, _)| *at == (0, 0))
                .map(|(_, t)| t.as_str())
                .unwrap_or("");
            assert!(title.chars().count() >= 6, "{file} {}: no title", p.name);
            // Whose paper it is: the township, or the county.
            let unit = if file == "c.xlsx" {
                "测试县"
            } else {
                "靖宇镇人民政府"
            };
            assert!(
                head.contains(unit),
                "{file} {}: no unit in “{head}”",
                p.name
            );
            assert!(
                head.contains("截至") || head.contains("截止") || head.contains("年度"),
                "{file} {}: no cut-off or period in “{head}”",
                p.name
            );
            if p.name != "待核实" {
                assert!(
                    head.contains("万元"),
                    "{file} {}: no unit in “{head}”",
                    p.name
                );
            }
            // Monitoring: one phrase for the period, no "截止日期 2024-05-31"
            // beside a "（1—5月）".
            if p.name.starts_with("监控-") {
                assert!(
                    title.contains("截至2024年5月31日") && !title.contains("1—5月"),
                    "{title}"
                );
                assert!(!head.contains("截止日期"), "{head}");
            }
            // Texts shown whole (three-line project names, long problem
            // messages, wrapped headers), below the title lines.
            if !p.name.starts_with("监控-") {
                assert!(p.clipped(2).is_empty(), "{file}: {:#?}", p.clipped(2));
            }
            // Helper columns are not printed.
            let last = p.last_printed_col(&wb);
            for helper in ["来源行", "来源文件"] {
                if let Some(((_, c), _)) = p.texts.iter().find(|(_, t)| t == helper)
                    && p.name != "项目明细"
                {
                    assert!(*c > last, "{file} {}: {helper} printed", p.name);
                }
            }
        }
    }
}

/// Rules are spelled once, in compute::formula, and a rate is divided by
/// 100 in one place (`Value::rate`): no writer spells a formula or the ÷100.
#[test]
fn writers_spell_no_formula_and_no_rate_division() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/write");
    // The writers and their submodules (src/write/xlsx/…).
    let mut files = vec![];
    let mut dirs = vec![dir];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for (k, line) in src.lines().enumerate() {
            let code = line.split("//").next().unwrap();
            for spelled in [
                "\"SUM(", "SUMIFS(", "COUNTIF(", "\"IF(", "IF(LEFT", "{}-{}", "{}+{}",
            ] {
                assert!(
                    !code.contains(spelled),
                    "{name}:{}: a formula spelled in a writer: {line}",
                    k + 1
                );
            }
            if name != "sheet.rs" {
                assert!(
                    !code.contains("/ Decimal::ONE_HUNDRED"),
                    "{name}:{}: a rate divided outside Value::rate: {line}",
                    k + 1
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Golden copies: the sample's workbooks part by part, one XML tag a line,
// the creation time masked. JIXIAO_BLESS=1 rewrites them.

const GOLDEN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/print");

/// The text of an xlsx to compare: its parts by name (the theme, identical
/// in every file, left out), tags one a line, volatile times masked.
fn golden_text(path: &Path) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut names: Vec<String> = (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
        .filter(|n| !n.starts_with("xl/theme/"))
        .collect();
    names.sort();
    let mut out = String::new();
    for n in names {
        let mut xml = String::new();
        z.by_name(&n).unwrap().read_to_string(&mut xml).unwrap();
        for tag in ["dcterms:created", "dcterms:modified"] {
            if let (Some(i), Some(j)) = (
                xml.find(&format!("<{tag} ")),
                xml.find(&format!("</{tag}>")),
            ) {
                let open = i + xml[i..].find('>').unwrap() + 1;
                xml.replace_range(open..j, "MASKED");
            }
        }
        out.push_str(&format!("=== {n}\n"));
        out.push_str(&xml.replace("><", ">\n<"));
        out.push('\n');
    }
    out
}

fn compare_golden(name: &str, path: &Path) {
    let text = golden_text(path);
    let golden = Path::new(GOLDEN_DIR).join(format!("{name}.txt"));
    if std::env::var_os("JIXIAO_BLESS").is_some() {
        std::fs::create_dir_all(GOLDEN_DIR).unwrap();
        std::fs::write(&golden, &text).unwrap();
    }
    let want = std::fs::read_to_string(&golden)
        .unwrap_or_else(|_| panic!("{}: missing (JIXIAO_BLESS=1 writes it)", golden.display()));
    if text != want {
        let diff: Vec<String> = want
            .lines()
            .zip(text.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(8)
            .map(|(i, (a, b))| format!("line {}:\n- {a}\n+ {b}", i + 1))
            .collect();
        panic!(
            "{name} differs from {} ({} vs {} lines); JIXIAO_BLESS=1 rewrites it\n{}",
            golden.display(),
            want.lines().count(),
            text.lines().count(),
            diff.join("\n")
        );
    }
}

/// The sample's report, forms, 月报, 监控表 and a county of five townships
/// (generated, fixed seed) equal their golden copies.
#[test]
fn sample_workbooks_equal_their_golden_copies() {
    let w = Workdir::new();
    let s = sample();
    let runs: [&[&str]; 5] = [
        &["report", &s, "-o", "report.xlsx", "--forms", "forms.xlsx"],
        &["monthly", &s, "--month", "2024-03", "-o", "monthly.xlsx"],
        &["monitor", &s, "--month", "2024-05", "-o", "monitor.xlsx"],
        SMALL_COUNTY,
        &[
            "consolidate",
            "in",
            "-o",
            "county.xlsx",
            "--title",
            "测试县",
        ],
    ];
    for args in runs {
        let r = w.run(args);
        assert!(r.code <= 1, "{args:?}: {}", r.stderr);
    }
    for name in ["report", "forms", "monthly", "monitor", "county"] {
        compare_golden(name, &w.path(&format!("{name}.xlsx")));
    }
}

// ---------------------------------------------------------------------------
// The pages as LibreOffice prints them (skipped, saying so, without soffice
// or poppler's pdftotext).

/// Each page's text (pdftotext -layout), page by page.
fn pdf_pages(pdf: &Path) -> Vec<String> {
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// The sheet a page belongs to: the centre of its page header (&A).
fn page_sheet<'a>(page: &'a str, names: &[&'a str]) -> Option<&'a str> {
    let first = page.lines().find(|l| !l.trim().is_empty())?;
    names
        .iter()
        .copied()
        .filter(|n| first.split_whitespace().any(|w| w == *n))
        .max_by_key(|n| n.len())
}

#[test]
fn printed_pages_as_libreoffice_lays_them_out() {
    let Some(soffice) = soffice() else {
        skip::soffice_missing();
        return;
    };
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_err()
    {
        skip::missing(
            "pdftotext",
            "没有 poppler 的 pdftotext（PATH 上找不到）",
            skip::POPPLER_INSTALL,
        );
        return;
    }
    let w = Workdir::new();
    let s = sample();
    std::fs::create_dir(w.path("in")).unwrap();
    let runs: [&[&str]; 5] = [
        &["report", &s, "-o", "report.xlsx", "--forms", "forms.xlsx"],
        &["monthly", &s, "--month", "2024-03", "-o", "monthly.xlsx"],
        &["monitor", &s, "--month", "2024-05", "-o", "monitor.xlsx"],
        &[
            "summary",
            &s,
            "--as-of",
            "2024-05-31",
            "--date",
            "2024-06-10",
            "-o",
            "summary.docx",
        ],
        &[
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
            "towns",
        ],
    ];
    for args in runs {
        let r = w.run(args);
        assert!(r.code <= 1, "{args:?}: {}", r.stderr);
    }
    let r = w.run(&[
        "consolidate",
        "towns",
        "-o",
        "county.xlsx",
        "--title",
        "测试县",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let files = [
        "report.xlsx",
        "forms.xlsx",
        "monthly.xlsx",
        "monitor.xlsx",
        "county.xlsx",
        "summary.docx",
    ];
    let status = std::process::Command::new(&soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            w.path("lo-profile").display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(w.path("pdf"))
        .args(files.iter().map(|f| w.path(f)))
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let pdf = |f: &str| pdf_pages(&w.path(&format!("pdf/{}.pdf", f.split('.').next().unwrap())));

    // 月报: one page wide — the first page carries the last column, the
    // title on one line.
    let m = pdf("monthly");
    assert!(
        m[0].contains("完工日期") && m[0].contains("序号"),
        "{}",
        m[0]
    );
    assert!(
        m[0].lines()
            .any(|l| l.contains("靖宇镇人民政府2023年度") && l.contains("（2024年3月）")),
        "title on one line:\n{}",
        m[0]
    );
    // Forms: one page each, nothing of ours, no lone "。".
    let f = pdf("forms");
    assert_eq!(f.len(), 16, "总览, 14 forms, 待核实: one page each");
    for (k, page) in f.iter().enumerate().skip(1).take(14) {
        for ours in ["请说明", "草拟", "注：本表"] {
            assert!(!page.contains(ours), "form page {}: {ours}", k + 1);
        }
        assert!(
            !page.lines().any(|l| l.trim() == "。"),
            "form page {}: a lone 。\n{page}",
            k + 1
        );
    }
    // 监控表: one page a project, then 问题清单.
    assert_eq!(pdf("monitor").len(), 8);
    // County 项目明细: every page has its header and its last column.
    let c = pdf("county");
    let names = ["汇总", "分类汇总", "项目明细", "问题清单"];
    let detail: Vec<&String> = c
        .iter()
        .filter(|p| page_sheet(p, &names) == Some("项目明细"))
        .collect();
    assert!(!detail.is_empty());
    for p in detail {
        assert!(p.contains("项目名称") && p.contains("未支出"), "{p}");
    }
    // Report: the copied 项目 sheet one page wide (its last column, 实际完成情况,
    // on each of its pages), 拨付明细 without 来源行.
    let r = pdf("report");
    let names = [
        "汇总",
        "项目进度",
        "拨付明细",
        "月度进度",
        "问题清单",
        "项目",
        "拨付",
        "绩效指标",
        "说明",
    ];
    let copy: Vec<&String> = r
        .iter()
        .filter(|p| page_sheet(p, &names) == Some("项目"))
        .collect();
    assert!(copy.len() <= 2, "7 projects on {} pages", copy.len());
    for p in copy {
        assert!(p.contains("项目编号") && p.contains("实际完成情况"), "{p}");
    }
    for p in r
        .iter()
        .filter(|p| page_sheet(p, &names) == Some("拨付明细"))
    {
        assert!(
            !p.contains("来源行") && p.contains("截至2024年5月31日"),
            "{p}"
        );
    }
    // Summary: no page but the last ends early (no gap on page 2).
    let d = pdf("summary");
    for (k, p) in d.iter().enumerate().take(d.len() - 1) {
        let lines = p.lines().filter(|l| !l.trim().is_empty()).count();
        assert!(
            lines >= 17,
            "summary page {} has {lines} lines:\n{p}",
            k + 1
        );
    }
}
