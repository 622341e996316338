//! DiscoveryRestMapper against the test server: kubectl's resolution table, lazy loading,
//! reload on a miss (a CRD created at run time), the reload limit, categories.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{create_crd, crontab_crd, discovery, rest, start, start_legacy};
use kclient_core::gvk::{GroupKind, GroupVersionKind, GroupVersionResource};
use kclient_core::resource::Scope;
use kclient_discovery::{DiscoveryRestMapper, MemCacheClient, ReloadLimit};
use kclient_testserver::TestServer;

fn mapper(
    server: &TestServer,
) -> DiscoveryRestMapper<MemCacheClient<kclient_discovery::DiscoveryClient>> {
    DiscoveryRestMapper::new(MemCacheClient::new(discovery(server)))
}

/// kubectl's argument forms and what they resolve to.
const TABLE: &[(&str, &str)] = &[
    ("deploy", "apps/v1, Resource=deployments"),
    ("deployments", "apps/v1, Resource=deployments"),
    ("deployment", "apps/v1, Resource=deployments"),
    ("Deployment", "apps/v1, Resource=deployments"),
    ("deployments.apps", "apps/v1, Resource=deployments"),
    ("deploy.apps", "apps/v1, Resource=deployments"),
    ("deployments.v1.apps", "apps/v1, Resource=deployments"),
    ("Deployment.v1.apps", "apps/v1, Resource=deployments"),
    ("Deployment.apps", "apps/v1, Resource=deployments"),
    ("po", "/v1, Resource=pods"),
    ("pods", "/v1, Resource=pods"),
    ("pod", "/v1, Resource=pods"),
    ("svc", "/v1, Resource=services"),
    ("cm", "/v1, Resource=configmaps"),
    ("ns", "/v1, Resource=namespaces"),
    ("no", "/v1, Resource=nodes"),
    ("hpa", "autoscaling/v2, Resource=horizontalpodautoscalers"),
    (
        "horizontalpodautoscalers.v1.autoscaling",
        "autoscaling/v1, Resource=horizontalpodautoscalers",
    ),
    (
        "crd",
        "apiextensions.k8s.io/v1, Resource=customresourcedefinitions",
    ),
    ("cj", "batch/v1, Resource=cronjobs"),
    ("sts", "apps/v1, Resource=statefulsets"),
];

#[tokio::test]
async fn resolves_kubectl_arguments() {
    let server = start().await;
    let m = mapper(&server);
    for (arg, want) in TABLE {
        let mapping = m
            .mapping_for(arg)
            .await
            .unwrap_or_else(|e| panic!("{arg}: {e}"));
        assert_eq!(mapping.resource.to_string(), *want, "{arg}");
    }
    let deploy = m.mapping_for("deploy").await.unwrap();
    assert_eq!(
        deploy.group_version_kind,
        GroupVersionKind::gvk("apps", "v1", "Deployment")
    );
    assert_eq!(deploy.scope, Scope::Namespaced);
    assert_eq!(m.mapping_for("nodes").await.unwrap().scope, Scope::Cluster);

    let unknown = m.mapping_for("nosuchthing").await.unwrap_err();
    assert!(unknown.is_no_match());
    assert_eq!(
        unknown.to_string(),
        r#"the server doesn't have a resource type "nosuchthing""#
    );
}

#[tokio::test]
async fn restmapper_methods() {
    let server = start().await;
    let m = mapper(&server);
    let partial = GroupVersionResource::gvr("", "", "deploy");
    assert_eq!(
        m.kind_for(&partial).await.unwrap(),
        GroupVersionKind::gvk("apps", "v1", "Deployment")
    );
    assert_eq!(
        m.resource_for(&partial).await.unwrap(),
        GroupVersionResource::gvr("apps", "v1", "deployments")
    );
    let hpas = m
        .resources_for(&GroupVersionResource::gvr(
            "",
            "",
            "horizontalpodautoscalers",
        ))
        .await
        .unwrap();
    assert_eq!(
        hpas,
        [
            GroupVersionResource::gvr("autoscaling", "v2", "horizontalpodautoscalers"),
            GroupVersionResource::gvr("autoscaling", "v1", "horizontalpodautoscalers"),
        ]
    );
    let kinds = m
        .kinds_for(&GroupVersionResource::gvr("autoscaling", "", "hpa"))
        .await
        .unwrap();
    assert_eq!(
        kinds[0],
        GroupVersionKind::gvk("autoscaling", "v2", "HorizontalPodAutoscaler")
    );
    let mapping = m
        .rest_mapping(
            &GroupKind::new("autoscaling", "HorizontalPodAutoscaler"),
            &["v1"],
        )
        .await
        .unwrap();
    assert_eq!(mapping.resource.version, "v1");
    let mappings = m
        .rest_mappings(
            &GroupKind::new("autoscaling", "HorizontalPodAutoscaler"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(mappings.len(), 2);
    assert_eq!(m.resource_singularizer("pods").await.unwrap(), "pod");
    assert_eq!(
        m.resource_singularizer("deploy").await.unwrap(),
        "deployment"
    );
    let none = m
        .rest_mapping(&GroupKind::new("apps", "Nope"), &[])
        .await
        .unwrap_err();
    assert!(none.is_no_match());
    assert_eq!(
        none.to_string(),
        r#"no matches for kind "Nope" in group "apps""#
    );
}

#[tokio::test]
async fn loads_lazily_once() {
    let server = start().await;
    let m = mapper(&server);
    assert_eq!(m.loads(), 0, "nothing fetched before the first lookup");
    m.mapping_for("deploy").await.unwrap();
    m.mapping_for("svc").await.unwrap();
    m.kind_for(&GroupVersionResource::gvr("", "", "pods"))
        .await
        .unwrap();
    assert_eq!(m.loads(), 1);
    // The snapshot is a synchronous RESTMapper.
    let resolver = m.resolver().await.unwrap();
    use kclient_core::restmapper::RestMapper;
    assert_eq!(
        resolver
            .mapper()
            .resource_for(&GroupVersionResource::gvr("", "", "cm"))
            .unwrap()
            .resource,
        "configmaps"
    );
    m.reset();
    m.mapping_for("deploy").await.unwrap();
    assert_eq!(m.loads(), 2, "reset forces a reload");
}

#[tokio::test]
async fn a_crd_created_at_run_time_is_found_by_reloading() {
    let server = start().await;
    let m = mapper(&server);
    m.mapping_for("deploy").await.unwrap();
    assert_eq!(m.loads(), 1);
    create_crd(&rest(&server), &crontab_crd()).await;

    for arg in [
        "crontabs",
        "ct",
        "CronTab",
        "crontabs.stable.example.com",
        "crontabs.v1.stable.example.com",
    ] {
        let mapping = m
            .mapping_for(arg)
            .await
            .unwrap_or_else(|e| panic!("{arg}: {e}"));
        assert_eq!(
            mapping.resource,
            GroupVersionResource::gvr("stable.example.com", "v1", "crontabs"),
            "{arg}"
        );
        assert_eq!(mapping.scope, Scope::Namespaced);
    }
    assert_eq!(
        m.loads(),
        2,
        "one reload found the CRD; later lookups hit the new data"
    );
}

#[tokio::test]
async fn misses_reload_within_the_limit_only() {
    let server = start().await;
    let m = DiscoveryRestMapper::with_reload_limit(
        MemCacheClient::new(discovery(&server)),
        ReloadLimit {
            burst: 2,
            refill: Duration::from_secs(3600),
        },
    );
    for _ in 0..10 {
        assert!(
            m.mapping_for("nosuchthing")
                .await
                .unwrap_err()
                .is_no_match()
        );
    }
    assert_eq!(
        m.loads(),
        3,
        "first load + a burst of two reloads, then none"
    );

    // Out of tokens, a new CRD is not seen; a reset brings it in.
    create_crd(&rest(&server), &crontab_crd()).await;
    assert!(m.mapping_for("ct").await.unwrap_err().is_no_match());
    m.reset();
    assert!(m.mapping_for("ct").await.is_ok());

    let never = DiscoveryRestMapper::with_reload_limit(
        MemCacheClient::new(discovery(&server)),
        ReloadLimit::never(),
    );
    assert!(never.mapping_for("nosuchthing").await.is_err());
    assert!(never.mapping_for("nosuchthing").await.is_err());
    assert_eq!(never.loads(), 1);
}

#[tokio::test]
async fn concurrent_misses_share_one_reload() {
    let server = start().await;
    let m = Arc::new(mapper(&server));
    m.mapping_for("deploy").await.unwrap();
    create_crd(&rest(&server), &crontab_crd()).await;
    let lookups = (0..6).map(|_| {
        let m = m.clone();
        tokio::spawn(async move { m.mapping_for("ct").await })
    });
    for result in futures::future::join_all(lookups).await {
        assert_eq!(result.unwrap().unwrap().resource.resource, "crontabs");
    }
    assert_eq!(m.loads(), 2, "one reload served every waiting miss");
}

#[tokio::test]
async fn category_all_expands_like_kubectl_get_all() {
    let server = start().await;
    let m = mapper(&server);
    let all = m.expand_category("all").await.unwrap().expect("all");
    let names: Vec<String> = all.iter().map(ToString::to_string).collect();
    for want in [
        "pods",
        "services",
        "deployments.apps",
        "replicasets.apps",
        "statefulsets.apps",
        "jobs.batch",
        "cronjobs.batch",
    ] {
        assert!(
            names.contains(&want.to_owned()),
            "{want} missing from {names:?}"
        );
    }
    assert!(!names.contains(&"configmaps".to_owned()));
    assert!(!names.contains(&"secrets".to_owned()));
    assert_eq!(m.expand_category("nosuchcategory").await.unwrap(), None);

    let mappings = m.mappings_for("all,cm").await.unwrap();
    let resources: Vec<String> = mappings
        .iter()
        .map(|m| m.resource.resource.clone())
        .collect();
    assert!(resources.contains(&"pods".to_owned()) && resources.contains(&"configmaps".to_owned()));
    let mut unique = resources.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        resources.len(),
        "each resource once: {resources:?}"
    );

    // A CRD in category `all` joins it after a reload.
    create_crd(&rest(&server), &crontab_crd()).await;
    m.reset();
    let all = m.expand_category("all").await.unwrap().unwrap();
    assert!(
        all.iter()
            .any(|gr| gr.to_string() == "crontabs.stable.example.com")
    );
}

#[tokio::test]
async fn legacy_discovery_feeds_the_same_mappings() {
    let server = start_legacy().await;
    let m = mapper(&server);
    for (arg, want) in TABLE {
        let mapping = m
            .mapping_for(arg)
            .await
            .unwrap_or_else(|e| panic!("{arg}: {e}"));
        assert_eq!(mapping.resource.to_string(), *want, "{arg}");
    }
}

#[tokio::test]
async fn partial_discovery_maps_what_was_found() {
    let server = start_legacy().await;
    server.faults().fail_path_prefix("/apis/batch/v1", 503);
    let m = mapper(&server);
    assert!(m.mapping_for("deploy").await.is_ok());
    let failed = m.failed_group_versions().expect("batch/v1 failed");
    assert_eq!(
        failed
            .group_versions()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["batch/v1"]
    );
    assert!(m.mapping_for("cj").await.unwrap_err().is_no_match());
    // Healed: the next miss reloads and finds it.
    server.faults().clear_path_faults();
    assert_eq!(
        m.mapping_for("cj").await.unwrap().resource.to_string(),
        "batch/v1, Resource=cronjobs"
    );
}

#[tokio::test]
async fn unreachable_discovery_is_a_discovery_error() {
    let server = start().await;
    server.faults().set_error_rate(1.0, 500);
    let m = mapper(&server);
    let err = m.mapping_for("deploy").await.unwrap_err();
    assert!(!err.is_no_match());
    assert!(err.mapping_error().is_none(), "{err}");
    assert!(
        err.to_string().starts_with("failed to load discovery data"),
        "{err}"
    );
}

#[tokio::test]
async fn stale_files_from_another_process_are_reloaded_whatever_the_limit() {
    use kclient_discovery::{CachedDiscovery, DEFAULT_TTL, DiskCachedDiscovery};
    let server = start().await;
    let dir = tempfile::tempdir().unwrap();
    // Another process cached discovery before the CRD existed.
    let other = DiskCachedDiscovery::new(
        MemCacheClient::new(discovery(&server)),
        dir.path(),
        DEFAULT_TTL,
    );
    kclient_discovery::Discovery::server_groups_and_resources(&other)
        .await
        .unwrap();
    create_crd(&rest(&server), &crontab_crd()).await;

    // Misses may never reload by the limit, but the data came from files this process did
    // not write (not fresh), so the miss reloads from the server and finds the CRD.
    let cache = DiskCachedDiscovery::new(
        MemCacheClient::new(discovery(&server)),
        dir.path(),
        DEFAULT_TTL,
    );
    let m = DiscoveryRestMapper::with_reload_limit(cache, ReloadLimit::never());
    assert_eq!(
        m.mapping_for("deploy").await.unwrap().resource.resource,
        "deployments"
    );
    assert!(!m.discovery().fresh());
    let ct = m.mapping_for("ct").await.unwrap();
    assert_eq!(
        ct.resource.to_string(),
        "stable.example.com/v1, Resource=crontabs"
    );
    assert_eq!(m.loads(), 2);
    assert!(m.discovery().fresh(), "reloaded data is this process's own");
    // Fresh now: further misses respect the limit.
    assert!(
        m.mapping_for("nosuchthing")
            .await
            .unwrap_err()
            .is_no_match()
    );
    assert_eq!(m.loads(), 2);
}
