//! What the server stores, as plain serde types.

use chrono::{DateTime, FixedOffset};
use motcua_core::AgencyCode;
use motcua_core::workflow::Dossier;
use serde::{Deserialize, Serialize};

pub use motcua_protocol::catalogue::{Agency, Fee, Procedure, RequiredDocument};
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

/// A login session; stored under the SHA-256 of its token, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub username: String,
    pub created_at: DateTime<FixedOffset>,
    pub expires_at: DateTime<FixedOffset>,
}
