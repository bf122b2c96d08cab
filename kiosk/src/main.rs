//! The `motcua-kiosk` binary.
//!
//! - `motcua-kiosk --demo [--landscape] [--headless]`: everything local (see `demo`).
//! - `motcua-kiosk --config kiosk.toml [--landscape]`: a real kiosk.
//! - `motcua-kiosk --config kiosk.toml --sync-once`: fill or refresh its replica, then exit.

use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use motcua_kiosk::app::{Logic, Options};
use motcua_kiosk::config::KioskConfig;
use motcua_kiosk::store::Store;
use motcua_kiosk::sync::{Health, SyncClient};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |f: &str| args.iter().any(|a| a == f);
    let result = if has("--demo") {
        motcua_kiosk::demo::run(
            std::path::Path::new("./demo-out"),
            motcua_kiosk::demo::DemoOptions {
                window: !has("--headless"),
                landscape: has("--landscape"),
            },
        )
    } else if let Some(i) = args.iter().position(|a| a == "--config") {
        match args.get(i + 1) {
            Some(path) if has("--sync-once") => sync_once(std::path::Path::new(path)),
            Some(path) => run(std::path::Path::new(path), has("--landscape")),
            None => Err("--config cần một tệp / needs a file".into()),
        }
    } else {
        Err(format!(
            "motcua-kiosk {}: dùng --demo hoặc --config kiosk.toml [--sync-once] / use --demo or --config kiosk.toml [--sync-once]",
            motcua_kiosk::VERSION
        ))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi / error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A configured kiosk: its settings, store and sync client, enrolled with the configuration's
/// one-time code if it was not yet.
struct Enrolled {
    cfg: KioskConfig,
    store: Store,
    client: SyncClient,
    health: Arc<Health>,
    rt: tokio::runtime::Runtime,
}

fn open_enrolled(path: &std::path::Path) -> Result<Enrolled, String> {
    let cfg = KioskConfig::load(path).map_err(|e| e.to_string())?;
    let store = Store::open(&cfg.data_dir.join("kiosk.redb")).map_err(|e| e.to_string())?;
    let health = Arc::new(Health::default());
    let client = SyncClient::new(&cfg.server, store.clone(), health.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    if !client.enrolled() {
        let code = cfg.enrolment_code.as_deref().ok_or(
            "kiosk chưa đăng ký: cần enrolment_code trong tệp cấu hình / not enrolled: set enrolment_code",
        )?;
        rt.block_on(client.enrol(code)).map_err(|e| e.to_string())?;
    }
    Ok(Enrolled {
        cfg,
        store,
        client,
        health,
        rt,
    })
}

/// Pull until the replica is caught up, deliver the outbox, and exit: to provision a kiosk's
/// replica before it goes to the hall, or to check a kiosk's link.
fn sync_once(path: &std::path::Path) -> Result<(), String> {
    let started = std::time::Instant::now();
    let Enrolled {
        store, client, rt, ..
    } = open_enrolled(path)?;
    let changes = rt.block_on(client.pull(0)).map_err(|e| e.to_string())?;
    let pulled = started.elapsed();
    let sent = rt.block_on(client.push()).map_err(|e| e.to_string())?;
    println!(
        "Đã đồng bộ / synced: {changes} thay đổi / changes in {:.1} s; {} hồ sơ / dossiers in the replica; {sent} sự kiện đã gửi / events delivered",
        pulled.as_secs_f64(),
        store.dossier_count().map_err(|e| e.to_string())?
    );
    Ok(())
}

fn run(path: &std::path::Path, landscape: bool) -> Result<(), String> {
    let Enrolled {
        cfg,
        store,
        client,
        health,
        ..
    } = open_enrolled(path)?;
    let stop = Arc::new(AtomicBool::new(false));
    let sync = client.spawn(stop.clone());
    quit_on_signal();
    let logic = Logic::new(
        store,
        Options {
            server: Some(cfg.server.clone()),
            printer: cfg
                .printer
                .clone()
                .map(|p| (p, cfg.printer_profile.clone())),
            health: Some(health.clone()),
        },
    );
    let mut kiosk = motcua_kiosk::ui::Kiosk::new(logic, health, Rc::new(motcua_kiosk::app::now_vn))
        .map_err(|e| e.to_string())?;
    kiosk.set_landscape(landscape || cfg.orientation.as_deref() == Some("landscape"));
    if let Some(port) = &cfg.scanner {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut sc = motcua_drivers::scanner::SerialScannerConfig::new(port);
        if let Some(s) = &cfg.scanner_suffix {
            sc.framing.suffix = match s.as_str() {
                "lf" => motcua_drivers::scanner::Suffix::Lf,
                "crlf" => motcua_drivers::scanner::Suffix::CrLf,
                "tab" => motcua_drivers::scanner::Suffix::Tab,
                "none" => motcua_drivers::scanner::Suffix::None,
                _ => motcua_drivers::scanner::Suffix::Cr,
            };
        }
        let scanner = motcua_drivers::scanner::SerialScanner::spawn(sc, tx);
        kiosk.attach_scanner(rx);
        let r = kiosk.run().map_err(|e| e.to_string());
        drop(scanner);
        r?;
    } else {
        kiosk.run().map_err(|e| e.to_string())?;
    }
    // Close the replica cleanly: a store left open is checked in full at the next start.
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = sync.join();
    drop(kiosk);
    Ok(())
}

/// SIGTERM (a service manager stopping the kiosk) or Ctrl-C closes the window like a normal
/// quit, so everything is closed in order.
fn quit_on_signal() {
    std::thread::spawn(|| {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = term.recv() => {}
                        _ = tokio::signal::ctrl_c() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        });
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
    });
}
