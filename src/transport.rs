//! Everything between a source and the network: the one HTTP client and its policy
//! (`http.rs`), the address guard (`guard.rs`), the per-server request budget
//! (`budget.rs`), the same budget shared through Redis (`redis_budget.rs`, feature `redis`),
//! what an answer costs a server that counts personal data sets (`cost.rs`),
//! and the rates it learns for servers that publish none (`learn.rs`). The lookup deadline they wait under is `crate::deadline`, below them.
//!
//! Sources (RDAP, WHOIS, DNS, ASN) sit above it; the caches and plain settings below.

pub(crate) mod budget;
#[cfg_attr(not(any(feature = "rdap", feature = "quota-free-sources")), allow(dead_code))]
pub(crate) mod cost;
pub(crate) mod guard;
pub(crate) mod http;
pub(crate) mod learn;
#[cfg(feature = "redis")]
pub(crate) mod redis_budget;
