//! The single writer thread. It takes every job waiting at that moment and runs them together in
//! one write transaction, committed with one flush (group commit); then it publishes the topics
//! the jobs touched and answers each job. When a job of the batch fails or panics, that
//! transaction is abandoned and every job of the batch is run again, each in a transaction of its
//! own committed without a flush, then the batch is flushed once: the failing job is rolled back
//! alone (its kept audit lines written), the others stand, and the writer goes on
//! ([`WriterHealth`] counts it). Jobs are therefore `Fn`: running one again must do the same.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc;

use redb::{Database, Durability, WriteTransaction};
use serde::Serialize;

use super::model::AuditEntry;
use super::tx::append_audit;
use super::{Error, Hooks, Published, Topic, Tx};

/// A queued job.
pub(super) trait Job: Send {
    /// Run in `tx`; whether it succeeded (its outcome is kept for [`Job::deliver`]).
    fn run(&mut self, tx: &Tx) -> bool;
    /// Answer with the last run's outcome, or with the failure to make the batch durable.
    fn deliver(self: Box<Self>, durable: Result<(), Error>);
}

/// A job made of a closure and where its answer goes.
pub(super) struct Closure<T, E, F, R> {
    pub f: F,
    pub outcome: Option<Result<T, E>>,
    pub reply: R,
}

impl<T, E, F, R> Job for Closure<T, E, F, R>
where
    T: Send,
    E: From<Error> + Send,
    F: Fn(&Tx) -> Result<T, E> + Send,
    R: FnOnce(Result<T, E>) + Send,
{
    fn run(&mut self, tx: &Tx) -> bool {
        // A panic below leaves `outcome` as it was (None after `take`): answered as a failure.
        self.outcome = None;
        let r = (self.f)(tx);
        let ok = r.is_ok();
        self.outcome = Some(r);
        ok
    }

    fn deliver(self: Box<Self>, durable: Result<(), Error>) {
        let answer = match (durable, self.outcome) {
            (Err(e), _) => Err(E::from(e)),
            (Ok(()), Some(r)) => r,
            (Ok(()), None) => Err(E::from(Error::new(
                "the write failed (a fault of ours, logged); nothing was kept",
            ))),
        };
        (self.reply)(answer);
    }
}

pub(super) type BoxedJob = Box<dyn Job>;

/// Largest number of jobs committed together.
const MAX_BATCH: usize = 1024;

/// What the writer thread is doing, for `/healthz` and `/metrics`.
#[derive(Debug, Default)]
pub struct WriterHealth {
    /// False once the writer thread has ended (it only ends with the store).
    pub(super) running: AtomicBool,
    /// Jobs sent and not yet answered.
    pub(super) queued: AtomicI64,
    /// Unix milliseconds at which the job under way started; 0 when idle.
    pub(super) busy_since_ms: AtomicI64,
    pub(super) committed: AtomicU64,
    pub(super) rolled_back: AtomicU64,
    pub(super) panicked: AtomicU64,
    pub(super) failed_flushes: AtomicU64,
    pub(super) last_failure: std::sync::Mutex<Option<String>>,
}

/// A snapshot of [`WriterHealth`].
#[derive(Debug, Clone, Serialize)]
pub struct WriterReport {
    pub running: bool,
    pub queued: i64,
    /// How long the job under way has run, in milliseconds (0 when idle).
    pub busy_ms: i64,
    pub committed: u64,
    pub rolled_back: u64,
    pub panicked: u64,
    pub failed_flushes: u64,
    pub last_failure: Option<String>,
}

/// A job running longer than this makes the writer count as stalled.
pub const STALLED_AFTER_MS: i64 = 10_000;

impl WriterReport {
    /// Whether writes are being taken and made durable.
    pub fn healthy(&self) -> bool {
        self.running && self.busy_ms < STALLED_AFTER_MS
    }
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl WriterHealth {
    pub fn report(&self) -> WriterReport {
        let since = self.busy_since_ms.load(Ordering::Acquire);
        WriterReport {
            running: self.running.load(Ordering::Acquire),
            queued: self.queued.load(Ordering::Acquire).max(0),
            busy_ms: if since == 0 {
                0
            } else {
                (unix_ms() - since).max(0)
            },
            committed: self.committed.load(Ordering::Relaxed),
            rolled_back: self.rolled_back.load(Ordering::Relaxed),
            panicked: self.panicked.load(Ordering::Relaxed),
            failed_flushes: self.failed_flushes.load(Ordering::Relaxed),
            last_failure: self.last_failure.lock().map_or(None, |g| g.clone()),
        }
    }

    fn failure(&self, what: String) {
        tracing::error!(failure = %what, "writer");
        if let Ok(mut g) = self.last_failure.lock() {
            *g = Some(what);
        }
    }
}

pub(super) struct Shared<'a> {
    pub db: &'a Database,
    pub hooks: &'a dyn Hooks,
    pub health: &'a WriterHealth,
    pub commits: &'a tokio::sync::watch::Sender<u64>,
    pub topics: &'a tokio::sync::broadcast::Sender<Published>,
}

pub(super) fn run(rx: &mpsc::Receiver<BoxedJob>, s: &Shared<'_>) {
    s.health.running.store(true, Ordering::Release);
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let n = batch.len() as i64;
        let (durable, mut topics) = match together(s, &mut batch) {
            Some(done) => done,
            None => apart(s, &mut batch),
        };
        if let Err(e) = &durable {
            s.health.failed_flushes.fetch_add(1, Ordering::Relaxed);
            s.health.failure(format!("flush: {e}"));
        }
        if durable.is_ok() && !topics.is_empty() {
            topics.dedup();
            s.commits.send_modify(|c| *c += 1);
            // No listener is not an error.
            let _ = s.topics.send(Published::from(topics));
        }
        s.health.queued.fetch_sub(n, Ordering::AcqRel);
        for job in batch {
            job.deliver(durable.clone());
        }
    }
    s.health.running.store(false, Ordering::Release);
}

/// How one run of a job went.
enum Run {
    Done,
    Refused,
    Panicked(String),
}

/// Run one job in `txn`, catching a panic; how it went, its topics and kept lines.
fn attempt(
    s: &Shared<'_>,
    txn: &WriteTransaction,
    job: &mut BoxedJob,
) -> (Run, Vec<Topic>, Vec<AuditEntry>) {
    s.health.busy_since_ms.store(unix_ms(), Ordering::Release);
    let tx = Tx::new(txn, s.hooks);
    let ok = catch_unwind(AssertUnwindSafe(|| job.run(&tx)));
    s.health.busy_since_ms.store(0, Ordering::Release);
    let (topics, kept) = tx.into_parts();
    let run = match ok {
        Ok(true) => Run::Done,
        Ok(false) => Run::Refused,
        Err(panic) => Run::Panicked(
            panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a job panicked".into()),
        ),
    };
    (run, topics, kept)
}

/// The fast path: every job in one transaction, one flushed commit. `None` (nothing kept) when
/// a job failed: the batch is then run [`apart`].
fn together(s: &Shared<'_>, batch: &mut [BoxedJob]) -> Option<(Result<(), Error>, Vec<Topic>)> {
    let txn = match s.db.begin_write() {
        Ok(t) => t,
        Err(e) => {
            s.health.failure(format!("begin: {e}"));
            return Some((Err(Error::from(e)), Vec::new()));
        }
    };
    let mut topics = Vec::new();
    let mut kept = Vec::new();
    for job in batch.iter_mut() {
        let (run, t, k) = attempt(s, &txn, job);
        if !matches!(run, Run::Done) {
            // Abandoned: the batch runs again, each job on its own (and is counted there).
            return None;
        }
        topics.extend(t);
        kept.extend(k);
    }
    let written = kept
        .into_iter()
        .try_for_each(|e| append_audit(&txn, e).map(drop))
        .and_then(|()| txn.commit().map_err(Error::from));
    if written.is_ok() {
        s.health
            .committed
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
    }
    Some((written, topics))
}

/// The careful path: each job in a transaction of its own committed without a flush (rolled
/// back when it fails, its kept audit lines written apart), then one flushed commit.
fn apart(s: &Shared<'_>, batch: &mut [BoxedJob]) -> (Result<(), Error>, Vec<Topic>) {
    let mut topics = Vec::new();
    for job in batch.iter_mut() {
        let txn = match begin(s.db) {
            Ok(t) => t,
            Err(e) => {
                s.health.failure(format!("begin: {e}"));
                return (Err(e), Vec::new());
            }
        };
        let (run, t, kept) = attempt(s, &txn, job);
        if let Run::Panicked(what) = &run {
            s.health.panicked.fetch_add(1, Ordering::Relaxed);
            s.health
                .failure(format!("a job panicked and was rolled back: {what}"));
        }
        if matches!(run, Run::Done) {
            let written = kept
                .into_iter()
                .try_for_each(|e| append_audit(&txn, e).map(drop))
                .and_then(|()| txn.commit().map_err(Error::from));
            match written {
                Ok(()) => {
                    s.health.committed.fetch_add(1, Ordering::Relaxed);
                    topics.extend(t);
                }
                Err(e) => {
                    s.health.failure(format!("commit: {e}"));
                    return (Err(e), Vec::new());
                }
            }
        } else {
            if matches!(run, Run::Refused) {
                s.health.rolled_back.fetch_add(1, Ordering::Relaxed);
            }
            drop(txn);
            keep(s, kept);
        }
    }
    // One flushed commit makes every job kept above durable.
    let durable =
        s.db.begin_write()
            .map_err(Error::from)
            .and_then(|t| t.commit().map_err(Error::from));
    (durable, topics)
}

fn begin(db: &Database) -> Result<WriteTransaction, Error> {
    let mut txn = db.begin_write()?;
    txn.set_durability(Durability::None)?;
    Ok(txn)
}

/// Write the audit lines of a job that was rolled back (its refusal is part of the record).
fn keep(s: &Shared<'_>, lines: Vec<AuditEntry>) {
    if lines.is_empty() {
        return;
    }
    let written = begin(s.db).and_then(|txn| {
        for e in lines {
            append_audit(&txn, e)?;
        }
        txn.commit().map_err(Error::from)
    });
    if let Err(e) = written {
        s.health.failure(format!("audit of a refusal: {e}"));
    }
}
