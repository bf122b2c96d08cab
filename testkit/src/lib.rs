//! # motcua-testkit
//!
//! One kit for whatever needs a running centre: the server's integration tests, the end-to-end
//! tests (under `tests/e2e` here), the benchmarks and the demo.
//!
//! - [`Centre`]: the real server on a loopback port (port 0: a free one), its redb file in a
//!   temporary folder (or a given one), its clock standing still (or the system's), optionally
//!   the demo catalogue, staff and dossiers; the demo accounts' one-time passwords; restarts on
//!   the same store. [`Blocking`] holds one with a runtime, for code without one (the kiosk's
//!   window thread, the demo's main thread).
//! - Kiosks enrolled with it ([`Centre::enrol_kiosk`]): the kiosk's own store, sync client and
//!   health, the replica filled.
//! - [`Client`]: requests as JSON values, for tests that send what the typed client cannot
//!   (malformed bodies, unknown fields) and read errors as they come; built over
//!   `motcua-client`, which holds the tokens. The typed client is [`Centre::api`] and
//!   [`Centre::staff_api`].

mod centre;
mod json;

pub use centre::{
    Blocking, Centre, CentreOptions, centre, monday_morning, restart, start, start_at,
    start_behind_proxy, start_configured,
};
pub use json::{Client, GPXD, LLTP, TU_PHAP, receipt, secret_of};
