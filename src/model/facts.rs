//! Facts of the document a clerk knows and the ledger does not (通知文号,
//! 整合方案, 管理办法, 项目负责人): what they are and the keys they are given
//! under. Read from 说明 or a settings file by `read::facts`.

use serde::Serialize;

/// Facts of the document a clerk knows and the ledger does not: given once
/// as key–value rows of the 说明 sheet (column A the key, column B the
/// value) or in a settings file (`summary --facts`). Absent ones stay
/// 【待补充】 markers in the summary.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct DocFacts {
    /// 通知文号 of the county's notice asking for the summary (靖财农〔2024〕603号).
    pub notice_no: Option<String>,
    /// 整合方案: the county's pooling plan (靖宇县2023年财政涉农资金统筹整合使用方案).
    pub plan: Option<String>,
    /// 整合资金管理办法, with its 文号 as the document writes it.
    pub pooled_rules: Option<String>,
    /// 衔接资金管理办法 / 实施细则, with its 文号.
    pub xianjie_rules: Option<String>,
    /// 项目负责人 and 联系电话 for the forms.
    pub manager: Option<String>,
    pub phone: Option<String>,
}

/// The keys each fact is given under on 说明 (after trimming a colon).
pub const FACT_KEYS: &[(&str, &[&str])] = &[
    ("notice_no", &["通知文号", "自评通知文号", "文号"]),
    ("plan", &["整合方案", "整合方案名称", "统筹整合使用方案"]),
    (
        "pooled_rules",
        &[
            "整合资金管理办法",
            "统筹整合资金管理办法",
            "涉农资金管理办法",
        ],
    ),
    (
        "xianjie_rules",
        &[
            "衔接资金管理办法",
            "衔接资金实施细则",
            "衔接资金管理实施细则",
        ],
    ),
    ("manager", &["项目负责人", "负责人"]),
    ("phone", &["联系电话", "负责人电话", "电话"]),
];

impl DocFacts {
    /// From key–value pairs (unknown keys ignored; the first value wins).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        let mut f = DocFacts::default();
        for (key, value) in pairs {
            let key = key.trim().trim_end_matches([':', '：']).trim();
            let value = value.trim().to_string();
            if value.is_empty() {
                continue;
            }
            let Some((field, _)) = FACT_KEYS.iter().find(|(_, keys)| keys.contains(&key)) else {
                continue;
            };
            let slot = match *field {
                "notice_no" => &mut f.notice_no,
                "plan" => &mut f.plan,
                "pooled_rules" => &mut f.pooled_rules,
                "xianjie_rules" => &mut f.xianjie_rules,
                "manager" => &mut f.manager,
                _ => &mut f.phone,
            };
            slot.get_or_insert(value);
        }
        f
    }

    /// What `self` leaves out, taken from `other` (self wins).
    pub fn or(mut self, other: DocFacts) -> DocFacts {
        for (mine, theirs) in [
            (&mut self.notice_no, other.notice_no),
            (&mut self.plan, other.plan),
            (&mut self.pooled_rules, other.pooled_rules),
            (&mut self.xianjie_rules, other.xianjie_rules),
            (&mut self.manager, other.manager),
            (&mut self.phone, other.phone),
        ] {
            if mine.is_none() {
                *mine = theirs;
            }
        }
        self
    }

    /// "项目负责人　电话" for the forms' 项目负责人及电话 cell.
    pub fn manager_line(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.manager, &self.phone]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        (!parts.is_empty()).then(|| parts.join("　"))
    }
}
