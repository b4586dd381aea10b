//! Identification of the provider behind one address, from four kinds of evidence, and the
//! CDN test for a whole name.
//!
//! # Evidence and precedence
//!
//! | kind | matched against | strength |
//! |---|---|---|
//! | `ip_range` | the provider's own published range list (`ranges.txt`) | 1 (decides) |
//! | `cname` | a CNAME target suffix in the name's chain (`cnames.txt`) | 2 |
//! | `asn` | the origin AS number (`asns.txt`), else the AS name from the ASN source | 3 |
//! | `rdap_org` | the RDAP network holder's name, normalised (`"Cloudflare, Inc."` → `cloudflare`) | 4 |
//!
//! The strongest match names the provider, with three refinements:
//!
//! - a CNAME into a **platform** (Heroku, Netlify, GitHub Pages, Shopify, …) wins over
//!   everything, because the platform is the operator that can act on the content even though
//!   its servers sit in someone else's ranges; that network owner stays visible in the
//!   address's ASN and RDAP facts (and becomes the `network` notice target);
//! - without a range or CNAME match, an RDAP holder we cannot identify (a reseller, a
//!   customer with its own registration) is the host: it comes back unchanged, and a known AS
//!   is left to be the network above it;
//! - an AS of an access/transit network (`isp` kind) does not override an identified holder.
//!
//! Every match that agrees with the chosen provider's organisation is kept as evidence
//! (`aws-cloudfront` is supported by an Amazon ASN and an Amazon RDAP holder). Matches that
//! point at another organisation are dropped and logged at debug level. The RDAP holder's
//! handle is kept unless the holder was identified as a different organisation.

use std::net::IpAddr;

use tracing::debug;

use super::{Known, RANGES_SNAPSHOT, asns, cnames, known, ranges};
use crate::record::{
    Asn, Evidence, EvidenceKind, HostingProvider, ProviderKind, Source, SourceKind,
};

/// The dataset name of `ip_range` evidence.
const RANGES_DATASET: &str = "cloud-ip-ranges (femueller/cloud-ip-ranges @ 60937f4cdba4)";
/// The dataset name of `asn` and `cname` evidence from the shipped tables.
const TABLES_DATASET: &str = "whohosts provider tables";

/// Identify the provider behind `ip`.
///
/// `asn` is the origin AS found for the address, `cname_chain` the name's CNAME chain (empty
/// for IP queries), `holder` the RDAP network holder (name and handle) if RDAP answered.
/// Returns `None` only when nothing matched and there is no holder; when nothing matched but
/// there is a holder, the holder comes back unchanged (`kind` unknown, no id).
pub(crate) fn classify(
    ip: IpAddr,
    asn: Option<&Asn>,
    cname_chain: &[String],
    holder: Option<&HostingProvider>,
) -> Option<HostingProvider> {
    let by_range = ranges::lookup(ip);
    let by_cname = cnames::match_chain(cname_chain);
    let by_asn = asn.and_then(|a| asns::lookup(a.number));
    let by_asn_name = match by_asn {
        Some(_) => None,
        None => asn.and_then(|a| a.name.as_deref()).and_then(org_from_asn_name),
    };
    let by_holder = holder.and_then(|h| org_alias(&h.name));

    // Precedence: platform CNAME > ip_range > cname > (unidentified holder) > asn > rdap_org.
    let platform_cname = by_cname
        .filter(|(_, e)| e.provider.kind == ProviderKind::Platform)
        .map(|(_, e)| e.provider);
    let by_network = by_asn.map(|e| e.provider).or(by_asn_name);
    let (chosen, kind) = if let Some(p) = platform_cname {
        (p, p.kind)
    } else if let Some(hit) = by_range {
        (hit.provider, hit.kind)
    } else if let Some((_, e)) = by_cname {
        (e.provider, e.provider.kind)
    } else if holder.is_some() && by_holder.is_none() {
        // A registrant we do not know holds the address: it is the host, and a known AS is
        // the network above it (see `notice_targets`).
        return holder.cloned();
    } else if let Some(p) =
        by_network.filter(|n| n.kind != ProviderKind::Isp || by_holder.is_none())
    {
        (p, p.kind)
    } else if let Some(p) = by_holder.or(by_network) {
        (p, p.kind)
    } else {
        return holder.cloned();
    };

    let mut evidence = Vec::new();
    let agrees = |p: &Known| p.org == chosen.org;
    if let Some(hit) = by_range {
        if agrees(hit.provider) {
            evidence.push(Evidence {
                kind: EvidenceKind::IpRange,
                detail: hit.cidr.to_string(),
                source: Source {
                    kind: SourceKind::Dataset,
                    url: hit.provider.ranges_url.map(str::to_owned),
                    dataset: Some(RANGES_DATASET.to_owned()),
                    version: Some(RANGES_SNAPSHOT.to_owned()),
                    ..Source::default()
                },
            });
        } else {
            debug!(
                %ip, range = %hit.cidr, provider = hit.provider.id, chosen = chosen.id,
                "range evidence disagrees"
            );
        }
    }
    if let Some((name, e)) = by_cname {
        if agrees(e.provider) {
            evidence.push(Evidence {
                kind: EvidenceKind::Cname,
                detail: format!("*.{}", e.suffix),
                source: table_source(&e.source_url),
            });
        } else {
            debug!(
                %ip, cname = name, provider = e.provider.id, chosen = chosen.id,
                "cname evidence disagrees"
            );
        }
    }
    if let (Some(e), Some(a)) = (by_asn, asn) {
        if agrees(e.provider) {
            evidence.push(Evidence {
                kind: EvidenceKind::Asn,
                detail: format!("AS{}", a.number),
                source: table_source(&e.source_url),
            });
        } else {
            debug!(
                %ip, asn = a.number, provider = e.provider.id, chosen = chosen.id,
                "asn evidence disagrees"
            );
        }
    }
    if let (Some(p), Some(a)) = (by_asn_name, asn)
        && agrees(p)
    {
        let source = a.provenance.clone().unwrap_or_else(|| Source {
            kind: SourceKind::Dataset,
            dataset: Some(a.source.to_string()),
            ..Source::default()
        });
        evidence.push(Evidence {
            kind: EvidenceKind::Asn,
            detail: format!("AS{} {}", a.number, a.name.as_deref().unwrap_or_default()),
            source,
        });
    }
    let mut handle = None;
    if let Some(h) = holder {
        match by_holder {
            Some(p) if agrees(p) => {
                evidence.push(Evidence {
                    kind: EvidenceKind::RdapOrg,
                    detail: h.name.clone(),
                    source: h
                        .evidence
                        .first()
                        .map(|e| e.source.clone())
                        .unwrap_or_else(|| Source { kind: SourceKind::Rdap, ..Source::default() }),
                });
                handle = h.handle.clone();
            }
            Some(p) => {
                debug!(
                    %ip, holder = %h.name, provider = p.id, chosen = chosen.id,
                    "holder is another organisation"
                );
            }
            // An unidentified holder is taken to be the chosen provider's registration.
            None => handle = h.handle.clone(),
        }
    }

    Some(HostingProvider {
        name: chosen.name.to_owned(),
        handle,
        id: Some(chosen.id.to_owned()),
        kind,
        evidence,
    })
}

fn table_source(url: &str) -> Source {
    Source {
        kind: SourceKind::Dataset,
        url: Some(url.to_owned()),
        dataset: Some(TABLES_DATASET.to_owned()),
        version: Some(super::COMPILED.to_owned()),
        ..Source::default()
    }
}

/// True when any of `providers` is a CDN: the addresses are the CDN's, and the origin server
/// behind it is hidden (only the CDN can forward a notice to it or reveal it).
pub(crate) fn origin_hidden<'a>(providers: impl IntoIterator<Item = &'a HostingProvider>) -> bool {
    providers.into_iter().any(|p| p.kind == ProviderKind::Cdn)
}

/// Words dropped when comparing organisation names: legal forms and punctuation leftovers.
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "llc",
    "ltd",
    "limited",
    "gmbh",
    "sas",
    "sa",
    "bv",
    "nv",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "ag",
    "srl",
    "spa",
    "pte",
    "pty",
    "kk",
    "oy",
    "ab",
    "as",
    "sro",
    "doo",
    "lp",
    "llp",
    "sarl",
    "se",
    "l",
    "c",
    "b",
    "v",
    "s",
    "a",
    "d",
    "o",
    "p",
];

/// Lower-case words of `name` without punctuation and legal forms:
/// `"Cloudflare, Inc."` → `"cloudflare"`, `"Amazon.com, Inc."` → `"amazon com"`.
pub(crate) fn normalise_org(name: &str) -> String {
    let lowered = name.to_lowercase();
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !LEGAL_FORMS.contains(w))
        .collect();
    words.join(" ")
}

/// Normalised organisation-name prefixes and the provider they identify. A name matches when
/// its normalised form equals the prefix or starts with it followed by a space.
const ORG_ALIASES: &[(&str, &str)] = &[
    ("cloudflare", "cloudflare"),
    ("akamai", "akamai"),
    ("linode", "linode"),
    ("fastly", "fastly"),
    ("amazon", "aws"),
    ("google", "google"),
    ("microsoft", "microsoft"),
    ("oracle", "oracle-cloud"),
    ("digitalocean", "digitalocean"),
    ("ovh", "ovh"),
    ("hetzner", "hetzner"),
    ("alibaba", "alibaba-cloud"),
    ("hangzhou alibaba", "alibaba-cloud"),
    ("tencent", "tencent-cloud"),
    ("shenzhen tencent", "tencent-cloud"),
    ("the constant company", "vultr"),
    ("vultr", "vultr"),
    ("contabo", "contabo"),
    ("scaleway", "scaleway"),
    ("leaseweb", "leaseweb"),
    ("github", "github"),
    ("gitlab", "gitlab"),
    ("zscaler", "zscaler"),
    ("fly io", "fly-io"),
    ("telegram messenger", "telegram"),
    ("facebook", "meta"),
    ("meta platforms", "meta"),
    ("automattic", "automattic"),
    ("squarespace", "squarespace"),
    ("wix com", "wix"),
    ("incapsula", "imperva"),
    ("imperva", "imperva"),
    ("sucuri", "sucuri"),
    ("ddos guard", "ddos-guard"),
    ("bunnyway", "bunny"),
    ("datacamp", "cdn77"),
    ("g core labs", "gcore"),
    ("edgecast", "edgecast"),
    ("limelight networks", "limelight"),
    ("ionos", "ionos"),
    ("1 1 ionos", "ionos"),
    ("host europe", "host-europe"),
    ("godaddy", "godaddy"),
    ("hostinger", "hostinger"),
    ("namecheap", "namecheap"),
    ("rackspace", "rackspace"),
    ("softlayer", "ibm-cloud"),
    ("ibm cloud", "ibm-cloud"),
    ("huawei", "huawei-cloud"),
    ("ucloud information", "ucloud"),
    ("upcloud", "upcloud"),
    ("zenlayer", "zenlayer"),
    ("unified layer", "unified-layer"),
    ("inmotion hosting", "inmotion"),
    ("new dream network", "dreamhost"),
    ("dreamhost", "dreamhost"),
    ("liquid web", "liquid-web"),
    ("hivelocity", "hivelocity"),
    ("m247", "m247"),
    ("worldstream", "worldstream"),
    ("clouvider", "clouvider"),
    ("netcup", "netcup"),
    ("aruba", "aruba"),
    ("sakura internet", "sakura"),
    ("xserver", "xserver"),
    ("gmo internet", "gmo"),
    ("psychz networks", "psychz"),
    ("quadranet", "quadranet"),
    ("latitude sh", "latitude-sh"),
    ("frantech", "frantech"),
    ("sharktech", "sharktech"),
    ("hostpapa", "hostpapa"),
    ("serverius", "serverius"),
    ("private layer", "private-layer"),
    ("uk dedicated servers", "uk-dedicated-servers"),
    ("xtom", "xtom"),
    ("xneelo", "xneelo"),
    ("gthost", "gthost"),
    ("hostroyale", "hostroyale"),
    ("amarutu", "amarutu"),
    ("aeza", "aeza"),
    ("iomart", "iomart"),
    ("heroku", "heroku"),
    ("netlify", "netlify"),
    ("vercel", "vercel"),
    ("shopify", "shopify"),
    ("wp engine", "wpengine"),
    ("wpengine", "wpengine"),
    ("cogent", "cogent"),
    ("level 3", "lumen"),
    ("centurylink", "lumen"),
    ("lumen", "lumen"),
    ("hurricane electric", "hurricane-electric"),
    ("deutsche telekom", "deutsche-telekom"),
    ("comcast", "comcast"),
    ("verizon", "verizon"),
    ("chinanet", "china-telecom"),
    ("china telecom", "china-telecom"),
    ("china unicom", "china-unicom"),
];

/// The known provider an organisation name identifies (`"Cloudflare, Inc."` → Cloudflare).
pub(crate) fn org_alias(name: &str) -> Option<&'static Known> {
    let n = normalise_org(name);
    if n.is_empty() {
        return None;
    }
    ORG_ALIASES
        .iter()
        .filter(|(alias, _)| {
            n == *alias || n.strip_prefix(alias).is_some_and(|rest| rest.starts_with(' '))
        })
        .max_by_key(|(alias, _)| alias.len())
        .and_then(|(_, id)| known(id))
}

/// The known provider an AS name names. ASN sources give names such as
/// `"CLOUDFLARENET - Cloudflare, Inc., US"` (Team Cymru) or `"Hetzner Online GmbH"`: the
/// organisation after ` - ` (if any), without the trailing country code, is matched.
pub(crate) fn org_from_asn_name(name: &str) -> Option<&'static Known> {
    let org = name.split_once(" - ").map_or(name, |(_, org)| org);
    let org = match org.rsplit_once(',') {
        Some((head, cc))
            if cc.trim().len() == 2 && cc.trim().chars().all(|c| c.is_ascii_uppercase()) =>
        {
            head
        }
        _ => org,
    };
    org_alias(org)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn asn(number: u32, name: Option<&str>) -> Asn {
        Asn::new(number, name.map(str::to_owned), "cymru")
    }

    fn holder(name: &str, handle: &str) -> HostingProvider {
        HostingProvider::new(name, Some(handle.to_owned()))
    }

    fn kinds(p: &HostingProvider) -> Vec<(&str, &str)> {
        p.evidence.iter().map(|e| (e.kind.as_str(), e.detail.as_str())).collect()
    }

    #[test]
    fn org_names_normalise() {
        assert_eq!(normalise_org("Cloudflare, Inc."), "cloudflare");
        assert_eq!(normalise_org("Amazon.com, Inc."), "amazon com");
        assert_eq!(normalise_org("Akamai International B.V."), "akamai international");
        assert_eq!(normalise_org("SCALEWAY S.A.S."), "scaleway");
        assert_eq!(normalise_org("Hetzner Online GmbH"), "hetzner online");
        assert_eq!(org_alias("Cloudflare, Inc.").map(|k| k.id), Some("cloudflare"));
        assert_eq!(org_alias("Amazon Technologies Inc.").map(|k| k.id), Some("aws"));
        assert_eq!(org_alias("Google LLC").map(|k| k.id), Some("google"));
        assert_eq!(
            org_alias("Hangzhou Alibaba Advertising Co.,Ltd.").map(|k| k.id),
            Some("alibaba-cloud")
        );
        assert_eq!(org_alias("Googleplex Fans Club"), None);
        assert_eq!(org_alias("Inc."), None);
        assert_eq!(
            org_from_asn_name("CLOUDFLARENET - Cloudflare, Inc., US").map(|k| k.id),
            Some("cloudflare")
        );
        assert_eq!(org_from_asn_name("HETZNER-AS, DE").map(|k| k.id), Some("hetzner"));
        assert_eq!(
            org_from_asn_name("AMAZON-02 - Amazon.com, Inc., US").map(|k| k.id),
            Some("aws")
        );
        assert_eq!(org_from_asn_name("EXAMPLENET, NL"), None);
        assert_eq!(org_from_asn_name("Hetzner Online GmbH").map(|k| k.id), Some("hetzner"));
    }

    /// Cloudflare address (104.16.0.0/13 in the published list), AS13335, a Cloudflare CNAME
    /// and the ARIN holder "Cloudflare, Inc." (CLOUD14): all four agree.
    #[cfg(feature = "providers-data")]
    #[test]
    fn all_evidence_agrees() {
        let p = classify(
            "104.16.132.229".parse().unwrap(),
            Some(&asn(13335, Some("CLOUDFLARENET - Cloudflare, Inc., US"))),
            &["www.example.com.cdn.cloudflare.net".to_owned()],
            Some(&holder("Cloudflare, Inc.", "CLOUD14")),
        )
        .unwrap();
        assert_eq!(p.id.as_deref(), Some("cloudflare"));
        assert_eq!((p.name.as_str(), p.kind), ("Cloudflare", ProviderKind::Cdn));
        assert_eq!(p.handle.as_deref(), Some("CLOUD14"));
        assert_eq!(
            kinds(&p),
            [
                ("ip_range", "104.16.0.0/13"),
                ("cname", "*.cdn.cloudflare.net"),
                ("asn", "AS13335"),
                ("rdap_org", "Cloudflare, Inc.")
            ]
        );
        let range = &p.evidence.first().unwrap().source;
        assert_eq!(range.kind, SourceKind::Dataset);
        assert_eq!(range.version.as_deref(), Some("2025-07-25"));
        assert_eq!(range.url.as_deref(), Some("https://www.cloudflare.com/ips/"));
        let asn_src = &p.evidence.get(2).unwrap().source;
        assert_eq!(
            asn_src.url.as_deref(),
            Some("https://github.com/sapics/ip-location-db/tree/main/asn")
        );
    }

    /// The CloudFront block 13.32.0.0/15 makes the address a CDN although AS16509 and the
    /// holder name only say "Amazon"; the Amazon evidence corroborates (same organisation).
    #[cfg(feature = "providers-data")]
    #[test]
    fn range_service_beats_asn_and_keeps_corroboration() {
        let p = classify(
            "13.32.99.1".parse().unwrap(),
            Some(&asn(16509, None)),
            &[],
            Some(&holder("Amazon Technologies Inc.", "AT-88-Z")),
        )
        .unwrap();
        assert_eq!((p.id.as_deref(), p.kind), (Some("aws-cloudfront"), ProviderKind::Cdn));
        assert_eq!(p.name, "Amazon CloudFront");
        assert_eq!(
            kinds(&p),
            [
                ("ip_range", "13.32.0.0/15"),
                ("asn", "AS16509"),
                ("rdap_org", "Amazon Technologies Inc.")
            ]
        );
        assert_eq!(p.handle.as_deref(), Some("AT-88-Z"));
    }

    /// A stale CNAME to CloudFront while the address is Cloudflare's: the range decides and the
    /// disagreeing CNAME is not evidence.
    #[cfg(feature = "providers-data")]
    #[test]
    fn range_beats_disagreeing_cname() {
        let p = classify(
            "104.16.132.229".parse().unwrap(),
            None,
            &["d111111abcdef8.cloudfront.net".to_owned()],
            None,
        )
        .unwrap();
        assert_eq!(p.id.as_deref(), Some("cloudflare"));
        assert_eq!(kinds(&p), [("ip_range", "104.16.0.0/13")]);
        assert_eq!(p.handle, None);
    }

    /// Outside every published range: CNAME beats ASN beats holder name.
    #[test]
    fn cname_then_asn_then_holder() {
        let outside: IpAddr = "192.0.2.10".parse().unwrap();
        let p =
            classify(outside, Some(&asn(24940, None)), &["x.b-cdn.net".to_owned()], None).unwrap();
        assert_eq!(p.id.as_deref(), Some("bunny"));
        assert_eq!(kinds(&p), [("cname", "*.b-cdn.net")]);

        let p = classify(outside, Some(&asn(24940, None)), &[], Some(&holder("OVH SAS", "OVH")))
            .unwrap();
        assert_eq!((p.id.as_deref(), p.kind), (Some("hetzner"), ProviderKind::Hosting));
        assert_eq!(kinds(&p), [("asn", "AS24940")]);
        // The holder is another organisation: its handle is not Hetzner's.
        assert_eq!(p.handle, None);

        let p = classify(outside, None, &[], Some(&holder("OVH SAS", "ORG-OS3-RIPE"))).unwrap();
        assert_eq!((p.id.as_deref(), p.name.as_str()), (Some("ovh"), "OVHcloud"));
        assert_eq!(kinds(&p), [("rdap_org", "OVH SAS")]);
        assert_eq!(p.handle.as_deref(), Some("ORG-OS3-RIPE"));
    }

    /// An AS number missing from the table is identified from the AS name the source gave.
    #[test]
    fn asn_name_fallback() {
        let p = classify(
            "192.0.2.10".parse().unwrap(),
            Some(&asn(64500, Some("EXAMPLE - Hetzner Online GmbH, DE"))),
            &[],
            None,
        )
        .unwrap();
        assert_eq!(p.id.as_deref(), Some("hetzner"));
        assert_eq!(kinds(&p), [("asn", "AS64500 EXAMPLE - Hetzner Online GmbH, DE")]);
        assert_eq!(p.evidence.first().unwrap().source.dataset.as_deref(), Some("cymru"));
    }

    /// A Heroku app: the CNAME names the platform, the address is AWS's. The platform wins and
    /// the AWS facts are not its evidence; the unrelated holder handle is dropped.
    #[test]
    fn platform_cname_beats_infrastructure() {
        let p = classify(
            "3.5.140.10".parse().unwrap(),
            Some(&asn(16509, None)),
            &["sushi-1234.herokudns.com".to_owned()],
            Some(&holder("Amazon.com, Inc.", "AMAZO-4")),
        )
        .unwrap();
        assert_eq!((p.id.as_deref(), p.kind), (Some("heroku"), ProviderKind::Platform));
        assert_eq!(kinds(&p), [("cname", "*.herokudns.com")]);
        assert_eq!(p.handle, None);
    }

    #[test]
    fn unknown_holder_comes_back_unchanged() {
        let h = holder("Example Networks Ltd", "EX-1");
        let p = classify("192.0.2.10".parse().unwrap(), Some(&asn(64501, None)), &[], Some(&h));
        assert_eq!(p, Some(h));
        assert_eq!(classify("192.0.2.10".parse().unwrap(), None, &[], None), None);
    }

    #[cfg(feature = "providers-data")]
    #[test]
    fn origin_hidden_when_any_address_is_a_cdn() {
        let cdn = classify("104.16.132.229".parse().unwrap(), None, &[], None).unwrap();
        let cloud = classify("3.5.140.10".parse().unwrap(), None, &[], None).unwrap();
        assert!(origin_hidden([&cloud, &cdn]));
        assert!(!origin_hidden([&cloud]));
        assert!(!origin_hidden(std::iter::empty()));
    }
}
