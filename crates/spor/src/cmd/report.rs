//! `spor report --year Y --format json|csv|html|xlsx|pdf [--profile internal|public]
//! [--policy FILE] [--out PATH]`: the annual overview computed from the register.
//!
//! The internal profile is exact; the public profile is protected by `spor-sdc` (the same
//! edition `spor release public` writes) and, with `--out`, the release manifest is written
//! beside the file.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Output format of the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object: year, tables, facts (the contract of shared/spec/annual-report.md).
    Json,
    /// One CSV file per table, in the folder given by --out.
    Csv,
    /// One self-contained HTML publication.
    Html,
    /// One XLSX workbook, a sheet per table (needs --out).
    Xlsx,
    /// The PDF edition, A4, typeset in the binary (needs --out).
    Pdf,
}

/// Who the edition is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Profile {
    /// Exact figures, for the centre and the ministries.
    #[default]
    Internal,
    /// Protected by the disclosure policy: small cells hidden ("·"), checked by an audit.
    Public,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The statistics year (year of the decisions, calls and interviews counted).
    #[arg(long)]
    pub year: i32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Where to write: a file for json, html and xlsx, a folder for csv. Without it, json
    /// and html go to standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Internal (exact) or public (disclosure-controlled) edition.
    #[arg(long, value_enum, default_value_t = Profile::Internal)]
    pub profile: Profile,
    /// Disclosure policy of the public profile.
    #[command(flatten)]
    pub policy: super::release::PolicyArgs,
    /// Public JSON editions of earlier years (public profile; repeatable).
    #[arg(long = "earlier")]
    pub earlier: Vec<PathBuf>,
}

pub async fn run(args: Args, db: &str) -> anyhow::Result<()> {
    // Check what can be checked before reading the register.
    if args.out.is_none() && matches!(args.format, Format::Csv | Format::Xlsx) {
        bail!(
            "--format {} needs --out (a {}), e.g. --out {}",
            format_name(args.format),
            if args.format == Format::Csv {
                "folder for one CSV file per table"
            } else {
                "file for the workbook"
            },
            if args.format == Format::Csv {
                format!("overview-{}", args.year)
            } else {
                format!("overview-{}.xlsx", args.year)
            }
        );
    }
    if args.profile == Profile::Internal
        && (args.policy.policy.is_some() || args.policy.strict || !args.earlier.is_empty())
    {
        bail!("--policy, --strict and --earlier apply to the public profile; add --profile public");
    }
    let policy = match args.profile {
        Profile::Public => Some(args.policy.load()?),
        Profile::Internal => None,
    };
    let earlier = super::release::load_earlier(&args.earlier)?;
    let store = super::open_store(db).await?;
    let (register, columns) = load_for_statistics(store.as_ref())
        .await
        .with_context(|| format!("cannot read the register at {db}"))?;
    let report = spor_stats::evaluate_columns(&register, &columns, args.year)?;
    tracing::info!(
        year = args.year,
        tables = report.tables.len(),
        "overview computed"
    );
    let release = match &policy {
        Some(policy) => Some(super::release::protect_overview(
            &report, &earlier, policy, false,
        )?),
        None => None,
    };
    let report = release.as_ref().map_or(report, |r| r.report.clone());

    let written: Vec<PathBuf> = match args.format {
        Format::Json => {
            let text = match (&release, &policy) {
                (Some(release), Some(policy)) => super::release::public_json_text(release, policy)?,
                _ => serde_json::to_string_pretty(&report)? + "\n",
            };
            emit(args.out.as_deref(), text.as_bytes())?;
            args.out.iter().cloned().collect()
        }
        Format::Html => {
            let meta = spor_report::Meta::new(chrono::Utc::now(), register.last_change);
            let html = spor_report::html::render(&report, &meta)
                .context("cannot render the HTML edition")?;
            emit(args.out.as_deref(), html.as_bytes())?;
            args.out.iter().cloned().collect()
        }
        Format::Xlsx => {
            let meta = spor_report::Meta::new(chrono::Utc::now(), register.last_change);
            let path = args.out.as_deref().context("--format xlsx needs --out")?;
            spor_report::xlsx::write(&report, &meta, path)
                .with_context(|| format!("cannot write the workbook {}", path.display()))?;
            eprintln!("wrote {}", path.display());
            vec![path.to_path_buf()]
        }
        Format::Pdf => {
            let path = args.out.as_deref().with_context(|| {
                format!(
                    "--format pdf needs --out (a file), e.g. --out overview-{}.pdf",
                    args.year
                )
            })?;
            let meta = spor_report::Meta::new(chrono::Utc::now(), register.last_change);
            let pdf = spor_pdf::render(&report, &meta).context("cannot typeset the PDF edition")?;
            std::fs::write(path, pdf)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
            vec![path.to_path_buf()]
        }
        Format::Csv => {
            let dir = args.out.as_deref().context("--format csv needs --out")?;
            let written = spor_report::csv::write_dir(&report, dir)
                .with_context(|| format!("cannot write the CSV files into {}", dir.display()))?;
            eprintln!("wrote {} CSV files into {}", written.len(), dir.display());
            written
        }
    };
    // The public edition's manifest goes beside what was written.
    if let (Some(release), Some(policy), Some(out)) = (&release, &policy, &args.out) {
        let dir = if args.format == Format::Csv {
            out.clone()
        } else {
            out.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        };
        let files: Vec<(PathBuf, String)> = written
            .into_iter()
            .map(|p| {
                let name = p
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                (p, name)
            })
            .collect();
        let manifest = super::release::write_manifest(release, policy, &files, &dir)?;
        eprintln!("wrote {}", manifest.display());
    }
    Ok(())
}

/// The register (history, settings, codes) and its records as the statistics count them:
/// the store's kept columns when they are current, else built from the records.
pub(crate) async fn load_for_statistics(
    store: &dyn spor_store::Store,
) -> anyhow::Result<(spor_core::Register, spor_stats::Columns)> {
    let (register, kept) = store.load_for_statistics().await?;
    match kept.map(|bytes| spor_stats::Columns::from_bytes(&bytes)) {
        Some(Ok(columns)) => Ok((register, columns)),
        Some(Err(e)) => {
            tracing::warn!(error = %e, "the kept statistics columns cannot be read; counting from the records");
            let register = store.load_register().await?;
            let columns = spor_stats::Columns::of_register(&register);
            Ok((register, columns))
        }
        None => {
            let columns = spor_stats::Columns::of_register(&register);
            Ok((register, columns))
        }
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Json => "json",
        Format::Csv => "csv",
        Format::Html => "html",
        Format::Xlsx => "xlsx",
        Format::Pdf => "pdf",
    }
}

/// Writes to the file, or to standard output without one.
fn emit(out: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .context("cannot write to standard output")?;
            stdout.flush().context("cannot write to standard output")
        }
    }
}
