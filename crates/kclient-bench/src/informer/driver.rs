//! The parent side: one `TestServer` loaded with Pods, one child process per client and
//! mode, and the updates written while throughput children count them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use kclient::core::patch::{Patch, PatchType};
use kclient::rest::RestClient;
use kclient::testserver::TestServer;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::data::{NAMESPACE, PodTemplate, pod_name};
use crate::informer::protocol::Report;
use crate::informer::{InformerBenchError, Mode, TICK_LABEL};

/// Requests in flight while loading the server and writing updates.
pub(crate) const WRITE_CONCURRENCY: usize = 32;

/// What the parent measures.
#[derive(Clone, Debug)]
pub struct Options {
    /// Pod counts to sync, ascending (the server grows from one to the next).
    pub sizes: Vec<usize>,
    /// Updates written for the throughput runs (at the smallest size).
    pub events: usize,
    /// Handler counts for the throughput runs.
    pub handlers: Vec<usize>,
    /// Settle time after sync before the steady memory reading.
    pub settle: Duration,
    /// Longest a child may take to sync or to see all updates.
    pub timeout: Duration,
    /// Client modes to run (all of [`Mode::ALL`] for the docs).
    pub modes: Vec<Mode>,
}

/// One child's sync and memory figures.
#[derive(Clone, Debug)]
pub struct SyncRun {
    /// Client and mode.
    pub mode: Mode,
    /// Pods on the server (and in the cache).
    pub pods: usize,
    /// Seconds to synced.
    pub secs: f64,
    /// RSS before the client started, bytes.
    pub base: u64,
    /// `VmHWM` at the steady reading: the peak of the whole run, bytes.
    pub peak: u64,
    /// `VmRSS` at sync, bytes.
    pub rss_at_sync: u64,
    /// `VmRSS` after the settle, bytes.
    pub steady: u64,
}

impl SyncRun {
    /// Steady RSS above the baseline per cached Pod.
    pub fn bytes_per_pod(&self) -> f64 {
        self.steady.saturating_sub(self.base) as f64 / self.pods.max(1) as f64
    }
}

/// One child's throughput figure.
#[derive(Clone, Debug)]
pub struct EventRun {
    /// Client and mode.
    pub mode: Mode,
    /// Handlers or subscribers.
    pub handlers: usize,
    /// Updates each handler saw.
    pub events: u64,
    /// Seconds from the first update at any handler to the last at the last.
    pub secs: f64,
    /// Seconds the parent took to write the updates while the child was stopped.
    pub write_secs: f64,
}

impl EventRun {
    /// Updates per second reaching each handler.
    pub fn per_handler(&self) -> f64 {
        self.events as f64 / self.secs.max(f64::EPSILON)
    }
}

/// Everything one run measured.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// Sync figures, per size and mode.
    pub syncs: Vec<SyncRun>,
    /// Throughput figures.
    pub events: Vec<EventRun>,
    /// Size of one Pod as the server returns it, bytes of JSON.
    pub pod_bytes: usize,
    /// Seconds spent loading the server.
    pub load_secs: f64,
}

/// The modes the throughput runs compare: throughput after sync does not depend on how the
/// initial state was fetched, so only the default list+watch of each client.
pub const EVENT_MODES: [Mode; 2] = [Mode::KubeListWatch, Mode::KclientListWatch];

/// Runs the whole benchmark; `exe` is the binary to re-execute for children.
pub async fn run(exe: &Path, options: &Options) -> Result<Results, InformerBenchError> {
    let server = TestServer::builder()
        // Every update stays in history and in the watcher's buffer while the child is
        // stopped, so its watch is neither cut off nor sent 410.
        .history_size(options.events + 1_000)
        .watcher_buffer(options.events + 1_000)
        .build()
        .await?;
    let client = RestClient::builder(server.config())
        .without_rate_limit()
        .build()?;
    let dir = tempfile::tempdir()?;
    let kubeconfig = dir.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig)?;
    create_namespace(&client).await?;
    let template = PodTemplate::bundled().map_err(InformerBenchError::Bench)?;
    let mut results = Results::default();
    let mut loaded = 0;
    let mut sizes = options.sizes.clone();
    sizes.sort_unstable();
    for (step, &size) in sizes.iter().enumerate() {
        let started = Instant::now();
        crate::fixture::create_pods(&client, &template, loaded..size, WRITE_CONCURRENCY).await?;
        results.load_secs += started.elapsed().as_secs_f64();
        eprintln!("loaded {size} Pods in {:.1?}", started.elapsed());
        loaded = size;
        if results.pod_bytes == 0 {
            results.pod_bytes = pod_bytes(&client).await?;
        }
        warm_protobuf_encodings(&client).await?;
        // One round per size, so kclient's children go first at one size and kube-rs's at
        // the next.
        for mode in modes_in_round(step + 1, &options.modes) {
            let child = Child {
                exe,
                kubeconfig: &kubeconfig,
                mode,
                expect: size,
                handlers: 0,
                events: 0,
                tick: "none",
                options,
            };
            let run = child.sync().await?;
            eprintln!("{run:?}");
            results.syncs.push(run);
        }
        // Throughput at the smallest size only: it does not depend on the cache size, and
        // each run has to sync first.
        if step == 0 {
            let events = options.events.min(size);
            let event_modes: Vec<Mode> = EVENT_MODES
                .into_iter()
                .filter(|m| options.modes.contains(m))
                .collect();
            let mut runs = 0;
            // `--handlers 0` measures sync only; each handler count is a round.
            let handler_counts = options.handlers.iter().filter(|&&h| h > 0);
            for (round, &handlers) in (1..).zip(handler_counts) {
                for mode in modes_in_round(round, &event_modes) {
                    runs += 1;
                    let tick = format!("run-{runs}");
                    let child = Child {
                        exe,
                        kubeconfig: &kubeconfig,
                        mode,
                        expect: size,
                        handlers,
                        events: events as u64,
                        tick: &tick,
                        options,
                    };
                    let run = child.events(&client).await?;
                    eprintln!("{run:?}");
                    results.events.push(run);
                }
            }
        }
    }
    server.shutdown().await;
    Ok(results)
}

/// `modes` in the order round `round` runs them: kclient's first in odd rounds, kube-rs's
/// first in even ones ([`round_order`](crate::rounds::round_order)).
pub fn modes_in_round(round: usize, modes: &[Mode]) -> Vec<Mode> {
    crate::rounds::in_round(round, modes, |mode| mode.side())
}

/// One child process to run.
struct Child<'a> {
    exe: &'a Path,
    kubeconfig: &'a Path,
    mode: Mode,
    expect: usize,
    handlers: usize,
    events: u64,
    tick: &'a str,
    options: &'a Options,
}

impl Child<'_> {
    fn spawn(&self) -> Result<tokio::process::Child, InformerBenchError> {
        let mut command = child_command(self.exe, self.mode.as_str(), self.kubeconfig);
        command
            .args(["--expect", &self.expect.to_string()])
            .args(["--handlers", &self.handlers.to_string()])
            .args(["--events", &self.events.to_string()])
            .args(["--tick", self.tick])
            .args(["--settle-ms", &self.options.settle.as_millis().to_string()])
            .args([
                "--timeout-secs",
                &self.options.timeout.as_secs().to_string(),
            ]);
        Ok(command.spawn()?)
    }

    async fn sync(&self) -> Result<SyncRun, InformerBenchError> {
        let mut child = self.spawn()?;
        let mut lines = lines(&mut child)?;
        let synced = next_report(&mut lines).await?;
        let steady = next_report(&mut lines).await?;
        wait_child(child, self.mode.as_str()).await?;
        match (synced, steady) {
            (
                Report::Synced {
                    secs,
                    objects,
                    base,
                    rss,
                    ..
                },
                Report::Steady { peak, rss: steady },
            ) if objects as usize == self.expect => Ok(SyncRun {
                mode: self.mode,
                pods: self.expect,
                secs,
                base,
                peak,
                rss_at_sync: rss,
                steady,
            }),
            other => Err(InformerBenchError::Protocol(format!(
                "{}: unexpected reports {other:?}",
                self.mode.as_str()
            ))),
        }
    }

    /// Waits for the child to be ready, stops it (SIGSTOP) while the updates are written so
    /// they queue up on the server and in the socket, then resumes it: the child then
    /// measures how fast it drains them, not how fast the server can apply writes.
    async fn events(&self, client: &RestClient) -> Result<EventRun, InformerBenchError> {
        let mut child = self.spawn()?;
        let pid = child
            .id()
            .ok_or_else(|| InformerBenchError::Protocol("child without pid".into()))?;
        let mut lines = lines(&mut child)?;
        for _ in 0..2 {
            next_report(&mut lines).await?;
        }
        let ready = next_report(&mut lines).await?;
        if ready != Report::Ready {
            return Err(InformerBenchError::Protocol(format!(
                "expected ready, got {ready:?}"
            )));
        }
        signal(pid, "-STOP").await?;
        let started = Instant::now();
        let written = write_updates(client, self.events as usize, self.tick).await;
        let write_secs = started.elapsed().as_secs_f64();
        signal(pid, "-CONT").await?;
        written?;
        let report = next_report(&mut lines).await?;
        wait_child(child, self.mode.as_str()).await?;
        match report {
            Report::Events {
                events,
                handlers,
                secs,
            } if events == self.events && handlers as usize == self.handlers => Ok(EventRun {
                mode: self.mode,
                handlers: self.handlers,
                events,
                secs,
                write_secs,
            }),
            other => Err(InformerBenchError::Protocol(format!(
                "{}: unexpected report {other:?}",
                self.mode.as_str()
            ))),
        }
    }
}

pub(crate) type Lines = tokio::io::Lines<BufReader<tokio::process::ChildStdout>>;

/// The child's stdout, line by line.
pub(crate) fn lines(child: &mut tokio::process::Child) -> Result<Lines, InformerBenchError> {
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| InformerBenchError::Protocol("child without stdout".into()))?;
    Ok(BufReader::new(stdout).lines())
}

/// The child's next report, skipping other lines.
pub(crate) async fn next_report(lines: &mut Lines) -> Result<Report, InformerBenchError> {
    while let Some(line) = lines.next_line().await? {
        if let Some(report) = Report::parse(&line)? {
            return Ok(report);
        }
    }
    Err(InformerBenchError::Protocol(
        "child exited before reporting".into(),
    ))
}

/// The command running `exe` as the child measuring `mode` against the server of
/// `kubeconfig` (the Pods' namespace set), reports on its stdout; the caller adds the
/// benchmark's own arguments. A profiler can wrap each child:
/// `KCLIENT_BENCH_CHILD_PREFIX="perf record -g -o /tmp/{mode}.data"` runs
/// `perf record ... <exe> --child <mode> ...`.
pub(crate) fn child_command(exe: &Path, mode: &str, kubeconfig: &Path) -> tokio::process::Command {
    let prefix: Vec<String> = std::env::var("KCLIENT_BENCH_CHILD_PREFIX")
        .unwrap_or_default()
        .split_whitespace()
        .map(|word| word.replace("{mode}", mode))
        .collect();
    let mut command = match prefix.split_first() {
        Some((program, args)) => {
            let mut command = tokio::process::Command::new(program);
            command.args(args).arg(exe);
            command
        }
        None => tokio::process::Command::new(exe),
    };
    command
        .arg("--child")
        .arg(mode)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--namespace", NAMESPACE])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    command
}

/// Waits for the child measuring `mode`; a failed exit is an error.
pub(crate) async fn wait_child(
    mut child: tokio::process::Child,
    mode: &str,
) -> Result<(), InformerBenchError> {
    let status = child.wait().await?;
    if status.success() {
        Ok(())
    } else {
        Err(InformerBenchError::Protocol(format!(
            "{mode} child: {status}"
        )))
    }
}

/// Sends a signal to a child of ours by pid, through `kill(1)` (no `unsafe` libc call).
async fn signal(pid: u32, signal: &str) -> Result<(), InformerBenchError> {
    let status = tokio::process::Command::new("kill")
        .arg(signal)
        .arg(pid.to_string())
        .status()
        .await?;
    if status.success() {
        Ok(())
    } else {
        Err(InformerBenchError::Protocol(format!(
            "kill {signal} {pid}: {status}"
        )))
    }
}

pub(crate) async fn create_namespace(client: &RestClient) -> Result<(), InformerBenchError> {
    crate::fixture::create_namespace(client, NAMESPACE)
        .await
        .map_err(InformerBenchError::Bench)
}

/// Bytes of one Pod as the server returns it.
pub(crate) async fn pod_bytes(client: &RestClient) -> Result<usize, InformerBenchError> {
    let response = client
        .get()
        .prefix(["api", "v1"])
        .namespace(NAMESPACE)
        .resource("pods")
        .name(pod_name(0))
        .send()
        .await?;
    Ok(response.body().len())
}

/// Lists the Pods once in protobuf. The server stores objects as the JSON they were created
/// with and makes each one's protobuf encoding on first use, then keeps it; without this the
/// first protobuf child would pay for encoding every Pod, and JSON and protobuf children
/// would not both read stored bytes.
async fn warm_protobuf_encodings(client: &RestClient) -> Result<(), InformerBenchError> {
    let response = client
        .get()
        .prefix(["api", "v1"])
        .namespace(NAMESPACE)
        .resource("pods")
        .accept_negotiated(true)
        .send()
        .await?;
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/vnd.kubernetes.protobuf") {
        return Err(InformerBenchError::Protocol(format!(
            "the server answered a protobuf list with {content_type:?}"
        )));
    }
    Ok(())
}

/// Sets [`TICK_LABEL`] = `tick` on Pods `0..count`: one update event each.
async fn write_updates(
    client: &RestClient,
    count: usize,
    tick: &str,
) -> Result<(), InformerBenchError> {
    let patch = Patch::Merge(json!({ "metadata": { "labels": { TICK_LABEL: tick } } }));
    let patch = &patch;
    futures::stream::iter(0..count)
        .map(|index| async move {
            client
                .patch(PatchType::Merge)
                .prefix(["api", "v1"])
                .namespace(NAMESPACE)
                .resource("pods")
                .name(pod_name(index))
                .patch_body(patch)
                .send()
                .await?;
            Ok::<_, InformerBenchError>(())
        })
        .buffer_unordered(WRITE_CONCURRENCY)
        .try_collect::<()>()
        .await
}

/// The docs file next to the workspace root, wherever the binary runs from.
pub fn default_docs_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/benchmarks.md")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::pod_for_create;

    #[test]
    fn create_bodies_leave_server_fields_out_and_keep_managed_fields() {
        let template = PodTemplate::bundled().unwrap();
        let pod = pod_for_create(&template, 7).unwrap();
        let meta = &pod["metadata"];
        assert_eq!(meta["name"], "bench-000007");
        assert!(meta.get("resourceVersion").is_none() && meta.get("uid").is_none());
        assert!(!meta["managedFields"].as_array().unwrap().is_empty());
        assert!(pod["status"].is_object());
    }

    #[test]
    fn rounds_alternate_which_client_starts() {
        let first = modes_in_round(1, &Mode::ALL);
        let second = modes_in_round(2, &Mode::ALL);
        assert_eq!(first[0], Mode::KclientListWatch);
        let kclient_modes = Mode::ALL.iter().filter(|m| !m.is_kube()).count();
        assert!(first[..kclient_modes].iter().all(|m| !m.is_kube()));
        assert!(first[kclient_modes..].iter().all(|m| m.is_kube()));
        assert_eq!(second, Mode::ALL, "kube-rs first, as listed");
        assert_eq!(
            modes_in_round(1, &EVENT_MODES),
            [Mode::KclientListWatch, Mode::KubeListWatch]
        );
        assert_eq!(modes_in_round(2, &EVENT_MODES), EVENT_MODES);
    }

    #[test]
    fn bytes_per_pod_is_above_the_baseline() {
        let run = SyncRun {
            mode: Mode::KclientListWatch,
            pods: 1_000,
            secs: 1.0,
            base: 10_000_000,
            peak: 40_000_000,
            rss_at_sync: 35_000_000,
            steady: 30_000_000,
        };
        assert_eq!(run.bytes_per_pod(), 20_000.0);
    }
}
