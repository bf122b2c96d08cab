//! Render a core [`Slip`] to ESC/POS bytes for a printer profile.
//!
//! Raster mode lays the text out with an embedded DejaVu Sans (full Vietnamese coverage, NFC
//! first), wraps it to the paper, and sends 1-bit images (GS v 0) in bands of bounded height.
//! QR codes are drawn by the printer (GS ( k, always Model 2) when the profile allows, else drawn
//! into the image. ASCII mode sends printer text with the marks removed.
//!
//! The bytes are written here rather than through the `escpos` crate: a slip must become one
//! buffer that any transport can send, bands must be sized per profile, and DLE EOT and QR Model 2
//! must be exactly the bytes documented by Epson — all simpler to own than to work around.

use std::collections::HashMap;
use std::sync::OnceLock;

use fontdue::{Font, FontSettings};
use motcua_core::slip::{Align, Element, Slip, TextSize};
use unicode_normalization::UnicodeNormalization;

use crate::profile::{Profile, QrEc, TextMode};

pub const ESC: u8 = 0x1b;
pub const GS: u8 = 0x1d;
pub const DLE: u8 = 0x10;
pub const EOT: u8 = 0x04;

/// Longest QR payload accepted (bytes); receipts need far less.
pub const MAX_QR_BYTES: usize = 700;

/// Why a slip could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    #[error("the QR payload is {0} bytes; at most {MAX_QR_BYTES} fit a receipt")]
    QrTooLong(usize),
    #[error("the QR payload cannot be encoded: {0}")]
    Qr(String),
}

impl motcua_core::Localized for RenderError {
    fn code(&self) -> &'static str {
        match self {
            RenderError::QrTooLong(_) => "printer.qr_too_long",
            RenderError::Qr(_) => "printer.qr",
        }
    }

    fn message(&self, lang: motcua_core::Lang) -> String {
        match lang {
            motcua_core::Lang::En => format!("Printing: {self}."),
            motcua_core::Lang::Vi => match self {
                RenderError::QrTooLong(n) => {
                    format!("Nội dung mã QR dài {n} byte, vượt quá {MAX_QR_BYTES} byte in được.")
                }
                RenderError::Qr(e) => format!("Không tạo được mã QR: {e}"),
            },
        }
    }
}

fn fonts() -> &'static (Font, Font) {
    static FONTS: OnceLock<(Font, Font)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let load = |bytes: &[u8]| {
            Font::from_bytes(bytes, FontSettings::default()).expect("the embedded font loads")
        };
        (load(dejavu::sans::regular()), load(dejavu::sans::bold()))
    })
}

/// Pixel height of each text size at 203 dpi.
pub fn px(size: TextSize) -> f32 {
    match size {
        TextSize::Small => 20.0,
        TextSize::Normal => 24.0,
        TextSize::Large => 32.0,
        TextSize::Huge => 96.0,
    }
}

/// A 1-bit image being drawn, one byte per dot while drawing.
#[derive(Debug, Clone)]
pub struct Canvas {
    pub width: usize,
    pub height: usize,
    pub dots: Vec<u8>,
}

impl Canvas {
    pub fn new(width: usize) -> Self {
        Canvas {
            width,
            height: 0,
            dots: Vec::new(),
        }
    }

    pub fn grow(&mut self, rows: usize) {
        self.height += rows;
        self.dots.resize(self.width * self.height, 0);
    }

    pub fn set(&mut self, x: i64, y: i64) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            self.dots[y as usize * self.width + x as usize] = 1;
        }
    }

    pub fn get(&self, x: usize, y: usize) -> bool {
        self.dots[y * self.width + x] != 0
    }

    /// Rows `from..to` packed 8 dots a byte, most significant bit first (GS v 0 order).
    pub fn packed(&self, from: usize, to: usize) -> Vec<u8> {
        let wb = self.width.div_ceil(8);
        let mut out = vec![0u8; wb * (to - from)];
        for y in from..to {
            for x in 0..self.width {
                if self.get(x, y) {
                    out[(y - from) * wb + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        out
    }
}

struct Word {
    text: String,
    bold: bool,
    width: f32,
}

type GlyphCache = HashMap<(char, bool, u32), (fontdue::Metrics, Vec<u8>)>;

fn advance(c: char, bold: bool, size: f32) -> f32 {
    let (r, b) = fonts();
    let f = if bold { b } else { r };
    f.metrics(c, size).advance_width
}

/// Split styled runs into words no wider than `width` (long words break between letters).
fn words(runs: &[(String, bool)], size: f32, width: f32) -> Vec<Word> {
    let mut out = Vec::new();
    for (text, bold) in runs {
        for w in text.split(' ').filter(|w| !w.is_empty()) {
            let mut cur = String::new();
            let mut cur_w = 0.0;
            for c in w.chars() {
                let a = advance(c, *bold, size);
                if cur_w + a > width && !cur.is_empty() {
                    out.push(Word {
                        text: std::mem::take(&mut cur),
                        bold: *bold,
                        width: cur_w,
                    });
                    cur_w = 0.0;
                }
                cur.push(c);
                cur_w += a;
            }
            if !cur.is_empty() {
                out.push(Word {
                    text: cur,
                    bold: *bold,
                    width: cur_w,
                });
            }
        }
    }
    out
}

fn draw_text(
    canvas: &mut Canvas,
    cache: &mut GlyphCache,
    runs: &[(String, bool)],
    size: TextSize,
    align: Align,
) {
    let px = px(size);
    let (regular, bold_font) = fonts();
    let width = canvas.width as f32;
    let space = advance(' ', false, px);
    let ascent = regular
        .horizontal_line_metrics(px)
        .map_or(px * 0.8, |m| m.ascent);
    let line_h = (px * 1.3).ceil() as usize;
    let ws = words(runs, px, width);
    let mut lines: Vec<Vec<&Word>> = vec![Vec::new()];
    let mut line_w = 0.0;
    for w in &ws {
        let cur = lines.last_mut().expect("a line");
        let extra = if cur.is_empty() { 0.0 } else { space };
        if !cur.is_empty() && line_w + extra + w.width > width {
            lines.push(vec![w]);
            line_w = w.width;
        } else {
            cur.push(w);
            line_w += extra + w.width;
        }
    }
    for line in lines {
        let total: f32 =
            line.iter().map(|w| w.width).sum::<f32>() + space * line.len().saturating_sub(1) as f32;
        let mut pen = match align {
            Align::Left => 0.0,
            Align::Center => ((width - total) / 2.0).max(0.0),
            Align::Right => (width - total).max(0.0),
        };
        let top = canvas.height;
        canvas.grow(line_h);
        let baseline = top as f32 + ascent + (line_h as f32 - px) / 2.0;
        for w in line {
            let font = if w.bold { bold_font } else { regular };
            for c in w.text.chars() {
                let (m, bitmap) = cache
                    .entry((c, w.bold, px as u32))
                    .or_insert_with(|| font.rasterize(c, px));
                let gx = (pen + m.xmin as f32).round() as i64;
                let gy = (baseline - m.height as f32 - m.ymin as f32).round() as i64;
                for row in 0..m.height {
                    for col in 0..m.width {
                        if bitmap[row * m.width + col] >= 110 {
                            canvas.set(gx + col as i64, gy + row as i64);
                        }
                    }
                }
                pen += m.advance_width;
            }
            pen += space;
        }
    }
}

/// Draw one paragraph of plain text (the simulator draws printer text with it).
pub fn draw_paragraph(canvas: &mut Canvas, text: &str, size: TextSize, bold: bool, align: Align) {
    let mut cache = GlyphCache::new();
    let text: String = text.nfc().collect();
    draw_text(canvas, &mut cache, &[(text, bold)], size, align);
}

/// The modules of a QR code of `payload`, row by row (dark = true), and its width.
pub fn qr_matrix(payload: &str, ec: QrEc) -> Result<(usize, Vec<bool>), RenderError> {
    if payload.len() > MAX_QR_BYTES {
        return Err(RenderError::QrTooLong(payload.len()));
    }
    let level = match ec {
        QrEc::L => qrcode::EcLevel::L,
        QrEc::M => qrcode::EcLevel::M,
        QrEc::Q => qrcode::EcLevel::Q,
        QrEc::H => qrcode::EcLevel::H,
    };
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), level)
        .map_err(|e| RenderError::Qr(e.to_string()))?;
    let n = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok((n, dark))
}

/// Draw a QR code centred, with its quiet zone, about half the paper wide.
pub fn draw_qr(canvas: &mut Canvas, payload: &str, ec: QrEc) -> Result<(), RenderError> {
    let n = qr_matrix(payload, ec)?.0;
    // Modules of 4 dots (0.5 mm at 203 dpi, more than the 3 dots printers use by default) scan
    // well and keep the image small; large payloads get 3.
    let scale = ((canvas.width / 2) / (n + 8)).clamp(3, 4);
    draw_qr_scaled(canvas, payload, ec, scale)
}

/// Draw a QR code centred with modules of `scale` dots.
pub fn draw_qr_scaled(
    canvas: &mut Canvas,
    payload: &str,
    ec: QrEc,
    scale: usize,
) -> Result<(), RenderError> {
    let (n, dark) = qr_matrix(payload, ec)?;
    let side = (n + 8) * scale;
    let left = (canvas.width.saturating_sub(side) / 2) as i64;
    let top = canvas.height as i64;
    canvas.grow(side);
    for (i, d) in dark.iter().enumerate() {
        if *d {
            let (mx, my) = ((i % n + 4) * scale, (i / n + 4) * scale);
            for dy in 0..scale {
                for dx in 0..scale {
                    canvas.set(left + (mx + dx) as i64, top + (my + dy) as i64);
                }
            }
        }
    }
    Ok(())
}

/// GS ( k: select Model 2, module size, error correction, store, print.
pub fn native_qr(
    out: &mut Vec<u8>,
    payload: &str,
    ec: QrEc,
    module: u8,
) -> Result<(), RenderError> {
    if payload.len() > MAX_QR_BYTES {
        return Err(RenderError::QrTooLong(payload.len()));
    }
    let ec = match ec {
        QrEc::L => 48,
        QrEc::M => 49,
        QrEc::Q => 50,
        QrEc::H => 51,
    };
    out.extend_from_slice(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 67, module]);
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 69, ec]);
    let len = payload.len() + 3;
    out.extend_from_slice(&[
        GS,
        b'(',
        b'k',
        (len % 256) as u8,
        (len / 256) as u8,
        49,
        80,
        48,
    ]);
    out.extend_from_slice(payload.as_bytes());
    out.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 81, 48]);
    Ok(())
}

/// Send `canvas` as GS v 0 bands of at most `band` rows, then clear it. Blank rows become paper
/// feeds (ESC J) and each band is only as wide as its rightmost ink: about half the bytes of a
/// plain full-width image, which matters on serial printers.
fn flush(out: &mut Vec<u8>, canvas: &mut Canvas, band: usize) {
    flush_scaled(out, canvas, band, 0);
}

/// [`flush`] with GS v 0 mode `m`: 0 normal, 3 every dot printed 2 × 2 (a quarter of the bytes
/// for images drawn at even sizes, such as QR modules).
fn flush_scaled(out: &mut Vec<u8>, canvas: &mut Canvas, band: usize, m: u8) {
    let full = canvas.width.div_ceil(8);
    // Bytes of ink per row: 0 for a blank row.
    let ink: Vec<usize> = (0..canvas.height)
        .map(|y| {
            let row = &canvas.dots[y * canvas.width..(y + 1) * canvas.width];
            row.iter().rposition(|&d| d != 0).map_or(0, |x| x / 8 + 1)
        })
        .collect();
    let mut y = 0;
    while y < canvas.height {
        if ink[y] == 0 {
            let blank = ink[y..].iter().take_while(|&&w| w == 0).count().min(127);
            let dots = if m & 2 != 0 { blank * 2 } else { blank };
            out.extend_from_slice(&[ESC, b'J', dots as u8]);
            y += blank;
            continue;
        }
        let run = ink[y..].iter().take_while(|&&w| w > 0).count();
        let packed = canvas.packed(y, y + run);
        for (start, len) in split_bands(&ink[y..y + run], band) {
            let wb = ink[y + start..y + start + len]
                .iter()
                .copied()
                .max()
                .unwrap_or(1)
                .min(full);
            out.extend_from_slice(&[
                GS,
                b'v',
                b'0',
                m,
                (wb % 256) as u8,
                (wb / 256) as u8,
                (len % 256) as u8,
                (len / 256) as u8,
            ]);
            for r in start..start + len {
                out.extend_from_slice(&packed[r * full..r * full + wb]);
            }
        }
        y += run;
    }
    *canvas = Canvas::new(canvas.width);
}

/// Cut a run of inked rows (their widths in bytes) into bands of at most `max` rows so that the
/// bytes sent — an 8-byte header plus rows × widest row per band — are fewest (dynamic
/// programming over the run).
fn split_bands(widths: &[usize], max: usize) -> Vec<(usize, usize)> {
    let n = widths.len();
    let mut best = vec![usize::MAX; n + 1];
    let mut from = vec![0; n + 1];
    best[0] = 0;
    for end in 1..=n {
        let mut widest = 0;
        for start in (end.saturating_sub(max)..end).rev() {
            widest = widest.max(widths[start]);
            let cost = best[start] + 8 + (end - start) * widest;
            if cost < best[end] {
                best[end] = cost;
                from[end] = start;
            }
        }
    }
    let mut bands = Vec::new();
    let mut end = n;
    while end > 0 {
        bands.push((from[end], end - from[end]));
        end = from[end];
    }
    bands.reverse();
    bands
}

fn separator(canvas: &mut Canvas) {
    let y = canvas.height + 6;
    canvas.grow(14);
    for x in 0..canvas.width {
        canvas.set(x as i64, y as i64);
        canvas.set(x as i64, y as i64 + 1);
    }
}

/// Vietnamese text without marks, capitals kept, for printer fonts.
pub fn ascii_fallback(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c if c.is_ascii() && !c.is_ascii_control() => c,
            _ => '?',
        })
        .collect()
}

/// Printer text in the profile's text mode.
fn put_text(out: &mut Vec<u8>, p: &Profile, text: &str, page: &mut u8) {
    match p.mode {
        TextMode::Tcvn3 => *page = crate::tcvn3::encode_line(text, *page, out),
        _ => out.extend(ascii_fallback(text).bytes()),
    }
}

fn render_text_mode(slip: &Slip, p: &Profile, out: &mut Vec<u8>) -> Result<(), RenderError> {
    let cols = (p.dots / 12) as usize;
    let mut page = crate::tcvn3::LOWER;
    if p.mode == TextMode::Tcvn3 {
        out.extend_from_slice(&[ESC, b't', page]);
    }
    for el in &slip.elements {
        match el {
            Element::Text(t) => {
                let align = match t.align {
                    Align::Left => 0,
                    Align::Center => 1,
                    Align::Right => 2,
                };
                let size = match t.size {
                    TextSize::Small | TextSize::Normal => 0x00,
                    TextSize::Large => 0x11,
                    TextSize::Huge => 0x33,
                };
                out.extend_from_slice(&[
                    ESC,
                    b'a',
                    align,
                    ESC,
                    b'E',
                    u8::from(t.bold),
                    GS,
                    b'!',
                    size,
                ]);
                put_text(out, p, &t.text.nfc().collect::<String>(), &mut page);
                out.push(b'\n');
                out.extend_from_slice(&[ESC, b'E', 0, GS, b'!', 0, ESC, b'a', 0]);
            }
            Element::KeyValue { key, value } => {
                out.extend_from_slice(&[ESC, b'E', 1]);
                put_text(out, p, key, &mut page);
                out.extend_from_slice(b": ");
                out.extend_from_slice(&[ESC, b'E', 0]);
                put_text(out, p, value, &mut page);
                out.push(b'\n');
            }
            Element::Separator => {
                out.extend(std::iter::repeat_n(b'-', cols));
                out.push(b'\n');
            }
            Element::Qr { payload } => {
                out.extend_from_slice(&[ESC, b'a', 1]);
                if p.native_qr {
                    native_qr(out, payload, p.qr_ec, 6)?;
                } else {
                    let mut c = Canvas::new(p.dots as usize);
                    draw_qr(&mut c, payload, p.qr_ec)?;
                    flush(out, &mut c, p.band_height as usize);
                }
                out.extend_from_slice(&[b'\n', ESC, b'a', 0]);
            }
            Element::Feed { lines } => out.extend_from_slice(&[ESC, b'd', *lines]),
            Element::Cut => cut(out, p),
        }
    }
    Ok(())
}

fn cut(out: &mut Vec<u8>, p: &Profile) {
    out.extend_from_slice(&[ESC, b'd', p.feed_lines]);
    if p.cutter {
        // Partial cut (GS V 1): the slip stays hanging until the visitor takes it.
        out.extend_from_slice(&[GS, b'V', 1]);
    }
}

/// Render `slip` for `profile`: the bytes to send, starting with ESC @.
pub fn render(slip: &Slip, profile: &Profile) -> Result<Vec<u8>, RenderError> {
    let mut out = vec![ESC, b'@'];
    if profile.mode != TextMode::Raster {
        render_text_mode(slip, profile, &mut out)?;
        return Ok(out);
    }
    let band = profile.band_height as usize;
    let mut canvas = Canvas::new(profile.dots as usize);
    let mut cache = GlyphCache::new();
    for el in &slip.elements {
        match el {
            Element::Text(t) => {
                let text: String = t.text.nfc().collect();
                draw_text(&mut canvas, &mut cache, &[(text, t.bold)], t.size, t.align);
            }
            Element::KeyValue { key, value } => {
                let runs = [
                    (format!("{}:", key.nfc().collect::<String>()), true),
                    (value.nfc().collect::<String>(), false),
                ];
                draw_text(
                    &mut canvas,
                    &mut cache,
                    &runs,
                    TextSize::Normal,
                    Align::Left,
                );
            }
            Element::Separator => separator(&mut canvas),
            Element::Qr { payload } => {
                if profile.native_qr {
                    flush(&mut out, &mut canvas, band);
                    out.extend_from_slice(&[ESC, b'a', 1]);
                    native_qr(&mut out, payload, profile.qr_ec, 6)?;
                    out.extend_from_slice(&[ESC, b'a', 0]);
                } else {
                    // The QR goes out at half resolution, printed 2 × 2: modules stay 4 dots
                    // wide on paper for a quarter of the bytes.
                    flush(&mut out, &mut canvas, band);
                    let mut half = Canvas::new(canvas.width / 2);
                    draw_qr_scaled(&mut half, payload, profile.qr_ec, 2)?;
                    flush_scaled(&mut out, &mut half, band / 2, 3);
                }
            }
            Element::Feed { lines } => canvas.grow(*lines as usize * 30),
            Element::Cut => {
                flush(&mut out, &mut canvas, band);
                cut(&mut out, profile);
            }
        }
    }
    flush(&mut out, &mut canvas, band);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_fallback_keeps_case_and_letters() {
        assert_eq!(ascii_fallback("Đã trả kết quả"), "Da tra ket qua");
        assert_eq!(
            ascii_fallback("NGUYỄN THỊ HỒNG NHUNG"),
            "NGUYEN THI HONG NHUNG"
        );
    }

    #[test]
    fn bands_are_bounded_and_start_with_init() {
        let p = Profile::bundled("generic-58").unwrap();
        let slip = Slip::new().title("Số thứ tự").feed(10).cut();
        let bytes = render(&slip, &p).unwrap();
        assert_eq!(&bytes[..2], &[ESC, b'@']);
        let mut i = 2;
        let mut bands = 0;
        while i + 3 <= bytes.len()
            && (bytes[i] == GS && bytes[i + 1] == b'v' || bytes[i] == ESC && bytes[i + 1] == b'J')
        {
            if bytes[i] == ESC {
                i += 3;
                continue;
            }
            let wb = bytes[i + 4] as usize + 256 * bytes[i + 5] as usize;
            let h = bytes[i + 6] as usize + 256 * bytes[i + 7] as usize;
            assert!(wb <= 48);
            assert!(h <= 64);
            i += 8 + wb * h;
            bands += 1;
        }
        assert!(bands >= 2);
        assert_eq!(&bytes[i..], &[ESC, b'd', 5]);
    }

    #[test]
    fn oversized_qr_is_refused() {
        let p = Profile::bundled("generic-80").unwrap();
        let slip = Slip::new().qr("x".repeat(2000));
        assert_eq!(render(&slip, &p), Err(RenderError::QrTooLong(2000)));
    }

    #[test]
    fn native_qr_is_model_2() {
        let mut out = Vec::new();
        native_qr(&mut out, "ABC", QrEc::M, 6).unwrap();
        assert_eq!(&out[..9], &[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
    }
}
