//! An empty namespace never silently means "all namespaces" (client-go's reading): every
//! client built for one fails before any I/O, and reads across namespaces go through the
//! all-namespaces clients only.

mod common;

use common::start;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_client::{Api, ApiError, Error, GroupVersionResource};
use kclient_core::{CreateOptions, DeleteOptions, GetOptions, ListOptions};

fn config_map(ns: &str, name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(ns.to_owned()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}

fn assert_empty_namespace_error<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(err @ Error::InvalidRequest(_)) => {
            assert!(err.to_string().contains("empty namespace"), "{err}");
            assert!(
                err.status().is_none(),
                "answered before any request: {err:?}"
            );
        }
        other => panic!("expected an invalid-request error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_empty_namespace_is_an_error_not_all_namespaces() {
    let (_server, cs) = start().await;
    for ns in ["default", "kube-system"] {
        Api::<ConfigMap>::namespaced(cs.client().clone(), ns)
            .create(&config_map(ns, "x"), &CreateOptions::default())
            .await
            .unwrap();
    }

    // The typed client, both ways of building it.
    let empty: Api<ConfigMap> = Api::namespaced(cs.client().clone(), "");
    assert_empty_namespace_error(empty.list(&ListOptions::default()).await);
    assert_empty_namespace_error(empty.get("x", &GetOptions::default()).await);
    assert_empty_namespace_error(empty.watch(&ListOptions::default()).await);
    let pods = cs.core_v1().config_maps("");
    assert_empty_namespace_error(
        pods.delete_collection(&DeleteOptions::default(), &ListOptions::default())
            .await,
    );
    assert_empty_namespace_error(
        Api::<ConfigMap>::all_namespaces(cs.client().clone())
            .namespace("")
            .list(&ListOptions::default())
            .await,
    );

    // The dynamic and metadata clients.
    let gvr = GroupVersionResource::gvr("", "v1", "configmaps");
    assert_empty_namespace_error(
        cs.dynamic()
            .resource(&gvr)
            .namespace("")
            .list(&ListOptions::default())
            .await,
    );
    assert_empty_namespace_error(
        cs.metadata()
            .resource(&gvr)
            .namespace("")
            .list(&ListOptions::default())
            .await,
    );

    // Nothing was deleted, and all namespaces are read through the all-namespaces client.
    let all = Api::<ConfigMap>::all_namespaces(cs.client().clone())
        .list(&ListOptions::default())
        .await
        .unwrap();
    let mut names: Vec<_> = all
        .iter()
        .filter(|cm| cm.metadata.name.as_deref() == Some("x"))
        .map(|cm| cm.metadata.namespace.clone().unwrap_or_default())
        .collect();
    names.sort();
    assert_eq!(names, ["default", "kube-system"]);
}

#[tokio::test]
async fn generic_code_reaches_either_scope() {
    let (_server, cs) = start().await;
    let cms: Api<ConfigMap> = Api::in_scope(cs.client().clone(), Some("default"));
    cms.create(&config_map("default", "g"), &CreateOptions::default())
        .await
        .unwrap();
    let across: Api<ConfigMap> = Api::in_scope(cs.client().clone(), None);
    assert!(
        across
            .list(&ListOptions::default())
            .await
            .unwrap()
            .iter()
            .any(|cm| cm.metadata.name.as_deref() == Some("g"))
    );
    let empty: Api<ConfigMap> = Api::in_scope(cs.client().clone(), Some(""));
    assert_empty_namespace_error(empty.get("g", &GetOptions::default()).await);
}
