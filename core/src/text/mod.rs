//! Vietnamese text: folding for search, masking names for public display, and Telex input.

mod telex;

pub use telex::{Telex, ToneStyle};

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Fold text for diacritic- and case-insensitive search: "Nguyễn  Văn An" → "nguyen van an".
///
/// Accepts NFC and NFD input alike: the text is decomposed, every combining mark (tone marks and
/// the vowel marks of ă â ê ô ơ ư) is dropped, đ becomes d, letters are lower-cased, and runs of
/// whitespace collapse to one space with none at either end.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Normalise to NFC with single spaces: the form names and texts are stored in.
pub fn normalize(input: &str) -> String {
    input
        .nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a free text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    #[error("the text is empty")]
    Empty,
    #[error("the text is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the text holds control or direction-changing characters")]
    Hidden,
}

/// Characters a person never types on purpose that can hide or reorder what others read:
/// controls (but the line breaks of a multi-line text), bidirectional overrides and isolates,
/// and zero-width characters.
fn hidden(c: char, multiline: bool) -> bool {
    (c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// A free text as it is kept: NFC, spaces trimmed (runs of spaces folded on a single line, line
/// breaks kept on a multi-line one), between 1 and `max` characters, with nothing hidden in it.
pub fn free_text(input: &str, max: usize, multiline: bool) -> Result<String, TextError> {
    if input.chars().any(|c| hidden(c, multiline)) {
        return Err(TextError::Hidden);
    }
    let nfc: String = input.nfc().collect();
    let text = if multiline {
        nfc.replace("\r\n", "\n")
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned()
    } else {
        normalize(&nfc)
    };
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(text)
}

/// Mask a full name for public display: the family name stays, every other word becomes its
/// initial. "Nguyễn Văn An" → "Nguyễn V. A."; a one-word name becomes its initial alone, so no
/// given name is ever shown in full.
pub fn mask_name(name: &str) -> String {
    let name = normalize(name);
    let words: Vec<&str> = name.split(' ').filter(|w| !w.is_empty()).collect();
    let initial = |w: &str| -> String {
        let first = w.chars().next().expect("non-empty word");
        let mut s: String = first.to_uppercase().collect();
        s.push('.');
        s
    };
    match words.as_slice() {
        [] => String::new(),
        [only] => initial(only),
        [family, rest @ ..] => {
            let mut out = (*family).to_owned();
            for w in rest {
                out.push(' ');
                out.push_str(&initial(w));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_every_mark() {
        assert_eq!(fold("Nguyễn Văn An"), "nguyen van an");
        assert_eq!(fold("ĐẶNG THỊ HỒNG NHUNG"), "dang thi hong nhung");
        assert_eq!(fold("  Trương   Ngọc\tÁnh \n"), "truong ngoc anh");
        assert_eq!(fold("Ưu Ơn Ăn Ân Êm Ôm Ý"), "uu on an an em om y");
        assert_eq!(fold("Đắk Lắk"), "dak lak");
    }

    #[test]
    fn fold_treats_nfc_and_nfd_alike() {
        let nfc = "Hoàng Thị Thuỷ";
        let nfd: String = nfc.nfd().collect();
        assert_ne!(nfc, nfd);
        assert_eq!(fold(nfc), fold(&nfd));
        assert_eq!(fold(&nfd), "hoang thi thuy");
    }

    #[test]
    fn mask_never_shows_a_given_name() {
        assert_eq!(mask_name("Nguyễn Văn An"), "Nguyễn V. A.");
        assert_eq!(mask_name("  lê   thị hồng nhung "), "lê T. H. N.");
        assert_eq!(mask_name("Đặng Ánh"), "Đặng Á.");
        assert_eq!(mask_name("H'Hen Niê"), "H'Hen N.");
        assert_eq!(mask_name("Khánh"), "K.");
        assert_eq!(mask_name("   "), "");
    }
}
