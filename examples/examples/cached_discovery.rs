//! Cached discovery: the in-memory cache (client-go's `memory.NewMemCacheClient`) and the
//! disk cache kubectl uses (`disk.NewCachedDiscoveryClientForConfig`, `~/.kube/cache/discovery`).
//! Shows when answers are `fresh`, what `invalidate` does, and the files on disk.
//!
//! ```text
//! cargo run -p kclient-examples --example cached_discovery -- --kubeconfig ~/.kube/config \
//!     --cache-dir /tmp/kclient-cache
//! ```

use std::path::{Path, PathBuf};

use clap::Parser;
use kclient::discovery::{
    CachedDiscovery, DEFAULT_TTL, Discovery, DiscoveryClient, DiskCachedDiscovery, MemCacheClient,
    compute_discovery_cache_dir, default_cache_dir,
};
use kclient_examples::{ConfigFlags, parse_duration};

/// Discovery through the memory and disk caches.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    config: ConfigFlags,
    /// The cache root (kubectl's --cache-dir). Default: $KUBECACHEDIR, else ~/.kube/cache.
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// How long cached files are trusted. Default: kubectl's 6h.
    #[arg(long, value_parser = parse_duration)]
    ttl: Option<std::time::Duration>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    kclient_examples::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    kclient_examples::init_logging();
    let args = Args::parse();
    let config = args.config.load()?;

    println!("== memory cache");
    let memory = MemCacheClient::new(DiscoveryClient::for_config(config.clone())?);
    println!("before the first call: fresh={}", memory.fresh());
    let groups = memory.server_groups().await?;
    println!(
        "server_groups: {} groups; fresh={}",
        groups.groups.len(),
        memory.fresh()
    );
    let all = memory.server_groups_and_resources().await?;
    println!(
        "server_groups_and_resources: {} group-versions from memory",
        all.value.resources.len()
    );
    memory.invalidate();
    println!("after invalidate: fresh={}", memory.fresh());
    memory.server_groups().await?;
    println!("refetched: fresh={}", memory.fresh());

    println!("== disk cache");
    let root = args
        .cache_dir
        .or_else(default_cache_dir)
        .ok_or("no --cache-dir and no home directory")?;
    let dir = compute_discovery_cache_dir(root.join("discovery"), &config.host.to_string());
    let ttl = args.ttl.unwrap_or(DEFAULT_TTL);
    println!("cache directory: {} (ttl {ttl:?})", dir.display());

    let first = DiskCachedDiscovery::for_config(config.clone(), &dir, ttl)?;
    let resources = first.server_groups_and_resources().await?;
    println!(
        "first client: {} group-versions; fresh={}",
        resources.value.resources.len(),
        first.fresh()
    );

    println!("files:");
    let mut files = Vec::new();
    collect_files(&dir, &mut files)?;
    files.sort();
    for file in &files {
        let relative = file.strip_prefix(&dir).unwrap_or(file);
        println!("  {}", relative.display());
    }

    // Another process (here: another client) finds the files within the TTL and answers
    // from them; such answers are not fresh, since the server may have changed since.
    let second = DiskCachedDiscovery::for_config(config, &dir, ttl)?;
    let groups = second.server_groups().await?;
    println!(
        "second client: {} groups from disk; fresh={}",
        groups.groups.len(),
        second.fresh()
    );
    second.invalidate();
    let groups = second.server_groups().await?;
    println!(
        "second client after invalidate: {} groups from the server; fresh={}",
        groups.groups.len(),
        second.fresh()
    );
    Ok(())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
