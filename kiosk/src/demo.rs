//! Demo mode: the central server with demo data on a loopback port and the printer simulator
//! writing slips to `./demo-out/`, all in this process. Until the kiosk window lands, the demo
//! prints a status slip for a demo dossier and keeps the server and printer up for exploring.

use std::path::Path;

use motcua_core::Lang;
use motcua_drivers::profile::Profile;
use motcua_drivers::sim::SimPrinter;
use motcua_drivers::transport::{Printer, Target};
use motcua_server::model::{Agency, DossierRecord};
use motcua_server::store::{AGENCIES, DOSSIERS, decode, get_json};
use motcua_server::{AppState, Clock, Config};
use redb::ReadableTable;

use crate::slips::{StatusSlip, status_slip};

/// Run the demo until Ctrl-C. `out` receives the server's data and the printed slips.
pub fn run(out: &Path) -> Result<(), String> {
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
        let report =
            motcua_server::seed::seed_demo(&state.store, &state.cal, state.clock.now_vn(), 2000)
                .map_err(|e| e.message.en)?;
        println!(
            "  {} hồ sơ / dossiers, {} thủ tục / procedures",
            report.dossiers, report.procedures
        );
    }
    let printer_sim = SimPrinter::new(out, 576).map_err(|e| e.to_string())?;
    let listening = printer_sim
        .listen("127.0.0.1:0")
        .map_err(|e| e.to_string())?;

    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let running = match motcua_server::spawn(state.clone()).await {
            Ok(r) => r,
            // Port 8080 taken: any free port will do.
            Err(_) => {
                let mut s = state.clone();
                let mut c = (*s.config).clone();
                c.listen = "127.0.0.1:0".parse().expect("a valid address");
                s.config = std::sync::Arc::new(c);
                motcua_server::spawn(s).await.map_err(|e| e.to_string())?
            }
        };
        println!("Máy chủ / server: http://{}", running.addr);
        println!(
            "Máy in mô phỏng / printer simulator: tcp://{} → {}",
            listening.addr,
            out.display()
        );
        println!(
            "Tài khoản cán bộ mẫu / demo staff (đổi mật khẩu lần đầu / change at first login):"
        );
        for (u, role, pw) in motcua_server::seed::demo_staff() {
            println!("  {u:<18} {:<20} {pw}", role.label_vi());
        }
        let store = state.store.clone();
        let sample = tokio::task::spawn_blocking(move || {
            store.read_blocking(|txn| {
                for item in txn.open_table(DOSSIERS)?.iter()? {
                    let rec: DossierRecord = decode(item?.1.value())?;
                    if rec.state.step == motcua_core::Step::ResultReady {
                        // The slip names the agency, not its code.
                        let agency: Option<Agency> =
                            get_json(&txn.open_table(AGENCIES)?, rec.handling_agency().as_str())?;
                        let name =
                            agency.map_or_else(|| rec.handling_agency().to_string(), |a| a.name);
                        return Ok(Some((rec, name)));
                    }
                }
                Ok(None)
            })
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.message.en)?;
        if let Some((rec, agency)) = sample {
            print_sample(&rec, &agency, &state, &format!("tcp://{}", listening.addr))?;
            if let Some(s) = printer_sim
                .wait_for(1, std::time::Duration::from_secs(10))
                .first()
            {
                println!("Phiếu mẫu / sample slip: {}", s.png.display());
            }
        }
        println!("Nhấn Ctrl-C để dừng / press Ctrl-C to stop.");
        let _ = tokio::signal::ctrl_c().await;
        running.stop().await;
        Ok(())
    })
}

fn print_sample(
    rec: &DossierRecord,
    agency: &str,
    state: &AppState,
    printer: &str,
) -> Result<(), String> {
    let fmt = |t: chrono::DateTime<chrono::FixedOffset>| t.format("%H:%M %d/%m/%Y").to_string();
    let slip = status_slip(&StatusSlip {
        centre: "Trung tâm Phục vụ hành chính công tỉnh Đắk Lắk".into(),
        code: motcua_core::DossierCode::parse(&rec.code).map_err(|e| e.to_string())?,
        secret: Some(rec.secret.clone()),
        procedure: rec.procedure_name.clone(),
        applicant: motcua_core::text::mask_name(&rec.applicant.name),
        agency: agency.to_owned(),
        received: fmt(rec.state.received_at),
        appointment: fmt(rec.state.due),
        status: rec.state.national_status(),
        step: rec.state.step,
        timeliness: rec.state.timeliness(&state.cal),
        next: Some("Mời quý vị đến Bộ phận Một cửa nhận kết quả, mang theo giấy hẹn.".into()),
        printed_at: fmt(state.clock.now_vn()),
    });
    let target = Target::parse(printer).map_err(|e| e.to_string())?;
    let profile = Profile::bundled("generic-80").map_err(|e| e.to_string())?;
    let mut p = Printer::new(target, profile);
    p.print(&slip).map_err(|e| {
        use motcua_core::Localized;
        e.message(Lang::Vi)
    })?;
    Ok(())
}
