//! Ratings of the service (Art. 5.5): per dossier and per counter, on the configured scale, with
//! optional answers per criterion. Summaries for heads and admins.
//!
//! A rating is tied to what exists: a counter of the centre (its officer is the one the centre
//! lists at that counter, never a typed name), a dossier rated once — from the web only with its
//! receipt's lookup secret, from an enrolled kiosk through its device. The web is limited to
//! [`crate::throttle::RATINGS_PER_HOUR`] ratings per address an hour.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use motcua_core::rating::{CRITERIA, Scale};
use motcua_core::{DossierCode, Lang};
use motcua_protocol::public::{RatingIn, ScaleView};
use redb::ReadableTable;
use serde::Serialize;

use super::{Actor, Ctx, Error, Kind};
use crate::db::model::{CentreInfo, DossierRecord, Rating, Role};
use crate::db::{CENTRES, DOSSIERS, RATED_DOSSIERS, RATINGS, Tx, decode, encode, get};

/// The scale and the criteria, for kiosks and the web.
pub fn scale_view(s: Scale) -> ScaleView {
    ScaleView {
        levels: s.levels(),
        labels: (1..=s.levels())
            .map(|l| {
                (
                    l,
                    s.label(l, Lang::Vi).unwrap_or("").to_owned(),
                    s.label(l, Lang::En).unwrap_or("").to_owned(),
                )
            })
            .collect(),
        criteria: CRITERIA
            .iter()
            .map(|(k, vi, en)| ((*k).to_owned(), (*vi).to_owned(), (*en).to_owned()))
            .collect(),
    }
}

/// Where a rating comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A person's device (the web): a dossier needs its secret.
    Web { client: &'a str },
    /// An enrolled kiosk (its device token), of this centre.
    Kiosk { centre: &'a str },
}

fn invalid_counter(counter: &str) -> Error {
    let counter: String = counter.chars().take(20).collect();
    Error::invalid(
        "rating.counter",
        format!("Không có quầy số “{counter}” tại Trung tâm."),
        format!("The centre has no counter “{counter}”."),
    )
}

/// Check a rating against the scale (core's one rule, the kiosk's too) and the shape of what it
/// names; the normalised dossier code.
pub fn validate(scale: Scale, r: &RatingIn) -> Result<Option<String>, Error> {
    motcua_core::rating::check(
        scale,
        r.level,
        r.criteria.iter().map(|(k, v)| (k.as_str(), *v)),
    )
    .map_err(|e| Error::domain(Kind::Invalid, &e))?;
    if let Some(c) = r.counter.as_deref().filter(|c| !c.trim().is_empty())
        && c.trim().parse::<u16>().is_err()
    {
        return Err(invalid_counter(c));
    }
    if r.officer
        .as_deref()
        .is_some_and(|o| o.chars().count() > 100)
    {
        return Err(Error::invalid(
            "rating.officer",
            "Tên cán bộ dài tối đa 100 ký tự.",
            "An officer's name has 100 characters at most.",
        ));
    }
    match &r.dossier {
        Some(c) => Ok(Some(
            DossierCode::parse(c)
                .map_err(|e| Error::domain(Kind::Invalid, &e))?
                .to_string(),
        )),
        None => Ok(None),
    }
}

/// The counter and its officer a rating names, as the centre lists them: `(number, officer)`.
fn resolve_counter(
    tx: &Tx,
    r: &RatingIn,
    centre: Option<&str>,
) -> Result<Option<(String, Option<String>)>, Error> {
    let officer_given = r
        .officer
        .as_deref()
        .map(motcua_core::text::normalize)
        .filter(|o| !o.is_empty());
    let Some(counter) = r
        .counter
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    else {
        if officer_given.is_some() {
            return Err(Error::invalid(
                "rating.officer",
                "Hãy chọn quầy đã phục vụ; tên cán bộ lấy theo quầy.",
                "Choose the counter that served you; the officer is the counter's.",
            ));
        }
        return Ok(None);
    };
    let number: u16 = counter.parse().map_err(|_| invalid_counter(counter))?;
    let centres = tx.open_table(CENTRES)?;
    let info: Option<CentreInfo> = match centre {
        Some(c) => get(&centres, c)?,
        None => {
            // One centre on this server: it is the one.
            let mut all = centres.iter()?;
            match (all.next(), all.next()) {
                (Some(one), None) => Some(decode(one?.1.value())?),
                _ => {
                    return Err(Error::invalid(
                        "rating.centre",
                        "Hãy cho biết Trung tâm của quầy được đánh giá.",
                        "Name the centre of the counter rated.",
                    ));
                }
            }
        }
    };
    let listed = info
        .and_then(|i| i.counters.into_iter().find(|c| c.number == number))
        .ok_or_else(|| invalid_counter(counter))?;
    let officer = Some(listed.officer.clone()).filter(|o| !o.trim().is_empty());
    if let Some(given) = officer_given
        && officer.as_deref().map(motcua_core::text::normalize) != Some(given)
    {
        return Err(Error::invalid(
            "rating.officer",
            "Cán bộ này không làm việc tại quầy đã chọn.",
            "This officer does not work at the counter chosen.",
        ));
    }
    Ok(Some((number.to_string(), officer)))
}

/// The counter and the officer that served a ticket, checked: it exists, was served, its key is
/// the one in its QR, it is of `centre` (when named) and not rated yet. `(counter, officer's
/// name, ticket id)`.
fn ticket_counter(
    tx: &Tx,
    id: &str,
    key: Option<&str>,
    centre: Option<&str>,
) -> Result<(String, Option<String>, String), Error> {
    use subtle::ConstantTimeEq;
    let (c, day, number) = super::queue::parse_ticket_id(id)?;
    let refused = |code: &str, vi: &str, en: &str| Error::new(Kind::Conflict, code, vi, en);
    if centre.is_some_and(|x| x != c) {
        return Err(Error::not_found("số thứ tự", "Ticket"));
    }
    let n = number.to_string();
    let found = tx
        .open_table(crate::db::TICKETS)?
        .get((c.as_str(), super::queue::day_key(day), n.as_str()))?
        .map(|v| decode::<motcua_core::queue::Ticket>(v.value()))
        .transpose()?;
    let Some(t) = found else {
        return Err(Error::not_found("số thứ tự", "Ticket"));
    };
    let given = key.unwrap_or("").trim();
    if t.key.is_empty() || !bool::from(t.key.as_bytes().ct_eq(given.as_bytes())) {
        return Err(Error::new(
            Kind::Forbidden,
            "rating.ticket_key",
            "Hãy quét mã QR trên phiếu số thứ tự để đánh giá.",
            "Scan the QR on the ticket to rate.",
        ));
    }
    if t.state != motcua_core::queue::TicketState::Done {
        return Err(refused(
            "rating.ticket_not_served",
            "Số thứ tự này chưa được phục vụ xong.",
            "This ticket has not been served yet.",
        ));
    }
    let id = super::queue::ticket_id(&c, &t);
    if tx
        .open_table(RATED_DOSSIERS)?
        .get(super::queue::rated_key(&id).as_str())?
        .is_some()
    {
        return Err(refused(
            "rating.already",
            "Lượt phục vụ này đã được đánh giá. Cảm ơn Quý vị.",
            "This service has already been rated. Thank you.",
        ));
    }
    let counter = t.counter.map(|n| n.to_string()).unwrap_or_default();
    let officer = match &t.officer {
        Some(u) => get::<crate::db::model::User>(&tx.open_table(crate::db::USERS)?, u)?
            .map(|u| u.full_name),
        None => None,
    };
    Ok((counter, officer, id))
}

/// Write a checked rating inside `tx`: an unknown dossier, one already rated, or a counter the
/// centre (`centre`; the only one when none) does not list refuses it.
pub fn insert(
    tx: &Tx,
    scale: Scale,
    r: RatingIn,
    dossier: Option<String>,
    at: DateTime<FixedOffset>,
    centre: Option<&str>,
) -> Result<Rating, Error> {
    let mut agency = String::new();
    if let Some(code) = &dossier {
        match get::<DossierRecord>(&tx.open_table(DOSSIERS)?, code)? {
            Some(rec) => agency = rec.handling_agency().as_str().to_owned(),
            None => return Err(Error::not_found("hồ sơ có mã này", "Dossier")),
        }
        if tx.open_table(RATED_DOSSIERS)?.get(code.as_str())?.is_some() {
            return Err(Error::new(
                Kind::Conflict,
                "rating.already",
                "Hồ sơ này đã được đánh giá. Cảm ơn Quý vị.",
                "This dossier has already been rated. Thank you.",
            ));
        }
    }
    let centre = centre.or(r.centre.as_deref());
    let (counter, ticket) = match r.ticket.as_deref() {
        Some(id) => {
            let (c, o, id) = ticket_counter(tx, id, r.secret.as_deref(), centre)?;
            (Some((c, o)), Some(id))
        }
        None => (resolve_counter(tx, &r, centre)?, None),
    };
    let mut t = tx.open_table(RATINGS)?;
    let id = t.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
    let (counter, officer) = match counter {
        Some((c, o)) => (Some(c), o),
        None => (None, None),
    };
    let rating = Rating {
        id,
        at,
        scale,
        level: r.level,
        dossier,
        counter,
        officer,
        criteria: r.criteria,
        ticket: ticket.clone(),
    };
    t.insert(id, encode(&rating)?.as_slice())?;
    drop(t);
    if let Some(code) = &rating.dossier {
        tx.open_table(RATED_DOSSIERS)?.insert(code.as_str(), id)?;
    }
    if let Some(t) = &ticket {
        let key = super::queue::rated_key(t);
        tx.open_table(RATED_DOSSIERS)?.insert(key.as_str(), id)?;
    }
    tx.rated(&rating, &agency)?;
    Ok(rating)
}

/// A rating from the web or from a kiosk's online path.
pub async fn rate(ctx: &Ctx, r: RatingIn, source: Source<'_>) -> Result<Rating, Error> {
    let scale = ctx.config.rating_scale;
    let dossier = validate(scale, &r)?;
    let centre = match source {
        Source::Web { client } => {
            if !ctx.throttle.allow_rating(client, ctx.clock.now()) {
                return Err(Error::new(
                    Kind::TooMany,
                    "rating.too_many",
                    "Quý vị đã gửi nhiều đánh giá trong giờ qua. Cảm ơn Quý vị; vui lòng thử lại sau.",
                    "You have sent many ratings in the last hour. Thank you; please try again later.",
                ));
            }
            if let Some(code) = &dossier {
                let Some(secret) = r.secret.as_deref().filter(|s| !s.trim().is_empty()) else {
                    return Err(Error::invalid(
                        "rating.secret",
                        "Để đánh giá một hồ sơ, hãy nhập mã tra cứu in trên giấy tiếp nhận.",
                        "To rate a dossier, enter the lookup secret printed on its receipt.",
                    ));
                };
                let c = code.clone();
                let rec: DossierRecord = ctx
                    .store
                    .read(move |txn| super::dossiers::load(txn, &c))
                    .await?
                    .ok_or_else(|| Error::not_found("hồ sơ có mã này", "Dossier"))?;
                super::secrets::check(ctx, code, &rec.secret, secret, Some(client))?;
            }
            None
        }
        Source::Kiosk { centre } => Some(centre.to_owned()),
    };
    let at = ctx.clock.now_vn();
    ctx.store
        .write(move |tx| insert(tx, scale, r.clone(), dossier.clone(), at, centre.as_deref()))
        .await
}

/// Ratings counted by level and by officer.
#[derive(Debug, Serialize, Default)]
pub struct Summary {
    pub total: u64,
    /// Level → count, per scale.
    pub by_level: BTreeMap<String, u64>,
    pub by_officer: BTreeMap<String, BTreeMap<u8, u64>>,
}

pub async fn summary(ctx: &Ctx, actor: &Actor) -> Result<Summary, Error> {
    if !matches!(
        actor.user.role,
        Role::CentreAdmin | Role::SystemAdmin | Role::Head
    ) {
        return Err(Error::forbidden(
            "Chỉ lãnh đạo và quản trị được xem tổng hợp đánh giá.",
            "Only heads and admins see rating summaries.",
        ));
    }
    ctx.store
        .read(|txn| {
            let mut s = Summary::default();
            for item in txn.open_table(RATINGS)?.iter()? {
                let r: Rating = decode(item?.1.value())?;
                s.total += 1;
                let label = format!("{}/{}", r.level, r.scale.levels());
                *s.by_level.entry(label).or_default() += 1;
                if let Some(o) = r.officer {
                    *s.by_officer
                        .entry(o)
                        .or_default()
                        .entry(r.level)
                        .or_default() += 1;
                }
            }
            Ok(s)
        })
        .await
}
