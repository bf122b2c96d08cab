//! # motcua-kiosk
//!
//! The touch kiosk: a Slint UI, a local redb replica, the sync client with an offline outbox,
//! printing and scanning through `motcua-drivers`.
//!
//! # Layout
//!
//! - [`store`]: the kiosk's redb file — the replica of the change feed, the outbox, sync state.
//! - [`compact`]: how the replica keeps a dossier in a few dozen bytes.
//! - [`sync`]: enrolment, pull (long-poll), push, heartbeat.
//! - [`app`]: what a visitor can do, without the drawing (lookups, secret, feedback, ratings,
//!   printing); every failure a bilingual notice.
//! - [`ui`]: the Slint window (`ui/app.slint`) wired to the logic; idle wipe; scanner input.
//! - [`slips`]: the slips the kiosk prints (status slip, feedback receipt), as core slips.
//! - [`config`]: the kiosk's TOML configuration.

pub mod app;
pub mod compact;
pub mod config;
pub mod slips;
pub mod store;
pub mod sync;
pub mod ui;

/// The crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
