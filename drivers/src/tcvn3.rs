//! TCVN-3 (TCVN 5712:1993 VN3, the "ABC" encoding) for printers with Epson's code pages 30
//! (lower case) and 31 (upper case). VN3 has no upper-case letters with tone marks: they are
//! printed with page 31, whose glyphs are the capitals of page 30's letters, so a line that
//! mixes cases switches pages within the line.
//!
//! The table was generated from glibc's TCVN5712-1 converter, whose lower-case letters and
//! upper-case base letters (Ă Â Ê Ô Ơ Ư Đ) are those of VN3.

/// Epson code table numbers (ESC t n).
pub const LOWER: u8 = 30;
pub const UPPER: u8 = 31;

const TABLE: [(char, u8); 74] = [
    ('á', 0xB8),
    ('à', 0xB5),
    ('ả', 0xB6),
    ('ã', 0xB7),
    ('ạ', 0xB9),
    ('ă', 0xA8),
    ('ắ', 0xBE),
    ('ằ', 0xBB),
    ('ẳ', 0xBC),
    ('ẵ', 0xBD),
    ('ặ', 0xC6),
    ('â', 0xA9),
    ('ấ', 0xCA),
    ('ầ', 0xC7),
    ('ẩ', 0xC8),
    ('ẫ', 0xC9),
    ('ậ', 0xCB),
    ('é', 0xD0),
    ('è', 0xCC),
    ('ẻ', 0xCE),
    ('ẽ', 0xCF),
    ('ẹ', 0xD1),
    ('ê', 0xAA),
    ('ế', 0xD5),
    ('ề', 0xD2),
    ('ể', 0xD3),
    ('ễ', 0xD4),
    ('ệ', 0xD6),
    ('í', 0xDD),
    ('ì', 0xD7),
    ('ỉ', 0xD8),
    ('ĩ', 0xDC),
    ('ị', 0xDE),
    ('ó', 0xE3),
    ('ò', 0xDF),
    ('ỏ', 0xE1),
    ('õ', 0xE2),
    ('ọ', 0xE4),
    ('ô', 0xAB),
    ('ố', 0xE8),
    ('ồ', 0xE5),
    ('ổ', 0xE6),
    ('ỗ', 0xE7),
    ('ộ', 0xE9),
    ('ơ', 0xAC),
    ('ớ', 0xED),
    ('ờ', 0xEA),
    ('ở', 0xEB),
    ('ỡ', 0xEC),
    ('ợ', 0xEE),
    ('ú', 0xF3),
    ('ù', 0xEF),
    ('ủ', 0xF1),
    ('ũ', 0xF2),
    ('ụ', 0xF4),
    ('ư', 0xAD),
    ('ứ', 0xF8),
    ('ừ', 0xF5),
    ('ử', 0xF6),
    ('ữ', 0xF7),
    ('ự', 0xF9),
    ('ý', 0xFD),
    ('ỳ', 0xFA),
    ('ỷ', 0xFB),
    ('ỹ', 0xFC),
    ('ỵ', 0xFE),
    ('đ', 0xAE),
    ('Ă', 0xA1),
    ('Â', 0xA2),
    ('Ê', 0xA3),
    ('Ô', 0xA4),
    ('Ơ', 0xA5),
    ('Ư', 0xA6),
    ('Đ', 0xA7),
];

fn byte_of(c: char) -> Option<u8> {
    TABLE.iter().find(|(t, _)| *t == c).map(|&(_, b)| b)
}

fn char_of(b: u8) -> Option<char> {
    TABLE.iter().find(|(_, t)| *t == b).map(|&(c, _)| c)
}

/// One character as a byte and the page it needs (None: either page prints it).
fn encode_char(c: char) -> (Option<u8>, u8) {
    if c.is_ascii() {
        let page = c.is_ascii_lowercase().then_some(LOWER);
        return (page, c as u8);
    }
    if let Some(b) = byte_of(c) {
        let page = if c.is_lowercase() { Some(LOWER) } else { None };
        return (page, b);
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    match byte_of(lower) {
        Some(b) => (Some(UPPER), b),
        None => (None, b'?'),
    }
}

/// Encode a line for a TCVN-3 printer, starting in page `page`; the bytes (with ESC t switches)
/// and the page in force at the end.
pub fn encode_line(text: &str, mut page: u8, out: &mut Vec<u8>) -> u8 {
    use unicode_normalization::UnicodeNormalization;
    for c in text.nfc() {
        let (need, b) = encode_char(c);
        if let Some(p) = need {
            if p != page {
                out.extend_from_slice(&[0x1b, b't', p]);
                page = p;
            }
        }
        out.push(b);
    }
    page
}

/// What a TCVN-3 printer prints for `b` in code table `page` (the simulator's view).
pub fn decode_byte(b: u8, page: u8) -> char {
    let c = if b < 0x80 {
        b as char
    } else {
        char_of(b).unwrap_or('?')
    };
    if page == UPPER {
        c.to_uppercase().next().unwrap_or(c)
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let mut out = Vec::new();
        encode_line(text, LOWER, &mut out);
        let mut page = LOWER;
        let mut s = String::new();
        let mut i = 0;
        while i < out.len() {
            if out[i] == 0x1b {
                page = out[i + 2];
                i += 3;
                continue;
            }
            s.push(decode_byte(out[i], page));
            i += 1;
        }
        s
    }

    #[test]
    fn vietnamese_survives_both_cases() {
        for t in [
            "Đã trả kết quả",
            "NGUYỄN THỊ HỒNG NHUNG",
            "Số thứ tự A001",
            "Nguyễn Văn An",
        ] {
            assert_eq!(round_trip(t), t);
        }
    }

    #[test]
    fn pages_switch_only_when_needed() {
        let mut out = Vec::new();
        let end = encode_line("Đã", LOWER, &mut out);
        assert_eq!(out, [0xa7, 0xb7]);
        assert_eq!(end, LOWER);
        let mut out = Vec::new();
        encode_line("ĐÃ", LOWER, &mut out);
        assert_eq!(out, [0xa7, 0x1b, b't', UPPER, 0xb7]);
        assert_eq!(byte_of('á'), Some(0xb8));
    }
}
