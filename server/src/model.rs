//! What the server stores, as plain serde types.

use chrono::{DateTime, FixedOffset};
use motcua_core::workflow::Dossier;
use motcua_core::{AgencyCode, CitizenId, ProcessingTime};
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
    pub channels: Vec<motcua_core::Channel>,
}

/// The applicant as written on the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub name: String,
    pub citizen_id: CitizenId,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address: String,
}

/// A document handed in with the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedDocument {
    pub name: String,
    #[serde(default)]
    pub original: bool,
    #[serde(default = "one")]
    pub copies: u32,
}

fn one() -> u32 {
    1
}

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

/// Staff roles (regulation Art. 6, 24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Cán bộ một cửa: receives, checks, transfers, returns.
    Receptionist,
    /// Chuyên viên xử lý: appraises, consults, verifies.
    Officer,
    /// Lãnh đạo cơ quan: assigns, approves, rejects, apologises.
    Head,
    /// Quản trị trung tâm: catalogue, kiosks, reports, staff accounts.
    CentreAdmin,
    /// Quản trị hệ thống: accounts and the audit log.
    SystemAdmin,
}

impl Role {
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Receptionist => "Cán bộ tiếp nhận",
            Role::Officer => "Chuyên viên xử lý",
            Role::Head => "Lãnh đạo cơ quan",
            Role::CentreAdmin => "Quản trị trung tâm",
            Role::SystemAdmin => "Quản trị hệ thống",
        }
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Role::CentreAdmin | Role::SystemAdmin)
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

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: DateTime<FixedOffset>,
    /// The account, or the username tried for a failed login.
    pub actor: String,
    pub address: String,
    pub action: String,
    pub target: String,
    /// "ok" or the error code that refused it.
    pub outcome: String,
    #[serde(default)]
    pub detail: String,
}
