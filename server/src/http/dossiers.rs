//! The dossier workflow: receive, act, read, list.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use motcua_core::workflow::Command;
use motcua_protocol::routes;
use motcua_protocol::staff::{DossierList, ListQuery, ReceiveReply, ReceiveRequest};

use super::{ApiError, Body, Params, Staff, json_response};
use crate::AppState;
use crate::ops::{self, Error, dossiers};
use crate::projections::views::{self, Seen};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::DOSSIERS, post(receive).get(list))
        .route(routes::DOSSIER, get(show))
        .route(routes::DOSSIER_ACTIONS, post(act))
}

async fn receive(
    State(st): State<AppState>,
    staff: Staff,
    Body(b): Body<ReceiveRequest>,
) -> Result<(StatusCode, Json<ReceiveReply>), ApiError> {
    let reply = dossiers::receive(&st.ctx, &staff, b).await?;
    Ok((StatusCode::CREATED, Json(reply)))
}

async fn act(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Body(cmd): Body<Command>,
) -> Result<Response, ApiError> {
    let code = dossiers::parse_code(&code)?;
    let rec = dossiers::act(&st.ctx, &staff, &code, cmd).await?;
    let json = views::answer_of(&rec, &st.cal.get(), st.clock.now_vn())?;
    Ok(json_response(json))
}

async fn show(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let code = dossiers::parse_code(&code)?.to_string();
    let now = st.clock.now_vn();
    let cal = st.cal.get();
    match st
        .store
        .read_now(|txn| views::read(txn, &code, &staff.user, &cal, now))?
    {
        Seen::Json(json) => Ok(json_response(json)),
        Seen::OutOfScope => Err(dossiers::out_of_scope().into()),
        Seen::Missing => Err(Error::not_found("hồ sơ", "Dossier").into()),
    }
}

async fn list(
    State(st): State<AppState>,
    staff: Staff,
    Params(q): Params<ListQuery>,
) -> Result<Json<DossierList>, ApiError> {
    Ok(Json(ops::dossiers::list(&st.ctx, &staff, q).await?))
}
