//! Reports (regulation Art. 5.6, 14.4): per agency or procedure over a period — received by
//! channel, finished early / on time / overdue, the on-time rate, withdrawn and refused; in
//! progress now (not yet due / overdue / waiting for the applicant); feedback received, answered
//! and overdue; satisfaction by level, agency and officer. JSON, or CSV with `format=csv`. The
//! figures come from counters (`projections::reports`), never from a scan of the dossiers.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate};
use motcua_protocol::routes;
use serde::Deserialize;

use super::{ApiError, Params, Staff};
use crate::AppState;
use crate::db::model::Role;
use crate::ops::Error;
use crate::projections::reports::{By, Format, build, csv};

pub fn router() -> Router<AppState> {
    Router::new().route(routes::REPORTS_DOSSIERS, get(dossiers))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    agency: Option<String>,
    #[serde(default)]
    by: By,
    #[serde(default)]
    format: Format,
}

async fn dossiers(
    State(st): State<AppState>,
    staff: Staff,
    Params(q): Params<Query>,
) -> Result<Response, ApiError> {
    // Admins see every agency; a head sees its own.
    let agency = match staff.user.role {
        Role::CentreAdmin | Role::SystemAdmin => q.agency.clone(),
        Role::Head => {
            let own = staff.user.agency.as_ref().map(|a| a.as_str().to_owned());
            if q.agency.is_some() && q.agency != own {
                return Err(ApiError(Error::forbidden(
                    "Lãnh đạo chỉ xem báo cáo của cơ quan mình.",
                    "A head sees the reports of their own agency only.",
                )));
            }
            own
        }
        _ => {
            return Err(ApiError(Error::forbidden(
                "Chỉ lãnh đạo và quản trị được xem báo cáo.",
                "Only heads and admins see reports.",
            )));
        }
    };
    let now = st.clock.now_vn();
    let today = now.date_naive();
    let to = q.to.unwrap_or(today);
    let from = q.from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
    if from > to || (to - from).num_days() > 3660 {
        return Err(ApiError(Error::bad_request(
            "report.period",
            "Khoảng thời gian không hợp lệ: ngày bắt đầu phải trước ngày kết thúc, tối đa 10 năm.",
            "Invalid period: from must not be after to, at most 10 years.",
        )));
    }
    let (format, by) = (q.format, q.by);
    let report = st
        .store
        .read(move |txn| build(txn, by, from, to, agency.as_deref(), now))
        .await?;
    Ok(match format {
        Format::Json => Json(report).into_response(),
        Format::Csv => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"bao-cao-ho-so.csv\"",
                ),
            ],
            // A byte-order mark, so that spreadsheet programs read the Vietnamese right.
            format!("\u{feff}{}", csv(&report)?),
        )
            .into_response(),
    })
}
