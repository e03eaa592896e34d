//! Scale benchmark: `consolidate` and `report` against the cost of just
//! parsing their inputs (and, for `report`, writing an xlsx of its output's
//! size). Run: `cargo bench --bench scale` (sizes: JIXIAO_BENCH_SIZES,
//! default 100,1000,10000). Prints a markdown table for BENCHMARKS.md.
//! `JIXIAO_BENCH_JOBS` picks the rows (comma-separated: consolidate, report,
//! forms, peer; default all).

use calamine::{Reader, open_workbook_auto};
use jixiao::synth::{SynthOptions, write_townships};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_jixiao");

// The same allocator as the binary, so the floor is not handicapped.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data")
}

/// Generated once and reused: the inputs are deterministic.
fn townships(n: usize) -> Vec<PathBuf> {
    let dir = data_dir().join(format!("townships-{n}"));
    let marker = dir.join(".complete");
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let t = Instant::now();
        write_townships(
            &dir,
            &SynthOptions {
                townships: n,
                projects: 20,
                payments: 60,
                messy_every: 5,
                seed: 42,
                year: 2024,
            },
        )
        .unwrap();
        std::fs::write(&marker, "").unwrap();
        eprintln!("generated {n} township workbooks in {:.1?}", t.elapsed());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    files.sort();
    files
}

fn large() -> PathBuf {
    let dir = data_dir().join("large");
    let marker = dir.join(".complete");
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        write_townships(
            &dir,
            &SynthOptions {
                townships: 1,
                projects: 10_000,
                payments: 100_000,
                messy_every: 0,
                seed: 42,
                year: 2024,
            },
        )
        .unwrap();
        std::fs::write(&marker, "").unwrap();
    }
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .unwrap()
}

/// The floor: open each workbook and read every cell of every sheet, in parallel.
fn read_floor(files: &[PathBuf]) -> usize {
    files
        .par_iter()
        .map(|f| {
            let mut wb = open_workbook_auto(f).unwrap();
            let mut n = 0;
            for name in wb.sheet_names().to_vec() {
                n += wb.worksheet_range(&name).unwrap().used_cells().count();
            }
            n
        })
        .sum()
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = None;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        let e = t.elapsed();
        best = Some(best.map_or(e, |b: Duration| b.min(e)));
        last = Some(v);
    }
    (best.unwrap(), last.unwrap())
}

/// Run the binary; returns its peak RSS in kB.
fn run(args: &[&str]) -> u64 {
    let out = Command::new(BIN)
        .args(args)
        .env("JIXIAO_PEAK_RSS", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{args:?}: {err}");
    err.lines()
        .find_map(|l| l.strip_prefix("peak-rss: "))
        .and_then(|v| v.trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Writing an xlsx of `cells` cells (text and numbers, as our outputs hold),
/// the cheapest way: constant memory, fast compression, no formats.
fn write_floor(cells: usize, path: &Path) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.set_zip_compression_level(1);
    let ws = wb.add_worksheet_with_constant_memory().unwrap();
    let cols = 16u16;
    for i in 0..cells {
        let (r, c) = ((i / cols as usize) as u32, (i % cols as usize) as u16);
        if c % 2 == 0 {
            ws.write_string(r, c, "靖宇镇河南村牛场建设项目").unwrap();
        } else {
            ws.write_number(r, c, 123.4567).unwrap();
        }
    }
    wb.save(path).unwrap();
}

/// "met, goal …" / "NOT MET, goal …": every ratio printed with its goal.
fn goal(ok: bool, goal: &str) -> String {
    met(ok, &format!("goal {goal}"))
}

fn met(ok: bool, what: &str) -> String {
    format!("{}, {what}", if ok { "met" } else { "NOT MET" })
}

/// The hand-written peer (`benches/peer.py`: openpyxl + Decimal, the same
/// figures, a small workbook out) against `report --no-forms --json` on the
/// large ledger as of 2024-12-31, both run here, paired run by run.
/// SKIPPED without python3 + openpyxl.
fn python_peer(big: &Path, out: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer.py");
    let has = Command::new("python3")
        .args(["-c", "import openpyxl"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        let line = "| report --no-forms --json, as-of 2024-12-31, vs the Python script | SKIPPED: python3 with openpyxl not found (`pip install openpyxl`) | | | | |".to_string();
        eprintln!("{line}");
        return line;
    }
    let (mut ours, mut theirs) = (Duration::MAX, Duration::MAX);
    let (mut rss, mut peer_rss, mut problems) = (0, 0, 0);
    for _ in 0..2 {
        let t = Instant::now();
        rss = run(&[
            "report",
            big.to_str().unwrap(),
            "--as-of",
            "2024-12-31",
            "--no-forms",
            "-o",
            out.join("large-peer.xlsx").to_str().unwrap(),
            "--json",
            out.join("large-peer.json").to_str().unwrap(),
            "--force",
        ]);
        ours = ours.min(t.elapsed());
        let t = Instant::now();
        let o = Command::new("python3")
            .arg(&script)
            .args([big.to_str().unwrap(), "2024-12-31"])
            .arg(out.join("large-python.json"))
            .arg(out.join("large-python.xlsx"))
            .output()
            .unwrap();
        theirs = theirs.min(t.elapsed());
        assert!(
            o.status.success(),
            "peer.py: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        peer_rss = String::from_utf8_lossy(&o.stderr)
            .lines()
            .find_map(|l| l.strip_prefix("peak-rss: "))
            .and_then(|v| v.trim_end_matches(" kB").trim().parse().ok())
            .unwrap_or(0u64);
    }
    if let Ok(text) = std::fs::read_to_string(out.join("large-peer.json")) {
        problems = text.matches("\"severity\"").count();
    }
    let speedup = theirs.as_secs_f64() / ours.as_secs_f64();
    let line = format!(
        "| report --no-forms --json, as-of 2024-12-31 ({problems} problems listed), vs the Python script (benches/peer.py) | {:.2} s (script) | {:.2} s | {speedup:.1}× faster ({}) | {:.0} MB (script {:.0} MB) |",
        theirs.as_secs_f64(),
        ours.as_secs_f64(),
        goal(speedup >= 10.0, "≥ 10× faster"),
        rss as f64 / 1024.0,
        peer_rss as f64 / 1024.0
    );
    eprintln!("{line}");
    line
}

fn count_cells(path: &Path) -> usize {
    read_floor(&[path.to_path_buf()])
}

fn main() {
    // `cargo bench` passes --bench; ignore arguments.
    let sizes: Vec<usize> = std::env::var("JIXIAO_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100, 1000, 10_000]);
    let jobs = std::env::var("JIXIAO_BENCH_JOBS").unwrap_or_default();
    let job = |name: &str| jobs.trim().is_empty() || jobs.split(',').any(|j| j.trim() == name);
    let out = data_dir().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let threads = rayon::current_num_threads();
    let mut table = vec![
        format!(
            "Machine: {threads} threads. Times are the best of 3 runs (2 at 10,000); the floor runs in-process, jixiao as its release binary."
        ),
        String::new(),
        "| job | inputs | floor | jixiao | ratio (goal) | jixiao peak RSS (goal) |".into(),
        "|---|---|---|---|---|---|".into(),
    ];
    for &n in sizes.iter().filter(|_| job("consolidate")) {
        let files = townships(n);
        let dir = files[0].parent().unwrap().to_path_buf();
        let runs = if n >= 10_000 { 2 } else { 3 };
        let (floor, cells) = best_of(runs, || read_floor(&files));
        let county = out.join(format!("county-{n}.xlsx"));
        let (ours, rss) = best_of(runs, || {
            run(&[
                "consolidate",
                dir.to_str().unwrap(),
                "--as-of",
                "2024-12-31",
                "-o",
                county.to_str().unwrap(),
                "--json",
                out.join(format!("county-{n}.json")).to_str().unwrap(),
                "--force",
            ])
        });
        let ratio = ours.as_secs_f64() / floor.as_secs_f64();
        let line = format!(
            "| consolidate | {n} workbooks ({cells} cells) | {:.2} s | {:.2} s | {ratio:.2}× ({}) | {:.0} MB, {:.1} kB per workbook |",
            floor.as_secs_f64(),
            ours.as_secs_f64(),
            goal(ratio <= 1.5, "≤ 1.5×"),
            rss as f64 / 1024.0,
            rss as f64 / n as f64
        );
        eprintln!("{line}");
        table.push(line);
    }
    let big = large();
    let (read, in_cells) = best_of(3, || read_floor(std::slice::from_ref(&big)));
    // `report` as the issue measures it (figures and the annotated workbook), then with the forms workbook too.
    for with_forms in [false, true]
        .into_iter()
        .filter(|f| job(if *f { "forms" } else { "report" }))
    {
        let report = out.join("large-report.xlsx");
        let forms = out.join("large-forms.xlsx");
        let mut args = vec![
            "report",
            big.to_str().unwrap(),
            "--as-of",
            "2025-12-31",
            "-o",
            report.to_str().unwrap(),
            "--force",
        ];
        if with_forms {
            args.extend(["--forms", forms.to_str().unwrap()]);
        } else {
            args.push("--no-forms");
        }
        let (ours, rss) = best_of(if with_forms { 2 } else { 3 }, || run(&args));
        let out_cells = count_cells(&report) + if with_forms { count_cells(&forms) } else { 0 };
        let (write, _) = best_of(3, || write_floor(out_cells, &out.join("write-floor.xlsx")));
        let floor = read + write;
        let ratio = ours.as_secs_f64() / floor.as_secs_f64();
        let mb = rss as f64 / 1024.0;
        // Goals (issue 21): report ≤ 1.3× and ≤ 150 MB per million input
        // cells; with the forms workbook ≤ 3× and ≤ 600 MB.
        let (time_goal, time_ok, mem_goal, mem_ok) = if with_forms {
            (
                "≤ 3×",
                ratio <= 3.0,
                "goal ≤ 600 MB".to_string(),
                mb <= 600.0,
            )
        } else {
            let per_million = mb / (in_cells as f64 / 1e6);
            (
                "≤ 1.3×",
                ratio <= 1.3,
                format!("{per_million:.0} MB per million cells in; goal ≤ 150"),
                per_million <= 150.0,
            )
        };
        let line = format!(
            "| report{} | 1 workbook, 10,000 projects, 100,000 payments ({in_cells} cells in, {out_cells} out) | {:.2} s (read {:.2} + write {:.2}) | {:.2} s | {ratio:.2}× ({}) | {mb:.0} MB ({}) |",
            if with_forms {
                " (with the forms workbook: 20,000 form sheets)"
            } else {
                " --no-forms"
            },
            floor.as_secs_f64(),
            read.as_secs_f64(),
            write.as_secs_f64(),
            ours.as_secs_f64(),
            goal(time_ok, time_goal),
            met(mem_ok, &mem_goal),
        );
        eprintln!("{line}");
        table.push(line);
    }
    if job("peer") {
        table.push(python_peer(&big, &out));
    }
    let text = table.join("\n") + "\n";
    std::fs::write(data_dir().join("results.md"), &text).unwrap();
    println!("{text}");
}
