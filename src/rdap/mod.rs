//! RDAP: the bootstrap (which server to ask), fetching (URL construction and JSON decoding)
//! and reading answers (entities, jCard, network and domain facts).
//!
//! Reading is pure (`extract.rs` and below); only `fetch.rs` touches the network, through
//! the client's HTTP policy in `http.rs`.

#[cfg(feature = "__bench")]
#[doc(hidden)]
pub mod bench_support;
pub(crate) mod bootstrap;
mod entities;
pub(crate) mod extract;
pub(crate) mod fetch;
#[cfg(feature = "__golden")]
#[doc(hidden)]
pub mod golden;
mod jcard;
pub(crate) mod overrides;
pub(crate) mod registrars;
