//! Lists every resource as `[G]group [V]version [R]resource` (client-go's discovery example),
//! then resolves a few kubectl arguments through the discovery-backed RESTMapper, with the
//! disk cache kubectl uses.
//!
//! Runs against the cluster of `$KUBECONFIG` when set, else against an embedded test server:
//! `cargo run -p kclient-discovery --example discovery`

use kclient_config::{Config, KubeconfigOptions};
use kclient_core::gvk::GroupVersion;
use kclient_discovery::{
    CachedDiscovery, DEFAULT_TTL, Discovery, DiscoveryRestMapper, DiskCachedDiscovery,
    compute_discovery_cache_dir,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (config, _server) = match std::env::var_os("KUBECONFIG") {
        Some(_) => (Config::infer(None, &KubeconfigOptions::default())?, None),
        None => {
            let server = kclient_testserver::TestServer::start().await?;
            (server.config(), Some(server))
        }
    };
    let cache_root = std::env::temp_dir().join("kclient-discovery-example");
    let dir = compute_discovery_cache_dir(cache_root.join("discovery"), &config.host.to_string());
    let cached = DiskCachedDiscovery::for_config(config, &dir, DEFAULT_TTL)?;

    let all = cached.server_groups_and_resources().await?;
    if let Some(failed) = &all.failed {
        eprintln!("warning: {failed}");
    }
    for list in &all.value.resources {
        let gv = GroupVersion::parse(&list.group_version)?;
        for r in &list.resources {
            println!("[G]{} [V]{} [R]{}", gv.group, gv.version, r.name);
        }
    }
    println!("cache: {} (fresh: {})", dir.display(), cached.fresh());

    let mapper = DiscoveryRestMapper::new(cached);
    for arg in ["deploy", "deployments.v1.apps", "Deployment", "hpa", "cm"] {
        let mapping = mapper.mapping_for(arg).await?;
        println!("{arg:>20} -> {} ({:?})", mapping.resource, mapping.scope);
    }
    Ok(())
}
