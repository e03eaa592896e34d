//! Reading cells of a located table: money with its unit, dates, texts,
//! and what is noted per column while reading.

use super::layout::{self, Field, MoneyUnit};
use super::table::Table;
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
    /// Every nonzero amount of a column with no stated unit (its size, and
    /// whether it has the 3–4 decimals only a 万元 figure has), its first cell.
    pub(crate) unstated: HashMap<u32, (Vec<Decimal>, bool, CellRef, &'static str)>,
    /// Negatives written in brackets ("(5)"): how many, the first cell and text.
    pub(crate) bracketed: HashMap<u32, (usize, CellRef, String, &'static str)>,
    /// 结算金额 cells saying it is not settled yet (未结算, 待审计): how
    /// many, the first, the words.
    pub(crate) pending_settled: Option<(usize, CellRef, Vec<String>)>,
    /// The largest amount of a column stated in 万元.
    pub(crate) stated_wan_max: HashMap<u32, (Decimal, CellRef, &'static str)>,
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
            problems.push(Problem::at(crate::model::Finding::TextNumbers, &first, msg));
        }
        if let Some((n, first, words)) = self.pending_settled {
            let at = if n == 1 {
                format!("{first}")
            } else {
                format!("{first} 等 {n} 个单元格")
            };
            let words: Vec<String> = words.iter().map(|w| format!("“{w}”")).collect();
            problems.push(Problem::at(
                crate::model::Finding::SettlementPending,
                &first,
                format!(
                    "{at}：结算金额写的是{}，按未结算处理，待拨付和结余未计算",
                    words.join("")
                ),
            ));
        }
        let mut bracketed: Vec<_> = self.bracketed.into_values().collect();
        bracketed.sort_by(|a, b| a.1.cmp(&b.1));
        for (n, first, shown, header) in bracketed {
            let at = if n == 1 {
                format!("{first}")
            } else {
                format!("{first} 等 {n} 个单元格")
            };
            problems.push(Problem::at(
                crate::model::Finding::BracketNegative,
                &first,
                format!("{at}：{header}写在括号里（如{shown}），按会计习惯读作负数（退回、冲减）；如不是负数，请去掉括号"),
            ));
        }
        let mut big: Vec<_> = self
            .unstated_max
            .into_values()
            .filter(|(m, ..)| *m > layout::LOOKS_LIKE_YUAN)
            .collect();
        big.sort_by(|a, b| a.1.cmp(&b.1));
        // Amounts all of a 元 ledger's size (half of them 1,000 万元 or
        // more, none with a 万元 figure's 3–4 decimals), the largest below
        // the R039 bound: a 元 ledger of small projects read as 万元.
        let mut sized: Vec<_> = self
            .unstated
            .into_iter()
            .filter(|(col, _)| !big.iter().any(|b| b.1.col == *col))
            .filter_map(|(_, (mut v, wan_places, at, header))| {
                v.sort();
                let median = *v.get(v.len() / 2)?;
                (!wan_places && median >= layout::YUAN_SIZED_MEDIAN).then_some((
                    median,
                    v.len(),
                    at,
                    header,
                ))
            })
            .collect();
        sized.sort_by(|a, b| a.2.cmp(&b.2));
        for (median, n, at, header) in sized {
            problems.push(Problem::at(crate::model::Finding::YuanSizedAmounts,
                &at,
                format!("{at}：{header}列未注明单位，按万元读取，但 {n} 个金额有一半达 {} 以上（按万元读，每笔一千万元以上），又没有万元金额常有的 3–4 位小数，看起来像是元；请在表头注明“（元）”或“（万元）”、在表上方写“单位：元”，或用 --mapping 指定单位", Wan(median)),
            ));
        }
        let mut stated: Vec<_> = self
            .stated_wan_max
            .into_values()
            .filter(|(m, ..)| *m > layout::LOOKS_LIKE_YUAN)
            .collect();
        stated.sort_by(|a, b| a.1.cmp(&b.1));
        for (max, at, header) in stated {
            problems.push(Problem::at(crate::model::Finding::WanLooksLikeYuan,
                &at,
                format!("{at}：{header}注明的单位是万元，但有金额达 {} 万元（{} 亿元），一个项目不会有这么多钱，看起来像是元；请核对单位，改正表头或表上方的“单位”", Wan(max), Wan(max / Decimal::from(10_000))),
            ));
        }
        for (max, at, header) in big {
            problems.push(Problem::at(crate::model::Finding::LooksLikeYuan,
                &at,
                format!("{at}：{header}列未注明单位，按万元读取，但有金额达 {}，看起来像是元；请在表头注明“（元）”、在表上方写“单位：元”，或用 --mapping 指定单位", Wan(max)),
            ));
        }
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
            // The value first: most cells are no error (cheaper than the columns).
            let Some(e) = error_value(v) else {
                continue;
            };
            if !read(*c) {
                continue;
            }
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
                    Problem::at(
                        crate::model::Finding::NotANumber,
                        &cell,
                        format!("{cell}：{header}{}无法读取为金额", shown()),
                    )
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
                    if value::is_bracketed(s) {
                        let e = notes.bracketed.entry(col).or_insert((
                            0,
                            cell.clone(),
                            shown(),
                            header,
                        ));
                        e.0 += 1;
                    }
                    (d, u)
                }
                Err(AmountError::NotANumber) => {
                    return Err(Problem::at(
                        crate::model::Finding::NotANumber,
                        &cell,
                        format!("{cell}：{header}{}不是数字", shown()),
                    ));
                }
                Err(AmountError::OutOfRange) => {
                    return Err(Problem::at(
                        crate::model::Finding::AmountOutOfRange,
                        &cell,
                        format!("{cell}：{header}{}超出可处理的范围", shown()),
                    ));
                }
            },
            _ => {
                return Err(Problem::at(
                    crate::model::Finding::NotANumber,
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
            if !amount.is_zero() {
                let e =
                    notes
                        .unstated
                        .entry(col)
                        .or_insert((Vec::new(), false, cell.clone(), header));
                e.0.push(amount.abs());
                e.1 |= amount.normalize().scale() > 2;
            }
        } else if text_unit.is_none() && unit == MoneyUnit::WanYuan {
            let e =
                notes
                    .stated_wan_max
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
            return Err(Problem::at(
                crate::model::Finding::AmountOutOfRange,
                &cell,
                format!("{cell}：{header}{}超出合理范围", shown()),
            ));
        };
        Ok(Some((wan.normalize(), cell)))
    }
    /// The decimal places (in 万元) a money cell holds: what it shows in
    /// its own unit (a 元 integer is 4 places of 万元), at least 2 for a
    /// 万元 figure. A printed total is compared with a computed sum rounded
    /// to these places.
    /// `places_at` for a field's column (2 when the table has none).
    pub(crate) fn places(&self, row: u32, field: Field) -> u32 {
        self.columns
            .get(&field)
            .map_or(2, |c| self.places_at(row, c.col, c.unit))
    }
    pub(crate) fn places_at(&self, row: u32, col: u32, col_unit: Option<MoneyUnit>) -> u32 {
        let (unit, _) = self.unit_of(col_unit);
        let (scale, unit) = match self.sheet.cell(row, col) {
            Data::Float(f) => (
                value::decimal_from_f64(*f).map_or(4, |d| d.normalize().scale()),
                unit,
            ),
            Data::String(s) => match value::parse_amount_text(s) {
                Ok((d, u)) => (d.normalize().scale(), u.unwrap_or(unit)),
                Err(_) => (4, unit),
            },
            _ => (0, unit),
        };
        super::totals::places_in_wan(scale, unit)
    }
    pub(crate) fn date(&self, row: u32, field: Field) -> Result<Option<NaiveDate>, Problem> {
        let Some((v, cell)) = self.cell(row, field) else {
            return Ok(None);
        };
        if is_blank(v) {
            return Ok(None);
        }
        match value::clerk_date(v, self.year.get()) {
            Some((d, value::DateForm::Day)) => Ok(Some(d)),
            Some((d, form)) => {
                let mut forms = self.date_forms.borrow_mut();
                match forms
                    .iter_mut()
                    .find(|(f, c, _)| *f == form && c.col == cell.col)
                {
                    Some(e) => e.2 += 1,
                    None => forms.push((form, cell, 1)),
                }
                Ok(Some(d))
            }
            None => {
                let short = value::short_year_parts(v)
                    .filter(|(y, m, d)| NaiveDate::from_ymd_opt(*y, *m, *d).is_some());
                let why = match (short, self.year.get()) {
                    (Some((y, ..)), Some(l)) => format!(
                        "年份只写了后两位，读作 {y} 年与台账年度 {l} 年相差一年以上，无法确定日期；请写完整的年份"
                    ),
                    (Some(_), None) => "年份只写了后两位，台账（标题、说明表、截止日期）也没有注明年度，无法确定日期；请写完整的年份".to_string(),
                    (None, None) if value::clerk_date(v, Some(2000)).is_some() => {
                        "没有写年份，台账（标题、说明表、截止日期）也没有注明年度，无法确定日期".to_string()
                    }
                    _ => "不是有效日期".to_string(),
                };
                Err(Problem::at(
                    crate::model::Finding::BadDate,
                    &cell,
                    format!(
                        "{cell}：{}{}{why}",
                        self.column_header(field),
                        value::show_cell(v)
                    ),
                ))
            }
        }
    }

    /// Says once per column how dates without a day or a year were read.
    pub(crate) fn flush_date_forms(&self, problems: &mut Vec<Problem>, rules: &mut Vec<String>) {
        for p in &self.unit_notes {
            rules.push(p.message.clone());
            problems.push(p.clone());
        }
        for (form, first, n) in self.date_forms.borrow().iter() {
            let what = match form {
                value::DateForm::Month => {
                    "只写到月（如“2024年3月”“2024.3”“202403”），按当月最后一天计".to_string()
                }
                value::DateForm::NoYear => format!(
                    "没有写年份（如“9月6日”“9.6”“9/6”），按台账年度 {} 年计",
                    self.year.get().unwrap_or_default()
                ),
                value::DateForm::ShortYear => format!(
                    "年份只写了后两位（如“24.3.15”“24/3/15”），台账年度 {} 年，按 20 开头的年份计",
                    self.year.get().unwrap_or_default()
                ),
                value::DateForm::Day => continue,
            };
            let at = if *n == 1 {
                format!("{first}")
            } else {
                format!("{first} 等 {n} 个单元格")
            };
            problems.push(Problem::at(
                crate::model::Finding::DateFormRead,
                first,
                format!("{at}：日期{what}"),
            ));
            rules.push(format!("{at}：日期{what}"));
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
