//! A simulated kiosk fleet against a running server, for the sync benchmarks
//! (`server/bench/sync.sh` runs it).
//!
//! 1. Creates and enrols `--kiosks` kiosks whose scope is `--scope` (admin token in
//!    `MOTCUA_ADMIN_TOKEN`); `--scope` is a comma-separated list of agency codes.
//! 2. The first kiosk reads the full snapshot, timed. The others start from its cursor (same
//!    scope, same position: what each would reach after its own snapshot).
//! 3. For `--seconds`, every kiosk long-polls the change feed and heartbeats every 10 s, while a
//!    reception desk (`MOTCUA_DESK_TOKEN`) receives `--rate` dossiers a second in that scope; each
//!    kiosk notes how long after the commit it saw each new dossier.
//!
//! 4. Meanwhile, with `--lookups R`, staff look dossiers up by code (`GET /api/v1/dossiers/{code}`,
//!    codes from `--codes FILE`, token in `MOTCUA_STAFF_TOKEN`) at a steady R a second, each
//!    request on its own whatever the others do (an open loop: a slow answer does not slow the
//!    next request, so queueing shows in the latencies).
//!
//! Prints the snapshot time and size, heartbeats sent, polls answered, the propagation delay
//! from commit to kiosk (p50 / p99 / max) and the lookups' latencies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

struct Args {
    base: String,
    kiosks: usize,
    scope: String,
    procedure: String,
    seconds: u64,
    rate: f64,
    lookups: f64,
    codes: String,
}

fn args() -> Args {
    let mut a = Args {
        base: "http://127.0.0.1:18181".into(),
        kiosks: 500,
        scope: "000.00.10.H16".into(),
        procedure: "2.001193.000.00.10.H16".into(),
        seconds: 60,
        rate: 2.0,
        lookups: 0.0,
        codes: "codes.txt".into(),
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    for pair in v.chunks(2) {
        let val = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--base" => a.base = val,
            "--kiosks" => a.kiosks = val.parse().expect("--kiosks N"),
            "--scope" => a.scope = val,
            "--procedure" => a.procedure = val,
            "--seconds" => a.seconds = val.parse().expect("--seconds N"),
            "--rate" => a.rate = val.parse().expect("--rate R"),
            "--lookups" => a.lookups = val.parse().expect("--lookups R"),
            "--codes" => a.codes = val,
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

/// POST a JSON body (with a bearer token if given); the JSON answer.
async fn post(http: &reqwest::Client, url: &str, token: Option<&str>, body: &Value) -> Value {
    let mut r = http.post(url).json(body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap().json().await.unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let a = args();
    let admin = std::env::var("MOTCUA_ADMIN_TOKEN").expect("MOTCUA_ADMIN_TOKEN");
    let desk = std::env::var("MOTCUA_DESK_TOKEN").expect("MOTCUA_DESK_TOKEN");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.kiosks + 16)
        .build()
        .unwrap();

    // Enrol the fleet.
    let t0 = Instant::now();
    let mut tokens = Vec::with_capacity(a.kiosks);
    for i in 0..a.kiosks {
        let scope: Vec<&str> = a.scope.split(',').collect();
        let body = json!({"name": format!("Kiosk {i}"), "centre": "000.00.01.H16", "scope": scope});
        let v = post(
            &http,
            &format!("{}/api/v1/admin/kiosks", a.base),
            Some(&admin),
            &body,
        )
        .await;
        let code = v["enrolment_code"].as_str().expect("an enrolment code");
        let body = json!({"enrolment_code": code});
        let v = post(&http, &format!("{}/api/v1/sync/enrol", a.base), None, &body).await;
        tokens.push(v["token"].as_str().unwrap().to_owned());
    }
    println!(
        "enrolled {} kiosks in {:.1} s",
        a.kiosks,
        t0.elapsed().as_secs_f64()
    );

    // One full snapshot, timed.
    let t0 = Instant::now();
    let (mut cursor, mut pages, mut dossiers, mut bytes) = (None::<String>, 0, 0usize, 0usize);
    loop {
        let mut url = format!("{}/api/v1/sync/changes?limit=2000", a.base);
        if let Some(c) = &cursor {
            url.push_str(&format!("&since={c}"));
        }
        let body = http
            .get(url)
            .bearer_auth(&tokens[0])
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        bytes += body.len();
        let v: Value = serde_json::from_slice(&body).unwrap();
        pages += 1;
        dossiers += v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["type"] == "dossier")
            .count();
        cursor = Some(v["cursor"].as_str().unwrap().to_owned());
        if v["more"] != true {
            break;
        }
    }
    let snap = t0.elapsed();
    println!(
        "snapshot: {dossiers} dossiers in {pages} pages, {:.1} MB, {:.1} s",
        bytes as f64 / 1e6,
        snap.as_secs_f64()
    );
    let cursor = cursor.unwrap();

    // Commits by the desk, with their times.
    let commits: Arc<Mutex<std::collections::HashMap<String, Instant>>> = Arc::default();
    let delays: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let stats: Arc<Mutex<(u64, u64, u64)>> = Arc::default(); // polls, heartbeats, errors
    let end = Instant::now() + Duration::from_secs(a.seconds);
    let mut tasks = Vec::new();
    for token in tokens {
        let (http, base, commits, delays, stats) = (
            http.clone(),
            a.base.clone(),
            commits.clone(),
            delays.clone(),
            stats.clone(),
        );
        let mut cursor = cursor.clone();
        tasks.push(tokio::spawn(async move {
            let mut next_beat = Instant::now();
            let started = Instant::now();
            while Instant::now() < end {
                if Instant::now() >= next_beat {
                    let r = http
                        .post(format!("{base}/api/v1/sync/heartbeat"))
                        .bearer_auth(&token)
                        .json(
                            &json!({"app_version": "0.1.0", "uptime_s": started.elapsed().as_secs(),
                            "cursor": cursor, "outbox_depth": 0, "printer": "online",
                            "scanner": "connected", "free_disk_mb": 20000}),
                        )
                        .send()
                        .await;
                    let mut s = stats.lock().await;
                    match r {
                        Ok(r) if r.status().is_success() => s.1 += 1,
                        _ => s.2 += 1,
                    }
                    next_beat += Duration::from_secs(10);
                }
                let wait = next_beat
                    .saturating_duration_since(Instant::now())
                    .as_secs()
                    .max(1);
                let r = http
                    .get(format!(
                        "{base}/api/v1/sync/changes?since={cursor}&wait={wait}"
                    ))
                    .bearer_auth(&token)
                    .send()
                    .await;
                let v: Value = match r {
                    Ok(r) if r.status().is_success() => r.json().await.unwrap_or(Value::Null),
                    _ => {
                        stats.lock().await.2 += 1;
                        continue;
                    }
                };
                let seen = Instant::now();
                stats.lock().await.0 += 1;
                if let Some(c) = v["cursor"].as_str() {
                    cursor = c.to_owned();
                }
                for c in v["changes"].as_array().into_iter().flatten() {
                    if let Some(code) = c["code"].as_str()
                        && let Some(t) = commits.lock().await.get(code)
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
        let staff = std::env::var("MOTCUA_STAFF_TOKEN").expect("MOTCUA_STAFF_TOKEN");
        let codes: Vec<String> = std::fs::read_to_string(&a.codes)
            .expect("the codes file")
            .lines()
            .map(str::to_owned)
            .collect();
        let (times, errors, base) = (lookup_times.clone(), lookup_errors.clone(), a.base.clone());
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .unwrap();
        let period = Duration::from_secs_f64(1.0 / a.lookups);
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            let mut i = 0usize;
            let mut inflight = Vec::new();
            while Instant::now() < end {
                tick.tick().await;
                // A spread of codes (a multiplicative step through the list).
                i = (i + 7919) % codes.len();
                let url = format!("{base}/api/v1/dossiers/{}", codes[i]);
                let (client, staff, times, errors) =
                    (client.clone(), staff.clone(), times.clone(), errors.clone());
                inflight.push(tokio::spawn(async move {
                    let t = Instant::now();
                    let ok = match client.get(url).bearer_auth(&staff).send().await {
                        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                        _ => false,
                    };
                    if ok {
                        times.lock().await.push(t.elapsed());
                    } else {
                        *errors.lock().await += 1;
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
    let period = Duration::from_secs_f64(1.0 / a.rate);
    let mut tick = tokio::time::interval(period);
    while Instant::now() < end {
        tick.tick().await;
        let r = http
            .post(format!("{}/api/v1/dossiers", a.base))
            .bearer_auth(&desk)
            .json(&json!({"procedure": a.procedure, "channel": "direct",
                "applicant": {"name": "Trần Thị Bình", "citizen_id": "066185012345"},
                "documents": [{"name": "Tờ khai", "original": true}]}))
            .send()
            .await
            .unwrap();
        let at = Instant::now();
        let v: Value = r.json().await.unwrap();
        if let Some(code) = v["code"].as_str() {
            commits.lock().await.insert(code.to_owned(), at);
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
        percentile(&d, 0.5).as_secs_f64() * 1e3,
        percentile(&d, 0.99).as_secs_f64() * 1e3,
        d.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    if a.lookups > 0.0 {
        let mut l = lookup_times.lock().await.clone();
        l.sort();
        println!(
            "staff lookups at {}/s: {} answered, {} errors, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            a.lookups,
            l.len(),
            *lookup_errors.lock().await,
            percentile(&l, 0.5).as_secs_f64() * 1e3,
            percentile(&l, 0.99).as_secs_f64() * 1e3,
            l.last().copied().unwrap_or_default().as_secs_f64() * 1e3
        );
    }
}
