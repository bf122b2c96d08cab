//! What a centre shows on its kiosks and its web page: address, hotline, office hours, postal
//! service, how fees are paid, where feedback goes, the hall's counters (regulation Art. 5.3,
//! 5.7–5.9). Admins edit it; kiosks receive it through the change feed.

use motcua_core::AgencyCode;
use motcua_protocol::centre::CentreInfo;
use redb::ReadableTable;

use super::{Actor, Ctx, Error, Kind, text_field};
use crate::db::changes::{self, Key};
use crate::db::{AGENCIES, CENTRES, encode, get};

fn parse(code: &str) -> Result<AgencyCode, Error> {
    AgencyCode::parse(code).map_err(|e| Error::domain(Kind::BadRequest, &e))
}

pub async fn set(
    ctx: &Ctx,
    actor: &Actor,
    code: &str,
    mut info: CentreInfo,
) -> Result<CentreInfo, Error> {
    actor.require_admin()?;
    let code = parse(code)?.to_string();
    if info.name.trim().is_empty() {
        return Err(Error::bad_request(
            "centre.name",
            "Vui lòng nhập tên Trung tâm.",
            "The centre needs a name.",
        ));
    }
    // Every text as kept, bounded: what a kiosk shows and prints.
    let t = |field, v: &str, max, multiline| {
        text_field(field, v, max, multiline, false).map(Option::unwrap_or_default)
    };
    info.name = t("name", &info.name, 200, false)?;
    info.address = t("address", &info.address, 300, false)?;
    info.hotline = t("hotline", &info.hotline, 40, false)?;
    info.hours = t("hours", &info.hours, 500, true)?;
    info.postal = t("postal", &info.postal, 2000, true)?;
    info.fees = t("fees", &info.fees, 2000, true)?;
    info.feedback = t("feedback", &info.feedback, 2000, true)?;
    if info.counters.len() > 200 {
        return Err(Error::invalid(
            "centre.counters",
            "Một Trung tâm có tối đa 200 quầy.",
            "A centre has 200 counters at most.",
        ));
    }
    for c in &mut info.counters {
        c.name = t("counters.name", &c.name, 100, false)?;
        c.officer = match c.officer.trim() {
            "" => String::new(),
            o => motcua_core::contact::name(o).map_err(|e| Error::domain(Kind::Invalid, &e))?,
        };
    }
    let mut numbers = std::collections::BTreeSet::new();
    for c in &info.counters {
        if c.number == 0 || c.name.trim().is_empty() || !numbers.insert(c.number) {
            return Err(Error::bad_request(
                "centre.counter",
                format!(
                    "Quầy số {}: mỗi quầy cần một số khác 0, không trùng, và tên lĩnh vực.",
                    c.number
                ),
                format!(
                    "Counter {}: each counter needs a unique non-zero number and a name.",
                    c.number
                ),
            ));
        }
    }
    info.payment = match info.payment.take() {
        Some(p) if !(p.bin.trim().is_empty() && p.account.trim().is_empty()) => {
            let mut p = p.checked().map_err(|e| Error::domain(Kind::Invalid, &e))?;
            p.holder = t("payment.holder", &p.holder, 100, false)?;
            p.bank = t("payment.bank", &p.bank, 100, false)?;
            Some(p)
        }
        _ => None,
    };
    info.code = code.clone();
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    ctx.store
        .write(move |tx| {
            if tx.open_table(AGENCIES)?.get(code.as_str())?.is_none() {
                return Err(Error::not_found("cơ quan có mã này", "Agency"));
            }
            let before: Option<CentreInfo> = get(&tx.open_table(CENTRES)?, &code)?;
            let was = before.and_then(|b| b.payment);
            tx.open_table(CENTRES)?
                .insert(code.as_str(), encode(&info)?.as_slice())?;
            changes::record(tx, &Key::Centre(code.clone()), vec![], vec![])?;
            // Where fees go is what a dishonest change would aim at: the audit says it changed,
            // from what to what (the account's last digits).
            let outcome = if was == info.payment {
                "ok".to_owned()
            } else {
                format!(
                    "ok; payment account {} → {}",
                    account_in_audit(was.as_ref()),
                    account_in_audit(info.payment.as_ref())
                )
            };
            tx.audit(a.entry(now, "set_centre", &code, &outcome))?;
            Ok(info.clone())
        })
        .await
}

/// An account as the audit names it: the bank's BIN, the number's last four, the holder.
fn account_in_audit(p: Option<&motcua_core::vietqr::PaymentAccount>) -> String {
    match p {
        None => "none".into(),
        Some(p) => {
            let n = p.account.chars().count();
            let last: String = p.account.chars().skip(n.saturating_sub(4)).collect();
            format!("{} …{last} ({})", p.bin, p.holder)
        }
    }
}

pub async fn show(ctx: &Ctx, code: &str) -> Result<CentreInfo, Error> {
    let code = parse(code)?.to_string();
    ctx.store
        .read(move |txn| Ok::<_, Error>(get(&txn.open_table(CENTRES)?, &code)?))
        .await?
        .ok_or_else(|| Error::not_found("thông tin Trung tâm", "Centre information"))
}
