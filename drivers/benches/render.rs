//! Rendering a typical status slip (15 lines of Vietnamese and a QR) for 80 mm paper.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use motcua_drivers::profile::Profile;
use motcua_drivers::render::render;

fn bench(c: &mut Criterion) {
    let slip = motcua_drivers::samples::status_slip("MC1:000.00.01.H16-251110-0001:4464:39");
    for name in ["generic-80", "epson-tm-t88", "generic-58"] {
        let p = Profile::bundled(name).unwrap();
        let bytes = render(&slip, &p).unwrap();
        println!("{name}: {} bytes on the wire", bytes.len());
        c.bench_function(&format!("render status slip/{name}"), |b| {
            b.iter(|| render(black_box(&slip), black_box(&p)).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
