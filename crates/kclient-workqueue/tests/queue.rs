//! The basic queue's contract: fair, stingy, re-queue after done, shutdown and drain,
//! cancellation safety.

use std::pin::pin;
use std::task::Poll;

use futures::FutureExt;
use futures::future::poll_immediate;
use kclient_workqueue::Queue;

/// The next item if one is ready now (`Some(None)`: shut down and drained).
fn try_get<T: kclient_workqueue::Key>(queue: &Queue<T>) -> Option<Option<T>> {
    queue.get().now_or_never()
}

#[tokio::test]
async fn fifo_and_stingy() {
    let queue = Queue::new();
    for item in ["a", "b", "c", "b", "a"] {
        queue.add(item);
    }
    assert_eq!(queue.len(), 3);
    assert!(!queue.is_empty());
    for want in ["a", "b", "c"] {
        let item = queue.get().await.expect("open");
        assert_eq!(item, want);
        queue.done(&item);
    }
    assert!(queue.is_empty());
    assert_eq!(try_get(&queue), None, "empty queue: get waits");
}

#[tokio::test]
async fn added_while_processing_is_requeued_once_after_done() {
    let queue = Queue::new();
    queue.add("a");
    queue.add("b");
    let a = queue.get().await.expect("open");
    assert_eq!(a, "a");
    queue.add("a");
    queue.add("a");
    assert_eq!(queue.len(), 1, "a is processing: not queued yet");
    // Nobody else can get `a` while it is processed.
    assert_eq!(queue.get().await, Some("b"));
    assert_eq!(try_get(&queue), None);
    queue.done(&a);
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.get().await, Some("a"));
    queue.done(&"a");
    queue.done(&"b");
    assert!(queue.is_empty());
    assert_eq!(try_get(&queue), None);
}

#[tokio::test]
async fn requeued_item_goes_to_the_back() {
    let queue = Queue::new();
    queue.add(1);
    let one = queue.get().await.expect("open");
    queue.add(1);
    queue.add(2);
    queue.add(3);
    queue.done(&one);
    let order: Vec<_> = std::iter::from_fn(|| try_get(&queue).flatten()).collect();
    assert_eq!(order, [2, 3, 1]);
}

#[tokio::test]
async fn done_for_an_item_not_being_processed_does_nothing() {
    let queue = Queue::new();
    queue.done(&"ghost");
    queue.add("a");
    queue.done(&"a"); // waiting, not processing: must not duplicate it
    assert_eq!(queue.len(), 1);
    let a = queue.get().await.expect("open");
    queue.done(&a);
    queue.done(&a);
    assert!(queue.is_empty());
    assert_eq!(try_get(&queue), None);
}

#[tokio::test]
async fn shut_down_hands_out_what_is_left_then_none() {
    let queue = Queue::new();
    queue.add("a");
    queue.add("b");
    let a = queue.get().await.expect("open");
    queue.add("a"); // re-added while processing, before shutdown
    queue.shut_down();
    assert!(queue.shutting_down());
    queue.add("c"); // ignored
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.get().await, Some("b"));
    queue.done(&a); // the earlier re-add is still honoured
    assert_eq!(queue.get().await, Some("a"));
    assert_eq!(queue.get().await, None);
    assert_eq!(queue.get().await, None);
}

#[tokio::test]
async fn waiting_get_is_woken_by_add_and_by_shutdown() {
    let queue = Queue::new();
    let worker = tokio::spawn({
        let queue = queue.clone();
        async move { queue.get().await }
    });
    tokio::task::yield_now().await;
    queue.add(7);
    assert_eq!(worker.await.expect("joined"), Some(7));

    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let queue = queue.clone();
            tokio::spawn(async move { queue.get().await })
        })
        .collect();
    tokio::task::yield_now().await;
    queue.shut_down();
    for waiter in waiters {
        assert_eq!(waiter.await.expect("joined"), None);
    }
}

#[tokio::test]
async fn every_waiting_worker_gets_one_item() {
    let queue = Queue::new();
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let queue = queue.clone();
            tokio::spawn(async move { queue.get().await })
        })
        .collect();
    tokio::task::yield_now().await;
    for item in 0..4 {
        queue.add(item);
    }
    let mut got = Vec::new();
    for waiter in waiters {
        got.push(waiter.await.expect("joined").expect("open"));
    }
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2, 3]);
}

#[tokio::test]
async fn shut_down_with_drain_waits_for_processing_items() {
    let queue = Queue::new();
    queue.add("a");
    queue.add("b");
    let a = queue.get().await.expect("open");
    let mut drain = pin!(queue.shut_down_with_drain());
    assert_eq!(poll_immediate(&mut drain).await, None, "a is processing");
    assert!(queue.shutting_down());
    // Items not yet handed out are still handed out, and must be finished too.
    let b = queue.get().await.expect("b is left");
    queue.done(&a);
    assert_eq!(poll_immediate(&mut drain).await, None, "b is processing");
    queue.done(&b);
    assert_eq!(poll_immediate(&mut drain).await, Some(()));
    assert_eq!(queue.get().await, None);
}

#[tokio::test]
async fn shut_down_with_drain_returns_at_once_when_idle() {
    let queue = Queue::<u8>::new();
    queue.shut_down_with_drain().await;
    assert!(queue.shutting_down());
}

#[tokio::test]
async fn shut_down_ends_a_drain_wait() {
    let queue = Queue::new();
    queue.add(1);
    let _one = queue.get().await.expect("open");
    let drain = tokio::spawn({
        let queue = queue.clone();
        async move { queue.shut_down_with_drain().await }
    });
    tokio::task::yield_now().await;
    assert!(!drain.is_finished());
    queue.shut_down();
    drain.await.expect("drain ends");
}

#[tokio::test]
async fn drain_wakes_every_drain_waiter_when_processing_ends() {
    let queue = Queue::new();
    queue.add(1);
    let one = queue.get().await.expect("open");
    let drains: Vec<_> = (0..2)
        .map(|_| {
            let queue = queue.clone();
            tokio::spawn(async move { queue.shut_down_with_drain().await })
        })
        .collect();
    tokio::task::yield_now().await;
    queue.done(&one);
    for drain in drains {
        drain.await.expect("drain ends");
    }
}

#[tokio::test]
async fn dropped_get_loses_nothing() {
    let queue = Queue::new();
    {
        let mut get = pin!(queue.get());
        assert_eq!(poll_immediate(&mut get).await, None);
        queue.add("a"); // wakes the pending get, which is then dropped unpolled
    }
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.get().await, Some("a"));
}

#[tokio::test]
async fn wake_of_a_cancelled_get_passes_to_another_worker() {
    let queue = Queue::new();
    let mut first = Box::pin(queue.get());
    assert!(matches!(futures::poll!(&mut first), Poll::Pending));
    let second = tokio::spawn({
        let queue = queue.clone();
        async move { queue.get().await }
    });
    tokio::task::yield_now().await;
    queue.add(1); // the first waiter is woken ...
    drop(first); // ... but cancelled: the second must get the item
    assert_eq!(second.await.expect("joined"), Some(1));
}

#[tokio::test]
async fn guard_marks_done_on_drop() {
    let queue = Queue::new();
    queue.add("a");
    {
        let item = queue.get_guarded().await.expect("open");
        assert_eq!(*item, "a");
        assert_eq!(item.item(), &"a");
        queue.add("a");
        assert!(queue.is_empty(), "still processing");
    }
    assert_eq!(queue.len(), 1);
    let item = queue.get_guarded().await.expect("open");
    item.done();
    queue.shut_down();
    assert!(queue.get_guarded().await.is_none());
}

#[tokio::test]
async fn clones_share_one_queue() {
    let queue = Queue::new();
    let other = queue.clone();
    queue.add(String::from("x"));
    assert_eq!(other.len(), 1);
    other.shut_down();
    assert!(queue.shutting_down());
    assert_eq!(
        format!("{queue:?}"),
        "Queue { len: 1, processing: 0, shutting_down: true }"
    );
}

#[test]
fn usable_without_a_runtime() {
    let queue = Queue::default();
    queue.add(1_u64);
    assert_eq!(futures::executor::block_on(queue.get()), Some(1));
    queue.done(&1);
    queue.shut_down();
    assert_eq!(futures::executor::block_on(queue.get()), None);
}
