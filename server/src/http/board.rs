//! Display boards and visitors' phones: the board page for a hall's TV (`/board/{centre}`), a
//! ticket's page (`/q/{id}`), the live state they follow (`…/queue/events`, server-sent events
//! fed by the writer's topics), and each call's announcement as a WAV file.
//!
//! One feed per centre is kept while anyone watches it: a task that wakes on the centre's queue
//! topic (and every 30 s, for the clock-dependent parts), reads the board once and hands the
//! same JSON to every board and phone following that centre.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use motcua_core::queue::TicketNumber;
use motcua_protocol::queue::{BoardState, TicketView};
use motcua_protocol::routes;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

use super::public::{Caller, limit};
use super::{ApiError, Params};
use crate::AppState;
use crate::db::Topic;
use crate::ops::{Error, Kind, queue};

/// Streams of live state open at once, every centre together.
pub const MAX_STREAMS: usize = 512;
/// Streams one address may hold at once (a hall's boards behind one address fit; one client
/// cannot take them all).
pub const MAX_STREAMS_PER_ADDRESS: usize = 16;

/// The live board of each centre someone follows.
#[derive(Debug, Default)]
pub struct Boards {
    feeds: Mutex<HashMap<String, watch::Sender<Arc<str>>>>,
    streams: AtomicUsize,
    per_address: Mutex<HashMap<String, usize>>,
}

impl Boards {
    fn feeds(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<Arc<str>>>> {
        self.feeds.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Streams open now.
    pub fn streams(&self) -> usize {
        self.streams.load(Ordering::Relaxed)
    }
}

/// One open stream, counted while alive (in all and for its address).
struct Streaming(Arc<Boards>, String);

impl Streaming {
    fn open(boards: &Arc<Boards>, address: &str) -> Result<Streaming, Error> {
        let busy = || {
            Error::new(
                Kind::Unavailable,
                "board.busy",
                "Quá nhiều màn hình đang theo dõi. Vui lòng thử lại sau.",
                "Too many screens are following. Please try again later.",
            )
        };
        {
            let mut per = boards.per_address.lock().unwrap_or_else(|p| p.into_inner());
            let n = per.entry(address.to_owned()).or_default();
            if *n >= MAX_STREAMS_PER_ADDRESS {
                return Err(busy());
            }
            *n += 1;
        }
        let n = boards.streams.fetch_add(1, Ordering::Relaxed);
        let s = Streaming(boards.clone(), address.to_owned());
        if n >= MAX_STREAMS {
            return Err(busy());
        }
        Ok(s)
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        self.0.streams.fetch_sub(1, Ordering::Relaxed);
        let mut per = self.0.per_address.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = per.get_mut(&self.1) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                per.remove(&self.1);
            }
        }
    }
}

async fn board_json(st: &AppState, centre: &str) -> Result<Arc<str>, Error> {
    let b = queue::board(&st.ctx, centre).await?;
    let json = serde_json::to_string(&b).map_err(Error::internal)?;
    Ok(Arc::from(json))
}

/// Follow `centre`'s board: its state now, and each new one.
async fn follow(st: &AppState, centre: &str) -> Result<watch::Receiver<Arc<str>>, Error> {
    if let Some(tx) = st.boards.feeds().get(centre) {
        return Ok(tx.subscribe());
    }
    let first = board_json(st, centre).await?;
    let mut feeds = st.boards.feeds();
    if let Some(tx) = feeds.get(centre) {
        return Ok(tx.subscribe());
    }
    let (tx, rx) = watch::channel(first);
    feeds.insert(centre.to_owned(), tx.clone());
    drop(feeds);
    tokio::spawn(refresh(st.clone(), centre.to_owned(), tx));
    Ok(rx)
}

/// Keep one centre's board fresh while anyone follows it.
async fn refresh(st: AppState, centre: String, tx: watch::Sender<Arc<str>>) {
    let mut topics = st.store.subscribe();
    let mut stopping = st.stopping.subscribe();
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    tick.tick().await;
    let mine = Topic::Queue(centre.clone());
    loop {
        tokio::select! {
            r = topics.recv() => match r {
                Ok(batch) if batch.contains(&mine) => {}
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
            _ = tick.tick() => {}
            _ = stopping.wait_for(|s| *s) => break,
        }
        // Calls come in bursts: what else commits within 50 ms is in the same read.
        tokio::time::sleep(Duration::from_millis(50)).await;
        while topics.try_recv().is_ok() {}
        {
            let mut feeds = st.boards.feeds();
            if tx.receiver_count() == 0 {
                feeds.remove(&centre);
                return;
            }
        }
        match board_json(&st, &centre).await {
            Ok(json) => {
                tx.send_replace(json);
            }
            Err(e) => tracing::warn!(%centre, error = %e, "board not read"),
        }
    }
    st.boards.feeds().remove(&centre);
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::PUBLIC_QUEUE_EVENTS, get(events))
        .route(routes::PUBLIC_QUEUE_ANNOUNCE, get(announce))
        .route("/board/{code}", get(board_page))
        .route("/q/{id}", get(ticket_page))
        .route("/q/{id}/rate", axum::routing::post(rate_ticket))
        .route("/static/{file}", get(asset))
}

/// The live state of a centre's board as server-sent events: `state` with the board's JSON at
/// once and after each change; a comment every 15 s keeps proxies from closing it.
async fn events(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    limit(&st, &caller)?;
    let centre = motcua_core::AgencyCode::parse(&code)
        .map_err(|e| Error::domain(Kind::BadRequest, &e))?
        .to_string();
    let held = Streaming::open(&st.boards, &caller.key)?;
    let rx = follow(&st, &centre).await?;
    let stopping = st.stopping.subscribe();
    let stream = futures_util::stream::unfold(
        (rx, true, stopping, held),
        |(mut rx, first, mut stopping, held)| async move {
            if !first {
                tokio::select! {
                    r = rx.changed() => r.ok()?,
                    _ = stopping.wait_for(|s| *s) => return None,
                }
            }
            let json = rx.borrow_and_update().clone();
            let event = Event::default().event("state").data(&*json);
            Some((Ok::<_, Infallible>(event), (rx, false, stopping, held)))
        },
    );
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    res.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(res)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnounceQuery {
    number: String,
    counter: u16,
    #[serde(default)]
    en: bool,
}

/// The announcement of a call: a WAV file of recorded clips.
async fn announce(
    State(st): State<AppState>,
    caller: Caller,
    Path(_code): Path<String>,
    Params(q): Params<AnnounceQuery>,
) -> Result<Response, ApiError> {
    limit(&st, &caller)?;
    let number = TicketNumber::parse(&q.number).map_err(|e| Error::domain(Kind::BadRequest, &e))?;
    if !(1..=999).contains(&q.counter) {
        return Err(ApiError(Error::bad_request(
            "queue.counter",
            "Số quầy từ 1 đến 999.",
            "A counter number is 1 to 999.",
        )));
    }
    let wav = st
        .voice
        .announcement(number, q.counter, q.en)
        .map_err(Error::internal)?;
    let mut res = wav.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    // The same call sounds the same all day.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(res)
}

/// What a page may load: its own scripts, styles, the live stream and announcements.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A page that may carry a refusal: its status is the refusal's (a form sent back with what
/// was wrong), else 200.
pub(crate) fn html_page(body: String, error: Option<&Error>) -> Response {
    let mut res = html(body);
    if let Some(e) = error {
        *res.status_mut() = super::error::status(e.kind);
    }
    res
}

/// An HTML page with the pages' security policy.
pub(crate) fn html(body: String) -> Response {
    let mut res = axum::response::Html(body).into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    res
}

/// A page that could not be shown, in both languages.
pub(crate) fn error_page(status: axum::http::StatusCode, e: &Error) -> Response {
    // A message may quote what was sent: nothing unprintable or direction-changing is shown.
    let shown = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}') {
                    '\u{fffd}'
                } else {
                    c
                }
            })
            .collect()
    };
    let (vi, en) = (shown(&e.message.vi), shown(&e.message.en));
    let page = ErrorPage {
        title_vi: &vi,
        title_en: &en,
    };
    let mut res = html(page.render().unwrap_or_default());
    *res.status_mut() = status;
    res
}

/// A page's answer to input it cannot read (a query or a form that does not parse): a page in
/// both languages, not the API's JSON.
pub(crate) fn unreadable() -> Response {
    let e = Error::bad_request(
        "page.input",
        "Dữ liệu gửi lên không hợp lệ. Vui lòng quay lại trang trước và thử lại.",
        "The data sent cannot be read. Please go back and try again.",
    );
    error_page(axum::http::StatusCode::BAD_REQUEST, &e)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title_vi: &'a str,
    title_en: &'a str,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage<'a> {
    b: &'a BoardState,
    latest: Option<&'a motcua_protocol::queue::BoardCall>,
}

async fn board_page(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Response {
    if let Err(e) = limit(&st, &caller) {
        return error_page(axum::http::StatusCode::TOO_MANY_REQUESTS, &e.0);
    }
    match queue::board(&st.ctx, &code).await {
        Ok(b) => html(
            BoardPage {
                b: &b,
                latest: b.recent.first(),
            }
            .render()
            .unwrap_or_default(),
        ),
        Err(e) => error_page(status_of(&e), &e),
    }
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage<'a> {
    t: &'a TicketView,
    /// The key from the ticket's QR, when the page was opened from it.
    key: Option<&'a str>,
    /// The rating scale's levels, best first: (level, Vietnamese, English).
    levels: Vec<(u8, String, String)>,
    rated: bool,
    error: Option<&'a Error>,
}

#[derive(Debug, Deserialize)]
struct TicketQuery {
    #[serde(default)]
    k: Option<String>,
    #[serde(default)]
    rated: Option<u8>,
}

fn levels(st: &AppState) -> Vec<(u8, String, String)> {
    let mut v = crate::ops::ratings::scale_view(st.config.rating_scale).labels;
    v.reverse();
    v
}

async fn ticket_page(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Params(q): Params<TicketQuery>,
) -> Response {
    if let Err(e) = limit(&st, &caller) {
        return error_page(axum::http::StatusCode::TOO_MANY_REQUESTS, &e.0);
    }
    match queue::ticket(&st.ctx, &id).await {
        Ok(t) => html(
            TicketPage {
                t: &t,
                key: q.k.as_deref().filter(|k| k.len() <= 64),
                levels: levels(&st),
                rated: q.rated.is_some(),
                error: None,
            }
            .render()
            .unwrap_or_default(),
        ),
        Err(e) => error_page(status_of(&e), &e),
    }
}

#[derive(Debug, Deserialize)]
struct RateForm {
    k: String,
    level: u8,
}

/// A rating of the service a ticket got, from the phone that holds it: tied to the counter and
/// the officer that served it, once.
async fn rate_ticket(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<RateForm>,
) -> Response {
    if let Err(e) = limit(&st, &caller) {
        return error_page(axum::http::StatusCode::TOO_MANY_REQUESTS, &e.0);
    }
    let r = motcua_protocol::public::RatingIn {
        level: f.level,
        ticket: Some(id.clone()),
        secret: Some(f.k.chars().take(64).collect()),
        ..Default::default()
    };
    let rated = crate::ops::ratings::rate(
        &st.ctx,
        r,
        crate::ops::ratings::Source::Web {
            client: &caller.key,
        },
    )
    .await;
    match rated {
        Ok(_) => axum::response::Redirect::to(&format!("/q/{id}?rated=1")).into_response(),
        Err(e) => match queue::ticket(&st.ctx, &id).await {
            Ok(t) => {
                let mut res = html(
                    TicketPage {
                        t: &t,
                        key: Some(&f.k),
                        levels: levels(&st),
                        rated: false,
                        error: Some(&e),
                    }
                    .render()
                    .unwrap_or_default(),
                );
                *res.status_mut() = status_of(&e);
                res
            }
            Err(e2) => error_page(status_of(&e2), &e2),
        },
    }
}

fn status_of(e: &Error) -> axum::http::StatusCode {
    super::error::status(e.kind)
}

/// The pages' scripts and styles, compiled in.
async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind): (&'static str, &'static str) = match file.as_str() {
        "board.js" => (include_str!("../../static/board.js"), "text/javascript"),
        "ticket.js" => (include_str!("../../static/ticket.js"), "text/javascript"),
        "counter.js" => (include_str!("../../static/counter.js"), "text/javascript"),
        "forms.js" => (include_str!("../../static/forms.js"), "text/javascript"),
        "fleet.js" => (include_str!("../../static/fleet.js"), "text/javascript"),
        "catalogue.js" => (include_str!("../../static/catalogue.js"), "text/javascript"),
        "site.css" => (include_str!("../../static/site.css"), "text/css"),
        "print.css" => (include_str!("../../static/print.css"), "text/css"),
        "landscape.css" => (include_str!("../../static/landscape.css"), "text/css"),
        _ => return super::error::by_status(axum::http::StatusCode::NOT_FOUND, ""),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}
