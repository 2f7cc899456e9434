//! Forms that could not be sent, kept so that nothing typed is lost: when the session has
//! ended (the user logs in again and is back on the form), or when the form's CSRF token is
//! stale because the user logged in again in another tab (the form comes back filled, with
//! a fresh token). What was typed stays in the server's memory under a random token, for
//! one hour and one use; it is never logged.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// How long a kept form waits for its user.
const KEEP_FOR_MINUTES: i64 = 60;
/// At most this many kept forms (the oldest go first).
const MAX_KEPT: usize = 10_000;
/// A record form is a few hundred bytes; anything much larger is not kept.
const MAX_FORM_BYTES: usize = 8 * 1024;

struct Kept {
    at: DateTime<Utc>,
    path: String,
    fields: HashMap<String, String>,
}

#[derive(Default)]
pub(crate) struct Stash {
    kept: Mutex<HashMap<String, Kept>>,
}

impl std::fmt::Debug for Stash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stash").finish_non_exhaustive()
    }
}

impl Stash {
    /// Keeps the fields posted to `path` (without the CSRF token); the token to take them
    /// back with, or `None` for a form too large to be a record form.
    pub(crate) fn put(
        &self,
        now: DateTime<Utc>,
        path: &str,
        mut fields: HashMap<String, String>,
    ) -> Option<String> {
        fields.remove("csrf");
        let size: usize = fields.iter().map(|(k, v)| k.len() + v.len()).sum();
        if size > MAX_FORM_BYTES {
            return None;
        }
        let token = crate::auth::random_token();
        let mut m = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|_, k| now - k.at < Duration::minutes(KEEP_FOR_MINUTES));
        if m.len() >= MAX_KEPT
            && let Some(oldest) = m.iter().min_by_key(|(_, k)| k.at).map(|(t, _)| t.clone())
        {
            m.remove(&oldest);
        }
        m.insert(
            token.clone(),
            Kept {
                at: now,
                path: path.to_string(),
                fields,
            },
        );
        Some(token)
    }

    /// The fields kept under `token` for the form at `path`, once.
    pub(crate) fn take(
        &self,
        now: DateTime<Utc>,
        token: &str,
        path: &str,
    ) -> Option<HashMap<String, String>> {
        let mut m = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let k = m.remove(token)?;
        (k.path == path && now - k.at < Duration::minutes(KEEP_FOR_MINUTES)).then_some(k.fields)
    }
}

/// Whether a POST to `path` is a caseworker's record form, whose values are worth keeping.
pub(crate) fn is_record_form(path: &str) -> bool {
    ["/cases/", "/assessments/", "/calls/"]
        .iter()
        .any(|b| path.starts_with(b))
        && ["/new", "/edit", "/return"]
            .iter()
            .any(|e| path.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_form_is_given_back_once_and_only_to_its_own_path() {
        let s = Stash::default();
        let now = Utc::now();
        let f: HashMap<String, String> = [("age", "34"), ("csrf", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let t = s.put(now, "/cases/new", f.clone()).unwrap();
        assert_eq!(s.take(now, &t, "/cases/C-1/edit"), None);
        let t = s.put(now, "/cases/new", f).unwrap();
        let back = s.take(now, &t, "/cases/new").unwrap();
        assert_eq!(back.get("age").map(String::as_str), Some("34"));
        assert!(!back.contains_key("csrf"), "the old token is not kept");
        assert_eq!(s.take(now, &t, "/cases/new"), None, "once");
        let t = s.put(now, "/cases/new", HashMap::new()).unwrap();
        assert_eq!(
            s.take(now + Duration::minutes(61), &t, "/cases/new"),
            None,
            "not after an hour"
        );
        let huge = HashMap::from([("age".to_string(), "9".repeat(100_000))]);
        assert_eq!(s.put(now, "/cases/new", huge), None, "too large to keep");
    }
}
