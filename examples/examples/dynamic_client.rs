//! DynamicClient: any resource by GroupVersionResource, as `Unstructured` objects. Lists a
//! collection dynamically, prints what every object says about itself, then converts the
//! list to typed Pods (client-go's `runtime.DefaultUnstructuredConverter.FromUnstructured`).
//!
//! ```text
//! cargo run -p kclient-examples --example dynamic_client -- --kubeconfig ~/.kube/config \
//!     --namespace default
//! ```

use clap::Parser;
use k8s_openapi::api::core::v1::Pod;
use kclient::client::dynamic::list_from_unstructured;
use kclient::{DynamicClient, GroupVersionResource, ListOptions, RestClient};
use kclient_examples::ConfigFlags;

/// List pods (or any resource) through the DynamicClient.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    config: ConfigFlags,
    /// Namespace to list.
    #[arg(short, long, default_value = "default")]
    namespace: String,
    /// The resource's group ("" for the core group).
    #[arg(long, default_value = "")]
    group: String,
    /// The resource's version.
    #[arg(long, default_value = "v1")]
    version: String,
    /// The resource (plural name). Only `pods` are converted to a typed list.
    #[arg(long, default_value = "pods")]
    resource: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    kclient_examples::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    kclient_examples::init_logging();
    let args = Args::parse();
    let dynamic = DynamicClient::new(RestClient::new(args.config.load()?)?);
    let gvr = GroupVersionResource::gvr(
        args.group.clone(),
        args.version.clone(),
        args.resource.clone(),
    );

    let list = dynamic
        .resource(&gvr)
        .namespace(&args.namespace)
        .list(&ListOptions::default())
        .await?;
    println!(
        "{} {} in namespace {} (resourceVersion {})",
        list.items.len(),
        gvr.resource,
        args.namespace,
        list.metadata
            .resource_version
            .as_deref()
            .unwrap_or_default()
    );
    for obj in &list.items {
        println!(
            "unstructured: {} {}/{} uid={}",
            obj.kind().unwrap_or_default(),
            obj.namespace().unwrap_or_default(),
            obj.name().unwrap_or_default(),
            obj.uid().unwrap_or_default()
        );
    }

    let is_pods = gvr.group.is_empty() && gvr.version == "v1" && gvr.resource == "pods";
    if is_pods {
        // Unstructured -> typed: apiVersion and kind are checked against Pod's.
        let pods = list_from_unstructured::<Pod>(list)?;
        for pod in &pods {
            let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
            let images: Vec<&str> = pod
                .spec
                .iter()
                .flat_map(|s| &s.containers)
                .filter_map(|c| c.image.as_deref())
                .collect();
            println!(
                "typed: {} \t [{}] images={}",
                pod.metadata.name.as_deref().unwrap_or_default(),
                phase.unwrap_or("Unknown"),
                images.join(",")
            );
        }
    }
    Ok(())
}
