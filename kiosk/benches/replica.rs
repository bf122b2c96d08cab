//! The kiosk replica: applying change-feed pages of 10,000 dossiers while filling a replica of
//! 500,000 (each page timed), then lookups by code on it (criterion, and the p99 of 100,000
//! single lookups), and the replica's size per dossier.
//!
//! `cargo bench -p motcua-kiosk --bench replica`

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use motcua_kiosk::store::{RawPage, Store};
use serde_json::json;

const TOTAL: usize = 500_000;
const PAGE: usize = 10_000;

fn code(i: usize) -> String {
    let g = i / 9999;
    format!(
        "000.00.01.H16-25{:02}{:02}-{:04}",
        1 + g / 28,
        1 + g % 28,
        1 + i % 9999
    )
}

fn page(from: usize, reset: bool) -> RawPage {
    let changes: Vec<serde_json::Value> = (from..from + PAGE)
        .map(|i| {
            json!({"type": "dossier", "code": code(i), "procedure": "Cấp Phiếu lý lịch tư pháp",
                "masked_name": "Nguyễn V. A.", "received_at": "2025-11-10T09:00:00+07:00",
                "appointment": "2025-11-24T09:00:00+07:00", "status": 4,
                "status_vi": "Đang xử lý", "status_en": "Being processed",
                "procedure_id": "2.001193.000.00.10.H16", "step": "assigned",
                "agency_code": "000.00.10.H16", "agency": "Sở Tư pháp",
                "receiving_agency": "000.00.01.H16",
                "due_state": {"open": true, "due": "2025-11-24T09:00:00+07:00", "paused_at": null}})
        })
        .collect();
    let page = json!({"cursor": format!("00000000-0-{}", from + PAGE), "reset": reset,
        "more": false, "changes": changes});
    serde_json::from_str(&page.to_string()).expect("a valid page")
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("kiosk.redb")).unwrap();
    let mut times = Vec::new();
    for (n, from) in (0..TOTAL).step_by(PAGE).enumerate() {
        let p = page(from, n == 0);
        let t = Instant::now();
        // Durable, as a page arriving on its own is (a snapshot flushes every few seconds).
        store.apply(&p, true).unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "apply a page of {PAGE} dossiers (filling {TOTAL}): min {:.0} ms, median {:.0} ms, max {:.0} ms",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
    assert_eq!(store.dossier_count().unwrap(), TOTAL as u64);

    let mut lat = Vec::with_capacity(100_000);
    for i in 0..100_000usize {
        let k = (i * 7919) % TOTAL;
        let t = Instant::now();
        let d = store.dossier(&code(k)).unwrap();
        lat.push(t.elapsed());
        assert!(d.is_some());
    }
    lat.sort();
    println!(
        "lookup by code in {TOTAL}: p50 {:.1} µs, p99 {:.1} µs",
        us(lat[lat.len() / 2]),
        us(lat[lat.len() * 99 / 100])
    );

    let mut i = 0usize;
    c.bench_function("replica/by_code_500k", |b| {
        b.iter(|| {
            i = (i + 7919) % TOTAL;
            store.dossier(&code(i)).unwrap()
        })
    });
    let bytes = Store::file_bytes(&dir.path().join("kiosk.redb"));
    println!(
        "replica file: {:.1} MB, {:.0} bytes per dossier",
        bytes as f64 / 1e6,
        bytes as f64 / TOTAL as f64
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
