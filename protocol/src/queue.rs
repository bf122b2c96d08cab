//! The hall's queue on the wire: issuing a number, a counter's actions, what a display board and
//! a visitor's phone read. The configuration itself is core's [`QueueConfig`].

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

pub use motcua_core::queue::{
    CounterDef, Issuer, Priority, QueueConfig, Service, TicketCommand, TicketNumber, TicketState,
    Window,
};

/// Ask for a number (a kiosk online, or reception).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueRequest {
    /// The service's letter.
    pub service: char,
    #[serde(default)]
    pub priority: Option<Priority>,
}

/// A ticket as the visitor holds it: no personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketView {
    /// `{centre}-{yymmdd}-{number}`: the address of its public page.
    pub id: String,
    pub centre: String,
    pub centre_name: String,
    pub day: NaiveDate,
    /// As called: `A012`.
    pub number: String,
    pub service: char,
    pub service_vi: String,
    pub service_en: String,
    #[serde(default)]
    pub priority: Option<Priority>,
    pub issued_at: DateTime<FixedOffset>,
    /// Issued by a kiosk from its offline block.
    #[serde(default)]
    pub offline: bool,
    pub state: TicketState,
    pub state_vi: String,
    pub state_en: String,
    /// People before it in its line (while waiting).
    #[serde(default)]
    pub ahead: Option<u32>,
    /// Estimated wait in minutes (while waiting, when known).
    #[serde(default)]
    pub wait_minutes: Option<u32>,
    /// The counter it was called to.
    #[serde(default)]
    pub counter: Option<u16>,
    /// The ticket's secret, for its QR (given to whoever issued it, never on its public page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Served, and not rated yet: its holder may rate the service (with the key).
    #[serde(default)]
    pub may_rate: bool,
    /// Checked in from a booking: the start of its slot.
    #[serde(default)]
    pub booked_for: Option<DateTime<FixedOffset>>,
}

/// A ticket as a counter's officer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterTicket {
    pub number: String,
    pub service: char,
    #[serde(default)]
    pub priority: Option<Priority>,
    pub issued_at: DateTime<FixedOffset>,
    pub state: TicketState,
    pub calls: u8,
    #[serde(default)]
    pub called_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub started_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub dossier: Option<String>,
}

impl CounterTicket {
    /// The state as its wire name (`called`, `serving`, …).
    pub fn state_name(&self) -> &'static str {
        match self.state {
            TicketState::Waiting => "waiting",
            TicketState::Called => "called",
            TicketState::Serving => "serving",
            TicketState::Held => "held",
            TicketState::Done => "done",
            TicketState::NoShow => "no_show",
            TicketState::Cancelled => "cancelled",
        }
    }
}

/// A counter's screen: who sits there, its ticket, its held tickets, the lines it serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterStatus {
    pub centre: String,
    pub counter: u16,
    pub name: String,
    pub services: Vec<char>,
    /// The account signed in at it.
    #[serde(default)]
    pub officer: Option<String>,
    /// The ticket called to it or being served there.
    #[serde(default)]
    pub current: Option<CounterTicket>,
    #[serde(default)]
    pub held: Vec<CounterTicket>,
    /// People waiting in the lines it serves.
    pub waiting: u32,
}

/// Sit at a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatRequest {
    pub counter: u16,
}

/// One call shown on a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardCall {
    pub number: String,
    pub counter: u16,
    pub counter_name: String,
    pub at: DateTime<FixedOffset>,
    /// Which call of this ticket it is (1 = first; more: recalled).
    pub calls: u8,
}

/// A line on a board: a service, how many wait, the estimate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardLine {
    pub service: char,
    pub name_vi: String,
    pub name_en: String,
    pub waiting: u32,
    /// Counters serving it with someone signed in.
    pub open_counters: u32,
    #[serde(default)]
    pub wait_minutes: Option<u32>,
    /// Issuing now.
    pub issuing: bool,
    /// When issuing opens next, if closed.
    #[serde(default)]
    pub next_open: Option<DateTime<FixedOffset>>,
    /// Numbers left today.
    pub left_today: u32,
}

/// What a display board (and the kiosk's queue screen) shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardState {
    pub centre: String,
    pub centre_name: String,
    pub now: DateTime<FixedOffset>,
    pub day: NaiveDate,
    /// The latest call at each counter that is still called or served there, by counter.
    pub counters: Vec<BoardCall>,
    /// The most recent calls, latest first (at most 10).
    pub recent: Vec<BoardCall>,
    pub lines: Vec<BoardLine>,
}

/// How queue statistics are grouped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatsBy {
    #[default]
    Service,
    Counter,
    Officer,
    Hour,
}

/// One group of queue statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsRow {
    /// The service's letter, the counter's number, the officer's account, or the hour (`08`).
    pub key: String,
    pub label: String,
    pub issued: u32,
    /// Called at least once.
    pub called: u32,
    pub served: u32,
    pub no_show: u32,
    pub transferred: u32,
    pub cancelled: u32,
    /// Mean of called − issued, in minutes.
    #[serde(default)]
    pub mean_wait_min: Option<f64>,
    /// Mean of finished − started, in minutes.
    #[serde(default)]
    pub mean_service_min: Option<f64>,
}

/// Queue statistics of a centre over some days (Qmatic's definitions: waiting = called − issued,
/// service = finished − started; distributions in 3-minute buckets).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueStats {
    pub centre: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: StatsBy,
    pub rows: Vec<StatsRow>,
    pub total: StatsRow,
    /// Tickets by waiting time: [0, 3) minutes, [3, 6), …, the last bucket 60 minutes or more.
    pub wait_buckets: Vec<u32>,
    /// Tickets by service time, the same buckets.
    pub service_buckets: Vec<u32>,
    /// Tickets issued in each hour of the day (index = hour).
    pub issued_by_hour: Vec<u32>,
    /// The hours with the most tickets issued, busiest first (at most 3).
    pub busiest_hours: Vec<u8>,
}

pub use motcua_core::booking::{BookingRule, BookingStatus, Slot};

/// Which slots to show: a service, a day (today when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotsQuery {
    pub service: char,
    #[serde(default)]
    pub date: Option<NaiveDate>,
}

/// A slot and the places left in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotView {
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// Places left (0: full).
    pub free: u16,
    /// Still bookable (not passed, not full).
    pub open: bool,
}

/// What a visitor may book for a service: the days open for booking and one day's slots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingOptions {
    pub centre: String,
    pub centre_name: String,
    pub service: char,
    pub service_vi: String,
    pub service_en: String,
    /// The days with slots, from today to the end of the booking period.
    pub days: Vec<NaiveDate>,
    pub date: NaiveDate,
    pub slots: Vec<SlotView>,
}

/// Book a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookRequest {
    pub service: char,
    pub date: NaiveDate,
    /// The slot's start, as listed.
    pub start: NaiveTime,
}

/// A booking as its holder sees it (no personal data is ever asked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingView {
    /// `12345-67890`.
    pub code: String,
    pub centre: String,
    pub centre_name: String,
    pub service: char,
    pub service_vi: String,
    pub service_en: String,
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub status: BookingStatus,
    pub status_vi: String,
    pub status_en: String,
    /// Check-in at the kiosk opens then…
    pub check_in_from: DateTime<FixedOffset>,
    /// … and closes then.
    pub check_in_until: DateTime<FixedOffset>,
    /// The number given at check-in.
    #[serde(default)]
    pub ticket: Option<String>,
    /// Its public page's id.
    #[serde(default)]
    pub ticket_id: Option<String>,
}

/// Check a booking in (kiosk or reception).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    pub code: String,
}
