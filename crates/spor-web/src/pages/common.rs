//! Pages for everyone: health, login and logout, the language switch, the start page.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::{AppError, PageResult, page, page_with, safe_next};
use crate::AppState;
use crate::audit::{self, Event};
use crate::auth::{
    self, AnySession, Anyone, LANG_COOKIE, LOGIN_CSRF_COOKIE, LoginResult, Role, SESSION_COOKIE,
};
use crate::views::{Chrome, LoginPage, MessagePage};

/// Liveness: answers without login and without touching person data.
pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/app.css"),
    )
        .into_response()
}

/// Sends each user to their first page.
pub async fn home(Anyone(session, info): Anyone) -> PageResult {
    let Some(s) = session else {
        return Ok(Redirect::to("/login").into_response());
    };
    if s.stage != auth::Stage::Complete {
        return Ok(Redirect::to(s.stage.path()).into_response());
    }
    let to = if s.has(Role::Caseworker) {
        "/cases"
    } else if s.has(Role::Analyst) {
        "/dashboard"
    } else if s.has(Role::Admin) {
        "/admin/users"
    } else {
        let c = Chrome::new(&info, Some(&s), info.lang.s("welcome"));
        return page(&MessagePage {
            message: info.lang.s("no_role").into(),
            c,
        });
    };
    Ok(Redirect::to(to).into_response())
}

pub async fn set_lang(
    Anyone(_, info): Anyone,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let back = safe_next(q.get("back").map(String::as_str).unwrap_or("/"));
    lang_answer(&info, &q, &back)
}

/// The language switch of a record form: it sends the form, so what was typed is kept and
/// the form comes back filled in, in the other language.
pub async fn set_lang_keeping_form(
    State(state): State<AppState>,
    Anyone(session, info): Anyone,
    Query(q): Query<HashMap<String, String>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let back = safe_next(q.get("back").map(String::as_str).unwrap_or("/"));
    let kept = (session.is_some() && crate::resume::is_record_form(&back))
        .then(|| state.stash.put(state.now(), &back, form))
        .flatten();
    let to = match kept {
        Some(token) => format!("{back}?resume={token}"),
        None => back,
    };
    lang_answer(&info, &q, &to)
}

fn lang_answer(info: &crate::auth::RequestInfo, q: &HashMap<String, String>, to: &str) -> Response {
    let lang = if q.get("to").map(String::as_str) == Some("en") {
        "en"
    } else {
        "da"
    };
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(LANG_COOKIE, lang, Some(365 * 24 * 3600), info.secure),
    );
    res
}

fn login_form(
    info: &crate::auth::RequestInfo,
    next: &str,
    name: &str,
    error: Option<String>,
    notice: Option<String>,
) -> (String, LoginPage) {
    let token = auth::random_token();
    let c = Chrome::new(info, None, info.lang.s("login"));
    let p = LoginPage {
        c,
        login_csrf: token.clone(),
        next: safe_next(next),
        name: name.to_string(),
        error,
        notice,
    };
    (token, p)
}

fn with_login_cookie(mut res: Response, token: &str, secure: bool) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(LOGIN_CSRF_COOKIE, token, Some(3600), secure),
    );
    res
}

pub async fn login_page(
    Anyone(session, info): Anyone,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let next = q.get("next").map(String::as_str).unwrap_or("/");
    if session.is_some() {
        return Ok(Redirect::to(&safe_next(next)).into_response());
    }
    let notice = if info.expired {
        Some(info.lang.s("session_ended").to_string())
    } else if q.contains_key("bye") {
        Some(info.lang.s("logged_out").to_string())
    } else if q.contains_key("locked") {
        Some(info.lang.s("sf_locked").to_string())
    } else {
        None
    };
    let (token, p) = login_form(&info, next, "", None, notice);
    let mut res = page(&p)?;
    if info.expired {
        res.headers_mut().append(
            header::SET_COOKIE,
            auth::set_cookie(SESSION_COOKIE, "", Some(0), info.secure),
        );
    }
    Ok(with_login_cookie(res, &token, info.secure))
}

pub async fn login(
    State(state): State<AppState>,
    Anyone(_, info): Anyone,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let cookie_token = auth::our_cookie(&headers, LOGIN_CSRF_COOKIE, info.secure).unwrap_or("");
    if cookie_token.len() != 64 || field("csrf") != cookie_token {
        // Counted against the address like a failed login, so a flood of them from one
        // address adds one audit event, not one each.
        if auth::count_refused_login(&state, &info) {
            let ev = audit::event(&info, None, Event::CsrfRejected, Some("/login"), None);
            audit::record(&state, ev).await?;
        }
        return Ok(AppError::Csrf.into_response_for(&info));
    }
    let name = field("name").trim().to_string();
    let device = auth::our_cookie(&headers, auth::DEVICE_COOKIE, info.secure);
    match auth::attempt_login(&state, &info, &name, field("password"), device).await? {
        LoginResult::Ok(raw, stage) => {
            let next = safe_next(field("next"));
            // Without a second factor to give, the login is complete: the device is
            // trusted from now on.
            let device = match stage {
                auth::Stage::SecondFactor | auth::Stage::Enrol => None,
                _ => Some(auth::remember_device(&state, &name, &headers, &info).await?),
            };
            let to = match stage {
                auth::Stage::Complete => next,
                step => format!("{}?next={}", step.path(), super::encode_query(&next)),
            };
            let mut res = Redirect::to(&to).into_response();
            let h = res.headers_mut();
            if let Some(c) = device {
                h.append(header::SET_COOKIE, c);
            }
            h.append(
                header::SET_COOKIE,
                auth::set_cookie(SESSION_COOKIE, &raw, None, info.secure),
            );
            h.append(
                header::SET_COOKIE,
                auth::set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), info.secure),
            );
            Ok(res)
        }
        result @ (LoginResult::Failed | LoginResult::Busy) => {
            let (token, p) = login_form(
                &info,
                field("next"),
                &name,
                Some(info.lang.s("login_failed").into()),
                None,
            );
            let busy = matches!(result, LoginResult::Busy);
            let status = if busy {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::UNAUTHORIZED
            };
            let mut res = page_with(status, &p)?;
            if busy {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            }
            Ok(with_login_cookie(res, &token, info.secure))
        }
    }
}

pub async fn logout(State(state): State<AppState>, AnySession(s, info): AnySession) -> PageResult {
    auth::logout(&state, &s).await?;
    let ev = audit::event(&info, Some(&s.user), Event::Logout, None, None);
    audit::record(&state, ev).await?;
    let mut res = Redirect::to("/login?bye=1").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(SESSION_COOKIE, "", Some(0), info.secure),
    );
    Ok(res)
}

pub async fn not_found(Anyone(_, info): Anyone) -> Response {
    AppError::NotFound.into_response_for(&info)
}
