//! `kc demo`: a walkthrough of the client against the embedded API server, or against the
//! cluster of an explicit kubeconfig (`--kubeconfig` or `$KUBECONFIG`), in a namespace it
//! creates and removes. Every step checks what it printed and fails the command otherwise.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use k8s_openapi::List;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroupList, APIResourceList, APIVersions};
use k8s_openapi::apimachinery::pkg::version::Info;
use kclient_config::Config;
use kclient_core::watch::WatchEvent;
use kclient_rest::{Patch, PatchType, RestClient};
use kclient_testserver::TestServer;
use serde_json::json;

use crate::cli::{DemoArgs, GlobalFlags};
use crate::error::CliError;

pub async fn run(flags: &GlobalFlags, args: &DemoArgs) -> Result<(), CliError> {
    // An explicit kubeconfig means "run against that cluster"; otherwise the demo must not
    // touch whatever ~/.kube/config points at, so it starts its own server.
    let explicit = flags.kubeconfig.is_some() || std::env::var_os("KUBECONFIG").is_some();
    let server = if explicit {
        None
    } else {
        step("starting the embedded API server");
        let server = TestServer::start()
            .await
            .map_err(|e| CliError::TestServer(e.to_string()))?;
        done(&format!("listening on {}", server.url()));
        Some(server)
    };
    let config = match &server {
        Some(server) => server.config(),
        None => flags.config()?,
    };
    let result = walkthrough(config, args).await;
    if let Some(server) = server {
        server.shutdown().await;
    }
    result?;
    println!("\ndemo finished: every step above was verified");
    Ok(())
}

async fn walkthrough(config: Config, args: &DemoArgs) -> Result<(), CliError> {
    let client = RestClient::new(config)?;
    version(&client).await?;
    discovery(&client).await?;

    let ns = demo_namespace();
    step(&format!("creating namespace {ns}"));
    let namespace: Namespace = client
        .post()
        .prefix(["api", "v1"])
        .resource("namespaces")
        .body_json(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}))
        .into_json()
        .await?;
    done(&format!(
        "uid {}",
        namespace.metadata.uid.as_deref().unwrap_or("?")
    ));

    let outcome = configmaps(&client, &ns).await;
    if args.keep {
        println!("keeping namespace {ns} (--keep)");
    } else {
        step(&format!("deleting namespace {ns}"));
        client
            .delete()
            .prefix(["api", "v1"])
            .resource("namespaces")
            .name(&ns)
            .send()
            .await?;
        done("deleted");
    }
    outcome
}

async fn version(client: &RestClient) -> Result<(), CliError> {
    step("GET /version");
    let info: Info = client.get().abs_path(["/version"]).into_json().await?;
    done(&format!(
        "server {} ({}/{})",
        info.git_version, info.major, info.minor
    ));
    Ok(())
}

/// Seed 001's `[G] [V] [R]` listing, shortened to a count per group plus a sample.
async fn discovery(client: &RestClient) -> Result<(), CliError> {
    step("discovery: /api and /apis");
    let core: APIVersions = client.get().abs_path(["/api"]).into_json().await?;
    let groups: APIGroupList = client.get().abs_path(["/apis"]).into_json().await?;
    let mut group_versions: Vec<(String, String)> = core
        .versions
        .iter()
        .map(|v| (String::new(), v.clone()))
        .collect();
    for group in &groups.groups {
        if let Some(preferred) = &group.preferred_version {
            group_versions.push((group.name.clone(), preferred.version.clone()));
        }
    }
    let mut total = 0;
    let mut sample = Vec::new();
    for (group, version) in &group_versions {
        let path = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        let list: APIResourceList = client.get().abs_path([path]).into_json().await?;
        let top_level = list.resources.iter().filter(|r| !r.name.contains('/'));
        for resource in top_level {
            total += 1;
            if sample.len() < 6 && (group.is_empty() || group == "apps") {
                sample.push(format!("[{group}] [{version}] [{}]", resource.name));
            }
        }
    }
    if total == 0 {
        return Err(CliError::Check("discovery returned no resources".into()));
    }
    done(&format!(
        "{} group-versions, {total} resources",
        group_versions.len()
    ));
    for line in sample {
        println!("    {line}");
    }
    Ok(())
}

async fn configmaps(client: &RestClient, ns: &str) -> Result<(), CliError> {
    let cms = || {
        client
            .get()
            .prefix(["api", "v1"])
            .namespace(ns)
            .resource("configmaps")
    };

    step("create, then watch for changes from the list's resourceVersion");
    let created: ConfigMap = client
        .post()
        .prefix(["api", "v1"])
        .namespace(ns)
        .resource("configmaps")
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
            "label selector matched {} configmaps, expected 1",
            list.items.len()
        )));
    }
    let list_rv = list.metadata.resource_version.unwrap_or_default();
    let mut events = cms()
        .param("resourceVersion", &list_rv)
        .param("timeoutSeconds", "30")
        .watch::<ConfigMap>()
        .await?;
    done(&format!("listed at resourceVersion {list_rv}, watching"));

    step("merge patch, then an update with a stale resourceVersion");
    let patch = Patch::Merge(json!({"data": {"greeting": "hello, kclient"}}));
    let patched: ConfigMap = client
        .patch(PatchType::Merge)
        .prefix(["api", "v1"])
        .namespace(ns)
        .resource("configmaps")
        .name("demo")
        .patch_body(&patch)
        .into_json()
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
        Err(err) if err.is_conflict() => done("patched; the stale update got 409 Conflict"),
        Err(err) => return Err(err.into()),
        Ok(_) => {
            return Err(CliError::Check(
                "an update with a stale resourceVersion was accepted".into(),
            ));
        }
    }

    step("delete, then get");
    client
        .delete()
        .prefix(["api", "v1"])
        .namespace(ns)
        .resource("configmaps")
        .name("demo")
        .send()
        .await?;
    match cms().name("demo").send().await {
        Err(err) if err.is_not_found() => done("gone: the get answered 404 NotFound"),
        Err(err) => return Err(err.into()),
        Ok(_) => {
            return Err(CliError::Check(
                "the deleted configmap is still there".into(),
            ));
        }
    }

    step("the watch saw every change");
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let next = tokio::time::timeout(Duration::from_secs(10), events.next()).await;
        match next {
            Ok(Some(Ok(WatchEvent::Modified(cm)))) => seen.push(("MODIFIED", cm)),
            Ok(Some(Ok(WatchEvent::Deleted(cm)))) => seen.push(("DELETED", cm)),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(err))) => return Err(err.into()),
            Ok(None) | Err(_) => break,
        }
    }
    let kinds: Vec<&str> = seen.iter().map(|(kind, _)| *kind).collect();
    let patched_rv = patched.metadata.resource_version;
    let modified_rv = seen
        .first()
        .and_then(|(_, cm)| cm.metadata.resource_version.clone());
    if kinds != ["MODIFIED", "DELETED"] || modified_rv != patched_rv {
        return Err(CliError::Check(format!(
            "watch events were {kinds:?}, expected MODIFIED then DELETED"
        )));
    }
    done("MODIFIED demo, DELETED demo");
    Ok(())
}

fn demo_namespace() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("kclient-demo-{:05x}", nanos & 0xfffff)
}

fn step(what: &str) {
    println!("• {what} …");
}

fn done(what: &str) {
    println!("  ✓ {what}");
}
