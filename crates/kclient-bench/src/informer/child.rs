//! The child side: one client, one mode, in a process of its own. Builds the client, starts
//! the informer (kclient) or reflector (kube-rs), reports when the cache holds every Pod, the
//! memory after a settle, and, with handlers, how fast updates reach them.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient::Object;
use kclient::cache::{
    Compact, HandlerFuncs, ListerWatcher, ReflectorConfig, RestListerWatcher, SharedIndexInformer,
};

use crate::informer::projection::PodSummary;
use crate::informer::protocol::Report;
use crate::informer::{InformerBenchError, Mode, TICK_LABEL, proc_status};

#[cfg(feature = "kube-rs")]
pub(crate) mod kube_rs;

/// Capacity of kube-rs's shared-store broadcast (`reflector::store_shared`): events the
/// slowest subscriber may lag behind before the reflector waits for it.
pub const SUBSCRIBER_BUFFER: usize = 1_024;

/// What one child run does.
#[derive(Clone, Debug)]
pub struct ChildArgs {
    /// Client and mode.
    pub mode: Mode,
    /// The test server's kubeconfig.
    pub kubeconfig: PathBuf,
    /// Namespace of the Pods.
    pub namespace: String,
    /// Pods the server holds: synced means the cache holds this many.
    pub expect: usize,
    /// Handlers (kclient) or shared-store subscribers (kube-rs); 0 measures sync only.
    pub handlers: usize,
    /// Updates each handler must see.
    pub events: u64,
    /// Value of [`TICK_LABEL`] on the updates this run counts.
    pub tick: String,
    /// Pause after sync before the steady memory reading.
    pub settle: Duration,
    /// Longest wait for sync or for the events.
    pub timeout: Duration,
}

/// The hidden flags a benchmark binary re-executed as a child gets from the parent
/// (`#[command(flatten)]` into the binary's own arguments).
#[derive(clap::Args, Clone, Debug)]
pub struct ChildFlags {
    /// Internal: run as the child measuring this client mode.
    #[arg(long, hide = true)]
    pub child: Option<String>,
    /// Internal (child): the server's kubeconfig.
    #[arg(long, hide = true)]
    pub kubeconfig: Option<PathBuf>,
    /// Internal (child): the Pods' namespace.
    #[arg(long, hide = true, default_value = crate::data::NAMESPACE)]
    pub namespace: String,
    /// Internal (child): Pods on the server.
    #[arg(long, hide = true, default_value_t = 0)]
    pub expect: usize,
    /// Internal (child): the tick label value this run counts.
    #[arg(long, hide = true, default_value = "none")]
    pub tick: String,
}

impl ChildFlags {
    /// When this process is a child (`--child MODE`), what it runs; `known` says which modes
    /// the binary measures.
    pub fn child_args(
        &self,
        known: impl Fn(Mode) -> bool,
        handlers: usize,
        events: u64,
        settle: Duration,
        timeout: Duration,
    ) -> Result<Option<ChildArgs>, InformerBenchError> {
        let Some(mode) = &self.child else {
            return Ok(None);
        };
        let mode = Mode::parse(mode)
            .filter(|m| known(*m))
            .ok_or_else(|| InformerBenchError::Protocol(format!("mode {mode}")))?;
        let kubeconfig = self
            .kubeconfig
            .clone()
            .ok_or_else(|| InformerBenchError::Protocol("--child needs --kubeconfig".into()))?;
        Ok(Some(ChildArgs {
            mode,
            kubeconfig,
            namespace: self.namespace.clone(),
            expect: self.expect,
            handlers,
            events,
            tick: self.tick.clone(),
            settle,
            timeout,
        }))
    }
}

/// Runs a benchmark binary's `main` on a tokio runtime and exits with its outcome, without
/// tearing down the caches: nothing is measured after.
pub fn main_exit<E: std::fmt::Display>(name: &str, run: impl Future<Output = Result<(), E>>) -> ! {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("{name}: tokio runtime: {err}");
            std::process::exit(1);
        }
    };
    match runtime.block_on(run) {
        Ok(()) => std::process::exit(0),
        Err(err) => {
            eprintln!("{name}: {err}");
            std::process::exit(1);
        }
    }
}

/// Counts the updates one handler saw (or the reconciles a controller made) and when the
/// first and the `target`th arrived.
#[derive(Debug)]
pub(crate) struct Tally {
    target: u64,
    count: AtomicU64,
    first: OnceLock<Instant>,
    done: OnceLock<Instant>,
}

impl Tally {
    pub(crate) fn new(target: u64) -> Arc<Self> {
        Arc::new(Self {
            target,
            count: AtomicU64::new(0),
            first: OnceLock::new(),
            done: OnceLock::new(),
        })
    }

    /// When the `target`th record came, if it has.
    pub(crate) fn done_at(&self) -> Option<Instant> {
        self.done.get().copied()
    }

    /// Records so far.
    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    pub(crate) fn record(&self) {
        let now = Instant::now();
        self.first.get_or_init(|| now);
        if self.count.fetch_add(1, Ordering::Relaxed) + 1 == self.target {
            let _ = self.done.set(now);
        }
    }
}

fn has_tick(meta: &ObjectMeta, tick: &str) -> bool {
    meta.labels
        .as_ref()
        .and_then(|labels| labels.get(TICK_LABEL))
        .is_some_and(|value| value == tick)
}

/// Prints `report` for the parent.
pub(crate) fn emit(report: &Report) -> Result<(), InformerBenchError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", report.to_line())?;
    out.flush()?;
    Ok(())
}

/// Runs the child and prints its [`Report`]s on stdout.
pub async fn run(args: &ChildArgs) -> Result<(), InformerBenchError> {
    let tallies: Vec<Arc<Tally>> = (0..args.handlers)
        .map(|_| Tally::new(args.events))
        .collect();
    if args.mode.is_kube() {
        run_kube(args, &tallies).await
    } else {
        run_kclient(args, &tallies).await
    }
}

#[cfg(feature = "kube-rs")]
use kube_rs::run as run_kube;

/// Without the `kube-rs` feature there is no kube-rs to run: a kube-rs mode is refused with a
/// message naming the feature, rather than measured as something else.
#[cfg(not(feature = "kube-rs"))]
async fn run_kube(args: &ChildArgs, _tallies: &[Arc<Tally>]) -> Result<(), InformerBenchError> {
    Err(InformerBenchError::Protocol(format!(
        "mode {} needs kclient-bench built with `--features kube-rs`",
        args.mode.as_str()
    )))
}

async fn run_kclient(args: &ChildArgs, tallies: &[Arc<Tally>]) -> Result<(), InformerBenchError> {
    let client = kclient_client(&args.kubeconfig, args.mode.json_only())?;
    let mut config = ReflectorConfig::for_type::<Pod>();
    config.use_watch_list = args.mode.uses_watch_list();
    if args.mode.is_compact() {
        let lw = RestListerWatcher::<Compact<Pod>>::compact(client);
        let informer = SharedIndexInformer::new(lw.namespace(args.namespace.clone()), config);
        return drive_kclient(args, tallies, informer, Compact::meta).await;
    }
    if args.mode.is_projection() {
        let lw = RestListerWatcher::<PodSummary>::new(client).namespace(args.namespace.clone());
        let informer = SharedIndexInformer::new(lw, config);
        if args.mode.strips_managed_fields() {
            informer.set_transform(kclient::cache::strip_managed_fields())?;
        }
        return drive_kclient(args, tallies, informer, |pod: &PodSummary| &pod.metadata).await;
    }
    let lw = RestListerWatcher::<Pod>::new(client).namespace(args.namespace.clone());
    let informer = SharedIndexInformer::new(lw, config);
    if args.mode.strips_managed_fields() {
        informer.set_transform(kclient::cache::strip_managed_fields())?;
    }
    drive_kclient(args, tallies, informer, |pod: &Pod| &pod.metadata).await
}

/// kclient's client of the server in `kubeconfig`, uncompressed and without client-side rate
/// limit: kube-rs is built without gzip and has no rate limit, and client-go's 5 QPS default
/// would pace the pages. `json_only` turns protobuf (the default for built-in kinds) off.
pub(crate) fn kclient_client(
    kubeconfig: &std::path::Path,
    json_only: bool,
) -> Result<kclient::rest::RestClient, InformerBenchError> {
    let mut config = kclient::config::Config::from_kubeconfig_file(
        kubeconfig,
        &kclient::config::KubeconfigOptions::default(),
    )?;
    if json_only {
        config = config.json_only();
    }
    // kube-rs is built without its gzip feature: both clients read uncompressed lists.
    config.disable_compression = true;
    Ok(kclient::rest::RestClient::builder(config)
        .without_rate_limit()
        .build()?)
}

/// Runs a configured informer of `K` to sync and through the updates.
async fn drive_kclient<K, L>(
    args: &ChildArgs,
    tallies: &[Arc<Tally>],
    informer: SharedIndexInformer<K, L>,
    meta: fn(&K) -> &ObjectMeta,
) -> Result<(), InformerBenchError>
where
    K: Object,
    L: ListerWatcher<K> + Send + Sync + 'static,
{
    let mut registrations = Vec::with_capacity(tallies.len());
    for tally in tallies {
        let tally = tally.clone();
        let tick = args.tick.clone();
        registrations.push(informer.add_event_handler(HandlerFuncs::new().on_update(
            move |_old, new| {
                if has_tick(meta(new), &tick) {
                    tally.record();
                }
            },
        ))?);
    }
    let base = proc_status::current()?.current;
    let started = Instant::now();
    let runner = informer.clone();
    let running = tokio::spawn(async move { runner.run().await });
    let synced = tokio::time::timeout(args.timeout, informer.wait_for_cache_sync())
        .await
        .map_err(|_| InformerBenchError::Mismatch("kclient informer not synced in time".into()))?;
    if !synced {
        return match running.await {
            Ok(Err(err)) => Err(err.into()),
            _ => Err(InformerBenchError::Mismatch(
                "kclient informer stopped before sync".into(),
            )),
        };
    }
    wait_for_len(args, started, || informer.indexer().len()).await?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(health) = informer.health() {
        let health = health.borrow().clone();
        eprintln!(
            "kclient {}: watch_list={} lists={}",
            args.mode.as_str(),
            health.watch_list,
            health.lists
        );
    }
    let len = informer.indexer().len();
    finish(args, tallies, base, secs, len).await?;
    drop(registrations);
    drop(informer);
    Ok(())
}

/// Both clients call themselves ready once the initial state is stored; this also insists
/// the cache holds every Pod, so a short list cannot pass for a fast one.
async fn wait_for_len(
    args: &ChildArgs,
    started: Instant,
    len: impl Fn() -> usize,
) -> Result<(), InformerBenchError> {
    while len() < args.expect {
        if started.elapsed() > args.timeout {
            return Err(InformerBenchError::Mismatch(format!(
                "{}: cache holds {} of {} Pods",
                args.mode.as_str(),
                len(),
                args.expect
            )));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

async fn finish(
    args: &ChildArgs,
    tallies: &[Arc<Tally>],
    base: u64,
    secs: f64,
    objects: usize,
) -> Result<(), InformerBenchError> {
    let at_sync = proc_status::current()?;
    emit(&Report::Synced {
        secs,
        objects: objects as u64,
        base,
        peak: at_sync.peak,
        rss: at_sync.current,
    })?;
    tokio::time::sleep(args.settle).await;
    let steady = proc_status::current()?;
    emit(&Report::Steady {
        peak: steady.peak,
        rss: steady.current,
    })?;
    if tallies.is_empty() {
        return Ok(());
    }
    emit(&Report::Ready)?;
    let waiting = Instant::now();
    while tallies.iter().any(|t| t.done.get().is_none()) {
        if waiting.elapsed() > args.timeout {
            let counts: Vec<u64> = tallies
                .iter()
                .map(|t| t.count.load(Ordering::Relaxed))
                .collect();
            return Err(InformerBenchError::Mismatch(format!(
                "handlers saw {counts:?} of {} updates",
                args.events
            )));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let first = tallies.iter().filter_map(|t| t.first.get()).min().copied();
    let last = tallies.iter().filter_map(|t| t.done.get()).max().copied();
    let secs = match (first, last) {
        (Some(first), Some(last)) => last.duration_since(first).as_secs_f64(),
        _ => {
            return Err(InformerBenchError::Mismatch(
                "no update reached a handler".into(),
            ));
        }
    };
    emit(&Report::Events {
        events: args.events,
        handlers: tallies.len() as u64,
        secs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn tally_marks_the_last_expected_event() {
        let tally = Tally::new(2);
        tally.record();
        assert!(tally.first.get().is_some() && tally.done.get().is_none());
        tally.record();
        tally.record();
        assert!(tally.done.get().is_some());
        assert_eq!(tally.count.load(Ordering::Relaxed), 3);
    }

    #[cfg(not(feature = "kube-rs"))]
    #[tokio::test]
    async fn kube_rs_modes_are_refused_without_the_feature() {
        let args = ChildArgs {
            mode: Mode::KubeListWatch,
            kubeconfig: PathBuf::from("/nonexistent/kubeconfig"),
            namespace: "bench".into(),
            expect: 1,
            handlers: 0,
            events: 0,
            tick: "none".into(),
            settle: Duration::ZERO,
            timeout: Duration::from_secs(1),
        };
        let err = run(&args).await.unwrap_err();
        assert!(
            matches!(&err, InformerBenchError::Protocol(m) if m.contains("--features kube-rs")),
            "{err}"
        );
    }

    #[test]
    fn only_this_runs_tick_counts() {
        let mut pod = Pod::default();
        assert!(!has_tick(&pod.metadata, "run-1"));
        pod.metadata.labels = Some(BTreeMap::from([(
            TICK_LABEL.to_owned(),
            "run-0".to_owned(),
        )]));
        assert!(!has_tick(&pod.metadata, "run-1"));
        assert!(has_tick(&pod.metadata, "run-0"));
    }
}
