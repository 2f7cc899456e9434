//! Disclosure control of the public profile: the risk report of a year's victims, and the
//! public edition written as a release (JSON edition and manifest).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;
use spor_core::{CodeBook, ListId, Register};
use spor_sdc::risk::{RiskRecord, RiskReport, assess};
use spor_sdc::utility::Utility;
use spor_sdc::{Policy, Status};
use spor_stats::Columns;

use crate::edition::{Edition, Format, Profile, PublicOptions};

/// The year's victims as the risk report reads them: one record per person, from their
/// latest `identified` decision that year.
pub fn victims_of(columns: &Columns, year: i32) -> Vec<RiskRecord> {
    spor_stats::victims(columns, year)
        .into_iter()
        .map(|v| RiskRecord {
            nationality: v.nationality,
            gender: v.gender.code().to_owned(),
            age: v.age,
            form: v.form.map_or("unknown", |f| f.code()).to_owned(),
        })
        .collect()
}

/// What the public profile does to one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TableProtection {
    pub cells: usize,
    pub hidden_by_rule: usize,
    pub hidden_to_protect: usize,
}

/// The risk report of a year: how identifiable its victims are, and what the public
/// profile hides (or why it cannot be released).
#[derive(Debug, Clone)]
pub struct RiskAssessment {
    pub year: i32,
    pub policy: Policy,
    pub risk: RiskReport,
    /// Per table; `Err`: why the public profile cannot be released.
    pub public_profile: Result<BTreeMap<String, TableProtection>, String>,
    /// What the public edition publishes, recodes and hides, per table and in all.
    pub utility: Option<Utility>,
    codes: CodeBook,
}

impl RiskAssessment {
    /// Assesses `year` of a register (history, settings, codes) with its records as
    /// `columns`, under `policy`.
    pub fn of(
        register: &Register,
        columns: &Columns,
        year: i32,
        policy: &Policy,
    ) -> anyhow::Result<RiskAssessment> {
        let profile = Profile::Public(PublicOptions {
            policy: policy.clone(),
            ..PublicOptions::default()
        });
        let public =
            Edition::compute(register, columns, year, &profile).map_err(|e| format!("{e:#}"));
        RiskAssessment::with_public(
            register,
            columns,
            year,
            policy,
            public.as_ref().map_err(Clone::clone),
        )
    }

    /// [`RiskAssessment::of`] with the public edition under `policy` already computed (or
    /// why it cannot be released).
    pub fn with_public(
        register: &Register,
        columns: &Columns,
        year: i32,
        policy: &Policy,
        public: Result<&Edition, String>,
    ) -> anyhow::Result<RiskAssessment> {
        let victims = victims_of(columns, year);
        if victims.is_empty() {
            bail!(
                "the register has no victims in {year} (identified decisions dated that year); choose another --year"
            );
        }
        let risk = assess(&victims, policy);
        let utility = public
            .as_ref()
            .ok()
            .and_then(|e| e.protected.as_ref())
            .map(|p| p.release.utility.clone());
        let public_profile = public.map(protection_by_table);
        Ok(RiskAssessment {
            utility,
            year,
            policy: policy.clone(),
            risk,
            public_profile,
            codes: register.codes.clone(),
        })
    }

    /// The report as JSON: year, policy, risk and the public profile per table (or
    /// `{"refused": why}`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "year": self.year,
            "policy": self.policy,
            "risk": self.risk,
            "public_profile": match &self.public_profile {
                Ok(tables) => serde_json::json!(tables),
                Err(e) => serde_json::json!({"refused": e}),
            },
            "utility": self.utility,
        })
    }

    /// The homogeneous groups in Danish: "Nigeria / Kvinde / 18-24 år: 3 personer, alle:
    /// seksuel udnyttelse".
    pub fn homogeneous_groups_da(&self) -> Vec<String> {
        self.risk
            .homogeneous
            .iter()
            .map(|g| {
                let form = g
                    .homogeneous_form
                    .as_deref()
                    .map_or("?", |f| self.codes.label_da(ListId::ExploitationForm, f));
                format!(
                    "{} / {} / {}: {} personer, alle: {}",
                    self.codes.label_da(ListId::Country, &g.nationality),
                    self.codes.label_da(ListId::Gender, &g.gender),
                    g.age_band,
                    g.size,
                    form.to_lowercase()
                )
            })
            .collect()
    }

    /// The report as Danish text, a line each.
    pub fn text_da(&self) -> String {
        let r = &self.risk;
        let mut out = format!(
            "Risikorapport {} (tærskel {} i krydstabeller, {} i endimensionale)\n",
            self.year,
            self.policy.threshold(2),
            self.policy.threshold(1)
        );
        out += &format!("  Ofre: {}\n", r.victims);
        out += &format!(
            "  Entydige på nationalitet × køn × aldersgruppe × udnyttelse: {}\n",
            r.unique
        );
        out += &format!(
            "  Grupper (nationalitet × køn × aldersgruppe) under tærsklen: {} af {}\n",
            r.groups_below_threshold, r.groups
        );
        out += &format!(
            "  Grupper, hvor alle har samme udnyttelsesform: {}\n",
            r.homogeneous.len()
        );
        for g in self.homogeneous_groups_da() {
            out += &format!("    {g}\n");
        }
        match &self.public_profile {
            Ok(tables) => {
                out += "Offentlig profil (celler / skjult efter regel / skjult for at beskytte):\n";
                for (t, p) in tables {
                    out += &format!(
                        "  {t}: {} / {} / {}\n",
                        p.cells, p.hidden_by_rule, p.hidden_to_protect
                    );
                }
            }
            Err(e) => out += &format!("Offentlig profil: AFVIST: {e}\n"),
        }
        if let Some(u) = &self.utility {
            out += &u.text_da();
        }
        out
    }
}

/// Cells, and cells hidden by rule and to protect others, per table of a public edition.
fn protection_by_table(edition: &Edition) -> BTreeMap<String, TableProtection> {
    let mut per_table: BTreeMap<String, TableProtection> = BTreeMap::new();
    let Some(p) = &edition.protected else {
        return per_table;
    };
    let rel = &p.release;
    for (i, q) in rel.problem.quantities.iter().enumerate() {
        for at in &q.refs {
            let e = per_table.entry(at.table.clone()).or_default();
            e.cells += 1;
            match rel.protection.status[i] {
                Status::HiddenBelowThreshold { .. } | Status::HiddenHomogeneous { .. } => {
                    e.hidden_by_rule += 1
                }
                Status::HiddenSecondary { .. } => e.hidden_to_protect += 1,
                _ => {}
            }
        }
    }
    per_table
}

/// Writes the public JSON edition `overview-YEAR-public.json` and its manifest
/// `manifest-YEAR.json` into `dir` (created if missing); returns both paths.
pub fn write_public(edition: &Edition, dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    write_public_with_exchanges(edition, &[], dir)
}

/// The folder, inside a release's, that holds the year's exchanges.
pub const EXCHANGES_DIR: &str = "exchanges";

/// [`write_public`] with the year's `exchanges` (from [`crate::exchange::release_files`])
/// written into `dir/exchanges/` and listed in the manifest's `exchanges` with their
/// SHA-256 (the manifest's other fields as without them).
pub fn write_public_with_exchanges(
    edition: &Edition,
    exchanges: &[crate::exchange::ExchangeFile],
    dir: &Path,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    if !edition.is_public() {
        bail!("only a public edition is released with a manifest");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(edition.file_name(Format::Json));
    if exchanges.is_empty() {
        let mut written = edition.write(Format::Json, &path, chrono::Utc::now())?;
        let manifest = written.pop().context("the manifest was not written")?;
        return Ok((path, manifest));
    }
    let bytes = edition.render(Format::Json, chrono::Utc::now())?;
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    let mut manifest = edition
        .manifest(std::slice::from_ref(&path))?
        .context("a public edition has a manifest")?;
    let sub = dir.join(EXCHANGES_DIR);
    std::fs::create_dir_all(&sub).with_context(|| format!("cannot create {}", sub.display()))?;
    for f in exchanges {
        let file = sub.join(&f.file_name);
        std::fs::write(&file, &f.bytes)
            .with_context(|| format!("cannot write {}", file.display()))?;
        manifest.add_exchange(
            &f.exchange,
            f.format.name(),
            &format!("{EXCHANGES_DIR}/{}", f.file_name),
            &f.bytes,
        );
    }
    let manifest_path = dir.join(edition.manifest_name());
    manifest
        .write(&manifest_path)
        .with_context(|| format!("cannot write {}", manifest_path.display()))?;
    Ok((path, manifest_path))
}
