//! Stable batch ids: a readable slug of the party's name and role, and a short hash of the
//! party and channel, so the same (party, channel) has the same id in every run and on every
//! machine. The hash is FNV-1a (64-bit), written out here because `std`'s `DefaultHasher` may
//! change between Rust releases.

/// The longest slug part of an id, in characters.
const MAX_SLUG: usize = 32;

/// The id of the batch whose grouping key is `key` (see `group.rs`), for a party named `name`
/// in role `role`: `cloudflare-cdn-1f0c9a2e`.
pub(super) fn batch_id(name: &str, role: &str, key: &str) -> String {
    let slug = slug(name);
    let hash = fnv1a(key.as_bytes());
    // 32 bits of the hash: ids of distinct keys collide with odds of about one in a million
    // for a hundred batches of the same slug and role, and the slug tells most apart.
    let short = (hash >> 32) as u32 ^ (hash as u32);
    if slug.is_empty() {
        format!("{role}-{short:08x}")
    } else {
        format!("{slug}-{role}-{short:08x}")
    }
}

/// `name` in lower-case ASCII letters and digits, other runs as one `-`, cut to at most
/// [`MAX_SLUG`] characters at a word's end where one is past half of it:
/// `Cloudflare, Inc.` → `cloudflare-inc`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    if out.len() > MAX_SLUG {
        // ASCII only, so any index is a char boundary.
        let cut =
            out.get(..=MAX_SLUG).and_then(|head| head.rfind('-')).filter(|at| *at > MAX_SLUG / 2);
        out.truncate(cut.unwrap_or(MAX_SLUG));
    }
    out.trim_end_matches('-').to_owned()
}

/// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_words() {
        assert_eq!(slug("Cloudflare, Inc."), "cloudflare-inc");
        assert_eq!(slug("  RIPE NCC  "), "ripe-ncc");
        assert_eq!(slug("Ålands Telekom"), "lands-telekom");
        assert_eq!(slug("…"), "");
        assert_eq!(slug(&"a".repeat(100)).len(), MAX_SLUG);
        assert_eq!(
            slug("Reseaux IP Europeens Network Coordination Centre (RIPE NCC)"),
            "reseaux-ip-europeens-network"
        );
    }

    /// The published FNV-1a test vectors.
    #[test]
    fn fnv1a_known_values() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn ids_are_stable_and_keyed() {
        let id = batch_id(
            "Cloudflare",
            "cdn",
            "cdn|cloudflare|web_form|https://abuse.cloudflare.com/dmca",
        );
        assert_eq!(
            id,
            batch_id(
                "Cloudflare",
                "cdn",
                "cdn|cloudflare|web_form|https://abuse.cloudflare.com/dmca"
            )
        );
        assert!(id.starts_with("cloudflare-cdn-"), "{id}");
        assert_eq!(id.len(), "cloudflare-cdn-".len() + 8);
        assert_ne!(
            id,
            batch_id("Cloudflare", "cdn", "cdn|cloudflare|web_form|https://abuse.cloudflare.com/")
        );
        assert_eq!(batch_id("", "network", "k").len(), "network-".len() + 8);
    }
}
