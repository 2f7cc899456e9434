//! `spor exchange NAME --year Y --format json|csv|xlsx [--out PATH] [--k K]`: an
//! international data exchange (eurostat, unodc, tip, greta; person-level: ctdc, htcds)
//! computed from the register with the centre's mappings (`spor codes mapping`). The
//! person-level ones are audited as exports.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};

/// Output format of an exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object (Eurostat: year, country and one row per combination).
    Json,
    /// One CSV file (Eurostat: the rows, then the marginal tables with T/TOTAL).
    Csv,
    /// One XLSX workbook in Danish, a sheet per table (needs --out).
    Xlsx,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The exchange: eurostat, unodc, tip, greta, or person-level ctdc or htcds.
    pub name: String,
    /// The statistics year (year of the decisions counted).
    #[arg(long)]
    pub year: i32,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// The file to write; without it json and csv go to standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// ctdc only: every combination of the quasi-identifiers occurs at least k times
    /// (default 11, CTDC's value; at least 5).
    #[arg(long)]
    pub k: Option<usize>,
}

pub async fn run(args: Args, db: &str) -> anyhow::Result<()> {
    let exchange = spor_app::exchange::lookup(&args.name)?;
    let format = match args.format {
        Format::Json => spor_app::exchange::Format::Json,
        Format::Csv => spor_app::exchange::Format::Csv,
        Format::Xlsx => spor_app::exchange::Format::Xlsx,
    };
    let name = match exchange {
        spor_app::exchange::Exchange::Aggregate(def) => def.name,
        spor_app::exchange::Exchange::PersonLevel(p) => p.name(),
    };
    if args.out.is_none() && format == spor_app::exchange::Format::Xlsx {
        bail!(
            "--format xlsx needs --out (a file), e.g. --out {}",
            spor_app::exchange::file_name(name, args.year, format)
        );
    }
    let def = match exchange {
        spor_app::exchange::Exchange::Aggregate(def) => {
            if args.k.is_some() {
                bail!("--k applies to the ctdc exchange only");
            }
            def
        }
        spor_app::exchange::Exchange::PersonLevel(which) => {
            return person_level(which, &args, format, db).await;
        }
    };
    let store = spor_app::open_store(db).await?;
    let report = spor_app::exchange::load_and_compute(store.as_ref(), def, args.year)
        .await
        .with_context(|| format!("cannot make the {} exchange of {}", def.name, args.year))?;
    let bytes = spor_app::exchange::render(&report, format, chrono::Utc::now())?;
    let (target, detail) = spor_app::exchange::audit_target(def.name, args.year, format);
    // Recorded before anything is shown or written: what cannot be audited is not read out.
    spor_app::audit::record_command_line(
        db,
        spor_app::audit::Event::ReportDownload,
        Some(&target),
        Some(detail),
    )
    .await?;
    write_out(&args, &bytes)
}

/// A person-level exchange (ctdc, htcds), audited as an export before it is written.
async fn person_level(
    which: spor_app::microdata::PersonLevel,
    args: &Args,
    format: spor_app::exchange::Format,
    db: &str,
) -> anyhow::Result<()> {
    if let Some(k) = args.k {
        spor_app::microdata::check_k(k).map_err(|e| anyhow::anyhow!("--k {k}: {e}"))?;
    }
    let store = spor_app::open_store(db).await?;
    let file = spor_app::microdata::load_and_make(store.as_ref(), which, args.year, args.k)
        .await
        .with_context(|| format!("cannot make the {} exchange of {}", which.name(), args.year))?;
    let bytes = spor_app::microdata::render(&file, format, chrono::Utc::now())?;
    let (target, detail) = spor_app::microdata::audit_target(&file, format);
    spor_app::audit::record_command_line(
        db,
        spor_app::audit::Event::ExportDownload,
        Some(&target),
        Some(detail),
    )
    .await?;
    eprintln!("{}", spor_report::microdata::notes_line(&file));
    write_out(args, &bytes)
}

fn write_out(args: &Args, bytes: &[u8]) -> anyhow::Result<()> {
    match &args.out {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .context("cannot write to standard output")
        }
        Some(out) => {
            std::fs::write(out, bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("wrote {}", out.display());
            Ok(())
        }
    }
}
