//! rust_xlsxwriter, still used for what is written once per workbook and
//! must stay exactly as before: the table of cell formats (styles.xml)
//! and sheets with charts (the chart and its drawing, caches included).

use super::{clip, clip_note, clipped_note, too_long};
use crate::model::value::decimal_to_f64;
use crate::write::sheet::{Role, Sheet, Value};
use rust_xlsxwriter::{
    Chart, ChartType, Format, FormatAlign, FormatBorder, Formula, Note, Worksheet, XlsxError,
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
/// A sheet with its charts into a scratch worksheet: what the chart and its
/// drawing depend on (cells for the caches, widths and heights for the
/// anchor).
fn write_sheet(ws: &mut Worksheet, sheet: &Sheet) -> Result<(), XlsxError> {
    ws.set_name(&sheet.name)?;
    let mut formats: Vec<Option<Format>> = vec![None; 64];
    for (col, w) in &sheet.widths {
        ws.set_column_width(*col, *w)?;
    }
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
    for c in &sheet.cells {
        write_cell(ws, c, &mut formats, &column_role)?;
    }
    if let Some(source) = &sheet.source {
        let mut result = Ok(());
        source(&mut |c: crate::write::sheet::Cell| {
            if result.is_ok() {
                result = write_cell(ws, &c, &mut formats, &column_role);
            }
        });
        result?;
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
    write_sheet(ws, sheet).map_err(|e| e.to_string())?;
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
