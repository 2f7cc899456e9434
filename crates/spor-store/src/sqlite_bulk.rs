//! The SQLite backend's two heavy paths, written on rusqlite: importing a whole register
//! and loading it for statistics. sqlx's SQLite driver hands every row and value across a
//! worker thread, which made a million-decision import or load take about ten times as long
//! as SQLite itself needs; these paths call SQLite directly on the same file. Everything
//! else (settings, code lists, web) stays on the shared sqlx SQL.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction};
use spor_core::{CodeBook, CodeEntry, ImportBatch, ListId, Register};

use crate::rows::*;
use crate::{ImportSummary, Result, StoreError};

/// Tables at least this large are loaded into an empty table with their secondary indexes
/// dropped and rebuilt afterwards: one sort instead of a million random index inserts.
const REBUILD_INDEXES_FROM: usize = 10_000;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e.to_string())
    }
}

impl From<rusqlite::types::FromSqlError> for StoreError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

pub(crate) fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 200 MB of page cache for the duration of this connection: bulk work stays in memory.
    conn.pragma_update(None, "cache_size", -200_000)?;
    Ok(conn)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The four entities of the register, in the order of [`ImportBatch`]'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Identifications,
    Assessments,
    HotlineCalls,
    History,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Identifications,
        Kind::Assessments,
        Kind::HotlineCalls,
        Kind::History,
    ];

    fn table(self) -> &'static str {
        match self {
            Kind::Identifications => "identifications",
            Kind::Assessments => "assessments",
            Kind::HotlineCalls => "hotline_calls",
            Kind::History => "history",
        }
    }

    fn len(self, b: &ImportBatch) -> usize {
        match self {
            Kind::Identifications => b.identifications.len(),
            Kind::Assessments => b.assessments.len(),
            Kind::HotlineCalls => b.hotline_calls.len(),
            Kind::History => b.history.len(),
        }
    }

    /// The key of row `i` of the batch, as text (to check that streamed rows are the
    /// batch's rows).
    fn key(self, b: &ImportBatch, i: usize) -> String {
        match self {
            Kind::Identifications => b.identifications[i].case_ref.as_str().to_owned(),
            Kind::Assessments => b.assessments[i].assessment_ref.as_str().to_owned(),
            Kind::HotlineCalls => b.hotline_calls[i].call_ref.as_str().to_owned(),
            Kind::History => {
                let (s, y, c) = b.history[i].key();
                format!("{} {y} {c}", s.code())
            }
        }
    }
}

/// Where one entity's table stands in an import.
enum TableState {
    /// Not looked at yet.
    Untouched,
    /// Empty when the import began: rows are appended with plain INSERTs as they come,
    /// `written` so far; the secondary indexes to rebuild at the end.
    Fresh {
        written: usize,
        last_key: Option<String>,
        rebuild: Vec<String>,
    },
    /// Held rows already: the batch is classified against them at the end.
    Existing,
    /// An append failed (a key twice in the files): the import cannot be committed.
    Failed(String),
}

/// An import transaction on one connection, begun before the files are read. Rows that
/// have been checked can be written into empty tables while the rest is still being read
/// ([`Pending::append`]); [`Pending::finish`] then writes whatever was not written yet,
/// against the whole validated batch, and commits. Dropped without `finish`, nothing of it
/// lands (the connection closes with the transaction open, which SQLite rolls back).
pub(crate) struct Pending {
    conn: Connection,
    /// The import runs with a rollback journal instead of the WAL (see
    /// [`Pending::take_for_first_import`]); the WAL comes back after the commit.
    rollback_journal: bool,
    /// Time spent writing while the files were read (for the debug log).
    busy: Duration,
    stamp: String,
    tables: [TableState; 4],
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}

impl Pending {
    pub(crate) fn begin(path: &Path) -> Result<Pending> {
        let conn = connect(path)?;
        let rollback_journal = Self::take_for_first_import(&conn)?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Pending {
            conn,
            rollback_journal,
            busy: Duration::ZERO,
            stamp: now(),
            tables: [
                TableState::Untouched,
                TableState::Untouched,
                TableState::Untouched,
                TableState::Untouched,
            ],
        })
    }

    /// A first import into an empty register, with no other connection to the file, runs
    /// with a rollback journal: its pages are then written once, into the database, where
    /// the WAL would write them twice (into the log, then into the database when it is
    /// checkpointed), and only a few original pages are journaled. `synchronous = FULL`
    /// keeps the commit as safe as the WAL's. Another connection (a running `spor serve`)
    /// keeps the file in WAL mode, and the import goes through the WAL as any other.
    fn take_for_first_import(conn: &Connection) -> Result<bool> {
        let empty: bool = conn.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM identifications) AND NOT EXISTS (SELECT 1 FROM assessments) \
             AND NOT EXISTS (SELECT 1 FROM hotline_calls) AND NOT EXISTS (SELECT 1 FROM history)",
            [],
            |r| r.get(0),
        )?;
        if !empty {
            return Ok(false);
        }
        let mode = conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| {
                r.get::<_, String>(0)
            })
            .unwrap_or_default();
        if !mode.eq_ignore_ascii_case("delete") {
            return Ok(false);
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(true)
    }

    fn is_empty(&self, table: &str) -> Result<bool> {
        let sql = format!("SELECT NOT EXISTS (SELECT 1 FROM {table})");
        Ok(self.conn.query_row(&sql, [], |r| r.get(0))?)
    }

    /// Drops the table's secondary indexes, returning the statements that rebuild them.
    fn drop_indexes(&self, table: &str) -> Result<Vec<String>> {
        let mut st = self.conn.prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL",
        )?;
        let found: Vec<(String, String)> = st
            .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (name, _) in &found {
            self.conn.execute(&format!("DROP INDEX \"{name}\""), [])?;
        }
        Ok(found.into_iter().map(|(_, sql)| sql).collect())
    }

    /// Classifies a table the first time rows of it come: empty (append) or not.
    /// `expected` rows are coming at least; a large fresh load drops the secondary indexes
    /// and rebuilds them at the end (one sort instead of a million random index inserts).
    fn open_table(&mut self, kind: Kind, expected: usize) -> Result<()> {
        if !matches!(self.tables[kind as usize], TableState::Untouched) {
            return Ok(());
        }
        let state = if self.is_empty(kind.table())? {
            TableState::Fresh {
                written: 0,
                last_key: None,
                rebuild: if expected >= REBUILD_INDEXES_FROM {
                    self.drop_indexes(kind.table())?
                } else {
                    Vec::new()
                },
            }
        } else {
            TableState::Existing
        };
        self.tables[kind as usize] = state;
        Ok(())
    }

    /// Writes checked rows that follow the ones appended before, into tables that were
    /// empty; rows for tables that held rows wait for [`Pending::finish`]. A failure is kept
    /// and reported by `finish`: the reader goes on and names every bad row first.
    pub(crate) fn append(&mut self, rows: &ImportBatch, complete: [bool; 4]) {
        let start = std::time::Instant::now();
        self.append_rows(rows);
        for kind in Kind::ALL {
            if complete[kind as usize] {
                self.rebuild_indexes(kind);
            }
        }
        self.busy += start.elapsed();
    }

    /// Rebuilds the indexes dropped for a fresh table whose rows are all written.
    fn rebuild_indexes(&mut self, kind: Kind) {
        let TableState::Fresh { rebuild, .. } = &mut self.tables[kind as usize] else {
            return;
        };
        if rebuild.is_empty() {
            return;
        }
        let start = std::time::Instant::now();
        for sql in std::mem::take(rebuild) {
            if let Err(e) = self.conn.execute(&sql, []) {
                self.tables[kind as usize] = TableState::Failed(e.to_string());
                return;
            }
        }
        tracing::debug!(
            table = kind.table(),
            ms = start.elapsed().as_millis(),
            "indexes rebuilt"
        );
    }

    fn append_rows(&mut self, rows: &ImportBatch) {
        for kind in Kind::ALL {
            let n = kind.len(rows);
            if n == 0 {
                continue;
            }
            if let Err(e) = self.open_table(kind, n) {
                self.tables[kind as usize] = TableState::Failed(e.to_string());
                continue;
            }
            if let TableState::Fresh { .. } = self.tables[kind as usize] {
                let result = self.insert(kind, rows, 0..n);
                let state = &mut self.tables[kind as usize];
                match (result, state) {
                    (
                        Ok(()),
                        TableState::Fresh {
                            written, last_key, ..
                        },
                    ) => {
                        *written += n;
                        *last_key = Some(kind.key(rows, n - 1));
                    }
                    (Err(e), state) => *state = TableState::Failed(e.to_string()),
                    _ => {}
                }
            }
        }
    }

    /// Plain multi-row INSERTs of rows `range` of one entity of `b`.
    fn insert(&self, kind: Kind, b: &ImportBatch, range: std::ops::Range<usize>) -> Result<()> {
        let stamp = self.stamp.as_str();
        let c = &self.conn;
        match kind {
            Kind::Identifications => insert_rows(
                c,
                IDENTIFICATION_INSERT,
                14,
                &b.identifications[range],
                |st, at, r| bind_identification(st, at, r, stamp),
            )?,
            Kind::Assessments => insert_rows(
                c,
                ASSESSMENT_INSERT,
                7,
                &b.assessments[range],
                |st, at, r| bind_assessment(st, at, r, stamp),
            )?,
            Kind::HotlineCalls => insert_rows(
                c,
                HOTLINE_INSERT,
                6,
                &b.hotline_calls[range],
                |st, at, r| bind_hotline_call(st, at, r, stamp),
            )?,
            Kind::History => insert_rows(c, HISTORY_INSERT, 5, &b.history[range], |st, at, r| {
                bind_history(st, at, r, stamp)
            })?,
        }
        Ok(())
    }

    /// Writes what the appends did not, against the whole validated `batch` (of which the
    /// appended rows must be the first ones of each entity, in order), rebuilds dropped
    /// indexes and commits.
    pub(crate) fn finish(mut self, batch: &ImportBatch) -> Result<ImportSummary> {
        let start = std::time::Instant::now();
        let mut counts = [crate::Counts::default(); 4];
        for kind in Kind::ALL {
            let n = kind.len(batch);
            let i = kind as usize;
            if n == 0 && matches!(self.tables[i], TableState::Untouched) {
                continue;
            }
            match std::mem::replace(&mut self.tables[i], TableState::Existing) {
                // Not appended while reading: a batch handed over whole may name a key
                // twice (the last row wins), which the classifying path handles.
                TableState::Untouched | TableState::Existing => {
                    counts[i] = self.write_classified(kind, batch)?;
                }
                TableState::Fresh {
                    written,
                    last_key,
                    rebuild,
                } => {
                    let consistent = written <= n
                        && last_key
                            .is_none_or(|k| written > 0 && kind.key(batch, written - 1) == k);
                    if !consistent {
                        return Err(StoreError::Conflict(format!(
                            "the {} written while reading are not the rows of the import; nothing was written",
                            kind.table()
                        )));
                    }
                    self.insert(kind, batch, written..n)?;
                    for sql in rebuild {
                        self.conn.execute(&sql, [])?;
                    }
                    counts[i].inserted = n as u64;
                }
                TableState::Failed(e) => {
                    return Err(StoreError::Sqlite(format!(
                        "{e} (while writing {}); nothing was written",
                        kind.table()
                    )));
                }
            }
        }
        let summary = ImportSummary {
            identifications: counts[0],
            assessments: counts[1],
            hotline_calls: counts[2],
            history: counts[3],
        };
        let t = summary.total();
        if t.inserted + t.updated > 0 {
            self.conn.execute(
                "INSERT INTO settings (key, value) VALUES ('last_change', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [&self.stamp],
            )?;
        }
        let commit = std::time::Instant::now();
        self.conn.execute_batch("COMMIT")?;
        if self.rollback_journal {
            // Back to the WAL for everyone else. Should this fail, the next open of the
            // store sets it again.
            let _ = self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
        }
        tracing::debug!(
            rollback_journal = self.rollback_journal,
            appending_ms = self.busy.as_millis(),
            finishing_ms = start.elapsed().as_millis(),
            commit_ms = commit.elapsed().as_millis(),
            "import written"
        );
        Ok(summary)
    }

    /// Classifies one entity of the batch against what is stored, then inserts or updates.
    fn write_classified(&self, kind: Kind, b: &ImportBatch) -> Result<crate::Counts> {
        let stamp = self.stamp.as_str();
        let conn = &self.conn;
        match kind {
            Kind::Identifications => write_entity(
                conn,
                kind,
                &b.identifications,
                |r| r.case_ref.clone(),
                load_identifications,
                &format!(
                    "{IDENTIFICATION_INSERT}{}{IDENTIFICATION_UPSERT}",
                    values(14)
                ),
                |st, r| bind_identification(st, 0, r, stamp),
            ),
            Kind::Assessments => write_entity(
                conn,
                kind,
                &b.assessments,
                |r| r.assessment_ref.clone(),
                load_assessments,
                &format!("{ASSESSMENT_INSERT}{}{ASSESSMENT_UPSERT}", values(7)),
                |st, r| bind_assessment(st, 0, r, stamp),
            ),
            Kind::HotlineCalls => write_entity(
                conn,
                kind,
                &b.hotline_calls,
                |r| r.call_ref.clone(),
                load_hotline_calls,
                &format!("{HOTLINE_INSERT}{}{HOTLINE_UPSERT}", values(6)),
                |st, r| bind_hotline_call(st, 0, r, stamp),
            ),
            Kind::History => write_entity(
                conn,
                kind,
                &b.history,
                |r| {
                    let (s, y, c) = r.key();
                    (s, y, c.to_owned())
                },
                load_history,
                &format!("{HISTORY_INSERT}{}{HISTORY_UPSERT}", values(5)),
                |st, r| bind_history(st, 0, r, stamp),
            ),
        }
    }
}

/// Writes the rows of one entity: classify against what is stored, then insert or update.
fn write_entity<T: PartialEq, K: std::hash::Hash + Eq>(
    conn: &Connection,
    kind: Kind,
    batch: &[T],
    key: impl Fn(&T) -> K,
    load: impl Fn(&Connection) -> Result<Vec<T>>,
    sql: &str,
    bind: impl Fn(&mut rusqlite::Statement<'_>, &T) -> rusqlite::Result<()>,
) -> Result<crate::Counts> {
    if batch.is_empty() {
        return Ok(crate::Counts::default());
    }
    let table = kind.table();
    let empty: bool = conn.query_row(
        &format!("SELECT NOT EXISTS (SELECT 1 FROM {table})"),
        [],
        |r| r.get(0),
    )?;
    let existing: HashMap<K, T> = if empty {
        HashMap::new()
    } else {
        load(conn)?.into_iter().map(|r| (key(&r), r)).collect()
    };
    let (write, counts) = classify(batch, &existing, &key);
    let mut rebuild = Vec::new();
    if empty && write.len() >= REBUILD_INDEXES_FROM {
        let mut st = conn.prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL",
        )?;
        let found: Vec<(String, String)> = st
            .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (name, sql) in found {
            conn.execute(&format!("DROP INDEX \"{name}\""), [])?;
            rebuild.push(sql);
        }
    }
    let mut st = conn.prepare(sql)?;
    for r in write {
        bind(&mut st, r)?;
        st.raw_execute()?;
    }
    for sql in rebuild {
        conn.execute(&sql, [])?;
    }
    Ok(counts)
}

fn values(n: usize) -> String {
    let p: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    format!("VALUES ({})", p.join(", "))
}

/// Binds one identification at parameters `at + 1 ..= at + 14`.
fn bind_identification(
    st: &mut rusqlite::Statement<'_>,
    at: usize,
    r: &spor_core::Identification,
    stamp: &str,
) -> rusqlite::Result<()> {
    let mut date = DateText::default();
    st.raw_bind_parameter(at + 1, r.case_ref.as_str())?;
    st.raw_bind_parameter(at + 2, r.person_ref.as_str())?;
    st.raw_bind_parameter(at + 3, date.of(r.decision_date))?;
    st.raw_bind_parameter(at + 4, r.authority.code())?;
    st.raw_bind_parameter(at + 5, r.outcome.code())?;
    st.raw_bind_parameter(at + 6, r.referral_actor.as_ref().map(|c| c.as_str()))?;
    st.raw_bind_parameter(at + 7, r.exploitation_form.map(|f| f.code()))?;
    st.raw_bind_parameter(at + 8, r.exploitation_subtype.as_ref().map(|c| c.as_str()))?;
    st.raw_bind_parameter(at + 9, r.gender.code())?;
    st.raw_bind_parameter(at + 10, r.age.map(i64::from))?;
    st.raw_bind_parameter(at + 11, r.nationality.as_str())?;
    match r.return_date {
        Some(d) => st.raw_bind_parameter(at + 12, date.of(d))?,
        None => st.raw_bind_parameter(at + 12, rusqlite::types::Null)?,
    }
    st.raw_bind_parameter(at + 13, r.return_country.as_ref().map(|c| c.as_str()))?;
    st.raw_bind_parameter(at + 14, stamp)
}

/// Binds one assessment at parameters `at + 1 ..= at + 7`.
fn bind_assessment(
    st: &mut rusqlite::Statement<'_>,
    at: usize,
    r: &spor_core::Assessment,
    stamp: &str,
) -> rusqlite::Result<()> {
    let mut date = DateText::default();
    st.raw_bind_parameter(at + 1, r.assessment_ref.as_str())?;
    st.raw_bind_parameter(at + 2, r.person_ref.as_str())?;
    st.raw_bind_parameter(at + 3, date.of(r.interview_date))?;
    st.raw_bind_parameter(at + 4, r.gender.code())?;
    st.raw_bind_parameter(at + 5, r.age.map(i64::from))?;
    st.raw_bind_parameter(at + 6, r.nationality.as_str())?;
    st.raw_bind_parameter(at + 7, stamp)
}

/// Binds one hotline call at parameters `at + 1 ..= at + 6`.
fn bind_hotline_call(
    st: &mut rusqlite::Statement<'_>,
    at: usize,
    r: &spor_core::HotlineCall,
    stamp: &str,
) -> rusqlite::Result<()> {
    st.raw_bind_parameter(at + 1, r.call_ref.as_str())?;
    st.raw_bind_parameter(at + 2, spor_core::format_timestamp(&r.received_at))?;
    st.raw_bind_parameter(at + 3, r.caller_type.code())?;
    st.raw_bind_parameter(at + 4, r.concerns_possible_victim)?;
    st.raw_bind_parameter(at + 5, r.topic.map(|t| t.code()))?;
    st.raw_bind_parameter(at + 6, stamp)
}

/// Binds one history row at parameters `at + 1 ..= at + 5`.
fn bind_history(
    st: &mut rusqlite::Statement<'_>,
    at: usize,
    r: &spor_core::HistoryRow,
    stamp: &str,
) -> rusqlite::Result<()> {
    st.raw_bind_parameter(at + 1, r.series.code())?;
    st.raw_bind_parameter(at + 2, i64::from(r.year))?;
    st.raw_bind_parameter(at + 3, r.category.as_deref().unwrap_or(""))?;
    st.raw_bind_parameter(at + 4, r.count.map(|c| c as i64))?;
    st.raw_bind_parameter(at + 5, stamp)
}

/// Rows per INSERT statement on the append path: one statement step per row was a third
/// of the writer's time.
const ROWS_PER_INSERT: usize = 32;

/// Appends `rows` with multi-row INSERTs (`head` names the table and its `cols` columns).
fn insert_rows<T>(
    conn: &Connection,
    head: &str,
    cols: usize,
    rows: &[T],
    bind: impl Fn(&mut rusqlite::Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let full = format!("{head}{}", multi_values(cols, ROWS_PER_INSERT));
    for group in rows.chunks(ROWS_PER_INSERT) {
        let mut st = if group.len() == ROWS_PER_INSERT {
            conn.prepare_cached(&full)?
        } else {
            conn.prepare_cached(&format!("{head}{}", multi_values(cols, group.len())))?
        };
        for (i, r) in group.iter().enumerate() {
            bind(&mut st, i * cols, r)?;
        }
        st.raw_execute()?;
    }
    Ok(())
}

/// `VALUES (?1, …), (…)` for `rows` rows of `cols` parameters.
fn multi_values(cols: usize, rows: usize) -> String {
    let row = |r: usize| {
        let p: Vec<String> = (1..=cols).map(|c| format!("?{}", r * cols + c)).collect();
        format!("({})", p.join(", "))
    };
    let all: Vec<String> = (0..rows).map(row).collect();
    format!("VALUES {}", all.join(", "))
}

/// A date as `YYYY-MM-DD` without going through a formatter: one per bound row.
#[derive(Default)]
struct DateText([u8; 10]);

impl DateText {
    fn of(&mut self, d: chrono::NaiveDate) -> &str {
        use chrono::Datelike;
        let (y, m, day) = (d.year(), d.month(), d.day());
        if !(0..=9999).contains(&y) {
            // Outside four digits: the general formatter (never from validated input).
            let s = d.to_string();
            let n = s.len().min(10);
            self.0[..n].copy_from_slice(&s.as_bytes()[..n]);
            return std::str::from_utf8(&self.0[..n]).unwrap_or("");
        }
        let y = y as u32;
        let digits = [
            y / 1000,
            y / 100 % 10,
            y / 10 % 10,
            y % 10,
            10,
            m / 10,
            m % 10,
            10,
            day / 10,
            day % 10,
        ];
        for (b, d) in self.0.iter_mut().zip(digits) {
            *b = if d == 10 { b'-' } else { b'0' + d as u8 };
        }
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

pub(crate) fn apply_import(path: &Path, batch: &ImportBatch) -> Result<ImportSummary> {
    Pending::begin(path)?.finish(batch)
}

fn load_identifications(tx: &Connection) -> Result<Vec<spor_core::Identification>> {
    let mut st = tx.prepare(
        "SELECT case_ref, person_ref, decision_date, authority, outcome, referral_actor, exploitation_form, exploitation_subtype, gender, age, nationality, return_date, return_country FROM identifications ORDER BY case_ref",
    )?;
    let mut rows = st.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(
            IdentificationCols {
                case_ref: r.get_ref(0)?.as_str()?,
                person_ref: r.get_ref(1)?.as_str()?,
                decision_date: r.get_ref(2)?.as_str()?,
                authority: r.get_ref(3)?.as_str()?,
                outcome: r.get_ref(4)?.as_str()?,
                referral_actor: r.get_ref(5)?.as_str_or_null()?,
                exploitation_form: r.get_ref(6)?.as_str_or_null()?,
                exploitation_subtype: r.get_ref(7)?.as_str_or_null()?,
                gender: r.get_ref(8)?.as_str()?,
                age: r.get(9)?,
                nationality: r.get_ref(10)?.as_str()?,
                return_date: r.get_ref(11)?.as_str_or_null()?,
                return_country: r.get_ref(12)?.as_str_or_null()?,
            }
            .into_record()?,
        );
    }
    Ok(out)
}

fn load_assessments(tx: &Connection) -> Result<Vec<spor_core::Assessment>> {
    let mut st = tx.prepare(
        "SELECT assessment_ref, person_ref, interview_date, gender, age, nationality FROM assessments ORDER BY assessment_ref",
    )?;
    let mut rows = st.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(
            AssessmentCols {
                assessment_ref: r.get_ref(0)?.as_str()?,
                person_ref: r.get_ref(1)?.as_str()?,
                interview_date: r.get_ref(2)?.as_str()?,
                gender: r.get_ref(3)?.as_str()?,
                age: r.get(4)?,
                nationality: r.get_ref(5)?.as_str()?,
            }
            .into_record()?,
        );
    }
    Ok(out)
}

fn load_hotline_calls(tx: &Connection) -> Result<Vec<spor_core::HotlineCall>> {
    let mut st = tx.prepare(
        "SELECT call_ref, received_at, caller_type, concerns_possible_victim, topic FROM hotline_calls ORDER BY call_ref",
    )?;
    let mut rows = st.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(
            HotlineCallCols {
                call_ref: r.get_ref(0)?.as_str()?,
                received_at: r.get_ref(1)?.as_str()?,
                caller_type: r.get_ref(2)?.as_str()?,
                concerns_possible_victim: r.get(3)?,
                topic: r.get_ref(4)?.as_str_or_null()?,
            }
            .into_record()?,
        );
    }
    Ok(out)
}

fn load_history(tx: &Connection) -> Result<Vec<spor_core::HistoryRow>> {
    let mut st = tx.prepare(
        "SELECT series, year, category, count FROM history ORDER BY series, year, category",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(RawHistory {
                series: r.get(0)?,
                year: r.get(1)?,
                category: r.get(2)?,
                count: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(RawHistory::into_record).collect()
}

fn setting(tx: &Transaction<'_>, key: &str) -> Result<Option<String>> {
    Ok(tx
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten())
}

fn code_additions(tx: &Transaction<'_>) -> Result<Vec<CodeEntry>> {
    let mut st = tx.prepare(
        "SELECT list, code, da, en, parent, eurostat, htcds FROM code_additions ORDER BY list, added_at, code",
    )?;
    let raw = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                CodeEntry {
                    list: ListId::Authority,
                    code: r.get(1)?,
                    da: r.get(2)?,
                    en: r.get(3)?,
                    parent: r.get(4)?,
                    eurostat: r.get(5)?,
                    htcds: r.get(6)?,
                    builtin: false,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raw.into_iter()
        .map(|(list, mut e)| {
            e.list = ListId::parse(&list)
                .ok_or_else(|| StoreError::Corrupt(format!("code list {list}")))?;
            Ok(e)
        })
        .collect()
}

/// The whole register in one read transaction (a consistent snapshot).
pub(crate) fn load_register(path: &Path) -> Result<Register> {
    let mut conn = connect(path)?;
    let tx = conn.transaction()?;
    let microdata_from = setting(&tx, "microdata_from")?
        .map(|v| {
            v.parse::<i32>()
                .map_err(|_| StoreError::Corrupt("microdata_from".into()))
        })
        .transpose()?;
    let last_change = setting(&tx, "last_change")?
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(&v)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| StoreError::Corrupt("last_change".into()))
        })
        .transpose()?;
    let reg = Register {
        identifications: load_identifications(&tx)?,
        assessments: load_assessments(&tx)?,
        hotline_calls: load_hotline_calls(&tx)?,
        history: load_history(&tx)?,
        microdata_from,
        codes: CodeBook::with_additions(code_additions(&tx)?),
        last_change,
    };
    tx.commit()?;
    Ok(reg)
}
