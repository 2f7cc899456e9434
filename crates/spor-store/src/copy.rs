//! Moving a whole register between stores (`spor store copy`): a [`Snapshot`] read from
//! the source in one transaction, restored into an empty target in one transaction, then
//! both registers loaded again and compared.
//!
//! The SQL is written once for both backends, generic over [`Backend`] like the register's.
//! It copies tables as stored, column by column ([`COPIED_TABLES`]), so nothing is
//! recomputed on the way.

use spor_core::{ListId, Register};
use sqlx::QueryBuilder;

use crate::sql::{Backend, Value, bind};
use crate::{Result, Store, StoreError};

/// How a column is stored: the copy reads and writes it as this Rust type on every backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Int,
    Bool,
}

use Kind::{Bool, Int, Text};

/// One table a copy moves: every column, in a stable row order.
#[derive(Debug)]
pub struct TableSpec {
    pub name: &'static str,
    pub(crate) columns: &'static [(&'static str, Kind)],
    pub(crate) order_by: &'static str,
}

impl TableSpec {
    pub fn column_names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|(c, _)| *c).collect()
    }
}

/// Every table of the register and of the web application, column by column, as the
/// migrations of both backends create them. Sessions, and the access granted to
/// them, are left behind on purpose (users log in again on the new server). A migration that adds a table or a column must add it
/// here: the story test `the_copy_covers_every_table_and_column` fails until it does.
pub const COPIED_TABLES: &[TableSpec] = &[
    TableSpec {
        name: "identifications",
        columns: &[
            ("case_ref", Text),
            ("person_ref", Text),
            ("decision_date", Text),
            ("authority", Text),
            ("outcome", Text),
            ("referral_actor", Text),
            ("exploitation_form", Text),
            ("exploitation_subtype", Text),
            ("gender", Text),
            ("age", Int),
            ("nationality", Text),
            ("return_date", Text),
            ("return_country", Text),
            ("version", Int),
            ("updated_at", Text),
        ],
        order_by: "case_ref",
    },
    TableSpec {
        name: "assessments",
        columns: &[
            ("assessment_ref", Text),
            ("person_ref", Text),
            ("interview_date", Text),
            ("gender", Text),
            ("age", Int),
            ("nationality", Text),
            ("version", Int),
            ("updated_at", Text),
        ],
        order_by: "assessment_ref",
    },
    TableSpec {
        name: "hotline_calls",
        columns: &[
            ("call_ref", Text),
            ("received_at", Text),
            ("caller_type", Text),
            ("concerns_possible_victim", Bool),
            ("topic", Text),
            ("version", Int),
            ("updated_at", Text),
        ],
        order_by: "call_ref",
    },
    TableSpec {
        name: "history",
        columns: &[
            ("series", Text),
            ("year", Int),
            ("category", Text),
            ("count", Int),
            ("updated_at", Text),
        ],
        order_by: "series, year, category",
    },
    TableSpec {
        name: "settings",
        columns: &[("key", Text), ("value", Text)],
        order_by: "key",
    },
    TableSpec {
        name: "code_additions",
        columns: &[
            ("list", Text),
            ("code", Text),
            ("da", Text),
            ("en", Text),
            ("parent", Text),
            ("eurostat", Text),
            ("htcds", Text),
            ("added_at", Text),
            ("retired_at", Text),
        ],
        order_by: "list, code",
    },
    TableSpec {
        name: "users",
        columns: &[
            ("name", Text),
            ("roles", Text),
            ("password_hash", Text),
            ("disabled", Bool),
            ("failed_logins", Int),
            ("locked_until", Text),
            ("created_at", Text),
            ("updated_at", Text),
            ("must_change_password", Bool),
            ("totp_secret", Text),
            ("totp_confirmed", Bool),
            ("totp_last_step", Int),
            ("team", Text),
        ],
        order_by: "name",
    },
    TableSpec {
        name: "person_teams",
        columns: &[
            ("person_ref", Text),
            ("team", Text),
            ("assigned_at", Text),
            ("assigned_by", Text),
        ],
        order_by: "person_ref",
    },
    TableSpec {
        name: "persons",
        columns: &[
            ("person_ref", Text),
            ("wrapped_key", Text),
            ("full_name", Text),
            ("other_names", Text),
            ("birth_date", Text),
            ("phone", Text),
            ("document_number", Text),
            ("language", Text),
            ("contact", Text),
            ("fingerprint", Text),
            ("version", Int),
            ("updated_at", Text),
            ("erased_at", Text),
            ("legal_hold", Text),
        ],
        order_by: "person_ref",
    },
    TableSpec {
        name: "person_index",
        columns: &[("hash", Text), ("kind", Text), ("person_ref", Text)],
        order_by: "hash, person_ref",
    },
    TableSpec {
        name: "recovery_codes",
        columns: &[("user_name", Text), ("code_hash", Text)],
        order_by: "user_name, code_hash",
    },
    TableSpec {
        name: "audit_events",
        columns: &[
            ("seq", Int),
            ("at", Text),
            ("code", Text),
            ("actor", Text),
            ("target", Text),
            ("address", Text),
            ("detail", Text),
            ("prev_hash", Text),
            ("hash", Text),
            ("chain", Int),
        ],
        order_by: "seq",
    },
    TableSpec {
        name: "record_changes",
        columns: &[
            ("entity", Text),
            ("record_ref", Text),
            ("version", Int),
            ("action", Text),
            ("actor", Text),
            ("at", Text),
            ("fields", Text),
        ],
        order_by: "entity, record_ref, version, at, action",
    },
    TableSpec {
        name: "releases",
        columns: &[
            ("id", Int),
            ("year", Int),
            ("profile", Text),
            ("published_at", Text),
            ("published_by", Text),
            ("register_change", Text),
            ("policy", Text),
            ("manifest", Text),
        ],
        order_by: "id",
    },
    TableSpec {
        name: "release_files",
        columns: &[
            ("release_id", Int),
            ("name", Text),
            ("format", Text),
            ("sha256", Text),
            ("content", Text),
        ],
        order_by: "release_id, name",
    },
];

/// One stored value. `Debug` hides it: rows are person-level.
#[derive(Clone, PartialEq, Eq)]
pub enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

impl std::fmt::Debug for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cell(…)")
    }
}

/// Everything a store holds, table by table and row by row, exactly as stored (versions,
/// stamps, the audit chain): what a copy moves. `Debug` shows row counts only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// In the order of [`COPIED_TABLES`] (parents before children).
    pub tables: Vec<(&'static str, Vec<Vec<Cell>>)>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for (t, rows) in &self.tables {
            m.entry(t, &rows.len());
        }
        m.finish()
    }
}

impl Snapshot {
    /// The number of rows of `table`.
    pub fn rows(&self, table: &str) -> usize {
        self.tables
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, rows)| rows.len())
    }
}

/// Reads every copied table, in one transaction that sees one state.
pub(crate) async fn snapshot<DB: Backend>(conn: &mut DB::Connection) -> Result<Snapshot> {
    let mut tables = Vec::with_capacity(COPIED_TABLES.len());
    for t in COPIED_TABLES {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            t.column_names().join(", "),
            t.name,
            t.order_by
        );
        let rows = bind::<DB>(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut *conn)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut row = Vec::with_capacity(t.columns.len());
            for (i, (_, kind)) in t.columns.iter().enumerate() {
                row.push(match kind {
                    Kind::Text => Cell::Text(DB::text(&r, i)?.map(str::to_owned)),
                    Kind::Int => Cell::Int(DB::int(&r, i)?),
                    Kind::Bool => Cell::Bool(DB::bool(&r, i)?),
                });
            }
            out.push(row);
        }
        tables.push((t.name, out));
    }
    Ok(Snapshot { tables })
}

/// The rows of every table a copy moves, and of the sessions, counted by the database.
pub(crate) async fn row_counts<DB: Backend>(
    conn: &mut DB::Connection,
) -> Result<Vec<(&'static str, u64)>> {
    let mut out = Vec::new();
    for t in COPIED_TABLES.iter().chain(&[SESSIONS]) {
        let sql = format!("SELECT COUNT(*) FROM {}", t.name);
        let rows = bind::<DB>(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut *conn)
            .await?;
        let n = match rows.first() {
            Some(r) => DB::int(r, 0)?.unwrap_or(0),
            None => 0,
        };
        out.push((t.name, u64::try_from(n).unwrap_or(0)));
    }
    Ok(out)
}

/// What the store already holds, as "N identifications, …"; `None` when empty.
async fn holdings<DB: Backend>(conn: &mut DB::Connection) -> Result<Option<String>> {
    let mut held = Vec::new();
    for (name, n) in row_counts::<DB>(conn).await? {
        if n > 0 {
            held.push(format!("{n} {}", name.replace('_', " ")));
        }
    }
    Ok((!held.is_empty()).then(|| held.join(", ")))
}

/// Writes a snapshot into an empty store, in the caller's transaction.
pub(crate) async fn restore<DB: Backend>(conn: &mut DB::Connection, snap: &Snapshot) -> Result<()> {
    if let Some(held) = holdings::<DB>(&mut *conn).await? {
        return Err(StoreError::Conflict(format!(
            "the target register is not empty (it holds {held}): copy only into a new, empty database"
        )));
    }
    for (name, rows) in &snap.tables {
        let Some(t) = COPIED_TABLES.iter().find(|t| t.name == *name) else {
            return Err(StoreError::Corrupt(format!(
                "unknown table {name} in a copy"
            )));
        };
        // Rows per INSERT: under SQLite's 32766 bound parameters.
        let per = (30_000 / t.columns.len()).max(1);
        for chunk in rows.chunks(per) {
            let mut qb: QueryBuilder<DB> = QueryBuilder::new(format!(
                "INSERT INTO {} ({}) VALUES ",
                t.name,
                t.column_names().join(", ")
            ));
            for (i, row) in chunk.iter().enumerate() {
                qb.push(if i == 0 { "(" } else { ", (" });
                for (j, cell) in row.iter().enumerate() {
                    if j > 0 {
                        qb.push(", ");
                    }
                    DB::push_bind(
                        &mut qb,
                        match cell {
                            Cell::Text(v) => Value::Text(v.as_deref()),
                            Cell::Int(v) => Value::Int(*v),
                            Cell::Bool(v) => Value::Bool(*v),
                        },
                    );
                }
                qb.push(")");
            }
            DB::execute(&mut *conn, qb.build()).await?;
        }
    }
    Ok(())
}

/// Not copied, but a target holding sessions is not empty either.
pub(crate) const SESSIONS: TableSpec = TableSpec {
    name: "sessions",
    columns: &[],
    order_by: "",
};

/// What a copy moved, and whether the two stores compared equal afterwards.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CopyOutcome {
    /// Rows copied per table, in the order of [`COPIED_TABLES`].
    pub rows: Vec<(&'static str, usize)>,
    /// Empty when the target equals the source; otherwise what differs.
    pub differences: Vec<String>,
}

impl CopyOutcome {
    /// Rows copied of `table`.
    pub fn rows(&self, table: &str) -> usize {
        self.rows
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    }
}

/// Copies everything `from` holds into `to`, which must be empty, in one transaction on
/// the target (if it fails, the target stays empty). Then checks twice: both registers
/// loaded as statistics and export see them are compared, and both stores are read again
/// table by table and compared row by row (versions, stamps, users, the audit chain).
pub async fn copy_register(from: &dyn Store, to: &dyn Store) -> Result<CopyOutcome> {
    // Only one snapshot is held at a time: the source's is reduced to a digest per table
    // before the target is read back (a register of a million decisions is large).
    let snap = from.snapshot().await?;
    to.restore(&snap).await?;
    let rows: Vec<(&'static str, usize)> = snap.tables.iter().map(|(t, r)| (*t, r.len())).collect();
    let source = digests(&snap);
    drop(snap);
    let target = digests(&to.snapshot().await?);
    let mut differences = Vec::new();
    for ((name, n, x), (_, m, y)) in source.iter().zip(&target) {
        if n != m {
            differences.push(format!(
                "table {name}: {n} rows in the source, {m} in the copy"
            ));
        } else if x != y {
            differences.push(format!("table {name}: rows differ"));
        }
    }
    let a = from.load_register().await?;
    let b = to.load_register().await?;
    differences.splice(0..0, compare_registers(&a, &b));
    Ok(CopyOutcome { rows, differences })
}

/// Per table: its name, its number of rows and a SHA-256 of its rows in order.
fn digests(snap: &Snapshot) -> Vec<(&'static str, usize, [u8; 32])> {
    use sha2::{Digest, Sha256};
    snap.tables
        .iter()
        .map(|(name, rows)| {
            let mut h = Sha256::new();
            for row in rows {
                for cell in row {
                    // Tag, then a length-prefixed value: no two different rows hash alike
                    // by running one value into the next.
                    let (tag, bytes): (u8, Vec<u8>) = match cell {
                        Cell::Text(None) | Cell::Int(None) | Cell::Bool(None) => (0, Vec::new()),
                        Cell::Text(Some(t)) => (1, t.as_bytes().to_vec()),
                        Cell::Int(Some(i)) => (2, i.to_le_bytes().to_vec()),
                        Cell::Bool(Some(b)) => (3, vec![u8::from(*b)]),
                    };
                    h.update([tag]);
                    h.update((bytes.len() as u64).to_le_bytes());
                    h.update(&bytes);
                }
                h.update([0xff]);
            }
            (*name, rows.len(), h.finalize().into())
        })
        .collect()
}

/// Compares two registers part by part; each difference is named without record content
/// (counts and positions only, as the registers are person-level).
pub fn compare_registers(a: &Register, b: &Register) -> Vec<String> {
    fn part<T: PartialEq>(out: &mut Vec<String>, name: &str, a: &[T], b: &[T]) {
        if a.len() != b.len() {
            out.push(format!(
                "{name}: {} in the source, {} in the copy",
                a.len(),
                b.len()
            ));
        } else if let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) {
            let n = a.iter().zip(b).filter(|(x, y)| x != y).count();
            out.push(format!(
                "{name}: {n} rows differ, the first at position {}",
                i + 1
            ));
        }
    }
    let mut out = Vec::new();
    part(
        &mut out,
        "identifications",
        &a.identifications,
        &b.identifications,
    );
    part(&mut out, "assessments", &a.assessments, &b.assessments);
    part(
        &mut out,
        "hotline calls",
        &a.hotline_calls,
        &b.hotline_calls,
    );
    part(&mut out, "history", &a.history, &b.history);
    for list in ListId::ALL {
        part(
            &mut out,
            &format!("code list {list}"),
            a.codes.list(list),
            b.codes.list(list),
        );
    }
    if a.microdata_from != b.microdata_from {
        out.push(format!(
            "microdata_from: {:?} in the source, {:?} in the copy",
            a.microdata_from, b.microdata_from
        ));
    }
    if a.last_change != b.last_change {
        out.push(format!(
            "last_change: {:?} in the source, {:?} in the copy",
            a.last_change.map(|t| t.to_rfc3339()),
            b.last_change.map(|t| t.to_rfc3339())
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(rows: Vec<Vec<Cell>>) -> Snapshot {
        Snapshot {
            tables: vec![("settings", rows)],
        }
    }

    fn text(s: &str) -> Cell {
        Cell::Text(Some(s.to_string()))
    }

    #[test]
    fn digests_tell_apart_rows_that_differ_in_one_cell_or_in_where_values_split() {
        let base = digests(&snap(vec![vec![text("ab"), text("c")]]));
        assert_eq!(base, digests(&snap(vec![vec![text("ab"), text("c")]])));
        for other in [
            vec![vec![text("a"), text("bc")]],
            vec![vec![text("ab"), Cell::Text(None)]],
            vec![vec![text("ab"), text("d")]],
            vec![vec![text("ab")], vec![text("c")]],
        ] {
            assert_ne!(base[0].2, digests(&snap(other))[0].2);
        }
        assert_ne!(
            digests(&snap(vec![vec![Cell::Int(Some(1))]])),
            digests(&snap(vec![vec![Cell::Bool(Some(true))]]))
        );
    }
}
