//! [`QuotaFreeSources`]: which quota-free abuse-contact sources a client asks (the Abusix
//! Abuse ContactDB over DNS, the RIPEstat Data API), as plain settings.
//!
//! The sources themselves are [`AbusixSource`](crate::AbusixSource) and
//! [`RipeStatSource`](crate::RipeStatSource) (`src/abuse/`); this file holds no state.

/// The Abusix Abuse ContactDB zone: TXT records at `<reversed address>.<zone>`.
pub const ABUSIX_ZONE: &str = "abuse-contacts.abusix.zone";

/// The RIPEstat Data API's base URL; the abuse-contact call is
/// `<base>data/abuse-contact-finder/data.json`.
pub const RIPESTAT_URL: &str = "https://stat.ripe.net/";

/// The `sourceapp` whohosts names itself with to RIPEstat unless told otherwise.
pub const RIPESTAT_SOURCEAPP: &str = "whohosts";

/// Quota-free sources of an address's abuse contact, asked through the
/// [`AbuseSource`](crate::AbuseSource) chain after any source added with
/// [`ClientBuilder::abuse_source`](crate::ClientBuilder::abuse_source), Abusix first.
///
/// Both are **off by default** in the library for now: a lookup asks RDAP and WHOIS as
/// before until they are switched on (the planner that asks them first where RDAP is
/// quota-limited is separate; see issue #16).
///
/// ```
/// use whohosts::QuotaFreeSources;
///
/// let mut sources = QuotaFreeSources::default();
/// sources.abusix = true;
/// sources.ripestat_sourceapp = "my-team".to_owned();
/// let client = whohosts::Client::builder().quota_free_sources(sources).build()?;
/// assert!(client.config().quota_free.abusix);
/// assert!(!client.config().quota_free.ripestat);
/// # Ok::<(), whohosts::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QuotaFreeSources {
    /// Ask the Abusix Abuse ContactDB (TXT over DNS, through the client's nameservers).
    /// Default false.
    pub abusix: bool,
    /// The Abusix zone. Default [`ABUSIX_ZONE`].
    pub abusix_zone: String,
    /// Ask the RIPEstat Data API's `abuse-contact-finder` (HTTPS, through the client's HTTP
    /// policy and politeness budget). Default false.
    pub ripestat: bool,
    /// The `sourceapp` parameter sent with every RIPEstat request: letters, digits, `-` and
    /// `_` (RIPEstat's rule). Default [`RIPESTAT_SOURCEAPP`].
    pub ripestat_sourceapp: String,
    /// RIPEstat's base URL (ending in `/`; one is added when missing). Default
    /// [`RIPESTAT_URL`]. A test world or a mirror goes here.
    pub ripestat_url: String,
}

impl Default for QuotaFreeSources {
    fn default() -> Self {
        Self {
            abusix: false,
            abusix_zone: ABUSIX_ZONE.to_owned(),
            ripestat: false,
            ripestat_sourceapp: RIPESTAT_SOURCEAPP.to_owned(),
            ripestat_url: RIPESTAT_URL.to_owned(),
        }
    }
}

impl QuotaFreeSources {
    /// Both sources on, with the default zone, URL and `sourceapp`.
    pub fn all() -> Self {
        Self { abusix: true, ripestat: true, ..Self::default() }
    }
}
