//! The desk (Bộ phận Tiếp nhận và Trả kết quả) in the browser: find the procedure by words or
//! code (diacritics ignored), receive the dossier with the procedure's document checklist, and
//! print the receipt — Mẫu 01 of Circular 01/2018/TT-VPCP, "Giấy tiếp nhận hồ sơ và hẹn trả kết
//! quả" — as an A4 or A5 print view carrying the receipt QR the kiosks read.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use motcua_core::Lang;
use motcua_core::status::Channel;
use motcua_core::text::fold;
use motcua_protocol::staff::{ApplicantIn, ReceiveRequest, Role, SubmittedDocument};
use redb::ReadableTable;
use serde::Deserialize;

use super::ApiError;
use super::Params;
use super::board::{error_page, html, unreadable};
use super::pages::PageStaff;
use crate::AppState;
use crate::db::model::{DossierRecord, Procedure, User};
use crate::db::{PROCEDURES, USERS, decode, get as get_value};
use crate::ops::dossiers::{load, parse_code};
use crate::ops::{Error, Kind, access, dossiers};

/// Procedures a search shows at most.
const MAX_FOUND: usize = 30;
/// Documents a checklist takes at most.
const MAX_DOCUMENTS: usize = 40;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/desk", get(search))
        .route("/desk/receive", get(receive_form).post(receive))
        .route("/desk/work", get(work))
        .route("/desk/log", get(log_book))
        .route("/desk/dossiers/{code}/receipt", get(receipt))
        .route(
            "/desk/dossiers/{code}/receipt/print",
            axum::routing::post(print_receipt),
        )
        .route("/desk/dossiers/{code}", get(dossier))
        .route("/desk/dossiers/{code}/act", axum::routing::post(act))
        .route("/desk/dossiers/{code}/form/{kind}", get(notice))
        .route("/desk/dossiers/{code}/archive", get(archive))
}

fn status_of(e: &Error) -> StatusCode {
    super::error::status(e.kind)
}

fn desk_only(staff: &PageStaff) -> Result<(), Error> {
    if staff.actor.user.role == Role::Receptionist && staff.actor.user.agency.is_some() {
        Ok(())
    } else {
        Err(Error::forbidden(
            "Trang này dành cho cán bộ tiếp nhận của Bộ phận Một cửa.",
            "This page is for the one-stop desk's reception officers.",
        ))
    }
}

#[derive(Template)]
#[template(path = "desk.html")]
struct SearchPage<'a> {
    csrf: &'a str,
    user: &'a str,
    q: &'a str,
    found: Vec<Procedure>,
    searched: bool,
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// The procedures whose name, field, national code or id hold every word of `q` (folded).
async fn find(st: &AppState, q: &str) -> Result<Vec<Procedure>, Error> {
    let words: Vec<String> = fold(q).split_whitespace().map(str::to_owned).collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    st.store
        .read(move |txn| {
            let mut out = Vec::new();
            for item in txn.open_table(PROCEDURES)?.iter()? {
                let p: Procedure = decode(item?.1.value())?;
                let hay = fold(&format!(
                    "{} {} {} {}",
                    p.name, p.field, p.national_code, p.id
                ));
                if words.iter().all(|w| hay.contains(w.as_str())) {
                    out.push(p);
                    if out.len() >= MAX_FOUND {
                        break;
                    }
                }
            }
            Ok(out)
        })
        .await
}

async fn search(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Params<SearchQuery>, ApiError>,
) -> Response {
    let Ok(Params(q)) = q else {
        return unreadable();
    };
    if let Err(e) = desk_only(&staff) {
        return error_page(status_of(&e), &e);
    }
    let q_text: String = q.q.chars().take(100).collect();
    // A dossier code opens that dossier.
    if let Ok(code) = motcua_core::DossierCode::parse(q_text.trim()) {
        return Redirect::to(&format!("/desk/dossiers/{code}")).into_response();
    }
    let found = match find(&st, &q_text).await {
        Ok(f) => f,
        Err(e) => return error_page(status_of(&e), &e),
    };
    html(
        SearchPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            q: &q_text,
            searched: !q_text.trim().is_empty(),
            found,
        }
        .render()
        .unwrap_or_default(),
    )
}

/// A row of the checklist as the form shows it.
struct DocRow {
    name: String,
    originals: u32,
    copies: u32,
    received: bool,
    original: bool,
    count: u32,
}

#[derive(Template)]
#[template(path = "desk_receive.html")]
struct ReceivePage<'a> {
    csrf: &'a str,
    user: &'a str,
    p: &'a Procedure,
    docs: Vec<DocRow>,
    f: &'a ReceiveForm,
    error: Option<&'a Error>,
}

impl ReceivePage<'_> {
    fn channel_label(&self, c: &Channel) -> &'static str {
        c.label(Lang::Vi)
    }

    fn channel_en(&self, c: &Channel) -> &'static str {
        c.label(Lang::En)
    }

    fn channel_value(&self, c: &Channel) -> &'static str {
        match c {
            Channel::Direct => "direct",
            Channel::Postal => "postal",
            Channel::Online => "online",
        }
    }
}

/// The receive form as posted: applicant fields, the channel, and per checklist row `doc{i}`
/// (received), `orig{i}` (an original), `count{i}` (how many).
#[derive(Debug, Default)]
struct ReceiveForm {
    csrf: String,
    procedure: String,
    name: String,
    citizen_id: String,
    phone: String,
    email: String,
    address: String,
    channel: String,
    rest: std::collections::HashMap<String, String>,
}

/// Fields a receive form carries at most (the applicant's and three per checklist row).
const MAX_FIELDS: usize = 16 + 3 * MAX_DOCUMENTS;

impl ReceiveForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> ReceiveForm {
        let mut f = ReceiveForm::default();
        for (k, v) in pairs.into_iter().take(MAX_FIELDS) {
            let v: String = v.chars().take(400).collect();
            match k.as_str() {
                "csrf" => f.csrf = v,
                "procedure" => f.procedure = v,
                "name" => f.name = v,
                "citizen_id" => f.citizen_id = v,
                "phone" => f.phone = v,
                "email" => f.email = v,
                "address" => f.address = v,
                "channel" => f.channel = v,
                _ if k.len() <= 12 => {
                    f.rest.insert(k, v);
                }
                _ => {}
            }
        }
        f
    }
}

#[derive(Debug, Deserialize)]
struct ProcedureQuery {
    procedure: String,
}

async fn procedure(st: &AppState, id: &str) -> Result<Procedure, Error> {
    let id: String = id.chars().take(100).collect();
    st.store
        .read(move |txn| get_value::<Procedure>(&txn.open_table(PROCEDURES)?, id.as_str()))
        .await?
        .ok_or_else(|| Error::not_found("thủ tục có mã này", "Procedure"))
}

fn doc_rows(p: &Procedure, f: Option<&ReceiveForm>) -> Vec<DocRow> {
    p.documents
        .iter()
        .take(MAX_DOCUMENTS)
        .enumerate()
        .map(|(i, d)| {
            let field = |k: &str| f.and_then(|f| f.rest.get(&format!("{k}{i}")));
            DocRow {
                name: d.name.clone(),
                originals: d.originals,
                copies: d.copies,
                received: f.is_none() || field("doc").is_some(),
                original: match f {
                    None => d.originals > 0,
                    Some(_) => field("orig").is_some(),
                },
                count: field("count")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or((d.originals + d.copies).max(1)),
            }
        })
        .collect()
}

fn render_receive(
    staff: &PageStaff,
    p: &Procedure,
    f: &ReceiveForm,
    posted: bool,
    error: Option<&Error>,
) -> Response {
    let page = ReceivePage {
        csrf: &staff.csrf,
        user: &staff.actor.user.full_name,
        p,
        docs: doc_rows(p, posted.then_some(f)),
        f,
        error,
    };
    super::board::html_page(page.render().unwrap_or_default(), error)
}

async fn receive_form(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Params<ProcedureQuery>, ApiError>,
) -> Response {
    let Ok(Params(q)) = q else {
        return unreadable();
    };
    if let Err(e) = desk_only(&staff) {
        return error_page(status_of(&e), &e);
    }
    match procedure(&st, &q.procedure).await {
        Ok(p) => {
            let f = ReceiveForm {
                procedure: p.id.clone(),
                channel: "direct".into(),
                ..ReceiveForm::default()
            };
            render_receive(&staff, &p, &f, false, None)
        }
        Err(e) => error_page(status_of(&e), &e),
    }
}

fn channel_of(s: &str) -> Result<Channel, Error> {
    match s {
        "direct" => Ok(Channel::Direct),
        "postal" => Ok(Channel::Postal),
        "online" => Ok(Channel::Online),
        _ => Err(Error::invalid(
            "channel",
            "Hãy chọn cách nộp hồ sơ.",
            "Choose how the dossier was submitted.",
        )),
    }
}

async fn receive(
    State(st): State<AppState>,
    staff: PageStaff,
    pairs: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(pairs)) = pairs else {
        return unreadable();
    };
    let f = ReceiveForm::from_pairs(pairs);
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    if let Err(e) = desk_only(&staff) {
        return error_page(status_of(&e), &e);
    }
    let p = match procedure(&st, &f.procedure).await {
        Ok(p) => p,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let documents: Vec<SubmittedDocument> = doc_rows(&p, Some(&f))
        .into_iter()
        .filter(|d| d.received)
        .map(|d| SubmittedDocument {
            name: d.name,
            original: d.original,
            copies: d.count.clamp(1, 99),
            file: None,
        })
        .collect();
    let req = match channel_of(&f.channel) {
        Ok(channel) => ReceiveRequest {
            procedure: p.id.clone(),
            applicant: ApplicantIn {
                name: f.name.clone(),
                citizen_id: f.citizen_id.clone(),
                id_kind: None,
                phone: f.phone.clone(),
                email: f.email.clone(),
                address: f.address.clone(),
            },
            channel,
            documents,
            submitted_at: None,
        },
        Err(e) => return render_receive(&staff, &p, &f, true, Some(&e)),
    };
    let at_once = p.immediate && f.rest.contains_key("at_once");
    match dossiers::receive(&st.ctx, &staff.actor, req).await {
        Ok(r) if at_once => {
            // Art. 8.2: settled at the desk and recorded; no receipt unless asked for.
            let settled = match parse_code(&r.code) {
                Ok(code) => {
                    dossiers::act(
                        &st.ctx,
                        &staff.actor,
                        &code,
                        motcua_core::Command::ResolveAtOnce,
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            match settled {
                Ok(_) => Redirect::to(&format!("/desk/dossiers/{}", r.code)).into_response(),
                Err(e) => render_dossier(&st, &staff, &r.code, Some(&e)).await,
            }
        }
        Ok(r) => Redirect::to(&format!("/desk/dossiers/{}/receipt", r.code)).into_response(),
        Err(e) => render_receive(&staff, &p, &f, true, Some(&e)),
    }
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage<'a> {
    r: &'a DossierRecord,
    centre: String,
    officer: String,
    a5: bool,
    qr: String,
    /// The procedure's processing time: `15 ngày làm việc`.
    duration: String,
    /// The officer's desk has a thermal printer: the page offers to print on it.
    thermal: bool,
    csrf: &'a str,
    /// What became of a print on the thermal printer: `ok`, or an error's message.
    printed: Option<(bool, String)>,
}

impl ReceiptPage<'_> {
    fn channel(&self) -> &'static str {
        self.r.state.channel.label(Lang::Vi)
    }

    /// `08 giờ 30 phút, ngày 01/12/2026`.
    fn at(&self, t: &chrono::DateTime<chrono::FixedOffset>) -> String {
        t.format("%H giờ %M phút, ngày %d/%m/%Y").to_string()
    }
}

/// What a receipt shows: the dossier, the officer who received it, the centre, the processing
/// time.
struct ReceiptData {
    rec: DossierRecord,
    officer: String,
    centre: String,
    duration: String,
}

/// The receipt of `code` for `user`: only the desk that received it (the receipt carries the
/// lookup secret).
async fn receipt_data(st: &AppState, user: &User, code: &str) -> Result<ReceiptData, Error> {
    let code = parse_code(code)?.to_string();
    let user = user.clone();
    st.store
        .read(move |txn| {
            let rec =
                load(txn, &code)?.ok_or_else(|| Error::not_found("hồ sơ có mã này", "Dossier"))?;
            let desk = user.role == Role::Receptionist
                && user.agency.as_ref() == Some(&rec.receiving_agency);
            if !desk {
                return Err(Error::not_found("hồ sơ có mã này", "Dossier"));
            }
            let officer_account = rec
                .history
                .first()
                .map(|e| e.by.clone())
                .unwrap_or_default();
            let officer: Option<User> =
                get_value(&txn.open_table(USERS)?, officer_account.as_str())?;
            let agency: Option<crate::db::model::Agency> = get_value(
                &txn.open_table(crate::db::AGENCIES)?,
                rec.receiving_agency.as_str(),
            )?;
            let procedure: Option<Procedure> =
                get_value(&txn.open_table(PROCEDURES)?, rec.procedure_id.as_str())?;
            let duration = match procedure.map(|p| p.processing_time) {
                Some(motcua_core::ProcessingTime::WorkingDays(n)) => format!("{n} ngày làm việc"),
                Some(motcua_core::ProcessingTime::WorkingHours(n)) => format!("{n} giờ làm việc"),
                None => String::new(),
            };
            Ok::<_, Error>(ReceiptData {
                rec,
                officer: officer.map(|u| u.full_name).unwrap_or(officer_account),
                centre: agency.map(|a| a.name).unwrap_or_default(),
                duration,
            })
        })
        .await
}

/// The receipt QR's payload: the drivers' own, which the kiosks read.
fn receipt_payload(rec: &DossierRecord) -> String {
    match motcua_core::DossierCode::parse(&rec.code) {
        Ok(c) => motcua_drivers::qr::own_payload(&c, Some(&rec.secret)),
        Err(_) => rec.code.clone(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiptQuery {
    #[serde(default)]
    size: Option<String>,
}

fn render_receipt(
    st: &AppState,
    staff: &PageStaff,
    d: &ReceiptData,
    a5: bool,
    printed: Option<(bool, String)>,
) -> Response {
    let user = &staff.actor.user;
    let thermal = st
        .config
        .desk_printer(&user.username, user.agency.as_ref().map(|a| a.as_str()))
        .is_some();
    html(
        ReceiptPage {
            qr: super::booking::qr_svg(&receipt_payload(&d.rec)),
            r: &d.rec,
            centre: d.centre.clone(),
            officer: d.officer.clone(),
            a5,
            duration: d.duration.clone(),
            thermal,
            csrf: &staff.csrf,
            printed,
        }
        .render()
        .unwrap_or_default(),
    )
}

/// Mẫu 01 as a print view: A4 by default, A5 with `size=a5`.
async fn receipt(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(code): Path<String>,
    q: Result<Params<ReceiptQuery>, ApiError>,
) -> Response {
    let Ok(Params(q)) = q else {
        return unreadable();
    };
    let a5 = match q.size.as_deref() {
        None | Some("a4") => false,
        Some("a5") => true,
        Some(_) => {
            let e = Error::new(
                Kind::BadRequest,
                "page.size",
                "Khổ giấy là a4 hoặc a5.",
                "The paper size is a4 or a5.",
            );
            return error_page(status_of(&e), &e);
        }
    };
    match receipt_data(&st, &staff.actor.user, &code).await {
        Ok(d) => render_receipt(&st, &staff, &d, a5, None),
        Err(e) => error_page(status_of(&e), &e),
    }
}

/// The receipt as a thermal slip: what the visitor needs to come back and to look it up.
fn receipt_slip(d: &ReceiptData) -> motcua_core::slip::Slip {
    use motcua_core::slip::{Align, Slip, TextLine, TextSize};
    let r = &d.rec;
    let at = |t: &chrono::DateTime<chrono::FixedOffset>| t.format("%H:%M %d/%m/%Y").to_string();
    let mut slip = Slip::new()
        .text(TextLine {
            text: d.centre.clone(),
            size: TextSize::Normal,
            bold: true,
            align: Align::Center,
        })
        .title("GIẤY TIẾP NHẬN HỒ SƠ")
        .text(TextLine {
            text: "và hẹn trả kết quả (Mẫu 01)".into(),
            size: TextSize::Normal,
            bold: false,
            align: Align::Center,
        })
        .separator()
        .key_value("Mã hồ sơ", r.code.clone())
        .key_value("Mã tra cứu", r.secret.clone())
        .line(format!("Người nộp: {}", r.applicant.name))
        .line(format!("Thủ tục: {}", r.procedure_name))
        .key_value("Tiếp nhận", at(&r.state.received_at))
        .key_value("Hẹn trả", at(&r.state.due));
    if !d.duration.is_empty() {
        slip = slip.key_value("Thời hạn", d.duration.clone());
    }
    slip.line(format!("Cán bộ tiếp nhận: {}", d.officer))
        .separator()
        .qr(receipt_payload(r))
        .text(TextLine {
            text: "Quét mã QR tại kiosk để tra cứu. Giữ kín mã tra cứu.".into(),
            size: TextSize::Small,
            bold: false,
            align: Align::Center,
        })
        .feed(2)
        .cut()
}

/// What the desk reads when its printer fails.
fn printer_error(e: &motcua_drivers::transport::PrinterError) -> Error {
    use motcua_drivers::status::PrinterStatus;
    use motcua_drivers::transport::PrinterError as P;
    let (vi, en) = match e {
        P::NotReady(PrinterStatus::PaperOut) => (
            "Máy in của quầy đã hết giấy: thay cuộn giấy rồi in lại, hoặc in bản A4.",
            "The desk's printer is out of paper: load a roll and print again, or print the A4.",
        ),
        P::NotReady(PrinterStatus::CoverOpen) => (
            "Nắp máy in của quầy đang mở: đóng nắp rồi in lại.",
            "The desk printer's cover is open: close it and print again.",
        ),
        P::NotReady(_) => (
            "Máy in của quầy chưa sẵn sàng: kiểm tra máy in rồi in lại, hoặc in bản A4.",
            "The desk's printer is not ready: check it and print again, or print the A4.",
        ),
        _ => (
            "Không in được trên máy in của quầy (máy tắt, rút dây hoặc không phản hồi): kiểm tra máy in rồi in lại, hoặc in bản A4.",
            "The desk's printer could not print (off, unplugged or not answering): check it and print again, or print the A4.",
        ),
    };
    Error::new(Kind::Unavailable, "printer.desk", vi, en)
}

#[derive(Debug, Deserialize)]
struct PrintForm {
    csrf: String,
}

/// Print the receipt on the officer's desk printer; the receipt page again, saying how it went.
async fn print_receipt(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(code): Path<String>,
    f: Result<Form<PrintForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let d = match receipt_data(&st, &staff.actor.user, &code).await {
        Ok(d) => d,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let user = &staff.actor.user;
    let Some(uri) = st
        .config
        .desk_printer(&user.username, user.agency.as_ref().map(|a| a.as_str()))
        .map(str::to_owned)
    else {
        let e = Error::not_found("máy in của quầy", "Desk printer");
        return error_page(status_of(&e), &e);
    };
    let profile = st.config.desk_printer_profile.clone();
    let slip = receipt_slip(&d);
    let done = tokio::task::spawn_blocking(move || {
        use motcua_drivers::transport::{Printer, Target};
        let target = Target::parse(&uri)?;
        let profile = motcua_drivers::profile::Profile::bundled(&profile)
            .map_err(|_| motcua_drivers::transport::PrinterError::Target(uri.clone()))?;
        Printer::new(target, profile).print(&slip).map(drop)
    })
    .await;
    let printed = match done {
        Ok(Ok(())) => (
            true,
            "Đã in giấy tiếp nhận trên máy in của quầy. · Printed on the desk's printer."
                .to_owned(),
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "desk printer");
            let e = printer_error(&e);
            (false, format!("{} · {}", e.message.vi, e.message.en))
        }
        Err(e) => {
            let e = Error::internal(e);
            (false, format!("{} · {}", e.message.vi, e.message.en))
        }
    };
    let ok = printed.0;
    let mut res = render_receipt(&st, &staff, &d, false, Some(printed));
    if !ok {
        *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    }
    res
}

/// A dossier, its centre's name and the full names of the staff in its history, for a page.
struct Loaded {
    rec: DossierRecord,
    centre: String,
    /// The handling agency's name (the competent agency's before the transfer).
    agency: String,
    /// Its procedure gives the result at once (Art. 8.2).
    immediate: bool,
    /// The names of the agencies consulted or taking part (liên thông): (code, name).
    consulted: Vec<(String, String)>,
    /// A joint procedure's participating agencies as the catalogue names them, before the
    /// transfer: (agency name, task, working days).
    joint_plan: Vec<(String, String, u32)>,
    /// How long its procedure's closed dossiers are kept (Art. 23.1), when the catalogue says.
    retention: Option<crate::db::model::Retention>,
    /// (account, full name).
    names: Vec<(String, String)>,
}

impl Loaded {
    /// The year the dossier closed (its last event's).
    fn closed_year(&self) -> i32 {
        use chrono::Datelike;
        self.rec
            .history
            .last()
            .map(|e| e.at.year())
            .unwrap_or_else(|| self.rec.state.received_at.year())
    }

    /// Its retention in words (Art. 23.1), with the last year it is kept through.
    fn retention_text(&self, lang: Lang) -> String {
        match self.retention {
            Some(r) => match (r.keep_through(self.closed_year()), lang) {
                (Some(y), Lang::Vi) => format!("{} (đến hết năm {y})", r.label(lang)),
                (Some(y), Lang::En) => format!("{} (through {y})", r.label(lang)),
                (None, _) => r.label(lang),
            },
            None if lang == Lang::Vi => "chưa xác định trong danh mục thủ tục".into(),
            None => "not set in the procedure catalogue".into(),
        }
    }

    /// A consulted agency's name (its code when unknown).
    fn agency_name(&self, code: &str) -> String {
        self.consulted
            .iter()
            .find(|(a, _)| a == code)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_owned())
    }

    fn name_of(&self, account: &str) -> String {
        self.names
            .iter()
            .find(|(a, _)| a == account)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| account.to_owned())
    }
}

/// Load `code` for `user`: not found when it may not see it.
async fn load_for(st: &AppState, user: &User, code: &str) -> Result<Loaded, Error> {
    let code = parse_code(code)?.to_string();
    let user = user.clone();
    st.store
        .read(move |txn| {
            let rec = load(txn, &code)?
                .filter(|r| access::may_see(&user, r))
                .ok_or_else(|| Error::not_found("hồ sơ có mã này", "Dossier"))?;
            let users = txn.open_table(USERS)?;
            let mut names: Vec<(String, String)> = Vec::new();
            let accounts = rec.history.iter().flat_map(|e| {
                let assigned = match &e.kind {
                    motcua_core::EventKind::Assigned { officer } => Some(officer.as_str()),
                    _ => None,
                };
                std::iter::once(e.by.as_str()).chain(assigned)
            });
            for account in accounts {
                if names.iter().any(|(a, _)| a == account) {
                    continue;
                }
                if let Some(u) = get_value::<User>(&users, account)? {
                    names.push((account.to_owned(), u.full_name));
                }
            }
            let agencies = txn.open_table(crate::db::AGENCIES)?;
            let name = |code: &str| -> Result<String, Error> {
                Ok(get_value::<crate::db::model::Agency>(&agencies, code)?
                    .map(|a| a.name)
                    .unwrap_or_else(|| code.to_owned()))
            };
            let procedure =
                get_value::<Procedure>(&txn.open_table(PROCEDURES)?, rec.procedure_id.as_str())?;
            let immediate = procedure.as_ref().is_some_and(|p| p.immediate);
            let mut joint_plan = Vec::new();
            if rec.state.agency.is_none() {
                for j in procedure.iter().flat_map(|p| &p.joint) {
                    joint_plan.push((name(j.agency.as_str())?, j.task.clone(), j.working_days));
                }
            }
            let mut consulted = Vec::new();
            let involved = rec
                .state
                .consultations
                .iter()
                .map(|c| &c.agency)
                .chain(rec.state.joint.iter().flat_map(|j| [&j.agency, &j.hand_to]));
            for a in involved {
                let code = a.to_string();
                if !consulted.iter().any(|(a, _): &(String, String)| *a == code) {
                    consulted.push((code.clone(), name(&code)?));
                }
            }
            Ok(Loaded {
                retention: procedure.as_ref().and_then(|p| p.retention),
                immediate,
                joint_plan,
                consulted,
                centre: name(rec.receiving_agency.as_str())?,
                agency: name(rec.handling_agency().as_str())?,
                rec,
                names,
            })
        })
        .await
}

/// A line of a dossier's timeline.
struct Line {
    at: String,
    what_vi: &'static str,
    what_en: &'static str,
    by: String,
    /// What the event carried that a reader needs: the officer, the reason, the new date.
    detail: String,
}

/// A dossier's history as a timeline: each event with what it carried (an answer to an opinion
/// judged against the deadline it was asked by).
fn timeline(d: &Loaded) -> Vec<Line> {
    let mut asked: Vec<(String, motcua_core::time::Instant)> = Vec::new();
    d.rec
        .history
        .iter()
        .map(|e| {
            if let motcua_core::EventKind::ConsultationRequested {
                agency, deadline, ..
            } = &e.kind
            {
                asked.push((agency.to_string(), *deadline));
            }
            Line {
                at: e.at.format("%H:%M %d/%m/%Y").to_string(),
                what_vi: e.kind.label(Lang::Vi),
                what_en: e.kind.label(Lang::En),
                by: d.name_of(&e.by),
                detail: detail(d, e, &asked),
            }
        })
        .collect()
}

/// What an event carried, as a timeline shows it.
fn detail(
    d: &Loaded,
    e: &motcua_core::Event,
    asked: &[(String, motcua_core::time::Instant)],
) -> String {
    use motcua_core::EventKind as K;
    let kind = &e.kind;
    let hm = |t: &motcua_core::time::Instant| t.format("%H:%M %d/%m/%Y").to_string();
    match kind {
        K::Assigned { officer } => d.name_of(officer),
        K::SupplementRequested { items } => items
            .iter()
            .map(|i| i.document.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        K::Refused { reason }
        | K::SentBack { reason }
        | K::Rejected { reason }
        | K::Withdrawn { reason }
        | K::Stopped { reason } => reason.clone(),
        K::ConsultationRequested {
            agency,
            subject,
            deadline,
        } => format!(
            "{}: {subject} (hạn {})",
            d.agency_name(agency.as_str()),
            hm(deadline)
        ),
        K::ConsultationAnswered { agency, answer } => {
            // Late when given after the deadline of the opinion asked (Art. 10.1b).
            let late = asked
                .iter()
                .rev()
                .find(|(a, _)| a == agency.as_str())
                .is_some_and(|(_, deadline)| e.at > *deadline);
            format!(
                "{}: {answer}{}",
                d.agency_name(agency.as_str()),
                if late {
                    " (trả lời muộn · late)"
                } else {
                    ""
                }
            )
        }
        K::VerificationScheduled(v) => format!("{} · {}", hm(&v.at), v.place),
        K::FeeRequested {
            amount,
            description,
        } => format!("{} đồng · {description}", thousands(*amount)),
        K::FeePaid { amount, .. } => format!("{} đồng", thousands(*amount)),
        K::FeeRefunded { amount, reason } => format!("{} đồng · {reason}", thousands(*amount)),
        K::Apologized {
            reason, new_due, ..
        } => format!("hẹn mới {} · {reason}", hm(new_due)),
        K::Returned { channel } => channel.label(Lang::Vi).to_owned(),
        K::NoticeDrafted { notice } => match notice {
            motcua_core::workflow::Notice::Supplement { items } => format!(
                "Yêu cầu bổ sung · Supplement: {}",
                items
                    .iter()
                    .map(|i| i.document.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            motcua_core::workflow::Notice::Ineligible { reason } => {
                format!("Không đủ điều kiện · Ineligible: {reason}")
            }
        },
        K::TransferredJoint { lead, tasks } => format!(
            "Chủ trì · Lead: {}; {}",
            d.agency_name(lead.as_str()),
            tasks
                .iter()
                .map(|t| format!(
                    "{}: {} (hạn {})",
                    d.agency_name(t.agency.as_str()),
                    t.task,
                    hm(&t.deadline)
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        K::JointTaskDone { agency, result } => {
            let task = d.rec.state.joint.iter().find(|j| &j.agency == agency);
            let late = task.is_some_and(|j| e.at > j.deadline);
            format!(
                "{}: {result}{}{}",
                d.agency_name(agency.as_str()),
                task.map(|j| format!(" → {}", d.agency_name(j.hand_to.as_str())))
                    .unwrap_or_default(),
                if late { " (muộn · late)" } else { "" }
            )
        }
        _ => String::new(),
    }
}

/// A participating agency's part of a joint dossier, as its page shows it.
struct JointRow {
    agency: String,
    task: String,
    deadline: String,
    hand_to: String,
    result: String,
    done_at: String,
    late: bool,
}

/// A notice on its way (Art. 20.2), as the page shows it.
struct NoticeView {
    supplement: bool,
    approved: bool,
    drafted_by: String,
    /// The documents asked for (document, why, what to do), or the written reason.
    items: Vec<(String, String, String)>,
    reason: String,
}

#[derive(Template)]
#[template(path = "desk_dossier.html")]
struct DossierPage<'a> {
    csrf: &'a str,
    user: &'a str,
    d: &'a Loaded,
    lines: Vec<Line>,
    step_vi: &'static str,
    step_en: &'static str,
    /// The receiving desk's own dossier (it prints the receipt).
    desk: bool,
    /// The user works at a desk (the navigation's links).
    nav_desk: bool,
    here: String,
    transfer_overdue: bool,
    overdue: bool,
    now: motcua_core::time::Instant,
    error: Option<&'a Error>,
    /// The actions the user may take now.
    can: Vec<&'static str>,
    /// The handling agency's officers and heads: (account, full name).
    officers: Vec<(String, String)>,
    /// Agencies that may be consulted: (code, name).
    agencies: Vec<(String, String)>,
    /// Open consultations: (agency name, agency code, subject, deadline, late).
    open: Vec<(String, String, String, String, bool)>,
    /// A joint dossier's parts.
    joint: Vec<JointRow>,
    /// A notice drafted or approved, not yet sent.
    notice: Option<NoticeView>,
    /// The user's agency (a participating agency's part is recorded in its name).
    my_agency: String,
}

impl DossierPage<'_> {
    fn step_is(&self, names: &str) -> bool {
        let step = serde_json::to_value(self.d.rec.state.step)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        names.split(' ').any(|n| n == step)
    }

    fn hm(&self, t: &chrono::DateTime<chrono::FixedOffset>) -> String {
        t.format("%H:%M %d/%m/%Y").to_string()
    }

    fn can(&self, action: &str) -> bool {
        self.can.contains(&action)
    }

    fn any(&self) -> bool {
        !self.can.is_empty()
    }

    /// `value` of a `datetime-local` field: `t` in Vietnam time.
    fn local(&self, t: &chrono::DateTime<chrono::FixedOffset>) -> String {
        t.with_timezone(&motcua_core::time::VIETNAM)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    }

    fn tomorrow(&self) -> String {
        self.local(&(self.now + chrono::Duration::days(1)))
    }

    fn after_due(&self) -> String {
        self.local(&(self.d.rec.state.due.max(self.now) + chrono::Duration::days(2)))
    }

    fn amount(&self, n: &u64) -> String {
        super::desk::thousands(*n)
    }
}

/// `1500000` as `1.500.000`.
pub(crate) fn thousands(n: u64) -> String {
    motcua_core::public::thousands(n)
}

async fn render_dossier(
    st: &AppState,
    staff: &PageStaff,
    code: &str,
    error: Option<&Error>,
) -> Response {
    let d = match load_for(st, &staff.actor.user, code).await {
        Ok(d) => d,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let now = st.clock.now_vn();
    let lines = timeline(&d);
    let user = &staff.actor.user;
    let cal = st.cal.get();
    let can = available(user, d.immediate, &d.rec, &cal, now);
    let handling = d.rec.handling_agency().to_string();
    let wants_lists = can
        .iter()
        .any(|a| ["assign", "consult", "answer"].contains(a));
    let lists = if wants_lists {
        st.store
            .read(move |txn| {
                let mut officers = Vec::new();
                for item in txn.open_table(USERS)?.iter()? {
                    let u: User = decode(item?.1.value())?;
                    if !u.disabled
                        && matches!(u.role, Role::Officer | Role::Head)
                        && u.agency.as_ref().map(|a| a.as_str()) == Some(handling.as_str())
                    {
                        officers.push((u.username, u.full_name));
                    }
                }
                let mut agencies = Vec::new();
                for item in txn.open_table(crate::db::AGENCIES)?.iter()? {
                    let a: crate::db::model::Agency = decode(item?.1.value())?;
                    if a.code.as_str() != handling {
                        agencies.push((a.code.to_string(), a.name));
                    }
                }
                Ok::<_, Error>((officers, agencies))
            })
            .await
    } else {
        Ok((Vec::new(), Vec::new()))
    };
    let (officers, agencies) = match lists {
        Ok(x) => x,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let open = d
        .rec
        .state
        .consultations
        .iter()
        .filter(|c| c.answer.is_none())
        .map(|c| {
            let code = c.agency.to_string();
            (
                d.agency_name(&code),
                code,
                c.subject.clone(),
                c.deadline.format("%H:%M %d/%m/%Y").to_string(),
                c.late_at(now),
            )
        })
        .collect();
    let joint = d
        .rec
        .state
        .joint
        .iter()
        .map(|j| JointRow {
            agency: d.agency_name(j.agency.as_str()),
            task: j.task.clone(),
            deadline: j.deadline.format("%H:%M %d/%m/%Y").to_string(),
            hand_to: d.agency_name(j.hand_to.as_str()),
            result: j.result.clone().unwrap_or_default(),
            done_at: j
                .done_at
                .map(|t| t.format("%H:%M %d/%m/%Y").to_string())
                .unwrap_or_default(),
            late: j.late_at(now),
        })
        .collect();
    let notice = d.rec.state.notice.as_ref().map(|n| {
        use motcua_core::workflow::Notice;
        let (supplement, items, reason) = match &n.notice {
            Notice::Supplement { items } => (
                true,
                items
                    .iter()
                    .map(|i| (i.document.clone(), i.reason.clone(), i.guidance.clone()))
                    .collect(),
                String::new(),
            ),
            Notice::Ineligible { reason } => (false, Vec::new(), reason.clone()),
        };
        NoticeView {
            supplement,
            approved: n.approved_at.is_some(),
            drafted_by: d.name_of(&n.drafted_by),
            items,
            reason,
        }
    });
    let page = DossierPage {
        joint,
        notice,
        my_agency: user
            .agency
            .as_ref()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        csrf: &staff.csrf,
        user: &user.full_name,
        lines,
        step_vi: d.rec.state.step.label(Lang::Vi),
        step_en: d.rec.state.step.label(Lang::En),
        desk: user.role == Role::Receptionist
            && user.agency.as_ref() == Some(&d.rec.receiving_agency),
        nav_desk: user.role == Role::Receptionist,
        here: staff.here.clone(),
        transfer_overdue: d.rec.state.transfer_overdue_at(now),
        overdue: d.rec.state.is_overdue(now),
        now,
        d: &d,
        error,
        can,
        officers,
        agencies,
        open,
    };
    super::board::html_page(page.render().unwrap_or_default(), error)
}

async fn dossier(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(code): Path<String>,
) -> Response {
    render_dossier(&st, &staff, &code, None).await
}

/// The most items a supplement request form takes.
const MAX_ITEMS: usize = 30;

/// A supplement request as the desk types it: one missing document a line, `document | why |
/// what to do` (the last two optional).
fn missing_items(text: &str) -> Vec<motcua_core::workflow::MissingItem> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        // One more than allowed reaches the workflow, which refuses the list in words.
        .take(MAX_ITEMS.max(motcua_core::workflow::MAX_SUPPLEMENT_ITEMS) + 1)
        .map(|l| {
            let mut parts = l.splitn(3, '|').map(|p| p.trim().to_owned());
            motcua_core::workflow::MissingItem {
                document: parts.next().unwrap_or_default(),
                reason: parts.next().unwrap_or_default(),
                guidance: parts.next().unwrap_or_default(),
            }
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct ActForm {
    csrf: String,
    action: String,
    #[serde(default)]
    items: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    officer: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    at: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    new_due: String,
    #[serde(default)]
    description: String,
}

/// A `datetime-local` field (`2026-12-03T14:30`) as an instant in Vietnam time.
pub(crate) fn local_instant(
    field: &'static str,
    s: &str,
) -> Result<motcua_core::time::Instant, Error> {
    use chrono::TimeZone;
    let bad = || {
        Error::invalid(
            field,
            "Hãy nhập ngày và giờ (ngày/tháng/năm giờ:phút).",
            "Enter a date and time (day/month/year hour:minute).",
        )
    };
    let s: String = s.trim().chars().take(40).collect();
    let naive = chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| bad())?;
    let t = motcua_core::time::VIETNAM
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(bad)?;
    motcua_core::time::check(t).map_err(|_| bad())
}

/// A bounded text field.
fn bounded(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// An amount of đồng as typed: digits, optionally grouped by thousands with dots or spaces
/// (`1.500.000`, `1 500 000`); no fractional part — a comma is the Vietnamese decimal mark.
fn amount_of(s: &str) -> Result<u64, Error> {
    let bad = || {
        Error::invalid(
            "amount",
            "Số tiền là một số đồng nguyên dương, ví dụ 50000 hoặc 50.000 (không có phần lẻ).",
            "The amount is a whole number of đồng, e.g. 50000 or 50.000 (no fraction).",
        )
    };
    let t = s.trim();
    let groups: Vec<&str> = t.split(['.', ' ']).collect();
    let grouped = groups.len() > 1;
    let shape_ok = !t.is_empty()
        && t.len() <= 24
        && groups.iter().enumerate().all(|(i, g)| {
            !g.is_empty()
                && g.bytes().all(|b| b.is_ascii_digit())
                && (!grouped || if i == 0 { g.len() <= 3 } else { g.len() == 3 })
        });
    if !shape_ok {
        return Err(bad());
    }
    groups
        .concat()
        .parse::<u64>()
        .ok()
        .filter(|a| *a > 0 && *a <= motcua_core::workflow::MAX_AMOUNT)
        .ok_or_else(bad)
}

/// The command a dossier page's form asks for, and the form to print after it, if any.
fn page_command(
    f: &ActForm,
    rec: &DossierRecord,
) -> Result<(motcua_core::Command, Option<&'static str>), Error> {
    use motcua_core::{AgencyCode, Command, ReturnChannel};
    // One character more than allowed reaches the workflow, which refuses it in words.
    let reason = bounded(&f.reason, motcua_core::workflow::MAX_TEXT + 1);
    let agency = || {
        AgencyCode::parse(f.agency.trim())
            .map_err(|_| Error::invalid("agency", "Hãy chọn cơ quan.", "Choose an agency."))
    };
    Ok(match f.action.as_str() {
        "transfer" => (
            Command::AcceptAndTransfer {
                agency: rec.competent_agency.clone(),
            },
            None,
        ),
        "supplement" => (
            Command::RequestSupplement {
                items: missing_items(&bounded(&f.items, 10_000)),
            },
            Some("mau-02"),
        ),
        "supplemented" => (Command::Supplemented, None),
        "draft_supplement" => (
            Command::DraftNotice {
                notice: motcua_core::workflow::Notice::Supplement {
                    items: missing_items(&bounded(&f.items, 10_000)),
                },
            },
            None,
        ),
        "draft_ineligible" => (
            Command::DraftNotice {
                notice: motcua_core::workflow::Notice::Ineligible { reason },
            },
            None,
        ),
        "issue_notice" => (Command::IssueNotice, Some("mau-02")),
        "joint_done" => (
            Command::CompleteJointTask {
                agency: agency()?,
                result: bounded(&f.answer, motcua_core::workflow::MAX_TEXT + 1),
            },
            None,
        ),
        "refuse" => (Command::Refuse { reason }, Some("mau-03")),
        "fee_request" => (
            Command::RequestFee {
                amount: amount_of(&f.amount)?,
                description: bounded(&f.description, motcua_core::workflow::MAX_SHORT_TEXT + 1),
            },
            None,
        ),
        "fee_paid" => (
            Command::RecordFeePaid {
                amount: amount_of(&f.amount)?,
            },
            None,
        ),
        "return" => (
            Command::Return {
                channel: match f.channel.as_str() {
                    "post" => ReturnChannel::Post,
                    _ => ReturnChannel::Counter,
                },
            },
            None,
        ),
        "withdraw" => (Command::Withdraw { reason }, None),
        "resolve_at_once" => (Command::ResolveAtOnce, None),
        "accept_online" => (Command::AcceptOnline, None),
        "assign" => (
            Command::Assign {
                officer: bounded(f.officer.trim(), 100),
            },
            None,
        ),
        "consult" => (
            Command::Consult {
                agency: agency()?,
                subject: bounded(&f.subject, motcua_core::workflow::MAX_TEXT + 1),
                deadline: local_instant("deadline", &f.deadline)?,
            },
            None,
        ),
        "answer" => (
            Command::AnswerConsultation {
                agency: agency()?,
                answer: bounded(&f.answer, motcua_core::workflow::MAX_TEXT + 1),
            },
            None,
        ),
        "verify" => (
            Command::ScheduleVerification(motcua_core::workflow::Verification {
                at: local_instant("at", &f.at)?,
                place: bounded(&f.place, motcua_core::workflow::MAX_SHORT_TEXT + 1),
                participants: bounded(&f.participants, 10_000)
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .take(motcua_core::workflow::MAX_PARTICIPANTS + 1)
                    .map(|l| bounded(l, motcua_core::workflow::MAX_SHORT_TEXT + 1))
                    .collect(),
                content: bounded(&f.content, motcua_core::workflow::MAX_TEXT + 1),
            }),
            None,
        ),
        "submit" => (Command::SubmitForApproval, None),
        "send_back" => (Command::SendBack { reason }, None),
        "approve" => (Command::Approve, None),
        "reject" => (Command::Reject { reason }, None),
        "result_ready" => (Command::MarkResultReady, None),
        "stop" => (Command::Stop { reason }, None),
        "resume" => (Command::Resume, None),
        "apologize" => (
            Command::Apologize {
                reason,
                new_due: local_instant("new_due", &f.new_due)?,
            },
            Some("mau-04"),
        ),
        _ => {
            return Err(Error::new(
                Kind::BadRequest,
                "page.action",
                "Thao tác không hợp lệ.",
                "Unknown action.",
            ));
        }
    })
}

/// The actions of a dossier page, each with a command that stands for it when asking whether
/// the user may issue it now.
fn probes(
    rec: &DossierRecord,
    now: motcua_core::time::Instant,
) -> Vec<(&'static str, motcua_core::Command)> {
    use motcua_core::workflow::{MissingItem, Verification};
    use motcua_core::{Command, ReturnChannel};
    let x = || "x".to_owned();
    let later = now + chrono::Duration::days(1);
    let other = rec.competent_agency.clone();
    vec![
        (
            "transfer",
            Command::AcceptAndTransfer {
                agency: rec.competent_agency.clone(),
            },
        ),
        (
            "supplement",
            Command::RequestSupplement {
                items: vec![MissingItem {
                    document: x(),
                    reason: x(),
                    guidance: x(),
                }],
            },
        ),
        ("supplemented", Command::Supplemented),
        (
            "draft_supplement",
            Command::DraftNotice {
                notice: motcua_core::workflow::Notice::Supplement {
                    items: vec![MissingItem {
                        document: x(),
                        reason: x(),
                        guidance: x(),
                    }],
                },
            },
        ),
        (
            "draft_ineligible",
            Command::DraftNotice {
                notice: motcua_core::workflow::Notice::Ineligible { reason: x() },
            },
        ),
        ("issue_notice", Command::IssueNotice),
        ("refuse", Command::Refuse { reason: x() }),
        (
            "fee_request",
            Command::RequestFee {
                amount: 1,
                description: x(),
            },
        ),
        ("fee_paid", Command::RecordFeePaid { amount: 1 }),
        (
            "return",
            Command::Return {
                channel: ReturnChannel::Counter,
            },
        ),
        ("withdraw", Command::Withdraw { reason: x() }),
        ("resolve_at_once", Command::ResolveAtOnce),
        ("accept_online", Command::AcceptOnline),
        ("assign", Command::Assign { officer: x() }),
        (
            "consult",
            Command::Consult {
                agency: other.clone(),
                subject: x(),
                deadline: later,
            },
        ),
        (
            "answer",
            Command::AnswerConsultation {
                agency: other,
                answer: x(),
            },
        ),
        (
            "verify",
            Command::ScheduleVerification(Verification {
                at: later,
                place: x(),
                participants: vec![x()],
                content: x(),
            }),
        ),
        ("submit", Command::SubmitForApproval),
        ("send_back", Command::SendBack { reason: x() }),
        ("approve", Command::Approve),
        ("reject", Command::Reject { reason: x() }),
        ("result_ready", Command::MarkResultReady),
        ("stop", Command::Stop { reason: x() }),
        ("resume", Command::Resume),
        (
            "apologize",
            Command::Apologize {
                reason: x(),
                new_due: rec.state.due + chrono::Duration::days(1),
            },
        ),
    ]
}

/// The actions `user` may take on `rec` now: its role may issue them, the dossier is in its
/// scope, and the workflow allows them at this step.
fn available(
    user: &User,
    immediate: bool,
    rec: &DossierRecord,
    cal: &motcua_core::Calendar,
    now: motcua_core::time::Instant,
) -> Vec<&'static str> {
    use motcua_core::workflow::WorkflowError;
    let open_consultation = rec.state.consultations.iter().any(|c| c.answer.is_none());
    probes(rec, now)
        .into_iter()
        .filter(|(name, cmd)| {
            access::may_act(user, rec, cmd)
                && match rec.state.decide(cal, cmd, now, &user.username) {
                    // Not at this step, or not again: the form would only be refused.
                    Err(
                        WorkflowError::IllegalTransition { .. }
                        | WorkflowError::SupplementAlreadyRequested
                        | WorkflowError::ConsultationsPending(_)
                        | WorkflowError::JointTasksPending(_)
                        | WorkflowError::NoticeNeedsApproval
                        | WorkflowError::ResumeAfterRefund
                        | WorkflowError::NothingOwed,
                    ) => false,
                    // The stand-in agency has no open consultation; any open one will do.
                    Err(WorkflowError::NoSuchConsultation(_)) => {
                        *name == "answer" && open_consultation
                    }
                    // Only a procedure whose result is given at once (Art. 8.2).
                    _ if *name == "resolve_at_once" => immediate,
                    _ => true,
                }
        })
        .map(|(name, _)| name)
        .chain(
            // A participating agency records its own part (Art. 10.1d).
            user.agency
                .as_ref()
                .map(|a| motcua_core::Command::CompleteJointTask {
                    agency: a.clone(),
                    result: "x".into(),
                })
                .filter(|cmd| access::may_complete_joint_task(user, rec, cmd))
                .map(|_| "joint_done"),
        )
        .collect()
}

async fn act(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(code): Path<String>,
    f: Result<Form<ActForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    let done = async {
        let d = load_for(&st, &staff.actor.user, &code).await?;
        let (cmd, form) = page_command(&f, &d.rec)?;
        let parsed = parse_code(&d.rec.code)?;
        dossiers::act(&st.ctx, &staff.actor, &parsed, cmd).await?;
        Ok::<_, Error>((d.rec.code, form))
    }
    .await;
    match done {
        Ok((code, Some(form))) => {
            Redirect::to(&format!("/desk/dossiers/{code}/form/{form}")).into_response()
        }
        Ok((code, None)) => Redirect::to(&format!("/desk/dossiers/{code}")).into_response(),
        Err(e) => render_dossier(&st, &staff, &code, Some(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage<'a> {
    d: &'a Loaded,
    /// `02` or `03`.
    number: &'static str,
    title: &'static str,
    at: String,
    officer: String,
    items: Vec<motcua_core::workflow::MissingItem>,
    reason: String,
    /// Mẫu 04: the appointment before the apology and the new one.
    previous_due: String,
    new_due: String,
}

/// Mẫu 02 (the supplement request) or Mẫu 03 (the refusal) of a dossier, as a print view: the
/// latest such event of its history.
async fn notice(
    State(st): State<AppState>,
    staff: PageStaff,
    Path((code, kind)): Path<(String, String)>,
) -> Response {
    use motcua_core::EventKind;
    let d = match load_for(&st, &staff.actor.user, &code).await {
        Ok(d) => d,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let (number, title) = match kind.as_str() {
        "mau-02" => ("02", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"),
        "mau-03" => ("03", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"),
        "mau-04" => ("04", "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"),
        "mau-05" => return control_sheet(&st, &d).await,
        _ => {
            let e = Error::not_found("biểu mẫu này", "Form");
            return error_page(status_of(&e), &e);
        }
    };
    let found = d
        .rec
        .history
        .iter()
        .rev()
        .find_map(|e| match (&e.kind, number) {
            (EventKind::SupplementRequested { items }, "02") => {
                Some((e, items.clone(), String::new(), None))
            }
            (EventKind::Refused { reason }, "03") => Some((e, Vec::new(), reason.clone(), None)),
            (
                EventKind::Apologized {
                    reason,
                    previous_due,
                    new_due,
                },
                "04",
            ) => Some((
                e,
                Vec::new(),
                reason.clone(),
                Some((*previous_due, *new_due)),
            )),
            _ => None,
        });
    let Some((event, items, reason, dates)) = found else {
        let e = Error::new(
            Kind::NotFound,
            "page.no_such_form",
            "Hồ sơ này chưa có biểu mẫu đó.",
            "This dossier has no such form yet.",
        );
        return error_page(status_of(&e), &e);
    };
    html(
        NoticePage {
            at: event.at.format("ngày %d tháng %m năm %Y").to_string(),
            officer: d.name_of(&event.by),
            d: &d,
            number,
            title,
            items,
            reason,
            previous_due: dates
                .map(|d| d.0.format("%H giờ %M phút, ngày %d/%m/%Y").to_string())
                .unwrap_or_default(),
            new_due: dates
                .map(|d| d.1.format("%H giờ %M phút, ngày %d/%m/%Y").to_string())
                .unwrap_or_default(),
        }
        .render()
        .unwrap_or_default(),
    )
}

/// A closed dossier as kept for the archive (Art. 23): its facts, documents, every event of its
/// history with what it carried, and its hand-overs.
#[derive(Template)]
#[template(path = "archive.html")]
struct ArchivePage<'a> {
    d: &'a Loaded,
    lines: Vec<Line>,
    exported_by: String,
    exported_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArchiveQuery {
    #[serde(default)]
    format: Option<String>,
}

/// Export of a closed dossier for the archive: a print view (`format=html`, the default) or
/// JSON (`format=json`: the record and its whole history, without the lookup secret). Only once
/// closed; every export is audited.
async fn archive(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(code): Path<String>,
    q: Result<Params<ArchiveQuery>, ApiError>,
) -> Response {
    use axum::http::header;
    let Ok(Params(q)) = q else {
        return unreadable();
    };
    let json = match q.format.as_deref() {
        None | Some("html") => false,
        Some("json") => true,
        Some(_) => {
            let e = Error::bad_request(
                "request.format",
                "Định dạng là html hoặc json.",
                "The format is html or json.",
            );
            return error_page(status_of(&e), &e);
        }
    };
    let d = match load_for(&st, &staff.actor.user, &code).await {
        Ok(d) => d,
        Err(e) => return error_page(status_of(&e), &e),
    };
    if !d.rec.state.step.is_closed() {
        let e = Error::new(
            Kind::Conflict,
            "archive.open",
            "Hồ sơ chưa kết thúc: chỉ lưu trữ hồ sơ đã trả kết quả, bị từ chối tiếp nhận hoặc đã rút.",
            "The dossier is still open: only returned, refused or withdrawn dossiers are archived.",
        );
        return error_page(status_of(&e), &e);
    }
    let now = st.clock.now_vn();
    let actor = staff.actor.clone();
    let target = d.rec.code.clone();
    let what = if json {
        "export_dossier_json"
    } else {
        "export_dossier"
    };
    if let Err(e) = st
        .store
        .write(move |tx| {
            tx.audit(actor.entry(now, what, &target, "ok"))?;
            Ok::<_, Error>(())
        })
        .await
    {
        return error_page(status_of(&e), &e);
    }
    if json {
        let mut record = d.rec.clone();
        // The lookup secret opens the public detail: it stays out of the archive.
        record.secret = String::new();
        let with_retention = serde_json::to_value(&record).map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.insert(
                    "retention".into(),
                    serde_json::json!({
                        "class": d.retention,
                        "closed_year": d.closed_year(),
                        "keep_through": d.retention.and_then(|r| r.keep_through(d.closed_year())),
                        "label": d.retention_text(Lang::Vi),
                    }),
                );
            }
            v
        });
        return match with_retention.and_then(|v| serde_json::to_string_pretty(&v)) {
            Ok(body) => (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/json; charset=utf-8".to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"ho-so-{}.json\"", d.rec.code),
                    ),
                ],
                body,
            )
                .into_response(),
            Err(e) => {
                let e = Error::internal(e);
                error_page(status_of(&e), &e)
            }
        };
    }
    let lines = timeline(&d);
    html(
        ArchivePage {
            lines,
            exported_by: staff.actor.user.full_name.clone(),
            exported_at: now.format("%H:%M %d/%m/%Y").to_string(),
            d: &d,
        }
        .render()
        .unwrap_or_default(),
    )
}

/// A hand-over of the control sheet (Mẫu 05).
struct HandOver {
    at: String,
    from: String,
    to: String,
    /// `Trước hạn`, `Đúng hạn` or `Quá hạn`, judged against the deadline of that hand-over.
    result: &'static str,
    note: String,
}

#[derive(Template)]
#[template(path = "control_sheet.html")]
struct ControlSheet<'a> {
    d: &'a Loaded,
    rows: Vec<HandOver>,
    /// Agencies consulted, by name.
    consulted: String,
}

/// Before, on or after the day of `due`.
fn timeliness(at: &motcua_core::time::Instant, due: &motcua_core::time::Instant) -> &'static str {
    match at.date_naive().cmp(&due.date_naive()) {
        std::cmp::Ordering::Less => "Trước hạn",
        std::cmp::Ordering::Equal if at <= due => "Đúng hạn",
        _ => "Quá hạn",
    }
}

/// Mẫu 05, the processing control sheet: every hand-over of the dossier between the desk, the
/// agency, its officers and head, other agencies and the applicant, each judged against its
/// deadline (the transfer's 8 working hours; the appointment for the rest).
async fn control_sheet(st: &AppState, d: &Loaded) -> Response {
    use motcua_core::EventKind as K;
    let codes: Vec<String> = d
        .rec
        .state
        .consultations
        .iter()
        .map(|c| c.agency.to_string())
        .collect();
    let names = st
        .store
        .read(move |txn| {
            let t = txn.open_table(crate::db::AGENCIES)?;
            let mut out = Vec::new();
            for c in codes {
                let n = get_value::<crate::db::model::Agency>(&t, c.as_str())?
                    .map(|a| a.name)
                    .unwrap_or_else(|| c.clone());
                out.push((c, n));
            }
            Ok::<_, Error>(out)
        })
        .await
        .unwrap_or_default();
    let agency_name = |code: &motcua_core::AgencyCode| {
        names
            .iter()
            .find(|(c, _)| c == code.as_str())
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let s = &d.rec.state;
    let desk = format!("Bộ phận Tiếp nhận và Trả kết quả — {}", d.centre);
    let head = format!("Lãnh đạo {}", d.agency);
    let due = s.legal_due();
    let mut rows = Vec::new();
    let mut officer = String::new();
    for e in &d.rec.history {
        let at = e.at.format("%H giờ %M, ngày %d/%m/%Y").to_string();
        let by = d.name_of(&e.by);
        let (from, to, deadline, note) = match &e.kind {
            K::AcceptedTransferred { .. } => (
                format!("{desk} ({by})"),
                d.agency.clone(),
                s.transfer_due,
                String::new(),
            ),
            K::Assigned { officer: o } => {
                officer = d.name_of(o);
                (
                    format!("{head} ({by})"),
                    officer.clone(),
                    due,
                    String::new(),
                )
            }
            K::ConsultationRequested {
                agency, subject, ..
            } => (
                format!("{} ({by})", d.agency),
                agency_name(agency),
                due,
                format!("Lấy ý kiến: {subject}"),
            ),
            K::ConsultationAnswered { agency, .. } => (
                agency_name(agency),
                format!("{} ({officer})", d.agency),
                due,
                "Trả lời ý kiến".to_owned(),
            ),
            K::SubmittedForApproval => (by, head.clone(), due, "Trình phê duyệt".to_owned()),
            K::SentBack { reason } => (
                format!("{head} ({by})"),
                officer.clone(),
                due,
                format!("Trả lại: {reason}"),
            ),
            K::ResultReady => (
                d.agency.clone(),
                desk.clone(),
                due,
                "Kết quả giải quyết".to_owned(),
            ),
            K::Rejected { reason } => (
                d.agency.clone(),
                desk.clone(),
                due,
                format!("Không đủ điều kiện: {reason}"),
            ),
            K::Returned { channel } => (
                format!("{desk} ({by})"),
                d.rec.applicant.name.clone(),
                due,
                format!("Trả kết quả {}", channel.label(Lang::Vi).to_lowercase()),
            ),
            K::Apologized { new_due, .. } => (
                d.agency.clone(),
                d.rec.applicant.name.clone(),
                due,
                format!("Xin lỗi, hẹn lại {} (Mẫu 04)", new_due.format("%d/%m/%Y")),
            ),
            _ => continue,
        };
        rows.push(HandOver {
            at,
            from,
            to,
            result: timeliness(&e.at, &deadline),
            note,
        });
    }
    let consulted = names
        .iter()
        .map(|(_, n)| n.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    html(
        ControlSheet { d, rows, consulted }
            .render()
            .unwrap_or_default(),
    )
}

/// Rows a pile of the worklist shows at most.
const PILE_ROWS: usize = 25;

/// A desk pile's name in pages.
fn pile_id(p: crate::projections::desk::Pile) -> &'static str {
    use crate::projections::desk::Pile;
    match p {
        Pile::ToTransfer => "transfer",
        Pile::Supplement => "supplement",
        Pile::Fees => "fees",
        Pile::ToReturn => "return",
        Pile::ToNotify => "notify",
    }
}

/// A dossier in a pile of the worklist.
struct WorkRow {
    code: String,
    applicant: String,
    procedure: String,
    /// The instant the pile is sorted by, as shown.
    at: String,
    /// For the pile to transfer: working time left (or past) before the deadline.
    left: String,
    late: bool,
}

/// A pile: its title, how many it holds, its first rows.
struct WorkPile {
    id: &'static str,
    title_vi: &'static str,
    title_en: &'static str,
    when_vi: &'static str,
    when_en: &'static str,
    count: u64,
    rows: Vec<WorkRow>,
    /// Where the pile goes on (`key|code`), when it holds more than shown.
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "desk_work.html")]
struct WorkPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    piles: Vec<WorkPile>,
    /// Only one pile is shown (a page further into it).
    one: bool,
}

/// The working time from `now` to `deadline` as a worklist reads it: `còn 2 ngày 3 giờ`, or
/// `quá …` when `late`; empty when the calendar cannot tell.
pub(crate) fn time_left(
    cal: &motcua_core::Calendar,
    now: motcua_core::time::Instant,
    deadline: motcua_core::time::Instant,
    late: bool,
) -> String {
    let per_day = cal.hours_per_working_day();
    match cal.working_between(now, deadline) {
        Ok(d) if late => format!("quá {}", working_span(d, per_day)),
        Ok(d) => format!("còn {}", working_span(d, per_day)),
        Err(_) => String::new(),
    }
}

/// Working time as a desk reads it: `3 giờ 20 phút`, or `2 ngày 3 giờ` past a working day of
/// `per_day` hours.
pub(crate) fn working_span(d: chrono::Duration, per_day: u32) -> String {
    let m = d.num_minutes().unsigned_abs();
    let per_day = u64::from(per_day.max(1));
    let (h, m) = (m / 60, m % 60);
    let (days, h) = (h / per_day, h % per_day);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} ngày"));
    }
    if h > 0 {
        parts.push(format!("{h} giờ"));
    }
    if m > 0 && days == 0 {
        parts.push(format!("{m} phút"));
    }
    if parts.is_empty() {
        parts.push("0 phút".into());
    }
    parts.join(" ")
}

/// The desk's worklist: received today, to transfer (late ones first, with the working time
/// left), supplements and fees awaited, results to hand back.
/// `?pile=transfer&after=KEY|CODE`: one pile, from a position on.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PileQuery {
    #[serde(default)]
    pub pile: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
}

impl PileQuery {
    /// The pile asked for (none: every pile) and where to start; an error for a bad position.
    pub fn read(&self) -> Result<(Option<&str>, Option<crate::projections::desk::PilePos>), Error> {
        let after = match self.after.as_deref() {
            None | Some("") => None,
            Some(a) => Some(crate::projections::desk::parse_pos(a).ok_or_else(|| {
                Error::bad_request(
                    "request.after",
                    "Vị trí trang không hợp lệ; hãy mở lại danh sách.",
                    "The page position is not valid; open the list again.",
                )
            })?),
        };
        Ok((self.pile.as_deref().filter(|p| !p.is_empty()), after))
    }
}

/// Rows a pile shows when the page shows only it.
pub(crate) const ONE_PILE_ROWS: usize = 100;

async fn work(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Params<PileQuery>, ApiError>,
) -> Response {
    use crate::projections::desk::{Pile, pos_text, read};
    let Ok(Params(q)) = q else {
        return unreadable();
    };
    if let Err(e) = desk_only(&staff) {
        return error_page(status_of(&e), &e);
    }
    let (only, after) = match q.read() {
        Ok(x) => x,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let only: Option<&'static str> = match only {
        None => None,
        Some(p) => match Pile::ALL.into_iter().map(pile_id).find(|x| *x == p) {
            Some(x) => Some(x),
            None => {
                let e = Error::not_found("danh sách này", "Pile");
                return error_page(status_of(&e), &e);
            }
        },
    };
    let desk_code = staff
        .actor
        .user
        .agency
        .as_ref()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let now = st.clock.now_vn();
    let cal = st.cal.get();
    let local = cal.in_zone(now);
    let today = local.format("%y%m%d").to_string();
    let day_key = {
        use chrono::Datelike;
        local.year() as u32 * 10_000 + local.month() * 100 + local.day()
    };
    let limit = if only.is_some() {
        ONE_PILE_ROWS
    } else {
        PILE_ROWS
    };
    let found = st
        .store
        .read(move |txn| {
            let dossiers = txn.open_table(crate::db::DOSSIERS)?;
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
            if only.is_none() {
                // Dossier codes carry the desk and the day: today's are one range, the latest
                // first, and the day's code sequence says how many there are.
                let prefix = format!("{desk_code}-{today}-");
                let end = format!("{desk_code}-{today}.");
                let mut received = Vec::new();
                for item in dossiers
                    .range(prefix.as_str()..end.as_str())?
                    .rev()
                    .take(limit)
                {
                    received.push(item?.0.value().to_owned());
                }
                let count = txn
                    .open_table(crate::db::CODE_SEQ)?
                    .get((desk_code.as_str(), day_key))?
                    .map(|v| u64::from(v.value()))
                    .unwrap_or(0);
                piles.push((None, count, load_all(&received)?, None));
            }
            for pile in Pile::ALL {
                let id = pile_id(pile);
                if only.is_some_and(|o| o != id) {
                    continue;
                }
                let (mut found, count) = read(txn, &desk_code, pile, limit + 1, after.as_ref())?;
                let next = (found.len() > limit).then(|| {
                    found.truncate(limit);
                    found.last().map(pos_text)
                });
                let codes: Vec<String> = found.into_iter().map(|(_, c)| c).collect();
                piles.push((Some(pile), count, load_all(&codes)?, next.flatten()));
            }
            Ok::<_, Error>(piles)
        })
        .await;
    let piles = match found {
        Ok(p) => p,
        Err(e) => return error_page(status_of(&e), &e),
    };
    let hm = |t: &chrono::DateTime<chrono::FixedOffset>| t.format("%H:%M %d/%m").to_string();
    let piles = piles
        .into_iter()
        .map(|(pile, count, recs, next)| {
            let (id, title_vi, title_en, when_vi) = match pile {
                None => (
                    "today",
                    "Tiếp nhận hôm nay",
                    "Received today",
                    "Tiếp nhận lúc · Received at",
                ),
                Some(Pile::ToTransfer) => (
                    "transfer",
                    "Chờ chuyển cơ quan giải quyết (hạn 8 giờ làm việc)",
                    "To transfer (within 8 working hours)",
                    "Hạn chuyển · Transfer by",
                ),
                Some(Pile::Supplement) => (
                    "supplement",
                    "Chờ người nộp bổ sung",
                    "Supplements awaited",
                    "Yêu cầu từ · Asked since",
                ),
                Some(Pile::Fees) => (
                    "fees",
                    "Chờ nộp phí, lệ phí",
                    "Fees awaited",
                    "Yêu cầu từ · Asked since",
                ),
                Some(Pile::ToReturn) => (
                    "return",
                    "Kết quả chờ trả",
                    "Results to hand back",
                    "Có kết quả lúc · Result since",
                ),
                Some(Pile::ToNotify) => (
                    "notify",
                    "Thông báo bổ sung đã duyệt, chờ gửi người nộp (Điều 20.2)",
                    "Approved supplement notices to send (Art. 20.2)",
                    "Hạn giải quyết · Due",
                ),
            };
            let rows = recs
                .iter()
                .map(|r| {
                    let s = &r.state;
                    let (at, left, late) = match pile {
                        None => (hm(&s.received_at), String::new(), false),
                        Some(Pile::ToTransfer) => {
                            let late = s.transfer_overdue_at(now);
                            let left = time_left(&cal, now, s.transfer_due, late);
                            (hm(&s.transfer_due), left, late)
                        }
                        Some(Pile::ToReturn) => {
                            (hm(&s.finished_at.unwrap_or(s.due)), String::new(), false)
                        }
                        Some(Pile::ToNotify) => {
                            let late = s.is_overdue(now);
                            let left = time_left(&cal, now, s.legal_due(), late);
                            (hm(&s.legal_due()), left, late)
                        }
                        Some(_) => (
                            hm(&s.paused_at.unwrap_or(s.received_at)),
                            String::new(),
                            false,
                        ),
                    };
                    WorkRow {
                        code: r.code.clone(),
                        applicant: r.applicant.name.clone(),
                        procedure: r.procedure_name.clone(),
                        at,
                        left,
                        late,
                    }
                })
                .collect();
            let (when_vi, when_en) = when_vi.split_once(" · ").unwrap_or((when_vi, ""));
            WorkPile {
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
            user: &staff.actor.user.full_name,
            nav_desk: true,
            here: staff.here.clone(),
            piles,
            one: only.is_some(),
        }
        .render()
        .unwrap_or_default(),
    )
}

/// The longest period the log book covers at once, in days.
const LOG_DAYS: i64 = 31;
/// Rows the log book shows at most.
const LOG_ROWS: usize = 10_000;

/// A line of the log book (Mẫu 06).
struct LogRow {
    code: String,
    procedure: String,
    applicant: String,
    contact: String,
    agency: String,
    received: String,
    appointment: String,
    transferred: String,
    result_in: String,
    returned: String,
    channel: String,
    note: String,
}

#[derive(Template)]
#[template(path = "log_book.html")]
struct LogPage<'a> {
    centre: &'a str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    rows: &'a [LogRow],
    capped: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    #[serde(default)]
    from: Option<chrono::NaiveDate>,
    #[serde(default)]
    to: Option<chrono::NaiveDate>,
    #[serde(default)]
    format: Option<String>,
}

fn log_csv(rows: &[LogRow]) -> Result<String, Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let e = |x: csv::Error| Error::internal(x);
    w.write_record([
        "TT",
        "Mã hồ sơ (code)",
        "Tên thủ tục hành chính (procedure)",
        "Số lượng hồ sơ (bộ)",
        "Tên cá nhân, tổ chức (applicant)",
        "Địa chỉ, số điện thoại (contact)",
        "Cơ quan chủ trì giải quyết (lead agency)",
        "Nhận hồ sơ (received)",
        "Hẹn trả kết quả (appointment)",
        "Chuyển hồ sơ đến cơ quan giải quyết (transferred)",
        "Nhận kết quả từ cơ quan giải quyết (result received)",
        "Trả kết quả (returned)",
        "Phương thức nhận kết quả (channel)",
        "Ghi chú (notes)",
    ])
    .map_err(e)?;
    for (i, r) in rows.iter().enumerate() {
        w.write_record([
            (i + 1).to_string(),
            r.code.clone(),
            r.procedure.clone(),
            "1".into(),
            r.applicant.clone(),
            r.contact.clone(),
            r.agency.clone(),
            r.received.clone(),
            r.appointment.clone(),
            r.transferred.clone(),
            r.result_in.clone(),
            r.returned.clone(),
            r.channel.clone(),
            r.note.clone(),
        ])
        .map_err(e)?;
    }
    let bytes = w.into_inner().map_err(|x| Error::internal(x.error()))?;
    // A byte-order mark, so that spreadsheet programs read the Vietnamese right.
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

/// Mẫu 06, the desk's log book of the dossiers it received over a period (today by default, 31
/// days at most), as a print view or CSV (`format=csv`).
async fn log_book(
    State(st): State<AppState>,
    staff: PageStaff,
    q: Result<Params<LogQuery>, ApiError>,
) -> Response {
    use axum::http::header;
    let Ok(Params(q)) = q else {
        return unreadable();
    };
    if let Err(e) = desk_only(&staff) {
        return error_page(status_of(&e), &e);
    }
    let today = st.clock.now_vn().date_naive();
    let to = q.to.unwrap_or(today);
    let from = q.from.unwrap_or(to);
    if from > to || (to - from).num_days() >= LOG_DAYS {
        let e = Error::invalid(
            "period",
            format!("Khoảng thời gian từ 1 đến {LOG_DAYS} ngày, ngày đầu không sau ngày cuối."),
            format!("The period is 1 to {LOG_DAYS} days, its first day not after its last."),
        );
        return error_page(status_of(&e), &e);
    }
    let csv = match q.format.as_deref() {
        None | Some("html") => false,
        Some("csv") => true,
        Some(_) => {
            let e = Error::bad_request(
                "request.format",
                "Định dạng là html hoặc csv.",
                "The format is html or csv.",
            );
            return error_page(status_of(&e), &e);
        }
    };
    let desk_code = staff
        .actor
        .user
        .agency
        .as_ref()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let d = desk_code.clone();
    let found = st
        .store
        .read(move |txn| {
            let dossiers = txn.open_table(crate::db::DOSSIERS)?;
            let mut agencies = std::collections::HashMap::new();
            for item in txn.open_table(crate::db::AGENCIES)?.iter()? {
                let a: crate::db::model::Agency = decode(item?.1.value())?;
                agencies.insert(a.code.to_string(), a.name);
            }
            let dmy =
                |t: &chrono::DateTime<chrono::FixedOffset>| t.format("%H:%M %d/%m/%Y").to_string();
            let opt = |t: &Option<chrono::DateTime<chrono::FixedOffset>>| {
                t.as_ref().map(dmy).unwrap_or_default()
            };
            let mut rows = Vec::new();
            let mut capped = false;
            'days: for day in from.iter_days().take_while(|x| *x <= to) {
                let stamp = day.format("%y%m%d");
                let (start, end) = (format!("{d}-{stamp}-"), format!("{d}-{stamp}."));
                for item in dossiers.range(start.as_str()..end.as_str())? {
                    if rows.len() >= LOG_ROWS {
                        capped = true;
                        break 'days;
                    }
                    let r: DossierRecord = decode(item?.1.value())?;
                    let s = &r.state;
                    let contact = [r.applicant.address.as_str(), r.applicant.phone.as_str()]
                        .iter()
                        .filter(|x| !x.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" · ");
                    rows.push(LogRow {
                        procedure: r.procedure_name.clone(),
                        applicant: r.applicant.name.clone(),
                        contact,
                        agency: agencies
                            .get(r.handling_agency().as_str())
                            .cloned()
                            .unwrap_or_else(|| r.handling_agency().to_string()),
                        received: dmy(&s.received_at),
                        appointment: dmy(&s.due),
                        transferred: opt(&s.transferred_at),
                        result_in: opt(&s.finished_at),
                        returned: opt(&s.returned_at),
                        channel: s
                            .return_channel
                            .map(|c| c.label(Lang::Vi).to_owned())
                            .unwrap_or_default(),
                        note: s.step.label(Lang::Vi).to_owned(),
                        code: r.code,
                    });
                }
            }
            let centre = agencies.get(&d).cloned().unwrap_or_default();
            Ok::<_, Error>((rows, capped, centre))
        })
        .await;
    let (rows, capped, centre) = match found {
        Ok(x) => x,
        Err(e) => return error_page(status_of(&e), &e),
    };
    if csv {
        return match log_csv(&rows) {
            Ok(body) => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"so-theo-doi-ho-so.csv\"",
                    ),
                ],
                body,
            )
                .into_response(),
            Err(e) => error_page(status_of(&e), &e),
        };
    }
    html(
        LogPage {
            centre: &centre,
            from,
            to,
            rows: &rows,
            capped,
        }
        .render()
        .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::{amount_of, working_span};

    #[test]
    fn amounts_are_whole_dong_grouped_by_thousands_or_refused() {
        for (typed, dong) in [
            ("50000", 50_000),
            ("50.000", 50_000),
            ("1.500.000", 1_500_000),
            ("1 500 000", 1_500_000),
            (" 2000 ", 2_000),
        ] {
            assert_eq!(amount_of(typed).unwrap(), dong, "{typed}");
        }
        for typed in [
            "1.000.000,5",
            "50.000,00",
            "1,5",
            ",,,1",
            ".5",
            "5.",
            "1.50",
            "12.3456",
            "0",
            "-5",
            "",
            "1e6",
            "１２",
        ] {
            assert!(amount_of(typed).is_err(), "{typed:?}");
        }
        assert!(
            amount_of("1000000000001").is_err(),
            "over the largest amount"
        );
    }

    #[test]
    fn working_spans_read_as_days_hours_and_minutes() {
        let min = chrono::Duration::minutes;
        assert_eq!(working_span(min(200), 8), "3 giờ 20 phút");
        assert_eq!(working_span(min(-54), 8), "54 phút");
        assert_eq!(
            working_span(min(8 * 60 * 2 + 3 * 60 + 7), 8),
            "2 ngày 3 giờ"
        );
        assert_eq!(working_span(min(8 * 60), 8), "1 ngày");
        assert_eq!(working_span(min(0), 8), "0 phút");
    }
}
