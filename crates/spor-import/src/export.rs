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

/// Writes one entity's rows as CSV (header first, RFC 4180, CRLF line ends). A cell a
/// spreadsheet would run as a formula (a ref such as `=HYPERLINK(…)`) is written inert,
/// with a leading apostrophe the import takes away again ([`spor_core::spreadsheet`]).
pub fn write_csv<W: Write, T: ToCells>(rows: &[T], w: W) -> Result<(), csv::Error> {
    let mut out = CsvRows::new::<T>(w)?;
    out.append(rows)?;
    out.finish()
}

/// One entity's CSV file written a slice of rows at a time (see [`write_csv`]).
struct CsvRows<W: Write> {
    wr: csv::Writer<W>,
    buf: Vec<String>,
}

impl<W: Write> CsvRows<W> {
    /// Starts the file of `T`'s entity with its header.
    fn new<T: ToCells>(w: W) -> Result<Self, csv::Error> {
        let mut wr = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(w);
        let columns = T::ENTITY.columns();
        wr.write_record(columns)?;
        Ok(CsvRows {
            wr,
            buf: vec![String::new(); columns.len()],
        })
    }

    fn append<T: ToCells>(&mut self, rows: &[T]) -> Result<(), csv::Error> {
        for r in rows {
            r.cells(&mut self.buf);
            for c in &mut self.buf {
                let inert = match spor_core::spreadsheet::inert(c) {
                    std::borrow::Cow::Owned(s) => Some(s),
                    std::borrow::Cow::Borrowed(_) => None,
                };
                if let Some(s) = inert {
                    *c = s;
                }
            }
            self.wr.write_record(&self.buf)?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), csv::Error> {
        self.wr.flush()?;
        Ok(())
    }
}

/// An export written as the records arrive, a slice at a time and in any order of the
/// entities, so a register of any size is never held whole: the four CSV files of a folder,
/// or one XLSX workbook. Every entity is written, an empty one as its header. Each writer
/// has its own `finish`.
pub trait ExportWriter {
    /// Appends `rows` to their entity's file or sheet.
    fn append<T: ToCells>(&mut self, rows: &[T]) -> Result<(), ExportError>;
}

/// Every record of `register` to `w`, in the order of the entities.
fn write_all(w: &mut impl ExportWriter, register: &Register) -> Result<(), ExportError> {
    w.append(&register.identifications)?;
    w.append(&register.assessments)?;
    w.append(&register.hotline_calls)?;
    w.append(&register.history)
}

type CsvFile = CsvRows<std::io::BufWriter<std::fs::File>>;

/// The four CSV files of a folder (see [`ExportWriter`]).
pub struct CsvDir {
    files: Vec<(PathBuf, CsvFile)>,
}

impl CsvDir {
    /// Creates `dir` if missing and the four files in it (replacing files of the same
    /// names), each with its header.
    pub fn create(dir: &Path) -> Result<CsvDir, ExportError> {
        std::fs::create_dir_all(dir).map_err(|source| ExportError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut files = Vec::new();
        for entity in Entity::ALL {
            let path = dir.join(entity.file_name());
            let file = std::fs::File::create(&path).map_err(|source| ExportError::Io {
                path: path.clone(),
                source,
            })?;
            let w = std::io::BufWriter::with_capacity(1 << 16, file);
            let rows = match entity {
                Entity::Identifications => CsvRows::new::<Identification>(w),
                Entity::Assessments => CsvRows::new::<Assessment>(w),
                Entity::HotlineCalls => CsvRows::new::<HotlineCall>(w),
                Entity::History => CsvRows::new::<HistoryRow>(w),
                // Not in `Entity::ALL`: identity is never exported with the register.
                Entity::Persons => continue,
            };
            let rows = rows.map_err(|source| ExportError::Csv {
                path: path.clone(),
                source,
            })?;
            files.push((path, rows));
        }
        Ok(CsvDir { files })
    }

    /// Flushes and closes the four files; returns their paths.
    pub fn finish(self) -> Result<Vec<PathBuf>, ExportError> {
        let mut written = Vec::new();
        for (path, file) in self.files {
            file.finish().map_err(|source| ExportError::Csv {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
        Ok(written)
    }
}

impl std::fmt::Debug for CsvDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvDir")
            .field(
                "files",
                &self.files.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl ExportWriter for CsvDir {
    fn append<T: ToCells>(&mut self, rows: &[T]) -> Result<(), ExportError> {
        let (path, file) = &mut self.files[T::ENTITY as usize];
        file.append(rows).map_err(|source| ExportError::Csv {
            path: path.clone(),
            source,
        })
    }
}

/// Writes the four CSV files of the register into `dir` (created if missing), replacing
/// files of the same names. Returns the paths written.
pub fn write_csv_dir(register: &Register, dir: &Path) -> Result<Vec<PathBuf>, ExportError> {
    let mut w = CsvDir::create(dir)?;
    write_all(&mut w, register)?;
    w.finish()
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

/// The register as one XLSX workbook, sheets in the spec's order, one constant-memory
/// sheet per entity (see [`ExportWriter`]). Every value is a text cell, so codes like `NA`
/// (Namibia) and refs like `00012` come back as written; empty cells stay blank. Text
/// cells are never formulas, so nothing in them needs neutralising.
///
/// The file is reproducible: the document's creation date is fixed (the ZIP entries carry a
/// fixed date too), so the same register always gives the same bytes.
pub struct XlsxBook {
    wb: Workbook,
    /// Rows written per sheet, the header included.
    rows: [usize; 4],
    buf: Vec<String>,
}

/// How a workbook not yet saved is named in errors.
const WORKBOOK: &str = "(workbook)";

fn xlsx_error(path: &Path) -> impl Fn(rust_xlsxwriter::XlsxError) -> ExportError + Copy + '_ {
    move |source| ExportError::Xlsx {
        path: path.to_path_buf(),
        source,
    }
}

impl XlsxBook {
    pub fn new() -> Result<XlsxBook, ExportError> {
        let err = xlsx_error(Path::new(WORKBOOK));
        let mut wb = Workbook::new();
        let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(err)?;
        wb.set_properties(
            &DocProperties::new()
                .set_title("Spor register export")
                .set_creation_datetime(&created),
        );
        let bold = Format::new().set_bold();
        for entity in Entity::ALL {
            let ws = wb.add_worksheet_with_constant_memory().map_err(err)?;
            header(ws, entity, &bold).map_err(err)?;
        }
        Ok(XlsxBook {
            wb,
            rows: [1; 4],
            buf: Vec::new(),
        })
    }
}

impl std::fmt::Debug for XlsxBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxBook")
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl ExportWriter for XlsxBook {
    fn append<T: ToCells>(&mut self, rows: &[T]) -> Result<(), ExportError> {
        let i = T::ENTITY as usize;
        let total = self.rows[i] - 1 + rows.len();
        if total >= XLSX_MAX_ROWS {
            return Err(ExportError::TooManyRows {
                entity: T::ENTITY,
                rows: total,
                max: XLSX_MAX_ROWS - 1,
            });
        }
        let err = xlsx_error(Path::new(WORKBOOK));
        let ws = self.wb.worksheet_from_index(i).map_err(err)?;
        self.buf.resize(T::ENTITY.columns().len(), String::new());
        for r in rows {
            r.cells(&mut self.buf);
            let row = self.rows[i] as u32;
            for (c, text) in self.buf.iter().enumerate() {
                if !text.is_empty() {
                    ws.write_string(row, c as u16, text).map_err(err)?;
                }
            }
            self.rows[i] += 1;
        }
        Ok(())
    }
}

impl XlsxBook {
    /// The finished workbook's bytes.
    pub fn into_bytes(mut self) -> Result<Vec<u8>, ExportError> {
        self.wb
            .save_to_buffer()
            .map_err(xlsx_error(Path::new(WORKBOOK)))
    }

    /// Saves the finished workbook at `path`.
    pub fn save(mut self, path: &Path) -> Result<(), ExportError> {
        self.wb.save(path).map_err(xlsx_error(path))
    }
}

fn header(
    ws: &mut Worksheet,
    entity: Entity,
    bold: &Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let columns = entity.columns();
    ws.set_name(entity.name())?;
    for (c, name) in columns.iter().enumerate() {
        ws.set_column_width(c as u16, width(name))?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (c, name) in columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, bold)?;
    }
    Ok(())
}

/// The register as the bytes of one XLSX workbook.
pub fn xlsx_bytes(register: &Register) -> Result<Vec<u8>, ExportError> {
    let mut w = XlsxBook::new()?;
    write_all(&mut w, register)?;
    w.into_bytes()
}

/// Writes the register as one XLSX workbook at `path`.
pub fn write_xlsx(register: &Register, path: &Path) -> Result<(), ExportError> {
    let mut w = XlsxBook::new()?;
    write_all(&mut w, register)?;
    w.save(path)
}
