//! The desks' and agencies' piles, kept by every write: for each receiving desk, the dossiers
//! still to transfer (by transfer deadline, so the late ones come first), those waiting for the
//! applicant's supplement or fees, and the results to hand back; for each competent agency, what
//! waits for assignment or approval and each officer's dossiers by legal due instant (overdue
//! first), the paused ones apart. A worklist is then a few short range reads, however many
//! dossiers the store holds.
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

/// (competent agency, pile, officer — "" for the agency's own piles —, sort key, code) → ().
pub const AGENCY_PILES: TableDefinition<(&str, u8, &str, i64, &str), ()> =
    TableDefinition::new("agency_piles_v1");

/// Bump when what goes in a pile changes: the piles are made again at open.
pub const FORMAT: u8 = 2;
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
        Step::ResultReady | Step::Rejected => {
            Some((Pile::ToReturn, st.finished_at.unwrap_or(st.due).timestamp()))
        }
        _ => None,
    }
}

/// A pile of an agency's worklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum AgencyPile {
    /// Transferred, waiting for the head to assign an officer (by legal due instant).
    ToAssign = 0,
    /// With an officer: appraisal, opinions, verification, a decision to send to the desk (by
    /// legal due instant, so the overdue come first).
    Working = 1,
    /// Paused: waiting for the applicant's supplement, fees, or stopped (since when).
    Paused = 2,
    /// Submitted to the head for decision (by legal due instant).
    ToApprove = 3,
}

impl AgencyPile {
    pub const ALL: [AgencyPile; 4] = [
        AgencyPile::ToAssign,
        AgencyPile::Working,
        AgencyPile::Paused,
        AgencyPile::ToApprove,
    ];
}

/// The agency pile `rec` is in, its officer ("" for none) and its sort key; none before the
/// transfer and once the result has left the agency.
pub fn agency_pile_of(rec: &DossierRecord) -> Option<(AgencyPile, &str, i64)> {
    let st = &rec.state;
    st.agency.as_ref()?;
    let officer = st.assignee.as_deref().unwrap_or("");
    let due = st.legal_due().timestamp();
    match st.step {
        Step::AcceptedTransferred => Some((AgencyPile::ToAssign, "", due)),
        Step::Assigned | Step::Consulting | Step::VerificationScheduled | Step::Approved => {
            Some((AgencyPile::Working, officer, due))
        }
        Step::SupplementRequested | Step::FeeRequested | Step::Stopped => Some((
            AgencyPile::Paused,
            officer,
            st.paused_at.unwrap_or(st.received_at).timestamp(),
        )),
        Step::AwaitingApproval => Some((AgencyPile::ToApprove, "", due)),
        _ => None,
    }
}

fn insert_agency(
    t: &mut redb::Table<(&str, u8, &str, i64, &str), ()>,
    rec: &DossierRecord,
) -> Result<(), Error> {
    if let (Some(agency), Some((pile, officer, key))) = (&rec.state.agency, agency_pile_of(rec)) {
        t.insert(
            (agency.as_str(), pile as u8, officer, key, rec.code.as_str()),
            (),
        )?;
    }
    Ok(())
}

fn put_agency(
    txn: &WriteTransaction,
    old: Option<&DossierRecord>,
    new: &DossierRecord,
) -> Result<(), Error> {
    let before = old.and_then(|o| Some((o.state.agency.as_ref()?, agency_pile_of(o)?)));
    let after = new.state.agency.as_ref().zip(agency_pile_of(new));
    if before == after {
        return Ok(());
    }
    let mut t = txn.open_table(AGENCY_PILES)?;
    if let (Some(o), Some((agency, (pile, officer, key)))) = (old, before) {
        t.remove((agency.as_str(), pile as u8, officer, key, o.code.as_str()))?;
    }
    insert_agency(&mut t, new)
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
    put_agency(txn, old, new)?;
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
    let mut a = txn.open_table(AGENCY_PILES)?;
    for rec in new {
        insert(&mut t, rec)?;
        insert_agency(&mut a, rec)?;
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
        txn.delete_table(AGENCY_PILES)?;
        txn.open_table(AGENCY_PILES)?;
        txn.commit()?;
    }
    let mut after: Option<String> = None;
    let mut read = 0;
    loop {
        let txn = db.begin_write()?;
        let last = {
            let dossiers = txn.open_table(DOSSIERS)?;
            let mut t = txn.open_table(DESK_PILES)?;
            let mut a = txn.open_table(AGENCY_PILES)?;
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
                insert_agency(&mut a, &rec)?;
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

/// The codes of an agency's pile (of one officer, or "" for the agency's own piles) in order,
/// `limit` at most, and how many it holds (up to [`COUNT_CAP`]).
pub fn read_agency(
    txn: &redb::ReadTransaction,
    agency: &str,
    pile: AgencyPile,
    officer: &str,
    limit: usize,
) -> Result<(Vec<String>, usize), Error> {
    let t = txn.open_table(AGENCY_PILES)?;
    let p = pile as u8;
    let mut codes = Vec::new();
    let mut count = 0;
    for item in t.range((agency, p, officer, i64::MIN, "")..=(agency, p, officer, i64::MAX, "~"))? {
        let (k, _) = item?;
        if codes.len() < limit {
            codes.push(k.value().4.to_owned());
        }
        count += 1;
        if count >= COUNT_CAP {
            break;
        }
    }
    Ok((codes, count))
}

/// How many of an agency's pile each officer holds (up to [`COUNT_CAP`] in all), by account.
pub fn officers_load(
    txn: &redb::ReadTransaction,
    agency: &str,
    pile: AgencyPile,
) -> Result<Vec<(String, usize)>, Error> {
    let t = txn.open_table(AGENCY_PILES)?;
    let p = pile as u8;
    let mut out: Vec<(String, usize)> = Vec::new();
    for (n, item) in t
        .range((agency, p, "", i64::MIN, "")..=(agency, p, "\u{10ffff}", i64::MAX, "~"))?
        .enumerate()
    {
        if n >= COUNT_CAP {
            break;
        }
        let (k, _) = item?;
        let officer = k.value().2;
        match out.last_mut() {
            Some((o, c)) if o == officer => *c += 1,
            _ => out.push((officer.to_owned(), 1)),
        }
    }
    Ok(out)
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

    /// Every (agency, pile, officer, key, code) the agencies' piles hold.
    fn all_agency(db: &Database) -> Vec<(String, u8, String, i64, String)> {
        let txn = db.begin_read().unwrap();
        let t = txn.open_table(AGENCY_PILES).unwrap();
        t.iter()
            .unwrap()
            .map(|item| {
                let (k, _) = item.unwrap();
                let (a, p, o, s, c) = k.value();
                (a.to_owned(), p, o.to_owned(), s, c.to_owned())
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
        let mut expected_agency: Vec<(String, u8, String, i64, String)> = {
            let txn = db.begin_read().unwrap();
            txn.open_table(DOSSIERS)
                .unwrap()
                .iter()
                .unwrap()
                .filter_map(|item| {
                    let rec: DossierRecord = decode(item.unwrap().1.value()).unwrap();
                    let agency = rec.state.agency.clone()?;
                    agency_pile_of(&rec).map(|(p, o, k)| {
                        (
                            agency.to_string(),
                            p as u8,
                            o.to_owned(),
                            k,
                            rec.code.clone(),
                        )
                    })
                })
                .collect()
        };
        expected_agency.sort();
        assert!(
            AgencyPile::ALL
                .iter()
                .filter(|p| expected_agency.iter().any(|e| e.1 == **p as u8))
                .count()
                >= 3,
            "the demo fills most agency piles"
        );
        assert_eq!(all_agency(db), expected_agency);
        assert!(
            expected_agency
                .iter()
                .any(|e| e.1 == AgencyPile::Working as u8 && !e.2.is_empty()),
            "officers hold dossiers"
        );
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
        assert_eq!(all_agency(db), expected_agency);
    }
}
