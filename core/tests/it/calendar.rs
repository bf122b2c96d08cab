//! The working-time calendar: table tests over Tết 2025 and 2026, the 2025 make-up Saturday and
//! ordinary weeks, and properties that hold for every instant.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Timelike};
use motcua_core::calendar::{Calendar, CalendarError, ProcessingTime, Timeliness};
use proptest::prelude::*;

fn vn() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

/// `dd/mm/yyyy hh:mm` in Vietnam time.
fn t(s: &str) -> DateTime<FixedOffset> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%d/%m/%Y %H:%M").unwrap();
    vn().from_local_datetime(&naive).unwrap()
}

fn cal() -> Calendar {
    Calendar::vietnam_default()
}

#[test]
fn friday_before_tet_2025_plus_one_day_is_the_monday_after() {
    // The acceptance case: Tết 25/01–02/02/2025 is skipped.
    assert_eq!(
        cal().add_working_hours(t("24/01/2025 16:00"), 8).unwrap(),
        t("03/02/2025 16:00")
    );
    assert_eq!(
        cal().add_working_days(t("24/01/2025 16:00"), 1).unwrap(),
        t("03/02/2025 16:00")
    );
}

#[test]
fn tet_2026() {
    let c = cal();
    assert_eq!(
        c.add_working_days(t("13/02/2026 10:00"), 1).unwrap(),
        t("23/02/2026 10:00")
    );
    for d in 14..=22 {
        let date = NaiveDate::from_ymd_opt(2026, 2, d).unwrap();
        assert!(!c.is_working_day(date).unwrap(), "{date}");
    }
    assert!(
        c.day_off(NaiveDate::from_ymd_opt(2026, 2, 17).unwrap())
            .unwrap()
            .contains("Tết")
    );
    // Received during Tết: counts from Monday 23/02 07:00.
    assert_eq!(
        c.next_working_instant(t("17/02/2026 09:00")).unwrap(),
        t("23/02/2026 07:00")
    );
}

#[test]
fn fifteen_working_days_across_tet_2026() {
    // 9–13/02 (5 days), 23–27/02 (5), 2–6/03 (5): the sixteenth working day is Monday 9/3.
    assert_eq!(
        cal().add_working_days(t("09/02/2026 08:00"), 15).unwrap(),
        t("09/03/2026 08:00")
    );
    assert_eq!(
        cal()
            .due(t("09/02/2026 08:00"), ProcessingTime::WorkingDays(15))
            .unwrap(),
        t("09/03/2026 08:00")
    );
}

#[test]
fn make_up_saturday_26_april_2025_is_a_working_day() {
    let c = cal();
    assert!(
        c.is_working_day(NaiveDate::from_ymd_opt(2025, 4, 26).unwrap())
            .unwrap()
    );
    assert!(
        !c.is_working_day(NaiveDate::from_ymd_opt(2025, 4, 19).unwrap())
            .unwrap()
    );
    // Friday 16:00 + 8 h: 1 h on Friday, 7 h on the make-up Saturday.
    assert_eq!(
        c.add_working_hours(t("25/04/2025 16:00"), 8).unwrap(),
        t("26/04/2025 16:00")
    );
    // Tuesday 29/04 16:00 + 8 h: 30/04–04/05 off, due Monday 05/05 16:00.
    assert_eq!(
        c.add_working_hours(t("29/04/2025 16:00"), 8).unwrap(),
        t("05/05/2025 16:00")
    );
    // 2026's make-up Saturday for New Year.
    assert_eq!(
        c.next_working_instant(t("10/01/2026 06:30")).unwrap(),
        t("10/01/2026 07:00")
    );
}

#[test]
fn friday_afternoon_receipt() {
    let c = cal();
    // 2 h on Friday, 6 h on Monday: 07:00–11:30 then 13:30–15:00.
    assert_eq!(
        c.add_working_hours(t("07/11/2025 15:00"), 8).unwrap(),
        t("10/11/2025 15:00")
    );
    assert_eq!(
        c.transfer_deadline(t("07/11/2025 15:00")).unwrap(),
        t("10/11/2025 15:00")
    );
    // Received Friday 17:30: counts from Monday 07:00 (Art. 8.1c).
    assert_eq!(
        c.next_working_instant(t("07/11/2025 17:30")).unwrap(),
        t("10/11/2025 07:00")
    );
    assert_eq!(
        c.add_working_hours(t("07/11/2025 17:30"), 8).unwrap(),
        t("10/11/2025 17:00")
    );
}

#[test]
fn next_working_instant_around_the_day() {
    let c = cal();
    assert_eq!(
        c.next_working_instant(t("11/11/2025 06:00")).unwrap(),
        t("11/11/2025 07:00")
    );
    assert_eq!(
        c.next_working_instant(t("11/11/2025 09:15")).unwrap(),
        t("11/11/2025 09:15")
    );
    assert_eq!(
        c.next_working_instant(t("11/11/2025 11:30")).unwrap(),
        t("11/11/2025 13:30")
    );
    assert_eq!(
        c.next_working_instant(t("11/11/2025 12:00")).unwrap(),
        t("11/11/2025 13:30")
    );
    assert_eq!(
        c.next_working_instant(t("11/11/2025 17:00")).unwrap(),
        t("12/11/2025 07:00")
    );
    assert_eq!(
        c.next_working_instant(t("15/11/2025 10:00")).unwrap(),
        t("17/11/2025 07:00")
    );
}

#[test]
fn instants_in_other_zones_are_answered_in_vietnam_time() {
    let utc = FixedOffset::east_opt(0).unwrap();
    // 09:00 UTC on Friday = 16:00 in Hà Nội.
    let friday = utc.with_ymd_and_hms(2025, 1, 24, 9, 0, 0).unwrap();
    let due = cal().add_working_hours(friday, 8).unwrap();
    assert_eq!(due, t("03/02/2025 16:00"));
    assert_eq!(due.offset(), &vn());
}

#[test]
fn feedback_deadline_counted_over_tet() {
    // 10–13/02 (4 days), 23–27/02 (5), 2–5/03 (4) = 13 days: due the 14th working day, 6/3 09:00.
    assert_eq!(
        cal().feedback_deadline(t("10/02/2026 09:00")).unwrap(),
        t("06/03/2026 09:00")
    );
}

#[test]
fn working_between_counts_only_office_hours() {
    let c = cal();
    assert_eq!(
        c.working_between(t("24/01/2025 16:00"), t("03/02/2025 16:00"))
            .unwrap(),
        Duration::hours(8)
    );
    assert_eq!(
        c.working_between(t("10/11/2025 07:00"), t("10/11/2025 17:00"))
            .unwrap(),
        Duration::hours(8)
    );
    assert_eq!(
        c.working_between(t("10/11/2025 11:00"), t("10/11/2025 14:00"))
            .unwrap(),
        Duration::minutes(60)
    );
    assert_eq!(
        c.working_between(t("10/11/2025 14:00"), t("10/11/2025 11:00"))
            .unwrap(),
        -Duration::minutes(60)
    );
    assert_eq!(
        c.working_between(t("15/11/2025 08:00"), t("16/11/2025 20:00"))
            .unwrap(),
        Duration::zero()
    );
}

#[test]
fn pausing_moves_the_due_instant_by_the_paused_working_time() {
    let c = cal();
    // Due Monday 16:00; paused Monday 10:00, resumed Tuesday 10:00: 8 working hours paused.
    let due = c
        .resume(
            t("10/11/2025 16:00"),
            t("10/11/2025 10:00"),
            t("11/11/2025 10:00"),
        )
        .unwrap();
    assert_eq!(due, t("11/11/2025 16:00"));
    // Paused over a weekend only: the weekend is not working time.
    let due = c
        .resume(
            t("17/11/2025 09:00"),
            t("14/11/2025 17:00"),
            t("17/11/2025 07:00"),
        )
        .unwrap();
    assert_eq!(due, t("17/11/2025 09:00"));
}

#[test]
fn timeliness_of_finished_dossiers() {
    let c = cal();
    let due = t("10/11/2025 16:00");
    assert_eq!(c.timeliness(t("07/11/2025 09:00"), due), Timeliness::Early);
    assert_eq!(c.timeliness(t("10/11/2025 07:30"), due), Timeliness::OnTime);
    assert_eq!(c.timeliness(t("10/11/2025 16:00"), due), Timeliness::OnTime);
    assert_eq!(
        c.timeliness(t("10/11/2025 16:01"), due),
        Timeliness::Overdue
    );
    assert_eq!(
        c.timeliness(t("11/11/2025 08:00"), due),
        Timeliness::Overdue
    );
    assert_eq!(Timeliness::Early.label(motcua_core::Lang::Vi), "Trước hạn");
}

#[test]
fn bad_calendar_files_are_refused_with_the_reason() {
    let base = include_str!("../../../assets/calendars/vn-public-servants.toml");
    let cases = [
        (
            base.replace("Asia/Ho_Chi_Minh", "Europe/Paris"),
            "calendar.time_zone",
        ),
        (
            base.replacen("\"07:00-11:30\"", "\"11:30-07:00\"", 1),
            "calendar.interval",
        ),
        (
            base.replacen("\"13:30-17:00\"", "\"11:00-17:00\"", 1),
            "calendar.overlap",
        ),
        (
            base.replacen("\"07:00-11:30\"", "\"7h-11h\"", 1),
            "calendar.interval",
        ),
        (
            base.replace("hours_per_working_day = 8", "hours_per_working_day = 0"),
            "calendar.hours_per_day",
        ),
        (
            format!(
                "{base}\n[[years]]\nyear = 2024\nstatus = \"official\"\n[[years.days_off]]\n\
                 name = \"x\"\nfrom = \"2024-01-02\"\nto = \"2024-01-01\"\n"
            ),
            "calendar.range",
        ),
        (
            format!(
                "{base}\n[[years]]\nyear = 2024\nstatus = \"official\"\n\
                 [[years]]\nyear = 2024\nstatus = \"provisional\"\n"
            ),
            "calendar.duplicate_year",
        ),
        (
            "name = \"x\"\ntime_zone = \"+07:00\"\n[hours]\n".to_owned(),
            "calendar.empty_week",
        ),
        ("not toml [".to_owned(), "calendar.syntax"),
    ];
    use motcua_core::Localized;
    for (text, code) in cases {
        let e: CalendarError = Calendar::from_toml(&text).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
        assert!(!e.message(motcua_core::Lang::Vi).is_empty());
    }
}

#[test]
fn saturday_mornings_can_be_configured() {
    let text = include_str!("../../../assets/calendars/vn-public-servants.toml")
        .replace("saturday = []", "saturday = [\"07:30-11:30\"]");
    // A base file alone holds no year: deadlines need the years' holidays too.
    let bare = Calendar::from_toml(&text).unwrap();
    assert!(bare.next_working_instant(t("15/11/2025 06:00")).is_err());
    let c = bare.with_bundled_years();
    assert_eq!(
        c.next_working_instant(t("15/11/2025 06:00")).unwrap(),
        t("15/11/2025 07:30")
    );
    assert_eq!(
        c.add_working_hours(t("14/11/2025 16:00"), 5).unwrap(),
        t("15/11/2025 11:30")
    );
    assert_eq!(
        c.add_working_hours(t("14/11/2025 16:00"), 6).unwrap(),
        t("17/11/2025 08:00")
    );
}

fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
    // Any minute from 2024-01-01 to the end of 2026.
    (0i64..(3 * 366 * 24 * 60)).prop_map(|m| t("01/01/2024 00:00") + Duration::minutes(m))
}

fn inside_office_hours(c: &Calendar, x: DateTime<FixedOffset>) -> bool {
    let local = x.naive_local();
    c.office_hours(local.date())
        .unwrap()
        .iter()
        .any(|&(s, e)| local.time() >= s && local.time() <= e)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn adding_a_then_b_equals_adding_a_plus_b(t0 in instant(), a in 0i64..6000, b in 0i64..6000) {
        let c = cal();
        let (a, b) = (Duration::minutes(a), Duration::minutes(b));
        prop_assert_eq!(c.add_working(c.add_working(t0, a).unwrap(), b).unwrap(), c.add_working(t0, a + b).unwrap());
    }

    #[test]
    fn a_due_instant_is_inside_office_hours(t0 in instant(), h in 0u32..400) {
        let c = cal();
        let due = c.add_working_hours(t0, h).unwrap();
        prop_assert!(inside_office_hours(&c, due), "{} + {}h = {}", t0, h, due);
        prop_assert!(due >= t0);
    }

    #[test]
    fn working_time_between_t_and_t_plus_h_is_h(t0 in instant(), m in 0i64..30000) {
        let c = cal();
        let d = Duration::minutes(m);
        prop_assert_eq!(c.working_between(t0, c.add_working(t0, d).unwrap()).unwrap(), d);
    }

    #[test]
    fn adding_more_never_ends_earlier(t0 in instant(), a in 0i64..6000, extra in 0i64..6000) {
        let c = cal();
        prop_assert!(c.add_working(t0, Duration::minutes(a)).unwrap() <= c.add_working(t0, Duration::minutes(a + extra)).unwrap());
    }

    #[test]
    fn next_working_instant_is_open_office_time(t0 in instant()) {
        let c = cal();
        let n = c.next_working_instant(t0).unwrap();
        prop_assert!(n >= t0);
        let local = n.naive_local();
        prop_assert!(c.office_hours(local.date()).unwrap().iter().any(|&(s, e)| local.time() >= s && local.time() < e));
        // Nothing in between is office time.
        prop_assert_eq!(c.working_between(t0, n).unwrap(), Duration::zero());
        prop_assert_eq!(n.second(), t0.second());
    }

    #[test]
    fn resuming_after_a_pause_keeps_the_remaining_time(t0 in instant(), h in 1u32..200, p in 0i64..3000) {
        let c = cal();
        let due = c.add_working_hours(t0, h).unwrap();
        let paused_at = c.add_working(t0, Duration::minutes(p.min(h as i64 * 60))).unwrap();
        let resumed_at = paused_at + Duration::hours(30);
        let new_due = c.resume(due, paused_at, resumed_at).unwrap();
        prop_assert_eq!(
            c.working_between(t0, new_due).unwrap() - c.working_between(paused_at, resumed_at).unwrap(),
            Duration::hours(h as i64)
        );
    }
}
