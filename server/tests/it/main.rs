//! Integration tests of motcua-server: the real server on 127.0.0.1:0 with a real redb file.

mod auth;
mod backup;
mod bad_input;
mod booking;
mod calendar;
mod catalogue;
mod common;
mod concurrency;
mod connections;
mod crash;
mod desk;
mod feed;
mod feedback;
mod kiosks;
mod public;
mod queue;
mod ratings;
mod reports;
mod security;
mod sign_in;
mod sync;
mod workflow;
