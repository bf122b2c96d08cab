//! Staff authentication and authorisation: argon2id password hashes, session tokens, lockout
//! with backoff, and what each role may see and do.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, FixedOffset};
use motcua_core::workflow::Command;
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::model::{DossierRecord, Role, User};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Failed logins allowed before the account locks.
pub const FREE_ATTEMPTS: u32 = 5;

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id setting: 19 MiB, 2 passes, 1 lane.
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters"),
    )
}

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16-byte salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing")
        .to_string()
}

/// [`hash_password`] on the blocking pool, for async callers.
pub async fn hash_off_runtime(password: String) -> Result<String, crate::error::ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(crate::error::ApiError::internal)
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

/// How long an account stays locked after its `failed`-th failure in a row: nothing for the
/// first few, then 30 s doubling up to an hour.
pub fn lockout(failed: u32) -> Option<Duration> {
    if failed < FREE_ATTEMPTS {
        return None;
    }
    let exp = (failed - FREE_ATTEMPTS).min(7);
    Some(Duration::seconds((30i64 << exp).min(3600)))
}

pub fn is_locked(user: &User, now: DateTime<FixedOffset>) -> bool {
    user.locked_until.is_some_and(|t| t > now)
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

/// Whether `role` may issue `cmd` at all (agency scope is checked separately).
pub fn may_command(role: Role, cmd: &Command) -> bool {
    use Command::*;
    match role {
        Role::Receptionist => matches!(
            cmd,
            RequestSupplement { .. }
                | Supplemented
                | Refuse { .. }
                | AcceptAndTransfer { .. }
                | RequestFee { .. }
                | RecordFeePaid { .. }
                | RefundFee { .. }
                | Return { .. }
                | Withdraw { .. }
        ),
        Role::Officer => matches!(
            cmd,
            RequestSupplement { .. }
                | Supplemented
                | Consult { .. }
                | AnswerConsultation { .. }
                | ScheduleVerification(_)
                | SubmitForApproval
                | RequestFee { .. }
                | RecordFeePaid { .. }
                | MarkResultReady
        ),
        Role::Head => !matches!(
            cmd,
            Refuse { .. } | AcceptAndTransfer { .. } | Return { .. } | Withdraw { .. }
        ),
        Role::CentreAdmin | Role::SystemAdmin => false,
    }
}

/// Whether `user` may see this dossier: a desk sees what it received, an agency what it handles,
/// admins everything (read-only).
pub fn may_see(user: &User, rec: &DossierRecord) -> bool {
    may_see_agencies(
        user,
        rec.receiving_agency.as_str(),
        rec.handling_agency().as_str(),
    )
}

/// [`may_see`] for a dossier received by `receiving` and handled by `handling`.
pub fn may_see_agencies(user: &User, receiving: &str, handling: &str) -> bool {
    let own = user.agency.as_ref().map(|a| a.as_str());
    match user.role {
        Role::CentreAdmin | Role::SystemAdmin => true,
        Role::Receptionist => own == Some(receiving),
        Role::Officer | Role::Head => own == Some(handling),
    }
}

/// Whether `user` may act on this dossier (its role may issue the command, and the dossier is
/// in its scope).
pub fn may_act(user: &User, rec: &DossierRecord, cmd: &Command) -> bool {
    may_command(user.role, cmd) && user.role != Role::CentreAdmin && may_see(user, rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_password("mật khẩu rất dài");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("mật khẩu rất dài", &h));
        assert!(!verify_password("mat khau rat dai", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(hash_password("same"), hash_password("same"));
    }

    #[test]
    fn tokens_are_stored_hashed() {
        let (token, key) = new_token();
        assert_eq!(token.len(), 64);
        assert_eq!(key, token_key(&token));
        assert_ne!(key, token);
    }

    #[test]
    fn lockout_backs_off_and_caps() {
        assert_eq!(lockout(4), None);
        assert_eq!(lockout(5), Some(Duration::seconds(30)));
        assert_eq!(lockout(6), Some(Duration::seconds(60)));
        assert_eq!(lockout(9), Some(Duration::seconds(480)));
        assert_eq!(lockout(40), Some(Duration::seconds(3600)));
    }

    #[test]
    fn only_a_head_approves() {
        for role in [
            Role::Receptionist,
            Role::Officer,
            Role::CentreAdmin,
            Role::SystemAdmin,
        ] {
            assert!(!may_command(role, &Command::Approve), "{role:?}");
        }
        assert!(may_command(Role::Head, &Command::Approve));
        assert!(!may_command(
            Role::Head,
            &Command::Return {
                channel: motcua_core::ReturnChannel::Counter
            }
        ));
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
