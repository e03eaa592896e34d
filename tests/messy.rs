//! The same data set written in the standard layout and in a messy real-world
//! layout (title row, 单位 line, two-row header with a merged 资金规模（元）
//! parent, 序号, 元 as text with thousands separators, dates typed four ways,
//! blank lines, 合计 first, 小计 rows, padded codes, other spellings, an
//! unrelated sheet) must give identical figures — as .xlsx, .ods and, where
//! LibreOffice can convert it, .xls.

mod common;
use common::*;
use std::path::Path;

struct Project {
    id: &'static str,
    name: &'static str,
    category: &'static str,
    fund: &'static str,
    /// 元, exact to the 分
    budget_fen: i64,
    settled_fen: Option<i64>,
    status: &'static str,
}

const PROJECTS: &[Project] = &[
    Project {
        id: "JY-01",
        name: "以奖代补项目",
        category: "产业项目",
        fund: "衔接资金",
        budget_fen: 46_600_000,
        settled_fen: Some(10_220_000),
        status: "已结算",
    },
    Project {
        id: "JY-02",
        name: "河南村牛场建设项目",
        category: "产业项目",
        fund: "整合资金",
        budget_fen: 166_000_000,
        settled_fen: Some(166_000_000),
        status: "已完工",
    },
    Project {
        id: "JY-03",
        name: "永生村沥青路",
        category: "基础设施建设项目",
        fund: "整合资金",
        budget_fen: 85_000_000,
        settled_fen: Some(83_082_700),
        status: "已结算",
    },
    Project {
        id: "JY-04",
        name: "靖安村示范创建",
        category: "基础设施建设项目",
        fund: "整合资金",
        budget_fen: 100_000_000,
        settled_fen: Some(98_129_000),
        status: "已完工",
    },
    Project {
        id: "JY-05",
        name: "雨露计划",
        category: "其他项目",
        fund: "整合资金",
        budget_fen: 4_500_000,
        settled_fen: Some(3_750_000),
        status: "已结算",
    },
    Project {
        id: "JY-06",
        name: "村庄规划编制",
        category: "其他项目",
        fund: "整合资金",
        budget_fen: 5_000_000,
        settled_fen: None,
        status: "在建",
    },
    Project {
        id: "JY-07",
        name: "务工交通补助",
        category: "其他项目",
        fund: "衔接资金",
        budget_fen: 1_458_712,
        settled_fen: Some(1_458_712),
        status: "已结算",
    },
];

/// (project, yyyy, mm, dd, 元 in 分, payment's own fund or "")
const PAYMENTS: &[(&str, i32, u32, u32, i64, &str)] = &[
    ("JY-01", 2023, 10, 25, 6_500_000, ""),
    ("JY-01", 2023, 12, 15, 3_720_000, ""),
    ("JY-02", 2023, 7, 10, 30_000_000, "衔接资金"),
    ("JY-02", 2023, 9, 15, 30_000_000, "衔接资金"),
    ("JY-03", 2023, 8, 20, 40_000_000, ""),
    ("JY-03", 2023, 10, 30, 30_000_000, ""),
    ("JY-03", 2024, 1, 15, 13_082_700, ""),
    ("JY-04", 2023, 9, 5, 40_000_000, ""),
    ("JY-04", 2023, 12, 20, 27_803_833, ""),
    ("JY-05", 2023, 6, 20, 1_800_000, ""),
    ("JY-05", 2023, 12, 10, 1_950_000, ""),
    ("JY-06", 2023, 5, 15, 2_000_000, ""),
    ("JY-06", 2024, 3, 20, 3_000_000, ""),
    ("JY-06", 2024, 6, 3, 1_000_000, ""),
    ("JY-07", 2023, 11, 8, 1_458_712, ""),
    ("JY-02", 2023, 11, 1, -100_000, ""),
];

/// 分 → 万元 as a decimal string (exact).
fn wan(fen: i64) -> String {
    let d = rust_decimal::Decimal::new(fen, 6);
    d.normalize().to_string()
}
/// 分 → "1,234,567.89" (元 with thousands separators).
fn yuan_text(fen: i64) -> String {
    let neg = fen < 0;
    let fen = fen.abs();
    let (yuan, cents) = (fen / 100, fen % 100);
    let digits = yuan.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{}{grouped}.{cents:02}", if neg { "-" } else { "" })
}

fn standard() -> Vec<SheetData> {
    let mut projects = vec![PROJECT_HEADER.to_vec()];
    for p in PROJECTS {
        projects.push(vec![
            S(p.id),
            S(p.name),
            S(p.category),
            S(p.fund),
            N(wan(p.budget_fen).parse().unwrap()),
            p.settled_fen
                .map(|s| N(wan(s).parse().unwrap()))
                .unwrap_or(E),
            S(p.status),
        ]);
    }
    let mut payments = vec![PAYMENT_HEADER.to_vec()];
    for (id, y, m, d, fen, fund) in PAYMENTS {
        let date: &'static str = Box::leak(format!("{y:04}-{m:02}-{d:02}").into_boxed_str());
        payments.push(vec![
            S(id),
            D(date),
            N(wan(*fen).parse().unwrap()),
            if fund.is_empty() { E } else { S(fund) },
        ]);
    }
    vec![
        ("项目".into(), projects, vec![]),
        ("拨付".into(), payments, vec![]),
    ]
}

/// How the messy ledger spells things.
fn messy_category(c: &str) -> &'static str {
    match c {
        "产业项目" => "产业发展",
        "基础设施建设项目" => "基础设施",
        _ => "其他项目",
    }
}
fn messy_status(s: &str) -> &'static str {
    match s {
        "已完工" => "完工未结算",
        "在建" => "施工中",
        _ => "已结算",
    }
}
fn messy_fund(f: &str) -> &'static str {
    if f == "衔接资金" {
        "中央衔接推进乡村振兴补助资金"
    } else {
        "其他涉农整合资金"
    }
}
fn messy_date(i: usize, y: i32, m: u32, d: u32) -> C {
    match i % 5 {
        0 => T(format!("{y}年{m}月{d}日")),
        1 => T(format!("{y}/{m}/{d}")),
        2 => T(format!("{y}.{m:02}.{d:02}")),
        3 => T(format!("{y}{m:02}{d:02}")),
        _ => D(Box::leak(format!("{y:04}-{m:02}-{d:02}").into_boxed_str())),
    }
}

fn messy() -> Vec<SheetData> {
    // 项目台账: title, 单位 line, two header rows, 合计 first, a blank line.
    let mut rows: Vec<Vec<C>> = vec![
        vec![S("靖宇镇2023年度衔接及整合资金项目台账")],
        vec![E, E, E, E, E, E, E, E, S("单位：元")],
        vec![
            S("序号"),
            S("项目代码"),
            S("项目 名称"),
            S("项目类型"),
            S("资金规模（元）"),
            E,
            E,
            E,
            S("项目状态"),
            S("建设地点"),
        ],
        vec![
            E,
            E,
            E,
            E,
            S("预算"),
            S("结算"),
            S("衔接资金"),
            S("其他整合资金"),
            E,
            E,
        ],
    ];
    let total: i64 = PROJECTS.iter().map(|p| p.budget_fen).sum();
    rows.push(vec![S("合计"), E, E, E, T(yuan_text(total)), E, E, E, E, E]);
    for (i, p) in PROJECTS.iter().enumerate() {
        if i == 3 {
            rows.push(vec![]);
        }
        let (xj, zh) = if p.fund == "衔接资金" {
            (T(yuan_text(p.budget_fen)), E)
        } else {
            (E, T(yuan_text(p.budget_fen)))
        };
        rows.push(vec![
            N((i + 1) as f64),
            T(format!("  {} ", p.id)),
            S(p.name),
            S(messy_category(p.category)),
            T(yuan_text(p.budget_fen)),
            p.settled_fen.map(|s| T(yuan_text(s))).unwrap_or(S("—")),
            xj,
            zh,
            S(messy_status(p.status)),
            S("靖宇镇"),
        ]);
    }
    let merges = vec![
        (0, 0, 0, 9),
        (2, 0, 3, 0),
        (2, 1, 3, 1),
        (2, 2, 3, 2),
        (2, 3, 3, 3),
        (2, 4, 2, 7),
        (2, 8, 3, 8),
        (2, 9, 3, 9),
    ];
    let projects = ("项目台账".to_string(), rows, merges);

    // 资金拨付: title, 单位 line, one header row without a unit, 小计 per project, 合计 at the end.
    let mut rows: Vec<Vec<C>> = vec![
        vec![S("2023年度资金拨付台账")],
        vec![S("单位：元")],
        vec![
            S("序号"),
            S("项目代码"),
            S("项目名称"),
            S("支付日期"),
            S("支付金额"),
            S("资金类型"),
            S("摘要"),
        ],
    ];
    let mut n = 0;
    let mut grand = 0;
    for p in PROJECTS {
        let mut sub = 0;
        for (i, (id, y, m, d, fen, fund)) in
            PAYMENTS.iter().enumerate().filter(|(_, x)| x.0 == p.id)
        {
            n += 1;
            sub += fen;
            let amount = if i % 2 == 0 {
                T(yuan_text(*fen))
            } else {
                N(*fen as f64 / 100.0)
            };
            rows.push(vec![
                N(n as f64),
                T(format!(" {id}")),
                S(p.name),
                messy_date(i, *y, *m, *d),
                amount,
                if fund.is_empty() {
                    E
                } else {
                    S(messy_fund(fund))
                },
                S("拨付"),
            ]);
        }
        grand += sub;
        rows.push(vec![E, S("小计"), E, E, T(yuan_text(sub))]);
        rows.push(vec![]);
    }
    rows.push(vec![S("合计"), E, E, E, T(yuan_text(grand))]);
    let payments = ("资金拨付".to_string(), rows, vec![(0, 0, 0, 6)]);
    let notes = (
        "备注".to_string(),
        vec![
            vec![S("本台账由财政所填报，仅供内部使用")],
            vec![S("联系人"), S("张三")],
        ],
        vec![],
    );
    vec![projects, payments, notes]
}

fn figures(j: &serde_json::Value) -> serde_json::Value {
    let mut j = j.clone();
    j.as_object_mut().unwrap().remove("problems");
    // How each layout was read (读取说明) differs by layout; the figures may not.
    j.as_object_mut().unwrap().remove("reading");
    j
}

fn report_json(w: &Workdir, file: &str) -> (Run, serde_json::Value) {
    let json = format!("{file}.json");
    let r = w.run(&[
        "report",
        file,
        "--as-of",
        "2024-05-31",
        "--unit",
        "靖宇镇",
        "-o",
        &format!("{file}-out.xlsx"),
        "--json",
        &json,
    ]);
    let j = if w.exists(&json) {
        read_json(&w.path(&json))
    } else {
        serde_json::Value::Null
    };
    (r, j)
}

fn assert_same_figures(w: &Workdir, messy_file: &str) -> serde_json::Value {
    let (r, std_json) = report_json(w, "standard.xlsx");
    assert_eq!(r.code, 0, "standard: {}", r.stderr);
    let (r, messy_json) = report_json(w, messy_file);
    assert_eq!(r.code, 0, "{messy_file}: {}", r.stderr);
    assert_eq!(
        figures(&std_json),
        figures(&messy_json),
        "{messy_file} gives the standard layout's figures"
    );
    // And the figures are the data set's, not just equal to each other.
    let budget: i64 = PROJECTS.iter().map(|p| p.budget_fen).sum();
    assert_eq!(messy_json["totals"]["budget"], wan(budget));
    let paid: i64 = PAYMENTS
        .iter()
        .filter(|p| (p.1, p.2) <= (2024, 5))
        .map(|p| p.4)
        .sum();
    assert_eq!(messy_json["totals"]["paid"], wan(paid));
    messy_json
}

#[test]
fn messy_xlsx_gives_the_standard_figures_and_loses_nothing() {
    let w = Workdir::new();
    write_xlsx_merged(&w.path("standard.xlsx"), &standard());
    write_xlsx_merged(&w.path("messy.xlsx"), &messy());
    let j = assert_same_figures(&w, "messy.xlsx");
    let problems = j["problems"].as_array().unwrap();
    let said = |s: &str| {
        problems
            .iter()
            .any(|p| p["message"].as_str().unwrap().contains(s))
    };
    assert!(
        problems.iter().all(|p| p["severity"] == "提示"),
        "{problems:#?}"
    );
    assert!(
        said("“项目台账”用作项目表") && said("“资金拨付”用作拨付表"),
        "says which sheet was taken for what"
    );
    assert!(said("“备注”未被使用"), "unused sheet listed");
    assert!(said("以文本保存的数字"), "text numbers noted");
    // Correct 合计 (first row) and 小计 rows raise no sum warnings.
    assert!(!said("相差"), "{problems:#?}");
    // Every input cell is in the annotated workbook, merges kept.
    let out = w.path("messy.xlsx-out.xlsx");
    for (name, cells) in read_cells(&w.path("messy.xlsx")) {
        let copy = read_cells(&out)
            .into_iter()
            .find(|(n, _)| *n == name)
            .unwrap()
            .1;
        for (pos, v) in cells {
            assert!(
                copy.iter().any(|(p, c)| *p == pos && *c == v),
                "{name}!{pos:?} = {v:?} kept"
            );
        }
    }
    let sheet2 = zip_part(&out, "xl/worksheets/sheet6.xml");
    assert!(
        sheet2.contains(r#"<mergeCell ref="E3:H3"/>"#),
        "merged parent kept on the copy"
    );
}

#[test]
fn messy_ods_gives_the_standard_figures() {
    let w = Workdir::new();
    write_xlsx_merged(&w.path("standard.xlsx"), &standard());
    write_ods(&w.path("messy.ods"), &messy());
    assert_same_figures(&w, "messy.ods");
    // Every input cell is in the annotated workbook.
    let out = w.path("messy.ods-out.xlsx");
    for (name, cells) in read_cells(&w.path("messy.ods")) {
        let copy = read_cells(&out)
            .into_iter()
            .find(|(n, _)| *n == name)
            .unwrap()
            .1;
        for (pos, v) in cells {
            let kept = copy
                .iter()
                .any(|(p, c)| *p == pos && (c == &v || c.to_string() == v.to_string()));
            assert!(kept, "{name}!{pos:?} = {v:?} kept");
        }
    }
}

#[test]
fn messy_xls_gives_the_standard_figures_where_libreoffice_can_make_one() {
    let Some(soffice) = soffice() else {
        skip::soffice_missing();
        return;
    };
    let w = Workdir::new();
    write_xlsx_merged(&w.path("standard.xlsx"), &standard());
    write_xlsx_merged(&w.path("messy.xlsx"), &messy());
    let profile = w.path("lo-profile");
    let status = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "xls:MS Excel 97",
            "--outdir",
        ])
        .arg(w.dir.path())
        .arg(w.path("messy.xlsx"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success() && Path::new(&w.path("messy.xls")).exists());
    assert_same_figures(&w, "messy.xls");
}

#[test]
fn mapping_file_names_sheets_columns_and_units() {
    let w = Workdir::new();
    write_xlsx_merged(&w.path("standard.xlsx"), &standard());
    // Headers no alias knows, amounts in 元 with no unit anywhere.
    let mut projects = vec![vec![
        S("库内编码"),
        S("工程名称"),
        S("归类"),
        S("钱的来路"),
        S("盘子"),
        S("审计数"),
        S("干到哪了"),
    ]];
    for p in PROJECTS {
        projects.push(vec![
            S(p.id),
            S(p.name),
            S(p.category),
            S(p.fund),
            N(p.budget_fen as f64 / 100.0),
            p.settled_fen.map(|s| N(s as f64 / 100.0)).unwrap_or(E),
            S(p.status),
        ]);
    }
    let mut payments = vec![vec![S("库内编码"), S("付款日"), S("实付"), S("钱的来路")]];
    for (id, y, m, d, fen, fund) in PAYMENTS {
        payments.push(vec![
            S(id),
            T(format!("{y}-{m:02}-{d:02}")),
            N(*fen as f64 / 100.0),
            if fund.is_empty() { E } else { S(fund) },
        ]);
    }
    write_xlsx_merged(
        &w.path("odd.xlsx"),
        &[
            ("甲表".into(), projects, vec![]),
            ("乙表".into(), payments, vec![]),
        ],
    );
    // Without the mapping: a clear fatal message naming the missing columns.
    let r = w.run(&["report", "odd.xlsx", "-o", "x.xlsx"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--mapping"), "{}", r.stderr);
    std::fs::write(
        w.path("map.toml"),
        r#"
[sheets]
项目 = "甲表"
拨付 = "乙表"

[columns.项目]
项目编号 = "库内编码"
项目名称 = "工程名称"
项目类别 = "归类"
资金性质 = "钱的来路"
预算金额 = "盘子"
结算金额 = "审计数"
建设状态 = "干到哪了"

[columns.拨付]
项目编号 = "库内编码"
拨付日期 = "付款日"
拨付金额 = "实付"
资金性质 = "钱的来路"

[units]
项目 = "元"
拨付 = "元"
"#,
    )
    .unwrap();
    let (r, std_json) = report_json(&w, "standard.xlsx");
    assert_eq!(r.code, 0);
    let r = w.run(&[
        "report",
        "odd.xlsx",
        "--mapping",
        "map.toml",
        "--as-of",
        "2024-05-31",
        "--unit",
        "靖宇镇",
        "-o",
        "odd-out.xlsx",
        "--json",
        "odd.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(figures(&std_json), figures(&read_json(&w.path("odd.json"))));
    // A mapping naming a column that doesn't exist in the standard is refused.
    std::fs::write(w.path("bad.toml"), "[columns.项目]\n预算 = \"盘子\"\n").unwrap();
    let r = w.run(&[
        "report",
        "odd.xlsx",
        "--mapping",
        "bad.toml",
        "-o",
        "y.xlsx",
        "--forms",
        "y-forms.xlsx",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("预算") && r.stderr.contains("bad.toml"),
        "{}",
        r.stderr
    );
}

#[test]
fn amounts_without_a_unit_that_look_like_yuan_are_flagged() {
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1[1][4] = N(1_000_000.0);
    let (r, j) = {
        write_book(&w.path("in.xlsx"), &b);
        let r = w.run(&["report", "in.xlsx", "-o", "o.xlsx", "--json", "o.json"]);
        (r, read_json(&w.path("o.json")))
    };
    // The header says （万元）: not R039 (the unit is stated), but 1,000,000
    // 万元 (100 亿元) for one project is 元 under a 万元 header — an error
    // of its own (R086), never a silent 100 亿.
    assert_eq!(r.code, 1, "{}", r.stderr);
    let codes: Vec<&str> = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(
        !codes.contains(&"R039") && codes.contains(&"R086"),
        "{codes:?}"
    );
    b[0].1[0][4] = S("预算金额");
    write_book(&w.path("in2.xlsx"), &b);
    let r = w.run(&["report", "in2.xlsx", "-o", "o2.xlsx", "--json", "o2.json"]);
    // A unit misread by ten thousand is an error, never only a note.
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j = read_json(&w.path("o2.json"));
    assert!(
        j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["cell"] == "项目!E2"
                && p["message"].as_str().unwrap().contains("看起来像是元")),
        "{:#?}",
        j["problems"]
    );
}

#[test]
fn a_wrong_printed_total_is_reported_with_both_figures() {
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1.push(vec![S("合计"), E, E, E, N(121.0)]);
    write_book(&w.path("in.xlsx"), &b);
    let r = w.run(&["report", "in.xlsx", "-o", "o.xlsx", "--json", "o.json"]);
    // A disagreeing 合计 is an 错误 (R020): exit 1.
    assert_eq!(r.code, 1, "{}", r.stderr);
    let j = read_json(&w.path("o.json"));
    assert_eq!(
        j["totals"]["budget"], "120",
        "the 合计 row is not a project"
    );
    let p = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["cell"] == "项目!E4")
        .expect("total row flagged");
    let m = p["message"].as_str().unwrap();
    assert!(m.contains("121") && m.contains("120"), "{m}");
    assert_eq!(p["severity"], "错误", "{p:#}");
    assert_eq!(p["code"], "R020", "{p:#}");
}
