//! # The store (layer 1 of the server)
//!
//! One redb file, its tables, and the single writer. Nothing here knows HTTP or the operations
//! above: it stores records, keeps its indexes and the change feed in step, and publishes what
//! changed.
//!
//! - [`Store::write`] queues a job to the writer thread (`writer`): the jobs waiting together run
//!   in one transaction made durable with one flush; a job that fails or panics is kept out of it
//!   (the batch runs again, each job apart) and only its [`Tx::audit_kept`] lines remain. Then
//!   every job is answered and the [`Topic`]s of the kept jobs are published
//!   ([`Store::subscribe`]). An acknowledged write survives a killed process.
//! - Reads go through [`Store::read`] on the blocking pool, or [`Store::read_now`] on the calling
//!   thread for a point read of a key or two.
//! - [`Hooks`]: what the projections above keep beside each dossier (ready forms, report
//!   counters) in the same transaction, given to the store at open so that the store does not
//!   depend on them.
//!
//! **Invariant:** nothing in this module imports the layers above (`ops`, `projections`,
//! `http`).

mod codec;
mod dossiers;
mod error;
mod tables;
mod topics;
mod tx;
mod writer;

pub mod backup;
pub mod changes;
pub mod model;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;

use redb::{Database, ReadTransaction, ReadableDatabase, ReadableTable, WriteTransaction};

pub use codec::{decode, encode, get};
pub use dossiers::{IndexKeys, insert_new, on_every_core};
pub use error::Error;
pub use tables::*;
pub use topics::{BACKLOG, Published, Topic};
pub use tx::{Tx, append_audit};
pub use writer::{STALLED_AFTER_MS, WriterHealth, WriterReport};

use model::DossierRecord;

/// What is kept beside every dossier, in the same transaction as its record: implemented by the
/// projections and handed to [`Store::open`].
pub trait Hooks: Send + Sync + 'static {
    /// Create the hooks' tables (in the first write transaction).
    fn create_tables(&self, txn: &WriteTransaction) -> Result<(), Error>;
    /// One dossier written: `old` is the record it replaces.
    fn on_put(
        &self,
        txn: &WriteTransaction,
        old: Option<&DossierRecord>,
        new: &DossierRecord,
    ) -> Result<(), Error>;
    /// Many new dossiers written at once (bulk loading).
    fn on_bulk(&self, txn: &WriteTransaction, new: &[DossierRecord]) -> Result<(), Error>;
    /// A rating written, of a dossier handled by `agency` (empty when it rates no dossier).
    fn on_rating(
        &self,
        _txn: &WriteTransaction,
        _rating: &model::Rating,
        _agency: &str,
    ) -> Result<(), Error> {
        Ok(())
    }
    /// At open, before anything is served: make again what an earlier version kept otherwise.
    fn rebuild(&self, db: &Database) -> Result<(), Error>;
    /// Copy the hooks' tables into a backup (with [`backup::copy`], each name added to
    /// `names`); how many entries were copied.
    fn backup(
        &self,
        _from: &redb::ReadTransaction,
        _to: &WriteTransaction,
        _names: &mut Vec<String>,
    ) -> Result<u64, Error> {
        Ok(0)
    }
}

/// No hooks (tests of the store alone).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHooks;

impl Hooks for NoHooks {
    fn create_tables(&self, _: &WriteTransaction) -> Result<(), Error> {
        Ok(())
    }
    fn on_put(
        &self,
        _: &WriteTransaction,
        _: Option<&DossierRecord>,
        _: &DossierRecord,
    ) -> Result<(), Error> {
        Ok(())
    }
    fn on_bulk(&self, _: &WriteTransaction, _: &[DossierRecord]) -> Result<(), Error> {
        Ok(())
    }
    fn rebuild(&self, _: &Database) -> Result<(), Error> {
        Ok(())
    }
}

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create the data directory {0}: {1}")]
    Dir(String, std::io::Error),
    #[error("cannot open the database: {0}")]
    Database(#[from] redb::DatabaseError),
    #[error("database error: {0}")]
    Store(#[from] Error),
    #[error(
        "the data directory holds schema version {found}; this server reads version {SCHEMA_VERSION}"
    )]
    Schema { found: String },
    #[error("cannot make the dossiers' ready forms again (the log says why): {0}")]
    Rebuild(Error),
    #[error("cannot start the writer thread: {0}")]
    Thread(std::io::Error),
}

/// The store: shared by every request; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    hooks: Arc<dyn Hooks>,
    jobs: mpsc::SyncSender<writer::BoxedJob>,
    /// Counts commits that published topics: simple waiters watch it.
    commits: Arc<tokio::sync::watch::Sender<u64>>,
    topics: Arc<tokio::sync::broadcast::Sender<Published>>,
    health: Arc<WriterHealth>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Open (or create) `dir/motcua.redb` with a page cache of `cache_bytes`, check its schema
    /// version, create missing tables, let `hooks` make again what they keep if need be, and
    /// start the writer thread.
    pub fn open(dir: &Path, cache_bytes: usize, hooks: Arc<dyn Hooks>) -> Result<Store, OpenError> {
        std::fs::create_dir_all(dir).map_err(|e| OpenError::Dir(dir.display().to_string(), e))?;
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(dir.join("motcua.redb"))?;
        let txn = db.begin_write().map_err(Error::from)?;
        {
            let mut meta = txn.open_table(META).map_err(Error::from)?;
            let found = meta
                .get("schema_version")
                .map_err(Error::from)?
                .map(|v| v.value().to_owned());
            match found {
                Some(v) if v != SCHEMA_VERSION => return Err(OpenError::Schema { found: v }),
                Some(_) => {}
                None => {
                    meta.insert("schema_version", SCHEMA_VERSION)
                        .map_err(Error::from)?;
                }
            }
            // Names this store's change feed: a cursor from another store (a restored
            // backup, a rebuilt data directory) is told to resnapshot.
            if meta.get("feed_epoch").map_err(Error::from)?.is_none() {
                let epoch = hex::encode(rand::random::<[u8; 4]>());
                meta.insert("feed_epoch", epoch.as_str())
                    .map_err(Error::from)?;
            }
        }
        tables::create(&txn).map_err(Error::from)?;
        hooks.create_tables(&txn)?;
        txn.commit().map_err(Error::from)?;
        hooks.rebuild(&db).map_err(OpenError::Rebuild)?;

        let db = Arc::new(db);
        let (jobs, rx) = mpsc::sync_channel::<writer::BoxedJob>(8192);
        let commits = Arc::new(tokio::sync::watch::Sender::new(0u64));
        let (topics, _) = tokio::sync::broadcast::channel(BACKLOG);
        let topics = Arc::new(topics);
        let health = Arc::new(WriterHealth::default());
        let (wdb, whooks, wcommits, wtopics, whealth) = (
            db.clone(),
            hooks.clone(),
            commits.clone(),
            topics.clone(),
            health.clone(),
        );
        // Running from here: a job queued before the thread is scheduled is not "stopped".
        health.running.store(true, Ordering::Release);
        std::thread::Builder::new()
            .name("motcua-writer".into())
            .spawn(move || {
                writer::run(
                    &rx,
                    &writer::Shared {
                        db: &wdb,
                        hooks: &*whooks,
                        health: &whealth,
                        commits: &wcommits,
                        topics: &wtopics,
                    },
                );
            })
            .map_err(OpenError::Thread)?;
        Ok(Store {
            db,
            hooks,
            jobs,
            commits,
            topics,
            health,
        })
    }

    /// What the writer is doing.
    pub fn writer(&self) -> WriterReport {
        self.health.report()
    }

    /// Wakes after every commit that published topics.
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// The topics of every commit from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Published> {
        self.topics.subscribe()
    }

    /// Tell listeners what was written outside the writer (bulk loading).
    pub fn notify(&self, topics: Vec<Topic>) {
        self.commits.send_modify(|c| *c += 1);
        let _ = self.topics.send(Published::from(topics));
    }

    fn job<T, E, F, R>(f: F, reply: R) -> writer::BoxedJob
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: Fn(&Tx) -> Result<T, E> + Send + 'static,
        R: FnOnce(Result<T, E>) + Send + 'static,
    {
        Box::new(writer::Closure {
            f,
            outcome: None,
            reply,
        })
    }

    fn queue(&self, job: writer::BoxedJob) -> Result<(), Error> {
        self.health.queued.fetch_add(1, Ordering::AcqRel);
        self.jobs.send(job).map_err(|_| {
            self.health.queued.fetch_sub(1, Ordering::AcqRel);
            Error::new("the writer has stopped")
        })
    }

    /// Run `f` on the writer thread, with the other jobs waiting then, and answer once durable.
    /// When `f` fails (or panics) nothing it wrote is kept but its [`Tx::audit_kept`] lines.
    /// `f` may run twice (see `writer`): it must do the same each time.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: Fn(&Tx) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job = Self::job(f, move |r| {
            let _ = tx.send(r);
        });
        let store = self.clone();
        // The queue is bounded: waiting for room happens off the runtime.
        tokio::task::spawn_blocking(move || store.queue(job))
            .await
            .map_err(|e| E::from(Error::new(e)))?
            .map_err(E::from)?;
        rx.await
            .map_err(|_| E::from(Error::new("the write was dropped")))?
    }

    /// The same, from blocking code (the CLI, bulk tools).
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: Fn(&Tx) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let job = Self::job(f, move |r| {
            let _ = tx.send(r);
        });
        self.queue(job).map_err(E::from)?;
        rx.recv()
            .map_err(|_| E::from(Error::new("the write was dropped")))?
    }

    /// Run `f` in a read transaction on the blocking pool.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
        F: FnOnce(&ReadTransaction) -> Result<T, E> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let txn = db.begin_read().map_err(Error::from)?;
            f(&txn)
        })
        .await
        .map_err(|e| E::from(Error::new(e)))?
    }

    /// A read transaction on the calling thread: for blocking code, and for point reads in
    /// handlers (a key or two: its pages come from the cache or the OS page cache in
    /// microseconds, less than a hand-off to a blocking thread costs). Scans and anything that
    /// walks a table go through [`Store::read`].
    pub fn read_now<T, E>(&self, f: impl FnOnce(&ReadTransaction) -> Result<T, E>) -> Result<T, E>
    where
        E: From<Error>,
    {
        let txn = self.db.begin_read().map_err(Error::from)?;
        f(&txn)
    }

    /// Direct access for bulk loading (seeding), bypassing the writer. Not for request paths.
    /// A consistent copy of the whole store at `to`, taken while it runs (see [`backup`]).
    pub fn backup(&self, to: &Path) -> Result<backup::BackupReport, Error> {
        backup::snapshot(self.database(), &*self.hooks, to)
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The hooks, for bulk loading ([`insert_new`]).
    pub fn hooks(&self) -> &dyn Hooks {
        &*self.hooks
    }
}

#[cfg(test)]
mod tests {
    use super::model::{AuditEntry, Rating};
    use super::*;
    use redb::{ReadableTable, TableDefinition};

    const PROBE: TableDefinition<&str, u64> = TableDefinition::new("probe_v1");

    /// A job's own error type, as the layers above have theirs.
    #[derive(Debug, PartialEq, Eq)]
    enum JobError {
        Refused,
        Store(String),
    }

    impl From<Error> for JobError {
        fn from(e: Error) -> Self {
            JobError::Store(e.0)
        }
    }

    impl From<redb::TableError> for JobError {
        fn from(e: redb::TableError) -> Self {
            JobError::Store(e.to_string())
        }
    }

    impl From<redb::StorageError> for JobError {
        fn from(e: redb::StorageError) -> Self {
            JobError::Store(e.to_string())
        }
    }

    fn open(dir: &Path) -> Store {
        Store::open(dir, 16 << 20, Arc::new(NoHooks)).unwrap()
    }

    fn keys(store: &Store) -> Vec<String> {
        store
            .read_now(|txn| {
                let t = match txn.open_table(PROBE) {
                    Ok(t) => t,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                    Err(e) => return Err(Error::from(e)),
                };
                let mut out = Vec::new();
                for item in t.iter()? {
                    out.push(item?.0.value().to_owned());
                }
                Ok(out)
            })
            .unwrap()
    }

    fn line(action: &str) -> AuditEntry {
        AuditEntry {
            seq: 0,
            at: chrono::DateTime::parse_from_rfc3339("2026-11-27T09:30:00+07:00").unwrap(),
            actor: "tester".into(),
            address: "local".into(),
            action: action.into(),
            target: "x".into(),
            outcome: "ok".into(),
            detail: String::new(),
        }
    }

    fn audit_actions(store: &Store) -> Vec<String> {
        store
            .read_now(|txn| {
                let mut out = Vec::new();
                for item in txn.open_table(AUDIT)?.iter()? {
                    let e: AuditEntry = decode(item?.1.value())?;
                    out.push(e.action);
                }
                Ok::<_, Error>(out)
            })
            .unwrap()
    }

    #[test]
    fn a_job_that_fails_or_panics_leaves_nothing_but_its_kept_audit_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let r = store.write_blocking(|tx| {
            tx.open_table(PROBE)?.insert("refused", 1)?;
            tx.audit(line("ordinary line of a refused job"))?;
            tx.audit_kept(line("refusal"));
            tx.touch(Topic::Catalogue);
            Err::<(), _>(JobError::Refused)
        });
        assert_eq!(r, Err(JobError::Refused));
        let r = store.write_blocking(|tx| -> Result<(), JobError> {
            tx.open_table(PROBE)?.insert("panicked", 2)?;
            let v: Vec<u8> = Vec::new();
            // An out-of-bounds index: the kind of bug a job might have.
            let _ = v[usize::from(v.is_empty())];
            Ok(())
        });
        assert!(matches!(r, Err(JobError::Store(_))), "{r:?}");
        let mut topics = store.subscribe();
        store
            .write_blocking(|tx| {
                tx.open_table(PROBE)?.insert("kept", 3)?;
                tx.audit(line("kept line"))?;
                tx.touch(Topic::Centre("c".into()));
                Ok::<_, JobError>(())
            })
            .unwrap();
        assert_eq!(keys(&store), vec!["kept"]);
        assert_eq!(audit_actions(&store), ["refusal", "kept line"]);
        // Only the kept job's topic was published.
        let published = topics.try_recv().unwrap();
        assert_eq!(&*published, &[Topic::Centre("c".into())]);
        assert!(topics.try_recv().is_err());
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
                    let r = store.write_blocking(move |tx| {
                        tx.open_table(PROBE)?.insert(key.as_str(), i)?;
                        match i % 3 {
                            0 => Ok(()),
                            1 => Err(JobError::Refused),
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
            match Store::open(dir.path(), 16 << 20, Arc::new(NoHooks)) {
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
            ticket: None,
        };
        let packed = encode(&rating).unwrap();
        assert_eq!(packed[0], codec::PACKED);
        let json = serde_json::to_vec(&rating).unwrap();
        assert!(packed.len() < json.len());
        assert_eq!(decode::<Rating>(&packed).unwrap(), rating);
        assert_eq!(decode::<Rating>(&json).unwrap(), rating);
        // A damaged record is an error, never a panic.
        assert!(decode::<Rating>(&packed[..packed.len() / 2]).is_err());
        assert!(decode::<Rating>(&[codec::PACKED]).is_err());
        assert!(decode::<Rating>(&[]).is_err());
    }
}
