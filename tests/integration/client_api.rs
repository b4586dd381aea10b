//! The client is cheap to clone and usable from many tasks.

use whohosts::Client;

#[test]
fn client_is_clone_send_sync() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Client>();
}

#[tokio::test]
async fn clones_share_state_and_run_concurrently() {
    let world = whohosts_testing::World::recorded().start().await.unwrap();
    let client = world.client_builder().build().unwrap();
    let tasks: Vec<_> = ["8.8.8.8", "193.0.6.139", "1.1.1.1"]
        .into_iter()
        .map(|q| {
            let client = client.clone();
            tokio::spawn(async move { client.lookup(q).await.unwrap() })
        })
        .collect();
    for task in tasks {
        let record = task.await.unwrap();
        assert!(record.errors.is_empty(), "{:#?}", record.errors);
        assert_eq!(record.addresses[0].abuse_outcome.status, whohosts::OutcomeStatus::Found);
        assert!(!record.abuse_contacts.is_empty());
    }
    assert_eq!(world.total_requests(), 3);
}
