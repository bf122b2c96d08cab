//! The kiosk fleet: an admin creates a kiosk (name, centre, scope) and gets a one-time enrolment
//! code; the kiosk exchanges it for a device token (stored hashed, revocable); every sync call is
//! authenticated by that token; heartbeats are stored for the fleet console.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset};
use motcua_core::AgencyCode;
use motcua_protocol::staff::{CreatedKiosk, KioskUpdate, KioskView, NewKiosk, RejectedEvent};
use motcua_protocol::sync::{EnrolRequest, Enrolled, Heartbeat, IDLE_RANGE_S, KioskConfig};
use redb::{ReadableTable, ReadableTableMetadata};
use serde::{Deserialize, Serialize};

use super::{Body, Staff};
use crate::AppState;
use crate::auth::{new_token, token_key};
use crate::changes::{self, Key};
use crate::error::ApiError;
use crate::store::{AGENCIES, KIOSK_TOKENS, KIOSKS, decode, encode, get_json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/kiosks", get(list).post(create))
        .route("/api/v1/admin/kiosks/{id}", patch(update))
        .route("/api/v1/admin/kiosks/{id}/revoke", post(revoke))
        .route("/api/v1/sync/enrol", post(enrol))
        .route("/api/v1/sync/heartbeat", post(heartbeat))
}

/// A kiosk as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kiosk {
    pub id: String,
    pub name: String,
    pub centre: AgencyCode,
    /// The agencies whose dossiers it may show.
    pub scope: Vec<AgencyCode>,
    /// SHA-256 of the one-time enrolment code, until used.
    pub enrolment_key: Option<String>,
    pub enrolled_at: Option<DateTime<FixedOffset>>,
    pub revoked: bool,
    pub created_at: DateTime<FixedOffset>,
    pub last_heartbeat: Option<(DateTime<FixedOffset>, Heartbeat)>,
    /// Raised when the scope changes: older cursors must resnapshot.
    #[serde(default)]
    pub scope_version: u32,
    #[serde(default)]
    pub config: KioskConfig,
    /// Events it pushed that were refused for good, and the latest of them.
    #[serde(default)]
    pub rejected_events: u64,
    #[serde(default)]
    pub recent_rejections: Vec<RejectedEvent>,
}

/// How many refused events a kiosk's record keeps (the count goes on).
pub const RECENT_REJECTIONS: usize = 20;

impl Kiosk {
    /// What the fleet console sees: no enrolment key.
    pub fn view(&self) -> KioskView {
        KioskView {
            id: self.id.clone(),
            name: self.name.clone(),
            centre: self.centre.clone(),
            scope: self.scope.clone(),
            enrolled_at: self.enrolled_at,
            revoked: self.revoked,
            created_at: self.created_at,
            last_heartbeat: self.last_heartbeat.clone(),
            config: self.config.clone(),
            rejected_events: self.rejected_events,
            recent_rejections: self.recent_rejections.clone(),
        }
    }
}

async fn create(
    State(st): State<AppState>,
    staff: Staff,
    Body(k): Body<NewKiosk>,
) -> Result<(StatusCode, Json<CreatedKiosk>), ApiError> {
    staff.require_admin()?;
    let now = st.clock.now_vn();
    let (id, code) = st
        .store
        .write(move |txn| {
            let made = create_kiosk(txn, &k.name, k.centre, k.scope, now)?;
            if let Ok((id, _)) = &made {
                staff.audit(txn, now, "create_kiosk", id, "ok")?;
            }
            Ok(made)
        })
        .await??;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKiosk {
            id,
            enrolment_code: code,
        }),
    ))
}

/// Create a kiosk inside `txn`: its id and one-time enrolment code (shown once). Also used by
/// the demo, which enrols its own kiosk.
pub fn create_kiosk(
    txn: &redb::WriteTransaction,
    name: &str,
    centre: AgencyCode,
    scope: Vec<AgencyCode>,
    now: DateTime<FixedOffset>,
) -> Result<Result<(String, String), ApiError>, ApiError> {
    if name.trim().is_empty() || scope.is_empty() {
        return Ok(Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "kiosk.fields",
            "Kiosk cần có tên và phạm vi (các cơ quan được hiển thị hồ sơ).",
            "A kiosk needs a name and a scope (the agencies whose dossiers it shows).",
        )));
    }
    let (token, _) = new_token();
    // Twelve characters are easy to type on a kiosk and impossible to guess.
    let code = token[..12].to_uppercase();
    let key = token_key(&code);
    let agencies = txn.open_table(AGENCIES)?;
    for a in std::iter::once(&centre).chain(scope.iter()) {
        if agencies.get(a.as_str())?.is_none() {
            return Ok(Err(unknown_agency(a)));
        }
    }
    drop(agencies);
    let mut t = txn.open_table(KIOSKS)?;
    let id = format!("KIOSK-{:04}", t.len()? + 1);
    let kiosk = Kiosk {
        scope_version: 0,
        rejected_events: 0,
        recent_rejections: Vec::new(),
        config: KioskConfig::default(),
        id: id.clone(),
        name: name.trim().to_owned(),
        centre,
        scope,
        enrolment_key: Some(key),
        enrolled_at: None,
        revoked: false,
        created_at: now,
        last_heartbeat: None,
    };
    t.insert(id.as_str(), encode(&kiosk)?.as_slice())?;
    drop(t);
    changes::record(txn, &Key::Kiosk(id.clone()), vec![], vec![])?;
    Ok(Ok((id, code)))
}

async fn list(State(st): State<AppState>, staff: Staff) -> Result<Json<Vec<KioskView>>, ApiError> {
    staff.require_admin()?;
    let v = st
        .store
        .read(|txn| {
            let mut out = Vec::new();
            for item in txn.open_table(KIOSKS)?.iter()? {
                let k: Kiosk = decode(item?.1.value())?;
                out.push(k.view());
            }
            Ok(out)
        })
        .await?;
    Ok(Json(v))
}

fn unknown_agency(a: &AgencyCode) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "agency.unknown",
        format!("Không có cơ quan mã {a}."),
        format!("No agency with code {a}."),
    )
}

/// Rename a kiosk, change its scope (its replica is then rebuilt) or its settings; the kiosk
/// learns of it through the change feed.
async fn update(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Body(u): Body<KioskUpdate>,
) -> Result<Json<KioskView>, ApiError> {
    staff.require_admin()?;
    if u.name.as_deref().is_some_and(|n| n.trim().is_empty())
        || u.scope.as_ref().is_some_and(Vec::is_empty)
        || u.config
            .as_ref()
            .is_some_and(|c| !IDLE_RANGE_S.contains(&c.idle_timeout_s))
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "kiosk.fields",
            "Tên và phạm vi kiosk không được để trống; thời gian chờ từ 10 đến 3600 giây.",
            "A kiosk's name and scope cannot be empty; the idle timeout is 10 to 3600 seconds.",
        ));
    }
    let now = st.clock.now_vn();
    let k = st
        .store
        .write(move |txn| {
            if let Some(scope) = &u.scope {
                let agencies = txn.open_table(AGENCIES)?;
                for a in scope {
                    if agencies.get(a.as_str())?.is_none() {
                        return Ok(Err(unknown_agency(a)));
                    }
                }
            }
            let mut t = txn.open_table(KIOSKS)?;
            let Some(mut k): Option<Kiosk> = get_json(&t, &id)? else {
                return Ok(Err(ApiError::not_found("kiosk", "Kiosk")));
            };
            if let Some(n) = u.name {
                k.name = n.trim().to_owned();
            }
            if let Some(s) = u.scope
                && s != k.scope
            {
                k.scope = s;
                k.scope_version += 1;
            }
            if let Some(c) = u.config {
                k.config = c;
            }
            t.insert(id.as_str(), encode(&k)?.as_slice())?;
            drop(t);
            changes::record(txn, &Key::Kiosk(id.clone()), vec![], vec![])?;
            staff.audit(txn, now, "update_kiosk", &id, "ok")?;
            Ok(Ok(k.view()))
        })
        .await??;
    Ok(Json(k))
}

async fn revoke(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    staff.require_admin()?;
    let now = st.clock.now_vn();
    st.store
        .write(move |txn| {
            let mut t = txn.open_table(KIOSKS)?;
            let Some(mut k): Option<Kiosk> = get_json(&t, &id)? else {
                return Ok(Err(ApiError::not_found("kiosk", "Kiosk")));
            };
            k.revoked = true;
            t.insert(id.as_str(), encode(&k)?.as_slice())?;
            drop(t);
            let mut tokens = txn.open_table(KIOSK_TOKENS)?;
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
            staff.audit(txn, now, "revoke_kiosk", &id, "ok")?;
            Ok(Ok(()))
        })
        .await??;
    Ok(StatusCode::NO_CONTENT)
}

fn bad_code() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "kiosk.enrolment_code",
        "Mã đăng ký kiosk không đúng hoặc đã được dùng.",
        "The kiosk enrolment code is wrong or already used.",
    )
}

async fn enrol(
    State(st): State<AppState>,
    Body(e): Body<EnrolRequest>,
) -> Result<Json<Enrolled>, ApiError> {
    let key = token_key(e.enrolment_code.trim().to_uppercase().as_str());
    let now = st.clock.now_vn();
    let (token, token_hash) = new_token();
    let out = st
        .store
        .write(move |txn| {
            let mut t = txn.open_table(KIOSKS)?;
            let mut found = None;
            for item in t.iter()? {
                let k: Kiosk = decode(item?.1.value())?;
                if k.enrolment_key.as_deref() == Some(key.as_str()) && !k.revoked {
                    found = Some(k);
                    break;
                }
            }
            let Some(mut k) = found else {
                return Ok(Err(bad_code()));
            };
            k.enrolment_key = None;
            k.enrolled_at = Some(now);
            t.insert(k.id.as_str(), encode(&k)?.as_slice())?;
            drop(t);
            txn.open_table(KIOSK_TOKENS)?
                .insert(token_hash.as_str(), k.id.as_str())?;
            crate::store::append_audit(
                txn,
                super::auth::audit_entry(now, &k.id, "kiosk", "enrol_kiosk", &k.id, "ok"),
            )?;
            Ok(Ok(Enrolled {
                kiosk_id: k.id,
                token,
                name: k.name,
                centre: k.centre,
                scope: k.scope,
            }))
        })
        .await??;
    Ok(Json(out))
}

/// An enrolled, unrevoked kiosk, authenticated by its device token.
#[derive(Debug, Clone)]
pub struct KioskAuth {
    pub kiosk: Kiosk,
}

impl FromRequestParts<AppState> for KioskAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let refused = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "kiosk.unauthenticated",
                "Kiosk chưa đăng ký, đã bị thu hồi hoặc mã thiết bị không đúng.",
                "The kiosk is not enrolled, was revoked, or its device token is wrong.",
            )
        };
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(refused)?;
        let key = token_key(token.trim());
        // Read on every call, never cached: a revoked kiosk is refused at once.
        let kiosk = st
            .store
            .read(move |txn| {
                let Some(id) = txn
                    .open_table(KIOSK_TOKENS)?
                    .get(key.as_str())?
                    .map(|v| v.value().to_owned())
                else {
                    return Ok(None);
                };
                get_json::<Kiosk>(&txn.open_table(KIOSKS)?, &id)
            })
            .await?
            .filter(|k| !k.revoked)
            .ok_or_else(refused)?;
        Ok(KioskAuth { kiosk })
    }
}

async fn heartbeat(
    State(st): State<AppState>,
    k: KioskAuth,
    Body(h): Body<Heartbeat>,
) -> Result<StatusCode, ApiError> {
    let now = st.clock.now_vn();
    let id = k.kiosk.id.clone();
    st.store
        .write(move |txn| {
            let mut t = txn.open_table(KIOSKS)?;
            let Some(mut k): Option<Kiosk> = get_json(&t, &id)? else {
                return Ok(Err(ApiError::not_found("kiosk", "Kiosk")));
            };
            k.last_heartbeat = Some((now, h));
            t.insert(id.as_str(), encode(&k)?.as_slice())?;
            Ok(Ok(()))
        })
        .await??;
    Ok(StatusCode::NO_CONTENT)
}
