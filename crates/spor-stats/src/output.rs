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
