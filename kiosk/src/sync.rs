//! The sync client: enrolment, the pull loop (long-polled change feed, one transaction per page,
//! a fresh snapshot when the server says so), the push loop draining the outbox with backoff,
//! and heartbeats. It runs on its own threads; the UI only reads the store and the status.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use motcua_client::{Client, ClientError, Timeouts};
use motcua_core::devices::{PrinterStatus, ScannerState};
use motcua_protocol::sync::{
    ChangesQuery, EventBatch, Heartbeat, KioskEvent, KioskEventBody, KioskFault,
};

use crate::store::{Pending, RawPage, Store, StoreError};

/// Longest time between flushed pages while pages follow each other (a snapshot).
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// Why a sync step failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the server is unreachable: {0}")]
    Unreachable(String),
    #[error("the server refused: {status} {code}")]
    Refused { status: u16, code: String },
    #[error("the kiosk is not enrolled")]
    NotEnrolled,
    #[error("the server's answer does not read: {0}")]
    Decode(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ClientError> for SyncError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Unreachable(m) => SyncError::Unreachable(m),
            ClientError::Refused { status, error } => SyncError::Refused {
                status,
                code: error.code,
            },
            ClientError::Unexpected { status, .. } => SyncError::Refused {
                status,
                code: String::new(),
            },
            other => SyncError::Decode(other.to_string()),
        }
    }
}

/// Device state reported in heartbeats (kept up to date by the UI side).
#[derive(Debug)]
pub struct Health {
    pub online: AtomicBool,
    pub printer: std::sync::Mutex<PrinterStatus>,
    pub scanner: std::sync::Mutex<ScannerState>,
    pub started: Instant,
    /// An enrolment code scanned at the kiosk (the console's enrolment QR), for the sync thread
    /// of a kiosk not enrolled yet.
    pub enrolment: std::sync::Mutex<Option<String>>,
    /// Whether the kiosk is enrolled (kept by the sync thread).
    pub enrolled: AtomicBool,
    /// When a visitor last asked for a member of staff (sent with every heartbeat).
    pub help_requested_at: std::sync::Mutex<Option<chrono::DateTime<chrono::FixedOffset>>>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            online: AtomicBool::new(false),
            printer: std::sync::Mutex::new(PrinterStatus::Unknown),
            scanner: std::sync::Mutex::new(ScannerState::None),
            started: Instant::now(),
            enrolment: std::sync::Mutex::new(None),
            enrolled: AtomicBool::new(false),
            help_requested_at: std::sync::Mutex::new(None),
        }
    }
}

impl Health {
    fn printer(&self) -> PrinterStatus {
        self.printer.lock().map_or(PrinterStatus::Unknown, |g| *g)
    }

    fn scanner(&self) -> ScannerState {
        self.scanner.lock().map_or(ScannerState::None, |g| *g)
    }
}

/// Talks to the central server for one kiosk: the device token is kept in the store and goes
/// with every call.
#[derive(Debug, Clone)]
pub struct SyncClient {
    client: Client,
    pub store: Store,
    pub health: Arc<Health>,
}

impl SyncClient {
    pub fn new(base: &str, store: Store, health: Arc<Health>) -> Result<SyncClient, SyncError> {
        let client = Client::with_timeouts(
            base,
            Timeouts {
                connect: Duration::from_secs(3),
                // A long-poll waits up to 25 s.
                total: Duration::from_secs(60),
            },
        )?;
        Ok(SyncClient {
            client,
            store,
            health,
        })
    }

    fn token(&self) -> Result<String, SyncError> {
        self.store.state("token")?.ok_or(SyncError::NotEnrolled)
    }

    /// The client with this kiosk's device token.
    fn api(&self) -> Result<Client, SyncError> {
        Ok(self.client.with_token(self.token()?))
    }

    pub fn enrolled(&self) -> bool {
        matches!(self.store.state("token"), Ok(Some(_)))
    }

    /// Exchange the one-time enrolment code for a device token.
    pub async fn enrol(&self, code: &str) -> Result<(), SyncError> {
        let e = self.client.enrol(code).await?;
        self.store
            .set_state(&[("token", &e.token), ("kiosk_id", &e.kiosk_id)])?;
        Ok(())
    }

    fn mark(&self, online: bool) {
        self.health.online.store(online, Ordering::Relaxed);
    }

    /// Note whether the server answered.
    fn seen<T>(&self, r: Result<T, ClientError>) -> Result<T, SyncError> {
        match &r {
            Err(ClientError::Unreachable(_)) => self.mark(false),
            _ => self.mark(true),
        }
        Ok(r?)
    }

    /// Pull once from the stored cursor (long-polling up to `wait` seconds when nothing is
    /// new), applying every page until none is left. Returns the number of changes applied.
    /// While a page is written to the replica the next one is already asked for, so the
    /// server's work and the kiosk's overlap.
    pub async fn pull(&self, wait: u64) -> Result<usize, SyncError> {
        let api = self.api()?;
        let mut applied = 0;
        let cursor = self.store.state("cursor")?;
        let mut fetched = self.fetch(&api, cursor.as_deref(), wait).await;
        let mut last_flush = std::time::Instant::now();
        loop {
            let page = match fetched? {
                Some(page) => page,
                None => {
                    // Told to start over: the next page is a snapshot that resets the replica.
                    self.store.set_state(&[("cursor", "")])?;
                    fetched = self.fetch(&api, None, 0).await;
                    continue;
                }
            };
            applied += page.changes.len();
            if !page.more {
                self.store.apply(&page, true)?;
                return Ok(applied);
            }
            // More pages follow at once: flushed every few seconds, not each (a crash resumes
            // from the last flushed page).
            let durable = last_flush.elapsed() >= FLUSH_EVERY;
            if durable {
                last_flush = std::time::Instant::now();
            }
            let next = page.cursor.clone();
            let store = self.store.clone();
            let (written, next_page) = tokio::join!(
                tokio::task::spawn_blocking(move || store.apply(&page, durable)),
                self.fetch(&api, Some(&next), 0)
            );
            written.map_err(|e| StoreError::new(format!("writing a page stopped: {e}")))??;
            fetched = next_page;
        }
    }

    /// One page of the feed after `since`; `None` when the server says to resnapshot.
    async fn fetch(
        &self,
        api: &Client,
        since: Option<&str>,
        wait: u64,
    ) -> Result<Option<RawPage>, SyncError> {
        let q = ChangesQuery {
            since: since.filter(|s| !s.is_empty()).map(str::to_owned),
            limit: Some(2000),
            wait: Some(wait),
        };
        match self.seen(api.changes_raw(&q).await)? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| SyncError::Decode(e.to_string())),
            None => Ok(None),
        }
    }

    /// Push the outbox until empty (batches of up to 500); the number of events acknowledged.
    /// Events the server refuses for good are acknowledged too (it keeps them, with why, for
    /// the fleet console), so one never blocks the others.
    pub async fn push(&self) -> Result<usize, SyncError> {
        let api = self.api()?;
        let mut total = 0;
        loop {
            let pending = self.store.pending(500)?;
            if pending.is_empty() {
                return Ok(total);
            }
            let events = pending.iter().map(readable).collect();
            let ack = self.seen(api.push_events(&EventBatch { events }).await)?;
            for r in &ack.rejected {
                tracing::warn!(seq = r.seq, code = %r.code, "the server refused an event for good");
            }
            let before = self.store.outbox_depth()?;
            self.store.acknowledge(ack.acked)?;
            let after = self.store.outbox_depth()?;
            total += (before - after) as usize;
            if before == after {
                // Nothing acknowledged (a gap the server waits for): try again later.
                return Ok(total);
            }
        }
    }

    pub async fn heartbeat(&self) -> Result<(), SyncError> {
        let api = self.api()?;
        let h = Heartbeat {
            app_version: crate::VERSION.to_owned(),
            uptime_s: self.health.started.elapsed().as_secs(),
            cursor: self.store.state("cursor")?,
            outbox_depth: self.store.outbox_depth()?,
            printer: self.health.printer(),
            scanner: self.health.scanner(),
            free_disk_mb: self.store.free_disk_mb(),
            protocol: motcua_protocol::VERSION,
            help_requested_at: self.health.help_requested_at.lock().ok().and_then(|g| *g),
        };
        self.seen(api.heartbeat(&h).await)
    }

    /// Like [`SyncClient::spawn`], enrolling first with `code` if the kiosk is not enrolled
    /// yet (trying again with backoff while the server cannot be reached).
    pub fn spawn_enrolling(
        self,
        code: Option<String>,
        stop: Arc<AtomicBool>,
    ) -> std::thread::JoinHandle<()> {
        self.spawn_with(code, stop)
    }

    /// Run the pull, push and heartbeat loops on a runtime of their own until `stop` is set.
    pub fn spawn(self, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
        self.spawn_with(None, stop)
    }

    fn spawn_with(
        self,
        code: Option<String>,
        stop: Arc<AtomicBool>,
    ) -> std::thread::JoinHandle<()> {
        std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(async move {
                        if self.enrol_until_done(code, &stop).await {
                            self.run(stop).await;
                        }
                    }),
                    Err(e) => tracing::error!(error = %e, "no runtime for the sync thread"),
                }
            })
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot start the sync thread");
                std::thread::spawn(|| {})
            })
    }

    /// Enrol with `code` — or, without one, with the code a technician scans at the kiosk
    /// (the console's enrolment QR) — unless already enrolled, retrying while the server is
    /// unreachable; a refused code waits for another scan. False only when stopped.
    async fn enrol_until_done(&self, code: Option<String>, stop: &AtomicBool) -> bool {
        let mut backoff = Duration::from_secs(1);
        let mut code = code;
        let mut said = false;
        while !self.enrolled() {
            if let Some(scanned) = self.health.enrolment.lock().ok().and_then(|mut s| s.take()) {
                code = Some(scanned);
            }
            let Some(current) = code.clone() else {
                if !said {
                    tracing::warn!(
                        "not enrolled: waiting for the enrolment QR from the fleet console to be scanned"
                    );
                    said = true;
                }
                if stop.load(Ordering::Relaxed) {
                    return false;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            };
            match self.enrol(&current).await {
                Ok(()) => break,
                Err(SyncError::Unreachable(e)) => {
                    tracing::warn!(error = %e, "cannot reach the server to enrol; trying again");
                }
                Err(e) => {
                    tracing::error!(error = %e, "enrolment refused; waiting for another code");
                    code = None;
                    said = false;
                    continue;
                }
            }
            let until = tokio::time::Instant::now() + backoff;
            while tokio::time::Instant::now() < until {
                if stop.load(Ordering::Relaxed) {
                    return false;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            backoff = (backoff * 2).min(Duration::from_secs(60));
        }
        self.health.enrolled.store(true, Ordering::Relaxed);
        true
    }

    async fn run(self, stop: Arc<AtomicBool>) {
        let pull = {
            let c = self.clone();
            let stop = stop.clone();
            async move {
                let mut backoff = Duration::from_secs(1);
                while !stop.load(Ordering::Relaxed) {
                    match c.pull(25).await {
                        Ok(_) => backoff = Duration::from_secs(1),
                        Err(e) => {
                            tracing::warn!(error = %e, "pull failed");
                            tokio::time::sleep(backoff).await;
                            backoff = (backoff * 2).min(Duration::from_secs(60));
                        }
                    }
                }
            }
        };
        let push = {
            let c = self.clone();
            let stop = stop.clone();
            async move {
                let mut backoff = Duration::from_secs(2);
                let mut next_beat = tokio::time::Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    let ok = match c.push().await {
                        Ok(_) => true,
                        Err(e) => {
                            tracing::warn!(error = %e, "push failed");
                            false
                        }
                    };
                    if tokio::time::Instant::now() >= next_beat {
                        let _ = c.heartbeat().await;
                        next_beat += Duration::from_secs(10);
                    }
                    backoff = if ok {
                        Duration::from_secs(2)
                    } else {
                        (backoff * 2).min(Duration::from_secs(60))
                    };
                    tokio::time::sleep(backoff).await;
                }
            }
        };
        // Stop within a tenth of a second even in the middle of a long-poll, so the replica
        // is closed cleanly when the kiosk quits (a page being written finishes first).
        let stopped = async move {
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        tokio::select! {
            _ = async { tokio::join!(pull, push) } => {}
            () = stopped => {}
        }
    }
}

/// An outbox entry as an event. One that no longer reads (a damaged disk) goes as a fault under
/// its own sequence number, so the sequence stays contiguous and the server can acknowledge past
/// it.
fn readable(p: &Pending) -> KioskEvent {
    serde_json::from_value(p.json.clone()).unwrap_or_else(|e| KioskEvent {
        id: uuid::Uuid::new_v4(),
        seq: p.seq,
        at: crate::app::now_vn(),
        body: KioskEventBody::Error(KioskFault {
            code: "outbox.unreadable".into(),
            detail: e.to_string(),
        }),
    })
}
