//! Accounts and the audit log, for admins.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};

use redb::ReadableTable;
use serde::Deserialize;

use super::auth::{UserView, user_view};
use super::{Body, Params, Staff};
use crate::AppState;
use crate::auth::{hash_off_runtime, one_time_password};
use crate::error::ApiError;
use crate::model::{AuditEntry, Role, User};
use crate::store::{AGENCIES, AUDIT, SESSIONS, USERS, decode, encode, get_json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/users", get(list_users).post(create_user))
        .route(
            "/api/v1/admin/users/{username}/reset-password",
            post(reset_password),
        )
        .route("/api/v1/admin/audit", get(audit_log))
}

/// Whether `actor` may manage an account of `role`: only a system admin manages admins.
fn may_manage(actor: Role, role: Role) -> bool {
    actor == Role::SystemAdmin || (actor == Role::CentreAdmin && !role.is_admin())
}

async fn list_users(
    State(st): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<UserView>>, ApiError> {
    staff.require_admin()?;
    let users = st
        .store
        .read(|txn| {
            let mut out = Vec::new();
            for item in txn.open_table(USERS)?.iter()? {
                let u: User = decode(item?.1.value())?;
                out.push(user_view(&u));
            }
            Ok(out)
        })
        .await?;
    Ok(Json(users))
}

pub use motcua_protocol::staff::{Credentials, NewUser};

/// Check a new account's fields.
pub fn validate_new_user(n: &NewUser) -> Result<String, ApiError> {
    let username = n.username.trim().to_lowercase();
    let ok = (3..=32).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-'
        });
    if !ok {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "user.username",
            "Tên đăng nhập gồm 3–32 chữ cái không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang.",
            "A username is 3–32 ASCII letters, digits, dots, underscores or hyphens.",
        ));
    }
    if n.full_name.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "user.full_name",
            "Họ và tên không được để trống.",
            "The full name is required.",
        ));
    }
    let needs_agency = matches!(n.role, Role::Receptionist | Role::Officer | Role::Head);
    if needs_agency && n.agency.is_none() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "user.agency",
            "Cán bộ tiếp nhận, chuyên viên và lãnh đạo phải thuộc một cơ quan.",
            "Reception officers, processing officers and heads must belong to an agency.",
        ));
    }
    Ok(username)
}

/// Create an account inside `txn` with an argon2id `password_hash` (made before the writer: argon2
/// is slow on purpose); an error when the name is taken or the agency unknown.
pub fn insert_user(
    txn: &redb::WriteTransaction,
    n: &NewUser,
    username: &str,
    password_hash: String,
    must_change: bool,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Result<Result<User, ApiError>, ApiError> {
    if let Some(a) = &n.agency {
        if txn.open_table(AGENCIES)?.get(a.as_str())?.is_none() {
            return Ok(Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "agency.unknown",
                format!("Không có cơ quan mã {a}."),
                format!("No agency with code {a}."),
            )));
        }
    }
    let mut users = txn.open_table(USERS)?;
    if users.get(username)?.is_some() {
        return Ok(Err(ApiError::new(
            StatusCode::CONFLICT,
            "user.exists",
            format!("Tên đăng nhập “{username}” đã có."),
            format!("The username “{username}” is taken."),
        )));
    }
    let user = User {
        username: username.to_owned(),
        full_name: n.full_name.trim().to_owned(),
        role: n.role,
        agency: n.agency.clone(),
        password_hash,
        must_change_password: must_change,
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        created_at: now,
    };
    users.insert(username, encode(&user)?.as_slice())?;
    Ok(Ok(user))
}

async fn create_user(
    State(st): State<AppState>,
    staff: Staff,
    Body(n): Body<NewUser>,
) -> Result<(StatusCode, Json<Credentials>), ApiError> {
    staff.require_admin()?;
    if !may_manage(staff.user.role, n.role) {
        return Err(ApiError::forbidden(
            "Chỉ quản trị hệ thống được tạo tài khoản quản trị.",
            "Only a system administrator may create administrator accounts.",
        ));
    }
    let username = validate_new_user(&n)?;
    let password = one_time_password();
    let now = st.clock.now_vn();
    let hash = hash_off_runtime(password.clone()).await?;
    let user = st
        .store
        .write(move |txn| {
            let user = match insert_user(txn, &n, &username, hash, true, now)? {
                Ok(u) => u,
                Err(e) => return Ok(Err(e)),
            };
            staff.audit(txn, now, "create_user", &username, "ok")?;
            Ok(Ok(user))
        })
        .await??;
    Ok((
        StatusCode::CREATED,
        Json(Credentials {
            user: user_view(&user),
            one_time_password: password,
        }),
    ))
}

async fn reset_password(
    State(st): State<AppState>,
    staff: Staff,
    Path(username): Path<String>,
) -> Result<Json<Credentials>, ApiError> {
    staff.require_admin()?;
    let password = one_time_password();
    let hash = hash_off_runtime(password.clone()).await?;
    let now = st.clock.now_vn();
    let actor = staff.user.role;
    let target = username.clone();
    let user = st
        .store
        .write(move |txn| {
            let mut users = txn.open_table(USERS)?;
            let Some(mut user): Option<User> = get_json(&users, &username)? else {
                return Ok(Err(ApiError::not_found("tài khoản", "Account")));
            };
            if !may_manage(actor, user.role) {
                return Ok(Err(ApiError::forbidden(
                    "Chỉ quản trị hệ thống được đặt lại mật khẩu của quản trị viên.",
                    "Only a system administrator may reset an administrator's password.",
                )));
            }
            user.password_hash = hash;
            user.must_change_password = true;
            user.failed_logins = 0;
            user.locked_until = None;
            users.insert(username.as_str(), encode(&user)?.as_slice())?;
            drop(users);
            // Every open session of the account ends.
            let mut sessions = txn.open_table(SESSIONS)?;
            let mut stale = Vec::new();
            for item in sessions.iter()? {
                let (k, v) = item?;
                let s: crate::model::Session = decode(v.value())?;
                if s.username == username {
                    stale.push(k.value().to_owned());
                }
            }
            for k in stale {
                sessions.remove(k.as_str())?;
            }
            drop(sessions);
            staff.audit(txn, now, "reset_password", &username, "ok")?;
            Ok(Ok(user))
        })
        .await??;
    st.sessions.forget_user(&target);
    Ok(Json(Credentials {
        user: user_view(&user),
        one_time_password: password,
    }))
}

#[derive(Debug, Deserialize)]
struct AuditQuery {
    after: Option<u64>,
    limit: Option<usize>,
    /// Only lines of this account.
    actor: Option<String>,
    /// Only lines of this action (`receive`, `login`, `calendar_load_year`, …).
    action: Option<String>,
    /// Only lines about this target (a dossier code, an account, a year).
    target: Option<String>,
}

/// Lines read per request at most when filtering (the next page starts after the last one read).
const AUDIT_SCAN: usize = 100_000;

async fn audit_log(
    State(st): State<AppState>,
    staff: Staff,
    Params(q): Params<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    staff.require_admin()?;
    let Some(first) = q.after.unwrap_or(0).checked_add(1) else {
        return Ok(Json(Vec::new()));
    };
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    let entries = st
        .store
        .read(move |txn| {
            let mut out = Vec::new();
            for item in txn.open_table(AUDIT)?.range(first..)?.take(AUDIT_SCAN) {
                let e: AuditEntry = decode(item?.1.value())?;
                let keep = q.actor.as_ref().is_none_or(|a| &e.actor == a)
                    && q.action.as_ref().is_none_or(|a| &e.action == a)
                    && q.target.as_ref().is_none_or(|t| &e.target == t);
                if keep {
                    out.push(e);
                    if out.len() == limit {
                        break;
                    }
                }
            }
            Ok(out)
        })
        .await?;
    Ok(Json(entries))
}
