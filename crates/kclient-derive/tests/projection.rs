//! `#[derive(Resource)] #[resource(inherit = Pod)]`: a struct holding only what a controller
//! reads is a Pod to `Api`, informers and listers, and keeps nothing else.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Container, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient::prelude::*;
use kclient::testserver::TestServer;
use serde::{Deserialize, Serialize};

/// The slice of a Pod a scheduler-watching controller reads.
#[derive(Resource, Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[resource(inherit = Pod)]
struct PodView {
    metadata: ObjectMeta,
    #[serde(default)]
    spec: PodViewSpec,
    #[serde(default)]
    status: PodViewStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodViewSpec {
    node_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct PodViewStatus {
    phase: Option<String>,
}

#[test]
fn the_projection_is_the_inherited_kind() {
    assert_eq!(PodView::gvk(), Pod::gvk());
    assert_eq!(PodView::gvr(), Pod::gvr());
    assert_eq!(PodView::API_VERSION, Pod::API_VERSION);
    assert_eq!(PodView::scope(), Pod::scope());
    assert_eq!(PodView::url_path(Some("ns")), "/api/v1/namespaces/ns/pods");
}

fn pod(name: &str, node: &str) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some([("app".to_owned(), "web".to_owned())].into()),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            node_name: Some(node.to_owned()),
            containers: vec![Container {
                name: "c".into(),
                image: Some("nginx".into()),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
        ..Pod::default()
    }
}

async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..600 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn api_informers_and_listers_of_pods_hold_the_projection() {
    let server = TestServer::start().await.unwrap();
    let client = RestClient::new(server.config().without_rate_limit()).unwrap();
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    pods.create(&pod("a", "node-1"), &CreateOptions::default())
        .await
        .unwrap();

    // Api: lists and gets decode into the projection, unknown fields ignored.
    let views: Api<PodView> = Api::namespaced(client.clone(), "default");
    let listed = views.list(&ListOptions::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].spec.node_name.as_deref(), Some("node-1"));
    let got = views.get("a", &GetOptions::default()).await.unwrap();
    assert_eq!(got.metadata.labels, pod("a", "").metadata.labels);

    // An informer and its lister over the projection: list, then watch.
    let factory = SharedInformerFactory::new(client);
    let view_informer = factory.resource::<PodView>();
    let lister = view_informer.lister();
    factory.start().unwrap();
    assert!(factory.wait_for_cache_sync().await.all_synced());
    let cached: Arc<PodView> = lister.namespace("default").get("a").unwrap();
    assert_eq!(cached.spec.node_name.as_deref(), Some("node-1"));

    pods.create(&pod("b", "node-2"), &CreateOptions::default())
        .await
        .unwrap();
    eventually("the watch delivers pod b", || {
        lister.namespace("default").get("b").is_some()
    })
    .await;
    assert_eq!(
        lister
            .namespace("default")
            .get("b")
            .unwrap()
            .spec
            .node_name
            .as_deref(),
        Some("node-2")
    );
    // The cache holds what the projection declares, nothing more: serializing it back
    // shows no containers.
    let json = serde_json::to_value(&*lister.namespace("default").get("b").unwrap()).unwrap();
    assert_eq!(json["spec"], serde_json::json!({"nodeName": "node-2"}));
    factory.shutdown().await;
}
