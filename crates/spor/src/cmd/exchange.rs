//! `spor exchange NAME --year Y --format json|csv|xlsx [--out PATH]`: an international data
//! exchange (eurostat, unodc, tip, greta) computed from the register with the centre's
//! mappings (`spor codes mapping`).

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
    /// The exchange: eurostat, unodc, tip or greta.
    pub name: String,
    /// The statistics year (year of the decisions counted).
    #[arg(long)]
    pub year: i32,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// The file to write; without it json and csv go to standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub async fn run(args: Args, db: &str) -> anyhow::Result<()> {
    let def = spor_app::exchange::find(&args.name)?;
    let format = match args.format {
        Format::Json => spor_app::exchange::Format::Json,
        Format::Csv => spor_app::exchange::Format::Csv,
        Format::Xlsx => spor_app::exchange::Format::Xlsx,
    };
    if args.out.is_none() && format == spor_app::exchange::Format::Xlsx {
        bail!(
            "--format xlsx needs --out (a file), e.g. --out {}",
            spor_app::exchange::file_name(def.name, args.year, format)
        );
    }
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
    match &args.out {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&bytes)
                .and_then(|()| stdout.flush())
                .context("cannot write to standard output")
        }
        Some(out) => {
            std::fs::write(out, &bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("wrote {}", out.display());
            Ok(())
        }
    }
}
