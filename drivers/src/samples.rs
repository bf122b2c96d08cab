//! Sample slips: what the benchmarks measure and the technician's tools print.

use motcua_core::slip::{Align, Slip, TextLine, TextSize};

/// A typical status slip: 15 lines of Vietnamese and the receipt QR `payload`.
pub fn status_slip(payload: &str) -> Slip {
    let small_centred = |text: &str| TextLine {
        text: text.into(),
        size: TextSize::Small,
        bold: false,
        align: Align::Center,
    };
    Slip::new()
        .title("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG")
        .text(TextLine {
            text: "Tỉnh Đắk Lắk".into(),
            size: TextSize::Normal,
            bold: false,
            align: Align::Center,
        })
        .separator()
        .title("PHIẾU TRA CỨU HỒ SƠ")
        .key_value("Mã hồ sơ", "000.00.01.H16-251110-0001")
        .key_value(
            "Thủ tục",
            "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
        )
        .key_value("Người nộp", "Nguyễn V. A.")
        .key_value("Cơ quan giải quyết", "Sở Tư pháp")
        .key_value("Ngày nhận", "09:00 10/11/2025")
        .key_value("Hẹn trả", "09:00 24/11/2025")
        .key_value("Trạng thái", "Đã có kết quả, mời nhận")
        .key_value("Tiến độ", "Trước hạn")
        .line("Mời quý vị đến quầy số 3 để nhận kết quả, mang theo giấy hẹn và CCCD.")
        .separator()
        .qr(payload)
        .text(small_centred("In lúc 10:15 11/11/2025"))
        .cut()
}
