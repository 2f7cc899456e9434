//! The PDF edition of the annual overview, typeset inside the binary with
//! Typst used as a library.
//!
//! The layout is one fixed Typst file (`src/overview.typ`); everything that
//! varies (texts, numbers, tables, charts) is handed to it as data: a JSON
//! file `/data.json` and SVG files `/charts/N.svg` in an in-memory world. No
//! text is ever spliced into markup, so labels may contain any character.
//!
//! Fonts are bundled (Source Sans 3, plus Typst's own fonts as fallbacks),
//! nothing is read from the system or the network, and the document date is
//! the generation time: the same input gives the same bytes on any machine.
//!
//! This crate is kept apart from `spor-report` because Typst takes minutes to
//! build from cold; nothing else waits for it.

mod danish;
mod model;
mod world;

use chrono::{DateTime, Datelike, Timelike, Utc};
use spor_stats::Report;
use typst::diag::{SourceDiagnostic, Warned};
use typst::foundations::{Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

pub use danish::{format_count, format_datetime, format_decimal};

/// The fixed layout of the edition.
const TEMPLATE: &str = include_str!("overview.typ");

pub use spor_report::{Chart, Meta, Section};

/// Why no PDF was made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The year has nothing to publish.
    #[error(
        "no data for {year}: the register has no victims, hotline calls or assessed persons \
         in that year; choose a year the register covers"
    )]
    NoData { year: i32 },
    /// A section names a table the report does not have.
    #[error("section `{section}` asks for table `{table}`, which the {year} report does not have")]
    UnknownTable {
        year: i32,
        section: String,
        table: String,
    },
    /// Typst rejected the document (a bug in the template or its data).
    #[error("typesetting the PDF failed: {0}")]
    Typeset(String),
    /// The PDF writer rejected the document (e.g. a PDF/UA rule).
    #[error("writing the PDF failed: {0}")]
    Export(String),
}

/// Typesets the overview of `report.year`: the sections of the publication
/// model ([`spor_report::sections`]), the same headlines, narrative, charts and
/// tables as the HTML edition.
///
/// Fails with [`PdfError::NoData`] when the year has nothing to publish.
pub fn render(report: &Report, meta: &Meta) -> Result<Vec<u8>, PdfError> {
    render_sections(report, &spor_report::sections(report), meta)
}

/// Typesets the overview of `report.year` with the given sections.
///
/// Fails with [`PdfError::NoData`] when the year has nothing to publish.
pub fn render_sections(
    report: &Report,
    sections: &[Section],
    meta: &Meta,
) -> Result<Vec<u8>, PdfError> {
    render_with_template(TEMPLATE, report, sections, meta)
}

/// [`render_sections`] with another layout: for working on the template
/// without rebuilding (see `examples/fixture_pdf.rs`).
#[doc(hidden)]
pub fn render_with_template(
    template: &str,
    report: &Report,
    sections: &[Section],
    meta: &Meta,
) -> Result<Vec<u8>, PdfError> {
    // The same rule as the HTML and XLSX editions.
    if !spor_report::has_data(report) {
        return Err(PdfError::NoData { year: report.year });
    }
    let (data, charts) = model::document(report, sections, meta)?;
    let json = serde_json::to_vec(&data).map_err(|e| PdfError::Typeset(e.to_string()))?;

    let mut files: Vec<(&str, Vec<u8>)> = vec![("/data.json", json)];
    files.extend(charts);
    let world = world::MemoryWorld::new(template, files, typst_date(meta.generated_at));

    let Warned { output, .. } = typst::compile::<PagedDocument>(&world);
    let document = output.map_err(|errors| PdfError::Typeset(describe(&errors)))?;

    let standards = PdfStandards::new(&[PdfStandard::Ua_1])
        .map_err(|e| PdfError::Export(e.message().to_string()))?;
    let options = PdfOptions {
        // A stable identifier: the same edition keeps its PDF id across runs.
        ident: Smart::Custom(format!("spor-overview-{}", report.year)),
        creator: Smart::Custom(Some(format!("Spor {} (Typst)", env!("CARGO_PKG_VERSION")))),
        standards,
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options)
        .map_err(|errors| PdfError::Export(describe(&errors)))?;

    // Typst memoizes across compilations; keep a long-running process small.
    typst::comemo::evict(10);
    Ok(pdf)
}

/// The layout of a person's subject-access document (issue 23).
const SUBJECT_ACCESS: &str = include_str!("subject_access.typ");

/// Typesets everything the register holds about one person (the JSON of
/// `spor_app::identity::subject_access`) as a PDF, made at `at`.
pub fn subject_access(data: &serde_json::Value, at: DateTime<Utc>) -> Result<Vec<u8>, PdfError> {
    let json = serde_json::to_vec(data).map_err(|e| PdfError::Typeset(e.to_string()))?;
    let world = world::MemoryWorld::new(SUBJECT_ACCESS, vec![("/data.json", json)], typst_date(at));
    let Warned { output, .. } = typst::compile::<PagedDocument>(&world);
    let document = output.map_err(|errors| PdfError::Typeset(describe(&errors)))?;
    let options = PdfOptions {
        ident: Smart::Custom("spor-subject-access".to_string()),
        creator: Smart::Custom(Some(format!("Spor {} (Typst)", env!("CARGO_PKG_VERSION")))),
        ..PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options)
        .map_err(|errors| PdfError::Export(describe(&errors)))?;
    typst::comemo::evict(10);
    Ok(pdf)
}

fn typst_date(at: DateTime<Utc>) -> Datetime {
    Datetime::from_ymd_hms(
        at.year(),
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    )
    .unwrap_or_else(|| Datetime::from_ymd(1970, 1, 1).expect("the epoch is a valid date"))
}

fn describe(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| {
            let hints: Vec<&str> = e.hints.iter().map(|h| h.v.as_str()).collect();
            if hints.is_empty() {
                e.message.to_string()
            } else {
                format!("{} (hint: {})", e.message, hints.join("; "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}
