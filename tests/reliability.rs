//! Reliability of outputs and of `consolidate`: our own outputs are never
//! read as ledgers, symlink loops end, one bad file never stops the others,
//! killed runs leave nothing the next run does not clear, and two runs never
//! write the same outputs at once.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");
const BIN: &str = env!("CARGO_BIN_EXE_jixiao");

fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(".jixiao-") && n.ends_with(".tmp"))
        .collect()
}

fn units(j: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = j["townships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["unit"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn consolidate_skips_our_own_outputs_whatever_their_names_and_ends_on_symlink_loops() {
    let w = Workdir::new();
    let dir = w.path("乡镇");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(SAMPLE, dir.join("靖宇.xlsx")).unwrap();
    write_book(&dir.join("测试.xlsx"), &small_book());
    // Every kind of output, in the folder; some renamed like ledgers.
    for args in [
        &["report", "乡镇/靖宇.xlsx", "--json", "乡镇/靖宇.json"][..],
        &["monthly", "乡镇/靖宇.xlsx", "--month", "2024-03"],
        &["targets", "乡镇/测试.xlsx", "-o", "乡镇/测试-绩效指标.xlsx"],
        &["report", "乡镇/测试.xlsx", "-o", "乡镇/某镇台账.xlsx"],
    ] {
        let r = w.run(args);
        assert!(r.code <= 1, "{args:?}: {}", r.stderr);
    }
    std::fs::rename(dir.join("靖宇-绩效表.xlsx"), dir.join("另一个镇.xlsx")).unwrap();
    // Links back to the folder and to its parent: followed once, no loop.
    std::os::unix::fs::symlink(".", dir.join("自己")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("上级")).unwrap();
    std::fs::create_dir(dir.join("子")).unwrap();
    std::os::unix::fs::symlink("../..", dir.join("子/回")).unwrap();
    // A stale temporary and an Excel lock file are no ledgers either.
    std::fs::copy(SAMPLE, dir.join(".jixiao-stale01.tmp")).unwrap();
    std::fs::copy(SAMPLE, dir.join("~$靖宇.xlsx")).unwrap();
    let mut child = Command::new(BIN)
        .args(["consolidate", "乡镇", "-o", "c.xlsx", "--json", "c.json"])
        .current_dir(w.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("consolidate did not finish: symlink loop?");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let code = out.status.code().unwrap();
    assert!(code <= 1, "{}", String::from_utf8_lossy(&out.stderr));
    let j = read_json(&w.path("c.json"));
    assert_eq!(units(&j), ["测试镇", "靖宇镇人民政府"], "{}", j["problems"]);
    let skipped: Vec<String> = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap().to_string())
        .filter(|m| m.contains("jixiao 生成的"))
        .collect();
    // 报告, 绩效表 ×2 (one renamed), 月报, 绩效指标, the second 报告: each once.
    assert_eq!(skipped.len(), 6, "{skipped:#?}");
}

#[test]
fn consolidate_survives_a_file_that_panics() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("d")).unwrap();
    std::fs::copy(SAMPLE, w.path("d/靖宇.xlsx")).unwrap();
    write_book(&w.path("d/坏的.xlsx"), &small_book());
    // A corrupt one too.
    std::fs::write(w.path("d/损坏.xlsx"), b"PK\x03\x04 not really").unwrap();
    let out = Command::new(BIN)
        .args(["consolidate", "d", "-o", "c.xlsx", "--json", "c.json"])
        .env("JIXIAO_TEST_PANIC_ON", "坏的")
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let j = read_json(&w.path("c.json"));
    assert_eq!(units(&j), ["靖宇镇人民政府"]);
    let msgs = j["problems"].to_string();
    assert!(
        msgs.contains("坏的.xlsx") && msgs.contains("内部出错"),
        "{msgs}"
    );
    assert!(msgs.contains("损坏.xlsx"), "{msgs}");
}

#[test]
fn stale_temporaries_are_ignored_by_readers_and_removed_by_the_next_run() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("in.xlsx")).unwrap();
    std::fs::write(w.path(".jixiao-AbC123.tmp"), vec![0u8; 1 << 20]).unwrap();
    // A refused run (exit 2) changes nothing, not even stale temporaries.
    let r = w.run(&["report", "in.xlsx", "-o", "r.xls"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(w.exists(".jixiao-AbC123.tmp"));
    let r = w.run(&["report", "in.xlsx", "-o", "r.xlsx", "--no-forms"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(w.files(), ["in.xlsx", "r.xlsx"]);
}

fn big_ledger(w: &Workdir) -> PathBuf {
    let r = w.run(&[
        "synth",
        "--townships",
        "1",
        "--projects",
        "500",
        "--payments",
        "5000",
        "--messy-every",
        "0",
        "-o",
        "big",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let f = std::fs::read_dir(w.path("big"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .unwrap();
    let to = w.path("big.xlsx");
    std::fs::rename(f, &to).unwrap();
    to
}

fn start_report(w: &Workdir, out: &str) -> Child {
    Command::new(BIN)
        .args([
            "report",
            "big.xlsx",
            "--as-of",
            "2024-12-31",
            "-o",
            out,
            "--json",
            &format!("{out}.json"),
            "--force",
        ])
        .current_dir(w.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A simple deterministic spread of kill times.
fn delays(full: Duration, n: u32) -> Vec<Duration> {
    (0..n).map(|i| full * (2 * i + 1) / (2 * n)).collect()
}

#[test]
fn kill_9_at_any_point_leaves_no_temporaries_after_the_next_run_and_never_a_mixed_set() {
    let w = Workdir::new();
    big_ledger(&w);
    // How long a full run takes here.
    let t = Instant::now();
    let out = start_report(&w, "r.xlsx").wait_with_output().unwrap();
    assert!(
        out.status.code().unwrap() <= 1,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let full = t.elapsed();
    let reference = std::fs::read(w.path("r.xlsx.json")).unwrap();
    std::fs::remove_file(w.path("r.xlsx")).unwrap();
    std::fs::remove_file(w.path("r-绩效表.xlsx")).unwrap();
    std::fs::remove_file(w.path("r.xlsx.json")).unwrap();
    let mut left_behind = 0;
    for d in delays(full, 6) {
        let mut child = start_report(&w, "r.xlsx");
        std::thread::sleep(d);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        left_behind += temporaries(w.dir.path()).len();
        // All three outputs or none: never a new report beside missing others.
        let present = ["r.xlsx", "r-绩效表.xlsx", "r.xlsx.json"]
            .iter()
            .filter(|f| w.exists(f))
            .count();
        assert!(present == 0 || present == 3, "after {d:?}: {:?}", w.files());
        if present == 3 {
            for f in ["r.xlsx", "r-绩效表.xlsx", "r.xlsx.json"] {
                std::fs::remove_file(w.path(f)).unwrap();
            }
        }
    }
    eprintln!("full run {full:?}; temporaries left by 6 kills: {left_behind}");
    // The next run clears whatever the killed ones left.
    let out = start_report(&w, "r.xlsx").wait_with_output().unwrap();
    assert!(out.status.code().unwrap() <= 1);
    assert!(temporaries(w.dir.path()).is_empty(), "{:?}", w.files());
    assert_eq!(std::fs::read(w.path("r.xlsx.json")).unwrap(), reference);
}

#[test]
fn sigterm_removes_the_temporaries_and_writes_nothing() {
    let w = Workdir::new();
    big_ledger(&w);
    let mut child = start_report(&w, "r.xlsx");
    // Wait until it is writing (a temporary exists), then SIGTERM.
    let start = Instant::now();
    while temporaries(w.dir.path()).is_empty() {
        if child.try_wait().unwrap().is_some() || start.elapsed() > Duration::from_secs(120) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let out = child.wait_with_output().unwrap();
    if out.status.code() == Some(0) || out.status.code() == Some(1) {
        // Finished before the signal: nothing to check on this machine.
        eprintln!("run finished before SIGTERM arrived");
        return;
    }
    assert!(temporaries(w.dir.path()).is_empty(), "{:?}", w.files());
    assert!(
        !w.exists("r.xlsx") && !w.exists("r.xlsx.json"),
        "{:?}",
        w.files()
    );
}

#[test]
fn two_runs_writing_the_same_outputs_never_mix_one_is_refused_clearly() {
    let w = Workdir::new();
    big_ledger(&w);
    let first = start_report(&w, "r.xlsx");
    std::thread::sleep(Duration::from_millis(200));
    let second = start_report(&w, "r.xlsx");
    let a = first.wait_with_output().unwrap();
    let b = second.wait_with_output().unwrap();
    let codes = (a.status.code().unwrap(), b.status.code().unwrap());
    let refused = if codes.1 == 2 { &b } else { &a };
    let msg = String::from_utf8_lossy(&refused.stderr);
    assert!(
        (codes.0 <= 1 && codes.1 == 2) || (codes.0 == 2 && codes.1 <= 1),
        "{codes:?}: {msg}"
    );
    assert!(msg.contains("另一个 jixiao"), "{msg}");
    assert!(String::from_utf8_lossy(&refused.stdout).is_empty());
    assert!(temporaries(w.dir.path()).is_empty());
    // The outputs are one run's: the JSON and the report agree.
    let j = read_json(&w.path("r.xlsx.json"));
    assert!(j["projects"].as_array().unwrap().len() == 500);
}
