//! Property tests for the parsers that read bytes from outside: receipt scans and the
//! simulator's ESC/POS decoder.

use motcua_drivers::escpos::Decoder;
use motcua_drivers::qr::{booking_in_scan, own_payload, parse_scan};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_scan_is_understood_or_refused_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1200)) {
        let _ = parse_scan(&bytes);
        let _ = booking_in_scan(&bytes);
    }

    #[test]
    fn booking_codes_round_trip_and_any_text_is_safe(r in any::<u64>(), junk in "\\PC{0,60}") {
        let code = motcua_core::booking::BookingCode::from_random(r);
        prop_assert_eq!(motcua_core::booking::BookingCode::parse(&code.to_string()), Ok(code));
        let url = format!("https://x.vn/lich-hen/{}", code.digits());
        prop_assert_eq!(booking_in_scan(url.as_bytes()), Some(code));
        let _ = motcua_core::booking::BookingCode::parse(&junk);
        let _ = booking_in_scan(format!("lich-hen/{junk}").as_bytes());
    }

    #[test]
    fn url_like_scans_never_panic(s in "(https?://)?[a-z.]{0,12}/?[a-z_/%0-9A-F.=&?-]{0,80}") {
        let _ = parse_scan(s.as_bytes());
    }

    #[test]
    fn own_payloads_round_trip_and_single_changes_are_caught(
        seq in 1u32..100_000, secret in 0u32..10_000, pos in 0usize..40, digit in 0u8..10,
    ) {
        let code = motcua_core::DossierCode::parse(&format!("000.00.01.H16-251110-{seq:04}")).unwrap();
        let s = format!("{secret:04}");
        let p = own_payload(&code, Some(&s));
        let scan = parse_scan(p.as_bytes()).unwrap();
        prop_assert_eq!(scan.code, code);
        prop_assert_eq!(scan.secret, Some(s));
        // Change one digit of the code or secret: the check catches it.
        let body_start = 4;
        let body_end = p.rfind(':').unwrap();
        let i = body_start + pos % (body_end - body_start);
        let c = p.as_bytes()[i];
        if c.is_ascii_digit() && c != b'0' + digit {
            let mut damaged = p.clone().into_bytes();
            damaged[i] = b'0' + digit;
            prop_assert!(parse_scan(&damaged).is_err());
        }
    }

    #[test]
    fn the_decoder_never_panics_and_chunking_does_not_matter(
        bytes in proptest::collection::vec(any::<u8>(), 0..4000),
        cut in 0usize..4000,
    ) {
        let mut whole = Decoder::default();
        let a = whole.feed(&bytes);
        let mut parts = Decoder::default();
        let cut = cut.min(bytes.len());
        let b1 = parts.feed(&bytes[..cut]);
        let b2 = parts.feed(&bytes[cut..]);
        if let (Ok(a), Ok(mut b1), Ok(b2)) = (a, b1, b2) {
            b1.extend(b2);
            prop_assert_eq!(a, b1);
        }
    }
}
