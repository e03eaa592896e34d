//! jixiao (绩效): execution figures and reports for 衔接资金 / 整合资金 ledgers.
//!
//! read (workbook → records + problems) → compute (records → report data) →
//! write (report data → xlsx / JSON). The subcommands in `cmd` are thin.

pub mod analysis;
pub mod cmd;
pub mod compute;
pub mod model;
pub mod output;
pub mod policy;
pub mod read;
pub mod serve;
pub mod settle;
pub mod synth;
#[cfg(test)]
mod testutil;
pub mod write;

/// Exit statuses, in one place: 0 done (warnings at most), 1 done but some
/// rows were left out of the sums or some files skipped, 2 nothing written.
pub mod exit {
    pub const OK: i32 = 0;
    pub const PROBLEMS: i32 = 1;
    pub const FATAL: i32 = 2;
}
