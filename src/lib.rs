//! jixiao (绩效): execution figures and reports for 衔接资金 / 整合资金 ledgers.
//!
//! read (workbook → records + problems) → compute (records → report data) →
//! write (report data → xlsx / JSON). The subcommands in `cmd` are thin.

// Standard output or error may be a closed pipe (`jixiao report … | head`):
// printing is never a panic. These shadow std's macros in every module below.
macro_rules! println {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! eprintln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}
macro_rules! eprint {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($t)*);
    }};
}

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
