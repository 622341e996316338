//! Rate-limited re-adds on a paused clock, with every limiter, through the queue.

use std::time::Duration;

use futures::FutureExt;
use kclient_workqueue::limiters::{
    Bucket, ItemExponentialFailure, ItemFastSlow, MaxOf, default_controller_rate_limiter,
};
use kclient_workqueue::{RateLimiter, RateLimitingQueue};
use tokio::time::Instant;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Fails `key` `times` times in a row and returns the delays between each failure and the
/// moment the queue handed the key out again.
async fn retry_delays<T: kclient_workqueue::Key>(
    queue: &RateLimitingQueue<T>,
    key: T,
    times: usize,
) -> Vec<Duration> {
    let mut delays = Vec::new();
    for _ in 0..times {
        let start = Instant::now();
        queue.add_rate_limited(key.clone());
        let got = queue.get().await.expect("open");
        delays.push(start.elapsed());
        queue.done(&got);
    }
    delays
}

#[tokio::test(start_paused = true)]
async fn exponential_backoff_doubles_up_to_the_cap() {
    let queue = RateLimitingQueue::new(ItemExponentialFailure::new(ms(5), ms(100)));
    let delays = retry_delays(&queue, "a", 7).await;
    assert_eq!(
        delays,
        [ms(5), ms(10), ms(20), ms(40), ms(80), ms(100), ms(100)]
    );
    assert_eq!(queue.num_requeues(&"a"), 7);
    queue.forget(&"a");
    assert_eq!(queue.num_requeues(&"a"), 0);
    assert_eq!(retry_delays(&queue, "a", 2).await, [ms(5), ms(10)]);
    assert_eq!(retry_delays(&queue, "b", 1).await, [ms(5)], "per item");
}

#[tokio::test(start_paused = true)]
async fn fast_then_slow() {
    let queue = RateLimitingQueue::new(ItemFastSlow::new(ms(10), Duration::from_secs(2), 2));
    let delays = retry_delays(&queue, 1, 4).await;
    assert_eq!(
        delays,
        [
            ms(10),
            ms(10),
            Duration::from_secs(2),
            Duration::from_secs(2)
        ]
    );
    assert_eq!(queue.num_requeues(&1), 4);
}

#[tokio::test(start_paused = true)]
async fn bucket_allows_a_burst_then_spaces_items() {
    let queue = RateLimitingQueue::new(Bucket::new(10.0, 2).expect("valid"));
    let start = Instant::now();
    for key in 0..5 {
        queue.add_rate_limited(key);
    }
    let mut ready_at = Vec::new();
    for _ in 0..5 {
        let key = queue.get().await.expect("open");
        ready_at.push((key, start.elapsed()));
        queue.done(&key);
    }
    assert_eq!(
        ready_at,
        [
            (0, ms(0)),
            (1, ms(0)),
            (2, ms(100)),
            (3, ms(200)),
            (4, ms(300))
        ]
    );
    assert_eq!(queue.num_requeues(&0), 0, "a bucket does not count items");
}

#[tokio::test(start_paused = true)]
async fn max_of_waits_for_the_slowest_limiter() {
    let limiter = MaxOf::new()
        .with(ItemExponentialFailure::new(ms(1), Duration::from_secs(10)))
        .with(ItemFastSlow::new(ms(4), ms(50), 3));
    let queue = RateLimitingQueue::new(limiter);
    let delays = retry_delays(&queue, "k", 7).await;
    // exponential: 1 2 4 8 16 32 64; fast-slow: 4 4 4 50 50 50 50.
    assert_eq!(
        delays,
        [ms(4), ms(4), ms(4), ms(50), ms(50), ms(50), ms(64)]
    );
}

#[tokio::test(start_paused = true)]
async fn default_controller_limiter_combines_backoff_and_bucket() {
    let queue = RateLimitingQueue::new(default_controller_rate_limiter());
    let start = Instant::now();
    // The first 100 items fit the burst: only the 5 ms backoff applies ...
    for key in 0..102 {
        queue.add_rate_limited(key);
    }
    let mut last = Vec::new();
    for _ in 0..102 {
        let key = queue.get().await.expect("open");
        if key >= 99 {
            last.push((key, start.elapsed()));
        }
        queue.done(&key);
    }
    // ... then the bucket spaces items 100 ms apart.
    assert_eq!(last, [(99, ms(5)), (100, ms(100)), (101, ms(200))]);

    let queue = RateLimitingQueue::new(default_controller_rate_limiter());
    assert_eq!(
        retry_delays(&queue, 0, 4).await,
        [ms(5), ms(10), ms(20), ms(40)]
    );
}

#[tokio::test(start_paused = true)]
async fn add_rate_limited_while_waiting_keeps_the_earliest_time() {
    let queue = RateLimitingQueue::new(ItemExponentialFailure::new(ms(5), Duration::from_secs(1)));
    let start = Instant::now();
    queue.add_rate_limited("a"); // 5 ms
    queue.add_rate_limited("a"); // 10 ms: already waiting for 5 ms
    assert_eq!(queue.get().await, Some("a"));
    assert_eq!(start.elapsed(), ms(5));
    assert_eq!(queue.num_requeues(&"a"), 2);
}

#[tokio::test(start_paused = true)]
async fn shut_down_ignores_rate_limited_adds() {
    let queue = RateLimitingQueue::new(ItemExponentialFailure::new(ms(5), ms(10)));
    queue.shut_down();
    queue.add_rate_limited(1);
    assert_eq!(queue.num_requeues(&1), 0, "the limiter is not consulted");
    assert_eq!(queue.get().await, None);
}

#[tokio::test(start_paused = true)]
async fn plain_delays_and_adds_pass_through() {
    let queue = RateLimitingQueue::new(MaxOf::default());
    queue.add("now");
    queue.add_after("later", ms(3));
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.get().now_or_never(), Some(Some("now")));
    let start = Instant::now();
    assert_eq!(queue.get().await, Some("later"));
    assert_eq!(start.elapsed(), ms(3));
    assert_eq!(queue.rate_limiter().when(&"x"), Duration::ZERO);
    assert!(queue.as_delaying_queue().len() == queue.as_queue().len());
    queue.done(&"now");
    queue.done(&"later");
    queue.shut_down_with_drain().await;
    assert!(queue.shutting_down());
}

/// A user-defined limiter plugs in like the built-in ones.
struct Constant(Duration);

impl RateLimiter<&'static str> for Constant {
    fn when(&self, _item: &&'static str) -> Duration {
        self.0
    }
    fn forget(&self, _item: &&'static str) {}
    fn num_requeues(&self, _item: &&'static str) -> usize {
        0
    }
}

#[tokio::test(start_paused = true)]
async fn custom_limiter() {
    let queue = RateLimitingQueue::new(Constant(ms(42)));
    assert_eq!(retry_delays(&queue, "x", 2).await, [ms(42), ms(42)]);
    let guard = {
        queue.add("y");
        queue.get_guarded().await.expect("open")
    };
    assert_eq!(*guard, "y");
}
