//! HTTP routes, grouped per resource; each module exposes `router()`.

pub mod admin;
pub mod auth;
pub mod calendar;
pub mod centres;
pub mod dossiers;
pub mod feed;
pub mod feedback;
pub mod kiosks;
pub mod misc;
pub mod public;
pub mod ratings;
pub mod reports;
pub mod sync;

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::token_key;
use crate::error::ApiError;
use crate::model::{Session, User};
use crate::store::{SESSIONS, USERS, get_json};

/// A JSON body whose every rejection is a precise bilingual error.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    match e {
        JsonRejection::JsonDataError(e) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "request.invalid_field",
            format!("Dữ liệu gửi lên thiếu hoặc sai trường: {}", e.body_text()),
            format!("A field is missing or invalid: {}", e.body_text()),
        ),
        JsonRejection::JsonSyntaxError(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.malformed_json",
            format!("Nội dung gửi lên không phải JSON hợp lệ: {}", e.body_text()),
            format!("The body is not valid JSON: {}", e.body_text()),
        ),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request.content_type",
            "Cần gửi kèm tiêu đề Content-Type: application/json.",
            "Send the header Content-Type: application/json.",
        ),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request.too_large",
                "Nội dung gửi lên quá lớn.",
                "The request body is too large.",
            )
        }
        other => ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.unreadable",
            format!("Không đọc được nội dung gửi lên: {}", other.body_text()),
            format!("The request body could not be read: {}", other.body_text()),
        ),
    }
}

/// Query parameters whose every rejection is a precise bilingual error.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Params(v)),
            Err(e) => Err(ApiError::bad_request(
                "request.query",
                format!("Tham số không hợp lệ: {}", e.body_text()),
                format!("Invalid query parameters: {}", e.body_text()),
            )),
        }
    }
}

/// The client's address, for the audit log ("unknown" when served without a socket).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientAddr(addr))
    }
}

impl Staff {
    /// Refuse unless the account is a centre or system administrator.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.user.role.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "Chỉ quản trị viên được thực hiện thao tác này.",
                "Only administrators may do this.",
            ))
        }
    }

    /// Append an audit line for this staff member's action inside `txn`.
    pub fn audit(
        &self,
        txn: &redb::WriteTransaction,
        at: chrono::DateTime<chrono::FixedOffset>,
        action: &str,
        target: &str,
        outcome: &str,
    ) -> Result<u64, ApiError> {
        crate::store::append_audit(
            txn,
            auth::audit_entry(at, &self.user.username, &self.addr, action, target, outcome),
        )
    }
}

/// Routes a user who must still change the password may call.
const PASSWORD_CHANGE_PATHS: [&str; 3] = [
    "/api/v1/auth/password",
    "/api/v1/auth/logout",
    "/api/v1/auth/me",
];

/// An authenticated staff member, with a live session and a password already changed (except
/// on the few routes that change it).
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: User,
    pub session_key: String,
    pub addr: String,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        let key = token_key(token.trim());
        let now = state.clock.now_vn();
        let user = match state.sessions.get(&key) {
            Some((session, user)) if session.expires_at > now => user,
            Some(_) => return Err(ApiError::unauthorized()),
            None => {
                let epoch = state.sessions.epoch();
                let k = key.clone();
                let found = state
                    .store
                    .read(move |txn| {
                        let session: Option<Session> = get_json(&txn.open_table(SESSIONS)?, &k)?;
                        let Some(session) = session else {
                            return Ok(None);
                        };
                        let user: Option<User> =
                            get_json(&txn.open_table(USERS)?, &session.username)?;
                        Ok(user.map(|u| (session, u)))
                    })
                    .await?;
                let Some((session, user)) = found else {
                    return Err(ApiError::unauthorized());
                };
                state
                    .sessions
                    .insert(epoch, key.clone(), session.clone(), user.clone());
                if session.expires_at <= now {
                    return Err(ApiError::unauthorized());
                }
                user
            }
        };
        if user.disabled {
            return Err(ApiError::unauthorized());
        }
        if user.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&parts.uri.path()) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "auth.password_change_required",
                "Bạn cần đổi mật khẩu trước khi tiếp tục.",
                "You must change your password before anything else.",
            ));
        }
        let ClientAddr(addr) = ClientAddr::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|e| match e {});
        Ok(Staff {
            user,
            session_key: key,
            addr,
        })
    }
}

/// JSON already written, as the answer.
pub(crate) fn json_response(json: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json,
    )
        .into_response()
}
