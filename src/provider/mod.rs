//! Who actually hosts it: provider identification from shipped, dated data, platform
//! recognition, and the provider abuse directory. Whom to notify, and in which order, is
//! decided above it, in `notice.rs`.
//!
//! Everything here is pure: it takes facts the pipeline already found (an address, its ASN,
//! the CNAME chain, the RDAP holder, the whole record) and returns derived facts. No I/O.
//!
//! # Entry points (called by `lookup.rs`)
//!
//! - [`classify()`]: one address → a [`HostingProvider`] with a stable id, a kind and the
//!   evidence that decided it (published IP range, ASN, CNAME suffix, RDAP holder name).
//! - [`origin_hidden`]: true when any address belongs to a CDN.
//! - [`detect_platform`]: a host name (and URL path) → the shared [`Platform`] it is on.
//! - [`directory_channels`]: a provider's published abuse channels for a notice type.
//!
//! # Data (all under `data/providers/`, credited in `data/providers/SOURCES.md`)
//!
//! | file | what | date |
//! |---|---|---|
//! | `ranges.txt` | published CDN/cloud IP ranges, aggregated (`cidr provider kind`) | snapshot 2025-07-25 |
//! | `asns.txt` | AS numbers of CDNs, clouds, hosters, platforms, big ISPs | compiled 2026-11-26 |
//! | `cnames.txt` | CNAME target suffixes of CDNs and platforms | compiled 2026-11-26 |
//! | `directory.txt` | published abuse channels per provider/platform and notice type | compiled 2026-11-26 |
//!
//! Each file is embedded with `include_str!` and parsed once (`OnceLock`) on first use.
//! Malformed lines are skipped (a test asserts there are none).
//!
//! [`HostingProvider`]: crate::record::HostingProvider
//! [`Platform`]: crate::record::Platform

pub(crate) mod asns;
mod classify;
mod cnames;
mod directory;
mod platforms;
pub(crate) mod ranges;

pub(crate) use classify::{classify, normalise_org, org_alias, org_from_asn_name, origin_hidden};
pub(crate) use directory::{directory_channels, order_for_notice};
pub(crate) use platforms::detect_platform;

use crate::record::ProviderKind;

/// The date the ASN, CNAME and directory tables were compiled.
pub(crate) const COMPILED: &str = "2026-11-26";

/// The date of the published IP range snapshot `ranges.txt` was built from.
pub(crate) const RANGES_SNAPSHOT: &str = "2025-07-25";

/// A provider whohosts knows by a stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Known {
    /// Stable identifier (`cloudflare`, `aws-cloudfront`, …), used in every data file.
    pub(crate) id: &'static str,
    /// Display name.
    pub(crate) name: &'static str,
    /// What kind of provider this is.
    pub(crate) kind: ProviderKind,
    /// The organisation behind it: providers of one organisation corroborate each other's
    /// evidence (an AWS ASN supports a CloudFront range match).
    pub(crate) org: &'static str,
    /// The owner id its abuse channels are filed under in `directory.txt`.
    pub(crate) directory: &'static str,
    /// Where the provider publishes its IP ranges (for `ip_range` evidence), if it does.
    pub(crate) ranges_url: Option<&'static str>,
}

const fn p(
    id: &'static str,
    name: &'static str,
    kind: ProviderKind,
    org: &'static str,
    directory: &'static str,
) -> Known {
    Known { id, name, kind, org, directory, ranges_url: None }
}

const fn r(mut known: Known, url: &'static str) -> Known {
    known.ranges_url = Some(url);
    known
}

use ProviderKind::{Cdn, Cloud, Hosting, Isp, Platform as Plat};

/// Every provider the data files may name. Ids are stable: they appear in records.
pub(crate) static KNOWN: &[Known] = &[
    // CDNs and reverse proxies.
    r(
        p("cloudflare", "Cloudflare", Cdn, "cloudflare", "cloudflare"),
        "https://www.cloudflare.com/ips/",
    ),
    r(
        p("akamai", "Akamai", Cdn, "akamai", "akamai"),
        "https://github.com/femueller/cloud-ip-ranges/blob/60937f4cdba4/akamai-v4-ip-ranges.txt",
    ),
    r(p("fastly", "Fastly", Cdn, "fastly", "fastly"), "https://api.fastly.com/public-ip-list"),
    r(
        p("aws-cloudfront", "Amazon CloudFront", Cdn, "amazon", "aws"),
        "https://ip-ranges.amazonaws.com/ip-ranges.json",
    ),
    r(
        p("azure-front-door", "Azure Front Door", Cdn, "microsoft", "microsoft"),
        "https://www.microsoft.com/en-us/download/details.aspx?id=56519",
    ),
    p("azure-cdn", "Azure CDN", Cdn, "microsoft", "microsoft"),
    p("bunny", "Bunny.net", Cdn, "bunny", "bunny"),
    p("cdn77", "CDN77 (DataCamp)", Cdn, "cdn77", "cdn77"),
    p("gcore", "Gcore", Cdn, "gcore", "gcore"),
    p("imperva", "Imperva (Incapsula)", Cdn, "imperva", "imperva"),
    p("sucuri", "Sucuri", Cdn, "sucuri", "sucuri"),
    p("ddos-guard", "DDoS-Guard", Cdn, "ddos-guard", "ddos-guard"),
    p("edgecast", "Edgecast (Edgio)", Cdn, "edgio", "edgecast"),
    p("limelight", "Limelight (Edgio)", Cdn, "edgio", "limelight"),
    // Clouds.
    r(
        p("aws", "Amazon Web Services", Cloud, "amazon", "aws"),
        "https://ip-ranges.amazonaws.com/ip-ranges.json",
    ),
    r(
        p("google-cloud", "Google Cloud", Cloud, "google", "google-cloud"),
        "https://www.gstatic.com/ipranges/cloud.json",
    ),
    p("google", "Google", Cloud, "google", "google"),
    r(
        p("azure", "Microsoft Azure", Cloud, "microsoft", "microsoft"),
        "https://www.microsoft.com/en-us/download/details.aspx?id=56519",
    ),
    p("microsoft", "Microsoft", Cloud, "microsoft", "microsoft"),
    r(
        p("oracle-cloud", "Oracle Cloud", Cloud, "oracle", "oracle-cloud"),
        "https://docs.oracle.com/iaas/tools/public_ip_ranges.json",
    ),
    r(
        p("digitalocean", "DigitalOcean", Cloud, "digitalocean", "digitalocean"),
        "https://digitalocean.com/geo/google.csv",
    ),
    r(p("linode", "Linode (Akamai Cloud)", Cloud, "akamai", "linode"), "https://geoip.linode.com/"),
    r(
        p("zscaler", "Zscaler", Cloud, "zscaler", "zscaler"),
        "https://config.zscaler.com/api/zscaler.net/hubs/cidr/json/recommended",
    ),
    p("alibaba-cloud", "Alibaba Cloud", Cloud, "alibaba", "alibaba-cloud"),
    p("tencent-cloud", "Tencent Cloud", Cloud, "tencent", "tencent-cloud"),
    p("vultr", "Vultr", Cloud, "vultr", "vultr"),
    p("scaleway", "Scaleway", Cloud, "scaleway", "scaleway"),
    p("fly-io", "Fly.io", Cloud, "fly-io", "fly-io"),
    p("render", "Render", Cloud, "render", "render"),
    p("rackspace", "Rackspace", Cloud, "rackspace", "rackspace"),
    p("ibm-cloud", "IBM Cloud", Cloud, "ibm", "ibm-cloud"),
    p("huawei-cloud", "Huawei Cloud", Cloud, "huawei", "huawei-cloud"),
    p("ucloud", "UCloud", Cloud, "ucloud", "ucloud"),
    p("upcloud", "UpCloud", Cloud, "upcloud", "upcloud"),
    p("zenlayer", "Zenlayer", Cloud, "zenlayer", "zenlayer"),
    // Hosting companies.
    p("ovh", "OVHcloud", Hosting, "ovh", "ovh"),
    p("hetzner", "Hetzner", Hosting, "hetzner", "hetzner"),
    p("contabo", "Contabo", Hosting, "contabo", "contabo"),
    p("leaseweb", "Leaseweb", Hosting, "leaseweb", "leaseweb"),
    p("ionos", "IONOS", Hosting, "ionos", "ionos"),
    p("host-europe", "Host Europe", Hosting, "godaddy", "host-europe"),
    p("godaddy", "GoDaddy", Hosting, "godaddy", "godaddy"),
    p("hostinger", "Hostinger", Hosting, "hostinger", "hostinger"),
    p("namecheap", "Namecheap", Hosting, "namecheap", "namecheap"),
    p("unified-layer", "Unified Layer", Hosting, "unified-layer", "unified-layer"),
    p("inmotion", "InMotion Hosting", Hosting, "inmotion", "inmotion"),
    p("dreamhost", "DreamHost", Hosting, "dreamhost", "dreamhost"),
    p("liquid-web", "Liquid Web", Hosting, "liquid-web", "liquid-web"),
    p("hivelocity", "Hivelocity", Hosting, "hivelocity", "hivelocity"),
    p("m247", "M247", Hosting, "m247", "m247"),
    p("worldstream", "WorldStream", Hosting, "worldstream", "worldstream"),
    p("clouvider", "Clouvider", Hosting, "clouvider", "clouvider"),
    p("netcup", "netcup", Hosting, "netcup", "netcup"),
    p("aruba", "Aruba", Hosting, "aruba", "aruba"),
    p("sakura", "SAKURA internet", Hosting, "sakura", "sakura"),
    p("xserver", "Xserver", Hosting, "xserver", "xserver"),
    p("gmo", "GMO Internet", Hosting, "gmo", "gmo"),
    p("psychz", "Psychz Networks", Hosting, "psychz", "psychz"),
    p("quadranet", "QuadraNet", Hosting, "quadranet", "quadranet"),
    p("latitude-sh", "Latitude.sh", Hosting, "latitude-sh", "latitude-sh"),
    p("frantech", "FranTech Solutions (BuyVM)", Hosting, "frantech", "frantech"),
    p("sharktech", "Sharktech", Hosting, "sharktech", "sharktech"),
    p("hostpapa", "HostPapa", Hosting, "hostpapa", "hostpapa"),
    p("serverius", "Serverius", Hosting, "serverius", "serverius"),
    p("private-layer", "Private Layer", Hosting, "private-layer", "private-layer"),
    p(
        "uk-dedicated-servers",
        "UK Dedicated Servers",
        Hosting,
        "uk-dedicated-servers",
        "uk-dedicated-servers",
    ),
    p("xtom", "xTom", Hosting, "xtom", "xtom"),
    p("xneelo", "Xneelo", Hosting, "xneelo", "xneelo"),
    p("gthost", "GTHost", Hosting, "gthost", "gthost"),
    p("hostroyale", "HostRoyale", Hosting, "hostroyale", "hostroyale"),
    p("amarutu", "Amarutu Technology", Hosting, "amarutu", "amarutu"),
    p("aeza", "Aeza", Hosting, "aeza", "aeza"),
    p("iomart", "iomart", Hosting, "iomart", "iomart"),
    p("wpengine", "WP Engine", Hosting, "wpengine", "wpengine"),
    // Platforms (the operator that can act on content it serves for its users).
    r(p("github", "GitHub", Plat, "github", "github"), "https://api.github.com/meta"),
    p("gitlab", "GitLab", Plat, "gitlab", "gitlab"),
    p("heroku", "Heroku", Plat, "heroku", "heroku"),
    p("netlify", "Netlify", Plat, "netlify", "netlify"),
    p("vercel", "Vercel", Plat, "vercel", "vercel"),
    p("shopify", "Shopify", Plat, "shopify", "shopify"),
    p("squarespace", "Squarespace", Plat, "squarespace", "squarespace"),
    p("wix", "Wix", Plat, "wix", "wix"),
    p("automattic", "Automattic (WordPress.com)", Plat, "automattic", "automattic"),
    p("telegram", "Telegram", Plat, "telegram", "telegram"),
    p("meta", "Meta (Facebook)", Plat, "meta", "meta"),
    // Access and transit networks.
    p("cogent", "Cogent", Isp, "cogent", "cogent"),
    p("lumen", "Lumen (Level 3, CenturyLink)", Isp, "lumen", "lumen"),
    p("hurricane-electric", "Hurricane Electric", Isp, "hurricane-electric", "hurricane-electric"),
    p("deutsche-telekom", "Deutsche Telekom", Isp, "deutsche-telekom", "deutsche-telekom"),
    p("comcast", "Comcast", Isp, "comcast", "comcast"),
    p("verizon", "Verizon", Isp, "verizon", "verizon"),
    p("china-telecom", "China Telecom", Isp, "china-telecom", "china-telecom"),
    p("china-unicom", "China Unicom", Isp, "china-unicom", "china-unicom"),
];

/// The known provider with this id.
pub(crate) fn known(id: &str) -> Option<&'static Known> {
    KNOWN.iter().find(|k| k.id == id)
}

/// The rows of a shipped data file that `parse` reads (blank lines and `#` comment lines
/// are skipped). Lines it cannot read are left out with a warning naming the file; the data
/// tests hold every shipped line to parse.
fn data_rows<T>(text: &str, file: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    let (rows, skipped) = rows_and_skipped(text, parse);
    if skipped > 0 {
        tracing::warn!(file, skipped, "provider data lines that do not parse were left out");
    }
    rows
}

/// [`data_rows`], with the number of lines left out.
fn rows_and_skipped<T>(text: &str, parse: impl Fn(&str) -> Option<T>) -> (Vec<T>, usize) {
    let mut rows = Vec::new();
    let mut skipped = 0;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse(line) {
            Some(row) => rows.push(row),
            None => skipped += 1,
        }
    }
    (rows, skipped)
}

/// The lines of a shipped data file that [`data_rows`] hands to its parser, for the data
/// tests: each must parse.
#[cfg(test)]
fn data_lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

/// Parse a kind as written in the data files (`cdn`, `cloud`, `hosting`, `isp`, `platform`).
fn parse_kind(s: &str) -> Option<ProviderKind> {
    Some(match s {
        "cdn" => ProviderKind::Cdn,
        "cloud" => ProviderKind::Cloud,
        "hosting" => ProviderKind::Hosting,
        "isp" => ProviderKind::Isp,
        "platform" => ProviderKind::Platform,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::HashSet;

    use super::*;

    #[test]
    fn provider_ids_are_unique_and_directories_resolve() {
        let mut ids = HashSet::new();
        for k in KNOWN {
            assert!(ids.insert(k.id), "duplicate id {}", k.id);
            assert!(!k.name.is_empty());
        }
        assert_eq!(known("aws-cloudfront").map(|k| k.kind), Some(ProviderKind::Cdn));
        assert_eq!(known("aws").map(|k| k.kind), Some(ProviderKind::Cloud));
        assert_eq!(known("nope"), None);
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(parse_kind("cdn"), Some(ProviderKind::Cdn));
        assert_eq!(parse_kind("platform"), Some(ProviderKind::Platform));
        assert_eq!(parse_kind("CDN"), None);
    }
}
