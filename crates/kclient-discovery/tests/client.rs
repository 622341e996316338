//! DiscoveryClient against the test server over HTTPS: every call, aggregated discovery and
//! the legacy fallback, partial failure, OpenAPI.

mod common;

use std::collections::BTreeMap;

use common::{discovery, rest, start, start_legacy};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList;
use kclient_core::ApiError;
use kclient_core::gvk::GroupVersion;
use kclient_discovery::{Discovery, DiscoveryClient, DiscoveryError};
use kclient_testserver::TestServer;

/// `(group-version, resource) → (kind, namespaced, short names, categories)` of a result.
type Summary = BTreeMap<(String, String), (String, bool, Vec<String>, Vec<String>)>;

fn summary(lists: &[APIResourceList]) -> Summary {
    let mut out = BTreeMap::new();
    for list in lists {
        for r in &list.resources {
            out.insert(
                (list.group_version.clone(), r.name.clone()),
                (
                    r.kind.clone(),
                    r.namespaced,
                    r.short_names.clone().unwrap_or_default(),
                    r.categories.clone().unwrap_or_default(),
                ),
            );
        }
    }
    out
}

#[tokio::test]
async fn server_version() {
    let server = start().await;
    let info = discovery(&server).server_version().await.unwrap();
    assert_eq!(info.git_version, "v1.33.0");
    assert_eq!((info.major.as_str(), info.minor.as_str()), ("1", "33"));
}

#[tokio::test]
async fn server_groups_lists_core_first_with_preferred_versions() {
    let server = start().await;
    let groups = discovery(&server).server_groups().await.unwrap();
    let core = &groups.groups[0];
    assert_eq!(core.name, "");
    assert_eq!(core.versions[0].group_version, "v1");
    assert_eq!(
        core.preferred_version.as_ref().map(|v| v.version.as_str()),
        Some("v1")
    );
    let autoscaling = groups
        .groups
        .iter()
        .find(|g| g.name == "autoscaling")
        .expect("autoscaling");
    let versions: Vec<&str> = autoscaling
        .versions
        .iter()
        .map(|v| v.version.as_str())
        .collect();
    assert_eq!(versions, ["v2", "v1"]);
    assert_eq!(
        autoscaling
            .preferred_version
            .as_ref()
            .map(|v| v.group_version.as_str()),
        Some("autoscaling/v2")
    );
    assert!(groups.groups.iter().any(|g| g.name == "apps"));
}

#[tokio::test]
async fn server_resources_for_group_version() {
    let server = start().await;
    let d = discovery(&server);
    let apps = d
        .server_resources_for_group_version(&GroupVersion::new("apps", "v1"))
        .await
        .unwrap();
    assert_eq!(apps.group_version, "apps/v1");
    let deploy = apps
        .resources
        .iter()
        .find(|r| r.name == "deployments")
        .expect("deployments");
    assert_eq!(deploy.kind, "Deployment");
    assert!(deploy.namespaced);
    assert_eq!(
        deploy.short_names.as_deref(),
        Some(&["deploy".to_owned()][..])
    );
    assert!(apps.resources.iter().any(|r| r.name == "deployments/scale"));

    let core = d.server_resources("v1").await.unwrap();
    assert_eq!(core.group_version, "v1");
    let nodes = core.resources.iter().find(|r| r.name == "nodes").unwrap();
    assert!(!nodes.namespaced);

    let missing = d.server_resources("nope.example.com/v1").await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    assert_eq!(missing.status_code(), Some(404));
    let bad = d.server_resources("a/b/c").await.unwrap_err();
    assert!(
        matches!(bad, DiscoveryError::InvalidGroupVersion { .. }),
        "{bad}"
    );
    let empty = d.server_resources("").await.unwrap_err();
    assert!(
        matches!(empty, DiscoveryError::InvalidGroupVersion { .. }),
        "{empty}"
    );
}

#[tokio::test]
async fn aggregated_discovery_brings_resources_with_the_groups() {
    let server = start().await;
    let d = discovery(&server);
    let found = d.groups_and_maybe_resources().await.unwrap();
    let resources = found.resources.expect("aggregated answers carry resources");
    assert!(found.failed.is_empty());
    let apps = &resources[&GroupVersion::new("apps", "v1")];
    assert!(apps.resources.iter().any(|r| r.name == "deployments"));
    // The legacy-only copy of the same client gets no resources with the groups.
    let legacy = d.with_legacy().groups_and_maybe_resources().await.unwrap();
    assert!(legacy.resources.is_none());
    assert_eq!(
        legacy.groups.groups.len(),
        found.groups.groups.len(),
        "same groups either way"
    );
}

#[tokio::test]
async fn legacy_server_falls_back_to_per_group_version_requests() {
    let aggregated_server = start().await;
    let legacy_server = start_legacy().await;
    let legacy = discovery(&legacy_server);
    let found = legacy.groups_and_maybe_resources().await.unwrap();
    assert!(
        found.resources.is_none(),
        "a legacy server sends no resources"
    );

    let from_legacy = legacy.server_groups_and_resources().await.unwrap();
    assert!(from_legacy.is_complete());
    let from_aggregated = discovery(&aggregated_server)
        .server_groups_and_resources()
        .await
        .unwrap();
    assert!(from_aggregated.is_complete());
    let (a, l) = (from_aggregated.value, from_legacy.value);
    let names = |groups: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroup]| {
        groups.iter().map(|g| g.name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&a.groups), names(&l.groups));
    // One list per group-version, in group then version order, the same data both ways.
    let order = |lists: &[APIResourceList]| {
        lists
            .iter()
            .map(|l| l.group_version.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&a.resources), order(&l.resources));
    assert_eq!(order(&a.resources)[0], "v1");
    assert_eq!(summary(&a.resources), summary(&l.resources));
    assert!(summary(&l.resources).len() > 100);
}

/// `gv` answers 503 (an aggregated API server that is down); everything else works.
async fn legacy_with_failing(gv_path: &str) -> (TestServer, DiscoveryClient) {
    let server = start_legacy().await;
    server.faults().fail_path_prefix(gv_path, 503);
    let d = discovery(&server);
    (server, d)
}

#[tokio::test]
async fn partial_failure_names_each_failed_group_version() {
    let (server, d) = legacy_with_failing("/apis/batch/v1").await;
    server.faults().fail_path_prefix("/apis/policy/v1", 503);
    let partial = d.server_groups_and_resources().await.unwrap();
    let failed = partial.failed.as_ref().expect("two group-versions failed");
    let names: Vec<String> = failed.group_versions().map(ToString::to_string).collect();
    assert_eq!(names, ["batch/v1", "policy/v1"]);
    for err in failed.groups.values() {
        assert_eq!(err.status_code(), Some(503), "{err}");
        assert!(err.is_transient());
    }
    let message = failed.to_string();
    assert!(
        message.starts_with("unable to retrieve the complete list of server APIs: batch/v1: "),
        "{message}"
    );
    // Everything else is still there, groups included.
    let value = &partial.value;
    assert!(value.groups.iter().any(|g| g.name == "batch"));
    let gvs: Vec<&str> = value
        .resources
        .iter()
        .map(|l| l.group_version.as_str())
        .collect();
    assert!(gvs.contains(&"apps/v1") && gvs.contains(&"v1"), "{gvs:?}");
    assert!(!gvs.contains(&"batch/v1") && !gvs.contains(&"policy/v1"));

    // Preferred resources report the same failures and keep the rest.
    let preferred = d.server_preferred_resources().await.unwrap();
    let failed: Vec<String> = preferred
        .failed
        .as_ref()
        .expect("failures")
        .group_versions()
        .map(ToString::to_string)
        .collect();
    assert_eq!(failed, ["batch/v1", "policy/v1"]);
    assert!(preferred.value.iter().any(|l| l.group_version == "apps/v1"));
    assert!(preferred.into_result().is_err());

    // Healed: complete again.
    server.faults().clear_path_faults();
    assert!(d.server_groups_and_resources().await.unwrap().is_complete());
}

#[tokio::test]
async fn failing_discovery_root_fails_the_whole_call() {
    let server = start().await;
    server.faults().fail_path_prefix("/apis", 500);
    let err = discovery(&server)
        .server_groups_and_resources()
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), Some(500), "{err}");
    let core_only = discovery(&server)
        .server_resources_for_group_version(&GroupVersion::new("", "v1"))
        .await
        .unwrap();
    assert!(
        !core_only.resources.is_empty(),
        "/api/v1 is outside the fault"
    );
}

#[tokio::test]
async fn preferred_resources_pick_the_preferred_version() {
    let server = start().await;
    let d = discovery(&server);
    let preferred = d
        .server_preferred_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let hpa_in = |gv: &str| {
        preferred
            .iter()
            .find(|l| l.group_version == gv)
            .is_some_and(|l| {
                l.resources
                    .iter()
                    .any(|r| r.name == "horizontalpodautoscalers")
            })
    };
    assert!(hpa_in("autoscaling/v2"));
    assert!(!hpa_in("autoscaling/v1"));
    assert!(
        preferred
            .iter()
            .flat_map(|l| &l.resources)
            .all(|r| !r.name.contains('/'))
    );
    // Every group-resource appears exactly once.
    let mut seen = std::collections::BTreeSet::new();
    for list in &preferred {
        let group = GroupVersion::parse(&list.group_version).unwrap().group;
        for r in &list.resources {
            assert!(
                seen.insert((group.clone(), r.name.clone())),
                "{} twice",
                r.name
            );
        }
    }

    let namespaced = d
        .server_preferred_namespaced_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let all: Vec<&str> = namespaced
        .iter()
        .flat_map(|l| l.resources.iter().map(|r| r.name.as_str()))
        .collect();
    assert!(all.contains(&"pods") && all.contains(&"deployments"));
    assert!(!all.contains(&"nodes") && !all.contains(&"namespaces"));
    assert!(namespaced.iter().all(|l| !l.resources.is_empty()));
}

#[tokio::test]
async fn api_group_resources_feed_mappers() {
    let server = start().await;
    let groups = discovery(&server)
        .api_group_resources()
        .await
        .unwrap()
        .into_result()
        .unwrap();
    let apps = groups.iter().find(|g| g.group.name == "apps").unwrap();
    assert!(
        apps.versioned_resources["v1"]
            .iter()
            .any(|r| r.name == "deployments")
    );
    let autoscaling = groups
        .iter()
        .find(|g| g.group.name == "autoscaling")
        .unwrap();
    assert_eq!(
        autoscaling.versioned_resources.keys().collect::<Vec<_>>(),
        ["v1", "v2"]
    );
}

#[tokio::test]
async fn openapi_v3_index_and_documents() {
    let server = start().await;
    let d = discovery(&server);
    let index = d.openapi_v3().await.unwrap();
    let apps = index.paths.get("apis/apps/v1").expect("apps/v1 document");
    assert!(
        apps.server_relative_url
            .starts_with("/openapi/v3/apis/apps/v1?hash=")
    );
    let doc = d.openapi_v3_document(apps).await.unwrap();
    assert_eq!(doc["openapi"], "3.0.0");
    let kinds: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|p| p["patch"]["x-kubernetes-group-version-kind"]["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"Deployment"), "{kinds:?}");
}

#[tokio::test]
async fn openapi_v2_document_or_not_found() {
    let plain = start().await;
    let err = discovery(&plain).openapi_v2().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");

    let server = TestServer::builder()
        .openapi_v2(true)
        .build()
        .await
        .unwrap();
    let doc = discovery(&server).openapi_v2().await.unwrap();
    assert_eq!(doc["swagger"], "2.0");
    assert!(
        doc["paths"]
            .get("/apis/apps/v1/namespaces/{namespace}/deployments")
            .is_some()
    );
}

#[tokio::test]
async fn for_config_applies_discovery_defaults() {
    let server = start().await;
    let d = DiscoveryClient::for_config(server.config()).unwrap();
    let config = d.rest_client().config();
    assert_eq!(config.burst, kclient_discovery::DISCOVERY_BURST);
    assert_eq!(config.timeout, Some(kclient_discovery::DISCOVERY_TIMEOUT));
    assert!(d.server_groups_and_resources().await.unwrap().is_complete());
    // The REST client is shared, not rebuilt.
    let shared = DiscoveryClient::new(rest(&server));
    assert_eq!(
        shared.rest_client().config().timeout,
        server.config().timeout
    );
}
