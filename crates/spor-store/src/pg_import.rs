//! PostgreSQL's import: rows go to the server with `COPY … FROM STDIN` (text format)
//! instead of multi-row INSERTs, inside the import's one transaction.
//!
//! Per entity: a table that holds no rows gets the batch copied straight in (one ref once:
//! the batch's last row of a ref wins); a table that holds rows gets it copied into a
//! temporary staging table, which is then compared with the stored rows (inserted, updated,
//! unchanged) and upserted from, so that a known ref is updated and never duplicated and an
//! unchanged row keeps its version and stamp, as [`crate::Store::apply_import`] promises.
//! The import lock (taken by the caller) serialises imports. While a table is written
//! straight into, the imported tables are also locked against other writers (web edits
//! wait; readers do not) so that "empty" stays true until the commit; an import into a
//! register in use takes no table lock and the audit trail's lock only at its end (see
//! [`PgPending::begin`]), and counts what its merges did from the merges themselves.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDate;
use spor_core::{Assessment, HistoryRow, HotlineCall, Identification, ImportBatch};
use sqlx::postgres::PgConnection;

use crate::rows::{DateText, RowCodec, Sink, classify, insert_head, upsert_tail};
use crate::stream::{Kind, PendingImport, Written};
use crate::{Counts, ImportSummary, Result, StoreError};

/// Bytes of COPY data sent per message: large enough that the per-message cost vanishes,
/// small enough that encoding and the server's parsing overlap.
const SEND_BYTES: usize = 1 << 20;

/// COPY's text format, row by row: fields separated by tabs, rows ended by newlines,
/// `\N` for NULL, and a backslash, tab, newline or carriage return inside a value written
/// as `\\`, `\t`, `\n`, `\r` (every other character, UTF-8 included, as it is).
pub(crate) struct CopyText {
    buf: Vec<u8>,
    at_row_start: bool,
}

impl CopyText {
    pub(crate) fn new() -> CopyText {
        CopyText {
            buf: Vec::with_capacity(SEND_BYTES + 4096),
            at_row_start: true,
        }
    }

    fn sep(&mut self) {
        if !self.at_row_start {
            self.buf.push(b'\t');
        }
        self.at_row_start = false;
    }

    pub(crate) fn end_row(&mut self) {
        self.buf.push(b'\n');
        self.at_row_start = true;
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }
}

impl Sink for CopyText {
    fn text(&mut self, s: &str) {
        self.sep();
        let bytes = s.as_bytes();
        if !bytes
            .iter()
            .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
        {
            self.buf.extend_from_slice(bytes);
            return;
        }
        for &b in bytes {
            match b {
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                _ => self.buf.push(b),
            }
        }
    }

    fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => {
                self.sep();
                self.buf.extend_from_slice(b"\\N");
            }
        }
    }

    fn int(&mut self, v: Option<i64>) {
        match v {
            Some(v) => {
                self.sep();
                self.buf.extend_from_slice(v.to_string().as_bytes());
            }
            None => self.opt_text(None),
        }
    }

    fn bool(&mut self, v: bool) {
        self.sep();
        self.buf.push(if v { b't' } else { b'f' });
    }

    fn date(&mut self, d: NaiveDate) {
        self.text(DateText::default().of(d).as_ref());
    }
}

/// How two stored values of column `col` (`s.col`, `t.col`) are compared: as stored, but
/// a call time by the instant it names (two offsets for one instant are the same call
/// time, as the records compare; PostgreSQL resolves microseconds, which is all an
/// exchange file gives).
fn compared(col: &str, side: &str) -> String {
    if col == "received_at" {
        format!("{side}.{col}::timestamptz")
    } else {
        format!("{side}.{col}")
    }
}

/// Copies `rows` (with the import's `stamp` as `updated_at`) into `table`, which has the
/// entity's columns and `updated_at`.
async fn copy_rows<T: RowCodec, R: std::borrow::Borrow<T>>(
    conn: &mut PgConnection,
    table: &str,
    rows: &[R],
    stamp: &str,
) -> Result<()> {
    let statement = format!("COPY {table} ({}, updated_at) FROM STDIN", T::COLUMN_LIST);
    let mut copy = conn.copy_in_raw(&statement).await?;
    let mut out = CopyText::new();
    let mut sent = Ok(());
    for r in rows {
        r.borrow().write(&mut out);
        out.text(stamp);
        out.end_row();
        if out.buf.len() >= SEND_BYTES {
            if let Err(e) = copy.send(out.bytes()).await {
                sent = Err(e);
                break;
            }
            out.buf.clear();
        }
    }
    if sent.is_ok() && !out.buf.is_empty() {
        sent = copy.send(out.bytes()).await.map(|_| ());
    }
    match sent {
        Ok(()) => {
            copy.finish().await?;
            Ok(())
        }
        Err(e) => {
            // The send's error is the one to report; the abort only ends the COPY.
            let _ = copy.abort("the import stopped").await;
            Err(e.into())
        }
    }
}

async fn table_is_empty(conn: &mut PgConnection, table: &str) -> Result<bool> {
    let sql = format!("SELECT NOT EXISTS (SELECT 1 FROM {table})");
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await?)
}

/// The temporary table an entity's rows are copied into when its table holds rows.
fn stage_of(table: &str) -> String {
    format!("spor_stage_{table}")
}

/// Creates the staging table of `T` (dropped at the end of the transaction).
async fn create_stage<T: RowCodec>(conn: &mut PgConnection) -> Result<()> {
    let sql = format!(
        "CREATE TEMPORARY TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP",
        stage_of(T::TABLE),
        T::TABLE
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes one entity's rows; see the module documentation.
async fn write_entity<T: RowCodec + Sync>(
    conn: &mut PgConnection,
    batch: &[T],
    stamp: &str,
    tables_locked: bool,
) -> Result<Counts> {
    if batch.is_empty() {
        return Ok(Counts::default());
    }
    // One row per key (the last), and as many distinct keys as `inserted` says.
    let (rows, distinct) = classify(batch, &HashMap::new(), T::key);
    // Straight in only while no other writer can put a first row in meanwhile.
    if tables_locked && table_is_empty(conn, T::TABLE).await? {
        copy_rows::<T, _>(conn, T::TABLE, &rows, stamp).await?;
        return Ok(distinct);
    }
    create_stage::<T>(conn).await?;
    copy_rows::<T, _>(conn, &stage_of(T::TABLE), &rows, stamp).await?;
    merge_stage::<T>(conn, rows.len() as u64).await
}

/// Upserts the `staged` rows of `T`'s staging table into its table (new rows inserted,
/// changed ones updated, unchanged ones left with their version and stamp) and counts what
/// it did from the upsert itself, so the counts are true even when other writers change
/// the table meanwhile (an import into a register in use holds no table lock while it
/// merges; see [`PgPending::begin`]). The staged rows must have distinct keys.
async fn merge_stage<T: RowCodec>(conn: &mut PgConnection, staged: u64) -> Result<Counts> {
    let stage = stage_of(T::TABLE);
    let rest = &T::COLUMNS[T::KEY..];
    let row_of = |side: &str| {
        let cols: Vec<String> = rest.iter().map(|c| compared(c, side)).collect();
        format!("ROW({})", cols.join(", "))
    };
    // `xmax` is 0 in a row version that an INSERT made, and the updating transaction's id
    // in one that ON CONFLICT … DO UPDATE made.
    let sql = format!(
        "WITH written AS ({}SELECT {}, updated_at FROM {stage}{} WHERE {} IS DISTINCT FROM {} \
         RETURNING (xmax = 0) AS fresh) \
         SELECT COUNT(*) FILTER (WHERE fresh), COUNT(*) FILTER (WHERE NOT fresh) FROM written",
        insert_head::<T>(),
        T::COLUMN_LIST,
        upsert_tail::<T>(),
        row_of(T::TABLE),
        row_of("excluded"),
    );
    let (inserted, updated): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?;
    let (inserted, updated) = (inserted as u64, updated as u64);
    Ok(Counts {
        inserted,
        updated,
        unchanged: staged - inserted - updated,
    })
}

/// Writes a validated batch inside the caller's transaction (which holds the import
/// lock): rows with a known ref updated, never duplicated, unchanged rows left as they
/// are; `last_change` set when anything was written.
pub(crate) async fn apply_import(
    conn: &mut PgConnection,
    batch: &ImportBatch,
) -> Result<ImportSummary> {
    let stamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut tables = Vec::new();
    for (table, n) in [
        ("identifications", batch.identifications.len()),
        ("assessments", batch.assessments.len()),
        ("hotline_calls", batch.hotline_calls.len()),
        ("history", batch.history.len()),
    ] {
        if n > 0 {
            tables.push(table);
        }
    }
    if !tables.is_empty() {
        // Other writers (the web's edits) wait until the import commits; readers do not.
        let sql = format!(
            "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
            tables.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
    }
    let summary = ImportSummary {
        identifications: write_entity(conn, &batch.identifications, &stamp, true).await?,
        assessments: write_entity(conn, &batch.assessments, &stamp, true).await?,
        hotline_calls: write_entity(conn, &batch.hotline_calls, &stamp, true).await?,
        history: write_entity(conn, &batch.history, &stamp, true).await?,
    };
    let t = summary.total();
    if t.inserted + t.updated > 0 {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('last_change', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(&stamp)
        .execute(&mut *conn)
        .await?;
    }
    Ok(summary)
}

/// The most rows of one entity that a fresh table takes with its key and indexes in
/// place; more and they are dropped and built again after the COPY (see
/// [`PgPending::append`]).
const REBUILD_INDEXES_FROM: usize = 10_000;

type PgTx = sqlx::Transaction<'static, sqlx::Postgres>;

/// Where one entity's table stands in a streamed import.
enum Table {
    /// No rows of it handed over yet.
    Untouched,
    /// Rows handed over are copied as they come: straight into the table when it was
    /// empty, else into its staging table (`staged`); `written` so far, the last one's key,
    /// and the key and indexes dropped for the load, to build when all rows are in.
    Copying {
        staged: bool,
        written: usize,
        last_key: Option<String>,
        rebuild: Vec<String>,
    },
}

/// A PostgreSQL import transaction begun before the files are read (see
/// [`crate::ImportStream`]): the import lock and the record tables' locks are taken at
/// once, and each chunk of checked rows is copied (`COPY … FROM STDIN`) into its table
/// when that was empty, else into a staging table that is merged at the end, all inside
/// the one transaction. Used from a thread that is not an async worker: each step blocks
/// on the runtime `rt`. Dropped without a commit, the transaction is rolled back.
pub(crate) struct PgPending {
    rt: tokio::runtime::Handle,
    tx: Option<PgTx>,
    stamp: String,
    /// Per entity: its table held no rows when the transaction began.
    empty: [bool; 4],
    tables: [Table; 4],
    /// The first failure, and the entity being written: the transaction is aborted, and
    /// `write_rest` reports it.
    failed: Option<(Kind, StoreError)>,
    /// Time spent writing while the files were read (for the debug log).
    busy: Duration,
    /// The audit trail's write lock is held (with the record tables' locks when they were
    /// taken at the start; see [`PgPending::begin`]).
    locked: bool,
}

impl std::fmt::Debug for PgPending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgPending").finish_non_exhaustive()
    }
}

/// Dropping a sqlx transaction queues its rollback on the runtime: enter it first (the
/// pending import may be dropped on a plain thread).
impl Drop for PgPending {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            let _entered = self.rt.enter();
            drop(tx);
        }
    }
}

impl PgPending {
    /// Opens the import transaction on a connection of `pool`: waits for the import lock
    /// and notes which tables are empty.
    ///
    /// A table that is empty gets its rows copied straight in, which needs the tables
    /// locked against other writers from the start (a web save must not put a first row
    /// in meanwhile). When a record table is empty, the locks are therefore taken at once
    /// and held while the files are read (web saves and the pages that append audit
    /// events wait until the commit; plain readers do not). When every record table holds
    /// rows, as in a register in use, every entity goes through its staging table and the
    /// import takes no table lock at all: its staged rows are merged under row locks
    /// only, and the audit trail's write lock is taken last, just before the import's
    /// event and its commit ([`take_audit_head_yielding`]). The web application's pages
    /// and saves go on while the files are read and while the rows are merged; only a
    /// save of a record the import is writing waits for the import.
    pub(crate) fn begin(rt: tokio::runtime::Handle, pool: sqlx::PgPool) -> Result<PgPending> {
        let (tx, empty, locked) = rt.block_on(async {
            let mut tx: PgTx = pool.begin().await?;
            crate::postgres::lock_imports(&mut tx).await?;
            let mut empty = Self::empty_tables(&mut tx).await?;
            let locked = empty[..3].iter().any(|e| *e);
            if locked {
                lock_tables(&mut tx).await?;
                // Read again under the locks: what they hold now stays until the commit.
                empty = Self::empty_tables(&mut tx).await?;
            } else {
                // Nothing is copied straight in: every table is staged.
                empty = [false; 4];
            }
            Ok::<_, StoreError>((tx, empty, locked))
        })?;
        Ok(PgPending {
            rt,
            tx: Some(tx),
            stamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            empty,
            tables: [
                Table::Untouched,
                Table::Untouched,
                Table::Untouched,
                Table::Untouched,
            ],
            failed: None,
            busy: Duration::ZERO,
            locked,
        })
    }

    /// Which of the four tables hold no rows.
    async fn empty_tables(tx: &mut PgTx) -> Result<[bool; 4]> {
        let empty: (bool, bool, bool, bool) = sqlx::query_as(
            "SELECT NOT EXISTS (SELECT 1 FROM identifications), NOT EXISTS (SELECT 1 FROM assessments), \
             NOT EXISTS (SELECT 1 FROM hotline_calls), NOT EXISTS (SELECT 1 FROM history)",
        )
        .fetch_one(&mut **tx)
        .await?;
        Ok([empty.0, empty.1, empty.2, empty.3])
    }

    /// The register held no records when the transaction began.
    fn empty_at_start(&self) -> bool {
        self.empty[..3].iter().all(|e| *e)
    }

    fn conn(tx: &mut Option<PgTx>) -> &mut PgConnection {
        tx.as_mut().expect("an open import transaction")
    }

    /// Copies the rows of each entity; a failure names the entity being written.
    async fn append_rows(
        &mut self,
        rows: &ImportBatch,
        complete: [bool; 4],
    ) -> Result<(), (Kind, StoreError)> {
        let conn = Self::conn(&mut self.tx);
        for kind in Kind::ALL {
            let k = kind as usize;
            let n = kind.len(rows);
            let table = &mut self.tables[k];
            let (empty, stamp) = (self.empty[k], self.stamp.as_str());
            let done: Result<()> = async {
                if n > 0 {
                    if let Table::Untouched = table {
                        let rebuild = if !empty {
                            create_stage_of(conn, kind).await?;
                            Vec::new()
                        } else if n >= REBUILD_INDEXES_FROM {
                            drop_indexes(conn, kind.table()).await?
                        } else {
                            Vec::new()
                        };
                        *table = Table::Copying {
                            staged: !empty,
                            written: 0,
                            last_key: None,
                            rebuild,
                        };
                    }
                    let Table::Copying {
                        staged,
                        written,
                        last_key,
                        ..
                    } = table
                    else {
                        unreachable!("opened above")
                    };
                    copy_range(conn, kind, rows, 0..n, *staged, stamp).await?;
                    *written += n;
                    *last_key = Some(kind.key(rows, n - 1));
                }
                if complete[k]
                    && let Table::Copying { rebuild, .. } = table
                {
                    create_indexes(conn, kind.table(), std::mem::take(rebuild)).await?;
                }
                Ok(())
            }
            .await;
            done.map_err(|e| (kind, e))?;
        }
        Ok(())
    }

    async fn write_rest_async(&mut self, batch: &ImportBatch) -> Result<Written> {
        let start = std::time::Instant::now();
        let locked = self.locked;
        let conn = Self::conn(&mut self.tx);
        let mut counts = [Counts::default(); 4];
        let mut all_appended = true;
        for kind in Kind::ALL {
            let k = kind as usize;
            let n = kind.len(batch);
            match std::mem::replace(&mut self.tables[k], Table::Untouched) {
                Table::Untouched => {
                    if n > 0 {
                        counts[k] = write_whole(conn, kind, batch, &self.stamp, locked).await?;
                        all_appended &= kind == Kind::History;
                    }
                }
                Table::Copying {
                    staged,
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
                    copy_range(conn, kind, batch, written..n, staged, &self.stamp).await?;
                    if staged {
                        counts[k] = merge_stage_of(conn, kind, n as u64).await?;
                        all_appended &= kind == Kind::History;
                    } else {
                        create_indexes(conn, kind.table(), rebuild).await?;
                        counts[k].inserted = n as u64;
                    }
                }
            }
        }
        if !locked {
            take_audit_head_yielding(Self::conn(&mut self.tx)).await?;
            self.locked = true;
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
}

/// How long one attempt of an import waits for the audit trail's write lock: less than
/// PostgreSQL's `deadlock_timeout` (1 s by default), so that the import is never the one a
/// deadlock check ends (see [`take_audit_head_yielding`]).
const HEAD_ATTEMPT_WAIT: &str = "SET LOCAL lock_timeout = '100ms'";

/// Takes the audit trail's write lock at the end of an import that merged without it. The
/// web application takes that lock first and then writes records; the import took its
/// records' row locks first and takes this lock last, so a web save of a record the
/// import holds waits for the import while holding the lock the import wants. The import
/// therefore never waits long in that lock's queue: each attempt gives up after
/// [`HEAD_ATTEMPT_WAIT`] (inside a savepoint, so the import's transaction stays good) and
/// tries again; the web save ends its wait with a deadlock error or its own lock timeout
/// (`queries_web::lock`), which the web retries, and the import takes the lock meanwhile.
async fn take_audit_head_yielding(conn: &mut PgConnection) -> Result<()> {
    let start = std::time::Instant::now();
    sqlx::query(HEAD_ATTEMPT_WAIT).execute(&mut *conn).await?;
    let taken = loop {
        sqlx::query("SAVEPOINT spor_audit_head")
            .execute(&mut *conn)
            .await?;
        match sqlx::query(crate::queries_web::LOCK_AUDIT_HEAD)
            .execute(&mut *conn)
            .await
        {
            Ok(_) => break Ok(()),
            Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some(LOCK_NOT_AVAILABLE) => {
                sqlx::query("ROLLBACK TO SAVEPOINT spor_audit_head")
                    .execute(&mut *conn)
                    .await?;
                if start.elapsed() > HEAD_WAIT_AT_MOST {
                    break Err(StoreError::Conflict(format!(
                        "the audit trail stayed busy for {} seconds at the end of the import; nothing was written: try again",
                        HEAD_WAIT_AT_MOST.as_secs()
                    )));
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            Err(e) => break Err(e.into()),
        }
    };
    taken?;
    sqlx::query("RELEASE SAVEPOINT spor_audit_head")
        .execute(&mut *conn)
        .await?;
    sqlx::query("SET LOCAL lock_timeout = 0")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// SQLSTATE `lock_not_available`: a lock wait ended by `lock_timeout`.
pub(crate) const LOCK_NOT_AVAILABLE: &str = "55P03";

/// How long an import keeps trying for the audit trail's lock before it gives up.
const HEAD_WAIT_AT_MOST: Duration = Duration::from_secs(120);

impl PendingImport for PgPending {
    /// Copies checked rows as they come (see [`PgPending`]); builds the key and indexes
    /// of a fresh table as soon as its rows are all in.
    fn append(&mut self, rows: &ImportBatch, complete: [bool; 4]) {
        if self.failed.is_some() {
            return;
        }
        let start = std::time::Instant::now();
        let rt = self.rt.clone();
        if let Err(e) = rt.block_on(self.append_rows(rows, complete)) {
            self.failed = Some(e);
        }
        self.busy += start.elapsed();
    }

    fn write_rest(&mut self, batch: &ImportBatch) -> Result<Written> {
        if let Some((kind, e)) = self.failed.take() {
            return Err(StoreError::Conflict(format!(
                "{e} (while writing {}); nothing was written",
                kind.table()
            )));
        }
        let rt = self.rt.clone();
        rt.block_on(self.write_rest_async(batch))
    }

    fn commit(
        mut self: Box<Self>,
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
        let mut tx = self.tx.take().expect("an open import transaction");
        let keep = self.empty_at_start() && all_appended;
        let stamp = std::mem::take(&mut self.stamp);
        let commit = self.rt.block_on(async {
            let t = summary.total();
            if t.inserted + t.updated > 0 {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ('last_change', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(&stamp)
                .execute(&mut *tx)
                .await?;
                match columns.filter(|_| keep) {
                    Some(bytes) => sqlx::query(
                        "INSERT INTO statistics_columns (id, stamp, data) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp, data = excluded.data",
                    )
                    .bind(&stamp)
                    .bind(bytes)
                    .execute(&mut *tx)
                    .await?,
                    None => sqlx::query("DELETE FROM statistics_columns")
                        .execute(&mut *tx)
                        .await?,
                };
            }
            // Identity does not change the statistics: `last_change` stays.
            if let Some(w) = &identity {
                crate::identity::write_in::<sqlx::Postgres>(&mut tx, w, &stamp).await?;
            }
            if let Some(event) = event {
                let (key, e, at) = event.make(&summary);
                crate::queries_web::append_in::<sqlx::Postgres>(&mut tx, key.as_ref(), &e, at)
                    .await?;
            }
            let commit = std::time::Instant::now();
            tx.commit().await?;
            Ok::<_, StoreError>(commit)
        })?;
        tracing::debug!(
            appending_ms = self.busy.as_millis(),
            finishing_ms = start.elapsed().as_millis(),
            commit_ms = commit.elapsed().as_millis(),
            "import written"
        );
        Ok(summary)
    }
}

/// Takes the audit trail's write lock, then the record tables' locks against other
/// writers (readers do not wait), in the order a web edit takes them (it locks
/// `audit_head`, then writes records): taken the other way round, an edit and the import
/// could each wait for the other.
async fn lock_tables(tx: &mut PgTx) -> Result<()> {
    sqlx::query(crate::queries_web::LOCK_AUDIT_HEAD)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "LOCK TABLE identifications, assessments, hotline_calls, history IN SHARE ROW EXCLUSIVE MODE",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Copies rows `range` of one entity of `b` into its table, or its staging table.
async fn copy_range(
    conn: &mut PgConnection,
    kind: Kind,
    b: &ImportBatch,
    range: std::ops::Range<usize>,
    staged: bool,
    stamp: &str,
) -> Result<()> {
    if range.is_empty() {
        return Ok(());
    }
    let table = if staged {
        stage_of(kind.table())
    } else {
        kind.table().to_owned()
    };
    match kind {
        Kind::Identifications => {
            copy_rows::<Identification, _>(conn, &table, &b.identifications[range], stamp).await
        }
        Kind::Assessments => {
            copy_rows::<Assessment, _>(conn, &table, &b.assessments[range], stamp).await
        }
        Kind::HotlineCalls => {
            copy_rows::<HotlineCall, _>(conn, &table, &b.hotline_calls[range], stamp).await
        }
        Kind::History => copy_rows::<HistoryRow, _>(conn, &table, &b.history[range], stamp).await,
    }
}

async fn create_stage_of(conn: &mut PgConnection, kind: Kind) -> Result<()> {
    match kind {
        Kind::Identifications => create_stage::<Identification>(conn).await,
        Kind::Assessments => create_stage::<Assessment>(conn).await,
        Kind::HotlineCalls => create_stage::<HotlineCall>(conn).await,
        Kind::History => create_stage::<HistoryRow>(conn).await,
    }
}

async fn merge_stage_of(conn: &mut PgConnection, kind: Kind, staged: u64) -> Result<Counts> {
    match kind {
        Kind::Identifications => merge_stage::<Identification>(conn, staged).await,
        Kind::Assessments => merge_stage::<Assessment>(conn, staged).await,
        Kind::HotlineCalls => merge_stage::<HotlineCall>(conn, staged).await,
        Kind::History => merge_stage::<HistoryRow>(conn, staged).await,
    }
}

async fn write_whole(
    conn: &mut PgConnection,
    kind: Kind,
    b: &ImportBatch,
    stamp: &str,
    locked: bool,
) -> Result<Counts> {
    match kind {
        Kind::Identifications => write_entity(conn, &b.identifications, stamp, locked).await,
        Kind::Assessments => write_entity(conn, &b.assessments, stamp, locked).await,
        Kind::HotlineCalls => write_entity(conn, &b.hotline_calls, stamp, locked).await,
        Kind::History => write_entity(conn, &b.history, stamp, locked).await,
    }
}

/// Memory for the index builds of a large first import: a sort of a million keys that
/// fits in it runs in memory instead of spilling to temporary files (the server's default,
/// 64 MB, is sized for many sessions at once; this is one transaction's, for its duration).
const INDEX_BUILD_MEMORY: &str = "SET LOCAL maintenance_work_mem = '256MB'";

/// Drops the table's indexes and its primary key for a large first import, returning the
/// statements that build them again. Each row of a COPY into an indexed table is a B-tree
/// insert per index; built after the COPY, an index is one sort (at a million decisions,
/// the COPY with the primary key in place took about half again as long as the COPY and the
/// key's build after it). The key is checked when it is built: a ref twice fails the
/// import, as the COPY into the keyed table would (the reader refuses it before that).
///
/// Only the table's owner may drop them: under a role that does not own the tables (as the
/// README advises, so that the audit trail's guards stay), they stay and the COPY updates
/// them row by row.
async fn drop_indexes(conn: &mut PgConnection, table: &str) -> Result<Vec<String>> {
    let owner: bool = sqlx::query_scalar(
        "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = $1::regclass",
    )
    .bind(table)
    .fetch_one(&mut *conn)
    .await?;
    if !owner {
        return Ok(Vec::new());
    }
    let found: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, pg_get_indexdef(c.oid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid \
         WHERE x.indrelid = $1::regclass AND NOT x.indisprimary AND NOT x.indisunique",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    let key: Option<(String, String)> = sqlx::query_as(
        "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
         WHERE conrelid = $1::regclass AND contype = 'p'",
    )
    .bind(table)
    .fetch_optional(&mut *conn)
    .await?;
    let mut rebuild = Vec::new();
    if let Some((name, def)) = key {
        let sql = format!("ALTER TABLE {table} DROP CONSTRAINT \"{name}\"");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
        rebuild.push(format!(
            "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {def}"
        ));
    }
    for (name, def) in found {
        let sql = format!("DROP INDEX \"{name}\"");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
        rebuild.push(def);
    }
    Ok(rebuild)
}

/// Builds the key and indexes dropped by [`drop_indexes`].
async fn create_indexes(
    conn: &mut PgConnection,
    table: &str,
    statements: Vec<String>,
) -> Result<()> {
    if statements.is_empty() {
        return Ok(());
    }
    let start = std::time::Instant::now();
    sqlx::query(INDEX_BUILD_MEMORY).execute(&mut *conn).await?;
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
    }
    tracing::debug!(table, ms = start.elapsed().as_millis(), "indexes rebuilt");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_the_format_reserves_and_nothing_else() {
        let mut o = CopyText::new();
        o.text("a\tb\nc\rd\\e");
        o.opt_text(None);
        o.text("Ø \"q\" 'x' \\N");
        o.int(Some(-7));
        o.bool(true);
        o.date(NaiveDate::from_ymd_opt(987, 3, 4).unwrap());
        o.end_row();
        o.text("");
        o.end_row();
        assert_eq!(
            std::str::from_utf8(o.bytes()).unwrap(),
            "a\\tb\\nc\\rd\\\\e\t\\N\tØ \"q\" 'x' \\\\N\t-7\tt\t0987-03-04\n\n"
        );
    }
}
