//! Ratings of the service (Art. 5.5): per dossier and per counter or officer, on the configured
//! scale, with optional answers per criterion. Summaries for heads and admins.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use motcua_core::rating::{CRITERIA, Scale};
use motcua_core::{DossierCode, Lang};
use motcua_protocol::public::{RatingIn, ScaleView};
use redb::ReadableTable;
use serde::Serialize;

use super::{Actor, Ctx, Error, Kind};
use crate::db::model::{DossierRecord, Rating, Role};
use crate::db::{DOSSIERS, RATINGS, Tx, decode, encode, get};

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

/// Check a rating against the scale (core's one rule, the kiosk's too); the normalised dossier
/// code.
pub fn validate(scale: Scale, r: &RatingIn) -> Result<Option<String>, Error> {
    motcua_core::rating::check(
        scale,
        r.level,
        r.criteria.iter().map(|(k, v)| (k.as_str(), *v)),
    )
    .map_err(|e| Error::domain(Kind::Invalid, &e))?;
    for t in [&r.counter, &r.officer].into_iter().flatten() {
        if t.chars().count() > 100 {
            return Err(Error::invalid(
                "rating.target",
                "Quầy hoặc tên cán bộ dài tối đa 100 ký tự.",
                "A counter or officer name has 100 characters at most.",
            ));
        }
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

/// Write a checked rating inside `tx` (an unknown dossier refuses it).
pub fn insert(
    tx: &Tx,
    scale: Scale,
    r: RatingIn,
    dossier: Option<String>,
    at: DateTime<FixedOffset>,
) -> Result<Rating, Error> {
    let mut agency = String::new();
    if let Some(code) = &dossier {
        match get::<DossierRecord>(&tx.open_table(DOSSIERS)?, code)? {
            Some(rec) => agency = rec.handling_agency().as_str().to_owned(),
            None => return Err(Error::not_found("hồ sơ có mã này", "Dossier")),
        }
    }
    let mut t = tx.open_table(RATINGS)?;
    let id = t.last()?.map(|(k, _)| k.value() + 1).unwrap_or(1);
    let rating = Rating {
        id,
        at,
        scale,
        level: r.level,
        dossier,
        counter: r.counter.filter(|s| !s.trim().is_empty()),
        officer: r.officer.filter(|s| !s.trim().is_empty()),
        criteria: r.criteria,
    };
    t.insert(id, encode(&rating)?.as_slice())?;
    drop(t);
    tx.rated(&rating, &agency)?;
    Ok(rating)
}

/// A rating from the public (a kiosk's online path, the web).
pub async fn rate(ctx: &Ctx, r: RatingIn) -> Result<Rating, Error> {
    let scale = ctx.config.rating_scale;
    let dossier = validate(scale, &r)?;
    let at = ctx.clock.now_vn();
    ctx.store
        .write(move |tx| insert(tx, scale, r.clone(), dossier.clone(), at))
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
