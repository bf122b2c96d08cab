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

/// Findings 14 and 17: answers lacked `nosniff`, `no-store` and a CSP; some errors (a path that
/// is not UTF-8, 405, 414, 431) were not JSON; another agency's dossier answered 403 where a
/// missing one answered 404, telling that the code exists.
#[tokio::test]
async fn every_answer_is_hardened_and_every_error_is_json() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let other_desk = srv.staff("tiepnhan.tanlap").await;
    let code = desk.receive(crate::common::LLTP, "direct").await;
    let token = desk.token.clone().unwrap();
    let http = reqwest::Client::new();

    let r = http
        .get(format!("{}/api/v1/dossiers/{code}", srv.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(h["x-frame-options"], "DENY");

    // Each framework-made refusal, as JSON with a code and both languages.
    let big_header = "x".repeat(40 * 1024);
    let long_uri = format!("{}/api/v1/dossiers?q={}", srv.base, "a".repeat(9000));
    let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str)> = vec![
        (
            http.get(format!("{}/api/v1/dossiers/%FF%FE", srv.base))
                .bearer_auth(&token),
            StatusCode::BAD_REQUEST,
            "request.invalid",
        ),
        (
            http.delete(format!("{}/api/v1/auth/login", srv.base)),
            StatusCode::METHOD_NOT_ALLOWED,
            "request.method",
        ),
        (
            http.get(long_uri).bearer_auth(&token),
            StatusCode::URI_TOO_LONG,
            "request.uri_too_long",
        ),
        (
            http.get(format!("{}/healthz", srv.base))
                .header("x-big", big_header),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request.headers_too_large",
        ),
        (
            http.get(format!("{}/khong-co", srv.base)),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (req, status, code_) in cases {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), status);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert!(r.headers().contains_key("allow"));
        }
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], code_, "{v}");
        assert!(v["error"]["message"]["vi"].as_str().unwrap().len() > 5);
        assert!(v["error"]["message"]["en"].as_str().unwrap().len() > 5);
    }

    // Not yours and not there are the same answer, reading and acting.
    let missing = "000.00.01.H16-251110-9999";
    let (s1, v1) = other_desk.get(&format!("/api/v1/dossiers/{code}")).await;
    let (s2, v2) = other_desk.get(&format!("/api/v1/dossiers/{missing}")).await;
    assert_eq!((s1, &v1), (StatusCode::NOT_FOUND, &v2));
    assert_eq!(s2, StatusCode::NOT_FOUND);
    let act = json!({"type": "accept_and_transfer", "agency": "000.00.10.H16"});
    let (s1, v1) = other_desk.act(&code, act.clone()).await;
    let (s2, v2) = other_desk.act(missing, act).await;
    assert_eq!((s1, &v1), (StatusCode::NOT_FOUND, &v2));
    assert_eq!(s2, StatusCode::NOT_FOUND);
    srv.running.stop().await;
}

/// Findings 11 and 15: free text was unbounded (40 stop/resume pairs with 243 KB reasons made
/// one dossier 9.7 MB; a 250 KB `app_version` was kept), and careless input was taken (kiosk
/// events dated year 1, staff feedback dated year -50000, feedback naming "not-a-code",
/// overflowing page numbers). Each is refused with its reason now, and nothing is written.
#[tokio::test]
async fn free_text_is_bounded_and_careless_input_refused() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let head = srv.staff("ld.xaydung").await;
    let admin = srv.staff("qt.trungtam").await;
    let c = desk.receive(GPXD, "direct").await;
    desk.ok(
        &c,
        json!({"type": "accept_and_transfer", "agency": "000.00.11.H16"}),
    )
    .await;
    let big = "Chờ ý kiến của cơ quan khác. ".repeat(9000);
    let (s, v) = head.act(&c, json!({"type": "stop", "reason": big})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("request.too_large"))
    );
    let (s, v) = head
        .act(&c, json!({"type": "stop", "reason": "x".repeat(2001)}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("text.too_long"))
    );
    let (s, v) = head
        .act(&c, json!({"type": "stop", "reason": "Tạm dừng\u{202E}"}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("text.hidden_characters")
        )
    );
    let (_, v) = head.get(&format!("/api/v1/dossiers/{c}")).await;
    assert_eq!(v["status"]["code"], 2, "nothing was written: {v}");

    // A kiosk: a 250 KB version is refused; events dated year 1 are rejected with the reason.
    let (_, k) = admin
        .post(
            "/api/v1/admin/kiosks",
            json!({"name": "Kiosk B", "centre": "000.00.01.H16", "scope": ["000.00.10.H16"]}),
        )
        .await;
    let mut kiosk = srv.anon();
    let (_, e) = kiosk
        .post(
            "/api/v1/sync/enrol",
            json!({"enrolment_code": k["enrolment_code"]}),
        )
        .await;
    kiosk.token = Some(e["token"].as_str().unwrap().to_owned());
    let beat = |version: String| {
        json!({"app_version": version, "uptime_s": 5, "outbox_depth": 0, "printer": "online",
               "scanner": "connected", "free_disk_mb": 1000, "protocol": 1})
    };
    let (s, v) = kiosk
        .post("/api/v1/sync/heartbeat", beat("x".repeat(50_000)))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("sync.heartbeat")),
        "{v}"
    );
    let (s, v) = kiosk
        .post("/api/v1/sync/heartbeat", beat("0.1.0".into()))
        .await;
    assert!(s.is_success(), "{v}");
    let (s, v) = kiosk
        .post("/api/v1/sync/events", json!({"events": [
            {"id": "00000000-0000-4000-8000-000000000001", "seq": 1, "at": "0001-01-01T08:00:00+07:00",
             "type": "rating", "data": {"level": 2}},
            {"id": "00000000-0000-4000-8000-000000000002", "seq": 2, "at": "2025-11-10T08:00:00+07:00",
             "type": "error", "data": {"code": "x", "detail": "y".repeat(3000)}},
        ]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["stored"], 0);
    let codes: Vec<&str> = v["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["time.out_of_range", "sync.event_too_long"]);

    // Feedback: a dossier that is no code, a staff entry dated year -50000.
    let (s, v) = srv
        .anon()
        .post(
            "/api/v1/public/feedback",
            json!({"category": "Khác", "content": "Hỏi về hồ sơ.", "dossier": "not-a-code"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = desk
        .post("/api/v1/feedback", json!({"channel": "letter", "received_at": "-50000-01-01T00:00:00+07:00", "category": "Khác", "content": "Thư."}))
        .await;
    assert!(s.is_client_error(), "{v}");
    // Page numbers past any bound are refused or clamped, never wrapped.
    for q in [
        "page=18446744073709551615",
        "page=99999999999999999999999",
        "per_page=0",
    ] {
        let (s, _) = desk.get(&format!("/api/v1/dossiers?{q}")).await;
        assert!(
            s == StatusCode::OK || s == StatusCode::BAD_REQUEST,
            "{q}: {s}"
        );
    }
    // An account's full name is a name.
    let (s, v) = admin
        .post("/api/v1/admin/users", json!({"username": "cv.moi", "full_name": "\u{200B}", "role": "officer", "agency": "000.00.10.H16"}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("contact.name"))
    );
    srv.running.stop().await;
}
