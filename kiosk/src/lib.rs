//! # motcua-kiosk
//!
//! The touch kiosk: a Slint UI, a local redb replica, the sync client with an offline outbox,
//! printing and scanning through `motcua-drivers`.
//!
//! # Layout
//!
//! - [`slips`]: the slips the kiosk prints (status slip), as core slips.
//! - [`demo`]: demo mode (in-process server with demo data and the printer simulator).
//!
//! The Slint window, the replica and the sync client land with the kiosk issue.

pub mod demo;
pub mod slips;

/// The crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
