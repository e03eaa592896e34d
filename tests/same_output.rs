//! The same input gives the same file, run after run: a county workbook
//! written while other jobs load the machine once numbered its cell formats
//! in a different order (constant-memory sheets filled in parallel register
//! their formats at first use), so the printed-page golden failed now and
//! then. Several runs at once, every sheet and the style table compared.

mod common;

use common::*;

#[test]
fn consolidate_writes_the_same_workbook_on_every_run() {
    let w = Workdir::new();
    let r = w.run(&[
        "synth",
        "--townships",
        "5",
        "--projects",
        "7",
        "--payments",
        "15",
        "--seed",
        "7",
        "-o",
        "in",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let runs = 8;
    // Each run its own folder (an output folder is locked while written).
    let handles: Vec<_> = (0..runs)
        .map(|i| {
            let out = w.path(&format!("out{i}"));
            std::fs::create_dir(&out).unwrap();
            let dir = w.dir.path().to_path_buf();
            std::thread::spawn(move || {
                let o = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
                    .args(["consolidate", "in", "-o"])
                    .arg(out.join("county.xlsx"))
                    .current_dir(dir)
                    .output()
                    .unwrap();
                assert!(o.status.code().unwrap_or(9) <= 1, "{o:?}");
                let f = out.join("county.xlsx");
                (
                    zip_part(&f, "xl/styles.xml"),
                    zip_part(&f, "xl/worksheets/"),
                )
            })
        })
        .collect();
    let parts: Vec<(String, String)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(parts[0].1.contains("<sheetData>"), "sheets read");
    for (i, p) in parts.iter().enumerate().skip(1) {
        assert!(
            p.0 == parts[0].0,
            "run {i}: the style table differs from run 0"
        );
        assert!(p.1 == parts[0].1, "run {i}: the sheets differ from run 0");
    }
}
