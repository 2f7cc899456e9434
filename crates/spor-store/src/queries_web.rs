//! The web application's SQL, written once for every backend (see `queries.rs` for why a
//! macro). `impl_web_store!(StoreType, sqlx::Db)` implements [`crate::web::WebStore`] for a
//! store type that has `fn pool(&self) -> &sqlx::Pool<Db>`.
//!
//! Concurrency: every write transaction starts with a write to the `audit_head` setting,
//! which takes SQLite's write lock up front (waiting through `busy_timeout` instead of
//! failing on a stale read snapshot) and serialises audit appends on PostgreSQL. A write
//! that still collides (busy, serialisation failure, duplicate key) is retried a few times.

macro_rules! impl_web_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use sqlx::{QueryBuilder, Row as _};
            use spor_core::{Assessment, HotlineCall, Identification};

            use crate::web::*;
            use crate::{Result, StoreError};

            type Conn = <$db as sqlx::Database>::Connection;
            type Q<'q> = sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>;

            fn is_retryable(e: &StoreError) -> bool {
                match e {
                    StoreError::Database(sqlx::Error::Database(d)) => {
                        d.is_unique_violation()
                            || matches!(
                                d.code().as_deref(),
                                Some("5" | "6" | "517" | "261" | "40001" | "40P01")
                            )
                    }
                    StoreError::Database(sqlx::Error::PoolTimedOut) => true,
                    _ => false,
                }
            }

            macro_rules! retry {
                ($body:expr) => {{
                    let mut attempt = 0u32;
                    loop {
                        match $body {
                            Err(e) if attempt < 8 && is_retryable(&e) => {
                                attempt += 1;
                                tokio::time::sleep(std::time::Duration::from_millis(
                                    5 * u64::from(attempt),
                                ))
                                .await;
                            }
                            other => break other,
                        }
                    }
                }};
            }

            fn ts(s: &str) -> Result<DateTime<Utc>> {
                parse_stamp(s).ok_or_else(|| StoreError::Corrupt(format!("stored time `{s}`")))
            }

            fn opt_ts(s: Option<String>) -> Result<Option<DateTime<Utc>>> {
                s.as_deref().map(ts).transpose()
            }

            /// Takes the write lock first (see the module comment).
            async fn lock(conn: &mut Conn) -> Result<()> {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ('audit_head', NULL) ON CONFLICT (key) DO UPDATE SET value = settings.value",
                )
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            async fn touch_register(conn: &mut Conn, at: &str) -> Result<()> {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ('last_change', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(at)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            fn user_from(r: &<$db as sqlx::Database>::Row) -> Result<UserRow> {
                Ok(UserRow {
                    name: r.try_get(0)?,
                    roles: r.try_get(1)?,
                    password_hash: r.try_get(2)?,
                    disabled: r.try_get(3)?,
                    failed_logins: r.try_get(4)?,
                    locked_until: opt_ts(r.try_get(5)?)?,
                    created_at: ts(&r.try_get::<String, _>(6)?)?,
                })
            }

            fn event_from(r: &<$db as sqlx::Database>::Row) -> Result<AuditEvent> {
                Ok(AuditEvent {
                    seq: r.try_get(0)?,
                    at: r.try_get(1)?,
                    code: r.try_get(2)?,
                    actor: r.try_get(3)?,
                    target: r.try_get(4)?,
                    address: r.try_get(5)?,
                    detail: r.try_get(6)?,
                    prev_hash: r.try_get(7)?,
                    hash: r.try_get(8)?,
                })
            }

            const EVENT_COLS: &str =
                "seq, at, code, actor, target, address, detail, prev_hash, hash";

            async fn append_in(conn: &mut Conn, e: &NewAuditEvent, at: DateTime<Utc>) -> Result<AuditEvent> {
                let last = sqlx::query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *conn)
                    .await?;
                let (seq, prev_hash) = match last {
                    Some(r) => (r.try_get::<i64, _>(0)? + 1, r.try_get::<String, _>(1)?),
                    None => (1, GENESIS_HASH.to_string()),
                };
                let mut ev = AuditEvent {
                    seq,
                    at: stamp(at),
                    code: e.code.clone(),
                    actor: e.actor.clone(),
                    target: e.target.clone(),
                    address: e.address.clone(),
                    detail: e.detail.clone(),
                    prev_hash,
                    hash: String::new(),
                };
                ev.hash = audit_hash(&ev.prev_hash, &ev);
                sqlx::query(
                    "INSERT INTO audit_events (seq, at, code, actor, target, address, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(ev.seq)
                .bind(&ev.at)
                .bind(&ev.code)
                .bind(&ev.actor)
                .bind(&ev.target)
                .bind(&ev.address)
                .bind(&ev.detail)
                .bind(&ev.prev_hash)
                .bind(&ev.hash)
                .execute(&mut *conn)
                .await?;
                sqlx::query("UPDATE settings SET value = $1 WHERE key = 'audit_head'")
                    .bind(format!("{}:{}", ev.seq, ev.hash))
                    .execute(&mut *conn)
                    .await?;
                Ok(ev)
            }

            const IDENT_COLS: &str = "case_ref, person_ref, decision_date, authority, outcome, referral_actor, exploitation_form, exploitation_subtype, gender, age, nationality, return_date, return_country, version, updated_at";
            const ASSESS_COLS: &str =
                "assessment_ref, person_ref, interview_date, gender, age, nationality, version, updated_at";
            const CALL_COLS: &str =
                "call_ref, received_at, caller_type, concerns_possible_victim, topic, version, updated_at";

            fn ident_from(r: &<$db as sqlx::Database>::Row) -> Result<Versioned<Identification>> {
                let record = raw_identification!(r)
                .into_record()?;
                Ok(Versioned { record, version: r.try_get(13)?, updated_at: r.try_get(14)? })
            }

            fn assess_from(r: &<$db as sqlx::Database>::Row) -> Result<Versioned<Assessment>> {
                let record = raw_assessment!(r)
                .into_record()?;
                Ok(Versioned { record, version: r.try_get(6)?, updated_at: r.try_get(7)? })
            }

            fn call_from(r: &<$db as sqlx::Database>::Row) -> Result<Versioned<HotlineCall>> {
                let record = raw_hotline_call!(r)
                .into_record()?;
                Ok(Versioned { record, version: r.try_get(5)?, updated_at: r.try_get(6)? })
            }

            /// Binds the record's columns in the order of its `*_COLS` without version and
            /// updated_at (`$1` is the ref).
            fn bind_record<'q>(q: Q<'q>, r: &Record) -> Q<'q> {
                match r {
                    Record::Identification(r) => q
                        .bind(r.case_ref.as_str().to_owned())
                        .bind(r.person_ref.as_str().to_owned())
                        .bind(r.decision_date.to_string())
                        .bind(r.authority.code())
                        .bind(r.outcome.code())
                        .bind(r.referral_actor.as_ref().map(|c| c.as_str().to_owned()))
                        .bind(r.exploitation_form.map(|f| f.code()))
                        .bind(r.exploitation_subtype.as_ref().map(|c| c.as_str().to_owned()))
                        .bind(r.gender.code())
                        .bind(r.age.map(i64::from))
                        .bind(r.nationality.as_str().to_owned())
                        .bind(r.return_date.map(|d| d.to_string()))
                        .bind(r.return_country.as_ref().map(|c| c.as_str().to_owned())),
                    Record::Assessment(r) => q
                        .bind(r.assessment_ref.as_str().to_owned())
                        .bind(r.person_ref.as_str().to_owned())
                        .bind(r.interview_date.to_string())
                        .bind(r.gender.code())
                        .bind(r.age.map(i64::from))
                        .bind(r.nationality.as_str().to_owned()),
                    Record::HotlineCall(r) => q
                        .bind(r.call_ref.as_str().to_owned())
                        .bind(spor_core::format_timestamp(&r.received_at))
                        .bind(r.caller_type.code())
                        .bind(r.concerns_possible_victim)
                        .bind(r.topic.map(|t| t.code())),
                }
            }

            fn insert_sql(kind: RecordKind) -> &'static str {
                match kind {
                    RecordKind::Identification => "INSERT INTO identifications (case_ref, person_ref, decision_date, authority, outcome, referral_actor, exploitation_form, exploitation_subtype, gender, age, nationality, return_date, return_country, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    RecordKind::Assessment => "INSERT INTO assessments (assessment_ref, person_ref, interview_date, gender, age, nationality, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    RecordKind::HotlineCall => "INSERT INTO hotline_calls (call_ref, received_at, caller_type, concerns_possible_victim, topic, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                }
            }

            fn update_sql(kind: RecordKind) -> &'static str {
                match kind {
                    RecordKind::Identification => "UPDATE identifications SET person_ref = $2, decision_date = $3, authority = $4, outcome = $5, referral_actor = $6, exploitation_form = $7, exploitation_subtype = $8, gender = $9, age = $10, nationality = $11, return_date = $12, return_country = $13, version = $14, updated_at = $15 WHERE case_ref = $1 AND version = $16",
                    RecordKind::Assessment => "UPDATE assessments SET person_ref = $2, interview_date = $3, gender = $4, age = $5, nationality = $6, version = $7, updated_at = $8 WHERE assessment_ref = $1 AND version = $9",
                    RecordKind::HotlineCall => "UPDATE hotline_calls SET received_at = $2, caller_type = $3, concerns_possible_victim = $4, topic = $5, version = $6, updated_at = $7 WHERE call_ref = $1 AND version = $8",
                }
            }

            fn select_one_sql(kind: RecordKind) -> &'static str {
                match kind {
                    RecordKind::Identification => "SELECT case_ref, person_ref, decision_date, authority, outcome, referral_actor, exploitation_form, exploitation_subtype, gender, age, nationality, return_date, return_country, version, updated_at FROM identifications WHERE case_ref = $1",
                    RecordKind::Assessment => "SELECT assessment_ref, person_ref, interview_date, gender, age, nationality, version, updated_at FROM assessments WHERE assessment_ref = $1",
                    RecordKind::HotlineCall => "SELECT call_ref, received_at, caller_type, concerns_possible_victim, topic, version, updated_at FROM hotline_calls WHERE call_ref = $1",
                }
            }

            fn delete_sql(kind: RecordKind) -> &'static str {
                match kind {
                    RecordKind::Identification => "DELETE FROM identifications WHERE case_ref = $1 AND version = $2",
                    RecordKind::Assessment => "DELETE FROM assessments WHERE assessment_ref = $1 AND version = $2",
                    RecordKind::HotlineCall => "DELETE FROM hotline_calls WHERE call_ref = $1 AND version = $2",
                }
            }

            async fn read_one(conn: &mut Conn, kind: RecordKind, key: &str) -> Result<Option<Versioned<Record>>> {
                let row = sqlx::query(select_one_sql(kind))
                    .bind(key.to_owned())
                    .fetch_optional(&mut *conn)
                    .await?;
                let Some(r) = row else { return Ok(None) };
                Ok(Some(match kind {
                    RecordKind::Identification => {
                        let v = ident_from(&r)?;
                        Versioned { record: Record::Identification(v.record), version: v.version, updated_at: v.updated_at }
                    }
                    RecordKind::Assessment => {
                        let v = assess_from(&r)?;
                        Versioned { record: Record::Assessment(v.record), version: v.version, updated_at: v.updated_at }
                    }
                    RecordKind::HotlineCall => {
                        let v = call_from(&r)?;
                        Versioned { record: Record::HotlineCall(v.record), version: v.version, updated_at: v.updated_at }
                    }
                }))
            }

            async fn log_change(
                conn: &mut Conn,
                kind: RecordKind,
                key: &str,
                version: i64,
                action: &str,
                ctx: &ChangeContext,
                fields: &serde_json::Value,
            ) -> Result<()> {
                let at = stamp(ctx.at);
                sqlx::query(
                    "INSERT INTO record_changes (entity, record_ref, version, action, actor, at, fields) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(kind.entity())
                .bind(key.to_owned())
                .bind(version)
                .bind(action)
                .bind(&ctx.actor)
                .bind(&at)
                .bind(fields.to_string())
                .execute(&mut *conn)
                .await?;
                touch_register(conn, &at).await?;
                append_in(conn, &ctx.audit, ctx.at).await?;
                Ok(())
            }

            /// The highest version this ref ever had (a deleted and re-created record
            /// continues its history instead of starting again at 1).
            async fn last_logged_version(conn: &mut Conn, kind: RecordKind, key: &str) -> Result<i64> {
                let row = sqlx::query(
                    "SELECT COALESCE(MAX(version), 0) FROM record_changes WHERE entity = $1 AND record_ref = $2",
                )
                .bind(kind.entity())
                .bind(key.to_owned())
                .fetch_one(&mut *conn)
                .await?;
                Ok(row.try_get::<i64, _>(0)?)
            }

            /// Date column, and the columns the filters apply to, of each list.
            struct ListSpec {
                table: &'static str,
                cols: &'static str,
                date: &'static str,
                form: Option<&'static str>,
                nationality: Option<&'static str>,
                outcome: Option<&'static str>,
                person: Option<&'static str>,
                order: &'static str,
            }

            const IDENT_LIST: ListSpec = ListSpec {
                table: "identifications",
                cols: IDENT_COLS,
                date: "decision_date",
                form: Some("exploitation_form"),
                nationality: Some("nationality"),
                outcome: Some("outcome"),
                person: Some("person_ref"),
                order: "decision_date DESC, case_ref",
            };
            const ASSESS_LIST: ListSpec = ListSpec {
                table: "assessments",
                cols: ASSESS_COLS,
                date: "interview_date",
                form: None,
                nationality: Some("nationality"),
                outcome: None,
                person: Some("person_ref"),
                order: "interview_date DESC, assessment_ref",
            };
            const CALL_LIST: ListSpec = ListSpec {
                table: "hotline_calls",
                cols: CALL_COLS,
                date: "received_at",
                form: None,
                nationality: None,
                outcome: None,
                person: None,
                order: "received_at DESC, call_ref",
            };

            fn push_where(qb: &mut QueryBuilder<$db>, spec: &ListSpec, f: &RecordFilter) {
                qb.push(" WHERE 1 = 1");
                if let Some(y) = f.year {
                    qb.push(" AND substr(").push(spec.date).push(", 1, 4) = ").push_bind(format!("{y:04}"));
                }
                let pairs = [
                    (spec.form, &f.form),
                    (spec.nationality, &f.nationality),
                    (spec.outcome, &f.outcome),
                    (spec.person, &f.person_ref),
                ];
                for (col, val) in pairs {
                    if let (Some(col), Some(v)) = (col, val) {
                        qb.push(" AND ").push(col).push(" = ").push_bind(v.clone());
                    }
                }
            }

            async fn list<T>(
                pool: &sqlx::Pool<$db>,
                spec: &ListSpec,
                f: &RecordFilter,
                limit: i64,
                offset: i64,
                conv: fn(&<$db as sqlx::Database>::Row) -> Result<T>,
            ) -> Result<Page<T>> {
                let mut conn = pool.acquire().await?;
                let mut qb: QueryBuilder<$db> = QueryBuilder::new("SELECT COUNT(*) FROM ");
                qb.push(spec.table);
                push_where(&mut qb, spec, f);
                let total: i64 = qb.build().fetch_one(&mut *conn).await?.try_get(0)?;
                let mut qb: QueryBuilder<$db> = QueryBuilder::new("SELECT ");
                qb.push(spec.cols).push(" FROM ").push(spec.table);
                push_where(&mut qb, spec, f);
                qb.push(" ORDER BY ").push(spec.order);
                qb.push(" LIMIT ").push_bind(limit.max(0)).push(" OFFSET ").push_bind(offset.max(0));
                let rows = qb.build().fetch_all(&mut *conn).await?;
                let items = rows.iter().map(conv).collect::<Result<Vec<_>>>()?;
                Ok(Page { items, total })
            }

            fn push_audit_where(qb: &mut QueryBuilder<$db>, f: &AuditFilter) {
                qb.push(" WHERE 1 = 1");
                if let Some(c) = &f.code_prefix {
                    qb.push(" AND substr(code, 1, ")
                        .push(c.len().to_string())
                        .push(") = ")
                        .push_bind(c.clone());
                }
                if let Some(a) = &f.actor {
                    qb.push(" AND actor = ").push_bind(a.clone());
                }
                if let Some(t) = &f.target {
                    qb.push(" AND target = ").push_bind(t.clone());
                }
                if let Some(t) = &f.from {
                    qb.push(" AND at >= ").push_bind(t.clone());
                }
                if let Some(t) = &f.until {
                    qb.push(" AND at < ").push_bind(t.clone());
                }
            }

            #[async_trait]
            impl WebStore for $store {
                #[tracing::instrument(skip_all)]
                async fn create_user(&self, name: &str, roles: &str, password_hash: &str, now: DateTime<Utc>) -> Result<bool> {
                    let now = stamp(now);
                    let res = sqlx::query(
                        "INSERT INTO users (name, roles, password_hash, disabled, failed_logins, created_at, updated_at) VALUES ($1, $2, $3, FALSE, 0, $4, $4) ON CONFLICT (name) DO NOTHING",
                    )
                    .bind(name.to_owned())
                    .bind(roles.to_owned())
                    .bind(password_hash.to_owned())
                    .bind(now)
                    .execute(self.pool())
                    .await?;
                    Ok(res.rows_affected() == 1)
                }

                #[tracing::instrument(skip_all)]
                async fn user(&self, name: &str) -> Result<Option<UserRow>> {
                    let sql = "SELECT name, roles, password_hash, disabled, failed_logins, locked_until, created_at FROM users WHERE name = $1";
                    let row = sqlx::query(sql).bind(name.to_owned()).fetch_optional(self.pool()).await?;
                    row.as_ref().map(user_from).transpose()
                }

                #[tracing::instrument(skip_all)]
                async fn users(&self) -> Result<Vec<UserRow>> {
                    let rows = sqlx::query(
                        "SELECT name, roles, password_hash, disabled, failed_logins, locked_until, created_at FROM users ORDER BY name",
                    )
                    .fetch_all(self.pool())
                    .await?;
                    rows.iter().map(user_from).collect()
                }

                #[tracing::instrument(skip_all)]
                async fn update_user(&self, name: &str, u: &UserUpdate, now: DateTime<Utc>) -> Result<bool> {
                    let mut tx = self.pool().begin().await?;
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("UPDATE users SET updated_at = ");
                    qb.push_bind(stamp(now));
                    if let Some(r) = &u.roles {
                        qb.push(", roles = ").push_bind(r.clone());
                    }
                    if let Some(h) = &u.password_hash {
                        qb.push(", password_hash = ").push_bind(h.clone());
                        qb.push(", failed_logins = 0, locked_until = NULL");
                    }
                    if let Some(d) = u.disabled {
                        qb.push(", disabled = ").push_bind(d);
                    }
                    if let Some((n, until)) = &u.login_state {
                        qb.push(", failed_logins = ").push_bind(*n);
                        qb.push(", locked_until = ").push_bind(until.map(stamp));
                    }
                    qb.push(" WHERE name = ").push_bind(name.to_owned());
                    let found = qb.build().execute(&mut *tx).await?.rows_affected() == 1;
                    if found && (u.password_hash.is_some() || u.disabled == Some(true)) {
                        sqlx::query("DELETE FROM sessions WHERE user_name = $1")
                            .bind(name.to_owned())
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(found)
                }

                #[tracing::instrument(skip_all)]
                async fn create_session(&self, s: &SessionRow) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO sessions (id_hash, user_name, csrf_token, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(s.id_hash.clone())
                    .bind(s.user_name.clone())
                    .bind(s.csrf_token.clone())
                    .bind(stamp(s.created_at))
                    .bind(stamp(s.last_seen_at))
                    .bind(stamp(s.expires_at))
                    .execute(self.pool())
                    .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all)]
                async fn session(&self, id_hash: &str) -> Result<Option<(SessionRow, UserRow)>> {
                    let row = sqlx::query(
                        "SELECT u.name, u.roles, u.password_hash, u.disabled, u.failed_logins, u.locked_until, u.created_at, s.id_hash, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.id_hash = $1",
                    )
                    .bind(id_hash.to_owned())
                    .fetch_optional(self.pool())
                    .await?;
                    let Some(r) = row else { return Ok(None) };
                    let user = user_from(&r)?;
                    let session = SessionRow {
                        id_hash: r.try_get(7)?,
                        user_name: user.name.clone(),
                        csrf_token: r.try_get(8)?,
                        created_at: ts(&r.try_get::<String, _>(9)?)?,
                        last_seen_at: ts(&r.try_get::<String, _>(10)?)?,
                        expires_at: ts(&r.try_get::<String, _>(11)?)?,
                    };
                    Ok(Some((session, user)))
                }

                #[tracing::instrument(skip_all)]
                async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<()> {
                    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                        .bind(stamp(now))
                        .bind(id_hash.to_owned())
                        .execute(self.pool())
                        .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all)]
                async fn delete_session(&self, id_hash: &str) -> Result<()> {
                    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                        .bind(id_hash.to_owned())
                        .execute(self.pool())
                        .await?;
                    Ok(())
                }

                #[tracing::instrument(skip_all)]
                async fn purge_sessions(&self, now: DateTime<Utc>, idle_before: DateTime<Utc>) -> Result<u64> {
                    let res = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2")
                        .bind(stamp(now))
                        .bind(stamp(idle_before))
                        .execute(self.pool())
                        .await?;
                    Ok(res.rows_affected())
                }

                #[tracing::instrument(skip_all)]
                async fn append_audit(&self, e: &NewAuditEvent, at: DateTime<Utc>) -> Result<AuditEvent> {
                    retry!({
                        async {
                            let mut tx = self.pool().begin().await?;
                            lock(&mut tx).await?;
                            let ev = append_in(&mut tx, e, at).await?;
                            tx.commit().await?;
                            Ok::<_, StoreError>(ev)
                        }
                        .await
                    })
                }

                #[tracing::instrument(skip_all)]
                async fn audit_events(&self, f: &AuditFilter, limit: i64, offset: i64) -> Result<Page<AuditEvent>> {
                    let mut conn = self.pool().acquire().await?;
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("SELECT COUNT(*) FROM audit_events");
                    push_audit_where(&mut qb, f);
                    let total: i64 = qb.build().fetch_one(&mut *conn).await?.try_get(0)?;
                    let mut qb: QueryBuilder<$db> = QueryBuilder::new("SELECT ");
                    qb.push(EVENT_COLS).push(" FROM audit_events");
                    push_audit_where(&mut qb, f);
                    qb.push(" ORDER BY seq DESC LIMIT ").push_bind(limit.max(0)).push(" OFFSET ").push_bind(offset.max(0));
                    let rows = qb.build().fetch_all(&mut *conn).await?;
                    let items = rows.iter().map(event_from).collect::<Result<Vec<_>>>()?;
                    Ok(Page { items, total })
                }

                #[tracing::instrument(skip_all)]
                async fn verify_audit(&self) -> Result<ChainStatus> {
                    let mut tx = self.pool().begin().await?;
                    let head = sqlx::query("SELECT value FROM settings WHERE key = 'audit_head'")
                        .fetch_optional(&mut *tx)
                        .await?;
                    let head: Option<String> = match head {
                        Some(r) => r.try_get(0)?,
                        None => None,
                    };
                    let head = head.and_then(|h| {
                        let (s, hash) = h.split_once(':')?;
                        Some((s.parse::<i64>().ok()?, hash.to_string()))
                    });
                    let mut v = ChainVerifier::new();
                    let mut after = i64::MIN;
                    'pages: loop {
                        let rows = sqlx::query(
                            "SELECT seq, at, code, actor, target, address, detail, prev_hash, hash FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 5000",
                        )
                        .bind(after)
                        .fetch_all(&mut *tx)
                        .await?;
                        if rows.is_empty() {
                            break;
                        }
                        for r in &rows {
                            let e = event_from(r)?;
                            after = e.seq;
                            if !v.push(&e) {
                                break 'pages;
                            }
                        }
                    }
                    tx.commit().await?;
                    Ok(v.finish(head))
                }

                #[tracing::instrument(skip_all)]
                async fn record(&self, kind: RecordKind, key: &str) -> Result<Option<Versioned<Record>>> {
                    let mut conn = self.pool().acquire().await?;
                    read_one(&mut conn, kind, key).await
                }

                #[tracing::instrument(skip_all)]
                async fn create_record(&self, r: &Record, ctx: &ChangeContext) -> Result<WriteOutcome> {
                    retry!({
                        async {
                            let mut tx = self.pool().begin().await?;
                            lock(&mut tx).await?;
                            if read_one(&mut tx, r.kind(), r.key()).await?.is_some() {
                                return Ok(WriteOutcome::Exists);
                            }
                            let version = last_logged_version(&mut tx, r.kind(), r.key()).await? + 1;
                            bind_record(sqlx::query(insert_sql(r.kind())), r)
                                .bind(version)
                                .bind(stamp(ctx.at))
                                .execute(&mut *tx)
                                .await?;
                            let fields = diff(None, Some(r));
                            log_change(&mut tx, r.kind(), r.key(), version, "create", ctx, &fields).await?;
                            tx.commit().await?;
                            Ok::<_, StoreError>(WriteOutcome::Done(version))
                        }
                        .await
                    })
                }

                #[tracing::instrument(skip_all)]
                async fn update_record(&self, r: &Record, expected: i64, ctx: &ChangeContext) -> Result<WriteOutcome> {
                    retry!({
                        async {
                            let mut tx = self.pool().begin().await?;
                            lock(&mut tx).await?;
                            let Some(old) = read_one(&mut tx, r.kind(), r.key()).await? else {
                                return Ok(WriteOutcome::Missing);
                            };
                            if old.version != expected {
                                return Ok(WriteOutcome::Stale { current: old.version });
                            }
                            let version = expected + 1;
                            let res = bind_record(sqlx::query(update_sql(r.kind())), r)
                                .bind(version)
                                .bind(stamp(ctx.at))
                                .bind(expected)
                                .execute(&mut *tx)
                                .await?;
                            if res.rows_affected() != 1 {
                                return Ok(WriteOutcome::Stale { current: old.version });
                            }
                            let fields = diff(Some(&old.record), Some(r));
                            log_change(&mut tx, r.kind(), r.key(), version, "update", ctx, &fields).await?;
                            tx.commit().await?;
                            Ok::<_, StoreError>(WriteOutcome::Done(version))
                        }
                        .await
                    })
                }

                #[tracing::instrument(skip_all)]
                async fn delete_record(&self, kind: RecordKind, key: &str, expected: i64, ctx: &ChangeContext) -> Result<WriteOutcome> {
                    retry!({
                        async {
                            let mut tx = self.pool().begin().await?;
                            lock(&mut tx).await?;
                            let Some(old) = read_one(&mut tx, kind, key).await? else {
                                return Ok(WriteOutcome::Missing);
                            };
                            if old.version != expected {
                                return Ok(WriteOutcome::Stale { current: old.version });
                            }
                            sqlx::query(delete_sql(kind))
                                .bind(key.to_owned())
                                .bind(expected)
                                .execute(&mut *tx)
                                .await?;
                            let fields = diff(Some(&old.record), None);
                            log_change(&mut tx, kind, key, expected + 1, "delete", ctx, &fields).await?;
                            tx.commit().await?;
                            Ok::<_, StoreError>(WriteOutcome::Done(expected + 1))
                        }
                        .await
                    })
                }

                #[tracing::instrument(skip_all)]
                async fn record_changes(&self, kind: RecordKind, key: &str) -> Result<Vec<ChangeRow>> {
                    let rows = sqlx::query(
                        "SELECT version, action, actor, at, fields FROM record_changes WHERE entity = $1 AND record_ref = $2 ORDER BY at, version",
                    )
                    .bind(kind.entity())
                    .bind(key.to_owned())
                    .fetch_all(self.pool())
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(ChangeRow {
                                version: r.try_get(0)?,
                                action: r.try_get(1)?,
                                actor: r.try_get(2)?,
                                at: r.try_get(3)?,
                                fields: r.try_get(4)?,
                            })
                        })
                        .collect()
                }

                #[tracing::instrument(skip_all)]
                async fn list_identifications(&self, f: &RecordFilter, limit: i64, offset: i64) -> Result<Page<Versioned<Identification>>> {
                    list(self.pool(), &IDENT_LIST, f, limit, offset, ident_from).await
                }

                #[tracing::instrument(skip_all)]
                async fn list_assessments(&self, f: &RecordFilter, limit: i64, offset: i64) -> Result<Page<Versioned<Assessment>>> {
                    list(self.pool(), &ASSESS_LIST, f, limit, offset, assess_from).await
                }

                #[tracing::instrument(skip_all)]
                async fn list_hotline_calls(&self, f: &RecordFilter, limit: i64, offset: i64) -> Result<Page<Versioned<HotlineCall>>> {
                    list(self.pool(), &CALL_LIST, f, limit, offset, call_from).await
                }

                #[tracing::instrument(skip_all)]
                async fn person_records(&self, person_ref: &str) -> Result<(Vec<Identification>, Vec<Assessment>)> {
                    let f = RecordFilter { person_ref: Some(person_ref.to_owned()), ..Default::default() };
                    let mut ids = list(self.pool(), &IDENT_LIST, &f, i64::MAX, 0, ident_from).await?.items;
                    let mut ass = list(self.pool(), &ASSESS_LIST, &f, i64::MAX, 0, assess_from).await?.items;
                    ids.reverse();
                    ass.reverse();
                    Ok((
                        ids.into_iter().map(|v| v.record).collect(),
                        ass.into_iter().map(|v| v.record).collect(),
                    ))
                }
            }
        };
    };
}

pub(crate) use impl_web_store;
