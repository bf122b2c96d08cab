//! The server's store: one redb file, its tables, and the single writer.
//!
//! Every write goes through [`Store::write`]: jobs are queued to one writer thread, which takes
//! every job waiting at that moment, runs each in a transaction of its own committed without a
//! flush, then makes the whole batch durable with one flushed commit (group commit). A job's
//! result is delivered only after that flush, so an acknowledged command survives a killed
//! process. A job that returns an error, or panics, is rolled back alone: whatever it wrote is
//! gone, the other jobs of the batch stand, and the writer goes on ([`WriterHealth`] counts it).
//!
//! Reads go through [`Store::read`] on the blocking pool, never on the async runtime.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use redb::{
    Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition,
    WriteTransaction,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::changes;
use crate::error::ApiError;
use crate::model::{AuditEntry, DossierRecord};
use crate::reports;
use crate::views;

/// Bumped when a table's layout changes; checked at open.
pub const SCHEMA_VERSION: &str = "1";

pub const META: TableDefinition<&str, &str> = TableDefinition::new("meta_v1");
pub const AGENCIES: TableDefinition<&str, &[u8]> = TableDefinition::new("agencies_v1");
pub const PROCEDURES: TableDefinition<&str, &[u8]> = TableDefinition::new("procedures_v1");
pub const DOSSIERS: TableDefinition<&str, &[u8]> = TableDefinition::new("dossiers_v1");
/// (receiving agency, yyyymmdd) → last sequence used that day.
pub const CODE_SEQ: TableDefinition<(&str, u32), u32> = TableDefinition::new("code_seq_v1");
pub const IDX_STATUS: TableDefinition<(u8, &str), ()> = TableDefinition::new("idx_status_v1");
/// Receiving and handling agency → dossier.
pub const IDX_AGENCY: TableDefinition<(&str, &str), ()> = TableDefinition::new("idx_agency_v1");
pub const IDX_CITIZEN: TableDefinition<(&str, &str), ()> = TableDefinition::new("idx_citizen_v1");
/// Folded full name → dossier.
pub const IDX_NAME: TableDefinition<(&str, &str), ()> = TableDefinition::new("idx_name_v1");
/// Due instant (unix seconds) → open, unfinished dossier.
pub const IDX_DUE: TableDefinition<(i64, &str), ()> = TableDefinition::new("idx_due_v1");
pub const STATUS_COUNTS: TableDefinition<u8, u64> = TableDefinition::new("status_counts_v1");
pub const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users_v1");
/// SHA-256 of a session token (hex) → session.
pub const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions_v1");
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit_v1");
/// Tracking code → feedback (phản ánh, kiến nghị).
pub const FEEDBACK: TableDefinition<&str, &[u8]> = TableDefinition::new("feedback_v1");
/// Rating number → rating.
pub const RATINGS: TableDefinition<u64, &[u8]> = TableDefinition::new("ratings_v1");
/// Kiosk id → kiosk.
pub const KIOSKS: TableDefinition<&str, &[u8]> = TableDefinition::new("kiosks_v1");
/// SHA-256 of a device token (hex) → kiosk id.
pub const KIOSK_TOKENS: TableDefinition<&str, &str> = TableDefinition::new("kiosk_tokens_v1");
/// (kiosk id, event UUID) → the event as received.
pub const KIOSK_EVENTS: TableDefinition<(&str, &str), &[u8]> =
    TableDefinition::new("kiosk_events_v1");
/// (kiosk id, kiosk sequence number) → event UUID.
pub const KIOSK_SEQS: TableDefinition<(&str, u64), &str> = TableDefinition::new("kiosk_seqs_v1");
/// Kiosk id → highest contiguous sequence number held.
pub const KIOSK_ACK: TableDefinition<&str, u64> = TableDefinition::new("kiosk_ack_v1");
/// The change feed, compacted by key: commit sequence → what changed (see `changes`).
pub const CHANGES: TableDefinition<u64, &[u8]> = TableDefinition::new("changes_v1");
/// Key of a changed thing → its latest sequence in `CHANGES`.
pub const CHANGE_KEYS: TableDefinition<&str, u64> = TableDefinition::new("change_keys_v1");
/// Named counters (the change feed's head).
pub const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters_v1");
/// Centre information shown on kiosks (hotline, postal service, fees), by centre code.
pub const CENTRES: TableDefinition<&str, &[u8]> = TableDefinition::new("centres_v1");

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create the data directory {0}: {1}")]
    Dir(String, std::io::Error),
    #[error("cannot open the database: {0}")]
    Database(#[from] redb::DatabaseError),
    #[error("database error: {0}")]
    Redb(#[from] redb::Error),
    #[error(
        "the data directory holds schema version {found}; this server reads version {SCHEMA_VERSION}"
    )]
    Schema { found: String },
    #[error("cannot make the dossiers' ready forms (the log says why): {0}")]
    Views(String),
    #[error("cannot start the writer thread: {0}")]
    Thread(std::io::Error),
}

type Deliver = Box<dyn FnOnce(Result<(), ApiError>) + Send>;
/// A queued job: run in its own transaction, it says whether that transaction is to be kept and
/// how to answer once the batch is durable.
type Job = Box<dyn FnOnce(&WriteTransaction) -> (bool, Deliver) + Send>;

/// What the writer thread is doing, for `/healthz` and `/metrics`.
#[derive(Debug, Default)]
pub struct WriterHealth {
    /// False once the writer thread has ended (it only ends with the store).
    running: AtomicBool,
    /// Jobs sent and not yet answered.
    queued: AtomicI64,
    /// Unix milliseconds at which the job under way started; 0 when idle.
    busy_since_ms: AtomicI64,
    committed: AtomicU64,
    rolled_back: AtomicU64,
    panicked: AtomicU64,
    failed_flushes: AtomicU64,
    last_failure: std::sync::Mutex<Option<String>>,
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

/// The store: shared by every request.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    jobs: mpsc::SyncSender<Job>,
    /// Counts commits that added to the change feed: long-polls wait on it.
    commits: Arc<tokio::sync::watch::Sender<u64>>,
    health: Arc<WriterHealth>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

/// Largest number of jobs committed together.
const MAX_BATCH: usize = 1024;

impl Store {
    /// Open (or create) `dir/motcua.redb`, check its schema version, create missing tables, and
    /// start the writer thread.
    pub fn open(dir: &Path) -> Result<Store, OpenError> {
        Self::open_with_cache(dir, 128 * 1024 * 1024)
    }

    /// Like [`Store::open`] with a page cache of `cache_bytes` (memory the process may use to
    /// keep hot pages of the file).
    pub fn open_with_cache(dir: &Path, cache_bytes: usize) -> Result<Store, OpenError> {
        std::fs::create_dir_all(dir).map_err(|e| OpenError::Dir(dir.display().to_string(), e))?;
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(dir.join("motcua.redb"))?;
        let txn = db.begin_write().map_err(redb::Error::from)?;
        {
            let mut meta = txn.open_table(META).map_err(redb::Error::from)?;
            let found = meta
                .get("schema_version")
                .map_err(redb::Error::from)?
                .map(|v| v.value().to_owned());
            match found {
                Some(v) if v != SCHEMA_VERSION => return Err(OpenError::Schema { found: v }),
                Some(_) => {}
                None => {
                    meta.insert("schema_version", SCHEMA_VERSION)
                        .map_err(redb::Error::from)?;
                }
            }
            // Names this store's change feed: a cursor from another store (a restored
            // backup, a rebuilt data directory) is told to resnapshot.
            if meta.get("feed_epoch").map_err(redb::Error::from)?.is_none() {
                let epoch = hex::encode(rand::random::<[u8; 4]>());
                meta.insert("feed_epoch", epoch.as_str())
                    .map_err(redb::Error::from)?;
            }
        }
        create_tables(&txn).map_err(redb::Error::from)?;
        txn.commit().map_err(redb::Error::from)?;
        views::rebuild(&db).map_err(|e| OpenError::Views(e.message.en))?;

        let db = Arc::new(db);
        let (jobs, rx) = mpsc::sync_channel::<Job>(8192);
        let wdb = db.clone();
        let commits = Arc::new(tokio::sync::watch::Sender::new(0u64));
        let wcommits = commits.clone();
        let health = Arc::new(WriterHealth::default());
        health.running.store(true, Ordering::Release);
        let whealth = health.clone();
        std::thread::Builder::new()
            .name("motcua-writer".into())
            .spawn(move || {
                writer_loop(&wdb, &rx, &wcommits, &whealth);
                whealth.running.store(false, Ordering::Release);
            })
            .map_err(OpenError::Thread)?;
        Ok(Store {
            db,
            jobs,
            commits,
            health,
        })
    }

    /// What the writer is doing.
    pub fn writer(&self) -> WriterReport {
        self.health.report()
    }

    /// Wakes after every commit of the writer that added to the change feed.
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// Tell waiting readers that something was committed outside the writer (bulk loading).
    pub fn notify_commit(&self) {
        self.commits.send_modify(|c| *c += 1);
    }

    /// Run `f` in a write transaction shared with other jobs; its result once committed.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> Result<T, ApiError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job = job(f, move |r| {
            let _ = tx.send(r);
        });
        let jobs = self.jobs.clone();
        self.health.queued.fetch_add(1, Ordering::AcqRel);
        let sent = tokio::task::spawn_blocking(move || jobs.send(job))
            .await
            .map_err(ApiError::internal)
            .and_then(|r| r.map_err(|_| ApiError::internal("the writer has stopped")));
        if let Err(e) = sent {
            self.health.queued.fetch_sub(1, Ordering::AcqRel);
            return Err(e);
        }
        rx.await
            .map_err(|_| ApiError::internal("the write was dropped"))?
    }

    /// The same, from blocking code (the CLI).
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> Result<T, ApiError> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let job = job(f, move |r| {
            let _ = tx.send(r);
        });
        self.health.queued.fetch_add(1, Ordering::AcqRel);
        if self.jobs.send(job).is_err() {
            self.health.queued.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::internal("the writer has stopped"));
        }
        rx.recv()
            .map_err(|_| ApiError::internal("the write was dropped"))?
    }

    /// Run `f` in a read transaction on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&ReadTransaction) -> Result<T, ApiError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let txn = db.begin_read()?;
            f(&txn)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// A read transaction on the calling thread: for blocking code (the CLI), and for point
    /// reads in handlers (a key or two: its pages come from the cache or the OS page cache in
    /// microseconds, less than a hand-off to a blocking thread costs). Scans and anything that
    /// walks a table go through [`Store::read`].
    pub fn read_blocking<T>(
        &self,
        f: impl FnOnce(&ReadTransaction) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let txn = self.db.begin_read()?;
        f(&txn)
    }

    /// Direct access for bulk loading (seeding), bypassing the writer. Not for request paths.
    pub fn database(&self) -> &Database {
        &self.db
    }
}

/// A writer job: run `f` in its transaction (kept only when `f` succeeds), then `reply` with its
/// result once the batch is durable (a failed flush fails every job of the batch).
fn job<T, F>(f: F, reply: impl FnOnce(Result<T, ApiError>) + Send + 'static) -> Job
where
    T: Send + 'static,
    F: FnOnce(&WriteTransaction) -> Result<T, ApiError> + Send + 'static,
{
    Box::new(move |txn| {
        let result = f(txn);
        let keep = result.is_ok();
        let deliver: Deliver =
            Box::new(move |durable: Result<(), ApiError>| reply(durable.and(result)));
        (keep, deliver)
    })
}

pub fn create_tables(txn: &WriteTransaction) -> Result<(), redb::TableError> {
    txn.open_table(AGENCIES)?;
    txn.open_table(PROCEDURES)?;
    txn.open_table(DOSSIERS)?;
    for form in &views::FORMS {
        txn.open_table(form.table)?;
    }
    txn.open_table(CODE_SEQ)?;
    txn.open_table(IDX_STATUS)?;
    txn.open_table(IDX_AGENCY)?;
    txn.open_table(IDX_CITIZEN)?;
    txn.open_table(IDX_NAME)?;
    txn.open_table(IDX_DUE)?;
    txn.open_table(STATUS_COUNTS)?;
    txn.open_table(USERS)?;
    txn.open_table(SESSIONS)?;
    txn.open_table(AUDIT)?;
    txn.open_table(FEEDBACK)?;
    txn.open_table(RATINGS)?;
    txn.open_table(KIOSKS)?;
    txn.open_table(KIOSK_TOKENS)?;
    txn.open_table(KIOSK_EVENTS)?;
    txn.open_table(KIOSK_SEQS)?;
    txn.open_table(KIOSK_ACK)?;
    txn.open_table(CHANGES)?;
    txn.open_table(CHANGE_KEYS)?;
    txn.open_table(COUNTERS)?;
    txn.open_table(CENTRES)?;
    txn.open_table(crate::calendars::CALENDAR_YEARS)?;
    txn.open_table(reports::REPORT_DAYS)?;
    txn.open_table(reports::REPORT_OPEN)?;
    txn.open_table(reports::REPORT_DUE)?;
    txn.open_table(reports::RATING_DAYS)?;
    Ok(())
}

fn writer_loop(
    db: &Database,
    rx: &mpsc::Receiver<Job>,
    commits: &tokio::sync::watch::Sender<u64>,
    health: &WriterHealth,
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let n = batch.len() as i64;
        let mut delivers: Vec<Deliver> = Vec::with_capacity(batch.len());
        let mut touched = false;
        for job in batch {
            if let Some(d) = run_job(db, job, health, &mut touched) {
                delivers.push(d);
            }
        }
        // One flushed commit makes every job kept above durable.
        let durable = db
            .begin_write()
            .map_err(ApiError::from)
            .and_then(|t| t.commit().map_err(ApiError::from));
        if let Err(e) = &durable {
            health.failed_flushes.fetch_add(1, Ordering::Relaxed);
            health.failure(format!("flush: {}", e.message.en));
        }
        // Long-polls wake when the change feed grew, not for every heartbeat.
        if touched && durable.is_ok() {
            commits.send_modify(|c| *c += 1);
        }
        health.queued.fetch_sub(n, Ordering::AcqRel);
        for d in delivers {
            d(durable.clone());
        }
    }
}

/// Run one job in a transaction of its own, committed without a flush when the job succeeds
/// and rolled back when it fails or panics. The answer to deliver once the batch is durable;
/// `None` when the job panicked (its caller, whose reply channel is gone, answers 500).
fn run_job(db: &Database, job: Job, health: &WriterHealth, touched: &mut bool) -> Option<Deliver> {
    let mut txn = match db.begin_write() {
        Ok(t) => t,
        Err(e) => {
            health.failure(format!("begin: {e}"));
            // Dropping the job drops its reply channel: the caller gets an error.
            return None;
        }
    };
    if let Err(e) = txn.set_durability(Durability::None) {
        health.failure(format!("durability: {e}"));
        return None;
    }
    health.busy_since_ms.store(unix_ms(), Ordering::Release);
    let outcome = catch_unwind(AssertUnwindSafe(|| job(&txn)));
    health.busy_since_ms.store(0, Ordering::Release);
    // Whatever the job marked in the change feed is only news if it is kept.
    let job_touched = changes::take_touched();
    match outcome {
        Ok((true, deliver)) => match txn.commit() {
            Ok(()) => {
                health.committed.fetch_add(1, Ordering::Relaxed);
                *touched |= job_touched;
                Some(deliver)
            }
            Err(e) => {
                health.failure(format!("commit: {e}"));
                let e = ApiError::from(e);
                Some(Box::new(move |_| deliver(Err(e))))
            }
        },
        Ok((false, deliver)) => {
            health.rolled_back.fetch_add(1, Ordering::Relaxed);
            drop(txn);
            Some(deliver)
        }
        Err(panic) => {
            health.panicked.fetch_add(1, Ordering::Relaxed);
            drop(txn);
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a job panicked".into());
            health.failure(format!("a job panicked and was rolled back: {what}"));
            None
        }
    }
}

/// Decode a JSON value.
/// The first byte of a record in MessagePack; JSON text never starts with it.
const PACKED: u8 = 1;

/// Read a stored record: MessagePack after [`PACKED`], or JSON (what stores of schema 1 wrote
/// before records were packed; still read, rewritten packed on their next change).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    match bytes.split_first() {
        Some((&PACKED, packed)) => rmp_serde::from_slice(packed)
            .map_err(|e| ApiError::internal(format!("a stored record does not decode: {e}"))),
        _ => serde_json::from_slice(bytes).map_err(ApiError::from),
    }
}

/// A record as stored: MessagePack with field names (so optional fields can be added later),
/// about a third smaller than JSON and several times quicker to read back.
pub fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(512);
    out.push(PACKED);
    rmp_serde::encode::write_named(&mut out, v)
        .map_err(|e| ApiError::internal(format!("a record does not encode: {e}")))?;
    Ok(out)
}

/// Read one JSON record from a table keyed by string.
pub fn get_json<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>, ApiError> {
    match table.get(key)? {
        Some(v) => Ok(Some(decode(v.value())?)),
        None => Ok(None),
    }
}

/// Append a line to the audit log.
pub fn append_audit(txn: &WriteTransaction, mut entry: AuditEntry) -> Result<u64, ApiError> {
    let mut t = txn.open_table(AUDIT)?;
    let seq = t.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
    entry.seq = seq;
    t.insert(seq, encode(&entry)?.as_slice())?;
    Ok(seq)
}

/// The keys under which a dossier appears in each index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexKeys {
    pub status: u8,
    /// Receiving and handling agency (one entry when they are the same).
    pub agencies: Vec<String>,
    pub citizen: String,
    pub name: String,
    /// Present while the dossier is open and unfinished.
    pub due: Option<i64>,
}

impl IndexKeys {
    pub fn of(rec: &DossierRecord) -> IndexKeys {
        let s = &rec.state;
        let mut agencies = vec![rec.receiving_agency.as_str().to_owned()];
        if rec.handling_agency() != &rec.receiving_agency {
            agencies.push(rec.handling_agency().as_str().to_owned());
        }
        IndexKeys {
            status: s.national_status().code(),
            agencies,
            citizen: rec.applicant.citizen_id.canonical(),
            name: motcua_core::text::fold(&rec.applicant.name),
            due: s.is_open().then(|| s.due.timestamp()),
        }
    }
}

fn bump(counts: &mut redb::Table<u8, u64>, status: u8, delta: i64) -> Result<(), ApiError> {
    let n = counts.get(status)?.map(|v| v.value()).unwrap_or(0);
    counts.insert(status, n.saturating_add_signed(delta))?;
    Ok(())
}

/// Write a dossier and keep every index in step with it. `old` is the record it replaces.
pub fn put_dossier(
    txn: &WriteTransaction,
    old: Option<&DossierRecord>,
    new: &DossierRecord,
) -> Result<(), ApiError> {
    let code = new.code.as_str();
    txn.open_table(DOSSIERS)?
        .insert(code, encode(new)?.as_slice())?;
    views::put(txn, new)?;
    let n = IndexKeys::of(new);
    let o = old.map(IndexKeys::of);
    if o.as_ref().map(|o| o.status) != Some(n.status) {
        let mut idx = txn.open_table(IDX_STATUS)?;
        let mut counts = txn.open_table(STATUS_COUNTS)?;
        if let Some(o) = &o {
            idx.remove((o.status, code))?;
            bump(&mut counts, o.status, -1)?;
        }
        idx.insert((n.status, code), ())?;
        bump(&mut counts, n.status, 1)?;
    }
    let old_agencies = o.as_ref().map(|o| o.agencies.clone()).unwrap_or_default();
    let left = old_agencies
        .iter()
        .filter(|a| !n.agencies.contains(a))
        .cloned()
        .collect();
    reports::update(
        txn,
        code,
        old.map(reports::ReportKeys::of).as_ref(),
        &reports::ReportKeys::of(new),
    )?;
    changes::record(
        txn,
        &changes::Key::Dossier(code.to_owned()),
        n.agencies.clone(),
        left,
    )?;
    if old_agencies != n.agencies {
        let mut idx = txn.open_table(IDX_AGENCY)?;
        for a in old_agencies.iter().filter(|a| !n.agencies.contains(a)) {
            idx.remove((a.as_str(), code))?;
        }
        for a in n.agencies.iter().filter(|a| !old_agencies.contains(a)) {
            idx.insert((a.as_str(), code), ())?;
        }
    }
    if o.as_ref().map(|o| &o.citizen) != Some(&n.citizen) {
        let mut idx = txn.open_table(IDX_CITIZEN)?;
        if let Some(o) = &o {
            idx.remove((o.citizen.as_str(), code))?;
        }
        idx.insert((n.citizen.as_str(), code), ())?;
    }
    if o.as_ref().map(|o| &o.name) != Some(&n.name) {
        let mut idx = txn.open_table(IDX_NAME)?;
        if let Some(o) = &o {
            idx.remove((o.name.as_str(), code))?;
        }
        idx.insert((n.name.as_str(), code), ())?;
    }
    let old_due = o.as_ref().and_then(|o| o.due);
    if old_due != n.due || o.is_none() {
        let mut idx = txn.open_table(IDX_DUE)?;
        if let Some(d) = old_due {
            idx.remove((d, code))?;
        }
        if let Some(d) = n.due {
            idx.insert((d, code), ())?;
        }
    }
    Ok(())
}

/// A record as stored, then its ready forms (`views::FORMS`).
type Packed = (Vec<u8>, Vec<Vec<u8>>);

/// `f` of every item, the items split across the cores (the CPU work of bulk loading and of
/// making ready forms again); the results in the items' order.
pub fn on_every_core<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, ApiError> + Sync,
) -> Result<Vec<R>, ApiError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let parts: Vec<_> = items
            .chunks(per)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Result<Vec<R>, _>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for part in parts {
            out.extend(
                part.join()
                    .map_err(|_| ApiError::internal("a worker thread failed"))??,
            );
        }
        Ok(out)
    })
}

/// Insert many new dossiers at once (bulk loading): each table is opened once and filled in
/// key order, which keeps B-tree writes local. The codes must be new.
pub fn insert_new_dossiers(
    txn: &WriteTransaction,
    items: &[DossierRecord],
) -> Result<(), ApiError> {
    let keys: Vec<IndexKeys> = items.iter().map(IndexKeys::of).collect();
    {
        let mut sorted: Vec<(&DossierRecord, &IndexKeys)> = items.iter().zip(&keys).collect();
        sorted.sort_by(|a, b| a.0.code.cmp(&b.0.code));
        let packed = on_every_core(&sorted, |(r, _)| -> Result<Packed, ApiError> {
            let forms = views::FORMS.iter().map(|f| (f.prepare)(r));
            Ok((encode(r)?, forms.collect::<Result<_, _>>()?))
        })?;
        let mut t = txn.open_table(DOSSIERS)?;
        for ((r, _), (record, _)) in sorted.iter().zip(&packed) {
            t.insert(r.code.as_str(), record.as_slice())?;
        }
        drop(t);
        for (i, form) in views::FORMS.iter().enumerate() {
            let mut t = txn.open_table(form.table)?;
            for ((r, _), (_, forms)) in sorted.iter().zip(&packed) {
                t.insert(r.code.as_str(), forms[i].as_slice())?;
            }
        }
        changes::record_new(
            txn,
            sorted
                .iter()
                .map(|(r, k)| (changes::Key::Dossier(r.code.clone()), k.agencies.clone())),
        )?;
    }
    let report_keys: Vec<(&str, reports::ReportKeys)> = items
        .iter()
        .map(|r| (r.code.as_str(), reports::ReportKeys::of(r)))
        .collect();
    reports::add_new(txn, &report_keys)?;
    let codes = items.iter().map(|r| r.code.as_str());
    {
        let mut v: Vec<(u8, &str)> = codes
            .clone()
            .zip(&keys)
            .map(|(c, k)| (k.status, c))
            .collect();
        v.sort_unstable();
        let mut t = txn.open_table(IDX_STATUS)?;
        for k in &v {
            t.insert(*k, ())?;
        }
        let mut counts = txn.open_table(STATUS_COUNTS)?;
        for s in 1..=10u8 {
            let n = v.iter().filter(|(st, _)| *st == s).count() as i64;
            if n > 0 {
                bump(&mut counts, s, n)?;
            }
        }
    }
    {
        let mut v: Vec<(&str, &str)> = codes
            .clone()
            .zip(&keys)
            .flat_map(|(c, k)| k.agencies.iter().map(move |a| (a.as_str(), c)))
            .collect();
        v.sort_unstable();
        let mut t = txn.open_table(IDX_AGENCY)?;
        for k in v {
            t.insert(k, ())?;
        }
    }
    {
        let mut v: Vec<(&str, &str)> = codes
            .clone()
            .zip(&keys)
            .map(|(c, k)| (k.citizen.as_str(), c))
            .collect();
        v.sort_unstable();
        let mut t = txn.open_table(IDX_CITIZEN)?;
        for k in v {
            t.insert(k, ())?;
        }
    }
    {
        let mut v: Vec<(&str, &str)> = codes
            .clone()
            .zip(&keys)
            .map(|(c, k)| (k.name.as_str(), c))
            .collect();
        v.sort_unstable();
        let mut t = txn.open_table(IDX_NAME)?;
        for k in v {
            t.insert(k, ())?;
        }
    }
    {
        let mut v: Vec<(i64, &str)> = codes
            .zip(&keys)
            .filter_map(|(c, k)| k.due.map(|d| (d, c)))
            .collect();
        v.sort_unstable();
        let mut t = txn.open_table(IDX_DUE)?;
        for k in v {
            t.insert(k, ())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ratings::Rating;

    const PROBE: TableDefinition<&str, u64> = TableDefinition::new("probe_v1");

    fn keys(store: &Store) -> Vec<String> {
        store
            .read_blocking(|txn| {
                let t = match txn.open_table(PROBE) {
                    Ok(t) => t,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                    Err(e) => return Err(e.into()),
                };
                let mut out = Vec::new();
                for item in t.iter()? {
                    out.push(item?.0.value().to_owned());
                }
                Ok(out)
            })
            .unwrap()
    }

    #[test]
    fn a_job_that_fails_or_panics_leaves_nothing_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let r = store.write_blocking(|txn| {
            txn.open_table(PROBE)?.insert("refused", 1)?;
            Err::<(), _>(ApiError::bad_request("test", "từ chối", "refused"))
        });
        assert_eq!(r.unwrap_err().code, "test");
        let r = store.write_blocking(|txn| -> Result<(), ApiError> {
            txn.open_table(PROBE)?.insert("panicked", 2)?;
            let v: Vec<u8> = Vec::new();
            // An out-of-bounds index: the kind of bug a job might have.
            let _ = v[usize::from(v.is_empty())];
            Ok(())
        });
        assert_eq!(r.unwrap_err().code, "internal");
        store
            .write_blocking(|txn| {
                txn.open_table(PROBE)?.insert("kept", 3)?;
                Ok(())
            })
            .unwrap();
        assert_eq!(keys(&store), vec!["kept"]);
        let w = store.writer();
        assert!(w.healthy(), "{w:?}");
        assert_eq!((w.panicked, w.rolled_back, w.queued), (1, 1, 0));
        assert!(w.last_failure.unwrap().contains("panicked"));

        // Jobs queued together: each stands or falls alone.
        std::thread::scope(|s| {
            for i in 0..48u64 {
                let store = store.clone();
                s.spawn(move || {
                    let key = format!("job-{i:02}");
                    let r = store.write_blocking(move |txn| {
                        txn.open_table(PROBE)?.insert(key.as_str(), i)?;
                        match i % 3 {
                            0 => Ok(()),
                            1 => Err(ApiError::bad_request("test", "từ chối", "refused")),
                            _ => panic!("job {i} fails"),
                        }
                    });
                    assert_eq!(r.is_ok(), i % 3 == 0);
                });
            }
        });
        let want: Vec<String> = std::iter::once("job-00".to_owned())
            .chain((3..48).step_by(3).map(|i| format!("job-{i:02}")))
            .chain(["kept".to_owned()])
            .collect();
        assert_eq!(keys(&store), want);
        assert_eq!(store.writer().panicked, 1 + 16);

        // What was acknowledged is on disk.
        drop(store);
        let mut tries = 0;
        let store = loop {
            match Store::open(dir.path()) {
                Ok(s) => break s,
                Err(_) if tries < 500 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(e) => panic!("{e}"),
            }
        };
        assert_eq!(keys(&store), want);
    }

    #[test]
    fn records_are_packed_and_json_records_still_read() {
        let rating = Rating {
            id: 7,
            at: chrono::DateTime::parse_from_rfc3339("2026-11-27T09:30:00+07:00").unwrap(),
            scale: motcua_core::rating::Scale::Five,
            level: 4,
            dossier: Some("000.00.10.H16-261127-0001".into()),
            counter: Some("3".into()),
            officer: None,
            criteria: [("attitude".to_owned(), 5)].into(),
        };
        let packed = encode(&rating).unwrap();
        assert_eq!(packed[0], PACKED);
        let json = serde_json::to_vec(&rating).unwrap();
        assert!(packed.len() < json.len());
        assert_eq!(decode::<Rating>(&packed).unwrap(), rating);
        assert_eq!(decode::<Rating>(&json).unwrap(), rating);
        // A damaged record is an error, never a panic.
        assert!(decode::<Rating>(&packed[..packed.len() / 2]).is_err());
        assert!(decode::<Rating>(&[PACKED]).is_err());
        assert!(decode::<Rating>(&[]).is_err());
    }
}
