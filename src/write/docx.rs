//! The 绩效自评总结: template → line markup → .docx (公文 format, GB/T 9704)
//! and the same text as Markdown.
//!
//! Markup, one paragraph a line: `# ` title, `> ` flush-left line (主送机关),
//! `>> ` right-aligned line (落款), `一、` level-1 heading, `（一）` level 2,
//! `1.` level 3, anything else body text; `【待补充：…】` anywhere is a marker
//! (yellow highlight in the docx). Blank lines are ignored.

use docx_rs::{
    AlignmentType, Docx, FieldCharType, Footer, InstrPAGE, InstrText, LineSpacing, LineSpacingType,
    PageMargin, Paragraph, Run, RunFonts, SpecialIndentType,
};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The bundled template (`templates/summary/绩效自评总结.txt`).
pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/summary/绩效自评总结.txt");

pub const MARK_OPEN: &str = "【待补充：";

const CN_DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// 1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (1–99).
pub fn zh_number(n: u32) -> String {
    match n {
        0..=9 => CN_DIGITS[n as usize].to_string(),
        10..=19 => format!(
            "十{}",
            if n > 10 {
                CN_DIGITS[(n % 10) as usize]
            } else {
                ""
            }
        ),
        20..=99 => format!(
            "{}十{}",
            CN_DIGITS[(n / 10) as usize],
            if !n.is_multiple_of(10) {
                CN_DIGITS[(n % 10) as usize]
            } else {
                ""
            }
        ),
        _ => n.to_string(),
    }
}

/// 1 → ①, … 20 → ⑳; beyond that "（21）".
pub fn circled(n: u32) -> String {
    match n {
        1..=20 => char::from_u32(0x2460 + n - 1)
            .map(String::from)
            .unwrap_or_default(),
        _ => format!("（{n}）"),
    }
}

/// "408.5587" → "408.5587万元" (the decimals the figure has).
pub fn wan(s: &str) -> String {
    match Decimal::from_str(s.trim()) {
        Ok(d) => format!("{}万元", d.normalize()),
        Err(_) => format!("{s}万元"),
    }
}

/// "56.62" → "56.62%"; none → "—".
pub fn pct(s: Option<&str>) -> String {
    match s.and_then(|s| Decimal::from_str(s.trim()).ok()) {
        Some(d) => format!("{:.2}%", d),
        None => "—".into(),
    }
}

/// A document's name in 书名号: "《…》" as given, else wrapped.
pub fn doc_name(s: &str) -> String {
    let s = s.trim();
    if s.starts_with('《') {
        s.to_string()
    } else {
        format!("《{s}》")
    }
}

/// "2024-05-31" → "2024年5月31日".
pub fn rq(s: &str) -> String {
    match chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => {
            use chrono::Datelike;
            format!("{}年{}月{}日", d.year(), d.month(), d.day())
        }
        Err(_) => s.to_string(),
    }
}

/// Render the template with the summary data.
pub fn render_text(template: &str, data: &impl serde::Serialize) -> Result<String, String> {
    render_named("内置总结模板", template, data)
}

/// Render a template file (`name` for messages). Undefined variables are
/// errors (a misspelt name never renders as blank text); an error names the
/// file and line, then the technical text.
pub fn render_named(
    name: &str,
    template: &str,
    data: &impl serde::Serialize,
) -> Result<String, String> {
    use minijinja::{Environment, Value};
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|e| e.to_string())?,
    );
    env.add_filter("wan", |v: Value| wan(&v.to_string()));
    env.add_filter("pct", |v: Value| {
        pct((!v.is_none() && !v.is_undefined())
            .then(|| v.to_string())
            .as_deref())
    });
    env.add_filter("rq", |v: String| rq(&v));
    env.add_filter("doc", |v: String| doc_name(&v));
    env.add_filter("zh", |n: u32| zh_number(n));
    env.add_filter("circled", |n: u32| circled(n));
    env.add_function("todo", |what: String| format!("{MARK_OPEN}{what}】"));
    let explain = |e: minijinja::Error| {
        let line = e.line().map(|l| format!("第{l}行")).unwrap_or_default();
        let at = e
            .range()
            .and_then(|r| template.get(r))
            .map(|t| format!("“{}”", t.trim()))
            .unwrap_or_default();
        let what = match e.kind() {
            minijinja::ErrorKind::UndefinedError => format!(
                "变量或字段 {at} 不存在，请检查拼写（可用的变量见内置模板 templates/summary/绩效自评总结.txt）"
            ),
            minijinja::ErrorKind::SyntaxError => {
                format!("语法错误 {at}，请检查 {{{{ }}}} 与 {{% %}} 是否成对")
            }
            minijinja::ErrorKind::UnknownFilter => {
                format!("没有过滤器 {at}（可用：wan、pct、rq、zh、circled）")
            }
            minijinja::ErrorKind::UnknownFunction => format!("没有函数 {at}（可用：todo）"),
            _ => format!("无法套用 {at}"),
        };
        crate::model::Finding::BadTemplate.fatal(format!(
            "总结模板 {name} {line}有误：{what}（{}）",
            e.detail().unwrap_or(&e.kind().to_string())
        ))
    };
    env.add_template("summary", template).map_err(explain)?;
    let t = env.get_template("summary").map_err(explain)?;
    t.render(Value::from(minijinja::value::Serde(data)))
        .map_err(explain)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Title(String),
    Flush(String),
    Right(String),
    H1(String),
    H2(String),
    H3(String),
    Body(String),
}

impl Block {
    pub fn text(&self) -> &str {
        match self {
            Block::Title(t)
            | Block::Flush(t)
            | Block::Right(t)
            | Block::H1(t)
            | Block::H2(t)
            | Block::H3(t)
            | Block::Body(t) => t,
        }
    }
}

fn is_h1(s: &str) -> bool {
    let head: String = s
        .chars()
        .take_while(|c| "一二三四五六七八九十".contains(*c))
        .collect();
    !head.is_empty() && s[head.len()..].starts_with('、')
}
fn is_h2(s: &str) -> bool {
    s.starts_with('（')
        && s.chars()
            .nth(1)
            .is_some_and(|c| "一二三四五六七八九十".contains(c))
        && s.contains('）')
        && s.find('）').is_some_and(|i| i <= 3 * 4)
}
fn is_h3(s: &str) -> bool {
    let digits = s.chars().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && (s[digits..].starts_with('.') || s[digits..].starts_with('．'))
}

/// Parse the markup.
pub fn parse(text: &str) -> Vec<Block> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            if let Some(t) = l.strip_prefix("# ") {
                Block::Title(t.trim().into())
            } else if let Some(t) = l.strip_prefix(">> ") {
                Block::Right(t.trim().into())
            } else if let Some(t) = l.strip_prefix("> ") {
                Block::Flush(t.trim().into())
            } else if is_h1(l) {
                Block::H1(l.into())
            } else if is_h2(l) {
                Block::H2(l.into())
            } else if is_h3(l) {
                Block::H3(l.into())
            } else {
                Block::Body(l.into())
            }
        })
        .collect()
}

/// Text split into (segment, is_marker).
pub fn segments(s: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(MARK_OPEN) {
        let Some(j) = rest[i..].find('】') else {
            break;
        };
        if i > 0 {
            out.push((&rest[..i], false));
        }
        out.push((&rest[i..i + j + '】'.len_utf8()], true));
        rest = &rest[i + j + '】'.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push((rest, false));
    }
    out
}

/// Every 【待补充：…】 marker with the heading it is under, for the screen.
pub fn markers(blocks: &[Block]) -> Vec<String> {
    let mut out = Vec::new();
    let mut under = String::new();
    for b in blocks {
        if let Block::H1(t) | Block::H2(t) = b {
            under = t.clone();
        }
        for (seg, marker) in segments(b.text()) {
            if marker {
                let what = seg.trim_start_matches(MARK_OPEN).trim_end_matches('】');
                let ctx: String = b.text().chars().take(24).collect();
                out.push(if under.is_empty() {
                    format!("待补充：{what}（{ctx}…）")
                } else {
                    format!("待补充：{what}（“{under}”下：{ctx}…）")
                });
            }
        }
    }
    out
}

/// What each 【待补充：…】 marker asks for, in order (for "需补充 N 处：…").
pub fn marker_names(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .flat_map(|b| segments(b.text()))
        .filter(|(_, m)| *m)
        .map(|(seg, _)| {
            seg.trim_start_matches(MARK_OPEN)
                .trim_end_matches('】')
                .to_string()
        })
        .collect()
}

/// The same text as Markdown.
pub fn to_markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    let md = |t: &str| -> String {
        segments(t)
            .into_iter()
            .map(|(s, m)| if m { format!("**{s}**") } else { s.to_string() })
            .collect()
    };
    let mut titles: Vec<&str> = Vec::new();
    for b in blocks {
        if let Block::Title(t) = b {
            titles.push(t);
            continue;
        }
        if !titles.is_empty() {
            out.push_str(&format!("# {}\n\n", titles.concat()));
            titles.clear();
        }
        let line = match b {
            Block::Title(_) => unreachable!(),
            Block::Flush(t) | Block::Body(t) => md(t),
            Block::Right(t) => format!("<p align=\"right\">{}</p>", md(t)),
            Block::H1(t) => format!("## {}", md(t)),
            Block::H2(t) => format!("### {}", md(t)),
            Block::H3(t) => format!("#### {}", md(t)),
        };
        out.push_str(&line);
        out.push_str("\n\n");
    }
    if !titles.is_empty() {
        out.push_str(&format!("# {}\n", titles.concat()));
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

// Sizes in half-points; lengths in twips (1 cm = 567 twips).
const ERHAO: usize = 44; // 二号 22 pt
const SANHAO: usize = 32; // 三号 16 pt
const SIHAO: usize = 28; // 四号 14 pt
const LINE: i32 = 560; // fixed 28 pt
const CHAR: i32 = 320; // one 三号 character

/// Fonts and their fallbacks, written to the font table as `w:altName`:
/// the GB2312 faces of older Windows, then the faces every Chinese Windows
/// has, then their English names (LibreOffice, WPS on Linux).
pub const FONTS: &[(&str, &str)] = &[
    ("方正小标宋简体", "宋体"),
    ("仿宋_GB2312", "仿宋"),
    ("楷体_GB2312", "楷体"),
    ("仿宋", "FangSong"),
    ("楷体", "KaiTi"),
    ("黑体", "SimHei"),
    ("宋体", "SimSun"),
];

/// Every run's language, as Word writes it for a Chinese document: East
/// Asian text zh-CN (Chinese faces, not Japanese ones), Western text en-US
/// (with zh-CN there LibreOffice breaks lines inside numbers: "408.558 / 7万元").
const LANG: &str = r#"<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA" />"#;

fn fonts(name: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(name)
        .ascii(name)
        .hi_ansi(name)
        .cs(name)
}

fn runs(mut p: Paragraph, text: &str, font: &str, size: usize, bold: bool) -> Paragraph {
    for (seg, marker) in segments(text) {
        let mut r = Run::new().add_text(seg).fonts(fonts(font)).size(size);
        if bold {
            r = r.bold();
        }
        if marker {
            r = r.highlight("yellow");
        }
        p = p.add_run(r);
    }
    p
}

fn exact() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(LINE)
}

fn page_footer(align: AlignmentType) -> Footer {
    let r = |t: &str| Run::new().add_text(t).fonts(fonts("宋体")).size(SIHAO);
    let field = Run::new()
        .fonts(fonts("宋体"))
        .size(SIHAO)
        .add_field_char(FieldCharType::Begin, false)
        .add_instr_text(InstrText::PAGE(InstrPAGE::new()))
        .add_field_char(FieldCharType::Separate, false)
        .add_text("1")
        .add_field_char(FieldCharType::End, false);
    // One character of space from the edge of the text block.
    let (left, right) = match align {
        AlignmentType::Right => (None, Some(280)),
        _ => (Some(280), None),
    };
    Footer::new().add_paragraph(
        Paragraph::new()
            .align(align)
            .indent(left, None, right, None)
            .add_run(r("— "))
            .add_run(field)
            .add_run(r(" —")),
    )
}

/// The .docx bytes of the markup.
pub fn to_docx(blocks: &[Block]) -> Result<Vec<u8>, String> {
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(2098) // 3.7 cm
                .bottom(1984) // 3.5 cm
                .left(1587) // 2.8 cm
                .right(1474) // 2.6 cm
                .header(851)
                .footer(1134)
                .gutter(0),
        )
        .default_fonts(fonts("仿宋_GB2312"))
        .default_size(SANHAO)
        .footer(page_footer(AlignmentType::Right))
        .even_footer(page_footer(AlignmentType::Left));
    let indent = |p: Paragraph| {
        p.indent(
            None,
            Some(SpecialIndentType::FirstLine(2 * CHAR)),
            None,
            None,
        )
    };
    let mut after_title = false;
    let mut in_signature = false;
    for (i, b) in blocks.iter().enumerate() {
        // No widow/orphan control: every full page has its 22 lines, as
        // 公文 are typeset (a chain of headings and a paragraph that does not
        // fit whole would otherwise leave lines empty at the foot of a page;
        // headings still keep with what follows).
        let p = Paragraph::new().line_spacing(exact()).widow_control(false);
        // The 落款 never stands alone on a page (GB/T 9704): the paragraph
        // before it and its own lines keep with what follows.
        let p = if matches!(blocks.get(i + 1), Some(Block::Right(_))) {
            p.keep_next(true)
        } else {
            p
        };
        let p = match b {
            Block::Title(t) => {
                after_title = true;
                runs(
                    p.align(AlignmentType::Center).line_spacing(
                        LineSpacing::new()
                            .line_rule(LineSpacingType::Exact)
                            .line(700),
                    ),
                    t,
                    "方正小标宋简体",
                    ERHAO,
                    false,
                )
            }
            Block::Flush(t) => {
                let p = if after_title {
                    p.line_spacing(exact().before(LINE as u32))
                } else {
                    p
                };
                runs(p, t, "仿宋_GB2312", SANHAO, false)
            }
            Block::Right(t) => runs(
                p.align(AlignmentType::Right)
                    .indent(None, None, Some(4 * CHAR), None),
                t,
                "仿宋_GB2312",
                SANHAO,
                false,
            ),
            Block::H1(t) => runs(indent(p).keep_next(true), t, "黑体", SANHAO, false),
            Block::H2(t) => runs(indent(p).keep_next(true), t, "楷体_GB2312", SANHAO, false),
            Block::H3(t) => runs(indent(p).keep_next(true), t, "仿宋_GB2312", SANHAO, true),
            Block::Body(t) => runs(
                indent(p).align(AlignmentType::Both),
                t,
                "仿宋_GB2312",
                SANHAO,
                false,
            ),
        };
        if !matches!(b, Block::Title(_)) {
            after_title = false;
        }
        // One empty line before the signature block.
        if matches!(b, Block::Right(_)) && !in_signature {
            doc = doc.add_paragraph(
                Paragraph::new()
                    .line_spacing(exact())
                    .widow_control(false)
                    .keep_next(true),
            );
        }
        in_signature = matches!(b, Block::Right(_));
        doc = doc.add_paragraph(p);
    }
    let (author, created) = signature(blocks);
    let created = created.unwrap_or_else(|| chrono::Local::now().date_naive());
    doc = doc.created_at(&format!("{created}T00:00:00Z"));
    doc = doc.updated_at(&format!("{created}T00:00:00Z"));
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build()
        .pack(&mut buf)
        .map_err(|e| format!("无法生成 docx：{e}"))?;
    Ok(finish_package(&buf.into_inner(), &author))
}

/// The signature block's unit (the document's author) and date.
pub fn signature(blocks: &[Block]) -> (String, Option<chrono::NaiveDate>) {
    let right: Vec<&str> = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Right(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    let date = right.iter().find_map(|t| {
        chrono::NaiveDate::parse_from_str(t.trim(), "%Y年%m月%d日")
            .or_else(|_| chrono::NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d"))
            .ok()
    });
    let author = right
        .iter()
        .find(|t| !t.contains('年') || !t.contains('日'))
        .map(|t| t.to_string())
        .unwrap_or_default();
    (author, date)
}

/// XML text escaped.
fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What docx-rs does not write: each font with its fallback (`w:altName`)
/// in `word/fontTable.xml`, so a machine without 仿宋_GB2312 uses 仿宋; the
/// language zh-CN (East Asian text laid out in Chinese faces, not Japanese
/// ones); the unit as the author. On any trouble the package is returned
/// unchanged.
fn finish_package(docx: &[u8], author: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let attempt = || -> Option<Vec<u8>> {
        let mut zin = zip::ZipArchive::new(std::io::Cursor::new(docx)).ok()?;
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for i in 0..zin.len() {
            let mut f = zin.by_index(i).ok()?;
            let name = f.name().ok()?.to_string();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).ok()?;
            if name == "word/fontTable.xml" {
                let mut xml = String::from_utf8(bytes).ok()?;
                let extra: String = FONTS
                    .iter()
                    .map(|(f, alt)| {
                        let alt = if f == alt {
                            String::new()
                        } else {
                            format!("<w:altName w:val=\"{alt}\" />")
                        };
                        format!(
                            "<w:font w:name=\"{f}\">{alt}<w:charset w:val=\"86\" /><w:family w:val=\"auto\" /><w:pitch w:val=\"variable\" /></w:font>"
                        )
                    })
                    .collect();
                let at = xml.rfind("</w:fonts>")?;
                xml.insert_str(at, &extra);
                bytes = xml.into_bytes();
            } else if name == "word/styles.xml" {
                let mut xml = String::from_utf8(bytes).ok()?;
                let start = xml.find("<w:rPrDefault>")?;
                let at = start + xml[start..].find("</w:rPr>")?;
                xml.insert_str(at, LANG);
                bytes = xml.into_bytes();
            } else if name == "docProps/core.xml" && !author.is_empty() {
                let xml = String::from_utf8(bytes).ok()?;
                let who = xml_text(author);
                bytes = xml
                    .replace(
                        "<dc:creator>unknown</dc:creator>",
                        &format!("<dc:creator>{who}</dc:creator>"),
                    )
                    .replace(
                        "<cp:lastModifiedBy>unknown</cp:lastModifiedBy>",
                        &format!("<cp:lastModifiedBy>{who}</cp:lastModifiedBy>"),
                    )
                    .into_bytes();
            }
            out.start_file(name, opts).ok()?;
            out.write_all(&bytes).ok()?;
        }
        Some(out.finish().ok()?.into_inner())
    };
    attempt().unwrap_or_else(|| docx.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_and_amounts() {
        assert_eq!(zh_number(1), "一");
        assert_eq!(zh_number(10), "十");
        assert_eq!(zh_number(12), "十二");
        assert_eq!(zh_number(20), "二十");
        assert_eq!(circled(1), "①");
        assert_eq!(circled(3), "③");
        assert_eq!(wan("408.55870"), "408.5587万元");
        assert_eq!(wan("185"), "185万元");
        assert_eq!(wan("0"), "0万元");
        assert_eq!(pct(Some("56.6")), "56.60%");
        assert_eq!(pct(None), "—");
        assert_eq!(rq("2024-05-31"), "2024年5月31日");
    }

    #[test]
    fn markup() {
        let b = parse(
            "# 标题\n> 县财政局：\n一、概况\n（二）公示\n1.产业项目。\n正文【待补充：文号】。\n>> 某镇\n",
        );
        assert!(matches!(b[0], Block::Title(_)));
        assert!(matches!(b[1], Block::Flush(_)));
        assert!(matches!(b[2], Block::H1(_)));
        assert!(matches!(b[3], Block::H2(_)));
        assert!(matches!(b[4], Block::H3(_)));
        assert!(matches!(b[5], Block::Body(_)));
        assert!(matches!(b[6], Block::Right(_)));
        assert_eq!(
            segments("正文【待补充：文号】。"),
            vec![("正文", false), ("【待补充：文号】", true), ("。", false)]
        );
        assert_eq!(markers(&b).len(), 1);
    }
}
