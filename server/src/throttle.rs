//! In-memory rate limits for the public lookup: requests per client, and wrong lookup secrets per
//! dossier and per client (a 4-digit secret must not be guessable by trying).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Requests per client per minute on the public routes.
pub const REQUESTS_PER_MINUTE: u32 = 120;
/// Requests per enrolled kiosk per minute: a lobby kiosk serves many visitors.
pub const KIOSK_REQUESTS_PER_MINUTE: u32 = 1200;
/// Wrong secrets allowed per dossier (and per client) before a lockout.
pub const WRONG_SECRETS: u32 = 5;
/// How long a dossier's (or client's) secret checks stay locked.
pub const SECRET_LOCK_MINUTES: i64 = 15;
/// Most keys remembered; past it the oldest window simply starts over.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Default)]
struct Window {
    start: Option<DateTime<Utc>>,
    count: u32,
    locked_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
pub struct Throttle {
    requests: Mutex<HashMap<String, Window>>,
    secrets: Mutex<HashMap<String, Window>>,
}

fn bump(
    map: &Mutex<HashMap<String, Window>>,
    key: &str,
    now: DateTime<Utc>,
    span: Duration,
) -> u32 {
    let mut m = map.lock().expect("throttle lock");
    if m.len() >= MAX_KEYS && !m.contains_key(key) {
        m.clear();
    }
    let w = m.entry(key.to_owned()).or_default();
    if w.start.is_none_or(|s| now - s >= span) {
        w.start = Some(now);
        w.count = 0;
    }
    w.count += 1;
    w.count
}

impl Throttle {
    /// Count a public request from `client`; false when over `per_minute`.
    pub fn allow_request(&self, client: &str, now: DateTime<Utc>, per_minute: u32) -> bool {
        bump(&self.requests, client, now, Duration::minutes(1)) <= per_minute
    }

    /// Whether secret checks for this key are locked now.
    pub fn secret_locked(&self, key: &str, now: DateTime<Utc>) -> bool {
        self.secrets
            .lock()
            .expect("throttle lock")
            .get(key)
            .and_then(|w| w.locked_until)
            .is_some_and(|t| t > now)
    }

    /// Record a wrong secret for `key`; locks it after [`WRONG_SECRETS`] within the lock span.
    pub fn wrong_secret(&self, key: &str, now: DateTime<Utc>) {
        let span = Duration::minutes(SECRET_LOCK_MINUTES);
        let n = bump(&self.secrets, key, now, span);
        if n >= WRONG_SECRETS {
            if let Some(w) = self.secrets.lock().expect("throttle lock").get_mut(key) {
                w.locked_until = Some(now + span);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn windows_reset_and_locks_expire() {
        let t = Throttle::default();
        let t0 = Utc.with_ymd_and_hms(2025, 11, 10, 2, 0, 0).unwrap();
        for _ in 0..REQUESTS_PER_MINUTE {
            assert!(t.allow_request("a", t0, REQUESTS_PER_MINUTE));
        }
        assert!(!t.allow_request("a", t0, REQUESTS_PER_MINUTE));
        assert!(t.allow_request("b", t0, REQUESTS_PER_MINUTE));
        assert!(t.allow_request("a", t0 + Duration::minutes(1), REQUESTS_PER_MINUTE));
        for _ in 0..WRONG_SECRETS - 1 {
            t.wrong_secret("code", t0);
        }
        assert!(!t.secret_locked("code", t0));
        t.wrong_secret("code", t0);
        assert!(t.secret_locked("code", t0 + Duration::minutes(14)));
        assert!(!t.secret_locked("code", t0 + Duration::minutes(16)));
    }
}
