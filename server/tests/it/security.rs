//! The findings of the security probe, each reproduced against the real server and shown to do
//! no harm now.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{GPXD, start};

/// Finding 1: as a head, an apology dated in year 262142, then stop and resume, panicked on the
/// writer thread; every write after it failed (and again after a restart). Now the instant is
/// refused at the edge, an instant the calendar cannot reach is refused with its reason, and
/// the writer takes writes throughout.
#[tokio::test]
async fn no_instant_stops_the_writer() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let head = srv.staff("ld.xaydung").await;
    let c = desk.receive(GPXD, "direct").await;
    desk.ok(
        &c,
        json!({"type": "accept_and_transfer", "agency": "000.00.11.H16"}),
    )
    .await;

    for new_due in [
        "+262142-12-31T23:00:00+07:00",
        "2100-01-01T00:00:00+07:00",
        "0000-06-01T08:00:00+07:00",
        "-0001-06-01T08:00:00+07:00",
    ] {
        let (s, v) = head
            .act(
                &c,
                json!({"type": "apologize", "reason": "Chờ ý kiến", "new_due": new_due}),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("time.out_of_range")),
            "{new_due}: {v}"
        );
    }
    // Inside the accepted years but past what the calendar holds: taken (an appointment needs no
    // calendar), and resuming after a stop, which must walk the calendar to it, is refused with the
    // year to load — not a panic.
    head.ok(
        &c,
        json!({"type": "apologize", "reason": "Chờ ý kiến liên ngành", "new_due": "2099-12-31T16:00:00+07:00"}),
    )
    .await;
    head.ok(
        &c,
        json!({"type": "stop", "reason": "Chờ kết quả tranh chấp"}),
    )
    .await;
    let (s, v) = head.act(&c, json!({"type": "resume"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("calendar.year_not_covered")
        ),
        "{v}"
    );
    assert!(
        v["error"]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("chưa được cập nhật"),
        "{v}"
    );

    // Writes go on: another receipt, an action, and health says so.
    let d = desk.receive(GPXD, "direct").await;
    desk.ok(
        &d,
        json!({"type": "accept_and_transfer", "agency": "000.00.11.H16"}),
    )
    .await;
    let (s, v) = srv.anon().get("/healthz").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["writer"]["running"], true);
    assert_eq!(v["writer"]["panicked"], 0);

    // The deadline calculator: far instants and years 0 and -1 are refused, never a dropped
    // connection.
    for from in [
        "%2B262142-12-31T08:00:00%2B07:00",
        "0000-03-01T08:00:00%2B07:00",
        "-0001-03-01T08:00:00%2B07:00",
        "1999-12-31T08:00:00%2B07:00",
    ] {
        let (s, v) = desk
            .get(&format!("/api/v1/calendar/due?from={from}&working_days=5"))
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("time.out_of_range")),
            "{from}: {v}"
        );
    }
    let (s, v) = desk
        .get("/api/v1/calendar/due?from=2099-06-01T08:00:00%2B07:00&working_days=5")
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("calendar.year_not_covered")
        ),
        "{v}"
    );
    srv.running.stop().await;
}

/// Finding 1, after a restart: the store the attack was tried on opens, and the same resume is
/// refused the same way instead of stopping the writer again.
#[tokio::test]
async fn a_refused_resume_is_refused_again_after_a_restart() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let head = srv.staff("ld.xaydung").await;
    let c = desk.receive(GPXD, "direct").await;
    desk.ok(
        &c,
        json!({"type": "accept_and_transfer", "agency": "000.00.11.H16"}),
    )
    .await;
    head.ok(
        &c,
        json!({"type": "apologize", "reason": "Chờ ý kiến", "new_due": "2099-12-31T16:00:00+07:00"}),
    )
    .await;
    head.ok(&c, json!({"type": "stop", "reason": "Chờ tranh chấp"}))
        .await;
    let srv = crate::common::restart(srv).await;
    let desk = srv.staff("tiepnhan1").await;
    let head = srv.staff("ld.xaydung").await;
    let (s, _) = head.act(&c, json!({"type": "resume"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    desk.receive(GPXD, "direct").await;
    srv.running.stop().await;
}

/// Finding 16: demo passwords were computable from the username, and `seed --demo` on a real
/// store silently added fake dossiers. Now each demo store gets random one-time passwords, and a
/// store with real data is refused, untouched.
#[tokio::test]
async fn demo_passwords_are_random_and_real_stores_refuse_demo_data() {
    let a = start().await;
    let b = start().await;
    let (pa, pb) = (a.password("qt.hethong"), b.password("qt.hethong"));
    assert_ne!(pa, pb, "each demo store has its own passwords");
    assert!(pa.len() >= 16 && !pa.starts_with("Demo@"));
    // The old formula's password no longer opens the account.
    let old: u32 = "qt.hethong".bytes().map(u32::from).sum();
    let (s, _) = a
        .anon()
        .post(
            "/api/v1/auth/login",
            json!({"username": "qt.hethong", "password": format!("Demo@2026-{:04}", old % 10_000)}),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Seeding the demo store again is fine (nothing is added twice) …
    let st = &a.running.state;
    let again =
        motcua_server::seed::seed_demo(&st.store, &st.cal.get(), st.clock.now_vn(), 0).unwrap();
    assert!(again.staff.is_empty());
    a.running.stop().await;
    b.running.stop().await;

    // … a real store (here: only its first administrator) is refused and left as it was.
    let dir = tempfile::tempdir().unwrap();
    let config = motcua_server::Config {
        data_dir: dir.path().to_owned(),
        ..Default::default()
    };
    let st = motcua_server::AppState::open(
        config,
        motcua_server::Clock::manual(crate::common::monday_morning()),
    )
    .unwrap();
    st.bootstrap_admin().unwrap().unwrap();
    let e = motcua_server::seed::seed_demo(&st.store, &st.cal.get(), st.clock.now_vn(), 10)
        .unwrap_err();
    assert_eq!(e.code, "seed.real_data");
    assert!(
        motcua_server::seed::agency_codes(&st.store)
            .unwrap()
            .is_empty()
    );
}
