//! The kiosk's own redb file: the replica of what the change feed sends (dossiers as the privacy
//! projection, the catalogue, agencies, the centre, the kiosk's settings), indexed by code, by
//! citizen-ID digest and by name digest; the outbox of events not yet acknowledged; the sync
//! state (device token, hash key, cursor). Every change of the replica is one transaction, so
//! a power cut leaves it either before or after a page, never half-way.
//!
//! Nothing here is a citizen ID or a full name: dossiers carry a masked name and keyed digests.

use std::path::Path;
use std::sync::Arc;

use std::borrow::Cow;

use motcua_server::api::kiosks::KioskSettings;
use motcua_server::changes::{CentreInfo, Change, KioskDossier};
use motcua_server::model::{Agency, Procedure};
use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
    WriteTransaction,
};
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

const DOSSIERS: TableDefinition<&str, &[u8]> = TableDefinition::new("dossiers_v1");
/// (citizen-ID digest, code).
const BY_CITIZEN: TableDefinition<(&str, &str), ()> = TableDefinition::new("by_citizen_v1");
/// (name digest, code).
const BY_NAME: TableDefinition<(&str, &str), ()> = TableDefinition::new("by_name_v1");
const PROCEDURES: TableDefinition<&str, &[u8]> = TableDefinition::new("procedures_v1");
const AGENCIES: TableDefinition<&str, &[u8]> = TableDefinition::new("agencies_v1");
/// "centre", "settings" → JSON.
const DOCS: TableDefinition<&str, &[u8]> = TableDefinition::new("docs_v1");
/// "token", "hash_key", "cursor", "kiosk_id" → text.
const STATE: TableDefinition<&str, &str> = TableDefinition::new("state_v1");
/// Local sequence → event JSON, until the server acknowledges it.
const OUTBOX: TableDefinition<u64, &[u8]> = TableDefinition::new("outbox_v1");
/// "next_seq" → the next local sequence number.
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters_v1");

/// The page cache: a kiosk box has little memory, and a lookup touches a handful of pages (the
/// OS keeps the file's hot pages anyway).
const CACHE_BYTES: usize = 48 * 1024 * 1024;

/// Most rows a search by citizen ID or name shows.
pub const MAX_ROWS: usize = 20;

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

fn enc<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("plain data serialises")
}

fn dec<T: DeserializeOwned>(b: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(b).map_err(|e| StoreError(e.to_string()))
}

/// A feed page as received: each change kept as its JSON text, so a dossier is stored as it
/// came (no decoding and re-encoding of every dossier of a snapshot).
#[derive(Debug, Deserialize)]
pub struct RawPage {
    pub cursor: String,
    pub reset: bool,
    pub more: bool,
    pub changes: Vec<Box<RawValue>>,
}

/// What the replica reads of a change before keeping it (the rest is skipped unread).
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    citizen_hash: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    name_hash: Option<Cow<'a, str>>,
}

fn head(json: &[u8]) -> Result<Head<'_>, StoreError> {
    serde_json::from_slice(json).map_err(|e| StoreError(format!("a change does not read: {e}")))
}

/// The kiosk's store; cheap to clone, shared by the UI and the sync threads.
#[derive(Clone, Debug)]
pub struct Store {
    db: Arc<Database>,
}

/// An event waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub seq: u64,
    pub json: serde_json::Value,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError(e.to_string()))?;
        }
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(path)?;
        let txn = db.begin_write()?;
        txn.open_table(DOSSIERS)?;
        txn.open_table(BY_CITIZEN)?;
        txn.open_table(BY_NAME)?;
        txn.open_table(PROCEDURES)?;
        txn.open_table(AGENCIES)?;
        txn.open_table(DOCS)?;
        txn.open_table(STATE)?;
        txn.open_table(OUTBOX)?;
        txn.open_table(COUNTERS)?;
        txn.commit()?;
        Ok(Store { db: Arc::new(db) })
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
            txn.delete_table(BY_CITIZEN)?;
            txn.delete_table(BY_NAME)?;
            txn.open_table(STATE)?.insert(INDEXES_PENDING, "1")?;
        }
        // During a snapshot the lookup indexes are left alone and built once at its end:
        // inserting digests in random order, page after page, rewrote most of both index
        // trees at every commit (three quarters of a snapshot's time).
        let pending = txn.open_table(STATE)?.get(INDEXES_PENDING)?.is_some();
        {
            // The dossier tables are opened once per page: a page is mostly dossiers.
            let mut t = Replica {
                dossiers: txn.open_table(DOSSIERS)?,
                by_citizen: txn.open_table(BY_CITIZEN)?,
                by_name: txn.open_table(BY_NAME)?,
                index: !pending,
            };
            for c in &page.changes {
                apply_one(&txn, &mut t, c)?;
            }
        }
        let mut state = txn.open_table(STATE)?;
        state.insert("cursor", page.cursor.as_str())?;
        if pending && !page.more {
            build_indexes(&txn)?;
            state.remove(INDEXES_PENDING)?;
        }
        drop(state);
        txn.commit()?;
        Ok(())
    }

    pub fn dossier(&self, code: &str) -> Result<Option<KioskDossier>, StoreError> {
        let txn = self.db.begin_read()?;
        let t = txn.open_table(DOSSIERS)?;
        let v = t.get(code)?;
        v.map(|v| dec(v.value())).transpose()
    }

    fn by_index(
        &self,
        table: TableDefinition<(&str, &str), ()>,
        digest: &str,
    ) -> Result<Vec<KioskDossier>, StoreError> {
        let txn = self.db.begin_read()?;
        let idx = txn.open_table(table)?;
        let dossiers = txn.open_table(DOSSIERS)?;
        let mut out = Vec::new();
        for item in idx.range((digest, "")..)? {
            let (k, _) = item?;
            let (d, code) = k.value();
            if d != digest || out.len() == MAX_ROWS {
                break;
            }
            if let Some(v) = dossiers.get(code)? {
                out.push(dec(v.value())?);
            }
        }
        // Newest first.
        out.sort_by_key(|d: &KioskDossier| std::cmp::Reverse(d.detail.row.received_at));
        Ok(out)
    }

    pub fn by_citizen(&self, digest: &str) -> Result<Vec<KioskDossier>, StoreError> {
        self.by_index(BY_CITIZEN, digest)
    }

    pub fn by_name(&self, digest: &str) -> Result<Vec<KioskDossier>, StoreError> {
        self.by_index(BY_NAME, digest)
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

    /// Put an event in the outbox under the next local sequence number; that number.
    /// `make` receives the sequence (events carry it, and feedback codes derive from it).
    pub fn enqueue(
        &self,
        make: impl FnOnce(u64) -> serde_json::Value,
    ) -> Result<(u64, serde_json::Value), StoreError> {
        let txn = self.db.begin_write()?;
        let (seq, json) = {
            let mut c = txn.open_table(COUNTERS)?;
            let seq = c.get("next_seq")?.map(|v| v.value()).unwrap_or(1);
            c.insert("next_seq", seq + 1)?;
            let json = make(seq);
            txn.open_table(OUTBOX)?.insert(seq, enc(&json).as_slice())?;
            (seq, json)
        };
        txn.commit()?;
        Ok((seq, json))
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
}

/// The dossier tables of a write transaction.
struct Replica<'t> {
    dossiers: redb::Table<'t, &'static str, &'static [u8]>,
    by_citizen: redb::Table<'t, (&'static str, &'static str), ()>,
    by_name: redb::Table<'t, (&'static str, &'static str), ()>,
    /// Keep the indexes (false while a snapshot is written: they are built at its end).
    index: bool,
}

/// `state` key present while a snapshot's dossiers are written without their index entries.
const INDEXES_PENDING: &str = "indexes_pending";

/// Index entries sorted and inserted together by [`build_indexes`].
const INDEX_RUN: usize = 50_000;

/// Fill both lookup indexes from every stored dossier, in one transaction: entries are
/// gathered a run at a time, sorted, and inserted in key order.
fn build_indexes(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.delete_table(BY_CITIZEN)?;
    txn.delete_table(BY_NAME)?;
    let dossiers = txn.open_table(DOSSIERS)?;
    let mut by_citizen = txn.open_table(BY_CITIZEN)?;
    let mut by_name = txn.open_table(BY_NAME)?;
    let mut all = dossiers.iter()?.peekable();
    while all.peek().is_some() {
        let mut citizen = Vec::with_capacity(INDEX_RUN);
        let mut name = Vec::with_capacity(INDEX_RUN);
        for item in all.by_ref().take(INDEX_RUN) {
            let (code, json) = item?;
            let h = head(json.value())?;
            let code = code.value().to_owned();
            if let Some(c) = h.citizen_hash {
                citizen.push((c.into_owned(), code.clone()));
            }
            if let Some(n) = h.name_hash {
                name.push((n.into_owned(), code));
            }
        }
        citizen.sort_unstable();
        name.sort_unstable();
        for (d, code) in &citizen {
            by_citizen.insert((d.as_str(), code.as_str()), ())?;
        }
        for (d, code) in &name {
            by_name.insert((d.as_str(), code.as_str()), ())?;
        }
    }
    Ok(())
}

fn apply_one(
    txn: &WriteTransaction,
    t: &mut Replica<'_>,
    raw: &RawValue,
) -> Result<(), StoreError> {
    let json = raw.get().as_bytes();
    let h = head(json)?;
    match h.kind.as_ref() {
        "dossier" => {
            let (Some(code), Some(citizen), Some(name)) = (&h.code, &h.citizen_hash, &h.name_hash)
            else {
                return Err(StoreError("a dossier without its code or digests".into()));
            };
            let old = t.dossiers.insert(code.as_ref(), json)?;
            if t.index {
                if let Some(old) = old {
                    unindex(&mut t.by_citizen, &mut t.by_name, code, old.value())?;
                }
                t.by_citizen.insert((citizen.as_ref(), code.as_ref()), ())?;
                t.by_name.insert((name.as_ref(), code.as_ref()), ())?;
            }
            Ok(())
        }
        "dossier_removed" => {
            let Some(code) = &h.code else {
                return Err(StoreError("a removal without its code".into()));
            };
            if let Some(old) = t.dossiers.remove(code.as_ref())? {
                if t.index {
                    unindex(&mut t.by_citizen, &mut t.by_name, code, old.value())?;
                }
            }
            Ok(())
        }
        _ => apply_other(txn, &dec::<Change>(json)?),
    }
}

/// Drop the index entries of a dossier as it was stored (`old`).
fn unindex(
    by_citizen: &mut redb::Table<'_, (&'static str, &'static str), ()>,
    by_name: &mut redb::Table<'_, (&'static str, &'static str), ()>,
    code: &str,
    old: &[u8],
) -> Result<(), StoreError> {
    let o = head(old)?;
    if let Some(c) = &o.citizen_hash {
        by_citizen.remove((c.as_ref(), code))?;
    }
    if let Some(n) = &o.name_hash {
        by_name.remove((n.as_ref(), code))?;
    }
    Ok(())
}

/// The catalogue, agencies, the centre and the settings: few, decoded and stored as typed.
fn apply_other(txn: &WriteTransaction, c: &Change) -> Result<(), StoreError> {
    match c {
        Change::Dossier(_) | Change::DossierRemoved { .. } => {}
        Change::Procedure(p) => {
            txn.open_table(PROCEDURES)?
                .insert(p.id.as_str(), enc(p.as_ref()).as_slice())?;
        }
        Change::Agency(a) => {
            txn.open_table(AGENCIES)?
                .insert(a.code.as_str(), enc(a.as_ref()).as_slice())?;
        }
        Change::Centre(c) => {
            txn.open_table(DOCS)?
                .insert("centre", enc(c.as_ref()).as_slice())?;
        }
        Change::Config(s) => {
            txn.open_table(DOCS)?
                .insert("settings", enc(s).as_slice())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn dossier(code: &str, citizen: &str, name: &str, step: &str) -> serde_json::Value {
        json!({"type": "dossier", "code": code, "procedure": "Cấp Phiếu lý lịch tư pháp",
            "masked_name": "Nguyễn V. A.", "received_at": "2025-11-10T09:00:00+07:00",
            "appointment": "2025-11-24T09:00:00+07:00", "status": 3,
            "status_vi": "Đang giải quyết", "status_en": "In progress", "channel": "direct",
            "agency": "Sở Tư pháp", "step_vi": step, "step_en": step,
            "timeliness": null, "overdue": false, "next": {"type": "wait"},
            "next_vi": "", "next_en": "", "apology": null, "timeline": [],
            "procedure_id": "2.001193.000.00.10.H16", "step": "assigned", "open": true,
            "agency_code": "000.00.10.H16", "receiving_agency": "000.00.01.H16",
            "citizen_hash": citizen, "name_hash": name, "secret_hash": "s"})
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
    fn a_snapshot_builds_its_indexes_once_at_its_end() {
        let (_dir, s) = store();
        let code = |i: usize| format!("000.00.01.H16-251110-{i:04}");
        let mut first = page(
            true,
            (0..300)
                .map(|i| dossier(&code(i), &format!("c{}", i % 37), &format!("n{i}"), "x"))
                .collect(),
        );
        first.more = true;
        s.apply(&first, false).unwrap();
        // Mid-snapshot: dossiers are there, lookups by digest wait for the end.
        assert_eq!(s.dossier_count().unwrap(), 300);
        assert!(s.by_citizen("c1").unwrap().is_empty());
        let mut middle = page(
            false,
            vec![
                dossier(&code(300), "c1", "n300", "x"),
                json!({"type": "dossier_removed", "code": code(1)}),
                dossier(&code(8), "c-new", "n8", "y"),
            ],
        );
        middle.more = true;
        s.apply(&middle, false).unwrap();
        assert!(s.by_name("n300").unwrap().is_empty());
        s.apply(&page(false, vec![]), true).unwrap();
        // At its end every dossier is found by its digests, as last sent.
        let mut c1: Vec<String> = s
            .by_citizen("c1")
            .unwrap()
            .into_iter()
            .map(|d| d.detail.row.code)
            .collect();
        c1.sort();
        let expected: Vec<String> = (0..300)
            .filter(|i| i % 37 == 1 && *i != 1)
            .chain([300])
            .map(code)
            .collect();
        assert_eq!(c1, expected);
        assert_eq!(s.by_citizen("c-new").unwrap().len(), 1);
        assert!(
            !s.by_citizen("c8")
                .unwrap()
                .iter()
                .any(|d| d.detail.row.code == code(8))
        );
        assert!(s.by_name("n1").unwrap().is_empty());
        assert_eq!(s.by_name("n299").unwrap().len(), 1);
        // Pages after it keep the indexes as they go.
        s.apply(&page(false, vec![dossier(&code(2), "c1", "n2", "z")]), true)
            .unwrap();
        assert_eq!(s.by_citizen("c1").unwrap().len(), expected.len() + 1);
        let in_c2 = s.by_citizen("c2").unwrap();
        assert!(!in_c2.iter().any(|d| d.detail.row.code == code(2)));
    }

    #[test]
    fn a_dossier_kept_as_received_follows_its_changes() {
        let (_dir, s) = store();
        s.apply(
            &page(true, vec![dossier(CODE, "c1", "n1", "Tiếp nhận")]),
            true,
        )
        .unwrap();
        assert_eq!(
            s.dossier(CODE).unwrap().unwrap().detail.step_vi,
            "Tiếp nhận"
        );
        assert_eq!(s.by_citizen("c1").unwrap().len(), 1);

        // New digests (a new hash key, a corrected name): the old index entries go.
        // Not flushed (a snapshot's middle page): read back all the same.
        s.apply(
            &page(false, vec![dossier(CODE, "c2", "n2", "Đang xử lý")]),
            false,
        )
        .unwrap();
        assert_eq!(
            s.dossier(CODE).unwrap().unwrap().detail.step_vi,
            "Đang xử lý"
        );
        assert!(s.by_citizen("c1").unwrap().is_empty());
        assert!(s.by_name("n1").unwrap().is_empty());
        assert_eq!(s.by_name("n2").unwrap().len(), 1);

        s.apply(
            &page(
                false,
                vec![json!({"type": "dossier_removed", "code": CODE})],
            ),
            true,
        )
        .unwrap();
        assert!(s.dossier(CODE).unwrap().is_none());
        assert!(s.by_citizen("c2").unwrap().is_empty());
        assert_eq!(s.dossier_count().unwrap(), 0);
    }

    #[test]
    fn a_page_with_a_bad_change_writes_nothing() {
        let (_dir, s) = store();
        let bad = page(
            true,
            vec![
                dossier(CODE, "c1", "n1", "Tiếp nhận"),
                json!({"type": "dossier", "code": "000.00.01.H16-251110-0002"}),
            ],
        );
        assert!(s.apply(&bad, true).is_err());
        assert_eq!(s.dossier_count().unwrap(), 0);
        assert_eq!(s.state("cursor").unwrap(), None);
        let unknown = page(true, vec![json!({"type": "weather", "sky": "blue"})]);
        assert!(s.apply(&unknown, true).is_err());
        assert_eq!(s.state("cursor").unwrap(), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever a server sends as a change, the kiosk answers with an error or applies it;
        /// it never panics, and a refused page leaves the replica as it was.
        #[test]
        fn any_change_text_is_applied_or_refused_whole(text in ".{0,200}", junk in any::<Vec<u8>>()) {
            let (_dir, s) = store();
            s.apply(&page(true, vec![dossier(CODE, "c1", "n1", "Tiếp nhận")]), true).unwrap();
            for raw in [serde_json::to_string(&text).unwrap(),
                        serde_json::to_string(&json!({"type": text})).unwrap(),
                        serde_json::to_string(&String::from_utf8_lossy(&junk)).unwrap()] {
                let p = RawPage {
                    cursor: "e-0-2".into(),
                    reset: false,
                    more: false,
                    changes: vec![RawValue::from_string(raw).unwrap()],
                };
                if s.apply(&p, false).is_err() {
                    prop_assert_eq!(s.dossier_count().unwrap(), 1);
                    prop_assert_eq!(s.state("cursor").unwrap(), Some("e-0-1".to_owned()));
                }
            }
        }
    }
}
