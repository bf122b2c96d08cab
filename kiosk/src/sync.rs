//! The sync client: enrolment, the pull loop (long-polled change feed, one transaction per page,
//! a fresh snapshot when the server says so), the push loop draining the outbox with backoff,
//! and heartbeats. It runs on its own threads; the UI only reads the store and the status.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use motcua_core::devices::{PrinterStatus, ScannerState};
use serde_json::{Value, json};

use crate::store::{RawPage, Store, StoreError};

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
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<reqwest::Error> for SyncError {
    fn from(e: reqwest::Error) -> Self {
        SyncError::Unreachable(e.to_string())
    }
}

/// Device state reported in heartbeats (kept up to date by the UI side).
#[derive(Debug)]
pub struct Health {
    pub online: AtomicBool,
    pub printer: std::sync::Mutex<PrinterStatus>,
    pub scanner: std::sync::Mutex<ScannerState>,
    pub started: Instant,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            online: AtomicBool::new(false),
            printer: std::sync::Mutex::new(PrinterStatus::Unknown),
            scanner: std::sync::Mutex::new(ScannerState::None),
            started: Instant::now(),
        }
    }
}

/// Talks to the central server for one kiosk.
#[derive(Debug, Clone)]
pub struct SyncClient {
    pub base: String,
    http: reqwest::Client,
    pub store: Store,
    pub health: Arc<Health>,
}

async fn refused(r: reqwest::Response) -> SyncError {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    SyncError::Refused {
        status,
        code: v["error"]["code"].as_str().unwrap_or("").to_owned(),
    }
}

impl SyncClient {
    pub fn new(base: &str, store: Store, health: Arc<Health>) -> SyncClient {
        SyncClient {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(3))
                .timeout(Duration::from_secs(60))
                .build()
                .expect("an HTTP client"),
            store,
            health,
        }
    }

    fn token(&self) -> Result<String, SyncError> {
        self.store.state("token")?.ok_or(SyncError::NotEnrolled)
    }

    pub fn enrolled(&self) -> bool {
        matches!(self.store.state("token"), Ok(Some(_)))
    }

    /// Exchange the one-time enrolment code for a device token and the hash key.
    pub async fn enrol(&self, code: &str) -> Result<(), SyncError> {
        let r = self
            .http
            .post(format!("{}/api/v1/sync/enrol", self.base))
            .json(&json!({"enrolment_code": code}))
            .send()
            .await?;
        if !r.status().is_success() {
            return Err(refused(r).await);
        }
        let v: Value = r.json().await?;
        let get = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        self.store.set_state(&[
            ("token", &get("token")),
            ("hash_key", &get("hash_key")),
            ("kiosk_id", &get("kiosk_id")),
        ])?;
        Ok(())
    }

    fn mark(&self, online: bool) {
        self.health.online.store(online, Ordering::Relaxed);
    }

    /// Pull once from the stored cursor (long-polling up to `wait` seconds when nothing is
    /// new), applying every page until none is left. Returns the number of changes applied.
    /// While a page is written to the replica the next one is already asked for, so the
    /// server's work and the kiosk's overlap.
    pub async fn pull(&self, wait: u64) -> Result<usize, SyncError> {
        let token = self.token()?;
        let mut applied = 0;
        let cursor = self.store.state("cursor")?;
        let mut fetched = self.fetch(&token, cursor.as_deref(), wait).await;
        let mut last_flush = std::time::Instant::now();
        loop {
            let page = match fetched? {
                Some(page) => page,
                None => {
                    // Told to start over: the next page is a snapshot that resets the replica.
                    self.store.set_state(&[("cursor", "")])?;
                    fetched = self.fetch(&token, None, 0).await;
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
                self.fetch(&token, Some(&next), 0)
            );
            written.map_err(|e| StoreError::new(format!("writing a page stopped: {e}")))??;
            fetched = next_page;
        }
    }

    /// One page of the feed after `since`; `None` when the server says to resnapshot.
    async fn fetch(
        &self,
        token: &str,
        since: Option<&str>,
        wait: u64,
    ) -> Result<Option<RawPage>, SyncError> {
        let mut url = format!("{}/api/v1/sync/changes?limit=2000&wait={wait}", self.base);
        if let Some(c) = since {
            url.push_str(&format!("&since={c}"));
        }
        let r = match self.http.get(url).bearer_auth(token).send().await {
            Ok(r) => r,
            Err(e) => {
                self.mark(false);
                return Err(e.into());
            }
        };
        self.mark(true);
        if r.status() == reqwest::StatusCode::GONE {
            return Ok(None);
        }
        if !r.status().is_success() {
            return Err(refused(r).await);
        }
        Ok(Some(r.json().await?))
    }

    /// Push the outbox until empty (batches of up to 500); the number of events acknowledged.
    pub async fn push(&self) -> Result<usize, SyncError> {
        let token = self.token()?;
        let mut total = 0;
        loop {
            let pending = self.store.pending(500)?;
            if pending.is_empty() {
                return Ok(total);
            }
            let events: Vec<&Value> = pending.iter().map(|p| &p.json).collect();
            let r = match self
                .http
                .post(format!("{}/api/v1/sync/events", self.base))
                .bearer_auth(&token)
                .json(&json!({ "events": events }))
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    self.mark(false);
                    return Err(e.into());
                }
            };
            self.mark(true);
            if !r.status().is_success() {
                return Err(refused(r).await);
            }
            let v: Value = r.json().await?;
            let acked = v["acked"].as_u64().unwrap_or(0);
            let before = self.store.outbox_depth()?;
            self.store.acknowledge(acked)?;
            let after = self.store.outbox_depth()?;
            total += (before - after) as usize;
            if before == after {
                // Nothing acknowledged (a gap the server waits for): try again later.
                return Ok(total);
            }
        }
    }

    pub async fn heartbeat(&self) -> Result<(), SyncError> {
        let token = self.token()?;
        let printer = *self.health.printer.lock().expect("health lock");
        let scanner = *self.health.scanner.lock().expect("health lock");
        let free_disk_mb = 0;
        let r = self
            .http
            .post(format!("{}/api/v1/sync/heartbeat", self.base))
            .bearer_auth(&token)
            .json(&json!({
                "app_version": crate::VERSION,
                "uptime_s": self.health.started.elapsed().as_secs(),
                "cursor": self.store.state("cursor")?,
                "outbox_depth": self.store.outbox_depth()?,
                "printer": printer,
                "scanner": scanner,
                "free_disk_mb": free_disk_mb,
            }))
            .send()
            .await;
        match r {
            Ok(r) if r.status().is_success() => {
                self.mark(true);
                Ok(())
            }
            Ok(r) => Err(refused(r).await),
            Err(e) => {
                self.mark(false);
                Err(e.into())
            }
        }
    }

    /// Run the pull, push and heartbeat loops on a runtime of their own until `stop` is set.
    pub fn spawn(self, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
        std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                rt.block_on(self.run(stop));
            })
            .expect("spawn the sync thread")
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
