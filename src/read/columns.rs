//! Which column is which field, from each column's full header path
//! (parent + child). Every column makes a claim — a field (by the mapping,
//! by its exact name, or by meaning), a budget part (a fund- or level-named
//! column), a month, a month's running total — and the claims are settled
//! in one place: two columns claiming one figure at the same strength is an
//! error naming both, never a silent choice.

use super::layout::{self, ColumnSpec, Field, SheetRole, SheetSpec};
use super::mapping::Mapping;
use super::table::{Column, FieldMap, FundSplit, HeaderCell, MonthColumn};

/// How strongly a column claims a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    Meaning,
    Exact,
    Mapped,
}

enum Claim {
    Field(&'static ColumnSpec, Strength),
    Split(&'static str, Option<&'static str>),
    Month(Option<i32>, u32),
    /// A month's 累计 beside its 本月 (a running total, kept as a check).
    MonthCum(u32),
    Unknown,
}

pub(crate) struct Matched {
    pub columns: FieldMap,
    pub splits: Vec<FundSplit>,
    pub months: Vec<MonthColumn>,
    pub month_cums: Vec<MonthColumn>,
    /// Header texts nothing took (shown when a required column is missing).
    pub unknown: Vec<String>,
    /// Every header column with its path and what it became, for 读取说明.
    pub paths: Vec<(u32, String, Option<String>)>,
    /// Two or more columns claiming one figure: the message naming them.
    pub conflicts: Vec<String>,
    /// Choices made by a stated rule (said in 读取说明).
    pub decisions: Vec<String>,
}

impl Matched {
    pub fn count(&self) -> usize {
        self.columns.len() + self.splits.len() + self.months.len()
    }
    /// Units from a units row under the header, for the amount columns
    /// whose header states none. False when no unit stands over an amount
    /// column (the row is then not a units row).
    pub fn take_units(&mut self, units: &[(u32, layout::MoneyUnit)]) -> bool {
        let mut any = false;
        let fields: Vec<Field> = self.columns.iter().map(|c| c.spec.field).collect();
        for f in fields {
            let Some(mut c) = self.columns.remove(&f) else {
                continue;
            };
            if c.spec.kind == layout::Kind::Money
                && let Some((_, u)) = units.iter().find(|(col, _)| *col == c.col)
            {
                c.unit = c.unit.or(Some(*u));
                any = true;
            }
            self.columns.insert(f, c);
        }
        for s in &mut self.splits {
            if let Some((_, u)) = units.iter().find(|(col, _)| *col == s.col) {
                s.unit = s.unit.or(Some(*u));
                any = true;
            }
        }
        for mc in self.months.iter_mut().chain(self.month_cums.iter_mut()) {
            if let Some((_, u)) = units.iter().find(|(col, _)| *col == mc.col) {
                mc.unit = mc.unit.or(Some(*u));
                any = true;
            }
        }
        // The units row is the foot of each column's header path (读取说明
        // shows "预算金额/元"; a column no rule took, such as a payment pair's
        // amount, finds its unit there).
        for (col, path, field) in &mut self.paths {
            if let Some((_, u)) = units.iter().find(|(c, _)| c == col) {
                path.push('/');
                path.push_str(u.name());
                any |= field.is_none() && layout::payment_pair_part(path).is_some();
            }
        }
        any
    }
    pub fn empty() -> Matched {
        Matched {
            columns: FieldMap::default(),
            splits: Vec::new(),
            months: Vec::new(),
            month_cums: Vec::new(),
            unknown: Vec::new(),
            paths: Vec::new(),
            conflicts: Vec::new(),
            decisions: Vec::new(),
        }
    }
}

/// Words every conflict message has (a sheet with a conflict is still the
/// table it looks like: it is found, then refused with the message).
pub(crate) const CONFLICT: &str = "都可作为";

/// Fields whose column carries a figure or a record's key: two candidates
/// for one of these are never settled by position.
const FIGURE_FIELDS: &[Field] = &[
    Field::ProjectId,
    Field::Budget,
    Field::Settled,
    Field::CumulativePaid,
    Field::PaymentAmount,
    Field::PaymentDate,
];

fn mapped(spec: &ColumnSpec, role: SheetRole, mapping: &Mapping) -> Option<String> {
    mapping.column_alias(role, spec.header)
}

/// The JSON name of a field (as in the project and payment JSON).
pub fn field_json_name(f: Field) -> &'static str {
    match f {
        Field::ProjectId => "id",
        Field::ProjectName => "name",
        Field::Category => "category",
        Field::FundSource => "fund_source",
        Field::Budget => "budget",
        Field::Settled => "settled",
        Field::Status => "status",
        Field::Location => "location",
        Field::Implementer => "implementer",
        Field::StartDate => "start_date",
        Field::EndDate => "end_date",
        Field::DeviationReason => "deviation_reason",
        Field::AnnualTarget => "annual_target",
        Field::ActualResult => "actual_result",
        Field::PaymentDate => "date",
        Field::PaymentAmount => "amount",
        Field::Voucher => "voucher",
        Field::Memo => "memo",
        Field::Level1 => "level1",
        Field::Level2 => "level2",
        Field::Level3 => "name",
        Field::TargetValue => "target",
        Field::ActualValue => "actual",
        Field::Weight => "weight",
        Field::HandScore => "hand_score",
        Field::CumulativePaid => "paid",
        Field::Group => "group",
        Field::RateCheck => "check:执行率",
    }
}

/// A header cell's texts normalised once: its candidates' keys (in order)
/// and its own text's.
struct Keys {
    candidates: Vec<String>,
    own: String,
}

impl Keys {
    fn of(h: &HeaderCell) -> Keys {
        let candidates: Vec<String> = h
            .candidates
            .iter()
            .map(|t| layout::normalize_header(t).0)
            .collect();
        // The first candidate is the cell's own text (header_cells).
        let own = match h.candidates.first() {
            Some(first) if *first == h.own => candidates[0].clone(),
            _ => layout::normalize_header(&h.own).0,
        };
        Keys { candidates, own }
    }
}

fn claim_of(
    h: &HeaderCell,
    keys: &Keys,
    spec: &'static SheetSpec,
    mapping: &Mapping,
    present: &std::collections::HashSet<String>,
    bare_months: bool,
) -> Claim {
    let role = spec.role;
    // A field the mapping names is found by its built-in names only when
    // the mapped column is not in the header: a mapping line naming a
    // column the sheet lacks never switches off the automatic reading.
    let unmapped = |c: &ColumnSpec| mapped(c, role, mapping).is_none_or(|a| !present.contains(&a));
    let own = keys.own.clone();
    let parent = h.parent.as_deref().map(|p| layout::normalize_header(p).0);
    // A mapped name wins over everything.
    for key in &keys.candidates {
        if let Some(c) = spec
            .readable()
            .find(|c| mapped(c, role, mapping).is_some_and(|a| a == *key))
        {
            return Claim::Field(c, Strength::Mapped);
        }
    }
    if role == SheetRole::Projects {
        // A month parent over 本月 / 累计 children.
        if let Some((year, month)) = parent.as_deref().and_then(layout::month_header) {
            if layout::MONTH_OWN_WORDS.iter().any(|w| own.starts_with(w)) {
                return Claim::Month(year, month);
            }
            if layout::MONTH_CUM_WORDS.iter().any(|w| own.starts_with(w)) {
                return Claim::MonthCum(month);
            }
        }
        // A fund- or level-named column is a part of the budget, whatever its
        // parent is called (unless the parent is a paid or settled amount).
        if let Some((fund, level)) = layout::split_of(&own, parent.as_deref()) {
            return Claim::Split(fund, level);
        }
    }
    for key in &keys.candidates {
        if key.is_empty() {
            continue;
        }
        if let Some(c) = spec
            .readable()
            .find(|c| unmapped(c) && layout::header_matches(c, key))
        {
            return Claim::Field(c, Strength::Exact);
        }
    }
    // A month's payment named as such (3月拨付, 3月份拨付金额), or a month
    // under a parent, or a run of bare months (1月 … 12月) in the header.
    if role == SheetRole::Projects
        && let Some((year, month)) = layout::month_pay_header(&own)
    {
        return Claim::Month(year, month);
    }
    if role == SheetRole::Projects
        && (parent.is_some() || bare_months)
        && let Some((year, month)) = layout::month_header(&own)
    {
        return Claim::Month(year, month);
    }
    let by_meaning = layout::field_by_meaning(role, &own).or_else(|| {
        parent
            .as_deref()
            .and_then(|p| layout::field_by_meaning(role, p))
            .filter(|_| layout::PARENT_ONLY.contains(&own.as_str()))
    });
    if let Some(f) = by_meaning
        && let Some(c) = spec.readable().find(|c| c.field == f)
        && unmapped(c)
    {
        return Claim::Field(c, Strength::Meaning);
    }
    Claim::Unknown
}

/// The header path as 读取说明 shows it: "资金规模/小计".
fn path_of(h: &HeaderCell) -> String {
    let clean = |s: &str| s.replace(['\n', '\r'], "");
    let mut parts: Vec<String> = h
        .ancestors
        .iter()
        .filter(|a| **a != h.own)
        .map(|a| clean(a))
        .collect();
    parts.push(clean(&h.own));
    parts.join("/")
}

pub(crate) fn match_headers(
    cells: Vec<HeaderCell>,
    spec: &'static SheetSpec,
    mapping: &Mapping,
) -> Matched {
    let mut m = Matched::empty();
    let keys: Vec<Keys> = cells.iter().map(Keys::of).collect();
    let present: std::collections::HashSet<String> = keys
        .iter()
        .flat_map(|k| k.candidates.iter().cloned())
        .collect();
    // Bare month headers (1月 … 12月 with no parent) are months only as a run.
    let bare_months = spec.role == SheetRole::Projects
        && cells
            .iter()
            .zip(&keys)
            .filter(|(h, k)| h.parent.is_none() && layout::month_header(&k.own).is_some())
            .count()
            >= layout::BARE_MONTHS_MIN;
    let mut claims: Vec<Claim> = cells
        .iter()
        .zip(&keys)
        .map(|(h, k)| claim_of(h, k, spec, mapping, &present, bare_months))
        .collect();
    // A 合计 / 小计 child beside budget parts is the budget's total,
    // whatever the parent is called (资金来源, 资金规模, 计划投资 …).
    for i in 0..cells.len() {
        let own = &keys[i].own;
        let Some(parent) = &cells[i].parent else {
            continue;
        };
        if !layout::PARENT_ONLY.contains(&own.as_str()) {
            continue;
        }
        // Its siblings, and their children (资金来源 over 合计 | 财政衔接资金
        // over 中央 … | 整合资金).
        let in_group = |j: usize| {
            cells[j].parent.as_ref() == Some(parent) || cells[j].ancestors.contains(parent)
        };
        let mut j = i;
        let mut group = vec![i];
        while j > 0 && in_group(j - 1) && cells[j - 1].col + 1 == cells[j].col {
            j -= 1;
            group.push(j);
        }
        let mut j = i;
        while j + 1 < cells.len() && in_group(j + 1) && cells[j].col + 1 == cells[j + 1].col {
            j += 1;
            group.push(j);
        }
        if group.iter().any(|&k| matches!(claims[k], Claim::Split(..)))
            && !matches!(claims[i], Claim::Field(_, Strength::Mapped))
            && let Some(c) = spec.readable().find(|c| c.field == Field::Budget)
        {
            claims[i] = Claim::Field(c, Strength::Exact);
        }
    }
    // Settle field claims: the strongest; ties on a figure are conflicts.
    let mut by_field: Vec<(Field, Vec<(usize, Strength)>)> = Vec::new();
    for (i, c) in claims.iter().enumerate() {
        if let Claim::Field(spec_c, s) = c {
            match by_field.iter_mut().find(|(f, _)| *f == spec_c.field) {
                Some((_, v)) => v.push((i, *s)),
                None => by_field.push((spec_c.field, vec![(i, *s)])),
            }
        }
    }
    let mut taken_as: Vec<Option<String>> = vec![None; cells.len()];
    for (field, v) in &by_field {
        let best = v.iter().map(|(_, s)| *s).max().expect("non-empty");
        let top: Vec<usize> = v
            .iter()
            .filter(|(_, s)| *s == best)
            .map(|(i, _)| *i)
            .collect();
        let others: Vec<usize> = v
            .iter()
            .filter(|(_, s)| *s != best)
            .map(|(i, _)| *i)
            .collect();
        let named = |is: &[usize]| {
            is.iter()
                .map(|&i| format!("{}“{}”", cells[i].at.a1(), path_of(&cells[i])))
                .collect::<Vec<_>>()
                .join("、")
        };
        let Claim::Field(c, _) = claims[top[0]] else {
            continue;
        };
        let header = layout::header_key(c);
        if top.len() > 1 && FIGURE_FIELDS.contains(field) {
            m.conflicts.push(format!(
                "有 {} 列{CONFLICT}“{header}”：{}；无法确定用哪一列（不会自行选择）。请删去或改名多余的列，或在映射文件中写 [columns.{}] {header} = \"（要用的列名）\"，用 --mapping 指定",
                top.len(),
                named(&top),
                spec.name
            ));
            // Kept so the header is still found; the conflict refuses the table.
        }
        if (top.len() > 1 && !FIGURE_FIELDS.contains(field))
            || (top.len() == 1 && !others.is_empty())
        {
            let rest: Vec<usize> = top[1..].iter().chain(others.iter()).copied().collect();
            let rule = if best > Strength::Meaning && top.len() == 1 {
                "列名与标准列名（或映射文件）相同的列优先"
            } else {
                "取最左边的一列"
            };
            m.decisions.push(format!(
                "“{header}”取 {}，另有 {} 也可作为此列（按规则：{rule}）",
                named(&top[..1]),
                named(&rest)
            ));
        }
        let h = &cells[top[0]];
        m.columns.insert(
            *field,
            Column {
                col: h.col,
                unit: h.unit,
                spec: c,
                header_cell: h.at.clone(),
            },
        );
        taken_as[top[0]] = Some(field_json_name(*field).to_string());
    }
    for (i, (h, claim)) in cells.iter().zip(&claims).enumerate() {
        let field = match claim {
            Claim::Field(..) => taken_as[i].clone(),
            Claim::Split(fund, level) => {
                m.splits.push(FundSplit {
                    col: h.col,
                    fund: fund.to_string(),
                    level: *level,
                    unit: h.unit,
                });
                Some(match level {
                    Some(l) => format!("budget:{fund}:{l}"),
                    None => format!("budget:{fund}"),
                })
            }
            Claim::Month(year, month) => {
                m.months.push(MonthColumn {
                    col: h.col,
                    year: *year,
                    month: *month,
                    unit: h.unit,
                });
                Some(format!("paid:{month}月"))
            }
            Claim::MonthCum(month) => {
                m.month_cums.push(MonthColumn {
                    col: h.col,
                    year: None,
                    month: *month,
                    unit: h.unit,
                });
                Some(format!("check:{month}月累计"))
            }
            Claim::Unknown => {
                m.unknown
                    .push(format!("“{}”（{}）", h.own.replace('\n', ""), h.at.a1()));
                None
            }
        };
        m.paths.push((h.col, path_of(h), field));
    }
    m
}
