//! An import that writes while its files are read: [`ImportStream`], on a writer thread
//! that holds one backend's open import transaction ([`PendingImport`]).

use spor_core::ImportBatch;

use crate::{ImportSummary, Result, StoreError};

/// The four entities of the register, in the order of [`ImportBatch`]'s fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Identifications,
    Assessments,
    HotlineCalls,
    History,
}

impl Kind {
    pub(crate) const ALL: [Kind; 4] = [
        Kind::Identifications,
        Kind::Assessments,
        Kind::HotlineCalls,
        Kind::History,
    ];

    pub(crate) fn table(self) -> &'static str {
        match self {
            Kind::Identifications => "identifications",
            Kind::Assessments => "assessments",
            Kind::HotlineCalls => "hotline_calls",
            Kind::History => "history",
        }
    }

    pub(crate) fn len(self, b: &ImportBatch) -> usize {
        b.counts()[self as usize]
    }

    /// The key of row `i` of the batch, as text (to check that streamed rows are the
    /// batch's rows).
    pub(crate) fn key(self, b: &ImportBatch, i: usize) -> String {
        match self {
            Kind::Identifications => b.identifications[i].case_ref.as_str().to_owned(),
            Kind::Assessments => b.assessments[i].assessment_ref.as_str().to_owned(),
            Kind::HotlineCalls => b.hotline_calls[i].call_ref.as_str().to_owned(),
            Kind::History => {
                let (s, y, c) = b.history[i].key();
                format!("{} {y} {c}", s.code())
            }
        }
    }

    /// Whether rows written while reading, `written` of them with `last_key` the key of
    /// the last, are the first rows of this entity in `batch`.
    pub(crate) fn streamed_rows_are_the_batch(
        self,
        batch: &ImportBatch,
        written: usize,
        last_key: Option<&str>,
    ) -> bool {
        written <= self.len(batch)
            && last_key.is_none_or(|k| written > 0 && self.key(batch, written - 1) == k)
    }
}

/// What [`PendingImport::write_rest`] did, for [`PendingImport::commit`].
pub(crate) struct Written {
    pub(crate) summary: ImportSummary,
    /// Every record of the batch was appended to a table that was empty.
    pub(crate) all_appended: bool,
    pub(crate) start: std::time::Instant,
}

/// One backend's import transaction, open while the files are read (see
/// [`ImportStream`]). Every method blocks until its work is done; dropped without
/// [`PendingImport::commit`], nothing of it lands.
pub(crate) trait PendingImport: Send {
    /// Writes checked rows that follow the ones appended before (or keeps them for the
    /// end); a failure is kept and reported by [`PendingImport::write_rest`], so that the
    /// reader goes on and names every bad row first.
    fn append(&mut self, rows: &ImportBatch, complete: [bool; 4]);

    /// Writes what the appends did not, against the whole validated `batch` (of which the
    /// appended rows must be the first ones of each entity, in order).
    fn write_rest(&mut self, batch: &ImportBatch) -> Result<Written>;

    /// Keeps `columns` if they are the whole register, sets `last_change`, writes the
    /// persons' sealed `identity` (when given), appends the import's audit `event` (when
    /// given) and commits: the import, its identities and its event land together or not
    /// at all.
    fn commit(
        self: Box<Self>,
        written: Written,
        columns: Option<Vec<u8>>,
        event: Option<ImportEvent>,
        identity: Option<crate::identity::IdentityWrite>,
    ) -> Result<ImportSummary>;
}

/// The audit event an import appends in its own transaction (see
/// [`ImportStream::finish_recorded`]).
pub struct ImportEvent {
    /// The audit key; without one, a trail with keyed events refuses the event (and so the
    /// import).
    pub key: Option<crate::web::AuditKey>,
    /// The event, given what the import did.
    pub event: Box<dyn FnOnce(&ImportSummary) -> crate::web::NewAuditEvent + Send>,
}

impl std::fmt::Debug for ImportEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportEvent").finish_non_exhaustive()
    }
}

impl ImportEvent {
    /// The event to append now.
    pub(crate) fn make(
        self,
        summary: &ImportSummary,
    ) -> (
        Option<crate::web::AuditKey>,
        crate::web::NewAuditEvent,
        chrono::DateTime<chrono::Utc>,
    ) {
        (self.key, (self.event)(summary), chrono::Utc::now())
    }
}

/// An import whose transaction is open while the files are read: a writer thread writes
/// checked rows (SQLite: appended to tables that were empty; PostgreSQL: copied into them,
/// or into staging tables when they held rows) while the reader goes on with the rest, so
/// a large import costs about the longer of reading and writing instead of both.
///
/// Rows handed to [`ImportStream::send`] must be, per entity, the first rows of the batch
/// later given to [`ImportStream::finish`], in order; `finish` writes the rest (into tables
/// that held rows: classified against them, as [`crate::Store::apply_import`] does) and
/// commits. [`ImportStream::abandon`] (or dropping the stream) writes nothing.
#[derive(Debug)]
pub struct ImportStream {
    rows: Option<std::sync::mpsc::SyncSender<(ImportBatch, [bool; 4])>>,
    writer: std::thread::JoinHandle<Result<Box<dyn PendingImport>>>,
}

impl ImportStream {
    /// Chunks in flight between reader and writer (of 16,384 rows). The writer is the
    /// slower side, so a longer queue only held copies of rows it had not reached: 64
    /// chunks cost a million-decision import about 60 MB more memory and no time.
    const IN_FLIGHT: usize = 8;

    /// Starts the writer thread, which begins the transaction with `begin` (a failure is
    /// reported by [`ImportStream::finish`]) and appends what is sent.
    pub(crate) fn start<P: PendingImport + 'static>(
        begin: impl FnOnce() -> Result<P> + Send + 'static,
    ) -> ImportStream {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(ImportBatch, [bool; 4])>(Self::IN_FLIGHT);
        let writer = std::thread::spawn(move || {
            let mut pending = begin();
            for (rows, complete) in rx {
                // After a failure, keep receiving so the reader never blocks; the failure
                // is reported by `finish`.
                if let Ok(p) = &mut pending {
                    p.append(&rows, complete);
                }
            }
            pending.map(|p| Box::new(p) as Box<dyn PendingImport>)
        });
        ImportStream {
            rows: Some(tx),
            writer,
        }
    }

    /// Hands over checked rows (the next ones of each entity) and says which entities are
    /// `complete` (in the order of [`ImportBatch`]'s fields): no more rows of them will be
    /// sent, so a large table written fresh gets its indexes at once, while the rest is
    /// still being read.
    pub fn send(&self, rows: ImportBatch, complete: [bool; 4]) {
        if let Some(tx) = &self.rows {
            // A writer that stopped has its error waiting for `finish`.
            let _ = tx.send((rows, complete));
        }
    }

    fn close(mut self) -> Result<Box<dyn PendingImport>> {
        self.rows = None;
        self.writer
            .join()
            .map_err(|_| StoreError::Sqlite("the import's writer stopped unexpectedly".into()))?
    }

    /// Writes the rest of the validated `batch` and commits. Blocks until written: call it
    /// where blocking is allowed (not on an async worker).
    ///
    /// `columns` gives the batch's records in the statistics' compact form; it runs on
    /// this thread while the writer finishes, and its bytes are kept beside the register
    /// when the import was the register's first (the batch is then all of it).
    pub fn finish(
        self,
        batch: &ImportBatch,
        columns: impl FnOnce() -> Vec<u8> + Send,
    ) -> Result<ImportSummary> {
        self.finish_with(batch, columns, None, None)
    }

    /// [`ImportStream::finish`], appending `event` to the audit trail in the import's own
    /// transaction: both are written, or neither.
    pub fn finish_recorded(
        self,
        batch: &ImportBatch,
        columns: impl FnOnce() -> Vec<u8> + Send,
        event: ImportEvent,
    ) -> Result<ImportSummary> {
        self.finish_with(batch, columns, Some(event), None)
    }

    /// [`ImportStream::finish`], writing the persons' sealed `identity` and appending
    /// `event` (each when given) in the import's own transaction: all of it is written, or
    /// nothing.
    pub fn finish_with(
        self,
        batch: &ImportBatch,
        columns: impl FnOnce() -> Vec<u8> + Send,
        event: Option<ImportEvent>,
        identity: Option<crate::identity::IdentityWrite>,
    ) -> Result<ImportSummary> {
        // The writer finishes (the rows not yet written, the last indexes) while the
        // columns are built here.
        std::thread::scope(|s| {
            let writer = s.spawn(move || -> Result<_> {
                let mut pending = self.close()?;
                let written = pending.write_rest(batch)?;
                Ok((pending, written))
            });
            let start = std::time::Instant::now();
            let columns = columns();
            let built = start.elapsed();
            let finished = writer
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            tracing::debug!(
                columns_ms = built.as_millis(),
                writer_waited_ms = (start.elapsed() - built).as_millis(),
                bytes = columns.len(),
                "statistics columns built"
            );
            let (pending, written) = finished?;
            pending.commit(written, Some(columns), event, identity)
        })
    }

    /// Writes nothing: the transaction is rolled back. Blocks until the writer has
    /// stopped: call it where blocking is allowed.
    pub fn abandon(self) {
        drop(self.close());
    }
}
