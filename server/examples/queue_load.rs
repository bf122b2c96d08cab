//! The queue under load, against a running server (`server/bench/queue.sh` runs it):
//!
//! 1. Sets the centre's queue for the test (`MOTCUA_ADMIN_TOKEN`): 26 services open all day, one
//!    counter serving them all, and seats an officer there (`MOTCUA_OFFICER_TOKEN`).
//! 2. Opens `--boards` display boards: each follows the live state (server-sent events) and notes
//!    when each call first appears on it.
//! 3. For `--seconds`, `--issuers` clients issue numbers as fast as they are answered (reception,
//!    `MOTCUA_DESK_TOKEN`), while the officer calls the next number, starts and finishes it,
//!    `--calls` times a second.
//! 4. Loads the board's page `--pages` times, one after the other.
//!
//! Prints tickets issued a second with their latencies, call-next latencies, call → board
//! delays over every board (p50 / p99 / max) and the board page's load times.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use motcua_client::{Client, Timeouts};
use motcua_core::queue::{CounterDef, QueueConfig, Service, TicketCommand, Window};
use motcua_protocol::queue::{BoardState, IssueRequest};

/// Hàng đợi dưới tải / the queue under load.
#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:18182")]
    base: String,
    #[arg(long, default_value = "000.00.01.H16")]
    centre: String,
    #[arg(long, default_value_t = 50)]
    boards: usize,
    #[arg(long, default_value_t = 8)]
    issuers: usize,
    /// Tickets a second, all issuers together (0: as fast as they are answered).
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Calls a second at the counter.
    #[arg(long, default_value_t = 4.0)]
    calls: f64,
    #[arg(long, default_value_t = 50)]
    pages: usize,
    #[arg(long, env = "MOTCUA_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: String,
    #[arg(long, env = "MOTCUA_DESK_TOKEN", hide_env_values = true)]
    desk_token: String,
    #[arg(long, env = "MOTCUA_OFFICER_TOKEN", hide_env_values = true)]
    officer_token: String,
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

type Sent = Arc<Mutex<HashMap<String, Instant>>>;

/// One board: reads the event stream and notes when each call (number@counter@calls) first
/// appears, against when it was sent.
async fn board(base: String, centre: String, sent: Sent, until: Instant) -> Vec<Duration> {
    let http = reqwest::Client::new();
    let url = format!("{base}/api/v1/public/centres/{centre}/queue/events");
    let Ok(mut res) = http.get(&url).send().await else {
        return Vec::new();
    };
    let mut seen = std::collections::HashSet::new();
    let mut delays = Vec::new();
    let mut buf = String::new();
    while Instant::now() < until {
        let chunk = match tokio::time::timeout(until - Instant::now(), res.chunk()).await {
            Ok(Ok(Some(c))) => c,
            _ => break,
        };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let Ok(b) = serde_json::from_str::<BoardState>(data) else {
                continue;
            };
            let now = Instant::now();
            for c in &b.recent {
                let key = c.number.clone();
                if seen.insert(key.clone())
                    && let Some(t) = sent.lock().unwrap().get(&key)
                {
                    delays.push(now - *t);
                }
            }
        }
    }
    delays
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = Args::parse();
    let timeouts = Timeouts {
        connect: Duration::from_secs(5),
        total: Duration::from_secs(30),
    };
    let anon = Client::with_timeouts(&a.base, timeouts)?;
    let admin = anon.with_token(a.admin_token.clone());
    let all_day = vec![Window {
        from: chrono::NaiveTime::MIN,
        to: chrono::NaiveTime::from_hms_opt(23, 59, 59).unwrap(),
    }];
    let letters: Vec<char> = ('A'..='Z').collect();
    let cfg = QueueConfig {
        services: letters
            .iter()
            .map(|l| Service {
                letter: *l,
                name_vi: format!("Dịch vụ {l}"),
                name_en: format!("Service {l}"),
                procedures: vec![],
                agencies: vec![],
                daily_limit: 799,
                hours: all_day.clone(),
                saturday: all_day.clone(),
                active: true,
                booking: None,
            })
            .collect(),
        counters: vec![CounterDef {
            number: 1,
            name: "Quầy 1".into(),
            services: letters.clone(),
        }],
        recalls_before_no_show: 2,
    };
    admin.set_queue_config(&a.centre, &cfg).await?;
    let officer = anon.with_token(a.officer_token.clone());
    officer.sit(&a.centre, 1).await?;

    let sent: Sent = Arc::default();
    let until = Instant::now() + Duration::from_secs(a.seconds);
    let mut boards = Vec::new();
    for _ in 0..a.boards {
        boards.push(tokio::spawn(board(
            a.base.clone(),
            a.centre.clone(),
            sent.clone(),
            until + Duration::from_secs(2),
        )));
    }
    // Let the boards connect.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Instant::now();
    let mut issuers = Vec::new();
    for i in 0..a.issuers {
        let desk = anon.with_token(a.desk_token.clone());
        let (centre, letters) = (a.centre.clone(), letters.clone());
        let pace = (a.rate > 0.0).then(|| Duration::from_secs_f64(a.issuers as f64 / a.rate));
        issuers.push(tokio::spawn(async move {
            let mut tick = pace.map(tokio::time::interval);
            let mut lat = Vec::new();
            let mut errors = 0u32;
            let mut last = Instant::now();
            let mut n = i;
            while Instant::now() < until {
                if let Some(t) = tick.as_mut() {
                    t.tick().await;
                }
                let service = letters[n % letters.len()];
                n += 7;
                let t = Instant::now();
                match desk
                    .issue_ticket(
                        &centre,
                        &IssueRequest {
                            service,
                            priority: None,
                        },
                    )
                    .await
                {
                    Ok(_) => {
                        lat.push(t.elapsed());
                        last = Instant::now();
                    }
                    // The day's numbers of every service are used up: stop.
                    Err(e) if e.code() == Some("queue.daily_limit") => break,
                    Err(_) => errors += 1,
                }
            }
            (lat, errors, last)
        }));
    }
    let caller = {
        let (officer, centre, sent) = (officer.clone(), a.centre.clone(), sent.clone());
        let period = Duration::from_secs_f64(1.0 / a.calls.max(0.1));
        tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut tick = tokio::time::interval(period);
            while Instant::now() < until {
                tick.tick().await;
                let t = Instant::now();
                let Ok(st) = officer.call_next(&centre, 1).await else {
                    continue;
                };
                lat.push(t.elapsed());
                let Some(cur) = st.current else { continue };
                sent.lock().unwrap().insert(cur.number.clone(), t);
                for cmd in [
                    TicketCommand::Start,
                    TicketCommand::Finish { dossier: None },
                ] {
                    let _ = officer.ticket_action(&centre, 1, &cur.number, &cmd).await;
                }
            }
            lat
        })
    };
    let (mut issue_lat, mut errors, mut last) = (Vec::new(), 0, start);
    for h in issuers {
        let (l, e, t) = h.await?;
        issue_lat.extend(l);
        errors += e;
        last = last.max(t);
    }
    let elapsed = last - start;
    let mut call_lat = caller.await?;
    let mut delays = Vec::new();
    for b in boards {
        delays.extend(b.await?);
    }
    let mut pages = Vec::new();
    let http = reqwest::Client::new();
    for _ in 0..a.pages {
        let t = Instant::now();
        let r = http
            .get(format!("{}/board/{}", a.base, a.centre))
            .send()
            .await?;
        let _ = r.bytes().await?;
        pages.push(t.elapsed());
    }
    println!(
        "tickets issued: {} in {:.1} s = {:.0}/s by {} clients ({} refused), latency p50 {} p99 {}",
        issue_lat.len(),
        elapsed.as_secs_f64(),
        issue_lat.len() as f64 / elapsed.as_secs_f64(),
        a.issuers,
        errors,
        ms(pct(&mut issue_lat, 0.5)),
        ms(pct(&mut issue_lat, 0.99)),
    );
    println!(
        "call next: {} calls, p50 {} p99 {} max {}",
        call_lat.len(),
        ms(pct(&mut call_lat, 0.5)),
        ms(pct(&mut call_lat, 0.99)),
        ms(pct(&mut call_lat, 1.0)),
    );
    println!(
        "call → board: {} sightings on {} boards, p50 {} p99 {} max {}",
        delays.len(),
        a.boards,
        ms(pct(&mut delays, 0.5)),
        ms(pct(&mut delays, 0.99)),
        ms(pct(&mut delays, 1.0)),
    );
    println!(
        "board page: {} loads, p50 {} p99 {}",
        pages.len(),
        ms(pct(&mut pages, 0.5)),
        ms(pct(&mut pages, 0.99)),
    );
    Ok(())
}
