//! Many workers and producers on a multi-threaded runtime: no key is processed twice at once,
//! and every add is followed by a processing of its key.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use kclient_workqueue::{Queue, RateLimitingQueue, limiters::ItemExponentialFailure};
use parking_lot::Mutex;

const KEYS: usize = 64;

/// Per key: whether a worker holds it, and how many adds have not been followed by a `get`
/// of the key yet.
struct Tracker {
    busy: Vec<AtomicBool>,
    pending_adds: Mutex<HashMap<usize, usize>>,
    overlaps: AtomicUsize,
}

impl Tracker {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            busy: (0..KEYS).map(|_| AtomicBool::new(false)).collect(),
            pending_adds: Mutex::new(HashMap::new()),
            overlaps: AtomicUsize::new(0),
        })
    }

    fn added(&self, key: usize) {
        *self.pending_adds.lock().entry(key).or_default() += 1;
    }

    /// A get of `key` satisfies every add made before it.
    fn started(&self, key: usize) {
        self.pending_adds.lock().remove(&key);
        if self.busy[key].swap(true, Ordering::SeqCst) {
            self.overlaps.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn finished(&self, key: usize) {
        self.busy[key].store(false, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_never_share_a_key_and_lose_no_add() {
    let queue = Queue::new();
    let tracker = Tracker::new();
    let processed = Arc::new(AtomicUsize::new(0));

    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (queue, tracker, processed) = (queue.clone(), tracker.clone(), processed.clone());
            tokio::spawn(async move {
                while let Some(key) = queue.get().await {
                    tracker.started(key);
                    tokio::task::yield_now().await; // let others try to grab the same key
                    tracker.finished(key);
                    processed.fetch_add(1, Ordering::Relaxed);
                    queue.done(&key);
                }
            })
        })
        .collect();

    let producers: Vec<_> = (0..4)
        .map(|p| {
            let (queue, tracker) = (queue.clone(), tracker.clone());
            tokio::spawn(async move {
                for i in 0..5_000 {
                    let key = (i * 7 + p * 13) % KEYS;
                    // Recorded before the add: a get that sees the add must see the record.
                    tracker.added(key);
                    queue.add(key);
                    if i % 64 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    for producer in producers {
        producer.await.expect("producer");
    }
    queue.shut_down_with_drain().await;
    // Drain waits for processing items; workers may still be handing out queued ones.
    for worker in workers {
        worker.await.expect("worker");
    }

    assert_eq!(tracker.overlaps.load(Ordering::SeqCst), 0);
    assert!(
        tracker.pending_adds.lock().is_empty(),
        "every add was followed by a get of its key"
    );
    assert!(processed.load(Ordering::Relaxed) >= KEYS);
    assert!(queue.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_retries_reach_every_key() {
    let queue = RateLimitingQueue::new(ItemExponentialFailure::new(
        std::time::Duration::from_micros(10),
        std::time::Duration::from_millis(1),
    ));
    let attempts = Arc::new(Mutex::new(HashMap::<u32, u32>::new()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (queue, attempts) = (queue.clone(), attempts.clone());
            tokio::spawn(async move {
                while let Some(key) = queue.get().await {
                    let attempt = {
                        let mut attempts = attempts.lock();
                        let n = attempts.entry(key).or_default();
                        *n += 1;
                        *n
                    };
                    // Fails twice, then succeeds.
                    if attempt < 3 {
                        queue.add_rate_limited(key);
                    } else {
                        queue.forget(&key);
                    }
                    queue.done(&key);
                }
            })
        })
        .collect();
    for key in 0..100 {
        queue.add(key);
    }
    // Every key needs three attempts; wait for them (bounded, in case of a lost retry).
    let all_done = async {
        while attempts.lock().values().filter(|&&n| n == 3).count() < 100 {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), all_done)
        .await
        .expect("every key retried to success");
    queue.shut_down_with_drain().await;
    for worker in workers {
        worker.await.expect("worker");
    }
    assert!(attempts.lock().values().all(|&n| n == 3));
    assert!((0..100).all(|key| queue.num_requeues(&key) == 0));
}
