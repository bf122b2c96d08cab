//! Staff accounts: sign-in and sessions, password changes, accounts created and reset by admins,
//! the first administrator, sign-in locks, the audit log. Every sign-in is audited: one line each
//! for real accounts, counts per address for names that are no account.

use chrono::{DateTime, Duration, FixedOffset};
use motcua_protocol::staff::{
    Credentials, LoginReply, LoginRequest, NewUser, PasswordChange, Role, SignInLockView, UserView,
};
use redb::ReadableTable;

use super::passwords::{
    hash_off_runtime, new_token, one_time_password, password_problem, verify_off_runtime,
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
            "Đăng nhập tạm khoá do sai nhiều lần từ máy này; thử lại sau {} hoặc nhờ quản trị \
             viên mở khoá.",
            until.format("%H:%M:%S")
        ),
        format!(
            "Sign-in is locked after repeated failures from this device; try again after {} or \
             ask an administrator to unlock it.",
            until.format("%H:%M:%S")
        ),
    )
}

/// Longest password taken (a longer one is refused before hashing).
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Whether `username` (trimmed, lower case) has the shape of an account name: 3–32 ASCII
/// letters, digits, dots, underscores or hyphens.
pub fn username_shape_ok(username: &str) -> bool {
    (3..=32).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-'
        })
}

/// Sign in from `addr` (a client key): a session token, or why not.
///
/// Failures are limited per address and per (account, address) in memory, so an attacker on
/// one address never locks the real user out of another. A name that is no account (or has no
/// account's shape) costs the same argon2 verification as a real one, touches no table, and is
/// counted in memory — told in the audit log as one line per address a minute
/// ([`flush_unknown_sign_ins`]); a failure on a real account is audited line by line (at most
/// [`crate::throttle::SIGN_IN_FAILURES_PER_ACCOUNT`] per pair per lock).
pub async fn login(ctx: &Ctx, addr: &str, req: LoginRequest) -> Result<LoginReply, Error> {
    let username = req.username.trim().to_lowercase();
    let now = ctx.clock.now_vn();
    let now_utc = ctx.clock.now();
    let shaped = username_shape_ok(&username) && req.password.len() <= MAX_PASSWORD_LEN;
    let vn = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&now.timezone());
    if let Some(until) =
        ctx.throttle
            .sign_in_locked(shaped.then_some(username.as_str()), addr, now_utc)
    {
        return Err(locked(vn(until)));
    }
    let user: Option<User> = if shaped {
        let u = username.clone();
        ctx.store
            .read(move |txn| Ok::<_, Error>(get(&txn.open_table(USERS)?, &u)?))
            .await?
    } else {
        None
    };
    // Verified off the runtime (argon2 is slow on purpose), against a stand-in hash when there
    // is no account, so that both take the same time.
    let (hash, password) = match &user {
        Some(u) => (u.password_hash.clone(), req.password.clone()),
        None => (super::passwords::DUMMY_HASH.clone(), String::new()),
    };
    let verified = verify_off_runtime(password, hash).await?;
    let Some(user) = user else {
        ctx.throttle.unknown_sign_in(addr);
        return Err(match ctx.throttle.sign_in_failed(None, addr, now_utc) {
            Some(until) => locked(vn(until)),
            None => wrong_credentials(),
        });
    };
    if !verified || user.disabled {
        let outcome = if user.disabled {
            "auth.disabled"
        } else {
            "auth.wrong_credentials"
        };
        let until = ctx.throttle.sign_in_failed(Some(&username), addr, now_utc);
        // Audited without waiting for the disk, so a real account's failure answers as fast as
        // an unknown name's.
        let line = audit_entry(now, &username, addr, "login", &username, outcome);
        let store = ctx.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.write(move |tx| tx.audit(line.clone())).await {
                tracing::warn!(error = %e, "a failed sign-in was not audited");
            }
        });
        return Err(match until {
            Some(until) => locked(vn(until)),
            None => wrong_credentials(),
        });
    }
    ctx.throttle.sign_in_succeeded(&username, addr);
    let session_minutes = ctx.config.session_minutes;
    let addr = addr.to_owned();
    ctx.store
        .write(move |tx| {
            let user: User = get(&tx.open_table(USERS)?, &username)?
                .filter(|u: &User| !u.disabled)
                .ok_or_else(wrong_credentials)?;
            prune_expired_sessions(tx, &username, now)?;
            let (token, key) = new_token();
            let session = Session {
                username: username.clone(),
                created_at: now,
                expires_at: now + Duration::minutes(session_minutes),
            };
            tx.open_table(SESSIONS)?
                .insert(key.as_str(), encode(&session)?.as_slice())?;
            tx.audit(audit_entry(now, &username, &addr, "login", &username, "ok"))?;
            Ok(LoginReply {
                token,
                expires_at: session.expires_at,
                must_change_password: user.must_change_password,
                user: user_view(&user),
            })
        })
        .await
}

/// Addresses told one by one in the audit log per flush; the rest share one line.
pub const UNKNOWN_SIGN_IN_LINES: usize = 100;

/// Write the sign-ins under unknown names counted since the last call to the audit log: one
/// line for each of the [`UNKNOWN_SIGN_IN_LINES`] busiest addresses, one for all the others
/// (address `*`), so that even a flood from many addresses writes a bounded few lines a minute.
/// How many lines.
pub async fn flush_unknown_sign_ins(ctx: &Ctx) -> Result<usize, Error> {
    let counts = ctx.throttle.take_unknown_sign_ins();
    if counts.is_empty() {
        return Ok(0);
    }
    let now = ctx.clock.now_vn();
    let mut lines: Vec<(String, String)> = Vec::new();
    let (mut rest_addresses, mut rest_count) = (0u64, 0u64);
    for (addr, count) in counts {
        if addr != "*" && lines.len() < UNKNOWN_SIGN_IN_LINES {
            lines.push((
                addr,
                format!("{count} lần đăng nhập với tên không có tài khoản / sign-ins under unknown names"),
            ));
        } else {
            rest_addresses += u64::from(addr != "*");
            rest_count = rest_count.saturating_add(count);
        }
    }
    if rest_count > 0 {
        lines.push((
            "*".to_owned(),
            format!(
                "{rest_count} lần đăng nhập với tên không có tài khoản từ các địa chỉ khác \
                 ({rest_addresses}+) / sign-ins under unknown names from other addresses"
            ),
        ));
    }
    let n = lines.len();
    ctx.store
        .write(move |tx| {
            for (addr, detail) in &lines {
                let mut e = audit_entry(now, "-", addr, "login", "-", "auth.unknown_account");
                e.detail = detail.clone();
                tx.audit(e)?;
            }
            Ok::<_, Error>(())
        })
        .await?;
    Ok(n)
}

/// The sign-in locks in force.
pub fn sign_in_locks(ctx: &Ctx, actor: &Actor) -> Result<Vec<SignInLockView>, Error> {
    actor.require_admin()?;
    let now = ctx.clock.now_vn();
    Ok(ctx
        .throttle
        .sign_in_locks(ctx.clock.now())
        .into_iter()
        .map(|(lock, until)| {
            let until = until.with_timezone(&now.timezone());
            match lock {
                crate::throttle::SignInLock::Address { address } => SignInLockView {
                    username: None,
                    address,
                    until,
                },
                crate::throttle::SignInLock::Account { username, address } => SignInLockView {
                    username: Some(username),
                    address,
                    until,
                },
            }
        })
        .collect())
}

/// Lift the sign-in locks of an account (from every address) and/or of an address; audited.
/// How many were lifted.
pub async fn unlock_sign_in(
    ctx: &Ctx,
    actor: &Actor,
    username: Option<String>,
    address: Option<String>,
) -> Result<usize, Error> {
    actor.require_admin()?;
    if username.is_none() && address.is_none() {
        return Err(Error::invalid(
            "auth.unlock_what",
            "Cần chỉ rõ tài khoản hoặc địa chỉ cần mở khoá.",
            "Name the account or the address to unlock.",
        ));
    }
    let username = username.map(|u| u.trim().to_lowercase());
    if let Some(u) = &username
        && !username_shape_ok(u)
    {
        return Err(Error::not_found("tài khoản", "Account"));
    }
    let address = address.map(|a| a.trim().to_owned());
    if let Some(a) = &address
        && (a.is_empty() || a.len() > 64)
    {
        return Err(Error::invalid(
            "auth.unlock_address",
            "Địa chỉ không hợp lệ.",
            "Not an address.",
        ));
    }
    let n = ctx
        .throttle
        .sign_in_unlock(username.as_deref(), address.as_deref());
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    let target = match (&username, &address) {
        (Some(u), Some(ad)) => format!("{u}@{ad}"),
        (Some(u), None) => u.clone(),
        (None, Some(ad)) => ad.clone(),
        (None, None) => String::new(),
    };
    ctx.store
        .write(move |tx| {
            let mut e = a.entry(now, "unlock_sign_in", &target, "ok");
            e.detail = format!("{n}");
            tx.audit(e)?;
            Ok::<_, Error>(())
        })
        .await?;
    Ok(n)
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

/// Change the actor's own password. Wrong current passwords count as failed sign-ins of the
/// account from the actor's address; on success every other session of the account ends.
pub async fn change_password(
    ctx: &Ctx,
    actor: &Actor,
    req: PasswordChange,
) -> Result<UserView, Error> {
    let now = ctx.clock.now_vn();
    let now_utc = ctx.clock.now();
    let vn = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&now.timezone());
    let username = actor.user.username.clone();
    if let Some(until) = ctx
        .throttle
        .sign_in_locked(Some(&username), &actor.addr, now_utc)
    {
        return Err(locked(vn(until)));
    }
    if req.new_password.len() > MAX_PASSWORD_LEN || req.current_password.len() > MAX_PASSWORD_LEN {
        return Err(Error::invalid(
            "auth.password_too_long",
            "Mật khẩu dài quá 1024 ký tự.",
            "The password is longer than 1,024 characters.",
        ));
    }
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
    if !ok {
        let until = ctx
            .throttle
            .sign_in_failed(Some(&username), &actor.addr, now_utc);
        let line = actor.entry(now, "change_password", &username, "auth.wrong_credentials");
        ctx.store.write(move |tx| tx.audit(line.clone())).await?;
        return Err(match until {
            Some(until) => locked(vn(until)),
            None => Error::new(
                Kind::Forbidden,
                "auth.wrong_current_password",
                "Mật khẩu hiện tại không đúng.",
                "The current password is wrong.",
            ),
        });
    }
    let new_hash = hash_off_runtime(req.new_password).await?;
    let a = actor.clone();
    let view = ctx
        .store
        .write(move |tx| {
            let mut users = tx.open_table(USERS)?;
            let mut user: User = get(&users, &username)?.ok_or_else(Error::unauthorized)?;
            user.password_hash = new_hash.clone();
            user.must_change_password = false;
            users.insert(username.as_str(), encode(&user)?.as_slice())?;
            drop(users);
            let ended = end_sessions(tx, &username, Some(&a.session_key))?;
            let mut e = a.entry(now, "change_password", &username, "ok");
            e.detail = format!("{ended}");
            tx.audit(e)?;
            Ok::<_, Error>(user_view(&user))
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
    if !username_shape_ok(&username) {
        return Err(Error::invalid(
            "user.username",
            "Tên đăng nhập gồm 3–32 chữ cái không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang.",
            "A username is 3–32 ASCII letters, digits, dots, underscores or hyphens.",
        ));
    }
    motcua_core::contact::name(&n.full_name).map_err(|e| Error::domain(Kind::Invalid, &e))?;
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
        full_name: motcua_core::contact::name(&n.full_name)
            .unwrap_or_else(|_| n.full_name.trim().to_owned()),
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

/// Give an account a new one-time password from the server's console (the operator at the
/// machine; the server must not be running: the store takes one process); blocking.
pub fn reset_from_console(ctx: &Ctx, username: &str) -> Result<Credentials, Error> {
    let username = username.trim().to_lowercase();
    let password = one_time_password();
    let hash = super::passwords::hash_password(&password)?;
    let now = ctx.clock.now_vn();
    let user = ctx.store.write_blocking(move |tx| {
        let mut users = tx.open_table(USERS)?;
        let Some(mut user): Option<User> = get(&users, &username)? else {
            return Err(Error::not_found("tài khoản", "Account"));
        };
        user.password_hash = hash.clone();
        user.must_change_password = true;
        users.insert(username.as_str(), encode(&user)?.as_slice())?;
        drop(users);
        end_sessions(tx, &username, None)?;
        tx.audit(audit_entry(
            now,
            "console",
            "local",
            "reset_password",
            &username,
            "ok",
        ))?;
        Ok(user)
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
            end_sessions(tx, &username, None)?;
            tx.audit(a.entry(now, "reset_password", &username, "ok"))?;
            Ok(user)
        })
        .await?;
    ctx.sessions.forget_user(&target);
    ctx.throttle.sign_in_unlock(Some(&target), None);
    Ok(Credentials {
        user: user_view(&user),
        one_time_password: password,
    })
}

/// Change an account's name, role, agency or whether it may sign in. An administrator changes
/// only what it may manage (only a system admin touches admins, or makes one), never its own role
/// or access (so no one locks themselves out); disabling ends the account's sessions.
pub async fn update_user(
    ctx: &Ctx,
    actor: &Actor,
    username: &str,
    u: motcua_protocol::staff::UserUpdate,
) -> Result<UserView, Error> {
    actor.require_admin()?;
    let full_name = match &u.full_name {
        Some(n) => {
            Some(motcua_core::contact::name(n).map_err(|e| Error::domain(Kind::Invalid, &e))?)
        }
        None => None,
    };
    if username == actor.user.username && (u.role.is_some() || u.disabled == Some(true)) {
        return Err(Error::invalid(
            "user.self",
            "Không tự đổi vai trò hoặc tự khoá tài khoản của mình: hãy nhờ một quản trị viên khác.",
            "You cannot change your own role or disable yourself: ask another administrator.",
        ));
    }
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    let username = username.to_owned();
    let target = username.clone();
    let view = ctx
        .store
        .write(move |tx| {
            let mut users = tx.open_table(USERS)?;
            let Some(mut user): Option<User> = get(&users, &username)? else {
                return Err(Error::not_found("tài khoản", "Account"));
            };
            let role = u.role.unwrap_or(user.role);
            if !may_manage(a.user.role, user.role) || !may_manage(a.user.role, role) {
                return Err(Error::forbidden(
                    "Chỉ quản trị hệ thống được thay đổi hoặc tạo tài khoản quản trị.",
                    "Only a system administrator may change or make administrator accounts.",
                ));
            }
            let agency = match &u.agency {
                Some(a) => a.clone(),
                None => user.agency.clone(),
            };
            let check = NewUser {
                username: user.username.clone(),
                full_name: full_name.clone().unwrap_or_else(|| user.full_name.clone()),
                role,
                agency: agency.clone(),
            };
            validate_new_user(&check)?;
            if let Some(code) = &agency
                && tx.open_table(AGENCIES)?.get(code.as_str())?.is_none()
            {
                return Err(Error::invalid(
                    "agency.unknown",
                    format!("Không có cơ quan mã {code}."),
                    format!("No agency with code {code}."),
                ));
            }
            let mut what = Vec::new();
            if let Some(n) = &full_name
                && *n != user.full_name
            {
                user.full_name = n.clone();
                what.push("full_name".to_owned());
            }
            if role != user.role {
                what.push(format!("role {:?} → {:?}", user.role, role));
                user.role = role;
            }
            if agency != user.agency {
                what.push(format!(
                    "agency {} → {}",
                    user.agency.as_ref().map_or("-".into(), |a| a.to_string()),
                    agency.as_ref().map_or("-".into(), |a| a.to_string())
                ));
                user.agency = agency;
            }
            if let Some(d) = u.disabled
                && d != user.disabled
            {
                user.disabled = d;
                what.push(if d { "disabled" } else { "enabled" }.to_owned());
            }
            users.insert(username.as_str(), encode(&user)?.as_slice())?;
            drop(users);
            if user.disabled {
                end_sessions(tx, &username, None)?;
            }
            let mut line = a.entry(now, "update_user", &username, "ok");
            line.detail = what.join("; ");
            tx.audit(line)?;
            Ok::<_, Error>(user_view(&user))
        })
        .await?;
    // A changed role or scope, or a disabled account, is seen from the next request on.
    ctx.sessions.forget_user(&target);
    Ok(view)
}

/// Remove every stored session of `username` but `keep` (a session key); how many.
fn end_sessions(tx: &Tx, username: &str, keep: Option<&str>) -> Result<usize, Error> {
    remove_sessions(tx, |key, s| s.username == username && keep != Some(key))
}

/// Remove the expired stored sessions of `username` (at each sign-in, so they do not pile up).
fn prune_expired_sessions(
    tx: &Tx,
    username: &str,
    now: DateTime<FixedOffset>,
) -> Result<usize, Error> {
    remove_sessions(tx, |_, s| s.username == username && s.expires_at <= now)
}

/// Remove the stored sessions `pred` holds for; how many.
fn remove_sessions(tx: &Tx, pred: impl Fn(&str, &Session) -> bool) -> Result<usize, Error> {
    let mut sessions = tx.open_table(SESSIONS)?;
    let mut stale = Vec::new();
    for item in sessions.iter()? {
        let (k, v) = item?;
        let s: Session = decode(v.value())?;
        if pred(k.value(), &s) {
            stale.push(k.value().to_owned());
        }
    }
    for k in &stale {
        sessions.remove(k.as_str())?;
    }
    Ok(stale.len())
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

/// The audit log searched newest first: by actor, action, target (a dossier code, an account,
/// a kiosk) and time.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Lines before this sequence number (the previous page's last); none: from the newest.
    pub before: Option<u64>,
    pub limit: usize,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub from: Option<DateTime<FixedOffset>>,
    pub to: Option<DateTime<FixedOffset>>,
}

/// A page of [`audit_search`]: the lines, newest first, and where the next page starts (none
/// at the oldest line or the `from` instant).
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub lines: Vec<AuditEntry>,
    pub next: Option<u64>,
}

/// The first sequence number whose line is at or after `t` (lines are written in time order),
/// found by halving: some twenty reads in a million lines.
fn first_at(
    t: &impl redb::ReadableTable<u64, &'static [u8]>,
    at: DateTime<FixedOffset>,
    last: u64,
) -> Result<u64, Error> {
    let (mut lo, mut hi) = (1u64, last.saturating_add(1));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        // The first line at or after `mid` (sequence numbers have no gaps, but be safe).
        let found = match t.range(mid..)?.next() {
            Some(item) => {
                let (k, v) = item?;
                Some((k.value(), decode::<AuditEntry>(v.value())?.at))
            }
            None => None,
        };
        match found {
            Some((_, when)) if when < at => lo = mid + 1,
            _ => hi = mid,
        }
    }
    Ok(lo)
}

/// Audit lines matching `q`, newest first, looking at [`AUDIT_SCAN`] lines at most a page.
pub async fn audit_search(ctx: &Ctx, actor: &Actor, q: AuditQuery) -> Result<AuditPage, Error> {
    actor.require_admin()?;
    let limit = q.limit.clamp(1, 500);
    ctx.store
        .read(move |txn| {
            let t = txn.open_table(AUDIT)?;
            let Some(last) = t.last()?.map(|(k, _)| k.value()) else {
                return Ok(AuditPage {
                    lines: Vec::new(),
                    next: None,
                });
            };
            let mut end = q.before.unwrap_or(u64::MAX).min(last.saturating_add(1));
            if let Some(to) = q.to {
                end = end.min(first_at(&t, to, last)?);
            }
            let start = match q.from {
                Some(from) => first_at(&t, from, last)?,
                None => 1,
            };
            let mut lines = Vec::new();
            let mut next = None;
            let mut scanned = 0usize;
            // A `from` after the `to` (or after the page's `before`): nothing, never a range
            // whose ends are crossed.
            if start >= end {
                return Ok(AuditPage { lines, next });
            }
            for item in t.range(start..end)?.rev() {
                let (k, v) = item?;
                scanned += 1;
                let e: AuditEntry = decode(v.value())?;
                let keep = q.actor.as_ref().is_none_or(|a| &e.actor == a)
                    && q.action.as_ref().is_none_or(|a| &e.action == a)
                    && q.target.as_ref().is_none_or(|x| &e.target == x);
                if keep {
                    lines.push(e);
                }
                if lines.len() == limit || scanned == AUDIT_SCAN {
                    next = Some(k.value()).filter(|s| *s > start);
                    break;
                }
            }
            Ok(AuditPage { lines, next })
        })
        .await
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
