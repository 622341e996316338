//! RetryWatcher and until_with_sync over HTTP against the in-memory API server: watches the
//! server closes are resumed from the last resourceVersion delivered, compaction ends a
//! RetryWatcher with a typed error, and until_with_sync sees the initial list and changes.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::RestListerWatcher;
use kclient_client::{Api, ApiError, CreateOptions, RestClient, UpdateOptions};
use kclient_core::{ListOptions, WatchEvent};
use kclient_runtime::watch::{RetryWatchError, RetryWatcher, until_with_sync};
use kclient_testserver::TestServer;
use tokio::time::timeout;

const NS: &str = "default";

async fn start() -> (TestServer, RestClient, Api<ConfigMap>) {
    let server = TestServer::start().await.expect("test server starts");
    let client = RestClient::new(server.config().without_rate_limit()).expect("client builds");
    let api = Api::namespaced(client.clone(), NS);
    (server, client, api)
}

fn cm(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(NS.into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

/// The resourceVersion a list of configmaps answers with now.
async fn list_rv(api: &Api<ConfigMap>) -> String {
    api.list(&ListOptions::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("list resourceVersion")
}

#[tokio::test]
async fn a_closed_watch_resumes_from_the_last_delivered_resource_version() {
    let (server, client, api) = start().await;
    let from = list_rv(&api).await;
    // Every watch ends after two events, as a server's watch timeout would end it.
    server.faults().set_watch_drop_after(Some(2));
    let mut created = Vec::new();
    for i in 0..5 {
        let c = api
            .create(&cm(&format!("cm-{i}")), &CreateOptions::default())
            .await
            .expect("create");
        created.push(c.metadata.resource_version.expect("rv"));
    }
    server.requests().start();
    let mut watcher = RetryWatcher::new(RestListerWatcher::<ConfigMap>::new(client), from.clone())
        .expect("watcher");
    let mut seen = Vec::new();
    for _ in 0..5 {
        let event = timeout(Duration::from_secs(10), watcher.next_event())
            .await
            .expect("an event within 10 s")
            .expect("not ended")
            .expect("no error");
        let WatchEvent::Added(obj) = event else {
            panic!("expected Added, got {event:?}");
        };
        seen.push(obj.metadata.resource_version.expect("rv"));
    }
    assert_eq!(seen, created, "every event once, in order");
    assert_eq!(watcher.resource_version(), created[4]);
    let resumed_from: Vec<String> = server
        .requests()
        .requests()
        .into_iter()
        .filter(|r| r.is_watch())
        .map(|r| r.param("resourceVersion").unwrap_or_default())
        .collect();
    assert_eq!(
        resumed_from,
        [from, created[1].clone(), created[3].clone()],
        "each watch starts where the last one stopped"
    );
}

#[tokio::test]
async fn a_compacted_resource_version_ends_the_watcher_with_a_typed_gone_error() {
    let (server, client, api) = start().await;
    let from = list_rv(&api).await;
    for i in 0..3 {
        api.create(&cm(&format!("cm-{i}")), &CreateOptions::default())
            .await
            .expect("create");
    }
    server.faults().compact_history();
    let mut watcher = RetryWatcher::new(RestListerWatcher::<ConfigMap>::new(client), from.clone())
        .expect("watcher");
    let ended = timeout(Duration::from_secs(10), watcher.next_event())
        .await
        .expect("an answer within 10 s")
        .expect("an error, not the end");
    match ended {
        Err(e @ RetryWatchError::Gone { .. }) => {
            assert!(e.is_resource_expired() || e.is_gone(), "{e}");
            let RetryWatchError::Gone {
                resource_version, ..
            } = e
            else {
                unreachable!()
            };
            assert_eq!(resource_version, from);
        }
        other => panic!("expected Gone, got {other:?}"),
    }
    assert!(
        watcher.next_event().await.is_none(),
        "the watcher has ended"
    );
}

#[tokio::test]
async fn until_with_sync_sees_the_initial_list_and_then_changes() {
    let (_server, client, api) = start().await;
    api.create(&cm("ready-later"), &CreateOptions::default())
        .await
        .expect("create");
    let writer = {
        let api = api.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut c = api
                .get("ready-later", &Default::default())
                .await
                .expect("get");
            c.data = Some(BTreeMap::from([("state".to_owned(), "ready".to_owned())]));
            api.update(&c, &UpdateOptions::default())
                .await
                .expect("update");
        })
    };
    let mut initial = Vec::new();
    let event = timeout(
        Duration::from_secs(10),
        until_with_sync(
            RestListerWatcher::<ConfigMap>::new(client.clone()),
            |cache| cache.len() > 1,
            |event| {
                if let WatchEvent::Added(c) = event {
                    initial.push(c.metadata.name.clone().unwrap_or_default());
                }
                matches!(event, WatchEvent::Modified(c)
                    if c.data.as_ref().and_then(|d| d.get("state")).map(String::as_str) == Some("ready"))
            },
        ),
    )
    .await
    .expect("within 10 s")
    .expect("no error")
    .expect("the condition held, not the precondition");
    assert!(matches!(event, WatchEvent::Modified(_)));
    assert_eq!(initial, ["ready-later"]);
    writer.await.expect("writer");

    // A precondition that holds on the synced cache returns at once.
    let done = until_with_sync(
        RestListerWatcher::<ConfigMap>::new(client),
        |cache| !cache.is_empty(),
        |_| false,
    )
    .await
    .expect("no error");
    assert!(done.is_none());
}
