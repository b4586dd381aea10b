//! whohosts: who do I notify about this domain?
#![cfg_attr(docsrs, feature(doc_cfg))]
// TEMPORARY while the pipeline is assembled; removed before the first green CI.
#![allow(dead_code)]

mod asn;
mod client;
mod config;
mod dns;
mod error;
mod guard;
mod http;
mod input;
mod lookup;
mod rdap;
mod record;
mod summary;

#[cfg(feature = "testing")]
pub mod testing;

pub use asn::{
    AsnChain, AsnOutcome, AsnSource, BoxFuture, CsvRangeSource, CymruSource, MmdbSource,
    open_database,
};
pub use client::{Client, ClientBuilder};
pub use config::{Config, Limits, Safety, Timeouts};
pub use error::{ConfigError, Error, InputError, SourceError, SourceErrorKind};
pub use input::{DomainQuery, Query};
pub use record::{
    AbuseContact, AddressRecord, Asn, Contact, DnsFacts, HostingProvider, HostingRecord, Network,
    Party, Registrar, Registry, SCHEMA_VERSION, Stage, StepError,
};
