//! The working-time calendar: deadlines over it, the years it holds, and loading or confirming a
//! year (system administrators; every load and confirmation is audited).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset, NaiveDate};
use motcua_core::calendar::{CalendarYear, YearStatus, YearSummary};
use motcua_core::{Localized, NotCovered};
use motcua_protocol::routes;
use serde::{Deserialize, Serialize};

use super::{ApiError, Body, Params, RawBody, Staff};
use crate::AppState;
use crate::calendars::stored_years;
use crate::ops::calendar::{self, Loaded};
use crate::ops::{Error, Kind};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(routes::CALENDAR_DUE, get(due))
        .route(routes::CALENDAR_YEARS, get(years))
        .route(routes::CALENDAR_YEAR, get(year))
        .route(routes::ADMIN_CALENDAR_YEAR, put(load))
        .route(routes::ADMIN_CALENDAR_CONFIRM, post(confirm))
}

fn unprocessable(e: &impl Localized) -> Error {
    Error::domain(Kind::Invalid, e)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DueQuery {
    from: DateTime<FixedOffset>,
    working_hours: Option<u32>,
    working_days: Option<u32>,
}

#[derive(Debug, Serialize)]
struct DueReply {
    from: DateTime<FixedOffset>,
    counts_from: DateTime<FixedOffset>,
    due: DateTime<FixedOffset>,
    /// The due instant was computed over a provisional year's holidays.
    provisional: bool,
}

async fn due(
    State(st): State<AppState>,
    _staff: Staff,
    Params(q): Params<DueQuery>,
) -> Result<Json<DueReply>, ApiError> {
    let c = st.cal.get();
    let from = motcua_core::time::check(q.from).map_err(|e| unprocessable(&e))?;
    let not_covered = |e: NotCovered| unprocessable(&e);
    let due = match (q.working_hours, q.working_days) {
        (Some(h), None) if h <= 100_000 => c.add_working_hours(from, h).map_err(not_covered)?,
        (None, Some(d)) if d <= 10_000 => c.add_working_days(from, d).map_err(not_covered)?,
        _ => {
            return Err(ApiError(Error::bad_request(
                "request.period",
                "Cần đúng một trong hai tham số working_hours hoặc working_days (không quá lớn).",
                "Give exactly one of working_hours or working_days (within reason).",
            )));
        }
    };
    Ok(Json(DueReply {
        from: c.in_zone(from),
        counts_from: c.next_working_instant(from).map_err(not_covered)?,
        due,
        provisional: c.is_provisional(c.in_zone(due).date_naive()),
    }))
}

/// A held year and where it came from.
#[derive(Debug, Serialize)]
struct YearRow {
    #[serde(flatten)]
    summary: YearSummary,
    /// `bundled` (shipped with the software) or `loaded` (through the API).
    origin: &'static str,
    loaded_by: Option<String>,
    loaded_at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Serialize)]
struct YearsReply {
    years: Vec<YearRow>,
    /// Deadlines computed today can reach this day; later ones are refused until the next
    /// year is loaded.
    covered_until: Option<NaiveDate>,
    /// The first held year that is still provisional, from today's year on.
    first_provisional: Option<i32>,
}

async fn years(State(st): State<AppState>, _staff: Staff) -> Result<Json<YearsReply>, ApiError> {
    let stored = st
        .store
        .read(|txn| stored_years(txn).map_err(Error::from))
        .await?;
    let cal = st.cal.get();
    let today = st.clock.now_vn().date_naive();
    let years: Vec<YearRow> = cal
        .years()
        .into_iter()
        .map(|summary| {
            let loaded = stored.iter().find(|s| s.year.year == summary.year);
            YearRow {
                origin: if loaded.is_some() {
                    "loaded"
                } else {
                    "bundled"
                },
                loaded_by: loaded.map(|s| s.loaded_by.clone()),
                loaded_at: loaded.map(|s| s.loaded_at),
                summary,
            }
        })
        .collect();
    let first_provisional = years
        .iter()
        .filter(|y| y.summary.year >= chrono::Datelike::year(&today))
        .find(|y| y.summary.status == YearStatus::Provisional)
        .map(|y| y.summary.year);
    Ok(Json(YearsReply {
        years,
        covered_until: cal.covered_until(today),
        first_provisional,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatQuery {
    #[serde(default)]
    format: Option<String>,
}

/// One year's days; `?format=toml` gives the year file (to edit and load back).
async fn year(
    State(st): State<AppState>,
    _staff: Staff,
    Path(year): Path<i32>,
    Params(q): Params<FormatQuery>,
) -> Result<Response, ApiError> {
    let y = calendar::held(&st.ctx, year)?;
    Ok(match q.format.as_deref() {
        Some("toml") => (
            [(header::CONTENT_TYPE, "application/toml; charset=utf-8")],
            y.to_toml(),
        )
            .into_response(),
        None | Some("json") => Json(y).into_response(),
        Some(other) => {
            return Err(ApiError(Error::bad_request(
                "request.format",
                format!("Định dạng “{other}” không được hỗ trợ (json hoặc toml)."),
                format!("Unsupported format “{other}” (json or toml)."),
            )));
        }
    })
}

/// Read a year from a JSON body, or from a year file (`application/toml` or `text/plain`).
fn parse_year(headers: &HeaderMap, body: &[u8]) -> Result<CalendarYear, Error> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let text = std::str::from_utf8(body).map_err(|_| {
        Error::bad_request(
            "request.encoding",
            "Nội dung gửi lên phải là văn bản UTF-8.",
            "The body must be UTF-8 text.",
        )
    })?;
    if kind.starts_with("application/json") {
        serde_json::from_str(text).map_err(|e| {
            Error::new(
                Kind::Invalid,
                "request.invalid_field",
                format!("Dữ liệu lịch không hợp lệ: {e}"),
                format!("Invalid calendar year: {e}"),
            )
        })
    } else if kind.starts_with("application/toml") || kind.starts_with("text/plain") {
        CalendarYear::from_toml(text).map_err(|e| unprocessable(&e))
    } else {
        Err(Error::new(
            Kind::Unsupported,
            "request.content_type",
            "Gửi lịch năm dạng JSON (application/json) hoặc tệp TOML (application/toml).",
            "Send the year as JSON (application/json) or as a TOML file (application/toml).",
        ))
    }
}

/// Load (or replace) a year: the government's notice, or a provisional year.
async fn load(
    State(st): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Json<Loaded>, ApiError> {
    calendar::may_load(&staff)?;
    match parse_year(&headers, &body) {
        Ok(y) => Ok(Json(calendar::load(&st.ctx, &staff, year, y).await?)),
        Err(e) => Err(calendar::refused(&st.ctx, &staff, year, e).await.into()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmBody {
    /// The notice that confirms the year's days as they are.
    source: String,
}

/// Mark a provisional year official as it stands, naming the notice that confirms it.
async fn confirm(
    State(st): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    Body(b): Body<ConfirmBody>,
) -> Result<Json<Loaded>, ApiError> {
    Ok(Json(
        calendar::confirm(&st.ctx, &staff, year, &b.source).await?,
    ))
}
