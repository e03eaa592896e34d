//! Each figure's rule as an Excel formula template, beside the Rust that
//! computes it, so the report's cells recompute by the same rule when a clerk
//! edits a number. Operands are cell or range references the writer supplies;
//! the writer never spells a rule itself. `tests/libreoffice.rs` recalculates
//! every formula and compares it with the figure computed here.

/// [`super::execution_rate`]: paid ÷ budget, stored as a fraction rounded to
/// 4 places (= percent to 2), half away from zero as Excel's ROUND; "—" when
/// the budget is 0.
pub fn execution_rate(paid: &str, budget: &str) -> String {
    format!("IF({budget}=0,\"—\",ROUND({paid}/{budget},4))")
}

/// 待拨付 (outstanding): settled − paid, "—" without a 结算金额.
pub fn outstanding(settled: &str, paid: &str) -> String {
    format!("IF({settled}=\"\",\"—\",{settled}-{paid})")
}

/// 结余 (unspent): budget − settled, "—" without a 结算金额.
pub fn unspent(settled: &str, budget: &str) -> String {
    format!("IF({settled}=\"\",\"—\",{budget}-{settled})")
}

/// 未支出 (remaining): budget − what executes it.
pub fn remaining(budget: &str, paid: &str) -> String {
    format!("{budget}-{paid}")
}

/// A criterion matching exactly the text in `cell`: `~ * ?` escaped so they
/// are not wildcards, `=` in front so a leading `>`, `<` or `=` is literal.
/// (Matching stays case-insensitive, as in Excel.)
pub fn exact(cell: &str) -> String {
    format!(
        "\"=\"&SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({cell},\"~\",\"~~\"),\"*\",\"~*\"),\"?\",\"~?\")"
    )
}

/// The cut-off rule of `compute_report`: payments dated on or before the
/// cut-off count; `key_range` = `key` picks the payments (by project or fund).
pub fn paid_by_cutoff(
    amounts: &str,
    key_range: &str,
    key: &str,
    dates: &str,
    cutoff: &str,
) -> String {
    format!(
        "SUMIFS({amounts},{key_range},{},{dates},\"<=\"&{cutoff})",
        exact(key)
    )
}

/// The same rule where ids differ only by case (SUMIFS would add them
/// together): EXACT over the payment rows.
pub fn paid_by_cutoff_case_exact(
    amounts: &str,
    ids: &str,
    id: &str,
    dates: &str,
    cutoff: &str,
) -> String {
    format!("SUMPRODUCT(EXACT({ids},{id})*({dates}<={cutoff}),{amounts})")
}

/// `monthly_series`: paid in the month starting at `month_start`, up to the
/// cut-off.
pub fn paid_in_month(amounts: &str, dates: &str, month_start: &str, cutoff: &str) -> String {
    format!(
        "SUMIFS({amounts},{dates},\">=\"&{month_start},{dates},\"<=\"&MIN(EOMONTH({month_start},0),{cutoff}))"
    )
}

/// A group's sum of a project column (by category or fund).
pub fn group_sum(values: &str, keys: &str, key: &str) -> String {
    format!("SUMIFS({values},{keys},{})", exact(key))
}

/// A group's project count.
pub fn group_count(keys: &str, key: &str) -> String {
    format!("COUNTIFS({keys},{})", exact(key))
}

/// `score::grade` (and `Evaluation::grade_text` while items await scoring):
/// the grade of the total in `total`, "待定（N 项待人工评分）" while
/// `pending` counts unscored items.
pub fn grade(total: &str, pending: &str) -> String {
    let mut e = format!("\"{}\"", super::score::LOWEST_GRADE);
    for (min, g) in super::score::GRADES.iter().rev() {
        e = format!("IF({total}>={min},\"{g}\",{e})");
    }
    format!("IF({pending}>0,\"待定（\"&({pending})&\" 项待人工评分）\",{e})")
}

/// `monthly_series`' running total: the previous month's plus this one's.
pub fn cumulative(previous: &str, this_month: &str) -> String {
    format!("{previous}+{this_month}")
}

/// A total: the sum of a range (`A3:A9`) or of a list of them.
pub fn sum(ranges: &str) -> String {
    format!("SUM({ranges})")
}

/// `first:last` of one column.
pub fn range(first: &str, last: &str) -> String {
    format!("{first}:{last}")
}

/// What a group paid toward its own budget: paid less what went to other
/// funds' projects ([`super::GroupFigures::paid_to_other_funds`]).
pub fn own_paid(paid: &str, to_others: rust_decimal::Decimal) -> String {
    format!("({paid}-{})", to_others.normalize())
}

/// The mark of a score the clerk still has to give (`Evaluation::pending`).
pub const PENDING: &str = "待评";

/// [`super::score::Evaluation::score`]: the budget score and the indicator
/// scores, each already rounded to 2 places, added (待评 cells count 0).
pub fn total_score(ranges: &str) -> String {
    sum(ranges)
}

/// [`super::score::Evaluation::pending`]: how many of the score cells in
/// `ranges` (comma-separated) still say 待评.
pub fn pending(ranges: &str) -> String {
    ranges
        .split(',')
        .map(|r| format!("COUNTIF({r},\"{PENDING}\")"))
        .collect::<Vec<_>>()
        .join("+")
}

/// The 总览's grade: the form's, or just 待定 while scores are pending.
pub fn grade_short(form_grade: &str) -> String {
    format!("IF(LEFT({form_grade},2)=\"待定\",\"待定\",{form_grade})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_templates() {
        assert_eq!(
            pending("H5,H11:H20"),
            "COUNTIF(H5,\"待评\")+COUNTIF(H11:H20,\"待评\")"
        );
        assert_eq!(total_score("H5,H11:H20"), "SUM(H5,H11:H20)");
        assert_eq!(
            own_paid("D7", rust_decimal::Decimal::new(600, 1)),
            "(D7-60)"
        );
    }

    #[test]
    fn templates_name_their_operands_only() {
        assert_eq!(execution_rate("D5", "C5"), "IF(C5=0,\"—\",ROUND(D5/C5,4))");
        assert_eq!(outstanding("G3", "H3"), "IF(G3=\"\",\"—\",G3-H3)");
        assert_eq!(unspent("G3", "F3"), "IF(G3=\"\",\"—\",F3-G3)");
        assert_eq!(
            paid_by_cutoff("拨付!$D:$D", "拨付!$A:$A", "A3", "拨付!$B:$B", "汇总!$B$2"),
            "SUMIFS(拨付!$D:$D,拨付!$A:$A,\"=\"&SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(A3,\"~\",\"~~\"),\"*\",\"~*\"),\"?\",\"~?\"),拨付!$B:$B,\"<=\"&汇总!$B$2)"
        );
    }
}
