//! What one workbook yields once read: the ledger's records, its 说明 facts,
//! which sheet was taken for what, and what was left out.

use super::standard::SheetRole;
use super::{ExcludedRow, Indicator, Payment, Problem, Project};
use chrono::NaiveDate;

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
    /// How each sheet was read (读取说明).
    pub reading: Vec<super::reading::SheetReading>,
    /// The year the ledger's title, notes or cut-off state, for dates
    /// written without one.
    pub year_hint: Option<i32>,
    /// The ledger's own 执行率 per project (id, value as written, cell),
    /// checked against paid ÷ budget once payments are read.
    pub rate_cells: Vec<(String, rust_decimal::Decimal, super::CellRef)>,
}

/// Facts from the 说明 sheet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Info {
    /// 单位名称
    pub unit_name: Option<String>,
    /// 年度
    pub year: Option<i32>,
    /// 截止日期
    pub as_of: Option<NaiveDate>,
    /// Where the 截止日期 was found when not on the 说明 sheet ("标题 项目!A1").
    pub as_of_from: Option<String>,
    /// 主管部门 (for the forms)
    pub department: Option<String>,
}
