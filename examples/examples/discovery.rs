//! DiscoveryClient: what the server serves. Prints every group, version and resource as the
//! seeds' `[G]group [V]version [R]resource` lines (client-go's `ServerGroupsAndResources`),
//! then the preferred version of every group.
//!
//! ```text
//! cargo run -p kclient-examples --example discovery -- --kubeconfig ~/.kube/config
//! ```

use std::io::Write;

use clap::Parser;
use kclient::core::gvk::GroupVersion;
use kclient::discovery::{Discovery, DiscoveryClient};
use kclient_examples::ConfigFlags;

/// List every group, version and resource the server serves.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    config: ConfigFlags,
    /// Use the legacy per-group-version documents instead of aggregated discovery.
    #[arg(long)]
    legacy: bool,
    /// Only the resources of each group's preferred version (`ServerPreferredResources`).
    #[arg(long)]
    preferred: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    kclient_examples::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    kclient_examples::init_logging();
    let args = Args::parse();
    let mut discovery = DiscoveryClient::for_config(args.config.load()?)?;
    if args.legacy {
        discovery = discovery.with_legacy();
    }

    // The listing is long and often piped into `head` or `grep -m`: write it through one
    // locked handle whose errors (a closed pipe) end the program quietly.
    let mut out = std::io::stdout().lock();
    let version = discovery.server_version().await?;
    writeln!(out, "Server version: {}", version.git_version)?;

    let lists = if args.preferred {
        let preferred = discovery.server_preferred_resources().await?;
        if let Some(failed) = &preferred.failed {
            eprintln!("warning: {failed}");
        }
        preferred.value
    } else {
        let all = discovery.server_groups_and_resources().await?;
        if let Some(failed) = &all.failed {
            eprintln!("warning: {failed}");
        }
        for group in &all.value.groups {
            let preferred = group
                .preferred_version
                .as_ref()
                .map(|v| v.version.as_str())
                .unwrap_or_default();
            let name = if group.name.is_empty() {
                "core"
            } else {
                group.name.as_str()
            };
            writeln!(out, "group {name}: preferred version {preferred}")?;
        }
        all.value.resources
    };

    let mut count = 0;
    for list in &lists {
        let gv = GroupVersion::parse(&list.group_version)?;
        for resource in &list.resources {
            writeln!(
                out,
                "[G]{} [V]{} [R]{}",
                gv.group, gv.version, resource.name
            )?;
            count += 1;
        }
    }
    writeln!(out, "{count} resources in {} group-versions", lists.len())?;
    Ok(())
}
