//! QR and barcode scanners: a serial reader with framing, duplicate suppression and automatic
//! reconnection; a reader of a USB keyboard-wedge scanner's own input device (its scans arrive
//! whatever window has the keyboard focus); and a keyboard-wedge decoder that tells a scan from
//! typing by its speed.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// Longest frame kept; a longer run without a terminator is noise and is dropped.
pub const MAX_FRAME: usize = 1024;

/// What ends a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Suffix {
    #[default]
    Cr,
    Lf,
    #[serde(alias = "crlf")]
    CrLf,
    Tab,
    /// Nothing: a scan ends when the line goes quiet.
    None,
}

impl Suffix {
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Suffix::Cr => b"\r",
            Suffix::Lf => b"\n",
            Suffix::CrLf => b"\r\n",
            Suffix::Tab => b"\t",
            Suffix::None => b"",
        }
    }
}

/// How a scanner frames what it sends.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Framing {
    pub suffix: Suffix,
    /// A prefix the scanner adds, such as the AIM identifier `]Q1`, removed when present.
    pub prefix: Option<String>,
}

/// Splits a byte stream into scans. Pure: time enters only through [`FrameParser::idle`].
#[derive(Debug, Default)]
pub struct FrameParser {
    framing: Framing,
    buf: Vec<u8>,
    overflow: bool,
}

/// One thing the scanner produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The payload, framing removed (may still be garbage: the receipt parser decides).
    Scan(Vec<u8>),
    /// Too long without a terminator: dropped.
    Noise,
}

impl FrameParser {
    pub fn new(framing: Framing) -> Self {
        FrameParser {
            framing,
            ..Default::default()
        }
    }

    fn clean(&self, mut f: Vec<u8>) -> Option<Frame> {
        // STX … ETX framing, from scanners configured for it.
        if f.first() == Some(&0x02) {
            f.remove(0);
        }
        if f.last() == Some(&0x03) {
            f.pop();
        }
        // A CR left over from a CR LF pair split across settings.
        while matches!(f.last(), Some(b'\r' | b'\n')) {
            f.pop();
        }
        while matches!(f.first(), Some(b'\r' | b'\n')) {
            f.remove(0);
        }
        if let Some(p) = &self.framing.prefix {
            if f.starts_with(p.as_bytes()) {
                f.drain(..p.len());
            }
        }
        (!f.is_empty()).then_some(Frame::Scan(f))
    }

    fn terminator(&self) -> &'static [u8] {
        match self.framing.suffix {
            // A CR LF scanner's frames end at LF; the CR is trimmed.
            Suffix::CrLf => b"\n",
            s => s.bytes(),
        }
    }

    /// Add bytes; the frames now complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Frame> {
        let mut out = Vec::new();
        let term = self.terminator();
        for &b in bytes {
            let ends = term.first() == Some(&b) || (b == 0x03 && self.buf.first() == Some(&0x02));
            if ends {
                if b == 0x03 {
                    self.buf.push(b);
                }
                let f = std::mem::take(&mut self.buf);
                if std::mem::take(&mut self.overflow) {
                    out.push(Frame::Noise);
                } else if let Some(frame) = self.clean(f) {
                    out.push(frame);
                }
                continue;
            }
            if self.overflow {
                continue;
            }
            if self.buf.len() >= MAX_FRAME {
                self.buf.clear();
                self.overflow = true;
                continue;
            }
            self.buf.push(b);
        }
        out
    }

    /// The line went quiet: with no suffix, what was received is a scan; otherwise an
    /// unterminated fragment is noise.
    pub fn idle(&mut self) -> Option<Frame> {
        if self.buf.is_empty() && !self.overflow {
            return None;
        }
        let f = std::mem::take(&mut self.buf);
        let overflow = std::mem::take(&mut self.overflow);
        if overflow {
            return Some(Frame::Noise);
        }
        if self.framing.suffix == Suffix::None {
            self.clean(f)
        } else {
            Some(Frame::Noise)
        }
    }
}

/// Drops the same scan repeated within a short window (a visitor holding the receipt still).
#[derive(Debug)]
pub struct Deduper {
    window: Duration,
    last: Option<(Vec<u8>, Instant)>,
}

impl Deduper {
    pub fn new(window: Duration) -> Self {
        Deduper { window, last: None }
    }

    /// Whether `scan`, seen at `now`, is new.
    pub fn accept(&mut self, scan: &[u8], now: Instant) -> bool {
        let dup = self
            .last
            .as_ref()
            .is_some_and(|(s, t)| s == scan && now.duration_since(*t) < self.window);
        self.last = Some((scan.to_vec(), now));
        !dup
    }
}

/// What the serial reader reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerEvent {
    Connected,
    Scan(Vec<u8>),
    /// Something unreadable arrived (noise, an overlong frame).
    Noise,
    /// The port went away; the reader keeps trying to reopen it.
    Disconnected,
}

/// Settings of a serial scanner.
#[derive(Debug, Clone)]
pub struct SerialScannerConfig {
    pub path: PathBuf,
    pub baud: u32,
    pub framing: Framing,
    /// Quiet time that ends a scan without a suffix.
    pub idle: Duration,
    /// Window in which the same scan is ignored.
    pub duplicate_window: Duration,
    /// Wait between attempts to reopen a vanished port.
    pub retry: Duration,
}

impl SerialScannerConfig {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        SerialScannerConfig {
            path: path.into(),
            baud: 9600,
            framing: Framing::default(),
            idle: Duration::from_millis(150),
            duplicate_window: Duration::from_millis(1500),
            retry: Duration::from_millis(500),
        }
    }
}

/// A reader's thread, told to stop when this is dropped.
#[derive(Debug)]
struct Stopper(Arc<AtomicBool>);

impl Drop for Stopper {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Run `body` on a thread named `name`, with the flag it stops at (an error when the system
/// gives no thread).
fn start(name: &str, body: impl FnOnce(&AtomicBool) + Send + 'static) -> std::io::Result<Stopper> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || body(&flag))?;
    Ok(Stopper(stop))
}

/// A running serial scanner reader; stops when dropped.
#[derive(Debug)]
pub struct SerialScanner {
    _stop: Stopper,
}

impl SerialScanner {
    /// Read `config.path` on a thread, sending events to `sink`, reconnecting as needed.
    pub fn spawn(
        config: SerialScannerConfig,
        sink: Sender<ScannerEvent>,
    ) -> std::io::Result<SerialScanner> {
        Ok(SerialScanner {
            _stop: start("scanner", move |stop| run(&config, &sink, stop))?,
        })
    }
}

fn run(config: &SerialScannerConfig, sink: &Sender<ScannerEvent>, stop: &AtomicBool) {
    let mut dedup = Deduper::new(config.duplicate_window);
    while !stop.load(Ordering::SeqCst) {
        let port = serialport::new(config.path.to_string_lossy(), config.baud)
            .timeout(config.idle)
            .exclusive(false)
            .open();
        let Ok(mut port) = port else {
            std::thread::sleep(config.retry);
            continue;
        };
        if sink.send(ScannerEvent::Connected).is_err() {
            return;
        }
        let mut parser = FrameParser::new(config.framing.clone());
        let mut buf = [0u8; 512];
        let emit = |f: Frame, dedup: &mut Deduper| -> bool {
            let ev = match f {
                Frame::Scan(s) if dedup.accept(&s, Instant::now()) => ScannerEvent::Scan(s),
                Frame::Scan(_) => return true,
                Frame::Noise => ScannerEvent::Noise,
            };
            sink.send(ev).is_ok()
        };
        loop {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            match port.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    for f in parser.feed(&buf[..n]) {
                        if !emit(f, &mut dedup) {
                            return;
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    if let Some(f) = parser.idle() {
                        if !emit(f, &mut dedup) {
                            return;
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        if sink.send(ScannerEvent::Disconnected).is_err() {
            return;
        }
        std::thread::sleep(config.retry);
    }
}

/// The size of a Linux `struct input_event`: a `timeval` (two longs), then type, code, value.
const EVENT_BYTES: usize = if cfg!(target_pointer_width = "64") {
    24
} else {
    16
};
const EV_KEY: u16 = 1;
const KEY_ENTER: u16 = 28;
const KEY_KPENTER: u16 = 96;
const KEY_TAB: u16 = 15;
const KEY_LEFTSHIFT: u16 = 42;
const KEY_RIGHTSHIFT: u16 = 54;

/// Said by [`KeyEvents::feed`] where keys stopped for longer than a scanner ever pauses: what
/// came before and was not ended by Enter is a broken scan, to drop (ASCII CAN).
pub const BROKEN_OFF: u8 = 0x18;

/// The longest pause between two keys of one scan, in microseconds (scanners type a code in a
/// few tens of milliseconds).
const SCAN_PAUSE_US: i64 = 1_000_000;

/// Turns the raw events of a keyboard-wedge scanner's input device (`/dev/input/event…`) into
/// the text it types: shift gives capitals and symbols (US layout, as scanners send), Enter and
/// Tab end a scan (as CR), a long pause before a key gives [`BROKEN_OFF`]. Pure: bytes in, text
/// out, a partial event kept for the next read.
#[derive(Debug, Default)]
pub struct KeyEvents {
    partial: Vec<u8>,
    left_shift: bool,
    right_shift: bool,
    /// When the last key was pressed, in microseconds of the event's clock.
    last_press_us: Option<i64>,
}

impl KeyEvents {
    pub fn new() -> Self {
        KeyEvents::default()
    }

    /// Add bytes read from the device; the text they type.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.partial.extend_from_slice(bytes);
        let whole = self.partial.len() - self.partial.len() % EVENT_BYTES;
        let mut out = Vec::new();
        for ev in self.partial[..whole].chunks_exact(EVENT_BYTES) {
            let (time, tail) = ev.split_at(EVENT_BYTES - 8);
            let (sec, usec) = time.split_at(time.len() / 2);
            let long = |b: &[u8]| -> i64 {
                let mut v = [0u8; 8];
                if cfg!(target_endian = "little") {
                    v[..b.len()].copy_from_slice(b);
                    i64::from_le_bytes(v)
                } else {
                    v[8 - b.len()..].copy_from_slice(b);
                    i64::from_be_bytes(v)
                }
            };
            let at_us = long(sec)
                .saturating_mul(1_000_000)
                .saturating_add(long(usec));
            let (kind, rest) = tail.split_at(2);
            let (code, value) = rest.split_at(2);
            let kind = u16::from_ne_bytes([kind[0], kind[1]]);
            let code = u16::from_ne_bytes([code[0], code[1]]);
            let value = i32::from_ne_bytes([value[0], value[1], value[2], value[3]]);
            if kind != EV_KEY {
                continue;
            }
            match (code, value) {
                (KEY_LEFTSHIFT, v) => self.left_shift = v != 0,
                (KEY_RIGHTSHIFT, v) => self.right_shift = v != 0,
                // Presses only: releases (0) and auto-repeats (2) type nothing.
                (code, 1) => {
                    if self
                        .last_press_us
                        .is_some_and(|t| at_us.saturating_sub(t) > SCAN_PAUSE_US)
                    {
                        out.push(BROKEN_OFF);
                    }
                    self.last_press_us = Some(at_us);
                    if matches!(code, KEY_ENTER | KEY_KPENTER | KEY_TAB) {
                        out.push(b'\r');
                    } else if let Some(c) = keycode_char(code, self.left_shift || self.right_shift)
                    {
                        // Every character of the table is ASCII.
                        out.push(c as u8);
                    }
                }
                _ => {}
            }
        }
        self.partial.drain(..whole);
        out
    }
}

/// Settings of a scanner read from its input device.
#[derive(Debug, Clone)]
pub struct InputScannerConfig {
    /// Its event device, best by its stable name: `/dev/input/by-id/usb-…-event-kbd`.
    pub path: PathBuf,
    /// Window in which the same scan is ignored.
    pub duplicate_window: Duration,
    /// Wait between attempts to reopen a vanished device.
    pub retry: Duration,
}

impl InputScannerConfig {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        InputScannerConfig {
            path: path.into(),
            duplicate_window: Duration::from_millis(1500),
            retry: Duration::from_millis(500),
        }
    }
}

/// A running reader of a scanner's input device; stops when dropped (at its next event).
#[derive(Debug)]
pub struct InputScanner {
    _stop: Stopper,
}

impl InputScanner {
    /// Read `config.path` on a thread, sending events to `sink`, reopening it when it goes
    /// (unplugged, replugged).
    pub fn spawn(
        config: InputScannerConfig,
        sink: Sender<ScannerEvent>,
    ) -> std::io::Result<InputScanner> {
        Ok(InputScanner {
            _stop: start("scanner-input", move |stop| run_input(&config, &sink, stop))?,
        })
    }
}

fn run_input(config: &InputScannerConfig, sink: &Sender<ScannerEvent>, stop: &AtomicBool) {
    let mut dedup = Deduper::new(config.duplicate_window);
    // Said once when the device cannot be opened (missing, or not readable by the kiosk's
    // user): the heartbeat then reports the scanner lost.
    let mut lost_said = false;
    while !stop.load(Ordering::SeqCst) {
        let Ok(mut device) = std::fs::File::open(&config.path) else {
            if !std::mem::replace(&mut lost_said, true)
                && sink.send(ScannerEvent::Disconnected).is_err()
            {
                return;
            }
            std::thread::sleep(config.retry);
            continue;
        };
        lost_said = false;
        if sink.send(ScannerEvent::Connected).is_err() {
            return;
        }
        let mut keys = KeyEvents::new();
        let mut frames = FrameParser::new(Framing::default());
        let mut buf = [0u8; EVENT_BYTES * 64];
        loop {
            let n = match device.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let text = keys.feed(&buf[..n]);
            let mut parts = text.split(|&b| b == BROKEN_OFF);
            let mut ready = frames.feed(parts.next().unwrap_or_default());
            for after_pause in parts {
                // A fragment left before the pause is dropped, not glued to the next scan.
                frames = FrameParser::new(Framing::default());
                ready.extend(frames.feed(after_pause));
            }
            for f in ready {
                let ev = match f {
                    Frame::Scan(s) if dedup.accept(&s, Instant::now()) => ScannerEvent::Scan(s),
                    Frame::Scan(_) => continue,
                    Frame::Noise => ScannerEvent::Noise,
                };
                if sink.send(ev).is_err() {
                    return;
                }
            }
        }
        if sink.send(ScannerEvent::Disconnected).is_err() {
            return;
        }
        std::thread::sleep(config.retry);
    }
}

/// A key from a keyboard-wedge scanner or a keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WedgeKey {
    Char(char),
    Enter,
    Tab,
}

/// What the wedge decoder decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WedgeOut {
    /// Keep waiting.
    Pending,
    /// A scan: the keys came too fast for a person.
    Scan(String),
    /// A person typed these keys: hand them to the focused input.
    Typed(Vec<WedgeKey>),
}

/// Tells scans from typing by the time between keys. Pure: the caller passes each key's time.
#[derive(Debug, Clone)]
pub struct WedgeDecoder {
    /// Largest gap between keys of one scan.
    pub max_gap: Duration,
    /// Shortest scan.
    pub min_len: usize,
    buf: Vec<char>,
    last: Option<Duration>,
}

impl Default for WedgeDecoder {
    fn default() -> Self {
        WedgeDecoder {
            max_gap: Duration::from_millis(30),
            min_len: 8,
            buf: Vec::new(),
            last: None,
        }
    }
}

impl WedgeDecoder {
    /// A key at time `at` (any monotonic clock).
    pub fn key(&mut self, key: WedgeKey, at: Duration) -> WedgeOut {
        let gap_ok = self
            .last
            .is_none_or(|l| at.saturating_sub(l) <= self.max_gap);
        self.last = Some(at);
        if !gap_ok && !self.buf.is_empty() {
            // Too slow: what was buffered was typing.
            let typed: Vec<WedgeKey> = self.buf.drain(..).map(WedgeKey::Char).collect();
            return match key {
                WedgeKey::Char(c) => {
                    self.buf.push(c);
                    WedgeOut::Typed(typed)
                }
                other => {
                    let mut t = typed;
                    t.push(other);
                    WedgeOut::Typed(t)
                }
            };
        }
        match key {
            WedgeKey::Char(c) => {
                self.buf.push(c);
                WedgeOut::Pending
            }
            WedgeKey::Enter | WedgeKey::Tab => {
                let s: String = self.buf.drain(..).collect();
                if s.chars().count() >= self.min_len {
                    WedgeOut::Scan(s)
                } else {
                    let mut t: Vec<WedgeKey> = s.chars().map(WedgeKey::Char).collect();
                    t.push(key);
                    WedgeOut::Typed(t)
                }
            }
        }
    }

    /// Time passed with no key: a pending run is typing (a scan always ends with Enter or Tab).
    pub fn tick(&mut self, now: Duration) -> WedgeOut {
        match self.last {
            Some(l) if now.saturating_sub(l) > self.max_gap && !self.buf.is_empty() => {
                WedgeOut::Typed(self.buf.drain(..).map(WedgeKey::Char).collect())
            }
            _ => WedgeOut::Pending,
        }
    }
}

/// Linux input key codes (US layout) to characters, for scanners read as raw HID keyboards.
pub fn keycode_char(code: u16, shift: bool) -> Option<char> {
    const ROW: &[(u16, char, char)] = &[
        (2, '1', '!'),
        (3, '2', '@'),
        (4, '3', '#'),
        (5, '4', '$'),
        (6, '5', '%'),
        (7, '6', '^'),
        (8, '7', '&'),
        (9, '8', '*'),
        (10, '9', '('),
        (11, '0', ')'),
        (12, '-', '_'),
        (13, '=', '+'),
        (16, 'q', 'Q'),
        (17, 'w', 'W'),
        (18, 'e', 'E'),
        (19, 'r', 'R'),
        (20, 't', 'T'),
        (21, 'y', 'Y'),
        (22, 'u', 'U'),
        (23, 'i', 'I'),
        (24, 'o', 'O'),
        (25, 'p', 'P'),
        (26, '[', '{'),
        (27, ']', '}'),
        (30, 'a', 'A'),
        (31, 's', 'S'),
        (32, 'd', 'D'),
        (33, 'f', 'F'),
        (34, 'g', 'G'),
        (35, 'h', 'H'),
        (36, 'j', 'J'),
        (37, 'k', 'K'),
        (38, 'l', 'L'),
        (39, ';', ':'),
        (40, '\'', '"'),
        (41, '`', '~'),
        (43, '\\', '|'),
        (44, 'z', 'Z'),
        (45, 'x', 'X'),
        (46, 'c', 'C'),
        (47, 'v', 'V'),
        (48, 'b', 'B'),
        (49, 'n', 'N'),
        (50, 'm', 'M'),
        (51, ',', '<'),
        (52, '.', '>'),
        (53, '/', '?'),
        (57, ' ', ' '),
    ];
    ROW.iter()
        .find(|(c, _, _)| *c == code)
        .map(|&(_, lo, hi)| if shift { hi } else { lo })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events a scanner sends to type `text` (US layout), then Enter, at `at_s` seconds.
    fn typed(text: &str) -> Vec<u8> {
        typed_at(text, 0, true)
    }

    fn typed_at(text: &str, at_s: i64, enter: bool) -> Vec<u8> {
        let ev = |kind: u16, code: u16, value: i32| {
            let half = (EVENT_BYTES - 8) / 2;
            let mut e = Vec::new();
            if half == 8 {
                e.extend_from_slice(&at_s.to_ne_bytes());
                e.extend_from_slice(&0i64.to_ne_bytes());
            } else {
                e.extend_from_slice(&(at_s as i32).to_ne_bytes());
                e.extend_from_slice(&0i32.to_ne_bytes());
            }
            e.extend_from_slice(&kind.to_ne_bytes());
            e.extend_from_slice(&code.to_ne_bytes());
            e.extend_from_slice(&value.to_ne_bytes());
            e
        };
        let mut out = Vec::new();
        for c in text.chars() {
            let (code, shift) = (1..200)
                .find_map(|k| {
                    [false, true]
                        .into_iter()
                        .find(|&s| keycode_char(k, s) == Some(c))
                        .map(|s| (k, s))
                })
                .unwrap();
            if shift {
                out.extend(ev(EV_KEY, KEY_LEFTSHIFT, 1));
            }
            out.extend(ev(EV_KEY, code, 1));
            // A sync event between, as the kernel sends.
            out.extend(ev(0, 0, 0));
            out.extend(ev(EV_KEY, code, 0));
            if shift {
                out.extend(ev(EV_KEY, KEY_LEFTSHIFT, 0));
            }
        }
        if enter {
            out.extend(ev(EV_KEY, KEY_ENTER, 1));
            out.extend(ev(EV_KEY, KEY_ENTER, 0));
        }
        out
    }

    #[test]
    fn a_pause_longer_than_a_scan_breaks_off_what_came_before() {
        let mut keys = KeyEvents::new();
        let mut raw = typed_at("MC1:000.00", 100, false);
        raw.extend(typed_at("PA-251110-0042", 105, true));
        let text = keys.feed(&raw);
        let after: Vec<&[u8]> = text.split(|&b| b == BROKEN_OFF).collect();
        assert_eq!(after, vec![&b"MC1:000.00"[..], &b"PA-251110-0042\r"[..]]);
    }

    #[test]
    fn a_scanners_key_events_read_as_what_it_typed_however_they_are_cut() {
        let raw = typed("MC1:000.00.01.H16-251110-0001:4464:75");
        for cut in [1, 7, EVENT_BYTES, EVENT_BYTES * 3 + 5, raw.len()] {
            let mut keys = KeyEvents::new();
            let mut text = Vec::new();
            for part in raw.chunks(cut) {
                text.extend(keys.feed(part));
            }
            assert_eq!(
                text,
                b"MC1:000.00.01.H16-251110-0001:4464:75\r".to_vec(),
                "cut {cut}"
            );
        }
    }

    /// The reader through the operating system: events written into a named pipe (standing in
    /// for the device node) come out as one scan; the pipe closing is a disconnection.
    #[test]
    fn the_input_reader_sends_a_scan_from_the_device() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event-kbd");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let _reader = InputScanner::spawn(InputScannerConfig::new(&path), tx).unwrap();
        let mut w = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        std::io::Write::write_all(&mut w, &typed("PA-251110-0042")).unwrap();
        drop(w);
        let wait = Duration::from_secs(10);
        assert_eq!(rx.recv_timeout(wait).unwrap(), ScannerEvent::Connected);
        assert_eq!(
            rx.recv_timeout(wait).unwrap(),
            ScannerEvent::Scan(b"PA-251110-0042".to_vec())
        );
        assert_eq!(rx.recv_timeout(wait).unwrap(), ScannerEvent::Disconnected);
    }

    proptest::proptest! {
        /// Whatever a device gives, the decoder types ASCII or nothing, and never panics.
        #[test]
        fn any_bytes_type_ascii_or_nothing(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let mut keys = KeyEvents::new();
            let text = keys.feed(&bytes);
            proptest::prop_assert!(text.iter().all(u8::is_ascii));
            proptest::prop_assert!(keys.partial.len() < EVENT_BYTES);
        }
    }

    fn scans(framing: Framing, bytes: &[u8]) -> Vec<Frame> {
        let mut p = FrameParser::new(framing);
        let mut out = p.feed(bytes);
        out.extend(p.idle());
        out
    }

    #[test]
    fn every_suffix() {
        for (suffix, input) in [
            (Suffix::Cr, &b"ABC\rDEF\r"[..]),
            (Suffix::Lf, b"ABC\nDEF\n"),
            (Suffix::CrLf, b"ABC\r\nDEF\r\n"),
            (Suffix::Tab, b"ABC\tDEF\t"),
        ] {
            let f = scans(
                Framing {
                    suffix,
                    prefix: None,
                },
                input,
            );
            assert_eq!(
                f,
                [Frame::Scan(b"ABC".to_vec()), Frame::Scan(b"DEF".to_vec())],
                "{suffix:?}"
            );
        }
        let f = scans(
            Framing {
                suffix: Suffix::None,
                prefix: None,
            },
            b"ABC",
        );
        assert_eq!(f, [Frame::Scan(b"ABC".to_vec())]);
    }

    #[test]
    fn prefix_and_stx_etx_are_removed() {
        let f = scans(
            Framing {
                suffix: Suffix::Cr,
                prefix: Some("]Q1".into()),
            },
            b"]Q1ABC\r\x02DEF\x03",
        );
        assert_eq!(
            f,
            [Frame::Scan(b"ABC".to_vec()), Frame::Scan(b"DEF".to_vec())]
        );
    }

    #[test]
    fn noise_is_dropped_not_fatal() {
        let mut junk = vec![0xAAu8; 3000];
        junk.extend_from_slice(b"\rGOOD\r");
        let f = scans(Framing::default(), &junk);
        assert_eq!(f, [Frame::Noise, Frame::Scan(b"GOOD".to_vec())]);
        assert_eq!(scans(Framing::default(), b"half a sc"), [Frame::Noise]);
    }

    #[test]
    fn duplicates_within_the_window_are_ignored() {
        let t0 = Instant::now();
        let mut d = Deduper::new(Duration::from_millis(1500));
        assert!(d.accept(b"X", t0));
        assert!(!d.accept(b"X", t0 + Duration::from_millis(900)));
        assert!(d.accept(b"Y", t0 + Duration::from_millis(1000)));
        assert!(d.accept(b"X", t0 + Duration::from_millis(1100)));
        assert!(d.accept(b"X", t0 + Duration::from_millis(2700)));
    }

    #[test]
    fn wedge_tells_scans_from_typing() {
        let ms = Duration::from_millis;
        let mut w = WedgeDecoder::default();
        let code = "000.00.01.H16-251110-0001";
        let mut t = ms(1000);
        for c in code.chars() {
            assert_eq!(w.key(WedgeKey::Char(c), t), WedgeOut::Pending);
            t += ms(8);
        }
        assert_eq!(w.key(WedgeKey::Enter, t), WedgeOut::Scan(code.into()));
        // A person: 150 ms between keys.
        let mut t = ms(5000);
        let mut typed = Vec::new();
        for c in "0661".chars() {
            if let WedgeOut::Typed(k) = w.key(WedgeKey::Char(c), t) {
                typed.extend(k);
            }
            t += ms(150);
        }
        if let WedgeOut::Typed(k) = w.tick(t) {
            typed.extend(k);
        }
        assert_eq!(
            typed,
            "0661".chars().map(WedgeKey::Char).collect::<Vec<_>>()
        );
        // A short fast burst ending in Enter is typing too (e.g. a numeric pad).
        let mut w = WedgeDecoder::default();
        w.key(WedgeKey::Char('1'), ms(0));
        assert_eq!(
            w.key(WedgeKey::Enter, ms(5)),
            WedgeOut::Typed(vec![WedgeKey::Char('1'), WedgeKey::Enter])
        );
        assert_eq!(keycode_char(30, false), Some('a'));
        assert_eq!(keycode_char(30, true), Some('A'));
        assert_eq!(keycode_char(52, false), Some('.'));
        assert_eq!(keycode_char(999, false), None);
    }
}
