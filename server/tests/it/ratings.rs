//! Ratings on the configured scale, per dossier and per officer, with criteria; summaries.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn three_level_ratings_per_dossier_and_counter() {
    let srv = start_behind_proxy().await;
    let desk = srv.staff("tiepnhan1").await;
    let code = desk.receive(LLTP, "direct").await;
    let secret = secret_of(&desk, &code).await;
    let public = srv.anon_from("198.51.100.20");
    let (s, v) = public.get("/api/v1/public/ratings/scale").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["levels"], 3);
    assert_eq!(v["labels"][2][1], "Rất hài lòng");
    assert_eq!(v["criteria"].as_array().unwrap().len(), 12);

    // Finding 12: only the applicant rates a dossier (with the receipt's secret), once.
    let rating = json!({"level": 3, "dossier": code, "counter": "1", "criteria": {"attitude": 3, "on_time": 2}});
    let (s, v) = public.post("/api/v1/public/ratings", rating.clone()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("rating.secret"))
    );
    let mut with = rating.clone();
    with["secret"] = json!(if secret == "0000" { "0001" } else { "0000" });
    let (s, v) = public.post("/api/v1/public/ratings", with.clone()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("public.wrong_secret"))
    );
    with["secret"] = json!(secret);
    let (s, v) = public.post("/api/v1/public/ratings", with.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // The officer is the one the centre lists at counter 1, not a typed name.
    assert_eq!(v["officer"], "Nguyễn Thị Hồng Nhung");
    assert_eq!(v["counter"], "1");
    let (s, v) = public.post("/api/v1/public/ratings", with).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("rating.already"))
    );
    let (s, _) = public
        .post(
            "/api/v1/public/ratings",
            json!({"level": 1, "counter": "3"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    for (body, code_expected) in [
        (json!({"level": 4}), "rating.level"),
        (json!({"level": 0}), "rating.level"),
        (
            json!({"level": 2, "criteria": {"price": 2}}),
            "rating.criterion",
        ),
        (
            json!({"level": 2, "criteria": {"attitude": 9}}),
            "rating.criterion",
        ),
        (
            json!({"level": 2, "dossier": "000.00.01.H16-251131-0001"}),
            "dossier_code.date",
        ),
        (json!({"level": 2, "counter": "99"}), "rating.counter"),
        (json!({"level": 2, "counter": "Quầy 3"}), "rating.counter"),
        (
            json!({"level": 1, "counter": "3", "officer": "tiepnhan1"}),
            "rating.officer",
        ),
        (
            json!({"level": 1, "officer": "Lê Thị Thu Hà"}),
            "rating.officer",
        ),
        (json!({"level": 2, "stars": 5}), "request.invalid_field"),
    ] {
        let (s, v) = public.post("/api/v1/public/ratings", body.clone()).await;
        assert!(s.is_client_error(), "{body}");
        assert_eq!(v["error"]["code"], code_expected, "{body} → {v}");
    }
    // Stuffing: 101 one-star ratings from one address were all taken; now ten an hour.
    let stuffer = srv.anon_from("203.0.113.50");
    let mut taken = 0;
    for _ in 0..30 {
        let (s, v) = stuffer
            .post(
                "/api/v1/public/ratings",
                json!({"level": 1, "counter": "2"}),
            )
            .await;
        match s {
            StatusCode::CREATED => taken += 1,
            _ => {
                assert_eq!(
                    (s, v["error"]["code"].as_str()),
                    (StatusCode::TOO_MANY_REQUESTS, Some("rating.too_many"))
                );
            }
        }
    }
    assert_eq!(taken, motcua_server::throttle::RATINGS_PER_HOUR);

    let (s, _) = srv
        .staff("cv.tuphap")
        .await
        .get("/api/v1/ratings/summary")
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = srv
        .staff("qt.trungtam")
        .await
        .get("/api/v1/ratings/summary")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 12);
    assert_eq!(v["by_level"]["3/3"], 1);
    assert_eq!(v["by_level"]["1/3"], 11);
    assert_eq!(v["by_officer"]["Nguyễn Thị Hồng Nhung"]["3"], 1);
    assert_eq!(v["by_officer"]["Lê Thị Thu Hà"]["1"], 1);
    srv.running.stop().await;
}

#[tokio::test]
async fn a_five_level_scale_is_selectable() {
    let srv = start_configured(monday_morning(), true, |c| {
        c.rating_scale = motcua_core::rating::Scale::Five;
    })
    .await;
    let public = srv.anon();
    let (_, v) = public.get("/api/v1/public/ratings/scale").await;
    assert_eq!(v["levels"], 5);
    assert_eq!(v["labels"][2][1], "Bình thường");
    let (s, v) = public
        .post("/api/v1/public/ratings", json!({"level": 5}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["scale"], 5);
    srv.running.stop().await;
}
