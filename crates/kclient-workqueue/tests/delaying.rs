//! Delayed adds on a paused clock: exact ready times, earliest-wins dedup, shutdown.

use std::time::Duration;

use futures::FutureExt;
use kclient_workqueue::DelayingQueue;
use tokio::time::{Instant, advance};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Lets the timer task run after the clock moved.
async fn settle() {
    for _ in 0..4 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn item_is_ready_exactly_after_its_delay() {
    let queue = DelayingQueue::new();
    let start = Instant::now();
    queue.add_after("a", ms(50));
    settle().await;
    assert!(queue.is_empty());
    advance(ms(49)).await;
    settle().await;
    assert!(queue.is_empty(), "not ready at 49 ms");
    advance(ms(1)).await;
    settle().await;
    assert_eq!(queue.len(), 1, "ready at 50 ms");
    assert_eq!(queue.get().await, Some("a"));
    assert_eq!(start.elapsed(), ms(50));
}

#[tokio::test(start_paused = true)]
async fn get_waits_for_the_earliest_item() {
    let queue = DelayingQueue::new();
    let start = Instant::now();
    queue.add_after("late", ms(300));
    queue.add_after("early", ms(100));
    queue.add_after("middle", ms(200));
    for (want, at) in [("early", 100), ("middle", 200), ("late", 300)] {
        assert_eq!(queue.get().await, Some(want));
        assert_eq!(start.elapsed(), ms(at));
        queue.done(&want);
    }
}

#[tokio::test(start_paused = true)]
async fn zero_delay_adds_at_once() {
    let queue = DelayingQueue::new();
    queue.add_after(1, Duration::ZERO);
    assert_eq!(queue.len(), 1);
    queue.add(2);
    assert_eq!(queue.get().now_or_never(), Some(Some(1)));
    assert_eq!(queue.get().now_or_never(), Some(Some(2)));
}

#[tokio::test(start_paused = true)]
async fn waiting_item_keeps_its_earliest_ready_time() {
    let queue = DelayingQueue::new();
    let start = Instant::now();
    queue.add_after("a", ms(100));
    queue.add_after("a", ms(500)); // later: ignored
    assert_eq!(queue.get().await, Some("a"));
    assert_eq!(start.elapsed(), ms(100));
    queue.done(&"a");
    // Nothing else comes out of the superseded entry.
    advance(ms(1000)).await;
    settle().await;
    assert!(queue.is_empty());

    let start = Instant::now();
    queue.add_after("b", ms(500));
    queue.add_after("b", ms(20)); // earlier: wins
    assert_eq!(queue.get().await, Some("b"));
    assert_eq!(start.elapsed(), ms(20));
    queue.done(&"b");
    advance(ms(1000)).await;
    settle().await;
    assert!(queue.is_empty(), "the 500 ms entry was superseded");
}

#[tokio::test(start_paused = true)]
async fn same_ready_time_keeps_insertion_order() {
    let queue = DelayingQueue::new();
    for item in [3, 1, 2] {
        queue.add_after(item, ms(10));
    }
    advance(ms(10)).await;
    settle().await;
    let order: Vec<_> = std::iter::from_fn(|| queue.get().now_or_never().flatten()).collect();
    assert_eq!(order, [3, 1, 2]);
}

#[tokio::test(start_paused = true)]
async fn delayed_add_of_an_item_being_processed_requeues_it_after_done() {
    let queue = DelayingQueue::new();
    queue.add("a");
    let a = queue.get().await.expect("open");
    queue.add_after("a", ms(10));
    advance(ms(10)).await;
    settle().await;
    assert!(queue.is_empty(), "still processing");
    queue.done(&a);
    assert_eq!(queue.get().now_or_never(), Some(Some("a")));
}

#[tokio::test(start_paused = true)]
async fn shut_down_discards_waiting_items() {
    let queue = DelayingQueue::new();
    queue.add_after("a", ms(10));
    queue.add("b");
    queue.shut_down();
    queue.add_after("c", ms(1)); // ignored
    assert!(queue.shutting_down());
    assert_eq!(queue.get().await, Some("b"));
    advance(ms(100)).await;
    settle().await;
    assert_eq!(queue.get().await, None);
}

#[tokio::test(start_paused = true)]
async fn shut_down_with_drain_discards_waiting_items_and_waits_for_workers() {
    let queue = DelayingQueue::new();
    queue.add(1);
    queue.add_after(2, ms(10));
    let one = queue.get().await.expect("open");
    let drain = tokio::spawn({
        let queue = queue.clone();
        async move { queue.shut_down_with_drain().await }
    });
    settle().await;
    assert!(!drain.is_finished());
    queue.done(&one);
    drain.await.expect("drained");
    advance(ms(100)).await;
    settle().await;
    assert_eq!(queue.get().await, None);
}

#[tokio::test(start_paused = true)]
async fn very_long_delays_do_not_overflow() {
    let queue = DelayingQueue::new();
    queue.add_after("never", Duration::MAX);
    queue.add_after("soon", ms(1));
    assert_eq!(queue.get().await, Some("soon"));
    queue.shut_down();
    assert_eq!(queue.get().await, None);
}

#[tokio::test(start_paused = true)]
async fn timer_task_ends_with_the_last_handle() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let queue = DelayingQueue::new();
    let clone = queue.clone();
    queue.add_after(1, Duration::from_secs(3600));
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), 1, "the timer task");
    drop(queue);
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), 1, "a clone is still alive");
    drop(clone);
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), 0);
}

#[tokio::test(start_paused = true)]
async fn timer_task_ends_at_shutdown() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let queue = DelayingQueue::new();
    queue.add_after(1, Duration::from_secs(3600));
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), 1);
    queue.shut_down();
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), 0);
}

#[test]
fn add_after_outside_a_runtime_is_served_once_inside_one() {
    let queue = DelayingQueue::new();
    queue.add_after("a", ms(5));
    assert!(queue.is_empty());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    runtime.block_on(async {
        assert_eq!(queue.get().await, Some("a"));
    });
}

#[tokio::test(start_paused = true)]
async fn timer_restarts_after_its_runtime_is_gone() {
    // A queue that outlives the runtime its timer ran on keeps serving delays.
    let queue = std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let queue = DelayingQueue::new();
        runtime.block_on(async { queue.add_after("first", Duration::from_secs(3600)) });
        queue
    })
    .join()
    .expect("thread");
    let start = Instant::now();
    queue.add_after("second", ms(7));
    assert_eq!(queue.get().await, Some("second"));
    assert_eq!(start.elapsed(), ms(7));
}
