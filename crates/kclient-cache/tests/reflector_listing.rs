//! How the reflector lists, seen from kclient-testserver's request log: the first list asks
//! for resourceVersion 0 and the server answers it whole despite the page size (as
//! kube-apiserver's watch cache does); a relist after an API server restart asks for the last
//! synced resourceVersion, unpaged, and so does a relist by watch-list.

mod common;

use common::*;
use k8s_openapi::api::core::v1::ConfigMap;
use kclient_cache::{Indexer, Phase, Reflector, ReflectorConfig, RestListerWatcher};
use kclient_core::Object;
use kclient_testserver::{LoggedRequest, TestServer};

const PATH: &str = "/api/v1/namespaces/default/configmaps";

fn config(use_watch_list: bool) -> ReflectorConfig {
    ReflectorConfig {
        page_size: 2,
        use_watch_list,
        backoff: quick_backoff(),
        ..Reflector::<ConfigMap, RestListerWatcher<ConfigMap>, Indexer<ConfigMap>>::default_config()
    }
}

/// Five configmaps, a reflector synced to them and watching, and the request log recording.
async fn synced(
    use_watch_list: bool,
) -> (
    TestServer,
    kclient_rest::RestClient,
    Indexer<ConfigMap>,
    tokio::sync::watch::Receiver<kclient_cache::ReflectorHealth>,
    tokio::task::JoinHandle<std::sync::Arc<kclient_cache::ReflectorError>>,
) {
    let server = TestServer::start().await.expect("server");
    let client = client(&server);
    for i in 0..5 {
        create(&client, &cm(&format!("cm-{i}"), "0", &[])).await;
    }
    server.requests().start();
    let lw = RestListerWatcher::<ConfigMap>::new(client.clone()).namespace(NS);
    let store = Indexer::new();
    let reflector = Reflector::with_config(lw, store.clone(), config(use_watch_list));
    let mut health = reflector.health();
    let task = tokio::spawn(reflector.run());
    wait_health(&mut health, "initial sync", |h| {
        h.synced && h.phase == Phase::Watching
    })
    .await;
    assert_eq!(store.list().len(), 5);
    (server, client, store, health, task)
}

/// Writes a configmap the reflector sees, then something it does not watch (so its last
/// resourceVersion is older than the restart's), then restarts the API server: the watch
/// resumed from that resourceVersion answers 410 and the reflector relists. Returns the
/// resourceVersion the reflector synced to before, once it watches again (the request log
/// stopped).
async fn relist_after_a_change(
    server: &TestServer,
    client: &kclient_rest::RestClient,
    store: &Indexer<ConfigMap>,
    health: &mut tokio::sync::watch::Receiver<kclient_cache::ReflectorHealth>,
) -> String {
    create(client, &cm("cm-5", "0", &[])).await;
    eventually("the watch delivers cm-5", || store.list().len() == 6).await;
    let seen = store
        .get_by_key("default/cm-5")
        .and_then(|o| o.resource_version().map(str::to_owned))
        .unwrap();
    bump_other_resource(client, 1).await;
    server.faults().restart_api_server();
    wait_health(health, "relist", |h| {
        h.lists == 2 && h.phase == Phase::Watching
    })
    .await;
    server.requests().stop();
    seen
}

fn initial_reads(server: &TestServer) -> Vec<LoggedRequest> {
    server
        .requests()
        .requests_to(PATH)
        .into_iter()
        .filter(LoggedRequest::is_initial_state)
        .collect()
}

#[tokio::test]
async fn lists_read_the_watch_cache_first_and_relist_at_the_last_synced_version() {
    let (server, client, store, mut health, task) = synced(false).await;
    let first = initial_reads(&server);
    assert_eq!(first.len(), 1, "one response for five objects: {first:#?}");
    assert_eq!(first[0].param("resourceVersion").as_deref(), Some("0"));
    assert_eq!(first[0].param("limit").as_deref(), Some("2"));
    assert_eq!(first[0].status, 200);

    let seen = relist_after_a_change(&server, &client, &store, &mut health).await;
    let reads = initial_reads(&server);
    assert_eq!(reads.len(), 2, "{reads:#?}");
    let relist = &reads[1];
    assert_eq!(relist.param("resourceVersion"), Some(seen), "{relist:?}");
    assert_eq!(
        relist.param("limit"),
        None,
        "unpaged, so a watch cache serves it"
    );
    assert_eq!(relist.param("resourceVersionMatch"), None);
    assert_eq!(relist.status, 200);
    assert_eq!(store.list().len(), 6);
    task.abort();
}

/// After the restart the watch-list asks for state at least as new as what the reflector
/// has, which the watch cache serves at once, instead of a fresh read of everything.
#[tokio::test]
async fn a_relist_by_watch_list_resumes_at_the_last_synced_version() {
    let (server, client, store, mut health, task) = synced(true).await;
    let seen = relist_after_a_change(&server, &client, &store, &mut health).await;
    let reads = initial_reads(&server);
    let shapes: Vec<(bool, Option<String>, Option<String>, u16)> = reads
        .iter()
        .map(|r| {
            (
                r.is_watch(),
                r.param("resourceVersion"),
                r.param("resourceVersionMatch"),
                r.status.as_u16(),
            )
        })
        .collect();
    let not_older = Some("NotOlderThan".to_owned());
    assert_eq!(
        shapes,
        [
            (true, None, not_older.clone(), 200),
            (true, Some(seen), not_older, 200),
        ],
        "{reads:#?}"
    );
    assert_eq!(store.list().len(), 6);
    assert!(health.borrow().watch_list);
    task.abort();
}
