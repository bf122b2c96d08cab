//! Health, metrics, and the catalogue.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use redb::{ReadableTable, ReadableTableMetadata};

use super::{ApiError, Staff};
use crate::AppState;
use crate::db::model::{Agency, Procedure};
use crate::db::{AGENCIES, DOSSIERS, IDX_DUE, PROCEDURES, STATUS_COUNTS, decode};
use crate::ops::Error;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(motcua_protocol::routes::HEALTHZ, get(healthz))
        .route(motcua_protocol::routes::METRICS, get(metrics))
        .route(motcua_protocol::routes::AGENCIES, get(agencies))
        .route(motcua_protocol::routes::PROCEDURES, get(procedures))
}

/// Whether the server takes writes: the writer thread running and not stuck on a job, and the
/// calendar holding today (503 otherwise, so that a load balancer or an operator sees it).
async fn healthz(State(st): State<AppState>) -> Result<Response, ApiError> {
    let n = st
        .store
        .read(|txn| Ok::<_, Error>(txn.open_table(DOSSIERS)?.len()?))
        .await?;
    let writer = st.store.writer();
    let cal = st.cal.get();
    let today = st.clock.now_vn().date_naive();
    let covered_until = cal.covered_until(today);
    let ok = writer.healthy() && covered_until.is_some();
    let body = serde_json::json!({
        "status": if ok { "ok" } else { "degraded" },
        "dossiers": n,
        "protocol": motcua_protocol::VERSION,
        "writer": writer,
        "calendar": {
            "covered_until": covered_until,
            "today_provisional": cal.is_provisional(today),
        },
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok((status, Json(body)).into_response())
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
            Ok::<_, Error>((counts, overdue))
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
    let w = st.store.writer();
    for (name, help, kind, value) in [
        (
            "motcua_writer_running",
            "1 while the writer thread takes writes.",
            "gauge",
            u64::from(w.running),
        ),
        (
            "motcua_writer_queued",
            "Writes waiting for the writer.",
            "gauge",
            w.queued as u64,
        ),
        (
            "motcua_writer_busy_ms",
            "How long the write under way has run.",
            "gauge",
            w.busy_ms as u64,
        ),
        (
            "motcua_writer_committed_total",
            "Writes kept.",
            "counter",
            w.committed,
        ),
        (
            "motcua_writer_rolled_back_total",
            "Writes refused and rolled back.",
            "counter",
            w.rolled_back,
        ),
        (
            "motcua_writer_panics_total",
            "Writes that panicked (rolled back; the writer went on).",
            "counter",
            w.panicked,
        ),
        (
            "motcua_writer_failed_flushes_total",
            "Batches whose flush to disk failed.",
            "counter",
            w.failed_flushes,
        ),
    ] {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    }
    let today = st.clock.now_vn().date_naive();
    let days = st
        .cal
        .get()
        .covered_until(today)
        .map_or(0, |end| (end - today).num_days().max(0));
    out.push_str(&format!(
        "# HELP motcua_calendar_covered_days Days from today to the last day the working-time calendar holds (0: today is not held).\n# TYPE motcua_calendar_covered_days gauge\nmotcua_calendar_covered_days {days}\n"
    ));
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out))
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
            Ok::<_, Error>(out)
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
            Ok::<_, Error>(out)
        })
        .await?;
    Ok(Json(v))
}
