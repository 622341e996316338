//! The child side: one controller of Pods with a no-op reconcile, in a process of its own.
//! Reports when every Pod has been reconciled once and the memory after a settle.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use std::convert::Infallible;

use kclient::cache::{Compact, SharedInformerFactory};
use kclient::{Action, Controller, Observed, OnError};

use crate::controller::Mode;
use crate::informer::child::{Tally, emit, kclient_client};
use crate::informer::protocol::Report;
use crate::informer::{InformerBenchError, proc_status};

#[cfg(feature = "kube-rs")]
mod kube_rs;

/// What one child run does.
#[derive(Clone, Debug)]
pub struct ChildArgs {
    /// Client and mode.
    pub mode: Mode,
    /// The test server's kubeconfig.
    pub kubeconfig: PathBuf,
    /// Namespace of the Pods.
    pub namespace: String,
    /// Pods on the server: done means this many reconciles.
    pub expect: usize,
    /// Reconciles at once; 0 leaves each client's default (kclient 1, kube-rs unbounded).
    pub concurrency: usize,
    /// Pause after the last reconcile before the steady memory reading.
    pub settle: Duration,
    /// Longest wait for every reconcile.
    pub timeout: Duration,
}

/// Runs the child and prints its [`Report`]s on stdout.
pub async fn run(args: &ChildArgs) -> Result<(), InformerBenchError> {
    let tally = Tally::new(args.expect as u64);
    match args.mode {
        Mode::Kclient | Mode::KclientCompact => run_kclient(args, tally).await,
        Mode::KubeListWatch | Mode::KubeStreaming => run_kube(args, tally).await,
    }
}

#[cfg(feature = "kube-rs")]
use kube_rs::run as run_kube;

/// Without the `kube-rs` feature there is no kube-rs to run: its modes are refused.
#[cfg(not(feature = "kube-rs"))]
async fn run_kube(args: &ChildArgs, _tally: Arc<Tally>) -> Result<(), InformerBenchError> {
    Err(InformerBenchError::Protocol(format!(
        "mode {} needs kclient-bench built with `--features kube-rs`",
        args.mode.as_str()
    )))
}

/// The no-op reconcile: counts.
async fn reconcile(_pod: Observed<Pod>, tally: Arc<Tally>) -> Result<Action, Infallible> {
    tally.record();
    Ok(Action::await_change())
}

/// The no-op reconcile of a `Compact` cache: decodes the Pod (what a reconcile reading it
/// pays), then counts.
async fn reconcile_compact(
    pod: Observed<Compact<Pod>>,
    tally: Arc<Tally>,
) -> Result<Action, String> {
    let decoded = pod.object().decode().map_err(|e| e.to_string())?;
    std::hint::black_box(decoded);
    tally.record();
    Ok(Action::await_change())
}

async fn run_kclient(args: &ChildArgs, tally: Arc<Tally>) -> Result<(), InformerBenchError> {
    let client = kclient_client(&args.kubeconfig, false)?;
    let factory = SharedInformerFactory::builder(client)
        .namespace(args.namespace.clone())
        .build();
    // 0 keeps kclient's default of one worker.
    let workers = args.concurrency.max(1);
    let base = proc_status::current()?.current;
    let started = Instant::now();
    let running = if args.mode == Mode::KclientCompact {
        let controller = Controller::<Compact<Pod>>::compact(&factory).concurrency(workers);
        tokio::spawn(controller.run(reconcile_compact, |_, _, _| OnError::Backoff, tally.clone()))
    } else {
        let controller = Controller::<Pod>::new(&factory).concurrency(workers);
        tokio::spawn(controller.run(reconcile, |_, _, _| OnError::Backoff, tally.clone()))
    };
    let done = wait_done(args, &tally, started).await;
    if running.is_finished() {
        return match running.await {
            Ok(Err(e)) => Err(e.into()),
            _ => Err(InformerBenchError::Mismatch(
                "kclient controller stopped".into(),
            )),
        };
    }
    report(args, &tally, base, done?.duration_since(started)).await
}

/// Waits until the tally has its every reconcile; the time of the last.
pub(crate) async fn wait_done(
    args: &ChildArgs,
    tally: &Tally,
    started: Instant,
) -> Result<Instant, InformerBenchError> {
    loop {
        if let Some(done) = tally.done_at() {
            return Ok(done);
        }
        if started.elapsed() > args.timeout {
            return Err(InformerBenchError::Mismatch(format!(
                "{}: {} of {} Pods reconciled",
                args.mode.as_str(),
                tally.count(),
                args.expect
            )));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Reports the time and memory at the last reconcile, then after the settle the steady
/// memory and the reconciles made (a client reconciling a key twice shows here).
pub(crate) async fn report(
    args: &ChildArgs,
    tally: &Tally,
    base: u64,
    took: Duration,
) -> Result<(), InformerBenchError> {
    let at_done = proc_status::current()?;
    emit(&Report::Synced {
        secs: took.as_secs_f64(),
        objects: tally.count(),
        base,
        peak: at_done.peak,
        rss: at_done.current,
    })?;
    tokio::time::sleep(args.settle).await;
    let steady = proc_status::current()?;
    emit(&Report::Steady {
        peak: steady.peak,
        rss: steady.current,
    })?;
    let reconciles = tally.count();
    if reconciles != args.expect as u64 {
        return Err(InformerBenchError::Mismatch(format!(
            "{}: {reconciles} reconciles of {} Pods",
            args.mode.as_str(),
            args.expect
        )));
    }
    Ok(())
}
