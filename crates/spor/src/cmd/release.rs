//! `spor release`: disclosure control of the public profile.
//!
//! - `spor release risk --year Y`: how identifiable the year's victims are (unique on
//!   nationality × gender × age band × form, groups below the threshold, groups all in one
//!   form) and what the public profile would hide.
//! - `spor release public --year Y --out DIR`: writes the protected JSON edition and the
//!   release manifest beside it, or refuses with the cell that would leak.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use spor_core::{CodeBook, ListId, Outcome, Register};
use spor_sdc::manifest::Manifest;
use spor_sdc::overview::{PublicRelease, protect_report_with};
use spor_sdc::risk::{RiskRecord, assess};
use spor_sdc::{Policy, Status};

#[derive(Debug, clap::Subcommand)]
pub enum ReleaseCommand {
    /// Risk report of a year's victims and of the public profile's protection.
    Risk(RiskArgs),
    /// Write the public (protected) JSON edition and its manifest.
    Public(PublicArgs),
}

/// The disclosure policy to use.
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// Policy file (TOML, or JSON by extension); without it the documented defaults.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// The strict preset (threshold 10 everywhere), over the file's settings.
    #[arg(long)]
    pub strict: bool,
}

impl PolicyArgs {
    /// The policy file's settings (or the defaults), with the strict preset if asked.
    pub fn load(&self) -> anyhow::Result<Policy> {
        let mut policy = match &self.policy {
            Some(path) => Policy::load(path)?,
            None => Policy::default(),
        };
        if self.strict {
            policy.preset = spor_sdc::Preset::Strict;
        }
        Ok(policy)
    }
}

#[derive(Debug, clap::Args)]
pub struct RiskArgs {
    /// The statistics year.
    #[arg(long)]
    pub year: i32,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct PublicArgs {
    /// The statistics year.
    #[arg(long)]
    pub year: i32,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Folder to write `overview-YEAR-public.json` and `manifest-YEAR.json` into.
    #[arg(long)]
    pub out: PathBuf,
    /// Publish again the partners that turn out not to be needed (one audit per partner).
    #[arg(long)]
    pub minimise: bool,
    /// Public JSON editions of earlier years (repeatable): what they published is known and
    /// is never hidden again; it constrains what this edition may show.
    #[arg(long = "earlier")]
    pub earlier: Vec<PathBuf>,
}

pub async fn run(cmd: ReleaseCommand, db: &str) -> anyhow::Result<()> {
    match cmd {
        ReleaseCommand::Risk(args) => risk(args, db).await,
        ReleaseCommand::Public(args) => public(args, db).await,
    }
}

async fn load(db: &str) -> anyhow::Result<Register> {
    load_from(super::open_store(db).await?.as_ref(), db).await
}

async fn load_from(store: &dyn spor_store::Store, db: &str) -> anyhow::Result<Register> {
    store
        .load_register()
        .await
        .with_context(|| format!("cannot read the register at {db}"))
}

/// The year's victims: one record per person, from their latest `identified` decision.
pub fn victims_of(register: &Register, year: i32) -> Vec<RiskRecord> {
    let mut latest: BTreeMap<&str, &spor_core::Identification> = BTreeMap::new();
    for d in &register.identifications {
        if d.outcome != Outcome::Identified || chrono::Datelike::year(&d.decision_date) != year {
            continue;
        }
        let e = latest.entry(d.person_ref.as_str()).or_insert(d);
        if (d.decision_date, d.case_ref.as_str()) > (e.decision_date, e.case_ref.as_str()) {
            *e = d;
        }
    }
    latest
        .values()
        .map(|d| RiskRecord {
            nationality: d.nationality.as_str().to_owned(),
            gender: d.gender.code().to_owned(),
            age: d.age,
            form: d
                .exploitation_form
                .map_or("unknown", |f| f.code())
                .to_owned(),
        })
        .collect()
}

fn protect(
    register: &Register,
    year: i32,
    policy: &Policy,
    earlier: &[spor_stats::Report],
    minimise: bool,
) -> anyhow::Result<PublicRelease> {
    let report = spor_stats::evaluate(register, year)?;
    protect_overview(&report, earlier, policy, minimise)
}

async fn risk(args: RiskArgs, db: &str) -> anyhow::Result<()> {
    let policy = args.policy.load()?;
    let store = super::open_store(db).await?;
    // The code lists with the centre's additions, for Danish labels.
    let codes = CodeBook::with_additions(store.code_additions().await?);
    let register = load_from(store.as_ref(), db).await?;
    let victims = victims_of(&register, args.year);
    if victims.is_empty() {
        bail!(
            "the register has no victims in {} (identified decisions dated that year); choose another --year",
            args.year
        );
    }
    let risk = assess(&victims, &policy);
    let release = protect(&register, args.year, &policy, &[], false);
    let mut per_table: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    if let Ok(rel) = &release {
        for (i, q) in rel.problem.quantities.iter().enumerate() {
            for at in &q.refs {
                let e = per_table.entry(at.table.clone()).or_default();
                e.0 += 1;
                match rel.protection.status[i] {
                    Status::HiddenBelowThreshold { .. } | Status::HiddenHomogeneous { .. } => {
                        e.1 += 1
                    }
                    Status::HiddenSecondary { .. } => e.2 += 1,
                    _ => {}
                }
            }
        }
    }
    if args.json {
        let v = serde_json::json!({
            "year": args.year,
            "policy": policy,
            "risk": risk,
            "public_profile": match &release {
                Ok(_) => serde_json::json!(per_table.iter().map(|(t, (n, r, s))| {
                    (t.clone(), serde_json::json!({"cells": n, "hidden_by_rule": r, "hidden_to_protect": s}))
                }).collect::<serde_json::Map<_, _>>()),
                Err(e) => serde_json::json!({"refused": format!("{e:#}")}),
            },
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!(
        "Risikorapport {} (tærskel {} i krydstabeller, {} i endimensionale)",
        args.year,
        policy.threshold(2),
        policy.threshold(1)
    );
    println!("  Ofre: {}", risk.victims);
    println!(
        "  Entydige på nationalitet × køn × aldersgruppe × udnyttelse: {}",
        risk.unique
    );
    println!(
        "  Grupper (nationalitet × køn × aldersgruppe) under tærsklen: {} af {}",
        risk.groups_below_threshold, risk.groups
    );
    println!(
        "  Grupper, hvor alle har samme udnyttelsesform: {}",
        risk.homogeneous.len()
    );
    for g in &risk.homogeneous {
        let form = g
            .homogeneous_form
            .as_deref()
            .map_or("?", |f| codes.label_da(ListId::ExploitationForm, f));
        println!(
            "    {} / {} / {}: {} personer, alle: {}",
            codes.label_da(ListId::Country, &g.nationality),
            codes.label_da(ListId::Gender, &g.gender),
            g.age_band,
            g.size,
            form.to_lowercase()
        );
    }
    match release {
        Ok(_) => {
            println!("Offentlig profil (celler / skjult efter regel / skjult for at beskytte):");
            for (t, (n, r, s)) in &per_table {
                println!("  {t}: {n} / {r} / {s}");
            }
        }
        Err(e) => println!("Offentlig profil: AFVIST: {e:#}"),
    }
    Ok(())
}

async fn public(args: PublicArgs, db: &str) -> anyhow::Result<()> {
    let policy = args.policy.load()?;
    let earlier = load_earlier(&args.earlier)?;
    let register = load(db).await?;
    let release = protect(&register, args.year, &policy, &earlier, args.minimise)?;
    write_public(&release, &policy, &args.out)?;
    println!(
        "wrote {} and {}",
        args.out.join(edition_name(args.year)).display(),
        args.out.join(manifest_name(args.year)).display()
    );
    Ok(())
}

/// Reads public JSON editions of earlier years (the output of `spor release public`).
pub fn load_earlier(paths: &[PathBuf]) -> anyhow::Result<Vec<spor_stats::Report>> {
    let mut earlier = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the earlier edition {}", path.display()))?;
        let report: spor_stats::Report = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a JSON edition (expected the output of spor release public)",
                path.display()
            )
        })?;
        earlier.push(report);
    }
    Ok(earlier)
}

/// The public profile of a computed overview, or the error naming the cell that would leak.
pub fn protect_overview(
    report: &spor_stats::Report,
    earlier: &[spor_stats::Report],
    policy: &Policy,
    minimise: bool,
) -> anyhow::Result<PublicRelease> {
    protect_report_with(report, earlier, policy, minimise)
        .with_context(|| format!("the public profile of {} cannot be released", report.year))
}

pub fn edition_name(year: i32) -> String {
    format!("overview-{year}-public.json")
}

pub fn manifest_name(year: i32) -> String {
    format!("manifest-{year}.json")
}

/// The public JSON edition: hidden values `null`, `"suppressed": [[row, column], …]` per
/// table, `"recoded"` (what merged categories contain) and `"disclosure_note"`.
pub fn public_json(release: &PublicRelease, policy: &Policy) -> anyhow::Result<serde_json::Value> {
    let mut json = serde_json::to_value(&release.report)?;
    for (id, cells) in &release.suppressed {
        if let Some(t) = json["tables"].get_mut(id) {
            t["suppressed"] = serde_json::json!(cells);
        }
    }
    // Merged categories say what they contain; the footnote explains the dots.
    json["recoded"] = serde_json::to_value(&release.recodes.groups)?;
    json["disclosure_note"] = serde_json::json!(policy.footnote_da());
    Ok(json)
}

/// The public JSON edition as written to a file (pretty, ending in a newline).
pub fn public_json_text(release: &PublicRelease, policy: &Policy) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&public_json(release, policy)?)? + "\n")
}

/// Writes the release manifest `manifest-YEAR.json` into `dir`, with the SHA-256 of each
/// of `files` (path, name in the manifest). Returns the manifest's path.
pub fn write_manifest(
    release: &PublicRelease,
    policy: &Policy,
    files: &[(PathBuf, String)],
    dir: &Path,
) -> anyhow::Result<PathBuf> {
    let year = release.report.year;
    let mut manifest = Manifest::new(
        year,
        policy,
        &release.recodes,
        &release.problem,
        &release.protection,
    );
    for (path, name) in files {
        manifest
            .add_file(path, name)
            .with_context(|| format!("cannot read {} for the manifest", path.display()))?;
    }
    let path = dir.join(manifest_name(year));
    manifest
        .write(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Writes the public JSON edition (hidden values `null`, `"suppressed"` per table) and the
/// manifest with its SHA-256.
pub fn write_public(release: &PublicRelease, policy: &Policy, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let year = release.report.year;
    let edition = dir.join(edition_name(year));
    std::fs::write(&edition, public_json_text(release, policy)?)
        .with_context(|| format!("cannot write {}", edition.display()))?;
    write_manifest(release, policy, &[(edition, edition_name(year))], dir)?;
    Ok(())
}
