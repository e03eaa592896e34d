//! The payment list (拨付): one record per payment row.

use super::Ledger;
use super::cells::ColumnNotes;
use super::layout::{self, Field};
use super::mapping::Mapping;
use super::projects::{excluded_row, key_field, required, required_text};
use super::rows::{RowKind, SkippedRows};
use super::table::Table;
use super::totals::TotalCheck;
use crate::model::{CellRef, ExcludedRow, Payment, PaymentBasis, Problem, RecordKind};
use std::collections::{HashMap, HashSet};

pub(crate) fn read_payments(
    table: &Table,
    excluded: &HashMap<String, CellRef>,
    ledger: &mut Ledger,
    mapping: &Mapping,
) {
    let skip = mapping.skip_rows(table.role);
    let mut skipped = SkippedRows::default();
    let key = key_field(table);
    // Payments name their project by 编号, or by name where the sheet has no 编号.
    let mut by_key: HashMap<String, (String, String)> = HashMap::new();
    let mut ambiguous: HashSet<String> = HashSet::new();
    for p in &ledger.projects {
        let k = if key == Field::ProjectId {
            p.id.clone()
        } else {
            p.name.clone()
        };
        if by_key
            .insert(k.clone(), (p.id.clone(), p.fund_source.clone()))
            .is_some()
        {
            ambiguous.insert(k);
        }
    }
    // The same keys as written another way (ＸＭ－０１, xm-01, "XM 01"):
    // matched when no key matches exactly and only one project folds so.
    let mut by_folded: HashMap<String, Option<String>> = HashMap::new();
    for k in by_key.keys() {
        by_folded
            .entry(layout::fold_key(k))
            .and_modify(|v| *v = None)
            .or_insert_with(|| Some(k.clone()));
    }
    let mut folded_used: Option<(usize, CellRef, String, String)> = None;
    // Project names, for a payment whose id is blank or is a name: the
    // project's id when one project bears the name.
    let mut by_name: HashMap<&str, Option<&str>> = HashMap::new();
    if key == Field::ProjectId {
        for p in &ledger.projects {
            by_name
                .entry(p.name.as_str())
                .and_modify(|v| *v = None)
                .or_insert(Some(p.id.as_str()));
        }
    }
    let by_name: HashMap<String, String> = by_name
        .into_iter()
        .filter_map(|(n, id)| Some((n.to_string(), id?.to_string())))
        .collect();
    let mut named: Option<(usize, CellRef, String)> = None;
    let mut notes = ColumnNotes::default();
    let mut check = TotalCheck::default();
    let mut excluded_rows = Vec::new();
    let problems = &mut ledger.problems;
    let left_out = "该笔拨付未计入合计";
    let mut reading = table.reading();
    let own_year = table
        .above
        .iter()
        .find_map(|(_, t)| super::context::year_in(t));
    table
        .year
        .set(ledger.info.year.or(own_year).or(ledger.year_hint));
    let plan = table.plan_totals(
        &skip,
        &|row| {
            table
                .money(row, Field::PaymentAmount, &mut ColumnNotes::default())
                .ok()
                .flatten()
                .map(|(v, _)| v)
        },
        &[key, Field::PaymentDate],
    );
    for row in table.data_rows() {
        let Some(kind) = table.row_kind(row, &skip, &mut skipped, &plan) else {
            continue;
        };
        match kind {
            RowKind::Section(s) => {
                reading.sections.push(format!("{}“{}”", s.at, s.label));
                continue;
            }
            RowKind::Total(kind, group) => {
                reading
                    .totals
                    .push(CellRef::at(&table.name, row, table.sheet.first_col()).to_string());
                if let Ok(Some((v, cell))) =
                    table.money(row, Field::PaymentAmount, &mut ColumnNotes::default())
                {
                    let places = table.places(row, Field::PaymentAmount);
                    check.printed(kind, (v, places), cell, group);
                }
                continue;
            }
            _ => {}
        }
        let mark = problems.len();
        if table.error_cells(row, left_out, problems) {
            excluded_rows.push(excluded_row(
                problems,
                mark,
                RecordKind::Payment,
                CellRef::at(&table.name, row, table.sheet.first_col()),
                table.text(row, key),
                table.text(row, Field::ProjectName),
                table
                    .money(row, Field::PaymentAmount, &mut ColumnNotes::default())
                    .ok()
                    .flatten()
                    .map(|(a, _)| a),
            ));
            continue;
        }
        table.long_number(row, key, problems);
        // No id, a name: the project of that name.
        let id_by_name = (key == Field::ProjectId && !table.has_value(row, key))
            .then(|| table.text(row, Field::ProjectName))
            .flatten()
            .and_then(|n| by_name.get(&n).map(|id| (n, id.clone())));
        let id = match id_by_name {
            Some((n, id)) => {
                let cell = CellRef::at(
                    &table.name,
                    row,
                    table.columns.get(&Field::ProjectName).map_or(0, |c| c.col),
                );
                named.get_or_insert((0, cell, n)).0 += 1;
                Some(id)
            }
            None => required_text(table, row, key, left_out, problems),
        };
        let date = required(
            table.date(row, Field::PaymentDate),
            table,
            row,
            Field::PaymentDate,
            left_out,
            problems,
        );
        let amount = required(
            table.money(row, Field::PaymentAmount, &mut notes),
            table,
            row,
            Field::PaymentAmount,
            left_out,
            problems,
        )
        .map(|(a, _)| a);
        let row_ref = CellRef::at(&table.name, row, table.sheet.first_col());
        let read_amount = amount.or_else(|| {
            table
                .money(row, Field::PaymentAmount, &mut ColumnNotes::default())
                .ok()
                .flatten()
                .map(|(a, _)| a)
        });
        let exclude =
            |excluded: &mut Vec<ExcludedRow>, problems: &Vec<Problem>, id: Option<String>| {
                excluded.push(excluded_row(
                    problems,
                    mark,
                    RecordKind::Payment,
                    row_ref.clone(),
                    id,
                    table.text(row, Field::ProjectName),
                    read_amount,
                ))
            };
        let Some(id) = id else {
            exclude(&mut excluded_rows, problems, None);
            continue;
        };
        let (_, id_cell) = table.cell(row, key).expect("located");
        if ambiguous.contains(&id) {
            problems.push(Problem::at(
                crate::model::Finding::AmbiguousName,
                &id_cell,
                format!("{id_cell}：项目名称“{id}”对应多个项目，无法确定拨付给哪个，{left_out}"),
            ));
            exclude(&mut excluded_rows, problems, Some(id));
            continue;
        }
        // A name in the id column: the project of that name.
        let id = match by_name.get(&id) {
            Some(pid) if !by_key.contains_key(&id) && by_key.contains_key(pid) => {
                named.get_or_insert((0, id_cell.clone(), id.clone())).0 += 1;
                pid.clone()
            }
            _ => id,
        };
        let exact = by_key.get(&id);
        let folded = exact.is_none().then(|| {
            by_folded
                .get(&layout::fold_key(&id))
                .and_then(|k| k.as_ref())
                .and_then(|k| by_key.get(k).map(|v| (k, v)))
        });
        if let Some(Some((k, _))) = &folded {
            let e = folded_used.get_or_insert((0, id_cell.clone(), id.clone(), (*k).clone()));
            e.0 += 1;
        }
        let Some((project_id, project_fund)) = exact.or(folded.flatten().map(|(_, v)| v)) else {
            let why = match excluded.get(&id) {
                Some(at) => format!("所属项目“{id}”的数据有误（见 {at}）"),
                None => format!(
                    "{}“{}”在项目表中不存在",
                    table.column_header(key),
                    super::value::visible(&id)
                ),
            };
            problems.push(Problem::at(
                crate::model::Finding::UnknownProject,
                &id_cell,
                format!("{id_cell}：{why}，{left_out}"),
            ));
            exclude(&mut excluded_rows, problems, Some(id));
            continue;
        };
        let (Some(date), Some(amount)) = (date, amount) else {
            exclude(&mut excluded_rows, problems, Some(project_id.clone()));
            continue;
        };
        let given = table
            .text(row, Field::FundSource)
            .map(|s| layout::normalize_value(&s));
        check.add(amount, table.text(row, Field::Group));
        ledger.payments.push(Payment {
            project_id: project_id.clone(),
            date,
            amount,
            fund_source_given: given.is_some(),
            fund_source: given.unwrap_or_else(|| project_fund.clone()),
            voucher: table.text(row, Field::Voucher),
            memo: table.text(row, Field::Memo),
            row: CellRef::at(&table.name, row, table.sheet.first_col()),
            basis: PaymentBasis::Dated,
        });
    }
    if let Some((n, first, name)) = named {
        let at = if n == 1 {
            format!("{first}")
        } else {
            format!("{first} 等 {n} 个单元格")
        };
        ledger.problems.push(Problem::at(
            crate::model::Finding::PaymentByName,
            &first,
            format!("{at}：拨付没有写项目编号（或编号栏写的是项目名称，如“{name}”），按项目名称对应到项目表中唯一同名的项目；请补上项目编号"),
        ));
    }
    if let Some((n, first, written, key)) = folded_used {
        let at = if n == 1 {
            format!("{first}")
        } else {
            format!("{first} 等 {n} 个单元格")
        };
        ledger.problems.push(Problem::at(
            crate::model::Finding::KeyWrittenOtherwise,
            &first,
            format!(
                "{at}：{}“{}”与项目表的“{}”只差全角半角、大小写或空格，按同一项目计入；请统一写法",
                table.column_header(key_field(table)),
                super::value::visible(&written),
                key
            ),
        ));
    }
    ledger.excluded.append(&mut excluded_rows);
    skipped.flush(&table.sheet.name, &mut ledger.problems, &mut reading);
    check.finish("拨付金额", &mut ledger.problems, &mut reading.checks);
    notes.flush(&mut ledger.problems);
    table.flush_date_forms(&mut ledger.problems, &mut reading.rules);
    ledger.reading.push(reading);
}
