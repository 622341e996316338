//! DiskCachedDiscovery against the test server: client-go's file layout, TTL, permissions,
//! atomic writes, invalidation and "only our files after invalidate".

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{discovery, start};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroupList, APIResourceList};
use kclient_core::ApiError;
use kclient_core::gvk::GroupVersion;
use kclient_discovery::{
    CachedDiscovery, DEFAULT_TTL, Discovery, DiscoveryClient, DiskCachedDiscovery, MemCacheClient,
    compute_discovery_cache_dir,
};
use kclient_testserver::TestServer;

fn disk(
    server: &TestServer,
    dir: &Path,
    ttl: Duration,
) -> DiskCachedDiscovery<MemCacheClient<DiscoveryClient>> {
    DiskCachedDiscovery::new(MemCacheClient::new(discovery(server)), dir, ttl)
}

fn host_dir(server: &TestServer, root: &Path) -> PathBuf {
    compute_discovery_cache_dir(root.join("discovery"), &server.url())
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn age(path: &Path, by: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - by).unwrap();
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn writes_client_go_layout_with_permissions() {
    let server = start().await;
    let root = tempfile::tempdir().unwrap();
    let dir = host_dir(&server, root.path());
    assert_eq!(
        dir,
        root.path()
            .join("discovery")
            .join(format!("127.0.0.1_{}", server.addr().port()))
    );
    let cache = disk(&server, &dir, DEFAULT_TTL);
    let all = cache.server_groups_and_resources().await.unwrap();
    assert!(all.is_complete());
    assert!(cache.fresh());

    let written = files(&dir);
    assert!(
        written.contains(&"servergroups.json".to_owned()),
        "{written:?}"
    );
    assert!(written.contains(&"v1/serverresources.json".to_owned()));
    assert!(written.contains(&"apps/v1/serverresources.json".to_owned()));
    assert!(written.contains(&"autoscaling/v2/serverresources.json".to_owned()));
    // One file per group-version, the group list, and nothing else (no temp files left).
    assert_eq!(written.len(), all.value.resources.len() + 1, "{written:?}");

    let groups: APIGroupList =
        serde_json::from_slice(&std::fs::read(dir.join("servergroups.json")).unwrap()).unwrap();
    assert_eq!(groups.groups.len(), all.value.groups.len());
    let raw: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("apps/v1/serverresources.json")).unwrap())
            .unwrap();
    assert_eq!(raw["kind"], "APIResourceList");
    assert_eq!(raw["groupVersion"], "apps/v1");

    #[cfg(unix)]
    {
        assert_eq!(mode(&dir), 0o750);
        assert_eq!(mode(&dir.join("apps")), 0o750);
        assert_eq!(mode(&dir.join("apps/v1")), 0o750);
        assert_eq!(mode(&dir.join("servergroups.json")), 0o660);
        assert_eq!(mode(&dir.join("apps/v1/serverresources.json")), 0o660);
    }
}

#[tokio::test]
async fn another_process_reads_the_files_without_asking_the_server() {
    let server = start().await;
    let root = tempfile::tempdir().unwrap();
    let dir = host_dir(&server, root.path());
    let writer = disk(&server, &dir, DEFAULT_TTL);
    let expected = writer.server_groups_and_resources().await.unwrap().value;

    // A second client (another kubectl run) with the server failing everything: all answers
    // come from the files, and the cache is not fresh (the files are not its own).
    server.faults().set_error_rate(1.0, 500);
    let reader = disk(&server, &dir, DEFAULT_TTL);
    let got = reader.server_groups_and_resources().await.unwrap();
    assert!(got.is_complete());
    assert_eq!(got.value.resources.len(), expected.resources.len());
    assert!(!reader.fresh());
    // The writer's own files keep it fresh.
    writer.server_groups().await.unwrap();
    assert!(writer.fresh());
}

#[tokio::test]
async fn expired_files_are_refetched() {
    let server = start().await;
    let root = tempfile::tempdir().unwrap();
    let dir = host_dir(&server, root.path());
    let ttl = Duration::from_secs(600);
    disk(&server, &dir, ttl)
        .server_groups_and_resources()
        .await
        .unwrap();
    let groups_file = dir.join("servergroups.json");
    let apps_file = dir.join("apps/v1/serverresources.json");

    // Within the TTL: answered from the file even though the server fails.
    age(&groups_file, Duration::from_secs(300));
    server.faults().set_error_rate(1.0, 500);
    let within = disk(&server, &dir, ttl);
    assert!(within.server_groups().await.is_ok());

    // Past the TTL: the file is ignored and the (failing) server asked.
    age(&groups_file, Duration::from_secs(601));
    let expired = disk(&server, &dir, ttl);
    let err = expired.server_groups().await.unwrap_err();
    assert_eq!(err.status_code(), Some(500), "{err}");
    age(&apps_file, Duration::from_secs(601));
    assert!(
        expired
            .server_resources_for_group_version(&GroupVersion::new("apps", "v1"))
            .await
            .is_err()
    );

    // Server back: the expired files are rewritten with a fresh modification time.
    server.faults().clear();
    let refreshed = disk(&server, &dir, ttl);
    refreshed
        .server_resources_for_group_version(&GroupVersion::new("apps", "v1"))
        .await
        .unwrap();
    let modified = std::fs::metadata(&apps_file).unwrap().modified().unwrap();
    assert!(modified.elapsed().unwrap_or_default() < Duration::from_secs(60));
    assert!(refreshed.fresh());
}

#[tokio::test]
async fn invalidate_distrusts_other_processes_files() {
    let server = start().await;
    let root = tempfile::tempdir().unwrap();
    let dir = host_dir(&server, root.path());
    disk(&server, &dir, DEFAULT_TTL)
        .server_groups_and_resources()
        .await
        .unwrap();

    let cache = disk(&server, &dir, DEFAULT_TTL);
    cache.server_groups().await.unwrap();
    assert!(!cache.fresh(), "read another process's file");
    cache.invalidate();
    assert!(cache.fresh(), "invalidate resets fresh");

    // After invalidate the other process's files are not trusted: the server is asked.
    server.faults().set_error_rate(1.0, 500);
    assert!(cache.server_groups().await.is_err());
    server.faults().clear();
    let groups = cache.server_groups().await.unwrap();
    assert!(!groups.groups.is_empty());
    assert!(cache.fresh());

    // The file is now ours: trusted again, even with the server failing.
    server.faults().set_error_rate(1.0, 500);
    assert!(cache.server_groups().await.is_ok());
    assert!(cache.fresh());
}

#[tokio::test]
async fn writes_are_atomic_under_concurrency() {
    let server = start().await;
    let root = tempfile::tempdir().unwrap();
    let dir = host_dir(&server, root.path());
    let file = dir.join("apps/v1/serverresources.json");
    // Writers: independent caches rewriting the same files (TTL zero: never trusted).
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let cache = disk(&server, &dir, Duration::ZERO);
            tokio::spawn(async move {
                for _ in 0..15 {
                    cache.invalidate();
                    cache
                        .server_resources_for_group_version(&GroupVersion::new("apps", "v1"))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    // Reader: every time the file exists it is a whole document.
    let reader_file = file.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let mut whole = 0;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while whole < 200 && std::time::Instant::now() < deadline {
            if let Ok(bytes) = std::fs::read(&reader_file) {
                let list: APIResourceList = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("partial file ({} bytes): {e}", bytes.len()));
                assert_eq!(list.group_version, "apps/v1");
                whole += 1;
            }
        }
        whole
    });
    for w in writers {
        w.await.unwrap();
    }
    let whole = reader.await.unwrap();
    assert!(whole > 0);
    // No temporary files left behind.
    assert_eq!(files(&dir.join("apps/v1")), ["serverresources.json"]);
}

#[tokio::test]
async fn corrupt_files_are_replaced() {
    let server = start().await;
    let root = tempfile::tempdir().unwrap();
    let dir = host_dir(&server, root.path());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("servergroups.json"), b"{\"groups\": [trunc").unwrap();
    let cache = disk(&server, &dir, DEFAULT_TTL);
    let groups = cache.server_groups().await.unwrap();
    assert!(!groups.groups.is_empty());
    let rewritten: APIGroupList =
        serde_json::from_slice(&std::fs::read(dir.join("servergroups.json")).unwrap()).unwrap();
    assert_eq!(rewritten.groups.len(), groups.groups.len());
}

#[tokio::test]
async fn for_config_stacks_memory_and_disk() {
    let server = start().await;
    let root = tempfile::tempdir().unwrap();
    let dir = host_dir(&server, root.path());
    let cache = DiskCachedDiscovery::for_config(server.config(), &dir, DEFAULT_TTL).unwrap();
    assert_eq!(cache.dir(), dir);
    assert_eq!(cache.ttl(), DEFAULT_TTL);
    let version = cache.server_version().await.unwrap();
    assert_eq!(version.git_version, "v1.33.0");
    assert!(
        cache
            .server_preferred_resources()
            .await
            .unwrap()
            .is_complete()
    );
    assert!(dir.join("servergroups.json").exists());
    assert!(cache.delegate().fresh());
}
