//! An edition of the annual overview: the figures of one year in one profile (internal,
//! exact; or public, protected by `spor-sdc`), and its renderings in every format.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use spor_core::Register;
use spor_sdc::Policy;
use spor_sdc::manifest::Manifest;
use spor_sdc::overview::{Inputs, PublicRelease, protect_edition};
use spor_stats::{Columns, Report};

/// A format the overview is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object: year, tables, facts (`shared/spec/annual-report.md`).
    Json,
    /// One CSV file per table, in a folder.
    Csv,
    /// One self-contained HTML publication.
    Html,
    /// One XLSX workbook, a sheet per table.
    Xlsx,
    /// The PDF edition, A4.
    Pdf,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Html,
        Format::Pdf,
        Format::Xlsx,
        Format::Json,
        Format::Csv,
    ];

    /// The name used on the command line, in URLs and as the file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Html => "html",
            Format::Xlsx => "xlsx",
            Format::Pdf => "pdf",
        }
    }

    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The media type of a one-file rendering (CSV: of one table).
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Pdf => "application/pdf",
        }
    }

    /// Whether the rendering is one file (CSV is a folder of files).
    pub fn is_one_file(self) -> bool {
        self != Format::Csv
    }
}

/// Who an edition is for.
#[derive(Debug, Clone, Default)]
pub enum Profile {
    /// Exact figures, for the centre and the ministries.
    #[default]
    Internal,
    /// Protected by the disclosure policy: small cells hidden ("·"), checked by an audit.
    Public(PublicOptions),
}

/// How a public edition is protected.
#[derive(Debug, Clone, Default)]
pub struct PublicOptions {
    pub policy: Policy,
    /// Public editions of earlier years: what they published is known and never hidden.
    pub earlier: Vec<Report>,
    /// Publish again the partners that turn out not to be needed (one audit per partner).
    pub minimise: bool,
}

impl PublicOptions {
    /// The policy in `file` (TOML, or JSON by extension; the documented defaults without
    /// one), with the strict preset over it if asked.
    pub fn policy(file: Option<&Path>, strict: bool) -> anyhow::Result<Policy> {
        let mut policy = match file {
            Some(path) => Policy::load(path)?,
            None => Policy::default(),
        };
        if strict {
            policy.preset = spor_sdc::Preset::Strict;
        }
        Ok(policy)
    }

    /// Reads public JSON editions of earlier years (as `spor release public` writes them).
    pub fn load_earlier(paths: &[PathBuf]) -> anyhow::Result<Vec<Report>> {
        paths
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!("cannot read the earlier edition {}", path.display())
                })?;
                serde_json::from_str(&text).with_context(|| {
                    format!(
                        "{} is not a JSON edition (expected the output of spor release public)",
                        path.display()
                    )
                })
            })
            .collect()
    }
}

/// The protection of a public edition.
#[derive(Debug, Clone)]
pub struct Protected {
    pub release: PublicRelease,
    pub policy: Policy,
}

/// The overview of one year in one profile.
#[derive(Debug, Clone)]
pub struct Edition {
    /// What the edition shows: the exact overview, or the protected one.
    pub report: Report,
    /// The public profile's protection (`None`: internal).
    pub protected: Option<Protected>,
    /// The register's last change when the figures were computed.
    pub last_change: Option<DateTime<Utc>>,
}

/// The attacker of `spor-sdc` on the public edition as a reader gets it, JSON and HTML
/// together: no number the HTML shows (tables, key figures, sentences, chart labels) may
/// pin a hidden figure or state one the JSON does not publish.
pub fn attack_html(release: &PublicRelease) -> anyhow::Result<()> {
    let meta = spor_report::Meta::new(DateTime::<Utc>::UNIX_EPOCH, None);
    let html = match spor_report::html::render(&release.report, &meta) {
        Ok(html) => html,
        // A year without data has no HTML edition to attack.
        Err(spor_report::Error::Empty { .. }) => return Ok(()),
        Err(e) => return Err(e).context("cannot render the HTML edition"),
    };
    let json = serde_json::to_value(&release.report)?;
    let found = spor_sdc::attack::attack_edition(&json, &html);
    if let Some(p) = found.iter().find(|d| d.pinned()) {
        anyhow::bail!(
            "the HTML edition gives a hidden figure away: {} = {}",
            p.name,
            p.lo
        );
    }
    Ok(())
}

impl Edition {
    /// The overview of `year` from a register (its history, settings and codes) and its
    /// records as `columns`, in `profile`. A public edition that cannot be protected is an
    /// error naming the cell that would leak.
    pub fn compute(
        register: &Register,
        columns: &Columns,
        year: i32,
        profile: &Profile,
    ) -> anyhow::Result<Edition> {
        let report = spor_stats::evaluate_columns(register, columns, year)?;
        let history_before = register
            .microdata_from
            .or_else(|| columns.first_record_year());
        Edition::of_report(report, register.last_change, history_before, profile)
    }

    /// The edition of an evaluated overview in `profile`. Year columns before
    /// `history_before` (the register's `microdata_from`, or its first year of records) come
    /// from the history the centre published long ago: a public edition publishes them
    /// unchanged and counts them as known.
    pub fn of_report(
        report: Report,
        last_change: Option<DateTime<Utc>>,
        history_before: Option<i32>,
        profile: &Profile,
    ) -> anyhow::Result<Edition> {
        match profile {
            Profile::Internal => Ok(Edition {
                report,
                protected: None,
                last_change,
            }),
            Profile::Public(opts) => {
                let inputs = Inputs {
                    earlier: &opts.earlier,
                    history_before,
                    minimise: opts.minimise,
                    keep_categories: false,
                };
                let release =
                    protect_edition(&report, &opts.policy, &inputs).with_context(|| {
                        format!("the public profile of {} cannot be released", report.year)
                    })?;
                attack_html(&release).with_context(|| {
                    format!("the public profile of {} cannot be released", report.year)
                })?;
                Ok(Edition {
                    report: release.report.clone(),
                    protected: Some(Protected {
                        release,
                        policy: opts.policy.clone(),
                    }),
                    last_change,
                })
            }
        }
    }

    pub fn year(&self) -> i32 {
        self.report.year
    }

    /// The edition stating `revisions` (figures of earlier years given differently from
    /// the release that published them) in every format. A public edition is attacked
    /// again as its reader gets it, notes included.
    pub fn with_revisions(
        mut self,
        revisions: Vec<spor_stats::Revision>,
    ) -> anyhow::Result<Edition> {
        if revisions.is_empty() {
            return Ok(self);
        }
        self.report.revisions = revisions.clone();
        if let Some(p) = &mut self.protected {
            p.release.report.revisions = revisions;
            attack_html(&p.release).with_context(|| {
                format!(
                    "the public profile of {} cannot be released",
                    self.report.year
                )
            })?;
        }
        Ok(self)
    }

    pub fn is_public(&self) -> bool {
        self.protected.is_some()
    }

    /// The file name of a rendering: `overview-2023.pdf`, `overview-2023-public.pdf`; for
    /// CSV the folder's name.
    pub fn file_name(&self, format: Format) -> String {
        let stem = self.stem();
        match format {
            Format::Csv => stem,
            f => format!("{stem}.{}", f.name()),
        }
    }

    fn stem(&self) -> String {
        if self.is_public() {
            format!("overview-{}-public", self.year())
        } else {
            format!("overview-{}", self.year())
        }
    }

    /// The manifest's file name: `manifest-2023.json`.
    pub fn manifest_name(&self) -> String {
        format!("manifest-{}.json", self.year())
    }

    fn meta(&self, now: DateTime<Utc>) -> spor_report::Meta {
        spor_report::Meta::new(now, self.last_change)
    }

    /// The JSON edition as written to a file (pretty, ending in a newline). The public one
    /// has hidden values `null`, `"suppressed": [[row, column], …]` per table, `"recoded"`
    /// (what merged categories contain) and `"disclosure_note"`. Every edition has
    /// `"fact_definitions"` ([`fact_definitions_json`]) and, when it revises figures of
    /// earlier years, `"revisions"` ([`spor_stats::Revision`]).
    pub fn json(&self) -> anyhow::Result<String> {
        let mut value = match &self.protected {
            None => serde_json::to_value(&self.report)?,
            Some(p) => {
                let mut json = serde_json::to_value(&p.release.report)?;
                for (id, cells) in &p.release.suppressed {
                    if let Some(t) = json["tables"].get_mut(id) {
                        t["suppressed"] = serde_json::json!(cells);
                    }
                }
                json["recoded"] = serde_json::to_value(&p.release.recodes.groups)?;
                json["disclosure_note"] = serde_json::json!(p.policy.footnote_da());
                json
            }
        };
        value["fact_definitions"] = fact_definitions_json();
        Ok(serde_json::to_string_pretty(&value)? + "\n")
    }

    /// A one-file rendering (every format but CSV, which is [`Edition::write`]'s or
    /// [`Edition::table_csv`]'s). `now` is printed as the time the edition was made.
    pub fn render(&self, format: Format, now: DateTime<Utc>) -> anyhow::Result<Vec<u8>> {
        let meta = self.meta(now);
        Ok(match format {
            Format::Json => self.json()?.into_bytes(),
            Format::Html => spor_report::html::render(&self.report, &meta)
                .context("cannot render the HTML edition")?
                .into_bytes(),
            Format::Xlsx => spor_report::xlsx::to_bytes(&self.report, &meta)
                .context("cannot write the workbook")?,
            Format::Pdf => {
                spor_pdf::render(&self.report, &meta).context("cannot typeset the PDF edition")?
            }
            Format::Csv => anyhow::bail!(
                "the CSV edition is a folder of files: write it, or ask for one table"
            ),
        })
    }

    /// One table as CSV (semicolon-separated, with BOM, as Danish spreadsheets expect);
    /// `None` for a table the edition does not have.
    pub fn table_csv(&self, id: &str) -> anyhow::Result<Option<Vec<u8>>> {
        if !self.report.tables.contains_key(id) {
            return Ok(None);
        }
        Ok(Some(spor_report::csv::table_csv(&self.report, id)?))
    }

    /// Every rendering of the edition as files: one per format, CSV one per table in the
    /// folder [`Edition::file_name`] names (`overview-2023/victims_by_form.csv`), each
    /// with its format.
    pub fn render_all(&self, now: DateTime<Utc>) -> anyhow::Result<Vec<(String, Format, Vec<u8>)>> {
        let mut files = Vec::new();
        for format in Format::ALL {
            if format == Format::Csv {
                let dir = self.file_name(Format::Csv);
                for (name, bytes) in spor_report::csv::files(&self.report)? {
                    files.push((format!("{dir}/{name}"), format, bytes));
                }
            } else {
                files.push((self.file_name(format), format, self.render(format, now)?));
            }
        }
        Ok(files)
    }

    /// Writes the rendering to `out` (a file; for CSV a folder, created if missing) and,
    /// for a public edition, its manifest beside it. Returns every path written, the
    /// manifest last.
    pub fn write(
        &self,
        format: Format,
        out: &Path,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<PathBuf>> {
        let mut written = match format {
            Format::Csv => spor_report::csv::write_dir(&self.report, out)
                .with_context(|| format!("cannot write the CSV files into {}", out.display()))?,
            f => {
                let bytes = self.render(f, now)?;
                std::fs::write(out, bytes)
                    .with_context(|| format!("cannot write {}", out.display()))?;
                vec![out.to_path_buf()]
            }
        };
        if self.is_public() {
            let dir = if format == Format::Csv {
                out.to_path_buf()
            } else {
                out.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            };
            let manifest = self.write_manifest(&written, &dir)?;
            written.push(manifest);
        }
        Ok(written)
    }

    /// The public edition's release manifest with the SHA-256 of each of `files` (named in
    /// it by their file names); `None` for an internal edition.
    pub fn manifest(&self, files: &[PathBuf]) -> anyhow::Result<Option<Manifest>> {
        let Some(p) = &self.protected else {
            return Ok(None);
        };
        let mut manifest = Manifest::of(&p.release, &p.policy);
        for path in files {
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            manifest
                .add_file(path, &name)
                .with_context(|| format!("cannot read {} for the manifest", path.display()))?;
        }
        Ok(Some(manifest))
    }

    /// Writes the manifest `manifest-YEAR.json` of `files` into `dir`; returns its path.
    pub fn write_manifest(&self, files: &[PathBuf], dir: &Path) -> anyhow::Result<PathBuf> {
        let manifest = self
            .manifest(files)?
            .context("an internal edition has no release manifest")?;
        let path = dir.join(self.manifest_name());
        manifest
            .write(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }
}

/// Every fact's definition, for the JSON edition: `{NAME: {"label": {"da", "en"}, "da",
/// "en"}}` in the order of `facts`, written from the definitions of the tables the facts
/// are read off ([`spor_stats::describe::fact_definitions`]).
pub fn fact_definitions_json() -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for f in spor_stats::describe::fact_definitions() {
        map.insert(
            f.name.to_owned(),
            serde_json::json!({
                "label": {"da": f.label.da, "en": f.label.en},
                "da": f.rule.da,
                "en": f.rule.en,
            }),
        );
    }
    serde_json::Value::Object(map)
}
