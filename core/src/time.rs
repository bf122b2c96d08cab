//! Time as the whole system sees it: instants in Vietnam time, and the window of instants it
//! accepts from outside.
//!
//! Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact for every
//! instant a dossier can carry. Any instant that comes from outside (a request, a kiosk event, a
//! file) is checked against [`EARLIEST`]..[`LATEST`] before anything computes with it: no year
//! 262142, no year 0, nothing that calendar arithmetic or a report could overflow on.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};

use crate::i18n::{Lang, Localized};

/// An instant as the domain records it.
pub type Instant = DateTime<FixedOffset>;

/// Vietnam's offset from UTC (Asia/Ho_Chi_Minh).
pub const VIETNAM_OFFSET_SECONDS: i32 = 7 * 3600;

/// Vietnam time (UTC+7).
pub const VIETNAM: FixedOffset = match FixedOffset::east_opt(VIETNAM_OFFSET_SECONDS) {
    Some(z) => z,
    None => panic!("+07:00 is a valid offset"),
};

/// Vietnam time (UTC+7).
pub fn vietnam() -> FixedOffset {
    VIETNAM
}

/// The first year whose instants are accepted from outside.
pub const FIRST_YEAR: i32 = 2000;
/// The last year whose instants are accepted from outside.
pub const LAST_YEAR: i32 = 2099;

/// The earliest instant accepted from outside: 2000-01-01 00:00 in Vietnam.
pub fn earliest() -> Instant {
    start_of_year(FIRST_YEAR)
}

/// The first instant no longer accepted from outside: 2100-01-01 00:00 in Vietnam.
pub fn latest() -> Instant {
    start_of_year(LAST_YEAR + 1)
}

fn start_of_year(year: i32) -> Instant {
    // Years 2000 and 2100 always exist; the fallbacks keep this total without a panic path.
    let midnight = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    VIETNAM
        .from_local_datetime(&midnight)
        .single()
        .unwrap_or_else(|| VIETNAM.from_utc_datetime(&midnight))
}

/// An instant from outside that is not in the accepted window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the instant {0} is outside the accepted years {FIRST_YEAR}–{LAST_YEAR}")]
pub struct OutOfRange(pub Instant);

impl Localized for OutOfRange {
    fn code(&self) -> &'static str {
        "time.out_of_range"
    }

    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Vi => format!(
                "Thời điểm {} nằm ngoài khoảng được chấp nhận (năm {FIRST_YEAR}–{LAST_YEAR}).",
                self.0.to_rfc3339()
            ),
            Lang::En => format!(
                "The instant {} is outside the accepted years {FIRST_YEAR}–{LAST_YEAR}.",
                self.0.to_rfc3339()
            ),
        }
    }
}

/// `t` if it lies in the accepted window, converted to Vietnam time.
pub fn check(t: Instant) -> Result<Instant, OutOfRange> {
    if t >= earliest() && t < latest() {
        Ok(t.with_timezone(&vietnam()))
    } else {
        Err(OutOfRange(t))
    }
}

/// Whether `date` lies in the accepted window.
pub fn date_in_range(date: NaiveDate) -> bool {
    use chrono::Datelike;
    (FIRST_YEAR..=LAST_YEAR).contains(&date.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Instant {
        s.parse().unwrap()
    }

    #[test]
    fn the_window_is_2000_to_2099_in_vietnam_time() {
        assert!(check(at("2000-01-01T00:00:00+07:00")).is_ok());
        assert!(check(at("1999-12-31T23:59:59+07:00")).is_err());
        // 1999-12-31 17:00 UTC is already 2000 in Vietnam.
        assert!(check(at("1999-12-31T17:00:00Z")).is_ok());
        assert!(check(at("2099-12-31T23:59:59+07:00")).is_ok());
        assert!(check(at("2100-01-01T00:00:00+07:00")).is_err());
        assert!(check(at("+262142-12-31T23:00:00+07:00")).is_err());
        assert!(check(at("0000-01-01T00:00:00+07:00")).is_err());
        assert!(check(at("-0001-01-01T00:00:00+07:00")).is_err());
        assert_eq!(
            check(at("2026-11-30T01:00:00Z")).unwrap().to_rfc3339(),
            "2026-11-30T08:00:00+07:00"
        );
    }
}
