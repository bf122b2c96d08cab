//! Ratings of the service: the scale, ratings from the public, summaries (see `ops::ratings`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use motcua_protocol::public::{RatingIn, ScaleView};
use motcua_protocol::routes;

use super::public::{Caller, limit};
use super::{ApiError, Body, Staff};
use crate::AppState;
use crate::db::model::Rating;
use crate::ops::ratings::{self, Summary};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::PUBLIC_RATINGS, post(rate))
        .route(routes::PUBLIC_RATING_SCALE, get(scale))
        .route(routes::RATINGS_SUMMARY, get(summary))
}

async fn scale(State(st): State<AppState>) -> Json<ScaleView> {
    Json(ratings::scale_view(st.config.rating_scale))
}

async fn rate(
    State(st): State<AppState>,
    caller: Caller,
    Body(r): Body<RatingIn>,
) -> Result<(StatusCode, Json<Rating>), ApiError> {
    limit(&st, &caller)?;
    let source = match &caller.centre {
        Some(centre) => ratings::Source::Kiosk { centre },
        None => ratings::Source::Web {
            client: &caller.key,
        },
    };
    Ok((
        StatusCode::CREATED,
        Json(ratings::rate(&st.ctx, r, source).await?),
    ))
}

async fn summary(State(st): State<AppState>, staff: Staff) -> Result<Json<Summary>, ApiError> {
    Ok(Json(ratings::summary(&st.ctx, &staff).await?))
}
