//! What a visitor may scan from a receipt: a bare dossier code, a URL that carries it (as a query
//! parameter or a path segment, optionally with the lookup secret), or the project's own compact
//! payload `MC1:<code>:<secret>:<check>` whose two check digits (ISO 7064 MOD 97-10) catch a
//! mistyped or damaged code.
//!
//! The payload keeps to the QR alphanumeric alphabet (digits, capitals, `.`, `-`, `:`), so it
//! encodes compactly.

use motcua_core::codes::CodeError;
use motcua_core::{DossierCode, Lang, Localized};

/// Longest scan accepted: receipts carry at most a URL.
pub const MAX_PAYLOAD: usize = 1024;
const PREFIX: &str = "MC1:";
/// Query parameters that carry a dossier code in the field's receipt URLs.
const CODE_PARAMS: [&str; 8] = [
    "code", "mahoso", "ma_ho_so", "mahs", "id", "hoso", "ma", "dossier",
];
/// Query parameters that carry the lookup secret.
const SECRET_PARAMS: [&str; 5] = ["secret", "matracuu", "ma_tra_cuu", "pin", "mtc"];

/// Where the code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Bare,
    Url,
    Own,
}

/// A scanned receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptScan {
    pub code: DossierCode,
    /// The 4-digit lookup secret (mã tra cứu), when the QR carries it.
    pub secret: Option<String>,
    pub source: Source,
}

/// Why a scan was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    #[error("the scan is empty")]
    Empty,
    #[error("the scan is longer than {MAX_PAYLOAD} bytes")]
    TooLong,
    #[error("the scan is not text")]
    NotText,
    #[error("the address carries no dossier code")]
    NoCode,
    #[error("invalid dossier code: {0}")]
    Code(CodeError),
    #[error("the check digits do not match: the code is damaged or mistyped")]
    Check,
    #[error("the lookup secret must be 4 digits")]
    Secret,
}

impl Localized for ScanError {
    fn code(&self) -> &'static str {
        match self {
            ScanError::Empty => "scan.empty",
            ScanError::TooLong => "scan.too_long",
            ScanError::NotText => "scan.not_text",
            ScanError::NoCode => "scan.no_code",
            ScanError::Code(e) => e.code(),
            ScanError::Check => "scan.check",
            ScanError::Secret => "scan.secret",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ScanError::Code(e), _) => e.message(lang),
            (e, Lang::En) => format!("The scanned code could not be read: {e}."),
            (ScanError::Empty, Lang::Vi) => "Không đọc được mã: mã trống.".into(),
            (ScanError::TooLong, Lang::Vi) => "Không đọc được mã: mã quá dài.".into(),
            (ScanError::NotText, Lang::Vi) => {
                "Không đọc được mã: đây không phải mã trên giấy hẹn.".into()
            }
            (ScanError::NoCode, Lang::Vi) => {
                "Mã QR này không chứa mã hồ sơ. Vui lòng nhập mã hồ sơ trên giấy hẹn.".into()
            }
            (ScanError::Check, Lang::Vi) => {
                "Mã hồ sơ bị hỏng hoặc sai (không khớp số kiểm tra). Vui lòng quét lại.".into()
            }
            (ScanError::Secret, Lang::Vi) => "Mã tra cứu phải gồm 4 chữ số.".into(),
        }
    }
}

fn char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        '.' => Some(36),
        '-' => Some(37),
        _ => None,
    }
}

/// ISO 7064 MOD 97-10 check digits over `text` (digits, capitals, `.` and `-`).
pub fn check_digits(text: &str) -> String {
    let mut r: u32 = 0;
    for c in text.chars() {
        let v = char_value(c).unwrap_or(0);
        r = (r * 100 + v) % 97;
    }
    r = (r * 100) % 97;
    format!("{:02}", 98 - r)
}

/// The project's own receipt payload for `code` and its secret.
pub fn own_payload(code: &DossierCode, secret: Option<&str>) -> String {
    let code = code.to_string();
    let secret = secret.unwrap_or("");
    let check = check_digits(&format!("{code}{secret}"));
    format!("{PREFIX}{code}:{secret}:{check}")
}

fn valid_secret(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_url(s: &str) -> Result<ReceiptScan, ScanError> {
    let rest = s.split_once("://").map_or(s, |(_, r)| r);
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut code = None;
    let mut secret = None;
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k).to_ascii_lowercase();
        let v = percent_decode(v);
        if CODE_PARAMS.contains(&k.as_str()) && code.is_none() {
            if let Ok(c) = DossierCode::parse(&v) {
                code = Some(c);
            }
        } else if SECRET_PARAMS.contains(&k.as_str()) {
            if !valid_secret(v.trim()) {
                return Err(ScanError::Secret);
            }
            secret = Some(v.trim().to_owned());
        }
    }
    if code.is_none() {
        // A path segment that is a code, e.g. https://host/tra-cuu/000.17.22.H56-210531-0001.
        code = path
            .split('/')
            .skip(1)
            .filter_map(|seg| DossierCode::parse(&percent_decode(seg)).ok())
            .next();
    }
    let code = code.ok_or(ScanError::NoCode)?;
    Ok(ReceiptScan {
        code,
        secret,
        source: Source::Url,
    })
}

fn parse_own(s: &str) -> Result<ReceiptScan, ScanError> {
    let body = &s[PREFIX.len()..];
    let mut parts = body.split(':');
    let (Some(code), Some(secret), Some(check), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ScanError::Check);
    };
    if check.len() != 2 || check_digits(&format!("{code}{secret}")) != check {
        return Err(ScanError::Check);
    }
    let code = DossierCode::parse(code).map_err(ScanError::Code)?;
    let secret = match secret {
        "" => None,
        s if valid_secret(s) => Some(s.to_owned()),
        _ => return Err(ScanError::Secret),
    };
    Ok(ReceiptScan {
        code,
        secret,
        source: Source::Own,
    })
}

/// Understand a scan. Never panics, whatever the bytes.
pub fn parse_scan(raw: &[u8]) -> Result<ReceiptScan, ScanError> {
    if raw.len() > MAX_PAYLOAD {
        return Err(ScanError::TooLong);
    }
    let text = std::str::from_utf8(raw).map_err(|_| ScanError::NotText)?;
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.is_empty() {
        return Err(ScanError::Empty);
    }
    if text.chars().any(|c| c.is_control()) {
        return Err(ScanError::NotText);
    }
    if text
        .get(..PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
    {
        return parse_own(&text.to_ascii_uppercase());
    }
    if text.contains("://") || text.contains('?') || text.contains('/') {
        return parse_url(text);
    }
    DossierCode::parse(text)
        .map(|code| ReceiptScan {
            code,
            secret: None,
            source: Source::Bare,
        })
        .map_err(ScanError::Code)
}

/// The booking a scan names, if it is one: a booking page's address (`…/lich-hen/12345-67890`)
/// or the bare code. Never panics, whatever the bytes.
pub fn booking_in_scan(raw: &[u8]) -> Option<motcua_core::booking::BookingCode> {
    use motcua_core::booking::BookingCode;
    if raw.len() > MAX_PAYLOAD {
        return None;
    }
    let text = std::str::from_utf8(raw).ok()?;
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    const PAGE: &str = "lich-hen/";
    let code = match text.find(PAGE) {
        Some(i) => {
            let rest = &text[i + PAGE.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '-'))
                .unwrap_or(rest.len());
            &rest[..end]
        }
        None => text,
    };
    BookingCode::parse(code).ok()
}

/// What the fleet console's enrolment QR starts with: `motcua-enrol:{server}#{code}`.
pub const ENROL_PREFIX: &str = "motcua-enrol:";

/// The one-time enrolment code a scan of the console's enrolment QR carries (twelve hexadecimal
/// characters, as the console shows them), if it is one. Never panics, whatever the bytes.
pub fn enrolment_in_scan(raw: &[u8]) -> Option<String> {
    if raw.len() > MAX_PAYLOAD {
        return None;
    }
    let text = std::str::from_utf8(raw).ok()?;
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let rest = text.strip_prefix(ENROL_PREFIX)?;
    let (_, code) = rest.rsplit_once('#')?;
    let code = code.trim().to_ascii_uppercase();
    (code.len() == 12 && code.bytes().all(|b| b.is_ascii_hexdigit())).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "000.17.22.H56-210531-0001";

    #[test]
    fn enrolment_scans() {
        assert_eq!(
            enrolment_in_scan(b"motcua-enrol:http://10.0.0.5:8080#8ab084e00eaa\r\n").as_deref(),
            Some("8AB084E00EAA")
        );
        for bad in [
            &b"motcua-enrol:http://x#8AB084E00EA"[..],
            b"motcua-enrol:http://x#8AB084E00EAG",
            b"http://x#8AB084E00EAA",
            b"8AB084E00EAA",
            b"motcua-enrol:",
            b"\xff\xfe",
        ] {
            assert_eq!(enrolment_in_scan(bad), None, "{bad:?}");
        }
    }

    proptest::proptest! {
        /// Whatever a scanner sends, reading it as an enrolment never panics, and what it
        /// yields is always a well-formed code.
        #[test]
        fn any_bytes_read_as_an_enrolment_or_not(raw in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            if let Some(c) = enrolment_in_scan(&raw) {
                proptest::prop_assert_eq!(c.len(), 12);
            }
        }
    }

    #[test]
    fn booking_scans() {
        let code = motcua_core::booking::BookingCode::from_random(123_456_789);
        for s in [
            format!("https://motcua.example.vn/lich-hen/{}", code.digits()),
            format!("https://motcua.example.vn/lich-hen/{code}?new=1"),
            format!("/lich-hen/{}", code.digits()),
            format!(" {code}\r\n"),
        ] {
            assert_eq!(booking_in_scan(s.as_bytes()), Some(code), "{s}");
        }
        for s in [
            "https://x.vn/lich-hen/1234567890",
            CODE,
            "MC1:000.17.22.H56-210531-0001:4464:00",
            "",
        ] {
            assert_eq!(booking_in_scan(s.as_bytes()), None, "{s}");
        }
        // A dossier's receipt never reads as a booking, nor a booking as a receipt.
        assert!(parse_scan(code.digits().as_bytes()).is_err());
    }

    #[test]
    fn bare_codes() {
        let s = parse_scan(CODE.as_bytes()).unwrap();
        assert_eq!(
            (s.code.to_string().as_str(), s.source),
            (CODE, Source::Bare)
        );
        let s = parse_scan(b"  000.17.22.h56-210531-0001\r\n").unwrap();
        assert_eq!(s.code.to_string(), CODE);
    }

    #[test]
    fn urls_from_other_systems() {
        for url in [
            "https://dichvucong.thanhhoa.gov.vn/tra-cuu?mahoso=000.17.22.H56-210531-0001",
            "https://x.gov.vn/?ma_ho_so=000.17.22.H56-210531-0001&matracuu=1234",
            "http://x.gov.vn/portal/search?code=000.17.22.H56-210531-0001#top",
            "https://x.gov.vn/ho-so/000.17.22.H56-210531-0001",
            "https://x.gov.vn/q?id=000%2E17%2E22%2EH56-210531-0001&secret=1234",
            "https://x.gov.vn/q?lang=vi&ID=000.17.22.H56-210531-0001",
        ] {
            let s = parse_scan(url.as_bytes()).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(s.code.to_string(), CODE, "{url}");
            assert_eq!(s.source, Source::Url);
        }
        let s = parse_scan(b"https://x.gov.vn/?mahoso=000.17.22.H56-210531-0001&matracuu=1234")
            .unwrap();
        assert_eq!(s.secret.as_deref(), Some("1234"));
        assert_eq!(
            parse_scan(b"https://x.gov.vn/tin-tuc?id=42"),
            Err(ScanError::NoCode)
        );
        assert_eq!(
            parse_scan(b"https://x.gov.vn/?mahoso=000.17.22.H56-210531-0001&pin=12a4"),
            Err(ScanError::Secret)
        );
    }

    #[test]
    fn own_payload_round_trips_and_catches_damage() {
        let code = DossierCode::parse(CODE).unwrap();
        let p = own_payload(&code, Some("4464"));
        assert!(p.starts_with("MC1:000.17.22.H56-210531-0001:4464:"));
        let s = parse_scan(p.as_bytes()).unwrap();
        assert_eq!(
            (s.code, s.secret.as_deref(), s.source),
            (code.clone(), Some("4464"), Source::Own)
        );
        let p2 = own_payload(&code, None);
        assert_eq!(parse_scan(p2.as_bytes()).unwrap().secret, None);
        // One character changed anywhere in the code or secret is caught.
        let damaged = p.replacen("0001", "0007", 1);
        assert_eq!(parse_scan(damaged.as_bytes()), Err(ScanError::Check));
        let damaged = p.replacen("4464", "4446", 1);
        assert_eq!(parse_scan(damaged.as_bytes()), Err(ScanError::Check));
    }

    #[test]
    fn garbage_gets_a_typed_error() {
        assert_eq!(parse_scan(b""), Err(ScanError::Empty));
        assert_eq!(parse_scan(&[0xff, 0xfe, 0x00]), Err(ScanError::NotText));
        assert_eq!(parse_scan(b"abc\x07def"), Err(ScanError::NotText));
        assert_eq!(parse_scan(&vec![b'a'; 2000]), Err(ScanError::TooLong));
        assert!(matches!(
            parse_scan(b"hello world"),
            Err(ScanError::Code(_))
        ));
        let e = parse_scan(b"000.17.22.H56-210231-0001").unwrap_err();
        assert_eq!(e.code(), "dossier_code.date");
        assert!(e.message(Lang::Vi).contains("ngày tiếp nhận"));
        assert!(
            ScanError::NoCode
                .message(Lang::Vi)
                .contains("không chứa mã hồ sơ")
        );
    }

    #[test]
    fn percent_decoding_is_total() {
        assert_eq!(percent_decode("a%2Eb%"), "a.b%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%E1%BA%A1"), "ạ");
    }
}
