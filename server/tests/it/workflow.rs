//! A dossier through every path of regulation Art. 8 and 10, over HTTP.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn supplement_consult_verify_approve_and_return_by_post() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let officer = srv.staff("cv.tuphap").await;
    let head = srv.staff("ld.tuphap").await;

    let (s, r) = desk.post("/api/v1/dossiers", receipt(LLTP, "direct")).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let code = r["code"].as_str().unwrap().to_owned();
    assert_eq!(code, "000.00.01.H16-251110-0001");
    assert_eq!(r["secret"].as_str().unwrap().len(), 4);
    assert_eq!(r["received_at"], "2025-11-10T09:00:00+07:00");
    // 10 working days of 8 hours from Monday 09:00.
    assert_eq!(r["appointment"], "2025-11-24T09:00:00+07:00");
    assert_eq!(r["transfer_due"], "2025-11-11T09:00:00+07:00");
    assert_eq!(r["status"]["code"], 2);

    srv.clock.advance(Duration::minutes(10));
    let items = json!([{"document": "Tờ khai", "reason": "Thiếu chữ ký", "guidance": "Ký và ghi rõ họ tên"}]);
    let v = desk
        .ok(&code, json!({"type": "request_supplement", "items": items}))
        .await;
    assert_eq!(v["status"]["code"], 5);
    let (s, v) = desk
        .act(&code, json!({"type": "request_supplement", "items": items}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    srv.clock.advance(Duration::days(1));
    let v = desk.ok(&code, json!({"type": "supplemented"})).await;
    // Completed at the desk before any transfer: received now, with the whole ten working days
    // and a new transfer deadline (Art. 8.1a–c); the new receipt's appointment.
    assert_eq!(v["received_at"], "2025-11-11T09:10:00+07:00", "{v}");
    assert_eq!(v["appointment"], "2025-11-25T09:10:00+07:00");
    assert_eq!(v["original_appointment"], "2025-11-25T09:10:00+07:00");
    assert_eq!(v["transfer_due"], "2025-11-12T09:10:00+07:00");

    srv.clock.advance(Duration::minutes(30));
    desk.ok(
        &code,
        json!({"type": "accept_and_transfer", "agency": TU_PHAP}),
    )
    .await;
    head.ok(&code, json!({"type": "assign", "officer": "cv.tuphap"}))
        .await;
    srv.clock.advance(Duration::hours(1));
    let v = officer
        .ok(&code, json!({"type": "consult", "agency": "000.00.13.H16", "subject": "Xác minh nhân thân", "deadline": "2025-11-14T17:00:00+07:00"}))
        .await;
    assert_eq!(v["step"]["key"], "consulting");
    let (s, v) = officer
        .act(&code, json!({"type": "submit_for_approval"}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("workflow.consultations_pending"))
    );
    srv.clock.advance(Duration::hours(3));
    officer
        .ok(&code, json!({"type": "answer_consultation", "agency": "000.00.13.H16", "answer": "Không có tiền án"}))
        .await;
    officer
        .ok(&code, json!({"type": "schedule_verification", "at": "2025-11-14T09:00:00+07:00", "place": "Trụ sở Sở Tư pháp", "participants": ["Chuyên viên", "Người yêu cầu"], "content": "Đối chiếu giấy tờ gốc"}))
        .await;
    srv.clock.advance(Duration::days(4));
    officer
        .ok(&code, json!({"type": "submit_for_approval"}))
        .await;
    // Only a head approves.
    let (s, v) = officer.act(&code, json!({"type": "approve"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("auth.role"))
    );
    head.ok(&code, json!({"type": "approve"})).await;
    let v = officer
        .ok(&code, json!({"type": "mark_result_ready"}))
        .await;
    assert_eq!(v["status"]["code"], 9);
    assert_eq!(v["timeliness"], "early");
    // The desk hands it over by post; the head may not.
    let (s, _) = head
        .act(&code, json!({"type": "return", "channel": "post"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let v = desk
        .ok(&code, json!({"type": "return", "channel": "post"}))
        .await;
    assert_eq!(v["status"]["code"], 10);
    assert_eq!(v["details"]["return_channel"], "post");
    let kinds: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "received",
            "supplement_requested",
            "supplemented",
            "accepted_transferred",
            "assigned",
            "consultation_requested",
            "consultation_answered",
            "verification_scheduled",
            "submitted_for_approval",
            "approved",
            "result_ready",
            "returned"
        ]
    );
    assert_eq!(v["timeline"][0]["vi"], "Tiếp nhận hồ sơ");

    // The same dossier read back.
    let (s, again) = desk.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["timeline"], v["timeline"]);
    srv.running.stop().await;
}

#[tokio::test]
async fn rejection_refusal_stop_and_refund() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let officer = srv.staff("cv.xaydung").await;
    let head = srv.staff("ld.xaydung").await;

    // Rejected after processing, with a reason, returned at the counter.
    let a = desk.receive(GPXD, "online").await;
    let (s, v) = desk.get(&format!("/api/v1/dossiers/{a}")).await;
    assert_eq!((s, v["status"]["code"].as_u64()), (StatusCode::OK, Some(1)));
    // Found valid (Art. 8.1c), then transferred.
    let v = desk.ok(&a, json!({"type": "accept_online"})).await;
    assert_eq!(v["status"]["code"], 2);
    desk.ok(
        &a,
        json!({"type": "accept_and_transfer", "agency": "000.00.11.H16"}),
    )
    .await;
    head.ok(&a, json!({"type": "assign", "officer": "cv.xaydung"}))
        .await;
    officer.ok(&a, json!({"type": "submit_for_approval"})).await;
    let (s, v) = head.act(&a, json!({"type": "reject", "reason": " "})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("workflow.reason_required")
        )
    );
    let v = head.ok(&a, json!({"type": "reject", "reason": "Công trình nằm trong hành lang an toàn giao thông"})).await;
    assert_eq!(v["status"]["code"], 9);
    assert_eq!(
        v["details"]["reason"],
        "Công trình nằm trong hành lang an toàn giao thông"
    );
    desk.ok(&a, json!({"type": "return", "channel": "counter"}))
        .await;

    // Refused at reception.
    let b = desk.receive(GPXD, "postal").await;
    assert_eq!(b, "000.00.01.H16-251110-0002");
    let (s, _) = desk.act(&b, json!({"type": "refuse", "reason": ""})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let v = desk
        .ok(
            &b,
            json!({"type": "refuse", "reason": "Không thuộc thẩm quyền"}),
        )
        .await;
    assert_eq!(v["status"]["code"], 3);

    // Fees paid, processing stopped, the fee refunded (Art. 10.4), no resuming after.
    let c = desk.receive(GPXD, "direct").await;
    desk.ok(&c, json!({"type": "record_fee_paid", "amount": 150000}))
        .await;
    desk.ok(
        &c,
        json!({"type": "accept_and_transfer", "agency": "000.00.11.H16"}),
    )
    .await;
    head.ok(&c, json!({"type": "assign", "officer": "cv.xaydung"}))
        .await;
    let v = officer
        .ok(
            &c,
            json!({"type": "request_fee", "amount": 50000, "description": "Phí thẩm định"}),
        )
        .await;
    assert_eq!(v["status"]["code"], 6);
    srv.clock.advance(Duration::hours(2));
    let v = desk
        .ok(&c, json!({"type": "record_fee_paid", "amount": 50000}))
        .await;
    assert_eq!(v["step"]["key"], "assigned");
    let v = head
        .ok(
            &c,
            json!({"type": "stop", "reason": "Chờ giải quyết tranh chấp"}),
        )
        .await;
    assert_eq!(v["status"]["code"], 8);
    let (s, v) = desk
        .act(
            &c,
            json!({"type": "refund_fee", "amount": 300000, "reason": "Không thực hiện được"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("workflow.refund_too_large")
        )
    );
    let v = desk.ok(&c, json!({"type": "refund_fee", "amount": 200000, "reason": "Không thực hiện được dịch vụ"})).await;
    assert_eq!(v["details"]["fees"]["refunded"], 200000);
    let (s, v) = head.act(&c, json!({"type": "resume"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("workflow.resume_after_refund"))
    );

    // An apology moves the appointment (Mẫu 04), only a head signs it.
    let d = desk.receive(GPXD, "direct").await;
    desk.ok(
        &d,
        json!({"type": "accept_and_transfer", "agency": "000.00.11.H16"}),
    )
    .await;
    let (s, _) = officer.act(&d, json!({"type": "apologize", "reason": "Chờ ý kiến", "new_due": "2025-12-31T16:00:00+07:00"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let v = head.ok(&d, json!({"type": "apologize", "reason": "Chờ ý kiến liên ngành", "new_due": "2025-12-31T16:00:00+07:00"})).await;
    assert_eq!(v["appointment"], "2025-12-31T16:00:00+07:00");
    assert_eq!(v["details"]["apologies"], 1);

    // Lists by status and by overdue.
    let (s, v) = desk.get("/api/v1/dossiers?status=3").await;
    assert_eq!(s, StatusCode::OK);
    let codes: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, [b.as_str()]);
    let (_, v) = desk.get("/api/v1/dossiers?q=nguyen%20van").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 4);
    let (_, v) = desk.get("/api/v1/dossiers?q=066185012345&per_page=2").await;
    assert_eq!(
        (
            v["items"].as_array().unwrap().len(),
            v["has_more"].as_bool()
        ),
        (2, Some(true))
    );
    srv.clock.advance(Duration::days(60));
    let (_, v) = desk.get("/api/v1/dossiers?overdue=true").await;
    let overdue: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        overdue,
        [d.as_str()],
        "only the apologised dossier is open and past due"
    );
    // The dossier's own answer (kept ready by the writes before the clock moved) agrees.
    let (s, v) = desk.get(&format!("/api/v1/dossiers/{d}")).await;
    assert_eq!((s, &v["overdue"]), (StatusCode::OK, &json!(true)));
    let (_, v) = desk.get(&format!("/api/v1/dossiers/{b}")).await;
    assert_eq!(v["overdue"], false);
    srv.running.stop().await;
}

#[tokio::test]
async fn calendar_due_and_metrics() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let (s, v) = desk
        .get("/api/v1/calendar/due?from=2025-01-24T16:00:00%2B07:00&working_hours=8")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["due"], "2025-02-03T16:00:00+07:00");
    // 09:00 UTC is 16:00 in Vietnam; received on a Saturday it counts from Monday.
    let (_, v) = desk
        .get("/api/v1/calendar/due?from=2025-01-24T09:00:00Z&working_days=1")
        .await;
    assert_eq!(v["counts_from"], "2025-01-24T16:00:00+07:00");
    assert_eq!(v["due"], "2025-02-03T16:00:00+07:00");
    let (_, v) = desk
        .get("/api/v1/calendar/due?from=2025-11-15T10:00:00%2B07:00&working_hours=2")
        .await;
    assert_eq!(v["counts_from"], "2025-11-17T07:00:00+07:00");
    assert_eq!(v["due"], "2025-11-17T09:00:00+07:00");
    let (s, v) = desk
        .get("/api/v1/calendar/due?from=yesterday&working_days=1")
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.query"))
    );
    let (s, _) = desk
        .get("/api/v1/calendar/due?from=2025-01-24T09:00:00Z")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    desk.receive(LLTP, "direct").await;
    let (s, v) = srv.anon().get("/healthz").await;
    assert_eq!((s, v["dossiers"].as_u64()), (StatusCode::OK, Some(1)));
    let text = reqwest::get(format!("{}/metrics", srv.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("motcua_dossiers{status=\"2\"} 1"), "{text}");
    assert!(text.contains("motcua_dossiers_overdue 0"));
    assert!(text.contains(
        "motcua_http_requests_total{method=\"POST\",route=\"/api/v1/dossiers\",status=\"201\"} 1"
    ));
    assert!(text.contains("motcua_http_request_duration_seconds_bucket"));
    srv.running.stop().await;
}

/// Art. 8.1a: the desk checks and transfers first; until then the competent agency's officers
/// and heads see the dossier coming but cannot act on it.
#[tokio::test]
async fn the_agency_acts_only_after_the_desk_transfers() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let officer = srv.staff("cv.tuphap").await;
    let head = srv.staff("ld.tuphap").await;
    let code = desk.receive(LLTP, "direct").await;
    let items = json!([{"document": "Tờ khai", "reason": "Thiếu chữ ký", "guidance": "Ký và ghi rõ họ tên"}]);
    let (s, _) = officer
        .act(&code, json!({"type": "request_supplement", "items": items}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = head
        .act(&code, json!({"type": "stop", "reason": "Chờ xác minh"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    desk.ok(
        &code,
        json!({"type": "accept_and_transfer", "agency": TU_PHAP}),
    )
    .await;
    head.ok(&code, json!({"type": "assign", "officer": "cv.tuphap"}))
        .await;
    officer
        .ok(
            &code,
            json!({"type": "draft_notice", "notice": {"kind": "supplement", "items": items}}),
        )
        .await;
}

/// Art. 20.2: at the handling agency a supplement notice is drafted by the officer, approved by
/// the head and sent by the desk — each by its own role; the clock stands from the sending.
#[tokio::test]
async fn art_20_2_the_agency_s_supplement_notice_goes_officer_head_desk() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let officer = srv.staff("cv.tuphap").await;
    let head = srv.staff("ld.tuphap").await;
    let code = desk.receive(LLTP, "direct").await;
    desk.ok(
        &code,
        json!({"type": "accept_and_transfer", "agency": TU_PHAP}),
    )
    .await;
    head.ok(&code, json!({"type": "assign", "officer": "cv.tuphap"}))
        .await;
    let items = json!([{"document": "Bản sao CCCD", "reason": "Bản chụp mờ", "guidance": "Nộp bản chụp rõ nét"}]);
    // Directly: refused, saying how.
    let (s, v) = officer
        .act(&code, json!({"type": "request_supplement", "items": items}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "workflow.notice_needs_approval", "{v}");
    let draft = json!({"type": "draft_notice", "notice": {"kind": "supplement", "items": items}});
    let v = officer.ok(&code, draft).await;
    assert_eq!(v["step"]["key"], "awaiting_approval");
    assert_eq!(
        v["details"]["notice"]["notice"]["kind"], "supplement",
        "{v}"
    );
    // Neither the officer approves nor the desk sends a draft.
    let (s, _) = officer.act(&code, json!({"type": "approve"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = desk.act(&code, json!({"type": "issue_notice"})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    srv.clock.advance(Duration::hours(2));
    let v = head.ok(&code, json!({"type": "approve"})).await;
    assert_eq!(v["step"]["key"], "notice_approved");
    assert_eq!(
        v["status"]["code"], 4,
        "the clock runs until the applicant is told"
    );
    // The head does not send it: the desk does.
    let (s, _) = head.act(&code, json!({"type": "issue_notice"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // On the desk's worklist, in its own pile.
    let work = page(&srv, &desk, "/desk/work?pile=notify").await;
    assert!(work.contains(&code), "{work}");
    srv.clock.advance(Duration::hours(1));
    let v = desk.ok(&code, json!({"type": "issue_notice"})).await;
    assert_eq!(v["status"]["code"], 5);
    assert_eq!(v["details"]["supplement"][0]["document"], "Bản sao CCCD");
    assert!(
        v["details"]["paused_at"]
            .as_str()
            .unwrap()
            .starts_with("2025-11-10T12:00"),
        "{v}"
    );
    let v = desk.ok(&code, json!({"type": "supplemented"})).await;
    assert_eq!(v["step"]["key"], "assigned", "back to the officer");
    // Every step audited under its actor.
    let admin = srv.staff("qt.hethong").await;
    let (_, audit) = admin.get("/api/v1/admin/audit?limit=1000").await;
    for (actor, action) in [
        ("cv.tuphap", "draft_notice"),
        ("ld.tuphap", "approve"),
        ("tiepnhan1", "issue_notice"),
    ] {
        assert!(
            audit
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["actor"] == actor && r["action"] == action && r["outcome"] == "ok"),
            "{actor} {action}: {audit}"
        );
    }
}

const LAND: &str = "1.004199.000.00.13.H16";

/// A staff page as the signed-in `who` reads it in a browser.
async fn page(srv: &TestServer, who: &Client, path: &str) -> String {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", srv.base))
        .header(
            reqwest::header::COOKIE,
            format!("motcua_session={}", who.token.as_deref().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

/// Art. 10.1d: a joint procedure is sent to its lead and to every participating agency the
/// catalogue names, each with its task and deadline; the participant sees it in its own pile,
/// records its own part and nothing else; the lead decides once every part is in.
#[tokio::test]
async fn art_10_1d_a_joint_dossier_reaches_each_agency_with_its_task() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let officer = srv.staff("cv.nnmt").await;
    let head = srv.staff("ld.nnmt").await;
    let tax = srv.staff("cv.thue").await;
    let other = srv.staff("cv.tuphap").await;
    let code = desk.receive(LAND, "direct").await;
    let v = desk
        .ok(
            &code,
            json!({"type": "accept_and_transfer", "agency": "000.00.13.H16"}),
        )
        .await;
    let joint = &v["details"]["joint"];
    assert_eq!(joint.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(joint[0]["agency"], "000.00.19.H16");
    assert_eq!(joint[0]["hand_to"], "000.00.13.H16");
    // Three working days from Monday 09:00.
    assert_eq!(joint[0]["deadline"], "2025-11-13T09:00:00+07:00", "{v}");
    assert!(
        v["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"]["type"] == "transferred_joint")
    );
    // The tax office sees the whole dossier, and has it in its pile.
    let (s, seen) = tax.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::OK, "{seen}");
    let pile = page(&srv, &tax, "/agency?pile=joint").await;
    assert!(pile.contains(&code), "{pile}");
    // An agency not taking part sees nothing.
    let (s, _) = other.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    head.ok(&code, json!({"type": "assign", "officer": "cv.nnmt"}))
        .await;
    // The participant cannot act for the lead, nor for another agency.
    let (s, _) = tax.act(&code, json!({"type": "submit_for_approval"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = other
        .act(
            &code,
            json!({"type": "complete_joint_task", "agency": "000.00.10.H16", "result": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = officer
        .act(&code, json!({"type": "submit_for_approval"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["error"]["code"], "workflow.joint_tasks_pending");
    srv.clock.advance(Duration::days(4));
    // Late, where an operator can alert on it.
    let metrics = reqwest::get(format!("{}/metrics", srv.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("motcua_agency_tasks_late{kind=\"joint\"} 1"),
        "{metrics}"
    );
    let v = tax
        .ok(
            &code,
            json!({"type": "complete_joint_task", "agency": "000.00.19.H16", "result": "Thông báo nộp thuế số 12/TB-T"}),
        )
        .await;
    assert_eq!(
        v["details"]["joint"][0]["result"],
        "Thông báo nộp thuế số 12/TB-T"
    );
    // Done after its deadline: flagged late on the lead's page.
    let lead = page(&srv, &officer, &format!("/desk/dossiers/{code}")).await;
    assert!(lead.contains("Thông báo nộp thuế số 12/TB-T"), "{lead}");
    assert!(lead.contains("quá hạn"), "{lead}");
    officer
        .ok(&code, json!({"type": "submit_for_approval"}))
        .await;
    head.ok(&code, json!({"type": "approve"})).await;
}

/// Art. 8.1b: a dossier received is transferred within 8 working hours. Those still at the desk
/// past it are listed (`transfer_overdue=true`) and flagged in every row; a dossier waiting for
/// the applicant's supplement is not.
#[tokio::test]
async fn transfers_past_their_eight_working_hours_are_listed() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let late = desk.receive(LLTP, "direct").await;
    let sent = desk.receive(LLTP, "direct").await;
    let paused = desk.receive(LLTP, "direct").await;
    desk.ok(
        &sent,
        json!({"type": "accept_and_transfer", "agency": TU_PHAP}),
    )
    .await;
    let items = json!([{"document": "Tờ khai", "reason": "Thiếu chữ ký", "guidance": "Ký và ghi rõ họ tên"}]);
    desk.ok(
        &paused,
        json!({"type": "request_supplement", "items": items}),
    )
    .await;
    let (_, v) = desk.get("/api/v1/dossiers?transfer_overdue=true").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "{v}");
    // Monday 09:00 + 8 working hours is Tuesday 09:00; on Wednesday it is late.
    srv.clock.advance(Duration::days(2));
    let (s, v) = desk.get("/api/v1/dossiers?transfer_overdue=true").await;
    assert_eq!(s, StatusCode::OK);
    let codes: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, [late.as_str()]);
    assert_eq!(v["items"][0]["transfer_overdue"], true);
    // Counted where an operator can alert on it.
    let metrics = reqwest::get(format!("{}/metrics", srv.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("motcua_dossiers_transfer_overdue 1"),
        "{metrics}"
    );
    assert!(
        v["items"][0]["transfer_due"]
            .as_str()
            .unwrap()
            .starts_with("2025-11-11T09:00"),
        "{v}"
    );
    let (_, v) = desk.get(&format!("/api/v1/dossiers?q={sent}")).await;
    assert_eq!(v["items"][0]["transfer_overdue"], false);
    // Transferred now, late: counted in the report on the day of the transfer.
    desk.ok(
        &late,
        json!({"type": "accept_and_transfer", "agency": TU_PHAP}),
    )
    .await;
    let admin = srv.staff("qt.trungtam").await;
    let (_, r) = admin
        .get("/api/v1/reports/dossiers?from=2025-11-01&to=2025-11-30")
        .await;
    assert_eq!(r["total"]["transferred_late"], 1, "{r}");
}

/// Art. 7.2, 8.1c: a portal pushes a dossier submitted online with its own token; it waits at
/// the desk as submitted (file references kept) until the desk finds it valid. Without the
/// token, or with another, nothing is taken.
#[tokio::test]
async fn a_portal_pushes_an_online_dossier_that_waits_for_the_desks_check() {
    let token = "portal-token-for-the-test-0123456789";
    let srv = start_configured(monday_morning(), true, |c| {
        c.portal_tokens.insert(
            "dvc".into(),
            motcua_server::ops::passwords::token_key(token),
        );
    })
    .await;
    let body = json!({
        "desk": "000.00.01.H16",
        "procedure": LLTP,
        "applicant": {"name": "Nguyễn Văn Cổng", "citizen_id": "001190012345"},
        "documents": [{"name": "Tờ khai", "original": true, "copies": 1,
                       "file": "https://dichvucong.example/ho-so/123/to-khai.pdf"}],
        "submitted_at": "2025-11-08T21:00:00+07:00"
    });
    let http = reqwest::Client::new();
    let push = |auth: Option<&str>| {
        let mut r = http
            .post(format!("{}/api/v1/portal/dossiers", srv.base))
            .json(&body);
        if let Some(a) = auth {
            r = r.bearer_auth(a);
        }
        r.send()
    };
    for auth in [None, Some("wrong-token"), Some("")] {
        assert_eq!(
            push(auth).await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "{auth:?}"
        );
    }
    let res = push(Some(token)).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: serde_json::Value = res.json().await.unwrap();
    let code = v["code"].as_str().unwrap().to_owned();
    assert_eq!(v["status"]["code"], 1, "submitted, not yet received: {v}");
    let desk = srv.staff("tiepnhan1").await;
    let (_, d) = desk.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(d["step"]["key"], "submitted_online", "{d}");
    assert!(
        d.to_string()
            .contains("https://dichvucong.example/ho-so/123/to-khai.pdf")
    );
    let v = desk.ok(&code, json!({"type": "accept_online"})).await;
    assert_eq!(v["status"]["code"], 2);
    // The audit log names the portal.
    let admin = srv.staff("qt.hethong").await;
    let (_, log) = admin
        .get(&format!("/api/v1/admin/audit?target={code}"))
        .await;
    assert!(log.to_string().contains("portal:dvc"), "{log}");
}
