//! Public lookup: minimal rows by code, CCCD or full name; the detail only with the secret;
//! wrong secrets throttled; requests rate-limited.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn rows_for_everyone_detail_only_with_the_secret() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let (_, r) = desk.post("/api/v1/dossiers", receipt(LLTP, "direct")).await;
    let code = r["code"].as_str().unwrap().to_owned();
    let secret = r["secret"].as_str().unwrap().to_owned();
    let items = json!([{"document": "Tờ khai", "reason": "Thiếu chữ ký", "guidance": "Ký và ghi rõ họ tên"}]);
    desk.ok(&code, json!({"type": "request_supplement", "items": items}))
        .await;
    let public = srv.anon();

    let (s, v) = public.get(&format!("/api/v1/public/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["masked_name"], "Nguyễn V. A.");
    assert_eq!(v["status"], 5);
    assert!(
        v.get("timeline").is_none() && v.get("next").is_none(),
        "a row, not a detail: {v}"
    );
    let text = v.to_string();
    assert!(!text.contains("Nguyễn Văn An") && !text.contains("066185012345"));
    assert!(v.get("secret").is_none());

    let (s, v) = public
        .get(&format!("/api/v1/public/dossiers/{code}?secret={secret}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["next"]["type"], "supplement");
    assert_eq!(v["next"]["items"][0]["guidance"], "Ký và ghi rõ họ tên");
    assert!(v["next_vi"].as_str().unwrap().contains("bổ sung"));
    assert_eq!(v["timeline"].as_array().unwrap().len(), 2);
    let text = v.to_string();
    assert!(
        !text.contains("tiepnhan1"),
        "no officer names in public: {text}"
    );
    assert!(!text.contains("Nguyễn Văn An") && !text.contains("066185012345"));

    // By CCCD and by full name: rows only, never a detail.
    let (s, v) = public
        .get("/api/v1/public/lookup?citizen_id=066185012345")
        .await;
    assert_eq!(s, StatusCode::OK);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].get("timeline").is_none() && rows[0].get("next").is_none());
    let (_, v) = public
        .get("/api/v1/public/lookup?name=nguyen%20van%20an")
        .await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    let (_, v) = public
        .get("/api/v1/public/lookup?name=NGUY%E1%BB%84N%20V%C4%82N%20AN")
        .await;
    assert_eq!(
        v.as_array().unwrap().len(),
        1,
        "diacritics and case do not matter"
    );
    let (_, v) = public.get("/api/v1/public/lookup?name=nguyen%20van").await;
    assert_eq!(
        v.as_array().unwrap().len(),
        0,
        "the whole name, not a prefix"
    );
    let (s, v) = public.get("/api/v1/public/lookup?name=nguyen").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("public.full_name"))
    );
    let (s, v) = public
        .get("/api/v1/public/lookup?citizen_id=0661850123")
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("citizen_id.digit_count"))
    );
    let (s, _) = public.get("/api/v1/public/lookup").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    srv.running.stop().await;
}

#[tokio::test]
async fn wrong_secrets_are_throttled_and_requests_rate_limited() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let (_, r) = desk.post("/api/v1/dossiers", receipt(LLTP, "direct")).await;
    let code = r["code"].as_str().unwrap().to_owned();
    let secret = r["secret"].as_str().unwrap().to_owned();
    let wrong = if secret == "0000" { "1111" } else { "0000" };
    let public = srv.anon();
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let (s, _) = public
            .get(&format!("/api/v1/public/dossiers/{code}?secret={wrong}"))
            .await;
        statuses.push(s.as_u16());
    }
    assert_eq!(statuses[..5], [403; 5]);
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // Locked: even the right secret waits.
    let (s, v) = public
        .get(&format!("/api/v1/public/dossiers/{code}?secret={secret}"))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("public.secret_locked"))
    );
    srv.clock.advance(Duration::minutes(16));
    let (s, _) = public
        .get(&format!("/api/v1/public/dossiers/{code}?secret={secret}"))
        .await;
    assert_eq!(s, StatusCode::OK);

    // More than the per-minute allowance from one client.
    let mut limited = false;
    for _ in 0..200 {
        let (s, _) = public.get(&format!("/api/v1/public/dossiers/{code}")).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "the per-client limit applies");
    srv.clock.advance(Duration::minutes(1));
    let (s, _) = public.get(&format!("/api/v1/public/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::OK);
    srv.running.stop().await;
}
