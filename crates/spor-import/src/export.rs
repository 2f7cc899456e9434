//! The register back in the exchange format: one CSV file per entity, or one XLSX workbook
//! with one sheet per entity. Columns come in the spec's order and every value is written as
//! the text import reads, so export → import → export gives identical files.
//!
//! All four entities are always written, empty ones as a header row, so an export is a
//! complete register and importing it never depends on which files happen to exist.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};
use spor_core::{Assessment, HistoryRow, HotlineCall, Identification, Register, format_timestamp};

use crate::Entity;

/// What went wrong writing an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("cannot write the workbook {path}: {source}")]
    Xlsx {
        path: PathBuf,
        source: rust_xlsxwriter::XlsxError,
    },
    #[error(
        "{entity} has {rows} rows, more than an XLSX sheet holds ({max}); export as CSV instead"
    )]
    TooManyRows {
        entity: Entity,
        rows: usize,
        max: usize,
    },
}

/// A record as the text cells of its row, in the entity's column order.
pub trait ToCells {
    const ENTITY: Entity;
    /// Writes the cells into `out` (one reused `String` per column; empty = not known).
    fn cells(&self, out: &mut [String]);
}

fn put(out: &mut String, s: &str) {
    out.clear();
    out.push_str(s);
}

fn put_opt(out: &mut String, s: Option<&str>) {
    put(out, s.unwrap_or(""));
}

fn put_num(out: &mut String, n: Option<impl std::fmt::Display>) {
    out.clear();
    if let Some(n) = n {
        let _ = write!(out, "{n}");
    }
}

impl ToCells for Identification {
    const ENTITY: Entity = Entity::Identifications;
    fn cells(&self, out: &mut [String]) {
        put(&mut out[0], self.case_ref.as_str());
        put(&mut out[1], self.person_ref.as_str());
        put_num(&mut out[2], Some(self.decision_date));
        put(&mut out[3], self.authority.code());
        put(&mut out[4], self.outcome.code());
        put_opt(
            &mut out[5],
            self.referral_actor.as_ref().map(|c| c.as_str()),
        );
        put_opt(&mut out[6], self.exploitation_form.map(|f| f.code()));
        put_opt(
            &mut out[7],
            self.exploitation_subtype.as_ref().map(|c| c.as_str()),
        );
        put(&mut out[8], self.gender.code());
        put_num(&mut out[9], self.age);
        put(&mut out[10], self.nationality.as_str());
        put_num(&mut out[11], self.return_date);
        put_opt(
            &mut out[12],
            self.return_country.as_ref().map(|c| c.as_str()),
        );
    }
}

impl ToCells for Assessment {
    const ENTITY: Entity = Entity::Assessments;
    fn cells(&self, out: &mut [String]) {
        put(&mut out[0], self.assessment_ref.as_str());
        put(&mut out[1], self.person_ref.as_str());
        put_num(&mut out[2], Some(self.interview_date));
        put(&mut out[3], self.gender.code());
        put_num(&mut out[4], self.age);
        put(&mut out[5], self.nationality.as_str());
    }
}

impl ToCells for HotlineCall {
    const ENTITY: Entity = Entity::HotlineCalls;
    fn cells(&self, out: &mut [String]) {
        put(&mut out[0], self.call_ref.as_str());
        put(&mut out[1], &format_timestamp(&self.received_at));
        put(&mut out[2], self.caller_type.code());
        put(
            &mut out[3],
            if self.concerns_possible_victim {
                "true"
            } else {
                "false"
            },
        );
        put_opt(&mut out[4], self.topic.map(|t| t.code()));
    }
}

impl ToCells for HistoryRow {
    const ENTITY: Entity = Entity::History;
    fn cells(&self, out: &mut [String]) {
        put(&mut out[0], self.series.code());
        put_num(&mut out[1], Some(self.year));
        put_opt(&mut out[2], self.category.as_deref());
        put_num(&mut out[3], self.count);
    }
}

/// Writes one entity's rows as CSV (header first, RFC 4180, CRLF line ends).
pub fn write_csv<W: Write, T: ToCells>(rows: &[T], w: W) -> Result<(), csv::Error> {
    let mut wr = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w);
    let columns = T::ENTITY.columns();
    wr.write_record(columns)?;
    let mut buf = vec![String::new(); columns.len()];
    for r in rows {
        r.cells(&mut buf);
        wr.write_record(&buf)?;
    }
    wr.flush()?;
    Ok(())
}

/// Writes the four CSV files of the register into `dir` (created if missing), replacing
/// files of the same names. Returns the paths written.
pub fn write_csv_dir(register: &Register, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for entity in Entity::ALL {
        let path = dir.join(entity.file_name());
        let file = std::fs::File::create(&path).map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        let w = std::io::BufWriter::with_capacity(1 << 16, file);
        let res = match entity {
            Entity::Identifications => write_csv(&register.identifications, w),
            Entity::Assessments => write_csv(&register.assessments, w),
            Entity::HotlineCalls => write_csv(&register.hotline_calls, w),
            Entity::History => write_csv(&register.history, w),
        };
        res.map_err(|source| ExportError::Csv {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Rows an XLSX sheet holds, the header included.
pub const XLSX_MAX_ROWS: usize = 1_048_576;

/// Column widths (characters) per entity column, so the sheet opens readable.
fn width(column: &str) -> f64 {
    match column {
        "received_at" => 26.0,
        "exploitation_subtype" | "concerns_possible_victim" => 24.0,
        _ => (column.len() as f64 + 4.0).max(12.0),
    }
}

fn sheet<T: ToCells>(
    ws: &mut Worksheet,
    rows: &[T],
    bold: &Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let columns = T::ENTITY.columns();
    ws.set_name(T::ENTITY.name())?;
    for (c, name) in columns.iter().enumerate() {
        ws.set_column_width(c as u16, width(name))?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (c, name) in columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, bold)?;
    }
    let mut buf = vec![String::new(); columns.len()];
    for (i, r) in rows.iter().enumerate() {
        r.cells(&mut buf);
        let row = (i + 1) as u32;
        for (c, text) in buf.iter().enumerate() {
            // Every value is a text cell, so codes like `NA` (Namibia) and refs like
            // `00012` come back as written; empty cells stay blank.
            if !text.is_empty() {
                ws.write_string(row, c as u16, text)?;
            }
        }
    }
    Ok(())
}

/// Builds the register as one XLSX workbook, sheets in the spec's order.
///
/// The file is reproducible: the document's creation date is fixed (the ZIP entries carry a
/// fixed date too), so the same register always gives the same bytes.
fn workbook(register: &Register, path: &Path) -> Result<Workbook, ExportError> {
    let err = |source| ExportError::Xlsx {
        path: path.to_path_buf(),
        source,
    };
    for (entity, rows) in [
        (Entity::Identifications, register.identifications.len()),
        (Entity::Assessments, register.assessments.len()),
        (Entity::HotlineCalls, register.hotline_calls.len()),
        (Entity::History, register.history.len()),
    ] {
        if rows >= XLSX_MAX_ROWS {
            return Err(ExportError::TooManyRows {
                entity,
                rows,
                max: XLSX_MAX_ROWS - 1,
            });
        }
    }
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(err)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title("Spor register export")
            .set_creation_datetime(&created),
    );
    let bold = Format::new().set_bold();
    sheet(
        wb.add_worksheet_with_constant_memory().map_err(err)?,
        &register.identifications,
        &bold,
    )
    .map_err(err)?;
    sheet(
        wb.add_worksheet_with_constant_memory().map_err(err)?,
        &register.assessments,
        &bold,
    )
    .map_err(err)?;
    sheet(
        wb.add_worksheet_with_constant_memory().map_err(err)?,
        &register.hotline_calls,
        &bold,
    )
    .map_err(err)?;
    sheet(
        wb.add_worksheet_with_constant_memory().map_err(err)?,
        &register.history,
        &bold,
    )
    .map_err(err)?;
    Ok(wb)
}

/// The register as the bytes of one XLSX workbook.
pub fn xlsx_bytes(register: &Register) -> Result<Vec<u8>, ExportError> {
    let path = Path::new("(workbook)");
    workbook(register, path)?
        .save_to_buffer()
        .map_err(|source| ExportError::Xlsx {
            path: path.to_path_buf(),
            source,
        })
}

/// Writes the register as one XLSX workbook at `path`.
pub fn write_xlsx(register: &Register, path: &Path) -> Result<(), ExportError> {
    workbook(register, path)?
        .save(path)
        .map_err(|source| ExportError::Xlsx {
            path: path.to_path_buf(),
            source,
        })
}
