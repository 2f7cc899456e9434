//! Every figure traceable (issue 24, item 3): the records one cell of the overview counts,
//! read from the store a chunk at a time (only the cell's records are kept).

use spor_core::Register;
use spor_stats::Columns;
use spor_stats::defs::Population;
use spor_store::web::{Record, RecordKind};
use spor_store::{RecordChunk, Store};

/// Why a cell's records cannot be listed.
#[derive(Debug, thiserror::Error)]
pub enum TraceFailure {
    /// The cell itself (table, row, column) does not name counted records.
    #[error(transparent)]
    Cell(#[from] spor_stats::TraceError),
    /// The register changed between the figures and the reading of the records.
    #[error("the register changed while its records were read: show the figure again and retry")]
    Changed,
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// The records counted in the cell of the overview of `year` named by `table`, `row` (keys
/// from the top level down; none: the total) and `column`, from `register` and `columns`
/// (the statistics' view of the store as of `register.last_change`). In reference order.
pub async fn cell_records(
    store: &dyn Store,
    register: &Register,
    columns: &Columns,
    year: i32,
    table: &str,
    row: &[&str],
    column: &str,
) -> Result<(Population, Vec<Record>), TraceFailure> {
    let (population, positions) = spor_stats::trace(register, columns, year, table, row, column)?;
    let wanted = match population {
        Population::Victims => RecordKind::Identification,
        Population::AssessedPersons => RecordKind::Assessment,
        Population::HotlineCalls => RecordKind::HotlineCall,
    };
    let mut picker = Picker::new(wanted, &positions);
    if let Some(cache) = store.statistics_cache() {
        let state = cache
            .scan_records(&mut |chunk| picker.take(chunk))
            .await
            .map_err(anyhow::Error::from)?;
        if state.last_change != register.last_change {
            return Err(TraceFailure::Changed);
        }
        if picker.in_order {
            return Ok((population, picker.out));
        }
    }
    // A store that hands its records out of reference order (or all at once): sorted here.
    let mut all = store.load_register().await.map_err(anyhow::Error::from)?;
    if all.last_change != register.last_change {
        return Err(TraceFailure::Changed);
    }
    all.identifications
        .sort_by(|a, b| a.case_ref.cmp(&b.case_ref));
    all.assessments
        .sort_by(|a, b| a.assessment_ref.cmp(&b.assessment_ref));
    all.hotline_calls
        .sort_by(|a, b| a.call_ref.cmp(&b.call_ref));
    let mut picker = Picker::new(wanted, &positions);
    picker.take(RecordChunk::Identifications(all.identifications));
    picker.take(RecordChunk::Assessments(all.assessments));
    picker.take(RecordChunk::HotlineCalls(all.hotline_calls));
    Ok((population, picker.out))
}

/// Keeps the records at `positions` (ascending) of the wanted kind as they stream past,
/// checking that they come in reference order.
struct Picker<'a> {
    wanted: RecordKind,
    positions: &'a [u32],
    next: usize,
    seen: u32,
    last: Option<String>,
    in_order: bool,
    out: Vec<Record>,
}

impl<'a> Picker<'a> {
    fn new(wanted: RecordKind, positions: &'a [u32]) -> Picker<'a> {
        Picker {
            wanted,
            positions,
            next: 0,
            seen: 0,
            last: None,
            in_order: true,
            out: Vec::with_capacity(positions.len()),
        }
    }

    fn take(&mut self, chunk: RecordChunk) {
        match chunk {
            RecordChunk::Identifications(rows) if self.wanted == RecordKind::Identification => {
                self.pick(rows, |d| d.case_ref.as_str(), Record::Identification)
            }
            RecordChunk::Assessments(rows) if self.wanted == RecordKind::Assessment => {
                self.pick(rows, |a| a.assessment_ref.as_str(), Record::Assessment)
            }
            RecordChunk::HotlineCalls(rows) if self.wanted == RecordKind::HotlineCall => {
                self.pick(rows, |c| c.call_ref.as_str(), Record::HotlineCall)
            }
            _ => {}
        }
    }

    fn pick<T>(&mut self, rows: Vec<T>, key: fn(&T) -> &str, wrap: fn(T) -> Record) {
        let after_last = match (rows.first(), &self.last) {
            (Some(first), Some(last)) => key(first) > last.as_str(),
            _ => true,
        };
        if !after_last || !rows.is_sorted_by(|a, b| key(a) < key(b)) {
            self.in_order = false;
        }
        if let Some(end) = rows.last() {
            self.last = Some(key(end).to_owned());
        }
        for r in rows {
            if self.positions.get(self.next) == Some(&self.seen) {
                self.out.push(wrap(r));
                self.next += 1;
            }
            self.seen += 1;
        }
    }
}
