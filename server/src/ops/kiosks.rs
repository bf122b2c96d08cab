//! The kiosk fleet: an admin creates a kiosk (name, centre, scope) and gets a one-time enrolment
//! code; the kiosk exchanges it for a device token (stored hashed, revocable); every sync call is
//! authenticated by that token; heartbeats are kept for the fleet console; settings and scope
//! reach the kiosk through the change feed.

use chrono::{DateTime, FixedOffset};
use motcua_core::AgencyCode;
use motcua_protocol::staff::{CreatedKiosk, KioskUpdate, KioskView, NewKiosk};
use motcua_protocol::sync::{Enrolled, Heartbeat, IDLE_RANGE_S, KioskConfig};
use redb::{ReadableTable, ReadableTableMetadata};

use super::passwords::{new_token, token_key};
use super::{Actor, Ctx, Error, Kind, audit_entry};
use crate::db::changes::{self, Key};
use crate::db::model::Kiosk;
use crate::db::{
    AGENCIES, KIOSK_BEATS, KIOSK_EVENTS, KIOSK_SEQS, KIOSK_TOKENS, KIOSKS, Topic, Tx, decode,
    encode, get,
};

fn unknown_agency(a: &AgencyCode) -> Error {
    Error::invalid(
        "agency.unknown",
        format!("Không có cơ quan mã {a}."),
        format!("No agency with code {a}."),
    )
}

fn no_kiosk() -> Error {
    Error::not_found("kiosk", "Kiosk")
}

/// Most agencies in one kiosk's scope.
pub const MAX_SCOPE: usize = 500;

fn check_scope(scope: &[AgencyCode]) -> Result<(), Error> {
    if scope.len() > MAX_SCOPE {
        return Err(Error::invalid(
            "kiosk.scope",
            format!("Phạm vi của một kiosk có tối đa {MAX_SCOPE} cơ quan."),
            format!("A kiosk's scope has {MAX_SCOPE} agencies at most."),
        ));
    }
    Ok(())
}

/// Create a kiosk inside `tx`: its id and one-time enrolment code (shown once).
pub fn insert(
    tx: &Tx,
    name: &str,
    centre: &AgencyCode,
    scope: &[AgencyCode],
    now: DateTime<FixedOffset>,
) -> Result<(String, String), Error> {
    if name.trim().is_empty() || scope.is_empty() {
        return Err(Error::invalid(
            "kiosk.fields",
            "Kiosk cần có tên và phạm vi (các cơ quan được hiển thị hồ sơ).",
            "A kiosk needs a name and a scope (the agencies whose dossiers it shows).",
        ));
    }
    let name = super::text_field("name", name, 100, false, true)?.unwrap_or_default();
    check_scope(scope)?;
    let (token, _) = new_token();
    // Twelve characters are easy to type on a kiosk and impossible to guess.
    let code = token[..12].to_uppercase();
    let key = token_key(&code);
    let agencies = tx.open_table(AGENCIES)?;
    for a in std::iter::once(centre).chain(scope.iter()) {
        if agencies.get(a.as_str())?.is_none() {
            return Err(unknown_agency(a));
        }
    }
    drop(agencies);
    let queue_slot = free_queue_slot(tx, centre)?;
    let mut t = tx.open_table(KIOSKS)?;
    let id = format!("KIOSK-{:04}", t.len()? + 1);
    let kiosk = Kiosk {
        id: id.clone(),
        name,
        centre: centre.clone(),
        scope: scope.to_vec(),
        enrolment_key: Some(key),
        enrolled_at: None,
        revoked: false,
        created_at: now,
        last_heartbeat: None,
        scope_version: 0,
        config: KioskConfig::default(),
        rejected_events: 0,
        recent_rejections: Vec::new(),
        queue_slot,
    };
    t.insert(id.as_str(), encode(&kiosk)?.as_slice())?;
    drop(t);
    changes::record(tx, &Key::Kiosk(id.clone()), vec![], vec![])?;
    Ok((id, code))
}

/// The lowest offline queue slot no kiosk of `centre` holds (revoked kiosks give theirs back);
/// none when all are taken.
pub fn free_queue_slot(tx: &Tx, centre: &AgencyCode) -> Result<Option<u8>, Error> {
    let mut used = [false; motcua_core::queue::OFFLINE_SLOTS as usize + 1];
    for item in tx.open_table(KIOSKS)?.iter()? {
        let k: Kiosk = decode(item?.1.value())?;
        if &k.centre == centre
            && !k.revoked
            && let Some(s) = k.queue_slot
        {
            used[usize::from(s).min(used.len() - 1)] = true;
        }
    }
    Ok((1..=motcua_core::queue::OFFLINE_SLOTS).find(|s| !used[usize::from(*s)]))
}

pub async fn create(ctx: &Ctx, actor: &Actor, k: NewKiosk) -> Result<CreatedKiosk, Error> {
    actor.require_admin()?;
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    let (id, enrolment_code) = ctx
        .store
        .write(move |tx| {
            let made = insert(tx, &k.name, &k.centre, &k.scope, now)?;
            tx.audit(a.entry(now, "create_kiosk", &made.0, "ok"))?;
            tx.touch(Topic::Fleet);
            Ok::<_, Error>(made)
        })
        .await?;
    Ok(CreatedKiosk { id, enrolment_code })
}

pub async fn list(ctx: &Ctx, actor: &Actor) -> Result<Vec<KioskView>, Error> {
    actor.require_admin()?;
    ctx.store
        .read(|txn| {
            let mut out = Vec::new();
            for item in txn.open_table(KIOSKS)?.iter()? {
                let k: Kiosk = decode(item?.1.value())?;
                out.push(k.view());
            }
            Ok(out)
        })
        .await
}

/// Rename a kiosk, change its scope (its replica is then rebuilt) or its settings; the kiosk
/// learns of it through the change feed.
pub async fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    u: KioskUpdate,
) -> Result<KioskView, Error> {
    actor.require_admin()?;
    if u.name.as_deref().is_some_and(|n| n.trim().is_empty())
        || u.scope.as_ref().is_some_and(Vec::is_empty)
        || u.config
            .as_ref()
            .is_some_and(|c| !IDLE_RANGE_S.contains(&c.idle_timeout_s))
    {
        return Err(Error::invalid(
            "kiosk.fields",
            "Tên và phạm vi kiosk không được để trống; thời gian chờ từ 10 đến 3600 giây.",
            "A kiosk's name and scope cannot be empty; the idle timeout is 10 to 3600 seconds.",
        ));
    }
    let mut u = u;
    if let Some(n) = &u.name {
        u.name = super::text_field("name", n, 100, false, true)?;
    }
    if let Some(scope) = &u.scope {
        check_scope(scope)?;
    }
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    let id = id.to_owned();
    ctx.store
        .write(move |tx| {
            if let Some(scope) = &u.scope {
                let agencies = tx.open_table(AGENCIES)?;
                for ag in scope {
                    if agencies.get(ag.as_str())?.is_none() {
                        return Err(unknown_agency(ag));
                    }
                }
            }
            let found: Option<Kiosk> = get(&tx.open_table(KIOSKS)?, &id)?;
            let Some(mut k) = found else {
                return Err(no_kiosk());
            };
            // A kiosk made before queue slots existed gets one with its next change.
            if k.queue_slot.is_none() && !k.revoked {
                k.queue_slot = free_queue_slot(tx, &k.centre)?;
            }
            let mut t = tx.open_table(KIOSKS)?;
            if let Some(n) = &u.name {
                k.name = n.trim().to_owned();
            }
            if let Some(s) = u.scope.clone()
                && s != k.scope
            {
                k.scope = s;
                k.scope_version = k.scope_version.saturating_add(1);
            }
            if let Some(c) = u.config.clone() {
                k.config = c;
            }
            t.insert(id.as_str(), encode(&k)?.as_slice())?;
            drop(t);
            changes::record(tx, &Key::Kiosk(id.clone()), vec![], vec![])?;
            tx.audit(a.entry(now, "update_kiosk", &id, "ok"))?;
            tx.touch(Topic::Fleet);
            Ok(k.view())
        })
        .await
}

/// Revoke a kiosk: its device token is refused from the next call on.
pub async fn revoke(ctx: &Ctx, actor: &Actor, id: &str) -> Result<(), Error> {
    actor.require_admin()?;
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    let id = id.to_owned();
    ctx.store
        .write(move |tx| {
            let mut t = tx.open_table(KIOSKS)?;
            let Some(mut k): Option<Kiosk> = get(&t, &id)? else {
                return Err(no_kiosk());
            };
            k.revoked = true;
            t.insert(id.as_str(), encode(&k)?.as_slice())?;
            drop(t);
            let mut tokens = tx.open_table(KIOSK_TOKENS)?;
            let mut stale = Vec::new();
            for item in tokens.iter()? {
                let (key, v) = item?;
                if v.value() == id {
                    stale.push(key.value().to_owned());
                }
            }
            for key in stale {
                tokens.remove(key.as_str())?;
            }
            drop(tokens);
            tx.audit(a.entry(now, "revoke_kiosk", &id, "ok"))?;
            tx.touch(Topic::Fleet);
            Ok(())
        })
        .await
}

fn bad_code() -> Error {
    Error::new(
        Kind::Unauthorized,
        "kiosk.enrolment_code",
        "Mã đăng ký kiosk không đúng hoặc đã được dùng.",
        "The kiosk enrolment code is wrong or already used.",
    )
}

/// Exchange a one-time enrolment code for a device token.
pub async fn enrol(ctx: &Ctx, enrolment_code: &str) -> Result<Enrolled, Error> {
    let key = token_key(enrolment_code.trim().to_uppercase().as_str());
    let now = ctx.clock.now_vn();
    let (token, token_hash) = new_token();
    ctx.store
        .write(move |tx| {
            let mut t = tx.open_table(KIOSKS)?;
            let mut found = None;
            for item in t.iter()? {
                let k: Kiosk = decode(item?.1.value())?;
                if k.enrolment_key.as_deref() == Some(key.as_str()) && !k.revoked {
                    found = Some(k);
                    break;
                }
            }
            let Some(mut k) = found else {
                return Err(bad_code());
            };
            k.enrolment_key = None;
            k.enrolled_at = Some(now);
            t.insert(k.id.as_str(), encode(&k)?.as_slice())?;
            drop(t);
            tx.open_table(KIOSK_TOKENS)?
                .insert(token_hash.as_str(), k.id.as_str())?;
            tx.audit(audit_entry(now, &k.id, "kiosk", "enrol_kiosk", &k.id, "ok"))?;
            tx.touch(Topic::Fleet);
            Ok(Enrolled {
                kiosk_id: k.id,
                token: token.clone(),
                name: k.name,
                centre: k.centre,
                scope: k.scope,
            })
        })
        .await
}

/// The refusal of a call without a valid device token.
pub fn refused() -> Error {
    Error::new(
        Kind::Unauthorized,
        "kiosk.unauthenticated",
        "Kiosk chưa đăng ký, đã bị thu hồi hoặc mã thiết bị không đúng.",
        "The kiosk is not enrolled, was revoked, or its device token is wrong.",
    )
}

/// The enrolled, unrevoked kiosk holding `token`. Read on every call, never cached: a revoked
/// kiosk is refused at once.
pub async fn authenticate(ctx: &Ctx, token: &str) -> Result<Kiosk, Error> {
    let key = token_key(token.trim());
    ctx.store
        .read(move |txn| {
            let Some(id) = txn
                .open_table(KIOSK_TOKENS)?
                .get(key.as_str())?
                .map(|v| v.value().to_owned())
            else {
                return Ok(None);
            };
            Ok::<_, Error>(get::<Kiosk>(&txn.open_table(KIOSKS)?, &id)?)
        })
        .await?
        .filter(|k| !k.revoked)
        .ok_or_else(refused)
}

/// Keep a kiosk's heartbeat.
/// Refuse a heartbeat whose texts are not what a kiosk sends: a version of up to 64 visible
/// ASCII characters, a cursor of up to 64, a printer error of up to 200.
fn check_heartbeat(h: &Heartbeat) -> Result<(), Error> {
    let visible = |s: &str, max: usize| {
        s.len() <= max && s.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
    };
    let ok = visible(&h.app_version, 64)
        && h.cursor.as_deref().is_none_or(|c| visible(c, 64))
        && serde_json::to_vec(&h.printer).is_ok_and(|v| v.len() <= 1024)
        && serde_json::to_vec(&h.scanner).is_ok_and(|v| v.len() <= 1024)
        && h.help_requested_at
            .is_none_or(|t| motcua_core::time::check(t).is_ok());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "sync.heartbeat",
            "Báo cáo tình trạng kiosk không hợp lệ (phiên bản, con trỏ hoặc trạng thái thiết bị quá dài).",
            "The kiosk's heartbeat is not valid (its version, cursor or device state is too long).",
        ))
    }
}

pub async fn heartbeat(ctx: &Ctx, kiosk: &Kiosk, h: Heartbeat) -> Result<(), Error> {
    check_heartbeat(&h)?;
    let now = ctx.clock.now_vn();
    let id = kiosk.id.clone();
    ctx.store
        .write(move |tx| {
            let mut t = tx.open_table(KIOSKS)?;
            let Some(mut k): Option<Kiosk> = get(&t, &id)? else {
                return Err(no_kiosk());
            };
            k.last_heartbeat = Some((now, h.clone()));
            t.insert(id.as_str(), encode(&k)?.as_slice())?;
            drop(t);
            // One sample a minute for the console's history; a day of them kept.
            let minute = now.timestamp().div_euclid(60) * 60;
            let mut beats = tx.open_table(KIOSK_BEATS)?;
            beats.insert(
                (id.as_str(), minute),
                Beat::of(minute, &h).pack().as_slice(),
            )?;
            beats.retain_in(
                (id.as_str(), i64::MIN)..(id.as_str(), minute - BEATS_KEPT_S),
                |_, _| false,
            )?;
            drop(beats);
            tx.touch(Topic::Fleet);
            Ok(())
        })
        .await
}

/// How long heartbeat samples are kept, in seconds.
pub const BEATS_KEPT_S: i64 = 24 * 3600;

/// A kiosk's heartbeat as its history keeps it (one a minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Beat {
    /// The minute, Unix seconds.
    pub at: i64,
    pub printer: motcua_core::devices::PrinterStatus,
    pub scanner: motcua_core::devices::ScannerState,
    pub outbox: u64,
    pub free_disk_mb: u64,
}

const PRINTERS: [motcua_core::devices::PrinterStatus; 6] = {
    use motcua_core::devices::PrinterStatus::*;
    [Online, PaperNearEnd, PaperOut, CoverOpen, Offline, Unknown]
};
const SCANNERS: [motcua_core::devices::ScannerState; 3] = {
    use motcua_core::devices::ScannerState::*;
    [Connected, Disconnected, None]
};

impl Beat {
    pub(crate) fn of(at: i64, h: &Heartbeat) -> Beat {
        Beat {
            at,
            printer: h.printer,
            scanner: h.scanner,
            outbox: h.outbox_depth,
            free_disk_mb: h.free_disk_mb,
        }
    }

    /// `printer u8 | scanner u8 | outbox u64 | free disk u64` (little-endian).
    pub(crate) fn pack(&self) -> [u8; 18] {
        let mut out = [0u8; 18];
        out[0] = PRINTERS
            .iter()
            .position(|p| *p == self.printer)
            .unwrap_or(5) as u8;
        out[1] = SCANNERS
            .iter()
            .position(|s| *s == self.scanner)
            .unwrap_or(2) as u8;
        out[2..10].copy_from_slice(&self.outbox.to_le_bytes());
        out[10..18].copy_from_slice(&self.free_disk_mb.to_le_bytes());
        out
    }

    fn unpack(at: i64, b: &[u8]) -> Option<Beat> {
        let b: &[u8; 18] = b.try_into().ok()?;
        Some(Beat {
            at,
            printer: *PRINTERS.get(usize::from(b[0]))?,
            scanner: *SCANNERS.get(usize::from(b[1]))?,
            outbox: u64::from_le_bytes(b[2..10].try_into().ok()?),
            free_disk_mb: u64::from_le_bytes(b[10..18].try_into().ok()?),
        })
    }
}

/// A slip a kiosk failed to print, or a fault it reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub at: String,
    /// `print_result` or `error`.
    pub kind: &'static str,
    /// The slip (`status`, `ticket`, …) or the fault's code.
    pub what: String,
    /// The printer's state and error, or the fault's detail.
    pub detail: String,
}

/// What the console shows of one kiosk.
#[derive(Debug, Clone)]
pub struct KioskDetail {
    pub view: KioskView,
    /// The last day's heartbeats, oldest first.
    pub beats: Vec<Beat>,
    /// The latest print failures and faults, newest first.
    pub incidents: Vec<Incident>,
}

/// Events looked at for a kiosk's incidents, newest first.
const INCIDENT_SCAN: usize = 2000;
/// Incidents shown at most.
const INCIDENTS_SHOWN: usize = 20;

/// One kiosk with its last day of heartbeats and its latest print failures and faults.
pub async fn detail(ctx: &Ctx, actor: &Actor, id: &str) -> Result<KioskDetail, Error> {
    actor.require_admin()?;
    let id = id.to_owned();
    ctx.store
        .read(move |txn| {
            let Some(k): Option<Kiosk> = get(&txn.open_table(KIOSKS)?, &id)? else {
                return Err(no_kiosk());
            };
            let mut beats = Vec::new();
            for item in txn
                .open_table(KIOSK_BEATS)?
                .range((id.as_str(), i64::MIN)..=(id.as_str(), i64::MAX))?
            {
                let (key, v) = item?;
                if let Some(b) = Beat::unpack(key.value().1, v.value()) {
                    beats.push(b);
                }
            }
            let seqs = txn.open_table(KIOSK_SEQS)?;
            let events = txn.open_table(KIOSK_EVENTS)?;
            let mut incidents = Vec::new();
            for item in seqs
                .range((id.as_str(), 0)..=(id.as_str(), u64::MAX))?
                .rev()
                .take(INCIDENT_SCAN)
            {
                let (_, uuid) = item?;
                let Some(raw) = events.get((id.as_str(), uuid.value()))? else {
                    continue;
                };
                let v: serde_json::Value = decode(raw.value())?;
                let at = v["at"]
                    .as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                    .map(|t| {
                        t.with_timezone(&motcua_core::time::VIETNAM)
                            .format("%H:%M:%S %d/%m/%Y")
                            .to_string()
                    })
                    .unwrap_or_default();
                let e = &v["event"];
                let text = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_owned();
                match e["type"].as_str() {
                    Some("print_result") if e["data"]["ok"] == false => incidents.push(Incident {
                        at,
                        kind: "print_result",
                        what: text(&e["data"]["slip"]),
                        detail: [text(&e["data"]["printer"]), text(&e["data"]["error"])]
                            .into_iter()
                            .filter(|s| !s.is_empty())
                            .collect::<Vec<_>>()
                            .join(" · "),
                    }),
                    Some("error") => incidents.push(Incident {
                        at,
                        kind: "error",
                        what: text(&e["data"]["code"]),
                        detail: text(&e["data"]["detail"]),
                    }),
                    _ => {}
                }
                if incidents.len() >= INCIDENTS_SHOWN {
                    break;
                }
            }
            Ok(KioskDetail {
                view: k.view(),
                beats,
                incidents,
            })
        })
        .await
}
