//! The `motcua-kiosk` binary.
//!
//! - `motcua-kiosk --config kiosk.toml [--landscape]`: a real kiosk.
//! - `motcua-kiosk --config kiosk.toml --sync-once`: fill or refresh its replica, then exit.
//!
//! The demo (server, printer simulator and a kiosk in one process) is `motcua-demo`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Parser;
use motcua_kiosk::app::{Logic, Options};
use motcua_kiosk::config::KioskConfig;
use motcua_kiosk::store::Store;
use motcua_kiosk::sync::{Health, SyncClient};

/// Kiosk tra cứu hồ sơ, phản ánh và đánh giá / the motcua touch kiosk.
#[derive(Debug, Parser)]
#[command(name = "motcua-kiosk", version)]
struct Cli {
    /// The kiosk's TOML configuration (server, enrolment code, data directory, devices).
    #[arg(long, env = "MOTCUA_KIOSK_CONFIG")]
    config: PathBuf,
    /// Landscape (1920 × 1080) whatever the configuration and the server say.
    #[arg(long)]
    landscape: bool,
    /// Enrol if need be, fill or refresh the replica, deliver the outbox, and exit (to
    /// provision a kiosk before it goes to the hall).
    #[arg(long)]
    sync_once: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let result = if cli.sync_once {
        sync_once(&cli.config)
    } else {
        run(&cli.config, cli.landscape)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Lỗi / error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A configured kiosk: its settings, store and sync client.
struct Opened {
    cfg: KioskConfig,
    store: Store,
    client: SyncClient,
    health: Arc<Health>,
    rt: tokio::runtime::Runtime,
}

fn open(path: &std::path::Path) -> Result<Opened, String> {
    let cfg = KioskConfig::load(path).map_err(|e| e.to_string())?;
    let store = Store::open(&cfg.data_dir.join("kiosk.redb")).map_err(|e| e.to_string())?;
    let health = Arc::new(Health::default());
    let client =
        SyncClient::new(&cfg.server, store.clone(), health.clone()).map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Opened {
        cfg,
        store,
        client,
        health,
        rt,
    })
}

fn enrolment_code(cfg: &KioskConfig) -> Result<&str, String> {
    cfg.enrolment_code.as_deref().ok_or_else(|| {
        "kiosk chưa đăng ký: cần enrolment_code trong tệp cấu hình / not enrolled: set enrolment_code".into()
    })
}

/// Pull until the replica is caught up, deliver the outbox, and exit: to provision a kiosk's
/// replica before it goes to the hall, or to check a kiosk's link.
fn sync_once(path: &std::path::Path) -> Result<(), String> {
    let started = std::time::Instant::now();
    let Opened {
        cfg,
        store,
        client,
        rt,
        ..
    } = open(path)?;
    if !client.enrolled() {
        rt.block_on(client.enrol(enrolment_code(&cfg)?))
            .map_err(|e| e.to_string())?;
    }
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
    let Opened {
        cfg,
        store,
        client,
        health,
        ..
    } = open(path)?;
    // Enrolled by the sync thread as soon as the server answers — with the configured code, or
    // the one scanned from the fleet console's QR: a kiosk started while the server is down,
    // or before it has a code, waits with its window open instead of exiting (and being
    // restarted in a loop by its service manager).
    if !client.enrolled() && cfg.enrolment_code.is_none() {
        tracing::warn!(
            "not enrolled and no enrolment_code: scan the enrolment QR from the fleet console at the kiosk"
        );
    }
    health
        .enrolled
        .store(client.enrolled(), std::sync::atomic::Ordering::Relaxed);
    let stop = Arc::new(AtomicBool::new(false));
    let sync = client.spawn_enrolling(cfg.enrolment_code.clone(), stop.clone());
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
    kiosk.apply_defaults(cfg.defaults());
    if landscape {
        kiosk.set_landscape(true);
    }
    {
        use slint::ComponentHandle;
        kiosk.window.set_frameless(cfg.frameless || cfg.fullscreen);
        kiosk.hide_cursor(cfg.hide_cursor);
        if cfg.fullscreen {
            kiosk.window.window().set_fullscreen(true);
        }
    }
    if let Some(port) = &cfg.scanner {
        use motcua_drivers::scanner::{
            InputScanner, InputScannerConfig, SerialScanner, SerialScannerConfig,
        };
        let (tx, rx) = std::sync::mpsc::channel();
        // A USB keyboard-wedge scanner read from its own input device: its scans arrive
        // whichever window has the keyboard's focus; keys reaching the window are then not
        // taken as scans (they would come twice).
        type Reader = Box<dyn std::any::Any>;
        let scanner: std::io::Result<Reader> = if port.starts_with("/dev/input/") {
            kiosk.ignore_window_keys();
            InputScanner::spawn(InputScannerConfig::new(port), tx).map(|s| Box::new(s) as Reader)
        } else {
            let mut sc = SerialScannerConfig::new(port);
            sc.framing.suffix = cfg.scanner_suffix;
            SerialScanner::spawn(sc, tx).map(|s| Box::new(s) as Reader)
        };
        // Without a thread for it the kiosk still runs: codes are typed on the screen.
        let scanner = scanner
            .inspect_err(|e| tracing::error!(error = %e, "the scanner cannot be read"))
            .ok();
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
