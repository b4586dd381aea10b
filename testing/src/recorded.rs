//! The `recorded()` preset: real recorded RDAP answers (`fixtures/rdap/`) and WHOIS answers
//! (`fixtures/whois/`), this crate's copies of the repository's `tests/fixtures/`, with DNS
//! records and Team Cymru entries synthesised from public knowledge, as readable tables, and
//! Abusix and RIPEstat entries derived from the recorded RDAP answers' abuse mailboxes
//! (`quota_free.rs`).

use super::WorldBuilder;

/// Embed one recorded RDAP answer from `fixtures/rdap/`.
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!("../fixtures/rdap/", $path))
    };
}

/// One simulated RDAP service of the preset.
struct ServiceRow {
    /// Service name (URL path prefix).
    name: &'static str,
    /// Real base URLs it stands in for (rewritten in served bodies).
    urls: &'static [&'static str],
    /// Bootstrap claims.
    tlds: &'static [&'static str],
    ips: &'static [&'static str],
    asns: &'static [&'static str],
    /// Recorded answers served.
    objects: &'static [&'static str],
}

/// The RDAP services. Bootstrap ranges follow IANA's where the preset needs them;
/// exceptions are noted.
const SERVICES: &[ServiceRow] = &[
    ServiceRow {
        name: "verisign",
        urls: &["https://rdap.verisign.com/com/v1/"],
        tlds: &["com"],
        ips: &[],
        asns: &[],
        objects: &[
            fixture!("domain/verisign-cloudflare.com-registry.json"),
            fixture!("domain/verisign-google.com-registry-from-vcr.json"),
        ],
    },
    ServiceRow {
        name: "cloudflare-registrar",
        urls: &["https://rdap.cloudflare.com/rdap/v1/"],
        tlds: &[],
        ips: &[],
        asns: &[],
        objects: &[fixture!("domain/cloudflare-registrar-cloudflare.com.json")],
    },
    // google.com's registrar; nothing recorded, so 404 unless a fault is set.
    ServiceRow {
        name: "markmonitor",
        urls: &["https://rdap.markmonitor.com/rdap/"],
        tlds: &[],
        ips: &[],
        asns: &[],
        objects: &[],
    },
    // The recorded answer has no self link; IANA's bootstrap URL for .click.
    ServiceRow {
        name: "uniregistry",
        urls: &["https://rdap.registry.click/rdap/"],
        tlds: &["click"],
        ips: &[],
        asns: &[],
        objects: &[fixture!("domain/uniregistry-microsoft.click-registry.json")],
    },
    ServiceRow {
        name: "afnic",
        urls: &["https://rdap.nic.fr/"],
        tlds: &["fr"],
        ips: &[],
        asns: &[],
        objects: &[
            fixture!("domain/afnic-afnic.fr.json"),
            fixture!("domain/afnic-airport.fr-from-vcr.json"),
            fixture!("domain/afnic-lemonde.fr.json"),
            fixture!("nameserver/afnic-ns1.nic.fr.json"),
        ],
    },
    ServiceRow {
        name: "cznic",
        urls: &["https://rdap.nic.cz/"],
        tlds: &["cz"],
        ips: &[],
        asns: &[],
        objects: &[
            fixture!("domain/cznic-example.cz.json"),
            fixture!("domain/cznic-nic.cz-fred.json"),
            fixture!("entity/cznic-CZ-NIC-registrar-fred.json"),
        ],
    },
    // The first URL is the recorded self link's base, the second IANA's bootstrap URL.
    ServiceRow {
        name: "flexireg",
        urls: &["https://flexireg.net/moscow/rdap/", "https://rdap.flexireg.net/"],
        tlds: &["moscow"],
        ips: &[],
        asns: &[],
        objects: &[fixture!("domain/flexireg-home.moscow-registry.json")],
    },
    // AS1234 is left to RIPE (IANA lists 1-1876 under ARIN, whose server redirects it).
    ServiceRow {
        name: "arin",
        urls: &["https://rdap.arin.net/registry/"],
        tlds: &[],
        ips: &[
            "3.0.0.0/8",
            "8.0.0.0/8",
            "104.0.0.0/8",
            "142.0.0.0/8",
            "192.198.0.0/16",
            "2620::/23",
        ],
        asns: &["1-1233", "13312-15359", "16384-17407", "35840-36863"],
        objects: &[
            fixture!("ip/arin-104.16.0.0-12-cloudflare.json"),
            fixture!("ip/arin-192.198.0.0-22-radiolink.json"),
            fixture!("ip/arin-2620-119-35--35-ipv6-cisco-opendns-from-vcr.json"),
            fixture!("ip/arin-3.0.0.0-9-amazon.json"),
            fixture!("ip/arin-8.8.8.0-24-google.json"),
            fixture!("autnum/arin-AS16509-amazon.json"),
            fixture!("autnum/arin-AS256-dnic.json"),
            fixture!("entity/arin-ARIN-HOSTMASTER.json"),
        ],
    },
    ServiceRow {
        name: "ripe",
        urls: &["https://rdap.db.ripe.net/"],
        tlds: &[],
        ips: &["193.0.0.0/8"],
        asns: &["1234", "3154-3353", "15360-16383"],
        objects: &[
            fixture!("ip/ripe-193.0.0.0-21-ripencc.json"),
            fixture!("autnum/ripe-AS1234-fortum.json"),
            fixture!("autnum/ripe-AS16276-ovh-from-vcr.json"),
            fixture!("entity/ripe-ORG-RIEN1-RIPE-org.json"),
        ],
    },
    ServiceRow {
        name: "apnic",
        urls: &["https://rdap.apnic.net/"],
        tlds: &[],
        ips: &["1.0.0.0/8", "203.0.0.0/8"],
        asns: &["4608-4865"],
        objects: &[
            fixture!("ip/apnic-1.1.1.0-24-apnic-labs.json"),
            fixture!("ip/apnic-203.119.100.0-22-apnic.json"),
            fixture!("autnum/apnic-AS4608-apnic.json"),
        ],
    },
    ServiceRow {
        name: "lacnic",
        urls: &["https://rdap.lacnic.net/rdap/"],
        tlds: &[],
        ips: &["179.0.0.0/8", "200.0.0.0/8"],
        asns: &["27648-28671"],
        objects: &[
            fixture!("ip/lacnic-179.0.0.0-23.json"),
            fixture!("ip/lacnic-200.3.12.0-22-lacnic.json"),
            fixture!("ip/lacnic-200.40.0.0-17-antel.json"),
            fixture!("autnum/lacnic-AS27648.json"),
        ],
    },
    // An NIR under LACNIC: its blocks are more specific than LACNIC's 200.0.0.0/8.
    ServiceRow {
        name: "registrobr",
        urls: &["https://rdap.registro.br/"],
        tlds: &[],
        ips: &["177.0.0.0/14", "200.160.0.0/20"],
        asns: &[],
        objects: &[
            fixture!("ip/registrobr-177.0.0.0-14-oi.json"),
            fixture!("ip/registrobr-200.160.0.0-20-nicbr.json"),
        ],
    },
    ServiceRow {
        name: "afrinic",
        urls: &["https://rdap.afrinic.net/rdap/"],
        tlds: &[],
        ips: &["41.0.0.0/8", "196.0.0.0/8"],
        asns: &["36864-37887"],
        objects: &[
            fixture!("ip/afrinic-196.216.2.0-23-afrinic.json"),
            fixture!("ip/afrinic-41.0.0.0-16.json"),
            fixture!("autnum/afrinic-AS36864.json"),
        ],
    },
];

/// A synthesised DNS record.
enum Rec {
    A(&'static str),
    Aaaa(&'static str),
    Cname(&'static str),
    Ns(&'static str),
}

/// Synthesised DNS records (true to life, not recorded). Names not listed, such as
/// `microsoft.click`, answer NXDOMAIN.
const DNS: &[(&str, Rec)] = &[
    ("cloudflare.com", Rec::A("104.16.132.229")),
    ("cloudflare.com", Rec::A("104.16.133.229")),
    // NS as listed in Verisign's recorded answer for cloudflare.com
    ("cloudflare.com", Rec::Ns("ns3.cloudflare.com")),
    ("cloudflare.com", Rec::Ns("ns4.cloudflare.com")),
    ("cloudflare.com", Rec::Ns("ns5.cloudflare.com")),
    ("cloudflare.com", Rec::Ns("ns6.cloudflare.com")),
    ("cloudflare.com", Rec::Ns("ns7.cloudflare.com")),
    ("www.cloudflare.com", Rec::Cname("www.cloudflare.com.cdn.cloudflare.net")),
    ("www.cloudflare.com.cdn.cloudflare.net", Rec::A("104.16.123.96")),
    ("www.cloudflare.com.cdn.cloudflare.net", Rec::A("104.16.124.96")),
    ("google.com", Rec::A("142.250.185.46")),
    // NS as listed in Verisign's recorded answer for google.com
    ("google.com", Rec::Ns("ns1.google.com")),
    ("google.com", Rec::Ns("ns2.google.com")),
    ("google.com", Rec::Ns("ns3.google.com")),
    ("google.com", Rec::Ns("ns4.google.com")),
    ("dns.google", Rec::A("8.8.8.8")),
    ("one.one.one.one", Rec::A("1.1.1.1")),
    ("ripe.net", Rec::A("193.0.6.139")),
    ("lacnic.net", Rec::A("200.3.14.10")),
    ("apnic.net", Rec::A("203.119.101.61")),
    ("afrinic.net", Rec::A("196.216.2.6")),
    ("registro.br", Rec::A("200.160.2.3")),
    ("resolver1.ipv6-sandbox.opendns.com", Rec::Aaaa("2620:119:35::35")),
    // OpenDNS's own delegation (ns1-ns4.opendns.com), so the registrable domain has its NS.
    ("opendns.com", Rec::Ns("ns1.opendns.com")),
    ("opendns.com", Rec::Ns("ns2.opendns.com")),
    ("opendns.com", Rec::Ns("ns3.opendns.com")),
    ("opendns.com", Rec::Ns("ns4.opendns.com")),
    // NS only (as in AFNIC's recorded answer), no addresses
    ("afnic.fr", Rec::Ns("ns1.nic.fr")),
    ("afnic.fr", Rec::Ns("ns2.nic.fr")),
    ("afnic.fr", Rec::Ns("ns3.nic.fr")),
];

/// Synthesised Team Cymru origin entries: (prefix, ASNs, country, registry, date). Dates are
/// the registration dates in the recorded RDAP answers where there is one. Order matters:
/// 104.16.0.0/12 is answered before the more specific /13.
const CYMRU_ORIGINS: &[(&str, &[u32], &str, &str, &str)] = &[
    ("104.16.0.0/12", &[13335], "US", "arin", "2014-03-28"),
    ("104.16.0.0/13", &[13335], "US", "arin", "2014-03-28"),
    ("8.8.8.0/24", &[15169], "US", "arin", "2023-12-28"),
    ("142.250.0.0/15", &[15169], "US", "arin", "2012-05-24"),
    ("1.1.1.0/24", &[13335], "AU", "apnic", "2011-08-11"),
    ("193.0.0.0/21", &[3333], "NL", "ripencc", "2003-03-17"),
    ("200.3.12.0/22", &[28000], "UY", "lacnic", "2008-09-02"),
    ("203.119.101.0/24", &[4608], "AU", "apnic", "2019-11-14"),
    ("196.216.2.0/23", &[33764], "MU", "afrinic", "2005-02-21"),
    ("200.160.0.0/20", &[22548], "BR", "lacnic", "2001-10-16"),
    ("2620:119:35::/48", &[36692], "US", "arin", "2014-04-11"),
];

/// Synthesised Team Cymru AS names.
const CYMRU_AS_NAMES: &[(u32, &str)] = &[
    (13335, "CLOUDFLARENET, US"),
    (15169, "GOOGLE, US"),
    (3333, "RIPE-NCC-AS Reseaux IP Europeens Network Coordination Centre (RIPE NCC), NL"),
    (28000, "LACNIC - Latin American and Caribbean IP address, UY"),
    (4608, "APNIC-SERVICES Asia Pacific Network Information Centre, AU"),
    (33764, "AFRINIC-ZA-JNB-AS, ZA"),
    (22548, "Núcleo de Inf. e Coord. do Ponto BR - NIC.BR, BR"),
    (36692, "OPENDNS, US"),
];

/// The preset as a builder.
pub(super) fn builder() -> WorldBuilder {
    let mut builder = WorldBuilder::new();
    // The Abusix zone and the RIPEstat endpoint name what the recorded RDAP answers name.
    let mut quota_free = super::quota_free::Entries::default();
    for row in SERVICES {
        for json in row.objects {
            quota_free.add_rdap(row.name, json);
        }
    }
    builder = quota_free.apply(builder);
    for row in SERVICES {
        builder = builder.service(row.name, row.urls);
        for tld in row.tlds {
            builder = builder.claim_tld(row.name, tld);
        }
        for cidr in row.ips {
            builder = builder.claim_ip(row.name, cidr);
        }
        for asns in row.asns {
            builder = builder.claim_asn(row.name, asns);
        }
        for json in row.objects {
            builder = builder.object(row.name, json);
        }
    }
    for (name, record) in DNS {
        builder = match record {
            Rec::A(ip) => builder.a(name, ip),
            Rec::Aaaa(ip) => builder.aaaa(name, ip),
            Rec::Cname(target) => builder.cname(name, target),
            Rec::Ns(host) => builder.ns(name, host),
        };
    }
    for (prefix, asns, cc, rir, date) in CYMRU_ORIGINS {
        builder = builder.cymru_origin(prefix, asns, cc, rir, date);
    }
    for (asn, name) in CYMRU_AS_NAMES {
        builder = builder.cymru_as_name(*asn, name);
    }
    for (server, query, text) in WHOIS {
        builder = builder.whois_text(server, query, text);
    }
    builder
}

// --- WHOIS -------------------------------------------------------------------------------

/// Embed one recorded WHOIS answer from `fixtures/whois/`.
macro_rules! whois_fixture {
    ($path:literal) => {
        include_str!(concat!("../fixtures/whois/", $path))
    };
}

/// Recorded WHOIS answers: (server, query or CIDR, text). Each text is what that server
/// answered for that object (per the fixture's source); addresses inside a CIDR get the
/// answer recorded for the network. No RDAP service claims `.nl` or `.net`, so those
/// domains are WHOIS-only in this world.
///
/// * `.nl`, a ccTLD without RDAP here: `app.nl` (SIDN layout; registrar Hosting Secure, abuse
///   +31.0202018165 / abuse@hostingsecure.com) and `google.nl` (registrar MarkMonitor Inc.,
///   empty "Abuse Contact:").
/// * thin `.com` chain: Verisign's answer for `google.com` refers to whois.markmonitor.com,
///   whose own answer is recorded too (`.com` also has RDAP here: the chain runs when RDAP
///   fails or is skipped).
/// * `.net`: Verisign's answer for `google.net` refers to whois.markmonitor.com, which
///   answers with its recorded rate-limit text ("You have exceeded your quota of queries.").
/// * RIRs: AFRINIC 196.216.2.0/23 (abuse mailbox only in WHOIS) and 2001:42d0::/40 ("No
///   abuse contact registered"); ARIN 8.8.8.0/24, 2001:4860::/32 (RAbuse), 4.0.0.0/8,
///   170.0.0.0/22 (refers to LACNIC), 174.0.0.0/13 and 69.65.0.0/18 (refer to RWhois),
///   144.132.0.0/14 (refers to APNIC, which has nothing recorded for it); LACNIC
///   170.0.0.0/22 and 2001:13c7:7010::/46; APNIC 1.1.1.0/24, 171.0.0.0/15, 2001:dc7::/32
///   ("is invalid"); RIPE NCC 193.0.0.0/21 and 2001:67c:2e8::/48.
/// * whois.iana.org: `com`, `google` (TLD answers naming their servers), `eh` (not
///   assigned, no server) and 171.0.0.0/8 (refer: whois.apnic.net).
const WHOIS: &[(&str, &str, &str)] = &[
    ("whois.domain-registry.nl", "app.nl", whois_fixture!("domain/richardpenman/app.nl.txt")),
    ("whois.domain-registry.nl", "google.nl", whois_fixture!("domain/likexian/nl_google.nl.txt")),
    (
        "whois.verisign-grs.com",
        "google.com",
        whois_fixture!("domain/weppos/whois.verisign-grs.com__referral-thin.txt"),
    ),
    (
        "whois.markmonitor.com",
        "google.com",
        whois_fixture!("domain/weppos/whois.markmonitor.com__com__status_registered.txt"),
    ),
    (
        "whois.verisign-grs.com",
        "google.net",
        whois_fixture!("domain/weppos/whois.verisign-grs.com__net__status_registered.txt"),
    ),
    (
        "whois.markmonitor.com",
        "google.net",
        whois_fixture!("domain/weppos/whois.markmonitor.com__response_throttled.txt"),
    ),
    (
        "whois.afrinic.net",
        "196.216.2.0/23",
        whois_fixture!("ip/afrinic__196.216.2.1-afrinic-abuse-via-irt.txt"),
    ),
    (
        "whois.afrinic.net",
        "2001:42d0::/40",
        whois_fixture!("ip/afrinic__2001-42d0--ipv6-no-abuse-contact.txt"),
    ),
    ("whois.arin.net", "8.8.8.0/24", whois_fixture!("ip/arin__8.8.8.8-google-2026.txt")),
    (
        "whois.arin.net",
        "2001:4860::/32",
        whois_fixture!("ip/arin__2001-4860-4860--8888-ipv6-google-rabuse.txt"),
    ),
    ("whois.arin.net", "4.0.0.0/8", whois_fixture!("ip/arin__4.2.2.1-level3-no-referral.txt")),
    ("whois.arin.net", "170.0.0.0/22", whois_fixture!("ip/arin__170.0.0.0-referral-to-lacnic.txt")),
    (
        "whois.arin.net",
        "174.0.0.0/13",
        whois_fixture!("ip/arin__174.0.0.0-shaw-referral-to-rwhois.txt"),
    ),
    (
        "whois.arin.net",
        "69.65.0.0/18",
        whois_fixture!("ip/arin__69.65.39.166-gigenet-referral-rwhois.txt"),
    ),
    (
        "whois.arin.net",
        "144.132.0.0/14",
        whois_fixture!("ip/arin__144.134.121.81-referral-to-apnic-erx.txt"),
    ),
    (
        "whois.lacnic.net",
        "170.0.0.0/22",
        whois_fixture!("ip/lacnic__170.0.0.0-22-coopercitrus.txt"),
    ),
    (
        "whois.lacnic.net",
        "2001:13c7:7010::/46",
        whois_fixture!("ip/lacnic__2001-13c7-7012--ipv6-lacnic.txt"),
    ),
    (
        "whois.apnic.net",
        "1.1.1.0/24",
        whois_fixture!("ip/apnic__1.1.1.1-apnic-labs-cloudflare.txt"),
    ),
    ("whois.apnic.net", "171.0.0.0/15", whois_fixture!("ip/apnic__171.0.0.0-starhub-irt.txt")),
    (
        "whois.apnic.net",
        "2001:dc7::/32",
        whois_fixture!("ip/apnic__2001-dc7--ipv6-cnnic-invalid-abuse.txt"),
    ),
    (
        "whois.ripe.net",
        "193.0.0.0/21",
        whois_fixture!("ip/ripe__193.0.6.139-ripencc-abuse-contact-line.txt"),
    ),
    (
        "whois.ripe.net",
        "2001:67c:2e8::/48",
        whois_fixture!("ip/ripe__2001-67c-2e8--ipv6-ripencc.txt"),
    ),
    ("whois.iana.org", "com", whois_fixture!("domain/likexian/com_com.txt")),
    ("whois.iana.org", "google", whois_fixture!("domain/likexian/google_google.txt")),
    (
        "whois.iana.org",
        "eh",
        whois_fixture!("iana/weppos__whois.iana.org__tld__status_not_assigned.txt"),
    ),
    ("whois.iana.org", "171.0.0.0/8", whois_fixture!("iana/likexian__whois.iana.org__171.txt")),
];
