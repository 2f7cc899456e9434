//! `spor import FILE... [--dry-run]`: checks every file against the exchange format, then
//! writes all of it in one transaction, or nothing when any row is bad.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::PathBuf;

use anyhow::Context;
use spor_core::{CodeBook, ImportBatch, Register};
use spor_import::{Handover, Import, ReadOptions, format_count, read_paths_with};
use spor_store::{Counts, ImportSummary};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Register files: identifications.csv, assessments.csv, hotline_calls.csv, history.csv
    /// (named after their entity), or .xlsx workbooks with one sheet per entity.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Only check the files and say what an import would do; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(args: Args, db: &str) -> anyhow::Result<()> {
    let store = super::open_store(db).await?;
    let codes = CodeBook::with_additions(store.code_additions().await?);
    let files = args.files;
    // A first import into an SQLite store writes checked rows while the rest of the files
    // is still being read; a dry run writes nothing.
    let stream = if args.dry_run {
        None
    } else {
        store.begin_import_stream().await
    };
    // Reading and checking is CPU-bound work: keep it off the async workers.
    let (result, stream, columns) = tokio::task::spawn_blocking(move || {
        // The statistics columns of a streamed import are built from the rows as they are
        // handed over: the reader has time for it while it waits for the writer.
        let mut columns = spor_stats::ColumnsBuilder::default();
        let mut sink = |h: Handover| {
            if let Some(s) = &stream {
                let r = &h.rows;
                columns.add(&r.identifications, &r.assessments, &r.hotline_calls);
                s.send(h.rows, h.complete);
            }
        };
        let start = std::time::Instant::now();
        let result = read_paths_with(&files, &codes, &ReadOptions { progress: true }, &mut sink);
        tracing::debug!(ms = start.elapsed().as_millis(), "files read and checked");
        (result, stream, columns)
    })
    .await
    .context("the import stopped unexpectedly")?;

    let import = match result {
        Ok(import) => import,
        Err(refusal) => {
            if let Some(s) = stream {
                s.abandon();
            }
            for p in &refusal.problems {
                eprintln!("{p}");
            }
            for m in &refusal.mismatches {
                eprintln!("warning: {m}");
            }
            anyhow::bail!("{refusal}");
        }
    };
    report_files(&import);
    for m in &import.mismatches {
        eprintln!("warning: {m}");
    }
    if args.dry_run {
        let register = store.load_register().await?;
        let summary = would_do(&import.batch, &register);
        println!("dry run: the files are valid; an import would do this (nothing was written):");
        print_summary(&summary);
        return Ok(());
    }
    let summary = match stream {
        Some(stream) => {
            let batch = import.batch;
            tokio::task::spawn_blocking(move || {
                stream.finish(&batch, || {
                    // Built from the rows handed over, which are the batch's when they are
                    // as many (the store checks that they are the batch's first rows).
                    columns
                        .finish()
                        .filter(|c| c.counts() == batch.counts()[..3])
                        .unwrap_or_else(|| {
                            spor_stats::Columns::of_records(
                                &batch.identifications,
                                &batch.assessments,
                                &batch.hotline_calls,
                            )
                        })
                        .to_bytes()
                })
            })
            .await
            .context("the import stopped unexpectedly")?
        }
        None => store.apply_import(&import.batch).await,
    }
    .context("the import was not written")?;
    print_summary(&summary);
    Ok(())
}

fn report_files(import: &Import) {
    for f in &import.files {
        let place = match &f.sheet {
            Some(s) => format!("{}, sheet {s}", f.file),
            None => f.file.clone(),
        };
        let note = f.note().map(|n| format!("; {n}")).unwrap_or_default();
        println!(
            "{place}: {} row(s) of {}{note}",
            format_count(f.rows),
            f.entity
        );
    }
}

fn print_summary(s: &ImportSummary) {
    println!(
        "{:<16} {:>10} {:>10} {:>10}",
        "", "inserted", "updated", "unchanged"
    );
    for (name, c) in [
        ("identifications", s.identifications),
        ("assessments", s.assessments),
        ("hotline_calls", s.hotline_calls),
        ("history", s.history),
    ] {
        println!(
            "{name:<16} {:>10} {:>10} {:>10}",
            format_count(c.inserted),
            format_count(c.updated),
            format_count(c.unchanged)
        );
    }
}

/// What [`spor_store::Store::apply_import`] would report, computed against the register as
/// it is (a dry run must not open a write transaction).
fn would_do(batch: &ImportBatch, register: &Register) -> ImportSummary {
    ImportSummary {
        identifications: classify(&batch.identifications, &register.identifications, |r| {
            r.case_ref.as_str().to_owned()
        }),
        assessments: classify(&batch.assessments, &register.assessments, |r| {
            r.assessment_ref.as_str().to_owned()
        }),
        hotline_calls: classify(&batch.hotline_calls, &register.hotline_calls, |r| {
            r.call_ref.as_str().to_owned()
        }),
        history: classify(&batch.history, &register.history, |r| {
            let (s, y, c) = r.key();
            (s, y, c.to_owned())
        }),
    }
}

fn classify<T: PartialEq, K: Hash + Eq>(new: &[T], old: &[T], key: impl Fn(&T) -> K) -> Counts {
    let old: HashMap<K, &T> = old.iter().map(|r| (key(r), r)).collect();
    let mut c = Counts::default();
    for r in new {
        match old.get(&key(r)) {
            None => c.inserted += 1,
            Some(o) if *o == r => c.unchanged += 1,
            Some(_) => c.updated += 1,
        }
    }
    c
}
