//! The basic work queue: fair, stingy, shut down with or without draining.

use std::fmt;
use std::hash::BuildHasher;
use std::pin::pin;
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use std::time::Duration;

use tokio::sync::Notify;

use crate::chunked::Want;
use crate::config::QueueConfig;
use crate::guard::WorkItem;
use crate::items::{Inserted, Items, Wants};
use crate::lock::Locked;
use crate::metrics::{CounterMetric, QueueMetrics};
use crate::{FastHasher, Key};

/// The item waits in `State::queue`, or will be queued again when its worker is done.
const DIRTY: u8 = 1;
/// A worker holds the item (between `get` and `done`).
const PROCESSING: u8 = 2;

/// A fair, stingy work queue with client-go's contract (see the [crate docs](crate)).
///
/// `Queue` is a cheap handle: clones share the same queue. Workers loop on
/// [`get`](Self::get) and call [`done`](Self::done) for every item they were given:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let queue = kclient_workqueue::Queue::new();
/// queue.add("a");
/// queue.add("b");
/// queue.add("a"); // already waiting: ignored
/// assert_eq!(queue.len(), 2);
///
/// let item = queue.get().await.expect("not shut down");
/// assert_eq!(item, "a");
/// queue.add("a"); // added while being processed: queued again after done
/// queue.done(&item);
/// assert_eq!(queue.len(), 2);
/// # }
/// ```
pub struct Queue<T: Key> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    state: Mutex<State<T>>,
    /// Items are hashed before taking the lock.
    hasher: FastHasher,
    /// Woken once per queued item, and for everyone at shutdown.
    items_available: Notify,
    /// Woken when the last processing item is done while draining, and at shutdown.
    drained: Notify,
    /// Counted by the delaying layer, outside the lock.
    retries: Option<Box<dyn CounterMetric>>,
}

struct State<T> {
    /// Every item that is dirty or being processed, with its `DIRTY`/`PROCESSING` flags
    /// (client-go's dirty and processing sets), and the FIFO of exactly the items flagged
    /// `DIRTY` and not `PROCESSING`, in the order they became ready (see `items`).
    items: Items<T>,
    /// Number of items flagged `PROCESSING`.
    processing: usize,
    /// `get` calls that found the queue empty and have not returned: adds skip waking
    /// anyone (an atomic read-modify-write) while this is zero.
    waiters: usize,
    shutting_down: bool,
    /// `shut_down_with_drain` is waiting for `processing` to reach zero.
    drain: bool,
    /// `None` unless a metrics provider was configured: the hot path then pays one branch.
    metrics: Option<QueueMetrics>,
}

impl<T: Key> Queue<T> {
    /// An unnamed queue without metrics.
    pub fn new() -> Self {
        Self::with_config(QueueConfig::new())
    }

    /// A queue built from `config`. With a metrics provider and inside a Tokio runtime, this
    /// spawns the task that refreshes the unfinished-work gauges; it ends at shutdown.
    pub fn with_config(config: QueueConfig) -> Self {
        let provider = config.metrics_provider.filter(|p| p.enabled());
        let metrics = provider
            .as_deref()
            .map(|p| QueueMetrics::new(p, &config.name));
        let retries = provider
            .as_deref()
            .map(|p| p.new_retries_metric(&config.name));
        let queue = Self {
            inner: Arc::new(Inner {
                hasher: FastHasher::default(),
                state: Mutex::new(State {
                    items: Items::new(),
                    processing: 0,
                    waiters: 0,
                    shutting_down: false,
                    drain: false,
                    metrics,
                }),
                items_available: Notify::new(),
                drained: Notify::new(),
                retries,
            }),
        };
        if provider.is_some() && !config.unfinished_work_update_period.is_zero() {
            spawn_unfinished_work_updater(
                Arc::downgrade(&queue.inner),
                config.unfinished_work_update_period,
            );
        }
        queue
    }

    /// Marks `item` as needing processing.
    ///
    /// Ignored if the item is already waiting (stingy) or the queue is shutting down. If the
    /// item is being processed, it is queued again once its worker calls [`done`](Self::done).
    pub fn add(&self, item: T) {
        let hash = self.inner.hasher.hash_one(&item);
        let mut guard = self.inner.lock("add");
        let state = &mut *guard;
        if state.shutting_down {
            return;
        }
        let (mut wake, mut full) = (false, false);
        // Dropped after the lock is released: an item that was already tracked.
        let mut duplicate = None;
        match state.items.insert(hash, item, DIRTY) {
            Inserted::New(id) => {
                if let Some(metrics) = &mut state.metrics {
                    metrics.add(id);
                }
                state.items.enqueue(id);
                wake = state.waiters > 0;
            }
            Inserted::Existing(id, item) => {
                let flags = state.items.flags(id);
                if flags & DIRTY == 0 {
                    // Being processed: `done` will queue it.
                    state.items.set_flags(id, flags | DIRTY);
                    if let Some(metrics) = &mut state.metrics {
                        metrics.add(id);
                    }
                }
                duplicate = Some(item);
            }
            Inserted::Full(item) => {
                duplicate = Some(item);
                full = true;
            }
        }
        let garbage = state.items.take_garbage(hash);
        let wants = state.wants(hash);
        drop(guard);
        if wake {
            self.inner.items_available.notify_one();
        }
        drop(duplicate);
        drop(garbage);
        if full {
            tracing::error!("work queue holds u32::MAX items: add ignored");
        }
        if let Some(wants) = wants {
            self.inner.provide(wants);
        }
    }

    /// Number of items waiting to be handed out (not counting those being processed).
    /// Informational only: don't gate `add` or `get` on it.
    pub fn len(&self) -> usize {
        self.inner.lock("len").items.queued()
    }

    /// Whether no item is waiting to be handed out.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits for the next item and marks it as being processed; call [`done`](Self::done) with
    /// it when finished. Returns `None` once the queue is shut down and no item is left.
    ///
    /// Cancellation-safe: an item is taken from the queue only in the poll that returns it, so
    /// dropping the future loses nothing (and passes any wake-up on to another worker).
    pub async fn get(&self) -> Option<T> {
        let mut waiter = Waiter {
            inner: &self.inner,
            registered: false,
        };
        // Fast path: no waiter registration when an item is already there.
        if let Some(next) = self.inner.try_get(&mut waiter.registered) {
            return next;
        }
        loop {
            let mut notified = pin!(self.inner.items_available.notified());
            // Enabled before checking, so an add between the check and the await wakes us.
            notified.as_mut().enable();
            if let Some(next) = self.inner.try_get(&mut waiter.registered) {
                return next;
            }
            notified.await;
        }
    }

    /// Like [`get`](Self::get), but returns a guard that calls [`done`](Self::done) when
    /// dropped, so an early return or a panic in the worker cannot leave the item stuck.
    pub async fn get_guarded(&self) -> Option<WorkItem<T>> {
        let item = self.get().await?;
        Some(WorkItem::new(self.clone(), item))
    }

    /// Marks `item` as finished. If it was added again while being processed, it goes back to
    /// the end of the queue. Calling it for an item that is not being processed does nothing
    /// (client-go would queue a duplicate).
    pub fn done(&self, item: &T) {
        let hash = self.inner.hasher.hash_one(item);
        let mut guard = self.inner.lock("done");
        let state = &mut *guard;
        // Only processing items can be done; others are ignored.
        let Some(found) = state.items.find_processing(hash, item) else {
            return;
        };
        let requeued = found.flags() & DIRTY != 0;
        let slot = found.slot();
        let removed = if requeued {
            found.requeue(DIRTY);
            None
        } else {
            found.finish()
        };
        state.processing -= 1;
        if let Some(metrics) = &mut state.metrics {
            metrics.done(slot);
        }
        let drained = state.drain && state.processing == 0;
        let wake = requeued && state.waiters > 0;
        drop(guard);
        // Freed outside the lock.
        drop(removed);
        if wake {
            self.inner.items_available.notify_one();
        }
        if drained {
            self.inner.drained.notify_waiters();
        }
    }

    /// Stops accepting items: later adds are ignored, workers get what is left and then
    /// `None`. Returns at once; also ends a concurrent
    /// [`shut_down_with_drain`](Self::shut_down_with_drain) wait.
    pub fn shut_down(&self) {
        self.begin_shut_down(false);
    }

    /// Like [`shut_down`](Self::shut_down), then waits until every item handed out has been
    /// marked [`done`](Self::done) (or until `shut_down` is called). Items still waiting are
    /// not waited for: workers keep getting them until the queue is empty.
    pub async fn shut_down_with_drain(&self) {
        self.begin_shut_down(true);
        self.wait_drained().await;
    }

    pub(crate) fn begin_shut_down(&self, drain: bool) {
        {
            let mut state = self.inner.lock("shut_down");
            state.shutting_down = true;
            state.drain = drain;
        }
        self.inner.items_available.notify_waiters();
        if !drain {
            self.inner.drained.notify_waiters();
        }
    }

    pub(crate) async fn wait_drained(&self) {
        loop {
            let mut notified = pin!(self.inner.drained.notified());
            notified.as_mut().enable();
            {
                let state = self.inner.lock("wait_drained");
                if !state.drain || state.processing == 0 {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Whether [`shut_down`](Self::shut_down) or
    /// [`shut_down_with_drain`](Self::shut_down_with_drain) has been called.
    pub fn shutting_down(&self) -> bool {
        self.inner.lock("shutting_down").shutting_down
    }

    /// Refreshes the unfinished-work and longest-running-processor gauges now. The queue does
    /// this periodically by itself when it was created inside a Tokio runtime; call this when
    /// it was not. Does nothing without a metrics provider.
    pub fn update_unfinished_work_metrics(&self) {
        self.inner.update_unfinished_work();
    }

    /// Counts a delayed re-add (the `retries` metric).
    pub(crate) fn record_retry(&self) {
        if let Some(retries) = &self.inner.retries {
            retries.inc();
        }
    }
}

impl<T> Inner<T> {
    /// Locks the state for operation `op` (named in lock-timing records).
    fn lock(&self, op: &'static str) -> Locked<'_, State<T>> {
        Locked::new(&self.state, op)
    }
}

/// Memory the queue's structures want allocated ahead of need (see `chunked` and `index`).
struct StateWants {
    items: Option<Wants>,
    metrics: Option<Want>,
}

impl<T: Key> State<T> {
    /// What to allocate, without the lock, after an add of an item with `hash`.
    fn wants(&self, hash: u64) -> Option<StateWants> {
        let wants = StateWants {
            items: self.items.wants(hash),
            metrics: self.metrics.as_ref().and_then(QueueMetrics::wants),
        };
        (wants.items.is_some() || wants.metrics.is_some()).then_some(wants)
    }
}

impl<T: Key> Inner<T> {
    /// Allocates what `wants` asks for while not holding the lock (a large `malloc` can take
    /// milliseconds), then hands it over in a second, short critical section.
    fn provide(&self, wants: StateWants) {
        let items = wants.items.map(Wants::allocate);
        let metrics = wants.metrics.map(Want::allocate);
        let leftovers = {
            let mut state = self.lock("add: hand over allocations");
            let items = items.map(|spares| state.items.refill(spares));
            let metrics = match (&mut state.metrics, metrics) {
                (Some(m), Some(reserve)) => Some(m.refill(reserve)),
                (_, reserve) => reserve,
            };
            (items, metrics)
        };
        // Freed without the lock.
        drop(leftovers);
    }
}

impl<T: Key> Inner<T> {
    /// `Some(Some(item))`: handed out; `Some(None)`: shut down and empty; `None`: wait (the
    /// caller is then counted in `waiters` until it returns or is dropped).
    fn try_get(&self, registered: &mut bool) -> Option<Option<T>> {
        let mut guard = self.lock("get");
        let state = &mut *guard;
        let popped = state.items.dequeue().and_then(|id| {
            let item = state.items.start_processing(id, PROCESSING).cloned()?;
            Some((id, item))
        });
        let next = match popped {
            Some((id, item)) => {
                state.processing += 1;
                if let Some(metrics) = &mut state.metrics {
                    metrics.get(id);
                }
                Some(Some(item))
            }
            None if state.shutting_down => Some(None),
            None => {
                if !*registered {
                    state.waiters += 1;
                    *registered = true;
                }
                return None;
            }
        };
        if *registered {
            state.waiters -= 1;
            *registered = false;
        }
        next
    }

    /// Returns `false` once the queue is shutting down, which ends the periodic refresh.
    fn update_unfinished_work(&self) -> bool {
        let state = self.lock("update_unfinished_work");
        if let Some(metrics) = &state.metrics {
            metrics.update_unfinished_work(state.items.processing_slots());
        }
        !state.shutting_down
    }
}

/// A `get` call counted in `State::waiters`; uncounts itself if the call is cancelled.
struct Waiter<'a, T> {
    inner: &'a Inner<T>,
    registered: bool,
}

impl<T> Drop for Waiter<'_, T> {
    fn drop(&mut self) {
        if self.registered {
            self.inner.lock("get: cancelled").waiters -= 1;
        }
    }
}

fn spawn_unfinished_work_updater<T: Key>(inner: Weak<Inner<T>>, period: Duration) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        tracing::debug!(
            "work queue created outside a Tokio runtime: unfinished-work metrics are refreshed only by update_unfinished_work_metrics"
        );
        return;
    };
    // Anchored now, not at the task's first poll.
    let first_tick = tokio::time::Instant::now() + period;
    runtime.spawn(async move {
        let mut ticker = tokio::time::interval_at(first_tick, period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            // Holding only a weak reference lets the queue be dropped while this task sleeps.
            let Some(inner) = inner.upgrade() else { return };
            if !inner.update_unfinished_work() {
                return;
            }
        }
    });
}

impl<T: Key> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: Key> Default for Queue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Key> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.lock("debug");
        f.debug_struct("Queue")
            .field("len", &state.items.queued())
            .field("processing", &state.processing)
            .field("shutting_down", &state.shutting_down)
            .finish()
    }
}
