//! Renderers of the annual overview "Oversigt over personer udsat for menneskehandel i
//! Danmark, YEAR".
//!
//! Input is a [`spor_stats::Report`] (tables by id and named facts, the JSON shape of
//! `shared/spec/annual-report.md`); nothing here queries the register.
//!
//! The publication model is shared by every edition:
//! [`sections::sections`] turns a report into the ordered [`sections::Section`]s of the 2023
//! edition, each with a headline and narrative chosen by rules over the numbers
//! ([`narrative`]), an SVG chart drawn by hand ([`svg`]) and the ids of the tables it shows.
//! The HTML ([`html`]), XLSX ([`xlsx`]) and CSV ([`csv`]) renderers, and the PDF edition in
//! `spor-pdf`, all read that one model, so a headline or a chart is the same everywhere.
//! Likewise the cover's key figures and "Om tallene" ([`edition`]), whether a year has
//! anything to publish ([`has_data`]), and how each table is shown (its definition's
//! [`spor_stats::Presentation`], read through [`tables`]).
//!
//! Public entry points (stable, used by `spor report`):
//! - [`html::render`]`(&Report, &Meta) -> Result<String>`
//! - [`xlsx::write`]`(&Report, &Meta, &Path) -> Result<()>` (and [`xlsx::to_bytes`])
//! - [`csv::write_dir`]`(&Report, &Path) -> Result<Vec<PathBuf>>`
//! - [`sections::sections`]`(&Report) -> Vec<Section>`
//! - [`sample::report_2023`]: a report with the published 2023 figures, for tests and previews.

pub mod csv;
pub mod edition;
pub mod exchange;
pub mod format;
pub mod html;
pub mod microdata;
pub mod narrative;
pub mod sample;
pub mod sections;
pub mod svg;
pub mod tables;
pub mod xlsx;

use chrono::{DateTime, Utc};

pub use edition::{About, AboutPart, KeyFigure, about, key_figures};
pub use sections::{Chart, ChartKind, Section, sections};

/// The name the editions are published under unless the caller says otherwise.
pub const DEFAULT_CENTRE: &str = "Center mod Menneskehandel";

/// Facts about an edition that are not statistics: when it was made, from which state of
/// the register, and by whom.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// When this edition was generated. Renderers print it in Copenhagen time; the PDF
    /// uses it (not the clock) so the same input gives the same bytes.
    pub generated_at: DateTime<Utc>,
    /// The register's last change (the newest write to the store), if known.
    pub last_change: Option<DateTime<Utc>>,
    /// The publishing centre, printed on the title and in the footer.
    pub centre: String,
}

impl Meta {
    /// Meta for the default centre.
    pub fn new(generated_at: DateTime<Utc>, last_change: Option<DateTime<Utc>>) -> Self {
        Meta {
            generated_at,
            last_change,
            centre: DEFAULT_CENTRE.to_string(),
        }
    }

    /// "25. november 2026 kl. 11.28" in Copenhagen time.
    pub fn generated_at_da(&self) -> String {
        format::datetime_da(self.generated_at)
    }

    /// The register's last change in Copenhagen time, or "ikke kendt".
    pub fn last_change_da(&self) -> String {
        self.last_change
            .map(format::datetime_da)
            .unwrap_or_else(|| "ikke kendt".to_string())
    }
}

/// The title of an edition: "Oversigt over personer udsat for menneskehandel i Danmark, 2023".
pub fn title(year: i32) -> String {
    format!("Oversigt over personer udsat for menneskehandel i Danmark, {year}")
}

/// Whether the report's year has anything to publish: victims, assessment interviews or
/// hotline calls in that year (history of earlier years alone is not enough). A year without
/// data renders as an error ([`Error::Empty`]), not as an empty publication.
pub fn has_data(report: &spor_stats::Report) -> bool {
    let v = tables::View::new(report);
    let y = report.year;
    [
        v.victims(),
        v.facts()
            .assessed_persons
            .or_else(|| v.year_value("assessed_persons_by_year", None, y)),
        v.facts()
            .hotline_calls
            .or_else(|| v.year_value("hotline_calls_by_year", Some("calls"), y)),
    ]
    .into_iter()
    .any(|n| n.unwrap_or(0) > 0)
}

/// What can go wrong while rendering. Messages are Danish-free on purpose: they go to
/// operators and logs, and name the place and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("HTML template failed: {0}")]
    Template(#[from] askama::Error),
    #[error("XLSX writer failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("CSV writer failed for {path}: {source}")]
    Csv {
        path: std::path::PathBuf,
        #[source]
        source: ::csv::Error,
    },
    #[error("cannot write {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the report for {year} has no data (every table is empty or zero): nothing to render; choose a year with decisions, interviews or calls"
    )]
    Empty { year: i32 },
}

/// Result of the renderers.
pub type Result<T, E = Error> = std::result::Result<T, E>;
