//! What the kiosk does for a visitor, apart from drawing it: look up a dossier by code (the
//! replica first, the server for what it lacks), by citizen ID or name (the server: nothing on
//! the kiosk's disk may reveal a person), unlock the detail with the receipt's secret (the
//! server checks it), take feedback and ratings into the outbox, print slips. Every failure is a
//! [`Notice`] in Vietnamese and English; nothing here panics on bad input. Offline, a code still
//! finds its minimal row in the replica, and the visitor is told plainly what needs the
//! connection.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use motcua_client::{Client, ClientError, Timeouts};
use motcua_core::devices::PrinterStatus;
use motcua_core::public::{PublicDetail, PublicRow};
use motcua_core::queue::{Priority, QueueError, TicketNumber, TicketState};
use motcua_core::{CitizenId, DossierCode, Lang, Localized};
use motcua_drivers::profile::Profile;
use motcua_drivers::transport::{Printer, PrinterError, Target};
use motcua_protocol::public::{ByCode, FeedbackIn, LookupQuery, RatingIn};
use motcua_protocol::queue::{BoardState, IssueRequest, TicketView};
use motcua_protocol::routes;
use motcua_protocol::sync::{KioskDossier, KioskEvent, KioskEventBody, OfflineTicket, PrintResult};

use crate::slips::{StatusSlip, feedback_slip, status_slip, ticket_slip};
use crate::store::Store;

/// The wall clock in Vietnam time.
pub fn now_vn() -> DateTime<FixedOffset> {
    chrono::Utc::now().with_timezone(&motcua_core::time::VIETNAM)
}

/// A message for the visitor, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub vi: String,
    pub en: String,
}

impl Notice {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Notice {
        Notice {
            vi: vi.into(),
            en: en.into(),
        }
    }

    pub fn of(e: &impl Localized) -> Notice {
        Notice::new(e.message(Lang::Vi), e.message(Lang::En))
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// A rating as the visitor chose it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RatingChoice {
    pub level: u8,
    pub dossier: Option<String>,
    /// The counter's number.
    pub counter: Option<u16>,
    /// The officer's name as on the counter's badge.
    pub officer: Option<String>,
    /// Answers per criterion (keys of `motcua_core::rating::CRITERIA`).
    pub criteria: Vec<(String, u8)>,
}

/// A dossier as the screens show it: the row anyone may see, the detail once unlocked.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub row: PublicRow,
    /// Present once the secret was given (or the QR carried it).
    pub detail: Option<PublicDetail>,
    /// The secret that unlocked it (printed back as the slip's QR).
    pub secret: Option<String>,
    /// Held in the local replica (else it came from the server).
    pub local: Option<KioskDossier>,
}

/// Settings of the logic that do not come from the server.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The server, for lookups the replica cannot answer (`None`: replica only).
    pub server: Option<String>,
    /// Printer transport (`tcp://…`, `serial:…`, a device path) and profile name.
    pub printer: Option<(String, String)>,
    /// Where the printer's state is kept for heartbeats.
    pub health: Option<std::sync::Arc<crate::sync::Health>>,
}

/// The kiosk's logic.
#[derive(Debug)]
pub struct Logic {
    pub store: Store,
    options: Options,
    /// The server's client (no token: the device token is read from the store per call).
    client: Option<Client>,
    rt: Option<tokio::runtime::Runtime>,
}

fn not_found() -> Notice {
    Notice::new(
        "Không tìm thấy hồ sơ. Vui lòng kiểm tra lại mã trên giấy tiếp nhận hoặc hỏi cán bộ tại quầy.",
        "No dossier found. Please check the code on your receipt or ask at the desk.",
    )
}

/// The server could not be reached for something only it can answer.
fn offline(what_vi: &str, what_en: &str) -> Notice {
    Notice::new(
        format!(
            "Kiosk đang mất kết nối với máy chủ nên chưa {what_vi}. Khi mất kết nối chỉ tra cứu được \
             bằng mã hồ sơ in trên giấy tiếp nhận; vui lòng thử lại sau ít phút hoặc hỏi cán bộ tại quầy."
        ),
        format!(
            "The kiosk has lost its connection to the server, so it cannot {what_en} now. Without \
             the connection only the dossier code on your receipt can be looked up; please try again \
             in a few minutes or ask at the desk."
        ),
    )
}

/// What the server said, for the visitor (its message is already bilingual).
fn refused(e: &ClientError) -> Option<Notice> {
    match e {
        ClientError::Refused { error, .. } => Some(Notice::new(
            error.message.vi.clone(),
            error.message.en.clone(),
        )),
        _ => None,
    }
}

impl Logic {
    pub fn new(store: Store, options: Options) -> Logic {
        // Online answers wait at most 3 s: a visitor is standing there.
        let client = options.server.as_deref().and_then(|base| {
            Client::with_timeouts(
                base,
                Timeouts {
                    connect: Duration::from_secs(2),
                    total: Duration::from_secs(3),
                },
            )
            .map_err(|e| tracing::error!(error = %e, "no HTTP client"))
            .ok()
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| tracing::error!(error = %e, "no runtime for online lookups"))
            .ok();
        Logic {
            store,
            options,
            client,
            rt,
        }
    }

    /// Ask the server, with this kiosk's device token; `None` when there is no server to ask.
    fn online<T, F>(&self, call: impl FnOnce(Client) -> F) -> Option<Result<T, ClientError>>
    where
        F: std::future::Future<Output = Result<T, ClientError>>,
    {
        let client = self.client.as_ref()?;
        let rt = self.rt.as_ref()?;
        let client = match self.store.state("token").ok().flatten() {
            Some(t) => client.with_token(t),
            None => client.clone(),
        };
        let r = rt.block_on(call(client));
        if let Err(ClientError::Unreachable(e)) = &r {
            tracing::warn!(error = %e, "the server could not be reached");
        }
        if let Some(h) = &self.options.health {
            let reached = !matches!(r, Err(ClientError::Unreachable(_)));
            h.online
                .store(reached, std::sync::atomic::Ordering::Relaxed);
        }
        Some(r)
    }

    fn storage(e: impl std::fmt::Display) -> Notice {
        tracing::error!(error = %e, "kiosk storage");
        Notice::new(
            "Kiosk gặp lỗi khi đọc dữ liệu. Vui lòng thử lại hoặc hỏi cán bộ tại quầy.",
            "The kiosk could not read its data. Please try again or ask at the desk.",
        )
    }

    /// Look a dossier up by its code (as typed: spaces and case do not matter).
    pub fn by_code(&self, input: &str) -> Result<Found, Notice> {
        let cleaned: String = input.split_whitespace().collect();
        if cleaned.is_empty() {
            return Err(Notice::new(
                "Vui lòng nhập mã hồ sơ in trên giấy tiếp nhận.",
                "Please enter the dossier code printed on your receipt.",
            ));
        }
        let upper = cleaned.to_uppercase();
        // A feedback's tracking code (on its slip): its answer, asked of the server.
        if upper.starts_with("PA-") {
            return Err(self.feedback_answer(&upper));
        }
        let code = DossierCode::parse(&upper).map_err(|e| Notice::of(&e))?;
        self.by_valid_code(&code.to_string())
    }

    /// Where a feedback stands, by its tracking code (`PA-…`, printed on its slip): its answer
    /// when there is one, else the date it is due by — said on the screen.
    pub fn feedback_answer(&self, code: &str) -> Notice {
        // A tracking code is capitals, digits and dashes: anything else (a crafted QR with a
        // path in it) never reaches the server's address.
        let well_formed = code.len() <= 40
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        if !well_formed {
            return Notice::new(
                "Mã phản ánh chỉ gồm chữ in hoa, chữ số và dấu gạch ngang, như in trên phiếu phản ánh.",
                "A feedback code is capitals, digits and dashes, as printed on the feedback slip.",
            );
        }
        let code = code.to_owned();
        let asked = code.clone();
        let d = |t: DateTime<FixedOffset>| {
            t.with_timezone(&motcua_core::time::VIETNAM)
                .format("%d/%m/%Y")
                .to_string()
        };
        match self.online(|c| async move { c.public_feedback(&asked).await }) {
            Some(Ok(f)) => match (f.answer, f.answered_at) {
                (Some(a), Some(at)) => {
                    let mut a: String = a.chars().take(600).collect();
                    if a.chars().count() == 600 {
                        a.push('…');
                    }
                    Notice::new(
                        format!("Phản ánh {code} đã được trả lời ngày {}: {a}", d(at)),
                        format!("Feedback {code} was answered on {}: {a}", d(at)),
                    )
                }
                _ => Notice::new(
                    format!(
                        "Phản ánh {code} đang được xử lý; Trung tâm trả lời chậm nhất ngày {}.",
                        d(f.due)
                    ),
                    format!(
                        "Feedback {code} is being handled; the centre answers by {}.",
                        d(f.due)
                    ),
                ),
            },
            Some(Err(ClientError::Refused { status: 404, .. })) => Notice::new(
                format!(
                    "Không tìm thấy phản ánh mã {code}. Vui lòng kiểm tra lại mã trên phiếu phản ánh."
                ),
                format!(
                    "No feedback {code} was found. Please check the code on the feedback slip."
                ),
            ),
            Some(Err(ClientError::Refused { error, .. })) => {
                Notice::new(error.message.vi.clone(), error.message.en.clone())
            }
            _ => offline("tra cứu được phản ánh", "look feedback up"),
        }
    }

    fn by_valid_code(&self, code: &str) -> Result<Found, Notice> {
        if let Some(d) = self.store.dossier(code).map_err(Self::storage)? {
            return Ok(Found {
                row: d.row.clone(),
                detail: None,
                secret: None,
                local: Some(d),
            });
        }
        // Not in this kiosk's replica (another agency, or not synced yet): ask the server.
        let code = code.to_owned();
        match self.online(|c| async move { c.public_dossier(&code, None).await }) {
            Some(Ok(ByCode::Row(row))) => Ok(Found {
                row,
                detail: None,
                secret: None,
                local: None,
            }),
            Some(Ok(ByCode::Detail(d))) => Ok(Found {
                row: d.row.clone(),
                detail: None,
                secret: None,
                local: None,
            }),
            Some(Err(ClientError::Unreachable(_))) => Err(Notice::new(
                "Mã hồ sơ này chưa có trên kiosk và kiosk đang mất kết nối với máy chủ. Vui lòng \
                 thử lại sau ít phút hoặc hỏi cán bộ tại quầy.",
                "This dossier is not on the kiosk yet and the kiosk has lost its connection to the \
                 server. Please try again in a few minutes or ask at the desk.",
            )),
            Some(Err(e)) if e.status() == Some(429) => Err(refused(&e).unwrap_or_else(not_found)),
            Some(Err(_)) | None => Err(not_found()),
        }
    }

    /// Rows for a citizen ID (CCCD 12 digits, CMND 9 digits, or a passport number): asked of
    /// the server.
    pub fn by_citizen(&self, input: &str) -> Result<Vec<PublicRow>, Notice> {
        let s: String = input.split_whitespace().collect();
        if s.is_empty() {
            return Err(Notice::new(
                "Vui lòng nhập số CCCD (12 số) hoặc CMND (9 số).",
                "Please enter a citizen ID (12 digits) or an old ID card number (9 digits).",
            ));
        }
        let id = if s.bytes().any(|b| b.is_ascii_alphabetic()) {
            CitizenId::passport(&s)
        } else {
            CitizenId::parse(&s)
        }
        .map_err(|e| Notice::of(&e))?;
        let q = LookupQuery {
            citizen_id: Some(id.canonical()),
            name: None,
        };
        self.lookup(q, "tra cứu được theo số CCCD/CMND", "look up by citizen ID")
    }

    /// Rows for a full name (at least two words; marks and case do not matter): asked of the
    /// server.
    pub fn by_name(&self, input: &str) -> Result<Vec<PublicRow>, Notice> {
        let name = motcua_core::text::normalize(input);
        if motcua_core::text::fold(&name).split_whitespace().count() < 2 {
            return Err(Notice::new(
                "Vui lòng nhập đầy đủ họ và tên người nộp hồ sơ.",
                "Please enter the applicant's full name.",
            ));
        }
        let q = LookupQuery {
            citizen_id: None,
            name: Some(name),
        };
        self.lookup(q, "tra cứu được theo họ tên", "look up by name")
    }

    fn lookup(
        &self,
        q: LookupQuery,
        what_vi: &str,
        what_en: &str,
    ) -> Result<Vec<PublicRow>, Notice> {
        match self.online(|c| async move { c.lookup(&q).await }) {
            Some(Ok(rows)) if rows.is_empty() => Err(Notice::new(
                "Không tìm thấy hồ sơ nào. Vui lòng kiểm tra lại thông tin đã nhập, hoặc tra cứu \
                 bằng mã hồ sơ in trên giấy tiếp nhận.",
                "No dossier found. Please check what you typed, or look up by the dossier code on \
                 your receipt.",
            )),
            Some(Ok(rows)) => Ok(rows),
            Some(Err(ClientError::Unreachable(_))) | None => Err(offline(what_vi, what_en)),
            Some(Err(e)) => Err(refused(&e).unwrap_or_else(not_found)),
        }
    }

    /// Unlock the detail with the receipt's 4-digit secret: the server checks it (and locks a
    /// dossier's detail after repeated wrong secrets).
    pub fn unlock(&self, found: &Found, secret: &str) -> Result<Found, Notice> {
        let secret = secret.trim();
        if secret.len() != 4 || !secret.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Notice::new(
                "Mã tra cứu gồm 4 chữ số, in trên giấy tiếp nhận hồ sơ.",
                "The lookup secret is the 4 digits printed on the receipt.",
            ));
        }
        let code = found.row.code.clone();
        let s = secret.to_owned();
        match self.online(|c| async move { c.public_dossier(&code, Some(&s)).await }) {
            Some(Ok(ByCode::Detail(detail))) => Ok(Found {
                detail: Some(*detail),
                secret: Some(secret.to_owned()),
                ..found.clone()
            }),
            Some(Ok(ByCode::Row(_))) => Err(wrong_secret()),
            Some(Err(ClientError::Unreachable(_))) | None => Err(offline(
                "xem được chi tiết hồ sơ (cần kiểm tra mã tra cứu với máy chủ)",
                "show the dossier's detail (the server checks the lookup secret)",
            )),
            Some(Err(e)) if e.code() == Some("public.wrong_secret") => Err(wrong_secret()),
            Some(Err(e)) => Err(refused(&e).unwrap_or_else(not_found)),
        }
    }

    /// A scan from the receipt's QR (or a typed code from a wedge scanner).
    pub fn scan(&self, raw: &[u8]) -> Result<Found, Notice> {
        // A feedback slip's tracking code, scanned: its answer.
        if let Ok(text) = std::str::from_utf8(raw)
            && raw.len() <= 64
        {
            let t = text.trim().to_uppercase();
            if t.starts_with("PA-") {
                return Err(self.feedback_answer(&t));
            }
        }
        let s = motcua_drivers::qr::parse_scan(raw).map_err(|e| {
            let n = Notice::of(&e);
            Notice::new(
                format!("Không đọc được mã QR này: {}", n.vi),
                format!("This QR code cannot be read: {}", n.en),
            )
        })?;
        let found = self.by_valid_code(&s.code.to_string())?;
        match s.secret {
            Some(secret) => self.unlock(&found, &secret).or(Ok(found)),
            None => Ok(found),
        }
    }

    fn kiosk_id(&self) -> String {
        self.store
            .state("kiosk_id")
            .ok()
            .flatten()
            .unwrap_or_else(|| "KIOSK".into())
    }

    /// An event for the outbox: its identity is made once, here, and kept with it.
    fn event(seq: u64, at: DateTime<FixedOffset>, body: KioskEventBody) -> KioskEvent {
        KioskEvent {
            id: uuid::Uuid::new_v4(),
            seq,
            at,
            body,
        }
    }

    /// Take a feedback into the outbox; its tracking code (valid at once, offline too).
    pub fn feedback(
        &self,
        category: &str,
        content: &str,
        name: &str,
        phone: &str,
        consent: bool,
        now: DateTime<FixedOffset>,
    ) -> Result<String, Notice> {
        // The server's own rule: what the kiosk takes, the server takes.
        let c = motcua_core::feedback::check(&motcua_core::feedback::Draft {
            category,
            content,
            name: Some(name),
            phone: Some(phone),
            consent,
        })
        .map_err(|e| Notice::of(&e))?;
        if !consent {
            return Err(Notice::new(
                "Vui lòng xác nhận đồng ý để Trung tâm tiếp nhận và xử lý phản ánh.",
                "Please confirm that the centre may receive and handle your feedback.",
            ));
        }
        let kiosk_id = self.kiosk_id();
        let body = FeedbackIn {
            category: c.category,
            content: c.content,
            name: c.name,
            phone: c.phone,
            dossier: None,
            consent: true,
            channel: None,
            received_at: None,
        };
        let (_, event) = self
            .store
            .enqueue(|seq| Self::event(seq, now, KioskEventBody::Feedback(body)))
            .map_err(Self::storage)?;
        Ok(motcua_core::codes::kiosk_feedback_code(
            &kiosk_id,
            event.id.as_u128(),
        ))
    }

    /// The rating scale the server set (3 levels until it says otherwise).
    pub fn rating_scale(&self) -> motcua_core::rating::Scale {
        self.store
            .settings()
            .ok()
            .flatten()
            .map_or(motcua_core::rating::Scale::Three, |s| s.rating_scale)
    }

    /// Take a rating into the outbox.
    pub fn rate(&self, r: &RatingChoice, now: DateTime<FixedOffset>) -> Result<(), Notice> {
        let checked = motcua_core::rating::check(
            self.rating_scale(),
            r.level,
            r.criteria.iter().map(|(k, l)| (k.as_str(), *l)),
        );
        match checked {
            Err(motcua_core::rating::RatingError::Level(_)) => {
                // Said when "send" is pressed before a face is chosen (the criteria alone are
                // not a rating).
                return Err(Notice::new(
                    "Vui lòng chọn mức hài lòng chung (một trong các mặt cười) trước khi gửi.",
                    "Please choose your overall level (one of the faces) before sending.",
                ));
            }
            Err(e) => return Err(Notice::of(&e)),
            Ok(()) => {}
        }
        let body = RatingIn {
            level: r.level,
            dossier: r.dossier.clone(),
            counter: r.counter.map(|c| c.to_string()),
            officer: r.officer.clone(),
            criteria: r.criteria.iter().cloned().collect(),
            ..RatingIn::default()
        };
        self.store
            .enqueue(|seq| Self::event(seq, now, KioskEventBody::Rating(body)))
            .map_err(Self::storage)?;
        Ok(())
    }

    /// The fees of `d` as a bank transfer, when it has fees due and the centre set an account
    /// for them.
    pub fn payment(&self, d: &PublicDetail) -> Option<Payment> {
        let motcua_core::public::NextStep::PayFees { amount } = d.next else {
            return None;
        };
        let account = self.store.centre().ok().flatten()?.payment?;
        let payload = motcua_core::vietqr::payload(&account, amount, &d.row.code)
            .inspect_err(|e| tracing::warn!(error = %e, "no payment code for the fees"))
            .ok()?;
        let amount = motcua_core::public::thousands(amount);
        let part = |label: &str, v: &str| match v {
            "" => String::new(),
            v => format!(", {label} {v}"),
        };
        Some(Payment {
            payload,
            vi: format!(
                "Quét mã bằng ứng dụng ngân hàng để nộp {amount} đồng: tài khoản {}{}{}. \
                 Nội dung chuyển khoản: {}. Giữ lại biên lai chuyển khoản.",
                account.account,
                part("ngân hàng", &account.bank),
                part("chủ tài khoản", &account.holder),
                d.row.code
            ),
            en: format!(
                "Scan with a banking app to pay {amount} đồng: account {}{}{}. Transfer \
                 content: {}. Keep the transfer receipt.",
                account.account,
                part("bank", &account.bank),
                part("holder", &account.holder),
                d.row.code
            ),
        })
    }

    fn centre_name(&self) -> String {
        self.store
            .centre()
            .ok()
            .flatten()
            .map_or_else(|| "Trung tâm Phục vụ hành chính công".into(), |c| c.name)
    }

    /// Print a slip; the printer's state goes to the heartbeat and the outcome to the outbox
    /// (the fleet console sees paper running out before a visitor says so).
    fn print(&self, kind: &str, slip: &motcua_core::slip::Slip) -> Result<(), Notice> {
        let Some((target, profile)) = &self.options.printer else {
            return Err(Notice::new(
                "Kiosk này không có máy in. Vui lòng ghi lại mã của quý vị.",
                "This kiosk has no printer. Please note your code.",
            ));
        };
        let target = Target::parse(target).map_err(|e| Notice::of(&e))?;
        let profile = Profile::bundled(profile).map_err(|e| Notice::of(&e))?;
        let mut p = Printer::new(target, profile);
        let r = p.print(slip);
        let status = match &r {
            Ok(s) => *s,
            Err(PrinterError::NotReady(s)) => *s,
            Err(_) => PrinterStatus::Offline,
        };
        if let Some(h) = &self.options.health
            && let Ok(mut p) = h.printer.lock()
        {
            *p = status;
        }
        let outcome = PrintResult {
            slip: kind.to_owned(),
            ok: r.is_ok(),
            printer: status,
            error: r.as_ref().err().map(|e| {
                tracing::warn!(error = %e, "print failed");
                e.code().to_owned()
            }),
        };
        if let Err(e) = self
            .store
            .enqueue(|seq| Self::event(seq, now_vn(), KioskEventBody::PrintResult(outcome)))
        {
            tracing::error!(error = %e, "outbox");
        }
        r.map(|_| ()).map_err(|e| {
            let n = Notice::of(&e);
            if n.vi.contains("ghi lại mã") {
                return n;
            }
            Notice::new(
                format!("{} Vui lòng ghi lại mã của quý vị.", n.vi),
                format!("{} Please note your code.", n.en),
            )
        })
    }

    /// Print the status slip of an unlocked dossier.
    pub fn print_status(&self, found: &Found, now: DateTime<FixedOffset>) -> Result<(), Notice> {
        let fmt = |t: DateTime<FixedOffset>| t.format("%H:%M %d/%m/%Y").to_string();
        let Some(d) = &found.detail else {
            return Err(Notice::new(
                "Vui lòng nhập mã tra cứu trước khi in.",
                "Please enter the lookup secret before printing.",
            ));
        };
        let code = DossierCode::parse(&d.row.code).map_err(|e| Notice::of(&e))?;
        let status = motcua_core::NationalStatus::from_code(d.row.status)
            .unwrap_or(motcua_core::NationalStatus::Received);
        let slip = status_slip(&StatusSlip {
            centre: self.centre_name(),
            code,
            secret: found.secret.clone(),
            procedure: d.row.procedure.clone(),
            applicant: d.row.masked_name.clone(),
            agency: d.agency.clone(),
            received: fmt(d.row.received_at),
            appointment: fmt(d.row.appointment),
            status,
            step_vi: d.step_vi.clone(),
            step_en: d.step_en.clone(),
            timeliness: d.timeliness,
            next: Some(d.next_vi.clone()),
            payment: self.payment(d),
            printed_at: fmt(now),
        });
        self.print("status", &slip)
    }

    /// Print the receipt of a feedback.
    pub fn print_feedback(&self, code: &str, now: DateTime<FixedOffset>) -> Result<(), Notice> {
        let slip = feedback_slip(
            &self.centre_name(),
            code,
            &now.format("%H:%M %d/%m/%Y").to_string(),
        );
        self.print("feedback", &slip)
    }
}

/// A dossier's fees as a VietQR transfer: the code's payload and what it asks, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub payload: String,
    pub vi: String,
    pub en: String,
}

/// What the queue screen shows of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    pub letter: char,
    pub name_vi: String,
    pub name_en: String,
    /// People waiting (known online only).
    pub waiting: Option<u32>,
    pub wait_minutes: Option<u32>,
    /// Issuing now; else when it opens next.
    pub issuing: bool,
    pub next_open: Option<DateTime<FixedOffset>>,
}

impl Logic {
    /// The services a visitor can take a number for: from the server when it answers (with the
    /// people waiting and the estimate), else from the configuration the kiosk holds.
    pub fn queue_lines(&self, now: DateTime<FixedOffset>) -> Result<Vec<QueueLine>, Notice> {
        let centre = self
            .store
            .settings()
            .ok()
            .flatten()
            .map(|s| s.centre.to_string());
        if let Some(centre) = centre
            && let Some(Ok(board)) =
                self.online(
                    |c| async move { c.get::<BoardState>(&routes::public_queue(&centre)).await },
                )
        {
            return Ok(board
                .lines
                .into_iter()
                .map(|l| QueueLine {
                    letter: l.service,
                    name_vi: l.name_vi,
                    name_en: l.name_en,
                    waiting: Some(l.waiting),
                    wait_minutes: l.wait_minutes,
                    issuing: l.issuing,
                    next_open: l.next_open,
                })
                .collect());
        }
        let cfg = self.queue_config()?;
        let cal = motcua_core::Calendar::vietnam_default();
        Ok(cfg
            .services
            .iter()
            .filter(|s| s.active)
            .map(|s| {
                let closed = cfg.issuing(s, &cal, now).err();
                QueueLine {
                    letter: s.letter,
                    name_vi: s.name(Lang::Vi).to_owned(),
                    name_en: s.name(Lang::En).to_owned(),
                    waiting: None,
                    wait_minutes: None,
                    issuing: closed.is_none(),
                    next_open: closed.and_then(|c| c.next_open),
                }
            })
            .collect())
    }

    fn queue_config(&self) -> Result<motcua_core::queue::QueueConfig, Notice> {
        self.store.queue().map_err(Self::storage)?.ok_or_else(|| {
            Notice::new(
                "Kiosk chưa nhận được danh sách dịch vụ xếp hàng. Vui lòng lấy số tại quầy tiếp nhận.",
                "The kiosk has not received the queue's services yet. Please take a number at the \
                 reception desk.",
            )
        })
    }

    /// Take a queue number: from the server when it answers, else from this kiosk's offline
    /// block (the ticket reaches the server through the outbox and is called in its place by
    /// issue time). A refusal of the server (closed, the day's numbers used up) is the visitor's
    /// answer as it is.
    pub fn take_number(
        &self,
        service: char,
        priority: Option<Priority>,
        now: DateTime<FixedOffset>,
    ) -> Result<TicketView, Notice> {
        let req = IssueRequest { service, priority };
        match self
            .online(|c| async move { c.post::<_, TicketView>(routes::SYNC_TICKETS, &req).await })
        {
            Some(Ok(t)) => return Ok(t),
            Some(Err(e @ ClientError::Refused { status, .. })) if status < 500 => {
                return Err(
                    refused(&e).unwrap_or_else(|| Notice::of(&QueueError::NoSuchService(service)))
                );
            }
            Some(Err(e)) => tracing::warn!(error = %e, "queue number offline"),
            None => {}
        }
        self.take_number_offline(service, priority, now)
    }

    /// Check a booking in: the server issues its ticket (placed at the slot's start). Online
    /// only: offline, the visitor is told to take an ordinary number.
    pub fn check_in(&self, code: &str) -> Result<TicketView, Notice> {
        let code = motcua_core::booking::BookingCode::parse(code).map_err(|e| Notice::of(&e))?;
        let req = motcua_protocol::queue::CheckInRequest {
            code: code.digits(),
        };
        match self
            .online(|c| async move { c.post::<_, TicketView>(routes::SYNC_CHECK_IN, &req).await })
        {
            Some(Ok(t)) => Ok(t),
            Some(Err(e @ ClientError::Refused { status, .. })) if status < 500 => Err(refused(&e)
                .unwrap_or_else(|| Notice::of(&motcua_core::booking::BookingError::NotFound))),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "check-in offline");
                Err(Self::check_in_offline())
            }
            None => Err(Self::check_in_offline()),
        }
    }

    fn check_in_offline() -> Notice {
        Notice::new(
            "Kiosk đang mất kết nối nên chưa xác nhận được lịch hẹn. Quý vị vui lòng lấy số thứ \
             tự thông thường hoặc đến quầy tiếp nhận.",
            "The kiosk is offline and cannot confirm the booking. Please take an ordinary number \
             or go to the reception desk.",
        )
    }

    fn take_number_offline(
        &self,
        service: char,
        priority: Option<Priority>,
        now: DateTime<FixedOffset>,
    ) -> Result<TicketView, Notice> {
        let cfg = self.queue_config()?;
        let settings = self.store.settings().map_err(Self::storage)?;
        let Some(block) = settings
            .as_ref()
            .and_then(|s| s.queue_slot)
            .and_then(motcua_core::queue::offline_block)
        else {
            return Err(Notice::new(
                "Kiosk đang mất kết nối và không được cấp số khi mất kết nối. Vui lòng lấy số tại \
                 quầy tiếp nhận.",
                "The kiosk is offline and does not issue numbers offline. Please take a number at \
                 the reception desk.",
            ));
        };
        let svc = cfg
            .service(service)
            .filter(|s| s.active)
            .ok_or_else(|| Notice::of(&QueueError::NoSuchService(service)))?;
        let cal = motcua_core::Calendar::vietnam_default();
        cfg.issuing(svc, &cal, now)
            .map_err(|c| Notice::of(&QueueError::Closed(service, c.next_open)))?;
        let day = cal.in_zone(now).date_naive();
        let key: String = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();
        let taken = self
            .store
            .take_offline_number(day, service, block, |seq, number| {
                Self::event(
                    seq,
                    now,
                    KioskEventBody::Ticket(OfflineTicket {
                        day,
                        number: TicketNumber {
                            letter: service,
                            number,
                        }
                        .to_string(),
                        priority,
                        issued_at: now,
                        key: key.clone(),
                    }),
                )
            })
            .map_err(Self::storage)?;
        let Some((number, _)) = taken else {
            return Err(Notice::new(
                "Kiosk đã cấp hết số dành cho lúc mất kết nối hôm nay. Vui lòng lấy số tại quầy \
                 tiếp nhận.",
                "The kiosk has used up today's offline numbers. Please take a number at the \
                 reception desk.",
            ));
        };
        let number = TicketNumber {
            letter: service,
            number,
        };
        let centre = settings.map(|s| s.centre.to_string()).unwrap_or_default();
        Ok(TicketView {
            id: format!("{centre}-{}-{number}", day.format("%y%m%d")),
            centre,
            centre_name: self.centre_name(),
            day,
            number: number.to_string(),
            service,
            service_vi: svc.name(Lang::Vi).to_owned(),
            service_en: svc.name(Lang::En).to_owned(),
            priority,
            issued_at: now,
            offline: true,
            state: TicketState::Waiting,
            state_vi: TicketState::Waiting.label(Lang::Vi).into(),
            state_en: TicketState::Waiting.label(Lang::En).into(),
            ahead: None,
            wait_minutes: None,
            counter: None,
            key: Some(key),
            may_rate: false,
            booked_for: None,
        })
    }

    /// The address a ticket's QR opens on a phone.
    pub fn ticket_url(&self, t: &TicketView) -> String {
        let base = self
            .store
            .settings()
            .ok()
            .flatten()
            .and_then(|s| s.public_url)
            .or_else(|| self.options.server.clone())
            .unwrap_or_default();
        let base = base.trim_end_matches('/');
        match &t.key {
            Some(k) => format!("{base}/q/{}?k={k}", t.id),
            None => format!("{base}/q/{}", t.id),
        }
    }

    /// Print a queue ticket.
    pub fn print_ticket(&self, t: &TicketView) -> Result<(), Notice> {
        let slip = ticket_slip(t, &self.ticket_url(t));
        self.print("ticket", &slip)
    }
}

fn wrong_secret() -> Notice {
    Notice::new(
        "Mã tra cứu không đúng. Mã tra cứu gồm 4 chữ số, in trên giấy tiếp nhận hồ sơ.",
        "Wrong lookup secret. It is the 4 digits printed on the receipt.",
    )
}
