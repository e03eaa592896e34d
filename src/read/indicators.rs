//! The indicator table (绩效指标).

use super::Ledger;
use super::cells::is_blank;
use super::layout::Field;
use super::rows::{RowKind, SkippedRows};
use super::table::Table;
use super::value::{self};
use crate::model::{CellRef, Indicator, Problem};
use calamine::Data;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

/// `excluded`: projects left out for data errors, by id, with their row —
/// their indicators are unused and said once per project, not once per row.
pub(crate) fn read_indicators(
    table: &Table,
    ledger: &mut Ledger,
    excluded: &HashMap<String, CellRef>,
) {
    let known: HashSet<&str> = ledger.projects.iter().map(|p| p.id.as_str()).collect();
    let mut skipped = SkippedRows::default();
    let mut of_excluded: Vec<(String, CellRef, usize)> = Vec::new();
    for row in table.data_rows() {
        let kind = table.classify(row, &[]);
        if kind == RowKind::Blank || skipped.note(table, row, &kind) {
            continue;
        }
        let (_, id_cell) = table.cell(row, Field::ProjectId).expect("located");
        let Some(id) = table.text(row, Field::ProjectId) else {
            ledger.problems.push(Problem::at(
                crate::model::Finding::IndicatorUnused,
                &id_cell,
                format!("{id_cell}：项目编号为空，该指标未使用"),
            ));
            continue;
        };
        if let Some(at) = excluded.get(&id) {
            match of_excluded.iter_mut().find(|e| e.0 == id) {
                Some(e) => e.2 += 1,
                None => of_excluded.push((id, at.clone(), 1)),
            }
            continue;
        }
        if !known.contains(id.as_str()) {
            ledger.problems.push(Problem::at(
                crate::model::Finding::IndicatorUnused,
                &id_cell,
                format!(
                    "{id_cell}：项目编号“{}”在项目表中不存在（或该项目有误），该指标未使用",
                    super::value::visible(&id)
                ),
            ));
            continue;
        }
        let mut number = |field: Field, what: &str| match table.cell(row, field) {
            Some((v, cell)) if !is_blank(v) => match v {
                Data::Float(f) => value::decimal_from_f64(*f),
                Data::Int(i) => Some(Decimal::from(*i)),
                Data::String(s) => value::parse_amount_text(s).ok().map(|(d, _)| d),
                _ => None,
            }
            .or_else(|| {
                ledger.problems.push(Problem::at(
                    crate::model::Finding::ValueIgnored,
                    &cell,
                    format!("{cell}：{what}{}不是数字，按未填处理", value::show_cell(v)),
                ));
                None
            }),
            _ => None,
        };
        let weight = number(Field::Weight, "分值");
        let hand_score = number(Field::HandScore, "得分");
        ledger.indicators.push(Indicator {
            project_id: id,
            level1: table.text(row, Field::Level1),
            level2: table.text(row, Field::Level2),
            name: table.text(row, Field::Level3),
            target: table.text(row, Field::TargetValue),
            actual: table.text(row, Field::ActualValue),
            weight,
            hand_score,
            deviation_reason: table.text(row, Field::DeviationReason),
            row: id_cell.clone(),
        });
    }
    for (id, at, n) in of_excluded {
        ledger.problems.push(Problem::on(
            crate::model::Finding::IndicatorUnused,
            &table.sheet.name,
            format!(
                "绩效指标表中项目“{}”的 {n} 行指标未使用：该项目的数据有误，未计入（见 {at}）",
                super::value::visible(&id)
            ),
        ));
    }
    let mut reading = table.reading();
    reading.unit = None;
    skipped.flush(&table.sheet.name, &mut ledger.problems, &mut reading);
    ledger.reading.push(reading);
}
