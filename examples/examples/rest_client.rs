//! RESTClient: the lowest-level client. Builds the request path by hand (group-version,
//! namespace, resource) and decodes the answer into a typed list, like the seeds'
//! `restClient.Get().Namespace("default").Resource("pods").Do(ctx).Into(result)`.
//!
//! ```text
//! cargo run -p kclient-examples --example rest_client -- --kubeconfig ~/.kube/config \
//!     --namespace default --resource pods
//! ```

use clap::{Parser, ValueEnum};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kclient::core::ListOptions;
use kclient::core::gvk::GroupVersion;
use kclient::{ObjectList, RestClient};
use kclient_examples::ConfigFlags;

/// The collections this example knows how to print.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Kind {
    Pods,
    Configmaps,
}

/// List the pods or configmaps of a namespace through a raw RESTClient.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    config: ConfigFlags,
    /// Namespace to list.
    #[arg(short, long, default_value = "default")]
    namespace: String,
    /// What to list.
    #[arg(long, value_enum, default_value = "pods")]
    resource: Kind,
    /// Page size; 0 lists everything in one request.
    #[arg(long, default_value_t = 0)]
    limit: u32,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    kclient_examples::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    kclient_examples::init_logging();
    let args = Args::parse();
    let client = RestClient::new(args.config.load()?)?;
    let core_v1 = GroupVersion::new("", "v1");

    let mut options = ListOptions::default();
    if args.limit > 0 {
        options = options.limit(args.limit);
    }
    match args.resource {
        Kind::Pods => {
            let mut count = 0;
            loop {
                // GET /api/v1/namespaces/{ns}/pods?limit=..&continue=..
                let page: ObjectList<Pod> = client
                    .get()
                    .group_version(&core_v1)
                    .namespace(args.namespace.as_str())
                    .resource("pods")
                    .params(&options)
                    .into_json()
                    .await?;
                for pod in &page {
                    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
                    println!(
                        "{} \t [{}]",
                        name_of(&pod.metadata),
                        phase.unwrap_or("Unknown")
                    );
                    count += 1;
                }
                match page.continue_token() {
                    Some(token) => options = options.continue_token(token),
                    None => break,
                }
            }
            println!("{count} pods in namespace {}", args.namespace);
        }
        Kind::Configmaps => {
            let mut count = 0;
            loop {
                let page: ObjectList<ConfigMap> = client
                    .get()
                    .group_version(&core_v1)
                    .namespace(args.namespace.as_str())
                    .resource("configmaps")
                    .params(&options)
                    .into_json()
                    .await?;
                for cm in &page {
                    let keys = cm.data.as_ref().map_or(0, |d| d.len())
                        + cm.binary_data.as_ref().map_or(0, |d| d.len());
                    println!("{} \t [{keys} keys]", name_of(&cm.metadata));
                    count += 1;
                }
                match page.continue_token() {
                    Some(token) => options = options.continue_token(token),
                    None => break,
                }
            }
            println!("{count} configmaps in namespace {}", args.namespace);
        }
    }
    Ok(())
}

fn name_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or_default()
}
