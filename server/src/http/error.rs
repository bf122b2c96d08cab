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

/// The answer to a refusal made outside our handlers (a path that does not decode, a method a
/// route does not take, …): the same JSON as every other error, by status.
pub fn by_status(status: StatusCode, detail: &str) -> Response {
    let detail = detail.trim();
    let (code, vi, en) = match status {
        StatusCode::NOT_FOUND => ("not_found", "Không có địa chỉ này.", "No such route."),
        StatusCode::METHOD_NOT_ALLOWED => (
            "request.method",
            "Địa chỉ này không nhận phương thức đó.",
            "This route does not take that method.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "request.too_large",
            "Nội dung gửi lên quá lớn.",
            "The request body is too large.",
        ),
        StatusCode::URI_TOO_LONG => (
            "request.uri_too_long",
            "Địa chỉ yêu cầu quá dài.",
            "The request URI is too long.",
        ),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "request.headers_too_large",
            "Phần đầu yêu cầu quá lớn.",
            "The request headers are too large.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "request.content_type",
            "Kiểu nội dung gửi lên không được hỗ trợ.",
            "The content type is not supported.",
        ),
        s if s.is_server_error() => (
            "internal",
            "Máy chủ gặp lỗi; vui lòng thử lại sau.",
            "The server failed; please try again later.",
        ),
        _ => (
            "request.invalid",
            "Yêu cầu không hợp lệ.",
            "The request is not valid.",
        ),
    };
    // What the framework said (a path segment that is not UTF-8, …), bounded, for the client.
    let detail: String = detail.chars().take(200).collect();
    let (vi, en) = if detail.is_empty() || status.is_server_error() {
        (vi.to_owned(), en.to_owned())
    } else {
        (format!("{vi} ({detail})"), format!("{en} ({detail})"))
    };
    ApiError::http(status, code, &vi, &en)
}
