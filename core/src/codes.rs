//! Agency codes (mã định danh điện tử, QĐ 20/2020/QĐ-TTg) and dossier codes (mã số hồ sơ,
//! TT 01/2018/TT-VPCP Art. 19).
//!
//! An agency code is `V1V2V3.Z1Z2.Y1Y2.MX1X2`; a dossier code is `<agency>-YYMMDD-NNNN` where the
//! date is the day of receipt and `NNNN` the receiving unit's sequence that day (four digits or
//! more: some systems overflow 9999). Both are parsed once at the edge; inside the workspace they
//! travel as these types and are trusted.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::i18n::{Lang, Localized};

/// Longest input the parsers look at; anything longer is refused before any other work.
pub const MAX_CODE_LEN: usize = 64;
/// Most digits a daily sequence may have.
pub const MAX_SEQUENCE_DIGITS: usize = 9;

/// The part of a code that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodePart {
    /// The whole code.
    Whole,
    /// `V1V2V3`: three digits.
    AgencyLevel1,
    /// `Z1Z2`: two digits.
    AgencyLevel2,
    /// `Y1Y2`: two digits.
    AgencyLevel3,
    /// `MX1X2`: a capital letter and two digits.
    AgencyRoot,
    /// `YYMMDD`: the day of receipt.
    Date,
    /// `NNNN`: the daily sequence.
    Sequence,
}

impl CodePart {
    fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (CodePart::Whole, Lang::Vi) => "mã",
            (CodePart::Whole, Lang::En) => "code",
            (CodePart::AgencyLevel1, Lang::Vi) => "phần V1V2V3 của mã cơ quan",
            (CodePart::AgencyLevel1, Lang::En) => "agency code part V1V2V3",
            (CodePart::AgencyLevel2, Lang::Vi) => "phần Z1Z2 của mã cơ quan",
            (CodePart::AgencyLevel2, Lang::En) => "agency code part Z1Z2",
            (CodePart::AgencyLevel3, Lang::Vi) => "phần Y1Y2 của mã cơ quan",
            (CodePart::AgencyLevel3, Lang::En) => "agency code part Y1Y2",
            (CodePart::AgencyRoot, Lang::Vi) => "phần MX1X2 của mã cơ quan",
            (CodePart::AgencyRoot, Lang::En) => "agency code part MX1X2",
            (CodePart::Date, Lang::Vi) => "ngày tiếp nhận",
            (CodePart::Date, Lang::En) => "receipt date",
            (CodePart::Sequence, Lang::Vi) => "số thứ tự trong ngày",
            (CodePart::Sequence, Lang::En) => "daily sequence number",
        }
    }

    fn rule(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (CodePart::Whole, Lang::Vi) => "không được để trống",
            (CodePart::Whole, Lang::En) => "must not be empty",
            (CodePart::AgencyLevel1, Lang::Vi) => "phải gồm đúng 3 chữ số",
            (CodePart::AgencyLevel1, Lang::En) => "must be exactly 3 digits",
            (CodePart::AgencyLevel2 | CodePart::AgencyLevel3, Lang::Vi) => "phải gồm đúng 2 chữ số",
            (CodePart::AgencyLevel2 | CodePart::AgencyLevel3, Lang::En) => {
                "must be exactly 2 digits"
            }
            (CodePart::AgencyRoot, Lang::Vi) => "phải là 1 chữ cái in hoa và 2 chữ số, ví dụ H16",
            (CodePart::AgencyRoot, Lang::En) => {
                "must be one capital letter and two digits, e.g. H16"
            }
            (CodePart::Date, Lang::Vi) => {
                "phải là một ngày có thật, 6 chữ số năm-tháng-ngày (ví dụ 251110 là ngày 10/11/2025)"
            }
            (CodePart::Date, Lang::En) => {
                "must be a real day, 6 digits year-month-day (e.g. 251110 is 10 November 2025)"
            }
            (CodePart::Sequence, Lang::Vi) => "phải gồm từ 4 đến 9 chữ số",
            (CodePart::Sequence, Lang::En) => "must be 4 to 9 digits",
        }
    }
}

/// Why a code did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    #[error("the code is empty")]
    Empty,
    #[error("the code is longer than {MAX_CODE_LEN} characters")]
    TooLong,
    #[error("an agency code has four parts separated by dots: V1V2V3.Z1Z2.Y1Y2.MX1X2")]
    AgencyShape,
    #[error("a dossier code is <agency code>-YYMMDD-NNNN")]
    DossierShape,
    #[error("invalid {}: {:?} {}", .part.name(Lang::En), .found, .part.rule(Lang::En))]
    Part { part: CodePart, found: String },
}

impl CodeError {
    /// The part of the code at fault.
    pub fn part(&self) -> CodePart {
        match self {
            CodeError::Part { part, .. } => *part,
            _ => CodePart::Whole,
        }
    }

    fn part_err(part: CodePart, found: &str) -> Self {
        CodeError::Part {
            part,
            found: found.chars().take(MAX_CODE_LEN).collect(),
        }
    }
}

impl Localized for CodeError {
    fn code(&self) -> &'static str {
        match self {
            CodeError::Empty => "code.empty",
            CodeError::TooLong => "code.too_long",
            CodeError::AgencyShape => "agency_code.shape",
            CodeError::DossierShape => "dossier_code.shape",
            CodeError::Part { part, .. } => match part {
                CodePart::Whole => "code.invalid",
                CodePart::AgencyLevel1 => "agency_code.v1v2v3",
                CodePart::AgencyLevel2 => "agency_code.z1z2",
                CodePart::AgencyLevel3 => "agency_code.y1y2",
                CodePart::AgencyRoot => "agency_code.mx1x2",
                CodePart::Date => "dossier_code.date",
                CodePart::Sequence => "dossier_code.sequence",
            },
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (CodeError::Empty, Lang::Vi) => "Mã đang để trống.".into(),
            (CodeError::Empty, Lang::En) => "The code is empty.".into(),
            (CodeError::TooLong, Lang::Vi) => format!("Mã dài quá {MAX_CODE_LEN} ký tự."),
            (CodeError::TooLong, Lang::En) => {
                format!("The code is longer than {MAX_CODE_LEN} characters.")
            }
            (CodeError::AgencyShape, Lang::Vi) => {
                "Mã cơ quan gồm 4 phần cách nhau bởi dấu chấm: V1V2V3.Z1Z2.Y1Y2.MX1X2.".into()
            }
            (CodeError::AgencyShape, Lang::En) => {
                "An agency code has four parts separated by dots: V1V2V3.Z1Z2.Y1Y2.MX1X2.".into()
            }
            // Said to a visitor at the kiosk: what the code on the receipt looks like, in words.
            (CodeError::DossierShape, Lang::Vi) => {
                "Mã hồ sơ chưa đúng. Vui lòng nhập đúng mã in trên giấy tiếp nhận: mã cơ quan, ngày tiếp nhận và số thứ tự, cách nhau bởi dấu gạch ngang (ví dụ 000.00.01.H16-251110-0001)."
                    .into()
            }
            (CodeError::DossierShape, Lang::En) => {
                "The dossier code is not right. Please type it as printed on your receipt: the agency's code, the day received and a number, separated by dashes (e.g. 000.00.01.H16-251110-0001)."
                    .into()
            }
            (CodeError::Part { part, found }, lang) => match lang {
                Lang::Vi => format!("Sai {}: “{}” {}.", part.name(lang), found, part.rule(lang)),
                Lang::En => format!(
                    "Invalid {}: “{}” {}.",
                    part.name(lang),
                    found,
                    part.rule(lang)
                ),
            },
        }
    }
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn prepare(input: &str) -> Result<String, CodeError> {
    if input.len() > MAX_CODE_LEN * 4 {
        return Err(CodeError::TooLong);
    }
    let s = input.trim();
    if s.is_empty() {
        return Err(CodeError::Empty);
    }
    if s.chars().count() > MAX_CODE_LEN {
        return Err(CodeError::TooLong);
    }
    Ok(s.to_ascii_uppercase())
}

/// An agency's electronic identifier, `V1V2V3.Z1Z2.Y1Y2.MX1X2` (e.g. `000.17.22.H56`).
///
/// Levels are kept as written; their meaning (province, department, commune…) is data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgencyCode(String);

impl AgencyCode {
    /// Parse and normalise (capital root letter, surrounding spaces removed).
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let s = prepare(input)?;
        Self::parse_normalised(&s)
    }

    fn parse_normalised(s: &str) -> Result<Self, CodeError> {
        let parts: Vec<&str> = s.split('.').collect();
        if parts.len() != 4 {
            return Err(CodeError::AgencyShape);
        }
        if !is_digits(parts[0], 3) {
            return Err(CodeError::part_err(CodePart::AgencyLevel1, parts[0]));
        }
        if !is_digits(parts[1], 2) {
            return Err(CodeError::part_err(CodePart::AgencyLevel2, parts[1]));
        }
        if !is_digits(parts[2], 2) {
            return Err(CodeError::part_err(CodePart::AgencyLevel3, parts[2]));
        }
        let root = parts[3].as_bytes();
        if root.len() != 3
            || !root[0].is_ascii_uppercase()
            || !root[1].is_ascii_digit()
            || !root[2].is_ascii_digit()
        {
            return Err(CodeError::part_err(CodePart::AgencyRoot, parts[3]));
        }
        Ok(AgencyCode(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The root, `MX1X2`: e.g. `H56` for Thanh Hóa's provincial tree.
    pub fn root(&self) -> &str {
        &self.0[10..13]
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AgencyCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A dossier code, `<agency>-YYMMDD-NNNN` (e.g. `000.17.22.H56-210531-0001`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DossierCode {
    agency: AgencyCode,
    date: NaiveDate,
    sequence: u32,
    sequence_digits: u8,
}

impl DossierCode {
    /// Build a code for the `sequence`-th dossier (from 1) received by `agency` on `date`.
    /// The sequence is written with at least four digits.
    pub fn new(agency: AgencyCode, date: NaiveDate, sequence: u32) -> Result<Self, CodeError> {
        let digits = sequence.to_string().len().max(4);
        if sequence == 0 || digits > MAX_SEQUENCE_DIGITS {
            return Err(CodeError::part_err(
                CodePart::Sequence,
                &sequence.to_string(),
            ));
        }
        if !(2000..=2099).contains(&date.year()) {
            return Err(CodeError::part_err(
                CodePart::Date,
                &date.format("%y%m%d").to_string(),
            ));
        }
        Ok(DossierCode {
            agency,
            date,
            sequence,
            sequence_digits: digits as u8,
        })
    }

    /// Parse and normalise. Lower-case root letters are accepted (codes are typed on kiosks).
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let s = prepare(input)?;
        let mut it = s.splitn(3, '-');
        let (Some(agency), Some(date), Some(seq)) = (it.next(), it.next(), it.next()) else {
            return Err(CodeError::DossierShape);
        };
        let agency = AgencyCode::parse_normalised(agency)?;
        if !is_digits(date, 6) {
            return Err(CodeError::part_err(CodePart::Date, date));
        }
        let yy: i32 = date[0..2].parse().expect("digits");
        let mm: u32 = date[2..4].parse().expect("digits");
        let dd: u32 = date[4..6].parse().expect("digits");
        let date_value = NaiveDate::from_ymd_opt(2000 + yy, mm, dd)
            .ok_or_else(|| CodeError::part_err(CodePart::Date, date))?;
        if seq.len() < 4
            || seq.len() > MAX_SEQUENCE_DIGITS
            || !seq.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(CodeError::part_err(CodePart::Sequence, seq));
        }
        let sequence: u32 = seq.parse().expect("at most 9 digits");
        if sequence == 0 {
            return Err(CodeError::part_err(CodePart::Sequence, seq));
        }
        Ok(DossierCode {
            agency,
            date: date_value,
            sequence,
            sequence_digits: seq.len() as u8,
        })
    }

    pub fn agency(&self) -> &AgencyCode {
        &self.agency
    }

    /// The day of receipt.
    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// The receiving unit's sequence number that day, from 1.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

impl fmt::Display for DossierCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{:0width$}",
            self.agency,
            self.date.format("%y%m%d"),
            self.sequence,
            width = self.sequence_digits as usize
        )
    }
}

impl FromStr for DossierCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

macro_rules! string_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$t>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_serde!(AgencyCode);
string_serde!(DossierCode);

/// The letters of a tracking code's random part: no look-alikes (no I, O, 0, 1), 32 of them, so
/// each carries 5 bits.
pub const TRACKING_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Eight letters of [`TRACKING_ALPHABET`] from the low 40 bits of `bits`.
pub fn tracking_tag(bits: u64) -> String {
    (0..8)
        .map(|i| TRACKING_ALPHABET[((bits >> (5 * i)) & 31) as usize] as char)
        .collect()
}

/// The tracking code of a feedback taken at a kiosk: the kiosk's id and a tag from the random
/// part of the event's id, so the kiosk can print it at once, offline too, the server files the
/// feedback under the same code, and nobody can guess another's. E.g. `PA-KIOSK0001-7K3MQXAB`.
pub fn kiosk_feedback_code(kiosk_id: &str, event_id: u128) -> String {
    let id: String = kiosk_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(32)
        .collect();
    format!(
        "PA-{}-{}",
        id.to_ascii_uppercase(),
        tracking_tag(event_id as u64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_examples_parse_and_round_trip() {
        for s in ["000.17.22.H56-210531-0001", "000.00.14.H56-200203-0118"] {
            let c = DossierCode::parse(s).unwrap();
            assert_eq!(c.to_string(), s);
            assert_eq!(c.agency().root(), "H56");
        }
        let c = DossierCode::parse("000.00.14.H56-200203-0118").unwrap();
        assert_eq!(c.date(), NaiveDate::from_ymd_opt(2020, 2, 3).unwrap());
        assert_eq!(c.sequence(), 118);
    }

    #[test]
    fn long_sequences_keep_their_width() {
        let c = DossierCode::parse("000.17.22.H56-210531-12345").unwrap();
        assert_eq!(c.sequence(), 12345);
        assert_eq!(c.to_string(), "000.17.22.H56-210531-12345");
        let c = DossierCode::parse("000.17.22.H56-210531-00012").unwrap();
        assert_eq!(c.to_string(), "000.17.22.H56-210531-00012");
    }

    #[test]
    fn lower_case_and_spaces_are_normalised() {
        let c = DossierCode::parse("  000.17.22.h56-210531-0001 ").unwrap();
        assert_eq!(c.to_string(), "000.17.22.H56-210531-0001");
    }

    #[test]
    fn each_error_names_its_part() {
        let cases = [
            ("", CodePart::Whole, "code.empty"),
            (
                "00.17.22.H56-210531-0001",
                CodePart::AgencyLevel1,
                "agency_code.v1v2v3",
            ),
            (
                "000.1.22.H56-210531-0001",
                CodePart::AgencyLevel2,
                "agency_code.z1z2",
            ),
            (
                "000.17.2x.H56-210531-0001",
                CodePart::AgencyLevel3,
                "agency_code.y1y2",
            ),
            (
                "000.17.22.56-210531-0001",
                CodePart::AgencyRoot,
                "agency_code.mx1x2",
            ),
            (
                "000.17.22.H56-210231-0001",
                CodePart::Date,
                "dossier_code.date",
            ),
            (
                "000.17.22.H56-211331-0001",
                CodePart::Date,
                "dossier_code.date",
            ),
            (
                "000.17.22.H56-210531-001",
                CodePart::Sequence,
                "dossier_code.sequence",
            ),
            (
                "000.17.22.H56-210531-0000",
                CodePart::Sequence,
                "dossier_code.sequence",
            ),
            (
                "000.17.22.H56-210531-0001-2",
                CodePart::Sequence,
                "dossier_code.sequence",
            ),
            ("000.17.22.H56", CodePart::Whole, "dossier_code.shape"),
            (
                "000.17.H56-210531-0001",
                CodePart::Whole,
                "agency_code.shape",
            ),
        ];
        for (input, part, code) in cases {
            let e = DossierCode::parse(input).unwrap_err();
            assert_eq!(e.part(), part, "{input}");
            assert_eq!(e.code(), code, "{input}");
            assert!(!e.message(Lang::Vi).is_empty());
            assert_ne!(e.message(Lang::Vi), e.message(Lang::En));
        }
    }

    #[test]
    fn messages_name_the_field_in_both_languages() {
        let e = DossierCode::parse("000.17.22.H56-210230-0001").unwrap_err();
        assert!(e.message(Lang::Vi).contains("ngày tiếp nhận"));
        assert!(e.message(Lang::En).contains("receipt date"));
        assert!(e.message(Lang::En).contains("210230"));
    }

    #[test]
    fn leap_days() {
        assert!(DossierCode::parse("000.17.22.H56-240229-0001").is_ok());
        assert!(DossierCode::parse("000.17.22.H56-250229-0001").is_err());
    }

    #[test]
    fn new_formats_like_parse() {
        let a = AgencyCode::parse("000.00.00.H16").unwrap();
        let c = DossierCode::new(a, NaiveDate::from_ymd_opt(2025, 1, 24).unwrap(), 7).unwrap();
        assert_eq!(c.to_string(), "000.00.00.H16-250124-0007");
        assert_eq!(DossierCode::parse(&c.to_string()).unwrap(), c);
    }

    #[test]
    fn serde_as_strings() {
        let c = DossierCode::parse("000.17.22.H56-210531-0001").unwrap();
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(j, "\"000.17.22.H56-210531-0001\"");
        let back: DossierCode = serde_json::from_str(&j).unwrap();
        assert_eq!(back, c);
        assert!(serde_json::from_str::<DossierCode>("\"nope\"").is_err());
    }

    #[test]
    fn kiosk_feedback_codes_are_plain_distinct_and_unguessable() {
        assert_eq!(
            super::kiosk_feedback_code("KIOSK-0001", 0),
            "PA-KIOSK0001-AAAAAAAA"
        );
        assert_eq!(
            super::kiosk_feedback_code("KIOSK-0001", 0x1F),
            "PA-KIOSK0001-9AAAAAAA"
        );
        assert_ne!(
            super::kiosk_feedback_code("KIOSK-0001", 1),
            super::kiosk_feedback_code("KIOSK-0002", 1)
        );
        // Forty bits of the event's random id: neighbours share nothing guessable.
        let tags: std::collections::HashSet<String> = (0..1000u64)
            .map(|i| super::tracking_tag(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
            .collect();
        assert_eq!(tags.len(), 1000);
        assert!(
            super::tracking_tag(u64::MAX)
                .bytes()
                .all(|b| super::TRACKING_ALPHABET.contains(&b))
        );
    }
}

#[cfg(test)]
mod visitor_words {
    use super::*;

    /// What a visitor reads at the kiosk after a mistyped code: words and an example of this
    /// province's codes, not a developer's pattern.
    #[test]
    fn a_wrong_code_is_explained_in_a_visitor_s_words() {
        for bad in [
            "12345",
            "000.00.01.H16-2511-0001",
            "000.00.01.H16-251340-0001",
        ] {
            let e = DossierCode::parse(bad).unwrap_err();
            for lang in [Lang::Vi, Lang::En] {
                let m = e.message(lang);
                assert!(
                    !m.contains("YYMMDD") && !m.contains('<') && !m.contains("H56"),
                    "{bad}: {m}"
                );
            }
        }
        let m = DossierCode::parse("12345").unwrap_err().message(Lang::Vi);
        assert!(m.contains("giấy tiếp nhận") && m.contains("H16"), "{m}");
    }
}
