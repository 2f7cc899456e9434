//! International data exchanges (Eurostat, UNODC, the US TIP report, GRETA; the
//! person-level CTDC and HTCDS are [`crate::microdata`]) from the register: the command line (`spor exchange`) and the analyst's page call these. Each is a
//! set of table definitions of `spor-stats` evaluated with the centre's mappings
//! ([`spor_core::Mappings`]: the built-in maps with the centre's changes from the store),
//! rendered by `spor-report`.

use anyhow::Context;
use chrono::{DateTime, Utc};
use spor_core::Mappings;
use spor_core::exchange::REPORTING_COUNTRY;
use spor_stats::exchange::{ExchangeDef, ExchangeReport};
use spor_stats::{Columns, EXCHANGES};
use spor_store::web::AuditedChange;
use spor_store::{Store, WebStore};

use crate::audit::{self, Actor, Event};
use crate::microdata::PersonLevel;

/// A format an exchange is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Json, Format::Csv, Format::Xlsx];

    /// As on the command line, in URLs and as the file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Every exchange, in the order they are offered.
pub fn all() -> &'static [ExchangeDef] {
    EXCHANGES
}

/// The exchange named `name` among the aggregate ones; the error lists the known ones.
pub fn find(name: &str) -> anyhow::Result<&'static ExchangeDef> {
    match lookup(name)? {
        Exchange::Aggregate(def) => Ok(def),
        Exchange::PersonLevel(p) => anyhow::bail!(
            "`{}` is a person-level exchange (crate::microdata), not a table exchange",
            p.name()
        ),
    }
}

/// An exchange: tables of counts, or one row per victim.
#[derive(Debug, Clone, Copy)]
pub enum Exchange {
    Aggregate(&'static ExchangeDef),
    PersonLevel(PersonLevel),
}

/// The names of every exchange, aggregate ones first.
pub fn names() -> Vec<&'static str> {
    all()
        .iter()
        .map(|d| d.name)
        .chain(PersonLevel::ALL.map(PersonLevel::name))
        .collect()
}

/// The exchange named `name`, of either kind; the error lists every known one.
pub fn lookup(name: &str) -> anyhow::Result<Exchange> {
    if let Some(p) = PersonLevel::parse(name) {
        return Ok(Exchange::PersonLevel(p));
    }
    match spor_stats::exchange::exchange(name) {
        Ok(def) => Ok(Exchange::Aggregate(def)),
        Err(_) => anyhow::bail!(
            "unknown exchange `{name}`; known exchanges: {}",
            names().join(", ")
        ),
    }
}

/// The mappings in force: the built-in maps with the centre's changes kept in `store`.
pub async fn mappings(store: &dyn Store) -> anyhow::Result<Mappings> {
    let changes = store
        .exchange_mappings()
        .await
        .context("cannot read the exchanges' mappings")?;
    Mappings::with_overrides(changes.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .context("a kept change of the exchanges' mappings is no longer valid")
}

/// The exchange `def` of `year` from a register and its records, with `maps`.
pub fn compute(
    register: &spor_core::Register,
    columns: &Columns,
    def: &'static ExchangeDef,
    year: i32,
    maps: &Mappings,
) -> anyhow::Result<ExchangeReport> {
    Ok(spor_stats::evaluate_exchange(
        register, columns, year, def, maps,
    )?)
}

/// Reads the register and the mappings from `store` and computes the exchange.
pub async fn load_and_compute(
    store: &dyn Store,
    def: &'static ExchangeDef,
    year: i32,
) -> anyhow::Result<ExchangeReport> {
    let (register, columns) = crate::statistics::load(store).await?;
    let maps = mappings(store).await?;
    compute(&register, &columns, def, year, &maps)
}

/// The exchange from the statistics kept for the register's current state (the web):
/// `Ok(Err(why))` when the year has nothing to count, in words for the user.
pub async fn of_statistics(
    stats: &crate::Statistics,
    store: &dyn Store,
    def: &'static ExchangeDef,
    year: i32,
) -> anyhow::Result<Result<ExchangeReport, String>> {
    let snap = stats.snapshot().await?;
    let maps = mappings(store).await?;
    match spor_stats::evaluate_exchange(&snap.register, &snap.columns, year, def, &maps) {
        Ok(r) => Ok(Ok(r)),
        Err(spor_stats::exchange::ExchangeError::Stats(e)) => Ok(Err(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// The rendering of an exchange in `format`; `now` is printed in the XLSX as when it was
/// made.
pub fn render(
    report: &ExchangeReport,
    format: Format,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Json => spor_report::exchange::json(report).into_bytes(),
        Format::Csv => spor_report::exchange::csv(report).context("cannot write the CSV")?,
        Format::Xlsx => {
            spor_report::exchange::xlsx(report, now).context("cannot write the workbook")?
        }
    })
}

/// One rendered exchange file, as a release writes it.
#[derive(Debug, Clone)]
pub struct ExchangeFile {
    pub exchange: String,
    pub format: Format,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The formats a release writes each aggregate exchange in: for the receiving systems.
pub const RELEASE_FORMATS: [Format; 2] = [Format::Json, Format::Csv];

/// Every aggregate exchange of `year` (eurostat, unodc, tip, greta) in
/// [`RELEASE_FORMATS`], as a release writes them beside its edition. The person-level
/// ones (ctdc, htcds) are never part of a release: they go to one receiver each, audited.
pub fn release_files(
    register: &spor_core::Register,
    columns: &Columns,
    year: i32,
    maps: &Mappings,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<ExchangeFile>> {
    let mut out = Vec::new();
    for def in all() {
        let report = compute(register, columns, def, year, maps)
            .with_context(|| format!("cannot make the {} exchange of {year}", def.name))?;
        for format in RELEASE_FORMATS {
            out.push(ExchangeFile {
                exchange: def.name.to_owned(),
                format,
                file_name: file_name(def.name, year, format),
                bytes: render(&report, format, now)?,
            });
        }
    }
    Ok(out)
}

/// [`release_files`] from the register and mappings in `store`.
pub async fn load_release_files(
    store: &dyn Store,
    year: i32,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<ExchangeFile>> {
    let (register, columns) = crate::statistics::load(store).await?;
    let maps = mappings(store).await?;
    release_files(&register, &columns, year, &maps, now)
}

/// The file name of a rendering: `eurostat-2023.xlsx`.
pub fn file_name(name: &str, year: i32, format: Format) -> String {
    format!("{name}-{year}.{}", format.name())
}

/// What the audit trail says about a download of an exchange: target and detail.
pub fn audit_target(name: &str, year: i32, format: Format) -> (String, String) {
    (format!("exchange:{name}:{year}"), format.name().to_owned())
}

/// Changes where a code goes in an exchange's map (`MAP/CODE`, a category of the map), or
/// the reporting country (`reporting_country`, an ISO 3166-1 alpha-2 code); `None` takes
/// the change back to the built-in mapping. Checked against the maps, audited as a
/// settings change, in one transaction. Takes effect in the next exchange made: no release.
pub async fn set_mapping(
    store: &dyn WebStore,
    by: Actor<'_>,
    key: &str,
    value: Option<&str>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    // Taking a change back must work even when a kept change no longer reads (a category
    // renamed by a release): then it is checked against the built-in maps alone.
    let current = match mappings(store).await {
        Ok(m) => m,
        Err(_) if value.is_none() => Mappings::builtin().clone(),
        Err(e) => return Err(e),
    };
    let (key, value) = match value {
        Some(v) => {
            let (k, v) = current.check(key, v)?;
            (k, Some(v))
        }
        None => {
            // The key must name something, even to take a change back.
            let builtin = if key.trim() == REPORTING_COUNTRY {
                spor_core::exchange::DEFAULT_REPORTING_COUNTRY.to_owned()
            } else {
                let (map, from) = key.trim().split_once('/').unwrap_or((key.trim(), ""));
                Mappings::builtin()
                    .map(map)
                    .and_then(|m| m.category(from))
                    .unwrap_or("")
                    .to_owned()
            };
            current.check(key, &builtin)?;
            (key.trim().to_owned(), None)
        }
    };
    let target = format!("exchange:{key}");
    let ev = by.event(
        Event::SettingsUpdate,
        Some(&target),
        Some(value.clone().unwrap_or_else(|| "built-in".into())),
    );
    let change = AuditedChange::SetExchangeMapping {
        key: &key,
        value: value.as_deref(),
    };
    audit::change(store, &change, &ev, at).await?;
    Ok(())
}
