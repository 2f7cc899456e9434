//! The annual overview's statistics: declarative table definitions ([`defs::TABLES`]) and
//! one engine that evaluates them over a [`Register`], following the counting rules of
//! `shared/spec/annual-report.md`.
//!
//! ```text
//! let report = spor_stats::evaluate(&register, 2023)?;   // pure, no I/O
//! ```

pub mod collate;
mod columns;
pub mod dashboard;
pub mod defs;
pub mod describe;
mod engine;
pub mod exchange;
mod facts;
mod fxhash;
pub mod output;
mod units;

use std::collections::BTreeSet;

use indexmap::IndexMap;
use spor_core::{Mappings, Register, Series};

pub use collate::{danish_cmp, danish_key};
pub use columns::{Columns, ColumnsBuilder};
pub use dashboard::{Dashboard, evaluate_dashboard};
pub use defs::{Presentation, TABLES, TableDef};
pub use engine::{MONTHS_DA, TraceError};
pub use exchange::{EXCHANGES, ExchangeDef, ExchangeReport, evaluate_exchange};
pub use facts::{change_pct, pct};
pub use output::{
    Age, FactError, Facts, NationalityCount, REVISED_MARK, Report, Revision, Row, Table, TopEntry,
};

/// Why an overview cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatsError {
    #[error("the register is empty: import data before asking for the overview of {year}")]
    EmptyRegister { year: i32 },
    #[error(
        "the register has no data for {year}; it has data for {} (choose one of those years)",
        year_ranges(.years_with_data)
    )]
    NoData {
        year: i32,
        years_with_data: Vec<i32>,
    },
}

/// `2007–2010, 2013, 2015–2023`.
fn year_ranges(years: &[i32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < years.len() {
        let mut j = i;
        while j + 1 < years.len() && years[j + 1] == years[j] + 1 {
            j += 1;
        }
        out.push(if j == i {
            years[i].to_string()
        } else {
            format!("{}–{}", years[i], years[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

/// The years in which the register has any record or history figure, ascending.
pub fn years_with_data(reg: &Register) -> Vec<i32> {
    use chrono::Datelike;
    let mut years: BTreeSet<i32> = BTreeSet::new();
    let mut last = None;
    for d in &reg.identifications {
        let y = d.decision_date.year();
        if last != Some(y) {
            years.insert(y);
            last = Some(y);
        }
    }
    for a in &reg.assessments {
        years.insert(a.interview_date.year());
    }
    for c in &reg.hotline_calls {
        years.insert(spor_core::copenhagen_year(&c.received_at));
    }
    for h in &reg.history {
        years.insert(h.year);
    }
    years.into_iter().collect()
}

/// The overview of `year`: every table of [`TABLES`] and the facts, from the register
/// alone. Pure: the same register gives the same report.
pub fn evaluate(reg: &Register, year: i32) -> Result<Report, StatsError> {
    evaluate_columns(reg, &Columns::of_register(reg), year)
}

/// [`evaluate`] with the records given as [`Columns`] (of the same register): the
/// register's own record lists are not read, only its history, settings and codes.
pub fn evaluate_columns(reg: &Register, cols: &Columns, year: i32) -> Result<Report, StatsError> {
    let (tables, facts) = evaluate_defs(
        reg,
        cols,
        year,
        TABLES,
        None,
        Mappings::builtin(),
        facts::facts,
    )?;
    Ok(Report {
        year,
        tables,
        facts,
        disclosure_note: None,
        revisions: Vec::new(),
    })
}

/// Whether the register has data for `year` (any decision, interview, call or history
/// row): the error an overview or exchange of that year gives when it has none.
pub fn check_year(reg: &Register, cols: &Columns, year: i32) -> Result<(), StatsError> {
    has_year(
        &units::Units::build(cols),
        &units::History::build(reg),
        year,
    )
}

fn has_year(
    units: &units::Units<'_>,
    history: &units::History,
    year: i32,
) -> Result<(), StatsError> {
    let mut years: BTreeSet<i32> = units.decision_years.iter().copied().collect();
    for p in [&units.assessed, &units.calls] {
        years.extend(p.years());
    }
    years.extend(history.years());
    if years.is_empty() {
        return Err(StatsError::EmptyRegister { year });
    }
    if !years.contains(&year) {
        return Err(StatsError::NoData {
            year,
            years_with_data: years.into_iter().collect(),
        });
    }
    Ok(())
}

/// Evaluates `defs` for `year` (counting only what is dated up to `until`, a month and
/// day, when given), then `derive` over the tables (the facts read off them).
pub(crate) fn evaluate_defs<D>(
    reg: &Register,
    cols: &Columns,
    year: i32,
    defs: &[TableDef],
    until: Option<(u8, u8)>,
    maps: &Mappings,
    derive: impl FnOnce(&IndexMap<String, Table>, &engine::Ctx<'_>) -> D,
) -> Result<(IndexMap<String, Table>, D), StatsError> {
    let units = units::Units::build(cols);
    let history = units::History::build(reg);
    has_year(&units, &history, year)?;

    let mut ctx = context(reg, year, units, history, maps);
    ctx.until = until;
    let tables: IndexMap<String, Table> = defs
        .iter()
        .zip(par_map(defs, |def| engine::evaluate_table(def, &ctx)))
        .map(|(def, table)| (def.id.to_string(), table))
        .collect();
    let derived = derive(&tables, &ctx);
    Ok((tables, derived))
}

/// One victim of a year as the counting sees them: a person with an `identified` decision
/// that year, with the attributes of the latest one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Victim {
    pub nationality: String,
    pub gender: spor_core::Gender,
    pub age: Option<u8>,
    pub form: Option<spor_core::Form>,
    /// The subtype of the form (forced labour's sector, forced criminality's kind).
    pub subtype: Option<String>,
    /// Who made the decision.
    pub authority: Option<spor_core::Authority>,
}

/// The victims of `year`, one per person (the units the overview's victim tables count).
pub fn victims(cols: &Columns, year: i32) -> Vec<Victim> {
    units::Units::build(cols)
        .victims
        .of_year(year)
        .iter()
        .map(|u| Victim {
            nationality: u.nationality.to_owned(),
            gender: u.gender,
            age: u.age,
            form: u.form,
            subtype: u.subtype.map(str::to_owned),
            authority: u.authority,
        })
        .collect()
}

/// `f` over `items` on up to [`workers`] threads, results in the order of `items`. Each
/// thread takes the next unclaimed item, so one long item does not hold up the rest.
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = workers().min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut all: Vec<(usize, R)> = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for h in helpers {
            // A panic in a helper is a panic here, as it would have been without threads.
            all.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        all
    });
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// Runs `a` and `b` at the same time (one of them on a second thread) when there are
/// cores for it.
pub(crate) fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if workers() <= 1 {
        return (a(), b());
    }
    std::thread::scope(|s| {
        let hb = s.spawn(b);
        let ra = a();
        let rb = hb.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (ra, rb)
    })
}

/// How many threads evaluation uses: the machine's cores, at most 8.
pub(crate) fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// The records counted in one cell of the overview of `year`: table `table_id`, the row
/// named by its keys from the top level down (none: the total row), the column by its key
/// (as [`Table::column_keys`] gives them). Each record as its position in reference order
/// among the records of the table's population ([`Population`]: decisions by `case_ref`,
/// interviews by `assessment_ref`, calls by `call_ref`), ascending; as many as the cell
/// counts.
pub fn trace(
    reg: &Register,
    cols: &Columns,
    year: i32,
    table_id: &str,
    row: &[&str],
    column: &str,
) -> Result<(defs::Population, Vec<u32>), TraceError> {
    let def = defs::table(table_id).ok_or_else(|| TraceError::UnknownTable(table_id.into()))?;
    let ctx = context(
        reg,
        year,
        units::Units::build(cols),
        units::History::build(reg),
        Mappings::builtin(),
    );
    // The cell must be one the table shows.
    let table = engine::evaluate_table(def, &ctx);
    if !table.column_keys.iter().any(|k| k == column) {
        return Err(TraceError::UnknownColumn {
            table: table_id.into(),
            column: column.into(),
            year,
        });
    }
    let mut rows = &table.rows;
    for key in row {
        match rows.iter().find(|r| r.key == *key) {
            Some(r) => rows = &r.children,
            None => {
                return Err(TraceError::UnknownRow {
                    table: table_id.into(),
                    row: row.join(" / "),
                    year,
                });
            }
        }
    }
    Ok((def.population, engine::trace_cell(def, &ctx, row, column)?))
}

/// Evaluates one table definition (also one that is not in [`TABLES`]: a new cross-tab
/// is a new [`TableDef`]).
pub fn evaluate_table(reg: &Register, year: i32, def: &TableDef) -> Table {
    let cols = Columns::of_register(reg);
    let ctx = context(
        reg,
        year,
        units::Units::build(&cols),
        units::History::build(reg),
        Mappings::builtin(),
    );
    engine::evaluate_table(def, &ctx)
}

fn context<'a>(
    reg: &'a Register,
    year: i32,
    units: units::Units<'a>,
    history: units::History<'a>,
    maps: &'a Mappings,
) -> engine::Ctx<'a> {
    let first_victim_year = [
        history.first_year(&[
            Series::Victims,
            Series::VictimsByForm,
            Series::VictimsByGender,
            Series::VictimsByNationality,
        ]),
        units.victims.first_year(),
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(year);
    engine::Ctx {
        year,
        codes: &reg.codes,
        maps,
        units,
        history,
        microdata_from: reg.microdata_from,
        first_victim_year,
        until: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_ranges_are_compact() {
        assert_eq!(
            year_ranges(&[2007, 2008, 2009, 2012, 2020, 2021]),
            "2007–2009, 2012, 2020–2021"
        );
        assert_eq!(year_ranges(&[2023]), "2023");
    }
}
