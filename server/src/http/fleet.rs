//! The kiosk fleet at a glance, for centre and system administrators: every kiosk with its
//! health — silent, printer, scanner, outbox, disk, refused events — the worst first, in words
//! and colour, kept live by server-sent events (each heartbeat, enrolment, change or refused event
//! re-renders the rows; every 30 seconds too, for the silences). A kiosk's own page has its last
//! day of heartbeats as charts, its latest print failures and faults, its settings (pushed to it
//! through the change feed) and its revocation; a new kiosk's one-time enrolment code is shown
//! once, also as a QR code for the kiosk's set-up screen.

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::HeaderValue;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Router, routing::post};
use motcua_core::AgencyCode;
use motcua_core::Lang;
use motcua_core::devices::{PrinterStatus, ScannerState};
use motcua_protocol::staff::KioskView;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::board::{error_page, html};
use super::pages::PageStaff;
use crate::AppState;
use crate::db::Topic;
use crate::ops::{Error, kiosks};

/// Events waiting in a kiosk's outbox past which it is flagged.
const OUTBOX_WARN: u64 = 50;
/// Free disk below which a kiosk is flagged, in MiB.
const DISK_WARN_MB: u64 = 1024;
/// Changes of the feed a kiosk may be behind before it is flagged.
const LAG_WARN: u64 = 500;
/// Minutes a visitor's call for staff stays on the fleet page.
pub const HELP_MINUTES: i64 = 15;

/// Whether a visitor at this kiosk asked for staff within the last [`HELP_MINUTES`] at `now`.
pub fn help_wanted(
    h: &motcua_protocol::sync::Heartbeat,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    h.help_requested_at.filter(|at| {
        (now - *at).num_minutes() < HELP_MINUTES && *at <= now + chrono::Duration::minutes(5)
    })
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fleet", get(fleet))
        .route("/fleet/events", get(events))
        .route("/fleet/new", get(new_form).post(create))
        .route("/fleet/kiosks/{id}", get(kiosk_page))
        .route("/fleet/kiosks/{id}/settings", post(settings))
        .route("/fleet/kiosks/{id}/revoke", get(revoke_form).post(revoke))
}

/// A kiosk as the fleet page shows it.
struct Row {
    id: String,
    name: String,
    /// 0 is the worst.
    rank: u8,
    /// `bad`, `warn` or `ok`.
    class: &'static str,
    /// What is wrong, worst first, in Vietnamese and English.
    problems: Vec<(String, String)>,
    heartbeat: String,
    version: String,
    outbox: String,
    disk: String,
    printer: String,
    scanner: String,
    /// How far behind the change feed it is.
    sync: String,
}

#[derive(Template)]
#[template(path = "fleet.html")]
struct FleetPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    rows: Vec<Row>,
    silent_minutes: i64,
}

/// The rows alone, as the live stream sends them.
#[derive(Template)]
#[template(path = "fleet_rows.html")]
struct FleetRows {
    rows: Vec<Row>,
}

/// What a row is judged with: now, the feed's head, and the minutes of silence that count.
#[derive(Debug, Clone, Copy)]
struct Judge {
    now: chrono::DateTime<chrono::FixedOffset>,
    head: u64,
    silent_minutes: i64,
}

fn row(k: &KioskView, j: Judge) -> Row {
    let Judge {
        now,
        head,
        silent_minutes,
    } = j;
    let mut problems: Vec<(u8, String, String)> = Vec::new();
    let mut push = |rank: u8, vi: String, en: String| problems.push((rank, vi, en));
    if k.revoked {
        push(9, "Đã thu hồi".into(), "Revoked".into());
    } else if k.enrolled_at.is_none() {
        push(5, "Chưa ghi danh".into(), "Not enrolled yet".into());
    }
    let mut sync = String::new();
    let (heartbeat, version, outbox, disk, printer, scanner) = match &k.last_heartbeat {
        None => {
            if !k.revoked && k.enrolled_at.is_some() {
                push(
                    0,
                    "Chưa từng báo tình trạng".into(),
                    "Never reported".into(),
                );
            }
            Default::default()
        }
        Some((at, h)) => {
            let age = (now - *at).num_minutes();
            if !k.revoked && age > silent_minutes {
                push(
                    0,
                    format!("Im lặng {age} phút"),
                    format!("Silent for {age} minutes"),
                );
            }
            if let Some(at) = help_wanted(h, now)
                && !k.revoked
            {
                let at = at
                    .with_timezone(&motcua_core::time::VIETNAM)
                    .format("%H:%M");
                push(
                    0,
                    format!("Khách cần cán bộ hỗ trợ (gọi lúc {at})"),
                    format!("A visitor asks for staff (at {at})"),
                );
            }
            match h.printer {
                PrinterStatus::PaperOut | PrinterStatus::CoverOpen | PrinterStatus::Offline => {
                    push(
                        1,
                        format!("Máy in: {}", h.printer.label(Lang::Vi)),
                        format!("Printer: {}", h.printer.label(Lang::En)),
                    )
                }
                PrinterStatus::PaperNearEnd => push(
                    3,
                    format!("Máy in: {}", h.printer.label(Lang::Vi)),
                    format!("Printer: {}", h.printer.label(Lang::En)),
                ),
                _ => {}
            }
            if h.scanner == ScannerState::Disconnected {
                push(
                    2,
                    "Máy quét mất kết nối".into(),
                    "Scanner disconnected".into(),
                );
            }
            if h.outbox_depth > OUTBOX_WARN {
                push(
                    3,
                    format!("{} sự kiện chưa gửi", h.outbox_depth),
                    format!("{} events not sent", h.outbox_depth),
                );
            }
            // Behind the change feed: the kiosk shows older figures than the server's.
            if let Some(c) = h
                .cursor
                .as_deref()
                .and_then(crate::projections::feed::Cursor::parse)
            {
                let lag = head.saturating_sub(c.seq());
                sync = if lag == 0 {
                    "Kịp · Up to date".into()
                } else {
                    format!("Chậm {lag} thay đổi · {lag} behind")
                };
                if lag > LAG_WARN {
                    push(
                        3,
                        format!("Đồng bộ chậm {lag} thay đổi"),
                        format!("Sync {lag} changes behind"),
                    );
                }
            }
            if h.free_disk_mb < DISK_WARN_MB {
                push(
                    3,
                    format!("Ổ đĩa còn {} MB", h.free_disk_mb),
                    format!("{} MB of disk left", h.free_disk_mb),
                );
            }
            (
                format!(
                    "{} ({} phút trước)",
                    at.format("%H:%M:%S %d/%m"),
                    age.max(0)
                ),
                h.app_version.clone(),
                h.outbox_depth.to_string(),
                format!("{} MB", h.free_disk_mb),
                h.printer.label(Lang::Vi).to_owned(),
                match h.scanner {
                    ScannerState::Connected => "Đã kết nối",
                    ScannerState::Disconnected => "Mất kết nối",
                    ScannerState::None => "Không dùng",
                }
                .to_owned(),
            )
        }
    };
    if k.rejected_events > 0 {
        push(
            4,
            format!("{} sự kiện bị từ chối", k.rejected_events),
            format!("{} events refused", k.rejected_events),
        );
    }
    problems.sort_by_key(|p| p.0);
    let rank = problems.first().map_or(8, |p| p.0);
    Row {
        id: k.id.clone(),
        name: k.name.clone(),
        rank,
        class: match rank {
            0..=2 => "bad",
            3..=5 => "warn",
            _ => "ok",
        },
        problems: problems.into_iter().map(|(_, vi, en)| (vi, en)).collect(),
        heartbeat,
        version,
        outbox,
        disk,
        printer,
        scanner,
        sync,
    }
}

/// The change feed's head: the last change a kiosk may have read.
async fn feed_head(st: &AppState) -> Result<u64, Error> {
    st.store
        .read(|txn| {
            Ok(crate::db::changes::head(
                &txn.open_table(crate::db::COUNTERS)?,
            )?)
        })
        .await
}

/// Every kiosk's row, the worst first.
async fn rows(st: &AppState, staff: &PageStaff) -> Result<Vec<Row>, Error> {
    let kiosks = kiosks::list(&st.ctx, &staff.actor).await?;
    let head = feed_head(st).await?;
    let now = st.clock.now_vn();
    let j = Judge {
        now,
        head,
        silent_minutes: st.config.fleet_silent_minutes,
    };
    let mut rows: Vec<Row> = kiosks.iter().map(|k| row(k, j)).collect();
    rows.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.name.cmp(&b.name)));
    Ok(rows)
}

/// The fleet's rows as server-sent events: `rows` with the table's body at once, after each
/// commit that touches the fleet (bursts within 200 ms read once), and every 30 seconds.
async fn events(State(st): State<AppState>, staff: PageStaff) -> Response {
    // Subscribed before the first read: a commit between the two is not missed.
    let topics = st.store.subscribe();
    let first = match rows(&st, &staff).await {
        Ok(r) => r,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let stopping = st.stopping.subscribe();
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    tick.reset();
    let stream = futures_util::stream::unfold(
        (st, staff, topics, stopping, tick, Some(first)),
        |(st, staff, mut topics, mut stopping, mut tick, first)| async move {
            let (staff, rows) = match first {
                Some(r) => (staff, r),
                None => {
                    loop {
                        tokio::select! {
                            r = topics.recv() => match r {
                                Ok(batch) if batch.contains(&Topic::Fleet) => break,
                                Ok(_) => continue,
                                Err(RecvError::Lagged(_)) => break,
                                Err(RecvError::Closed) => return None,
                            },
                            _ = tick.tick() => break,
                            _ = stopping.wait_for(|s| *s) => return None,
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    while topics.try_recv().is_ok() {}
                    // A session ended or an account disabled (or no longer an administrator):
                    // the stream ends with it.
                    let mut staff = staff;
                    let key = staff.actor.session_key.clone();
                    staff.actor.user = super::session_user_by_key(&st, key).await.ok()?;
                    let r = rows(&st, &staff).await.ok()?;
                    (staff, r)
                }
            };
            let body = FleetRows { rows }.render().unwrap_or_default();
            let event = Event::default().event("rows").data(body);
            Some((
                Ok::<_, Infallible>(event),
                (st, staff, topics, stopping, tick, None),
            ))
        },
    );
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    res.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

async fn fleet(State(st): State<AppState>, staff: PageStaff) -> Response {
    let rows = match rows(&st, &staff).await {
        Ok(r) => r,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    html(
        FleetPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            rows,
            silent_minutes: st.config.fleet_silent_minutes,
        }
        .render()
        .unwrap_or_default(),
    )
}

/// The agencies a kiosk may be given: (code, name, level).
async fn levels(st: &AppState) -> Result<Vec<(String, String, String)>, Error> {
    Ok(super::pages::all_agencies(st)
        .await?
        .into_iter()
        .map(|a| (a.code.to_string(), a.name, a.level))
        .collect())
}

#[derive(Template)]
#[template(path = "fleet_new.html")]
struct NewPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    agencies: Vec<(String, String, String)>,
    error: Option<&'a Error>,
    /// What was typed, kept when refused.
    name: String,
    centre: String,
    scope: Vec<String>,
    /// The kiosk just made: (id, name, one-time code, its QR as SVG, the QR's payload).
    made: Option<(String, String, String, String, String)>,
}

impl NewPage<'_> {
    fn in_scope(&self, code: &str) -> bool {
        self.scope.iter().any(|s| s == code)
    }
}

async fn new_form(State(st): State<AppState>, staff: PageStaff) -> Response {
    if let Err(e) = staff.actor.require_admin() {
        return error_page(super::error::status(e.kind), &e);
    }
    let agencies = match levels(&st).await {
        Ok(a) => a,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    html(
        NewPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            agencies,
            error: None,
            name: String::new(),
            centre: String::new(),
            scope: Vec::new(),
            made: None,
        }
        .render()
        .unwrap_or_default(),
    )
}

/// A form's fields as the browser sends them (repeated `scope` fields as pairs), or the page
/// saying it could not be read.
type Fields = Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>;

fn fields(f: Fields) -> Option<Vec<(String, String)>> {
    let Form(mut v) = f.ok()?;
    v.truncate(1000);
    Some(v)
}

fn field<'a>(f: &'a [(String, String)], name: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn scope_of(f: &[(String, String)]) -> Result<Vec<AgencyCode>, Error> {
    f.iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| {
            AgencyCode::parse(v).map_err(|_| {
                Error::invalid(
                    "kiosk.scope",
                    "Phạm vi có mã cơ quan không hợp lệ.",
                    "The scope holds an agency code that is not valid.",
                )
            })
        })
        .collect()
}

/// The address a kiosk reaches the server at, as the console's own address says (the public
/// address when the centre configured one).
fn server_url(st: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(u) = &st.config.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.len() <= 255
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

async fn create(
    State(st): State<AppState>,
    staff: PageStaff,
    headers: axum::http::HeaderMap,
    f: Fields,
) -> Response {
    let Some(f) = fields(f) else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(field(&f, "csrf")) {
        return r;
    }
    let name = field(&f, "name").to_owned();
    let centre = field(&f, "centre").to_owned();
    let scope_typed: Vec<String> = f
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .collect();
    let made = async {
        let centre_code = AgencyCode::parse(centre.trim()).map_err(|_| {
            Error::invalid(
                "kiosk.centre",
                "Hãy chọn trung tâm (cơ quan) đặt kiosk.",
                "Choose the centre the kiosk stands in.",
            )
        })?;
        let scope = scope_of(&f)?;
        kiosks::create(
            &st.ctx,
            &staff.actor,
            motcua_protocol::staff::NewKiosk {
                name: name.clone(),
                centre: centre_code,
                scope,
            },
        )
        .await
    }
    .await;
    let agencies = match levels(&st).await {
        Ok(a) => a,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let (error, made) = match made {
        Ok(k) => {
            let payload = format!(
                "motcua-enrol:{}#{}",
                server_url(&st, &headers),
                k.enrolment_code
            );
            let qr = super::booking::qr_svg(&payload);
            (
                None,
                Some((k.id, name.clone(), k.enrolment_code, qr, payload)),
            )
        }
        Err(e) => (Some(e), None),
    };
    let mut res = html(
        NewPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            agencies,
            error: error.as_ref(),
            name,
            centre,
            scope: scope_typed,
            made,
        }
        .render()
        .unwrap_or_default(),
    );
    if let Some(e) = &error {
        *res.status_mut() = super::error::status(e.kind);
    }
    // The code is shown once: never kept by a cache.
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    res
}

#[derive(Template)]
#[template(path = "fleet_kiosk.html")]
struct KioskPage<'a> {
    csrf: &'a str,
    user: &'a str,
    nav_desk: bool,
    here: String,
    k: &'a motcua_protocol::staff::KioskView,
    row: Row,
    agencies: Vec<(String, String, String)>,
    error: Option<&'a Error>,
    saved: bool,
    /// Charts of the last day: printer and presence, outbox, free disk.
    strip: String,
    outbox: String,
    disk: String,
    incidents: Vec<kiosks::Incident>,
    /// Asking to confirm a revocation.
    confirm_revoke: bool,
    /// Levels of the server's scale.
    server_levels: u8,
}

impl KioskPage<'_> {
    fn in_scope(&self, code: &str) -> bool {
        self.k.scope.iter().any(|s| s.as_str() == code)
    }

    fn orientation_is(&self, o: &str) -> bool {
        let now = match self.k.config.orientation {
            motcua_protocol::sync::Orientation::Portrait => "portrait",
            motcua_protocol::sync::Orientation::Landscape => "landscape",
        };
        now == o
    }

    fn english_first(&self) -> bool {
        self.k.config.language == Lang::En
    }

    /// `server`, `3` or `5`: the rating scale set for this kiosk.
    fn levels_is(&self, v: &str) -> bool {
        let now = match self.k.config.rating_levels {
            None => "server",
            Some(s) => match s.levels() {
                5 => "5",
                _ => "3",
            },
        };
        now == v
    }
}

/// The charts of a kiosk's last day of heartbeats.
fn charts(beats: &[kiosks::Beat], now: chrono::DateTime<chrono::FixedOffset>) -> [String; 3] {
    use super::charts::{self, Series};
    let end = (now.timestamp().div_euclid(60) + 1) * 60;
    let start = end - kiosks::BEATS_KEPT_S;
    let (x_min, x_max) = (start as f64, end as f64);
    // Ticks every three hours, in Vietnam time.
    let mut ticks = Vec::new();
    let (offset, step) = (7 * 3600, 3 * 3600);
    let mut t = start + (step - (start + offset).rem_euclid(step)) % step;
    while t <= end {
        if let Some(at) = chrono::DateTime::from_timestamp(t, 0) {
            ticks.push((
                t as f64,
                at.with_timezone(&motcua_core::time::VIETNAM)
                    .format("%H:%M")
                    .to_string(),
            ));
        }
        t += step;
    }
    // One point a minute; a minute without a heartbeat is a gap.
    let minutes = (kiosks::BEATS_KEPT_S / 60) as usize;
    let mut x = Vec::with_capacity(minutes);
    let mut outbox = vec![f64::NAN; minutes];
    let mut disk = vec![f64::NAN; minutes];
    for i in 0..minutes {
        x.push((start + 60 * i as i64) as f64);
    }
    let mut bands: Vec<(f64, f64, &str, String)> = Vec::new();
    for b in beats.iter().filter(|b| b.at >= start && b.at < end) {
        let i = ((b.at - start) / 60) as usize;
        if let (Some(o), Some(d)) = (outbox.get_mut(i), disk.get_mut(i)) {
            *o = b.outbox as f64;
            *d = b.free_disk_mb as f64 / 1024.0;
        }
        let colour = match b.printer {
            PrinterStatus::Online => charts::GREEN,
            PrinterStatus::PaperNearEnd => charts::ORANGE,
            PrinterStatus::Unknown => charts::GREY,
            _ => charts::RED,
        };
        let what = format!(
            "{} · {}",
            chrono::DateTime::from_timestamp(b.at, 0)
                .map(|t| t
                    .with_timezone(&motcua_core::time::VIETNAM)
                    .format("%H:%M")
                    .to_string())
                .unwrap_or_default(),
            b.printer.label(Lang::Vi)
        );
        match bands.last_mut() {
            Some(last) if last.2 == colour && (last.1 - b.at as f64).abs() < 1.0 => {
                last.1 = (b.at + 60) as f64;
            }
            _ => bands.push((b.at as f64, (b.at + 60) as f64, colour, what)),
        }
    }
    [
        charts::strip(
            "chart-printer",
            "Máy in và liên lạc trong 24 giờ qua · Printer and contact over the last 24 hours",
            (x_min, x_max),
            &bands,
            &[
                (charts::GREEN, "Sẵn sàng · Ready"),
                (charts::ORANGE, "Sắp hết giấy · Near end"),
                (
                    charts::RED,
                    "Hết giấy, mở nắp, mất kết nối · Out, open, offline",
                ),
                (charts::GREY, "Không rõ · Unknown"),
                ("#f3f4f6", "Không báo (im lặng) · No heartbeat"),
            ],
        ),
        charts::lines(
            "chart-outbox",
            "Sự kiện chưa gửi · Outbox depth",
            &x,
            (x_min, x_max),
            &ticks,
            &[Series {
                name: "Chưa gửi · Outbox",
                colour: charts::BLUE,
                values: outbox,
            }],
        ),
        charts::lines(
            "chart-disk",
            "Ổ đĩa còn trống (GB) · Free disk (GB)",
            &x,
            (x_min, x_max),
            &ticks,
            &[Series {
                name: "Ổ đĩa trống (GB) · Free disk (GB)",
                colour: charts::PURPLE,
                values: disk,
            }],
        ),
    ]
}

async fn render_kiosk(
    st: &AppState,
    staff: &PageStaff,
    id: &str,
    error: Option<&Error>,
    saved: bool,
    confirm_revoke: bool,
) -> Response {
    let d = match kiosks::detail(&st.ctx, &staff.actor, id).await {
        Ok(d) => d,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let agencies = match levels(st).await {
        Ok(a) => a,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let head = match feed_head(st).await {
        Ok(h) => h,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let now = st.clock.now_vn();
    let [strip, outbox, disk] = charts(&d.beats, now);
    super::board::html_page(
        KioskPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            row: row(
                &d.view,
                Judge {
                    now,
                    head,
                    silent_minutes: st.config.fleet_silent_minutes,
                },
            ),
            k: &d.view,
            agencies,
            error,
            saved,
            strip,
            outbox,
            disk,
            incidents: d.incidents,
            confirm_revoke,
            server_levels: st.config.rating_scale.levels(),
        }
        .render()
        .unwrap_or_default(),
        error,
    )
}

#[derive(Debug, Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: Option<u8>,
}

async fn kiosk_page(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(id): Path<String>,
    q: Result<axum::extract::Query<SavedQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let saved = q.is_ok_and(|q| q.saved == Some(1));
    render_kiosk(&st, &staff, &id, None, saved, false).await
}

/// The kiosk's settings as the form sends them; the kiosk reads them from its change feed.
async fn settings(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(id): Path<String>,
    f: Fields,
) -> Response {
    use motcua_protocol::sync::{KioskConfig, Orientation};
    let Some(f) = fields(f) else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(field(&f, "csrf")) {
        return r;
    }
    let update = (|| {
        let idle = field(&f, "idle_timeout_s")
            .trim()
            .parse::<u32>()
            .map_err(|_| {
                Error::invalid(
                    "kiosk.idle",
                    "Thời gian chờ là một số giây, từ 10 đến 3600.",
                    "The idle timeout is a number of seconds, 10 to 3600.",
                )
            })?;
        Ok::<_, Error>(motcua_protocol::staff::KioskUpdate {
            name: Some(field(&f, "name").to_owned()),
            scope: Some(scope_of(&f)?),
            config: Some(KioskConfig {
                idle_timeout_s: idle,
                orientation: match field(&f, "orientation") {
                    "landscape" => Orientation::Landscape,
                    _ => Orientation::Portrait,
                },
                language: match field(&f, "language") {
                    "en" => Lang::En,
                    _ => Lang::Vi,
                },
                rating_levels: match field(&f, "rating_levels") {
                    "3" => Some(motcua_core::rating::Scale::Three),
                    "5" => Some(motcua_core::rating::Scale::Five),
                    _ => None,
                },
            }),
        })
    })();
    let done = match update {
        Ok(u) => kiosks::update(&st.ctx, &staff.actor, &id, u)
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Redirect::to(&format!("/fleet/kiosks/{id}?saved=1")).into_response(),
        Err(e) => render_kiosk(&st, &staff, &id, Some(&e), false, false).await,
    }
}

async fn revoke_form(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(id): Path<String>,
) -> Response {
    render_kiosk(&st, &staff, &id, None, false, true).await
}

#[derive(Debug, Deserialize)]
struct RevokeForm {
    csrf: String,
    #[serde(default)]
    confirm: String,
}

async fn revoke(
    State(st): State<AppState>,
    staff: PageStaff,
    Path(id): Path<String>,
    f: Result<Form<RevokeForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = f else {
        return super::board::unreadable();
    };
    if let Some(r) = staff.forged(&f.csrf) {
        return r;
    }
    if f.confirm != "yes" {
        return Redirect::to(&format!("/fleet/kiosks/{id}/revoke")).into_response();
    }
    match kiosks::revoke(&st.ctx, &staff.actor, &id).await {
        Ok(()) => Redirect::to(&format!("/fleet/kiosks/{id}")).into_response(),
        Err(e) => render_kiosk(&st, &staff, &id, Some(&e), false, false).await,
    }
}
