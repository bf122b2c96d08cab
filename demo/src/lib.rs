//! # motcua-demo
//!
//! The demo: the central server with demo data on a loopback port and the printer simulator
//! writing slips to `./demo-out/`, all in this process; the kiosk enrols itself, takes its
//! snapshot and opens its window. Closing the window stops everything.

use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use motcua_core::AgencyCode;
use motcua_drivers::sim::SimPrinter;
use motcua_server::db::model::DossierRecord;
use motcua_server::db::{DOSSIERS, decode};
use motcua_server::{AppState, Clock, Config};
use redb::ReadableTable;

use motcua_kiosk::app::{Logic, Options};
use motcua_kiosk::store::Store;
use motcua_kiosk::sync::{Health, SyncClient};

/// Where the demo keeps its accounts' one-time passwords (readable by its owner only).
pub const ACCOUNTS_FILE: &str = "demo-accounts.txt";

/// Keep the demo accounts' one-time passwords in `path` for the demo's owner: random at each new
/// demo store, changed at the first sign-in.
fn save_accounts(
    path: &Path,
    staff: &[(String, motcua_server::db::model::Role, String)],
) -> Result<(), String> {
    use std::io::Write;
    let mut text = String::from(
        "Tài khoản cán bộ mẫu, mật khẩu dùng một lần (đổi ở lần đăng nhập đầu) / demo staff, \
         one-time passwords (changed at the first sign-in):\n",
    );
    for (u, role, pw) in staff {
        text.push_str(&format!("  {u:<18} {:<20} {pw}\n", role.label_vi()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// How the demo shows itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// Open the kiosk window (else serve until Ctrl-C).
    pub window: bool,
    pub landscape: bool,
}

/// Run the demo. `out` receives the server's data, the kiosk's replica and the printed slips.
pub fn run(out: &Path, opts: DemoOptions) -> Result<(), String> {
    let data = out.join("server-data");
    let fresh = !data.join("motcua.redb").exists();
    let config = Config {
        data_dir: data,
        listen: "127.0.0.1:8080".parse().expect("a valid address"),
        ..Config::default()
    };
    let state = AppState::open(config.clone(), Clock::system()).map_err(|e| e.to_string())?;
    if fresh {
        println!("Đang tạo dữ liệu mẫu / seeding demo data …");
        let report = motcua_server::seed::seed_demo(
            &state.store,
            &state.cal.get(),
            state.clock.now_vn(),
            2000,
        )
        .map_err(|e| e.message.en)?;
        println!(
            "  {} hồ sơ / dossiers, {} thủ tục / procedures",
            report.dossiers, report.procedures
        );
        save_accounts(&out.join(ACCOUNTS_FILE), &report.staff)?;
    }
    let printer_sim = SimPrinter::new(out, 576).map_err(|e| e.to_string())?;
    let listening = printer_sim
        .listen("127.0.0.1:0")
        .map_err(|e| e.to_string())?;

    // The server runs on its own runtime thread; the window owns the main thread.
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let running = rt.block_on(async {
        match motcua_server::spawn(state.clone()).await {
            Ok(r) => Ok(r),
            // Port 8080 taken: any free port will do.
            Err(_) => {
                let mut s = state.clone();
                let mut c = (*s.config).clone();
                c.listen = "127.0.0.1:0".parse().expect("a valid address");
                s.ctx.config = Arc::new(c);
                motcua_server::spawn(s).await.map_err(|e| e.to_string())
            }
        }
    })?;
    let base = format!("http://{}", running.addr);
    println!("Máy chủ / server: {base}");
    println!(
        "Máy in mô phỏng / printer simulator: tcp://{} → {}",
        listening.addr,
        out.display()
    );
    match std::fs::read_to_string(out.join(ACCOUNTS_FILE)) {
        Ok(text) => print!("{text}"),
        Err(_) => println!(
            "Tài khoản mẫu / demo accounts: {} không còn; đặt lại mật khẩu bằng / is gone; reset \
             a password with `motcua-server --data-dir {} admin reset-password --username …`",
            out.join(ACCOUNTS_FILE).display(),
            out.join("server-data").display()
        ),
    }

    // The kiosk: its own store, enrolled once, with every demo agency in scope.
    let store = Store::open(&out.join("kiosk.redb")).map_err(|e| e.to_string())?;
    let health = Arc::new(Health::default());
    let client =
        SyncClient::new(&base, store.clone(), health.clone()).map_err(|e| e.to_string())?;
    if !client.enrolled() {
        let scope = motcua_server::seed::agency_codes(&state.store).map_err(|e| e.message.en)?;
        let now = state.clock.now_vn();
        let centre = AgencyCode::parse(motcua_server::seed::DEMO_CENTRE).expect("a valid code");
        let (_, code) = state
            .store
            .write_blocking(move |txn| {
                motcua_server::ops::kiosks::insert(txn, "Kiosk sảnh chính", &centre, &scope, now)
            })
            .map_err(|e: motcua_server::ops::Error| e.message.en)?;
        rt.block_on(client.enrol(&code))
            .map_err(|e| e.to_string())?;
    }
    let t0 = std::time::Instant::now();
    let n = rt.block_on(client.pull(0)).map_err(|e| e.to_string())?;
    println!(
        "Kiosk: {} thay đổi / changes in {:.1} s, {} hồ sơ / dossiers in the replica",
        n,
        t0.elapsed().as_secs_f64(),
        store.dossier_count().unwrap_or(0)
    );
    if let Some((code, secret)) = sample(&state)? {
        println!("Thử tra cứu / try: mã hồ sơ {code}, mã tra cứu / secret {secret}");
        if let Ok(c) = motcua_core::DossierCode::parse(&code) {
            println!(
                "  QR trên giấy tiếp nhận / receipt QR: {}",
                motcua_drivers::qr::own_payload(&c, Some(&secret))
            );
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    // The sync thread sees `stop` at its next wake-up; the process ends first if need be.
    client.spawn(stop.clone());

    let logic = Logic::new(
        store,
        Options {
            server: Some(base),
            printer: Some((format!("tcp://{}", listening.addr), "generic-80".into())),
            health: Some(health.clone()),
        },
    );
    if opts.window {
        let now: Rc<dyn Fn() -> chrono::DateTime<chrono::FixedOffset>> =
            Rc::new(motcua_kiosk::app::now_vn);
        let mut kiosk =
            motcua_kiosk::ui::Kiosk::new(logic, health, now).map_err(|e| e.to_string())?;
        kiosk.set_landscape(opts.landscape);
        // A line typed (or pasted) in this terminal arrives as a scan: a stand-in for the
        // receipt scanner while demonstrating.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::stdin().lines().map_while(Result::ok) {
                let scan =
                    motcua_drivers::scanner::ScannerEvent::Scan(line.trim().as_bytes().to_vec());
                if tx.send(scan).is_err() {
                    break;
                }
            }
        });
        kiosk.attach_scanner(rx);
        println!(
            "Gõ hoặc dán nội dung mã QR ở đây để giả lập máy quét / type or paste a QR payload here to simulate a scan."
        );
        kiosk.run().map_err(|e| e.to_string())?;
    } else {
        println!("Nhấn Ctrl-C để dừng / press Ctrl-C to stop.");
        rt.block_on(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    rt.block_on(running.stop());
    Ok(())
}

/// A dossier with a result ready, to try the lookup with.
fn sample(state: &AppState) -> Result<Option<(String, String)>, String> {
    state
        .store
        .read_now(|txn| {
            for item in txn.open_table(DOSSIERS)?.iter()? {
                let rec: DossierRecord = decode(item?.1.value())?;
                if rec.state.step == motcua_core::Step::ResultReady {
                    return Ok(Some((rec.code, rec.secret)));
                }
            }
            Ok::<_, motcua_server::ops::Error>(None)
        })
        .map_err(|e| e.message.en)
}
