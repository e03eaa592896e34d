//! How a ledger was read (读取说明): per sheet used, which rows were the
//! header, which column became which field, where the unit and the cut-off
//! came from, which rows were totals, sections, notes or skipped, and each
//! check of the reading against the ledger's own figures. The JSON field
//! names are a promise (`reading` in the report JSON).

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SheetReading {
    pub sheet: String,
    /// 项目 / 拨付 / 绩效指标 / 说明.
    pub role: String,
    /// Header rows as Excel numbers them.
    pub header_rows: Vec<u32>,
    pub columns: Vec<ColumnReading>,
    pub unit: Option<Sourced>,
    pub as_of: Option<Sourced>,
    /// Rows read as 合计 / 小计 (cells such as "项目!A5").
    pub totals: Vec<String>,
    /// Section rows (一、产业发展类项目) and what they set.
    pub sections: Vec<String>,
    /// Note and footer rows.
    pub notes: Vec<String>,
    /// Other rows not read (repeated headers, rows outside the table, …).
    pub skipped: Vec<String>,
    /// Choices made by a stated rule.
    pub rules: Vec<String>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnReading {
    /// Column letter ("E").
    pub column: String,
    /// Full header path ("资金规模/小计").
    pub header: String,
    /// The field it became, named as in the JSON (budget, settled, …;
    /// budget:衔接资金:中央 for a budget part, paid:3月 for a month); null when unused.
    pub field: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sourced {
    pub value: String,
    /// The cell or source it came from ("项目!A2", "默认", "映射文件").
    pub from: String,
}

/// One figure of the ledger checked against the same figure computed from
/// the records read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// 合计 / 小计 / 分类合计 / 累计 / 执行率 / 项目个数.
    pub kind: String,
    pub cell: String,
    pub ledger: String,
    pub computed: String,
    pub agrees: bool,
}
