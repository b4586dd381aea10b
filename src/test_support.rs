//! Shared helpers for the crate's own unit tests (compiled only under `cfg(test)`).

use proptest::test_runner::Config as ProptestConfig;

/// The property-test configuration every parser's `prop_tests` uses: 256 cases from a fixed
/// seed (reproducible runs); `WHOHOSTS_PROPTEST_CASES` and `PROPTEST_RNG_SEED` change them
/// (see `tests/corpus.rs`). Regression files are off: `tests/corpus/` keeps crashers.
pub(crate) fn proptest_config() -> ProptestConfig {
    let cases = std::env::var("WHOHOSTS_PROPTEST_CASES").ok().and_then(|v| v.parse().ok());
    let mut config = ProptestConfig {
        cases: cases.unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = proptest::test_runner::RngSeed::Fixed(0x7768_6f68_6f73_7473);
    }
    config
}
