//! Metrics reported to a provider, measured on a paused clock.

use std::sync::Arc;
use std::time::Duration;

use kclient_workqueue::limiters::ItemFastSlow;
use kclient_workqueue::metrics::{
    InMemoryMetricsProvider, NoopMetricsProvider, QueueMetricsSnapshot,
};
use kclient_workqueue::{Queue, QueueConfig, RateLimitingQueue};
use tokio::time::advance;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn settle() {
    for _ in 0..4 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn records_depth_adds_latency_and_work_duration() {
    let provider = Arc::new(InMemoryMetricsProvider::new());
    let config = QueueConfig::new()
        .name("pods")
        .metrics_provider(provider.clone())
        .unfinished_work_update_period(ms(100));
    let queue = Queue::with_config(config);
    let snapshot = || provider.snapshot("pods").expect("registered");
    assert_eq!(snapshot(), QueueMetricsSnapshot::default());

    queue.add("a");
    queue.add("b");
    queue.add("a"); // deduplicated: not an add
    assert_eq!((snapshot().adds, snapshot().depth), (2, 2));

    advance(ms(10)).await;
    let a = queue.get().await.expect("open");
    assert_eq!(snapshot().depth, 1);
    assert_eq!(snapshot().latency_seconds, [0.01]);

    advance(ms(30)).await;
    queue.done(&a);
    assert_eq!(snapshot().work_duration_seconds, [0.03]);

    let b = queue.get().await.expect("open"); // at 40 ms
    assert_eq!(snapshot().latency_seconds, [0.01, 0.04]);
    assert_eq!(snapshot().depth, 0);

    // The gauges are refreshed every 100 ms: b has been running for 60 ms at the first tick.
    advance(ms(60)).await;
    settle().await;
    assert_eq!(snapshot().unfinished_work_seconds, 0.06);
    assert_eq!(snapshot().longest_running_processor_seconds, 0.06);

    // Re-added while processing: counted as an add now, handed out after done.
    queue.add("b");
    assert_eq!((snapshot().adds, snapshot().depth), (3, 1));
    advance(ms(5)).await;
    queue.done(&b);
    let b = queue.get().await.expect("open");
    assert_eq!(snapshot().depth, 0);
    assert_eq!(snapshot().latency_seconds, [0.01, 0.04, 0.005]);
    assert_eq!(snapshot().work_duration_seconds, [0.03, 0.065]);
    queue.done(&b);

    advance(ms(100)).await;
    settle().await;
    assert_eq!(snapshot().unfinished_work_seconds, 0.0);
    assert_eq!(snapshot().longest_running_processor_seconds, 0.0);
    assert!(provider.snapshot("other").is_none());
}

#[tokio::test(start_paused = true)]
async fn unfinished_work_sums_every_running_item() {
    let provider = Arc::new(InMemoryMetricsProvider::new());
    let queue = Queue::with_config(
        QueueConfig::new()
            .name("q")
            .metrics_provider(provider.clone())
            .unfinished_work_update_period(Duration::ZERO),
    );
    queue.add(1);
    queue.add(2);
    let _one = queue.get().await;
    advance(ms(500)).await;
    let _two = queue.get().await;
    advance(ms(250)).await;
    // No periodic task with a zero period: refresh by hand.
    queue.update_unfinished_work_metrics();
    let snapshot = provider.snapshot("q").expect("registered");
    assert_eq!(snapshot.unfinished_work_seconds, 1.0);
    assert_eq!(snapshot.longest_running_processor_seconds, 0.75);
}

#[tokio::test(start_paused = true)]
async fn retries_count_delayed_and_rate_limited_adds() {
    let provider = Arc::new(InMemoryMetricsProvider::new());
    let queue = RateLimitingQueue::with_config(
        ItemFastSlow::new(ms(1), ms(2), 1),
        QueueConfig::new()
            .name("retry")
            .metrics_provider(provider.clone()),
    );
    queue.add("x");
    queue.add_rate_limited("y");
    queue.add_after("z", ms(1));
    queue.add_after("w", Duration::ZERO);
    let snapshot = provider.snapshot("retry").expect("registered");
    assert_eq!(snapshot.retries, 3);
    assert_eq!(snapshot.adds, 2, "x and w so far; y and z are waiting");
    advance(ms(1)).await;
    settle().await;
    assert_eq!(provider.snapshot("retry").map(|s| s.adds), Some(4));
}

#[tokio::test(start_paused = true)]
async fn periodic_refresh_stops_at_shutdown() {
    let tasks = tokio::runtime::Handle::current().metrics();
    let provider = Arc::new(InMemoryMetricsProvider::new());
    let queue = Queue::<u8>::with_config(QueueConfig::new().metrics_provider(provider));
    assert_eq!(tasks.num_alive_tasks(), 1);
    queue.shut_down();
    advance(ms(500)).await;
    settle().await;
    assert_eq!(tasks.num_alive_tasks(), 0);
}

#[tokio::test(start_paused = true)]
async fn noop_provider_costs_nothing() {
    let tasks = tokio::runtime::Handle::current().metrics();
    let queue =
        Queue::with_config(QueueConfig::new().metrics_provider(Arc::new(NoopMetricsProvider)));
    assert_eq!(tasks.num_alive_tasks(), 0, "no refresh task");
    queue.add(1);
    let one = queue.get().await.expect("open");
    queue.done(&one);
    queue.update_unfinished_work_metrics();
    let config = QueueConfig::default().name("n");
    assert!(format!("{config:?}").contains("metrics_provider: false"));
}
