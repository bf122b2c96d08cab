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

/// A kiosk's key made ready to hash many values: the HMAC key schedule is done once.
#[derive(Clone)]
pub struct Hasher(Hmac<Sha256>);

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hasher")
    }
}

impl Hasher {
    pub fn new(key: &[u8]) -> Hasher {
        Hasher(Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length"))
    }

    fn digest(&self, label: &str, parts: &[&str]) -> String {
        let mut mac = self.0.clone();
        mac.update(label.as_bytes());
        for p in parts {
            // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
            mac.update(&(p.len() as u32).to_be_bytes());
            mac.update(p.as_bytes());
        }
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// [`citizen_hash`] of the ID whose canonical form is `canonical`.
    pub fn citizen(&self, canonical: &str) -> String {
        self.digest("motcua/citizen/v1", &[canonical])
    }

    /// [`name_hash`] of a name already folded (`text::fold`).
    pub fn folded_name(&self, folded: &str) -> String {
        self.digest("motcua/name/v1", &[folded])
    }

    /// [`secret_hash`].
    pub fn secret(&self, code: &str, secret: &str) -> String {
        self.digest("motcua/secret/v1", &[code, secret.trim()])
    }
}

#[cfg(test)]
fn digest(key: &[u8], label: &str, parts: &[&str]) -> String {
    Hasher::new(key).digest(label, parts)
}

/// The digest of a citizen ID (its canonical digits or passport number).
pub fn citizen_hash(key: &[u8], id: &CitizenId) -> String {
    Hasher::new(key).citizen(&id.canonical())
}

/// The digest of a full name, folded first: "Nguyễn Văn An", "NGUYEN VAN AN" and
/// "nguyen  van an" hash alike.
pub fn name_hash(key: &[u8], full_name: &str) -> String {
    Hasher::new(key).folded_name(&fold(full_name))
}

/// The digest of a dossier's 4-digit lookup secret, bound to the dossier's code.
pub fn secret_hash(key: &[u8], code: &str, secret: &str) -> String {
    Hasher::new(key).secret(code, secret)
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
    fn digests_are_hmac_sha256_of_label_and_length_prefixed_parts() {
        // Computed apart from this code (HMAC-SHA-256, first 16 bytes in hex): replicas made
        // by earlier versions keep matching what visitors type.
        let id = CitizenId::parse("066203001234").unwrap();
        assert_eq!(citizen_hash(&KEY, &id), "2c409c3dc6586ee78eca8dfacee42890");
        assert_eq!(
            name_hash(&KEY, "Nguyễn Văn An"),
            "688c7faae830679ad2410aa03bdecab3"
        );
        let code = "000.00.10.H16-251110-0001";
        assert_eq!(
            secret_hash(&KEY, code, "1234"),
            "d86b378cb8065cd27e0bdc6ed1698486"
        );
        let h = Hasher::new(&KEY);
        assert_eq!(h.citizen("066203001234"), citizen_hash(&KEY, &id));
        assert_eq!(
            h.folded_name("nguyen van an"),
            name_hash(&KEY, "Nguyễn Văn An")
        );
        assert_eq!(h.secret(code, "1234"), secret_hash(&KEY, code, "1234"));
    }

    #[test]
    fn hex_keys_must_have_the_right_length() {
        assert_eq!(key_from_hex(&"ab".repeat(32)).unwrap().len(), 32);
        assert!(key_from_hex("abcd").is_none());
        assert!(key_from_hex(&"zz".repeat(32)).is_none());
    }
}
