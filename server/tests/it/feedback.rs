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
    // The day and a random tag of 40 bits: nobody guesses another's code.
    let tag = code
        .strip_prefix("PA-260210-")
        .expect("the day in the code");
    assert_eq!(tag.len(), 8);
    assert!(
        tag.bytes()
            .all(|b| motcua_core::codes::TRACKING_ALPHABET.contains(&b))
    );
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

/// Finding 9: any officer read any feedback with the sender's name and phone and could answer it;
/// `assign` took an officer who does not exist and moved an answered item back; answers were
/// overwritten; tracking codes were sequential.
#[tokio::test]
async fn feedback_is_scoped_assigned_to_real_officers_and_keeps_its_answers() {
    let srv = start_at(Utc.with_ymd_and_hms(2026, 2, 10, 2, 0, 0).unwrap(), true).await;
    let public = srv.anon();
    let send = |content: &'static str| {
        let public = public.clone();
        async move {
            let (s, v) = public
                .post("/api/v1/public/feedback", json!({"category": "Khác", "content": content, "name": "Lê Văn C", "phone": "0912345678", "consent": true}))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            v["code"].as_str().unwrap().to_owned()
        }
    };
    let code = send("Bãi giữ xe thiếu chỗ.").await;
    let other = send("Cần thêm ghế chờ.").await;
    assert_ne!(code[10..], other[10..], "codes share no sequence");
    // The old sequential code finds nothing.
    let (s, _) = public.get("/api/v1/public/feedback/PA-260210-0001").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let admin = srv.staff("qt.trungtam").await;
    let officer = srv.staff("cv.tuphap").await;
    let head = srv.staff("ld.tuphap").await;
    let stranger = srv.staff("cv.xaydung").await;
    let path = format!("/api/v1/feedback/{code}");
    let actions = format!("{path}/actions");
    let missing = "/api/v1/feedback/PA-260210-AAAAAAAA";
    // Before it is assigned, officers neither read nor answer it: the same 404 as a missing one.
    let (s1, v1) = officer.get(&path).await;
    let (s2, v2) = officer.get(missing).await;
    assert_eq!((s1, &v1), (StatusCode::NOT_FOUND, &v2));
    assert_eq!(s2, StatusCode::NOT_FOUND);
    let answer = |t: &str| json!({"type": "answer", "answer": t});
    assert_eq!(
        officer.post(&actions, answer("Xin trả lời.")).await.0,
        StatusCode::NOT_FOUND
    );
    // Only real, active officers or heads can be assigned.
    for who in [
        "khong.ton.tai",
        "tiepnhan1",
        "qt.hethong",
        &"x".repeat(5000),
    ] {
        let (s, v) = admin
            .post(&actions, json!({"type": "assign", "officer": who}))
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("feedback.officer")),
            "{v}"
        );
    }
    let (s, v) = admin
        .post(&actions, json!({"type": "assign", "officer": "CV.TUPHAP"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["assignee"], "cv.tuphap");
    assert_eq!(v["agency"], TU_PHAP);
    // The assigned agency reads it (its head too); another agency still does not.
    let (s, v) = officer.get(&path).await;
    assert_eq!((s, v["name"].as_str()), (StatusCode::OK, Some("Lê Văn C")));
    assert_eq!(head.get(&path).await.0, StatusCode::OK);
    assert_eq!(stranger.get(&path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        stranger
            .post(&actions, answer("Không phải việc của tôi."))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Answers are kept one after another; the public sees the latest.
    let (s, _) = officer
        .post(&actions, answer("Trung tâm đã bố trí thêm chỗ."))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = head
        .post(&actions, answer("Trung tâm đã bố trí thêm 40 chỗ giữ xe."))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let history = v["answers"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["by"], "cv.tuphap");
    assert_eq!(history[0]["text"], "Trung tâm đã bố trí thêm chỗ.");
    assert_eq!(history[1]["by"], "ld.tuphap");
    let (_, v) = public.get(&format!("/api/v1/public/feedback/{code}")).await;
    assert_eq!(v["answer"], "Trung tâm đã bố trí thêm 40 chỗ giữ xe.");
    // An answered item is not moved back by a new assignment.
    let (s, _) = admin
        .post(&actions, json!({"type": "assign", "officer": "cv.xaydung"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Answers are bounded and hold nothing hidden.
    for bad in ["x".repeat(2001), "Trả lời \u{202E}ẩn".to_owned()] {
        let (s, v) = officer.post(&actions, answer(&bad)).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("feedback.answer"))
        );
    }
    srv.running.stop().await;
}
