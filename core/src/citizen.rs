//! Citizen identifiers: the 12-digit personal ID (CCCD / số định danh cá nhân), the old 9-digit
//! identity card (CMND), and passports as an opaque kind.
//!
//! A CCCD is `PPP C YY RRRRRR`: the province (or country) code of birth registration, a digit for
//! century and sex, the last two digits of the birth year, six random digits. The province list is
//! data (`assets/citizen-id/provinces.tsv`), not code.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::i18n::{Lang, Localized};

const PROVINCES_TSV: &str = include_str!("../../assets/citizen-id/provinces.tsv");

/// The province codes of birth registration, from the bundled data file.
pub fn provinces() -> &'static BTreeMap<u16, String> {
    static MAP: OnceLock<BTreeMap<u16, String>> = OnceLock::new();
    MAP.get_or_init(|| {
        PROVINCES_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let (code, name) = l.split_once('\t').expect("code<TAB>name");
                (code.parse().expect("numeric code"), name.trim().to_owned())
            })
            .collect()
    })
}

/// Sex as encoded in a CCCD's fourth digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

/// The rule a citizen ID broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CitizenIdError {
    #[error("the citizen ID is empty")]
    Empty,
    #[error("a citizen ID has 12 digits (CCCD) or 9 digits (CMND); this one has {0}")]
    DigitCount(usize),
    #[error("unknown province code {0:?} in the first three digits of the CCCD")]
    UnknownProvince(String),
    #[error("the century digit {0} of the CCCD is not in use (0–3)")]
    Century(u8),
    #[error("the birth year {0} encoded in the CCCD is in the future")]
    FutureBirthYear(i32),
    #[error("a passport number is 6 to 20 letters and digits")]
    Passport,
    #[error("the citizen ID contains characters other than digits")]
    NotDigits,
}

impl Localized for CitizenIdError {
    fn code(&self) -> &'static str {
        match self {
            CitizenIdError::Empty => "citizen_id.empty",
            CitizenIdError::DigitCount(_) => "citizen_id.digit_count",
            CitizenIdError::UnknownProvince(_) => "citizen_id.province",
            CitizenIdError::Century(_) => "citizen_id.century",
            CitizenIdError::FutureBirthYear(_) => "citizen_id.birth_year",
            CitizenIdError::Passport => "citizen_id.passport",
            CitizenIdError::NotDigits => "citizen_id.not_digits",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => format!("Citizen ID: {self}."),
            Lang::Vi => match self {
                CitizenIdError::Empty => "Số CCCD/CMND đang để trống.".into(),
                CitizenIdError::DigitCount(n) => format!(
                    "Số CCCD gồm 12 chữ số, số CMND gồm 9 chữ số; số vừa nhập có {n} chữ số."
                ),
                CitizenIdError::UnknownProvince(p) => {
                    format!(
                        "Mã tỉnh nơi đăng ký khai sinh “{p}” (3 chữ số đầu của CCCD) không có trong danh mục."
                    )
                }
                CitizenIdError::Century(d) => {
                    format!(
                        "Chữ số thế kỷ và giới tính “{d}” (chữ số thứ 4 của CCCD) không hợp lệ."
                    )
                }
                CitizenIdError::FutureBirthYear(y) => {
                    format!("Năm sinh {y} ghi trong CCCD là năm trong tương lai.")
                }
                CitizenIdError::Passport => "Số hộ chiếu gồm 6 đến 20 chữ cái và chữ số.".into(),
                CitizenIdError::NotDigits => "Số CCCD/CMND chỉ gồm chữ số.".into(),
            },
        }
    }
}

/// A 12-digit personal identification number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cccd([u8; 12]);

impl Cccd {
    fn parse_digits(d: &[u8; 12]) -> Result<Self, CitizenIdError> {
        let province = d[0] as u16 * 100 + d[1] as u16 * 10 + d[2] as u16;
        if !provinces().contains_key(&province) {
            return Err(CitizenIdError::UnknownProvince(format!("{province:03}")));
        }
        if d[3] > 3 {
            return Err(CitizenIdError::Century(d[3]));
        }
        Ok(Cccd(*d))
    }

    /// The province (or country) code of birth registration.
    pub fn province_code(&self) -> u16 {
        self.0[0] as u16 * 100 + self.0[1] as u16 * 10 + self.0[2] as u16
    }

    /// The province's name from the bundled list.
    pub fn province_name(&self) -> &'static str {
        provinces()
            .get(&self.province_code())
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn sex(&self) -> Sex {
        if self.0[3] % 2 == 0 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    pub fn birth_year(&self) -> i32 {
        1900 + (self.0[3] / 2) as i32 * 100 + self.0[4] as i32 * 10 + self.0[5] as i32
    }
}

/// A citizen identifier as written on a dossier.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CitizenId {
    /// Căn cước công dân / số định danh cá nhân: 12 digits.
    Cccd(Cccd),
    /// Chứng minh nhân dân: 9 digits.
    Cmnd(String),
    /// A passport number, kept as written (upper case, no spaces); not validated further.
    Passport(String),
}

impl CitizenId {
    /// Parse a CCCD or CMND (digits; spaces, dots and dashes between groups are ignored).
    pub fn parse(input: &str) -> Result<Self, CitizenIdError> {
        if input.len() > 64 {
            return Err(CitizenIdError::DigitCount(input.len()));
        }
        let mut digits = Vec::with_capacity(12);
        for c in input.trim().chars() {
            match c {
                '0'..='9' => digits.push(c as u8 - b'0'),
                ' ' | '.' | '-' => {}
                _ => return Err(CitizenIdError::NotDigits),
            }
        }
        match digits.len() {
            0 => Err(CitizenIdError::Empty),
            12 => {
                let arr: [u8; 12] = digits.try_into().expect("12 digits");
                Ok(CitizenId::Cccd(Cccd::parse_digits(&arr)?))
            }
            9 => Ok(CitizenId::Cmnd(
                digits.iter().map(|d| (b'0' + d) as char).collect(),
            )),
            n => Err(CitizenIdError::DigitCount(n)),
        }
    }

    /// Like [`CitizenId::parse`], and refuses a CCCD whose birth year is after `current_year`.
    pub fn parse_in_year(input: &str, current_year: i32) -> Result<Self, CitizenIdError> {
        let id = Self::parse(input)?;
        if let CitizenId::Cccd(c) = &id {
            if c.birth_year() > current_year {
                return Err(CitizenIdError::FutureBirthYear(c.birth_year()));
            }
        }
        Ok(id)
    }

    /// A passport number: 6 to 20 ASCII letters and digits, case-insensitive.
    pub fn passport(input: &str) -> Result<Self, CitizenIdError> {
        let s: String = input.trim().to_ascii_uppercase();
        if !(6..=20).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(CitizenIdError::Passport);
        }
        Ok(CitizenId::Passport(s))
    }

    /// Digits only (or the passport number): the canonical form to store and hash.
    pub fn canonical(&self) -> String {
        match self {
            CitizenId::Cccd(c) => c.0.iter().map(|d| (b'0' + d) as char).collect(),
            CitizenId::Cmnd(s) | CitizenId::Passport(s) => s.clone(),
        }
    }

    /// For display to someone who must not see the number: first three and last two kept.
    pub fn masked(&self) -> String {
        let s = self.canonical();
        let n = s.chars().count();
        s.chars()
            .enumerate()
            .map(|(i, c)| if i < 3 || i + 2 >= n { c } else { '•' })
            .collect()
    }

    pub fn kind(&self) -> &'static str {
        match self {
            CitizenId::Cccd(_) => "cccd",
            CitizenId::Cmnd(_) => "cmnd",
            CitizenId::Passport(_) => "passport",
        }
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// Never prints the number in clear: debug output ends up in logs.
impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CitizenId::{}({})", self.kind(), self.masked())
    }
}

impl fmt::Debug for Cccd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cccd({})", CitizenId::Cccd(self.clone()).masked())
    }
}

impl Serialize for CitizenId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CitizenId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.bytes().any(|b| b.is_ascii_alphabetic()) {
            CitizenId::passport(&s)
        } else {
            CitizenId::parse(&s)
        }
        .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_province_list_is_complete() {
        assert_eq!(provinces().len(), 63);
        assert_eq!(provinces()[&66], "Đắk Lắk");
        assert_eq!(provinces()[&1], "Hà Nội");
        assert_eq!(provinces()[&96], "Cà Mau");
    }

    #[test]
    fn cccd_fields() {
        let CitizenId::Cccd(c) = CitizenId::parse("066 1 85 012345").unwrap() else {
            panic!("not a CCCD")
        };
        assert_eq!(c.province_code(), 66);
        assert_eq!(c.province_name(), "Đắk Lắk");
        assert_eq!(c.sex(), Sex::Female);
        assert_eq!(c.birth_year(), 1985);
        let CitizenId::Cccd(c) = CitizenId::parse("001203004567").unwrap() else {
            panic!("not a CCCD")
        };
        assert_eq!((c.sex(), c.birth_year()), (Sex::Male, 2003));
    }

    #[test]
    fn every_rule_is_named() {
        assert_eq!(CitizenId::parse(""), Err(CitizenIdError::Empty));
        assert_eq!(
            CitizenId::parse("12345"),
            Err(CitizenIdError::DigitCount(5))
        );
        assert_eq!(
            CitizenId::parse("0661850123456"),
            Err(CitizenIdError::DigitCount(13))
        );
        assert_eq!(
            CitizenId::parse("003185012345"),
            Err(CitizenIdError::UnknownProvince("003".into()))
        );
        assert_eq!(
            CitizenId::parse("097185012345"),
            Err(CitizenIdError::UnknownProvince("097".into()))
        );
        assert_eq!(
            CitizenId::parse("066585012345"),
            Err(CitizenIdError::Century(5))
        );
        assert_eq!(
            CitizenId::parse("06618501234a"),
            Err(CitizenIdError::NotDigits)
        );
        assert_eq!(
            CitizenId::parse_in_year("066335012345", 2026),
            Err(CitizenIdError::FutureBirthYear(2035))
        );
        assert_eq!(
            CitizenId::parse_in_year("066230012345", 2026),
            Err(CitizenIdError::FutureBirthYear(2030))
        );
        assert!(CitizenId::parse_in_year("066225012345", 2026).is_ok());
        let e = CitizenId::parse("097185012345").unwrap_err();
        assert!(e.message(Lang::Vi).contains("097"));
        assert!(e.message(Lang::En).contains("province"));
    }

    #[test]
    fn cmnd_and_passport() {
        assert_eq!(
            CitizenId::parse("241 234 567").unwrap(),
            CitizenId::Cmnd("241234567".into())
        );
        assert_eq!(
            CitizenId::passport("c1234567").unwrap(),
            CitizenId::Passport("C1234567".into())
        );
        assert!(CitizenId::passport("C12").is_err());
        assert!(CitizenId::passport("C123 4567").is_err());
    }

    #[test]
    fn debug_never_shows_the_number() {
        let id = CitizenId::parse("066185012345").unwrap();
        let d = format!("{id:?}");
        assert!(!d.contains("066185012345"));
        assert!(d.contains("066•••••••45"));
        assert_eq!(id.to_string(), "066185012345");
    }
}
