//! The Telex composer against real Vietnamese words and names.

use motcua_core::text::{Telex, ToneStyle, fold};
use unicode_normalization::UnicodeNormalization;

/// Real words and names, written with the modern tone placement (hoà, thuỷ, khoẻ).
const WORDS: &str = "
Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương Đinh Đoàn Lâm
Mai Trịnh Lương Tạ Cao Châu Quách Hà Kiều Tôn Thái Lưu Văn Thị Hữu Đức Minh Thành Quốc Tuấn
Anh Hùng Dũng Cường Phương Hương Hằng Nhung Hồng Ngọc Thảo Trang Linh Quỳnh Hạnh Thuỷ Hoà Khoa
Toàn Thắng Long Nam Bình Sơn Hải Tùng Nghĩa Quý Khánh Thuận Hiếu Trí Tâm Thư Vy Uyên Xuân Yến
Ánh Ân Ơn Ưng Đạt Huệ Loan Tuyết Nguyệt Khuê Duyên Quyên Khuyên Thuyết Hưng Thịnh Phúc Lộc Thọ
Việt Hậu Chiến Dưỡng Kiệt Diệp Điệp Giang Giao Giàu Gấm Hiền Khiêm Liễu Luỹ Mạnh Nhàn Oanh
Thoa Thoại Xoan Xoài Ngoãn Nguyên Luyện Huyền Tuyền Đông Giỏi Lực
hồ sơ thủ tục hành chính tiếp nhận trả kết quả bổ sung giấy tờ từ chối xử lý phê duyệt
thẩm định xác minh lấy ý kiến cơ quan phối hợp hẹn ngày dừng rút lệ phí hoàn nộp đúng hạn
trước quá xin lỗi phản ánh kiến nghị đánh giá hài lòng không rất bình thường số thứ tự quầy
tra cứu quét mã căn cước công dân chứng minh nhân hộ chiếu điện thoại địa chỉ liên hệ đường
dây nóng bưu trung tâm phục vụ công tỉnh Đắk Lắk Nông huyện xã phường người được những của
và với cho này đã đang sẽ để một hai ba bốn năm sáu bảy tám chín mười trăm nghìn triệu
giờ phút tuần tháng sáng chiều tối mưa nắng gió khoẻ vui buồn thương yêu nhớ quên học
trường lớp nhà cửa sông núi biển rừng cây hoa lá quả gạo lúa nước lửa đất trời mặt
tiếng nói viết đọc ngồi đứng chạy nhảy ăn uống ngủ thức làm việc chơi xem nghe hỏi
thuốc bệnh viện khám chữa mạnh yếu giàu nghèo cũ mới tốt xấu đẹp nhanh chậm dài ngắn
giữ gìn giường khuya khuỷu quyết quyền nguyện ngoằn ngoèo khoảng thuở rượu hươu cừu
";

/// Telex keys for a word: letters with their mark keys, the tone key last.
fn telex_keys(word: &str) -> String {
    let mut keys = String::new();
    let mut tone = None;
    for c in word.nfd() {
        match c {
            '\u{0301}' => tone = Some('s'),
            '\u{0300}' => tone = Some('f'),
            '\u{0309}' => tone = Some('r'),
            '\u{0303}' => tone = Some('x'),
            '\u{0323}' => tone = Some('j'),
            '\u{0302}' => {
                let base = keys.chars().last().expect("a vowel before the mark");
                keys.push(base.to_ascii_lowercase());
            }
            '\u{0306}' | '\u{031B}' => keys.push('w'),
            'đ' => keys.push_str("dd"),
            'Đ' => keys.push_str("Dd"),
            c => keys.push(c),
        }
    }
    keys.extend(tone);
    keys
}

#[test]
fn at_least_200_real_words_compose_from_their_keys() {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    assert!(words.len() >= 200, "only {} words", words.len());
    let mut failures = Vec::new();
    for w in &words {
        let keys = telex_keys(w);
        let got = Telex::compose(&keys);
        if got != *w {
            failures.push(format!("{keys:?} → {got:?}, expected {w:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_whole_sentence_typed_as_people_type() {
    let cases = [
        ("Nguyeenx Vawn An", "Nguyễn Văn An"),
        ("Traafn Thij Hoofng Nhung", "Trần Thị Hồng Nhung"),
        ("nguwowfi", "người"),
        ("nguowif", "người"),
        ("dduwowngf", "đường"),
        ("dduowngf", "đường"),
        ("tuowng", "tương"),
        ("thuwowng", "thương"),
        ("muwa", "mưa"),
        ("muaw", "mưa"),
        ("nhw", "như"),
        ("nhwngx", "những"),
        ("tw", "tư"),
        ("tieengs Vieetj", "tiếng Việt"),
        ("tieesng", "tiếng"),
        ("thuowr", "thuở"),
        ("yeue", "yêu"),
        ("ngoeof", "ngoèo"),
        ("vieejt", "việt"),
        ("vietej", "việt"),
        ("quaan", "quân"),
        ("quyeets", "quyết"),
        ("giuwx", "giữ"),
        ("gif", "gì"),
        ("hoaf", "hoà"),
        ("hoafng", "hoàng"),
        ("toans", "toán"),
        ("khoer", "khoẻ"),
        ("thuyr", "thuỷ"),
        ("Thuyr", "Thuỷ"),
        ("HOAFNG", "HOÀNG"),
        ("DDAWNGJ", "ĐẶNG"),
        ("xin chaof", "xin chào"),
        ("cuwur", "cửu"),
        ("hoawcj", "hoặc"),
        ("Ddawsk Lawsk", "Đắk Lắk"),
        ("soos thuws tuwj", "số thứ tự"),
        ("ddax trar keets quar", "đã trả kết quả"),
    ];
    for (keys, want) in cases {
        assert_eq!(Telex::compose(keys), want, "keys {keys:?}");
    }
}

#[test]
fn changing_and_removing_tones() {
    assert_eq!(Telex::compose("asf"), "à");
    assert_eq!(Telex::compose("tieengsz"), "tiêng");
    assert_eq!(Telex::compose("z"), "z");
    assert_eq!(Telex::compose("sao"), "sao");
    assert_eq!(Telex::compose("rau"), "rau");
    assert_eq!(Telex::compose("xin"), "xin");
    assert_eq!(Telex::compose("tra"), "tra");
}

#[test]
fn undo_then_type_on() {
    assert_eq!(Telex::compose("baas"), "bấ");
    assert_eq!(Telex::compose("baaa"), "baa");
    assert_eq!(Telex::compose("coong"), "công");
    assert_eq!(Telex::compose("cooong"), "coong");
    assert_eq!(Telex::compose("uoww"), "uow");
    assert_eq!(Telex::compose("www"), "ww");
}

#[test]
fn digits_and_punctuation_pass_through() {
    assert_eq!(
        Telex::compose("Soos 12, ddwowngf 3/2."),
        "Số 12, đường 3/2."
    );
}

#[test]
fn classic_style_differs_only_in_oa_oe_uy() {
    let mut t = Telex::new(ToneStyle::Classic);
    t.type_str("hoaf hoafng thuyr quyr khoer");
    assert_eq!(t.text(), "hòa hoàng thủy quỷ khỏe");
    let modern = Telex::compose("hoaf hoafng thuyr quyr khoer");
    assert_eq!(modern, "hoà hoàng thuỷ quỷ khoẻ");
    assert_eq!(fold(&t.text()), fold(&modern));
}

#[test]
fn output_is_nfc() {
    for w in WORDS.split_whitespace() {
        let got = Telex::compose(&telex_keys(w));
        assert_eq!(got.nfc().collect::<String>(), got);
    }
}
