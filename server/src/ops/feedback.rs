//! Feedback (phản ánh, kiến nghị, Art. 21): from the kiosk or the web, or entered by staff for
//! letters, calls and visits (flagged when entered more than 8 working hours after receipt). Each
//! gets an unguessable tracking code and a due instant 13 working days after receipt; the centre's
//! administrator assigns it to a real officer, whose agency then reads and answers it; answers
//! are kept one after another (the latest is published) and the administrator closes it.
//!
//! Scope: administrators see their centre's feedback (and the web's), a desk what reached its
//! centre, officers and heads what is assigned to their agency; anything else answers 404, like a
//! code that does not exist — names and phones stay with those who need them.

use chrono::{DateTime, Duration, FixedOffset};
use motcua_core::Calendar;
use motcua_protocol::public::{FeedbackChannel, FeedbackIn, FeedbackStatus, PublicFeedback};
use redb::ReadableTable;

use super::{Actor, Ctx, Error, Kind};
use crate::db::model::{Feedback, FeedbackAnswer, Role, User};
use crate::db::{FEEDBACK, Tx, USERS, encode, get};

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
    /// A tracking code given in advance (a kiosk's, known to it offline); else a new one.
    pub code: Option<String>,
    /// The centre it reached.
    pub centre: Option<String>,
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
        centre: None,
    })
}

/// Write a prepared feedback inside `tx`, giving it a tracking code of the day with a random
/// tag (`PA-YYMMDD-XXXXXXXX`: nobody can guess another's code and read its answer).
pub fn insert(tx: &Tx, p: &PendingFeedback) -> Result<Feedback, Error> {
    let p = p.clone();
    let code = match p.code {
        Some(c) => c,
        None => {
            let t = tx.open_table(FEEDBACK)?;
            let day = p.entered_at.format("%y%m%d");
            let mut code = String::new();
            for _ in 0..16 {
                let c = format!(
                    "PA-{day}-{}",
                    motcua_core::codes::tracking_tag(rand::random())
                );
                if t.get(c.as_str())?.is_none() {
                    code = c;
                    break;
                }
            }
            if code.is_empty() {
                return Err(Error::internal("no free tracking code in 16 draws"));
            }
            code
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
        centre: p.centre,
        agency: None,
        answers: Vec::new(),
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
    let mut pending = prepare(
        &ctx.cal.get(),
        b,
        channel,
        received_at,
        now,
        by.as_ref().map(|s| s.user.username.clone()),
    )?;
    pending.centre = by
        .as_ref()
        .and_then(|s| s.user.agency.as_ref())
        .map(|a| a.to_string());
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

/// A feedback by tracking code (for the public view: no scope).
pub async fn load(ctx: &Ctx, code: String) -> Result<Feedback, Error> {
    if code.len() > 64 {
        return Err(not_found());
    }
    ctx.store
        .read(move |txn| Ok::<_, Error>(get(&txn.open_table(FEEDBACK)?, &code)?))
        .await?
        .ok_or_else(not_found)
}

fn not_found() -> Error {
    Error::not_found("phản ánh có mã này", "Feedback")
}

/// Whether `user` may read this feedback (with the sender's name and phone).
pub fn may_see(user: &User, f: &Feedback) -> bool {
    let own = user.agency.as_ref().map(|a| a.as_str());
    match user.role {
        Role::SystemAdmin => true,
        Role::CentreAdmin => own.is_none() || f.centre.is_none() || f.centre.as_deref() == own,
        Role::Receptionist => own.is_some() && f.centre.as_deref() == own,
        Role::Officer | Role::Head => own.is_some() && f.agency.as_ref().map(|a| a.as_str()) == own,
    }
}

/// A feedback as a staff member may read it: 404 when it is outside the account's scope.
pub async fn load_for(ctx: &Ctx, actor: &Actor, code: String) -> Result<Feedback, Error> {
    let f = load(ctx, code).await?;
    if may_see(&actor.user, &f) {
        Ok(f)
    } else {
        Err(not_found())
    }
}

/// What staff do with a feedback.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeedbackAction {
    Assign { officer: String },
    Answer { answer: String },
    Close,
}

fn conflict() -> Error {
    Error::new(
        Kind::Conflict,
        "feedback.state",
        "Phản ánh không ở trạng thái cho phép thao tác này.",
        "The feedback is not in a state that allows this.",
    )
}

fn no_such_officer(name: &str) -> Error {
    let name: String = name.chars().take(64).collect();
    Error::invalid(
        "feedback.officer",
        format!("Không có chuyên viên hoặc lãnh đạo đang làm việc với tên đăng nhập “{name}”."),
        format!("No active officer or head with the username “{name}”."),
    )
}

/// Assign (administrators; only while not yet answered, to a real, active officer or head, whose
/// agency then holds it), answer (administrators, and officers and heads of the assigned
/// agency; each answer is kept) or close (administrators, once answered). Outside the scope:
/// 404.
pub async fn act(
    ctx: &Ctx,
    actor: &Actor,
    code: String,
    a: FeedbackAction,
) -> Result<Feedback, Error> {
    let role = actor.user.role;
    let admin = matches!(role, Role::CentreAdmin | Role::SystemAdmin);
    let allowed = match &a {
        FeedbackAction::Assign { .. } | FeedbackAction::Close => admin,
        FeedbackAction::Answer { .. } => admin || matches!(role, Role::Officer | Role::Head),
    };
    if !allowed {
        return Err(Error::forbidden(
            "Vai trò của tài khoản này không được thực hiện thao tác này với phản ánh.",
            "This account's role may not do this to feedback.",
        ));
    }
    let a = match a {
        FeedbackAction::Answer { answer } => FeedbackAction::Answer {
            answer: motcua_core::text::free_text(&answer, motcua_core::feedback::MAX_CONTENT, true)
                .map_err(|e| match e {
                    motcua_core::text::TextError::Empty => Error::invalid(
                        "feedback.answer",
                        "Nội dung trả lời không được để trống.",
                        "The answer is required.",
                    ),
                    _ => Error::invalid(
                        "feedback.answer",
                        "Nội dung trả lời dài tối đa 2.000 ký tự, không chứa ký tự ẩn.",
                        "An answer has 2,000 characters at most, nothing hidden.",
                    ),
                })?,
        },
        FeedbackAction::Assign { officer } => FeedbackAction::Assign {
            officer: officer.trim().to_lowercase(),
        },
        other => other,
    };
    let now = ctx.clock.now_vn();
    let who = actor.clone();
    ctx.store
        .write(move |tx| {
            let mut t = tx.open_table(FEEDBACK)?;
            let found: Option<Feedback> = get(&t, &code)?;
            let Some(mut f) = found.filter(|f| may_see(&who.user, f)) else {
                return Err(not_found());
            };
            let name = match a.clone() {
                FeedbackAction::Assign { officer } => {
                    if !matches!(
                        f.status,
                        FeedbackStatus::Received | FeedbackStatus::Assigned
                    ) {
                        return Err(conflict());
                    }
                    let target: Option<User> = if super::accounts::username_shape_ok(&officer) {
                        get(&tx.open_table(USERS)?, &officer)?
                    } else {
                        None
                    };
                    let Some((target, agency)) = target
                        .filter(|u| !u.disabled && matches!(u.role, Role::Officer | Role::Head))
                        .and_then(|u| u.agency.clone().map(|a| (u, a)))
                    else {
                        return Err(no_such_officer(&officer));
                    };
                    f.assignee = Some(target.username);
                    f.agency = Some(agency);
                    f.status = FeedbackStatus::Assigned;
                    "assign_feedback"
                }
                FeedbackAction::Answer { answer } => {
                    if f.status == FeedbackStatus::Closed {
                        return Err(conflict());
                    }
                    f.answers.push(FeedbackAnswer {
                        at: now,
                        by: who.user.username.clone(),
                        text: answer.clone(),
                    });
                    f.answer = Some(answer);
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
