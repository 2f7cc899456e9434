//! The shared store: one PostgreSQL database for a centre with caseworkers in several
//! offices, or a network of organisations entering cases into one register.
//!
//! The SQL is the SQLite store's (`register_queries!`), so both give the same results;
//! what differs is here: the connection settings, a lock that serialises imports, retries
//! on serialization failures and a consistent snapshot for every read of the register.
//!
//! # Settings
//!
//! `--db postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?key=value&…]`. Spor's own keys
//! (each also an environment variable; the URL wins):
//!
//! | URL key | environment | default | meaning |
//! |---|---|---|---|
//! | `pool` | `SPOR_DB_POOL` | 5 | most connections open at once |
//! | `statement_timeout` | `SPOR_DB_STATEMENT_TIMEOUT` | 120 | seconds a statement may run (0: no limit) |
//! | `connect_timeout` | `SPOR_DB_CONNECT_TIMEOUT` | 10 | seconds to wait for the server |
//! | `password_file` | `SPOR_DB_PASSWORD_FILE` | – | file whose first line is the password |
//!
//! Other keys (`sslmode`, `sslrootcert`, `application_name`, …) go to the driver as in
//! libpq. The password is taken from the first of: the URL, the password file, `PGPASSWORD`,
//! `~/.pgpass`. It never appears in an error message.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use crate::{ImportSummary, Store, StoreError};

/// Connections in the pool unless `pool=` or `SPOR_DB_POOL` says otherwise.
pub const DEFAULT_POOL: u32 = 5;
/// Seconds a statement may run unless `statement_timeout=` or `SPOR_DB_STATEMENT_TIMEOUT`
/// says otherwise: long enough to load a register of a million decisions.
pub const DEFAULT_STATEMENT_TIMEOUT_SECS: u64 = 120;
/// Seconds to wait for the server unless `connect_timeout=` or `SPOR_DB_CONNECT_TIMEOUT`
/// says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 10;

/// How long an import waits for another import into the same register to finish.
const IMPORT_LOCK_WAIT: Duration = Duration::from_secs(600);
/// The advisory lock that serialises imports ("SPOR" and 1).
const IMPORT_LOCK_KEY: i64 = 0x5350_4f52_0000_0001;
/// Attempts of a write transaction that fails on a serialization failure or deadlock.
const ATTEMPTS: u32 = 3;

/// Spor's connection settings, from the URL's query and the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgSettings {
    /// Most connections open at once.
    pub pool: u32,
    /// How long one statement may run; zero means no limit.
    pub statement_timeout: Duration,
    /// How long to wait for the server when connecting.
    pub connect_timeout: Duration,
    /// A file holding the password (the path is not secret; its content is).
    pub password_file: Option<PathBuf>,
}

impl Default for PgSettings {
    fn default() -> Self {
        PgSettings {
            pool: DEFAULT_POOL,
            statement_timeout: Duration::from_secs(DEFAULT_STATEMENT_TIMEOUT_SECS),
            connect_timeout: Duration::from_secs(DEFAULT_CONNECT_TIMEOUT_SECS),
            password_file: None,
        }
    }
}

/// A PostgreSQL URL taken apart: what goes to the driver, Spor's settings, and the
/// password texts that must never be shown.
#[derive(Clone)]
pub struct PgTarget {
    options: PgConnectOptions,
    settings: PgSettings,
    secrets: Vec<String>,
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgTarget")
            .field("target", &describe(&self.options))
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl PgTarget {
    /// Parses `url` with settings from the process environment.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        Self::parse_with_env(url, |k| std::env::var(k).ok())
    }

    /// Parses `url`, reading environment variables through `env` (so tests need not
    /// change the process environment).
    pub fn parse_with_env(
        url: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, StoreError> {
        let shown = redact(url);
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        let url_password = url_password(base);
        let mut secrets: Vec<String> = Vec::new();
        if let Some(p) = &url_password {
            secrets.push(p.clone());
            secrets.push(percent_decode(p));
        }

        let mut settings = PgSettings::default();
        let mut from_url = Vec::new();
        let mut passthrough = Vec::new();
        let mut query_password = false;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "pool" | "statement_timeout" | "connect_timeout" | "password_file" => {
                    from_url.push((k, percent_decode(v)));
                }
                "password" => {
                    query_password = true;
                    secrets.push(v.to_string());
                    secrets.push(percent_decode(v));
                    passthrough.push(pair);
                }
                _ => passthrough.push(pair),
            }
        }
        let env_pairs = [
            ("pool", "SPOR_DB_POOL"),
            ("statement_timeout", "SPOR_DB_STATEMENT_TIMEOUT"),
            ("connect_timeout", "SPOR_DB_CONNECT_TIMEOUT"),
            ("password_file", "SPOR_DB_PASSWORD_FILE"),
        ];
        for (key, var) in env_pairs {
            if let Some((_, v)) = from_url.iter().find(|(k, _)| *k == key) {
                settings.set(key, v, &format!("`{key}=` in the database URL"))?;
            } else if let Some(v) = env(var).filter(|v| !v.is_empty()) {
                settings.set(key, &v, var)?;
            }
        }

        let driver_url = if passthrough.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", passthrough.join("&"))
        };
        let mut options = PgConnectOptions::from_str(&driver_url).map_err(|e| {
            StoreError::BadUrl(scrub(
                format!(
                    "the PostgreSQL URL {shown} is not valid ({e}): write postgres://USER@HOST:PORT/DATABASE"
                ),
                &secrets,
            ))
        })?;
        if let Some(p) = env("PGPASSWORD").filter(|p| !p.is_empty()) {
            secrets.push(p);
        }
        if url_password.is_none()
            && !query_password
            && let Some(path) = &settings.password_file
        {
            let text = std::fs::read_to_string(path).map_err(|e| {
                StoreError::BadUrl(format!(
                    "cannot read the password file {}: {e}",
                    path.display()
                ))
            })?;
            let password = text.lines().next().unwrap_or("").to_string();
            if password.is_empty() {
                return Err(StoreError::BadUrl(format!(
                    "the password file {} is empty: put the password on its first line",
                    path.display()
                )));
            }
            options = options.password(&password);
            secrets.push(password);
        }
        if options.get_application_name().is_none() {
            // What the server's pg_stat_activity shows, unless the URL names it.
            options = options.application_name("spor");
        }
        if !settings.statement_timeout.is_zero() {
            options = options.options([(
                "statement_timeout",
                format!("{}s", settings.statement_timeout.as_secs()),
            )]);
        }
        secrets.retain(|s| !s.is_empty());
        Ok(PgTarget {
            options,
            settings,
            secrets,
        })
    }

    pub fn settings(&self) -> &PgSettings {
        &self.settings
    }

    /// "`spor` on host db.example, port 5432 (PostgreSQL, user spor)".
    pub fn describe(&self) -> String {
        describe(&self.options)
    }

    /// The driver's connection options (they hold the password: never print them).
    pub fn connect_options(&self) -> &PgConnectOptions {
        &self.options
    }

    /// A connection error as users should see it: where, and the server's message,
    /// without any password.
    fn connect_error(&self, e: &sqlx::Error) -> StoreError {
        let o = &self.options;
        let db = o.get_database().unwrap_or(o.get_username());
        let message = match e {
            sqlx::Error::Database(d) => {
                let hint = match d.code().as_deref() {
                    Some("3D000") => format!(
                        " (create the database first, e.g. `createdb -h {} -p {} -U {} {db}`, or check its name in --db)",
                        o.get_host(),
                        o.get_port(),
                        o.get_username()
                    ),
                    Some("28P01" | "28000") => " (check the user name and the password: in the URL, in the file named by password_file= or SPOR_DB_PASSWORD_FILE, or in PGPASSWORD)".to_string(),
                    _ => String::new(),
                };
                format!("the server says: {}{hint}", d.message())
            }
            sqlx::Error::Io(io) => {
                format!("{io} (is PostgreSQL running there and accepting TCP connections?)")
            }
            sqlx::Error::PoolTimedOut => format!(
                "no answer within {} seconds (set connect_timeout= or SPOR_DB_CONNECT_TIMEOUT to wait longer)",
                self.settings.connect_timeout.as_secs()
            ),
            other => other.to_string(),
        };
        StoreError::Connect {
            target: self.describe(),
            message: scrub(message, &self.secrets),
        }
    }
}

impl PgSettings {
    fn set(&mut self, key: &str, value: &str, source: &str) -> Result<(), StoreError> {
        let secs = |min: u64| {
            value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| *s >= min && *s <= 86_400)
                .map(Duration::from_secs)
        };
        match key {
            "pool" => {
                self.pool = value
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| {
                        StoreError::BadUrl(format!(
                            "{source} takes a number of connections from 1 to 1000, not `{value}`"
                        ))
                    })?;
            }
            "statement_timeout" => {
                self.statement_timeout = secs(0).ok_or_else(|| {
                    StoreError::BadUrl(format!(
                        "{source} takes whole seconds from 0 (no limit) to 86400, not `{value}`"
                    ))
                })?;
            }
            "connect_timeout" => {
                self.connect_timeout = secs(1).ok_or_else(|| {
                    StoreError::BadUrl(format!(
                        "{source} takes whole seconds from 1 to 86400, not `{value}`"
                    ))
                })?;
            }
            _ => self.password_file = Some(PathBuf::from(value)),
        }
        Ok(())
    }
}

fn describe(o: &PgConnectOptions) -> String {
    let db = o.get_database().unwrap_or(o.get_username());
    let place = match o.get_socket() {
        Some(s) => format!("socket {}", s.display()),
        None => format!("host {}, port {}", o.get_host(), o.get_port()),
    };
    format!("`{db}` on {place} (PostgreSQL, user {})", o.get_username())
}

/// The password in `postgres://user:PASSWORD@host…`, as written (percent-encoded).
fn url_password(base: &str) -> Option<String> {
    let rest = base.split_once("://")?.1;
    let authority = rest.split('/').next().unwrap_or(rest);
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    Some(password.to_string())
}

/// The URL with its password replaced by `***`, for messages.
pub fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b.to_string(), Some(q)),
        None => (url.to_string(), None),
    };
    let base = match url_password(&base) {
        Some(p) if !p.is_empty() => {
            let at = base.rfind('@').unwrap_or(base.len());
            let colon = base[..at].rfind(':').unwrap_or(at);
            format!("{}:***{}", &base[..colon], &base[at..])
        }
        _ => base,
    };
    match query {
        None => base,
        Some(q) => {
            let pairs: Vec<String> = q
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some(("password", _)) => "password=***".to_string(),
                    _ => p.to_string(),
                })
                .collect();
            format!("{base}?{}", pairs.join("&"))
        }
    }
}

fn percent_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Removes every secret from a message (belt and braces: the driver's messages are not
/// known to carry passwords, but a message must never be the one that does).
fn scrub(mut message: String, secrets: &[String]) -> String {
    for s in secrets.iter().filter(|s| s.len() >= 2) {
        message = message.replace(s.as_str(), "***");
    }
    message
}

impl crate::Dialect for sqlx::Postgres {
    /// A serialization failure, a deadlock or a lock wait past `lock_timeout` (SQLSTATE
    /// 40001, 40P01, 55P03): the transaction was rolled back and may succeed when run
    /// again.
    fn is_transient(code: &str) -> bool {
        matches!(
            code,
            "40001" | "40P01" | crate::pg_import::LOCK_NOT_AVAILABLE
        )
    }

    /// A write that holds the audit trail's lock waits at most half a second for any other
    /// lock (a record that an import into a register in use is writing): it then gives the
    /// audit lock up and is tried again, so that the import, which takes that lock last,
    /// can finish (see `pg_import::take_audit_head_yielding`), and the pages waiting for
    /// the audit lock meanwhile wait no longer than that.
    const AFTER_WRITE_LOCK: &'static str = "SET LOCAL lock_timeout = '500ms'";
    const LOCK_WAIT_ENDED: &'static str = crate::pg_import::LOCK_NOT_AVAILABLE;

    fn rows_affected(done: &sqlx::postgres::PgQueryResult) -> u64 {
        done.rows_affected()
    }
}

fn is_serialization_failure(e: &StoreError) -> bool {
    crate::is_transient::<sqlx::Postgres>(e)
}

/// The register in a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    target: String,
    settings: PgSettings,
    list_totals: std::sync::Arc<crate::queries_web::ListTotals>,
    audit_key: crate::queries_web::AuditKeySlot,
    audit_queue: std::sync::Arc<crate::audit_queue::AuditQueue>,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.target)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

type PgTx = sqlx::Transaction<'static, sqlx::Postgres>;

/// Runs `$body` (which uses the transaction `$tx`) in a write transaction, committing at
/// the end; a serialization failure or deadlock rolls back and tries again, up to
/// [`ATTEMPTS`] times, and then is reported as a conflict. Nothing is lost silently: a
/// transaction either commits whole or returns an error.
macro_rules! write_tx {
    ($self:ident, $what:expr, lock = $lock:expr, |$tx:ident| $body:expr) => {{
        let mut attempt = 1u32;
        loop {
            let result = async {
                let mut $tx: PgTx = $self.pool.begin().await?;
                if $lock {
                    lock_imports(&mut $tx).await?;
                }
                let value = $body.await?;
                $tx.commit().await?;
                Ok::<_, StoreError>(value)
            }
            .await;
            match result {
                Err(e) if is_serialization_failure(&e) => {
                    if attempt >= ATTEMPTS {
                        break Err(StoreError::Conflict(format!(
                            "{} collided with other changes to the register {ATTEMPTS} times in a row; nothing of it was written: try again",
                            $what
                        )));
                    }
                    tracing::warn!(attempt, "serialization failure in a write; retrying");
                    tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
                    attempt += 1;
                }
                other => break other,
            }
        }
    }};
}

/// Takes the register's import lock for the rest of the transaction, waiting while
/// another import holds it. Imports thus run one after the other: each sees the previous
/// one's rows (so its counts are right) and none interleaves with another.
pub(crate) async fn lock_imports(tx: &mut PgTx) -> crate::Result<()> {
    let start = Instant::now();
    loop {
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(IMPORT_LOCK_KEY)
            .fetch_one(&mut **tx)
            .await?;
        if got {
            return Ok(());
        }
        if start.elapsed() >= IMPORT_LOCK_WAIT {
            return Err(StoreError::Conflict(format!(
                "another import into this register has been running for more than {} minutes; nothing was written: try again when it has finished",
                IMPORT_LOCK_WAIT.as_secs() / 60
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Whether every migration has been applied. Then opening the register needs no DDL at all:
/// Spor can run under a role that does not own its tables (and so can neither drop nor
/// disable the audit trail's triggers), after the owner ran the migrations.
async fn migrations_applied(pool: &PgPool) -> Result<bool, StoreError> {
    let table: Option<String> = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
        .fetch_one(pool)
        .await?;
    if table.is_none() {
        return Ok(false);
    }
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?;
    Ok(MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .all(|m| applied.contains(&m.version)))
}

impl PgStore {
    /// Connects to the database named by `url` (see the module documentation for the
    /// settings) and runs pending migrations. The database must exist.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::connect(&PgTarget::parse(url)?).await
    }

    pub async fn connect(target: &PgTarget) -> Result<Self, StoreError> {
        let timeout = target.settings.connect_timeout;
        // One plain connection first: the pool retries a refused connection until its
        // timeout and then reports only that it timed out, while this gives the reason.
        match tokio::time::timeout(timeout, PgConnection::connect_with(&target.options)).await {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
            }
            Ok(Err(e)) => return Err(target.connect_error(&e)),
            Err(_) => return Err(target.connect_error(&sqlx::Error::PoolTimedOut)),
        }
        let pool = PgPoolOptions::new()
            .max_connections(target.settings.pool)
            .acquire_timeout(timeout.max(Duration::from_secs(30)))
            .connect_with(target.options.clone())
            .await
            .map_err(|e| target.connect_error(&e))?;
        if !migrations_applied(&pool).await? {
            MIGRATOR.run(&pool).await?;
        }
        Ok(PgStore {
            pool,
            target: target.describe(),
            settings: target.settings.clone(),
            list_totals: Default::default(),
            audit_key: Default::default(),
            audit_queue: Default::default(),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Where the store is (host, port, database, user; never the password).
    pub fn target(&self) -> &str {
        &self.target
    }

    pub fn settings(&self) -> &PgSettings {
        &self.settings
    }

    /// A read-only transaction that sees one consistent state of the register, even while
    /// an import commits between its statements.
    async fn begin_read(&self) -> crate::Result<PgTx> {
        Ok(self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?)
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    #[tracing::instrument(skip_all)]
    async fn apply_import(&self, batch: &spor_core::ImportBatch) -> crate::Result<ImportSummary> {
        write_tx!(self, "the import", lock = true, |tx| {
            crate::pg_import::apply_import(&mut tx, batch)
        })
    }

    /// The transaction is opened on the writer thread, while the files are read; rows are
    /// copied as they come (see [`crate::pg_import::PgPending`]).
    async fn begin_import_stream(&self) -> Option<crate::ImportStream> {
        let rt = tokio::runtime::Handle::current();
        let pool = self.pool.clone();
        Some(crate::ImportStream::start(move || {
            crate::pg_import::PgPending::begin(rt, pool)
        }))
    }

    fn statistics_cache(&self) -> Option<&dyn crate::StatisticsCache> {
        Some(self)
    }

    #[tracing::instrument(skip_all)]
    async fn load_register(&self) -> crate::Result<spor_core::Register> {
        let mut tx = self.begin_read().await?;
        let reg = crate::queries::load_register::<sqlx::Postgres>(&mut tx).await?;
        tx.commit().await?;
        Ok(reg)
    }

    async fn microdata_from(&self) -> crate::Result<Option<i32>> {
        let mut conn = self.pool.acquire().await?;
        crate::queries::microdata_from::<sqlx::Postgres>(&mut conn).await
    }

    async fn set_microdata_from(&self, year: Option<i32>) -> crate::Result<()> {
        write_tx!(self, "the setting", lock = false, |tx| {
            crate::queries::set_microdata_from::<sqlx::Postgres>(&mut tx, year)
        })
    }

    async fn exchange_mappings(&self) -> crate::Result<Vec<(String, String)>> {
        let mut conn = self.pool.acquire().await?;
        crate::queries::exchange_mappings::<sqlx::Postgres>(&mut conn).await
    }

    async fn code_additions(&self) -> crate::Result<Vec<spor_core::CodeEntry>> {
        let mut conn = self.pool.acquire().await?;
        crate::queries::code_additions::<sqlx::Postgres>(&mut conn).await
    }

    async fn add_code(&self, entry: &spor_core::CodeEntry) -> crate::Result<()> {
        write_tx!(self, "adding the code", lock = false, |tx| {
            crate::queries::add_code::<sqlx::Postgres>(&mut tx, entry)
        })
    }

    async fn last_change(&self) -> crate::Result<Option<chrono::DateTime<chrono::Utc>>> {
        let mut conn = self.pool.acquire().await?;
        crate::queries::last_change::<sqlx::Postgres>(&mut conn).await
    }

    #[tracing::instrument(skip_all)]
    async fn snapshot(&self) -> crate::Result<crate::Snapshot> {
        let mut tx = self.begin_read().await?;
        let snap = crate::copy::snapshot::<sqlx::Postgres>(&mut tx).await?;
        tx.commit().await?;
        Ok(snap)
    }

    #[tracing::instrument(skip_all)]
    async fn row_counts(&self) -> crate::Result<Vec<(&'static str, u64)>> {
        let mut conn = self.pool.acquire().await?;
        crate::copy::row_counts::<sqlx::Postgres>(&mut conn).await
    }

    #[tracing::instrument(skip_all)]
    async fn identity_state(&self) -> crate::Result<crate::identity::IdentityState> {
        let mut conn = self.pool.acquire().await?;
        crate::identity::state::<sqlx::Postgres>(&mut conn).await
    }

    async fn restore(&self, snapshot: &crate::Snapshot) -> crate::Result<()> {
        write_tx!(self, "the copy", lock = true, |tx| crate::copy::restore::<
            sqlx::Postgres,
        >(
            &mut tx, snapshot
        ))
    }
}

#[async_trait]
impl crate::StatisticsCache for PgStore {
    async fn kept_columns(&self) -> crate::Result<(spor_core::Register, Option<Vec<u8>>)> {
        let mut tx = self.begin_read().await?;
        let stamp = crate::queries::get_setting::<sqlx::Postgres>(&mut tx, "last_change").await?;
        let data = match &stamp {
            Some(stamp) => {
                sqlx::query_scalar::<_, Vec<u8>>(
                    "SELECT data FROM statistics_columns WHERE id = 1 AND stamp = $1",
                )
                .bind(stamp)
                .fetch_optional(&mut *tx)
                .await?
            }
            None => None,
        };
        let reg = crate::queries::register_head::<sqlx::Postgres>(&mut tx).await?;
        tx.commit().await?;
        Ok((reg, data))
    }

    #[tracing::instrument(skip_all)]
    async fn scan_records(
        &self,
        sink: &mut (dyn FnMut(crate::RecordChunk) + Send),
    ) -> crate::Result<spor_core::Register> {
        use crate::RecordChunk;
        use crate::queries::scan_in_chunks;
        use sqlx::Postgres as Pg;
        let mut tx = self.begin_read().await?;
        scan_in_chunks::<Pg, spor_core::Identification>(&mut tx, &mut |c| {
            sink(RecordChunk::Identifications(c))
        })
        .await?;
        scan_in_chunks::<Pg, spor_core::Assessment>(&mut tx, &mut |c| {
            sink(RecordChunk::Assessments(c))
        })
        .await?;
        scan_in_chunks::<Pg, spor_core::HotlineCall>(&mut tx, &mut |c| {
            sink(RecordChunk::HotlineCalls(c))
        })
        .await?;
        let reg = crate::queries::register_head::<Pg>(&mut tx).await?;
        tx.commit().await?;
        Ok(reg)
    }

    async fn keep_columns(
        &self,
        stamp: chrono::DateTime<chrono::Utc>,
        bytes: &[u8],
    ) -> crate::Result<bool> {
        write_tx!(self, "keeping the statistics columns", lock = false, |tx| {
            async {
                // The row lock on the setting orders this after any write that changes it.
                let current: Option<String> = sqlx::query_scalar(
                    "SELECT value FROM settings WHERE key = 'last_change' FOR UPDATE",
                )
                .fetch_optional(&mut *tx)
                .await?;
                let Some(current) = current else {
                    return Ok(false);
                };
                let parsed = chrono::DateTime::parse_from_rfc3339(&current)
                    .map_err(|_| StoreError::Corrupt("last_change".into()))?;
                if parsed != stamp {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO statistics_columns (id, stamp, data) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp, data = excluded.data",
                )
                .bind(&current)
                .bind(bytes)
                .execute(&mut *tx)
                .await?;
                Ok::<_, StoreError>(true)
            }
        })
    }
}

/// The web application's tables, on the SQL both backends share (`queries_web.rs`).
impl crate::queries_web::SqlStore for PgStore {
    fn list_totals(&self) -> &crate::queries_web::ListTotals {
        &self.list_totals
    }

    fn audit_key_slot(&self) -> &crate::queries_web::AuditKeySlot {
        &self.audit_key
    }

    fn audit_queue(&self) -> &crate::audit_queue::AuditQueue {
        &self.audit_queue
    }

    type Db = sqlx::Postgres;
    fn sql_pool(&self) -> &PgPool {
        &self.pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn settings_come_from_the_url_before_the_environment() {
        let env = |k: &str| match k {
            "SPOR_DB_POOL" => Some("9".to_string()),
            "SPOR_DB_STATEMENT_TIMEOUT" => Some("30".to_string()),
            _ => None,
        };
        let t = PgTarget::parse_with_env("postgres://spor@db.example/spor?pool=12", env).unwrap();
        assert_eq!(t.settings().pool, 12);
        assert_eq!(t.settings().statement_timeout, Duration::from_secs(30));
        assert_eq!(
            t.settings().connect_timeout,
            Duration::from_secs(DEFAULT_CONNECT_TIMEOUT_SECS)
        );
        assert_eq!(
            t.describe(),
            "`spor` on host db.example, port 5432 (PostgreSQL, user spor)"
        );
        assert_eq!(
            t.connect_options().get_options(),
            Some("-c statement_timeout=30s")
        );
    }

    #[test]
    fn a_bad_setting_names_where_it_came_from_and_what_is_accepted() {
        let e = PgTarget::parse_with_env("postgres://spor@h/spor?pool=0", no_env).unwrap_err();
        assert!(
            e.to_string().contains(
                "`pool=` in the database URL takes a number of connections from 1 to 1000, not `0`"
            ),
            "{e}"
        );
        let env = |k: &str| (k == "SPOR_DB_STATEMENT_TIMEOUT").then(|| "5min".to_string());
        let e = PgTarget::parse_with_env("postgres://spor@h/spor", env).unwrap_err();
        assert!(
            e.to_string()
                .contains("SPOR_DB_STATEMENT_TIMEOUT takes whole seconds"),
            "{e}"
        );
    }

    #[test]
    fn the_server_sees_spor_unless_the_url_names_another_application() {
        let t = PgTarget::parse_with_env("postgres://spor@h/spor", no_env).unwrap();
        assert_eq!(t.connect_options().get_application_name(), Some("spor"));
        let t =
            PgTarget::parse_with_env("postgres://spor@h/spor?application_name=x", no_env).unwrap();
        assert_eq!(t.connect_options().get_application_name(), Some("x"));
    }

    #[test]
    fn a_statement_timeout_of_zero_sets_no_limit() {
        let t =
            PgTarget::parse_with_env("postgres://spor@h/spor?statement_timeout=0", no_env).unwrap();
        assert_eq!(t.connect_options().get_options(), None);
    }

    #[test]
    fn a_malformed_url_is_refused_without_showing_its_password() {
        let e = PgTarget::parse_with_env("postgres://spor:Hemmelig%2F42@h:port/spor", no_env)
            .unwrap_err();
        let text = e.to_string();
        assert!(text.contains("postgres://spor:***@h:port/spor"), "{text}");
        assert!(!text.contains("Hemmelig"), "{text}");
    }

    #[test]
    fn redact_hides_the_password_in_user_info_and_query() {
        assert_eq!(
            redact("postgres://u:p%40ss@h:5432/d?sslmode=require&password=x"),
            "postgres://u:***@h:5432/d?sslmode=require&password=***"
        );
        assert_eq!(redact("postgres://u@h/d"), "postgres://u@h/d");
    }

    #[test]
    fn the_password_file_is_read_when_the_url_has_no_password() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "Fil-Kodeord-7\n").unwrap();
        let url = format!("postgres://spor@h/spor?password_file={}", file.display());
        let t = PgTarget::parse_with_env(&url, no_env).unwrap();
        assert!(t.secrets.contains(&"Fil-Kodeord-7".to_string()));
        assert_eq!(t.settings().password_file.as_deref(), Some(file.as_path()));

        let env = |k: &str| (k == "SPOR_DB_PASSWORD_FILE").then(|| "/nonexistent/pw".to_string());
        let e = PgTarget::parse_with_env("postgres://spor@h/spor", env).unwrap_err();
        assert!(
            e.to_string()
                .contains("cannot read the password file /nonexistent/pw"),
            "{e}"
        );
        // A password in the URL wins: the file is not even read.
        assert!(PgTarget::parse_with_env("postgres://spor:x1@h/spor", env).is_ok());
    }
}
