//! `jixiao summary`: the 绩效自评总结 of the 2023 靖宇镇 sample carries every
//! figure of the reference document, in its place; the Markdown rendering
//! equals the golden file; LibreOffice opens the .docx (skipped, saying so,
//! without `soffice`).

mod common;
use common::*;
use std::io::Read;
use std::path::Path;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data/jingyu-2023.xlsx");
const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/jingyu-2023-summary.md"
);

/// The figures of the reference document, in the order it states them.
const REFERENCE_ORDER: &[&str] = &[
    "靖宇镇人民政府2023年度衔接及整合资金",
    "使用情况绩效自评总结",
    "县财政局：",
    "一、项目资金基本情况",
    "408.5587万元（包括衔接资金71.6787万元）",
    "共安排项目7个",
    "产业项目2个，资金212.6万元",
    "基础设施建设项目2个，资金185万元",
    "其他项目3个，资金10.9587万元",
    "二、项目绩效管理情况",
    "（一）绩效管理",
    "（二）公告公示情况",
    "12317",
    "三、目标完成情况分析",
    "（一）预算执行率",
    "合计安排408.5587万元，截止2024年5月31日，实际支出231.3152万元，完成56.62%。结转资金0万元。",
    "（二）分类资金使用效益",
    "1.产业项目。",
    "①2023年度靖宇镇“以奖代补”项目。使用衔接资金10.22万元",
    "因年初预算数据不够精准导致预算资金未全部使用",
    "②靖宇县靖宇镇河南村牛场建设项目。使用整合资金166万元，现已完成施工，但因县财政财力不足，未下达结算资金，所以尚未结算，截止目前已拨付衔接资金60万元",
    "720平方米",
    "201平方米",
    "2.基础设施建设项目。",
    "①靖宇镇永生村一撮毛屯沥青路建设项目。使用整合资金83.0827万元",
    "1216.1",
    "②靖宇镇靖安村示范创建项目。使用整合资金98.129万元，现已完成施工，但因县财政财力不足，未下达结算资金，所以尚未结算，截止目前已拨付67.8038万元",
    "301.4",
    "127",
    "3.其他项目。",
    "①靖宇镇2023年春季、秋季学期“雨露计划”项目。使用整合资金3.75万元",
    "25人次",
    "因年初预算数据不够精准导致预算资金未全部使用",
    "②靖宇镇2021-2023年示范村村庄规划编制工作。使用整合资金5万元",
    "③靖宇镇外出务工一次性往返交通补助项目。使用衔接资金1.4587万元",
    "27人",
    "四、偏离绩效目标的原因",
    "无",
    "五、整改措施",
    "提高年初预算准确率",
    "六、机制创新",
    "项目资金如有结余做退回财政处理",
    "靖宇镇人民政府",
    "2024年6月10日",
];

fn assert_in_order(text: &str, what: &str) {
    let mut at = 0;
    for needle in REFERENCE_ORDER {
        match text[at..].find(needle) {
            Some(i) => at += i + needle.len(),
            None => panic!(
                "{what}: “{needle}” not found after byte {at}; text from there:\n{}",
                &text[at..]
            ),
        }
    }
}

fn summary(w: &Workdir, extra: &[&str]) -> Run {
    let mut args = vec![
        "summary",
        SAMPLE,
        "--as-of",
        "2024-05-31",
        "--date",
        "2024-06-10",
        "-o",
        "总结.docx",
        "--markdown",
        "总结.md",
    ];
    args.extend_from_slice(extra);
    w.run(&args)
}

fn document_xml(path: &Path) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    s
}

/// Paragraph texts of document.xml, one a line (tags stripped).
fn docx_text(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('>').map(|j| i + j + 1).unwrap_or(rest.len());
        if rest[i..j].starts_with("</w:p>") {
            out.push('\n');
        }
        rest = &rest[j..];
    }
    out.push_str(rest);
    out.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn docx_has_every_reference_figure_in_order() {
    let w = Workdir::new();
    let r = summary(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let xml = document_xml(&w.path("总结.docx"));
    let text = docx_text(&xml);
    assert_in_order(&text, "docx");
    // The facts the data lacks are highlighted markers, and said on screen.
    assert!(text.contains("【待补充：通知文号】"), "{text}");
    assert!(xml.contains(r#"<w:highlight w:val="yellow""#));
    assert!(
        r.stderr.contains("需补充 4 处") && r.stderr.contains("通知文号"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.matches("[待补充]").count(), 4, "{}", r.stderr);
    // 公文 page: A4, margins 3.7 / 3.5 / 2.8 / 2.6 cm; fixed 28 pt lines;
    // 三号 body, 二号 title; fonts.
    assert!(
        xml.contains(r#"w:w="11906""#) && xml.contains(r#"w:h="16838""#),
        "A4"
    );
    for m in [
        r#"w:top="2098""#,
        r#"w:bottom="1984""#,
        r#"w:left="1587""#,
        r#"w:right="1474""#,
    ] {
        assert!(xml.contains(m), "margin {m}");
    }
    assert!(
        xml.contains(r#"w:line="560" w:lineRule="exact""#) || xml.contains(r#"w:lineRule="exact""#)
    );
    assert!(xml.contains(r#"w:val="44""#) && xml.contains(r#"w:val="32""#));
    for f in ["方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"] {
        assert!(xml.contains(f), "font {f}");
    }
    assert!(
        xml.contains(r#"w:firstLine="640""#),
        "first-line indent of 2 characters"
    );
    // Fallback fonts in the font table, page number field in the footer.
    let mut z = zip::ZipArchive::new(std::fs::File::open(w.path("总结.docx")).unwrap()).unwrap();
    let mut fonts = String::new();
    z.by_name("word/fontTable.xml")
        .unwrap()
        .read_to_string(&mut fonts)
        .unwrap();
    assert!(
        fonts.contains(r#"<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋" />"#),
        "{fonts}"
    );
    let mut footer = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        if f.name().unwrap().starts_with("word/footer") {
            f.read_to_string(&mut footer).unwrap();
        }
    }
    assert!(footer.contains("PAGE") && footer.contains("— "), "{footer}");
}

#[test]
fn markdown_equals_golden() {
    let w = Workdir::new();
    let r = summary(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(w.path("总结.md")).unwrap();
    assert_in_order(&md.replace("**", ""), "markdown");
    if std::env::var_os("JIXIAO_BLESS").is_some() {
        std::fs::write(GOLDEN, &md).unwrap();
    }
    let golden = std::fs::read_to_string(GOLDEN).expect("golden file");
    if md != golden {
        let diff: Vec<String> = golden
            .lines()
            .zip(md.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(5)
            .map(|(i, (a, b))| format!("line {}:\n- {a}\n+ {b}", i + 1))
            .collect();
        panic!(
            "Markdown differs from {GOLDEN} ({} vs {} lines); JIXIAO_BLESS=1 rewrites it\n{}",
            golden.lines().count(),
            md.lines().count(),
            diff.join("\n")
        );
    }
}

#[test]
fn other_template_and_output_safety() {
    let w = Workdir::new();
    std::fs::write(
        w.path("我的模板.txt"),
        "# {{ unit }}\n一、合计\n共{{ project_count }}个项目，{{ total_budget|wan }}，执行率{{ execution_rate|pct }}，{{ todo(\"文号\") }}\n",
    )
    .unwrap();
    let r = w.run(&[
        "summary",
        SAMPLE,
        "--as-of",
        "2024-05-31",
        "-o",
        "a.docx",
        "--markdown",
        "a.md",
        "--template",
        "我的模板.txt",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(w.path("a.md")).unwrap();
    assert_eq!(
        md,
        "# 靖宇镇人民政府\n\n## 一、合计\n\n共7个项目，408.5587万元，执行率56.62%，**【待补充：文号】**\n"
    );
    // An existing file is not overwritten without --force; nothing written.
    std::fs::write(w.path("b.md"), "keep").unwrap();
    let r = w.run(&["summary", SAMPLE, "-o", "b.docx", "--markdown", "b.md"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert!(!w.exists("b.docx"));
    assert_eq!(std::fs::read_to_string(w.path("b.md")).unwrap(), "keep");
    // Never the input.
    let input = w.path("台账.xlsx");
    std::fs::copy(SAMPLE, &input).unwrap();
    let r = w.run(&["summary", "台账.xlsx", "-o", "台账.xlsx", "--force"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // A broken template is a one-line error, nothing written.
    std::fs::write(w.path("坏.txt"), "{% for %}").unwrap();
    let r = w.run(&["summary", SAMPLE, "-o", "c.docx", "--template", "坏.txt"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("模板"), "{}", r.stderr);
    assert!(!w.exists("c.docx"));
}

#[test]
fn libreoffice_opens_the_docx() {
    let Some(soffice) = soffice() else {
        skip::soffice_missing();
        return;
    };
    let w = Workdir::new();
    let r = summary(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
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
            "txt:Text (encoded):UTF8",
            "--outdir",
        ])
        .arg(w.path("lo"))
        .arg(w.path("总结.docx"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run soffice");
    assert!(status.success());
    let text = std::fs::read_to_string(w.path("lo/总结.txt")).expect("LibreOffice wrote the text");
    let text = text.trim_start_matches('\u{feff}');
    assert_in_order(text, "LibreOffice text");
}

/// On generated ledgers (projects in every state, no indicators): 结转 is
/// the 未支出 of unfinished projects, every project has its paragraph, and a
/// missing fact is a marker on the page and a line on screen.
#[test]
fn generated_ledgers_carry_over_and_markers() {
    let w = Workdir::new();
    let r = w.run(&[
        "synth",
        "-o",
        "synth",
        "--townships",
        "3",
        "--projects",
        "8",
        "--payments",
        "12",
        "--seed",
        "11",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut files: Vec<_> = std::fs::read_dir(w.path("synth"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xlsx"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for (k, f) in files.iter().enumerate() {
        let f = f.to_str().unwrap();
        let (md, js) = (format!("s{k}.md"), format!("s{k}.json"));
        let s = w.run(&[
            "summary",
            f,
            "--as-of",
            "2024-12-31",
            "-o",
            &format!("s{k}.docx"),
            "--markdown",
            &md,
        ]);
        assert!(s.code == 0 || s.code == 1, "{}", s.stderr);
        let r = w.run(&[
            "report",
            f,
            "--as-of",
            "2024-12-31",
            "-o",
            &format!("r{k}.xlsx"),
            "--json",
            &js,
            "--no-forms",
        ]);
        assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
        let text = std::fs::read_to_string(w.path(&md)).unwrap();
        let j = read_json(&w.path(&js));
        let mut carry = rust_decimal::Decimal::ZERO;
        let mut unknown = false;
        for p in j["projects"].as_array().unwrap() {
            let name = p["name"].as_str().unwrap();
            assert!(
                text.contains(&format!("{name}。")),
                "{name} has no paragraph"
            );
            match p["status"].as_str() {
                Some(s) if s.contains("在建") || s.contains("未开工") => {
                    carry += p["remaining"]
                        .as_str()
                        .unwrap()
                        .parse::<rust_decimal::Decimal>()
                        .unwrap()
                }
                Some(_) => {}
                None => unknown = true,
            }
        }
        if unknown {
            assert!(text.contains("【待补充：结转资金"), "{text}");
        } else {
            assert!(
                text.contains(&format!("结转资金{}万元", carry.normalize())),
                "{carry}\n{text}"
            );
        }
        let on_page = text.matches("【待补充：").count();
        let on_screen = s.stderr.matches("[待补充]").count();
        assert_eq!(
            on_page, on_screen,
            "every marker is listed on screen:\n{}",
            s.stderr
        );
    }
}

/// A project far below its target: 四 names the indicator and asks for the
/// reason, 五 names the low score; an unfinished project is 结转 and a
/// 偏离; a project without indicators is said on screen.
#[test]
fn shortfalls_low_scores_and_carry_over() {
    let w = Workdir::new();
    let mut book = small_book();
    book.push((
        "绩效指标",
        vec![
            vec![
                S("项目编号"),
                S("一级指标"),
                S("二级指标"),
                S("三级指标"),
                S("指标值"),
                S("实际完成值"),
            ],
            vec![
                S("P1"),
                S("产出指标"),
                S("数量指标"),
                S("道路长度"),
                S("≥1000米"),
                S("200米"),
            ],
            vec![
                S("P1"),
                S("效益指标"),
                S("社会效益指标"),
                S("通行条件"),
                S("明显改善"),
                S("明显改善"),
            ],
            vec![
                S("P1"),
                S("满意度指标"),
                S("服务对象满意度指标"),
                S("群众满意度"),
                S("≥90%"),
                S("95%"),
            ],
        ],
    ));
    write_book(&w.path("台账.xlsx"), &book);
    let r = w.run(&[
        "summary",
        "台账.xlsx",
        "-o",
        "s.docx",
        "--markdown",
        "s.md",
        "--date",
        "2025-01-10",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(w.path("s.md"))
        .unwrap()
        .replace("**", "");
    for needle in [
        "总计120万元（包括衔接资金5.5万元）",
        "截止2024年12月31日，实际支出85.5万元，完成71.25%。结转资金14.5万元。",
        // Used, what was built (the indicators, the ledger having no
        // 年度目标 text), the effect; no 结余 sentence the data gives no reason for.
        "①道路。使用整合资金98.5万元，现已完成施工，但【待补充：未结算的原因】，所以尚未结算，截止目前已拨付80万元。该项目已完成道路长度200米。通行条件明显改善。",
        "①补助。安排衔接资金20万元，目前在建，截止2024年12月31日已拨付5.5万元，未支出14.5万元。",
        "## 四、偏离绩效目标的原因\n\n①道路：道路长度，目标≥1000米，实际完成200米，【待补充：偏差原因】。\n\n②补助：截止2024年12月31日项目在建，【待补充：偏差原因】。",
        "自评得分低于80分",
        "<p align=\"right\">测试镇</p>\n\n<p align=\"right\">2025年1月10日</p>",
    ] {
        assert!(md.contains(needle), "“{needle}” not in:\n{md}");
    }
    assert!(md.contains("道路（") && !md.contains("补助（"), "{md}");
    // Sentences the reference has no place for are not added.
    for absent in ["结余1.5万元", "预算资金未全部使用的原因", "尚有结算资金"]
    {
        assert!(!md.contains(absent), "“{absent}” in:\n{md}");
    }
    assert!(r.stderr.contains("需补充 "), "{}", r.stderr);
    assert!(r.stderr.contains("项目“补助”没有绩效指标"), "{}", r.stderr);
    assert_eq!(
        md.matches("【待补充：").count(),
        r.stderr.matches("[待补充]").count(),
        "{}",
        r.stderr
    );
}

/// A project left out for a data error (项目!E4 = "约85万") must not vanish
/// quietly from the document the township hands in: a highlighted marker
/// says what was left out, and the exit status is 1.
#[test]
fn a_project_left_out_for_a_data_error_is_said_in_the_document() {
    let w = Workdir::new();
    replace_in_zip(
        Path::new(SAMPLE),
        &w.path("bad.xlsx"),
        &[(
            r#"<c r="E4" s="2"><v>85</v></c>"#,
            r#"<c r="E4" t="inlineStr"><is><t>约85万</t></is></c>"#,
        )],
    );
    let r = w.run(&[
        "summary",
        "bad.xlsx",
        "--as-of",
        "2024-05-31",
        "-o",
        "bad.docx",
        "--markdown",
        "bad.md",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let md = std::fs::read_to_string(w.path("bad.md")).unwrap();
    assert!(
        md.contains("台账有数据错误") && md.contains("JY2023-03") && md.contains("1 个项目"),
        "{md}"
    );
}

/// The 2023 sample: the facts the reference states, as data.
#[test]
fn summary_data_of_the_sample_states_the_reference_facts() {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-data/jingyu-2023.xlsx"
    ));
    let o = jixiao::analysis::analyse(
        path,
        chrono::NaiveDate::from_ymd_opt(2024, 5, 31),
        None,
        &Default::default(),
    )
    .unwrap();
    let (evals, _) = jixiao::compute::evaluate::evaluate_all(
        &o.ledger,
        &o.report,
        &Default::default(),
        &jixiao::read::library::bundled(),
    );
    let d = jixiao::compute::summary::build(&o.ledger, &o.report, &evals, o.report.as_of);
    let n = |s: &str| rust_decimal::Decimal::from_str_exact(s).unwrap();
    assert_eq!(d.total_budget, n("408.5587"));
    assert_eq!(d.xianjie_paid, n("71.6787"));
    assert_eq!(d.paid, n("231.3152"));
    assert_eq!(d.execution_rate, Some(n("56.62")));
    assert_eq!(d.carry_over, Some(rust_decimal::Decimal::ZERO));
    let cats: Vec<(&str, usize, rust_decimal::Decimal)> = d
        .categories
        .iter()
        .map(|c| (c.name.as_str(), c.count, c.budget))
        .collect();
    assert_eq!(
        cats,
        [
            ("产业项目", 2, n("212.6")),
            ("基础设施建设项目", 2, n("185")),
            ("其他项目", 3, n("10.9587"))
        ]
    );
    let p = |id: &str| {
        d.categories
            .iter()
            .flat_map(|c| &c.projects)
            .find(|p| p.id == id)
            .unwrap()
    };
    let cattle = p("JY2023-02");
    assert_eq!(cattle.state, jixiao::compute::summary::State::Awaiting);
    assert_eq!(cattle.used, Some(n("166")));
    assert_eq!(cattle.paid, n("60"));
    assert_eq!(cattle.paid_fund, "衔接资金");
    assert_eq!(
        cattle.settle_reason.as_deref(),
        Some("因县财政财力不足，未下达结算资金")
    );
    assert_eq!(cattle.under_use_reason, None);
    let subsidy = p("JY2023-01");
    assert_eq!(subsidy.state, jixiao::compute::summary::State::Settled);
    assert_eq!(subsidy.used, Some(n("10.22")));
    assert_eq!(subsidy.unspent, Some(n("36.38")));
    assert!(
        subsidy
            .under_use_reason
            .as_deref()
            .unwrap()
            .contains("年初预算数据不够精准")
    );
    // 沥青路: 1.9173 not needed, and the ledger does not say why.
    let road = p("JY2023-03");
    assert_eq!(road.unspent, Some(n("1.9173")));
    assert_eq!(road.under_use_reason, None);
    // 示范创建: its 偏差原因 explains the settlement, not the 结余.
    let village = p("JY2023-04");
    assert_eq!(village.state, jixiao::compute::summary::State::Awaiting);
    assert_eq!(village.paid_fund, "");
    assert_eq!(village.under_use_reason, None);
    assert_eq!(d.outstanding_total, n("136.3252"));
    assert_eq!(d.unspent_total, n("40.9183"));
    assert!(d.deviations.is_empty());
}

/// Sentences of a text split as the issue measures them: at 。；！？ and
/// line ends, 8 characters or more (the reference's Word bookmark dropped).
fn sentences(text: &str) -> Vec<String> {
    text.replace("[bookmark: _GoBack]", "")
        .lines()
        .flat_map(|l| l.split(['。', '；', '！', '？']))
        .map(|s| s.trim().to_string())
        .filter(|s| s.chars().count() >= 8)
        .collect()
}

const REFERENCE: &str = "/work/shared/reference/2023-jingyu-self-evaluation.txt";

/// How many of the reference's sentences the summary reproduces word for
/// word (the reference text is outside the repository: skipped, saying
/// so, where it is not).
fn reproduced(md: &str) -> Option<(usize, usize)> {
    let reference = std::fs::read_to_string(REFERENCE).ok()?;
    let doc = md.replace("**", "");
    let all = sentences(&reference);
    let hit = all.iter().filter(|s| doc.contains(s.as_str())).count();
    Some((hit, all.len()))
}

/// The township's own words: the summary built from the ledger's 年度目标 /
/// 实际完成情况 reproduces at least 37 of the reference's 53 sentences
/// without help (35 before), 40 with the document facts on 说明; each
/// project paragraph keeps the reference's order (used → built → effect →
/// why money is left).
#[test]
fn reference_sentences_reproduced_word_for_word() {
    let w = Workdir::new();
    let r = summary(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(w.path("总结.md")).unwrap();
    let Some((hit, all)) = reproduced(&md) else {
        eprintln!("SKIP: {REFERENCE} not here");
        return;
    };
    eprintln!("word for word: {hit} of {all}");
    assert_eq!(all, 53);
    assert!(hit >= 37, "{hit} of {all}");
    for (sentence, why) in [
        (
            "使用整合资金83.0827万元，该项目为2023年新建项目，已完成年初目标",
            "a new building project whose 实际完成情况 says the target was met",
        ),
        (
            "使用整合资金5万元，完成靖安村2021-2023年示范村村庄规划编制，已完成年初目标",
            "the 年度目标 text, then 已完成年初目标",
        ),
        (
            "新建LED太阳能路灯127盏",
            "the 年度目标 of a building project",
        ),
    ] {
        assert!(md.contains(sentence), "{why}: “{sentence}” not in\n{md}");
    }
    // Order inside a paragraph: used, built, effect.
    let cattle = md
        .lines()
        .find(|l| l.contains("河南村牛场建设项目。"))
        .unwrap();
    let at = |s: &str| cattle.find(s).unwrap_or_else(|| panic!("{s} in {cattle}"));
    assert!(at("使用整合资金166万元") < at("已完成新建牛舍2栋共720平方米"));
    assert!(at("已完成新建牛舍2栋共720平方米") < at("用以增加村集体收入"));
    // Every indicator it set reached its target: the reference's phrase.
    assert!(
        cattle.contains("该项目完成年初建设目标，用以增加村集体收入"),
        "{cattle}"
    );
    // The reason money is left comes last, as the ledger gives it.
    let subsidy = md.lines().find(|l| l.contains("以奖代补”项目。")).unwrap();
    assert!(subsidy.ends_with("因年初预算数据不够精准导致预算资金未全部使用。"));
    // No thin "完成情况：…效益：…" lines, no 结余 sentences without a reason.
    for absent in ["完成情况：", "效益：", "结余1.9173万元", "已完成并结算"] {
        assert!(!md.contains(absent), "“{absent}” in\n{md}");
    }

    // The facts a clerk gives once on 说明 fill their places.
    let rows = [
        ("通知文号", "靖财农〔2024〕603号"),
        ("整合方案", "靖宇县2023年财政涉农资金统筹整合使用方案"),
        (
            "整合资金管理办法",
            "《靖宇县统筹整合使用财政涉农资金管理办法》(靖政发〔2021〕23号）",
        ),
        (
            "衔接资金管理办法",
            "《靖宇县财政衔接推进乡村振兴补助资金管理实施细则》（靖政办发〔2021〕50号）",
        ),
        ("项目负责人", "张三"),
        ("联系电话", "0439-1234567"),
    ];
    with_facts(&w.path("说明.xlsx"), &rows);
    let r = w.run(&[
        "summary",
        w.path("说明.xlsx").to_str().unwrap(),
        "--as-of",
        "2024-05-31",
        "--date",
        "2024-06-10",
        "-o",
        "f.docx",
        "--markdown",
        "f.md",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(w.path("f.md")).unwrap();
    assert!(!md.contains("【待补充"), "{md}");
    assert!(!r.stderr.contains("需补充"), "{}", r.stderr);
    let (hit, _) = reproduced(&md).unwrap();
    eprintln!("word for word with the facts: {hit} of {all}");
    assert!(hit >= 40, "{hit}");
    // And 项目负责人及电话 on the forms.
    let r = w.run(&[
        "report",
        w.path("说明.xlsx").to_str().unwrap(),
        "-o",
        "r.xlsx",
        "--forms",
        "fb.xlsx",
        "--form-layout",
        "b",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    assert_eq!(
        sheet_cell(&w.path("fb.xlsx"), "自评-JY2023-02", 1, 6).to_string(),
        "张三　0439-1234567"
    );
    assert_eq!(
        sheet_cell(&w.path("fb.xlsx"), "目标-JY2023-02", 2, 2).to_string(),
        "张三　0439-1234567"
    );
}

/// The sample with key–value rows added to its 说明 sheet.
fn with_facts(to: &Path, rows: &[(&str, &str)]) {
    let extra: String = rows
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            let r = 5 + i;
            format!(
                r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{k}</t></is></c><c r="B{r}" t="inlineStr"><is><t>{v}</t></is></c></row>"#
            )
        })
        .collect();
    replace_in_zip(
        Path::new(SAMPLE),
        to,
        // The end of 说明's last row (B4 = 主管部门), found nowhere else.
        &[(
            r#"<c r="B4" t="s"><v>20</v></c></row></sheetData>"#,
            &format!(r#"<c r="B4" t="s"><v>20</v></c></row>{extra}</sheetData>"#),
        )],
    );
}

/// The .docx says its language (zh-CN, so LibreOffice lays Chinese out in
/// Chinese faces, not Japanese ones), its fonts with fallbacks, its author
/// (the unit) and its date (the signature's, from --date).
#[test]
fn docx_language_fonts_author_and_date() {
    let w = Workdir::new();
    let r = summary(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let part = |name: &str| {
        let mut z =
            zip::ZipArchive::new(std::fs::File::open(w.path("总结.docx")).unwrap()).unwrap();
        let mut s = String::new();
        z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let styles = part("word/styles.xml");
    let defaults = &styles[styles.find("<w:rPrDefault>").unwrap()..];
    let defaults = &defaults[..defaults.find("</w:rPrDefault>").unwrap()];
    // East Asian text zh-CN; Western text en-US as Word writes Chinese
    // documents (LibreOffice breaks numbers apart in zh-CN Western text).
    assert!(
        defaults.contains(r#"w:eastAsia="zh-CN""#) && defaults.contains(r#"w:val="en-US""#),
        "{defaults}"
    );
    // No widow/orphan control: full pages of 22 lines, as 公文 are set.
    let body = part("word/document.xml");
    assert_eq!(
        body.matches("<w:p ").count(),
        body.matches(r#"<w:widowControl w:val="0" />"#).count(),
        "every paragraph without widow control"
    );
    assert!(
        defaults.contains(r#"w:eastAsia="仿宋_GB2312""#),
        "{defaults}"
    );
    let fonts = part("word/fontTable.xml");
    for (f, alt) in [
        ("仿宋_GB2312", "仿宋"),
        ("仿宋", "FangSong"),
        ("楷体_GB2312", "楷体"),
        ("方正小标宋简体", "宋体"),
        ("黑体", "SimHei"),
    ] {
        assert!(
            fonts.contains(&format!(
                r#"<w:font w:name="{f}"><w:altName w:val="{alt}" />"#
            )),
            "{f} → {alt}: {fonts}"
        );
    }
    let core = part("docProps/core.xml");
    assert!(
        core.contains("<dc:creator>靖宇镇人民政府</dc:creator>"),
        "{core}"
    );
    assert!(
        core.contains(">2024-06-10T00:00:00Z</dcterms:created>"),
        "{core}"
    );
    assert!(!core.contains("1970"), "{core}");
}

/// Another township's ledger (its own names, year, figures and texts) gives
/// a summary of its own: none of 靖宇镇's facts, every amount one the ledger
/// gives or the tool computes, each project paragraph from its own texts in
/// the reference's order (used → built → effect → why money is left), and an
/// amount its 实际完成情况 states that the ledger does not bear out shown on
/// screen, not printed.
#[test]
fn another_ledger_gives_a_summary_of_its_own() {
    let w = Workdir::new();
    let header = vec![
        S("项目编号"),
        S("项目名称"),
        S("项目类别"),
        S("资金性质"),
        S("预算金额（万元）"),
        S("结算金额（万元）"),
        S("建设状态"),
        S("开工日期"),
        S("偏差原因"),
        S("年度目标"),
        S("实际完成情况"),
    ];
    // (budget, settled, payments) of the two projects, in 万元.
    let (b1, s1, p1) = (50.0, 48.0, [30.0, 18.0]);
    let (b2, s2, p2) = (30.0, 30.0, 20.0);
    let book = vec![
        (
            "项目",
            vec![
                header,
                vec![
                    S("Q1"),
                    S("青山乡石门村蔬菜大棚建设项目"),
                    S("产业项目"),
                    S("衔接资金"),
                    N(b1),
                    N(s1),
                    S("已结算"),
                    D("2021-04-01"),
                    S("因招标价格低于预算，资金有结余"),
                    S("新建蔬菜大棚12座，每座600平方米，增加脱贫户务工收入，带动村集体经济发展。"),
                    S("已完成年初目标，新建蔬菜大棚12座，结算48万元。"),
                ],
                vec![
                    S("Q2"),
                    S("青山乡河口村便民桥建设项目"),
                    S("基础设施建设项目"),
                    S("整合资金"),
                    N(b2),
                    N(s2),
                    S("已完工"),
                    D("2021-05-10"),
                    S("因审计未完成，尚未拨付尾款"),
                    S("新建便民桥1座，长24米，方便群众出行。"),
                    // 21 is not what the ledger paid (20).
                    S("已完成施工：新建便民桥1座长24米；已拨付21万元。"),
                ],
            ],
        ),
        (
            "拨付",
            vec![
                PAYMENT_HEADER.to_vec(),
                vec![S("Q1"), D("2021-08-01"), N(p1[0]), S("衔接资金")],
                vec![S("Q1"), D("2021-12-01"), N(p1[1]), S("衔接资金")],
                vec![S("Q2"), D("2021-09-01"), N(p2), S("整合资金")],
            ],
        ),
        (
            "说明",
            vec![
                vec![S("单位名称"), S("青山乡人民政府")],
                vec![S("年度"), N(2021.0)],
                vec![S("截止日期"), D("2022-06-30")],
            ],
        ),
    ];
    write_book(&w.path("青山.xlsx"), &book);
    let r = w.run(&[
        "summary",
        "青山.xlsx",
        "--date",
        "2022-07-05",
        "-o",
        "q.docx",
        "--markdown",
        "q.md",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(w.path("q.md"))
        .unwrap()
        .replace("**", "");

    // None of 靖宇镇's facts: its places, works, years, and every amount the
    // reference states (but 0).
    for theirs in [
        "靖宇",
        "河南村",
        "永生村",
        "靖安村",
        "牛舍",
        "沥青",
        "雨露",
        "LED",
        "化粪池",
        "2023",
        "2024",
    ] {
        assert!(!md.contains(theirs), "“{theirs}” in\n{md}");
    }
    let reference = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-data/2023-jingyu-self-evaluation.txt"
    ))
    .unwrap();
    let amounts = |t: &str| -> Vec<String> {
        let mut out = Vec::new();
        for (i, _) in t.match_indices("万元") {
            let n: String = t[..i]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if !n.is_empty() {
                out.push(n);
            }
        }
        out
    };
    let ours = amounts(&md);
    for a in amounts(&reference) {
        assert!(
            a == "0" || !ours.contains(&a),
            "the reference's {a}万元 in\n{md}"
        );
    }
    // Every amount printed is one the ledger gives or the tool computes.
    let dec = |x: f64| rust_decimal::Decimal::try_from(x).unwrap().normalize();
    let paid = dec(p1[0] + p1[1] + p2);
    let total = dec(b1 + b2);
    let own: Vec<rust_decimal::Decimal> = [b1, s1, b2, s2, p1[0] + p1[1], p2, 0.0]
        .into_iter()
        .map(dec)
        .chain([paid, total])
        .collect();
    for a in &ours {
        let a: rust_decimal::Decimal = a.parse().unwrap();
        assert!(
            own.contains(&a.normalize()),
            "{a}万元 is none of the ledger's\n{md}"
        );
    }
    let rate = (paid / total * rust_decimal::Decimal::from(100)).round_dp(2);
    for needle in [
        "青山乡人民政府2021年度衔接及整合资金".to_string(),
        format!(
            "2021年我单位衔接及整合资金总计{total}万元（包括衔接资金{}万元）",
            dec(p1[0] + p1[1])
        ),
        format!("截止2022年6月30日，实际支出{paid}万元，完成{rate:.2}%。结转资金0万元。"),
        "<p align=\"right\">2022年7月5日</p>".to_string(),
    ] {
        assert!(md.contains(&needle), "“{needle}” not in\n{md}");
    }
    // Each paragraph: used, built, effect, why money is left — its own words.
    let para = |name: &str| {
        md.lines()
            .find(|l| l.contains(&format!("{name}。")))
            .unwrap_or_else(|| panic!("{name} has no paragraph:\n{md}"))
            .to_string()
    };
    let greenhouse = para("青山乡石门村蔬菜大棚建设项目");
    let at = |p: &str, s: &str| p.find(s).unwrap_or_else(|| panic!("“{s}” not in {p}"));
    let order = [
        format!("使用衔接资金{}万元", dec(s1)),
        "该项目为2021年新建项目，已完成年初目标".to_string(),
        "新建蔬菜大棚12座，每座600平方米".to_string(),
        "用以增加脱贫户务工收入，带动村集体经济发展".to_string(),
        "因招标价格低于预算，资金有结余。".to_string(),
    ];
    for pair in order.windows(2) {
        assert!(
            at(&greenhouse, &pair[0]) < at(&greenhouse, &pair[1]),
            "{greenhouse}"
        );
    }
    let bridge = para("青山乡河口村便民桥建设项目");
    for s in [
        format!(
            "使用整合资金{}万元，现已完成施工，但因审计未完成，尚未拨付尾款，所以尚未结算，截止目前已拨付{}万元",
            dec(s2),
            dec(p2)
        ),
        "新建便民桥1座，长24米".to_string(),
        "用以方便群众出行".to_string(),
    ] {
        at(&bridge, &s);
    }
    // No indicators to show its targets were met: not said.
    assert!(!bridge.contains("完成年初建设目标"), "{bridge}");
    // The 21万元 the clerk typed is not printed; it is said on screen.
    assert!(!md.contains("21万元"), "{md}");
    assert!(
        r.stderr.contains("青山乡河口村便民桥建设项目")
            && r.stderr.contains("“已拨付21万元”，与台账不符"),
        "{}",
        r.stderr
    );
    // The placeholders on the page are the ones listed on screen.
    assert_eq!(
        md.matches("【待补充：").count(),
        r.stderr.matches("[待补充]").count(),
        "{}",
        r.stderr
    );
    // 六、机制创新 speaks of 基础设施 only in a year that had such projects.
    assert!(md.contains("在基础设施上坚持便民利民原则"), "{md}");
    let mut industry_only = book.clone();
    industry_only[0].1.truncate(2);
    industry_only[1].1.truncate(3);
    write_book(&w.path("产业.xlsx"), &industry_only);
    let r = w.run(&["summary", "产业.xlsx", "-o", "c.docx", "--markdown", "c.md"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(w.path("c.md")).unwrap();
    assert!(
        md.contains("项目资金如有结余做退回财政处理") && !md.contains("基础设施"),
        "{md}"
    );
}

/// As LibreOffice prints the sample's summary: every page but the last is
/// full (22 lines of text, at most one short where a heading keeps with its
/// paragraph — no gap on page 2), and no amount or rate is broken over two
/// lines ("408.558 / 7万元"). Skipped, saying so, without soffice or pdftotext.
#[test]
fn printed_pages_are_full_and_amounts_whole() {
    let Some(soffice) = soffice() else {
        skip::soffice_missing();
        return;
    };
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_err()
    {
        skip::missing(
            "pdftotext",
            "没有 poppler 的 pdftotext（PATH 上找不到）",
            skip::POPPLER_INSTALL,
        );
        return;
    }
    let w = Workdir::new();
    let r = summary(&w, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let status = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            w.path("lo-profile").display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(w.path("pdf"))
        .arg(w.path("总结.docx"))
        .output()
        .expect("run soffice");
    assert!(status.status.success(), "{status:?}");
    let out = std::process::Command::new("pdftotext")
        .arg(w.path("pdf/总结.pdf"))
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut pages: Vec<&str> = text.split('\u{c}').collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    assert!(pages.len() >= 2, "{text}");
    for (k, p) in pages.iter().enumerate().take(pages.len() - 1) {
        // The text lines and the page number.
        let lines = p.lines().filter(|l| !l.trim().is_empty()).count();
        assert!(lines >= 22, "page {} has {lines} lines:\n{p}", k + 1);
    }
    // Every amount and rate of the document, whole on one printed line.
    let md = std::fs::read_to_string(w.path("总结.md")).unwrap();
    let mut figures = Vec::new();
    for unit in ["万元", "%"] {
        for (i, _) in md.match_indices(unit) {
            let n: String = md[..i]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if n.chars().count() >= 3 {
                figures.push(n);
            }
        }
    }
    assert!(figures.len() >= 10, "{figures:?}");
    for n in &figures {
        assert!(
            text.lines().any(|l| l.contains(n.as_str())),
            "{n} broken over two lines:\n{text}"
        );
    }
}

/// A finished project that builds nothing (a subsidy) is 实施完成, not 完成施工;
/// with no texts and no indicators, what it did is a marker, listed on screen.
#[test]
fn a_finished_subsidy_is_not_said_to_be_built() {
    let w = Workdir::new();
    let mut book = small_book();
    book[0].1[2][5] = N(8.0);
    book[0].1[2][6] = S("已完工");
    write_book(&w.path("台账.xlsx"), &book);
    let r = w.run(&["summary", "台账.xlsx", "-o", "s.docx", "--markdown", "s.md"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(w.path("s.md"))
        .unwrap()
        .replace("**", "");
    for needle in [
        "①补助。使用衔接资金8万元，现已实施完成，但【待补充：未结算的原因】，所以尚未结算，截止目前已拨付5.5万元。【待补充：实施内容及完成情况】。",
        "①道路。使用整合资金98.5万元，现已完成施工，",
    ] {
        assert!(md.contains(needle), "“{needle}” not in\n{md}");
    }
    assert!(r.stderr.contains("实施内容及完成情况"), "{}", r.stderr);
    assert_eq!(
        md.matches("【待补充：").count(),
        r.stderr.matches("[待补充]").count(),
        "{}",
        r.stderr
    );
}

/// The document facts a county shares with all its townships can be given
/// once in a settings file (`--facts`, keys as on 说明, written bare); what a
/// township's 说明 says wins; a misspelt key is refused before anything is
/// written (it would otherwise leave its placeholder without a word).
#[test]
fn document_facts_from_a_settings_file() {
    let w = Workdir::new();
    std::fs::write(
        w.path("县.toml"),
        "# 全县共用\n通知文号 = \"县财农〔2099〕1号\"\n整合方案 = \"某县统筹整合使用方案\"\n整合资金管理办法 = \"《某县整合资金管理办法》\"\n衔接资金管理办法 = \"《某县衔接资金实施细则》\"\n",
    )
    .unwrap();
    let r = summary(&w, &["--facts", "县.toml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(w.path("总结.md")).unwrap();
    for needle in [
        "开展绩效自评总结工作的通知》（县财农〔2099〕1号）文件要求",
        "按照县政府印发的《某县统筹整合使用方案》和县委",
        "按照《某县整合资金管理办法》和《某县衔接资金实施细则》文件要求",
    ] {
        assert!(md.contains(needle), "“{needle}” not in\n{md}");
    }
    assert!(
        !md.contains("【待补充") && !r.stderr.contains("需补充"),
        "{md}"
    );

    // 说明 wins over the file.
    with_facts(&w.path("说明.xlsx"), &[("通知文号", "乡财〔2099〕7号")]);
    let r = w.run(&[
        "summary",
        w.path("说明.xlsx").to_str().unwrap(),
        "-o",
        "s.docx",
        "--markdown",
        "s.md",
        "--facts",
        "县.toml",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = std::fs::read_to_string(w.path("s.md")).unwrap();
    assert!(
        md.contains("（乡财〔2099〕7号）") && !md.contains("县财农"),
        "{md}"
    );
    assert!(md.contains("《某县统筹整合使用方案》"), "{md}");

    // A misspelt key: R105, nothing written.
    std::fs::write(w.path("错.toml"), "通知号 = \"x\"\n").unwrap();
    let r = w.run(&["summary", SAMPLE, "-o", "x.docx", "--facts", "错.toml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("R105") && r.stderr.contains("错.toml") && r.stderr.contains("“通知号”"),
        "{}",
        r.stderr
    );
    assert!(!w.exists("x.docx"));
}
