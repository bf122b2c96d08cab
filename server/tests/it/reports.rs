//! Reports from counters: received by channel, finished early / on time / overdue, withdrawn,
//! in progress now (overdue as the clock moves), waiting for the applicant, feedback and
//! satisfaction; JSON and CSV; who may see what.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

fn row<'a>(r: &'a Value, agency: &str) -> &'a Value {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["agency"] == agency)
        .unwrap_or_else(|| panic!("no row for {agency}: {r}"))
}

#[tokio::test]
async fn counts_follow_the_workflow_and_the_clock() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let officer = srv.staff("cv.tuphap").await;
    let head = srv.staff("ld.tuphap").await;
    let admin = srv.staff("qt.trungtam").await;

    let done = desk.receive(LLTP, "direct").await;
    let waiting = desk.receive(LLTP, "direct").await;
    let open = desk.receive(LLTP, "postal").await;
    let gone = desk.receive(LLTP, "direct").await;
    desk.receive(GPXD, "direct").await;

    desk.ok(
        &done,
        json!({"type": "accept_and_transfer", "agency": TU_PHAP}),
    )
    .await;
    head.ok(&done, json!({"type": "assign", "officer": "cv.tuphap"}))
        .await;
    officer
        .ok(&done, json!({"type": "submit_for_approval"}))
        .await;
    head.ok(&done, json!({"type": "approve"})).await;
    officer
        .ok(&done, json!({"type": "mark_result_ready"}))
        .await;
    let items = json!([{"document": "Tờ khai", "reason": "Thiếu chữ ký", "guidance": "Ký và ghi rõ họ tên"}]);
    desk.ok(
        &waiting,
        json!({"type": "request_supplement", "items": items}),
    )
    .await;
    desk.ok(
        &gone,
        json!({"type": "withdraw", "reason": "Người nộp xin rút"}),
    )
    .await;
    let (s, _) = srv
        .anon()
        .post(
            "/api/v1/public/ratings",
            json!({"level": 3, "dossier": done, "secret": secret_of(&desk, &done).await}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    let (s, r) = admin.get("/api/v1/reports/dossiers").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["from"].as_str(), r["to"].as_str()),
        (Some("2025-11-01"), Some("2025-11-10"))
    );
    let tp = row(&r, TU_PHAP);
    assert_eq!(tp["agency_name"], "Sở Tư pháp");
    assert_eq!(
        tp["received"],
        json!({"direct": 3, "postal": 1, "online": 0, "total": 4})
    );
    assert_eq!(
        tp["finished"],
        json!({"early": 1, "on_time": 0, "overdue": 0, "total": 1})
    );
    assert_eq!(tp["on_time_rate"], 1.0);
    assert_eq!(tp["withdrawn"], 1);
    assert_eq!(
        tp["in_progress"],
        json!({"not_yet_due": 1, "overdue": 0, "waiting_applicant": 1})
    );
    assert_eq!(r["total"]["received"]["total"], 5);
    assert_eq!(r["satisfaction"]["by_level"], json!({"3/3": 1}));
    assert_eq!(r["satisfaction"]["by_agency"][TU_PHAP], json!({"3/3": 1}));

    // A month later the open dossier is overdue; the period now starts on 1 December.
    srv.clock.advance(Duration::days(30));
    let (_, r) = admin
        .get("/api/v1/reports/dossiers?from=2025-11-01&to=2025-12-31&by=procedure")
        .await;
    let tp = row(&r, TU_PHAP);
    assert_eq!(tp["procedure"], LLTP);
    assert!(
        tp["procedure_name"]
            .as_str()
            .unwrap()
            .contains("lý lịch tư pháp"),
        "{tp}"
    );
    assert_eq!(
        tp["in_progress"],
        json!({"not_yet_due": 0, "overdue": 1, "waiting_applicant": 1})
    );
    let (_, r) = admin
        .get("/api/v1/reports/dossiers?from=2025-12-01&to=2025-12-31")
        .await;
    assert_eq!(
        r["total"]["received"]["total"], 0,
        "nothing received in December"
    );
    // In progress is now, whatever the period: this dossier and the building permit.
    assert_eq!(r["total"]["in_progress"]["overdue"], 2);
    assert_eq!(row(&r, "000.00.11.H16")["in_progress"]["overdue"], 1);

    // Finishing it late moves it from in progress to finished overdue.
    desk.ok(
        &open,
        json!({"type": "accept_and_transfer", "agency": TU_PHAP}),
    )
    .await;
    head.ok(&open, json!({"type": "assign", "officer": "cv.tuphap"}))
        .await;
    officer
        .ok(&open, json!({"type": "submit_for_approval"}))
        .await;
    head.ok(&open, json!({"type": "approve"})).await;
    officer
        .ok(&open, json!({"type": "mark_result_ready"}))
        .await;
    let (_, r) = admin
        .get("/api/v1/reports/dossiers?from=2025-11-01&to=2025-12-31")
        .await;
    let tp = row(&r, TU_PHAP);
    assert_eq!(
        tp["finished"],
        json!({"early": 1, "on_time": 0, "overdue": 1, "total": 2})
    );
    assert_eq!(tp["on_time_rate"], 0.5);
    assert_eq!(tp["in_progress"]["overdue"], 0);

    // CSV for spreadsheets.
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/reports/dossiers?from=2025-11-01&to=2025-12-31&format=csv",
            srv.base
        ))
        .bearer_auth(admin.token.as_ref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let text = resp.text().await.unwrap();
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert!(lines[0].starts_with("\u{feff}Mã cơ quan (agency)"));
    let tp_line = lines.iter().find(|l| l.starts_with(TU_PHAP)).unwrap();
    assert!(
        tp_line.starts_with(&format!(
            "{TU_PHAP},Sở Tư pháp,,,3,1,0,4,1,0,1,2,0.5000,1,0,1,0,0,1"
        )),
        "{tp_line}"
    );
    assert!(lines.last().unwrap().starts_with("TỔNG (TOTAL),"));
}

#[tokio::test]
async fn who_sees_which_report() {
    let srv = start().await;
    let head = srv.staff("ld.tuphap").await;
    let (s, r) = head.get("/api/v1/reports/dossiers").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, _) = head
        .get("/api/v1/reports/dossiers?agency=000.00.11.H16")
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv
        .staff("tiepnhan1")
        .await
        .get("/api/v1/reports/dossiers")
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = head
        .get("/api/v1/reports/dossiers?from=2025-12-01&to=2025-11-01")
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("report.period"))
    );
    let (s, _) = head.get("/api/v1/reports/dossiers?from=yesterday").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn seeded_counters_add_up() {
    let mut srv = start_at(monday_morning(), false).await;
    let st = srv.running.state.clone();
    let n = 400;
    let report = tokio::task::spawn_blocking(move || {
        motcua_server::seed::seed_demo(&st.store, &st.cal.get(), st.clock.now_vn(), n)
    })
    .await
    .unwrap()
    .unwrap();
    srv.passwords
        .extend(report.staff.into_iter().map(|(u, _, p)| (u, p)));
    let admin = srv.staff("qt.trungtam").await;
    let (s, r) = admin
        .get("/api/v1/reports/dossiers?from=2020-01-01&to=2029-12-31")
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["total"]["received"]["total"], n);
    let sum: u64 = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["received"]["total"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, n as u64);
    // Every status is somewhere: open ones are in progress, the rest finished or closed.
    let t = &r["total"];
    let open = t["in_progress"]["not_yet_due"].as_u64().unwrap()
        + t["in_progress"]["overdue"].as_u64().unwrap()
        + t["in_progress"]["waiting_applicant"].as_u64().unwrap();
    let closed_unfinished = t["withdrawn"].as_u64().unwrap() + t["refused"].as_u64().unwrap();
    let finished = t["finished"]["total"].as_u64().unwrap();
    assert!(open > 0 && finished > 0 && closed_unfinished > 0, "{t}");
    assert!(open + finished + closed_unfinished >= n as u64, "{t}");
}

/// Art. 14.4 counts against the legal due instant: a dossier apologised for (Mẫu 04) with a new
/// appointment, finished after its legal due but before the new appointment, is counted late —
/// in the open lists while it runs and in the report once finished.
#[tokio::test]
async fn a_dossier_apologised_for_is_counted_late() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let officer = srv.staff("cv.tuphap").await;
    let head = srv.staff("ld.tuphap").await;
    let admin = srv.staff("qt.trungtam").await;
    let code = desk.receive(LLTP, "direct").await;
    desk.ok(
        &code,
        json!({"type": "accept_and_transfer", "agency": TU_PHAP}),
    )
    .await;
    head.ok(&code, json!({"type": "assign", "officer": "cv.tuphap"}))
        .await;
    let v = head
        .ok(
            &code,
            json!({"type": "apologize", "reason": "Chờ ý kiến liên ngành", "new_due": "2026-06-30T16:00:00+07:00"}),
        )
        .await;
    let legal = v["legal_due"].as_str().unwrap().to_owned();
    assert_ne!(legal, v["appointment"].as_str().unwrap(), "{v}");
    // Past the legal due, well before the new appointment: late all the same.
    srv.clock.advance(Duration::days(40));
    let (_, list) = admin.get("/api/v1/dossiers?overdue=true").await;
    assert!(list.to_string().contains(&code), "{list}");
    officer
        .ok(&code, json!({"type": "submit_for_approval"}))
        .await;
    head.ok(&code, json!({"type": "approve"})).await;
    let v = officer
        .ok(&code, json!({"type": "mark_result_ready"}))
        .await;
    assert_eq!(v["timeliness"], "overdue", "{v}");
    let (_, r) = admin
        .get("/api/v1/reports/dossiers?from=2025-11-01&to=2026-12-31")
        .await;
    let tp = row(&r, TU_PHAP);
    assert_eq!(tp["finished"]["overdue"], 1, "{r}");
    assert_eq!(tp["finished"]["total"], 1);
}
