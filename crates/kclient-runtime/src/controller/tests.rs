//! The workers on a paused clock: retries through the rate limiter, requeue-after, error
//! policies, gone objects, panics, never-concurrent keys and graceful shutdown. Informers and
//! leader election are exercised against the embedded server in `tests/controller.rs`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::Indexer;
use kclient_workqueue::RateLimitingQueue;
use kclient_workqueue::limiters::default_controller_rate_limiter;
use parking_lot::Mutex;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

use super::metrics::ControllerStats;
use super::sources::Tombstones;
use super::worker::{ReconcileFailure, ReconcileReport, Workers};
use super::{Action, ControllerMetrics, ErrorContext, ObjectKey, Observed, OnError};

fn cm(name: &str) -> Arc<ConfigMap> {
    Arc::new(ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            resource_version: Some("1".into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    })
}

fn key(name: &str) -> ObjectKey {
    ObjectKey::namespaced("default", name)
}

type Calls = Arc<Mutex<Vec<(Duration, String, bool)>>>;

/// What the recording reconcile returns.
type Recorded = std::pin::Pin<Box<dyn Future<Output = Result<Action, String>> + Send>>;

struct Harness<F, P> {
    workers: Arc<Workers<ConfigMap, F, P, Calls, String>>,
    cache: Indexer<ConfigMap>,
    tombstones: Tombstones<ConfigMap>,
    calls: Calls,
    reports: mpsc::UnboundedReceiver<ReconcileReport<String>>,
    stats: Arc<ControllerStats>,
}

/// Workers over a cache holding `names`, with `reconcile` and `policy`; every reconcile is
/// recorded (time since the start, name, gone) before `reconcile` runs.
fn harness<F, Fut, P>(
    names: &[&str],
    reconcile: F,
    policy: P,
) -> Harness<impl Fn(Observed<ConfigMap>, Arc<Calls>) -> Recorded + Send + Sync + 'static, P>
where
    F: Fn(Observed<ConfigMap>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Action, String>> + Send + 'static,
    P: Fn(&String, &ErrorContext<ConfigMap>, &Calls) -> OnError + Send + Sync + 'static,
{
    let cache = Indexer::new();
    for name in names {
        cache.add(cm(name)).expect("add");
    }
    let tombstones: Tombstones<ConfigMap> = Arc::new(Mutex::new(HashMap::new()));
    let calls: Calls = Arc::default();
    let start = Instant::now();
    let (tx, reports) = mpsc::unbounded_channel();
    let stats = Arc::new(ControllerStats::default());
    let record = move |obj: Observed<ConfigMap>, calls: Arc<Calls>| {
        let name = obj.object().metadata.name.clone().unwrap_or_default();
        calls.lock().push((start.elapsed(), name, obj.is_gone()));
        Box::pin(reconcile(obj)) as Recorded
    };
    let workers = Arc::new(Workers {
        queue: RateLimitingQueue::new(default_controller_rate_limiter()),
        cache: cache.clone(),
        tombstones: tombstones.clone(),
        reconcile: record,
        error_policy: policy,
        ctx: Arc::new(calls.clone()),
        reports: Some(tx),
        metrics: Some(stats.clone() as Arc<dyn ControllerMetrics>),
        active: AtomicUsize::new(0),
    });
    Harness {
        workers,
        cache,
        tombstones,
        calls,
        reports,
        stats,
    }
}

fn backoff(_: &String, _: &ErrorContext<ConfigMap>, _: &Calls) -> OnError {
    OnError::Backoff
}

fn times(calls: &Calls, name: &str) -> Vec<Duration> {
    calls
        .lock()
        .iter()
        .filter(|(_, n, _)| n == name)
        .map(|(t, _, _)| *t)
        .collect()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(start_paused = true)]
async fn failures_are_retried_with_the_default_per_key_backoff() {
    let h = harness(&["a"], |_| async { Err("boom".to_owned()) }, backoff);
    let stop = CancellationToken::new();
    let run = tokio::spawn(h.workers.clone().run(1, stop.clone(), ms(100)));
    h.workers.queue.add(key("a"));
    sleep(ms(100)).await;
    // 5 ms doubling: attempts at 0, 5, 15, 35, 75 ms.
    assert_eq!(times(&h.calls, "a"), [0, 5, 15, 35, 75].map(ms));
    assert_eq!(h.workers.queue.num_requeues(&key("a")), 5);
    assert_eq!(h.stats.errors(), 5);
    stop.cancel();
    assert_eq!(run.await.expect("join"), 0);
}

#[tokio::test(start_paused = true)]
async fn the_error_policy_sees_the_retry_count_and_chooses_the_retry() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let h = harness(
        &["a", "b"],
        |_| async { Err("boom".to_owned()) },
        move |err: &String, ctx: &ErrorContext<ConfigMap>, _: &Calls| {
            record
                .lock()
                .push((ctx.key.name.clone(), ctx.retries, err.clone()));
            match ctx.key.name.as_str() {
                "a" => OnError::RequeueAfter(Duration::from_secs(7)),
                _ => OnError::Forget,
            }
        },
    );
    let stop = CancellationToken::new();
    let run = tokio::spawn(h.workers.clone().run(2, stop.clone(), ms(100)));
    h.workers.queue.add(key("a"));
    h.workers.queue.add(key("b"));
    sleep(Duration::from_secs(15)).await;
    assert_eq!(
        times(&h.calls, "a"),
        [0, 7, 14].map(Duration::from_secs),
        "requeued after exactly 7 s each time"
    );
    assert_eq!(times(&h.calls, "b"), [Duration::ZERO], "forgotten");
    // RequeueAfter resets the failure count, so every failure is a first one.
    assert!(
        seen.lock()
            .iter()
            .all(|(_, retries, err)| *retries == 0 && err == "boom")
    );
    stop.cancel();
    run.await.expect("join");
}

#[tokio::test(start_paused = true)]
async fn requeue_after_reconciles_again_and_success_forgets_failures() {
    let h = harness(
        &["a"],
        |_| async { Ok(Action::requeue(Duration::from_secs(30))) },
        backoff,
    );
    h.workers.queue.add_rate_limited(key("a"));
    let stop = CancellationToken::new();
    let run = tokio::spawn(h.workers.clone().run(1, stop.clone(), ms(100)));
    sleep(Duration::from_secs(61)).await;
    // The rate-limited add waited 5 ms; then every 30 s.
    assert_eq!(times(&h.calls, "a"), [ms(5), ms(30_005), ms(60_005)]);
    assert_eq!(h.workers.queue.num_requeues(&key("a")), 0);
    assert_eq!(h.stats.requeues(), 3);
    stop.cancel();
    run.await.expect("join");
}

#[tokio::test(start_paused = true)]
async fn a_deleted_object_is_reconciled_once_as_gone_with_its_last_state() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let count = attempts.clone();
    let mut h = harness(
        &[],
        move |obj: Observed<ConfigMap>| {
            let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                assert!(obj.is_gone());
                assert_eq!(obj.object().metadata.resource_version.as_deref(), Some("1"));
                // The first clean-up fails: the tombstone is kept for the retry.
                if n == 0 {
                    Err("not yet".to_owned())
                } else {
                    Ok(Action::await_change())
                }
            }
        },
        backoff,
    );
    h.tombstones.lock().insert(key("gone"), cm("gone"));
    h.workers.queue.add(key("gone"));
    let stop = CancellationToken::new();
    let run = tokio::spawn(h.workers.clone().run(1, stop.clone(), ms(100)));
    sleep(ms(50)).await;
    assert_eq!(times(&h.calls, "gone"), [0, 5].map(ms));
    assert!(
        h.tombstones.lock().is_empty(),
        "dropped after the successful Gone reconcile"
    );
    let first = h.reports.recv().await.expect("report");
    assert!(first.gone && matches!(first.result, Err(ReconcileFailure::Error(_))));
    let second = h.reports.recv().await.expect("report");
    assert!(second.gone && matches!(second.result, Ok(Action::AwaitChange)));

    // Neither in the cache nor buried: nothing to reconcile.
    h.workers.queue.add(key("gone"));
    sleep(ms(50)).await;
    assert_eq!(times(&h.calls, "gone").len(), 2);
    assert!(h.cache.is_empty());
    stop.cancel();
    run.await.expect("join");
}

#[tokio::test(start_paused = true)]
async fn a_panicking_reconcile_is_retried_and_its_worker_carries_on() {
    let mut h = harness(
        &["bad", "good"],
        |obj: Observed<ConfigMap>| async move {
            if obj.object().metadata.name.as_deref() == Some("bad") {
                panic!("reconcile bug");
            }
            Ok(Action::await_change())
        },
        backoff,
    );
    let stop = CancellationToken::new();
    let run = tokio::spawn(h.workers.clone().run(1, stop.clone(), ms(100)));
    h.workers.queue.add(key("bad"));
    h.workers.queue.add(key("good"));
    sleep(ms(10)).await;
    assert_eq!(times(&h.calls, "bad"), [0, 5].map(ms));
    assert_eq!(times(&h.calls, "good"), [ms(0)]);
    let report = h.reports.recv().await.expect("report");
    assert!(
        matches!(&report.result, Err(ReconcileFailure::Panicked(m)) if m == "reconcile bug"),
        "{report:?}"
    );
    assert!(h.stats.panics() >= 2);
    stop.cancel();
    run.await.expect("join");
}

#[tokio::test(start_paused = true)]
async fn a_key_is_never_reconciled_twice_at_once_and_a_change_meanwhile_runs_it_again() {
    let running = Arc::new(Mutex::new(Vec::<String>::new()));
    let overlaps = Arc::new(AtomicUsize::new(0));
    let (r, o) = (running.clone(), overlaps.clone());
    let h = harness(
        &["a", "b", "c"],
        move |obj: Observed<ConfigMap>| {
            let (running, overlaps) = (r.clone(), o.clone());
            async move {
                let name = obj.object().metadata.name.clone().unwrap_or_default();
                if running.lock().contains(&name) {
                    overlaps.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                running.lock().push(name.clone());
                sleep(ms(100)).await;
                running.lock().retain(|n| n != &name);
                Ok(Action::await_change())
            }
        },
        backoff,
    );
    let stop = CancellationToken::new();
    let run = tokio::spawn(
        h.workers
            .clone()
            .run(4, stop.clone(), Duration::from_secs(1)),
    );
    for name in ["a", "b", "c"] {
        h.workers.queue.add(key(name));
    }
    sleep(ms(10)).await;
    // Changes of "a" while it is being reconciled: queued once, run after.
    for _ in 0..5 {
        h.workers.queue.add(key("a"));
    }
    sleep(ms(500)).await;
    assert_eq!(overlaps.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(times(&h.calls, "a"), [0, 100].map(ms));
    assert_eq!(times(&h.calls, "b"), [ms(0)]);
    assert_eq!(h.stats.max_active_workers(), 3);
    stop.cancel();
    run.await.expect("join");
}

#[tokio::test(start_paused = true)]
async fn shutdown_takes_no_new_key_and_lets_in_flight_reconciles_finish() {
    let h = harness(
        &["slow", "next"],
        |_| async {
            sleep(Duration::from_secs(5)).await;
            Ok(Action::await_change())
        },
        backoff,
    );
    let stop = CancellationToken::new();
    let start = Instant::now();
    let run = tokio::spawn(
        h.workers
            .clone()
            .run(1, stop.clone(), Duration::from_secs(30)),
    );
    h.workers.queue.add(key("slow"));
    h.workers.queue.add(key("next"));
    sleep(Duration::from_secs(1)).await;
    stop.cancel();
    assert_eq!(run.await.expect("join"), 0, "nothing abandoned");
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(5),
        "waited for the in-flight one"
    );
    assert_eq!(times(&h.calls, "slow"), [Duration::ZERO]);
    assert!(
        times(&h.calls, "next").is_empty(),
        "no key taken after the stop"
    );
    assert_eq!(h.stats.successes(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_shutdown_deadline_cancels_reconciles_that_run_on() {
    let h = harness(
        &["stuck"],
        |_| async {
            sleep(Duration::from_secs(3600)).await;
            Ok(Action::await_change())
        },
        backoff,
    );
    let stop = CancellationToken::new();
    let start = Instant::now();
    let run = tokio::spawn(
        h.workers
            .clone()
            .run(2, stop.clone(), Duration::from_secs(10)),
    );
    h.workers.queue.add(key("stuck"));
    sleep(Duration::from_secs(1)).await;
    stop.cancel();
    assert_eq!(run.await.expect("join"), 1, "one reconcile abandoned");
    assert_eq!(start.elapsed(), Duration::from_secs(11));
    assert_eq!(h.stats.reconciles(), 0);
}
