//! The one place that maps the sheet model to rust_xlsxwriter, and writes the
//! file atomically (temporary file, then rename).

use super::sheet::{Role, Sheet, Value};
use crate::read::value::decimal_to_f64;
use rust_xlsxwriter::{
    Chart, ChartType, DataValidation, Format, FormatAlign, FormatBorder, Formula, Note, Workbook,
    Worksheet, XlsxError,
};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

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

fn format_for(role: Role, flagged: bool) -> Format {
    let boxed = |f: Format| {
        f.set_border(FormatBorder::Thin)
            .set_font_name(FONT)
            .set_align(FormatAlign::VerticalCenter)
    };
    let mut f = match role {
        Role::Raw => Format::new(),
        Role::Title => Format::new()
            .set_font_name(FONT)
            .set_bold()
            .set_font_size(16)
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
        Role::TotalText => boxed(Format::new()).set_bold(),
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
fn raw_value_format(value: &Value, base: &Format) -> Option<Format> {
    match value {
        Value::Serial(_, false) | Value::Date(_) => Some(base.clone().set_num_format(DATE)),
        Value::Serial(_, true) => Some(base.clone().set_num_format("yyyy-mm-dd hh:mm:ss")),
        _ => None,
    }
}

fn cached(value: &Value) -> String {
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

fn excel_serial(d: chrono::NaiveDate) -> i64 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
    (d - epoch).num_days()
}

/// Excel's limit on text in a cell.
const MAX_TEXT: usize = 32767;

fn clip(s: &str) -> &str {
    match s.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Large sheets without multi-row merges are written row by row.
fn streams(sheet: &Sheet) -> bool {
    (sheet.stream || sheet.source.is_some() || sheet.cells.len() > STREAM_CELLS)
        && sheet.merges.iter().all(|m| m.first_row == m.last_row)
}

const STREAM_CELLS: usize = 50_000;

fn write_sheet(ws: &mut Worksheet, sheet: &Sheet, stream: bool) -> Result<(), XlsxError> {
    ws.set_name(&sheet.name)?;
    // Formats by (role, flagged): looked up for every cell, so an array.
    let mut formats: Vec<Option<Format>> = vec![None; 64];
    // Column widths and formats first: constant-memory sheets can't take them later.
    for (col, w) in &sheet.widths {
        ws.set_column_width(*col, *w)?;
    }
    let mut column_role: HashMap<u16, Role> = HashMap::new();
    for (col, role) in &sheet.column_roles {
        ws.set_column_format(*col, &format_for(*role, false))?;
        column_role.insert(*col, *role);
    }
    let mut merges: Vec<&super::sheet::Span> = sheet
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
    let mut order: Vec<&super::sheet::Cell> = sheet.cells.iter().collect();
    if stream {
        order.sort_by_key(|c| (c.row, c.col));
    }
    for c in order {
        if stream {
            write_merges_to(ws, c.row, &mut next_merge);
        }
        write_cell(ws, c, &mut formats, &column_role)?;
    }
    // Rows produced on demand (large tables), after the model's own cells.
    if let Some(source) = &sheet.source {
        let mut result = Ok(());
        source(&mut |c: super::sheet::Cell| {
            if result.is_ok() {
                result = write_cell(ws, &c, &mut formats, &column_role);
            }
        });
        result?;
    }
    write_merges_to(ws, u32::MAX, &mut next_merge);
    for (row, h) in &sheet.row_heights {
        ws.set_row_height(*row, *h)?;
    }
    if let Some((r, c)) = sheet.freeze {
        ws.set_freeze_panes(r, c)?;
    }
    if let Some(a) = sheet.autofilter {
        ws.autofilter(a.first_row, a.first_col, a.last_row, a.last_col)?;
    }
    if let Some(p) = sheet.print {
        ws.set_paper_size(9); // A4
        if p.landscape {
            ws.set_landscape();
        } else {
            ws.set_portrait();
        }
        ws.set_print_fit_to_pages(1, 0);
        if let Some((a, b)) = p.repeat_rows {
            ws.set_repeat_rows(a, b)?;
        }
        if let (Some((c0, c1)), Some(last_row)) =
            (p.columns, sheet.cells.iter().map(|c| c.row).max())
        {
            ws.set_print_area(0, c0, last_row, c1)?;
        }
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
        let add = |chart: &mut Chart, s: &super::sheet::ChartSeries| {
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

/// Above this many cells, compress fast rather than small: a county workbook
/// is written once and opened a few times.
const FAST_ZIP_CELLS: usize = 50_000;

/// One cell of the model into the worksheet.
fn write_cell(
    ws: &mut Worksheet,
    c: &super::sheet::Cell,
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
    let plain = own.is_none()
        && !c.flagged
        && c.note.is_none()
        && (c.role == Role::Raw || column_role.get(&col) == Some(&c.role));
    if plain {
        match &c.value {
            Value::Text(s) => {
                ws.write_string(r, col, clip(s))?;
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
            ws.write_string_with_format(r, col, clip(s), fmt)?;
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
            ws.write_formula_with_format(
                r,
                col,
                Formula::new(format!("={expr}")).set_result(cached(result)),
                own.as_ref().unwrap_or(fmt),
            )?;
        }
    }
    if let Some(note) = &c.note {
        ws.insert_note(
            r,
            col,
            &Note::new(clip(note))
                .set_author("jixiao")
                .set_width(360)
                .set_height(120),
        )?;
    }
    Ok(())
}

fn workbook(sheets: &[Sheet]) -> Result<Workbook, String> {
    use rayon::prelude::*;
    let mut wb = Workbook::new();
    if sheets.iter().map(|s| s.cells.len()).sum::<usize>() > FAST_ZIP_CELLS
        || sheets.iter().any(|s| s.source.is_some())
    {
        wb.set_zip_compression_level(1);
    }
    // Sheets are filled in parallel (writing is most of a large report's
    // cost), then added in order.
    let mut worksheets = Vec::with_capacity(sheets.len());
    for sheet in sheets {
        let ws = if streams(sheet) {
            wb.new_worksheet_with_constant_memory()
                .map_err(|e| format!("生成工作表“{}”时出错：{e}", sheet.name))?
        } else {
            Worksheet::new()
        };
        worksheets.push(ws);
    }
    worksheets
        .par_iter_mut()
        .zip(sheets.par_iter())
        .try_for_each(|(ws, sheet)| {
            write_sheet(ws, sheet, streams(sheet))
                .map_err(|e| format!("生成工作表“{}”时出错：{e}", sheet.name))
        })?;
    for ws in worksheets {
        wb.push_worksheet(ws);
    }
    Ok(wb)
}

/// Render sheets into an xlsx in memory.
pub fn render(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    workbook(sheets)?
        .save_to_buffer()
        .map_err(|e| format!("生成工作簿时出错：{e}"))
}

/// Render sheets straight into `path`, through a temporary file and a rename.
pub fn save_atomic(sheets: &[Sheet], path: &Path, replace: bool) -> Result<(), String> {
    let mut wb = workbook(sheets)?;
    let tmp = temp_beside(path)?;
    wb.save(tmp.path())
        .map_err(|e| format!("写入 {} 失败：{e}", path.display()))?;
    persist(tmp, path, replace)
}

fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile, String> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".jixiao-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("无法在 {} 中创建临时文件：{e}", dir.display()))
}

fn persist(tmp: tempfile::NamedTempFile, path: &Path, replace: bool) -> Result<(), String> {
    let shown = path.display();
    if replace {
        tmp.persist(path)
            .map_err(|e| format!("无法保存 {shown}：{}", e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            format!(
                "无法保存 {shown}（文件已存在？可加 --force 覆盖）：{}",
                e.error
            )
        })?;
    }
    Ok(())
}

/// Write bytes to `path` through a temporary file in the same folder and a
/// rename, so a reader never sees half a file. Without `replace`, an
/// existing file is never overwritten.
pub fn write_atomic(path: &Path, bytes: &[u8], replace: bool) -> Result<(), String> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| format!("写入 {} 失败：{e}", path.display()))?;
    persist(tmp, path, replace)
}
