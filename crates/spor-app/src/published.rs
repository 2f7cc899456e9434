//! Releases as records: an edition published from the register is kept in it, every file as
//! it was published, and shown again byte for byte whatever the register holds later
//! (`spor release publish | list | show`, the analyst's release pages).
//!
//! A public release takes every earlier year's public release in the store as known to the
//! attacker (what it published is never hidden again), beside any `--earlier` files.

use anyhow::Context;
use chrono::{DateTime, Utc};
use spor_stats::Report;
use spor_store::WebStore;
use spor_store::releases::{NewRelease, ReleaseFile, ReleaseRow};

use crate::audit::{Actor, Event};
use crate::edition::{Edition, Format, Profile};

/// A stored release with its files.
#[derive(Debug, Clone)]
pub struct Release {
    pub row: ReleaseRow,
    pub files: Vec<ReleaseFile>,
}

impl Release {
    /// The files of one format, in name order (CSV: one per table).
    pub fn files_of(&self, format: Format) -> Vec<&ReleaseFile> {
        self.files
            .iter()
            .filter(|f| f.format == format.name())
            .collect()
    }

    /// The one file of a one-file format.
    pub fn file(&self, format: Format) -> Option<&ReleaseFile> {
        self.files_of(format).into_iter().next()
    }

    /// The JSON edition as published, read back.
    pub fn report(&self) -> anyhow::Result<Report> {
        let file = self
            .file(Format::Json)
            .with_context(|| format!("release {} has no JSON edition", self.row.id))?;
        serde_json::from_slice(&file.content)
            .with_context(|| format!("release {}'s JSON edition cannot be read", self.row.id))
    }

    pub fn is_public(&self) -> bool {
        self.row.profile == "public"
    }
}

/// The public JSON editions of years before `year` published from this store, the latest
/// release of each year: what an attacker of a new public edition already knows.
pub async fn earlier_public(store: &dyn WebStore, year: i32) -> anyhow::Result<Vec<Report>> {
    let mut latest: std::collections::BTreeMap<i32, i64> = Default::default();
    for r in store.releases().await? {
        if r.profile == "public" && r.year < year {
            let id = latest.entry(r.year).or_insert(r.id);
            *id = (*id).max(r.id);
        }
    }
    let mut reports = Vec::new();
    for id in latest.into_values() {
        reports.push(open(store, id).await?.report()?);
    }
    Ok(reports)
}

/// Publishes the overview of `year` in `profile`: computes the edition from the register,
/// renders it in every format, and stores it with its manifest and an audit event, in one
/// transaction. A public profile is given the earlier public releases in the store as
/// known figures. The new release's id.
pub async fn publish(
    store: &dyn WebStore,
    by: Actor<'_>,
    year: i32,
    profile: Profile,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let profile = match profile {
        Profile::Internal => Profile::Internal,
        Profile::Public(mut opts) => {
            let mut earlier = earlier_public(store, year).await?;
            earlier.append(&mut opts.earlier);
            opts.earlier = earlier;
            Profile::Public(opts)
        }
    };
    let (register, columns) = crate::statistics::load(store)
        .await
        .context("cannot read the register")?;
    let edition = Edition::compute(&register, &columns, year, &profile)?;
    let rendered = edition.render_all(now)?;
    let files: Vec<ReleaseFile> = rendered
        .into_iter()
        .map(|(name, format, bytes)| ReleaseFile::new(name, format.name(), bytes))
        .collect();
    let (manifest, policy) = match &edition.protected {
        Some(p) => {
            let mut m = spor_sdc::manifest::Manifest::of(&p.release, &p.policy);
            for f in &files {
                m.add_bytes(&f.name, &f.content);
            }
            (m.to_json()?, Some(serde_json::to_string(&p.policy)?))
        }
        None => {
            let listed: Vec<serde_json::Value> = files
                .iter()
                .map(|f| serde_json::json!({"path": f.name, "sha256": f.sha256}))
                .collect();
            let m = serde_json::json!({"year": year, "profile": "internal", "files": listed});
            (serde_json::to_string_pretty(&m)? + "\n", None)
        }
    };
    let profile_name = if edition.is_public() {
        "public"
    } else {
        "internal"
    };
    let release = NewRelease {
        year,
        profile: profile_name.to_owned(),
        published_by: by.name.unwrap_or("unknown").to_owned(),
        published_at: now,
        register_change: edition.last_change,
        policy,
        manifest,
        files,
    };
    let event = by.event(
        Event::ReleasePublish,
        None,
        Some(format!("year={year} profile={profile_name}")),
    );
    let id = store
        .publish_release(&release, &event)
        .await
        .context("cannot store the release")?;
    Ok(id)
}

/// Every release, newest first.
pub async fn list(store: &dyn WebStore) -> anyhow::Result<Vec<ReleaseRow>> {
    Ok(store.releases().await?)
}

/// Release `id` with its files, as published; an error naming the id if there is none.
pub async fn open(store: &dyn WebStore, id: i64) -> anyhow::Result<Release> {
    let row = store
        .release(id)
        .await?
        .with_context(|| format!("there is no release {id} (spor release list shows them)"))?;
    let files = store.release_files(id).await?;
    Ok(Release { row, files })
}

/// Release `id` for `by` to read, audited as a view of `format`.
pub async fn view(
    store: &dyn WebStore,
    by: Actor<'_>,
    id: i64,
    format: Format,
    now: DateTime<Utc>,
) -> anyhow::Result<Release> {
    let release = open(store, id).await?;
    let ev = by.event(
        Event::ReleaseView,
        Some(&id.to_string()),
        Some(format!("format={}", format.name())),
    );
    crate::audit::record(store, &ev, now).await?;
    Ok(release)
}

/// A figure of a release that the register now gives differently.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Revised {
    /// `TABLE[ROW, COLUMN]` (rows as key paths, `total` for the total row) or
    /// `facts.NAME`.
    pub figure: String,
    pub table: Option<String>,
    pub published: serde_json::Value,
    pub now: serde_json::Value,
}

/// What the current register would give differently from a release, and the records
/// behind the change.
#[derive(Debug, Clone)]
pub struct Revision {
    pub release: ReleaseRow,
    pub figures: Vec<Revised>,
    /// Records of the release's year or earlier added, changed or removed since.
    pub records: Vec<spor_store::releases::ChangedRecord>,
}

fn cells(t: &spor_stats::Table) -> Vec<(String, serde_json::Value)> {
    fn walk(
        rows: &[spor_stats::Row],
        path: &str,
        cols: &[String],
        out: &mut Vec<(String, serde_json::Value)>,
    ) {
        for r in rows {
            let p = if path.is_empty() {
                r.key.clone()
            } else {
                format!("{path}/{}", r.key)
            };
            for (c, v) in cols.iter().zip(&r.values) {
                out.push((format!("[{p}, {c}]"), serde_json::json!(v)));
            }
            walk(&r.children, &p, cols, out);
        }
    }
    let mut out = Vec::new();
    walk(&t.rows, "", &t.column_keys, &mut out);
    for (c, v) in t.column_keys.iter().zip(&t.total) {
        out.push((format!("[total, {c}]"), serde_json::json!(v)));
    }
    out
}

/// Every figure (table cell, total, fact) of `published` that `now` gives differently; a
/// figure only one of them has counts as changed from or to nothing (`null`).
pub fn revised(published: &Report, now: &Report) -> Vec<Revised> {
    let mut out = Vec::new();
    let ids: Vec<&String> = published
        .tables
        .keys()
        .chain(
            now.tables
                .keys()
                .filter(|k| !published.tables.contains_key(*k)),
        )
        .collect();
    for id in ids {
        let a: Vec<_> = published.tables.get(id).map(cells).unwrap_or_default();
        let b: std::collections::HashMap<_, _> = now
            .tables
            .get(id)
            .map(cells)
            .unwrap_or_default()
            .into_iter()
            .collect();
        let mut seen = std::collections::HashSet::new();
        for (cell, v) in &a {
            seen.insert(cell.clone());
            let w = b.get(cell).cloned().unwrap_or(serde_json::Value::Null);
            if *v != w {
                out.push(Revised {
                    figure: format!("{id}{cell}"),
                    table: Some(id.clone()),
                    published: v.clone(),
                    now: w,
                });
            }
        }
        if let Some(t) = now.tables.get(id) {
            for (cell, w) in cells(t) {
                if !seen.contains(&cell) && !w.is_null() {
                    out.push(Revised {
                        figure: format!("{id}{cell}"),
                        table: Some(id.clone()),
                        published: serde_json::Value::Null,
                        now: w,
                    });
                }
            }
        }
    }
    // Facts are compared as they are published (a withheld fact as `null`).
    for (name, v) in &published.facts {
        let w = now.facts.get(name).unwrap_or_default();
        if v != w {
            out.push(Revised {
                figure: format!("facts.{name}"),
                table: None,
                published: v,
                now: w,
            });
        }
    }
    out
}

/// Release `id` against the register as it is now: every figure it would publish
/// differently in the same profile (a public release with its own policy, and the public
/// releases of earlier years as known), and the records behind the change.
pub async fn diff(store: &dyn WebStore, id: i64) -> anyhow::Result<Revision> {
    let release = open(store, id).await?;
    let published = release.report()?;
    let year = release.row.year;
    let profile = if release.is_public() {
        let policy = match &release.row.policy {
            Some(p) => serde_json::from_str(p)
                .with_context(|| format!("release {id}'s policy cannot be read"))?,
            None => spor_sdc::Policy::default(),
        };
        Profile::Public(crate::PublicOptions {
            policy,
            earlier: earlier_public(store, year).await?,
            minimise: false,
        })
    } else {
        Profile::Internal
    };
    let (register, columns) = crate::statistics::load(store)
        .await
        .context("cannot read the register")?;
    let now = Edition::compute(&register, &columns, year, &profile)?;
    // The public JSON as published: compare it with the same rendering of today's edition.
    let now_report: Report = serde_json::from_str(&now.json()?)?;
    let figures = revised(&published, &now_report);
    let records = store
        .records_changed_since(release.row.register_change)
        .await?
        .into_iter()
        .filter(|r| {
            r.date
                .as_deref()
                .and_then(|d| d.get(..4))
                .and_then(|y| y.parse::<i32>().ok())
                .is_none_or(|y| y <= year)
        })
        .collect();
    Ok(Revision {
        release: release.row,
        figures,
        records,
    })
}
