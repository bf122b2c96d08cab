//! The working-time calendar the server computes with, and the years an administrator loads.
//!
//! The calendar is the base (the bundled file or `--calendar`: zone and office hours, perhaps
//! years of its own), then the bundled years it lacks (2024–2026 official, 2027 provisional),
//! then the years loaded through the API (`calendar_years_v1`), which win. Loading or confirming
//! a year swaps the calendar in place; requests under way finish with the one they started with.
//! Deadlines already computed are stored with their dossiers and keep their values.

use std::sync::{Arc, RwLock};

use motcua_core::Calendar;
use motcua_core::calendar::{CalendarError, CalendarYear};
use redb::{ReadTransaction, ReadableTable};

use crate::db::model::StoredYear;
use crate::db::{CALENDAR_YEARS, Error, Tx, decode, encode};

/// The calendar shared by every request; replaced whole when a year is loaded.
#[derive(Debug)]
pub struct SharedCalendar {
    /// The base with the bundled years: what the stored years are laid over.
    base: Calendar,
    current: RwLock<Arc<Calendar>>,
}

impl SharedCalendar {
    /// `base` with the bundled years it lacks.
    pub fn new(base: Calendar) -> SharedCalendar {
        let base = base.with_bundled_years();
        SharedCalendar {
            current: RwLock::new(Arc::new(base.clone())),
            base,
        }
    }

    /// The calendar now.
    pub fn get(&self) -> Arc<Calendar> {
        match self.current.read() {
            Ok(g) => g.clone(),
            // A writer never panics while holding the lock (it only swaps an Arc); should it
            // ever be poisoned, the value inside is still a whole calendar.
            Err(p) => p.into_inner().clone(),
        }
    }

    /// The base with `years` laid over it (checked, not installed).
    pub fn with_years<'a>(
        &self,
        years: impl IntoIterator<Item = &'a CalendarYear>,
    ) -> Result<Calendar, CalendarError> {
        let mut cal = self.base.clone();
        for y in years {
            cal.set_year(y.clone())?;
        }
        Ok(cal)
    }

    /// Make `cal` the calendar of every request from now on.
    pub fn install(&self, cal: Calendar) {
        let cal = Arc::new(cal);
        match self.current.write() {
            Ok(mut g) => *g = cal,
            Err(p) => *p.into_inner() = cal,
        }
    }

    /// Whether `year` comes with the software.
    pub fn is_bundled(&self, year: i32) -> bool {
        Calendar::bundled_years().iter().any(|y| y.year == year)
    }
}

/// Every year loaded through the API.
pub fn stored_years(txn: &ReadTransaction) -> Result<Vec<StoredYear>, Error> {
    let mut out = Vec::new();
    for item in txn.open_table(CALENDAR_YEARS)?.iter()? {
        out.push(decode(item?.1.value())?);
    }
    Ok(out)
}

/// Every year loaded through the API, inside a write transaction.
pub fn stored_years_in(tx: &Tx) -> Result<Vec<StoredYear>, Error> {
    let mut out = Vec::new();
    for item in tx.open_table(CALENDAR_YEARS)?.iter()? {
        out.push(decode(item?.1.value())?);
    }
    Ok(out)
}

/// Store a loaded year (replacing an earlier load of the same year).
pub fn put_year(tx: &Tx, y: &StoredYear) -> Result<(), Error> {
    tx.open_table(CALENDAR_YEARS)?
        .insert(y.year.year, encode(y)?.as_slice())?;
    Ok(())
}
