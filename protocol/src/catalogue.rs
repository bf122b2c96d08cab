//! The catalogue: agencies and the administrative procedures they handle.

use motcua_core::{AgencyCode, Channel, ProcessingTime};
use serde::{Deserialize, Serialize};

/// An agency in the tree. Levels are data (`level` is a label), not a fixed hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub code: AgencyCode,
    pub name: String,
    pub parent: Option<AgencyCode>,
    /// E.g. "Tỉnh", "Sở", "Xã": a label for display.
    pub level: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// Codes invented for demos and tests, not official identifiers.
    #[serde(default)]
    pub example: bool,
}

/// A fee of a procedure, in đồng.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub name: String,
    pub amount: u64,
}

/// A document a procedure requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredDocument {
    pub name: String,
    #[serde(default)]
    pub originals: u32,
    #[serde(default)]
    pub copies: u32,
}

/// An administrative procedure of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedure {
    /// `<national code>.<agency code>`, e.g. `1.001193.000.00.00.H16`.
    pub id: String,
    pub national_code: String,
    pub name: String,
    /// Lĩnh vực, e.g. "Hộ tịch".
    pub field: String,
    pub processing_time: ProcessingTime,
    pub fees: Vec<Fee>,
    pub documents: Vec<RequiredDocument>,
    /// The competent agency.
    pub agency: AgencyCode,
    /// Channels it can be submitted through.
    pub channels: Vec<Channel>,
    /// Art. 8.2: the result is given at once on receipt (no receipt and appointment unless the
    /// applicant asks for one).
    #[serde(default)]
    pub immediate: bool,
    /// Liên thông (Art. 10.1d): the agencies taking part besides the competent one (the lead),
    /// each with its task and its time; the desk sends the dossier to all of them at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joint: Vec<JointStep>,
    /// How long a closed dossier of this procedure is kept (Art. 23.1); none until the centre
    /// sets it from the retention schedule its archive applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
}

/// A participating agency of a joint procedure (Art. 10.1d): its task, and how many working
/// days it has from the transfer (never past the dossier's due date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointStep {
    pub agency: AgencyCode,
    pub task: String,
    pub working_days: u32,
    /// The agency that needs its result for the next step; the lead when none is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand_to: Option<AgencyCode>,
}

/// How long a closed dossier is kept (Art. 23.1: per the retention schedule the archive
/// applies; the values are the centre's to set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retention {
    Permanent,
    Years(u16),
}

impl Retention {
    /// The most years a time-limited class may say.
    pub const MAX_YEARS: u16 = 200;

    /// The last year a dossier closed in `closed_year` is kept through; none when permanent.
    pub fn keep_through(self, closed_year: i32) -> Option<i32> {
        match self {
            Retention::Permanent => None,
            Retention::Years(n) => Some(closed_year.saturating_add(i32::from(n))),
        }
    }

    /// In words: "Vĩnh viễn" / "Permanent", "20 năm" / "20 years".
    pub fn label(self, lang: motcua_core::Lang) -> String {
        match (self, lang) {
            (Retention::Permanent, motcua_core::Lang::Vi) => "Vĩnh viễn".into(),
            (Retention::Permanent, motcua_core::Lang::En) => "Permanent".into(),
            (Retention::Years(n), motcua_core::Lang::Vi) => format!("{n} năm"),
            (Retention::Years(n), motcua_core::Lang::En) => format!("{n} years"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_reads_as_the_catalogue_writes_it_and_says_the_last_year_kept() {
        #[derive(Deserialize)]
        struct P {
            retention: Retention,
        }
        let p: P = toml::from_str("retention = { years = 20 }").unwrap();
        assert_eq!(p.retention, Retention::Years(20));
        assert_eq!(p.retention.keep_through(2026), Some(2046));
        assert_eq!(p.retention.label(motcua_core::Lang::Vi), "20 năm");
        let p: P = toml::from_str("retention = \"permanent\"").unwrap();
        assert_eq!(p.retention, Retention::Permanent);
        assert_eq!(p.retention.keep_through(2026), None);
        assert_eq!(p.retention.label(motcua_core::Lang::En), "Permanent");
        assert_eq!(
            Retention::Years(u16::MAX).keep_through(i32::MAX),
            Some(i32::MAX)
        );
    }
}
