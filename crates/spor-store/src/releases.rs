//! Published editions kept as records (`spor release publish`): every file of an edition
//! as it was published, the manifest with their hashes, the policy of a public release,
//! the register's `last_change` the figures were computed from, who and when. A release is
//! written once, with its audit event in the same transaction, and never changed: the
//! migrations' triggers refuse any update or removal (and, on PostgreSQL, TRUNCATE).
//!
//! File contents are kept as base64 text, so both backends store them in the column kinds
//! the rest of the store (and `spor store copy`) already moves.

use async_trait::async_trait;
use base64::Engine as _;
use chrono::{DateTime, Utc};

use crate::queries_web::{SqlStore, append_in, current_key, lock};
use crate::sql::{Backend, bind};
use crate::web::{NewAuditEvent, parse_stamp, stamp};
use crate::{Result, StoreError};

/// One file of a release, as published.
#[derive(Clone, PartialEq, Eq)]
pub struct ReleaseFile {
    /// The file's name as published (`overview-2023.pdf`, `overview-2023/victims_by_form.csv`).
    pub name: String,
    /// The format it renders (`json`, `csv`, `html`, `xlsx`, `pdf`, `manifest`).
    pub format: String,
    /// Hex SHA-256 of `content`.
    pub sha256: String,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for ReleaseFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReleaseFile")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("sha256", &self.sha256)
            .field("bytes", &self.content.len())
            .finish()
    }
}

impl ReleaseFile {
    /// A file with its hash computed.
    pub fn new(name: impl Into<String>, format: impl Into<String>, content: Vec<u8>) -> Self {
        use sha2::Digest as _;
        let sha256 = hex::encode(sha2::Sha256::digest(&content));
        ReleaseFile {
            name: name.into(),
            format: format.into(),
            sha256,
            content,
        }
    }
}

/// A release to store.
#[derive(Debug, Clone)]
pub struct NewRelease {
    pub year: i32,
    /// `internal` or `public`.
    pub profile: String,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
    pub register_change: Option<DateTime<Utc>>,
    /// The disclosure policy of a public release, as JSON.
    pub policy: Option<String>,
    /// The manifest, as JSON.
    pub manifest: String,
    pub files: Vec<ReleaseFile>,
}

/// A stored release, without its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRow {
    pub id: i64,
    pub year: i32,
    pub profile: String,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
    pub register_change: Option<DateTime<Utc>>,
    pub policy: Option<String>,
    pub manifest: String,
}

/// How a record differs from the register a release was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RecordDelta {
    /// Registered since (its first version is newer than the release).
    Added,
    /// Changed since (by an import or a form).
    Changed,
    /// Deleted since, in a form (imports never delete).
    Removed,
}

impl RecordDelta {
    pub fn name(self) -> &'static str {
        match self {
            RecordDelta::Added => "added",
            RecordDelta::Changed => "changed",
            RecordDelta::Removed => "removed",
        }
    }
}

/// A record added, changed or removed after some moment. `Debug` shows no date (records
/// are person-level).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChangedRecord {
    /// `identification`, `assessment` or `hotline_call`.
    pub entity: &'static str,
    pub key: String,
    pub delta: RecordDelta,
    /// The date the statistics count it by (decision, interview, call), as stored; for a
    /// removed record, as it was before the deletion when known.
    pub date: Option<String>,
    /// When it was changed (the newest change).
    pub at: String,
}

impl std::fmt::Debug for ChangedRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangedRecord")
            .field("entity", &self.entity)
            .field("delta", &self.delta)
            .finish_non_exhaustive()
    }
}

/// The published releases of a register.
#[async_trait]
pub trait ReleaseStore: Send + Sync {
    /// Stores `release` and appends `event` (its target set to the new id) in one
    /// transaction; the new release's id.
    async fn publish_release(&self, release: &NewRelease, event: &NewAuditEvent) -> Result<i64>;
    /// Every release, newest first.
    async fn releases(&self) -> Result<Vec<ReleaseRow>>;
    async fn release(&self, id: i64) -> Result<Option<ReleaseRow>>;
    /// The newest release's id (`None`: no release yet): one small query that tells
    /// whether a release was published since.
    async fn newest_release(&self) -> Result<Option<i64>>;
    /// The files of release `id` in name order (empty for an unknown id).
    async fn release_files(&self, id: i64) -> Result<Vec<ReleaseFile>>;
    /// Every record added or changed after `since` (its `updated_at`; all records when
    /// `None`), and every record deleted in a form after it that is not back, sorted.
    async fn records_changed_since(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<ChangedRecord>>;
}

/// (entity, table, ref column, date column) of the records a release counts.
const RECORD_TABLES: [(&str, &str, &str, &str); 3] = [
    (
        "identification",
        "identifications",
        "case_ref",
        "decision_date",
    ),
    (
        "assessment",
        "assessments",
        "assessment_ref",
        "interview_date",
    ),
    ("hotline_call", "hotline_calls", "call_ref", "received_at"),
];

const RELEASE_COLS: &str =
    "id, year, profile, published_by, published_at, register_change, policy, manifest";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("a stored release's {what}"))
}

fn release_from<DB: Backend>(r: &DB::Row) -> Result<ReleaseRow> {
    let text = |i: usize, what: &str| -> Result<String> {
        DB::text(r, i)?
            .map(str::to_owned)
            .ok_or_else(|| corrupt(what))
    };
    let time = |s: &str, what: &str| parse_stamp(s).ok_or_else(|| corrupt(what));
    Ok(ReleaseRow {
        id: DB::int(r, 0)?.ok_or_else(|| corrupt("id"))?,
        year: DB::int(r, 1)?
            .and_then(|y| i32::try_from(y).ok())
            .ok_or_else(|| corrupt("year"))?,
        profile: text(2, "profile")?,
        published_by: text(3, "publisher")?,
        published_at: time(&text(4, "time")?, "time")?,
        register_change: DB::text(r, 5)?
            .map(|s| time(s, "register change"))
            .transpose()?,
        policy: DB::text(r, 6)?.map(str::to_owned),
        manifest: text(7, "manifest")?,
    })
}

#[async_trait]
impl<S: SqlStore> ReleaseStore for S {
    #[tracing::instrument(skip_all)]
    async fn publish_release(&self, release: &NewRelease, event: &NewAuditEvent) -> Result<i64> {
        let mut tx = self.sql_pool().begin().await?;
        // The audit trail's write lock also serialises the choice of the next id.
        lock::<S::Db>(&mut tx).await?;
        let last = bind::<S::Db>(sqlx::query("SELECT MAX(id) FROM releases"))
            .fetch_optional(&mut tx)
            .await?;
        let id = match &last {
            Some(r) => S::Db::int(r, 0)?.unwrap_or(0) + 1,
            None => 1,
        };
        bind::<S::Db>(sqlx::query(
            "INSERT INTO releases (id, year, profile, published_at, published_by, register_change, policy, manifest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ))
        .to(id)
        .to(i64::from(release.year))
        .to(&release.profile)
        .to(&stamp(release.published_at))
        .to(&release.published_by)
        .to(&release.register_change.map(stamp))
        .to(&release.policy)
        .to(&release.manifest)
        .execute(&mut tx)
        .await?;
        for f in &release.files {
            let content = base64::engine::general_purpose::STANDARD.encode(&f.content);
            bind::<S::Db>(sqlx::query(
                "INSERT INTO release_files (release_id, name, format, sha256, content) VALUES ($1, $2, $3, $4, $5)",
            ))
            .to(id)
            .to(&f.name)
            .to(&f.format)
            .to(&f.sha256)
            .to(&content)
            .execute(&mut tx)
            .await?;
        }
        let mut event = event.clone();
        event.target = Some(id.to_string());
        let key = current_key(self.audit_key_slot());
        append_in::<S::Db>(&mut tx, key.as_ref(), &event, release.published_at).await?;
        tx.commit().await?;
        Ok(id)
    }

    #[tracing::instrument(skip_all)]
    async fn releases(&self) -> Result<Vec<ReleaseRow>> {
        let mut conn = self.sql_pool().acquire().await?;
        let sql = format!("SELECT {RELEASE_COLS} FROM releases ORDER BY id DESC");
        let rows = bind::<S::Db>(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut conn)
            .await?;
        rows.iter().map(release_from::<S::Db>).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn newest_release(&self) -> Result<Option<i64>> {
        let mut conn = self.sql_pool().acquire().await?;
        let row = bind::<S::Db>(sqlx::query("SELECT MAX(id) FROM releases"))
            .fetch_optional(&mut conn)
            .await?;
        match row {
            Some(r) => S::Db::int(&r, 0),
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn release(&self, id: i64) -> Result<Option<ReleaseRow>> {
        let mut conn = self.sql_pool().acquire().await?;
        let sql = format!("SELECT {RELEASE_COLS} FROM releases WHERE id = $1");
        let row = bind::<S::Db>(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .to(id)
            .fetch_optional(&mut conn)
            .await?;
        row.as_ref().map(release_from::<S::Db>).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn release_files(&self, id: i64) -> Result<Vec<ReleaseFile>> {
        let mut conn = self.sql_pool().acquire().await?;
        let rows = bind::<S::Db>(sqlx::query(
            "SELECT name, format, sha256, content FROM release_files WHERE release_id = $1 ORDER BY name",
        ))
        .to(id)
        .fetch_all(&mut conn)
        .await?;
        rows.iter()
            .map(|r| {
                let text = |i: usize, what: &str| -> Result<String> {
                    S::Db::text(r, i)?
                        .map(str::to_owned)
                        .ok_or_else(|| corrupt(what))
                };
                let content = base64::engine::general_purpose::STANDARD
                    .decode(text(3, "file")?)
                    .map_err(|_| corrupt("file"))?;
                let file = ReleaseFile {
                    name: text(0, "file name")?,
                    format: text(1, "file format")?,
                    sha256: text(2, "file hash")?,
                    content,
                };
                // What was published is what is given back, or nothing.
                if ReleaseFile::new(&*file.name, &*file.format, file.content.clone()).sha256
                    != file.sha256
                {
                    return Err(corrupt(&format!("file {} (its hash differs)", file.name)));
                }
                Ok(file)
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    async fn records_changed_since(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<ChangedRecord>> {
        let since = since.map(stamp).unwrap_or_default();
        let mut conn = self.sql_pool().acquire().await?;
        let mut out = Vec::new();
        let mut present = std::collections::HashSet::new();
        for (entity, table, key, date) in RECORD_TABLES {
            let sql = format!(
                "SELECT {key}, version, {date}, updated_at FROM {table} WHERE updated_at > $1"
            );
            let rows = bind::<S::Db>(sqlx::query(sqlx::AssertSqlSafe(sql)))
                .to(since.as_str())
                .fetch_all(&mut conn)
                .await?;
            for r in &rows {
                let key = S::Db::text(r, 0)?.ok_or_else(|| corrupt("record ref"))?;
                present.insert((entity, key.to_owned()));
                // A record's first version is 1; anything above was changed at least once.
                // (One added and then changed since shows as changed.)
                let delta = match S::Db::int(r, 1)? {
                    Some(1) => RecordDelta::Added,
                    _ => RecordDelta::Changed,
                };
                out.push(ChangedRecord {
                    entity,
                    key: key.to_owned(),
                    delta,
                    date: S::Db::text(r, 2)?.map(str::to_owned),
                    at: S::Db::text(r, 3)?.unwrap_or_default().to_owned(),
                });
            }
        }
        let rows = bind::<S::Db>(sqlx::query(
            "SELECT entity, record_ref, at, fields FROM record_changes WHERE action = 'delete' AND at > $1 ORDER BY at",
        ))
        .to(since.as_str())
        .fetch_all(&mut conn)
        .await?;
        for r in &rows {
            let Some((entity, _, _, date_col)) = RECORD_TABLES
                .iter()
                .find(|t| Some(t.0) == S::Db::text(r, 0).ok().flatten())
            else {
                continue;
            };
            let key = S::Db::text(r, 1)?.ok_or_else(|| corrupt("record ref"))?;
            if present.contains(&(*entity, key.to_owned())) {
                continue;
            }
            // `fields` is {field: [before, after]}: the date the record had.
            let date = S::Db::text(r, 3)?
                .and_then(|f| serde_json::from_str::<serde_json::Value>(f).ok())
                .and_then(|f| f[*date_col][0].as_str().map(str::to_owned));
            out.push(ChangedRecord {
                entity,
                key: key.to_owned(),
                delta: RecordDelta::Removed,
                date,
                at: S::Db::text(r, 2)?.unwrap_or_default().to_owned(),
            });
        }
        out.sort();
        out.dedup_by(|a, b| a.entity == b.entity && a.key == b.key && a.delta == b.delta);
        Ok(out)
    }
}
