//! Property tests of the parsers, and a bounded fuzz of workbook reading:
//! random cell grids and random bytes must never make the tool panic.

use calamine::{Data, Dimensions};
use chrono::{Datelike, NaiveDate};
use jixiao::read::book::{BookFormat, RawBook, RawSheet};
use jixiao::read::value::{date_from_cell, decimal_from_f64, parse_amount_text, parse_date_text};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use rust_decimal::Decimal;

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() || c == '.' || c == ',' || c == '-' {
                char::from_u32(c as u32 + 0xFEE0).unwrap()
            } else {
                c
            }
        })
        .collect()
}

fn with_thousands(d: &Decimal) -> String {
    let s = d.to_string();
    let (sign, body) = s.strip_prefix('-').map(|b| ("-", b)).unwrap_or(("", &s));
    let (int, frac) = body
        .split_once('.')
        .map(|(i, f)| (i, Some(f)))
        .unwrap_or((body, None));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// Amounts as clerks keep them: up to 1e12 with up to 4 decimals.
fn amount() -> impl Strategy<Value = Decimal> {
    (
        -1_000_000_000_000_000i64..1_000_000_000_000_000i64,
        0u32..=4,
    )
        .prop_map(|(n, scale)| Decimal::new(n, scale))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_amount_written_as_text_parses_back_to_itself(d in amount(), form in 0usize..5) {
        let text = match form {
            0 => d.to_string(),
            1 => with_thousands(&d),
            2 => full_width(&with_thousands(&d)),
            3 => format!("{}元", with_thousands(&d)),
            _ => format!(" {} 万元 ", d),
        };
        let (got, unit) = parse_amount_text(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e:?}")))?;
        prop_assert_eq!(got, d.normalize(), "{}", text);
        let want_unit = match form { 3 => Some(jixiao::read::layout::MoneyUnit::Yuan), 4 => Some(jixiao::read::layout::MoneyUnit::WanYuan), _ => None };
        prop_assert_eq!(unit, want_unit);
    }

    #[test]
    fn any_typed_decimal_survives_excel_binary_float(n in -999_999_999_999_999i64..999_999_999_999_999i64, scale in 0u32..=10) {
        // Excel keeps 15 significant digits; the float it stores must read back as typed.
        let d = Decimal::new(n, scale);
        let as_float: f64 = d.to_string().parse().unwrap();
        prop_assert_eq!(decimal_from_f64(as_float), Some(d.normalize()));
    }

    #[test]
    fn any_date_in_any_supported_form_parses_back(days in 0i64..36_000, form in 0usize..7) {
        let d = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Duration::days(days);
        let (y, m, dd) = (d.year(), d.month(), d.day());
        let got = match form {
            0 => parse_date_text(&format!("{y}年{m}月{dd}日")),
            1 => parse_date_text(&format!("{y}/{m}/{dd}")),
            2 => parse_date_text(&format!("{y}.{m:02}.{dd:02}")),
            3 => parse_date_text(&format!("{y}-{m:02}-{dd:02}")),
            4 => parse_date_text(&format!("{y}{m:02}{dd:02}")),
            5 => date_from_cell(&Data::Float((d - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days() as f64)),
            _ => parse_date_text(&full_width(&format!("{y}-{m:02}-{dd:02}"))),
        };
        prop_assert_eq!(got, Some(d));
    }

    #[test]
    fn amount_parser_never_panics_on_any_text(s in "\\PC{0,40}") {
        let _ = parse_amount_text(&s);
        let _ = parse_date_text(&s);
    }
}

/// Cell values a ledger is made of, weighted towards headers and edge cases.
fn cell() -> impl Strategy<Value = Data> {
    let words = prop::sample::select(vec![
        "项目编号",
        "项目名称",
        "项目类别",
        "资金性质",
        "预算金额（万元）",
        "结算金额（元）",
        "建设状态",
        "拨付日期",
        "拨付金额（万元）",
        "项目代码",
        "资金规模（元）",
        "衔接资金",
        "其他整合资金",
        "预算",
        "结算",
        "合计",
        "小计",
        "单位：元",
        "产业项目",
        "基础设施建设项目",
        "其他项目",
        "整合资金",
        "已完工",
        "P1",
        "P2",
        "序号",
        "2024-02-30",
        "2024年7月15日",
        "1,200,000",
        "约5万",
        "—",
        "",
        " ",
        "=SUM(A1)",
        "项目",
        "拨付",
        "说明",
        "截止日期",
        "年度",
        "单位名称",
        "绩效指标",
        "一级指标",
    ]);
    prop_oneof![
        3 => words.prop_map(|s| Data::String(s.to_string())),
        2 => any::<f64>().prop_map(Data::Float),
        2 => (-1e7f64..1e7).prop_map(Data::Float),
        1 => any::<i64>().prop_map(Data::Int),
        1 => any::<bool>().prop_map(Data::Bool),
        1 => (30000.0f64..80000.0).prop_map(|v| Data::DateTime(calamine::ExcelDateTime::new(v, calamine::ExcelDateTimeType::DateTime, false))),
        1 => "\\PC{0,12}".prop_map(Data::String),
        3 => Just(Data::Empty),
    ]
}

fn sheet(
    name: &str,
    (r0, c0, cells): (u32, u32, Vec<Data>),
    cols: usize,
    merges: Vec<(u32, u32, u32, u32)>,
) -> RawSheet {
    let cells = cells
        .into_iter()
        .enumerate()
        .map(|(i, v)| (r0 + (i / cols) as u32, c0 + (i % cols) as u32, v))
        .collect();
    let merges = merges
        .into_iter()
        .map(|(a, b, c, d)| Dimensions {
            start: (a.min(c), b.min(d)),
            end: (a.max(c), b.max(d)),
        })
        .collect();
    RawSheet::new(name, cells, Vec::new(), merges)
}

const PROJECT_HEADER: [&str; 7] = [
    "项目编号",
    "项目名称",
    "项目类别",
    "资金性质",
    "预算金额（万元）",
    "结算金额（万元）",
    "建设状态",
];
const PAYMENT_HEADER: [&str; 4] = ["项目编号", "拨付日期", "拨付金额（万元）", "资金性质"];

/// Random grids under standard and alias sheet names, half of them under a
/// real header row, go through read → compute → the annotated workbook →
/// xlsx bytes without a panic. Runs a fixed number of cases and says how
/// many got past the reader.
#[test]
fn reading_random_grids_never_panics() {
    const CASES: u32 = 1500;
    let strategy = (
        grid(),
        grid(),
        grid(),
        any::<bool>(),
        prop::collection::vec(plausible_project(), 1..8),
        prop::collection::vec(plausible_payment(), 1..8),
        prop::sample::subsequence(
            vec![
                "项目",
                "拨付",
                "说明",
                "项目台账",
                "资金拨付",
                "Sheet1",
                "绩效指标",
            ],
            3,
        ),
        prop::collection::vec((0u32..6, 0u32..6, 0u32..6, 0u32..6), 0..3),
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: CASES,
        ..ProptestConfig::default()
    });
    let (mut read_ok, mut rows_read) = (0u32, 0usize);
    for _ in 0..CASES {
        let (a, b, c, with_header, projects, payments, names, merges) =
            strategy.new_tree(&mut runner).unwrap().current();
        let cols = 7;
        let (first_at, second_at) = ((a.0, a.1), (b.0, b.1));
        let mut first = sheet(names[0], a, cols, merges.clone());
        let mut second = sheet(names[1], b, cols, merges);
        if with_header {
            let (r0, c0) = first_at;
            for (i, h) in PROJECT_HEADER.iter().enumerate() {
                first.set_value((r0, c0 + i as u32), Data::String(h.to_string()));
            }
            for (r, row) in projects.into_iter().enumerate() {
                for (i, v) in row.into_iter().enumerate() {
                    first.set_value((r0 + 1 + r as u32, c0 + i as u32), v);
                }
            }
            let (r0, c0) = second_at;
            for (i, h) in PAYMENT_HEADER.iter().enumerate() {
                second.set_value((r0, c0 + i as u32), Data::String(h.to_string()));
            }
            for (r, row) in payments.into_iter().enumerate() {
                for (i, v) in row.into_iter().enumerate() {
                    second.set_value((r0 + 1 + r as u32, c0 + i as u32), v);
                }
            }
        }
        let book = RawBook {
            path: "fuzz.xlsx".into(),
            format: BookFormat::Xlsx,
            sheets: vec![first, second, sheet(names[2], c, cols, vec![])],
        };
        if let Ok(ledger) = jixiao::read::read_ledger(&book) {
            read_ok += 1;
            rows_read += ledger.projects.len() + ledger.payments.len();
            let report = jixiao::compute::compute_report(
                &ledger,
                NaiveDate::from_ymd_opt(2024, 12, 31).unwrap(),
                "测试",
            );
            let mut report = report;
            report.problems = ledger
                .problems
                .iter()
                .chain(&report.problems)
                .cloned()
                .collect();
            report
                .problems
                .extend(jixiao::write::report::copy_problems(&book));
            let sheets = jixiao::write::report::annotated_sheets(
                &std::sync::Arc::new(book),
                &std::sync::Arc::new(report),
            );
            let bytes = jixiao::write::xlsx::render(&sheets);
            assert!(bytes.is_ok(), "{:?}", bytes.err());
        }
    }
    eprintln!(
        "fuzz: {CASES} random workbooks, {read_ok} read as ledgers, {rows_read} records read, no panic"
    );
    assert!(
        read_ok >= CASES / 4,
        "the fuzz reaches the computation often enough ({read_ok} of {CASES})"
    );
    assert!(rows_read > 0);
}

fn text(options: &[&'static str]) -> impl Strategy<Value = Data> {
    prop::sample::select(options.to_vec()).prop_map(|s| Data::String(s.to_string()))
}

fn money() -> impl Strategy<Value = Data> {
    prop_oneof![
        4 => (0i64..10_000_000).prop_map(|n| Data::Float(n as f64 / 10000.0)),
        1 => (-100i64..100).prop_map(|n| Data::Float(n as f64)),
        1 => text(&["1,200.5", "约5万", "—", "", "3万元", "1e400", "-0", "０.５"]),
        1 => cell(),
    ]
}

/// A project row that is usually valid, sometimes subtly not.
fn plausible_project() -> impl Strategy<Value = Vec<Data>> {
    (
        text(&["P1", "P2", "P3", " P1 ", "", "合计"]),
        text(&["道路", "补助", ""]),
        text(&[
            "产业项目",
            "基础设施建设项目",
            "其他项目",
            "产业发展",
            "乡村建设",
        ]),
        text(&["衔接资金", "整合资金", "其他涉农整合资金", ""]),
        money(),
        money(),
        text(&["已完工", "在建", "已结算", "完工未结算", ""]),
    )
        .prop_map(|(a, b, c, d, e, f, g)| vec![a, b, c, d, e, f, g])
}

fn plausible_payment() -> impl Strategy<Value = Vec<Data>> {
    let date = prop_oneof![
        3 => (40000.0f64..47000.0).prop_map(|v| Data::DateTime(calamine::ExcelDateTime::new(v.floor(), calamine::ExcelDateTimeType::DateTime, false))),
        1 => text(&["2024年7月15日", "2024/7/15", "2024.07.15", "20240715", "2024-02-30", "昨天", ""]),
        1 => (40000.0f64..47000.0).prop_map(Data::Float),
    ];
    (
        text(&["P1", "P2", "P3", "P9", " P2", "小计"]),
        date,
        money(),
        text(&["衔接资金", "整合资金", ""]),
    )
        .prop_map(|(a, b, c, d)| vec![a, b, c, d])
}

fn grid() -> impl Strategy<Value = (u32, u32, Vec<Data>)> {
    (0u32..3, 0u32..3, 2usize..10).prop_flat_map(|(r0, c0, rows)| {
        (Just(r0), Just(c0), prop::collection::vec(cell(), rows * 7))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random bytes (and damaged zips) under workbook names are an error, never a panic.
    #[test]
    fn opening_random_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048), ext in prop::sample::select(vec!["xlsx", "xls", "ods", "xlsm"]), zip_head in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("f.{ext}"));
        let mut data = if zip_head { b"PK\x03\x04".to_vec() } else { Vec::new() };
        data.extend(bytes);
        std::fs::write(&path, data).unwrap();
        if let Ok(book) = jixiao::read::book::open_book(&path) {
            let _ = jixiao::read::read_ledger(&book);
        }
    }
}
