//! Health, metrics, the calendar, and the catalogue.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset};
use redb::{ReadableTable, ReadableTableMetadata};
use serde::{Deserialize, Serialize};

use super::Params;
use super::Staff;
use crate::AppState;
use crate::error::ApiError;
use crate::model::{Agency, Procedure};
use crate::store::{AGENCIES, DOSSIERS, IDX_DUE, PROCEDURES, STATUS_COUNTS, decode};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/v1/calendar/due", get(due))
        .route("/api/v1/agencies", get(agencies))
        .route("/api/v1/procedures", get(procedures))
}

async fn healthz(State(st): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let n = st
        .store
        .read(|txn| Ok(txn.open_table(DOSSIERS)?.len()?))
        .await?;
    Ok(Json(serde_json::json!({"status": "ok", "dossiers": n})))
}

async fn metrics(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let now = st.clock.now_vn().timestamp();
    let (counts, overdue) = st
        .store
        .read(move |txn| {
            let mut counts = Vec::new();
            for item in txn.open_table(STATUS_COUNTS)?.iter()? {
                let (k, v) = item?;
                counts.push((k.value(), v.value()));
            }
            let mut overdue = 0u64;
            for item in txn.open_table(IDX_DUE)?.range(..(now, ""))? {
                item?;
                overdue += 1;
            }
            Ok((counts, overdue))
        })
        .await?;
    let mut out = String::new();
    st.metrics.render(&mut out);
    out.push_str(
        "# HELP motcua_dossiers Dossiers by national status code.\n# TYPE motcua_dossiers gauge\n",
    );
    for (s, n) in counts {
        out.push_str(&format!("motcua_dossiers{{status=\"{s}\"}} {n}\n"));
    }
    out.push_str("# HELP motcua_dossiers_overdue Open dossiers past their appointment (paused ones included).\n# TYPE motcua_dossiers_overdue gauge\n");
    out.push_str(&format!("motcua_dossiers_overdue {overdue}\n"));
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out))
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
}

async fn due(
    State(st): State<AppState>,
    _staff: Staff,
    Params(q): Params<DueQuery>,
) -> Result<Json<DueReply>, ApiError> {
    let c = &st.cal;
    let due = match (q.working_hours, q.working_days) {
        (Some(h), None) if h <= 100_000 => c.add_working_hours(q.from, h),
        (None, Some(d)) if d <= 10_000 => c.add_working_days(q.from, d),
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
        from: c.in_zone(q.from),
        counts_from: c.next_working_instant(q.from),
        due,
    }))
}

async fn agencies(
    State(st): State<AppState>,
    _staff: Staff,
) -> Result<Json<Vec<Agency>>, ApiError> {
    let v = st
        .store
        .read(|txn| {
            let mut out = Vec::new();
            for item in txn.open_table(AGENCIES)?.iter()? {
                out.push(decode(item?.1.value())?);
            }
            Ok(out)
        })
        .await?;
    Ok(Json(v))
}

async fn procedures(
    State(st): State<AppState>,
    _staff: Staff,
) -> Result<Json<Vec<Procedure>>, ApiError> {
    let v = st
        .store
        .read(|txn| {
            let mut out = Vec::new();
            for item in txn.open_table(PROCEDURES)?.iter()? {
                out.push(decode(item?.1.value())?);
            }
            Ok(out)
        })
        .await?;
    Ok(Json(v))
}
