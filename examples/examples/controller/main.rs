//! A controller in client-go's sample-controller style, run under leader election: it
//! mirrors every ConfigMap labelled `kclient.io/mirror=true` from its namespace into a
//! target namespace, keeps the mirrors updated, and deletes a mirror when its source is
//! deleted (a finalizer on the source) or unlabelled. Errors are retried with backoff; N
//! workers reconcile in parallel; of several replicas only the elected leader works, and a
//! replica that dies is replaced by another within the lease duration.
//!
//! ```text
//! cargo run -p kclient-examples --example controller -- --kubeconfig ~/.kube/config \
//!     --namespace default --target-namespace mirror --workers 2
//! kubectl create configmap demo --from-literal=a=1
//! kubectl label configmap demo kclient.io/mirror=true
//! kubectl get configmap -n mirror demo -o yaml
//! ```
//! Runs until `--duration` has passed or it is interrupted (Ctrl-C): it then lets the
//! reconciles in flight finish, releases the Lease and exits 0. It exits 1 if it loses
//! leadership, or if the controller fails (after releasing the Lease, so another replica
//! takes over).

mod mirror;

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use k8s_openapi::api::core::v1::ConfigMap;
use kclient::cache::SharedInformerFactory;
use kclient::runtime::controller::LeaderEvent;
use kclient::runtime::leaderelection::Stopped;
use kclient::{ClientSet, Controller, LeaderElectionConfig, LeaseLock};
use kclient_examples::{ConfigFlags, default_identity, parse_duration, stop_signal};

use mirror::{MIRRORED_LABEL, Mirror};

/// Mirror labelled ConfigMaps into another namespace, as the elected leader.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    config: ConfigFlags,
    /// The namespace whose ConfigMaps labelled kclient.io/mirror=true are mirrored.
    #[arg(short, long, default_value = "default")]
    namespace: String,
    /// The namespace the mirrors are written to (created if missing).
    #[arg(long, default_value = "mirror")]
    target_namespace: String,
    /// Concurrent reconcile workers.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// This replica's identity in the election. Default: host name and process id.
    #[arg(long)]
    identity: Option<String>,
    /// Name of the election's Lease.
    #[arg(long, default_value = "kclient-configmap-mirror")]
    lease_name: String,
    /// Namespace of the Lease. Default: the source namespace.
    #[arg(long)]
    lease_namespace: Option<String>,
    /// How long followers wait after the last observed renewal before taking over.
    #[arg(long, value_parser = parse_duration, default_value = "15s")]
    lease_duration: Duration,
    /// How long the leader retries renewing before it steps down.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    renew_deadline: Duration,
    /// The wait between acquire and renew attempts.
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    retry_period: Duration,
    /// Exit after this long. Default: run until interrupted.
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kclient_examples::exit_code(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    kclient_examples::init_logging();
    let args = Args::parse();
    if args.namespace == args.target_namespace {
        return Err("--namespace and --target-namespace must differ".into());
    }
    let clientset = ClientSet::new(args.config.load()?)?;
    let client = clientset.client().clone();
    let id = args.identity.clone().unwrap_or_else(default_identity);

    // One factory per namespace, as sample-controller's; the mirror side caches only
    // ConfigMaps labelled as mirrors, and its changes reconcile the source they name.
    let sources = SharedInformerFactory::builder(client.clone())
        .namespace(args.namespace.as_str())
        .build();
    let mirrors = SharedInformerFactory::builder(client.clone())
        .namespace(args.target_namespace.as_str())
        .tweak_list_options(|o| o.label_selector = Some(format!("{MIRRORED_LABEL}=true")))
        .build();
    let mirror_informer = mirrors.core_v1().config_maps();
    let mirror = Arc::new(Mirror::new(
        &clientset,
        &id,
        &args.namespace,
        &args.target_namespace,
        &sources.core_v1().config_maps(),
        &mirror_informer,
    ));
    // The controller starts the factory of its primary kind; this one is ours to start.
    mirrors.start()?;

    let lease_namespace = args.lease_namespace.as_deref().unwrap_or(&args.namespace);
    let lock = LeaseLock::new(client, lease_namespace, &args.lease_name, &id);
    // Released on a clean exit after the workers have stopped, so the next leader starts at
    // once and never overlaps with this one.
    let election = LeaderElectionConfig::new(lock)
        .lease_duration(args.lease_duration)
        .renew_deadline(args.renew_deadline)
        .retry_period(args.retry_period)
        .release_on_cancel(true)
        .name(args.lease_name.clone());
    println!(
        "{id}: waiting to lead (lease {lease_namespace}/{})",
        args.lease_name
    );

    let (me, prepared, source_of) = (id.clone(), mirror.clone(), mirror.clone());
    let stopped = Controller::<ConfigMap>::new(&sources)
        .watches_with(mirror_informer, move |m| source_of.source_key(m))
        .concurrency(args.workers)
        .leader_election(election)
        .on_leader_event(move |event| match event {
            LeaderEvent::StartedLeading => println!("{me}: started leading"),
            LeaderEvent::StoppedLeading => println!("{me}: stopped leading"),
            LeaderEvent::NewLeader(leader) if leader != me => {
                println!("{me}: new leader elected: {leader}");
            }
            LeaderEvent::NewLeader(_) => {}
        })
        .prepare(move || async move { prepared.prepare(args.workers).await })
        .graceful_shutdown_on(stop_signal(args.duration))
        .run(mirror::reconcile, mirror::error_policy, mirror)
        .await;
    sources.shutdown().await;
    mirrors.shutdown().await;
    match stopped {
        Ok(stopped) => {
            println!("{id}: exiting ({stopped:?})");
            if stopped == Stopped::LostLeadership {
                return Err("leadership lost".into());
            }
            Ok(())
        }
        // Like client-go controllers, exit rather than hold the Lease without working: the
        // controller cancelled its election (releasing the Lease) before returning.
        Err(e) => {
            println!("{id}: exiting ({:?})", Stopped::Cancelled);
            Err(format!("controller failed: {e}").into())
        }
    }
}
