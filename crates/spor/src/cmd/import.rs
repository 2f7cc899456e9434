//! `spor import FILE... [--dry-run]`: checks every file against the exchange format, then
//! writes all of it in one transaction, or nothing when any row is bad.

use std::path::PathBuf;

use spor_app::audit::{Actor, Event};
use spor_app::import::{ImportError, ImportOptions, import_audited};
use spor_import::format_count;
use spor_store::ImportSummary;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Register files: identifications.csv, assessments.csv, hotline_calls.csv, history.csv
    /// (named after their entity), or .xlsx workbooks with one sheet per entity; and
    /// persons.csv (who the persons are: sealed under the master key, which it needs).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Only check the files and say what an import would do; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(args: Args, db: &str) -> anyhow::Result<()> {
    let store = spor_app::open_store(db).await?;
    let opts = ImportOptions {
        dry_run: args.dry_run,
        progress: true,
    };
    // The import's audit event is written in the import's own transaction.
    let user = spor_app::audit::command_line_user();
    let event = Actor::command_line(&user).event(Event::RegisterImport, None, None);
    let key = spor_app::audit::key().cloned();
    let imported = match import_audited(store.as_ref(), args.files, opts, event, key).await {
        Ok(imported) => imported,
        Err(ImportError::Refused(refusal)) => {
            for p in &refusal.problems {
                eprintln!("{p}");
            }
            for m in &refusal.mismatches {
                eprintln!("warning: {m}");
            }
            anyhow::bail!("{refusal}");
        }
        Err(ImportError::Failed(e)) => return Err(e),
    };
    for f in &imported.files {
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
    for m in &imported.mismatches {
        eprintln!("warning: {m}");
    }
    if imported.dry_run {
        println!("dry run: the files are valid; an import would do this (nothing was written):");
    }
    print_summary(&imported.summary, &imported.persons);
    for d in &imported.persons.duplicates {
        eprintln!("warning: {}", d.message());
    }
    for r in &imported.persons.skipped_erased {
        eprintln!("warning: {r}: this person's identity was erased; it was not imported again");
    }
    Ok(())
}

fn print_summary(s: &ImportSummary, persons: &spor_app::identity::PersonsOutcome) {
    println!(
        "{:<16} {:>10} {:>10} {:>10}",
        "", "inserted", "updated", "unchanged"
    );
    for (name, c) in [
        ("identifications", s.identifications),
        ("assessments", s.assessments),
        ("hotline_calls", s.hotline_calls),
        ("history", s.history),
        ("persons", persons.counts),
    ] {
        println!(
            "{name:<16} {:>10} {:>10} {:>10}",
            format_count(c.inserted),
            format_count(c.updated),
            format_count(c.unchanged)
        );
    }
}
