//! The WHOIS client of a build without the `whois` feature: never enabled, so the stages
//! never ask it; its lookups say the feature is missing should anything call them.

use std::net::IpAddr;
use std::sync::Arc;

use hickory_resolver::TokioResolver;

use super::{WhoisDomain, WhoisNetwork};
use crate::cache::ResponseCache;
use crate::config::Config;
use crate::error::{SourceError, SourceErrorKind};
use crate::stats::Telemetry;
use crate::transport::budget::RateBudget;

/// Stands in for the WHOIS client when the `whois` feature is off.
#[derive(Debug, Clone)]
pub(crate) struct Whois;

impl Whois {
    /// The same constructor as the real client's; keeps nothing.
    pub(crate) fn new(
        _config: &Config,
        _resolver: TokioResolver,
        _budget: Arc<dyn RateBudget>,
        _responses: Arc<dyn ResponseCache>,
        _telemetry: Arc<Telemetry>,
    ) -> Self {
        Self
    }

    /// Always false: this build has no WHOIS client.
    pub(crate) fn is_enabled(&self) -> bool {
        false
    }

    /// Never answers: WHOIS is not built in.
    pub(crate) async fn lookup_domain(&self, _domain: &str) -> Result<WhoisDomain, SourceError> {
        Err(not_built())
    }

    /// Never answers: WHOIS is not built in.
    pub(crate) async fn lookup_ip(
        &self,
        _ip: IpAddr,
        _hint: Option<&str>,
    ) -> Result<WhoisNetwork, SourceError> {
        Err(not_built())
    }
}

fn not_built() -> SourceError {
    SourceError::new(SourceErrorKind::NoSource, "WHOIS is not built in (cargo feature `whois`)")
}
