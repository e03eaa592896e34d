//! Printed 合计 / 小计 rows, checked against the records they sum.

use crate::model::{CellRef, Problem};
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TotalKind {
    Subtotal,
    Total,
}

/// Checks printed 合计 / 小计 rows against the records: a 小计 against the
/// rows since the previous 小计, a 合计 against all rows (also when it comes
/// first, above the records).
#[derive(Default)]
pub(crate) struct TotalCheck {
    pub(crate) all: Decimal,
    pub(crate) since_subtotal: Decimal,
    /// 合计 rows met before the records they sum.
    pub(crate) early: Vec<(Decimal, CellRef)>,
    pub(crate) any_record: bool,
}

impl TotalCheck {
    pub(crate) fn add(&mut self, amount: Decimal) {
        self.all += amount;
        self.since_subtotal += amount;
        self.any_record = true;
    }
    pub(crate) fn printed(
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
    pub(crate) fn finish(self, header: &str, problems: &mut Vec<Problem>) {
        for (printed, cell) in self.early {
            compare_total(printed, self.all, &cell, header, "合计", problems);
        }
    }
}

pub(crate) fn compare_total(
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
