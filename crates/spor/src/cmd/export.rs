//! `spor export --format csv|xlsx --out DIR|FILE`: the register in the exchange format.
//! CSV: the four entity files in DIR (created if missing). XLSX: one workbook with one sheet
//! per entity (FILE, or `register.xlsx` in an existing folder).

use std::path::PathBuf;

use spor_app::audit::Event;
use spor_app::export::{ExportFormat, export};
use spor_import::format_count;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Xlsx,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// csv: one file per entity in the folder --out; xlsx: one workbook.
    #[arg(long, value_enum)]
    pub format: Format,
    /// The folder (csv) or the workbook file (xlsx).
    #[arg(long, value_name = "DIR|FILE")]
    pub out: PathBuf,
}

pub async fn run(args: Args, db: &str) -> anyhow::Result<()> {
    let store = spor_app::open_store(db).await?;
    let format = match args.format {
        Format::Csv => ExportFormat::Csv,
        Format::Xlsx => ExportFormat::Xlsx,
    };
    let exported = export(store.as_ref(), format, &args.out).await?;
    let what = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Xlsx => "xlsx",
    };
    spor_app::audit::record_command_line(db, Event::RegisterExport, None, Some(what.into()))
        .await?;
    let [decisions, assessments, calls, history] = exported.counts.map(|n| format_count(n as u64));
    println!(
        "{decisions} identifications, {assessments} assessments, {calls} hotline calls, {history} history rows"
    );
    let files: Vec<String> = exported
        .files
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    println!("wrote {}", files.join(", "));
    Ok(())
}
