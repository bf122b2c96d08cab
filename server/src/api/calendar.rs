//! The working-time calendar: deadlines over it, the years it holds, and loading or confirming a
//! year (system administrators; every load and confirmation is audited).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset, NaiveDate};
use motcua_core::calendar::{CalendarYear, YearStatus, YearSummary};
use motcua_core::{Localized, NotCovered};
use serde::{Deserialize, Serialize};

use super::{Body, Params, Staff};
use crate::AppState;
use crate::calendars::{StoredYear, put_year, stored_years, stored_years_mut};
use crate::error::ApiError;
use crate::model::Role;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/calendar/due", get(due))
        .route("/api/v1/calendar/years", get(years))
        .route("/api/v1/calendar/years/{year}", get(year))
        .route("/api/v1/admin/calendar/years/{year}", put(load))
        .route("/api/v1/admin/calendar/years/{year}/confirm", post(confirm))
}

fn unprocessable(e: &impl Localized) -> ApiError {
    ApiError::domain(StatusCode::UNPROCESSABLE_ENTITY, e)
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
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "request.period",
                "Cần đúng một trong hai tham số working_hours hoặc working_days (không quá lớn).",
                "Give exactly one of working_hours or working_days (within reason).",
            ));
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
    let stored = st.store.read(stored_years).await?;
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

fn no_year(year: i32) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "calendar.year_missing",
        format!("Lịch làm việc chưa có năm {year}."),
        format!("The calendar does not hold the year {year}."),
    )
}

/// One year's days; `?format=toml` gives the year file (to edit and load back).
async fn year(
    State(st): State<AppState>,
    _staff: Staff,
    Path(year): Path<i32>,
    Params(q): Params<FormatQuery>,
) -> Result<Response, ApiError> {
    let cal = st.cal.get();
    let y = cal.year(year).ok_or_else(|| no_year(year))?;
    Ok(match q.format.as_deref() {
        Some("toml") => (
            [(header::CONTENT_TYPE, "application/toml; charset=utf-8")],
            y.to_toml(),
        )
            .into_response(),
        None | Some("json") => Json(y.clone()).into_response(),
        Some(other) => {
            return Err(ApiError::bad_request(
                "request.format",
                format!("Định dạng “{other}” không được hỗ trợ (json hoặc toml)."),
                format!("Unsupported format “{other}” (json or toml)."),
            ));
        }
    })
}

fn system_admin(staff: &Staff) -> Result<(), ApiError> {
    if staff.user.role == Role::SystemAdmin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "Chỉ quản trị hệ thống được nạp hoặc xác nhận lịch làm việc (áp dụng cho toàn tỉnh).",
            "Only a system administrator may load or confirm the working-time calendar (it applies to the whole province).",
        ))
    }
}

/// Read a year from a JSON body, or from a year file (`application/toml` or `text/plain`).
fn parse_year(headers: &HeaderMap, body: &[u8]) -> Result<CalendarYear, ApiError> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let text = std::str::from_utf8(body).map_err(|_| {
        ApiError::bad_request(
            "request.encoding",
            "Nội dung gửi lên phải là văn bản UTF-8.",
            "The body must be UTF-8 text.",
        )
    })?;
    if kind.starts_with("application/json") {
        serde_json::from_str(text).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "request.invalid_field",
                format!("Dữ liệu lịch không hợp lệ: {e}"),
                format!("Invalid calendar year: {e}"),
            )
        })
    } else if kind.starts_with("application/toml") || kind.starts_with("text/plain") {
        CalendarYear::from_toml(text).map_err(|e| unprocessable(&e))
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request.content_type",
            "Gửi lịch năm dạng JSON (application/json) hoặc tệp TOML (application/toml).",
            "Send the year as JSON (application/json) or as a TOML file (application/toml).",
        ))
    }
}

#[derive(Debug, Serialize)]
struct LoadReply {
    year: YearSummary,
    covered_until: Option<NaiveDate>,
}

/// Check `year` against the held years, store it, audit it, and install the new calendar.
async fn store_year(
    st: &AppState,
    staff: Staff,
    year: CalendarYear,
    action: &'static str,
) -> Result<Json<LoadReply>, ApiError> {
    let now = st.clock.now_vn();
    let number = year.year;
    let shared = st.cal.clone();
    let cal = st
        .store
        .write(move |txn| {
            let mut stored = stored_years_mut(txn)?;
            stored.retain(|s| s.year.year != number);
            let entry = StoredYear {
                year,
                loaded_by: staff.user.username.clone(),
                loaded_at: now,
            };
            let target = number.to_string();
            let cal = match shared.with_years(stored.iter().map(|s| &s.year).chain([&entry.year])) {
                Ok(c) => c,
                Err(e) => {
                    staff.audit(txn, now, action, &target, e.code())?;
                    return Ok(Err(unprocessable(&e)));
                }
            };
            put_year(txn, &entry)?;
            staff.audit(txn, now, action, &target, "ok")?;
            Ok(Ok(cal))
        })
        .await??;
    let summary = cal
        .years()
        .into_iter()
        .find(|y| y.year == number)
        .ok_or_else(|| ApiError::internal("a loaded year is missing from the calendar"))?;
    let covered_until = cal.covered_until(now.date_naive());
    st.cal.install(cal);
    tracing::info!(year = number, action, "calendar year installed");
    Ok(Json(LoadReply {
        year: summary,
        covered_until,
    }))
}

fn path_year(path: i32, body: &CalendarYear) -> Result<(), ApiError> {
    if path == body.year {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "calendar.year_mismatch",
            format!(
                "Tệp lịch là của năm {}, không phải năm {path} trong địa chỉ.",
                body.year
            ),
            format!(
                "The file is for {}, not for {path} as the address says.",
                body.year
            ),
        ))
    }
}

/// Load (or replace) a year: the government's notice, or a provisional year.
async fn load(
    State(st): State<AppState>,
    staff: Staff,
    Path(year): Path<i32>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<LoadReply>, ApiError> {
    system_admin(&staff)?;
    let parsed = parse_year(&headers, &body).and_then(|y| path_year(year, &y).map(|()| y));
    match parsed {
        // The year's own checks run in `store_year`, audited there.
        Ok(y) => store_year(&st, staff, y, "calendar_load_year").await,
        Err(e) => {
            let (now, code) = (st.clock.now_vn(), e.code.clone());
            st.store
                .write(move |txn| {
                    staff.audit(txn, now, "calendar_load_year", &year.to_string(), &code)
                })
                .await?;
            Err(e)
        }
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
) -> Result<Json<LoadReply>, ApiError> {
    system_admin(&staff)?;
    let source = b.source.trim();
    if source.is_empty() || source.chars().count() > 1_000 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "calendar.source",
            "Cần ghi văn bản (thông báo) xác nhận lịch năm, tối đa 1.000 ký tự.",
            "Name the notice that confirms the year (1,000 characters at most).",
        ));
    }
    let mut y = st
        .cal
        .get()
        .year(year)
        .cloned()
        .ok_or_else(|| no_year(year))?;
    y.status = YearStatus::Official;
    y.source = source.to_owned();
    store_year(&st, staff, y, "calendar_confirm_year").await
}
