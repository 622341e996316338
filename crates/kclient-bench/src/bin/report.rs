//! Runs every kclient-vs-kube-rs scenario, prints the markdown table and updates
//! `docs/benchmarks.md` (unless `--no-write`). Run it in release mode, with kube-rs:
//! `cargo run --release -p kclient-bench --features kube-rs --bin report`.

use std::alloc::System;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use kclient::rest::RestClient;
use kclient_bench::data::{self, PodTemplate};
use kclient_bench::fixture::{Fixture, FixtureSize};
use kclient_bench::measure::{self, Allocations, Timings};
use kclient_bench::report::{self, Figure};
use kclient_bench::rounds::{self, Side};
use kclient_bench::watch::FanOut;
use kclient_bench::{BenchError, decode, list, watch};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

// Counting allocator for the decode figures; it forwards to the system allocator.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// kclient vs kube-rs, same run, same data.
#[derive(Parser, Debug)]
#[command(name = "report")]
struct Args {
    /// Timed runs per scenario and client (after one warm-up each). Figures are the best run
    /// (noise on a shared machine only ever slows a run down); medians are shown beside them.
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Pods in the decode list.
    #[arg(long, default_value_t = data::PODS)]
    pods: usize,
    /// ConfigMaps loaded into the test server for the list scenarios.
    #[arg(long, default_value_t = 50_000)]
    configmaps: usize,
    /// Concurrent watchers in the fan-out scenario.
    #[arg(long, default_value_t = 100)]
    watchers: usize,
    /// Events each watcher receives in the fan-out scenario.
    #[arg(long, default_value_t = 1_000)]
    events: usize,
    /// The document to update.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/benchmarks.md"))]
    output: PathBuf,
    /// Print the table only; leave the document alone.
    #[arg(long)]
    no_write: bool,
}

fn main() -> Result<(), BenchError> {
    let args = Args::parse();
    let started = Instant::now();
    // Decode first, before any server thread exists, so allocation counts are the decoder's.
    let mut figures = decode_figures(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    figures.extend(runtime.block_on(server_figures(&args))?);
    let section = render(&args, &figures, started.elapsed());
    println!("{section}");
    if !args.no_write {
        report::update_document(&args.output, &section)?;
        eprintln!("updated {}", args.output.display());
        let plot = args.output.with_extension("svg");
        let title = "kclient vs kube-rs, same run: how many times better (right) or worse (left)";
        std::fs::write(&plot, kclient_bench::plot::svg(&figures, title))?;
        eprintln!("wrote {}", plot.display());
    }
    Ok(())
}

fn decode_figures(args: &Args) -> Result<Vec<Figure>, BenchError> {
    let body = PodTemplate::bundled()?.pod_list_json(args.pods);
    let mb = body.len() as f64 / 1e6;
    eprintln!("decode: {} Pods, {mb:.1} MB", args.pods);
    let (ours, ours_allocs) = measure::count_allocations(GLOBAL, || decode::kclient(&body));
    list::expect_items("kclient", ours?.items.len(), args.pods)?;
    let (theirs, theirs_allocs) = measure::count_allocations(GLOBAL, || decode::kube(&body));
    list::expect_items("kube-rs", theirs?.items.len(), args.pods)?;
    let mut timings = compare(
        args.runs,
        &mut [
            (Side::Kclient, &mut || decode::kclient(&body).map(keep)),
            (Side::KubeRs, &mut || decode::kube(&body).map(keep)),
        ],
    )?;
    let theirs_t = timings.pop().unwrap_or_else(|| Timings::new(Vec::new()));
    let ours_t = timings.pop().unwrap_or_else(|| Timings::new(Vec::new()));
    let name = format!("decode {} Pods ({mb:.0} MB JSON)", args.pods);
    let secs = |d: Duration| d.as_secs_f64();
    let mbs = |d: Duration| measure::mb_per_sec(body.len() as u64, d);
    let mut figures = vec![
        Figure::lower(
            format!("{name}: time"),
            "s",
            secs(ours_t.min()),
            secs(theirs_t.min()),
        )
        .with_medians(secs(ours_t.median()), secs(theirs_t.median())),
        Figure::higher(
            format!("{name}: throughput"),
            "MB/s",
            mbs(ours_t.min()),
            mbs(theirs_t.min()),
        )
        .with_medians(mbs(ours_t.median()), mbs(theirs_t.median())),
    ];
    figures.extend(allocation_figures(&name, ours_allocs, theirs_allocs));
    Ok(figures)
}

fn allocation_figures(name: &str, ours: Allocations, theirs: Allocations) -> Vec<Figure> {
    vec![
        Figure::lower(
            format!("{name}: allocations"),
            "calls",
            ours.count as f64,
            theirs.count as f64,
        ),
        Figure::lower(
            format!("{name}: bytes allocated"),
            "MB",
            ours.bytes as f64 / 1e6,
            theirs.bytes as f64 / 1e6,
        ),
        Figure::lower(
            format!("{name}: heap held by the result"),
            "MB",
            ours.retained as f64 / 1e6,
            theirs.retained as f64 / 1e6,
        ),
    ]
}

/// A decoded list, kept alive until the clock has stopped: freeing 7 M allocations is not
/// part of decoding.
type Kept = Box<dyn std::any::Any>;

fn keep<T: 'static>(value: T) -> Kept {
    Box::new(value)
}

/// A decoder and the client whose path it is.
type Decoder<'a> = (Side, &'a mut dyn FnMut() -> Result<Kept, BenchError>);

/// Runs every decoder once per round (round 0 is the warm-up), in [`rounds::round_order`]:
/// kclient's first in odd rounds, kube-rs's first in even ones, so neither always inherits
/// the other's heap. One [`Timings`] per decoder, in the order given.
fn compare(runs: usize, decoders: &mut [Decoder<'_>]) -> Result<Vec<Timings>, BenchError> {
    let sides: Vec<Side> = decoders.iter().map(|(side, _)| *side).collect();
    let mut times = vec![Vec::new(); decoders.len()];
    for round in 0..=runs.max(1) {
        for index in rounds::round_order(round, &sides) {
            let decode = &mut decoders[index].1;
            let started = Instant::now();
            let decoded = decode()?;
            let elapsed = started.elapsed();
            drop(decoded);
            if round > 0 {
                times[index].push(elapsed);
            }
        }
    }
    Ok(times.into_iter().map(Timings::new).collect())
}

/// One server scenario, run the same way by every client.
#[derive(Clone, Copy, Debug)]
enum Scenario {
    FullList,
    PaginatedList,
    FanOut,
}

async fn run_kclient(
    scenario: Scenario,
    client: &RestClient,
    n: usize,
    run: &FanOut,
) -> Result<(), BenchError> {
    match scenario {
        Scenario::FullList => list::expect_items("kclient", list::kclient_full(client).await?, n),
        Scenario::PaginatedList => {
            list::expect_items("kclient", list::kclient_paginated(client).await?, n)
        }
        Scenario::FanOut => watch::kclient(client, run).await.map(drop),
    }
}

async fn run_kube(
    scenario: Scenario,
    client: &kube::Client,
    n: usize,
    run: &FanOut,
) -> Result<(), BenchError> {
    match scenario {
        Scenario::FullList => list::expect_items("kube-rs", list::kube_full(client).await?, n),
        Scenario::PaginatedList => {
            list::expect_items("kube-rs", list::kube_paginated(client).await?, n)
        }
        Scenario::FanOut => watch::kube(client, run).await.map(drop),
    }
}

/// Runs `scenario` once per round for every kclient client and for kube-rs (round 0 is the
/// warm-up), in [`rounds::round_order`]: kclient's clients first in odd rounds, kube-rs first
/// in even ones, so drift on a shared machine and whatever one client leaves the server (warm
/// caches, connections to tear down) hit both sides alike. Returns one [`Timings`] per kclient
/// client, then kube-rs's.
async fn compare_server(
    runs: usize,
    scenario: Scenario,
    kclients: &[&RestClient],
    kube: &kube::Client,
    n: usize,
    run: &FanOut,
) -> Result<(Vec<Timings>, Timings), BenchError> {
    // Index `kclients.len()` is kube-rs.
    let mut sides = vec![Side::Kclient; kclients.len()];
    sides.push(Side::KubeRs);
    let mut times = vec![Vec::new(); sides.len()];
    for round in 0..=runs.max(1) {
        for index in rounds::round_order(round, &sides) {
            let started = Instant::now();
            match kclients.get(index) {
                Some(client) => run_kclient(scenario, client, n, run).await?,
                None => run_kube(scenario, kube, n, run).await?,
            }
            if round > 0 {
                times[index].push(started.elapsed());
            }
        }
    }
    let theirs = Timings::new(times.pop().unwrap_or_default());
    Ok((times.into_iter().map(Timings::new).collect(), theirs))
}

async fn server_figures(args: &Args) -> Result<Vec<Figure>, BenchError> {
    let size = FixtureSize {
        configmaps: args.configmaps,
        fanout_events: args.events,
    };
    let loading = Instant::now();
    let fixture = Fixture::start(size).await?;
    eprintln!(
        "server: {} ConfigMaps + {} fan-out events loaded in {:.1} s; full list {:.1} MB",
        size.configmaps,
        size.fanout_events,
        loading.elapsed().as_secs_f64(),
        fixture.list_bytes() as f64 / 1e6
    );
    let n = size.configmaps;
    let bytes = fixture.list_bytes();
    let run = FanOut {
        watchers: args.watchers,
        events: args.events,
        from: fixture.fanout_from().to_owned(),
    };
    let mut labels = vec![None];
    let mut kclients = vec![fixture.kclient()];
    for (protocol, client) in fixture.variants() {
        labels.push(Some(protocol.label()));
        kclients.push(client);
    }
    let scenarios = [
        (Scenario::FullList, format!("full list of {n} ConfigMaps")),
        (
            Scenario::PaginatedList,
            format!(
                "paginated list (limit {}) of {n} ConfigMaps",
                list::PAGE_SIZE
            ),
        ),
        (
            Scenario::FanOut,
            format!(
                "watch fan-out: {} watchers × {} events",
                run.watchers, run.events
            ),
        ),
    ];
    let mut figures = Vec::new();
    let mut diagnostics = Vec::new();
    for (scenario, name) in scenarios {
        eprintln!("{name}");
        let (ours, theirs) =
            compare_server(args.runs, scenario, &kclients, fixture.kube(), n, &run).await?;
        for (label, ours) in labels.iter().zip(&ours) {
            let (name, out) = match label {
                None => (name.clone(), &mut figures),
                Some(label) => (format!("{name} — {label} (diagnostic)"), &mut diagnostics),
            };
            match scenario {
                Scenario::FullList | Scenario::PaginatedList => {
                    out.extend(list_figures(&name, n, bytes, ours, &theirs));
                }
                Scenario::FanOut => {
                    let rate = |d: Duration| measure::per_sec(run.delivered(), d);
                    out.push(
                        Figure::higher(&name, "events/s", rate(ours.min()), rate(theirs.min()))
                            .with_medians(rate(ours.median()), rate(theirs.median())),
                    );
                }
            }
        }
    }
    fixture.shutdown().await;
    figures.extend(diagnostics);
    Ok(figures)
}

fn list_figures(name: &str, n: usize, bytes: u64, ours: &Timings, theirs: &Timings) -> Vec<Figure> {
    let objects = |d: Duration| measure::per_sec(n as u64, d);
    let mb = |d: Duration| measure::mb_per_sec(bytes, d);
    vec![
        Figure::higher(
            format!("{name}: objects/s"),
            "objects/s",
            objects(ours.min()),
            objects(theirs.min()),
        )
        .with_medians(objects(ours.median()), objects(theirs.median())),
        Figure::higher(
            format!("{name}: MB/s"),
            "MB/s",
            mb(ours.min()),
            mb(theirs.min()),
        )
        .with_medians(mb(ours.median()), mb(theirs.median())),
    ]
}

fn render(args: &Args, figures: &[Figure], took: Duration) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "## Results\n\nGenerated by the `report` binary on {} UTC in {:.0} s: best of {} runs per client (the last column: ratio of the medians), after one warm-up round; each round runs every client once, kclient first in odd rounds and kube-rs first in even ones. Allocation figures come from one counted run each.\n\n",
        utc_now(),
        took.as_secs_f64(),
        args.runs
    ));
    out.push_str(&report::table(figures));
    out.push_str("\n## Machine\n\n");
    out.push_str(&machine());
    out.push_str("\n## Reproduce\n\n```sh\n");
    out.push_str(&format!(
        "cargo run --release -p kclient-bench --features kube-rs --bin report -- --runs {} --pods {} --configmaps {} --watchers {} --events {}\n",
        args.runs, args.pods, args.configmaps, args.watchers, args.events
    ));
    out.push_str(
        "cargo bench -p kclient-bench --features kube-rs   # the same scenarios under criterion\n```\n",
    );
    out
}

/// kube's features as the workspace `Cargo.toml` sets them (keep the two in step).
const KUBE_FEATURES: &str = "client, rustls-tls, ring, runtime, unstable-runtime";

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown")
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or("unknown".to_owned(), |kb| {
            format!("{:.0} GiB", kb / 1024.0 / 1024.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    // Other work on a shared machine shows here; medians of alternating runs absorb most of it.
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" / "))
        .unwrap_or_else(|_| "unknown".to_owned());
    let rustc = command_output("rustc", &["--version"]);
    let commit = command_output("git", &["rev-parse", "--short", "HEAD"]);
    let profile = if cfg!(debug_assertions) {
        "DEBUG build: these figures say nothing about speed, rerun with --release"
    } else {
        "release profile"
    };
    format!(
        "- CPU: {cpu}, {cores} cores available\n- memory: {memory}\n- kernel: Linux {kernel}\n- load average (1 / 5 / 15 min) as the report finished: {load}\n- {rustc}, {profile}\n- kclient commit {commit}; kube 5.0.0 ({KUBE_FEATURES}), k8s-openapi 0.29 (v1_33)\n- server and both clients share one process and tokio runtime (the embedded `TestServer` over HTTPS on 127.0.0.1)\n"
    )
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| format!("{program}: unknown"))
}

/// The current UTC time as `YYYY-MM-DD HH:MM`.
fn utc_now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}
