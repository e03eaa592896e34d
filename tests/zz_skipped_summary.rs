//! The last line of a plain `cargo test` about real-client tests: which were
//! skipped in this run and why (see tests/common/skip.rs). Cargo runs test
//! binaries in name order, hence `zz_`. Run alone (`cargo test --test
//! zz_skipped_summary`) it reports the skips of no run but its own, i.e. none.

#[path = "common/skip.rs"]
mod skip;

use std::collections::BTreeMap;
use std::io::Write;

/// Skips older than this belong to some other run (where the run can't be
/// told by cargo's pid).
const DAY: u64 = 24 * 60 * 60;

#[test]
fn real_client_tests_skipped_in_this_run() {
    let path = skip::log_path();
    let log = std::fs::read_to_string(&path).unwrap_or_default();
    let id = skip::run_id().to_string();
    let now = skip::now();
    let mut ours: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    let mut kept = String::new();
    for line in log.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 5 {
            continue;
        }
        let when: u64 = f[1].parse().unwrap_or(0);
        let this_run = (f[0] == id || f[0] == "0") && now.saturating_sub(when) < DAY;
        if this_run {
            let e = ours
                .entry(f[2].to_string())
                .or_insert_with(|| (f[4].to_string(), Vec::new()));
            e.1.push(f[3].to_string());
        } else if now.saturating_sub(when) < DAY {
            // Another cargo still running, or a single test binary run by hand.
            kept.push_str(line);
            kept.push('\n');
        }
    }
    if !log.is_empty() {
        let _ = std::fs::write(&path, kept);
    }
    if ours.is_empty() {
        return;
    }
    let count: usize = ours.values().map(|(_, t)| t.len()).sum();
    let parts: Vec<String> = ours
        .iter()
        .map(|(_program, (why, tests))| {
            let mut names: Vec<&str> = tests.iter().map(String::as_str).collect();
            names.sort();
            names.dedup();
            format!("{why}：{}", names.join("、"))
        })
        .collect();
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED（已跳过）{count} 项真实客户端测试，未实际运行——{}。.ci/run 会安装所需程序；CI=true 时这些测试失败而不是跳过。",
        parts.join("；")
    );
    assert!(
        !skip::in_ci(),
        "CI=true 时不应有跳过的真实客户端测试：{}",
        parts.join("；")
    );
}
