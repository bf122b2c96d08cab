//! The core's integration tests, one binary: the working-time calendar and its years, the
//! parsers of what comes from outside, Telex typing, and the workflow of Art. 8 and 10.

mod calendar;
mod calendar_years;
mod parsers;
mod telex;
mod workflow;
