//! The pipeline: the one place that knows the stage order (stub).

use std::sync::Arc;

use crate::asn::{AsnChain, AsnSource};
use crate::config::Config;
use crate::error::Error;
use crate::record::HostingRecord;

/// State shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) asn: AsnChain,
}

impl Shared {
    pub(crate) fn new(config: Config, sources: Vec<Arc<dyn AsnSource>>) -> Result<Self, Error> {
        Ok(Self { config, asn: AsnChain::new(sources) })
    }
}

pub(crate) async fn run(shared: &Shared, query: &str) -> Result<HostingRecord, Error> {
    let _ = shared;
    crate::input::Query::parse(query)?;
    Err(Error::Input(crate::error::InputError::Empty))
}
