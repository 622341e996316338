//! MemCacheClient against the test server: answers from memory once populated, `fresh` and
//! `invalidate`, cached errors and their retry.

mod common;

use std::sync::Arc;

use common::{create_crd, crontab_crd, discovery, rest, start, start_legacy};
use kclient_core::ApiError;
use kclient_core::gvk::GroupVersion;
use kclient_discovery::{CachedDiscovery, Discovery, DiscoveryError, MemCacheClient};

#[tokio::test]
async fn answers_from_memory_until_invalidated() {
    let server = start().await;
    let cache = MemCacheClient::new(discovery(&server));
    assert!(!cache.fresh(), "nothing fetched yet");
    let first = cache.server_groups_and_resources().await.unwrap();
    assert!(first.is_complete());
    assert!(cache.fresh());

    // The server now fails every request: the cache still answers.
    server.faults().set_error_rate(1.0, 500);
    let groups = cache.server_groups().await.unwrap();
    assert_eq!(groups.groups.len(), first.value.groups.len());
    let apps = cache
        .server_resources_for_group_version(&GroupVersion::new("apps", "v1"))
        .await
        .unwrap();
    assert!(apps.resources.iter().any(|r| r.name == "deployments"));
    let again = cache.server_preferred_resources().await.unwrap();
    assert!(again.is_complete());

    // Invalidated: the next call goes to the (failing) server.
    cache.invalidate();
    assert!(!cache.fresh());
    let err = cache.server_groups().await.unwrap_err();
    assert_eq!(err.status_code(), Some(500), "{err}");
    assert!(!cache.fresh());

    server.faults().clear();
    assert!(cache.server_groups().await.is_ok());
    assert!(cache.fresh());
}

#[tokio::test]
async fn new_resources_appear_only_after_invalidate() {
    let server = start().await;
    let cache = MemCacheClient::new(discovery(&server));
    let gv = GroupVersion::new("stable.example.com", "v1");
    let missing = cache
        .server_resources_for_group_version(&gv)
        .await
        .unwrap_err();
    assert!(
        matches!(missing, DiscoveryError::CacheNotFound(_)),
        "{missing}"
    );

    create_crd(&rest(&server), &crontab_crd()).await;
    let still = cache
        .server_resources_for_group_version(&gv)
        .await
        .unwrap_err();
    assert!(
        matches!(still, DiscoveryError::CacheNotFound(_)),
        "cached view"
    );

    cache.invalidate();
    let found = cache.server_resources_for_group_version(&gv).await.unwrap();
    assert!(found.resources.iter().any(|r| r.name == "crontabs"));
}

#[tokio::test]
async fn legacy_cache_retries_a_transient_failure_once_asked_again() {
    let server = start_legacy().await;
    server.faults().fail_path_prefix("/apis/batch/v1", 503);
    let cache = MemCacheClient::new(discovery(&server));
    let partial = cache.server_groups_and_resources().await.unwrap();
    let failed: Vec<String> = partial
        .failed
        .expect("batch/v1 failed")
        .group_versions()
        .map(ToString::to_string)
        .collect();
    assert_eq!(failed, ["batch/v1"]);
    assert!(cache.fresh(), "the cache is populated despite one failure");

    // The group-version recovered: the cached 503 is transient, so it is fetched again.
    server.faults().clear_path_faults();
    let batch = cache
        .server_resources_for_group_version(&GroupVersion::new("batch", "v1"))
        .await
        .unwrap();
    assert!(batch.resources.iter().any(|r| r.name == "jobs"));
    assert!(
        cache
            .server_groups_and_resources()
            .await
            .unwrap()
            .is_complete()
    );
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh() {
    let server = start().await;
    let cache = Arc::new(MemCacheClient::new(discovery(&server)));
    let calls = (0..8).map(|_| {
        let cache = cache.clone();
        tokio::spawn(async move { cache.server_groups_and_resources().await })
    });
    let results = futures::future::join_all(calls).await;
    let lens: Vec<usize> = results
        .into_iter()
        .map(|r| r.unwrap().unwrap().value.resources.len())
        .collect();
    assert!(
        lens.windows(2).all(|w| w[0] == w[1]) && lens[0] > 10,
        "{lens:?}"
    );
    // Shared through Arc, the cache is still a CachedDiscovery.
    fn assert_cached<D: CachedDiscovery>(_: &D) {}
    assert_cached(&cache);
    assert!(cache.fresh());
}
