//! The ground floor: the server's version, discovery (seed 001's `[G] [V] [R]` listing) and
//! the RestClient with client-go's request semantics (watch from a list's resourceVersion,
//! optimistic concurrency, NotFound).

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::List;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::version::Info;
use kclient::ApiError;
use kclient::ClientSet;
use kclient::core::watch::WatchEvent;
use kclient::discovery::{Discovery, DiscoveryClient};
use kclient::rest::{Patch, PatchType, RestClient};
use serde_json::json;

use super::out::Out;
use crate::error::CliError;

pub async fn version(out: &Out, clientset: &ClientSet) -> Result<(), CliError> {
    out.step("GET /version");
    let info: Info = clientset
        .client()
        .get()
        .abs_path(["/version"])
        .into_json()
        .await?;
    out.done(&format!(
        "server {} (platform {})",
        info.git_version, info.platform
    ));
    Ok(())
}

/// Every group, version and resource the server serves, as seed 001's example prints them
/// (a sample here, and the totals).
pub async fn discovery(out: &Out, clientset: &ClientSet) -> Result<(), CliError> {
    out.step("discovery: every group, version and resource ([G] [V] [R])");
    let discovery = DiscoveryClient::new(clientset.client().clone());
    let found = discovery
        .server_groups_and_resources()
        .await
        .map_err(|e| CliError::Discovery(e.to_string()))?;
    if let Some(failed) = &found.failed {
        return Err(CliError::Discovery(failed.to_string()));
    }
    let mut lines = Vec::new();
    for list in &found.value.resources {
        let (group, version) = match list.group_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", list.group_version.as_str()),
        };
        for resource in list.resources.iter().filter(|r| !r.name.contains('/')) {
            lines.push(format!("[{group}] [{version}] [{}]", resource.name));
        }
    }
    if !lines.iter().any(|l| l == "[apps] [v1] [deployments]") {
        return Err(CliError::Check(
            "discovery did not report apps/v1 deployments".into(),
        ));
    }
    out.done(&format!(
        "{} groups, {} group-versions, {} resources",
        found.value.groups.len(),
        found.value.resources.len(),
        lines.len()
    ));
    for line in lines.iter().filter(|l| l.starts_with("[apps]")).take(5) {
        out.detail(line);
    }
    Ok(())
}

/// client-go's RESTClient: raw requests, a watch from a list's resourceVersion, a merge
/// patch, a stale update answered 409, a get after delete answered 404.
pub async fn rest_client(out: &Out, clientset: &ClientSet, ns: &str) -> Result<(), CliError> {
    let client = clientset.client();
    let cms = || {
        client
            .get()
            .prefix(["api", "v1"])
            .namespace(ns)
            .resource("configmaps")
    };
    out.step("RestClient: create a ConfigMap, list it, watch from the list's resourceVersion");
    let created: ConfigMap = write(client, ns)
        .body_json(&json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "demo", "labels": {"app": "kclient-demo"}},
            "data": {"greeting": "hello"}
        }))
        .into_json()
        .await?;
    let list: List<ConfigMap> = cms()
        .param("labelSelector", "app=kclient-demo")
        .into_json()
        .await?;
    if list.items.len() != 1 {
        return Err(CliError::Check(format!(
            "the label selector matched {} configmaps, expected 1",
            list.items.len()
        )));
    }
    let list_rv = list.metadata.resource_version.unwrap_or_default();
    let mut events = cms()
        .param("resourceVersion", &list_rv)
        .param("timeoutSeconds", "30")
        .watch::<ConfigMap>()
        .await?;
    out.done(&format!(
        "GET /api/v1/namespaces/{ns}/configmaps?labelSelector=app=kclient-demo → 1 item at resourceVersion {list_rv}"
    ));

    out.step("RestClient: merge patch, then an update with the stale object");
    client
        .patch(PatchType::Merge)
        .prefix(["api", "v1"])
        .namespace(ns)
        .resource("configmaps")
        .name("demo")
        .patch_body(&Patch::Merge(
            json!({"data": {"greeting": "hello, kclient"}}),
        ))
        .send()
        .await?;
    let stale = client
        .put()
        .prefix(["api", "v1"])
        .namespace(ns)
        .resource("configmaps")
        .name("demo")
        .body_json(&created)
        .send()
        .await;
    match stale {
        Err(err) if err.is_conflict() => out.done("patched; the stale update got 409 Conflict"),
        Err(err) => return Err(err.into()),
        Ok(_) => {
            return Err(CliError::Check(
                "an update with a stale resourceVersion was accepted".into(),
            ));
        }
    }

    out.step("RestClient: delete, then get");
    client
        .delete()
        .prefix(["api", "v1"])
        .namespace(ns)
        .resource("configmaps")
        .name("demo")
        .send()
        .await?;
    match cms().name("demo").send().await {
        Err(err) if err.is_not_found() => out.done("gone: the get answered 404 NotFound"),
        Err(err) => return Err(err.into()),
        Ok(_) => {
            return Err(CliError::Check(
                "the deleted configmap is still there".into(),
            ));
        }
    }

    out.step("the watch saw every change, in order");
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(10), events.next()).await {
            Ok(Some(Ok(WatchEvent::Modified(_)))) => seen.push("MODIFIED"),
            Ok(Some(Ok(WatchEvent::Deleted(_)))) => seen.push("DELETED"),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(err))) => return Err(err.into()),
            Ok(None) | Err(_) => break,
        }
    }
    if seen != ["MODIFIED", "DELETED"] {
        return Err(CliError::Check(format!(
            "watch events were {seen:?}, expected MODIFIED then DELETED"
        )));
    }
    out.done("MODIFIED demo, DELETED demo");
    Ok(())
}

fn write(client: &RestClient, ns: &str) -> kclient::rest::Request {
    client
        .post()
        .prefix(["api", "v1"])
        .namespace(ns)
        .resource("configmaps")
}
