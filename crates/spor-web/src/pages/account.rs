//! The steps of a login after the password (the second factor, or its enrolment; a new
//! password where an administrator set it), the user's own password change, and
//! re-authentication before a privileged action.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use spor_app::accounts::{self, AccountError};
use spor_app::audit::Actor;
use spor_app::second_factor::{self, Proof, SecondFactorError};

use super::{AppError, PageResult, page, page_with, safe_next};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::{self, AnySession, LoggedIn, RequestInfo, SESSION_COOKIE, Session, Stage};
use crate::i18n::Lang;
use crate::views::{Chrome, EnrolPage, PasswordPage, RecoveryCodesPage, SecondFactorPage};

type F = Form<HashMap<String, String>>;
type Q = Query<HashMap<String, String>>;

fn next_of(m: &HashMap<String, String>) -> String {
    safe_next(m.get("next").map(String::as_str).unwrap_or("/"))
}

fn actor<'a>(s: &'a Session, info: &'a RequestInfo) -> Actor<'a> {
    Actor {
        name: Some(&s.user),
        address: &info.address,
    }
}

/// A session at another step than `stage`: to its own step (or on, when complete).
fn elsewhere(s: &Session, next: &str) -> Response {
    match s.stage {
        Stage::Complete => Redirect::to(next).into_response(),
        other => Redirect::to(&format!(
            "{}?next={}",
            other.path(),
            super::encode_query(next)
        ))
        .into_response(),
    }
}

fn code_page(
    info: &RequestInfo,
    s: &Session,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    page_with(
        status,
        &SecondFactorPage {
            c: Chrome::new(info, Some(s), info.lang.s("second_factor")),
            action: "/login/second-factor".into(),
            next,
            intro: info.lang.s("sf_intro").into(),
            ask_password: false,
            ask_code: true,
            error,
        },
    )
}

pub async fn second_factor_page(AnySession(s, info): AnySession, Query(q): Q) -> PageResult {
    let next = next_of(&q);
    if s.stage != Stage::SecondFactor {
        return Ok(elsewhere(&s, &next));
    }
    code_page(&info, &s, next, None, StatusCode::OK)
}

/// Ends the session of a user whose account got locked while giving the second factor.
async fn locked_out(st: &AppState, s: &Session, info: &RequestInfo) -> PageResult {
    auth::logout(st, s).await?;
    let mut res = Redirect::to("/login?locked=1").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(SESSION_COOKIE, "", Some(0), info.secure),
    );
    Ok(res)
}

/// Checks the second factor of a session's user; `Ok(None)` when it was right, else
/// the message to show (the failure counted and audited). A locked account is refused
/// without looking at the code, unless the request comes from one of the user's trusted
/// devices (`trusted`: the hash [`auth::claim_device`] gave for this attempt), which the
/// account's back-off does not hold back: the attempt is counted against the device
/// instead (see [`auth::attempt_login`]).
async fn check_code(
    st: &AppState,
    s: &Session,
    info: &RequestInfo,
    code: &str,
    trusted: Option<String>,
) -> Result<Result<Proof, Option<String>>, AppError> {
    let now = st.now();
    let user = st.store.user(&s.user).await?.ok_or(AppError::Forbidden)?;
    if user.disabled || (trusted.is_none() && user.locked_until.is_some_and(|t| t > now)) {
        return Ok(Err(None));
    }
    let why =
        match second_factor::verify(st.store.as_ref(), actor(s, info), &s.user, code, now).await {
            Ok(p) => {
                auth::device_succeeded(st, trusted.as_deref()).await?;
                return Ok(Ok(p));
            }
            Err(SecondFactorError::WrongCode) => ("wrong code", "sf_wrong"),
            Err(SecondFactorError::Replayed) => ("code used already", "sf_replayed"),
            Err(SecondFactorError::NotEnrolled) => return Err(AppError::Forbidden),
            Err(e) => {
                tracing::error!(error = %e, "cannot check a second factor");
                return Err(AppError::Internal);
            }
        };
    st.limiter.fail(&info.address, now, &st.config);
    // From a trusted device the failure was counted against it by the claim above.
    let locked = trusted.is_none() && auth::count_failure(st, &s.user).await?;
    let ev = audit::event(
        info,
        Some(&s.user),
        Event::SecondFactorFailure,
        None,
        Some(why.0.into()),
    );
    audit::record(st, ev).await?;
    Ok(Err((!locked).then(|| info.lang.s(why.1).to_string())))
}

pub async fn second_factor(
    State(st): State<AppState>,
    AnySession(s, info): AnySession,
    headers: HeaderMap,
    Form(f): F,
) -> PageResult {
    let next = next_of(&f);
    if s.stage != Stage::SecondFactor {
        return Ok(elsewhere(&s, &next));
    }
    let code = f.get("code").map(String::as_str).unwrap_or("");
    let device = auth::our_cookie(&headers, auth::DEVICE_COOKIE, info.secure);
    let trusted = auth::claim_device(&st, &s.user, device, st.now()).await?;
    match check_code(&st, &s, &info, code, trusted).await? {
        Ok(proof) => {
            let user = st.store.user(&s.user).await?.ok_or(AppError::Forbidden)?;
            auth::clear_failures(&st, &user).await?;
            let (raw, _) =
                auth::renew_session(&st, &s, user.must_change_password, st.now()).await?;
            let how = match proof {
                Proof::Totp => "password and TOTP code".to_string(),
                Proof::RecoveryCode { left } => {
                    format!("password and a recovery code ({left} left)")
                }
            };
            let ev = audit::event(&info, Some(&s.user), Event::LoginSuccess, None, Some(how));
            audit::record(&st, ev).await?;
            let device = auth::remember_device(&st, &s.user, &headers, &info).await?;
            let mut res = Redirect::to(&next).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                auth::set_cookie(SESSION_COOKIE, &raw, None, info.secure),
            );
            res.headers_mut().append(header::SET_COOKIE, device);
            Ok(res)
        }
        Err(Some(msg)) => code_page(&info, &s, next, Some(msg), StatusCode::UNAUTHORIZED),
        Err(None) => locked_out(&st, &s, &info).await,
    }
}

async fn enrol_form(
    st: &AppState,
    s: &Session,
    info: &RequestInfo,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let e = second_factor::begin_enrolment(st.store.as_ref(), &s.user, st.now())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot start an enrolment of a second factor");
            AppError::Internal
        })?;
    page_with(
        status,
        &EnrolPage {
            c: Chrome::new(info, Some(s), info.lang.s("enrol_title")),
            secret: e.grouped_secret(),
            url: e.url.clone(),
            qr: format!("data:image/png;base64,{}", e.qr_png_base64),
            next,
            error,
        },
    )
}

pub async fn enrol_page(
    State(st): State<AppState>,
    AnySession(s, info): AnySession,
    Query(q): Q,
) -> PageResult {
    let next = next_of(&q);
    if s.stage != Stage::Enrol {
        return Ok(elsewhere(&s, &next));
    }
    enrol_form(&st, &s, &info, next, None, StatusCode::OK).await
}

pub async fn enrol(
    State(st): State<AppState>,
    AnySession(s, info): AnySession,
    headers: HeaderMap,
    Form(f): F,
) -> PageResult {
    let next = next_of(&f);
    if s.stage != Stage::Enrol {
        return Ok(elsewhere(&s, &next));
    }
    let code = f.get("code").map(String::as_str).unwrap_or("");
    let now = st.now();
    match second_factor::confirm_enrolment(st.store.as_ref(), actor(&s, &info), &s.user, code, now)
        .await
    {
        Ok(codes) => {
            let user = st.store.user(&s.user).await?.ok_or(AppError::Forbidden)?;
            auth::clear_failures(&st, &user).await?;
            let (raw, renewed) =
                auth::renew_session(&st, &s, user.must_change_password, now).await?;
            let ev = audit::event(
                &info,
                Some(&s.user),
                Event::LoginSuccess,
                None,
                Some("password; second factor enrolled".into()),
            );
            audit::record(&st, ev).await?;
            let mut res = page(&RecoveryCodesPage {
                c: Chrome::new(&info, Some(&renewed), info.lang.s("recovery_title")),
                codes,
                next,
            })?;
            res.headers_mut().append(
                header::SET_COOKIE,
                auth::set_cookie(SESSION_COOKIE, &raw, None, info.secure),
            );
            let device = auth::remember_device(&st, &s.user, &headers, &info).await?;
            res.headers_mut().append(header::SET_COOKIE, device);
            Ok(res)
        }
        Err(SecondFactorError::WrongCode) => {
            let msg = info.lang.s("sf_wrong").to_string();
            enrol_form(
                &st,
                &s,
                &info,
                next,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(SecondFactorError::AlreadyEnrolled | SecondFactorError::NotEnrolling) => {
            Ok(Redirect::to("/").into_response())
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot confirm an enrolment of a second factor");
            Err(AppError::Internal)
        }
    }
}

fn password_form(
    info: &RequestInfo,
    s: &Session,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    page_with(
        status,
        &PasswordPage {
            c: Chrome::new(info, Some(s), info.lang.s("change_password")),
            forced: s.stage == Stage::ChangePassword,
            error,
        },
    )
}

/// The text of a refused account change in the page's language.
pub(crate) fn account_message(lang: Lang, e: &AccountError) -> String {
    match lang {
        Lang::Da => e.danish(),
        Lang::En => e.english(),
    }
}

pub async fn password_page(AnySession(s, info): AnySession) -> PageResult {
    if !matches!(s.stage, Stage::ChangePassword | Stage::Complete) {
        return Ok(elsewhere(&s, "/"));
    }
    password_form(&info, &s, None, StatusCode::OK)
}

pub async fn change_password(
    State(st): State<AppState>,
    AnySession(s, info): AnySession,
    Form(f): F,
) -> PageResult {
    if !matches!(s.stage, Stage::ChangePassword | Stage::Complete) {
        return Ok(elsewhere(&s, "/"));
    }
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let (current, new) = (get("current"), get("new"));
    if new != get("repeat") {
        let msg = info.lang.s("passwords_differ").to_string();
        return password_form(&info, &s, Some(msg), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let now = st.now();
    let changed = accounts::change_own_password(
        st.store.as_ref(),
        actor(&s, &info),
        &s.user,
        current,
        new,
        now,
    )
    .await;
    match changed {
        Ok(()) => {
            // The account's sessions ended with the change; this one goes on as a new
            // session, as verified as before.
            let raw = auth::start_session(&st, &s.user, s.verified_at).await?;
            let mut res = Redirect::to("/").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                auth::set_cookie(SESSION_COOKIE, &raw, None, info.secure),
            );
            Ok(res)
        }
        Err(AccountError::Failed(e)) => {
            tracing::error!(error = %e, "cannot change a password");
            Err(AppError::Internal)
        }
        Err(e) => {
            if matches!(e, AccountError::WrongPassword) && auth::count_failure(&st, &s.user).await?
            {
                return locked_out(&st, &s, &info).await;
            }
            let msg = account_message(info.lang, &e);
            password_form(&info, &s, Some(msg), StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

async fn reauth_form(
    st: &AppState,
    s: &Session,
    info: &RequestInfo,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let has_factor = st
        .store
        .user(&s.user)
        .await?
        .is_some_and(|u| u.has_second_factor());
    page_with(
        status,
        &SecondFactorPage {
            c: Chrome::new(info, Some(s), info.lang.s("reauth_title")),
            action: "/account/reauthenticate".into(),
            next,
            intro: info.lang.s("reauth_intro").into(),
            ask_password: true,
            ask_code: has_factor,
            error,
        },
    )
}

pub async fn reauthenticate_page(
    State(st): State<AppState>,
    LoggedIn(s, info): LoggedIn,
    Query(q): Q,
) -> PageResult {
    reauth_form(&st, &s, &info, next_of(&q), None, StatusCode::OK).await
}

/// Password and second factor again: the session counts as verified now.
pub async fn reauthenticate(
    State(st): State<AppState>,
    LoggedIn(s, info): LoggedIn,
    headers: HeaderMap,
    Form(f): F,
) -> PageResult {
    let next = next_of(&f);
    let now = st.now();
    // From one of the user's trusted devices the account's back-off (which anyone who
    // knows the name can set) does not hold the attempt back; it counts against the device.
    let device = auth::our_cookie(&headers, auth::DEVICE_COOKIE, info.secure);
    let trusted = auth::claim_device(&st, &s.user, device, now).await?;
    let user = st.store.user(&s.user).await?.ok_or(AppError::Forbidden)?;
    let password = f.get("password").cloned().unwrap_or_default();
    let stored = user.password_hash.clone();
    let password_ok =
        tokio::task::spawn_blocking(move || auth::verify_password(&password, &stored))
            .await
            .unwrap_or(false);
    let refused = |detail: &str| {
        audit::event(
            &info,
            Some(&s.user),
            Event::LoginFailure,
            Some("/account/reauthenticate"),
            Some(detail.to_string()),
        )
    };
    if !password_ok || (trusted.is_none() && user.locked_until.is_some_and(|t| t > now)) {
        st.limiter.fail(&info.address, now, &st.config);
        let locked = trusted.is_none() && auth::count_failure(&st, &s.user).await?;
        audit::record(&st, refused("re-authentication: wrong password")).await?;
        if locked {
            return locked_out(&st, &s, &info).await;
        }
        let msg = info.lang.s("reauth_failed").to_string();
        return reauth_form(&st, &s, &info, next, Some(msg), StatusCode::UNAUTHORIZED).await;
    }
    if user.has_second_factor() {
        let code = f.get("code").map(String::as_str).unwrap_or("");
        match check_code(&st, &s, &info, code, trusted.clone()).await? {
            Ok(_) => {}
            Err(Some(_)) => {
                let msg = info.lang.s("reauth_failed").to_string();
                return reauth_form(&st, &s, &info, next, Some(msg), StatusCode::UNAUTHORIZED)
                    .await;
            }
            Err(None) => return locked_out(&st, &s, &info).await,
        }
    }
    auth::device_succeeded(&st, trusted.as_deref()).await?;
    st.store.verify_session(&s.id_hash, now).await?;
    let ev = audit::event(&info, Some(&s.user), Event::Reauthenticate, None, None);
    audit::record(&st, ev).await?;
    Ok(Redirect::to(&next).into_response())
}
