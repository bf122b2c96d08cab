//! Kiosk events pushed from outboxes (see `ops::sync`).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use motcua_protocol::routes;
use motcua_protocol::sync::{EventAck, EventBatch};

use super::{ApiError, Body, KioskAuth};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(routes::SYNC_EVENTS, post(push))
}

async fn push(
    State(st): State<AppState>,
    k: KioskAuth,
    Body(b): Body<EventBatch>,
) -> Result<Json<EventAck>, ApiError> {
    Ok(Json(crate::ops::sync::push(&st.ctx, &k.kiosk, b).await?))
}
