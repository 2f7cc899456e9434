//! `spor export --format csv|xlsx --out DIR|FILE`: the register in the exchange format.
//! CSV: the four entity files in DIR (created if missing). XLSX: one workbook with one sheet
//! per entity (FILE, or `register.xlsx` in an existing folder).

use std::path::PathBuf;

use anyhow::Context;
use spor_import::{export, format_count};

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
    let store = super::open_store(db).await?;
    let register = store
        .load_register()
        .await
        .context("cannot read the register")?;
    println!(
        "{} identifications, {} assessments, {} hotline calls, {} history rows",
        format_count(register.identifications.len() as u64),
        format_count(register.assessments.len() as u64),
        format_count(register.hotline_calls.len() as u64),
        format_count(register.history.len() as u64)
    );
    let out = args.out;
    let written = match args.format {
        Format::Csv => {
            if out.is_file() {
                anyhow::bail!(
                    "{} is a file; --format csv writes four files into a folder",
                    out.display()
                );
            }
            tokio::task::spawn_blocking(move || export::write_csv_dir(&register, &out))
                .await??
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
        Format::Xlsx => {
            let path = if out.is_dir() {
                out.join("register.xlsx")
            } else {
                out
            };
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
                && !parent.is_dir()
            {
                anyhow::bail!(
                    "the folder {} does not exist: create it first",
                    parent.display()
                );
            }
            let shown = path.display().to_string();
            tokio::task::spawn_blocking(move || export::write_xlsx(&register, &path)).await??;
            shown
        }
    };
    println!("wrote {written}");
    Ok(())
}
