//! The [`AbuseSource`] seam: where an address's abuse contact can come from besides its
//! registry's RDAP and WHOIS answers (an abuse-contact database over DNS, a statistics API,
//! a dataset of your own), and the [`AbuseChain`] that asks such sources in order.
//!
//! The per-address stage (`network.rs`) asks the chain when RDAP and WHOIS left the address
//! without an abuse mailbox; every contact keeps the [`Source`] its source gave it, so a
//! record always says where each mailbox came from.
//!
//! Two quota-free sources ship behind the seam, each in its own file: [`AbusixSource`]
//! (`abuse/abusix.rs`, the Abusix Abuse ContactDB over DNS) and [`RipeStatSource`]
//! (`abuse/ripestat.rs`, the RIPEstat Data API over HTTPS).

#[cfg(feature = "quota-free-sources")]
mod abusix;
#[cfg(feature = "quota-free-sources")]
mod ripestat;

#[cfg(feature = "quota-free-sources")]
pub use abusix::AbusixSource;
#[cfg(feature = "quota-free-sources")]
pub use ripestat::{RipeStatAnswer, RipeStatSource};

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use crate::error::SourceError;
use crate::future::BoxFuture;
use crate::record::{Contact, Source};

/// Something that knows the abuse contact of an IP address.
///
/// # Contract
///
/// - [`abuse_contacts`](Self::abuse_contacts) answers the contacts responsible for abuse
///   from `ip` (most specific first), `Ok(vec![])` when the source knows none, or an error
///   when the source failed (it goes into the record's `errors`; the lookup goes on).
/// - Each contact should carry at least one [`Source`] saying where it came from; a contact
///   without one is given `Source { kind: Dataset, dataset: name() }`.
/// - Sources are asked in the order they were added, until one answers with a mailbox. The
///   per-address planner decides when: first, for an address whose RDAP server is
///   quota-limited (RIPE NCC's daily quota, LACNIC's slow rate) or whose budget is spent,
///   so that RDAP is asked only when no source gives a mailbox
///   ([`NetworkDetail`](crate::NetworkDetail)); otherwise after RDAP and WHOIS, for an
///   address they left without a mailbox.
///
/// ```
/// use std::net::IpAddr;
/// use std::sync::Arc;
/// use whohosts::{AbuseSource, BoxFuture, Contact, SourceError};
///
/// /// Every address of one network reports to one mailbox.
/// #[derive(Debug)]
/// struct OwnNetwork;
///
/// impl AbuseSource for OwnNetwork {
///     fn name(&self) -> &str {
///         "own-network"
///     }
///     fn abuse_contacts(&self, ip: IpAddr) -> BoxFuture<'_, Result<Vec<Contact>, SourceError>> {
///         let ours: ipnet::IpNet = "192.0.2.0/24".parse().unwrap();
///         let found = ours.contains(&ip).then(|| {
///             let mut contact = Contact::default();
///             contact.email = Some("abuse@example.net".to_owned());
///             contact
///         });
///         Box::pin(async move { Ok(found.into_iter().collect()) })
///     }
/// }
///
/// let client = whohosts::Client::builder().abuse_source(Arc::new(OwnNetwork)).build()?;
/// # Ok::<(), whohosts::Error>(())
/// ```
pub trait AbuseSource: Send + Sync + fmt::Debug {
    /// A short name for records and errors (`abusix`, `ripestat`, …).
    fn name(&self) -> &str;

    /// The abuse contacts of `ip`.
    fn abuse_contacts(&self, ip: IpAddr) -> BoxFuture<'_, Result<Vec<Contact>, SourceError>>;
}

/// Abuse sources asked in order until one gives a mailbox.
#[derive(Debug, Clone, Default)]
pub struct AbuseChain {
    sources: Vec<Arc<dyn AbuseSource>>,
}

/// What an [`AbuseChain`] found for one address.
#[derive(Debug, Clone, Default)]
pub(crate) struct AbuseAnswer {
    /// The contacts, each with its source.
    pub(crate) contacts: Vec<Contact>,
    /// The source that gave a mailbox, if one did.
    pub(crate) answered_by: Option<String>,
    /// Sources that failed, by name.
    pub(crate) errors: Vec<(String, SourceError)>,
}

impl AbuseChain {
    /// A chain asking `sources` in order.
    pub fn new(sources: Vec<Arc<dyn AbuseSource>>) -> Self {
        Self { sources }
    }

    /// Whether the chain has no source (the default).
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Ask each source in turn until one gives a contact with an email.
    pub(crate) async fn lookup(&self, ip: IpAddr) -> AbuseAnswer {
        let mut answer = AbuseAnswer::default();
        for source in &self.sources {
            match source.abuse_contacts(ip).await {
                Ok(contacts) => {
                    let has_mailbox = contacts.iter().any(|c| c.email.is_some());
                    for mut contact in contacts {
                        if contact.sources.is_empty() {
                            contact.sources.push(Source {
                                kind: crate::record::SourceKind::Dataset,
                                dataset: Some(source.name().to_owned()),
                                ..Source::default()
                            });
                        }
                        answer.contacts.push(contact);
                    }
                    if has_mailbox {
                        answer.answered_by = Some(source.name().to_owned());
                        break;
                    }
                }
                Err(e) => answer.errors.push((source.name().to_owned(), e)),
            }
        }
        answer
    }
}
