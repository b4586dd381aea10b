//! End-to-end specifications: whole lookups through the bundled loopback world
//! (`whohosts::testing`), which serves real recorded RDAP answers. One test binary.
#![cfg(feature = "testing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod domains;
mod faults;
mod input;
mod ips;
mod record_json;
