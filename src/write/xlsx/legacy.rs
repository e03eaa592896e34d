//! rust_xlsxwriter, still used for what is written once per workbook and
//! must stay exactly as before: the table of cell formats (styles.xml)
//! and sheets with charts (the chart and its drawing, caches included).

use super::{clip, clip_note, clipped_note, too_long};
use crate::model::value::decimal_to_f64;
use crate::write::sheet::{Role, Sheet, Value};
use rust_xlsxwriter::{
    Chart, ChartType, DataValidation, Format, FormatAlign, FormatBorder, Formula, Note, Worksheet,
    XlsxError,
};
use std::collections::HashMap;

const FONT: &str = "宋体";
const MONEY: &str = "#,##0.0000";
const RATE: &str = "0.00%";
const DATE: &str = "yyyy-mm-dd";

const FORM_FONT: &str = "仿宋";

fn form(f: Format) -> Format {
    f.set_border(FormatBorder::Thin)
        .set_font_name(FORM_FONT)
        .set_font_size(11)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
}

pub(super) fn format_for(role: Role, flagged: bool) -> Format {
    let boxed = |f: Format| {
        f.set_border(FormatBorder::Thin)
            .set_font_name(FONT)
            .set_align(FormatAlign::VerticalCenter)
    };
    let mut f = match role {
        Role::Raw => Format::new(),
        // Bottom-aligned like the copied numbers beside it (Excel's default).
        Role::RawWrap => Format::new().set_text_wrap(),
        Role::Title => Format::new()
            .set_font_name(FONT)
            .set_bold()
            .set_font_size(16)
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter),
        Role::Caption => Format::new().set_font_name(FONT),
        Role::Section => boxed(Format::new())
            .set_bold()
            .set_background_color("F2F2F2"),
        Role::Header => boxed(Format::new())
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_background_color("DDEBF7"),
        Role::Text => boxed(Format::new()).set_text_wrap(),
        Role::Money => boxed(Format::new()).set_num_format(MONEY),
        Role::Rate => boxed(Format::new())
            .set_num_format(RATE)
            .set_align(FormatAlign::Right),
        Role::Count => boxed(Format::new()).set_num_format("0"),
        Role::Date => boxed(Format::new()).set_num_format(DATE),
        Role::Month => boxed(Format::new())
            .set_num_format("yyyy\"年\"m\"月\"")
            .set_align(FormatAlign::Left),
        Role::TotalText => boxed(Format::new()).set_bold().set_text_wrap(),
        Role::TotalMoney => boxed(Format::new()).set_bold().set_num_format(MONEY),
        Role::TotalRate => boxed(Format::new())
            .set_bold()
            .set_num_format(RATE)
            .set_align(FormatAlign::Right),
        Role::TotalCount => boxed(Format::new()).set_bold().set_num_format("0"),
        Role::Note => Format::new()
            .set_font_name(FONT)
            .set_text_wrap()
            .set_align(FormatAlign::Top),
        Role::FormTitle => Format::new()
            .set_font_name(FONT)
            .set_bold()
            .set_font_size(18)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter),
        Role::FormLabel => form(Format::new())
            .set_bold()
            .set_align(FormatAlign::Center),
        Role::FormText => form(Format::new()).set_align(FormatAlign::Left),
        Role::FormMoney => form(Format::new())
            .set_num_format(MONEY)
            .set_align(FormatAlign::Right),
        Role::FormRate => form(Format::new())
            .set_num_format(RATE)
            .set_align(FormatAlign::Right),
        Role::FormNumber => form(Format::new())
            .set_num_format("0.00")
            .set_align(FormatAlign::Center),
        Role::FormFoot => Format::new()
            .set_font_name(FORM_FONT)
            .set_font_size(11)
            .set_align(FormatAlign::VerticalCenter),
        Role::Score => boxed(Format::new())
            .set_num_format("0.00")
            .set_align(FormatAlign::Right),
        Role::Banner => boxed(Format::new())
            .set_bold()
            .set_text_wrap()
            .set_font_color("C00000")
            .set_background_color("FFE4E1"),
        Role::FormInput => form(Format::new())
            .set_align(FormatAlign::Left)
            .set_background_color("FFF2CC")
            .set_unlocked(),
        Role::FormInputMoney => form(Format::new())
            .set_num_format(MONEY)
            .set_align(FormatAlign::Right)
            .set_background_color("FFF2CC")
            .set_unlocked(),
    };
    if flagged {
        f = f.set_background_color("FFC7CE").set_font_color("9C0006");
    }
    f
}

/// Dates copied from the input keep a date look.
pub(super) fn raw_value_format(value: &Value, base: &Format) -> Option<Format> {
    match value {
        Value::Serial(_, false) | Value::Date(_) => Some(base.clone().set_num_format(DATE)),
        Value::Serial(_, true) => Some(base.clone().set_num_format("yyyy-mm-dd hh:mm:ss")),
        _ => None,
    }
}

pub(super) fn cached(value: &Value) -> String {
    match value {
        Value::Number(d) => d.normalize().to_string(),
        Value::Float(f) => f.to_string(),
        Value::Text(s) => s.clone(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Value::Date(d) => excel_serial(*d).to_string(),
        Value::Serial(f, _) => f.to_string(),
        Value::Empty | Value::Formula(..) => String::new(),
    }
}

pub(super) fn excel_serial(d: chrono::NaiveDate) -> i64 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
    (d - epoch).num_days()
}
pub(super) fn write_sheet(
    ws: &mut Worksheet,
    sheet: &Sheet,
    stream: bool,
) -> Result<(), XlsxError> {
    ws.set_name(&sheet.name)?;
    // Formats by (role, flagged): looked up for every cell, so an array.
    let mut formats: Vec<Option<Format>> = vec![None; 64];
    // Column widths and formats first: constant-memory sheets can't take them later.
    for (col, w) in &sheet.widths {
        ws.set_column_width(*col, *w)?;
    }
    // Row heights before any cell: a row written row by row can't take one later.
    // Title rows are tall enough for their larger font.
    let mut heights: std::collections::BTreeMap<u32, f64> = sheet
        .cells
        .iter()
        .filter(|c| c.role == Role::Title)
        .map(|c| (c.row, 24.0))
        .collect();
    heights.extend(sheet.row_heights.iter().copied());
    for (row, h) in &heights {
        ws.set_row_height(*row, *h)?;
    }
    let mut column_role: HashMap<u16, Role> = HashMap::new();
    for (col, role) in &sheet.column_roles {
        ws.set_column_format(*col, &format_for(*role, false))?;
        column_role.insert(*col, *role);
    }
    let mut merges: Vec<&crate::write::sheet::Span> = sheet
        .merges
        .iter()
        .filter(|m| !(m.first_row == m.last_row && m.first_col == m.last_col))
        .collect();
    merges.sort_by_key(|m| (m.first_row, m.first_col));
    let starts: HashMap<(u32, u16), (Role, bool)> = if merges.is_empty() {
        HashMap::new()
    } else {
        let wanted: std::collections::HashSet<(u32, u16)> =
            merges.iter().map(|m| (m.first_row, m.first_col)).collect();
        sheet
            .cells
            .iter()
            .filter(|c| wanted.contains(&(c.row, c.col)))
            .map(|c| ((c.row, c.col), (c.role, c.flagged)))
            .collect()
    };
    let mut next_merge = 0;
    let write_merges_to = |ws: &mut Worksheet, row: u32, next: &mut usize| {
        while *next < merges.len() && merges[*next].first_row <= row {
            let m = merges[*next];
            let f = starts
                .get(&(m.first_row, m.first_col))
                .map(|(r, fl)| format_for(*r, *fl))
                .unwrap_or_default();
            // Overlapping merges in a damaged input are dropped rather than fail the file.
            let _ = ws.merge_range(m.first_row, m.first_col, m.last_row, m.last_col, "", &f);
            *next += 1;
        }
    };
    if !stream {
        write_merges_to(ws, u32::MAX, &mut next_merge);
    }
    let mut order: Vec<&crate::write::sheet::Cell> = sheet.cells.iter().collect();
    if stream {
        order.sort_by_key(|c| (c.row, c.col));
    }
    let mut last_row: Option<u32> = None;
    for c in order {
        if stream {
            write_merges_to(ws, c.row, &mut next_merge);
        }
        last_row = last_row.max(Some(c.row));
        write_cell(ws, c, &mut formats, &column_role)?;
    }
    // Rows produced on demand (large tables), after the model's own cells.
    if let Some(source) = &sheet.source {
        let mut result = Ok(());
        source(&mut |c: crate::write::sheet::Cell| {
            if result.is_ok() {
                last_row = last_row.max(Some(c.row));
                result = write_cell(ws, &c, &mut formats, &column_role);
            }
        });
        result?;
    }
    write_merges_to(ws, u32::MAX, &mut next_merge);
    // rust_xlsxwriter 0.102 in constant-memory mode writes the last row
    // twice when it has a height (`<row r="N">…</row><row r="N" ht=…/>`),
    // which Excel may offer to repair. A row after every row with a height,
    // itself without one, moves the final flush past them: it holds one
    // blank cell in the sheet's font, nothing visible (a default format
    // would take the column's borders).
    if let Some(r) = last_row.filter(|r| stream && heights.contains_key(r)) {
        let after = heights.keys().next_back().map_or(r, |h| (*h).max(r)) + 1;
        if after < 1_048_576 {
            ws.write_blank(after, 0, &Format::new().set_font_name(FONT))?;
        }
    }
    if let Some((r, c)) = sheet.freeze {
        ws.set_freeze_panes(r, c)?;
    }
    if let Some(a) = sheet.autofilter {
        ws.autofilter(a.first_row, a.first_col, a.last_row, a.last_col)?;
    }
    if let Some(p) = &sheet.print {
        page_setup(ws, sheet, p, stream)?;
    }
    for v in &sheet.validations {
        let dv = DataValidation::new().allow_list_strings(&v.choices)?;
        ws.add_data_validation(v.first_row, v.col, v.last_row, v.col, &dv)?;
    }
    for spec in &sheet.charts {
        let mut chart = Chart::new(if spec.columns.is_empty() {
            ChartType::Line
        } else {
            ChartType::Column
        });
        let add = |chart: &mut Chart, s: &crate::write::sheet::ChartSeries| {
            chart
                .add_series()
                .set_name(s.name.as_str())
                .set_categories((
                    sheet.name.as_str(),
                    s.rows.0,
                    spec.categories_col,
                    s.rows.1,
                    spec.categories_col,
                ))
                .set_values((sheet.name.as_str(), s.rows.0, s.col, s.rows.1, s.col));
        };
        for s in if spec.columns.is_empty() {
            &spec.lines
        } else {
            &spec.columns
        } {
            add(&mut chart, s);
        }
        if !spec.columns.is_empty() && !spec.lines.is_empty() {
            let mut line = Chart::new(ChartType::Line);
            for s in &spec.lines {
                add(&mut line, s);
            }
            chart.combine(&line);
        }
        chart.title().set_name(spec.title.as_str());
        if let Some(f) = &spec.value_format {
            chart.y_axis().set_num_format(f.as_str());
        }
        chart.set_width(spec.size.0).set_height(spec.size.1);
        if let Some(f) = &spec.category_format {
            chart
                .x_axis()
                .set_num_format(f.as_str())
                .set_text_axis(true);
        }
        ws.insert_chart(spec.at.0, spec.at.1, &chart)?;
    }
    Ok(())
}

/// `&` starts a code in page headers.
fn header_text(s: &str) -> String {
    s.replace('&', "&&")
}

/// The page setup `page_layout` decided: A4, orientation, scale, print area
/// (titles, unit labels, banners and charts included), repeated rows and
/// columns, margins, and a header (unit, sheet) and footer (第 N 页 共 M 页).
fn page_setup(
    ws: &mut Worksheet,
    sheet: &Sheet,
    p: &crate::write::sheet::PageSetup,
    _stream: bool,
) -> Result<(), XlsxError> {
    let source_rows = sheet.source_rows;
    let Some(l) = crate::write::sheet::page_layout(sheet, source_rows) else {
        return Ok(());
    };
    ws.set_paper_size(9); // A4
    if l.landscape {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
    if l.fit_width {
        ws.set_print_fit_to_pages(1, u16::from(l.fit_height));
    } else {
        ws.set_print_scale(l.scale);
        // Split across pages: the two halves of a row band come one after the other.
        ws.set_page_order(false);
    }
    if let Some((a, b)) = p.repeat_rows {
        ws.set_repeat_rows(a, b)?;
    }
    if let Some((a, b)) = l.repeat_cols {
        ws.set_repeat_columns(a, b)?;
    }
    ws.set_print_area(0, l.first_col, l.last_row, l.last_col)?;
    let [left, right, top, bottom, header, footer] =
        crate::write::sheet::margins_cm(l.landscape).map(|cm| cm / 2.54);
    ws.set_margins(left, right, top, bottom, header, footer);
    ws.set_print_center_horizontally(true);
    let font = "&\"宋体,常规\"&9";
    ws.set_header(format!("&L{font}{}&C{font}&A", header_text(&p.unit)));
    ws.set_footer(format!("&C{font}第 &P 页 共 &N 页"));
    Ok(())
}

/// One cell of the model into the worksheet.
fn write_cell(
    ws: &mut Worksheet,
    c: &crate::write::sheet::Cell,
    formats: &mut [Option<Format>],
    column_role: &HashMap<u16, Role>,
) -> Result<(), XlsxError> {
    let slot = &mut formats[(c.role as usize) * 2 + usize::from(c.flagged)];
    let base: &Format = slot.get_or_insert_with(|| format_for(c.role, c.flagged));
    // Only copied input picks its look from the value; report cells have a role.
    let own = if c.role == Role::Raw {
        raw_value_format(&c.value, base)
    } else {
        None
    };
    let fmt = own.as_ref().unwrap_or(base);
    let (r, col) = (c.row, c.col);
    let long = matches!(&c.value, Value::Text(t) if too_long(t));
    let plain = own.is_none()
        && !c.flagged
        && !long
        && c.note.is_none()
        && (c.role == Role::Raw || column_role.get(&col) == Some(&c.role));
    if plain {
        match &c.value {
            Value::Text(s) => {
                ws.write_string(r, col, s)?;
                return Ok(());
            }
            Value::Number(d) => {
                ws.write_number(r, col, decimal_to_f64(*d))?;
                return Ok(());
            }
            Value::Float(f) => {
                ws.write_number(r, col, *f)?;
                return Ok(());
            }
            Value::Date(d) if c.role != Role::Raw => {
                ws.write_number(r, col, excel_serial(*d) as f64)?;
                return Ok(());
            }
            Value::Empty if c.role == Role::Raw => return Ok(()),
            _ => {}
        }
    }
    match &c.value {
        Value::Empty => {
            if c.role != Role::Raw || c.flagged {
                ws.write_blank(r, col, fmt)?;
            }
        }
        Value::Text(s) => {
            ws.write_string_with_format(r, col, clip(s).0, fmt)?;
        }
        Value::Number(d) => {
            ws.write_number_with_format(r, col, decimal_to_f64(*d), fmt)?;
        }
        Value::Float(f) => {
            ws.write_number_with_format(r, col, *f, fmt)?;
        }
        Value::Bool(b) => {
            ws.write_boolean_with_format(r, col, *b, fmt)?;
        }
        Value::Date(d) => {
            ws.write_number_with_format(r, col, excel_serial(*d) as f64, fmt)?;
        }
        Value::Serial(f, _) => {
            ws.write_number_with_format(r, col, *f, fmt)?;
        }
        Value::Formula(expr, result) => {
            let own = if c.role == Role::Raw {
                raw_value_format(result, fmt)
            } else {
                None
            };
            let cached = cached(result);
            ws.write_formula_with_format(
                r,
                col,
                Formula::new(format!("={expr}")).set_result(clip(&cached).0),
                own.as_ref().unwrap_or(fmt),
            )?;
        }
    }
    let cut = match &c.value {
        Value::Text(t) if long => Some(clipped_note(t.chars().count(), clip(t).1)),
        _ => None,
    };
    let note = match (&c.note, cut) {
        (Some(n), Some(cut)) => Some(format!("{cut}\n{n}")),
        (Some(n), None) => Some(n.clone()),
        (None, cut) => cut,
    };
    if let Some(note) = &note {
        ws.insert_note(
            r,
            col,
            &Note::new(clip_note(note))
                .set_author("jixiao")
                .set_width(360)
                .set_height(120),
        )?;
    }
    Ok(())
}

/// A sheet's charts as rust_xlsxwriter writes them: the drawing and each
/// chart's XML (caches of the plotted cells included), from the sheet
/// written alone into a scratch workbook.
pub(super) fn chart_parts(sheet: &Sheet) -> Result<(String, Vec<String>), String> {
    use std::io::Read;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    write_sheet(ws, sheet, false).map_err(|e| e.to_string())?;
    let bytes = wb.save_to_buffer().map_err(|e| e.to_string())?;
    let mut z = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut read = |name: &str| -> Result<String, String> {
        let mut s = String::new();
        z.by_name(name)
            .map_err(|e| e.to_string())?
            .read_to_string(&mut s)
            .map_err(|e| e.to_string())?;
        Ok(s)
    };
    let drawing = read("xl/drawings/drawing1.xml")?;
    let charts = (1..=sheet.charts.len())
        .map(|k| read(&format!("xl/charts/chart{k}.xml")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((drawing, charts))
}
