//! Workbook → typed records plus problems. All layout knowledge is in
//! `layout`; cell conversions are in `value`.

pub mod book;
pub mod layout;
pub mod value;

use crate::model::{CellRef, Indicator, Payment, Problem, Project};
use book::{RawBook, RawSheet};
use calamine::Data;
use chrono::NaiveDate;
use layout::{ColumnSpec, Field, MoneyUnit, SheetRole, SheetSpec};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
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
}

/// Read the ledger from an opened workbook. `Err` is a fatal, one-line
/// message (no 项目 sheet, a required column missing).
pub fn read_ledger(book: &RawBook) -> Result<Ledger, String> {
    let file = book.path.display().to_string();
    let mut ledger = Ledger::default();
    let mut used: HashSet<&str> = HashSet::new();

    let find = |role: SheetRole| -> Option<&RawSheet> { find_sheet(book, layout::sheet_spec(role)) };

    let project_sheet = find(SheetRole::Projects).ok_or_else(|| {
        let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        format!("文件 {file} 中没有“项目”工作表（现有工作表：{}）", names.join("、"))
    })?;
    used.insert(&project_sheet.name);
    ledger.sheet_roles.push((project_sheet.name.clone(), SheetRole::Projects));
    let project_table = locate_table(project_sheet, layout::sheet_spec(SheetRole::Projects)).map_err(|m| format!("文件 {file}：{m}"))?;

    let payment_sheet = find(SheetRole::Payments);
    let payment_table = match payment_sheet {
        Some(s) => {
            used.insert(&s.name);
            ledger.sheet_roles.push((s.name.clone(), SheetRole::Payments));
            Some(locate_table(s, layout::sheet_spec(SheetRole::Payments)).map_err(|m| format!("文件 {file}：{m}"))?)
        }
        None => {
            ledger.problems.push(Problem::warning("拨付", "工作簿中没有“拨付”工作表，所有项目的已拨付按0计"));
            None
        }
    };
    let indicator_table = match find(SheetRole::Indicators) {
        Some(s) => {
            used.insert(&s.name);
            ledger.sheet_roles.push((s.name.clone(), SheetRole::Indicators));
            match locate_table(s, layout::sheet_spec(SheetRole::Indicators)) {
                Ok(t) => Some(t),
                Err(m) => {
                    ledger.problems.push(Problem::warning(&s.name, format!("{m}；绩效指标未读取")));
                    None
                }
            }
        }
        None => None,
    };
    if let Some(s) = find(SheetRole::Info) {
        used.insert(&s.name);
        ledger.sheet_roles.push((s.name.clone(), SheetRole::Info));
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
        if !used.contains(s.name.as_str()) {
            ledger.problems.push(Problem::warning(&s.name, format!("工作表“{}”未被使用，已原样复制到报告中", s.name)));
        }
    }
    Ok(ledger)
}

fn find_sheet<'a>(book: &'a RawBook, spec: &SheetSpec) -> Option<&'a RawSheet> {
    let key = |s: &str| layout::normalize_header(s).0;
    book.sheets
        .iter()
        .find(|s| key(&s.name) == spec.name)
        .or_else(|| book.sheets.iter().find(|s| spec.aliases.iter().any(|a| key(&s.name) == *a)))
}

/// How far down a header row may sit.
const HEADER_SEARCH_ROWS: u32 = 15;

struct Column {
    col: u32,
    unit: Option<MoneyUnit>,
    spec: &'static ColumnSpec,
}

/// A located table: the header row and which column holds which field.
struct Table<'a> {
    sheet: &'a RawSheet,
    header_row: u32,
    columns: HashMap<Field, Column>,
}

fn locate_table<'a>(sheet: &'a RawSheet, spec: &'static SheetSpec) -> Result<Table<'a>, String> {
    let required: Vec<&ColumnSpec> = spec.columns.iter().filter(|c| c.required).collect();
    let first = sheet.first_row();
    let mut best: Option<(usize, u32, HashMap<Field, Column>)> = None;
    for row in first..(first + HEADER_SEARCH_ROWS).min(sheet.end_row()) {
        let mut columns: HashMap<Field, Column> = HashMap::new();
        for col in sheet.first_col()..sheet.end_col() {
            let Data::String(text) = sheet.cell(row, col) else { continue };
            let (key, unit) = layout::normalize_header(text);
            if key.is_empty() {
                continue;
            }
            if let Some(c) = spec.columns.iter().find(|c| layout::header_matches(c, &key)) {
                columns.entry(c.field).or_insert(Column { col, unit, spec: c });
            }
        }
        let found = required.iter().filter(|c| columns.contains_key(&c.field)).count();
        if found == required.len() {
            return Ok(Table { sheet, header_row: row, columns });
        }
        if found > 0 && best.as_ref().is_none_or(|(n, ..)| found > *n) {
            best = Some((found, row, columns));
        }
    }
    let (missing, where_) = match &best {
        Some((_, row, cols)) => (
            required.iter().filter(|c| !cols.contains_key(&c.field)).map(|c| format!("“{}”", c.header)).collect::<Vec<_>>(),
            format!("第{}行表头中", row + 1),
        ),
        None => (required.iter().map(|c| format!("“{}”", c.header)).collect(), format!("前{HEADER_SEARCH_ROWS}行中")),
    };
    Err(format!("工作表“{}”缺少必填列 {}（在{}未找到）", sheet.name, missing.join("、"), where_))
}

impl Table<'_> {
    fn data_rows(&self) -> std::ops::Range<u32> {
        self.header_row + 1..self.sheet.end_row()
    }
    fn cell(&self, row: u32, field: Field) -> Option<(&Data, CellRef)> {
        let c = self.columns.get(&field)?;
        Some((self.sheet.cell(row, c.col), CellRef::new(&self.sheet.name, row, c.col)))
    }
    fn column_header(&self, field: Field) -> &'static str {
        self.columns.get(&field).map(|c| c.spec.header).unwrap_or("")
    }
    fn is_blank_row(&self, row: u32) -> bool {
        (self.sheet.first_col()..self.sheet.end_col()).all(|c| is_blank(self.sheet.cell(row, c)))
    }
    /// A 合计 / 小计 row: its label in any text cell before the first amount.
    fn is_total_row(&self, row: u32) -> bool {
        (self.sheet.first_col()..self.sheet.end_col()).take(4).any(|c| match self.sheet.cell(row, c) {
            Data::String(s) => {
                let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
                layout::TOTAL_LABELS.contains(&t.as_str())
            }
            _ => false,
        })
    }
    fn text(&self, row: u32, field: Field) -> Option<String> {
        self.cell(row, field).and_then(|(v, _)| value::text_from_cell(v))
    }
    /// Money in 万元; `Ok(None)` when blank.
    fn money(&self, row: u32, field: Field, problems: &mut Vec<Problem>) -> Result<Option<(Decimal, CellRef)>, Problem> {
        let Some((v, cell)) = self.cell(row, field) else { return Ok(None) };
        let unit = self.columns.get(&field).and_then(|c| c.unit).unwrap_or(MoneyUnit::WanYuan);
        let header = self.column_header(field);
        let shown = value::show_cell(v);
        let (amount, text_unit) = match v {
            Data::Empty => return Ok(None),
            Data::String(s) if is_placeholder(s) => return Ok(None),
            Data::Float(f) => (value::decimal_from_f64(*f).ok_or_else(|| Problem::error_at(&cell, format!("{cell}：{header}{shown}无法读取为金额")))?, TextUnit::None),
            Data::Int(i) => (Decimal::from(*i), TextUnit::None),
            Data::String(s) => match value::parse_amount_text(s) {
                Ok((d, u)) => {
                    problems.push(Problem::warning_at(&cell, format!("{cell}：{header}{shown}是以文本保存的数字，已按数字 {d} 读取")));
                    (d, u)
                }
                Err(AmountError::NotANumber) => return Err(Problem::error_at(&cell, format!("{cell}：{header}{shown}不是数字"))),
                Err(AmountError::OutOfRange) => return Err(Problem::error_at(&cell, format!("{cell}：{header}{shown}超出可处理的范围"))),
            },
            _ => return Err(Problem::error_at(&cell, format!("{cell}：{header}{shown}不是数字"))),
        };
        let in_yuan = match text_unit {
            TextUnit::Yuan => true,
            TextUnit::WanYuan => false,
            TextUnit::None => unit == MoneyUnit::Yuan,
        };
        if amount.abs() > value::MAX_AMOUNT * if in_yuan { Decimal::from(10000) } else { Decimal::ONE } {
            return Err(Problem::error_at(&cell, format!("{cell}：{header}{shown}超出合理范围")));
        }
        let wan = if in_yuan { amount / Decimal::from(10000) } else { amount };
        Ok(Some((wan.normalize(), cell)))
    }
    fn date(&self, row: u32, field: Field) -> Result<Option<NaiveDate>, Problem> {
        let Some((v, cell)) = self.cell(row, field) else { return Ok(None) };
        if is_blank(v) {
            return Ok(None);
        }
        match value::date_from_cell(v) {
            Some(d) => Ok(Some(d)),
            None => Err(Problem::error_at(&cell, format!("{cell}：{}{}不是有效日期", self.column_header(field), value::show_cell(v)))),
        }
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

/// Sum check of a 合计 row against the records above it.
fn check_total(table: &Table, row: u32, field: Field, sum_above: Decimal, problems: &mut Vec<Problem>) {
    let mut scratch = Vec::new();
    if let Ok(Some((printed, cell))) = table.money(row, field, &mut scratch) {
        if printed != sum_above {
            problems.push(Problem::warning_at(
                &cell,
                format!("{cell}：合计行的{}为 {printed}，而其上各行之和为 {sum_above}，相差 {}；合计行未计入", table.column_header(field), printed - sum_above),
            ));
        }
    }
}

fn required_text(table: &Table, row: u32, field: Field, what: &str, problems: &mut Vec<Problem>) -> Option<String> {
    match table.text(row, field) {
        Some(t) => Some(t),
        None => {
            let (_, cell) = table.cell(row, field)?;
            problems.push(Problem::error_at(&cell, format!("{cell}：{}为空，{what}", table.column_header(field))));
            None
        }
    }
}

/// Returns the ids of projects whose rows were left out (bad rows).
fn read_projects(table: &Table, ledger: &mut Ledger) -> HashMap<String, CellRef> {
    let mut excluded: HashMap<String, CellRef> = HashMap::new();
    let mut seen: HashMap<String, CellRef> = HashMap::new();
    let (mut budget_above, mut settled_above) = (Decimal::ZERO, Decimal::ZERO);
    let problems = &mut ledger.problems;
    for row in table.data_rows() {
        if table.is_blank_row(row) {
            continue;
        }
        if table.is_total_row(row) {
            check_total(table, row, Field::Budget, budget_above, problems);
            if table.columns.contains_key(&Field::Settled) {
                check_total(table, row, Field::Settled, settled_above, problems);
            }
            continue;
        }
        let left_out = "该项目未计入合计";
        let id = required_text(table, row, Field::ProjectId, left_out, problems);
        let name = required_text(table, row, Field::ProjectName, left_out, problems);
        let category = required_text(table, row, Field::Category, left_out, problems).map(|s| layout::normalize_value(&s));
        let fund_source = required_text(table, row, Field::FundSource, left_out, problems).map(|s| layout::normalize_value(&s));
        let budget = match table.money(row, Field::Budget, problems) {
            Ok(Some((b, cell))) if b < Decimal::ZERO => {
                problems.push(Problem::error_at(&cell, format!("{cell}：预算金额 {b} 为负数，{left_out}")));
                None
            }
            Ok(Some(b)) => Some(b),
            Ok(None) => {
                let (_, cell) = table.cell(row, Field::Budget).expect("required column located");
                problems.push(Problem::error_at(&cell, format!("{cell}：预算金额为空，{left_out}")));
                None
            }
            Err(mut p) => {
                p.message.push_str(&format!("，{left_out}"));
                problems.push(p);
                None
            }
        };
        let settled = match table.money(row, Field::Settled, problems) {
            Ok(Some((s, cell))) if s < Decimal::ZERO => {
                problems.push(Problem::error_at(&cell, format!("{cell}：结算金额 {s} 为负数，按未结算处理，待拨付和结余未计算")));
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
        let status = table.text(row, Field::Status).map(|s| layout::normalize_value(&s));
        let row_ref = CellRef::new(&table.sheet.name, row, table.sheet.first_col());

        if let Some(c) = &category {
            if !layout::CATEGORIES.contains(&c.as_str()) {
                let (_, cell) = table.cell(row, Field::Category).expect("located");
                problems.push(Problem::warning_at(&cell, format!("{cell}：项目类别“{c}”不是 产业项目/基础设施建设项目/其他项目，按原样单列一类")));
            }
        }
        if let Some(f) = &fund_source {
            if !layout::FUND_SOURCES.contains(&f.as_str()) {
                let (_, cell) = table.cell(row, Field::FundSource).expect("located");
                problems.push(Problem::warning_at(&cell, format!("{cell}：资金性质“{f}”不是 衔接资金/整合资金，按原样单列")));
            }
        }
        if let Some(s) = &status {
            if !layout::STATUSES.contains(&s.as_str()) {
                let (_, cell) = table.cell(row, Field::Status).expect("located");
                problems.push(Problem::warning_at(&cell, format!("{cell}：建设状态“{s}”不是 未开工/在建/已完工/已结算，按原样保留")));
            }
        }
        let Some(id) = id else { continue };
        if let Some(first) = seen.get(&id) {
            let (_, cell) = table.cell(row, Field::ProjectId).expect("located");
            problems.push(Problem::error_at(&cell, format!("{cell}：项目编号“{id}”与 {first} 重复，该行未计入合计（拨付计入第一次出现的项目）")));
            continue;
        }
        seen.insert(id.clone(), row_ref.clone());
        let (Some(name), Some(category), Some(fund_source), Some((budget, budget_cell))) = (name, category, fund_source, budget) else {
            excluded.insert(id, row_ref);
            continue;
        };
        budget_above += budget;
        if let Some((s, _)) = &settled {
            settled_above += *s;
        }
        ledger.projects.push(Project {
            id,
            name,
            category,
            fund_source,
            budget,
            settled: settled.as_ref().map(|(s, _)| *s),
            settled_cell: settled.map(|(_, c)| c).or_else(|| table.cell(row, Field::Settled).map(|(_, c)| c)),
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
    excluded
}

fn read_payments(table: &Table, excluded: &HashMap<String, CellRef>, ledger: &mut Ledger) {
    let fund_of: HashMap<String, String> = ledger.projects.iter().map(|p| (p.id.clone(), p.fund_source.clone())).collect();
    let mut amount_above = Decimal::ZERO;
    let problems = &mut ledger.problems;
    let left_out = "该笔拨付未计入合计";
    for row in table.data_rows() {
        if table.is_blank_row(row) {
            continue;
        }
        if table.is_total_row(row) {
            check_total(table, row, Field::PaymentAmount, amount_above, problems);
            continue;
        }
        let id = required_text(table, row, Field::ProjectId, left_out, problems);
        let date = match table.date(row, Field::PaymentDate) {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                let (_, cell) = table.cell(row, Field::PaymentDate).expect("located");
                problems.push(Problem::error_at(&cell, format!("{cell}：拨付日期为空，{left_out}")));
                None
            }
            Err(mut p) => {
                p.message.push_str(&format!("，{left_out}"));
                problems.push(p);
                None
            }
        };
        let amount = match table.money(row, Field::PaymentAmount, problems) {
            Ok(Some((a, _))) => Some(a),
            Ok(None) => {
                let (_, cell) = table.cell(row, Field::PaymentAmount).expect("located");
                problems.push(Problem::error_at(&cell, format!("{cell}：拨付金额为空，{left_out}")));
                None
            }
            Err(mut p) => {
                p.message.push_str(&format!("，{left_out}"));
                problems.push(p);
                None
            }
        };
        let Some(id) = id else { continue };
        let Some(project_fund) = fund_of.get(&id) else {
            let (_, cell) = table.cell(row, Field::ProjectId).expect("located");
            let why = match excluded.get(&id) {
                Some(at) => format!("所属项目“{id}”的数据有误（见 {at}）"),
                None => format!("项目编号“{id}”在项目表中不存在"),
            };
            problems.push(Problem::error_at(&cell, format!("{cell}：{why}，{left_out}")));
            continue;
        };
        let (Some(date), Some(amount)) = (date, amount) else { continue };
        let given = table.text(row, Field::FundSource).map(|s| layout::normalize_value(&s));
        amount_above += amount;
        ledger.payments.push(Payment {
            project_id: id,
            date,
            amount,
            fund_source_given: given.is_some(),
            fund_source: given.unwrap_or_else(|| project_fund.clone()),
            voucher: table.text(row, Field::Voucher),
            memo: table.text(row, Field::Memo),
            row: CellRef::new(&table.sheet.name, row, table.sheet.first_col()),
        });
    }
}

fn read_indicators(table: &Table, ledger: &mut Ledger) {
    let known: HashSet<&str> = ledger.projects.iter().map(|p| p.id.as_str()).collect();
    for row in table.data_rows() {
        if table.is_blank_row(row) {
            continue;
        }
        let (_, id_cell) = table.cell(row, Field::ProjectId).expect("located");
        let Some(id) = table.text(row, Field::ProjectId) else {
            ledger.problems.push(Problem::warning_at(&id_cell, format!("{id_cell}：项目编号为空，该指标未使用")));
            continue;
        };
        if !known.contains(id.as_str()) {
            ledger.problems.push(Problem::warning_at(&id_cell, format!("{id_cell}：项目编号“{id}”在项目表中不存在（或该项目有误），该指标未使用")));
            continue;
        }
        let weight = match table.cell(row, Field::Weight) {
            Some((v, cell)) if !is_blank(v) => match v {
                Data::Float(f) => value::decimal_from_f64(*f),
                Data::Int(i) => Some(Decimal::from(*i)),
                Data::String(s) => value::parse_amount_text(s).ok().map(|(d, _)| d),
                _ => None,
            }
            .or_else(|| {
                ledger.problems.push(Problem::warning_at(&cell, format!("{cell}：分值{}不是数字，按未填处理", value::show_cell(v))));
                None
            }),
            _ => None,
        };
        ledger.indicators.push(Indicator {
            project_id: id,
            level1: table.text(row, Field::Level1),
            level2: table.text(row, Field::Level2),
            name: table.text(row, Field::Level3),
            target: table.text(row, Field::TargetValue),
            actual: table.text(row, Field::ActualValue),
            weight,
            deviation_reason: table.text(row, Field::DeviationReason),
            row: id_cell.clone(),
        });
    }
}

fn read_info(sheet: &RawSheet, problems: &mut Vec<Problem>) -> Info {
    let mut info = Info::default();
    for row in sheet.first_row()..sheet.end_row() {
        let Data::String(key) = sheet.cell(row, 0) else { continue };
        let key = layout::normalize_header(key).0;
        let key = key.trim_end_matches([':', '：']);
        let v = sheet.cell(row, 1);
        let cell = CellRef::new(&sheet.name, row, 1);
        if is_blank(v) {
            continue;
        }
        match key {
            layout::INFO_UNIT => info.unit_name = value::text_from_cell(v),
            layout::INFO_YEAR => {
                let year = value::text_from_cell(v).and_then(|t| t.trim_end_matches('年').trim().parse::<i32>().ok()).filter(|y| (2000..=2099).contains(y));
                if year.is_none() {
                    problems.push(Problem::warning_at(&cell, format!("{cell}：年度{}无法识别，已忽略", value::show_cell(v))));
                }
                info.year = year;
            }
            layout::INFO_AS_OF => {
                let d = value::date_from_cell(v);
                if d.is_none() {
                    problems.push(Problem::warning_at(&cell, format!("{cell}：截止日期{}不是有效日期，已忽略", value::show_cell(v))));
                }
                info.as_of = d;
            }
            _ => {}
        }
    }
    info
}

