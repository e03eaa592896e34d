//! 读取说明: how the ledger was read — per sheet, the header rows, which
//! column became which field, the unit and cut-off and where they came
//! from, the rows that were totals, sections, notes or skipped, the rules
//! applied, and each check against the ledger's own figures.

use super::sheet::{PageSetup, Role, Sheet, Value};
use crate::model::reading::SheetReading;

pub const READING: &str = "读取说明";

/// A field name of the JSON, as a clerk reads it.
pub fn field_label(field: Option<&str>) -> String {
    let Some(f) = field else {
        return "未使用".to_string();
    };
    if let Some(rest) = f.strip_prefix("budget:") {
        return format!("预算金额的一部分（{}）", rest.replace(':', "·"));
    }
    if let Some(m) = f.strip_prefix("paid:") {
        return format!("{m}拨付");
    }
    if let Some(m) = f.strip_prefix("check:") {
        return format!("{m}（只用来核对）");
    }
    match f {
        "id" => "项目编号",
        "name" => "项目名称",
        "category" => "项目类别",
        "fund_source" => "资金性质",
        "budget" => "预算金额",
        "settled" => "结算金额",
        "status" => "建设状态",
        "location" => "建设地点",
        "implementer" => "实施单位",
        "start_date" => "开工日期",
        "end_date" => "完工日期",
        "deviation_reason" => "偏差原因",
        "annual_target" => "年度目标",
        "actual_result" => "实际完成情况",
        "date" => "拨付日期",
        "amount" => "拨付金额",
        "voucher" => "凭证号",
        "memo" => "摘要",
        "paid" => "累计拨付（已拨付）",
        "group" => "分组（乡镇/村，小计按此核对）",
        "level1" => "一级指标",
        "level2" => "二级指标",
        "target" => "指标值",
        "actual" => "实际完成值",
        "weight" => "分值",
        "hand_score" => "得分",
        other => other,
    }
    .to_string()
}

/// The items of a list as printed: at most 20, then "等 N 处".
fn list(v: &[String]) -> Vec<String> {
    if v.is_empty() {
        return vec!["无".to_string()];
    }
    let mut shown: Vec<String> = v.iter().take(20).cloned().collect();
    if v.len() > 20
        && let Some(last) = shown.last_mut()
    {
        last.push_str(&format!(" 等 {} 处", v.len()));
    }
    shown
}

/// Width of the facts column, in characters.
const FACTS_WIDTH: f64 = 56.0;
/// Lines one printed row of facts may take (rows stop growing at
/// `sheet::MAX_LINES`; a longer list goes on to the next row).
const FACTS_LINES: f64 = 6.0;

/// Items joined with 、 into rows that each fit `FACTS_LINES` lines of the
/// facts column, so nothing is cut on paper.
fn fact_rows(items: &[String]) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    for item in items {
        match rows.last_mut() {
            Some(row)
                if super::sheet::text_lines(&format!("{row}、{item}"), FACTS_WIDTH)
                    <= FACTS_LINES =>
            {
                row.push('、');
                row.push_str(item);
            }
            _ => rows.push(item.clone()),
        }
    }
    rows
}

pub fn reading_sheet(unit: &str, as_of: chrono::NaiveDate, reading: &[SheetReading]) -> Sheet {
    let mut s = Sheet::new(READING);
    // Printed, it says whose ledger and which cut-off, as every sheet does.
    super::report::title_rows(
        &mut s,
        4,
        "读取说明：台账是怎样读的".to_string(),
        format!(
            "{unit}　　截至{}　　核对金额单位：万元（台账原来的单位见各表）",
            super::report::zh_date(as_of)
        ),
    );
    let mut r = 2u32;
    if reading.is_empty() {
        s.text(r, 0, "没有读取任何工作表", Role::Text);
    }
    for sr in reading {
        s.text(
            r,
            0,
            format!("工作表“{}”（{}表）", sr.sheet, sr.role),
            Role::Section,
        );
        s.merge(r, 0, r, 4);
        r += 1;
        let rows: Vec<String> = sr.header_rows.iter().map(|n| format!("第{n}行")).collect();
        let one = |t: String| vec![t];
        let facts = [
            (
                "表头行",
                one(if rows.is_empty() {
                    "—".to_string()
                } else {
                    rows.join("、")
                }),
            ),
            (
                "金额单位",
                one(sr
                    .unit
                    .as_ref()
                    .map(|u| format!("{}（{}）", u.value, u.from))
                    .unwrap_or_else(|| "—".into())),
            ),
            (
                "截止日期",
                one(sr
                    .as_of
                    .as_ref()
                    .map(|u| format!("{}（{}）", u.value, u.from))
                    .unwrap_or_else(|| "—".into())),
            ),
            ("合计/小计行", list(&sr.totals)),
            ("分类标题行", list(&sr.sections)),
            ("注释、落款行", list(&sr.notes)),
            ("其他未读的行", list(&sr.skipped)),
        ];
        // A long list goes on over several rows (the key on the first).
        for (k, v) in facts {
            for (i, line) in fact_rows(&v).into_iter().enumerate() {
                s.text(r, 0, if i == 0 { k } else { "" }, Role::Text);
                s.text(r, 1, line, Role::Note);
                r += 1;
            }
        }
        for rule in &sr.rules {
            s.text(r, 0, "规则", Role::Text);
            s.text(r, 1, rule.clone(), Role::Note);
            r += 1;
        }
        // A sheet read by rows of its own (说明) has no columns to list.
        if !sr.columns.is_empty() {
            for (i, h) in ["列", "表头", "读作"].iter().enumerate() {
                s.text(r, i as u16, *h, Role::Header);
            }
            r += 1;
        }
        for c in &sr.columns {
            s.text(r, 0, c.column.clone(), Role::Text);
            s.text(r, 1, c.header.clone(), Role::Text);
            let f = s.text(r, 2, field_label(c.field.as_deref()), Role::Text);
            f.flagged = c.field.is_none();
            r += 1;
        }
        if !sr.checks.is_empty() {
            for (i, h) in ["核对", "单元格", "台账上的数", "按读出的各行算", "是否相符"]
                .iter()
                .enumerate()
            {
                s.text(r, i as u16, *h, Role::Header);
            }
            r += 1;
            for c in &sr.checks {
                s.text(r, 0, c.kind.clone(), Role::Text);
                s.text(r, 1, c.cell.clone(), Role::Text);
                s.text(r, 2, c.ledger.clone(), Role::Text);
                s.text(r, 3, c.computed.clone(), Role::Text);
                let a = s.put(
                    r,
                    4,
                    Value::Text(if c.agrees { "相符" } else { "不符" }.into()),
                    Role::Text,
                );
                a.flagged = !c.agrees;
                r += 1;
            }
        }
        r += 1;
    }
    // Column 1 is wide: the facts and rules wrap in it (no merges, so row
    // heights follow the text).
    s.widths = vec![(0, 14.0), (1, FACTS_WIDTH), (2, 34.0), (3, 18.0), (4, 10.0)];
    s.fit_heights(1);
    s.print = Some(PageSetup::new(unit, None));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_as_clerks_say_them() {
        assert_eq!(field_label(Some("budget")), "预算金额");
        assert_eq!(
            field_label(Some("budget:衔接资金:中央")),
            "预算金额的一部分（衔接资金·中央）"
        );
        assert_eq!(field_label(Some("paid:3月")), "3月拨付");
        assert_eq!(field_label(None), "未使用");
    }
}
