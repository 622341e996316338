//! The reflector against kclient-testserver over HTTPS: watch drops, compacted history
//! (410 Gone), pagination, watch-list, and surfaced errors. After creates, updates and
//! deletes interleaved with the faults, the cache must equal a fresh list from the server.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::reflector::stop_on_persistent_errors;
use kclient_cache::{
    DeltaFifo, ErrorKind, Indexer, ListPage, ListerWatcher, NAMESPACE_INDEX, ProcessError,
    Reflector, ReflectorConfig, ReflectorHealth, RestListerWatcher, WatchStream, apply_deltas,
    meta_namespace_key,
};
use kclient_core::{GroupVersion, GroupVersionResource, ListOptions, Unstructured};
use kclient_rest::RestClient;
use kclient_testserver::TestServer;
use tokio::sync::watch;

const NS: &str = "default";

/// Wraps a lister-watcher so the test can hold new watches back: changes made meanwhile are
/// missed by the watch and, once the history is compacted, only a relist recovers them.
#[derive(Clone)]
struct Gated<L> {
    inner: L,
    open: watch::Sender<bool>,
    waiting: Arc<AtomicUsize>,
}

impl<L> Gated<L> {
    fn new(inner: L) -> Self {
        Self {
            inner,
            open: watch::channel(true).0,
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl<K, L: ListerWatcher<K>> ListerWatcher<K> for Gated<L> {
    fn list(
        &self,
        options: &ListOptions,
    ) -> BoxFuture<'_, Result<ListPage<K>, kclient_rest::Error>> {
        self.inner.list(options)
    }

    fn watch(
        &self,
        options: &ListOptions,
    ) -> BoxFuture<'_, Result<WatchStream<K>, kclient_rest::Error>> {
        let options = options.clone();
        Box::pin(async move {
            let mut open = self.open.subscribe();
            if !*open.borrow() {
                self.waiting.fetch_add(1, Ordering::SeqCst);
                let _ = open.wait_for(|o| *o).await;
                self.waiting.fetch_sub(1, Ordering::SeqCst);
            }
            self.inner.watch(&options).await
        })
    }
}

fn core_v1() -> GroupVersion {
    GroupVersion::new("", "v1")
}

fn cm(name: &str, value: &str, labels: &[(&str, &str)]) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(NS.to_owned()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            ..Default::default()
        },
        data: Some([("v".to_owned(), value.to_owned())].into()),
        ..Default::default()
    }
}

async fn create(client: &RestClient, obj: &ConfigMap) {
    let _: ConfigMap = client
        .post()
        .group_version(&core_v1())
        .namespace(NS)
        .resource("configmaps")
        .body_json(obj)
        .into_json()
        .await
        .expect("create");
}

async fn update(client: &RestClient, name: &str, value: &str) {
    let mut current: ConfigMap = client
        .get()
        .group_version(&core_v1())
        .namespace(NS)
        .resource("configmaps")
        .name(name)
        .into_json()
        .await
        .expect("get");
    current.data = Some([("v".to_owned(), value.to_owned())].into());
    let _: ConfigMap = client
        .put()
        .group_version(&core_v1())
        .namespace(NS)
        .resource("configmaps")
        .name(name)
        .body_json(&current)
        .into_json()
        .await
        .expect("update");
}

async fn delete(client: &RestClient, name: &str) {
    client
        .delete()
        .group_version(&core_v1())
        .namespace(NS)
        .resource("configmaps")
        .name(name)
        .send()
        .await
        .expect("delete");
}

/// Bumps the global resourceVersion without touching configmaps, so compacting afterwards
/// leaves every configmap resourceVersion the reflector holds expired.
async fn bump_other_resource(client: &RestClient, n: usize) {
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some(format!("bump-{n}")),
            namespace: Some(NS.to_owned()),
            ..Default::default()
        },
        ..Default::default()
    };
    let _: Secret = client
        .post()
        .group_version(&core_v1())
        .namespace(NS)
        .resource("secrets")
        .body_json(&secret)
        .into_json()
        .await
        .expect("create secret");
}

/// key → (resourceVersion, data) from a fresh, unpaginated list.
async fn server_state(client: &RestClient) -> BTreeMap<String, (String, String)> {
    let lw = RestListerWatcher::<ConfigMap>::new(client.clone()).namespace(NS);
    let page = lw.list(&ListOptions::default()).await.expect("list");
    assert!(page.continue_token.is_none());
    page.items.iter().map(summary).collect()
}

fn summary(o: &ConfigMap) -> (String, (String, String)) {
    (
        meta_namespace_key(o).unwrap(),
        (
            o.metadata.resource_version.clone().unwrap_or_default(),
            o.data
                .as_ref()
                .and_then(|d| d.get("v").cloned())
                .unwrap_or_default(),
        ),
    )
}

fn cache_state(store: &Indexer<ConfigMap>) -> BTreeMap<String, (String, String)> {
    store.list().iter().map(|o| summary(o)).collect()
}

async fn wait_health(
    health: &mut watch::Receiver<ReflectorHealth>,
    what: &str,
    f: impl FnMut(&ReflectorHealth) -> bool,
) -> ReflectorHealth {
    let waited = tokio::time::timeout(Duration::from_secs(30), async {
        health.wait_for(f).await.map(|h| h.clone())
    })
    .await;
    match waited {
        Ok(h) => h.expect("reflector gone"),
        Err(_) => panic!("timed out waiting for {what}: {:?}", *health.borrow()),
    }
}

async fn wait_converged(client: &RestClient, store: &Indexer<ConfigMap>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let want = server_state(client).await;
        let got = cache_state(store);
        if got == want {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            assert_eq!(got, want, "cache never converged to the server's state");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates, updates and deletes in rounds; between rounds the history is compacted while
/// watches keep being dropped, forcing resumes and 410 relists.
async fn churn_and_check(use_watch_list: bool) {
    let server = TestServer::start().await.expect("server");
    let client = RestClient::new(server.config()).expect("client");
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
    let client = RestClient::new(server.config()).expect("client");
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
    let client = RestClient::new(server.config()).expect("client");
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
    let bad = RestClient::new(config).expect("client");
    let reflector = Reflector::new(RestListerWatcher::<ConfigMap>::new(bad), Indexer::new())
        .error_handler(stop_on_persistent_errors());
    let err = tokio::time::timeout(Duration::from_secs(30), reflector.run())
        .await
        .expect("stopped");
    assert!(err.is_unauthorized(), "{err}");
    server.shutdown().await;
}
