//! The feedback desk in the browser (regulation Art. 21): open feedback by answer deadline (the
//! 13 working days counting down, the late first), a letter, call or visit entered by the desk,
//! then assigned to an officer, answered — every answer kept — and closed.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use motcua_protocol::public::{FeedbackChannel, FeedbackIn, FeedbackStatus};
use motcua_protocol::staff::Role;
use redb::ReadableTable;
use serde::Deserialize;

use super::board::error_page;
use super::desk::time_left;
use super::pages::PageStaff;
use crate::AppState;
use crate::db::model::{Feedback, User};
use crate::db::{FEEDBACK, USERS, decode};
use crate::ops::Error;
use crate::ops::feedback::{self, FeedbackAction, may_see};

/// Feedback a list shows at most.
const LIST_ROWS: usize = 200;
/// Feedback a list looks at most.
const LIST_SCAN: usize = 50_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feedback", get(list).post(enter))
        .route("/feedback/{code}", get(one))
        .route("/feedback/{code}/act", post(act))
}

fn status_of(e: &Error) -> axum::http::StatusCode {
    super::error::status(e.kind)
}

fn status_label(s: FeedbackStatus) -> (&'static str, &'static str) {
    match s {
        FeedbackStatus::Received => ("Mới tiếp nhận", "Received"),
        FeedbackStatus::Assigned => ("Đã giao xử lý", "Assigned"),
        FeedbackStatus::Answered => ("Đã trả lời", "Answered"),
        FeedbackStatus::Closed => ("Đã đóng", "Closed"),
    }
}

fn channel_label(c: FeedbackChannel) -> (&'static str, &'static str) {
    match c {
        FeedbackChannel::Kiosk => ("Kiosk", "Kiosk"),
        FeedbackChannel::Web => ("Cổng thông tin", "Web"),
        FeedbackChannel::Letter => ("Thư, văn bản", "Letter"),
        FeedbackChannel::Phone => ("Điện thoại", "Phone"),
        FeedbackChannel::Visit => ("Trực tiếp", "Visit"),
    }
}

/// A row of the list.
struct Row {
    code: String,
    category: String,
    content: String,
    status_vi: &'static str,
    status_en: &'static str,
    channel_vi: &'static str,
    due: String,
    /// Working time left before the deadline, or past it.
    left: String,
    late: bool,
}

#[derive(Template)]
#[template(path = "feedback_list.html")]
struct ListPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    /// The account may enter a letter, call or visit.
    enters: bool,
    rows: Vec<Row>,
    /// More open feedback than shown.
    more: bool,
    error: Option<&'a Error>,
    f: &'a EntryForm,
}

#[derive(Debug, Default, Deserialize)]
struct EntryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    received_at: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    dossier: String,
    #[serde(default)]
    consent: String,
}

async fn render_list(
    st: &AppState,
    staff: &PageStaff,
    f: &EntryForm,
    error: Option<&Error>,
) -> Response {
    let user = staff.actor.user.clone();
    let found = st
        .store
        .read(move |txn| {
            let mut open = Vec::new();
            for item in txn.open_table(FEEDBACK)?.iter()?.take(LIST_SCAN) {
                let f: Feedback = decode(item?.1.value())?;
                if f.status != FeedbackStatus::Closed && may_see(&user, &f) {
                    open.push(f);
                }
            }
            Ok::<_, Error>(open)
        })
        .await;
    let mut open = match found {
        Ok(x) => x,
        Err(e) => return error_page(status_of(&e), &e),
    };
    open.sort_by_key(|f| f.due);
    let more = open.len() > LIST_ROWS;
    open.truncate(LIST_ROWS);
    let now = st.clock.now_vn();
    let cal = st.cal.get();
    let rows = open
        .into_iter()
        .map(|f| {
            let late = f.status != FeedbackStatus::Answered && f.due < now;
            let left = match f.status {
                FeedbackStatus::Answered => String::new(),
                _ => time_left(&cal, now, f.due, late),
            };
            let (status_vi, status_en) = status_label(f.status);
            Row {
                status_vi,
                status_en,
                channel_vi: channel_label(f.channel).0,
                due: f.due.format("%H:%M %d/%m/%Y").to_string(),
                left,
                late,
                content: f.content.chars().take(160).collect(),
                category: f.category,
                code: f.code,
            }
        })
        .collect();
    let role = staff.actor.user.role;
    super::board::html_page(
        ListPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: role == Role::Receptionist,
            here: staff.here.clone(),
            enters: matches!(role, Role::Receptionist | Role::CentreAdmin),
            rows,
            more,
            error,
            f,
        }
        .render()
        .unwrap_or_default(),
        error,
    )
}

async fn list(State(st): State<AppState>, staff: PageStaff) -> Response {
    let f = EntryForm {
        channel: "visit".into(),
        ..EntryForm::default()
    };
    render_list(&st, &staff, &f, None).await
}

fn bounded(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// A letter, call or visit entered by the desk.
async fn enter(
    State(st): State<AppState>,
    staff: PageStaff,
    f: Result<Form<EntryForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let channel = match f.channel.as_str() {
        "letter" => FeedbackChannel::Letter,
        "phone" => FeedbackChannel::Phone,
        "visit" => FeedbackChannel::Visit,
        _ => {
            let e = Error::invalid(
                "channel",
                "Hãy chọn kênh tiếp nhận: trực tiếp, điện thoại hoặc thư.",
                "Choose how it was received: visit, phone or letter.",
            );
            return render_list(&st, &staff, &f, Some(&e)).await;
        }
    };
    // A dossier named must be one that exists.
    let named = f.dossier.trim();
    if !named.is_empty() {
        let exists = match crate::ops::dossiers::parse_code(named) {
            Ok(code) => {
                let code = code.to_string();
                st.store
                    .read(move |txn| crate::ops::dossiers::load(txn, &code).map(|r| r.is_some()))
                    .await
                    .unwrap_or(false)
            }
            Err(_) => false,
        };
        if !exists {
            let e = Error::invalid(
                "dossier",
                "Không có hồ sơ với mã này; để trống nếu phản ánh không về một hồ sơ.",
                "No dossier has this code; leave it empty if the feedback is not about one.",
            );
            return render_list(&st, &staff, &f, Some(&e)).await;
        }
    }
    let received_at = match f.received_at.trim() {
        "" => None,
        t => match super::desk::local_instant("received_at", t) {
            Ok(t) => Some(t),
            Err(e) => return render_list(&st, &staff, &f, Some(&e)).await,
        },
    };
    let opt = |s: &str, max: usize| {
        let s = bounded(s.trim(), max);
        (!s.is_empty()).then_some(s)
    };
    let body = FeedbackIn {
        category: bounded(&f.category, 200),
        content: bounded(&f.content, 4000),
        name: opt(&f.name, 200),
        phone: opt(&f.phone, 40),
        dossier: opt(&f.dossier, 40),
        consent: !f.consent.is_empty(),
        channel: Some(channel),
        received_at,
    };
    match feedback::enter(&st.ctx, &staff.actor, body).await {
        Ok(made) => Redirect::to(&format!("/feedback/{}", made.code)).into_response(),
        Err(e) => render_list(&st, &staff, &f, Some(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "feedback_one.html")]
struct OnePage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    f: &'a Feedback,
    status_vi: &'static str,
    status_en: &'static str,
    channel_vi: &'static str,
    channel_en: &'static str,
    left: String,
    late: bool,
    /// (account, full name): who may be assigned, for administrators.
    officers: Vec<(String, String)>,
    assign: bool,
    answer: bool,
    close: bool,
    /// Answers: (when, by whom, text).
    answers: Vec<(String, String, String)>,
    error: Option<&'a Error>,
}

async fn render_one(
    st: &AppState,
    staff: &PageStaff,
    code: &str,
    error: Option<&Error>,
) -> Response {
    let f = match feedback::load_for(&st.ctx, &staff.actor, bounded(code, 64)).await {
        Ok(f) => f,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let role = staff.actor.user.role;
    let admin = matches!(role, Role::CentreAdmin | Role::SystemAdmin);
    let assign = admin
        && matches!(
            f.status,
            FeedbackStatus::Received | FeedbackStatus::Assigned
        );
    let answer =
        (admin || matches!(role, Role::Officer | Role::Head)) && f.status != FeedbackStatus::Closed;
    let close = admin && f.status == FeedbackStatus::Answered;
    let accounts: Vec<String> = f.answers.iter().map(|a| a.by.clone()).collect();
    let looked = st
        .store
        .read(move |txn| {
            let users = txn.open_table(USERS)?;
            let mut officers = Vec::new();
            let mut names = Vec::new();
            for item in users.iter()? {
                let u: User = decode(item?.1.value())?;
                if accounts.contains(&u.username) {
                    names.push((u.username.clone(), u.full_name.clone()));
                }
                if assign && !u.disabled && matches!(u.role, Role::Officer | Role::Head) {
                    officers.push((u.username, u.full_name));
                }
            }
            Ok::<_, Error>((officers, names))
        })
        .await;
    let (officers, names) = match looked {
        Ok(x) => x,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let now = st.clock.now_vn();
    let cal = st.cal.get();
    let late =
        f.status != FeedbackStatus::Answered && f.status != FeedbackStatus::Closed && f.due < now;
    let left = match f.status {
        FeedbackStatus::Answered | FeedbackStatus::Closed => String::new(),
        _ => time_left(&cal, now, f.due, late),
    };
    let answers = f
        .answers
        .iter()
        .map(|a| {
            let by = names
                .iter()
                .find(|(u, _)| *u == a.by)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| a.by.clone());
            (
                a.at.format("%H:%M %d/%m/%Y").to_string(),
                by,
                a.text.clone(),
            )
        })
        .collect();
    let (status_vi, status_en) = status_label(f.status);
    let (channel_vi, channel_en) = channel_label(f.channel);
    super::board::html_page(
        OnePage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: role == Role::Receptionist,
            here: staff.here.clone(),
            f: &f,
            status_vi,
            status_en,
            channel_vi,
            channel_en,
            left,
            late,
            officers,
            assign,
            answer,
            close,
            answers,
            error,
        }
        .render()
        .unwrap_or_default(),
        error,
    )
}

async fn one(State(st): State<AppState>, staff: PageStaff, Path(code): Path<String>) -> Response {
    render_one(&st, &staff, &code, None).await
}

#[derive(Debug, Deserialize)]
struct ActForm {
    csrf: String,
    action: String,
    #[serde(default)]
    officer: String,
    #[serde(default)]
    answer: String,
}

async fn act(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(code): Path<String>,
    f: Result<Form<ActForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let action = match f.action.as_str() {
        "assign" => FeedbackAction::Assign {
            officer: bounded(&f.officer, 64),
        },
        "answer" => FeedbackAction::Answer {
            answer: bounded(&f.answer, 4000),
        },
        "close" => FeedbackAction::Close,
        _ => {
            let e = Error::bad_request("page.action", "Thao tác không hợp lệ.", "Unknown action.");
            return render_one(&st, &staff, &code, Some(&e)).await;
        }
    };
    match feedback::act(&st.ctx, &staff.actor, bounded(&code, 64), action).await {
        Ok(f) => Redirect::to(&format!("/feedback/{}", f.code)).into_response(),
        Err(e) => render_one(&st, &staff, &code, Some(&e)).await,
    }
}
