//! The register's SQL, written once for both backends as generic functions over
//! [`Backend`]: the statements are the same (standard SQL with `$n` placeholders and
//! `ON CONFLICT … DO UPDATE`, which SQLite and PostgreSQL both speak). Imports are each
//! backend's own (`sqlite_bulk.rs`, `pg_import.rs`). All integers are stored as 64-bit
//! (`BIGINT` on PostgreSQL).

use chrono::{DateTime, Utc};
use spor_core::{CodeBook, CodeEntry, ListId, Register};

use crate::rows::RowCodec;
use crate::sql::{Backend, Cols, bind};
use crate::{Result, StoreError};

pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Every stored row of one entity, in the order of its key.
pub(crate) async fn load_all<DB: Backend, T: RowCodec>(
    conn: &mut DB::Connection,
) -> Result<Vec<T>> {
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        T::COLUMN_LIST,
        T::TABLE,
        T::COLUMNS[..T::KEY].join(", ")
    );
    let rows = bind::<DB>(sqlx::query(sqlx::AssertSqlSafe(sql)))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| T::read(&mut Cols::<DB>::new(r)))
        .collect()
}

pub(crate) async fn get_setting<DB: Backend>(
    conn: &mut DB::Connection,
    key: &str,
) -> Result<Option<String>> {
    let row = bind::<DB>(sqlx::query("SELECT value FROM settings WHERE key = $1"))
        .to(key)
        .fetch_optional(conn)
        .await?;
    match row {
        Some(r) => Ok(DB::text(&r, 0)?.map(str::to_owned)),
        None => Ok(None),
    }
}

pub(crate) async fn set_setting<DB: Backend>(
    conn: &mut DB::Connection,
    key: &str,
    value: Option<&str>,
) -> Result<()> {
    bind::<DB>(sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ))
    .to(key)
    .to(value)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn microdata_from<DB: Backend>(conn: &mut DB::Connection) -> Result<Option<i32>> {
    get_setting::<DB>(conn, "microdata_from")
        .await?
        .map(|v| {
            v.parse::<i32>()
                .map_err(|_| StoreError::Corrupt("microdata_from".into()))
        })
        .transpose()
}

pub(crate) async fn set_microdata_from<DB: Backend>(
    conn: &mut DB::Connection,
    year: Option<i32>,
) -> Result<()> {
    let v = year.map(|y| y.to_string());
    set_setting::<DB>(conn, "microdata_from", v.as_deref()).await?;
    set_setting::<DB>(conn, "last_change", Some(&now())).await
}

/// The prefix of the exchanges' mapping changes among the settings.
const EXCHANGE_PREFIX: &str = "exchange:";

/// The centre's changes to the exchanges' mappings (`MAP/CODE` or `reporting_country`,
/// and the value), by key.
pub(crate) async fn exchange_mappings<DB: Backend>(
    conn: &mut DB::Connection,
) -> Result<Vec<(String, String)>> {
    let rows = bind::<DB>(sqlx::query(
        "SELECT key, value FROM settings WHERE substr(key, 1, 9) = $1 ORDER BY key",
    ))
    .to(EXCHANGE_PREFIX)
    .fetch_all(conn)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let (Some(key), Some(value)) = (DB::text(r, 0)?, DB::text(r, 1)?) else {
            continue;
        };
        if let Some(key) = key.strip_prefix(EXCHANGE_PREFIX) {
            out.push((key.to_owned(), value.to_owned()));
        }
    }
    Ok(out)
}

/// Sets (or, with `None`, takes back) a change of an exchange's mapping.
pub(crate) async fn set_exchange_mapping<DB: Backend>(
    conn: &mut DB::Connection,
    key: &str,
    value: Option<&str>,
) -> Result<()> {
    set_setting::<DB>(conn, &format!("{EXCHANGE_PREFIX}{key}"), value).await
}

pub(crate) async fn last_change<DB: Backend>(
    conn: &mut DB::Connection,
) -> Result<Option<DateTime<Utc>>> {
    get_setting::<DB>(conn, "last_change")
        .await?
        .map(|v| {
            DateTime::parse_from_rfc3339(&v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| StoreError::Corrupt("last_change".into()))
        })
        .transpose()
}

pub(crate) async fn code_additions<DB: Backend>(
    conn: &mut DB::Connection,
) -> Result<Vec<CodeEntry>> {
    let rows = bind::<DB>(sqlx::query(
        "SELECT list, code, da, en, parent, eurostat, htcds FROM code_additions ORDER BY list, added_at, code",
    ))
    .fetch_all(conn)
    .await?;
    let text =
        |r: &DB::Row, i| -> Result<Option<String>> { Ok(DB::text(r, i)?.map(str::to_owned)) };
    let required = |r: &DB::Row, i| -> Result<String> {
        text(r, i)?.ok_or_else(|| StoreError::Corrupt("a code addition has an empty field".into()))
    };
    rows.iter()
        .map(|r| {
            let list = required(r, 0)?;
            Ok(CodeEntry {
                list: ListId::parse(&list)
                    .ok_or_else(|| StoreError::Corrupt(format!("code list {list}")))?,
                code: required(r, 1)?,
                da: required(r, 2)?,
                en: required(r, 3)?,
                parent: text(r, 4)?,
                eurostat: text(r, 5)?,
                htcds: text(r, 6)?,
                builtin: false,
            })
        })
        .collect()
}

pub(crate) async fn add_code<DB: Backend>(conn: &mut DB::Connection, e: &CodeEntry) -> Result<()> {
    let stamp = now();
    let added = bind::<DB>(sqlx::query(
        "INSERT INTO code_additions (list, code, da, en, parent, eurostat, htcds, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (list, code) DO NOTHING",
    ))
    .to(e.list.name())
    .to(&e.code)
    .to(&e.da)
    .to(&e.en)
    .to(&e.parent)
    .to(&e.eurostat)
    .to(&e.htcds)
    .to(&stamp)
    .execute(&mut *conn)
    .await?;
    if added == 0 {
        return Err(StoreError::Conflict(format!(
            "the code `{}` already exists in `{}`",
            e.code, e.list
        )));
    }
    set_setting::<DB>(conn, "last_change", Some(&stamp)).await
}

/// The whole register; run it in one transaction that sees one state.
pub(crate) async fn load_register<DB: Backend>(conn: &mut DB::Connection) -> Result<Register> {
    Ok(Register {
        identifications: load_all::<DB, _>(&mut *conn).await?,
        assessments: load_all::<DB, _>(&mut *conn).await?,
        hotline_calls: load_all::<DB, _>(&mut *conn).await?,
        history: load_all::<DB, _>(&mut *conn).await?,
        microdata_from: microdata_from::<DB>(&mut *conn).await?,
        codes: CodeBook::with_additions(code_additions::<DB>(&mut *conn).await?),
        last_change: last_change::<DB>(&mut *conn).await?,
    })
}

/// The register without its record lists: history, settings and code additions.
pub(crate) async fn register_head<DB: Backend>(conn: &mut DB::Connection) -> Result<Register> {
    Ok(Register {
        history: load_all::<DB, _>(&mut *conn).await?,
        microdata_from: microdata_from::<DB>(&mut *conn).await?,
        codes: CodeBook::with_additions(code_additions::<DB>(&mut *conn).await?),
        last_change: last_change::<DB>(&mut *conn).await?,
        ..Register::default()
    })
}

/// Every row of one entity in the order of its one-column key, [`crate::SCAN_CHUNK`] rows
/// at a time: each page starts after the last key of the one before, so a page costs one
/// index range whatever its place. Run it in one transaction that sees one state.
pub(crate) async fn scan_in_chunks<DB: Backend, T: RowCodec>(
    conn: &mut DB::Connection,
    sink: &mut (dyn FnMut(Vec<T>) + Send),
) -> Result<()> {
    debug_assert_eq!(T::KEY, 1, "{} has a one-column key", T::TABLE);
    let key = T::COLUMNS[0];
    let limit = crate::SCAN_CHUNK as i64;
    let first = format!(
        "SELECT {} FROM {} ORDER BY {key} LIMIT $1",
        T::COLUMN_LIST,
        T::TABLE
    );
    let next = format!(
        "SELECT {} FROM {} WHERE {key} > $1 ORDER BY {key} LIMIT $2",
        T::COLUMN_LIST,
        T::TABLE
    );
    let mut after: Option<String> = None;
    loop {
        let rows = match &after {
            None => {
                bind::<DB>(sqlx::query(sqlx::AssertSqlSafe(first.clone())))
                    .to(limit)
                    .fetch_all(&mut *conn)
                    .await?
            }
            Some(last) => {
                bind::<DB>(sqlx::query(sqlx::AssertSqlSafe(next.clone())))
                    .to(last.as_str())
                    .to(limit)
                    .fetch_all(&mut *conn)
                    .await?
            }
        };
        let Some(end) = rows.last() else {
            return Ok(());
        };
        after = DB::text(end, 0)?.map(str::to_owned);
        let full = rows.len() == crate::SCAN_CHUNK;
        let chunk = rows
            .iter()
            .map(|r| T::read(&mut Cols::<DB>::new(r)))
            .collect::<Result<Vec<T>>>()?;
        sink(chunk);
        if !full || after.is_none() {
            return Ok(());
        }
    }
}
