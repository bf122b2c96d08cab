//! How a person is named and reached — full name, phone, e-mail, address — checked the same
//! way wherever they are typed (a receipt at the desk, a feedback, an account), so that nothing
//! unbounded, hidden or unusable is kept.

use crate::i18n::{Lang, Localized};
use crate::text::{TextError, free_text};

/// Longest full name, in characters.
pub const MAX_NAME: usize = 100;
/// Longest postal address, in characters.
pub const MAX_ADDRESS: usize = 300;
/// Longest e-mail address (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;

/// Why a contact detail was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContactError {
    #[error("a full name has 1 to {MAX_NAME} characters with at least one letter, nothing hidden")]
    Name,
    #[error("a phone number has 9 to 11 digits")]
    Phone,
    #[error("not an e-mail address")]
    Email,
    #[error("an address has up to {MAX_ADDRESS} characters, nothing hidden")]
    Address,
}

impl Localized for ContactError {
    fn code(&self) -> &'static str {
        match self {
            ContactError::Name => "contact.name",
            ContactError::Phone => "contact.phone",
            ContactError::Email => "contact.email",
            ContactError::Address => "contact.address",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::Vi, ContactError::Name) => format!(
                "Họ và tên gồm 1 đến {MAX_NAME} ký tự, có chữ cái, không chứa ký tự ẩn hoặc ký tự điều khiển."
            ),
            (Lang::Vi, ContactError::Phone) => "Số điện thoại gồm 9 đến 11 chữ số.".into(),
            (Lang::Vi, ContactError::Email) => {
                "Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@example.vn).".into()
            }
            (Lang::Vi, ContactError::Address) => format!(
                "Địa chỉ dài tối đa {MAX_ADDRESS} ký tự, không chứa ký tự ẩn hoặc ký tự điều khiển."
            ),
            (Lang::En, ContactError::Name) => format!(
                "A full name has 1 to {MAX_NAME} characters with at least one letter, without hidden or control characters."
            ),
            (Lang::En, ContactError::Phone) => "A phone number has 9 to 11 digits.".into(),
            (Lang::En, ContactError::Email) => {
                "Not a valid e-mail address (for example: name@example.vn).".into()
            }
            (Lang::En, ContactError::Address) => format!(
                "An address has {MAX_ADDRESS} characters at most, without hidden or control characters."
            ),
        }
    }
}

/// A full name as kept: NFC, spaces folded, 1–100 characters, at least one letter.
pub fn name(s: &str) -> Result<String, ContactError> {
    let n = free_text(s, MAX_NAME, false).map_err(|_| ContactError::Name)?;
    if !n.chars().any(char::is_alphabetic) {
        return Err(ContactError::Name);
    }
    Ok(n)
}

/// An optional phone number: empty → none; else 9–11 digits, written with digits, spaces,
/// dots, dashes and a leading plus only (at most 20 characters).
pub fn phone(s: &str) -> Result<Option<String>, ContactError> {
    let p = s.trim();
    if p.is_empty() {
        return Ok(None);
    }
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let shape = p.chars().count() <= 20
        && p.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || " .-".contains(c) || (c == '+' && i == 0));
    if !(9..=11).contains(&digits) || !shape {
        return Err(ContactError::Phone);
    }
    Ok(Some(p.to_owned()))
}

/// An optional e-mail address: empty → none; else `local@domain` with a dotted domain of
/// letters, digits and hyphens, at most 254 characters, nothing hidden or spaced.
pub fn email(s: &str) -> Result<Option<String>, ContactError> {
    let e = s.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let Some((local, domain)) = e.rsplit_once('@') else {
        return Err(ContactError::Email);
    };
    let local_ok = (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if e.chars().count() > MAX_EMAIL || !local_ok || !domain_ok {
        return Err(ContactError::Email);
    }
    Ok(Some(e.to_owned()))
}

/// An optional postal address: empty → none; else NFC, folded, at most 300 characters.
pub fn address(s: &str) -> Result<Option<String>, ContactError> {
    match free_text(s, MAX_ADDRESS, false) {
        Ok(a) => Ok(Some(a)),
        Err(TextError::Empty) => Ok(None),
        Err(_) => Err(ContactError::Address),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name("  Nguyễn   Văn  An ").unwrap(), "Nguyễn Văn An");
        assert_eq!(name("H'Linh Niê").unwrap(), "H'Linh Niê");
        assert_eq!(name("Nguye\u{302}\u{303}n").unwrap(), "Nguyễn", "NFC");
        for bad in [
            "",
            "   ",
            "An\0",
            "\u{202E}nA",
            "\u{200B}\u{200B}",
            "12345",
            &"a".repeat(101),
        ] {
            assert_eq!(name(bad), Err(ContactError::Name), "{bad:?}");
        }
    }

    #[test]
    fn phones() {
        assert_eq!(phone("").unwrap(), None);
        assert_eq!(
            phone(" 0905 123 456 ").unwrap().as_deref(),
            Some("0905 123 456")
        );
        assert_eq!(
            phone("+84905123456").unwrap().as_deref(),
            Some("+84905123456")
        );
        for bad in [
            "12345",
            "0905x123456",
            "09051234567890",
            "1+905123456",
            &"1".repeat(1000),
        ] {
            assert_eq!(phone(bad), Err(ContactError::Phone), "{bad:?}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(email("").unwrap(), None);
        assert_eq!(
            email("an.nguyen@daklak.gov.vn").unwrap().as_deref(),
            Some("an.nguyen@daklak.gov.vn")
        );
        for bad in [
            "an",
            "an@",
            "@daklak.gov.vn",
            "an@localhost",
            "a n@x.vn",
            "an@x..vn",
            "an@-x.vn",
            ".an@x.vn",
            "an\u{202E}@x.vn",
            &format!("{}@x.vn", "a".repeat(65)),
        ] {
            assert_eq!(email(bad), Err(ContactError::Email), "{bad:?}");
        }
    }

    #[test]
    fn addresses() {
        assert_eq!(address(" ").unwrap(), None);
        assert!(
            address("16 Lê Duẩn, phường Buôn Ma Thuột")
                .unwrap()
                .is_some()
        );
        assert_eq!(address(&"x".repeat(301)), Err(ContactError::Address));
        assert_eq!(address("a\u{202E}b"), Err(ContactError::Address));
    }
}
