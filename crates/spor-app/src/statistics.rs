//! The register as the statistics read it, and the figures computed from it, kept until
//! the register changes.
//!
//! [`load`] reads the register once for one computation (the command line). [`Statistics`]
//! serves many requests (the web application): it reads the register when it has changed
//! since it last did (one small query per request tells), and computes each edition and
//! dashboard once per state of the register, for every user. No request reads the records
//! itself; concurrent requests for the same figures wait for one computation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use spor_core::Register;
use spor_stats::{Columns, ColumnsBuilder, Dashboard};
use spor_store::{RecordChunk, Store};
use tokio::sync::OnceCell;

use crate::edition::{Edition, Format, Profile, PublicOptions};
use crate::release::RiskAssessment;

/// The register (history, settings, codes; no record lists) and its records as the
/// statistics count them: the store's kept columns when they are current; else built from
/// the records read a chunk at a time (never the whole register in memory) and kept in the
/// store for the next reader.
pub async fn load(store: &dyn Store) -> anyhow::Result<(Register, Columns)> {
    let Some(cache) = store.statistics_cache() else {
        let mut register = store.load_register().await?;
        let columns = Columns::of_register(&register);
        strip_records(&mut register);
        return Ok((register, columns));
    };
    let (register, kept) = cache.kept_columns().await?;
    match kept.map(|bytes| Columns::from_bytes(&bytes)) {
        Some(Ok(columns)) => return Ok((register, columns)),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "the kept statistics columns cannot be read; counting from the records")
        }
        None => {}
    }
    let started = std::time::Instant::now();
    let mut builder = ColumnsBuilder::default();
    let register = cache
        .scan_records(&mut |chunk| match chunk {
            RecordChunk::Identifications(rows) => builder.add(&rows, &[], &[]),
            RecordChunk::Assessments(rows) => builder.add(&[], &rows, &[]),
            RecordChunk::HotlineCalls(rows) => builder.add(&[], &[], &rows),
        })
        .await?;
    let (register, columns) = match builder.finish() {
        Some(columns) => (register, columns),
        None => {
            // Refs the compact numbering cannot take (see `ColumnsBuilder`): the whole
            // register, once.
            let mut register = store.load_register().await?;
            let columns = Columns::of_register(&register);
            strip_records(&mut register);
            (register, columns)
        }
    };
    tracing::info!(
        ms = started.elapsed().as_millis(),
        decisions = columns.decisions(),
        "statistics columns counted from the records"
    );
    if let Some(stamp) = register.last_change {
        match cache.keep_columns(stamp, &columns.to_bytes()).await {
            Ok(kept) => tracing::debug!(kept, "statistics columns kept for the next reader"),
            Err(e) => tracing::warn!(error = %e, "the statistics columns could not be kept"),
        }
    }
    Ok((register, columns))
}

fn strip_records(register: &mut Register) {
    register.identifications = Vec::new();
    register.assessments = Vec::new();
    register.hotline_calls = Vec::new();
}

/// Which edition: a year in the internal or the default public profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EditionKey {
    pub year: i32,
    pub public: bool,
}

type Slot<T> = Arc<OnceCell<Result<Arc<T>, String>>>;
/// Computed figures by what they are of.
type Slots<K, T> = Mutex<HashMap<K, Slot<T>>>;

/// One state of the register and what has been computed from it.
#[derive(Debug)]
pub struct Snapshot {
    /// The register's `last_change` when it was read.
    pub stamp: Option<DateTime<Utc>>,
    /// The newest release when it was read (see [`Statistics::with_releases`]).
    releases_stamp: Option<i64>,
    /// The latest release of each year by profile (`internal`, `public`), as id and JSON
    /// edition: what an edition's revised figures are stated against.
    latest_releases: HashMap<String, Vec<(i64, spor_stats::Report)>>,
    /// History, settings and codes (the record lists are empty: see `columns`).
    pub register: Register,
    pub columns: Columns,
    /// Years with any record or history figure, ascending.
    pub years: Vec<i32>,
    /// The latest year with a decision.
    pub latest_decision_year: Option<i32>,
    editions: Slots<EditionKey, Edition>,
    renderings: Slots<(EditionKey, Format), Vec<u8>>,
    dashboards: Slots<(i32, Option<NaiveDate>), Dashboard>,
    risks: Slots<i32, RiskAssessment>,
}

impl Snapshot {
    fn new(register: Register, columns: Columns) -> Snapshot {
        let years = columns.years_with_data(&register);
        let latest_decision_year = columns.latest_decision_year();
        Snapshot {
            stamp: register.last_change,
            releases_stamp: None,
            latest_releases: HashMap::new(),
            register,
            columns,
            years,
            latest_decision_year,
            editions: Mutex::default(),
            renderings: Mutex::default(),
            dashboards: Mutex::default(),
            risks: Mutex::default(),
        }
    }
}

/// Statistics served from a store, computed once per state of the register.
#[derive(Debug)]
pub struct Statistics {
    store: Arc<dyn Store>,
    /// The store's releases, when it keeps them: editions state the figures they revise.
    releases: Option<Arc<dyn spor_store::WebStore>>,
    current: tokio::sync::Mutex<Option<Arc<Snapshot>>>,
}

/// The cell of `key` in `map`, made empty if there is none.
fn slot<K: std::hash::Hash + Eq, T>(map: &Slots<K, T>, key: K) -> Slot<T> {
    let mut map = map
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.entry(key).or_default().clone()
}

impl Statistics {
    pub fn new(store: Arc<dyn Store>) -> Statistics {
        Statistics {
            store,
            releases: None,
            current: tokio::sync::Mutex::new(None),
        }
    }

    /// Statistics of a store that keeps releases: each edition states the figures of
    /// earlier years it gives differently from the latest release of that year in its
    /// profile, as [`crate::published::edition`] does.
    pub fn with_releases(store: Arc<dyn spor_store::WebStore>) -> Statistics {
        Statistics {
            store: store.clone(),
            releases: Some(store),
            current: tokio::sync::Mutex::new(None),
        }
    }

    /// The register as it is now: the one read before if neither it nor the releases have
    /// changed since.
    pub async fn snapshot(&self) -> anyhow::Result<Arc<Snapshot>> {
        let stamp = self.store.last_change().await?;
        let releases_stamp = match &self.releases {
            Some(r) => r.newest_release().await?,
            None => None,
        };
        let mut current = self.current.lock().await;
        if let Some(s) = current
            .as_ref()
            .filter(|s| s.stamp == stamp && s.releases_stamp == releases_stamp)
        {
            return Ok(s.clone());
        }
        let started = std::time::Instant::now();
        let (register, columns) = load(self.store.as_ref())
            .await
            .context("cannot read the register for the statistics")?;
        let mut snapshot = Snapshot::new(register, columns);
        snapshot.releases_stamp = releases_stamp;
        if let Some(store) = &self.releases {
            for profile in ["internal", "public"] {
                let latest =
                    crate::published::earlier_releases(store.as_ref(), i32::MAX, profile).await?;
                snapshot.latest_releases.insert(profile.to_owned(), latest);
            }
        }
        let snapshot = Arc::new(snapshot);
        tracing::info!(
            ms = started.elapsed().as_millis(),
            "register read for the statistics"
        );
        *current = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// The overview of a year, internal or public (the default policy). `Err` carries a
    /// message for the user (no data that year; the public profile cannot be released).
    pub async fn edition(&self, key: EditionKey) -> anyhow::Result<Result<Arc<Edition>, String>> {
        let snap = self.snapshot().await?;
        Ok(Self::edition_in(&snap, key).await)
    }

    /// The edition of `key` computed from `snap`.
    async fn edition_in(snap: &Arc<Snapshot>, key: EditionKey) -> Result<Arc<Edition>, String> {
        let cell = slot(&snap.editions, key);
        let result = cell
            .get_or_init(|| {
                let snap = snap.clone();
                async move {
                    let profile = if key.public {
                        Profile::Public(PublicOptions::default())
                    } else {
                        Profile::Internal
                    };
                    let computed = tokio::task::spawn_blocking(move || {
                        let edition =
                            Edition::compute(&snap.register, &snap.columns, key.year, &profile)?;
                        let earlier = snap
                            .latest_releases
                            .get(if key.public { "public" } else { "internal" })
                            .map_or(&[][..], Vec::as_slice);
                        let revisions =
                            crate::published::revisions_against(&edition.report, earlier);
                        edition.with_revisions(revisions)
                    })
                    .await;
                    match computed {
                        Ok(Ok(e)) => Ok(Arc::new(e)),
                        Ok(Err(e)) => Err(format!("{e:#}")),
                        Err(e) => Err(format!("the computation stopped: {e}")),
                    }
                }
            })
            .await;
        result.clone()
    }

    /// An edition rendered in a one-file format, once per state of the register: the
    /// first request's `now` is printed as the time it was made. `Err` as for
    /// [`Statistics::edition`], or a rendering that failed.
    pub async fn rendered(
        &self,
        key: EditionKey,
        format: Format,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Result<Arc<Vec<u8>>, String>> {
        let snap = self.snapshot().await?;
        let edition = match Self::edition_in(&snap, key).await {
            Ok(e) => e,
            Err(e) => return Ok(Err(e)),
        };
        let cell = slot(&snap.renderings, (key, format));
        let result = cell
            .get_or_init(|| async move {
                let rendered =
                    tokio::task::spawn_blocking(move || edition.render(format, now)).await;
                match rendered {
                    Ok(Ok(bytes)) => Ok(Arc::new(bytes)),
                    Ok(Err(e)) => {
                        tracing::error!(error = %format!("{e:#}"), "cannot render the overview");
                        Err(format!("{e:#}"))
                    }
                    Err(e) => Err(format!("the rendering stopped: {e}")),
                }
            })
            .await;
        Ok(result.clone())
    }

    /// The dashboard of `year`, up to `until` (a date of that year) when given.
    pub async fn dashboard(
        &self,
        year: i32,
        until: Option<NaiveDate>,
    ) -> anyhow::Result<Result<Arc<Dashboard>, String>> {
        let snap = self.snapshot().await?;
        let cell = slot(&snap.dashboards, (year, until));
        let result = cell
            .get_or_init(|| {
                let snap = snap.clone();
                async move {
                    let computed = tokio::task::spawn_blocking(move || {
                        spor_stats::evaluate_dashboard(&snap.register, &snap.columns, year, until)
                    })
                    .await;
                    match computed {
                        Ok(Ok(d)) => Ok(Arc::new(d)),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(e) => Err(format!("the computation stopped: {e}")),
                    }
                }
            })
            .await;
        Ok(result.clone())
    }

    /// The risk report of `year` under the default policy.
    pub async fn risk(&self, year: i32) -> anyhow::Result<Result<Arc<RiskAssessment>, String>> {
        let snap = self.snapshot().await?;
        let public = Self::edition_in(&snap, EditionKey { year, public: true }).await;
        let cell = slot(&snap.risks, year);
        let result = cell
            .get_or_init(|| {
                let snap = snap.clone();
                async move {
                    let computed = tokio::task::spawn_blocking(move || {
                        RiskAssessment::with_public(
                            &snap.register,
                            &snap.columns,
                            year,
                            &spor_sdc::Policy::default(),
                            public.as_deref().map_err(Clone::clone),
                        )
                    })
                    .await;
                    match computed {
                        Ok(Ok(r)) => Ok(Arc::new(r)),
                        Ok(Err(e)) => Err(format!("{e:#}")),
                        Err(e) => Err(format!("the computation stopped: {e}")),
                    }
                }
            })
            .await;
        Ok(result.clone())
    }
}
