//! The change feed a kiosk pulls (`GET /api/v1/sync/changes`), with `wait` a long-poll: the
//! request is held until a commit publishes a topic that concerns this kiosk (a dossier of its
//! scope, the catalogue, its centre, itself) — commits elsewhere do not wake it. See
//! `docs/sync.md` and `projections::feed`.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use motcua_protocol::routes;
use motcua_protocol::sync::ChangesQuery;
use tokio::sync::broadcast::error::RecvError;

use super::{ApiError, KioskAuth, Params, json_response};
use crate::AppState;
use crate::projections::feed::{Cursor, DEFAULT_LIMIT, MAX_LIMIT, bad_cursor, concerns, read_page};

/// Longest long-poll, in seconds.
pub const MAX_WAIT_S: u64 = 30;

pub fn router() -> Router<AppState> {
    Router::new().route(routes::SYNC_CHANGES, get(changes))
}

/// One commit wakes every long-poll it concerns at once; answering hundreds together would
/// hold staff requests behind them. Each waits a random part of a window of one millisecond per
/// waiting kiosk (at most 2 s), so the answers spread at about one a millisecond: a single
/// kiosk is answered at once, 500 within half a second.
async fn spread_wake_up(st: &AppState) {
    let waiting = st.metrics.feed_waiting.get().clamp(0, 2000) as u64;
    if waiting > 1 {
        let ms = rand::random::<u64>() % waiting;
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// Long-polls held per kiosk, so one kiosk (or a stolen token) cannot hold many connections.
#[derive(Debug, Default)]
pub struct PollCounts(std::sync::Mutex<std::collections::HashMap<String, u32>>);

/// One long-poll held while alive.
struct Held<'a> {
    counts: &'a PollCounts,
    kiosk: String,
}

impl PollCounts {
    fn map(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, u32>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hold one more long-poll of `kiosk`, unless it holds `max` already.
    fn hold(&self, kiosk: &str, max: u32) -> Option<Held<'_>> {
        let mut m = self.map();
        let n = m.entry(kiosk.to_owned()).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Held {
            counts: self,
            kiosk: kiosk.to_owned(),
        })
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut m = self.counts.map();
        if let Some(n) = m.get_mut(&self.kiosk) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.kiosk);
            }
        }
    }
}

fn too_many_polls(max: u32) -> ApiError {
    ApiError(crate::ops::Error::new(
        crate::ops::Kind::TooMany,
        "sync.too_many_polls",
        format!("Mỗi kiosk chỉ được chờ thay đổi qua {max} kết nối cùng lúc."),
        format!("A kiosk may wait for changes on {max} connections at once."),
    ))
}

/// Counts a waiting long-poll while alive.
struct Waiting<'a>(&'a prometheus_client::metrics::gauge::Gauge);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Pages smaller than this go as they are (compressing them saves less than it costs).
const GZIP_FROM_BYTES: usize = 1024;

/// Whether the request takes a gzip answer (`Accept-Encoding: gzip`, not refused with `q=0`).
fn takes_gzip(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            parts.next().is_some_and(|e| e.eq_ignore_ascii_case("gzip"))
                && parts.all(|p| {
                    p.strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_none_or(|q| q > 0.0)
                })
        })
}

/// A page as the answer: gzip-compressed (on a blocking thread: a snapshot page is about a
/// megabyte of JSON, ≈ 8 times smaller compressed) when the kiosk takes it.
async fn page_response(json: Vec<u8>, gzip: bool) -> Result<Response, ApiError> {
    use axum::response::IntoResponse;
    if !gzip || json.len() < GZIP_FROM_BYTES {
        return Ok(json_response(json));
    }
    let packed = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut z = flate2::write::GzEncoder::new(
            Vec::with_capacity(json.len() / 6),
            flate2::Compression::fast(),
        );
        z.write_all(&json)?;
        z.finish()
    })
    .await
    .map_err(|e| ApiError(crate::ops::Error::internal(e.to_string())))?
    .map_err(|e| ApiError(crate::ops::Error::internal(e.to_string())))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/json"),
            (axum::http::header::CONTENT_ENCODING, "gzip"),
            (axum::http::header::VARY, "accept-encoding"),
        ],
        packed,
    )
        .into_response())
}

async fn changes(
    State(st): State<AppState>,
    k: KioskAuth,
    headers: axum::http::HeaderMap,
    Params(q): Params<ChangesQuery>,
) -> Result<Response, ApiError> {
    let gzip = takes_gzip(&headers);
    let mut since = match q.since.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Cursor::parse(s).ok_or_else(bad_cursor)?),
    };
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let wait = Duration::from_secs(q.wait.unwrap_or(0).min(MAX_WAIT_S));
    let deadline = tokio::time::Instant::now() + wait;
    let kiosk = std::sync::Arc::new(k.kiosk);
    let max = st.config.max_polls_per_kiosk;
    let _held = match wait.is_zero() {
        true => None,
        false => Some(
            st.polls
                .hold(&kiosk.id, max)
                .ok_or_else(|| too_many_polls(max))?,
        ),
    };
    let mut stopping = st.stopping.subscribe();
    // Subscribed before the first read: a commit between the read and the wait is not missed.
    let mut topics = st.store.subscribe();
    let mut waiting = None;
    let settings = std::sync::Arc::new(crate::projections::feed::ServerSettings {
        rating_scale: st.config.rating_scale,
        public_url: st.config.public_url.clone(),
    });
    loop {
        let (kk, c, settings) = (kiosk.clone(), since.clone(), settings.clone());
        let page = st
            .store
            .read(move |txn| read_page(&settings, txn, &kk, c.as_ref(), limit))
            .await?;
        if page.changes > 0 || page.more || page.reset || wait.is_zero() {
            return page_response(page.json, gzip).await;
        }
        // Nothing yet: wait for a commit that concerns this kiosk (or the deadline), then look
        // again from the page's cursor.
        since = Cursor::parse(&page.cursor);
        if waiting.is_none() {
            st.metrics.feed_waiting.inc();
            waiting = Some(Waiting(&st.metrics.feed_waiting));
        }
        loop {
            let next = tokio::select! {
                t = tokio::time::timeout_at(deadline, topics.recv()) => Some(t),
                // The server stops: answer now rather than hold the stop.
                _ = stopping.wait_for(|s| *s) => None,
            };
            let Some(next) = next else {
                return page_response(page.json, gzip).await;
            };
            match next {
                Err(_) | Ok(Err(RecvError::Closed)) => return page_response(page.json, gzip).await,
                // Fell behind the published topics: whatever was missed may concern us.
                Ok(Err(RecvError::Lagged(_))) => break,
                Ok(Ok(published)) => {
                    if published.iter().any(|t| concerns(&kiosk, t)) {
                        st.metrics.feed_woken.inc();
                        break;
                    }
                    st.metrics.feed_ignored.inc();
                }
            }
        }
        spread_wake_up(&st).await;
    }
}
