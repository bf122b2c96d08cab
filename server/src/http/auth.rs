//! Sign in, sign out, change the password, who am I.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use motcua_protocol::routes;
use motcua_protocol::staff::{LoginReply, LoginRequest, PasswordChange, UserView};

use super::{ApiError, Body, ClientAddr, Staff};
use crate::AppState;
use crate::ops::accounts;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::LOGIN, post(login))
        .route(routes::LOGOUT, post(logout))
        .route(routes::PASSWORD, post(change_password))
        .route(routes::ME, get(me))
}

async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(b): Body<LoginRequest>,
) -> Result<Json<LoginReply>, ApiError> {
    Ok(Json(accounts::login(&st.ctx, &addr, b).await?))
}

async fn logout(State(st): State<AppState>, staff: Staff) -> Result<StatusCode, ApiError> {
    accounts::logout(&st.ctx, &staff).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn change_password(
    State(st): State<AppState>,
    staff: Staff,
    Body(b): Body<PasswordChange>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(accounts::change_password(&st.ctx, &staff, b).await?))
}

async fn me(staff: Staff) -> Json<UserView> {
    Json(accounts::user_view(&staff.user))
}
