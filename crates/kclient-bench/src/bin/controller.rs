//! Controller benchmark: time until every one of 10,000 Pods was reconciled once (no-op
//! reconcile) and steady RSS, kclient's `Controller` against kube-rs's
//! `kube::runtime::Controller`, each client in a child process of this same binary
//! (`--child MODE`), the test server in the parent.
//!
//! `cargo run --release -p kclient-bench --features kube-rs --bin controller -- --write-docs`
//! (`--pods 100 --rounds 1 --settle-ms 0` for a quick check, without `--write-docs`).

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use kclient_bench::controller::child::{self, ChildArgs};
use kclient_bench::controller::driver::{self, Options};
use kclient_bench::controller::{Mode, section};
use kclient_bench::informer::InformerBenchError;

#[derive(Parser, Debug)]
#[command(about = "kclient Controller vs kube-rs Controller: time to reconcile every Pod, RSS")]
struct Args {
    /// Pods on the server (the controllers' primary objects).
    #[arg(long, default_value_t = 10_000)]
    pods: usize,
    /// Rounds; each runs every client once, alternating which goes first.
    #[arg(long, default_value_t = 4)]
    rounds: usize,
    /// Reconciles at once; 0 leaves each client's default (kclient 1, kube-rs unbounded).
    #[arg(long, default_value_t = 0)]
    concurrency: usize,
    /// Milliseconds between the last reconcile and the steady RSS reading.
    #[arg(long, default_value_t = 3_000)]
    settle_ms: u64,
    /// Longest a child may take to reconcile every Pod.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
    /// Client modes to run, comma-separated (default: every mode).
    #[arg(long, value_delimiter = ',')]
    modes: Vec<String>,
    /// Write the results into docs/benchmarks.md (or this file) between the controller markers.
    #[arg(
        long,
        num_args = 0..=1,
        default_missing_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/benchmarks.md")
    )]
    write_docs: Option<PathBuf>,
    /// Internal: run as the child measuring this client mode.
    #[arg(long, hide = true)]
    child: Option<String>,
    /// Internal (child): the server's kubeconfig.
    #[arg(long, hide = true)]
    kubeconfig: Option<PathBuf>,
    /// Internal (child): the Pods' namespace.
    #[arg(long, hide = true, default_value = kclient_bench::data::NAMESPACE)]
    namespace: String,
}

fn main() {
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("controller bench: tokio runtime: {err}");
            std::process::exit(1);
        }
    };
    // Exit without tearing the controllers down: nothing is measured after.
    match runtime.block_on(run(args)) {
        Ok(()) => std::process::exit(0),
        Err(err) => {
            eprintln!("controller bench: {err}");
            std::process::exit(1);
        }
    }
}

fn parse_mode(text: &str) -> Result<Mode, InformerBenchError> {
    Mode::parse(text).ok_or_else(|| InformerBenchError::Protocol(format!("unknown mode {text}")))
}

async fn run(args: Args) -> Result<(), InformerBenchError> {
    let settle = Duration::from_millis(args.settle_ms);
    let timeout = Duration::from_secs(args.timeout_secs);
    if let Some(mode) = &args.child {
        let kubeconfig = args
            .kubeconfig
            .ok_or_else(|| InformerBenchError::Protocol("--child needs --kubeconfig".into()))?;
        return child::run(&ChildArgs {
            mode: parse_mode(mode)?,
            kubeconfig,
            namespace: args.namespace,
            expect: args.pods,
            concurrency: args.concurrency,
            settle,
            timeout,
        })
        .await;
    }
    let modes = if args.modes.is_empty() {
        Mode::ALL.to_vec()
    } else {
        args.modes
            .iter()
            .map(|m| parse_mode(m))
            .collect::<Result<Vec<_>, _>>()?
    };
    let options = Options {
        pods: args.pods,
        rounds: args.rounds.max(1),
        modes,
        concurrency: args.concurrency,
        settle,
        timeout,
    };
    let exe = std::env::current_exe()?;
    let started = jiff::Timestamp::now();
    let results = driver::run(&exe, &options).await?;
    let command = format!(
        "cargo run --release -p kclient-bench --features kube-rs --bin controller -- --pods {} --rounds {} --concurrency {} --settle-ms {} --write-docs",
        args.pods, options.rounds, args.concurrency, args.settle_ms,
    );
    let text = section::render(&results, &preamble(&command, started, &results));
    println!("{text}");
    if let Some(path) = args.write_docs {
        kclient_bench::informer::section::update_document_between(
            &path,
            section::BEGIN_MARKER,
            section::END_MARKER,
            &text,
        )?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn preamble(command: &str, started: jiff::Timestamp, results: &driver::Results) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "## Controllers: kclient `Controller` vs kube-rs `kube::runtime::Controller` (issue 13)\n\n\
Run `{command}` (release), started {started}, {cores} cores shared with other work. One \
embedded `TestServer` in the parent process holds the Pods (the bundled 13 KB Pod with \
managedFields and status, {pod_bytes} bytes as the server returns it; loading took {load:.0} s). \
Each client runs alone in a child process of the same binary with a multi-thread tokio runtime: \
a controller of the Pods of one namespace with a no-op reconcile that counts (and an error \
policy that is never called). The time runs from starting the controller until the reconcile \
has run once for every Pod; memory is the child's `VmRSS` (steady: after the settle time with \
the controller still running, its cache held) and `VmHWM` (peak) from `/proc/self/status`. \
Rounds run every client once, kclient first in odd rounds and kube-rs first in even ones.\n\n\
- **kclient**: `Controller::<Pod>::new(&factory)` on a `SharedInformerFactory` of the \
namespace (its informer: watch-list, falling back to list+watch; typed `Arc<Pod>` cache), \
`.run(reconcile, error_policy, ctx)`; default concurrency (1 worker) unless `--concurrency`.\n\
- **kclient caching `Compact<Pod>`**: `Controller::<Compact<Pod>>::compact(&factory)`, the same \
informer holding each Pod as the server's bytes (protobuf by default) plus typed metadata; \
its reconcile decodes \
the whole Pod (`obj.object().decode()`, managedFields included) before counting, so it pays \
what a reconcile reading the object pays.\n\
- **kube-rs list+watch**: `Controller::new(api, watcher::Config::default())` (its default: \
pages of 500, then watch), `.run(reconcile, error_policy, ctx)` drained by `for_each`; default \
concurrency (unbounded: each reconcile a spawned task) unless `--concurrency`.\n\
- **kube-rs streaming lists**: the same with `watcher::Config::default().streaming_lists()` \
(`sendInitialEvents=true`, the protocol kclient's informer uses by default).",
        pod_bytes = results.pod_bytes,
        load = results.load_secs,
    )
}
