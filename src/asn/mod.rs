//! IP → ASN: the [`AsnSource`] trait, its three built-in sources and [`AsnChain`], which asks
//! several sources in order.
//!
//! Sources: Team Cymru's DNS service ([`CymruSource`], the default online source), a
//! MaxMind-format database ([`MmdbSource`]) and an ip-location-db CSV ([`CsvRangeSource`]).

mod cache;
mod cymru;
mod mmdb;
mod ranges;
mod source;

use std::path::Path;
use std::sync::Arc;

use crate::error::ConfigError;

pub(crate) use cache::AsnCache;
pub use cymru::CymruSource;
pub use mmdb::MmdbSource;
pub use ranges::CsvRangeSource;
pub use source::{AsnChain, AsnOutcome, AsnSource};

/// Open an ASN database file, choosing the reader by extension: `.mmdb` → [`MmdbSource`],
/// `.csv` → [`CsvRangeSource`] (case-insensitive). Any other extension is a
/// [`ConfigError::AsnDatabase`] naming the known ones.
pub fn open_database(path: &Path) -> Result<Arc<dyn AsnSource>, ConfigError> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("mmdb") => Ok(Arc::new(MmdbSource::open(path)?)),
        Some("csv") => Ok(Arc::new(CsvRangeSource::open(path)?)),
        _ => Err(ConfigError::AsnDatabase {
            path: path.to_path_buf(),
            reason: "unknown database type: the known extensions are .mmdb (MaxMind format) \
                     and .csv (ip-location-db ASN ranges)"
                .to_owned(),
        }),
    }
}
