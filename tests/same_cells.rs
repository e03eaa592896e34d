//! A tool for the performance work (BENCHMARKS.md): two workbooks read
//! with calamine compared sheet by sheet — names, every value, formulas and
//! merged ranges. Ignored unless asked for:
//! `JIXIAO_SAME_A=a.xlsx JIXIAO_SAME_B=b.xlsx cargo test --test same_cells -- --ignored`

use calamine::{Reader, Xlsx, open_workbook};

#[test]
#[ignore]
fn two_workbooks_hold_the_same_cells() {
    let a = std::env::var("JIXIAO_SAME_A").expect("JIXIAO_SAME_A");
    let b = std::env::var("JIXIAO_SAME_B").expect("JIXIAO_SAME_B");
    let mut x: Xlsx<_> = open_workbook(&a).expect("open A");
    let mut y: Xlsx<_> = open_workbook(&b).expect("open B");
    let names = x.sheet_names().to_vec();
    let mut diffs = Vec::new();
    if names != y.sheet_names() {
        diffs.push(format!("sheets: {:?} vs {:?}", names, y.sheet_names()));
    }
    let mut cells = 0usize;
    for n in &names {
        let (Ok(r1), Ok(r2)) = (x.worksheet_range(n), y.worksheet_range(n)) else {
            diffs.push(format!("{n}: unreadable"));
            continue;
        };
        let c1: Vec<_> = r1.used_cells().map(|(r, c, v)| (r, c, v.clone())).collect();
        let c2: Vec<_> = r2.used_cells().map(|(r, c, v)| (r, c, v.clone())).collect();
        cells += c1.len();
        if r1.start() != r2.start() || c1 != c2 {
            let first = c1
                .iter()
                .zip(&c2)
                .find(|(p, q)| p != q)
                .map(|(p, q)| format!("{p:?} vs {q:?}"))
                .unwrap_or_else(|| format!("{} vs {} cells", c1.len(), c2.len()));
            diffs.push(format!("{n}: {first}"));
        }
        let f1 = x.worksheet_formula(n).ok();
        let f2 = y.worksheet_formula(n).ok();
        let f1: Option<Vec<_>> =
            f1.map(|f| f.used_cells().map(|(r, c, v)| (r, c, v.clone())).collect());
        let f2: Option<Vec<_>> =
            f2.map(|f| f.used_cells().map(|(r, c, v)| (r, c, v.clone())).collect());
        if f1 != f2 {
            diffs.push(format!("{n}: formulas differ"));
        }
        if x.merge_cells_by_sheet_name(n).ok() != y.merge_cells_by_sheet_name(n).ok() {
            diffs.push(format!("{n}: merged ranges differ"));
        }
    }
    assert!(
        diffs.is_empty(),
        "{a} vs {b}:\n{}",
        diffs
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(cells > 0 || names.is_empty());
    eprintln!("identical: {} sheets, {cells} cells", names.len());
}
