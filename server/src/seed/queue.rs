//! A history of the demo centre's queue: the last few working days of tickets, made by a small
//! simulation of the hall (arrivals by service and hour, the counters of `demo_queue` serving
//! priority first then by issue time, service times per service, a few no-shows and transfers),
//! so that the statistics have something to show and the wait estimates a weekday-and-hour
//! history to fall back on.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike};
use motcua_core::Calendar;
use motcua_core::queue::{Issuer, QueueConfig, Ticket, TicketEvent, TicketEventKind, TicketNumber};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use redb::ReadableTable;

use crate::db::{QUEUE_STATS, Store, TICKET_SEQ, TICKETS, encode};
use crate::ops::Error;

/// Arrivals per hour at the busiest hour, and the mean service time in minutes, per service.
const DEMAND: [(char, f64, f64); 5] = [
    ('A', 16.0, 7.0),
    ('B', 9.0, 13.0),
    ('C', 7.0, 10.0),
    ('D', 5.0, 9.0),
    ('E', 14.0, 3.0),
];

/// How busy each hour is, relative to the busiest.
fn hour_weight(h: u32) -> f64 {
    match h {
        7 => 0.8,
        8 => 1.0,
        9 => 0.9,
        10 => 0.7,
        13 => 0.6,
        14 => 0.8,
        15 => 0.7,
        _ => 0.4,
    }
}

/// Who sits at each counter of the demo hall.
const OFFICERS: [&str; 7] = [
    "cv.tuphap",
    "tiepnhan2",
    "cv.taichinh",
    "cv.xaydung",
    "tiepnhan1",
    "ld.taichinh",
    "ld.xaydung",
];

/// An exponential draw with the given mean.
fn exp(rng: &mut StdRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

/// One simulated day of the hall: its tickets with their stories.
pub fn simulate_day(cfg: &QueueConfig, cal: &Calendar, day: NaiveDate, seed: u64) -> Vec<Ticket> {
    let mut rng = StdRng::seed_from_u64(seed ^ u64::from(day.num_days_from_ce().unsigned_abs()));
    let at = |secs: f64| {
        let t = day.and_time(NaiveTime::MIN) + Duration::seconds(secs as i64);
        cal.zone().from_local_datetime(&t).single()
    };
    // Arrivals: (seconds from midnight, letter, priority).
    let mut arrivals: Vec<(f64, char, bool)> = Vec::new();
    for (letter, per_hour, _) in DEMAND {
        let Some(svc) = cfg.service(letter) else {
            continue;
        };
        let windows = cfg.windows(svc, cal, day).unwrap_or_default();
        for w in windows {
            let (from, to) = (
                f64::from(w.from.num_seconds_from_midnight()),
                f64::from(w.to.num_seconds_from_midnight()),
            );
            let mut t = from;
            loop {
                let rate = per_hour * hour_weight((t / 3600.0) as u32) / 3600.0;
                t += exp(&mut rng, 1.0 / rate);
                if t >= to {
                    break;
                }
                arrivals.push((t, letter, rng.random::<f64>() < 0.08));
            }
        }
    }
    arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut seq: BTreeMap<char, u16> = BTreeMap::new();
    let mut tickets: Vec<Ticket> = Vec::new();
    for (t, letter, priority) in &arrivals {
        let n = seq.entry(*letter).or_default();
        *n += 1;
        let Some(issued) = at(*t) else { continue };
        let mut tk = Ticket::issued(
            day,
            TicketNumber {
                letter: *letter,
                number: *n,
            },
            priority.then_some(motcua_core::queue::Priority::Elderly),
            issued,
            Issuer::Kiosk {
                kiosk: "KIOSK-0001".into(),
                offline: false,
            },
        );
        tk.history.clear();
        tickets.push(tk);
    }
    // The counters: each takes the next ticket of its services when free. Tickets of a
    // service in issue order, and where its untaken ones begin.
    let issued_s: Vec<f64> = arrivals.iter().map(|a| a.0).collect();
    let mut lines: BTreeMap<char, (Vec<usize>, usize)> = BTreeMap::new();
    for (i, t) in tickets.iter().enumerate() {
        lines.entry(t.service).or_default().0.push(i);
    }
    let mut free: Vec<f64> = cfg.counters.iter().map(|_| 0.0).collect();
    let mut taken = vec![false; tickets.len()];
    let mean_of = |l: char| DEMAND.iter().find(|d| d.0 == l).map_or(8.0, |d| d.2);
    loop {
        // The counter free first that still has something to serve.
        let mut best: Option<(usize, usize, f64)> = None;
        for (ci, c) in cfg.counters.iter().enumerate() {
            let start = free[ci];
            let mut waiting: Option<usize> = None;
            let mut next: Option<usize> = None;
            for l in &c.services {
                let Some((line, from)) = lines.get(l) else {
                    continue;
                };
                for &i in line[*from..].iter().filter(|i| !taken[**i]) {
                    if issued_s[i] > start {
                        if next.is_none_or(|n| issued_s[i] < issued_s[n]) {
                            next = Some(i);
                        }
                        break;
                    }
                    if waiting.is_none_or(|w| tickets[i].line_key() < tickets[w].line_key()) {
                        waiting = Some(i);
                    }
                }
            }
            if let Some(i) = waiting.or(next) {
                let when = start.max(issued_s[i]);
                if best.is_none_or(|(_, _, w)| when < w) {
                    best = Some((ci, i, when));
                }
            }
        }
        let Some((ci, i, call)) = best else { break };
        taken[i] = true;
        if let Some((line, from)) = lines.get_mut(&tickets[i].service) {
            while *from < line.len() && taken[line[*from]] {
                *from += 1;
            }
        }
        let counter = cfg.counters[ci].number;
        let officer = OFFICERS.get(ci).copied().unwrap_or("tiepnhan1").to_owned();
        let tk = &mut tickets[i];
        let push = |tk: &mut Ticket, secs: f64, kind| {
            if let Some(at) = at(secs) {
                tk.apply(&TicketEvent {
                    at,
                    by: officer.clone(),
                    kind,
                });
            }
        };
        push(tk, call, TicketEventKind::Called { counter });
        if rng.random::<f64>() < 0.04 {
            push(tk, call + 60.0, TicketEventKind::Recalled);
            push(tk, call + 120.0, TicketEventKind::Recalled);
            push(tk, call + 180.0, TicketEventKind::NoShow);
            free[ci] = call + 200.0;
            continue;
        }
        let start = call + 30.0 + rng.random::<f64>() * 60.0;
        push(tk, start, TicketEventKind::Started);
        let service = (mean_of(tk.service) * 60.0 * (0.4 + exp(&mut rng, 0.6))).min(3600.0);
        push(
            tk,
            start + service,
            TicketEventKind::Finished { dossier: None },
        );
        free[ci] = start + service + 20.0;
    }
    tickets
}

/// Store the last `days` working days before `today` of simulated tickets, with the counters
/// of numbers issued and the weekday-and-hour service history; how many tickets.
pub fn seed_history(
    store: &Store,
    cal: &Calendar,
    centre: &str,
    cfg: &QueueConfig,
    today: NaiveDate,
    days: usize,
) -> Result<usize, Error> {
    let mut day = today;
    let mut done = 0;
    let mut total = 0;
    for _ in 0..30 {
        if done == days {
            break;
        }
        let Some(prev) = day.pred_opt() else { break };
        day = prev;
        if !cal.is_working_day(day).unwrap_or(false) {
            continue;
        }
        done += 1;
        let tickets = simulate_day(cfg, cal, day, 0x7175_6575);
        total += tickets.len();
        let centre = centre.to_owned();
        let cal = cal.clone();
        store.write_blocking(move |tx| {
            let key = day.year() as u32 * 10_000 + day.month() * 100 + day.day();
            let mut t = tx.open_table(TICKETS)?;
            let mut seq = tx.open_table(TICKET_SEQ)?;
            let mut stats = tx.open_table(QUEUE_STATS)?;
            for tk in &tickets {
                let number = tk.number.to_string();
                t.insert(
                    (centre.as_str(), key, number.as_str()),
                    encode(tk)?.as_slice(),
                )?;
                let letter = tk.number.letter.to_string();
                let last = seq
                    .get((centre.as_str(), key, letter.as_str()))?
                    .map_or(0, |v| v.value());
                seq.insert(
                    (centre.as_str(), key, letter.as_str()),
                    last.max(u32::from(tk.number.number)),
                )?;
                if let (Some(s), Some(secs)) = (tk.started_at, tk.served_s()) {
                    let (wd, h) = motcua_core::queue::hour_slot(&cal, s);
                    let k = (
                        centre.as_str(),
                        letter.as_str(),
                        wd.num_days_from_monday() as u8,
                        h as u8,
                    );
                    let (n, sum) = stats.get(k)?.map_or((0, 0), |v| v.value());
                    stats.insert(k, (n + 1, sum + secs.max(0) as u64))?;
                }
            }
            Ok::<_, Error>(())
        })?;
    }
    Ok(total)
}
