//! Printed 合计 / 小计 rows, checked against the records they sum. A 小计 may
//! stand below its group or above it, and a grouping column (乡镇, 村) says
//! which rows it sums: a subtotal that agrees with any of these readings is
//! right and never reported.

use super::layout::MoneyUnit;
use crate::model::finding::Finding;
use crate::model::reading::Check;
use crate::model::{CellRef, Problem, Wan};
use rust_decimal::{Decimal, RoundingStrategy};

/// The places in 万元 of a figure written with `scale` decimals in `unit`:
/// a 元 integer holds 4 places of 万元; a 万元 figure is taken to at least
/// 2 places (a total printed to the 万元 is still checked to the 百元).
pub(crate) fn places_in_wan(scale: u32, unit: MoneyUnit) -> u32 {
    match unit {
        MoneyUnit::Yuan => scale + 4,
        MoneyUnit::QianYuan => scale + 1,
        MoneyUnit::WanYuan => scale.max(2),
        MoneyUnit::YiYuan => scale.saturating_sub(4).max(2),
    }
}

/// A figure of the ledger agrees with the computed one when the computed
/// one, rounded (四舍五入) to the places the ledger's cell holds, is it.
pub(crate) fn agrees(ledger: Decimal, computed: Decimal, places: u32) -> bool {
    ledger == computed
        || computed.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero) == ledger
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TotalKind {
    Subtotal,
    Total,
    /// A running total (本年累计): every record above it.
    Running,
}

enum Entry {
    Record {
        amount: Decimal,
        group: Option<String>,
    },
    Printed {
        kind: TotalKind,
        amount: Decimal,
        /// Places (in 万元) the printed cell holds.
        places: u32,
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
        (amount, places): (Decimal, u32),
        cell: CellRef,
        group: Option<String>,
    ) {
        self.entries.push(Entry::Printed {
            kind,
            amount,
            places,
            cell,
            group,
        });
    }
    /// Each printed total against the records it sums, listed in `checks`;
    /// one that disagrees is an 错误 (R020) naming its cell and both figures.
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
                places,
                cell,
                group,
            } = &self.entries[i]
            else {
                continue;
            };
            let (sum, label) = match kind {
                TotalKind::Total => {
                    // A 合计 of one part (a 合计 mid-table, or under a second
                    // table on the sheet): the records since the previous 合计.
                    let since = printed_at[..n]
                        .iter()
                        .rev()
                        .find(|&&j| {
                            matches!(
                                self.entries[j],
                                Entry::Printed {
                                    kind: TotalKind::Total,
                                    ..
                                }
                            )
                        })
                        .map_or(0, |&j| j + 1);
                    let part = records_between(since, i);
                    if !agrees(*amount, self.all, *places) && agrees(*amount, part, *places) {
                        (part, "合计")
                    } else {
                        (self.all, "合计")
                    }
                }
                TotalKind::Running => (records_between(0, i), "累计"),
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
                    if candidates
                        .iter()
                        .flatten()
                        .any(|s| agrees(*amount, *s, *places))
                    {
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
            let ok = agrees(*amount, sum, *places);
            checks.push(Check {
                kind: format!("{label}（{header}）"),
                cell: cell.to_string(),
                ledger: Wan(*amount).to_string(),
                computed: Wan(sum).to_string(),
                agrees: ok,
            });
            if !ok {
                let rounded =
                    sum.round_dp_with_strategy(*places, RoundingStrategy::MidpointAwayFromZero);
                let at_places = if rounded == sum {
                    String::new()
                } else {
                    format!("（按该单元格的 {places} 位小数为 {}）", Wan(rounded))
                };
                let message = format!(
                    "{cell}：{label}行的{header}为 {} 万元，而对应各行之和为 {} 万元{at_places}，相差 {} 万元（{label}行不计入）；可能有行读错或漏读，或台账的{label}有误，请核对",
                    Wan(*amount),
                    Wan(sum),
                    Wan(*amount - rounded)
                );
                problems.push(Problem::at(Finding::TotalDisagrees, cell, message));
            }
        }
    }
}
