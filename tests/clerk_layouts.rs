//! Regressions for ledgers as township clerks keep them that were once read
//! as something else without a word: a paid column under a verb the reader
//! did not know (paid read as 0), payments kept one sheet a month (only the
//! first sheet read), payments kept as column pairs in the project sheet
//! (paid read as 0), an amount typed "0.5万" in a 元 table. Each test runs the
//! binary and checks the figures, not only the messages.

mod common;
use common::*;

fn report(w: &Workdir, b: &[(&str, Vec<Vec<C>>)], extra: &[&str]) -> (Run, serde_json::Value) {
    write_book(&w.path("in.xlsx"), b);
    let mut args = vec![
        "report",
        "in.xlsx",
        "-o",
        "out.xlsx",
        "--json",
        "out.json",
        "--no-forms",
        "--force",
    ];
    args.extend_from_slice(extra);
    let r = w.run(&args);
    assert!(w.exists("out.json"), "{}", r.stderr);
    (r, read_json(&w.path("out.json")))
}

fn paid(j: &serde_json::Value, id: &str) -> String {
    j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))["paid"]
        .as_str()
        .unwrap()
        .to_string()
}

fn codes(j: &serde_json::Value) -> Vec<String> {
    j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect()
}

fn errors(j: &serde_json::Value) -> Vec<String> {
    j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["severity"] == "错误")
        .map(|p| p["message"].as_str().unwrap().to_string())
        .collect()
}

/// The small book without its payment sheet, its paid column headed `label`.
fn paid_column_book(label: &'static str) -> Vec<(&'static str, Vec<Vec<C>>)> {
    let mut b = small_book();
    b.remove(1);
    b[0].1[0].push(S(label));
    b[0].1[1].push(N(80.0));
    b[0].1[2].push(N(5.5));
    b
}

#[test]
fn a_paid_column_named_by_a_pay_verb_is_the_paid_never_a_silent_zero() {
    for label in [
        "拨付金额（万元）",
        "支付金额",
        "拨款金额",
        "资金拨付",
        "已兑付资金",
        "支出金额",
        "实际拨付",
        "累计拨款",
    ] {
        let w = Workdir::new();
        let (r, j) = report(&w, &paid_column_book(label), &[]);
        assert_eq!(r.code, 0, "{label}: {}", r.stderr);
        assert_eq!(paid(&j, "P1"), "80", "{label}");
        assert_eq!(paid(&j, "P2"), "5.5", "{label}");
        assert!(!codes(&j).contains(&"R044".to_string()), "{label}");
    }
}

#[test]
fn a_column_still_to_pay_is_never_read_as_paid() {
    // 待拨付 and 未支付 are what is left, not what was paid: not read as
    // paid, and as amounts about paying that no rule reads, an error.
    for label in ["待拨付资金", "未支付金额"] {
        let w = Workdir::new();
        let (r, j) = report(&w, &paid_column_book(label), &[]);
        assert_eq!(paid(&j, "P1"), "0", "{label}");
        assert_eq!(r.code, 1, "{label}");
        assert!(codes(&j).contains(&"R080".to_string()), "{label}");
    }
}

#[test]
fn an_unknown_paid_like_amount_column_is_an_error_naming_its_header() {
    let w = Workdir::new();
    let (r, j) = report(&w, &paid_column_book("已到位资金"), &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let p = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "R080")
        .expect("R080");
    assert_eq!(p["cell"], "项目!H1");
    // The mapping line the message gives settles it.
    std::fs::write(
        w.path("m.toml"),
        "[columns.项目]\n累计拨付 = \"已到位资金\"\n",
    )
    .unwrap();
    let (r, j) = report(
        &w,
        &paid_column_book("已到位资金"),
        &["--mapping", w.path("m.toml").to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "80");
}

/// The small book's payments on one sheet a month.
fn monthly_sheets(copy: bool) -> Vec<(&'static str, Vec<Vec<C>>)> {
    let mut b = small_book();
    let (_, rows) = b.remove(1);
    let header = rows[0].clone();
    let mut sheets = vec![
        ("3月拨付", vec![header.clone(), rows[1].clone()]),
        ("4月拨付", vec![header.clone(), rows[3].clone()]),
        ("6月拨付", vec![header.clone(), rows[2].clone()]),
    ];
    if copy {
        sheets.push(("6月拨付 (2)", vec![header, rows[2].clone()]));
    }
    for (i, s) in sheets.into_iter().enumerate() {
        b.insert(1 + i, s);
    }
    b
}

#[test]
fn payments_kept_one_sheet_a_month_are_all_counted() {
    let w = Workdir::new();
    let (r, j) = report(&w, &monthly_sheets(false), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "80");
    assert_eq!(paid(&j, "P2"), "5.5");
    assert!(codes(&j).contains(&"R081".to_string()));
}

#[test]
fn a_copy_of_a_payment_sheet_is_not_counted_twice() {
    let w = Workdir::new();
    let (r, j) = report(&w, &monthly_sheets(true), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "80");
    assert!(
        j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "R081" && p["message"].as_str().unwrap().contains("6月拨付 (2)")),
        "{:#}",
        j["problems"]
    );
}

#[test]
fn one_payment_on_two_sheets_is_counted_twice_and_an_error_naming_both() {
    let w = Workdir::new();
    let mut b = small_book();
    let rows = b[1].1.clone();
    b.insert(
        2,
        (
            "拨付补记",
            vec![
                rows[0].clone(),
                rows[1].clone(),
                vec![S("P2"), D("2024-05-01"), N(1.0), E],
            ],
        ),
    );
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 1);
    assert_eq!(paid(&j, "P1"), "130");
    assert_eq!(paid(&j, "P2"), "6.5");
    let e = errors(&j);
    assert!(
        e.iter()
            .any(|m| m.contains("拨付补记!A2") && m.contains("拨付!A2")),
        "{e:#?}"
    );
}

#[test]
fn payments_kept_as_column_pairs_are_read_as_dated_payments() {
    for (date_header, amount_header) in [
        ("第一次拨付日期", "第一次拨付金额"),
        ("第1笔拨付时间", "第1笔拨付金额（万元）"),
    ] {
        let second = if date_header.contains('笔') {
            ("第2笔拨付时间", "第2笔拨付金额（万元）")
        } else {
            ("第二次拨付日期", "第二次拨付金额")
        };
        let mut b = small_book();
        b.remove(1);
        b[0].1[0].extend([S(date_header), S(amount_header), S(second.0), S(second.1)]);
        b[0].1[1].extend([D("2024-03-01"), N(50.0), T("2024年6月1日".into()), N(30.0)]);
        b[0].1[2].extend([D("2024-04-15"), N(5.5), E, E]);
        // The dates count: a cut-off before June leaves the second payment out.
        let w = Workdir::new();
        let (r, j) = report(&w, &b, &["--as-of", "2024-05-31"]);
        assert_eq!(r.code, 0, "{date_header}: {}", r.stderr);
        assert_eq!(paid(&j, "P1"), "50", "{date_header}");
        assert_eq!(paid(&j, "P2"), "5.5", "{date_header}");
        let (_, j) = report(&w, &b, &["--as-of", "2024-12-31"]);
        assert_eq!(paid(&j, "P1"), "80", "{date_header}");
        assert!(!codes(&j).contains(&"R044".to_string()));
    }
}

#[test]
fn an_amount_typed_with_wan_is_read_in_wan_whatever_the_table_unit() {
    let mut b = small_book();
    // The payment sheet in 元, one payment typed "0.5万" (5,000 元).
    b[1].1[0][2] = S("拨付金额（元）");
    b[1].1[1][2] = N(500_000.0);
    b[1].1[2][2] = N(300_000.0);
    b[1].1[3][2] = T("0.5万".into());
    let w = Workdir::new();
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "80");
    assert_eq!(paid(&j, "P2"), "0.5");
}

#[test]
fn a_budget_headed_as_clerks_write_it_is_read() {
    for label in [
        "批复金额",
        "下达金额（万元）",
        "安排金额",
        "计划资金",
        "投资金额",
    ] {
        let mut b = small_book();
        b[0].1[0][4] = S(label);
        let w = Workdir::new();
        let (r, j) = report(&w, &b, &[]);
        assert_eq!(r.code, 0, "{label}: {}", r.stderr);
        assert_eq!(j["totals"]["budget"], "120", "{label}");
    }
}

/// The small book in 元, its unit stated `how`.
fn yuan_book(how: &str) -> Vec<(&'static str, Vec<Vec<C>>)> {
    let mut b = small_book();
    let rows = &mut b[0].1;
    for r in rows.iter_mut().skip(1) {
        for c in [4, 5] {
            if let N(v) = r[c] {
                r[c] = N(v * 10_000.0);
            }
        }
    }
    rows[0][4] = S("预算金额");
    rows[0][5] = S("结算金额");
    let title = |t: &'static str| vec![S(t)];
    match how {
        "人民币" => {
            rows.insert(0, vec![E, E, E, E, E, E, S("单位：人民币元")]);
            rows.insert(0, title("某某镇2024年项目台账"));
        }
        "title line" => rows.insert(
            0,
            vec![S("某某镇2024年项目台账"), E, E, E, E, E, S("单位：元")],
        ),
        "title bracket" => rows.insert(0, title("某某镇2024年项目台账（元）")),
        "units row" => rows.insert(1, vec![E, E, E, E, S("元"), S("（元）"), E]),
        _ => unreachable!(),
    }
    b
}

#[test]
fn a_unit_stated_as_clerks_write_it_is_never_read_as_wan() {
    for how in ["人民币", "title line", "title bracket", "units row"] {
        let w = Workdir::new();
        let (r, j) = report(&w, &yuan_book(how), &[]);
        assert_eq!(r.code, 0, "{how}: {}", r.stderr);
        assert_eq!(j["totals"]["budget"], "120", "{how}");
        assert!(!codes(&j).contains(&"R039".to_string()), "{how}");
    }
}

#[test]
fn a_payment_pair_under_a_units_row_takes_its_unit() {
    let mut b = small_book();
    b.remove(1);
    b[0].1[0].extend([S("第一次拨付日期"), S("第一次拨付金额")]);
    b[0].1
        .insert(1, vec![E, E, E, E, S("万元"), S("万元"), E, E, S("元")]);
    b[0].1[2].extend([D("2024-03-01"), N(500_000.0)]);
    b[0].1[3].extend([D("2024-04-15"), N(55_000.0)]);
    let w = Workdir::new();
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "50");
    assert_eq!(paid(&j, "P2"), "5.5");
}

#[test]
fn projects_kept_one_sheet_a_fund_are_all_read() {
    let mut b = small_book();
    let (_, rows) = b.remove(0);
    b.insert(0, ("整合资金项目", vec![rows[0].clone(), rows[1].clone()]));
    b.insert(0, ("衔接资金项目", vec![rows[0].clone(), rows[2].clone()]));
    let w = Workdir::new();
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(j["totals"]["budget"], "120");
    assert_eq!(paid(&j, "P1"), "80");
    assert_eq!(paid(&j, "P2"), "5.5");
    assert!(codes(&j).contains(&"R083".to_string()));
}

#[test]
fn a_project_on_two_project_sheets_is_counted_once_and_an_error() {
    let mut b = small_book();
    let (_, rows) = b.remove(0);
    b.insert(0, ("整合资金项目", rows.clone()));
    b.insert(0, ("衔接资金项目", vec![rows[0].clone(), rows[2].clone()]));
    let w = Workdir::new();
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 1);
    assert_eq!(j["totals"]["budget"], "120");
    assert!(
        errors(&j)
            .iter()
            .any(|m| m.contains("整合资金项目!A3") && m.contains("衔接资金项目!A2")),
        "{:#?}",
        errors(&j)
    );
}

#[test]
fn project_sheets_of_two_years_are_refused_never_one_chosen() {
    let mut b = small_book();
    let (_, rows) = b.remove(0);
    let mut old = rows.clone();
    old[1][0] = S("P23-1");
    old[2][0] = S("P23-2");
    // Last year's sheet first: the order must not decide.
    b.insert(0, ("2024年项目台账", rows));
    b.insert(0, ("2023年项目台账", old));
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &b);
    let r = w.run(&["report", "in.xlsx", "--json", "out.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("R114") && r.stderr.contains("2023年项目台账"),
        "{}",
        r.stderr
    );
    assert!(!w.exists("out.json"));
    // The mapping line the message gives settles it.
    std::fs::write(w.path("m.toml"), "[sheets]\n项目 = \"2024年项目台账\"\n").unwrap();
    let (r, j) = report(&w, &b, &["--mapping", w.path("m.toml").to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "80");
}

#[test]
fn a_payment_journal_with_month_and_running_totals_reads_only_payments() {
    let mut b = small_book();
    let rows = b[1].1.clone();
    b[1].1 = vec![
        rows[0].clone(),
        rows[1].clone(),
        vec![S("本月合计"), E, N(50.0), E],
        vec![S("本年累计"), E, N(50.0), E],
        rows[3].clone(),
        vec![S("本月合计"), E, N(5.5), E],
        vec![S("本年累计"), E, N(55.5), E],
        rows[2].clone(),
        vec![S("本月合计"), E, N(30.0), E],
        vec![S("本年累计"), E, N(85.5), E],
    ];
    let w = Workdir::new();
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "80");
    assert_eq!(paid(&j, "P2"), "5.5");
    // A running total that is wrong is an error naming it.
    b[1].1[6][2] = N(60.0);
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 1);
    assert!(
        errors(&j).iter().any(|m| m.contains("拨付!C7")),
        "{:#?}",
        errors(&j)
    );
}

#[test]
fn payments_in_yuan_without_a_unit_are_an_error_even_when_each_is_small() {
    // Each payment under 10 万 (so no single amount looks like 元), but the
    // whole paid is hundreds of times the budget: the unit is misread.
    let mut b = small_book();
    b[1].1[0][2] = S("拨付金额");
    b[1].1[1][2] = N(50_000.0);
    b[1].1[2][2] = N(30_000.0);
    b[1].1[3][2] = N(5_500.0);
    let w = Workdir::new();
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let p = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "R084")
        .expect("R084");
    assert_eq!(p["cell"], "拨付!C1");
    // Stated, it reads exactly.
    b[1].1[0][2] = S("拨付金额（元）");
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "8");
    assert_eq!(paid(&j, "P2"), "0.55");
}

#[test]
fn a_total_of_each_part_of_the_table_is_checked_against_that_part() {
    // Two tables on one sheet, each closed by its own 合计 (the second under
    // a repeated header), as a clerk keeps 衔接 and 整合 projects apart.
    let mut b = small_book();
    let rows = b[0].1.clone();
    b[0].1 = vec![
        rows[0].clone(),
        rows[2].clone(),
        vec![S("合计"), E, E, E, N(20.0), E, E],
        rows[0].clone(),
        rows[1].clone(),
        vec![S("合计"), E, E, E, N(100.0), N(98.5), E],
    ];
    let w = Workdir::new();
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(j["totals"]["budget"], "120");
    // A part's 合计 that matches neither its part nor the whole is an error.
    b[0].1[2][4] = N(21.0);
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 1);
    assert!(
        errors(&j).iter().any(|m| m.contains("项目!E3")),
        "{:#?}",
        errors(&j)
    );
}

#[test]
fn two_funds_in_one_cell_are_never_read_as_the_first_named() {
    let mut b = small_book();
    b[0].1[1][3] = S("县级衔接资金+整合资金");
    let w = Workdir::new();
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p1 = j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "P1")
        .unwrap();
    assert_eq!(p1["fund_source"], "县级衔接资金+整合资金");
    assert!(codes(&j).contains(&"R049".to_string()));
}

#[test]
fn month_columns_with_no_parent_are_the_payments_never_nothing() {
    for (m3, m4, m6) in [
        ("3月", "4月", "6月"),
        ("3月拨付", "4月拨付", "6月拨付"),
        ("三月", "四月", "六月"),
    ] {
        let mut b = small_book();
        b.remove(1);
        b[0].1[0].extend([S(m3), S(m4), S(m6)]);
        b[0].1[1].extend([N(50.0), E, N(30.0)]);
        b[0].1[2].extend([E, N(5.5), E]);
        let w = Workdir::new();
        let (r, j) = report(&w, &b, &["--as-of", "2024-12-31"]);
        assert_eq!(r.code, 0, "{m3}: {}", r.stderr);
        assert_eq!(paid(&j, "P1"), "80", "{m3}");
        assert_eq!(paid(&j, "P2"), "5.5", "{m3}");
        // Dated at each month's end: a cut-off in May leaves June out.
        let (_, j) = report(&w, &b, &["--as-of", "2024-05-31"]);
        assert_eq!(paid(&j, "P1"), "50", "{m3}");
    }
}

#[test]
fn a_paid_this_year_column_is_the_paid_and_never_passed_over_without_a_word() {
    // 本年拨付 alone is what was paid (it was an unread column: paid 0, R080).
    for label in ["本年拨付", "当年支付（万元）", "本年度拨付"] {
        let w = Workdir::new();
        let (r, j) = report(&w, &paid_column_book(label), &[]);
        assert_eq!(r.code, 0, "{label}: {}", r.stderr);
        assert_eq!(paid(&j, "P1"), "80", "{label}");
        assert!(!codes(&j).contains(&"R080".to_string()), "{label}");
    }
    // Beside 累计拨付 the standard name wins, and the reading names the other.
    let w = Workdir::new();
    let mut b = paid_column_book("累计拨付");
    b[0].1[0].push(S("本年拨付"));
    b[0].1[1].push(N(30.0));
    b[0].1[2].push(N(5.5));
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "80");
    let said = j["reading"].as_array().unwrap().iter().any(|s| {
        s["rules"].as_array().is_some_and(|r| {
            r.iter().any(|t| {
                let t = t.as_str().unwrap_or("");
                t.contains("“累计拨付”") && t.contains("本年拨付")
            })
        })
    });
    assert!(said, "{:#}", j["reading"]);
    assert!(codes(&j).contains(&"R094".to_string()), "{:?}", codes(&j));
}

#[test]
fn a_paid_column_beside_a_payment_list_is_checked_against_it() {
    // The clerk's 已拨付 column says 10 where the payment list holds 5: the
    // list is the figure, the column was kept without a word.
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1[0].push(S("已拨付（万元）"));
    b[0].1[1].push(N(80.0));
    b[0].1[2].push(N(10.0));
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(paid(&j, "P2"), "5.5");
    let e = errors(&j);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("项目!H3") && e[0].contains("10") && e[0].contains("5.5"),
        "{e:?}"
    );
    // Agreeing, nothing is said.
    let w = Workdir::new();
    b[0].1[2][7] = N(5.5);
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!codes(&j).contains(&"R089".to_string()));
}

#[test]
fn budget_parts_over_their_total_are_an_error() {
    // 资金规模 合计 60 over 中央 50 + 省级 20: the ledger contradicts itself
    // (it was a note, exit 0, the budget 60 taken without a doubt). Parts
    // short of the total stay a note (其中 columns need not cover 自筹).
    for (total, code, exit) in [(60.0, "R090", 1), (80.0, "R043", 0)] {
        let w = Workdir::new();
        let mut b = small_book();
        b[0].1[0].push(S("中央"));
        b[0].1[0].push(S("省级"));
        b[0].1[1][4] = N(total);
        b[0].1[1].push(N(50.0));
        b[0].1[1].push(N(20.0));
        let (r, j) = report(&w, &b, &[]);
        assert_eq!(r.code, exit, "{total}: {}", r.stderr);
        assert!(
            codes(&j).contains(&code.to_string()),
            "{total}: {:?}",
            codes(&j)
        );
    }
}

#[test]
fn a_settlement_not_made_yet_in_words_is_no_settlement_and_no_error() {
    // "未结算", "待审计" in 结算金额 were errors (not a number, exit 1).
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1[1][5] = S("未结算");
    b[0].1[2][5] = S("待审计");
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(codes(&j).contains(&"R091".to_string()));
    let p1 = j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "P1")
        .unwrap();
    assert!(p1["settled"].is_null(), "{p1}");
    // Anything else in it is still an error.
    let w = Workdir::new();
    b[0].1[1][5] = S("约98万");
    let (r, _) = report(&w, &b, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn a_payment_naming_its_project_full_width_or_in_small_letters_is_counted() {
    // ＸＭ－０１ / xm-01 for XM-01 were unknown projects: the payment left out.
    let w = Workdir::new();
    let mut b = small_book();
    b[1].1[1][0] = S("ｐ１");
    b[1].1[2][0] = S(" p1 ");
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "80");
    assert!(codes(&j).contains(&"R092".to_string()));
    // Two projects folding alike: no guess, the payment is an error.
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1[2][0] = S("p1");
    b[1].1[3][0] = S("Ｐ１");
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(codes(&j).contains(&"R035".to_string()), "{:?}", codes(&j));
}

#[test]
fn the_unit_stated_in_the_header_rows_last_cell_is_read() {
    // "（单位：元）" after the last heading, where no column is: the table's
    // unit (it was an unknown column; the amounts read as 万元).
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1[0][4] = S("预算金额");
    b[0].1[0][5] = S("结算金额");
    b[0].1[0].push(S("（单位：元）"));
    b[0].1[1][4] = N(60_000.0);
    b[0].1[1][5] = N(58_000.0);
    b[0].1[2][4] = N(20_000.0);
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p1 = j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "P1")
        .unwrap();
    assert_eq!(p1["budget"], "6");
    assert_eq!(p1["settled"], "5.8");
}

#[test]
fn a_payment_without_its_id_but_with_its_projects_name_is_counted() {
    // The id blank and the name given, or the name typed in the id column:
    // the payment was left out (R027 / R035).
    let w = Workdir::new();
    let mut b = small_book();
    for r in b[1].1.iter_mut() {
        r.insert(1, E);
    }
    b[1].1[0][1] = S("项目名称");
    b[1].1[1][0] = E;
    b[1].1[1][1] = S("道路");
    b[1].1[3][0] = S("补助");
    let (r, j) = report(&w, &b, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "80");
    assert_eq!(paid(&j, "P2"), "5.5");
    assert!(codes(&j).contains(&"R093".to_string()));
    // A name two projects bear is no answer: still an error.
    let w = Workdir::new();
    b[0].1[2][1] = S("道路");
    let (r, _) = report(&w, &b, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn payments_kept_as_undated_batch_columns_are_the_paid_so_far() {
    // 第一批拨付 | 第二批拨付 with amounts and no dates: their sum is the
    // paid (was R080, every project's paid 0).
    for (first, second) in [
        ("第一批拨付", "第二批拨付"),
        ("第1次支付（万元）", "第2次支付（万元）"),
    ] {
        let w = Workdir::new();
        let mut b = small_book();
        b.remove(1);
        b[0].1[0].push(S(first));
        b[0].1[0].push(S(second));
        b[0].1[1].push(N(50.0));
        b[0].1[1].push(N(30.0));
        b[0].1[2].push(N(5.5));
        b[0].1[2].push(E);
        let (r, j) = report(&w, &b, &[]);
        assert_eq!(r.code, 0, "{first}: {}", r.stderr);
        assert_eq!(paid(&j, "P1"), "80", "{first}");
        assert_eq!(paid(&j, "P2"), "5.5", "{first}");
        assert!(!codes(&j).contains(&"R080".to_string()), "{first}");
    }
}

#[test]
fn paid_split_by_level_under_a_paid_parent_is_the_paid_so_far() {
    // 已拨付资金 over 中央 | 省级 with no total of its own: the sum of the
    // parts (was R080, every project's paid 0).
    let w = Workdir::new();
    let b = vec![(
        "项目",
        vec![
            vec![
                S("项目编号"),
                S("项目名称"),
                S("项目类别"),
                S("资金性质"),
                S("预算金额（万元）"),
                S("已拨付资金（万元）"),
                E,
            ],
            vec![E, E, E, E, E, S("中央"), S("省级")],
            vec![
                S("P1"),
                S("道路"),
                S("基础设施建设项目"),
                S("衔接资金"),
                N(100.0),
                N(60.0),
                N(20.0),
            ],
            vec![
                S("P2"),
                S("补助"),
                S("产业项目"),
                S("衔接资金"),
                N(20.0),
                N(5.5),
                E,
            ],
        ],
    )];
    let (r, j) = report(&w, &b, &["--as-of", "2024-12-31"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(paid(&j, "P1"), "80");
    assert_eq!(paid(&j, "P2"), "5.5");
    assert!(!codes(&j).contains(&"R080".to_string()));
}
