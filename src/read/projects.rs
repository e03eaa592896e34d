//! The project table (项目): one record per project row.

use super::Ledger;
use super::cells::ColumnNotes;
use super::context;
use super::layout::{self, Field};
use super::mapping::Mapping;
use super::paid::PaidColumns;
use super::rows::{RowKind, Section, SkippedRows};
use super::table::Table;
use super::totals::TotalCheck;
use crate::model::finding::Finding;
use crate::model::{CellRef, ExcludedRow, Problem, Project, RecordKind, Wan};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// A required value: blank or unreadable is an error naming the cell, and
/// the row is left out (`left_out` says how).
pub(crate) fn required<T>(
    read: Result<Option<T>, Problem>,
    table: &Table,
    row: u32,
    field: Field,
    left_out: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    match read {
        Ok(Some(v)) => Some(v),
        Ok(None) => {
            if let Some((_, cell)) = table.cell(row, field) {
                problems.push(Problem::at(
                    crate::model::Finding::RequiredBlank,
                    &cell,
                    format!(
                        "{cell}：{}{}，{left_out}",
                        table.column_header(field),
                        blank_why(table, &cell)
                    ),
                ));
            }
            None
        }
        Err(mut p) => {
            p.message.push_str(&format!("，{left_out}"));
            problems.push(p);
            None
        }
    }
}

/// Why a required cell reads as blank: empty, or a formula whose result was
/// never stored (a file written by a program, not saved by Excel/WPS).
fn blank_why(table: &Table, cell: &CellRef) -> &'static str {
    if table.sheet.formula(cell.row, cell.col).is_some() {
        "是公式但没有计算结果（请在 Excel/WPS 中打开并保存后再试）"
    } else {
        "为空"
    }
}

/// A left-out record, with the errors found on its row since `mark` as the reason.
pub(crate) fn excluded_row(
    problems: &[Problem],
    mark: usize,
    kind: RecordKind,
    row: CellRef,
    id: Option<String>,
    name: Option<String>,
    amount: Option<Decimal>,
) -> ExcludedRow {
    let reason = problems[mark..]
        .iter()
        .filter(|p| p.severity == crate::model::Severity::Error)
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("；");
    ExcludedRow {
        kind,
        row,
        id,
        name,
        amount,
        reason,
    }
}

pub(crate) fn required_text(
    table: &Table,
    row: u32,
    field: Field,
    what: &str,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match table.text(row, field) {
        Some(t) => Some(t),
        None => {
            let (_, cell) = table.cell(row, field)?;
            problems.push(Problem::at(
                crate::model::Finding::RequiredBlank,
                &cell,
                format!(
                    "{cell}：{}{}，{what}",
                    table.column_header(field),
                    blank_why(table, &cell)
                ),
            ));
            None
        }
    }
}

/// The project key of a row: 项目编号, or the name where the sheet has no 编号 column.
pub(crate) fn key_field(table: &Table) -> Field {
    if table.has(Field::ProjectId) {
        Field::ProjectId
    } else {
        Field::ProjectName
    }
}

/// Budget split by fund (资金规模 → 衔接资金 | 整合资金) of one row; the
/// levels of its non-zero 衔接资金 parts go to `levels`.
pub(crate) fn read_splits(
    table: &Table,
    row: u32,
    notes: &mut ColumnNotes,
    problems: &mut Vec<Problem>,
    levels: &mut Vec<&'static str>,
) -> Result<Vec<(String, Decimal, CellRef)>, ()> {
    let mut out: Vec<(String, Decimal, CellRef)> = Vec::new();
    let mut bad = false;
    for sp in &table.fund_splits {
        match table.money_at(row, sp.col, sp.unit, "资金规模", notes) {
            Ok(Some((d, cell))) => {
                if let Some(l) = sp.level
                    && !d.is_zero()
                    && !levels.contains(&l)
                {
                    levels.push(l);
                }
                match out.iter_mut().find(|(f, ..)| *f == sp.fund) {
                    Some(e) => e.1 += d,
                    None => out.push((sp.fund.clone(), d, cell)),
                }
            }
            Ok(None) => {}
            Err(p) => {
                problems.push(p);
                bad = true;
            }
        }
    }
    if bad { Err(()) } else { Ok(out) }
}

/// A row's budget: its budget column, else the sum of its parts (for
/// total rows and the total plan; no notes are taken).
/// The row's budget (or the sum of its split columns), with the places
/// its cells hold.
fn budget_or_parts(table: &Table, row: u32) -> Option<((Decimal, u32), CellRef)> {
    let mut scratch = ColumnNotes::default();
    if table.has(Field::Budget) {
        return table
            .money(row, Field::Budget, &mut scratch)
            .ok()
            .flatten()
            .map(|(v, cell)| ((v, table.places(row, Field::Budget)), cell));
    }
    let mut sum: Option<((Decimal, u32), CellRef)> = None;
    for sp in &table.fund_splits {
        if let Ok(Some((d, cell))) = table.money_at(row, sp.col, sp.unit, "资金规模", &mut scratch)
        {
            let places = table.places_at(row, sp.col, sp.unit);
            match &mut sum {
                Some(((s, p), _)) => {
                    *s += d;
                    *p = (*p).max(places);
                }
                None => sum = Some(((d, places), cell)),
            }
        }
    }
    sum
}

/// The fund a section label names ("一、财政衔接资金项目").
fn section_fund(name: &str) -> Option<&'static str> {
    if !name.contains("资金") {
        return None;
    }
    layout::FUND_WORDS
        .iter()
        .find(|(w, _)| name.contains(w))
        .map(|(_, f)| *f)
}

/// The category a section label gives: the mapping's [categories], a
/// standard category, the category words; else the label as written.
fn section_category(name: &str, mapping: &Mapping) -> String {
    if let Some(c) = mapping.category(name) {
        return c.to_string();
    }
    let v = layout::normalize_value(name);
    if layout::CATEGORIES.contains(&v.as_str()) {
        return v;
    }
    layout::category_by_words(name)
        .map(str::to_string)
        .unwrap_or(v)
}

/// A rate as written: 33.33, "33.33%", 0.3333 (a number formatted as %).
fn rate_value(v: &calamine::Data) -> Option<Decimal> {
    match v {
        calamine::Data::Float(f) => super::value::decimal_from_f64(*f),
        calamine::Data::Int(i) => Some(Decimal::from(*i)),
        calamine::Data::String(s) => {
            let t = s.trim().trim_end_matches(['%', '％']);
            super::value::parse_amount_text(t).ok().map(|(d, _)| d)
        }
        _ => None,
    }
}

/// The ledger's 执行率 column against paid ÷ budget (paid as read: the
/// payments of every date, or the 累计 column): each project's figure
/// agrees when it is the computed rate as a percentage or a fraction,
/// rounded to the places written. A disagreement is an error naming both.
pub(crate) fn check_rates(ledger: &mut Ledger) {
    if ledger.rate_cells.is_empty() {
        return;
    }
    let mut paid: HashMap<&str, Decimal> = HashMap::new();
    for p in &ledger.payments {
        *paid.entry(p.project_id.as_str()).or_default() += p.amount;
    }
    let (mut n, mut agree) = (0, 0);
    let mut checks = Vec::new();
    let mut problems = Vec::new();
    let first = ledger.rate_cells[0].2.clone();
    for (id, rate, cell) in &ledger.rate_cells {
        let Some(p) = ledger.projects.iter().find(|p| &p.id == id) else {
            continue;
        };
        if p.budget.is_zero() {
            continue;
        }
        let got = p
            .cumulative_paid
            .unwrap_or_else(|| paid.get(id.as_str()).copied().unwrap_or_default());
        let pct = got / p.budget * Decimal::from(100);
        let places = rate.normalize().scale();
        let unit = Decimal::new(1, places);
        let ok = (pct - rate).abs() <= unit || (pct / Decimal::from(100) - rate).abs() <= unit;
        n += 1;
        if ok {
            agree += 1;
            continue;
        }
        let shown = pct.round_dp(places.max(2));
        checks.push(crate::model::reading::Check {
            kind: "执行率".to_string(),
            cell: cell.to_string(),
            ledger: rate.normalize().to_string(),
            computed: shown.normalize().to_string(),
            agrees: false,
        });
        problems.push(Problem::at(
            Finding::RateDisagrees,
            cell,
            format!(
                "{cell}：台账的执行率为 {}，而按读出的已拨付 {} 万元 ÷ 预算 {} 万元 算得 {}%；可能有拨付读错或漏读，请核对",
                rate.normalize(),
                Wan(got),
                Wan(p.budget),
                shown.normalize()
            ),
        ));
    }
    let summary = crate::model::reading::Check {
        kind: "执行率（各项目）".to_string(),
        cell: first.to_string(),
        ledger: format!("{n} 个项目"),
        computed: format!("{agree} 个相符"),
        agrees: n == agree,
    };
    if let Some(r) = ledger.reading.iter_mut().find(|r| r.sheet == *first.sheet) {
        r.checks.push(summary);
        r.checks.extend(checks);
    }
    ledger.problems.extend(problems);
}

/// Returns the keys of projects whose rows were left out (bad rows).
/// `paid_here`: the workbook has no payment list, so a 累计拨付 column or
/// month columns of this table are its payments.
pub(crate) fn read_projects(
    table: &Table,
    ledger: &mut Ledger,
    mapping: &Mapping,
    paid_here: bool,
) -> HashMap<String, CellRef> {
    let mut excluded: HashMap<String, CellRef> = HashMap::new();
    let context = context::of_table(table, &mut ledger.info);
    ledger.year_hint = ledger
        .info
        .year
        .or(context.year)
        .or(ledger.info.as_of.map(|d| {
            use chrono::Datelike;
            d.year()
        }));
    table.year.set(ledger.year_hint);
    let default_fund = mapping
        .default_value(table.role, "资金性质")
        .map(|f| {
            (
                layout::normalize_value(f),
                "映射文件 [defaults] 指定".to_string(),
            )
        })
        .or_else(|| {
            context
                .fund
                .clone()
                .map(|(f, at)| (f.to_string(), format!("按标题 {at}")))
        });
    let mut default_fund_used = false;
    let skip = mapping.skip_rows(table.role);
    let mut skipped = SkippedRows::default();
    let mut paid_rows = PaidColumns::new(
        table,
        paid_here,
        &ledger.info,
        &context,
        &mut ledger.problems,
    );
    let mut seen: HashMap<String, CellRef> = HashMap::new();
    let mut notes = ColumnNotes::default();
    let (mut budget_check, mut settled_check) = (TotalCheck::default(), TotalCheck::default());
    let key = key_field(table);
    if key == Field::ProjectName {
        ledger.problems.push(Problem::on(
            crate::model::Finding::StandIn,
            &table.sheet.name,
            format!(
                "工作表“{}”没有“项目编号”列，以项目名称作为项目编号",
                table.sheet.name
            ),
        ));
    }
    let mut excluded_rows = Vec::new();
    let mut new_payments = Vec::new();
    let mut ledger_rates = Vec::new();
    let problems = &mut ledger.problems;
    let left_out = "该项目未计入合计";
    let mut reading = table.reading();
    reading.as_of = ledger.info.as_of.map(|d| crate::model::reading::Sourced {
        value: d.to_string(),
        from: ledger
            .info
            .as_of_from
            .clone()
            .unwrap_or_else(|| "说明表".to_string()),
    });
    let plan = table.plan_totals(
        &skip,
        &|row| budget_or_parts(table, row).map(|((v, _), _)| v),
        &[key, Field::ProjectName],
    );
    // The section the rows below belong to, and how many records it has so far.
    let mut section: Option<(Section, usize)> = None;
    let mut sec_category: Option<String> = None;
    let mut sec_fund: Option<&'static str> = None;
    let mut sec_town: Option<String> = None;
    let mut section_counts: Vec<(Section, usize)> = Vec::new();
    // Projects written over several rows: (first row, last row).
    let mut continued: Vec<(u32, u32)> = Vec::new();
    for row in table.data_rows() {
        let Some(kind) = table.row_kind(row, &skip, &mut skipped, &plan) else {
            continue;
        };
        match kind {
            RowKind::Total(kind, group) => {
                let mut scratch = ColumnNotes::default();
                let at = CellRef::at(&table.name, row, table.sheet.first_col());
                reading.totals.push(at.to_string());
                if let Some((v, cell)) = budget_or_parts(table, row) {
                    budget_check.printed(kind, v, cell, group.clone());
                }
                if let Ok(Some((v, cell))) = table.money(row, Field::Settled, &mut scratch) {
                    let places = table.places(row, Field::Settled);
                    settled_check.printed(kind, (v, places), cell, group);
                }
                continue;
            }
            RowKind::Section(s) => {
                // A section names a fund, a 乡镇, or (else) a category.
                let what = if let Some(f) = section_fund(&s.name) {
                    sec_fund = Some(f);
                    format!("资金性质“{f}”")
                } else if s.name.ends_with(['镇', '乡']) || s.name.ends_with("街道") {
                    sec_town = Some(s.name.clone());
                    format!("乡镇“{}”", s.name)
                } else {
                    let category = section_category(&s.name, mapping);
                    let w = format!("项目类别“{category}”");
                    sec_category = Some(category);
                    w
                };
                reading
                    .sections
                    .push(format!("{}“{}”→ {what}", s.at, s.label));
                if s.has_sums {
                    let mut scratch = ColumnNotes::default();
                    if let Some((v, cell)) = budget_or_parts(table, row) {
                        budget_check.printed(super::totals::TotalKind::Subtotal, v, cell, None);
                    }
                    if let Ok(Some((v, cell))) = table.money(row, Field::Settled, &mut scratch) {
                        let places = table.places(row, Field::Settled);
                        settled_check.printed(
                            super::totals::TotalKind::Subtotal,
                            (v, places),
                            cell,
                            None,
                        );
                    }
                }
                if let Some((prev, n)) = section.take() {
                    section_counts.push((prev, n));
                }
                section = Some((s, 0));
                continue;
            }
            _ => {}
        }
        // A project over two or more rows: its key merged down over them,
        // each row one fund's part of the budget.
        if let Some(c) = table.columns.get(&key)
            && let Some(&(r0, _)) = table.filled.get(&(row, c.col))
            && r0 < row
            && let Some(p) = ledger.projects.last_mut()
            && (p.row.row == r0 || continued.last().is_some_and(|(_, last)| *last + 1 == row))
        {
            let fund = table
                .text(row, Field::FundSource)
                .map(|t| layout::normalize_value(&t))
                .unwrap_or_else(|| p.fund_source.clone());
            match table.money(row, Field::Budget, &mut notes) {
                Ok(Some((b, _))) => {
                    p.budget += b;
                    if p.budget_by_fund.is_empty() {
                        p.budget_by_fund.push((p.fund_source.clone(), p.budget - b));
                    }
                    match p.budget_by_fund.iter_mut().find(|(f, _)| *f == fund) {
                        Some((_, d)) => *d += b,
                        None => p.budget_by_fund.push((fund, b)),
                    }
                    // The main fund: the largest part (the first row's on a tie).
                    let main = p
                        .budget_by_fund
                        .iter()
                        .fold(None::<&(String, Decimal)>, |best, x| match best {
                            Some(m) if m.1 >= x.1 => Some(m),
                            _ => Some(x),
                        })
                        .map(|(f, _)| f.clone());
                    if let Some(m) = main
                        && m != p.fund_source
                    {
                        p.fund_source = m;
                        p.fund_level = None;
                    }
                    let group = table.text(row, Field::Group).or_else(|| sec_town.clone());
                    budget_check.add(b, group);
                }
                Ok(None) => {}
                Err(e) => problems.push(e),
            }
            match continued.last_mut() {
                Some((_, last)) if *last + 1 == row => *last = row,
                _ => continued.push((r0, row)),
            }
            continue;
        }
        if let Some((.., n)) = &mut section {
            *n += 1;
        }
        let mark = problems.len();
        if table.error_cells(row, left_out, problems) {
            let row_ref = CellRef::at(&table.name, row, table.sheet.first_col());
            let id = table.text(row, key);
            let amount = table
                .money(row, Field::Budget, &mut ColumnNotes::default())
                .ok()
                .flatten()
                .map(|(b, _)| b);
            excluded_rows.push(excluded_row(
                problems,
                mark,
                RecordKind::Project,
                row_ref.clone(),
                id.clone(),
                table.text(row, Field::ProjectName),
                amount,
            ));
            if let Some(id) = id {
                excluded.entry(id).or_insert(row_ref);
            }
            continue;
        }
        table.long_number(row, key, problems);
        let id = required_text(table, row, key, left_out, problems);
        let name = required_text(table, row, Field::ProjectName, left_out, problems);
        let category = if table.has(Field::Category) || sec_category.is_none() {
            required_text(table, row, Field::Category, left_out, problems)
                .map(|s| layout::normalize_value(&s))
        } else {
            sec_category.clone()
        };
        if category.is_none() && !table.has(Field::Category) {
            let cell = CellRef::at(&table.name, row, table.sheet.first_col());
            problems.push(Problem::at(crate::model::Finding::NoCategory,
                &cell,
                format!("{cell}：没有项目类别列，该行也不在任何分类标题行（如“一、产业发展类项目”）之下，无法确定项目类别，{left_out}"),
            ));
        }
        let mut levels = Vec::new();
        let splits = read_splits(table, row, &mut notes, problems, &mut levels);
        let fund_text = table.text(row, Field::FundSource);
        // The level its 资金性质 names, else the one level its 衔接资金 parts have.
        let fund_level = fund_text
            .as_deref()
            .and_then(|t| {
                layout::fund_by_words(&t.chars().filter(|c| !c.is_whitespace()).collect::<String>())
            })
            .and_then(|(_, level)| level)
            .or_else(|| (levels.len() == 1).then(|| levels[0]))
            .map(str::to_string);
        let main_fund = splits.as_ref().ok().and_then(|v| {
            v.iter()
                .max_by(|a, b| a.1.cmp(&b.1))
                .filter(|(_, d, _)| !d.is_zero())
                .map(|(f, ..)| f.clone())
        });
        // The row's own 资金性质; else its split columns (the fund with the
        // largest share); else the mapping's default or the title's fund.
        let fund_source = if let Some(t) = &fund_text {
            Some(layout::normalize_value(t))
        } else if let Some(f) = &main_fund {
            Some(f.clone())
        } else if let Some(f) = sec_fund {
            Some(f.to_string())
        } else if let Some((f, _)) = &default_fund {
            default_fund_used = true;
            Some(f.clone())
        } else if table.has(Field::FundSource) {
            required_text(table, row, Field::FundSource, left_out, problems)
        } else {
            let cell = CellRef::at(
                &table.name,
                row,
                table.fund_splits.first().map(|s| s.col).unwrap_or(0),
            );
            problems.push(Problem::at(crate::model::Finding::NoFundSource,
                &cell,
                format!("{cell}：没有资金性质列，各资金来源的金额也都为空，无法确定资金性质（可在映射文件写 [defaults.项目] 资金性质 = \"衔接资金\"），{left_out}"),
            ));
            None
        };
        let category = category.map(|c| mapping.category(&c).map(str::to_string).unwrap_or(c));
        let budget = if table.has(Field::Budget) {
            required(
                table.money(row, Field::Budget, &mut notes),
                table,
                row,
                Field::Budget,
                left_out,
                problems,
            )
            .and_then(|(b, cell)| {
                if b < Decimal::ZERO {
                    problems.push(Problem::at(
                        crate::model::Finding::NegativeAmount,
                        &cell,
                        format!("{cell}：预算金额 {b} 为负数，{left_out}"),
                    ));
                    None
                } else {
                    Some((b, cell))
                }
            })
        } else {
            // 资金规模 given only per fund: the budget is their sum.
            match &splits {
                Ok(v) if !v.is_empty() => {
                    Some((v.iter().map(|(_, d, _)| *d).sum(), v[0].2.clone()))
                }
                _ => None,
            }
        };
        if let (Some((b, cell)), Ok(v)) = (&budget, &splits) {
            let sum: Decimal = v.iter().map(|(_, d, _)| *d).sum();
            if table.has(Field::Budget) && !v.is_empty() && sum != *b {
                // Parts short of the total may be the "其中" of it (自筹 not
                // listed): a note. Parts over it cannot be: the ledger's own
                // figures contradict each other — an error.
                let (finding, more) = if sum > *b {
                    (
                        crate::model::Finding::BudgetPartsOverTotal,
                        "：各资金来源加起来超过了合计，两者必有一处有误（预算按合计列计），请核对",
                    )
                } else {
                    (crate::model::Finding::BudgetSplitDisagrees, "")
                };
                problems.push(Problem::at(
                    finding,
                    cell,
                    format!(
                        "{cell}：预算金额 {} 万元与各资金来源之和 {} 万元不符{more}",
                        Wan(*b),
                        Wan(sum)
                    ),
                ));
            }
        }
        let settled = match table.money(row, Field::Settled, &mut notes) {
            Ok(Some((s, cell))) if s < Decimal::ZERO => {
                problems.push(Problem::at(
                    crate::model::Finding::NegativeAmount,
                    &cell,
                    format!("{cell}：结算金额 {s} 为负数，按未结算处理，待拨付和结余未计算"),
                ));
                None
            }
            Ok(s) => s,
            // "未结算", "待审计": the clerk saying it is not settled yet.
            Err(_)
                if table
                    .text(row, Field::Settled)
                    .is_some_and(|t| layout::settlement_pending(&t)) =>
            {
                if let Some((_, cell)) = table.cell(row, Field::Settled) {
                    let t = table.text(row, Field::Settled).unwrap_or_default();
                    let e = notes.pending_settled.get_or_insert((0, cell, Vec::new()));
                    e.0 += 1;
                    if !e.2.contains(&t) && e.2.len() < 3 {
                        e.2.push(t);
                    }
                }
                None
            }
            Err(mut p) => {
                p.message.push_str("，按未结算处理，待拨付和结余未计算");
                problems.push(p);
                None
            }
        };
        let mut optional_date = |field| match table.date(row, field) {
            Ok(d) => d,
            Err(mut p) => {
                p.severity = crate::model::Severity::Warning;
                p.finding = Finding::OptionalDateIgnored;
                p.message.push_str("，已忽略");
                problems.push(p);
                None
            }
        };
        let start_date = optional_date(Field::StartDate);
        let end_date = optional_date(Field::EndDate);
        let status = table
            .text(row, Field::Status)
            .map(|s| layout::normalize_value(&s));
        let row_ref = CellRef::at(&table.name, row, table.sheet.first_col());

        if let (Some(c), Some((_, cell))) = (&category, table.cell(row, Field::Category))
            && !layout::CATEGORIES.contains(&c.as_str())
        {
            problems.push(Problem::at(
                crate::model::Finding::ValueAsWritten,
                &cell,
                format!(
                    "{cell}：项目类别“{c}”不是 产业项目/基础设施建设项目/其他项目，按原样单列一类"
                ),
            ));
        }
        if let (Some(f), Some((_, cell))) = (&fund_source, table.cell(row, Field::FundSource))
            && !layout::KNOWN_FUNDS.contains(&f.as_str())
        {
            problems.push(Problem::at(
                crate::model::Finding::ValueAsWritten,
                &cell,
                format!("{cell}：资金性质“{f}”不是 衔接资金/整合资金/其他资金，按原样单列"),
            ));
        }
        if let (Some(st), Some((_, cell))) = (&status, table.cell(row, Field::Status))
            && !layout::STATUSES.contains(&st.as_str())
        {
            problems.push(Problem::at(
                crate::model::Finding::ValueAsWritten,
                &cell,
                format!("{cell}：建设状态“{st}”不是 未开工/在建/已完工/已结算，按原样保留"),
            ));
        }
        let read_amount = budget.as_ref().map(|(b, _)| *b).or_else(|| {
            splits
                .as_ref()
                .ok()
                .filter(|v| !v.is_empty())
                .map(|v| v.iter().map(|(_, d, _)| *d).sum())
        });
        let read_name = name.clone().or_else(|| table.text(row, Field::ProjectName));
        let mut exclude = |problems: &Vec<Problem>, id: Option<String>| {
            excluded_rows.push(excluded_row(
                problems,
                mark,
                RecordKind::Project,
                row_ref.clone(),
                id,
                read_name.clone(),
                read_amount,
            ))
        };
        let Some(id) = id else {
            exclude(problems, table.text(row, key));
            continue;
        };
        if let Some(first) = seen.get(&id) {
            let (_, cell) = table.cell(row, key).expect("located");
            problems.push(Problem::at(
                crate::model::Finding::DuplicateId,
                &cell,
                format!(
                    "{cell}：{}“{id}”与 {first} 重复，该行未计入合计（拨付计入第一次出现的项目）",
                    table.column_header(key)
                ),
            ));
            exclude(problems, Some(id));
            continue;
        }
        seen.insert(id.clone(), row_ref.clone());
        let (Some(name), Some(category), Some(fund_source), Some((budget, budget_cell))) =
            (name, category, fund_source, budget)
        else {
            exclude(problems, Some(id.clone()));
            excluded.insert(id, row_ref);
            continue;
        };
        let group = table.text(row, Field::Group).or_else(|| sec_town.clone());
        budget_check.add(budget, group.clone());
        if let Some((s, _)) = &settled {
            settled_check.add(*s, group);
        }
        let budget_by_fund = match &splits {
            Ok(v) if v.iter().filter(|(_, d, _)| !d.is_zero()).count() > 1 => v
                .iter()
                .filter(|(_, d, _)| !d.is_zero())
                .map(|(f, d, _)| (f.clone(), *d))
                .collect(),
            _ => vec![(fund_source.clone(), budget)],
        };
        if let Some((v, cell)) = table.cell(row, Field::RateCheck)
            && let Some(rate) = rate_value(v)
        {
            ledger_rates.push((id.clone(), rate, cell));
        }
        let cumulative_paid = paid_rows.read(
            table,
            row,
            &id,
            &fund_source,
            &mut notes,
            &mut new_payments,
            problems,
        );
        ledger.projects.push(Project {
            id,
            name,
            category,
            fund_source,
            budget,
            budget_by_fund,
            fund_level,
            cumulative_paid,
            settled: settled.as_ref().map(|(s, _)| *s),
            settled_cell: settled
                .map(|(_, c)| c)
                .or_else(|| table.cell(row, Field::Settled).map(|(_, c)| c)),
            status,
            location: table.text(row, Field::Location),
            implementer: table.text(row, Field::Implementer),
            start_date,
            end_date,
            deviation_reason: table.text(row, Field::DeviationReason),
            annual_target: table.text(row, Field::AnnualTarget),
            actual_result: table.text(row, Field::ActualResult),
            row: row_ref,
            budget_cell,
        });
    }
    if let Some(&(first, _)) = continued.first() {
        let key_col = table.columns.get(&key).map(|c| c.col).unwrap_or(0);
        let shown: Vec<String> = continued
            .iter()
            .take(8)
            .map(|(a, b)| {
                format!(
                    "{}–{}",
                    CellRef::at(&table.name, *a, key_col),
                    CellRef::at(&table.name, *b, key_col).a1()
                )
            })
            .collect();
        let message = format!(
            "{}：{} 个项目各占几行（{}合并在这几行上），每行一种资金：按一个项目读，预算为各行之和、按各行的资金性质分列",
            shown.join("、"),
            continued.len(),
            table.column_header(key)
        );
        reading.rules.push(message.clone());
        ledger.problems.push(Problem::at(
            Finding::ProjectOverRows,
            &CellRef::at(&table.name, first, key_col),
            message,
        ));
    }
    ledger.excluded.append(&mut excluded_rows);
    ledger.payments.append(&mut new_payments);
    ledger.rate_cells.append(&mut ledger_rates);
    let paid_rules = paid_rows.finish(&table.sheet.name, &mut ledger.problems, &mut reading.checks);
    skipped.flush(&table.sheet.name, &mut ledger.problems, &mut reading);
    if default_fund_used && let Some((f, from)) = &default_fund {
        ledger.problems.push(Problem::on(
            crate::model::Finding::StandIn,
            &table.sheet.name,
            format!(
                "工作表“{}”没有填写资金性质的项目，{from}，按“{f}”计",
                table.sheet.name
            ),
        ));
    }
    budget_check.finish("预算金额", &mut ledger.problems, &mut reading.checks);
    settled_check.finish("结算金额", &mut ledger.problems, &mut reading.checks);
    if let Some((s, n)) = section.take() {
        section_counts.push((s, n));
    }
    // A section label's count (（4个）) is a check on the rows read under it.
    for (s, n) in section_counts {
        if let Some(want) = s.count {
            reading.checks.push(crate::model::reading::Check {
                kind: "项目个数".to_string(),
                cell: s.at.to_string(),
                ledger: want.to_string(),
                computed: n.to_string(),
                agrees: want == n,
            });
            if want != n {
                ledger.problems.push(Problem::at(
                    Finding::SectionCountDisagrees,
                    &s.at,
                    format!(
                        "{}：分类标题“{}”写明 {want} 个项目，其下读出 {n} 行项目；可能有行读错或漏读，请核对",
                        s.at, s.label
                    ),
                ));
            }
        }
    }
    notes.flush(&mut ledger.problems);
    reading.rules.extend(paid_rules);
    table.flush_date_forms(&mut ledger.problems, &mut reading.rules);
    ledger.reading.push(reading);
    excluded
}
