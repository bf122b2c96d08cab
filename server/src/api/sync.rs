//! Kiosk events pushed to the server (`POST /api/v1/sync/events`): feedback, ratings, queue
//! tickets, print results and errors created on a kiosk, each with a UUID, the kiosk's local
//! sequence number and time. Each is stored exactly once (a retried or replayed batch is a
//! no-op); a batch is checked whole before anything is written; the answer is the highest
//! contiguous sequence number the server holds, which the kiosk's outbox may forget up to.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::Body;
use super::feedback::{FeedbackChannel, FeedbackIn};
use super::kiosks::KioskAuth;
use super::ratings::RatingIn;
use crate::AppState;
use crate::error::ApiError;
use crate::store::{KIOSK_ACK, KIOSK_EVENTS, KIOSK_SEQS, encode};

/// Most events in one batch.
pub const MAX_BATCH: usize = 1000;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/sync/events", post(push))
}

/// What happened on the kiosk.
#[derive(Debug, Deserialize, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum KioskEventBody {
    Feedback(FeedbackIn),
    Rating(RatingIn),
    Ticket(serde_json::Value),
    PrintResult(serde_json::Value),
    Error(serde_json::Value),
}

/// (Unknown fields are not refused here: serde cannot combine that with the flattened body; an
/// unknown event type still fails.)
#[derive(Debug, Deserialize)]
pub struct KioskEvent {
    /// A UUID made by the kiosk: the event's identity.
    pub id: String,
    /// The kiosk's local sequence number, from 1.
    pub seq: u64,
    /// When it happened on the kiosk.
    pub at: DateTime<FixedOffset>,
    #[serde(flatten)]
    pub body: KioskEventBody,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    events: Vec<KioskEvent>,
}

#[derive(Debug, Serialize)]
struct Ack {
    /// Every event up to this sequence number is stored.
    acked: u64,
    stored: usize,
    duplicates: usize,
}

fn bad(index: usize, id: &str, e: &ApiError) -> ApiError {
    ApiError::new(
        e.status,
        &e.code,
        format!("Sự kiện thứ {} (id {id}): {}", index + 1, e.message.vi),
        format!("Event {} (id {id}): {}", index + 1, e.message.en),
    )
}

fn valid_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| {
            if [8, 13, 18, 23].contains(&i) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
}

enum Prepared {
    Feedback(super::feedback::PendingFeedback),
    Rating(RatingIn, Option<String>),
    Other,
}

async fn push(
    State(st): State<AppState>,
    k: KioskAuth,
    Body(b): Body<Batch>,
) -> Result<Json<Ack>, ApiError> {
    if b.events.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "sync.batch_too_large",
            format!(
                "Một lần gửi tối đa {MAX_BATCH} sự kiện; lần này có {}.",
                b.events.len()
            ),
            format!(
                "At most {MAX_BATCH} events a batch; this one has {}.",
                b.events.len()
            ),
        ));
    }
    let now = st.clock.now_vn();
    let scale = st.config.rating_scale;
    // Check every event before writing any.
    let mut prepared = Vec::with_capacity(b.events.len());
    let mut events = Vec::with_capacity(b.events.len());
    for (i, e) in b.events.into_iter().enumerate() {
        if !valid_uuid(&e.id) || e.seq == 0 {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "sync.event_identity",
                format!("Sự kiện thứ {} cần id dạng UUID và số thứ tự từ 1.", i + 1),
                format!(
                    "Event {} needs a UUID id and a sequence number from 1.",
                    i + 1
                ),
            ));
        }
        let stored = serde_json::json!({
            "id": e.id, "seq": e.seq, "at": e.at, "received_at": now,
            "event": &e.body,
        });
        let p = match e.body {
            KioskEventBody::Feedback(f) => Prepared::Feedback(
                super::feedback::prepare(
                    &st.cal.get(),
                    f,
                    FeedbackChannel::Kiosk,
                    e.at,
                    now,
                    Some(k.kiosk.id.clone()),
                )
                .map(|mut p| {
                    // The kiosk printed this code for the visitor before it could reach us.
                    p.code = Some(motcua_core::codes::kiosk_feedback_code(&k.kiosk.id, e.seq));
                    p
                })
                .map_err(|err| bad(i, &e.id, &err))?,
            ),
            KioskEventBody::Rating(r) => {
                let dossier =
                    super::ratings::validate(scale, &r).map_err(|err| bad(i, &e.id, &err))?;
                Prepared::Rating(r, dossier)
            }
            _ => Prepared::Other,
        };
        events.push((e.id, e.seq, e.at, encode(&stored)?));
        prepared.push(p);
    }
    let kiosk = k.kiosk.id.clone();
    let ack = st
        .store
        .write(move |txn| {
            // First pass: what is new, and whether a sequence number is reused by another event.
            let mut fresh = Vec::new();
            {
                let ev = txn.open_table(KIOSK_EVENTS)?;
                let seqs = txn.open_table(KIOSK_SEQS)?;
                let mut seen = std::collections::HashSet::new();
                for (idx, (id, seq, _, _)) in events.iter().enumerate() {
                    if ev.get((kiosk.as_str(), id.as_str()))?.is_some() || !seen.insert(id.clone())
                    {
                        continue;
                    }
                    if let Some(other) = seqs.get((kiosk.as_str(), *seq))? {
                        if other.value() != id {
                            return Ok(Err(ApiError::new(
                                StatusCode::CONFLICT,
                                "sync.seq_reused",
                                format!("Số thứ tự {seq} đã dùng cho sự kiện khác."),
                                format!("Sequence number {seq} already belongs to another event."),
                            )));
                        }
                    }
                    fresh.push(idx);
                }
            }
            // Ratings of unknown dossiers refuse the batch before anything is written.
            for &idx in &fresh {
                if let Prepared::Rating(_, Some(code)) = &prepared[idx] {
                    if txn
                        .open_table(crate::store::DOSSIERS)?
                        .get(code.as_str())?
                        .is_none()
                    {
                        let e = ApiError::not_found("hồ sơ có mã này", "Dossier");
                        return Ok(Err(bad(idx, &events[idx].0, &e)));
                    }
                }
            }
            let duplicates = events.len() - fresh.len();
            let mut prepared: Vec<Option<Prepared>> = prepared.into_iter().map(Some).collect();
            for &idx in &fresh {
                let (id, seq, at, bytes) = &events[idx];
                txn.open_table(KIOSK_EVENTS)?
                    .insert((kiosk.as_str(), id.as_str()), bytes.as_slice())?;
                txn.open_table(KIOSK_SEQS)?
                    .insert((kiosk.as_str(), *seq), id.as_str())?;
                match prepared[idx].take() {
                    Some(Prepared::Feedback(p)) => {
                        super::feedback::insert(txn, p)?;
                    }
                    Some(Prepared::Rating(r, dossier)) => {
                        super::ratings::insert(txn, scale, r, dossier, *at)??;
                    }
                    _ => {}
                }
            }
            let mut acks = txn.open_table(KIOSK_ACK)?;
            let mut acked = acks.get(kiosk.as_str())?.map(|v| v.value()).unwrap_or(0);
            let seqs = txn.open_table(KIOSK_SEQS)?;
            while seqs.get((kiosk.as_str(), acked + 1))?.is_some() {
                acked += 1;
            }
            acks.insert(kiosk.as_str(), acked)?;
            Ok(Ok(Ack {
                acked,
                stored: fresh.len(),
                duplicates,
            }))
        })
        .await??;
    Ok(Json(ack))
}
