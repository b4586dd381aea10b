//! Who actually hosts it, and whom to notify first: CDN, cloud, platform, direct hosting and
//! a parked name, each with its notice targets in order.

use crate::support::*;
use whohosts::EvidenceKind;
use whohosts::{NoticeType, Party, ProviderKind};
use whohosts_testing::World;

fn targets(record: &whohosts::HostingRecord) -> Vec<(Party, String, String)> {
    record.notice_targets.iter().map(|t| (t.party, t.for_.clone(), t.reason.to_string())).collect()
}

#[tokio::test]
async fn cloud_hosted_name_targets_the_cloud_then_the_network_owner() {
    // A synthesised name on an EC2 address inside ARIN's recorded Amazon allocation.
    let world = World::recorded()
        .a("shop.cloudflare.com", "3.0.1.10")
        .cymru_origin("3.0.0.0/15", &[16509], "US", "arin", "2018-04-13")
        .cymru_as_name(16509, "AMAZON-02, US")
        .start()
        .await
        .unwrap();
    let client = world.client_builder().build().unwrap();
    let record = client.lookup("shop.cloudflare.com").await.unwrap();
    let a = address(&record, "3.0.1.10");
    let provider = a.hosting_provider.as_ref().unwrap();
    assert_eq!(provider.id.as_deref(), Some("aws"));
    assert_eq!(provider.kind, ProviderKind::Cloud);
    assert_eq!(provider.evidence[0].kind, EvidenceKind::IpRange);
    assert_eq!(provider.evidence[0].detail, "3.0.0.0/15");
    assert_eq!(a.network.as_ref().unwrap().handle.as_deref(), Some("NET-3-0-0-0-1"));
    assert!(!record.origin_hidden);
    let t = targets(&record);
    assert_eq!(t[0], (Party::Hosting, "3.0.1.10".into(), "direct_hosting".into()));
    assert_eq!(t.last().unwrap().0, Party::Registrar);
    // The cloud's published channel and the network's RDAP abuse mailbox both reach Amazon.
    let channels = &record.notice_targets[0].channels;
    assert!(
        channels.iter().any(|c| c.email.as_deref() == Some("abuse@amazonaws.com")),
        "{channels:#?}"
    );
}

#[tokio::test]
async fn platform_url_targets_the_platform_only() {
    let (_world, record) = lookup_recorded("https://t.me/somechannel").await;
    let platform = record.platform.as_ref().unwrap();
    assert_eq!(platform.id, "telegram");
    assert!(!platform.abuse.is_empty());
    let t = targets(&record);
    assert_eq!(t, vec![(Party::Platform, "t.me".to_owned(), "platform_content".to_owned())]);
    assert_eq!(record.abuse_contacts[0].party, Party::Platform);
}

#[tokio::test]
async fn direct_hosted_name_targets_the_host() {
    let (_world, record) = lookup_recorded("ripe.net").await;
    let t = targets(&record);
    assert_eq!(t[0], (Party::Hosting, "193.0.6.139".into(), "direct_hosting".into()));
    assert!(
        record.notice_targets[0]
            .channels
            .iter()
            .any(|c| c.email.as_deref() == Some("abuse@ripe.net"))
    );
    assert!(!record.origin_hidden);
}

#[tokio::test]
async fn parked_name_without_addresses_targets_registrar_then_registry() {
    let (_world, record) = lookup_recorded("microsoft.click").await;
    let t = targets(&record);
    assert_eq!(
        t,
        vec![
            (Party::Registrar, "microsoft.click".into(), "no_addresses".into()),
            (Party::Registry, "microsoft.click".into(), "registry_of_tld".into()),
        ]
    );
    assert_eq!(
        record.notice_targets[0].channels[0].email.as_deref(),
        Some("abusecomplaints@markmonitor.com")
    );
}

#[tokio::test]
async fn notice_type_puts_the_matching_channel_first() {
    let world = World::recorded().start().await.unwrap();
    let client = world.client_builder().notice_type(NoticeType::Copyright).build().unwrap();
    let record = client.lookup("www.cloudflare.com").await.unwrap();
    let cdn = &record.notice_targets[0];
    assert_eq!(cdn.party, Party::Cdn);
    assert_eq!(cdn.channels[0].web.as_deref(), Some("https://abuse.cloudflare.com/dmca"));
    assert_eq!(cdn.channels[0].notice_types, vec![NoticeType::Copyright]);
}
