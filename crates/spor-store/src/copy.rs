//! Moving a whole register between stores (`spor store copy`): a [`Snapshot`] read from
//! the source in one transaction, restored into an empty target in one transaction, then
//! both registers loaded again and compared.
//!
//! The SQL is written once, like the register's ([`crate::queries`]): `copy_queries!`
//! is instantiated beside `register_queries!` in each backend's `q` module and uses its
//! loaders and `apply_import`.

use spor_core::{CodeEntry, ImportBatch, ListId, Register};

use crate::{Result, Store};

/// Everything a register holds, as stored.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Every record and history row.
    pub batch: ImportBatch,
    /// The settings table as it is (`microdata_from`, `last_change`, …).
    pub settings: Vec<(String, Option<String>)>,
    /// The centre's code additions, each with the time it was added (which orders them).
    pub code_additions: Vec<(CodeEntry, String)>,
}

/// Generates `snapshot` and `restore` for one backend, next to `register_queries!`.
macro_rules! copy_queries {
    ($db:ty) => {
        pub(crate) async fn snapshot(tx: &mut Tx<'_>) -> Result<crate::Snapshot> {
            let batch = ImportBatch {
                identifications: load_identifications(&mut **tx).await?,
                assessments: load_assessments(&mut **tx).await?,
                hotline_calls: load_hotline_calls(&mut **tx).await?,
                history: load_history(&mut **tx).await?,
            };
            let settings = sqlx::query("SELECT key, value FROM settings ORDER BY key")
                .fetch_all(&mut **tx)
                .await?
                .into_iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<Vec<(String, Option<String>)>>>()?;
            let code_additions = sqlx::query(
                "SELECT list, code, da, en, parent, eurostat, htcds, added_at FROM code_additions ORDER BY list, added_at, code",
            )
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .map(|r| {
                let list: String = r.try_get(0)?;
                let entry = CodeEntry {
                    list: ListId::parse(&list)
                        .ok_or_else(|| StoreError::Corrupt(format!("code list {list}")))?,
                    code: r.try_get(1)?,
                    da: r.try_get(2)?,
                    en: r.try_get(3)?,
                    parent: r.try_get(4)?,
                    eurostat: r.try_get(5)?,
                    htcds: r.try_get(6)?,
                    builtin: false,
                };
                Ok((entry, r.try_get(7)?))
            })
            .collect::<Result<Vec<(CodeEntry, String)>>>()?;
            Ok(crate::Snapshot {
                batch,
                settings,
                code_additions,
            })
        }

        /// What the store already holds, as "N identifications, …"; `None` when empty.
        async fn holdings(tx: &mut Tx<'_>) -> Result<Option<String>> {
            let row = sqlx::query(
                "SELECT (SELECT COUNT(*) FROM identifications), (SELECT COUNT(*) FROM assessments), (SELECT COUNT(*) FROM hotline_calls), (SELECT COUNT(*) FROM history), (SELECT COUNT(*) FROM code_additions), (SELECT COUNT(*) FROM settings)",
            )
            .fetch_one(&mut **tx)
            .await?;
            let names = [
                "identifications",
                "assessments",
                "hotline calls",
                "history rows",
                "code additions",
                "settings",
            ];
            let mut held = Vec::new();
            for (i, name) in names.iter().enumerate() {
                let n: i64 = row.try_get(i)?;
                if n > 0 {
                    held.push(format!("{n} {name}"));
                }
            }
            Ok((!held.is_empty()).then(|| held.join(", ")))
        }

        pub(crate) async fn restore(tx: &mut Tx<'_>, snap: &crate::Snapshot) -> Result<()> {
            if let Some(held) = holdings(tx).await? {
                return Err(StoreError::Conflict(format!(
                    "the target register is not empty (it holds {held}): copy only into a new, empty database"
                )));
            }
            apply_import(tx, &snap.batch).await?;
            // apply_import stamped last_change with the time of the copy: the source's
            // settings replace it, so the copy says when the register itself last changed.
            sqlx::query("DELETE FROM settings").execute(&mut **tx).await?;
            for (key, value) in &snap.settings {
                set_setting(&mut **tx, key, value.as_deref()).await?;
            }
            for chunk in snap.code_additions.chunks(CHUNK) {
                let mut qb: QueryBuilder<$db> = QueryBuilder::new(
                    "INSERT INTO code_additions (list, code, da, en, parent, eurostat, htcds, added_at) ",
                );
                qb.push_values(chunk.iter(), |mut b, (e, added_at)| {
                    b.push_bind(e.list.name())
                        .push_bind(e.code.as_str())
                        .push_bind(e.da.as_str())
                        .push_bind(e.en.as_str())
                        .push_bind(e.parent.as_deref())
                        .push_bind(e.eurostat.as_deref())
                        .push_bind(e.htcds.as_deref())
                        .push_bind(added_at.as_str());
                });
                qb.build().execute(&mut **tx).await?;
            }
            Ok(())
        }
    };
}

pub(crate) use copy_queries;

/// What a copy moved, and whether the two registers compared equal afterwards.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CopyOutcome {
    pub identifications: usize,
    pub assessments: usize,
    pub hotline_calls: usize,
    pub history: usize,
    pub code_additions: usize,
    pub settings: usize,
    /// Empty when the target's register equals the source's; otherwise what differs.
    pub differences: Vec<String>,
}

/// Copies the whole register of `from` into `to`, which must be empty, then loads both
/// registers and compares them. The copy is one transaction on the target: if it fails,
/// the target is left empty.
pub async fn copy_register(from: &dyn Store, to: &dyn Store) -> Result<CopyOutcome> {
    let snap = from.snapshot().await?;
    to.restore(&snap).await?;
    let a = from.load_register().await?;
    let b = to.load_register().await?;
    Ok(CopyOutcome {
        identifications: snap.batch.identifications.len(),
        assessments: snap.batch.assessments.len(),
        hotline_calls: snap.batch.hotline_calls.len(),
        history: snap.batch.history.len(),
        code_additions: snap.code_additions.len(),
        settings: snap.settings.len(),
        differences: compare_registers(&a, &b),
    })
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
