//! Feedback (phản ánh, kiến nghị, Art. 21): from the kiosk or the web, or entered by staff for
//! letters, calls and visits (flagged when entered more than 8 working hours after receipt). Each
//! gets a tracking code and a due instant 13 working days after receipt; staff assign, answer and
//! close; the answer is published and looked up by tracking code.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Datelike, Duration, FixedOffset};
use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::{Body, Staff};
use crate::AppState;
use crate::error::ApiError;
use crate::model::Role;
use crate::store::{CODE_SEQ, FEEDBACK, encode, get_json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/public/feedback", post(submit_public))
        .route("/api/v1/public/feedback/{code}", get(show_public))
        .route("/api/v1/feedback", post(enter))
        .route("/api/v1/feedback/{code}", get(show))
        .route("/api/v1/feedback/{code}/actions", post(act))
}

pub use motcua_protocol::public::{FeedbackChannel, FeedbackIn, FeedbackStatus, PublicFeedback};

/// A feedback as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub code: String,
    pub channel: FeedbackChannel,
    pub category: String,
    pub content: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub dossier: Option<String>,
    pub received_at: DateTime<FixedOffset>,
    pub entered_at: DateTime<FixedOffset>,
    pub entered_by: Option<String>,
    /// Entered more than 8 working hours after it was received (Art. 21.3).
    pub late_entry: bool,
    pub due: DateTime<FixedOffset>,
    pub status: FeedbackStatus,
    pub assignee: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<FixedOffset>>,
    pub closed_at: Option<DateTime<FixedOffset>>,
}

fn invalid(code: &str, vi: &str, en: &str) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, vi, en)
}

fn validate(b: &FeedbackIn) -> Result<(), ApiError> {
    if b.category.trim().is_empty() || b.category.chars().count() > 100 {
        return Err(invalid(
            "feedback.category",
            "Cần chọn lĩnh vực phản ánh (tối đa 100 ký tự).",
            "Choose a category (100 characters at most).",
        ));
    }
    let n = b.content.trim().chars().count();
    if n == 0 || n > 5000 {
        return Err(invalid(
            "feedback.content",
            "Nội dung phản ánh không được để trống và dài tối đa 5.000 ký tự.",
            "The content is required, 5,000 characters at most.",
        ));
    }
    if (b.name.is_some() || b.phone.is_some()) && !b.consent {
        return Err(invalid(
            "feedback.consent",
            "Cần đồng ý cho cơ quan dùng họ tên và số điện thoại để trả lời.",
            "Consent is needed to use the name and phone to answer.",
        ));
    }
    if let Some(p) = &b.phone {
        let digits = p.chars().filter(char::is_ascii_digit).count();
        if !(9..=11).contains(&digits)
            || p.chars()
                .any(|c| !(c.is_ascii_digit() || " .+-".contains(c)))
        {
            return Err(invalid(
                "feedback.phone",
                "Số điện thoại không hợp lệ.",
                "Invalid phone number.",
            ));
        }
    }
    Ok(())
}

/// A feedback checked and dated, ready to be written.
#[derive(Debug)]
pub struct PendingFeedback {
    body: FeedbackIn,
    channel: FeedbackChannel,
    received_at: DateTime<FixedOffset>,
    entered_at: DateTime<FixedOffset>,
    entered_by: Option<String>,
    late_entry: bool,
    due: DateTime<FixedOffset>,
    /// A tracking code given in advance (a kiosk's, known to it offline); else the day's next.
    pub code: Option<String>,
}

/// Check a feedback and compute its deadline (nothing is written).
pub fn prepare(
    cal: &motcua_core::Calendar,
    body: FeedbackIn,
    channel: FeedbackChannel,
    received_at: DateTime<FixedOffset>,
    now: DateTime<FixedOffset>,
    entered_by: Option<String>,
) -> Result<PendingFeedback, ApiError> {
    validate(&body)?;
    let received_at = motcua_core::time::check(received_at)
        .map_err(|e| ApiError::domain(StatusCode::UNPROCESSABLE_ENTITY, &e))?;
    if received_at > now + Duration::minutes(5) {
        return Err(invalid(
            "feedback.received_at",
            "Thời điểm tiếp nhận không được ở tương lai.",
            "The time of receipt cannot be in the future.",
        ));
    }
    let not_covered =
        |e: motcua_core::NotCovered| ApiError::domain(StatusCode::UNPROCESSABLE_ENTITY, &e);
    let counts_from = cal.next_working_instant(received_at).map_err(not_covered)?;
    // Art. 21.3: feedback received through offline channels must be entered within 8 working
    // hours; the kiosk and the web enter it themselves.
    let offline = matches!(
        channel,
        FeedbackChannel::Letter | FeedbackChannel::Phone | FeedbackChannel::Visit
    );
    let late_entry =
        offline && cal.working_between(counts_from, now).map_err(not_covered)? > Duration::hours(8);
    Ok(PendingFeedback {
        body,
        channel,
        received_at: cal.in_zone(received_at),
        entered_at: now,
        entered_by,
        late_entry,
        due: cal.feedback_deadline(counts_from).map_err(not_covered)?,
        code: None,
    })
}

/// Write a prepared feedback inside `txn`, giving it the next tracking code of the day.
pub fn insert(txn: &redb::WriteTransaction, p: PendingFeedback) -> Result<Feedback, ApiError> {
    let code = match p.code {
        Some(c) => c,
        None => {
            let date = p.entered_at.date_naive();
            let day = date.year() as u32 * 10_000 + date.month() * 100 + date.day();
            let mut seq = txn.open_table(CODE_SEQ)?;
            let n = seq.get(("PA", day))?.map(|v| v.value()).unwrap_or(0) + 1;
            seq.insert(("PA", day), n)?;
            format!("PA-{}-{n:04}", date.format("%y%m%d"))
        }
    };
    let b = p.body;
    let f = Feedback {
        code: code.clone(),
        channel: p.channel,
        category: b.category.trim().to_owned(),
        content: b.content.trim().to_owned(),
        name: b
            .name
            .map(|s| motcua_core::text::normalize(&s))
            .filter(|s| !s.is_empty()),
        phone: b.phone.filter(|s| !s.trim().is_empty()),
        dossier: b.dossier,
        received_at: p.received_at,
        entered_at: p.entered_at,
        entered_by: p.entered_by,
        late_entry: p.late_entry,
        due: p.due,
        status: FeedbackStatus::Received,
        assignee: None,
        answer: None,
        answered_at: None,
        closed_at: None,
    };
    txn.open_table(FEEDBACK)?
        .insert(code.as_str(), encode(&f)?.as_slice())?;
    Ok(f)
}

async fn create(
    st: &AppState,
    b: FeedbackIn,
    channel: FeedbackChannel,
    received_at: DateTime<FixedOffset>,
    by: Option<Staff>,
) -> Result<Feedback, ApiError> {
    let now = st.clock.now_vn();
    let pending = prepare(
        &st.cal.get(),
        b,
        channel,
        received_at,
        now,
        by.as_ref().map(|s| s.user.username.clone()),
    )?;
    st.store
        .write(move |txn| {
            let f = insert(txn, pending)?;
            if let Some(s) = &by {
                s.audit(txn, now, "enter_feedback", &f.code, "ok")?;
            }
            Ok(f)
        })
        .await
}

async fn submit_public(
    State(st): State<AppState>,
    caller: super::public::Caller,
    Body(b): Body<FeedbackIn>,
) -> Result<(StatusCode, Json<PublicFeedback>), ApiError> {
    super::public::limit(&st, &caller)?;
    let channel = match b.channel {
        Some(FeedbackChannel::Kiosk) => FeedbackChannel::Kiosk,
        _ => FeedbackChannel::Web,
    };
    if b.received_at.is_some() {
        return Err(invalid(
            "feedback.received_at",
            "Thời điểm tiếp nhận do hệ thống ghi nhận.",
            "The time of receipt is recorded by the system.",
        ));
    }
    let now = st.clock.now_vn();
    let f = create(&st, b, channel, now, None).await?;
    Ok((StatusCode::CREATED, Json(public_view(&f))))
}

async fn enter(
    State(st): State<AppState>,
    staff: Staff,
    Body(b): Body<FeedbackIn>,
) -> Result<(StatusCode, Json<Feedback>), ApiError> {
    if !matches!(staff.user.role, Role::Receptionist | Role::CentreAdmin) {
        return Err(ApiError::forbidden(
            "Chỉ cán bộ tiếp nhận hoặc quản trị trung tâm được nhập phản ánh.",
            "Only reception officers and centre admins enter feedback.",
        ));
    }
    let channel = b.channel.unwrap_or(FeedbackChannel::Visit);
    if matches!(channel, FeedbackChannel::Kiosk | FeedbackChannel::Web) {
        return Err(invalid(
            "feedback.channel",
            "Cán bộ nhập phản ánh nhận qua thư, điện thoại hoặc trực tiếp.",
            "Staff enter feedback received by letter, phone or visit.",
        ));
    }
    let received_at = b.received_at.unwrap_or_else(|| st.clock.now_vn());
    let f = create(&st, b, channel, received_at, Some(staff)).await?;
    Ok((StatusCode::CREATED, Json(f)))
}

/// What the public sees: never the name or phone.
fn public_view(f: &Feedback) -> PublicFeedback {
    PublicFeedback {
        code: f.code.clone(),
        category: f.category.clone(),
        status: f.status,
        received_at: f.received_at,
        due: f.due,
        answer: f.answer.clone(),
        answered_at: f.answered_at,
    }
}

async fn load(st: &AppState, code: String) -> Result<Feedback, ApiError> {
    st.store
        .read(move |txn| get_json(&txn.open_table(FEEDBACK)?, &code))
        .await?
        .ok_or_else(|| ApiError::not_found("phản ánh có mã này", "Feedback"))
}

async fn show_public(
    State(st): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<PublicFeedback>, ApiError> {
    Ok(Json(public_view(&load(&st, code).await?)))
}

async fn show(
    State(st): State<AppState>,
    _staff: Staff,
    Path(code): Path<String>,
) -> Result<Json<Feedback>, ApiError> {
    Ok(Json(load(&st, code).await?))
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum FeedbackAction {
    Assign { officer: String },
    Answer { answer: String },
    Close,
}

async fn act(
    State(st): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Body(a): Body<FeedbackAction>,
) -> Result<Json<Feedback>, ApiError> {
    let role = staff.user.role;
    let allowed = match &a {
        FeedbackAction::Assign { .. } | FeedbackAction::Close => role == Role::CentreAdmin,
        FeedbackAction::Answer { .. } => {
            matches!(role, Role::Officer | Role::Head | Role::CentreAdmin)
        }
    };
    if !allowed {
        return Err(ApiError::forbidden(
            "Vai trò của tài khoản này không được thực hiện thao tác này với phản ánh.",
            "This account's role may not do this to feedback.",
        ));
    }
    let now = st.clock.now_vn();
    st.store
        .write(move |txn| {
            let mut t = txn.open_table(FEEDBACK)?;
            let Some(mut f): Option<Feedback> = get_json(&t, &code)? else {
                return Ok(Err(ApiError::not_found("phản ánh có mã này", "Feedback")));
            };
            let conflict = || {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "feedback.state",
                    "Phản ánh không ở trạng thái cho phép thao tác này.",
                    "The feedback is not in a state that allows this.",
                )
            };
            let name = match a {
                FeedbackAction::Assign { officer } => {
                    if f.status == FeedbackStatus::Closed || officer.trim().is_empty() {
                        return Ok(Err(conflict()));
                    }
                    f.assignee = Some(officer);
                    f.status = FeedbackStatus::Assigned;
                    "assign_feedback"
                }
                FeedbackAction::Answer { answer } => {
                    if f.status == FeedbackStatus::Closed {
                        return Ok(Err(conflict()));
                    }
                    if answer.trim().is_empty() {
                        return Ok(Err(invalid(
                            "feedback.answer",
                            "Nội dung trả lời không được để trống.",
                            "The answer is required.",
                        )));
                    }
                    f.answer = Some(answer.trim().to_owned());
                    f.answered_at = Some(now);
                    f.status = FeedbackStatus::Answered;
                    "answer_feedback"
                }
                FeedbackAction::Close => {
                    if f.status != FeedbackStatus::Answered {
                        return Ok(Err(conflict()));
                    }
                    f.closed_at = Some(now);
                    f.status = FeedbackStatus::Closed;
                    "close_feedback"
                }
            };
            t.insert(code.as_str(), encode(&f)?.as_slice())?;
            drop(t);
            staff.audit(txn, now, name, &code, "ok")?;
            Ok(Ok(f))
        })
        .await?
        .map(Json)
}
