//! What each row under a header is, by one classifier: its signals, in the
//! order they are tried, are the table `layout::ROW_SIGNALS`. Totals
//! without a label are told by what they sum — the rows above them or the
//! rows below — never by where they stand.

use super::cells::is_blank;
use super::layout::{self, Field, RowSignal};
use super::table::Table;
use super::totals::TotalKind;
use super::value;
use crate::model::CellRef;
use calamine::Data;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// What a row under the header is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowKind {
    Blank,
    Record,
    /// A 合计 / 小计 row, with the group it names.
    Total(TotalKind, Option<String>),
    /// A section label (一、产业发展类项目（4个）) setting the category — or
    /// fund, or 乡镇 — of the rows below; it may carry its section's sums.
    Section(Section),
    /// 注：…, 填表人：…, 公告期：… — a text-only line outside the amounts.
    Note,
    /// 其中：衔接资金 — a part of the total or subtotal above.
    Breakdown,
    /// The header again (printed ledgers repeat it on each page).
    HeaderAgain,
    /// A row the mapping file says to skip.
    Skipped,
    /// The template's example row (项目编号 示例-…).
    Example,
    /// Cells only outside the table's columns.
    Outside,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Section {
    /// The label as written.
    pub label: String,
    /// The label without numbering and count: 产业发展类项目.
    pub name: String,
    /// The project count it states (（4个）).
    pub count: Option<usize>,
    pub at: CellRef,
    /// It carries amounts (its section's sums).
    pub has_sums: bool,
}

/// Rows that are not records, gathered per table and said once.
#[derive(Default)]
pub(crate) struct SkippedRows {
    pub(crate) notes: Vec<CellRef>,
    pub(crate) parts: Vec<CellRef>,
    pub(crate) headers: Vec<CellRef>,
    pub(crate) mapped: Vec<CellRef>,
    pub(crate) examples: Vec<CellRef>,
    pub(crate) outside: Vec<CellRef>,
}

impl SkippedRows {
    pub(crate) fn note(&mut self, table: &Table, row: u32, kind: &RowKind) -> bool {
        let at = CellRef::at(
            &table.name,
            row,
            table.sheet.row_cells(row).first().map(|c| c.0).unwrap_or(0),
        );
        match kind {
            RowKind::Note => self.notes.push(at),
            RowKind::Breakdown => self.parts.push(at),
            RowKind::HeaderAgain => self.headers.push(at),
            RowKind::Skipped => self.mapped.push(at),
            RowKind::Example => self.examples.push(at),
            RowKind::Outside => self.outside.push(at),
            _ => return false,
        }
        true
    }
    pub(crate) fn flush(
        self,
        sheet: &str,
        problems: &mut Vec<crate::model::Problem>,
        reading: &mut crate::model::reading::SheetReading,
    ) {
        let _ = sheet;
        let list = |v: &[CellRef]| {
            let shown: Vec<String> = v.iter().take(8).map(|c| c.to_string()).collect();
            let more = if v.len() > 8 {
                format!(" 等 {} 行", v.len())
            } else {
                String::new()
            };
            format!("{}{more}", shown.join("、"))
        };
        let say = |v: &[CellRef], what: &str, problems: &mut Vec<crate::model::Problem>| {
            if let Some(first) = v.first() {
                problems.push(crate::model::Problem::at(
                    crate::model::Finding::RowsNotRead,
                    first,
                    format!("{}：{what}", list(v)),
                ));
            }
        };
        say(
            &self.notes,
            "是注释或落款行（注、说明、公告期、监督电话、填表人等只有文字、没有金额的行），不是项目，未读取，已原样保留在报告中",
            problems,
        );
        say(
            &self.parts,
            "是合计或小计下的“其中”行（上面合计的一部分），不是项目，未读取",
            problems,
        );
        say(&self.headers, "重复的表头行，已跳过", problems);
        say(
            &self.mapped,
            "映射文件 [skip_rows] 指定跳过的行，未读取",
            problems,
        );
        say(
            &self.examples,
            "示例行（项目编号以“示例-”开头）未计入，请删除",
            problems,
        );
        reading
            .notes
            .extend(self.notes.iter().map(|c| c.to_string()));
        reading.skipped.extend(
            self.parts
                .iter()
                .chain(&self.headers)
                .chain(&self.mapped)
                .chain(&self.examples)
                .chain(&self.outside)
                .map(|c| c.to_string()),
        );
    }
}

/// Unlabelled total rows, found by what they sum.
#[derive(Default)]
pub(crate) struct TotalPlan {
    rows: HashMap<u32, TotalKind>,
}

impl Table<'_> {
    /// Columns holding amounts (budget, its parts, settled, paid, months).
    fn is_amount_col(&self, col: u32) -> bool {
        self.columns
            .iter()
            .any(|c| c.col == col && c.spec.kind == super::layout::Kind::Money)
            || self.fund_splits.iter().any(|s| s.col == col)
            || self.month_columns.iter().any(|m| m.col == col)
            || self.month_cums.iter().any(|m| m.col == col)
    }

    /// What a row below the header is, by the signals of `ROW_SIGNALS` in order.
    pub(crate) fn classify(&self, row: u32, skip: &[u32]) -> RowKind {
        let cells = self.sheet.row_cells(row);
        for signal in layout::ROW_SIGNALS {
            let kind = match signal.signal {
                RowSignal::Blank => cells
                    .iter()
                    .all(|(_, v)| is_blank(v))
                    .then_some(RowKind::Blank),
                RowSignal::MappedSkip => skip.contains(&row).then_some(RowKind::Skipped),
                RowSignal::Outside => {
                    let (lo, hi) = self.span();
                    (!cells
                        .iter()
                        .any(|(c, v)| (lo..=hi).contains(c) && !is_blank(v)))
                    .then_some(RowKind::Outside)
                }
                RowSignal::TotalLabel => self.total_row_kind(row).map(|(kind, label)| {
                    let group = self.text(row, Field::Group).or_else(|| {
                        let g = label.trim_end_matches("小计").trim_end_matches("合计");
                        (!g.is_empty()).then(|| g.to_string())
                    });
                    RowKind::Total(kind, group)
                }),
                RowSignal::Breakdown => self.is_breakdown_row(row).then_some(RowKind::Breakdown),
                RowSignal::Section => self.section_row(row).map(RowKind::Section),
                RowSignal::NoteOrFooter => self.is_note_row(row).then_some(RowKind::Note),
                RowSignal::HeaderAgain => self.is_header_again(row).then_some(RowKind::HeaderAgain),
                RowSignal::Example => {
                    let key = if self.has(Field::ProjectId) {
                        Field::ProjectId
                    } else {
                        Field::ProjectName
                    };
                    self.text(row, key)
                        .is_some_and(|t| t.starts_with(layout::EXAMPLE_ID_PREFIX))
                        .then_some(RowKind::Example)
                }
            };
            if let Some(k) = kind {
                return k;
            }
        }
        RowKind::Record
    }

    /// `classify`, with unlabelled totals from `plan`; `None` for rows that
    /// are neither records, totals nor sections (noted in `skipped`).
    pub(crate) fn row_kind(
        &self,
        row: u32,
        skip: &[u32],
        skipped: &mut SkippedRows,
        plan: &TotalPlan,
    ) -> Option<RowKind> {
        let kind = self.classify(row, skip);
        if skipped.note(self, row, &kind) || kind == RowKind::Blank {
            return None;
        }
        if kind == RowKind::Record
            && let Some(k) = plan.rows.get(&row)
        {
            return Some(RowKind::Total(*k, None));
        }
        Some(kind)
    }

    /// Rows with an amount but no key and no label: a total when the amount
    /// is the sum of every record, a subtotal when it is the sum of the
    /// records above it or below it (up to the next total or section). Any
    /// other such row stays a record (and is an error for its missing key).
    pub(crate) fn plan_totals(
        &self,
        skip: &[u32],
        amount: &dyn Fn(u32) -> Option<Decimal>,
        keys: &[Field],
    ) -> TotalPlan {
        let keyless = |row: u32| keys.iter().all(|f| !self.has_value(row, *f));
        // Cheap first look: most ledgers have no such row at all.
        if !self.data_rows().any(|r| keyless(r) && amount(r).is_some()) {
            return TotalPlan::default();
        }
        enum Item {
            Rec(Decimal),
            Cand(u32, Decimal),
            Break,
        }
        let mut items = Vec::new();
        for row in self.data_rows() {
            match self.classify(row, skip) {
                RowKind::Record => {
                    let v = amount(row);
                    match (keyless(row), v) {
                        (true, Some(v)) => items.push(Item::Cand(row, v)),
                        (_, v) => items.push(Item::Rec(v.unwrap_or_default())),
                    }
                }
                RowKind::Total(..) | RowKind::Section(_) => items.push(Item::Break),
                _ => {}
            }
        }
        let grand: Decimal = items
            .iter()
            .map(|i| {
                if let Item::Rec(v) = i {
                    *v
                } else {
                    Decimal::ZERO
                }
            })
            .sum();
        let any_rec = items.iter().any(|i| matches!(i, Item::Rec(_)));
        let sum_recs = |from: usize, to: usize| -> (Decimal, usize) {
            items[from..to]
                .iter()
                .fold((Decimal::ZERO, 0), |(s, n), i| match i {
                    Item::Rec(v) => (s + v, n + 1),
                    _ => (s, n),
                })
        };
        let mut plan = TotalPlan::default();
        for (i, item) in items.iter().enumerate() {
            let Item::Cand(row, v) = item else {
                continue;
            };
            if !any_rec {
                break;
            }
            let prev = items[..i]
                .iter()
                .rposition(|x| !matches!(x, Item::Rec(_)))
                .map(|p| p + 1)
                .unwrap_or(0);
            let next = items[i + 1..]
                .iter()
                .position(|x| !matches!(x, Item::Rec(_)))
                .map(|p| p + i + 1)
                .unwrap_or(items.len());
            let (above, na) = sum_recs(prev, i);
            let (below, nb) = sum_recs(i + 1, next);
            // A total typed rounded (to the places its cell holds, 万元 to at
            // least 2) is still the sum: the same rule the checks use.
            let is = |sum: Decimal| super::totals::agrees(*v, sum, v.scale().max(2));
            if is(grand) {
                plan.rows.insert(*row, TotalKind::Total);
            } else if (na > 0 && is(above)) || (nb > 0 && is(below)) {
                plan.rows.insert(*row, TotalKind::Subtotal);
            }
        }
        plan
    }

    /// A 合计 / 小计 row: the label in one of the first cells, or in the
    /// id or name column wherever that stands.
    pub(crate) fn total_row_kind(&self, row: u32) -> Option<(TotalKind, String)> {
        let first = self.sheet.first_col();
        let label = |v: &Data| match v {
            // Labels are short; don't allocate for every text cell of every row.
            // Every total label (合计/小计/总计) has 计 in it.
            Data::String(s) if s.len() <= 48 && s.contains('计') => {
                let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
                let t = t.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '、');
                layout::total_label(t).map(|(kind, label)| {
                    (
                        match kind {
                            layout::TotalLabel::Subtotal => TotalKind::Subtotal,
                            layout::TotalLabel::Total => TotalKind::Total,
                            layout::TotalLabel::Running => TotalKind::Running,
                        },
                        label,
                    )
                })
            }
            _ => None,
        };
        self.sheet
            .row_cells(row)
            .iter()
            .take_while(|(c, _)| *c < first + 4)
            .find_map(|(_, v)| label(v))
            .or_else(|| {
                self.label_columns()
                    .filter(|c| *c >= first + 4)
                    .find_map(|c| label(self.sheet.cell(row, c)))
            })
    }

    /// Columns where a row's label stands wherever they are: the id, the
    /// name, and a 序号 column.
    fn label_columns(&self) -> impl Iterator<Item = u32> + '_ {
        [Field::ProjectId, Field::ProjectName]
            .into_iter()
            .filter_map(|f| self.columns.get(&f).map(|c| c.col))
            .chain(
                self.header_keys
                    .iter()
                    .filter(|(_, k)| layout::SEQ_HEADERS.contains(&k.as_str()))
                    .map(|(c, _)| *c),
            )
    }

    /// A 其中 row: its label (其中：衔接资金) in one of the first cells, or
    /// in the id or name column.
    fn is_breakdown_row(&self, row: u32) -> bool {
        let first = self.sheet.first_col();
        let part = |v: &Data| match v {
            Data::String(s) => {
                let t = s.trim_start();
                layout::BREAKDOWN_PREFIXES.iter().any(|p| t.starts_with(p))
            }
            _ => false,
        };
        self.sheet
            .row_cells(row)
            .iter()
            .take_while(|(c, _)| *c < first + 4)
            .any(|(_, v)| part(v))
            || self.label_columns().any(|c| part(self.sheet.cell(row, c)))
    }

    /// A section row: one text, a section label, and otherwise only amounts;
    /// the section's number may stand in a cell of its own (一 | 产业发展类项目).
    fn section_row(&self, row: u32) -> Option<Section> {
        let cells = self.sheet.row_cells(row);
        let mut label: Option<(u32, String)> = None;
        let mut number: Option<String> = None;
        let mut has_sums = false;
        for (c, v) in cells {
            match v {
                Data::String(s) if !s.trim().is_empty() => {
                    // Sums may be numbers kept as text.
                    if value::parse_amount_text(s).is_ok() {
                        has_sums |= self.is_amount_col(*c);
                        continue;
                    }
                    if number.is_none() && layout::section_number(s) {
                        number = Some(s.trim().trim_end_matches(['、', '.', '．']).to_string());
                        continue;
                    }
                    if label.is_some() {
                        return None;
                    }
                    label = Some((*c, s.clone()));
                }
                // Sums (and counts) beside the label.
                Data::Float(_) | Data::Int(_) => has_sums |= self.is_amount_col(*c),
                v if is_blank(v) => {}
                _ => return None,
            }
        }
        let (col, text) = label?;
        let text = match number {
            Some(n) if n.ends_with([')', '）']) => format!("{n}{}", text.trim()),
            Some(n) => format!("{n}、{}", text.trim()),
            None => text,
        };
        let (name, count) = layout::section_label(&text)?;
        Some(Section {
            label: text.trim().to_string(),
            name,
            count,
            at: CellRef::at(&self.name, row, col),
            has_sums,
        })
    }

    /// A note or footer: only texts, no amount among them, and each a note
    /// (注：…, 填表人：…), a `key：value` line or a sentence.
    fn is_note_row(&self, row: u32) -> bool {
        let cells = self.sheet.row_cells(row);
        // Cheap first: a row with any number or date is no note.
        if cells
            .iter()
            .any(|(_, v)| !matches!(v, Data::String(_)) && !is_blank(v))
        {
            return false;
        }
        let mut any = false;
        for (c, v) in cells {
            let Data::String(s) = v else {
                if is_blank(v) {
                    continue;
                }
                return false;
            };
            let t = s.trim();
            if t.is_empty() {
                continue;
            }
            // No amount: a number kept as text in an amount column is one.
            if self.is_amount_col(*c) && value::parse_amount_text(t).is_ok() {
                return false;
            }
            if !layout::is_note_like(t) {
                return false;
            }
            any = true;
        }
        any
    }
}
