//! The receipt's lookup secret (4 digits): compared in constant time; wrong ones counted per
//! dossier and per client, locking the check for a while (see [`crate::throttle`]). Used by the
//! public lookup's detail and by a rating that names a dossier.

use super::{Ctx, Error, Kind};

/// Equal in constant time: how long a comparison takes says nothing about the secret.
fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Check `given` against the dossier's secret `expected`. `client` is the caller's key for a
/// person's device; none for a kiosk, whose lobby's mistakes count per dossier only.
pub fn check(
    ctx: &Ctx,
    code: &str,
    expected: &str,
    given: &str,
    client: Option<&str>,
) -> Result<(), Error> {
    let now = ctx.clock.now();
    let code_key = format!("code:{code}");
    let client_key = client.map(|c| format!("client:{c}"));
    if ctx.throttle.secret_locked(&code_key, now)
        || client_key
            .as_ref()
            .is_some_and(|k| ctx.throttle.secret_locked(k, now))
    {
        return Err(Error::new(
            Kind::TooMany,
            "public.secret_locked",
            "Nhập sai mã tra cứu nhiều lần; tạm khoá tra cứu chi tiết hồ sơ này trong 15 phút.",
            "Too many wrong lookup secrets; the detail of this dossier is locked for 15 minutes.",
        ));
    }
    if !same(given.trim(), expected) {
        ctx.throttle.wrong_secret(&code_key, now);
        if let Some(k) = &client_key {
            ctx.throttle.wrong_secret(k, now);
        }
        return Err(Error::new(
            Kind::Forbidden,
            "public.wrong_secret",
            "Mã tra cứu không đúng. Mã tra cứu gồm 4 chữ số, in trên giấy tiếp nhận hồ sơ.",
            "Wrong lookup secret. It is the 4 digits printed on the receipt.",
        ));
    }
    Ok(())
}
