//! Ratings of the service (Art. 5.5): per dossier and per counter or officer, on the configured
//! scale, with optional answers per criterion. Summaries for the centre admin.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset};
use motcua_core::rating::{CRITERIA, Scale, is_criterion};
use motcua_core::{DossierCode, Lang};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::{Body, Staff};
use crate::AppState;
use crate::error::ApiError;
use crate::model::Role;
use crate::store::{DOSSIERS, RATINGS, decode, encode};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/public/ratings", post(rate))
        .route("/api/v1/public/ratings/scale", get(scale))
        .route("/api/v1/ratings/summary", get(summary))
}

/// A rating as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub id: u64,
    pub at: DateTime<FixedOffset>,
    pub scale: Scale,
    pub level: u8,
    pub dossier: Option<String>,
    pub counter: Option<String>,
    pub officer: Option<String>,
    #[serde(default)]
    pub criteria: BTreeMap<String, u8>,
}

pub use motcua_protocol::public::{RatingIn, ScaleView};

fn invalid(code: &str, vi: String, en: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, vi, en)
}

async fn scale(State(st): State<AppState>) -> Json<ScaleView> {
    let s = st.config.rating_scale;
    Json(ScaleView {
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
    })
}

async fn rate(
    State(st): State<AppState>,
    caller: super::public::Caller,
    Body(r): Body<RatingIn>,
) -> Result<(StatusCode, Json<Rating>), ApiError> {
    super::public::limit(&st, &caller)?;
    let scale = st.config.rating_scale;
    let dossier = validate(scale, &r)?;
    let at = st.clock.now_vn();
    let rating = st
        .store
        .write(move |txn| insert(txn, scale, r, dossier, at))
        .await??;
    Ok((StatusCode::CREATED, Json(rating)))
}

/// Check a rating against the scale; the normalised dossier code.
pub fn validate(scale: Scale, r: &RatingIn) -> Result<Option<String>, ApiError> {
    let n = scale.levels();
    if !(1..=n).contains(&r.level) {
        return Err(invalid(
            "rating.level",
            format!("Mức đánh giá phải từ 1 đến {n}."),
            format!("The level must be 1 to {n}."),
        ));
    }
    for (k, v) in &r.criteria {
        if !is_criterion(k) || !(1..=n).contains(v) {
            return Err(invalid(
                "rating.criterion",
                format!("Tiêu chí “{k}” hoặc mức đánh giá của tiêu chí không hợp lệ."),
                format!("Unknown criterion “{k}” or a level outside 1 to {n}."),
            ));
        }
    }
    match &r.dossier {
        Some(c) => Ok(Some(
            DossierCode::parse(c)
                .map_err(|e| ApiError::domain(StatusCode::UNPROCESSABLE_ENTITY, &e))?
                .to_string(),
        )),
        None => Ok(None),
    }
}

/// Write a checked rating inside `txn` (an unknown dossier refuses it).
pub fn insert(
    txn: &redb::WriteTransaction,
    scale: Scale,
    r: RatingIn,
    dossier: Option<String>,
    at: DateTime<FixedOffset>,
) -> Result<Result<Rating, ApiError>, ApiError> {
    let mut agency = String::new();
    if let Some(code) = &dossier {
        match crate::store::get_json::<crate::model::DossierRecord>(
            &txn.open_table(DOSSIERS)?,
            code,
        )? {
            Some(rec) => agency = rec.handling_agency().as_str().to_owned(),
            None => return Ok(Err(ApiError::not_found("hồ sơ có mã này", "Dossier"))),
        }
    }
    let mut t = txn.open_table(RATINGS)?;
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
    crate::reports::add_rating(
        txn,
        at,
        &agency,
        rating.officer.as_deref().unwrap_or(""),
        scale.levels(),
        rating.level,
    )?;
    Ok(Ok(rating))
}

#[derive(Debug, Serialize, Default)]
struct Summary {
    total: u64,
    /// Level → count, per scale.
    by_level: BTreeMap<String, u64>,
    by_officer: BTreeMap<String, BTreeMap<u8, u64>>,
}

async fn summary(State(st): State<AppState>, staff: Staff) -> Result<Json<Summary>, ApiError> {
    if !matches!(
        staff.user.role,
        Role::CentreAdmin | Role::SystemAdmin | Role::Head
    ) {
        return Err(ApiError::forbidden(
            "Chỉ lãnh đạo và quản trị được xem tổng hợp đánh giá.",
            "Only heads and admins see rating summaries.",
        ));
    }
    let s = st
        .store
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
        .await?;
    Ok(Json(s))
}
