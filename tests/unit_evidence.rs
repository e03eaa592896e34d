//! The unit of a ledger that states none: generated ledgers of every size a
//! township keeps, in 元 and in 万元, the unit stated nowhere, on the 说明
//! sheet, or in a header as clerks write it. A 元 ledger is never read as
//! 万元 without an error (R039, R085); a 万元 ledger of township-sized
//! projects raises none; a stated unit is read.

use calamine::Data;
use chrono::NaiveDate;
use jixiao::analysis::{Outcome, analyse_book};
use jixiao::model::Severity;
use jixiao::read::book::{BookFormat, RawBook, RawSheet};
use jixiao::read::mapping::Mapping;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn grid(name: &str, rows: Vec<Vec<Data>>) -> RawSheet {
    let mut cells = Vec::new();
    for (r, row) in rows.into_iter().enumerate() {
        for (c, v) in row.into_iter().enumerate() {
            if v != Data::Empty {
                cells.push((r as u32, c as u32, v));
            }
        }
    }
    RawSheet::new(name, cells, Vec::new(), Vec::new())
}

fn s(t: &str) -> Data {
    Data::String(t.to_string())
}

fn num(d: Decimal) -> Data {
    Data::Float(d.to_string().parse().unwrap())
}

/// Projects (id, budget, paid) in the unit the cells hold; the budget
/// header `budget_header`, above the table `above`, a payment sheet when
/// `pay_sheet`, a 说明 sheet of `info` rows.
fn ledger(
    projects: &[(Decimal, Decimal)],
    budget_header: &str,
    above: &[&str],
    pay_sheet: bool,
    info: &[(&str, &str)],
) -> RawBook {
    let mut rows: Vec<Vec<Data>> = above.iter().map(|t| vec![s(t)]).collect();
    let mut header = vec![
        s("项目编号"),
        s("项目名称"),
        s("项目类别"),
        s("资金性质"),
        s(budget_header),
    ];
    if !pay_sheet {
        header.push(s("已拨付"));
    }
    rows.push(header);
    let mut pays = vec![vec![s("项目编号"), s("拨付日期"), s("拨付金额")]];
    for (i, (b, p)) in projects.iter().enumerate() {
        let id = format!("P{}", i + 1);
        let mut row = vec![
            s(&id),
            s(&format!("项目{}", i + 1)),
            s("产业项目"),
            s("衔接资金"),
            num(*b),
        ];
        if pay_sheet {
            if !p.is_zero() {
                pays.push(vec![s(&id), s("2024-06-30"), num(*p)]);
            }
        } else {
            row.push(num(*p));
        }
        rows.push(row);
    }
    let mut sheets = vec![grid("项目", rows)];
    if pay_sheet {
        sheets.push(grid("拨付", pays));
    }
    if !info.is_empty() {
        sheets.push(grid(
            "说明",
            info.iter().map(|(k, v)| vec![s(k), s(v)]).collect(),
        ));
    }
    RawBook {
        path: "台账.xlsx".into(),
        format: BookFormat::Xlsx,
        sheets,
    }
}

fn read(b: RawBook) -> Outcome {
    analyse_book(
        std::path::Path::new("台账.xlsx"),
        b,
        NaiveDate::from_ymd_opt(2024, 12, 31),
        Some("某某镇"),
        &Mapping::default(),
    )
    .unwrap()
}

fn error_codes(o: &Outcome) -> Vec<&'static str> {
    o.report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.finding.code())
        .collect()
}

/// The figures read equal the projects' in 万元 (`factor` cells a 万元).
fn figures_are(o: &Outcome, projects: &[(Decimal, Decimal)], factor: Decimal) -> bool {
    projects.iter().enumerate().all(|(i, (b, p))| {
        let id = format!("P{}", i + 1);
        o.report
            .projects
            .iter()
            .find(|x| x.id == id)
            .is_some_and(|x| x.budget == *b / factor && x.paid == *p / factor)
    })
}

/// 元 amounts of small projects and subsidies: 1,000.00 to 99,999.99 元,
/// integers or to the 分; paid at most the budget.
fn yuan_projects() -> impl Strategy<Value = Vec<(Decimal, Decimal)>> {
    prop::collection::vec(
        (100_000i64..10_000_000, any::<bool>(), 0u32..=100).prop_map(|(cents, whole, share)| {
            let b = if whole {
                Decimal::new(cents / 100, 0)
            } else {
                Decimal::new(cents, 2)
            };
            let p =
                (b * Decimal::from(share) / Decimal::from(100)).round_dp(if whole { 0 } else { 2 });
            (b.normalize(), p.normalize())
        }),
        1..10,
    )
}

/// 万元 amounts of a township's projects: 0.3 to 999.9999 万元, up to four
/// decimals.
fn wan_projects() -> impl Strategy<Value = Vec<(Decimal, Decimal)>> {
    prop::collection::vec(
        (3_000i64..10_000_000, 0u32..=4, 0u32..=100).prop_map(|(n, places, share)| {
            let b = Decimal::new(n, 4).round_dp(places);
            let b = if b.is_zero() { Decimal::ONE } else { b };
            let p = (b * Decimal::from(share) / Decimal::from(100)).round_dp(4);
            (b.normalize(), p.normalize())
        }),
        1..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The silent misread: a 元 ledger of projects under 10 万元 with no
    /// unit anywhere was read as 万元 (45000 元 as 45000 万元) with notes only.
    #[test]
    fn a_yuan_ledger_with_no_unit_is_never_read_as_wan_silently(
        projects in yuan_projects(),
        pay_sheet in any::<bool>(),
        titled in any::<bool>(),
    ) {
        let above: &[&str] = if titled { &["某某镇2024年衔接资金项目台账"] } else { &[] };
        let o = read(ledger(&projects, "预算金额", above, pay_sheet, &[]));
        let codes = error_codes(&o);
        prop_assert!(
            codes.iter().any(|c| ["R039", "R085", "R084"].contains(c))
                || figures_are(&o, &projects, Decimal::from(10_000)),
            "{projects:?}: {:#?}", o.report.problems
        );
    }

    /// A 万元 ledger of township-sized projects raises no unit error.
    #[test]
    fn a_wan_ledger_of_township_projects_raises_no_unit_error(
        projects in wan_projects(),
        pay_sheet in any::<bool>(),
    ) {
        let o = read(ledger(&projects, "预算金额", &[], pay_sheet, &[]));
        prop_assert!(error_codes(&o).is_empty(), "{projects:?}: {:#?}", o.report.problems);
        prop_assert!(figures_are(&o, &projects, Decimal::ONE));
    }

    /// The unit stated on the 说明 sheet (金额单位 | 元), and nowhere else,
    /// is read: it was ignored, and a 元 ledger read as 万元.
    #[test]
    fn the_unit_stated_on_the_info_sheet_is_read(
        projects in yuan_projects(),
        pay_sheet in any::<bool>(),
        key in prop::sample::select(vec!["金额单位", "单位", "金额单位：", "计量单位"]),
        word in prop::sample::select(vec!["元", "人民币元", "元人民币"]),
    ) {
        let info = [("单位名称", "某某镇人民政府"), ("年度", "2024"), (key, word)];
        let o = read(ledger(&projects, "预算金额", &[], pay_sheet, &info));
        prop_assert!(error_codes(&o).is_empty(), "{:#?}", o.report.problems);
        prop_assert!(figures_are(&o, &projects, Decimal::from(10_000)));
    }

    /// A header's unit in the forms clerks write it, （人民币元） among them
    /// (it was not read: the column fell back to 万元).
    #[test]
    fn a_header_unit_as_clerks_write_it_is_read(
        projects in yuan_projects(),
        header in prop::sample::select(vec![
            "预算金额（元）", "预算金额(元)", "预算金额（人民币元）", "预算金额（元人民币）",
            "预算金额（单位：元）", "预算金额/元", "预算金额\n（元）",
        ]),
    ) {
        let o = read(ledger(&projects, header, &["单位：元"], false, &[]));
        prop_assert!(error_codes(&o).is_empty(), "{header}: {:#?}", o.report.problems);
        prop_assert!(figures_are(&o, &projects, Decimal::from(10_000)));
        let o = read(ledger(&projects, header, &[], true, &[("金额单位", "元")]));
        prop_assert!(error_codes(&o).is_empty(), "{header}: {:#?}", o.report.problems);
        prop_assert!(figures_are(&o, &projects, Decimal::from(10_000)));
    }
}

/// A 说明 sheet's unit yields to a unit the table states itself.
#[test]
fn a_unit_the_table_states_wins_over_the_info_sheet() {
    let p = [(Decimal::from(50), Decimal::from(20))];
    let o = read(ledger(
        &p,
        "预算金额（万元）",
        &[],
        false,
        &[("金额单位", "元")],
    ));
    assert!(error_codes(&o).is_empty(), "{:#?}", o.report.problems);
    assert!(figures_are(&o, &p, Decimal::ONE));
    // "单位 | 某某镇人民政府" is the unit's name, not a money unit.
    let o = read(ledger(
        &p,
        "预算金额",
        &[],
        false,
        &[("单位", "某某镇人民政府")],
    ));
    assert!(figures_are(&o, &p, Decimal::ONE));
}

/// A 万元 column holding 元 figures (500000 under “（万元）”) was read as 50
/// 亿元 without a word.
#[test]
fn wan_stated_over_yuan_figures_is_an_error() {
    let p = [
        (Decimal::from(500_000), Decimal::from(250_000)),
        (Decimal::from(80_000), Decimal::ZERO),
    ];
    for (header, above) in [
        ("预算金额（万元）", &[][..]),
        ("预算金额", &["单位：万元"][..]),
    ] {
        let o = read(ledger(&p, header, above, true, &[]));
        let e = o
            .report
            .problems
            .iter()
            .find(|x| x.finding.code() == "R086")
            .unwrap_or_else(|| panic!("{header}: {:#?}", o.report.problems));
        assert_eq!(e.severity, Severity::Error);
        assert!(e.message.contains("500000 万元"), "{}", e.message);
    }
}
