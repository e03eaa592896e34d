//! The merged ranges read by a byte search of each sheet's XML
//! (`read::xlsx_merges`) are calamine's on every workbook at hand: the
//! sample, the fixtures, synth's ledgers (both layouts), our own outputs
//! (annotated copy and forms, full of merges), and hand-altered packages
//! (namespace prefixes, comments, CDATA, the element split across the
//! reader's chunks). Where the fast reader steps aside (`None`), calamine
//! answers; the test also checks it does not step aside on ordinary files.

mod common;

use calamine::{Dimensions, Reader, Xlsx, open_workbook};
use common::*;
use jixiao::read::xlsx_merges::merges;
use std::path::{Path, PathBuf};

/// (fast answers, fallbacks) for one file; panics on a difference.
fn compare(path: &Path) -> (usize, usize) {
    let Ok(mut book) = open_workbook::<Xlsx<_>, _>(path) else {
        return (0, 0);
    };
    let names: Vec<String> = book.sheet_names().to_vec();
    let ours = merges(std::fs::File::open(path).unwrap(), &names);
    let (mut fast, mut fallback) = (0, 0);
    for (i, name) in names.iter().enumerate() {
        let theirs: Vec<Dimensions> = book.merge_cells_by_sheet_name(name).unwrap_or_default();
        match ours.as_ref().and_then(|o| o[i].clone()) {
            Some(m) => {
                assert_eq!(m, theirs, "{}: sheet “{name}”", path.display());
                fast += 1;
            }
            None => fallback += 1,
        }
    }
    // What the reader hands on (fast or calamine's) is calamine's too.
    if let Ok(raw) = jixiao::read::book::open_book(path) {
        for s in &raw.sheets {
            let theirs = book.merge_cells_by_sheet_name(&s.name).unwrap_or_default();
            assert_eq!(
                s.merges,
                theirs,
                "open_book {}: “{}”",
                path.display(),
                s.name
            );
        }
    }
    (fast, fallback)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("xlsx") || x.eq_ignore_ascii_case("xlsm"))
        {
            out.push(p);
        }
    }
}

#[test]
fn fixtures_sample_synth_and_outputs_match_calamine() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(&root.join("sample-data"), &mut files);
    files_under(&root.join("tests"), &mut files);
    let w = Workdir::new();
    let synth = w.path("synth");
    for (messy, seed) in [(0, 7), (1, 8), (3, 9)] {
        files.extend(
            jixiao::synth::write_townships(
                &synth.join(format!("{messy}-{seed}")),
                &jixiao::synth::SynthOptions {
                    townships: 4,
                    projects: 30,
                    payments: 120,
                    messy_every: messy,
                    seed,
                    year: 2024,
                },
            )
            .unwrap(),
        );
    }
    // Our own outputs: the annotated copy and the forms workbook (merged titles and score boxes).
    let sample = root.join("sample-data/jingyu-2023.xlsx");
    let r = w.run(&[
        "report",
        sample.to_str().unwrap(),
        "-o",
        "out.xlsx",
        "--forms",
        "forms.xlsx",
        "--force",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    files.push(w.path("out.xlsx"));
    files.push(w.path("forms.xlsx"));
    let (mut fast, mut fallback, mut with_merges) = (0, 0, 0);
    for f in &files {
        let (a, b) = compare(f);
        fast += a;
        // The fuzzer's damaged packages may step aside; ordinary files not.
        if !f.starts_with(root.join("tests").join("fuzz-cases")) {
            fallback += b;
        }
        if let Ok(mut b) = open_workbook::<Xlsx<_>, _>(f) {
            let names = b.sheet_names().to_vec();
            with_merges += names
                .iter()
                .filter(|n| {
                    !b.merge_cells_by_sheet_name(n)
                        .unwrap_or_default()
                        .is_empty()
                })
                .count();
        }
    }
    assert!(files.len() >= 16, "{} files", files.len());
    assert!(
        with_merges >= 5,
        "only {with_merges} sheets with merged ranges compared"
    );
    assert_eq!(
        fallback, 0,
        "ordinary workbooks are read without calamine's second parse"
    );
    assert!(fast > 20, "{fast} sheets compared");
}

/// A sheet of `rows` rows: its merged ranges after sheet XML of any size.
fn merged_book(path: &Path, rows: usize) {
    let mut data = Vec::new();
    for r in 0..rows {
        data.push(vec![T(format!("项目{r}")), N(r as f64 * 1.25)]);
    }
    write_xlsx_merged(
        path,
        &[
            (
                "项目".into(),
                data,
                vec![(0, 0, 1, 1), (3, 2, 3, 5), (10, 0, 12, 0)],
            ),
            ("说明".into(), vec![vec![S("a")]], vec![]),
            ("第三".into(), vec![vec![S("b")]], vec![(0, 0, 0, 3)]),
        ],
    );
}

#[test]
fn large_sheets_prefixes_and_odd_markup() {
    let w = Workdir::new();
    // (Every split of the element across the reader's chunks: the unit test
    // `every_split_of_the_chunks`.)
    for rows in [1usize, 300, 900, 2000, 9000] {
        let p = w.path(&format!("b{rows}.xlsx"));
        merged_book(&p, rows);
        assert_eq!(compare(&p), (3, 0), "{}", p.display());
    }
    let base = w.path("base.xlsx");
    merged_book(&base, 50);
    // Altered packages: each still equal to calamine, whoever answers.
    // (name, replacements in every part, read without calamine's second parse)
    type Variant<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
    let variants: &[Variant] = &[
        (
            "prefixed",
            &[
                ("<mergeCells", "<x:mergeCells xmlns:x=\"urn:x\""),
                ("</mergeCells>", "</x:mergeCells>"),
                ("<mergeCell ", "<x:mergeCell "),
            ],
            true,
        ),
        (
            "comment",
            &[(
                "<sheetData>",
                "<!-- <mergeCells><mergeCell ref=\"A1:Z9\"/></mergeCells> --><sheetData>",
            )],
            false,
        ),
        (
            "extra-attribute",
            &[("<mergeCell ref=", "<mergeCell xr:uid=\"{1}\" ref=")],
            true,
        ),
        (
            "single-quotes",
            &[("<mergeCell ref=\"A1:B2\"", "<mergeCell ref='A1:B2'")],
            true,
        ),
        ("bad-ref", &[("ref=\"A1:B2\"", "ref=\"A0:B2\"")], false),
        ("no-end", &[("</mergeCells>", "")], false),
        (
            "text-lookalike",
            &[(
                "<sheetData>",
                "<sheetData><row r=\"900\"><c r=\"A900\" t=\"inlineStr\"><is><t>mergeCells &lt;mergeCells&gt;</t></is></c></row>",
            )],
            true,
        ),
    ];
    for (name, pairs, expect_fast) in variants {
        let p = w.path(&format!("{name}.xlsx"));
        replace_in_zip(&base, &p, pairs);
        let (fast, fallback) = compare(&p);
        assert_eq!(fast + fallback, 3, "{name}");
        if *expect_fast {
            assert_eq!(fallback, 0, "{name}: read without calamine's second parse");
        } else {
            assert!(fallback >= 1, "{name}: left to calamine");
        }
    }
}

/// Workbooks written by another program: LibreOffice's own .xlsx of the
/// sample and of our forms workbook (its merged score boxes).
#[test]
fn libreoffice_written_workbooks_match_calamine() {
    let Some(soffice) = soffice() else {
        skip::soffice_missing();
        return;
    };
    let w = Workdir::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = root.join("sample-data/jingyu-2023.xlsx");
    let r = w.run(&[
        "report",
        sample.to_str().unwrap(),
        "-o",
        "out.xlsx",
        "--forms",
        "forms.xlsx",
        "--force",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    std::fs::copy(&sample, w.path("sample.xlsx")).unwrap();
    let out = w.path("lo");
    let status = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            w.path("lo-profile").display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
        ])
        .arg(&out)
        .args([w.path("sample.xlsx"), w.path("forms.xlsx")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("start soffice");
    assert!(status.success());
    let mut fast = 0;
    for f in ["sample.xlsx", "forms.xlsx"] {
        let (a, b) = compare(&out.join(f));
        assert_eq!(b, 0, "{f}: read without calamine's second parse");
        fast += a;
    }
    assert!(fast >= 4, "{fast} sheets compared");
}
