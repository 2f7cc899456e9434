//! Accounts, sessions, roles and CSRF.
//!
//! - Passwords are argon2id hashes; a login for an unknown account is checked against a
//!   dummy hash, so it takes as long and answers the same as a wrong password.
//! - The session cookie holds 32 random bytes; the store keeps their SHA-256 only. Cookies
//!   are `HttpOnly; SameSite=Strict`, and `Secure` with the `__Host-` prefix unless
//!   `--secure-cookies never` (so a cookie set over plain HTTP or by a sibling domain is
//!   never taken for ours). Sessions end after an idle time and an absolute lifetime, and
//!   on logout in the store.
//! - A login is counted against its address before anything else is done (see
//!   [`crate::throttle`]); an address over its limit is refused without a password check.
//! - Every POST carries the session's CSRF token (the login form: a double-submit cookie);
//!   [`session_layer`] rejects a POST without it before any handler runs.
//! - Roles are extractors: a handler taking [`Caseworker`] is only reached by caseworkers;
//!   others get 403 (and an `access.denied` audit event), anonymous users the login page.
//! - A login is the password, then the second factor (TOTP or a recovery code; an account
//!   without one enrols it right then), then, if an administrator set the password, a new
//!   password: until a session has come that far ([`Stage`]) every page sends it to its
//!   next step. Privileged actions (granting roles, resetting passwords or second factors,
//!   code lists, settings, exporting the register) take [`RecentAdmin`] or
//!   [`RecentCaseworker`]: password and second factor given within
//!   [`crate::Config::reauth_within`], else the user is sent to re-authenticate.

use std::collections::HashMap;
use std::sync::OnceLock;

use argon2::{Argon2, PasswordVerifier as _};
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use spor_store::web::{SessionRow, UserRow, UserUpdate};

use crate::AppState;
use crate::audit::{self, Event};
use crate::i18n::Lang;
use crate::pages::AppError;
use crate::throttle::Admission;

pub const SESSION_COOKIE: &str = "spor_session";
pub const LOGIN_CSRF_COOKIE: &str = "spor_login_csrf";
pub const LANG_COOKIE: &str = "spor_lang";
/// The cookie of a device its user completed a login from (see [`attempt_login`]).
pub const DEVICE_COOKIE: &str = "spor_device";
/// How long a device stays trusted after the login that made it so.
const DEVICE_TRUST_DAYS: i64 = 90;

pub use spor_app::accounts::{MIN_PASSWORD_CHARS, Role, hash_password};

pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// How far a session's login has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The password was right; the second factor is still to come.
    SecondFactor,
    /// The password was right; the account has no second factor and enrols one now.
    Enrol,
    /// Logged in, but the password was set by someone else: it is changed first.
    ChangePassword,
    /// Logged in.
    Complete,
}

impl Stage {
    /// The page of this step.
    pub fn path(self) -> &'static str {
        match self {
            Stage::SecondFactor => "/login/second-factor",
            Stage::Enrol => "/account/second-factor",
            Stage::ChangePassword => "/account/password",
            Stage::Complete => "/",
        }
    }
}

/// A hash of a random password: what an unknown account's login is checked against.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let pw = random_token();
        hash_password(&pw).unwrap_or_else(|_| {
            // Never reached with argon2's defaults; a fixed valid PHC string keeps the
            // timing comparable even then.
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Xb6dhs1mC0M5AMqqOqRLCQo2nDdlULmEjo9cZOvQkmw".into()
        })
    })
}

/// 32 random bytes as hex.
pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    if getrandom::fill(&mut b).is_err() {
        // The OS generator does not fail on supported systems; refuse to go on without it.
        panic!("the operating system's random number generator is not available");
    }
    hex::encode(b)
}

pub(crate) fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The logged-in user of a request.
#[derive(Clone)]
pub struct Session {
    pub user: String,
    pub roles: Vec<Role>,
    pub csrf: String,
    pub(crate) id_hash: String,
    pub stage: Stage,
    /// When password and second factor were last given (login or re-authentication).
    pub verified_at: Option<DateTime<Utc>>,
    /// The account's team (see `spor_app::teams`); `None`: every person.
    pub team: Option<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("roles", &self.roles)
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn has(&self, r: Role) -> bool {
        self.roles.contains(&r)
    }

    /// Whether password and second factor were given within `within` before `now`.
    pub fn recently_verified(&self, now: DateTime<Utc>, within: std::time::Duration) -> bool {
        let within = chrono::Duration::from_std(within).unwrap_or_default();
        self.verified_at.is_some_and(|t| now - t <= within)
    }
}

/// Facts about a request every page needs (set by [`session_layer`]).
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub address: String,
    pub secure: bool,
    pub lang: Lang,
    pub path: String,
    /// The session cookie named a session that has ended (idle or too old).
    pub expired: bool,
}

/// Reads a cookie from the request headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A cookie's name as sent: with the `__Host-` prefix when secure (browsers then take it
/// only with `Secure`, `Path=/` and no `Domain`, so no other host can set it).
pub(crate) fn cookie_name(name: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{name}")
    } else {
        name.to_string()
    }
}

/// Reads one of our cookies under the name it has for this request.
pub(crate) fn our_cookie<'a>(headers: &'a HeaderMap, name: &str, secure: bool) -> Option<&'a str> {
    cookie(headers, &cookie_name(name, secure))
}

/// A `Set-Cookie` value with the house attributes.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    max_age: Option<i64>,
    secure: bool,
) -> HeaderValue {
    let name = cookie_name(name, secure);
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(a) = max_age {
        s.push_str(&format!("; Max-Age={a}"));
    }
    if secure {
        s.push_str("; Secure");
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// Loads the session and enforces CSRF on POST (the security headers are set by
/// [`crate::transport::security_headers`] around it).
pub async fn session_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cfg = &state.config;
    let secure = crate::transport::is_secure(cfg, req.headers());
    let mut info = RequestInfo {
        address: crate::transport::client_address(&req, cfg.trust_proxy),
        secure,
        lang: Lang::from_cookie(our_cookie(req.headers(), LANG_COOKIE, secure)),
        path: req.uri().path().to_string(),
        expired: false,
    };
    let is_asset = info.path.starts_with("/assets/") || info.path == "/healthz";

    let mut session = None;
    if !is_asset && let Some(raw) = our_cookie(req.headers(), SESSION_COOKIE, secure) {
        match load_session(&state, raw).await {
            Ok(Some(s)) => session = Some(s),
            Ok(None) => info.expired = true,
            Err(e) => return e.into_response_for(&info),
        }
    }

    let mut req = req;
    // A record form is kept when it cannot be taken: see `resume`.
    let keep_form = crate::resume::is_record_form(&info.path);
    if req.method() == Method::POST && info.path != "/login" && (session.is_some() || keep_form) {
        let (parts, body) = req.into_parts();
        // The body limit layer has already refused a body announced as too large; one sent
        // without a length fails here when it passes the limit.
        let bytes = match axum::body::to_bytes(body, cfg.body_limit).await {
            Ok(b) => b,
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        let keep =
            |state: &AppState| match state
                .stash
                .put(state.now(), &info.path, form_fields(&bytes))
            {
                Some(token) => format!("{}?resume={token}", info.path),
                None => info.path.clone(),
            };
        match &session {
            None => {
                // The session ended while the form was being filled in: log in again, then
                // back to the form with what was typed.
                let next = keep(&state);
                return Redirect::to(&format!(
                    "/login?next={}",
                    crate::pages::encode_query(&next)
                ))
                .into_response();
            }
            Some(s) => {
                let token = form_field(&bytes, "csrf");
                // A token of the right shape that is not this session's: a form from
                // before the latest login (another tab). No token at all is refused.
                let stale = token
                    .as_deref()
                    .is_some_and(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()));
                if !token.is_some_and(|t| same(&t, &s.csrf)) {
                    let ev = audit::event(
                        &info,
                        Some(&s.user),
                        Event::CsrfRejected,
                        Some(&info.path),
                        None,
                    );
                    if let Err(e) = audit::record(&state, ev).await {
                        return e.into_response_for(&info);
                    }
                    if keep_form && stale {
                        // A form from before the latest login: the same form again, filled
                        // in, with this session's token.
                        return Redirect::to(&keep(&state)).into_response();
                    }
                    return AppError::Csrf.into_response_for(&info);
                }
            }
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }

    req.extensions_mut().insert(info.clone());
    req.extensions_mut().insert(session.clone());
    let mut res = next.run(req).await;
    // An error page keeps the user's navigation (a handler's error knows no session).
    if let Some(e) = res.extensions().get::<AppError>().copied()
        && session.is_some()
    {
        res = e.into_response_with(&info, session.as_ref());
    }
    res
}

/// The value of one field of an `application/x-www-form-urlencoded` body. Tokens are hex,
/// so no percent-decoding is needed for the fields this is used for.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let s = std::str::from_utf8(body).ok()?;
    s.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// All fields of an `application/x-www-form-urlencoded` body, decoded.
fn form_fields(body: &[u8]) -> HashMap<String, String> {
    let decode = |s: &str| -> String {
        let s = s.replace('+', " ");
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            match (
                b[i],
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                (b'%', Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                }
                (c, _, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    std::str::from_utf8(body)
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

/// The session a cookie names, if it is still valid; an ended one is removed.
async fn load_session(state: &AppState, raw: &str) -> Result<Option<Session>, AppError> {
    if raw.len() != 64 || !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let id_hash = sha256_hex(raw);
    let Some((row, user)) = state
        .store
        .session(&id_hash)
        .await
        .map_err(AppError::store)?
    else {
        return Ok(None);
    };
    let now = state.now();
    let idle =
        chrono::Duration::from_std(state.config.idle_timeout).unwrap_or(chrono::Duration::MAX);
    let ended = now >= row.expires_at || now - row.last_seen_at >= idle || user.disabled;
    if ended {
        state
            .store
            .delete_session(&id_hash)
            .await
            .map_err(AppError::store)?;
        return Ok(None);
    }
    if now - row.last_seen_at >= chrono::Duration::seconds(10) {
        state
            .store
            .touch_session(&id_hash, now)
            .await
            .map_err(AppError::store)?;
    }
    let roles = Role::parse_list(&user.roles).unwrap_or_default();
    let stage = if row.verified_at.is_none() {
        if user.has_second_factor() {
            Stage::SecondFactor
        } else {
            Stage::Enrol
        }
    } else if user.must_change_password {
        Stage::ChangePassword
    } else {
        Stage::Complete
    };
    Ok(Some(Session {
        user: user.name,
        roles,
        csrf: row.csrf_token,
        id_hash,
        stage,
        verified_at: row.verified_at,
        team: user.team,
    }))
}

/// Counts a login refused before its check (no valid login form token) against its
/// address; whether it is to be audited (not when the address is over its limit and a
/// refusal has been recorded already).
pub(crate) fn count_refused_login(state: &AppState, info: &RequestInfo) -> bool {
    let key = crate::transport::limit_key(&info.address);
    state.limiter.begin(&key, state.now(), &state.config) != Admission::Refused { record: false }
}

/// What a login attempt produced.
pub(crate) enum LoginResult {
    /// The new session's cookie value, and the step it is at.
    Ok(String, Stage),
    Failed,
    /// Too many password checks running and waiting: to be tried again shortly (the
    /// attempt is not counted against the address).
    Busy,
}

/// Starts a session of `user`; its cookie value. `verified_at`: when password and second
/// factor were given (`None`: the second factor is still to come).
pub(crate) async fn start_session(
    state: &AppState,
    user: &str,
    verified_at: Option<DateTime<Utc>>,
) -> Result<String, AppError> {
    let now = state.now();
    let raw = random_token();
    let lifetime = chrono::Duration::from_std(state.config.absolute_lifetime).unwrap_or_default();
    let row = SessionRow {
        id_hash: sha256_hex(&raw),
        user_name: user.to_string(),
        csrf_token: random_token(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + lifetime,
        verified_at,
    };
    state
        .store
        .create_session(&row)
        .await
        .map_err(AppError::store)?;
    Ok(raw)
}

/// Replaces the session `old` by a new one (a new cookie value and CSRF token) whose
/// password and second factor were given at `at`: the token from before the second
/// factor does not become the logged-in one. The new cookie value and session.
pub(crate) async fn renew_session(
    state: &AppState,
    old: &Session,
    must_change_password: bool,
    at: DateTime<Utc>,
) -> Result<(String, Session), AppError> {
    let raw = random_token();
    let lifetime = chrono::Duration::from_std(state.config.absolute_lifetime).unwrap_or_default();
    let row = SessionRow {
        id_hash: sha256_hex(&raw),
        user_name: old.user.clone(),
        csrf_token: random_token(),
        created_at: at,
        last_seen_at: at,
        expires_at: at + lifetime,
        verified_at: Some(at),
    };
    state
        .store
        .create_session(&row)
        .await
        .map_err(AppError::store)?;
    logout(state, old).await?;
    let session = Session {
        user: row.user_name,
        roles: old.roles.clone(),
        csrf: row.csrf_token,
        id_hash: row.id_hash,
        stage: if must_change_password {
            Stage::ChangePassword
        } else {
            Stage::Complete
        },
        verified_at: Some(at),
        team: old.team.clone(),
    };
    Ok((raw, session))
}

/// Starts the failed-login count again after a complete login (not after the password
/// alone: a password then a few wrong codes, again and again, would never lock).
/// Always written: the attempt that led here was claimed (counted) before its check, so
/// the row read before it does not show the count to clear.
pub(crate) async fn clear_failures(state: &AppState, u: &UserRow) -> Result<(), AppError> {
    let upd = UserUpdate {
        login_state: Some((0, None)),
        ..Default::default()
    };
    state
        .store
        .update_user(&u.name, &upd, state.now())
        .await
        .map_err(AppError::store)?;
    Ok(())
}

/// Counts a failed second-factor step of `name` towards the same progressive back-off as
/// wrong passwords ([`spor_store::WebStore::claim_login_attempt`]); whether the account
/// now has to wait before its next attempt.
pub(crate) async fn count_failure(state: &AppState, name: &str) -> Result<bool, AppError> {
    let now = state.now();
    let user = state.store.user(name).await.map_err(AppError::store)?;
    let attempt = user.as_ref().map_or(1, |u| u.failed_logins + 1);
    let until = now + backoff(&state.config, attempt);
    let claimed = state
        .store
        .claim_login_attempt(name, state.config.lockout_after, until, now)
        .await
        .map_err(AppError::store)?;
    Ok(claimed.is_none_or(|n| n >= state.config.lockout_after))
}

/// Checks a login.
///
/// 1. The attempt is counted against its address (IPv6: its /64) and decided on that
///    count, in one step; an address over its limit is refused here, before any password
///    check or store read, and only its first refusal is audited.
/// 2. It waits for one of the few places to verify a password; with none free soon it is
///    answered busy.
/// 3. The attempt is claimed against the account before the check, in one statement
///    ([`spor_store::WebStore::claim_login_attempt`]), and decided on that claim: of
///    parallel attempts past the limit only one goes ahead. From the `lockout_after`th
///    attempt in a row on, each sets a back-off before the next one may go ahead, doubling
///    up to `lockout_for` (a progressive delay, not a lock that stays).
/// 4. Exactly one argon2 verification runs whatever the name, against a dummy hash for
///    unknown ones, and the same statements run, so unknown names, wrong passwords, locked
///    and disabled accounts take the same work and get the same answer.
///
/// An attempt carrying the cookie of a device its user completed a login from (within the
/// last [`DEVICE_TRUST_DAYS`] days) is counted against that device instead of the account
/// ([`spor_store::WebStore::claim_device_attempt`]): whoever only knows the name, and
/// guesses from elsewhere, sets the account's back-off for every other client but not for
/// the user's own devices; a device that fails `lockout_after` times in a row is trusted
/// no more, and its attempts count against the account like any other.
pub(crate) async fn attempt_login(
    state: &AppState,
    info: &RequestInfo,
    name: &str,
    password: &str,
    device: Option<&str>,
) -> Result<LoginResult, AppError> {
    let begun = state.now();
    let key = crate::transport::limit_key(&info.address);
    if let Admission::Refused { record } = state.limiter.begin(&key, begun, &state.config) {
        if record {
            let ev = audit::event(
                info,
                None,
                Event::LoginFailure,
                None,
                Some(
                    "too many attempts from this address: refused unchecked until its window \
                     has passed (further refusals are not recorded)"
                        .into(),
                ),
            );
            audit::record(state, ev).await?;
        }
        return Ok(LoginResult::Failed);
    }
    let Some(permit) = state.password_checks.admit().await else {
        state.limiter.take_back(&key, begun);
        return Ok(LoginResult::Busy);
    };
    // Read once a check is free, so a lock set by the attempts before this one is seen.
    let now = state.now();
    let user: Option<UserRow> = if name.is_empty() || name.len() > 100 {
        None
    } else {
        state.store.user(name).await.map_err(AppError::store)?
    };
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let pw = password.to_string();
    let named = !name.is_empty() && name.len() <= 100;
    let device_hash = if named {
        claim_device(state, name, device, now).await?
    } else {
        None
    };
    let trusted = device_hash.is_some();
    let claim = if !named {
        None
    } else if trusted {
        // Counted against the device; the account's count and back-off are left alone.
        Some(0)
    } else {
        // The back-off this attempt sets if it is past the limit (from the count read
        // above; the decision itself is the store's, on its own count).
        let attempt = user.as_ref().map_or(1, |u| u.failed_logins + 1);
        let until = now + backoff(&state.config, attempt);
        state
            .store
            .claim_login_attempt(name, state.config.lockout_after, until, now)
            .await
            .map_err(AppError::store)?
    };
    let password_ok = state
        .password_checks
        .run(permit, move || verify_password(&pw, &hash))
        .await;
    let locked = user.is_some() && claim.is_none();
    let ok = password_ok
        && !locked
        && user
            .as_ref()
            .is_some_and(|u| !u.disabled && Role::parse_list(&u.roles).is_ok());

    match user {
        Some(u) if ok => {
            state.limiter.take_back(&key, begun);
            device_succeeded(state, device_hash.as_deref()).await?;
            // The attempt was claimed (counted, and past the limit given a back-off) before
            // the check: a right password is no failure, so the account is as it was before
            // it. The count starts again only once the login is complete (second factor).
            let before = UserUpdate {
                login_state: Some((u.failed_logins, u.locked_until)),
                ..Default::default()
            };
            state
                .store
                .update_user(&u.name, &before, now)
                .await
                .map_err(AppError::store)?;
            // The second factor comes next, unless every role of the account is exempt.
            let exempt = spor_app::second_factor::exempt_roles(state.store.as_ref())
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "cannot read the second-factor policy");
                    AppError::Internal
                })?;
            let roles = Role::parse_list(&u.roles).unwrap_or_default();
            if spor_app::second_factor::required(&roles, &exempt) {
                let raw = start_session(state, &u.name, None).await?;
                let stage = if u.has_second_factor() {
                    Stage::SecondFactor
                } else {
                    Stage::Enrol
                };
                return Ok(LoginResult::Ok(raw, stage));
            }
            clear_failures(state, &u).await?;
            let raw = start_session(state, &u.name, Some(now)).await?;
            let ev = audit::event(
                info,
                Some(&u.name),
                Event::LoginSuccess,
                None,
                Some("password; every role exempt from the second factor".into()),
            );
            audit::record(state, ev).await?;
            let stage = if u.must_change_password {
                Stage::ChangePassword
            } else {
                Stage::Complete
            };
            Ok(LoginResult::Ok(raw, stage))
        }
        Some(u) => {
            let detail = match claim {
                None => "refused: waiting for the back-off after failed logins".into(),
                Some(_) if u.disabled => "account disabled".into(),
                Some(_) if trusted => "wrong password, from one of the account's devices".into(),
                Some(n) if n >= state.config.lockout_after => format!(
                    "wrong password; {n} attempts in a row, the next after {} s",
                    backoff(&state.config, n).num_seconds()
                ),
                Some(_) => "wrong password".to_string(),
            };
            let ev = audit::event(info, Some(&u.name), Event::LoginFailure, None, Some(detail));
            audit::record(state, ev).await?;
            Ok(LoginResult::Failed)
        }
        None => {
            let ev = audit::event(
                info,
                None,
                Event::LoginFailure,
                None,
                Some("unknown account".into()),
            );
            audit::record(state, ev).await?;
            Ok(LoginResult::Failed)
        }
    }
}

/// Claims an attempt of `name` against the device whose cookie the request carried
/// (`device`), when it is one of `name`'s trusted devices with attempts left; then the
/// cookie's hash, and the account's back-off does not hold this attempt back (see
/// [`attempt_login`]).
pub(crate) async fn claim_device(
    state: &AppState,
    name: &str,
    device: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let Some(hash) = device.filter(|t| t.len() == 64).map(sha256_hex) else {
        return Ok(None);
    };
    let trusted = state
        .store
        .claim_device_attempt(
            &hash,
            name,
            state.config.lockout_after,
            now - chrono::Duration::days(DEVICE_TRUST_DAYS),
            now,
        )
        .await
        .map_err(AppError::store)?;
    Ok(trusted.then_some(hash))
}

/// A step of a login from the trusted device `hash` succeeded: its count starts again.
pub(crate) async fn device_succeeded(state: &AppState, hash: Option<&str>) -> Result<(), AppError> {
    if let Some(h) = hash {
        state
            .store
            .clear_device_failures(h)
            .await
            .map_err(AppError::store)?;
    }
    Ok(())
}

/// Makes the device of a completed login one its user is trusted from (see
/// [`attempt_login`]): a new device cookie, replacing the one the request carried; the
/// `Set-Cookie` header to send.
pub(crate) async fn remember_device(
    state: &AppState,
    name: &str,
    headers: &HeaderMap,
    info: &RequestInfo,
) -> Result<HeaderValue, AppError> {
    let token = random_token();
    let old = our_cookie(headers, DEVICE_COOKIE, info.secure).map(sha256_hex);
    state
        .store
        .trust_device(&sha256_hex(&token), name, old.as_deref(), state.now())
        .await
        .map_err(AppError::store)?;
    Ok(set_cookie(
        DEVICE_COOKIE,
        &token,
        Some(DEVICE_TRUST_DAYS * 24 * 3600),
        info.secure,
    ))
}

/// The back-off the `attempt`th login attempt in a row sets: none before the limit, then
/// `backoff_start` doubling with each attempt, at most `lockout_for`.
fn backoff(cfg: &crate::Config, attempt: i64) -> chrono::Duration {
    if attempt < cfg.lockout_after {
        return chrono::Duration::zero();
    }
    let doublings = (attempt - cfg.lockout_after).clamp(0, 30) as u32;
    let d = cfg.backoff_start.saturating_mul(1 << doublings);
    chrono::Duration::from_std(d.min(cfg.lockout_for)).unwrap_or_default()
}

/// Ends a session in the store.
pub(crate) async fn logout(state: &AppState, s: &Session) -> Result<(), AppError> {
    state
        .store
        .delete_session(&s.id_hash)
        .await
        .map_err(AppError::store)
}

/// Why a role extractor refused a request.
#[derive(Debug)]
pub enum AuthRejection {
    /// Not logged in: to the login page, back here afterwards.
    Login {
        next: String,
    },
    /// Logged in without the role.
    Forbidden(RequestInfo, Session),
    /// The login is not complete: to its next step (a path), then on to `next`.
    Step {
        to: &'static str,
        next: String,
    },
    /// A privileged action without a recent re-authentication: to re-authenticate, then
    /// back to `next`.
    Reauthenticate {
        next: String,
    },
    Error(AppError, RequestInfo),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Login { next } => Redirect::to(&format!(
                "/login?next={}",
                crate::pages::encode_query(&next)
            ))
            .into_response(),
            AuthRejection::Forbidden(info, s) => {
                AppError::Forbidden.into_response_with(&info, Some(&s))
            }
            AuthRejection::Step { to, next } => {
                Redirect::to(&format!("{to}?next={}", crate::pages::encode_query(&next)))
                    .into_response()
            }
            AuthRejection::Reauthenticate { next } => Redirect::to(&format!(
                "/account/reauthenticate?next={}",
                crate::pages::encode_query(&next)
            ))
            .into_response(),
            AuthRejection::Error(e, info) => e.into_response_for(&info),
        }
    }
}

fn info_of(parts: &Parts) -> RequestInfo {
    parts
        .extensions
        .get::<RequestInfo>()
        .cloned()
        .unwrap_or(RequestInfo {
            address: "unknown".into(),
            secure: false,
            lang: Lang::Da,
            path: parts.uri.path().to_string(),
            expired: false,
        })
}

/// Where to come back to after logging in: the page asked for (a GET), or `/`.
fn back_to(parts: &Parts) -> String {
    if parts.method == Method::GET {
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into())
    } else {
        "/".into()
    }
}

/// The session of a request at any step of its login (the pages of those steps).
fn session_of(parts: &Parts) -> Option<Session> {
    parts.extensions.get::<Option<Session>>().cloned().flatten()
}

async fn require(
    parts: &Parts,
    state: &AppState,
    role: Option<Role>,
) -> Result<(Session, RequestInfo), AuthRejection> {
    let info = info_of(parts);
    let Some(s) = session_of(parts) else {
        return Err(AuthRejection::Login {
            next: back_to(parts),
        });
    };
    if s.stage != Stage::Complete {
        return Err(AuthRejection::Step {
            to: s.stage.path(),
            next: back_to(parts),
        });
    }
    if let Some(r) = role
        && !s.has(r)
    {
        let ev = audit::event(
            &info,
            Some(&s.user),
            Event::AccessDenied,
            Some(&info.path),
            Some(format!("needs role {}", r.code())),
        );
        if let Err(e) = audit::record(state, ev).await {
            return Err(AuthRejection::Error(e, info));
        }
        return Err(AuthRejection::Forbidden(info, s));
    }
    Ok((s, info))
}

macro_rules! role_extractor {
    ($(#[$m:meta])* $name:ident, $role:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Session, pub RequestInfo);

        impl FromRequestParts<AppState> for $name {
            type Rejection = AuthRejection;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
                let (s, i) = require(parts, state, $role).await?;
                Ok($name(s, i))
            }
        }
    };
}

/// After a privileged action was refused for want of a recent re-authentication: the
/// page to come back to (a GET as asked; after a POST, the page of its section).
fn reauth_next(parts: &Parts) -> String {
    if parts.method == Method::GET {
        return back_to(parts);
    }
    let path = parts.uri.path();
    let section: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).take(2).collect();
    format!("/{}", section.join("/"))
}

macro_rules! recent_extractor {
    ($(#[$m:meta])* $name:ident, $role:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Session, pub RequestInfo);

        impl FromRequestParts<AppState> for $name {
            type Rejection = AuthRejection;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
                let (s, i) = require(parts, state, Some($role)).await?;
                if !s.recently_verified(state.now(), state.config.reauth_within) {
                    return Err(AuthRejection::Reauthenticate { next: reauth_next(parts) });
                }
                Ok($name(s, i))
            }
        }
    };
}

recent_extractor!(
    /// An administrator who gave password and second factor within the last few minutes:
    /// for granting roles, resetting passwords and second factors, code lists, settings.
    RecentAdmin, Role::Admin);
recent_extractor!(
    /// An account allowed to export the whole register ([`Role::Exporter`]) that gave
    /// password and second factor within the last few minutes.
    RecentExporter, Role::Exporter);

/// A session at any step of its login: for the pages of the steps (second factor,
/// enrolment, password change) and logout.
#[derive(Debug, Clone)]
pub struct AnySession(pub Session, pub RequestInfo);

impl FromRequestParts<AppState> for AnySession {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match session_of(parts) {
            Some(s) => Ok(AnySession(s, info_of(parts))),
            None => Err(AuthRejection::Login {
                next: back_to(parts),
            }),
        }
    }
}

role_extractor!(
    /// Any logged-in user.
    LoggedIn, None);
role_extractor!(
    /// A user with the caseworker role: sees person-level records.
    Caseworker, Some(Role::Caseworker));
role_extractor!(
    /// A user with the analyst role: statistics only.
    Analyst, Some(Role::Analyst));
role_extractor!(
    /// A user with the administrator role: accounts, code lists, settings, audit trail.
    Admin, Some(Role::Admin));

/// The request's facts and its session if any (for pages open to everyone).
#[derive(Debug, Clone)]
pub struct Anyone(pub Option<Session>, pub RequestInfo);

impl FromRequestParts<AppState> for Anyone {
    type Rejection = StatusCode;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Anyone(
            parts.extensions.get::<Option<Session>>().cloned().flatten(),
            info_of(parts),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse battery!", &h));
        assert!(!verify_password("correct horse battery", dummy_hash()));
    }

    #[test]
    fn role_lists_parse_and_name_the_bad_entry() {
        assert_eq!(
            Role::parse_list("caseworker, admin").unwrap(),
            vec![Role::Caseworker, Role::Admin]
        );
        let e = Role::parse_list("caseworker,boss").unwrap_err();
        assert!(e.contains("boss"), "{e}");
        assert!(Role::parse_list("").is_err());
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; spor_session=abc; spor_session_x=2"),
        );
        assert_eq!(cookie(&h, "spor_session"), Some("abc"));
        assert_eq!(cookie(&h, "b"), None);
    }
}
