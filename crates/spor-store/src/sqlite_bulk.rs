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
    // 50 MB of page cache for the duration of this connection. More kept a whole large
    // import's pages in memory until the commit: a million decisions then took a tenth
    // longer (memory first touched costs more than SQLite writing pages out early).
    // Indexes are built with a smaller cache (see `create_indexes`).
    conn.pragma_update(None, "cache_size", -IMPORT_CACHE_KIB)?;
    Ok(conn)
}

/// The page cache of an import connection, in KiB.
const IMPORT_CACHE_KIB: i64 = 50_000;

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
        b.counts()[self as usize]
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
    /// Has the pages written so far put on disk while the import goes on (first imports).
    flusher: Option<Flusher>,
    /// Time spent writing while the files were read (for the debug log).
    busy: Duration,
    stamp: String,
    tables: [TableState; 4],
    /// The register held no records when the transaction began.
    empty_at_start: bool,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}

/// An import that is not finished (refused, or failed on the way) is rolled back, and a
/// file taken for a first import goes back to the WAL at once.
impl Drop for Pending {
    fn drop(&mut self) {
        if self.rollback_journal {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.back_to_wal();
        }
    }
}

impl Pending {
    /// Back to the WAL for everyone else after a first import. Should this fail, the next
    /// open of the store sets it again.
    fn back_to_wal(&mut self) {
        if std::mem::take(&mut self.rollback_journal) {
            let _ = self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
        }
    }

    pub(crate) fn begin(path: &Path) -> Result<Pending> {
        let conn = connect(path)?;
        let empty: bool = conn.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM identifications) AND NOT EXISTS (SELECT 1 FROM assessments) \
             AND NOT EXISTS (SELECT 1 FROM hotline_calls) AND NOT EXISTS (SELECT 1 FROM history)",
            [],
            |r| r.get(0),
        )?;
        let rollback_journal = empty && Self::take_for_first_import(&conn)?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        // Nothing written between the check and the transaction: it is still empty.
        let empty = empty && !conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM identifications) OR EXISTS (SELECT 1 FROM assessments) \
             OR EXISTS (SELECT 1 FROM hotline_calls)",
            [],
            |r| r.get::<_, bool>(0),
        )?;
        Ok(Pending {
            conn,
            empty_at_start: empty,
            flusher: if rollback_journal {
                Flusher::start(path)
            } else {
                None
            },
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
    /// Called for an empty register only.
    fn take_for_first_import(conn: &Connection) -> Result<bool> {
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

    /// Classifies a table the first time rows of it come: empty (append) or not.
    /// `expected` rows are coming at least; a large fresh load drops the secondary indexes
    /// and rebuilds them at the end (one sort instead of a million random index inserts).
    fn open_table(&mut self, kind: Kind, expected: usize) -> Result<()> {
        if !matches!(self.tables[kind as usize], TableState::Untouched) {
            return Ok(());
        }
        let state = if is_empty(&self.conn, kind.table())? {
            TableState::Fresh {
                written: 0,
                last_key: None,
                rebuild: if expected >= REBUILD_INDEXES_FROM {
                    drop_indexes(&self.conn, kind.table())?
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
        if let Err(e) = create_indexes(&self.conn, std::mem::take(rebuild)) {
            self.tables[kind as usize] = TableState::Failed(e.to_string());
            return;
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
                stamp,
                bind_identification,
            )?,
            Kind::Assessments => insert_rows(
                c,
                ASSESSMENT_INSERT,
                7,
                &b.assessments[range],
                stamp,
                bind_assessment,
            )?,
            Kind::HotlineCalls => insert_rows(
                c,
                HOTLINE_INSERT,
                6,
                &b.hotline_calls[range],
                stamp,
                bind_hotline_call,
            )?,
            Kind::History => {
                insert_rows(c, HISTORY_INSERT, 5, &b.history[range], stamp, bind_history)?
            }
        }
        Ok(())
    }

    /// Writes what the appends did not, against the whole validated `batch` (of which the
    /// appended rows must be the first ones of each entity, in order), rebuilds dropped
    /// indexes and commits.
    ///
    /// `columns` (the batch's records in the statistics' compact form) are kept when the
    /// register was empty and every record was appended as it came: what is stored is then
    /// exactly the batch. Any other import that changes records drops kept columns.
    pub(crate) fn finish(
        mut self,
        batch: &ImportBatch,
        columns: Option<Vec<u8>>,
    ) -> Result<ImportSummary> {
        let written = self.write_rest(batch)?;
        self.commit(written, columns)
    }

    /// The part of [`Pending::finish`] before the commit.
    pub(crate) fn write_rest(&mut self, batch: &ImportBatch) -> Result<Written> {
        let start = std::time::Instant::now();
        let mut counts = [crate::Counts::default(); 4];
        let mut all_appended = true;
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
                    all_appended &= kind == Kind::History;
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
                    create_indexes(&self.conn, rebuild)?;
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
        Ok(Written {
            summary: ImportSummary {
                identifications: counts[0],
                assessments: counts[1],
                hotline_calls: counts[2],
                history: counts[3],
            },
            all_appended,
            start,
        })
    }

    /// Keeps `columns` if they are the whole register (see [`Pending::finish`]), sets
    /// `last_change` and commits.
    pub(crate) fn commit(
        mut self,
        written: Written,
        columns: Option<Vec<u8>>,
    ) -> Result<ImportSummary> {
        let Written {
            summary,
            all_appended,
            start,
        } = written;
        let t = summary.total();
        if t.inserted + t.updated > 0 {
            self.conn.execute(
                "INSERT INTO settings (key, value) VALUES ('last_change', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [&self.stamp],
            )?;
            match columns.filter(|_| self.empty_at_start && all_appended) {
                Some(bytes) => self.conn.execute(
                    "INSERT OR REPLACE INTO statistics_columns (id, stamp, data) VALUES (1, ?1, ?2)",
                    rusqlite::params![&self.stamp, bytes],
                )?,
                None => self.conn.execute("DELETE FROM statistics_columns", [])?,
            };
        }
        drop(self.flusher.take());
        let commit = std::time::Instant::now();
        self.conn.execute_batch("COMMIT")?;
        let rollback_journal = self.rollback_journal;
        self.back_to_wal();
        tracing::debug!(
            rollback_journal,
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
                    multi_values(14, 1)
                ),
                |st, r| with_stamp(st, 14, stamp, |st| bind_identification(st, 0, r)),
            ),
            Kind::Assessments => write_entity(
                conn,
                kind,
                &b.assessments,
                |r| r.assessment_ref.clone(),
                load_assessments,
                &format!(
                    "{ASSESSMENT_INSERT}{}{ASSESSMENT_UPSERT}",
                    multi_values(7, 1)
                ),
                |st, r| with_stamp(st, 7, stamp, |st| bind_assessment(st, 0, r)),
            ),
            Kind::HotlineCalls => write_entity(
                conn,
                kind,
                &b.hotline_calls,
                |r| r.call_ref.clone(),
                load_hotline_calls,
                &format!("{HOTLINE_INSERT}{}{HOTLINE_UPSERT}", multi_values(6, 1)),
                |st, r| with_stamp(st, 6, stamp, |st| bind_hotline_call(st, 0, r)),
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
                &format!("{HISTORY_INSERT}{}{HISTORY_UPSERT}", multi_values(5, 1)),
                |st, r| with_stamp(st, 5, stamp, |st| bind_history(st, 0, r)),
            ),
        }
    }
}

/// What [`Pending::write_rest`] did, for [`Pending::commit`].
pub(crate) struct Written {
    summary: ImportSummary,
    /// Every record of the batch was appended to a table that was empty.
    all_appended: bool,
    start: std::time::Instant,
}

/// A thread that has the operating system write the database file's dirty pages to disk
/// (`fdatasync` on a descriptor of its own) every [`Flusher::EVERY`] while an import runs.
/// A large import hands SQLite's pages to the operating system as it goes, but Linux keeps
/// them in memory until the commit's `fsync`, which then waited for all of them: about
/// 0.45 s at the end of a 3 s million-decision import, with nothing else left to do.
/// Flushed along the way, the commit took about 0.12 s. Pages of a transaction that is not committed may land in
/// the file early this way, as they may whenever the operating system writes back: the
/// rollback journal, synced before SQLite writes any page into the file, undoes them.
struct Flusher {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Flusher {
    const EVERY: Duration = Duration::from_millis(200);

    /// `None` when the file cannot be opened or no thread started: the import then runs
    /// without (the commit syncs everything, as it always does).
    fn start(path: &Path) -> Option<Flusher> {
        let file = std::fs::File::open(path).ok()?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("spor-import-flush".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(Self::EVERY)
                {
                    // A failure here loses nothing: the commit syncs the file itself.
                    let _ = file.sync_data();
                }
            })
            .ok()?;
        Some(Flusher {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// Stops the thread at once (a flush under way is waited for).
impl Drop for Flusher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn is_empty(conn: &Connection, table: &str) -> Result<bool> {
    let sql = format!("SELECT NOT EXISTS (SELECT 1 FROM {table})");
    Ok(conn.query_row(&sql, [], |r| r.get(0))?)
}

/// Drops the table's secondary indexes, returning the statements that rebuild them.
fn drop_indexes(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL",
    )?;
    let found: Vec<(String, String)> = st
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &found {
        conn.execute(&format!("DROP INDEX \"{name}\""), [])?;
    }
    Ok(found.into_iter().map(|(_, sql)| sql).collect())
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
    let empty = is_empty(conn, kind.table())?;
    let existing: HashMap<K, T> = if empty {
        HashMap::new()
    } else {
        load(conn)?.into_iter().map(|r| (key(&r), r)).collect()
    };
    let (write, counts) = classify(batch, &existing, &key);
    let rebuild = if empty && write.len() >= REBUILD_INDEXES_FROM {
        drop_indexes(conn, kind.table())?
    } else {
        Vec::new()
    };
    let mut st = conn.prepare(sql)?;
    for r in write {
        bind(&mut st, r)?;
        st.raw_execute()?;
    }
    create_indexes(conn, rebuild)?;
    Ok(counts)
}

/// Runs the `CREATE INDEX` statements of indexes dropped for a bulk load. SQLite sorts a
/// new index's entries in runs as large as the page cache, then merges the runs. With the
/// import's 50 MB cache a million entries were one run, sorted in memory by list merges
/// that miss the processor's caches at every step; runs of a few megabytes sort within
/// them and merge in one sequential pass. The `person_ref` index of a million decisions
/// took 0.6 s instead of 1.0 s.
fn create_indexes(conn: &Connection, statements: Vec<String>) -> rusqlite::Result<()> {
    if statements.is_empty() {
        return Ok(());
    }
    conn.pragma_update(None, "cache_size", -SORT_CACHE_KIB)?;
    // One helper thread sorts each run while this one reads the next rows and merges: the
    // other core is mostly idle by then (the reader waits for this writer). A million
    // entries took 0.9 s instead of 1.3 s.
    let helpers = i64::from(std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2));
    conn.pragma_update(None, "threads", helpers)?;
    let made = statements
        .iter()
        .try_for_each(|sql| conn.execute(sql, []).map(|_| ()));
    conn.pragma_update(None, "threads", 0)?;
    conn.pragma_update(None, "cache_size", -IMPORT_CACHE_KIB)?;
    made
}

/// The page cache while indexes are built, in KiB: the size of SQLite's sort runs.
/// 1, 2 and 4 MB built a million-entry index equally fast; 8 MB took a third longer, 16 MB
/// and more half again.
const SORT_CACHE_KIB: i64 = 4_000;

/// Binds a row with `bind`, then the import's stamp at parameter `at`.
fn with_stamp(
    st: &mut rusqlite::Statement<'_>,
    at: usize,
    stamp: &str,
    bind: impl FnOnce(&mut rusqlite::Statement<'_>) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    bind(st)?;
    st.raw_bind_parameter(at, stamp)
}

/// Binds one identification's own 13 columns at parameters `at + 1 ..= at + 13` (the
/// 14th, `updated_at`, is the import's stamp, bound by the caller).
fn bind_identification(
    st: &mut rusqlite::Statement<'_>,
    at: usize,
    r: &spor_core::Identification,
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
    st.raw_bind_parameter(at + 13, r.return_country.as_ref().map(|c| c.as_str()))
}

/// Binds one assessment's own columns at parameters `at + 1 ..= at + 6`.
fn bind_assessment(
    st: &mut rusqlite::Statement<'_>,
    at: usize,
    r: &spor_core::Assessment,
) -> rusqlite::Result<()> {
    let mut date = DateText::default();
    st.raw_bind_parameter(at + 1, r.assessment_ref.as_str())?;
    st.raw_bind_parameter(at + 2, r.person_ref.as_str())?;
    st.raw_bind_parameter(at + 3, date.of(r.interview_date))?;
    st.raw_bind_parameter(at + 4, r.gender.code())?;
    st.raw_bind_parameter(at + 5, r.age.map(i64::from))?;
    st.raw_bind_parameter(at + 6, r.nationality.as_str())
}

/// Binds one hotline call's own columns at parameters `at + 1 ..= at + 5`.
fn bind_hotline_call(
    st: &mut rusqlite::Statement<'_>,
    at: usize,
    r: &spor_core::HotlineCall,
) -> rusqlite::Result<()> {
    st.raw_bind_parameter(at + 1, r.call_ref.as_str())?;
    st.raw_bind_parameter(at + 2, spor_core::format_timestamp(&r.received_at))?;
    st.raw_bind_parameter(at + 3, r.caller_type.code())?;
    st.raw_bind_parameter(at + 4, r.concerns_possible_victim)?;
    st.raw_bind_parameter(at + 5, r.topic.map(|t| t.code()))
}

/// Binds one history row's own columns at parameters `at + 1 ..= at + 4`.
fn bind_history(
    st: &mut rusqlite::Statement<'_>,
    at: usize,
    r: &spor_core::HistoryRow,
) -> rusqlite::Result<()> {
    st.raw_bind_parameter(at + 1, r.series.code())?;
    st.raw_bind_parameter(at + 2, i64::from(r.year))?;
    st.raw_bind_parameter(at + 3, r.category.as_deref().unwrap_or(""))?;
    st.raw_bind_parameter(at + 4, r.count.map(|c| c as i64))
}

/// Rows per INSERT statement on the append path: one statement step per row was a third
/// of the writer's time; 128 rows imported a million decisions about a tenth faster than
/// 32 (2.77 s against 3.05 s, median of five side by side), 512 no faster than 128. At
/// most 128 × 13 + 1 parameters, far below SQLite's limit of 32,766.
const ROWS_PER_INSERT: usize = 128;

/// Appends `rows` with multi-row INSERTs (`head` names the table and its `cols` columns,
/// the last of them `updated_at`): `bind` binds a row's own columns, and the import's
/// `stamp` is bound once per statement.
fn insert_rows<T>(
    conn: &Connection,
    head: &str,
    cols: usize,
    rows: &[T],
    stamp: &str,
    bind: impl Fn(&mut rusqlite::Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let write = |st: &mut rusqlite::Statement<'_>, group: &[T]| {
        for (i, r) in group.iter().enumerate() {
            bind(st, i * (cols - 1), r)?;
        }
        st.raw_bind_parameter(group.len() * (cols - 1) + 1, stamp)?;
        st.raw_execute().map(|_| ())
    };
    // The statement for full groups is held across the loop (looking it up in the cache
    // hashes its text, a few kilobytes, every time).
    // `OR FAIL`: a row that breaks a constraint stops the statement but keeps the rows it
    // wrote before. Without it SQLite must be able to undo a failing statement alone, and
    // copies every page a statement first touches into a statement journal: a tenth of a
    // million-decision import. A failed append fails the whole import, whose transaction
    // is rolled back, so nothing of a failing statement is kept either way.
    let head = head.replacen("INSERT INTO", "INSERT OR FAIL INTO", 1);
    let mut full =
        conn.prepare_cached(&format!("{head}{}", multi_values(cols, ROWS_PER_INSERT)))?;
    for group in rows.chunks(ROWS_PER_INSERT) {
        if group.len() == ROWS_PER_INSERT {
            write(&mut full, group)?;
        } else {
            let sql = format!("{head}{}", multi_values(cols, group.len()));
            write(&mut *conn.prepare_cached(&sql)?, group)?;
        }
    }
    Ok(())
}

/// `VALUES (?1, …), (…)` for `rows` rows of `cols` columns. The last column (the import's
/// `updated_at` stamp, the same for every row) is one parameter shared by all rows, after
/// the rows' own: row `r` has `?(r·(cols−1)+1) … ?(r·(cols−1)+cols−1)` and then
/// `?(rows·(cols−1)+1)`. For one row that is `?1 … ?cols`.
fn multi_values(cols: usize, rows: usize) -> String {
    let shared = rows * (cols - 1) + 1;
    let row = |r: usize| {
        let p: Vec<String> = (1..cols)
            .map(|c| format!("?{}", r * (cols - 1) + c))
            .chain([format!("?{shared}")])
            .collect();
        format!("({})", p.join(", "))
    };
    let all: Vec<String> = (0..rows).map(row).collect();
    format!("VALUES {}", all.join(", "))
}

/// A date as `YYYY-MM-DD` without going through a formatter: one per bound row.
#[derive(Default)]
struct DateText([u8; 10]);

impl DateText {
    fn of(&mut self, d: chrono::NaiveDate) -> std::borrow::Cow<'_, str> {
        use chrono::Datelike;
        let (y, m, day) = (d.year(), d.month(), d.day());
        let Ok(y @ 0..=9999) = u32::try_from(y) else {
            // Not four digits (never from validated input): the general formatter.
            return d.to_string().into();
        };
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
        std::str::from_utf8(&self.0).unwrap_or_default().into()
    }
}

pub(crate) fn apply_import(path: &Path, batch: &ImportBatch) -> Result<ImportSummary> {
    Pending::begin(path)?.finish(batch, None)
}

const IDENTIFICATION_COLUMNS: &str = "case_ref, person_ref, decision_date, authority, outcome, referral_actor, exploitation_form, exploitation_subtype, gender, age, nationality, return_date, return_country";
const ASSESSMENT_COLUMNS: &str =
    "assessment_ref, person_ref, interview_date, gender, age, nationality";
const HOTLINE_COLUMNS: &str = "call_ref, received_at, caller_type, concerns_possible_victim, topic";

fn identification(r: &rusqlite::Row<'_>) -> Result<spor_core::Identification> {
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
    .into_record()
}

fn assessment(r: &rusqlite::Row<'_>) -> Result<spor_core::Assessment> {
    AssessmentCols {
        assessment_ref: r.get_ref(0)?.as_str()?,
        person_ref: r.get_ref(1)?.as_str()?,
        interview_date: r.get_ref(2)?.as_str()?,
        gender: r.get_ref(3)?.as_str()?,
        age: r.get(4)?,
        nationality: r.get_ref(5)?.as_str()?,
    }
    .into_record()
}

fn hotline_call(r: &rusqlite::Row<'_>) -> Result<spor_core::HotlineCall> {
    HotlineCallCols {
        call_ref: r.get_ref(0)?.as_str()?,
        received_at: r.get_ref(1)?.as_str()?,
        caller_type: r.get_ref(2)?.as_str()?,
        concerns_possible_victim: r.get(3)?,
        topic: r.get_ref(4)?.as_str_or_null()?,
    }
    .into_record()
}

/// Runs a query and decodes every row, into a vector of (at least) `capacity`.
fn read_rows<T>(
    tx: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    capacity: usize,
    decode: impl Fn(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut st = tx.prepare(sql)?;
    let mut rows = st.query(params)?;
    let mut out = Vec::with_capacity(capacity);
    while let Some(r) = rows.next()? {
        out.push(decode(r)?);
    }
    Ok(out)
}

// The stored rows an import is classified against, in table order: they are keyed by
// ref, so ordering them by it would only walk the ref index.
fn load_identifications(tx: &Connection) -> Result<Vec<spor_core::Identification>> {
    let sql = format!("SELECT {IDENTIFICATION_COLUMNS} FROM identifications");
    read_rows(tx, &sql, [], 0, identification)
}

fn load_assessments(tx: &Connection) -> Result<Vec<spor_core::Assessment>> {
    let sql = format!("SELECT {ASSESSMENT_COLUMNS} FROM assessments");
    read_rows(tx, &sql, [], 0, assessment)
}

fn load_hotline_calls(tx: &Connection) -> Result<Vec<spor_core::HotlineCall>> {
    let sql = format!("SELECT {HOTLINE_COLUMNS} FROM hotline_calls");
    read_rows(tx, &sql, [], 0, hotline_call)
}

/// A range of rowids, both ends included.
#[derive(Debug, Clone, Copy)]
struct Rowids {
    lo: i64,
    hi: i64,
}

impl Rowids {
    /// The table's rowids from the smallest to the largest (two b-tree descents); `None`
    /// for an empty table. Two statements: SQLite answers a lone `min` or `max` from one
    /// end of the b-tree, but both in one statement with a scan of the whole table.
    fn of(tx: &Transaction<'_>, table: &str) -> Result<Option<Rowids>> {
        let end = |f: &str| -> Result<Option<i64>> {
            let sql = format!("SELECT {f}(rowid) FROM {table}");
            Ok(tx.query_row(&sql, [], |r| r.get(0))?)
        };
        Ok(end("min")?
            .zip(end("max")?)
            .map(|(lo, hi)| Rowids { lo, hi }))
    }

    /// The vector size to reserve for the rows in the range: rowids are dense unless rows
    /// were deleted, so this is the row count or a little more (bounded, in case they
    /// are sparse).
    fn capacity(self) -> usize {
        usize::try_from(self.hi.saturating_sub(self.lo).saturating_add(1))
            .unwrap_or(0)
            .min(1 << 24)
    }

    /// The lower and upper halves.
    fn halves(self) -> (Rowids, Option<Rowids>) {
        let mid = self.lo.midpoint(self.hi);
        let upper = (mid < self.hi).then(|| Rowids {
            lo: mid + 1,
            hi: self.hi,
        });
        (
            Rowids {
                lo: self.lo,
                hi: mid,
            },
            upper,
        )
    }
}

/// The rows of a table whose rowid is in `range`, read in table (rowid) order: a
/// sequential scan of the table b-tree, where `ORDER BY` the ref walked the ref index and
/// looked every row up from there. The vector has room for `more` rows besides.
fn scan<T>(
    tx: &Transaction<'_>,
    table: &str,
    columns: &str,
    range: Option<Rowids>,
    more: usize,
    decode: impl Fn(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let Some(range) = range else {
        return Ok(Vec::with_capacity(more));
    };
    let sql = format!("SELECT {columns} FROM {table} WHERE rowid BETWEEN ?1 AND ?2");
    read_rows(
        tx,
        &sql,
        [range.lo, range.hi],
        range.capacity() + more,
        decode,
    )
}

/// Puts records read in rowid order into ref order, the register's stable order (refs are
/// unique; `str` order is SQLite's BINARY collation). Rowid order usually is ref order
/// already (imports insert sorted), and then this is one check.
fn sort_by_ref<T>(records: &mut [T], key: impl Fn(&T) -> &spor_core::Ref) {
    if !records.is_sorted_by(|a, b| key(a) < key(b)) {
        records.sort_unstable_by(|a, b| key(a).cmp(key(b)));
    }
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

/// A connection for reading the whole register once: every page is read once, in order,
/// so a large page cache only costs memory (and the page faults of filling it).
fn connect_for_load(path: &Path) -> Result<Connection> {
    let conn = connect(path)?;
    conn.pragma_update(None, "cache_size", LOAD_CACHE_KIB)?;
    Ok(conn)
}

/// The page cache of a load connection, in KiB (as a negative `cache_size`).
const LOAD_CACHE_KIB: i64 = -8_000;

/// The settings `load_register` reads, as stored.
struct Head {
    microdata_from: Option<i32>,
    last_change: Option<chrono::DateTime<chrono::Utc>>,
}

fn head(tx: &Transaction<'_>, last_change: Option<&str>) -> Result<Head> {
    let microdata_from = setting(tx, "microdata_from")?
        .map(|v| {
            v.parse::<i32>()
                .map_err(|_| StoreError::Corrupt("microdata_from".into()))
        })
        .transpose()?;
    let last_change = last_change
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| StoreError::Corrupt("last_change".into()))
        })
        .transpose()?;
    Ok(Head {
        microdata_from,
        last_change,
    })
}

/// How often a split load is retried when the register changed between the start of its
/// two read transactions, before reading it all on one connection.
const SPLIT_ATTEMPTS: usize = 3;

/// The whole register as of one snapshot, in ref order.
///
/// With two cores or more the decisions are read in two halves (by rowid) on two
/// connections at once, and the other tables alongside. Two read transactions are one
/// snapshot when no write committed between their starts; every write to the records
/// sets `last_change` to the time of that write, so equal `last_change` values, read first
/// in each transaction, show that. Otherwise the split is retried, and in the end the
/// register is read on one connection in one transaction.
pub(crate) fn load_register(path: &Path) -> Result<Register> {
    if std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2) {
        for _ in 0..SPLIT_ATTEMPTS {
            if let Some(reg) = load_register_split(path, || ())? {
                return Ok(reg);
            }
        }
    }
    load_register_single(path)
}

/// What the statistics read (see [`crate::Store::load_for_statistics`]): the kept
/// columns when their stamp is the register's `last_change`, else the whole register.
pub(crate) fn load_for_statistics(path: &Path) -> Result<(Register, Option<Vec<u8>>)> {
    let mut conn = connect(path)?;
    let tx = conn.transaction()?;
    let last_change = setting(&tx, "last_change")?;
    // Kept columns count only while their stamp is the register's last change.
    let data: Option<Vec<u8>> = match &last_change {
        Some(stamp) => tx
            .query_row(
                "SELECT data FROM statistics_columns WHERE id = 1 AND stamp = ?1",
                [stamp],
                |r| r.get(0),
            )
            .optional()?,
        None => None,
    };
    let Some(data) = data else {
        drop(tx);
        return Ok((load_register(path)?, None));
    };
    let head = head(&tx, last_change.as_deref())?;
    let reg = Register {
        identifications: Vec::new(),
        assessments: Vec::new(),
        hotline_calls: Vec::new(),
        history: load_history(&tx)?,
        microdata_from: head.microdata_from,
        codes: CodeBook::with_additions(code_additions(&tx)?),
        last_change: head.last_change,
    };
    tx.commit()?;
    Ok((reg, Some(data)))
}

/// The register read in one transaction on one connection.
fn load_register_single(path: &Path) -> Result<Register> {
    let mut conn = connect_for_load(path)?;
    let tx = conn.transaction()?;
    let last_change = setting(&tx, "last_change")?;
    let head = head(&tx, last_change.as_deref())?;
    let ids = Rowids::of(&tx, "identifications")?;
    let mut identifications = scan(
        &tx,
        "identifications",
        IDENTIFICATION_COLUMNS,
        ids,
        0,
        identification,
    )?;
    sort_by_ref(&mut identifications, |r| &r.case_ref);
    let mut assessments = scan(
        &tx,
        "assessments",
        ASSESSMENT_COLUMNS,
        Rowids::of(&tx, "assessments")?,
        0,
        assessment,
    )?;
    sort_by_ref(&mut assessments, |r| &r.assessment_ref);
    let mut hotline_calls = scan(
        &tx,
        "hotline_calls",
        HOTLINE_COLUMNS,
        Rowids::of(&tx, "hotline_calls")?,
        0,
        hotline_call,
    )?;
    sort_by_ref(&mut hotline_calls, |r| &r.call_ref);
    let reg = Register {
        identifications,
        assessments,
        hotline_calls,
        history: load_history(&tx)?,
        microdata_from: head.microdata_from,
        codes: CodeBook::with_additions(code_additions(&tx)?),
        last_change: head.last_change,
    };
    tx.commit()?;
    Ok(reg)
}

/// The register read on two connections at once (see [`load_register`]); `None` when a
/// write came between the two snapshots. `before_second` runs on the second thread just
/// before its transaction starts (tests put a write there).
fn load_register_split(
    path: &Path,
    before_second: impl FnOnce() + Send,
) -> Result<Option<Register>> {
    let mut conn = connect_for_load(path)?;
    let tx = conn.transaction()?;
    // The first read starts the transaction's snapshot.
    let last_change = setting(&tx, "last_change")?;
    let (lower, upper) = match Rowids::of(&tx, "identifications")? {
        Some(ids) => {
            let (lower, upper) = ids.halves();
            (Some(lower), upper)
        }
        None => (None, None),
    };
    // This thread: the lower half of the decisions, the interviews and the rest; the
    // other: the upper half and the calls (about the same work on the generated data).
    let (mine, theirs) = std::thread::scope(|s| {
        let other = s.spawn(|| -> Result<_> {
            before_second();
            let mut conn = connect_for_load(path)?;
            let tx = conn.transaction()?;
            let last_change = setting(&tx, "last_change")?;
            let mut upper = scan(
                &tx,
                "identifications",
                IDENTIFICATION_COLUMNS,
                upper,
                0,
                identification,
            )?;
            let mut calls = scan(
                &tx,
                "hotline_calls",
                HOTLINE_COLUMNS,
                Rowids::of(&tx, "hotline_calls")?,
                0,
                hotline_call,
            )?;
            tx.commit()?;
            // Each thread puts its own records in ref order.
            sort_by_ref(&mut upper, |r| &r.case_ref);
            sort_by_ref(&mut calls, |r| &r.call_ref);
            Ok((last_change, upper, calls))
        });
        let mine = (|| -> Result<_> {
            let head = head(&tx, last_change.as_deref())?;
            // Room for the upper half too: it is appended, not reallocated for.
            let mut lower_ids = scan(
                &tx,
                "identifications",
                IDENTIFICATION_COLUMNS,
                lower,
                upper.map_or(0, Rowids::capacity),
                identification,
            )?;
            let mut assessments = scan(
                &tx,
                "assessments",
                ASSESSMENT_COLUMNS,
                Rowids::of(&tx, "assessments")?,
                0,
                assessment,
            )?;
            let history = load_history(&tx)?;
            let additions = code_additions(&tx)?;
            sort_by_ref(&mut lower_ids, |r| &r.case_ref);
            sort_by_ref(&mut assessments, |r| &r.assessment_ref);
            Ok((head, lower_ids, assessments, history, additions))
        })();
        let theirs = other
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (mine, theirs)
    });
    let (head, mut identifications, assessments, history, additions) = mine?;
    let (their_last_change, upper, hotline_calls) = theirs?;
    tx.commit()?;
    if their_last_change != last_change {
        return Ok(None);
    }
    // Two runs in ref order: when the upper one does not simply follow, the stable sort
    // merges them in one pass (refs are unique, so any sort gives this order).
    let follows = match (identifications.last(), upper.first()) {
        (Some(a), Some(b)) => a.case_ref < b.case_ref,
        _ => true,
    };
    identifications.extend(upper);
    if !follows {
        identifications.sort_by(|a, b| a.case_ref.cmp(&b.case_ref));
    }
    Ok(Some(Register {
        identifications,
        assessments,
        hotline_calls,
        history,
        microdata_from: head.microdata_from,
        codes: CodeBook::with_additions(additions),
        last_change: head.last_change,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;

    /// A migrated store with `n` decisions inserted in descending ref order, so that rowid
    /// order is the reverse of ref order, and a gap of deleted rows in the middle.
    async fn store_with_decisions(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("spor.db");
        crate::sqlite::SqliteStore::open_path(&path)
            .await
            .expect("open");
        let mut conn = connect(&path).expect("connect");
        let tx = conn.transaction().expect("tx");
        for i in (0..n).rev() {
            tx.execute(
                &format!("{IDENTIFICATION_INSERT}{}", multi_values(14, 1)),
                params![
                    format!("C{i:05}"),
                    format!("P{:05}", i % 7),
                    "2023-05-01",
                    "cmm",
                    "identified",
                    None::<&str>,
                    "sexual",
                    None::<&str>,
                    "female",
                    30,
                    "DK",
                    None::<&str>,
                    None::<&str>,
                    "2023-06-01T00:00:00Z",
                ],
            )
            .expect("insert");
        }
        tx.execute(
            "DELETE FROM identifications WHERE case_ref BETWEEN 'C00010' AND 'C00019'",
            [],
        )
        .expect("delete");
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('last_change', '2023-06-01T00:00:00Z')",
            [],
        )
        .expect("last_change");
        tx.commit().expect("commit");
        (dir, path)
    }

    fn case_refs(reg: &Register) -> Vec<String> {
        reg.identifications
            .iter()
            .map(|d| d.case_ref.as_str().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn split_and_single_loads_give_the_records_in_ref_order() {
        let (_dir, path) = store_with_decisions(101).await;
        let single = load_register_single(&path).expect("single");
        let split = load_register_split(&path, || ())
            .expect("split")
            .expect("nothing changed in between");
        let expected: Vec<String> = (0..101)
            .filter(|i| !(10..20).contains(i))
            .map(|i| format!("C{i:05}"))
            .collect();
        assert_eq!(case_refs(&single), expected);
        assert_eq!(case_refs(&split), expected);
        assert!(crate::compare_registers(&single, &split).is_empty());
        assert_eq!(split.last_change, single.last_change);
        assert!(split.last_change.is_some());
        let reg = load_register(&path).expect("load");
        assert_eq!(case_refs(&reg), expected);
    }

    #[tokio::test]
    async fn a_register_with_one_decision_or_none_loads() {
        for n in [0, 1] {
            let (_dir, path) = store_with_decisions(n).await;
            let reg = load_register_split(&path, || ())
                .expect("split")
                .expect("unchanged");
            assert_eq!(reg.identifications.len(), n);
        }
    }

    #[tokio::test]
    async fn a_corrupt_stored_value_is_an_error_not_a_panic() {
        let (_dir, path) = store_with_decisions(50).await;
        let conn = connect(&path).expect("connect");
        conn.execute(
            "UPDATE identifications SET gender = 'none' WHERE case_ref = 'C00042'",
            [],
        )
        .expect("update");
        for result in [
            load_register(&path),
            load_register_single(&path),
            load_register_split(&path, || ()).map(|r| r.expect("unchanged")),
        ] {
            assert!(matches!(result, Err(StoreError::Corrupt(_))));
        }
    }

    #[tokio::test]
    async fn a_write_between_the_two_snapshots_is_noticed_and_the_load_retried() {
        let (_dir, path) = store_with_decisions(30).await;
        let write = || {
            let conn = connect(&path).expect("connect");
            conn.execute(
                "UPDATE identifications SET age = 31 WHERE case_ref = 'C00029'",
                [],
            )
            .expect("update");
            conn.execute(
                "UPDATE settings SET value = '2023-07-01T00:00:00Z' WHERE key = 'last_change'",
                [],
            )
            .expect("last_change");
        };
        // The second connection would see the changed row, the first not: no register.
        assert!(load_register_split(&path, write).expect("split").is_none());
        // Without a write in between, the split load sees the change, whole.
        let reg = load_register(&path).expect("load");
        let last = reg.identifications.last().expect("decisions");
        assert_eq!(last.case_ref.as_str(), "C00029");
        assert_eq!(last.age, Some(31));
        assert_eq!(
            reg.last_change.map(|t| t.to_rfc3339()),
            Some("2023-07-01T00:00:00+00:00".to_owned())
        );
    }

    #[test]
    fn multi_row_values_share_the_stamp_parameter() {
        assert_eq!(multi_values(3, 2), "VALUES (?1, ?2, ?5), (?3, ?4, ?5)");
        assert_eq!(
            multi_values(5, 1),
            "VALUES (?1, ?2, ?3, ?4, ?5)",
            "one row: the parameters in column order"
        );
    }

    #[test]
    fn rowid_halves_cover_the_range_once() {
        let (lower, upper) = Rowids { lo: 1, hi: 10 }.halves();
        assert_eq!((lower.lo, lower.hi), (1, 5));
        let upper = upper.expect("upper half");
        assert_eq!((upper.lo, upper.hi), (6, 10));
        let (lower, upper) = Rowids { lo: 7, hi: 7 }.halves();
        assert_eq!((lower.lo, lower.hi), (7, 7));
        assert!(upper.is_none());
        assert_eq!(
            Rowids {
                lo: 1,
                hi: i64::MAX
            }
            .capacity(),
            1 << 24
        );
    }
}
