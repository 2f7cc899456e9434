//! Import: every file checked against the exchange format, then all of it written in one
//! transaction, or nothing when any row is bad. A dry run checks and says what an import
//! would do, writing nothing.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::PathBuf;

use anyhow::Context;
use spor_core::{CodeBook, ImportBatch, Register};
use spor_import::{FileSummary, Handover, Mismatch, ReadOptions, Refusal, read_paths_with};
use spor_store::web::{AuditKey, NewAuditEvent};
use spor_store::{Counts, ImportEvent, ImportSummary, Store};

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Only check the files and say what an import would do.
    pub dry_run: bool,
    /// A progress bar on standard error for large files (when it is a terminal).
    pub progress: bool,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug)]
pub struct Imported {
    pub files: Vec<FileSummary>,
    /// History years whose parts do not sum to the total: warnings.
    pub mismatches: Vec<Mismatch>,
    pub summary: ImportSummary,
    /// What became of `persons.csv` (identity, issue 23): counts, possible duplicates of
    /// earlier persons, erased persons not brought back.
    pub persons: crate::identity::PersonsOutcome,
    pub dry_run: bool,
}

/// Why nothing was imported.
#[derive(Debug)]
pub enum ImportError {
    /// The files have problems; every one is listed.
    Refused(Refusal),
    /// The store could not be read or written.
    Failed(anyhow::Error),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Refused(r) => write!(f, "{r}"),
            ImportError::Failed(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for ImportError {}

impl From<anyhow::Error> for ImportError {
    fn from(e: anyhow::Error) -> Self {
        ImportError::Failed(e)
    }
}

/// Imports `files` into `store`.
pub async fn import(
    store: &dyn Store,
    files: Vec<PathBuf>,
    opts: ImportOptions,
) -> Result<Imported, ImportError> {
    import_with(store, files, opts, None, crate::identity::key()).await
}

/// Imports `files` into `store` and appends `event` (its detail: what the import did) to
/// the audit trail under `key`, in the import's own transaction: both are written or
/// neither (a trail kept under a key refuses an event without it, and so the import). A
/// dry run writes neither.
pub async fn import_audited(
    store: &dyn Store,
    files: Vec<PathBuf>,
    opts: ImportOptions,
    event: NewAuditEvent,
    key: Option<AuditKey>,
) -> Result<Imported, ImportError> {
    import_with(
        store,
        files,
        opts,
        Some((event, key)),
        crate::identity::key(),
    )
    .await
}

/// [`import_audited`] with the master key given here rather than the process's: the
/// persons of `persons.csv` are sealed under `master_key` and written in the import's
/// transaction. Without a key, files with persons are refused (nothing written); with
/// another key than the register's, every import is.
pub async fn import_with_identity(
    store: &dyn Store,
    files: Vec<PathBuf>,
    opts: ImportOptions,
    event: Option<(NewAuditEvent, Option<AuditKey>)>,
    master_key: Option<&crate::identity::MasterKey>,
) -> Result<Imported, ImportError> {
    import_with(store, files, opts, event, master_key).await
}

fn import_event(
    (event, key): (NewAuditEvent, Option<AuditKey>),
    persons: spor_store::Counts,
) -> ImportEvent {
    ImportEvent {
        key,
        event: Box::new(move |summary| {
            let t = summary.total();
            let mut detail = format!(
                "inserted {}, updated {}, unchanged {}",
                t.inserted, t.updated, t.unchanged
            );
            if persons != spor_store::Counts::default() {
                detail.push_str(&format!(
                    "; persons inserted {}, updated {}, unchanged {}",
                    persons.inserted, persons.updated, persons.unchanged
                ));
            }
            NewAuditEvent {
                detail: Some(detail),
                ..event
            }
        }),
    }
}

async fn import_with(
    store: &dyn Store,
    files: Vec<PathBuf>,
    opts: ImportOptions,
    event: Option<(NewAuditEvent, Option<AuditKey>)>,
    master_key: Option<&crate::identity::MasterKey>,
) -> Result<Imported, ImportError> {
    // What the register holds of identities, read before the import's transaction begins
    // (an SQLite store hands its connections to the import): a wrong master key is refused
    // here, before any file is read.
    let identity_state = match master_key {
        Some(key) => {
            let state = store
                .identity_state()
                .await
                .context("cannot read the register's identities")?;
            crate::identity::check_key(state.key_check.as_deref(), key)
                .map_err(|e| ImportError::Failed(e.into()))?;
            Some(state)
        }
        None => None,
    };
    let codes = CodeBook::with_additions(
        store
            .code_additions()
            .await
            .context("cannot read the code lists")?,
    );
    // The store writes checked rows while the rest of the files is still being read (an
    // SQLite store into tables that were empty, PostgreSQL into every table, with COPY),
    // all in one transaction that commits only when every file is valid; a dry run writes
    // nothing.
    let stream = if opts.dry_run {
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
        let read = ReadOptions {
            progress: opts.progress,
        };
        let result = read_paths_with(&files, &codes, &read, &mut sink);
        tracing::debug!(ms = start.elapsed().as_millis(), "files read and checked");
        (result, stream, columns)
    })
    .await
    .context("the import stopped unexpectedly")?;

    let abandon = |stream: Option<spor_store::ImportStream>| async move {
        if let Some(s) = stream {
            // Waits for the writer to stop and roll back.
            tokio::task::spawn_blocking(move || s.abandon())
                .await
                .context("the import stopped unexpectedly")?;
        }
        Ok::<_, anyhow::Error>(())
    };
    let mut import = match result {
        Ok(import) => import,
        Err(refusal) => {
            abandon(stream).await?;
            return Err(ImportError::Refused(refusal));
        }
    };
    // Persons are sealed here, before anything is written; their plain identity is dropped.
    let persons = std::mem::take(&mut import.persons);
    let (identity, persons) = match (persons.is_empty(), master_key, &identity_state) {
        (true, _, _) => (None, crate::identity::PersonsOutcome::default()),
        (false, Some(key), Some(state)) => {
            match crate::identity::plan_import(key, state, &persons) {
                Ok((write, outcome)) => (Some(write), outcome),
                Err(e) => {
                    abandon(stream).await?;
                    return Err(ImportError::Failed(e.into()));
                }
            }
        }
        (false, _, _) => {
            abandon(stream).await?;
            return Err(ImportError::Failed(
                crate::identity::IdentityError::NoKey.into(),
            ));
        }
    };
    if opts.dry_run {
        let register = store
            .load_register()
            .await
            .context("cannot read the register")?;
        return Ok(Imported {
            summary: would_do(&import.batch, &register),
            files: import.files,
            mismatches: import.mismatches,
            persons,
            dry_run: true,
        });
    }
    let summary = match stream {
        Some(stream) => {
            let batch = import.batch;
            let counts = persons.counts;
            tokio::task::spawn_blocking(move || {
                let columns = || {
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
                };
                let event = event.map(|e| import_event(e, counts));
                stream.finish_with(&batch, columns, event, identity)
            })
            .await
            .context("the import stopped unexpectedly")?
        }
        None if event.is_some() || identity.is_some() => {
            return Err(ImportError::Failed(anyhow::anyhow!(
                "the {} store cannot write an import with its audit event or persons together: nothing was written",
                store.backend()
            )));
        }
        None => store.apply_import(&import.batch).await,
    }
    .context("the import was not written")?;
    Ok(Imported {
        files: import.files,
        mismatches: import.mismatches,
        summary,
        persons,
        dry_run: false,
    })
}

/// What [`Store::apply_import`] would report, computed against the register as it is (a
/// dry run must not open a write transaction).
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
