//! Informer benchmark: time to synced, peak and steady RSS and event throughput of kclient's
//! `SharedIndexInformer` against kube-rs's `reflector` + `watcher`, each client in a child
//! process of this same binary (`--child MODE`), the test server in the parent.
//!
//! `cargo run --release -p kclient-bench --features kube-rs --bin informer -- --write-docs`
//! (`--sizes 10 --events 10 --handlers 1 --settle-ms 0` for a quick check, without
//! `--write-docs`).

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use kclient_bench::informer::child::{self, ChildFlags};
use kclient_bench::informer::driver::{self, Options};
use kclient_bench::informer::{InformerBenchError, Mode, formats, section};

#[derive(Parser, Debug)]
#[command(about = "kclient informer vs kube-rs reflector: sync time, RSS, event throughput")]
struct Args {
    /// Pod counts to sync, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,50000")]
    sizes: Vec<usize>,
    /// Updates written for the throughput runs.
    #[arg(long, default_value_t = 10_000)]
    events: usize,
    /// Handler counts for the throughput runs, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "1,10")]
    handlers: Vec<usize>,
    /// Milliseconds between sync and the steady RSS reading.
    #[arg(long, default_value_t = 3_000)]
    settle_ms: u64,
    /// Longest a child may take to sync or to see every update.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
    /// Write the results into docs/benchmarks.md (or this file) between the informer markers.
    #[arg(
        long,
        num_args = 0..=1,
        default_missing_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/benchmarks.md")
    )]
    write_docs: Option<PathBuf>,
    /// Write only the protobuf-against-JSON table (JSON-only modes beside their protobuf
    /// twins) into docs/benchmarks.md (or this file), between its own markers.
    #[arg(
        long,
        num_args = 0..=1,
        default_missing_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/benchmarks.md")
    )]
    write_formats_docs: Option<PathBuf>,
    /// Client modes to run, comma-separated (default: every mode).
    #[arg(long, value_delimiter = ',')]
    modes: Vec<String>,
    /// Internal: the child's flags.
    #[command(flatten)]
    child: ChildFlags,
}

fn main() {
    child::main_exit("informer bench", run(Args::parse()));
}

async fn run(args: Args) -> Result<(), InformerBenchError> {
    let settle = Duration::from_millis(args.settle_ms);
    let timeout = Duration::from_secs(args.timeout_secs);
    let handlers = args.handlers.first().copied().unwrap_or(0);
    let known = |_: Mode| true;
    if let Some(child_args) =
        args.child
            .child_args(known, handlers, args.events as u64, settle, timeout)?
    {
        return child::run(&child_args).await;
    }
    let modes = if args.modes.is_empty() {
        Mode::ALL.to_vec()
    } else {
        args.modes
            .iter()
            .map(|m| {
                Mode::parse(m)
                    .ok_or_else(|| InformerBenchError::Protocol(format!("unknown mode {m}")))
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let options = Options {
        modes,
        sizes: args.sizes.clone(),
        events: args.events,
        handlers: args.handlers.clone(),
        settle,
        timeout,
    };
    let exe = std::env::current_exe()?;
    let started = jiff::Timestamp::now();
    let results = driver::run(&exe, &options).await?;
    // The command that reproduces this run, ending in `tail`.
    let command = |tail: &str| {
        format!(
            "cargo run --release -p kclient-bench --features kube-rs --bin informer -- --sizes {} --events {} --handlers {} --settle-ms {} {tail}",
            join(&args.sizes),
            args.events,
            join(&args.handlers),
            args.settle_ms,
        )
    };
    if let Some(path) = &args.write_formats_docs {
        let modes: Vec<&str> = options.modes.iter().map(|m| m.as_str()).collect();
        let command = command(&format!("--modes {} --write-formats-docs", modes.join(",")));
        let text = format!(
            "Run `{command}` (release), started {started}; the informers, server and Pods as in \
             the informer section above. The JSON modes are the protobuf modes with \
             `Config::json_only()`.\n{}",
            formats::render(&results)
        );
        println!("{text}");
        formats::update_document(path, &text)?;
        eprintln!("wrote {}", path.display());
        return Ok(());
    }
    let command = command("--write-docs");
    let preamble = preamble(&command, started, &results);
    let text = section::render(&results, &preamble);
    println!("{text}");
    if let Some(path) = args.write_docs {
        section::update_document(&path, &text)?;
        eprintln!("wrote {}", path.display());
        let mut figures = section::sync_figures(&results);
        figures.extend(section::event_figures(&results));
        let plot = path.with_file_name("benchmarks-informer.svg");
        let title = "Informers, kclient vs kube-rs, same run: how many times better (right) or worse (left)";
        std::fs::write(&plot, kclient_bench::plot::svg(&figures, title))?;
        eprintln!("wrote {}", plot.display());
    }
    Ok(())
}

fn join(values: &[usize]) -> String {
    values
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn preamble(command: &str, started: jiff::Timestamp, results: &driver::Results) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "## Informers: kclient `SharedIndexInformer` vs kube-rs `reflector` + `watcher`\n\n\
Run `{command}` (release), started {started}, {cores} cores shared with other work. \
One embedded `TestServer` in the parent process holds the Pods (the bundled 13 KB Pod with \
managedFields and status, {pod_bytes} bytes as the server returns it; loading took {load:.0} s). \
Each client runs alone in a child process of the same binary, with a multi-thread tokio \
runtime; memory is that child's `VmHWM` (peak) and `VmRSS` from `/proc/self/status`, steady = \
after sync plus the settle time with the cache held; per-Pod bytes are steady RSS minus the \
RSS with the client built but not started, divided by the Pods. Children run one at a time, \
in rounds (one per size; one per handler count for throughput): kclient's first in odd rounds, \
kube-rs's first in even ones.\n\n\
- **list+watch**: kclient `SharedIndexInformer` with `use_watch_list = false` (pages of 500) \
vs kube-rs `reflector(store(), watcher(api, watcher::Config::default()))` (pages of 500).\n\
- **watch-list**: kclient `use_watch_list = true` vs kube-rs \
`watcher::Config::default().streaming_lists()` (both `sendInitialEvents=true`).\n\
- **list+watch, managedFields stripped by both**: kclient with the \
`kclient::cache::strip_managed_fields()` transform vs kube-rs with \
`.modify(|pod| pod.metadata.managed_fields = None)` on the watcher stream (kube-rs's advice \
for memory): what either cache costs when a controller does not need managedFields.\n\
- **kclient caching `Compact<Pod>`** (list+watch and watch-list): `factory.compact::<Pod>()`'s \
informer, holding each Pod as the server's bytes (protobuf, or JSON text with \
`Config::json_only()`) plus typed `ObjectMeta`, nothing dropped \
(`decode()` gives the whole Pod, managedFields included), against kube-rs's default full-Pod \
reflector of the same mode.\n\
- **kclient caching a derived projection** (list+watch, with and without managedFields): \
`kclient_bench::informer::projection::PodSummary`, a `#[derive(Resource)] #[resource(inherit = Pod)]` \
struct holding the metadata, node name, containers' names and images, phase and Pod IP, \
against kube-rs's full-Pod reflector of the same mode (`--bin projection` compares it with \
kclient's other caches).\n\
- **Decoding**: kclient decodes list items and watch events in 256 KB batches on tokio's \
blocking pool, up to `RestListerWatcher::decode_parallelism` at once (default: the cores, at \
most 4); kube-rs decodes on the task that reads the body.\n\
- **Time to synced**: from starting the informer / reflector stream until `has_synced` \
(kclient) / `Store::wait_until_ready` (kube-rs) and the cache holds every Pod.\n\
- **Event throughput**: after sync the child is stopped (SIGSTOP), the parent merge-patches a \
label on every Pod (one update each, ~13 KB watch events), then the child is resumed and \
times from the first update reaching any handler to the last reaching the last handler, so \
the figure is the client draining a backlog, not the server applying writes. kclient: N \
`HandlerFuncs::on_update` handlers on one `SharedIndexInformer` (each on its own thread). \
kube-rs: one reflector over `reflector::store_shared({buffer})` (feature \
`unstable-runtime-subscribe`) with N `Writer::subscribe()` streams, each drained by its own \
tokio task. Both count only updates carrying this run's label value. Throughput runs use \
list+watch at the smallest size; the updates leave one extra label and managedFields entry on \
those Pods for the larger size's runs.",
        pod_bytes = results.pod_bytes,
        load = results.load_secs,
        buffer = child::SUBSCRIBER_BUFFER,
    )
}
