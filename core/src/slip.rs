//! Slip documents: what a kiosk prints, independent of any printer.
//!
//! The kiosk composes a [`Slip`]; `motcua-drivers` renders it for a printer profile (raster with
//! an embedded font, or text mode). Sizes are relative so that the same slip fits 58 mm and 80 mm
//! paper.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSize {
    Small,
    #[default]
    Normal,
    /// Twice the normal height: titles.
    Large,
    /// Queue numbers.
    Huge,
}

/// A line of text; long lines wrap at word boundaries when rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextLine {
    pub text: String,
    #[serde(default)]
    pub size: TextSize,
    #[serde(default)]
    pub bold: bool,
    #[serde(default)]
    pub align: Align,
}

/// One element of a slip, printed top to bottom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Element {
    Text(TextLine),
    /// A label and its value on one line (the value wraps under itself when long).
    KeyValue {
        key: String,
        value: String,
    },
    /// A horizontal rule.
    Separator,
    /// A QR code with this payload, centred.
    Qr {
        payload: String,
    },
    /// Blank lines.
    Feed {
        lines: u8,
    },
    /// Cut the paper here (a partial cut where the printer has a cutter, else a feed).
    Cut,
}

/// A printable slip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slip {
    pub elements: Vec<Element>,
}

impl Slip {
    pub fn new() -> Self {
        Slip::default()
    }

    /// A centred bold title.
    pub fn title(mut self, text: impl Into<String>) -> Self {
        self.elements.push(Element::Text(TextLine {
            text: text.into(),
            size: TextSize::Large,
            bold: true,
            align: Align::Center,
        }));
        self
    }

    pub fn line(mut self, text: impl Into<String>) -> Self {
        self.elements.push(Element::Text(TextLine {
            text: text.into(),
            size: TextSize::Normal,
            bold: false,
            align: Align::Left,
        }));
        self
    }

    pub fn text(mut self, line: TextLine) -> Self {
        self.elements.push(Element::Text(line));
        self
    }

    pub fn key_value(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.elements.push(Element::KeyValue {
            key: key.into(),
            value: value.into(),
        });
        self
    }

    pub fn separator(mut self) -> Self {
        self.elements.push(Element::Separator);
        self
    }

    pub fn qr(mut self, payload: impl Into<String>) -> Self {
        self.elements.push(Element::Qr {
            payload: payload.into(),
        });
        self
    }

    pub fn feed(mut self, lines: u8) -> Self {
        self.elements.push(Element::Feed { lines });
        self
    }

    pub fn cut(mut self) -> Self {
        self.elements.push(Element::Cut);
        self
    }

    /// Every text on the slip in order (titles, lines, keys and values), for transcripts and
    /// tests.
    pub fn texts(&self) -> Vec<String> {
        self.elements
            .iter()
            .filter_map(|e| match e {
                Element::Text(t) => Some(t.text.clone()),
                Element::KeyValue { key, value } => Some(format!("{key}: {value}")),
                _ => None,
            })
            .collect()
    }

    /// The QR payloads on the slip.
    pub fn qr_payloads(&self) -> Vec<&str> {
        self.elements
            .iter()
            .filter_map(|e| match e {
                Element::Qr { payload } => Some(payload.as_str()),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_keeps_order_and_round_trips() {
        let s = Slip::new()
            .title("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG")
            .separator()
            .key_value("Mã hồ sơ", "000.00.00.H16-250124-0001")
            .line("Đã trả kết quả")
            .qr("000.00.00.H16-250124-0001")
            .feed(2)
            .cut();
        assert_eq!(s.elements.len(), 7);
        assert_eq!(
            s.texts(),
            [
                "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
                "Mã hồ sơ: 000.00.00.H16-250124-0001",
                "Đã trả kết quả"
            ]
        );
        assert_eq!(s.qr_payloads(), ["000.00.00.H16-250124-0001"]);
        let j = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Slip>(&j).unwrap(), s);
    }
}
