//! whohosts: who do I notify about this domain?
#![cfg_attr(docsrs, feature(doc_cfg))]

mod asn;
mod client;
mod config;
mod error;
mod input;
mod lookup;
mod rdap;
mod record;

#[cfg(feature = "testing")]
pub mod testing;

pub use asn::{
    AsnChain, AsnOutcome, AsnSource, BoxFuture, CsvRangeSource, CymruSource, MmdbSource,
};
pub use client::{Client, ClientBuilder};
pub use config::{Config, Limits, Safety, Timeouts};
pub use error::{ConfigError, Error, InputError, SourceError, SourceErrorKind};
pub use input::{DomainQuery, Query};
pub use record::{
    AbuseContact, AddressRecord, Asn, Contact, DnsFacts, HostingProvider, HostingRecord, Network,
    Party, Registrar, Registry, SCHEMA_VERSION, Stage, StepError,
};
