//! The on-screen keyboards and the Telex-composed fields they type into.

use motcua_core::text::{Telex, ToneStyle};
use slint::{ModelRc, VecModel};

use super::KeyData;

/// A Telex-composed field.
#[derive(Default)]
pub(crate) struct TelexField(Option<Telex>);

impl TelexField {
    pub(crate) fn get(&mut self) -> &mut Telex {
        self.0.get_or_insert_with(|| Telex::new(ToneStyle::Modern))
    }

    pub(crate) fn text(&self) -> String {
        self.0.as_ref().map(Telex::text).unwrap_or_default()
    }
}

/// Type key `v` of an on-screen keyboard into a plain field of at most `max` characters.
pub(crate) fn edit_plain(buf: &mut String, v: &str, max: usize) {
    match v {
        "⌫" => {
            buf.pop();
        }
        "clear" => buf.clear(),
        _ if buf.chars().count() < max => buf.push_str(v),
        _ => {}
    }
}

/// Type key `v` into a Telex field of at most `max` characters.
pub(crate) fn edit_telex(t: &mut TelexField, v: &str, max: usize) {
    let t = t.get();
    match v {
        "⌫" => t.backspace(),
        "clear" => t.clear(),
        _ if t.text().chars().count() < max => {
            for c in v.chars() {
                t.key(c);
            }
        }
        _ => {}
    }
}

fn key(label: &str, value: &str, wide: i32) -> KeyData {
    KeyData {
        label: label.into(),
        value: value.into(),
        wide,
    }
}

fn rows_of(rows: Vec<Vec<KeyData>>) -> ModelRc<ModelRc<KeyData>> {
    let v: Vec<ModelRc<KeyData>> = rows
        .into_iter()
        .map(|r| ModelRc::new(VecModel::from(r)))
        .collect();
    ModelRc::new(VecModel::from(v))
}

fn letters(lower: bool) -> Vec<Vec<KeyData>> {
    ["QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"]
        .iter()
        .map(|r| {
            r.chars()
                .map(|c| {
                    let s = if lower {
                        c.to_ascii_lowercase().to_string()
                    } else {
                        c.to_string()
                    };
                    key(&s, &s, 1)
                })
                .collect()
        })
        .collect()
}

fn digits_row() -> Vec<KeyData> {
    "1234567890"
        .chars()
        .map(|c| key(&c.to_string(), &c.to_string(), 1))
        .collect()
}

/// Keys for typing dossier codes: digits, capitals, dot and dash.
pub(crate) fn code_keys() -> ModelRc<ModelRc<KeyData>> {
    let mut rows = vec![digits_row()];
    rows.extend(letters(false));
    rows.push(vec![
        key(".", ".", 1),
        key("-", "-", 1),
        key("⌫", "⌫", 2),
        key("Xoá hết", "clear", 3),
    ]);
    rows_of(rows)
}

/// A numeric pad.
pub(crate) fn number_keys() -> ModelRc<ModelRc<KeyData>> {
    rows_of(vec![
        vec![key("1", "1", 1), key("2", "2", 1), key("3", "3", 1)],
        vec![key("4", "4", 1), key("5", "5", 1), key("6", "6", 1)],
        vec![key("7", "7", 1), key("8", "8", 1), key("9", "9", 1)],
        vec![key("⌫", "⌫", 1), key("0", "0", 1), key("Xoá", "clear", 1)],
    ])
}

/// A Vietnamese keyboard: letters typed with Telex (aa → â, ow → ơ, s f r x j → tones).
pub(crate) fn telex_keys() -> ModelRc<ModelRc<KeyData>> {
    let mut rows = vec![digits_row()];
    rows.extend(letters(true));
    rows.push(vec![
        key("⌫", "⌫", 2),
        key("Dấu cách", " ", 4),
        key(",", ",", 1),
        key(".", ".", 1),
        key("Xoá hết", "clear", 2),
    ]);
    rows_of(rows)
}
