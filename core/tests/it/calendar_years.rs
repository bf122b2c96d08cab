//! Calendar years as data: coverage (a deadline into a year the calendar does not hold is refused,
//! never assumed), the provisional 2027 derived from the Labour Code and the lunar calendar, years
//! loaded later, and arithmetic that no instant can make panic.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone};
use motcua_core::calendar::{
    Calendar, CalendarError, CalendarYear, DaysOff, MakeUpDay, NotCovered, YearStatus,
};
use motcua_core::{Lang, Localized, lunar};
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn t(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(7 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, day, h, min, 0)
        .unwrap()
}

#[test]
fn lunar_days_match_an_independent_computation() {
    // Tết (1/1) and the Hùng Kings' day (10/3) for 1900–2100, computed apart from the series in
    // `lunar` (see the file's header).
    let table = include_str!("../data/vietnamese-lunar-1900-2100.tsv");
    let mut rows = 0;
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let year: i32 = cols[0].parse().unwrap();
        let tet: NaiveDate = cols[1].parse().unwrap();
        let hung: NaiveDate = cols[2].parse().unwrap();
        assert_eq!(lunar::tet(year), Some(tet), "Tết {year}");
        assert_eq!(lunar::hung_kings(year), Some(hung), "Giỗ Tổ {year}");
        rows += 1;
    }
    assert_eq!(rows, 201);
}

#[test]
fn tet_follows_vietnam_time_not_china_time() {
    // Years where the UTC+7 new moon gives Vietnam a different Tết from China's.
    assert_eq!(lunar::tet(1968), Some(d(1968, 1, 29)));
    assert_eq!(lunar::tet(1985), Some(d(1985, 1, 21)));
    assert_eq!(lunar::tet(2007), Some(d(2007, 2, 17)));
    // DOMAIN: mùng 1 Tết 2027 = Saturday 06/02; Hùng Kings 2027 = Friday 16/04.
    assert_eq!(lunar::tet(2027), Some(d(2027, 2, 6)));
    assert_eq!(lunar::hung_kings(2027), Some(d(2027, 4, 16)));
}

fn off_ranges(y: &CalendarYear) -> Vec<(NaiveDate, NaiveDate)> {
    y.days_off.iter().map(|o| (o.from, o.to)).collect()
}

#[test]
fn provisional_2027_follows_labour_code_article_112() {
    let y = CalendarYear::provisional(2027).unwrap();
    assert_eq!(y.status, YearStatus::Provisional);
    assert!(y.make_up_days.is_empty());
    assert_eq!(
        off_ranges(&y),
        vec![
            // 1/1 is a Friday.
            (d(2027, 1, 1), d(2027, 1, 1)),
            // Tết: 30 Tết (Fri 05/02) and mùng 1–4 (Sat 06 – Tue 09); Saturday and Sunday are
            // compensated on Wednesday 10 and Thursday 11.
            (d(2027, 2, 5), d(2027, 2, 11)),
            // 10/3 lunar is Friday 16/04.
            (d(2027, 4, 16), d(2027, 4, 16)),
            // 30/4 is a Friday, 1/5 a Saturday: compensated on Monday 3/5.
            (d(2027, 4, 30), d(2027, 5, 3)),
            // 2/9 is a Thursday; the adjacent day is Friday 3/9.
            (d(2027, 9, 2), d(2027, 9, 3)),
        ]
    );
    assert!(
        y.days_off[1].name.contains("Đinh Mùi"),
        "{}",
        y.days_off[1].name
    );
    assert!(y.validate().is_ok());
}

#[test]
fn provisional_years_place_every_holiday_of_the_law() {
    for year in 2027..=2060 {
        let y = CalendarYear::provisional(year).unwrap();
        y.validate().unwrap();
        let off = |date: NaiveDate| y.days_off.iter().any(|o| (o.from..=o.to).contains(&date));
        for date in [
            d(year, 1, 1),
            d(year, 4, 30),
            d(year, 5, 1),
            d(year, 9, 2),
            lunar::hung_kings(year).unwrap(),
        ] {
            assert!(off(date), "{date} in {year}");
        }
        let tet = lunar::tet(year).unwrap();
        for i in -1..=3 {
            assert!(off(tet + Duration::days(i)), "Tết {year} {i}");
        }
        // Weekdays off: 1 + 5 + 1 + 2 + 2 = 11 holidays, each on a working day of its own.
        let mut cal = Calendar::vietnam_default();
        cal.set_year(y.clone()).unwrap();
        let weekdays_off = d(year, 1, 1)
            .iter_days()
            .take_while(|x| x.year() == year)
            .filter(|x| x.weekday().num_days_from_monday() < 5 && cal.day_off(*x).is_some())
            .count();
        assert_eq!(weekdays_off, 11, "{year}");
    }
    assert!(CalendarYear::provisional(1999).is_none());
    assert!(CalendarYear::provisional(2100).is_none());
}

#[test]
fn the_bundled_2027_is_the_provisional_year() {
    let bundled = Calendar::bundled_years();
    let years: Vec<i32> = bundled.iter().map(|y| y.year).collect();
    assert_eq!(years, vec![2024, 2025, 2026, 2027]);
    let y2027 = bundled.iter().find(|y| y.year == 2027).unwrap();
    assert_eq!(*y2027, CalendarYear::provisional(2027).unwrap());
    for y in &bundled {
        y.validate().unwrap();
        let want = if y.year == 2027 {
            YearStatus::Provisional
        } else {
            YearStatus::Official
        };
        assert_eq!(y.status, want, "{}", y.year);
    }
    let cal = Calendar::vietnam_default();
    assert!(cal.is_provisional(d(2027, 3, 1)));
    assert!(!cal.is_provisional(d(2026, 3, 1)));
    assert_eq!(cal.covered_until(d(2026, 11, 30)), Some(d(2027, 12, 31)));
    assert_eq!(cal.covered_until(d(2023, 11, 30)), None);
}

#[test]
fn a_deadline_into_an_uncovered_year_is_refused_with_its_year() {
    let cal = Calendar::vietnam_default();
    let e = cal.add_working_days(t(2027, 12, 20, 9, 0), 15).unwrap_err();
    assert_eq!(e, NotCovered { year: 2028 });
    assert_eq!(e.code(), "calendar.year_not_covered");
    assert!(
        e.message(Lang::Vi)
            .contains("Lịch làm việc năm 2028 chưa được cập nhật"),
        "{}",
        e.message(Lang::Vi)
    );
    assert!(e.message(Lang::En).contains("2028"));
    // Before the calendar starts, and an instant received after the last covered office hour.
    assert_eq!(
        cal.next_working_instant(t(2023, 6, 1, 9, 0)),
        Err(NotCovered { year: 2023 })
    );
    assert_eq!(
        cal.next_working_instant(t(2027, 12, 31, 17, 30)),
        Err(NotCovered { year: 2028 })
    );
    assert_eq!(
        cal.working_between(t(2027, 12, 1, 9, 0), t(2028, 1, 5, 9, 0)),
        Err(NotCovered { year: 2028 })
    );
    assert_eq!(
        cal.is_working_day(d(2028, 1, 3)),
        Err(NotCovered { year: 2028 })
    );
    // Deadlines that stay inside 2027 are given (provisionally).
    assert_eq!(
        cal.add_working_days(t(2026, 12, 28, 9, 0), 5).unwrap(),
        t(2027, 1, 5, 9, 0)
    );
}

#[test]
fn loading_a_year_extends_coverage_and_replaces_what_was_there() {
    let mut cal = Calendar::vietnam_default();
    cal.set_year(CalendarYear::provisional(2028).unwrap())
        .unwrap();
    assert!(cal.add_working_days(t(2027, 12, 20, 9, 0), 15).is_ok());
    assert_eq!(cal.covered_until(d(2027, 1, 1)), Some(d(2028, 12, 31)));
    // The official 2027 notice moves the National Day bridge and adds a make-up Saturday.
    let mut official = CalendarYear::provisional(2027).unwrap();
    official.status = YearStatus::Official;
    official.source = "Thông báo số 0000/TB-TEST".into();
    official
        .days_off
        .retain(|o| !o.name.starts_with("Quốc khánh"));
    official.days_off.push(DaysOff {
        name: "Quốc khánh 2027".into(),
        from: d(2027, 9, 1),
        to: d(2027, 9, 2),
    });
    official.make_up_days.push(MakeUpDay {
        name: "Làm bù".into(),
        date: d(2027, 9, 11),
    });
    cal.set_year(official).unwrap();
    assert!(!cal.is_provisional(d(2027, 9, 3)));
    assert!(cal.is_working_day(d(2027, 9, 3)).unwrap());
    assert!(!cal.is_working_day(d(2027, 9, 1)).unwrap());
    assert!(cal.is_working_day(d(2027, 9, 11)).unwrap());
    assert_eq!(cal.years().len(), 5);
}

#[test]
fn bad_years_are_refused_with_the_reason() {
    let base = || CalendarYear::provisional(2027).unwrap();
    let mut cal = Calendar::vietnam_default();
    let mut cases: Vec<(CalendarYear, &str)> = Vec::new();
    let mut y = base();
    y.year = 1999;
    cases.push((y, "calendar.year"));
    let mut y = base();
    y.days_off[0].to = d(2028, 1, 2);
    cases.push((y, "calendar.outside_year"));
    let mut y = base();
    y.days_off[0].from = d(2027, 1, 5);
    cases.push((y, "calendar.range"));
    let mut y = base();
    y.days_off[0].name = "  ".into();
    cases.push((y, "calendar.text"));
    let mut y = base();
    y.days_off[0].name = "x".repeat(201);
    cases.push((y, "calendar.text"));
    let mut y = base();
    y.make_up_days.push(MakeUpDay {
        name: "x".into(),
        date: d(2027, 2, 6),
    });
    cases.push((y, "calendar.conflict"));
    let mut y = base();
    y.days_off.push(DaysOff {
        name: "x".into(),
        from: d(2027, 6, 1),
        to: d(2027, 8, 1),
    });
    cases.push((y, "calendar.too_many_days_off"));
    for (y, code) in cases {
        let e: CalendarError = cal.set_year(y).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        assert!(!e.message(Lang::Vi).is_empty());
    }
    // Nothing refused was taken.
    assert_eq!(cal.year(2027), Some(&base()));
}

#[test]
fn a_year_file_reads_back_what_it_wrote() {
    let y = CalendarYear::provisional(2031).unwrap();
    assert_eq!(CalendarYear::from_toml(&y.to_toml()).unwrap(), y);
    assert!(CalendarYear::from_toml("year = 2031\nstatus = \"maybe\"").is_err());
    assert!(CalendarYear::from_toml("year = 2031\nstatus = \"official\"\nextra = 1").is_err());
}

fn any_instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
    // Any second chrono can represent, with any offset: the edge must not be needed to keep
    // the arithmetic from panicking.
    let min = DateTime::<chrono::Utc>::MIN_UTC.timestamp();
    let max = DateTime::<chrono::Utc>::MAX_UTC.timestamp();
    (
        prop_oneof![
            min..=max,
            // …and the years the calendar holds, where the walks are long.
            1_700_000_000i64..1_900_000_000,
        ],
        -86_399i32..=86_399,
    )
        .prop_map(|(s, off)| {
            DateTime::from_timestamp(s, 0)
                .unwrap()
                .with_timezone(&FixedOffset::east_opt(off).unwrap())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_instant_or_period_makes_the_calendar_panic(
        a in any_instant(),
        b in any_instant(),
        hours in any::<u32>(),
        days in any::<u32>(),
    ) {
        let cal = Calendar::vietnam_default();
        let _ = cal.next_working_instant(a);
        let _ = cal.add_working_hours(a, hours);
        let _ = cal.add_working_days(a, days);
        let _ = cal.working_between(a, b);
        let _ = cal.resume(a, b, a);
        let _ = cal.feedback_deadline(b);
        let _ = cal.timeliness(a, b);
        // An answer, when there is one, is in a covered year.
        if let Ok(due) = cal.add_working_hours(a, hours) {
            prop_assert!(cal.covers(due.date_naive()));
        }
    }
}
