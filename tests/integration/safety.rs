//! Safety on every hop: with the address policy narrowed to the world's own address
//! (127.0.0.1/32), redirects, referral links and host names that lead to another loopback
//! address (127.0.0.2, where a listener records every connection) are refused.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::support::*;
use whohosts::StepErrorKind;
use whohosts_testing::{Fault, World, tripwire, tripwire_on};

fn narrowed(world: &World) -> whohosts::Client {
    world.client_builder().allow_net("127.0.0.1/32".parse().unwrap()).build().unwrap()
}

#[tokio::test]
async fn redirect_to_another_address_is_refused() {
    let (trap, hits) = tripwire().await.unwrap();
    let world = World::recorded()
        .fault("arin", "ip/", Fault::Redirect(format!("http://{trap}/registry/ip/8.8.8.8")), None)
        .start()
        .await
        .unwrap();
    let record = narrowed(&world).lookup("8.8.8.8").await.unwrap();
    let blocked: Vec<_> =
        record.errors.iter().filter(|e| e.kind == StepErrorKind::Blocked).collect();
    assert!(!blocked.is_empty(), "{:#?}", record.errors);
    assert!(blocked[0].message.contains("127.0.0.2"), "{}", blocked[0].message);
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no connection reached 127.0.0.2");
    // The ASN (DNS on 127.0.0.1) is still there.
    assert_eq!(address(&record, "8.8.8.8").asn.as_ref().unwrap().number, 15169);
}

#[tokio::test]
async fn referral_link_to_another_address_is_refused() {
    let (trap, hits) = tripwire().await.unwrap();
    // SYNTHESISED: the recorded Verisign answer with its `related` link pointing at the trap.
    let recorded = include_str!("../fixtures/rdap/domain/verisign-cloudflare.com-registry.json");
    let hostile = recorded
        .replace("CLOUDFLARE.COM", "TRAPPED.COM")
        .replace(r"https:\/\/rdap.cloudflare.com\/rdap\/v1\/", &format!("http://{trap}/rdap/"));
    let world = World::recorded().object("verisign", &hostile).start().await.unwrap();
    let record = narrowed(&world).lookup("trapped.com").await.unwrap();
    let blocked: Vec<_> =
        record.errors.iter().filter(|e| e.kind == StepErrorKind::Blocked).collect();
    assert_eq!(blocked.len(), 1, "{:#?}", record.errors);
    assert_eq!(blocked[0].target, format!("http://{trap}/rdap/domain/TRAPPED.COM"));
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    // The registry's own facts are kept.
    assert_eq!(record.registrar.as_ref().unwrap().iana_id.as_deref(), Some("1910"));
}

#[tokio::test]
async fn host_name_resolving_to_another_address_is_refused() {
    let (trap, hits) = tripwire().await.unwrap();
    // A redirect to a host name whose A record is 127.0.0.2: checked on the resolved
    // address actually connected to, not on the name.
    let world = World::recorded()
        .a("rebind.example", "127.0.0.2")
        .fault(
            "arin",
            "ip/",
            Fault::Redirect(format!("http://rebind.example:{}/ip/8.8.8.8", trap.port())),
            None,
        )
        .start()
        .await
        .unwrap();
    let record = narrowed(&world).lookup("8.8.8.8").await.unwrap();
    let blocked: Vec<_> =
        record.errors.iter().filter(|e| e.kind == StepErrorKind::Blocked).collect();
    assert!(!blocked.is_empty(), "{:#?}", record.errors);
    // allow_private is already set: the message points at allow_nets, not at it.
    assert_eq!(
        blocked[0].message,
        format!(
            "at http://rebind.example:{}/ip/8.8.8.8 (redirected): every address of \
             rebind.example is non-public (none is in the allowed networks, allow_nets)",
            trap.port()
        )
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn whois_referral_to_another_address_is_refused() {
    let (trap, hits) = tripwire().await.unwrap();
    let world = World::recorded().start().await.unwrap();
    // The AFRINIC WHOIS server on an allowed address that counts connections: WHOIS on, the
    // lookup of 196.216.2.6 asks it (the referral is exercised); WHOIS disabled, nothing is
    // asked at all.
    let (counted, asked) = tripwire_on("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let to = |disabled: bool| {
        let builder = world
            .client_builder()
            .allow_net("127.0.0.1/32".parse().unwrap())
            .whois_server("afrinic", &counted.to_string())
            .whois_timeout(Duration::from_millis(300), Duration::from_millis(300));
        if disabled { builder.disable_whois() } else { builder }.build().unwrap()
    };
    let _ = to(false).lookup("196.216.2.6").await.unwrap();
    assert!(asked.load(Ordering::SeqCst) >= 1, "WHOIS on asks the AFRINIC server");
    asked.store(0, Ordering::SeqCst);
    let _ = to(true).lookup("196.216.2.6").await.unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 0, "WHOIS disabled asks nothing");
    // With WHOIS on and the AFRINIC server pointed at the trap, the connection is refused.
    let client = world
        .client_builder()
        .allow_net("127.0.0.1/32".parse().unwrap())
        .whois_server("afrinic", &trap.to_string())
        .build()
        .unwrap();
    let record = client.lookup("196.216.2.6").await.unwrap();
    let whois: Vec<_> = record.errors.iter().filter(|e| e.kind == StepErrorKind::Blocked).collect();
    assert_eq!(whois.len(), 1, "{:#?}", record.errors);
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}
