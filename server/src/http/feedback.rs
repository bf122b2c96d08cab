//! Feedback (Art. 21): from the public and kiosks, entered by staff, assigned, answered, closed
//! (see `ops::feedback`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use motcua_protocol::public::{FeedbackIn, PublicFeedback};
use motcua_protocol::routes;

use super::public::{Caller, limit};
use super::{ApiError, Body, Staff};
use crate::AppState;
use crate::db::model::Feedback;
use crate::ops::feedback::{self, FeedbackAction};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::PUBLIC_FEEDBACK, post(submit_public))
        .route(routes::PUBLIC_FEEDBACK_ONE, get(show_public))
        .route(routes::FEEDBACK, post(enter))
        .route(routes::FEEDBACK_ONE, get(show))
        .route(routes::FEEDBACK_ACTIONS, post(act))
}

async fn submit_public(
    State(st): State<AppState>,
    caller: Caller,
    Body(b): Body<FeedbackIn>,
) -> Result<(StatusCode, Json<PublicFeedback>), ApiError> {
    limit(&st, &caller)?;
    Ok((
        StatusCode::CREATED,
        Json(feedback::submit(&st.ctx, b).await?),
    ))
}

async fn enter(
    State(st): State<AppState>,
    staff: Staff,
    Body(b): Body<FeedbackIn>,
) -> Result<(StatusCode, Json<Feedback>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(feedback::enter(&st.ctx, &staff, b).await?),
    ))
}

async fn show_public(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<PublicFeedback>, ApiError> {
    limit(&st, &caller)?;
    Ok(Json(feedback::public_view(
        &feedback::load(&st.ctx, code).await?,
    )))
}

async fn show(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Json<Feedback>, ApiError> {
    Ok(Json(feedback::load_for(&st.ctx, &staff, code).await?))
}

async fn act(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Body(a): Body<FeedbackAction>,
) -> Result<Json<Feedback>, ApiError> {
    Ok(Json(feedback::act(&st.ctx, &staff, code, a).await?))
}
