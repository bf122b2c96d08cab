//! An in-memory cache of live sessions, so that authenticating a request costs no database read.
//!
//! Every change to sessions or accounts goes through this process's writer, and each such change
//! invalidates the cache after its commit. A reader that loaded a session from the store only
//! caches it if no invalidation happened meanwhile (the epoch check), so a revoked session is
//! never served from the cache.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::db::model::{Session, User};

/// Most sessions kept; past it the cache starts over (it refills from the store).
const MAX_ENTRIES: usize = 50_000;

#[derive(Debug, Default)]
pub struct SessionCache {
    map: RwLock<HashMap<String, (Session, User)>>,
    epoch: AtomicU64,
}

impl SessionCache {
    pub fn get(&self, key: &str) -> Option<(Session, User)> {
        self.map.read().expect("session cache").get(key).cloned()
    }

    /// The epoch to pass to [`SessionCache::insert`]: read it before reading the store.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Cache what was read from the store, unless something was invalidated since `epoch`.
    pub fn insert(&self, epoch: u64, key: String, session: Session, user: User) {
        let mut map = self.map.write().expect("session cache");
        if self.epoch.load(Ordering::SeqCst) != epoch {
            return;
        }
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, (session, user));
    }

    /// Forget one session (logout).
    pub fn forget(&self, key: &str) {
        let mut map = self.map.write().expect("session cache");
        self.epoch.fetch_add(1, Ordering::SeqCst);
        map.remove(key);
    }

    /// Forget every session of an account (its password or rights changed).
    pub fn forget_user(&self, username: &str) {
        let mut map = self.map.write().expect("session cache");
        self.epoch.fetch_add(1, Ordering::SeqCst);
        map.retain(|_, (s, _)| s.username != username);
    }
}
