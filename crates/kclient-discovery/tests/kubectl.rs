//! The disk cache is kubectl's: the files kubectl writes are read by DiskCachedDiscovery,
//! and the files it writes are read by kubectl (`--cache-dir`), both while the server fails
//! every request — so the answers can only have come from the other client's files.

mod common;

use std::path::Path;
use std::process::Command;

use common::{discovery, start};
use kclient_discovery::{
    CachedDiscovery, DEFAULT_TTL, Discovery, DiskCachedDiscovery, MemCacheClient,
    compute_discovery_cache_dir, default_discovery_cache_dir,
};
use kclient_testserver::TestServer;

/// Runs kubectl without blocking the runtime the test server is served on.
async fn kubectl(kubeconfig: &Path, cache_dir: &Path, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(cache_dir)
        .args(args)
        .output()
        .await
        .expect("kubectl runs")
}

fn setup(server: &TestServer) -> (tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let kubeconfig = root.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).unwrap();
    (root, kubeconfig)
}

#[tokio::test]
async fn reads_the_files_kubectl_wrote() {
    let server = start().await;
    let (root, kubeconfig) = setup(&server);
    let cache_root = root.path().join("cache");
    let out = kubectl(&kubeconfig, &cache_root, &["api-resources", "-o", "name"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let dir = compute_discovery_cache_dir(cache_root.join("discovery"), &server.url());
    assert!(
        dir.join("servergroups.json").is_file(),
        "kubectl wrote no {}",
        dir.display()
    );
    assert!(dir.join("apps/v1/serverresources.json").is_file());

    server.faults().set_error_rate(1.0, 500);
    let cache =
        DiskCachedDiscovery::new(MemCacheClient::new(discovery(&server)), &dir, DEFAULT_TTL);
    let all = cache.server_groups_and_resources().await.unwrap();
    assert!(all.is_complete(), "{:?}", all.failed);
    assert!(all.value.resources.iter().any(
        |l| l.group_version == "apps/v1" && l.resources.iter().any(|r| r.name == "deployments")
    ));
    assert!(!cache.fresh(), "kubectl's files are not ours");
}

#[tokio::test]
async fn kubectl_reads_the_files_we_wrote() {
    let server = start().await;
    let (root, kubeconfig) = setup(&server);
    let cache_root = root.path().join("cache");
    let dir = compute_discovery_cache_dir(cache_root.join("discovery"), &server.url());
    let cache =
        DiskCachedDiscovery::new(MemCacheClient::new(discovery(&server)), &dir, DEFAULT_TTL);
    assert!(
        cache
            .server_groups_and_resources()
            .await
            .unwrap()
            .is_complete()
    );

    // Every request now fails: kubectl can only list resources from our files.
    server.faults().set_error_rate(1.0, 500);
    let out = kubectl(
        &kubeconfig,
        &cache_root,
        &["api-resources", "--cached", "-o", "name"],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<&str> = stdout.lines().collect();
    for want in [
        "pods",
        "deployments.apps",
        "horizontalpodautoscalers.autoscaling",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
}

#[test]
fn default_dir_follows_kubecachedir() {
    // `std::env::set_var` needs `unsafe` in edition 2024 (forbidden here), so the lookup
    // runs in a child process started with the variable set.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "print_default_dir",
            "--nocapture",
            "--include-ignored",
        ])
        .env("KUBECACHEDIR", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let expected = dir.path().join("discovery").join("127.0.0.1_6443");
    assert!(
        stdout.contains(&format!("DIR={}", expected.display())),
        "{stdout}"
    );
}

/// Helper run by `default_dir_follows_kubecachedir` in a child process.
#[test]
#[ignore = "run by default_dir_follows_kubecachedir in a child process"]
fn print_default_dir() {
    let dir = default_discovery_cache_dir("https://127.0.0.1:6443").unwrap();
    println!("DIR={}", dir.display());
}
