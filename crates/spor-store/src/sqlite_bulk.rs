//! The SQLite backend's two heavy paths, written on rusqlite: importing a whole register
//! and loading it for statistics. sqlx's SQLite driver hands every row and value across a
//! worker thread, which made a million-decision import or load take about ten times as long
//! as SQLite itself needs; these paths call SQLite directly on the same file. Everything
//! else (settings, code lists, web) stays on the shared sqlx SQL.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction};
use spor_core::{
    Assessment, CodeBook, CodeEntry, HistoryRow, HotlineCall, Identification, ImportBatch, ListId,
    Register,
};

use crate::rows::*;
use crate::stream::{Kind, Written};
use crate::{ImportSummary, Result, StoreError};

/// Tables at least this large are loaded into an empty table with their secondary indexes
/// dropped and rebuilt afterwards: one sort instead of a million random index inserts.
const REBUILD_INDEXES_FROM: usize = 10_000;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(rusqlite::ErrorCode::ReadOnly) => StoreError::ReadOnly,
            _ => StoreError::Sqlite(e.to_string()),
        }
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
    // As the store's own connections: a replaced identity's old wrapped key is zeroed.
    conn.pragma_update(None, "secure_delete", "FAST")?;
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
    /// The transaction (and SQLite's one write lock) is open. A first import takes it at
    /// once, to write into the empty tables while the files are read; an import into a
    /// register that holds records keeps every row until the files are read and checked
    /// and takes the lock only then ([`Pending::write_rest`]), so the web application's
    /// pages and saves wait for the writing alone, not for the reading.
    in_transaction: bool,
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
        let empty = empty
            && {
                conn.execute_batch("BEGIN IMMEDIATE")?;
                // Nothing written between the check and the transaction: it is still empty.
                let written = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM identifications) OR EXISTS (SELECT 1 FROM assessments) \
                 OR EXISTS (SELECT 1 FROM hotline_calls)",
                [],
                |r| r.get::<_, bool>(0),
            )?;
                // Written to meanwhile: it holds records; classified at the end like any other.
                // The transaction stays open (taken now is as good as taken then).
                !written
            };
        let in_transaction = !conn.is_autocommit();
        Ok(Pending {
            conn,
            empty_at_start: empty,
            in_transaction,
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
        // Outside the transaction nothing is written while reading (see `in_transaction`).
        let state = if self.in_transaction && is_empty(&self.conn, kind.table())? {
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
        let (c, stamp) = (&self.conn, self.stamp.as_str());
        match kind {
            Kind::Identifications => insert_rows(c, &b.identifications[range], stamp)?,
            Kind::Assessments => insert_rows(c, &b.assessments[range], stamp)?,
            Kind::HotlineCalls => insert_rows(c, &b.hotline_calls[range], stamp)?,
            Kind::History => insert_rows(c, &b.history[range], stamp)?,
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
        self.commit(written, columns, None, None)
    }

    /// The part of [`Pending::finish`] before the commit.
    pub(crate) fn write_rest(&mut self, batch: &ImportBatch) -> Result<Written> {
        let start = std::time::Instant::now();
        if !self.in_transaction {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.in_transaction = true;
        }
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
                    if !kind.streamed_rows_are_the_batch(batch, written, last_key.as_deref()) {
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
        event: Option<crate::ImportEvent>,
        identity: Option<crate::identity::IdentityWrite>,
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
        // Identity does not change the statistics: `last_change` stays.
        if let Some(w) = &identity {
            crate::identity::write_rusqlite(&self.conn, w, &self.stamp)?;
        }
        if let Some(event) = event {
            let (key, e, at) = event.make(&summary);
            append_event(&self.conn, key.as_ref(), &e, at)?;
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
        let (c, stamp) = (&self.conn, self.stamp.as_str());
        match kind {
            Kind::Identifications => write_entity(c, &b.identifications, stamp),
            Kind::Assessments => write_entity(c, &b.assessments, stamp),
            Kind::HotlineCalls => write_entity(c, &b.hotline_calls, stamp),
            Kind::History => write_entity(c, &b.history, stamp),
        }
    }
}

/// Appends `e` to the audit trail in the import's transaction (which holds SQLite's
/// write lock), as the web's `append_in` does on sqlx.
fn append_event(
    conn: &Connection,
    key: Option<&crate::web::AuditKey>,
    e: &crate::web::NewAuditEvent,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    use crate::queries_web::{INSERT_EVENT, LAST_EVENT, LOCK_AUDIT_HEAD, SET_AUDIT_HEAD};
    conn.execute(LOCK_AUDIT_HEAD, [])?;
    let last = conn
        .query_row(LAST_EVENT, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let ev = crate::queries_web::next_event(last, key, e, at)?;
    conn.execute(
        INSERT_EVENT,
        rusqlite::params![
            ev.seq,
            ev.at,
            ev.code,
            ev.actor,
            ev.target,
            ev.address,
            ev.detail,
            ev.prev_hash,
            ev.hash,
            ev.chain
        ],
    )?;
    conn.execute(SET_AUDIT_HEAD, [format!("{}:{}", ev.seq, ev.hash)])?;
    Ok(())
}

impl crate::stream::PendingImport for Pending {
    fn append(&mut self, rows: &ImportBatch, complete: [bool; 4]) {
        Pending::append(self, rows, complete);
    }

    fn write_rest(&mut self, batch: &ImportBatch) -> Result<Written> {
        Pending::write_rest(self, batch)
    }

    fn commit(
        self: Box<Self>,
        written: Written,
        columns: Option<Vec<u8>>,
        event: Option<crate::ImportEvent>,
        identity: Option<crate::identity::IdentityWrite>,
    ) -> Result<ImportSummary> {
        Pending::commit(*self, written, columns, event, identity)
    }
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
fn write_entity<T: RowCodec>(conn: &Connection, batch: &[T], stamp: &str) -> Result<crate::Counts> {
    if batch.is_empty() {
        return Ok(crate::Counts::default());
    }
    let empty = is_empty(conn, T::TABLE)?;
    let existing: HashMap<T::Key, T> = if empty {
        HashMap::new()
    } else {
        let sql = format!("SELECT {} FROM {}", T::COLUMN_LIST, T::TABLE);
        let stored = read_rows(conn, &sql, [], 0, record::<T>)?;
        stored.into_iter().map(|r| (r.key(), r)).collect()
    };
    let (write, counts) = classify(batch, &existing, T::key);
    // Secondary indexes are built again after the writes when the table is empty or
    // gets more new rows than it held (one sort instead of as many B-tree inserts):
    // the final write of an import into a register in use, which holds the database's
    // write lock, is that much shorter.
    let rebuild = if write.len() >= REBUILD_INDEXES_FROM && write.len() > existing.len() {
        drop_indexes(conn, T::TABLE)?
    } else {
        Vec::new()
    };
    // The written rows have distinct keys (`classify` keeps a key's last row), so they
    // can go in multi-row statements with the upsert: a known key is updated.
    write_rows::<T, _>(conn, &write, stamp, &upsert_tail::<T>())?;
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

/// Binds a record's columns, in its codec's order, at parameters `at + 1 …`.
struct Bind<'a, 'c> {
    st: &'a mut rusqlite::Statement<'c>,
    at: usize,
    result: rusqlite::Result<()>,
}

impl Bind<'_, '_> {
    fn put(&mut self, v: impl rusqlite::ToSql) {
        self.at += 1;
        if self.result.is_ok() {
            self.result = self.st.raw_bind_parameter(self.at, v);
        }
    }
}

impl Sink for Bind<'_, '_> {
    fn text(&mut self, v: &str) {
        self.put(v);
    }
    fn opt_text(&mut self, v: Option<&str>) {
        self.put(v);
    }
    fn int(&mut self, v: Option<i64>) {
        self.put(v);
    }
    fn bool(&mut self, v: bool) {
        self.put(v);
    }
}

/// Binds one record's own columns at parameters `at + 1 ..= at + COLUMNS` (its
/// `updated_at`, the import's stamp, is bound by the caller).
fn bind_row<T: RowCodec>(
    st: &mut rusqlite::Statement<'_>,
    at: usize,
    r: &T,
) -> rusqlite::Result<()> {
    let mut b = Bind {
        st,
        at,
        result: Ok(()),
    };
    r.write(&mut b);
    b.result
}

/// Rows per INSERT statement on the append path: one statement step per row was a third
/// of the writer's time; 128 rows imported a million decisions about a tenth faster than
/// 32 (2.77 s against 3.05 s, median of five side by side), 512 no faster than 128. At
/// most 128 × 13 + 1 parameters, far below SQLite's limit of 32,766.
const ROWS_PER_INSERT: usize = 128;

/// Appends `rows` with multi-row INSERTs: each row's own columns, and the import's `stamp`
/// (`updated_at`) bound once per statement.
fn insert_rows<T: RowCodec>(conn: &Connection, rows: &[T], stamp: &str) -> rusqlite::Result<()> {
    write_rows::<T, T>(conn, rows, stamp, "")
}

/// Writes `rows` (with distinct keys) with multi-row INSERTs ending in `tail` (empty, or
/// the upsert's `ON CONFLICT …`): each row's own columns, and the import's `stamp`
/// (`updated_at`) bound once per statement.
fn write_rows<T: RowCodec, R: std::borrow::Borrow<T>>(
    conn: &Connection,
    rows: &[R],
    stamp: &str,
    tail: &str,
) -> rusqlite::Result<()> {
    let cols = T::COLUMNS.len() + 1;
    let write = |st: &mut rusqlite::Statement<'_>, group: &[R]| {
        for (i, r) in group.iter().enumerate() {
            bind_row(st, i * (cols - 1), r.borrow())?;
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
    let head = insert_head::<T>().replacen("INSERT INTO", "INSERT OR FAIL INTO", 1);
    let mut full = conn.prepare_cached(&format!(
        "{head}{}{tail}",
        multi_values(cols, ROWS_PER_INSERT)
    ))?;
    for group in rows.chunks(ROWS_PER_INSERT) {
        if group.len() == ROWS_PER_INSERT {
            write(&mut full, group)?;
        } else {
            let sql = format!("{head}{}{tail}", multi_values(cols, group.len()));
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

pub(crate) fn apply_import(path: &Path, batch: &ImportBatch) -> Result<ImportSummary> {
    Pending::begin(path)?.finish(batch, None)
}

/// A row's columns, read in its codec's order.
struct Cols<'a, 'r> {
    row: &'a rusqlite::Row<'r>,
    at: usize,
}

impl<'a> Source<'a> for Cols<'a, '_> {
    fn opt_text(&mut self) -> Result<Option<&'a str>> {
        self.at += 1;
        Ok(self.row.get_ref(self.at - 1)?.as_str_or_null()?)
    }
    fn int(&mut self) -> Result<Option<i64>> {
        self.at += 1;
        Ok(self.row.get(self.at - 1)?)
    }
    fn bool(&mut self) -> Result<bool> {
        self.at += 1;
        Ok(self.row.get(self.at - 1)?)
    }
}

/// Decodes a row whose first columns are the record's, in its codec's order.
fn record<T: RowCodec>(r: &rusqlite::Row<'_>) -> Result<T> {
    T::read(&mut Cols { row: r, at: 0 })
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

fn load_history(tx: &Connection) -> Result<Vec<HistoryRow>> {
    let sql = format!(
        "SELECT {} FROM history ORDER BY series, year, category",
        HistoryRow::COLUMN_LIST
    );
    read_rows(tx, &sql, [], 0, record::<HistoryRow>)
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

/// The register without its record lists and, when their stamp is the register's
/// `last_change`, the kept statistics columns (see [`crate::StatisticsCache`]).
pub(crate) fn kept_columns(path: &Path) -> Result<(Register, Option<Vec<u8>>)> {
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
    let reg = register_head(&tx, last_change.as_deref())?;
    tx.commit()?;
    Ok((reg, data))
}

/// The register without its record lists: history, settings and code additions.
fn register_head(tx: &Transaction<'_>, last_change: Option<&str>) -> Result<Register> {
    let head = head(tx, last_change)?;
    Ok(Register {
        identifications: Vec::new(),
        assessments: Vec::new(),
        hotline_calls: Vec::new(),
        history: load_history(tx)?,
        microdata_from: head.microdata_from,
        codes: CodeBook::with_additions(code_additions(tx)?),
        last_change: head.last_change,
    })
}

/// Every record in reference order, [`crate::SCAN_CHUNK`] rows at a time, read in one
/// transaction (see [`crate::StatisticsCache::scan_records`]). Walks each table by its
/// unique ref index, so nothing is sorted and no more than one chunk is held.
pub(crate) fn scan_records(
    path: &Path,
    sink: &mut (dyn FnMut(crate::RecordChunk) + Send),
) -> Result<Register> {
    use crate::RecordChunk;
    let mut conn = connect_for_load(path)?;
    let tx = conn.transaction()?;
    let last_change = setting(&tx, "last_change")?;
    scan_in_chunks::<Identification>(&tx, &mut |c| sink(RecordChunk::Identifications(c)))?;
    scan_in_chunks::<Assessment>(&tx, &mut |c| sink(RecordChunk::Assessments(c)))?;
    scan_in_chunks::<HotlineCall>(&tx, &mut |c| sink(RecordChunk::HotlineCalls(c)))?;
    let reg = register_head(&tx, last_change.as_deref())?;
    tx.commit()?;
    Ok(reg)
}

fn scan_in_chunks<T: RowCodec>(tx: &Transaction<'_>, sink: &mut dyn FnMut(Vec<T>)) -> Result<()> {
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        T::COLUMN_LIST,
        T::TABLE,
        T::COLUMNS[..T::KEY].join(", ")
    );
    let mut st = tx.prepare(&sql)?;
    let mut rows = st.query([])?;
    let mut chunk = Vec::with_capacity(crate::SCAN_CHUNK);
    while let Some(r) = rows.next()? {
        chunk.push(record::<T>(r)?);
        if chunk.len() == crate::SCAN_CHUNK {
            sink(std::mem::replace(
                &mut chunk,
                Vec::with_capacity(crate::SCAN_CHUNK),
            ));
        }
    }
    if !chunk.is_empty() {
        sink(chunk);
    }
    Ok(())
}

/// Keeps `bytes` as the statistics columns of the register whose `last_change` is
/// `stamp`; `false` when it is no longer (see [`crate::StatisticsCache::keep_columns`]).
pub(crate) fn keep_columns(
    path: &Path,
    stamp: chrono::DateTime<chrono::Utc>,
    bytes: &[u8],
) -> Result<bool> {
    let mut conn = connect(path)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let Some(current) = setting(&tx, "last_change")? else {
        return Ok(false);
    };
    if head(&tx, Some(&current))?.last_change != Some(stamp) {
        return Ok(false);
    }
    tx.execute(
        "INSERT OR REPLACE INTO statistics_columns (id, stamp, data) VALUES (1, ?1, ?2)",
        rusqlite::params![&current, bytes],
    )?;
    tx.commit()?;
    Ok(true)
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
        Identification::COLUMN_LIST,
        ids,
        0,
        record::<Identification>,
    )?;
    sort_by_ref(&mut identifications, |r| &r.case_ref);
    let mut assessments = scan(
        &tx,
        "assessments",
        Assessment::COLUMN_LIST,
        Rowids::of(&tx, "assessments")?,
        0,
        record::<Assessment>,
    )?;
    sort_by_ref(&mut assessments, |r| &r.assessment_ref);
    let mut hotline_calls = scan(
        &tx,
        "hotline_calls",
        HotlineCall::COLUMN_LIST,
        Rowids::of(&tx, "hotline_calls")?,
        0,
        record::<HotlineCall>,
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
                Identification::COLUMN_LIST,
                upper,
                0,
                record::<Identification>,
            )?;
            let mut calls = scan(
                &tx,
                "hotline_calls",
                HotlineCall::COLUMN_LIST,
                Rowids::of(&tx, "hotline_calls")?,
                0,
                record::<HotlineCall>,
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
                Identification::COLUMN_LIST,
                lower,
                upper.map_or(0, Rowids::capacity),
                record::<Identification>,
            )?;
            let mut assessments = scan(
                &tx,
                "assessments",
                Assessment::COLUMN_LIST,
                Rowids::of(&tx, "assessments")?,
                0,
                record::<Assessment>,
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

    #[test]
    fn a_write_refused_as_read_only_says_so_in_words_a_user_can_act_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("spor.db");
        Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .unwrap();
        // What a file system remounted read-only under an open register gives.
        let ro =
            Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let e = StoreError::from(ro.execute("INSERT INTO t VALUES (1)", []).unwrap_err());
        assert!(matches!(e, StoreError::ReadOnly), "{e}");
        assert!(e.to_string().contains("read-only file system"), "{e}");
    }

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
                &format!("{}{}", insert_head::<Identification>(), multi_values(14, 1)),
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
