//! What the text around a table says about all its rows: the fund a title
//! names ("…财政衔接推进乡村振兴补助资金项目支出进度表"), the year, and the
//! date the figures stand at ("截至2024年9月30日").

use super::layout;
use super::table::Table;
use super::value;
use crate::model::CellRef;
use crate::model::Info;
use calamine::Data;
use chrono::{Datelike, NaiveDate};

pub(crate) struct Context {
    /// The one fund the title names, and where.
    pub fund: Option<(&'static str, CellRef)>,
    /// The year the title or notes name ("2024年度").
    pub year: Option<i32>,
}

/// Read the table's title and notes; a cut-off date found there fills
/// `info.as_of` when the 说明 sheet gave none (and says where it came from).
pub(crate) fn of_table(table: &Table, info: &mut Info) -> Context {
    let mut fund = None;
    let mut year = None;
    for (at, text) in &table.above {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if fund.is_none()
            && let Some(f) = title_fund(&t)
        {
            fund = Some((f, at.clone()));
        }
        if year.is_none() {
            year = year_in(&t);
        }
    }
    if info.as_of.is_none() {
        // Above the table, then note lines under it (never a record's own
        // cell: "截止2024年6月完工" in a 备注 is no cut-off).
        let below = table
            .sheet
            .rows_from(table.header_row + table.header_depth)
            .filter(|(_, cells)| {
                let texts: Vec<&str> = cells
                    .iter()
                    .filter_map(|(_, v)| match v {
                        Data::String(s) if !s.trim().is_empty() => Some(s.as_str()),
                        _ => None,
                    })
                    .collect();
                texts.len() == cells.len()
                    && (texts.len() == 1 || texts.first().is_some_and(|t| layout::is_note_text(t)))
            })
            .flat_map(|(r, cells)| cells.iter().map(move |(c, v)| (r, *c, v)))
            .filter_map(|(r, c, v)| match v {
                Data::String(s) if s.contains('截') => {
                    Some((CellRef::at(&table.name, r, c), s.clone()))
                }
                _ => None,
            });
        for (at, text) in table.above.iter().cloned().chain(below) {
            if let Some(d) = cutoff_in(&text) {
                info.as_of = Some(d);
                info.as_of_from = Some(format!("{at}“{}”", clip(&text)));
                year = year.or(Some(d.year()));
                break;
            }
        }
    }
    Context { fund, year }
}

fn clip(s: &str) -> String {
    let t: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        format!("{t}…")
    } else {
        t
    }
}

/// The single fund a title names; none when it names both (衔接及整合资金).
pub(crate) fn title_fund(t: &str) -> Option<&'static str> {
    let xianjie = t.contains("衔接");
    let zhenghe = t.contains("整合") || t.contains("涉农资金");
    match (xianjie, zhenghe) {
        (true, false) => Some("衔接资金"),
        (false, true) => Some("整合资金"),
        _ => None,
    }
    .filter(|_| t.contains("资金"))
}

/// "2024年度" / "2024年" in a title.
pub(crate) fn year_in(t: &str) -> Option<i32> {
    let b = t.as_bytes();
    (0..b.len().saturating_sub(3)).find_map(|i| {
        let y = t.get(i..i + 4)?;
        let ok = y.chars().all(|c| c.is_ascii_digit())
            && t[i + 4..].starts_with('年')
            && (i == 0 || !b[i - 1].is_ascii_digit());
        ok.then(|| y.parse().ok())
            .flatten()
            .filter(|y| (2000..=2099).contains(y))
    })
}

/// "截至2024年9月30日", "数据截止2025年5月31日", "截止日期：2024-09-30".
pub(crate) fn cutoff_in(text: &str) -> Option<NaiveDate> {
    let t: String = value::compact(text);
    for word in layout::CUTOFF_WORDS {
        for (i, _) in t.match_indices(word) {
            let rest = t[i + word.len()..].trim_start_matches(['到', '至', ':', '日', '期']);
            let date: String = rest
                .chars()
                .take_while(|c| {
                    c.is_ascii_digit() || matches!(c, '年' | '月' | '日' | '-' | '/' | '.')
                })
                .collect();
            let date = date.trim_end_matches(['.', '-', '/']);
            if let Some(d) = value::parse_date_text(date) {
                return Some(d);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_dates_in_titles() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert_eq!(
            cutoff_in("某县资金支出进度表（截至2024年9月30日）"),
            d("2024-09-30")
        );
        assert_eq!(cutoff_in("数据截止2025年5月31日"), d("2025-05-31"));
        assert_eq!(cutoff_in("截止日期：2024-09-30"), d("2024-09-30"));
        assert_eq!(cutoff_in("截止到 2024.12.31"), d("2024-12-31"));
        assert_eq!(cutoff_in("项目台账"), None);
        assert_eq!(year_in("某某镇2024年度衔接资金项目台账"), Some(2024));
        assert_eq!(
            title_fund("2024年财政衔接推进乡村振兴补助资金项目支出进度表"),
            Some("衔接资金")
        );
        assert_eq!(title_fund("统筹整合涉农资金项目表"), Some("整合资金"));
        assert_eq!(title_fund("衔接及整合资金项目台账"), None);
    }
}
