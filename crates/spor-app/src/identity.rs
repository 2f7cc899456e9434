//! Who a person is (issue 23): identity kept apart from the statistical record, sealed
//! field by field, found again through a blind index.
//!
//! - **Keys.** The master key (32 random bytes, a file of 64 hex digits named by
//!   `--master-key FILE` or `SPOR_MASTER_KEY_FILE`) never enters the database. Keys for
//!   each purpose are derived from it with HMAC-SHA256 (as the audit key's are): one wraps
//!   the persons' keys, one keys the blind index, one the fingerprints, one the check
//!   value stored in the register so that a wrong key is refused before anything is read.
//! - **Sealing.** Each person has a key of their own (32 random bytes); each known field is
//!   sealed under it with XChaCha20-Poly1305 (random 192-bit nonce; the person's ref and the
//!   field's name as associated data, so a sealed value cannot be moved to another person
//!   or field), and the person's key is sealed under the wrapping key. Destroying the
//!   wrapped key erases the person (crypto-shredding): no copy of the key is left anywhere
//!   but in backups, which the operator discards on the same schedule.
//! - **Blind index.** HMAC-SHA256 under the index key of normalised values: name + birth
//!   date and each document number (to flag a person registered twice), each name and each
//!   part of a name (to search by name). The index is compared, never decrypted.
//!
//! Nothing here logs a value; `Debug` of every type that holds one is redacted.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::Context as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2_0_11::Sha256;
use spor_core::identity::IDENTITY_FIELDS;
use spor_core::{PersonIdentity, Ref};
use spor_store::identity::{
    BlindEntry, IdentityState, IdentityWrite, SealedPerson, StoredPerson, WRONG_KEY,
};
use zeroize::Zeroizing;

/// The master key of the persons' identities. Wiped from memory when dropped; `Debug`
/// shows nothing of it.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> MasterKey {
        MasterKey(Zeroizing::new(bytes))
    }

    /// Reads a key file's text: 64 hexadecimal digits, surrounding white space ignored.
    pub fn parse_hex(text: &str) -> Option<MasterKey> {
        let t = text.trim();
        if t.len() != 64 {
            return None;
        }
        let mut out = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(t, &mut out[..]).ok()?;
        Some(MasterKey(out))
    }

    fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.0[..]))
    }

    /// The key of one purpose: HMAC-SHA256 of the purpose's label under the master key.
    fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let mut m = mac(&self.0[..]);
        m.update(b"spor identity key v1\n");
        m.update(purpose.as_bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(&m.finalize().into_bytes());
        out
    }

    /// The value the register keeps to recognise its key (a derived key of its own
    /// purpose: it tells nothing of the others).
    pub fn check_value(&self) -> String {
        hex::encode(&self.derive("key check")[..])
    }
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length")
}

/// The master key of this process, once read (see [`use_key`]).
static KEY: OnceLock<MasterKey> = OnceLock::new();

/// Makes `key` the master key of this process (the command line's `--master-key`, the
/// web application's). Set once.
pub fn use_key(key: MasterKey) -> anyhow::Result<()> {
    KEY.set(key)
        .map_err(|_| anyhow::anyhow!("the master key was already given"))
}

/// The master key of this process, if one was given.
pub fn key() -> Option<&'static MasterKey> {
    KEY.get()
}

/// Reads a master key file (64 hexadecimal digits). A key others than its owner may read
/// is named in a warning.
pub fn read_key_file(path: &Path) -> anyhow::Result<MasterKey> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the master key {}", path.display()))?,
    );
    let key = MasterKey::parse_hex(&text).with_context(|| {
        format!(
            "{} is not a master key (64 hexadecimal digits; make one with `spor key generate --out FILE`)",
            path.display()
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                "the master key {} can be read by others than its owner (mode {:o}): make it 0600",
                path.display(),
                mode & 0o777
            );
        }
    }
    Ok(key)
}

/// Makes a new master key (32 bytes from the operating system's random source) and writes
/// it to `path`, readable by its owner only. An existing file is never overwritten: losing
/// the key loses every identity sealed under it.
pub fn generate_key_file(path: &Path) -> anyhow::Result<()> {
    let key = MasterKey::from_bytes(random()?);
    crate::audit::write_new_key_file(path, &key.to_hex(), "master key")
}

fn random<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|e| anyhow::anyhow!("the system's random generator failed: {e}"))?;
    Ok(b)
}

/// Why identity could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "identity is sealed under the master key, and it was not given (--master-key FILE or SPOR_MASTER_KEY_FILE; make one with `spor key generate --out FILE`): nothing was read or written"
    )]
    NoKey,
    #[error("{WRONG_KEY}")]
    WrongKey,
    #[error("the stored identity of a person is damaged: {0}")]
    Damaged(&'static str),
    #[error("no identity is stored for this person")]
    NotFound,
    #[error("this person's identity was erased on {0}")]
    Erased(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(spor_store::StoreError),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<spor_store::StoreError> for IdentityError {
    fn from(e: spor_store::StoreError) -> Self {
        match e {
            spor_store::StoreError::Conflict(m) if m == WRONG_KEY => IdentityError::WrongKey,
            e => IdentityError::Store(e),
        }
    }
}

/// Refuses `key` if the register keeps the check value of another.
pub fn check_key(stored: Option<&str>, key: &MasterKey) -> Result<(), IdentityError> {
    match stored {
        Some(v) if v != key.check_value() => Err(IdentityError::WrongKey),
        _ => Ok(()),
    }
}

fn aead(key: &[u8; 32]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&chacha20poly1305::Key::from(*key))
}

fn seal_bytes(key: &[u8; 32], msg: &[u8], aad: &[u8]) -> Result<String, IdentityError> {
    let nonce: [u8; 24] = random()?;
    let sealed = aead(key)
        .encrypt(&XNonce::from(nonce), Payload { msg, aad })
        .map_err(|_| anyhow::anyhow!("cannot seal an identity value"))?;
    let mut out = hex::encode(nonce);
    out.push_str(&hex::encode(sealed));
    Ok(out)
}

fn open_bytes(
    key: &[u8; 32],
    stored: &str,
    aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>, IdentityError> {
    let bytes = hex::decode(stored).map_err(|_| IdentityError::Damaged("not hex"))?;
    if bytes.len() < 24 + 16 {
        return Err(IdentityError::Damaged("too short"));
    }
    let (nonce, sealed) = bytes.split_at(24);
    let nonce: [u8; 24] = nonce
        .try_into()
        .map_err(|_| IdentityError::Damaged("no nonce"))?;
    aead(key)
        .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad })
        .map(Zeroizing::new)
        .map_err(|_| IdentityError::Damaged("does not open under this key"))
}

fn wrap_aad(person_ref: &str) -> Vec<u8> {
    format!("spor person key v1\n{person_ref}").into_bytes()
}

fn field_aad(person_ref: &str, field: &str) -> Vec<u8> {
    format!("spor person field v1\n{person_ref}\n{field}").into_bytes()
}

/// Seals `p` under a new key of its own, wrapped under `key`, with its blind index.
pub fn seal(key: &MasterKey, p: &PersonIdentity) -> Result<SealedPerson, IdentityError> {
    let r = p.person_ref.as_str();
    let person_key: Zeroizing<[u8; 32]> = Zeroizing::new(random()?);
    let wrapped_key = seal_bytes(
        &key.derive("wrap person keys"),
        &person_key[..],
        &wrap_aad(r),
    )?;
    let mut fields: [Option<String>; 7] = Default::default();
    for ((slot, name), value) in fields.iter_mut().zip(IDENTITY_FIELDS).zip(p.values()) {
        if let Some(v) = value {
            let v = Zeroizing::new(v);
            *slot = Some(seal_bytes(&person_key, v.as_bytes(), &field_aad(r, name))?);
        }
    }
    Ok(SealedPerson {
        person_ref: r.to_string(),
        wrapped_key,
        fields,
        fingerprint: fingerprint(key, p),
        index: blind_index(key, p),
    })
}

/// Opens a stored person under `key`.
pub fn open(key: &MasterKey, s: &StoredPerson) -> Result<PersonIdentity, IdentityError> {
    if let Some(at) = &s.erased_at {
        return Err(IdentityError::Erased(at.chars().take(10).collect()));
    }
    let wrapped = s
        .wrapped_key
        .as_deref()
        .ok_or(IdentityError::Damaged("no key"))?;
    let r = s.person_ref.as_str();
    let pk = open_bytes(&key.derive("wrap person keys"), wrapped, &wrap_aad(r))
        .map_err(|_| IdentityError::WrongKey)?;
    let person_key: [u8; 32] = pk[..]
        .try_into()
        .map_err(|_| IdentityError::Damaged("a person's key has the wrong length"))?;
    let person_key = Zeroizing::new(person_key);
    let person_ref = Ref::parse(r).map_err(|_| IdentityError::Damaged("person ref"))?;
    let mut p = PersonIdentity::new(person_ref);
    for (name, sealed) in IDENTITY_FIELDS.iter().zip(&s.fields) {
        if let Some(sealed) = sealed {
            let plain = open_bytes(&person_key, sealed, &field_aad(r, name))?;
            let text =
                std::str::from_utf8(&plain).map_err(|_| IdentityError::Damaged("not text"))?;
            p.set(name, text)
                .map_err(|_| IdentityError::Damaged("a value that is not valid"))?;
        }
    }
    Ok(p)
}

/// A keyed hash of the whole identity (an import of the same identity changes nothing).
fn fingerprint(key: &MasterKey, p: &PersonIdentity) -> String {
    let mut m = mac(&key.derive("fingerprint")[..]);
    m.update(p.person_ref.as_str().as_bytes());
    for v in p.values() {
        match v {
            Some(v) => {
                m.update(b"\x01");
                m.update(&(v.len() as u64).to_be_bytes());
                m.update(v.as_bytes());
            }
            None => m.update(b"\x00"),
        }
    }
    hex::encode(m.finalize().into_bytes())
}

/// A name as the blind index compares it: lower case, common Latin diacritics and Danish
/// letters spelt out (`ø` = `oe`), anything but letters and digits a space, the words in
/// alphabetical order (so "Ali Ahmed" is "Ahmed Ali").
pub fn normalise_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'æ' | 'ä' => out.push_str("ae"),
            'ø' | 'ö' => out.push_str("oe"),
            'å' => out.push_str("aa"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            'á' | 'à' | 'â' | 'ã' | 'ā' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' | 'ē' => out.push('e'),
            'í' | 'ì' | 'î' | 'ï' | 'ī' => out.push('i'),
            'ó' | 'ò' | 'ô' | 'õ' | 'ō' => out.push('o'),
            'ú' | 'ù' | 'û' | 'ū' => out.push('u'),
            'ç' | 'č' | 'ć' => out.push('c'),
            'ñ' | 'ń' => out.push('n'),
            'š' | 'ś' => out.push('s'),
            'ž' | 'ź' | 'ż' => out.push('z'),
            'ł' => out.push('l'),
            c if c.is_alphanumeric() => out.push(c),
            _ => out.push(' '),
        }
    }
    let mut words: Vec<&str> = out.split_whitespace().collect();
    words.sort_unstable();
    words.join(" ")
}

/// A document number as the blind index compares it: upper case, letters and digits only.
pub fn normalise_document(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

fn blind(key: &[u8; 32], kind: &str, value: &str) -> String {
    let mut m = mac(&key[..]);
    m.update(kind.as_bytes());
    m.update(b"\n");
    m.update(value.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// The blind index entries of `p`.
pub fn blind_index(key: &MasterKey, p: &PersonIdentity) -> Vec<BlindEntry> {
    let k = key.derive("blind index");
    let mut out: Vec<BlindEntry> = Vec::new();
    let mut add = |kind: &'static str, value: &str| {
        if value.is_empty() {
            return;
        }
        let e = BlindEntry {
            kind,
            hash: blind(&k, kind, value),
        };
        if !out.contains(&e) {
            out.push(e);
        }
    };
    for name in p.names() {
        let n = normalise_name(name);
        add("name", &n);
        for w in n.split(' ').filter(|w| w.chars().count() >= 2) {
            add("name_part", w);
        }
        if let Some(b) = p.birth_date {
            add("name_birth", &format!("{n}\n{}", b.format("%Y-%m-%d")));
        }
    }
    for d in p.document_numbers() {
        add("document", &normalise_document(d));
    }
    out
}

/// The blind-index hashes a name search looks up: the whole name, or (one word) any part.
pub fn search_hashes(key: &MasterKey, term: &str) -> Vec<String> {
    let k = key.derive("blind index");
    let n = normalise_name(term);
    if n.is_empty() {
        return Vec::new();
    }
    let mut v = vec![blind(&k, "name", &n)];
    if !n.contains(' ') {
        v.push(blind(&k, "name_part", &n));
    }
    v
}

/// Another person who may be the same: an earlier registration with the same name and
/// birth date, or the same document number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Duplicate {
    /// The person being registered or imported.
    pub person_ref: String,
    /// The earlier person who matched.
    pub earlier: String,
    /// What matched: `name_birth` (name and birth date) or `document` (a document number).
    pub matched: String,
}

impl Duplicate {
    /// For the import summary and the form.
    pub fn message(&self) -> String {
        let what = if self.matched == "document" {
            "a document number"
        } else {
            "name and birth date"
        };
        format!(
            "{} has the same {what} as {}, registered earlier: link to that person instead of keeping two",
            self.person_ref, self.earlier
        )
    }
}

/// What an import does with persons (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PersonsOutcome {
    pub counts: spor_store::Counts,
    /// Possible duplicates of earlier persons (and of each other in the files).
    pub duplicates: Vec<Duplicate>,
    /// Persons whose identity was erased: not imported again (an old file must not bring
    /// back what was erased).
    pub skipped_erased: Vec<String>,
}

/// Plans the import of `persons` against what the register holds (`state`): what to
/// write under `key`, and what to tell the user.
pub fn plan_import(
    key: &MasterKey,
    state: &IdentityState,
    persons: &[PersonIdentity],
) -> Result<(spor_store::identity::IdentityWrite, PersonsOutcome), IdentityError> {
    check_key(state.key_check.as_deref(), key)?;
    let stored: std::collections::HashMap<&str, (Option<&str>, Option<&str>)> = state
        .persons
        .iter()
        .map(|(r, f, e)| (r.as_str(), (f.as_deref(), e.as_deref())))
        .collect();
    let mut outcome = PersonsOutcome::default();
    let mut write = spor_store::identity::IdentityWrite {
        key_check: key.check_value(),
        persons: Vec::new(),
    };
    // hash -> person ref, of the register and then of the persons already planned.
    let mut seen: std::collections::HashMap<&str, &str> = state
        .index
        .iter()
        .map(|(h, _, r)| (h.as_str(), r.as_str()))
        .collect();
    let mut sealed_all = Vec::with_capacity(persons.len());
    for p in persons {
        let r = p.person_ref.as_str();
        match stored.get(r) {
            Some((_, Some(_erased))) => {
                outcome.skipped_erased.push(r.to_string());
                continue;
            }
            Some((Some(f), None)) if *f == fingerprint(key, p) => {
                outcome.counts.unchanged += 1;
                continue;
            }
            Some(_) => outcome.counts.updated += 1,
            None => outcome.counts.inserted += 1,
        }
        sealed_all.push(seal(key, p)?);
    }
    for s in &sealed_all {
        for e in s
            .index
            .iter()
            .filter(|e| matches!(e.kind, "name_birth" | "document"))
        {
            match seen.get(e.hash.as_str()) {
                Some(earlier) if *earlier != s.person_ref => {
                    let d = Duplicate {
                        person_ref: s.person_ref.clone(),
                        earlier: (*earlier).to_string(),
                        matched: e.kind.to_string(),
                    };
                    if !outcome.duplicates.contains(&d) {
                        outcome.duplicates.push(d);
                    }
                }
                Some(_) => {}
                None => {
                    seen.insert(e.hash.as_str(), s.person_ref.as_str());
                }
            }
        }
    }
    drop(seen);
    write.persons = sealed_all;
    Ok((write, outcome))
}

// The use cases: both front ends call these, each audited.

use crate::audit::{self, Actor, Event};
use spor_store::WebStore;
use spor_store::web::AuditedChange;

fn need(key: Option<&MasterKey>) -> Result<&MasterKey, IdentityError> {
    key.ok_or(IdentityError::NoKey)
}

/// One person's identity, opened under `key`; `None` when none is stored. The view is an
/// audit event (`person.identity_view`), written before anything is shown: a view that
/// cannot be audited does not happen.
pub async fn view(
    store: &dyn WebStore,
    by: Actor<'_>,
    key: Option<&MasterKey>,
    person_ref: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<PersonIdentity>, IdentityError> {
    let key = need(key)?;
    let Some(stored) = store.person(person_ref).await? else {
        return Ok(None);
    };
    let p = open(key, &stored)?;
    let ev = by.event(Event::IdentityView, Some(person_ref), None);
    audit::record(store, &ev, at).await?;
    Ok(Some(p))
}

/// The stored state of a person's identity without opening it: erased when, under which
/// legal hold (for the person's page, which shows it also without the key).
pub async fn status(
    store: &dyn WebStore,
    person_ref: &str,
) -> Result<Option<spor_store::identity::StoredPerson>, IdentityError> {
    Ok(store.person(person_ref).await?)
}

/// Earlier persons whose name and birth date, or a document number, are the same as
/// `p`'s (not `p` itself).
pub async fn duplicates_of(
    store: &dyn WebStore,
    key: &MasterKey,
    p: &PersonIdentity,
) -> Result<Vec<Duplicate>, IdentityError> {
    let hashes: Vec<String> = blind_index(key, p)
        .into_iter()
        .filter(|e| matches!(e.kind, "name_birth" | "document"))
        .map(|e| e.hash)
        .collect();
    let found = store.find_persons(&hashes).await?;
    let mut out: Vec<Duplicate> = Vec::new();
    for (earlier, kind) in found {
        if earlier != p.person_ref.as_str() && matches!(kind.as_str(), "name_birth" | "document") {
            let d = Duplicate {
                person_ref: p.person_ref.as_str().to_string(),
                earlier,
                matched: kind,
            };
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    Ok(out)
}

/// Registers or rectifies a person's identity (the caseworker's form, `spor persons
/// set`): sealed under `key` and written with its audit event (`person.identity_update`,
/// naming the fields known, never their values). Returns earlier persons who may be the
/// same, for the caseworker to link instead. An erased person is not brought back.
pub async fn save(
    store: &dyn WebStore,
    by: Actor<'_>,
    key: Option<&MasterKey>,
    p: &PersonIdentity,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Duplicate>, IdentityError> {
    let key = need(key)?;
    not_erased(store, p.person_ref.as_str()).await?;
    let duplicates = duplicates_of(store, key, p).await?;
    let (write, ev) = sealed_with_event(by, key, p)?;
    audit::change(store, &AuditedChange::SavePersons(&write), &ev, at).await?;
    Ok(duplicates)
}

/// Refuses a person whose identity was erased: an erased person is not brought back.
async fn not_erased(store: &dyn WebStore, person_ref: &str) -> Result<(), IdentityError> {
    match store.person(person_ref).await? {
        Some(stored) => match stored.erased_at {
            Some(erased) => Err(IdentityError::Erased(erased.chars().take(10).collect())),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// `p` sealed under `key` for the store, and its audit event (`person.identity_update`,
/// naming the fields known, never their values).
fn sealed_with_event(
    by: Actor<'_>,
    key: &MasterKey,
    p: &PersonIdentity,
) -> Result<(IdentityWrite, spor_store::web::NewAuditEvent), IdentityError> {
    let write = spor_store::identity::IdentityWrite {
        key_check: key.check_value(),
        persons: vec![seal(key, p)?],
    };
    let known: Vec<&str> = IDENTITY_FIELDS
        .iter()
        .zip(p.values())
        .filter(|(_, v)| v.is_some())
        .map(|(n, _)| *n)
        .collect();
    let detail = format!(
        "fields known: {}",
        if known.is_empty() {
            "none".into()
        } else {
            known.join(", ")
        }
    );
    let ev = by.event(
        Event::IdentityUpdate,
        Some(p.person_ref.as_str()),
        Some(detail),
    );
    Ok((write, ev))
}

/// The identity typed into the form of a new record (issue 23 item 1: the same fields in
/// the caseworker's forms).
#[derive(Debug, Clone, Copy)]
pub struct WithIdentity<'a> {
    /// The person's identity; its ref is the record's person.
    pub person: &'a PersonIdentity,
    /// The caseworker has seen the warning of earlier persons who may be the same, and
    /// registers this person all the same.
    pub confirmed: bool,
}

/// What registering a new record came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewRecord {
    /// The record is written, and the identity with it if one was given.
    Created,
    /// Nothing is written: another record has the ref.
    Exists,
    /// Nothing is written: earlier persons have the same name and birth date, or a document
    /// number of this one. The caseworker links the record to one of them instead, or
    /// confirms ([`WithIdentity::confirmed`]) that this is another person.
    MayBeEarlier(Vec<Duplicate>),
}

/// Registers a new decision or assessment interview (`record`, validated, audited with
/// `ctx`) with the person's identity typed in the same form: the record, the identity
/// (sealed under `key`) and both audit events in one transaction, so neither is kept
/// without the other. A person new to the teams joins `team`, the caseworker's. Without an
/// identity (`None`, or nothing typed) this is creating the record alone, and needs no key.
///
/// Before anything is written: a record whose ref is taken is [`NewRecord::Exists`]; earlier
/// persons who may be the same are [`NewRecord::MayBeEarlier`] unless confirmed; an identity
/// needs the master key ([`IdentityError::NoKey`], and a wrong key writes nothing), and an
/// erased person's identity is not brought back ([`IdentityError::Erased`]).
pub async fn create_record(
    store: &dyn WebStore,
    by: Actor<'_>,
    key: Option<&MasterKey>,
    record: &spor_store::web::Record,
    ctx: &spor_store::web::ChangeContext,
    team: Option<&str>,
    identity: Option<WithIdentity<'_>>,
) -> Result<NewRecord, IdentityError> {
    use spor_store::web::WriteOutcome;
    let Some(id) = identity.filter(|i| !i.person.is_blank()) else {
        return Ok(
            match crate::teams::create_record(store, record, ctx, team).await? {
                WriteOutcome::Done(_) => NewRecord::Created,
                _ => NewRecord::Exists,
            },
        );
    };
    let key = need(key)?;
    let p = id.person;
    let person = crate::teams::person_of(record);
    if person != Some(p.person_ref.as_str()) {
        return Err(IdentityError::Invalid(
            "the identity typed is of another person than the record's person_ref".into(),
        ));
    }
    if store.record(record.kind(), record.key()).await?.is_some() {
        return Ok(NewRecord::Exists);
    }
    not_erased(store, p.person_ref.as_str()).await?;
    if !id.confirmed {
        let earlier = duplicates_of(store, key, p).await?;
        if !earlier.is_empty() {
            return Ok(NewRecord::MayBeEarlier(earlier));
        }
    }
    let (write, ev) = sealed_with_event(by, key, p)?;
    match store
        .create_record_with_identity(record, ctx, &write, &ev)
        .await
    {
        Ok(WriteOutcome::Done(_)) => {
            if let (Some(person), Some(team)) = (person, team) {
                store
                    .claim_person_team(person, team, &ctx.actor, ctx.at)
                    .await?;
            }
            Ok(NewRecord::Created)
        }
        Ok(_) => Ok(NewRecord::Exists),
        Err(e) => {
            tracing::error!(code = ev.code, error = %e, "cannot write a record with its identity");
            Err(e.into())
        }
    }
}

/// Persons whose name (the whole name, or one word of it) is `term`, found through the
/// blind index, never by opening the table. The search is audited (`person.identity_search`)
/// without the term.
pub async fn search(
    store: &dyn WebStore,
    by: Actor<'_>,
    key: Option<&MasterKey>,
    term: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<String>, IdentityError> {
    let key = need(key)?;
    let hashes = search_hashes(key, term);
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    let mut refs: Vec<String> = store
        .find_persons(&hashes)
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    refs.sort();
    refs.dedup();
    let ev = by.event(
        Event::IdentitySearch,
        None,
        Some(format!("{} found", refs.len())),
    );
    audit::record(store, &ev, at).await?;
    Ok(refs)
}

/// Erases a person's identity (crypto-shredding: the key and sealed fields are destroyed,
/// the blind index entries removed; the records stay), audited with `reason`. `false` when
/// there is nothing to erase (no identity, erased already) or the person is under a legal
/// hold.
pub async fn erase(
    store: &dyn WebStore,
    by: Actor<'_>,
    person_ref: &str,
    reason: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<bool, IdentityError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(IdentityError::Invalid(
            "a reason for the erasure is needed".into(),
        ));
    }
    let ev = by.event(
        Event::IdentityErase,
        Some(person_ref),
        Some(reason.to_string()),
    );
    Ok(audit::change(store, &AuditedChange::ErasePerson { person_ref }, &ev, at).await?)
}

/// Puts a person under a legal hold with a stated `reason` (`None`: lifts it), audited.
/// `false` when no identity is stored for the person.
pub async fn legal_hold(
    store: &dyn WebStore,
    by: Actor<'_>,
    person_ref: &str,
    reason: Option<&str>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<bool, IdentityError> {
    let reason = reason.map(str::trim);
    if reason.is_some_and(|r| r.is_empty() || r.chars().count() > 500) {
        return Err(IdentityError::Invalid(
            "a legal hold needs a reason of 1 to 500 characters".into(),
        ));
    }
    let detail = Some(reason.map_or_else(|| "lifted".to_string(), |r| format!("hold: {r}")));
    let ev = by.event(Event::LegalHold, Some(person_ref), detail);
    Ok(audit::change(
        store,
        &AuditedChange::SetLegalHold { person_ref, reason },
        &ev,
        at,
    )
    .await?)
}

/// Everything the register holds about one person (the data subject's right of access,
/// issue 23 item 4), as JSON (`spor-subject-access/2`, described in docs/persons-format.md):
/// the identity (opened under `key`; `null` when none is held or it was erased, with when),
/// the legal hold, the team, every decision and interview, and every audit event about the
/// person or their records (who viewed or changed what, when). It is handed to the person:
/// each field has its Danish label beside its name, each value its Danish text beside the
/// stored value or code (a code's label from the centre's code lists, a date in Danish
/// order), each audit event its Danish words beside its code. Producing it is itself
/// audited (`person.subject_access`).
pub async fn subject_access(
    store: &dyn WebStore,
    by: Actor<'_>,
    key: Option<&MasterKey>,
    person_ref: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<serde_json::Value, IdentityError> {
    use serde_json::json;
    let key = need(key)?;
    let codes = spor_core::CodeBook::with_additions(store.code_additions().await?);
    let stored = store.person(person_ref).await?;
    let identity = match &stored {
        Some(s) if s.erased_at.is_none() => {
            let p = open(key, s)?;
            let entries: Vec<serde_json::Value> = IDENTITY_FIELDS
                .iter()
                .zip(p.values())
                .map(|(n, v)| {
                    let value = v.map_or(serde_json::Value::Null, serde_json::Value::String);
                    labelled(&codes, n, &value)
                })
                .collect();
            serde_json::Value::Array(entries)
        }
        _ => serde_json::Value::Null,
    };
    let (decisions, interviews) = store.person_records(person_ref).await?;
    let mut targets: Vec<String> = vec![person_ref.to_string()];
    targets.extend(decisions.iter().map(|d| d.case_ref.as_str().to_string()));
    targets.extend(
        interviews
            .iter()
            .map(|a| a.assessment_ref.as_str().to_string()),
    );
    let mut events = Vec::new();
    for t in &targets {
        let filter = spor_store::web::AuditFilter {
            target: Some(t.clone()),
            ..Default::default()
        };
        let page = store.audit_events(&filter, 100_000, 0).await?;
        events.extend(page.items);
    }
    events.sort_by_key(|e| e.seq);
    events.dedup_by_key(|e| e.seq);
    let audit_trail: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            json!({
                "at": e.at,
                "at_text": time_text(&e.at),
                "event": e.code,
                "event_text": audit::Event::from_code(&e.code).map_or_else(|| e.code.clone(), |ev| ev.text_da().to_string()),
                "by": e.actor,
                "about": e.target,
                "detail": e.detail,
                "detail_text": e.detail.as_deref().map(|d| detail_text(&e.code, d)),
            })
        })
        .collect();
    use spor_store::web::Record;
    let records = |rs: Vec<Record>, columns: &[&str]| -> Vec<serde_json::Value> {
        rs.iter()
            .map(|r| {
                let values = r.fields();
                let fields: Vec<serde_json::Value> = columns
                    .iter()
                    .map(|c| {
                        labelled(
                            &codes,
                            c,
                            values.get(*c).unwrap_or(&serde_json::Value::Null),
                        )
                    })
                    .collect();
                json!({"ref": r.key(), "fields": fields})
            })
            .collect()
    };
    let decisions = records(
        decisions.into_iter().map(Record::Identification).collect(),
        spor_import::validate::IDENTIFICATION_COLUMNS,
    );
    let interviews = records(
        interviews.into_iter().map(Record::Assessment).collect(),
        spor_import::validate::ASSESSMENT_COLUMNS,
    );
    let team = store.person_team(person_ref).await?;
    let ev = by.event(Event::SubjectAccess, Some(person_ref), None);
    audit::record(store, &ev, at).await?;
    let erased_at = stored.as_ref().and_then(|s| s.erased_at.clone());
    Ok(json!({
        "format": "spor-subject-access/2",
        "person_ref": person_ref,
        "produced_at": spor_store::web::stamp(at),
        "produced_at_text": spor_report::format::datetime_da(at),
        "produced_by": by.name,
        "identity": identity,
        "identity_erased_at": erased_at,
        "identity_erased_at_text": erased_at.as_deref().map(time_text),
        "legal_hold": stored.as_ref().and_then(|s| s.legal_hold.clone()),
        "team": team,
        "decisions": decisions,
        "assessment_interviews": interviews,
        "audit_trail": audit_trail,
    }))
}

/// One field of the subject-access document: its name, its Danish label, the stored value
/// (a code for a field of a code list) and how it reads in Danish.
fn labelled(
    codes: &spor_core::CodeBook,
    field: &str,
    value: &serde_json::Value,
) -> serde_json::Value {
    use spor_core::labels::{Language, field_label, value_text};
    let raw = match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    serde_json::json!({
        "field": field,
        "label": field_label(Language::Da, field),
        "value": value,
        "text": value_text(codes, Language::Da, field, &raw),
    })
}

/// A stored moment (RFC 3339) in Danish, Copenhagen time; anything else as it is.
fn time_text(stamp: &str) -> String {
    spor_store::web::parse_stamp(stamp)
        .map_or_else(|| stamp.to_string(), spor_report::format::datetime_da)
}

/// An audit event's detail in Danish words: the fields named by their labels, the
/// application's own notes translated; what a person typed (a reason) as it is.
fn detail_text(code: &str, detail: &str) -> String {
    use spor_core::labels::{Language, field_label, is_field};
    if code == "person.identity_update"
        && let Some(fields) = detail.strip_prefix("fields known: ")
    {
        let named: Vec<&str> = fields
            .split(", ")
            .filter(|f| is_field(f))
            .map(|f| field_label(Language::Da, f))
            .collect();
        return if named.is_empty() {
            "Ingen felter kendt".into()
        } else {
            format!("Kendte felter: {}", named.join(", "))
        };
    }
    if code == "person.legal_hold" {
        return match detail.strip_prefix("hold: ") {
            Some(reason) => format!("Tilbageholdt: {reason}"),
            None if detail == "lifted" => "Ophævet".into(),
            None => detail.to_string(),
        };
    }
    match detail {
        "edit form" => "Åbnet til redigering".into(),
        "return form" => "Åbnet til hjemrejse".into(),
        "edit conflict" => "Set ved samtidig ændring".into(),
        d if d.ends_with("another team's person: reason needed") => {
            "Et andet holds person: begrundelse krævet".into()
        }
        d => d.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(r: &str, name: &str, birth: &str) -> PersonIdentity {
        let mut p = PersonIdentity::new(Ref::parse(r).unwrap());
        p.set("full_name", name).unwrap();
        p.set("birth_date", birth).unwrap();
        p
    }

    #[test]
    fn a_sealed_person_opens_under_its_key_only_and_holds_no_value_in_clear() {
        let key = MasterKey::from_bytes([3; 32]);
        let mut p = person("P-1", "Testa Syntetisk", "1991-04-05");
        p.set("document_number", "XY1234567").unwrap();
        let s = seal(&key, &p).unwrap();
        let all = format!("{}{:?}{}", s.wrapped_key, s.fields, s.fingerprint);
        for needle in ["Testa", "1991", "XY1234567"] {
            assert!(!all.contains(needle), "{needle} in the sealed form");
        }
        let stored = StoredPerson {
            person_ref: s.person_ref.clone(),
            wrapped_key: Some(s.wrapped_key.clone()),
            fields: s.fields.clone(),
            version: 1,
            updated_at: String::new(),
            erased_at: None,
            legal_hold: None,
        };
        assert_eq!(open(&key, &stored).unwrap(), p);
        let other = MasterKey::from_bytes([4; 32]);
        assert!(matches!(
            open(&other, &stored),
            Err(IdentityError::WrongKey)
        ));
        // A sealed field moved to another person does not open.
        let mut moved = stored.clone();
        moved.person_ref = "P-2".into();
        assert!(open(&key, &moved).is_err());
    }

    #[test]
    fn names_match_however_spelt_and_ordered() {
        assert_eq!(
            normalise_name("  Søren  ÅBERG-Müller "),
            "aaberg mueller soeren"
        );
        assert_eq!(normalise_name("Ali Ahmed"), normalise_name("ahmed, ali"));
        assert_eq!(normalise_document("ab 12-34"), "AB1234");
        let key = MasterKey::from_bytes([5; 32]);
        let a = blind_index(&key, &person("P-1", "Ali Ahmed", "1990-01-01"));
        let b = blind_index(&key, &person("P-2", "AHMED ali", "1990-01-01"));
        let c = blind_index(&key, &person("P-3", "Ali Ahmed", "1990-01-02"));
        let nb = |v: &[BlindEntry]| v.iter().find(|e| e.kind == "name_birth").cloned();
        assert_eq!(nb(&a), nb(&b));
        assert_ne!(nb(&a), nb(&c));
        assert!(
            a.iter()
                .any(|e| search_hashes(&key, "ahmed").contains(&e.hash))
        );
        assert!(
            !a.iter()
                .any(|e| search_hashes(&key, "ahm").contains(&e.hash))
        );
    }

    #[test]
    fn a_planned_import_flags_the_same_name_and_birth_date_and_skips_the_unchanged() {
        let key = MasterKey::from_bytes([6; 32]);
        let first = person("P-1", "Testa Syntetisk", "1991-04-05");
        let (w, o) = plan_import(
            &key,
            &IdentityState::default(),
            std::slice::from_ref(&first),
        )
        .unwrap();
        assert_eq!(o.counts.inserted, 1);
        assert!(o.duplicates.is_empty());
        let state = IdentityState {
            key_check: Some(key.check_value()),
            persons: vec![("P-1".into(), Some(w.persons[0].fingerprint.clone()), None)],
            index: w.persons[0]
                .index
                .iter()
                .map(|e| (e.hash.clone(), e.kind.to_string(), "P-1".to_string()))
                .collect(),
        };
        let again = person("P-9", "syntetisk testa", "1991-04-05");
        let (w2, o2) = plan_import(&key, &state, &[first, again]).unwrap();
        assert_eq!(o2.counts.unchanged, 1);
        assert_eq!(o2.counts.inserted, 1);
        assert_eq!(w2.persons.len(), 1);
        assert_eq!(
            o2.duplicates,
            [Duplicate {
                person_ref: "P-9".into(),
                earlier: "P-1".into(),
                matched: "name_birth".into()
            }]
        );
        let wrong = MasterKey::from_bytes([7; 32]);
        assert!(matches!(
            plan_import(&wrong, &state, &[]),
            Err(IdentityError::WrongKey)
        ));
    }
}
