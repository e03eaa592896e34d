//! 读取说明 on paper: a ledger with many section rows lists every one of
//! them on the printed page (a long list goes on over several rows instead
//! of being cut at the row's height), and a sheet read without columns (说明)
//! prints no empty 列 | 表头 | 读作 band.

mod common;
use common::*;

const NUMS: [&str; 18] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四",
    "十五", "十六", "十七", "十八",
];

fn sections_book() -> Vec<(&'static str, Vec<Vec<C>>)> {
    let mut rows = vec![vec![
        S("项目编号"),
        S("项目名称"),
        S("资金性质"),
        S("预算金额（万元）"),
        S("建设状态"),
    ]];
    for (i, n) in NUMS.iter().enumerate() {
        let word = if i % 2 == 0 {
            "产业发展类项目"
        } else {
            "基础设施类项目"
        };
        rows.push(vec![T(format!("{n}、{word}（1个）"))]);
        rows.push(vec![
            T(format!("P{:02}", i + 1)),
            T(format!("项目{}", i + 1)),
            S("衔接资金"),
            N(10.0 + i as f64),
            S("在建"),
        ]);
    }
    vec![
        ("项目", rows),
        (
            "说明",
            vec![
                vec![S("单位名称"), S("测试镇")],
                vec![S("截止日期"), D("2024-12-31")],
            ],
        ),
    ]
}

#[test]
fn every_section_row_is_on_the_printed_page() {
    let Some(soffice) = soffice() else {
        eprintln!("soffice not found: skipped");
        return;
    };
    let w = Workdir::new();
    write_book(&w.path("in.xlsx"), &sections_book());
    let r = w.run(&["report", "in.xlsx", "-o", "out.xlsx", "--json", "out.json"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let j = read_json(&w.path("out.json"));
    let sections: Vec<String> = j["reading"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["sections"].as_array().unwrap().iter())
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert_eq!(sections.len(), 18, "{sections:?}");
    let out = std::process::Command::new(&soffice)
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(w.dir.path())
        .arg(w.path("out.xlsx"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::process::Command::new("pdftotext")
        .arg(w.path("out.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    if let Ok(keep) = std::env::var("READING_PRINT_KEEP") {
        std::fs::copy(w.path("out.pdf"), keep).unwrap();
    }
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| p.contains("读取说明"))
        .collect();
    assert!(!pages.is_empty(), "no 读取说明 page");
    // The key beside a tall row prints at its middle: take it out.
    let mut flat: String = pages
        .concat()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    flat = flat.replace("分类标题行", "");
    for s in &sections {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(flat.contains(&s), "“{s}” not on the printed page:\n{flat}");
    }
    // 说明 is read by rows: no 列 | 表头 | 读作 band for it — one band for 项目.
    assert_eq!(flat.matches("读作").count(), 1, "{flat}");
}
