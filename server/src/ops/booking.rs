//! Booked visits: the slots a service offers, booking one (public, no personal data asked),
//! reading and cancelling it by its code, and checking it in at a kiosk or reception, which
//! issues a ticket that takes its place in the line at the slot's start (see core's
//! `booking`). A booking not checked in by its slot's start plus the grace period has lapsed and
//! no longer counts against the slot.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Timelike};
use motcua_core::Calendar;
use motcua_core::booking::{
    Booking, BookingCode, BookingError, BookingState, EARLY_CHECK_IN_MIN, Slot,
};
use motcua_core::i18n::Lang;
use motcua_core::queue::Instant;
use motcua_core::queue::{QueueConfig, QueueError, Service, Ticket};
use motcua_protocol::queue::{
    BookRequest, BookingOptions, BookingView, SlotView, SlotsQuery, TicketView,
};
use redb::{ReadTransaction, ReadableTable};

use super::queue::{
    Hall, Issuing, TableReader, allocate, centre_code, centre_name, issuer_of, load_config,
    new_key, not_configured, put_ticket, queue_error, ticket_id, view,
};
use super::{Ctx, Error, Kind};
use crate::db::{BOOKING_SLOTS, BOOKINGS, Topic, Tx, encode, get};

/// How many times a fresh code is drawn when it collides with one in use.
const CODE_DRAWS: usize = 8;

fn booking_error(e: &BookingError) -> Error {
    use BookingError::*;
    let kind = match e {
        BadCode => Kind::BadRequest,
        NotFound => Kind::NotFound,
        NotBookable(_) | NoSuchSlot | OutOfRange(_) => Kind::Invalid,
        OtherCentre => Kind::Forbidden,
        _ => Kind::Conflict,
    };
    Error::domain(kind, e)
}

fn minutes(t: chrono::NaiveTime) -> u16 {
    (t.hour() * 60 + t.minute()) as u16
}

/// The booking stored under `code`.
fn load(r: &impl Bookings, code: &BookingCode) -> Result<Booking, Error> {
    r.booking(&code.digits())?
        .ok_or_else(|| booking_error(&BookingError::NotFound))
}

/// Reads shared by read and write transactions.
trait Bookings {
    fn booking(&self, code: &str) -> Result<Option<Booking>, Error>;
    /// The bookings of a slot that are not cancelled.
    fn of_slot(
        &self,
        centre: &str,
        date: NaiveDate,
        letter: char,
        start: u16,
    ) -> Result<Vec<Booking>, Error>;
}

macro_rules! bookings {
    ($t:ty) => {
        impl Bookings for $t {
            fn booking(&self, code: &str) -> Result<Option<Booking>, Error> {
                Ok(get(&self.open_table(BOOKINGS)?, code)?)
            }

            fn of_slot(
                &self,
                centre: &str,
                date: NaiveDate,
                letter: char,
                start: u16,
            ) -> Result<Vec<Booking>, Error> {
                let day = super::queue::day_key(date);
                let l = letter.to_string();
                let index = self.open_table(BOOKING_SLOTS)?;
                let all = self.open_table(BOOKINGS)?;
                let mut out = Vec::new();
                for item in index.range(
                    (centre, day, l.as_str(), start, "")..=(centre, day, l.as_str(), start, "~"),
                )? {
                    let (k, _) = item?;
                    let code = k.value().4;
                    if let Some(b) = get::<Booking>(&all, code)? {
                        out.push(b);
                    }
                }
                Ok(out)
            }
        }
    };
}

bookings!(ReadTransaction);
bookings!(Tx<'_>);

fn save(tx: &Tx, b: &Booking) -> Result<(), Error> {
    tx.open_table(BOOKINGS)?
        .insert(b.code.as_str(), encode(b)?.as_slice())?;
    Ok(())
}

/// A booking's key in `BOOKING_SLOTS`.
struct SlotKey<'a> {
    centre: &'a str,
    day: u32,
    letter: String,
    start: u16,
    code: &'a str,
}

impl SlotKey<'_> {
    fn as_tuple(&self) -> (&str, u32, &str, u16, &str) {
        (self.centre, self.day, &self.letter, self.start, self.code)
    }
}

fn slot_key(b: &Booking) -> SlotKey<'_> {
    SlotKey {
        centre: &b.centre,
        day: super::queue::day_key(b.date),
        letter: b.service.to_string(),
        start: minutes(b.slot.start),
        code: &b.code,
    }
}

/// The places left in a slot at `now`.
fn free_places(
    r: &impl Bookings,
    centre: &str,
    svc: &Service,
    date: NaiveDate,
    slot: &Slot,
    cal: &Calendar,
    now: Instant,
) -> Result<u16, Error> {
    let held = r
        .of_slot(centre, date, svc.letter, minutes(slot.start))?
        .iter()
        .filter(|b| b.holds_place(cal, now))
        .count();
    let capacity = svc.booking.map(|b| b.capacity).unwrap_or(0);
    Ok(capacity.saturating_sub(u16::try_from(held).unwrap_or(u16::MAX)))
}

fn slot_end_at(cal: &Calendar, date: NaiveDate, slot: &Slot) -> Option<Instant> {
    date.and_time(slot.end)
        .and_local_timezone(cal.zone())
        .single()
}

/// A bookable service of `centre`.
fn bookable(cfg: &QueueConfig, letter: char) -> Result<(&Service, u8), Error> {
    let svc = cfg
        .service(letter)
        .ok_or_else(|| queue_error(&QueueError::NoSuchService(letter)))?;
    match svc.booking {
        Some(rule) if svc.active && rule.check() => Ok((svc, rule.days_ahead)),
        _ => Err(booking_error(&BookingError::NotBookable(letter))),
    }
}

/// The days from today on which `svc` has slots, within its booking period.
fn days_open(
    cfg: &QueueConfig,
    svc: &Service,
    days_ahead: u8,
    cal: &Calendar,
    today: NaiveDate,
) -> Vec<NaiveDate> {
    today
        .iter_days()
        .take(usize::from(days_ahead))
        .filter(|d| cfg.slots(svc, cal, *d).is_ok_and(|s| !s.is_empty()))
        .collect()
}

fn in_period(today: NaiveDate, date: NaiveDate, days_ahead: u8) -> bool {
    date >= today && (date - today).num_days() < i64::from(days_ahead)
}

/// What `service` of `centre` may be booked for: its open days and a day's slots.
pub async fn options(ctx: &Ctx, centre: &str, q: SlotsQuery) -> Result<BookingOptions, Error> {
    let centre = centre_code(centre)?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    ctx.store
        .read(move |txn| {
            let cfg = load_config(txn, &centre)?.ok_or_else(not_configured)?;
            let (svc, days_ahead) = bookable(&cfg, q.service)?;
            let today = cal.in_zone(now).date_naive();
            let days = days_open(&cfg, svc, days_ahead, &cal, today);
            let date = match q.date {
                Some(d) if !in_period(today, d, days_ahead) => {
                    return Err(booking_error(&BookingError::OutOfRange(days_ahead)));
                }
                Some(d) => d,
                None => days.first().copied().unwrap_or(today),
            };
            let mut slots = Vec::new();
            for slot in cfg.slots(svc, &cal, date).unwrap_or_default() {
                let free = free_places(txn, &centre, svc, date, &slot, &cal, now)?;
                let passed = slot_end_at(&cal, date, &slot).is_none_or(|end| now >= end);
                slots.push(SlotView {
                    start: slot.start,
                    end: slot.end,
                    free,
                    open: free > 0 && !passed,
                });
            }
            Ok(BookingOptions {
                centre_name: centre_name(txn, &centre)?,
                centre: centre.clone(),
                service: svc.letter,
                service_vi: svc.name(Lang::Vi).to_owned(),
                service_en: svc.name(Lang::En).to_owned(),
                days,
                date,
                slots,
            })
        })
        .await
}

fn booking_view(
    r: &impl super::queue::CentreNames,
    cfg: Option<&QueueConfig>,
    b: &Booking,
    cal: &Calendar,
    now: Instant,
) -> Result<BookingView, Error> {
    let svc = cfg.and_then(|c| c.service(b.service));
    let status = b.status(cal, now);
    let starts = b.starts_at(cal).unwrap_or(b.created_at);
    let ticket_id = b
        .ticket
        .as_ref()
        .map(|n| super::queue::ticket_id_of(&b.centre, b.date, n));
    Ok(BookingView {
        code: BookingCode::parse(&b.code)
            .map(|c| c.to_string())
            .unwrap_or_else(|_| b.code.clone()),
        centre: b.centre.clone(),
        centre_name: centre_name(r, &b.centre)?,
        service: b.service,
        service_vi: svc.map(|s| s.name(Lang::Vi).to_owned()).unwrap_or_default(),
        service_en: svc.map(|s| s.name(Lang::En).to_owned()).unwrap_or_default(),
        date: b.date,
        start: b.slot.start,
        end: b.slot.end,
        status,
        status_vi: status.label(Lang::Vi).into(),
        status_en: status.label(Lang::En).into(),
        check_in_from: starts - Duration::minutes(EARLY_CHECK_IN_MIN),
        check_in_until: b.check_in_until(cal).unwrap_or(starts),
        ticket: b.ticket.clone(),
        ticket_id,
    })
}

/// Book a slot (public: no account, no personal data; the caller's allowance is counted by
/// the route).
pub async fn book(ctx: &Ctx, centre: &str, req: BookRequest) -> Result<BookingView, Error> {
    let centre = centre_code(centre)?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    ctx.store
        .write(move |tx| {
            let cfg = load_config(tx, &centre)?.ok_or_else(not_configured)?;
            let (svc, days_ahead) = bookable(&cfg, req.service)?;
            let today = cal.in_zone(now).date_naive();
            if !in_period(today, req.date, days_ahead) {
                return Err(booking_error(&BookingError::OutOfRange(days_ahead)));
            }
            let slot = cfg
                .slots(svc, &cal, req.date)
                .unwrap_or_default()
                .into_iter()
                .find(|s| s.start == req.start)
                .ok_or_else(|| booking_error(&BookingError::NoSuchSlot))?;
            if slot_end_at(&cal, req.date, &slot).is_none_or(|end| now >= end) {
                return Err(booking_error(&BookingError::Passed));
            }
            if free_places(tx, &centre, svc, req.date, &slot, &cal, now)? == 0 {
                return Err(booking_error(&BookingError::Full));
            }
            let mut code = None;
            for _ in 0..CODE_DRAWS {
                let c = BookingCode::from_random(rand::random::<u64>());
                if tx.booking(&c.digits())?.is_none() {
                    code = Some(c);
                    break;
                }
            }
            let code = code.ok_or_else(|| {
                Error::new(
                    Kind::Unavailable,
                    "booking.busy",
                    "Hệ thống đang bận; vui lòng thử lại.",
                    "The system is busy; please try again.",
                )
            })?;
            let b = Booking {
                code: code.digits(),
                centre: centre.clone(),
                service: svc.letter,
                date: req.date,
                slot,
                created_at: now,
                state: BookingState::Booked,
                ticket: None,
                checked_in_at: None,
                cancelled_at: None,
                grace_minutes: svc.booking.map(|r| r.grace_minutes).unwrap_or(0),
            };
            if !b.holds_place(&cal, now) {
                // Booked after the slot began with no grace left to check in.
                return Err(booking_error(&BookingError::Passed));
            }
            save(tx, &b)?;
            tx.open_table(BOOKING_SLOTS)?
                .insert(slot_key(&b).as_tuple(), ())?;
            booking_view(tx, Some(&cfg), &b, &cal, now)
        })
        .await
}

/// A booking by its code.
pub async fn booking(ctx: &Ctx, code: &str) -> Result<BookingView, Error> {
    let code = BookingCode::parse(code).map_err(|e| booking_error(&e))?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    ctx.store
        .read(move |txn| {
            let b = load(txn, &code)?;
            let cfg = load_config(txn, &b.centre)?;
            booking_view(txn, cfg.as_ref(), &b, &cal, now)
        })
        .await
}

/// Cancel a booking (whoever holds its code); the place is freed at once. Cancelling a
/// cancelled booking answers as before.
pub async fn cancel(ctx: &Ctx, code: &str) -> Result<BookingView, Error> {
    let code = BookingCode::parse(code).map_err(|e| booking_error(&e))?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    ctx.store
        .write(move |tx| {
            let mut b = load(tx, &code)?;
            let cfg = load_config(tx, &b.centre)?;
            match b.state {
                BookingState::Cancelled => {}
                BookingState::CheckedIn => {
                    return Err(booking_error(&BookingError::AlreadyCheckedIn(
                        b.ticket.clone().unwrap_or_default(),
                    )));
                }
                BookingState::Booked => {
                    b.state = BookingState::Cancelled;
                    b.cancelled_at = Some(now);
                    save(tx, &b)?;
                    tx.open_table(BOOKING_SLOTS)?
                        .remove(slot_key(&b).as_tuple())?;
                    let l = b.service.to_string();
                    tx.open_table(BOOKING_SLOTS)?.remove((
                        b.centre.as_str(),
                        super::queue::day_key(b.date),
                        l.as_str(),
                        minutes(b.slot.start),
                        b.code.as_str(),
                    ))?;
                }
            }
            booking_view(tx, cfg.as_ref(), &b, &cal, now)
        })
        .await
}

/// Check a booking in at a kiosk or at reception: a ticket of its service, placed in the line
/// at the slot's start. Only on its day, from [`EARLY_CHECK_IN_MIN`] minutes before the slot
/// until the grace period after it; once. Checking in again while its ticket still waits (a
/// kiosk that timed out while the server answered) gives that ticket again, to reprint.
/// `at_centre`: the centre the caller names (reception's address), checked before anything is
/// written.
pub async fn check_in(
    ctx: &Ctx,
    who: Issuing<'_>,
    code: &str,
    at_centre: Option<&str>,
) -> Result<TicketView, Error> {
    let code = BookingCode::parse(code).map_err(|e| booking_error(&e))?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    let booking = ctx.store.read(move |txn| load(txn, &code)).await?;
    let own_centre = match &who {
        Issuing::Kiosk(k) => k.centre.to_string(),
        Issuing::Desk(a) => a
            .user
            .agency
            .as_ref()
            .map(|x| x.to_string())
            .unwrap_or_default(),
    };
    let named = at_centre.map(centre_code).transpose()?;
    if own_centre != booking.centre || named.is_some_and(|c| c != booking.centre) {
        return Err(booking_error(&BookingError::OtherCentre));
    }
    let centre = booking.centre.clone();
    let (issuer, actor) = issuer_of(who, &centre)?;
    ctx.store
        .write(move |tx| {
            // Read again inside the writer: two kiosks checking the same code in at once
            // give one ticket.
            let mut b = load(tx, &code)?;
            let today = cal.in_zone(now).date_naive();
            match b.state {
                BookingState::Cancelled => return Err(booking_error(&BookingError::Cancelled)),
                BookingState::CheckedIn => {
                    let number = b.ticket.clone().unwrap_or_default();
                    let again = match tx.ticket(&centre, super::queue::day_key(b.date), &number)? {
                        Some(t) if b.date == today && !t.state.is_final() => Some(t),
                        _ => None,
                    };
                    let Some(t) = again else {
                        return Err(booking_error(&BookingError::AlreadyCheckedIn(number)));
                    };
                    let cfg = load_config(tx, &centre)?.ok_or_else(not_configured)?;
                    let hall = Hall::read(tx, &centre, &cfg, &cal, now)?;
                    let mut v = view(tx, &hall, &t)?;
                    v.key = Some(t.key.clone());
                    return Ok(v);
                }
                BookingState::Booked => {}
            }
            if b.date > today {
                let opens: DateTime<FixedOffset> =
                    b.starts_at(&cal).unwrap_or(now) - Duration::minutes(EARLY_CHECK_IN_MIN);
                return Err(booking_error(&BookingError::TooEarly(b.date, opens.time())));
            }
            if b.date < today && b.state == BookingState::Booked {
                return Err(booking_error(&BookingError::Lapsed));
            }
            let place = b.check_in(&cal, now).map_err(|e| booking_error(&e))?;
            let cfg = load_config(tx, &centre)?.ok_or_else(not_configured)?;
            let svc = cfg
                .service(b.service)
                .ok_or_else(|| queue_error(&QueueError::NoSuchService(b.service)))?;
            if !svc.active {
                return Err(queue_error(&QueueError::ServiceInactive(svc.letter)));
            }
            // A booked visitor is owed a number even past the day's walk-in limit, and does
            // not use one of the walk-ins' numbers.
            let number = allocate(tx, &centre, today, svc.letter, svc.daily_limit, true)?;
            let mut ticket = Ticket::issued(today, number, None, now, issuer.clone());
            ticket.key = new_key();
            ticket.booked_for = Some(place);
            ticket.booking = Some(b.code.clone());
            put_ticket(tx, &centre, None, &ticket)?;
            b.state = BookingState::CheckedIn;
            b.ticket = Some(number.to_string());
            b.checked_in_at = Some(now);
            save(tx, &b)?;
            if let Some(a) = &actor {
                tx.audit(a.entry(now, "queue_check_in", &ticket_id(&centre, &ticket), "ok"))?;
            }
            tx.touch(Topic::Queue(centre.clone()));
            let hall = Hall::read(tx, &centre, &cfg, &cal, now)?;
            let mut v = view(tx, &hall, &ticket)?;
            v.key = Some(ticket.key.clone());
            Ok(v)
        })
        .await
}
