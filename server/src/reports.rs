//! Report counters, kept up to date by every write of a dossier and a rating, so that a report
//! reads a few thousand counters instead of a million dossiers.
//!
//! - `report_days_v1` `(day, agency, procedure, metric) → count`: dossiers received (per
//!   channel), finished early / on time / overdue, withdrawn and refused, on the Vietnam date
//!   the thing happened. A report over a period reads only that period's days.
//! - `report_open_v1` `(agency, procedure, state) → count`: dossiers in progress now, being
//!   handled or waiting for the applicant (supplement, fee).
//! - `report_due_v1` `(agency, due, procedure, code)`: dossiers being handled, by due instant,
//!   so that the overdue ones of an agency are one range read up to now.
//! - `rating_days_v1` `(day, agency, officer, levels × 10 + level) → count`.
//!
//! Dossiers are counted under their handling agency (where they were transferred, else the
//! competent one).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset};
use motcua_core::{Channel, Step};
use redb::{ReadableTable, TableDefinition, WriteTransaction};

use crate::error::ApiError;
use crate::model::DossierRecord;

pub const REPORT_DAYS: TableDefinition<(u32, &str, &str, u8), u64> =
    TableDefinition::new("report_days_v1");
pub const REPORT_OPEN: TableDefinition<(&str, &str, u8), u64> =
    TableDefinition::new("report_open_v1");
pub const REPORT_DUE: TableDefinition<(&str, i64, &str, &str), ()> =
    TableDefinition::new("report_due_v1");
pub const RATING_DAYS: TableDefinition<(u32, &str, &str, u8), u64> =
    TableDefinition::new("rating_days_v1");

/// What a day counter counts.
pub mod metric {
    pub const RECEIVED_DIRECT: u8 = 0;
    pub const RECEIVED_POSTAL: u8 = 1;
    pub const RECEIVED_ONLINE: u8 = 2;
    pub const FINISHED_EARLY: u8 = 3;
    pub const FINISHED_ON_TIME: u8 = 4;
    pub const FINISHED_OVERDUE: u8 = 5;
    pub const WITHDRAWN: u8 = 6;
    pub const REFUSED: u8 = 7;
}

/// States of `report_open_v1`.
pub const OPEN_HANDLING: u8 = 0;
pub const OPEN_WAITING_APPLICANT: u8 = 1;

/// A date as `yyyymmdd`, in Vietnam.
pub fn day(t: DateTime<FixedOffset>) -> u32 {
    let vn = FixedOffset::east_opt(7 * 3600).expect("+07");
    let d = t.with_timezone(&vn).date_naive();
    d.year() as u32 * 10_000 + d.month() * 100 + d.day()
}

/// Where a dossier stands in the counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportKeys {
    agency: String,
    procedure: String,
    days: Vec<(u32, u8)>,
    open: Option<u8>,
    due: Option<i64>,
}

impl ReportKeys {
    pub fn of(rec: &DossierRecord) -> ReportKeys {
        let s = &rec.state;
        let mut days = vec![(
            day(s.received_at),
            match s.channel {
                Channel::Direct => metric::RECEIVED_DIRECT,
                Channel::Postal => metric::RECEIVED_POSTAL,
                Channel::Online => metric::RECEIVED_ONLINE,
            },
        )];
        if let Some(f) = s.finished_at {
            // The calendar's rule (`Calendar::timeliness`), on Vietnam dates.
            days.push((
                day(f),
                if f > s.due {
                    metric::FINISHED_OVERDUE
                } else if day(f) < day(s.due) {
                    metric::FINISHED_EARLY
                } else {
                    metric::FINISHED_ON_TIME
                },
            ));
        }
        let closed_on = || rec.history.last().map_or(s.received_at, |e| e.at);
        match s.step {
            Step::Withdrawn => days.push((day(closed_on()), metric::WITHDRAWN)),
            Step::Refused => days.push((day(closed_on()), metric::REFUSED)),
            _ => {}
        }
        let open = s.is_open().then_some(if s.paused_at.is_some() {
            OPEN_WAITING_APPLICANT
        } else {
            OPEN_HANDLING
        });
        ReportKeys {
            agency: rec.handling_agency().as_str().to_owned(),
            procedure: rec.procedure_id.clone(),
            days,
            due: (open == Some(OPEN_HANDLING)).then(|| s.due.timestamp()),
            open,
        }
    }
}

fn add<K: redb::Key + 'static>(
    t: &mut redb::Table<K, u64>,
    k: K::SelfType<'_>,
    delta: i64,
) -> Result<(), ApiError>
where
    for<'a> K::SelfType<'a>: Clone,
{
    let n = t.get(k.clone())?.map(|v| v.value()).unwrap_or(0);
    let n = n.saturating_add_signed(delta);
    if n == 0 {
        t.remove(k)?;
    } else {
        t.insert(k, n)?;
    }
    Ok(())
}

/// Move a dossier's counts from `old` to `new`.
pub fn update(
    txn: &WriteTransaction,
    code: &str,
    old: Option<&ReportKeys>,
    new: &ReportKeys,
) -> Result<(), ApiError> {
    if old == Some(new) {
        return Ok(());
    }
    {
        let mut t = txn.open_table(REPORT_DAYS)?;
        if let Some(o) = old {
            for (d, m) in &o.days {
                add(
                    &mut t,
                    (*d, o.agency.as_str(), o.procedure.as_str(), *m),
                    -1,
                )?;
            }
        }
        for (d, m) in &new.days {
            add(
                &mut t,
                (*d, new.agency.as_str(), new.procedure.as_str(), *m),
                1,
            )?;
        }
    }
    {
        let mut t = txn.open_table(REPORT_OPEN)?;
        if let Some(o) = old
            && let Some(st) = o.open
        {
            add(&mut t, (o.agency.as_str(), o.procedure.as_str(), st), -1)?;
        }
        if let Some(st) = new.open {
            add(&mut t, (new.agency.as_str(), new.procedure.as_str(), st), 1)?;
        }
    }
    let mut t = txn.open_table(REPORT_DUE)?;
    if let Some(o) = old
        && let Some(d) = o.due
    {
        t.remove((o.agency.as_str(), d, o.procedure.as_str(), code))?;
    }
    if let Some(d) = new.due {
        t.insert((new.agency.as_str(), d, new.procedure.as_str(), code), ())?;
    }
    Ok(())
}

/// Count many new dossiers at once (bulk loading).
pub fn add_new(txn: &WriteTransaction, items: &[(&str, ReportKeys)]) -> Result<(), ApiError> {
    let mut days: BTreeMap<(u32, &str, &str, u8), u64> = BTreeMap::new();
    let mut open: BTreeMap<(&str, &str, u8), u64> = BTreeMap::new();
    let mut due: Vec<(&str, i64, &str, &str)> = Vec::new();
    for (code, k) in items {
        for (d, m) in &k.days {
            *days
                .entry((*d, k.agency.as_str(), k.procedure.as_str(), *m))
                .or_default() += 1;
        }
        if let Some(st) = k.open {
            *open
                .entry((k.agency.as_str(), k.procedure.as_str(), st))
                .or_default() += 1;
        }
        if let Some(d) = k.due {
            due.push((k.agency.as_str(), d, k.procedure.as_str(), code));
        }
    }
    let mut t = txn.open_table(REPORT_DAYS)?;
    for (k, n) in days {
        add(&mut t, k, n as i64)?;
    }
    let mut t = txn.open_table(REPORT_OPEN)?;
    for (k, n) in open {
        add(&mut t, k, n as i64)?;
    }
    due.sort_unstable();
    let mut t = txn.open_table(REPORT_DUE)?;
    for k in due {
        t.insert(k, ())?;
    }
    Ok(())
}

/// Count a rating.
pub fn add_rating(
    txn: &WriteTransaction,
    at: DateTime<FixedOffset>,
    agency: &str,
    officer: &str,
    levels: u8,
    level: u8,
) -> Result<(), ApiError> {
    let mut t = txn.open_table(RATING_DAYS)?;
    add(&mut t, (day(at), agency, officer, levels * 10 + level), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_vietnamese_dates() {
        let t = DateTime::parse_from_rfc3339("2025-11-09T18:30:00Z").unwrap();
        assert_eq!(day(t), 20251110, "01:30 on the 10th in Hà Nội");
        let t = DateTime::parse_from_rfc3339("2025-11-10T23:59:00+07:00").unwrap();
        assert_eq!(day(t), 20251110);
    }
}
