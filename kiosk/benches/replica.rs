//! The kiosk replica: applying change-feed pages of 10,000 dossiers while filling a replica of
//! 500,000 (each page timed), then lookups by code and by citizen-ID digest on it (criterion,
//! and the p99 of 100,000 single lookups).
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

fn digest(kind: &str, i: usize) -> String {
    format!("{:0>32}", format!("{kind}{i:x}"))
}

fn page(from: usize, reset: bool) -> RawPage {
    let changes: Vec<serde_json::Value> = (from..from + PAGE)
        .map(|i| {
            json!({"type": "dossier", "code": code(i), "procedure": "Cấp Phiếu lý lịch tư pháp",
                "masked_name": "Nguyễn V. A.", "received_at": "2025-11-10T09:00:00+07:00",
                "appointment": "2025-11-24T09:00:00+07:00", "status": 3,
                "status_vi": "Đang giải quyết", "status_en": "In progress", "channel": "direct",
                "agency": "Sở Tư pháp", "step_vi": "Đang thẩm định", "step_en": "Being appraised",
                "timeliness": null, "overdue": false, "next": {"type": "wait"},
                "next_vi": "Hồ sơ đang được giải quyết.", "next_en": "Your dossier is being handled.",
                "apology": null,
                "timeline": [
                    {"at": "2025-11-10T09:00:00+07:00", "vi": "Tiếp nhận hồ sơ", "en": "Received"},
                    {"at": "2025-11-10T10:00:00+07:00", "vi": "Chuyển cơ quan giải quyết", "en": "Transferred"},
                    {"at": "2025-11-10T11:00:00+07:00", "vi": "Phân công xử lý", "en": "Assigned"}],
                "procedure_id": "2.001193.000.00.10.H16", "step": "assigned", "open": true,
                "agency_code": "000.00.10.H16", "receiving_agency": "000.00.01.H16",
                "citizen_hash": digest("c", i % 400_000), "name_hash": digest("n", i % 300_000),
                "secret_hash": digest("s", i)})
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
    c.bench_function("replica/by_citizen_digest_500k", |b| {
        b.iter(|| {
            i = (i + 7919) % 400_000;
            store.by_citizen(&digest("c", i)).unwrap()
        })
    });
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
