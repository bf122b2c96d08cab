//! The Vietnamese lunisolar calendar (âm lịch), as far as the working-time calendar needs it:
//! the solar date of a lunar date, hence Tết (1/1) and the Hùng Kings' day (10/3).
//!
//! The rules are those of the Vietnamese calendar, computed at UTC+7 (the Chinese calendar uses
//! UTC+8, which is why Tết sometimes falls a day or a month apart, e.g. 21/01/1985 in Vietnam):
//! - a month starts on the local day of a new moon;
//! - the 11th month is the one holding the winter solstice;
//! - a year with 13 months between two 11th months repeats (as a leap month) the first month
//!   that holds no principal solar term (the sun entering a new 30° sector).
//!
//! The astronomy is the classic low-precision series of Meeus' *Astronomical Algorithms*: mean
//! new moons with the main periodic terms (good to a few minutes) and the sun's apparent
//! longitude (good to about 0.01°). That is enough for dates from 1800 to 2199; a new moon
//! within minutes of local midnight could in principle land on the wrong day, which is why a year
//! derived here is only ever *provisional* data until the government's notice confirms it.

use std::f64::consts::PI;

use chrono::NaiveDate;

/// Vietnam's offset from UTC, in hours.
const VIETNAM: f64 = 7.0;

/// The Julian day number at noon of the epoch used by the new-moon series (1900-01-01).
const EPOCH_1900: f64 = 2_415_021.076_998_695;
const SYNODIC_MONTH: f64 = 29.530_588_853;

/// The Julian day number of a Gregorian date.
fn jdn(date: NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(date.num_days_from_ce()) + 1_721_425
}

fn date_of(jdn: i64) -> Option<NaiveDate> {
    let days = i32::try_from(jdn - 1_721_425).ok()?;
    NaiveDate::from_num_days_from_ce_opt(days)
}

/// The instant (Julian day, universal time) of the `k`-th new moon after 1900-01-01.
fn new_moon(k: f64) -> f64 {
    let t = k / 1236.85;
    let t2 = t * t;
    let t3 = t2 * t;
    let dr = PI / 180.0;
    let mut jd = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    // The sun's mean anomaly, the moon's mean anomaly and its argument of latitude.
    let m = (359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3) * dr;
    let mp = (306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3) * dr;
    let f = (21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3) * dr;
    let mut c = (0.1734 - 0.000_393 * t) * m.sin() + 0.0021 * (2.0 * m).sin();
    c -= 0.4068 * mp.sin() - 0.0161 * (2.0 * mp).sin();
    c -= 0.0004 * (3.0 * mp).sin();
    c += 0.0104 * (2.0 * f).sin() - 0.0051 * (m + mp).sin();
    c -= 0.0074 * (m - mp).sin() - 0.0004 * (2.0 * f + m).sin();
    c -= 0.0004 * (2.0 * f - m).sin() + 0.0006 * (2.0 * f + mp).sin();
    c += 0.0010 * (2.0 * f - mp).sin() + 0.0005 * (2.0 * mp + m).sin();
    // Dynamical time minus universal time, in days.
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    jd + c - delta_t
}

/// The local day number (JDN) on which the `k`-th new moon falls.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k as f64) + 0.5 + VIETNAM / 24.0).floor() as i64
}

/// The sun's apparent longitude at Julian day `jd` (universal time), in radians in [0, 2π).
fn sun_longitude(jd: f64) -> f64 {
    let t = (jd - 2_451_545.0) / 36_525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let mut dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin();
    dl += (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let l = (l0 + dl) * dr;
    l - 2.0 * PI * (l / (2.0 * PI)).floor()
}

/// Which 30° sector (0–11, 0 from the March equinox) the sun is in at the start of local day
/// `day`.
fn sun_sector(day: i64) -> i64 {
    (sun_longitude(day as f64 - 0.5 - VIETNAM / 24.0) / PI * 6.0).floor() as i64
}

/// The local day on which the 11th lunar month that holds the winter solstice of `year` starts.
fn month_11(year: i32) -> Option<i64> {
    let dec31 = NaiveDate::from_ymd_opt(year, 12, 31)?;
    let k = ((jdn(dec31) as f64 - 2_415_021.0) / SYNODIC_MONTH).floor() as i64;
    let start = new_moon_day(k);
    // A month starting after the sun entered Capricorn's sector (270°) is the 12th.
    Some(if sun_sector(start) >= 9 {
        new_moon_day(k - 1)
    } else {
        start
    })
}

/// In a 13-month year starting with the 11th month on `a11`, how many months after it the leap
/// month comes.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - EPOCH_1900) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            return i - 1;
        }
    }
}

/// The solar date of lunar day `day` of month `month` (1–12; `leap` for the repeated month) of
/// lunar year `year` (the one whose first day falls in solar year `year`); `None` for a date
/// that does not exist (a leap month the year does not have, a day past 30) or outside the
/// years this is accurate for (1800–2199).
pub fn to_solar(day: u32, month: u32, year: i32, leap: bool) -> Option<NaiveDate> {
    if !(1..=30).contains(&day) || !(1..=12).contains(&month) || !(1800..=2199).contains(&year) {
        return None;
    }
    let (a11, b11) = if month < 11 {
        (month_11(year - 1)?, month_11(year)?)
    } else {
        (month_11(year)?, month_11(year + 1)?)
    };
    let k = (0.5 + (a11 as f64 - EPOCH_1900) / SYNODIC_MONTH).floor() as i64;
    let mut offset = i64::from(month) - 11;
    if offset < 0 {
        offset += 12;
    }
    if b11 - a11 > 365 {
        let leap_offset = leap_month_offset(a11);
        let mut leap_month = leap_offset - 2;
        if leap_month < 0 {
            leap_month += 12;
        }
        if leap && i64::from(month) != leap_month {
            return None;
        }
        if leap || offset >= leap_offset {
            offset += 1;
        }
    } else if leap {
        return None;
    }
    let start = new_moon_day(k + offset);
    // A day past the month's last one does not exist.
    let next = new_moon_day(k + offset + 1);
    let d = start + i64::from(day) - 1;
    if d >= next {
        return None;
    }
    date_of(d)
}

/// Mùng 1 Tết: the first day of the lunar year that starts in solar year `year`.
pub fn tet(year: i32) -> Option<NaiveDate> {
    to_solar(1, 1, year, false)
}

/// Giỗ Tổ Hùng Vương: the 10th day of the 3rd lunar month (the ordinary one, not a leap 3rd
/// month) of the lunar year that starts in `year`.
pub fn hung_kings(year: i32) -> Option<NaiveDate> {
    to_solar(10, 3, year, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn julian_day_numbers_round_trip() {
        assert_eq!(jdn(d(2000, 1, 1)), 2_451_545);
        for j in [2_378_497, 2_451_545, 2_488_069, 2_524_593] {
            assert_eq!(jdn(date_of(j).unwrap()), j);
        }
    }

    #[test]
    fn dates_that_do_not_exist_are_none() {
        assert_eq!(to_solar(0, 1, 2027, false), None);
        assert_eq!(to_solar(31, 1, 2027, false), None);
        assert_eq!(to_solar(1, 13, 2027, false), None);
        assert_eq!(to_solar(1, 1, 1799, false), None);
        assert_eq!(to_solar(1, 1, 2200, false), None);
        // 2025 has a leap 6th month; 2027 has no leap month at all.
        assert!(to_solar(1, 6, 2025, true).is_some());
        assert_eq!(to_solar(1, 5, 2025, true), None);
        assert_eq!(to_solar(1, 6, 2027, true), None);
    }
}
