//! A simulated kiosk fleet against a running server, for the sync benchmarks
//! (`server/bench/sync.sh` runs it), speaking the protocol through `motcua-client`.
//!
//! 1. Creates and enrols `--kiosks` kiosks whose scope is `--scope` (admin token in
//!    `MOTCUA_ADMIN_TOKEN`); `--scope` is a comma-separated list of agency codes.
//! 2. The first kiosk reads the full snapshot, timed. The others start from its cursor (same
//!    scope, same position: what each would reach after its own snapshot).
//! 3. For `--seconds`, every kiosk long-polls the change feed and heartbeats every 10 s, while a
//!    reception desk (`MOTCUA_DESK_TOKEN`) receives `--rate` dossiers a second in that scope; each
//!    kiosk notes how long after the commit it saw each new dossier.
//! 4. Meanwhile, with `--lookups R`, staff look dossiers up by code (`GET /api/v1/dossiers/{code}`,
//!    codes from `--codes FILE`, token in `MOTCUA_STAFF_TOKEN`) at a steady R a second, each
//!    request on its own whatever the others do (an open loop: a slow answer does not slow the
//!    next request, so queueing shows in the latencies).
//!
//! Prints the snapshot time and size, heartbeats sent, polls answered, the propagation delay
//! from commit to kiosk (p50 / p99 / max) and the lookups' latencies.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use motcua_client::{Client, Timeouts};
use motcua_core::devices::{PrinterStatus, ScannerState};
use motcua_core::{AgencyCode, Channel};
use motcua_protocol::staff::{ApplicantIn, NewKiosk, ReceiveRequest, SubmittedDocument};
use motcua_protocol::sync::{ChangesQuery, Heartbeat, Page};
use tokio::sync::Mutex;

/// Đội kiosk mô phỏng / a simulated kiosk fleet.
#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:18181")]
    base: String,
    #[arg(long, default_value_t = 500)]
    kiosks: usize,
    /// Agency codes, separated by commas.
    #[arg(long, default_value = "000.00.10.H16")]
    scope: String,
    #[arg(long, default_value = "2.001193.000.00.10.H16")]
    procedure: String,
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Dossiers received a second.
    #[arg(long, default_value_t = 2.0)]
    rate: f64,
    /// Staff lookups a second (0: none).
    #[arg(long, default_value_t = 0.0)]
    lookups: f64,
    /// Dossier codes to look up, one a line.
    #[arg(long)]
    codes: Option<std::path::PathBuf>,
    #[arg(long, env = "MOTCUA_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: String,
    #[arg(long, env = "MOTCUA_DESK_TOKEN", hide_env_values = true)]
    desk_token: String,
    #[arg(long, env = "MOTCUA_STAFF_TOKEN", hide_env_values = true)]
    staff_token: Option<String>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = Args::parse();
    let client = Client::with_timeouts(
        &a.base,
        Timeouts {
            connect: Duration::from_secs(5),
            total: Duration::from_secs(60),
        },
    )?;
    let admin = client.with_token(&a.admin_token);
    let desk = client.with_token(&a.desk_token);
    let scope: Vec<AgencyCode> = a
        .scope
        .split(',')
        .map(|s| AgencyCode::parse(s.trim()))
        .collect::<Result<_, _>>()?;

    // Enrol the fleet.
    let t0 = Instant::now();
    let mut kiosks = Vec::with_capacity(a.kiosks);
    for i in 0..a.kiosks {
        let made = admin
            .create_kiosk(&NewKiosk {
                name: format!("Kiosk {i}"),
                centre: AgencyCode::parse("000.00.01.H16")?,
                scope: scope.clone(),
            })
            .await?;
        let enrolled = client.enrol(&made.enrolment_code).await?;
        kiosks.push(client.with_token(enrolled.token));
    }
    println!(
        "enrolled {} kiosks in {:.1} s",
        a.kiosks,
        t0.elapsed().as_secs_f64()
    );

    // One full snapshot, timed.
    let t0 = Instant::now();
    let (mut cursor, mut pages, mut dossiers, mut bytes, mut wire) =
        (None::<String>, 0, 0usize, 0usize, 0usize);
    loop {
        let q = ChangesQuery {
            since: cursor.clone(),
            limit: Some(2000),
            wait: None,
        };
        let (body, sent) = kiosks[0]
            .changes_measured(&q)
            .await?
            .ok_or("the server asked for a new snapshot during the snapshot")?;
        bytes += body.len();
        wire += sent;
        let page: Page = serde_json::from_slice(&body)?;
        pages += 1;
        dossiers += page
            .changes
            .iter()
            .filter(|c| matches!(c, motcua_protocol::sync::Change::Dossier(_)))
            .count();
        cursor = Some(page.cursor);
        if !page.more {
            break;
        }
    }
    let snap = t0.elapsed();
    println!(
        "snapshot: {dossiers} dossiers in {pages} pages, {:.1} MB of JSON, {:.1} MB on the wire \
         ({:.0} bytes a dossier), {:.1} s",
        bytes as f64 / 1e6,
        wire as f64 / 1e6,
        wire as f64 / dossiers.max(1) as f64,
        snap.as_secs_f64()
    );
    let cursor = cursor.ok_or("no cursor")?;

    // Commits by the desk, with their times.
    let commits: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let delays: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let stats: Arc<Mutex<(u64, u64, u64)>> = Arc::default(); // polls, heartbeats, errors
    let end = Instant::now() + Duration::from_secs(a.seconds);
    let mut tasks = Vec::new();
    for kiosk in kiosks {
        let (commits, delays, stats) = (commits.clone(), delays.clone(), stats.clone());
        let mut cursor = cursor.clone();
        tasks.push(tokio::spawn(async move {
            let mut next_beat = Instant::now();
            let started = Instant::now();
            while Instant::now() < end {
                if Instant::now() >= next_beat {
                    let beat = Heartbeat {
                        app_version: "0.1.0".into(),
                        uptime_s: started.elapsed().as_secs(),
                        cursor: Some(cursor.clone()),
                        outbox_depth: 0,
                        printer: PrinterStatus::Online,
                        scanner: ScannerState::Connected,
                        free_disk_mb: 20_000,
                        protocol: motcua_protocol::VERSION,
                        help_requested_at: None,
                    };
                    let ok = kiosk.heartbeat(&beat).await.is_ok();
                    let mut s = stats.lock().await;
                    if ok {
                        s.1 += 1;
                    } else {
                        s.2 += 1;
                    }
                    next_beat += Duration::from_secs(10);
                }
                let wait = next_beat
                    .saturating_duration_since(Instant::now())
                    .as_secs()
                    .max(1);
                let q = ChangesQuery {
                    since: Some(cursor.clone()),
                    limit: None,
                    wait: Some(wait),
                };
                let page = match kiosk.changes(&q).await {
                    Ok(Some(p)) => p,
                    _ => {
                        stats.lock().await.2 += 1;
                        continue;
                    }
                };
                let seen = Instant::now();
                stats.lock().await.0 += 1;
                cursor = page.cursor;
                for c in &page.changes {
                    if let motcua_protocol::sync::Change::Dossier(d) = c
                        && let Some(t) = commits.lock().await.get(&d.row.code)
                    {
                        delays.lock().await.push(seen - *t);
                    }
                }
            }
        }));
    }

    // Staff lookups at a steady rate, each on its own task.
    let lookup_times: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let lookup_errors: Arc<Mutex<u64>> = Arc::default();
    let lookups = if a.lookups > 0.0 {
        let staff = client.with_token(
            a.staff_token
                .clone()
                .ok_or("--lookups needs MOTCUA_STAFF_TOKEN")?,
        );
        let path = a.codes.clone().ok_or("--lookups needs --codes FILE")?;
        let codes: Vec<String> = std::fs::read_to_string(path)?
            .lines()
            .map(str::to_owned)
            .collect();
        if codes.is_empty() {
            return Err("the codes file is empty".into());
        }
        let (times, errors) = (lookup_times.clone(), lookup_errors.clone());
        let period = Duration::from_secs_f64(1.0 / a.lookups);
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            let mut i = 0usize;
            let mut inflight = Vec::new();
            while Instant::now() < end {
                tick.tick().await;
                // A spread of codes (a multiplicative step through the list).
                i = (i + 7919) % codes.len();
                let path = motcua_protocol::routes::dossier(&codes[i]);
                let (staff, times, errors) = (staff.clone(), times.clone(), errors.clone());
                inflight.push(tokio::spawn(async move {
                    let t = Instant::now();
                    match staff.raw("GET", &path, None).await {
                        Ok(r) if r.status == 200 => times.lock().await.push(t.elapsed()),
                        _ => *errors.lock().await += 1,
                    }
                }));
            }
            for t in inflight {
                let _ = t.await;
            }
        }))
    } else {
        None
    };

    let mut received = 0;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / a.rate));
    let receipt = ReceiveRequest {
        procedure: a.procedure.clone(),
        applicant: ApplicantIn {
            name: "Trần Thị Bình".into(),
            citizen_id: "066185012345".into(),
            ..ApplicantIn::default()
        },
        channel: Channel::Direct,
        documents: vec![SubmittedDocument {
            name: "Tờ khai".into(),
            original: true,
            copies: 1,
            file: None,
        }],
        submitted_at: None,
    };
    while Instant::now() < end {
        tick.tick().await;
        let r = desk.receive(&receipt).await;
        let at = Instant::now();
        if let Ok(reply) = r {
            commits.lock().await.insert(reply.code, at);
            received += 1;
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    if let Some(l) = lookups {
        let _ = l.await;
    }
    let mut d = delays.lock().await.clone();
    d.sort();
    let (polls, beats, errors) = *stats.lock().await;
    println!(
        "{} s: {received} dossiers received; {polls} polls answered, {beats} heartbeats, {errors} errors",
        a.seconds
    );
    println!(
        "commit → kiosk: {} sightings, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        d.len(),
        ms(percentile(&d, 0.5)),
        ms(percentile(&d, 0.99)),
        ms(d.last().copied().unwrap_or_default())
    );
    if a.lookups > 0.0 {
        let mut l = lookup_times.lock().await.clone();
        l.sort();
        println!(
            "staff lookups at {}/s: {} answered, {} errors, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            a.lookups,
            l.len(),
            *lookup_errors.lock().await,
            ms(percentile(&l, 0.5)),
            ms(percentile(&l, 0.99)),
            ms(l.last().copied().unwrap_or_default())
        );
    }
    Ok(())
}
