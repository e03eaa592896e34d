//! The one pipeline every command shares: open the workbook, read the
//! ledger, settle the cut-off and unit once (with where each came from),
//! compute the report. Commands differ only in what they render.

use crate::compute::{Report, compute_report};
use crate::model::book::RawBook;
use crate::model::{Ledger, Problem};
use crate::read::{self, book, mapping::Mapping};
use chrono::NaiveDate;
use std::path::Path;

/// Everything one workbook yields; `monthly` and `consolidate` build on it.
pub struct Outcome {
    pub book: RawBook,
    pub ledger: Ledger,
    /// Its `problems` are the reader's and the computation's, errors first.
    pub report: Report,
}

/// Read and compute one workbook. `Err` is fatal for this file.
pub fn analyse(
    path: &Path,
    as_of: Option<NaiveDate>,
    unit: Option<&str>,
    mapping: &Mapping,
) -> Result<Outcome, String> {
    analyse_book(path, book::open_book(path)?, as_of, unit, mapping)
}

/// Read and compute an opened workbook: the one path `report`, `monthly`
/// and `consolidate` share.
pub fn analyse_book(
    path: &Path,
    book: RawBook,
    as_of: Option<NaiveDate>,
    unit: Option<&str>,
    mapping: &Mapping,
) -> Result<Outcome, String> {
    let mut ledger = read::read_ledger_with(&book, mapping)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let (settled, notes) = crate::settle::settle(
        as_of,
        unit,
        &ledger.info,
        &stem,
        chrono::Local::now().date_naive(),
    );
    ledger.problems.extend(notes);
    let (as_of, unit_name) = (settled.as_of, settled.unit_name.clone());
    let mut report = compute_report(&ledger, as_of, &unit_name);
    report.as_of_source = settled.as_of_source.label().to_string();
    // One list, errors first: the reader's, then the computation's.
    let mut problems = std::mem::take(&mut ledger.problems);
    problems.append(&mut report.problems);
    problems.sort_by_key(|p| p.severity);
    report.problems = problems;
    Ok(Outcome {
        book,
        ledger,
        report,
    })
}

impl Outcome {
    /// Score every project (its evaluation goes beside its figures) and add
    /// what every output must also say — the scoring's problems, ids Excel
    /// would round — to the report's one problem list, errors first. Returns
    /// the evaluations, in project order. (Texts over Excel's cell limit
    /// concern the annotated copy only: `with_copy_notes`.)
    pub fn score(
        &mut self,
        rules: &crate::compute::score::ScoringRules,
        libs: &[crate::model::library::Library],
    ) -> Vec<crate::compute::score::Evaluation> {
        let (evals, more) =
            crate::compute::evaluate::evaluate_all(&self.ledger, &self.report, rules, libs);
        let problems = &mut self.report.problems;
        problems.extend(more);
        problems.extend(long_ids(&self.ledger));
        problems.sort_by_key(|p| p.severity);
        self.report.set_evaluations(&evals);
        evals
    }
}

impl Outcome {
    /// The notes of the annotated workbook's copy of the input (texts cut
    /// at Excel's cell limit), for the outputs that carry that copy.
    pub fn with_copy_notes(&mut self) {
        let more = over_limit(&self.book);
        self.report.problems.extend(more);
        self.report.problems.sort_by_key(|p| p.severity);
    }
}

pub fn load_rules(path: Option<&Path>) -> Result<crate::compute::score::ScoringRules, String> {
    match path {
        Some(p) => {
            let text = crate::read::mapping::read_text(p, "评分规则")?;
            crate::compute::score::ScoringRules::from_toml(&text).map_err(|e| {
                crate::model::Finding::BadSettings
                    .fatal(format!("评分规则 {} 有误：{e}", p.display()))
            })
        }
        None => Ok(crate::compute::score::ScoringRules::default()),
    }
}

/// Input cells whose text is over Excel's limit of 32,767 characters: the
/// copy in the report keeps the first 32,767 (with a note), JSON the whole.
pub fn over_limit(book: &RawBook) -> Vec<Problem> {
    let mut out = Vec::new();
    for s in &book.sheets {
        for (row, col, v) in s.used_cells() {
            if let calamine::Data::String(t) = v
                && crate::write::xlsx::too_long(t)
            {
                let at = crate::model::CellRef::new(&s.name, row, col);
                out.push(Problem::at(
                    crate::model::Finding::TextCut,
                    &at,
                    format!(
                        "{at}：文字有 {} 字，超过 Excel 单元格上限 {} 字；报告中只保留前 {} 字（批注中注明），JSON 中为全文",
                        t.chars().count(),
                        crate::write::xlsx::MAX_TEXT,
                        crate::write::xlsx::clip(t).0.chars().count()
                    ),
                ));
            }
        }
    }
    out
}

/// Numeric ids longer than Excel's 15 digits of precision.
pub fn long_ids(ledger: &Ledger) -> Vec<Problem> {
    ledger
        .projects
        .iter()
        .filter(|p| p.id.len() > 15 && p.id.chars().all(|c| c.is_ascii_digit()))
        .map(|p| {
            Problem::at(
                crate::model::Finding::LongDigitId,
                &p.row,
                format!(
                    "{}!{}：项目编号“{}”是 {} 位数字，超过 Excel 数字的 15 位精度；请在台账中把该列设为文本，否则末几位会变成 0",
                    p.row.sheet,
                    p.row.a1(),
                    p.id,
                    p.id.len()
                ),
            )
        })
        .collect()
}
