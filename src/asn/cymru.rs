//! Team Cymru IP-to-ASN over DNS (stub: being written).
use crate::asn::{AsnSource, BoxFuture};
use crate::error::SourceError;
use crate::record::Asn;
use std::net::IpAddr;

/// Team Cymru's DNS IP-to-ASN service.
#[derive(Debug)]
pub struct CymruSource {}

impl AsnSource for CymruSource {
    fn name(&self) -> &str {
        "cymru"
    }
    fn lookup(&self, ip: IpAddr) -> BoxFuture<'_, Result<Option<Asn>, SourceError>> {
        let _ = ip;
        Box::pin(async { Ok(None) })
    }
}
