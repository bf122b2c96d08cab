//! The kiosk fleet: an admin creates a kiosk (name, centre, scope) and gets a one-time enrolment
//! code; the kiosk exchanges it for a device token (stored hashed, revocable); every sync call is
//! authenticated by that token; heartbeats are stored for the fleet console.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset};
use motcua_core::AgencyCode;
use motcua_core::devices::{PrinterStatus, ScannerState};
use redb::{ReadableTable, ReadableTableMetadata};
use serde::{Deserialize, Serialize};

use super::{Body, Staff};
use crate::AppState;
use crate::auth::{new_token, token_key};
use crate::error::ApiError;
use crate::store::{AGENCIES, KIOSK_TOKENS, KIOSKS, decode, encode, get_json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/kiosks", get(list).post(create))
        .route("/api/v1/admin/kiosks/{id}/revoke", post(revoke))
        .route("/api/v1/sync/enrol", post(enrol))
        .route("/api/v1/sync/heartbeat", post(heartbeat))
}

/// What a kiosk last reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    pub app_version: String,
    pub uptime_s: u64,
    /// The last change-feed cursor the kiosk applied.
    #[serde(default)]
    pub cursor: Option<String>,
    pub outbox_depth: u64,
    pub printer: PrinterStatus,
    pub scanner: ScannerState,
    pub free_disk_mb: u64,
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKiosk {
    name: String,
    centre: AgencyCode,
    scope: Vec<AgencyCode>,
}

#[derive(Debug, Serialize)]
struct Created {
    id: String,
    /// Shown once: typed into the kiosk's configuration to enrol it.
    enrolment_code: String,
}

async fn create(
    State(st): State<AppState>,
    staff: Staff,
    Body(k): Body<NewKiosk>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    staff.require_admin()?;
    if k.name.trim().is_empty() || k.scope.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "kiosk.fields",
            "Kiosk cần có tên và phạm vi (các cơ quan được hiển thị hồ sơ).",
            "A kiosk needs a name and a scope (the agencies whose dossiers it shows).",
        ));
    }
    let now = st.clock.now_vn();
    let (code, key) = {
        let (token, _) = new_token();
        // Twelve characters are easy to type on a kiosk and impossible to guess.
        let code = token[..12].to_uppercase();
        let key = token_key(&code);
        (code, key)
    };
    let id = st
        .store
        .write(move |txn| {
            let agencies = txn.open_table(AGENCIES)?;
            for a in std::iter::once(&k.centre).chain(k.scope.iter()) {
                if agencies.get(a.as_str())?.is_none() {
                    return Ok(Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "agency.unknown",
                        format!("Không có cơ quan mã {a}."),
                        format!("No agency with code {a}."),
                    )));
                }
            }
            drop(agencies);
            let mut t = txn.open_table(KIOSKS)?;
            let id = format!("KIOSK-{:04}", t.len()? + 1);
            let kiosk = Kiosk {
                id: id.clone(),
                name: k.name.trim().to_owned(),
                centre: k.centre,
                scope: k.scope,
                enrolment_key: Some(key),
                enrolled_at: None,
                revoked: false,
                created_at: now,
                last_heartbeat: None,
            };
            t.insert(id.as_str(), encode(&kiosk)?.as_slice())?;
            drop(t);
            staff.audit(txn, now, "create_kiosk", &id, "ok")?;
            Ok(Ok(id))
        })
        .await??;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id,
            enrolment_code: code,
        }),
    ))
}

async fn list(State(st): State<AppState>, staff: Staff) -> Result<Json<Vec<Kiosk>>, ApiError> {
    staff.require_admin()?;
    let v = st
        .store
        .read(|txn| {
            let mut out = Vec::new();
            for item in txn.open_table(KIOSKS)?.iter()? {
                let mut k: Kiosk = decode(item?.1.value())?;
                k.enrolment_key = None;
                out.push(k);
            }
            Ok(out)
        })
        .await?;
    Ok(Json(v))
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Enrol {
    enrolment_code: String,
}

#[derive(Debug, Serialize)]
struct Enrolled {
    kiosk_id: String,
    /// The device token: kept by the kiosk, sent with every sync call.
    token: String,
    name: String,
    centre: AgencyCode,
    scope: Vec<AgencyCode>,
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
    Body(e): Body<Enrol>,
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
