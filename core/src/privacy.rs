//! Keyed hashes for the kiosk replica. A kiosk holds no citizen ID, full name or lookup secret in
//! clear: the server sends HMAC-SHA-256 digests under a key given to that kiosk at enrolment, and
//! the kiosk hashes what a visitor types with the same key to look it up locally. Each kind of
//! value is hashed under its own label, so a digest of one kind never matches another.
//!
//! A digest is truncated to 128 bits (32 hex digits): collisions stay out of reach for any
//! replica, and a 500,000-dossier replica stays small.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::CitizenId;
use crate::text::fold;

/// Length in bytes of a kiosk's hash key.
pub const KEY_BYTES: usize = 32;

fn digest(key: &[u8], label: &str, parts: &[&str]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(label.as_bytes());
    for p in parts {
        // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
        mac.update(&(p.len() as u32).to_be_bytes());
        mac.update(p.as_bytes());
    }
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The digest of a citizen ID (its canonical digits or passport number).
pub fn citizen_hash(key: &[u8], id: &CitizenId) -> String {
    digest(key, "motcua/citizen/v1", &[&id.canonical()])
}

/// The digest of a full name, folded first: "Nguyễn Văn An", "NGUYEN VAN AN" and
/// "nguyen  van an" hash alike.
pub fn name_hash(key: &[u8], full_name: &str) -> String {
    digest(key, "motcua/name/v1", &[&fold(full_name)])
}

/// The digest of a dossier's 4-digit lookup secret, bound to the dossier's code.
pub fn secret_hash(key: &[u8], code: &str, secret: &str) -> String {
    digest(key, "motcua/secret/v1", &[code, secret.trim()])
}

/// Decode a key given as hex.
pub fn key_from_hex(s: &str) -> Option<Vec<u8>> {
    hex::decode(s.trim()).ok().filter(|k| k.len() == KEY_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn names_hash_alike_whatever_the_marks_case_and_spaces() {
        let a = name_hash(&KEY, "Nguyễn Văn An");
        assert_eq!(a, name_hash(&KEY, "NGUYEN VAN AN"));
        assert_eq!(a, name_hash(&KEY, "  nguyen   van an "));
        assert_ne!(a, name_hash(&KEY, "Nguyễn Văn Anh"));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn keys_labels_and_codes_separate_digests() {
        let id = CitizenId::parse("066203001234").unwrap();
        assert_ne!(citizen_hash(&KEY, &id), citizen_hash(&[8; 32], &id));
        assert_ne!(
            secret_hash(&KEY, "A-1", "1234"),
            secret_hash(&KEY, "A-2", "1234")
        );
        assert_ne!(
            secret_hash(&KEY, "A", "11234"),
            secret_hash(&KEY, "A1", "1234")
        );
        assert_ne!(
            digest(&KEY, "motcua/name/v1", &["x"]),
            digest(&KEY, "motcua/citizen/v1", &["x"])
        );
        assert_eq!(
            secret_hash(&KEY, "A", " 1234 "),
            secret_hash(&KEY, "A", "1234")
        );
    }

    #[test]
    fn hex_keys_must_have_the_right_length() {
        assert_eq!(key_from_hex(&"ab".repeat(32)).unwrap().len(), 32);
        assert!(key_from_hex("abcd").is_none());
        assert!(key_from_hex(&"zz".repeat(32)).is_none());
    }
}
