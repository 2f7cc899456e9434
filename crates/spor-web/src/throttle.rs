//! What keeps password guessing and login floods cheap for the server: the per-address
//! attempt count, decided before any hashing, and the bound on password verifications
//! running at once (each argon2 verification takes 19 MiB and a blocking thread).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::Config;

/// Addresses (IPv6: /64s) tracked at most; beyond, the ones with nothing in their window
/// are dropped first.
const MAX_TRACKED: usize = 100_000;

/// Login attempts per address (see [`crate::transport::limit_key`]) in a sliding window,
/// kept in memory.
#[derive(Debug, Default)]
pub(crate) struct AddressLimiter {
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug, Default)]
struct Entry {
    /// When each attempt in the window began (a successful one is taken off again).
    attempts: VecDeque<DateTime<Utc>>,
    /// A refusal of this address has been audited since it went over its limit.
    refusal_recorded: bool,
}

/// The limiter's answer to an attempt.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Counted; go on to check the password.
    Admitted,
    /// Over the limit: refuse without checking anything. `record` is true for the first
    /// refusal since the address went over it (the only one written to the audit trail,
    /// so a flood adds one event, not one per request).
    Refused { record: bool },
}

impl AddressLimiter {
    /// Counts an attempt from `key` and decides on that count, in one step under the lock:
    /// parallel attempts from one address each take a place, and no more than `limit`
    /// of them get as far as a password check within the window.
    pub(crate) fn begin(&self, key: &str, now: DateTime<Utc>, cfg: &Config) -> Admission {
        let since = now - chrono::Duration::from_std(cfg.address_window).unwrap_or_default();
        let mut m = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() >= MAX_TRACKED && !m.contains_key(key) {
            m.retain(|_, e| {
                prune(&mut e.attempts, since);
                !e.attempts.is_empty()
            });
            if m.len() >= MAX_TRACKED {
                // Every tracked address is active: forget them rather than grow without
                // bound (the per-account count still holds).
                tracing::warn!("too many addresses failing to log in; their counts restart");
                m.clear();
            }
        }
        let e = m.entry(key.to_string()).or_default();
        prune(&mut e.attempts, since);
        if e.attempts.len() >= cfg.address_limit as usize {
            let record = !e.refusal_recorded;
            e.refusal_recorded = true;
            return Admission::Refused { record };
        }
        e.refusal_recorded = false;
        e.attempts.push_back(now);
        Admission::Admitted
    }

    /// Counts a failed step after the password (a wrong second-factor code, a wrong
    /// password when re-authenticating) from `address` against its limit, as an attempt.
    pub(crate) fn fail(&self, address: &str, now: DateTime<Utc>, cfg: &Config) {
        let _ = self.begin(&crate::transport::limit_key(address), now, cfg);
    }

    /// Takes back the attempt begun at `at`: it succeeded, or was never checked.
    pub(crate) fn take_back(&self, key: &str, at: DateTime<Utc>) {
        let mut m = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = m.get_mut(key)
            && let Some(i) = e.attempts.iter().rposition(|t| *t == at)
        {
            e.attempts.remove(i);
        }
    }
}

fn prune(v: &mut VecDeque<DateTime<Utc>>, since: DateTime<Utc>) {
    while v.front().is_some_and(|t| *t < since) {
        v.pop_front();
    }
}

/// The bound on password verifications at once: `Config::password_checks` run, up to
/// `Config::password_check_queue` more wait (at most `Config::password_check_wait`), the
/// rest are refused at once.
#[derive(Debug)]
pub(crate) struct PasswordChecks {
    permits: Arc<Semaphore>,
    queue: usize,
    wait: Duration,
    waiting: AtomicUsize,
    running: AtomicUsize,
    stats: Stats,
}

#[derive(Debug, Default)]
struct Stats {
    run: AtomicU64,
    refused: AtomicU64,
    peak: AtomicUsize,
}

/// Counts of password verifications since the server started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCheckStats {
    /// Verifications run (argon2 computed).
    pub run: u64,
    /// Logins refused because too many verifications were running or waiting.
    pub refused: u64,
    /// The most verifications that ran at the same time.
    pub peak: usize,
}

/// Leaves the queue however the wait ends (the request may be dropped by a timeout).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordChecks {
    pub(crate) fn new(cfg: &Config) -> Self {
        PasswordChecks {
            permits: Arc::new(Semaphore::new(cfg.password_checks.max(1))),
            queue: cfg.password_check_queue,
            wait: cfg.password_check_wait,
            waiting: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            stats: Stats::default(),
        }
    }

    /// A place to run one verification, or `None` when there is none soon.
    pub(crate) async fn admit(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(p) = self.permits.clone().try_acquire_owned() {
            return Some(p);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            self.stats.refused.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let _w = Waiting(&self.waiting);
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(p)) => Some(p),
            _ => {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Runs `check` on the blocking pool, holding `permit` until it has finished (also
    /// when the request that asked has been dropped meanwhile).
    pub(crate) async fn run(
        self: &Arc<Self>,
        permit: OwnedSemaphorePermit,
        check: impl FnOnce() -> bool + Send + 'static,
    ) -> bool {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let now = me.running.fetch_add(1, Ordering::SeqCst) + 1;
            me.stats.peak.fetch_max(now, Ordering::SeqCst);
            me.stats.run.fetch_add(1, Ordering::Relaxed);
            let ok = check();
            me.running.fetch_sub(1, Ordering::SeqCst);
            ok
        })
        .await
        .unwrap_or(false)
    }

    pub(crate) fn stats(&self) -> PasswordCheckStats {
        PasswordCheckStats {
            run: self.stats.run.load(Ordering::Relaxed),
            refused: self.stats.refused.load(Ordering::Relaxed),
            peak: self.stats.peak.load(Ordering::SeqCst),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(limit: u32) -> Config {
        Config {
            address_limit: limit,
            ..Config::default()
        }
    }

    #[test]
    fn an_address_is_refused_at_its_limit_and_only_the_first_refusal_is_recorded() {
        let l = AddressLimiter::default();
        let c = cfg(2);
        let t = Utc::now();
        assert_eq!(l.begin("a", t, &c), Admission::Admitted);
        assert_eq!(l.begin("a", t, &c), Admission::Admitted);
        assert_eq!(l.begin("a", t, &c), Admission::Refused { record: true });
        assert_eq!(l.begin("a", t, &c), Admission::Refused { record: false });
        assert_eq!(l.begin("b", t, &c), Admission::Admitted, "per address");
        // A success is taken back and frees its place.
        l.take_back("a", t);
        assert_eq!(l.begin("a", t, &c), Admission::Admitted);
        // After the window the address starts again, and a new refusal is recorded.
        let later = t
            + chrono::Duration::from_std(c.address_window).unwrap()
            + chrono::Duration::seconds(1);
        assert_eq!(l.begin("a", later, &c), Admission::Admitted);
        assert_eq!(l.begin("a", later, &c), Admission::Admitted);
        assert_eq!(l.begin("a", later, &c), Admission::Refused { record: true });
    }
}
