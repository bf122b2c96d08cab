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
}
