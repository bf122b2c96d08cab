//! # motcua-server
//!
//! The central server: the whole dossier workflow over HTTP on an embedded redb file, staff
//! accounts and roles, the audit log, demo data. Every transition is checked by
//! `motcua_core::workflow`; every instant it answers is RFC 3339 in Vietnam time.
//!
//! # Layout
//!
//! - [`config`]: defaults, TOML file, `MOTCUA_*` environment overrides.
//! - [`calendars`]: the working-time calendar in use, and the years loaded through the API.
//! - [`store`]: redb tables (versioned), the group-commit writer, index maintenance.
//! - [`changes`]: the change feed kiosks pull (compacted by key) and the kiosk projection.
//! - [`model`]: what is stored (agencies, procedures, dossiers, users, sessions, audit).
//! - [`auth`]: argon2id, session tokens, lockout, what each role may see and do.
//! - [`api`]: routes per resource (`auth`, `dossiers`, `admin`, `misc`, `public`, `feedback`,
//!   `ratings`, `kiosks`, `sync`, `feed`, `centres`, `reports`), JSON errors.
//! - [`views`]: what staff see of a dossier, kept ready by every write.
//! - [`kiosk_views`]: what kiosks receive of a dossier, kept ready the same way.
//! - [`reports`]: report counters kept by every write (a report reads counters, not dossiers).
//! - [`seed`]: demo data for a believable Đắk Lắk centre.
//! - [`metrics`]: Prometheus text.
//! - [`clock`]: system or manual time.
//! - [`sessions`]: the in-memory session cache.
//! - [`throttle`]: rate limits of the public lookup.
//!
//! [`router`] builds the app without a socket (tests drive it directly); [`spawn`] serves it.

pub mod api;
pub mod auth;
pub mod calendars;
pub mod changes;
pub mod clock;
pub mod config;
pub mod error;
pub mod kiosk_views;
pub mod metrics;
pub mod model;
pub mod reports;
pub mod seed;
pub mod sessions;
pub mod store;
pub mod throttle;
pub mod views;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use motcua_core::Calendar;
use redb::ReadableTableMetadata;

pub use clock::Clock;
pub use config::Config;
use error::ApiError;
use store::Store;

/// The crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub cal: Arc<calendars::SharedCalendar>,
    pub clock: Clock,
    pub metrics: Arc<metrics::Metrics>,
    pub sessions: Arc<sessions::SessionCache>,
    pub throttle: Arc<throttle::Throttle>,
    pub config: Arc<Config>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Open(#[from] store::OpenError),
    #[error("cannot read the calendar file {0}: {1}")]
    CalendarFile(String, std::io::Error),
    #[error("invalid calendar: {0}")]
    Calendar(#[from] motcua_core::calendar::CalendarError),
    #[error("cannot read the calendar years in the store: {0}")]
    StoredCalendar(String),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("cannot create the first administrator: {}", .0.message.en)]
    Bootstrap(ApiError),
}

impl AppState {
    /// Open the store and load the calendar named by `config`.
    pub fn open(config: Config, clock: Clock) -> Result<AppState, StartError> {
        let cal = match &config.calendar {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| StartError::CalendarFile(p.display().to_string(), e))?;
                Calendar::from_toml(&text)?
            }
            None => Calendar::vietnam_default(),
        };
        let store = Store::open_with_cache(&config.data_dir, config.cache_mb * 1024 * 1024)?;
        let shared = calendars::SharedCalendar::new(cal);
        let stored = store
            .read_blocking(calendars::stored_years)
            .map_err(|e| StartError::StoredCalendar(e.message.en))?;
        let with_stored = shared.with_years(stored.iter().map(|s| &s.year))?;
        shared.install(with_stored);
        warn_about_coverage(&shared.get(), clock.now_vn());
        Ok(AppState {
            store,
            cal: Arc::new(shared),
            clock,
            metrics: Arc::default(),
            sessions: Arc::default(),
            throttle: Arc::default(),
            config: Arc::new(config),
        })
    }

    /// On an empty account table, create the system administrator `admin` with a one-time
    /// password, returned so that it can be printed once.
    pub fn bootstrap_admin(&self) -> Result<Option<String>, StartError> {
        let empty = self
            .store
            .read_blocking(|txn| Ok(txn.open_table(store::USERS)?.is_empty()?))
            .map_err(StartError::Bootstrap)?;
        if !empty {
            return Ok(None);
        }
        let password = auth::one_time_password();
        let hash = auth::hash_password(&password);
        let now = self.clock.now_vn();
        let created = self
            .store
            .write_blocking(move |txn| {
                let n = api::admin::NewUser {
                    username: "admin".into(),
                    full_name: "Quản trị hệ thống".into(),
                    role: model::Role::SystemAdmin,
                    agency: None,
                };
                let r = api::admin::insert_user(txn, &n, "admin", hash, true, now)?;
                if r.is_ok() {
                    store::append_audit(
                        txn,
                        api::auth::audit_entry(
                            now,
                            "system",
                            "local",
                            "create_user",
                            "admin",
                            "ok",
                        ),
                    )?;
                }
                Ok(r.is_ok())
            })
            .map_err(StartError::Bootstrap)?;
        Ok(created.then_some(password))
    }
}

/// Say at start when the calendar runs out within three months: deadlines computed after that
/// are refused until the next year is loaded.
fn warn_about_coverage(cal: &Calendar, now: chrono::DateTime<chrono::FixedOffset>) {
    let today = now.date_naive();
    match cal.covered_until(today) {
        None => tracing::error!(
            %today,
            "the working-time calendar does not hold this year: every deadline will be refused \
             until it is loaded (PUT /api/v1/admin/calendar/years/{{year}})"
        ),
        Some(end) if (end - today).num_days() < 92 => tracing::warn!(
            covered_until = %end,
            "the working-time calendar ends soon: load the next year's notice"
        ),
        Some(_) => {}
    }
}

async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    let status = res.status().as_u16();
    st.metrics.record(&method, &route, status, start.elapsed());
    if status >= 500 {
        tracing::warn!(%method, %route, status, "request failed");
    } else {
        tracing::debug!(%method, %route, status, elapsed_us = start.elapsed().as_micros() as u64, "request");
    }
    res
}

async fn not_found() -> impl IntoResponse {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Không có địa chỉ này.",
        "No such route.",
    )
}

/// The whole app, for a socket or for tests.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .merge(api::auth::router())
        .merge(api::dossiers::router())
        .merge(api::admin::router())
        .merge(api::misc::router())
        .merge(api::calendar::router())
        .merge(api::public::router())
        .merge(api::feedback::router())
        .merge(api::ratings::router())
        .merge(api::kiosks::router())
        .merge(api::sync::router())
        .merge(api::feed::router())
        .merge(api::centres::router())
        .merge(api::reports::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

/// A server running in the background.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stop accepting, finish the requests under way, and return.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
    }
}

/// Bind `state.config.listen` (port 0 picks a free one) and serve until [`Running::stop`].
pub async fn spawn(state: AppState) -> Result<Running, StartError> {
    let addr = state.config.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| StartError::Listen(addr, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Listen(addr, e))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(state.clone());
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.await;
        })
        .await
    });
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        task,
    })
}
