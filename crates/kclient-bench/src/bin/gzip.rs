//! What gzip costs on the 10,000-Pod list over loopback: prints a markdown table of the full
//! list with `disable_compression` (identity) and with kclient's default (gzip), from the
//! embedded server compressing as kube-apiserver does. Run it in release mode:
//! `cargo run --release -p kclient-bench --bin gzip`.

use std::future::Future;
use std::time::{Duration, Instant};

use clap::Parser;
use kclient_bench::data;
use kclient_bench::gzip::{self, GzipReplay, Setup};
use kclient_bench::list::expect_items;
use kclient_bench::measure::Timings;
use kclient_bench::{BenchError, measure};

/// gzip against identity on the 10,000-Pod list, same server, same run.
#[derive(Parser, Debug)]
#[command(name = "gzip")]
struct Args {
    /// Timed runs per scenario (after one warm-up each), alternating between the scenarios.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Pods in the list.
    #[arg(long, default_value_t = data::PODS)]
    pods: usize,
}

fn main() -> Result<(), BenchError> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(&args))
}

/// A scenario: one timed run returns how many bytes or objects it saw.
type Scenario<'a> = Box<
    dyn FnMut() -> std::pin::Pin<Box<dyn Future<Output = Result<usize, BenchError>> + 'a>> + 'a,
>;

fn scenario<'a, F, Fut>(mut f: F) -> Scenario<'a>
where
    F: FnMut() -> Fut + 'a,
    Fut: Future<Output = Result<usize, BenchError>> + 'a,
{
    Box::new(move || Box::pin(f()))
}

/// Times every scenario `runs` times in turn, after one warm-up each.
async fn compare(runs: usize, scenarios: &mut [Scenario<'_>]) -> Result<Vec<Timings>, BenchError> {
    for run in scenarios.iter_mut() {
        run().await?;
    }
    let mut times = vec![Vec::with_capacity(runs); scenarios.len()];
    for _ in 0..runs.max(1) {
        for (run, times) in scenarios.iter_mut().zip(&mut times) {
            let started = Instant::now();
            run().await?;
            times.push(started.elapsed());
        }
    }
    Ok(times.into_iter().map(Timings::new).collect())
}

async fn run(args: &Args) -> Result<(), BenchError> {
    let started = Instant::now();
    let setup = Setup::load(args.pods).await?;
    eprintln!("loaded {} Pods in {:.1?}", args.pods, started.elapsed());
    let plain = gzip::wire_body(&setup.identity, false).await?;
    let compressed = gzip::wire_body(&setup.gzip, true).await?;
    let replay = GzipReplay::new(compressed.clone()).client()?;
    let pods = args.pods;
    let check =
        move |client: &'static str, seen: usize| expect_items(client, seen, pods).map(|()| seen);
    let (identity, gzip_client) = (&setup.identity, &setup.gzip);
    let mut scenarios = [
        scenario(|| async { check("identity", gzip::typed(identity).await?) }),
        scenario(|| async { check("gzip", gzip::typed(gzip_client).await?) }),
        scenario(|| async { gzip::body(identity).await }),
        scenario(|| async { gzip::body(gzip_client).await }),
        scenario(|| async { Ok(gzip::wire_body(gzip_client, true).await?.len()) }),
        scenario(|| async { gzip::body(&replay).await }),
    ];
    let t = compare(args.runs, &mut scenarios).await?;
    let secs = |t: &Timings| {
        format!(
            "{:.3} ({:.3})",
            t.min().as_secs_f64(),
            t.median().as_secs_f64()
        )
    };
    let ratio = |a: &Timings, b: &Timings| {
        format!(
            "{:.2} ({:.2})",
            ratio_of(b.min(), a.min()),
            ratio_of(b.median(), a.median())
        )
    };
    let mb = |n: usize| n as f64 / 1e6;
    println!(
        "{} Pods, {} runs each after a warm-up, best (median) seconds; {} on {} cores; {:.0} s in all.\n",
        args.pods,
        args.runs,
        jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC"),
        std::thread::available_parallelism().map_or(0, usize::from),
        started.elapsed().as_secs_f64()
    );
    println!(
        "| full list of {} Pods over loopback | identity (`disable_compression`) | gzip (default) | gzip ÷ identity |",
        args.pods
    );
    println!("|---|---:|---:|---:|");
    println!(
        "| response body on the wire | {:.1} MB | {:.1} MB | {:.3} |",
        mb(plain.len()),
        mb(compressed.len()),
        compressed.len() as f64 / plain.len() as f64
    );
    println!(
        "| list decoded into typed Pods (`into_json`), s | {} | {} | {} |",
        secs(&t[0]),
        secs(&t[1]),
        ratio(&t[0], &t[1])
    );
    println!(
        "| body read, not decoded (`send`), s | {} | {} | {} |",
        secs(&t[2]),
        secs(&t[3]),
        ratio(&t[2], &t[3])
    );
    println!(
        "| body read still compressed (the server's gzip, no inflating), s | — | {} | — |",
        secs(&t[4])
    );
    println!(
        "| kclient inflating the compressed body alone (in process, no server), s | — | {} | — |",
        secs(&t[5])
    );
    println!(
        "\ninflating: {:.0} MB/s of JSON out (best run)",
        measure::mb_per_sec(plain.len() as u64, t[5].min())
    );
    Ok(())
}

fn ratio_of(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(f64::MIN_POSITIVE)
}
