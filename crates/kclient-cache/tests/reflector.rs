//! The reflector against kclient-testserver over HTTPS: watch drops, compacted history
//! (410 Gone), pagination, watch-list, and surfaced errors. After creates, updates and
//! deletes interleaved with the faults, the cache must equal a fresh list from the server.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use k8s_openapi::api::core::v1::ConfigMap;
use kclient_cache::reflector::stop_on_persistent_errors;
use kclient_cache::{
    DeltaFifo, ErrorKind, Indexer, NAMESPACE_INDEX, ProcessError, Reflector, ReflectorConfig,
    RestListerWatcher, apply_deltas,
};
use kclient_core::ApiError;
use kclient_core::{GroupVersionResource, Unstructured};
use kclient_rest::RestClient;
use kclient_testserver::TestServer;

/// Creates, updates and deletes in rounds; between rounds the history is compacted while
/// watches keep being dropped, forcing resumes and 410 relists.
async fn churn_and_check(use_watch_list: bool) {
    let server = TestServer::start().await.expect("server");
    let client = client(&server);
    for i in 0..25 {
        create(&client, &cm(&format!("cm-{i:02}"), "0", &[("app", "a")])).await;
    }
    server.faults().set_watch_drop_after(Some(4));

    let store = Indexer::<ConfigMap>::new();
    let fifo = DeltaFifo::with_known_objects(Arc::new(store.clone()));
    let consumer = {
        let (fifo, store) = (fifo.clone(), store.clone());
        tokio::spawn(async move {
            while let Ok(deltas) = fifo
                .pop(|d, _| {
                    apply_deltas(&store, d);
                    Ok::<(), ProcessError<()>>(())
                })
                .await
            {
                drop(deltas);
            }
        })
    };
    let config = ReflectorConfig {
        page_size: 7,
        use_watch_list,
        // Short server-side watch timeouts make the reflector reconnect often.
        min_watch_timeout: Duration::from_secs(1),
        backoff: quick_backoff(),
        ..Reflector::<ConfigMap, RestListerWatcher<ConfigMap>, DeltaFifo<ConfigMap>>::default_config(
        )
    };
    let lw = Gated::new(RestListerWatcher::<ConfigMap>::new(client.clone()).namespace(NS));
    let reflector = Reflector::with_config(lw.clone(), fifo.clone(), config);
    let mut health = reflector.health();
    let task = tokio::spawn(reflector.run());
    wait_health(&mut health, "initial sync", |h| h.synced).await;
    wait_converged(&client, &store).await;
    assert!(fifo.has_synced());

    let mut next = 25;
    for round in 0..4 {
        // Live changes, delivered by watches that the server keeps dropping.
        for i in 0..6 {
            create(&client, &cm(&format!("cm-{next:02}"), "0", &[("app", "b")])).await;
            next += 1;
            update(
                &client,
                &format!("cm-{:02}", (round * 6 + i) % 25),
                &format!("r{round}"),
            )
            .await;
        }
        for i in 0..3 {
            delete(&client, &format!("cm-{:02}", round * 3 + i)).await;
        }
        wait_converged(&client, &store).await;

        // Hold the next watch back until the current one ends (drop fault or timeout).
        lw.open.send_replace(false);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while lw.waiting.load(Ordering::SeqCst) == 0 {
            assert!(tokio::time::Instant::now() < deadline, "watch never ended");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Missed changes, then compaction: the held-back watch will get 410 Gone.
        update(&client, &format!("cm-{:02}", next - 2), "missed").await;
        delete(&client, &format!("cm-{:02}", next - 1)).await;
        create(&client, &cm(&format!("missed-{round}"), "m", &[])).await;
        bump_other_resource(&client, round).await;
        server.faults().compact_history();
        let lists = health.borrow().lists;
        lw.open.send_replace(true);
        wait_health(&mut health, "a relist after compaction", |h| {
            h.lists > lists
        })
        .await;
        wait_converged(&client, &store).await;
    }
    let h = health.borrow().clone();
    assert!(
        h.lists >= 5,
        "initial list plus one relist per round: {h:?}"
    );
    assert_eq!(h.watch_list, use_watch_list);
    assert!(h.last_error.is_none(), "no error to report: {h:?}");
    assert_eq!(
        store.index_keys(NAMESPACE_INDEX, NS).unwrap().len(),
        server_state(&client).await.len()
    );

    task.abort();
    fifo.close();
    consumer.await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn list_watch_converges_through_watch_drops_and_410s() {
    churn_and_check(false).await;
}

#[tokio::test]
async fn watch_list_converges_through_watch_drops_and_410s() {
    churn_and_check(true).await;
}

#[tokio::test]
async fn indexer_directly_with_label_selector_and_pagination() {
    let server = TestServer::start().await.expect("server");
    let client = client(&server);
    for i in 0..12 {
        let app = if i % 3 == 0 { "web" } else { "db" };
        create(&client, &cm(&format!("x-{i:02}"), "0", &[("app", app)])).await;
    }
    let store = Indexer::<ConfigMap>::new();
    let config = ReflectorConfig {
        page_size: 2,
        use_watch_list: false,
        ..Reflector::<ConfigMap, RestListerWatcher<ConfigMap>, Indexer<ConfigMap>>::default_config()
    };
    let reflector = Reflector::with_config(
        RestListerWatcher::<ConfigMap>::new(client.clone())
            .namespace(NS)
            .labels("app=web"),
        store.clone(),
        config,
    );
    let mut health = reflector.health();
    let task = tokio::spawn(reflector.run());
    wait_health(&mut health, "sync", |h| h.synced).await;
    assert_eq!(store.len(), 4);
    create(&client, &cm("x-web-late", "1", &[("app", "web")])).await;
    create(&client, &cm("x-db-late", "1", &[("app", "db")])).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while store.get_by_key("default/x-web-late").is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "late object never arrived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(store.get_by_key("default/x-db-late").is_none());
    assert_eq!(store.len(), 5);
    task.abort();
    server.shutdown().await;
}

#[tokio::test]
async fn dynamic_objects_and_a_missing_resource_is_surfaced() {
    let server = TestServer::start().await.expect("server");
    let client = client(&server);
    create(&client, &cm("dyn", "1", &[])).await;
    let store = Indexer::<Unstructured>::new();
    let lw = RestListerWatcher::dynamic(
        client.clone(),
        &GroupVersionResource::gvr("", "v1", "configmaps"),
        true,
    );
    let reflector = Reflector::new(lw, store.clone());
    let mut health = reflector.health();
    let task = tokio::spawn(reflector.run());
    wait_health(&mut health, "sync", |h| h.synced).await;
    let obj = store
        .get_by_key("default/dyn")
        .expect("dynamic object cached");
    assert_eq!(obj.nested_str(&["data", "v"]), Some("1"));
    assert!(
        health.borrow().watch_list,
        "the test server serves watch-list"
    );
    task.abort();

    // A resource nobody serves (a deleted CRD): 404, reported and stopped on request.
    let missing = RestListerWatcher::dynamic(
        client.clone(),
        &GroupVersionResource::gvr("example.com", "v1", "widgets"),
        true,
    );
    let reflector = Reflector::new(missing, Indexer::<Unstructured>::new())
        .error_handler(stop_on_persistent_errors());
    let health = reflector.health();
    let err = tokio::time::timeout(Duration::from_secs(30), reflector.run())
        .await
        .expect("stopped");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(!health.borrow().is_healthy());

    // Bad credentials: 401, surfaced as such.
    let mut config = server.config();
    config.auth.bearer_token = Some(secrecy::SecretString::from("wrong"));
    let bad = RestClient::builder(config)
        .without_rate_limit()
        .build()
        .expect("client");
    let reflector = Reflector::new(RestListerWatcher::<ConfigMap>::new(bad), Indexer::new())
        .error_handler(stop_on_persistent_errors());
    let err = tokio::time::timeout(Duration::from_secs(30), reflector.run())
        .await
        .expect("stopped");
    assert!(err.is_unauthorized(), "{err}");
    server.shutdown().await;
}
