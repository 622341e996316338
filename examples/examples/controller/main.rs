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
//! Runs until `--duration` has passed or it is interrupted (Ctrl-C): it then stops its
//! workers, releases the Lease and exits 0. It exits 1 if it loses leadership, or if the
//! controller fails (after releasing the Lease, so another replica takes over).

mod mirror;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Parser;
use kclient::ClientSet;
use kclient::runtime::leaderelection::{
    CancellationToken, LeaderCallbacks, LeaderElectionConfig, LeaderElector, LeaseLock, Stopped,
};
use kclient_examples::{ConfigFlags, default_identity, parse_duration, stop_signal};
use tokio::sync::watch;

use mirror::{Controller, Settings};

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
    let id = args.identity.clone().unwrap_or_else(default_identity);
    let settings = Settings {
        source_namespace: args.namespace.clone(),
        target_namespace: args.target_namespace.clone(),
        workers: args.workers,
        identity: id.clone(),
    };

    let lease_namespace = args.lease_namespace.as_deref().unwrap_or(&args.namespace);
    let lock = LeaseLock::new(
        clientset.client().clone(),
        lease_namespace,
        &args.lease_name,
        &id,
    );
    // Released on a clean exit only after the workers have stopped (see the end of main),
    // so the next leader starts at once and never overlaps with this one.
    let config = LeaderElectionConfig::new(lock)
        .lease_duration(args.lease_duration)
        .renew_deadline(args.renew_deadline)
        .retry_period(args.retry_period)
        .release_on_cancel(true)
        .name(args.lease_name.clone());

    // `shutdown` stops the controller on a clean exit while this replica still holds the
    // Lease; `leading` (from the elector) stops it when leadership is lost.
    let shutdown = CancellationToken::new();
    let controller_shutdown = shutdown.clone();
    // What the controller task ended with; `None` while it runs (or never ran).
    let (done_tx, mut done) = watch::channel::<Option<Result<(), String>>>(None);
    let started = Arc::new(AtomicBool::new(false));
    let started_flag = started.clone();
    let (started_id, stopped_id, observer_id) = (id.clone(), id.clone(), id.clone());
    let callbacks = LeaderCallbacks::new(
        move |leading: CancellationToken| {
            println!("{started_id}: started leading");
            started_flag.store(true, Ordering::SeqCst);
            let stop = CancellationToken::new();
            let stop_on_either = stop.clone();
            tokio::spawn(async move {
                tokio::select! {
                    () = leading.cancelled() => {}
                    () = controller_shutdown.cancelled() => {}
                }
                stop_on_either.cancel();
            });
            tokio::spawn(async move {
                let result = match Controller::new(clientset, settings) {
                    Ok(controller) => controller.run(stop).await,
                    Err(e) => Err(e),
                };
                done_tx.send_replace(Some(result.map_err(|e| e.to_string())));
            });
        },
        move || println!("{stopped_id}: stopped leading"),
    )
    .on_new_leader(move |leader| {
        if leader != observer_id {
            println!("{observer_id}: new leader elected: {leader}");
        }
    });
    let elector = LeaderElector::new(config, callbacks)?;
    println!(
        "{id}: waiting to lead (lease {lease_namespace}/{})",
        args.lease_name
    );

    let cancel = CancellationToken::new();
    let mut run = tokio::spawn(elector.run(cancel.clone()));
    let stopped = tokio::select! {
        () = stop_signal(args.duration) => {
            shutdown.cancel();
            if started.load(Ordering::SeqCst) {
                // Still the leader: let the workers drain, then step down and release.
                let _ = done.wait_for(Option::is_some).await;
            }
            cancel.cancel();
            run.await?
        }
        failure = controller_failure(&mut done) => {
            // Like client-go controllers, exit rather than hold the Lease without working:
            // another replica takes over.
            cancel.cancel();
            let stopped = run.await?;
            println!("{id}: exiting ({stopped:?})");
            return Err(format!("controller failed: {failure}").into());
        }
        stopped = &mut run => {
            // Leadership lost: the workers were told to stop; wait for them.
            if started.load(Ordering::SeqCst) {
                let _ = done.wait_for(Option::is_some).await;
            }
            stopped?
        }
    };
    println!("{id}: exiting ({stopped:?})");
    if stopped == Stopped::LostLeadership {
        return Err("leadership lost".into());
    }
    Ok(())
}

/// Resolves with the error when the controller task fails; never otherwise.
async fn controller_failure(done: &mut watch::Receiver<Option<Result<(), String>>>) -> String {
    if let Ok(outcome) = done.wait_for(Option::is_some).await
        && let Some(Err(e)) = &*outcome
    {
        return e.clone();
    }
    std::future::pending().await
}
