//! Staff accounts: sign-in and sessions, password changes, accounts created and reset by admins,
//! the first administrator, the audit log. Every sign-in, refused ones included, is audited.

use chrono::{DateTime, Duration, FixedOffset};
use motcua_protocol::staff::{
    Credentials, LoginReply, LoginRequest, NewUser, PasswordChange, Role, UserView,
};
use redb::ReadableTable;

use super::passwords::{
    hash_off_runtime, is_locked, lockout, new_token, one_time_password, password_problem,
    verify_off_runtime,
};
use super::{Actor, Ctx, Error, Kind, audit_entry};
use crate::db::model::{AuditEntry, Session, User};
use crate::db::{AGENCIES, AUDIT, SESSIONS, Tx, USERS, decode, encode, get};

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

fn wrong_credentials() -> Error {
    Error::new(
        Kind::Unauthorized,
        "auth.wrong_credentials",
        "Tên đăng nhập hoặc mật khẩu không đúng.",
        "Wrong username or password.",
    )
}

fn locked(until: DateTime<FixedOffset>) -> Error {
    Error::new(
        Kind::TooMany,
        "auth.locked",
        format!(
            "Tài khoản tạm khoá do đăng nhập sai nhiều lần; thử lại sau {}.",
            until.format("%H:%M:%S")
        ),
        format!(
            "The account is locked after repeated failures; try again after {}.",
            until.format("%H:%M:%S")
        ),
    )
}

/// Sign in from `addr`: a session token, or why not.
pub async fn login(ctx: &Ctx, addr: &str, req: LoginRequest) -> Result<LoginReply, Error> {
    let username = req.username.trim().to_lowercase();
    let now = ctx.clock.now_vn();
    let u = username.clone();
    let user: Option<User> = ctx
        .store
        .read(move |txn| Ok::<_, Error>(get(&txn.open_table(USERS)?, &u)?))
        .await?;
    // Verified off the runtime: argon2 is deliberately slow.
    let ok = match &user {
        Some(u) if !u.disabled && !is_locked(u, now) => {
            verify_off_runtime(req.password.clone(), u.password_hash.clone()).await?
        }
        _ => false,
    };
    let session_minutes = ctx.config.session_minutes;
    let addr = addr.to_owned();
    /// A sign-in kept as it went: a session, or a refusal whose failure count and audit line
    /// are part of the record.
    enum Outcome {
        Signed(LoginReply),
        Refused(Error),
    }
    let outcome = ctx
        .store
        .write(move |tx| {
            let refuse = |outcome: &str, e: Error| -> Result<Outcome, Error> {
                tx.audit(audit_entry(
                    now, &username, &addr, "login", &username, outcome,
                ))?;
                Ok(Outcome::Refused(e))
            };
            let mut users = tx.open_table(USERS)?;
            let user: Option<User> = get(&users, &username)?;
            let Some(mut user) = user.filter(|u| !u.disabled) else {
                return refuse("auth.wrong_credentials", wrong_credentials());
            };
            if let Some(until) = user.locked_until.filter(|t| *t > now) {
                return refuse("auth.locked", locked(until));
            }
            if !ok {
                user.failed_logins = user.failed_logins.saturating_add(1);
                user.locked_until = lockout(user.failed_logins).map(|d| now + d);
                users.insert(username.as_str(), encode(&user)?.as_slice())?;
                drop(users);
                return refuse(
                    "auth.wrong_credentials",
                    match user.locked_until {
                        Some(until) => locked(until),
                        None => wrong_credentials(),
                    },
                );
            }
            user.failed_logins = 0;
            user.locked_until = None;
            users.insert(username.as_str(), encode(&user)?.as_slice())?;
            drop(users);
            let (token, key) = new_token();
            let session = Session {
                username: username.clone(),
                created_at: now,
                expires_at: now + Duration::minutes(session_minutes),
            };
            tx.open_table(SESSIONS)?
                .insert(key.as_str(), encode(&session)?.as_slice())?;
            tx.audit(audit_entry(now, &username, &addr, "login", &username, "ok"))?;
            Ok(Outcome::Signed(LoginReply {
                token,
                expires_at: session.expires_at,
                must_change_password: user.must_change_password,
                user: user_view(&user),
            }))
        })
        .await?;
    match outcome {
        Outcome::Signed(r) => Ok(r),
        Outcome::Refused(e) => Err(e),
    }
}

/// End the actor's session.
pub async fn logout(ctx: &Ctx, actor: &Actor) -> Result<(), Error> {
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    ctx.store
        .write(move |tx| {
            tx.open_table(SESSIONS)?.remove(a.session_key.as_str())?;
            let u = &a.user.username;
            tx.audit(a.entry(now, "logout", u, "ok"))?;
            Ok::<_, Error>(())
        })
        .await?;
    ctx.sessions.forget(&actor.session_key);
    Ok(())
}

/// Change the actor's own password.
pub async fn change_password(
    ctx: &Ctx,
    actor: &Actor,
    req: PasswordChange,
) -> Result<UserView, Error> {
    let now = ctx.clock.now_vn();
    let username = actor.user.username.clone();
    if let Some((vi, en)) = password_problem(&req.new_password, &username) {
        return Err(Error::invalid("auth.weak_password", vi, en));
    }
    if req.new_password == req.current_password {
        return Err(Error::invalid(
            "auth.same_password",
            "Mật khẩu mới phải khác mật khẩu hiện tại.",
            "The new password must differ from the current one.",
        ));
    }
    let ok = verify_off_runtime(req.current_password, actor.user.password_hash.clone()).await?;
    let new_hash = if ok {
        Some(hash_off_runtime(req.new_password).await?)
    } else {
        None
    };
    let a = actor.clone();
    let view = ctx
        .store
        .write(move |tx| {
            let Some(new_hash) = new_hash.clone() else {
                tx.audit_kept(a.entry(now, "change_password", &username, "auth.wrong_credentials"));
                return Err(Error::new(
                    Kind::Forbidden,
                    "auth.wrong_current_password",
                    "Mật khẩu hiện tại không đúng.",
                    "The current password is wrong.",
                ));
            };
            let mut users = tx.open_table(USERS)?;
            let mut user: User = get(&users, &username)?.ok_or_else(Error::unauthorized)?;
            user.password_hash = new_hash;
            user.must_change_password = false;
            users.insert(username.as_str(), encode(&user)?.as_slice())?;
            drop(users);
            tx.audit(a.entry(now, "change_password", &username, "ok"))?;
            Ok(user_view(&user))
        })
        .await?;
    ctx.sessions.forget_user(&actor.user.username);
    Ok(view)
}

/// Whether `actor` may manage an account of `role`: only a system admin manages admins.
pub fn may_manage(actor: Role, role: Role) -> bool {
    actor == Role::SystemAdmin || (actor == Role::CentreAdmin && !role.is_admin())
}

/// Check a new account's fields; the username as stored.
pub fn validate_new_user(n: &NewUser) -> Result<String, Error> {
    let username = n.username.trim().to_lowercase();
    let ok = (3..=32).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-'
        });
    if !ok {
        return Err(Error::invalid(
            "user.username",
            "Tên đăng nhập gồm 3–32 chữ cái không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang.",
            "A username is 3–32 ASCII letters, digits, dots, underscores or hyphens.",
        ));
    }
    if n.full_name.trim().is_empty() {
        return Err(Error::invalid(
            "user.full_name",
            "Họ và tên không được để trống.",
            "The full name is required.",
        ));
    }
    let needs_agency = matches!(n.role, Role::Receptionist | Role::Officer | Role::Head);
    if needs_agency && n.agency.is_none() {
        return Err(Error::invalid(
            "user.agency",
            "Cán bộ tiếp nhận, chuyên viên và lãnh đạo phải thuộc một cơ quan.",
            "Reception officers, processing officers and heads must belong to an agency.",
        ));
    }
    Ok(username)
}

/// Create an account inside `tx` with an argon2id `password_hash` (made before the writer:
/// argon2 is slow on purpose); refused when the name is taken or the agency unknown.
pub fn insert_user(
    tx: &Tx,
    n: &NewUser,
    username: &str,
    password_hash: &str,
    must_change: bool,
    now: DateTime<FixedOffset>,
) -> Result<User, Error> {
    if let Some(a) = &n.agency
        && tx.open_table(AGENCIES)?.get(a.as_str())?.is_none()
    {
        return Err(Error::invalid(
            "agency.unknown",
            format!("Không có cơ quan mã {a}."),
            format!("No agency with code {a}."),
        ));
    }
    let mut users = tx.open_table(USERS)?;
    if users.get(username)?.is_some() {
        return Err(Error::new(
            Kind::Conflict,
            "user.exists",
            format!("Tên đăng nhập “{username}” đã có."),
            format!("The username “{username}” is taken."),
        ));
    }
    let user = User {
        username: username.to_owned(),
        full_name: n.full_name.trim().to_owned(),
        role: n.role,
        agency: n.agency.clone(),
        password_hash: password_hash.to_owned(),
        must_change_password: must_change,
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        created_at: now,
    };
    users.insert(username, encode(&user)?.as_slice())?;
    Ok(user)
}

/// Create an account with a one-time password (shown once; changed at the first sign-in).
pub async fn create_user(ctx: &Ctx, actor: &Actor, n: NewUser) -> Result<Credentials, Error> {
    actor.require_admin()?;
    if !may_manage(actor.user.role, n.role) {
        return Err(Error::forbidden(
            "Chỉ quản trị hệ thống được tạo tài khoản quản trị.",
            "Only a system administrator may create administrator accounts.",
        ));
    }
    let username = validate_new_user(&n)?;
    let password = one_time_password();
    let now = ctx.clock.now_vn();
    let hash = hash_off_runtime(password.clone()).await?;
    let a = actor.clone();
    let user = ctx
        .store
        .write(move |tx| {
            let user = insert_user(tx, &n, &username, &hash, true, now)?;
            tx.audit(a.entry(now, "create_user", &username, "ok"))?;
            Ok::<_, Error>(user)
        })
        .await?;
    Ok(Credentials {
        user: user_view(&user),
        one_time_password: password,
    })
}

/// Create an account from the server's console (no session: the operator at the machine);
/// blocking, for the command line.
pub fn create_from_console(ctx: &Ctx, n: NewUser) -> Result<Credentials, Error> {
    let username = validate_new_user(&n)?;
    let password = one_time_password();
    let hash = super::passwords::hash_password(&password)?;
    let now = ctx.clock.now_vn();
    let user = ctx.store.write_blocking(move |tx| {
        let user = insert_user(tx, &n, &username, &hash, true, now)?;
        tx.audit(audit_entry(
            now,
            "console",
            "local",
            "create_user",
            &username,
            "ok",
        ))?;
        Ok::<_, Error>(user)
    })?;
    Ok(Credentials {
        user: user_view(&user),
        one_time_password: password,
    })
}

/// Every account.
pub async fn users(ctx: &Ctx, actor: &Actor) -> Result<Vec<UserView>, Error> {
    actor.require_admin()?;
    ctx.store
        .read(|txn| {
            let mut out = Vec::new();
            for item in txn.open_table(USERS)?.iter()? {
                let u: User = decode(item?.1.value())?;
                out.push(user_view(&u));
            }
            Ok(out)
        })
        .await
}

/// Give an account a new one-time password; every open session of it ends.
pub async fn reset_password(
    ctx: &Ctx,
    actor: &Actor,
    username: &str,
) -> Result<Credentials, Error> {
    actor.require_admin()?;
    let password = one_time_password();
    let hash = hash_off_runtime(password.clone()).await?;
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    let username = username.to_owned();
    let target = username.clone();
    let user = ctx
        .store
        .write(move |tx| {
            let mut users = tx.open_table(USERS)?;
            let Some(mut user): Option<User> = get(&users, &username)? else {
                return Err(Error::not_found("tài khoản", "Account"));
            };
            if !may_manage(a.user.role, user.role) {
                return Err(Error::forbidden(
                    "Chỉ quản trị hệ thống được đặt lại mật khẩu của quản trị viên.",
                    "Only a system administrator may reset an administrator's password.",
                ));
            }
            user.password_hash = hash.clone();
            user.must_change_password = true;
            user.failed_logins = 0;
            user.locked_until = None;
            users.insert(username.as_str(), encode(&user)?.as_slice())?;
            drop(users);
            end_sessions(tx, &username)?;
            tx.audit(a.entry(now, "reset_password", &username, "ok"))?;
            Ok(user)
        })
        .await?;
    ctx.sessions.forget_user(&target);
    Ok(Credentials {
        user: user_view(&user),
        one_time_password: password,
    })
}

/// Remove every stored session of `username`.
fn end_sessions(tx: &Tx, username: &str) -> Result<(), Error> {
    let mut sessions = tx.open_table(SESSIONS)?;
    let mut stale = Vec::new();
    for item in sessions.iter()? {
        let (k, v) = item?;
        let s: Session = decode(v.value())?;
        if s.username == username {
            stale.push(k.value().to_owned());
        }
    }
    for k in stale {
        sessions.remove(k.as_str())?;
    }
    Ok(())
}

/// On an empty account table, create the system administrator `admin` with a one-time
/// password, returned so that it can be printed once.
pub fn bootstrap_admin(ctx: &Ctx) -> Result<Option<String>, Error> {
    use redb::ReadableTableMetadata;
    let empty = ctx
        .store
        .read_now(|txn| Ok::<_, Error>(txn.open_table(USERS)?.is_empty()?))?;
    if !empty {
        return Ok(None);
    }
    let password = one_time_password();
    let hash = super::passwords::hash_password(&password)?;
    let now = ctx.clock.now_vn();
    ctx.store.write_blocking(move |tx| {
        let n = NewUser {
            username: "admin".into(),
            full_name: "Quản trị hệ thống".into(),
            role: Role::SystemAdmin,
            agency: None,
        };
        insert_user(tx, &n, "admin", &hash, true, now)?;
        tx.audit(audit_entry(
            now,
            "system",
            "local",
            "create_user",
            "admin",
            "ok",
        ))?;
        Ok::<_, Error>(())
    })?;
    Ok(Some(password))
}

/// What the audit log may be searched by.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Lines after this sequence number.
    pub after: u64,
    pub limit: usize,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
}

/// Lines read per request at most when filtering (the next page starts after the last one read).
const AUDIT_SCAN: usize = 100_000;

/// Audit lines matching `f`, oldest first.
pub async fn audit_log(ctx: &Ctx, actor: &Actor, f: AuditFilter) -> Result<Vec<AuditEntry>, Error> {
    actor.require_admin()?;
    let Some(first) = f.after.checked_add(1) else {
        return Ok(Vec::new());
    };
    let limit = f.limit.clamp(1, 1000);
    ctx.store
        .read(move |txn| {
            let mut out = Vec::new();
            for item in txn.open_table(AUDIT)?.range(first..)?.take(AUDIT_SCAN) {
                let e: AuditEntry = decode(item?.1.value())?;
                let keep = f.actor.as_ref().is_none_or(|a| &e.actor == a)
                    && f.action.as_ref().is_none_or(|a| &e.action == a)
                    && f.target.as_ref().is_none_or(|t| &e.target == t);
                if keep {
                    out.push(e);
                    if out.len() == limit {
                        break;
                    }
                }
            }
            Ok(out)
        })
        .await
}
