//! PostgreSQL's import: rows go to the server with `COPY … FROM STDIN` (text format)
//! instead of multi-row INSERTs, inside the import's one transaction.
//!
//! Per entity: a table that holds no rows gets the batch copied straight in (one ref once:
//! the batch's last row of a ref wins); a table that holds rows gets it copied into a
//! temporary staging table, which is then compared with the stored rows (inserted, updated,
//! unchanged) and upserted from, so that a known ref is updated and never duplicated and an
//! unchanged row keeps its version and stamp, as [`crate::Store::apply_import`] promises.
//! The import lock (taken by the caller) serialises imports; the imported tables are also
//! locked against other writers (web edits wait; readers do not) so that "empty" and the
//! counts stay true until the commit.

use std::collections::HashMap;

use chrono::NaiveDate;
use spor_core::ImportBatch;
use sqlx::postgres::PgConnection;

use crate::rows::{DateText, RowCodec, Sink, classify, insert_head, upsert_tail};
use crate::{Counts, ImportSummary, Result};

/// Bytes of COPY data sent per message: large enough that the per-message cost vanishes,
/// small enough that encoding and the server's parsing overlap.
const SEND_BYTES: usize = 1 << 20;

/// COPY's text format, row by row: fields separated by tabs, rows ended by newlines,
/// `\N` for NULL, and a backslash, tab, newline or carriage return inside a value written
/// as `\\`, `\t`, `\n`, `\r` (every other character, UTF-8 included, as it is).
pub(crate) struct CopyText {
    buf: Vec<u8>,
    at_row_start: bool,
}

impl CopyText {
    pub(crate) fn new() -> CopyText {
        CopyText {
            buf: Vec::with_capacity(SEND_BYTES + 4096),
            at_row_start: true,
        }
    }

    fn sep(&mut self) {
        if !self.at_row_start {
            self.buf.push(b'\t');
        }
        self.at_row_start = false;
    }

    pub(crate) fn end_row(&mut self) {
        self.buf.push(b'\n');
        self.at_row_start = true;
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }
}

impl Sink for CopyText {
    fn text(&mut self, s: &str) {
        self.sep();
        let bytes = s.as_bytes();
        if !bytes
            .iter()
            .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
        {
            self.buf.extend_from_slice(bytes);
            return;
        }
        for &b in bytes {
            match b {
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                _ => self.buf.push(b),
            }
        }
    }

    fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => {
                self.sep();
                self.buf.extend_from_slice(b"\\N");
            }
        }
    }

    fn int(&mut self, v: Option<i64>) {
        match v {
            Some(v) => {
                self.sep();
                self.buf.extend_from_slice(v.to_string().as_bytes());
            }
            None => self.opt_text(None),
        }
    }

    fn bool(&mut self, v: bool) {
        self.sep();
        self.buf.push(if v { b't' } else { b'f' });
    }

    fn date(&mut self, d: NaiveDate) {
        self.text(DateText::default().of(d).as_ref());
    }
}

/// How two stored values of column `col` (`s.col`, `t.col`) are compared: as stored, but
/// a call time by the instant it names (two offsets for one instant are the same call
/// time, as the records compare; PostgreSQL resolves microseconds, which is all an
/// exchange file gives).
fn compared(col: &str, side: &str) -> String {
    if col == "received_at" {
        format!("{side}.{col}::timestamptz")
    } else {
        format!("{side}.{col}")
    }
}

/// Copies `rows` (with the import's `stamp` as `updated_at`) into `table`, which has the
/// entity's columns and `updated_at`.
async fn copy_rows<T: RowCodec>(
    conn: &mut PgConnection,
    table: &str,
    rows: &[&T],
    stamp: &str,
) -> Result<()> {
    let statement = format!("COPY {table} ({}, updated_at) FROM STDIN", T::COLUMN_LIST);
    let mut copy = conn.copy_in_raw(&statement).await?;
    let mut out = CopyText::new();
    let mut sent = Ok(());
    for r in rows {
        r.write(&mut out);
        out.text(stamp);
        out.end_row();
        if out.buf.len() >= SEND_BYTES {
            if let Err(e) = copy.send(out.bytes()).await {
                sent = Err(e);
                break;
            }
            out.buf.clear();
        }
    }
    if sent.is_ok() && !out.buf.is_empty() {
        sent = copy.send(out.bytes()).await.map(|_| ());
    }
    match sent {
        Ok(()) => {
            copy.finish().await?;
            Ok(())
        }
        Err(e) => {
            // The send's error is the one to report; the abort only ends the COPY.
            let _ = copy.abort("the import stopped").await;
            Err(e.into())
        }
    }
}

async fn table_is_empty(conn: &mut PgConnection, table: &str) -> Result<bool> {
    let sql = format!("SELECT NOT EXISTS (SELECT 1 FROM {table})");
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await?)
}

/// Writes one entity's rows; see the module documentation.
async fn write_entity<T: RowCodec>(
    conn: &mut PgConnection,
    batch: &[T],
    stamp: &str,
) -> Result<Counts> {
    if batch.is_empty() {
        return Ok(Counts::default());
    }
    // One row per key (the last), and as many distinct keys as `inserted` says.
    let (rows, distinct) = classify(batch, &HashMap::new(), T::key);
    if table_is_empty(conn, T::TABLE).await? {
        copy_rows(conn, T::TABLE, &rows, stamp).await?;
        return Ok(distinct);
    }

    let stage = format!("spor_stage_{}", T::TABLE);
    let sql = format!(
        "CREATE TEMPORARY TABLE {stage} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP",
        T::TABLE
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await?;
    copy_rows(conn, &stage, &rows, stamp).await?;

    let keys = &T::COLUMNS[..T::KEY];
    let rest = &T::COLUMNS[T::KEY..];
    let row_of = |side: &str| {
        let cols: Vec<String> = rest.iter().map(|c| compared(c, side)).collect();
        format!("ROW({})", cols.join(", "))
    };
    let join = keys
        .iter()
        .map(|k| format!("t.{k} = s.{k}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let sql = format!(
        "SELECT COUNT(*) FILTER (WHERE t.{k} IS NULL), \
         COUNT(*) FILTER (WHERE t.{k} IS NOT NULL AND {s} IS DISTINCT FROM {t}) \
         FROM {stage} s LEFT JOIN {table} t ON {join}",
        k = keys[0],
        s = row_of("s"),
        t = row_of("t"),
        table = T::TABLE,
    );
    let (inserted, updated): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_one(&mut *conn)
        .await?;

    // Only rows that differ are updated: an unchanged row keeps its version and stamp.
    let sql = format!(
        "{}SELECT {}, updated_at FROM {stage}{} WHERE {} IS DISTINCT FROM {}",
        insert_head::<T>(),
        T::COLUMN_LIST,
        upsert_tail::<T>(),
        row_of(T::TABLE),
        row_of("excluded"),
    );
    let written = sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let (inserted, updated) = (inserted as u64, updated as u64);
    debug_assert_eq!(written, inserted + updated);
    Ok(Counts {
        inserted,
        updated,
        unchanged: rows.len() as u64 - inserted - updated,
    })
}

/// Writes a validated batch inside the caller's transaction (which holds the import
/// lock): rows with a known ref updated, never duplicated, unchanged rows left as they
/// are; `last_change` set when anything was written.
pub(crate) async fn apply_import(
    conn: &mut PgConnection,
    batch: &ImportBatch,
) -> Result<ImportSummary> {
    let stamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut tables = Vec::new();
    for (table, n) in [
        ("identifications", batch.identifications.len()),
        ("assessments", batch.assessments.len()),
        ("hotline_calls", batch.hotline_calls.len()),
        ("history", batch.history.len()),
    ] {
        if n > 0 {
            tables.push(table);
        }
    }
    if !tables.is_empty() {
        // Other writers (the web's edits) wait until the import commits; readers do not.
        let sql = format!(
            "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
            tables.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *conn)
            .await?;
    }
    let summary = ImportSummary {
        identifications: write_entity(conn, &batch.identifications, &stamp).await?,
        assessments: write_entity(conn, &batch.assessments, &stamp).await?,
        hotline_calls: write_entity(conn, &batch.hotline_calls, &stamp).await?,
        history: write_entity(conn, &batch.history, &stamp).await?,
    };
    let t = summary.total();
    if t.inserted + t.updated > 0 {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('last_change', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(&stamp)
        .execute(&mut *conn)
        .await?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_the_format_reserves_and_nothing_else() {
        let mut o = CopyText::new();
        o.text("a\tb\nc\rd\\e");
        o.opt_text(None);
        o.text("Ø \"q\" 'x' \\N");
        o.int(Some(-7));
        o.bool(true);
        o.date(NaiveDate::from_ymd_opt(987, 3, 4).unwrap());
        o.end_row();
        o.text("");
        o.end_row();
        assert_eq!(
            std::str::from_utf8(o.bytes()).unwrap(),
            "a\\tb\\nc\\rd\\\\e\t\\N\tØ \"q\" 'x' \\\\N\t-7\tt\t0987-03-04\n\n"
        );
    }
}
