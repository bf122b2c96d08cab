//! # motcua-demo
//!
//! The demo: the central server with demo data on a loopback port and the printer simulator
//! writing slips to `./demo-out/`, all in this process; the kiosk enrols itself, takes its
//! snapshot and opens its window. Closing the window stops everything.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use motcua_drivers::sim::SimPrinter;
use motcua_server::AppState;
use motcua_server::db::model::DossierRecord;
use motcua_server::db::{DOSSIERS, decode};
use motcua_testkit::{Blocking, CentreOptions};
use redb::ReadableTable;

use motcua_kiosk::app::{Logic, Options};

pub mod tour;

/// Where the demo keeps its accounts' one-time passwords (readable by its owner only).
pub const ACCOUNTS_FILE: &str = "demo-accounts.txt";

/// Keep the demo accounts' one-time passwords in `path` for the demo's owner: random at each new
/// demo store, changed at the first sign-in.
fn save_accounts(
    path: &Path,
    staff: &std::collections::HashMap<String, String>,
) -> Result<(), String> {
    use std::io::Write;
    let mut text = String::from(
        "Tài khoản cán bộ mẫu, mật khẩu dùng một lần (đổi ở lần đăng nhập đầu) / demo staff, \
         one-time passwords (changed at the first sign-in):\n",
    );
    let mut names: Vec<&String> = staff.keys().collect();
    names.sort();
    for u in names {
        text.push_str(&format!("  {u:<18} {}\n", staff[u]));
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Open the kiosk window (else serve until Ctrl-C).
    pub window: bool,
    pub landscape: bool,
    /// Walk the window through its screens, save each as a PNG here, then end.
    pub tour: Option<PathBuf>,
}

/// Run the demo. `out` receives the server's data, the kiosk's replica and the printed slips.
pub fn run(out: &Path, opts: DemoOptions) -> Result<(), String> {
    let data = out.join("server-data");
    if !data.join("motcua.redb").exists() {
        println!("Đang tạo dữ liệu mẫu / seeding demo data …");
    }
    // The server on 127.0.0.1:8080 (any free port if it is taken), on the system's clock; a new
    // store gets the demo centre with 2,000 dossiers.
    let centre = Blocking::try_start(
        CentreOptions {
            at: None,
            catalogue: true,
            dossiers: 2000,
            data_dir: Some(data),
            listen: ([127, 0, 0, 1], 8080).into(),
            any_port_if_taken: true,
        },
        |_| {},
    )?;
    if !centre.passwords.is_empty() {
        save_accounts(&out.join(ACCOUNTS_FILE), &centre.passwords)?;
    }
    let printer_sim = SimPrinter::new(out, 576).map_err(|e| e.to_string())?;
    let listening = printer_sim
        .listen("127.0.0.1:0")
        .map_err(|e| e.to_string())?;
    let base = centre.base.clone();
    motcua_server::seed::open_demo_queue_all_day(&centre.state.store).map_err(|e| e.message.en)?;
    motcua_server::seed::seed_example_kiosk(&centre.state.store, centre.state.clock.now_vn())
        .map_err(|e| e.message.en)?;
    println!("Máy chủ / server: {base}");
    println!(
        "Bảng gọi số / display board: {base}/board/{}   (số thứ tự cấp cả ngày trong bản demo / \
         numbers are issued at any hour in the demo)",
        motcua_server::seed::DEMO_CENTRE
    );
    println!(
        "Màn hình quầy / counter screen: {base}/counter   (đăng nhập bằng tài khoản bên dưới / sign in with an account below)"
    );
    println!(
        "Đặt lịch hẹn / book a visit: {base}/dat-lich/{}   (nhận số tại kiosk: “Lấy số thứ tự” → “Tôi đã đặt lịch hẹn” / check in at the kiosk)",
        motcua_server::seed::DEMO_CENTRE
    );
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
    let t0 = std::time::Instant::now();
    let (store, client, health) = centre
        .rt
        .block_on(centre.kiosk_at(&out.join("kiosk.redb"), "Kiosk sảnh chính"))?;
    println!(
        "Kiosk: {:.1} s, {} hồ sơ / dossiers in the replica",
        t0.elapsed().as_secs_f64(),
        store.dossier_count().unwrap_or(0)
    );
    if let Some((code, secret)) = sample(&centre.state, motcua_core::Step::ResultReady)? {
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
        let kiosk = Rc::new(kiosk);
        let _tour = match &opts.tour {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let receipt = |step| -> Result<Option<String>, String> {
                    Ok(sample(&centre.state, step)?.and_then(|(code, secret)| {
                        motcua_core::DossierCode::parse(&code)
                            .ok()
                            .map(|c| motcua_drivers::qr::own_payload(&c, Some(&secret)))
                    }))
                };
                let ready = receipt(motcua_core::Step::ResultReady)?;
                let fees = receipt(motcua_core::Step::FeeRequested)?;
                // The same receipt's code alone (typed, or a QR without the secret).
                let code_only = sample(&centre.state, motcua_core::Step::ResultReady)?
                    .and_then(|(code, _)| motcua_core::DossierCode::parse(&code).ok())
                    .map(|c| motcua_drivers::qr::own_payload(&c, None));
                Some(tour::start(
                    kiosk.clone(),
                    dir.clone(),
                    tour::Receipts {
                        code_only,
                        ready,
                        fees,
                    },
                ))
            }
            None => {
                println!(
                    "Gõ hoặc dán nội dung mã QR ở đây để giả lập máy quét / type or paste a QR payload here to simulate a scan."
                );
                None
            }
        };
        kiosk.run().map_err(|e| e.to_string())?;
    } else {
        println!("Nhấn Ctrl-C để dừng / press Ctrl-C to stop.");
        centre.rt.block_on(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let Blocking { rt, centre } = centre;
    rt.block_on(centre.running.stop());
    Ok(())
}

/// A dossier at `step` (a result ready, to try the lookup with), its code and secret.
fn sample(state: &AppState, step: motcua_core::Step) -> Result<Option<(String, String)>, String> {
    state
        .store
        .read_now(|txn| {
            for item in txn.open_table(DOSSIERS)?.iter()? {
                let rec: DossierRecord = decode(item?.1.value())?;
                if rec.state.step == step {
                    return Ok(Some((rec.code, rec.secret)));
                }
            }
            Ok::<_, motcua_server::ops::Error>(None)
        })
        .map_err(|e| e.message.en)
}
