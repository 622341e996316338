//! Leader election: candidates compete for one `coordination.k8s.io/v1` Lease; one leads
//! and renews it, the others watch it and take over when the leader releases it or stops
//! renewing (client-go's `tools/leaderelection` example). Start it twice with different
//! `--identity`s and kill the leader to see the hand-over.
//!
//! ```text
//! cargo run -p kclient-examples --example leader_election -- --kubeconfig ~/.kube/config \
//!     --identity a --lease-duration 15s
//! ```
//! Runs until `--duration` has passed or it is interrupted (Ctrl-C): it then steps down,
//! releasing the Lease (unless `--release-on-cancel=false`), and exits 0. Exits 1 if it
//! loses leadership.

use std::time::Duration;

use clap::Parser;
use kclient::RestClient;
use kclient::runtime::leaderelection::{
    CancellationToken, LeaderCallbacks, LeaderElectionConfig, LeaderElector, LeaseLock, Stopped,
};
use kclient_examples::{ConfigFlags, default_identity, parse_duration, stop_signal};

/// Compete for a Lease and do "work" while leading.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    config: ConfigFlags,
    /// Namespace of the Lease.
    #[arg(short, long, default_value = "default")]
    namespace: String,
    /// Name of the Lease.
    #[arg(long, default_value = "kclient-example-lock")]
    lease_name: String,
    /// This candidate's identity. Default: host name and process id.
    #[arg(long)]
    identity: Option<String>,
    /// How long followers wait after the last observed renewal before taking over.
    #[arg(long, value_parser = parse_duration, default_value = "15s")]
    lease_duration: Duration,
    /// How long the leader retries renewing before it steps down.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    renew_deadline: Duration,
    /// The wait between acquire and renew attempts.
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    retry_period: Duration,
    /// Release the Lease on exit so another candidate takes over at once.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    release_on_cancel: bool,
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
    let client = RestClient::new(args.config.load()?)?;
    let id = args.identity.clone().unwrap_or_else(default_identity);

    let lock = LeaseLock::new(client, &args.namespace, &args.lease_name, &id);
    let config = LeaderElectionConfig::new(lock)
        .lease_duration(args.lease_duration)
        .renew_deadline(args.renew_deadline)
        .retry_period(args.retry_period)
        .release_on_cancel(args.release_on_cancel)
        .name(args.lease_name.clone());

    let (started_id, stopped_id, observer_id) = (id.clone(), id.clone(), id.clone());
    let callbacks = LeaderCallbacks::new(
        move |leading: CancellationToken| {
            println!("{started_id}: started leading");
            // The leader's work runs on its own task and ends when leadership does.
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                let mut n = 0u64;
                loop {
                    tokio::select! {
                        () = leading.cancelled() => break,
                        _ = tick.tick() => {
                            n += 1;
                            println!("{started_id}: working ({n})");
                        }
                    }
                }
            });
        },
        move || println!("{stopped_id}: stopped leading"),
    )
    .on_new_leader(move |leader| {
        if leader == observer_id {
            println!("{observer_id}: I am the leader now");
        } else {
            println!("{observer_id}: new leader elected: {leader}");
        }
    });
    let elector = LeaderElector::new(config, callbacks)?;

    println!(
        "{id}: competing for lease {}/{}",
        args.namespace, args.lease_name
    );
    let cancel = CancellationToken::new();
    let mut run = tokio::spawn(elector.run(cancel.clone()));
    let stopped = tokio::select! {
        () = stop_signal(args.duration) => {
            cancel.cancel();
            run.await?
        }
        stopped = &mut run => stopped?,
    };
    println!("{id}: exiting ({stopped:?})");
    if stopped == Stopped::LostLeadership {
        return Err("leadership lost".into());
    }
    Ok(())
}
