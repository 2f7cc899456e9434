//! The second factor of an account (ASVS 5.0 V6.3, V6.5): TOTP as RFC 6238 has it (six
//! digits, 30-second steps, HMAC-SHA-1, one step of clock skew either way: what every
//! authenticator app reads from an `otpauth://` address) and ten one-time recovery codes.
//!
//! - A code is taken once: the store keeps the last accepted time step and takes only a
//!   later one, in one statement (no replay, also not of a code seen over a shoulder).
//! - Recovery codes are 64 random bits each, shown once and stored as SHA-256 hashes; a
//!   used one is deleted.
//! - The TOTP secret is 160 random bits. It is never logged and `Debug` does not show it.
//!   TOTP needs the secret itself, so it cannot be hashed: it is sealed at rest with
//!   XChaCha20-Poly1305 under a key derived from the audit key (kept outside the
//!   database), bound to the account's name, so a copy of the database (or a sealed secret
//!   moved to another account) gives no codes. Without an audit key (a trial run, see the
//!   README) it is kept as base32, and read either way.
//! - Every account needs a second factor unless all its roles are exempted by the
//!   [`EXEMPT_SETTING`] setting (empty by default: nobody is exempt).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use spor_store::WebStore;
use spor_store::web::{SecondFactorUpdate, UserUpdate};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::accounts::Role;
use crate::audit::{Actor, Event, record};

/// How many recovery codes an enrolment gives.
pub const RECOVERY_CODES: usize = 10;

/// The setting that names the roles exempt from the second factor (comma-separated; an
/// account is exempt when every role it has is).
pub const EXEMPT_SETTING: &str = "second_factor_exempt";

/// The issuer an authenticator app shows beside the account.
const ISSUER: &str = "Spor";

/// Why a second-factor step was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    #[error("there is no account `{0}`")]
    Unknown(String),
    #[error("the account has a second factor already")]
    AlreadyEnrolled,
    #[error("no enrolment of a second factor is under way")]
    NotEnrolling,
    #[error("the account has no second factor")]
    NotEnrolled,
    #[error("the code is not right")]
    WrongCode,
    #[error("the code was used already: wait for the next one")]
    Replayed,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<spor_store::StoreError> for SecondFactorError {
    fn from(e: spor_store::StoreError) -> Self {
        SecondFactorError::Failed(e.into())
    }
}

/// An enrolment under way: the secret to give to an authenticator app.
#[derive(Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The secret in base32, as apps take it typed in.
    pub secret: String,
    /// The `otpauth://totp/…` address.
    pub url: String,
    /// The address as a QR code: a PNG image, base64 (for a `data:` URL).
    pub qr_png_base64: String,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment").finish_non_exhaustive()
    }
}

impl Enrolment {
    /// The secret in groups of four, easier to type.
    pub fn grouped_secret(&self) -> String {
        self.secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// How a second factor was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Totp,
    /// A recovery code, now used up; `left` are still unused.
    RecoveryCode {
        left: i64,
    },
}

fn totp(secret: &str, account: &str) -> Result<Totp, SecondFactorError> {
    let bytes = Secret::try_from_base32(secret)
        .map_err(|_| anyhow::anyhow!("the stored second-factor secret is not base32"))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(bytes)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| SecondFactorError::Failed(anyhow::anyhow!("cannot set up TOTP: {e}")))
}

/// What a sealed secret begins with in the store.
const SEALED: &str = "sealed1:";

/// The key the TOTP secrets are sealed under, if the store was given an audit key.
fn sealing_key(store: &dyn WebStore) -> Option<zeroize::Zeroizing<[u8; 32]>> {
    store.derived_key("totp secret")
}

/// The secret as the store keeps it: sealed for the account `name` when there is a key.
fn seal(store: &dyn WebStore, secret: &str, name: &str) -> Result<String, SecondFactorError> {
    seal_with(sealing_key(store).as_deref(), secret, name)
}

fn unseal(store: &dyn WebStore, stored: &str, name: &str) -> Result<String, SecondFactorError> {
    unseal_with(sealing_key(store).as_deref(), stored, name)
}

fn seal_with(
    key: Option<&[u8; 32]>,
    secret: &str,
    name: &str,
) -> Result<String, SecondFactorError> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let Some(key) = key else {
        return Ok(secret.to_string());
    };
    let cipher = chacha20poly1305::XChaCha20Poly1305::new_from_slice(&key[..])
        .map_err(|_| anyhow::anyhow!("the sealing key has the wrong length"))?;
    let nonce = random_bytes::<24>()?;
    let sealed = cipher
        .encrypt(
            &chacha20poly1305::XNonce::from(nonce),
            Payload {
                msg: secret.as_bytes(),
                aad: name.as_bytes(),
            },
        )
        .map_err(|_| anyhow::anyhow!("cannot seal the second factor's secret"))?;
    Ok(format!(
        "{SEALED}{}{}",
        hex::encode(nonce),
        hex::encode(sealed)
    ))
}

/// The secret of the account `name` from what the store keeps (sealed or, from before
/// sealing or a run without a key, plain base32).
fn unseal_with(
    key: Option<&[u8; 32]>,
    stored: &str,
    name: &str,
) -> Result<String, SecondFactorError> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let Some(rest) = stored.strip_prefix(SEALED) else {
        return Ok(stored.to_string());
    };
    let key = key.ok_or_else(|| {
        anyhow::anyhow!("the second factors are sealed under the audit key: give it (--audit-key or SPOR_AUDIT_KEY_FILE)")
    })?;
    let bytes = hex::decode(rest).map_err(|_| anyhow::anyhow!("a sealed secret is damaged"))?;
    if bytes.len() < 24 {
        return Err(anyhow::anyhow!("a sealed secret is damaged").into());
    }
    let (nonce, sealed) = bytes.split_at(24);
    let nonce: [u8; 24] = nonce
        .try_into()
        .map_err(|_| anyhow::anyhow!("a sealed secret is damaged"))?;
    let cipher = chacha20poly1305::XChaCha20Poly1305::new_from_slice(&key[..])
        .map_err(|_| anyhow::anyhow!("the sealing key has the wrong length"))?;
    let plain = cipher
        .decrypt(
            &chacha20poly1305::XNonce::from(nonce),
            Payload {
                msg: sealed,
                aad: name.as_bytes(),
            },
        )
        .map_err(|_| {
            anyhow::anyhow!("a sealed secret does not open under this audit key for this account")
        })?;
    String::from_utf8(plain).map_err(|_| anyhow::anyhow!("a sealed secret is damaged").into())
}

fn random_bytes<const N: usize>() -> Result<[u8; N], SecondFactorError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|e| anyhow::anyhow!("the system's random generator failed: {e}"))?;
    Ok(b)
}

/// The seconds since the epoch of `at` (TOTP's clock).
fn unix(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap_or(0)
}

/// The TOTP code of `secret` (base32) at `at`: what an authenticator app shows then. For
/// tests and for scripts that hold the secret.
pub fn code_at(secret: &str, at: DateTime<Utc>) -> Result<String, SecondFactorError> {
    Ok(totp(secret, "x")?.generate(unix(at)).to_string())
}

/// A recovery code as stored: the SHA-256 (hex) of its 16 hex digits, whatever the
/// case, dashes or spaces it was typed with.
fn recovery_hash(code: &str) -> String {
    let plain: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(plain.as_bytes()))
}

fn new_recovery_code() -> Result<String, SecondFactorError> {
    let h = hex::encode(random_bytes::<8>()?);
    Ok(format!(
        "{}-{}-{}-{}",
        &h[..4],
        &h[4..8],
        &h[8..12],
        &h[12..]
    ))
}

/// Starts (or takes up again) the enrolment of `name`'s second factor: the secret to
/// show. An account with a second factor in use is refused.
pub async fn begin_enrolment(
    store: &dyn WebStore,
    name: &str,
    at: DateTime<Utc>,
) -> Result<Enrolment, SecondFactorError> {
    let user = store
        .user(name)
        .await?
        .ok_or_else(|| SecondFactorError::Unknown(name.to_string()))?;
    if user.has_second_factor() {
        return Err(SecondFactorError::AlreadyEnrolled);
    }
    let secret = match user.totp_secret {
        Some(s) => unseal(store, &s, name)?,
        None => {
            let s = Secret::from(random_bytes::<20>()?.to_vec()).to_base32();
            let update = UserUpdate {
                second_factor: Some(SecondFactorUpdate::Pending(seal(store, &s, name)?)),
                ..Default::default()
            };
            if !store.update_user(name, &update, at).await? {
                return Err(SecondFactorError::Unknown(name.to_string()));
            }
            s
        }
    };
    let t = totp(&secret, name)?;
    let url = t
        .to_url()
        .map_err(|e| anyhow::anyhow!("cannot write the otpauth address: {e}"))?;
    let qr_png_base64 = t
        .to_qr_base64()
        .map_err(|e| anyhow::anyhow!("cannot draw the QR code: {e}"))?;
    Ok(Enrolment {
        secret,
        url,
        qr_png_base64,
    })
}

/// Confirms the enrolment of `name` with a code from the app: the second factor is then
/// in use, and the recovery codes (returned, to be shown once) replace any older ones.
pub async fn confirm_enrolment(
    store: &dyn WebStore,
    by: Actor<'_>,
    name: &str,
    code: &str,
    at: DateTime<Utc>,
) -> Result<Vec<String>, SecondFactorError> {
    let user = store
        .user(name)
        .await?
        .ok_or_else(|| SecondFactorError::Unknown(name.to_string()))?;
    if user.has_second_factor() {
        return Err(SecondFactorError::AlreadyEnrolled);
    }
    let stored = user.totp_secret.ok_or(SecondFactorError::NotEnrolling)?;
    let secret = unseal(store, &stored, name)?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let step = totp(&secret, name)?
        .check(&code, unix(at))
        .ok_or(SecondFactorError::WrongCode)?;
    let codes = (0..RECOVERY_CODES)
        .map(|_| new_recovery_code())
        .collect::<Result<Vec<_>, _>>()?;
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    if !store
        .confirm_second_factor(name, &stored, step, &hashes, at)
        .await?
    {
        return Err(SecondFactorError::NotEnrolling);
    }
    record(
        store,
        &by.event(Event::SecondFactorEnrol, Some(name), None),
        at,
    )
    .await?;
    Ok(codes)
}

/// Checks `name`'s second factor: a TOTP code (six digits, taken once) or an unused
/// recovery code (used up, and audited).
pub async fn verify(
    store: &dyn WebStore,
    by: Actor<'_>,
    name: &str,
    code: &str,
    at: DateTime<Utc>,
) -> Result<Proof, SecondFactorError> {
    let user = store
        .user(name)
        .await?
        .ok_or_else(|| SecondFactorError::Unknown(name.to_string()))?;
    if !user.has_second_factor() {
        return Err(SecondFactorError::NotEnrolled);
    }
    let secret = unseal(store, &user.totp_secret.unwrap_or_default(), name)?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        let step = totp(&secret, name)?
            .check(&code, unix(at))
            .ok_or(SecondFactorError::WrongCode)?;
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        if !store.take_totp_step(name, step).await? {
            return Err(SecondFactorError::Replayed);
        }
        return Ok(Proof::Totp);
    }
    if code.is_empty() || code.len() > 40 {
        return Err(SecondFactorError::WrongCode);
    }
    if !store
        .take_recovery_code(name, &recovery_hash(&code))
        .await?
    {
        return Err(SecondFactorError::WrongCode);
    }
    let left = store.recovery_codes_left(name).await?;
    let ev = by.event(
        Event::RecoveryCodeUse,
        Some(name),
        Some(format!("{left} left")),
    );
    record(store, &ev, at).await?;
    Ok(Proof::RecoveryCode { left })
}

/// The roles exempt from the second factor (none unless set).
pub async fn exempt_roles(store: &dyn WebStore) -> anyhow::Result<Vec<Role>> {
    let raw = store.web_setting(EXEMPT_SETTING).await?.unwrap_or_default();
    Ok(parse_exempt(&raw).unwrap_or_default())
}

/// Reads a value of the exemption setting: roles, comma-separated, or `none`/nothing.
pub fn parse_exempt(raw: &str) -> Result<Vec<Role>, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw == "none" {
        return Ok(Vec::new());
    }
    Role::parse_list(raw)
}

/// Whether an account with `roles` needs a second factor, under the exemption `exempt`:
/// yes unless it has roles and every one is exempt.
pub fn required(roles: &[Role], exempt: &[Role]) -> bool {
    roles.is_empty() || !roles.iter().all(|r| exempt.contains(r))
}

/// Sets the roles exempt from the second factor, and audits the change.
pub async fn set_exempt_roles(
    store: &dyn WebStore,
    by: Actor<'_>,
    roles: &[Role],
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let value = Role::join(roles);
    let stored = (!value.is_empty()).then_some(value.as_str());
    store.set_web_setting(EXEMPT_SETTING, stored).await?;
    let shown = if value.is_empty() { "none" } else { &value };
    let ev = by.event(
        Event::SettingsUpdate,
        Some(EXEMPT_SETTING),
        Some(shown.to_string()),
    );
    record(store, &ev, at).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_under_its_key_for_its_account() {
        let key = [7u8; 32];
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let sealed = seal_with(Some(&key), secret, "mette").unwrap();
        assert!(sealed.starts_with(SEALED), "{sealed}");
        assert!(
            !sealed.contains(secret),
            "the secret is not in what is stored"
        );
        // A fresh nonce each time: the same secret never seals alike.
        assert_ne!(seal_with(Some(&key), secret, "mette").unwrap(), sealed);
        assert_eq!(unseal_with(Some(&key), &sealed, "mette").unwrap(), secret);
        // Moved to another account, under another key, altered or without a key: refused.
        assert!(unseal_with(Some(&key), &sealed, "ole").is_err());
        assert!(unseal_with(Some(&[8u8; 32]), &sealed, "mette").is_err());
        let mut altered = sealed.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == '0' { '1' } else { '0' });
        assert!(unseal_with(Some(&key), &altered, "mette").is_err());
        assert!(unseal_with(None, &sealed, "mette").is_err());
        // Secrets stored before sealing (or without a key) are read as they are.
        assert_eq!(unseal_with(Some(&key), secret, "mette").unwrap(), secret);
        assert_eq!(seal_with(None, secret, "mette").unwrap(), secret);
    }

    #[test]
    fn rfc_6238_sha1_test_vectors_give_the_right_codes() {
        // RFC 6238 appendix B: the secret "12345678901234567890", 8 digits; the last six
        // digits are the six-digit code.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        for (t, eight) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (2000000000, "69279037"),
        ] {
            let at = DateTime::from_timestamp(t, 0).unwrap();
            assert_eq!(code_at(&secret, at).unwrap(), eight[2..], "t = {t}");
        }
    }

    #[test]
    fn recovery_codes_are_random_and_match_however_typed() {
        let a = new_recovery_code().unwrap();
        let b = new_recovery_code().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert_eq!(
            recovery_hash(&a),
            recovery_hash(&a.to_uppercase().replace('-', " "))
        );
        assert_ne!(recovery_hash(&a), recovery_hash(&b));
    }

    #[test]
    fn only_accounts_whose_every_role_is_exempt_go_without() {
        let exempt = parse_exempt("analyst").unwrap();
        assert!(!required(&[Role::Analyst], &exempt));
        assert!(required(&[Role::Analyst, Role::Admin], &exempt));
        assert!(required(&[Role::Analyst], &parse_exempt("none").unwrap()));
        assert!(parse_exempt("boss").is_err());
    }
}
