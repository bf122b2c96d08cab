//! The `motcua-kiosk` binary.
//!
//! - `motcua-kiosk --demo [--landscape] [--headless]`: everything local (see `demo`).
//! - `motcua-kiosk --config kiosk.toml [--landscape]`: a real kiosk.

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
            Some(path) => run(std::path::Path::new(path), has("--landscape")),
            None => Err("--config cần một tệp / needs a file".into()),
        }
    } else {
        Err(format!(
            "motcua-kiosk {}: dùng --demo hoặc --config kiosk.toml / use --demo or --config kiosk.toml",
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

fn run(path: &std::path::Path, landscape: bool) -> Result<(), String> {
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
    let stop = Arc::new(AtomicBool::new(false));
    let _sync = client.spawn(stop.clone());
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
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}
