//! The register as a whole: what the store hands to statistics and export, and what an
//! import hands to the store.

use chrono::{DateTime, Utc};

use crate::codes::CodeBook;
use crate::model::{Assessment, HistoryRow, HotlineCall, Identification};

/// Validated records to be written in one transaction.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    pub identifications: Vec<Identification>,
    pub assessments: Vec<Assessment>,
    pub hotline_calls: Vec<HotlineCall>,
    pub history: Vec<HistoryRow>,
}

impl ImportBatch {
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn len(&self) -> usize {
        self.counts().iter().sum()
    }
    /// The rows of each entity, in the order of the fields (identifications, assessments,
    /// hotline calls, history).
    pub fn counts(&self) -> [usize; 4] {
        [
            self.identifications.len(),
            self.assessments.len(),
            self.hotline_calls.len(),
            self.history.len(),
        ]
    }
}

/// A snapshot of the whole register, in a stable order (by ref; history by series, year,
/// category). Statistics are pure functions of it.
#[derive(Debug, Clone, Default)]
pub struct Register {
    pub identifications: Vec<Identification>,
    pub assessments: Vec<Assessment>,
    pub hotline_calls: Vec<HotlineCall>,
    pub history: Vec<HistoryRow>,
    /// First year whose microdata is complete (`None`: per series, the earliest year with
    /// microdata).
    pub microdata_from: Option<i32>,
    pub codes: CodeBook,
    /// When the register last changed (an import, an edit, a setting).
    pub last_change: Option<DateTime<Utc>>,
}
