//! End to end, one binary: the real server with demo data, the kiosk's logic, replica and window
//! (Slint's testing backend: only `kiosk_ui` sets it up, once for the process), the printer and
//! scanner simulators; and the shape of the house (which crate may link which, the server's
//! layers).

mod admin;
mod browser;
mod console;
mod fleet;
mod kiosk_online;
mod kiosk_ui;
mod layers;
mod queue;
mod scan_and_print;
