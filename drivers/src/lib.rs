//! # motcua-drivers
//!
//! Bytes on a wire: ESC/POS thermal printers (TCP 9100, serial, USB printer-class device files)
//! with status queries, serial QR and barcode scanners, receipt QR payloads, and simulated twins
//! of every device for tests and the demo.
//!
//! # Layout
//!
//! This crate is a skeleton: the printing, scanning and simulated devices land with the drivers
//! issue. It already depends on `motcua-core` for the slip documents it will render.

pub use motcua_core::slip::Slip;

/// The crate's version, reported by the operator tool.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
