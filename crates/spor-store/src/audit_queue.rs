//! Group commit for the audit trail. Every list, record and search page appends an event
//! before it answers; under load those appends queued on the database's one write lock
//! (on SQLite each waiting connection sleeps in `busy_timeout`'s growing steps, which is
//! what set the lists' slowest answers). Here the appends of one process wait in memory
//! instead: the first caller to find the writer free writes every event waiting at that
//! moment in one transaction, in the order they arrived, and hands each caller its own
//! stored event. No caller returns before its event is committed.
//!
//! When a shared transaction fails, each of its callers writes its event alone, so each
//! gets the error of its own event (a missing audit key, a full disk), as without the
//! queue.

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;

use crate::web::{AuditEvent, NewAuditEvent};

/// An event waiting to be written, and where its stored form goes (`None`: the shared
/// transaction failed and the caller writes it alone).
struct Waiting {
    event: NewAuditEvent,
    at: DateTime<Utc>,
    done: oneshot::Sender<Option<AuditEvent>>,
}

/// The events waiting, and the one writer (see the module's description).
#[derive(Default)]
pub(crate) struct AuditQueue {
    waiting: std::sync::Mutex<Vec<Waiting>>,
    writer: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for AuditQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditQueue").finish_non_exhaustive()
    }
}

impl AuditQueue {
    /// Appends `event` through the queue. `write` writes a batch in one transaction and
    /// returns the stored events in the batch's order. `None`: the event is not written
    /// (the shared transaction failed); the caller writes it alone under [`Self::alone`].
    pub(crate) async fn append<F, Fut, E>(
        &self,
        event: &NewAuditEvent,
        at: DateTime<Utc>,
        write: F,
    ) -> Option<AuditEvent>
    where
        F: FnOnce(Vec<(NewAuditEvent, DateTime<Utc>)>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<AuditEvent>, E>>,
    {
        let (done, mut mine) = oneshot::channel();
        self.lock_waiting().push(Waiting {
            event: event.clone(),
            at,
            done,
        });
        let _writer = self.writer.lock().await;
        // Another caller's transaction may have written it while this one waited.
        match mine.try_recv() {
            Ok(written) => return written,
            Err(oneshot::error::TryRecvError::Closed) => return None,
            Err(oneshot::error::TryRecvError::Empty) => {}
        }
        let (events, callers): (Vec<_>, Vec<_>) = std::mem::take(&mut *self.lock_waiting())
            .into_iter()
            .map(|w| ((w.event, w.at), w.done))
            .unzip();
        let n = events.len();
        match write(events).await {
            Ok(stored) if stored.len() == n => {
                for (done, ev) in callers.into_iter().zip(stored) {
                    let _ = done.send(Some(ev));
                }
            }
            _ => {
                for done in callers {
                    let _ = done.send(None);
                }
            }
        }
        mine.try_recv().ok().flatten()
    }

    /// Holds the writer while a caller whose shared transaction failed writes alone.
    pub(crate) async fn alone(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.writer.lock().await
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }
}
