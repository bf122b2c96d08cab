//! The kiosk fleet for admins, enrolment and heartbeats for kiosks (see `ops::kiosks`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use motcua_protocol::routes;
use motcua_protocol::staff::{CreatedKiosk, KioskUpdate, KioskView, NewKiosk};
use motcua_protocol::sync::{EnrolRequest, Enrolled, Heartbeat};

use super::{ApiError, Body, KioskAuth, Staff};
use crate::AppState;
use crate::ops::kiosks;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::ADMIN_KIOSKS, get(list).post(create))
        .route(routes::ADMIN_KIOSK, patch(update))
        .route(routes::ADMIN_KIOSK_REVOKE, post(revoke))
        .route(routes::SYNC_ENROL, post(enrol))
        .route(routes::SYNC_HEARTBEAT, post(heartbeat))
}

async fn create(
    State(st): State<AppState>,
    staff: Staff,
    Body(k): Body<NewKiosk>,
) -> Result<(StatusCode, Json<CreatedKiosk>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(kiosks::create(&st.ctx, &staff, k).await?),
    ))
}

async fn list(State(st): State<AppState>, staff: Staff) -> Result<Json<Vec<KioskView>>, ApiError> {
    Ok(Json(kiosks::list(&st.ctx, &staff).await?))
}

async fn update(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Body(u): Body<KioskUpdate>,
) -> Result<Json<KioskView>, ApiError> {
    Ok(Json(kiosks::update(&st.ctx, &staff, &id, u).await?))
}

async fn revoke(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    kiosks::revoke(&st.ctx, &staff, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn enrol(
    State(st): State<AppState>,
    Body(e): Body<EnrolRequest>,
) -> Result<Json<Enrolled>, ApiError> {
    Ok(Json(kiosks::enrol(&st.ctx, &e.enrolment_code).await?))
}

async fn heartbeat(
    State(st): State<AppState>,
    k: KioskAuth,
    Body(h): Body<Heartbeat>,
) -> Result<StatusCode, ApiError> {
    kiosks::heartbeat(&st.ctx, &k.kiosk, h).await?;
    Ok(StatusCode::NO_CONTENT)
}
