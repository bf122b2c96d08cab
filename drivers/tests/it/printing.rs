//! Printing through the real simulator: over TCP and over a serial pseudo-terminal, the PNG read
//! back, the QR decoded, statuses honoured, a vanished printer reported, and Vietnamese text
//! checked against stored reference images.

use std::time::{Duration, Instant};

use motcua_core::DossierCode;
use motcua_core::slip::{Align, Slip, TextSize};
use motcua_drivers::profile::Profile;
use motcua_drivers::qr::{own_payload, parse_scan};
use motcua_drivers::render::{Canvas, draw_paragraph};
use motcua_drivers::sim::{SimPrinter, read_png, read_qr_grey, write_png};
use motcua_drivers::status::PrinterStatus;
use motcua_drivers::transport::{Printer, PrinterError, Target};

use motcua_drivers::samples::status_slip;

fn payload() -> String {
    own_payload(
        &DossierCode::parse("000.00.01.H16-251110-0001").unwrap(),
        Some("4464"),
    )
}

fn sim(dots: usize) -> (SimPrinter, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (SimPrinter::new(dir.path(), dots).unwrap(), dir)
}

#[test]
fn a_status_slip_through_tcp_reads_back_in_every_profile() {
    for name in [
        "generic-58",
        "generic-80",
        "epson-tm-t88",
        "generic-80-ascii",
    ] {
        let profile = Profile::bundled(name).unwrap();
        let (sim, _dir) = sim(profile.dots as usize);
        let l = sim.listen("127.0.0.1:0").unwrap();
        let mut printer = Printer::new(
            Target::parse(&format!("tcp://{}", l.addr)).unwrap(),
            profile.clone(),
        );
        assert_eq!(
            printer.print(&status_slip(&payload())).unwrap(),
            PrinterStatus::Online
        );
        let slips = sim.wait_for(1, Duration::from_secs(10));
        assert_eq!(slips.len(), 1, "{name}");
        let s = &slips[0];
        assert!(
            s.transcript.cut == profile.cutter || !profile.cutter,
            "{name}"
        );
        // The PNG on disk holds a QR that decodes to the same dossier and secret.
        let (w, h, px) = read_png(&s.png).unwrap();
        assert_eq!(w, profile.dots as usize);
        let found = read_qr_grey(w, h, &px);
        assert_eq!(found, [payload()], "{name}");
        // Printed large enough to scan from paper: this payload is a 25-module QR, and modules
        // must be at least 3 dots (0.375 mm).
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x]);
        let grid = img.detect_grids().remove(0);
        let side = (grid.bounds[1].x - grid.bounds[0].x).abs();
        assert!(side >= 25 * 3, "{name}: the QR is only {side} dots wide");
        let scan = parse_scan(found[0].as_bytes()).unwrap();
        assert_eq!(scan.code.to_string(), "000.00.01.H16-251110-0001");
        assert_eq!(scan.secret.as_deref(), Some("4464"));
        if profile.native_qr {
            assert_eq!(s.transcript.qr, [payload()]);
        }
        if name == "generic-80-ascii" {
            assert!(
                s.transcript
                    .texts
                    .iter()
                    .any(|t| t.contains("Da co ket qua, moi nhan")),
                "{:?}",
                s.transcript.texts
            );
        }
        let txt = std::fs::read_to_string(&s.transcript_file).unwrap();
        assert!(txt.contains(&format!("qr-image: {}", payload())));
    }
}

#[test]
fn a_status_slip_through_a_serial_pseudo_terminal() {
    use serialport::SerialPort;
    let (mut master, mut slave) = serialport::TTYPort::pair().expect("a pseudo-terminal pair");
    master.set_timeout(motcua_drivers::sim::IDLE).unwrap();
    // Let the printer open the same terminal by its path.
    slave.set_exclusive(false).unwrap();
    let path = slave.name().expect("the slave side has a path");
    let (sim, _dir) = sim(576);
    let s2 = sim.clone();
    std::thread::spawn(move || s2.serve(master));
    let profile = Profile::bundled("generic-80").unwrap();
    let mut printer = Printer::new(
        Target::parse(&format!("serial://{path}?baud=115200")).unwrap(),
        profile,
    );
    assert_eq!(printer.status().unwrap(), PrinterStatus::Online);
    printer.print(&status_slip(&payload())).unwrap();
    let slips = sim.wait_for(1, Duration::from_secs(20));
    assert_eq!(slips.len(), 1);
    let (w, h, px) = read_png(&slips[0].png).unwrap();
    assert_eq!(read_qr_grey(w, h, &px), [payload()]);
    drop(slave);
}

#[test]
fn paper_and_cover_are_honoured() {
    let profile = Profile::bundled("generic-80").unwrap();
    let (sim, _dir) = sim(576);
    let l = sim.listen("127.0.0.1:0").unwrap();
    let mut printer = Printer::new(
        Target::parse(&format!("tcp://{}", l.addr)).unwrap(),
        profile,
    );
    sim.set_status(PrinterStatus::PaperNearEnd);
    assert_eq!(
        printer.print(&status_slip(&payload())).unwrap(),
        PrinterStatus::PaperNearEnd
    );
    assert_eq!(
        sim.wait_for(1, Duration::from_secs(10)).len(),
        1,
        "near end still prints"
    );
    sim.set_status(PrinterStatus::PaperOut);
    let e = printer.print(&status_slip(&payload())).unwrap_err();
    assert!(matches!(e, PrinterError::NotReady(PrinterStatus::PaperOut)));
    use motcua_core::Localized;
    assert!(e.message(motcua_core::Lang::Vi).contains("hết giấy"));
    sim.set_status(PrinterStatus::CoverOpen);
    assert_eq!(printer.status().unwrap(), PrinterStatus::CoverOpen);
    sim.set_status(PrinterStatus::Online);
    assert_eq!(
        printer.print(&status_slip(&payload())).unwrap(),
        PrinterStatus::Online
    );
    let slips = sim.wait_for(2, Duration::from_secs(10));
    assert_eq!(slips.len(), 2, "nothing printed while out of paper");
}

#[test]
fn an_unplugged_printer_fails_fast_and_a_replugged_one_prints() {
    let profile = Profile::bundled("generic-80").unwrap();
    let (sim, _dir) = sim(576);
    let l = sim.listen("127.0.0.1:0").unwrap();
    let addr = l.addr;
    let mut printer = Printer::new(Target::parse(&format!("tcp://{addr}")).unwrap(), profile);
    printer.print(&status_slip(&payload())).unwrap();
    // Unplug: the port closes and the open connection drops.
    l.stop();
    let started = Instant::now();
    let e = printer.print(&status_slip(&payload())).unwrap_err();
    assert!(
        matches!(e, PrinterError::Unreachable(_) | PrinterError::Write(_)),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "failed within a bounded time"
    );
    // Power back on at the same address: the next slip prints over a new connection.
    let _l2 = sim.listen(&addr.to_string()).unwrap();
    printer.print(&status_slip(&payload())).unwrap();
    assert_eq!(sim.wait_for(2, Duration::from_secs(10)).len(), 2);
}

fn reference(name: &str, text: &str) {
    let mut canvas = Canvas::new(576);
    draw_paragraph(&mut canvas, text, TextSize::Large, false, Align::Left);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(format!("{name}.png"));
    if std::env::var_os("MOTCUA_BLESS").is_some() {
        write_png(&canvas, &path).unwrap();
    }
    let (w, h, px) = read_png(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (MOTCUA_BLESS=1 writes it)", path.display()));
    assert_eq!((w, h), (canvas.width, canvas.height), "{name}");
    let differ = px
        .iter()
        .zip(canvas.dots.iter())
        .filter(|(p, d)| (**p == 0) != (**d != 0))
        .count();
    assert_eq!(differ, 0, "{name}: {differ} dots differ from the reference");
}

#[test]
fn vietnamese_text_matches_the_reference_images() {
    reference("so-thu-tu", "Số thứ tự");
    reference("da-tra-ket-qua", "Đã trả kết quả");
    reference("nguyen-thi-hong-nhung", "Nguyễn Thị Hồng Nhung");
    // NFD input renders exactly like NFC.
    use unicode_normalization::UnicodeNormalization;
    let nfd: String = "Đã trả kết quả".nfd().collect();
    reference("da-tra-ket-qua", &nfd);
}

#[test]
fn long_and_wide_input_is_wrapped_not_refused() {
    let profile = Profile::bundled("generic-58").unwrap();
    let slip = Slip::new()
        .line("Đ".repeat(5000))
        .line("a ".repeat(3000))
        .cut();
    let bytes = motcua_drivers::render::render(&slip, &profile).unwrap();
    let (sim, _dir) = sim(384);
    let l = sim.listen("127.0.0.1:0").unwrap();
    let mut printer = Printer::new(
        Target::parse(&format!("tcp://{}", l.addr)).unwrap(),
        profile,
    );
    printer.send(&bytes).unwrap();
    let slips = sim.wait_for(1, Duration::from_secs(10));
    assert!(slips[0].transcript.raster_rows > 1000);
}

#[test]
fn a_device_file_that_stops_taking_data_times_out() {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("lp0");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // A reader that never reads: the "printer" takes 64 KiB and then nothing.
    let _reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(0o4000) // O_NONBLOCK: open without waiting for a writer
        .open(&fifo)
        .unwrap();
    let profile = Profile::bundled("generic-80").unwrap();
    let mut printer = Printer::new(Target::File(fifo), profile);
    printer.timeouts.write = Duration::from_millis(300);
    let started = Instant::now();
    let e = printer.send(&vec![0u8; 1 << 20]).unwrap_err();
    assert!(matches!(e, PrinterError::Timeout), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_plain_file_receives_the_slip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slip.bin");
    let profile = Profile::bundled("generic-80").unwrap();
    let mut printer = Printer::new(
        Target::parse(&format!("file://{}", path.display())).unwrap(),
        profile.clone(),
    );
    assert_eq!(
        printer.print(&status_slip(&payload())).unwrap(),
        PrinterStatus::Unknown
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        bytes,
        motcua_drivers::render::render(&status_slip(&payload()), &profile).unwrap()
    );
}
