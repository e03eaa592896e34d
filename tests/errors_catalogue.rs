//! The catalogue of findings (`src/model/finding.rs`): `docs/errors.md` is
//! generated from it and up to date, and every code's example is
//! reproduced here by a test named `example_<code>` (asserting the code,
//! never only a substring).

mod common;
use common::*;
use jixiao::model::finding::{CATALOGUE, markdown};
use std::path::Path;
use std::process::Command;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");
const BIN: &str = env!("CARGO_BIN_EXE_jixiao");

#[test]
fn docs_errors_md_is_generated_from_the_catalogue() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors.md");
    if std::env::var_os("JIXIAO_WRITE_DOCS").is_some() {
        std::fs::write(path, markdown()).unwrap();
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == markdown(),
        "docs/errors.md is out of date: JIXIAO_WRITE_DOCS=1 cargo test --test errors_catalogue"
    );
    for e in CATALOGUE {
        assert!(on_disk.contains(&format!("## {}", e.code)), "{}", e.code);
    }
}

#[test]
fn every_code_has_a_test_reproducing_its_example() {
    let me = include_str!("errors_catalogue.rs");
    for e in CATALOGUE {
        let name = format!("fn example_{}()", e.code.to_lowercase());
        assert!(me.contains(&name), "no test {name} for {}", e.code);
    }
}

// ---- helpers ----

fn report_json(w: &Workdir, args: &[&str]) -> (Run, serde_json::Value) {
    let mut all = vec!["report", "in.xlsx", "-o", "out.xlsx", "--json", "out.json"];
    all.extend_from_slice(args);
    let r = w.run(&all);
    assert!(w.exists("out.json"), "{}", r.stderr);
    (r, read_json(&w.path("out.json")))
}

/// The problem with `code`, its cell and message.
fn find(j: &serde_json::Value, code: &str) -> (String, String) {
    let p = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {}", j["problems"]));
    (
        p["cell"].as_str().unwrap_or("").to_string(),
        p["message"].as_str().unwrap().to_string(),
    )
}

fn fatal(r: &Run, code: &str) -> String {
    assert_eq!(r.code, 2, "{}", r.stderr);
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("错误 "))
        .unwrap_or_else(|| panic!("{}", r.stderr))
        .to_string();
    assert!(
        line.starts_with(&format!("错误 {code}：")),
        "{code}: {line}"
    );
    line
}

fn book_with(
    f: impl FnOnce(&mut Vec<(&'static str, Vec<Vec<C>>)>),
) -> Vec<(&'static str, Vec<Vec<C>>)> {
    let mut b = small_book();
    f(&mut b);
    b
}

// ---- one test per code ----

#[test]
fn example_r001() {
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| {
            b[0].1.push(vec![
                S("P3"),
                S("路灯"),
                S("基础设施建设项目"),
                S("整合资金"),
                S("约5万"),
                E,
                E,
            ])
        }),
    );
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 1);
    // R001 is the catch-all for a row error without its own code: the
    // reader gives every row error its own code now, this one R028.
    let (cell, m) = find(&j, "R028");
    assert_eq!(cell, "项目!E4");
    let want = CATALOGUE.iter().find(|e| e.code == "R001").unwrap().example;
    assert_eq!(m, want);
    assert!(
        !j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "R001"),
        "{:#}",
        j["problems"]
    );
}

#[test]
fn example_r002() {
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| {
            // No 单位名称 in 说明.
            b[2].1.remove(0);
        }),
    );
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // R002 is the catch-all for a note without its own code: every note
    // has its own code now, this one R070.
    let (_, m) = find(&j, "R070");
    let want = CATALOGUE.iter().find(|e| e.code == "R002").unwrap().example;
    assert_eq!(m, want);
    assert!(
        !j["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "R002"),
        "{:#}",
        j["problems"]
    );
}

/// A row whose 项目编号 is a formula that came out as `#REF!`.
fn error_cell_book(path: &Path) {
    let plain = path.with_extension("plain.xlsx");
    write_book(
        &plain,
        &book_with(|b| {
            b[0].1.push(vec![
                F("XREF1", 0.0),
                S("坏行"),
                S("产业项目"),
                S("衔接资金"),
                N(7.0),
                E,
                E,
            ])
        }),
    );
    replace_in_zip(
        &plain,
        path,
        &[("><f>XREF1</f><v>0</v>", " t=\"e\"><f>XREF1</f><v>#REF!</v>")],
    );
}

#[test]
fn example_r010() {
    let w = Workdir::new();
    error_cell_book(&w.path("in.xlsx"));
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 1);
    let (cell, m) = find(&j, "R010");
    assert_eq!(cell, "项目!A4");
    assert_eq!(
        m,
        "项目!A4：项目编号是 Excel 错误值“#REF!”（公式出错），该项目未计入合计；请改正公式或填入数值"
    );
}

#[test]
fn example_r011() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    std::fs::write(
        w.path("m.toml"),
        "[columns.项目]\n结算金额 = \"审计结算数（万元）\"\n",
    )
    .unwrap();
    let (r, j) = report_json(&w, &["--mapping", "m.toml"]);
    assert_eq!(r.code, 1);
    let (_, m) = find(&j, "R011");
    assert!(m.starts_with("映射文件 m.toml 第2行 结算金额 = \"审计结算数（万元）\"：工作表“项目”第1行的表头中没有“审计结算数”"), "{m}");
    assert!(m.contains("该列已按内置列名读取 F 列"), "{m}");
}

#[test]
fn example_r012() {
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| {
            b[0].1[2][0] = N(2024220100000123.0);
            b[1].1[3][0] = N(2024220100000123.0);
        }),
    );
    let (_, j) = report_json(&w, &[]);
    let (cell, m) = find(&j, "R012");
    assert_eq!(cell, "项目!A3");
    assert_eq!(
        m,
        "项目!A3：项目编号2024220100000123 以数字保存，有 16 位；Excel 只显示 15 位有效数字（显示为 2024220100000120），已按单元格中的整数读取；请把该列设为文本格式"
    );
}

#[test]
fn example_r013() {
    let w = Workdir::new();
    write_book(
        &w.path("plain.xlsx"),
        &book_with(|b| b[0].1[2][1] = S("LONGTEXT")),
    );
    replace_in_zip(
        &w.path("plain.xlsx"),
        &w.path("in.xlsx"),
        &[("LONGTEXT", &"路".repeat(40_000))],
    );
    let (_, j) = report_json(&w, &[]);
    let (cell, m) = find(&j, "R013");
    assert_eq!(cell, "项目!B3");
    assert!(
        m.starts_with("项目!B3：文字有 40000 字，超过 Excel 单元格上限 32767 字"),
        "{m}"
    );
}

#[test]
fn example_r014() {
    // A second column of a text field: the first is read, the other said.
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| {
            let name = b[0].1[0][1].clone();
            b[0].1[0].push(name);
            b[0].1[1].push(S("另一个名称"));
        }),
    );
    let (_, j) = report_json(&w, &[]);
    let (cell, m) = find(&j, "R014");
    assert_eq!(cell, "项目!B1");
    assert!(m.contains("B1、H1"), "{m}");
}

#[test]
fn example_r113() {
    // Two columns for one amount: never chosen silently.
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| {
            b[0].1[0].push(S("预算金额（元）"));
            b[0].1[0][4] = S("预算金额（元）");
            b[0].1[1].push(N(1.0));
        }),
    );
    let r = w.run(&["report", "in.xlsx", "--json", "out.json"]);
    let line = fatal(&r, "R113");
    assert!(line.contains("E1") && line.contains("H1"), "{line}");
}

#[test]
fn example_r114() {
    // Two project sheets of different years: never chosen silently.
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| {
            let (_, rows) = b.remove(0);
            b.insert(0, ("2024年项目台账", rows.clone()));
            b.insert(0, ("2023年项目台账", rows));
        }),
    );
    let r = w.run(&["report", "in.xlsx", "--json", "out.json"]);
    let line = fatal(&r, "R114");
    let e = CATALOGUE.iter().find(|e| e.code == "R114").unwrap();
    assert_eq!(line, e.example);
}

#[test]
fn example_r084() {
    // Payments in 元 under a header without a unit.
    reproduce(
        "R084",
        Some("拨付!C1"),
        book_with(|b| {
            b[1].1[0][2] = S("拨付金额");
            b[1].1[1][2] = N(500_000.0);
            b[1].1[2][2] = N(300_000.0);
            b[1].1[3][2] = N(55_000.0);
        }),
    );
}

#[test]
fn example_r085() {
    // A 元 ledger of small projects, no unit anywhere.
    reproduce(
        "R085",
        Some("项目!E2"),
        book_with(|b| {
            b[0].1[0][4] = S("预算金额");
            b[0].1[1][4] = N(45_000.0);
            b[0].1[2][4] = N(12_000.0);
        }),
    );
}

#[test]
fn example_r086() {
    // 元 figures under a 万元 header.
    reproduce(
        "R086",
        Some("项目!E2"),
        book_with(|b| {
            b[0].1[1][4] = N(500_000.0);
        }),
    );
}

#[test]
fn example_r087() {
    // A refund in an accountant's brackets.
    reproduce(
        "R087",
        Some("拨付!C3"),
        book_with(|b| {
            b[1].1[2][2] = S("(5)");
        }),
    );
}

#[test]
fn example_r088() {
    // A second table under the first, 预算金额 and 结算金额 the other way round.
    reproduce(
        "R088",
        Some("项目!A4"),
        book_with(|b| {
            let rows = &mut b[0].1;
            let mut header = rows[0].clone();
            header.swap(4, 5);
            let mut p2 = rows.remove(2);
            p2.swap(4, 5);
            rows.push(vec![]);
            rows.push(header);
            rows.push(p2);
        }),
    );
}

#[test]
fn example_r089() {
    // The project sheet's own 累计拨付 beside a payment list that disagrees.
    reproduce(
        "R089",
        Some("项目!H2"),
        book_with(|b| {
            b[0].1[0].push(S("累计拨付（万元）"));
            b[0].1[1].push(N(90.0));
            b[0].1[2].push(N(5.5));
        }),
    );
}

#[test]
fn example_r090() {
    // A 衔接资金 column beside 预算金额: 120 > 100.
    reproduce(
        "R090",
        Some("项目!E2"),
        book_with(|b| {
            b[0].1[0].push(S("衔接资金（万元）"));
            b[0].1[1].push(N(120.0));
        }),
    );
}

#[test]
fn example_r091() {
    // Not settled yet, in words.
    reproduce(
        "R091",
        Some("项目!F2"),
        book_with(|b| {
            b[0].1[1][5] = S("未结算");
            b[0].1[2][5] = S("待审计");
        }),
    );
}

#[test]
fn example_r092() {
    // The id written full-width and small.
    reproduce(
        "R092",
        Some("拨付!A2"),
        book_with(|b| {
            b[1].1[1][0] = S("ｐ１");
        }),
    );
}

#[test]
fn example_r093() {
    // The project's name in the id column.
    reproduce(
        "R093",
        Some("拨付!A4"),
        book_with(|b| {
            b[1].1[3][0] = S("补助");
        }),
    );
}

#[test]
fn example_r094() {
    // 累计拨付 and 本年拨付 side by side, no payment sheet.
    reproduce(
        "R094",
        Some("项目!I1"),
        book_with(|b| {
            b.remove(1);
            b[0].1[0].push(S("累计拨付（万元）"));
            b[0].1[0].push(S("本年拨付"));
            b[0].1[1].push(N(80.0));
            b[0].1[1].push(N(30.0));
        }),
    );
}

#[test]
fn example_r083() {
    // Projects kept one sheet a fund.
    reproduce(
        "R083",
        None,
        book_with(|b| {
            let (_, rows) = b.remove(0);
            b.insert(0, ("整合资金项目", vec![rows[0].clone(), rows[1].clone()]));
            b.insert(0, ("衔接资金项目", vec![rows[0].clone(), rows[2].clone()]));
        }),
    );
}

fn township(path: &Path, as_of: &'static str, budget: f64) {
    write_book(
        path,
        &book_with(|b| {
            b[0].1[1][4] = N(budget);
            b[2].1[2][1] = D(as_of);
        }),
    );
}

#[test]
fn example_r015() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("乡镇")).unwrap();
    township(&w.path("乡镇/新.xlsx"), "2024-12-31", 100.0);
    township(&w.path("乡镇/旧.xlsx"), "2024-06-30", 400.0);
    let r = w.run(&["consolidate", "乡镇", "-o", "c.xlsx", "--json", "c.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, m) = find(&read_json(&w.path("c.json")), "R015");
    assert_eq!(
        m,
        "单位“测试镇”有两份台账：截止日期较晚的一份计入，计入 乡镇/新.xlsx（截止 2024-12-31），乡镇/旧.xlsx（截止 2024-06-30）已被替代，未计入汇总；如两份确是不同单位，请改正“说明”表的单位名称"
    );
}

#[test]
fn example_r016() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("乡镇")).unwrap();
    write_book(&w.path("乡镇/甲.xlsx"), &small_book());
    write_book(&w.path("乡镇/乙.xlsx"), &small_book());
    let r = w.run(&["consolidate", "乡镇", "-o", "c.xlsx", "--json", "c.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let (_, m) = find(&read_json(&w.path("c.json")), "R016");
    assert!(
        m.ends_with("的单位、项目和金额完全相同，视为重复报送，未重复计入"),
        "{m}"
    );
}

#[test]
fn example_r017() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("乡镇")).unwrap();
    write_book(&w.path("乡镇/甲.xlsx"), &small_book());
    std::fs::write(w.path("乡镇/坏.xlsx"), b"not a workbook").unwrap();
    let r = w.run(&["consolidate", "乡镇", "-o", "c.xlsx", "--json", "c.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let (_, m) = find(&read_json(&w.path("c.json")), "R017");
    assert!(
        m.starts_with("无法读取文件 乡镇/坏.xlsx") && m.ends_with("，该文件未汇总"),
        "{m}"
    );
}

#[test]
fn example_r100() {
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| {
            for row in &mut b[0].1 {
                row.remove(4);
            }
        }),
    );
    let line = fatal(&w.run(&["report", "in.xlsx"]), "R100");
    assert!(
        line.contains("文件 in.xlsx：工作表“项目”缺少必填列 “预算金额”"),
        "{line}"
    );
}

#[test]
fn example_r101() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("乡镇台账")).unwrap();
    let name = format!("乡镇台账/00000-{}.xlsx", jixiao::synth::township_name(0));
    std::fs::write(w.path(&name), b"mine").unwrap();
    let line = fatal(
        &w.run(&["synth", "--townships", "1", "-o", "乡镇台账"]),
        "R101",
    );
    assert_eq!(
        line,
        format!("错误 R101：输出文件 {name} 已存在；如要覆盖请加 --force")
    );
}

#[test]
fn example_r102() {
    let w = Workdir::new();
    let stem = format!("{}ab", "台".repeat(80));
    std::fs::copy(SAMPLE, w.path(&format!("{stem}.xlsx"))).unwrap();
    let line = fatal(&w.run(&["report", &format!("{stem}.xlsx")]), "R102");
    assert!(
        line.starts_with(
            "错误 R102：文件名过长：请缩短文件名或用 -o 指定较短的输出文件名；绩效表工作簿 "
        ),
        "{line}"
    );
    assert!(
        line.contains("的文件名有 257 字节，超过文件系统上限 255 字节"),
        "{line}"
    );
}

#[test]
fn example_r103() {
    // A full disk can't be made here: the message for the OS error is.
    let e = std::io::Error::from_raw_os_error(28);
    let m = jixiao::output::io_fatal(&e, "写入 报告.xlsx ");
    assert_eq!(
        jixiao::model::finding::fatal_line(&m),
        "错误 R103：磁盘空间不足：请清理磁盘或用 -o 写到别的磁盘；写入 报告.xlsx 失败（系统信息：No space left on device (os error 28)）"
    );
}

#[test]
fn example_r104() {
    let w = Workdir::new();
    // /sys refuses new files even to root.
    let r = w.run(&["template", "-o", "/sys/t.xlsx"]);
    let line = fatal(&r, "R104");
    assert!(
        line.contains("没有权限：请换一个可写的文件夹或用 -o 指定输出位置"),
        "{line}"
    );
}

#[test]
fn example_r105() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let rules = jixiao::compute::score::DEFAULT_RULES
        .replace("budget_weight = 10", "budget_weight = -10")
        .replace("output_weight = 50", "output_weight = 70");
    std::fs::write(w.path("s.toml"), rules).unwrap();
    let line = fatal(
        &w.run(&["report", "in.xlsx", "--scoring", "s.toml"]),
        "R105",
    );
    assert_eq!(
        line,
        "错误 R105：评分规则 s.toml 有误：budget_weight = -10：分值不能为负数"
    );
}

#[test]
fn example_r106() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    std::fs::write(w.path("m.toml"), "[sheets]\n项目表 = \"甲\"\n").unwrap();
    let line = fatal(
        &w.run(&["report", "in.xlsx", "--mapping", "m.toml"]),
        "R106",
    );
    assert_eq!(
        line,
        "错误 R106：映射文件 m.toml：“项目表”不是标准工作表名（应为 项目 / 拨付 / 绩效指标 / 说明）"
    );
}

#[test]
fn example_r107() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let mut gbk = b"[columns.".to_vec();
    gbk.extend_from_slice(&[0xCF, 0xEE, 0xC4, 0xBF]);
    gbk.extend_from_slice(b"]\n");
    std::fs::write(w.path("m.toml"), gbk).unwrap();
    let line = fatal(
        &w.run(&["report", "in.xlsx", "--mapping", "m.toml"]),
        "R107",
    );
    assert_eq!(
        line,
        "错误 R107：映射文件 m.toml 不是 UTF-8 编码（第1行起，可能是 GBK）：请用记事本打开，“另存为”时编码选 UTF-8"
    );
}

#[test]
fn example_r108() {
    let w = Workdir::new();
    std::fs::copy(SAMPLE, w.path("靖宇.xlsx")).unwrap();
    std::fs::write(w.path("t.txt"), "# 总结\n\n单位：{{ unit_nmae }}\n").unwrap();
    let r = w.run(&[
        "summary",
        "靖宇.xlsx",
        "--template",
        "t.txt",
        "-o",
        "s.docx",
    ]);
    let line = fatal(&r, "R108");
    assert!(
        line.starts_with(
            "错误 R108：总结模板 t.txt 第3行有误：变量或字段 “unit_nmae” 不存在，请检查拼写"
        ),
        "{line}"
    );
}

#[test]
fn example_r109() {
    let w = Workdir::new();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fuzz-cases/xls-far-cell-iv65536-dense-grid.xls"
        ),
        w.path("far.xls"),
    )
    .unwrap();
    let line = fatal(&w.run(&["report", "far.xls"]), "R109");
    assert!(
        line.starts_with("错误 R109：文件 far.xls 的工作表“")
            && line.contains("但远到 IV65536，按 .xls 的读法要占 16777216 个单元格的内存（全部工作表共 67108864），超过上限 2000000，未读取"),
        "{line}"
    );
}

#[test]
fn example_r110() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("输出")).unwrap();
    // Another run holds the folder's lock.
    let held = std::fs::File::open(w.path("输出")).unwrap();
    held.try_lock().unwrap();
    let r = w.run(&["template", "-o", "输出/t.xlsx"]);
    let line = fatal(&r, "R110");
    assert!(line.contains("写出文件；请等它完成后再运行"), "{line}");
    drop(held);
}

#[test]
fn example_r111() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    std::fs::create_dir(w.path("库")).unwrap();
    let line = fatal(&w.run(&["report", "in.xlsx", "--indicators", "库"]), "R111");
    assert_eq!(
        line,
        "错误 R111：指标库文件夹 库 中没有 .toml 指标库文件；请放入指标库，或去掉 --indicators 使用内置指标库"
    );
}

#[test]
fn example_r112() {
    let out = Command::new(BIN).arg("reprot").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.starts_with("错误 R112：没有子命令“reprot”"), "{err}");
    assert!(err.contains("report"), "{err}");
}

// ---- the ledger's own figures (read17) ----

/// The example's message is the problem's, whole.
fn assert_example(j: &serde_json::Value, code: &str, cell: &str) {
    let want = CATALOGUE.iter().find(|e| e.code == code).unwrap().example;
    let (c, m) = find(j, code);
    assert_eq!(c, cell, "{m}");
    assert_eq!(m, want);
    let p = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code)
        .unwrap();
    assert_eq!(p["severity"], "错误", "{p:#}");
}

#[test]
fn example_r020() {
    // A printed 合计 that is not the sum of the rows above it.
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| b[0].1.push(vec![S("合计"), E, E, E, N(125.0), N(98.5), E])),
    );
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_example(&j, "R020", "项目!E4");
    assert_eq!(
        j["totals"]["budget"], "120",
        "a printed total never changes the sums"
    );
}

/// No payment sheet: month columns on the project sheet.
fn month_book(header1: Vec<C>, header2: Vec<C>, row: Vec<C>) -> Vec<(&'static str, Vec<Vec<C>>)> {
    let mut b = small_book();
    b[0].1 = vec![header1, header2, row];
    b.remove(1);
    b
}

#[test]
fn example_r021() {
    // 1月 and 2月 over 本月拨付 | 累计拨付: February's 累计 is not January + February.
    let w = Workdir::new();
    let base = [
        S("项目编号"),
        S("项目名称"),
        S("项目类别"),
        S("资金性质"),
        S("预算金额"),
    ];
    let mut h1 = base.to_vec();
    h1.extend([S("1月"), E, S("2月"), E]);
    let mut h2 = vec![E, E, E, E, E];
    h2.extend([S("本月拨付"), S("累计拨付"), S("本月拨付"), S("累计拨付")]);
    let row = vec![
        S("P1"),
        S("道路"),
        S("基础设施建设项目"),
        S("整合资金"),
        N(100.0),
        N(50.0),
        N(50.0),
        N(30.0),
        N(70.0),
    ];
    write_book(&w.path("in.xlsx"), &month_book(h1, h2, row));
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_example(&j, "R021", "项目!I3");
    assert_eq!(j["totals"]["paid"], "80", "paid by the months");
}

#[test]
fn example_r022() {
    // 1月, 2月 and a 累计 column that is not their sum.
    let w = Workdir::new();
    let base = [
        S("项目编号"),
        S("项目名称"),
        S("项目类别"),
        S("资金性质"),
        S("预算金额"),
    ];
    let mut h1 = base.to_vec();
    h1.extend([S("拨付金额"), E, S("累计")]);
    let mut h2 = vec![E, E, E, E, E];
    h2.extend([S("1月"), S("2月"), E]);
    let row = vec![
        S("P1"),
        S("道路"),
        S("基础设施建设项目"),
        S("整合资金"),
        N(100.0),
        N(50.0),
        N(30.0),
        N(90.0),
    ];
    write_book(&w.path("in.xlsx"), &month_book(h1, h2, row));
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_example(&j, "R022", "项目!H3");
    assert_eq!(j["totals"]["paid"], "80", "paid by the months");
}

#[test]
fn example_r023() {
    // P1 paid 50 + 30 of 100: 80 %, the ledger says 12.34.
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| {
            b[0].1[0].push(S("执行率"));
            b[0].1[1].push(N(12.34));
            b[0].1[2].push(N(27.5));
        }),
    );
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_example(&j, "R023", "项目!H2");
}

#[test]
fn example_r024() {
    // A section label says 3 projects; 2 rows stand under it.
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| {
            b[0].1.insert(1, vec![S("一、产业发展类项目（3个）")]);
        }),
    );
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_example(&j, "R024", "项目!A2");
}

#[test]
fn example_r025() {
    // 单位：元 above the table, and one header in 万元: the header wins.
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| {
            b[0].1[0][4] = S("预算金额");
            b[0].1[0][5] = S("结算金额（万元）");
            b[0].1[1][4] = N(1_000_000.0);
            b[0].1[2][4] = N(200_000.0);
            b[0].1.insert(0, vec![S("单位：元")]);
        }),
    );
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let want = CATALOGUE.iter().find(|e| e.code == "R025").unwrap().example;
    let (cell, m) = find(&j, "R025");
    assert_eq!(cell, "项目!F2");
    assert_eq!(m, want);
    let p1 = j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "P1")
        .unwrap();
    assert_eq!(p1["budget"], "100", "the line's 元");
    assert_eq!(p1["settled"], "98.5", "the header's 万元");
}

#[test]
fn example_r026() {
    // P1 over rows 3-4: its id, name, category, settled and status merged
    // down; 整合资金 100 on one row, 衔接资金 5 on the other.
    let w = Workdir::new();
    let mut b = small_book();
    b[0].1.insert(1, vec![S("单位：万元")]);
    b[0].1.insert(3, vec![E, E, E, S("衔接资金"), N(5.0), E, E]);
    let sheets: Vec<SheetData> = b
        .into_iter()
        .map(|(name, rows)| {
            let merges = if name == "项目" {
                [0u16, 1, 2, 5, 6].iter().map(|&c| (2, c, 3, c)).collect()
            } else {
                vec![]
            };
            (name.to_string(), rows, merges)
        })
        .collect();
    // The unit line stands above the header: move the header below it.
    let mut sheets = sheets;
    sheets[0].1.swap(0, 1);
    write_xlsx_merged(&w.path("in.xlsx"), &sheets);
    let (r, j) = report_json(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let want = CATALOGUE.iter().find(|e| e.code == "R026").unwrap().example;
    let (cell, m) = find(&j, "R026");
    assert_eq!(cell, "项目!A3");
    assert_eq!(m, want);
    let p = j["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "P1")
        .unwrap();
    assert_eq!(p["budget"], "105", "{p:#}");
    assert_eq!(j["totals"]["project_count"], 2);
}

// ---- the reader's own codes (read17): each small change to the small book ----

/// Run the book, find `code` at `cell` (None: a whole-sheet finding), with
/// the catalogue's level, and its message equal to the catalogue's example.
fn reproduce(code: &str, cell: Option<&str>, b: Vec<(&'static str, Vec<Vec<C>>)>) {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &b);
    let (r, j) = report_json(&w, &[]);
    let e = CATALOGUE.iter().find(|e| e.code == code).unwrap();
    let p = j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code)
        .unwrap_or_else(|| panic!("no {code}: {:#}", j["problems"]));
    let msg = p["message"].as_str().unwrap();
    if std::env::var_os("SHOW_EXAMPLES").is_some() {
        eprintln!("EXAMPLE {code} {msg}");
    }
    assert_eq!(p["cell"].as_str(), cell, "{p:#}");
    let level = if e.level == jixiao::model::finding::Level::Error {
        "错误"
    } else {
        "提示"
    };
    assert_eq!(p["severity"], level, "{p:#}");
    assert_eq!(
        r.code,
        if level == "错误" { 1 } else { r.code },
        "{}",
        r.stderr
    );
    assert_eq!(msg, e.example);
}

#[test]
fn example_r027() {
    reproduce("R027", Some("项目!B3"), book_with(|b| b[0].1[2][1] = E));
}

#[test]
fn example_r028() {
    reproduce(
        "R028",
        Some("项目!E3"),
        book_with(|b| b[0].1[2][4] = S("待定")),
    );
}

#[test]
fn example_r029() {
    reproduce(
        "R029",
        Some("项目!E3"),
        book_with(|b| b[0].1[2][4] = N(1e15)),
    );
}

#[test]
fn example_r030() {
    reproduce(
        "R030",
        Some("拨付!B2"),
        book_with(|b| b[1].1[1][1] = S("2024-13-45")),
    );
}

#[test]
fn example_r031() {
    reproduce(
        "R031",
        Some("项目!E3"),
        book_with(|b| b[0].1[2][4] = N(-20.0)),
    );
}

#[test]
fn example_r032() {
    reproduce(
        "R032",
        Some("项目!A3"),
        book_with(|b| b[0].1[2][0] = S("P1")),
    );
}

#[test]
fn example_r033() {
    // A section row below P1: P1 stands under none, and there is no category column.
    reproduce(
        "R033",
        Some("项目!A2"),
        book_with(|b| {
            for row in &mut b[0].1 {
                row.remove(2);
            }
            b[0].1.insert(2, vec![S("一、产业发展类项目")]);
        }),
    );
}

#[test]
fn example_r034() {
    // A 衔接资金 column instead of 资金性质: P2 has nothing in it.
    reproduce(
        "R034",
        Some("项目!D3"),
        book_with(|b| {
            b[0].1[0][3] = S("衔接资金");
            b[0].1[1][3] = N(100.0);
            b[0].1[2][3] = E;
        }),
    );
}

#[test]
fn example_r035() {
    reproduce(
        "R035",
        Some("拨付!A2"),
        book_with(|b| b[1].1[1][0] = S("P9")),
    );
}

#[test]
fn example_r036() {
    // Payments by name; both projects are called 道路.
    reproduce(
        "R036",
        Some("拨付!A2"),
        book_with(|b| {
            b[0].1[2][1] = S("道路");
            b[1].1[0][0] = S("项目名称");
            for row in b[1].1.iter_mut().skip(1) {
                row[0] = S("道路");
            }
        }),
    );
}

#[test]
fn example_r037() {
    reproduce(
        "R037",
        Some("项目!H2"),
        book_with(|b| {
            b[0].1[0].push(S("开工日期"));
            b[0].1[1].push(S("不详"));
        }),
    );
}

#[test]
fn example_r038() {
    reproduce(
        "R038",
        Some("项目!E3"),
        book_with(|b| b[0].1[2][4] = S("20")),
    );
}

#[test]
fn example_r039() {
    reproduce(
        "R039",
        Some("项目!E2"),
        book_with(|b| {
            b[0].1[0][4] = S("预算金额");
            b[0].1[1][4] = N(1_000_000.0);
        }),
    );
}

#[test]
fn example_r040() {
    reproduce(
        "R040",
        Some("拨付!B2"),
        book_with(|b| b[1].1[1][1] = S("2024年3月")),
    );
}

#[test]
fn example_r041() {
    reproduce(
        "R041",
        Some("绩效指标!A2"),
        book_with(|b| {
            b.push((
                "绩效指标",
                vec![
                    vec![
                        S("项目编号"),
                        S("一级指标"),
                        S("二级指标"),
                        S("三级指标"),
                        S("指标值"),
                        S("实际完成值"),
                        S("分值"),
                    ],
                    vec![
                        S("P9"),
                        S("产出指标"),
                        S("数量指标"),
                        S("道路长度"),
                        S("≥1公里"),
                        S("1公里"),
                        N(10.0),
                    ],
                ],
            ))
        }),
    );
}

#[test]
fn example_r042() {
    reproduce(
        "R042",
        Some("说明!B2"),
        book_with(|b| b[2].1[1][1] = S("二〇二四")),
    );
}

#[test]
fn example_r043() {
    // A 衔接资金 column beside 预算金额: 60 ≠ 100.
    reproduce(
        "R043",
        Some("项目!E2"),
        book_with(|b| {
            b[0].1[0].push(S("衔接资金（万元）"));
            b[0].1[1].push(N(60.0));
        }),
    );
}

#[test]
fn example_r044() {
    reproduce(
        "R044",
        None,
        book_with(|b| {
            b.remove(1);
        }),
    );
}

#[test]
fn example_r045() {
    reproduce(
        "R045",
        None,
        book_with(|b| b.push(("Sheet3", vec![vec![S("草稿")]]))),
    );
}

#[test]
fn example_r080() {
    // No payment sheet; the paid column under a name no rule reads.
    reproduce(
        "R080",
        Some("项目!H1"),
        book_with(|b| {
            b.remove(1);
            b[0].1[0].push(S("已到位资金"));
            b[0].1[1].push(N(80.0));
            b[0].1[2].push(N(5.5));
        }),
    );
}

#[test]
fn example_r081() {
    // One payment sheet a month.
    reproduce(
        "R081",
        None,
        book_with(|b| {
            let (_, rows) = b.remove(1);
            let header = rows[0].clone();
            for (i, name) in [(1, "3月拨付"), (3, "4月拨付"), (2, "6月拨付")]
                .into_iter()
                .rev()
            {
                b.insert(1, (name, vec![header.clone(), rows[i].clone()]));
            }
        }),
    );
}

#[test]
fn example_r082() {
    // A second payment sheet repeating one payment of the first.
    reproduce(
        "R082",
        Some("拨付补记!A2"),
        book_with(|b| {
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
        }),
    );
}

#[test]
fn example_r046() {
    reproduce(
        "R046",
        None,
        book_with(|b| {
            b.remove(1);
            b[0].1[0].push(S("累计拨付（万元）"));
            b[0].1[1].push(N(80.0));
            b[0].1[2].push(N(5.5));
        }),
    );
}

#[test]
fn example_r047() {
    // No 项目编号 column: a 序号 column, payments by name.
    reproduce(
        "R047",
        None,
        book_with(|b| {
            b[0].1[0][0] = S("序号");
            b[0].1[1][0] = N(1.0);
            b[0].1[2][0] = N(2.0);
            b[1].1[0][0] = S("项目名称");
            b[1].1[1][0] = S("道路");
            b[1].1[2][0] = S("道路");
            b[1].1[3][0] = S("补助");
        }),
    );
}

#[test]
fn example_r048() {
    reproduce(
        "R048",
        Some("项目!A4"),
        book_with(|b| {
            b[0].1
                .push(vec![S("注：本表金额单位为万元，资金均已下达。")])
        }),
    );
}

#[test]
fn example_r049() {
    reproduce(
        "R049",
        Some("项目!G3"),
        book_with(|b| b[0].1[2][6] = S("筹备中")),
    );
}

// ---- rel18: R050–R079, R130–R149 ----

fn fuzz_case(w: &Workdir, case: &str, as_name: &str) {
    std::fs::copy(
        format!("{}/tests/fuzz-cases/{case}", env!("CARGO_MANIFEST_DIR")),
        w.path(as_name),
    )
    .unwrap();
}

#[test]
fn example_r130() {
    let w = Workdir::new();
    fuzz_case(&w, "xls-boundsheet-past-stream.xls", "坏.xls");
    let line = fatal(&w.run(&["report", "坏.xls"]), "R130");
    assert_eq!(
        line,
        "错误 R130：无法读取文件 坏.xls：文件已损坏（可能下载或复制中断，或由不规范的程序生成），请在 Excel/WPS 中打开后另存为 .xlsx 再试；技术信息：BOUNDSHEET 记录无效"
    );
    // The .xlsx side: a sheet range that ends before it starts.
    fuzz_case(&w, "xlsx-dimension-end-before-start.xlsx", "坏.xlsx");
    let line = fatal(&w.run(&["report", "坏.xlsx"]), "R130");
    assert!(line.contains("<dimension ref=\"H30:A1\"> 无效"), "{line}");
}

const IND_HEADER: [C; 9] = [
    S("项目编号"),
    S("一级指标"),
    S("二级指标"),
    S("三级指标"),
    S("指标值"),
    S("实际完成值"),
    S("分值"),
    S("得分"),
    S("偏差原因"),
];

/// One ledger with a case of most findings of the computation (R050–R069):
/// its report JSON, made once for all the `example_r0xx` tests below.
fn rich() -> &'static serde_json::Value {
    static J: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    J.get_or_init(|| {
        let w = Workdir::new();
        let p = |id: &'static str,
                 name: &'static str,
                 fund: &'static str,
                 budget: f64,
                 settled: C,
                 status: &'static str| {
            vec![
                S(id),
                S(name),
                S("基础设施建设项目"),
                S(fund),
                N(budget),
                settled,
                S(status),
            ]
        };
        let projects = vec![
            PROJECT_HEADER.to_vec(),
            p("P1", "道路", "整合资金", 100.0, N(98.5), "已完工"),
            p("P2", "补助", "衔接资金", 20.0, E, "在建"),
            p("P3", "零预算", "整合资金", 0.0, E, "在建"),
            p("P4", "超支", "整合资金", 10.0, N(12.0), "在建"),
            p("P5", "未结算", "整合资金", 10.0, E, "已完工"),
            p("P6", "退回", "整合资金", 10.0, E, "在建"),
            p("2024220100000123", "长编号", "整合资金", 10.0, E, "在建"),
            p("P8", "低执行", "整合资金", 100.0, E, "在建"),
        ];
        let pay = |id: &'static str, d: &'static str, a: f64, f: C| vec![S(id), D(d), N(a), f];
        let payments = vec![
            PAYMENT_HEADER.to_vec(),
            pay("P1", "2024-03-01", 100.0, E),
            pay("P2", "2024-04-15", 5.5, S("衔接资金")),
            pay("P2", "2024-05-15", 2.0, S("整合资金")),
            pay("P4", "2024-05-01", 15.0, E),
            pay("P5", "2024-05-01", 5.0, E),
            pay("P6", "2024-05-01", -3.0, E),
            pay("P1", "2025-01-10", 3.0, E),
            pay("P5", "2023-12-20", 1.0, E),
            pay("P8", "2024-05-01", 10.0, E),
        ];
        let ind = |id: &'static str,
                   l1: &'static str,
                   name: &'static str,
                   t: &'static str,
                   a: &'static str,
                   w: C,
                   h: C| {
            vec![S(id), S(l1), S("数量指标"), S(name), S(t), S(a), w, h, E]
        };
        let indicators = vec![
            IND_HEADER.to_vec(),
            ind(
                "P1",
                "过程指标",
                "新建道路长度",
                "≥1公里",
                "2公里",
                N(30.0),
                E,
            ),
            ind(
                "P1",
                "效益指标",
                "完工时间",
                "2024-06-30",
                "2024-09-30",
                N(30.0),
                E,
            ),
            ind(
                "P1",
                "满意度指标",
                "群众满意度",
                "≥90%",
                "基本满意",
                N(10.0),
                N(10.0),
            ),
            ind("P4", "产出指标", "硬化面积", "≥1000平方米", "", N(30.0), E),
            ind(
                "P8",
                "产出指标",
                "培训人次",
                "≥100人次",
                "120人次",
                N(45.0),
                E,
            ),
            ind("P8", "效益指标", "带动增收", "≥10户", "12户", N(25.0), E),
            ind(
                "P8",
                "满意度指标",
                "受益群众满意度",
                "≥90%",
                "95%",
                N(20.0),
                E,
            ),
        ];
        write_book(
            &w.path("in.xlsx"),
            &[
                ("项目", projects),
                ("拨付", payments),
                ("绩效指标", indicators),
                (
                    "说明",
                    vec![
                        vec![S("单位名称"), S("测试镇")],
                        vec![S("年度"), N(2024.0)],
                        vec![S("截止日期"), D("2024-12-31")],
                    ],
                ),
                ("汇总", vec![vec![S("原表")]]),
            ],
        );
        let (_, j) = report_json(&w, &[]);
        j
    })
}

/// A township ledger for the county findings (R071, R074–R079).
fn town(
    path: &Path,
    unit: &'static str,
    as_of: &'static str,
    projects: Vec<(&'static str, &'static str, &'static str, &'static str, f64)>,
) {
    let mut p = vec![vec![
        S("项目编号"),
        S("项目名称"),
        S("项目类别"),
        S("资金性质"),
        S("预算金额（万元）"),
    ]];
    let mut pay = vec![vec![S("项目编号"), S("拨付日期"), S("拨付金额（万元）")]];
    for (id, name, cat, fund, b) in projects {
        p.push(vec![S(id), S(name), S(cat), S(fund), N(b)]);
        pay.push(vec![S(id), D("2024-03-01"), N(b / 2.0)]);
    }
    write_book(
        path,
        &[
            ("项目", p),
            ("拨付", pay),
            (
                "说明",
                vec![
                    vec![S("单位名称"), S(unit)],
                    vec![S("年度"), N(2024.0)],
                    vec![S("截止日期"), D(as_of)],
                ],
            ),
        ],
    );
}

/// A county folder with a case of each county finding: its JSON, once.
fn county() -> &'static serde_json::Value {
    static J: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    J.get_or_init(|| {
        let w = Workdir::new();
        std::fs::create_dir(w.path("乡镇")).unwrap();
        town(
            &w.path("乡镇/甲.xlsx"),
            "甲镇",
            "2024-12-31",
            vec![
                ("P1", "道路", "基础设施建设项目", "衔接资金", 100.0),
                ("P2", "路灯", "基础设施建设项目", "衔接资金", 20.0),
                ("J3", "养殖", "产业项目", "中央衔接资金、省级衔接资金", 30.0),
            ],
        );
        town(
            &w.path("乡镇/乙.xlsx"),
            "乙镇",
            "2024-06-30",
            vec![
                ("P1", "道路", "基础设施建设项目", "衔接资金", 100.0),
                ("P2", "水渠", "基础设施建设项目", "整合资金", 20.0),
            ],
        );
        let r = w.run(&["report", "乡镇/乙.xlsx", "-o", "乡镇/乙-报告.xlsx"]);
        assert!(r.code <= 1, "{}", r.stderr);
        let r = w.run(&[
            "consolidate",
            "乡镇",
            "乡镇/甲.xlsx",
            "-o",
            "c.xlsx",
            "--json",
            "c.json",
        ]);
        assert!(r.code <= 1, "{}", r.stderr);
        read_json(&w.path("c.json"))
    })
}

#[test]
fn example_r079() {
    // Through the library: a county of one township whose project's budget
    // is split between 中央 and 省级 衔接资金, and a payment of 衔接资金
    // that names no level.
    use jixiao::compute::county::{Settings, Township};
    use jixiao::compute::{GroupFigures, ProjectFigures};
    use rust_decimal::Decimal;
    let d = |s: &str| s.parse::<Decimal>().unwrap();
    let project = ProjectFigures {
        id: "P1".into(),
        name: "道路".into(),
        fund_source: "中央衔接资金".into(),
        budget: d("20"),
        budget_by_fund: vec![
            ("中央衔接资金".into(), d("10")),
            ("省级衔接资金".into(), d("10")),
        ],
        paid: d("5"),
        paid_by_fund: vec![("衔接资金".into(), d("5"))],
        ..Default::default()
    };
    let town = Township {
        unit: "测试镇".into(),
        file: "乡镇/甲.xlsx".into(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        totals: GroupFigures::new("合计"),
        by_category: Vec::new(),
        by_fund_source: Vec::new(),
        projects: vec![project.into()],
        industry_share: None,
        excluded: Default::default(),
        late: Default::default(),
        year: Some(2026),
    };
    let settings = Settings {
        policy: Some(jixiao::policy::Policy::bundled(Some(2026))),
        ..Settings::default()
    };
    let mut problems = Vec::new();
    jixiao::compute::levels::county_levels(&[town], &settings, &mut problems);
    let p = problems
        .iter()
        .find(|p| p.problem.code() == "R079")
        .expect("R079");
    assert_eq!(
        p.problem.message,
        "测试镇 项目“道路”（P1）的预算分属 中央、省级 级，拨付 5 万元未注明级次，计入“未分级”"
    );
}

/// The problem with `code` at `cell` in `j` (the first when several).
fn at_cell(j: &serde_json::Value, code: &str, cell: &str) -> String {
    j["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code && p["cell"] == cell)
        .and_then(|p| p["message"].as_str())
        .unwrap_or_else(|| panic!("no {code} at {cell} in {}", j["problems"]))
        .to_string()
}

#[test]
fn example_r050() {
    assert_eq!(
        at_cell(rich(), "R050", "项目!A3"),
        "项目!A3：项目“P2”没有绩效指标，已按“通用”指标库草拟（标为草拟），请核实后填入“绩效指标”表"
    );
}

#[test]
fn example_r051() {
    assert_eq!(
        at_cell(rich(), "R051", "项目!E9"),
        "项目!E9：项目“P8”预算执行率 10.00% 低于 60%，但自评等级为“优”：请在自评表“偏差原因分析”中说明原因及改进措施（县级审核会退回未说明的表）"
    );
}

#[test]
fn example_r052() {
    assert_eq!(
        at_cell(rich(), "R052", "拨付!A8"),
        "拨付!A8：拨付日期 2025-01-10 晚于截止日期 2024-12-31，该笔 3 万元未计入"
    );
}

#[test]
fn example_r053() {
    assert_eq!(
        at_cell(rich(), "R053", "拨付!A9"),
        "拨付!A9：拨付日期 2023-12-20 早于台账年度 2024 年，已计入；请核对是否上年的拨付"
    );
}

#[test]
fn example_r055() {
    assert_eq!(
        at_cell(rich(), "R055", "项目!A3"),
        "项目!A3：项目“P2”的预算来自衔接资金，但有 2 万元从整合资金拨付（首笔见 拨付!A4）；这笔钱计入整合资金的已拨付，不计入其执行率，在“按资金性质”中单列"
    );
}

#[test]
fn example_r056() {
    assert_eq!(
        at_cell(rich(), "R056", "项目!A7"),
        "项目!A7：项目“P6”的拨付合计为 -3 万元（退回多于拨付），请核对退回资金"
    );
}

#[test]
fn example_r057() {
    assert_eq!(
        at_cell(rich(), "R057", "项目!E4"),
        "项目!E4：项目“P3”预算金额为0，执行率不计算"
    );
}

#[test]
fn example_r058() {
    assert_eq!(
        at_cell(rich(), "R058", "项目!E5"),
        "项目!E5：项目“P4”已拨付 15 万元，超过预算 10 万元"
    );
}

#[test]
fn example_r059() {
    assert_eq!(
        at_cell(rich(), "R059", "项目!F6"),
        "项目!F6：项目“P5”状态为已完工，但没有结算金额，待拨付和结余未计算"
    );
}

#[test]
fn example_r060() {
    assert_eq!(
        at_cell(rich(), "R060", "项目!F2"),
        "项目!F2：项目“P1”已拨付 100 万元，超过结算金额 98.5 万元（多拨 1.5 万元）"
    );
}

#[test]
fn example_r061() {
    assert_eq!(
        at_cell(rich(), "R061", "项目!F5"),
        "项目!F5：项目“P4”结算金额 12 万元超过预算 10 万元"
    );
}

#[test]
fn example_r062() {
    assert_eq!(
        at_cell(rich(), "R062", "绩效指标!A2"),
        "绩效指标!A2：一级指标“过程指标”不是产出/效益/满意度指标，按产出指标计分"
    );
}

#[test]
fn example_r063() {
    assert_eq!(
        at_cell(rich(), "R063", "绩效指标!A2"),
        "绩效指标!A2：表中所填分值与预算执行率 10 分合计为 80，不等于 100（绩效指标!A2、绩效指标!A3、绩效指标!A4）"
    );
}

#[test]
fn example_r064() {
    assert_eq!(
        at_cell(rich(), "R064", "绩效指标!A5"),
        "绩效指标!A5：指标“硬化面积”未填实际完成值，需补填后评分"
    );
}

#[test]
fn example_r065() {
    assert_eq!(
        at_cell(rich(), "R065", "绩效指标!A4"),
        "绩效指标!A4：指标“群众满意度”手填得分 10 不在“部分达成”档（6–8 分）内"
    );
}

#[test]
fn example_r066() {
    assert_eq!(
        at_cell(rich(), "R066", "绩效指标!A2"),
        "绩效指标!A2：指标“新建道路长度”超额完成（达目标的 200%），请在偏差原因中说明"
    );
}

#[test]
fn example_r067() {
    assert_eq!(
        at_cell(rich(), "R067", "绩效指标!A3"),
        "绩效指标!A3：指标“完工时间”未按期完成"
    );
}

#[test]
fn example_r069() {
    assert_eq!(
        at_cell(rich(), "R069", "项目!A8"),
        "项目!A8：项目编号“2024220100000123”是 16 位数字，超过 Excel 数字的 15 位精度；请在台账中把该列设为文本，否则末几位会变成 0"
    );
}

#[test]
fn example_r072() {
    let m = find(rich(), "R072").1;
    assert_eq!(
        m,
        "输入工作表“汇总”与报告工作表同名或不能用作 Excel 表名，复制为“原-汇总”"
    );
}

/// The message of the county problem with `code` (and `file`).
fn county_problem(code: &str, file: &str) -> String {
    county()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code && p["file"] == file)
        .and_then(|p| p["message"].as_str())
        .unwrap_or_else(|| panic!("no {code} for {file:?} in {}", county()["problems"]))
        .to_string()
}

#[test]
fn example_r071() {
    assert_eq!(
        county_problem("R071", "乡镇/乙-报告.xlsx"),
        "这是 jixiao 生成的报告，不是台账，已跳过"
    );
    assert_eq!(
        county_problem("R071", "乡镇/甲.xlsx"),
        "与 乡镇/甲.xlsx 是同一个文件，只计一次"
    );
}

#[test]
fn example_r074() {
    assert_eq!(
        county_problem("R074", "乡镇/甲.xlsx"),
        "项目编号“P1”（道路）同时出现在 乡镇/乙.xlsx（道路）：疑似同一项目重复上报，两处都已计入合计，请核对"
    );
}

#[test]
fn example_r075() {
    assert_eq!(
        county_problem("R075", "乡镇/甲.xlsx"),
        "项目编号“P2”（路灯）同时出现在 乡镇/乙.xlsx（水渠）：项目名称不同，可能是各乡镇自编编号重复"
    );
}

#[test]
fn example_r077() {
    assert_eq!(
        county_problem("R077", "乡镇/甲.xlsx"),
        "甲镇：衔接资金用于产业项目的比例 20.00%，低于 60% 的要求"
    );
}

#[test]
fn example_r078() {
    assert_eq!(
        county_problem("R078", ""),
        "各单位的截止日期不一致（未指定 --as-of / --month 时取各自“说明”表的截止日期），汇总数据口径不一"
    );
}

/// A township for the library-level county examples (R076, R079).
fn lib_town(
    unit: &str,
    file: &str,
    project: jixiao::compute::ProjectFigures,
) -> jixiao::compute::county::Township {
    jixiao::compute::county::Township {
        unit: unit.into(),
        file: file.into(),
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
        totals: jixiao::compute::GroupFigures::new("合计"),
        by_category: Vec::new(),
        by_fund_source: Vec::new(),
        projects: vec![project.into()],
        industry_share: None,
        excluded: Default::default(),
        late: Default::default(),
        year: Some(2026),
    }
}

#[test]
fn example_r076() {
    // Through the library (the CLI decides between two ledgers of one
    // unit first, R015): two townships of one unit reach the county sums.
    use jixiao::compute::ProjectFigures;
    let p = |id: &str| ProjectFigures {
        id: id.into(),
        name: id.into(),
        ..Default::default()
    };
    let c = jixiao::compute::county::consolidate(
        vec![
            lib_town("测试镇", "乡镇/甲.xlsx", p("A1")),
            lib_town("测试镇", "乡镇/乙.xlsx", p("B1")),
        ],
        &[],
        &jixiao::compute::county::Settings::default(),
        Vec::new(),
    );
    let m = c
        .problems
        .iter()
        .find(|p| p.problem.code() == "R076")
        .map(|p| p.problem.message.clone())
        .expect("R076");
    assert!(
        m == "单位“测试镇”同时出现在 乡镇/甲.xlsx 和 乡镇/乙.xlsx，两份都已计入"
            || m == "单位“测试镇”同时出现在 乡镇/乙.xlsx 和 乡镇/甲.xlsx，两份都已计入",
        "{m}"
    );
}

#[test]
fn example_r054() {
    let w = Workdir::new();
    let mut header = PROJECT_HEADER.to_vec();
    header.push(S("累计拨付（万元）"));
    let mut b = small_book();
    b[0].1 = vec![
        header,
        vec![
            S("P1"),
            S("道路"),
            S("基础设施建设项目"),
            S("整合资金"),
            N(100.0),
            E,
            S("在建"),
            N(40.0),
        ],
    ];
    b.remove(1);
    write_book(&w.path("in.xlsx"), &b);
    let (_, j) = report_json(&w, &["--as-of", "2024-06-30"]);
    let (_, m) = find(&j, "R054");
    assert_eq!(
        m,
        "累计拨付是截至 2024-12-31 的数，早于该日的截止日期 2024-06-30 无法从中拆分，已全部计入"
    );
}

#[test]
fn example_r068() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let r = w.run(&["monitor", "in.xlsx", "--month", "2025-07", "-o", "m.xlsx"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let msg = "台账是 2024 年度的，而监控期是 2025 年 1—7 月：执行数按截至 2025-07-31 的累计拨付计；如要监控 2024 年，请用 --month 2024-07";
    assert!(
        r.stderr.lines().any(|l| l == format!("提示 R068：{msg}")),
        "{}",
        r.stderr
    );
    // And in the workbook's list of problems.
    let cells = read_cells(&w.path("m.xlsx"));
    assert!(
        cells.iter().any(|(_, c)| c
            .iter()
            .any(|(_, v)| matches!(v, calamine::Data::String(s) if s == msg))),
        "{cells:?}"
    );
}

#[test]
fn example_r070() {
    let w = Workdir::new();
    write_book(
        &w.path("in.xlsx"),
        &book_with(|b| {
            b[2].1.remove(0);
        }),
    );
    let (_, j) = report_json(&w, &[]);
    let (_, m) = find(&j, "R070");
    assert_eq!(
        m,
        "未指定单位名称（--unit 或“说明”表的单位名称），暂用文件名“in”"
    );
}

#[test]
fn example_r073() {
    let w = Workdir::new();
    fuzz_case(&w, "xls-formula-token-cut.xls", "in.xls");
    let r = w.run(&["report", "in.xls", "-o", "out.xlsx", "--json", "out.json"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let (_, m) = find(&read_json(&w.path("out.json")), "R073");
    assert_eq!(
        m,
        "输入文件不是 xlsx 格式，原表中的公式以计算结果（数值）复制"
    );
}

#[test]
fn example_r131() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("空")).unwrap();
    let line = fatal(&w.run(&["consolidate", "空", "-o", "c.xlsx"]), "R131");
    assert_eq!(
        line,
        "错误 R131：在 空 中没有找到可汇总的工作簿（.xlsx / .xlsm / .xls / .ods；jixiao 自己写出的报告、月报等不算）"
    );
}

#[test]
fn example_r132() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("乡镇")).unwrap();
    write_book(&w.path("乡镇/甲.xlsx"), &small_book());
    let before = std::fs::read(w.path("乡镇/甲.xlsx")).unwrap();
    let r = w.run(&["consolidate", "乡镇", "-o", "乡镇/甲.xlsx", "--force"]);
    assert_eq!(
        fatal(&r, "R132"),
        "错误 R132：输出文件 乡镇/甲.xlsx 是要汇总的输入（在输入文件夹中），拒绝覆盖输入；请换一个输出文件名"
    );
    assert_eq!(std::fs::read(w.path("乡镇/甲.xlsx")).unwrap(), before);
}

#[test]
fn example_r133() {
    let w = Workdir::new();
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--data",
            "数据",
            "--reset-password",
            "甲",
            "--password-stdin",
        ])
        .current_dir(w.path(""))
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.lines().find(|l| l.starts_with("错误 ")),
        Some("错误 R133：密码至少 8 个字符"),
        "{stderr}"
    );
}

#[test]
fn argument_misuse_found_after_parsing_is_r112() {
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &small_book());
    let line = fatal(
        &w.run(&["notice", "in.xlsx", "--stage", "result", "-o", "x.pdf"]),
        "R112",
    );
    assert_eq!(
        line,
        "错误 R112：-o x.pdf：结果公示写成 .docx（不是 .pdf）；请改为 x.docx"
    );
    std::fs::write(w.path("文件"), b"").unwrap();
    fatal(&w.run(&["synth", "-o", "文件"]), "R112");
}
