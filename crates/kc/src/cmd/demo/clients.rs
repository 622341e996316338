//! The typed ClientSet (seed 000's nginx Deployment) and the DynamicClient with conversion to
//! typed objects (seed 001).

use k8s_openapi::api::apps::v1::Deployment;
use kclient::{ClientSet, CreateOptions, GetOptions, GroupVersionResource, ListOptions, Patch};
use kclient::{PatchOptions, Resource, UpdateOptions};
use serde_json::json;

use super::out::Out;
use crate::error::CliError;

/// Seed 000's Deployment: two nginx replicas, `app=demo`.
fn nginx_deployment() -> Result<Deployment, CliError> {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "demo-deployment", "labels": {"app": "demo"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {"containers": [{
                    "name": "web", "image": "nginx:1.12",
                    "ports": [{"name": "http", "protocol": "TCP", "containerPort": 80}]
                }]}
            }
        }
    }))
    .map_err(|e| CliError::Check(format!("the demo Deployment does not decode: {e}")))
}

pub async fn deployment(out: &Out, clientset: &ClientSet, ns: &str) -> Result<(), CliError> {
    out.step("ClientSet: clientset.apps_v1().deployments(ns).create(nginx)");
    let deployments = clientset.apps_v1().deployments(ns);
    let created = deployments
        .create(&nginx_deployment()?, &CreateOptions::default())
        .await?;
    out.done(&format!(
        "created deployment {:?} (generation {})",
        created.metadata.name.as_deref().unwrap_or_default(),
        created.metadata.generation.unwrap_or_default()
    ));

    out.step("ClientSet: update the image, then scale through the scale subresource");
    let mut current = deployments
        .get("demo-deployment", &GetOptions::default())
        .await?;
    if let Some(container) = current
        .spec
        .as_mut()
        .and_then(|s| s.template.spec.as_mut())
        .and_then(|s| s.containers.first_mut())
    {
        container.image = Some("nginx:1.13".into());
    }
    let updated = deployments
        .update(&current, &UpdateOptions::default())
        .await?;
    let scale = deployments
        .patch_scale(
            "demo-deployment",
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
            &PatchOptions::default(),
        )
        .await?;
    let replicas = scale.spec.and_then(|s| s.replicas);
    let generation = updated.metadata.generation.unwrap_or_default();
    if replicas != Some(3) || generation < 2 {
        return Err(CliError::Check(format!(
            "scale reports {replicas:?} replicas and generation {generation}"
        )));
    }
    out.done(&format!(
        "image nginx:1.13 (generation {generation}), scale.spec.replicas = 3"
    ));

    out.step("ClientSet: list with a label selector");
    let listed = deployments
        .list(&ListOptions::default().labels("app=demo"))
        .await?;
    if listed.items.len() != 1 {
        return Err(CliError::Check(format!(
            "{} deployments match app=demo, expected 1",
            listed.items.len()
        )));
    }
    out.done(&format!(
        "1 deployment at resourceVersion {}",
        listed.resource_version().unwrap_or_default()
    ));
    Ok(())
}

pub async fn dynamic_to_typed(out: &Out, clientset: &ClientSet, ns: &str) -> Result<(), CliError> {
    out.step("DynamicClient: list apps/v1 deployments as Unstructured, convert to typed");
    let gvr: GroupVersionResource = Deployment::gvr();
    let list = clientset
        .dynamic()
        .resource(&gvr)
        .namespace(ns)
        .list(&ListOptions::default())
        .await?;
    let typed: Vec<Deployment> = list
        .items
        .iter()
        .map(|u| u.to_typed::<Deployment>())
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::Check(format!("conversion to typed failed: {e}")))?;
    let replicas = typed
        .first()
        .and_then(|d| d.spec.as_ref())
        .and_then(|s| s.replicas);
    if typed.len() != 1 || replicas != Some(3) {
        return Err(CliError::Check(format!(
            "dynamic list gave {} deployments with replicas {replicas:?}",
            typed.len()
        )));
    }
    out.done(&format!(
        "{} item(s) of kind {}; typed spec.replicas = 3",
        typed.len(),
        list.items[0].kind().unwrap_or_default()
    ));
    Ok(())
}
