//! # motcua-server
//!
//! The central server: the whole dossier workflow over HTTP on an embedded redb file, staff
//! accounts and roles, the audit log, the kiosk fleet and its change feed, reports, demo data.
//! Every transition is checked by `motcua_core::workflow`; every instant it answers is RFC 3339
//! in Vietnam time.
//!
//! # Layout
//!
//! In layers, each depending only on those before it:
//!
//! 1. [`db`]: the redb file, its tables and records, the single writer (a [`db::Tx`] per job,
//!    topics published after each durable commit), the change feed's log.
//! 2. [`ops`]: one function per operation (receive, act, sign in, enrol, push events, answer
//!    feedback, load a calendar year, …), with who may do it; errors as [`ops::Error`] kinds,
//!    no HTTP.
//! 3. [`projections`]: what is kept ready for reading (staff views, kiosk forms, report
//!    counters) and built from it (feed pages, reports); plugged into the store's writes as
//!    [`db::Hooks`].
//! 4. [`http`]: routes, extractors, the error → status mapping.
//!
//! Beside them: [`config`], [`clock`] (system or manual time), [`calendars`] (the working-time
//! calendar in use), [`sessions`] (the session cache), [`throttle`] (rate limits),
//! [`metrics`], [`seed`] (demo data, through `ops` and bulk loading).
//!
//! [`router`] builds the app without a socket (tests drive it directly); [`spawn`] serves it.

pub mod calendars;
pub mod clock;
pub mod config;
pub mod db;
pub mod http;
pub mod metrics;
pub mod ops;
pub mod projections;
pub mod seed;
pub mod sessions;
pub mod throttle;
pub mod voice;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use motcua_core::Calendar;

pub use clock::Clock;
pub use config::Config;

/// The crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every handler shares: the operations' context and the HTTP layer's own.
#[derive(Debug, Clone)]
pub struct AppState {
    pub ctx: ops::Ctx,
    pub metrics: Arc<metrics::Metrics>,
    /// Turns true when the server stops: long-polls answer at once.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Long-polls held per kiosk.
    pub polls: Arc<http::feed::PollCounts>,
    /// The clips call announcements are made of.
    pub voice: Arc<voice::Voice>,
    /// Display boards' live state, one feed per centre.
    pub boards: Arc<http::board::Boards>,
}

impl std::ops::Deref for AppState {
    type Target = ops::Ctx;

    fn deref(&self) -> &ops::Ctx {
        &self.ctx
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Open(#[from] db::OpenError),
    #[error("cannot read the calendar file {0}: {1}")]
    CalendarFile(String, std::io::Error),
    #[error("invalid calendar: {0}")]
    Calendar(#[from] motcua_core::calendar::CalendarError),
    #[error("cannot read the calendar years in the store: {0}")]
    StoredCalendar(String),
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("cannot create the first administrator: {}", .0.message.en)]
    Bootstrap(ops::Error),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("voice clips: {0}")]
    Voice(#[from] voice::VoiceError),
}

impl AppState {
    /// Open the store (with the projections kept beside it) and load the calendar named by
    /// `config`.
    pub fn open(config: Config, clock: Clock) -> Result<AppState, StartError> {
        config.check()?;
        let cal = match &config.calendar {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| StartError::CalendarFile(p.display().to_string(), e))?;
                Calendar::from_toml(&text)?
            }
            None => Calendar::vietnam_default(),
        };
        let store = db::Store::open(
            &config.data_dir,
            config.cache_mb * 1024 * 1024,
            Arc::new(projections::Projections),
        )?;
        let shared = calendars::SharedCalendar::new(cal);
        let stored = store
            .read_now(calendars::stored_years)
            .map_err(|e| StartError::StoredCalendar(e.to_string()))?;
        let with_stored = shared.with_years(stored.iter().map(|s| &s.year))?;
        shared.install(with_stored);
        warn_about_coverage(&shared.get(), clock.now_vn());
        let voice = match &config.voice_dir {
            Some(dir) => voice::Voice::with_dir(dir)?,
            None => voice::Voice::bundled()?,
        };
        Ok(AppState {
            ctx: ops::Ctx {
                store,
                cal: Arc::new(shared),
                clock,
                config: Arc::new(config),
                sessions: Arc::default(),
                throttle: Arc::default(),
            },
            metrics: Arc::default(),
            stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
            polls: Arc::default(),
            voice: Arc::new(voice),
            boards: Arc::default(),
        })
    }

    /// On an empty account table, create the system administrator `admin` with a one-time
    /// password, returned so that it can be printed once.
    pub fn bootstrap_admin(&self) -> Result<Option<String>, StartError> {
        ops::accounts::bootstrap_admin(&self.ctx).map_err(StartError::Bootstrap)
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

async fn not_found() -> Response {
    http::error::by_status(StatusCode::NOT_FOUND, "")
}

/// Longest request target taken (longer: 414).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most header bytes taken (more: 431). Heads larger than the connection's buffer (128 KiB) are
/// refused by the HTTP layer itself, before any of this, with a bare 431.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Every answer: the request's size checked, errors the framework makes turned into our JSON,
/// and the headers a browser needs to treat answers safely (never sniffed, never framed, never
/// cached: answers may carry personal data; pages that need more set their own policy).
async fn harden(req: Request, next: Next) -> Response {
    use axum::http::{HeaderValue, header};
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let header_len: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    let mut res = if uri_len > MAX_URI_BYTES {
        http::error::by_status(StatusCode::URI_TOO_LONG, "")
    } else if header_len > MAX_HEADER_BYTES {
        http::error::by_status(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "")
    } else {
        next.run(req).await
    };
    let status = res.status();
    // Our own answers (JSON, and the pages' HTML with the refusal in words) stay as they are;
    // the framework's bare texts become the bilingual JSON error.
    let ours = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if (status.is_client_error() || status.is_server_error()) && !ours {
        let body = std::mem::take(res.body_mut());
        let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
        let allow = res.headers().get(header::ALLOW).cloned();
        res = http::error::by_status(status, &String::from_utf8_lossy(&text));
        if let Some(allow) = allow {
            res.headers_mut().insert(header::ALLOW, allow);
        }
    }
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ));
    res
}

/// The whole app, for a socket or for tests.
pub fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    http::router()
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(http::pages::language))
        .layer(middleware::from_fn(harden))
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
    /// Writes the sign-ins under unknown names to the audit log once a minute.
    flusher: tokio::task::JoinHandle<()>,
}

/// How often the sign-ins under unknown names are told in the audit log.
const UNKNOWN_SIGN_INS_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

impl Running {
    /// Stop accepting, finish the requests under way, write what is counted in memory for the
    /// audit log, and return.
    pub async fn stop(mut self) {
        self.halt().await;
    }

    /// [`Running::stop`], keeping the handle (its state stays readable; serving does not
    /// resume). Stopping twice does nothing more.
    pub async fn halt(&mut self) {
        let Some(tx) = self.shutdown.take() else {
            return;
        };
        let _ = tx.send(());
        let _ = (&mut self.task).await;
        self.flusher.abort();
        if let Err(e) = ops::accounts::flush_unknown_sign_ins(&self.state.ctx).await {
            tracing::warn!(error = %e.message.en, "sign-ins under unknown names were not audited");
        }
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
    // Made before the first sign-in under an unknown name, which must not take longer.
    let _ = tokio::task::spawn_blocking(|| std::sync::LazyLock::force(&ops::passwords::DUMMY_HASH))
        .await;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, state.clone(), rx));
    let ctx = state.ctx.clone();
    let flusher = tokio::spawn(async move {
        let mut every = tokio::time::interval(UNKNOWN_SIGN_INS_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = ops::accounts::flush_unknown_sign_ins(&ctx).await {
                tracing::warn!(error = %e.message.en, "sign-ins under unknown names were not audited");
            }
        }
    });
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        task,
        flusher,
    })
}

/// Accept connections until `stop`, within the configured bounds: at most `max_connections`
/// open (past it the next waits to be accepted), `header_timeout_s` to send a request's head
/// (and to stay idle between two requests), `body_timeout_s` for its body (see
/// [`http::Body`]). At `stop`, long-polls answer at once, requests under way get
/// `shutdown_grace_s` to finish, and what is left is cut: a stop never waits on a client.
async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower_service::Service;

    let config = state.config.clone();
    let stopping = state.stopping.clone();
    let app = router(state);
    let permits = Arc::new(tokio::sync::Semaphore::new(config.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(std::time::Duration::from_secs(config.header_timeout_s))
        .max_buf_size(128 * 1024);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of descriptors or the like: say so, give the system a moment.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let svc =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                let mut app = app.clone();
                async move { app.call(req).await }
            });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), svc));
        connections.spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    stopping.send_replace(true);
    let grace = std::time::Duration::from_secs(config.shutdown_grace_s);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            left = connections.len(),
            "requests still under way after the grace period: their connections are cut"
        );
    }
    connections.shutdown().await;
    Ok(())
}
