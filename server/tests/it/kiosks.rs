//! The kiosk fleet: enrolment with a one-time code, device tokens, heartbeats, revocation.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

fn beat() -> serde_json::Value {
    json!({"app_version": "0.1.0", "uptime_s": 3600, "cursor": null, "outbox_depth": 2,
           "printer": "paper_near_end", "scanner": "connected", "free_disk_mb": 20480})
}

#[tokio::test]
async fn enrol_heartbeat_and_revoke() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let (s, _) = srv
        .staff("tiepnhan1")
        .await
        .post(
            "/api/v1/admin/kiosks",
            json!({"name": "x", "centre": "000.00.01.H16", "scope": ["000.00.10.H16"]}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = admin
        .post("/api/v1/admin/kiosks", json!({"name": "Kiosk sảnh A", "centre": "000.00.01.H16", "scope": ["000.00.10.H16", "000.00.11.H16"]}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let code = v["enrolment_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 12);
    let (s, v) = admin
        .post(
            "/api/v1/admin/kiosks",
            json!({"name": "B", "centre": "000.00.01.H16", "scope": ["000.00.99.H16"]}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("agency.unknown"))
    );

    // The kiosk enrols once with the code (case does not matter) and gets a device token.
    let mut kiosk = srv.anon();
    let (s, v) = kiosk
        .post(
            "/api/v1/sync/enrol",
            json!({"enrolment_code": code.to_lowercase()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["kiosk_id"], id.as_str());
    assert_eq!(v["scope"], json!(["000.00.10.H16", "000.00.11.H16"]));
    kiosk.token = Some(v["token"].as_str().unwrap().to_owned());
    let (s, v) = srv
        .anon()
        .post("/api/v1/sync/enrol", json!({"enrolment_code": code}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("kiosk.enrolment_code")),
        "one-time"
    );

    // Heartbeats are authenticated and stored for the fleet console.
    let (s, _) = srv.anon().post("/api/v1/sync/heartbeat", beat()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = kiosk.post("/api/v1/sync/heartbeat", beat()).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let mut bad = beat();
    bad["printer"] = json!("on_fire");
    let (s, _) = kiosk.post("/api/v1/sync/heartbeat", bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, v) = admin.get("/api/v1/admin/kiosks").await;
    let k = &v[0];
    assert_eq!(k["last_heartbeat"][1]["printer"], "paper_near_end");
    assert_eq!(k["last_heartbeat"][1]["outbox_depth"], 2);
    assert!(k["enrolment_key"].is_null(), "no secret in the listing");

    // Revoked: refused at once.
    let (s, _) = admin
        .post(&format!("/api/v1/admin/kiosks/{id}/revoke"), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = kiosk.post("/api/v1/sync/heartbeat", beat()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("kiosk.unauthenticated"))
    );
    srv.running.stop().await;
}

/// The fleet page: the worst first, in words — a silent kiosk, then a printer out of paper,
/// then a kiosk in order — for administrators only.
#[tokio::test]
async fn the_fleet_page_puts_the_worst_kiosk_first_in_words() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let mut kiosks = Vec::new();
    for name in ["Kiosk A · tốt", "Kiosk B · hết giấy", "Kiosk C · im lặng"] {
        let (s, v) = admin
            .post(
                "/api/v1/admin/kiosks",
                json!({"name": name, "centre": "000.00.01.H16", "scope": ["000.00.10.H16"]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let code = v["enrolment_code"].as_str().unwrap().to_owned();
        let (_, e) = srv
            .anon()
            .post("/api/v1/sync/enrol", json!({"enrolment_code": code}))
            .await;
        let mut k = srv.anon();
        k.token = Some(e["token"].as_str().unwrap().to_owned());
        kiosks.push(k);
    }
    let beat = |printer: &str| {
        json!({"app_version": "0.1.0", "uptime_s": 60, "cursor": null, "outbox_depth": 0,
               "printer": printer, "scanner": "connected", "free_disk_mb": 20480})
    };
    // C reports, then falls silent for ten minutes while A and B keep reporting.
    let (s, _) = kiosks[2]
        .post("/api/v1/sync/heartbeat", beat("online"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    srv.clock.advance(chrono::Duration::minutes(10));
    // A has read one change of the feed: it says how far behind it is.
    let (_, first) = kiosks[0].get("/api/v1/sync/changes?limit=1").await;
    let mut a_beat = beat("online");
    a_beat["cursor"] = first["cursor"].clone();
    kiosks[0].post("/api/v1/sync/heartbeat", a_beat).await;
    kiosks[1]
        .post("/api/v1/sync/heartbeat", beat("paper_out"))
        .await;

    let page = |token: String| {
        let base = srv.base.clone();
        async move {
            let res = reqwest::Client::new()
                .get(format!("{base}/fleet"))
                .header("cookie", format!("motcua_session={token}"))
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let (s, body) = page(admin.token.clone().unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    let (a, b, c) = (
        body.find("Kiosk A").unwrap(),
        body.find("Kiosk B").unwrap(),
        body.find("Kiosk C").unwrap(),
    );
    assert!(c < b && b < a, "silent, then out of paper, then in order");
    assert!(body.contains("Im lặng 10 phút") && body.contains("Silent for 10 minutes"));
    assert!(body.contains("Máy in: "), "{body}");
    assert!(body.contains("fleet-bad") && body.contains("Bình thường"));
    assert!(body.contains("http-equiv=\"refresh\""));
    assert!(
        body.contains(" thay đổi · ") && body.contains(" behind"),
        "the sync lag shown: {body}"
    );
    // The same, for an operator's alerts.
    let metrics = reqwest::get(format!("{}/metrics", srv.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "motcua_kiosks_alerting{state=\"silent\"} 1",
        "motcua_kiosks_alerting{state=\"paper_out\"} 1",
        "motcua_kiosks_alerting{state=\"paper_near_end\"} 0",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
    // A visitor at A calls for staff: A goes first, in red, and the alert is counted.
    let mut help = beat("online");
    help["help_requested_at"] = json!(srv.clock.now_vn());
    let (s, _) = kiosks[0].post("/api/v1/sync/heartbeat", help).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, body) = page(admin.token.clone().unwrap()).await;
    assert!(body.contains("Khách cần cán bộ hỗ trợ"), "{body}");
    assert!(body.find("Kiosk A").unwrap() < body.find("Kiosk C").unwrap());
    let metrics = reqwest::get(format!("{}/metrics", srv.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("motcua_kiosks_alerting{state=\"help\"} 1"));
    // Fifteen minutes on, it has been seen to.
    srv.clock.advance(chrono::Duration::minutes(16));
    let (_, body) = page(admin.token.clone().unwrap()).await;
    assert!(!body.contains("Khách cần cán bộ hỗ trợ"));
    let desk = srv.staff("tiepnhan1").await;
    let (s, _) = page(desk.token.clone().unwrap()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// `motcua-server admin create-kiosk` (for a technician at the server's console): the kiosk is
/// made with the scope asked, its one-time code and the enrolment QR's text printed once, and
/// the code enrols.
#[tokio::test]
async fn a_kiosk_is_created_from_the_command_line() {
    const BIN: &str = env!("CARGO_BIN_EXE_motcua-server");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(BIN)
            .args(["--data-dir", data])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    run(&["seed", "--demo", "--dossiers", "0"]);
    let printed = run(&[
        "admin",
        "create-kiosk",
        "--name",
        "Kiosk sảnh B",
        "--centre",
        "000.00.01.H16",
        "--scope",
        "000.00.10.H16,000.00.11.H16",
        "--server",
        "http://10.0.0.2:8080/",
    ]);
    let qr = printed
        .lines()
        .find_map(|l| l.split("enrolment QR text: ").nth(1))
        .unwrap_or_else(|| panic!("{printed}"))
        .to_owned();
    assert!(qr.starts_with("motcua-enrol:http://10.0.0.2:8080#"), "{qr}");
    let code = motcua_drivers::qr::enrolment_in_scan(qr.as_bytes()).expect("a QR the kiosk reads");
    let state = motcua_server::AppState::open(
        motcua_server::config::Config {
            data_dir: dir.path().to_owned(),
            ..Default::default()
        },
        motcua_server::clock::Clock::system(),
    )
    .unwrap();
    let enrolled = motcua_server::ops::kiosks::enrol(&state.ctx, &code)
        .await
        .unwrap();
    assert_eq!(enrolled.name, "Kiosk sảnh B");
    assert_eq!(enrolled.scope.len(), 2);
}

/// The fleet's live stream asks for the session again before each update: an administrator
/// disabled while the page is open gets no more of the fleet, the stream ends.
#[tokio::test]
async fn the_live_fleet_ends_with_the_session() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let system = srv.staff("qt.hethong").await;
    let (s, v) = admin
        .post(
            "/api/v1/admin/kiosks",
            json!({"name": "Kiosk A", "centre": "000.00.01.H16", "scope": ["000.00.10.H16"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, e) = srv
        .anon()
        .post(
            "/api/v1/sync/enrol",
            json!({"enrolment_code": v["enrolment_code"]}),
        )
        .await;
    let mut kiosk = srv.anon();
    kiosk.token = Some(e["token"].as_str().unwrap().to_owned());
    let beat = json!({"app_version": "0.1.0", "uptime_s": 60, "cursor": null, "outbox_depth": 0,
                      "printer": "online", "scanner": "connected", "free_disk_mb": 20480});
    let mut res = cookie_client(&admin)
        .get(format!("{}/fleet/events", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let first = res.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: rows"));
    // While the session holds, a heartbeat brings the rows again.
    kiosk.post("/api/v1/sync/heartbeat", beat.clone()).await;
    let again = tokio::time::timeout(std::time::Duration::from_secs(10), res.chunk())
        .await
        .expect("an update")
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&again).contains("Kiosk A"));
    // Disabled: the next update ends the stream instead.
    let (s, _) = system
        .send(
            "PATCH",
            "/api/v1/admin/users/qt.trungtam",
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    kiosk.post("/api/v1/sync/heartbeat", beat).await;
    let end = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            match res.chunk().await {
                Ok(Some(c)) if String::from_utf8_lossy(&c).contains("event: rows") => {
                    return Err("rows sent to a disabled account");
                }
                Ok(Some(_)) => continue,
                _ => return Ok(()),
            }
        }
    })
    .await
    .expect("the stream ends");
    assert_eq!(end, Ok(()));
}
