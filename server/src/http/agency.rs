//! The agencies in the browser (regulation Art. 10): a head sees what waits for assignment and
//! for approval and how many dossiers each officer holds; an officer sees the dossiers assigned
//! to them by legal due instant — the overdue first — and the paused ones apart. Every row opens
//! the dossier's page, where the commands of Art. 8 and 10 are forms.
//!
//! `/work` sends each account to its own worklist.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use motcua_protocol::staff::Role;

use super::board::{error_page, html, unreadable};
use super::desk::{ONE_PILE_ROWS, PileQuery, time_left};
use super::pages::PageStaff;
use super::{ApiError, Params};
use crate::AppState;
use crate::db::model::{DossierRecord, User};
use crate::db::{DOSSIERS, USERS, get as get_value};
use crate::ops::Error;
use crate::projections::desk::{AgencyPile, officers_load, pos_text, read_agency};

/// Rows a pile shows at most (a page of one pile shows [`ONE_PILE_ROWS`]).
const PILE_ROWS: usize = 25;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/work", get(home))
        .route("/agency", get(work))
        .route("/consultations/{code}", get(consultation))
        .route("/consultations/{code}/answer", axum::routing::post(answer))
}

/// Each account's worklist: the desk's, the agency's, or the search for admins.
async fn home(staff: PageStaff) -> Response {
    let to = match staff.actor.user.role {
        Role::Receptionist => "/desk/work",
        Role::Officer | Role::Head => "/agency",
        Role::CentreAdmin | Role::SystemAdmin => "/fleet",
    };
    Redirect::to(to).into_response()
}

/// A dossier in a pile.
pub(crate) struct Row {
    /// Where the row opens: the dossier, or for another agency's, the opinion asked.
    pub href: String,
    pub code: String,
    pub applicant: String,
    pub procedure: String,
    /// The instant the pile is sorted by, as shown.
    pub at: String,
    /// Working time left before the legal due instant, or past it.
    pub left: String,
    pub late: bool,
    /// The officer holding it, by name.
    pub officer: String,
}

pub(crate) struct Pile {
    pub id: &'static str,
    pub title_vi: &'static str,
    pub title_en: &'static str,
    pub when_vi: &'static str,
    pub when_en: &'static str,
    pub count: u64,
    pub rows: Vec<Row>,
    /// Where the pile goes on (`key|code`), when it holds more than shown.
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "agency_work.html")]
struct WorkPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    agency: String,
    head: bool,
    piles: Vec<Pile>,
    /// For a head: (officer's name, account, dossiers in hand).
    load: Vec<(String, String, u64)>,
    /// Only one pile is shown (a page further into it).
    one: bool,
}

fn pile_id(p: AgencyPile) -> &'static str {
    match p {
        AgencyPile::ToAssign => "assign",
        AgencyPile::ToApprove => "approve",
        AgencyPile::Working => "mine",
        AgencyPile::Paused => "paused",
        AgencyPile::Consulted => "consulted",
        AgencyPile::Joint => "joint",
    }
}

async fn work(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Params<PileQuery>, ApiError>,
) -> Response {
    let Ok(Params(q)) = q else {
        return unreadable();
    };
    let (only, after) = match q.read() {
        Ok(x) => x,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let only: Option<AgencyPile> = match only {
        None => None,
        Some(p) => match AgencyPile::ALL.into_iter().find(|x| pile_id(*x) == p) {
            Some(x) => Some(x),
            None => {
                let e = Error::not_found("danh sách này", "Pile");
                return error_page(super::error::status(e.kind), &e);
            }
        },
    };
    let limit = if only.is_some() {
        ONE_PILE_ROWS
    } else {
        PILE_ROWS
    };
    let user = staff.actor.user.clone();
    let (Some(agency), true) = (
        user.agency.clone(),
        matches!(user.role, Role::Officer | Role::Head),
    ) else {
        let e = Error::forbidden(
            "Trang này dành cho cán bộ và lãnh đạo cơ quan giải quyết.",
            "This page is for the agencies' officers and heads.",
        );
        return error_page(super::error::status(e.kind), &e);
    };
    let head = user.role == Role::Head;
    let mine = agency.clone();
    let now = st.clock.now_vn();
    let cal = st.cal.get();
    let agency_code = agency.to_string();
    let me = user.username.clone();
    let found = st
        .store
        .read(move |txn| {
            let dossiers = txn.open_table(DOSSIERS)?;
            let users = txn.open_table(USERS)?;
            let load_all = |codes: &[String]| -> Result<Vec<DossierRecord>, Error> {
                let mut out = Vec::with_capacity(codes.len());
                for c in codes {
                    if let Some(r) = get_value::<DossierRecord>(&dossiers, c.as_str())? {
                        out.push(r);
                    }
                }
                Ok(out)
            };
            let mut piles = Vec::new();
            let a = agency_code.as_str();
            let one = |p: AgencyPile, officer: &str| -> Result<_, Error> {
                let (mut found, count) =
                    read_agency(txn, a, p, officer, limit + 1, after.as_ref())?;
                let next = (found.len() > limit)
                    .then(|| {
                        found.truncate(limit);
                        found.last().map(pos_text)
                    })
                    .flatten();
                let codes: Vec<String> = found.into_iter().map(|(_, c)| c).collect();
                Ok((p, count, load_all(&codes)?, next))
            };
            let mut wanted = Vec::new();
            if head {
                wanted.extend([AgencyPile::ToAssign, AgencyPile::ToApprove]);
            }
            wanted.extend([
                AgencyPile::Joint,
                AgencyPile::Working,
                AgencyPile::Paused,
                AgencyPile::Consulted,
            ]);
            for p in wanted {
                if only.is_some_and(|o| o != p) {
                    continue;
                }
                let officer = match p {
                    AgencyPile::ToAssign
                    | AgencyPile::ToApprove
                    | AgencyPile::Consulted
                    | AgencyPile::Joint => "",
                    _ => me.as_str(),
                };
                let pile = one(p, officer)?;
                // A head who holds nothing sees only the agency's piles; nobody sees an empty
                // pile of opinions asked.
                if (head && !officer.is_empty()
                    || matches!(p, AgencyPile::Consulted | AgencyPile::Joint))
                    && pile.1 == 0
                {
                    continue;
                }
                piles.push(pile);
            }
            let mut load = Vec::new();
            if head && only.is_none() {
                for (account, n) in officers_load(txn, a, AgencyPile::Working)? {
                    let name = get_value::<User>(&users, account.as_str())?
                        .map(|u| u.full_name)
                        .unwrap_or_else(|| account.clone());
                    load.push((name, account, n));
                }
            }
            let names: Vec<(String, String)> = {
                let mut out: Vec<(String, String)> = Vec::new();
                for (_, _, recs, _) in &piles {
                    for r in recs {
                        if let Some(o) = &r.state.assignee
                            && !out.iter().any(|(a, _)| a == o)
                        {
                            let n = get_value::<User>(&users, o.as_str())?
                                .map(|u| u.full_name)
                                .unwrap_or_else(|| o.clone());
                            out.push((o.clone(), n));
                        }
                    }
                }
                out
            };
            let agency_name =
                get_value::<crate::db::model::Agency>(&txn.open_table(crate::db::AGENCIES)?, a)?
                    .map(|x| x.name)
                    .unwrap_or_else(|| a.to_owned());
            Ok::<_, Error>((piles, load, names, agency_name))
        })
        .await;
    let (piles, load, names, agency_name) = match found {
        Ok(x) => x,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let hm = |t: &chrono::DateTime<chrono::FixedOffset>| t.format("%H:%M %d/%m/%Y").to_string();
    let piles = piles
        .into_iter()
        .map(|(p, count, recs, next)| {
            let (id, title_vi, title_en, when_vi, when_en) = match p {
                AgencyPile::ToAssign => (
                    "assign",
                    "Chờ phân công",
                    "To assign",
                    "Hạn giải quyết",
                    "Due",
                ),
                AgencyPile::ToApprove => (
                    "approve",
                    "Chờ phê duyệt",
                    "To approve",
                    "Hạn giải quyết",
                    "Due",
                ),
                AgencyPile::Working => (
                    "mine",
                    "Hồ sơ đang xử lý (quá hạn trước)",
                    "In hand (overdue first)",
                    "Hạn giải quyết",
                    "Due",
                ),
                AgencyPile::Paused => (
                    "paused",
                    "Tạm dừng tính thời gian (chờ bổ sung, phí, dừng xử lý)",
                    "Paused (supplement, fees, stopped)",
                    "Tạm dừng từ",
                    "Paused since",
                ),
                AgencyPile::Consulted => (
                    "consulted",
                    "Cơ quan khác xin ý kiến (Điều 10.1b)",
                    "Opinions asked of us (Art. 10.1b)",
                    "Hạn trả lời",
                    "Answer by",
                ),
                AgencyPile::Joint => (
                    "joint",
                    "Phần việc liên thông của cơ quan (Điều 10.1d)",
                    "Our part of joint dossiers (Art. 10.1d)",
                    "Hạn phần việc",
                    "Part due",
                ),
            };
            let rows = recs
                .iter()
                .map(|r| {
                    let s = &r.state;
                    let due = s.legal_due();
                    let asked = s
                        .consultations
                        .iter()
                        .find(|c| c.agency == mine && c.answer.is_none());
                    let part = s
                        .joint
                        .iter()
                        .find(|j| j.agency == mine && j.result.is_none());
                    let (at, left, late) = if let (AgencyPile::Consulted, Some(c)) = (p, asked) {
                        let late = c.late_at(now);
                        let left = time_left(&cal, now, c.deadline, late);
                        (hm(&c.deadline), left, late)
                    } else if let (AgencyPile::Joint, Some(j)) = (p, part) {
                        let late = j.late_at(now);
                        let left = time_left(&cal, now, j.deadline, late);
                        (hm(&j.deadline), left, late)
                    } else if p == AgencyPile::Paused {
                        (
                            hm(&s.paused_at.unwrap_or(s.received_at)),
                            String::new(),
                            false,
                        )
                    } else {
                        let late = s.is_overdue(now);
                        let left = time_left(&cal, now, due, late);
                        (hm(&due), left, late)
                    };
                    Row {
                        href: if p == AgencyPile::Consulted {
                            format!("/consultations/{}", r.code)
                        } else {
                            format!("/desk/dossiers/{}", r.code)
                        },
                        code: r.code.clone(),
                        applicant: r.applicant.name.clone(),
                        procedure: r.procedure_name.clone(),
                        at,
                        left,
                        late,
                        officer: s
                            .assignee
                            .as_ref()
                            .map(|o| {
                                names
                                    .iter()
                                    .find(|(a, _)| a == o)
                                    .map(|(_, n)| n.clone())
                                    .unwrap_or_else(|| o.clone())
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect();
            Pile {
                id,
                title_vi,
                title_en,
                when_vi,
                when_en,
                count,
                rows,
                next,
            }
        })
        .collect();
    html(
        WorkPage {
            csrf: &staff.csrf,
            user: &user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            agency: agency_name,
            head,
            piles,
            load,
            one: only.is_some(),
        }
        .render()
        .unwrap_or_default(),
    )
}

/// A consultation as the consulted agency reads it: what the opinion needs — the procedure, the
/// asking agency, the question, the deadline, the applicant's name and the documents — and not
/// the rest of the dossier (no contact details, no secret, no timeline).
#[derive(Template)]
#[template(path = "consultation.html")]
struct ConsultationPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    code: String,
    procedure: String,
    applicant: String,
    documents: Vec<String>,
    asking: String,
    subject: String,
    asked_at: String,
    deadline: String,
    late: bool,
    answer: Option<String>,
    answered_at: String,
    error: Option<&'a Error>,
}

async fn render_consultation(
    st: &AppState,
    staff: &PageStaff,
    code: &str,
    error: Option<&Error>,
) -> Response {
    let user = staff.actor.user.clone();
    let code = match crate::ops::dossiers::parse_code(code) {
        Ok(c) => c.to_string(),
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let found = st
        .store
        .read(move |txn| {
            let rec = crate::ops::dossiers::load(txn, &code)?
                .filter(|r| crate::ops::access::consulted(&user, r))
                .ok_or_else(|| Error::not_found("ý kiến được xin về hồ sơ này", "Consultation"))?;
            let asking = get_value::<crate::db::model::Agency>(
                &txn.open_table(crate::db::AGENCIES)?,
                rec.handling_agency().as_str(),
            )?
            .map(|a| a.name)
            .unwrap_or_else(|| rec.handling_agency().to_string());
            Ok::<_, Error>((rec, asking))
        })
        .await;
    let (rec, asking) = match found {
        Ok(x) => x,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let mine = staff.actor.user.agency.clone();
    // The latest opinion asked of this agency.
    let Some(c) = rec
        .state
        .consultations
        .iter()
        .rev()
        .find(|c| Some(&c.agency) == mine.as_ref())
    else {
        let e = Error::not_found("ý kiến được xin về hồ sơ này", "Consultation");
        return error_page(super::error::status(e.kind), &e);
    };
    let hm = |t: &chrono::DateTime<chrono::FixedOffset>| t.format("%H:%M %d/%m/%Y").to_string();
    let now = st.clock.now_vn();
    super::board::html_page(
        ConsultationPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            code: rec.code.clone(),
            procedure: rec.procedure_name.clone(),
            applicant: rec.applicant.name.clone(),
            documents: rec.documents.iter().map(|d| d.name.clone()).collect(),
            asking,
            subject: c.subject.clone(),
            asked_at: hm(&c.asked_at),
            deadline: hm(&c.deadline),
            late: c.late_at(now),
            answer: c.answer.clone(),
            answered_at: c.answered_at.as_ref().map(hm).unwrap_or_default(),
            error,
        }
        .render()
        .unwrap_or_default(),
        error,
    )
}

async fn consultation(
    State(st): State<AppState>,
    staff: PageStaff,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> Response {
    render_consultation(&st, &staff, &code, None).await
}

#[derive(Debug, serde::Deserialize)]
struct AnswerForm {
    csrf: String,
    #[serde(default)]
    answer: String,
}

/// The consulted agency's answer, in its own name.
async fn answer(
    State(st): State<AppState>,
    staff: PageStaff,
    axum::extract::Path(code): axum::extract::Path<String>,
    f: Result<axum::Form<AnswerForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(axum::Form(f)) = f else {
        return unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let done = async {
        let parsed = crate::ops::dossiers::parse_code(&code)?;
        let agency = staff.actor.user.agency.clone().ok_or_else(|| {
            Error::forbidden(
                "Tài khoản này không thuộc cơ quan nào.",
                "This account belongs to no agency.",
            )
        })?;
        let answer: String = f
            .answer
            .chars()
            .take(motcua_core::workflow::MAX_TEXT + 1)
            .collect();
        crate::ops::dossiers::act(
            &st.ctx,
            &staff.actor,
            &parsed,
            motcua_core::Command::AnswerConsultation { agency, answer },
        )
        .await
    }
    .await;
    match done {
        Ok(rec) => Redirect::to(&format!("/consultations/{}", rec.code)).into_response(),
        Err(e) => render_consultation(&st, &staff, &code, Some(&e)).await,
    }
}
