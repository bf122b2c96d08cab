//! The API's error answer: an operation's [`Error`] with the HTTP status of its kind, as
//! `{"error": {"code": "...", "message": {"vi": "...", "en": "..."}}}`. Internals never reach a
//! body; they were logged where they happened.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_protocol::error::{ErrorBody, ErrorInfo};

use crate::ops::{Error, Kind};

/// An error as the HTTP API answers it.
#[derive(Debug, Clone)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl From<crate::db::Error> for ApiError {
    fn from(e: crate::db::Error) -> Self {
        ApiError(Error::from(e))
    }
}

/// The status of a kind of refusal.
pub fn status(kind: Kind) -> StatusCode {
    match kind {
        Kind::BadRequest => StatusCode::BAD_REQUEST,
        Kind::Unauthorized => StatusCode::UNAUTHORIZED,
        Kind::Forbidden => StatusCode::FORBIDDEN,
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::Conflict => StatusCode::CONFLICT,
        Kind::Gone => StatusCode::GONE,
        Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Kind::Unsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Kind::TooMany => StatusCode::TOO_MANY_REQUESTS,
        Kind::Timeout => StatusCode::REQUEST_TIMEOUT,
        Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    /// A refusal that only HTTP knows (a content type, a route).
    pub fn http(status: StatusCode, code: &str, vi: &str, en: &str) -> Response {
        (
            status,
            Json(ErrorBody {
                error: ErrorInfo {
                    code: code.to_owned(),
                    message: motcua_core::Bilingual::new(vi, en),
                },
            }),
        )
            .into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        (
            status(e.kind),
            Json(ErrorBody {
                error: ErrorInfo {
                    code: e.code,
                    message: e.message,
                },
            }),
        )
            .into_response()
    }
}
