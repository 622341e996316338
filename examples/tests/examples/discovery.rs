//! discovery and cached_discovery.

use crate::harness::Env;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_prints_every_group_version_and_resource() {
    let env = Env::start().await;
    let out = env.run("discovery", &[]).await;
    out.assert_success()
        .assert_line_starting("Server version: v1.")
        .assert_line("group core: preferred version v1")
        .assert_line("group apps: preferred version v1")
        .assert_line("[G] [V]v1 [R]pods")
        .assert_line("[G] [V]v1 [R]pods/status")
        .assert_line("[G] [V]v1 [R]configmaps")
        .assert_line("[G]apps [V]v1 [R]deployments")
        .assert_line("[G]apps [V]v1 [R]deployments/scale")
        .assert_line("[G]coordination.k8s.io [V]v1 [R]leases");
    let resources = out.lines().iter().filter(|l| l.starts_with("[G]")).count();
    let summary = format!("{resources} resources in ");
    out.assert_line_starting(&summary);

    // The legacy per-group-version documents describe the same resources.
    let legacy = env.run("discovery", &["--legacy"]).await;
    legacy.assert_success().assert_line_starting(&summary);
    let listing = |s: &str| {
        let mut v: Vec<String> = s
            .lines()
            .filter(|l| l.starts_with("[G]"))
            .map(str::to_owned)
            .collect();
        v.sort();
        v
    };
    assert_eq!(listing(&out.stdout), listing(&legacy.stdout));

    // Preferred resources: no subresources, one version per group-resource.
    let preferred = env.run("discovery", &["--preferred"]).await;
    preferred
        .assert_success()
        .assert_line("[G]apps [V]v1 [R]deployments");
    assert!(
        !preferred.stdout.contains("[R]pods/status"),
        "{}",
        preferred.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_discovery_shows_memory_and_disk_caches() {
    let env = Env::start().await;
    let cache = env.dir.path().join("cache");
    let cache_arg = cache.to_str().expect("utf-8 path");
    let out = env
        .run("cached_discovery", &["--cache-dir", cache_arg])
        .await;
    out.assert_success()
        .assert_line("before the first call: fresh=false")
        .assert_line_starting("server_groups: ")
        .assert_line("after invalidate: fresh=false")
        .assert_line("refetched: fresh=true")
        .assert_line("  servergroups.json")
        .assert_line("  v1/serverresources.json")
        .assert_line("  apps/v1/serverresources.json")
        .assert_line_starting("second client: ")
        .assert_line_starting("second client after invalidate: ");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("first client: ") && l.ends_with("fresh=true")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("second client: ") && l.ends_with("fresh=false")),
        "{}",
        out.stdout
    );

    // kubectl's layout: <cache-dir>/discovery/<host_port>/...
    let host_dir = cache
        .join("discovery")
        .join(format!("127.0.0.1_{}", env.server.addr().port()));
    out.assert_line(&format!(
        "cache directory: {} (ttl 21600s)",
        host_dir.display()
    ));
    for file in [
        "servergroups.json",
        "v1/serverresources.json",
        "apps/v1/serverresources.json",
    ] {
        let path = host_dir.join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_ok(),
            "{} is not JSON",
            path.display()
        );
    }

    // Without --cache-dir the cache goes under $HOME/.kube/cache, as kubectl's does.
    env.run("cached_discovery", &[]).await.assert_success();
    assert!(env.dir.path().join(".kube/cache/discovery").is_dir());
}
