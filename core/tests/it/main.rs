//! The core's integration tests, one binary: the working-time calendar and its years, the
//! parsers of what comes from outside, Telex typing, the workflow of Art. 8 and 10 and the hall's queue.

mod calendar;
mod calendar_years;
mod parsers;
mod queue;
mod telex;
mod workflow;
