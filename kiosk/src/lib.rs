//! # motcua-kiosk
//!
//! The touch kiosk: a Slint UI, a local redb replica, the sync client with an offline outbox,
//! printing and scanning through `motcua-drivers`.
//!
//! # Layout
//!
//! This crate is a skeleton until the kiosk issue lands.

/// The crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
