//! The report's cut-off date (截止日期) and unit name, settled once for every
//! command, each with where it came from — so that the date a figure stands
//! at is always said out loud.

use crate::model::Info;
use crate::model::Problem;
use chrono::{Datelike, NaiveDate};

/// Where the cut-off date came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsOfSource {
    /// `--as-of`
    Argument,
    /// The 说明 sheet's 截止日期.
    InfoSheet,
    /// A title or note of the ledger ("截至2024年9月30日"), with where.
    Title(String),
    /// Nothing said: today.
    Today,
}

impl AsOfSource {
    /// 参数 / 说明表 / 标题 / 今天
    pub fn label(&self) -> &'static str {
        match self {
            AsOfSource::Argument => "参数",
            AsOfSource::InfoSheet => "说明表",
            AsOfSource::Title(_) => "标题",
            AsOfSource::Today => "今天",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settled {
    pub as_of: NaiveDate,
    pub as_of_source: AsOfSource,
    pub unit_name: String,
}

/// Settle the cut-off and unit name from the arguments, the ledger and the
/// file name; `today` is passed in so this stays pure.
pub fn settle(
    as_of: Option<NaiveDate>,
    unit: Option<&str>,
    info: &Info,
    file_stem: &str,
    today: NaiveDate,
) -> (Settled, Vec<Problem>) {
    let mut problems = Vec::new();
    let (as_of, as_of_source) = match (as_of, info.as_of, &info.as_of_from) {
        (Some(d), ..) => (d, AsOfSource::Argument),
        (None, Some(d), None) => (d, AsOfSource::InfoSheet),
        (None, Some(d), Some(from)) => (d, AsOfSource::Title(from.clone())),
        (None, None, _) => {
            let year = info.year;
            let past = year.filter(|y| *y < today.year());
            let hint = match past {
                Some(y) => format!(
                    "；台账是 {y} 年度的，今天已过该年，年度数请加 --as-of {y}-12-31（或次年 5 月底：--as-of {}-05-31）",
                    y + 1
                ),
                None => "；如要按其他日期计算请加 --as-of YYYY-MM-DD".to_string(),
            };
            problems.push(Problem::on(
                crate::model::Finding::InfoDefaulted,
                "说明",
                format!(
                    "未指定截止日期（--as-of、“说明”表的截止日期或标题中的“截至…”），按今天 {today} 计算{hint}"
                ),
            ));
            (today, AsOfSource::Today)
        }
    };
    let unit_name = match unit.map(str::to_string).or_else(|| info.unit_name.clone()) {
        Some(u) => u,
        None => {
            problems.push(Problem::on(
                crate::model::Finding::InfoDefaulted,
                "说明",
                format!("未指定单位名称（--unit 或“说明”表的单位名称），暂用文件名“{file_stem}”"),
            ));
            file_stem.to_string()
        }
    };
    (
        Settled {
            as_of,
            as_of_source,
            unit_name,
        },
        problems,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn cut_off_comes_with_its_source() {
        let today = d("2026-11-25");
        let mut info = Info::default();
        let (s, p) = settle(Some(d("2024-05-31")), None, &info, "甲镇", today);
        assert_eq!((s.as_of, s.as_of_source.label()), (d("2024-05-31"), "参数"));
        assert_eq!(s.unit_name, "甲镇");
        assert_eq!(p.len(), 1);
        info.as_of = Some(d("2024-12-31"));
        let (s, _) = settle(None, Some("乙镇"), &info, "x", today);
        assert_eq!(s.as_of_source, AsOfSource::InfoSheet);
        info.as_of_from = Some("项目!A1".into());
        let (s, _) = settle(None, Some("乙镇"), &info, "x", today);
        assert_eq!(s.as_of_source.label(), "标题");
        // A past year's ledger with no date: today, and a hint with the year's dates.
        let info = Info {
            year: Some(2024),
            ..Info::default()
        };
        let (s, p) = settle(None, Some("乙镇"), &info, "x", today);
        assert_eq!((s.as_of, s.as_of_source.label()), (today, "今天"));
        assert!(p[0].message.contains("--as-of 2024-12-31") && p[0].message.contains("2025-05-31"));
    }
}
