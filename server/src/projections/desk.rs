//! The desk's piles, kept by every write: for each receiving desk, the dossiers still to
//! transfer (by transfer deadline, so the late ones come first), those waiting for the
//! applicant's supplement or fees, and the results to hand back. A desk's worklist is then a few
//! short range reads, however many dossiers the store holds.
//!
//! [`FORMAT`] is stored in `meta`; a store whose piles were made by another format (or none) has
//! them made again when it opens ([`rebuild`]).

use motcua_core::Step;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};

use crate::db::model::DossierRecord;
use crate::db::{DOSSIERS, Error, META, decode};

/// (receiving desk, pile, sort key — Unix seconds —, code) → ().
pub const DESK_PILES: TableDefinition<(&str, u8, i64, &str), ()> =
    TableDefinition::new("desk_piles_v1");

/// Bump when what goes in a pile changes: the piles are made again at open.
pub const FORMAT: u8 = 1;
const META_KEY: &str = "desk_piles_format";
const REBUILD_BATCH: usize = 20_000;

/// A pile of the desk's worklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Pile {
    /// Received, not yet transferred to the competent agency (by transfer deadline).
    ToTransfer = 0,
    /// Waiting for the applicant's supplement (since when).
    Supplement = 1,
    /// Waiting for fees or taxes (since when).
    Fees = 2,
    /// The result is at the desk, to hand back (since when).
    ToReturn = 3,
}

impl Pile {
    pub const ALL: [Pile; 4] = [
        Pile::ToTransfer,
        Pile::Supplement,
        Pile::Fees,
        Pile::ToReturn,
    ];
}

/// The pile `rec` is in, and its sort key; none when the desk has nothing to do with it.
pub fn pile_of(rec: &DossierRecord) -> Option<(Pile, i64)> {
    let st = &rec.state;
    let since = st.paused_at.unwrap_or(st.received_at).timestamp();
    match st.step {
        Step::SubmittedOnline | Step::ReceivedDirect | Step::ReceivedPostal
            if st.transferred_at.is_none() =>
        {
            Some((Pile::ToTransfer, st.transfer_due.timestamp()))
        }
        Step::SupplementRequested => Some((Pile::Supplement, since)),
        Step::FeeRequested => Some((Pile::Fees, since)),
        Step::ResultReady => Some((Pile::ToReturn, st.finished_at.unwrap_or(st.due).timestamp())),
        _ => None,
    }
}

fn insert(
    t: &mut redb::Table<(&str, u8, i64, &str), ()>,
    rec: &DossierRecord,
) -> Result<(), Error> {
    if let Some((pile, key)) = pile_of(rec) {
        t.insert(
            (
                rec.receiving_agency.as_str(),
                pile as u8,
                key,
                rec.code.as_str(),
            ),
            (),
        )?;
    }
    Ok(())
}

/// Keep the piles in step with a write of `new` (that was `old`).
pub fn put(
    txn: &WriteTransaction,
    old: Option<&DossierRecord>,
    new: &DossierRecord,
) -> Result<(), Error> {
    let (before, after) = (old.and_then(pile_of), pile_of(new));
    if old.is_some_and(|o| o.receiving_agency == new.receiving_agency) && before == after {
        return Ok(());
    }
    let mut t = txn.open_table(DESK_PILES)?;
    if let (Some(o), Some((pile, key))) = (old, before) {
        t.remove((
            o.receiving_agency.as_str(),
            pile as u8,
            key,
            o.code.as_str(),
        ))?;
    }
    insert(&mut t, new)
}

/// Add the piles of new dossiers.
pub fn add_new(txn: &WriteTransaction, new: &[&DossierRecord]) -> Result<(), Error> {
    let mut t = txn.open_table(DESK_PILES)?;
    for rec in new {
        insert(&mut t, rec)?;
    }
    Ok(())
}

/// Make the piles again when they were made by another format; how many dossiers were read.
pub fn rebuild(db: &Database) -> Result<usize, Error> {
    {
        let txn = db.begin_read()?;
        let meta = txn.open_table(META)?;
        if meta
            .get(META_KEY)?
            .is_some_and(|v| v.value() == FORMAT.to_string())
        {
            return Ok(0);
        }
    }
    {
        let txn = db.begin_write()?;
        txn.delete_table(DESK_PILES)?;
        txn.open_table(DESK_PILES)?;
        txn.commit()?;
    }
    let mut after: Option<String> = None;
    let mut read = 0;
    loop {
        let txn = db.begin_write()?;
        let last = {
            let dossiers = txn.open_table(DOSSIERS)?;
            let mut t = txn.open_table(DESK_PILES)?;
            let range = match &after {
                Some(a) => dossiers.range::<&str>((
                    std::ops::Bound::Excluded(a.as_str()),
                    std::ops::Bound::Unbounded,
                ))?,
                None => dossiers.range::<&str>(..)?,
            };
            let mut last = None;
            for item in range.take(REBUILD_BATCH) {
                let rec: DossierRecord = decode(item?.1.value())?;
                insert(&mut t, &rec)?;
                read += 1;
                last = Some(rec.code);
            }
            last
        };
        match last {
            Some(code) => {
                after = Some(code);
                txn.commit()?;
            }
            None => {
                txn.open_table(META)?
                    .insert(META_KEY, FORMAT.to_string().as_str())?;
                txn.commit()?;
                break;
            }
        }
    }
    if read > 0 {
        tracing::info!(read, "the desks' piles made");
    }
    Ok(read)
}

/// Dossiers a pile is counted to at most (a desk's piles hold hundreds; past this the count
/// says "more than").
pub const COUNT_CAP: usize = 10_000;

/// The codes of a desk's pile in order, `limit` at most, and how many it holds (up to
/// [`COUNT_CAP`]).
pub fn read(
    txn: &redb::ReadTransaction,
    desk: &str,
    pile: Pile,
    limit: usize,
) -> Result<(Vec<String>, usize), Error> {
    let t = txn.open_table(DESK_PILES)?;
    let p = pile as u8;
    let mut codes = Vec::new();
    let mut count = 0;
    for item in t.range((desk, p, i64::MIN, "")..=(desk, p, i64::MAX, "~"))? {
        let (k, _) = item?;
        if codes.len() < limit {
            codes.push(k.value().3.to_owned());
        }
        count += 1;
        if count >= COUNT_CAP {
            break;
        }
    }
    Ok((codes, count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Store;
    use motcua_core::Calendar;

    /// Every (desk, pile, key, code) the piles hold.
    fn all(db: &Database) -> Vec<(String, u8, i64, String)> {
        let txn = db.begin_read().unwrap();
        let t = txn.open_table(DESK_PILES).unwrap();
        t.iter()
            .unwrap()
            .map(|item| {
                let (k, _) = item.unwrap();
                let (a, p, s, c) = k.value();
                (a.to_owned(), p, s, c.to_owned())
            })
            .collect()
    }

    #[test]
    fn the_piles_follow_the_records_and_are_made_again_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            dir.path(),
            64 << 20,
            std::sync::Arc::new(super::super::Projections),
        )
        .unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-27T09:30:00+07:00").unwrap();
        crate::seed::seed_demo(&store, &Calendar::vietnam_default(), now, 300).unwrap();
        let db = store.database();
        let mut expected: Vec<(String, u8, i64, String)> = {
            let txn = db.begin_read().unwrap();
            txn.open_table(DOSSIERS)
                .unwrap()
                .iter()
                .unwrap()
                .filter_map(|item| {
                    let rec: DossierRecord = decode(item.unwrap().1.value()).unwrap();
                    pile_of(&rec).map(|(p, k)| {
                        (
                            rec.receiving_agency.to_string(),
                            p as u8,
                            k,
                            rec.code.clone(),
                        )
                    })
                })
                .collect()
        };
        expected.sort();
        assert!(
            Pile::ALL
                .iter()
                .filter(|p| expected.iter().any(|e| e.1 == **p as u8))
                .count()
                >= 3,
            "the demo fills most piles"
        );
        assert_eq!(all(db), expected);
        assert_eq!(rebuild(db).unwrap(), 0, "piles of this format are kept");
        let txn = db.begin_write().unwrap();
        txn.open_table(META).unwrap().remove(META_KEY).unwrap();
        txn.open_table(DESK_PILES)
            .unwrap()
            .insert(("000.00.01.H16", 0, 0, "stale"), ())
            .unwrap();
        txn.commit().unwrap();
        assert!(rebuild(db).unwrap() >= 300);
        assert_eq!(all(db), expected, "made again, the stale entry gone");
    }
}
