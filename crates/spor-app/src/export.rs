//! The register in the exchange format: CSV (the four entity files in a folder) or XLSX
//! (one workbook, a sheet per entity).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use spor_store::Store;

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// Identifications, assessments, hotline calls, history rows.
    pub counts: [usize; 4],
    pub files: Vec<PathBuf>,
}

/// Writes the register of `store` to `out`: a folder for CSV (created if missing), a
/// workbook file for XLSX (`register.xlsx` inside an existing folder).
pub async fn export(
    store: &dyn Store,
    format: ExportFormat,
    out: &Path,
) -> anyhow::Result<Exported> {
    let out = out.to_path_buf();
    match format {
        ExportFormat::Csv if out.is_file() => bail!(
            "{} is a file; --format csv writes four files into a folder",
            out.display()
        ),
        _ => {}
    }
    let target = match format {
        ExportFormat::Xlsx if out.is_dir() => out.join("register.xlsx"),
        _ => out,
    };
    if format == ExportFormat::Xlsx
        && let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        bail!(
            "the folder {} does not exist: create it first",
            parent.display()
        );
    }
    let register = store
        .load_register()
        .await
        .context("cannot read the register")?;
    let counts = [
        register.identifications.len(),
        register.assessments.len(),
        register.hotline_calls.len(),
        register.history.len(),
    ];
    let files = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<PathBuf>> {
        Ok(match format {
            ExportFormat::Csv => spor_import::export::write_csv_dir(&register, &target)?,
            ExportFormat::Xlsx => {
                spor_import::export::write_xlsx(&register, &target)?;
                vec![target]
            }
        })
    })
    .await
    .context("the export stopped unexpectedly")??;
    Ok(Exported { counts, files })
}
