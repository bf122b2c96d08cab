//! Dossiers in the store: the record, its indexes (status, agency, citizen ID, folded name, due
//! instant) and per-status counters, kept in step by every write; bulk loading.

use redb::{ReadableTable, WriteTransaction};

use super::model::DossierRecord;
use super::tables::{
    DOSSIERS, IDX_AGENCY, IDX_CITIZEN, IDX_DUE, IDX_NAME, IDX_STATUS, STATUS_COUNTS,
};
use super::{Error, Tx, changes, encode};

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
            due: s.is_open().then(|| s.legal_due().timestamp()),
        }
    }
}

fn bump(counts: &mut redb::Table<u8, u64>, status: u8, delta: i64) -> Result<(), Error> {
    let n = counts.get(status)?.map(|v| v.value()).unwrap_or(0);
    counts.insert(status, n.saturating_add_signed(delta))?;
    Ok(())
}

/// Write a dossier and keep the store's own indexes and the change feed in step (the
/// projections' tables are [`super::Hooks`]'). `old` is the record it replaces.
pub(super) fn put(tx: &Tx, old: Option<&DossierRecord>, new: &DossierRecord) -> Result<(), Error> {
    let txn: &WriteTransaction = tx;
    let code = new.code.as_str();
    txn.open_table(DOSSIERS)?
        .insert(code, encode(new)?.as_slice())?;
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
    changes::record(
        tx,
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

/// `f` of every item, the items split across the cores (the CPU work of bulk loading and of
/// making ready forms again); the results in the items' order.
pub fn on_every_core<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, Error> + Sync,
) -> Result<Vec<R>, Error> {
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
                    .map_err(|_| Error::new("a worker thread failed"))??,
            );
        }
        Ok(out)
    })
}

/// Insert many new dossiers at once (bulk loading, outside the writer): each table is opened
/// once and filled in key order, which keeps B-tree writes local; the projections fill theirs
/// through `hooks`. The codes must be new.
pub fn insert_new(
    txn: &WriteTransaction,
    hooks: &dyn super::Hooks,
    items: &[DossierRecord],
) -> Result<(), Error> {
    let keys: Vec<IndexKeys> = items.iter().map(IndexKeys::of).collect();
    {
        let mut sorted: Vec<(&DossierRecord, &IndexKeys)> = items.iter().zip(&keys).collect();
        sorted.sort_by(|a, b| a.0.code.cmp(&b.0.code));
        let packed = on_every_core(&sorted, |(r, _)| encode(r))?;
        let mut t = txn.open_table(DOSSIERS)?;
        for ((r, _), record) in sorted.iter().zip(&packed) {
            t.insert(r.code.as_str(), record.as_slice())?;
        }
        drop(t);
        changes::record_new(
            txn,
            sorted
                .iter()
                .map(|(r, k)| (changes::Key::Dossier(r.code.clone()), k.agencies.clone())),
        )?;
    }
    hooks.on_bulk(txn, items)?;
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
