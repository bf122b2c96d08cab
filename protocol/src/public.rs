//! What the public reaches without an account: lookups (a minimal row by code, citizen ID or full
//! name; the detail with the receipt's lookup secret), feedback and ratings. Kiosks use the same
//! routes with their device token, which gives them their own allowance.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use motcua_core::public::{PublicDetail, PublicRow};
use serde::{Deserialize, Serialize};

/// `GET /api/v1/public/dossiers/{code}`: with `secret`, the detail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretQuery {
    #[serde(default)]
    pub secret: Option<String>,
}

/// The answer by code: the minimal row, or the detail when the secret was right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ByCode {
    Detail(Box<PublicDetail>),
    Row(PublicRow),
}

/// `GET /api/v1/public/lookup`: exactly one of the two.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    #[serde(default)]
    pub citizen_id: Option<String>,
    /// The applicant's full name (at least two words).
    #[serde(default)]
    pub name: Option<String>,
}

/// How feedback reached the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackChannel {
    Kiosk,
    Web,
    Letter,
    Phone,
    Visit,
}

/// Where feedback stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackStatus {
    Received,
    Assigned,
    Answered,
    Closed,
}

/// A feedback (phản ánh, kiến nghị) as sent by the public, a kiosk or staff entering a letter,
/// call or visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackIn {
    pub category: String,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossier: Option<String>,
    /// The visitor agreed that the centre may use the name and phone to answer.
    #[serde(default)]
    pub consent: bool,
    /// For staff entries: how it was received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<FeedbackChannel>,
    /// For staff entries: when it was received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<DateTime<FixedOffset>>,
}

/// What the public sees of a feedback: never the name or phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicFeedback {
    pub code: String,
    pub category: String,
    pub status: FeedbackStatus,
    pub received_at: DateTime<FixedOffset>,
    pub due: DateTime<FixedOffset>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<FixedOffset>>,
}

/// A rating of the service (Art. 5.5) on the configured scale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingIn {
    pub level: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossier: Option<String>,
    /// The counter's number, one of the centre's counters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter: Option<String>,
    /// The officer's name as on the counter's badge (the server takes it from the counter; a
    /// name that is not the counter's is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer: Option<String>,
    /// Answers per criterion (keys of `motcua_core::rating::CRITERIA`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub criteria: BTreeMap<String, u8>,
    /// The centre whose counter is rated (from the web; a kiosk's own centre otherwise; may be
    /// left out where the server holds one centre).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centre: Option<String>,
    /// The receipt's lookup secret: a rating from the web that names a dossier needs it (only the
    /// applicant rates their dossier); for a ticket, the key in its QR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// A queue ticket served (`{centre}-{yymmdd}-{A012}`): the rating is tied to the counter and
    /// the officer that served it, once per ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

/// The scale and the criteria (`GET /api/v1/public/ratings/scale`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleView {
    pub levels: u8,
    /// (level, Vietnamese, English).
    pub labels: Vec<(u8, String, String)>,
    /// (key, Vietnamese, English).
    pub criteria: Vec<(String, String, String)>,
}
