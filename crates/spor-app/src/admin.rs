//! What an administrator changes in the register besides its records: the setting
//! `microdata_from` and the centre's additions to the extensible code lists. The command
//! line (`spor settings`, `spor codes`) and the administrator's pages call these, so a
//! change is checked the same way and audited with who made it, whichever way it came.

use chrono::{DateTime, Utc};
use spor_core::{CodeBook, CodeEntry};
use spor_store::WebStore;

use crate::audit::{Actor, Event, record};

/// The earliest and latest year `microdata_from` takes.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Reads a value for `microdata_from`: a year, or `none` / nothing to unset it. The error
/// says what was given and what is accepted.
pub fn parse_microdata_from(raw: &str) -> Result<Option<i32>, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw == "none" {
        return Ok(None);
    }
    match raw.parse::<i32>() {
        Ok(y) if YEARS.contains(&y) => Ok(Some(y)),
        _ => Err(format!(
            "microdata_from takes a four-digit year (e.g. 2023) or `none`, not `{raw}`"
        )),
    }
}

/// Sets `microdata_from` (the first year whose microdata is complete; earlier years come
/// from history), or unsets it, and audits the change.
pub async fn set_microdata_from(
    store: &dyn WebStore,
    by: Actor<'_>,
    year: Option<i32>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    store.set_microdata_from(year).await?;
    let value = year.map_or_else(|| "none".to_string(), |y| y.to_string());
    let ev = by.event(Event::SettingsUpdate, Some("microdata_from"), Some(value));
    record(store, &ev, at).await
}

/// Why a code was not added; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum CodeAddError {
    /// The code or its labels are not acceptable (the message says why).
    #[error(transparent)]
    Invalid(#[from] spor_core::codes::CodeError),
    /// The store refused it (e.g. added meanwhile by someone else) or failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Adds `code` to the extensible list `list` with its Danish and English labels, and
/// audits it; the entry as stored.
pub async fn add_code(
    store: &dyn WebStore,
    by: Actor<'_>,
    [list, code, da, en]: [&str; 4],
    at: DateTime<Utc>,
) -> Result<CodeEntry, CodeAddError> {
    let book = CodeBook::with_additions(store.code_additions().await.map_err(anyhow::Error::from)?);
    let entry = book.check_addition(list, code, da, en)?;
    store.add_code(&entry).await.map_err(anyhow::Error::from)?;
    let target = format!("{}/{}", entry.list, entry.code);
    record(store, &by.event(Event::CodeAdd, Some(&target), None), at).await?;
    Ok(entry)
}
