//! What the kiosk does for a visitor, apart from drawing it: look up a dossier by code, citizen
//! ID, name or a scanned receipt (local replica first, the server for what it lacks), unlock the
//! detail with the receipt's secret, take feedback and ratings into the outbox, print slips.
//! Every failure is a [`Notice`] in Vietnamese and English; nothing here panics on bad input.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use motcua_core::devices::PrinterStatus;
use motcua_core::privacy::{citizen_hash, key_from_hex, name_hash, secret_hash};
use motcua_core::public::{PublicDetail, PublicRow};
use motcua_core::{CitizenId, DossierCode, Lang, Localized};
use motcua_drivers::profile::Profile;
use motcua_drivers::transport::{Printer, PrinterError, Target};
use motcua_server::changes::KioskDossier;
use serde_json::json;

use crate::slips::{StatusSlip, feedback_slip, status_slip};
use crate::store::Store;

/// The wall clock in Vietnam time.
pub fn now_vn() -> DateTime<FixedOffset> {
    chrono::Utc::now().with_timezone(&FixedOffset::east_opt(7 * 3600).expect("+07"))
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

/// Wrong secrets allowed per dossier before the kiosk stops checking for a while.
const WRONG_SECRETS: u32 = 5;
const SECRET_LOCK: Duration = Duration::from_secs(15 * 60);

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
    http: reqwest::Client,
    rt: tokio::runtime::Runtime,
    wrong: Mutex<HashMap<String, (u32, Instant)>>,
}

fn not_found() -> Notice {
    Notice::new(
        "Không tìm thấy hồ sơ. Vui lòng kiểm tra lại mã trên giấy tiếp nhận hoặc hỏi cán bộ tại quầy.",
        "No dossier found. Please check the code on your receipt or ask at the desk.",
    )
}

impl Logic {
    pub fn new(store: Store, options: Options) -> Logic {
        Logic {
            store,
            options,
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(2))
                .timeout(Duration::from_secs(3))
                .build()
                .expect("an HTTP client"),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            wrong: Mutex::new(HashMap::new()),
        }
    }

    fn key(&self) -> Result<Vec<u8>, Notice> {
        self.store
            .state("hash_key")
            .ok()
            .flatten()
            .and_then(|k| key_from_hex(&k))
            .ok_or_else(|| {
                Notice::new(
                    "Kiosk chưa sẵn sàng (chưa đăng ký với máy chủ). Vui lòng hỏi cán bộ tại quầy.",
                    "The kiosk is not ready (not enrolled with the server). Please ask at the desk.",
                )
            })
    }

    fn storage(e: impl std::fmt::Display) -> Notice {
        tracing::error!(error = %e, "kiosk storage");
        Notice::new(
            "Kiosk gặp lỗi khi đọc dữ liệu. Vui lòng thử lại hoặc hỏi cán bộ tại quầy.",
            "The kiosk could not read its data. Please try again or ask at the desk.",
        )
    }

    fn online(&self, path: &str) -> Option<serde_json::Value> {
        let base = self.options.server.as_ref()?;
        let url = format!("{base}{path}");
        self.rt.block_on(async {
            let r = self.http.get(url).send().await.ok()?;
            if !r.status().is_success() {
                return None;
            }
            r.json().await.ok()
        })
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
        let code = DossierCode::parse(&cleaned.to_uppercase()).map_err(|e| Notice::of(&e))?;
        self.by_valid_code(&code.to_string())
    }

    fn by_valid_code(&self, code: &str) -> Result<Found, Notice> {
        if let Some(d) = self.store.dossier(code).map_err(Self::storage)? {
            return Ok(Found {
                row: d.detail.row.clone(),
                detail: None,
                secret: None,
                local: Some(d),
            });
        }
        // Not in this kiosk's replica (another agency, or not synced yet): ask the server.
        let v = self
            .online(&format!("/api/v1/public/dossiers/{code}"))
            .ok_or_else(not_found)?;
        let row: PublicRow = serde_json::from_value(v).map_err(|_| not_found())?;
        Ok(Found {
            row,
            detail: None,
            secret: None,
            local: None,
        })
    }

    /// Rows for a citizen ID (CCCD 12 digits, CMND 9 digits, or a passport number).
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
        let key = self.key()?;
        Self::rows(self.store.by_citizen(&citizen_hash(&key, &id)))
    }

    /// The minimal rows of what an index lookup found; none is "not found".
    fn rows(
        found: Result<Vec<KioskDossier>, crate::store::StoreError>,
    ) -> Result<Vec<PublicRow>, Notice> {
        let rows: Vec<PublicRow> = found
            .map_err(Self::storage)?
            .into_iter()
            .map(|d| d.detail.row)
            .collect();
        if rows.is_empty() {
            return Err(not_found());
        }
        Ok(rows)
    }

    /// Rows for a full name (at least two words; marks and case do not matter).
    pub fn by_name(&self, input: &str) -> Result<Vec<PublicRow>, Notice> {
        let folded = motcua_core::text::fold(input);
        if folded.split_whitespace().count() < 2 {
            return Err(Notice::new(
                "Vui lòng nhập đầy đủ họ và tên người nộp hồ sơ.",
                "Please enter the applicant's full name.",
            ));
        }
        let key = self.key()?;
        Self::rows(self.store.by_name(&name_hash(&key, input)))
    }

    /// Unlock the detail with the receipt's 4-digit secret.
    pub fn unlock(&self, found: &Found, secret: &str) -> Result<Found, Notice> {
        let secret = secret.trim();
        if secret.len() != 4 || !secret.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Notice::new(
                "Mã tra cứu gồm 4 chữ số, in trên giấy tiếp nhận hồ sơ.",
                "The lookup secret is the 4 digits printed on the receipt.",
            ));
        }
        let code = found.row.code.clone();
        {
            let w = self.wrong.lock().expect("lock");
            if let Some((n, since)) = w.get(&code)
                && *n >= WRONG_SECRETS
                && since.elapsed() < SECRET_LOCK
            {
                return Err(Notice::new(
                    "Nhập sai mã tra cứu nhiều lần; vui lòng thử lại sau 15 phút hoặc hỏi cán bộ tại quầy.",
                    "Too many wrong secrets; please try again in 15 minutes or ask at the desk.",
                ));
            }
        }
        let wrong = || {
            let mut w = self.wrong.lock().expect("lock");
            let e = w.entry(code.clone()).or_insert((0, Instant::now()));
            if e.1.elapsed() >= SECRET_LOCK {
                *e = (0, Instant::now());
            }
            e.0 += 1;
            Notice::new(
                "Mã tra cứu không đúng. Mã tra cứu gồm 4 chữ số, in trên giấy tiếp nhận hồ sơ.",
                "Wrong lookup secret. It is the 4 digits printed on the receipt.",
            )
        };
        match &found.local {
            Some(d) => {
                let key = self.key()?;
                if secret_hash(&key, &code, secret) != d.secret_hash {
                    return Err(wrong());
                }
                let mut detail = d.detail.clone();
                // The replica's copy was projected when it last changed: overdue is now.
                detail.overdue = d.open && chrono::Utc::now() > detail.row.appointment;
                Ok(Found {
                    detail: Some(detail),
                    secret: Some(secret.to_owned()),
                    ..found.clone()
                })
            }
            None => {
                let v = self
                    .online(&format!("/api/v1/public/dossiers/{code}?secret={secret}"))
                    .ok_or_else(wrong)?;
                let detail: PublicDetail = serde_json::from_value(v).map_err(|_| wrong())?;
                Ok(Found {
                    detail: Some(detail),
                    secret: Some(secret.to_owned()),
                    ..found.clone()
                })
            }
        }
    }

    /// A scan from the receipt's QR (or a typed code from a wedge scanner).
    pub fn scan(&self, raw: &[u8]) -> Result<Found, Notice> {
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

    fn event(
        &self,
        seq: u64,
        at: DateTime<FixedOffset>,
        kind: &str,
        data: serde_json::Value,
    ) -> serde_json::Value {
        // A UUID made of the kiosk's id digest and its sequence: unique per kiosk, stable across
        // retries.
        let id_hash = motcua_core::privacy::name_hash(self.kiosk_id().as_bytes(), "kiosk");
        let uuid = format!(
            "{}-{}-4{}-8{}-{seq:012x}",
            &id_hash[..8],
            &id_hash[8..12],
            &id_hash[13..16],
            &id_hash[17..20]
        );
        json!({"id": uuid, "seq": seq, "at": at, "type": kind, "data": data})
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
        let content = content.trim();
        if content.chars().count() < 5 {
            return Err(Notice::new(
                "Vui lòng nhập nội dung phản ánh, kiến nghị.",
                "Please write your feedback.",
            ));
        }
        if !consent {
            return Err(Notice::new(
                "Vui lòng xác nhận đồng ý để Trung tâm tiếp nhận và xử lý phản ánh.",
                "Please confirm that the centre may receive and handle your feedback.",
            ));
        }
        let phone = phone.trim();
        let phone_ok = phone.is_empty()
            || ((9..=11).contains(&phone.len()) && phone.bytes().all(|b| b.is_ascii_digit()));
        if !phone_ok {
            return Err(Notice::new(
                "Số điện thoại gồm 9 đến 11 chữ số (có thể để trống).",
                "A phone number has 9 to 11 digits (or leave it empty).",
            ));
        }
        let name = motcua_core::text::normalize(name);
        let kiosk_id = self.kiosk_id();
        let (seq, _) = self
            .store
            .enqueue(|seq| {
                let mut data = json!({"category": category, "content": content, "consent": true});
                if !name.is_empty() {
                    data["name"] = json!(name);
                }
                if !phone.is_empty() {
                    data["phone"] = json!(phone);
                }
                self.event(seq, now, "feedback", data)
            })
            .map_err(Self::storage)?;
        Ok(motcua_core::codes::kiosk_feedback_code(&kiosk_id, seq))
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
        let levels = self.rating_scale().levels();
        let valid = |l: u8| (1..=levels).contains(&l);
        if !valid(r.level) {
            return Err(Notice::new(
                "Vui lòng chọn một mức đánh giá.",
                "Please choose a level.",
            ));
        }
        if r.criteria
            .iter()
            .any(|(k, l)| !motcua_core::rating::is_criterion(k) || !valid(*l))
        {
            return Err(Notice::new(
                "Đánh giá theo tiêu chí không hợp lệ.",
                "Invalid answer to a criterion.",
            ));
        }
        self.store
            .enqueue(|seq| {
                let mut data = json!({"level": r.level});
                if let Some(d) = &r.dossier {
                    data["dossier"] = json!(d);
                }
                if let Some(c) = r.counter {
                    data["counter"] = json!(c.to_string());
                }
                if let Some(o) = &r.officer {
                    data["officer"] = json!(o);
                }
                if !r.criteria.is_empty() {
                    let map: serde_json::Map<String, serde_json::Value> = r
                        .criteria
                        .iter()
                        .map(|(k, l)| (k.clone(), json!(l)))
                        .collect();
                    data["criteria"] = serde_json::Value::Object(map);
                }
                self.event(seq, now, "rating", data)
            })
            .map_err(Self::storage)?;
        Ok(())
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
        if let Some(h) = &self.options.health {
            *h.printer.lock().expect("health lock") = status;
        }
        let outcome = match &r {
            Ok(_) => json!({"slip": kind, "ok": true, "printer": status}),
            Err(e) => {
                tracing::warn!(error = %e, "print failed");
                json!({"slip": kind, "ok": false, "printer": status, "error": e.code()})
            }
        };
        if let Err(e) = self
            .store
            .enqueue(|seq| self.event(seq, now_vn(), "print_result", outcome))
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
