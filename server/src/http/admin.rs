//! Accounts and the audit log, for admins.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use motcua_protocol::routes;
use motcua_protocol::staff::{
    AuditEntry, Credentials, NewUser, SignInLockView, Unlock, Unlocked, UserView,
};
use serde::Deserialize;

use super::{ApiError, Body, Params, Staff};
use crate::AppState;
use crate::ops::Error;
use crate::ops::accounts::{self, AuditFilter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::ADMIN_USERS, get(list_users).post(create_user))
        .route(routes::ADMIN_USER, axum::routing::patch(update_user))
        .route(routes::ADMIN_USER_RESET, post(reset_password))
        .route(routes::ADMIN_AUDIT, get(audit_log))
        .route(routes::ADMIN_SIGN_IN_LOCKS, get(sign_in_locks))
        .route(routes::ADMIN_SIGN_IN_UNLOCK, post(unlock))
        .route(routes::ADMIN_BACKUP, post(backup))
}

async fn sign_in_locks(
    State(st): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<SignInLockView>>, ApiError> {
    Ok(Json(accounts::sign_in_locks(&st.ctx, &staff)?))
}

async fn unlock(
    State(st): State<AppState>,
    staff: Staff,
    Body(u): Body<Unlock>,
) -> Result<Json<Unlocked>, ApiError> {
    let lifted = accounts::unlock_sign_in(&st.ctx, &staff, u.username, u.address).await?;
    Ok(Json(Unlocked { lifted }))
}

async fn list_users(
    State(st): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(accounts::users(&st.ctx, &staff).await?))
}

async fn create_user(
    State(st): State<AppState>,
    staff: Staff,
    Body(n): Body<NewUser>,
) -> Result<(StatusCode, Json<Credentials>), ApiError> {
    let c = accounts::create_user(&st.ctx, &staff, n).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

async fn update_user(
    State(st): State<AppState>,
    staff: Staff,
    Path(username): Path<String>,
    Body(u): Body<motcua_protocol::staff::UserUpdate>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(
        accounts::update_user(&st.ctx, &staff, &username, u).await?,
    ))
}

async fn reset_password(
    State(st): State<AppState>,
    staff: Staff,
    Path(username): Path<String>,
) -> Result<Json<Credentials>, ApiError> {
    Ok(Json(
        accounts::reset_password(&st.ctx, &staff, &username).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
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

async fn audit_log(
    State(st): State<AppState>,
    staff: Staff,
    Params(q): Params<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let f = AuditFilter {
        after: q.after.unwrap_or(0),
        limit: q.limit.unwrap_or(200),
        actor: q.actor,
        action: q.action,
        target: q.target,
    };
    Ok(Json(accounts::audit_log(&st.ctx, &staff, f).await?))
}

/// A backup of the whole store while it runs (system administrators): one consistent snapshot,
/// every commit acknowledged before it included, written to `backups/` in the data folder.
async fn backup(
    State(st): State<AppState>,
    staff: Staff,
) -> Result<Json<crate::db::backup::BackupReport>, ApiError> {
    if staff.user.role != motcua_protocol::staff::Role::SystemAdmin {
        return Err(Error::forbidden(
            "Chỉ quản trị hệ thống được sao lưu dữ liệu.",
            "Only system administrators back the store up.",
        )
        .into());
    }
    // One backup at a time, and only with room for it: a backup is as large as the store, and
    // an administrator pressing again must not fill the disk the store lives on.
    static RUNNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if RUNNING.swap(true, std::sync::atomic::Ordering::AcqRel) {
        return Err(Error::new(
            crate::ops::Kind::Conflict,
            "backup.running",
            "Một bản sao lưu đang được tạo; hãy đợi nó xong.",
            "A backup is already being made; wait for it to finish.",
        )
        .into());
    }
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            RUNNING.store(false, std::sync::atomic::Ordering::Release);
        }
    }
    let _release = Release;
    let store_bytes = std::fs::metadata(st.config.data_dir.join("motcua.redb"))
        .map(|m| m.len())
        .unwrap_or(0);
    let free = rustix::fs::statvfs(&st.config.data_dir)
        .map(|v| v.f_bavail.saturating_mul(v.f_frsize))
        .unwrap_or(0);
    // Room for the copy and as much again for the store to keep growing.
    if free < store_bytes.saturating_mul(2) {
        return Err(Error::new(
            crate::ops::Kind::Unavailable,
            "backup.disk_full",
            format!(
                "Ổ đĩa còn {} MB, không đủ cho bản sao lưu (cần {} MB): hãy chuyển các bản cũ đi nơi khác.",
                free >> 20,
                store_bytes.saturating_mul(2) >> 20
            ),
            format!(
                "{} MB free, not enough for a backup ({} MB needed): move old backups elsewhere.",
                free >> 20,
                store_bytes.saturating_mul(2) >> 20
            ),
        )
        .into());
    }
    let now = st.clock.now_vn();
    let dir = st.config.data_dir.join("backups");
    let to = dir.join(format!("motcua-{}.redb", now.format("%Y%m%d-%H%M%S%.3f")));
    let store = st.store.clone();
    let made = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir).map_err(crate::db::Error::new)?;
        store.backup(&to)
    })
    .await
    .map_err(Error::internal)?
    .map_err(Error::from)?;
    let actor = staff.clone();
    let target = made.path.display().to_string();
    st.store
        .write(move |tx| {
            tx.audit(actor.entry(now, "backup", &target, "ok"))?;
            Ok::<_, Error>(())
        })
        .await?;
    Ok(Json(made))
}
