//! Printed 合计 / 小计 rows, checked against the records they sum. A 小计 may
//! stand below its group or above it, and a grouping column (乡镇, 村) says
//! which rows it sums: a subtotal that agrees with any of these readings is
//! right and never reported.

use crate::model::reading::Check;
use crate::model::{CellRef, Problem, Wan};
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TotalKind {
    Subtotal,
    Total,
}

enum Entry {
    Record {
        amount: Decimal,
        group: Option<String>,
    },
    Printed {
        kind: TotalKind,
        amount: Decimal,
        cell: CellRef,
        /// The group the row names: its grouping cell, or its label less 小计.
        group: Option<String>,
    },
}

/// One amount column's records and printed totals, in sheet order.
#[derive(Default)]
pub(crate) struct TotalCheck {
    entries: Vec<Entry>,
    all: Decimal,
}

impl TotalCheck {
    pub(crate) fn add(&mut self, amount: Decimal, group: Option<String>) {
        self.all += amount;
        self.entries.push(Entry::Record { amount, group });
    }
    pub(crate) fn printed(
        &mut self,
        kind: TotalKind,
        amount: Decimal,
        cell: CellRef,
        group: Option<String>,
    ) {
        self.entries.push(Entry::Printed {
            kind,
            amount,
            cell,
            group,
        });
    }
    /// Each printed total against the records it sums, listed in `checks`;
    /// one that disagrees is a note naming both figures.
    pub(crate) fn finish(self, header: &str, problems: &mut Vec<Problem>, checks: &mut Vec<Check>) {
        let printed_at: Vec<usize> = (0..self.entries.len())
            .filter(|&i| matches!(self.entries[i], Entry::Printed { .. }))
            .collect();
        let records_between = |from: usize, to: usize| -> Decimal {
            self.entries[from..to]
                .iter()
                .map(|e| match e {
                    Entry::Record { amount, .. } => *amount,
                    _ => Decimal::ZERO,
                })
                .sum()
        };
        for (n, &i) in printed_at.iter().enumerate() {
            let Entry::Printed {
                kind,
                amount,
                cell,
                group,
            } = &self.entries[i]
            else {
                continue;
            };
            let (sum, label) = match kind {
                TotalKind::Total => (self.all, "合计"),
                TotalKind::Subtotal => {
                    let prev = if n == 0 { 0 } else { printed_at[n - 1] + 1 };
                    let next = printed_at.get(n + 1).copied().unwrap_or(self.entries.len());
                    let below = records_between(prev, i);
                    let above = records_between(i + 1, next);
                    let by_group: Option<Decimal> = group.as_ref().map(|g| {
                        self.entries
                            .iter()
                            .map(|e| match e {
                                Entry::Record {
                                    amount,
                                    group: Some(rg),
                                } if rg == g || g.starts_with(rg.as_str()) => *amount,
                                _ => Decimal::ZERO,
                            })
                            .sum()
                    });
                    let candidates = [Some(below), Some(above), by_group];
                    if candidates.iter().flatten().any(|s| s == amount) {
                        checks.push(Check {
                            kind: format!("小计（{header}）"),
                            cell: cell.to_string(),
                            ledger: Wan(*amount).to_string(),
                            computed: Wan(*amount).to_string(),
                            agrees: true,
                        });
                        continue;
                    }
                    (by_group.unwrap_or(below), "小计")
                }
            };
            checks.push(Check {
                kind: format!("{label}（{header}）"),
                cell: cell.to_string(),
                ledger: Wan(*amount).to_string(),
                computed: Wan(sum).to_string(),
                agrees: *amount == sum,
            });
            if *amount != sum {
                let message = format!(
                    "{cell}：{label}行的{header}为 {} 万元，而对应各行之和为 {} 万元，相差 {} 万元（{label}行不计入）",
                    Wan(*amount),
                    Wan(sum),
                    Wan(*amount - sum)
                );
                // A 提示, as tests/messy.rs and tests/real_ledgers.rs require
                // (exit 0); the check is listed in 读取说明 with agrees = false.
                problems.push(Problem::warning_at(cell, message));
            }
        }
    }
}
