//! The web application's SQL, written once for both backends as generic code over
//! [`Backend`]: [`crate::web::WebStore`] is implemented for every [`SqlStore`] (a store on
//! a sqlx pool), the SQLite and the PostgreSQL store alike.
//!
//! Concurrency: every write transaction starts with a write to the `audit_head` setting,
//! which takes SQLite's write lock up front (waiting through `busy_timeout` instead of
//! failing on a stale read snapshot) and serialises audit appends on PostgreSQL. A write
//! that still collides (busy, serialisation failure, duplicate key) is retried a few times.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use spor_core::{Assessment, HotlineCall, Identification};
use sqlx::QueryBuilder;

use crate::audit_queue::AuditQueue;
use crate::rows::RowCodec;
use crate::sql::{Backend, Cols, Query, bind};
use crate::web::*;
use crate::{Result, Store, StoreError};

/// A store on a sqlx pool: what the shared web SQL needs of it.
pub(crate) trait SqlStore: Store {
    type Db: Backend + WebSql;
    fn sql_pool(&self) -> &sqlx::Pool<Self::Db>;
    /// The lists' totals counted for the register as it was (see [`ListTotals`]).
    fn list_totals(&self) -> &ListTotals;
    /// The audit key, once given (see [`WebStore::set_audit_key`]).
    fn audit_key_slot(&self) -> &AuditKeySlot;
    /// The audit events of this process waiting to be written (see [`AuditQueue`]).
    fn audit_queue(&self) -> &AuditQueue;
}

/// Where a store keeps its audit key (shared by its clones).
pub(crate) type AuditKeySlot = std::sync::Arc<std::sync::RwLock<Option<AuditKey>>>;

pub(crate) fn current_key(slot: &AuditKeySlot) -> Option<AuditKey> {
    slot.read().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The number of rows a list filter matches, kept per filter while the register's
/// `last_change` stays the same: a page of a large register is then one index range, not
/// a count of every matching row on every request.
#[derive(Debug, Default)]
pub(crate) struct ListTotals {
    kept: std::sync::Mutex<(Option<String>, HashMap<String, i64>)>,
}

impl ListTotals {
    /// The most filters kept at once; more and the oldest state's are dropped.
    const MAX: usize = 4096;

    fn get(&self, stamp: &Option<String>, key: &str) -> Option<i64> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        (kept.0 == *stamp)
            .then(|| kept.1.get(key).copied())
            .flatten()
    }

    fn put(&self, stamp: Option<String>, key: String, total: i64) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.0 != stamp || kept.1.len() >= Self::MAX {
            *kept = (stamp, HashMap::new());
        }
        kept.1.insert(key, total);
    }
}

/// The few expressions whose SQL differs between the backends.
pub(crate) trait WebSql {
    /// The indexes the lists read in their order (see [`prepare_lists`]).
    const LIST_INDEXES: &'static [&'static str];

    /// The UTC instant of a stored RFC 3339 timestamp column (whatever its offset) as text
    /// `YYYY-MM-DDTHH:MM:SS.mmm`, the same on every backend, so that instants compare and
    /// sort as text.
    fn utc_text(col: &str) -> String;
}

impl WebSql for sqlx::Sqlite {
    const LIST_INDEXES: &'static [&'static str] = &[
        "CREATE INDEX IF NOT EXISTS identifications_list ON identifications (decision_date DESC, case_ref)",
        "CREATE INDEX IF NOT EXISTS assessments_list ON assessments (interview_date DESC, assessment_ref)",
        "CREATE INDEX IF NOT EXISTS hotline_calls_list ON hotline_calls (strftime('%Y-%m-%dT%H:%M:%f', received_at) DESC, call_ref)",
    ];

    fn utc_text(col: &str) -> String {
        // SQLite's date functions read the offset and answer in UTC.
        format!("strftime('%Y-%m-%dT%H:%M:%f', {col})")
    }
}

impl WebSql for sqlx::Postgres {
    // The calls' order is of an expression PostgreSQL does not index (a text cast to an
    // instant depends on settings); their list counts and sorts the year's rows.
    // Created only where missing: `CREATE INDEX IF NOT EXISTS` asks for ownership of the
    // table even when the index is there, and Spor may run under a role that does not own
    // its tables.
    const LIST_INDEXES: &'static [&'static str] = &[
        "DO $$ BEGIN IF to_regclass('identifications_list') IS NULL THEN CREATE INDEX identifications_list ON identifications (decision_date DESC, case_ref); END IF; END $$",
        "DO $$ BEGIN IF to_regclass('assessments_list') IS NULL THEN CREATE INDEX assessments_list ON assessments (interview_date DESC, assessment_ref); END IF; END $$",
    ];

    fn utc_text(col: &str) -> String {
        format!(
            "(to_char(({col})::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') COLLATE \"C\")"
        )
    }
}

/// The UTC instants (as [`WebSql::utc_text`] writes them) where calendar year `year`
/// begins and ends in Copenhagen: the statistics year of a hotline call.
fn copenhagen_year_bounds(year: i32) -> Option<(String, String)> {
    use chrono::TimeZone as _;
    let start = |y: i32| {
        chrono_tz::Europe::Copenhagen
            .with_ymd_and_hms(y, 1, 1, 0, 0, 0)
            .earliest()
            .map(|t| {
                t.with_timezone(&Utc)
                    .format("%Y-%m-%dT%H:%M:%S%.3f")
                    .to_string()
            })
    };
    Some((start(year)?, start(year + 1)?))
}

/// A write worth trying again: the dialect's transient errors, a duplicate key (two
/// writers picked the same audit sequence number) or a full pool.
/// A lock wait ended by `lock_timeout` (see [`crate::Dialect::LOCK_WAIT_ENDED`]).
fn is_lock_wait<DB: Backend>(e: &StoreError) -> bool {
    match e {
        StoreError::Database(sqlx::Error::Database(d)) => {
            !DB::LOCK_WAIT_ENDED.is_empty() && d.code().as_deref() == Some(DB::LOCK_WAIT_ENDED)
        }
        _ => false,
    }
}

fn is_retryable<DB: Backend>(e: &StoreError) -> bool {
    match e {
        StoreError::Database(sqlx::Error::Database(d)) if d.is_unique_violation() => true,
        StoreError::Database(sqlx::Error::PoolTimedOut) => true,
        e => crate::is_transient::<DB>(e),
    }
}

/// How long a write keeps being tried while it only waits for a record that another
/// transaction holds (a lock wait ended by [`crate::Dialect::AFTER_WRITE_LOCK`]'s timeout:
/// an import into a register in use writing that record): about as long as such an
/// import's merge of a million decisions takes, several times over.
const WAIT_FOR_A_HELD_RECORD: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs `attempt` until it succeeds, fails for good or has been retried 8 times (or, while
/// it only waits for a record another transaction holds, for [`WAIT_FOR_A_HELD_RECORD`]).
async fn retry<DB: Backend, T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut tries = 0u32;
    let start = std::time::Instant::now();
    loop {
        match attempt().await {
            Err(e)
                if is_retryable::<DB>(&e)
                    && (tries < 8
                        || (is_lock_wait::<DB>(&e)
                            && start.elapsed() < WAIT_FOR_A_HELD_RECORD)) =>
            {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5 * u64::from(tries))).await;
            }
            other => break other,
        }
    }
}

fn ts(s: &str) -> Result<DateTime<Utc>> {
    parse_stamp(s).ok_or_else(|| StoreError::Corrupt(format!("stored time `{s}`")))
}

fn text<DB: Backend>(r: &DB::Row, i: usize) -> Result<Option<String>> {
    Ok(DB::text(r, i)?.map(str::to_owned))
}

fn required<T>(v: Option<T>) -> Result<T> {
    v.ok_or_else(|| StoreError::Corrupt("a required stored value is empty".into()))
}

fn req_text<DB: Backend>(r: &DB::Row, i: usize) -> Result<String> {
    required(text::<DB>(r, i)?)
}

fn req_int<DB: Backend>(r: &DB::Row, i: usize) -> Result<i64> {
    required(DB::int(r, i)?)
}

/// Takes the write lock first (see the module comment).
pub(crate) async fn lock<DB: Backend>(conn: &mut DB::Connection) -> Result<()> {
    bind::<DB>(sqlx::query(LOCK_AUDIT_HEAD))
        .execute(&mut *conn)
        .await?;
    if !DB::AFTER_WRITE_LOCK.is_empty() {
        bind::<DB>(sqlx::query(DB::AFTER_WRITE_LOCK))
            .execute(conn)
            .await?;
    }
    Ok(())
}

async fn touch_register<DB: Backend>(conn: &mut DB::Connection, at: &str) -> Result<()> {
    bind::<DB>(sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('last_change', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ))
    .to(at)
    .execute(conn)
    .await?;
    Ok(())
}

const USER_COLS: &str = "name, roles, password_hash, disabled, failed_logins, locked_until, created_at, must_change_password, totp_secret, totp_confirmed, team";

fn user_from<DB: Backend>(r: &DB::Row) -> Result<UserRow> {
    Ok(UserRow {
        name: req_text::<DB>(r, 0)?,
        roles: req_text::<DB>(r, 1)?,
        password_hash: req_text::<DB>(r, 2)?,
        disabled: required(DB::bool(r, 3)?)?,
        failed_logins: req_int::<DB>(r, 4)?,
        locked_until: DB::text(r, 5)?.map(ts).transpose()?,
        created_at: ts(&req_text::<DB>(r, 6)?)?,
        must_change_password: required(DB::bool(r, 7)?)?,
        totp_secret: text::<DB>(r, 8)?,
        totp_confirmed: required(DB::bool(r, 9)?)?,
        team: text::<DB>(r, 10)?,
    })
}

/// Whether an enabled account with the `admin` role is left (roles are a comma-separated
/// list, matched whole).
async fn an_admin_left<DB: Backend>(conn: &mut DB::Connection) -> Result<bool> {
    let row = bind::<DB>(sqlx::query(
        "SELECT COUNT(*) FROM users WHERE NOT disabled AND (',' || roles || ',') LIKE '%,admin,%'",
    ))
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(r) => DB::int(&r, 0)?.unwrap_or(0) > 0,
        None => false,
    })
}

/// Applies an account update in the caller's transaction; whether the account exists.
async fn apply_user_update<DB: Backend>(
    conn: &mut DB::Connection,
    name: &str,
    u: &UserUpdate,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut qb: QueryBuilder<DB> = QueryBuilder::new("UPDATE users SET updated_at = ");
    DB::push_bind(&mut qb, stamp(now).as_str().into());
    if let Some(r) = &u.roles {
        qb.push(", roles = ");
        DB::push_bind(&mut qb, r.into());
    }
    if let Some(h) = &u.password_hash {
        qb.push(", password_hash = ");
        DB::push_bind(&mut qb, h.into());
        qb.push(", failed_logins = 0, locked_until = NULL");
    }
    if let Some(d) = u.disabled {
        qb.push(", disabled = ");
        DB::push_bind(&mut qb, d.into());
    }
    if let Some((n, until)) = &u.login_state {
        qb.push(", failed_logins = ");
        DB::push_bind(&mut qb, (*n).into());
        qb.push(", locked_until = ");
        let until = until.map(stamp);
        DB::push_bind(&mut qb, until.as_deref().into());
    }
    if let Some(m) = u.must_change_password {
        qb.push(", must_change_password = ");
        DB::push_bind(&mut qb, m.into());
    }
    if let Some(team) = &u.team {
        qb.push(", team = ");
        DB::push_bind(&mut qb, team.as_deref().into());
    }
    match &u.second_factor {
        Some(SecondFactorUpdate::Pending(secret)) => {
            qb.push(", totp_secret = ");
            DB::push_bind(&mut qb, secret.into());
            qb.push(", totp_confirmed = FALSE, totp_last_step = NULL");
        }
        Some(SecondFactorUpdate::Reset) => {
            qb.push(", totp_secret = NULL, totp_confirmed = FALSE, totp_last_step = NULL");
        }
        None => {}
    }
    qb.push(" WHERE name = ");
    DB::push_bind(&mut qb, name.into());
    let found = DB::execute(&mut *conn, qb.build()).await? == 1;
    if found && u.second_factor == Some(SecondFactorUpdate::Reset) {
        bind::<DB>(sqlx::query(
            "DELETE FROM recovery_codes WHERE user_name = $1",
        ))
        .to(name)
        .execute(&mut *conn)
        .await?;
    }
    let ends_sessions = u.password_hash.is_some()
        || u.disabled == Some(true)
        || u.second_factor == Some(SecondFactorUpdate::Reset);
    if found && ends_sessions {
        bind::<DB>(sqlx::query("DELETE FROM sessions WHERE user_name = $1"))
            .to(name)
            .execute(&mut *conn)
            .await?;
    }
    Ok(found)
}

const EVENT_COLS: &str = "seq, at, code, actor, target, address, detail, prev_hash, hash, chain";

fn event_from<DB: Backend>(r: &DB::Row) -> Result<AuditEvent> {
    Ok(AuditEvent {
        seq: req_int::<DB>(r, 0)?,
        at: req_text::<DB>(r, 1)?,
        code: req_text::<DB>(r, 2)?,
        actor: text::<DB>(r, 3)?,
        target: text::<DB>(r, 4)?,
        address: text::<DB>(r, 5)?,
        detail: text::<DB>(r, 6)?,
        prev_hash: req_text::<DB>(r, 7)?,
        hash: req_text::<DB>(r, 8)?,
        chain: req_int::<DB>(r, 9)?,
    })
}

/// The event that follows the trail's newest one, `last` (its seq, hash and chain;
/// `None` for an empty trail): under `key`, an HMAC ([`CHAIN_HMAC`]); without one, a plain
/// SHA-256 ([`CHAIN_SHA256`]), refused once the trail has keyed events. Computed only:
/// each path writes it with [`INSERT_EVENT`] and [`SET_AUDIT_HEAD`].
pub(crate) fn next_event(
    last: Option<(i64, String, i64)>,
    key: Option<&AuditKey>,
    e: &NewAuditEvent,
    at: DateTime<Utc>,
) -> Result<AuditEvent> {
    let (seq, prev_hash, last_chain) = match last {
        Some((seq, hash, chain)) => (seq + 1, hash, chain),
        None => (1, GENESIS_HASH.to_string(), CHAIN_SHA256),
    };
    if key.is_none() && last_chain != CHAIN_SHA256 {
        return Err(StoreError::AuditKeyNeeded);
    }
    let mut ev = AuditEvent {
        seq,
        at: stamp(at),
        code: e.code.clone(),
        actor: e.actor.clone(),
        target: e.target.clone(),
        address: e.address.clone(),
        detail: e.detail.clone(),
        prev_hash,
        hash: String::new(),
        chain: if key.is_some() {
            CHAIN_HMAC
        } else {
            CHAIN_SHA256
        },
    };
    ev.hash = match key {
        Some(k) => audit_mac(k, &ev.prev_hash, &ev),
        None => audit_hash(&ev.prev_hash, &ev),
    };
    Ok(ev)
}

/// The newest event's seq, hash and chain.
pub(crate) const LAST_EVENT: &str =
    "SELECT seq, hash, chain FROM audit_events ORDER BY seq DESC LIMIT 1";
/// Stores an event (parameters in [`EVENT_COLS`] order).
pub(crate) const INSERT_EVENT: &str = "INSERT INTO audit_events (seq, at, code, actor, target, address, detail, prev_hash, hash, chain) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
/// Records the newest event beside the chain (`seq:hash`); the row exists once the write
/// lock was taken ([`lock`]).
pub(crate) const SET_AUDIT_HEAD: &str = "UPDATE settings SET value = $1 WHERE key = 'audit_head'";

/// Appends `e` after the newest event (see [`next_event`]), in the caller's transaction,
/// which took the write lock ([`lock`]).
pub(crate) async fn append_in<DB: Backend>(
    conn: &mut DB::Connection,
    key: Option<&AuditKey>,
    e: &NewAuditEvent,
    at: DateTime<Utc>,
) -> Result<AuditEvent> {
    let last = bind::<DB>(sqlx::query(LAST_EVENT))
        .fetch_optional(&mut *conn)
        .await?;
    let last = match last {
        Some(r) => Some((
            req_int::<DB>(&r, 0)?,
            req_text::<DB>(&r, 1)?,
            req_int::<DB>(&r, 2)?,
        )),
        None => None,
    };
    let ev = next_event(last, key, e, at)?;
    bind::<DB>(sqlx::query(INSERT_EVENT))
        .to(ev.seq)
        .to(&ev.at)
        .to(&ev.code)
        .to(&ev.actor)
        .to(&ev.target)
        .to(&ev.address)
        .to(&ev.detail)
        .to(&ev.prev_hash)
        .to(&ev.hash)
        .to(ev.chain)
        .execute(&mut *conn)
        .await?;
    let head = format!("{}:{}", ev.seq, ev.hash);
    bind::<DB>(sqlx::query(SET_AUDIT_HEAD))
        .to(&head)
        .execute(conn)
        .await?;
    Ok(ev)
}

/// Takes the write lock as [`lock`] does (the statement of both).
pub(crate) const LOCK_AUDIT_HEAD: &str = "INSERT INTO settings (key, value) VALUES ('audit_head', NULL) ON CONFLICT (key) DO UPDATE SET value = settings.value";

/// A record with its version and stamp, from a row of its `RecordSql::columns`.
fn versioned<DB: Backend, T: RowCodec>(r: &DB::Row) -> Result<Versioned<T>> {
    let record = T::read(&mut Cols::<DB>::new(r))?;
    let n = T::COLUMNS.len();
    Ok(Versioned {
        record,
        version: req_int::<DB>(r, n)?,
        updated_at: req_text::<DB>(r, n + 1)?,
    })
}

/// Binds the record's own columns in its codec's order (`$1` is the ref).
fn bind_record<'q, DB: Backend>(q: Query<'q, DB>, r: &Record) -> crate::sql::Binder<'q, DB> {
    let mut b = Some(bind::<DB>(q));
    match r {
        Record::Identification(r) => r.write(&mut b),
        Record::Assessment(r) => r.write(&mut b),
        Record::HotlineCall(r) => r.write(&mut b),
    }
    b.expect("a statement being bound")
}

fn sql(kind: RecordKind) -> &'static RecordSql {
    RecordSql::of_kind(kind)
}

async fn read_one<DB: Backend>(
    conn: &mut DB::Connection,
    kind: RecordKind,
    key: &str,
) -> Result<Option<Versioned<Record>>> {
    let row = bind::<DB>(sqlx::query(sql(kind).select_one.as_str()))
        .to(key)
        .fetch_optional(conn)
        .await?;
    let Some(r) = row else { return Ok(None) };
    fn wrap<T>(v: Versioned<T>, f: fn(T) -> Record) -> Versioned<Record> {
        Versioned {
            record: f(v.record),
            version: v.version,
            updated_at: v.updated_at,
        }
    }
    Ok(Some(match kind {
        RecordKind::Identification => wrap(versioned::<DB, _>(&r)?, Record::Identification),
        RecordKind::Assessment => wrap(versioned::<DB, _>(&r)?, Record::Assessment),
        RecordKind::HotlineCall => wrap(versioned::<DB, _>(&r)?, Record::HotlineCall),
    }))
}

#[allow(clippy::too_many_arguments)]
async fn log_change<DB: Backend>(
    conn: &mut DB::Connection,
    audit_key: Option<&AuditKey>,
    kind: RecordKind,
    key: &str,
    version: i64,
    action: &str,
    ctx: &ChangeContext,
    fields: &serde_json::Value,
) -> Result<()> {
    let at = stamp(ctx.at);
    bind::<DB>(sqlx::query(
        "INSERT INTO record_changes (entity, record_ref, version, action, actor, at, fields) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    ))
    .to(kind.entity())
    .to(key)
    .to(version)
    .to(action)
    .to(&ctx.actor)
    .to(&at)
    .to(&fields.to_string())
    .execute(&mut *conn)
    .await?;
    touch_register::<DB>(&mut *conn, &at).await?;
    append_in::<DB>(conn, audit_key, &ctx.audit, ctx.at).await?;
    Ok(())
}

/// The highest version this ref ever had (a deleted and re-created record continues its
/// history instead of starting again at 1).
async fn last_logged_version<DB: Backend>(
    conn: &mut DB::Connection,
    kind: RecordKind,
    key: &str,
) -> Result<i64> {
    let row = bind::<DB>(sqlx::query(
        "SELECT COALESCE(MAX(version), 0) FROM record_changes WHERE entity = $1 AND record_ref = $2",
    ))
    .to(kind.entity())
    .to(key)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(r) => req_int::<DB>(&r, 0),
        None => Ok(0),
    }
}

/// A record as it will be stored: where the new one means the same as the stored one (a
/// call's time at the same instant, written with another offset), the stored text stays.
fn as_stored(old: &Record, new: &Record) -> Record {
    match (old, new) {
        (Record::HotlineCall(o), Record::HotlineCall(n)) if o.received_at == n.received_at => {
            Record::HotlineCall(spor_core::HotlineCall {
                received_at: o.received_at,
                ..n.clone()
            })
        }
        _ => new.clone(),
    }
}

/// Inserts a record that does not exist, continuing the version numbers of its history;
/// `action` is what the history calls it (`create`, `restore`).
/// The person's sealed identity and its audit event, written with a new record.
type WithIdentity<'a> = Option<(&'a crate::identity::IdentityWrite, &'a NewAuditEvent)>;

async fn insert_record<DB: Backend>(
    pool: &sqlx::Pool<DB>,
    key: Option<&AuditKey>,
    r: &Record,
    ctx: &ChangeContext,
    action: &str,
    identity: WithIdentity<'_>,
) -> Result<WriteOutcome> {
    retry::<DB, _, _, _>(|| async move {
        let mut tx = pool.begin().await?;
        lock::<DB>(&mut tx).await?;
        if read_one::<DB>(&mut tx, r.kind(), r.key()).await?.is_some() {
            return Ok(WriteOutcome::Exists);
        }
        let version = last_logged_version::<DB>(&mut tx, r.kind(), r.key()).await? + 1;
        bind_record::<DB>(sqlx::query(sql(r.kind()).insert.as_str()), r)
            .to(version)
            .to(&stamp(ctx.at))
            .execute(&mut tx)
            .await?;
        let fields = diff(None, Some(r));
        log_change::<DB>(
            &mut tx,
            key,
            r.kind(),
            r.key(),
            version,
            action,
            ctx,
            &fields,
        )
        .await?;
        if let Some((w, ev)) = identity {
            crate::identity::write_in::<DB>(&mut tx, w, &stamp(ctx.at)).await?;
            append_in::<DB>(&mut tx, key, ev, ctx.at).await?;
        }
        tx.commit().await?;
        Ok(WriteOutcome::Done(version))
    })
    .await
}

/// `%term%` for `LIKE … ESCAPE '\'`, lower case, with the term's own wildcards escaped.
fn contains_pattern(term: &str) -> String {
    let mut p = String::from("%");
    for c in term.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Refs of persons, decisions, interviews and calls containing `term` in any case; at
/// most `limit` of each kind, each kind in ref order.
async fn search<DB: Backend + WebSql>(
    pool: &sqlx::Pool<DB>,
    term: &str,
    limit: i64,
    team: Option<&str>,
) -> Result<Vec<SearchHit>> {
    let pattern = contains_pattern(term);
    let mut conn = pool.acquire().await?;
    // (what, SQL): each answers ref, person, date.
    // `$3`: the searching caseworker's team (NULL: every person); a person of another
    // team is not found.
    let sources: [(SearchKind, &'static str); 4] = [
        (
            SearchKind::Person,
            "SELECT person_ref, person_ref, MAX(d) FROM (SELECT person_ref, decision_date AS d FROM identifications WHERE lower(person_ref) LIKE $1 ESCAPE '\\' UNION ALL SELECT person_ref, interview_date AS d FROM assessments WHERE lower(person_ref) LIKE $1 ESCAPE '\\') p WHERE NOT EXISTS (SELECT 1 FROM person_teams pt WHERE pt.person_ref = p.person_ref AND pt.team <> $3) GROUP BY person_ref ORDER BY person_ref LIMIT $2",
        ),
        (
            SearchKind::Record(RecordKind::Identification),
            "SELECT case_ref, person_ref, decision_date FROM identifications i WHERE lower(case_ref) LIKE $1 ESCAPE '\\' AND NOT EXISTS (SELECT 1 FROM person_teams pt WHERE pt.person_ref = i.person_ref AND pt.team <> $3) ORDER BY case_ref LIMIT $2",
        ),
        (
            SearchKind::Record(RecordKind::Assessment),
            "SELECT assessment_ref, person_ref, interview_date FROM assessments a WHERE lower(assessment_ref) LIKE $1 ESCAPE '\\' AND NOT EXISTS (SELECT 1 FROM person_teams pt WHERE pt.person_ref = a.person_ref AND pt.team <> $3) ORDER BY assessment_ref LIMIT $2",
        ),
        (
            SearchKind::Record(RecordKind::HotlineCall),
            "SELECT call_ref, CAST(NULL AS TEXT), received_at FROM hotline_calls WHERE lower(call_ref) LIKE $1 ESCAPE '\\' ORDER BY call_ref LIMIT $2",
        ),
    ];
    let mut hits = Vec::new();
    for (kind, q) in sources {
        let mut query = bind::<DB>(sqlx::query(q))
            .to(pattern.as_str())
            .to(limit.max(0));
        // Calls name no person: their query has no team.
        if kind != SearchKind::Record(RecordKind::HotlineCall) {
            query = query.to(team);
        }
        let rows = query.fetch_all(&mut conn).await?;
        for r in &rows {
            hits.push(SearchHit {
                kind,
                key: req_text::<DB>(r, 0)?,
                person: if kind == SearchKind::Person {
                    None
                } else {
                    text::<DB>(r, 1)?
                },
                date: text::<DB>(r, 2)?.unwrap_or_default(),
            });
        }
    }
    Ok(hits)
}

/// Date column, and the columns the filters apply to, of each list.
struct ListSpec {
    kind: RecordKind,
    table: &'static str,
    date: &'static str,
    form: Option<&'static str>,
    nationality: Option<&'static str>,
    outcome: Option<&'static str>,
    person: Option<&'static str>,
    /// `date` is a timestamp with an offset: the year and the order are those of its
    /// instant in Copenhagen, not of its text.
    instant: bool,
    order: &'static str,
}

const IDENT_LIST: ListSpec = ListSpec {
    kind: RecordKind::Identification,
    table: "identifications",
    date: "decision_date",
    form: Some("exploitation_form"),
    nationality: Some("nationality"),
    outcome: Some("outcome"),
    person: Some("person_ref"),
    instant: false,
    order: "decision_date DESC, case_ref",
};
const ASSESS_LIST: ListSpec = ListSpec {
    kind: RecordKind::Assessment,
    table: "assessments",
    date: "interview_date",
    form: None,
    nationality: Some("nationality"),
    outcome: None,
    person: Some("person_ref"),
    instant: false,
    order: "interview_date DESC, assessment_ref",
};
const CALL_LIST: ListSpec = ListSpec {
    kind: RecordKind::HotlineCall,
    table: "hotline_calls",
    date: "received_at",
    form: None,
    nationality: None,
    outcome: None,
    person: None,
    instant: true,
    order: "call_ref",
};

fn push_where<DB: Backend + WebSql>(qb: &mut QueryBuilder<DB>, spec: &ListSpec, f: &RecordFilter) {
    qb.push(" WHERE 1 = 1");
    match f.year {
        Some(y) if spec.instant => {
            let (from, until) = copenhagen_year_bounds(y).unwrap_or_default();
            let at = DB::utc_text(spec.date);
            qb.push(" AND ").push(&at).push(" >= ");
            DB::push_bind(qb, from.as_str().into());
            qb.push(" AND ").push(&at).push(" < ");
            DB::push_bind(qb, until.as_str().into());
        }
        Some(y) => {
            // A range of the date text, which the list index reads.
            qb.push(" AND ").push(spec.date).push(" >= ");
            DB::push_bind(qb, format!("{y:04}-01-01").as_str().into());
            qb.push(" AND ").push(spec.date).push(" < ");
            DB::push_bind(qb, format!("{:04}-01-01", y + 1).as_str().into());
        }
        None => {}
    }
    let pairs = [
        (spec.form, &f.form),
        (spec.nationality, &f.nationality),
        (spec.outcome, &f.outcome),
        (spec.person, &f.person_ref),
    ];
    for (col, val) in pairs {
        if let (Some(col), Some(v)) = (col, val) {
            qb.push(" AND ").push(col).push(" = ");
            DB::push_bind(qb, v.into());
        }
    }
    // Persons of another team are left out: one primary-key probe of `person_teams` per
    // row read.
    if let (Some(col), Some(team)) = (spec.person, &f.team) {
        qb.push(" AND NOT EXISTS (SELECT 1 FROM person_teams pt WHERE pt.person_ref = ")
            .push(spec.table)
            .push(".")
            .push(col)
            .push(" AND pt.team <> ");
        DB::push_bind(qb, team.into());
        qb.push(")");
    }
}

/// Builds the indexes the lists read in their order, where they are missing. The web
/// application does this when it opens a register; the command line, which never lists,
/// does not keep them up (a large import then writes two or three indexes fewer).
pub(crate) async fn prepare_lists<DB: Backend + WebSql>(pool: &sqlx::Pool<DB>) -> Result<()> {
    let mut conn = pool.acquire().await?;
    for sql in DB::LIST_INDEXES {
        match DB::execute(&mut conn, sqlx::query(sqlx::AssertSqlSafe(*sql))).await {
            // A role that does not own the tables cannot build a missing index: the lists
            // still work, more slowly, until the owner opens the register once.
            Err(StoreError::Database(sqlx::Error::Database(d)))
                if d.code().as_deref() == Some("42501") =>
            {
                tracing::warn!(
                    "a list index is missing and this database role may not build it: run `spor serve` once as the owner of the tables"
                );
            }
            other => {
                other?;
            }
        }
    }
    Ok(())
}

async fn list<DB: Backend + WebSql, T: RowCodec>(
    pool: &sqlx::Pool<DB>,
    totals: &ListTotals,
    spec: &ListSpec,
    f: &RecordFilter,
    limit: i64,
    offset: i64,
) -> Result<Page<Versioned<T>>> {
    let mut conn = pool.acquire().await?;
    let stamp = crate::queries::get_setting::<DB>(&mut conn, "last_change").await?;
    let key = format!("{}\u{1f}{f:?}", spec.table);
    let total = match totals.get(&stamp, &key) {
        Some(total) => total,
        None => {
            let mut qb: QueryBuilder<DB> = QueryBuilder::new("SELECT COUNT(*) FROM ");
            qb.push(spec.table);
            push_where(&mut qb, spec, f);
            let rows = DB::fetch_all(&mut conn, qb.build()).await?;
            let total = match rows.first() {
                Some(r) => req_int::<DB>(r, 0)?,
                None => 0,
            };
            totals.put(stamp, key, total);
            total
        }
    };
    let mut qb: QueryBuilder<DB> = QueryBuilder::new("SELECT ");
    qb.push(&sql(spec.kind).columns)
        .push(" FROM ")
        .push(spec.table);
    push_where(&mut qb, spec, f);
    qb.push(" ORDER BY ");
    if spec.instant {
        qb.push(DB::utc_text(spec.date)).push(" DESC, ");
    }
    qb.push(spec.order);
    qb.push(" LIMIT ");
    DB::push_bind(&mut qb, limit.max(0).into());
    qb.push(" OFFSET ");
    DB::push_bind(&mut qb, offset.max(0).into());
    let rows = DB::fetch_all(&mut conn, qb.build()).await?;
    let items = rows
        .iter()
        .map(versioned::<DB, T>)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page { items, total })
}

fn push_audit_where<DB: Backend>(qb: &mut QueryBuilder<DB>, f: &AuditFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(c) = &f.code_prefix {
        qb.push(" AND substr(code, 1, ")
            .push(c.len().to_string())
            .push(") = ");
        DB::push_bind(qb, c.into());
    }
    if let Some(a) = &f.actor {
        qb.push(" AND actor = ");
        DB::push_bind(qb, a.into());
    }
    if let Some(t) = &f.target {
        qb.push(" AND target = ");
        DB::push_bind(qb, t.into());
    }
    if let Some(t) = &f.from {
        qb.push(" AND at >= ");
        DB::push_bind(qb, t.into());
    }
    if let Some(t) = &f.until {
        qb.push(" AND at < ");
        DB::push_bind(qb, t.into());
    }
}

async fn update_user_in<DB: Backend>(
    tx: &mut DB::Connection,
    name: &str,
    u: &UserUpdate,
    now: DateTime<Utc>,
) -> Result<bool> {
    apply_user_update::<DB>(tx, name, u, now).await
}

async fn create_user_in<DB: Backend>(
    conn: &mut DB::Connection,
    name: &str,
    roles: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let now = stamp(now);
    let added = bind::<DB>(sqlx::query(
        "INSERT INTO users (name, roles, password_hash, disabled, failed_logins, created_at, updated_at, must_change_password) VALUES ($1, $2, $3, FALSE, 0, $4, $4, TRUE) ON CONFLICT (name) DO NOTHING",
    ))
    .to(name)
    .to(roles)
    .to(password_hash)
    .to(&now)
    .execute(conn)
    .await?;
    Ok(added == 1)
}

/// Puts a person in `team`, or in none.
async fn set_person_team_in<DB: Backend>(
    conn: &mut DB::Connection,
    person_ref: &str,
    team: Option<&str>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    match team {
        Some(team) => {
            bind::<DB>(sqlx::query(
                "INSERT INTO person_teams (person_ref, team, assigned_at, assigned_by) VALUES ($1, $2, $3, $4) ON CONFLICT (person_ref) DO UPDATE SET team = excluded.team, assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by",
            ))
            .to(person_ref)
            .to(team)
            .to(&stamp(at))
            .to(by)
            .execute(conn)
            .await?;
        }
        None => {
            bind::<DB>(sqlx::query(
                "DELETE FROM person_teams WHERE person_ref = $1",
            ))
            .to(person_ref)
            .execute(conn)
            .await?;
        }
    }
    Ok(())
}

/// Grants a session access to a person until `expires_at` (a second grant renews it);
/// `false` if there is no such session.
async fn grant_access_in<DB: Backend>(
    conn: &mut DB::Connection,
    session_hash: &str,
    person_ref: &str,
    reason: &str,
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<bool> {
    let session = bind::<DB>(sqlx::query("SELECT 1 FROM sessions WHERE id_hash = $1"))
        .to(session_hash)
        .fetch_optional(&mut *conn)
        .await?;
    if session.is_none() {
        return Ok(false);
    }
    bind::<DB>(sqlx::query(
        "INSERT INTO access_grants (session_hash, person_ref, reason, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_hash, person_ref) DO UPDATE SET reason = excluded.reason, granted_at = excluded.granted_at, expires_at = excluded.expires_at",
    ))
    .to(session_hash)
    .to(person_ref)
    .to(reason)
    .to(&stamp(at))
    .to(&stamp(expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

async fn rename_code_in<DB: Backend>(
    tx: &mut DB::Connection,
    list: &str,
    code: &str,
    da: &str,
    en: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = bind::<DB>(sqlx::query(
        "UPDATE code_additions SET da = $3, en = $4 WHERE list = $1 AND code = $2",
    ))
    .to(list)
    .to(code)
    .to(da)
    .to(en)
    .execute(&mut *tx)
    .await?;
    // Labels are in the rendered overview: the register's state moves on.
    touch_register::<DB>(tx, &stamp(at)).await?;
    Ok(n == 1)
}

async fn retire_code_in<DB: Backend>(
    conn: &mut DB::Connection,
    list: &str,
    code: &str,
    at: Option<DateTime<Utc>>,
) -> Result<bool> {
    let at = at.map(stamp);
    let n = bind::<DB>(sqlx::query(
        "UPDATE code_additions SET retired_at = $3 WHERE list = $1 AND code = $2",
    ))
    .to(list)
    .to(code)
    .to(at.as_deref())
    .execute(conn)
    .await?;
    Ok(n == 1)
}

#[async_trait]
impl<S: SqlStore> WebStore for S {
    async fn prepare_lists(&self) -> Result<()> {
        prepare_lists(self.sql_pool()).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_user(
        &self,
        name: &str,
        roles: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut conn = self.sql_pool().acquire().await?;
        create_user_in::<S::Db>(&mut conn, name, roles, password_hash, now).await
    }

    #[tracing::instrument(skip_all)]
    async fn user(&self, name: &str) -> Result<Option<UserRow>> {
        let mut conn = self.sql_pool().acquire().await?;
        let sql = format!("SELECT {USER_COLS} FROM users WHERE name = $1");
        let row = bind::<S::Db>(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .to(name)
            .fetch_optional(&mut conn)
            .await?;
        row.as_ref().map(user_from::<S::Db>).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn users(&self) -> Result<Vec<UserRow>> {
        let mut conn = self.sql_pool().acquire().await?;
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY name");
        let rows = bind::<S::Db>(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut conn)
            .await?;
        rows.iter().map(user_from::<S::Db>).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn update_user(&self, name: &str, u: &UserUpdate, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.sql_pool().begin().await?;
        let found = apply_user_update::<S::Db>(&mut tx, name, u, now).await?;
        tx.commit().await?;
        Ok(found)
    }

    #[tracing::instrument(skip_all)]
    async fn change_audited(
        &self,
        change: &AuditedChange<'_>,
        ev: &NewAuditEvent,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let key = &current_key(self.audit_key_slot());
        retry::<S::Db, _, _, _>(|| async move {
            let mut tx = self.sql_pool().begin().await?;
            lock::<S::Db>(&mut tx).await?;
            let done = match *change {
                AuditedChange::CreateUser {
                    name,
                    roles,
                    password_hash,
                } => create_user_in::<S::Db>(&mut tx, name, roles, password_hash, at).await?,
                AuditedChange::UpdateUser { name, update } => {
                    update_user_in::<S::Db>(&mut tx, name, update, at).await?
                }
                AuditedChange::UpdateUserKeepingAnAdmin { name, update } => {
                    let found = update_user_in::<S::Db>(&mut tx, name, update, at).await?;
                    if found && !an_admin_left::<S::Db>(&mut tx).await? {
                        tx.rollback().await?;
                        return Err(StoreError::Conflict(LAST_ADMIN.into()));
                    }
                    found
                }
                AuditedChange::SetMicrodataFrom(year) => {
                    crate::queries::set_microdata_from::<S::Db>(&mut tx, year).await?;
                    true
                }
                AuditedChange::SetExchangeMapping { key, value } => {
                    crate::queries::set_exchange_mapping::<S::Db>(&mut tx, key, value).await?;
                    true
                }
                AuditedChange::AddCode(entry) => {
                    crate::queries::add_code::<S::Db>(&mut tx, entry).await?;
                    true
                }
                AuditedChange::RenameCode { list, code, da, en } => {
                    rename_code_in::<S::Db>(&mut tx, list, code, da, en, at).await?
                }
                AuditedChange::RetireCode { list, code, retire } => {
                    retire_code_in::<S::Db>(&mut tx, list, code, retire.then_some(at)).await?
                }
                AuditedChange::SetPersonTeam {
                    person_ref,
                    team,
                    by,
                } => {
                    set_person_team_in::<S::Db>(&mut tx, person_ref, team, by, at).await?;
                    true
                }
                AuditedChange::GrantAccess {
                    session_hash,
                    person_ref,
                    reason,
                    expires_at,
                } => {
                    grant_access_in::<S::Db>(
                        &mut tx,
                        session_hash,
                        person_ref,
                        reason,
                        at,
                        expires_at,
                    )
                    .await?
                }
                AuditedChange::SavePersons(w) => {
                    crate::identity::write_in::<S::Db>(&mut tx, w, &stamp(at)).await?;
                    true
                }
                AuditedChange::ErasePerson { person_ref } => {
                    crate::identity::erase_in::<S::Db>(&mut tx, person_ref, &stamp(at)).await?
                }
                AuditedChange::SetLegalHold { person_ref, reason } => {
                    crate::identity::legal_hold_in::<S::Db>(&mut tx, person_ref, reason).await?
                }
            };
            if !done {
                return Ok(false);
            }
            append_in::<S::Db>(&mut tx, key.as_ref(), ev, at).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn update_user_keeping_an_admin(
        &self,
        name: &str,
        u: &UserUpdate,
        now: DateTime<Utc>,
    ) -> Result<Option<bool>> {
        retry::<S::Db, _, _, _>(|| async move {
            let mut tx = self.sql_pool().begin().await?;
            // The write lock first: a second change waits for this one and then counts
            // the administrators it left.
            lock::<S::Db>(&mut tx).await?;
            let found = apply_user_update::<S::Db>(&mut tx, name, u, now).await?;
            if found && !an_admin_left::<S::Db>(&mut tx).await? {
                tx.rollback().await?;
                return Ok(None);
            }
            tx.commit().await?;
            Ok(Some(found))
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn confirm_second_factor(
        &self,
        name: &str,
        secret: &str,
        step: i64,
        recovery_code_hashes: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.sql_pool().begin().await?;
        let done = bind::<S::Db>(sqlx::query(
            "UPDATE users SET totp_confirmed = TRUE, totp_last_step = $1, updated_at = $2 WHERE name = $3 AND totp_secret = $4 AND NOT totp_confirmed",
        ))
        .to(step)
        .to(stamp(now).as_str())
        .to(name)
        .to(secret)
        .execute(&mut tx)
        .await?
            == 1;
        if !done {
            return Ok(false);
        }
        bind::<S::Db>(sqlx::query(
            "DELETE FROM recovery_codes WHERE user_name = $1",
        ))
        .to(name)
        .execute(&mut tx)
        .await?;
        for h in recovery_code_hashes {
            bind::<S::Db>(sqlx::query(
                "INSERT INTO recovery_codes (user_name, code_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            ))
            .to(name)
            .to(h)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    #[tracing::instrument(skip_all)]
    async fn take_totp_step(&self, name: &str, step: i64) -> Result<bool> {
        let mut conn = self.sql_pool().acquire().await?;
        let n = bind::<S::Db>(sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE name = $2 AND totp_confirmed AND (totp_last_step IS NULL OR totp_last_step < $1)",
        ))
        .to(step)
        .to(name)
        .execute(&mut conn)
        .await?;
        Ok(n == 1)
    }

    #[tracing::instrument(skip_all)]
    async fn take_recovery_code(&self, name: &str, code_hash: &str) -> Result<bool> {
        let mut conn = self.sql_pool().acquire().await?;
        let n = bind::<S::Db>(sqlx::query(
            "DELETE FROM recovery_codes WHERE user_name = $1 AND code_hash = $2",
        ))
        .to(name)
        .to(code_hash)
        .execute(&mut conn)
        .await?;
        Ok(n == 1)
    }

    #[tracing::instrument(skip_all)]
    async fn recovery_codes_left(&self, name: &str) -> Result<i64> {
        let mut conn = self.sql_pool().acquire().await?;
        let row = bind::<S::Db>(sqlx::query(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_name = $1",
        ))
        .to(name)
        .fetch_optional(&mut conn)
        .await?;
        Ok(match row {
            Some(r) => <S::Db as Backend>::int(&r, 0)?.unwrap_or(0),
            None => 0,
        })
    }

    #[tracing::instrument(skip_all)]
    async fn verify_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<()> {
        let mut conn = self.sql_pool().acquire().await?;
        bind::<S::Db>(sqlx::query(
            "UPDATE sessions SET verified_at = $1 WHERE id_hash = $2",
        ))
        .to(stamp(at).as_str())
        .to(id_hash)
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn web_setting(&self, key: &str) -> Result<Option<String>> {
        let mut conn = self.sql_pool().acquire().await?;
        crate::queries::get_setting::<S::Db>(&mut conn, key).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_web_setting(&self, key: &str, value: Option<&str>) -> Result<()> {
        let mut conn = self.sql_pool().acquire().await?;
        crate::queries::set_setting::<S::Db>(&mut conn, key, value).await
    }

    #[tracing::instrument(skip_all)]
    async fn trust_device(
        &self,
        token_hash: &str,
        name: &str,
        replacing: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let now = stamp(now);
        let mut conn = self.sql_pool().acquire().await?;
        if let Some(old) = replacing {
            bind::<S::Db>(sqlx::query(
                "DELETE FROM trusted_devices WHERE token_hash = $1 AND user_name = $2",
            ))
            .to(old)
            .to(name)
            .execute(&mut conn)
            .await?;
        }
        bind::<S::Db>(sqlx::query(
            "INSERT INTO trusted_devices (token_hash, user_name, created_at, last_used_at, failures) \
             VALUES ($1, $2, $3, $3, 0) ON CONFLICT (token_hash) DO NOTHING",
        ))
        .to(token_hash)
        .to(name)
        .to(now.as_str())
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn claim_device_attempt(
        &self,
        token_hash: &str,
        name: &str,
        limit: i64,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        // One statement, as for the account: of parallel attempts from one device past its
        // limit, none goes ahead as trusted.
        let (since, now) = (stamp(since), stamp(now));
        let mut conn = self.sql_pool().acquire().await?;
        let row = bind::<S::Db>(sqlx::query(
            "UPDATE trusted_devices SET failures = failures + 1, last_used_at = $1 \
             WHERE token_hash = $2 AND user_name = $3 AND failures < $4 AND created_at >= $5 \
             RETURNING failures",
        ))
        .to(now.as_str())
        .to(token_hash)
        .to(name)
        .to(limit)
        .to(since.as_str())
        .fetch_optional(&mut conn)
        .await?;
        Ok(row.is_some())
    }

    #[tracing::instrument(skip_all)]
    async fn clear_device_failures(&self, token_hash: &str) -> Result<()> {
        let mut conn = self.sql_pool().acquire().await?;
        bind::<S::Db>(sqlx::query(
            "UPDATE trusted_devices SET failures = 0 WHERE token_hash = $1",
        ))
        .to(token_hash)
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn forget_devices(&self, name: &str) -> Result<u64> {
        let mut conn = self.sql_pool().acquire().await?;
        bind::<S::Db>(sqlx::query(
            "DELETE FROM trusted_devices WHERE user_name = $1",
        ))
        .to(name)
        .execute(&mut conn)
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn claim_login_attempt(
        &self,
        name: &str,
        lock_after: i64,
        lock_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        // One statement: the lock is read and the count and the next lock written by the
        // database, so of parallel attempts past the limit only the first goes ahead.
        // Stamps are fixed-width UTC text: they compare as they sort.
        let until = stamp(lock_until);
        let now = stamp(now);
        let mut conn = self.sql_pool().acquire().await?;
        let row = bind::<S::Db>(sqlx::query(
            "UPDATE users SET \
             locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END, \
             failed_logins = failed_logins + 1, \
             updated_at = $3 \
             WHERE name = $4 AND (locked_until IS NULL OR locked_until <= $3) \
             RETURNING failed_logins",
        ))
        .to(lock_after)
        .to(until.as_str())
        .to(now.as_str())
        .to(name)
        .fetch_optional(&mut conn)
        .await?;
        match row {
            Some(r) => <S::Db as Backend>::int(&r, 0),
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn create_session(&self, s: &SessionRow) -> Result<()> {
        let mut conn = self.sql_pool().acquire().await?;
        bind::<S::Db>(sqlx::query(
            "INSERT INTO sessions (id_hash, user_name, csrf_token, created_at, last_seen_at, expires_at, verified_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        ))
        .to(&s.id_hash)
        .to(&s.user_name)
        .to(&s.csrf_token)
        .to(&stamp(s.created_at))
        .to(&stamp(s.last_seen_at))
        .to(&stamp(s.expires_at))
        .to(&s.verified_at.map(stamp))
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn session(&self, id_hash: &str) -> Result<Option<(SessionRow, UserRow)>> {
        let mut conn = self.sql_pool().acquire().await?;
        let row = bind::<S::Db>(sqlx::query(
            "SELECT u.name, u.roles, u.password_hash, u.disabled, u.failed_logins, u.locked_until, u.created_at, u.must_change_password, u.totp_secret, u.totp_confirmed, u.team, s.id_hash, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, s.verified_at FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.id_hash = $1",
        ))
        .to(id_hash)
        .fetch_optional(&mut conn)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let user = user_from::<S::Db>(&r)?;
        let session = SessionRow {
            id_hash: req_text::<S::Db>(&r, 11)?,
            user_name: user.name.clone(),
            csrf_token: req_text::<S::Db>(&r, 12)?,
            created_at: ts(&req_text::<S::Db>(&r, 13)?)?,
            last_seen_at: ts(&req_text::<S::Db>(&r, 14)?)?,
            expires_at: ts(&req_text::<S::Db>(&r, 15)?)?,
            verified_at: <S::Db as Backend>::text(&r, 16)?.map(ts).transpose()?,
        };
        Ok(Some((session, user)))
    }

    #[tracing::instrument(skip_all)]
    async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<()> {
        let mut conn = self.sql_pool().acquire().await?;
        bind::<S::Db>(sqlx::query(
            "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2",
        ))
        .to(&stamp(now))
        .to(id_hash)
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_session(&self, id_hash: &str) -> Result<()> {
        let mut conn = self.sql_pool().acquire().await?;
        bind::<S::Db>(sqlx::query("DELETE FROM sessions WHERE id_hash = $1"))
            .to(id_hash)
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn purge_sessions(&self, now: DateTime<Utc>, idle_before: DateTime<Utc>) -> Result<u64> {
        let mut conn = self.sql_pool().acquire().await?;
        bind::<S::Db>(sqlx::query(
            "DELETE FROM access_grants WHERE expires_at <= $1",
        ))
        .to(&stamp(now))
        .execute(&mut conn)
        .await?;
        bind::<S::Db>(sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2",
        ))
        .to(&stamp(now))
        .to(&stamp(idle_before))
        .execute(&mut conn)
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn append_audit(&self, e: &NewAuditEvent, at: DateTime<Utc>) -> Result<AuditEvent> {
        let key = &current_key(self.audit_key_slot());
        // Events appended in one transaction, in their order (retried when it collides).
        let write = |batch: Vec<(NewAuditEvent, DateTime<Utc>)>| async move {
            let batch = &batch;
            retry::<S::Db, _, _, _>(|| async move {
                let mut tx = self.sql_pool().begin().await?;
                lock::<S::Db>(&mut tx).await?;
                let mut stored = Vec::with_capacity(batch.len());
                for (e, at) in batch {
                    stored.push(append_in::<S::Db>(&mut tx, key.as_ref(), e, *at).await?);
                }
                tx.commit().await?;
                Ok(stored)
            })
            .await
        };
        let queue = self.audit_queue();
        if let Some(ev) = queue.append(e, at, &write).await {
            return Ok(ev);
        }
        let _writer = queue.alone().await;
        let mut stored = write(vec![(e.clone(), at)]).await?;
        Ok(stored.remove(0))
    }

    #[tracing::instrument(skip_all)]
    async fn audit_events(
        &self,
        f: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<AuditEvent>> {
        let mut conn = self.sql_pool().acquire().await?;
        let mut qb: QueryBuilder<S::Db> = QueryBuilder::new("SELECT COUNT(*) FROM audit_events");
        push_audit_where(&mut qb, f);
        let rows = <S::Db as Backend>::fetch_all(&mut conn, qb.build()).await?;
        let total = match rows.first() {
            Some(r) => req_int::<S::Db>(r, 0)?,
            None => 0,
        };
        let mut qb: QueryBuilder<S::Db> = QueryBuilder::new("SELECT ");
        qb.push(EVENT_COLS).push(" FROM audit_events");
        push_audit_where(&mut qb, f);
        qb.push(" ORDER BY seq DESC LIMIT ");
        <S::Db as Backend>::push_bind(&mut qb, limit.max(0).into());
        qb.push(" OFFSET ");
        <S::Db as Backend>::push_bind(&mut qb, offset.max(0).into());
        let rows = <S::Db as Backend>::fetch_all(&mut conn, qb.build()).await?;
        let items = rows
            .iter()
            .map(event_from::<S::Db>)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total })
    }

    fn derived_key(&self, purpose: &str) -> Option<zeroize::Zeroizing<[u8; 32]>> {
        current_key(self.audit_key_slot()).map(|k| k.derive(purpose))
    }

    #[tracing::instrument(skip_all)]
    fn set_audit_key(&self, key: AuditKey) {
        *self
            .audit_key_slot()
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(key);
    }

    #[tracing::instrument(skip_all)]
    async fn audit_head(&self) -> Result<Option<AuditEvent>> {
        let mut conn = self.sql_pool().acquire().await?;
        let sql = format!("SELECT {EVENT_COLS} FROM audit_events ORDER BY seq DESC LIMIT 1");
        let row = bind::<S::Db>(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_optional(&mut conn)
            .await?;
        row.as_ref().map(event_from::<S::Db>).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn verify_audit_anchor(&self, anchor: Option<&AuditAnchor>) -> Result<ChainStatus> {
        let mut tx = self.sql_pool().begin().await?;
        let head = bind::<S::Db>(sqlx::query(
            "SELECT value FROM settings WHERE key = 'audit_head'",
        ))
        .fetch_optional(&mut tx)
        .await?;
        let head: Option<String> = match head {
            Some(r) => text::<S::Db>(&r, 0)?,
            None => None,
        };
        let head = head.and_then(|h| {
            let (s, hash) = h.split_once(':')?;
            Some((s.parse::<i64>().ok()?, hash.to_string()))
        });
        let mut v = ChainVerifier::with(current_key(self.audit_key_slot()), anchor.cloned(), head);
        let mut after = i64::MIN;
        'pages: loop {
            let sql = format!(
                "SELECT {EVENT_COLS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 5000"
            );
            let rows = bind::<S::Db>(sqlx::query(sqlx::AssertSqlSafe(sql)))
                .to(after)
                .fetch_all(&mut tx)
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let e = event_from::<S::Db>(r)?;
                after = e.seq;
                if !v.push(&e) {
                    break 'pages;
                }
            }
        }
        tx.commit().await?;
        Ok(v.finish())
    }

    #[tracing::instrument(skip_all)]
    async fn record(&self, kind: RecordKind, key: &str) -> Result<Option<Versioned<Record>>> {
        let mut conn = self.sql_pool().acquire().await?;
        read_one::<S::Db>(&mut conn, kind, key).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_record(&self, r: &Record, ctx: &ChangeContext) -> Result<WriteOutcome> {
        let key = current_key(self.audit_key_slot());
        insert_record(self.sql_pool(), key.as_ref(), r, ctx, "create", None).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_record_with_identity(
        &self,
        r: &Record,
        ctx: &ChangeContext,
        identity: &crate::identity::IdentityWrite,
        identity_event: &NewAuditEvent,
    ) -> Result<WriteOutcome> {
        let key = current_key(self.audit_key_slot());
        let with = Some((identity, identity_event));
        insert_record(self.sql_pool(), key.as_ref(), r, ctx, "create", with).await
    }

    #[tracing::instrument(skip_all)]
    async fn restore_record(&self, r: &Record, ctx: &ChangeContext) -> Result<WriteOutcome> {
        let key = current_key(self.audit_key_slot());
        insert_record(self.sql_pool(), key.as_ref(), r, ctx, "restore", None).await
    }

    #[tracing::instrument(skip_all)]
    async fn rename_code(
        &self,
        list: &str,
        code: &str,
        da: &str,
        en: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.sql_pool().begin().await?;
        let done = rename_code_in::<S::Db>(&mut tx, list, code, da, en, at).await?;
        tx.commit().await?;
        Ok(done)
    }

    #[tracing::instrument(skip_all)]
    async fn retire_code(&self, list: &str, code: &str, at: Option<DateTime<Utc>>) -> Result<bool> {
        let mut conn = self.sql_pool().acquire().await?;
        retire_code_in::<S::Db>(&mut conn, list, code, at).await
    }

    #[tracing::instrument(skip_all)]
    async fn retired_codes(&self) -> Result<Vec<(String, String)>> {
        let mut conn = self.sql_pool().acquire().await?;
        let rows = bind::<S::Db>(sqlx::query(
            "SELECT list, code FROM code_additions WHERE retired_at IS NOT NULL ORDER BY list, code",
        ))
        .fetch_all(&mut conn)
        .await?;
        rows.iter()
            .map(|r| Ok((req_text::<S::Db>(r, 0)?, req_text::<S::Db>(r, 1)?)))
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn search_refs(
        &self,
        term: &str,
        limit: i64,
        team: Option<&str>,
    ) -> Result<Vec<SearchHit>> {
        search::<S::Db>(self.sql_pool(), term, limit, team).await
    }

    #[tracing::instrument(skip_all)]
    async fn person_team(&self, person_ref: &str) -> Result<Option<String>> {
        let mut conn = self.sql_pool().acquire().await?;
        let row = bind::<S::Db>(sqlx::query(
            "SELECT team FROM person_teams WHERE person_ref = $1",
        ))
        .to(person_ref)
        .fetch_optional(&mut conn)
        .await?;
        match row {
            Some(r) => text::<S::Db>(&r, 0),
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn claim_person_team(
        &self,
        person_ref: &str,
        team: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let mut conn = self.sql_pool().acquire().await?;
        let n = bind::<S::Db>(sqlx::query(
            "INSERT INTO person_teams (person_ref, team, assigned_at, assigned_by) VALUES ($1, $2, $3, $4) ON CONFLICT (person_ref) DO NOTHING",
        ))
        .to(person_ref)
        .to(team)
        .to(&stamp(at))
        .to(by)
        .execute(&mut conn)
        .await?;
        Ok(n == 1)
    }

    #[tracing::instrument(skip_all)]
    async fn has_access_grant(
        &self,
        session_hash: &str,
        person_ref: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut conn = self.sql_pool().acquire().await?;
        let row = bind::<S::Db>(sqlx::query(
            "SELECT 1 FROM access_grants g JOIN sessions s ON s.id_hash = g.session_hash WHERE g.session_hash = $1 AND g.person_ref = $2 AND g.expires_at > $3",
        ))
        .to(session_hash)
        .to(person_ref)
        .to(&stamp(now))
        .fetch_optional(&mut conn)
        .await?;
        Ok(row.is_some())
    }

    #[tracing::instrument(skip_all)]
    async fn update_record(
        &self,
        r: &Record,
        expected: i64,
        ctx: &ChangeContext,
    ) -> Result<WriteOutcome> {
        let key = &current_key(self.audit_key_slot());
        retry::<S::Db, _, _, _>(|| async move {
            let mut tx = self.sql_pool().begin().await?;
            lock::<S::Db>(&mut tx).await?;
            let Some(old) = read_one::<S::Db>(&mut tx, r.kind(), r.key()).await? else {
                return Ok(WriteOutcome::Missing);
            };
            if old.version != expected {
                return Ok(WriteOutcome::Stale {
                    current: old.version,
                });
            }
            // A save that changes nothing writes nothing: no new version, no history entry.
            if old.record == *r {
                return Ok(WriteOutcome::Done(expected));
            }
            let r = &as_stored(&old.record, r);
            let version = expected + 1;
            let changed = bind_record::<S::Db>(sqlx::query(sql(r.kind()).update.as_str()), r)
                .to(version)
                .to(&stamp(ctx.at))
                .to(expected)
                .execute(&mut tx)
                .await?;
            if changed != 1 {
                return Ok(WriteOutcome::Stale {
                    current: old.version,
                });
            }
            let fields = diff(Some(&old.record), Some(r));
            log_change::<S::Db>(
                &mut tx,
                key.as_ref(),
                r.kind(),
                r.key(),
                version,
                "update",
                ctx,
                &fields,
            )
            .await?;
            tx.commit().await?;
            Ok(WriteOutcome::Done(version))
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_record(
        &self,
        kind: RecordKind,
        key: &str,
        expected: i64,
        ctx: &ChangeContext,
    ) -> Result<WriteOutcome> {
        let audit_key = &current_key(self.audit_key_slot());
        retry::<S::Db, _, _, _>(|| async move {
            let mut tx = self.sql_pool().begin().await?;
            lock::<S::Db>(&mut tx).await?;
            let Some(old) = read_one::<S::Db>(&mut tx, kind, key).await? else {
                return Ok(WriteOutcome::Missing);
            };
            if old.version != expected {
                return Ok(WriteOutcome::Stale {
                    current: old.version,
                });
            }
            bind::<S::Db>(sqlx::query(sql(kind).delete.as_str()))
                .to(key)
                .to(expected)
                .execute(&mut tx)
                .await?;
            let fields = diff(Some(&old.record), None);
            log_change::<S::Db>(
                &mut tx,
                audit_key.as_ref(),
                kind,
                key,
                expected + 1,
                "delete",
                ctx,
                &fields,
            )
            .await?;
            tx.commit().await?;
            Ok(WriteOutcome::Done(expected + 1))
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn record_changes(&self, kind: RecordKind, key: &str) -> Result<Vec<ChangeRow>> {
        let mut conn = self.sql_pool().acquire().await?;
        let rows = bind::<S::Db>(sqlx::query(
            "SELECT version, action, actor, at, fields FROM record_changes WHERE entity = $1 AND record_ref = $2 ORDER BY at, version",
        ))
        .to(kind.entity())
        .to(key)
        .fetch_all(&mut conn)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChangeRow {
                    version: req_int::<S::Db>(r, 0)?,
                    action: req_text::<S::Db>(r, 1)?,
                    actor: req_text::<S::Db>(r, 2)?,
                    at: req_text::<S::Db>(r, 3)?,
                    fields: req_text::<S::Db>(r, 4)?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn list_identifications(
        &self,
        f: &RecordFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Versioned<Identification>>> {
        list(
            self.sql_pool(),
            self.list_totals(),
            &IDENT_LIST,
            f,
            limit,
            offset,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn list_assessments(
        &self,
        f: &RecordFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Versioned<Assessment>>> {
        list(
            self.sql_pool(),
            self.list_totals(),
            &ASSESS_LIST,
            f,
            limit,
            offset,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn list_hotline_calls(
        &self,
        f: &RecordFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Versioned<HotlineCall>>> {
        list(
            self.sql_pool(),
            self.list_totals(),
            &CALL_LIST,
            f,
            limit,
            offset,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn person(&self, person_ref: &str) -> Result<Option<crate::identity::StoredPerson>> {
        let mut conn = self.sql_pool().acquire().await?;
        crate::identity::person::<S::Db>(&mut conn, person_ref).await
    }

    #[tracing::instrument(skip_all)]
    async fn find_persons(&self, hashes: &[String]) -> Result<Vec<(String, String)>> {
        let mut conn = self.sql_pool().acquire().await?;
        crate::identity::find::<S::Db>(&mut conn, hashes).await
    }

    #[tracing::instrument(skip_all)]
    async fn retention_candidates(&self) -> Result<Vec<crate::identity::RetentionRow>> {
        let mut conn = self.sql_pool().acquire().await?;
        crate::identity::retention_candidates::<S::Db>(&mut conn).await
    }

    #[tracing::instrument(skip_all)]
    async fn person_records(
        &self,
        person_ref: &str,
    ) -> Result<(Vec<Identification>, Vec<Assessment>)> {
        let f = RecordFilter {
            person_ref: Some(person_ref.to_owned()),
            ..Default::default()
        };
        let mut ids = list::<S::Db, Identification>(
            self.sql_pool(),
            self.list_totals(),
            &IDENT_LIST,
            &f,
            i64::MAX,
            0,
        )
        .await?
        .items;
        let mut ass = list::<S::Db, Assessment>(
            self.sql_pool(),
            self.list_totals(),
            &ASSESS_LIST,
            &f,
            i64::MAX,
            0,
        )
        .await?
        .items;
        ids.reverse();
        ass.reverse();
        Ok((
            ids.into_iter().map(|v| v.record).collect(),
            ass.into_iter().map(|v| v.record).collect(),
        ))
    }
}
