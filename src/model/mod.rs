//! Typed records read from a ledger, and the problems found on the way.

pub mod book;
pub mod facts;
pub mod finding;
pub mod ledger;
pub mod library;
pub mod reading;
pub mod schedule;
pub mod ser;
pub mod standard;
pub mod value;

pub use finding::Finding;
pub use ledger::{Info, Ledger};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::fmt;

/// A cell position in an input sheet (0-based row/col, shown as `项目!C7`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellRef {
    /// Shared: a ledger makes one of these for every cell it reads.
    pub sheet: std::sync::Arc<str>,
    pub row: u32,
    pub col: u32,
}

impl CellRef {
    pub fn new(sheet: &str, row: u32, col: u32) -> Self {
        CellRef {
            sheet: sheet.into(),
            row,
            col,
        }
    }
    pub fn at(sheet: &std::sync::Arc<str>, row: u32, col: u32) -> Self {
        CellRef {
            sheet: sheet.clone(),
            row,
            col,
        }
    }
    /// `C7` without the sheet.
    pub fn a1(&self) -> String {
        let mut s = String::with_capacity(12);
        let _ = fmt::Write::write_fmt(&mut s, format_args!("{}", A1(self.row, self.col)));
        s
    }
}

/// `C7`, written without building the letters first (labels are made for
/// every row of a large table).
struct A1(u32, u32);

impl fmt::Display for A1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut letters = [0u8; 8];
        let mut at = letters.len();
        let mut col = self.1;
        loop {
            at -= 1;
            letters[at] = b'A' + (col % 26) as u8;
            if col < 26 {
                break;
            }
            col = col / 26 - 1;
        }
        f.write_str(std::str::from_utf8(&letters[at..]).unwrap_or_default())?;
        write!(f, "{}", self.0 + 1)
    }
}

/// In JSON a cell is its label, "项目!C7".
impl Serialize for CellRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sheet)?;
        f.write_str("!")?;
        fmt::Display::fmt(&A1(self.row, self.col), f)
    }
}

/// Excel column letters for a 0-based index.
pub fn col_name(mut col: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// An amount in 万元 as every message shows it: exact, without trailing
/// zeros ("106", "10.412"), the same way everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wan(pub Decimal);

impl fmt::Display for Wan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

/// 错误 leaves a row out of the sums (exit status 1); 提示 is a warning (exit 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Severity {
    #[serde(rename = "错误")]
    Error,
    #[serde(rename = "提示")]
    Warning,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "提示",
        }
    }
}

/// One finding shown on 问题清单 and as a note on the cell it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// Sheet name as in the input (or the report sheet it concerns).
    pub sheet: String,
    pub cell: Option<CellRef>,
    /// Its entry in the catalogue (`model::finding`); `code` in JSON.
    pub finding: Finding,
    pub message: String,
}

impl Problem {
    /// A finding of the catalogue at a cell; its severity is the finding's.
    pub fn at(finding: Finding, cell: &CellRef, message: impl Into<String>) -> Self {
        Problem {
            severity: severity_of(finding),
            sheet: cell.sheet.to_string(),
            cell: Some(cell.clone()),
            finding,
            message: message.into(),
        }
    }
    /// A finding of the catalogue about a whole sheet (or file).
    pub fn on(finding: Finding, sheet: &str, message: impl Into<String>) -> Self {
        Problem {
            severity: severity_of(finding),
            sheet: sheet.to_string(),
            cell: None,
            finding,
            message: message.into(),
        }
    }
    /// The code shown beside the message (`R012`). A catch-all follows
    /// the severity (an error made a note by its reader is R002).
    pub fn code(&self) -> &'static str {
        match (self.finding, self.severity) {
            (Finding::RowError | Finding::Note, Severity::Error) => Finding::RowError.code(),
            (Finding::RowError | Finding::Note, Severity::Warning) => Finding::Note.code(),
            (f, _) => f.code(),
        }
    }
    /// `拨付!C7`, or empty when the problem concerns a whole sheet.
    pub fn cell_label(&self) -> String {
        self.cell
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default()
    }
}

/// In JSON: severity, sheet, cell, code, message.
impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut m = s.serialize_struct("Problem", 5)?;
        m.serialize_field("severity", &self.severity)?;
        m.serialize_field("sheet", &self.sheet)?;
        m.serialize_field("cell", &self.cell)?;
        m.serialize_field("code", self.code())?;
        m.serialize_field("message", &self.message)?;
        m.end()
    }
}

/// 错误 for an error finding, 提示 for the rest (a fatal finding never
/// becomes a Problem; should one, it counts as an error).
fn severity_of(f: Finding) -> Severity {
    match f.level() {
        finding::Level::Warning => Severity::Warning,
        finding::Level::Error | finding::Level::Fatal => Severity::Error,
    }
}

/// A project (项目) as arranged for the year. Amounts in 万元.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: String,
    pub name: String,
    /// 项目类别: 产业项目 / 基础设施建设项目 / 其他项目 or as given.
    pub category: String,
    /// 资金性质: 衔接资金 / 整合资金 or as given.
    pub fund_source: String,
    /// 预算金额 — the amount arranged for the year.
    pub budget: Decimal,
    /// The budget by fund (资金性质): one entry for a single-fund project, one
    /// per fund when the ledger splits it over fund columns.
    pub budget_by_fund: Vec<(String, Decimal)>,
    /// The government level a 衔接资金 spelling named (中央/省级/市级/县级).
    pub fund_level: Option<String>,
    /// 累计拨付 from a ledger without a payment list: paid up to the
    /// ledger's date, not split by date.
    pub cumulative_paid: Option<Decimal>,
    /// 结算金额 — what the finished project finally costs.
    pub settled: Option<Decimal>,
    /// 建设状态.
    pub status: Option<String>,
    pub location: Option<String>,
    pub implementer: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub deviation_reason: Option<String>,
    /// 年度目标 / 实际完成情况 (free text, for the forms).
    pub annual_target: Option<String>,
    pub actual_result: Option<String>,
    /// Where the row came from, for messages.
    pub row: CellRef,
    pub budget_cell: CellRef,
    pub settled_cell: Option<CellRef>,
}

impl Project {
    /// The budget by fund; a project built without a split has its whole
    /// budget under its 资金性质.
    pub fn funds(&self) -> Vec<(&str, Decimal)> {
        if self.budget_by_fund.is_empty() {
            vec![(self.fund_source.as_str(), self.budget)]
        } else {
            self.budget_by_fund
                .iter()
                .map(|(f, b)| (f.as_str(), *b))
                .collect()
        }
    }
    /// Whether the project has budget under `fund`.
    pub fn has_fund(&self, fund: &str) -> bool {
        if self.budget_by_fund.is_empty() {
            self.fund_source == fund
        } else {
            self.budget_by_fund.iter().any(|(f, _)| f == fund)
        }
    }
    /// Budgeted under more than one fund.
    pub fn is_split(&self) -> bool {
        self.budget_by_fund.len() > 1
    }
}

/// A payment (拨付) of money to a project. Negative = money returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    pub project_id: String,
    pub date: NaiveDate,
    pub amount: Decimal,
    /// The payment's own 资金性质 (defaults to the project's).
    pub fund_source: String,
    pub fund_source_given: bool,
    pub voucher: Option<String>,
    pub memo: Option<String>,
    pub row: CellRef,
    /// What the record is: a dated payment or a month column's total.
    pub basis: PaymentBasis,
}

/// Where a payment record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaymentBasis {
    /// One payment on its date (a row of the 拨付 sheet).
    #[default]
    Dated,
    /// A month column's amount, dated the month's last day.
    MonthEnd,
}

/// A 绩效指标 row, kept as typed (scored in a later stage).
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub project_id: String,
    pub level1: Option<String>,
    pub level2: Option<String>,
    pub name: Option<String>,
    pub target: Option<String>,
    pub actual: Option<String>,
    pub weight: Option<Decimal>,
    /// 得分 typed by the clerk, if any.
    pub hand_score: Option<Decimal>,
    pub deviation_reason: Option<String>,
    pub row: CellRef,
}

/// What kind of record a row of the ledger is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RecordKind {
    #[serde(rename = "项目")]
    Project,
    #[serde(rename = "拨付")]
    Payment,
}

/// A record left out of every sum (未计入) because of a data error. Kept so
/// that each output can show it where the sums are: a total that is too low
/// must say so on the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExcludedRow {
    pub kind: RecordKind,
    /// The row's first cell.
    pub row: CellRef,
    /// 项目编号 (of the project, or the one the payment names), if readable.
    pub id: Option<String>,
    pub name: Option<String>,
    /// The amount that could be read: the budget of a project, the amount of a payment.
    #[serde(serialize_with = "ser::amount_opt")]
    pub amount: Option<Decimal>,
    /// Why it was left out (the error's message).
    pub reason: String,
}
