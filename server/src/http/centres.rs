//! What a centre shows on its kiosks and its web page (see `ops::centres`).

use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use motcua_protocol::centre::CentreInfo;
use motcua_protocol::routes;

use super::public::{Caller, limit};
use super::{ApiError, Body, Staff};
use crate::AppState;
use crate::ops::centres;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::ADMIN_CENTRE, put(set))
        .route(routes::PUBLIC_CENTRE, get(show))
}

async fn set(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Body(info): Body<CentreInfo>,
) -> Result<Json<CentreInfo>, ApiError> {
    Ok(Json(centres::set(&st.ctx, &staff, &code, info).await?))
}

async fn show(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<CentreInfo>, ApiError> {
    limit(&st, &caller)?;
    Ok(Json(centres::show(&st.ctx, &code).await?))
}
