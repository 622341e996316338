//! A CustomResourceDefinition, served once the server has it, and custom objects through the
//! DynamicClient.

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kclient::ApiError;
use kclient::discovery::{Discovery, DiscoveryClient};
use kclient::{ClientSet, CreateOptions, DeleteOptions, GroupVersionResource, ListOptions};
use kclient::{Unstructured, UnstructuredList};
use serde_json::json;

use super::out::Out;
use crate::error::CliError;

const GROUP: &str = "demo.kclient.io";
const CRD_NAME: &str = "widgets.demo.kclient.io";

fn crd() -> Result<CustomResourceDefinition, CliError> {
    serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD_NAME},
        "spec": {
            "group": GROUP, "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wdg"]},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {
                    "type": "object", "x-kubernetes-preserve-unknown-fields": true
                }}
            }]
        }
    }))
    .map_err(|e| CliError::Check(format!("the demo CRD does not decode: {e}")))
}

pub async fn custom_resources(out: &Out, clientset: &ClientSet, ns: &str) -> Result<(), CliError> {
    out.step(&format!(
        "CRD: create {CRD_NAME} and wait until it is served"
    ));
    let crds = clientset.apiextensions_v1().custom_resource_definitions();
    crds.create(&crd()?, &CreateOptions::default()).await?;
    let result = objects(out, clientset, ns).await;
    // The CRD is cluster-wide: remove it even when a step failed.
    crds.delete(CRD_NAME, &DeleteOptions::default()).await?;
    result?;
    let discovery = DiscoveryClient::new(clientset.client().clone());
    let gv = format!("{GROUP}/v1");
    out.wait_for(
        "the CRD to leave discovery",
        Duration::from_secs(30),
        || async {
            let served = discovery.server_resources(&gv).await;
            served.is_err_and(|e| e.is_not_found()).then_some(())
        },
    )
    .await?;
    out.done(&format!("CRD deleted: /apis/{gv} is no longer served"));
    Ok(())
}

async fn objects(out: &Out, clientset: &ClientSet, ns: &str) -> Result<(), CliError> {
    let discovery = DiscoveryClient::new(clientset.client().clone());
    let gv = format!("{GROUP}/v1");
    out.wait_for(
        "the widgets resource in discovery",
        Duration::from_secs(30),
        || async {
            let list = discovery.server_resources(&gv).await.ok()?;
            list.resources
                .iter()
                .any(|r| r.name == "widgets")
                .then_some(())
        },
    )
    .await?;
    out.done(&format!("/apis/{gv} serves widgets"));

    out.step("DynamicClient: create and list custom objects");
    let gvr = GroupVersionResource::gvr(GROUP, "v1", "widgets");
    let widgets = clientset.dynamic().resource(&gvr).namespace(ns);
    for (name, size) in [("gear", 3), ("sprocket", 5)] {
        let object = Unstructured::try_from(json!({
            "apiVersion": gv, "kind": "Widget",
            "metadata": {"name": name, "labels": {"app": "kclient-demo"}},
            "spec": {"size": size}
        }))
        .map_err(|e| CliError::Check(format!("widget object: {e}")))?;
        widgets.create(&object, &CreateOptions::default()).await?;
    }
    let list: UnstructuredList = widgets.list(&ListOptions::default()).await?;
    let mut sizes: Vec<(String, i64)> = list
        .items
        .iter()
        .map(|w| {
            let name = w.name().unwrap_or_default().to_owned();
            let size = w
                .nested(&["spec", "size"])
                .and_then(|v| v.as_i64())
                .unwrap_or(0);
            (name, size)
        })
        .collect();
    sizes.sort();
    if sizes != [("gear".to_owned(), 3), ("sprocket".to_owned(), 5)] {
        return Err(CliError::Check(format!("listed widgets {sizes:?}")));
    }
    out.done(&format!(
        "{} of kind {}: gear (size 3), sprocket (size 5)",
        list.items.len(),
        list.items[0].kind().unwrap_or_default()
    ));
    Ok(())
}
