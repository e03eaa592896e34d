//! The document facts (`model::facts`): from the sheets read as 说明 and
//! from a settings file (`summary --facts`).

use crate::model::Ledger;
use crate::model::book::RawBook;
use crate::model::facts::DocFacts;

/// The facts of a settings file (`--facts`): TOML `键 = "值"` lines with
/// the keys 说明 takes (通知文号 = "…"), for the facts a county shares
/// with all its townships. An unknown key is refused (a misspelt one
/// would silently leave its placeholder); `source` names the file.
pub fn from_toml(text: &str, source: &str) -> Result<Vec<(String, String)>, String> {
    let bad = |m: String| {
        crate::model::Finding::BadSettings.fatal(format!("文书事实文件 {source} 有误：{m}"))
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = crate::model::value::toml_error_line(text, &e);
        bad(format!(
            "{line}格式不对，每行应为 键 = \"值\"（{}）",
            e.message().trim()
        ))
    })?;
    let known: Vec<&str> = crate::model::facts::FACT_KEYS
        .iter()
        .flat_map(|(_, k)| k.iter().copied())
        .collect();
    let mut pairs = Vec::new();
    for (key, value) in table {
        let k = key.trim().trim_end_matches([':', '：']).trim();
        if !known.contains(&k) {
            return Err(bad(format!(
                "“{key}”不是可用的键（可用：{}）",
                crate::model::facts::FACT_KEYS
                    .iter()
                    .map(|(_, k)| k[0])
                    .collect::<Vec<_>>()
                    .join("、")
            )));
        }
        let toml::Value::String(v) = value else {
            return Err(bad(format!("“{key}”的值应写在引号里（{key} = \"…\"）")));
        };
        pairs.push((key, v));
    }
    Ok(pairs)
}

/// The key–value rows of the sheets the reader took as 说明.
pub fn from_book(book: &RawBook, ledger: &Ledger) -> DocFacts {
    use crate::model::standard::SheetRole;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, _) in ledger
        .sheet_roles
        .iter()
        .filter(|(_, r)| *r == SheetRole::Info)
    {
        let Some(sheet) = book.sheet(name) else {
            continue;
        };
        for (row, _) in sheet.rows_from(0) {
            let (calamine::Data::String(k), v) = (sheet.cell(row, 0), sheet.cell(row, 1)) else {
                continue;
            };
            let v = match v {
                calamine::Data::String(t) => t.clone(),
                calamine::Data::Float(x) => x.to_string(),
                calamine::Data::Int(x) => x.to_string(),
                _ => continue,
            };
            pairs.push((k.clone(), v));
        }
    }
    DocFacts::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.clone())))
}

/// Facts given on 说明, then those of a settings file for what 说明 leaves
/// out (the township's own sheet wins).
pub fn from_book_and(book: &RawBook, ledger: &Ledger, file: &[(String, String)]) -> DocFacts {
    from_book(book, ledger).or(DocFacts::from_pairs(
        file.iter().map(|(k, v)| (k.as_str(), v.clone())),
    ))
}
