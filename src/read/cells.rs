//! Reading cells of a located table: money with its unit, dates, texts,
//! and what is noted per column while reading.

use super::layout::{self, Field, MoneyUnit};
use super::table::Table;
use super::totals::TotalKind;
use super::value::{self, AmountError};
use crate::model::{CellRef, Problem, Wan};
use calamine::Data;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Per-column findings gathered while reading rows and reported once per
/// column: numbers kept as text, amounts that look like 元 in a column
/// without a stated unit.
#[derive(Default)]
pub(crate) struct ColumnNotes {
    pub(crate) text_numbers: HashMap<u32, (usize, CellRef, String)>,
    pub(crate) unstated_max: HashMap<u32, (Decimal, CellRef, &'static str)>,
}

impl ColumnNotes {
    pub(crate) fn flush(self, problems: &mut Vec<Problem>) {
        let mut text: Vec<_> = self.text_numbers.into_values().collect();
        text.sort_by(|a, b| a.1.cmp(&b.1));
        for (n, first, header) in text {
            let msg = if n == 1 {
                format!("{first}：{header}是以文本保存的数字，已按数字读取")
            } else {
                format!("{first} 等 {n} 个单元格：{header}是以文本保存的数字，已按数字读取")
            };
            problems.push(Problem::warning_at(&first, msg));
        }
        let mut big: Vec<_> = self
            .unstated_max
            .into_values()
            .filter(|(m, ..)| *m > layout::LOOKS_LIKE_YUAN)
            .collect();
        big.sort_by(|a, b| a.1.cmp(&b.1));
        for (max, at, header) in big {
            problems.push(Problem::warning_at(
                &at,
                format!("{at}：{header}列未注明单位，按万元读取，但有金额达 {}，看起来像是元；请在表头注明“（元）”、在表上方写“单位：元”，或用 --mapping 指定单位", Wan(max)),
            ));
        }
    }
}

/// What a row under the header is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowKind {
    Blank,
    Record,
    /// A 合计 / 小计 row, with the group it names.
    Total(TotalKind, Option<String>),
    /// 注：…, 填表人：…, 填报日期：… under or above the table.
    Note,
    /// The header again (printed ledgers repeat it on each page).
    HeaderAgain,
    /// A row the mapping file says to skip.
    Skipped,
    /// The template's example row (项目编号 示例-…).
    Example,
    /// Cells only outside the table's columns.
    Outside,
}

/// Rows that are not records, gathered per table and said once.
#[derive(Default)]
pub(crate) struct SkippedRows {
    pub(crate) notes: Vec<CellRef>,
    pub(crate) headers: Vec<CellRef>,
    pub(crate) mapped: Vec<CellRef>,
    pub(crate) examples: Vec<CellRef>,
    pub(crate) outside: Vec<CellRef>,
}

impl SkippedRows {
    pub(crate) fn note(&mut self, table: &Table, row: u32, kind: &RowKind) -> bool {
        let at = CellRef::at(
            &table.name,
            row,
            table.sheet.row_cells(row).first().map(|c| c.0).unwrap_or(0),
        );
        match kind {
            RowKind::Note => self.notes.push(at),
            RowKind::HeaderAgain => self.headers.push(at),
            RowKind::Skipped => self.mapped.push(at),
            RowKind::Example => self.examples.push(at),
            RowKind::Outside => self.outside.push(at),
            _ => return false,
        }
        true
    }
    pub(crate) fn flush(self, sheet: &str, problems: &mut Vec<Problem>) {
        let list = |v: &[CellRef]| {
            let shown: Vec<String> = v.iter().take(8).map(|c| c.to_string()).collect();
            let more = if v.len() > 8 {
                format!(" 等 {} 行", v.len())
            } else {
                String::new()
            };
            format!("{}{more}", shown.join("、"))
        };
        let say = |v: &[CellRef], what: &str, problems: &mut Vec<Problem>| {
            if let Some(first) = v.first() {
                problems.push(Problem::warning_at(first, format!("{}：{what}", list(v))));
            }
        };
        say(
            &self.notes,
            "是注释或签名行（注、说明、填表人、审核人、填报日期等），不是项目，未读取，已原样保留在报告中",
            problems,
        );
        say(&self.headers, "重复的表头行，已跳过", problems);
        say(
            &self.mapped,
            "映射文件 [skip_rows] 指定跳过的行，未读取",
            problems,
        );
        say(
            &self.examples,
            "示例行（项目编号以“示例-”开头）未计入，请删除",
            problems,
        );
        let _ = sheet;
    }
}

/// Excel's error values, as calamine shows them (and as some programs
/// store them, as text).
const ERROR_VALUES: &[&str] = &[
    "#REF!",
    "#N/A",
    "#NAME?",
    "#DIV/0!",
    "#VALUE!",
    "#NUM!",
    "#NULL!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
];

fn error_value(v: &Data) -> Option<String> {
    match v {
        Data::Error(e) => Some(e.to_string()),
        Data::String(s) if ERROR_VALUES.contains(&s.trim()) => Some(s.trim().to_string()),
        _ => None,
    }
}

impl Table<'_> {
    /// Excel error values (#REF!, #N/A, #NAME? …) in the row's cells, in
    /// any field the table reads: an error each (R010). True when there is
    /// one: the row is left out, never read as a record.
    pub(crate) fn error_cells(&self, row: u32, what: &str, problems: &mut Vec<Problem>) -> bool {
        // Only the columns read as fields: a formula error in an unread
        // remarks column leaves the row's figures as they are.
        let read = |col: u32| {
            self.columns.iter().any(|c| c.col == col)
                || self.fund_splits.iter().any(|f| f.col == col)
                || self.month_columns.iter().any(|m| m.col == col)
        };
        let mut any = false;
        for (c, v) in self.sheet.row_cells(row) {
            if !read(*c) {
                continue;
            }
            let Some(e) = error_value(v) else {
                continue;
            };
            let cell = CellRef::at(&self.name, row, *c);
            let header = self
                .columns
                .iter()
                .find(|x| x.col == *c)
                .map(|x| x.spec.header.split('（').next().unwrap_or(x.spec.header))
                .unwrap_or("单元格");
            problems.push(Problem::at(
                crate::model::Finding::ErrorCell,
                &cell,
                format!(
                    "{cell}：{header}是 Excel 错误值“{e}”（公式出错），{what}；请改正公式或填入数值"
                ),
            ));
            any = true;
        }
        any
    }

    /// A number of more than 15 digits as an id: read exactly, and said,
    /// since Excel shows it rounded (R012).
    pub(crate) fn long_number(&self, row: u32, field: Field, problems: &mut Vec<Problem>) {
        let Some((Data::Float(f), cell)) = self.cell(row, field) else {
            return;
        };
        if f.fract() != 0.0 || f.abs() < 1e15 || f.abs() >= 1e19 {
            return;
        }
        let exact = format!("{f:.0}");
        let digits = exact.trim_start_matches('-').len();
        if digits <= 15 {
            return;
        }
        let shown = format!("{f:.14e}")
            .parse::<f64>()
            .map(|r| format!("{r:.0}"))
            .unwrap_or_default();
        problems.push(Problem::at(
            crate::model::Finding::LongNumber,
            &cell,
            format!(
                "{cell}：{}{exact} 以数字保存，有 {digits} 位；Excel 只显示 15 位有效数字（显示为 {shown}），已按单元格中的整数读取；请把该列设为文本格式",
                self.column_header(field)
            ),
        ));
    }

    pub(crate) fn cell(&self, row: u32, field: Field) -> Option<(&Data, CellRef)> {
        let c = self.columns.get(&field)?;
        Some((self.value(row, c.col), CellRef::at(&self.name, row, c.col)))
    }
    /// `classify`, plus unlabelled totals (no key, no label, an amount that
    /// is a sum of the rows above) told by `check`; `None` for rows that are
    /// not records and not totals (noted in `skipped`, said once later).
    pub(crate) fn row_kind(
        &self,
        row: u32,
        skip: &[u32],
        skipped: &mut SkippedRows,
        check: &super::totals::TotalCheck,
        amount: Field,
        keys: &[Field],
    ) -> Option<RowKind> {
        let kind = self.classify(row, skip);
        if skipped.note(self, row, &kind) || kind == RowKind::Blank {
            return None;
        }
        if kind == RowKind::Record
            && keys.iter().all(|f| !self.has_value(row, *f))
            && let Ok(Some((v, _))) = self.money(row, amount, &mut ColumnNotes::default())
            && let Some(k) = check.unlabelled_total(v)
        {
            return Some(RowKind::Total(k, None));
        }
        Some(kind)
    }
    /// What a row below the header is: a record, or one of the rows that
    /// are not (totals, notes and signatures, a repeated header, rows the
    /// mapping skips, the template's example rows).
    pub(crate) fn classify(&self, row: u32, skip: &[u32]) -> RowKind {
        let cells = self.sheet.row_cells(row);
        if cells.iter().all(|(_, v)| is_blank(v)) {
            return RowKind::Blank;
        }
        if skip.contains(&row) {
            return RowKind::Skipped;
        }
        // Text far to the side of the table (a stray cell, a remark in the
        // margin) is not a record.
        let (lo, hi) = self.span();
        if !cells
            .iter()
            .any(|(c, v)| (lo..=hi).contains(c) && !is_blank(v))
        {
            return RowKind::Outside;
        }
        if let Some((kind, label)) = self.total_row_kind(row) {
            let group = self.text(row, Field::Group).or_else(|| {
                let g = label.trim_end_matches("小计").trim_end_matches("合计");
                (!g.is_empty()).then(|| g.to_string())
            });
            return RowKind::Total(kind, group);
        }
        let first_text = cells.iter().find_map(|(_, v)| value::text_from_cell(v));
        if cells.iter().all(|(_, v)| matches!(v, Data::String(_)))
            && first_text.as_deref().is_some_and(layout::is_note_text)
        {
            return RowKind::Note;
        }
        if self.is_header_again(row) {
            return RowKind::HeaderAgain;
        }
        let key = if self.has(Field::ProjectId) {
            Field::ProjectId
        } else {
            Field::ProjectName
        };
        if self
            .text(row, key)
            .is_some_and(|t| t.starts_with(layout::EXAMPLE_ID_PREFIX))
        {
            return RowKind::Example;
        }
        RowKind::Record
    }
    /// Whether the field's cell holds anything (a number, a date, text).
    pub(crate) fn has_value(&self, row: u32, field: Field) -> bool {
        self.cell(row, field).is_some_and(|(v, _)| !is_blank(v))
    }
    pub(crate) fn column_header(&self, field: Field) -> &'static str {
        // The standard header without its unit: "预算金额（万元）" → "预算金额".
        self.columns
            .get(&field)
            .map(|c| c.spec.header.split('（').next().unwrap_or(c.spec.header))
            .unwrap_or("")
    }
    /// A 合计 / 小计 row: the label in one of the first text cells.
    pub(crate) fn total_row_kind(&self, row: u32) -> Option<(TotalKind, String)> {
        let first = self.sheet.first_col();
        self.sheet
            .row_cells(row)
            .iter()
            .take_while(|(c, _)| *c < first + 4)
            .find_map(|(_, v)| match v {
                // Labels are short; don't allocate for every text cell of every row.
                // Every total label (合计/小计/总计) has 计 in it.
                Data::String(s) if s.len() <= 48 && s.contains('计') => {
                    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
                    let t =
                        t.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '、');
                    if t == "小计" || (t.ends_with("小计") && t.chars().count() <= 12) {
                        Some((TotalKind::Subtotal, t.to_string()))
                    } else if layout::TOTAL_LABELS.contains(&t) {
                        Some((TotalKind::Total, t.to_string()))
                    } else {
                        None
                    }
                }
                _ => None,
            })
    }
    pub(crate) fn text(&self, row: u32, field: Field) -> Option<String> {
        self.cell(row, field)
            .and_then(|(v, _)| value::text_from_cell(v))
    }
    /// Money in 万元; `Ok(None)` when blank.
    pub(crate) fn money(
        &self,
        row: u32,
        field: Field,
        notes: &mut ColumnNotes,
    ) -> Result<Option<(Decimal, CellRef)>, Problem> {
        let Some(c) = self.columns.get(&field) else {
            return Ok(None);
        };
        self.money_at(row, c.col, c.unit, self.column_header(field), notes)
    }
    pub(crate) fn money_at(
        &self,
        row: u32,
        col: u32,
        col_unit: Option<MoneyUnit>,
        header: &'static str,
        notes: &mut ColumnNotes,
    ) -> Result<Option<(Decimal, CellRef)>, Problem> {
        let v = self.sheet.cell(row, col);
        let cell = CellRef::at(&self.name, row, col);
        let (unit, stated) = self.unit_of(col_unit);
        let shown = || value::show_cell(v);
        let (amount, text_unit) = match v {
            Data::Empty => return Ok(None),
            Data::String(s) if is_placeholder(s) => return Ok(None),
            Data::Float(f) => (
                value::decimal_from_f64(*f).ok_or_else(|| {
                    Problem::error_at(&cell, format!("{cell}：{header}{}无法读取为金额", shown()))
                })?,
                None,
            ),
            Data::Int(i) => (Decimal::from(*i), None),
            Data::String(s) => match value::parse_amount_text(s) {
                Ok((d, u)) => {
                    let e = notes.text_numbers.entry(col).or_insert((
                        0,
                        cell.clone(),
                        header.to_string(),
                    ));
                    e.0 += 1;
                    (d, u)
                }
                Err(AmountError::NotANumber) => {
                    return Err(Problem::error_at(
                        &cell,
                        format!("{cell}：{header}{}不是数字", shown()),
                    ));
                }
                Err(AmountError::OutOfRange) => {
                    return Err(Problem::error_at(
                        &cell,
                        format!("{cell}：{header}{}超出可处理的范围", shown()),
                    ));
                }
            },
            _ => {
                return Err(Problem::error_at(
                    &cell,
                    format!("{cell}：{header}{}不是数字", shown()),
                ));
            }
        };
        if !stated && text_unit.is_none() {
            let e = notes
                .unstated_max
                .entry(col)
                .or_insert((Decimal::ZERO, cell.clone(), header));
            if amount.abs() > e.0 {
                *e = (amount.abs(), cell.clone(), header);
            }
        }
        // Multiplying by 10,000 (亿元) can overflow: range-check in 元 terms first.
        let wan = match text_unit.unwrap_or(unit) {
            MoneyUnit::YiYuan if amount.abs() > value::MAX_AMOUNT / Decimal::from(10_000) => None,
            u => Some(u.to_wan(amount)),
        }
        .filter(|w| w.abs() <= value::MAX_AMOUNT);
        let Some(wan) = wan else {
            return Err(Problem::error_at(
                &cell,
                format!("{cell}：{header}{}超出合理范围", shown()),
            ));
        };
        Ok(Some((wan.normalize(), cell)))
    }
    pub(crate) fn date(&self, row: u32, field: Field) -> Result<Option<NaiveDate>, Problem> {
        let Some((v, cell)) = self.cell(row, field) else {
            return Ok(None);
        };
        if is_blank(v) {
            return Ok(None);
        }
        match value::date_from_cell(v) {
            Some(d) => Ok(Some(d)),
            None => Err(Problem::error_at(
                &cell,
                format!(
                    "{cell}：{}{}不是有效日期",
                    self.column_header(field),
                    value::show_cell(v)
                ),
            )),
        }
    }
}

/// What clerks type in an amount cell to mean "none".
pub(crate) fn is_placeholder(s: &str) -> bool {
    layout::PLACEHOLDERS.contains(&s.trim())
}

pub(crate) fn is_blank(v: &Data) -> bool {
    match v {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}
