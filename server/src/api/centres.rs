//! What a centre shows on its kiosks and its web page: address, hotline, office hours, postal
//! service, how fees are paid, where feedback goes (regulation Art. 5.3, 5.7–5.9). Admins edit
//! it; kiosks receive it through the change feed.

use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Json, Router};
use motcua_core::AgencyCode;
use redb::ReadableTable;

use super::{Body, Staff};
use crate::AppState;
use crate::changes::{self, CentreInfo, Key};
use crate::error::ApiError;
use crate::store::{AGENCIES, CENTRES, encode, get_json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/centres/{code}", put(set))
        .route("/api/v1/public/centres/{code}", get(show))
}

fn parse(code: &str) -> Result<AgencyCode, ApiError> {
    AgencyCode::parse(code).map_err(|e| ApiError::domain(axum::http::StatusCode::BAD_REQUEST, &e))
}

async fn set(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Body(mut info): Body<CentreInfo>,
) -> Result<Json<CentreInfo>, ApiError> {
    staff.require_admin()?;
    let code = parse(&code)?.to_string();
    if info.name.trim().is_empty() {
        return Err(ApiError::bad_request(
            "centre.name",
            "Vui lòng nhập tên Trung tâm.",
            "The centre needs a name.",
        ));
    }
    let mut numbers = std::collections::BTreeSet::new();
    for c in &info.counters {
        if c.number == 0 || c.name.trim().is_empty() || !numbers.insert(c.number) {
            return Err(ApiError::bad_request(
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
    info.code = code.clone();
    let now = st.clock.now_vn();
    let out = st
        .store
        .write(move |txn| {
            if txn.open_table(AGENCIES)?.get(code.as_str())?.is_none() {
                return Ok(Err(ApiError::not_found("cơ quan có mã này", "Agency")));
            }
            txn.open_table(CENTRES)?
                .insert(code.as_str(), encode(&info)?.as_slice())?;
            changes::record(txn, &Key::Centre(code.clone()), vec![], vec![])?;
            staff.audit(txn, now, "set_centre", &code, "ok")?;
            Ok(Ok(info))
        })
        .await??;
    Ok(Json(out))
}

async fn show(
    State(st): State<AppState>,
    caller: super::public::Caller,
    Path(code): Path<String>,
) -> Result<Json<CentreInfo>, ApiError> {
    super::public::limit(&st, &caller)?;
    let code = parse(&code)?.to_string();
    st.store
        .read(move |txn| get_json(&txn.open_table(CENTRES)?, &code))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("thông tin Trung tâm", "Centre information"))
}
