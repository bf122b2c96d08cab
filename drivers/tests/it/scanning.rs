//! The serial scanner reader over real pseudo-terminals: every suffix, a prefix, noise,
//! duplicates, and unplugging and replugging the device behind a stable path.

use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use motcua_drivers::qr::parse_scan;
use motcua_drivers::scanner::{Framing, ScannerEvent, SerialScanner, SerialScannerConfig, Suffix};
use motcua_drivers::sim::SimScanner;

const CODE: &str = "000.00.01.H16-251110-0001";

fn next(rx: &Receiver<ScannerEvent>) -> ScannerEvent {
    rx.recv_timeout(Duration::from_secs(10))
        .expect("an event from the scanner reader")
}

fn reader(path: &str, framing: Framing) -> (SerialScanner, Receiver<ScannerEvent>) {
    let (tx, rx) = channel();
    let mut cfg = SerialScannerConfig::new(path);
    cfg.framing = framing;
    cfg.retry = Duration::from_millis(50);
    let s = SerialScanner::spawn(cfg, tx).unwrap();
    assert_eq!(next(&rx), ScannerEvent::Connected);
    (s, rx)
}

#[test]
fn frames_with_each_suffix_arrive_whole() {
    for suffix in [
        Suffix::Cr,
        Suffix::Lf,
        Suffix::CrLf,
        Suffix::Tab,
        Suffix::None,
    ] {
        let mut sim = SimScanner::open(suffix, "").unwrap();
        let (_r, rx) = reader(
            sim.path(),
            Framing {
                suffix,
                prefix: None,
            },
        );
        sim.scan(CODE).unwrap();
        assert_eq!(
            next(&rx),
            ScannerEvent::Scan(CODE.as_bytes().to_vec()),
            "{suffix:?}"
        );
        sim.scan("MC1:000.00.01.H16-251110-0002::55").unwrap();
        let ScannerEvent::Scan(s) = next(&rx) else {
            panic!("a scan")
        };
        assert_eq!(
            String::from_utf8(s).unwrap(),
            "MC1:000.00.01.H16-251110-0002::55"
        );
    }
}

#[test]
fn prefix_noise_and_duplicates() {
    let mut sim = SimScanner::open(Suffix::Cr, "]Q1").unwrap();
    let (_r, rx) = reader(
        sim.path(),
        Framing {
            suffix: Suffix::Cr,
            prefix: Some("]Q1".into()),
        },
    );
    sim.scan(CODE).unwrap();
    assert_eq!(next(&rx), ScannerEvent::Scan(CODE.as_bytes().to_vec()));
    // The same receipt held under the scanner: ignored.
    sim.scan(CODE).unwrap();
    // Binary noise, then a real scan: the noise is reported or refused, the scan goes through.
    sim.send_raw(&[0xff, 0x00, 0x13, 0x88, b'\r']).unwrap();
    let ev = next(&rx);
    match &ev {
        ScannerEvent::Scan(bytes) => assert!(parse_scan(bytes).is_err()),
        ScannerEvent::Noise => {}
        other => panic!("unexpected {other:?}"),
    }
    sim.scan("000.00.01.H16-251110-0003").unwrap();
    assert_eq!(
        next(&rx),
        ScannerEvent::Scan(b"000.00.01.H16-251110-0003".to_vec())
    );
    let big = vec![b'x'; 5000];
    sim.send_raw(&big).unwrap();
    sim.send_raw(b"\r").unwrap();
    assert_eq!(next(&rx), ScannerEvent::Noise);
}

#[test]
fn unplug_and_replug_behind_a_stable_path() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("scanner");
    let mut sim = SimScanner::open(Suffix::Cr, "").unwrap();
    std::os::unix::fs::symlink(sim.path(), &link).unwrap();
    let (_r, rx) = reader(link.to_str().unwrap(), Framing::default());
    sim.scan(CODE).unwrap();
    assert_eq!(next(&rx), ScannerEvent::Scan(CODE.as_bytes().to_vec()));
    // Unplug: the device and its link vanish.
    drop(sim);
    std::fs::remove_file(&link).unwrap();
    assert_eq!(next(&rx), ScannerEvent::Disconnected);
    // Plug it back: the same path again, another terminal behind it.
    let mut sim = SimScanner::open(Suffix::Cr, "").unwrap();
    std::os::unix::fs::symlink(sim.path(), &link).unwrap();
    assert_eq!(next(&rx), ScannerEvent::Connected);
    sim.scan("000.00.01.H16-251110-0009").unwrap();
    assert_eq!(
        next(&rx),
        ScannerEvent::Scan(b"000.00.01.H16-251110-0009".to_vec())
    );
}
