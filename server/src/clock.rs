//! The server's clock. Production reads the system time; tests set and advance a manual clock,
//! so session expiry, lockouts and deadlines are tested without waiting.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, FixedOffset, Timelike, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    pub fn system() -> Self {
        Clock { manual: None }
    }

    /// A clock that stands at `at` until told otherwise.
    pub fn manual(at: DateTime<Utc>) -> Self {
        Clock {
            manual: Some(Arc::new(Mutex::new(at))),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            Some(m) => *m.lock().expect("clock lock"),
            None => Utc::now(),
        }
    }

    /// Now, in Vietnam time (what staff read).
    /// Whole seconds: what the workflow records.
    pub fn now_vn(&self) -> DateTime<FixedOffset> {
        let t = self.now().with_timezone(&vn());
        t.with_nanosecond(0).unwrap_or(t)
    }

    /// Move a manual clock forward; no effect on the system clock.
    pub fn advance(&self, by: Duration) {
        if let Some(m) = &self.manual {
            *m.lock().expect("clock lock") += by;
        }
    }

    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(m) = &self.manual {
            *m.lock().expect("clock lock") = at;
        }
    }
}

/// UTC+7, Vietnam's offset.
pub fn vn() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("+07:00")
}
