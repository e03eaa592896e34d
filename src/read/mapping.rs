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
//! [units]                # 元 or 万元, for a sheet's amounts when the header says nothing
//! 项目 = "元"
//! 拨付 = "元"
//! ```

use super::layout::{self, MoneyUnit, SheetRole};
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
}

impl Mapping {
    /// The mapping file if one is given, else none (built-in aliases only).
    pub fn load_opt(path: Option<&Path>) -> Result<Mapping, String> {
        path.map(Mapping::load)
            .unwrap_or_else(|| Ok(Mapping::default()))
    }

    pub fn load(path: &Path) -> Result<Mapping, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("无法读取映射文件 {}：{e}", path.display()))?;
        let m: Mapping = toml::from_str(&quote_keys(&text)).map_err(|e| {
            let detail: Vec<String> = e
                .to_string()
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty() && !l.starts_with('|'))
                .collect();
            format!(
                "映射文件 {} 格式有误：{}",
                path.display(),
                detail.join("；")
            )
        })?;
        m.check()
            .map_err(|e| format!("映射文件 {}：{e}", path.display()))?;
        Ok(m)
    }

    fn check(&self) -> Result<(), String> {
        let sheet_ok = |k: &str| layout::SHEETS.iter().any(|s| s.name == k);
        for k in self
            .sheets
            .keys()
            .chain(self.columns.keys())
            .chain(self.units.keys())
        {
            if !sheet_ok(k) {
                return Err(format!(
                    "“{k}”不是标准工作表名（应为 项目 / 拨付 / 绩效指标 / 说明）"
                ));
            }
        }
        for (sheet, cols) in &self.columns {
            let spec = layout::SHEETS
                .iter()
                .find(|s| s.name == sheet)
                .expect("checked");
            for k in cols.keys() {
                let key = layout::normalize_header(k).0;
                if !spec
                    .columns
                    .iter()
                    .any(|c| layout::normalize_header(c.header).0 == key)
                {
                    let names: Vec<String> = spec
                        .columns
                        .iter()
                        .map(|c| layout::normalize_header(c.header).0)
                        .collect();
                    return Err(format!(
                        "“{sheet}”表没有标准列“{k}”（可用：{}）",
                        names.join("、")
                    ));
                }
            }
        }
        for (sheet, u) in &self.units {
            if parse_unit(u).is_none() {
                return Err(format!("[units] {sheet} = “{u}”：单位只能是 元 或 万元"));
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
            .and_then(|u| parse_unit(u))
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

fn parse_unit(s: &str) -> Option<MoneyUnit> {
    match s.trim() {
        "元" => Some(MoneyUnit::Yuan),
        "万元" => Some(MoneyUnit::WanYuan),
        _ => None,
    }
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
