//! Kiosk events pushed from outboxes: feedback, ratings, print results and faults created on a
//! kiosk, each with a UUID, the kiosk's local sequence number and time. Each is held exactly once
//! (a retried or replayed batch is a no-op). An event the server will never take — a rating on a
//! scale that changed since, a dossier that does not exist — is *rejected*: kept with its reason
//! (the fleet console shows it) and acknowledged like a stored one, so that it cannot block the
//! outbox behind it. A batch that does not hold together (a sequence number given to two events)
//! is refused whole. The answer is the highest contiguous sequence number the server holds,
//! which the kiosk's outbox may forget up to.

use chrono::{DateTime, FixedOffset};
use motcua_protocol::public::{FeedbackChannel, RatingIn};
use motcua_protocol::staff::RejectedEvent;
use motcua_protocol::sync::{EventAck, EventBatch, KioskEventBody, MAX_EVENTS, Rejected};
use redb::ReadableTable;

use super::{Ctx, Error, Kind};
use crate::db::model::{Kiosk, RECENT_REJECTIONS};
use crate::db::{KIOSK_ACK, KIOSK_EVENTS, KIOSK_SEQS, KIOSKS, Tx, decode, encode, get};

#[derive(Clone)]
enum Prepared {
    Feedback(super::feedback::PendingFeedback),
    Rating(RatingIn, Option<String>),
    Ticket(motcua_protocol::sync::OfflineTicket),
    Other,
}

/// One event checked: what to write, or why it is refused for good.
#[derive(Clone)]
struct Checked {
    uuid: uuid::Uuid,
    id: String,
    seq: u64,
    at: DateTime<FixedOffset>,
    kind: &'static str,
    bytes: Vec<u8>,
    outcome: Result<Prepared, Error>,
}

fn seq_reused(seq: u64) -> Error {
    Error::new(
        Kind::Conflict,
        "sync.seq_reused",
        format!("Số thứ tự {seq} đã dùng cho sự kiện khác."),
        format!("Sequence number {seq} already belongs to another event."),
    )
}

/// Hold a batch of `kiosk`'s events.
pub async fn push(ctx: &Ctx, kiosk: &Kiosk, b: EventBatch) -> Result<EventAck, Error> {
    if b.events.len() > MAX_EVENTS {
        return Err(Error::new(
            Kind::TooLarge,
            "sync.batch_too_large",
            format!(
                "Một lần gửi tối đa {MAX_EVENTS} sự kiện; lần này có {}.",
                b.events.len()
            ),
            format!(
                "At most {MAX_EVENTS} events a batch; this one has {}.",
                b.events.len()
            ),
        ));
    }
    // A sequence number names one event: two events of a batch under one number make the batch
    // meaningless, and nothing of it is kept.
    {
        let mut seen = std::collections::HashMap::new();
        for (i, e) in b.events.iter().enumerate() {
            if e.seq == 0 {
                return Err(Error::invalid(
                    "sync.event_identity",
                    format!("Sự kiện thứ {} cần số thứ tự từ 1.", i + 1),
                    format!("Event {} needs a sequence number from 1.", i + 1),
                ));
            }
            if let Some(other) = seen.insert(e.seq, e.id)
                && other != e.id
            {
                return Err(seq_reused(e.seq));
            }
        }
    }
    let now = ctx.clock.now_vn();
    // The scale this kiosk asks on: its own setting, or the server's.
    let scale = kiosk
        .config
        .rating_levels
        .unwrap_or(ctx.config.rating_scale);
    let cal = ctx.cal.get();
    let centre = kiosk.centre.to_string();
    let kiosk = kiosk.id.clone();
    let mut checked = Vec::with_capacity(b.events.len());
    for e in b.events {
        let stored = serde_json::json!({
            "id": e.id, "seq": e.seq, "at": e.at, "received_at": now,
            "event": &e.body,
        });
        let kind = e.body.kind();
        let at = motcua_core::time::check(e.at).map_err(|err| Error::domain(Kind::Invalid, &err));
        let outcome = at.and_then(|at| match e.body {
            KioskEventBody::Feedback(f) => super::feedback::prepare(
                &cal,
                f,
                FeedbackChannel::Kiosk,
                at,
                now,
                Some(kiosk.clone()),
            )
            .map(|mut p| {
                // The kiosk printed this code for the visitor before it could reach us.
                p.code = Some(motcua_core::codes::kiosk_feedback_code(
                    &kiosk,
                    e.id.as_u128(),
                ));
                p.centre = Some(centre.clone());
                Prepared::Feedback(p)
            }),
            KioskEventBody::Rating(r) => {
                super::ratings::validate(scale, &r).map(|dossier| Prepared::Rating(r, dossier))
            }
            KioskEventBody::PrintResult(p) => {
                let short =
                    |s: &str, max| s.chars().count() <= max && !s.chars().any(char::is_control);
                if short(&p.slip, 32) && p.error.as_deref().is_none_or(|e| short(e, 200)) {
                    Ok(Prepared::Other)
                } else {
                    Err(too_long_event())
                }
            }
            KioskEventBody::Ticket(t) => {
                if t.number.chars().count() <= 8 {
                    Ok(Prepared::Ticket(t))
                } else {
                    Err(too_long_event())
                }
            }
            KioskEventBody::Error(f) => {
                if f.code.chars().count() <= 64 && f.detail.chars().count() <= 2000 {
                    Ok(Prepared::Other)
                } else {
                    Err(too_long_event())
                }
            }
        });
        checked.push(Checked {
            uuid: e.id,
            id: e.id.to_string(),
            seq: e.seq,
            at: e.at,
            kind,
            bytes: encode(&stored)?,
            outcome,
        });
    }
    ctx.store
        .write(move |tx| {
            let batch = Batch {
                kiosk: &kiosk,
                centre: &centre,
                scale,
                cal: &cal,
                now,
            };
            write_batch(tx, &batch, checked.clone())
        })
        .await
}

fn too_long_event() -> Error {
    Error::invalid(
        "sync.event_too_long",
        "Sự kiện của kiosk chứa nội dung quá dài.",
        "The kiosk's event holds a text that is too long.",
    )
}

/// Most bytes of a rejected event kept as it came; past it only its identity and kind are kept.
const MAX_KEPT_REJECTED: usize = 8 * 1024;

/// Where a batch comes from and what its events are judged with.
struct Batch<'a> {
    kiosk: &'a str,
    centre: &'a str,
    scale: motcua_core::rating::Scale,
    cal: &'a motcua_core::Calendar,
    now: DateTime<FixedOffset>,
}

/// Hold the new events of a batch: stored, or rejected with their reason.
fn write_batch(tx: &Tx, b: &Batch<'_>, checked: Vec<Checked>) -> Result<EventAck, Error> {
    let Batch {
        kiosk,
        centre,
        scale,
        now,
        ..
    } = *b;
    // What is new, and whether a sequence number is already held for another event.
    let mut fresh = Vec::new();
    let mut duplicates = 0;
    {
        let ev = tx.open_table(KIOSK_EVENTS)?;
        let seqs = tx.open_table(KIOSK_SEQS)?;
        let mut seen = std::collections::HashSet::new();
        for c in checked {
            if ev.get((kiosk, c.id.as_str()))?.is_some() || !seen.insert(c.id.clone()) {
                duplicates += 1;
                continue;
            }
            if let Some(other) = seqs.get((kiosk, c.seq))?
                && other.value() != c.id
            {
                return Err(seq_reused(c.seq));
            }
            fresh.push(c);
        }
    }
    let mut stored = 0;
    let mut rejected = Vec::new();
    for c in fresh {
        let outcome = match c.outcome {
            Ok(Prepared::Feedback(p)) => super::feedback::insert(tx, &p).map(drop),
            Ok(Prepared::Rating(r, dossier)) => {
                super::ratings::insert(tx, scale, r, dossier, c.at, Some(centre)).map(drop)
            }
            Ok(Prepared::Ticket(t)) => {
                super::queue::take_offline(tx, kiosk, centre, &t, b.cal, now)
            }
            Ok(Prepared::Other) => Ok(()),
            Err(e) => Err(e),
        };
        let bytes = match outcome {
            Ok(()) => {
                stored += 1;
                c.bytes
            }
            Err(e) if e.kind == Kind::Internal => return Err(e),
            Err(e) => {
                // Kept with the reason beside the event as it came (only its identity when large:
                // a refused event never fills the disk).
                let mut v: serde_json::Value = decode(&c.bytes)?;
                if c.bytes.len() > MAX_KEPT_REJECTED {
                    v["event"] =
                        serde_json::json!({"type": c.kind, "dropped_bytes": c.bytes.len()});
                }
                v["rejected"] = serde_json::json!({"code": e.code, "message": e.message});
                rejected.push((
                    Rejected {
                        id: c.uuid,
                        seq: c.seq,
                        code: e.code,
                        message: e.message,
                    },
                    c.kind,
                ));
                encode(&v)?
            }
        };
        tx.open_table(KIOSK_EVENTS)?
            .insert((kiosk, c.id.as_str()), bytes.as_slice())?;
        tx.open_table(KIOSK_SEQS)?
            .insert((kiosk, c.seq), c.id.as_str())?;
    }
    if !rejected.is_empty() {
        let mut t = tx.open_table(KIOSKS)?;
        if let Some(mut k) = get::<Kiosk>(&t, kiosk)? {
            k.rejected_events = k.rejected_events.saturating_add(rejected.len() as u64);
            for (r, kind) in &rejected {
                k.recent_rejections.push(RejectedEvent {
                    id: r.id.to_string(),
                    seq: r.seq,
                    kind: (*kind).to_owned(),
                    code: r.code.clone(),
                    message: r.message.clone(),
                    at: now,
                });
            }
            let excess = k.recent_rejections.len().saturating_sub(RECENT_REJECTIONS);
            k.recent_rejections.drain(..excess);
            t.insert(kiosk, encode(&k)?.as_slice())?;
        }
        for (r, kind) in &rejected {
            tracing::warn!(kiosk, seq = r.seq, kind, code = %r.code, "kiosk event rejected");
        }
        tx.touch(crate::db::Topic::Fleet);
    }
    let mut acks = tx.open_table(KIOSK_ACK)?;
    let mut acked = acks.get(kiosk)?.map(|v| v.value()).unwrap_or(0);
    let seqs = tx.open_table(KIOSK_SEQS)?;
    while acked < u64::MAX && seqs.get((kiosk, acked + 1))?.is_some() {
        acked += 1;
    }
    acks.insert(kiosk, acked)?;
    Ok(EventAck {
        acked,
        stored,
        duplicates,
        rejected: rejected.into_iter().map(|(r, _)| r).collect(),
    })
}
