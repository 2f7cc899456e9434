//! The register's SQL, written once for every backend: a macro instantiates it for each
//! sqlx database type, because the statements are the same (standard SQL with `$n`
//! placeholders and `ON CONFLICT … DO UPDATE`, which SQLite and PostgreSQL both speak)
//! while the generic bounds sqlx would need for a plain generic function are unwieldy.

/// Generates `apply_import`, `load_register` and the settings and code-list functions for
/// one backend. All integers are stored as 64-bit (`BIGINT` on PostgreSQL).
macro_rules! register_queries {
    ($db:ty) => {
        use std::collections::HashMap;

        use chrono::{DateTime, Utc};
        use sqlx::{QueryBuilder, Row as _};
        use spor_core::{CodeBook, CodeEntry, ImportBatch, ListId, Register};

        use crate::rows::*;
        use crate::{ImportSummary, Result, StoreError};

        type Tx<'a> = sqlx::Transaction<'a, $db>;
        type Conn = <$db as sqlx::Database>::Connection;

        /// Rows per multi-row INSERT: well under SQLite's 32766 bound parameters.
        const CHUNK: usize = 1000;

        fn now() -> String {
            Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        }

        async fn table_is_empty(conn: &mut Conn, table: &'static str) -> Result<bool> {
            let sql = match table {
                "identifications" => "SELECT EXISTS (SELECT 1 FROM identifications)",
                "assessments" => "SELECT EXISTS (SELECT 1 FROM assessments)",
                "hotline_calls" => "SELECT EXISTS (SELECT 1 FROM hotline_calls)",
                _ => "SELECT EXISTS (SELECT 1 FROM history)",
            };
            let row = sqlx::query(sql).fetch_one(&mut *conn).await?;
            Ok(!row.try_get::<bool, _>(0)?)
        }

        pub(crate) async fn load_identifications(conn: &mut Conn) -> Result<Vec<spor_core::Identification>> {
            let rows = sqlx::query(
                "SELECT case_ref, person_ref, decision_date, authority, outcome, referral_actor, exploitation_form, exploitation_subtype, gender, age, nationality, return_date, return_country FROM identifications ORDER BY case_ref",
            )
            .fetch_all(&mut *conn)
            .await?;
            rows.into_iter()
                .map(|r| {
                    raw_identification!(r)
                    .into_record()
                })
                .collect()
        }

        pub(crate) async fn load_assessments(conn: &mut Conn) -> Result<Vec<spor_core::Assessment>> {
            let rows = sqlx::query(
                "SELECT assessment_ref, person_ref, interview_date, gender, age, nationality FROM assessments ORDER BY assessment_ref",
            )
            .fetch_all(&mut *conn)
            .await?;
            rows.into_iter()
                .map(|r| {
                    raw_assessment!(r)
                    .into_record()
                })
                .collect()
        }

        pub(crate) async fn load_hotline_calls(conn: &mut Conn) -> Result<Vec<spor_core::HotlineCall>> {
            let rows = sqlx::query(
                "SELECT call_ref, received_at, caller_type, concerns_possible_victim, topic FROM hotline_calls ORDER BY call_ref",
            )
            .fetch_all(&mut *conn)
            .await?;
            rows.into_iter()
                .map(|r| {
                    raw_hotline_call!(r)
                    .into_record()
                })
                .collect()
        }

        pub(crate) async fn load_history(conn: &mut Conn) -> Result<Vec<spor_core::HistoryRow>> {
            let rows = sqlx::query(
                "SELECT series, year, category, count FROM history ORDER BY series, year, category",
            )
            .fetch_all(&mut *conn)
            .await?;
            rows.into_iter()
                .map(|r| {
                    RawHistory {
                        series: r.try_get(0)?,
                        year: r.try_get(1)?,
                        category: r.try_get(2)?,
                        count: r.try_get(3)?,
                    }
                    .into_record()
                })
                .collect()
        }

        async fn upsert_identifications(tx: &mut Tx<'_>, rows: &[&spor_core::Identification], stamp: &str) -> Result<()> {
            for chunk in rows.chunks(CHUNK) {
                let mut qb: QueryBuilder<$db> = QueryBuilder::new(
                    crate::rows::IDENTIFICATION_INSERT,
                );
                qb.push_values(chunk.iter(), |mut b, r| {
                    b.push_bind(r.case_ref.as_str())
                        .push_bind(r.person_ref.as_str())
                        .push_bind(r.decision_date.to_string())
                        .push_bind(r.authority.code())
                        .push_bind(r.outcome.code())
                        .push_bind(r.referral_actor.as_ref().map(|c| c.as_str()))
                        .push_bind(r.exploitation_form.map(|f| f.code()))
                        .push_bind(r.exploitation_subtype.as_ref().map(|c| c.as_str()))
                        .push_bind(r.gender.code())
                        .push_bind(r.age.map(i64::from))
                        .push_bind(r.nationality.as_str())
                        .push_bind(r.return_date.map(|d| d.to_string()))
                        .push_bind(r.return_country.as_ref().map(|c| c.as_str()))
                        .push_bind(stamp);
                });
                qb.push(
                    crate::rows::IDENTIFICATION_UPSERT,
                );
                qb.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        async fn upsert_assessments(tx: &mut Tx<'_>, rows: &[&spor_core::Assessment], stamp: &str) -> Result<()> {
            for chunk in rows.chunks(CHUNK) {
                let mut qb: QueryBuilder<$db> = QueryBuilder::new(
                    crate::rows::ASSESSMENT_INSERT,
                );
                qb.push_values(chunk.iter(), |mut b, r| {
                    b.push_bind(r.assessment_ref.as_str())
                        .push_bind(r.person_ref.as_str())
                        .push_bind(r.interview_date.to_string())
                        .push_bind(r.gender.code())
                        .push_bind(r.age.map(i64::from))
                        .push_bind(r.nationality.as_str())
                        .push_bind(stamp);
                });
                qb.push(
                    crate::rows::ASSESSMENT_UPSERT,
                );
                qb.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        async fn upsert_hotline_calls(tx: &mut Tx<'_>, rows: &[&spor_core::HotlineCall], stamp: &str) -> Result<()> {
            for chunk in rows.chunks(CHUNK) {
                let mut qb: QueryBuilder<$db> = QueryBuilder::new(
                    crate::rows::HOTLINE_INSERT,
                );
                qb.push_values(chunk.iter(), |mut b, r| {
                    b.push_bind(r.call_ref.as_str())
                        .push_bind(spor_core::format_timestamp(&r.received_at))
                        .push_bind(r.caller_type.code())
                        .push_bind(r.concerns_possible_victim)
                        .push_bind(r.topic.map(|t| t.code()))
                        .push_bind(stamp);
                });
                qb.push(
                    crate::rows::HOTLINE_UPSERT,
                );
                qb.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        async fn upsert_history(tx: &mut Tx<'_>, rows: &[&spor_core::HistoryRow], stamp: &str) -> Result<()> {
            for chunk in rows.chunks(CHUNK) {
                let mut qb: QueryBuilder<$db> =
                    QueryBuilder::new(crate::rows::HISTORY_INSERT);
                qb.push_values(chunk.iter(), |mut b, r| {
                    b.push_bind(r.series.code())
                        .push_bind(i64::from(r.year))
                        .push_bind(r.category.as_deref().unwrap_or(""))
                        .push_bind(r.count.map(|c| c as i64))
                        .push_bind(stamp);
                });
                qb.push(
                    crate::rows::HISTORY_UPSERT,
                );
                qb.build().execute(&mut **tx).await?;
            }
            Ok(())
        }

        /// Loads the stored rows of one entity keyed by ref, unless the table is empty or
        /// nothing of that entity is imported.
        macro_rules! existing {
            ($tx:expr, $batch:expr, $table:literal, $load:ident, $key:expr) => {{
                let mut map = HashMap::new();
                if !$batch.is_empty() && !table_is_empty(&mut **$tx, $table).await? {
                    for r in $load(&mut **$tx).await? {
                        map.insert($key(&r), r);
                    }
                }
                map
            }};
        }

        #[allow(dead_code)] // SQLite imports through its bulk path (sqlite_bulk.rs)
        pub(crate) async fn apply_import(tx: &mut Tx<'_>, batch: &ImportBatch) -> Result<ImportSummary> {
            let stamp = now();
            let mut summary = ImportSummary::default();

            let key = |r: &spor_core::Identification| r.case_ref.as_str().to_owned();
            let old = existing!(tx, batch.identifications, "identifications", load_identifications, key);
            let (write, counts) = classify(&batch.identifications, &old, key);
            upsert_identifications(tx, &write, &stamp).await?;
            summary.identifications = counts;

            let key = |r: &spor_core::Assessment| r.assessment_ref.as_str().to_owned();
            let old = existing!(tx, batch.assessments, "assessments", load_assessments, key);
            let (write, counts) = classify(&batch.assessments, &old, key);
            upsert_assessments(tx, &write, &stamp).await?;
            summary.assessments = counts;

            let key = |r: &spor_core::HotlineCall| r.call_ref.as_str().to_owned();
            let old = existing!(tx, batch.hotline_calls, "hotline_calls", load_hotline_calls, key);
            let (write, counts) = classify(&batch.hotline_calls, &old, key);
            upsert_hotline_calls(tx, &write, &stamp).await?;
            summary.hotline_calls = counts;

            let key = |r: &spor_core::HistoryRow| {
                let (s, y, c) = r.key();
                (s, y, c.to_owned())
            };
            let old = existing!(tx, batch.history, "history", load_history, key);
            let (write, counts) = classify(&batch.history, &old, key);
            upsert_history(tx, &write, &stamp).await?;
            summary.history = counts;

            let t = summary.total();
            if t.inserted + t.updated > 0 {
                set_setting(&mut **tx, "last_change", Some(&stamp)).await?;
            }
            Ok(summary)
        }

        pub(crate) async fn get_setting(conn: &mut Conn, key: &str) -> Result<Option<String>> {
            let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut *conn)
                .await?;
            Ok(match row {
                Some(r) => r.try_get(0)?,
                None => None,
            })
        }

        pub(crate) async fn set_setting(conn: &mut Conn, key: &str, value: Option<&str>) -> Result<()> {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        pub(crate) async fn microdata_from(conn: &mut Conn) -> Result<Option<i32>> {
            get_setting(conn, "microdata_from")
                .await?
                .map(|v| v.parse::<i32>().map_err(|_| StoreError::Corrupt("microdata_from".into())))
                .transpose()
        }

        pub(crate) async fn set_microdata_from(tx: &mut Tx<'_>, year: Option<i32>) -> Result<()> {
            let v = year.map(|y| y.to_string());
            set_setting(&mut **tx, "microdata_from", v.as_deref()).await?;
            set_setting(&mut **tx, "last_change", Some(&now())).await
        }

        pub(crate) async fn last_change(conn: &mut Conn) -> Result<Option<DateTime<Utc>>> {
            get_setting(conn, "last_change")
                .await?
                .map(|v| {
                    DateTime::parse_from_rfc3339(&v)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|_| StoreError::Corrupt("last_change".into()))
                })
                .transpose()
        }

        pub(crate) async fn code_additions(conn: &mut Conn) -> Result<Vec<CodeEntry>> {
            let rows = sqlx::query(
                "SELECT list, code, da, en, parent, eurostat, htcds FROM code_additions ORDER BY list, added_at, code",
            )
            .fetch_all(&mut *conn)
            .await?;
            rows.into_iter()
                .map(|r| {
                    let list: String = r.try_get(0)?;
                    Ok(CodeEntry {
                        list: ListId::parse(&list)
                            .ok_or_else(|| StoreError::Corrupt(format!("code list {list}")))?,
                        code: r.try_get(1)?,
                        da: r.try_get(2)?,
                        en: r.try_get(3)?,
                        parent: r.try_get(4)?,
                        eurostat: r.try_get(5)?,
                        htcds: r.try_get(6)?,
                        builtin: false,
                    })
                })
                .collect()
        }

        pub(crate) async fn add_code(tx: &mut Tx<'_>, e: &CodeEntry) -> Result<()> {
            let stamp = now();
            let res = sqlx::query(
                "INSERT INTO code_additions (list, code, da, en, parent, eurostat, htcds, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (list, code) DO NOTHING",
            )
            .bind(e.list.name())
            .bind(&e.code)
            .bind(&e.da)
            .bind(&e.en)
            .bind(&e.parent)
            .bind(&e.eurostat)
            .bind(&e.htcds)
            .bind(&stamp)
            .execute(&mut **tx)
            .await?;
            if res.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!(
                    "the code `{}` already exists in `{}`",
                    e.code, e.list
                )));
            }
            set_setting(&mut **tx, "last_change", Some(&stamp)).await
        }

        #[allow(dead_code)] // SQLite loads through its bulk path (sqlite_bulk.rs)
        pub(crate) async fn load_register(tx: &mut Tx<'_>) -> Result<Register> {
            Ok(Register {
                identifications: load_identifications(&mut **tx).await?,
                assessments: load_assessments(&mut **tx).await?,
                hotline_calls: load_hotline_calls(&mut **tx).await?,
                history: load_history(&mut **tx).await?,
                microdata_from: microdata_from(&mut **tx).await?,
                codes: CodeBook::with_additions(code_additions(&mut **tx).await?),
                last_change: last_change(&mut **tx).await?,
            })
        }
    };
}

pub(crate) use register_queries;
