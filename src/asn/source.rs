//! The [`AsnSource`] seam and [`AsnChain`], which asks several sources in order.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use crate::error::SourceError;
use crate::future::BoxFuture;
use crate::record::Asn;

/// Something that maps an IP address to the AS announcing it.
///
/// Implementations must not panic on any input and should answer `Ok(None)` when the address
/// is simply not covered.
pub trait AsnSource: Send + Sync + fmt::Debug {
    /// Short name of the source, written into [`Asn::source`] (e.g. `cymru`, `mmdb`, `csv`).
    fn name(&self) -> &str;

    /// Look up the origin AS of `ip`.
    fn lookup(&self, ip: IpAddr) -> BoxFuture<'_, Result<Option<Asn>, SourceError>>;
}

/// Several [`AsnSource`]s asked in order: the first answer wins.
///
/// A source that fails does not stop the chain; its error is returned beside the answer.
#[derive(Debug, Clone, Default)]
pub struct AsnChain {
    sources: Vec<Arc<dyn AsnSource>>,
}

/// What an [`AsnChain`] found for one address.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AsnOutcome {
    /// The first answer, if any source had one.
    pub asn: Option<Asn>,
    /// Errors from sources asked before the answer (or all of them, when none answered),
    /// each with the source's name.
    pub errors: Vec<(String, SourceError)>,
}

impl AsnChain {
    /// A chain of `sources`, asked in order.
    pub fn new(sources: Vec<Arc<dyn AsnSource>>) -> Self {
        Self { sources }
    }

    /// True when the chain has no source.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Ask each source in order until one answers.
    pub async fn lookup(&self, ip: IpAddr) -> AsnOutcome {
        let mut outcome = AsnOutcome::default();
        for source in &self.sources {
            match source.lookup(ip).await {
                Ok(Some(asn)) => {
                    outcome.asn = Some(asn);
                    break;
                }
                Ok(None) => {}
                Err(e) => outcome.errors.push((source.name().to_owned(), e)),
            }
        }
        outcome
    }
}
