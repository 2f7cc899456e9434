//! The SQLite backend's two heavy paths, written on rusqlite: importing a whole register
//! and loading it for statistics. sqlx's SQLite driver hands every row and value across a
//! worker thread, which made a million-decision import or load take about ten times as long
//! as SQLite itself needs; these paths call SQLite directly on the same file. Everything
//! else (settings, code lists, web) stays on the shared sqlx SQL.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use spor_core::{CodeBook, CodeEntry, ImportBatch, ListId, Register};

use crate::rows::*;
use crate::{ImportSummary, Result, StoreError};

/// Tables at least this large are loaded into an empty table with their secondary indexes
/// dropped and rebuilt afterwards: one sort instead of a million random index inserts.
const REBUILD_INDEXES_FROM: usize = 10_000;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e.to_string())
    }
}

impl From<rusqlite::types::FromSqlError> for StoreError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

pub(crate) fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 200 MB of page cache for the duration of this connection: bulk work stays in memory.
    conn.pragma_update(None, "cache_size", -200_000)?;
    Ok(conn)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn is_empty(tx: &Transaction<'_>, table: &str) -> Result<bool> {
    let sql = format!("SELECT NOT EXISTS (SELECT 1 FROM {table})");
    Ok(tx.query_row(&sql, [], |r| r.get(0))?)
}

/// Drops the table's secondary indexes, returning the statements that rebuild them.
fn drop_indexes(tx: &Transaction<'_>, table: &str) -> Result<Vec<String>> {
    let mut st = tx.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL",
    )?;
    let found: Vec<(String, String)> = st
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &found {
        tx.execute(&format!("DROP INDEX \"{name}\""), [])?;
    }
    Ok(found.into_iter().map(|(_, sql)| sql).collect())
}

/// Writes the rows of one entity: classify against what is stored, then insert or update.
fn write_entity<T: PartialEq, K: std::hash::Hash + Eq>(
    tx: &Transaction<'_>,
    table: &str,
    batch: &[T],
    key: impl Fn(&T) -> K,
    load: impl Fn(&Transaction<'_>) -> Result<Vec<T>>,
    sql: &str,
    bind: impl Fn(&mut rusqlite::Statement<'_>, &T) -> rusqlite::Result<usize>,
) -> Result<crate::Counts> {
    if batch.is_empty() {
        return Ok(crate::Counts::default());
    }
    let empty = is_empty(tx, table)?;
    let existing: HashMap<K, T> = if empty {
        HashMap::new()
    } else {
        load(tx)?.into_iter().map(|r| (key(&r), r)).collect()
    };
    let (write, counts) = classify(batch, &existing, &key);
    let rebuild = if empty && write.len() >= REBUILD_INDEXES_FROM {
        drop_indexes(tx, table)?
    } else {
        Vec::new()
    };
    let mut st = tx.prepare(sql)?;
    for r in write {
        bind(&mut st, r)?;
    }
    for sql in rebuild {
        tx.execute(&sql, [])?;
    }
    Ok(counts)
}

fn values(n: usize) -> String {
    let p: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    format!("VALUES ({})", p.join(", "))
}

pub(crate) fn apply_import(path: &Path, batch: &ImportBatch) -> Result<ImportSummary> {
    let mut conn = connect(path)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let stamp = now();
    let identifications = write_entity(
        &tx,
        "identifications",
        &batch.identifications,
        |r| r.case_ref.clone(),
        load_identifications,
        &format!(
            "{IDENTIFICATION_INSERT}{}{IDENTIFICATION_UPSERT}",
            values(14)
        ),
        |st, r| {
            st.execute(params![
                r.case_ref.as_str(),
                r.person_ref.as_str(),
                r.decision_date.to_string(),
                r.authority.code(),
                r.outcome.code(),
                r.referral_actor.as_ref().map(|c| c.as_str()),
                r.exploitation_form.map(|f| f.code()),
                r.exploitation_subtype.as_ref().map(|c| c.as_str()),
                r.gender.code(),
                r.age.map(i64::from),
                r.nationality.as_str(),
                r.return_date.map(|d| d.to_string()),
                r.return_country.as_ref().map(|c| c.as_str()),
                stamp,
            ])
        },
    )?;
    let assessments = write_entity(
        &tx,
        "assessments",
        &batch.assessments,
        |r| r.assessment_ref.clone(),
        load_assessments,
        &format!("{ASSESSMENT_INSERT}{}{ASSESSMENT_UPSERT}", values(7)),
        |st, r| {
            st.execute(params![
                r.assessment_ref.as_str(),
                r.person_ref.as_str(),
                r.interview_date.to_string(),
                r.gender.code(),
                r.age.map(i64::from),
                r.nationality.as_str(),
                stamp,
            ])
        },
    )?;
    let hotline_calls = write_entity(
        &tx,
        "hotline_calls",
        &batch.hotline_calls,
        |r| r.call_ref.clone(),
        load_hotline_calls,
        &format!("{HOTLINE_INSERT}{}{HOTLINE_UPSERT}", values(6)),
        |st, r| {
            st.execute(params![
                r.call_ref.as_str(),
                spor_core::format_timestamp(&r.received_at),
                r.caller_type.code(),
                r.concerns_possible_victim,
                r.topic.map(|t| t.code()),
                stamp,
            ])
        },
    )?;
    let history = write_entity(
        &tx,
        "history",
        &batch.history,
        |r| {
            let (s, y, c) = r.key();
            (s, y, c.to_owned())
        },
        load_history,
        &format!("{HISTORY_INSERT}{}{HISTORY_UPSERT}", values(5)),
        |st, r| {
            st.execute(params![
                r.series.code(),
                i64::from(r.year),
                r.category.as_deref().unwrap_or(""),
                r.count.map(|c| c as i64),
                stamp,
            ])
        },
    )?;
    let summary = ImportSummary {
        identifications,
        assessments,
        hotline_calls,
        history,
    };
    let t = summary.total();
    if t.inserted + t.updated > 0 {
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('last_change', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [&stamp],
        )?;
    }
    tx.commit()?;
    Ok(summary)
}

fn load_identifications(tx: &Transaction<'_>) -> Result<Vec<spor_core::Identification>> {
    let mut st = tx.prepare(
        "SELECT case_ref, person_ref, decision_date, authority, outcome, referral_actor, exploitation_form, exploitation_subtype, gender, age, nationality, return_date, return_country FROM identifications ORDER BY case_ref",
    )?;
    let mut rows = st.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(
            IdentificationCols {
                case_ref: r.get_ref(0)?.as_str()?,
                person_ref: r.get_ref(1)?.as_str()?,
                decision_date: r.get_ref(2)?.as_str()?,
                authority: r.get_ref(3)?.as_str()?,
                outcome: r.get_ref(4)?.as_str()?,
                referral_actor: r.get_ref(5)?.as_str_or_null()?,
                exploitation_form: r.get_ref(6)?.as_str_or_null()?,
                exploitation_subtype: r.get_ref(7)?.as_str_or_null()?,
                gender: r.get_ref(8)?.as_str()?,
                age: r.get(9)?,
                nationality: r.get_ref(10)?.as_str()?,
                return_date: r.get_ref(11)?.as_str_or_null()?,
                return_country: r.get_ref(12)?.as_str_or_null()?,
            }
            .into_record()?,
        );
    }
    Ok(out)
}

fn load_assessments(tx: &Transaction<'_>) -> Result<Vec<spor_core::Assessment>> {
    let mut st = tx.prepare(
        "SELECT assessment_ref, person_ref, interview_date, gender, age, nationality FROM assessments ORDER BY assessment_ref",
    )?;
    let mut rows = st.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(
            AssessmentCols {
                assessment_ref: r.get_ref(0)?.as_str()?,
                person_ref: r.get_ref(1)?.as_str()?,
                interview_date: r.get_ref(2)?.as_str()?,
                gender: r.get_ref(3)?.as_str()?,
                age: r.get(4)?,
                nationality: r.get_ref(5)?.as_str()?,
            }
            .into_record()?,
        );
    }
    Ok(out)
}

fn load_hotline_calls(tx: &Transaction<'_>) -> Result<Vec<spor_core::HotlineCall>> {
    let mut st = tx.prepare(
        "SELECT call_ref, received_at, caller_type, concerns_possible_victim, topic FROM hotline_calls ORDER BY call_ref",
    )?;
    let mut rows = st.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(
            HotlineCallCols {
                call_ref: r.get_ref(0)?.as_str()?,
                received_at: r.get_ref(1)?.as_str()?,
                caller_type: r.get_ref(2)?.as_str()?,
                concerns_possible_victim: r.get(3)?,
                topic: r.get_ref(4)?.as_str_or_null()?,
            }
            .into_record()?,
        );
    }
    Ok(out)
}

fn load_history(tx: &Transaction<'_>) -> Result<Vec<spor_core::HistoryRow>> {
    let mut st = tx.prepare(
        "SELECT series, year, category, count FROM history ORDER BY series, year, category",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(RawHistory {
                series: r.get(0)?,
                year: r.get(1)?,
                category: r.get(2)?,
                count: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(RawHistory::into_record).collect()
}

fn setting(tx: &Transaction<'_>, key: &str) -> Result<Option<String>> {
    Ok(tx
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten())
}

fn code_additions(tx: &Transaction<'_>) -> Result<Vec<CodeEntry>> {
    let mut st = tx.prepare(
        "SELECT list, code, da, en, parent, eurostat, htcds FROM code_additions ORDER BY list, added_at, code",
    )?;
    let raw = st
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                CodeEntry {
                    list: ListId::Authority,
                    code: r.get(1)?,
                    da: r.get(2)?,
                    en: r.get(3)?,
                    parent: r.get(4)?,
                    eurostat: r.get(5)?,
                    htcds: r.get(6)?,
                    builtin: false,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    raw.into_iter()
        .map(|(list, mut e)| {
            e.list = ListId::parse(&list)
                .ok_or_else(|| StoreError::Corrupt(format!("code list {list}")))?;
            Ok(e)
        })
        .collect()
}

/// The whole register in one read transaction (a consistent snapshot).
pub(crate) fn load_register(path: &Path) -> Result<Register> {
    let mut conn = connect(path)?;
    let tx = conn.transaction()?;
    let microdata_from = setting(&tx, "microdata_from")?
        .map(|v| {
            v.parse::<i32>()
                .map_err(|_| StoreError::Corrupt("microdata_from".into()))
        })
        .transpose()?;
    let last_change = setting(&tx, "last_change")?
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(&v)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| StoreError::Corrupt("last_change".into()))
        })
        .transpose()?;
    let reg = Register {
        identifications: load_identifications(&tx)?,
        assessments: load_assessments(&tx)?,
        hotline_calls: load_hotline_calls(&tx)?,
        history: load_history(&tx)?,
        microdata_from,
        codes: CodeBook::with_additions(code_additions(&tx)?),
        last_change,
    };
    tx.commit()?;
    Ok(reg)
}
