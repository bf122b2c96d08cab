//! Sign in, sign out, change the password, who am I.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, FixedOffset};

use super::{Body, ClientAddr, Staff};
use crate::AppState;
use crate::auth::{self, hash_password, is_locked, new_token, password_problem, verify_password};
use crate::error::ApiError;
use crate::model::{AuditEntry, Session, User};
use crate::store::{SESSIONS, USERS, append_audit, encode, get_json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/password", post(change_password))
        .route("/api/v1/auth/me", get(me))
}

pub use motcua_protocol::staff::UserView;
use motcua_protocol::staff::{LoginReply, LoginRequest, PasswordChange};

/// An account as shown to its owner and to admins: never the hash.
pub fn user_view(u: &User) -> UserView {
    UserView {
        username: u.username.clone(),
        full_name: u.full_name.clone(),
        role: u.role,
        role_label: u.role.label_vi().to_owned(),
        agency: u.agency.as_ref().map(|a| a.to_string()),
        must_change_password: u.must_change_password,
        disabled: u.disabled,
    }
}

fn wrong_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "auth.wrong_credentials",
        "Tên đăng nhập hoặc mật khẩu không đúng.",
        "Wrong username or password.",
    )
}

fn locked(until: DateTime<FixedOffset>) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "auth.locked",
        format!(
            "Tài khoản tạm khoá do nhập sai mật khẩu nhiều lần; thử lại sau {}.",
            until.format("%H:%M:%S %d/%m/%Y")
        ),
        format!(
            "The account is locked after repeated failures; try again after {}.",
            until.format("%H:%M:%S %d/%m/%Y")
        ),
    )
}

pub fn audit_entry(
    at: DateTime<FixedOffset>,
    actor: &str,
    addr: &str,
    action: &str,
    target: &str,
    outcome: &str,
) -> AuditEntry {
    AuditEntry {
        seq: 0,
        at,
        actor: actor.to_owned(),
        address: addr.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        outcome: outcome.to_owned(),
        detail: String::new(),
    }
}

async fn login(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(b): Body<LoginRequest>,
) -> Result<Json<LoginReply>, ApiError> {
    let username = b.username.trim().to_lowercase();
    let now = st.clock.now_vn();
    let u = username.clone();
    let user: Option<User> = st
        .store
        .read(move |txn| get_json(&txn.open_table(USERS)?, &u))
        .await?;
    // Verify on the blocking pool: argon2 is deliberately slow.
    let ok = match &user {
        Some(u) if !u.disabled && !is_locked(u, now) => {
            let (pw, hash) = (b.password.clone(), u.password_hash.clone());
            tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
                .await
                .map_err(ApiError::internal)?
        }
        _ => false,
    };
    let session_minutes = st.config.session_minutes;
    let reply = st
        .store
        .write(move |txn| {
            // redb lets a transaction hold several tables open, so the audit line is written
            // alongside the account.
            let audit = |outcome: &str| {
                append_audit(
                    txn,
                    audit_entry(now, &username, &addr, "login", &username, outcome),
                )
            };
            let mut users = txn.open_table(USERS)?;
            let user: Option<User> = get_json(&users, &username)?;
            let Some(mut user) = user.filter(|u| !u.disabled) else {
                audit("auth.wrong_credentials")?;
                return Ok(Err(wrong_credentials()));
            };
            if let Some(until) = user.locked_until.filter(|t| *t > now) {
                audit("auth.locked")?;
                return Ok(Err(locked(until)));
            }
            if !ok {
                user.failed_logins += 1;
                user.locked_until = auth::lockout(user.failed_logins).map(|d| now + d);
                users.insert(username.as_str(), encode(&user)?.as_slice())?;
                audit("auth.wrong_credentials")?;
                return Ok(Err(match user.locked_until {
                    Some(until) => locked(until),
                    None => wrong_credentials(),
                }));
            }
            user.failed_logins = 0;
            user.locked_until = None;
            users.insert(username.as_str(), encode(&user)?.as_slice())?;
            let (token, key) = new_token();
            let session = Session {
                username: username.clone(),
                created_at: now,
                expires_at: now + Duration::minutes(session_minutes),
            };
            txn.open_table(SESSIONS)?
                .insert(key.as_str(), encode(&session)?.as_slice())?;
            audit("ok")?;
            Ok(Ok(LoginReply {
                token,
                expires_at: session.expires_at,
                must_change_password: user.must_change_password,
                user: user_view(&user),
            }))
        })
        .await??;
    Ok(Json(reply))
}

async fn logout(State(st): State<AppState>, staff: Staff) -> Result<StatusCode, ApiError> {
    let now = st.clock.now_vn();
    let key = staff.session_key.clone();
    st.store
        .write(move |txn| {
            txn.open_table(SESSIONS)?
                .remove(staff.session_key.as_str())?;
            let u = &staff.user.username;
            append_audit(txn, audit_entry(now, u, &staff.addr, "logout", u, "ok"))?;
            Ok(())
        })
        .await?;
    st.sessions.forget(&key);
    Ok(StatusCode::NO_CONTENT)
}

async fn change_password(
    State(st): State<AppState>,
    staff: Staff,
    Body(b): Body<PasswordChange>,
) -> Result<Json<UserView>, ApiError> {
    let now = st.clock.now_vn();
    let username = staff.user.username.clone();
    if let Some((vi, en)) = password_problem(&b.new_password, &username) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth.weak_password",
            vi,
            en,
        ));
    }
    if b.new_password == b.current_password {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "auth.same_password",
            "Mật khẩu mới phải khác mật khẩu hiện tại.",
            "The new password must differ from the current one.",
        ));
    }
    let (cur, hash) = (b.current_password.clone(), staff.user.password_hash.clone());
    let new = b.new_password.clone();
    let (ok, new_hash) = tokio::task::spawn_blocking(move || {
        let ok = verify_password(&cur, &hash);
        (ok, ok.then(|| hash_password(&new)))
    })
    .await
    .map_err(ApiError::internal)?;
    let addr = staff.addr.clone();
    let view = st
        .store
        .write(move |txn| {
            let Some(new_hash) = new_hash.filter(|_| ok) else {
                append_audit(
                    txn,
                    audit_entry(
                        now,
                        &username,
                        &addr,
                        "change_password",
                        &username,
                        "auth.wrong_credentials",
                    ),
                )?;
                return Ok(Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "auth.wrong_current_password",
                    "Mật khẩu hiện tại không đúng.",
                    "The current password is wrong.",
                )));
            };
            let mut users = txn.open_table(USERS)?;
            let mut user: User = get_json(&users, &username)?.ok_or_else(ApiError::unauthorized)?;
            user.password_hash = new_hash;
            user.must_change_password = false;
            users.insert(username.as_str(), encode(&user)?.as_slice())?;
            drop(users);
            append_audit(
                txn,
                audit_entry(now, &username, &addr, "change_password", &username, "ok"),
            )?;
            Ok(Ok(user_view(&user)))
        })
        .await??;
    st.sessions.forget_user(&staff.user.username);
    Ok(Json(view))
}

async fn me(staff: Staff) -> Json<UserView> {
    Json(user_view(&staff.user))
}
