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
    let silent_minutes = st.config.fleet_silent_minutes;
    let st_now = st.clock.now_vn();
    let (counts, overdue, (transfer_overdue, tasks_late), kiosks) = st
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
            let late_transfers = crate::projections::desk::transfers_overdue(txn, now)?;
            let tasks_late = (
                crate::projections::desk::agency_pile_late(
                    txn,
                    crate::projections::desk::AgencyPile::Consulted,
                    now,
                )?,
                crate::projections::desk::agency_pile_late(
                    txn,
                    crate::projections::desk::AgencyPile::Joint,
                    now,
                )?,
            );
            // Kiosks an operator should hear about (the fleet page's rules).
            let mut alerting = (0u64, 0u64, 0u64, 0u64);
            for item in txn.open_table(crate::db::KIOSKS)?.iter()? {
                let k: crate::db::model::Kiosk = crate::db::decode(item?.1.value())?;
                let v = k.view();
                if v.revoked || v.enrolled_at.is_none() {
                    continue;
                }
                match &v.last_heartbeat {
                    Some((at, h)) => {
                        if now - at.timestamp() > silent_minutes * 60 {
                            alerting.0 += 1;
                        }
                        if super::fleet::help_wanted(h, st_now).is_some() {
                            alerting.3 += 1;
                        }
                        match h.printer {
                            motcua_core::devices::PrinterStatus::PaperOut => alerting.1 += 1,
                            motcua_core::devices::PrinterStatus::PaperNearEnd => alerting.2 += 1,
                            _ => {}
                        }
                    }
                    None => alerting.0 += 1,
                }
            }
            Ok::<_, Error>((counts, overdue, (late_transfers, tasks_late), alerting))
        })
        .await?;
    let today = st.clock.now_vn().date_naive();
    let calendar_days = st
        .cal
        .get()
        .covered_until(today)
        .map_or(0, |end| (end - today).num_days().max(0));
    let out = st.metrics.render(&crate::metrics::Figures {
        dossiers: counts,
        overdue,
        transfer_overdue,
        writer: Some(st.store.writer()),
        calendar_days,
        kiosks_silent: kiosks.0,
        kiosks_paper_out: kiosks.1,
        kiosks_paper_near_end: kiosks.2,
        kiosks_help: kiosks.3,
        opinions_late: tasks_late.0,
        joint_late: tasks_late.1,
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        out,
    ))
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
