//! The annual overview's statistics: declarative table definitions ([`defs::TABLES`]) and
//! one engine that evaluates them over a [`Register`], following the counting rules of
//! `shared/spec/annual-report.md`.
//!
//! ```text
//! let report = spor_stats::evaluate(&register, 2023)?;   // pure, no I/O
//! ```

pub mod collate;
pub mod defs;
mod engine;
mod facts;
mod fxhash;
pub mod output;
mod units;

use std::collections::BTreeSet;

use indexmap::IndexMap;
use spor_core::{Register, Series};

pub use collate::{danish_cmp, danish_key};
pub use defs::{TABLES, TableDef};
pub use facts::{change_pct, pct};
pub use output::{Report, Row, Table};

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
    let units = units::Units::build(reg);
    let history = units::History::build(reg);

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

    let ctx = context(reg, year, units, history);
    let tables: IndexMap<String, Table> = TABLES
        .iter()
        .map(|def| (def.id.to_string(), engine::evaluate_table(def, &ctx)))
        .collect();
    let facts = facts::facts(&tables, &ctx);
    Ok(Report {
        year,
        tables,
        facts,
        disclosure_note: None,
    })
}

/// Evaluates one table definition (also one that is not in [`TABLES`]: a new cross-tab
/// is a new [`TableDef`]).
pub fn evaluate_table(reg: &Register, year: i32, def: &TableDef) -> Table {
    let ctx = context(
        reg,
        year,
        units::Units::build(reg),
        units::History::build(reg),
    );
    engine::evaluate_table(def, &ctx)
}

fn context<'a>(
    reg: &'a Register,
    year: i32,
    units: units::Units<'a>,
    history: units::History<'a>,
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
        units,
        history,
        microdata_from: reg.microdata_from,
        first_victim_year,
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
