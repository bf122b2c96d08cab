//! Feedback (Art. 21): tracking code, 13-working-day deadline counted over Tết, late staff
//! entries flagged, assign → answer → close, the answer published without the sender's details.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn feedback_from_the_kiosk_to_a_published_answer() {
    // Tuesday 10/02/2026 09:00 in Hà Nội, the week before Tết.
    let srv = start_at(Utc.with_ymd_and_hms(2026, 2, 10, 2, 0, 0).unwrap(), true).await;
    let public = srv.anon();
    let (s, v) = public
        .post("/api/v1/public/feedback", json!({"category": "Thái độ phục vụ", "content": "Cán bộ hướng dẫn rất tận tình.", "name": "Trần Thị B", "phone": "0905 123 456"}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("feedback.consent"))
    );
    let (s, v) = public
        .post("/api/v1/public/feedback", json!({"category": "Thái độ phục vụ", "content": "Cán bộ hướng dẫn rất tận tình.", "name": "Trần Thị B", "phone": "0905 123 456", "consent": true, "channel": "kiosk"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let code = v["code"].as_str().unwrap().to_owned();
    assert_eq!(code, "PA-260210-0001");
    // 13 working days, Tết (14–22/02) skipped.
    assert_eq!(v["due"], "2026-03-06T09:00:00+07:00");
    assert!(v.get("name").is_none() && v.get("phone").is_none());
    let (s, _) = public
        .post(
            "/api/v1/public/feedback",
            json!({"category": "x", "content": "  "}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let desk = srv.staff("tiepnhan1").await;
    let admin = srv.staff("qt.trungtam").await;
    let officer = srv.staff("cv.tuphap").await;
    let (s, _) = desk
        .post(
            &format!("/api/v1/feedback/{code}/actions"),
            json!({"type": "assign", "officer": "cv.tuphap"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = admin
        .post(
            &format!("/api/v1/feedback/{code}/actions"),
            json!({"type": "close"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "closing needs an answer first");
    let (s, v) = admin
        .post(
            &format!("/api/v1/feedback/{code}/actions"),
            json!({"type": "assign", "officer": "cv.tuphap"}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("assigned"))
    );
    let (s, v) = officer
        .post(&format!("/api/v1/feedback/{code}/actions"), json!({"type": "answer", "answer": "Cảm ơn ý kiến của quý vị; Trung tâm đã biểu dương cán bộ."}))
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("answered"))
    );
    let (s, v) = admin
        .post(
            &format!("/api/v1/feedback/{code}/actions"),
            json!({"type": "close"}),
        )
        .await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("closed")));

    let (s, v) = public.get(&format!("/api/v1/public/feedback/{code}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["answer"],
        "Cảm ơn ý kiến của quý vị; Trung tâm đã biểu dương cán bộ."
    );
    let text = v.to_string();
    assert!(
        !text.contains("Trần Thị B") && !text.contains("0905"),
        "{text}"
    );
    let (_, v) = admin.get(&format!("/api/v1/feedback/{code}")).await;
    assert_eq!(v["name"], "Trần Thị B");
    srv.running.stop().await;
}

#[tokio::test]
async fn staff_entries_more_than_8_working_hours_late_are_flagged() {
    let srv = start_at(Utc.with_ymd_and_hms(2026, 2, 10, 2, 0, 0).unwrap(), true).await;
    let desk = srv.staff("tiepnhan1").await;
    // A letter received Friday 06/02 09:00, entered Tuesday 10/02 09:00: 17 working hours later.
    let (s, v) = desk
        .post("/api/v1/feedback", json!({"channel": "letter", "received_at": "2026-02-06T09:00:00+07:00", "category": "Thời gian giải quyết", "content": "Hồ sơ của tôi chậm."}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["late_entry"], true);
    assert_eq!(v["entered_by"], "tiepnhan1");
    // A call on Monday 15:00, entered Tuesday 09:00: 4 working hours later.
    let (_, v) = desk
        .post("/api/v1/feedback", json!({"channel": "phone", "received_at": "2026-02-09T15:00:00+07:00", "category": "Khác", "content": "Hỏi về lệ phí."}))
        .await;
    assert_eq!(v["late_entry"], false);
    let (s, v) = desk
        .post(
            "/api/v1/feedback",
            json!({"channel": "kiosk", "category": "Khác", "content": "x"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("feedback.channel"))
    );
    let (s, _) = srv
        .staff("cv.tuphap")
        .await
        .post(
            "/api/v1/feedback",
            json!({"channel": "visit", "category": "Khác", "content": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, audit) = srv
        .staff("qt.hethong")
        .await
        .get("/api/v1/admin/audit?limit=1000")
        .await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["action"] == "enter_feedback" && r["actor"] == "tiepnhan1")
    );
    srv.running.stop().await;
}
