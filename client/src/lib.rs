//! # motcua-client
//!
//! One typed client of the motcua server over HTTP, for the kiosk, the fleet tool, the
//! benchmarks and the tests. Requests and answers are `motcua-protocol` types; a refusal is a
//! [`ClientError::Refused`] carrying the server's bilingual error. The token a client holds (a
//! staff session or a kiosk's device token) goes with every request, public lookups included, so
//! a kiosk is always recognised by its own allowance.
//!
//! # Layout
//!
//! - [`Client`]: the connection, its token and timeouts; generic JSON calls ([`Client::get`],
//!   [`Client::post`], [`Client::raw`]).
//! - `staff`, `kiosk`, `public` (methods on [`Client`]): one method per route.

mod kiosk;
mod public;
mod queue;
mod staff;

use std::time::Duration;

use motcua_protocol::error::{ErrorBody, ErrorInfo};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a call failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No answer: the server is down, unreachable, or too slow.
    #[error("the server is unreachable: {0}")]
    Unreachable(String),
    /// The server answered with one of its errors.
    #[error("refused ({status}): {} — {}", .error.code, .error.message.en)]
    Refused { status: u16, error: ErrorInfo },
    /// The server answered something that is not one of its errors (a proxy's page, say).
    #[error("unexpected answer ({status})")]
    Unexpected { status: u16, body: String },
    /// A success answer that does not read as the expected type.
    #[error("the answer does not read: {0}")]
    Decode(String),
}

impl ClientError {
    /// The server's error code, when it refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Refused { error, .. } => Some(&error.code),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Refused { status, .. } | ClientError::Unexpected { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// Whether trying again later may work (no answer, or the server's own failure).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable(_) => true,
            ClientError::Refused { status, .. } | ClientError::Unexpected { status, .. } => {
                *status >= 500 || *status == 429
            }
            ClientError::Decode(_) => false,
        }
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        // With its causes ("error sending request" alone does not say why), without the URL:
        // a lookup's query carries a secret, a citizen ID or a name, and this text is logged.
        let e = e.without_url();
        let mut text = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        ClientError::Unreachable(text)
    }
}

/// The result of a call.
pub type Result<T> = std::result::Result<T, ClientError>;

/// Timeouts of a client.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// The whole request, answer included (a long-poll needs more than its wait).
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            total: Duration::from_secs(60),
        }
    }
}

/// How long an idle connection may wait to be used again.
pub const IDLE_REUSE: Duration = Duration::from_secs(4);

/// Whether `e` says the connection closed before an answer came: most often a kept-alive
/// connection the server had closed meanwhile (its idle timeout), the request unread; but the
/// server may also have read it and failed before answering, so only what may be repeated
/// without harm is sent again.
fn closed_before_answer(e: &reqwest::Error) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(h) = c.downcast_ref::<hyper::Error>() {
            return h.is_incomplete_message() || h.is_canceled();
        }
        cause = c.source();
    }
    false
}

/// Send `r`; when it may be repeated without harm (`again`) and the connection closed under it
/// before any answer, send it once more, on a new connection.
async fn dispatch(
    r: reqwest::RequestBuilder,
    again: bool,
) -> std::result::Result<reqwest::Response, reqwest::Error> {
    let retry = if again { r.try_clone() } else { None };
    match r.send().await {
        Err(e) if closed_before_answer(&e) => match retry {
            Some(r) => r.send().await,
            None => Err(e),
        },
        answer => answer,
    }
}

/// A client of one server, with an optional token.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    token: Option<String>,
}

/// An answer as received: status and body.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl RawAnswer {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl Client {
    /// A client of the server at `base` (e.g. `http://127.0.0.1:8080`) with default timeouts.
    pub fn new(base: &str) -> Result<Client> {
        Client::with_timeouts(base, Timeouts::default())
    }

    pub fn with_timeouts(base: &str, t: Timeouts) -> Result<Client> {
        let http = reqwest::Client::builder()
            .connect_timeout(t.connect)
            .timeout(t.total)
            // Under the idle time servers and proxies keep a connection (10 s for ours by
            // default, 75 s for nginx): a connection idle longer is not reused, so a kiosk's
            // first call after a quiet minute does not land on one the server has closed.
            .pool_idle_timeout(IDLE_REUSE)
            .build()?;
        Ok(Client {
            base: base.trim_end_matches('/').to_owned(),
            http,
            token: None,
        })
    }

    /// A client of `base` over an HTTP client built elsewhere (default headers, a proxy: what a
    /// test or a tool needs beyond the defaults).
    pub fn with_http(base: &str, http: reqwest::Client) -> Client {
        Client {
            base: base.trim_end_matches('/').to_owned(),
            http,
            token: None,
        }
    }

    /// The same server and connection pool, with `token` sent on every request.
    pub fn with_token(&self, token: impl Into<String>) -> Client {
        Client {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    /// The same server without a token.
    pub fn anonymous(&self) -> Client {
        Client {
            token: None,
            ..self.clone()
        }
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    async fn answer<T: DeserializeOwned>(r: reqwest::Response) -> Result<T> {
        let bytes = Self::success(r).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// The body of a success answer; the error of any other.
    async fn success(r: reqwest::Response) -> Result<Vec<u8>> {
        let status = r.status().as_u16();
        let bytes = r.bytes().await?.to_vec();
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(b) => ClientError::Refused {
                status,
                error: b.error,
            },
            Err(_) => ClientError::Unexpected {
                status,
                body: String::from_utf8_lossy(&bytes).chars().take(500).collect(),
            },
        })
    }

    /// `GET path`, the answer as `T`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let r = dispatch(self.request(reqwest::Method::GET, path), true).await?;
        Self::answer(r).await
    }

    /// `GET path?query`, the answer as `T`.
    pub async fn get_query<Q: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        query: &Q,
    ) -> Result<T> {
        self.get_query_with(path, query, true).await
    }

    /// [`Client::get_query`]; `again`: whether it may be sent a second time when the connection
    /// closed under it (not a secret's check, which the server counts).
    pub(crate) async fn get_query_with<Q: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        query: &Q,
        again: bool,
    ) -> Result<T> {
        let r = dispatch(self.request(reqwest::Method::GET, path).query(query), again).await?;
        Self::answer(r).await
    }

    /// `POST path` with a JSON body, the answer as `T`.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.send(reqwest::Method::POST, path, body).await
    }

    /// Any method with a JSON body, the answer as `T`.
    pub async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let again = method == reqwest::Method::GET;
        let r = dispatch(self.request(method, path).json(body), again).await?;
        Self::answer(r).await
    }

    /// `POST path` with a JSON body, expecting no content.
    pub async fn post_empty<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Result<()> {
        let r = dispatch(self.request(reqwest::Method::POST, path).json(body), false).await?;
        Self::success(r).await.map(drop)
    }

    /// `POST path` of what the server takes the same however often it comes (a kiosk's
    /// heartbeat; events, each with its identity), the answer as `T`: sent again once if the
    /// connection closed before any answer.
    pub async fn post_repeatable<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let r = dispatch(self.request(reqwest::Method::POST, path).json(body), true).await?;
        Self::answer(r).await
    }

    /// Any request, its answer as received whatever the status: for what the typed calls
    /// cannot send (malformed bodies, other content types) and for reading errors as they are.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<RawAnswer> {
        let m = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| ClientError::Decode(e.to_string()))?;
        let mut r = self.request(m, path);
        if let Some((bytes, content_type)) = body {
            r = r.header("content-type", content_type).body(bytes);
        }
        let r = r.send().await?;
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = r.bytes().await?.to_vec();
        Ok(RawAnswer {
            status,
            content_type,
            body,
        })
    }
}
