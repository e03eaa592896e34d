//! Workbook → typed records plus problems. All layout knowledge is in
//! `layout`; cell conversions are in `value`.

pub mod book;
mod cells;
mod columns;
mod context;
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

pub use crate::model::{Info, Ledger};

use crate::model::Problem;
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
    let project_table = locate_table(project_sheet, SheetRole::Projects, mapping)
        .map_err(|m| format!("文件 {file}：{m}"))?;

    let payment_table = match find_sheet(book, SheetRole::Payments, mapping, &taken) {
        Some((s, by)) => {
            taken.push(&s.name);
            note_role(&mut ledger, s, SheetRole::Payments, by);
            Some(
                locate_table(s, SheetRole::Payments, mapping)
                    .map_err(|m| format!("文件 {file}：{m}"))?,
            )
        }
        None => {
            // Paid columns in the project table stand in (said by their reader).
            if !project_table.has(layout::Field::CumulativePaid)
                && project_table.month_columns.is_empty()
            {
                ledger.problems.push(Problem::warning(
                    "拨付",
                    "工作簿中没有“拨付”工作表，项目表也没有累计拨付或月份列，所有项目的已拨付按0计",
                ));
            }
            None
        }
    };
    let indicator_table = match find_sheet(book, SheetRole::Indicators, mapping, &taken) {
        Some((s, by)) => {
            taken.push(&s.name);
            note_role(&mut ledger, s, SheetRole::Indicators, by);
            match locate_table(s, SheetRole::Indicators, mapping) {
                Ok(t) => Some(t),
                Err(m) => {
                    ledger
                        .problems
                        .push(Problem::warning(&s.name, format!("{m}；绩效指标未读取")));
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
        ledger.reading.push(crate::model::reading::SheetReading {
            sheet: s.name.clone(),
            role: "说明".to_string(),
            ..Default::default()
        });
    }

    let excluded = read_projects(
        &project_table,
        &mut ledger,
        mapping,
        payment_table.is_none(),
    );
    if let Some(t) = &payment_table {
        read_payments(t, &excluded, &mut ledger, mapping);
    }
    projects::check_rates(&mut ledger);
    if let Some(t) = &indicator_table {
        read_indicators(t, &mut ledger, &excluded);
    }
    for s in &book.sheets {
        if !taken.contains(&s.name.as_str()) {
            ledger.problems.push(Problem::warning(
                &s.name,
                format!("工作表“{}”未被使用，已原样复制到报告中", s.name),
            ));
        }
    }
    Ok(ledger)
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
    ledger.problems.push(Problem::warning(
        &sheet.name,
        format!("{how}识别：工作表“{}”用作{}", sheet.name, role_name(role)),
    ));
}
