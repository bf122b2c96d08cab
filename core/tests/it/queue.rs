//! The hall's queue: issuing hours over the calendar, the order a counter calls in, a ticket's
//! life from waiting to served, and the number space shared by the server and offline kiosks.

use chrono::{DateTime, FixedOffset, NaiveTime, TimeZone};
use motcua_core::Calendar;
use motcua_core::booking::*;
use motcua_core::i18n::{Lang, Localized};
use motcua_core::queue::*;
use proptest::prelude::*;

fn vn() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

/// `dd/mm/yyyy hh:mm` in Vietnam time.
fn t(s: &str) -> DateTime<FixedOffset> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%d/%m/%Y %H:%M").unwrap();
    vn().from_local_datetime(&naive).unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn config() -> QueueConfig {
    let service = |letter, name: &str, saturday| Service {
        letter,
        name_vi: name.into(),
        name_en: String::new(),
        procedures: vec![],
        agencies: vec![],
        daily_limit: 300,
        hours: vec![
            Window {
                from: hm(7, 15),
                to: hm(11, 15),
            },
            Window {
                from: hm(13, 15),
                to: hm(16, 30),
            },
        ],
        saturday: if saturday {
            vec![Window {
                from: hm(7, 30),
                to: hm(11, 0),
            }]
        } else {
            vec![]
        },
        active: true,
        booking: (letter == 'A').then_some(BookingRule {
            slot_minutes: 45,
            capacity: 3,
            days_ahead: 7,
            grace_minutes: 15,
        }),
    };
    QueueConfig {
        services: vec![
            service('A', "Tư pháp – Hộ tịch", true),
            service('B', "Đất đai", false),
        ],
        counters: vec![
            CounterDef {
                number: 1,
                name: "Quầy 1".into(),
                services: vec!['A'],
            },
            CounterDef {
                number: 2,
                name: "Quầy 2".into(),
                services: vec!['A', 'B'],
            },
        ],
        recalls_before_no_show: 2,
    }
}

fn ticket(letter: char, n: u16, at: &str, priority: Option<Priority>) -> Ticket {
    let at = t(at);
    Ticket::issued(
        at.date_naive(),
        TicketNumber { letter, number: n },
        priority,
        at,
        Issuer::Desk {
            user: "desk".into(),
        },
    )
}

fn step(tk: &mut Ticket, cfg: &QueueConfig, cmd: TicketCommand, counter: Option<u16>, at: &str) {
    let e = tk.decide(cfg, &cmd, counter, t(at), "officer").unwrap();
    tk.apply(&e);
}

#[test]
fn numbers_read_as_the_hall_hears_them() {
    let n = TicketNumber {
        letter: 'A',
        number: 12,
    };
    assert_eq!(n.to_string(), "A012");
    assert_eq!(n.spoken(Lang::Vi), ["A", "không", "một", "hai"]);
    assert_eq!(n.spoken(Lang::En), ["A", "zero", "one", "two"]);
    assert_eq!(TicketNumber::parse("A012").unwrap(), n);
    assert_eq!(TicketNumber::parse(" A12 ").unwrap(), n);
    for bad in [
        "", "A", "a012", "A0000", "A000", "AB12", "A-12", "Ä12", "A1٢",
    ] {
        assert!(TicketNumber::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_number_space_splits_between_the_server_and_offline_kiosks() {
    let mut seen = std::collections::BTreeSet::new();
    for n in ONLINE_FIRST..=ONLINE_LAST {
        assert!(seen.insert(n));
    }
    for slot in 1..=OFFLINE_SLOTS {
        let block = offline_block(slot).unwrap();
        assert_eq!(block.len(), usize::from(OFFLINE_BLOCK));
        for n in block {
            assert!(seen.insert(n), "{n} given twice");
        }
    }
    assert_eq!(seen.len(), 999, "every number of 1–999 has one owner");
    assert_eq!(offline_block(1), Some(950..=999));
    assert_eq!(offline_block(0), None);
    assert_eq!(offline_block(OFFLINE_SLOTS + 1), None);
}

#[test]
fn issuing_follows_the_windows_the_calendar_and_saturdays() {
    let cal = Calendar::vietnam_default();
    let cfg = config();
    let a = cfg.service('A').unwrap();
    let b = cfg.service('B').unwrap();
    // Monday 30/11/2026.
    assert!(cfg.issuing(a, &cal, t("30/11/2026 07:15")).is_ok());
    assert!(cfg.issuing(a, &cal, t("30/11/2026 11:14")).is_ok());
    let lunch = cfg.issuing(a, &cal, t("30/11/2026 11:15")).unwrap_err();
    assert_eq!(lunch.next_open, Some(t("30/11/2026 13:15")));
    let evening = cfg.issuing(a, &cal, t("30/11/2026 16:30")).unwrap_err();
    assert_eq!(evening.next_open, Some(t("01/12/2026 07:15")));
    // Friday evening: A opens on Saturday morning, B on Monday.
    assert_eq!(
        cfg.issuing(a, &cal, t("04/12/2026 17:00"))
            .unwrap_err()
            .next_open,
        Some(t("05/12/2026 07:30"))
    );
    assert_eq!(
        cfg.issuing(b, &cal, t("04/12/2026 17:00"))
            .unwrap_err()
            .next_open,
        Some(t("07/12/2026 07:15"))
    );
    assert!(cfg.issuing(a, &cal, t("05/12/2026 08:00")).is_ok());
    assert!(cfg.issuing(b, &cal, t("05/12/2026 08:00")).is_err());
    // New Year's Day 2027 is a holiday (Friday); Saturday 2/1 is not, Sunday never.
    assert!(cfg.issuing(a, &cal, t("01/01/2027 09:00")).is_err());
    assert!(cfg.issuing(a, &cal, t("03/01/2027 09:00")).is_err());
    // A service taken out of use never opens.
    let mut off = a.clone();
    off.active = false;
    assert_eq!(
        cfg.issuing(&off, &cal, t("30/11/2026 09:00")),
        Err(Closed { next_open: None })
    );
}

#[test]
fn a_counter_calls_priority_first_then_by_issue_time_among_its_services() {
    let cfg = config();
    let tickets = vec![
        ticket('A', 1, "30/11/2026 07:20", None),
        ticket('B', 1, "30/11/2026 07:18", None),
        ticket('A', 2, "30/11/2026 07:25", Some(Priority::Elderly)),
        // An offline ticket issued before A001 takes its place by time, not number.
        ticket('A', 950, "30/11/2026 07:19", None),
    ];
    let c1 = cfg.counter(1).unwrap();
    let c2 = cfg.counter(2).unwrap();
    let order = |c: &CounterDef| {
        let mut left = tickets.clone();
        let mut out = vec![];
        while let Some(next) = next_for_counter(c, &left).cloned() {
            out.push(next.number.to_string());
            left.retain(|t| t.number != next.number);
        }
        out
    };
    assert_eq!(order(c1), ["A002", "A950", "A001"]);
    assert_eq!(order(c2), ["A002", "B001", "A950", "A001"]);
}

#[test]
fn a_ticket_is_called_served_and_finished_once() {
    let cfg = config();
    let mut tk = ticket('A', 12, "30/11/2026 07:20", None);
    // Counter 3 does not exist; counter 1 does not serve B.
    assert_eq!(
        tk.decide(
            &cfg,
            &TicketCommand::Call { counter: 3 },
            None,
            t("30/11/2026 08:00"),
            "o"
        ),
        Err(QueueError::NoSuchCounter(3))
    );
    step(
        &mut tk,
        &cfg,
        TicketCommand::Call { counter: 2 },
        Some(2),
        "30/11/2026 08:00",
    );
    assert_eq!(tk.state, TicketState::Called);
    // Another counter cannot take it.
    assert_eq!(
        tk.decide(
            &cfg,
            &TicketCommand::Start,
            Some(1),
            t("30/11/2026 08:01"),
            "o"
        ),
        Err(QueueError::OtherCounter(2))
    );
    step(
        &mut tk,
        &cfg,
        TicketCommand::Start,
        Some(2),
        "30/11/2026 08:01",
    );
    step(
        &mut tk,
        &cfg,
        TicketCommand::Hold,
        Some(2),
        "30/11/2026 08:05",
    );
    step(
        &mut tk,
        &cfg,
        TicketCommand::Return,
        Some(2),
        "30/11/2026 08:15",
    );
    step(
        &mut tk,
        &cfg,
        TicketCommand::Start,
        Some(2),
        "30/11/2026 08:16",
    );
    step(
        &mut tk,
        &cfg,
        TicketCommand::Finish {
            dossier: Some("000.00.12.H16-261130-0001".into()),
        },
        Some(2),
        "30/11/2026 08:20",
    );
    assert_eq!(tk.state, TicketState::Done);
    assert_eq!(tk.dossier.as_deref(), Some("000.00.12.H16-261130-0001"));
    assert_eq!(tk.called_at, Some(t("30/11/2026 08:00")));
    assert_eq!(tk.history.len(), 6);
    // Finishing twice is refused with the state it is in, in both languages.
    let twice = tk
        .decide(
            &cfg,
            &TicketCommand::Finish { dossier: None },
            Some(2),
            t("30/11/2026 08:21"),
            "o",
        )
        .unwrap_err();
    assert_eq!(twice.code(), "queue.illegal_transition");
    assert!(twice.message(Lang::Vi).contains("Đã phục vụ xong"));
    assert!(twice.message(Lang::En).contains("Served"));
}

#[test]
fn a_no_show_needs_the_recalls_the_centre_requires() {
    let cfg = config();
    let mut tk = ticket('A', 3, "30/11/2026 07:20", None);
    step(
        &mut tk,
        &cfg,
        TicketCommand::Call { counter: 1 },
        Some(1),
        "30/11/2026 08:00",
    );
    let at = t("30/11/2026 08:01");
    assert_eq!(
        tk.decide(&cfg, &TicketCommand::NoShow, Some(1), at, "o"),
        Err(QueueError::RecallFirst(2))
    );
    step(
        &mut tk,
        &cfg,
        TicketCommand::Recall,
        Some(1),
        "30/11/2026 08:01",
    );
    step(
        &mut tk,
        &cfg,
        TicketCommand::Recall,
        Some(1),
        "30/11/2026 08:02",
    );
    step(
        &mut tk,
        &cfg,
        TicketCommand::NoShow,
        Some(1),
        "30/11/2026 08:03",
    );
    assert_eq!(tk.state, TicketState::NoShow);
    assert!(tk.state.is_final());
}

#[test]
fn a_transfer_keeps_the_issue_time_and_refuses_a_closed_service() {
    let mut cfg = config();
    let mut tk = ticket('A', 5, "30/11/2026 07:20", None);
    step(
        &mut tk,
        &cfg,
        TicketCommand::Call { counter: 2 },
        Some(2),
        "30/11/2026 08:00",
    );
    step(
        &mut tk,
        &cfg,
        TicketCommand::Start,
        Some(2),
        "30/11/2026 08:01",
    );
    assert_eq!(
        tk.decide(
            &cfg,
            &TicketCommand::Transfer { service: 'A' },
            Some(2),
            t("30/11/2026 08:02"),
            "o"
        ),
        Err(QueueError::SameService('A'))
    );
    cfg.services[1].active = false;
    assert_eq!(
        tk.decide(
            &cfg,
            &TicketCommand::Transfer { service: 'B' },
            Some(2),
            t("30/11/2026 08:02"),
            "o"
        ),
        Err(QueueError::ServiceInactive('B'))
    );
    cfg.services[1].active = true;
    step(
        &mut tk,
        &cfg,
        TicketCommand::Transfer { service: 'B' },
        Some(2),
        "30/11/2026 08:02",
    );
    assert_eq!((tk.state, tk.service), (TicketState::Waiting, 'B'));
    assert_eq!(
        tk.number.to_string(),
        "A005",
        "the visitor keeps the number they hold"
    );
    // In B's line it goes before a B ticket issued later.
    let later = ticket('B', 1, "30/11/2026 07:30", None);
    let both = [later, tk.clone()];
    assert_eq!(
        next_for_counter(cfg.counter(2).unwrap(), &both)
            .unwrap()
            .number,
        tk.number
    );
    // Counter 1 does not serve B.
    assert_eq!(
        tk.decide(
            &cfg,
            &TicketCommand::Call { counter: 1 },
            Some(1),
            t("30/11/2026 08:03"),
            "o"
        ),
        Err(QueueError::NotServed(1, 'B'))
    );
}

#[test]
fn configuration_is_checked() {
    assert!(config().check().is_ok());
    let mut bad = config();
    bad.services[1].letter = 'A';
    assert!(bad.check().is_err(), "duplicate letter");
    let mut bad = config();
    bad.services[0].daily_limit = ONLINE_LAST + 1;
    assert!(bad.check().is_err(), "limit into the offline blocks");
    let mut bad = config();
    bad.services[0].hours[1].from = hm(11, 0);
    assert!(bad.check().is_err(), "overlapping windows");
    let mut bad = config();
    bad.counters[0].services = vec!['Z'];
    assert!(bad.check().is_err(), "counter of an unknown service");
    let mut bad = config();
    bad.counters[0].number = 1000;
    assert!(bad.check().is_err(), "a counter the voice cannot say");
    let mut bad = config();
    bad.services[0].name_vi = "x".repeat(101);
    assert!(bad.check().is_err(), "long name");
}

#[test]
fn wait_estimates() {
    assert_eq!(estimate_wait(6, Some(300.0), 2), Some(15));
    assert_eq!(estimate_wait(0, Some(300.0), 2), Some(0));
    assert_eq!(estimate_wait(6, None, 2), None);
    assert_eq!(estimate_wait(6, Some(300.0), 0), None);
    assert_eq!(estimate_wait(u32::MAX, Some(f64::MAX), 1), Some(1440));
    assert_eq!(estimate_wait(3, Some(f64::NAN), 1), None);
}

proptest! {
    /// Any text is a ticket number or a named error, never a panic; a number reads back as itself.
    #[test]
    fn any_text_is_a_number_or_an_error(s in "\\PC{0,8}") {
        if let Ok(n) = TicketNumber::parse(&s) {
            prop_assert_eq!(TicketNumber::parse(&n.to_string()).unwrap(), n);
        }
    }

    /// Whatever the commands, a ticket never leaves a final state and its history grows by one
    /// per accepted command.
    #[test]
    fn tickets_never_leave_a_final_state(cmds in proptest::collection::vec(0u8..9, 0..30)) {
        let cfg = config();
        let mut tk = ticket('A', 1, "30/11/2026 07:20", None);
        let mut at = t("30/11/2026 08:00");
        for c in cmds {
            let cmd = match c {
                0 => TicketCommand::Call { counter: 2 },
                1 => TicketCommand::Recall,
                2 => TicketCommand::NoShow,
                3 => TicketCommand::Start,
                4 => TicketCommand::Finish { dossier: None },
                5 => TicketCommand::Transfer { service: if tk.service == 'A' { 'B' } else { 'A' } },
                6 => TicketCommand::Hold,
                7 => TicketCommand::Return,
                _ => TicketCommand::Cancel,
            };
            at += chrono::Duration::minutes(1);
            let before = (tk.state, tk.history.len());
            match tk.decide(&cfg, &cmd, Some(2), at, "o") {
                Ok(e) => {
                    prop_assert!(!before.0.is_final());
                    tk.apply(&e);
                    prop_assert_eq!(tk.history.len(), before.1 + 1);
                }
                Err(_) => prop_assert_eq!(tk.state, before.0),
            }
        }
    }
}

#[test]
fn slots_are_cut_from_the_issuing_windows() {
    let cfg = config();
    let cal = Calendar::vietnam_default();
    let a = cfg.service('A').unwrap();
    // A working Tuesday: 07:15–11:15 gives five 45-minute slots (the sixth would end at 11:45),
    // 13:15–16:30 gives four.
    let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let slots = cfg.slots(a, &cal, d).unwrap();
    let shown: Vec<String> = slots.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        shown,
        [
            "07:15–08:00",
            "08:00–08:45",
            "08:45–09:30",
            "09:30–10:15",
            "10:15–11:00",
            "13:15–14:00",
            "14:00–14:45",
            "14:45–15:30",
            "15:30–16:15"
        ]
    );
    // Saturday: its own hours; Sunday and New Year's Day: none; B takes no bookings.
    let sat = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    assert_eq!(cfg.slots(a, &cal, sat).unwrap().len(), 4);
    for closed in [(2026, 12, 6), (2027, 1, 1)] {
        let d = chrono::NaiveDate::from_ymd_opt(closed.0, closed.1, closed.2).unwrap();
        assert!(cfg.slots(a, &cal, d).unwrap().is_empty(), "{d}");
    }
    assert!(
        cfg.slots(cfg.service('B').unwrap(), &cal, d)
            .unwrap()
            .is_empty()
    );
    // A rule out of range is refused with the configuration.
    let mut bad = cfg.clone();
    bad.services[0].booking.as_mut().unwrap().slot_minutes = 5;
    assert!(bad.check().is_err());
}

#[test]
fn a_booked_ticket_takes_its_place_at_the_start_of_its_slot() {
    let cal = Calendar::vietnam_default();
    let booking = Booking {
        code: BookingCode::from_random(7).digits(),
        centre: "000.00.00.H56".into(),
        service: 'A',
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        slot: Slot {
            start: hm(9, 30),
            end: hm(10, 15),
        },
        created_at: t("30/11/2026 10:00"),
        state: BookingState::Booked,
        ticket: None,
        checked_in_at: None,
        cancelled_at: None,
        grace_minutes: 15,
    };
    // Check-in opens 30 minutes before the slot and closes 15 minutes after its start.
    assert!(matches!(
        booking.check_in(&cal, t("01/12/2026 08:59")),
        Err(BookingError::TooEarly(..))
    ));
    let place = booking.check_in(&cal, t("01/12/2026 09:40")).unwrap();
    assert_eq!(place, t("01/12/2026 09:30"));
    assert_eq!(
        booking.status(&cal, t("01/12/2026 09:45")),
        BookingStatus::Lapsed
    );
    assert!(!booking.holds_place(&cal, t("01/12/2026 09:45")));
    assert_eq!(
        booking.check_in(&cal, t("01/12/2026 09:45")),
        Err(BookingError::Lapsed)
    );
    // A walk-in who came at 09:35 waits behind the booking checked in at 09:40; one who came
    // at 09:20 stays ahead of it; a priority ticket stays first.
    let cfg = config();
    let mut booked = ticket('A', 30, "01/12/2026 09:40", None);
    booked.booked_for = Some(place);
    let early = ticket('A', 28, "01/12/2026 09:20", None);
    let late = ticket('A', 29, "01/12/2026 09:35", None);
    let prio = ticket('A', 31, "01/12/2026 09:41", Some(Priority::Elderly));
    let line = [&late, &booked, &early, &prio];
    let first = next_for_counter(cfg.counter(1).unwrap(), line.iter().copied()).unwrap();
    assert_eq!(first.number, prio.number);
    let mut order: Vec<&Ticket> = line.to_vec();
    order.sort_by_key(|t| t.line_key());
    let numbers: Vec<String> = order.iter().map(|t| t.number.to_string()).collect();
    assert_eq!(numbers, ["A031", "A028", "A030", "A029"]);
}
