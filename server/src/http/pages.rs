//! Staff pages in the browser, server-rendered: sign-in (a cookie session, HttpOnly and
//! SameSite=Strict), the first-sign-in password change, and a counter's screen — sit at a
//! counter, call the next ticket, recall, start, finish, transfer, hold, return, no-show — with
//! keyboard shortcuts. Every form carries a CSRF token bound to the session; every action goes
//! through the same operations as the API, and is audited there.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use motcua_core::queue::TicketCommand;
use motcua_protocol::queue::CounterStatus;
use motcua_protocol::staff::{LoginRequest, PasswordChange};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::board::{error_page, html};
use super::{ClientAddr, password_change_required, session_user};
use crate::AppState;
use crate::ops::passwords::token_key;
use crate::ops::{Actor, Error, Kind, accounts, queue};

/// The session cookie's name.
pub const COOKIE: &str = "motcua_session";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/lang/{lang}", get(language_switch))
        .route("/logout", post(logout))
        .route("/password", get(password_form).post(password))
        .route("/counter", get(counter))
        .route("/counter/seat", post(seat))
        .route("/counter/leave", post(leave))
        .route("/counter/call-next", post(call_next))
        .route("/counter/act", post(act))
}

/// The CSRF token of a session: unguessable without the session's cookie, checked on every form.
fn csrf_of(session_key: &str) -> String {
    hex::encode(&Sha256::digest(format!("motcua-csrf:{session_key}").as_bytes())[..16])
}

fn cookie_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// A staff member signed in through the browser. Without a session: to the sign-in page; with
/// a password still to change: to that page.
#[derive(Debug)]
pub struct PageStaff {
    pub actor: Actor,
    pub csrf: String,
    /// The page's path, for links that come back to it (the language switch).
    pub here: String,
}

impl FromRequestParts<AppState> for PageStaff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Response> {
        let to_login = || {
            let next = parts.uri.path();
            Redirect::to(&format!("/login?next={next}")).into_response()
        };
        let Some(token) = cookie_token(parts) else {
            return Err(to_login());
        };
        let user = match session_user(st, &token).await {
            Ok(u) => u,
            Err(_) => return Err(to_login()),
        };
        if user.must_change_password && parts.uri.path() != "/password" {
            return Err(
                Redirect::to(&format!("/password?next={}", parts.uri.path())).into_response(),
            );
        }
        let ClientAddr(addr) = ClientAddr::from_request_parts(parts, st)
            .await
            .unwrap_or_else(|e| match e {});
        let key = token_key(&token);
        // A form's answer comes back to the page it was sent from, not to the form's address.
        let path = parts.uri.path();
        let page = ["/act", "/answer", "/print"]
            .iter()
            .find_map(|suffix| path.strip_suffix(suffix))
            .unwrap_or(path)
            .to_owned();
        Ok(PageStaff {
            here: safe_next(Some(&page)),
            csrf: csrf_of(&key),
            actor: Actor {
                user,
                session_key: key,
                addr,
            },
        })
    }
}

impl PageStaff {
    /// The refusal of a form whose CSRF token is not this session's; none when it is.
    pub(crate) fn forged(&self, sent: &str) -> Option<Response> {
        use subtle::ConstantTimeEq;
        if bool::from(self.csrf.as_bytes().ct_eq(sent.as_bytes())) {
            None
        } else {
            Some(error_page(
                StatusCode::FORBIDDEN,
                &Error::new(
                    Kind::Forbidden,
                    "page.csrf",
                    "Biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại.",
                    "The form has expired. Please reload the page and try again.",
                ),
            ))
        }
    }
}

/// Only local paths are followed after sign-in.
fn safe_next(next: Option<&str>) -> String {
    let plain = |n: &str| {
        n.len() <= 200
            && n.starts_with('/')
            && !n.starts_with("//")
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'))
    };
    match next {
        Some(n) if plain(n) => n.to_owned(),
        _ => "/work".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    next: &'a str,
    error: Option<&'a Error>,
    username: &'a str,
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    html(
        LoginPage {
            next: &next,
            error: None,
            username: "",
        }
        .render()
        .unwrap_or_default(),
    )
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("motcua_session=; Path=/"))
}

fn secure(st: &AppState) -> bool {
    st.config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
}

async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    // Another site may not sign a browser in to an account of its choosing.
    if let Err(e) = super::booking::same_site(&st, &headers) {
        return error_page(StatusCode::FORBIDDEN, &e);
    }
    let next = safe_next(f.next.as_deref());
    let username: String = f.username.chars().take(64).collect();
    let req = LoginRequest {
        username: username.clone(),
        password: f.password,
    };
    match accounts::login(&st.ctx, &addr, req).await {
        Ok(reply) => {
            let to = if reply.must_change_password {
                format!("/password?next={next}")
            } else {
                next
            };
            let mut res = Redirect::to(&to).into_response();
            res.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&reply.token, secure(&st)),
            );
            res
        }
        Err(e) => {
            let mut res = html(
                LoginPage {
                    next: &next,
                    error: Some(&e),
                    username: &username,
                }
                .render()
                .unwrap_or_default(),
            );
            *res.status_mut() = super::error::status(e.kind);
            res
        }
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(State(st): State<AppState>, staff: PageStaff, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let _ = queue::leave(&st.ctx, &staff.actor).await;
    let _ = accounts::logout(&st.ctx, &staff.actor).await;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("motcua_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    res
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    csrf: &'a str,
    error: Option<&'a Error>,
    first: bool,
    /// Where to go once changed.
    next: &'a str,
}

async fn password_form(
    staff: PageStaff,
    q: Result<axum::extract::Query<NextQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let next = safe_next(q.as_ref().ok().and_then(|q| q.next.as_deref()));
    html(
        PasswordPage {
            csrf: &staff.csrf,
            error: None,
            first: staff.actor.user.must_change_password,
            next: &next,
        }
        .render()
        .unwrap_or_default(),
    )
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    csrf: String,
    #[serde(default)]
    next: Option<String>,
    current_password: String,
    new_password: String,
    confirm: String,
}

async fn password(
    State(st): State<AppState>,
    staff: PageStaff,
    Form(f): Form<PasswordForm>,
) -> Response {
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let result = if f.new_password != f.confirm {
        Err(Error::invalid(
            "auth.confirm",
            "Hai lần nhập mật khẩu mới không giống nhau.",
            "The two new passwords differ.",
        ))
    } else {
        accounts::change_password(
            &st.ctx,
            &staff.actor,
            PasswordChange {
                current_password: f.current_password,
                new_password: f.new_password,
            },
        )
        .await
        .map(drop)
    };
    match result {
        Ok(()) => Redirect::to(&safe_next(f.next.as_deref())).into_response(),
        Err(e) => {
            let next = safe_next(f.next.as_deref());
            let mut res = html(
                PasswordPage {
                    csrf: &staff.csrf,
                    error: Some(&e),
                    first: staff.actor.user.must_change_password,
                    next: &next,
                }
                .render()
                .unwrap_or_default(),
            );
            *res.status_mut() = super::error::status(e.kind);
            res
        }
    }
}

#[derive(Template)]
#[template(path = "counter.html")]
struct CounterPage<'a> {
    csrf: &'a str,
    user: &'a str,
    status: Option<&'a CounterStatus>,
    choices: &'a [queue::CounterChoice],
    services: &'a [(char, String)],
    error: Option<&'a Error>,
}

/// The counter's screen: where one sits and its ticket, or the counters one may sit at.
async fn counter_page(st: &AppState, staff: &PageStaff, error: Option<&Error>) -> Response {
    let actor = &staff.actor;
    let seat = match queue::my_seat(&st.ctx, actor).await {
        Ok(s) => s,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let status = match &seat {
        Some(s) => queue::counter_status(&st.ctx, actor, &s.centre, s.counter)
            .await
            .ok(),
        None => None,
    };
    let choices = if status.is_none() {
        queue::counters_for(&st.ctx, actor)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let services = match &status {
        Some(s) => queue::config(&st.ctx, &s.centre)
            .await
            .map(|c| {
                c.services
                    .iter()
                    .filter(|x| x.active)
                    .map(|x| (x.letter, x.name_vi.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let page = CounterPage {
        csrf: &staff.csrf,
        user: &actor.user.full_name,
        status: status.as_ref(),
        choices: &choices,
        services: &services,
        error,
    };
    super::board::html_page(page.render().unwrap_or_default(), error)
}

async fn counter(State(st): State<AppState>, staff: PageStaff) -> Response {
    if staff.actor.user.must_change_password {
        return error_page(StatusCode::FORBIDDEN, &password_change_required());
    }
    counter_page(&st, &staff, None).await
}

/// After an action: back to the counter's screen (so a reload repeats nothing), or the screen
/// with the refusal.
async fn after(st: &AppState, staff: &PageStaff, r: Result<(), Error>) -> Response {
    match r {
        Ok(()) => Redirect::to("/counter").into_response(),
        Err(e) => counter_page(st, staff, Some(&e)).await,
    }
}

#[derive(Debug, Deserialize)]
struct SeatForm {
    csrf: String,
    /// `{centre}#{counter}`.
    seat: String,
}

async fn seat(State(st): State<AppState>, staff: PageStaff, Form(f): Form<SeatForm>) -> Response {
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let r = match f.seat.split_once('#') {
        Some((centre, n)) => match n.parse::<u16>() {
            Ok(n) => queue::sit(&st.ctx, &staff.actor, centre, n).await.map(drop),
            Err(_) => Err(bad_form()),
        },
        None => Err(bad_form()),
    };
    after(&st, &staff, r).await
}

fn bad_form() -> Error {
    Error::bad_request(
        "page.form",
        "Biểu mẫu không hợp lệ.",
        "The form is not valid.",
    )
}

async fn leave(State(st): State<AppState>, staff: PageStaff, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let r = queue::leave(&st.ctx, &staff.actor).await;
    after(&st, &staff, r).await
}

async fn seated(st: &AppState, staff: &PageStaff) -> Result<queue::Seat, Error> {
    queue::my_seat(&st.ctx, &staff.actor).await?.ok_or_else(|| {
        Error::new(
            Kind::Conflict,
            "queue.not_seated",
            "Bạn chưa đăng nhập vào quầy nào.",
            "You are not signed in at a counter.",
        )
    })
}

async fn call_next(
    State(st): State<AppState>,
    staff: PageStaff,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let r = match seated(&st, &staff).await {
        Ok(s) => queue::call_next(&st.ctx, &staff.actor, &s.centre, s.counter)
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    after(&st, &staff, r).await
}

#[derive(Debug, Deserialize)]
struct ActForm {
    csrf: String,
    number: String,
    action: String,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    dossier: Option<String>,
}

async fn act(State(st): State<AppState>, staff: PageStaff, Form(f): Form<ActForm>) -> Response {
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let cmd = match f.action.as_str() {
        "recall" => Some(TicketCommand::Recall),
        "start" => Some(TicketCommand::Start),
        "finish" => Some(TicketCommand::Finish {
            dossier: f.dossier.filter(|d| !d.trim().is_empty()),
        }),
        "no_show" => Some(TicketCommand::NoShow),
        "hold" => Some(TicketCommand::Hold),
        "return" => Some(TicketCommand::Return),
        "transfer" => f
            .service
            .as_deref()
            .and_then(|s| s.chars().next())
            .map(|service| TicketCommand::Transfer { service }),
        _ => None,
    };
    let r = match (cmd, seated(&st, &staff).await) {
        (Some(cmd), Ok(s)) => {
            queue::act(&st.ctx, &staff.actor, &s.centre, s.counter, &f.number, cmd)
                .await
                .map(drop)
        }
        (None, _) => Err(bad_form()),
        (_, Err(e)) => Err(e),
    };
    after(&st, &staff, r).await
}

/// The cookie that keeps a browser's choice of languages on staff pages.
const LANG_COOKIE: &str = "motcua_lang";

/// `/lang/vi`: Vietnamese only; `/lang/en`: Vietnamese with English beside it (the default).
/// Back to `next`.
async fn language_switch(
    Path(lang): Path<String>,
    q: Result<Query<NextQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let next = safe_next(q.as_ref().ok().and_then(|q| q.next.as_deref()));
    let value = match lang.as_str() {
        "vi" => "vi",
        _ => "en",
    };
    let mut res = Redirect::to(&next).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={value}; Path=/; SameSite=Lax; Max-Age=31536000"
    )) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// Pages for a browser that chose Vietnamese only: their `<body>` gets the class `vi-only`,
/// which hides the English beside each text.
pub async fn language(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let vi_only = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|c| c.split(';'))
        .any(|p| p.trim() == "motcua_lang=vi");
    let res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !vi_only || !html {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let text =
        String::from_utf8_lossy(&bytes).replacen("<body class=\"", "<body class=\"vi-only ", 1);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(text))
}

/// Every agency, for the forms that offer a choice of them.
pub(crate) async fn all_agencies(st: &AppState) -> Result<Vec<crate::db::model::Agency>, Error> {
    st.store
        .read(|txn| {
            use redb::ReadableTable;
            let mut out = Vec::new();
            for item in txn.open_table(crate::db::AGENCIES)?.iter()? {
                out.push(crate::db::decode(item?.1.value())?);
            }
            Ok(out)
        })
        .await
}

/// Every agency as a form offers it: (code, name).
pub(crate) async fn agency_names(st: &AppState) -> Result<Vec<(String, String)>, Error> {
    Ok(all_agencies(st)
        .await?
        .into_iter()
        .map(|a| (a.code.to_string(), a.name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_plain_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/counter")), "/counter");
        assert_eq!(safe_next(Some("/password")), "/password");
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/x?y=//evil",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/work", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/work");
    }
}
