//! `spor report --year Y --format json|csv|html|xlsx|pdf [--profile internal|public]
//! [--policy FILE] [--out PATH]`: the annual overview computed from the register.
//!
//! The internal profile is exact; the public profile is protected by `spor-sdc` (the same
//! edition `spor release public` writes) and, with `--out`, the release manifest is written
//! beside the file.

use std::io::Write;
use std::path::PathBuf;

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
    let format: spor_app::Format = args.format.into();
    if args.out.is_none() && matches!(args.format, Format::Csv | Format::Xlsx | Format::Pdf) {
        bail!(
            "--format {} needs --out (a {}), e.g. --out {}",
            format.name(),
            if args.format == Format::Csv {
                "folder for one CSV file per table"
            } else {
                "file"
            },
            if args.format == Format::Csv {
                format!("overview-{}", args.year)
            } else {
                format!("overview-{}.{}", args.year, format.name())
            }
        );
    }
    if args.profile == Profile::Internal
        && (args.policy.policy.is_some() || args.policy.strict || !args.earlier.is_empty())
    {
        bail!("--policy, --strict and --earlier apply to the public profile; add --profile public");
    }
    let profile = match args.profile {
        Profile::Public => spor_app::Profile::Public(spor_app::PublicOptions {
            policy: args.policy.load()?,
            earlier: spor_app::PublicOptions::load_earlier(&args.earlier)?,
            minimise: false,
        }),
        Profile::Internal => spor_app::Profile::Internal,
    };
    // The store's releases too: a public edition knows what earlier public releases
    // published, and every edition states the figures it revises.
    let store = spor_app::open_web_store(db).await?;
    let edition = spor_app::published::edition(store.as_ref(), args.year, profile).await?;
    // Recorded before anything is shown or written: what cannot be audited is not read out.
    spor_app::audit::record_command_line(
        db,
        spor_app::audit::Event::ReportDownload,
        Some(&args.year.to_string()),
        Some(format!(
            "{}{}",
            format.name(),
            if edition.is_public() { " public" } else { "" }
        )),
    )
    .await?;
    tracing::info!(
        year = args.year,
        tables = edition.report.tables.len(),
        "overview computed"
    );
    let now = chrono::Utc::now();
    match &args.out {
        None => emit(&edition.render(format, now)?),
        Some(out) => {
            let mut written = edition.write(format, out, now)?;
            let manifest = if edition.is_public() {
                written.pop()
            } else {
                None
            };
            match args.format {
                Format::Csv => {
                    eprintln!("wrote {} CSV files into {}", written.len(), out.display())
                }
                Format::Xlsx | Format::Pdf => eprintln!("wrote {}", out.display()),
                Format::Json | Format::Html => {}
            }
            if let Some(manifest) = manifest {
                eprintln!("wrote {}", manifest.display());
            }
            Ok(())
        }
    }
}

impl From<Format> for spor_app::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Json => spor_app::Format::Json,
            Format::Csv => spor_app::Format::Csv,
            Format::Html => spor_app::Format::Html,
            Format::Xlsx => spor_app::Format::Xlsx,
            Format::Pdf => spor_app::Format::Pdf,
        }
    }
}

/// Writes to standard output.
fn emit(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .context("cannot write to standard output")?;
    stdout.flush().context("cannot write to standard output")
}
