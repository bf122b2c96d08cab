//! What staff send and receive: sign-in, the dossier workflow, accounts and the kiosk fleet.

use chrono::{DateTime, FixedOffset};
use motcua_core::workflow::{
    Consultation, Fees, JointTask, MissingItem, PendingNotice, Verification,
};
use motcua_core::{AgencyCode, Channel, CitizenId, EventKind, ReturnChannel, Step, Timeliness};
use serde::{Deserialize, Serialize};

pub use motcua_core::workflow::Command;

use crate::sync::{Heartbeat, KioskConfig};

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
    /// Quản trị hệ thống: accounts, the audit log, the calendar.
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

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// An account as shown to its owner and to admins: never the hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub role_label: String,
    pub agency: Option<String>,
    pub must_change_password: bool,
    pub disabled: bool,
}

/// The answer to a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginReply {
    pub token: String,
    pub expires_at: DateTime<FixedOffset>,
    pub must_change_password: bool,
    pub user: UserView,
}

/// `POST /api/v1/auth/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// The applicant as the desk types it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicantIn {
    pub name: String,
    pub citizen_id: String,
    /// `cccd_cmnd` (default) or `passport`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_kind: Option<String>,
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
    /// For a dossier submitted online: where the portal keeps the file (its reference or
    /// address), for the desk to check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

fn one() -> u32 {
    1
}

/// `POST /api/v1/dossiers`: receive a dossier at a desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiveRequest {
    pub procedure: String,
    pub applicant: ApplicantIn,
    pub channel: Channel,
    #[serde(default)]
    pub documents: Vec<SubmittedDocument>,
    /// When a postal or online dossier arrived; now when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<FixedOffset>>,
}

/// `POST /api/v1/portal/dossiers`: a dossier submitted online, pushed by the public-service
/// portal or the province's system. It waits at `desk` for the check that receives it
/// (Art. 8.1c).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalSubmission {
    /// The receiving desk's agency code.
    pub desk: String,
    pub procedure: String,
    pub applicant: ApplicantIn,
    pub documents: Vec<SubmittedDocument>,
    /// When the applicant submitted it on the portal.
    pub submitted_at: DateTime<FixedOffset>,
}

/// A national status with its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusLabel {
    pub code: u8,
    pub vi: String,
    pub en: String,
}

/// A workflow step with its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepLabel {
    pub key: Step,
    pub vi: String,
    pub en: String,
}

/// The answer to a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiveReply {
    pub code: String,
    /// The 4-digit lookup secret printed on the receipt.
    pub secret: String,
    pub received_at: DateTime<FixedOffset>,
    pub appointment: DateTime<FixedOffset>,
    pub transfer_due: DateTime<FixedOffset>,
    pub status: StatusLabel,
}

/// The applicant as stored and shown to staff.
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

/// The workflow state not shown in the head of a [`DossierView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierDetails {
    pub round: u32,
    pub assignee: Option<String>,
    pub transferred_at: Option<DateTime<FixedOffset>>,
    pub supplement: Vec<MissingItem>,
    pub paused_at: Option<DateTime<FixedOffset>>,
    pub consultations: Vec<Consultation>,
    pub verification: Option<Verification>,
    pub fees: Fees,
    pub reason: Option<String>,
    pub finished_at: Option<DateTime<FixedOffset>>,
    pub returned_at: Option<DateTime<FixedOffset>>,
    pub return_channel: Option<ReturnChannel>,
    pub apologies: u32,
    /// A notice drafted by the officer, on its way through the head and the desk (Art. 20.2).
    #[serde(default)]
    pub notice: Option<PendingNotice>,
    /// A joint (liên thông) dossier's participating agencies and their parts (Art. 10.1d).
    #[serde(default)]
    pub joint: Vec<JointTask>,
}

/// One event of a dossier's timeline, with its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<FixedOffset>,
    pub by: String,
    pub vi: String,
    pub en: String,
    pub event: EventKind,
}

/// What staff see of a dossier (`GET /api/v1/dossiers/{code}` and the answer to an action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierView {
    pub code: String,
    pub secret: String,
    pub procedure_id: String,
    pub procedure_name: String,
    pub receiving_agency: String,
    pub handling_agency: String,
    pub channel: Channel,
    pub applicant: Applicant,
    pub documents: Vec<SubmittedDocument>,
    pub status: StatusLabel,
    pub step: StepLabel,
    pub submitted_at: DateTime<FixedOffset>,
    pub received_at: DateTime<FixedOffset>,
    pub appointment: DateTime<FixedOffset>,
    pub original_appointment: DateTime<FixedOffset>,
    pub transfer_due: DateTime<FixedOffset>,
    /// The legal due instant lateness is measured against: the appointment unless an apology
    /// set a later one (the dossier stays late).
    pub legal_due: DateTime<FixedOffset>,
    pub overdue: bool,
    pub timeliness: Option<Timeliness>,
    pub details: DossierDetails,
    pub timeline: Vec<TimelineEntry>,
}

/// `GET /api/v1/dossiers` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overdue: Option<bool>,
    /// Only dossiers still at the desk past their transfer deadline (or, false, not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_overdue: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<usize>,
    /// Continue after this position (a previous page's `next`); `page` is then ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// A row of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierRow {
    pub code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    pub status: StatusLabel,
    pub step: StepLabel,
    pub received_at: DateTime<FixedOffset>,
    pub appointment: DateTime<FixedOffset>,
    pub overdue: bool,
    /// The deadline to transfer it to the competent agency (8 working hours after the receipt).
    #[serde(default)]
    pub transfer_due: Option<DateTime<FixedOffset>>,
    /// Still at the desk past that deadline.
    #[serde(default)]
    pub transfer_overdue: bool,
}

/// A page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierList {
    pub items: Vec<DossierRow>,
    pub page: usize,
    pub per_page: usize,
    pub has_more: bool,
    /// Where the next page starts (pass it as `after`); none at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// How many dossiers this page looked at; a page stops at a bound, so a rare filter may
    /// return fewer rows than asked with a `next` to go on.
    #[serde(default)]
    pub scanned: usize,
}

/// `POST /api/v1/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    #[serde(default)]
    pub agency: Option<AgencyCode>,
}

/// `PATCH /api/v1/admin/users/{username}`: what to change of an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The agency (its scope); `null` for none (administrators only); absent: unchanged.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub agency: Option<Option<AgencyCode>>,
    /// A disabled account cannot sign in; its sessions end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// A field that is there, `null` included (`Some(None)`); an absent one stays `None` by its
/// `default`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A new account or a reset password: shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub user: UserView,
    /// The account must change it at its next sign-in.
    pub one_time_password: String,
}

/// A sign-in lock in force (`GET /api/v1/admin/sign-in-locks`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInLockView {
    /// The account held back from `address`; none: every account from it.
    pub username: Option<String>,
    pub address: String,
    pub until: DateTime<FixedOffset>,
}

/// `POST /api/v1/admin/sign-in-locks/unlock`: lift the locks of an account (from every
/// address), of an address (for every account), or of both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unlock {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// What an unlock lifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlocked {
    pub lifted: usize,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: DateTime<FixedOffset>,
    /// The account, or the username tried for a failed sign-in.
    pub actor: String,
    pub address: String,
    pub action: String,
    pub target: String,
    /// "ok" or the error code that refused it.
    pub outcome: String,
    #[serde(default)]
    pub detail: String,
}

/// `POST /api/v1/admin/kiosks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKiosk {
    pub name: String,
    pub centre: AgencyCode,
    /// The agencies whose dossiers it may show.
    pub scope: Vec<AgencyCode>,
}

/// A kiosk just created: its id and the one-time enrolment code (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKiosk {
    pub id: String,
    pub enrolment_code: String,
}

/// `PATCH /api/v1/admin/kiosks/{id}`: what to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<AgencyCode>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<KioskConfig>,
}

/// An event a kiosk pushed that the server refused for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedEvent {
    pub id: String,
    pub seq: u64,
    pub kind: String,
    pub code: String,
    pub message: motcua_core::Bilingual,
    pub at: DateTime<FixedOffset>,
}

/// A kiosk as the fleet console sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskView {
    pub id: String,
    pub name: String,
    pub centre: AgencyCode,
    pub scope: Vec<AgencyCode>,
    pub enrolled_at: Option<DateTime<FixedOffset>>,
    pub revoked: bool,
    pub created_at: DateTime<FixedOffset>,
    pub last_heartbeat: Option<(DateTime<FixedOffset>, Heartbeat)>,
    pub config: KioskConfig,
    /// Events refused for good, how many, and the latest few.
    #[serde(default)]
    pub rejected_events: u64,
    #[serde(default)]
    pub recent_rejections: Vec<RejectedEvent>,
}
