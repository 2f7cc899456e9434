//! Retention of identity (issue 23, item 3): a person's identity is erased N years after
//! their last decision, return or interview (the `retention_years` setting), unless they
//! are under a legal hold. Erasure is crypto-shredding (see [`crate::identity::erase`]): the
//! person's records stay, so every statistic is the same before and after.

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use spor_store::WebStore;

use crate::audit::{self, Actor, Event};

/// The setting that holds the policy: whole years after the last activity.
pub const YEARS_SETTING: &str = "retention_years";
/// The policy when the setting is not set.
pub const DEFAULT_YEARS: u32 = 5;
/// The longest policy taken.
pub const MAX_YEARS: u32 = 100;

/// Reads a value of `retention_years`: a whole number of years from 1 to [`MAX_YEARS`].
pub fn parse_years(raw: &str) -> Result<u32, String> {
    match raw.trim().parse::<u32>() {
        Ok(y) if (1..=MAX_YEARS).contains(&y) => Ok(y),
        _ => Err(format!(
            "retention_years takes a whole number of years from 1 to {MAX_YEARS}, not `{}`",
            raw.trim()
        )),
    }
}

/// The policy in force: the setting, or [`DEFAULT_YEARS`].
pub async fn years(store: &dyn WebStore) -> anyhow::Result<u32> {
    Ok(match store.web_setting(YEARS_SETTING).await? {
        Some(v) => parse_years(&v).map_err(anyhow::Error::msg)?,
        None => DEFAULT_YEARS,
    })
}

/// Sets the policy, audited as a settings change.
pub async fn set_years(
    store: &dyn WebStore,
    by: Actor<'_>,
    years: u32,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let value = years.to_string();
    store.set_web_setting(YEARS_SETTING, Some(&value)).await?;
    let ev = by.event(Event::SettingsUpdate, Some(YEARS_SETTING), Some(value));
    audit::record(store, &ev, at).await
}

/// The cut-off of a policy of `years` on `today`: persons whose last activity is before it
/// are due.
pub fn cutoff(years: u32, today: NaiveDate) -> NaiveDate {
    let y = today.year() - years as i32;
    today
        .with_year(y)
        // 29 February of a year that has none.
        .or_else(|| NaiveDate::from_ymd_opt(y, 2, 28))
        .unwrap_or(today)
}

/// What `retention apply` does (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// Activity before this date makes a person due.
    pub cutoff: String,
    /// Persons whose identity is erased (due and not held).
    pub erase: Vec<String>,
    /// Persons due but under a legal hold, with its reason.
    pub held: Vec<(String, String)>,
    /// Persons with an identity but no record: not due (there is no last activity).
    pub without_records: Vec<String>,
}

/// The persons due at `cutoff`.
pub async fn plan(store: &dyn WebStore, cutoff: NaiveDate) -> anyhow::Result<Plan> {
    let cut = cutoff.format("%Y-%m-%d").to_string();
    let mut plan = Plan {
        cutoff: cut.clone(),
        ..Plan::default()
    };
    for row in store.retention_candidates().await? {
        match row.last_activity {
            None => plan.without_records.push(row.person_ref),
            // ISO dates compare as text (a stored date may carry a time after it).
            Some(last) if last.get(..10).unwrap_or(last.as_str()) < cut.as_str() => {
                match row.legal_hold {
                    Some(reason) => plan.held.push((row.person_ref, reason)),
                    None => plan.erase.push(row.person_ref),
                }
            }
            Some(_) => {}
        }
    }
    Ok(plan)
}

/// Applies the policy: plans at `before` (or the policy's cut-off on `today`) and, unless
/// `dry_run`, erases every person due and not held, each an audit event
/// (`person.erase`, reason `retention`), and the run one (`retention.apply`).
pub async fn apply(
    store: &dyn WebStore,
    by: Actor<'_>,
    before: Option<NaiveDate>,
    dry_run: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Plan> {
    let cut = match before {
        Some(d) => d,
        None => cutoff(years(store).await?, now.date_naive()),
    };
    let mut plan = plan(store, cut).await?;
    if dry_run {
        return Ok(plan);
    }
    let mut erased = Vec::with_capacity(plan.erase.len());
    for p in std::mem::take(&mut plan.erase) {
        if crate::identity::erase(store, by, &p, "retention", now).await? {
            erased.push(p);
        }
    }
    plan.erase = erased;
    let ev = by.event(
        Event::RetentionApply,
        None,
        Some(format!(
            "before {}: {} erased, {} held",
            plan.cutoff,
            plan.erase.len(),
            plan.held.len()
        )),
    );
    audit::record(store, &ev, now).await?;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_the_same_day_years_before() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(cutoff(5, d("2026-12-07")), d("2021-12-07"));
        assert_eq!(cutoff(1, d("2024-02-29")), d("2023-02-28"));
        assert!(parse_years("0").is_err());
        assert!(parse_years("five").is_err());
        assert_eq!(parse_years(" 7 "), Ok(7));
    }
}
