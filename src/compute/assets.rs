//! 帮扶项目资产 register: every completed project classed 经营性 / 公益性 /
//! 到户类 or "no asset" by rules kept as data (`templates/assets.toml`),
//! valued at its 结算金额 (else the budget, 暂估), with the two summaries
//! counties publish and the checks oversight runs. Pure.

use super::{ProjectFigures, Report};
use crate::model::{Indicator, Ledger, Problem, Wan, ser};
use crate::policy::Policy;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The bundled rules (`templates/assets.toml`).
pub const DEFAULT_RULES: &str = include_str!("../../templates/assets.toml");

pub const CLASSES: [&str; 3] = ["经营性", "公益性", "到户类"];
pub const NOT_ASSET: &str = "不形成资产";
/// A completed project no rule classes: the clerk decides.
pub const UNDECIDED: &str = "待确定";
/// 增加方式 of every row.
pub const ACQUIRED_BY: &str = "扶贫(帮扶)投资形成";
/// 确权层级 in the order counties publish them.
pub const OWNER_LEVELS: [&str; 5] = ["县", "乡镇", "村", "户", "未确定"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub class: String,
    #[serde(default)]
    pub words: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetRules {
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
    /// Where the rules came from (set on loading).
    #[serde(skip)]
    pub source: String,
}

impl AssetRules {
    pub fn from_toml(text: &str, source: &str) -> Result<AssetRules, String> {
        let mut r: AssetRules =
            toml::from_str(text).map_err(|e| crate::policy::toml_text(text, &e))?;
        for (i, rule) in r.rules.iter().enumerate() {
            if !CLASSES.contains(&rule.class.as_str()) && rule.class != NOT_ASSET {
                return Err(format!(
                    "第 {} 条规则的 class “{}” 不是 经营性 / 公益性 / 到户类 / 不形成资产",
                    i + 1,
                    rule.class
                ));
            }
            if rule.words.is_empty() && rule.categories.is_empty() {
                return Err(format!("第 {} 条规则没有 words 也没有 categories", i + 1));
            }
        }
        r.source = source.to_string();
        Ok(r)
    }
}

impl Default for AssetRules {
    fn default() -> Self {
        AssetRules::from_toml(DEFAULT_RULES, "内置 templates/assets.toml")
            .expect("the bundled asset rules parse")
    }
}

/// How a project was classed: the rule and what matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Classed {
    pub class: String,
    pub reason: String,
    /// 名称含“牛场” / 年度目标含“边沟” / 项目类别为基础设施建设项目.
    pub matched: String,
    /// Classed by category alone (a guess for the clerk to check).
    pub by_category: bool,
}

/// The first rule matching the name, else the content, else the category.
pub fn classify(
    rules: &AssetRules,
    name: &str,
    content: Option<&str>,
    category: &str,
) -> Option<Classed> {
    let by_words = |text: &str, what: &str| {
        rules.rules.iter().find_map(|r| {
            r.words
                .iter()
                .find(|w| text.contains(w.as_str()))
                .map(|w| Classed {
                    class: r.class.clone(),
                    reason: r.reason.clone(),
                    matched: format!("{what}含“{w}”"),
                    by_category: false,
                })
        })
    };
    by_words(name, "项目名称")
        .or_else(|| content.and_then(|c| by_words(c, "年度目标（建设内容）")))
        .or_else(|| {
            rules
                .rules
                .iter()
                .filter(|r| r.words.is_empty())
                .find(|r| r.categories.iter().any(|c| c == category))
                .map(|r| Classed {
                    class: r.class.clone(),
                    reason: r.reason.clone(),
                    matched: format!("项目类别为{category}"),
                    by_category: true,
                })
        })
}

/// Whether a project is complete at the cut-off, and a note when the ledger
/// says two things (状态 在建, 完工日期 already past).
pub fn completed(p: &ProjectFigures, as_of: NaiveDate) -> (bool, Option<String>) {
    let finished_words = ["完工", "竣工", "验收", "结算", "已完成", "完成"];
    match p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if !s.starts_with('未') && finished_words.iter().any(|w| s.contains(w)) => {
            (true, None)
        }
        Some(s) => {
            let note = p.end_date.filter(|d| *d <= as_of).map(|d| {
                format!(
                    "建设状态为“{s}”，但完工日期 {d} 不晚于截止日期 {as_of}；按状态视为未完工，请核对"
                )
            });
            (false, note)
        }
        None => (p.end_date.is_some_and(|d| d <= as_of), None),
    }
}

/// One fund line of an asset: the budget under it (资金来源 by level).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FundShare {
    /// As this year's policy labels it ("中央常态化帮扶资金", "整合资金").
    pub fund: String,
    pub level: Option<String>,
    #[serde(serialize_with = "ser::amount")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Asset {
    pub project_id: String,
    pub name: String,
    pub year: Option<i32>,
    pub class: String,
    #[serde(serialize_with = "ser::amount")]
    pub value: Decimal,
    /// 结算 or 暂估 (the budget, until settled).
    pub value_basis: &'static str,
    /// 形成时间 = 完工日期.
    pub formed: Option<String>,
    /// 所在地 (乡镇/村) from 建设地点.
    pub location: Option<String>,
    /// 数量/规格 from the 数量指标.
    pub quantity: Option<String>,
    /// 确权对象, defaulted (the clerk confirms).
    pub owner: String,
    /// 县 / 乡镇 / 村 / 户 / 未确定.
    pub owner_level: String,
    /// 管护主体, defaulted (the clerk confirms).
    pub custodian: String,
    /// Both defaults are to be confirmed by the clerk.
    pub owner_defaulted: bool,
    pub funds: Vec<FundShare>,
    pub acquired_by: &'static str,
    pub reason: String,
    pub matched: String,
    pub status: Option<String>,
    #[serde(skip)]
    pub budget: Decimal,
    #[serde(skip)]
    pub row: crate::model::CellRef,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotAsset {
    pub project_id: String,
    pub name: String,
    pub reason: String,
    pub matched: String,
}

/// A project not (yet) complete: not in the register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pending {
    pub project_id: String,
    pub name: String,
    pub status: Option<String>,
    pub end_date: Option<String>,
}

/// A finding oversight would make.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub project_id: String,
    pub name: String,
    /// 应登记未登记 / 价值非结算价 / 到户类无农户名单 / 按类别推定 / 无形成时间 / 状态与日期不符
    pub check: &'static str,
    pub message: String,
}

/// A row of a summary: a class or an owner level, count and amount.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SumRow {
    pub key: String,
    pub count: usize,
    #[serde(serialize_with = "ser::amount")]
    pub value: Decimal,
}

#[derive(Debug, Clone, Serialize)]
pub struct Register {
    pub unit: String,
    /// The township's own name for titles.
    #[serde(skip)]
    pub place: String,
    #[serde(serialize_with = "ser::date")]
    pub as_of: NaiveDate,
    pub year: Option<i32>,
    pub rules: String,
    pub policy: String,
    pub assets: Vec<Asset>,
    pub not_assets: Vec<NotAsset>,
    pub not_completed: Vec<Pending>,
    pub by_class: Vec<SumRow>,
    pub by_owner_level: Vec<SumRow>,
    #[serde(serialize_with = "ser::amount")]
    pub total_value: Decimal,
    pub checks: Vec<Check>,
    /// Rows the reader left out (data errors): the register is short by them.
    pub excluded: Option<String>,
    pub problems: Vec<Problem>,
}

/// 县 / 乡镇 / 村 / 户 from an owner's name.
pub fn owner_level(owner: &str) -> &'static str {
    // 农业农村局 is no village.
    let owner = &owner.replace("农村", "");
    if owner.contains('户') {
        "户"
    } else if owner.contains('村') || owner.contains("组") {
        "村"
    } else if ["镇", "乡", "街道"].iter().any(|w| owner.contains(w)) {
        "乡镇"
    } else if ["县", "区", "市"].iter().any(|w| owner.contains(w)) {
        "县"
    } else {
        "未确定"
    }
}

/// "靖宇镇人民政府" → "靖宇镇": the township's own name for titles.
pub fn place_of(unit: &str) -> String {
    ["镇", "乡", "街道"]
        .iter()
        .filter_map(|w| unit.find(w).map(|i| unit[..i + w.len()].to_string()))
        .min_by_key(|t| t.len())
        .unwrap_or_else(|| unit.to_string())
}

/// 所在地: 建设地点, with the township in front when it names only a village.
pub fn place(location: Option<&str>, unit: &str) -> Option<String> {
    let l = location?.trim();
    if l.is_empty() {
        return None;
    }
    // The township's name from the unit's ("靖宇镇人民政府" → "靖宇镇").
    let township = ["镇", "乡", "街道"]
        .iter()
        .filter_map(|w| unit.find(w).map(|i| &unit[..i + w.len()]))
        .min_by_key(|t| t.len());
    let has_township = ["镇", "乡", "街道", "县"].iter().any(|w| l.contains(w));
    Some(match township {
        Some(t) if !has_township => format!("{t}{l}"),
        _ => l.to_string(),
    })
}

/// 数量/规格 from the project's 数量指标 (actual, else target).
pub fn quantity(indicators: &[&Indicator]) -> Option<String> {
    let parts: Vec<String> = indicators
        .iter()
        .filter(|i| i.level2.as_deref().is_some_and(|l| l.contains("数量")))
        .filter_map(|i| {
            let v = i.actual.as_deref().or(i.target.as_deref())?.trim();
            // A rate (足额发放率 100%) is no quantity of the asset.
            (!v.is_empty() && !v.ends_with('%'))
                .then(|| format!("{}{}", i.name.as_deref().unwrap_or(""), v))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("；"))
}

/// The project's budget by fund, labelled by this year's policy, with the
/// level each names (or the project's own, for a single 衔接 line).
pub fn fund_shares(p: &ProjectFigures, policy: &Policy) -> Vec<FundShare> {
    let lines = budget_lines(p);
    let family_lines = lines
        .iter()
        .filter(|(f, _)| policy.classify(f).0 == policy.family.key)
        .count();
    lines
        .iter()
        .map(|(f, amount)| {
            let (key, named) = policy.classify(f);
            let level = named.map(str::to_string).or_else(|| {
                (key == policy.family.key && family_lines == 1)
                    .then(|| p.fund_level.clone())
                    .flatten()
            });
            FundShare {
                fund: policy.display(f, level.as_deref()),
                level,
                amount: *amount,
            }
        })
        .collect()
}

/// The budget lines of a project (资金性质, amount); a project built
/// without a split has its whole budget under its 资金性质.
pub fn budget_lines(p: &ProjectFigures) -> Vec<(String, Decimal)> {
    if p.budget_by_fund.is_empty() {
        vec![(p.fund_source.clone(), p.budget)]
    } else {
        p.budget_by_fund.clone()
    }
}

pub fn funds_text(funds: &[FundShare]) -> String {
    if funds.len() == 1 {
        return funds[0].fund.clone();
    }
    funds
        .iter()
        .map(|f| format!("{} {}", f.fund, Wan(f.amount)))
        .collect::<Vec<_>>()
        .join("；")
}

pub fn build(ledger: &Ledger, report: &Report, rules: &AssetRules, policy: &Policy) -> Register {
    let as_of = report.as_of;
    let mut assets = Vec::new();
    let mut not_assets = Vec::new();
    let mut not_completed = Vec::new();
    let mut checks = Vec::new();
    let check = |p: &ProjectFigures, check: &'static str, message: String| Check {
        project_id: p.id.clone(),
        name: p.name.clone(),
        check,
        message,
    };
    for p in &report.projects {
        let (done, note) = completed(p, as_of);
        if let Some(n) = note {
            checks.push(check(p, "状态与日期不符", n));
        }
        if !done {
            not_completed.push(Pending {
                project_id: p.id.clone(),
                name: p.name.clone(),
                status: p.status.clone(),
                end_date: p.end_date.map(|d| d.to_string()),
            });
            continue;
        }
        let classed = classify(rules, &p.name, p.annual_target.as_deref(), &p.category);
        if let Some(c) = classed.as_ref().filter(|c| c.class == NOT_ASSET) {
            not_assets.push(NotAsset {
                project_id: p.id.clone(),
                name: p.name.clone(),
                reason: c.reason.clone(),
                matched: c.matched.clone(),
            });
            continue;
        }
        let (class, reason, matched) = match &classed {
            Some(c) => {
                if c.by_category {
                    checks.push(check(
                        p,
                        "按类别推定",
                        format!(
                            "项目名称和年度目标中没有可判断资产类别的词，按“{}”推定为{}资产，请核对",
                            p.category, c.class
                        ),
                    ));
                }
                (c.class.clone(), c.reason.clone(), c.matched.clone())
            }
            None => {
                checks.push(check(
                    p,
                    "应登记未登记",
                    format!(
                        "已完工，但分类规则（{}）不能判断是否形成资产及其类别：资产台账中列为“{UNDECIDED}”，请确定类别后登记，或在规则文件中补充规则",
                        rules.source
                    ),
                ));
                (UNDECIDED.to_string(), String::new(), String::new())
            }
        };
        let (value, basis) = match p.settled {
            Some(s) => (s, "结算"),
            None => (p.budget, "暂估"),
        };
        if p.settled.is_none() {
            let settled_status = p.status.as_deref().is_some_and(|s| s.contains("结算"));
            checks.push(check(
                p,
                "价值非结算价",
                if settled_status {
                    format!(
                        "建设状态为“{}”，但台账没有结算金额：资产价值暂按预算 {} 万元估列，请补填结算金额",
                        p.status.as_deref().unwrap_or_default(),
                        Wan(p.budget)
                    )
                } else {
                    format!(
                        "尚无结算金额：资产价值暂按预算 {} 万元估列（暂估），结算后应按结算价调整",
                        Wan(p.budget)
                    )
                },
            ));
        }
        if class == "到户类" {
            checks.push(check(
                p,
                "到户类无农户名单",
                "到户类资产须附受益农户名单（户主、数量、金额），台账中没有；请补充后随台账归档"
                    .into(),
            ));
        }
        if p.end_date.is_none() {
            checks.push(check(
                p,
                "无形成时间",
                "台账没有完工日期：形成时间空着，请补填（验收或完工日期）".into(),
            ));
        }
        let inds: Vec<&Indicator> = ledger
            .indicators
            .iter()
            .filter(|i| i.project_id == p.id)
            .collect();
        let (owner, custodian) = if class == "到户类" {
            ("受益农户".to_string(), "受益农户".to_string())
        } else {
            let u = p
                .implementer
                .clone()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| report.unit_name.clone());
            (u.clone(), u)
        };
        assets.push(Asset {
            project_id: p.id.clone(),
            name: p.name.clone(),
            year: report.year,
            class,
            value,
            value_basis: basis,
            formed: p.end_date.map(|d| d.to_string()),
            location: place(p.location.as_deref(), &report.unit_name),
            quantity: quantity(&inds),
            owner_level: owner_level(&owner).to_string(),
            owner,
            custodian,
            owner_defaulted: true,
            funds: fund_shares(p, policy),
            acquired_by: ACQUIRED_BY,
            reason,
            matched,
            status: p.status.clone(),
            budget: p.budget,
            row: p.row.clone(),
        });
    }
    let sum_by = |keys: &[&str], key_of: &dyn Fn(&Asset) -> &str| -> Vec<SumRow> {
        let mut rows: Vec<SumRow> = keys
            .iter()
            .map(|k| SumRow {
                key: k.to_string(),
                count: 0,
                value: Decimal::ZERO,
            })
            .collect();
        for a in &assets {
            let k = key_of(a);
            let i = match rows.iter().position(|r| r.key == k) {
                Some(i) => i,
                None => {
                    rows.push(SumRow {
                        key: k.to_string(),
                        count: 0,
                        value: Decimal::ZERO,
                    });
                    rows.len() - 1
                }
            };
            rows[i].count += 1;
            rows[i].value += a.value;
        }
        rows
    };
    let by_class = sum_by(&CLASSES, &|a| a.class.as_str());
    let by_owner_level = sum_by(&OWNER_LEVELS, &|a| a.owner_level.as_str());
    let total_value = assets.iter().map(|a| a.value).sum();
    Register {
        unit: report.unit_name.clone(),
        place: place_of(&report.unit_name),
        as_of,
        year: report.year,
        rules: rules.source.clone(),
        policy: policy.source.clone(),
        assets,
        not_assets,
        not_completed,
        by_class,
        by_owner_level,
        total_value,
        checks,
        excluded: report.excluded.banner(),
        problems: report.problems.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_class_by_name_then_content_then_category() {
        let r = AssetRules::default();
        let c = |name: &str, content: Option<&str>, cat: &str| {
            classify(&r, name, content, cat).map(|c| (c.class, c.by_category))
        };
        assert_eq!(
            c("河南村牛场建设项目", None, "产业项目"),
            Some(("经营性".into(), false))
        );
        assert_eq!(
            c("一撮毛屯沥青路建设项目", None, "基础设施建设项目"),
            Some(("公益性".into(), false))
        );
        assert_eq!(
            c(
                "靖安村示范创建项目",
                Some("改建边沟2条共301.4米"),
                "基础设施建设项目"
            ),
            Some(("公益性".into(), false))
        );
        assert_eq!(
            c("“雨露计划”项目", None, "其他项目"),
            Some((NOT_ASSET.into(), false))
        );
        assert_eq!(
            c("以奖代补项目", None, "产业项目"),
            Some(("到户类".into(), false))
        );
        assert_eq!(
            c("某某项目", None, "基础设施建设项目"),
            Some(("公益性".into(), true))
        );
        assert_eq!(c("某某项目", None, "其他项目"), None);
    }

    #[test]
    fn a_county_file_is_checked() {
        let bad = "[[rule]]\nclass = \"固定资产\"\nwords = [\"房\"]\nreason = \"x\"\n";
        assert!(
            AssetRules::from_toml(bad, "f")
                .unwrap_err()
                .contains("固定资产")
        );
        let none = "[[rule]]\nclass = \"公益性\"\nreason = \"x\"\n";
        assert!(AssetRules::from_toml(none, "f").is_err());
    }

    #[test]
    fn owner_levels_and_places() {
        assert_eq!(owner_level("靖宇镇人民政府"), "乡镇");
        assert_eq!(owner_level("河南村股份经济合作社"), "村");
        assert_eq!(owner_level("受益农户"), "户");
        assert_eq!(owner_level("靖宇县农业农村局"), "县");
        assert_eq!(
            place(Some("河南村"), "靖宇镇").as_deref(),
            Some("靖宇镇河南村")
        );
        assert_eq!(
            place(Some("河南村"), "靖宇镇人民政府").as_deref(),
            Some("靖宇镇河南村")
        );
        assert_eq!(
            place(Some("河南村"), "某县财政局").as_deref(),
            Some("河南村")
        );
        assert_eq!(
            place(Some("靖宇镇各村"), "靖宇镇").as_deref(),
            Some("靖宇镇各村")
        );
    }
}
