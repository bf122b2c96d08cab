//! Properties of the parsers that read text from outside: never a panic, and what formats parses
//! back to itself.

use chrono::NaiveDate;
use motcua_core::text::{Telex, fold, mask_name};
use motcua_core::{AgencyCode, CitizenId, DossierCode, Lang, Localized};
use proptest::prelude::*;

fn agency_code() -> impl Strategy<Value = String> {
    (
        0u32..1000,
        0u32..100,
        0u32..100,
        prop::char::range('A', 'Z'),
        0u32..100,
    )
        .prop_map(|(v, z, y, m, x)| format!("{v:03}.{z:02}.{y:02}.{m}{x:02}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn dossier_codes_round_trip(
        agency in agency_code(),
        days in 0i64..36500,
        seq in 1u32..1_000_000_000,
    ) {
        let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Duration::days(days);
        let code = DossierCode::new(AgencyCode::parse(&agency).unwrap(), date, seq).unwrap();
        let text = code.to_string();
        prop_assert_eq!(DossierCode::parse(&text).unwrap(), code.clone());
        prop_assert_eq!(DossierCode::parse(&text.to_lowercase()).unwrap(), code);
    }

    #[test]
    fn any_text_gives_a_code_or_a_named_error(s in ".{0,80}") {
        if let Err(e) = DossierCode::parse(&s) {
            prop_assert!(!e.message(Lang::Vi).is_empty());
            prop_assert!(!e.message(Lang::En).is_empty());
            prop_assert!(e.code().contains('.'));
        }
        let _ = AgencyCode::parse(&s);
    }

    #[test]
    fn near_codes_never_panic(s in "[0-9.A-Za-z-]{0,40}") {
        if let Ok(c) = DossierCode::parse(&s) {
            prop_assert_eq!(DossierCode::parse(&c.to_string()).unwrap(), c);
        }
    }

    #[test]
    fn citizen_ids_never_panic(s in "[0-9 .a-z-]{0,30}") {
        match CitizenId::parse(&s) {
            Ok(id) => {
                let canon = id.canonical();
                prop_assert!(canon.len() == 9 || canon.len() == 12);
                prop_assert_eq!(CitizenId::parse(&canon).unwrap(), id);
            }
            Err(e) => prop_assert!(!e.message(Lang::Vi).is_empty()),
        }
    }

    #[test]
    fn fold_is_idempotent_and_ascii_for_vietnamese(s in "[a-zA-Z ăâđêôơưĂÂĐÊÔƠƯáàảãạếềểễệốồổỗộớờởỡợứừửữựíìỉĩịýỳỷỹỵ]{0,40}") {
        let f = fold(&s);
        prop_assert_eq!(fold(&f), f.clone());
        prop_assert!(f.is_ascii());
        prop_assert!(!f.starts_with(' ') && !f.ends_with(' ') && !f.contains("  "));
    }

    #[test]
    fn masked_names_never_contain_a_given_name(
        family in "[A-Z][a-z]{1,6}",
        given in proptest::collection::vec("[A-Z][a-z]{2,6}", 1..4),
    ) {
        let name = format!("{family} {}", given.join(" "));
        let masked = mask_name(&name);
        // The family name stays; every other word is an initial.
        let words: Vec<&str> = masked.split(' ').collect();
        prop_assert_eq!(words[0], family.as_str());
        prop_assert_eq!(words.len(), given.len() + 1);
        for w in &words[1..] {
            prop_assert!(w.chars().count() == 2 && w.ends_with('.'), "{} → {}", name, masked);
        }
    }

    #[test]
    fn telex_never_panics_and_folds_to_letters(keys in "[a-zA-Z ,.0-9]{0,60}") {
        let mut t = Telex::default();
        t.type_str(&keys);
        let text = t.text();
        prop_assert_eq!(text.chars().filter(|c| !c.is_alphabetic()).count(),
                        keys.chars().filter(|c| !c.is_ascii_alphabetic()).count());
        for _ in 0..text.chars().count() {
            t.backspace();
        }
        prop_assert_eq!(t.text(), "");
    }
}

fn hidden(c: char) -> bool {
    c.is_control()
        || ('\u{200B}'..='\u{200F}').contains(&c)
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2060}'..='\u{2069}').contains(&c)
        || c == '\u{FEFF}'
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever is typed as a name, phone, e-mail or address: no panic, and what is kept is
    /// bounded, visible text (a phone only digits and separators, an e-mail one `@`).
    #[test]
    fn contact_details_keep_only_bounded_visible_text(s in "\\PC{0,400}|.{0,40}") {
        use motcua_core::contact;
        if let Ok(n) = contact::name(&s) {
            prop_assert!(n.chars().count() <= contact::MAX_NAME && !n.chars().any(hidden));
            prop_assert!(n.chars().any(char::is_alphabetic));
        }
        if let Ok(Some(p)) = contact::phone(&s) {
            prop_assert!(p.chars().all(|c| c.is_ascii_digit() || " .-+".contains(c)));
            prop_assert!((9..=11).contains(&p.chars().filter(char::is_ascii_digit).count()));
        }
        if let Ok(Some(e)) = contact::email(&s) {
            prop_assert!(e.chars().count() <= contact::MAX_EMAIL);
            prop_assert_eq!(e.matches('@').count(), 1);
            prop_assert!(!e.chars().any(|c| hidden(c) || c.is_whitespace()));
        }
        if let Ok(Some(a)) = contact::address(&s) {
            prop_assert!(a.chars().count() <= contact::MAX_ADDRESS && !a.chars().any(hidden));
        }
    }

    /// Free text: bounded, visible, and checking what was kept keeps it as it is.
    #[test]
    fn free_text_is_idempotent(s in "\\PC{0,300}|[a-z \n\t\u{202E}\u{200B}]{0,40}", multiline in any::<bool>()) {
        if let Ok(t) = motcua_core::text::free_text(&s, 200, multiline) {
            prop_assert!(t.chars().count() <= 200);
            prop_assert_eq!(motcua_core::text::free_text(&t, 200, multiline), Ok(t.clone()));
        }
    }
}
