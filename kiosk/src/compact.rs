//! How the replica keeps a dossier on disk: a few dozen bytes instead of its JSON. The texts
//! many dossiers share (procedure, agencies, status words, step) are kept once in a word table
//! and referred to by number; the masked name is kept as it is; instants as seconds, nanoseconds
//! and offset, each a variable-length integer.
//!
//! The reader takes bytes from the kiosk's disk: anything that does not read gives an error,
//! never a panic (property test below).

use chrono::{DateTime, FixedOffset};
use motcua_core::public::PublicRow;
use motcua_core::status::Step;
use motcua_core::workflow::DueState;
use motcua_protocol::sync::KioskDossier;

/// The first byte of a record: its form.
const FORM: u8 = 1;

/// Longest text a record holds (a masked name is a few dozen bytes).
const MAX_TEXT: u64 = 4096;

/// A record that does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a stored dossier does not read: {0}")]
pub struct BadRecord(&'static str);

/// Turns a shared text into its number (adding it to the word table when new).
pub trait Intern {
    fn intern(&mut self, text: &str) -> Result<u32, crate::store::StoreError>;
}

/// Gives back the text of a number.
pub trait Words {
    fn word(&self, id: u32) -> Result<Option<String>, crate::store::StoreError>;
}

/// The record of `d` (its code is the key, not repeated here).
pub fn encode(
    d: &KioskDossier,
    words: &mut impl Intern,
) -> Result<Vec<u8>, crate::store::StoreError> {
    let mut out = Vec::with_capacity(64);
    out.push(FORM);
    // Read back only up to MAX_TEXT: longer (a masked name never is) is cut, at a character.
    let mut name = d.row.masked_name.as_str();
    while name.len() as u64 > MAX_TEXT {
        let mut end = name.len() - 1;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name = &name[..end];
    }
    put_text(&mut out, name);
    let step =
        serde_json::to_string(&d.step).map_err(|e| crate::store::StoreError::new(e.to_string()))?;
    for shared in [
        d.row.procedure.as_str(),
        d.procedure_id.as_str(),
        d.agency_code.as_str(),
        d.agency.as_str(),
        d.receiving_agency.as_str(),
        d.row.status_vi.as_str(),
        d.row.status_en.as_str(),
        step.as_str(),
    ] {
        put_uint(&mut out, u64::from(words.intern(shared)?));
    }
    out.push(d.row.status);
    put_time(&mut out, &d.row.received_at);
    put_time(&mut out, &d.row.appointment);
    let flags = u8::from(d.due_state.open) | (u8::from(d.due_state.paused_at.is_some()) << 1);
    out.push(flags);
    put_time(&mut out, &d.due_state.due);
    if let Some(p) = &d.due_state.paused_at {
        put_time(&mut out, p);
    }
    Ok(out)
}

/// The dossier `code` from its record.
pub fn decode(
    code: &str,
    bytes: &[u8],
    words: &impl Words,
) -> Result<KioskDossier, crate::store::StoreError> {
    let bad = |e: BadRecord| crate::store::StoreError::new(e.to_string());
    let mut r = Reader(bytes);
    if r.byte().map_err(bad)? != FORM {
        return Err(bad(BadRecord("unknown form")));
    }
    let masked_name = r.text().map_err(bad)?;
    let mut shared: [String; 8] = Default::default();
    for slot in &mut shared {
        let id = u32::try_from(r.uint().map_err(bad)?)
            .map_err(|_| bad(BadRecord("word number too large")))?;
        *slot = words
            .word(id)?
            .ok_or_else(|| bad(BadRecord("unknown word")))?;
    }
    let [
        procedure,
        procedure_id,
        agency_code,
        agency,
        receiving_agency,
        status_vi,
        status_en,
        step,
    ] = shared;
    let step: Step = serde_json::from_str(&step).map_err(|_| bad(BadRecord("unknown step")))?;
    let status = r.byte().map_err(bad)?;
    let received_at = r.time().map_err(bad)?;
    let appointment = r.time().map_err(bad)?;
    let flags = r.byte().map_err(bad)?;
    if flags > 3 {
        return Err(bad(BadRecord("unknown flags")));
    }
    let due = r.time().map_err(bad)?;
    let paused_at = match flags & 2 {
        0 => None,
        _ => Some(r.time().map_err(bad)?),
    };
    if !r.0.is_empty() {
        return Err(bad(BadRecord("bytes after the record")));
    }
    Ok(KioskDossier {
        row: PublicRow {
            code: code.to_owned(),
            procedure,
            masked_name,
            received_at,
            appointment,
            status,
            status_vi,
            status_en,
        },
        procedure_id,
        step,
        agency_code,
        agency,
        receiving_agency,
        due_state: DueState {
            open: flags & 1 == 1,
            due,
            paused_at,
        },
    })
}

fn put_uint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_text(out: &mut Vec<u8>, s: &str) {
    put_uint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_time(out: &mut Vec<u8>, t: &DateTime<FixedOffset>) {
    put_uint(out, zigzag(t.timestamp()));
    put_uint(out, u64::from(t.timestamp_subsec_nanos()));
    put_uint(out, zigzag(i64::from(t.offset().local_minus_utc())));
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, BadRecord> {
        let (&b, rest) = self.0.split_first().ok_or(BadRecord("cut short"))?;
        self.0 = rest;
        Ok(b)
    }

    fn uint(&mut self) -> Result<u64, BadRecord> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let part = u64::from(b & 0x7f);
            if shift == 63 && part > 1 {
                return Err(BadRecord("number too large"));
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(BadRecord("number too long"))
    }

    fn text(&mut self) -> Result<String, BadRecord> {
        let n = self.uint()?;
        if n > MAX_TEXT || n > self.0.len() as u64 {
            return Err(BadRecord("text longer than the record"));
        }
        let (s, rest) = self.0.split_at(n as usize);
        self.0 = rest;
        String::from_utf8(s.to_vec()).map_err(|_| BadRecord("text not UTF-8"))
    }

    fn time(&mut self) -> Result<DateTime<FixedOffset>, BadRecord> {
        let secs = unzigzag(self.uint()?);
        let nanos = u32::try_from(self.uint()?).map_err(|_| BadRecord("bad nanoseconds"))?;
        let offset = i32::try_from(unzigzag(self.uint()?)).map_err(|_| BadRecord("bad offset"))?;
        let offset = FixedOffset::east_opt(offset).ok_or(BadRecord("bad offset"))?;
        let utc = DateTime::from_timestamp(secs, nanos).ok_or(BadRecord("bad instant"))?;
        Ok(utc.with_timezone(&offset))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;
    use crate::store::StoreError;

    #[derive(Default)]
    struct Table(HashMap<String, u32>, Vec<String>);

    impl Intern for Table {
        fn intern(&mut self, text: &str) -> Result<u32, StoreError> {
            if let Some(id) = self.0.get(text) {
                return Ok(*id);
            }
            let id = self.1.len() as u32;
            self.1.push(text.to_owned());
            self.0.insert(text.to_owned(), id);
            Ok(id)
        }
    }

    impl Words for Table {
        fn word(&self, id: u32) -> Result<Option<String>, StoreError> {
            Ok(self.1.get(id as usize).cloned())
        }
    }

    fn time(secs: i64, nanos: u32, offset: i32) -> DateTime<FixedOffset> {
        DateTime::from_timestamp(secs, nanos)
            .unwrap()
            .with_timezone(&FixedOffset::east_opt(offset).unwrap())
    }

    fn dossier(name: &str, t: [i64; 4], nanos: u32, paused: bool, open: bool) -> KioskDossier {
        let vn = 7 * 3600;
        KioskDossier {
            row: PublicRow {
                code: "000.00.01.H16-251110-0001".into(),
                procedure: "Cấp Phiếu lý lịch tư pháp".into(),
                masked_name: name.into(),
                received_at: time(t[0], nanos, vn),
                appointment: time(t[1], 0, vn),
                status: 4,
                status_vi: "Đang xử lý".into(),
                status_en: "Being processed".into(),
            },
            procedure_id: "2.001193.000.00.10.H16".into(),
            step: Step::Assigned,
            agency_code: "000.00.10.H16".into(),
            agency: "Sở Tư pháp".into(),
            receiving_agency: "000.00.01.H16".into(),
            due_state: DueState {
                open,
                due: time(t[2], 0, 0),
                paused_at: paused.then(|| time(t[3], 0, -3600)),
            },
        }
    }

    #[test]
    fn a_dossier_reads_back_as_it_was_in_a_few_dozen_bytes() {
        let mut words = Table::default();
        let d = dossier(
            "Nguyễn V. A.",
            [1_762_740_000, 1_763_950_000, 1_763_950_000, 1_763_000_000],
            0,
            true,
            true,
        );
        let bytes = encode(&d, &mut words).unwrap();
        assert_eq!(decode(&d.row.code, &bytes, &words).unwrap(), d);
        assert!(bytes.len() < 64, "{} bytes", bytes.len());
        // The shared texts are kept once.
        let again = encode(&d, &mut words).unwrap();
        assert_eq!(again, bytes);
        assert_eq!(words.1.len(), 8);
    }

    #[test]
    fn an_overlong_name_is_cut_and_the_record_still_reads() {
        let mut words = Table::default();
        let d = dossier(&"Ễ".repeat(3000), [0, 0, 0, 0], 0, false, true);
        let back = decode(&d.row.code, &encode(&d, &mut words).unwrap(), &words).unwrap();
        assert!(back.row.masked_name.len() as u64 <= MAX_TEXT);
        assert!(d.row.masked_name.starts_with(&back.row.masked_name));
    }

    #[test]
    fn a_record_with_a_word_the_table_lacks_is_an_error() {
        let mut words = Table::default();
        let d = dossier("A", [0, 0, 0, 0], 0, false, false);
        let bytes = encode(&d, &mut words).unwrap();
        assert!(decode(&d.row.code, &bytes, &Table::default()).is_err());
        assert!(decode(&d.row.code, &bytes[..bytes.len() - 1], &words).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&d.row.code, &longer, &words).is_err());
    }

    proptest! {
        #[test]
        fn any_dossier_reads_back(name in ".{0,40}", t in proptest::array::uniform4(-8_000_000_000i64..250_000_000_000),
                                  nanos in 0u32..1_000_000_000, paused: bool, open: bool) {
            let mut words = Table::default();
            let d = dossier(&name, t, nanos, paused, open);
            let bytes = encode(&d, &mut words).unwrap();
            prop_assert_eq!(decode(&d.row.code, &bytes, &words).unwrap(), d);
        }

        /// Whatever bytes the disk gives back, reading them is an answer or an error.
        #[test]
        fn any_bytes_read_or_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            let mut words = Table::default();
            let d = dossier("A", [0, 0, 0, 0], 0, false, false);
            encode(&d, &mut words).unwrap();
            let _ = decode("x", &bytes, &words);
        }
    }
}
