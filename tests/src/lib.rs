//! # motcua-tests
//!
//! End-to-end tests that run the real server, kiosk logic and simulated devices together live in
//! `tests/`. This library holds what those tests share.
