//! The queue of a centre's hall as a pure state machine: services with a letter and issuing
//! hours, counters that serve some of them, and tickets that are waiting, called, served.
//!
//! Like the dossier workflow, a [`TicketCommand`] is checked against a [`Ticket`] by
//! [`Ticket::decide`], which yields the [`TicketEvent`] it causes or a [`QueueError`]; events are
//! stored and folded by [`Ticket::apply`]. Which ticket a counter calls next is
//! [`next_for_counter`]; whether a service issues numbers now is [`QueueConfig::issuing`].
//!
//! Numbers restart every day. The number space of a service and day is split in two (see
//! `docs/queue.md`): the server hands out [`ONLINE_FIRST`]..=[`ONLINE_LAST`] consecutively, and each
//! kiosk that may issue while the network is down owns a block of [`OFFLINE_BLOCK`] numbers at the
//! top, the same every day ([`offline_block`]), so no number is ever given twice.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, NotCovered};
use crate::codes::AgencyCode;
use crate::i18n::{Lang, Localized};

/// An instant as the queue records it.
pub type Instant = DateTime<FixedOffset>;

/// The first number the server hands out each day.
pub const ONLINE_FIRST: u16 = 1;
/// The last number the server hands out each day (a service's daily limit is at most this).
pub const ONLINE_LAST: u16 = 799;
/// How many numbers a kiosk owns for issuing offline, per service and day.
pub const OFFLINE_BLOCK: u16 = 50;
/// How many kiosks of a centre may issue offline (their blocks fill 800–999).
pub const OFFLINE_SLOTS: u8 = 4;
/// The most services of a centre (one per letter).
pub const MAX_SERVICES: usize = 26;
/// The most counters of a centre.
pub const MAX_COUNTERS: usize = 200;
/// The most issuing windows of a day.
pub const MAX_WINDOWS: usize = 6;
/// The most procedures or agencies a service lists.
pub const MAX_COVERS: usize = 500;

/// The numbers a kiosk with offline slot `slot` (1..=[`OFFLINE_SLOTS`]) may issue offline, for
/// every service and day: slot 1 owns 950–999, slot 2 900–949, and so on down to 800.
pub fn offline_block(slot: u8) -> Option<std::ops::RangeInclusive<u16>> {
    if slot == 0 || slot > OFFLINE_SLOTS {
        return None;
    }
    let top = 999 - (u16::from(slot) - 1) * OFFLINE_BLOCK;
    Some(top + 1 - OFFLINE_BLOCK..=top)
}

/// A ticket's number as shown and called: the service's letter and three digits, e.g. `A012`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TicketNumber {
    pub letter: char,
    pub number: u16,
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:03}", self.letter, self.number)
    }
}

impl TicketNumber {
    /// Parse `A012` (a letter A–Z and one to three digits, 1–999).
    pub fn parse(s: &str) -> Result<TicketNumber, QueueError> {
        let s = s.trim();
        let mut chars = s.chars();
        let bad = || QueueError::BadNumber(s.chars().take(12).collect());
        let letter = chars
            .next()
            .filter(char::is_ascii_uppercase)
            .ok_or_else(bad)?;
        let digits = chars.as_str();
        if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let number: u16 = digits.parse().map_err(|_| bad())?;
        if number == 0 {
            return Err(bad());
        }
        Ok(TicketNumber { letter, number })
    }

    /// The number as the voice reads it: every digit on its own ("A không một hai").
    pub fn spoken(&self, lang: Lang) -> Vec<String> {
        let mut out = vec![self.letter.to_string()];
        out.extend(
            format!("{:03}", self.number)
                .chars()
                .map(|d| digit_word(d, lang).into()),
        );
        out
    }
}

/// A digit as said aloud.
pub fn digit_word(d: char, lang: Lang) -> &'static str {
    const VI: [&str; 10] = [
        "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
    ];
    const EN: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let i = d.to_digit(10).unwrap_or(0) as usize;
    match lang {
        Lang::Vi => VI[i],
        Lang::En => EN[i],
    }
}

/// Why a ticket is served first within its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Người cao tuổi.
    Elderly,
    /// Người khuyết tật.
    Disability,
    /// Phụ nữ mang thai.
    Pregnant,
    /// Người đi cùng trẻ nhỏ.
    SmallChild,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Elderly,
        Priority::Disability,
        Priority::Pregnant,
        Priority::SmallChild,
    ];

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Priority::Elderly, Lang::Vi) => "Người cao tuổi",
            (Priority::Elderly, Lang::En) => "Elderly person",
            (Priority::Disability, Lang::Vi) => "Người khuyết tật",
            (Priority::Disability, Lang::En) => "Person with a disability",
            (Priority::Pregnant, Lang::Vi) => "Phụ nữ mang thai",
            (Priority::Pregnant, Lang::En) => "Pregnant woman",
            (Priority::SmallChild, Lang::Vi) => "Người đi cùng trẻ nhỏ",
            (Priority::SmallChild, Lang::En) => "With a small child",
        }
    }
}

/// An issuing window of a day, local time: numbers are issued from `from` until `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub from: NaiveTime,
    pub to: NaiveTime,
}

/// A service of the hall: what visitors choose at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// The letter its numbers start with, A–Z, unique in the centre.
    pub letter: char,
    pub name_vi: String,
    pub name_en: String,
    /// The procedures (catalogue ids) it covers, to suggest it for a dossier.
    #[serde(default)]
    pub procedures: Vec<String>,
    /// The agencies whose procedures it covers.
    #[serde(default)]
    pub agencies: Vec<AgencyCode>,
    /// The most numbers it issues a day (1..=[`ONLINE_LAST`]).
    pub daily_limit: u16,
    /// Issuing windows on working days.
    pub hours: Vec<Window>,
    /// Issuing windows on Saturdays that are not holidays; empty: closed.
    #[serde(default)]
    pub saturday: Vec<Window>,
    /// A service taken out of use issues nothing; tickets already waiting are still served.
    #[serde(default = "yes")]
    pub active: bool,
    /// Whether (and how) visitors may book a time slot ahead (see [`crate::booking`]).
    #[serde(default)]
    pub booking: Option<crate::booking::BookingRule>,
}

fn yes() -> bool {
    true
}

impl Service {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.name_vi,
            Lang::En if self.name_en.is_empty() => &self.name_vi,
            Lang::En => &self.name_en,
        }
    }
}

/// A counter of the hall and the services it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterDef {
    pub number: u16,
    pub name: String,
    pub services: Vec<char>,
}

/// How a centre's queue works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueConfig {
    pub services: Vec<Service>,
    pub counters: Vec<CounterDef>,
    /// How many times a ticket is called again before it may be marked a no-show.
    #[serde(default = "default_recalls")]
    pub recalls_before_no_show: u8,
}

fn default_recalls() -> u8 {
    2
}

/// When a service is closed for issuing: why, and when it opens next (if within two weeks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub next_open: Option<Instant>,
}

impl QueueConfig {
    pub fn service(&self, letter: char) -> Option<&Service> {
        self.services.iter().find(|s| s.letter == letter)
    }

    pub fn counter(&self, number: u16) -> Option<&CounterDef> {
        self.counters.iter().find(|c| c.number == number)
    }

    /// Check everything a centre admin sends: letters, names, limits, windows, counters.
    pub fn check(&self) -> Result<(), QueueError> {
        use crate::text::free_text;
        if self.services.len() > MAX_SERVICES || self.counters.len() > MAX_COUNTERS {
            return Err(QueueError::Config("too_many".into()));
        }
        let bad = |what: String| Err(QueueError::Config(what));
        let mut letters = std::collections::BTreeSet::new();
        for s in &self.services {
            if !s.letter.is_ascii_uppercase() || !letters.insert(s.letter) {
                return bad(format!("letter {}", s.letter));
            }
            if free_text(&s.name_vi, 100, false).is_err()
                || (!s.name_en.is_empty() && free_text(&s.name_en, 100, false).is_err())
            {
                return bad(format!("name {}", s.letter));
            }
            if s.daily_limit == 0 || s.daily_limit > ONLINE_LAST {
                return bad(format!("daily_limit {}", s.letter));
            }
            if s.booking.is_some_and(|b| !b.check()) {
                return bad(format!("booking {}", s.letter));
            }
            if s.procedures.len() > MAX_COVERS
                || s.agencies.len() > MAX_COVERS
                || s.procedures.iter().any(|p| p.is_empty() || p.len() > 64)
            {
                return bad(format!("covers {}", s.letter));
            }
            for day in [&s.hours, &s.saturday] {
                if day.len() > MAX_WINDOWS {
                    return bad(format!("hours {}", s.letter));
                }
                let mut last = NaiveTime::MIN;
                for (i, w) in day.iter().enumerate() {
                    if w.from >= w.to || (i > 0 && w.from < last) {
                        return bad(format!("hours {}", s.letter));
                    }
                    last = w.to;
                }
            }
        }
        let mut numbers = std::collections::BTreeSet::new();
        for c in &self.counters {
            if c.number == 0 || c.number > 999 || !numbers.insert(c.number) {
                return bad(format!("counter {}", c.number));
            }
            if free_text(&c.name, 100, false).is_err() || c.services.is_empty() {
                return bad(format!("counter {}", c.number));
            }
            if c.services.iter().any(|l| !letters.contains(l)) || c.services.len() > MAX_SERVICES {
                return bad(format!("counter {}", c.number));
            }
        }
        if self.recalls_before_no_show > 10 {
            return bad("recalls_before_no_show".into());
        }
        Ok(())
    }

    /// The issuing windows of `service` on `date`: its working-day hours on a working day of the
    /// calendar, its Saturday hours on a Saturday that is not a holiday, none otherwise.
    pub fn windows(
        &self,
        service: &Service,
        cal: &Calendar,
        date: NaiveDate,
    ) -> Result<Vec<Window>, NotCovered> {
        if cal.is_working_day(date)? {
            Ok(service.hours.clone())
        } else if date.weekday() == Weekday::Sat && cal.day_off(date).is_none() {
            Ok(service.saturday.clone())
        } else {
            Ok(Vec::new())
        }
    }

    /// Whether `service` issues numbers at `at`; when not, when it opens next.
    pub fn issuing(&self, service: &Service, cal: &Calendar, at: Instant) -> Result<(), Closed> {
        let local = cal.in_zone(at);
        let (date, time) = (local.date_naive(), local.time());
        let windows = |d| self.windows(service, cal, d).unwrap_or_default();
        if service.active && windows(date).iter().any(|w| w.from <= time && time < w.to) {
            return Ok(());
        }
        let mut next_open = None;
        if service.active {
            let mut d = date;
            'days: for _ in 0..15 {
                for w in windows(d) {
                    if d > date || w.from > time {
                        next_open = d.and_time(w.from).and_local_timezone(cal.zone()).single();
                        break 'days;
                    }
                }
                match d.succ_opt() {
                    Some(n) => d = n,
                    None => break,
                }
            }
        }
        Err(Closed { next_open })
    }
}

/// Who issued a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Issuer {
    /// A kiosk, online (the server allocated the number) or from its offline block.
    Kiosk { kiosk: String, offline: bool },
    /// Reception staff.
    Desk { user: String },
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Waiting,
    Called,
    Serving,
    /// Set aside at its counter (the visitor fetches a paper) until the officer takes it back.
    Held,
    Done,
    NoShow,
    Cancelled,
}

impl TicketState {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TicketState::Done | TicketState::NoShow | TicketState::Cancelled
        )
    }

    pub fn label(self, lang: Lang) -> &'static str {
        use TicketState::*;
        match (self, lang) {
            (Waiting, Lang::Vi) => "Đang chờ",
            (Waiting, Lang::En) => "Waiting",
            (Called, Lang::Vi) => "Đã gọi",
            (Called, Lang::En) => "Called",
            (Serving, Lang::Vi) => "Đang phục vụ",
            (Serving, Lang::En) => "Being served",
            (Held, Lang::Vi) => "Tạm chờ tại quầy",
            (Held, Lang::En) => "On hold at the counter",
            (Done, Lang::Vi) => "Đã phục vụ xong",
            (Done, Lang::En) => "Served",
            (NoShow, Lang::Vi) => "Vắng mặt khi được gọi",
            (NoShow, Lang::En) => "Did not come when called",
            (Cancelled, Lang::Vi) => "Đã hủy",
            (Cancelled, Lang::En) => "Cancelled",
        }
    }
}

/// What a counter (or the desk) does to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TicketCommand {
    /// Call it to a counter.
    Call { counter: u16 },
    /// Call it again to the same counter.
    Recall,
    /// It did not come after being called (and recalled as the centre requires).
    NoShow,
    /// The visitor is at the counter.
    Start,
    /// Served; optionally the dossier received.
    Finish {
        #[serde(default)]
        dossier: Option<String>,
    },
    /// Send it to another service's line, keeping its issue time.
    Transfer { service: char },
    /// Set it aside at the counter.
    Hold,
    /// Take it back from hold (called again to the same counter).
    Return,
    /// Cancel a waiting ticket.
    Cancel,
}

impl TicketCommand {
    pub fn name(&self) -> &'static str {
        match self {
            TicketCommand::Call { .. } => "call",
            TicketCommand::Recall => "recall",
            TicketCommand::NoShow => "no_show",
            TicketCommand::Start => "start",
            TicketCommand::Finish { .. } => "finish",
            TicketCommand::Transfer { .. } => "transfer",
            TicketCommand::Hold => "hold",
            TicketCommand::Return => "return",
            TicketCommand::Cancel => "cancel",
        }
    }
}

/// What happened to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub at: Instant,
    pub by: String,
    pub kind: TicketEventKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TicketEventKind {
    Called {
        counter: u16,
    },
    Recalled,
    NoShow,
    Started,
    Finished {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dossier: Option<String>,
    },
    Transferred {
        from: char,
        to: char,
    },
    Held,
    Returned,
    Cancelled,
}

/// A ticket and its story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The centre's working day it belongs to (numbers restart each day).
    pub day: NaiveDate,
    pub number: TicketNumber,
    /// The service whose line it is in now (a transfer changes it, not the number).
    pub service: char,
    #[serde(default)]
    pub priority: Option<Priority>,
    pub issued_at: Instant,
    pub issuer: Issuer,
    pub state: TicketState,
    #[serde(default)]
    pub counter: Option<u16>,
    /// The staff account at the counter when it was called.
    #[serde(default)]
    pub officer: Option<String>,
    /// How many times it was called (the first call and the recalls).
    #[serde(default)]
    pub calls: u8,
    #[serde(default)]
    pub called_at: Option<Instant>,
    #[serde(default)]
    pub started_at: Option<Instant>,
    #[serde(default)]
    pub finished_at: Option<Instant>,
    #[serde(default)]
    pub dossier: Option<String>,
    #[serde(default)]
    pub history: Vec<TicketEvent>,
    /// A secret printed in the ticket's QR (never shown on its public page): whoever holds the
    /// ticket may rate the service it got, once.
    #[serde(default)]
    pub key: String,
    /// Checked in from a booking: the start of its slot, where it stands in the line.
    #[serde(default)]
    pub booked_for: Option<Instant>,
    /// The booking's code (ten digits).
    #[serde(default)]
    pub booking: Option<String>,
}

/// Why the queue refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("invalid queue configuration: {0}")]
    Config(String),
    #[error("no service {0}")]
    NoSuchService(char),
    #[error("service {0} is not in use")]
    ServiceInactive(char),
    #[error("service {0} is closed for issuing")]
    Closed(char, Option<Instant>),
    #[error("service {0} has issued its {1} numbers today")]
    DailyLimit(char, u16),
    #[error("no counter {0}")]
    NoSuchCounter(u16),
    #[error("counter {0} does not serve service {1}")]
    NotServed(u16, char),
    #[error("cannot {command} a ticket that is {from:?}")]
    IllegalTransition {
        from: TicketState,
        command: &'static str,
    },
    #[error("the ticket is at counter {0}")]
    OtherCounter(u16),
    #[error("call it {0} more time(s) before marking it a no-show")]
    RecallFirst(u8),
    #[error("the ticket is already in service {0}")]
    SameService(char),
    #[error("bad ticket number {0:?}")]
    BadNumber(String),
    #[error("bad dossier code")]
    BadDossier,
}

impl Localized for QueueError {
    fn code(&self) -> &'static str {
        use QueueError::*;
        match self {
            Config(_) => "queue.config",
            NoSuchService(_) => "queue.no_such_service",
            ServiceInactive(_) => "queue.service_inactive",
            Closed(..) => "queue.closed",
            DailyLimit(..) => "queue.daily_limit",
            NoSuchCounter(_) => "queue.no_such_counter",
            NotServed(..) => "queue.not_served",
            IllegalTransition { .. } => "queue.illegal_transition",
            OtherCounter(_) => "queue.other_counter",
            RecallFirst(_) => "queue.recall_first",
            SameService(_) => "queue.same_service",
            BadNumber(_) => "queue.bad_number",
            BadDossier => "queue.bad_dossier",
        }
    }

    fn message(&self, lang: Lang) -> String {
        use QueueError::*;
        let when = |t: &Option<Instant>| match t {
            Some(t) => t.format("%H:%M %d/%m/%Y").to_string(),
            None => String::new(),
        };
        match lang {
            Lang::Vi => match self {
                Config(what) => format!("Cấu hình hàng đợi không hợp lệ ({what})."),
                NoSuchService(l) => format!("Không có dịch vụ {l}."),
                ServiceInactive(l) => format!("Dịch vụ {l} đã ngừng sử dụng."),
                Closed(l, None) => format!("Dịch vụ {l} hiện không cấp số thứ tự."),
                Closed(l, t) => format!(
                    "Dịch vụ {l} hiện không cấp số thứ tự. Mời quý khách quay lại lúc {}.",
                    when(t)
                ),
                DailyLimit(l, n) => format!(
                    "Dịch vụ {l} đã cấp hết {n} số của ngày hôm nay. Mời quý khách quay lại vào \
                     ngày làm việc tiếp theo."
                ),
                NoSuchCounter(n) => format!("Không có quầy số {n}."),
                NotServed(n, l) => format!("Quầy số {n} không phục vụ dịch vụ {l}."),
                IllegalTransition { from, command } => format!(
                    "Không thể {} số thứ tự đang ở trạng thái “{}”.",
                    command_vi(command),
                    from.label(Lang::Vi)
                ),
                OtherCounter(n) => format!("Số thứ tự này đang ở quầy số {n}."),
                RecallFirst(n) => format!("Cần gọi lại thêm {n} lần trước khi đánh dấu vắng mặt."),
                SameService(l) => format!("Số thứ tự đã ở dịch vụ {l}."),
                BadNumber(s) => format!("“{s}” không phải số thứ tự (ví dụ A012)."),
                BadDossier => "Mã hồ sơ không hợp lệ.".into(),
            },
            Lang::En => match self {
                Config(what) => format!("Invalid queue configuration ({what})."),
                NoSuchService(l) => format!("No service {l}."),
                ServiceInactive(l) => format!("Service {l} is no longer in use."),
                Closed(l, None) => format!("Service {l} is not issuing numbers now."),
                Closed(l, t) => format!(
                    "Service {l} is not issuing numbers now. Please come back at {}.",
                    when(t)
                ),
                DailyLimit(l, n) => format!(
                    "Service {l} has issued all {n} numbers for today. Please come back on the \
                     next working day."
                ),
                NoSuchCounter(n) => format!("No counter {n}."),
                NotServed(n, l) => format!("Counter {n} does not serve service {l}."),
                IllegalTransition { from, command } => format!(
                    "Cannot {} a ticket that is “{}”.",
                    command.replace('_', " "),
                    from.label(Lang::En)
                ),
                OtherCounter(n) => format!("This ticket is at counter {n}."),
                RecallFirst(n) => format!("Call it {n} more time(s) before marking it a no-show."),
                SameService(l) => format!("The ticket is already in service {l}."),
                BadNumber(s) => format!("“{s}” is not a ticket number (e.g. A012)."),
                BadDossier => "Invalid dossier code.".into(),
            },
        }
    }
}

fn command_vi(name: &str) -> &'static str {
    match name {
        "call" => "gọi",
        "recall" => "gọi lại",
        "no_show" => "đánh dấu vắng mặt",
        "start" => "bắt đầu phục vụ",
        "finish" => "kết thúc phục vụ",
        "transfer" => "chuyển dịch vụ",
        "hold" => "tạm giữ",
        "return" => "gọi lại từ tạm giữ",
        "cancel" => "hủy",
        _ => "xử lý",
    }
}

impl Ticket {
    /// A new waiting ticket.
    pub fn issued(
        day: NaiveDate,
        number: TicketNumber,
        priority: Option<Priority>,
        issued_at: Instant,
        issuer: Issuer,
    ) -> Ticket {
        Ticket {
            day,
            number,
            service: number.letter,
            priority,
            issued_at,
            issuer,
            state: TicketState::Waiting,
            counter: None,
            officer: None,
            calls: 0,
            called_at: None,
            started_at: None,
            finished_at: None,
            dossier: None,
            history: Vec::new(),
            key: String::new(),
            booked_for: None,
            booking: None,
        }
    }

    /// The order a service's line is served in: priority tickets first, then by issue time
    /// (an offline ticket takes its place by the time it was issued; a booked one by the start
    /// of its slot), then by number.
    pub fn line_key(&self) -> (bool, Instant, TicketNumber) {
        (
            self.priority.is_none(),
            self.booked_for.unwrap_or(self.issued_at),
            self.number,
        )
    }

    fn illegal(&self, cmd: &TicketCommand) -> QueueError {
        QueueError::IllegalTransition {
            from: self.state,
            command: cmd.name(),
        }
    }

    /// Check `cmd`, done by `by` (at the counter `at_counter`, if any) at `at`, against this
    /// ticket; the event it causes.
    pub fn decide(
        &self,
        cfg: &QueueConfig,
        cmd: &TicketCommand,
        at_counter: Option<u16>,
        at: Instant,
        by: &str,
    ) -> Result<TicketEvent, QueueError> {
        use TicketState::*;
        let here = |t: &Ticket| match (t.counter, at_counter) {
            (Some(c), Some(mine)) if c != mine => Err(QueueError::OtherCounter(c)),
            _ => Ok(()),
        };
        let kind = match cmd {
            TicketCommand::Call { counter } => {
                if self.state != Waiting {
                    return Err(self.illegal(cmd));
                }
                let def = cfg
                    .counter(*counter)
                    .ok_or(QueueError::NoSuchCounter(*counter))?;
                if !def.services.contains(&self.service) {
                    return Err(QueueError::NotServed(*counter, self.service));
                }
                TicketEventKind::Called { counter: *counter }
            }
            TicketCommand::Recall => {
                if self.state != Called {
                    return Err(self.illegal(cmd));
                }
                here(self)?;
                TicketEventKind::Recalled
            }
            TicketCommand::NoShow => {
                if self.state != Called {
                    return Err(self.illegal(cmd));
                }
                here(self)?;
                let needed = cfg.recalls_before_no_show.saturating_add(1);
                if self.calls < needed {
                    return Err(QueueError::RecallFirst(needed - self.calls));
                }
                TicketEventKind::NoShow
            }
            TicketCommand::Start => {
                if self.state != Called {
                    return Err(self.illegal(cmd));
                }
                here(self)?;
                TicketEventKind::Started
            }
            TicketCommand::Finish { dossier } => {
                if self.state != Serving {
                    return Err(self.illegal(cmd));
                }
                here(self)?;
                let dossier = match dossier.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(d) => Some(
                        crate::codes::DossierCode::parse(d)
                            .map_err(|_| QueueError::BadDossier)?
                            .to_string(),
                    ),
                };
                TicketEventKind::Finished { dossier }
            }
            TicketCommand::Transfer { service } => {
                if !matches!(self.state, Called | Serving | Held) {
                    return Err(self.illegal(cmd));
                }
                here(self)?;
                let to = cfg
                    .service(*service)
                    .ok_or(QueueError::NoSuchService(*service))?;
                if !to.active {
                    return Err(QueueError::ServiceInactive(*service));
                }
                if *service == self.service {
                    return Err(QueueError::SameService(*service));
                }
                TicketEventKind::Transferred {
                    from: self.service,
                    to: *service,
                }
            }
            TicketCommand::Hold => {
                if self.state != Serving {
                    return Err(self.illegal(cmd));
                }
                here(self)?;
                TicketEventKind::Held
            }
            TicketCommand::Return => {
                if self.state != Held {
                    return Err(self.illegal(cmd));
                }
                here(self)?;
                TicketEventKind::Returned
            }
            TicketCommand::Cancel => {
                if self.state != Waiting {
                    return Err(self.illegal(cmd));
                }
                TicketEventKind::Cancelled
            }
        };
        Ok(TicketEvent {
            at,
            by: by.to_owned(),
            kind,
        })
    }

    /// Fold one event into the ticket.
    pub fn apply(&mut self, e: &TicketEvent) {
        use TicketEventKind::*;
        match &e.kind {
            Called { counter } => {
                self.state = TicketState::Called;
                self.counter = Some(*counter);
                self.officer = Some(e.by.clone());
                self.calls = 1;
                // Waiting time counts to the first call of the ticket's last line.
                self.called_at = Some(e.at);
            }
            Recalled => self.calls = self.calls.saturating_add(1),
            NoShow => {
                self.state = TicketState::NoShow;
                self.finished_at = Some(e.at);
            }
            Started => {
                self.state = TicketState::Serving;
                self.started_at = Some(e.at);
            }
            Finished { dossier } => {
                self.state = TicketState::Done;
                self.finished_at = Some(e.at);
                self.dossier = dossier.clone();
            }
            Transferred { to, .. } => {
                self.state = TicketState::Waiting;
                self.service = *to;
                self.counter = None;
                self.calls = 0;
            }
            Held => self.state = TicketState::Held,
            Returned => {
                self.state = TicketState::Called;
                self.calls = self.calls.saturating_add(1);
            }
            Cancelled => {
                self.state = TicketState::Cancelled;
                self.finished_at = Some(e.at);
            }
        }
        self.history.push(e.clone());
    }
}

/// The ticket a counter calls next among `waiting`: of the services it serves, priority first,
/// then the earliest issued.
pub fn next_for_counter<'a>(
    counter: &CounterDef,
    waiting: impl IntoIterator<Item = &'a Ticket>,
) -> Option<&'a Ticket> {
    waiting
        .into_iter()
        .filter(|t| t.state == TicketState::Waiting && counter.services.contains(&t.service))
        .min_by_key(|t| t.line_key())
}

/// The estimated wait in whole minutes for someone with `ahead` people before them, given the
/// mean service time of the service and how many open counters serve it; none when nothing is
/// known or no counter is open.
pub fn estimate_wait(ahead: u32, mean_service_s: Option<f64>, open_counters: u32) -> Option<u32> {
    let mean = mean_service_s.filter(|m| m.is_finite() && *m > 0.0)?;
    if open_counters == 0 {
        return None;
    }
    let minutes = f64::from(ahead) * mean / f64::from(open_counters) / 60.0;
    Some(minutes.round().min(24.0 * 60.0) as u32)
}

/// The hour of day `at` falls in, local to the calendar (for weekday-and-hour history).
pub fn hour_slot(cal: &Calendar, at: Instant) -> (Weekday, u32) {
    let local = cal.in_zone(at);
    (local.weekday(), local.hour())
}

/// How many 3-minute buckets a distribution has: [0, 3), …, [57, 60), and 60 minutes or more.
pub const BUCKETS: usize = 21;

/// The bucket of a duration in seconds.
pub fn bucket(seconds: i64) -> usize {
    usize::try_from(seconds.max(0) / 180)
        .unwrap_or(BUCKETS - 1)
        .min(BUCKETS - 1)
}

/// What a group of tickets adds up to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub issued: u32,
    pub called: u32,
    pub served: u32,
    pub no_show: u32,
    pub transferred: u32,
    pub cancelled: u32,
    wait_s: i64,
    waits: u32,
    service_s: i64,
    services: u32,
}

impl Tally {
    /// Count one ticket.
    pub fn add(&mut self, t: &Ticket) {
        self.issued += 1;
        if let Some(w) = t.waited_s() {
            self.called += 1;
            self.wait_s = self.wait_s.saturating_add(w);
            self.waits += 1;
        }
        match t.state {
            TicketState::Done => self.served += 1,
            TicketState::NoShow => self.no_show += 1,
            TicketState::Cancelled => self.cancelled += 1,
            _ => {}
        }
        if let Some(s) = t.served_s() {
            self.service_s = self.service_s.saturating_add(s);
            self.services += 1;
        }
        if t.history
            .iter()
            .any(|e| matches!(e.kind, TicketEventKind::Transferred { .. }))
        {
            self.transferred += 1;
        }
    }

    /// Mean waiting time in minutes.
    pub fn mean_wait_min(&self) -> Option<f64> {
        (self.waits > 0).then(|| self.wait_s as f64 / f64::from(self.waits) / 60.0)
    }

    /// Mean service time in minutes.
    pub fn mean_service_min(&self) -> Option<f64> {
        (self.services > 0).then(|| self.service_s as f64 / f64::from(self.services) / 60.0)
    }
}

impl Ticket {
    /// Seconds from issue to the first call, once called.
    pub fn waited_s(&self) -> Option<i64> {
        let first = self.history.iter().find_map(|e| match e.kind {
            TicketEventKind::Called { .. } => Some(e.at),
            _ => None,
        })?;
        Some((first - self.issued_at).num_seconds().max(0))
    }

    /// Seconds from the start to the end of service, once served.
    pub fn served_s(&self) -> Option<i64> {
        if self.state != TicketState::Done {
            return None;
        }
        Some((self.finished_at? - self.started_at?).num_seconds().max(0))
    }
}

/// How many of a service's latest finished tickets make its recent mean service time.
pub const RECENT: usize = 20;

/// The mean service time in seconds of the latest [`RECENT`] tickets of service `letter`
/// finished before `before` (all of them when none), when there are at least three.
pub fn recent_mean_service_s(
    tickets: &[Ticket],
    letter: char,
    before: Option<Instant>,
) -> Option<f64> {
    let mut done: Vec<(Instant, i64)> = tickets
        .iter()
        .filter(|t| t.service == letter)
        .filter_map(|t| Some((t.finished_at?, t.served_s()?)))
        .filter(|(f, _)| before.is_none_or(|b| *f <= b))
        .collect();
    done.sort_by_key(|(f, _)| *f);
    let recent: Vec<i64> = done.iter().rev().take(RECENT).map(|(_, s)| *s).collect();
    (recent.len() >= 3).then(|| recent.iter().sum::<i64>() as f64 / recent.len() as f64)
}

/// How far the wait estimates would have been from the waits of a past day: for every ticket
/// that was called, the estimate at its issue time (people waiting before it in its line, the
/// recent mean service time of its service else `history`, the counters serving it) against
/// its real wait (called − issued).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EstimateError {
    /// Tickets judged.
    pub tickets: usize,
    /// Mean absolute error, in minutes.
    pub mae_min: f64,
    /// Mean real wait, in minutes (for scale).
    pub mean_wait_min: f64,
}

/// Replay a day's tickets through the estimate (see [`EstimateError`]).
pub fn replay_estimates(
    cfg: &QueueConfig,
    tickets: &[Ticket],
    history: impl Fn(char, Instant) -> Option<f64>,
) -> EstimateError {
    let first_call = |t: &Ticket| {
        t.history.iter().find_map(|e| match e.kind {
            TicketEventKind::Called { .. } => Some(e.at),
            _ => None,
        })
    };
    let (mut n, mut err, mut waited) = (0usize, 0.0f64, 0.0f64);
    for t in tickets {
        let (Some(real), Some(_)) = (t.waited_s(), first_call(t)) else {
            continue;
        };
        let at = t.issued_at;
        let ahead = tickets
            .iter()
            .filter(|o| o.service == t.service && o.line_key() < t.line_key())
            .filter(|o| o.issued_at <= at && first_call(o).is_none_or(|c| c > at))
            .count() as u32;
        let mean =
            recent_mean_service_s(tickets, t.service, Some(at)).or_else(|| history(t.service, at));
        let open = cfg
            .counters
            .iter()
            .filter(|c| c.services.contains(&t.service))
            .count() as u32;
        let Some(est) = estimate_wait(ahead, mean, open) else {
            continue;
        };
        n += 1;
        err += (f64::from(est) - real as f64 / 60.0).abs();
        waited += real as f64 / 60.0;
    }
    let d = n.max(1) as f64;
    EstimateError {
        tickets: n,
        mae_min: err / d,
        mean_wait_min: waited / d,
    }
}
