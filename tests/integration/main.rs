//! End-to-end specifications: whole lookups through the bundled loopback world
//! (`whohosts_testing`, a dev-dependency), which serves real recorded RDAP answers. One test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod bulk;
mod client_api;
mod deadlines;
mod disk_cache;
mod dns_faults;
mod domains;
mod fake;
mod fault_run;
mod faults;
mod hostile_dns;
mod hostile_text;
mod http_policy;
mod input;
mod ips;
mod messages;
mod network_cache;
mod notice_channels;
mod notices;
mod outcomes;
mod parties;
mod plan;
mod providers;
mod query_secrets;
mod quota_free;
mod quotas;
mod record_json;
#[cfg(feature = "redis")]
mod redis;
mod referrals;
mod refresh;
mod results;
mod safety;
mod seams;
mod whois;
mod whois_client;
mod whois_politeness;
mod wrong_object;
