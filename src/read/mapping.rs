//! `--mapping FILE.toml`: a user's own sheet names, column names and units,
//! for ledgers whose headers the built-in aliases don't cover.
//!
//! ```toml
//! [sheets]               # standard sheet = the sheet's name in your workbook
//! 项目 = "2024年项目汇总"
//! 拨付 = "国库支付记录"
//!
//! [columns.项目]          # standard column = your header text
//! 预算金额 = "下达资金"
//! 项目编号 = "项目库编码"
//!
//! [columns.拨付]
//! 拨付金额 = "实付金额"
//!
//! [units]                # 元 / 千元 / 万元 / 亿元, for a sheet's amounts when the header says nothing
//! 项目 = "元"
//! 拨付 = "元"
//!
//! [defaults.项目]         # a value for every row of a sheet that has no such column
//! 资金性质 = "衔接资金"
//!
//! [header_rows]          # the header's row numbers as Excel shows them (one or two rows)
//! 项目 = [4, 5]
//!
//! [skip_rows]            # rows that are not records, as Excel numbers them
//! 项目 = [18, 19]
//!
//! [categories]           # 项目类别 as written = the category to report it under
//! 就业项目 = "其他项目"
//! ```

use super::layout::{self, MoneyUnit, SheetRole};
use crate::model::Finding;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    pub sheets: HashMap<String, String>,
    #[serde(default)]
    pub columns: HashMap<String, HashMap<String, String>>,
    #[serde(default)]
    pub units: HashMap<String, String>,
    #[serde(default)]
    pub defaults: HashMap<String, HashMap<String, String>>,
    #[serde(default)]
    pub header_rows: HashMap<String, Vec<u32>>,
    #[serde(default)]
    pub skip_rows: HashMap<String, Vec<u32>>,
    #[serde(default)]
    pub categories: HashMap<String, String>,
    /// The file and its text, for messages naming a line.
    #[serde(skip)]
    pub source: Option<(std::path::PathBuf, String)>,
}

/// A settings file's text (mapping, scoring rules, templates): UTF-8 with
/// or without a BOM, CRLF or LF; anything else refused with what to do.
pub fn read_text(path: &Path, what: &str) -> Result<String, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| crate::output::io_fatal(&e, format!("读取{what} {} ", path.display())))?;
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Finding::NotUtf8.fatal(format!(
            "{what} {} 是 UTF-16（Unicode）编码：请用记事本打开，“另存为”时编码选 UTF-8",
            path.display()
        )));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&bytes);
    match std::str::from_utf8(body) {
        Ok(t) => Ok(t.replace("\r\n", "\n")),
        Err(e) => {
            let line = body[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            Err(Finding::NotUtf8.fatal(format!(
                "{what} {} 不是 UTF-8 编码（第{line}行起，可能是 GBK）：请用记事本打开，“另存为”时编码选 UTF-8",
                path.display()
            )))
        }
    }
}

impl Mapping {
    /// The mapping file if one is given, else none (built-in aliases only).
    pub fn load_opt(path: Option<&Path>) -> Result<Mapping, String> {
        path.map(Mapping::load)
            .unwrap_or_else(|| Ok(Mapping::default()))
    }

    pub fn load(path: &Path) -> Result<Mapping, String> {
        let text = read_text(path, "映射文件")?;
        let mut m: Mapping = toml::from_str(&quote_keys(&text)).map_err(|e| {
            let line = crate::model::value::toml_error_line(&text, &e);
            Finding::BadMapping.fatal(format!(
                "映射文件 {} {line}格式有误，请对照 README 中“列名映射”的写法改正（{}）",
                path.display(),
                e.message().trim()
            ))
        })?;
        m.check()
            .map_err(|e| Finding::BadMapping.fatal(format!("映射文件 {}：{e}", path.display())))?;
        m.source = Some((path.to_path_buf(), text));
        Ok(m)
    }

    /// Where a `[columns.SHEET] 字段 = "列名"` line is: "映射文件 m.toml 第3行".
    pub fn column_line(&self, sheet: &str, field: &str) -> String {
        let Some((path, text)) = &self.source else {
            return "映射文件".into();
        };
        let mut in_table = false;
        let key = layout::normalize_header(field).0;
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.starts_with('[') {
                let name: String = t
                    .trim_matches(|c| c == '[' || c == ']')
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
                    .collect();
                in_table = name == format!("columns.{sheet}");
                continue;
            }
            if in_table
                && let Some((k, _)) = t.split_once('=')
                && layout::normalize_header(k.trim().trim_matches('"')).0 == key
            {
                return format!("映射文件 {} 第{}行", path.display(), i + 1);
            }
        }
        format!("映射文件 {}", path.display())
    }

    /// Columns the mapping names that the located table's header lacks:
    /// an error each, naming the mapping line and the headers there are.
    /// (The table then reads that field by its built-in names.)
    pub fn unfound(&self, table: &super::table::Table) -> Vec<crate::model::Problem> {
        let sheet = layout::sheet_spec(table.role).name;
        let Some(cols) = self.columns.get(sheet) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut entries: Vec<(&String, &String)> = cols.iter().collect();
        entries.sort();
        for (field, header) in entries {
            let want = layout::normalize_header(header).0;
            if table.header_keys.iter().any(|(_, k)| *k == want) {
                continue;
            }
            let mut have: Vec<&str> = Vec::new();
            for (_, k) in &table.header_keys {
                if !have.contains(&k.as_str()) {
                    have.push(k);
                }
            }
            let at =
                crate::model::CellRef::at(&table.name, table.header_row, table.sheet.first_col());
            let fallback = layout::sheet_spec(table.role)
                .readable()
                .find(|c| layout::normalize_header(c.header).0 == layout::normalize_header(field).0)
                .and_then(|c| table.columns.get(&c.field))
                .map(|c| format!("该列已按内置列名读取 {} 列", crate::model::col_name(c.col)))
                .unwrap_or_else(|| "该列未读取".into());
            out.push(crate::model::Problem::at(
                Finding::MappedColumnMissing,
                &at,
                format!(
                    "{} {field} = \"{header}\"：工作表“{}”第{}行的表头中没有“{want}”；现有表头：{}；{fallback}。请把映射文件这一行改成表头中的写法，或删去这一行",
                    self.column_line(sheet, field),
                    table.sheet.name,
                    table.header_row + table.header_depth,
                    have.join("、")
                ),
            ));
        }
        out
    }

    fn check(&self) -> Result<(), String> {
        let sheet_ok = |k: &str| layout::SHEETS.iter().any(|s| s.name == k);
        for k in self
            .sheets
            .keys()
            .chain(self.columns.keys())
            .chain(self.units.keys())
            .chain(self.defaults.keys())
            .chain(self.header_rows.keys())
            .chain(self.skip_rows.keys())
        {
            if !sheet_ok(k) {
                return Err(format!(
                    "“{k}”不是标准工作表名（应为 项目 / 拨付 / 绩效指标 / 说明）"
                ));
            }
        }
        for (sheet, rows) in &self.header_rows {
            let ok = matches!(rows.as_slice(), [a] if *a >= 1)
                || matches!(rows.as_slice(), [a, b] if *a >= 1 && *b == *a + 1);
            if !ok {
                return Err(format!(
                    "[header_rows] {sheet} = {rows:?}：应写一个或相邻两个行号（从 1 起），如 [4] 或 [4, 5]"
                ));
            }
        }
        for (sheet, cols) in self.columns.iter().chain(&self.defaults) {
            let spec = layout::SHEETS
                .iter()
                .find(|s| s.name == sheet)
                .expect("checked");
            for k in cols.keys() {
                let key = layout::normalize_header(k).0;
                if !spec
                    .readable()
                    .any(|c| layout::normalize_header(c.header).0 == key)
                {
                    let names: Vec<String> = spec
                        .readable()
                        .map(|c| layout::normalize_header(c.header).0)
                        .collect();
                    return Err(format!(
                        "“{sheet}”表没有标准列“{k}”（可用：{}）",
                        names.join("、")
                    ));
                }
            }
        }
        // Two fields mapped to one column: one of them would be dropped.
        for (sheet, cols) in &self.columns {
            let mut by_header: Vec<(String, &str)> = Vec::new();
            let mut entries: Vec<(&String, &String)> = cols.iter().collect();
            entries.sort();
            for (field, header) in entries {
                let key = layout::normalize_header(header).0;
                if let Some((_, other)) = by_header.iter().find(|(k, _)| *k == key) {
                    return Err(format!(
                        "[columns.{sheet}] {other} 和 {field} 都指向列“{header}”：一列只能读作一项；请把其中一项改成表中另一列的列名，或删去一行"
                    ));
                }
                by_header.push((key, field));
            }
        }
        for (sheet, u) in &self.units {
            if MoneyUnit::parse(u.trim()).is_none() {
                return Err(format!(
                    "[units] {sheet} = “{u}”：单位只能是 元、千元、万元 或 亿元"
                ));
            }
        }
        Ok(())
    }

    pub fn sheet_name(&self, role: SheetRole) -> Option<&str> {
        self.sheets
            .get(layout::sheet_spec(role).name)
            .map(String::as_str)
    }

    /// The user's header for a standard column, normalised.
    pub fn column_alias(&self, role: SheetRole, standard_header: &str) -> Option<String> {
        if self.columns.is_empty() {
            return None;
        }
        let key = layout::normalize_header(standard_header).0;
        self.columns
            .get(layout::sheet_spec(role).name)?
            .iter()
            .find(|(k, _)| layout::normalize_header(k).0 == key)
            .map(|(_, v)| layout::normalize_header(v).0)
    }

    pub fn unit(&self, role: SheetRole) -> Option<MoneyUnit> {
        self.units
            .get(layout::sheet_spec(role).name)
            .and_then(|u| MoneyUnit::parse(u.trim()))
    }

    /// `[defaults.项目] 资金性质 = "衔接资金"`: the value for rows of a sheet without that column.
    pub fn default_value(&self, role: SheetRole, standard_header: &str) -> Option<&str> {
        let key = layout::normalize_header(standard_header).0;
        self.defaults
            .get(layout::sheet_spec(role).name)?
            .iter()
            .find(|(k, _)| layout::normalize_header(k).0 == key)
            .map(|(_, v)| v.as_str())
    }

    /// The header's first row (0-based) and depth, if the mapping states them.
    pub fn header_rows(&self, role: SheetRole) -> Option<(u32, u32)> {
        let rows = self.header_rows.get(layout::sheet_spec(role).name)?;
        Some((rows.first()? - 1, rows.len() as u32))
    }

    /// Rows (0-based) the mapping says are not records.
    pub fn skip_rows(&self, role: SheetRole) -> Vec<u32> {
        self.skip_rows
            .get(layout::sheet_spec(role).name)
            .map(|v| v.iter().filter(|r| **r >= 1).map(|r| r - 1).collect())
            .unwrap_or_default()
    }

    /// The category a 项目类别 spelling is reported under (`[categories]`).
    pub fn category(&self, given: &str) -> Option<&str> {
        self.categories.get(given).map(String::as_str)
    }
}

/// TOML wants Chinese keys in quotes (`"项目" = …`); clerks write them bare.
/// Quote bare keys and table-name parts that aren't plain ASCII.
pub fn quote_keys(text: &str) -> String {
    let needs = |k: &str| {
        !k.is_empty()
            && !k.starts_with('"')
            && !k.starts_with('\'')
            && !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let quote = |k: &str| {
        if needs(k) {
            format!("\"{}\"", k.replace('"', "\\\""))
        } else {
            k.to_string()
        }
    };
    text.lines()
        .map(|line| {
            let t = line.trim();
            if t.starts_with('#') || t.is_empty() {
                return line.to_string();
            }
            if t.starts_with('[') && t.ends_with(']') && !t.starts_with("[[") {
                let inner = &t[1..t.len() - 1];
                let parts: Vec<String> = inner.split('.').map(|p| quote(p.trim())).collect();
                return format!("[{}]", parts.join("."));
            }
            match line.split_once('=') {
                Some((k, v)) if !k.trim().starts_with('"') => format!("{} ={v}", quote(k.trim())),
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_chinese_keys_are_accepted() {
        let text = "# 注释\n[sheets]\n项目 = \"甲表\"\n\n[columns.项目]\n预算金额 = \"盘子（元）\"\n\"项目编号\" = \"编码\"\n[units]\n项目 = \"元\"\n";
        let m: Mapping = toml::from_str(&quote_keys(text)).unwrap();
        m.check().unwrap();
        assert_eq!(m.sheet_name(SheetRole::Projects), Some("甲表"));
        assert_eq!(
            m.column_alias(SheetRole::Projects, "预算金额（万元）")
                .as_deref(),
            Some("盘子")
        );
        assert_eq!(
            m.column_alias(SheetRole::Projects, "项目编号").as_deref(),
            Some("编码")
        );
        assert_eq!(m.unit(SheetRole::Projects), Some(MoneyUnit::Yuan));
    }
}
