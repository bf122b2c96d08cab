//! The hall's queue on the real server: numbers issued concurrently by kiosks, counters that call
//! in order, a closed window refused with when to come back, boards and a ticket's public page.

use std::collections::BTreeMap;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

const CENTRE: &str = "000.00.01.H16";

fn q(path: &str) -> String {
    format!("/api/v1/centres/{CENTRE}/queue{path}")
}

/// A JSON client speaking as an enrolled kiosk of the demo centre.
async fn kiosk(srv: &TestServer, name: &str) -> Client {
    let (store, _, _) = srv.enrol_kiosk(name).await;
    let mut c = srv.anon();
    c.token = store.state("token").unwrap();
    assert!(c.token.is_some());
    c
}

#[tokio::test]
async fn four_kiosks_issue_two_thousand_distinct_numbers_consecutive_per_service() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let (s, mut cfg) = admin.get(&q("")).await;
    assert_eq!(s, StatusCode::OK, "{cfg}");
    for svc in cfg["services"].as_array_mut().unwrap() {
        svc["daily_limit"] = json!(799);
    }
    let (s, v) = admin.send("PUT", &q(""), cfg).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut kiosks = Vec::new();
    for i in 0..4 {
        kiosks.push(kiosk(&srv, &format!("k{i}")).await);
    }
    let mut tasks = Vec::new();
    for (k, client) in kiosks.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for i in 0..500 {
                let service = ["A", "B", "C"][(i + k) % 3];
                let (s, v) = client
                    .post("/api/v1/sync/tickets", json!({ "service": service }))
                    .await;
                assert_eq!(s, StatusCode::OK, "{v}");
                got.push(v["number"].as_str().unwrap().to_owned());
            }
            got
        }));
    }
    let mut by_service: BTreeMap<char, Vec<u16>> = BTreeMap::new();
    let mut all = std::collections::BTreeSet::new();
    for t in tasks {
        for n in t.await.unwrap() {
            assert!(all.insert(n.clone()), "{n} given twice");
            by_service
                .entry(n.chars().next().unwrap())
                .or_default()
                .push(n[1..].parse().unwrap());
        }
    }
    assert_eq!(all.len(), 2000);
    for (letter, mut numbers) in by_service {
        numbers.sort();
        let n = numbers.len() as u16;
        assert_eq!(numbers, (1..=n).collect::<Vec<_>>(), "service {letter}");
    }
    // The board counts them.
    let (s, board) = srv
        .anon()
        .get(&format!("/api/v1/public/centres/{CENTRE}/queue"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let waiting: u64 = board["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["waiting"].as_u64().unwrap())
        .sum();
    assert_eq!(waiting, 2000);
}

async fn issue(c: &Client, service: &str, priority: Option<&str>) -> Value {
    let (s, v) = c
        .post(
            &q("/tickets"),
            json!({ "service": service, "priority": priority }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

#[tokio::test]
async fn a_counter_calls_priority_first_then_by_issue_time_and_serves() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let officer = srv.staff("cv.tuphap").await;
    let first = issue(&desk, "A", None).await;
    assert_eq!(first["number"], "A001");
    assert_eq!(first["ahead"], 0);
    srv.clock.advance(Duration::minutes(1));
    let second = issue(&desk, "A", None).await;
    assert_eq!(second["ahead"], 1);
    srv.clock.advance(Duration::minutes(1));
    let elderly = issue(&desk, "A", Some("elderly")).await;
    assert_eq!(elderly["number"], "A003");
    assert_eq!(elderly["ahead"], 0, "served first within its service");

    // Calling without sitting at the counter is refused.
    let (s, v) = officer.post(&q("/counters/1/call-next"), json!({})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.not_seated"))
    );
    // A justice officer may not sit at the land counter; may at counter 1.
    let (s, _) = officer
        .send("PUT", &q("/seat"), json!({"counter": 2}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = officer
        .send("PUT", &q("/seat"), json!({"counter": 1}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["waiting"], 3);
    // Nobody else takes counter 1 meanwhile.
    let other = srv.staff("ld.tuphap").await;
    let (s, v) = other.send("PUT", &q("/seat"), json!({"counter": 1})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.counter_taken"))
    );

    let (s, v) = officer.post(&q("/counters/1/call-next"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["current"]["number"], "A003");
    // One ticket at a time, however it is called; a counter cancels only its own services'.
    let (s, v) = officer
        .post(
            &q("/counters/1/tickets/A001/actions"),
            json!({"type": "call", "counter": 1}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.counter_busy"))
    );
    let b = issue(&desk, "B", None).await;
    let (s, v) = officer
        .post(
            &q(&format!(
                "/counters/1/tickets/{}/actions",
                b["number"].as_str().unwrap()
            )),
            json!({"type": "cancel"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.not_served"))
    );
    let (s, v) = officer.post(&q("/counters/1/call-next"), json!({})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.counter_busy"))
    );
    // The board shows the call; the ticket's page says where to go.
    let (_, board) = srv
        .anon()
        .get(&format!("/api/v1/public/centres/{CENTRE}/queue"))
        .await;
    assert_eq!(board["counters"][0]["number"], "A003");
    assert_eq!(board["counters"][0]["counter"], 1);
    assert_eq!(board["recent"][0]["number"], "A003");
    let (s, page) = srv
        .anon()
        .get(&format!(
            "/api/v1/public/tickets/{}",
            elderly["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(
        (page["state"].as_str(), page["counter"].as_u64()),
        (Some("called"), Some(1))
    );
    let (_, page) = srv
        .anon()
        .get(&format!(
            "/api/v1/public/tickets/{}",
            second["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(page["ahead"], 1);
    assert!(page.get("officer").is_none(), "no names on the public page");

    let act = |number: &str, body: Value| {
        let officer = &officer;
        let path = q(&format!("/counters/1/tickets/{number}/actions"));
        async move { officer.post(&path, body).await }
    };
    // Finishing before starting, then twice: a precise refusal, nothing changed.
    let (s, v) = act("A003", json!({"type": "finish"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.illegal_transition"))
    );
    assert!(
        v["error"]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("Đã gọi"),
        "{v}"
    );
    let (s, _) = act("A003", json!({"type": "start"})).await;
    assert_eq!(s, StatusCode::OK);
    srv.clock.advance(Duration::minutes(6));
    let (s, v) = act(
        "A003",
        json!({"type": "finish", "dossier": "000.00.01.H16-251110-0001"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["current"].is_null());
    let (s, v) = act("A003", json!({"type": "finish"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.illegal_transition"))
    );

    // The visitor rates the service with the key in the ticket's QR: tied to counter 1 and its
    // officer, once; without the key, or before being served, it is refused.
    let key = elderly["key"].as_str().unwrap();
    assert!(key.len() >= 8);
    let (_, page) = srv
        .anon()
        .get(&format!(
            "/api/v1/public/tickets/{}",
            elderly["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(page["may_rate"], true);
    assert!(
        page.get("key").is_none(),
        "the key is never on the public page"
    );
    let public = srv.anon();
    let rate =
        |ticket: &Value, key: &str| json!({"level": 3, "ticket": ticket["id"], "secret": key});
    let (s, v) = public
        .post("/api/v1/public/ratings", rate(&elderly, "0000000000"))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("rating.ticket_key"))
    );
    let (s, v) = public
        .post(
            "/api/v1/public/ratings",
            rate(&second, second["key"].as_str().unwrap()),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("rating.ticket_not_served"))
    );
    let (s, v) = public
        .post("/api/v1/public/ratings", rate(&elderly, key))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["counter"], "1");
    assert!(v["officer"].as_str().is_some_and(|o| !o.is_empty()), "{v}");
    let (s, v) = public
        .post("/api/v1/public/ratings", rate(&elderly, key))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("rating.already"))
    );
    let (_, page) = srv
        .anon()
        .get(&format!(
            "/api/v1/public/tickets/{}",
            elderly["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(page["may_rate"], false);

    // Then the first issued; a no-show only after two recalls.
    let (_, v) = officer.post(&q("/counters/1/call-next"), json!({})).await;
    assert_eq!(v["current"]["number"], "A001");
    let (s, v) = act("A001", json!({"type": "no_show"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.recall_first"))
    );
    for _ in 0..2 {
        let (s, _) = act("A001", json!({"type": "recall"})).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, _) = act("A001", json!({"type": "no_show"})).await;
    assert_eq!(s, StatusCode::OK);
    // A002 goes to service E with its place by issue time; counter 1 does not serve E.
    let (_, v) = officer.post(&q("/counters/1/call-next"), json!({})).await;
    assert_eq!(v["current"]["number"], "A002");
    let (s, v) = act("A002", json!({"type": "transfer", "service": "Z"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("queue.no_such_service"))
    );
    let (s, _) = act("A002", json!({"type": "transfer", "service": "E"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = officer.post(&q("/counters/1/call-next"), json!({})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("queue.empty"))
    );
    let (_, page) = srv
        .anon()
        .get(&format!(
            "/api/v1/public/tickets/{}",
            second["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (page["service"].as_str(), page["number"].as_str()),
        (Some("E"), Some("A002"))
    );

    // The estimate learns from service times: with three served in about six minutes each,
    // two people ahead at one open counter wait about twelve minutes.
    for _ in 0..3 {
        issue(&desk, "A", None).await;
    }
    for _ in 0..3 {
        let (_, v) = officer.post(&q("/counters/1/call-next"), json!({})).await;
        let n = v["current"]["number"].as_str().unwrap().to_owned();
        act(&n, json!({"type": "start"})).await;
        srv.clock.advance(Duration::minutes(6));
        let (s, _) = act(&n, json!({"type": "finish"})).await;
        assert_eq!(s, StatusCode::OK);
    }
    for _ in 0..2 {
        issue(&desk, "A", None).await;
    }
    let third = issue(&desk, "A", None).await;
    assert_eq!(third["ahead"], 2);
    assert_eq!(third["wait_minutes"], 12, "{third}");

    // Every staff action is audited.
    let admin = srv.staff("qt.trungtam").await;
    let (_, audit) = admin.get("/api/v1/admin/audit?action=queue_call").await;
    assert!(audit.as_array().unwrap().len() >= 5, "{audit}");
    // Leaving frees the counter.
    let (s, _) = officer.send("DELETE", &q("/seat"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = other.send("PUT", &q("/seat"), json!({"counter": 1})).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn outside_the_windows_the_kiosk_is_told_when_to_come_back() {
    let srv = start().await;
    let k = kiosk(&srv, "k").await;
    // Monday 10/11/2025 11:20, lunch.
    srv.clock.advance(Duration::minutes(140));
    let (s, v) = k
        .post("/api/v1/sync/tickets", json!({"service": "B"}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.closed")),
        "{v}"
    );
    assert!(
        v["error"]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("13:15 10/11/2025"),
        "{v}"
    );
    assert!(
        v["error"]["message"]["en"]
            .as_str()
            .unwrap()
            .contains("come back at 13:15"),
        "{v}"
    );
    let (_, board) = srv
        .anon()
        .get(&format!("/api/v1/public/centres/{CENTRE}/queue"))
        .await;
    let b = board["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["service"] == "B")
        .unwrap();
    assert_eq!(b["issuing"], false);
    assert!(
        b["next_open"]
            .as_str()
            .unwrap()
            .starts_with("2025-11-10T13:15")
    );
    // Unknown services, bad bodies, another centre: precise errors.
    let (s, v) = k
        .post("/api/v1/sync/tickets", json!({"service": "Q"}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("queue.no_such_service"))
    );
    let (s, _) = k
        .post("/api/v1/sync/tickets", json!({"service": "AB"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = srv
        .anon()
        .post("/api/v1/sync/tickets", json!({"service": "A"}))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let desk = srv.staff("tiepnhan.tanlap").await;
    let (s, _) = desk.post(&q("/tickets"), json!({"service": "A"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another desk's centre");
    for bad in [
        "x",
        "000.00.01.H16-251110-A0000",
        "000.00.01.H16-991399-A001",
        "-",
    ] {
        let (s, _) = srv
            .anon()
            .get(&format!("/api/v1/public/tickets/{bad}"))
            .await;
        assert!(
            s == StatusCode::BAD_REQUEST || s == StatusCode::NOT_FOUND,
            "{bad}: {s}"
        );
    }
}

#[tokio::test]
async fn the_daily_limit_and_the_configuration_are_kept() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let desk = srv.staff("tiepnhan1").await;
    let (_, mut cfg) = admin.get(&q("")).await;
    cfg["services"][3]["daily_limit"] = json!(2);
    let (s, _) = admin.send("PUT", &q(""), cfg.clone()).await;
    assert_eq!(s, StatusCode::OK);
    issue(&desk, "D", None).await;
    issue(&desk, "D", None).await;
    let (s, v) = desk.post(&q("/tickets"), json!({"service": "D"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.daily_limit"))
    );
    // The next working day starts again at 1.
    srv.clock.advance(Duration::days(1));
    assert_eq!(issue(&desk, "D", None).await["number"], "D001");
    // A service with people waiting cannot be removed, only taken out of use.
    let mut removed = cfg.clone();
    removed["services"].as_array_mut().unwrap().remove(3);
    for c in removed["counters"].as_array_mut().unwrap() {
        c["services"].as_array_mut().unwrap().retain(|l| l != "D");
    }
    removed["counters"]
        .as_array_mut()
        .unwrap()
        .retain(|c| !c["services"].as_array().unwrap().is_empty());
    let (s, v) = admin.send("PUT", &q(""), removed).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.service_in_use"))
    );
    let mut off = cfg.clone();
    off["services"][3]["active"] = json!(false);
    let (s, _) = admin.send("PUT", &q(""), off).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = desk.post(&q("/tickets"), json!({"service": "D"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("queue.service_inactive"))
    );
    // Invalid configurations and non-admins are refused.
    let mut bad = cfg.clone();
    bad["services"][0]["letter"] = json!("B");
    let (s, _) = admin.send("PUT", &q(""), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = desk.send("PUT", &q(""), cfg.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A centre admin of another centre cannot touch this one.
    let sys = srv.staff("qt.hethong").await;
    let (s, v) = sys
        .post(
            "/api/v1/admin/users",
            json!({"username": "qt.khac", "full_name": "Lê Văn Khác", "role": "centre_admin", "agency": "000.30.31.H16"}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let once = v["one_time_password"].as_str().unwrap().to_owned();
    let other = srv.sign_in(srv.anon(), "qt.khac", &once).await;
    let (s, _) = other
        .post(
            "/api/v1/auth/password",
            json!({"current_password": once, "new_password": "mat-khau-rieng-2026"}),
        )
        .await;
    assert!(s.is_success());
    let other = srv
        .sign_in(srv.anon(), "qt.khac", "mat-khau-rieng-2026")
        .await;
    let (s, _) = other.send("PUT", &q(""), cfg).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = other.get(&q("/stats")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// The demo centre comes with five working days of simulated tickets: statistics by service,
/// counter, officer and hour (JSON and CSV), and how far the wait estimate would have been from
/// the real waits on them.
#[tokio::test]
async fn statistics_and_the_estimates_error_on_the_demo_history() {
    use motcua_core::queue::{QueueConfig, Ticket, replay_estimates};
    use motcua_server::db::{QUEUE_STATS, QUEUES, TICKETS, decode, get};
    use redb::ReadableTable;
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let week = "from=2025-11-03&to=2025-11-07";
    let (s, v) = admin.get(&q(&format!("/stats?{week}&by=service"))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let total = &v["total"];
    let issued = total["issued"].as_u64().unwrap();
    assert!(issued > 500, "{total}");
    assert_eq!(
        total["served"].as_u64().unwrap() + total["no_show"].as_u64().unwrap(),
        total["called"].as_u64().unwrap()
    );
    assert_eq!(v["rows"].as_array().unwrap().len(), 5);
    assert_eq!(v["wait_buckets"].as_array().unwrap().len(), 21);
    let bucketed: u64 = v["wait_buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap())
        .sum();
    assert_eq!(bucketed, total["called"].as_u64().unwrap());
    assert_eq!(v["busiest_hours"][0], 8, "{}", v["issued_by_hour"]);
    for by in ["counter", "officer", "hour"] {
        let (s, v) = admin.get(&q(&format!("/stats?{week}&by={by}"))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let sum: u64 = v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["issued"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, issued, "{by}");
    }
    let r = admin
        .typed()
        .raw(
            "GET",
            &q(&format!("/stats?{week}&by=officer&format=csv")),
            None,
        )
        .await
        .unwrap();
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(
        text.starts_with('\u{feff}'),
        "a byte-order mark for spreadsheets"
    );
    assert!(
        text.contains("cv.tuphap") && text.contains("TỔNG (TOTAL)"),
        "{text}"
    );
    // Not for officers; a bounded period.
    let officer = srv.staff("cv.tuphap").await;
    let (s, _) = officer.get(&q(&format!("/stats?{week}"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = admin.get(&q("/stats?from=2024-01-01&to=2025-11-07")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // The estimate replayed on each day.
    let store = srv.state.store.clone();
    let cal = srv.state.cal.get();
    let (cfg, days) = store
        .read(move |txn| {
            let cfg: QueueConfig = get(&txn.open_table(QUEUES)?, CENTRE)?.unwrap();
            let mut days: BTreeMap<u32, Vec<Ticket>> = BTreeMap::new();
            for item in txn.open_table(TICKETS)?.iter()? {
                let (k, v) = item?;
                days.entry(k.value().1)
                    .or_default()
                    .push(decode(v.value())?);
            }
            Ok::<_, motcua_server::ops::Error>((cfg, days))
        })
        .await
        .unwrap();
    let stats = store.clone();
    let history = move |letter: char, at: chrono::DateTime<chrono::FixedOffset>| {
        let (wd, h) = motcua_core::queue::hour_slot(&cal, at);
        let l = letter.to_string();
        stats
            .read_now(|txn| {
                let t = txn.open_table(QUEUE_STATS)?;
                let found =
                    t.get((CENTRE, l.as_str(), wd.num_days_from_monday() as u8, h as u8))?;
                Ok::<_, motcua_server::ops::Error>(found.map(|v| v.value()))
            })
            .unwrap()
            .filter(|(n, _)| *n > 0)
            .map(|(n, sum)| sum as f64 / n as f64)
    };
    let (mut n, mut err, mut wait) = (0usize, 0.0, 0.0);
    for tickets in days.values() {
        let e = replay_estimates(&cfg, tickets, &history);
        n += e.tickets;
        err += e.mae_min * e.tickets as f64;
        wait += e.mean_wait_min * e.tickets as f64;
    }
    let (mae, mean_wait) = (err / n as f64, wait / n as f64);
    eprintln!(
        "wait estimate on the demo history: {n} tickets, mean absolute error {mae:.1} min, mean wait {mean_wait:.1} min"
    );
    assert!(n > 500);
    assert!(
        mae < mean_wait,
        "the estimate is better than nothing: {mae:.1} vs {mean_wait:.1}"
    );
}
