//! The drivers' integration tests, one binary: the byte parsers under arbitrary input, printing
//! to the simulator (and its PNGs against references), scanning through pseudo-terminals.

mod fuzz_like;
mod printing;
mod scanning;
