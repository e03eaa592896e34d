//! Workbook → typed records plus problems. All layout knowledge is in
//! `layout`; cell conversions are in `value`.

pub mod book;
mod cells;
mod columns;
mod context;
pub mod facts;
mod header;
mod indicators;
mod info;
pub mod layout;
pub mod library;
pub mod mapping;
mod ods;
mod paid;
mod payments;
mod projects;
mod rows;
pub mod schedule;
pub mod table;
mod totals;
mod unit;
pub mod value;
pub mod xls_extent;
pub mod xlsx;
pub mod xlsx_merges;

pub use crate::model::{Info, Ledger};

use crate::model::{self, Problem};
use book::{RawBook, RawSheet};
use indicators::read_indicators;
use info::read_info;
use layout::SheetRole;
use mapping::Mapping;
use payments::read_payments;
use projects::read_projects;
use table::{FoundBy, find_sheet, locate_table};

/// Read the ledger from an opened workbook. `Err` is a fatal, one-line
/// message (no 项目 sheet, a required column missing).
pub fn read_ledger(book: &RawBook) -> Result<Ledger, String> {
    read_ledger_with(book, &Mapping::default())
}

pub fn read_ledger_with(book: &RawBook, mapping: &Mapping) -> Result<Ledger, String> {
    let file = book.path.display().to_string();
    let mut ledger = Ledger::default();
    let mut taken: Vec<&str> = Vec::new();

    let (project_sheet, by) = find_sheet(book, SheetRole::Projects, mapping, &taken).ok_or_else(|| {
        let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        match mapping.sheet_name(SheetRole::Projects) {
            Some(n) => format!("文件 {file} 中没有映射文件指定的项目表“{n}”（现有工作表：{}）", names.join("、")),
            None => format!("文件 {file} 中没有“项目”工作表，也没有哪张表含项目名称和预算金额等列（现有工作表：{}；表名或列名不同时可用 --mapping 指定）", names.join("、")),
        }
    })?;
    taken.push(&project_sheet.name);
    note_role(&mut ledger, project_sheet, SheetRole::Projects, by);
    let located = locate_table(project_sheet, SheetRole::Projects, mapping)
        .map_err(|m| format!("文件 {file}：{m}"))?;
    // A second table under the first with its columns in another order:
    // each part read by its own header.
    let split = located.moved_header().map(|row| {
        let start = located.second_table_start(row);
        (row, located.header_row, split_sheet(project_sheet, start))
    });
    let mut project_table = match &split {
        None => located,
        Some((_, _, (upper, _))) => locate_table(upper, SheetRole::Projects, mapping)
            .map_err(|m| format!("文件 {file}：{m}"))?,
    };
    header_notes(&project_table, mapping, &mut ledger.problems);
    let lower_table = match &split {
        None => None,
        Some((row, first, (_, lower))) => {
            let t = locate_table(lower, SheetRole::Projects, mapping)
                .map_err(|m| format!("文件 {file}：{m}"))?;
            header_notes(&t, mapping, &mut ledger.problems);
            let at = crate::model::CellRef::new(&project_sheet.name, *row, t.sheet.first_col());
            ledger.problems.push(Problem::at(
                crate::model::Finding::SecondTableOnSheet,
                &at,
                format!(
                    "工作表“{}”第 {} 行又是一行表头，列的顺序与第 {} 行的表头不同：其下是另一张表，按它自己的表头读取、计入",
                    project_sheet.name,
                    row + 1,
                    first + 1
                ),
            ));
            Some(t)
        }
    };
    // Projects kept on several sheets (衔接资金项目 | 整合资金项目): every visible
    // sheet that is a project table is read — unless their years differ
    // (2023年项目 | 2024年项目), when which one to read is the clerk's word.
    let mut project_tables = Vec::new();
    if matches!(by, FoundBy::Alias | FoundBy::Content) && !project_sheet.hidden {
        while let Some((more, by)) =
            find_sheet(book, SheetRole::Projects, mapping, &taken).filter(|(m, _)| !m.hidden)
        {
            taken.push(&more.name);
            let t = locate_table(more, SheetRole::Projects, mapping)
                .map_err(|m| format!("文件 {file}：{m}"))?;
            note_role(&mut ledger, more, SheetRole::Projects, by);
            header_notes(&t, mapping, &mut ledger.problems);
            project_tables.push(t);
        }
        let years: Vec<(&str, Option<i32>)> = std::iter::once(&project_table)
            .chain(project_tables.iter())
            .map(|t| (t.sheet.name.as_str(), table_year(t)))
            .collect();
        let mut distinct: Vec<i32> = years.iter().filter_map(|(_, y)| *y).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() > 1 {
            return Err(crate::model::Finding::ProjectSheetsOfYears.fatal(format!(
                "文件 {file}：{} 都是项目表，年度不同（{}），不知道该读哪一张；请用映射文件指定，如 [sheets] 项目 = \"{}\"，用 --mapping 指定",
                years
                    .iter()
                    .map(|(n, y)| match y {
                        Some(y) => format!("工作表“{n}”（{y}年）"),
                        None => format!("工作表“{n}”"),
                    })
                    .collect::<Vec<_>>()
                    .join("、"),
                distinct
                    .iter()
                    .map(|y| y.to_string())
                    .collect::<Vec<_>>()
                    .join("、"),
                years
                    .iter()
                    .filter(|(_, y)| *y == distinct.last().copied())
                    .map(|(n, _)| *n)
                    .next()
                    .unwrap_or_default()
            )));
        }
    }

    let mut payment_tables: Vec<table::Table> = Vec::new();
    let mut payment_table = match find_sheet(book, SheetRole::Payments, mapping, &taken) {
        Some((s, by)) => {
            taken.push(&s.name);
            note_role(&mut ledger, s, SheetRole::Payments, by);
            let t = locate_table(s, SheetRole::Payments, mapping)
                .map_err(|m| format!("文件 {file}：{m}"))?;
            header_notes(&t, mapping, &mut ledger.problems);
            // Payments kept on several sheets (one a month, one a fund): every
            // visible sheet that is a payment list is read, never only the first.
            if mapping.sheet_name(SheetRole::Payments).is_none() && !s.hidden {
                while let Some((more, by)) = find_sheet(book, SheetRole::Payments, mapping, &taken)
                    .filter(|(m, _)| !m.hidden)
                {
                    taken.push(&more.name);
                    note_role(&mut ledger, more, SheetRole::Payments, by);
                    let t = locate_table(more, SheetRole::Payments, mapping)
                        .map_err(|m| format!("文件 {file}：{m}"))?;
                    header_notes(&t, mapping, &mut ledger.problems);
                    payment_tables.push(t);
                }
            }
            Some(t)
        }
        None => {
            // Paid columns in the project table stand in (said by their reader).
            if !project_table.has(layout::Field::CumulativePaid)
                && project_table.month_columns.is_empty()
                && paid::payment_pairs(&project_table).is_empty()
                && paid::payment_batches(&project_table).is_empty()
            {
                ledger.problems.push(Problem::on(
                    crate::model::Finding::NoPayments,
                    "拨付",
                    "工作簿中没有“拨付”工作表，项目表也没有累计拨付或月份列，所有项目的已拨付按0计",
                ));
                ledger.problems.extend(unread_paid_columns(&project_table));
            }
            None
        }
    };
    let indicator_table = match find_sheet(book, SheetRole::Indicators, mapping, &taken) {
        Some((s, by)) => {
            taken.push(&s.name);
            note_role(&mut ledger, s, SheetRole::Indicators, by);
            match locate_table(s, SheetRole::Indicators, mapping) {
                Ok(t) => {
                    header_notes(&t, mapping, &mut ledger.problems);
                    Some(t)
                }
                Err(m) => {
                    ledger.problems.push(Problem::on(
                        crate::model::Finding::IndicatorUnused,
                        &s.name,
                        format!("{m}；绩效指标未读取"),
                    ));
                    None
                }
            }
        }
        None => None,
    };
    if let Some((s, by)) = find_sheet(book, SheetRole::Info, mapping, &taken) {
        taken.push(&s.name);
        note_role(&mut ledger, s, SheetRole::Info, by);
        ledger.info = read_info(s, &mut ledger.problems);
        // "金额单位 | 元" on the 说明 sheet: the unit of every table that
        // states none itself (no unit line, no unit in any header).
        if let Some((unit, at)) = info::money_unit(s) {
            for t in std::iter::once(&mut project_table)
                .chain(project_tables.iter_mut())
                .chain(payment_table.iter_mut())
                .chain(payment_tables.iter_mut())
                .filter(|t| t.unit_from.is_none())
            {
                t.default_unit = Some(unit);
                t.unit_from = Some((unit, format!("说明表 {at}")));
            }
        }
        ledger.reading.push(crate::model::reading::SheetReading {
            sheet: s.name.clone(),
            role: "说明".to_string(),
            ..Default::default()
        });
    }

    let mut excluded = read_projects(
        &project_table,
        &mut ledger,
        mapping,
        payment_table.is_none(),
    );
    // The table under the first on its sheet, then the other project sheets:
    // each read by its own header, a project read twice said once.
    for t in lower_table.iter().chain(&project_tables) {
        let before = (ledger.projects.len(), ledger.payments.len());
        excluded.extend(read_projects(
            t,
            &mut ledger,
            mapping,
            payment_table.is_none(),
        ));
        same_project_twice(&mut ledger, before);
    }
    if !project_tables.is_empty() {
        let names: Vec<&str> = std::iter::once(&project_table)
            .chain(&project_tables)
            .map(|t| t.sheet.name.as_str())
            .collect();
        ledger.problems.push(Problem::on(
            crate::model::Finding::ProjectSheets,
            &project_table.sheet.name,
            format!(
                "项目记在 {} 张工作表上（{}）：各表的项目都已读取、计入",
                names.len(),
                quoted(&names)
            ),
        ));
    }
    if let Some(t) = &payment_table {
        read_payments(t, &excluded, &mut ledger, mapping);
        if !payment_tables.is_empty() {
            let mut counted = vec![t.sheet.name.as_str()];
            for more in &payment_tables {
                let before = (
                    ledger.payments.len(),
                    ledger.problems.len(),
                    ledger.reading.len(),
                    ledger.excluded.len(),
                );
                read_payments(more, &excluded, &mut ledger, mapping);
                // A whole copy of payments already read (拨付 (2)) is not
                // counted again; said, naming the sheet.
                let new = &ledger.payments[before.0..];
                if !new.is_empty()
                    && new.iter().all(|p| {
                        ledger.payments[..before.0].iter().any(|q| {
                            q.project_id == p.project_id && q.date == p.date && q.amount == p.amount
                        })
                    })
                {
                    ledger.payments.truncate(before.0);
                    ledger.problems.truncate(before.1);
                    ledger.reading.truncate(before.2);
                    ledger.excluded.truncate(before.3);
                    ledger.problems.push(Problem::on(
                        crate::model::Finding::PaymentSheets,
                        &more.sheet.name,
                        format!(
                            "工作表“{}”的每一笔拨付都已在前面的拨付表中，是副本：未重复计入",
                            more.sheet.name
                        ),
                    ));
                } else {
                    counted.push(more.sheet.name.as_str());
                }
            }
            if counted.len() > 1 {
                ledger.problems.push(Problem::on(
                    crate::model::Finding::PaymentSheets,
                    &t.sheet.name,
                    format!(
                        "拨付记在 {} 张工作表上（{}）：各表的拨付都已计入",
                        counted.len(),
                        quoted(&counted)
                    ),
                ));
            }
            same_payment_twice(&mut ledger);
        }
    }
    if let Some(t) = &payment_table {
        paid_unit_plausible(std::iter::once(t).chain(payment_tables.iter()), &mut ledger);
        let tables: Vec<&table::Table> = std::iter::once(&project_table)
            .chain(project_tables.iter())
            .chain(lower_table.iter())
            .collect();
        paid::column_against_payments(&tables, &mut ledger);
    }
    projects::check_rates(&mut ledger);
    if let Some(t) = &indicator_table {
        read_indicators(t, &mut ledger, &excluded);
    }
    for s in &book.sheets {
        if !taken.contains(&s.name.as_str()) {
            ledger.problems.push(Problem::on(
                crate::model::Finding::SheetRoles,
                &s.name,
                format!("工作表“{}”未被使用，已原样复制到报告中", s.name),
            ));
        }
    }
    Ok(ledger)
}

/// Payment amounts in a column with no stated unit, read as 万元, that sum
/// to many times the whole budget: the unit is misread (元 or 千元 read as
/// 万元), an error naming the amount column — never only a note per project.
fn paid_unit_plausible<'a>(
    tables: impl Iterator<Item = &'a table::Table<'a>>,
    ledger: &mut Ledger,
) {
    let budget: rust_decimal::Decimal = ledger.projects.iter().map(|p| p.budget).sum();
    let paid: rust_decimal::Decimal = ledger.payments.iter().map(|p| p.amount).sum();
    if budget <= rust_decimal::Decimal::ZERO
        || paid <= budget * rust_decimal::Decimal::from(layout::PAID_OVER_BUDGET_UNIT_RATIO)
    {
        return;
    }
    for t in tables {
        let Some(c) = t.columns.get(&layout::Field::PaymentAmount) else {
            continue;
        };
        if c.unit.is_some() || t.default_unit.is_some() {
            continue;
        }
        ledger.problems.push(Problem::at(
            model::Finding::PaidUnitImplausible,
            &c.header_cell,
            format!(
                "{}：拨付金额列未注明单位，按万元读取，但已拨付合计 {} 万元是预算合计 {} 万元的 {} 倍：单位很可能读错了（像是元或千元）；请在表头注明“（元）”、在表上方写“单位：元”，或用 --mapping 指定单位",
                c.header_cell,
                model::Wan(paid),
                model::Wan(budget),
                (paid / budget).round()
            ),
        ));
        return;
    }
}

/// The year a project table names: in its sheet's name (2024年项目台账) or
/// its title (某某镇2024年度项目实施情况表).
fn table_year(t: &table::Table) -> Option<i32> {
    context::year_in(&t.sheet.name)
        .or_else(|| t.above.iter().find_map(|(_, s)| context::year_in(s)))
}

/// A project read from a later project sheet whose id an earlier sheet
/// already has: an error naming both, the later one not counted (and its
/// paid columns' payments with it) — as a repeated id within one sheet.
fn same_project_twice(ledger: &mut Ledger, (projects, payments): (usize, usize)) {
    let earlier: std::collections::HashMap<String, model::CellRef> = ledger.projects[..projects]
        .iter()
        .map(|p| (p.id.clone(), p.row.clone()))
        .collect();
    let mut dropped = Vec::new();
    let mut i = projects;
    while i < ledger.projects.len() {
        if let Some(first) = earlier.get(&ledger.projects[i].id) {
            let p = ledger.projects.remove(i);
            ledger.problems.push(Problem::at(
                model::Finding::DuplicateId,
                &p.row,
                format!(
                    "{}：项目编号“{}”与另一张项目表的 {first} 重复，该行未计入合计（拨付计入第一次出现的项目）",
                    p.row, p.id
                ),
            ));
            dropped.push(p);
        } else {
            i += 1;
        }
    }
    if !dropped.is_empty() {
        let mut k = payments;
        while k < ledger.payments.len() {
            let pay = &ledger.payments[k];
            if dropped
                .iter()
                .any(|p| p.id == pay.project_id && p.row.sheet == pay.row.sheet)
            {
                ledger.payments.remove(k);
            } else {
                k += 1;
            }
        }
    }
}

/// One payment on two payment sheets (the same project, date and amount):
/// a copy of a sheet, or a month kept twice. Both are counted, and each
/// pair is an error naming both rows — never one silently dropped.
fn same_payment_twice(ledger: &mut Ledger) {
    let mut seen: std::collections::HashMap<
        (&str, chrono::NaiveDate, rust_decimal::Decimal),
        &model::CellRef,
    > = std::collections::HashMap::new();
    let mut found = Vec::new();
    for p in &ledger.payments {
        let key = (p.project_id.as_str(), p.date, p.amount.normalize());
        match seen.get(&key) {
            Some(first) if first.sheet != p.row.sheet => found.push(Problem::at(
                model::Finding::PaymentOnTwoSheets,
                &p.row,
                format!(
                    "{}：项目“{}”{} 拨付 {} 万元，与 {} 的一笔完全相同（两张拨付表上各记了一次）；两笔都已计入，如是重复登记请删去一处",
                    p.row,
                    p.project_id,
                    p.date,
                    model::Wan(p.amount),
                    first
                ),
            )),
            Some(_) => {}
            None => {
                seen.insert(key, &p.row);
            }
        }
    }
    ledger.problems.extend(found);
}

/// Amount columns whose header speaks of payment (到位资金, 第一次拨付金额)
/// that no rule reads, in a ledger whose paid figures are otherwise all 0:
/// each is an error naming its header cell, so a paid column under a name
/// the reader does not know is never read as nothing.
fn unread_paid_columns(table: &table::Table) -> Vec<Problem> {
    let mut out = Vec::new();
    for (col, path, field) in &table.paths {
        if field.is_some() {
            continue;
        }
        let key = layout::normalize_header(path).0;
        if !layout::paid_like(&key) {
            continue;
        }
        let (mut numbers, mut first) = (0usize, None);
        for row in table.data_rows() {
            let v = table.value(row, *col);
            let number = match v {
                calamine::Data::Float(_) | calamine::Data::Int(_) => true,
                calamine::Data::String(s) => value::parse_amount_text(s).is_ok(),
                _ => false,
            };
            if number {
                numbers += 1;
                first.get_or_insert(row);
            }
        }
        let Some(row) = first else { continue };
        let head = model::CellRef::at(&table.name, table.header_row + table.header_depth - 1, *col);
        let sample = model::CellRef::at(&table.name, row, *col);
        out.push(Problem::at(
            model::Finding::PaidColumnUnread,
            &head,
            format!(
                "{head}：“{path}”列有 {numbers} 个金额（如 {sample} {}），看起来与拨付有关，但读不出它是什么；工作簿没有拨付表，所有项目的已拨付按0计。若这一列是已拨付，请在映射文件中写 [columns.项目] 累计拨付 = \"{}\"，用 --mapping 指定；若每次拨付各占一列，请改为“拨付”表（项目编号、拨付日期、拨付金额）",
                value::show_cell(table.value(row, *col)),
                path.rsplit('/').next().unwrap_or(path)
            ),
        ));
    }
    out
}

/// What the header says that the table does not use: mapped columns not
/// found (错误, R011) and a second column of one field (提示, R014).
fn header_notes(table: &table::Table, mapping: &Mapping, problems: &mut Vec<Problem>) {
    problems.extend(mapping.unfound(table));
    // A paid-this-year column beside the paid so far: two figures, the
    // standard name read — said where the clerk sees it, not only in 读取说明.
    if let Some(paid) = table.columns.get(&layout::Field::CumulativePaid) {
        for (col, path, field) in &table.paths {
            let leaf = layout::normalize_header(path.rsplit('/').next().unwrap_or(path)).0;
            if field.is_none()
                && layout::THIS_YEAR_WORDS.iter().any(|w| leaf.contains(w))
                && layout::field_by_meaning(SheetRole::Projects, &leaf)
                    == Some(layout::Field::CumulativePaid)
            {
                let at = model::CellRef::at(&table.name, table.header_row, *col);
                problems.push(Problem::at(
                    model::Finding::PaidOfTheYearUnused,
                    &at,
                    format!(
                        "{at}：“{path}”列未用：已拨付按 {}“{}”列计；两列不是同一个数（本年的与累计的）时，要按“{path}”计请在映射文件中写 [columns.项目] 累计拨付 = \"{leaf}\"，用 --mapping 指定",
                        paid.header_cell,
                        table.paths.iter().find(|(c, ..)| *c == paid.col).map_or("", |(_, p, _)| p.as_str()),
                    ),
                ));
            }
        }
    }
    let used = |col: u32| {
        table.columns.iter().any(|c| c.col == col)
            || table.fund_splits.iter().any(|f| f.col == col)
            || table.month_columns.iter().any(|m| m.col == col)
    };
    let text = |v: &calamine::Data| match v {
        calamine::Data::String(s) => Some(layout::normalize_header(s).0),
        _ => None,
    };
    let mut columns: Vec<&table::Column> = table.columns.iter().collect();
    columns.sort_by_key(|c| c.col);
    for c in columns {
        let row = c.header_cell.row;
        let Some(key) = text(table.sheet.cell(row, c.col)).filter(|k| !k.is_empty()) else {
            continue;
        };
        let others: Vec<u32> = table
            .sheet
            .row_cells(row)
            .iter()
            .filter(|(col, v)| {
                *col != c.col && !used(*col) && text(v).as_deref() == Some(key.as_str())
            })
            .map(|(col, _)| *col)
            .collect();
        if others.is_empty() {
            continue;
        }
        let at = model::CellRef::at(&table.name, row, c.col);
        let shown: Vec<String> = others
            .iter()
            .map(|o| model::CellRef::at(&table.name, row, *o).a1())
            .collect();
        problems.push(Problem::at(
            model::Finding::TwoColumns,
            &at,
            format!(
                "工作表“{}”有{}列“{key}”（{}、{}）：使用了 {} 列，{} 列未读取；请删去或改名多余的列，或用 --mapping 指定用哪一列",
                table.sheet.name,
                others.len() + 1,
                at.a1(),
                shown.join("、"),
                model::col_name(c.col),
                others.iter().map(|o| model::col_name(*o)).collect::<Vec<_>>().join("、")
            ),
        ));
    }
}

pub fn role_name(role: SheetRole) -> &'static str {
    match role {
        SheetRole::Projects => "项目表",
        SheetRole::Payments => "拨付表",
        SheetRole::Indicators => "绩效指标表",
        SheetRole::Info => "说明表",
    }
}

/// Record which sheet was taken for what; say so when it wasn't by its standard name.
fn note_role(ledger: &mut Ledger, sheet: &RawSheet, role: SheetRole, by: FoundBy) {
    ledger.sheet_roles.push((sheet.name.clone(), role));
    let how = match by {
        FoundBy::Name => return,
        FoundBy::Alias => "按表名",
        FoundBy::Mapping => "按映射文件",
        FoundBy::Content => "按表头内容",
        FoundBy::Hidden => "没有可见的工作表适用，使用了隐藏的",
    };
    ledger.problems.push(Problem::on(
        crate::model::Finding::SheetRoles,
        &sheet.name,
        format!("{how}识别：工作表“{}”用作{}", sheet.name, role_name(role)),
    ));
}

/// A sheet cut in two at `row`: the rows above it, and the rows from it on,
/// each keeping its cells' places (so every cell is named as in the file).
fn split_sheet(sheet: &RawSheet, row: u32) -> (RawSheet, RawSheet) {
    let part = |upper: bool| {
        let keep = |r: u32| (r < row) == upper;
        let cells = sheet
            .used_cells()
            .filter(|(r, ..)| keep(*r))
            .map(|(r, c, v)| (r, c, v.clone()))
            .collect();
        let formulas = sheet
            .formula_cells()
            .filter(|(r, ..)| keep(*r))
            .map(|(r, c, f)| (r, c, f.to_string()))
            .collect();
        let merges = sheet
            .merges
            .iter()
            .filter(|m| keep(m.start.0))
            .copied()
            .collect();
        let mut s = RawSheet::new(sheet.name.clone(), cells, formulas, merges);
        s.hidden = sheet.hidden;
        s
    };
    (part(true), part(false))
}

/// Sheet names as a message lists them: “项目”、“项目（2）”.
fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("“{n}”"))
        .collect::<Vec<_>>()
        .join("、")
}
