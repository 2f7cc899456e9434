//! Spor's storage: one [`Store`] trait, one implementation per backend, chosen at run time
//! by the URL (`sqlite:`/file path, or `postgres://`). Dialect differences stay in here.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spor_core::{Assessment, CodeEntry, HotlineCall, Identification, ImportBatch, Register};

mod audit_queue;
mod copy;
pub mod identity;
mod pg_import;
pub mod postgres;
mod queries;
mod queries_web;
pub mod releases;
mod rows;
mod sql;
pub mod sqlite;
mod sqlite_bulk;
mod stream;
pub mod web;

pub use stream::{ImportEvent, ImportStream};
pub use web::{WebStore, open_web};

pub use copy::{
    COPIED_TABLES, Cell, CopyOutcome, Snapshot, TableSpec, compare_registers, copy_register,
};

/// What went wrong in the store. The message is for users; no record content is in it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    BadUrl(String),
    #[error("cannot open the database {target}: {message}")]
    Connect { target: String, message: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the stored data is not valid: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Sqlite(String),
    #[error(
        "the disk that holds the register is full: nothing was written; free space (or move the register to a larger disk) and try again"
    )]
    DiskFull,
    /// The file became unwritable after it was opened (the file system remounted
    /// read-only, its permissions changed).
    #[error(
        "the register cannot be written: it is on a read-only file system or this user may not write it: nothing was written; mount it read-write (or copy the register elsewhere) and try again"
    )]
    ReadOnly,
    #[error(
        "the audit trail of this register is kept under a key, and the key was not given (--audit-key FILE or SPOR_AUDIT_KEY_FILE): nothing is written without it"
    )]
    AuditKeyNeeded,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What the SQL shared by the backends needs to know of a dialect; each backend's module
/// implements it for its sqlx database type.
pub(crate) trait Dialect: sqlx::Database {
    /// Whether a write that failed with this error code may succeed when tried again: the
    /// database was busy or locked, or the transaction collided with another.
    fn is_transient(code: &str) -> bool;
    /// Run right after a write transaction took the audit trail's write lock (empty: none).
    const AFTER_WRITE_LOCK: &'static str;
    /// The error code of a lock wait ended by that setting (empty: none).
    const LOCK_WAIT_ENDED: &'static str;
    /// The number of rows a statement changed.
    fn rows_affected(done: &Self::QueryResult) -> u64;
}

/// Whether `e` is an error of database `DB` that is worth trying again (see
/// [`Dialect::is_transient`]).
pub(crate) fn is_transient<DB: Dialect>(e: &StoreError) -> bool {
    match e {
        StoreError::Database(sqlx::Error::Database(d)) => {
            d.code().as_deref().is_some_and(DB::is_transient)
        }
        _ => false,
    }
}

/// How many rows of each kind an import inserted, updated or left unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

/// The outcome of [`Store::apply_import`], per entity.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub identifications: Counts,
    pub assessments: Counts,
    pub hotline_calls: Counts,
    pub history: Counts,
}

impl ImportSummary {
    pub fn total(&self) -> Counts {
        let mut c = Counts::default();
        for x in [
            self.identifications,
            self.assessments,
            self.hotline_calls,
            self.history,
        ] {
            c.add(x);
        }
        c
    }
}

/// The register's storage. Every method is one transaction.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Which backend this is (`sqlite`, `postgres`), for messages.
    fn backend(&self) -> &'static str;

    /// Writes a validated batch in one transaction: rows with a known ref (history: series,
    /// year, category) are updated, never duplicated. Either all of it lands or none.
    async fn apply_import(&self, batch: &ImportBatch) -> Result<ImportSummary>;

    /// Begins an import that writes checked rows while the files are still being read
    /// (see [`ImportStream`]). `None`: this backend writes the whole batch at the end, with
    /// [`Store::apply_import`].
    ///
    /// SQLite closes this store's own connections first, so that a first import can have
    /// the file to itself: use the stream, not the store, from then on (a closed store
    /// answers every call with an error).
    async fn begin_import_stream(&self) -> Option<ImportStream> {
        None
    }

    /// The whole register, in a stable order.
    async fn load_register(&self) -> Result<Register>;

    /// The statistics' copy of the records, where this backend keeps one (see
    /// [`StatisticsCache`]).
    fn statistics_cache(&self) -> Option<&dyn StatisticsCache> {
        None
    }

    /// The `microdata_from` setting.
    async fn microdata_from(&self) -> Result<Option<i32>>;
    async fn set_microdata_from(&self, year: Option<i32>) -> Result<()>;

    /// The centre's changes to the international exchanges' mappings: `(MAP/CODE,
    /// category)` and `(reporting_country, country)` ([`spor_core::Mappings::with_overrides`]).
    async fn exchange_mappings(&self) -> Result<Vec<(String, String)>>;

    /// The centre's additions to the extensible code lists.
    async fn code_additions(&self) -> Result<Vec<CodeEntry>>;
    async fn add_code(&self, entry: &CodeEntry) -> Result<()>;

    /// When the register last changed.
    async fn last_change(&self) -> Result<Option<DateTime<Utc>>>;

    /// The whole register as stored (records, history, settings, code additions with the
    /// time each was added), read in one consistent transaction: the source of a copy.
    async fn snapshot(&self) -> Result<Snapshot>;

    /// Writes a snapshot into this store in one transaction. The store must be empty;
    /// one that holds anything is refused and left as it was.
    async fn restore(&self, snapshot: &Snapshot) -> Result<()>;

    /// What the database's own consistency check finds wrong (empty: nothing). SQLite runs
    /// `PRAGMA integrity_check`; PostgreSQL checks its pages itself (data checksums) and
    /// has no such statement by default, so it reports nothing here.
    async fn integrity_check(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// The rows of every table `spor store copy` moves (and of the sessions), counted by
    /// the database.
    async fn row_counts(&self) -> Result<Vec<(&'static str, u64)>>;

    /// What an import of persons needs to know before it writes: the master key's check
    /// value, the stored persons' fingerprints and erasures, the duplicate-flagging blind
    /// index (see [`identity::IdentityState`]). Nothing sealed is read.
    async fn identity_state(&self) -> Result<identity::IdentityState>;
}

/// The records of one kind, a chunk at a time in reference order (see
/// [`StatisticsCache::scan_records`]).
#[derive(Debug)]
pub enum RecordChunk {
    Identifications(Vec<Identification>),
    Assessments(Vec<Assessment>),
    HotlineCalls(Vec<HotlineCall>),
}

/// The register as the statistics read it: a capability of a backend that the
/// application layer uses, beside the [`Store`] itself.
///
/// The statistics count from their own compact copy of the records (`spor_stats::Columns`,
/// as bytes), kept in the store beside the register and valid while its stamp is the
/// register's `last_change` (every write to the records or settings changes that). When it
/// is not current, the records are read a chunk at a time, so that counting never holds
/// the whole register in memory, and the new copy is kept for the next reader.
#[async_trait]
pub trait StatisticsCache: Send + Sync {
    /// The register without its record lists (history, settings, codes, `last_change`) and
    /// the kept columns when they are of the register as it is now.
    async fn kept_columns(&self) -> Result<(Register, Option<Vec<u8>>)>;

    /// Hands every record to `sink`, [`RecordChunk`]s of at most [`SCAN_CHUNK`] rows, in
    /// reference order per kind (decisions, then interviews, then calls), all read in one
    /// transaction; returns the register without its record lists as of that same state.
    async fn scan_records(&self, sink: &mut (dyn FnMut(RecordChunk) + Send)) -> Result<Register>;

    /// Keeps `bytes` as the columns of the register whose `last_change` was `stamp`.
    /// `false`, and nothing kept, when the register has changed since.
    async fn keep_columns(&self, stamp: DateTime<Utc>, bytes: &[u8]) -> Result<bool>;
}

/// The most rows in one [`RecordChunk`].
pub const SCAN_CHUNK: usize = 16_384;

/// Opens the store named by `url`: a file path or `sqlite:` URL, or `postgres://…`
/// (see [`postgres::PgStore::open`] for the pool, timeout and password settings).
/// A file in a folder that does not exist, or an unknown scheme, is an error.
pub async fn open(url: &str) -> Result<Box<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Box::new(postgres::PgStore::open(url).await?));
    }
    Ok(Box::new(sqlite::SqliteStore::open(url).await?))
}

#[cfg(test)]
mod tests {
    /// Both backends' migrations have the same numbers and names, so a register's schema
    /// version means the same on either.
    #[test]
    fn both_backends_migrations_are_in_step() {
        let names = |backend: &str| {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(backend);
            let mut v: Vec<String> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let sqlite = names("sqlite");
        assert!(sqlite.len() >= 4, "{sqlite:?}");
        assert_eq!(sqlite, names("postgres"));
    }
}
