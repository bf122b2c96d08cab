//! The error of an operation: what kind of refusal it is (the HTTP layer maps kinds to statuses,
//! a console page to its own messages), a stable code, and the message in both languages.
//! Operations build them from their domain errors (`WorkflowError`, `CalendarError`,
//! `NotCovered`, `OutOfRange` from core, parse errors of codes and IDs) or name the refusal
//! themselves.

use motcua_core::{Bilingual, Localized};

/// What kind of refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// The request is malformed (a code that does not parse, a missing parameter).
    BadRequest,
    /// No valid session or device token.
    Unauthorized,
    /// Known, but not allowed to do this.
    Forbidden,
    NotFound,
    /// Not possible in the current state (a transition the workflow refuses, a number reused).
    Conflict,
    /// The thing asked for is no longer valid (a sync cursor of another store).
    Gone,
    TooLarge,
    /// Sent in a form that is not accepted (not JSON where JSON is expected).
    Unsupported,
    /// Well formed but not acceptable (a field out of range, an empty reason).
    Invalid,
    /// Too many attempts; try again later.
    TooMany,
    /// The client was too slow to send its request.
    Timeout,
    /// Not now (the writer is stalled, a dependency is down).
    Unavailable,
    /// A failure of ours.
    Internal,
}

/// Why an operation was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {}", message.en)]
pub struct Error {
    pub kind: Kind,
    pub code: String,
    pub message: Bilingual,
}

impl Error {
    pub fn new(kind: Kind, code: &str, vi: impl Into<String>, en: impl Into<String>) -> Error {
        Error {
            kind,
            code: code.to_owned(),
            message: Bilingual::new(vi, en),
        }
    }

    /// A domain error (workflow, calendar, parse) as a refusal of `kind`.
    pub fn domain(kind: Kind, e: &impl Localized) -> Error {
        Error {
            kind,
            code: e.code().to_owned(),
            message: e.bilingual(),
        }
    }

    pub fn invalid(code: &str, vi: impl Into<String>, en: impl Into<String>) -> Error {
        Error::new(Kind::Invalid, code, vi, en)
    }

    pub fn bad_request(code: &str, vi: impl Into<String>, en: impl Into<String>) -> Error {
        Error::new(Kind::BadRequest, code, vi, en)
    }

    pub fn not_found(what_vi: &str, what_en: &str) -> Error {
        Error::new(
            Kind::NotFound,
            "not_found",
            format!("Không tìm thấy {what_vi}."),
            format!("{what_en} not found."),
        )
    }

    pub fn forbidden(vi: impl Into<String>, en: impl Into<String>) -> Error {
        Error::new(Kind::Forbidden, "auth.forbidden", vi, en)
    }

    pub fn unauthorized() -> Error {
        Error::new(
            Kind::Unauthorized,
            "auth.unauthenticated",
            "Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại.",
            "The session is missing, invalid or expired. Please sign in again.",
        )
    }

    /// A failure of ours: the cause is logged, the message says only that it happened.
    pub fn internal(cause: impl std::fmt::Display) -> Error {
        tracing::error!(%cause, "internal error");
        Error::new(
            Kind::Internal,
            "internal",
            "Lỗi hệ thống. Thao tác chưa được thực hiện; vui lòng thử lại.",
            "Internal error. Nothing was changed; please try again.",
        )
    }
}

impl From<crate::db::Error> for Error {
    fn from(e: crate::db::Error) -> Self {
        Error::internal(e)
    }
}

macro_rules! internal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::internal(e)
            }
        }
    )*};
}

internal_from!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    serde_json::Error
);
