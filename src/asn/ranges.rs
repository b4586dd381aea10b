//! ip-location-db CSV ranges (stub: being written).
use crate::asn::{AsnSource, BoxFuture};
use crate::error::SourceError;
use crate::record::Asn;
use std::net::IpAddr;

/// An ip-location-db CSV of ASN ranges.
#[derive(Debug)]
pub struct CsvRangeSource {}

impl AsnSource for CsvRangeSource {
    fn name(&self) -> &str {
        "csv"
    }
    fn lookup(&self, ip: IpAddr) -> BoxFuture<'_, Result<Option<Asn>, SourceError>> {
        let _ = ip;
        Box::pin(async { Ok(None) })
    }
}
