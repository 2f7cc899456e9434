//! The register's settings: `microdata_from`, the first year whose microdata is complete.
//! The command line (`spor settings`) and the administrator's page call these, so a change
//! is checked the same way and audited with who made it, whichever way it came.

use chrono::{DateTime, Utc};
use spor_store::WebStore;

use spor_store::web::AuditedChange;

use crate::audit::{self, Actor, Event};

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
    let value = year.map_or_else(|| "none".to_string(), |y| y.to_string());
    let ev = by.event(Event::SettingsUpdate, Some("microdata_from"), Some(value));
    audit::change(store, &AuditedChange::SetMicrodataFrom(year), &ev, at).await?;
    Ok(())
}
