//! The blank standard workbook (`jixiao template`), built from the same
//! column tables the reader uses, so the two can't drift apart.

use super::sheet::{ListValidation, Role, Sheet, Value};
use crate::model::standard::{self as layout, ColumnSpec, Field, Kind, SheetRole};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;

/// 项目编号 of the template's example rows start with this, so that `report`
/// can tell them from real projects (and leave them out of the sums).
pub use crate::model::standard::EXAMPLE_ID_PREFIX;

/// One example row per sheet, by field.
fn example(role: SheetRole, field: Field) -> Value {
    let text = |s: &str| Value::Text(s.to_string());
    let money = |s: &str| Value::Number(Decimal::from_str(s).expect("example amount"));
    let date = |y, m, d| Value::Date(NaiveDate::from_ymd_opt(y, m, d).expect("example date"));
    match (role, field) {
        (SheetRole::Projects, Field::ProjectId)
        | (SheetRole::Payments, Field::ProjectId)
        | (SheetRole::Indicators, Field::ProjectId) => {
            Value::Text(format!("{EXAMPLE_ID_PREFIX}001"))
        }
        (_, Field::ProjectName) => text("示例村道路硬化项目"),
        (_, Field::Category) => text("基础设施建设项目"),
        (SheetRole::Projects, Field::FundSource) => text("整合资金"),
        (_, Field::Budget) => money("85"),
        (_, Field::Settled) => Value::Empty,
        (_, Field::Status) => text("在建"),
        (_, Field::Location) => text("示例村"),
        (_, Field::Implementer) => text("示例镇人民政府"),
        (_, Field::StartDate) => date(2024, 5, 10),
        (_, Field::EndDate) => date(2024, 10, 31),
        (_, Field::PaymentDate) => date(2024, 6, 20),
        (_, Field::PaymentAmount) => money("30"),
        (_, Field::Voucher) => text("记-0601"),
        (_, Field::Memo) => text("工程进度款"),
        (_, Field::Level1) => text("产出指标"),
        (_, Field::Level2) => text("数量指标"),
        (_, Field::Level3) => text("新建道路长度"),
        (_, Field::TargetValue) => text("≥1200米"),
        (_, Field::ActualValue) => Value::Empty,
        (_, Field::Weight) => Value::Empty,
        _ => Value::Empty,
    }
}

fn data_sheet(role: SheetRole) -> Sheet {
    let spec = layout::sheet_spec(role);
    let mut s = Sheet::new(spec.name);
    for (i, c) in spec.columns.iter().enumerate() {
        let col = i as u16;
        let cell = s.text(0, col, c.header, Role::Header);
        cell.note = Some(format!(
            "{}{}",
            if c.required { "【必填】" } else { "" },
            c.help
        ));
        let role_of = match c.kind {
            Kind::Money => Role::Money,
            Kind::Date => Role::Date,
            Kind::Number => Role::Count,
            Kind::Text => Role::Text,
        };
        s.put(1, col, example(role, c.field), role_of);
        if !c.choices.is_empty() {
            s.validations.push(ListValidation {
                col,
                first_row: 1,
                last_row: 5000,
                choices: c.choices.iter().map(|x| x.to_string()).collect(),
            });
        }
    }
    s.fit_widths(10.0, 30.0);
    s.freeze = Some((1, 0));
    s
}

fn info_sheet() -> Sheet {
    let mut s = Sheet::new(layout::sheet_spec(SheetRole::Info).name);
    s.text(0, 0, layout::INFO_UNIT, Role::Header);
    s.text(0, 1, "示例镇人民政府", Role::Text);
    s.text(1, 0, layout::INFO_YEAR, Role::Header);
    s.put(1, 1, Value::Number(2024.into()), Role::Count);
    s.text(2, 0, layout::INFO_AS_OF, Role::Header);
    s.put(
        2,
        1,
        Value::Date(NaiveDate::from_ymd_opt(2024, 12, 31).expect("valid")),
        Role::Date,
    );
    s.text(
        3,
        0,
        "（以上三项：A列为项目名，B列填内容；命令行 --unit / --as-of 可覆盖）",
        Role::Note,
    );
    let mut row = 5;
    s.text(row, 0, "工作表", Role::Header);
    s.text(row, 1, "列名", Role::Header);
    s.text(row, 2, "必填", Role::Header);
    s.text(row, 3, "说明", Role::Header);
    for spec in layout::SHEETS.iter().filter(|s| !s.columns.is_empty()) {
        for c in spec.columns {
            row += 1;
            s.text(row, 0, spec.name, Role::Text);
            s.text(row, 1, c.header, Role::Text);
            s.text(row, 2, if c.required { "是" } else { "否" }, Role::Text);
            s.text(row, 3, explain(c), Role::Text);
        }
    }
    s.widths = vec![(0, 14.0), (1, 20.0), (2, 6.0), (3, 80.0)];
    s
}

fn explain(c: &ColumnSpec) -> String {
    let mut t = c.help.to_string();
    if !c.aliases.is_empty() {
        t.push_str(&format!("（也可写作：{}）", c.aliases.join("、")));
    }
    t
}

pub fn template_sheets() -> Vec<Sheet> {
    vec![
        data_sheet(SheetRole::Projects),
        data_sheet(SheetRole::Payments),
        data_sheet(SheetRole::Indicators),
        info_sheet(),
    ]
}
