//! Getting bytes to a printer: TCP (port 9100), serial ports, USB printer-class device files and
//! plain files, each with bounded time. A [`Printer`] checks the status before a slip, reconnects
//! after the printer was unplugged or power-cycled, and fails with a typed error, never a hang.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use motcua_core::slip::Slip;
use motcua_core::{Lang, Localized};

use crate::profile::Profile;
use crate::render::{RenderError, render};
use crate::status::{PrinterStatus, REQUESTS, interpret};

/// Where the printer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `tcp://HOST:PORT` (port 9100 when omitted).
    Tcp(String),
    /// `serial:///dev/ttyUSB0?baud=9600`.
    Serial { path: PathBuf, baud: u32 },
    /// `file:///dev/usb/lp0` or any file.
    File(PathBuf),
}

/// Why printing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrinterError {
    #[error(
        "invalid printer address {0:?} (tcp://HOST:9100, serial:///dev/ttyUSB0?baud=9600, file:///dev/usb/lp0)"
    )]
    Target(String),
    #[error("cannot reach the printer: {0}")]
    Unreachable(std::io::Error),
    #[error("the printer is not ready: {0:?}")]
    NotReady(PrinterStatus),
    #[error("the printer stopped taking data: {0}")]
    Write(std::io::Error),
    #[error("the printer did not take the data in time")]
    Timeout,
    #[error(transparent)]
    Render(#[from] RenderError),
}

impl Localized for PrinterError {
    fn code(&self) -> &'static str {
        match self {
            PrinterError::Target(_) => "printer.target",
            PrinterError::Unreachable(_) => "printer.unreachable",
            PrinterError::NotReady(PrinterStatus::PaperOut) => "printer.paper_out",
            PrinterError::NotReady(PrinterStatus::CoverOpen) => "printer.cover_open",
            PrinterError::NotReady(_) => "printer.not_ready",
            PrinterError::Write(_) => "printer.write",
            PrinterError::Timeout => "printer.timeout",
            PrinterError::Render(e) => e.code(),
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PrinterError::Render(e), l) => e.message(l),
            (e, Lang::En) => format!("Printer: {e}."),
            (PrinterError::Target(t), Lang::Vi) => format!("Địa chỉ máy in “{t}” không hợp lệ."),
            (PrinterError::Unreachable(_), Lang::Vi) => "Không kết nối được máy in.".into(),
            (PrinterError::NotReady(PrinterStatus::PaperOut), Lang::Vi) => {
                "Máy in đã hết giấy. Xin vui lòng ghi lại mã của quý vị.".into()
            }
            (PrinterError::NotReady(s), Lang::Vi) => {
                format!(
                    "Máy in chưa sẵn sàng ({}). Xin vui lòng ghi lại mã của quý vị.",
                    s.label(Lang::Vi)
                )
            }
            (PrinterError::Write(_), Lang::Vi) => "Máy in ngừng nhận dữ liệu giữa chừng.".into(),
            (PrinterError::Timeout, Lang::Vi) => "Máy in không phản hồi kịp thời.".into(),
        }
    }
}

impl Target {
    pub fn parse(uri: &str) -> Result<Target, PrinterError> {
        let bad = || PrinterError::Target(uri.to_owned());
        if let Some(rest) = uri.strip_prefix("tcp://") {
            let host = rest.trim_end_matches('/');
            if host.is_empty() {
                return Err(bad());
            }
            let with_port = if host
                .rsplit_once(':')
                .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
            {
                host.to_owned()
            } else {
                format!("{host}:9100")
            };
            return Ok(Target::Tcp(with_port));
        }
        if let Some(rest) = uri.strip_prefix("serial://") {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            let mut baud = 9600;
            for kv in query.split('&').filter(|s| !s.is_empty()) {
                match kv.split_once('=') {
                    Some(("baud", v)) => baud = v.parse().map_err(|_| bad())?,
                    _ => return Err(bad()),
                }
            }
            if path.is_empty() {
                return Err(bad());
            }
            return Ok(Target::Serial {
                path: path.into(),
                baud,
            });
        }
        if let Some(path) = uri.strip_prefix("file://") {
            if path.is_empty() {
                return Err(bad());
            }
            return Ok(Target::File(path.into()));
        }
        Err(bad())
    }
}

/// How long each step may take.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub write: Duration,
    /// Waiting for one DLE EOT answer.
    pub status: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(3),
            write: Duration::from_secs(10),
            status: Duration::from_millis(500),
        }
    }
}

/// An open connection, by kind: each bounds its waits its own way.
enum Conn {
    Tcp(TcpStream),
    Serial(Box<dyn serialport::SerialPort>),
    /// A device file (or plain file): writes happen on a helper thread so that a printer that
    /// stopped taking data cannot block the caller past the write timeout.
    File(Option<std::fs::File>),
}

impl Conn {
    fn write_bounded(&mut self, bytes: &[u8], t: &Timeouts) -> std::io::Result<()> {
        match self {
            Conn::Tcp(s) => s.write_all(bytes).and_then(|_| s.flush()),
            Conn::Serial(p) => {
                // Each write must make progress within the write timeout; a slow link still
                // finishes a large slip.
                p.set_timeout(t.write).map_err(std::io::Error::other)?;
                p.write_all(bytes).and_then(|_| p.flush())
            }
            Conn::File(slot) => {
                let mut f = slot.take().ok_or_else(|| std::io::Error::other("closed"))?;
                let data = bytes.to_vec();
                let (tx, rx) = std::sync::mpsc::channel();
                std::thread::spawn(move || {
                    let r = f.write_all(&data).and_then(|_| f.flush());
                    let _ = tx.send((f, r));
                });
                match rx.recv_timeout(t.write) {
                    Ok((f, r)) => {
                        *slot = Some(f);
                        r
                    }
                    Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
                }
            }
        }
    }

    /// One status byte, or None when none comes in time.
    fn read_answer(&mut self, t: &Timeouts) -> std::io::Result<Option<u8>> {
        let mut b = [0u8; 1];
        let r = match self {
            Conn::Tcp(s) => s.read(&mut b),
            Conn::Serial(p) => {
                p.set_timeout(t.status).map_err(std::io::Error::other)?;
                p.read(&mut b)
            }
            Conn::File(_) => return Ok(None),
        };
        match r {
            Ok(1) => Ok(Some(b[0])),
            Ok(_) => Err(std::io::ErrorKind::UnexpectedEof.into()),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// A printer at a target, with a profile.
pub struct Printer {
    pub target: Target,
    pub profile: Profile,
    pub timeouts: Timeouts,
    conn: Option<Conn>,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Printer({:?}, {})", self.target, self.profile.name)
    }
}

impl Printer {
    pub fn new(target: Target, profile: Profile) -> Printer {
        Printer {
            target,
            profile,
            timeouts: Timeouts::default(),
            conn: None,
        }
    }

    fn connect(&self) -> Result<Conn, PrinterError> {
        let t = self.timeouts;
        match &self.target {
            Target::Tcp(addr) => {
                let sa = addr
                    .to_socket_addrs()
                    .map_err(PrinterError::Unreachable)?
                    .next()
                    .ok_or_else(|| PrinterError::Target(addr.clone()))?;
                let s = TcpStream::connect_timeout(&sa, t.connect)
                    .map_err(PrinterError::Unreachable)?;
                s.set_write_timeout(Some(t.write))
                    .map_err(PrinterError::Unreachable)?;
                s.set_read_timeout(Some(t.status))
                    .map_err(PrinterError::Unreachable)?;
                let _ = s.set_nodelay(true);
                Ok(Conn::Tcp(s))
            }
            Target::Serial { path, baud } => {
                // Shared, not exclusive: a technician's `motcua-printer status` may probe the
                // port while the kiosk holds it.
                let p = serialport::new(path.to_string_lossy(), *baud)
                    .timeout(t.status)
                    .exclusive(false)
                    .open()
                    .map_err(|e| PrinterError::Unreachable(std::io::Error::other(e)))?;
                Ok(Conn::Serial(p))
            }
            Target::File(path) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(PrinterError::Unreachable)?;
                Ok(Conn::File(Some(f)))
            }
        }
    }

    fn conn(&mut self) -> Result<&mut Conn, PrinterError> {
        if self.conn.is_none() {
            self.conn = Some(self.connect()?);
        }
        Ok(self.conn.as_mut().expect("just connected"))
    }

    /// Ask the printer how it is (Unknown when it does not answer in time).
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        if !self.profile.status || matches!(self.target, Target::File(_)) {
            return Ok(PrinterStatus::Unknown);
        }
        let mut answers = [None; 3];
        let t = self.timeouts;
        for (i, req) in REQUESTS.iter().enumerate() {
            let conn = self.conn()?;
            if let Err(e) = conn.write_bounded(req, &t) {
                self.conn = None;
                return Err(PrinterError::Write(e));
            }
            match conn.read_answer(&t) {
                Ok(a) => answers[i] = a,
                Err(e) => {
                    // The other end closed: unplugged or powered off.
                    self.conn = None;
                    return Err(PrinterError::Unreachable(e));
                }
            }
        }
        Ok(interpret(answers[0], answers[1], answers[2]))
    }

    /// Check the status, then send the slip. The printer status seen is returned for reporting.
    pub fn print(&mut self, slip: &Slip) -> Result<PrinterStatus, PrinterError> {
        let bytes = render(slip, &self.profile)?;
        let status = match self.status() {
            Ok(s) => s,
            // A dropped connection is retried once, fresh: the printer may have been power-cycled.
            Err(PrinterError::Write(_) | PrinterError::Unreachable(_)) => self.status()?,
            Err(e) => return Err(e),
        };
        if !status.can_print() {
            return Err(PrinterError::NotReady(status));
        }
        self.send(&bytes)?;
        Ok(status)
    }

    /// Send raw bytes.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), PrinterError> {
        let t = self.timeouts;
        let conn = self.conn()?;
        if let Err(e) = conn.write_bounded(bytes, &t) {
            self.conn = None;
            return Err(match e.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                    PrinterError::Timeout
                }
                _ => PrinterError::Write(e),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            Target::parse("tcp://10.0.0.5").unwrap(),
            Target::Tcp("10.0.0.5:9100".into())
        );
        assert_eq!(
            Target::parse("tcp://printer:9101").unwrap(),
            Target::Tcp("printer:9101".into())
        );
        assert_eq!(
            Target::parse("serial:///dev/ttyUSB0?baud=19200").unwrap(),
            Target::Serial {
                path: "/dev/ttyUSB0".into(),
                baud: 19200
            }
        );
        assert_eq!(
            Target::parse("file:///dev/usb/lp0").unwrap(),
            Target::File("/dev/usb/lp0".into())
        );
        for bad in [
            "",
            "lp0",
            "tcp://",
            "serial:///dev/x?baud=fast",
            "file://",
            "serial://?baud=9600",
        ] {
            assert!(
                matches!(Target::parse(bad), Err(PrinterError::Target(_))),
                "{bad}"
            );
        }
    }
}
