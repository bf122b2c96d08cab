//! The simulated printer: accepts ESC/POS on TCP (or any byte stream, such as a serial
//! pseudo-terminal), answers DLE EOT, and writes each slip as a PNG image and a text transcript
//! (printer text, QR contents — native ones from the command, drawn ones read back from the
//! image). It can be told to report paper near end, paper out or cover open; while out of paper
//! or open it prints nothing, like a real printer.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use motcua_core::slip::{Align, TextSize};

use crate::escpos::{Cmd, Decoder};
use crate::profile::QrEc;
use crate::render::{Canvas, draw_paragraph, draw_qr};
use crate::status::{PrinterStatus, answers};

/// Quiet time after which a slip without a cut is considered printed.
pub const IDLE: Duration = Duration::from_millis(400);

/// What a slip held, as the simulator understood it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Printer-font text lines (text mode).
    pub texts: Vec<String>,
    /// Payloads of QR codes the printer was asked to draw (GS ( k).
    pub qr: Vec<String>,
    /// Payloads of QR codes read back from the image.
    pub qr_in_image: Vec<String>,
    /// Rows of raster image received.
    pub raster_rows: usize,
    pub cut: bool,
}

impl Transcript {
    fn render(&self, n: u32) -> String {
        let mut s = format!("# slip {n:04}\n");
        for t in &self.texts {
            s.push_str(&format!("text: {t}\n"));
        }
        for q in &self.qr {
            s.push_str(&format!("qr: {q}\n"));
        }
        for q in &self.qr_in_image {
            s.push_str(&format!("qr-image: {q}\n"));
        }
        s.push_str(&format!("raster-rows: {}\n", self.raster_rows));
        if self.cut {
            s.push_str("cut\n");
        }
        s
    }
}

/// A finished slip.
#[derive(Debug, Clone)]
pub struct SlipOut {
    pub number: u32,
    pub png: PathBuf,
    pub transcript_file: PathBuf,
    pub transcript: Transcript,
}

struct Inner {
    out_dir: PathBuf,
    dots: usize,
    status: Mutex<PrinterStatus>,
    counter: AtomicU32,
    slips: Mutex<Vec<SlipOut>>,
    arrived: Condvar,
    /// While set, the printer takes nothing and answers nothing (a jammed mechanism, a
    /// printer hung in its firmware): what a kiosk must survive without freezing.
    stalled: Mutex<bool>,
    unstalled: Condvar,
}

#[derive(Debug, Default)]
struct ListenState {
    stopped: std::sync::atomic::AtomicBool,
    open: Mutex<Vec<std::net::TcpStream>>,
}

/// A listening simulator. Stopping it is pulling the printer's plug: the port closes and every
/// open connection drops.
#[derive(Debug)]
pub struct Listening {
    pub addr: SocketAddr,
    state: Arc<ListenState>,
}

impl Listening {
    pub fn stop(&self) {
        if self.state.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        for c in self.state.open.lock().expect("sim connections").drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
        // Wake the accept loop so that it sees the flag and closes the port.
        let _ = std::net::TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A simulated printer; clones share the same device.
#[derive(Clone)]
pub struct SimPrinter {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SimPrinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimPrinter({})", self.inner.out_dir.display())
    }
}

struct Page {
    canvas: Canvas,
    transcript: Transcript,
    /// Text bytes with the code table each was sent in.
    line: Vec<(u8, u8)>,
    bold: bool,
    align: Align,
    size: TextSize,
    qr_data: Option<Vec<u8>>,
    qr_ec: QrEc,
    code_table: u8,
}

impl Page {
    fn new(dots: usize) -> Page {
        Page {
            canvas: Canvas::new(dots),
            transcript: Transcript::default(),
            line: Vec::new(),
            bold: false,
            align: Align::Left,
            size: TextSize::Normal,
            qr_data: None,
            qr_ec: QrEc::M,
            code_table: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.canvas.height == 0 && self.line.is_empty() && self.transcript == Transcript::default()
    }

    fn end_line(&mut self) {
        // Printer fonts are 8-bit: TCVN-3 pages are decoded as a printer with them would print
        // them, anything else as Latin-1.
        let text: String = std::mem::take(&mut self.line)
            .into_iter()
            .map(|(b, page)| match page {
                crate::tcvn3::LOWER | crate::tcvn3::UPPER => crate::tcvn3::decode_byte(b, page),
                _ => char::from(b),
            })
            .collect();
        if !text.trim().is_empty() {
            draw_paragraph(&mut self.canvas, &text, self.size, self.bold, self.align);
            self.transcript.texts.push(text);
        } else {
            self.canvas.grow(30);
        }
    }
}

impl SimPrinter {
    /// A simulator writing slips into `out_dir`, for paper `dots` wide.
    pub fn new(out_dir: &Path, dots: usize) -> std::io::Result<SimPrinter> {
        std::fs::create_dir_all(out_dir)?;
        Ok(SimPrinter {
            inner: Arc::new(Inner {
                out_dir: out_dir.to_owned(),
                dots,
                status: Mutex::new(PrinterStatus::Online),
                counter: AtomicU32::new(0),
                slips: Mutex::new(Vec::new()),
                arrived: Condvar::new(),
                stalled: Mutex::new(false),
                unstalled: Condvar::new(),
            }),
        })
    }

    /// Listen on `addr` (port 0 picks one) and serve every connection on its own thread until
    /// the returned handle is stopped (or dropped).
    pub fn listen(&self, addr: &str) -> std::io::Result<Listening> {
        let listener = TcpListener::bind(addr)?;
        let local = listener.local_addr()?;
        let state = Arc::new(ListenState::default());
        let (me, st) = (self.clone(), state.clone());
        std::thread::Builder::new()
            .name("printer-sim".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    if st.stopped.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(c) = stream.try_clone() {
                        st.open.lock().expect("sim connections").push(c);
                    }
                    let me = me.clone();
                    std::thread::spawn(move || {
                        let _ = stream.set_nodelay(true);
                        let _ = stream.set_read_timeout(Some(IDLE));
                        me.serve(stream);
                    });
                }
            })?;
        Ok(Listening { addr: local, state })
    }

    /// Stall the printer (it reads and answers nothing) or let it go on.
    pub fn set_stalled(&self, stalled: bool) {
        *self.inner.stalled.lock().unwrap_or_else(|p| p.into_inner()) = stalled;
        self.inner.unstalled.notify_all();
    }

    /// Wait while the printer is stalled.
    fn wait_unstalled(&self) {
        // A poisoned lock still holds the flag: the simulator goes on.
        let guard = self.inner.stalled.lock().unwrap_or_else(|p| p.into_inner());
        let _unstalled = self
            .inner
            .unstalled
            .wait_while(guard, |stalled| *stalled)
            .unwrap_or_else(|p| p.into_inner());
    }

    /// What the printer reports from now on.
    pub fn set_status(&self, s: PrinterStatus) {
        *self.inner.status.lock().expect("sim status") = s;
    }

    pub fn status(&self) -> PrinterStatus {
        *self.inner.status.lock().expect("sim status")
    }

    /// Every slip printed so far.
    pub fn slips(&self) -> Vec<SlipOut> {
        self.inner.slips.lock().expect("sim slips").clone()
    }

    /// Wait until at least `n` slips have been printed, or `timeout` passes.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<SlipOut> {
        let guard = self.inner.slips.lock().expect("sim slips");
        let (guard, _) = self
            .inner
            .arrived
            .wait_timeout_while(guard, timeout, |s| s.len() < n)
            .expect("sim slips");
        guard.clone()
    }

    /// Serve one byte stream until it closes.
    pub fn serve<S: Read + Write>(&self, mut stream: S) {
        let mut decoder = Decoder::default();
        let mut page = Page::new(self.inner.dots);
        let mut buf = [0u8; 16 * 1024];
        loop {
            self.wait_unstalled();
            let n = match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e)
                    if e.kind() == std::io::ErrorKind::TimedOut
                        || e.kind() == std::io::ErrorKind::WouldBlock =>
                {
                    // The host went quiet: a slip without a cut (printers without a cutter)
                    // is done.
                    if !page.is_empty() {
                        let done = std::mem::replace(&mut page, Page::new(self.inner.dots));
                        self.finish(done);
                    }
                    continue;
                }
                Err(_) => break,
            };
            let cmds = match decoder.feed(&buf[..n]) {
                Ok(c) => c,
                Err(_) => break,
            };
            for cmd in cmds {
                if let Cmd::Status(n) = cmd {
                    let a = answers(self.status());
                    let byte = match n {
                        1 => a[0],
                        2 => a[1],
                        4 => a[2],
                        _ => 0x12,
                    };
                    if stream
                        .write_all(&[byte])
                        .and_then(|_| stream.flush())
                        .is_err()
                    {
                        return;
                    }
                    continue;
                }
                if !self.status().can_print() {
                    continue;
                }
                self.apply(&mut page, cmd);
            }
        }
        if !page.is_empty() {
            self.finish(page);
        }
    }

    fn apply(&self, page: &mut Page, cmd: Cmd) {
        match cmd {
            Cmd::Init => {
                page.code_table = 0;
                page.bold = false;
                page.align = Align::Left;
                page.size = TextSize::Normal;
            }
            Cmd::Text(t) => {
                let table = page.code_table;
                page.line.extend(t.into_iter().map(|b| (b, table)));
            }
            Cmd::CodeTable(n) => page.code_table = n,
            Cmd::Newline => page.end_line(),
            Cmd::Bold(b) => page.bold = b,
            Cmd::Align(a) => {
                page.align = match a {
                    1 => Align::Center,
                    2 => Align::Right,
                    _ => Align::Left,
                }
            }
            Cmd::Size(n) => {
                page.size = match n {
                    0 => TextSize::Normal,
                    0x11 => TextSize::Large,
                    _ => TextSize::Huge,
                }
            }
            Cmd::Feed(n) => {
                if !page.line.is_empty() {
                    page.end_line();
                }
                page.canvas.grow(n as usize * 30);
            }
            Cmd::FeedDots(n) => {
                if !page.line.is_empty() {
                    page.end_line();
                }
                page.canvas.grow(n as usize);
            }
            Cmd::Raster {
                mode,
                width_bytes,
                height,
                data,
            } => {
                let (sx, sy) = (1 + (mode & 1) as usize, 1 + ((mode >> 1) & 1) as usize);
                let top = page.canvas.height;
                page.canvas.grow(height * sy);
                for y in 0..height {
                    for x in 0..(width_bytes * 8).min(page.canvas.width.div_ceil(sx)) {
                        if data[y * width_bytes + x / 8] & (0x80 >> (x % 8)) != 0 {
                            for dy in 0..sy {
                                for dx in 0..sx {
                                    page.canvas
                                        .set((x * sx + dx) as i64, (top + y * sy + dy) as i64);
                                }
                            }
                        }
                    }
                }
                page.transcript.raster_rows += height * sy;
            }
            Cmd::QrEc(e) => {
                page.qr_ec = match e {
                    48 => QrEc::L,
                    50 => QrEc::Q,
                    51 => QrEc::H,
                    _ => QrEc::M,
                }
            }
            Cmd::QrStore(d) => page.qr_data = Some(d),
            Cmd::QrPrint => {
                if let Some(d) = page.qr_data.take() {
                    let text = String::from_utf8_lossy(&d).into_owned();
                    if draw_qr(&mut page.canvas, &text, page.qr_ec).is_ok() {
                        page.transcript.qr.push(text);
                    }
                }
            }
            Cmd::Cut => {
                if !page.line.is_empty() {
                    page.end_line();
                }
                page.transcript.cut = true;
                let done = std::mem::replace(page, Page::new(self.inner.dots));
                self.finish(done);
            }
            Cmd::QrModel(_) | Cmd::QrModule(_) | Cmd::Status(_) | Cmd::Skipped(_) => {}
        }
    }

    fn finish(&self, mut page: Page) {
        if !page.line.is_empty() {
            page.end_line();
        }
        let n = self.inner.counter.fetch_add(1, Ordering::SeqCst) + 1;
        // Writing the image and reading its QR back take a while; a real printer keeps
        // answering status requests meanwhile, so this happens off the connection's thread.
        let inner = self.inner.clone();
        std::thread::spawn(move || {
            page.transcript.qr_in_image = read_qr(&page.canvas);
            let png = inner.out_dir.join(format!("slip-{n:04}.png"));
            let txt = inner.out_dir.join(format!("slip-{n:04}.txt"));
            if let Err(e) = write_png(&page.canvas, &png) {
                eprintln!("printer simulator: cannot write {}: {e}", png.display());
            }
            let _ = std::fs::write(&txt, page.transcript.render(n));
            let out = SlipOut {
                number: n,
                png,
                transcript_file: txt,
                transcript: page.transcript,
            };
            let mut slips = inner.slips.lock().expect("sim slips");
            slips.push(out);
            slips.sort_by_key(|s| s.number);
            inner.arrived.notify_all();
        });
    }
}

/// Grey levels of a canvas: black dots on white paper.
pub fn grey(canvas: &Canvas) -> Vec<u8> {
    canvas
        .dots
        .iter()
        .map(|&d| if d != 0 { 0 } else { 255 })
        .collect()
}

/// Write a canvas as an 8-bit greyscale PNG (a blank slip is one white row).
pub fn write_png(canvas: &Canvas, path: &Path) -> std::io::Result<()> {
    let h = canvas.height.max(1);
    let mut pixels = grey(canvas);
    pixels.resize(canvas.width * h, 255);
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut enc = png::Encoder::new(file, canvas.width as u32, h as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(std::io::Error::other)?;
    w.write_image_data(&pixels).map_err(std::io::Error::other)?;
    Ok(())
}

/// Read a greyscale PNG back: width, height, pixels.
pub fn read_png(path: &Path) -> std::io::Result<(usize, usize, Vec<u8>)> {
    let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path)?));
    let mut reader = dec.read_info().map_err(std::io::Error::other)?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader.next_frame(&mut buf).map_err(std::io::Error::other)?;
    buf.truncate(info.buffer_size());
    Ok((info.width as usize, info.height as usize, buf))
}

/// Every QR code found in a greyscale image.
pub fn read_qr_grey(width: usize, height: usize, pixels: &[u8]) -> Vec<String> {
    if width == 0 || height == 0 {
        return Vec::new();
    }
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}

fn read_qr(canvas: &Canvas) -> Vec<String> {
    read_qr_grey(canvas.width, canvas.height, &grey(canvas))
}

/// A simulated serial scanner: a pseudo-terminal whose other end a scanner reader opens by path.
pub struct SimScanner {
    master: serialport::TTYPort,
    // Kept open so that the terminal exists until the simulator is dropped ("unplugged").
    _slave: serialport::TTYPort,
    path: String,
    suffix: crate::scanner::Suffix,
    prefix: String,
}

impl std::fmt::Debug for SimScanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimScanner({})", self.path)
    }
}

impl SimScanner {
    /// Open a pseudo-terminal pair; the scanner appends `suffix` and prepends `prefix`.
    pub fn open(suffix: crate::scanner::Suffix, prefix: &str) -> std::io::Result<SimScanner> {
        use serialport::SerialPort;
        let (master, mut slave) = serialport::TTYPort::pair().map_err(std::io::Error::other)?;
        slave.set_exclusive(false).map_err(std::io::Error::other)?;
        let path = slave
            .name()
            .ok_or_else(|| std::io::Error::other("the pseudo-terminal has no path"))?;
        Ok(SimScanner {
            master,
            _slave: slave,
            path,
            suffix,
            prefix: prefix.to_owned(),
        })
    }

    /// The path to give the kiosk.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Type one scan, framed like the real device.
    pub fn scan(&mut self, payload: &str) -> std::io::Result<()> {
        let mut bytes = self.prefix.as_bytes().to_vec();
        bytes.extend_from_slice(payload.as_bytes());
        bytes.extend_from_slice(self.suffix.bytes());
        self.send_raw(&bytes)
    }

    /// Send bytes as they are (noise, broken frames).
    pub fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.master.write_all(bytes)?;
        self.master.flush()
    }
}
