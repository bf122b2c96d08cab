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

/// How many dossiers each pile holds: (desk or agency, pile — a desk's 0–9, an agency's
/// [`AGENCY`] + pile —, officer or "") → count. A worklist's counts are then one read each.
pub const PILE_COUNTS: TableDefinition<(&str, u8, &str), u64> =
    TableDefinition::new("pile_counts_v1");

/// Where an agency's piles start in [`PILE_COUNTS`].
const AGENCY: u8 = 10;

/// Bump when what goes in a pile changes: the piles are made again at open.
pub const FORMAT: u8 = 5;

/// Add `delta` to a pile's count.
fn count(
    t: &mut redb::Table<(&str, u8, &str), u64>,
    unit: &str,
    pile: u8,
    officer: &str,
    delta: i64,
) -> Result<(), Error> {
    let now = t
        .get((unit, pile, officer))?
        .map(|v| v.value())
        .unwrap_or(0);
    let next = now.saturating_add_signed(delta);
    if next == 0 {
        t.remove((unit, pile, officer))?;
    } else {
        t.insert((unit, pile, officer), next)?;
    }
    Ok(())
}
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
    /// A supplement notice the agency head approved, for the desk to send (Art. 20.2), by
    /// legal due instant — its clock runs until it is sent.
    ToNotify = 4,
}

impl Pile {
    pub const ALL: [Pile; 5] = [
        Pile::ToTransfer,
        Pile::ToNotify,
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
        Step::SubmittedOnline
        | Step::ReceivedDirect
        | Step::ReceivedPostal
        | Step::ReceivedOnline
            if st.transferred_at.is_none() =>
        {
            Some((Pile::ToTransfer, st.transfer_due.timestamp()))
        }
        Step::SupplementRequested => Some((Pile::Supplement, since)),
        Step::NoticeApproved => Some((Pile::ToNotify, st.legal_due().timestamp())),
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
    /// Another agency's dossiers whose opinion this agency was asked for (Art. 10.1b), by the
    /// opinion's deadline.
    Consulted = 4,
    /// Joint (liên thông) dossiers led by another agency where this agency's part is still to do
    /// (Art. 10.1d), by the part's deadline.
    Joint = 5,
}

impl AgencyPile {
    pub const ALL: [AgencyPile; 6] = [
        AgencyPile::ToAssign,
        AgencyPile::Working,
        AgencyPile::Paused,
        AgencyPile::ToApprove,
        AgencyPile::Consulted,
        AgencyPile::Joint,
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
        Step::Assigned
        | Step::Consulting
        | Step::VerificationScheduled
        | Step::Approved
        | Step::NoticeApproved => Some((AgencyPile::Working, officer, due)),
        Step::SupplementRequested | Step::FeeRequested | Step::Stopped => Some((
            AgencyPile::Paused,
            officer,
            st.paused_at.unwrap_or(st.received_at).timestamp(),
        )),
        Step::AwaitingApproval => Some((AgencyPile::ToApprove, "", due)),
        _ => None,
    }
}

/// Every entry `rec` has in the agencies' piles: (agency, pile, officer, sort key) — its place
/// in the handling agency's piles, and one in each consulted agency's pile for every opinion
/// still awaited.
fn agency_entries(rec: &DossierRecord) -> Vec<(String, u8, String, i64)> {
    let mut out = Vec::new();
    if let (Some(agency), Some((pile, officer, key))) = (&rec.state.agency, agency_pile_of(rec)) {
        out.push((agency.to_string(), pile as u8, officer.to_owned(), key));
    }
    if !rec.state.step.is_closed() {
        for c in rec
            .state
            .consultations
            .iter()
            .filter(|c| c.answer.is_none())
        {
            out.push((
                c.agency.to_string(),
                AgencyPile::Consulted as u8,
                String::new(),
                c.deadline.timestamp(),
            ));
        }
        for j in rec.state.joint.iter().filter(|j| j.result.is_none()) {
            out.push((
                j.agency.to_string(),
                AgencyPile::Joint as u8,
                String::new(),
                j.deadline.timestamp(),
            ));
        }
    }
    out
}

fn insert_agency(
    t: &mut redb::Table<(&str, u8, &str, i64, &str), ()>,
    n: &mut redb::Table<(&str, u8, &str), u64>,
    rec: &DossierRecord,
) -> Result<(), Error> {
    for (agency, pile, officer, key) in agency_entries(rec) {
        let fresh = t
            .insert(
                (
                    agency.as_str(),
                    pile,
                    officer.as_str(),
                    key,
                    rec.code.as_str(),
                ),
                (),
            )?
            .is_none();
        if fresh {
            count(n, agency.as_str(), AGENCY + pile, &officer, 1)?;
        }
    }
    Ok(())
}

fn put_agency(
    txn: &WriteTransaction,
    old: Option<&DossierRecord>,
    new: &DossierRecord,
) -> Result<(), Error> {
    let before = old.map(agency_entries).unwrap_or_default();
    let after = agency_entries(new);
    if before == after {
        return Ok(());
    }
    let mut t = txn.open_table(AGENCY_PILES)?;
    let mut n = txn.open_table(PILE_COUNTS)?;
    if let Some(o) = old {
        for (agency, pile, officer, key) in &before {
            if t.remove((
                agency.as_str(),
                *pile,
                officer.as_str(),
                *key,
                o.code.as_str(),
            ))?
            .is_some()
            {
                count(&mut n, agency.as_str(), AGENCY + pile, officer, -1)?;
            }
        }
    }
    insert_agency(&mut t, &mut n, new)
}

fn insert(
    t: &mut redb::Table<(&str, u8, i64, &str), ()>,
    n: &mut redb::Table<(&str, u8, &str), u64>,
    rec: &DossierRecord,
) -> Result<(), Error> {
    if let Some((pile, key)) = pile_of(rec) {
        let desk = rec.receiving_agency.as_str();
        t.insert((desk, pile as u8, key, rec.code.as_str()), ())?;
        count(n, desk, pile as u8, "", 1)?;
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
    let mut n = txn.open_table(PILE_COUNTS)?;
    if let (Some(o), Some((pile, key))) = (old, before) {
        let desk = o.receiving_agency.as_str();
        if t.remove((desk, pile as u8, key, o.code.as_str()))?
            .is_some()
        {
            count(&mut n, desk, pile as u8, "", -1)?;
        }
    }
    insert(&mut t, &mut n, new)
}

/// Add the piles of new dossiers.
pub fn add_new(txn: &WriteTransaction, new: &[&DossierRecord]) -> Result<(), Error> {
    let mut t = txn.open_table(DESK_PILES)?;
    let mut a = txn.open_table(AGENCY_PILES)?;
    let mut n = txn.open_table(PILE_COUNTS)?;
    for rec in new {
        insert(&mut t, &mut n, rec)?;
        insert_agency(&mut a, &mut n, rec)?;
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
        txn.delete_table(PILE_COUNTS)?;
        txn.open_table(PILE_COUNTS)?;
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
            let mut n = txn.open_table(PILE_COUNTS)?;
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
                insert(&mut t, &mut n, &rec)?;
                insert_agency(&mut a, &mut n, &rec)?;
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

/// A position in a pile: its sort key and the dossier code.
pub type PilePos = (i64, String);

/// A pile position as a page carries it: `key|code`.
pub fn pos_text(p: &PilePos) -> String {
    format!("{}|{}", p.0, p.1)
}

/// A pile position from a page; none when it is not one.
pub fn parse_pos(s: &str) -> Option<PilePos> {
    let (k, c) = s.split_once('|')?;
    (c.len() <= 40 && !c.is_empty()).then_some(())?;
    Some((k.parse().ok()?, c.to_owned()))
}

fn counted(txn: &redb::ReadTransaction, unit: &str, pile: u8, officer: &str) -> Result<u64, Error> {
    Ok(txn
        .open_table(PILE_COUNTS)?
        .get((unit, pile, officer))?
        .map(|v| v.value())
        .unwrap_or(0))
}

/// The positions of a desk's pile in order after `after` (from the start when none), `limit`
/// at most, and how many the pile holds.
pub fn read(
    txn: &redb::ReadTransaction,
    desk: &str,
    pile: Pile,
    limit: usize,
    after: Option<&PilePos>,
) -> Result<(Vec<PilePos>, u64), Error> {
    use std::ops::Bound::{Excluded, Included};
    let t = txn.open_table(DESK_PILES)?;
    let p = pile as u8;
    let lower = match after {
        Some((k, c)) => Excluded((desk, p, *k, c.as_str())),
        None => Included((desk, p, i64::MIN, "")),
    };
    let mut found = Vec::new();
    for item in t
        .range::<(&str, u8, i64, &str)>((lower, Included((desk, p, i64::MAX, "~"))))?
        .take(limit)
    {
        let (k, _) = item?;
        let (_, _, key, code) = k.value();
        found.push((key, code.to_owned()));
    }
    Ok((found, counted(txn, desk, p, "")?))
}

/// The positions of an agency's pile (of one officer, or "" for the agency's own piles) in
/// order after `after`, `limit` at most, and how many it holds.
pub fn read_agency(
    txn: &redb::ReadTransaction,
    agency: &str,
    pile: AgencyPile,
    officer: &str,
    limit: usize,
    after: Option<&PilePos>,
) -> Result<(Vec<PilePos>, u64), Error> {
    use std::ops::Bound::{Excluded, Included};
    let t = txn.open_table(AGENCY_PILES)?;
    let p = pile as u8;
    let lower = match after {
        Some((k, c)) => Excluded((agency, p, officer, *k, c.as_str())),
        None => Included((agency, p, officer, i64::MIN, "")),
    };
    let mut found = Vec::new();
    for item in t
        .range::<(&str, u8, &str, i64, &str)>((
            lower,
            Included((agency, p, officer, i64::MAX, "~")),
        ))?
        .take(limit)
    {
        let (k, _) = item?;
        let (_, _, _, key, code) = k.value();
        found.push((key, code.to_owned()));
    }
    Ok((found, counted(txn, agency, AGENCY + p, officer)?))
}

/// How many dossiers, over every desk, are still to transfer past their deadline `now`
/// (Unix seconds): the late end of each desk's pile to transfer.
pub fn transfers_overdue(txn: &redb::ReadTransaction, now: i64) -> Result<u64, Error> {
    let counts = txn.open_table(PILE_COUNTS)?;
    let piles = txn.open_table(DESK_PILES)?;
    let p = Pile::ToTransfer as u8;
    let mut late = 0u64;
    for item in counts.iter()? {
        let (k, _) = item?;
        let (desk, pile, _) = k.value();
        if pile != p {
            continue;
        }
        for entry in piles.range((desk, p, i64::MIN, "")..(desk, p, now, ""))? {
            entry?;
            late += 1;
        }
    }
    Ok(late)
}

/// How many entries of every agency's `pile` (opinions asked, joint parts) are past their
/// deadline at `now`: the pile is sorted by deadline, so each agency's is one range.
pub fn agency_pile_late(
    txn: &redb::ReadTransaction,
    pile: AgencyPile,
    now: i64,
) -> Result<u64, Error> {
    let counts = txn.open_table(PILE_COUNTS)?;
    let piles = txn.open_table(AGENCY_PILES)?;
    let p = pile as u8;
    let mut late = 0u64;
    for item in counts.iter()? {
        let (k, _) = item?;
        let (agency, n, _) = k.value();
        if n != AGENCY + p {
            continue;
        }
        for entry in piles.range((agency, p, "", i64::MIN, "")..(agency, p, "", now, ""))? {
            entry?;
            late += 1;
        }
    }
    Ok(late)
}

/// How many of an agency's pile each officer holds, by account (none for "").
pub fn officers_load(
    txn: &redb::ReadTransaction,
    agency: &str,
    pile: AgencyPile,
) -> Result<Vec<(String, u64)>, Error> {
    let t = txn.open_table(PILE_COUNTS)?;
    let p = AGENCY + pile as u8;
    let mut out = Vec::new();
    for item in t.range((agency, p, "")..=(agency, p, "\u{10ffff}"))? {
        let (k, v) = item?;
        let officer = k.value().2;
        if !officer.is_empty() {
            out.push((officer.to_owned(), v.value()));
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
                .flat_map(|item| {
                    let rec: DossierRecord = decode(item.unwrap().1.value()).unwrap();
                    agency_entries(&rec)
                        .into_iter()
                        .map(move |(a, p, o, k)| (a, p, o, k, rec.code.clone()))
                        .collect::<Vec<_>>()
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
        let counts = |db: &Database| -> Vec<((String, u8, String), u64)> {
            let txn = db.begin_read().unwrap();
            let t = txn.open_table(PILE_COUNTS).unwrap();
            t.iter()
                .unwrap()
                .map(|item| {
                    let (k, v) = item.unwrap();
                    let (u, p, o) = k.value();
                    ((u.to_owned(), p, o.to_owned()), v.value())
                })
                .collect()
        };
        let mut expected_counts: std::collections::BTreeMap<(String, u8, String), u64> =
            Default::default();
        for e in &expected {
            *expected_counts
                .entry((e.0.clone(), e.1, String::new()))
                .or_default() += 1;
        }
        for e in &expected_agency {
            *expected_counts
                .entry((e.0.clone(), AGENCY + e.1, e.2.clone()))
                .or_default() += 1;
        }
        let expected_counts: Vec<_> = expected_counts.into_iter().collect();
        assert_eq!(counts(db), expected_counts, "the counts follow every write");
        assert_eq!(rebuild(db).unwrap(), 0, "piles of this format are kept");
        let txn = db.begin_write().unwrap();
        txn.open_table(META).unwrap().remove(META_KEY).unwrap();
        txn.open_table(DESK_PILES)
            .unwrap()
            .insert(("000.00.01.H16", 0, 0, "stale"), ())
            .unwrap();
        txn.commit().unwrap();
        assert!(rebuild(db).unwrap() >= 300);
        assert_eq!(counts(db), expected_counts, "counted again");
        assert_eq!(all(db), expected, "made again, the stale entry gone");
        assert_eq!(all_agency(db), expected_agency);
    }
}
