//! # motcua-drivers
//!
//! Bytes on a wire: ESC/POS thermal printers with status queries, QR scanners, receipt QR
//! payloads, and simulated devices for tests and the demo.
//!
//! # Layout
//!
//! - [`profile`]: printer profiles (data in `assets/printers/`).
//! - [`render`]: a core `Slip` to ESC/POS bytes (raster with an embedded font, or ASCII).
//! - [`status`]: DLE EOT requests and what the answers mean.
//! - [`tcvn3`]: TCVN-3 text for printers with Epson code pages 30/31.
//! - [`transport`]: TCP (port 9100) and device files, with bounded timeouts; a [`transport::Printer`]
//!   that checks status before printing and reconnects.
//! - [`escpos`]: a decoder of the commands the renderer emits, for the simulator.
//! - [`sim`]: the simulated printer: TCP in, PNG and a text transcript out, DLE EOT answered.
//! - [`qr`]: what a visitor may scan from a receipt.
//! - [`samples`]: sample slips for benchmarks and tools.
//! - [`scanner`]: serial scanners (framing, duplicates, reconnection) and the keyboard-wedge
//!   decoder.

pub mod escpos;
pub mod profile;
pub mod qr;
pub mod render;
pub mod samples;
pub mod scanner;
pub mod sim;
pub mod status;
pub mod tcvn3;
pub mod transport;

pub use motcua_core::slip::Slip;

/// The crate's version, reported by the operator tool.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
