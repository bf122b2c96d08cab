//! # motcua-server
//!
//! The central server: the dossier workflow over HTTP on an embedded redb store, staff accounts
//! and roles, the audit log, the kiosk sync feed, reports.
//!
//! # Layout
//!
//! This crate is a skeleton until the central server issue lands; the workflow rules it will
//! enforce already live in `motcua-core`.

/// The crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
