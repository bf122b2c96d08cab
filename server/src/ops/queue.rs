//! The hall's queue: a centre admin configures services and counters; kiosks and reception issue
//! numbers, allocated in the writer so they are consecutive per service and day and never given
//! twice; officers sit at a counter and call, serve, transfer; boards and visitors' phones read
//! the state. Every change publishes [`Topic::Queue`] for the boards.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use motcua_core::AgencyCode;
use motcua_core::Calendar;
use motcua_core::i18n::Lang;
use motcua_core::queue::{
    Issuer, QueueConfig, QueueError, Ticket, TicketCommand, TicketNumber, TicketState,
    estimate_wait,
};
use motcua_protocol::queue::{
    BoardCall, BoardLine, BoardState, CounterStatus, CounterTicket, IssueRequest, TicketView,
};
use redb::{ReadTransaction, ReadableTable};
use serde::{Deserialize, Serialize};

use super::{Actor, Ctx, Error, Kind};
use crate::db::model::{Kiosk, Role};
use crate::db::{
    AGENCIES, CENTRES, QUEUE_AT_COUNTER, QUEUE_CALLS, QUEUE_RECENT, QUEUE_SEATS, QUEUE_STATS,
    QUEUE_WAITING, QUEUES, TICKET_SEQ, TICKETS, Topic, Tx, decode, encode, get,
};

/// Who sits at which counter, since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub centre: String,
    pub counter: u16,
    pub since: DateTime<FixedOffset>,
}

/// Who asks for a number.
#[derive(Debug, Clone)]
pub enum Issuing<'a> {
    Kiosk(&'a Kiosk),
    Desk(&'a Actor),
}

pub(super) fn queue_error(e: &QueueError) -> Error {
    let kind = match e {
        QueueError::Config(_) | QueueError::BadDossier => Kind::Invalid,
        QueueError::BadNumber(_) => Kind::BadRequest,
        QueueError::NoSuchService(_) | QueueError::NoSuchCounter(_) => Kind::NotFound,
        _ => Kind::Conflict,
    };
    Error::domain(kind, e)
}

pub(super) fn centre_code(code: &str) -> Result<String, Error> {
    Ok(AgencyCode::parse(code)
        .map_err(|e| Error::domain(Kind::BadRequest, &e))?
        .to_string())
}

pub(super) fn not_configured() -> Error {
    Error::new(
        Kind::NotFound,
        "queue.not_configured",
        "Trung tâm này chưa thiết lập hàng đợi.",
        "This centre has no queue set up.",
    )
}

/// A day as stored in keys: yyyymmdd.
pub(crate) fn day_key(d: NaiveDate) -> u32 {
    d.year().max(0) as u32 * 10_000 + d.month() * 100 + d.day()
}

pub(super) fn load_config(
    txn: &impl TableReader,
    centre: &str,
) -> Result<Option<QueueConfig>, Error> {
    txn.config(centre)
}

/// Reads shared by read and write transactions.
pub(super) trait TableReader {
    fn config(&self, centre: &str) -> Result<Option<QueueConfig>, Error>;
    fn seats(&self, centre: &str) -> Result<Vec<(String, Seat)>, Error>;
    fn history_mean(
        &self,
        centre: &str,
        letter: char,
        slot: (u8, u8),
    ) -> Result<Option<f64>, Error>;
    fn rated(&self, ticket_id: &str) -> Result<bool, Error>;
    /// One ticket of a day.
    fn ticket(&self, centre: &str, day: u32, number: &str) -> Result<Option<Ticket>, Error>;
    /// People waiting in a service's line.
    fn waiting_count(&self, centre: &str, day: u32, letter: char) -> Result<u32, Error>;
    /// People waiting before `t` in its line.
    fn ahead(&self, centre: &str, t: &Ticket) -> Result<u32, Error>;
    /// The first waiting in a service's line: its place (see [`line_place`]).
    fn first_waiting(
        &self,
        centre: &str,
        day: u32,
        letter: char,
    ) -> Result<Option<LinePlace>, Error>;
    /// The tickets called, in service or held at a counter.
    fn at_counter(&self, centre: &str, day: u32, counter: u16) -> Result<Vec<Ticket>, Error>;
    /// The mean of a service's latest service times today (at least three).
    fn recent_mean(&self, centre: &str, day: u32, letter: char) -> Result<Option<f64>, Error>;
}

/// A waiting ticket's place in its line: (0 = priority / 1 = other, issued at in Unix seconds,
/// number) — the order a counter calls in.
pub type LinePlace = (u8, i64, String);

/// Where `t` stands in its line.
/// The index form of core's [`Ticket::line_key`] (issue times are kept to the second, so
/// the orders agree).
pub fn line_place(t: &Ticket) -> LinePlace {
    let (other, issued_at, number) = t.line_key();
    (u8::from(other), issued_at.timestamp(), number.to_string())
}

macro_rules! table_reader {
    ($t:ty) => {
        impl TableReader for $t {
            fn config(&self, centre: &str) -> Result<Option<QueueConfig>, Error> {
                Ok(get(&self.open_table(QUEUES)?, centre)?)
            }

            fn seats(&self, centre: &str) -> Result<Vec<(String, Seat)>, Error> {
                let mut out = Vec::new();
                for item in self.open_table(QUEUE_SEATS)?.iter()? {
                    let (k, v) = item?;
                    let seat: Seat = decode(v.value())?;
                    if seat.centre == centre {
                        out.push((k.value().to_owned(), seat));
                    }
                }
                Ok(out)
            }

            fn history_mean(
                &self,
                centre: &str,
                letter: char,
                slot: (u8, u8),
            ) -> Result<Option<f64>, Error> {
                let l = letter.to_string();
                let t = self.open_table(QUEUE_STATS)?;
                let found = t
                    .get((centre, l.as_str(), slot.0, slot.1))?
                    .map(|v| v.value());
                Ok(found
                    .filter(|(n, _)| *n > 0)
                    .map(|(n, sum)| sum as f64 / n as f64))
            }

            fn rated(&self, ticket_id: &str) -> Result<bool, Error> {
                let key = rated_key(ticket_id);
                Ok(self
                    .open_table(crate::db::RATED_DOSSIERS)?
                    .get(key.as_str())?
                    .is_some())
            }

            fn ticket(
                &self,
                centre: &str,
                day: u32,
                number: &str,
            ) -> Result<Option<Ticket>, Error> {
                Ok(self
                    .open_table(TICKETS)?
                    .get((centre, day, number))?
                    .map(|v| decode::<Ticket>(v.value()))
                    .transpose()?)
            }

            fn waiting_count(&self, centre: &str, day: u32, letter: char) -> Result<u32, Error> {
                let l = letter.to_string();
                let t = self.open_table(QUEUE_WAITING)?;
                let mut n = 0u32;
                for item in t.range(
                    (centre, day, l.as_str(), 0u8, i64::MIN, "")
                        ..(centre, day, l.as_str(), 2u8, i64::MIN, ""),
                )? {
                    item?;
                    n += 1;
                }
                Ok(n)
            }

            fn ahead(&self, centre: &str, t: &Ticket) -> Result<u32, Error> {
                let l = t.service.to_string();
                let (p, at, number) = line_place(t);
                let day = day_key(t.day);
                let table = self.open_table(QUEUE_WAITING)?;
                let mut n = 0u32;
                for item in table.range(
                    (centre, day, l.as_str(), 0u8, i64::MIN, "")
                        ..(centre, day, l.as_str(), p, at, number.as_str()),
                )? {
                    item?;
                    n += 1;
                }
                Ok(n)
            }

            fn first_waiting(
                &self,
                centre: &str,
                day: u32,
                letter: char,
            ) -> Result<Option<LinePlace>, Error> {
                let l = letter.to_string();
                let t = self.open_table(QUEUE_WAITING)?;
                let mut r = t.range(
                    (centre, day, l.as_str(), 0u8, i64::MIN, "")
                        ..(centre, day, l.as_str(), 2u8, i64::MIN, ""),
                )?;
                Ok(match r.next() {
                    Some(item) => {
                        let (k, _) = item?;
                        let k = k.value();
                        Some((k.3, k.4, k.5.to_owned()))
                    }
                    None => None,
                })
            }

            fn at_counter(
                &self,
                centre: &str,
                day: u32,
                counter: u16,
            ) -> Result<Vec<Ticket>, Error> {
                let mut numbers = Vec::new();
                for item in self.open_table(QUEUE_AT_COUNTER)?.range(
                    (centre, day, counter, "")..(centre, day, counter.saturating_add(1), ""),
                )? {
                    let (k, _) = item?;
                    if k.value().2 == counter {
                        numbers.push(k.value().3.to_owned());
                    }
                }
                let mut out = Vec::new();
                for n in numbers {
                    if let Some(t) = self.ticket(centre, day, &n)? {
                        out.push(t);
                    }
                }
                Ok(out)
            }

            fn recent_mean(
                &self,
                centre: &str,
                day: u32,
                letter: char,
            ) -> Result<Option<f64>, Error> {
                let l = letter.to_string();
                let found = self
                    .open_table(QUEUE_RECENT)?
                    .get((centre, day, l.as_str()))?
                    .map(|v| decode::<Vec<u32>>(v.value()))
                    .transpose()?
                    .unwrap_or_default();
                Ok((found.len() >= 3)
                    .then(|| found.iter().map(|s| f64::from(*s)).sum::<f64>() / found.len() as f64))
            }
        }
    };
}

/// Where a ticket's rating is remembered (beside the dossiers rated; a dossier code never
/// starts so).
pub fn rated_key(ticket_id: &str) -> String {
    format!("ticket:{ticket_id}")
}

/// A fresh secret for a ticket's QR.
pub fn new_key() -> String {
    hex::encode(rand::random::<[u8; 5]>())
}

table_reader!(ReadTransaction);
table_reader!(Tx<'_>);

/// The service's mean service time in seconds: its latest tickets served today, else the same
/// weekday and hour in the centre's history.
fn mean_service_s(
    r: &impl TableReader,
    centre: &str,
    day: u32,
    letter: char,
    cal: &Calendar,
    now: DateTime<FixedOffset>,
) -> Result<Option<f64>, Error> {
    match r.recent_mean(centre, day, letter)? {
        Some(m) => Ok(Some(m)),
        None => r.history_mean(centre, letter, slot_of(cal, now)),
    }
}

fn slot_of(cal: &Calendar, at: DateTime<FixedOffset>) -> (u8, u8) {
    let (wd, h) = motcua_core::queue::hour_slot(cal, at);
    (wd.num_days_from_monday() as u8, h as u8)
}

/// Counters of `cfg` with someone signed in.
fn open_counters(cfg: &QueueConfig, seats: &[(String, Seat)], letter: char) -> u32 {
    cfg.counters
        .iter()
        .filter(|c| {
            c.services.contains(&letter) && seats.iter().any(|(_, s)| s.counter == c.number)
        })
        .count() as u32
}

/// A ticket's public id: `{centre}-{yymmdd}-{A012}`.
pub fn ticket_id(centre: &str, t: &Ticket) -> String {
    ticket_id_of(centre, t.day, &t.number.to_string())
}

/// The public id of ticket `number` (`A012`) of `day` at `centre`.
pub fn ticket_id_of(centre: &str, day: NaiveDate, number: &str) -> String {
    format!("{centre}-{}-{number}", day.format("%y%m%d"))
}

pub fn parse_ticket_id(id: &str) -> Result<(String, NaiveDate, TicketNumber), Error> {
    let bad = || {
        Error::bad_request(
            "queue.bad_ticket",
            "Mã số thứ tự không hợp lệ.",
            "Invalid ticket id.",
        )
    };
    let mut parts = id.rsplitn(3, '-');
    let (Some(number), Some(day), Some(centre)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let number = TicketNumber::parse(number).map_err(|_| bad())?;
    if day.len() != 6 || !day.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let day = NaiveDate::parse_from_str(&format!("20{day}"), "%Y%m%d").map_err(|_| bad())?;
    Ok((centre_code(centre)?, day, number))
}

/// What a ticket's view needs of the hall.
pub(super) struct Hall<'a> {
    centre: &'a str,
    name: String,
    cfg: &'a QueueConfig,
    seats: Vec<(String, Seat)>,
    cal: &'a Calendar,
    now: DateTime<FixedOffset>,
}

impl<'a> Hall<'a> {
    pub(super) fn read<R: TableReader + CentreNames>(
        r: &R,
        centre: &'a str,
        cfg: &'a QueueConfig,
        cal: &'a Calendar,
        now: DateTime<FixedOffset>,
    ) -> Result<Hall<'a>, Error> {
        Ok(Hall {
            centre,
            name: centre_name(r, centre)?,
            cfg,
            seats: r.seats(centre)?,
            cal,
            now,
        })
    }
}

pub(super) fn view(r: &impl TableReader, hall: &Hall<'_>, t: &Ticket) -> Result<TicketView, Error> {
    let Hall {
        centre,
        cfg,
        cal,
        now,
        ..
    } = *hall;
    let svc = cfg.service(t.service);
    let waiting = t.state == TicketState::Waiting;
    let ahead = if waiting {
        Some(r.ahead(centre, t)?)
    } else {
        None
    };
    let wait_minutes = match ahead {
        Some(a) => estimate_wait(
            a,
            mean_service_s(r, centre, day_key(t.day), t.service, cal, now)?,
            open_counters(cfg, &hall.seats, t.service),
        ),
        None => None,
    };
    Ok(TicketView {
        id: ticket_id(centre, t),
        centre: centre.to_owned(),
        centre_name: hall.name.clone(),
        day: t.day,
        number: t.number.to_string(),
        service: t.service,
        service_vi: svc.map(|s| s.name(Lang::Vi).to_owned()).unwrap_or_default(),
        service_en: svc.map(|s| s.name(Lang::En).to_owned()).unwrap_or_default(),
        priority: t.priority,
        issued_at: t.issued_at,
        offline: matches!(t.issuer, Issuer::Kiosk { offline: true, .. }),
        state: t.state,
        state_vi: t.state.label(Lang::Vi).into(),
        state_en: t.state.label(Lang::En).into(),
        ahead,
        wait_minutes,
        counter: t.counter,
        key: None,
        may_rate: t.state == TicketState::Done && !r.rated(&ticket_id(centre, t))?,
        booked_for: t.booked_for,
    })
}

pub(super) fn centre_name(r: &impl CentreNames, centre: &str) -> Result<String, Error> {
    r.centre_name(centre)
}

pub(super) trait CentreNames {
    fn centre_name(&self, centre: &str) -> Result<String, Error>;
}

macro_rules! centre_names {
    ($t:ty) => {
        impl CentreNames for $t {
            fn centre_name(&self, centre: &str) -> Result<String, Error> {
                let info: Option<motcua_protocol::centre::CentreInfo> =
                    get(&self.open_table(CENTRES)?, centre)?;
                Ok(info.map(|i| i.name).unwrap_or_default())
            }
        }
    };
}

centre_names!(ReadTransaction);
centre_names!(Tx<'_>);

/// The queue of `centre` as configured.
pub async fn config(ctx: &Ctx, centre: &str) -> Result<QueueConfig, Error> {
    let centre = centre_code(centre)?;
    ctx.store
        .read(move |txn| load_config(txn, &centre))
        .await?
        .ok_or_else(not_configured)
}

/// Set the queue of `centre` (centre and system admins). A service with tickets waiting today
/// cannot be removed (take it out of use instead: `active: false`).
pub async fn set_config(
    ctx: &Ctx,
    actor: &Actor,
    centre: &str,
    cfg: QueueConfig,
) -> Result<QueueConfig, Error> {
    actor.require_admin()?;
    let centre = centre_code(centre)?;
    admin_of(actor, &centre)?;
    let mut cfg = cfg;
    for s in &mut cfg.services {
        s.name_vi = s.name_vi.trim().to_owned();
        s.name_en = s.name_en.trim().to_owned();
    }
    cfg.check().map_err(|e| queue_error(&e))?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    let a = actor.clone();
    ctx.store
        .write(move |tx| {
            if tx.open_table(AGENCIES)?.get(centre.as_str())?.is_none() {
                return Err(Error::not_found("cơ quan có mã này", "Agency"));
            }
            let today = day_key(cal.in_zone(now).date_naive());
            let old: Option<QueueConfig> = load_config(tx, &centre)?;
            let removed: Vec<char> = old
                .iter()
                .flat_map(|o| o.services.iter().map(|s| s.letter))
                .filter(|l| cfg.service(*l).is_none())
                .collect();
            for letter in removed {
                if tx.waiting_count(&centre, today, letter)? > 0 {
                    return Err(Error::new(
                        Kind::Conflict,
                        "queue.service_in_use",
                        format!(
                            "Dịch vụ {letter} còn người đang chờ: hãy ngừng sử dụng (active: \
                             false) thay vì xóa."
                        ),
                        format!(
                            "Service {letter} still has people waiting: take it out of use \
                             (active: false) instead of removing it."
                        ),
                    ));
                }
            }
            tx.open_table(QUEUES)?
                .insert(centre.as_str(), encode(&cfg)?.as_slice())?;
            crate::db::changes::record(
                tx,
                &crate::db::changes::Key::Queue(centre.clone()),
                vec![],
                vec![],
            )?;
            tx.audit(a.entry(now, "queue_configure", &centre, "ok"))?;
            tx.touch(Topic::Queue(centre.clone()));
            Ok(cfg.clone())
        })
        .await
}

/// Who issues, checked against the centre: a kiosk of the centre, or one of its reception
/// officers (whose actions are audited).
pub(super) fn issuer_of(who: Issuing<'_>, centre: &str) -> Result<(Issuer, Option<Actor>), Error> {
    Ok(match who {
        Issuing::Kiosk(k) => {
            if k.centre.as_str() != centre {
                return Err(Error::forbidden(
                    "Kiosk này không thuộc Trung tâm đó.",
                    "This kiosk does not belong to that centre.",
                ));
            }
            (
                Issuer::Kiosk {
                    kiosk: k.id.clone(),
                    offline: false,
                },
                None,
            )
        }
        Issuing::Desk(a) => {
            if a.user.role != Role::Receptionist
                || a.user.agency.as_ref().map(|x| x.as_str()) != Some(centre)
            {
                return Err(Error::forbidden(
                    "Chỉ cán bộ tiếp nhận của Trung tâm được cấp số thứ tự.",
                    "Only the centre's reception officers may issue numbers.",
                ));
            }
            (
                Issuer::Desk {
                    user: a.user.username.clone(),
                },
                Some(a.clone()),
            )
        }
    })
}

/// Issue the next number of a service.
pub async fn issue(
    ctx: &Ctx,
    who: Issuing<'_>,
    centre: &str,
    req: IssueRequest,
) -> Result<TicketView, Error> {
    let centre = centre_code(centre)?;
    let (issuer, actor) = issuer_of(who, &centre)?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    ctx.store
        .write(move |tx| {
            let cfg = load_config(tx, &centre)?.ok_or_else(not_configured)?;
            let svc = cfg
                .service(req.service)
                .ok_or_else(|| queue_error(&QueueError::NoSuchService(req.service)))?;
            if !svc.active {
                return Err(queue_error(&QueueError::ServiceInactive(svc.letter)));
            }
            cfg.issuing(svc, &cal, now)
                .map_err(|c| queue_error(&QueueError::Closed(svc.letter, c.next_open)))?;
            let date = cal.in_zone(now).date_naive();
            let number = allocate(tx, &centre, date, svc.letter, svc.daily_limit, false)?;
            let mut ticket = Ticket::issued(date, number, req.priority, now, issuer.clone());
            ticket.key = new_key();
            put_ticket(tx, &centre, None, &ticket)?;
            if let Some(a) = &actor {
                tx.audit(a.entry(now, "queue_issue", &ticket_id(&centre, &ticket), "ok"))?;
            }
            tx.touch(Topic::Queue(centre.clone()));
            let hall = Hall::read(tx, &centre, &cfg, &cal, now)?;
            let mut v = view(tx, &hall, &ticket)?;
            v.key = Some(ticket.key.clone());
            Ok(v)
        })
        .await
}

/// The key under which booked check-ins of a service and day are counted, beside its last
/// number in `TICKET_SEQ`.
fn booked_key(letter: char) -> String {
    format!("{letter}+booked")
}

/// The next number the server hands out for `letter` on `date`. A walk-in's is refused past the
/// service's `limit` of walk-ins a day; a booked check-in's is not (the booking was the
/// promise), and does not count against the walk-ins. Both stop at [`ONLINE_LAST`].
///
/// [`ONLINE_LAST`]: motcua_core::queue::ONLINE_LAST
pub(super) fn allocate(
    tx: &Tx,
    centre: &str,
    date: NaiveDate,
    letter: char,
    limit: u16,
    booked: bool,
) -> Result<TicketNumber, Error> {
    let day = day_key(date);
    let key = letter.to_string();
    let bkey = booked_key(letter);
    let mut seq = tx.open_table(TICKET_SEQ)?;
    let read = |seq: &redb::Table<(&str, u32, &str), u32>, k: &str| -> Result<u32, Error> {
        Ok(seq.get((centre, day, k))?.map(|v| v.value()).unwrap_or(0))
    };
    let last = read(&seq, &key)?;
    let booked_so_far = read(&seq, &bkey)?;
    let full = last >= u32::from(motcua_core::queue::ONLINE_LAST)
        || (!booked && last.saturating_sub(booked_so_far) >= u32::from(limit));
    if full {
        return Err(queue_error(&QueueError::DailyLimit(letter, limit)));
    }
    let n = last + 1;
    seq.insert((centre, day, key.as_str()), n)?;
    if booked {
        seq.insert((centre, day, bkey.as_str()), booked_so_far + 1)?;
    }
    Ok(TicketNumber {
        letter,
        number: n as u16,
    })
}

fn counter_busy(busy: &Ticket) -> Error {
    Error::new(
        Kind::Conflict,
        "queue.counter_busy",
        format!(
            "Quầy đang có số {}: hãy kết thúc, chuyển hoặc đánh dấu vắng mặt trước.",
            busy.number
        ),
        format!(
            "Ticket {} is still at this counter: finish, transfer or mark it a no-show first.",
            busy.number
        ),
    )
}

/// A centre admin administers their own centre (a system admin every one).
fn admin_of(actor: &Actor, centre: &str) -> Result<(), Error> {
    match (&actor.user.role, &actor.user.agency) {
        (Role::CentreAdmin, Some(own)) if own.as_str() != centre => Err(Error::forbidden(
            "Quản trị Trung tâm chỉ quản lý Trung tâm của mình.",
            "A centre admin manages their own centre only.",
        )),
        _ => Ok(()),
    }
}

fn seated_refusal() -> Error {
    Error::new(
        Kind::Conflict,
        "queue.not_seated",
        "Bạn chưa đăng nhập vào quầy này. Hãy chọn quầy trước khi gọi số.",
        "You are not signed in at this counter. Choose the counter before calling.",
    )
}

/// Whether `actor` may sit at counter `number` of `centre`: the centre's reception officers,
/// and officers and heads of an agency one of its services covers (or any agency when the
/// services name none).
fn may_sit(actor: &Actor, cfg: &QueueConfig, centre: &str, number: u16) -> Result<(), Error> {
    let counter = cfg
        .counter(number)
        .ok_or_else(|| queue_error(&QueueError::NoSuchCounter(number)))?;
    let own = actor.user.agency.as_ref().map(|a| a.as_str());
    let ok = match actor.user.role {
        Role::Receptionist => own == Some(centre),
        Role::Officer | Role::Head => counter.services.iter().any(|l| {
            cfg.service(*l).is_some_and(|s| {
                s.agencies.is_empty() || s.agencies.iter().any(|a| Some(a.as_str()) == own)
            })
        }),
        Role::CentreAdmin | Role::SystemAdmin => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::forbidden(
            "Tài khoản này không được phục vụ tại quầy đó.",
            "This account may not serve at that counter.",
        ))
    }
}

/// Sign in at a counter (leaving any other; one officer per counter).
pub async fn sit(
    ctx: &Ctx,
    actor: &Actor,
    centre: &str,
    counter: u16,
) -> Result<CounterStatus, Error> {
    let centre = centre_code(centre)?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    let a = actor.clone();
    ctx.store
        .write(move |tx| {
            let cfg = load_config(tx, &centre)?.ok_or_else(not_configured)?;
            may_sit(&a, &cfg, &centre, counter)?;
            let me = a.user.username.as_str();
            if let Some((who, _)) = tx
                .seats(&centre)?
                .into_iter()
                .find(|(who, s)| s.counter == counter && who != me)
            {
                return Err(Error::new(
                    Kind::Conflict,
                    "queue.counter_taken",
                    format!("Quầy số {counter} đang có cán bộ {who} đăng nhập."),
                    format!("Counter {counter} is taken by {who}."),
                ));
            }
            let seat = Seat {
                centre: centre.clone(),
                counter,
                since: now,
            };
            tx.open_table(QUEUE_SEATS)?
                .insert(me, encode(&seat)?.as_slice())?;
            tx.audit(a.entry(now, "queue_sit", &format!("{centre}#{counter}"), "ok"))?;
            tx.touch(Topic::Queue(centre.clone()));
            status(tx, &cfg, &centre, counter, &cal, now)
        })
        .await
}

/// Leave the counter one sits at.
pub async fn leave(ctx: &Ctx, actor: &Actor) -> Result<(), Error> {
    let now = ctx.clock.now_vn();
    let a = actor.clone();
    ctx.store
        .write(move |tx| {
            let old = tx
                .open_table(QUEUE_SEATS)?
                .remove(a.user.username.as_str())?
                .map(|v| decode::<Seat>(v.value()))
                .transpose()?;
            if let Some(seat) = old {
                let target = format!("{}#{}", seat.centre, seat.counter);
                tx.audit(a.entry(now, "queue_leave", &target, "ok"))?;
                tx.touch(Topic::Queue(seat.centre));
            }
            Ok(())
        })
        .await
}

fn counter_ticket(t: &Ticket) -> CounterTicket {
    CounterTicket {
        number: t.number.to_string(),
        service: t.service,
        priority: t.priority,
        issued_at: t.issued_at,
        state: t.state,
        calls: t.calls,
        called_at: t.called_at,
        started_at: t.started_at,
        dossier: t.dossier.clone(),
    }
}

fn status(
    r: &impl TableReader,
    cfg: &QueueConfig,
    centre: &str,
    counter: u16,
    cal: &Calendar,
    now: DateTime<FixedOffset>,
) -> Result<CounterStatus, Error> {
    let def = cfg
        .counter(counter)
        .ok_or_else(|| queue_error(&QueueError::NoSuchCounter(counter)))?;
    let day = day_key(cal.in_zone(now).date_naive());
    let here = r.at_counter(centre, day, counter)?;
    let officer = r
        .seats(centre)?
        .into_iter()
        .find(|(_, s)| s.counter == counter)
        .map(|(who, _)| who);
    let current = here
        .iter()
        .filter(|t| matches!(t.state, TicketState::Called | TicketState::Serving))
        .max_by_key(|t| t.history.last().map(|e| e.at))
        .map(counter_ticket);
    let held = here
        .iter()
        .filter(|t| t.state == TicketState::Held)
        .map(counter_ticket)
        .collect();
    let mut waiting = 0u32;
    for l in &def.services {
        waiting = waiting.saturating_add(r.waiting_count(centre, day, *l)?);
    }
    Ok(CounterStatus {
        centre: centre.to_owned(),
        counter,
        name: def.name.clone(),
        services: def.services.clone(),
        officer,
        current,
        held,
        waiting,
    })
}

/// A counter's screen.
pub async fn counter_status(
    ctx: &Ctx,
    actor: &Actor,
    centre: &str,
    counter: u16,
) -> Result<CounterStatus, Error> {
    let centre = centre_code(centre)?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    let a = actor.clone();
    ctx.store
        .read(move |txn| {
            let cfg = load_config(txn, &centre)?.ok_or_else(not_configured)?;
            if !a.user.role.is_admin() {
                may_sit(&a, &cfg, &centre, counter)?;
            }
            status(txn, &cfg, &centre, counter, &cal, now)
        })
        .await
}

/// Check that `actor` sits at `counter` of `centre`.
fn seated(tx: &Tx, actor: &Actor, centre: &str, counter: u16) -> Result<(), Error> {
    let seat: Option<Seat> = get(&tx.open_table(QUEUE_SEATS)?, &actor.user.username)?;
    match seat {
        Some(s) if s.centre == centre && s.counter == counter => Ok(()),
        _ => Err(seated_refusal()),
    }
}

pub(crate) fn put_ticket(
    tx: &Tx,
    centre: &str,
    old: Option<&Ticket>,
    t: &Ticket,
) -> Result<(), Error> {
    let key = t.number.to_string();
    let day = day_key(t.day);
    tx.open_table(TICKETS)?
        .insert((centre, day, key.as_str()), encode(t)?.as_slice())?;
    // The indexes: the lines, what is at each counter, the latest service times.
    let at_counter = |t: &Ticket| {
        matches!(
            t.state,
            TicketState::Called | TicketState::Serving | TicketState::Held
        )
        .then_some(t.counter)
        .flatten()
    };
    let mut waiting = tx.open_table(QUEUE_WAITING)?;
    let mut counters = tx.open_table(QUEUE_AT_COUNTER)?;
    if let Some(o) = old {
        if o.state == TicketState::Waiting {
            let (p, at, n) = line_place(o);
            let l = o.service.to_string();
            waiting.remove((centre, day, l.as_str(), p, at, n.as_str()))?;
        }
        if let Some(c) = at_counter(o) {
            counters.remove((centre, day, c, key.as_str()))?;
        }
    }
    if t.state == TicketState::Waiting {
        let (p, at, n) = line_place(t);
        let l = t.service.to_string();
        waiting.insert((centre, day, l.as_str(), p, at, n.as_str()), ())?;
    }
    if let Some(c) = at_counter(t) {
        counters.insert((centre, day, c, key.as_str()), ())?;
    }
    drop((waiting, counters));
    // A new call (first call, recall, return) for the boards.
    if t.history.len() > old.map_or(0, |o| o.history.len())
        && let Some(e) = t.history.last()
        && matches!(
            e.kind,
            motcua_core::queue::TicketEventKind::Called { .. }
                | motcua_core::queue::TicketEventKind::Recalled
                | motcua_core::queue::TicketEventKind::Returned
        )
    {
        tx.open_table(QUEUE_CALLS)?
            .insert((centre, day, e.at.timestamp(), key.as_str()), ())?;
    }
    if let Some(secs) = t.served_s()
        && old.is_none_or(|o| o.state != TicketState::Done)
    {
        let l = t.service.to_string();
        let mut recent = tx.open_table(QUEUE_RECENT)?;
        let mut times: Vec<u32> = recent
            .get((centre, day, l.as_str()))?
            .map(|v| decode(v.value()))
            .transpose()?
            .unwrap_or_default();
        times.push(u32::try_from(secs).unwrap_or(u32::MAX));
        let excess = times.len().saturating_sub(motcua_core::queue::RECENT);
        times.drain(..excess);
        recent.insert((centre, day, l.as_str()), encode(&times)?.as_slice())?;
    }
    Ok(())
}

/// Count a finished service in the weekday-and-hour history the estimates fall back on.
fn remember(tx: &Tx, centre: &str, t: &Ticket, cal: &Calendar) -> Result<(), Error> {
    let (Some(start), Some(end)) = (t.started_at, t.finished_at) else {
        return Ok(());
    };
    let secs = (end - start).num_seconds().clamp(0, 8 * 3600) as u64;
    let slot = slot_of(cal, start);
    let l = t.service.to_string();
    let key = (centre, l.as_str(), slot.0, slot.1);
    let mut stats = tx.open_table(QUEUE_STATS)?;
    let (n, sum) = stats.get(key)?.map(|v| v.value()).unwrap_or((0, 0));
    stats.insert(key, (n.saturating_add(1), sum.saturating_add(secs)))?;
    Ok(())
}

/// Call the next ticket to `counter`: priority first, then the earliest issued, among the
/// services it serves. The counter must have nothing called or in service.
pub async fn call_next(
    ctx: &Ctx,
    actor: &Actor,
    centre: &str,
    counter: u16,
) -> Result<CounterStatus, Error> {
    let centre = centre_code(centre)?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    let a = actor.clone();
    ctx.store
        .write(move |tx| {
            let cfg = load_config(tx, &centre)?.ok_or_else(not_configured)?;
            seated(tx, &a, &centre, counter)?;
            let def = cfg
                .counter(counter)
                .ok_or_else(|| queue_error(&QueueError::NoSuchCounter(counter)))?;
            let day = day_key(cal.in_zone(now).date_naive());
            if let Some(busy) = tx
                .at_counter(&centre, day, counter)?
                .into_iter()
                .find(|t| matches!(t.state, TicketState::Called | TicketState::Serving))
            {
                return Err(counter_busy(&busy));
            }
            // The first of each line the counter serves; the earliest place of them.
            let mut first: Option<LinePlace> = None;
            for l in &def.services {
                if let Some(p) = tx.first_waiting(&centre, day, *l)?
                    && first.as_ref().is_none_or(|f| p < *f)
                {
                    first = Some(p);
                }
            }
            let next = match first {
                Some((_, _, number)) => tx.ticket(&centre, day, &number)?,
                None => None,
            };
            let Some(next) = next else {
                return Err(Error::new(
                    Kind::NotFound,
                    "queue.empty",
                    "Không có người đang chờ ở các dịch vụ của quầy này.",
                    "Nobody is waiting for this counter's services.",
                ));
            };
            let old = next.clone();
            let mut t = next;
            let e = t
                .decide(
                    &cfg,
                    &TicketCommand::Call { counter },
                    Some(counter),
                    now,
                    &a.user.username,
                )
                .map_err(|e| queue_error(&e))?;
            t.apply(&e);
            put_ticket(tx, &centre, Some(&old), &t)?;
            tx.audit(a.entry(now, "queue_call", &ticket_id(&centre, &t), "ok"))?;
            tx.touch(Topic::Queue(centre.clone()));
            status(tx, &cfg, &centre, counter, &cal, now)
        })
        .await
}

/// Act on a ticket of today at `counter`: recall, no-show, start, finish, transfer, hold,
/// return, cancel, or call a waiting ticket out of turn.
pub async fn act(
    ctx: &Ctx,
    actor: &Actor,
    centre: &str,
    counter: u16,
    number: &str,
    cmd: TicketCommand,
) -> Result<CounterStatus, Error> {
    let centre = centre_code(centre)?;
    let number = TicketNumber::parse(number).map_err(|e| queue_error(&e))?;
    if let TicketCommand::Call { counter: c } = cmd
        && c != counter
    {
        return Err(seated_refusal());
    }
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    let a = actor.clone();
    ctx.store
        .write(move |tx| {
            let cfg = load_config(tx, &centre)?.ok_or_else(not_configured)?;
            seated(tx, &a, &centre, counter)?;
            let day = day_key(cal.in_zone(now).date_naive());
            let key = number.to_string();
            let found = tx
                .open_table(TICKETS)?
                .get((centre.as_str(), day, key.as_str()))?
                .map(|v| decode::<Ticket>(v.value()))
                .transpose()?;
            let Some(mut t) = found else {
                return Err(Error::not_found(
                    "số thứ tự này trong ngày",
                    "Ticket of today",
                ));
            };
            let old = t.clone();
            // One ticket at a time at a counter, whatever calls it.
            if matches!(cmd, TicketCommand::Call { .. } | TicketCommand::Return)
                && let Some(busy) = tx.at_counter(&centre, day, counter)?.into_iter().find(|x| {
                    x.number != t.number
                        && matches!(x.state, TicketState::Called | TicketState::Serving)
                })
            {
                return Err(counter_busy(&busy));
            }
            // A counter cancels only tickets of the services it serves.
            if matches!(cmd, TicketCommand::Cancel)
                && !cfg
                    .counter(counter)
                    .is_some_and(|c| c.services.contains(&t.service))
            {
                return Err(queue_error(&QueueError::NotServed(counter, t.service)));
            }
            let e = match t.decide(&cfg, &cmd, Some(counter), now, &a.user.username) {
                Ok(e) => e,
                Err(e) => {
                    let err = queue_error(&e);
                    tx.audit_kept(a.entry(
                        now,
                        &format!("queue_{}", cmd.name()),
                        &ticket_id(&centre, &t),
                        &err.code,
                    ));
                    return Err(err);
                }
            };
            t.apply(&e);
            put_ticket(tx, &centre, Some(&old), &t)?;
            if t.state == TicketState::Done {
                remember(tx, &centre, &t, &cal)?;
            }
            tx.audit(a.entry(
                now,
                &format!("queue_{}", cmd.name()),
                &ticket_id(&centre, &t),
                "ok",
            ))?;
            tx.touch(Topic::Queue(centre.clone()));
            status(tx, &cfg, &centre, counter, &cal, now)
        })
        .await
}

fn board_call(cfg: &QueueConfig, t: &Ticket) -> Option<BoardCall> {
    let counter = t.counter?;
    // The latest call of the ticket (first call, recall or return).
    let at = t
        .history
        .iter()
        .rev()
        .find(|e| {
            matches!(
                e.kind,
                motcua_core::queue::TicketEventKind::Called { .. }
                    | motcua_core::queue::TicketEventKind::Recalled
                    | motcua_core::queue::TicketEventKind::Returned
            )
        })?
        .at;
    Some(BoardCall {
        number: t.number.to_string(),
        counter,
        counter_name: cfg
            .counter(counter)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        at,
        calls: t.calls,
    })
}

/// What a display board shows now.
pub fn board_now(
    txn: &ReadTransaction,
    centre: &str,
    cal: &Calendar,
    now: DateTime<FixedOffset>,
) -> Result<BoardState, Error> {
    let cfg = load_config(txn, centre)?.ok_or_else(not_configured)?;
    let date = cal.in_zone(now).date_naive();
    let day = day_key(date);
    let seats = txn.seats(centre)?;
    let mut counters: Vec<BoardCall> = Vec::new();
    for c in &cfg.counters {
        for t in txn.at_counter(centre, day, c.number)? {
            if matches!(t.state, TicketState::Called | TicketState::Serving)
                && let Some(call) = board_call(&cfg, &t)
            {
                counters.push(call);
            }
        }
    }
    counters.sort_by_key(|c| c.counter);
    // The latest calls, one line a ticket.
    let mut recent: Vec<BoardCall> = Vec::new();
    {
        let calls = txn.open_table(QUEUE_CALLS)?;
        let mut seen = std::collections::HashSet::new();
        for item in calls
            .range((centre, day, i64::MIN, "")..(centre, day.saturating_add(1), i64::MIN, ""))?
            .rev()
        {
            let (k, _) = item?;
            let number = k.value().3.to_owned();
            if !seen.insert(number.clone()) {
                continue;
            }
            if let Some(t) = txn.ticket(centre, day, &number)?
                && let Some(call) = board_call(&cfg, &t)
            {
                recent.push(call);
            }
            if recent.len() == 10 {
                break;
            }
        }
    }
    let seq = txn.open_table(TICKET_SEQ)?;
    let mut lines = Vec::new();
    for s in cfg.services.iter().filter(|s| s.active) {
        let waiting = txn.waiting_count(centre, day, s.letter)?;
        let open = open_counters(&cfg, &seats, s.letter);
        let count = |k: &str| -> Result<u32, Error> {
            Ok(seq.get((centre, day, k))?.map(|v| v.value()).unwrap_or(0))
        };
        // Walk-ins issued: booked check-ins do not use up the day's numbers.
        let issued = count(&s.letter.to_string())?.saturating_sub(count(&booked_key(s.letter))?);
        let closed = cfg.issuing(s, cal, now).err();
        lines.push(BoardLine {
            service: s.letter,
            name_vi: s.name(Lang::Vi).to_owned(),
            name_en: s.name(Lang::En).to_owned(),
            waiting,
            open_counters: open,
            wait_minutes: estimate_wait(
                waiting,
                mean_service_s(txn, centre, day, s.letter, cal, now)?,
                open,
            ),
            issuing: closed.is_none(),
            next_open: closed.and_then(|c| c.next_open),
            left_today: u32::from(s.daily_limit).saturating_sub(issued),
        });
    }
    Ok(BoardState {
        centre: centre.to_owned(),
        centre_name: centre_name(txn, centre)?,
        now,
        day: date,
        counters,
        recent,
        lines,
    })
}

/// What a display board shows now (public).
pub async fn board(ctx: &Ctx, centre: &str) -> Result<BoardState, Error> {
    let centre = centre_code(centre)?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    ctx.store
        .read(move |txn| board_now(txn, &centre, &cal, now))
        .await
}

/// A ticket's public page: where it stands, nothing personal.
pub async fn ticket(ctx: &Ctx, id: &str) -> Result<TicketView, Error> {
    let (centre, date, number) = parse_ticket_id(id)?;
    let now = ctx.clock.now_vn();
    let cal = ctx.cal.get();
    ctx.store
        .read(move |txn| {
            let cfg = load_config(txn, &centre)?.ok_or_else(not_configured)?;
            let day = day_key(date);
            let key = number.to_string();
            let found = txn
                .open_table(TICKETS)?
                .get((centre.as_str(), day, key.as_str()))?
                .map(|v| decode::<Ticket>(v.value()))
                .transpose()?;
            let Some(t) = found else {
                return Err(Error::not_found("số thứ tự", "Ticket"));
            };
            let hall = Hall::read(txn, &centre, &cfg, &cal, now)?;
            view(txn, &hall, &t)
        })
        .await
}

/// How old an offline ticket may be when it reaches the server, in days.
pub const MAX_OFFLINE_AGE_DAYS: i64 = 31;

/// Take a number a kiosk issued from its offline block: checked against the kiosk's slot and the
/// centre's services, its issue time kept within its day and never after now (a kiosk's clock
/// may have jumped), stored once (the same ticket pushed again is a no-op; a number another
/// issuer holds is refused). A ticket of a past day is kept, cancelled, for the statistics.
pub fn take_offline(
    tx: &Tx,
    kiosk: &str,
    centre: &str,
    t: &motcua_protocol::sync::OfflineTicket,
    cal: &Calendar,
    now: DateTime<FixedOffset>,
) -> Result<(), Error> {
    let refuse = |code: &str, vi: String, en: String| Err(Error::new(Kind::Conflict, code, vi, en));
    let number = TicketNumber::parse(&t.number).map_err(|e| Error::domain(Kind::Invalid, &e))?;
    let k: Option<Kiosk> = get(&tx.open_table(crate::db::KIOSKS)?, kiosk)?;
    let block = k
        .and_then(|k| k.queue_slot)
        .and_then(motcua_core::queue::offline_block);
    if !block.is_some_and(|b| b.contains(&number.number)) {
        return refuse(
            "queue.outside_block",
            format!("Số {number} không thuộc dải số kiosk này được cấp khi mất kết nối."),
            format!("{number} is not in the numbers this kiosk may issue offline."),
        );
    }
    let cfg = load_config(tx, centre)?.ok_or_else(not_configured)?;
    if cfg.service(number.letter).is_none() {
        return Err(queue_error(&QueueError::NoSuchService(number.letter)));
    }
    let today = cal.in_zone(now).date_naive();
    if t.day > today {
        return refuse(
            "queue.future_day",
            format!(
                "Số {number} mang ngày {} chưa tới (đồng hồ kiosk sai).",
                t.day.format("%d/%m/%Y")
            ),
            format!(
                "{number} is dated {}, a day still to come (the kiosk's clock is wrong).",
                t.day
            ),
        );
    }
    // A ticket older than the outbox can plausibly hold (a kiosk clock years behind) is
    // refused, never an internal error that would hold the batch (and the outbox) back.
    let too_old = || {
        refuse(
            "queue.too_old",
            format!(
                "Số {number} mang ngày {} quá xa (đồng hồ kiosk sai).",
                t.day
            ),
            format!(
                "{number} is dated {}, too long ago (the kiosk's clock is wrong).",
                t.day
            ),
        )
    };
    if (today - t.day).num_days() > MAX_OFFLINE_AGE_DAYS {
        return too_old();
    }
    let Some(start) = t
        .day
        .and_hms_opt(0, 0, 0)
        .and_then(|d| d.and_local_timezone(cal.zone()).single())
    else {
        return too_old();
    };
    let end = (start + chrono::Duration::days(1) - chrono::Duration::seconds(1)).min(now);
    let issued_at = cal.in_zone(t.issued_at).clamp(start, end.max(start));
    let issued_at = issued_at.with_nanosecond(0).unwrap_or(issued_at);
    let issuer = Issuer::Kiosk {
        kiosk: kiosk.to_owned(),
        offline: true,
    };
    let day = day_key(t.day);
    let key = number.to_string();
    let held = tx
        .open_table(TICKETS)?
        .get((centre, day, key.as_str()))?
        .map(|v| decode::<Ticket>(v.value()))
        .transpose()?;
    if let Some(held) = held {
        // The same ticket again (a kiosk that lost the acknowledgement) is taken once; the same
        // number issued twice by one kiosk (a store restored from a copy) is refused, to be seen.
        let same = held.issuer == issuer && (held.key == t.key || t.key.is_empty());
        return if same {
            Ok(())
        } else {
            refuse(
                "queue.number_taken",
                format!("Số {number} của ngày này đã được cấp cho người khác."),
                format!("{number} of that day was already given to someone else."),
            )
        };
    }
    let mut ticket = Ticket::issued(t.day, number, t.priority, issued_at, issuer);
    ticket.key = if (8..=32).contains(&t.key.len()) && t.key.bytes().all(|b| b.is_ascii_hexdigit())
    {
        t.key.clone()
    } else {
        new_key()
    };
    if t.day < today {
        ticket.apply(&motcua_core::queue::TicketEvent {
            at: now,
            by: "system".into(),
            kind: motcua_core::queue::TicketEventKind::Cancelled,
        });
    }
    put_ticket(tx, centre, None, &ticket)?;
    tx.touch(Topic::Queue(centre.to_owned()));
    Ok(())
}

/// A counter one may sit at, as a counter's page offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterChoice {
    pub centre: String,
    pub centre_name: String,
    pub counter: u16,
    pub name: String,
    /// Someone else sits there.
    pub taken_by: Option<String>,
}

/// Where `actor` sits now.
pub async fn my_seat(ctx: &Ctx, actor: &Actor) -> Result<Option<Seat>, Error> {
    let me = actor.user.username.clone();
    ctx.store
        .read(move |txn| Ok::<_, Error>(get(&txn.open_table(QUEUE_SEATS)?, &me)?))
        .await
}

/// The counters of every centre's queue that `actor` may sit at.
pub async fn counters_for(ctx: &Ctx, actor: &Actor) -> Result<Vec<CounterChoice>, Error> {
    let a = actor.clone();
    ctx.store
        .read(move |txn| {
            let mut out = Vec::new();
            let mut centres = Vec::new();
            for item in txn.open_table(QUEUES)?.iter()? {
                let (k, v) = item?;
                centres.push((k.value().to_owned(), decode::<QueueConfig>(v.value())?));
            }
            for (centre, cfg) in centres {
                let seats = txn.seats(&centre)?;
                let name = centre_name(txn, &centre)?;
                for c in &cfg.counters {
                    if may_sit(&a, &cfg, &centre, c.number).is_ok() {
                        out.push(CounterChoice {
                            centre: centre.clone(),
                            centre_name: name.clone(),
                            counter: c.number,
                            name: c.name.clone(),
                            taken_by: seats
                                .iter()
                                .find(|(who, s)| s.counter == c.number && *who != a.user.username)
                                .map(|(who, _)| who.clone()),
                        });
                    }
                }
            }
            Ok(out)
        })
        .await
}

/// The queue statistics of `centre` from `from` to `to` (days, inclusive), grouped `by`:
/// administrators, and the centre's reception officers.
pub async fn stats(
    ctx: &Ctx,
    actor: &Actor,
    centre: &str,
    from: NaiveDate,
    to: NaiveDate,
    by: motcua_protocol::queue::StatsBy,
) -> Result<motcua_protocol::queue::QueueStats, Error> {
    use motcua_core::queue::{BUCKETS, Tally, bucket};
    use motcua_protocol::queue::{QueueStats, StatsBy, StatsRow};
    let centre = centre_code(centre)?;
    let own = actor.user.agency.as_ref().map(|a| a.as_str()) == Some(centre.as_str());
    admin_of(actor, &centre)?;
    if !(actor.user.role.is_admin() || (actor.user.role == Role::Receptionist && own)) {
        return Err(Error::forbidden(
            "Chỉ quản trị viên và cán bộ tiếp nhận của Trung tâm được xem thống kê hàng đợi.",
            "Only administrators and the centre's reception officers see queue statistics.",
        ));
    }
    if from > to || (to - from).num_days() > 366 {
        return Err(Error::bad_request(
            "queue.period",
            "Khoảng thời gian không hợp lệ: ngày bắt đầu không sau ngày kết thúc, tối đa 366 ngày.",
            "Invalid period: from must not be after to, 366 days at most.",
        ));
    }
    let cal = ctx.cal.get();
    ctx.store
        .read(move |txn| {
            let cfg = load_config(txn, &centre)?.ok_or_else(not_configured)?;
            let users = txn.open_table(crate::db::USERS)?;
            let mut groups: std::collections::BTreeMap<String, (String, Tally)> =
                std::collections::BTreeMap::new();
            let mut total = Tally::default();
            let mut wait_buckets = vec![0u32; BUCKETS];
            let mut service_buckets = vec![0u32; BUCKETS];
            let mut by_hour = vec![0u32; 24];
            let t = txn.open_table(TICKETS)?;
            for item in t.range(
                (centre.as_str(), day_key(from), "")..(centre.as_str(), day_key(to) + 1, ""),
            )? {
                let ticket: Ticket = decode(item?.1.value())?;
                total.add(&ticket);
                if let Some(w) = ticket.waited_s() {
                    wait_buckets[bucket(w)] += 1;
                }
                if let Some(s) = ticket.served_s() {
                    service_buckets[bucket(s)] += 1;
                }
                let hour = slot_of(&cal, ticket.issued_at).1;
                by_hour[usize::from(hour).min(23)] += 1;
                let (key, label) = match by {
                    StatsBy::Service => (
                        ticket.number.letter.to_string(),
                        cfg.service(ticket.number.letter)
                            .map(|s| s.name_vi.clone())
                            .unwrap_or_default(),
                    ),
                    StatsBy::Counter => match ticket.counter {
                        Some(c) => (
                            format!("{c:03}"),
                            cfg.counter(c).map(|d| d.name.clone()).unwrap_or_default(),
                        ),
                        None => (String::new(), "Chưa gọi (not called)".into()),
                    },
                    StatsBy::Officer => match &ticket.officer {
                        Some(o) => {
                            let name = get::<crate::db::model::User>(&users, o)?
                                .map(|u| u.full_name)
                                .unwrap_or_default();
                            (o.clone(), name)
                        }
                        None => (String::new(), "Chưa gọi (not called)".into()),
                    },
                    StatsBy::Hour => (
                        format!("{hour:02}"),
                        format!("{hour:02}:00–{:02}:00", hour + 1),
                    ),
                };
                groups
                    .entry(key)
                    .or_insert_with(|| (label, Tally::default()))
                    .1
                    .add(&ticket);
            }
            // Counters are kept zero-padded so that they sort by number.
            let row = |key: String, label: String, t: &Tally| StatsRow {
                key: if by == StatsBy::Counter {
                    key.trim_start_matches('0').to_owned()
                } else {
                    key
                },
                label,
                issued: t.issued,
                called: t.called,
                served: t.served,
                no_show: t.no_show,
                transferred: t.transferred,
                cancelled: t.cancelled,
                mean_wait_min: t.mean_wait_min(),
                mean_service_min: t.mean_service_min(),
            };
            let mut busiest: Vec<u8> = (0u8..24).filter(|h| by_hour[usize::from(*h)] > 0).collect();
            busiest.sort_by_key(|h| std::cmp::Reverse(by_hour[usize::from(*h)]));
            busiest.truncate(3);
            Ok(QueueStats {
                centre: centre.clone(),
                from,
                to,
                by,
                rows: groups
                    .into_iter()
                    .map(|(k, (label, t))| row(k, label, &t))
                    .collect(),
                total: row("".into(), "TỔNG (TOTAL)".into(), &total),
                wait_buckets,
                service_buckets,
                issued_by_hour: by_hour,
                busiest_hours: busiest,
            })
        })
        .await
}

/// Queue statistics as CSV (a byte-order mark first, so that spreadsheets read Vietnamese).
pub fn stats_csv(s: &motcua_protocol::queue::QueueStats) -> Result<String, Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let e = |x: csv::Error| Error::internal(x);
    w.write_record([
        "Nhóm (group)",
        "Tên (name)",
        "Số phát ra (issued)",
        "Đã gọi (called)",
        "Đã phục vụ (served)",
        "Vắng mặt (no-show)",
        "Chuyển dịch vụ (transferred)",
        "Đã hủy (cancelled)",
        "Chờ trung bình, phút (mean wait, min)",
        "Phục vụ trung bình, phút (mean service, min)",
    ])
    .map_err(e)?;
    let min = |m: Option<f64>| m.map(|m| format!("{m:.1}")).unwrap_or_default();
    for r in s.rows.iter().chain(std::iter::once(&s.total)) {
        w.write_record([
            r.key.clone(),
            r.label.clone(),
            r.issued.to_string(),
            r.called.to_string(),
            r.served.to_string(),
            r.no_show.to_string(),
            r.transferred.to_string(),
            r.cancelled.to_string(),
            min(r.mean_wait_min),
            min(r.mean_service_min),
        ])
        .map_err(e)?;
    }
    let bytes = w.into_inner().map_err(|x| Error::internal(x.to_string()))?;
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}
