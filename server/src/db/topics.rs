//! Topics: what a commit changed, published by the writer after the commit is durable, for
//! whoever follows the store live — kiosks' long-polls today, display boards and notifiers next.
//! A listener keeps only the topics in its scope (a kiosk: its agencies, its centre, itself), so
//! a commit elsewhere wakes nobody.

use std::sync::Arc;

/// Something that changed in one commit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A dossier, with the agencies that show it now (receiving, handling) and those that
    /// showed it before and no longer do.
    Dossier {
        code: String,
        agencies: Vec<String>,
        left: Vec<String>,
    },
    /// The procedure catalogue or the agencies (every kiosk shows them).
    Catalogue,
    /// A centre's public information.
    Centre(String),
    /// A kiosk's own settings.
    Kiosk(String),
    /// A centre's queue: a ticket issued, called or served, a counter opened, the configuration.
    Queue(String),
    /// A kiosk's health or record as the fleet console shows it: a heartbeat, an enrolment, a
    /// change of settings, a revocation, an event refused.
    Fleet,
}

/// The topics of one batch of commits, as published.
pub type Published = Arc<[Topic]>;

/// How many published batches a slow listener may fall behind before it is told it lagged (and
/// reads everything again).
pub const BACKLOG: usize = 1024;
