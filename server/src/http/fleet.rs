//! The kiosk fleet at a glance, for centre and system administrators: every kiosk with its
//! health — silent, printer, scanner, outbox, disk, refused events — the worst first, in words
//! and colour. The page refreshes itself every 30 seconds.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use motcua_core::Lang;
use motcua_core::devices::{PrinterStatus, ScannerState};
use motcua_protocol::staff::KioskView;

use super::board::{error_page, html};
use super::pages::PageStaff;
use crate::AppState;
use crate::ops::kiosks;

/// A kiosk is silent past this many minutes without a heartbeat.
pub const SILENT_MINUTES: i64 = 5;
/// Events waiting in a kiosk's outbox past which it is flagged.
const OUTBOX_WARN: u64 = 50;
/// Free disk below which a kiosk is flagged, in MiB.
const DISK_WARN_MB: u64 = 1024;

pub fn router() -> Router<AppState> {
    Router::new().route("/fleet", get(fleet))
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

fn row(k: &KioskView, now: chrono::DateTime<chrono::FixedOffset>) -> Row {
    let mut problems: Vec<(u8, String, String)> = Vec::new();
    let mut push = |rank: u8, vi: String, en: String| problems.push((rank, vi, en));
    if k.revoked {
        push(9, "Đã thu hồi".into(), "Revoked".into());
    } else if k.enrolled_at.is_none() {
        push(5, "Chưa ghi danh".into(), "Not enrolled yet".into());
    }
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
            if !k.revoked && age > SILENT_MINUTES {
                push(
                    0,
                    format!("Im lặng {age} phút"),
                    format!("Silent for {age} minutes"),
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
    }
}

async fn fleet(State(st): State<AppState>, staff: PageStaff) -> Response {
    let kiosks = match kiosks::list(&st.ctx, &staff.actor).await {
        Ok(k) => k,
        Err(e) => return error_page(super::error::status(e.kind), &e),
    };
    let now = st.clock.now_vn();
    let mut rows: Vec<Row> = kiosks.iter().map(|k| row(k, now)).collect();
    rows.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.name.cmp(&b.name)));
    html(
        FleetPage {
            csrf: &staff.csrf,
            user: &staff.actor.user.full_name,
            nav_desk: false,
            here: staff.here.clone(),
            rows,
            silent_minutes: SILENT_MINUTES,
        }
        .render()
        .unwrap_or_default(),
    )
}
