//! Input that cannot be looked up is a typed error, never a record and never a panic.

use whohosts::{Client, Error, InputError};

#[tokio::test]
async fn bad_input_is_a_typed_error() {
    // No server is needed: input is checked before anything is asked.
    let client = Client::builder().nameservers(["127.0.0.1:9".parse().unwrap()]).build().unwrap();
    let long_label = "a".repeat(64);
    // 254 octets: one over the limit.
    let long_name = format!("a{}.com", ["abcdefghi"; 25].join("."));
    assert_eq!(long_name.len(), 254);
    let cases: Vec<(&str, InputError)> = vec![
        ("", InputError::Empty),
        ("   ", InputError::Empty),
        (long_name.as_str(), InputError::TooLong { length: 254 }),
        (
            Box::leak(format!("{long_label}.com").into_boxed_str()),
            InputError::LabelTooLong { label: long_label.clone(), length: 64 },
        ),
        ("http://", InputError::UrlWithoutHost { url: "http://".into() }),
        ("co.uk", InputError::PublicSuffix { name: "co.uk".into() }),
        ("localhost", InputError::SingleLabel { name: "localhost".into() }),
    ];
    for (input, expected) in cases {
        match client.lookup(input).await {
            Err(Error::Input(e)) => assert_eq!(e, expected, "{input:?}"),
            other => panic!("{input:?}: expected an input error, got {other:?}"),
        }
    }
    for input in ["exa mple.com", "a..b.com", "bad!name.com", "mailto:abuse@example.com"] {
        let result = client.lookup(input).await;
        assert!(matches!(result, Err(Error::Input(_))), "{input:?}: {result:?}");
    }
}
