//! Booked visits (đặt lịch hẹn): a visitor books a time slot of a queue service ahead, gets a
//! booking code, and checks in at the kiosk (or reception) on the day; the ticket then takes its
//! place in the line at the slot's start, ahead of the walk-ins who came after it ("precedence
//! within its slot"). A booking not checked in by the slot's start plus the grace period lapses (a
//! no-show): it no longer holds a place in the slot, which may be booked again until it ends, and
//! it cannot be checked in. A slot booked after it began places its ticket at the booking's
//! instant, so booking from the hall gives no place ahead of those already waiting.
//!
//! Slots are cut from the service's issuing windows of the day ([`QueueConfig::windows`]): from
//! each window's start, every `slot_minutes`, as long as the slot ends within the window. A booking
//! holds no personal data: whoever holds the code may check in or cancel.

use std::fmt;

use chrono::{Duration, NaiveDate, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, NotCovered};
use crate::i18n::{Lang, Localized};
use crate::queue::{Instant, QueueConfig, Service};

/// How early before its slot a booking may be checked in.
pub const EARLY_CHECK_IN_MIN: i64 = 30;
/// The most slots a service cuts a day into.
pub const MAX_SLOTS_A_DAY: usize = 96;

/// How a service takes bookings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRule {
    /// The length of a slot, 10..=240 minutes.
    pub slot_minutes: u16,
    /// Visitors a slot takes, 1..=100.
    pub capacity: u16,
    /// How many days ahead one may book (today included), 1..=60.
    pub days_ahead: u8,
    /// How long after its slot's start a booking may still be checked in, 0..=120 minutes.
    #[serde(default = "default_grace")]
    pub grace_minutes: u16,
}

fn default_grace() -> u16 {
    15
}

impl BookingRule {
    pub fn check(&self) -> bool {
        (10..=240).contains(&self.slot_minutes)
            && (1..=100).contains(&self.capacity)
            && (1..=60).contains(&self.days_ahead)
            && self.grace_minutes <= 120
    }
}

/// A bookable time slot of a day, local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Slot {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}–{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

impl QueueConfig {
    /// The slots `service` may be booked in on `date` (none when it takes no bookings, is out of
    /// use or closed that day).
    pub fn slots(
        &self,
        service: &Service,
        cal: &Calendar,
        date: NaiveDate,
    ) -> Result<Vec<Slot>, NotCovered> {
        let Some(rule) = service.booking.filter(|r| r.check()) else {
            return Ok(Vec::new());
        };
        if !service.active {
            return Ok(Vec::new());
        }
        let step = Duration::minutes(i64::from(rule.slot_minutes));
        let mut out = Vec::new();
        for w in self.windows(service, cal, date)? {
            let mut start = w.from;
            loop {
                let (end, wrapped) = start.overflowing_add_signed(step);
                if wrapped != 0 || end > w.to || out.len() >= MAX_SLOTS_A_DAY {
                    break;
                }
                out.push(Slot { start, end });
                start = end;
            }
        }
        Ok(out)
    }
}

/// A booking code: nine random digits and a Luhn check digit, shown as `12345-67890`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BookingCode(u64);

fn luhn_digit(body: &[u8]) -> u8 {
    // The check digit makes the Luhn sum of body + digit a multiple of ten.
    let mut sum = 0u32;
    for (i, d) in body.iter().rev().enumerate() {
        let mut v = u32::from(*d);
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    ((10 - sum % 10) % 10) as u8
}

impl BookingCode {
    /// The code made of `random` (its value modulo 10⁹) and its check digit.
    pub fn from_random(random: u64) -> BookingCode {
        let body = random % 1_000_000_000;
        let digits: Vec<u8> = format!("{body:09}").bytes().map(|b| b - b'0').collect();
        BookingCode(body * 10 + u64::from(luhn_digit(&digits)))
    }

    /// Read a code as a visitor types it: ten digits, spaces and dashes ignored, the check digit
    /// right.
    pub fn parse(s: &str) -> Result<BookingCode, BookingError> {
        if s.len() > 40 {
            return Err(BookingError::BadCode);
        }
        let digits: Vec<u8> = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.'))
            .map(|c| c.to_digit(10).map(|d| d as u8))
            .collect::<Option<_>>()
            .ok_or(BookingError::BadCode)?;
        if digits.len() != 10 || luhn_digit(&digits[..9]) != digits[9] {
            return Err(BookingError::BadCode);
        }
        Ok(BookingCode(
            digits.iter().fold(0u64, |n, d| n * 10 + u64::from(*d)),
        ))
    }

    /// The ten digits, as stored and in addresses.
    pub fn digits(&self) -> String {
        format!("{:010}", self.0)
    }
}

impl fmt::Display for BookingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        write!(f, "{}-{}", &d[..5], &d[5..])
    }
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingState {
    Booked,
    CheckedIn,
    Cancelled,
}

/// A booking as seen at an instant: a booked one past its check-in time has lapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Booked,
    CheckedIn,
    Cancelled,
    /// Not checked in in time (a no-show): the slot is released.
    Lapsed,
}

impl BookingStatus {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (BookingStatus::Booked, Lang::Vi) => "Đã đặt lịch",
            (BookingStatus::Booked, Lang::En) => "Booked",
            (BookingStatus::CheckedIn, Lang::Vi) => "Đã nhận số thứ tự",
            (BookingStatus::CheckedIn, Lang::En) => "Checked in",
            (BookingStatus::Cancelled, Lang::Vi) => "Đã hủy",
            (BookingStatus::Cancelled, Lang::En) => "Cancelled",
            (BookingStatus::Lapsed, Lang::Vi) => "Quá giờ hẹn, lịch đã hết hiệu lực",
            (BookingStatus::Lapsed, Lang::En) => "Missed: the booking has lapsed",
        }
    }
}

/// A booked visit. No personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    /// The ten digits of its [`BookingCode`].
    pub code: String,
    pub centre: String,
    pub service: char,
    pub date: NaiveDate,
    pub slot: Slot,
    pub created_at: Instant,
    pub state: BookingState,
    /// The ticket issued at check-in (`A012`).
    #[serde(default)]
    pub ticket: Option<String>,
    #[serde(default)]
    pub checked_in_at: Option<Instant>,
    #[serde(default)]
    pub cancelled_at: Option<Instant>,
    /// The grace period of its service when booked, in minutes.
    pub grace_minutes: u16,
}

impl Booking {
    /// The instant its slot starts.
    pub fn starts_at(&self, cal: &Calendar) -> Option<Instant> {
        self.date
            .and_time(self.slot.start)
            .and_local_timezone(cal.zone())
            .single()
    }

    /// Where its ticket stands in the line: the slot's start, or when it was booked if that
    /// was later (booking a slot already begun gives no place ahead of those already waiting).
    pub fn place_at(&self, cal: &Calendar) -> Option<Instant> {
        self.starts_at(cal).map(|s| s.max(self.created_at))
    }

    /// The last instant it may be checked in (exclusive): its place plus the grace period.
    pub fn check_in_until(&self, cal: &Calendar) -> Option<Instant> {
        self.place_at(cal)
            .map(|s| s + Duration::minutes(i64::from(self.grace_minutes)))
    }

    /// Where it stands at `now`.
    pub fn status(&self, cal: &Calendar, now: Instant) -> BookingStatus {
        match self.state {
            BookingState::CheckedIn => BookingStatus::CheckedIn,
            BookingState::Cancelled => BookingStatus::Cancelled,
            BookingState::Booked => match self.check_in_until(cal) {
                Some(until) if now < until => BookingStatus::Booked,
                _ => BookingStatus::Lapsed,
            },
        }
    }

    /// Whether it takes a place in its slot at `now` (booked and not lapsed, or checked in).
    pub fn holds_place(&self, cal: &Calendar, now: Instant) -> bool {
        matches!(
            self.status(cal, now),
            BookingStatus::Booked | BookingStatus::CheckedIn
        )
    }

    /// Whether it may be checked in at `now`; the instant the ticket takes its place in the line
    /// ([`Booking::place_at`]).
    pub fn check_in(&self, cal: &Calendar, now: Instant) -> Result<Instant, BookingError> {
        match self.status(cal, now) {
            BookingStatus::CheckedIn => {
                return Err(BookingError::AlreadyCheckedIn(
                    self.ticket.clone().unwrap_or_default(),
                ));
            }
            BookingStatus::Cancelled => return Err(BookingError::Cancelled),
            BookingStatus::Lapsed => return Err(BookingError::Lapsed),
            BookingStatus::Booked => {}
        }
        let start = self.starts_at(cal).ok_or(BookingError::Lapsed)?;
        let opens = start - Duration::minutes(EARLY_CHECK_IN_MIN);
        if now < opens {
            return Err(BookingError::TooEarly(self.date, opens.time()));
        }
        Ok(start.max(self.created_at))
    }
}

/// Why a booking was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    #[error("bad booking code")]
    BadCode,
    #[error("no such booking")]
    NotFound,
    #[error("service {0} takes no bookings")]
    NotBookable(char),
    #[error("no such slot")]
    NoSuchSlot,
    #[error("the slot is full")]
    Full,
    #[error("the date is outside the booking period")]
    OutOfRange(u8),
    #[error("the slot has passed")]
    Passed,
    #[error("already checked in as {0}")]
    AlreadyCheckedIn(String),
    #[error("cancelled")]
    Cancelled,
    #[error("lapsed")]
    Lapsed,
    #[error("too early: check in from {1} on {0}")]
    TooEarly(NaiveDate, NaiveTime),
    #[error("the booking is for another day")]
    OtherDay(NaiveDate),
    #[error("the booking belongs to another centre")]
    OtherCentre,
}

impl Localized for BookingError {
    fn code(&self) -> &'static str {
        use BookingError::*;
        match self {
            BadCode => "booking.bad_code",
            NotFound => "booking.not_found",
            NotBookable(_) => "booking.not_bookable",
            NoSuchSlot => "booking.no_such_slot",
            Full => "booking.full",
            OutOfRange(_) => "booking.out_of_range",
            Passed => "booking.passed",
            AlreadyCheckedIn(_) => "booking.already_checked_in",
            Cancelled => "booking.cancelled",
            Lapsed => "booking.lapsed",
            TooEarly(..) => "booking.too_early",
            OtherDay(_) => "booking.other_day",
            OtherCentre => "booking.other_centre",
        }
    }

    fn message(&self, lang: Lang) -> String {
        use BookingError::*;
        let hm = |t: &NaiveTime| format!("{:02}:{:02}", t.hour(), t.minute());
        let dmy = |d: &NaiveDate| d.format("%d/%m/%Y").to_string();
        match lang {
            Lang::Vi => match self {
                BadCode => {
                    "Mã đặt lịch gồm 10 chữ số (ví dụ 12345-67890); vui lòng kiểm tra lại.".into()
                }
                NotFound => "Không tìm thấy lịch hẹn có mã này.".into(),
                NotBookable(l) => format!("Dịch vụ {l} không nhận đặt lịch hẹn."),
                NoSuchSlot => "Khung giờ này không có trong lịch làm việc.".into(),
                Full => "Khung giờ này đã kín chỗ; vui lòng chọn khung giờ khác.".into(),
                OutOfRange(n) => {
                    format!(
                        "Chỉ đặt lịch được cho hôm nay và {} ngày tới.",
                        n.saturating_sub(1)
                    )
                }
                Passed => "Khung giờ này đã qua; vui lòng chọn khung giờ khác.".into(),
                AlreadyCheckedIn(t) => format!("Lịch hẹn này đã nhận số thứ tự {t}."),
                Cancelled => "Lịch hẹn này đã bị hủy.".into(),
                Lapsed => "Đã quá giờ hẹn nên lịch hẹn hết hiệu lực; quý vị vui lòng lấy số \
                           thứ tự thông thường."
                    .into(),
                TooEarly(d, t) => format!(
                    "Chưa đến giờ nhận số: quý vị vui lòng quay lại từ {} ngày {}.",
                    hm(t),
                    dmy(d)
                ),
                OtherDay(d) => format!("Lịch hẹn này dành cho ngày {}.", dmy(d)),
                OtherCentre => "Lịch hẹn này thuộc một Trung tâm khác.".into(),
            },
            Lang::En => match self {
                BadCode => {
                    "A booking code has 10 digits (e.g. 12345-67890); please check it.".into()
                }
                NotFound => "No booking has this code.".into(),
                NotBookable(l) => format!("Service {l} takes no bookings."),
                NoSuchSlot => "This time slot is not in the opening hours.".into(),
                Full => "This time slot is full; please choose another.".into(),
                OutOfRange(n) => format!(
                    "Bookings are taken for today and the next {} days only.",
                    n.saturating_sub(1)
                ),
                Passed => "This time slot has passed; please choose another.".into(),
                AlreadyCheckedIn(t) => format!("This booking has already been given number {t}."),
                Cancelled => "This booking was cancelled.".into(),
                Lapsed => "The booked time has passed, so the booking has lapsed; please take \
                           an ordinary number."
                    .into(),
                TooEarly(d, t) => format!(
                    "Too early to check in: please come back from {} on {}.",
                    hm(t),
                    dmy(d)
                ),
                OtherDay(d) => format!("This booking is for {}.", dmy(d)),
                OtherCentre => "This booking belongs to another centre.".into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_carry_a_check_digit() {
        for r in [0u64, 1, 42, 999_999_999, 1_234_567_890_123] {
            let c = BookingCode::from_random(r);
            assert_eq!(BookingCode::parse(&c.to_string()), Ok(c));
            assert_eq!(BookingCode::parse(&c.digits()), Ok(c));
            // Any one digit changed is caught.
            let d = c.digits();
            for i in 0..10 {
                let mut b = d.clone().into_bytes();
                b[i] = if b[i] == b'9' { b'0' } else { b[i] + 1 };
                let s = String::from_utf8(b).unwrap();
                assert_eq!(BookingCode::parse(&s), Err(BookingError::BadCode), "{s}");
            }
        }
        for bad in ["", "12345", "1234567890123", "12345-6789a", "١٢٣٤٥٦٧٨٩٠"] {
            assert_eq!(BookingCode::parse(bad), Err(BookingError::BadCode), "{bad}");
        }
    }
}
