//! Booked visits on the real server: slots with their capacity, booking and cancelling from the
//! web without an account, the hourly allowance per address, check-in at a kiosk with precedence
//! within the slot, lapsed bookings releasing their place, and the pages a visitor keeps.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

const CENTRE: &str = "000.00.01.H16";

fn q(path: &str) -> String {
    format!("/api/v1/centres/{CENTRE}/queue{path}")
}

fn bookings() -> String {
    format!("/api/v1/public/centres/{CENTRE}/bookings")
}

async fn slots(c: &Client, service: &str, date: Option<&str>) -> (StatusCode, Value) {
    let mut path = format!("/api/v1/public/centres/{CENTRE}/queue/slots?service={service}");
    if let Some(d) = date {
        path.push_str(&format!("&date={d}"));
    }
    c.get(&path).await
}

fn slot<'a>(options: &'a Value, start: &str) -> &'a Value {
    options["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["start"] == start)
        .unwrap_or_else(|| panic!("slot {start} in {options}"))
}

async fn book(c: &Client, date: &str, start: &str) -> (StatusCode, Value) {
    c.post(
        &bookings(),
        json!({"service": "A", "date": date, "start": start}),
    )
    .await
}

async fn check_in(k: &Client, code: &Value) -> (StatusCode, Value) {
    k.post("/api/v1/sync/check-in", json!({ "code": code }))
        .await
}

fn code_of(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_booked_visit_is_served_first_within_its_slot_and_a_no_show_releases_it() {
    // Monday 10/11/2025 09:00.
    let srv = start_behind_proxy().await;
    let web = |i: u8| srv.anon_from(&format!("203.0.113.{i}"));
    let today = "2025-11-10";

    // The slots of today: 30 minutes each from 07:15; those before now are closed.
    let (s, o) = slots(&web(1), "A", None).await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!(o["date"], today);
    // Ten working days and two Saturdays (service A opens on Saturday mornings) in 14 days.
    assert_eq!(o["days"].as_array().unwrap().len(), 12, "{o}");
    assert_eq!(slot(&o, "07:15:00")["open"], false);
    assert_eq!(slot(&o, "09:45:00")["free"], 4);
    assert_eq!(slot(&o, "09:45:00")["open"], true);
    assert_eq!(o["slots"].as_array().unwrap().len(), 14);
    let (s, v) = slots(&web(1), "A", Some("2025-12-25")).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "booking.out_of_range")
    );
    let (s, v) = slots(&web(1), "Q", None).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::NOT_FOUND, "queue.no_such_service")
    );

    // Four places in the 09:45 slot, from four homes; the fifth is refused.
    let mut codes = Vec::new();
    for i in 1..=4 {
        let (s, b) = book(&web(i), today, "09:45").await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["status"], "booked");
        assert_eq!(b["check_in_from"], "2025-11-10T09:15:00+07:00");
        assert_eq!(b["check_in_until"], "2025-11-10T10:00:00+07:00");
        codes.push(b["code"].clone());
    }
    let (s, v) = book(&web(5), today, "09:45").await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::CONFLICT, "booking.full"),
        "{v}"
    );
    // A slot that is not one, one that has passed, a day out of the period.
    let (s, v) = book(&web(5), today, "09:40").await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "booking.no_such_slot")
    );
    let (s, v) = book(&web(5), today, "07:15").await;
    assert_eq!((s, code_of(&v)), (StatusCode::CONFLICT, "booking.passed"));
    let (s, v) = book(&web(5), "2025-11-09", "09:45").await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "booking.out_of_range")
    );

    // Cancelling frees the place at once; cancelling again answers the same.
    let (s, v) = web(9)
        .post(
            &format!(
                "/api/v1/public/bookings/{}/cancel",
                codes[3].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{v}"
    );
    let (s, v) = web(9)
        .post(
            &format!(
                "/api/v1/public/bookings/{}/cancel",
                codes[3].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    let (_, o) = slots(&web(1), "A", None).await;
    assert_eq!(slot(&o, "09:45:00")["free"], 1);

    // One address makes four bookings a day at most: a script filling the slots stops there.
    // Refused attempts (the four above from .5) and cancellations (.9) do not count.
    for start in ["13:15", "13:45", "14:15", "14:45"] {
        let (s, v) = book(&web(7), today, start).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = book(&web(7), today, "10:45").await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "booking.rate_limited")
    );
    let (s, v) = book(&web(5), today, "15:15").await;
    assert_eq!(s, StatusCode::OK, "refused attempts do not count: {v}");
    let (_, late) = book(&web(8), today, "14:15").await;

    // Walk-ins at 09:00 and 09:20; the kiosk is too early for the afternoon booking.
    let desk = srv.staff("tiepnhan1").await;
    let walk = |n: &'static str| {
        let desk = desk.clone();
        async move {
            let (s, v) = desk.post(&q("/tickets"), json!({"service": "A"})).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            assert_eq!(v["number"], n);
        }
    };
    walk("A001").await;
    srv.clock.advance(Duration::minutes(20));
    walk("A002").await;
    let (store, _, _) = srv.enrol_kiosk("k").await;
    let mut k = srv.anon();
    k.token = store.state("token").unwrap();
    let (s, v) = check_in(&k, &late["code"]).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::CONFLICT, "booking.too_early"),
        "{v}"
    );
    assert!(
        v["error"]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("13:45"),
        "{v}"
    );

    // 09:50 a walk-in; 09:55 the first booking checks in and stands at 09:45, before it.
    srv.clock.advance(Duration::minutes(30));
    walk("A003").await;
    srv.clock.advance(Duration::minutes(5));
    let (s, t) = check_in(&k, &codes[0]).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["number"], "A004");
    assert_eq!(t["booked_for"], "2025-11-10T09:45:00+07:00");
    assert_eq!(t["ahead"], 2, "behind 09:00 and 09:20, ahead of 09:50: {t}");
    assert!(t["key"].as_str().is_some_and(|k| !k.is_empty()));
    // The day's walk-in numbers are not used up by it.
    let (_, board) = web(1)
        .get(&format!("/api/v1/public/centres/{CENTRE}/queue"))
        .await;
    let a_line = board["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["service"] == "A")
        .unwrap();
    assert_eq!(a_line["left_today"], 300 - 3, "{a_line}");
    // Checked in again (a kiosk that timed out while the server answered): the same ticket, to
    // reprint, never a second one.
    let (s, again) = check_in(&k, &codes[0]).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(
        (again["number"].as_str(), again["key"].as_str()),
        (Some("A004"), t["key"].as_str())
    );
    // At its own centre only (reception naming another centre writes nothing), and a wrong code
    // is told apart from an unknown one.
    let (s, v) = desk
        .post(
            "/api/v1/centres/000.00.02.H16/queue/check-in",
            json!({ "code": codes[1] }),
        )
        .await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::FORBIDDEN, "booking.other_centre"),
        "{v}"
    );
    let (_, b) = web(1)
        .get(&format!(
            "/api/v1/public/bookings/{}",
            codes[1].as_str().unwrap()
        ))
        .await;
    assert_eq!(b["status"], "booked", "nothing written: {b}");
    let other = srv.staff("tiepnhan.tanlap").await;
    let (s, v) = other
        .post(
            "/api/v1/centres/000.00.01.H16/queue/check-in",
            json!({ "code": codes[1] }),
        )
        .await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::FORBIDDEN, "booking.other_centre"),
        "{v}"
    );
    let (s, v) = check_in(&k, &json!("12345-67890")).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::BAD_REQUEST, "booking.bad_code")
    );
    let unknown = motcua_core::booking::BookingCode::from_random(4242).to_string();
    let (s, v) = check_in(&k, &json!(unknown)).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::NOT_FOUND, "booking.not_found")
    );
    let (_, b) = web(1)
        .get(&format!(
            "/api/v1/public/bookings/{}",
            codes[0].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (b["status"].as_str(), b["ticket"].as_str()),
        (Some("checked_in"), Some("A004"))
    );

    // 10:01: the two others did not come. They have lapsed and their places are free again.
    srv.clock.advance(Duration::minutes(6));
    let (s, v) = check_in(&k, &codes[1]).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::CONFLICT, "booking.lapsed"),
        "{v}"
    );
    let (_, b) = web(1)
        .get(&format!(
            "/api/v1/public/bookings/{}",
            codes[2].as_str().unwrap()
        ))
        .await;
    assert_eq!(b["status"], "lapsed");
    let (_, o) = slots(&web(1), "A", None).await;
    assert_eq!(slot(&o, "09:45:00")["free"], 3);
    // Booked from the hall at 10:02, the slot gives no place ahead of the 09:50 walk-in.
    srv.clock.advance(Duration::minutes(1));
    let (s, hall) = book(&web(10), today, "09:45").await;
    assert_eq!(s, StatusCode::OK, "{hall}");
    assert_eq!(hall["check_in_until"], "2025-11-10T10:17:00+07:00");
    // Reception checks it in; the centre's code in the address may be written in lower case.
    let desk_in = desk
        .post(
            &q("/check-in").to_lowercase(),
            json!({ "code": hall["code"] }),
        )
        .await;
    assert_eq!(desk_in.0, StatusCode::OK, "{}", desk_in.1);
    assert_eq!(desk_in.1["number"], "A005");
    assert_eq!(desk_in.1["ahead"], 4);

    // The counter calls in that order.
    let officer = srv.staff("cv.tuphap").await;
    let (s, v) = officer
        .send("PUT", &q("/seat"), json!({"counter": 1}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut called = Vec::new();
    for _ in 0..5 {
        let (s, v) = officer.post(&q("/counters/1/call-next"), json!({})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let n = v["current"]["number"].as_str().unwrap().to_owned();
        let (s, v) = officer
            .post(
                &q(&format!("/counters/1/tickets/{n}/actions")),
                json!({"type": "start"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = officer
            .post(
                &q(&format!("/counters/1/tickets/{n}/actions")),
                json!({"type": "finish"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        called.push(n);
    }
    assert_eq!(called, ["A001", "A002", "A004", "A003", "A005"]);
}

#[tokio::test]
async fn the_booking_pages_show_the_code_and_its_qr_and_cancel_with_a_confirmation() {
    let srv = start().await;
    let c = srv.anon();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(format!("{}/dat-lich/{CENTRE}?service=A", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let body = page.text().await.unwrap();
    assert!(
        body.contains("Đặt lịch hẹn") && body.contains("value=\"09:45\""),
        "{body}"
    );
    assert!(body.contains("còn 4 chỗ"));
    // The form books and leads to the booking's page.
    let res = http
        .post(format!("{}/dat-lich/{CENTRE}", srv.base))
        .form(&[("service", "A"), ("date", "2025-11-11"), ("start", "08:15")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/lich-hen/") && to.ends_with("?new=1"),
        "{to}"
    );
    let digits = &to["/lich-hen/".len()..to.len() - "?new=1".len()];
    let body = http
        .get(format!("{}{to}", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let shown = format!("{}-{}", &digits[..5], &digits[5..]);
    assert!(body.contains(&shown), "{body}");
    assert!(body.contains("<svg") && body.contains("08:15–08:45"));
    // A form from another site is refused; without the box ticked, nothing is cancelled.
    let res = http
        .post(format!("{}/lich-hen/{digits}/huy", srv.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("confirm", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = http
        .post(format!("{}/lich-hen/{digits}/huy", srv.base))
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, b) = c.get(&format!("/api/v1/public/bookings/{digits}")).await;
    assert_eq!(b["status"], "booked");
    let res = http
        .post(format!("{}/lich-hen/{digits}/huy", srv.base))
        .form(&[("confirm", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, b) = c.get(&format!("/api/v1/public/bookings/{digits}")).await;
    assert_eq!(b["status"], "cancelled");
    // The JSON cancel refuses a request another site's page sends.
    let res = http
        .post(format!(
            "{}/api/v1/public/bookings/{digits}/cancel",
            srv.base
        ))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Input a page cannot read: a page in both languages, not the API's JSON.
    let res = http
        .get(format!("{}/dat-lich/{CENTRE}?service=AB", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Dữ liệu gửi lên không hợp lệ")
    );
    // Codes that are no booking: a clear page, never a server error.
    for bad in ["1", "abcdefghij", "0000000000", &"9".repeat(500)] {
        let res = http
            .get(format!("{}/lich-hen/{bad}", srv.base))
            .send()
            .await
            .unwrap();
        assert!(
            res.status() == StatusCode::BAD_REQUEST || res.status() == StatusCode::NOT_FOUND,
            "{bad}: {}",
            res.status()
        );
    }
    // Guessing codes: after twenty that are no booking, this address's lookups wait an hour
    // (one miss above already).
    let mut statuses = Vec::new();
    for i in 0..20u64 {
        let guess = motcua_core::booking::BookingCode::from_random(900_000 + i).digits();
        let res = http
            .get(format!("{}/lich-hen/{guess}", srv.base))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses[..19], [404; 19]);
    assert_eq!(statuses[19], 429, "{statuses:?}");
    let (s, v) = c.get(&format!("/api/v1/public/bookings/{digits}")).await;
    assert_eq!(
        (s, code_of(&v)),
        (StatusCode::TOO_MANY_REQUESTS, "booking.lookups_locked")
    );
}
