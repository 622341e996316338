//! The finalizer helper under a Controller against the in-memory API server, whose deletion
//! semantics follow kube-apiserver's (a delete of an object with finalizers only sets its
//! `deletionTimestamp`; the object goes when its last finalizer is removed).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::SharedInformerFactory;
use kclient_client::{
    Api, ApiError, CreateOptions, DeleteOptions, GetOptions, RestClient, UpdateOptions,
};
use kclient_core::{Patch, PatchOptions};
use kclient_runtime::controller::{Action, Controller, Observed, OnError};
use kclient_runtime::finalizer::{FinalizerError, FinalizerEvent, finalizer, has_finalizer};
use kclient_testserver::TestServer;
use tokio::sync::mpsc;
use tokio::time::timeout;

const NS: &str = "default";
const FINALIZER: &str = "example.com/cleanup";
const OTHER: &str = "other.example.com/keep";

struct Ctx {
    api: Api<ConfigMap>,
    /// What the wrapped reconcile saw: ("apply" | "cleanup", whether the server's copy had
    /// the finalizer at that moment).
    seen: mpsc::UnboundedSender<(&'static str, bool)>,
}

async fn reconcile(
    obj: Observed<ConfigMap>,
    ctx: Arc<Ctx>,
) -> Result<Action, FinalizerError<kclient_rest::Error>> {
    let api = &ctx.api;
    let seen = &ctx.seen;
    finalizer(api, FINALIZER, obj, |event| async move {
        let (what, cm) = match event {
            FinalizerEvent::Apply(cm) => ("apply", cm),
            FinalizerEvent::Cleanup(cm) => ("cleanup", cm),
        };
        let name = cm.metadata.name.clone().unwrap_or_default();
        let mut current = api.get(&name, &GetOptions::default()).await?;
        let _ = seen.send((what, has_finalizer(&current.metadata, FINALIZER)));
        if what == "cleanup" {
            // Another write during the clean-up makes the cached resourceVersion stale, so
            // the removal conflicts once and is retried against a fresh read.
            current
                .data
                .get_or_insert_default()
                .insert("cleaned".into(), "yes".into());
            api.update(&current, &UpdateOptions::default()).await?;
        }
        Ok(Action::await_change())
    })
    .await
}

async fn next(events: &mut mpsc::UnboundedReceiver<(&'static str, bool)>) -> (&'static str, bool) {
    timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("a reconcile within 10 s")
        .expect("running")
}

async fn finalizers(api: &Api<ConfigMap>, name: &str) -> Option<Vec<String>> {
    match api.get(name, &GetOptions::default()).await {
        Ok(cm) => Some(cm.metadata.finalizers.unwrap_or_default()),
        Err(e) if e.is_not_found() => None,
        Err(e) => panic!("get: {e}"),
    }
}

/// Polls until `finalizers(name)` is `want`, failing after 10 s.
async fn wait_finalizers(api: &Api<ConfigMap>, name: &str, want: Option<Vec<String>>) {
    let polled = timeout(Duration::from_secs(10), async {
        loop {
            if finalizers(api, name).await == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(polled.is_ok(), "finalizers of {name} never became {want:?}");
}

#[tokio::test]
async fn the_finalizer_is_added_first_runs_the_cleanup_and_is_removed_despite_a_conflict() {
    let server = TestServer::start().await.expect("test server starts");
    let client = RestClient::new(server.config().without_rate_limit()).expect("client builds");
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("db".into()),
            namespace: Some(NS.into()),
            finalizers: Some(vec![OTHER.into()]),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("v".to_owned(), "1".to_owned())])),
        ..ConfigMap::default()
    };
    api.create(&cm, &CreateOptions::default())
        .await
        .expect("create");

    let (seen, mut events) = mpsc::unbounded_channel();
    let ctx = Arc::new(Ctx {
        api: api.clone(),
        seen,
    });
    let run = tokio::spawn(
        Controller::<ConfigMap>::new(&SharedInformerFactory::new(client.clone())).run(
            reconcile,
            |_, _, _| OnError::Backoff,
            ctx,
        ),
    );
    // The first reconcile of the live object finds the finalizer already on the server.
    assert_eq!(next(&mut events).await, ("apply", true));
    assert_eq!(
        finalizers(&api, "db").await,
        Some(vec![OTHER.to_owned(), FINALIZER.to_owned()]),
        "another writer's finalizer is kept"
    );

    // A delete only marks the object; the clean-up runs, then our finalizer goes.
    server.requests().start();
    api.delete("db", &DeleteOptions::default())
        .await
        .expect("delete");
    loop {
        match next(&mut events).await {
            ("cleanup", true) => break,
            ("apply", _) => {} // the finalizer-adding write's own update event
            other => panic!("unexpected {other:?}"),
        }
    }
    wait_finalizers(&api, "db", Some(vec![OTHER.to_owned()])).await;
    // The informer may still hold the object with our finalizer when the key comes round
    // again (the clean-up's own write re-enqueued it): that reconcile repeats the clean-up
    // (which must be idempotent, as with kube-rs and controller-runtime) and then finds
    // nothing to remove on the server. Let it settle.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(event) = events.try_recv() {
        assert_eq!(
            event,
            ("cleanup", false),
            "only a stale repeat of the clean-up"
        );
    }
    let patches: Vec<StatusCode> = server
        .requests()
        .requests_to("/api/v1/namespaces/default/configmaps/db")
        .into_iter()
        .filter(|r| r.method == Method::PATCH)
        .map(|r| r.status)
        .collect();
    assert_eq!(
        patches.first(),
        Some(&StatusCode::CONFLICT),
        "the removal against the cached resourceVersion conflicted: {patches:?}"
    );
    assert_eq!(
        patches.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "and was retried against a fresh read, once: {patches:?}"
    );
    let cleaned = api.get("db", &GetOptions::default()).await.expect("get");
    assert!(cleaned.metadata.deletion_timestamp.is_some());
    assert_eq!(
        cleaned
            .data
            .and_then(|d| d.get("cleaned").cloned())
            .as_deref(),
        Some("yes")
    );

    // The other finalizer's owner finishes: the object is deleted, and nothing runs again.
    api.patch(
        "db",
        &Patch::Merge(serde_json::json!({"metadata": {"finalizers": null}})),
        &PatchOptions::default(),
    )
    .await
    .expect("remove the other finalizer");
    wait_finalizers(&api, "db", None).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        events.try_recv().is_err(),
        "no clean-up after the object went"
    );
    run.abort();
}

/// The metadata-only client drives the helper too: no object body crosses the wire, and a
/// removal against a stale resourceVersion is retried after a fresh metadata read.
#[tokio::test]
async fn the_metadata_client_adds_and_removes_the_finalizer() {
    let server = TestServer::start().await.expect("test server starts");
    let client = RestClient::new(server.config().without_rate_limit()).expect("client builds");
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    let meta = kclient_client::MetadataClient::new(client)
        .resource(&kclient_core::GroupVersionResource::gvr(
            "",
            "v1",
            "configmaps",
        ))
        .namespace(NS);
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("md".into()),
            namespace: Some(NS.into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    };
    let created = api
        .create(&cm, &CreateOptions::default())
        .await
        .expect("create");

    let applied = finalizer(
        &meta,
        FINALIZER,
        Observed::Live(Arc::new(created.clone())),
        |event| async move {
            assert!(matches!(event, FinalizerEvent::Apply(_)));
            Ok::<_, kclient_rest::Error>(Action::AwaitChange)
        },
    )
    .await
    .expect("apply");
    assert_eq!(applied, Action::AwaitChange);
    wait_finalizers(&api, "md", Some(vec![FINALIZER.into()])).await;

    api.delete("md", &DeleteOptions::default())
        .await
        .expect("delete");
    let mut deleting = api.get("md", &GetOptions::default()).await.expect("get");
    assert!(deleting.metadata.deletion_timestamp.is_some());
    // Stale on purpose: the first removal conflicts, the retry reads the metadata again.
    deleting.metadata.resource_version = created.metadata.resource_version.clone();
    finalizer(
        &meta,
        FINALIZER,
        Observed::Live(Arc::new(deleting)),
        |event| async move {
            assert!(matches!(event, FinalizerEvent::Cleanup(_)));
            Ok::<_, kclient_rest::Error>(Action::AwaitChange)
        },
    )
    .await
    .expect("cleanup");
    wait_finalizers(&api, "md", None).await;
}
