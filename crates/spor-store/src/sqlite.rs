//! The embedded default store: one SQLite file, WAL journal, foreign keys on.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{ImportSummary, Store, StoreError};

impl crate::Dialect for sqlx::Sqlite {
    /// SQLITE_BUSY (5), SQLITE_LOCKED (6) and their extended codes SQLITE_BUSY_SNAPSHOT
    /// (517) and SQLITE_LOCKED_SHAREDCACHE (261): another connection holds the lock.
    fn is_transient(code: &str) -> bool {
        matches!(code, "5" | "6" | "517" | "261")
    }

    /// The write lock is the database's: nothing else to wait for.
    const AFTER_WRITE_LOCK: &'static str = "";
    const LOCK_WAIT_ENDED: &'static str = "";

    fn rows_affected(done: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        done.rows_affected()
    }
}

/// Runs SQLite work that takes long on a thread that may block, where the runtime has one
/// (the server, the CLI); on a single-threaded runtime (tests) it simply runs.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// The page size of a new file (an existing one keeps its own). SQLite's default is 4 KiB;
/// 16 KiB pages took a twentieth off importing and reading a million decisions (fewer,
/// fuller b-tree pages) and cost a small register nothing it would notice.
const PAGE_SIZE: u32 = 16_384;

/// The register in an SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
    list_totals: std::sync::Arc<crate::queries_web::ListTotals>,
    audit_key: crate::queries_web::AuditKeySlot,
    audit_queue: std::sync::Arc<crate::audit_queue::AuditQueue>,
}

/// Turns `--db` into a file path: a plain path, `sqlite:PATH` or `sqlite://PATH`.
/// Anything else with a scheme is refused rather than taken for a file name.
pub fn parse_path(url: &str) -> Result<PathBuf, StoreError> {
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if let Some((scheme, _)) = url.split_once("://") {
        return Err(StoreError::BadUrl(format!(
            "unknown database URL scheme `{scheme}://`: use a file path, sqlite:PATH or postgres://USER@HOST/DB"
        )));
    } else {
        url
    };
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() {
        return Err(StoreError::BadUrl("the database path is empty".into()));
    }
    let path = PathBuf::from(path);
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(StoreError::BadUrl(format!(
            "the folder {} does not exist: create it first, or check the --db path",
            parent.display()
        )));
    }
    if path.is_dir() {
        return Err(StoreError::BadUrl(format!(
            "{} is a folder, not a database file",
            path.display()
        )));
    }
    Ok(path)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and runs pending migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let path = parse_path(url)?;
        Self::open_path(&path).await
    }

    pub async fn open_path(path: &Path) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|e| StoreError::BadUrl(e.to_string()))?
            .filename(path)
            .create_if_missing(true)
            .page_size(PAGE_SIZE)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Freed cells are zeroed (FAST: in pages written anyway, no extra I/O), so an
            // erased identity's wrapped key does not linger in the file's free space
            // (issue 23: crypto-shredding must destroy the key).
            .pragma("secure_delete", "FAST");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Connect {
                target: path.display().to_string(),
                message: match writable(path) {
                    Err(why) => why,
                    Ok(()) => e.to_string(),
                },
            })?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore {
            pool,
            path: path.to_path_buf(),
            list_totals: Default::default(),
            audit_key: Default::default(),
            audit_queue: Default::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    #[tracing::instrument(skip_all)]
    async fn apply_import(&self, batch: &spor_core::ImportBatch) -> crate::Result<ImportSummary> {
        blocking(|| crate::sqlite_bulk::apply_import(&self.path, batch))
    }

    async fn begin_import_stream(&self) -> Option<crate::ImportStream> {
        self.pool.close().await;
        let path = self.path.clone();
        Some(crate::ImportStream::start(move || {
            crate::sqlite_bulk::Pending::begin(&path)
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn load_register(&self) -> crate::Result<spor_core::Register> {
        blocking(|| crate::sqlite_bulk::load_register(&self.path))
    }

    fn statistics_cache(&self) -> Option<&dyn crate::StatisticsCache> {
        Some(self)
    }

    async fn microdata_from(&self) -> crate::Result<Option<i32>> {
        let mut conn = self.pool.acquire().await?;
        crate::queries::microdata_from::<sqlx::Sqlite>(&mut conn).await
    }

    async fn set_microdata_from(&self, year: Option<i32>) -> crate::Result<()> {
        let mut tx = self.pool.begin().await?;
        crate::queries::set_microdata_from::<sqlx::Sqlite>(&mut tx, year).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn exchange_mappings(&self) -> crate::Result<Vec<(String, String)>> {
        let mut conn = self.pool.acquire().await?;
        crate::queries::exchange_mappings::<sqlx::Sqlite>(&mut conn).await
    }

    async fn code_additions(&self) -> crate::Result<Vec<spor_core::CodeEntry>> {
        let mut conn = self.pool.acquire().await?;
        crate::queries::code_additions::<sqlx::Sqlite>(&mut conn).await
    }

    async fn add_code(&self, entry: &spor_core::CodeEntry) -> crate::Result<()> {
        let mut tx = self.pool.begin().await?;
        crate::queries::add_code::<sqlx::Sqlite>(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn last_change(&self) -> crate::Result<Option<chrono::DateTime<chrono::Utc>>> {
        let mut conn = self.pool.acquire().await?;
        crate::queries::last_change::<sqlx::Sqlite>(&mut conn).await
    }

    async fn integrity_check(&self) -> crate::Result<Vec<String>> {
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&mut *conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(r,)| r)
            .filter(|r| r != "ok")
            .collect())
    }

    #[tracing::instrument(skip_all)]
    async fn snapshot(&self) -> crate::Result<crate::Snapshot> {
        let mut tx = self.pool.begin().await?;
        let snap = crate::copy::snapshot::<sqlx::Sqlite>(&mut tx).await?;
        tx.commit().await?;
        Ok(snap)
    }

    #[tracing::instrument(skip_all)]
    async fn row_counts(&self) -> crate::Result<Vec<(&'static str, u64)>> {
        let mut conn = self.pool.acquire().await?;
        crate::copy::row_counts::<sqlx::Sqlite>(&mut conn).await
    }

    #[tracing::instrument(skip_all)]
    async fn identity_state(&self) -> crate::Result<crate::identity::IdentityState> {
        let mut conn = self.pool.acquire().await?;
        crate::identity::state::<sqlx::Sqlite>(&mut conn).await
    }

    async fn restore(&self, snapshot: &crate::Snapshot) -> crate::Result<()> {
        let mut tx = self.pool.begin().await?;
        crate::copy::restore::<sqlx::Sqlite>(&mut tx, snapshot).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// On rusqlite, as the register's load is (see `sqlite_bulk.rs`).
#[async_trait]
impl crate::StatisticsCache for SqliteStore {
    async fn kept_columns(&self) -> crate::Result<(spor_core::Register, Option<Vec<u8>>)> {
        blocking(|| crate::sqlite_bulk::kept_columns(&self.path))
    }

    #[tracing::instrument(skip_all)]
    async fn scan_records(
        &self,
        sink: &mut (dyn FnMut(crate::RecordChunk) + Send),
    ) -> crate::Result<spor_core::Register> {
        blocking(|| crate::sqlite_bulk::scan_records(&self.path, sink))
    }

    async fn keep_columns(
        &self,
        stamp: chrono::DateTime<chrono::Utc>,
        bytes: &[u8],
    ) -> crate::Result<bool> {
        blocking(|| crate::sqlite_bulk::keep_columns(&self.path, stamp, bytes))
    }
}

/// The web application's tables, on the SQL both backends share (`queries_web.rs`).
impl crate::queries_web::SqlStore for SqliteStore {
    fn list_totals(&self) -> &crate::queries_web::ListTotals {
        &self.list_totals
    }

    fn audit_key_slot(&self) -> &crate::queries_web::AuditKeySlot {
        &self.audit_key
    }

    fn audit_queue(&self) -> &crate::audit_queue::AuditQueue {
        &self.audit_queue
    }

    type Db = sqlx::Sqlite;
    fn sql_pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Why the register's file (or, for a new one, its folder) cannot be written, in words a
/// user can act on; `Ok` when nothing stands in the way that the file system says.
fn writable(path: &std::path::Path) -> std::result::Result<(), String> {
    let probe = if path.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map(drop)
    } else {
        Ok(())
    };
    match probe {
        Err(e) if e.kind() == std::io::ErrorKind::ReadOnlyFilesystem => Err(
            "it is on a read-only file system: nothing was written; mount it read-write (or copy the register elsewhere) and try again".into(),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(format!(
            "this user may not write it ({e}): nothing was written"
        )),
        _ => Ok(()),
    }
}
