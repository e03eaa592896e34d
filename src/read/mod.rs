//! Workbook → typed records plus problems. All layout knowledge is in
//! `layout`; cell conversions are in `value`.

pub mod book;
pub mod layout;
pub mod mapping;
pub mod table;
pub mod value;

use crate::model::{CellRef, ExcludedRow, Indicator, Payment, Problem, Project, RecordKind};
use book::{RawBook, RawSheet};
use calamine::Data;
use chrono::NaiveDate;
use layout::{Field, MoneyUnit, SheetRole};
use mapping::Mapping;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use table::{FoundBy, Table, find_sheet, locate_table};
use value::{AmountError, TextUnit};

/// Facts from the 说明 sheet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Info {
    /// 单位名称
    pub unit_name: Option<String>,
    /// 年度
    pub year: Option<i32>,
    /// 截止日期
    pub as_of: Option<NaiveDate>,
    /// 主管部门 (for the forms)
    pub department: Option<String>,
}

/// Everything read from one workbook.
#[derive(Debug, Default)]
pub struct Ledger {
    pub projects: Vec<Project>,
    pub payments: Vec<Payment>,
    pub indicators: Vec<Indicator>,
    pub info: Info,
    pub problems: Vec<Problem>,
    /// Which input sheet was taken for what.
    pub sheet_roles: Vec<(String, SheetRole)>,
    /// Records left out of the sums because of data errors, in sheet order.
    pub excluded: Vec<ExcludedRow>,
}

/// Read the ledger from an opened workbook. `Err` is a fatal, one-line
/// message (no 项目 sheet, a required column missing).
pub fn read_ledger(book: &RawBook) -> Result<Ledger, String> {
    read_ledger_with(book, &Mapping::default())
}

pub fn read_ledger_with(book: &RawBook, mapping: &Mapping) -> Result<Ledger, String> {
    let file = book.path.display().to_string();
    let mut ledger = Ledger::default();
    let mut taken: Vec<&str> = Vec::new();

    let (project_sheet, by) = find_sheet(book, SheetRole::Projects, mapping, &taken).ok_or_else(|| {
        let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        match mapping.sheet_name(SheetRole::Projects) {
            Some(n) => format!("文件 {file} 中没有映射文件指定的项目表“{n}”（现有工作表：{}）", names.join("、")),
            None => format!("文件 {file} 中没有“项目”工作表，也没有哪张表含项目名称和预算金额等列（现有工作表：{}；表名或列名不同时可用 --mapping 指定）", names.join("、")),
        }
    })?;
    taken.push(&project_sheet.name);
    note_role(&mut ledger, project_sheet, SheetRole::Projects, by);
    let project_table = locate_table(project_sheet, SheetRole::Projects, mapping)
        .map_err(|m| format!("文件 {file}：{m}"))?;

    let payment_table = match find_sheet(book, SheetRole::Payments, mapping, &taken) {
        Some((s, by)) => {
            taken.push(&s.name);
            note_role(&mut ledger, s, SheetRole::Payments, by);
            Some(
                locate_table(s, SheetRole::Payments, mapping)
                    .map_err(|m| format!("文件 {file}：{m}"))?,
            )
        }
        None => {
            ledger.problems.push(Problem::warning(
                "拨付",
                "工作簿中没有“拨付”工作表，所有项目的已拨付按0计",
            ));
            None
        }
    };
    let indicator_table = match find_sheet(book, SheetRole::Indicators, mapping, &taken) {
        Some((s, by)) => {
            taken.push(&s.name);
            note_role(&mut ledger, s, SheetRole::Indicators, by);
            match locate_table(s, SheetRole::Indicators, mapping) {
                Ok(t) => Some(t),
                Err(m) => {
                    ledger
                        .problems
                        .push(Problem::warning(&s.name, format!("{m}；绩效指标未读取")));
                    None
                }
            }
        }
        None => None,
    };
    if let Some((s, by)) = find_sheet(book, SheetRole::Info, mapping, &taken) {
        taken.push(&s.name);
        note_role(&mut ledger, s, SheetRole::Info, by);
        ledger.info = read_info(s, &mut ledger.problems);
    }

    let excluded = read_projects(&project_table, &mut ledger);
    if let Some(t) = &payment_table {
        read_payments(t, &excluded, &mut ledger);
    }
    if let Some(t) = &indicator_table {
        read_indicators(t, &mut ledger);
    }
    for s in &book.sheets {
        if !taken.contains(&s.name.as_str()) {
            ledger.problems.push(Problem::warning(
                &s.name,
                format!("工作表“{}”未被使用，已原样复制到报告中", s.name),
            ));
        }
    }
    Ok(ledger)
}

pub fn role_name(role: SheetRole) -> &'static str {
    match role {
        SheetRole::Projects => "项目表",
        SheetRole::Payments => "拨付表",
        SheetRole::Indicators => "绩效指标表",
        SheetRole::Info => "说明表",
    }
}

/// Record which sheet was taken for what; say so when it wasn't by its standard name.
fn note_role(ledger: &mut Ledger, sheet: &RawSheet, role: SheetRole, by: FoundBy) {
    ledger.sheet_roles.push((sheet.name.clone(), role));
    let how = match by {
        FoundBy::Name => return,
        FoundBy::Alias => "按表名",
        FoundBy::Mapping => "按映射文件",
        FoundBy::Content => "按表头内容",
    };
    ledger.problems.push(Problem::warning(
        &sheet.name,
        format!("{how}识别：工作表“{}”用作{}", sheet.name, role_name(role)),
    ));
}

/// Per-column findings gathered while reading rows and reported once per
/// column: numbers kept as text, amounts that look like 元 in a column
/// without a stated unit.
#[derive(Default)]
struct ColumnNotes {
    text_numbers: HashMap<u32, (usize, CellRef, String)>,
    unstated_max: HashMap<u32, (Decimal, CellRef, &'static str)>,
}

/// Above this, an amount in a column with no stated unit looks like 元.
const LOOKS_LIKE_YUAN: Decimal = Decimal::from_parts(100_000, 0, 0, false, 0);

impl ColumnNotes {
    fn flush(self, problems: &mut Vec<Problem>) {
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
            .filter(|(m, ..)| *m > LOOKS_LIKE_YUAN)
            .collect();
        big.sort_by(|a, b| a.1.cmp(&b.1));
        for (max, at, header) in big {
            problems.push(Problem::warning_at(
                &at,
                format!("{at}：{header}列未注明单位，按万元读取，但有金额达 {max}，看起来像是元；请在表头注明“（元）”、在表上方写“单位：元”，或用 --mapping 指定单位"),
            ));
        }
    }
}

impl Table<'_> {
    fn cell(&self, row: u32, field: Field) -> Option<(&Data, CellRef)> {
        let c = self.columns.get(&field)?;
        Some((
            self.sheet.cell(row, c.col),
            CellRef::at(&self.name, row, c.col),
        ))
    }
    fn column_header(&self, field: Field) -> &'static str {
        // The standard header without its unit: "预算金额（万元）" → "预算金额".
        self.columns
            .get(&field)
            .map(|c| c.spec.header.split('（').next().unwrap_or(c.spec.header))
            .unwrap_or("")
    }
    fn is_blank_row(&self, row: u32) -> bool {
        (self.sheet.first_col()..self.sheet.end_col()).all(|c| is_blank(self.sheet.cell(row, c)))
    }
    /// A 合计 / 小计 row: the label in one of the first text cells.
    fn total_row_kind(&self, row: u32) -> Option<TotalKind> {
        (self.sheet.first_col()..self.sheet.end_col())
            .take(4)
            .find_map(|c| match self.sheet.cell(row, c) {
                // Labels are short; don't allocate for every text cell of every row.
                // Every total label (合计/小计/总计) has 计 in it.
                Data::String(s) if s.len() <= 48 && s.contains('计') => {
                    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
                    let t =
                        t.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '、');
                    if t == "小计" || (t.ends_with("小计") && t.chars().count() <= 12) {
                        Some(TotalKind::Subtotal)
                    } else if layout::TOTAL_LABELS.contains(&t) {
                        Some(TotalKind::Total)
                    } else {
                        None
                    }
                }
                _ => None,
            })
    }
    fn text(&self, row: u32, field: Field) -> Option<String> {
        self.cell(row, field)
            .and_then(|(v, _)| value::text_from_cell(v))
    }
    /// Money in 万元; `Ok(None)` when blank.
    fn money(
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
    fn money_at(
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
                TextUnit::None,
            ),
            Data::Int(i) => (Decimal::from(*i), TextUnit::None),
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
        let in_yuan = match text_unit {
            TextUnit::Yuan => true,
            TextUnit::WanYuan => false,
            TextUnit::None => unit == MoneyUnit::Yuan,
        };
        if amount.abs()
            > value::MAX_AMOUNT
                * if in_yuan {
                    Decimal::from(10000)
                } else {
                    Decimal::ONE
                }
        {
            return Err(Problem::error_at(
                &cell,
                format!("{cell}：{header}{}超出合理范围", shown()),
            ));
        }
        if !stated && text_unit == TextUnit::None {
            let e = notes
                .unstated_max
                .entry(col)
                .or_insert((Decimal::ZERO, cell.clone(), header));
            if amount.abs() > e.0 {
                *e = (amount.abs(), cell.clone(), header);
            }
        }
        let wan = if in_yuan {
            amount / Decimal::from(10000)
        } else {
            amount
        };
        Ok(Some((wan.normalize(), cell)))
    }
    fn date(&self, row: u32, field: Field) -> Result<Option<NaiveDate>, Problem> {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TotalKind {
    Subtotal,
    Total,
}

/// Checks printed 合计 / 小计 rows against the records: a 小计 against the
/// rows since the previous 小计, a 合计 against all rows (also when it comes
/// first, above the records).
#[derive(Default)]
struct TotalCheck {
    all: Decimal,
    since_subtotal: Decimal,
    /// 合计 rows met before the records they sum.
    early: Vec<(Decimal, CellRef)>,
    any_record: bool,
}

impl TotalCheck {
    fn add(&mut self, amount: Decimal) {
        self.all += amount;
        self.since_subtotal += amount;
        self.any_record = true;
    }
    fn printed(
        &mut self,
        kind: TotalKind,
        printed: Decimal,
        cell: CellRef,
        header: &str,
        problems: &mut Vec<Problem>,
    ) {
        match kind {
            TotalKind::Subtotal => {
                compare_total(
                    printed,
                    self.since_subtotal,
                    &cell,
                    header,
                    "小计",
                    problems,
                );
                self.since_subtotal = Decimal::ZERO;
            }
            TotalKind::Total if !self.any_record => self.early.push((printed, cell)),
            TotalKind::Total => compare_total(printed, self.all, &cell, header, "合计", problems),
        }
    }
    fn finish(self, header: &str, problems: &mut Vec<Problem>) {
        for (printed, cell) in self.early {
            compare_total(printed, self.all, &cell, header, "合计", problems);
        }
    }
}

fn compare_total(
    printed: Decimal,
    sum: Decimal,
    cell: &CellRef,
    header: &str,
    label: &str,
    problems: &mut Vec<Problem>,
) {
    if printed != sum {
        problems.push(Problem::warning_at(
            cell,
            format!("{cell}：{label}行的{header}为 {printed} 万元，而对应各行之和为 {sum} 万元，相差 {} 万元（{label}行不计入）", printed - sum),
        ));
    }
}

/// A required value: blank or unreadable is an error naming the cell, and
/// the row is left out (`left_out` says how).
fn required<T>(
    read: Result<Option<T>, Problem>,
    table: &Table,
    row: u32,
    field: Field,
    left_out: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    match read {
        Ok(Some(v)) => Some(v),
        Ok(None) => {
            if let Some((_, cell)) = table.cell(row, field) {
                problems.push(Problem::error_at(
                    &cell,
                    format!("{cell}：{}为空，{left_out}", table.column_header(field)),
                ));
            }
            None
        }
        Err(mut p) => {
            p.message.push_str(&format!("，{left_out}"));
            problems.push(p);
            None
        }
    }
}

/// A left-out record, with the errors found on its row since `mark` as the reason.
fn excluded_row(
    problems: &[Problem],
    mark: usize,
    kind: RecordKind,
    row: CellRef,
    id: Option<String>,
    name: Option<String>,
    amount: Option<Decimal>,
) -> ExcludedRow {
    let reason = problems[mark..]
        .iter()
        .filter(|p| p.severity == crate::model::Severity::Error)
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("；");
    ExcludedRow {
        kind,
        row,
        id,
        name,
        amount,
        reason,
    }
}

/// What clerks type in an amount cell to mean "none".
fn is_placeholder(s: &str) -> bool {
    matches!(s.trim(), "" | "—" | "——" | "-" | "/" | "／" | "无")
}

fn is_blank(v: &Data) -> bool {
    match v {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn required_text(
    table: &Table,
    row: u32,
    field: Field,
    what: &str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match table.text(row, field) {
        Some(t) => Some(t),
        None => {
            let (_, cell) = table.cell(row, field)?;
            problems.push(Problem::error_at(
                &cell,
                format!("{cell}：{}为空，{what}", table.column_header(field)),
            ));
            None
        }
    }
}

/// The project key of a row: 项目编号, or the name where the sheet has no 编号 column.
fn key_field(table: &Table) -> Field {
    if table.has(Field::ProjectId) {
        Field::ProjectId
    } else {
        Field::ProjectName
    }
}

/// Budget split by fund (资金规模 → 衔接资金 | 整合资金) of one row.
fn read_splits(
    table: &Table,
    row: u32,
    notes: &mut ColumnNotes,
    problems: &mut Vec<Problem>,
) -> Result<Vec<(String, Decimal, CellRef)>, ()> {
    let mut out: Vec<(String, Decimal, CellRef)> = Vec::new();
    let mut bad = false;
    for sp in &table.fund_splits {
        match table.money_at(row, sp.col, sp.unit, "资金规模", notes) {
            Ok(Some((d, cell))) => match out.iter_mut().find(|(f, ..)| *f == sp.fund) {
                Some(e) => e.1 += d,
                None => out.push((sp.fund.clone(), d, cell)),
            },
            Ok(None) => {}
            Err(p) => {
                problems.push(p);
                bad = true;
            }
        }
    }
    if bad { Err(()) } else { Ok(out) }
}

/// Returns the keys of projects whose rows were left out (bad rows).
fn read_projects(table: &Table, ledger: &mut Ledger) -> HashMap<String, CellRef> {
    let mut excluded: HashMap<String, CellRef> = HashMap::new();
    let mut seen: HashMap<String, CellRef> = HashMap::new();
    let mut notes = ColumnNotes::default();
    let (mut budget_check, mut settled_check) = (TotalCheck::default(), TotalCheck::default());
    let key = key_field(table);
    if key == Field::ProjectName {
        ledger.problems.push(Problem::warning(
            &table.sheet.name,
            format!(
                "工作表“{}”没有“项目编号”列，以项目名称作为项目编号",
                table.sheet.name
            ),
        ));
    }
    let mut excluded_rows = Vec::new();
    let problems = &mut ledger.problems;
    let left_out = "该项目未计入合计";
    for row in table.data_rows() {
        if table.is_blank_row(row) {
            continue;
        }
        if let Some(kind) = table.total_row_kind(row) {
            let mut scratch = ColumnNotes::default();
            if let Ok(Some((v, cell))) = table.money(row, Field::Budget, &mut scratch) {
                budget_check.printed(kind, v, cell, "预算金额", problems);
            }
            if let Ok(Some((v, cell))) = table.money(row, Field::Settled, &mut scratch) {
                settled_check.printed(kind, v, cell, "结算金额", problems);
            }
            continue;
        }
        let mark = problems.len();
        let id = required_text(table, row, key, left_out, problems);
        let name = required_text(table, row, Field::ProjectName, left_out, problems);
        let category = required_text(table, row, Field::Category, left_out, problems)
            .map(|s| layout::normalize_value(&s));
        let splits = read_splits(table, row, &mut notes, problems);
        let fund_given = if table.has(Field::FundSource) {
            required_text(table, row, Field::FundSource, left_out, problems)
                .map(|s| layout::normalize_value(&s))
                .ok_or(())
        } else {
            Err(())
        };
        // Without a 资金性质 column the fund is the one with the largest share.
        let main_fund = splits.as_ref().ok().and_then(|v| {
            v.iter()
                .max_by(|a, b| a.1.cmp(&b.1))
                .filter(|(_, d, _)| !d.is_zero())
                .map(|(f, ..)| f.clone())
        });
        let fund_source = match (fund_given, &main_fund) {
            (Ok(f), _) => Some(f),
            (Err(()), Some(f)) if !table.has(Field::FundSource) => Some(f.clone()),
            (Err(()), _) if !table.has(Field::FundSource) => {
                let cell = CellRef::at(
                    &table.name,
                    row,
                    table.fund_splits.first().map(|s| s.col).unwrap_or(0),
                );
                problems.push(Problem::error_at(
                    &cell,
                    format!("{cell}：各资金来源的金额都为空，无法确定资金性质，{left_out}"),
                ));
                None
            }
            _ => None,
        };
        let budget = if table.has(Field::Budget) {
            required(
                table.money(row, Field::Budget, &mut notes),
                table,
                row,
                Field::Budget,
                left_out,
                problems,
            )
            .and_then(|(b, cell)| {
                if b < Decimal::ZERO {
                    problems.push(Problem::error_at(
                        &cell,
                        format!("{cell}：预算金额 {b} 为负数，{left_out}"),
                    ));
                    None
                } else {
                    Some((b, cell))
                }
            })
        } else {
            // 资金规模 given only per fund: the budget is their sum.
            match &splits {
                Ok(v) if !v.is_empty() => {
                    Some((v.iter().map(|(_, d, _)| *d).sum(), v[0].2.clone()))
                }
                _ => None,
            }
        };
        if let (Some((b, cell)), Ok(v)) = (&budget, &splits) {
            let sum: Decimal = v.iter().map(|(_, d, _)| *d).sum();
            if table.has(Field::Budget) && !v.is_empty() && sum != *b {
                problems.push(Problem::warning_at(
                    cell,
                    format!("{cell}：预算金额 {b} 万元与各资金来源之和 {sum} 万元不符"),
                ));
            }
            let nonzero: Vec<String> = v
                .iter()
                .filter(|(_, d, _)| !d.is_zero())
                .map(|(f, d, _)| format!("{f} {d} 万元"))
                .collect();
            if nonzero.len() > 1 {
                problems.push(Problem::warning_at(
                    cell,
                    format!(
                        "{cell}：项目资金来自多种资金（{}），按主要资金性质“{}”汇总预算",
                        nonzero.join("，"),
                        fund_source.clone().unwrap_or_default()
                    ),
                ));
            }
        }
        let settled = match table.money(row, Field::Settled, &mut notes) {
            Ok(Some((s, cell))) if s < Decimal::ZERO => {
                problems.push(Problem::error_at(
                    &cell,
                    format!("{cell}：结算金额 {s} 为负数，按未结算处理，待拨付和结余未计算"),
                ));
                None
            }
            Ok(s) => s,
            Err(mut p) => {
                p.message.push_str("，按未结算处理，待拨付和结余未计算");
                problems.push(p);
                None
            }
        };
        let mut optional_date = |field| match table.date(row, field) {
            Ok(d) => d,
            Err(mut p) => {
                p.severity = crate::model::Severity::Warning;
                p.message.push_str("，已忽略");
                problems.push(p);
                None
            }
        };
        let start_date = optional_date(Field::StartDate);
        let end_date = optional_date(Field::EndDate);
        let status = table
            .text(row, Field::Status)
            .map(|s| layout::normalize_value(&s));
        let row_ref = CellRef::at(&table.name, row, table.sheet.first_col());

        if let (Some(c), Some((_, cell))) = (&category, table.cell(row, Field::Category))
            && !layout::CATEGORIES.contains(&c.as_str())
        {
            problems.push(Problem::warning_at(
                &cell,
                format!(
                    "{cell}：项目类别“{c}”不是 产业项目/基础设施建设项目/其他项目，按原样单列一类"
                ),
            ));
        }
        if let (Some(f), Some((_, cell))) = (&fund_source, table.cell(row, Field::FundSource))
            && !layout::FUND_SOURCES.contains(&f.as_str())
        {
            problems.push(Problem::warning_at(
                &cell,
                format!("{cell}：资金性质“{f}”不是 衔接资金/整合资金，按原样单列"),
            ));
        }
        if let (Some(st), Some((_, cell))) = (&status, table.cell(row, Field::Status))
            && !layout::STATUSES.contains(&st.as_str())
        {
            problems.push(Problem::warning_at(
                &cell,
                format!("{cell}：建设状态“{st}”不是 未开工/在建/已完工/已结算，按原样保留"),
            ));
        }
        let read_amount = budget.as_ref().map(|(b, _)| *b).or_else(|| {
            splits
                .as_ref()
                .ok()
                .map(|v| v.iter().map(|(_, d, _)| *d).sum())
        });
        let read_name = name.clone().or_else(|| table.text(row, Field::ProjectName));
        let mut exclude = |problems: &Vec<Problem>, id: Option<String>| {
            excluded_rows.push(excluded_row(
                problems,
                mark,
                RecordKind::Project,
                row_ref.clone(),
                id,
                read_name.clone(),
                read_amount,
            ))
        };
        let Some(id) = id else {
            exclude(problems, table.text(row, key));
            continue;
        };
        if let Some(first) = seen.get(&id) {
            let (_, cell) = table.cell(row, key).expect("located");
            problems.push(Problem::error_at(
                &cell,
                format!(
                    "{cell}：{}“{id}”与 {first} 重复，该行未计入合计（拨付计入第一次出现的项目）",
                    table.column_header(key)
                ),
            ));
            exclude(problems, Some(id));
            continue;
        }
        seen.insert(id.clone(), row_ref.clone());
        let (Some(name), Some(category), Some(fund_source), Some((budget, budget_cell))) =
            (name, category, fund_source, budget)
        else {
            exclude(problems, Some(id.clone()));
            excluded.insert(id, row_ref);
            continue;
        };
        budget_check.add(budget);
        if let Some((s, _)) = &settled {
            settled_check.add(*s);
        }
        ledger.projects.push(Project {
            id,
            name,
            category,
            fund_source,
            budget,
            settled: settled.as_ref().map(|(s, _)| *s),
            settled_cell: settled
                .map(|(_, c)| c)
                .or_else(|| table.cell(row, Field::Settled).map(|(_, c)| c)),
            status,
            location: table.text(row, Field::Location),
            implementer: table.text(row, Field::Implementer),
            start_date,
            end_date,
            deviation_reason: table.text(row, Field::DeviationReason),
            annual_target: table.text(row, Field::AnnualTarget),
            actual_result: table.text(row, Field::ActualResult),
            row: row_ref,
            budget_cell,
        });
    }
    ledger.excluded.append(&mut excluded_rows);
    budget_check.finish("预算金额", &mut ledger.problems);
    settled_check.finish("结算金额", &mut ledger.problems);
    notes.flush(&mut ledger.problems);
    excluded
}

fn read_payments(table: &Table, excluded: &HashMap<String, CellRef>, ledger: &mut Ledger) {
    let key = key_field(table);
    // Payments name their project by 编号, or by name where the sheet has no 编号.
    let mut by_key: HashMap<String, (String, String)> = HashMap::new();
    let mut ambiguous: HashSet<String> = HashSet::new();
    for p in &ledger.projects {
        let k = if key == Field::ProjectId {
            p.id.clone()
        } else {
            p.name.clone()
        };
        if by_key
            .insert(k.clone(), (p.id.clone(), p.fund_source.clone()))
            .is_some()
        {
            ambiguous.insert(k);
        }
    }
    let mut notes = ColumnNotes::default();
    let mut check = TotalCheck::default();
    let mut excluded_rows = Vec::new();
    let problems = &mut ledger.problems;
    let left_out = "该笔拨付未计入合计";
    for row in table.data_rows() {
        if table.is_blank_row(row) {
            continue;
        }
        if let Some(kind) = table.total_row_kind(row) {
            if let Ok(Some((v, cell))) =
                table.money(row, Field::PaymentAmount, &mut ColumnNotes::default())
            {
                check.printed(kind, v, cell, "拨付金额", problems);
            }
            continue;
        }
        let mark = problems.len();
        let id = required_text(table, row, key, left_out, problems);
        let date = required(
            table.date(row, Field::PaymentDate),
            table,
            row,
            Field::PaymentDate,
            left_out,
            problems,
        );
        let amount = required(
            table.money(row, Field::PaymentAmount, &mut notes),
            table,
            row,
            Field::PaymentAmount,
            left_out,
            problems,
        )
        .map(|(a, _)| a);
        let row_ref = CellRef::at(&table.name, row, table.sheet.first_col());
        let read_amount = amount.or_else(|| {
            table
                .money(row, Field::PaymentAmount, &mut ColumnNotes::default())
                .ok()
                .flatten()
                .map(|(a, _)| a)
        });
        let exclude =
            |excluded: &mut Vec<ExcludedRow>, problems: &Vec<Problem>, id: Option<String>| {
                excluded.push(excluded_row(
                    problems,
                    mark,
                    RecordKind::Payment,
                    row_ref.clone(),
                    id,
                    table.text(row, Field::ProjectName),
                    read_amount,
                ))
            };
        let Some(id) = id else {
            exclude(&mut excluded_rows, problems, None);
            continue;
        };
        let (_, id_cell) = table.cell(row, key).expect("located");
        if ambiguous.contains(&id) {
            problems.push(Problem::error_at(
                &id_cell,
                format!("{id_cell}：项目名称“{id}”对应多个项目，无法确定拨付给哪个，{left_out}"),
            ));
            exclude(&mut excluded_rows, problems, Some(id));
            continue;
        }
        let Some((project_id, project_fund)) = by_key.get(&id) else {
            let why = match excluded.get(&id) {
                Some(at) => format!("所属项目“{id}”的数据有误（见 {at}）"),
                None => format!("{}“{id}”在项目表中不存在", table.column_header(key)),
            };
            problems.push(Problem::error_at(
                &id_cell,
                format!("{id_cell}：{why}，{left_out}"),
            ));
            exclude(&mut excluded_rows, problems, Some(id));
            continue;
        };
        let (Some(date), Some(amount)) = (date, amount) else {
            exclude(&mut excluded_rows, problems, Some(project_id.clone()));
            continue;
        };
        let given = table
            .text(row, Field::FundSource)
            .map(|s| layout::normalize_value(&s));
        check.add(amount);
        ledger.payments.push(Payment {
            project_id: project_id.clone(),
            date,
            amount,
            fund_source_given: given.is_some(),
            fund_source: given.unwrap_or_else(|| project_fund.clone()),
            voucher: table.text(row, Field::Voucher),
            memo: table.text(row, Field::Memo),
            row: CellRef::at(&table.name, row, table.sheet.first_col()),
        });
    }
    ledger.excluded.append(&mut excluded_rows);
    check.finish("拨付金额", &mut ledger.problems);
    notes.flush(&mut ledger.problems);
}

fn read_indicators(table: &Table, ledger: &mut Ledger) {
    let known: HashSet<&str> = ledger.projects.iter().map(|p| p.id.as_str()).collect();
    for row in table.data_rows() {
        if table.is_blank_row(row) {
            continue;
        }
        let (_, id_cell) = table.cell(row, Field::ProjectId).expect("located");
        let Some(id) = table.text(row, Field::ProjectId) else {
            ledger.problems.push(Problem::warning_at(
                &id_cell,
                format!("{id_cell}：项目编号为空，该指标未使用"),
            ));
            continue;
        };
        if !known.contains(id.as_str()) {
            ledger.problems.push(Problem::warning_at(
                &id_cell,
                format!("{id_cell}：项目编号“{id}”在项目表中不存在（或该项目有误），该指标未使用"),
            ));
            continue;
        }
        let mut number = |field: Field, what: &str| match table.cell(row, field) {
            Some((v, cell)) if !is_blank(v) => match v {
                Data::Float(f) => value::decimal_from_f64(*f),
                Data::Int(i) => Some(Decimal::from(*i)),
                Data::String(s) => value::parse_amount_text(s).ok().map(|(d, _)| d),
                _ => None,
            }
            .or_else(|| {
                ledger.problems.push(Problem::warning_at(
                    &cell,
                    format!("{cell}：{what}{}不是数字，按未填处理", value::show_cell(v)),
                ));
                None
            }),
            _ => None,
        };
        let weight = number(Field::Weight, "分值");
        let hand_score = number(Field::HandScore, "得分");
        ledger.indicators.push(Indicator {
            project_id: id,
            level1: table.text(row, Field::Level1),
            level2: table.text(row, Field::Level2),
            name: table.text(row, Field::Level3),
            target: table.text(row, Field::TargetValue),
            actual: table.text(row, Field::ActualValue),
            weight,
            hand_score,
            deviation_reason: table.text(row, Field::DeviationReason),
            row: id_cell.clone(),
        });
    }
}

fn read_info(sheet: &RawSheet, problems: &mut Vec<Problem>) -> Info {
    let mut info = Info::default();
    for row in sheet.first_row()..sheet.end_row() {
        let Data::String(key) = sheet.cell(row, 0) else {
            continue;
        };
        let key = layout::normalize_header(key).0;
        let key = key.trim_end_matches([':', '：']);
        let v = sheet.cell(row, 1);
        let cell = CellRef::new(&sheet.name, row, 1);
        if is_blank(v) {
            continue;
        }
        match key {
            layout::INFO_UNIT => info.unit_name = value::text_from_cell(v),
            layout::INFO_DEPARTMENT => info.department = value::text_from_cell(v),
            layout::INFO_YEAR => {
                let year = value::text_from_cell(v)
                    .and_then(|t| t.trim_end_matches('年').trim().parse::<i32>().ok())
                    .filter(|y| (2000..=2099).contains(y));
                if year.is_none() {
                    problems.push(Problem::warning_at(
                        &cell,
                        format!("{cell}：年度{}无法识别，已忽略", value::show_cell(v)),
                    ));
                }
                info.year = year;
            }
            layout::INFO_AS_OF => {
                let d = value::date_from_cell(v);
                if d.is_none() {
                    problems.push(Problem::warning_at(
                        &cell,
                        format!(
                            "{cell}：截止日期{}不是有效日期，已忽略",
                            value::show_cell(v)
                        ),
                    ));
                }
                info.as_of = d;
            }
            _ => {}
        }
    }
    info
}
