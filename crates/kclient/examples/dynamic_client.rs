//! The dynamic-client walkthrough: register a CustomResourceDefinition, wait until it is
//! served, then create, list, patch and delete custom objects as `Unstructured` — and read
//! built-in objects dynamically and convert them to typed ones. Runs on the embedded server.

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kclient::dynamic::from_unstructured;
use kclient::{ClientSet, Patch, Unstructured};
use kclient_core::{
    CreateOptions, DeleteOptions, GetOptions, GroupVersionResource, ListOptions, PatchOptions,
};
use serde_json::json;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = kclient_testserver::TestServer::start().await?;
    let clientset = ClientSet::new(server.config())?;

    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "rebootpolicies.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "rebootpolicies", "singular": "rebootpolicy", "kind": "RebootPolicy"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]
        }
    }))?;
    clientset
        .apiextensions_v1()
        .custom_resource_definitions()
        .create(&crd, &CreateOptions::default())
        .await?;

    let gvr = GroupVersionResource::gvr("example.com", "v1", "rebootpolicies");
    let policies = clientset.dynamic().resource(&gvr).namespace("default");
    // A CRD is served once it is established.
    let mut served = false;
    for _ in 0..50 {
        match policies.list(&ListOptions::default()).await {
            Ok(_) => {
                served = true;
                break;
            }
            Err(err) if err.is_not_found() => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(err) => return Err(err.into()),
        }
    }
    if !served {
        return Err("the CRD was never served".into());
    }

    let policy: Unstructured = serde_json::from_value(json!({
        "apiVersion": "example.com/v1", "kind": "RebootPolicy",
        "metadata": {"name": "nightly"},
        "spec": {"schedule": "0 3 * * *"}
    }))?;
    policies.create(&policy, &CreateOptions::default()).await?;
    policies
        .patch(
            "nightly",
            &Patch::Merge(json!({"spec": {"schedule": "0 4 * * *"}})),
            &PatchOptions::default(),
            None,
        )
        .await?;
    for item in policies.list(&ListOptions::default()).await?.items {
        println!(
            "{} schedule={}",
            item.name().unwrap_or_default(),
            item.nested_str(&["spec", "schedule"]).unwrap_or_default()
        );
    }
    policies
        .delete("nightly", &DeleteOptions::default())
        .await?;

    // Built-in kinds work the same way, and convert to their typed form.
    let namespaces =
        clientset
            .dynamic()
            .resource(&GroupVersionResource::gvr("", "v1", "namespaces"));
    let default = namespaces.get("default", &GetOptions::default()).await?;
    let typed: Namespace = from_unstructured(&default)?;
    println!(
        "namespace {} is {}",
        typed.metadata.name.unwrap_or_default(),
        typed.status.and_then(|s| s.phase).unwrap_or_default()
    );
    Ok(())
}
