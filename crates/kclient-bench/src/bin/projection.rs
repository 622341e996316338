//! Lean typed cache benchmark: a 10,000-Pod informer caching a `#[derive(Resource)]`
//! projection of Pod ([`PodSummary`]) against the full typed Pod and `Compact<Pod>`, each in a
//! child process of this binary (`--child MODE`) so its RSS is its own; the embedded server
//! with the bundled 13 KB Pod runs in the parent (the informer benchmark's driver and
//! children, without kube-rs).
//!
//! `cargo run --release -p kclient-bench --bin projection -- --write-docs`
//!
//! [`PodSummary`]: kclient_bench::informer::projection::PodSummary

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use kclient_bench::informer::child::{self, ChildFlags};
use kclient_bench::informer::driver::{self, Options};
use kclient_bench::informer::{InformerBenchError, Mode, projection, section};

#[derive(Parser, Debug)]
#[command(about = "informer memory: derived Pod projection vs full Pod vs Compact<Pod>")]
struct Args {
    /// Pod counts to sync, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "10000")]
    sizes: Vec<usize>,
    /// Children per mode and size; the table shows the median by steady RSS.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Milliseconds between sync and the steady RSS reading.
    #[arg(long, default_value_t = 3_000)]
    settle_ms: u64,
    /// Longest a child may take to sync.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
    /// Write the results into docs/benchmarks.md (or this file) between the projection
    /// markers.
    #[arg(
        long,
        num_args = 0..=1,
        default_missing_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/benchmarks.md")
    )]
    write_docs: Option<PathBuf>,
    /// Internal (child): handlers (0 here: memory only).
    #[arg(long, hide = true, default_value_t = 0)]
    handlers: usize,
    /// Internal (child): updates to count (0 here).
    #[arg(long, hide = true, default_value_t = 0)]
    events: u64,
    /// Internal: the child's flags.
    #[command(flatten)]
    child: ChildFlags,
}

fn main() {
    child::main_exit("projection bench", run(Args::parse()));
}

async fn run(args: Args) -> Result<(), InformerBenchError> {
    let settle = Duration::from_millis(args.settle_ms);
    let timeout = Duration::from_secs(args.timeout_secs);
    let known = |mode: Mode| projection::MODES.contains(&mode);
    if let Some(child_args) =
        args.child
            .child_args(known, args.handlers, args.events, settle, timeout)?
    {
        return child::run(&child_args).await;
    }
    // Each round runs every mode once, in the order the previous round left last first, so
    // no representation always inherits the same neighbour's leftovers on the server.
    let mut modes = Vec::new();
    for round in 0..args.rounds.max(1) {
        let mut order = projection::MODES.to_vec();
        order.rotate_left(round % projection::MODES.len());
        modes.extend(order);
    }
    let options = Options {
        modes,
        sizes: args.sizes.clone(),
        events: 0,
        handlers: Vec::new(),
        settle,
        timeout,
    };
    let exe = std::env::current_exe()?;
    let started = jiff::Timestamp::now();
    let results = driver::run(&exe, &options).await?;
    let sizes: Vec<String> = args.sizes.iter().map(usize::to_string).collect();
    let command = format!(
        "cargo run --release -p kclient-bench --bin projection -- --sizes {} --rounds {} --settle-ms {} --write-docs",
        sizes.join(","),
        args.rounds,
        args.settle_ms,
    );
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let preamble = format!(
        "## Lean typed cache: a derived Pod projection vs the full Pod vs `Compact<Pod>`\n\n\
Run `{command}` (release), started {started}, {cores} cores shared with other work. The \
informer benchmark's setup: one embedded `TestServer` in the parent with the bundled 13 KB Pod \
({pod_bytes} bytes as the server returns it, managedFields and status included), each cache \
in a child process of its own (a kclient `SharedIndexInformer`, list+watch, pages of 500), \
memory from the child's `/proc/self/status` (peak `VmHWM`, steady `VmRSS` after sync plus the \
settle time); per-Pod bytes are steady RSS minus the RSS with the client built but not \
started, divided by the Pods. {rounds} children per representation, in rotating order; the \
table shows the median child by steady RSS, the raw figures list every child.",
        pod_bytes = results.pod_bytes,
        rounds = args.rounds,
    );
    let text = projection::render(&results, &preamble);
    println!("{text}");
    if let Some(path) = args.write_docs {
        section::update_document_between(
            &path,
            projection::BEGIN_MARKER,
            projection::END_MARKER,
            &text,
        )?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
