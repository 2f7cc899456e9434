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

/// The format of a kept exchange file is this followed by the exchange's format
/// (`exchange-json`, `exchange-csv`), so that the edition's own formats stay the edition's.
pub const EXCHANGE_FORMAT: &str = "exchange-";

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
    Ok(earlier_releases(store, year, "public")
        .await?
        .into_iter()
        .map(|(_, r)| r)
        .collect())
}

/// The latest release in `profile` (`internal` or `public`) of each year before `year`,
/// as its id and its JSON edition read back, oldest year first.
pub async fn earlier_releases(
    store: &dyn WebStore,
    year: i32,
    profile: &str,
) -> anyhow::Result<Vec<(i64, Report)>> {
    let mut latest: std::collections::BTreeMap<i32, i64> = Default::default();
    for r in store.releases().await? {
        if r.profile == profile && r.year < year {
            let id = latest.entry(r.year).or_insert(r.id);
            *id = (*id).max(r.id);
        }
    }
    let mut reports = Vec::new();
    for id in latest.into_values() {
        reports.push((id, open(store, id).await?.report()?));
    }
    Ok(reports)
}

/// The overview of `year` in `profile` as the register gives it now, as every front door
/// produces an edition: a public profile takes the earlier public releases in the store as
/// known figures (beside any `--earlier` files), and the figures of earlier years that
/// differ from what the latest release of that year in the same profile published are
/// stated as revised ([`revisions_against`]).
pub async fn edition(store: &dyn WebStore, year: i32, profile: Profile) -> anyhow::Result<Edition> {
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
    with_revisions(store, edition).await
}

/// `edition` with its revised figures: against the latest release of each earlier year
/// in the same profile in `store`.
pub async fn with_revisions(store: &dyn WebStore, edition: Edition) -> anyhow::Result<Edition> {
    let profile = if edition.is_public() {
        "public"
    } else {
        "internal"
    };
    let earlier = earlier_releases(store, edition.year(), profile).await?;
    let revisions = revisions_against(&edition.report, &earlier);
    edition.with_revisions(revisions)
}

/// One row of a table in reading order, as a revision names it.
struct FlatRow {
    /// The row's index in reading order (the total row last).
    flat: usize,
    /// Its key path (`NG|female`, `total`).
    key: String,
    /// Its label, parents first.
    label: String,
    values: Vec<Option<u64>>,
}

/// A table's rows in reading order (children after their parent, the total row last when
/// the editions show it).
fn rows_of(id: &str, t: &spor_stats::Table) -> Vec<FlatRow> {
    fn walk(rows: &[spor_stats::Row], key: &str, label: &str, out: &mut Vec<FlatRow>) {
        for r in rows {
            let k = if key.is_empty() {
                r.key.clone()
            } else {
                format!("{key}|{}", r.key)
            };
            let l = if label.is_empty() {
                r.label.clone()
            } else {
                format!("{label} – {}", r.label)
            };
            out.push(FlatRow {
                flat: out.len(),
                key: k.clone(),
                label: l.clone(),
                values: r.values.clone(),
            });
            walk(&r.children, &k, &l, out);
        }
    }
    let mut out = Vec::new();
    walk(&t.rows, "", "", &mut out);
    if spor_report::tables::shows_total(id, t) {
        out.push(FlatRow {
            flat: out.len(),
            key: "total".into(),
            label: "I alt".into(),
            values: t.total.clone(),
        });
    }
    out
}

/// The headline facts of an edition that state the year before's figure, with the fact of
/// that year's edition that published it and their words.
const HEADLINES: [(&str, &str, &str); 3] = [
    (
        "victims_previous_year",
        "victims",
        "personer vurderet udsat for menneskehandel",
    ),
    (
        "assessed_persons_previous_year",
        "assessed_persons",
        "personer udredt for menneskehandel",
    ),
    (
        "hotline_calls_previous_year",
        "hotline_calls",
        "opkald på hotlinen",
    ),
];

/// The figures of earlier years that `now` states differently from `earlier` (the latest
/// release of each earlier year in the same profile, with its id): each headline fact
/// that states the year before's figure, and each cell of a year column (a series) whose
/// year has a release with the same table, row and column. A figure counts only where both
/// give it: a value hidden ("·") or withheld in either edition is never compared, so a
/// revision never states a figure one of them did not publish.
pub fn revisions_against(now: &Report, earlier: &[(i64, Report)]) -> Vec<spor_stats::Revision> {
    let release_of = |year: i32| earlier.iter().find(|(_, r)| r.year == year);
    let mut out = Vec::new();
    if let Some((id, old)) = release_of(now.year - 1) {
        for (fact, old_fact, label) in HEADLINES {
            if let (Some(a), Some(b)) = (old.facts.as_u64(old_fact), now.facts.as_u64(fact))
                && a != b
            {
                out.push(spor_stats::Revision::fact(
                    now.year - 1,
                    *id,
                    fact,
                    label,
                    a,
                    b,
                ));
            }
        }
    }
    for (table_id, t) in &now.tables {
        let years: Vec<(usize, i32)> = t
            .column_keys
            .iter()
            .enumerate()
            .filter_map(|(c, k)| Some((c, k.parse::<i32>().ok()?)))
            .filter(|(_, y)| *y < now.year)
            .collect();
        if years.is_empty() {
            continue;
        }
        let rows = rows_of(table_id, t);
        for (c, year) in years {
            let Some((release, old)) = release_of(year) else {
                continue;
            };
            let Some(ot) = old.tables.get(table_id) else {
                continue;
            };
            let key = &t.column_keys[c];
            let Some(oc) = ot.column_keys.iter().position(|k| k == key) else {
                continue;
            };
            let old_rows: std::collections::HashMap<String, (usize, Option<u64>)> =
                rows_of(table_id, ot)
                    .into_iter()
                    .map(|r| (r.key, (r.flat, r.values.get(oc).copied().flatten())))
                    .collect();
            for r in &rows {
                let Some(b) = r.values.get(c).copied().flatten() else {
                    continue;
                };
                let Some(&(oflat, Some(a))) = old_rows.get(&r.key) else {
                    continue;
                };
                if a == b || t.is_suppressed(r.flat, c) || ot.is_suppressed(oflat, oc) {
                    continue;
                }
                out.push(spor_stats::Revision::cell(
                    year, *release, table_id, r.flat, &r.key, key, &r.label, a, b,
                ));
            }
        }
    }
    out
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
    let edition = edition(store, year, profile).await?;
    let rendered = edition.render_all(now)?;
    let mut files: Vec<ReleaseFile> = rendered
        .into_iter()
        .map(|(name, format, bytes)| ReleaseFile::new(name, format.name(), bytes))
        .collect();
    // An internal release keeps the year's aggregate exchanges beside the edition, counted
    // from the same register (issue 22: every output in the manifest). A public release
    // does not: they hold exact counts.
    if !edition.is_public() {
        let store: &dyn spor_store::Store = store;
        for x in crate::exchange::load_release_files(store, year, now).await? {
            files.push(ReleaseFile::new(
                format!("{}/{}", crate::release::EXCHANGES_DIR, x.file_name),
                format!("{EXCHANGE_FORMAT}{}", x.format.name()),
                x.bytes,
            ));
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use spor_stats::{Facts, Row, Table};

    type Cells<'a> = &'a [(&'a str, &'a [Option<u64>])];

    fn table(years: &[i32], rows: Cells<'_>, suppressed: &[[usize; 2]]) -> Table {
        let total = (0..years.len())
            .map(|c| rows.iter().map(|r| r.1[c]).sum::<Option<u64>>())
            .collect();
        Table {
            title: "Personer".into(),
            columns: years.iter().map(i32::to_string).collect(),
            column_keys: years.iter().map(i32::to_string).collect(),
            rows: rows
                .iter()
                .map(|(k, v)| Row {
                    key: (*k).into(),
                    label: format!("Række {k}"),
                    values: v.to_vec(),
                    children: Vec::new(),
                })
                .collect(),
            total,
            suppressed: suppressed.to_vec(),
        }
    }

    fn report(year: i32, victims: Option<u64>, previous: Option<u64>, t: Table) -> Report {
        Report {
            year,
            tables: [("victims_by_gender_group_year".to_owned(), t)]
                .into_iter()
                .collect(),
            facts: Facts {
                victims,
                victims_previous_year: previous,
                ..Facts::default()
            },
            disclosure_note: None,
            revisions: Vec::new(),
        }
    }

    fn old() -> Report {
        report(
            2022,
            Some(73),
            None,
            table(
                &[2021, 2022],
                &[
                    ("female", &[Some(40), Some(50)]),
                    ("male", &[Some(9), Some(23)]),
                ],
                &[],
            ),
        )
    }

    fn now(suppressed: &[[usize; 2]]) -> Report {
        report(
            2023,
            Some(80),
            Some(74),
            table(
                &[2021, 2022, 2023],
                &[
                    ("female", &[Some(40), Some(51), Some(60)]),
                    ("male", &[Some(9), Some(23), Some(20)]),
                ],
                suppressed,
            ),
        )
    }

    #[test]
    fn a_figure_of_an_earlier_year_given_differently_is_a_revision_with_its_note() {
        let got = revisions_against(&now(&[]), &[(4, old())]);
        let notes: Vec<&str> = got.iter().map(|r| r.note.as_str()).collect();
        assert_eq!(
            notes,
            [
                "Tallet for 2022 er revideret fra 73 til 74 (personer vurderet udsat for menneskehandel).",
                "Række female, 2022: revideret fra 50 til 51",
                "I alt, 2022: revideret fra 73 til 74",
            ],
            "the headline, the row and the total of 2022; 2021 has no release and 2023 is the year itself"
        );
        assert_eq!(got[1].row, Some(0));
        assert_eq!(got[2].row, Some(2), "the total row comes last");
        assert!(got.iter().all(|r| r.release == 4 && r.year == 2022));
        // Without a release of 2022, nothing is revised.
        assert!(revisions_against(&now(&[]), &[]).is_empty());
    }

    #[test]
    fn a_figure_hidden_or_withheld_in_either_edition_is_never_stated_as_revised() {
        // Hidden now: the female 2022 cell and the total's 2022 cell.
        let got = revisions_against(&now(&[[0, 1], [2, 1]]), &[(4, old())]);
        assert_eq!(
            got.iter().map(|r| r.fact.as_deref()).collect::<Vec<_>>(),
            [Some("victims_previous_year")],
            "{got:?}"
        );
        // Hidden then (null in the public JSON, listed as suppressed), and the headline
        // withheld: nothing to state.
        let mut then = old();
        let t = then.tables.get_mut("victims_by_gender_group_year").unwrap();
        t.rows[0].values[1] = None;
        t.total[1] = None;
        t.suppressed = vec![[0, 1], [2, 1]];
        then.facts.victims = None;
        then.disclosure_note = Some("· = skjult".into());
        assert!(revisions_against(&now(&[]), &[(4, then)]).is_empty());
        // A cell listed as hidden in the old release is not compared even if a value is
        // there.
        let mut listed = old();
        listed
            .tables
            .get_mut("victims_by_gender_group_year")
            .unwrap()
            .suppressed = vec![[0, 1]];
        let got = revisions_against(&now(&[]), &[(4, listed)]);
        assert!(got.iter().all(|r| r.row != Some(0)), "{got:?}");
    }
}
