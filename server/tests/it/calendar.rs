//! Calendar years through the API: coverage is explicit, a deadline into a year the calendar does
//! not hold is refused with the year to load, a system administrator loads and confirms years
//! (checked, audited, kept across restarts), and nobody else can.

use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{LLTP, cookie_client, csrf_in, restart, start, start_at};

/// Monday 20/12/2027 09:00 in Vietnam: ten working days from here reach into 2028.
fn december_2027() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 12, 20, 2, 0, 0).unwrap()
}

#[tokio::test]
async fn years_are_listed_loaded_confirmed_and_kept() {
    let srv = start_at(december_2027(), true).await;
    let desk = srv.staff("tiepnhan1").await;
    let sysadmin = srv.staff("qt.hethong").await;
    let centre_admin = srv.staff("qt.trungtam").await;

    let (s, v) = desk.get("/api/v1/calendar/years").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let years: Vec<i64> = v["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["year"].as_i64().unwrap())
        .collect();
    assert_eq!(years, vec![2024, 2025, 2026, 2027]);
    assert_eq!(v["years"][3]["status"], "provisional");
    assert_eq!(v["years"][3]["origin"], "bundled");
    assert_eq!(v["covered_until"], "2027-12-31");
    assert_eq!(v["first_provisional"], 2027);
    let (s, v) = srv.anon().get("/healthz").await;
    assert_eq!(
        (s, &v["calendar"]["covered_until"]),
        (StatusCode::OK, &json!("2027-12-31"))
    );

    // Lý lịch tư pháp takes 10 working days: from 20/12/2027 that ends in January 2028.
    let (s, v) = desk
        .post("/api/v1/dossiers", crate::common::receipt(LLTP, "direct"))
        .await;
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
            .contains("Lịch làm việc năm 2028 chưa được cập nhật"),
        "{v}"
    );

    // Only a system administrator loads a year.
    let file = motcua_core::CalendarYear::provisional(2028)
        .unwrap()
        .to_toml();
    for who in [&desk, &centre_admin] {
        let (s, _) = who
            .send_raw(
                "PUT",
                "/api/v1/admin/calendar/years/2028",
                file.clone().into_bytes(),
                "application/toml",
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
    // A file that does not hold together is refused whole, with the reason.
    let bad = file.replacen("from = \"2028-01-01\"", "from = \"2027-12-31\"", 1);
    let (s, v) = sysadmin
        .send_raw(
            "PUT",
            "/api/v1/admin/calendar/years/2028",
            bad.into_bytes(),
            "application/toml",
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("calendar.outside_year")
        ),
        "{v}"
    );
    let (s, v) = sysadmin
        .send_raw(
            "PUT",
            "/api/v1/admin/calendar/years/2029",
            file.clone().into_bytes(),
            "application/toml",
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("calendar.year_mismatch")
        )
    );
    let (s, v) = sysadmin
        .send_raw(
            "PUT",
            "/api/v1/admin/calendar/years/2028",
            file.clone().into_bytes(),
            "application/toml",
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["covered_until"], "2028-12-31");
    assert_eq!(v["year"]["status"], "provisional");

    // Now the receipt is taken, its appointment in January 2028.
    let (s, v) = desk
        .post("/api/v1/dossiers", crate::common::receipt(LLTP, "direct"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(
        v["appointment"].as_str().unwrap().starts_with("2028-01-"),
        "{v}"
    );

    // Confirm 2027 as the notice published it (JSON body), and read a year back as a file.
    let (s, v) = sysadmin
        .post(
            "/api/v1/admin/calendar/years/2027/confirm",
            json!({"source": "Thông báo số 1234/TB-BNV về nghỉ lễ, Tết năm 2027"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["year"]["status"], "official");
    let r = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/calendar/years/2028?format=toml",
            srv.base
        ))
        .bearer_auth(desk.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert_eq!(
        motcua_core::CalendarYear::from_toml(&text).unwrap(),
        motcua_core::CalendarYear::provisional(2028).unwrap()
    );

    // Every load and confirmation, refused ones included, is in the audit log.
    let (_, v) = sysadmin
        .get("/api/v1/admin/audit?action=calendar_load_year")
        .await;
    let text = v.to_string();
    assert!(text.contains("calendar.outside_year"), "{v}");
    let (_, v) = sysadmin.get("/api/v1/admin/audit").await;
    assert!(v.to_string().contains("calendar_confirm_year"), "{v}");

    // Kept across a restart.
    let srv = restart(srv).await;
    let desk = srv.staff("tiepnhan1").await;
    let (_, v) = desk.get("/api/v1/calendar/years").await;
    assert_eq!(v["covered_until"], "2028-12-31");
    assert_eq!(v["years"][3]["status"], "official");
    assert_eq!(v["years"][4]["origin"], "loaded");
    assert_eq!(v["years"][4]["loaded_by"], "qt.hethong");
    srv.running.stop().await;
}

/// The calendar's years in the browser: every year with its status; a system administrator
/// loads a year's file from the page (a wrong one is refused in words and what was pasted is
/// kept), a centre administrator may only look.
#[tokio::test]
async fn the_calendar_page_lists_loads_and_refuses_in_words() {
    let srv = start().await;
    let system = srv.staff("qt.hethong").await;
    let centre = srv.staff("qt.trungtam").await;
    let (b, c) = (cookie_client(&system), cookie_client(&centre));
    let page = b
        .get(format!("{}/admin/calendar", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"year-2027\" data-status=\"provisional\""),
        "{page}"
    );
    let csrf = csrf_in(&page);
    let year = motcua_core::CalendarYear::provisional(2028)
        .unwrap()
        .to_toml();
    let res = b
        .post(format!("{}/admin/calendar/load", srv.base))
        .form(&[("csrf", csrf.as_str()), ("content", year.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = b
        .get(format!("{}/admin/calendar?done=2028", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"year-2028\" data-status=\"provisional\""));
    assert!(page.contains("31/12/2028"), "covered through 2028");
    // A file that does not read: refused in words, the text kept.
    let res = b
        .post(format!("{}/admin/calendar/load", srv.base))
        .form(&[("csrf", csrf.as_str()), ("content", "year = \"hai nghìn\"")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("id=\"error\"") && body.contains("hai nghìn"),
        "{body}"
    );
    // A centre administrator looks, and may not load.
    let cpage = c
        .get(format!("{}/admin/calendar", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!cpage.contains("id=\"load\""));
    let ccsrf = csrf_in(&cpage);
    let res = c
        .post(format!("{}/admin/calendar/load", srv.base))
        .form(&[("csrf", ccsrf.as_str()), ("content", year.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
