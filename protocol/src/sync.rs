//! The kiosk protocol (see `docs/sync.md`): enrolment, heartbeats, events pushed from the
//! outbox, and the change feed's pages.
//!
//! What a kiosk holds of a dossier ([`KioskDossier`]) is what anyone who knows the code may see
//! (the minimal row) and what the overdue rule needs: no name beyond the masked one, no citizen
//! ID, no lookup secret, and no digest of any of them — a stolen kiosk disk must not give them
//! back, and a keyed digest of a 4-digit secret or a structured ID number is undone by trying
//! every value. The detail behind the secret, and lookups by citizen ID or name, are asked of the
//! server.

use chrono::{DateTime, FixedOffset};
use motcua_core::devices::{PrinterStatus, ScannerState};
use motcua_core::public::PublicRow;
use motcua_core::rating::Scale;
use motcua_core::workflow::DueState;
use motcua_core::{AgencyCode, Lang, Step};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalogue::{Agency, Procedure};
use crate::centre::CentreInfo;
use crate::public::{FeedbackIn, RatingIn};

/// `POST /api/v1/sync/enrol`: the one-time code an admin gave for this kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub enrolment_code: String,
}

/// The answer to an enrolment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    pub kiosk_id: String,
    /// The device token: kept by the kiosk, sent with every sync call and online lookup.
    pub token: String,
    pub name: String,
    pub centre: AgencyCode,
    pub scope: Vec<AgencyCode>,
}

/// `POST /api/v1/sync/heartbeat`: what a kiosk reports every few seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub app_version: String,
    pub uptime_s: u64,
    /// The last change-feed cursor the kiosk applied.
    #[serde(default)]
    pub cursor: Option<String>,
    pub outbox_depth: u64,
    pub printer: PrinterStatus,
    pub scanner: ScannerState,
    pub free_disk_mb: u64,
    /// The protocol version the kiosk speaks (0: before versions were reported).
    #[serde(default)]
    pub protocol: u32,
    /// When a visitor last pressed "Gọi cán bộ hỗ trợ" (call for staff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_requested_at: Option<DateTime<FixedOffset>>,
}

/// Screen orientation of a kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    #[default]
    Portrait,
    Landscape,
}

/// Settings an admin pushes to a kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskConfig {
    /// Seconds without a touch before the screen is wiped and returns home.
    #[serde(default = "default_idle")]
    pub idle_timeout_s: u32,
    #[serde(default)]
    pub orientation: Orientation,
    /// The language a visitor first sees.
    #[serde(default)]
    pub language: Lang,
    /// The satisfaction scale this kiosk asks on (3 or 5 levels); none: the server's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_levels: Option<Scale>,
}

/// The idle timeout unless an admin says otherwise, in seconds.
pub const DEFAULT_IDLE_S: u32 = 60;
/// The idle timeouts an admin may set, in seconds.
pub const IDLE_RANGE_S: std::ops::RangeInclusive<u32> = 10..=3600;

fn default_idle() -> u32 {
    DEFAULT_IDLE_S
}

impl Default for KioskConfig {
    fn default() -> Self {
        KioskConfig {
            idle_timeout_s: DEFAULT_IDLE_S,
            orientation: Orientation::default(),
            language: Lang::Vi,
            rating_levels: None,
        }
    }
}

/// What a kiosk learns of itself through the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskSettings {
    pub kiosk_id: String,
    pub name: String,
    pub centre: AgencyCode,
    pub scope: Vec<AgencyCode>,
    #[serde(flatten)]
    pub config: KioskConfig,
    /// The rating scale of the server (3 or 5 levels).
    pub rating_scale: Scale,
    /// The block of queue numbers this kiosk issues from when offline
    /// (`motcua_core::queue::offline_block`); none: it issues only online.
    #[serde(default)]
    pub queue_slot: Option<u8>,
    /// The address visitors' phones open for a ticket's page (`{public_url}/q/{id}`); none:
    /// the kiosk's server address.
    #[serde(default)]
    pub public_url: Option<String>,
}

/// How a printed slip went, reported through the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintResult {
    /// Which slip: `status`, `feedback`, `ticket`, `test`.
    pub slip: String,
    pub ok: bool,
    pub printer: PrinterStatus,
    /// The printer error's code when it failed.
    #[serde(default)]
    pub error: Option<String>,
}

/// Something that went wrong on the kiosk, worth the fleet console's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskFault {
    pub code: String,
    #[serde(default)]
    pub detail: String,
}

/// What happened on the kiosk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum KioskEventBody {
    Feedback(FeedbackIn),
    Rating(RatingIn),
    PrintResult(PrintResult),
    Error(KioskFault),
    /// A queue number the kiosk issued from its offline block.
    Ticket(OfflineTicket),
}

/// A queue number issued while the server could not be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineTicket {
    /// The centre's day it was issued for.
    pub day: chrono::NaiveDate,
    /// As printed: `A950`.
    pub number: String,
    #[serde(default)]
    pub priority: Option<motcua_core::queue::Priority>,
    /// When the kiosk issued it (its own clock).
    pub issued_at: DateTime<FixedOffset>,
    /// The secret the kiosk printed in its QR.
    #[serde(default)]
    pub key: String,
}

impl KioskEventBody {
    /// The event's type as it travels.
    pub fn kind(&self) -> &'static str {
        match self {
            KioskEventBody::Feedback(_) => "feedback",
            KioskEventBody::Rating(_) => "rating",
            KioskEventBody::PrintResult(_) => "print_result",
            KioskEventBody::Error(_) => "error",
            KioskEventBody::Ticket(_) => "ticket",
        }
    }
}

/// One event from a kiosk's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KioskEvent {
    /// Made by the kiosk: the event's identity (stored once however often it is pushed).
    pub id: Uuid,
    /// The kiosk's local sequence number, from 1.
    pub seq: u64,
    /// When it happened on the kiosk.
    pub at: DateTime<FixedOffset>,
    #[serde(flatten)]
    pub body: KioskEventBody,
}

/// `POST /api/v1/sync/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    pub events: Vec<KioskEvent>,
}

/// Most events in one batch.
pub const MAX_EVENTS: usize = 1000;

/// An event the server will never take (a rating on a scale that changed, a dossier that does
/// not exist): kept on the server with its reason for the fleet console, and acknowledged so
/// that it does not block the events behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    pub id: Uuid,
    pub seq: u64,
    pub code: String,
    pub message: motcua_core::Bilingual,
}

/// The answer to a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAck {
    /// Every event up to this sequence number is held (stored or rejected): the outbox may
    /// forget them.
    pub acked: u64,
    pub stored: usize,
    pub duplicates: usize,
    /// The events of this batch refused for good, with why.
    #[serde(default)]
    pub rejected: Vec<Rejected>,
}

/// `GET /api/v1/sync/changes` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    pub since: Option<String>,
    pub limit: Option<usize>,
    pub wait: Option<u64>,
}

/// A dossier as a kiosk holds it: the minimal row anyone with the code may see, where it is
/// handled, and what the overdue rule needs. Nothing that names a person beyond the masked
/// name, nothing that checks a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskDossier {
    #[serde(flatten)]
    pub row: PublicRow,
    pub procedure_id: String,
    /// The internal step (the row's status is its national code).
    pub step: Step,
    /// The handling agency's code and name.
    pub agency_code: String,
    pub agency: String,
    pub receiving_agency: String,
    /// What `overdue` is judged from, with `motcua_core::workflow::DueState::overdue_at`.
    pub due_state: DueState,
}

/// One change as served to a kiosk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    Dossier(Box<KioskDossier>),
    /// The dossier left the kiosk's scope (transferred elsewhere): drop it.
    DossierRemoved {
        code: String,
    },
    Procedure(Box<Procedure>),
    /// The procedure left the catalogue: drop it.
    ProcedureRemoved {
        id: String,
    },
    Agency(Box<Agency>),
    Centre(Box<CentreInfo>),
    Config(Box<KioskSettings>),
    /// The queue of the kiosk's centre (services, hours, counters), for issuing numbers even
    /// when the server cannot be reached.
    Queue(Box<motcua_core::queue::QueueConfig>),
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// Send it back as `since` for the next page.
    pub cursor: String,
    /// This page starts a snapshot: discard the replica before applying it.
    pub reset: bool,
    /// More changes are ready: ask again at once.
    pub more: bool,
    pub changes: Vec<Change>,
}
