//! The slips a kiosk prints, composed as core [`Slip`]s: printer-independent, bilingual where a
//! visitor reads them, never showing a full name or a citizen ID.

use motcua_core::slip::{Align, Slip, TextLine, TextSize};
use motcua_core::{DossierCode, Lang, NationalStatus, Timeliness};

/// What a status slip shows about a dossier.
#[derive(Debug, Clone)]
pub struct StatusSlip {
    pub centre: String,
    pub code: DossierCode,
    pub secret: Option<String>,
    pub procedure: String,
    /// Already masked ("Nguyễn V. A.").
    pub applicant: String,
    pub agency: String,
    pub received: String,
    pub appointment: String,
    pub status: NationalStatus,
    /// The internal step in words.
    pub step_vi: String,
    pub step_en: String,
    pub timeliness: Option<Timeliness>,
    pub next: Option<String>,
    /// The fees due as a VietQR transfer, when the centre takes them so.
    pub payment: Option<crate::app::Payment>,
    pub printed_at: String,
}

/// Compose the status slip.
pub fn status_slip(s: &StatusSlip) -> Slip {
    let mut slip = Slip::new()
        .title(s.centre.to_uppercase())
        .separator()
        .title("PHIẾU TRA CỨU HỒ SƠ")
        .text(TextLine {
            text: "Dossier status".into(),
            size: TextSize::Small,
            bold: false,
            align: Align::Center,
        })
        .key_value("Mã hồ sơ", s.code.to_string())
        .key_value("Thủ tục", &s.procedure)
        .key_value("Người nộp", &s.applicant)
        .key_value("Cơ quan giải quyết", &s.agency)
        .key_value("Ngày nhận", &s.received)
        .key_value("Hẹn trả", &s.appointment)
        .key_value("Trạng thái", &s.step_vi)
        .key_value("Status", &s.step_en);
    if let Some(t) = s.timeliness {
        slip = slip.key_value(
            "Tiến độ",
            format!("{} / {}", t.label(Lang::Vi), t.label(Lang::En)),
        );
    }
    if let Some(n) = &s.next {
        slip = slip.line(n.clone());
    }
    if let Some(p) = &s.payment {
        slip = slip
            .separator()
            .text(TextLine {
                text: "NỘP PHÍ, LỆ PHÍ BẰNG MÃ VIETQR".into(),
                size: TextSize::Normal,
                bold: true,
                align: Align::Center,
            })
            .qr(p.payload.clone())
            .line(p.vi.clone())
            .text(TextLine {
                text: p.en.clone(),
                size: TextSize::Small,
                bold: false,
                align: Align::Left,
            });
    }
    slip.separator()
        .qr(motcua_drivers::qr::own_payload(
            &s.code,
            s.secret.as_deref(),
        ))
        .text(TextLine {
            text: format!("Mã QR để tra cứu lại tại kiosk · In lúc {}", s.printed_at),
            size: TextSize::Small,
            bold: false,
            align: Align::Center,
        })
        .cut()
}

/// The receipt of a feedback taken at the kiosk: its tracking code and where to follow it.
pub fn feedback_slip(centre: &str, code: &str, printed_at: &str) -> Slip {
    Slip::new()
        .title(centre.to_uppercase())
        .separator()
        .title("PHIẾU TIẾP NHẬN PHẢN ÁNH, KIẾN NGHỊ")
        .text(TextLine {
            text: "Feedback receipt".into(),
            size: TextSize::Small,
            bold: false,
            align: Align::Center,
        })
        .key_value("Mã theo dõi", code)
        .key_value("Tracking code", code)
        .line("Trung tâm trả lời trong 13 ngày làm việc. Tra cứu câu trả lời tại kiosk hoặc trên trang Dịch vụ công bằng mã theo dõi.")
        .line("We answer within 13 working days. Look the answer up at a kiosk or on the portal with the tracking code.")
        .separator()
        .text(TextLine {
            text: format!("In lúc / printed {printed_at}"),
            size: TextSize::Small,
            bold: false,
            align: Align::Center,
        })
        .cut()
}

/// A queue ticket: the number large, the service, people ahead and the estimate, the time,
/// "valid today only", and a QR opening the ticket's page on a phone.
pub fn ticket_slip(t: &motcua_protocol::queue::TicketView, url: &str) -> Slip {
    let centred = |text: String, size: TextSize, bold: bool| TextLine {
        text,
        size,
        bold,
        align: Align::Center,
    };
    let mut slip = Slip::new()
        .title(t.centre_name.to_uppercase())
        .separator()
        .text(centred(
            "PHIẾU SỐ THỨ TỰ · Queue ticket".into(),
            TextSize::Normal,
            true,
        ))
        .text(centred(t.number.clone(), TextSize::Huge, true))
        .text(centred(t.service_vi.clone(), TextSize::Normal, true));
    if !t.service_en.is_empty() && t.service_en != t.service_vi {
        slip = slip.text(centred(t.service_en.clone(), TextSize::Small, false));
    }
    if let Some(p) = t.priority {
        slip = slip.key_value(
            "Ưu tiên / Priority",
            format!("{} / {}", p.label(Lang::Vi), p.label(Lang::En)),
        );
    }
    if let Some(b) = t.booked_for {
        slip = slip.key_value("Theo lịch hẹn / Booked for", b.format("%H:%M").to_string());
    }
    if let Some(a) = t.ahead {
        slip = slip.key_value("Số người đang chờ trước / Ahead", a.to_string());
    }
    if let Some(w) = t.wait_minutes {
        slip = slip.key_value("Thời gian chờ dự kiến / Wait", format!("~{w} phút / min"));
    }
    slip = slip.key_value(
        "Giờ lấy số / Issued",
        t.issued_at.format("%H:%M %d/%m/%Y").to_string(),
    );
    if t.offline {
        slip = slip.line(
            "Số cấp khi kiosk mất kết nối: vẫn có giá trị, sẽ được gọi theo giờ lấy số. / Issued \
             offline: still valid, called in order of issue time.",
        );
    }
    slip.separator()
        .text(centred(
            "Vui lòng chờ gọi số trên màn hình và loa. Chỉ có giá trị trong ngày.".into(),
            TextSize::Small,
            false,
        ))
        .text(centred(
            "Please wait for your number on the screen. Valid today only.".into(),
            TextSize::Small,
            false,
        ))
        .qr(url)
        .text(centred(
            "Quét mã để theo dõi lượt của quý vị · Scan to follow your turn".into(),
            TextSize::Small,
            false,
        ))
        .cut()
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_core::Step;

    #[test]
    fn the_slip_carries_the_code_in_its_qr_and_no_full_name() {
        let s = StatusSlip {
            centre: "Trung tâm Phục vụ hành chính công tỉnh Đắk Lắk".into(),
            code: DossierCode::parse("000.00.01.H16-251110-0001").unwrap(),
            secret: Some("4464".into()),
            procedure: "Cấp Phiếu lý lịch tư pháp".into(),
            applicant: motcua_core::text::mask_name("Nguyễn Văn An"),
            agency: "Sở Tư pháp".into(),
            received: "09:00 10/11/2025".into(),
            appointment: "09:00 24/11/2025".into(),
            status: NationalStatus::Done,
            step_vi: Step::ResultReady.label(Lang::Vi).into(),
            step_en: Step::ResultReady.label(Lang::En).into(),
            timeliness: Some(Timeliness::Early),
            next: Some("Mời quý vị đến quầy nhận kết quả.".into()),
            payment: None,
            printed_at: "10:15 11/11/2025".into(),
        };
        let slip = status_slip(&s);
        let scan = motcua_drivers::qr::parse_scan(slip.qr_payloads()[0].as_bytes()).unwrap();
        assert_eq!(scan.code, s.code);
        assert_eq!(scan.secret.as_deref(), Some("4464"));
        let texts = slip.texts().join("\n");
        assert!(texts.contains("Nguyễn V. A."));
        assert!(!texts.contains("Nguyễn Văn An"));
        assert!(texts.contains("Đã có kết quả, mời nhận"));
    }
}
