//! Rendering a typical status slip (15 lines of Vietnamese and a QR) for 80 mm paper.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use motcua_core::slip::{Align, Slip, TextLine, TextSize};
use motcua_drivers::profile::Profile;
use motcua_drivers::render::render;

fn status_slip() -> Slip {
    Slip::new()
        .title("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG")
        .text(TextLine { text: "Tỉnh Đắk Lắk".into(), size: TextSize::Normal, bold: false, align: Align::Center })
        .separator()
        .title("PHIẾU TRA CỨU HỒ SƠ")
        .key_value("Mã hồ sơ", "000.00.01.H16-251110-0001")
        .key_value("Thủ tục", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam")
        .key_value("Người nộp", "Nguyễn V. A.")
        .key_value("Cơ quan giải quyết", "Sở Tư pháp")
        .key_value("Ngày nhận", "09:00 10/11/2025")
        .key_value("Hẹn trả", "09:00 24/11/2025")
        .key_value("Trạng thái", "Đã có kết quả, mời nhận")
        .key_value("Tiến độ", "Trước hạn")
        .line("Mời quý vị đến quầy số 3 để nhận kết quả, mang theo giấy hẹn và CCCD.")
        .separator()
        .qr("MC1:000.00.01.H16-251110-0001:4464:39")
        .text(TextLine { text: "In lúc 10:15 11/11/2025".into(), size: TextSize::Small, bold: false, align: Align::Center })
        .cut()
}

fn bench(c: &mut Criterion) {
    let slip = status_slip();
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
