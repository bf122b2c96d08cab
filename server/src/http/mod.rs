//! # The HTTP API (layer 4 of the server)
//!
//! Routes grouped per resource, each module exposing `router()`; extractors that turn every
//! rejection into a bilingual error ([`Body`], [`Params`]) and authenticate staff ([`Staff`]) and
//! kiosks ([`KioskAuth`]); the mapping of an operation's error kind to a status ([`error`]).
//! Handlers parse, call `ops` (writes) or `projections` (reads), and answer.

pub mod admin;
pub mod admin_pages;
pub mod agency;
pub mod auth;
pub mod board;
pub mod booking;
pub mod calendar;
pub mod calendar_page;
pub mod catalogue;
pub mod centre_page;
pub mod centres;
pub mod charts;
pub mod dashboard;
pub mod desk;
pub mod dossiers;
pub mod error;
pub mod feed;
pub mod feedback;
pub mod feedback_desk;
pub mod fleet;
pub mod kiosks;
pub mod misc;
pub mod pages;
pub mod public;
pub mod queue;
pub mod ratings;
pub mod reports;
pub mod search;
pub mod sync;

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub use error::ApiError;

use crate::AppState;
use crate::db::model::{Kiosk, Session, User};
use crate::db::{SESSIONS, USERS, get};
use crate::ops::passwords::token_key;
use crate::ops::{Actor, Error, Kind};

/// A JSON body whose every rejection is a precise bilingual error; a body not sent within
/// `body_timeout_s` is refused (408).
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = std::time::Duration::from_secs(state.config.body_timeout_s);
        match tokio::time::timeout(limit, axum::Json::<T>::from_request(req, state)).await {
            Ok(Ok(axum::Json(v))) => Ok(Body(v)),
            Ok(Err(e)) => Err(ApiError(json_rejection(e))),
            Err(_) => Err(ApiError(body_timeout())),
        }
    }
}

/// A raw body (a year file, …), read within `body_timeout_s`.
#[derive(Debug)]
pub struct RawBody(pub axum::body::Bytes);

impl FromRequest<AppState> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = std::time::Duration::from_secs(state.config.body_timeout_s);
        match tokio::time::timeout(limit, axum::body::Bytes::from_request(req, state)).await {
            Ok(Ok(b)) => Ok(RawBody(b)),
            Ok(Err(e)) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError(Error::new(
                Kind::TooLarge,
                "request.too_large",
                "Nội dung gửi lên quá lớn.",
                "The request body is too large.",
            ))),
            Ok(Err(e)) => Err(ApiError(Error::bad_request(
                "request.unreadable",
                format!("Không đọc được nội dung gửi lên: {}", e.body_text()),
                format!("The request body could not be read: {}", e.body_text()),
            ))),
            Err(_) => Err(ApiError(body_timeout())),
        }
    }
}

fn body_timeout() -> Error {
    Error::new(
        Kind::Timeout,
        "request.timeout",
        "Nội dung gửi lên không đến kịp; hãy gửi lại.",
        "The request body did not arrive in time; send it again.",
    )
}

/// What the parser said, bounded: an error never echoes a whole oversized value back.
fn said(text: String) -> String {
    if text.chars().count() <= 300 {
        text
    } else {
        let mut t: String = text.chars().take(300).collect();
        t.push('…');
        t
    }
}

fn json_rejection(e: JsonRejection) -> Error {
    match e {
        JsonRejection::JsonDataError(e) => Error::new(
            Kind::Invalid,
            "request.invalid_field",
            format!(
                "Dữ liệu gửi lên thiếu hoặc sai trường: {}",
                said(e.body_text())
            ),
            format!("A field is missing or invalid: {}", said(e.body_text())),
        ),
        JsonRejection::JsonSyntaxError(e) => Error::new(
            Kind::BadRequest,
            "request.malformed_json",
            format!(
                "Nội dung gửi lên không phải JSON hợp lệ: {}",
                said(e.body_text())
            ),
            format!("The body is not valid JSON: {}", said(e.body_text())),
        ),
        JsonRejection::MissingJsonContentType(_) => Error::new(
            Kind::Unsupported,
            "request.content_type",
            "Cần gửi kèm tiêu đề Content-Type: application/json.",
            "Send the header Content-Type: application/json.",
        ),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Error::new(
                Kind::TooLarge,
                "request.too_large",
                "Nội dung gửi lên quá lớn.",
                "The request body is too large.",
            )
        }
        other => Error::bad_request(
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
            Err(e) => Err(ApiError(Error::bad_request(
                "request.query",
                format!("Tham số không hợp lệ: {}", said(e.body_text())),
                format!("Invalid query parameters: {}", said(e.body_text())),
            ))),
        }
    }
}

/// The client, for the audit log and rate limits: the peer's address (an IPv6 address as its
/// /64), or, behind a trusted reverse proxy, the last address in `X-Forwarded-For` that is not one
/// of the proxies ("unknown" when served without a socket).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// The client address of a request from `peer` carrying `forwarded` (`X-Forwarded-For`).
pub fn client_of(
    peer: Option<std::net::IpAddr>,
    forwarded: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> String {
    let Some(peer) = peer else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return crate::throttle::client_key(peer);
    }
    // Each proxy appends the address it received from: read from the right, past the proxies.
    let named = forwarded
        .unwrap_or("")
        .rsplit(',')
        .filter_map(|s| s.trim().parse::<std::net::IpAddr>().ok())
        .find(|ip| !trusted.contains(ip));
    crate::throttle::client_key(named.unwrap_or(peer))
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientAddr(client_of(
            peer,
            forwarded,
            &st.config.trusted_proxies,
        )))
    }
}

/// Routes a user who must still change the password may call.
const PASSWORD_CHANGE_PATHS: [&str; 3] = [
    motcua_protocol::routes::PASSWORD,
    motcua_protocol::routes::LOGOUT,
    motcua_protocol::routes::ME,
];

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// An authenticated staff member, with a live session and a password already changed (except
/// on the few routes that change it).
#[derive(Debug, Clone)]
pub struct Staff(pub Actor);

impl std::ops::Deref for Staff {
    type Target = Actor;

    fn deref(&self) -> &Actor {
        &self.0
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)
            .ok_or_else(|| ApiError(Error::unauthorized()))?
            .to_owned();
        let user = session_user(state, &token).await?;
        if user.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&parts.uri.path()) {
            return Err(ApiError(password_change_required()));
        }
        let ClientAddr(addr) = ClientAddr::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|e| match e {});
        Ok(Staff(Actor {
            user,
            session_key: token_key(&token),
            addr,
        }))
    }
}

pub(crate) fn password_change_required() -> Error {
    Error::new(
        Kind::Forbidden,
        "auth.password_change_required",
        "Bạn cần đổi mật khẩu trước khi tiếp tục.",
        "You must change your password before anything else.",
    )
}

/// The account of a live session token (from the cache, else the store), not disabled.
pub(crate) async fn session_user(state: &AppState, token: &str) -> Result<User, ApiError> {
    session_user_by_key(state, token_key(token)).await
}

/// The account of the session stored under `key` (a token's digest), if it still holds: not
/// expired, not ended, the account not disabled. Live pages ask again before each update.
pub(crate) async fn session_user_by_key(state: &AppState, key: String) -> Result<User, ApiError> {
    let now = state.clock.now_vn();
    let user = match state.sessions.get(&key) {
        Some((session, user)) if session.expires_at > now => user,
        Some(_) => return Err(ApiError(Error::unauthorized())),
        None => {
            let epoch = state.sessions.epoch();
            let k = key.clone();
            let found = state
                .store
                .read(move |txn| {
                    let session: Option<Session> = get(&txn.open_table(SESSIONS)?, &k)?;
                    let Some(session) = session else {
                        return Ok(None);
                    };
                    let user: Option<User> = get(&txn.open_table(USERS)?, &session.username)?;
                    Ok::<_, Error>(user.map(|u| (session, u)))
                })
                .await?;
            let Some((session, user)) = found else {
                return Err(ApiError(Error::unauthorized()));
            };
            state
                .sessions
                .insert(epoch, key.clone(), session.clone(), user.clone());
            if session.expires_at <= now {
                return Err(ApiError(Error::unauthorized()));
            }
            user
        }
    };
    if user.disabled {
        return Err(ApiError(Error::unauthorized()));
    }
    Ok(user)
}

/// An enrolled, unrevoked kiosk, authenticated by its device token.
#[derive(Debug, Clone)]
pub struct KioskAuth {
    pub kiosk: Kiosk,
}

impl FromRequestParts<AppState> for KioskAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, ApiError> {
        let Some(token) = bearer(parts) else {
            return Err(ApiError(crate::ops::kiosks::refused()));
        };
        let kiosk = crate::ops::kiosks::authenticate(&st.ctx, token).await?;
        Ok(KioskAuth { kiosk })
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

/// The whole API.
pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(auth::router())
        .merge(dossiers::router())
        .merge(admin::router())
        .merge(misc::router())
        .merge(calendar::router())
        .merge(public::router())
        .merge(feedback::router())
        .merge(ratings::router())
        .merge(kiosks::router())
        .merge(sync::router())
        .merge(feed::router())
        .merge(centres::router())
        .merge(reports::router())
        .merge(queue::router())
        .merge(board::router())
        .merge(booking::router())
        .merge(pages::router())
        .merge(desk::router())
        .merge(agency::router())
        .merge(search::router())
        .merge(feedback_desk::router())
        .merge(fleet::router())
        .merge(admin_pages::router())
        .merge(catalogue::router())
        .merge(dashboard::router())
        .merge(calendar_page::router())
        .merge(centre_page::router())
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use proptest::prelude::*;

    use super::client_of;

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "198.51.100.7".parse().unwrap();
        // Untrusted peers cannot choose their address.
        assert_eq!(
            client_of(Some(other), Some("1.2.3.4"), &[proxy]),
            "198.51.100.7"
        );
        // Behind the proxy: the rightmost address that is not a proxy; what the client wrote
        // on the left is ignored.
        assert_eq!(
            client_of(
                Some(proxy),
                Some("1.2.3.4, 203.0.113.9, 10.0.0.1"),
                &[proxy]
            ),
            "203.0.113.9"
        );
        assert_eq!(client_of(Some(proxy), None, &[proxy]), "10.0.0.1");
        assert_eq!(client_of(None, Some("1.2.3.4"), &[proxy]), "unknown");
    }

    proptest! {
        /// Whatever the header holds: no panic, and the client is the peer or an address that
        /// appears in the header, never a trusted proxy unless nothing else is named.
        #[test]
        fn any_forwarded_header_names_a_real_address(header in "[0-9a-f.:, ]{0,80}|\\PC{0,80}") {
            let proxy: IpAddr = "10.0.0.1".parse().unwrap();
            let key = client_of(Some(proxy), Some(&header), &[proxy]);
            let named: Vec<IpAddr> = header.split(',').filter_map(|s| s.trim().parse().ok()).collect();
            let from_header = named
                .iter()
                .any(|ip| *ip != proxy && crate::throttle::client_key(*ip) == key);
            prop_assert!(from_header || key == "10.0.0.1");
        }
    }
}
