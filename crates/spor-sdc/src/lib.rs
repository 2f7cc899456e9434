//! Statistical disclosure control for the public overview (issue 7).
//!
//! The public profile publishes only what the [`policy::Policy`] allows, checked by an
//! attack before release:
//!
//! - [`problem`]: the release as quantities (counts of persons) and the sums that tie every
//!   table of the release, and earlier years' published figures, together;
//! - [`suppress`]: primary suppression (threshold, "all in one form") and secondary
//!   suppression driven by the audit;
//! - [`audit`]: per hidden cell the interval an attacker can derive by linear programming
//!   (it must span `[0, threshold]`) and an exact rational check that it is no linear
//!   combination of published figures;
//! - [`design`]: merging small forms and genders ("Øvrige former") before hiding;
//! - [`recode`]: merging small nationalities into UN M49 regions or "Øvrige lande";
//! - [`risk`]: uniqueness and homogeneity of a year's victims;
//! - [`overview`]: the public profile of a `spor_stats::Report` (model, protect, publish);
//! - [`attack`]: an attacker that reads only the published edition (JSON, and HTML through
//!   [`html_numbers`]), run on every edition;
//! - [`utility`]: what an edition publishes, recodes and hides, per table and in all;
//! - [`manifest`]: the record written beside a public edition.

pub mod attack;
pub mod audit;
pub mod design;
pub mod html_numbers;
mod lp;
pub mod manifest;
pub mod overview;
pub mod policy;
pub mod problem;
pub mod recode;
pub mod risk;
pub mod suppress;
pub mod utility;

pub use audit::{
    AuditReport, Finding, Interval, Leak, Requirement, audit, audit_with, describe, screen,
    screen_from, screen_witnessed, truth_witness,
};
pub use policy::{FLOOR, Policy, PolicyError, Preset};
pub use problem::{CellRef, Problem, ProblemError, Role};
pub use suppress::{
    Protection, Refused, Status, audit_status, primary, protect, reduce, secondary,
};

/// What the unit tests of several modules build tables from.
#[cfg(test)]
mod testing {
    use spor_stats::Row;

    /// A row of one count, labelled by its key.
    pub fn row(key: &str, v: u64) -> Row {
        Row {
            key: key.to_owned(),
            label: key.to_owned(),
            values: vec![Some(v)],
            children: Vec::new(),
        }
    }
}
