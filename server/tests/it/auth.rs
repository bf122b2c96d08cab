//! Accounts and roles: first-run admin, forced password change, session expiry, scopes, the audit
//! log. Sign-in limits are in `sign_in.rs`.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn first_serve_creates_an_admin_who_must_change_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let config = motcua_server::Config {
        data_dir: dir.path().to_owned(),
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    };
    let clock = motcua_server::Clock::manual(monday_morning());
    let state = motcua_server::AppState::open(config.clone(), clock.clone()).unwrap();
    let pw = state
        .bootstrap_admin()
        .unwrap()
        .expect("a one-time password on an empty store");
    assert_eq!(state.bootstrap_admin().unwrap(), None, "printed once only");
    let running = motcua_server::spawn(state).await.unwrap();
    let mut c = crate::common::Client::new(
        motcua_client::Client::new(&format!("http://{}", running.addr)).unwrap(),
    );
    let (s, v) = c
        .post(
            "/api/v1/auth/login",
            json!({"username": "admin", "password": pw}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["must_change_password"], true);
    c.token = Some(v["token"].as_str().unwrap().into());
    let (s, v) = c.get("/api/v1/admin/users").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("auth.password_change_required"))
    );
    let (s, v) = c
        .post(
            "/api/v1/auth/password",
            json!({"current_password": pw, "new_password": "ngắn"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("auth.weak_password"))
    );
    let (s, v) = c
        .post(
            "/api/v1/auth/password",
            json!({"current_password": "sai-mat-khau", "new_password": "mot-mat-khau-dai"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("auth.wrong_current_password"))
    );
    let (s, _) = c
        .post(
            "/api/v1/auth/password",
            json!({"current_password": pw, "new_password": "mot-mat-khau-dai"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = c.get("/api/v1/admin/users").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v[0]["username"], "admin");
    assert!(
        v[0].get("password_hash").is_none(),
        "hashes never leave the server"
    );
    running.stop().await;
}

#[tokio::test]
async fn admin_reset_forces_a_new_change_and_ends_sessions() {
    let srv = start().await;
    let admin = srv.staff("qt.hethong").await;
    let desk = srv.staff("tiepnhan1").await;
    let (s, _) = desk.get("/api/v1/dossiers").await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = admin
        .post("/api/v1/admin/users/tiepnhan1/reset-password", json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let new_pw = v["one_time_password"].as_str().unwrap().to_owned();
    let (s, _) = desk.get("/api/v1/dossiers").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the old session ended");
    let mut again = srv.anon();
    let (_, v) = again
        .post(
            "/api/v1/auth/login",
            json!({"username": "tiepnhan1", "password": new_pw}),
        )
        .await;
    assert_eq!(v["must_change_password"], true);
    again.token = Some(v["token"].as_str().unwrap().into());
    let (s, _) = again.get("/api/v1/dossiers").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Creating accounts: centre admins may not create admins; agencies must exist.
    let centre = srv.staff("qt.trungtam").await;
    let (s, _) = centre
        .post(
            "/api/v1/admin/users",
            json!({"username": "qt2", "full_name": "A", "role": "system_admin"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = centre.post("/api/v1/admin/users", json!({"username": "cv2", "full_name": "Lê B", "role": "officer", "agency": "000.00.99.H16"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("agency.unknown"))
    );
    let (s, v) = centre
        .post(
            "/api/v1/admin/users",
            json!({"username": "cv2", "full_name": "Lê B", "role": "officer", "agency": TU_PHAP}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["user"]["must_change_password"], true);
    let (s, _) = centre
        .post(
            "/api/v1/admin/users",
            json!({"username": "cv2", "full_name": "Lê B", "role": "officer", "agency": TU_PHAP}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Staff are not admins.
    let (s, _) = srv
        .staff("ld.tuphap")
        .await
        .get("/api/v1/admin/audit")
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    srv.running.stop().await;
}

#[tokio::test]
async fn sessions_expire_and_logout_ends_one() {
    let srv = start().await;
    // Sessions expire; logout ends one at once.
    let desk = srv.staff("tiepnhan1").await;
    assert_eq!(desk.get("/api/v1/auth/me").await.0, StatusCode::OK);
    let ttl = Duration::minutes(srv.running.state.config.session_minutes);
    srv.clock.advance(ttl - Duration::seconds(1));
    assert_eq!(desk.get("/api/v1/auth/me").await.0, StatusCode::OK);
    srv.clock.advance(Duration::seconds(2));
    assert_eq!(
        desk.get("/api/v1/auth/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let desk = srv.staff("tiepnhan1").await;
    let (s, _) = desk.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        desk.get("/api/v1/auth/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    srv.running.stop().await;
}

#[tokio::test]
async fn each_role_sees_and_does_only_what_it_must() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let other_desk = srv.staff("tiepnhan.tanlap").await;
    let wrong_officer = srv.staff("cv.xaydung").await;
    let officer = srv.staff("cv.tuphap").await;
    let admin = srv.staff("qt.trungtam").await;
    let code = desk.receive(LLTP, "direct").await;

    // Only reception officers receive.
    let (s, _) = officer
        .post("/api/v1/dossiers", receipt(LLTP, "direct"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Another desk does not see this desk's dossier (nor learns that it exists).
    let (s, _) = other_desk.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = other_desk.get("/api/v1/dossiers").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    desk.ok(
        &code,
        json!({"type": "accept_and_transfer", "agency": TU_PHAP}),
    )
    .await;
    // An officer of another agency neither sees nor acts.
    let (s, _) = wrong_officer.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = wrong_officer
        .act(&code, json!({"type": "submit_for_approval"}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Only the head assigns.
    let (s, v) = officer
        .act(&code, json!({"type": "assign", "officer": "cv.tuphap"}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("auth.role"))
    );
    // Admins read everything and change nothing.
    let (s, _) = admin.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = admin
        .act(&code, json!({"type": "withdraw", "reason": "x"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Every one of those actions is on the record, refusals included, with the address.
    let audit = srv.staff("qt.hethong").await;
    let (s, v) = audit.get("/api/v1/admin/audit?limit=1000").await;
    assert_eq!(s, StatusCode::OK);
    let rows = v.as_array().unwrap();
    let find = |actor: &str, action: &str, outcome: &str| {
        rows.iter()
            .any(|r| r["actor"] == actor && r["action"] == action && r["outcome"] == outcome)
    };
    assert!(find("tiepnhan1", "login", "ok"));
    assert!(find("tiepnhan1", "change_password", "ok"));
    assert!(find("tiepnhan1", "receive", "ok"));
    assert!(find("tiepnhan1", "accept_and_transfer", "ok"));
    assert!(find("cv.tuphap", "assign", "auth.role"));
    assert!(find("qt.trungtam", "withdraw", "auth.role"));
    assert!(find(
        "cv.xaydung",
        "submit_for_approval",
        "dossier.out_of_scope"
    ));
    assert!(
        rows.iter().all(|r| r["address"] == "127.0.0.1"),
        "every line has the client address"
    );
    let seqs: Vec<u64> = rows.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "append-only, gapless"
    );
    srv.running.stop().await;
}

/// An account's role, scope and access are changed through the API as through the page: only
/// what the administrator may manage, never its own role or access; a disabled account's
/// sessions end at once; each change is audited with what changed.
#[tokio::test]
async fn accounts_change_role_scope_and_access_within_what_an_admin_manages() {
    let srv = start().await;
    let admin = srv.staff("qt.trungtam").await;
    let officer = srv.staff("cv.tuphap").await;
    let (s, v) = admin
        .send(
            "PATCH",
            "/api/v1/admin/users/cv.tuphap",
            json!({"role": "head", "agency": "000.00.11.H16"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["role"], "head");
    assert_eq!(v["agency"], "000.00.11.H16");
    // A centre administrator does not make or touch administrators, nor change itself.
    let (s, _) = admin
        .send(
            "PATCH",
            "/api/v1/admin/users/cv.tuphap",
            json!({"role": "system_admin", "agency": null}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = admin
        .send(
            "PATCH",
            "/api/v1/admin/users/qt.hethong",
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = admin
        .send(
            "PATCH",
            "/api/v1/admin/users/qt.trungtam",
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "user.self");
    // An agency role keeps an agency.
    let (s, v) = admin
        .send(
            "PATCH",
            "/api/v1/admin/users/cv.tuphap",
            json!({"agency": null}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // Disabled: its session ends now.
    let (s, _) = officer.get("/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = admin
        .send(
            "PATCH",
            "/api/v1/admin/users/cv.tuphap",
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = officer.get("/api/v1/auth/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let audit = srv.staff("qt.hethong").await;
    let (_, v) = audit
        .get("/api/v1/admin/audit?action=update_user&target=cv.tuphap")
        .await;
    let details: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "ok")
        .map(|r| r["detail"].as_str().unwrap())
        .collect();
    assert_eq!(details.len(), 2, "{v}");
    assert!(details[0].contains("role Officer → Head") && details[0].contains("000.00.11.H16"));
    assert_eq!(details[1], "disabled");
}

/// The audit log's page takes any day and position the address bar can hold: crossed days, a
/// position before the first line or past the last, give an empty page, never an error.
#[tokio::test]
async fn the_audit_page_takes_crossed_days_and_any_position() {
    let srv = start().await;
    let admin = srv.staff("qt.hethong").await;
    let b = cookie_client(&admin);
    for q in [
        "from=2026-01-02&to=2025-01-01",
        "before=0",
        "before=1",
        "before=18446744073709551615",
        "from=2099-12-31",
        "to=2000-01-01&before=3",
    ] {
        let res = b
            .get(format!("{}/admin/audit?{q}", srv.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{q}");
    }
    let res = b
        .get(format!(
            "{}/admin/audit?from=2026-01-02&to=2025-01-01",
            srv.base
        ))
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("id=\"none\""));
}
