//! A caseworker's work on single records beyond reading and writing them: saving (where a
//! save that changes nothing is no change, and a refused save says what the other person
//! changed), restoring a deleted record within a period, and finding records and persons by
//! part of a ref.

use chrono::{DateTime, Duration, Utc};
use spor_store::Result;
use spor_store::web::{
    ChangeContext, ChangeRow, Record, RecordKind, SearchHit, SearchKind, WebStore, WriteOutcome,
    parse_stamp,
};

/// How long after its deletion a caseworker can put a record back.
pub const RESTORE_DAYS: i64 = 30;

/// At most this many hits of each kind (persons, decisions, interviews, calls).
pub const SEARCH_LIMIT: i64 = 50;

/// One field of one change: its value before and after, as exchange-format text (empty =
/// not known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One entry of a record's history, its fields read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub version: i64,
    /// `create`, `update`, `delete` or `restore`.
    pub action: String,
    pub actor: String,
    /// The stored UTC stamp.
    pub at: String,
    pub fields: Vec<FieldChange>,
}

impl Change {
    /// Reads a history row; fields that cannot be read are left out.
    pub fn of(row: &ChangeRow) -> Change {
        Change {
            version: row.version,
            action: row.action.clone(),
            actor: row.actor.clone(),
            at: row.at.clone(),
            fields: field_changes(&row.fields),
        }
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The fields of a history row's JSON `{field: [before, after]}`.
pub fn field_changes(json: &str) -> Vec<FieldChange> {
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    m.iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::Array(x) if x.len() == 2 => Some(FieldChange {
                field: k.clone(),
                before: value_text(&x[0]),
                after: value_text(&x[1]),
            }),
            _ => None,
        })
        .collect()
}

/// A record's history, oldest first.
pub async fn history(store: &dyn WebStore, kind: RecordKind, key: &str) -> Result<Vec<Change>> {
    Ok(store
        .record_changes(kind, key)
        .await?
        .iter()
        .map(Change::of)
        .collect())
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Written as this new version.
    Changed(i64),
    /// The form held what was stored: nothing was written, no version made.
    Unchanged,
    /// Someone else saved after the form was opened: nothing was written. Their changes
    /// since the version the form was opened at, oldest first.
    Conflict(Vec<Change>),
    /// The record is gone (deleted meanwhile).
    Missing,
}

/// Saves an edited record opened at `expected_version`.
pub async fn save(
    store: &dyn WebStore,
    r: &Record,
    expected_version: i64,
    ctx: &ChangeContext,
) -> Result<Saved> {
    Ok(match store.update_record(r, expected_version, ctx).await? {
        WriteOutcome::Done(v) if v == expected_version => Saved::Unchanged,
        WriteOutcome::Done(v) => Saved::Changed(v),
        WriteOutcome::Stale { .. } => {
            let mut theirs = history(store, r.kind(), r.key()).await?;
            theirs.retain(|c| c.version > expected_version);
            Saved::Conflict(theirs)
        }
        WriteOutcome::Missing | WriteOutcome::Exists => Saved::Missing,
    })
}

/// A deleted record as it was, and when it can be put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub record: Record,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub restorable_until: DateTime<Utc>,
}

impl Deleted {
    pub fn restorable(&self, now: DateTime<Utc>) -> bool {
        now < self.restorable_until
    }
}

/// The record as it was before a change: the "before" side of its history row.
fn record_before(kind: RecordKind, fields_json: &str) -> Option<Record> {
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(fields_json)
    else {
        return None;
    };
    let before: serde_json::Map<String, serde_json::Value> = m
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::Array(mut x) if x.len() == 2 => Some((k, x.swap_remove(0))),
            _ => None,
        })
        .filter(|(_, v)| !v.is_null())
        .collect();
    let v = serde_json::Value::Object(before);
    match kind {
        RecordKind::Identification => serde_json::from_value(v).ok().map(Record::Identification),
        RecordKind::Assessment => serde_json::from_value(v).ok().map(Record::Assessment),
        RecordKind::HotlineCall => serde_json::from_value(v).ok().map(Record::HotlineCall),
    }
}

/// The record `key` if it is deleted (its last history entry is its deletion).
pub async fn deleted(store: &dyn WebStore, kind: RecordKind, key: &str) -> Result<Option<Deleted>> {
    if store.record(kind, key).await?.is_some() {
        return Ok(None);
    }
    let changes = store.record_changes(kind, key).await?;
    let Some(last) = changes.last().filter(|c| c.action == "delete") else {
        return Ok(None);
    };
    let (Some(record), Some(at)) = (record_before(kind, &last.fields), parse_stamp(&last.at))
    else {
        return Ok(None);
    };
    Ok(Some(Deleted {
        record,
        actor: last.actor.clone(),
        at,
        restorable_until: at + Duration::days(RESTORE_DAYS),
    }))
}

/// What a restore did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restored {
    /// Back as this version.
    Done(i64),
    /// There is no deleted record of that ref.
    NotDeleted,
    /// Deleted longer ago than [`RESTORE_DAYS`].
    TooLate,
    /// Its ref was used again by a new record.
    RefInUse,
}

/// Puts a deleted record back as it was, within [`RESTORE_DAYS`] of its deletion
/// (`ctx.at` is now).
pub async fn restore(
    store: &dyn WebStore,
    kind: RecordKind,
    key: &str,
    ctx: &ChangeContext,
) -> Result<Restored> {
    let Some(d) = deleted(store, kind, key).await? else {
        return Ok(Restored::NotDeleted);
    };
    if !d.restorable(ctx.at) {
        return Ok(Restored::TooLate);
    }
    Ok(match store.restore_record(&d.record, ctx).await? {
        WriteOutcome::Done(v) => Restored::Done(v),
        WriteOutcome::Exists => Restored::RefInUse,
        WriteOutcome::Stale { .. } | WriteOutcome::Missing => Restored::NotDeleted,
    })
}

/// Persons and records whose ref contains `term` in any case (a whole ref, a part, other
/// case). Exact matches come first, then persons, decisions, interviews and calls.
/// `team`: the searching caseworker's (only persons of that team or of none are found).
pub async fn search(
    store: &dyn WebStore,
    term: &str,
    team: Option<&str>,
) -> Result<Vec<SearchHit>> {
    let term = term.trim();
    if term.is_empty() {
        return Ok(Vec::new());
    }
    let mut hits = store.search_refs(term, SEARCH_LIMIT, team).await?;
    let order = |k: SearchKind| match k {
        SearchKind::Person => 0,
        SearchKind::Record(RecordKind::Identification) => 1,
        SearchKind::Record(RecordKind::Assessment) => 2,
        SearchKind::Record(RecordKind::HotlineCall) => 3,
    };
    hits.sort_by_key(|h| (!h.key.eq_ignore_ascii_case(term), order(h.kind)));
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_call_is_read_back_from_its_deletion_entry() {
        let json = r#"{"call_ref":["K-1",null],"received_at":["2022-12-31T23:20:00+00:00",null],"caller_type":["citizen",null],"concerns_possible_victim":[true,null]}"#;
        let Some(Record::HotlineCall(c)) = record_before(RecordKind::HotlineCall, json) else {
            panic!("a call is read back");
        };
        assert_eq!(c.call_ref.as_str(), "K-1");
        assert_eq!(c.topic, None, "a field not in the entry was not known");
        assert_eq!(
            spor_core::copenhagen_year(&c.received_at),
            2023,
            "the time keeps its instant"
        );
    }

    #[test]
    fn field_changes_read_values_as_text() {
        let f = field_changes(r#"{"age":[34,35],"referral_actor":[null,"police"]}"#);
        assert_eq!(
            f,
            vec![
                FieldChange {
                    field: "age".into(),
                    before: "34".into(),
                    after: "35".into()
                },
                FieldChange {
                    field: "referral_actor".into(),
                    before: String::new(),
                    after: "police".into()
                },
            ]
        );
    }
}
