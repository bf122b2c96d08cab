//! The kiosk's own redb file: the replica of what the change feed sends (dossiers as the minimal
//! row and what the overdue rule needs, each in a compact record of about 60 bytes with the
//! texts dossiers share kept once; the catalogue, agencies, the centre, the kiosk's settings); the outbox of events not yet acknowledged; the sync state (device token,
//! cursor). Every change of the replica is one transaction, so a power cut leaves it either before
//! or after a page, never half-way.
//!
//! Nothing here reveals a person: a dossier carries a masked name, no citizen ID, no lookup
//! secret and no digest of either (a stolen disk gives nothing back to try values against).
//! Lookups by citizen ID or name and the detail behind the secret are asked of the server.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use motcua_protocol::catalogue::{Agency, Procedure};
use motcua_protocol::centre::CentreInfo;
use motcua_protocol::sync::{Change, KioskDossier, KioskSettings};
use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
    WriteTransaction,
};
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// Code → the dossier's compact record (see `compact`).
const DOSSIERS: TableDefinition<&str, &[u8]> = TableDefinition::new("dossiers_v3");
/// The texts dossiers share (procedure, agencies, status words, step), by number and by text.
const WORDS: TableDefinition<u32, &str> = TableDefinition::new("words_v1");
const WORD_IDS: TableDefinition<&str, u32> = TableDefinition::new("word_ids_v1");
const PROCEDURES: TableDefinition<&str, &[u8]> = TableDefinition::new("procedures_v1");
const AGENCIES: TableDefinition<&str, &[u8]> = TableDefinition::new("agencies_v1");
/// "centre", "settings" → JSON.
const DOCS: TableDefinition<&str, &[u8]> = TableDefinition::new("docs_v1");
/// "token", "cursor", "kiosk_id", "replica" → text.
const STATE: TableDefinition<&str, &str> = TableDefinition::new("state_v1");
/// Local sequence → event JSON, until the server acknowledges it.
const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox_v1");
/// "next_seq" → the next local sequence number.
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters_v1");

/// What the replica's dossiers are: bumped when their form changes; a replica of another form
/// is dropped at open and filled again by a snapshot.
const REPLICA_FORMAT: &str = "3";

/// Tables and state of replicas of earlier forms, removed at open: version 1 kept keyed digests
/// of citizen IDs, names and secrets, which must not stay on a kiosk's disk; version 2 kept each
/// dossier as its JSON (≈ 1 KB on disk each).
const RETIRED_TABLES: [&str; 4] = ["dossiers_v1", "by_citizen_v1", "by_name_v1", "dossiers_v2"];
const RETIRED_STATE: [&str; 2] = ["hash_key", "indexes_pending"];

/// The page cache: a kiosk box has little memory, and a lookup touches a handful of pages (the
/// OS keeps the file's hot pages anyway).
const CACHE_BYTES: usize = 48 * 1024 * 1024;

/// A storage error, in words for the log.
#[derive(Debug, thiserror::Error)]
#[error("kiosk storage: {0}")]
pub struct StoreError(String);

impl StoreError {
    pub(crate) fn new(message: String) -> StoreError {
        StoreError(message)
    }
}

impl<E: Into<redb::Error>> From<E> for StoreError {
    fn from(e: E) -> Self {
        StoreError(e.into().to_string())
    }
}

fn enc<T: Serialize>(v: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(v).map_err(|e| StoreError(e.to_string()))
}

fn dec<T: DeserializeOwned>(b: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(b).map_err(|e| StoreError(e.to_string()))
}

/// A feed page as received: each change kept as its JSON text until applied (a page is read
/// once, each change decoded as it is applied).
#[derive(Debug, Deserialize)]
pub struct RawPage {
    pub cursor: String,
    pub reset: bool,
    pub more: bool,
    pub changes: Vec<Box<RawValue>>,
}

/// What the replica reads of a change to know what it is.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    code: Option<Cow<'a, str>>,
}

fn head(json: &[u8]) -> Result<Head<'_>, StoreError> {
    serde_json::from_slice(json).map_err(|e| StoreError(format!("a change does not read: {e}")))
}

/// What a page of the change feed changed in the replica, told to watchers after its commit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changed {
    /// The kiosk's settings (idle timeout, orientation, language, rating scale).
    pub settings: bool,
    /// The centre's texts and counters.
    pub centre: bool,
    /// Procedures or agencies.
    pub catalogue: bool,
    /// Dossiers (or the whole replica, after a snapshot's first page).
    pub dossiers: bool,
    /// The centre's queue (services, hours).
    pub queue: bool,
}

impl Changed {
    fn any(&self) -> bool {
        self.settings || self.centre || self.catalogue || self.dossiers || self.queue
    }
}

/// Told of every applied page that changed something (from the thread that applied it).
pub type Watcher = Box<dyn Fn(Changed) + Send + Sync>;

/// The kiosk's store; cheap to clone, shared by the UI and the sync threads.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
    watchers: Arc<std::sync::Mutex<Vec<Watcher>>>,
    /// The folder the file is in (its disk's free space goes in the heartbeat).
    dir: std::path::PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// An event waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub seq: u64,
    pub json: serde_json::Value,
}

impl Store {
    /// Open (or create) the file. A replica of another form is dropped, with its cursor, so the
    /// next pull takes a snapshot; the outbox and the enrolment stay.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError(e.to_string()))?;
        }
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(path)?;
        let txn = db.begin_write()?;
        let current = txn
            .open_table(STATE)?
            .get("replica")?
            .is_some_and(|v| v.value() == REPLICA_FORMAT);
        if !current {
            for name in RETIRED_TABLES {
                // Dropped by name, whatever their key and value types.
                let def: TableDefinition<&str, &[u8]> = TableDefinition::new(name);
                txn.delete_table(def)?;
            }
            txn.delete_table(DOSSIERS)?;
            txn.delete_table(WORDS)?;
            txn.delete_table(WORD_IDS)?;
            let mut state = txn.open_table(STATE)?;
            for key in RETIRED_STATE.iter().chain(&["cursor"]) {
                state.remove(*key)?;
            }
            state.insert("replica", REPLICA_FORMAT)?;
        }
        txn.open_table(DOSSIERS)?;
        txn.open_table(WORDS)?;
        txn.open_table(WORD_IDS)?;
        txn.open_table(PROCEDURES)?;
        txn.open_table(AGENCIES)?;
        txn.open_table(DOCS)?;
        txn.open_table(STATE)?;
        txn.open_table(OUTBOX)?;
        txn.open_table(COUNTERS)?;
        txn.commit()?;
        Ok(Store {
            db: Arc::new(db),
            watchers: Arc::default(),
            dir: path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| std::path::PathBuf::from(".")),
        })
    }

    /// Free space on the disk that holds the file, in MiB, for the heartbeat; 0 when it
    /// cannot be read.
    pub fn free_disk_mb(&self) -> u64 {
        let dir = if self.dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            self.dir.as_path()
        };
        match rustix::fs::statvfs(dir) {
            Ok(v) => v.f_bavail.saturating_mul(v.f_frsize) / (1024 * 1024),
            Err(e) => {
                tracing::warn!(error = %e, "free disk space");
                0
            }
        }
    }

    pub fn state(&self, key: &str) -> Result<Option<String>, StoreError> {
        let txn = self.db.begin_read()?;
        Ok(txn
            .open_table(STATE)?
            .get(key)?
            .map(|v| v.value().to_owned()))
    }

    pub fn set_state(&self, pairs: &[(&str, &str)]) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut t = txn.open_table(STATE)?;
            for (k, v) in pairs {
                t.insert(*k, *v)?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Apply a page of the change feed and move the cursor, in one transaction. Unless
    /// `durable`, the commit is not flushed to disk: a crash before the next durable commit
    /// rolls the replica back to that commit's page and cursor, which the next pull resumes
    /// from (how a snapshot's pages are written without a flush each).
    pub fn apply(&self, page: &RawPage, durable: bool) -> Result<(), StoreError> {
        let mut txn = self.db.begin_write()?;
        if !durable {
            txn.set_durability(redb::Durability::None)
                .map_err(|e| StoreError::new(e.to_string()))?;
        }
        if page.reset {
            for name in [DOSSIERS, PROCEDURES, AGENCIES, DOCS] {
                txn.delete_table(name)?;
            }
            txn.delete_table(WORDS)?;
            txn.delete_table(WORD_IDS)?;
        }
        let mut changed = Changed {
            dossiers: page.reset,
            ..Changed::default()
        };
        {
            // The dossier table is opened once per page: a page is mostly dossiers.
            let mut dossiers = txn.open_table(DOSSIERS)?;
            let mut words = Interner {
                by_id: txn.open_table(WORDS)?,
                by_text: txn.open_table(WORD_IDS)?,
                known: std::collections::HashMap::new(),
            };
            for c in &page.changes {
                apply_one(&txn, &mut dossiers, &mut words, c, &mut changed)?;
            }
        }
        txn.open_table(STATE)?
            .insert("cursor", page.cursor.as_str())?;
        txn.commit()?;
        if changed.any() {
            let watchers = self.watchers.lock().unwrap_or_else(|p| p.into_inner());
            for w in watchers.iter() {
                w(changed);
            }
        }
        Ok(())
    }

    /// Be told of every page applied from now on that changes something (after its commit,
    /// on the thread that applied it: a UI hands it to its own thread).
    pub fn watch(&self, w: Watcher) {
        self.watchers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(w);
    }

    pub fn dossier(&self, code: &str) -> Result<Option<KioskDossier>, StoreError> {
        let txn = self.db.begin_read()?;
        let t = txn.open_table(DOSSIERS)?;
        let words = WordTable(txn.open_table(WORDS)?);
        let v = t.get(code)?;
        v.map(|v| crate::compact::decode(code, v.value(), &words))
            .transpose()
    }

    pub fn dossier_count(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(DOSSIERS)?.len()?)
    }

    pub fn procedures(&self) -> Result<Vec<Procedure>, StoreError> {
        self.all(PROCEDURES)
    }

    pub fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
        self.all(AGENCIES)
    }

    fn all<T: DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
    ) -> Result<Vec<T>, StoreError> {
        let txn = self.db.begin_read()?;
        let t = txn.open_table(table)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            out.push(dec(item?.1.value())?);
        }
        Ok(out)
    }

    fn doc<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let txn = self.db.begin_read()?;
        let t = txn.open_table(DOCS)?;
        let v = t.get(key)?;
        v.map(|v| dec(v.value())).transpose()
    }

    pub fn centre(&self) -> Result<Option<CentreInfo>, StoreError> {
        self.doc("centre")
    }

    pub fn settings(&self) -> Result<Option<KioskSettings>, StoreError> {
        self.doc("settings")
    }

    /// The queue of the kiosk's centre, as last received.
    pub fn queue(&self) -> Result<Option<motcua_core::queue::QueueConfig>, StoreError> {
        self.doc("queue")
    }

    /// Take the next number of `letter` on `day` from the kiosk's offline `block` and put the
    /// event `make` builds of it in the outbox, in one transaction: a number is never given twice,
    /// even across a crash. None when the block is used up.
    pub fn take_offline_number<T: Serialize>(
        &self,
        day: chrono::NaiveDate,
        letter: char,
        block: std::ops::RangeInclusive<u16>,
        make: impl FnOnce(u64, u16) -> T,
    ) -> Result<Option<(u16, T)>, StoreError> {
        let txn = self.db.begin_write()?;
        let out = {
            let mut c = txn.open_table(COUNTERS)?;
            let key = format!("ticket:{}:{letter}", day.format("%Y%m%d"));
            let used = c.get(key.as_str())?.map(|v| v.value()).unwrap_or(0);
            let Some(number) = u16::try_from(used)
                .ok()
                .and_then(|u| block.start().checked_add(u))
                .filter(|n| block.contains(n))
            else {
                return Ok(None);
            };
            c.insert(key.as_str(), used + 1)?;
            let seq = c.get("next_seq")?.map(|v| v.value()).unwrap_or(1);
            c.insert("next_seq", seq + 1)?;
            let event = make(seq, number);
            txn.open_table(OUTBOX)?
                .insert(seq, enc(&event)?.as_slice())?;
            (number, event)
        };
        txn.commit()?;
        Ok(Some(out))
    }

    /// Put an event in the outbox under the next local sequence number; that number.
    /// `make` receives the sequence (events carry it, and feedback codes derive from it).
    pub fn enqueue<T: Serialize>(
        &self,
        make: impl FnOnce(u64) -> T,
    ) -> Result<(u64, T), StoreError> {
        let txn = self.db.begin_write()?;
        let (seq, event) = {
            let mut c = txn.open_table(COUNTERS)?;
            let seq = c.get("next_seq")?.map(|v| v.value()).unwrap_or(1);
            c.insert("next_seq", seq + 1)?;
            let event = make(seq);
            txn.open_table(OUTBOX)?
                .insert(seq, enc(&event)?.as_slice())?;
            (seq, event)
        };
        txn.commit()?;
        Ok((seq, event))
    }

    /// The oldest `limit` events waiting.
    pub fn pending(&self, limit: usize) -> Result<Vec<Pending>, StoreError> {
        let txn = self.db.begin_read()?;
        let t = txn.open_table(OUTBOX)?;
        let mut out = Vec::new();
        for item in t.iter()?.take(limit) {
            let (k, v) = item?;
            out.push(Pending {
                seq: k.value(),
                json: dec(v.value())?,
            });
        }
        Ok(out)
    }

    pub fn outbox_depth(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(OUTBOX)?.len()?)
    }

    /// Forget every event up to `acked` (the server holds them).
    pub fn acknowledge(&self, acked: u64) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut t = txn.open_table(OUTBOX)?;
            t.retain_in(..=acked, |_, _| false)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// The replica file's size on disk, in bytes.
    pub fn file_bytes(path: &Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }
}

/// Change types this kiosk knows; a page may bring others from a newer server, which are
/// skipped (forward compatibility), while a known one that does not read refuses the page.
const KNOWN: [&str; 8] = [
    "dossier",
    "dossier_removed",
    "procedure",
    "procedure_removed",
    "agency",
    "centre",
    "config",
    "queue",
];

/// The word tables of a page's transaction, with the words the page has met so far.
struct Interner<'t> {
    by_id: redb::Table<'t, u32, &'static str>,
    by_text: redb::Table<'t, &'static str, u32>,
    known: std::collections::HashMap<String, u32>,
}

impl crate::compact::Intern for Interner<'_> {
    fn intern(&mut self, text: &str) -> Result<u32, StoreError> {
        if let Some(id) = self.known.get(text) {
            return Ok(*id);
        }
        let found = self.by_text.get(text)?.map(|v| v.value());
        let id = match found {
            Some(id) => id,
            None => {
                let last = self.by_id.last()?.map(|(k, _)| k.value());
                let id = match last {
                    Some(last) => last
                        .checked_add(1)
                        .ok_or_else(|| StoreError("the word table is full".into()))?,
                    None => 0,
                };
                self.by_id.insert(id, text)?;
                self.by_text.insert(text, id)?;
                id
            }
        };
        self.known.insert(text.to_owned(), id);
        Ok(id)
    }
}

/// The word table, read.
struct WordTable(redb::ReadOnlyTable<u32, &'static str>);

impl crate::compact::Words for WordTable {
    fn word(&self, id: u32) -> Result<Option<String>, StoreError> {
        Ok(self.0.get(id)?.map(|v| v.value().to_owned()))
    }
}

fn apply_one(
    txn: &WriteTransaction,
    dossiers: &mut redb::Table<'_, &'static str, &'static [u8]>,
    words: &mut Interner<'_>,
    raw: &RawValue,
    changed: &mut Changed,
) -> Result<(), StoreError> {
    let json = raw.get().as_bytes();
    let h = head(json)?;
    match h.kind.as_ref() {
        "dossier" | "dossier_removed" => changed.dossiers = true,
        "procedure" | "procedure_removed" | "agency" => changed.catalogue = true,
        "centre" => changed.centre = true,
        "config" => changed.settings = true,
        "queue" => changed.queue = true,
        _ => {}
    }
    match h.kind.as_ref() {
        "dossier" => {
            let d: KioskDossier = serde_json::from_slice(json)
                .map_err(|e| StoreError(format!("a dossier does not read: {e}")))?;
            let record = crate::compact::encode(&d, words)?;
            dossiers.insert(d.row.code.as_str(), record.as_slice())?;
            Ok(())
        }
        "dossier_removed" => {
            let Some(code) = &h.code else {
                return Err(StoreError("a removal without its code".into()));
            };
            dossiers.remove(code.as_ref())?;
            Ok(())
        }
        kind if KNOWN.contains(&kind) => apply_other(txn, &dec::<Change>(json)?),
        other => {
            tracing::debug!(
                kind = other,
                "a change of a kind this kiosk does not know, skipped"
            );
            Ok(())
        }
    }
}

/// The catalogue, agencies, the centre and the settings: few, decoded and stored as typed.
fn apply_other(txn: &WriteTransaction, c: &Change) -> Result<(), StoreError> {
    match c {
        Change::Dossier(_) | Change::DossierRemoved { .. } => {}
        Change::Procedure(p) => {
            txn.open_table(PROCEDURES)?
                .insert(p.id.as_str(), enc(p.as_ref())?.as_slice())?;
        }
        Change::ProcedureRemoved { id } => {
            txn.open_table(PROCEDURES)?.remove(id.as_str())?;
        }
        Change::Agency(a) => {
            txn.open_table(AGENCIES)?
                .insert(a.code.as_str(), enc(a.as_ref())?.as_slice())?;
        }
        Change::Centre(c) => {
            txn.open_table(DOCS)?
                .insert("centre", enc(c.as_ref())?.as_slice())?;
        }
        Change::Config(s) => {
            txn.open_table(DOCS)?
                .insert("settings", enc(s.as_ref())?.as_slice())?;
        }
        Change::Queue(q) => {
            txn.open_table(DOCS)?
                .insert("queue", enc(q.as_ref())?.as_slice())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn the_heartbeat_reports_the_disks_free_space() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("kiosk.redb")).unwrap();
        let free = store.free_disk_mb();
        assert!(free > 0, "a disk with room says how much: {free}");
        // The same figure the system gives, within what a test run may write meanwhile.
        let v = rustix::fs::statvfs(dir.path()).unwrap();
        let now = v.f_bavail * v.f_frsize / (1024 * 1024);
        assert!(free.abs_diff(now) < 512, "{free} vs {now}");
    }

    fn dossier(code: &str, step: &str) -> serde_json::Value {
        json!({"type": "dossier", "code": code, "procedure": "Cấp Phiếu lý lịch tư pháp",
            "masked_name": "Nguyễn V. A.", "received_at": "2025-11-10T09:00:00+07:00",
            "appointment": "2025-11-24T09:00:00+07:00", "status": 4,
            "status_vi": step, "status_en": step,
            "procedure_id": "2.001193.000.00.10.H16", "step": "assigned",
            "agency_code": "000.00.10.H16", "agency": "Sở Tư pháp",
            "receiving_agency": "000.00.01.H16",
            "due_state": {"open": true, "due": "2025-11-24T09:00:00+07:00", "paused_at": null}})
    }

    fn page(reset: bool, changes: Vec<serde_json::Value>) -> RawPage {
        let p = json!({"cursor": "e-0-1", "reset": reset, "more": false, "changes": changes});
        serde_json::from_str(&p.to_string()).unwrap()
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("kiosk.redb")).unwrap();
        (dir, s)
    }

    const CODE: &str = "000.00.01.H16-251110-0001";

    #[test]
    fn a_dossier_kept_as_received_follows_its_changes() {
        let (_dir, s) = store();
        s.apply(&page(true, vec![dossier(CODE, "Đã tiếp nhận")]), true)
            .unwrap();
        assert_eq!(
            s.dossier(CODE).unwrap().unwrap().row.status_vi,
            "Đã tiếp nhận"
        );
        // Not flushed (a snapshot's middle page): read back all the same.
        s.apply(&page(false, vec![dossier(CODE, "Đang xử lý")]), false)
            .unwrap();
        assert_eq!(
            s.dossier(CODE).unwrap().unwrap().row.status_vi,
            "Đang xử lý"
        );
        s.apply(
            &page(
                false,
                vec![json!({"type": "dossier_removed", "code": CODE})],
            ),
            true,
        )
        .unwrap();
        assert!(s.dossier(CODE).unwrap().is_none());
        assert_eq!(s.dossier_count().unwrap(), 0);
    }

    /// The replica stays under a kilobyte a dossier on disk (it was ≈ 2.8 KB, then ≈ 1.1 KB
    /// as JSON): 40,000 dossiers of a dozen procedures, as a snapshot writes them.
    #[test]
    fn the_replica_keeps_a_dossier_in_well_under_a_kilobyte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.redb");
        let s = Store::open(&path).unwrap();
        let total = 40_000usize;
        for (n, from) in (0..total).step_by(2_000).enumerate() {
            let changes = (from..from + 2_000)
                .map(|i| {
                    let mut d = dossier(
                        &format!(
                            "000.00.{:02}.H16-2511{:02}-{:04}",
                            10 + i % 7,
                            1 + i % 28,
                            i % 9999
                        ),
                        [
                            "Đã tiếp nhận",
                            "Đang xử lý",
                            "Chờ bổ sung",
                            "Đã trả kết quả",
                        ][i % 4],
                    );
                    d["procedure"] =
                        json!(format!("Thủ tục số {} về đăng ký và cấp giấy phép", i % 12));
                    d["procedure_id"] = json!(format!("1.00{:04}.000.00.00.H16", i % 12));
                    d["masked_name"] =
                        json!(format!("Nguyễn V. {}.", char::from(b'A' + (i % 26) as u8)));
                    d
                })
                .collect();
            let mut p = page(n == 0, changes);
            p.cursor = format!("e-0-{from}");
            s.apply(&p, from + 2_000 == total).unwrap();
        }
        assert_eq!(s.dossier_count().unwrap(), total as u64);
        let d = s.dossier("000.00.13.H16-251104-0003").unwrap().unwrap();
        assert_eq!(d.row.procedure, "Thủ tục số 3 về đăng ký và cấp giấy phép");
        assert_eq!(d.row.status_vi, "Đã trả kết quả");
        drop(s);
        let per = Store::file_bytes(&path) as f64 / total as f64;
        assert!(per < 400.0, "{per:.0} bytes per dossier");
    }

    #[test]
    fn a_page_with_a_bad_change_writes_nothing_and_new_kinds_are_skipped() {
        let (_dir, s) = store();
        let bad = page(
            true,
            vec![
                dossier(CODE, "Đã tiếp nhận"),
                json!({"type": "dossier", "code": "000.00.01.H16-251110-0002"}),
            ],
        );
        assert!(s.apply(&bad, true).is_err());
        assert_eq!(s.dossier_count().unwrap(), 0);
        assert_eq!(s.state("cursor").unwrap(), None);
        let bad_centre = page(true, vec![json!({"type": "centre", "hotline": 3})]);
        assert!(s.apply(&bad_centre, true).is_err());
        // A kind a newer server sends is skipped; the rest of the page is applied.
        let newer = page(
            true,
            vec![
                json!({"type": "queue_service", "letter": "A"}),
                dossier(CODE, "x"),
            ],
        );
        s.apply(&newer, true).unwrap();
        assert_eq!(s.dossier_count().unwrap(), 1);
        assert_eq!(s.state("cursor").unwrap().as_deref(), Some("e-0-1"));
    }

    #[test]
    fn a_replica_of_the_first_form_is_dropped_digests_and_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.redb");
        {
            // A kiosk disk as version 1 left it: digest indexes, the hash key, a cursor.
            let db = Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let old: TableDefinition<&str, &[u8]> = TableDefinition::new("dossiers_v1");
                txn.open_table(old)
                    .unwrap()
                    .insert(CODE, b"{}".as_slice())
                    .unwrap();
                let idx: TableDefinition<(&str, &str), ()> = TableDefinition::new("by_citizen_v1");
                txn.open_table(idx)
                    .unwrap()
                    .insert(("digest", CODE), ())
                    .unwrap();
                let mut st = txn.open_table(STATE).unwrap();
                st.insert("hash_key", "00ff").unwrap();
                st.insert("cursor", "e-0-9").unwrap();
                st.insert("token", "device-token").unwrap();
                txn.open_table(OUTBOX)
                    .unwrap()
                    .insert(1, b"{}".as_slice())
                    .unwrap();
            }
            txn.commit().unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.state("hash_key").unwrap(), None);
        assert_eq!(s.state("cursor").unwrap(), None);
        assert_eq!(s.state("token").unwrap().as_deref(), Some("device-token"));
        assert_eq!(s.outbox_depth().unwrap(), 1);
        let txn = s.db.begin_read().unwrap();
        let names: Vec<String> = txn
            .list_tables()
            .unwrap()
            .map(|h| redb::TableHandle::name(&h).to_owned())
            .collect();
        for retired in RETIRED_TABLES {
            assert!(!names.iter().any(|n| n == retired), "{names:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever a server sends as a change, the kiosk answers with an error or applies it;
        /// it never panics, and a refused page leaves the replica as it was.
        #[test]
        fn any_change_text_is_applied_or_refused_whole(text in ".{0,200}", junk in any::<Vec<u8>>()) {
            let (_dir, s) = store();
            s.apply(&page(true, vec![dossier(CODE, "Tiếp nhận")]), true).unwrap();
            for raw in [serde_json::to_string(&text).unwrap(),
                        serde_json::to_string(&json!({"type": text})).unwrap(),
                        serde_json::to_string(&json!({"type": "dossier", "code": text})).unwrap(),
                        serde_json::to_string(&String::from_utf8_lossy(&junk)).unwrap()] {
                let p = RawPage {
                    cursor: "e-0-2".into(),
                    reset: false,
                    more: false,
                    changes: vec![RawValue::from_string(raw).unwrap()],
                };
                let (count, cursor) = (s.dossier_count().unwrap(), s.state("cursor").unwrap());
                if s.apply(&p, false).is_err() {
                    prop_assert_eq!(s.dossier_count().unwrap(), count);
                    prop_assert_eq!(s.state("cursor").unwrap(), cursor);
                }
            }
        }
    }
}
