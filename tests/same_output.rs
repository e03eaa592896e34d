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
    let r = w.run(SMALL_COUNTY);
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

/// Every `<row>` of every sheet comes once and in order — rust_xlsxwriter's
/// constant-memory mode wrote a last row that has a height twice (the
/// county's 项目明细, a large report's 拨付明细 and 问题清单), which Excel may
/// offer to repair.
#[test]
fn no_row_is_written_twice() {
    let w = Workdir::new();
    for args in [
        SMALL_COUNTY,
        &[
            "synth",
            "--townships",
            "1",
            "--projects",
            "1000",
            "--payments",
            "10000",
            "--seed",
            "3",
            "-o",
            "big",
        ][..],
    ] {
        let r = w.run(args);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let big = std::fs::read_dir(w.path("big"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "xlsx"))
        .unwrap();
    let r = w.run(&["consolidate", "in", "-o", "county.xlsx"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let r = w.run(&[
        "report",
        big.to_str().unwrap(),
        "--as-of",
        "2024-12-31",
        "-o",
        "big-report.xlsx",
        "--no-forms",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    for out in ["county.xlsx", "big-report.xlsx"] {
        let path = w.path(out);
        let mut z = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut sheets = 0;
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let name = f.name().map(|n| n.to_string()).unwrap_or_default();
            if !name.starts_with("xl/worksheets/sheet") {
                continue;
            }
            sheets += 1;
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut f, &mut xml).unwrap();
            let mut last = 0u32;
            for piece in xml.split("<row r=\"").skip(1) {
                let n: u32 = piece[..piece.find('"').unwrap()].parse().unwrap();
                assert!(n > last, "{out} {name}: row {n} after row {last}");
                last = n;
            }
        }
        assert!(sheets > 0, "{out}: no sheets");
    }
}
