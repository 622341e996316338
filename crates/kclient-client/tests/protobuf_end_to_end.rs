//! Typed clients and the embedded server speak protobuf to each other end to end: what a
//! protobuf client reads, writes, lists, watches and gets as errors is what a JSON-only
//! client of the same server sees.

mod common;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_client::{Api, ApiError, ClientSet};
use kclient_core::{CreateOptions, GetOptions, GroupVersion, ListOptions};
use kclient_testserver::TestServer;

fn config_map(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(common::labels(&[("app", "e2e")])),
            ..ObjectMeta::default()
        },
        data: Some([("k".to_owned(), "v".to_owned())].into()),
        ..ConfigMap::default()
    }
}

#[tokio::test]
async fn protobuf_and_json_clients_see_the_same_objects() {
    let server = TestServer::start().await.expect("test server starts");
    let base = server.config().without_rate_limit();
    let proto = ClientSet::new(base.clone().protobuf_bodies()).expect("clientset builds");
    let json = ClientSet::new(base.json_only()).expect("clientset builds");

    // The server answers the typed client's Accept in protobuf.
    let raw = proto
        .client()
        .get()
        .group_version(&GroupVersion::new("", "v1"))
        .namespace("default")
        .resource("configmaps")
        .accept_negotiated(true)
        .send()
        .await
        .expect("list answers");
    assert_eq!(
        raw.content_type(),
        Some("application/vnd.kubernetes.protobuf")
    );

    let by_proto: Api<ConfigMap> = proto.namespaced("default");
    let by_json: Api<ConfigMap> = json.namespaced("default");
    let mut events = by_json
        .watch(&ListOptions::default())
        .await
        .expect("json watch starts");
    let mut proto_events = by_proto
        .watch(&ListOptions::default())
        .await
        .expect("protobuf watch starts");
    let created = by_proto
        .create(&config_map("a"), &CreateOptions::default())
        .await
        .expect("created through a protobuf body");
    assert_eq!(created.data, config_map("a").data);
    let read_json = by_json.get("a", &GetOptions::default()).await.unwrap();
    let read_proto = by_proto.get("a", &GetOptions::default()).await.unwrap();
    assert_eq!(read_json, created);
    assert_eq!(read_proto, created);

    let list_json = by_json.list(&ListOptions::default()).await.unwrap();
    let list_proto = by_proto.list(&ListOptions::default()).await.unwrap();
    assert_eq!(list_proto.items, list_json.items);
    assert_eq!(
        list_proto.metadata.resource_version,
        list_json.metadata.resource_version
    );

    let seen_json = events.next().await.expect("an event").expect("decodes");
    let seen_proto = proto_events
        .next()
        .await
        .expect("an event")
        .expect("decodes");
    assert_eq!(format!("{seen_proto:?}"), format!("{seen_json:?}"));

    // Errors come back as protobuf Status and answer the same predicates.
    let missing = by_proto.get("missing", &GetOptions::default()).await;
    let err = missing.expect_err("404");
    assert!(err.is_not_found(), "{err}");
    let again = by_proto
        .create(&config_map("a"), &CreateOptions::default())
        .await
        .expect_err("409");
    assert!(again.is_already_exists(), "{again}");

    // A defaulted, admitted Pod reads back the same in both formats.
    let pods: Api<Pod> = proto.namespaced("default");
    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox", "resources": {"requests": {"cpu": "1000m"}}}]}
    }))
    .unwrap();
    let created = pods.create(&pod, &CreateOptions::default()).await.unwrap();
    let json_pods: Api<Pod> = json.namespaced("default");
    assert_eq!(
        json_pods.get("p", &GetOptions::default()).await.unwrap(),
        created
    );
}
