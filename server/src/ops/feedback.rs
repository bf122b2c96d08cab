//! Feedback (phản ánh, kiến nghị, Art. 21): from the kiosk or the web, or entered by staff for
//! letters, calls and visits (flagged when entered more than 8 working hours after receipt). Each
//! gets a tracking code and a due instant 13 working days after receipt; staff assign, answer and
//! close; the answer is published and looked up by tracking code.

use chrono::{DateTime, Datelike, Duration, FixedOffset};
use motcua_core::Calendar;
use motcua_protocol::public::{FeedbackChannel, FeedbackIn, FeedbackStatus, PublicFeedback};
use redb::ReadableTable;

use super::{Actor, Ctx, Error, Kind};
use crate::db::model::{Feedback, Role};
use crate::db::{CODE_SEQ, FEEDBACK, Tx, encode, get};

/// The public's draft checked by core's one rule (the kiosk applies the same), kept as cleaned.
fn validate(b: &mut FeedbackIn) -> Result<(), Error> {
    let c = motcua_core::feedback::check(&motcua_core::feedback::Draft {
        category: &b.category,
        content: &b.content,
        name: b.name.as_deref(),
        phone: b.phone.as_deref(),
        consent: b.consent,
    })
    .map_err(|e| Error::domain(Kind::Invalid, &e))?;
    if let Some(d) = &b.dossier {
        let code =
            motcua_core::DossierCode::parse(d).map_err(|e| Error::domain(Kind::Invalid, &e))?;
        b.dossier = Some(code.to_string());
    }
    b.category = c.category;
    b.content = c.content;
    b.name = c.name;
    b.phone = c.phone;
    Ok(())
}

/// A feedback checked and dated, ready to be written.
#[derive(Debug, Clone)]
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
    cal: &Calendar,
    body: FeedbackIn,
    channel: FeedbackChannel,
    received_at: DateTime<FixedOffset>,
    now: DateTime<FixedOffset>,
    entered_by: Option<String>,
) -> Result<PendingFeedback, Error> {
    let mut body = body;
    validate(&mut body)?;
    let received_at =
        motcua_core::time::check(received_at).map_err(|e| Error::domain(Kind::Invalid, &e))?;
    if received_at > now + Duration::minutes(5) {
        return Err(Error::invalid(
            "feedback.received_at",
            "Thời điểm tiếp nhận không được ở tương lai.",
            "The time of receipt cannot be in the future.",
        ));
    }
    let not_covered = |e: motcua_core::NotCovered| Error::domain(Kind::Invalid, &e);
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

/// Write a prepared feedback inside `tx`, giving it the next tracking code of the day.
pub fn insert(tx: &Tx, p: &PendingFeedback) -> Result<Feedback, Error> {
    let p = p.clone();
    let code = match p.code {
        Some(c) => c,
        None => {
            let date = p.entered_at.date_naive();
            let day = date.year() as u32 * 10_000 + date.month() * 100 + date.day();
            let mut seq = tx.open_table(CODE_SEQ)?;
            let n = seq
                .get(("PA", day))?
                .map(|v| v.value())
                .unwrap_or(0)
                .saturating_add(1);
            seq.insert(("PA", day), n)?;
            format!("PA-{}-{n:04}", date.format("%y%m%d"))
        }
    };
    let b = p.body;
    let f = Feedback {
        code: code.clone(),
        channel: p.channel,
        category: b.category,
        content: b.content,
        name: b.name,
        phone: b.phone,
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
    tx.open_table(FEEDBACK)?
        .insert(code.as_str(), encode(&f)?.as_slice())?;
    Ok(f)
}

async fn create(
    ctx: &Ctx,
    b: FeedbackIn,
    channel: FeedbackChannel,
    received_at: DateTime<FixedOffset>,
    by: Option<Actor>,
) -> Result<Feedback, Error> {
    let now = ctx.clock.now_vn();
    let pending = prepare(
        &ctx.cal.get(),
        b,
        channel,
        received_at,
        now,
        by.as_ref().map(|s| s.user.username.clone()),
    )?;
    ctx.store
        .write(move |tx| {
            let f = insert(tx, &pending)?;
            if let Some(s) = &by {
                tx.audit(s.entry(now, "enter_feedback", &f.code, "ok"))?;
            }
            Ok(f)
        })
        .await
}

/// What the public sees: never the name or phone.
pub fn public_view(f: &Feedback) -> PublicFeedback {
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

/// Feedback from the public (the web, a kiosk's online path).
pub async fn submit(ctx: &Ctx, b: FeedbackIn) -> Result<PublicFeedback, Error> {
    let channel = match b.channel {
        Some(FeedbackChannel::Kiosk) => FeedbackChannel::Kiosk,
        _ => FeedbackChannel::Web,
    };
    if b.received_at.is_some() {
        return Err(Error::invalid(
            "feedback.received_at",
            "Thời điểm tiếp nhận do hệ thống ghi nhận.",
            "The time of receipt is recorded by the system.",
        ));
    }
    let now = ctx.clock.now_vn();
    let f = create(ctx, b, channel, now, None).await?;
    Ok(public_view(&f))
}

/// Feedback received by letter, phone or visit, entered by staff.
pub async fn enter(ctx: &Ctx, actor: &Actor, b: FeedbackIn) -> Result<Feedback, Error> {
    if !matches!(actor.user.role, Role::Receptionist | Role::CentreAdmin) {
        return Err(Error::forbidden(
            "Chỉ cán bộ tiếp nhận hoặc quản trị trung tâm được nhập phản ánh.",
            "Only reception officers and centre admins enter feedback.",
        ));
    }
    let channel = b.channel.unwrap_or(FeedbackChannel::Visit);
    if matches!(channel, FeedbackChannel::Kiosk | FeedbackChannel::Web) {
        return Err(Error::invalid(
            "feedback.channel",
            "Cán bộ nhập phản ánh nhận qua thư, điện thoại hoặc trực tiếp.",
            "Staff enter feedback received by letter, phone or visit.",
        ));
    }
    let received_at = b.received_at.unwrap_or_else(|| ctx.clock.now_vn());
    create(ctx, b, channel, received_at, Some(actor.clone())).await
}

/// A feedback by tracking code.
pub async fn load(ctx: &Ctx, code: String) -> Result<Feedback, Error> {
    ctx.store
        .read(move |txn| Ok::<_, Error>(get(&txn.open_table(FEEDBACK)?, &code)?))
        .await?
        .ok_or_else(|| Error::not_found("phản ánh có mã này", "Feedback"))
}

/// What staff do with a feedback.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeedbackAction {
    Assign { officer: String },
    Answer { answer: String },
    Close,
}

pub async fn act(
    ctx: &Ctx,
    actor: &Actor,
    code: String,
    a: FeedbackAction,
) -> Result<Feedback, Error> {
    let role = actor.user.role;
    let allowed = match &a {
        FeedbackAction::Assign { .. } | FeedbackAction::Close => role == Role::CentreAdmin,
        FeedbackAction::Answer { .. } => {
            matches!(role, Role::Officer | Role::Head | Role::CentreAdmin)
        }
    };
    if !allowed {
        return Err(Error::forbidden(
            "Vai trò của tài khoản này không được thực hiện thao tác này với phản ánh.",
            "This account's role may not do this to feedback.",
        ));
    }
    let now = ctx.clock.now_vn();
    let who = actor.clone();
    ctx.store
        .write(move |tx| {
            let mut t = tx.open_table(FEEDBACK)?;
            let Some(mut f): Option<Feedback> = get(&t, &code)? else {
                return Err(Error::not_found("phản ánh có mã này", "Feedback"));
            };
            let conflict = || {
                Error::new(
                    Kind::Conflict,
                    "feedback.state",
                    "Phản ánh không ở trạng thái cho phép thao tác này.",
                    "The feedback is not in a state that allows this.",
                )
            };
            let name = match a.clone() {
                FeedbackAction::Assign { officer } => {
                    if f.status == FeedbackStatus::Closed || officer.trim().is_empty() {
                        return Err(conflict());
                    }
                    f.assignee = Some(officer);
                    f.status = FeedbackStatus::Assigned;
                    "assign_feedback"
                }
                FeedbackAction::Answer { answer } => {
                    if f.status == FeedbackStatus::Closed {
                        return Err(conflict());
                    }
                    if answer.trim().is_empty() {
                        return Err(Error::invalid(
                            "feedback.answer",
                            "Nội dung trả lời không được để trống.",
                            "The answer is required.",
                        ));
                    }
                    f.answer = Some(answer.trim().to_owned());
                    f.answered_at = Some(now);
                    f.status = FeedbackStatus::Answered;
                    "answer_feedback"
                }
                FeedbackAction::Close => {
                    if f.status != FeedbackStatus::Answered {
                        return Err(conflict());
                    }
                    f.closed_at = Some(now);
                    f.status = FeedbackStatus::Closed;
                    "close_feedback"
                }
            };
            t.insert(code.as_str(), encode(&f)?.as_slice())?;
            drop(t);
            tx.audit(who.entry(now, name, &code, "ok"))?;
            Ok(f)
        })
        .await
}
