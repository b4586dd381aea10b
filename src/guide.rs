//! Guides: pages of prose that teach how to choose and run whohosts, with no code of their
//! own. Each page is a Markdown file under `docs/guide/`, shown here as a module's docs.

/// Which IP-to-ASN source (Team Cymru, an mmdb file, a CSV table), which abuse sources (RDAP,
/// the quota-free Abusix and RIPEstat sources), and which cache (memory, disk, Redis) to use.
pub mod choosing_sources {
    #![doc = include_str!("../docs/guide/choosing-sources.md")]
}

/// What whohosts refuses by default (plain HTTP, private addresses, oversized answers, slow
/// servers, answers about the wrong object) and the one setting that loosens each.
pub mod safety {
    #![doc = include_str!("../docs/guide/safety.md")]
}
