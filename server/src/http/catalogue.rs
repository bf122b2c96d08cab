//! The procedure catalogue for administrators: in the browser (the list, one procedure's form,
//! an import whose file is read into the form by a small script or pasted), and as an API
//! (`POST /api/v1/admin/procedures/import` with a CSV or JSON body). An import with one wrong
//! row imports nothing and names every wrong row.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use motcua_core::{AgencyCode, ProcessingTime};
use serde::Deserialize;

use super::board::{error_page, html};
use super::pages::PageStaff;
use super::{ApiError, Staff};
use crate::AppState;
use crate::db::model::{Fee, JointStep, Procedure, Retention};
use crate::ops::Error;
use crate::ops::catalogue::{self, Imported, ProcedureIn, RowError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/catalogue", get(list_page))
        .route("/admin/catalogue/new", get(new_page))
        .route("/admin/catalogue/save", post(save))
        .route("/admin/catalogue/import", post(import_page))
        .route("/admin/catalogue/p/{id}", get(edit_page))
        .route("/admin/catalogue/p/{id}/remove", post(remove))
        .route("/api/v1/admin/procedures/import", post(import_api))
}

fn status_of(e: &Error) -> StatusCode {
    super::error::status(e.kind)
}

/// A procedure as the list shows it.
struct Line {
    id: String,
    code: String,
    name: String,
    field: String,
    agency: String,
    time: String,
    fees: String,
    retention: String,
    joint: usize,
}

fn time_text(t: ProcessingTime) -> String {
    match t {
        ProcessingTime::WorkingDays(d) => format!("{d} ngày làm việc"),
        ProcessingTime::WorkingHours(h) => format!("{h} giờ làm việc"),
    }
}

#[derive(Template)]
#[template(path = "admin_catalogue.html")]
struct ListPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    q: String,
    lines: Vec<Line>,
    total: usize,
    error: Option<&'a Error>,
    /// An import refused: its wrong rows, and how many more.
    refused: Option<(Vec<RowError>, usize)>,
    /// An import done: (added, replaced).
    imported: Option<(usize, usize)>,
    /// What was pasted, kept when refused.
    content: String,
    format: String,
    removed: bool,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    removed: Option<u8>,
}

#[allow(clippy::too_many_arguments)]
async fn render_list(
    st: &AppState,
    staff: &PageStaff,
    q: &str,
    error: Option<&Error>,
    refused: Option<(Vec<RowError>, usize)>,
    imported: Option<(usize, usize)>,
    content: String,
    format: String,
    removed: bool,
) -> Response {
    if let Err(e) = staff.actor.require_admin() {
        return error_page(status_of(&e), &e);
    }
    let found = async {
        Ok::<_, Error>((
            catalogue::list(&st.ctx).await?,
            super::pages::agency_names(st).await?,
        ))
    }
    .await;
    let (all, agencies) = match found {
        Ok(x) => x,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let total = all.len();
    let key = motcua_core::text::fold(q);
    let lines = all
        .into_iter()
        .filter(|p| {
            key.is_empty()
                || motcua_core::text::fold(&p.name).contains(&key)
                || p.national_code.contains(q.trim())
                || motcua_core::text::fold(&p.field).contains(&key)
        })
        .map(|p| Line {
            agency: agencies
                .iter()
                .find(|(c, _)| *c == p.agency.as_str())
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| p.agency.to_string()),
            time: time_text(p.processing_time),
            fees: p
                .fees
                .iter()
                .map(|f| format!("{} đ", super::desk::thousands(f.amount)))
                .collect::<Vec<_>>()
                .join(" + "),
            retention: p
                .retention
                .map(|r| r.label(motcua_core::Lang::Vi))
                .unwrap_or_default(),
            joint: p.joint.len(),
            id: p.id,
            code: p.national_code,
            name: p.name,
            field: p.field,
        })
        .collect();
    let failed = error.is_some() || refused.is_some();
    let mut res = html(
        ListPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            q: q.to_owned(),
            lines,
            total,
            error,
            refused,
            imported,
            content,
            format,
            removed,
        }
        .render()
        .unwrap_or_default(),
    );
    if failed {
        *res.status_mut() = error.map_or(StatusCode::UNPROCESSABLE_ENTITY, status_of);
    }
    res
}

async fn list_page(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let q_text: String = q.q.chars().take(100).collect();
    render_list(
        &st,
        &staff,
        &q_text,
        None,
        None,
        None,
        String::new(),
        "csv".into(),
        q.removed == Some(1),
    )
    .await
}

#[derive(Debug, Deserialize)]
struct ImportForm {
    csrf: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    file_name: String,
}

async fn import_page(
    State(st): State<AppState>,
    staff: PageStaff,
    f: Result<Form<ImportForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let json = f.format == "json";
    let rows = if json {
        catalogue::read_json(f.content.as_bytes())
    } else {
        catalogue::read_csv(f.content.as_bytes())
    };
    let name = if f.file_name.trim().is_empty() {
        "biểu mẫu".to_owned()
    } else {
        f.file_name.trim().to_owned()
    };
    let done = match rows {
        Ok(rows) => catalogue::import(&st.ctx, &staff.actor, rows, &name).await,
        Err(e) => Err(e),
    };
    let fmt = if json { "json" } else { "csv" }.to_owned();
    match done {
        Ok(Imported::Saved { added, replaced }) => {
            render_list(
                &st,
                &staff,
                "",
                None,
                None,
                Some((added, replaced)),
                String::new(),
                fmt,
                false,
            )
            .await
        }
        Ok(Imported::Refused(r)) => {
            render_list(
                &st,
                &staff,
                "",
                None,
                Some((r.rows, r.more)),
                None,
                f.content,
                fmt,
                false,
            )
            .await
        }
        Err(e) => render_list(&st, &staff, "", Some(&e), None, None, f.content, fmt, false).await,
    }
}

/// `POST /api/v1/admin/procedures/import`: a CSV (`text/csv`) or JSON body; 200 with what was
/// saved, or 422 with every wrong row and nothing saved.
async fn import_api(
    State(st): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let rows = if kind.starts_with("text/csv") {
        catalogue::read_csv(&body)?
    } else {
        catalogue::read_json(&body)?
    };
    Ok(
        match catalogue::import(&st.ctx, &staff, rows, "api").await? {
            Imported::Saved { added, replaced } => {
                Json(serde_json::json!({"added": added, "replaced": replaced})).into_response()
            }
            Imported::Refused(r) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({
                    "error": {
                        "code": "catalogue.rows",
                        "message": {
                            "vi": "Có dòng sai: chưa nhập thủ tục nào.",
                            "en": "Some rows are wrong: nothing was imported."
                        }
                    },
                    "rows": r.rows,
                    "more": r.more,
                })),
            )
                .into_response(),
        },
    )
}

#[derive(Template)]
#[template(path = "admin_procedure.html")]
struct EditPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    /// The procedure's id when it exists already.
    id: Option<String>,
    f: ProcedureForm,
    agencies: Vec<(String, String)>,
    error: Option<&'a Error>,
    saved: bool,
}

impl EditPage<'_> {
    fn agency_is(&self, code: &str) -> bool {
        self.f.agency == code
    }
}

/// The procedure form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
struct ProcedureForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    national_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    agency: String,
    /// `days` or `hours`.
    #[serde(default)]
    time_unit: String,
    #[serde(default)]
    time: String,
    /// One fee a line: `name: amount`.
    #[serde(default)]
    fees: String,
    /// One document a line.
    #[serde(default)]
    documents: String,
    #[serde(default)]
    immediate: Option<String>,
    /// ``, `permanent` or a number of years.
    #[serde(default)]
    retention: String,
    /// One participating agency a line: `agency code | task | working days`.
    #[serde(default)]
    joint: String,
}

impl ProcedureForm {
    fn of(p: &Procedure) -> ProcedureForm {
        let (time_unit, time) = match p.processing_time {
            ProcessingTime::WorkingDays(d) => ("days", d),
            ProcessingTime::WorkingHours(h) => ("hours", h),
        };
        ProcedureForm {
            csrf: String::new(),
            national_code: p.national_code.clone(),
            name: p.name.clone(),
            field: p.field.clone(),
            agency: p.agency.to_string(),
            time_unit: time_unit.into(),
            time: time.to_string(),
            fees: p
                .fees
                .iter()
                .map(|f| format!("{}: {}", f.name, f.amount))
                .collect::<Vec<_>>()
                .join("\n"),
            documents: p
                .documents
                .iter()
                .map(|d| d.name.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            immediate: p.immediate.then(|| "1".into()),
            retention: match p.retention {
                None => String::new(),
                Some(Retention::Permanent) => "permanent".into(),
                Some(Retention::Years(n)) => n.to_string(),
            },
            joint: p
                .joint
                .iter()
                .map(|j| format!("{} | {} | {}", j.agency, j.task, j.working_days))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// What the form says, as the catalogue reads it; what is wrong, in words.
    fn read(&self) -> Result<ProcedureIn, Error> {
        let bad = |vi: String, en: String| Error::invalid("catalogue.procedure", vi, en);
        let n = self.time.trim().parse::<u32>().map_err(|_| {
            bad(
                "Thời hạn giải quyết là một số nguyên.".into(),
                "The processing time is a whole number.".into(),
            )
        })?;
        let mut fees = Vec::new();
        for line in self
            .fees
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(50)
        {
            let (name, amount) = line.rsplit_once(':').ok_or_else(|| {
                bad(
                    format!("Khoản phí “{line}”: ghi tên: số tiền."),
                    format!("The fee “{line}”: write name: amount."),
                )
            })?;
            let digits: String = amount.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
            let amount = digits.parse::<u64>().map_err(|_| {
                bad(
                    format!("Khoản phí “{line}”: số tiền không đọc được."),
                    format!("The fee “{line}”: the amount does not read."),
                )
            })?;
            fees.push(Fee {
                name: name.trim().to_owned(),
                amount,
            });
        }
        let mut joint = Vec::new();
        for line in self
            .joint
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(50)
        {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let step = match parts.as_slice() {
                [agency, task, days] => AgencyCode::parse(agency).ok().zip(days.parse().ok()).map(
                    |(agency, working_days)| JointStep {
                        agency,
                        task: (*task).to_owned(),
                        working_days,
                        hand_to: None,
                    },
                ),
                _ => None,
            };
            joint.push(step.ok_or_else(|| {
                bad(
                    format!(
                        "Dòng liên thông “{line}”: ghi mã cơ quan | phần việc | số ngày làm việc."
                    ),
                    format!("The joint line “{line}”: write agency code | task | working days."),
                )
            })?);
        }
        let retention = match self.retention.trim() {
            "" => None,
            "permanent" => Some(Retention::Permanent),
            n => Some(Retention::Years(n.parse().map_err(|_| {
                bad(
                    "Thời hạn bảo quản là số năm hoặc vĩnh viễn.".into(),
                    "The retention is a number of years or permanent.".into(),
                )
            })?)),
        };
        let (working_days, working_hours) = if self.time_unit == "hours" {
            (None, Some(n))
        } else {
            (Some(n), None)
        };
        Ok(ProcedureIn {
            national_code: self.national_code.clone(),
            name: self.name.clone(),
            field: self.field.clone(),
            agency: self.agency.clone(),
            working_days,
            working_hours,
            fees,
            documents: self
                .documents
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .take(200)
                .map(str::to_owned)
                .collect(),
            immediate: self.immediate.is_some(),
            retention,
            joint,
        })
    }
}

async fn render_edit(
    st: &AppState,
    staff: &PageStaff,
    id: Option<String>,
    f: ProcedureForm,
    error: Option<&Error>,
    saved: bool,
) -> Response {
    if let Err(e) = staff.actor.require_admin() {
        return error_page(status_of(&e), &e);
    }
    let agencies = match super::pages::agency_names(st).await {
        Ok(a) => a,
        Err(e) => return error_page(status_of(&e), &e),
    };
    super::board::html_page(
        EditPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            id,
            f,
            agencies,
            error,
            saved,
        }
        .render()
        .unwrap_or_default(),
        error,
    )
}

async fn new_page(State(st): State<AppState>, staff: PageStaff) -> Response {
    let f = ProcedureForm {
        time_unit: "days".into(),
        ..Default::default()
    };
    render_edit(&st, &staff, None, f, None, false).await
}

#[derive(Debug, Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: Option<u8>,
}

async fn edit_page(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(id): Path<String>,
    q: Result<Query<SavedQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(e) = staff.actor.require_admin() {
        return error_page(status_of(&e), &e);
    }
    let p = match catalogue::one(&st.ctx, &id).await {
        Ok(p) => p,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let saved = q.is_ok_and(|Query(q)| q.saved == Some(1));
    render_edit(&st, &staff, Some(id), ProcedureForm::of(&p), None, saved).await
}

async fn save(
    State(st): State<AppState>,
    staff: PageStaff,
    f: Result<Form<ProcedureForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let done = match f.read() {
        Ok(p) => catalogue::save(&st.ctx, &staff.actor, p).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(p) => Redirect::to(&format!("/admin/catalogue/p/{}?saved=1", p.id)).into_response(),
        Err(e) => render_edit(&st, &staff, None, f, Some(&e), false).await,
    }
}

#[derive(Debug, Deserialize)]
struct RemoveForm {
    csrf: String,
    #[serde(default)]
    confirm: Option<String>,
}

async fn remove(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(id): Path<String>,
    f: Result<Form<RemoveForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    if f.confirm.is_none() {
        let e = Error::invalid(
            "catalogue.confirm",
            "Hãy đánh dấu ô xác nhận để bỏ thủ tục khỏi danh mục.",
            "Tick the box to confirm removing the procedure.",
        );
        let p = match catalogue::one(&st.ctx, &id).await {
            Ok(p) => p,
            Err(e) => return error_page(status_of(&e), &e),
        };
        return render_edit(
            &st,
            &staff,
            Some(id),
            ProcedureForm::of(&p),
            Some(&e),
            false,
        )
        .await;
    }
    match catalogue::remove(&st.ctx, &staff.actor, &id).await {
        Ok(()) => Redirect::to("/admin/catalogue?removed=1").into_response(),
        Err(e) => error_page(status_of(&e), &e),
    }
}
