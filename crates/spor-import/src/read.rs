//! Reading register files: CSV files named after their entity (`identifications.csv`, …)
//! and XLSX workbooks with one sheet per entity. Every row of every file is checked; one bad
//! row refuses the whole import, and the refusal names every bad row with its file (and
//! sheet), its line in the file (header = line 1), the column, the value and what would be
//! accepted.
//!
//! Large files are read in one pass with one reused record buffer; the header is mapped to
//! column positions once per file.
//!
//! CSV files are read as spreadsheet programs write them: with LF, CRLF or CR line ends,
//! with or without a UTF-8 byte-order mark, and separated by commas as the spec says or,
//! when the header shows it beyond doubt, by semicolons (Excel with Danish regional
//! settings). [`FileSummary::separator`] says which.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Seek};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use spor_core::spreadsheet::plain;
use spor_core::{CodeBook, ImportBatch, PersonIdentity};

use crate::reconcile::{Mismatch, reconcile};
use crate::validate::{FieldError, Rules, write_value};
use crate::{Entity, format_count};

/// How to read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Show a progress bar on stderr for large files (only when stderr is a terminal).
    pub progress: bool,
}

/// One problem that refuses the import, with its place.
#[derive(Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as it was named.
    pub file: String,
    /// The sheet, for workbooks.
    pub sheet: Option<String>,
    /// Line in the file or row in the sheet (header = 1); `None` for the file as a whole.
    pub line: Option<u64>,
    pub column: Option<String>,
    /// The text found (`None` when the problem is not about one value).
    pub value: Option<String>,
    /// What would be accepted (for problems without a value: what is wrong and what to do).
    pub expected: String,
    /// Position of the source in the list of files read, for ordering.
    source: usize,
}

// Values may be person-level: Debug (which may reach logs) leaves them out.
impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Problem")
            .field("file", &self.file)
            .field("sheet", &self.sheet)
            .field("line", &self.line)
            .field("column", &self.column)
            .field("expected", &self.expected)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, ", sheet {s}")?;
        }
        if let Some(l) = self.line {
            write!(f, ", line {l}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        match &self.value {
            Some(v) => {
                f.write_str(": ")?;
                write_value(f, v)?;
                write!(f, "; expected {}", self.expected)
            }
            None => write!(f, ": {}", self.expected),
        }
    }
}

/// What separates the cells of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// `,`: the spec's format, and what export writes.
    Comma,
    /// `;`: what Excel writes as "CSV" (and "CSV UTF-8") with Danish and most other
    /// European regional settings, where `,` is the decimal mark. Accepted when every cell
    /// of the header, split at semicolons, names a column of the file's entity.
    Semicolon,
}

impl Separator {
    fn byte(self) -> u8 {
        match self {
            Separator::Comma => b',',
            Separator::Semicolon => b';',
        }
    }

    /// `comma` or `semicolon`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Separator::Comma => "comma",
            Separator::Semicolon => "semicolon",
        }
    }
}

/// What one file or sheet contributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub file: String,
    pub sheet: Option<String>,
    pub entity: Entity,
    /// Data rows read (blank rows are skipped and not counted).
    pub rows: u64,
    /// The separator a CSV file was read with; `None` for a sheet of a workbook (and for a
    /// CSV file that could not be opened).
    pub separator: Option<Separator>,
}

impl FileSummary {
    /// What the user should be told about how the file was read, beyond its rows, for an
    /// import summary: `None` when the file is in the spec's format.
    pub fn note(&self) -> Option<String> {
        match self.separator {
            Some(Separator::Semicolon) => Some(
                "read as semicolon-separated (;), as Excel saves CSV with Danish regional settings; export writes commas"
                    .to_string(),
            ),
            Some(Separator::Comma) | None => None,
        }
    }
}

/// Files that passed every rule: the records to write.
#[derive(Debug)]
pub struct Import {
    pub batch: ImportBatch,
    /// Who the persons are (`persons.csv`), kept apart from the register's batch: the
    /// caller stores them encrypted, never with the records.
    pub persons: Vec<PersonIdentity>,
    pub files: Vec<FileSummary>,
    /// History years whose parts do not sum to the total: warnings, not errors.
    pub mismatches: Vec<Mismatch>,
}

/// Files with at least one problem: nothing may be written.
#[derive(Debug)]
pub struct Refusal {
    /// Every problem, in file and line order.
    pub problems: Vec<Problem>,
    /// How many data rows have at least one problem.
    pub bad_rows: u64,
    pub files: Vec<FileSummary>,
    pub mismatches: Vec<Mismatch>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "import refused: {} problem(s)",
            format_count(self.problems.len() as u64)
        )?;
        if self.bad_rows > 0 {
            write!(f, " in {} row(s)", format_count(self.bad_rows))?;
        }
        f.write_str("; nothing was written")
    }
}

impl std::error::Error for Refusal {}

/// Reads and checks every file; `Ok` only when all of them are valid.
pub fn read_paths<P: AsRef<Path>>(
    paths: &[P],
    codes: &CodeBook,
    opts: &ReadOptions,
) -> Result<Import, Refusal> {
    read_paths_with(paths, codes, opts, &mut |_| {})
}

/// Reads and checks one file given as its bytes, named `name` as a file would be
/// (`identifications.csv`, …, or a workbook `*.xlsx`): the same reading and checking as
/// [`read_paths`], without the file system. An upload, the fuzz targets (`fuzz/`) and the
/// hostile-input tests come in here.
pub fn read_bytes(name: &str, bytes: &[u8], codes: &CodeBook) -> Result<Import, Refusal> {
    let mut sink = |_: Handover| {};
    let mut c = Collector::new(codes, false, &mut sink);
    match plan_of(name) {
        Planned::Csv(entity) => {
            let src = c.add_source(name, None);
            c.read_csv_source(src, entity, bytes, bytes.len() as u64);
        }
        Planned::Xlsx => c.read_xlsx(name, std::io::Cursor::new(bytes)),
        other => {
            let src = c.add_source(name, None);
            c.file_problem(src, other.refusal());
        }
    }
    c.finish()
}

/// Checked rows handed over while reading (see [`read_paths_with`]).
#[derive(Debug)]
pub struct Handover {
    /// The next rows of each entity.
    pub rows: ImportBatch,
    /// Per entity, in the order of [`ImportBatch`]'s fields: no more rows of it will come.
    pub complete: [bool; 4],
}

/// What a named file is, decided before any is read.
enum Planned {
    Twice,
    Csv(Entity),
    UnknownCsv(String),
    Xlsx,
    NotRegister,
}

/// What a file is, by its name (not yet knowing whether it is named twice).
fn plan_of(file_name: &str) -> Planned {
    let lower = file_name.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix(".csv") {
        match Entity::from_name(stem) {
            Some(entity) => Planned::Csv(entity),
            None => Planned::UnknownCsv(file_name.to_string()),
        }
    } else if lower.ends_with(".xlsx") {
        Planned::Xlsx
    } else {
        Planned::NotRegister
    }
}

impl Planned {
    /// Why a file that is read no further is refused.
    fn refusal(&self) -> String {
        match self {
            Planned::Twice => "the file is named twice: give each file once".into(),
            Planned::UnknownCsv(file_name) => format!(
                "unknown file name `{file_name}`; expected {}, or an .xlsx workbook with one sheet per entity",
                Entity::READ.map(Entity::file_name).join(", ")
            ),
            Planned::NotRegister | Planned::Csv(_) | Planned::Xlsx => format!(
                "not a register file; expected CSV files named {}, or an .xlsx workbook",
                Entity::READ.map(Entity::file_name).join(", ")
            ),
        }
    }

    fn may_hold(&self, e: Entity) -> bool {
        match self {
            Planned::Csv(x) => *x == e,
            Planned::Xlsx => true,
            _ => false,
        }
    }
}

/// [`read_paths`], handing checked rows to `sink` while reading: per entity, in chunks of
/// consecutive rows, which are the first rows of the batch that the import returns, in
/// order, and saying when an entity is complete. Once any problem is found nothing more is
/// handed over (the import will be refused). The caller can so write rows while the rest
/// is still being read (`spor_store::ImportStream`); the batch returned stays the whole
/// truth.
///
/// CSV files are read in the order of the entities (identifications first, so that their
/// table is complete early), workbooks after them; problems and file summaries are listed
/// in the order the files were named.
pub fn read_paths_with<P: AsRef<Path>>(
    paths: &[P],
    codes: &CodeBook,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Handover),
) -> Result<Import, Refusal> {
    let mut c = Collector::new(codes, opts.progress, sink);
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut plan: Vec<(usize, &Path, Planned)> = Vec::with_capacity(paths.len());
    for (arg, p) in paths.iter().enumerate() {
        let path = p.as_ref();
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let file_name = path
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default();
        let planned = if !seen.insert(canonical) {
            Planned::Twice
        } else {
            plan_of(&file_name)
        };
        plan.push((arg, path, planned));
    }
    plan.sort_by_key(|(arg, _, planned)| match planned {
        Planned::Csv(e) => (0, *e as usize, *arg),
        _ => (1, 0, *arg),
    });
    let mut complete = [false; 4];
    for (step, (arg, path, planned)) in plan.iter().enumerate() {
        c.arg = *arg;
        let name = path.display().to_string();
        match planned {
            Planned::Csv(entity) => {
                let src = c.add_source(&name, None);
                c.read_csv_file(src, path, *entity);
            }
            Planned::Xlsx => c.read_xlsx_file(&name, path),
            other => {
                let src = c.add_source(&name, None);
                c.file_problem(src, other.refusal());
            }
        }
        let rest = &plan[step + 1..];
        for e in Entity::ALL {
            complete[e as usize] = !rest.iter().any(|(_, _, p)| p.may_hold(e));
        }
        c.hand_over(0, complete);
    }
    c.finish()
}

/// One file, or one sheet of a workbook.
struct Source {
    /// Position of the file among those named.
    arg: usize,
    file: String,
    sheet: Option<String>,
    header_line: u64,
}

/// Where a record came from, to name both rows when a key appears twice.
#[derive(Clone, Copy)]
struct Origin {
    source: u32,
    line: u32,
}

/// How a header's columns map to the entity's columns.
struct Layout {
    entity: Entity,
    /// For each entity column (spec order), its position in the row.
    pos: Vec<Option<usize>>,
    /// Positions with an empty header: ignored, but must stay empty.
    blank: Vec<usize>,
    /// Number of cells in the header.
    width: usize,
    /// Entity columns (bit per spec position) whose problems are not reported per row:
    /// the column is missing and that is reported once for the header.
    muted: u32,
    /// The separator of a CSV file, for the message about a row of the wrong width.
    separator: Separator,
}

struct Collector<'c> {
    rules: Rules<'c>,
    sink: &'c mut dyn FnMut(Handover),
    /// Rows of each entity handed to the sink so far, and the entities said complete.
    handed: [usize; 4],
    said_complete: [bool; 4],
    /// Position, among the files named, of the file being read.
    arg: usize,
    progress: bool,
    batch: ImportBatch,
    persons: Vec<PersonIdentity>,
    origins: [Vec<Origin>; 5],
    sources: Vec<Source>,
    problems: Vec<Problem>,
    /// Each file read, with its position among the files named.
    files: Vec<(usize, FileSummary)>,
    errs: Vec<FieldError>,
}

const MAX_COLUMNS: usize = 13;
/// Unknown columns of a header named one by one; the rest are counted in one problem (a
/// header of a million cells gives a readable refusal, not a million lines).
const MAX_UNKNOWN_COLUMNS: usize = 20;
/// The columns a sheet can have (A to XFD), as in every spreadsheet program: a cell beyond
/// them is a damaged or hand-made workbook, and would cost a row buffer that wide.
const SHEET_COLUMNS: u32 = 16_384;
/// CSV files above this size get a progress bar (a few thousand rows).
const PROGRESS_BYTES: u64 = 512 * 1024;
/// Sheets above this many rows get a progress bar.
const PROGRESS_ROWS: usize = 5000;

fn bar(len: u64, what: &str, bytes: bool) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let template = if bytes {
        "{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})"
    } else {
        "{msg} [{bar:40}] {pos}/{len} rows ({eta})"
    };
    let pb = ProgressBar::with_draw_target(Some(len), target);
    if let Ok(style) = ProgressStyle::with_template(template) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(format!("checking {what}"));
    pb
}

impl<'c> Collector<'c> {
    fn new(codes: &'c CodeBook, progress: bool, sink: &'c mut dyn FnMut(Handover)) -> Self {
        Collector {
            rules: Rules::new(codes),
            sink,
            handed: [0; 4],
            said_complete: [false; 4],
            arg: 0,
            progress,
            batch: ImportBatch::default(),
            persons: Vec::new(),
            origins: Default::default(),
            sources: Vec::new(),
            problems: Vec::new(),
            files: Vec::new(),
            errs: Vec::new(),
        }
    }

    fn add_source(&mut self, file: &str, sheet: Option<&str>) -> usize {
        self.sources.push(Source {
            arg: self.arg,
            file: file.to_string(),
            sheet: sheet.map(str::to_string),
            header_line: 1,
        });
        self.sources.len() - 1
    }

    fn problem(
        &mut self,
        src: usize,
        line: Option<u64>,
        column: Option<String>,
        value: Option<String>,
        expected: String,
    ) {
        let s = &self.sources[src];
        self.problems.push(Problem {
            file: s.file.clone(),
            sheet: s.sheet.clone(),
            line,
            column,
            value,
            expected,
            source: src,
        });
    }

    fn file_problem(&mut self, src: usize, message: String) {
        self.problem(src, None, None, None, message);
    }

    /// Maps a header to the entity's columns, reporting unknown, duplicate and missing
    /// columns (all on the header line).
    fn layout(&mut self, src: usize, entity: Entity, header: &[&str], line: u64) -> Layout {
        self.sources[src].header_line = line;
        let columns = entity.columns();
        let mut pos = vec![None; columns.len()];
        let mut blank = Vec::new();
        let mut unknown = 0usize;
        for (p, raw) in header.iter().enumerate() {
            let name = raw.trim_start_matches('\u{feff}').trim();
            if name.is_empty() {
                blank.push(p);
                continue;
            }
            match columns.iter().position(|c| *c == name) {
                Some(i) if pos[i].is_some() => self.problem(
                    src,
                    Some(line),
                    Some(name.to_string()),
                    None,
                    format!(
                        "the column appears twice (cells {} and {}); keep one",
                        pos[i].unwrap_or(0) + 1,
                        p + 1
                    ),
                ),
                Some(i) => pos[i] = Some(p),
                None if unknown >= MAX_UNKNOWN_COLUMNS => unknown += 1,
                None => {
                    unknown += 1;
                    self.problem(
                        src,
                        Some(line),
                        Some(name.to_string()),
                        None,
                        format!(
                            "unknown column; {} has the columns {}",
                            entity,
                            columns.join(", ")
                        ),
                    )
                }
            }
        }
        if unknown > MAX_UNKNOWN_COLUMNS {
            self.problem(
                src,
                Some(line),
                None,
                None,
                format!(
                    "{} more unknown columns after the {MAX_UNKNOWN_COLUMNS} named above ({} in all); {} has the columns {}",
                    format_count((unknown - MAX_UNKNOWN_COLUMNS) as u64),
                    format_count(unknown as u64),
                    entity,
                    columns.join(", ")
                ),
            );
        }
        let mut muted = 0u32;
        for req in entity.required_columns() {
            let i = columns.iter().position(|c| c == req).unwrap_or(0);
            if pos[i].is_none() {
                muted |= 1 << i;
                self.problem(
                    src,
                    Some(line),
                    Some(req.to_string()),
                    None,
                    format!("missing required column; add a column named {req}"),
                );
            }
        }
        Layout {
            entity,
            pos,
            blank,
            width: header.len(),
            muted,
            separator: Separator::Comma,
        }
    }

    /// Checks one data row. `get` returns the text of a cell, or what is wrong with it
    /// (not UTF-8, a spreadsheet error value).
    fn row<'r>(
        &mut self,
        src: usize,
        layout: &Layout,
        line: u64,
        len: usize,
        get: impl Fn(usize) -> Result<&'r str, (String, String)>,
    ) -> bool {
        let blank_row = (0..len).all(|p| get(p).is_ok_and(|s| s.trim().is_empty()));
        if blank_row {
            return false;
        }
        self.errs.clear();
        if len != layout.width {
            self.problem(
                src,
                Some(line),
                None,
                None,
                format!(
                    "the row has {len} cells but the header has {}; check the quoting and the separators ({})",
                    layout.width,
                    layout.separator.name()
                ),
            );
            return true;
        }
        let columns = layout.entity.columns();
        let mut cells = [""; MAX_COLUMNS];
        let mut muted = layout.muted;
        for (i, p) in layout.pos.iter().enumerate() {
            if let Some(p) = *p {
                match get(p) {
                    Ok(s) => cells[i] = s.trim(),
                    Err((value, expected)) => {
                        muted |= 1 << i;
                        self.errs.push(FieldError {
                            column: columns[i].to_string(),
                            value,
                            expected,
                        });
                    }
                }
            }
        }
        for &p in &layout.blank {
            let v = get(p).map(str::trim).unwrap_or("x");
            if !v.is_empty() {
                self.errs.push(FieldError {
                    column: format!("(cell {} without a header)", p + 1),
                    value: v.to_string(),
                    expected: "empty: the column has no name in the header".to_string(),
                });
            }
        }
        let before = self.errs.len();
        let cells = &cells[..columns.len()];
        let mut errs = std::mem::take(&mut self.errs);
        let ok = match layout.entity {
            Entity::Identifications => self
                .rules
                .check_identification(cells, &mut errs)
                .map(|r| self.batch.identifications.push(r)),
            Entity::Assessments => self
                .rules
                .check_assessment(cells, &mut errs)
                .map(|r| self.batch.assessments.push(r)),
            Entity::HotlineCalls => self
                .rules
                .check_hotline_call(cells, &mut errs)
                .map(|r| self.batch.hotline_calls.push(r)),
            Entity::History => self
                .rules
                .check_history_row(cells, &mut errs)
                .map(|r| self.batch.history.push(r)),
            Entity::Persons => self
                .rules
                .check_person(cells, &mut errs)
                .map(|r| self.persons.push(r)),
        };
        if ok.is_some() {
            let e = layout.entity as usize;
            // Persons are not handed over: they are written with the rest, encrypted.
            if layout.entity != Entity::Persons
                && self.batch.counts()[e] - self.handed[e] >= HAND_OVER_ROWS
            {
                self.hand_over(HAND_OVER_ROWS - 1, [false; 4]);
            }
            self.origins[layout.entity as usize].push(Origin {
                source: src as u32,
                line: u32::try_from(line).unwrap_or(u32::MAX),
            });
        }
        if muted != 0 {
            let mut i = 0;
            errs.retain(|e| {
                let keep = i < before
                    || columns
                        .iter()
                        .position(|c| *c == e.column)
                        .is_none_or(|c| muted & (1 << c) == 0);
                i += 1;
                keep
            });
        }
        for e in errs.drain(..) {
            self.problem(src, Some(line), Some(e.column), Some(e.value), e.expected);
        }
        self.errs = errs;
        true
    }

    fn read_csv_file(&mut self, src: usize, path: &Path, entity: Entity) {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => return self.file_problem(src, format!("cannot open the file: {e}")),
        };
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        self.read_csv_source(src, entity, file, size);
    }

    /// Reads one CSV file of `entity` from `input` (`size` bytes long, for the progress
    /// bar), and lists it among the files read.
    fn read_csv_source<R: Read>(&mut self, src: usize, entity: Entity, input: R, size: u64) {
        let mut reader = BufReader::with_capacity(1 << 16, input);
        // A UTF-8 byte-order mark (Excel's "CSV UTF-8") is not part of the first column name.
        match reader.fill_buf() {
            Ok(buf) if buf.starts_with(b"\xEF\xBB\xBF") => reader.consume(3),
            Ok(_) => {}
            Err(e) => return self.file_problem(src, format!("cannot read the file: {e}")),
        }
        // The header is in the first 64 KiB (unless the file is no register file at all).
        let separator = match reader.fill_buf() {
            Ok(buf) => separator_of(buf, entity),
            Err(e) => return self.file_problem(src, format!("cannot read the file: {e}")),
        };
        let pb =
            (self.progress && size > PROGRESS_BYTES).then(|| bar(size, entity.file_name(), true));
        let rows = self.read_csv(src, entity, separator, LineEnds::new(reader), pb.as_ref());
        if let Some(pb) = pb {
            pb.finish_and_clear();
        }
        let s = &self.sources[src];
        self.files.push((
            self.arg,
            FileSummary {
                file: s.file.clone(),
                sheet: None,
                entity,
                rows,
                separator: Some(separator),
            },
        ));
    }

    /// Reads CSV text whose line ends are all `\n` and whose empty lines are not empty
    /// ([`LineEnds`]), so that the csv reader's line numbers are the file's.
    fn read_csv<R: Read>(
        &mut self,
        src: usize,
        entity: Entity,
        separator: Separator,
        reader: R,
        pb: Option<&ProgressBar>,
    ) -> u64 {
        let mut rdr = csv_reader(separator, reader);
        let mut rec = csv::ByteRecord::new();
        let not_utf8 = |b: &[u8]| {
            (
                String::from_utf8_lossy(b).into_owned(),
                "text in UTF-8 (save the file as \"CSV UTF-8\")".to_string(),
            )
        };
        // The header is the first row that is not blank.
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) if blank(&rec) => continue,
                Ok(true) => break,
                Ok(false) => {
                    self.file_problem(
                        src,
                        format!(
                            "the file is empty; expected a header row naming the columns ({})",
                            entity.columns().join(", ")
                        ),
                    );
                    return 0;
                }
                Err(e) => {
                    self.file_problem(src, format!("cannot read the file: {e}"));
                    return 0;
                }
            }
        }
        let line = rec.position().map_or(1, |p| p.line());
        let mut header = Vec::with_capacity(rec.len());
        for (p, f) in rec.iter().enumerate() {
            match std::str::from_utf8(f) {
                Ok(s) => header.push(s),
                Err(_) => {
                    let (value, expected) = not_utf8(f);
                    self.problem(
                        src,
                        Some(line),
                        Some(format!("(cell {})", p + 1)),
                        Some(value),
                        expected,
                    );
                    header.push("");
                }
            }
        }
        // A header of one cell with semicolons that are not all column names: say so
        // once, rather than calling every row malformed.
        if separator == Separator::Comma && header.len() == 1 && header[0].contains(';') {
            let unknown: Vec<String> = header[0]
                .split(';')
                .map(|c| {
                    c.trim_start_matches('\u{feff}')
                        .trim()
                        .trim_matches('"')
                        .trim()
                })
                .filter(|c| !c.is_empty() && !entity.columns().contains(c))
                .map(|c| format!("`{c}`"))
                .collect();
            let unknown = if unknown.is_empty() {
                "no column names".to_string()
            } else {
                format!("the unknown column(s) {}", unknown.join(", "))
            };
            self.problem(
                src,
                Some(line),
                None,
                Some(header[0].to_string()),
                format!(
                    "a header separated by commas, or by semicolons naming only columns of {entity} ({}); split at its semicolons this header has {unknown}",
                    entity.columns().join(", ")
                ),
            );
            return 0;
        }
        let mut layout = self.layout(src, entity, &header, line);
        layout.separator = separator;
        let mut rows = 0u64;
        let mut spare = csv::ByteRecord::new();
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map(|p| p.line());
                    self.problem(src, line, None, None, format!("cannot read the file: {e}"));
                    break;
                }
            }
            let line = rec.position().map_or(0, |p| p.line());
            // UTF-8 is checked once for the whole record; only a record that fails is
            // read field by field, to name the field.
            // (`spare` stands in for the record meanwhile, so no buffer is allocated.)
            let checked = csv::StringRecord::from_byte_record(std::mem::replace(&mut rec, spare));
            let (counted, back) = match checked {
                Ok(text) => {
                    let counted = self.row(src, &layout, line, text.len(), |p| {
                        Ok(plain(text.get(p).unwrap_or("")))
                    });
                    (counted, text.into_byte_record())
                }
                Err(e) => {
                    let r = e.into_byte_record();
                    let counted = self.row(src, &layout, line, r.len(), |p| {
                        let b = r.get(p).unwrap_or(b"");
                        std::str::from_utf8(b).map(plain).map_err(|_| not_utf8(b))
                    });
                    (counted, r)
                }
            };
            spare = std::mem::replace(&mut rec, back);
            if counted {
                rows += 1;
                if rows.is_multiple_of(8192)
                    && let Some(pb) = pb
                {
                    pb.set_position(rec.position().map_or(0, |p| p.byte()));
                }
            }
        }
        rows
    }

    fn read_xlsx_file(&mut self, name: &str, path: &Path) {
        match File::open(path) {
            Ok(f) => self.read_xlsx(name, BufReader::new(f)),
            Err(e) => {
                let src = self.add_source(name, None);
                self.file_problem(src, format!("cannot read the workbook: {e}"));
            }
        }
    }

    /// Reads a workbook, once [`workbook_guard`] has found nothing in it that would take
    /// more memory or time than a register can need.
    fn read_xlsx<RS: Read + Seek>(&mut self, name: &str, mut input: RS) {
        if let Err(why) = workbook_guard(&mut input) {
            let src = self.add_source(name, None);
            return self.file_problem(src, why);
        }
        let mut wb: Xlsx<_> = match Xlsx::new(input) {
            Ok(wb) => wb,
            Err(e) => {
                let src = self.add_source(name, None);
                return self.file_problem(src, format!("cannot read the workbook: {e}"));
            }
        };
        let names = wb.sheet_names();
        if names.is_empty() {
            let src = self.add_source(name, None);
            self.file_problem(src, "the workbook has no sheets".into());
        }
        let mut seen = HashSet::new();
        for sheet in names {
            let src = self.add_source(name, Some(&sheet));
            let Some(entity) = Entity::from_name(&sheet) else {
                self.file_problem(
                    src,
                    format!(
                        "unknown sheet; expected sheets named {}",
                        Entity::READ.map(Entity::name).join(", ")
                    ),
                );
                continue;
            };
            if !seen.insert(entity) {
                self.file_problem(
                    src,
                    format!("a second sheet for {entity}; keep one sheet per entity"),
                );
                continue;
            }
            let cells = match wb.worksheet_cells_reader(&sheet) {
                Ok(r) => r,
                Err(e) => {
                    self.file_problem(src, format!("cannot read the sheet: {e}"));
                    continue;
                }
            };
            let rows = self.read_sheet(src, entity, cells);
            self.files.push((
                self.arg,
                FileSummary {
                    file: name.to_string(),
                    sheet: Some(sheet),
                    entity,
                    rows,
                    separator: None,
                },
            ));
        }
    }

    /// Reads a sheet cell by cell as calamine streams it, one row buffer reused: a
    /// workbook of a million rows is never held as a whole grid. Positions are absolute
    /// sheet columns and lines are sheet rows, as the spreadsheet shows them.
    fn read_sheet<RS: std::io::Read + std::io::Seek>(
        &mut self,
        src: usize,
        entity: Entity,
        mut cells: calamine::XlsxCellReader<'_, RS>,
    ) -> u64 {
        let height = cells.dimensions().end.0 as usize + 1;
        let pb = (self.progress && height > PROGRESS_ROWS)
            .then(|| bar(height as u64, entity.name(), false));
        let mut sheet = SheetRows::default();
        let mut layout: Option<Layout> = None;
        let mut rows = 0u64;
        loop {
            let cell = match cells.next_cell() {
                Ok(c) => c,
                Err(e) => {
                    self.file_problem(src, format!("cannot read the sheet: {e}"));
                    break;
                }
            };
            let next_row = cell.as_ref().map(|c| c.get_position().0);
            if sheet.row.is_some() && next_row != sheet.row {
                rows += self.sheet_row(src, entity, &mut sheet, &mut layout);
                if let (Some(pb), Some(r)) = (&pb, sheet.row)
                    && r.is_multiple_of(4096)
                {
                    pb.set_position(u64::from(r));
                }
                sheet.clear();
            }
            let Some(cell) = cell else { break };
            let (r, c) = cell.get_position();
            if c >= SHEET_COLUMNS {
                self.problem(
                    src,
                    Some(u64::from(r) + 1),
                    Some(format!("(cell {})", u64::from(c) + 1)),
                    None,
                    format!(
                        "a cell beyond the last column a sheet has (XFD, column {}): the workbook is damaged or was not saved by a spreadsheet program; save it again from one",
                        format_count(u64::from(SHEET_COLUMNS))
                    ),
                );
                break;
            }
            sheet.row = Some(r);
            sheet.set(c as usize, cell.get_value());
        }
        if let Some(pb) = pb {
            pb.finish_and_clear();
        }
        if layout.is_none() {
            self.file_problem(
                src,
                format!(
                    "the sheet is empty; expected a header row naming the columns ({})",
                    entity.columns().join(", ")
                ),
            );
        }
        rows
    }

    /// Handles one complete sheet row: the first non-blank one is the header. Returns 1
    /// when it was a data row.
    fn sheet_row(
        &mut self,
        src: usize,
        entity: Entity,
        sheet: &mut SheetRows,
        layout: &mut Option<Layout>,
    ) -> u64 {
        let line = u64::from(sheet.row.unwrap_or(0)) + 1;
        let Some(l) = layout else {
            if sheet.text[..sheet.len].iter().all(|t| t.trim().is_empty()) {
                return 0;
            }
            let header: Vec<&str> = (0..sheet.len)
                .map(|p| {
                    if sheet.bad[p].is_some() {
                        ""
                    } else {
                        sheet.text[p].as_str()
                    }
                })
                .collect();
            *layout = Some(self.layout(src, entity, &header, line));
            return 0;
        };
        // Cells right of the header's last column: allowed only when empty.
        let width = l.width;
        sheet.reserve(width);
        let mut stray = Vec::new();
        for p in width..sheet.len {
            let t = sheet.text[p].trim();
            if !t.is_empty() || sheet.bad[p].is_some() {
                stray.push((p, t.to_string()));
            }
        }
        let (t, b) = (&sheet.text, &sheet.bad);
        let counted = self.row(src, l, line, width, |p| match &b[p] {
            Some(e) => Err(e.clone()),
            None => Ok(t[p].as_str()),
        });
        for (p, value) in stray {
            self.problem(
                src,
                Some(line),
                Some(format!("(cell {} without a header)", p + 1)),
                Some(value),
                "empty: the column has no name in the header".into(),
            );
        }
        u64::from(counted)
    }

    /// Reports every key (ref, or history series/year/category) that appears on more than
    /// one row: a re-import updates by key, so two rows with one key would silently lose one.
    fn duplicates(&mut self) {
        let b = std::mem::take(&mut self.batch);
        self.dup_check(
            Entity::Identifications,
            "case_ref",
            b.identifications.iter().map(|r| r.case_ref.as_str()),
        );
        self.dup_check(
            Entity::Assessments,
            "assessment_ref",
            b.assessments.iter().map(|r| r.assessment_ref.as_str()),
        );
        self.dup_check(
            Entity::HotlineCalls,
            "call_ref",
            b.hotline_calls.iter().map(|r| r.call_ref.as_str()),
        );
        let keys: Vec<String> = b
            .history
            .iter()
            .map(|r| {
                let (s, y, c) = r.key();
                if c.is_empty() {
                    format!("{s} {y}")
                } else {
                    format!("{s} {y} {c}")
                }
            })
            .collect();
        self.dup_check(Entity::History, "series", keys.iter().map(String::as_str));
        self.batch = b;
        let persons = std::mem::take(&mut self.persons);
        self.dup_check(
            Entity::Persons,
            "person_ref",
            persons.iter().map(|p| p.person_ref.as_str()),
        );
        self.persons = persons;
    }

    fn dup_check<'k>(
        &mut self,
        entity: Entity,
        column: &str,
        keys: impl ExactSizeIterator<Item = &'k str> + Clone,
    ) {
        // Files exported by Spor, and most others, list their rows in key order: keys that
        // only ever increase cannot repeat, and one comparison per row shows it. Otherwise
        // every key goes through a hash map.
        if keys.clone().is_sorted_by(|a, b| a < b) {
            return;
        }
        let mut first: rustc_hash::FxHashMap<&str, usize> =
            HashMap::with_capacity_and_hasher(keys.len(), Default::default());
        let mut found = Vec::new();
        for (i, k) in keys.enumerate() {
            if let Some(&j) = first.get(k) {
                found.push((i, j, k));
            } else {
                first.insert(k, i);
            }
        }
        let origins = &self.origins[entity as usize];
        let found: Vec<_> = found
            .into_iter()
            .map(|(i, j, k)| (origins[i], origins[j], k.to_string()))
            .collect();
        for (at, other, key) in found {
            let o = &self.sources[other.source as usize];
            let place = match &o.sheet {
                Some(_) if other.source == at.source => format!("line {}", other.line),
                Some(s) => format!("{}, sheet {s}, line {}", o.file, other.line),
                None if other.source == at.source => format!("line {}", other.line),
                None => format!("{} line {}", o.file, other.line),
            };
            let (column, what) = if entity == Entity::History {
                ("series, year, category", "series, year and category")
            } else {
                (column, column)
            };
            self.problem(
                at.source as usize,
                Some(u64::from(at.line)),
                Some(column.to_string()),
                Some(key),
                format!("a {what} used by no other row ({place} has the same)"),
            );
        }
    }

    /// Hands the rows not yet handed over to the sink, for each entity with more than `min`
    /// of them, and says which entities are `complete`, unless a problem has been found.
    fn hand_over(&mut self, min: usize, complete: [bool; 4]) {
        if !self.problems.is_empty() {
            return;
        }
        let b = &self.batch;
        let h = self.handed;
        let rows = ImportBatch {
            identifications: tail(&b.identifications, h[0], min),
            assessments: tail(&b.assessments, h[1], min),
            hotline_calls: tail(&b.hotline_calls, h[2], min),
            history: tail(&b.history, h[3], min),
        };
        let sent = rows.counts();
        let newly_complete = (0..4).any(|i| complete[i] && !self.said_complete[i]);
        if rows.is_empty() && !newly_complete {
            return;
        }
        for i in 0..4 {
            self.handed[i] += sent[i];
            self.said_complete[i] |= complete[i];
        }
        (self.sink)(Handover { rows, complete });
    }

    fn finish(mut self) -> Result<Import, Refusal> {
        self.duplicates();
        let mismatches = reconcile(&self.batch.history);
        // Files were read in the order of the entities; they are listed as named.
        self.files.sort_by_key(|(arg, _)| *arg);
        let files: Vec<FileSummary> = self.files.into_iter().map(|(_, f)| f).collect();
        if self.problems.is_empty() {
            return Ok(Import {
                batch: self.batch,
                persons: self.persons,
                files,
                mismatches,
            });
        }
        let mut problems = self.problems;
        let sources = &self.sources;
        problems.sort_by_key(|p| (sources[p.source].arg, p.source, p.line.unwrap_or(0)));
        let bad_rows = problems
            .iter()
            .filter_map(|p| {
                p.line
                    .filter(|&l| l > sources[p.source].header_line)
                    .map(|l| (p.source, l))
            })
            .collect::<HashSet<_>>()
            .len() as u64;
        Err(Refusal {
            problems,
            bad_rows,
            files,
            mismatches,
        })
    }
}

/// A reader of CSV records separated by `separator`, each row as long as it is (a row of
/// another width is reported, not a read error).
fn csv_reader<R: Read>(separator: Separator, reader: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(separator.byte())
        .from_reader(reader)
}

/// A record whose cells are all empty or spaces (an empty line, after [`LineEnds`]).
fn blank(rec: &csv::ByteRecord) -> bool {
    rec.iter().all(|f| f.trim_ascii().is_empty())
}

/// The separator of a CSV file of `entity` that starts with `start` (its byte-order mark
/// removed): semicolon when its header, read with commas, is one cell with semicolons and,
/// split at them, names only columns of the entity; comma otherwise. The spec's format is
/// commas, and a header that mixes column names with other words could be either: it is
/// read with commas, and the header check says what it found.
fn separator_of(start: &[u8], entity: Entity) -> Separator {
    let first = |separator| {
        let mut rdr = csv_reader(separator, LineEnds::new(start));
        let mut rec = csv::ByteRecord::new();
        while let Ok(true) = rdr.read_byte_record(&mut rec) {
            if !blank(&rec) {
                return Some(rec);
            }
        }
        None
    };
    let Some(header) = first(Separator::Comma) else {
        return Separator::Comma;
    };
    if header.len() != 1 || !header[0].contains(&b';') {
        return Separator::Comma;
    }
    let Some(header) = first(Separator::Semicolon) else {
        return Separator::Comma;
    };
    let mut named = 0;
    for cell in &header {
        let Ok(name) = std::str::from_utf8(cell) else {
            return Separator::Comma;
        };
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        if !entity.columns().contains(&name) {
            return Separator::Comma;
        }
        named += 1;
    }
    if named > 0 {
        Separator::Semicolon
    } else {
        Separator::Comma
    }
}

/// The bytes of a CSV file with every line end made `\n` (CRLF, and a lone CR as old Mac
/// programs write it, alike) and a space put on every empty line.
///
/// The csv reader counts lines by `\n`, and stamps a record with the position where it
/// started reading it: before the `\n` of a CRLF (the CR ended the previous record) and
/// before the empty lines it skips. With CRLF every record would so be named by the line
/// before it; after this, a record's line is the one an editor shows it on. Inside a quoted
/// cell a line break becomes `\n` too; register values hold no line breaks. The row
/// checks skip the blank rows the spaces make.
struct LineEnds<R> {
    inner: R,
    /// The last byte given out ended a line (so, at the start, an empty first line is one).
    at_line_start: bool,
    /// The last byte read was a CR: a LF right after it ends the same line.
    after_cr: bool,
    /// A `\n` still to give out, after a space that filled the caller's buffer.
    pending: bool,
}

impl<R: BufRead> LineEnds<R> {
    fn new(inner: R) -> Self {
        LineEnds {
            inner,
            at_line_start: true,
            after_cr: false,
            pending: false,
        }
    }
}

impl<R: BufRead> Read for LineEnds<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let mut o = 0;
        if self.pending {
            self.pending = false;
            out[0] = b'\n';
            o = 1;
        }
        loop {
            let input = self.inner.fill_buf()?;
            if input.is_empty() {
                return Ok(o);
            }
            let mut i = 0;
            while i < input.len() && o < out.len() {
                let b = input[i];
                if b != b'\n' && b != b'\r' {
                    // The rest of the line as it is, in one copy.
                    let room = (out.len() - o).min(input.len() - i);
                    // (memchr's vector search: a byte loop here made reading a CSV file
                    // half as slow again.)
                    let n = memchr::memchr2(b'\n', b'\r', &input[i..i + room]).unwrap_or(room);
                    out[o..o + n].copy_from_slice(&input[i..i + n]);
                    (i, o) = (i + n, o + n);
                    self.at_line_start = false;
                    self.after_cr = false;
                    continue;
                }
                i += 1;
                if b == b'\n' && self.after_cr {
                    self.after_cr = false;
                    continue;
                }
                self.after_cr = b == b'\r';
                if self.at_line_start {
                    out[o] = b' ';
                    o += 1;
                    if o == out.len() {
                        self.pending = true;
                        continue;
                    }
                }
                out[o] = b'\n';
                o += 1;
                self.at_line_start = true;
            }
            self.inner.consume(i);
            // Nothing given out only when the input was the LF of a CRLF: read on.
            if o > 0 {
                return Ok(o);
            }
        }
    }
}

/// Largest uncompressed size of one part of a workbook: a sheet of a million register
/// rows is about half a gigabyte of XML.
const MAX_PART_BYTES: u64 = 2 << 30;
/// Largest uncompressed size of all the parts of a workbook together.
const MAX_WORKBOOK_BYTES: u64 = 4 << 30;
/// The shared strings are read whole into memory (the sheets are streamed).
const MAX_SHARED_STRINGS_BYTES: u64 = 512 << 20;
/// Deflate packs a spreadsheet's XML some 5 to 30 times; a part that would unpack to more
/// than this many times its packed size is a zip bomb. (Apache POI's `ZipSecureFile`
/// refuses the same ratio by default, its minimum inflate ratio 0.01.)
const MAX_INFLATE_RATIO: u64 = 100;
/// Parts smaller than this are not held to the ratio: a small part of one repeated
/// character packs far better than 100 times and harms nothing.
const RATIO_FROM_BYTES: u64 = 1 << 20;

/// Refuses a workbook whose parts would unpack to more than a register can need, or to
/// more than [`MAX_INFLATE_RATIO`] times their packed size, before any of it is unpacked.
/// The sizes are the ones the zip's directory declares; the zip reader never unpacks more
/// than a part declares (it stops with an error), so they bound what is read. Input that
/// is no zip at all is left to the workbook reader, which says so.
fn workbook_guard<RS: Read + Seek>(input: &mut RS) -> Result<(), String> {
    let io = |e: io::Error| format!("cannot read the workbook: {e}");
    let start = input.stream_position().map_err(io)?;
    let again = "save the workbook again from the spreadsheet program";
    let mut total = 0u64;
    if let Ok(mut zip) = zip::ZipArchive::new(&mut *input) {
        for i in 0..zip.len() {
            let Ok(part) = zip.by_index_raw(i) else {
                continue;
            };
            let (size, packed) = (part.size(), part.compressed_size());
            let name = part
                .name()
                .map_or_else(|_| format!("number {}", i + 1), |n| n.to_string());
            let limit = if name.eq_ignore_ascii_case("xl/sharedStrings.xml") {
                MAX_SHARED_STRINGS_BYTES
            } else {
                MAX_PART_BYTES
            };
            if size > limit {
                return Err(format!(
                    "the workbook's part `{name}` would unpack to {} bytes, more than the {} a register's workbook can need; {again}, or split the register into several workbooks",
                    format_count(size),
                    format_count(limit)
                ));
            }
            if size > RATIO_FROM_BYTES && size / packed.max(1) > MAX_INFLATE_RATIO {
                return Err(format!(
                    "the workbook's part `{name}` would unpack to {} bytes from {} ({} times): a zip bomb, not what a spreadsheet program saves; {again}",
                    format_count(size),
                    format_count(packed),
                    format_count(size / packed.max(1))
                ));
            }
            // Every XML part but the shared strings (text, where a quote is no attribute):
            // a sheet is whatever part the workbook's relations name, not only
            // xl/worksheets/*.xml.
            if name.to_ascii_lowercase().ends_with(".xml")
                && !name.eq_ignore_ascii_case("xl/sharedStrings.xml")
            {
                drop(part);
                if let Ok(xml) = zip.by_index(i) {
                    cell_references(xml).map_err(|bad| match bad {
                        BadPart::Unreadable(e) => format!(
                            "the workbook's part `{name}` cannot be unpacked ({e}): the workbook is damaged; {again}"
                        ),
                        BadPart::Reference(r) => format!(
                            "the workbook's part `{name}` has a cell reference `{r}` that is no cell of a sheet (columns A to XFD, rows 1 to 1.048.576); {again}"
                        ),
                    })?;
                }
            }
            total = total.saturating_add(size);
            if total > MAX_WORKBOOK_BYTES {
                return Err(format!(
                    "the workbook would unpack to more than {} bytes, more than a register's workbook can need; {again}, or split the register into several workbooks",
                    format_count(MAX_WORKBOOK_BYTES)
                ));
            }
        }
    }
    input.seek(io::SeekFrom::Start(start)).map_err(io)?;
    Ok(())
}

/// Checks every cell and range reference of a sheet's XML (the `r` of its rows and cells,
/// the `ref` of its dimension and merged cells) before calamine reads them: calamine adds
/// up a reference's letters and digits without a bound, which overflows on a long one
/// (found by the `xlsx` fuzz target: a panic in a debug build, a cell silently put
/// elsewhere in a release build). Streams the part; the first bad reference is returned,
/// cut to 40 characters.
fn cell_references<R: Read>(mut xml: R) -> Result<(), BadPart> {
    const PATTERNS: [&[u8]; 2] = [b" r=\"", b" ref=\""];
    const LONGEST: usize = 64;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = match xml.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            // Refused, not left to calamine: it would read the part up to the damage, past
            // what this check saw.
            Err(e) => return Err(BadPart::Unreadable(e.to_string())),
        };
        buf.extend_from_slice(&chunk[..n]);
        // Matches whose value ends in `buf` are checked; the tail that may hold the start
        // of one cut by the chunk's end is kept for the next round.
        let mut keep_from = buf.len().saturating_sub(LONGEST);
        for pattern in PATTERNS {
            for at in memchr::memmem::find_iter(&buf, pattern) {
                let start = at + pattern.len();
                match memchr::memchr(b'"', &buf[start..(start + LONGEST).min(buf.len())]) {
                    Some(len) => {
                        valid_reference(&buf[start..start + len]).map_err(BadPart::Reference)?
                    }
                    None if buf.len() - start < LONGEST => keep_from = keep_from.min(at),
                    None => {
                        let value = String::from_utf8_lossy(&buf[start..start + 40]);
                        return Err(BadPart::Reference(format!("{value}…")));
                    }
                }
            }
        }
        buf.drain(..keep_from);
    }
    Ok(())
}

/// Why a part of a workbook is refused before calamine reads it.
enum BadPart {
    /// It cannot be unpacked (damaged deflate data, a wrong checksum).
    Unreadable(String),
    /// It holds this reference, which is no cell of a sheet.
    Reference(String),
}

/// A reference as a sheet holds it: `A1`, a row `7`, or a range `A1:XFD1048576`.
fn valid_reference(value: &[u8]) -> Result<(), String> {
    let one = |r: &[u8]| {
        let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let digits = &r[letters..];
        // At most three letters before they are added up: no overflow here either.
        letters <= 3
            && r[..letters].iter().fold(0u32, |c, b| {
                c * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
            }) <= SHEET_COLUMNS
            && (1..=7).contains(&digits.len())
            && digits.iter().all(u8::is_ascii_digit)
            && std::str::from_utf8(digits)
                .ok()
                .and_then(|d| d.parse::<u32>().ok())
                .is_some_and(|row| (1..=1_048_576).contains(&row))
    };
    if value.split(|&b| b == b':').all(one) {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&value[..value.len().min(40)]).into_owned())
    }
}

/// Rows handed to the sink at a time.
const HAND_OVER_ROWS: usize = 16_384;

/// Copies of the rows after the first `from`, when there are more than `min` of them.
fn tail<T: Clone>(rows: &[T], from: usize, min: usize) -> Vec<T> {
    if rows.len() - from > min {
        rows[from..].to_vec()
    } else {
        Vec::new()
    }
}

/// The cells of the sheet row being read, as text, reused from row to row.
#[derive(Default)]
struct SheetRows {
    row: Option<u32>,
    text: Vec<String>,
    bad: Vec<Option<(String, String)>>,
    /// Cells in use in this row (up to the rightmost cell seen).
    len: usize,
}

impl SheetRows {
    fn reserve(&mut self, len: usize) {
        if self.text.len() < len {
            self.text.resize(len, String::new());
            self.bad.resize(len, None);
        }
        self.len = self.len.max(len);
    }

    fn set(&mut self, col: usize, value: &calamine::DataRef<'_>) {
        self.reserve(col + 1);
        let out = &mut self.text[col];
        self.bad[col] = match value {
            calamine::DataRef::SharedString(s) => {
                out.push_str(s);
                Ok(())
            }
            calamine::DataRef::String(s) => {
                out.push_str(s);
                Ok(())
            }
            other => cell_text(&Data::from(other.clone()), out),
        }
        .err();
    }

    fn clear(&mut self) {
        for p in 0..self.len {
            self.text[p].clear();
            self.bad[p] = None;
        }
        self.len = 0;
        self.row = None;
    }
}

/// Turns a sheet cell into the text a CSV file would hold: whole numbers without `.0`,
/// dates as `2023-04-17`, date-times as `2023-04-17T09:30:00`, booleans as `true`/`false`.
/// Error cells (`#N/A`, …) are bad.
fn cell_text(d: &Data, out: &mut String) -> Result<(), (String, String)> {
    use std::fmt::Write;
    match d {
        Data::Empty => {}
        Data::String(s) => out.push_str(s),
        Data::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                let _ = write!(out, "{}", *f as i64);
            } else {
                let _ = write!(out, "{f}");
            }
        }
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, da, h, mi, s, ms) = dt.to_ymd_hms_milli();
            let _ = write!(out, "{y:04}-{mo:02}-{da:02}");
            if (h, mi, s, ms) != (0, 0, 0, 0) {
                let _ = write!(out, "T{h:02}:{mi:02}:{s:02}");
                if ms != 0 {
                    let _ = write!(out, ".{ms:03}");
                }
            }
        }
        Data::DateTime(dt) => {
            return Err((
                format!("{}", dt.as_f64()),
                "a date or a text value, not a duration".to_string(),
            ));
        }
        Data::DateTimeIso(s) => out.push_str(s.strip_suffix("T00:00:00").unwrap_or(s)),
        Data::DurationIso(s) => {
            return Err((
                s.clone(),
                "a date or a text value, not a duration".to_string(),
            ));
        }
        Data::Error(e) => {
            return Err((
                e.to_string(),
                "a value, not a spreadsheet error; fix the formula or type the value".to_string(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `input` through [`LineEnds`], read `chunk` bytes at a time from an inner buffer of
    /// `inner` bytes.
    fn normalised(input: &[u8], inner: usize, chunk: usize) -> String {
        let mut r = LineEnds::new(BufReader::with_capacity(inner, input));
        let mut out = Vec::new();
        let mut buf = vec![0; chunk];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn line_ends_become_lf_and_empty_lines_a_space_however_the_bytes_arrive() {
        let cases = [
            ("a,b\nc,d\n", "a,b\nc,d\n"),
            ("a,b\r\nc,d\r\n", "a,b\nc,d\n"),
            ("a,b\rc,d\r", "a,b\nc,d\n"),
            ("a,b\r\n\r\n\nc,d", "a,b\n \n \nc,d"),
            ("\r\na\r\r\n", " \na\n \n"),
            ("\"x\r\ny\",z\r\n", "\"x\ny\",z\n"),
            ("", ""),
        ];
        for (input, want) in cases {
            for (inner, chunk) in [(64, 64), (1, 1), (1, 2), (2, 1), (3, 5)] {
                assert_eq!(
                    normalised(input.as_bytes(), inner, chunk),
                    want,
                    "{input:?} read {chunk} at a time from {inner}"
                );
            }
        }
    }

    #[test]
    fn the_separator_is_semicolon_only_when_the_header_says_so_beyond_doubt() {
        use Separator::{Comma, Semicolon};
        let cases = [
            ("series,year,category,count\n", Comma, "the spec's format"),
            (
                "series;year;category;count\r\n1;2;3;4\r\n",
                Semicolon,
                "Excel, Danish",
            ),
            ("\r\n\r\nseries;year\r\n", Semicolon, "after empty lines"),
            ("series;year;;\n", Semicolon, "empty cells at the end"),
            ("\"series\";\"year\"\n", Semicolon, "quoted names"),
            ("series;year;Antal\n", Comma, "a name that is no column"),
            ("series;year,count\n", Comma, "commas too"),
            (";;;\n", Comma, "no names"),
            ("case_ref;person_ref\n", Comma, "columns of another entity"),
            ("", Comma, "an empty file"),
        ];
        for (start, want, why) in cases {
            assert_eq!(
                separator_of(start.as_bytes(), Entity::History),
                want,
                "{why}"
            );
        }
    }

    #[test]
    fn spreadsheet_cells_become_the_text_a_csv_would_hold() {
        let text = |d: Data| {
            let mut s = String::new();
            cell_text(&d, &mut s).map(|_| s)
        };
        assert_eq!(text(Data::Float(5.0)).unwrap(), "5");
        assert_eq!(text(Data::Float(33.5)).unwrap(), "33.5");
        assert_eq!(text(Data::Int(12)).unwrap(), "12");
        assert_eq!(text(Data::Bool(true)).unwrap(), "true");
        // 45033 is 2023-04-17 in Excel's 1900 date system.
        let d = calamine::ExcelDateTime::new(45033.0, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(text(Data::DateTime(d)).unwrap(), "2023-04-17");
        let d = calamine::ExcelDateTime::new(
            45033.3958333333,
            calamine::ExcelDateTimeType::DateTime,
            false,
        );
        assert_eq!(text(Data::DateTime(d)).unwrap(), "2023-04-17T09:30:00");
        assert!(text(Data::Error(calamine::CellErrorType::NA)).is_err());
    }
}
