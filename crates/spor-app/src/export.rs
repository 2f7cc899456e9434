//! The register in the exchange format: CSV (the four entity files in a folder) or XLSX
//! (one workbook, a sheet per entity), written a chunk of records at a time: an export of a
//! million decisions never holds the register in memory.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use spor_import::export::{CsvDir, ExportError, ExportWriter, XlsxBook};
use spor_store::{RecordChunk, Store};

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
    let (counts, files) = match format {
        ExportFormat::Csv => {
            let mut w = CsvDir::create(&target)?;
            let counts = feed(store, &mut w).await?;
            (counts, w.finish()?)
        }
        ExportFormat::Xlsx => {
            let mut w = XlsxBook::new()?;
            let counts = feed(store, &mut w).await?;
            let saved = target.clone();
            tokio::task::spawn_blocking(move || w.save(&saved))
                .await
                .context("the export stopped unexpectedly")??;
            (counts, vec![target])
        }
    };
    Ok(Exported { counts, files })
}

/// The register as the bytes of one XLSX workbook (the web's download), with the counts
/// of identifications, assessments, hotline calls and history rows in it.
pub async fn xlsx_bytes(store: &dyn Store) -> anyhow::Result<(Vec<u8>, [usize; 4])> {
    let mut w = XlsxBook::new()?;
    let counts = feed(store, &mut w).await?;
    let bytes = tokio::task::spawn_blocking(move || w.into_bytes())
        .await
        .context("the export stopped unexpectedly")??;
    Ok((bytes, counts))
}

/// Writes every record of `store` to `w` a chunk at a time, as the statistics read them
/// ([`spor_store::StatisticsCache::scan_records`]), so the register is never held whole;
/// returns the counts written per entity.
async fn feed(store: &dyn Store, w: &mut (impl ExportWriter + Send)) -> anyhow::Result<[usize; 4]> {
    let mut counts = [0usize; 4];
    let head = match store.statistics_cache() {
        Some(cache) => {
            let mut failed: Option<ExportError> = None;
            let head = cache
                .scan_records(&mut |chunk| {
                    if failed.is_some() {
                        return;
                    }
                    let written = match &chunk {
                        RecordChunk::Identifications(rows) => {
                            counts[0] += rows.len();
                            w.append(rows)
                        }
                        RecordChunk::Assessments(rows) => {
                            counts[1] += rows.len();
                            w.append(rows)
                        }
                        RecordChunk::HotlineCalls(rows) => {
                            counts[2] += rows.len();
                            w.append(rows)
                        }
                    };
                    failed = written.err();
                })
                .await
                .context("cannot read the register")?;
            if let Some(e) = failed {
                return Err(e.into());
            }
            head
        }
        None => {
            let register = store
                .load_register()
                .await
                .context("cannot read the register")?;
            counts[0] = register.identifications.len();
            counts[1] = register.assessments.len();
            counts[2] = register.hotline_calls.len();
            w.append(&register.identifications)?;
            w.append(&register.assessments)?;
            w.append(&register.hotline_calls)?;
            register
        }
    };
    counts[3] = head.history.len();
    w.append(&head.history)?;
    Ok(counts)
}
