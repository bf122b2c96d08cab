//! End to end: the real server with demo data, the kiosk's logic and replica, the scanner
//! simulator on a pseudo-terminal and the printer simulator over TCP. A receipt's QR is scanned,
//! the detail opens (the QR carries the secret), the status slip is printed, and the printed
//! PNG holds a QR that decodes to the same dossier. Then the printer vanishes: a clear message,
//! the dossier still on hand.

use std::time::Duration;

use motcua_core::devices::PrinterStatus;
use motcua_core::{DossierCode, Step};
use motcua_drivers::qr::{own_payload, parse_scan};
use motcua_drivers::scanner::{ScannerEvent, SerialScanner, SerialScannerConfig, Suffix};
use motcua_drivers::sim::{SimPrinter, SimScanner, read_png, read_qr_grey};
use motcua_kiosk::app::{Logic, Options};

#[test]
fn scan_a_receipt_then_print_its_status() {
    let centre = motcua_testkit::centre(200);
    let (store, client, health) = centre.kiosk("e2e");
    let sim = SimPrinter::new(&centre.dir().join("slips"), 576).unwrap();
    let listening = sim.listen("127.0.0.1:0").unwrap();
    let logic = Logic::new(
        store,
        Options {
            server: Some(centre.base.clone()),
            printer: Some((format!("tcp://{}", listening.addr), "generic-80".into())),
            health: Some(health.clone()),
        },
    );

    let mut scanner = SimScanner::open(Suffix::Cr, "").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let _reader = SerialScanner::spawn(SerialScannerConfig::new(scanner.path()), tx).unwrap();
    let rec = centre.dossier(|r| r.state.step == Step::ResultReady);
    let receipt = own_payload(&DossierCode::parse(&rec.code).unwrap(), Some(&rec.secret));
    scanner.scan(&receipt).unwrap();
    let raw = loop {
        match rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the scan arrives")
        {
            ScannerEvent::Scan(raw) => break raw,
            _ => continue,
        }
    };

    let found = logic.scan(&raw).unwrap();
    let detail = found.detail.as_ref().expect("the QR carried the secret");
    assert_eq!(detail.row.code, rec.code);
    assert!(
        detail.step_vi.contains("Đã có kết quả"),
        "{}",
        detail.step_vi
    );

    let now = centre.state.clock.now_vn();
    logic.print_status(&found, now).unwrap();
    let slips = sim.wait_for(1, Duration::from_secs(10));
    assert_eq!(slips.len(), 1);
    let (w, h, px) = read_png(&slips[0].png).unwrap();
    let qrs = read_qr_grey(w, h, &px);
    assert_eq!(qrs.len(), 1, "one QR on the slip");
    let back = parse_scan(qrs[0].as_bytes()).unwrap();
    assert_eq!(back.code.to_string(), rec.code);
    assert_eq!(back.secret.as_deref(), Some(rec.secret.as_str()));

    assert_eq!(*health.printer.lock().unwrap(), PrinterStatus::Online);

    // The printer goes away: the visitor is told to note the code; nothing else changes.
    listening.stop();
    let err = logic.print_status(&found, now).unwrap_err();
    assert!(err.vi.contains("ghi lại mã"), "{}", err.vi);
    assert_eq!(err.vi.matches("ghi lại mã").count(), 1, "{}", err.vi);
    assert_eq!(logic.scan(&raw).unwrap().row.code, rec.code);
    assert_eq!(*health.printer.lock().unwrap(), PrinterStatus::Offline);

    // Both outcomes wait in the outbox and reach the server; the heartbeat carries the state.
    let pending = logic.store.pending(10).unwrap();
    let outcomes: Vec<bool> = pending
        .iter()
        .map(|p| p.json["data"]["ok"].as_bool().unwrap())
        .collect();
    assert_eq!(outcomes, [true, false]);
    assert_eq!(pending[1].json["data"]["error"], "printer.unreachable");
    assert_eq!(centre.rt.block_on(client.push()).unwrap(), 2);
    centre.rt.block_on(client.heartbeat()).unwrap();
}
