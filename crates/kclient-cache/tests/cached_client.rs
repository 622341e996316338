//! CachedClient against kclient-testserver: writes go to the server, reads come from a
//! factory informer started on first use and see the client's own writes once the informer
//! catches up; an uncached type reads from the server at once and starts no informer.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::{CachedClient, CachedClientError, SharedInformerFactory};
use kclient_core::ApiError;
use kclient_core::{
    CreateOptions, DeleteOptions, GroupVersionResource, LabelSelector, Patch, PatchOptions,
    UpdateOptions,
};
use kclient_rest::RestClient;
use kclient_testserver::TestServer;
use serde_json::json;

fn client(server: &TestServer) -> RestClient {
    RestClient::builder(server.config())
        .without_rate_limit()
        .build()
        .expect("client")
}

fn cm(ns: &str, name: &str, value: &str, labels: &[(&str, &str)]) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(ns.to_owned()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect::<BTreeMap<_, _>>(),
            ),
            ..Default::default()
        },
        data: Some([("v".to_owned(), value.to_owned())].into()),
        ..Default::default()
    }
}

fn value(o: &ConfigMap) -> &str {
    o.data
        .as_ref()
        .and_then(|d| d.get("v"))
        .map_or("", String::as_str)
}

/// Polls a cached read until `done` accepts it.
async fn until<T>(
    what: &str,
    mut read: impl AsyncFnMut() -> Result<T, CachedClientError>,
    mut done: impl FnMut(&Result<T, CachedClientError>) -> bool,
) -> Result<T, CachedClientError> {
    for _ in 0..400 {
        let got = read().await;
        if done(&got) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn reads_its_own_writes_from_the_cache() {
    let server = TestServer::start().await.unwrap();
    let rc = client(&server);
    let factory = SharedInformerFactory::new(rc.clone());
    let client = CachedClient::builder(rc)
        .factory(factory.clone())
        .uncached::<Secret>()
        .build();
    assert!(client.is_cached::<ConfigMap>());
    assert!(!client.is_cached::<Secret>());
    let cm_gvr = GroupVersionResource::gvr("", "v1", "configmaps");
    assert!(
        factory.status(&cm_gvr).is_none(),
        "nothing starts before first use"
    );

    // First read: the informer starts, syncs, and the miss is a cache NotFound.
    let err = client.get::<ConfigMap>("default", "a").await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(matches!(err, CachedClientError::NotFound { .. }));
    let status = factory
        .status(&cm_gvr)
        .expect("informer registered on first read");
    assert!(status.synced && status.state.is_running());

    let created = client
        .create(
            &cm("default", "a", "1", &[("app", "web")]),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    let rv = created.metadata.resource_version.clone().unwrap();
    let got = until(
        "the create in the cache",
        async || client.get::<ConfigMap>("default", "a").await,
        |r| r.is_ok(),
    )
    .await
    .unwrap();
    assert_eq!(got.metadata.resource_version.as_deref(), Some(rv.as_str()));

    // Update from what the cache holds; then patch; each becomes visible.
    let mut next = (*got).clone();
    next.data = Some([("v".to_owned(), "2".to_owned())].into());
    client
        .update(&next, &UpdateOptions::default())
        .await
        .unwrap();
    let stale = client
        .update(&next, &UpdateOptions::default())
        .await
        .unwrap_err();
    assert!(stale.is_conflict(), "{stale}");
    until(
        "the update in the cache",
        async || client.get::<ConfigMap>("default", "a").await,
        |r| r.as_ref().is_ok_and(|o| value(o) == "2"),
    )
    .await
    .unwrap();
    client
        .patch::<ConfigMap>(
            "default",
            "a",
            &Patch::Merge(json!({"data": {"v": "3"}})),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    until(
        "the patch in the cache",
        async || client.get::<ConfigMap>("default", "a").await,
        |r| r.as_ref().is_ok_and(|o| value(o) == "3"),
    )
    .await
    .unwrap();

    // Lists by namespace and selector, from the cache.
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some("other".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    client.create(&ns, &CreateOptions::default()).await.unwrap();
    client
        .create(
            &cm("other", "b", "1", &[("app", "web")]),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    client
        .create(
            &cm("default", "c", "1", &[("app", "db")]),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    let web = LabelSelector::parse("app=web").unwrap();
    let everywhere = until(
        "three configmaps cached",
        async || {
            client
                .list::<ConfigMap>(None, &LabelSelector::everything())
                .await
        },
        |r| r.as_ref().is_ok_and(|l| l.len() == 3),
    )
    .await
    .unwrap();
    assert_eq!(everywhere.len(), 3);
    assert_eq!(client.list::<ConfigMap>(None, &web).await.unwrap().len(), 2);
    let in_default = client
        .list::<ConfigMap>(Some("default"), &web)
        .await
        .unwrap();
    assert_eq!(in_default.len(), 1);
    assert_eq!(in_default[0].metadata.name.as_deref(), Some("a"));
    // Cluster-scoped reads ignore the namespace argument.
    until(
        "the namespace in the cache",
        async || client.get::<Namespace>("ignored", "other").await,
        |r| r.is_ok(),
    )
    .await
    .unwrap();

    client
        .delete::<ConfigMap>("default", "a", &DeleteOptions::default())
        .await
        .unwrap();
    let gone = until(
        "the delete in the cache",
        async || client.get::<ConfigMap>("default", "a").await,
        |r| r.is_err(),
    )
    .await
    .unwrap_err();
    assert!(gone.is_not_found());

    // A write of a namespaced object without a namespace is refused before any request.
    let err = client
        .create(&ConfigMap::default(), &CreateOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        CachedClientError::MissingMetadata {
            field: "namespace",
            ..
        }
    ));

    // Uncached: read straight after the write, no polling, and no informer for secrets.
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some("s".into()),
            namespace: Some("default".into()),
            labels: Some([("app".to_owned(), "web".to_owned())].into()),
            ..Default::default()
        },
        ..Default::default()
    };
    client
        .create(&secret, &CreateOptions::default())
        .await
        .unwrap();
    let s = client.get::<Secret>("default", "s").await.unwrap();
    assert_eq!(s.metadata.name.as_deref(), Some("s"));
    assert_eq!(
        client
            .list::<Secret>(Some("default"), &web)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        client
            .list::<Secret>(None, &LabelSelector::parse("app=db").unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    let server_miss = client.get::<Secret>("default", "nope").await.unwrap_err();
    assert!(server_miss.is_not_found());
    assert!(matches!(server_miss, CachedClientError::Api(_)));
    let secret_gvr = GroupVersionResource::gvr("", "v1", "secrets");
    assert!(factory.status(&secret_gvr).is_none());
    let statuses = factory.statuses();
    assert_eq!(
        statuses.len(),
        2,
        "configmaps and namespaces only: {statuses:?}"
    );
    for s in &statuses {
        assert_eq!(s.lists + s.watches, 1, "one informer per type: {s:?}");
    }
    factory.shutdown().await;
}
