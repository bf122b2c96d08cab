//! Administration in the browser: staff accounts (create with a one-time password shown once,
//! change name, role and agency, disable, reset the password) and the audit log searched by
//! account, action, target and time. Every change goes through the same operations as the API,
//! so it is checked and audited the same way.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use motcua_core::AgencyCode;
use motcua_protocol::staff::{AuditEntry, NewUser, Role, UserUpdate, UserView};
use serde::Deserialize;

use super::board::{error_page, html};
use super::pages::PageStaff;
use super::{ApiError, Params};
use crate::AppState;
use crate::ops::accounts::{self, AuditQuery};
use crate::ops::{Error, Kind};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users_page).post(create))
        .route("/admin/users/{username}", get(user_page).post(update))
        .route("/admin/users/{username}/reset", post(reset))
        .route("/admin/audit", get(audit_page))
}

const ROLES: [Role; 5] = [
    Role::Receptionist,
    Role::Officer,
    Role::Head,
    Role::CentreAdmin,
    Role::SystemAdmin,
];

fn role_key(r: Role) -> &'static str {
    match r {
        Role::Receptionist => "receptionist",
        Role::Officer => "officer",
        Role::Head => "head",
        Role::CentreAdmin => "centre_admin",
        Role::SystemAdmin => "system_admin",
    }
}

fn role_en(r: Role) -> &'static str {
    match r {
        Role::Receptionist => "Reception officer",
        Role::Officer => "Processing officer",
        Role::Head => "Agency head",
        Role::CentreAdmin => "Centre administrator",
        Role::SystemAdmin => "System administrator",
    }
}

fn status_of(e: &Error) -> axum::http::StatusCode {
    super::error::status(e.kind)
}

/// A role and an agency as a form sends them.
fn role_of(s: &str) -> Result<Role, Error> {
    ROLES
        .into_iter()
        .find(|r| role_key(*r) == s)
        .ok_or_else(|| Error::invalid("user.role", "Hãy chọn vai trò.", "Choose a role."))
}

fn agency_of(s: &str) -> Result<Option<AgencyCode>, Error> {
    match s.trim() {
        "" => Ok(None),
        a => AgencyCode::parse(a).map(Some).map_err(|_| {
            Error::invalid(
                "user.agency",
                "Mã cơ quan không hợp lệ.",
                "The agency code is not valid.",
            )
        }),
    }
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    users: Vec<UserView>,
    agencies: Vec<(String, String)>,
    error: Option<&'a Error>,
    /// A new account's (username, full name, one-time password), shown once.
    made: Option<(String, String, String)>,
    /// What was typed, kept when refused: (username, full name, role, agency).
    typed: (String, String, String, String),
}

impl UsersPage<'_> {
    fn roles(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        ROLES
            .into_iter()
            .map(|r| (role_key(r), r.label_vi(), role_en(r)))
            .collect()
    }

    fn agency_name(&self, code: &Option<String>) -> String {
        match code {
            None => "—".into(),
            Some(c) => self
                .agencies
                .iter()
                .find(|(a, _)| a == c)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| c.clone()),
        }
    }
}

async fn render_users(
    st: &AppState,
    staff: &PageStaff,
    error: Option<&Error>,
    made: Option<(String, String, String)>,
    typed: (String, String, String, String),
) -> Response {
    let found = async {
        let mut users = accounts::users(&st.ctx, &staff.actor).await?;
        users.sort_by(|a, b| a.username.cmp(&b.username));
        Ok::<_, Error>((users, super::pages::agency_names(st).await?))
    }
    .await;
    let (users, agencies) = match found {
        Ok(x) => x,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let mut res = html(
        UsersPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            users,
            agencies,
            error,
            made,
            typed,
        }
        .render()
        .unwrap_or_default(),
    );
    if let Some(e) = error {
        *res.status_mut() = status_of(e);
    }
    no_store(&mut res);
    res
}

/// A page that may show a one-time password is never kept by a cache.
fn no_store(res: &mut Response) {
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
}

async fn users_page(State(st): State<AppState>, staff: PageStaff) -> Response {
    render_users(&st, &staff, None, None, Default::default()).await
}

#[derive(Debug, Deserialize)]
struct NewUserForm {
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    agency: String,
}

async fn create(
    State(st): State<AppState>,
    staff: PageStaff,
    f: Result<Form<NewUserForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let made = async {
        let n = NewUser {
            username: f.username.chars().take(64).collect(),
            full_name: f.full_name.chars().take(200).collect(),
            role: role_of(&f.role)?,
            agency: agency_of(&f.agency)?,
        };
        accounts::create_user(&st.ctx, &staff.actor, n).await
    }
    .await;
    match made {
        Ok(c) => {
            render_users(
                &st,
                &staff,
                None,
                Some((c.user.username, c.user.full_name, c.one_time_password)),
                Default::default(),
            )
            .await
        }
        Err(e) => {
            let typed = (f.username, f.full_name, f.role, f.agency);
            render_users(&st, &staff, Some(&e), None, typed).await
        }
    }
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    u: UserView,
    agencies: Vec<(String, String)>,
    error: Option<&'a Error>,
    saved: bool,
    /// A new one-time password, shown once.
    reset: Option<String>,
    /// The account's latest audit lines.
    recent: Vec<AuditEntry>,
}

impl UserPage<'_> {
    fn roles(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        ROLES
            .into_iter()
            .map(|r| (role_key(r), r.label_vi(), role_en(r)))
            .collect()
    }

    fn role_is(&self, key: &str) -> bool {
        role_key(self.u.role) == key
    }

    fn agency_is(&self, code: &str) -> bool {
        self.u.agency.as_deref() == Some(code)
    }
}

async fn render_user(
    st: &AppState,
    staff: &PageStaff,
    username: &str,
    error: Option<&Error>,
    saved: bool,
    reset: Option<String>,
) -> Response {
    let found = async {
        let u = accounts::users(&st.ctx, &staff.actor)
            .await?
            .into_iter()
            .find(|u| u.username == username)
            .ok_or_else(|| Error::not_found("tài khoản", "Account"))?;
        let recent = accounts::audit_search(
            &st.ctx,
            &staff.actor,
            AuditQuery {
                limit: 20,
                actor: Some(username.to_owned()),
                ..Default::default()
            },
        )
        .await?
        .lines;
        Ok::<_, Error>((u, super::pages::agency_names(st).await?, recent))
    }
    .await;
    let (u, agencies, recent) = match found {
        Ok(x) => x,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let mut res = html(
        UserPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            u,
            agencies,
            error,
            saved,
            reset,
            recent,
        }
        .render()
        .unwrap_or_default(),
    );
    if let Some(e) = error {
        *res.status_mut() = status_of(e);
    }
    no_store(&mut res);
    res
}

#[derive(Debug, Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: Option<u8>,
}

async fn user_page(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(username): Path<String>,
    q: Result<axum::extract::Query<SavedQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let saved = q.is_ok_and(|q| q.saved == Some(1));
    render_user(&st, &staff, &username, None, saved, None).await
}

#[derive(Debug, Deserialize)]
struct UserForm {
    csrf: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    agency: String,
    /// Present when the box "may sign in" is ticked.
    #[serde(default)]
    active: Option<String>,
}

async fn update(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(username): Path<String>,
    f: Result<Form<UserForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let done = async {
        let role = role_of(&f.role)?;
        let mut u = UserUpdate {
            full_name: Some(f.full_name.chars().take(200).collect()),
            agency: Some(agency_of(&f.agency)?),
            disabled: Some(f.active.is_none()),
            role: Some(role),
        };
        // One's own role and access are not one's own to change (asked only when they would).
        if username == staff.actor.user.username {
            if role == staff.actor.user.role {
                u.role = None;
            }
            if f.active.is_some() {
                u.disabled = None;
            }
        }
        accounts::update_user(&st.ctx, &staff.actor, &username, u).await
    }
    .await;
    match done {
        Ok(_) => Redirect::to(&format!("/admin/users/{username}?saved=1")).into_response(),
        Err(e) => render_user(&st, &staff, &username, Some(&e), false, None).await,
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn reset(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(username): Path<String>,
    f: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    match accounts::reset_password(&st.ctx, &staff.actor, &username).await {
        Ok(c) => {
            render_user(
                &st,
                &staff,
                &username,
                None,
                false,
                Some(c.one_time_password),
            )
            .await
        }
        Err(e) => render_user(&st, &staff, &username, Some(&e), false, None).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditForm {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    /// `YYYY-MM-DD`, Vietnam time.
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: Option<u64>,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    q: AuditForm,
    lines: Vec<AuditEntry>,
    /// The next page's link, with the same filters.
    next: Option<String>,
    error: Option<&'a Error>,
}

impl AuditPage<'_> {
    fn at(&self, e: &AuditEntry) -> String {
        e.at.with_timezone(&motcua_core::time::VIETNAM)
            .format("%H:%M:%S %d/%m/%Y")
            .to_string()
    }
}

/// A day typed in a date field as the instant it starts (or, `end`, the next day's start).
fn day(
    s: &str,
    field: &'static str,
    end: bool,
) -> Result<Option<chrono::DateTime<chrono::FixedOffset>>, Error> {
    use chrono::TimeZone;
    if s.trim().is_empty() {
        return Ok(None);
    }
    let bad = || {
        Error::invalid(
            field,
            "Ngày theo dạng năm-tháng-ngày, từ năm 2000 đến 2099.",
            "A day as year-month-day, from 2000 to 2099.",
        )
    };
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| bad())?;
    let d = if end {
        d.succ_opt().ok_or_else(bad)?
    } else {
        d
    };
    let t = motcua_core::time::VIETNAM
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).ok_or_else(bad)?)
        .single()
        .ok_or_else(bad)?;
    motcua_core::time::check(t).map_err(|_| bad())?;
    Ok(Some(t))
}

fn short(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.chars().take(100).collect())
}

async fn audit_page(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Params<AuditForm>, ApiError>,
) -> Response {
    let Ok(Params(q)) = q else {
        return super::board::unreadable();
    };
    let found = async {
        let query = AuditQuery {
            before: q.before,
            limit: 100,
            actor: short(&q.actor),
            action: short(&q.action),
            target: short(&q.target),
            from: day(&q.from, "from", false)?,
            to: day(&q.to, "to", true)?,
        };
        accounts::audit_search(&st.ctx, &staff.actor, query).await
    }
    .await;
    let (lines, next, error) = match found {
        Ok(p) => (p.lines, p.next, None),
        Err(e) if e.kind == Kind::Invalid => (Vec::new(), None, Some(e)),
        Err(e) => return error_page(status_of(&e), &e),
    };
    let next = next.map(|before| {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect()
        };
        format!(
            "/admin/audit?actor={}&action={}&target={}&from={}&to={}&before={before}",
            enc(&q.actor),
            enc(&q.action),
            enc(&q.target),
            enc(&q.from),
            enc(&q.to)
        )
    });
    super::board::html_page(
        AuditPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            q,
            lines,
            next,
            error: error.as_ref(),
        }
        .render()
        .unwrap_or_default(),
        error.as_ref(),
    )
}
