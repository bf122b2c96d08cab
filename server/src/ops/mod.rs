//! # Operations (layer 2 of the server)
//!
//! One function per operation — receive a dossier, act on it, sign in, enrol a kiosk, take a
//! kiosk's events, answer feedback, load a calendar year, … — used by the HTTP API, the
//! command line, the seed and the tests alike (and by the web console to come). An operation
//! checks who may do it and what the domain allows, writes through the store's writer in one
//! transaction, audits it, and answers with protocol types or stored records; a refusal is an
//! [`Error`] of a [`Kind`], never an HTTP type.
//!
//! - [`accounts`]: sign-in, sessions, passwords, accounts, the audit log.
//! - [`dossiers`]: receive, act, list.
//! - [`kiosks`]: the fleet, enrolment, device tokens, heartbeats.
//! - [`sync`]: events pushed from kiosks' outboxes.
//! - [`feedback`], [`ratings`]: Art. 21 feedback, satisfaction ratings.
//! - [`queue`]: the hall's queue: configuration, issuing, counters, boards, a ticket's page.
//! - [`centres`]: what a centre shows on its kiosks.
//! - [`calendar`]: the working-time calendar's years.
//! - [`access`]: what each role may see and do; [`passwords`]: argon2id, tokens, the stand-in
//!   hash; [`secrets`]: the receipt's lookup secret.
//!
//! **Invariant:** nothing here imports `crate::http` (or axum).

pub mod access;
pub mod accounts;
pub mod booking;
pub mod calendar;
pub mod catalogue;
pub mod centres;
pub mod dossiers;
pub mod feedback;
pub mod kiosks;
pub mod passwords;
pub mod queue;
pub mod ratings;
pub mod secrets;
pub mod sync;

mod error;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

pub use error::{Error, Kind};

use crate::calendars::SharedCalendar;
use crate::db::Store;
use crate::db::model::{AuditEntry, User};
use crate::{Clock, Config};

/// What every operation works with.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub store: Store,
    pub cal: Arc<SharedCalendar>,
    pub clock: Clock,
    pub config: Arc<Config>,
    pub sessions: Arc<crate::sessions::SessionCache>,
    pub throttle: Arc<crate::throttle::Throttle>,
}

/// A staff member acting: the account (with a live session and a changed password, checked by
/// whoever built it) and where the request came from.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    /// The key of the session the request came with (logout ends it).
    pub session_key: String,
    /// The client's address, for the audit log.
    pub addr: String,
}

impl Actor {
    /// An audit line of this actor's action.
    pub fn entry(
        &self,
        at: DateTime<FixedOffset>,
        action: &str,
        target: &str,
        outcome: &str,
    ) -> AuditEntry {
        audit_entry(at, &self.user.username, &self.addr, action, target, outcome)
    }

    /// Refuse unless the account is a centre or system administrator.
    pub fn require_admin(&self) -> Result<(), Error> {
        if self.user.role.is_admin() {
            Ok(())
        } else {
            Err(Error::forbidden(
                "Chỉ quản trị viên được thực hiện thao tác này.",
                "Only administrators may do this.",
            ))
        }
    }
}

/// An audit line.
pub fn audit_entry(
    at: DateTime<FixedOffset>,
    actor: &str,
    addr: &str,
    action: &str,
    target: &str,
    outcome: &str,
) -> AuditEntry {
    AuditEntry {
        seq: 0,
        at,
        actor: actor.to_owned(),
        address: addr.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        outcome: outcome.to_owned(),
        detail: String::new(),
    }
}

/// A free text field as kept (NFC, trimmed, at most `max` characters, nothing hidden): an
/// empty one is none, unless `required`. The error names the field.
pub fn text_field(
    field: &str,
    value: &str,
    max: usize,
    multiline: bool,
    required: bool,
) -> Result<Option<String>, Error> {
    use motcua_core::text::TextError;
    match motcua_core::text::free_text(value, max, multiline) {
        Ok(t) => Ok(Some(t)),
        Err(TextError::Empty) if !required => Ok(None),
        Err(TextError::Empty) => Err(Error::invalid(
            "text.required",
            format!("Trường “{field}” không được để trống."),
            format!("The field “{field}” is required."),
        )),
        Err(TextError::TooLong { max }) => Err(Error::invalid(
            "text.too_long",
            format!("Trường “{field}” dài quá {max} ký tự."),
            format!("The field “{field}” is longer than {max} characters."),
        )),
        Err(_) => Err(Error::invalid(
            "text.hidden_characters",
            format!("Trường “{field}” chứa ký tự điều khiển hoặc ký tự ẩn."),
            format!("The field “{field}” holds control or hidden characters."),
        )),
    }
}
