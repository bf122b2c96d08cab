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
        .route(routes::PORTAL_DOSSIERS, post(portal_push))
}

/// The portal a bearer token belongs to, by the SHA-256 of the token (compared in constant
/// time); none for any other token.
fn portal_of(st: &AppState, headers: &axum::http::HeaderMap) -> Option<String> {
    use subtle::ConstantTimeEq;
    let token = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?
        .trim();
    if token.is_empty() || token.len() > 200 {
        return None;
    }
    let digest = crate::ops::passwords::token_key(token);
    st.config
        .portal_tokens
        .iter()
        .find(|(_, d)| bool::from(d.to_ascii_lowercase().as_bytes().ct_eq(digest.as_bytes())))
        .map(|(name, _)| name.clone())
}

/// A dossier submitted online, pushed by a portal: it waits at its desk, as submitted, for the
/// check that receives it (Art. 8.1c). Audited under the portal's name.
async fn portal_push(
    State(st): State<AppState>,
    super::ClientAddr(addr): super::ClientAddr,
    headers: axum::http::HeaderMap,
    Body(b): Body<motcua_protocol::staff::PortalSubmission>,
) -> Result<(StatusCode, Json<ReceiveReply>), ApiError> {
    let Some(portal) = portal_of(&st, &headers) else {
        return Err(Error::new(
            ops::Kind::Unauthorized,
            "portal.token",
            "Cổng gửi hồ sơ không được nhận diện.",
            "The portal is not recognised.",
        )
        .into());
    };
    let desk = motcua_core::AgencyCode::parse(b.desk.trim())
        .map_err(|e| Error::domain(ops::Kind::Invalid, &e))?;
    let known = {
        let d = desk.to_string();
        st.store
            .read(move |txn| {
                Ok::<_, Error>(
                    redb::ReadableTable::get(&txn.open_table(crate::db::AGENCIES)?, d.as_str())?
                        .is_some(),
                )
            })
            .await?
    };
    if !known {
        return Err(Error::invalid(
            "desk",
            format!("Không có Bộ phận Một cửa mã {desk}."),
            format!("No desk with code {desk}."),
        )
        .into());
    }
    let now = st.clock.now_vn();
    let actor = ops::Actor {
        user: crate::db::model::User {
            username: format!("portal:{portal}"),
            full_name: format!("Cổng dịch vụ công ({portal})"),
            role: motcua_protocol::staff::Role::Receptionist,
            agency: Some(desk),
            password_hash: String::new(),
            must_change_password: false,
            failed_logins: 0,
            locked_until: None,
            disabled: false,
            created_at: now,
        },
        session_key: String::new(),
        addr,
    };
    let req = ReceiveRequest {
        procedure: b.procedure,
        applicant: b.applicant,
        channel: motcua_core::Channel::Online,
        documents: b.documents,
        submitted_at: Some(b.submitted_at),
    };
    let reply = dossiers::receive(&st.ctx, &actor, req).await?;
    Ok((StatusCode::CREATED, Json(reply)))
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
