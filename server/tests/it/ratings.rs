//! Ratings on the configured scale, per dossier and per officer, with criteria; summaries.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn three_level_ratings_per_dossier_and_officer() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let code = desk.receive(LLTP, "direct").await;
    let public = srv.anon();
    let (s, v) = public.get("/api/v1/public/ratings/scale").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["levels"], 3);
    assert_eq!(v["labels"][2][1], "Rất hài lòng");
    assert_eq!(v["criteria"].as_array().unwrap().len(), 12);

    let (s, v) = public
        .post("/api/v1/public/ratings", json!({"level": 3, "dossier": code, "officer": "tiepnhan1", "criteria": {"attitude": 3, "on_time": 2}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["id"], 1);
    let (s, _) = public
        .post(
            "/api/v1/public/ratings",
            json!({"level": 1, "counter": "Quầy 3", "officer": "tiepnhan1"}),
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
        (
            json!({"level": 2, "dossier": "000.00.01.H16-251110-0099"}),
            "not_found",
        ),
        (json!({"level": 2, "stars": 5}), "request.invalid_field"),
    ] {
        let (s, v) = public.post("/api/v1/public/ratings", body.clone()).await;
        assert!(s.is_client_error(), "{body}");
        assert_eq!(v["error"]["code"], code_expected, "{body} → {v}");
    }

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
    assert_eq!(v["total"], 2);
    assert_eq!(v["by_level"]["3/3"], 1);
    assert_eq!(v["by_level"]["1/3"], 1);
    assert_eq!(v["by_officer"]["tiepnhan1"]["3"], 1);
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
