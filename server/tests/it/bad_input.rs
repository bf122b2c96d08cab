//! Bad input gets a precise bilingual 4xx and writes nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

async fn count(srv: &TestServer) -> u64 {
    srv.anon().get("/healthz").await.1["dossiers"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn malformed_requests_are_refused_precisely() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let code = desk.receive(LLTP, "direct").await;

    let cases: Vec<(StatusCode, &str, serde_json::Value)> = vec![
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "procedure.unknown",
            receipt("9.999999.000.00.10.H16", "direct"),
        ),
        (StatusCode::UNPROCESSABLE_ENTITY, "citizen_id.province", {
            let mut r = receipt(LLTP, "direct");
            r["applicant"]["citizen_id"] = json!("099185012345");
            r
        }),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "citizen_id.digit_count",
            {
                let mut r = receipt(LLTP, "direct");
                r["applicant"]["citizen_id"] = json!("06618501234");
                r
            },
        ),
        (StatusCode::UNPROCESSABLE_ENTITY, "contact.name", {
            let mut r = receipt(LLTP, "direct");
            r["applicant"]["name"] = json!("   ");
            r
        }),
        // Finding 15: names with NUL, a right-to-left override or only zero-width characters, a
        // 1,000-character phone, an e-mail that is none, a 100 KB document name.
        (StatusCode::UNPROCESSABLE_ENTITY, "contact.name", {
            let mut r = receipt(LLTP, "direct");
            r["applicant"]["name"] = json!("Nguyễn Văn An\u{0}");
            r
        }),
        (StatusCode::UNPROCESSABLE_ENTITY, "contact.name", {
            let mut r = receipt(LLTP, "direct");
            r["applicant"]["name"] = json!("Nguyễn \u{202e}An");
            r
        }),
        (StatusCode::UNPROCESSABLE_ENTITY, "contact.name", {
            let mut r = receipt(LLTP, "direct");
            r["applicant"]["name"] = json!("\u{200b}\u{200b}\u{200b}");
            r
        }),
        (StatusCode::UNPROCESSABLE_ENTITY, "contact.phone", {
            let mut r = receipt(LLTP, "direct");
            r["applicant"]["phone"] = json!("0".repeat(1000));
            r
        }),
        (StatusCode::UNPROCESSABLE_ENTITY, "contact.email", {
            let mut r = receipt(LLTP, "direct");
            r["applicant"]["email"] = json!("not an e-mail");
            r
        }),
        (StatusCode::UNPROCESSABLE_ENTITY, "documents", {
            let mut r = receipt(LLTP, "direct");
            r["documents"] = json!([{"name": "x".repeat(10_000), "original": true}]);
            r
        }),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.invalid_field",
            json!({"procedure": LLTP, "channel": "direct"}),
        ),
        (StatusCode::UNPROCESSABLE_ENTITY, "request.invalid_field", {
            let mut r = receipt(LLTP, "direct");
            r["channel"] = json!("fax");
            r
        }),
        (StatusCode::UNPROCESSABLE_ENTITY, "submitted_at", {
            let mut r = receipt(LLTP, "online");
            r["submitted_at"] = json!("2030-01-01T08:00:00+07:00");
            r
        }),
    ];
    for (status, code_expected, body) in cases {
        let (s, v) = desk.post("/api/v1/dossiers", body.clone()).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (status, Some(code_expected)),
            "{body} → {v}"
        );
        assert!(!v["error"]["message"]["vi"].as_str().unwrap().is_empty());
        assert!(!v["error"]["message"]["en"].as_str().unwrap().is_empty());
    }

    let (s, v) = desk
        .post_raw(
            "/api/v1/dossiers",
            b"{\"procedure\": ".to_vec(),
            "application/json",
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.malformed_json"))
    );
    let (s, v) = desk
        .post_raw("/api/v1/dossiers", b"{}".to_vec(), "text/plain")
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("request.content_type")
        )
    );
    let mut big = receipt(LLTP, "direct");
    big["applicant"]["address"] = json!("x".repeat(100_000));
    let (s, v) = desk.post("/api/v1/dossiers", big).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("request.too_large"))
    );

    // Codes: the wrong part is named.
    let (s, v) = desk.get("/api/v1/dossiers/000.00.01.H16-251131-0001").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("dossier_code.date"))
    );
    assert!(
        v["error"]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("ngày tiếp nhận")
    );
    let (s, _) = desk.get("/api/v1/dossiers/000.00.01.H16-251110-9999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = desk.act(&code, json!({"type": "teleport"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("request.invalid_field")
        )
    );
    let (s, v) = desk
        .act(&code, json!({"type": "return", "channel": "counter"}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("workflow.illegal_transition"))
    );
    assert!(
        v["error"]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("trả kết quả")
    );
    let (s, v) = desk.act(&code, json!({"type": "request_supplement", "items": [{"document": "Tờ khai", "reason": "", "guidance": "x"}]})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("workflow.supplement_item_incomplete")
        )
    );
    let (s, v) = desk
        .act(
            &code,
            json!({"type": "accept_and_transfer", "agency": "000.00.99.H16"}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("agency.unknown"))
    );
    let (s, v) = desk.get("/api/v1/dossiers?status=11").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.status"))
    );

    // Nothing half-written: one dossier, still at reception with its single event.
    assert_eq!(count(&srv).await, 1);
    let (_, v) = desk.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(v["timeline"].as_array().unwrap().len(), 1);
    assert_eq!(v["step"]["key"], "received_direct");
    srv.running.stop().await;
}

#[tokio::test]
async fn a_store_of_another_schema_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = redb::Database::create(dir.path().join("motcua.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(motcua_server::db::META)
            .unwrap()
            .insert("schema_version", "999")
            .unwrap();
        txn.commit().unwrap();
    }
    let err = motcua_server::db::Store::open(
        dir.path(),
        16 << 20,
        std::sync::Arc::new(motcua_server::projections::Projections),
    )
    .unwrap_err();
    assert!(err.to_string().contains("schema version 999"), "{err}");
}
