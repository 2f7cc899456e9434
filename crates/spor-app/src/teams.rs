//! Access to persons scoped by team (issue 21, item 6): a caseworker with a team sees the
//! persons of that team and persons in no team (imported records, until assigned); a
//! caseworker without a team sees every person, so a centre that does not use teams works
//! as before. Reaching another team's person takes a stated reason, which is audited and
//! opens that person to the session for [`GRANT_MINUTES`] ("break glass").

use chrono::{DateTime, Duration, Utc};
use spor_store::web::{AuditedChange, ChangeContext, Record, WebStore, WriteOutcome};

use crate::audit::{self, Actor, Event};

/// How long a stated reason opens another team's person to the session.
pub const GRANT_MINUTES: i64 = 30;
/// The longest reason taken, in characters.
pub const MAX_REASON_CHARS: usize = 500;
/// The longest team name, in characters.
pub const MAX_TEAM_CHARS: usize = 64;

/// The person a record is about (decisions and interviews; a call names none).
pub fn person_of(r: &Record) -> Option<&str> {
    match r {
        Record::Identification(i) => Some(i.person_ref.as_str()),
        Record::Assessment(a) => Some(a.person_ref.as_str()),
        Record::HotlineCall(_) => None,
    }
}

/// Whether a team name can be used: 1 to [`MAX_TEAM_CHARS`] letters, digits, spaces,
/// `-` or `_`, not beginning or ending with a space.
pub fn valid_team(team: &str) -> bool {
    let n = team.chars().count();
    (1..=MAX_TEAM_CHARS).contains(&n)
        && team.trim() == team
        && team
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
}

/// What a caseworker may do with a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Their own team's person, a person in no team, a caseworker without a team, or
    /// access granted to this session.
    Allowed,
    /// Another team's person: a reason must be stated first.
    ReasonNeeded,
}

/// Whether the caseworker of team `team` (`None`: no team) in session `session_hash` may
/// see `person_ref` at `now`.
pub async fn access(
    store: &dyn WebStore,
    team: Option<&str>,
    session_hash: &str,
    person_ref: &str,
    now: DateTime<Utc>,
) -> spor_store::Result<Access> {
    let Some(team) = team else {
        return Ok(Access::Allowed);
    };
    match store.person_team(person_ref).await? {
        None => Ok(Access::Allowed),
        Some(t) if t == team => Ok(Access::Allowed),
        Some(_)
            if store
                .has_access_grant(session_hash, person_ref, now)
                .await? =>
        {
            Ok(Access::Allowed)
        }
        Some(_) => Ok(Access::ReasonNeeded),
    }
}

/// Creates a record (as [`WebStore::create_record`]); its person, if in no team yet, is
/// put in `team`, the creator's.
pub async fn create_record(
    store: &dyn WebStore,
    r: &Record,
    ctx: &ChangeContext,
    team: Option<&str>,
) -> spor_store::Result<WriteOutcome> {
    let out = store.create_record(r, ctx).await?;
    if let (WriteOutcome::Done(_), Some(person), Some(team)) = (out, person_of(r), team) {
        store
            .claim_person_team(person, team, &ctx.actor, ctx.at)
            .await?;
    }
    Ok(out)
}

/// Why a reason was not taken.
#[derive(Debug, thiserror::Error)]
pub enum BreakGlassError {
    #[error("a reason is needed")]
    NoReason,
    #[error("the reason is longer than {MAX_REASON_CHARS} characters")]
    TooLong,
    #[error("the session has ended")]
    NoSession,
    #[error(transparent)]
    Store(#[from] spor_store::StoreError),
}

/// "Break glass": `by` states `reason` for reaching `person_ref` of another team. The
/// reason is recorded in the audit trail (`access.break_glass`, the person as target) in
/// the same transaction as the grant, which opens the person to the session
/// `session_hash` for [`GRANT_MINUTES`]. Without a reason nothing is granted.
pub async fn break_glass(
    store: &dyn WebStore,
    by: Actor<'_>,
    session_hash: &str,
    person_ref: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), BreakGlassError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(BreakGlassError::NoReason);
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(BreakGlassError::TooLong);
    }
    let ev = by.event(
        Event::BreakGlass,
        Some(person_ref),
        Some(reason.to_string()),
    );
    let change = AuditedChange::GrantAccess {
        session_hash,
        person_ref,
        reason,
        expires_at: now + Duration::minutes(GRANT_MINUTES),
    };
    if audit::change(store, &change, &ev, now).await? {
        Ok(())
    } else {
        Err(BreakGlassError::NoSession)
    }
}

/// Puts a person in `team` (`None`: in no team, seen by every caseworker), audited.
pub async fn assign_person(
    store: &dyn WebStore,
    by: Actor<'_>,
    person_ref: &str,
    team: Option<&str>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    if let Some(t) = team
        && !valid_team(t)
    {
        anyhow::bail!(
            "`{t}` is not a team name (1 to {MAX_TEAM_CHARS} letters, digits, spaces, - or _)"
        );
    }
    if person_ref.trim().is_empty() {
        anyhow::bail!("a person ref is needed");
    }
    let detail = Some(match team {
        Some(t) => format!("team {t}"),
        None => "no team".to_string(),
    });
    let ev = by.event(Event::PersonTeam, Some(person_ref), detail);
    let change = AuditedChange::SetPersonTeam {
        person_ref,
        team,
        by: by.name.unwrap_or("unknown"),
    };
    audit::change(store, &change, &ev, at).await?;
    Ok(())
}
