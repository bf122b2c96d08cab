//! The queue end to end: kiosks that lost the server keep issuing numbers from their own blocks;
//! back online, the tickets reach the server through the outbox, collide with none, and are called
//! in their place by issue time among the numbers the server gave meanwhile.

use chrono::Duration;
use motcua_kiosk::app::{Logic, Options};
use motcua_protocol::sync::{KioskEvent, KioskEventBody, OfflineTicket};
use serde_json::json;

/// An address where nothing listens.
fn dead_server() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

#[test]
fn two_kiosks_offline_for_an_hour_issue_numbers_called_in_issue_time_order() {
    let centre = motcua_testkit::centre(0);
    let (s1, c1, _) = centre.kiosk("q1");
    let (s2, c2, _) = centre.kiosk("q2");
    // Each kiosk learnt the queue and a block of its own while it was online.
    let slot = |s: &motcua_kiosk::store::Store| s.settings().unwrap().unwrap().queue_slot;
    assert!(slot(&s1).is_some() && slot(&s2).is_some());
    assert_ne!(slot(&s1), slot(&s2));
    assert!(s1.queue().unwrap().is_some());
    let dead = dead_server();
    let offline = |s: &motcua_kiosk::store::Store| {
        Logic::new(
            s.clone(),
            Options {
                server: Some(dead.clone()),
                ..Options::default()
            },
        )
    };
    let (k1, k2) = (offline(&s1), offline(&s2));
    let desk = centre.rt.block_on(centre.staff("tiepnhan1"));
    let path = format!(
        "/api/v1/centres/{}/queue/tickets",
        motcua_server::seed::DEMO_CENTRE
    );
    let start = centre.state.clock.now_vn();
    let mut expected = Vec::new();
    for i in 0..12 {
        let t = start + Duration::minutes(5 * i);
        centre.state.clock.set(t.to_utc());
        let (s, v) = centre
            .rt
            .block_on(desk.post(&path, json!({"service": "A"})));
        assert_eq!(s, 200, "{v}");
        expected.push(v["number"].as_str().unwrap().to_owned());
        for (k, m) in [(&k1, 1), (&k2, 2)] {
            let tk = k.take_number('A', None, t + Duration::minutes(m)).unwrap();
            assert!(tk.offline);
            assert!(tk.number.as_str() >= "A800", "{}", tk.number);
            expected.push(tk.number);
        }
    }
    let mut distinct = expected.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 36, "{expected:?}");
    // Back online an hour later: the outboxes go through.
    centre
        .state
        .clock
        .set((start + Duration::minutes(61)).to_utc());
    assert_eq!(centre.rt.block_on(c1.push()).unwrap(), 12);
    assert_eq!(centre.rt.block_on(c2.push()).unwrap(), 12);
    // The same ticket pushed again (a kiosk that lost the acknowledgement) is taken once.
    let again = OfflineTicket {
        day: start.date_naive(),
        number: expected[1].clone(),
        priority: None,
        issued_at: start + Duration::minutes(1),
        key: "0123456789".into(),
    };
    s1.enqueue(|seq| KioskEvent {
        id: uuid::Uuid::new_v4(),
        seq,
        at: again.issued_at,
        body: KioskEventBody::Ticket(again.clone()),
    })
    .unwrap();
    assert_eq!(centre.rt.block_on(c1.push()).unwrap(), 1);
    // Another kiosk's number, or one outside the block, is refused and does not block the outbox.
    s2.enqueue(|seq| KioskEvent {
        id: uuid::Uuid::new_v4(),
        seq,
        at: again.issued_at,
        body: KioskEventBody::Ticket(again.clone()),
    })
    .unwrap();
    assert_eq!(centre.rt.block_on(c2.push()).unwrap(), 1);
    let kiosks = centre.kiosks();
    let k2rec = kiosks.iter().find(|k| k.queue_slot == slot(&s2)).unwrap();
    assert_eq!(
        k2rec.recent_rejections.last().unwrap().code,
        "queue.outside_block"
    );

    let board = centre
        .rt
        .block_on(centre.api().queue_board(motcua_server::seed::DEMO_CENTRE))
        .unwrap();
    let a = board.lines.iter().find(|l| l.service == 'A').unwrap();
    assert_eq!(a.waiting, 36);
    // A counter calls them in issue-time order, online and offline mixed.
    let officer = centre.rt.block_on(centre.staff("cv.tuphap"));
    let q = |p: &str| {
        format!(
            "/api/v1/centres/{}/queue{p}",
            motcua_server::seed::DEMO_CENTRE
        )
    };
    let (s, v) = centre
        .rt
        .block_on(officer.send("PUT", &q("/seat"), json!({"counter": 1})));
    assert_eq!(s, 200, "{v}");
    let mut called = Vec::new();
    for _ in 0..36 {
        let (s, v) = centre
            .rt
            .block_on(officer.post(&q("/counters/1/call-next"), json!({})));
        assert_eq!(s, 200, "{v}");
        let n = v["current"]["number"].as_str().unwrap().to_owned();
        for step in ["start", "finish"] {
            let (s, v) = centre.rt.block_on(officer.post(
                &q(&format!("/counters/1/tickets/{n}/actions")),
                json!({"type": step}),
            ));
            assert_eq!(s, 200, "{v}");
        }
        called.push(n);
    }
    assert_eq!(called, expected);
}

/// A kiosk whose clock jumped: a ticket dated a day still to come is refused (and does not block
/// the outbox); one issued "later today" than the server's now takes now; one of a past day is
/// kept, cancelled, for the statistics.
#[test]
fn a_kiosk_clock_that_jumped_cannot_reorder_the_line() {
    let centre = motcua_testkit::centre(0);
    let (store, client, _) = centre.kiosk("jumped");
    let slot = store.settings().unwrap().unwrap().queue_slot.unwrap();
    let first = *motcua_core::queue::offline_block(slot).unwrap().start();
    let now = centre.state.clock.now_vn();
    let push = |day: chrono::NaiveDate, n: u16, at: chrono::DateTime<chrono::FixedOffset>| {
        let t = OfflineTicket {
            day,
            number: format!("A{n:03}"),
            priority: None,
            issued_at: at,
            key: "abcdef0123".into(),
        };
        store
            .enqueue(|seq| KioskEvent {
                id: uuid::Uuid::new_v4(),
                seq,
                at,
                body: KioskEventBody::Ticket(t),
            })
            .unwrap();
    };
    let today = now.date_naive();
    push(today + Duration::days(3), first, now + Duration::days(3));
    push(today, first + 1, now + Duration::hours(5));
    push(
        today - Duration::days(3),
        first + 2,
        now - Duration::days(3),
    );
    // Years behind: refused like a day to come, never an error that holds the outbox.
    push(chrono::NaiveDate::MIN, first + 3, now);
    assert_eq!(centre.rt.block_on(client.push()).unwrap(), 4);
    assert_eq!(
        store.outbox_depth().unwrap(),
        0,
        "nothing blocks the outbox"
    );
    let kiosk = centre
        .kiosks()
        .into_iter()
        .find(|k| k.queue_slot == Some(slot))
        .unwrap();
    let codes: Vec<&str> = kiosk
        .recent_rejections
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    assert_eq!(codes, ["queue.future_day", "queue.too_old"]);
    let id = |day: chrono::NaiveDate, n: u16| {
        format!(
            "{}-{}-A{n:03}",
            motcua_server::seed::DEMO_CENTRE,
            day.format("%y%m%d")
        )
    };
    let later = centre
        .rt
        .block_on(centre.api().ticket(&id(today, first + 1)))
        .unwrap();
    assert_eq!(later.issued_at, now, "not after the server's now");
    assert_eq!(later.state, motcua_core::queue::TicketState::Waiting);
    let past = centre
        .rt
        .block_on(
            centre
                .api()
                .ticket(&id(today - Duration::days(3), first + 2)),
        )
        .unwrap();
    assert_eq!(past.state, motcua_core::queue::TicketState::Cancelled);
}
