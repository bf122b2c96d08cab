//! What the store holds, as plain serde types. Types that also cross the wire are the
//! protocol's, re-exported here.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use motcua_core::AgencyCode;
use motcua_core::calendar::CalendarYear;
use motcua_core::rating::Scale;
use motcua_core::workflow::Dossier;
use motcua_protocol::staff::{KioskView, RejectedEvent};
use motcua_protocol::sync::{Heartbeat, KioskConfig};
use serde::{Deserialize, Serialize};

pub use motcua_protocol::catalogue::{
    Agency, Fee, JointStep, Procedure, RequiredDocument, Retention,
};
pub use motcua_protocol::centre::{CentreInfo, Counter};
pub use motcua_protocol::public::{FeedbackChannel, FeedbackStatus};
pub use motcua_protocol::staff::{Applicant, AuditEntry, Role, SubmittedDocument};

/// A dossier as stored: who, what, its folded workflow state and its full history, in one value
/// (one B-tree lookup per read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierRecord {
    pub code: String,
    pub procedure_id: String,
    pub procedure_name: String,
    /// The unit that received it (its code prefixes the dossier code).
    pub receiving_agency: AgencyCode,
    /// The procedure's competent agency.
    pub competent_agency: AgencyCode,
    pub applicant: Applicant,
    pub documents: Vec<SubmittedDocument>,
    /// The 4-digit lookup secret printed on the receipt (mã tra cứu).
    pub secret: String,
    pub state: Dossier,
    /// Every event, in order: the state is their fold.
    pub history: Vec<motcua_core::Event>,
}

impl DossierRecord {
    /// The agency whose officers handle it: where it was transferred, else the competent one.
    pub fn handling_agency(&self) -> &AgencyCode {
        self.state.agency.as_ref().unwrap_or(&self.competent_agency)
    }
}

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    /// The agency (desk or department) the account works for; none for admins.
    pub agency: Option<AgencyCode>,
    /// An argon2id PHC string.
    pub password_hash: String,
    pub must_change_password: bool,
    pub failed_logins: u32,
    pub locked_until: Option<DateTime<FixedOffset>>,
    pub disabled: bool,
    pub created_at: DateTime<FixedOffset>,
}

/// A sign-in session; stored under the SHA-256 of its token, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub username: String,
    pub created_at: DateTime<FixedOffset>,
    pub expires_at: DateTime<FixedOffset>,
}

/// A kiosk as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kiosk {
    pub id: String,
    pub name: String,
    pub centre: AgencyCode,
    /// The agencies whose dossiers it may show.
    pub scope: Vec<AgencyCode>,
    /// SHA-256 of the one-time enrolment code, until used.
    pub enrolment_key: Option<String>,
    pub enrolled_at: Option<DateTime<FixedOffset>>,
    pub revoked: bool,
    pub created_at: DateTime<FixedOffset>,
    pub last_heartbeat: Option<(DateTime<FixedOffset>, Heartbeat)>,
    /// Raised when the scope changes: older cursors must resnapshot.
    #[serde(default)]
    pub scope_version: u32,
    #[serde(default)]
    pub config: KioskConfig,
    /// Events it pushed that were refused for good, and the latest of them.
    #[serde(default)]
    pub rejected_events: u64,
    #[serde(default)]
    pub recent_rejections: Vec<RejectedEvent>,
    /// The block of queue numbers it issues from offline (1..=4), unique among the centre's
    /// kiosks that are not revoked.
    #[serde(default)]
    pub queue_slot: Option<u8>,
}

/// How many refused events a kiosk's record keeps (the count goes on).
pub const RECENT_REJECTIONS: usize = 20;

impl Kiosk {
    /// What the fleet console sees: no enrolment key.
    pub fn view(&self) -> KioskView {
        KioskView {
            id: self.id.clone(),
            name: self.name.clone(),
            centre: self.centre.clone(),
            scope: self.scope.clone(),
            enrolled_at: self.enrolled_at,
            revoked: self.revoked,
            created_at: self.created_at,
            last_heartbeat: self.last_heartbeat.clone(),
            config: self.config.clone(),
            rejected_events: self.rejected_events,
            recent_rejections: self.recent_rejections.clone(),
        }
    }
}

/// A feedback as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub code: String,
    pub channel: FeedbackChannel,
    pub category: String,
    pub content: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub dossier: Option<String>,
    pub received_at: DateTime<FixedOffset>,
    pub entered_at: DateTime<FixedOffset>,
    pub entered_by: Option<String>,
    /// Entered more than 8 working hours after it was received (Art. 21.3).
    pub late_entry: bool,
    pub due: DateTime<FixedOffset>,
    pub status: FeedbackStatus,
    pub assignee: Option<String>,
    /// The latest answer, published (the history is in `answers`).
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<FixedOffset>>,
    pub closed_at: Option<DateTime<FixedOffset>>,
    /// The centre it reached (a kiosk's, a desk's); none: the web, for every centre.
    #[serde(default)]
    pub centre: Option<String>,
    /// The agency of the assigned officer: it may read and answer the feedback.
    #[serde(default)]
    pub agency: Option<AgencyCode>,
    /// Every answer given, oldest first: a corrected answer never erases the one before.
    #[serde(default)]
    pub answers: Vec<FeedbackAnswer>,
}

/// One answer to a feedback, as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackAnswer {
    pub at: DateTime<FixedOffset>,
    pub by: String,
    pub text: String,
}

/// A rating as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub id: u64,
    pub at: DateTime<FixedOffset>,
    pub scale: Scale,
    pub level: u8,
    pub dossier: Option<String>,
    pub counter: Option<String>,
    pub officer: Option<String>,
    #[serde(default)]
    pub criteria: BTreeMap<String, u8>,
    /// The queue ticket whose service is rated.
    #[serde(default)]
    pub ticket: Option<String>,
}

/// A calendar year loaded through the API, with who loaded it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredYear {
    pub year: CalendarYear,
    pub loaded_by: String,
    pub loaded_at: DateTime<FixedOffset>,
}
