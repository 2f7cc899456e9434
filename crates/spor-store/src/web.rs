//! What the web application needs beyond the register: accounts, sessions, the hash-chained
//! audit trail, single-record reads and version-checked writes with a change history, and
//! filtered, paginated lists. The SQL is written once in `queries_web.rs` for every backend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use spor_core::{Assessment, HotlineCall, Identification};

use crate::{Result, Store};

/// The canonical text form of a timestamp in the web tables: UTC, microseconds, `Z`.
/// All stamps have the same shape, so they sort as text.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Parses a stamp written by [`stamp`].
pub fn parse_stamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// An account of the web application.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRow {
    pub name: String,
    /// Comma-separated roles (`caseworker`, `analyst`, `admin`).
    pub roles: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub disabled: bool,
    /// Consecutive failed logins since the last success or lockout.
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The password was set by someone else (an administrator): the user must change it
    /// before doing anything else.
    pub must_change_password: bool,
    /// The TOTP secret (base32), if one is set; never logged (see `Debug`).
    pub totp_secret: Option<String>,
    /// Whether the secret was confirmed with a code: the second factor is in use. A secret
    /// set but not confirmed is an enrolment under way.
    pub totp_confirmed: bool,
    /// The caseworker's team: they see its persons and persons without a team. `None`:
    /// every person (a centre that does not use teams).
    pub team: Option<String>,
}

impl UserRow {
    /// Whether the account has a second factor in use.
    pub fn has_second_factor(&self) -> bool {
        self.totp_confirmed && self.totp_secret.is_some()
    }
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("roles", &self.roles)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// Changes to an account; `None` leaves a field as it is. Disabling an account or setting
/// its password ends all its sessions.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    pub roles: Option<String>,
    pub password_hash: Option<String>,
    pub disabled: Option<bool>,
    /// Failed-login counter and lockout end.
    pub login_state: Option<(i64, Option<DateTime<Utc>>)>,
    pub must_change_password: Option<bool>,
    /// The second factor: see [`SecondFactorUpdate`].
    pub second_factor: Option<SecondFactorUpdate>,
    /// The account's team: `Some(None)` takes it out of every team.
    pub team: Option<Option<String>>,
}

/// A change to an account's second factor.
#[derive(Clone, PartialEq, Eq)]
pub enum SecondFactorUpdate {
    /// Starts an enrolment with this (base32) secret, not yet confirmed; an enrolment under
    /// way is replaced.
    Pending(String),
    /// Removes the second factor and the recovery codes (the user enrols again at the next
    /// login); the account's sessions end.
    Reset,
}

impl std::fmt::Debug for SecondFactorUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecondFactorUpdate::Pending(_) => f.write_str("Pending(..)"),
            SecondFactorUpdate::Reset => f.write_str("Reset"),
        }
    }
}

impl std::fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserUpdate").finish_non_exhaustive()
    }
}

/// A login session. The cookie carries a random value; the store keeps only its SHA-256.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_name: String,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When the user last gave password and second factor in this session (at login or
    /// re-authentication); `None` while the second factor is still to come.
    pub verified_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for SessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRow")
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("expires_at", &self.expires_at)
            .field("verified_at", &self.verified_at)
            .finish_non_exhaustive()
    }
}

/// An audit event to append. `code` is a stable event code (e.g. `case.view`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub code: String,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub address: Option<String>,
    pub detail: Option<String>,
}

/// A stored audit event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    pub code: String,
    pub actor: Option<String>,
    pub target: Option<String>,
    pub address: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// How `hash` is made: [`CHAIN_SHA256`] or [`CHAIN_HMAC`].
    pub chain: i64,
}

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Chain version of events written without a key (and of every event written before the
/// audit key existed): a plain SHA-256 that anyone with the database can recompute.
pub const CHAIN_SHA256: i64 = 0;
/// Chain version of events written under the audit key: HMAC-SHA256, which only a
/// holder of the key (kept outside the database) can recompute.
pub const CHAIN_HMAC: i64 = 1;

/// The secret of the audit trail's HMAC chain: 32 random bytes kept outside the database
/// (a file named by `--audit-key` or `SPOR_AUDIT_KEY_FILE`). Wiped from memory when
/// dropped; `Debug` shows nothing of it.
#[derive(Clone)]
pub struct AuditKey(zeroize::Zeroizing<[u8; 32]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    pub fn from_bytes(bytes: [u8; 32]) -> AuditKey {
        AuditKey(zeroize::Zeroizing::new(bytes))
    }

    /// Reads a key file's text: 64 hexadecimal digits, surrounding white space ignored.
    pub fn parse_hex(text: &str) -> Option<AuditKey> {
        let t = text.trim().as_bytes();
        if t.len() != 64 {
            return None;
        }
        let mut out = zeroize::Zeroizing::new([0u8; 32]);
        for (i, pair) in t.chunks(2).enumerate() {
            let digit = |c: u8| (c as char).to_digit(16);
            out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
        }
        Some(AuditKey(out))
    }

    /// The key as a key file holds it (64 lower-case hexadecimal digits).
    pub fn to_hex(&self) -> String {
        hex_lower(&self.0[..])
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0[..])
            .expect("HMAC takes a key of any length")
    }

    /// A key for another purpose, derived from this one (HMAC-SHA256 of the purpose's
    /// label, the extract-less HKDF of a uniformly random key): the audit trail's key never
    /// serves a second use itself, and keys of different purposes are independent.
    pub fn derive(&self, purpose: &str) -> zeroize::Zeroizing<[u8; 32]> {
        let mut m = self.mac();
        m.update(b"spor derived key v1\n");
        m.update(purpose.as_bytes());
        let mut out = zeroize::Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&m.finalize().into_bytes());
        out
    }
}

/// The canonical content of an event: a JSON array of its fields, which cannot be
/// confused between fields.
fn canonical(e: &AuditEvent) -> String {
    serde_json::json!([e.seq, e.at, e.code, e.actor, e.target, e.address, e.detail]).to_string()
}

/// SHA-256 (hex) of the previous event's hash and this event's canonical content: the
/// chain of [`CHAIN_SHA256`] events.
pub fn audit_hash(prev_hash: &str, e: &AuditEvent) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical(e).as_bytes());
    hex_lower(&h.finalize())
}

/// HMAC-SHA256 (hex) under `key` of the previous event's hash and this event's canonical
/// content: the chain of [`CHAIN_HMAC`] events. The label keeps it apart from any other
/// use of the key.
pub fn audit_mac(key: &AuditKey, prev_hash: &str, e: &AuditEvent) -> String {
    let mut m = key.mac();
    m.update(b"spor audit trail v1\n");
    m.update(prev_hash.as_bytes());
    m.update(b"\n");
    m.update(canonical(e).as_bytes());
    hex_lower(&m.finalize().into_bytes())
}

fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The newest event of the trail at one moment, kept outside the database (a ticket, a
/// mail, a write-once store): a later check against it finds any event up to it altered,
/// inserted or removed, and events removed from the end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditAnchor {
    /// Always [`AuditAnchor::FORMAT`].
    pub format: String,
    pub seq: i64,
    pub at: String,
    pub hash: String,
}

impl AuditAnchor {
    pub const FORMAT: &'static str = "spor-audit-anchor/1";

    /// The anchor of `e`.
    pub fn of(e: &AuditEvent) -> AuditAnchor {
        AuditAnchor {
            format: Self::FORMAT.into(),
            seq: e.seq,
            at: e.at.clone(),
            hash: e.hash.clone(),
        }
    }

    /// One line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads what [`AuditAnchor::to_json`] wrote.
    pub fn parse(text: &str) -> std::result::Result<AuditAnchor, String> {
        let a: AuditAnchor =
            serde_json::from_str(text.trim()).map_err(|e| format!("not an audit anchor ({e})"))?;
        if a.format != Self::FORMAT {
            return Err(format!(
                "an anchor of format `{}`, expected `{}`",
                a.format,
                Self::FORMAT
            ));
        }
        if a.seq < 1 || a.hash.len() != 64 {
            return Err("an anchor without an event".into());
        }
        Ok(a)
    }
}

/// The result of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainStatus {
    /// Every event links to the one before and matches its hash.
    Intact { events: u64 },
    /// The first broken link: the event at `seq` (or where it should be) and why.
    Broken { seq: i64, reason: String },
    /// The links hold, but `keyed` events are HMACs that only the audit key can check,
    /// and it was not given.
    KeyNeeded { events: u64, keyed: u64 },
}

/// Walks events in `seq` order and reports the first broken link. `head` is the newest
/// event's (seq, hash) as recorded beside the chain when the walk began; it catches removed
/// newest events (events appended since are walked too), and an anchor kept outside the
/// database catches them whatever the database says.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    head: Option<(i64, String)>,
    expected_seq: i64,
    prev_hash: String,
    count: u64,
    broken: Option<(i64, String)>,
    key: Option<AuditKey>,
    anchor: Option<AuditAnchor>,
    /// An event of the HMAC chain has been seen: every later one must be too.
    keyed: bool,
    /// Keyed events whose HMAC could not be checked (no key).
    unchecked: u64,
}

impl ChainVerifier {
    /// A verifier without a key or anchor, given the recorded head.
    pub fn new(head: Option<(i64, String)>) -> Self {
        Self::with(None, None, head)
    }

    /// A verifier that checks HMAC events under `key`, the events against `anchor` and
    /// the newest event against the recorded `head`.
    pub fn with(
        key: Option<AuditKey>,
        anchor: Option<AuditAnchor>,
        head: Option<(i64, String)>,
    ) -> Self {
        ChainVerifier {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
            key,
            anchor,
            head,
            ..Default::default()
        }
    }

    /// Feeds the next event; returns false once the chain is broken.
    pub fn push(&mut self, e: &AuditEvent) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let reason = if e.seq != self.expected_seq {
            Some(if e.seq > self.expected_seq {
                format!(
                    "event {} is missing: the chain jumps from {} to {} (a row was deleted)",
                    self.expected_seq,
                    self.expected_seq - 1,
                    e.seq
                )
            } else {
                format!("event {} appears out of order", e.seq)
            })
        } else if e.prev_hash != self.prev_hash {
            Some(format!(
                "event {} does not link to event {}: the earlier event was altered or removed",
                e.seq,
                e.seq - 1
            ))
        } else if e.chain == CHAIN_SHA256 && self.keyed {
            Some(format!(
                "event {} is not keyed although earlier events are: it was written or rewritten without the audit key",
                e.seq
            ))
        } else if e.chain != CHAIN_SHA256 && e.chain != CHAIN_HMAC {
            Some(format!("event {} has an unknown chain version", e.seq))
        } else {
            let expected = match (e.chain, &self.key) {
                (CHAIN_SHA256, _) => Some(audit_hash(&e.prev_hash, e)),
                (_, Some(k)) => Some(audit_mac(k, &e.prev_hash, e)),
                (_, None) => None,
            };
            match expected {
                Some(h) if h != e.hash => Some(format!(
                    "event {} was altered: its content does not match its {}",
                    e.seq,
                    if e.chain == CHAIN_HMAC {
                        "HMAC under the audit key"
                    } else {
                        "hash"
                    }
                )),
                Some(_) => None,
                None => {
                    self.unchecked += 1;
                    None
                }
            }
        };
        let reason = reason.or_else(|| {
            let (_, hash) = self.head.as_ref().filter(|(seq, _)| *seq == e.seq)?;
            (*hash != e.hash).then(|| {
                format!(
                    "event {} is not the newest event recorded beside the trail: it was altered",
                    e.seq
                )
            })
        });
        let reason = reason.or_else(|| {
            let a = self.anchor.as_ref().filter(|a| a.seq == e.seq)?;
            (a.hash != e.hash).then(|| {
                format!(
                    "event {} is not the event anchored on {}: the trail up to it was rewritten",
                    e.seq, a.at
                )
            })
        });
        if let Some(r) = reason {
            self.broken = Some((self.expected_seq.min(e.seq), r));
            return false;
        }
        self.keyed |= e.chain == CHAIN_HMAC;
        self.expected_seq += 1;
        self.prev_hash = e.hash.clone();
        self.count += 1;
        true
    }

    /// The verdict. Events without a recorded head, or a head naming an event the trail
    /// does not reach, are a removal too.
    pub fn finish(self) -> ChainStatus {
        if let Some((seq, reason)) = self.broken {
            return ChainStatus::Broken { seq, reason };
        }
        let last = self.expected_seq - 1;
        if let Some(a) = &self.anchor
            && last < a.seq
        {
            return ChainStatus::Broken {
                seq: last + 1,
                reason: format!(
                    "the trail ends at event {last} but the anchor of {} names event {}: events were removed from the end",
                    a.at, a.seq
                ),
            };
        }
        match &self.head {
            Some((hseq, _)) if *hseq > last || *hseq < 1 => {
                return ChainStatus::Broken {
                    seq: last + 1,
                    reason: format!(
                        "the trail ends at event {last} but event {hseq} was recorded as the newest: events were removed from the end or the newest event was altered"
                    ),
                };
            }
            None if last > 0 => {
                return ChainStatus::Broken {
                    seq: last + 1,
                    reason: format!(
                        "the trail has {last} events but the record of its newest event is missing: events may have been removed from the end"
                    ),
                };
            }
            _ => {}
        }
        if self.unchecked > 0 {
            return ChainStatus::KeyNeeded {
                events: self.count,
                keyed: self.unchecked,
            };
        }
        ChainStatus::Intact { events: self.count }
    }
}

/// A change of accounts, settings or code lists that [`WebStore::change_audited`] writes in
/// one transaction with its audit event: both or neither. `Debug` names the kind only.
/// What [`AuditedChange::UpdateUserKeepingAnAdmin`]'s conflict says.
pub const LAST_ADMIN: &str = "the last administrator";

#[derive(Clone, Copy)]
pub enum AuditedChange<'a> {
    /// Not written if the name is taken.
    CreateUser {
        name: &'a str,
        roles: &'a str,
        password_hash: &'a str,
    },
    /// Not written if there is no such account.
    UpdateUser {
        name: &'a str,
        update: &'a UserUpdate,
    },
    /// As `UpdateUser`, but refused with [`LAST_ADMIN`] (a [`crate::StoreError::Conflict`])
    /// if it would leave no enabled account with the `admin` role; concurrent changes are
    /// serialised, so two administrators removing each other cannot both succeed.
    UpdateUserKeepingAnAdmin {
        name: &'a str,
        update: &'a UserUpdate,
    },
    SetMicrodataFrom(Option<i32>),
    /// Where a code goes in an exchange (`MAP/CODE`), or the reporting country; `None`
    /// takes the change back to the built-in mapping.
    SetExchangeMapping {
        key: &'a str,
        value: Option<&'a str>,
    },
    /// A code taken meanwhile is [`crate::StoreError::Conflict`].
    AddCode(&'a spor_core::CodeEntry),
    /// Not written if there is no such added code.
    RenameCode {
        list: &'a str,
        code: &'a str,
        da: &'a str,
        en: &'a str,
    },
    /// Retires an added code, or takes it into use again; not written if there is no such
    /// added code.
    RetireCode {
        list: &'a str,
        code: &'a str,
        retire: bool,
    },
    /// Puts a person in a team (`None`: in none).
    SetPersonTeam {
        person_ref: &'a str,
        team: Option<&'a str>,
        by: &'a str,
    },
    /// Gives the session `session_hash` access to another team's person until
    /// `expires_at`, for the stated `reason` ("break glass"); not written if there is no
    /// such session.
    GrantAccess {
        session_hash: &'a str,
        person_ref: &'a str,
        reason: &'a str,
        expires_at: DateTime<Utc>,
    },
    /// Writes persons' sealed identities (a caseworker's form, a rectification); refused
    /// with [`crate::identity::WRONG_KEY`] under another master key than the register's.
    SavePersons(&'a crate::identity::IdentityWrite),
    /// Crypto-shredding: destroys the person's wrapped key and sealed fields and removes
    /// their blind-index entries; the records stay. Not written if there is no such person,
    /// they are erased already or under a legal hold.
    ErasePerson {
        person_ref: &'a str,
    },
    /// Puts a person under a legal hold with the stated reason (`None`: lifts it); not
    /// written if there is no such person.
    SetLegalHold {
        person_ref: &'a str,
        reason: Option<&'a str>,
    },
}

impl std::fmt::Debug for AuditedChange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuditedChange::CreateUser { .. } => "CreateUser(…)",
            AuditedChange::UpdateUser { .. } => "UpdateUser(…)",
            AuditedChange::UpdateUserKeepingAnAdmin { .. } => "UpdateUserKeepingAnAdmin(…)",
            AuditedChange::SetMicrodataFrom(_) => "SetMicrodataFrom(…)",
            AuditedChange::SetExchangeMapping { .. } => "SetExchangeMapping(…)",
            AuditedChange::AddCode(_) => "AddCode(…)",
            AuditedChange::RenameCode { .. } => "RenameCode(…)",
            AuditedChange::RetireCode { .. } => "RetireCode(…)",
            AuditedChange::SetPersonTeam { .. } => "SetPersonTeam(…)",
            AuditedChange::GrantAccess { .. } => "GrantAccess(…)",
            AuditedChange::SavePersons(_) => "SavePersons(…)",
            AuditedChange::ErasePerson { .. } => "ErasePerson(…)",
            AuditedChange::SetLegalHold { .. } => "SetLegalHold(…)",
        })
    }
}

/// Filters of the audit trail page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Events whose code starts with this (e.g. `login` or `case.view`).
    pub code_prefix: Option<String>,
    pub actor: Option<String>,
    pub target: Option<String>,
    /// Inclusive lower bound, a stamp prefix (e.g. `2026-01-01`).
    pub from: Option<String>,
    /// Exclusive upper bound, a stamp prefix.
    pub until: Option<String>,
}

/// Which register entity a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Identification,
    Assessment,
    HotlineCall,
}

impl RecordKind {
    /// The entity name as in the exchange format (and in `record_changes.entity`).
    pub fn entity(self) -> &'static str {
        match self {
            RecordKind::Identification => "identification",
            RecordKind::Assessment => "assessment",
            RecordKind::HotlineCall => "hotline_call",
        }
    }
}

/// The statements of single-record reads and writes of one entity, from its row codec:
/// `$1` is the ref, then the other columns, `version` and `updated_at` in order.
pub(crate) struct RecordSql {
    /// The record's columns, `version` and `updated_at`.
    pub(crate) columns: String,
    pub(crate) select_one: String,
    pub(crate) insert: String,
    /// Also takes the expected version, last.
    pub(crate) update: String,
    /// Takes the ref and the expected version.
    pub(crate) delete: String,
}

impl RecordSql {
    fn of<T: crate::rows::RowCodec>() -> RecordSql {
        debug_assert_eq!(T::KEY, 1);
        let (table, key, n) = (T::TABLE, T::COLUMNS[0], T::COLUMNS.len());
        let columns = format!("{}, version, updated_at", T::COLUMN_LIST);
        let params: Vec<String> = (1..=n + 2).map(|i| format!("${i}")).collect();
        let set: Vec<String> = T::COLUMNS
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        RecordSql {
            select_one: format!("SELECT {columns} FROM {table} WHERE {key} = $1"),
            insert: format!(
                "INSERT INTO {table} ({columns}) VALUES ({})",
                params.join(", ")
            ),
            update: format!(
                "UPDATE {table} SET {}, version = ${}, updated_at = ${} WHERE {key} = $1 AND version = ${}",
                set.join(", "),
                n + 1,
                n + 2,
                n + 3
            ),
            delete: format!("DELETE FROM {table} WHERE {key} = $1 AND version = $2"),
            columns,
        }
    }

    pub(crate) fn of_kind(kind: RecordKind) -> &'static RecordSql {
        use std::sync::LazyLock;
        static IDENTIFICATION: LazyLock<RecordSql> = LazyLock::new(RecordSql::of::<Identification>);
        static ASSESSMENT: LazyLock<RecordSql> = LazyLock::new(RecordSql::of::<Assessment>);
        static HOTLINE_CALL: LazyLock<RecordSql> = LazyLock::new(RecordSql::of::<HotlineCall>);
        match kind {
            RecordKind::Identification => &IDENTIFICATION,
            RecordKind::Assessment => &ASSESSMENT,
            RecordKind::HotlineCall => &HOTLINE_CALL,
        }
    }
}

/// One record of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Identification(Identification),
    Assessment(Assessment),
    HotlineCall(HotlineCall),
}

impl Record {
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Identification(_) => RecordKind::Identification,
            Record::Assessment(_) => RecordKind::Assessment,
            Record::HotlineCall(_) => RecordKind::HotlineCall,
        }
    }

    /// The record's own ref (`case_ref`, `assessment_ref`, `call_ref`).
    pub fn key(&self) -> &str {
        match self {
            Record::Identification(r) => r.case_ref.as_str(),
            Record::Assessment(r) => r.assessment_ref.as_str(),
            Record::HotlineCall(r) => r.call_ref.as_str(),
        }
    }

    /// The record's fields as exchange-format text (empty = not known).
    pub fn fields(&self) -> serde_json::Map<String, serde_json::Value> {
        let v = match self {
            Record::Identification(r) => serde_json::to_value(r),
            Record::Assessment(r) => serde_json::to_value(r),
            Record::HotlineCall(r) => serde_json::to_value(r),
        };
        match v {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        }
    }
}

/// The changed fields between two versions: `{field: [before, after]}`.
pub fn diff(before: Option<&Record>, after: Option<&Record>) -> serde_json::Value {
    let b = before.map(Record::fields).unwrap_or_default();
    let a = after.map(Record::fields).unwrap_or_default();
    let mut out = serde_json::Map::new();
    let keys: Vec<&String> = a
        .keys()
        .chain(b.keys().filter(|k| !a.contains_key(*k)))
        .collect();
    for k in keys {
        let bv = b.get(k).cloned().unwrap_or(serde_json::Value::Null);
        let av = a.get(k).cloned().unwrap_or(serde_json::Value::Null);
        if bv != av {
            out.insert(k.clone(), serde_json::json!([bv, av]));
        }
    }
    serde_json::Value::Object(out)
}

/// A record with its optimistic-locking version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    pub record: T,
    pub version: i64,
    pub updated_at: String,
}

/// The outcome of a version-checked write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Written; the record's new version.
    Done(i64),
    /// Someone else changed the record since `expected` was read: nothing was written.
    Stale {
        current: i64,
    },
    /// The record does not exist (update/delete), or already exists (create).
    Missing,
    Exists,
}

/// Who makes a change, for the change history and the audit trail (written in the same
/// transaction as the change).
#[derive(Debug, Clone)]
pub struct ChangeContext {
    pub actor: String,
    pub at: DateTime<Utc>,
    pub audit: NewAuditEvent,
}

/// One entry of a record's change history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub version: i64,
    /// `create`, `update` or `delete`.
    pub action: String,
    pub actor: String,
    pub at: String,
    /// JSON `{field: [before, after]}`.
    pub fields: String,
}

/// Filters of the record lists; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    pub year: Option<i32>,
    pub form: Option<String>,
    pub nationality: Option<String>,
    pub outcome: Option<String>,
    pub person_ref: Option<String>,
    /// The team of the caseworker who lists: only persons of this team or of none
    /// (hotline calls, which name no person, are not filtered).
    pub team: Option<String>,
}

/// What a search hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchKind {
    /// A person ref (of decisions or assessment interviews).
    Person,
    Record(RecordKind),
}

/// One ref found by [`WebStore::search_refs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub kind: SearchKind,
    /// The ref found: the person's, or the record's own.
    pub key: String,
    /// The record's person, if it has one.
    pub person: Option<String>,
    /// The record's date as stored (a person: the latest of their records).
    pub date: String,
}

/// One page of a list and the number of rows that match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Storage for the web application. Every method is one transaction.
#[async_trait]
pub trait WebStore: Store + crate::releases::ReleaseStore {
    // Accounts.
    /// Creates an account; `false` if the name is taken. Its password was set by someone
    /// else: the account is created with `must_change_password`, and without a second
    /// factor.
    async fn create_user(
        &self,
        name: &str,
        roles: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    async fn user(&self, name: &str) -> Result<Option<UserRow>>;
    async fn users(&self) -> Result<Vec<UserRow>>;
    /// Applies `update`; `false` if there is no such account.
    async fn update_user(
        &self,
        name: &str,
        update: &UserUpdate,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Makes `change` and appends `ev` in one transaction: both are written or neither (an
    /// event that cannot be appended leaves the change unmade). `false`: the change did
    /// not apply (see [`AuditedChange`]) and no event was written.
    async fn change_audited(
        &self,
        change: &AuditedChange<'_>,
        ev: &NewAuditEvent,
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Applies `update` unless it would leave no enabled account with the `admin` role:
    /// `None` then (nothing changed), else as [`WebStore::update_user`]. Concurrent changes
    /// are serialised, so two administrators removing each other cannot both succeed.
    async fn update_user_keeping_an_admin(
        &self,
        name: &str,
        update: &UserUpdate,
        now: DateTime<Utc>,
    ) -> Result<Option<bool>>;

    // The second factor.
    /// Confirms the enrolment under way of `name` (its secret is `secret`) with the code
    /// of time step `step`, and stores the recovery codes' hashes in place of any older
    /// ones; `false` if no such enrolment is under way (nothing changed).
    async fn confirm_second_factor(
        &self,
        name: &str,
        secret: &str,
        step: i64,
        recovery_code_hashes: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Takes the TOTP code of time step `step` for `name`: `false` if a code of this or a
    /// later step was taken already (a replay), in one statement.
    async fn take_totp_step(&self, name: &str, step: i64) -> Result<bool>;
    /// Uses up a recovery code (by its hash): `false` if `name` has no such unused code.
    async fn take_recovery_code(&self, name: &str, code_hash: &str) -> Result<bool>;
    /// How many unused recovery codes `name` has.
    async fn recovery_codes_left(&self, name: &str) -> Result<i64>;
    /// Marks a session as having given password and second factor at `at`.
    async fn verify_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<()>;
    /// A setting of the web application (in the register's settings).
    async fn web_setting(&self, key: &str) -> Result<Option<String>>;
    async fn set_web_setting(&self, key: &str, value: Option<&str>) -> Result<()>;

    // Sessions.
    async fn create_session(&self, s: &SessionRow) -> Result<()>;
    /// The session and its (current) account.
    async fn session(&self, id_hash: &str) -> Result<Option<(SessionRow, UserRow)>>;
    async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<()>;
    async fn delete_session(&self, id_hash: &str) -> Result<()>;
    /// Removes sessions past their absolute end or idle since before `idle_before`.
    async fn purge_sessions(&self, now: DateTime<Utc>, idle_before: DateTime<Utc>) -> Result<u64>;

    // Audit trail.
    /// Appends an event to the chain.
    async fn append_audit(&self, e: &NewAuditEvent, at: DateTime<Utc>) -> Result<AuditEvent>;
    /// Newest first.
    async fn audit_events(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<AuditEvent>>;
    /// Walks the whole chain and reports the first broken link.
    async fn verify_audit(&self) -> Result<ChainStatus> {
        self.verify_audit_anchor(None).await
    }
    /// Walks the whole chain, checking HMAC events under the audit key (if it was given)
    /// and the events up to `anchor` against it, and reports the first broken link.
    async fn verify_audit_anchor(&self, anchor: Option<&AuditAnchor>) -> Result<ChainStatus>;
    /// The newest event of the trail.
    async fn audit_head(&self) -> Result<Option<AuditEvent>>;
    /// The key under which events are appended (HMAC chain) and checked from now on.
    /// Without one, appending to a trail that already has keyed events is refused.
    fn set_audit_key(&self, key: AuditKey);
    /// A key for `purpose` derived from the audit key ([`AuditKey::derive`]); `None`
    /// without one.
    fn derived_key(&self, purpose: &str) -> Option<zeroize::Zeroizing<[u8; 32]>>;

    // Records.
    async fn record(&self, kind: RecordKind, key: &str) -> Result<Option<Versioned<Record>>>;
    /// Creates a record; [`WriteOutcome::Exists`] if its ref is taken.
    async fn create_record(&self, r: &Record, ctx: &ChangeContext) -> Result<WriteOutcome>;
    /// As [`WebStore::create_record`], with the person's sealed identity and its audit event
    /// (`identity_event`) written in the same transaction: neither is written without the
    /// other. Under another master key than the register's, nothing is written (a
    /// [`crate::StoreError::Conflict`] of [`crate::identity::WRONG_KEY`]).
    async fn create_record_with_identity(
        &self,
        r: &Record,
        ctx: &ChangeContext,
        identity: &crate::identity::IdentityWrite,
        identity_event: &NewAuditEvent,
    ) -> Result<WriteOutcome>;
    /// Puts back a deleted record (the history calls it `restore`); [`WriteOutcome::Exists`]
    /// if its ref is in use again.
    async fn restore_record(&self, r: &Record, ctx: &ChangeContext) -> Result<WriteOutcome>;
    /// Overwrites a record if it is still at `expected_version`. A record equal to the
    /// stored one is not written: the answer is `Done(expected_version)` and no history
    /// entry is made.
    async fn update_record(
        &self,
        r: &Record,
        expected_version: i64,
        ctx: &ChangeContext,
    ) -> Result<WriteOutcome>;
    async fn delete_record(
        &self,
        kind: RecordKind,
        key: &str,
        expected_version: i64,
        ctx: &ChangeContext,
    ) -> Result<WriteOutcome>;
    /// Oldest first.
    async fn record_changes(&self, kind: RecordKind, key: &str) -> Result<Vec<ChangeRow>>;

    /// Newest decision first.
    async fn list_identifications(
        &self,
        f: &RecordFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Versioned<Identification>>>;
    async fn list_assessments(
        &self,
        f: &RecordFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Versioned<Assessment>>>;
    async fn list_hotline_calls(
        &self,
        f: &RecordFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Versioned<HotlineCall>>>;
    // Code lists (the additions; built-in codes are fixed).
    /// Gives an added code new labels; `false` if there is no such added code.
    async fn rename_code(
        &self,
        list: &str,
        code: &str,
        da: &str,
        en: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Retires an added code (`Some(when)`) or takes it into use again (`None`); `false` if
    /// there is no such added code.
    async fn retire_code(&self, list: &str, code: &str, at: Option<DateTime<Utc>>) -> Result<bool>;
    /// The retired added codes as (list, code).
    async fn retired_codes(&self) -> Result<Vec<(String, String)>>;

    /// Claims a login attempt of `name` before its password is checked, in one statement,
    /// so parallel attempts are each counted and each decided on the count it made: it may
    /// go ahead unless the account is locked (`locked_until` after `now`). The count is of
    /// attempts since the last successful login (reset with `UserUpdate::login_state`);
    /// from the `lock_after`th on, the claim itself locks the account until `lock_until`,
    /// so no other attempt goes ahead while this one is checked nor until then. `Some(n)`:
    /// go ahead, the `n`th attempt; `None`: locked or no such account (nothing changed).
    async fn claim_login_attempt(
        &self,
        name: &str,
        lock_after: i64,
        lock_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>>;

    /// Remembers a device `name` completed a login from: `token_hash` is the hash of the
    /// device's cookie (see [`WebStore::claim_device_attempt`]).
    /// `replacing`: the hash of the cookie the device had, forgotten if it was `name`'s.
    async fn trust_device(
        &self,
        token_hash: &str,
        name: &str,
        replacing: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Claims a login attempt of `name` from the device whose cookie hashes to
    /// `token_hash`, in one statement: `true` when the device is one of `name`'s, trusted
    /// since `since` or later, with fewer than `limit` failed attempts (the attempt is then
    /// counted against the device, not the account); `false` otherwise (nothing changed).
    async fn claim_device_attempt(
        &self,
        token_hash: &str,
        name: &str,
        limit: i64,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// A successful login from the device: its count of failed attempts starts again.
    async fn clear_device_failures(&self, token_hash: &str) -> Result<()>;

    /// Forgets every device of `name` (their password or second factor was reset).
    async fn forget_devices(&self, name: &str) -> Result<u64>;

    /// Builds the indexes the record lists read in their order, where they are missing
    /// (the web application, when it opens a register).
    async fn prepare_lists(&self) -> Result<()>;

    /// Refs of persons, decisions, interviews and calls that contain `term`, in any case
    /// (at most `limit` of each kind).
    /// `team`: only persons (and their records) of this team or of none.
    async fn search_refs(
        &self,
        term: &str,
        limit: i64,
        team: Option<&str>,
    ) -> Result<Vec<SearchHit>>;

    // Teams.
    /// The team of a person, if they are in one.
    async fn person_team(&self, person_ref: &str) -> Result<Option<String>>;
    /// Puts a person who is in no team in `team` (a new record's person, in its creator's
    /// team); `false` if they are in a team already (nothing changed).
    async fn claim_person_team(
        &self,
        person_ref: &str,
        team: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Whether the session `session_hash` has access to `person_ref` granted and not
    /// expired at `now` (see [`AuditedChange::GrantAccess`]).
    async fn has_access_grant(
        &self,
        session_hash: &str,
        person_ref: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    // Identity (issue 23): sealed, see `crate::identity`.
    /// One person's sealed identity as stored.
    async fn person(&self, person_ref: &str) -> Result<Option<crate::identity::StoredPerson>>;
    /// The persons (and the kind of entry) whose blind index holds any of `hashes`.
    async fn find_persons(&self, hashes: &[String]) -> Result<Vec<(String, String)>>;
    /// Persons not erased, with their legal hold and the latest date of their decisions,
    /// returns and interviews (`None`: no record), by ref.
    async fn retention_candidates(&self) -> Result<Vec<crate::identity::RetentionRow>>;

    /// All decisions and assessments of one person, oldest first.
    async fn person_records(
        &self,
        person_ref: &str,
    ) -> Result<(Vec<Identification>, Vec<Assessment>)>;
}

/// Opens the store named by `url` with its web tables (see [`crate::open`]).
pub async fn open_web(url: &str) -> Result<Box<dyn WebStore>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Box::new(crate::postgres::PgStore::open(url).await?));
    }
    Ok(Box::new(crate::sqlite::SqliteStore::open(url).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEvent {
                    seq,
                    at: format!("2026-01-01T00:00:{seq:02}.000000Z"),
                    code: "login.success".into(),
                    actor: Some("a".into()),
                    target: None,
                    address: Some("127.0.0.1".into()),
                    detail: None,
                    prev_hash: prev.clone(),
                    hash: String::new(),
                    chain: CHAIN_SHA256,
                };
                e.hash = audit_hash(&prev, &e);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(events: &[AuditEvent], head: Option<(i64, String)>) -> ChainStatus {
        let mut v = ChainVerifier::new(head);
        for e in events {
            if !v.push(e) {
                break;
            }
        }
        v.finish()
    }

    #[test]
    fn single_record_statements_come_from_the_codec() {
        let s = RecordSql::of_kind(RecordKind::HotlineCall);
        assert_eq!(
            s.update,
            "UPDATE hotline_calls SET received_at = $2, caller_type = $3, concerns_possible_victim = $4, topic = $5, version = $6, updated_at = $7 WHERE call_ref = $1 AND version = $8"
        );
        assert_eq!(
            s.insert,
            "INSERT INTO hotline_calls (call_ref, received_at, caller_type, concerns_possible_victim, topic, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        );
        assert_eq!(
            RecordSql::of_kind(RecordKind::Assessment).select_one,
            "SELECT assessment_ref, person_ref, interview_date, gender, age, nationality, version, updated_at FROM assessments WHERE assessment_ref = $1"
        );
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let c = chain(5);
        let head = Some((5, c[4].hash.clone()));
        assert_eq!(verify(&c, head), ChainStatus::Intact { events: 5 });
    }

    #[test]
    fn an_altered_field_breaks_the_chain_at_that_event() {
        let mut c = chain(5);
        c[2].actor = Some("b".into());
        let head = Some((5, c[4].hash.clone()));
        assert!(matches!(
            verify(&c, head),
            ChainStatus::Broken { seq: 3, .. }
        ));
    }

    #[test]
    fn a_deleted_event_breaks_the_chain_where_it_was() {
        let mut c = chain(5);
        c.remove(1);
        let head = Some((5, c[3].hash.clone()));
        assert!(matches!(
            verify(&c, head),
            ChainStatus::Broken { seq: 2, .. }
        ));
    }

    #[test]
    fn removing_the_newest_event_is_caught_by_the_head() {
        let mut c = chain(5);
        let head = Some((5, c[4].hash.clone()));
        c.pop();
        assert!(matches!(
            verify(&c, head),
            ChainStatus::Broken { seq: 5, .. }
        ));
    }

    fn key() -> AuditKey {
        AuditKey::from_bytes([7; 32])
    }

    /// `legacy` SHA-256 events, then keyed ones up to `n`.
    fn keyed_chain(legacy: i64, n: i64) -> Vec<AuditEvent> {
        let mut c = chain(legacy);
        let mut prev = c
            .last()
            .map_or(GENESIS_HASH.to_string(), |e| e.hash.clone());
        for seq in legacy + 1..=n {
            let mut e = AuditEvent {
                seq,
                at: format!("2026-01-01T00:01:{seq:02}.000000Z"),
                code: "case.view".into(),
                actor: Some("a".into()),
                target: Some("C-1".into()),
                address: None,
                detail: None,
                prev_hash: prev.clone(),
                hash: String::new(),
                chain: CHAIN_HMAC,
            };
            e.hash = audit_mac(&key(), &prev, &e);
            prev = e.hash.clone();
            c.push(e);
        }
        c
    }

    fn verify_with(
        events: &[AuditEvent],
        key: Option<AuditKey>,
        anchor: Option<AuditAnchor>,
    ) -> ChainStatus {
        let head = events.last().map(|e| (e.seq, e.hash.clone()));
        let mut v = ChainVerifier::with(key, anchor, head);
        for e in events {
            if !v.push(e) {
                break;
            }
        }
        v.finish()
    }

    #[test]
    fn a_keyed_chain_after_legacy_events_verifies_with_its_key_only() {
        let c = keyed_chain(3, 6);
        assert_eq!(
            verify_with(&c, Some(key()), None),
            ChainStatus::Intact { events: 6 }
        );
        assert_eq!(
            verify_with(&c, None, None),
            ChainStatus::KeyNeeded {
                events: 6,
                keyed: 3
            }
        );
        let other = AuditKey::from_bytes([8; 32]);
        assert!(matches!(
            verify_with(&c, Some(other), None),
            ChainStatus::Broken { seq: 4, .. }
        ));
    }

    #[test]
    fn a_keyed_event_rewritten_as_plain_sha256_is_caught() {
        let mut c = keyed_chain(1, 4);
        // Whoever has the database but not the key rewrites event 3 and re-hashes from there.
        c[2].actor = Some("b".into());
        c[2].chain = CHAIN_SHA256;
        c[2].hash = audit_hash(&c[2].prev_hash, &c[2]);
        let status = verify_with(&c, Some(key()), None);
        assert!(
            matches!(&status, ChainStatus::Broken { seq: 3, reason } if reason.contains("not keyed")),
            "{status:?}"
        );
    }

    #[test]
    fn events_without_a_recorded_head_are_broken() {
        let c = chain(3);
        assert!(matches!(
            verify(&c, None),
            ChainStatus::Broken { seq: 4, .. }
        ));
        assert_eq!(verify(&[], None), ChainStatus::Intact { events: 0 });
    }

    #[test]
    fn an_anchor_catches_truncation_and_a_rewritten_trail() {
        let c = keyed_chain(0, 6);
        let anchor = AuditAnchor::of(&c[4]);
        assert_eq!(AuditAnchor::parse(&anchor.to_json()).as_ref(), Ok(&anchor));
        assert_eq!(
            verify_with(&c, Some(key()), Some(anchor.clone())),
            ChainStatus::Intact { events: 6 }
        );
        // The newest three removed, the database's own head moved back with them.
        let status = verify_with(&c[..3], Some(key()), Some(anchor.clone()));
        assert!(
            matches!(&status, ChainStatus::Broken { seq: 4, reason } if reason.contains("removed from the end")),
            "{status:?}"
        );
        // Rewritten by someone who has the key: the links hold, the anchor does not.
        let mut forged = c.clone();
        forged[1].actor = Some("b".into());
        let mut prev = forged[0].hash.clone();
        for e in &mut forged[1..] {
            e.prev_hash = prev.clone();
            e.hash = audit_mac(&key(), &prev, e);
            prev = e.hash.clone();
        }
        let status = verify_with(&forged, Some(key()), Some(anchor));
        assert!(
            matches!(&status, ChainStatus::Broken { seq: 5, reason } if reason.contains("anchored")),
            "{status:?}"
        );
    }

    #[test]
    fn an_audit_key_reads_back_from_its_hex_and_hides_in_debug() {
        let k = AuditKey::from_bytes([0xab; 32]);
        let again = AuditKey::parse_hex(&format!("  {}\n", k.to_hex())).unwrap();
        assert_eq!(again.to_hex(), k.to_hex());
        assert!(AuditKey::parse_hex("abcd").is_none());
        assert!(AuditKey::parse_hex(&"zz".repeat(32)).is_none());
        assert!(!format!("{k:?}").contains("ab"));
    }
}
