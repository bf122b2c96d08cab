//! A decoder of ESC/POS byte streams: every command the renderer emits, and a safe skip over
//! the rest. Used by the simulated printer; works on a stream that arrives in pieces.

/// Largest raster band or QR store accepted; past it the stream is refused.
pub const MAX_DATA: usize = 4 * 1024 * 1024;
/// Longest run of text decoded as one command.
pub const MAX_TEXT_RUN: usize = 4096;

/// A decoded command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    Init,
    /// Printable bytes up to the next control byte.
    Text(Vec<u8>),
    Newline,
    Bold(bool),
    Align(u8),
    /// GS ! n: width and height multipliers.
    Size(u8),
    /// ESC d n: feed n lines.
    Feed(u8),
    /// ESC J n: feed n dots.
    FeedDots(u8),
    CodeTable(u8),
    Raster {
        /// GS v 0 mode: bit 0 doubles the width, bit 1 the height.
        mode: u8,
        width_bytes: usize,
        height: usize,
        data: Vec<u8>,
    },
    QrModel(u8),
    QrModule(u8),
    QrEc(u8),
    QrStore(Vec<u8>),
    QrPrint,
    Cut,
    /// DLE EOT n: a status request to answer at once.
    Status(u8),
    /// A command this decoder does not draw, skipped whole.
    Skipped(Vec<u8>),
}

/// Why a stream was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("a command declares {0} bytes of data, more than {MAX_DATA}")]
    TooLarge(usize),
}

/// An incremental decoder.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

enum Step {
    /// A command of this many bytes.
    Done(Cmd, usize),
    /// More bytes are needed.
    More,
}

fn need(b: &[u8], n: usize) -> Option<&[u8]> {
    (b.len() >= n).then(|| &b[..n])
}

fn parse(b: &[u8]) -> Result<Step, DecodeError> {
    use Step::*;
    let Some(&first) = b.first() else {
        return Ok(More);
    };
    Ok(match first {
        0x1b => {
            let Some(&c) = b.get(1) else { return Ok(More) };
            let args = match c {
                b'@' | b'2' => 0,
                b'p' => 3,
                b'*' => {
                    // ESC * m nL nH d1..dk: bit image, k = n (×3 for 24-dot modes).
                    let Some(h) = need(b, 5) else { return Ok(More) };
                    let n = h[3] as usize + 256 * h[4] as usize;
                    let k = if h[2] >= 32 { n * 3 } else { n };
                    return Ok(match need(b, 5 + k) {
                        Some(all) => Done(Cmd::Skipped(all.to_vec()), 5 + k),
                        None => More,
                    });
                }
                _ => 1,
            };
            let Some(all) = need(b, 2 + args) else {
                return Ok(More);
            };
            let arg = all.get(2).copied().unwrap_or(0);
            let cmd = match c {
                b'@' => Cmd::Init,
                b'E' => Cmd::Bold(arg & 1 == 1),
                b'a' => Cmd::Align(arg.min(2) % 48),
                b'd' => Cmd::Feed(arg),
                b'J' => Cmd::FeedDots(arg),
                b't' => Cmd::CodeTable(arg),
                _ => Cmd::Skipped(all.to_vec()),
            };
            Done(cmd, 2 + args)
        }
        0x1d => {
            let Some(&c) = b.get(1) else { return Ok(More) };
            match c {
                b'v' => {
                    let Some(h) = need(b, 8) else { return Ok(More) };
                    let wb = h[4] as usize + 256 * h[5] as usize;
                    let rows = h[6] as usize + 256 * h[7] as usize;
                    let len = wb * rows;
                    if len > MAX_DATA {
                        return Err(DecodeError::TooLarge(len));
                    }
                    match need(b, 8 + len) {
                        Some(all) => Done(
                            Cmd::Raster {
                                mode: h[3] & 3,
                                width_bytes: wb,
                                height: rows,
                                data: all[8..].to_vec(),
                            },
                            8 + len,
                        ),
                        None => More,
                    }
                }
                b'(' => {
                    let Some(h) = need(b, 5) else { return Ok(More) };
                    let len = h[3] as usize + 256 * h[4] as usize;
                    let Some(all) = need(b, 5 + len) else {
                        return Ok(More);
                    };
                    let body = &all[5..];
                    let cmd = if h[2] == b'k' && body.len() >= 3 && body[0] == 49 {
                        match body[1] {
                            65 => Cmd::QrModel(body[2]),
                            67 => Cmd::QrModule(body[2]),
                            69 => Cmd::QrEc(body[2]),
                            80 => Cmd::QrStore(body[3.min(body.len())..].to_vec()),
                            81 => Cmd::QrPrint,
                            _ => Cmd::Skipped(all.to_vec()),
                        }
                    } else {
                        Cmd::Skipped(all.to_vec())
                    };
                    Done(cmd, 5 + len)
                }
                b'V' => {
                    let Some(h) = need(b, 3) else { return Ok(More) };
                    let n = if h[2] == 65 || h[2] == 66 { 4 } else { 3 };
                    match need(b, n) {
                        Some(_) => Done(Cmd::Cut, n),
                        None => More,
                    }
                }
                b'!' => match need(b, 3) {
                    Some(h) => Done(Cmd::Size(h[2]), 3),
                    None => More,
                },
                _ => match need(b, 3) {
                    Some(h) => Done(Cmd::Skipped(h.to_vec()), 3),
                    None => More,
                },
            }
        }
        0x10 => {
            let Some(h) = need(b, 3) else { return Ok(More) };
            if h[1] == 0x04 {
                Done(Cmd::Status(h[2]), 3)
            } else {
                Done(Cmd::Skipped(h.to_vec()), 3)
            }
        }
        b'\n' => Done(Cmd::Newline, 1),
        c if c < 0x20 || c == 0x7f => Done(Cmd::Skipped(vec![c]), 1),
        _ => {
            // Text runs end at a control byte; a run still open waits for more (up to a cap),
            // so that how the stream was split never changes what is decoded.
            match b
                .iter()
                .take(MAX_TEXT_RUN)
                .position(|&c| c < 0x20 || c == 0x7f)
            {
                Some(end) => Done(Cmd::Text(b[..end].to_vec()), end),
                None if b.len() >= MAX_TEXT_RUN => {
                    Done(Cmd::Text(b[..MAX_TEXT_RUN].to_vec()), MAX_TEXT_RUN)
                }
                None => More,
            }
        }
    })
}

impl Decoder {
    /// Add bytes; every command now complete. An error means the stream is unusable.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<Cmd>, DecodeError> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut at = 0;
        while at < self.buf.len() {
            match parse(&self.buf[at..]) {
                Ok(Step::Done(cmd, n)) => {
                    out.push(cmd);
                    at += n;
                }
                Ok(Step::More) => break,
                Err(e) => {
                    self.buf.clear();
                    return Err(e);
                }
            }
        }
        self.buf.drain(..at);
        Ok(out)
    }

    /// Bytes of an unfinished command still waiting.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_across_reads() {
        let bytes = [
            0x1b, b'@', b'H', b'i', b'\n', 0x1d, b'v', b'0', 0, 1, 0, 2, 0, 0xff, 0x0f, 0x10, 0x04,
            0x04, 0x1d, b'V', 1,
        ];
        let mut whole = Decoder::default();
        let all = whole.feed(&bytes).unwrap();
        let mut parts = Decoder::default();
        let mut got = Vec::new();
        for b in bytes {
            got.extend(parts.feed(&[b]).unwrap());
        }
        assert_eq!(all, got);
        assert_eq!(
            all,
            [
                Cmd::Init,
                Cmd::Text(b"Hi".to_vec()),
                Cmd::Newline,
                Cmd::Raster {
                    mode: 0,
                    width_bytes: 1,
                    height: 2,
                    data: vec![0xff, 0x0f]
                },
                Cmd::Status(4),
                Cmd::Cut
            ]
        );
    }

    #[test]
    fn absurd_sizes_are_refused() {
        let mut d = Decoder::default();
        let e = d
            .feed(&[0x1d, b'v', b'0', 0, 0xff, 0xff, 0xff, 0xff])
            .unwrap_err();
        assert!(matches!(e, DecodeError::TooLarge(_)));
        assert_eq!(d.pending(), 0);
    }
}
