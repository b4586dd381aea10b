//! IP → ASN: the [`AsnSource`] trait, its three built-in sources and [`AsnChain`], which asks
//! several sources in order.
//!
//! Sources: Team Cymru's DNS service ([`CymruSource`], the default online source), a
//! MaxMind-format database ([`MmdbSource`]) and an ip-location-db CSV ([`CsvRangeSource`]).

mod cache;
#[cfg(feature = "cymru")]
mod cymru;
#[cfg(feature = "mmdb")]
mod mmdb;
mod ranges;
mod source;

use std::path::Path;
use std::sync::Arc;

use crate::error::ConfigError;

pub(crate) use cache::AsnCache;
#[cfg(feature = "cymru")]
pub use cymru::CymruSource;
#[cfg(feature = "mmdb")]
pub use mmdb::MmdbSource;
pub use ranges::CsvRangeSource;
pub use source::{AsnChain, AsnOutcome, AsnSource};

/// Open an ASN database file, choosing the reader by extension: `.mmdb` → `MmdbSource`
/// (feature `mmdb`; without it a [`ConfigError::FeatureMissing`]), `.csv` →
/// [`CsvRangeSource`] (case-insensitive). Any other extension is a
/// [`ConfigError::AsnDatabase`] naming the known ones.
pub fn open_database(path: &Path) -> Result<Arc<dyn AsnSource>, ConfigError> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        #[cfg(feature = "mmdb")]
        Some("mmdb") => Ok(Arc::new(MmdbSource::open(path)?)),
        #[cfg(not(feature = "mmdb"))]
        Some("mmdb") => Err(ConfigError::FeatureMissing {
            feature: "mmdb",
            what: format!("the ASN database {}", path.display()),
        }),
        Some("csv") => Ok(Arc::new(CsvRangeSource::open(path)?)),
        _ => Err(ConfigError::AsnDatabase {
            path: path.to_path_buf(),
            reason: "unknown database type: the known extensions are .mmdb (MaxMind format) \
                     and .csv (ip-location-db ASN ranges)"
                .to_owned(),
        }),
    }
}
