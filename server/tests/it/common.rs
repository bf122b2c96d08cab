//! What the server's tests share: the test kit (a real server on a free loopback port, a real redb
//! file in a temporary folder, the demo catalogue and staff, a JSON client that speaks to it).

pub use motcua_testkit::*;

/// The running centre a test drives.
pub type TestServer = Centre;
