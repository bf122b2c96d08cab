//! # motcua-protocol
//!
//! Every type that crosses a wire between the server, the kiosks and browsers' JSON, with the
//! route paths. The server serialises these, the kiosk and the client deserialise them (and the
//! other way round for requests), so both sides are checked by the same compiler.
//!
//! # Layout
//!
//! - [`routes`]: every path, as constants and small builders.
//! - [`error`]: the error body every refusal carries.
//! - [`catalogue`]: agencies and procedures.
//! - [`centre`]: what a centre shows on its kiosks (hotline, hours, counters).
//! - [`sync`]: the kiosk protocol: enrolment, heartbeats, events pushed from the outbox, the
//!   change feed's pages and what a kiosk holds of a dossier.
//! - [`public`]: lookups, feedback and ratings for the public (kiosks and the web).
//! - [`queue`]: issuing numbers, counters' actions, display boards, a ticket's public page.
//! - [`staff`]: staff sign-in, the dossier workflow, accounts, the fleet.
//!
//! # Versions
//!
//! [`VERSION`] counts incompatible changes. Within a version a change is additive: a new field
//! is optional (`#[serde(default)]`) and readers ignore fields they do not know, so a kiosk on
//! version N reads what a server on version N+1 sends as long as N+1 only added. The tests keep
//! a page recorded from the server of each version and read it with today's types.
//!
//! **Invariant:** this crate depends on `motcua-core`, serde, chrono and uuid only; it does no
//! I/O.

pub mod catalogue;
pub mod centre;
pub mod error;
pub mod public;
pub mod queue;
pub mod routes;
pub mod staff;
pub mod sync;

/// The protocol version this build speaks (sent by kiosks as `app_version`'s companion and
/// reported by `/healthz`).
pub const VERSION: u32 = 1;
