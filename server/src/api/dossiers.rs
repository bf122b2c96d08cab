//! The dossier workflow: receive, act, read, list.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset};
use motcua_core::workflow::{Command, Dossier, Receipt, WorkflowError, receive};
use motcua_core::{AgencyCode, CitizenId, DossierCode, Lang, NationalStatus};
use redb::{ReadTransaction, ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::Params;
use super::auth::audit_entry;
use super::{Body, Staff, json_response};
use crate::AppState;
use crate::auth::{lookup_secret, may_act, may_command, may_see};
use crate::error::ApiError;
use crate::model::{Applicant, DossierRecord, Procedure, Role, User};
use crate::store::{
    AGENCIES, CODE_SEQ, DOSSIERS, IDX_AGENCY, IDX_CITIZEN, IDX_DUE, IDX_NAME, IDX_STATUS,
    PROCEDURES, append_audit, get_json, put_dossier,
};
use crate::views::{self, Label, Seen, StepView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/dossiers", post(receive_dossier).get(list))
        .route("/api/v1/dossiers/{code}", get(show))
        .route("/api/v1/dossiers/{code}/actions", post(act))
}

pub use motcua_protocol::staff::{ApplicantIn, ReceiveRequest as ReceiveBody};

/// A row of a list.
#[derive(Debug, Serialize)]
pub struct DossierRow {
    pub code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub status: Label,
    pub step: StepView,
    pub received_at: DateTime<FixedOffset>,
    pub appointment: DateTime<FixedOffset>,
    pub overdue: bool,
}

fn row(rec: &DossierRecord, now: DateTime<FixedOffset>) -> DossierRow {
    let st = &rec.state;
    DossierRow {
        code: rec.code.clone(),
        procedure_name: rec.procedure_name.clone(),
        applicant_name: rec.applicant.name.clone(),
        status: Label::of(st.national_status()),
        step: StepView::of(st.step),
        received_at: st.received_at,
        appointment: st.due,
        overdue: st.is_overdue(now),
    }
}

fn parse_code(code: &str) -> Result<DossierCode, ApiError> {
    DossierCode::parse(code).map_err(|e| ApiError::domain(StatusCode::BAD_REQUEST, &e))
}

fn out_of_scope() -> ApiError {
    ApiError::forbidden(
        "Hồ sơ không thuộc phạm vi xử lý của tài khoản này.",
        "This dossier is outside this account's scope.",
    )
}

fn role_refused(cmd: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "auth.role",
        format!("Vai trò của tài khoản này không được thực hiện thao tác “{cmd}”."),
        format!("This account's role may not perform “{cmd}”."),
    )
}

fn workflow_status(e: &WorkflowError) -> StatusCode {
    match e {
        WorkflowError::IllegalTransition { .. }
        | WorkflowError::SupplementAlreadyRequested
        | WorkflowError::ConsultationsPending(_)
        | WorkflowError::ResumeAfterRefund
        | WorkflowError::RefundNotOwed
        | WorkflowError::ConsultationAlreadyOpen(_)
        | WorkflowError::NoSuchConsultation(_) => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The record, as of `txn`.
pub fn load(txn: &ReadTransaction, code: &str) -> Result<Option<DossierRecord>, ApiError> {
    get_json(&txn.open_table(DOSSIERS)?, code)
}

fn validate_receipt(b: &ReceiveBody, year: i32) -> Result<Applicant, ApiError> {
    let name = motcua_core::text::normalize(&b.applicant.name);
    if name.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "applicant.name",
            "Họ và tên người nộp không được để trống.",
            "The applicant's full name is required.",
        ));
    }
    if name.chars().count() > 100 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "applicant.name",
            "Họ và tên người nộp dài quá 100 ký tự.",
            "The applicant's full name is longer than 100 characters.",
        ));
    }
    let id = match b.applicant.id_kind.as_deref() {
        None | Some("cccd_cmnd") => CitizenId::parse_in_year(&b.applicant.citizen_id, year),
        Some("passport") => CitizenId::passport(&b.applicant.citizen_id),
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "applicant.id_kind",
                format!("Loại giấy tờ “{other}” không hợp lệ (cccd_cmnd hoặc passport)."),
                format!("Unknown ID kind “{other}” (cccd_cmnd or passport)."),
            ));
        }
    }
    .map_err(|e| ApiError::domain(StatusCode::UNPROCESSABLE_ENTITY, &e))?;
    if b.documents.len() > 200 || b.documents.iter().any(|d| d.name.trim().is_empty()) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "documents",
            "Danh sách giấy tờ không hợp lệ: mỗi giấy tờ cần có tên (tối đa 200 giấy tờ).",
            "Invalid document list: each document needs a name (200 at most).",
        ));
    }
    Ok(Applicant {
        name,
        citizen_id: id,
        phone: b.applicant.phone.trim().to_owned(),
        email: b.applicant.email.trim().to_owned(),
        address: b.applicant.address.trim().to_owned(),
    })
}

/// Take the next code of `agency` on `date` inside `txn`.
pub fn next_code(
    txn: &WriteTransaction,
    agency: &AgencyCode,
    date: chrono::NaiveDate,
) -> Result<DossierCode, ApiError> {
    use chrono::Datelike;
    let mut seq = txn.open_table(CODE_SEQ)?;
    let day = date.year() as u32 * 10_000 + date.month() * 100 + date.day();
    let key = (agency.as_str(), day);
    let n = seq.get(key)?.map(|v| v.value()).unwrap_or(0) + 1;
    let code = DossierCode::new(agency.clone(), date, n)
        .map_err(|e| ApiError::domain(StatusCode::CONFLICT, &e))?;
    seq.insert(key, n)?;
    Ok(code)
}

#[derive(Debug, Serialize)]
pub struct ReceiveReply {
    pub code: String,
    pub secret: String,
    pub received_at: DateTime<FixedOffset>,
    pub appointment: DateTime<FixedOffset>,
    pub transfer_due: DateTime<FixedOffset>,
    pub status: Label,
}

async fn receive_dossier(
    State(st): State<AppState>,
    staff: Staff,
    Body(b): Body<ReceiveBody>,
) -> Result<(StatusCode, Json<ReceiveReply>), ApiError> {
    let desk = match (&staff.user.role, &staff.user.agency) {
        (Role::Receptionist, Some(a)) => a.clone(),
        _ => {
            return Err(ApiError::forbidden(
                "Chỉ cán bộ tiếp nhận của Bộ phận Một cửa được tiếp nhận hồ sơ.",
                "Only a one-stop desk's reception officer may receive dossiers.",
            ));
        }
    };
    let now = st.clock.now_vn();
    use chrono::Datelike;
    let applicant = validate_receipt(&b, now.year())?;
    let submitted_at = match b.submitted_at {
        Some(t) if t > now => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "submitted_at",
                "Thời điểm nộp hồ sơ không được ở tương lai.",
                "The submission time cannot be in the future.",
            ));
        }
        Some(t) => motcua_core::time::check(t)
            .map_err(|e| ApiError::domain(StatusCode::UNPROCESSABLE_ENTITY, &e))?,
        None => now,
    };
    let cal = st.cal.get();
    let reply = st
        .store
        .write(move |txn| {
            let procedure: Option<Procedure> =
                get_json(&txn.open_table(PROCEDURES)?, &b.procedure)?;
            let Some(procedure) = procedure else {
                return Ok(Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "procedure.unknown",
                    format!("Không có thủ tục mã “{}” trong danh mục.", b.procedure),
                    format!("No procedure “{}” in the catalogue.", b.procedure),
                )));
            };
            if !procedure.channels.contains(&b.channel) {
                return Ok(Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "procedure.channel",
                    format!(
                        "Thủ tục này không tiếp nhận hồ sơ theo hình thức “{}”.",
                        b.channel.label(Lang::Vi)
                    ),
                    format!(
                        "This procedure is not received “{}”.",
                        b.channel.label(Lang::En)
                    ),
                )));
            }
            let event = match receive(
                &cal,
                &Receipt {
                    channel: b.channel,
                    submitted_at,
                    processing_time: procedure.processing_time,
                    by: staff.user.username.clone(),
                },
            ) {
                Ok(e) => e,
                Err(e) => return Ok(Err(ApiError::domain(workflow_status(&e), &e))),
            };
            let Some(state) = Dossier::from_receipt(&event) else {
                return Err(ApiError::internal("a receipt did not start a dossier"));
            };
            let code = next_code(txn, &desk, submitted_at.date_naive())?.to_string();
            let rec = DossierRecord {
                code: code.clone(),
                procedure_id: procedure.id.clone(),
                procedure_name: procedure.name.clone(),
                receiving_agency: desk,
                competent_agency: procedure.agency.clone(),
                applicant,
                documents: b.documents,
                secret: lookup_secret(),
                state,
                history: vec![event],
            };
            put_dossier(txn, None, &rec)?;
            staff.audit(txn, now, "receive", &code, "ok")?;
            Ok(Ok(ReceiveReply {
                code,
                secret: rec.secret,
                received_at: rec.state.received_at,
                appointment: rec.state.due,
                transfer_due: rec.state.transfer_due,
                status: Label::of(rec.state.national_status()),
            }))
        })
        .await??;
    Ok((StatusCode::CREATED, Json(reply)))
}

async fn act(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Body(cmd): Body<Command>,
) -> Result<Response, ApiError> {
    let code = parse_code(&code)?.to_string();
    let now = st.clock.now_vn();
    let cal = st.cal.get();
    let wcal = cal.clone();
    let rec = st
        .store
        .write(move |txn| {
            let user: &User = &staff.user;
            let refuse = |e: ApiError| -> Result<Result<_, ApiError>, ApiError> {
                let mut a =
                    audit_entry(now, &user.username, &staff.addr, cmd.name(), &code, &e.code);
                a.detail = e.message.en.clone();
                append_audit(txn, a)?;
                Ok(Err(e))
            };
            let old: Option<DossierRecord> = get_json(&txn.open_table(DOSSIERS)?, &code)?;
            let Some(old) = old else {
                return refuse(ApiError::not_found("hồ sơ", "Dossier"));
            };
            if !may_command(user.role, &cmd) {
                return refuse(role_refused(cmd.name()));
            }
            if !may_act(user, &old, &cmd) {
                return refuse(out_of_scope());
            }
            if let Command::AcceptAndTransfer { agency } = &cmd {
                if txn.open_table(AGENCIES)?.get(agency.as_str())?.is_none() {
                    return refuse(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "agency.unknown",
                        format!("Không có cơ quan mã {agency}."),
                        format!("No agency with code {agency}."),
                    ));
                }
            }
            let new_events = match old.state.decide(&wcal, &cmd, now, &user.username) {
                Ok(ev) => ev,
                Err(e) => return refuse(ApiError::domain(workflow_status(&e), &e)),
            };
            let mut rec = old.clone();
            for e in new_events {
                rec.state.apply(&e);
                rec.history.push(e);
            }
            put_dossier(txn, Some(&old), &rec)?;
            append_audit(
                txn,
                audit_entry(now, &user.username, &staff.addr, cmd.name(), &code, "ok"),
            )?;
            Ok(Ok(rec))
        })
        .await??;
    Ok(json_response(views::answer_of(&rec, &cal, now)?))
}

async fn show(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let code = parse_code(&code)?.to_string();
    let now = st.clock.now_vn();
    match st
        .store
        .read_blocking(|txn| views::read(txn, &code, &staff.user, &st.cal.get(), now))?
    {
        Seen::Json(json) => Ok(json_response(json)),
        Seen::OutOfScope => Err(out_of_scope()),
        Seen::Missing => Err(ApiError::not_found("hồ sơ", "Dossier")),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<u8>,
    agency: Option<String>,
    overdue: Option<bool>,
    q: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
}

#[derive(Debug, Serialize)]
struct ListReply {
    items: Vec<DossierRow>,
    page: usize,
    per_page: usize,
    has_more: bool,
}

/// Candidate codes from the most selective index, in index order.
enum Source {
    One(String),
    Citizen(String),
    Name(String),
    Overdue(i64),
    Status(u8),
    Agency(String),
    All,
}

async fn list(
    State(st): State<AppState>,
    staff: Staff,
    Params(q): Params<ListQuery>,
) -> Result<Json<ListReply>, ApiError> {
    let now = st.clock.now_vn();
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    let page = q.page.unwrap_or(1).max(1);
    if let Some(s) = q.status {
        if NationalStatus::from_code(s).is_none() {
            return Err(ApiError::bad_request(
                "request.status",
                "Mã trạng thái phải từ 1 đến 10.",
                "The status code must be 1 to 10.",
            ));
        }
    }
    let agency = match &q.agency {
        Some(a) => {
            Some(AgencyCode::parse(a).map_err(|e| ApiError::domain(StatusCode::BAD_REQUEST, &e))?)
        }
        None => None,
    };
    let text = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let source = match text {
        Some(t) => {
            if let Ok(c) = DossierCode::parse(t) {
                Source::One(c.to_string())
            } else if let Ok(id) = CitizenId::parse(t) {
                Source::Citizen(id.canonical())
            } else {
                Source::Name(motcua_core::text::fold(t))
            }
        }
        None if q.overdue == Some(true) => Source::Overdue(now.timestamp()),
        None => match (
            &agency,
            q.status,
            staff.user.role.is_admin(),
            &staff.user.agency,
        ) {
            (Some(a), _, _, _) => Source::Agency(a.to_string()),
            (None, _, false, Some(own)) => Source::Agency(own.to_string()),
            (None, Some(s), _, _) => Source::Status(s),
            _ => Source::All,
        },
    };
    let user = staff.user.clone();
    let reply = st
        .store
        .read(move |txn| {
            let dossiers = txn.open_table(DOSSIERS)?;
            let skip = (page - 1) * per_page;
            let mut seen = 0usize;
            let mut items = Vec::new();
            let mut has_more = false;
            let mut consider = |code: &str| -> Result<bool, ApiError> {
                let Some(rec): Option<DossierRecord> = get_json(&dossiers, code)? else {
                    return Ok(true);
                };
                let st = &rec.state;
                let keep = may_see(&user, &rec)
                    && q.status.is_none_or(|s| st.national_status().code() == s)
                    && agency
                        .as_ref()
                        .is_none_or(|a| &rec.receiving_agency == a || rec.handling_agency() == a)
                    && q.overdue.is_none_or(|o| st.is_overdue(now) == o);
                if keep {
                    if seen >= skip {
                        if items.len() == per_page {
                            has_more = true;
                            return Ok(false);
                        }
                        items.push(row(&rec, now));
                    }
                    seen += 1;
                }
                Ok(true)
            };
            match &source {
                Source::One(c) => {
                    consider(c)?;
                }
                Source::Citizen(id) => {
                    for item in txn.open_table(IDX_CITIZEN)?.range((id.as_str(), "")..)? {
                        let (k, _) = item?;
                        let (i, c) = k.value();
                        if i != id || !consider(c)? {
                            break;
                        }
                    }
                }
                Source::Name(prefix) => {
                    for item in txn.open_table(IDX_NAME)?.range((prefix.as_str(), "")..)? {
                        let (k, _) = item?;
                        let (n, c) = k.value();
                        if !n.starts_with(prefix.as_str()) || !consider(c)? {
                            break;
                        }
                    }
                }
                Source::Overdue(ts) => {
                    for item in txn.open_table(IDX_DUE)?.range(..(*ts, ""))? {
                        let (k, _) = item?;
                        if !consider(k.value().1)? {
                            break;
                        }
                    }
                }
                Source::Status(s) => {
                    for item in txn.open_table(IDX_STATUS)?.range((*s, "")..)? {
                        let (k, _) = item?;
                        let (ks, c) = k.value();
                        if ks != *s || !consider(c)? {
                            break;
                        }
                    }
                }
                Source::Agency(a) => {
                    for item in txn.open_table(IDX_AGENCY)?.range((a.as_str(), "")..)? {
                        let (k, _) = item?;
                        let (ka, c) = k.value();
                        if ka != a || !consider(c)? {
                            break;
                        }
                    }
                }
                Source::All => {
                    for item in txn.open_table(DOSSIERS)?.iter()? {
                        let (k, _) = item?;
                        if !consider(k.value())? {
                            break;
                        }
                    }
                }
            }
            Ok(ListReply {
                items,
                page,
                per_page,
                has_more,
            })
        })
        .await?;
    Ok(Json(reply))
}
