//! Loading a test world from a `world.json` manifest and the RDAP answer files it names.

use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ObjectSpec, WorldBuilder, invalid_data};

/// The manifest file name looked for when a directory is given.
const MANIFEST_FILE: &str = "world.json";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    services: Vec<ServiceEntry>,
    #[serde(default)]
    dns: Vec<DnsEntry>,
    #[serde(default)]
    cymru: CymruEntry,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceEntry {
    name: String,
    #[serde(default)]
    urls: Vec<String>,
    #[serde(default)]
    tlds: Vec<String>,
    #[serde(default)]
    ips: Vec<String>,
    #[serde(default)]
    asns: Vec<AsnClaim>,
    #[serde(default)]
    objects: Vec<String>,
}

/// An AS claim written as a number (`15169`) or text (`"15169"`, `"1-1876"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AsnClaim {
    Number(u32),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DnsEntry {
    name: String,
    #[serde(default)]
    a: Vec<String>,
    #[serde(default)]
    aaaa: Vec<String>,
    #[serde(default)]
    cname: Option<String>,
    #[serde(default)]
    ns: Vec<String>,
    #[serde(default)]
    txt: Vec<String>,
    #[serde(default)]
    servfail: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CymruEntry {
    #[serde(default)]
    origins: Vec<OriginEntry>,
    #[serde(default)]
    as_names: Vec<AsNameEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OriginEntry {
    prefix: String,
    asns: Vec<u32>,
    cc: String,
    rir: String,
    date: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AsNameEntry {
    asn: u32,
    name: String,
}

/// Read `path` (a manifest file or a directory holding `world.json`) into `builder`.
pub(super) fn load(mut builder: WorldBuilder, path: &Path) -> io::Result<WorldBuilder> {
    let file = if path.is_dir() { path.join(MANIFEST_FILE) } else { path.to_owned() };
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let text = std::fs::read_to_string(&file)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| invalid_data(format!("{}: {e}", file.display())))?;

    for service in manifest.services {
        let urls: Vec<&str> = service.urls.iter().map(String::as_str).collect();
        builder = builder.service(&service.name, &urls);
        for tld in &service.tlds {
            builder = builder.claim_tld(&service.name, tld);
        }
        for cidr in &service.ips {
            builder = builder.claim_ip(&service.name, cidr);
        }
        for claim in &service.asns {
            builder = match claim {
                AsnClaim::Number(n) => builder.claim_asn(&service.name, &n.to_string()),
                AsnClaim::Text(text) => builder.claim_asn(&service.name, text),
            };
        }
        for object in &service.objects {
            for file in object_files(&base.join(object))? {
                let json = std::fs::read_to_string(&file)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
                builder.objects.push(ObjectSpec {
                    service: service.name.clone(),
                    origin: file.display().to_string(),
                    json,
                });
            }
        }
    }
    for entry in manifest.dns {
        let name = entry.name.as_str();
        for ip in &entry.a {
            builder = builder.a(name, ip);
        }
        for ip in &entry.aaaa {
            builder = builder.aaaa(name, ip);
        }
        if let Some(target) = &entry.cname {
            builder = builder.cname(name, target);
        }
        for host in &entry.ns {
            builder = builder.ns(name, host);
        }
        for text in &entry.txt {
            builder = builder.txt(name, text);
        }
        if entry.servfail {
            builder = builder.servfail(name);
        }
    }
    for origin in manifest.cymru.origins {
        builder = builder.cymru_origin(
            &origin.prefix,
            &origin.asns,
            &origin.cc,
            &origin.rir,
            &origin.date,
        );
    }
    for entry in manifest.cymru.as_names {
        builder = builder.cymru_as_name(entry.asn, &entry.name);
    }
    Ok(builder)
}

/// A file, or every `*.json` file of a directory sorted by name.
fn object_files(path: &Path) -> io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let file = entry?.path();
        if file.is_file() && file.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
            files.push(file);
        }
    }
    files.sort();
    Ok(files)
}
