//! MaxMind-format database (stub: being written).
use crate::asn::{AsnSource, BoxFuture};
use crate::error::SourceError;
use crate::record::Asn;
use std::net::IpAddr;

/// A MaxMind-format ASN database.
#[derive(Debug)]
pub struct MmdbSource {}

impl AsnSource for MmdbSource {
    fn name(&self) -> &str {
        "mmdb"
    }
    fn lookup(&self, ip: IpAddr) -> BoxFuture<'_, Result<Option<Asn>, SourceError>> {
        let _ = ip;
        Box::pin(async { Ok(None) })
    }
}
