//! A county's 序时进度 schedule, as settings: read by `read::schedule`,
//! applied by `compute::monthly`.

use rust_decimal::Decimal;
use std::collections::HashMap;

/// Expected cumulative spending share by month (序时进度), in percent.
/// Default: linear, month ÷ 12; a county's schedule file overrides it, per
/// category if it wants. Months between given points are interpolated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schedule {
    /// (month 1–12, cumulative percent), ascending.
    pub default: Vec<(u32, Decimal)>,
    pub by_category: HashMap<String, Vec<(u32, Decimal)>>,
    /// Days elapsed ÷ days in the year instead of month ÷ 12.
    pub day_based: bool,
}
