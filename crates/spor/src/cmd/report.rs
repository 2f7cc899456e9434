//! `spor report --year Y --format json|csv|html|xlsx [--out PATH]`: the annual overview
//! computed from the register.

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
    let store = super::open_store(db).await?;
    let register = store
        .load_register()
        .await
        .with_context(|| format!("cannot read the register at {db}"))?;
    let report = spor_stats::evaluate(&register, args.year)?;
    tracing::info!(
        year = args.year,
        tables = report.tables.len(),
        "overview computed"
    );

    match args.format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&report)?;
            text.push('\n');
            emit(args.out.as_deref(), text.as_bytes())
        }
        Format::Html => {
            let meta = spor_report::Meta::new(chrono::Utc::now(), register.last_change);
            let html = spor_report::html::render(&report, &meta)
                .context("cannot render the HTML edition")?;
            emit(args.out.as_deref(), html.as_bytes())
        }
        Format::Xlsx => {
            let meta = spor_report::Meta::new(chrono::Utc::now(), register.last_change);
            let path = args.out.as_deref().context("--format xlsx needs --out")?;
            spor_report::xlsx::write(&report, &meta, path)
                .with_context(|| format!("cannot write the workbook {}", path.display()))?;
            eprintln!("wrote {}", path.display());
            Ok(())
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
            Ok(())
        }
        Format::Csv => {
            let dir = args.out.as_deref().context("--format csv needs --out")?;
            let written = spor_report::csv::write_dir(&report, dir)
                .with_context(|| format!("cannot write the CSV files into {}", dir.display()))?;
            eprintln!("wrote {} CSV files into {}", written.len(), dir.display());
            Ok(())
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
