//! Who a person is (issue 23), as the store keeps it: sealed. The store never sees an
//! identity value or a key: the application layer (`spor_app::identity`) encrypts each field
//! under the person's own key, wraps that key under the master key (kept outside the
//! database) and computes the blind index; what reaches here is text of hex digits.
//!
//! The SQL is written once: generic over [`Backend`] for the sqlx pools, and the same
//! statements through rusqlite for SQLite's import transaction.

use crate::sql::{Backend, bind};
use crate::{Result, StoreError};

/// The sealed fields, in the order of `spor_core::identity::IDENTITY_FIELDS` and of the
/// `persons` table's columns.
pub const SEALED_COLUMNS: [&str; 7] = [
    "full_name",
    "other_names",
    "birth_date",
    "phone",
    "document_number",
    "language",
    "contact",
];

/// The setting that holds the master key's check value: a keyed hash of a constant, so
/// a wrong key is refused before anything is read or written under it.
pub const KEY_CHECK_SETTING: &str = "identity_key_check";

/// One entry of the blind index: a keyed hash (hex) of a normalised value, of a `kind`
/// (`name_birth`, `document`, `name`, `name_part`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BlindEntry {
    pub kind: &'static str,
    pub hash: String,
}

impl std::fmt::Debug for BlindEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlindEntry")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A person's identity as stored: every known field sealed under the person's key, the key
/// wrapped under the master key, and the blind index entries.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedPerson {
    pub person_ref: String,
    /// The person's key, sealed under a key derived from the master key (hex).
    pub wrapped_key: String,
    /// Each field sealed (hex), `None` when not known; in [`SEALED_COLUMNS`] order.
    pub fields: [Option<String>; 7],
    /// A keyed hash of the whole identity: an import of the same identity is "unchanged".
    pub fingerprint: String,
    pub index: Vec<BlindEntry>,
}

impl std::fmt::Debug for SealedPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedPerson").finish_non_exhaustive()
    }
}

/// A person's row as read back.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredPerson {
    pub person_ref: String,
    /// `None` once erased: the key is destroyed, the fields cannot be read by anyone.
    pub wrapped_key: Option<String>,
    pub fields: [Option<String>; 7],
    pub version: i64,
    pub updated_at: String,
    pub erased_at: Option<String>,
    /// The reason the person is kept from erasure, if they are.
    pub legal_hold: Option<String>,
}

impl std::fmt::Debug for StoredPerson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredPerson")
            .field("version", &self.version)
            .field("erased", &self.erased_at.is_some())
            .finish_non_exhaustive()
    }
}

/// A person as the retention policy sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRow {
    pub person_ref: String,
    pub legal_hold: Option<String>,
    /// The latest decision, return or interview date (ISO), if the person has records.
    pub last_activity: Option<String>,
}

/// What an import writes beside the records, in the same transaction.
#[derive(Debug, Clone, Default)]
pub struct IdentityWrite {
    /// The master key's check value: stored when the register has none, and the import is
    /// refused (nothing written) when it has another.
    pub key_check: String,
    pub persons: Vec<SealedPerson>,
}

/// What an import needs to know of the stored identities before it writes: the master
/// key's check value, each person's fingerprint and erasure, and the blind index.
#[derive(Debug, Clone, Default)]
pub struct IdentityState {
    pub key_check: Option<String>,
    /// `(person_ref, fingerprint, erased_at)`.
    pub persons: Vec<(String, Option<String>, Option<String>)>,
    /// `(hash, kind, person_ref)` of the entries that flag a possible duplicate
    /// (`name_birth`, `document`).
    pub index: Vec<(String, String, String)>,
}

/// The message of a wrong master key.
pub const WRONG_KEY: &str = "the master key given is not the key this register's identities are sealed under (check --master-key or SPOR_MASTER_KEY_FILE): nothing was read or written";

pub(crate) const UPSERT_PERSON: &str = "INSERT INTO persons (person_ref, wrapped_key, full_name, other_names, birth_date, phone, document_number, language, contact, fingerprint, version, updated_at, erased_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, NULL) \
     ON CONFLICT (person_ref) DO UPDATE SET wrapped_key = excluded.wrapped_key, full_name = excluded.full_name, other_names = excluded.other_names, birth_date = excluded.birth_date, phone = excluded.phone, document_number = excluded.document_number, language = excluded.language, contact = excluded.contact, fingerprint = excluded.fingerprint, version = persons.version + 1, updated_at = excluded.updated_at, erased_at = NULL";
pub(crate) const CLEAR_INDEX: &str = "DELETE FROM person_index WHERE person_ref = $1";
pub(crate) const INSERT_INDEX: &str = "INSERT INTO person_index (hash, kind, person_ref) VALUES ($1, $2, $3) ON CONFLICT (hash, person_ref) DO NOTHING";
pub(crate) const SET_KEY_CHECK: &str =
    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
pub(crate) const GET_SETTING: &str = "SELECT value FROM settings WHERE key = $1";
pub(crate) const PERSON_COLS: &str = "person_ref, wrapped_key, full_name, other_names, birth_date, phone, document_number, language, contact, version, updated_at, erased_at, legal_hold";

fn check_key(stored: Option<String>, given: &str) -> Result<()> {
    match stored {
        Some(s) if s != given => Err(StoreError::Conflict(WRONG_KEY.into())),
        _ => Ok(()),
    }
}

/// Writes `w` in the caller's transaction (sqlx): the key check, then each person and
/// their blind index entries.
pub(crate) async fn write_in<DB: Backend>(
    conn: &mut DB::Connection,
    w: &IdentityWrite,
    stamp: &str,
) -> Result<()> {
    bind::<DB>(sqlx::query(SET_KEY_CHECK))
        .to(KEY_CHECK_SETTING)
        .to(&w.key_check)
        .execute(&mut *conn)
        .await?;
    let stored = bind::<DB>(sqlx::query(GET_SETTING))
        .to(KEY_CHECK_SETTING)
        .fetch_optional(&mut *conn)
        .await?;
    let stored = match stored {
        Some(r) => DB::text(&r, 0)?.map(str::to_owned),
        None => None,
    };
    check_key(stored, &w.key_check)?;
    for p in &w.persons {
        let mut q = bind::<DB>(sqlx::query(UPSERT_PERSON))
            .to(&p.person_ref)
            .to(&p.wrapped_key);
        for f in &p.fields {
            q = q.to(f);
        }
        q.to(&p.fingerprint).to(stamp).execute(&mut *conn).await?;
        bind::<DB>(sqlx::query(CLEAR_INDEX))
            .to(&p.person_ref)
            .execute(&mut *conn)
            .await?;
        for e in &p.index {
            bind::<DB>(sqlx::query(INSERT_INDEX))
                .to(&e.hash)
                .to(e.kind)
                .to(&p.person_ref)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// [`write_in`] through rusqlite (SQLite's import transaction).
pub(crate) fn write_rusqlite(
    conn: &rusqlite::Connection,
    w: &IdentityWrite,
    stamp: &str,
) -> Result<()> {
    conn.execute(
        SET_KEY_CHECK,
        rusqlite::params![KEY_CHECK_SETTING, w.key_check],
    )?;
    let stored: Option<String> = conn.query_row(GET_SETTING, [KEY_CHECK_SETTING], |r| r.get(0))?;
    check_key(stored, &w.key_check)?;
    let mut upsert = conn.prepare_cached(UPSERT_PERSON)?;
    let mut clear = conn.prepare_cached(CLEAR_INDEX)?;
    let mut insert = conn.prepare_cached(INSERT_INDEX)?;
    for p in &w.persons {
        let [a, b, c, d, e, f, g] = &p.fields;
        upsert.execute(rusqlite::params![
            p.person_ref,
            p.wrapped_key,
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            p.fingerprint,
            stamp
        ])?;
        clear.execute([&p.person_ref])?;
        for e in &p.index {
            insert.execute(rusqlite::params![e.hash, e.kind, p.person_ref])?;
        }
    }
    Ok(())
}

/// What an import needs to know before it writes (see [`IdentityState`]).
pub(crate) async fn state<DB: Backend>(conn: &mut DB::Connection) -> Result<IdentityState> {
    let key_check = bind::<DB>(sqlx::query(GET_SETTING))
        .to(KEY_CHECK_SETTING)
        .fetch_optional(&mut *conn)
        .await?;
    let key_check = match key_check {
        Some(r) => DB::text(&r, 0)?.map(str::to_owned),
        None => None,
    };
    let rows = bind::<DB>(sqlx::query(
        "SELECT person_ref, fingerprint, erased_at FROM persons ORDER BY person_ref",
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut persons = Vec::with_capacity(rows.len());
    for r in &rows {
        persons.push((
            required(DB::text(r, 0)?)?.to_owned(),
            DB::text(r, 1)?.map(str::to_owned),
            DB::text(r, 2)?.map(str::to_owned),
        ));
    }
    let rows = bind::<DB>(sqlx::query(
        "SELECT hash, kind, person_ref FROM person_index WHERE kind IN ('name_birth', 'document') ORDER BY person_ref",
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut index = Vec::with_capacity(rows.len());
    for r in &rows {
        index.push((
            required(DB::text(r, 0)?)?.to_owned(),
            required(DB::text(r, 1)?)?.to_owned(),
            required(DB::text(r, 2)?)?.to_owned(),
        ));
    }
    Ok(IdentityState {
        key_check,
        persons,
        index,
    })
}

fn required<T>(v: Option<T>) -> Result<T> {
    v.ok_or_else(|| StoreError::Corrupt("a required stored value of persons is empty".into()))
}

/// One person's stored row.
pub(crate) async fn person<DB: Backend>(
    conn: &mut DB::Connection,
    person_ref: &str,
) -> Result<Option<StoredPerson>> {
    let sql = format!("SELECT {PERSON_COLS} FROM persons WHERE person_ref = $1");
    let row = bind::<DB>(sqlx::query(sqlx::AssertSqlSafe(sql)))
        .to(person_ref)
        .fetch_optional(conn)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let t = |i: usize| -> Result<Option<String>> { Ok(DB::text(&r, i)?.map(str::to_owned)) };
    Ok(Some(StoredPerson {
        person_ref: required(t(0)?)?,
        wrapped_key: t(1)?,
        fields: [t(2)?, t(3)?, t(4)?, t(5)?, t(6)?, t(7)?, t(8)?],
        version: required(DB::int(&r, 9)?)?,
        updated_at: required(t(10)?)?,
        erased_at: t(11)?,
        legal_hold: t(12)?,
    }))
}

/// The persons whose blind index has any of `hashes`, with the kind that matched.
pub(crate) async fn find<DB: Backend>(
    conn: &mut DB::Connection,
    hashes: &[String],
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for h in hashes {
        let rows = bind::<DB>(sqlx::query(
            "SELECT person_ref, kind FROM person_index WHERE hash = $1 ORDER BY person_ref",
        ))
        .to(h)
        .fetch_all(&mut *conn)
        .await?;
        for r in &rows {
            let found = (
                required(DB::text(r, 0)?)?.to_owned(),
                required(DB::text(r, 1)?)?.to_owned(),
            );
            if !out.contains(&found) {
                out.push(found);
            }
        }
    }
    Ok(out)
}

/// Persons not erased, with their hold and latest activity (see [`RetentionRow`]).
pub(crate) async fn retention_candidates<DB: Backend>(
    conn: &mut DB::Connection,
) -> Result<Vec<RetentionRow>> {
    // Dates are compared as ISO text (CAST works the same on both backends).
    let rows = bind::<DB>(sqlx::query(
        "SELECT p.person_ref, p.legal_hold, \
         (SELECT MAX(CAST(i.decision_date AS TEXT)) FROM identifications i WHERE i.person_ref = p.person_ref), \
         (SELECT MAX(CAST(i.return_date AS TEXT)) FROM identifications i WHERE i.person_ref = p.person_ref), \
         (SELECT MAX(CAST(a.interview_date AS TEXT)) FROM assessments a WHERE a.person_ref = p.person_ref) \
         FROM persons p WHERE p.erased_at IS NULL ORDER BY p.person_ref",
    ))
    .fetch_all(conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let last = [DB::text(r, 2)?, DB::text(r, 3)?, DB::text(r, 4)?]
            .into_iter()
            .flatten()
            .max()
            .map(str::to_owned);
        out.push(RetentionRow {
            person_ref: required(DB::text(r, 0)?)?.to_owned(),
            legal_hold: DB::text(r, 1)?.map(str::to_owned),
            last_activity: last,
        });
    }
    Ok(out)
}

/// Crypto-shredding in the caller's transaction (see `AuditedChange::ErasePerson`).
pub(crate) async fn erase_in<DB: Backend>(
    conn: &mut DB::Connection,
    person_ref: &str,
    at: &str,
) -> Result<bool> {
    let n = bind::<DB>(sqlx::query(
        "UPDATE persons SET wrapped_key = NULL, full_name = NULL, other_names = NULL, birth_date = NULL, phone = NULL, document_number = NULL, language = NULL, contact = NULL, fingerprint = NULL, erased_at = $2, updated_at = $2, version = version + 1 \
         WHERE person_ref = $1 AND erased_at IS NULL AND legal_hold IS NULL",
    ))
    .to(person_ref)
    .to(at)
    .execute(&mut *conn)
    .await?;
    bind::<DB>(sqlx::query(CLEAR_INDEX))
        .to(person_ref)
        .execute(&mut *conn)
        .await?;
    Ok(n == 1)
}

/// Sets or lifts a legal hold in the caller's transaction.
pub(crate) async fn legal_hold_in<DB: Backend>(
    conn: &mut DB::Connection,
    person_ref: &str,
    reason: Option<&str>,
) -> Result<bool> {
    let n = bind::<DB>(sqlx::query(
        "UPDATE persons SET legal_hold = $2 WHERE person_ref = $1",
    ))
    .to(person_ref)
    .to(reason)
    .execute(conn)
    .await?;
    Ok(n == 1)
}
