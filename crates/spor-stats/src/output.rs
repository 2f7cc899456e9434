//! The evaluated overview: tables and facts, in the JSON shape of
//! `shared/spec/annual-report.md`. Renderers (`spor-report`) read only these types.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The overview of one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub year: i32,
    pub tables: IndexMap<String, Table>,
    pub facts: IndexMap<String, serde_json::Value>,
    /// Public profile only: the disclosure policy's footnote explaining hidden cells ("·").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosure_note: Option<String>,
}

/// One table: rows × columns of counts, with a total row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub title: String,
    /// Danish column labels.
    pub columns: Vec<String>,
    /// Register codes of the columns (years as `"2023"`, one count as `"count"`).
    pub column_keys: Vec<String>,
    pub rows: Vec<Row>,
    /// Column totals ("I alt"); `None` where a column is not known.
    pub total: Vec<Option<u64>>,
    /// Public profile only: cells hidden for confidentiality, as `[row, column]`, where `row`
    /// counts rows in reading order (each row followed by its children, depth first) and the
    /// total row comes last (as `spor-sdc` numbers them). Renderers show them as "·".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<[usize; 2]>,
}

impl Table {
    /// Is the cell at `[row, column]` (row counted as in [`Table::suppressed`]) hidden?
    pub fn is_suppressed(&self, row: usize, col: usize) -> bool {
        self.suppressed.contains(&[row, col])
    }
}

/// One row; nested breakdowns carry `children`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub key: String,
    pub label: String,
    /// `None` = not known for that column (e.g. a year that was not published).
    pub values: Vec<Option<u64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Row>,
}
