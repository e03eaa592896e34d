//! Inputs found by coverage-guided fuzzing (`scripts/fuzz.sh`, targets in
//! `fuzz/`), kept as regression tests: `jixiao report` on each must end with
//! exit status 0, 1 or 2 and, when it refuses, a Chinese message — never a
//! panic or an abort. The fuzzer's seed workbooks run here too.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// Cases in `tests/fuzz-cases/` that still crash: each has its own ignored
/// test below and is left out of `every_fuzz_case_fails_gracefully`.
const PENDING: &[&str] = &["known-stray-cell-xfd1048576.xlsx"];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-cases")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.is_file() && !p.extension().is_some_and(|e| e == "md"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// `jixiao report` on a copy of `input` (keeping its extension).
fn report_on(input: &Path) -> Run {
    let w = Workdir::new();
    let ext = input
        .extension()
        .map(|e| e.to_string_lossy().to_string())
        .unwrap_or_default();
    let name = format!("in.{ext}");
    std::fs::copy(input, w.path(&name)).unwrap();
    w.run(&[
        "report",
        &name,
        "-o",
        "out.xlsx",
        "--json",
        "out.json",
        "--as-of",
        "2024-06-30",
    ])
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Exit 0/1/2, no panic text, and a Chinese message when refused.
fn graceful(input: &Path, r: &Run) -> Result<(), String> {
    let shown = input.display();
    if !matches!(r.code, 0..=2) {
        return Err(format!(
            "{shown}: exit status {} (panic or abort?)\n{}",
            r.code, r.stderr
        ));
    }
    if r.stderr.contains("panicked") || r.stderr.contains("RUST_BACKTRACE") {
        return Err(format!("{shown}: panic\n{}", r.stderr));
    }
    if r.code == 2 && !(r.stderr.contains("错误：") && has_chinese(&r.stderr)) {
        return Err(format!(
            "{shown}: refused without a Chinese message\n{}",
            r.stderr
        ));
    }
    Ok(())
}

fn assert_graceful(input: &Path) {
    if let Err(m) = graceful(input, &report_on(input)) {
        panic!("{m}");
    }
}

#[test]
fn every_fuzz_case_fails_gracefully() {
    let failures: Vec<String> = files_in(&cases_dir())
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            !PENDING.contains(&name.as_ref())
        })
        .filter_map(|p| graceful(&p, &report_on(&p)).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The fuzzer's seed workbooks (.xlsx/.xls/.ods) are valid ledgers: the
/// report is written.
#[test]
fn fuzz_seed_workbooks_report() {
    let seeds = files_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/read_bytes"));
    assert!(seeds.len() >= 5, "seed corpus present: {seeds:?}");
    for s in seeds {
        let r = report_on(&s);
        assert!(
            matches!(r.code, 0 | 1),
            "{}: exit {}\n{}",
            s.display(),
            r.code,
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
}

/// Not found by the fuzzer (it did not reach it in its runs) but the known
/// allocation by declared extent: a.xlsx of the seeds plus one value at
/// XFD1048576 on 说明. Today `Range::from_sparse` in src/read/book.rs
/// (`xlsx_cells_and_formulas`) asks for 549,755,813,888 bytes and aborts.
#[test]
#[ignore = "known crash (allocation by declared extent), not fuzzer-found; fix pending in src/read"]
fn stray_cell_at_xfd1048576_is_not_an_abort() {
    assert_graceful(&cases_dir().join("known-stray-cell-xfd1048576.xlsx"));
}
