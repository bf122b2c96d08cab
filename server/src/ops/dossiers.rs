//! The dossier workflow: receive a dossier at a desk, act on it (every command of Art. 8 and 10,
//! decided by `motcua_core::workflow`), list what an account may see. Every action, refused ones
//! included, is audited.

use chrono::{DateTime, FixedOffset};
use motcua_core::workflow::{Command, Dossier, Receipt, WorkflowError, receive as receipt_event};
use motcua_core::{AgencyCode, CitizenId, DossierCode, Lang, NationalStatus};
use motcua_protocol::staff::{
    DossierList, DossierRow, ListQuery, ReceiveReply, ReceiveRequest, StatusLabel, StepLabel,
};
use redb::{ReadTransaction, ReadableTable};

use super::access::{may_act, may_see};
use super::passwords::lookup_secret;
use super::{Actor, Ctx, Error, Kind};
use crate::db::model::{Applicant, DossierRecord, Procedure, Role};
use crate::db::{
    AGENCIES, CODE_SEQ, DOSSIERS, IDX_AGENCY, IDX_CITIZEN, IDX_DUE, IDX_NAME, IDX_STATUS,
    PROCEDURES, Tx, get,
};

/// A national status with its labels.
pub fn status_label(s: NationalStatus) -> StatusLabel {
    StatusLabel {
        code: s.code(),
        vi: s.label(Lang::Vi).to_owned(),
        en: s.label(Lang::En).to_owned(),
    }
}

/// A step with its labels.
pub fn step_label(s: motcua_core::Step) -> StepLabel {
    StepLabel {
        key: s,
        vi: s.label(Lang::Vi).to_owned(),
        en: s.label(Lang::En).to_owned(),
    }
}

fn row(rec: &DossierRecord, now: DateTime<FixedOffset>) -> DossierRow {
    let st = &rec.state;
    DossierRow {
        code: rec.code.clone(),
        procedure_name: rec.procedure_name.clone(),
        applicant_name: rec.applicant.name.clone(),
        status: status_label(st.national_status()),
        step: step_label(st.step),
        received_at: st.received_at,
        appointment: st.due,
        overdue: st.is_overdue(now),
        transfer_due: Some(st.transfer_due),
        transfer_overdue: st.transfer_overdue_at(now),
    }
}

/// A dossier code as typed in a request.
pub fn parse_code(code: &str) -> Result<DossierCode, Error> {
    DossierCode::parse(code).map_err(|e| Error::domain(Kind::BadRequest, &e))
}

/// A dossier outside the account's scope is answered as a missing one: the answer does not tell
/// whether a code exists elsewhere (the audit log keeps the real reason).
pub fn out_of_scope() -> Error {
    Error::not_found("hồ sơ", "Dossier")
}

fn role_refused(cmd: &str) -> Error {
    Error::new(
        Kind::Forbidden,
        "auth.role",
        format!("Vai trò của tài khoản này không được thực hiện thao tác “{cmd}”."),
        format!("This account's role may not perform “{cmd}”."),
    )
}

/// How a workflow refusal is answered.
pub fn workflow_kind(e: &WorkflowError) -> Kind {
    match e {
        WorkflowError::IllegalTransition { .. }
        | WorkflowError::SupplementAlreadyRequested
        | WorkflowError::ConsultationsPending(_)
        | WorkflowError::ResumeAfterRefund
        | WorkflowError::RefundNotOwed
        | WorkflowError::ConsultationAlreadyOpen(_)
        | WorkflowError::NoSuchConsultation(_)
        | WorkflowError::NoticeNeedsApproval
        | WorkflowError::JointTasksPending(_)
        | WorkflowError::NoSuchJointTask(_) => Kind::Conflict,
        _ => Kind::Invalid,
    }
}

fn workflow(e: &WorkflowError) -> Error {
    Error::domain(workflow_kind(e), e)
}

/// The record, as of `txn`.
pub fn load(txn: &ReadTransaction, code: &str) -> Result<Option<DossierRecord>, Error> {
    Ok(get(&txn.open_table(DOSSIERS)?, code)?)
}

/// The most documents one receipt lists.
pub const MAX_DOCUMENTS: usize = 200;
/// The most copies of one document.
pub const MAX_COPIES: u32 = 100;

/// Check a receipt's applicant and documents; what is kept of them.
fn validate_receipt(
    b: &ReceiveRequest,
    year: i32,
) -> Result<(Applicant, Vec<crate::db::model::SubmittedDocument>), Error> {
    use motcua_core::contact;
    let contact = |e: contact::ContactError| Error::domain(Kind::Invalid, &e);
    let name = contact::name(&b.applicant.name).map_err(contact)?;
    let id = match b.applicant.id_kind.as_deref() {
        None | Some("cccd_cmnd") => CitizenId::parse_in_year(&b.applicant.citizen_id, year),
        Some("passport") => CitizenId::passport(&b.applicant.citizen_id),
        Some(other) => {
            let other: String = other.chars().take(40).collect();
            return Err(Error::invalid(
                "applicant.id_kind",
                format!("Loại giấy tờ “{other}” không hợp lệ (cccd_cmnd hoặc passport)."),
                format!("Unknown ID kind “{other}” (cccd_cmnd or passport)."),
            ));
        }
    }
    .map_err(|e| Error::domain(Kind::Invalid, &e))?;
    let bad_documents = || {
        Error::invalid(
            "documents",
            format!(
                "Danh sách giấy tờ không hợp lệ: mỗi giấy tờ cần có tên (tối đa 300 ký tự, không \
                 chứa ký tự ẩn), tối đa {MAX_COPIES} bản, tối đa {MAX_DOCUMENTS} giấy tờ."
            ),
            format!(
                "Invalid document list: each document needs a name (300 characters at most, \
                 nothing hidden), {MAX_COPIES} copies at most, {MAX_DOCUMENTS} documents at most."
            ),
        )
    };
    if b.documents.len() > MAX_DOCUMENTS {
        return Err(bad_documents());
    }
    let documents = b
        .documents
        .iter()
        .map(|d| {
            let name =
                motcua_core::text::free_text(&d.name, 300, false).map_err(|_| bad_documents())?;
            if d.copies > MAX_COPIES {
                return Err(bad_documents());
            }
            let file = match &d.file {
                Some(f) => {
                    Some(motcua_core::text::free_text(f, 500, false).map_err(|_| bad_documents())?)
                }
                None => None,
            };
            Ok(crate::db::model::SubmittedDocument {
                name,
                original: d.original,
                copies: d.copies,
                file,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let applicant = Applicant {
        name,
        citizen_id: id,
        phone: contact::phone(&b.applicant.phone)
            .map_err(contact)?
            .unwrap_or_default(),
        email: contact::email(&b.applicant.email)
            .map_err(contact)?
            .unwrap_or_default(),
        address: contact::address(&b.applicant.address)
            .map_err(contact)?
            .unwrap_or_default(),
    };
    Ok((applicant, documents))
}

/// Take the next code of `agency` on `date` inside `tx`.
pub fn next_code(
    tx: &Tx,
    agency: &AgencyCode,
    date: chrono::NaiveDate,
) -> Result<DossierCode, Error> {
    use chrono::Datelike;
    let mut seq = tx.open_table(CODE_SEQ)?;
    let day = date.year() as u32 * 10_000 + date.month() * 100 + date.day();
    let key = (agency.as_str(), day);
    let n = seq
        .get(key)?
        .map(|v| v.value())
        .unwrap_or(0)
        .saturating_add(1);
    let code =
        DossierCode::new(agency.clone(), date, n).map_err(|e| Error::domain(Kind::Conflict, &e))?;
    seq.insert(key, n)?;
    Ok(code)
}

/// Receive a dossier at the actor's desk: its code, lookup secret, appointment and transfer
/// deadline.
pub async fn receive(ctx: &Ctx, actor: &Actor, req: ReceiveRequest) -> Result<ReceiveReply, Error> {
    let desk = match (&actor.user.role, &actor.user.agency) {
        (Role::Receptionist, Some(a)) => a.clone(),
        _ => {
            return Err(Error::forbidden(
                "Chỉ cán bộ tiếp nhận của Bộ phận Một cửa được tiếp nhận hồ sơ.",
                "Only a one-stop desk's reception officer may receive dossiers.",
            ));
        }
    };
    let now = ctx.clock.now_vn();
    use chrono::Datelike;
    let (applicant, documents) = validate_receipt(&req, now.year())?;
    let submitted_at = match req.submitted_at {
        Some(t) if t > now => {
            return Err(Error::invalid(
                "submitted_at",
                "Thời điểm nộp hồ sơ không được ở tương lai.",
                "The submission time cannot be in the future.",
            ));
        }
        Some(t) => motcua_core::time::check(t).map_err(|e| Error::domain(Kind::Invalid, &e))?,
        None => now,
    };
    let cal = ctx.cal.get();
    let a = actor.clone();
    ctx.store
        .write(move |tx| {
            let procedure: Option<Procedure> = get(&tx.open_table(PROCEDURES)?, &req.procedure)?;
            let Some(procedure) = procedure else {
                return Err(Error::invalid(
                    "procedure.unknown",
                    format!("Không có thủ tục mã “{}” trong danh mục.", req.procedure),
                    format!("No procedure “{}” in the catalogue.", req.procedure),
                ));
            };
            if !procedure.channels.contains(&req.channel) {
                return Err(Error::invalid(
                    "procedure.channel",
                    format!(
                        "Thủ tục này không tiếp nhận hồ sơ theo hình thức “{}”.",
                        req.channel.label(Lang::Vi)
                    ),
                    format!(
                        "This procedure is not received “{}”.",
                        req.channel.label(Lang::En)
                    ),
                ));
            }
            let event = receipt_event(
                &cal,
                &Receipt {
                    channel: req.channel,
                    submitted_at,
                    processing_time: procedure.processing_time,
                    by: a.user.username.clone(),
                },
            )
            .map_err(|e| workflow(&e))?;
            let Some(state) = Dossier::from_receipt(&event) else {
                return Err(Error::internal("a receipt did not start a dossier"));
            };
            let code = next_code(tx, &desk, submitted_at.date_naive())?.to_string();
            let rec = DossierRecord {
                code: code.clone(),
                procedure_id: procedure.id.clone(),
                procedure_name: procedure.name.clone(),
                receiving_agency: desk.clone(),
                competent_agency: procedure.agency.clone(),
                applicant: applicant.clone(),
                documents: documents.clone(),
                secret: lookup_secret(),
                state,
                history: vec![event],
            };
            tx.put_dossier(None, &rec)?;
            tx.audit(a.entry(now, "receive", &code, "ok"))?;
            Ok(ReceiveReply {
                code,
                secret: rec.secret,
                received_at: rec.state.received_at,
                appointment: rec.state.due,
                transfer_due: rec.state.transfer_due,
                status: status_label(rec.state.national_status()),
            })
        })
        .await
}

/// Act on a dossier; the record afterwards.
pub async fn act(
    ctx: &Ctx,
    actor: &Actor,
    code: &DossierCode,
    cmd: Command,
) -> Result<DossierRecord, Error> {
    let code = code.to_string();
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    let a = actor.clone();
    ctx.store
        .write(move |tx| {
            let user = &a.user;
            let refuse = |e: Error| {
                let mut line = a.entry(now, cmd.name(), &code, &e.code);
                line.detail = e.message.en.clone();
                tx.audit_kept(line);
                Err(e)
            };
            let old: Option<DossierRecord> = get(&tx.open_table(DOSSIERS)?, &code)?;
            let Some(old) = old else {
                return refuse(Error::not_found("hồ sơ", "Dossier"));
            };
            // The consulted agency answers its own opinion (Art. 10.1b); everything else is the
            // dossier's own scope's.
            if !super::access::may_answer_consultation(user, &old, &cmd)
                && !super::access::may_complete_joint_task(user, &old, &cmd)
            {
                if !may_see(user, &old) {
                    tx.audit_kept(a.entry(now, cmd.name(), &code, "dossier.out_of_scope"));
                    return Err(out_of_scope());
                }
                if !may_act(user, &old, &cmd) {
                    return refuse(role_refused(cmd.name()));
                }
            }
            if let Command::ResolveAtOnce = &cmd {
                let p: Option<Procedure> =
                    get(&tx.open_table(PROCEDURES)?, old.procedure_id.as_str())?;
                if !p.is_some_and(|p| p.immediate) {
                    return refuse(Error::invalid(
                        "procedure.not_immediate",
                        "Thủ tục này không thuộc loại trả kết quả ngay (Điều 8.2): hãy chuyển cơ quan giải quyết.",
                        "This procedure does not give its result at once (Art. 8.2): transfer it to the agency.",
                    ));
                }
            }
            if let Command::Consult { agency, .. } = &cmd {
                if agency == old.handling_agency() {
                    return refuse(Error::invalid(
                        "agency.self",
                        "Không xin ý kiến chính cơ quan đang giải quyết hồ sơ: hãy chọn cơ quan khác.",
                        "An agency does not ask its own opinion: choose another agency.",
                    ));
                }
                if tx.open_table(AGENCIES)?.get(agency.as_str())?.is_none() {
                    return refuse(Error::invalid(
                        "agency.unknown",
                        format!("Không có cơ quan mã {agency}."),
                        format!("No agency with code {agency}."),
                    ));
                }
            }
            if let Command::AcceptAndTransfer { agency } = &cmd
                && tx.open_table(AGENCIES)?.get(agency.as_str())?.is_none()
            {
                return refuse(Error::invalid(
                    "agency.unknown",
                    format!("Không có cơ quan mã {agency}."),
                    format!("No agency with code {agency}."),
                ));
            }
            // A joint procedure goes to every participating agency the catalogue names, each
            // with its task and its time from now (Art. 10.1d).
            let expanded;
            let cmd = match &cmd {
                Command::AcceptAndTransfer { agency } => {
                    let p: Option<Procedure> =
                        get(&tx.open_table(PROCEDURES)?, old.procedure_id.as_str())?;
                    match p.filter(|p| !p.joint.is_empty()) {
                        Some(p) => match joint_transfer(&cal, &p, agency, old.state.legal_due(), now)
                        {
                            Ok(c) => {
                                expanded = c;
                                &expanded
                            }
                            Err(e) => return refuse(workflow(&e)),
                        },
                        None => &cmd,
                    }
                }
                _ => &cmd,
            };
            if let Command::TransferJoint { lead, parts } = &cmd {
                let agencies = tx.open_table(AGENCIES)?;
                for a in std::iter::once(lead).chain(parts.iter().map(|p| &p.agency)) {
                    if agencies.get(a.as_str())?.is_none() {
                        return refuse(Error::invalid(
                            "agency.unknown",
                            format!("Không có cơ quan mã {a}."),
                            format!("No agency with code {a}."),
                        ));
                    }
                }
            }
            let new_events = match old.state.decide(&cal, cmd, now, &user.username) {
                Ok(ev) => ev,
                Err(e) => return refuse(workflow(&e)),
            };
            let mut rec = old.clone();
            for e in new_events {
                rec.state.apply(&e);
                rec.history.push(e);
            }
            tx.put_dossier(Some(&old), &rec)?;
            tx.audit(a.entry(now, cmd.name(), &code, "ok"))?;
            Ok(rec)
        })
        .await
}

/// The joint transfer of a procedure whose catalogue entry names its participating agencies:
/// each part's deadline is its working days from `now`, within the dossier's due date.
pub(crate) fn joint_transfer(
    cal: &motcua_core::Calendar,
    p: &Procedure,
    lead: &motcua_core::AgencyCode,
    due: motcua_core::time::Instant,
    now: motcua_core::time::Instant,
) -> Result<Command, motcua_core::WorkflowError> {
    let start = cal.next_working_instant(now)?;
    let mut parts = Vec::with_capacity(p.joint.len());
    for s in &p.joint {
        let mut deadline = cal.due(
            start,
            motcua_core::ProcessingTime::WorkingDays(s.working_days.max(1)),
        )?;
        if due > now && deadline > due {
            deadline = due;
        }
        parts.push(motcua_core::workflow::JointPart {
            agency: s.agency.clone(),
            task: s.task.clone(),
            deadline,
            hand_to: s.hand_to.clone(),
        });
    }
    Ok(Command::TransferJoint {
        lead: lead.clone(),
        parts,
    })
}

/// Candidates one list request looks at most: a page of a rare filter stops here and says where
/// to go on, so that no request walks a million dossiers.
pub const MAX_SCAN: usize = 20_000;

/// A position in a list's index: the index key's leading part (a folded name, a due instant, a
/// status) where the source needs it, and the dossier code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    part: String,
    code: String,
}

impl Cursor {
    fn code(code: &str) -> Cursor {
        Cursor {
            part: String::new(),
            code: code.to_owned(),
        }
    }

    fn new(part: &str, code: &str) -> Cursor {
        Cursor {
            part: part.to_owned(),
            code: code.to_owned(),
        }
    }

    /// `part|code` as [`Cursor`]'s `Display` writes it (a code never holds `|`).
    pub fn parse(s: &str) -> Result<Cursor, Error> {
        let bad = || {
            Error::bad_request(
                "request.after",
                "Vị trí trang không hợp lệ; hãy tìm lại từ đầu.",
                "The page position is not valid; search again from the start.",
            )
        };
        if s.len() > 400 {
            return Err(bad());
        }
        let (part, code) = s.rsplit_once('|').ok_or_else(bad)?;
        if code.is_empty() || code.len() > 40 {
            return Err(bad());
        }
        Ok(Cursor::new(part, code))
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}|{}", self.part, self.code)
    }
}

/// Candidate codes from the most selective index, in index order.
enum Source {
    One(String),
    Citizen(String),
    Name(String),
    Overdue(i64),
    Status(u8),
    Agency(String),
    /// The statuses a dossier has before it is transferred.
    AtDesk,
    All,
}

/// A page of the dossiers the actor may see, filtered by `q`.
pub async fn list(ctx: &Ctx, actor: &Actor, q: ListQuery) -> Result<DossierList, Error> {
    let now = ctx.clock.now_vn();
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    if let Some(s) = q.status
        && NationalStatus::from_code(s).is_none()
    {
        return Err(Error::bad_request(
            "request.status",
            "Mã trạng thái phải từ 1 đến 10.",
            "The status code must be 1 to 10.",
        ));
    }
    let agency = match &q.agency {
        Some(a) => Some(AgencyCode::parse(a).map_err(|e| Error::domain(Kind::BadRequest, &e))?),
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
        None if q.transfer_overdue == Some(true) => Source::AtDesk,
        None => match (
            &agency,
            q.status,
            actor.user.role.is_admin(),
            &actor.user.agency,
        ) {
            (Some(a), _, _, _) => Source::Agency(a.to_string()),
            (None, _, false, Some(own)) => Source::Agency(own.to_string()),
            (None, Some(s), _, _) => Source::Status(s),
            _ => Source::All,
        },
    };
    let user = actor.user.clone();
    let after = q.after.as_deref().map(Cursor::parse).transpose()?;
    ctx.store
        .read(move |txn| {
            let dossiers = txn.open_table(DOSSIERS)?;
            let skip = if after.is_some() {
                0
            } else {
                (page - 1).saturating_mul(per_page)
            };
            let mut seen = 0usize;
            let mut scanned = 0usize;
            let mut items = Vec::new();
            let mut has_more = false;
            let mut next: Option<Cursor> = None;
            let mut consider = |at: Cursor| -> Result<bool, Error> {
                if scanned >= MAX_SCAN {
                    // Bounded work per page: go on from here next time.
                    has_more = true;
                    return Ok(false);
                }
                scanned += 1;
                let Some(rec): Option<DossierRecord> = get(&dossiers, at.code.as_str())? else {
                    next = Some(at);
                    return Ok(true);
                };
                let st = &rec.state;
                let keep = may_see(&user, &rec)
                    && q.status.is_none_or(|s| st.national_status().code() == s)
                    && agency
                        .as_ref()
                        .is_none_or(|a| &rec.receiving_agency == a || rec.handling_agency() == a)
                    && q.overdue.is_none_or(|o| st.is_overdue(now) == o)
                    && q.transfer_overdue
                        .is_none_or(|o| st.transfer_overdue_at(now) == o);
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
                next = Some(at);
                Ok(true)
            };
            use std::ops::Bound::{Excluded, Included, Unbounded};
            let from_code = |start: &str| -> String {
                after
                    .as_ref()
                    .map(|c| c.code.clone())
                    .unwrap_or_else(|| start.to_owned())
            };
            let excl = after.is_some();
            match &source {
                Source::One(c) => {
                    if after.is_none() {
                        consider(Cursor::code(c))?;
                    }
                }
                Source::Citizen(id) => {
                    let from = from_code("");
                    let lower = (id.as_str(), from.as_str());
                    let lower = if excl {
                        Excluded(lower)
                    } else {
                        Included(lower)
                    };
                    for item in txn
                        .open_table(IDX_CITIZEN)?
                        .range::<(&str, &str)>((lower, Unbounded))?
                    {
                        let (k, _) = item?;
                        let (i, c) = k.value();
                        if i != id || !consider(Cursor::code(c))? {
                            break;
                        }
                    }
                }
                Source::Name(prefix) => {
                    let (part, from) = match &after {
                        Some(c) => (c.part.clone(), c.code.clone()),
                        None => (prefix.clone(), String::new()),
                    };
                    let lower = (part.as_str(), from.as_str());
                    let lower = if excl {
                        Excluded(lower)
                    } else {
                        Included(lower)
                    };
                    for item in txn
                        .open_table(IDX_NAME)?
                        .range::<(&str, &str)>((lower, Unbounded))?
                    {
                        let (k, _) = item?;
                        let (n, c) = k.value();
                        if !n.starts_with(prefix.as_str()) || !consider(Cursor::new(n, c))? {
                            break;
                        }
                    }
                }
                Source::Overdue(ts) => {
                    let (part, from) = match &after {
                        Some(c) => (c.part.parse::<i64>().unwrap_or(i64::MIN), c.code.clone()),
                        None => (i64::MIN, String::new()),
                    };
                    let lower = (part, from.as_str());
                    let lower = if excl {
                        Excluded(lower)
                    } else {
                        Included(lower)
                    };
                    for item in txn
                        .open_table(IDX_DUE)?
                        .range::<(i64, &str)>((lower, Excluded((*ts, ""))))?
                    {
                        let (k, _) = item?;
                        let (due, c) = k.value();
                        if !consider(Cursor::new(&due.to_string(), c))? {
                            break;
                        }
                    }
                }
                Source::Status(s) => {
                    let from = from_code("");
                    let lower = (*s, from.as_str());
                    let lower = if excl {
                        Excluded(lower)
                    } else {
                        Included(lower)
                    };
                    for item in txn
                        .open_table(IDX_STATUS)?
                        .range::<(u8, &str)>((lower, Unbounded))?
                    {
                        let (k, _) = item?;
                        let (ks, c) = k.value();
                        if ks != *s || !consider(Cursor::code(c))? {
                            break;
                        }
                    }
                }
                Source::AtDesk => {
                    let idx = txn.open_table(IDX_STATUS)?;
                    let (first, from) = match &after {
                        Some(c) => (c.part.parse::<u8>().unwrap_or(0), c.code.clone()),
                        None => (0, String::new()),
                    };
                    'statuses: for s in [1u8, 2, 5, 6].into_iter().filter(|s| *s >= first) {
                        let resume = excl && s == first;
                        let lower = (s, if resume { from.as_str() } else { "" });
                        let lower = if resume {
                            Excluded(lower)
                        } else {
                            Included(lower)
                        };
                        for item in idx.range::<(u8, &str)>((lower, Unbounded))? {
                            let (k, _) = item?;
                            let (ks, c) = k.value();
                            if ks != s {
                                break;
                            }
                            if !consider(Cursor::new(&s.to_string(), c))? {
                                break 'statuses;
                            }
                        }
                    }
                }
                Source::Agency(a) => {
                    let from = from_code("");
                    let lower = (a.as_str(), from.as_str());
                    let lower = if excl {
                        Excluded(lower)
                    } else {
                        Included(lower)
                    };
                    for item in txn
                        .open_table(IDX_AGENCY)?
                        .range::<(&str, &str)>((lower, Unbounded))?
                    {
                        let (k, _) = item?;
                        let (ka, c) = k.value();
                        if ka != a || !consider(Cursor::code(c))? {
                            break;
                        }
                    }
                }
                Source::All => {
                    let from = from_code("");
                    let lower = if excl {
                        Excluded(from.as_str())
                    } else {
                        Unbounded
                    };
                    for item in txn
                        .open_table(DOSSIERS)?
                        .range::<&str>((lower, Unbounded))?
                    {
                        let (k, _) = item?;
                        if !consider(Cursor::code(k.value()))? {
                            break;
                        }
                    }
                }
            }
            let next = if has_more {
                next.map(|c| c.to_string())
            } else {
                None
            };
            Ok(DossierList {
                items,
                page,
                per_page,
                has_more,
                next,
                scanned,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::Cursor;
    use proptest::prelude::*;

    proptest! {
        /// A page position from a request never panics, and one this server wrote reads back.
        #[test]
        fn page_positions_parse_without_panics(s in "\\PC{0,500}", part in "[a-z 0-9]{0,60}",
                                               code in "[0-9A-Z.\\-]{1,40}") {
            let _ = Cursor::parse(&s);
            let c = Cursor::new(&part, &code);
            prop_assert_eq!(Cursor::parse(&c.to_string()).unwrap(), c);
        }
    }
}
