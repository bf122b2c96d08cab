//! Kiosk events: stored exactly once whatever the retries, acknowledged up to the highest
//! contiguous sequence number; an event the server will never take is rejected with its reason
//! and acknowledged (it cannot block the outbox); a batch that does not hold together is refused
//! whole.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn ev(n: u64, body: Value) -> Value {
    let mut e = json!({"id": uuid(n), "seq": n, "at": "2025-11-10T08:30:00+07:00"});
    e.as_object_mut()
        .unwrap()
        .extend(body.as_object().unwrap().clone());
    e
}

async fn enrolled(srv: &TestServer) -> Client {
    let admin = srv.staff("qt.trungtam").await;
    let (_, v) = admin
        .post(
            "/api/v1/admin/kiosks",
            json!({"name": "Kiosk A", "centre": "000.00.01.H16", "scope": ["000.00.10.H16"]}),
        )
        .await;
    let mut k = srv.anon();
    let (_, v) = k
        .post(
            "/api/v1/sync/enrol",
            json!({"enrolment_code": v["enrolment_code"]}),
        )
        .await;
    k.token = Some(v["token"].as_str().unwrap().to_owned());
    k
}

#[tokio::test]
async fn the_same_batch_three_times_is_stored_once() {
    let srv = start().await;
    let kiosk = enrolled(&srv).await;
    let batch = json!({"events": [
        ev(1, json!({"type": "feedback", "data": {"category": "Cơ sở vật chất", "content": "Ghế chờ không đủ."}})),
        ev(2, json!({"type": "rating", "data": {"level": 3, "counter": "1"}})),
        ev(3, json!({"type": "print_result", "data": {"slip": "status", "ok": true, "printer": "online"}})),
    ]});
    let (s, v) = kiosk.post("/api/v1/sync/events", batch.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["acked"].as_u64(), v["stored"].as_u64()),
        (Some(3), Some(3))
    );
    for _ in 0..2 {
        let (s, v) = kiosk.post("/api/v1/sync/events", batch.clone()).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (
                v["acked"].as_u64(),
                v["stored"].as_u64(),
                v["duplicates"].as_u64()
            ),
            (Some(3), Some(0), Some(3))
        );
    }
    // The feedback reached the feedback workflow once, counted from when it was taken.
    let public = srv.anon();
    let code_of = |n: u64| {
        let id: uuid::Uuid = uuid(n).parse().unwrap();
        motcua_core::codes::kiosk_feedback_code("KIOSK-0001", id.as_u128())
    };
    let (s, v) = public
        .get(&format!("/api/v1/public/feedback/{}", code_of(1)))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["received_at"], "2025-11-10T08:30:00+07:00");
    assert_eq!(
        public
            .get(&format!("/api/v1/public/feedback/{}", code_of(2)))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, v) = srv
        .staff("qt.trungtam")
        .await
        .get("/api/v1/ratings/summary")
        .await;
    assert_eq!(v["total"], 1);

    // Reordered: 5 before 4 — the acknowledgement waits for the gap to close.
    let (_, v) = kiosk
        .post(
            "/api/v1/sync/events",
            json!({"events": [ev(5, json!({"type": "print_result", "data": {"slip": "status", "ok": false, "printer": "paper_out", "error": "printer.not_ready"}}))]}),
        )
        .await;
    assert_eq!(v["acked"], 3);
    let (_, v) = kiosk
        .post(
            "/api/v1/sync/events",
            json!({"events": [ev(4, json!({"type": "error", "data": {"code": "scanner.disconnected"}}))]}),
        )
        .await;
    assert_eq!(v["acked"], 5);
    srv.running.stop().await;
}

#[tokio::test]
async fn bad_batches_write_nothing_and_bad_events_are_rejected_not_retried() {
    let srv = start().await;
    let kiosk = enrolled(&srv).await;
    let good = ev(
        1,
        json!({"type": "feedback", "data": {"category": "Khác", "content": "Tốt."}}),
    );
    // A batch that does not read, or names one sequence number twice: refused whole.
    for (batch, status, code) in [
        (
            json!({"events": [good.clone(), ev(2, json!({"type": "teleport", "data": {}}))]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.invalid_field",
        ),
        (
            json!({"events": [{"id": "not-a-uuid", "seq": 1, "at": "2025-11-10T08:30:00+07:00", "type": "error", "data": {"code": "x"}}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.invalid_field",
        ),
        (
            json!({"events": [good.clone(), {"id": uuid(77), "seq": 1, "at": "2025-11-10T08:30:00+07:00", "type": "feedback", "data": {"category": "Khác", "content": "Ghi đè?"}}]}),
            StatusCode::CONFLICT,
            "sync.seq_reused",
        ),
        (
            json!({"events": [ev(0, json!({"type": "error", "data": {"code": "x"}}))]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "sync.event_identity",
        ),
    ] {
        let (s, v) = kiosk.post("/api/v1/sync/events", batch).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (status, Some(code)),
            "{v}"
        );
    }
    assert_eq!(
        srv.anon()
            .get("/api/v1/public/feedback/PA-KIOSK0001-000001")
            .await
            .0,
        StatusCode::NOT_FOUND,
        "nothing half-written"
    );

    // Events that read but that the server will never take: each rejected with its reason,
    // the good ones stored, all acknowledged.
    let (s, v) = kiosk
        .post(
            "/api/v1/sync/events",
            json!({"events": [
                good.clone(),
                ev(2, json!({"type": "feedback", "data": {"category": "Khác", "content": " "}})),
                ev(3, json!({"type": "rating", "data": {"level": 9}})),
                ev(4, json!({"type": "rating", "data": {"level": 2, "dossier": "000.00.01.H16-251110-0042"}})),
                ev(5, json!({"type": "rating", "data": {"level": 2}})),
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["acked"].as_u64(), v["stored"].as_u64()),
        (Some(5), Some(2)),
        "{v}"
    );
    let codes: Vec<&str> = v["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["feedback.content", "rating.level", "not_found"]);
    // The fleet console sees them.
    let (_, fleet) = srv
        .staff("qt.trungtam")
        .await
        .get("/api/v1/admin/kiosks")
        .await;
    assert_eq!(fleet[0]["rejected_events"], 3, "{fleet}");
    assert_eq!(fleet[0]["recent_rejections"][1]["kind"], "rating");
    assert_eq!(fleet[0]["recent_rejections"][1]["code"], "rating.level");

    // 10,000 events: refused whole.
    let many: Vec<Value> = (1..=10_000)
        .map(|n| ev(n, json!({"type": "error", "data": {"code": "x"}})))
        .collect();
    let (s, _) = kiosk
        .post("/api/v1/sync/events", json!({"events": many}))
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    // A sequence number already held for a different event.
    let mut other = ev(1, json!({"type": "error", "data": {"code": "x"}}));
    other["id"] = json!(uuid(99));
    let (s, v) = kiosk
        .post("/api/v1/sync/events", json!({"events": [other]}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("sync.seq_reused"))
    );
    // No token, no push.
    let (s, _) = srv
        .anon()
        .post("/api/v1/sync/events", json!({"events": []}))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    srv.running.stop().await;
}
