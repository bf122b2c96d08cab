//! Passwords and tokens: argon2id hashes (never on the writer thread or the async runtime: slow on
//! purpose), session and device tokens stored as SHA-256, one-time passwords, lookup secrets,
//! the stand-in hash verified for names that are no account.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use sha2::{Digest, Sha256};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Verified for a name that is no account, so that it takes as long as a real one: an argon2id
/// hash with the same parameters, of a random password made at start and never kept.
pub static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let mut secret = [0u8; 32];
    rand::rng().fill(&mut secret);
    hash_password(&hex::encode(secret)).unwrap_or_default()
});

fn argon2() -> Argon2<'static> {
    // argon2's default parameters are OWASP's argon2id setting: 19 MiB, 2 passes, 1 lane (the
    // tests check the PHC string says so).
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> Result<String, super::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(super::Error::internal)?;
    Ok(argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(super::Error::internal)?
        .to_string())
}

/// [`hash_password`] on the blocking pool, for async callers.
pub async fn hash_off_runtime(password: String) -> Result<String, super::Error> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(super::Error::internal)?
}

/// Verifications that may run at once: half the cores (at least one), so that a flood of
/// sign-ins — each a deliberately slow argon2 — always leaves cores to everyone else.
fn verify_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new((cores / 2).max(1))
    })
}

/// Sign-ins waiting for a verification at most; past it they are refused as busy at once.
pub const MAX_WAITING_VERIFICATIONS: usize = 256;

static WAITING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// [`verify_password`] on the blocking pool, for async callers, at most half the cores at once.
pub async fn verify_off_runtime(password: String, phc: String) -> Result<bool, super::Error> {
    use std::sync::atomic::Ordering;
    struct Waiting;
    impl Drop for Waiting {
        fn drop(&mut self) {
            WAITING.fetch_sub(1, Ordering::SeqCst);
        }
    }
    if WAITING.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING_VERIFICATIONS {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        return Err(super::Error::new(
            super::Kind::Unavailable,
            "auth.busy",
            "Hệ thống đang bận xử lý đăng nhập; vui lòng thử lại sau ít giây.",
            "Sign-in is busy; please try again in a few seconds.",
        ));
    }
    let waiting = Waiting;
    let _permit = verify_permits()
        .acquire()
        .await
        .map_err(super::Error::internal)?;
    drop(waiting);
    tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(super::Error::internal)
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A new session token (shown to the client once) and the key it is stored under.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    let token = hex::encode(bytes);
    let key = token_key(&token);
    (token, key)
}

/// What a token is stored under: its SHA-256, so a copy of the database opens no session.
pub fn token_key(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A password for a new account or a reset: 16 characters from an alphabet without look-alikes.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A 4-digit lookup secret for a receipt.
pub fn lookup_secret() -> String {
    format!("{:04}", rand::rng().random_range(0..10_000))
}

/// Whether the password is acceptable as a new password.
pub fn password_problem(new: &str, username: &str) -> Option<(&'static str, &'static str)> {
    if new.chars().count() < MIN_PASSWORD_LEN {
        return Some((
            "Mật khẩu mới phải có ít nhất 10 ký tự.",
            "The new password must have at least 10 characters.",
        ));
    }
    if new.to_lowercase().contains(&username.to_lowercase()) {
        return Some((
            "Mật khẩu mới không được chứa tên đăng nhập.",
            "The new password must not contain the username.",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_password("mật khẩu rất dài").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("mật khẩu rất dài", &h));
        assert!(!verify_password("mat khau rat dai", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(
            hash_password("same").unwrap(),
            hash_password("same").unwrap()
        );
    }

    #[test]
    fn tokens_are_stored_hashed() {
        let (token, key) = new_token();
        assert_eq!(token.len(), 64);
        assert_eq!(key, token_key(&token));
        assert_ne!(key, token);
    }

    #[test]
    fn the_stand_in_hash_costs_what_a_real_one_does() {
        let real = hash_password("x").unwrap();
        let params = |h: &str| h.rsplitn(3, '$').nth(2).map(str::to_owned);
        assert_eq!(params(&DUMMY_HASH), params(&real));
        assert!(PasswordHash::new(&DUMMY_HASH).is_ok());
        assert!(!verify_password("", &DUMMY_HASH));
    }

    #[test]
    fn one_time_passwords_are_long_enough() {
        let p = one_time_password();
        assert_eq!(p.len(), 16);
        assert!(password_problem(&p, "admin").is_none());
        assert!(password_problem("short", "admin").is_some());
        assert!(password_problem("xx-admin-xx-yy", "admin").is_some());
        assert_eq!(lookup_secret().len(), 4);
    }
}
