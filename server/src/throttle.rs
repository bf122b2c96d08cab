//! In-memory limits: requests per client on the public routes, wrong lookup secrets per dossier and
//! per client, failed sign-ins per address and per (account, address).
//!
//! Each limit is a [`Limiter`]: fixed windows per key, a lockout once a key has had too many
//! within its window. Memory is bounded, and what is dropped to stay within the bound is only
//! what no longer counts — an expired window, an ended lockout — never an active lockout: a
//! flood of new keys cannot wipe the lock on a dossier (when every slot holds a live lockout,
//! a new key is refused until one ends). Clients are named by address, IPv6 addresses by their
//! /64 (one host hands out many addresses of its own /64).

use std::collections::HashMap;
use std::net::IpAddr;
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
/// Ratings per address per hour from the web (a kiosk's come through its device).
pub const RATINGS_PER_HOUR: u32 = 10;
/// Bookings a web address may make in a day (a family books a few; a script filling the slots
/// needs many addresses). Refused attempts and cancellations do not count.
pub const BOOKINGS_PER_DAY: u32 = 4;
/// Booking codes a web address may look up in vain in an hour before its lookups wait an hour
/// (guessing codes gets nowhere).
pub const BOOKING_MISSES_PER_HOUR: u32 = 20;
/// Keys a limiter remembers at most.
const MAX_KEYS: usize = 200_000;
/// Failed sign-ins (and wrong current passwords) per (account, address) before that pair waits.
pub const SIGN_IN_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failed sign-ins per address, whatever the account, before the address waits.
pub const SIGN_IN_FAILURES_PER_ADDRESS: u32 = 30;
/// How long a sign-in lock lasts (an administrator can lift it sooner).
pub const SIGN_IN_LOCK_MINUTES: i64 = 15;
/// Addresses whose sign-ins under unknown names are counted one by one between two audit lines;
/// the rest are counted together.
const MAX_UNKNOWN_ADDRESSES: usize = 10_000;

/// The key of a client: its address, an IPv6 address as its /64.
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: DateTime<Utc>,
    count: u32,
    locked_until: Option<DateTime<Utc>>,
}

impl Window {
    /// Whether it still counts at `now` (its window open or its lockout on).
    fn live(&self, now: DateTime<Utc>, span: Duration) -> bool {
        now - self.start < span || self.locked_until.is_some_and(|t| t > now)
    }
}

/// What a limiter answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the limit (or locked) until then.
    Refused(DateTime<Utc>),
}

/// Fixed windows per key with lockouts, in bounded memory.
#[derive(Debug)]
pub struct Limiter {
    /// How many events a window allows.
    limit: u32,
    /// The window's length.
    span: Duration,
    /// How long a key stays locked once over the limit (zero: refused until its window ends).
    lock: Duration,
    max_keys: usize,
    map: Mutex<Keys>,
}

/// The remembered windows, and when a full map (every window live) frees its first slot: until
/// then a new key is refused without scanning the map again.
#[derive(Debug, Default)]
struct Keys {
    windows: HashMap<String, Window>,
    full_until: Option<DateTime<Utc>>,
}

impl Limiter {
    pub fn new(limit: u32, span: Duration, lock: Duration) -> Limiter {
        Limiter::bounded(limit, span, lock, MAX_KEYS)
    }

    pub fn bounded(limit: u32, span: Duration, lock: Duration, max_keys: usize) -> Limiter {
        Limiter {
            limit,
            span,
            lock,
            max_keys,
            map: Mutex::new(Keys::default()),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, Keys> {
        // Nothing panics while holding the lock; a poisoned map still holds whole windows.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Count one event for `key` now; refused when over the limit or locked.
    pub fn hit(&self, key: &str, now: DateTime<Utc>) -> Verdict {
        let mut guard = self.map();
        let keys = &mut *guard;
        if let Some(until) = keys
            .windows
            .get(key)
            .and_then(|w| w.locked_until)
            .filter(|t| *t > now)
        {
            return Verdict::Refused(until);
        }
        if !keys.windows.contains_key(key) && keys.windows.len() >= self.max_keys {
            if let Some(until) = keys.full_until.filter(|t| *t > now) {
                return Verdict::Refused(until);
            }
            let span = self.span;
            keys.windows.retain(|_, w| w.live(now, span));
            keys.full_until = None;
            if keys.windows.len() >= self.max_keys {
                // Every slot is a live window: the new key waits for one to end.
                let soonest = keys
                    .windows
                    .values()
                    .map(|w| w.locked_until.unwrap_or(w.start + span).max(w.start + span))
                    .min()
                    .unwrap_or(now + span);
                keys.full_until = Some(soonest);
                return Verdict::Refused(soonest);
            }
        }
        let w = keys.windows.entry(key.to_owned()).or_insert(Window {
            start: now,
            count: 0,
            locked_until: None,
        });
        if now - w.start >= self.span {
            *w = Window {
                start: now,
                count: 0,
                locked_until: None,
            };
        }
        w.count = w.count.saturating_add(1);
        if w.count > self.limit {
            let until = if self.lock > Duration::zero() {
                now + self.lock
            } else {
                w.start + self.span
            };
            if self.lock > Duration::zero() {
                w.locked_until = Some(until);
            }
            return Verdict::Refused(until);
        }
        Verdict::Allowed
    }

    /// Whether `key` is locked now (without counting anything).
    pub fn locked(&self, key: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.map()
            .windows
            .get(key)
            .and_then(|w| w.locked_until)
            .filter(|t| *t > now)
    }

    /// Count a failure for `key`; locks it once failures exceed the limit. The lock's end if so.
    pub fn fail(&self, key: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.hit(key, now) {
            Verdict::Allowed => None,
            Verdict::Refused(t) => Some(t),
        }
    }

    /// Forget `key` (an administrator unlocks it, or it succeeded).
    pub fn clear(&self, key: &str) {
        self.map().windows.remove(key);
    }

    /// Forget every key `pred` holds for; how many.
    pub fn clear_where(&self, pred: impl Fn(&str) -> bool) -> usize {
        let mut m = self.map();
        let before = m.windows.len();
        m.windows.retain(|k, _| !pred(k));
        m.full_until = None;
        before - m.windows.len()
    }

    /// The keys locked at `now`, with the lock's end.
    pub fn locks(&self, now: DateTime<Utc>) -> Vec<(String, DateTime<Utc>)> {
        let mut v: Vec<_> = self
            .map()
            .windows
            .iter()
            .filter_map(|(k, w)| w.locked_until.filter(|t| *t > now).map(|t| (k.clone(), t)))
            .collect();
        v.sort();
        v
    }

    /// Keys remembered now.
    pub fn len(&self) -> usize {
        self.map().windows.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The server's limits.
#[derive(Debug)]
pub struct Throttle {
    /// Public requests per client (the kiosk's allowance is checked against its own key).
    requests: Limiter,
    kiosk_requests: Limiter,
    /// Wrong lookup secrets per dossier and per client.
    secrets: Limiter,
    /// Failed sign-ins per address.
    sign_in_addresses: Limiter,
    /// Failed sign-ins per (account, address), keyed `account` NUL `address`.
    sign_in_pairs: Limiter,
    /// Sign-ins under names that are no account, per address, since the last audit line.
    unknown_sign_ins: Mutex<HashMap<String, u64>>,
    /// Ratings from the web per address.
    ratings: Limiter,
    /// Bookings made from the web per address (counted once made; the last one locks).
    bookings: Limiter,
    /// Booking codes looked up in vain per address.
    booking_misses: Limiter,
}

/// What a sign-in lock holds back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInLock {
    /// Every sign-in from an address.
    Address { address: String },
    /// An account's sign-ins from one address.
    Account { username: String, address: String },
}

fn pair_key(username: &str, address: &str) -> String {
    format!("{username}\0{address}")
}

impl Default for Throttle {
    fn default() -> Self {
        let minute = Duration::minutes(1);
        let lock = Duration::minutes(SECRET_LOCK_MINUTES);
        Throttle {
            requests: Limiter::new(REQUESTS_PER_MINUTE, minute, Duration::zero()),
            kiosk_requests: Limiter::new(KIOSK_REQUESTS_PER_MINUTE, minute, Duration::zero()),
            // The fifth wrong secret locks: four are allowed, the fifth is the one over.
            secrets: Limiter::new(WRONG_SECRETS - 1, lock, lock),
            sign_in_addresses: Limiter::new(
                SIGN_IN_FAILURES_PER_ADDRESS - 1,
                Duration::minutes(SIGN_IN_LOCK_MINUTES),
                Duration::minutes(SIGN_IN_LOCK_MINUTES),
            ),
            sign_in_pairs: Limiter::new(
                SIGN_IN_FAILURES_PER_ACCOUNT - 1,
                Duration::minutes(SIGN_IN_LOCK_MINUTES),
                Duration::minutes(SIGN_IN_LOCK_MINUTES),
            ),
            unknown_sign_ins: Mutex::default(),
            ratings: Limiter::new(RATINGS_PER_HOUR, Duration::hours(1), Duration::zero()),
            bookings: Limiter::new(BOOKINGS_PER_DAY - 1, Duration::days(1), Duration::days(1)),
            booking_misses: Limiter::new(
                BOOKING_MISSES_PER_HOUR - 1,
                Duration::hours(1),
                Duration::hours(1),
            ),
        }
    }
}

impl Throttle {
    /// Count a public request from `client` (an enrolled kiosk when `kiosk`); false when over.
    pub fn allow_request(&self, client: &str, kiosk: bool, now: DateTime<Utc>) -> bool {
        let l = if kiosk {
            &self.kiosk_requests
        } else {
            &self.requests
        };
        l.hit(client, now) == Verdict::Allowed
    }

    /// Count a rating from `client` on the web; false when it has rated too often this hour.
    pub fn allow_rating(&self, client: &str, now: DateTime<Utc>) -> bool {
        self.ratings.hit(client, now) == Verdict::Allowed
    }

    /// Whether `client` may book now (it has not made its bookings of the day).
    pub fn may_book(&self, client: &str, now: DateTime<Utc>) -> bool {
        self.bookings.locked(client, now).is_none()
    }

    /// Count a booking `client` made.
    pub fn booked(&self, client: &str, now: DateTime<Utc>) {
        self.bookings.fail(client, now);
    }

    /// Whether `client`'s booking lookups wait (too many codes that are no booking).
    pub fn booking_lookups_locked(&self, client: &str, now: DateTime<Utc>) -> bool {
        self.booking_misses.locked(client, now).is_some()
    }

    /// Count a booking code `client` looked up in vain.
    pub fn booking_missed(&self, client: &str, now: DateTime<Utc>) {
        self.booking_misses.fail(client, now);
    }

    /// Whether secret checks for this key are locked now.
    pub fn secret_locked(&self, key: &str, now: DateTime<Utc>) -> bool {
        self.secrets.locked(key, now).is_some()
    }

    /// Record a wrong secret for `key`; locks it after [`WRONG_SECRETS`] within the lock span.
    pub fn wrong_secret(&self, key: &str, now: DateTime<Utc>) {
        self.secrets.fail(key, now);
    }

    /// Until when sign-ins of `username` (when it names an account) from `address` wait.
    pub fn sign_in_locked(
        &self,
        username: Option<&str>,
        address: &str,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let by_address = self.sign_in_addresses.locked(address, now);
        let by_pair = username.and_then(|u| self.sign_in_pairs.locked(&pair_key(u, address), now));
        by_address.max(by_pair)
    }

    /// Count a failed sign-in (or a wrong current password) from `address`, of `username` when
    /// it names an account; until when that address (or pair) now waits, if it does.
    pub fn sign_in_failed(
        &self,
        username: Option<&str>,
        address: &str,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let by_address = self.sign_in_addresses.fail(address, now);
        let by_pair = username.and_then(|u| self.sign_in_pairs.fail(&pair_key(u, address), now));
        by_address.max(by_pair)
    }

    /// A sign-in succeeded: the pair's failures are forgotten (the address's are not, so a
    /// guesser cannot reset its count with an account of its own).
    pub fn sign_in_succeeded(&self, username: &str, address: &str) {
        self.sign_in_pairs.clear(&pair_key(username, address));
    }

    /// Count a sign-in under a name that is no account (told in the audit log in aggregate).
    pub fn unknown_sign_in(&self, address: &str) {
        let mut m = self
            .unknown_sign_ins
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let key = if m.contains_key(address) || m.len() < MAX_UNKNOWN_ADDRESSES {
            address
        } else {
            "*"
        };
        let n = m.entry(key.to_owned()).or_default();
        *n = n.saturating_add(1);
    }

    /// The counts of sign-ins under unknown names since the last call, per address (`*`: the
    /// addresses past the bound, together), largest first.
    pub fn take_unknown_sign_ins(&self) -> Vec<(String, u64)> {
        let m = std::mem::take(
            &mut *self
                .unknown_sign_ins
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        );
        let mut v: Vec<_> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// The sign-in locks in force, with their ends.
    pub fn sign_in_locks(&self, now: DateTime<Utc>) -> Vec<(SignInLock, DateTime<Utc>)> {
        let addresses = self
            .sign_in_addresses
            .locks(now)
            .into_iter()
            .map(|(address, t)| (SignInLock::Address { address }, t));
        let pairs = self.sign_in_pairs.locks(now).into_iter().map(|(k, t)| {
            let (username, address) = k.split_once('\0').unwrap_or((k.as_str(), ""));
            (
                SignInLock::Account {
                    username: username.to_owned(),
                    address: address.to_owned(),
                },
                t,
            )
        });
        addresses.chain(pairs).collect()
    }

    /// Lift the sign-in locks of `username` (from every address) and of `address` (for every
    /// account); how many were lifted.
    pub fn sign_in_unlock(&self, username: Option<&str>, address: Option<&str>) -> usize {
        let mut n = 0;
        if let Some(a) = address {
            n += self.sign_in_addresses.clear_where(|k| k == a);
        }
        n + self.sign_in_pairs.clear_where(|k| {
            let (u, ad) = k.split_once('\0').unwrap_or((k, ""));
            username.is_some_and(|x| x == u) || address.is_some_and(|x| x == ad)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 11, 10, 2, 0, 0).unwrap()
    }

    #[test]
    fn windows_reset_and_locks_expire() {
        let t = Throttle::default();
        let t0 = t0();
        for _ in 0..REQUESTS_PER_MINUTE {
            assert!(t.allow_request("a", false, t0));
        }
        assert!(!t.allow_request("a", false, t0));
        assert!(t.allow_request("b", false, t0));
        assert!(
            t.allow_request("a", true, t0),
            "a kiosk has its own allowance"
        );
        assert!(t.allow_request("a", false, t0 + Duration::minutes(1)));
        for _ in 0..WRONG_SECRETS - 1 {
            t.wrong_secret("code", t0);
        }
        assert!(!t.secret_locked("code", t0));
        t.wrong_secret("code", t0);
        assert!(t.secret_locked("code", t0 + Duration::minutes(14)));
        assert!(!t.secret_locked("code", t0 + Duration::minutes(16)));
    }

    #[test]
    fn a_flood_of_new_keys_never_wipes_an_active_lockout() {
        let l = Limiter::bounded(0, Duration::minutes(1), Duration::minutes(15), 1000);
        let t0 = t0();
        assert!(l.fail("the dossier", t0).is_some());
        // 100,500 other keys, each failing once: the map stays bounded, the lock stays.
        for i in 0..100_500u32 {
            let _ = l.fail(
                &format!("spray-{i}"),
                t0 + Duration::seconds(i64::from(i % 50)),
            );
        }
        assert!(l.len() <= 1000);
        assert!(
            l.locked("the dossier", t0 + Duration::minutes(10))
                .is_some()
        );
        // While every slot holds a live lockout, a new key is refused until the first one ends.
        let t5 = t0 + Duration::minutes(5);
        assert!(matches!(l.hit("newcomer", t5), Verdict::Refused(t) if t > t5));
        assert!(
            l.locked("newcomer", t5).is_none(),
            "refused for room, not locked"
        );
        // Once the lockouts end, their slots are taken again: the late key gets its own lock.
        let t20 = t0 + Duration::minutes(20);
        assert_eq!(l.fail("late", t20), Some(t20 + Duration::minutes(15)));
        assert!(l.locked("late", t20).is_some());
        assert!(l.locked("the dossier", t20).is_none());
    }

    #[test]
    fn sign_in_locks_hold_one_address_and_one_pair() {
        let t = Throttle::default();
        let t0 = t0();
        for i in 1..SIGN_IN_FAILURES_PER_ACCOUNT {
            assert_eq!(t.sign_in_failed(Some("admin"), "10.0.0.9", t0), None, "{i}");
        }
        let until = t.sign_in_failed(Some("admin"), "10.0.0.9", t0).unwrap();
        assert_eq!(until, t0 + Duration::minutes(SIGN_IN_LOCK_MINUTES));
        assert!(t.sign_in_locked(Some("admin"), "10.0.0.9", t0).is_some());
        // The real user on another address is not held back; nor is another account here.
        assert!(t.sign_in_locked(Some("admin"), "10.0.0.1", t0).is_none());
        assert!(
            t.sign_in_locked(Some("tiepnhan1"), "10.0.0.9", t0)
                .is_none()
        );
        // Unknown names count against the address only, up to its own bound.
        for _ in SIGN_IN_FAILURES_PER_ACCOUNT..SIGN_IN_FAILURES_PER_ADDRESS - 1 {
            assert_eq!(t.sign_in_failed(None, "10.0.0.9", t0), None);
        }
        assert!(t.sign_in_failed(None, "10.0.0.9", t0).is_some());
        assert!(
            t.sign_in_locked(Some("tiepnhan1"), "10.0.0.9", t0)
                .is_some()
        );
        assert!(t.sign_in_locked(Some("admin"), "10.0.0.1", t0).is_none());
        assert_eq!(t.sign_in_locks(t0).len(), 2);
        // An administrator lifts them; a success forgets the pair's failures.
        assert_eq!(t.sign_in_unlock(Some("admin"), Some("10.0.0.9")), 2);
        assert!(t.sign_in_locked(Some("admin"), "10.0.0.9", t0).is_none());
        assert!(t.sign_in_locks(t0).is_empty());
        // They end by themselves too.
        for _ in 0..SIGN_IN_FAILURES_PER_ACCOUNT {
            t.sign_in_failed(Some("admin"), "10.0.0.9", t0);
        }
        let later = t0 + Duration::minutes(SIGN_IN_LOCK_MINUTES) + Duration::seconds(1);
        assert!(t.sign_in_locked(Some("admin"), "10.0.0.9", later).is_none());
    }

    #[test]
    fn unknown_names_are_counted_per_address_within_a_bound() {
        let t = Throttle::default();
        for _ in 0..3 {
            t.unknown_sign_in("10.0.0.9");
        }
        for i in 0..MAX_UNKNOWN_ADDRESSES + 5 {
            t.unknown_sign_in(&format!("spray-{i}"));
        }
        let v = t.take_unknown_sign_ins();
        assert!(v.len() <= MAX_UNKNOWN_ADDRESSES + 1);
        // One slot holds 10.0.0.9: the last six addresses are counted together, first.
        assert_eq!(v[0], ("*".to_owned(), 6));
        assert!(v.contains(&("10.0.0.9".to_owned(), 3)));
        assert_eq!(
            v.iter().map(|(_, n)| n).sum::<u64>(),
            3 + MAX_UNKNOWN_ADDRESSES as u64 + 5
        );
        assert!(t.take_unknown_sign_ins().is_empty(), "taken once");
    }

    #[test]
    fn ipv6_clients_are_grouped_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        assert_eq!(client_key("::ffff:10.0.0.7".parse().unwrap()), "10.0.0.7");
        assert_eq!(client_key("10.0.0.7".parse().unwrap()), "10.0.0.7");
    }
}
