//! Codes stay unique and consecutive under concurrent receipts.

use std::collections::BTreeSet;

use reqwest::StatusCode;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_receipts_get_two_hundred_consecutive_codes() {
    let srv = start().await;
    let desk = srv.staff("tiepnhan1").await;
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let c = desk.clone();
            tokio::spawn(async move { c.post("/api/v1/dossiers", receipt(LLTP, "direct")).await })
        })
        .collect();
    let mut codes = BTreeSet::new();
    for t in tasks {
        let (s, v) = t.await.unwrap();
        assert_eq!(s, StatusCode::CREATED, "{v}");
        codes.insert(v["code"].as_str().unwrap().to_owned());
    }
    let expected: BTreeSet<String> = (1..=200)
        .map(|n| format!("000.00.01.H16-251110-{n:04}"))
        .collect();
    assert_eq!(codes, expected);
    let (_, v) = srv.anon().get("/healthz").await;
    assert_eq!(v["dossiers"], 200);
    srv.running.stop().await;
}
