//! The register exchange format (`shared/spec/register-format.md`): validation of rows into
//! `spor-core` types, reading CSV files and XLSX workbooks, reconciling published history,
//! and writing the register back out as CSV or XLSX.
//!
//! - [`validate`]: the rules of one row, shared with the web application's forms.
//! - [`read`]: files → an [`spor_core::ImportBatch`], or a refusal naming every bad row.
//! - [`reconcile`]: the check that a year's parts of `victims` sum to its total.
//! - [`export`]: the register → CSV files or one XLSX workbook.
//!
//! Nothing here touches the store: the caller hands the batch to it.

pub mod export;
pub mod read;
pub mod reconcile;
pub mod validate;

pub use read::{
    FileSummary, Handover, Import, Problem, ReadOptions, Refusal, Separator, read_bytes,
    read_paths, read_paths_with,
};
pub use reconcile::{Mismatch, reconcile};
pub use validate::{FieldError, Fields, Rules};

use std::fmt;

/// The entities of the exchange format: one CSV file or one XLSX sheet each. The four of
/// the statistical register ([`Entity::ALL`]), and `persons` (issue 23): who a person is,
/// kept apart from the register and never exported with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Entity {
    Identifications,
    Assessments,
    HotlineCalls,
    History,
    Persons,
}

impl Entity {
    /// The entities of the statistical register, in the order of
    /// [`spor_core::ImportBatch`]'s fields (what export writes).
    pub const ALL: [Entity; 4] = [
        Entity::Identifications,
        Entity::Assessments,
        Entity::HotlineCalls,
        Entity::History,
    ];

    /// Every entity an import reads: the register's and `persons`.
    pub const READ: [Entity; 5] = [
        Entity::Identifications,
        Entity::Assessments,
        Entity::HotlineCalls,
        Entity::History,
        Entity::Persons,
    ];

    /// The sheet name, and the file name without `.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Identifications => "identifications",
            Entity::Assessments => "assessments",
            Entity::HotlineCalls => "hotline_calls",
            Entity::History => "history",
            Entity::Persons => "persons",
        }
    }

    /// The CSV file name (`identifications.csv`).
    pub fn file_name(self) -> &'static str {
        match self {
            Entity::Identifications => "identifications.csv",
            Entity::Assessments => "assessments.csv",
            Entity::HotlineCalls => "hotline_calls.csv",
            Entity::History => "history.csv",
            Entity::Persons => "persons.csv",
        }
    }

    /// The entity a sheet (or a file stem) names. Case is ignored: spreadsheet tools and
    /// file systems are careless with it, and no two entities differ only in case.
    pub fn from_name(name: &str) -> Option<Entity> {
        let name = name.trim();
        Entity::READ
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(name))
    }

    /// The columns in the spec's order (the order export writes).
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Entity::Identifications => validate::IDENTIFICATION_COLUMNS,
            Entity::Assessments => validate::ASSESSMENT_COLUMNS,
            Entity::HotlineCalls => validate::HOTLINE_CALL_COLUMNS,
            Entity::History => validate::HISTORY_COLUMNS,
            Entity::Persons => validate::PERSON_COLUMNS,
        }
    }

    /// Columns every file of this entity must have (others may be left out: empty).
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            Entity::Identifications => &[
                "case_ref",
                "person_ref",
                "decision_date",
                "authority",
                "outcome",
                "gender",
                "nationality",
            ],
            Entity::Assessments => &[
                "assessment_ref",
                "person_ref",
                "interview_date",
                "gender",
                "nationality",
            ],
            Entity::HotlineCalls => &[
                "call_ref",
                "received_at",
                "caller_type",
                "concerns_possible_victim",
            ],
            Entity::History => &["series", "year"],
            Entity::Persons => &["person_ref"],
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A whole number with Danish thousands separators (`1.233`), for messages to users.
pub fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_use_danish_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1233), "1.233");
        assert_eq!(format_count(1_000_000), "1.000.000");
    }

    #[test]
    fn entities_are_found_by_sheet_name_ignoring_case() {
        assert_eq!(
            Entity::from_name("hotline_calls"),
            Some(Entity::HotlineCalls)
        );
        assert_eq!(Entity::from_name(" History "), Some(Entity::History));
        assert_eq!(Entity::from_name("Sheet1"), None);
    }
}
