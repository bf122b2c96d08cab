//! Benchmarks of the hot paths: deadlines across Tết and the parsers every lookup goes through.

use std::hint::black_box;

use chrono::{FixedOffset, TimeZone};
use criterion::{Criterion, criterion_group, criterion_main};
use motcua_core::text::{Telex, fold};
use motcua_core::{Calendar, CitizenId, DossierCode};

fn calendar(c: &mut Criterion) {
    let cal = Calendar::vietnam_default();
    let vn = FixedOffset::east_opt(7 * 3600).unwrap();
    let before_tet = vn.with_ymd_and_hms(2026, 2, 9, 8, 0, 0).unwrap();
    c.bench_function("calendar/add 15 working days across Tết 2026", |b| {
        b.iter(|| cal.add_working_days(black_box(before_tet), black_box(15)))
    });
    let later = cal.add_working_days(before_tet, 15).unwrap();
    c.bench_function("calendar/working time between across Tết 2026", |b| {
        b.iter(|| cal.working_between(black_box(before_tet), black_box(later)))
    });
    c.bench_function("calendar/load the bundled calendar", |b| {
        b.iter(Calendar::vietnam_default)
    });
    c.bench_function(
        "calendar/derive a provisional year (lunar Tết, Hùng Kings)",
        |b| b.iter(|| motcua_core::CalendarYear::provisional(black_box(2031))),
    );
}

fn parsers(c: &mut Criterion) {
    c.bench_function("parse/dossier code", |b| {
        b.iter(|| DossierCode::parse(black_box("000.17.22.H56-210531-0001")))
    });
    c.bench_function("parse/dossier code, bad date", |b| {
        b.iter(|| DossierCode::parse(black_box("000.17.22.H56-210231-0001")))
    });
    c.bench_function("parse/CCCD", |b| {
        b.iter(|| CitizenId::parse(black_box("066185012345")))
    });
    c.bench_function("text/fold a full name", |b| {
        b.iter(|| fold(black_box("Nguyễn Thị Hồng Nhung")))
    });
    c.bench_function("text/telex a full name", |b| {
        b.iter(|| Telex::compose(black_box("Nguyeenx Thij Hoofng Nhung")))
    });
}

criterion_group!(benches, calendar, parsers);
criterion_main!(benches);
