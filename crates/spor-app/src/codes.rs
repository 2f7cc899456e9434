//! The centre's own codes: added to the extensible lists (checked and audited the same way
//! from the command line and the administrator's page), renamed and retired, never
//! deleted, since records may use them. A retired code is no longer offered for new
//! choices; records that use it keep it, and it can be taken into use again.

use chrono::{DateTime, Utc};
use spor_core::{CodeBook, CodeEntry};
use spor_store::Result;
use spor_store::web::{AuditedChange, WebStore};

use crate::audit::{self, Actor, Event};

/// What a change of an added code did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeChange {
    Done,
    /// Not a code the centre added (built-in codes are fixed).
    NotAdded,
    /// The new labels are not acceptable; why, in English.
    Invalid(&'static str),
}

/// Why a rename was refused when a label was left empty.
pub const LABELS_REQUIRED: &str = "both labels are required";

/// Gives an added code new Danish and English labels (checked as a new code's are), with
/// its audit event in the same transaction.
pub async fn rename(
    store: &dyn WebStore,
    by: Actor<'_>,
    list: &str,
    code: &str,
    da: &str,
    en: &str,
    at: DateTime<Utc>,
) -> Result<CodeChange> {
    let (da, en) = (da.trim(), en.trim());
    if da.is_empty() || en.is_empty() {
        return Ok(CodeChange::Invalid(LABELS_REQUIRED));
    }
    if let Err(spor_core::codes::CodeError::BadLabel(_, why)) =
        spor_core::codes::check_label("Danish", da)
            .and_then(|()| spor_core::codes::check_label("English", en))
    {
        return Ok(CodeChange::Invalid(why));
    }
    let target = format!("{list}/{code}");
    let ev = by.event(Event::CodeRename, Some(&target), None);
    let rename = AuditedChange::RenameCode { list, code, da, en };
    Ok(match audit::change(store, &rename, &ev, at).await? {
        true => CodeChange::Done,
        false => CodeChange::NotAdded,
    })
}

/// Retires an added code (`retire`) or takes it into use again, with its audit event in
/// the same transaction.
pub async fn retire(
    store: &dyn WebStore,
    by: Actor<'_>,
    list: &str,
    code: &str,
    retire: bool,
    at: DateTime<Utc>,
) -> Result<CodeChange> {
    let target = format!("{list}/{code}");
    let event = if retire {
        Event::CodeRetire
    } else {
        Event::CodeUnretire
    };
    let ev = by.event(event, Some(&target), None);
    let change = AuditedChange::RetireCode { list, code, retire };
    Ok(match audit::change(store, &change, &ev, at).await? {
        true => CodeChange::Done,
        false => CodeChange::NotAdded,
    })
}

/// Why a code was not added; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum CodeAddError {
    /// The code or its labels are not acceptable (the message says why).
    #[error(transparent)]
    Invalid(#[from] spor_core::codes::CodeError),
    /// Someone added the same code meanwhile (the store refused it as a conflict).
    #[error(transparent)]
    Taken(spor_core::codes::CodeError),
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Adds `code` to the extensible list `list` with its Danish and English labels, and
/// audits it; the entry as stored.
pub async fn add(
    store: &dyn WebStore,
    by: Actor<'_>,
    [list, code, da, en]: [&str; 4],
    at: DateTime<Utc>,
) -> std::result::Result<CodeEntry, CodeAddError> {
    let book = CodeBook::with_additions(store.code_additions().await.map_err(anyhow::Error::from)?);
    let entry = book.check_addition(list, code, da, en)?;
    let target = format!("{}/{}", entry.list, entry.code);
    let ev = by.event(Event::CodeAdd, Some(&target), None);
    match audit::change(store, &AuditedChange::AddCode(&entry), &ev, at).await {
        Ok(_) => {}
        Err(spor_store::StoreError::Conflict(_)) => {
            return Err(CodeAddError::Taken(spor_core::codes::CodeError::Exists {
                list: entry.list,
                code: entry.code,
            }));
        }
        Err(e) => return Err(anyhow::Error::from(e).into()),
    }
    Ok(entry)
}
