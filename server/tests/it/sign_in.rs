//! Sign-in that cannot be abused (findings 2, 3, 7 and 10 of the security review): limits per
//! address and per (account, address) in memory, an administrator's unlock, unknown names
//! counted rather than audited line by line, the same work for a real and an unknown name, a
//! password change that ends the other sessions and counts wrong current passwords.

use std::time::Instant;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

const LOGIN: &str = "/api/v1/auth/login";

async fn audit_lines(admin: &Client, action: &str) -> Vec<serde_json::Value> {
    let (s, v) = admin
        .get(&format!("/api/v1/admin/audit?action={action}&limit=1000"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v.as_array().unwrap().clone()
}

#[tokio::test]
async fn an_attacker_locks_its_own_address_never_the_real_user() {
    let srv = start_behind_proxy().await;
    let pw = srv.password("tiepnhan2");
    let attacker = srv.anon_from("203.0.113.7");
    let bad = json!({"username": "tiepnhan2", "password": "khong-dung-1"});
    for _ in 1..motcua_server::throttle::SIGN_IN_FAILURES_PER_ACCOUNT {
        let (s, v) = attacker.post(LOGIN, bad.clone()).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("auth.wrong_credentials"))
        );
    }
    let (s, v) = attacker.post(LOGIN, bad.clone()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("auth.locked")),
        "{v}"
    );
    // Even the right password waits on the attacker's address …
    let good = json!({"username": "tiepnhan2", "password": pw});
    assert_eq!(
        attacker.post(LOGIN, good.clone()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    // … but the real user at the desk signs in, however long the attack goes on.
    for _ in 0..20 {
        attacker.post(LOGIN, bad.clone()).await;
    }
    let desk = srv
        .sign_in(srv.anon_from("10.16.0.21"), "tiepnhan2", &pw)
        .await;
    assert_eq!(desk.get("/api/v1/auth/me").await.0, StatusCode::OK);

    // An administrator sees the lock and lifts it, without a restart; it is audited.
    let admin = srv.staff("qt.trungtam").await;
    let (s, locks) = admin.get("/api/v1/admin/sign-in-locks").await;
    assert_eq!(s, StatusCode::OK, "{locks}");
    assert!(
        locks
            .as_array()
            .unwrap()
            .iter()
            .any(|l| { l["username"] == "tiepnhan2" && l["address"] == "203.0.113.7" }),
        "{locks}"
    );
    let desk_token = desk.token.clone();
    let (s, _) = desk
        .post(
            "/api/v1/admin/sign-in-locks/unlock",
            json!({"username": "tiepnhan2"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only administrators unlock");
    assert!(desk_token.is_some());
    let (s, v) = admin
        .post(
            "/api/v1/admin/sign-in-locks/unlock",
            json!({"username": "tiepnhan2"}),
        )
        .await;
    assert_eq!((s, v["lifted"].as_u64()), (StatusCode::OK, Some(1)), "{v}");
    let (s, v) = attacker.post(LOGIN, good.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let unlocks = audit_lines(&admin, "unlock_sign_in").await;
    assert_eq!(unlocks.len(), 1);
    assert_eq!(unlocks[0]["actor"], "qt.trungtam");
    assert_eq!(unlocks[0]["target"], "tiepnhan2");

    // Locks end by themselves.
    for _ in 0..motcua_server::throttle::SIGN_IN_FAILURES_PER_ACCOUNT {
        attacker.post(LOGIN, bad.clone()).await;
    }
    assert_eq!(
        attacker.post(LOGIN, good.clone()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    srv.clock.advance(Duration::minutes(
        motcua_server::throttle::SIGN_IN_LOCK_MINUTES,
    ));
    srv.clock.advance(Duration::seconds(1));
    assert_eq!(attacker.post(LOGIN, good).await.0, StatusCode::OK);
    srv.running.stop().await;
}

#[tokio::test]
async fn unknown_names_fill_nothing_and_are_told_once_per_address() {
    let srv = start_behind_proxy().await;
    let admin = srv.staff("qt.hethong").await;
    let before = audit_lines(&admin, "login").await.len();
    let sprayer = srv.anon_from("198.51.100.9");
    let per_address = motcua_server::throttle::SIGN_IN_FAILURES_PER_ADDRESS;
    let mut codes = Vec::new();
    for i in 0..per_address + 10 {
        // Shapes no account has (long, spaces, accents) are refused the same way, unread.
        let username = match i % 3 {
            0 => format!("khong-co-{i}"),
            1 => "x".repeat(10_000),
            _ => format!("Người dùng {i}"),
        };
        let (s, v) = sprayer
            .post(LOGIN, json!({"username": username, "password": "mat-khau"}))
            .await;
        codes.push((s, v["error"]["code"].as_str().map(str::to_owned)));
    }
    let unauthorized = codes
        .iter()
        .filter(|(s, c)| {
            *s == StatusCode::UNAUTHORIZED && c.as_deref() == Some("auth.wrong_credentials")
        })
        .count();
    assert_eq!(unauthorized, per_address as usize - 1);
    assert!(
        codes[per_address as usize - 1..].iter().all(
            |(s, c)| *s == StatusCode::TOO_MANY_REQUESTS && c.as_deref() == Some("auth.locked")
        )
    );
    // Nothing written per attempt …
    assert_eq!(audit_lines(&admin, "login").await.len(), before);
    // … the count is told in one line for the address.
    let n = motcua_server::ops::accounts::flush_unknown_sign_ins(&srv.running.state.ctx)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let lines = audit_lines(&admin, "login").await;
    assert_eq!(lines.len(), before + 1);
    let last = lines.last().unwrap();
    assert_eq!(last["address"], "198.51.100.9");
    assert_eq!(last["outcome"], "auth.unknown_account");
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{per_address} ")),
        "{last}"
    );
    // Another address is not held back by the sprayer.
    let pw = srv.password("tiepnhan1");
    srv.sign_in(srv.anon_from("10.16.0.22"), "tiepnhan1", &pw)
        .await;
    srv.running.stop().await;
}

/// The median time of `n` sign-ins made by `attempt(i)`.
async fn median_ms<F, Fut>(n: usize, attempt: F) -> f64
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = StatusCode>,
{
    let mut times = Vec::new();
    for i in 0..n {
        let t = Instant::now();
        let s = attempt(i).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    times[n / 2]
}

#[tokio::test]
async fn a_real_name_and_an_unknown_one_cost_the_same() {
    let srv = start_behind_proxy().await;
    // Each attempt from its own address, so no limit is reached.
    let known = median_ms(9, |i| {
        let c = srv.anon_from(&format!("192.0.2.{}", i + 1));
        async move {
            c.post(
                LOGIN,
                json!({"username": "tiepnhan1", "password": "sai-mat-khau"}),
            )
            .await
            .0
        }
    })
    .await;
    let unknown = median_ms(9, |i| {
        let c = srv.anon_from(&format!("192.0.2.{}", i + 101));
        async move {
            c.post(
                LOGIN,
                json!({"username": "khong.ai.ca", "password": "sai-mat-khau"}),
            )
            .await
            .0
        }
    })
    .await;
    // Both verify one argon2id hash; without the stand-in the unknown name answered ~10 times
    // sooner.
    assert!(
        unknown > known / 3.0,
        "unknown {unknown:.1} ms vs known {known:.1} ms"
    );
    srv.running.stop().await;
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_counts_wrong_guesses() {
    let srv = start_behind_proxy().await;
    let first = srv.staff("tiepnhan1").await;
    let pw = format!("{}-moi-doi", srv.password("tiepnhan1"));
    let laptop = srv
        .sign_in(srv.anon_from("10.16.0.30"), "tiepnhan1", &pw)
        .await;
    let (s, v) = first
        .post(
            "/api/v1/auth/password",
            json!({"current_password": pw, "new_password": "mat-khau-moi-2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(first.get("/api/v1/auth/me").await.0, StatusCode::OK);
    assert_eq!(
        laptop.get("/api/v1/auth/me").await.0,
        StatusCode::UNAUTHORIZED,
        "the other session ended"
    );
    // Someone at an unlocked session guesses the current password: limited like sign-ins.
    let thief = srv
        .sign_in(
            srv.anon_from("10.16.0.31"),
            "tiepnhan1",
            "mat-khau-moi-2026",
        )
        .await;
    let guess = |n: usize| json!({"current_password": format!("doan-{n}-mat-khau"), "new_password": "mat-khau-cua-ke-gian"});
    for n in 1..motcua_server::throttle::SIGN_IN_FAILURES_PER_ACCOUNT as usize {
        let (s, v) = thief.post("/api/v1/auth/password", guess(n)).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("auth.wrong_current_password"))
        );
    }
    let (s, v) = thief.post("/api/v1/auth/password", guess(99)).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("auth.locked"))
    );
    let (s, _) = thief
        .post(
            "/api/v1/auth/password",
            json!({"current_password": "mat-khau-moi-2026", "new_password": "mat-khau-cua-ke-gian"}),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "even the right one waits");
    srv.running.stop().await;
}
