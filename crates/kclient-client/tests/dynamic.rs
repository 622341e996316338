//! The dynamic client on a CustomResourceDefinition: create the CRD, wait until it is
//! served, then every verb on custom objects; plus typed <-> unstructured conversion.

mod common;

use std::time::Duration;

use common::start;
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_client::ApiError;
use kclient_client::dynamic::{from_unstructured, list_from_unstructured, to_unstructured};
use kclient_client::{DynamicResource, Patch, Unstructured, WatchEvent};
use kclient_core::{
    CreateOptions, DeleteOptions, GetOptions, GroupVersionResource, ListOptions, PatchOptions,
    UpdateOptions,
};
use serde_json::json;

fn crd() -> CustomResourceDefinition {
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
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
                "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}}
            }]
        }
    }))
    .unwrap()
}

fn widget(name: &str, size: i64) -> Unstructured {
    serde_json::from_value(json!({
        "apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": name, "labels": {"color": "blue"}},
        "spec": {"size": size, "replicas": 1}
    }))
    .unwrap()
}

/// Polls until the custom resource answers a list (the CRD is established and served).
async fn wait_served(widgets: &DynamicResource) {
    for _ in 0..100 {
        match widgets.list(&ListOptions::default()).await {
            Ok(_) => return,
            Err(err) if err.is_not_found() => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(err) => panic!("unexpected error while waiting for the CRD: {err}"),
        }
    }
    panic!("the CRD never became served");
}

#[tokio::test]
async fn crud_on_custom_resources() {
    let (_server, cs) = start().await;
    let crds = cs.apiextensions_v1().custom_resource_definitions();
    crds.create(&crd(), &CreateOptions::default())
        .await
        .unwrap();

    let gvr = GroupVersionResource::gvr("example.com", "v1", "widgets");
    let widgets = cs.dynamic().resource(&gvr).namespace("default");
    wait_served(&widgets).await;

    let created = widgets
        .create(&widget("w1", 3), &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(created.namespace(), Some("default"));
    assert!(created.uid().is_some());
    assert_eq!(created.nested(&["spec", "size"]), Some(&json!(3)));

    let mut got = widgets.get("w1", &GetOptions::default()).await.unwrap();
    got.set_nested(&["spec", "size"], json!(4)).unwrap();
    let updated = widgets
        .update(&got, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(updated.nested(&["spec", "size"]), Some(&json!(4)));
    assert_eq!(updated.generation(), Some(2));
    assert!(
        widgets
            .update(&got, &UpdateOptions::default())
            .await
            .unwrap_err()
            .is_conflict()
    );

    // Status through the status subresource only.
    let mut with_status = updated.clone();
    with_status
        .set_nested(&["status", "replicas"], json!(1))
        .unwrap();
    let st = widgets
        .update_status(&with_status, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(st.nested(&["status", "replicas"]), Some(&json!(1)));

    let merged = widgets
        .patch(
            "w1",
            &Patch::Merge(json!({"spec": {"size": 10}})),
            &PatchOptions::default(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(merged.nested(&["spec", "size"]), Some(&json!(10)));

    // Strategic merge patches do not apply to custom resources: the server says 415.
    let err = widgets
        .patch(
            "w1",
            &Patch::Strategic(json!({"spec": {"size": 11}})),
            &PatchOptions::default(),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), Some(415), "{err}");

    let applied = widgets
        .apply(&widget("w2", 7), &PatchOptions::apply("dyn-test"))
        .await
        .unwrap();
    assert_eq!(applied.nested(&["spec", "size"]), Some(&json!(7)));

    let scale = widgets
        .get_scale("w1", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(scale.kind(), Some("Scale"));
    assert_eq!(scale.nested(&["spec", "replicas"]), Some(&json!(1)));

    let list = widgets
        .list(&ListOptions::default().labels("color=blue"))
        .await
        .unwrap();
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.kind, "WidgetList");
    assert!(list.items.iter().all(|w| w.kind() == Some("Widget")));
    let paged = widgets
        .pager()
        .page_size(1)
        .list(&ListOptions::default())
        .await
        .unwrap();
    assert_eq!(paged.items.len(), 2);

    // Cluster-wide (no namespace) list of a namespaced custom resource.
    let everywhere = cs.dynamic().resource(&gvr);
    assert_eq!(
        everywhere
            .list(&ListOptions::default())
            .await
            .unwrap()
            .items
            .len(),
        2
    );

    let rv = list.resource_version().unwrap().to_owned();
    let mut events = widgets
        .watch(&ListOptions::default().resource_version(rv).timeout(30))
        .await
        .unwrap();
    widgets
        .delete("w2", &DeleteOptions::default())
        .await
        .unwrap();
    loop {
        match events.next().await.unwrap().unwrap() {
            WatchEvent::Deleted(obj) => {
                assert_eq!(obj.name(), Some("w2"));
                break;
            }
            WatchEvent::Bookmark(_) => continue,
            other => panic!("unexpected event {}", other.type_name()),
        }
    }

    widgets
        .delete_collection(&DeleteOptions::default(), &ListOptions::default())
        .await
        .unwrap();
    assert!(
        widgets
            .list(&ListOptions::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        widgets
            .get("w1", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn built_in_kinds_round_trip_through_unstructured() {
    let (_server, cs) = start().await;
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("typed".to_owned()),
            ..ObjectMeta::default()
        },
        data: Some([("k".to_owned(), "v".to_owned())].into()),
        ..ConfigMap::default()
    };
    let u = to_unstructured(&cm).unwrap();
    assert_eq!(u.kind(), Some("ConfigMap"));
    assert_eq!(u.api_version(), Some("v1"));

    let cms = cs
        .dynamic()
        .resource(&GroupVersionResource::gvr("", "v1", "configmaps"))
        .namespace("default");
    let created = cms.create(&u, &CreateOptions::default()).await.unwrap();
    let back: ConfigMap = from_unstructured(&created).unwrap();
    assert_eq!(back.data.unwrap()["k"], "v");
    assert_eq!(back.metadata.namespace.as_deref(), Some("default"));

    let list = cms.list(&ListOptions::default()).await.unwrap();
    let typed = list_from_unstructured::<ConfigMap>(list).unwrap();
    assert!(
        typed
            .iter()
            .any(|c| c.metadata.name.as_deref() == Some("typed"))
    );

    // The wrong kind is a typed error, not a panic.
    let err = from_unstructured::<k8s_openapi::api::core::v1::Secret>(&created).unwrap_err();
    assert!(err.to_string().contains("ConfigMap"), "{err}");

    let typed_api = cs.core_v1().config_maps("default");
    assert_eq!(
        typed_api
            .get("typed", &GetOptions::default())
            .await
            .unwrap()
            .metadata
            .uid,
        back.metadata.uid
    );
}
