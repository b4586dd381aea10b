//! End-to-end specifications: whole lookups through the bundled loopback world
//! (`whohosts::testing`), which serves real recorded RDAP answers. One test binary.
#![cfg(feature = "testing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod bulk;
mod client_api;
mod deadlines;
mod dns_faults;
mod domains;
mod fault_run;
mod faults;
mod hostile_dns;
mod hostile_text;
mod http_policy;
mod input;
mod ips;
mod messages;
mod outcomes;
mod parties;
mod providers;
mod query_secrets;
mod record_json;
mod referrals;
mod safety;
mod seams;
mod whois;
mod wrong_object;
