#!/usr/bin/env python3
"""Compile the published cloud/CDN IP range lists into data/providers/ranges.txt.

Command (run from the crate root; the input is the shared fixture snapshot of 2025-07-25):

    python3 data/providers/build_ranges.py /work/shared/fixtures/providers > data/providers/ranges.txt

Output: one `cidr provider_id kind` line per range, sorted (IPv4 first, then IPv6, each by
address then prefix length), after a `#` header naming every input file and its date.

What the script keeps (only what classification needs):
- Cloudflare ips-v4/ips-v6 -> `cloudflare cdn`; Fastly public-ip-list -> `fastly cdn`;
  Akamai (the mirror's short list) -> `akamai cdn`.
- AWS ip-ranges.json: service CLOUDFRONT and CLOUDFRONT_ORIGIN_FACING -> `aws-cloudfront cdn`,
  every other service (AMAZON, EC2, S3, ...) -> `aws cloud`. AWS lists each CloudFront prefix
  twice (once as AMAZON): the CloudFront label wins on an exact tie.
- Google Cloud cloud.json -> `google-cloud cloud`; Oracle OCI -> `oracle-cloud cloud`;
  DigitalOcean geofeed -> `digitalocean cloud`; Linode geofeed -> `linode cloud`.
- Azure ServiceTags_Public: tags AzureFrontDoor.Frontend, AzureFrontDoor.FirstParty and
  AzureFrontDoor.MicrosoftSecurity -> `azure-front-door cdn` (they win an exact tie); every
  other tag -> `azure cloud`.
- GitHub meta: hooks, web, api, git, packages, pages, importer, github_enterprise_importer,
  copilot -> `github platform`. The actions/codespaces/dependabot lists are runner egress
  addresses inside Azure and are not kept.
- Zscaler hub prefixes -> `zscaler cloud`.

Aggregation is exact: for every address, the kept table answers what the full input answers
(most specific prefix wins; on an exact tie the higher-priority label above). A prefix whose
nearest enclosing prefix has the same label is dropped; two sibling prefixes with the same
label are merged into their parent. The script checks the result against the input at every
range boundary and fails if any answer differs.
"""

import csv
import ipaddress
import json
import os
import sys

# label -> tie priority (higher wins when two sources list the exact same prefix)
PRIORITY = {
    ("aws-cloudfront", "cdn"): 2,
    ("azure-front-door", "cdn"): 2,
}

GITHUB_KEYS = ["hooks", "web", "api", "git", "packages", "pages", "importer",
               "github_enterprise_importer", "copilot"]
FRONT_DOOR = {"AzureFrontDoor.Frontend", "AzureFrontDoor.FirstParty",
              "AzureFrontDoor.MicrosoftSecurity"}


def prio(label):
    return PRIORITY.get(label, 1)


def read_sources(d):
    out = []  # (network, label)
    dates = {}

    def add(cidr, pid, kind):
        out.append((ipaddress.ip_network(cidr.strip(), strict=True), (pid, kind)))

    for name in ["cloudflare-v4-ip-ranges.txt", "cloudflare-v6-ip-ranges.txt"]:
        for line in open(os.path.join(d, name)):
            if line.strip():
                add(line, "cloudflare", "cdn")
    for name in ["akamai-v4-ip-ranges.txt", "akamai-v6-ip-ranges.txt"]:
        for line in open(os.path.join(d, name)):
            if line.strip():
                add(line, "akamai", "cdn")
    fastly = json.load(open(os.path.join(d, "fastly-ip-ranges.json")))
    for c in fastly["addresses"] + fastly["ipv6_addresses"]:
        add(c, "fastly", "cdn")
    aws = json.load(open(os.path.join(d, "aws-ip-ranges.json")))
    dates["aws-ip-ranges.json"] = "createDate " + aws["createDate"]
    for p in aws["prefixes"] + aws["ipv6_prefixes"]:
        cidr = p.get("ip_prefix") or p.get("ipv6_prefix")
        if p["service"] in ("CLOUDFRONT", "CLOUDFRONT_ORIGIN_FACING"):
            add(cidr, "aws-cloudfront", "cdn")
        else:
            add(cidr, "aws", "cloud")
    gc = json.load(open(os.path.join(d, "google-cloud-ip-ranges.json")))
    dates["google-cloud-ip-ranges.json"] = "creationTime " + gc["creationTime"]
    for p in gc["prefixes"]:
        add(p.get("ipv4Prefix") or p.get("ipv6Prefix"), "google-cloud", "cloud")
    az = json.load(open(os.path.join(d, "microsoft-azure-ip-ranges.json")))
    dates["microsoft-azure-ip-ranges.json"] = "changeNumber %d" % az["changeNumber"]
    for v in az["values"]:
        label = ("azure-front-door", "cdn") if v["name"] in FRONT_DOOR else ("azure", "cloud")
        for c in v["properties"]["addressPrefixes"]:
            add(c, *label)
    oci = json.load(open(os.path.join(d, "oracle-cloud-ip-ranges.json")))
    dates["oracle-cloud-ip-ranges.json"] = "last_updated_timestamp " + oci["last_updated_timestamp"]
    for r in oci["regions"]:
        for c in r["cidrs"]:
            add(c["cidr"], "oracle-cloud", "cloud")
    for row in csv.reader(open(os.path.join(d, "digitalocean.csv"))):
        if row and not row[0].startswith("#"):
            add(row[0], "digitalocean", "cloud")
    for line in open(os.path.join(d, "linode.txt")):
        if line.startswith("# Last modified:"):
            dates["linode.txt"] = line[2:].strip()
        if line.strip() and not line.startswith("#"):
            add(line.split(",")[0], "linode", "cloud")
    gh = json.load(open(os.path.join(d, "github-ip-ranges.json")))
    for k in GITHUB_KEYS:
        for c in gh.get(k, []):
            add(c, "github", "platform")
    z = json.load(open(os.path.join(d, "zscaler-cloud-ip-ranges.json")))
    for c in z["hubPrefixes"]:
        add(c, "zscaler", "cloud")
    return out, dates


def key(n):
    return (n.version, int(n.network_address), n.prefixlen)


def dedupe(entries):
    """Exact duplicates: keep the highest-priority label; report cross-provider ties."""
    best = {}
    conflicts = []
    for net, label in entries:
        old = best.get(net)
        if old is None or prio(label) > prio(old):
            if old is not None and old[0].split("-")[0] != label[0].split("-")[0]:
                conflicts.append((net, old, label))
            best[net] = label
        elif old != label and prio(label) == prio(old):
            conflicts.append((net, old, label))
    return best, conflicts


def lookup_fn(table):
    """Most-specific-prefix answer for an address, by brute force over prefix lengths."""
    by_len = {}
    for net, label in table.items():
        by_len.setdefault((net.version, net.prefixlen), {})[int(net.network_address)] = label
    lens = sorted(by_len, key=lambda x: -x[1])

    def f(addr):
        bits = 32 if addr.version == 4 else 128
        a = int(addr)
        for v, ln in lens:
            if v != addr.version:
                continue
            masked = a >> (bits - ln) << (bits - ln) if ln else 0
            hit = by_len[(v, ln)].get(masked)
            if hit is not None:
                return hit
        return None

    return f


def drop_redundant(table):
    """Drop a prefix whose nearest enclosing prefix carries the same label."""
    items = sorted(table.items(), key=lambda kv: key(kv[0]))
    stack = []
    keep = {}
    for net, label in items:
        while stack and not (stack[-1][0].version == net.version and net.subnet_of(stack[-1][0])):
            stack.pop()
        if stack and stack[-1][1] == label:
            continue  # redundant: the enclosing kept prefix answers the same
        keep[net] = label
        stack.append((net, label))
    return keep


def merge_siblings(table):
    changed = True
    while changed:
        changed = False
        for net in sorted(table, key=key, reverse=True):
            if net not in table or net.prefixlen == 0:
                continue
            parent = net.supernet()
            halves = list(parent.subnets())
            a, b = halves
            if a in table and b in table and table[a] == table[b]:
                label = table[a]
                del table[a], table[b]
                table[parent] = label
                changed = True
        table = drop_redundant(table)
    return table


def main():
    d = sys.argv[1]
    entries, dates = read_sources(d)
    table, conflicts = dedupe(entries)
    for net, old, new in conflicts:
        print("tie %s: %s vs %s (kept %s)" % (net, old, new, table[net]), file=sys.stderr)
    original = dict(table)
    table = merge_siblings(drop_redundant(table))

    # Exactness check at every boundary of every input prefix.
    f_old, f_new = lookup_fn(original), lookup_fn(table)
    for net in original:
        for addr in (net.network_address, net.broadcast_address):
            for probe in (addr, addr - 1 if int(addr) > 0 else addr,
                          addr + 1 if int(addr) < (2 ** net.max_prefixlen - 1) else addr):
                if f_old(probe) != f_new(probe):
                    sys.exit("aggregation changed the answer for %s" % probe)

    print("# whohosts provider IP ranges: `cidr provider_id kind`, one per line.")
    print("# Generated by data/providers/build_ranges.py (see its docstring for the exact command")
    print("# and rules) from the github.com/femueller/cloud-ip-ranges snapshot @ 60937f4cdba4 of")
    print("# 2025-07-25. Input dates:")
    for name in sorted(dates):
        print("#   %s: %s" % (name, dates[name]))
    print("# Inputs: %d prefixes (%d unique); kept %d." % (len(entries), len(original), len(table)))
    for net in sorted(table, key=key):
        pid, kind = table[net]
        print("%s %s %s" % (net, pid, kind))


if __name__ == "__main__":
    main()
