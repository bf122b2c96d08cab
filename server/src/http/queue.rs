//! The hall's queue over HTTP (see `ops::queue`).

use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use motcua_protocol::queue::{
    BoardState, CounterStatus, IssueRequest, QueueConfig, SeatRequest, StatsBy, TicketCommand,
    TicketView,
};
use motcua_protocol::routes;

use super::public::{Caller, limit};
use super::{ApiError, Body, KioskAuth, Params, Staff};
use crate::AppState;
use crate::ops::queue::{self, Issuing};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::QUEUE_CONFIG, get(config).put(set_config))
        .route(routes::QUEUE_TICKETS, post(issue_desk))
        .route(routes::SYNC_TICKETS, post(issue_kiosk))
        .route(routes::QUEUE_SEAT, put(sit).delete(leave))
        .route(routes::QUEUE_COUNTER, get(counter))
        .route(routes::QUEUE_CALL_NEXT, post(call_next))
        .route(routes::QUEUE_TICKET_ACTIONS, post(act))
        .route(routes::PUBLIC_QUEUE, get(board))
        .route(routes::PUBLIC_TICKET, get(ticket))
        .route(routes::QUEUE_STATS, get(stats))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsQuery {
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    #[serde(default)]
    by: StatsBy,
    #[serde(default)]
    format: Option<String>,
}

/// Queue statistics, JSON or CSV (`format=csv`); the period defaults to today.
async fn stats(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Params(q): Params<StatsQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let today = st.clock.now_vn().date_naive();
    let to = q.to.unwrap_or(today);
    let from = q.from.unwrap_or(to);
    let s = queue::stats(&st.ctx, &staff, &code, from, to, q.by).await?;
    Ok(match q.format.as_deref() {
        None | Some("json") => Json(s).into_response(),
        Some("csv") => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"thong-ke-hang-doi.csv\"",
                ),
            ],
            queue::stats_csv(&s)?,
        )
            .into_response(),
        Some(_) => {
            return Err(ApiError(crate::ops::Error::bad_request(
                "request.format",
                "Định dạng là json hoặc csv.",
                "The format is json or csv.",
            )));
        }
    })
}

async fn config(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<QueueConfig>, ApiError> {
    limit(&st, &caller)?;
    Ok(Json(queue::config(&st.ctx, &code).await?))
}

async fn set_config(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Body(cfg): Body<QueueConfig>,
) -> Result<Json<QueueConfig>, ApiError> {
    Ok(Json(queue::set_config(&st.ctx, &staff, &code, cfg).await?))
}

async fn issue_desk(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Body(req): Body<IssueRequest>,
) -> Result<Json<TicketView>, ApiError> {
    Ok(Json(
        queue::issue(&st.ctx, Issuing::Desk(&staff), &code, req).await?,
    ))
}

async fn issue_kiosk(
    State(st): State<AppState>,
    auth: KioskAuth,
    Body(req): Body<IssueRequest>,
) -> Result<Json<TicketView>, ApiError> {
    let centre = auth.kiosk.centre.to_string();
    Ok(Json(
        queue::issue(&st.ctx, Issuing::Kiosk(&auth.kiosk), &centre, req).await?,
    ))
}

async fn sit(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Body(req): Body<SeatRequest>,
) -> Result<Json<CounterStatus>, ApiError> {
    Ok(Json(queue::sit(&st.ctx, &staff, &code, req.counter).await?))
}

async fn leave(
    State(st): State<AppState>,
    staff: Staff,
    Path(_code): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    queue::leave(&st.ctx, &staff).await?;
    Ok(Json(serde_json::json!({ "ok": true })))
}

async fn counter(
    State(st): State<AppState>,
    staff: Staff,
    Path((code, counter)): Path<(String, u16)>,
) -> Result<Json<CounterStatus>, ApiError> {
    Ok(Json(
        queue::counter_status(&st.ctx, &staff, &code, counter).await?,
    ))
}

async fn call_next(
    State(st): State<AppState>,
    staff: Staff,
    Path((code, counter)): Path<(String, u16)>,
) -> Result<Json<CounterStatus>, ApiError> {
    Ok(Json(
        queue::call_next(&st.ctx, &staff, &code, counter).await?,
    ))
}

async fn act(
    State(st): State<AppState>,
    staff: Staff,
    Path((code, counter, number)): Path<(String, u16, String)>,
    Body(cmd): Body<TicketCommand>,
) -> Result<Json<CounterStatus>, ApiError> {
    Ok(Json(
        queue::act(&st.ctx, &staff, &code, counter, &number, cmd).await?,
    ))
}

async fn board(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<BoardState>, ApiError> {
    limit(&st, &caller)?;
    Ok(Json(queue::board(&st.ctx, &code).await?))
}

async fn ticket(
    State(st): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, ApiError> {
    limit(&st, &caller)?;
    Ok(Json(queue::ticket(&st.ctx, &id).await?))
}
