//! The metadata-only client (PartialObjectMetadata) and the GVR-based scale client.

mod common;

use common::{labels, start};
use futures::StreamExt;
use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetSpec};
use k8s_openapi::api::autoscaling::v1::ScaleSpec;
use k8s_openapi::api::core::v1::{ConfigMap, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kclient_client::ApiError;
use kclient_client::{DeleteResponse, Patch, WatchEvent};
use kclient_core::{
    CreateOptions, DeleteOptions, GetOptions, GroupVersionResource, ListOptions, PatchOptions,
    UpdateOptions,
};
use serde_json::json;

#[tokio::test]
async fn metadata_client_verbs() {
    let (_server, cs) = start().await;
    let cms = cs.core_v1().config_maps("default");
    for i in 0..3 {
        let cm = ConfigMap {
            metadata: ObjectMeta {
                name: Some(format!("m{i}")),
                labels: Some(labels(&[("set", "meta")])),
                ..ObjectMeta::default()
            },
            data: Some([("big".to_owned(), "x".repeat(1000))].into()),
            ..ConfigMap::default()
        };
        cms.create(&cm, &CreateOptions::default()).await.unwrap();
    }
    let gvr = GroupVersionResource::gvr("", "v1", "configmaps");
    let meta = cs.metadata().resource(&gvr).namespace("default");

    let one = meta.get("m0", &GetOptions::default()).await.unwrap();
    assert_eq!(one.kind, "PartialObjectMetadata");
    assert_eq!(one.api_version, "meta.k8s.io/v1");
    assert_eq!(one.metadata.name.as_deref(), Some("m0"));
    assert_eq!(one.metadata.labels.as_ref().unwrap()["set"], "meta");

    let list = meta
        .list(&ListOptions::default().labels("set=meta"))
        .await
        .unwrap();
    assert_eq!(list.kind, "PartialObjectMetadataList");
    assert_eq!(list.items.len(), 3);
    let paged = meta
        .pager()
        .page_size(2)
        .list(&ListOptions::default())
        .await
        .unwrap();
    assert_eq!(paged.items.len(), 3);

    let patched = meta
        .patch(
            "m1",
            &Patch::Merge(json!({"metadata": {"annotations": {"touched": "yes"}}})),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(patched.kind, "PartialObjectMetadata");
    assert_eq!(patched.metadata.annotations.unwrap()["touched"], "yes");
    // The full object kept its data.
    let full = cms.get("m1", &GetOptions::default()).await.unwrap();
    assert_eq!(full.data.unwrap()["big"].len(), 1000);

    let rv = list.metadata.resource_version.clone().unwrap();
    let mut events = meta
        .watch(&ListOptions::default().resource_version(rv).timeout(30))
        .await
        .unwrap();
    let deleted = meta.delete("m2", &DeleteOptions::default()).await.unwrap();
    if let DeleteResponse::Object(obj) = &deleted {
        assert_eq!(obj.metadata.name.as_deref(), Some("m2"));
    }
    loop {
        match events.next().await.unwrap().unwrap() {
            WatchEvent::Modified(obj) if obj.metadata.name.as_deref() == Some("m1") => continue,
            WatchEvent::Deleted(obj) => {
                assert_eq!(obj.kind, "PartialObjectMetadata");
                assert_eq!(obj.metadata.name.as_deref(), Some("m2"));
                break;
            }
            WatchEvent::Bookmark(_) => continue,
            other => panic!("unexpected event {}", other.type_name()),
        }
    }

    meta.delete_collection(
        &DeleteOptions::default(),
        &ListOptions::default().labels("set"),
    )
    .await
    .unwrap();
    assert!(
        meta.list(&ListOptions::default().labels("set"))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        meta.get("m0", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );

    // Cluster-scoped resources work the same way.
    let nss = cs
        .metadata()
        .resource(&GroupVersionResource::gvr("", "v1", "namespaces"));
    let default = nss.get("default", &GetOptions::default()).await.unwrap();
    assert_eq!(default.metadata.name.as_deref(), Some("default"));
}

#[tokio::test]
async fn scale_client_by_gvr() {
    let (_server, cs) = start().await;
    let selector = labels(&[("app", "rs")]);
    let rs = ReplicaSet {
        metadata: ObjectMeta {
            name: Some("rs".to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(ReplicaSetSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(selector.clone()),
                ..LabelSelector::default()
            },
            template: Some(PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(selector),
                    ..ObjectMeta::default()
                }),
                spec: Some(k8s_openapi::api::core::v1::PodSpec {
                    containers: vec![k8s_openapi::api::core::v1::Container {
                        name: "c".to_owned(),
                        image: Some("busybox".to_owned()),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
            }),
            ..ReplicaSetSpec::default()
        }),
        ..ReplicaSet::default()
    };
    cs.apps_v1()
        .replica_sets("default")
        .create(&rs, &CreateOptions::default())
        .await
        .unwrap();

    let gvr = GroupVersionResource::gvr("apps", "v1", "replicasets");
    let scales = cs.scales().resource(&gvr).namespace("default");
    assert_eq!(scales.resource(), gvr);
    let mut scale = scales.get("rs", &GetOptions::default()).await.unwrap();
    assert_eq!(scale.spec.as_ref().unwrap().replicas, Some(1));
    scale.spec = Some(ScaleSpec { replicas: Some(4) });
    let updated = scales
        .update(&scale, &UpdateOptions::default())
        .await
        .unwrap();
    assert_eq!(updated.spec.unwrap().replicas, Some(4));
    let patched = scales
        .patch(
            "rs",
            &Patch::Merge(json!({"spec": {"replicas": 2}})),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(patched.spec.unwrap().replicas, Some(2));
    let stored = cs
        .apps_v1()
        .replica_sets("default")
        .get("rs", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(stored.spec.unwrap().replicas, Some(2));

    // A resource without a scale subresource is the server's 404.
    let cms = cs
        .scales()
        .resource(&GroupVersionResource::gvr("", "v1", "configmaps"))
        .namespace("default");
    assert!(
        cms.get("x", &GetOptions::default())
            .await
            .unwrap_err()
            .is_not_found()
    );
}
