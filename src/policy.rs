//! Policy profiles: what changes by year (and province) kept as data in
//! `templates/policy/*.toml` — the fund family and its labels, the 产业
//! floor, 管理费 rates, budget accounts, whether 整合资金 still exists. The
//! year of the ledger chooses the profile unless `--policy F` names one.

use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The bundled profiles, by year.
const BUNDLED: &[(i32, &str)] = &[
    (2023, include_str!("../templates/policy/2023.toml")),
    (2024, include_str!("../templates/policy/2024.toml")),
    (2025, include_str!("../templates/policy/2025.toml")),
    (2026, include_str!("../templates/policy/2026.toml")),
];

/// One fund family: every spelling of it counts as the same money.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Family {
    /// The standard name the rest of jixiao counts under (衔接资金).
    pub key: String,
    /// Short label for tables this year.
    pub label: String,
    /// Full name for titles and notices.
    pub title: String,
    /// Every spelling of the family.
    pub labels: Vec<String>,
    #[serde(default)]
    pub levels: Vec<String>,
    /// Whether the family exists this year (整合资金 may not from 2026).
    #[serde(default = "yes")]
    pub present: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Industry {
    /// Floor on the family's share for 产业 projects, percent.
    pub floor: Decimal,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Account {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
pub struct Accounts {
    #[serde(default)]
    pub revenue: Vec<String>,
    #[serde(default)]
    pub spending: Vec<Account>,
}

/// 公告公示 settings: how long a notice is posted, the county's phone.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NoticeRules {
    #[serde(default = "ten")]
    pub days: u32,
    /// Count only Monday to Friday (10 个工作日).
    #[serde(default)]
    pub working_days: bool,
    /// 县级监督举报电话; empty: given with `--phone` or left for the clerk.
    #[serde(default)]
    pub phone: String,
}

fn ten() -> u32 {
    10
}

impl Default for NoticeRules {
    fn default() -> Self {
        NoticeRules {
            days: 10,
            working_days: false,
            phone: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub year: i32,
    #[serde(default)]
    pub province: String,
    pub family: Family,
    pub integrated: Option<Family>,
    pub industry: Industry,
    /// 管理费 rate (percent) by level.
    #[serde(default)]
    pub management_fee: BTreeMap<String, Decimal>,
    #[serde(default)]
    pub accounts: Accounts,
    #[serde(default)]
    pub notice: NoticeRules,
    /// Where the profile came from (set on loading, for messages).
    #[serde(skip)]
    pub source: String,
}

/// The four levels in their standard order, and the label for money without one.
pub const LEVELS: [&str; 4] = ["中央", "省级", "市级", "县级"];
pub const NO_LEVEL: &str = "未分级";

/// The level a fund spelling starts with (中央财政… → 中央, 省… → 省级).
pub fn level_of(fund: &str) -> Option<&'static str> {
    let t: String = fund.chars().filter(|c| !c.is_whitespace()).collect();
    for (prefix, level) in [
        ("中央", "中央"),
        ("省级", "省级"),
        ("市级", "市级"),
        ("县级", "县级"),
        ("省", "省级"),
        ("市", "市级"),
        ("县", "县级"),
    ] {
        if t.starts_with(prefix) {
            return Some(level);
        }
    }
    None
}

impl Family {
    /// Whether a fund spelling is this family: one of its labels, alone or
    /// after a level and/or 财政/本级 (中央财政常态化帮扶资金, 省级衔接资金).
    pub fn contains(&self, fund: &str) -> bool {
        let t: String = fund.chars().filter(|c| !c.is_whitespace()).collect();
        if t == self.key {
            return true;
        }
        self.labels.iter().any(|label| {
            t.strip_suffix(label.as_str()).is_some_and(|prefix| {
                let mut p = prefix;
                for lv in ["中央", "省级", "市级", "县级", "省", "市", "县"] {
                    if let Some(rest) = p.strip_prefix(lv) {
                        p = rest;
                        break;
                    }
                }
                let p = p.trim_start_matches("财政").trim_start_matches("本级");
                p.is_empty()
            })
        })
    }
}

/// A settings file (policy, benchmark, asset rules, county settings) that
/// does not parse, as the user reads it: the line and the fix first, the
/// parser's own words after.
pub fn toml_text(text: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .map(|s| {
            format!(
                "第{}行",
                text[..s.start.min(text.len())].lines().count().max(1)
            )
        })
        .unwrap_or_default();
    format!(
        "{line}格式有误，请对照 templates/ 中的模板改正（技术信息：{}）",
        e.message().trim()
    )
}

/// A settings file that can't be read or doesn't parse: a fatal message
/// (R105) naming `what` and the file, the fix first.
pub fn load_settings<T>(
    what: &str,
    path: &Path,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, String> {
    use crate::model::Finding;
    let text = std::fs::read_to_string(path)
        .map_err(|e| crate::output::io_fatal(&e, format!("读取{what} {} ", path.display())))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    parse(text).map_err(|m| {
        // A parser's own English ("TOML parse error at line …"): said again
        // with the line and the fix first.
        let m = match toml::from_str::<toml::Table>(text) {
            Err(e) if m.starts_with("TOML parse error") => toml_text(text, &e),
            _ => m,
        };
        Finding::BadSettings.fatal(format!("{what} {} 有误：{m}", path.display()))
    })
}

impl Policy {
    pub fn from_toml(text: &str, source: &str) -> Result<Policy, String> {
        let mut p: Policy = toml::from_str(text).map_err(|e| toml_text(text, &e))?;
        if p.family.labels.is_empty() {
            return Err("[family] labels 不能为空".into());
        }
        p.source = source.to_string();
        Ok(p)
    }

    /// The bundled profile for `year`: that year's, else the latest earlier
    /// one, else the earliest; the latest when the year is unknown.
    pub fn bundled(year: Option<i32>) -> Policy {
        let pick = match year {
            Some(y) => BUNDLED
                .iter()
                .rev()
                .find(|(py, _)| *py <= y)
                .unwrap_or(&BUNDLED[0]),
            None => BUNDLED.last().expect("bundled profiles"),
        };
        Policy::from_toml(pick.1, &format!("内置 templates/policy/{}.toml", pick.0))
            .expect("the bundled policy profiles parse")
    }

    /// `--policy F`, else the bundled profile for the ledger's year.
    pub fn load(path: Option<&Path>, year: Option<i32>) -> Result<Policy, String> {
        match path {
            Some(p) => load_settings("政策口径文件", p, |text| {
                Policy::from_toml(text, &p.display().to_string())
            }),
            None => Ok(Policy::bundled(year)),
        }
    }

    /// The family a fund spelling belongs to and the level it names:
    /// (family key, level). Unknown funds keep their own name, no level.
    pub fn classify(&self, fund: &str) -> (String, Option<&'static str>) {
        if self.family.contains(fund) {
            return (self.family.key.clone(), level_of(fund));
        }
        if let Some(i) = self.integrated.as_ref().filter(|i| i.contains(fund)) {
            return (i.key.clone(), None);
        }
        (fund.to_string(), None)
    }

    /// The label a family key is shown with this year.
    pub fn label<'a>(&'a self, key: &'a str) -> &'a str {
        if key == self.family.key {
            &self.family.label
        } else if let Some(i) = self.integrated.as_ref().filter(|i| i.key == key) {
            &i.label
        } else {
            key
        }
    }

    /// A fund line as a register or notice shows it: "中央常态化帮扶资金",
    /// "整合资金", or the ledger's own spelling.
    pub fn display(&self, fund: &str, level: Option<&str>) -> String {
        let (key, named) = self.classify(fund);
        let label = self.label(&key).to_string();
        match level.or(named) {
            Some(l) if key == self.family.key => format!("{l}{label}"),
            _ => label,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_and_the_year_chooses() {
        for (y, _) in BUNDLED {
            assert_eq!(Policy::bundled(Some(*y)).year, *y);
        }
        assert_eq!(Policy::bundled(Some(2022)).year, 2023);
        assert_eq!(Policy::bundled(Some(2030)).year, 2026);
        assert_eq!(Policy::bundled(None).year, 2026);
        assert!(!Policy::bundled(Some(2026)).integrated.unwrap().present);
        assert!(Policy::bundled(Some(2024)).integrated.unwrap().present);
    }

    #[test]
    fn every_label_of_the_family_folds_in_with_its_level() {
        let p = Policy::bundled(Some(2026));
        for (fund, level) in [
            ("中央财政常态化帮扶资金", Some("中央")),
            ("常态化帮扶资金", None),
            ("省级衔接资金", Some("省级")),
            ("市级财政衔接推进乡村振兴补助资金", Some("市级")),
            ("县本级帮扶资金", Some("县级")),
            ("衔接资金", None),
        ] {
            assert_eq!(p.classify(fund), ("衔接资金".to_string(), level), "{fund}");
        }
        assert_eq!(p.classify("其他涉农整合资金").0, "整合资金");
        assert_eq!(p.classify("自筹资金"), ("自筹资金".to_string(), None));
        // Not a spelling of the family: the words only end alike.
        assert_eq!(p.classify("社会帮扶资金").0, "社会帮扶资金");
        assert_eq!(p.display("中央衔接资金", None), "中央常态化帮扶资金");
        assert_eq!(
            Policy::bundled(Some(2023)).display("衔接资金", Some("省级")),
            "省级衔接资金"
        );
    }
}
