//! The route handlers, one module per audience.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::auth::RequestInfo;
use crate::i18n::Lang;
use crate::views::{Chrome, MessagePage};

pub mod account;
pub mod admin;
pub mod analyst;
pub mod caseworker;
pub mod common;
pub mod identity;
pub mod releases;

/// What can go wrong in a handler, as the user sees it. The cause is logged (without
/// record content) where it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppError {
    Forbidden,
    Csrf,
    NotFound,
    BadRequest,
    Internal,
}

impl AppError {
    pub(crate) fn store(e: spor_store::StoreError) -> AppError {
        tracing::error!(error = %e, "store error");
        AppError::Internal
    }

    fn status_and_key(self) -> (StatusCode, &'static str) {
        match self {
            AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::Csrf => (StatusCode::FORBIDDEN, "csrf"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            AppError::BadRequest => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The error page in the request's language.
    pub fn into_response_for(self, info: &RequestInfo) -> Response {
        self.into_response_with(info, None)
    }

    /// The error page with the user's navigation (so a refused user can go on or log out).
    pub fn into_response_with(
        self,
        info: &RequestInfo,
        session: Option<&crate::auth::Session>,
    ) -> Response {
        let (status, key) = self.status_and_key();
        let mut c = Chrome::new(info, session, info.lang.s(key));
        c.title = info.lang.s(key).to_string();
        let page = MessagePage {
            c,
            message: info.lang.s(key).to_string(),
        };
        let mut res = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, info.lang.s(key)).into_response(),
        };
        // Marks the page as an error page, which `auth::session_layer` renders again with
        // the user's navigation when the handler did not know the session.
        res.extensions_mut().insert(self);
        res
    }
}

impl From<spor_store::StoreError> for AppError {
    fn from(e: spor_store::StoreError) -> Self {
        AppError::store(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template error");
        AppError::Internal
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let info = RequestInfo {
            address: String::new(),
            secure: false,
            lang: Lang::Da,
            path: "/".into(),
            expired: false,
        };
        self.into_response_for(&info)
    }
}

pub(crate) type PageResult = Result<Response, AppError>;

/// Renders a template as a 200 page.
pub(crate) fn page<T: Template>(t: &T) -> PageResult {
    Ok(Html(t.render()?).into_response())
}

/// Renders a template with a status.
pub(crate) fn page_with<T: Template>(status: StatusCode, t: &T) -> PageResult {
    Ok((status, Html(t.render()?)).into_response())
}

/// A stored UTC stamp as Copenhagen local time, `2026-11-25 13:43:08`.
pub(crate) fn local_time(stamp: &str) -> String {
    match spor_store::web::parse_stamp(stamp) {
        Some(t) => t
            .with_timezone(&chrono_tz::Europe::Copenhagen)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        None => stamp.to_string(),
    }
}

/// Percent-encodes a query value (everything but unreserved characters and `/`).
pub fn encode_query(s: &str) -> String {
    encode(s, true)
}

/// Percent-encodes a path segment (a ref may contain `/`, spaces, anything).
pub fn encode_segment(s: &str) -> String {
    encode(s, false)
}

fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A local path to go back to after login or a language switch; anything else is `/`.
pub(crate) fn safe_next(next: &str) -> String {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
    {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next("/cases?year=2026"), "/cases?year=2026");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
    }

    #[test]
    fn refs_are_encoded_as_one_path_segment() {
        assert_eq!(encode_segment("C/1 æ"), "C%2F1%20%C3%A6");
        assert_eq!(encode_query("/cases/C-1"), "/cases/C-1");
    }
}
