//! Shared helpers of the integration tests: a rate-limit-free client, ConfigMap CRUD over
//! the wire, the server's state from a fresh list, a lister-watcher whose watches can be
//! held back, and the `widgets.example.com` custom resource.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::{
    BackoffConfig, Indexer, ListerWatcher, ReflectorHealth, RestListerWatcher, WatchStream,
    meta_namespace_key,
};
use kclient_client::{ApiError, ClientSet, DynamicResource};
use kclient_core::{
    CreateOptions, GroupVersion, GroupVersionResource, ListOptions, Object, ObjectList,
};
use kclient_rest::RestClient;
use kclient_testserver::TestServer;
use serde_json::json;
use tokio::sync::watch;

pub const NS: &str = "default";

/// Wraps a lister-watcher so the test can hold new watches back: changes made meanwhile are
/// missed by the watch and, once the history is compacted, only a relist recovers them.
#[derive(Clone)]
pub struct Gated<L> {
    inner: L,
    /// Whether new watches may start.
    pub open: watch::Sender<bool>,
    /// How many watch starts are being held back.
    pub waiting: Arc<AtomicUsize>,
}

impl<L> Gated<L> {
    pub fn new(inner: L) -> Self {
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
    ) -> BoxFuture<'_, Result<ObjectList<K>, kclient_rest::Error>> {
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

/// The sorted `namespace/name` keys of `objs`.
pub fn keys<K: Object>(objs: &[Arc<K>]) -> Vec<String> {
    let mut v: Vec<String> = objs
        .iter()
        .map(|o| meta_namespace_key(o.as_ref()).unwrap())
        .collect();
    v.sort();
    v
}

/// Polls `f` every 50 ms until it holds; panics after 30 s.
pub async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..600 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The resource of the `widgets.example.com` CRD.
pub fn widgets_gvr() -> GroupVersionResource {
    GroupVersionResource::gvr("example.com", "v1", "widgets")
}

/// A namespaced CRD without a schema: `widgets.example.com/v1`.
pub fn widgets_crd() -> CustomResourceDefinition {
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}
            }]
        }
    }))
    .unwrap()
}

/// Creates the widgets CRD and waits until it is served; the widgets of [`NS`].
pub async fn serve_widgets(cs: &ClientSet) -> DynamicResource {
    cs.apiextensions_v1()
        .custom_resource_definitions()
        .create(&widgets_crd(), &CreateOptions::default())
        .await
        .unwrap();
    let widgets = cs.dynamic().resource(&widgets_gvr()).namespace(NS);
    wait_served(&widgets).await;
    widgets
}

/// Waits until `widgets` answers lists (its CRD is served).
pub async fn wait_served(widgets: &DynamicResource) {
    for _ in 0..200 {
        match widgets.list(&ListOptions::default()).await {
            Ok(_) => return,
            Err(err) if err.is_not_found() => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(err) => panic!("unexpected error while waiting for the CRD: {err}"),
        }
    }
    panic!("the CRD never became served");
}

/// A client without client-go's default 5 QPS limit, which would dominate the test's time.
pub fn client(server: &TestServer) -> RestClient {
    RestClient::builder(server.config())
        .without_rate_limit()
        .build()
        .expect("client")
}

/// The reflector's backoff shape, scaled down 16 times (50 ms doubling to 2 s): for tests
/// of convergence through relists, whose every relist now waits its backoff; the pacing
/// itself is checked on a paused clock and against the server in `api_server_restart.rs`.
pub fn quick_backoff() -> BackoffConfig {
    let real = BackoffConfig::default();
    BackoffConfig {
        initial: real.initial / 16,
        max: real.max / 16,
        ..real
    }
}

pub fn core_v1() -> GroupVersion {
    GroupVersion::new("", "v1")
}

pub fn cm(name: &str, value: &str, labels: &[(&str, &str)]) -> ConfigMap {
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

pub async fn create(client: &RestClient, obj: &ConfigMap) {
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

pub async fn update(client: &RestClient, name: &str, value: &str) {
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

pub async fn delete(client: &RestClient, name: &str) {
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
pub async fn bump_other_resource(client: &RestClient, n: usize) {
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
pub async fn server_state(client: &RestClient) -> BTreeMap<String, (String, String)> {
    let lw = RestListerWatcher::<ConfigMap>::new(client.clone()).namespace(NS);
    let page = lw.list(&ListOptions::default()).await.expect("list");
    assert!(page.continue_token().is_none());
    page.items.iter().map(summary).collect()
}

pub fn summary(o: &ConfigMap) -> (String, (String, String)) {
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

pub fn cache_state(store: &Indexer<ConfigMap>) -> BTreeMap<String, (String, String)> {
    store.list().iter().map(|o| summary(o)).collect()
}

pub async fn wait_health(
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

pub async fn wait_converged(client: &RestClient, store: &Indexer<ConfigMap>) {
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
