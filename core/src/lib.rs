//! # motcua-core
//!
//! The vocabulary and rules of a Vietnamese one-stop (một cửa) service centre, pure and fast:
//! no I/O, no async, no clock. Both binaries (the server and the kiosk) and the drivers build on
//! it.
//!
//! # Layout
//!
//! - [`codes`]: agency codes and dossier codes, parsed once at the edge and trusted inside.
//! - [`citizen`]: CCCD, CMND and passport numbers.
//! - [`text`]: folding for diacritic-insensitive search, name masking, Telex input.
//! - [`devices`]: printer and scanner states as kiosks report them.
//! - [`status`]: the ten national statuses and the internal steps of Art. 8 and 10.
//! - [`workflow`]: the state machine: a [`workflow::Command`] checked against a
//!   [`workflow::Dossier`] yields [`workflow::Event`]s or a [`workflow::WorkflowError`].
//! - [`calendar`]: office hours, the years' holidays and make-up days (official or provisional),
//!   and every legal deadline over them; a year the calendar does not hold is an error.
//! - [`lunar`]: the Vietnamese lunar calendar (Tết, the Hùng Kings' day) for provisional years.
//! - [`time`]: Vietnam time and the window of instants accepted from outside.
//! - [`queue`]: the hall's queue: services, counters, tickets and their state machine, what a
//!   counter calls next, issuing hours, wait estimates.
//! - [`booking`]: booked visits: slots cut from a service's hours, booking codes, check-in.
//! - [`public`]: what the public may see: minimal rows and the detail behind the lookup secret.
//! - [`rating`]: satisfaction scales (3 or 5 levels), the per-dossier criteria, the check of a
//!   rating.
//! - [`feedback`]: the check of a feedback as the public drafts it (kiosk and server alike).
//! - [`slip`]: printer-independent receipt documents.
//! - [`vietqr`]: the NAPAS VietQR code a banking app scans to pay a dossier's fees.
//! - [`i18n`]: Vietnamese-first bilingual messages; every error implements [`Localized`].
//!
//! The calendar and the province list are data files under `assets/`, compiled in as defaults;
//! a deployment loads its own calendar with [`calendar::Calendar::from_toml`].

pub mod booking;
pub mod calendar;
pub mod citizen;
pub mod codes;
pub mod contact;
pub mod devices;
pub mod feedback;
pub mod i18n;
pub mod lunar;
pub mod public;
pub mod queue;
pub mod rating;
pub mod slip;
pub mod status;
pub mod text;
pub mod time;
pub mod vietqr;
pub mod workflow;

pub use calendar::{Calendar, CalendarYear, NotCovered, ProcessingTime, Timeliness, YearStatus};
pub use citizen::CitizenId;
pub use codes::{AgencyCode, DossierCode};
pub use i18n::{Bilingual, Lang, Localized};
pub use status::{Channel, NationalStatus, ReturnChannel, Step};
pub use workflow::{Command, Dossier, Event, EventKind, WorkflowError};
