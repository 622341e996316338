//! A queue whose items can be added after a delay (client-go's `DelayingInterface`).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::time::Duration;

use parking_lot::{Mutex, MutexGuard};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::{FastMap, Key, Queue, QueueConfig, WorkItem};

/// Stand-in deadline for delays too long to represent (Tokio uses the same horizon).
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// A [`Queue`] plus [`add_after`](Self::add_after): items become ready after a delay, which
/// lets a controller retry failures later without a busy loop.
///
/// Waiting items are kept in a min-heap of ready times, driven by one Tokio task per queue that
/// sleeps until the earliest one (spawned on the first `add_after`; it ends at shutdown or
/// when the last handle is dropped). An item that is already waiting keeps its earliest ready
/// time. Waiting items are discarded at shutdown.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use tokio::time::Instant;
///
/// let queue = kclient_workqueue::DelayingQueue::new();
/// let start = Instant::now();
/// queue.add_after("retry-me", Duration::from_secs(5));
/// assert_eq!(queue.len(), 0);
/// assert_eq!(queue.get().await, Some("retry-me"));
/// assert_eq!(start.elapsed(), Duration::from_secs(5));
/// # }
/// ```
pub struct DelayingQueue<T: Key> {
    queue: Queue<T>,
    handle: Arc<Handle<T>>,
}

/// Shared by the user-facing handles only: its drop stops the timer task, which holds `Core`.
struct Handle<T: Key> {
    core: Arc<Core<T>>,
}

struct Core<T: Key> {
    queue: Queue<T>,
    waiting: Mutex<Waiting<T>>,
    /// Wakes the timer task: new earliest item, shutdown, or last handle dropped.
    wake: Notify,
    closed: AtomicBool,
    timer_running: AtomicBool,
}

struct Waiting<T> {
    heap: BinaryHeap<Waiter<T>>,
    /// The live heap entry of each waiting item. Lowering an item's ready time pushes a new
    /// entry; the old one is recognised by its sequence number and skipped when it surfaces.
    known: FastMap<T, (Instant, u64)>,
    next_seq: u64,
}

struct Waiter<T> {
    ready_at: Instant,
    /// Orders items with the same ready time by insertion, keeping the queue fair.
    seq: u64,
    item: T,
}

impl<T: Key> DelayingQueue<T> {
    /// An unnamed delaying queue without metrics.
    pub fn new() -> Self {
        Self::with_config(QueueConfig::new())
    }

    /// A delaying queue built from `config`.
    pub fn with_config(config: QueueConfig) -> Self {
        let queue = Queue::with_config(config);
        let core = Arc::new(Core {
            queue: queue.clone(),
            waiting: Mutex::new(Waiting {
                heap: BinaryHeap::new(),
                known: FastMap::default(),
                next_seq: 0,
            }),
            wake: Notify::new(),
            closed: AtomicBool::new(false),
            timer_running: AtomicBool::new(false),
        });
        Self {
            queue,
            handle: Arc::new(Handle { core }),
        }
    }

    /// Adds `item` once `delay` has passed (at once for a zero delay). If the item is already
    /// waiting, the earlier of the two ready times wins. Ignored once shutting down. Counts
    /// as a retry in the metrics.
    ///
    /// The delay is served by a Tokio task: called outside a Tokio runtime, the item waits
    /// until a later `add_after` or `get` runs inside one.
    pub fn add_after(&self, item: T, delay: Duration) {
        if self.queue.shutting_down() {
            return;
        }
        self.queue.record_retry();
        if delay.is_zero() {
            self.queue.add(item);
            return;
        }
        let now = Instant::now();
        let ready_at = now.checked_add(delay).unwrap_or_else(|| now + FAR_FUTURE);
        let core = &self.handle.core;
        if core.lock_waiting().insert(item, ready_at) {
            core.wake.notify_one();
        }
        core.ensure_timer();
    }

    /// Marks `item` as needing processing now; see [`Queue::add`].
    pub fn add(&self, item: T) {
        self.queue.add(item);
    }

    /// Number of items ready to be handed out (not counting waiting or processing ones).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no item is ready to be handed out.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Waits for the next ready item; see [`Queue::get`].
    pub async fn get(&self) -> Option<T> {
        self.handle.core.ensure_timer_if_waiting();
        self.queue.get().await
    }

    /// Waits for the next ready item, done on drop; see [`Queue::get_guarded`].
    pub async fn get_guarded(&self) -> Option<WorkItem<T>> {
        self.handle.core.ensure_timer_if_waiting();
        self.queue.get_guarded().await
    }

    /// Marks `item` as finished; see [`Queue::done`].
    pub fn done(&self, item: &T) {
        self.queue.done(item);
    }

    /// Shuts the queue down and discards waiting items; see [`Queue::shut_down`].
    pub fn shut_down(&self) {
        self.queue.shut_down();
        self.handle.core.wake.notify_one();
    }

    /// Shuts down, discards waiting items and waits for the workers; see
    /// [`Queue::shut_down_with_drain`].
    pub async fn shut_down_with_drain(&self) {
        self.queue.begin_shut_down(true);
        self.handle.core.wake.notify_one();
        self.queue.wait_drained().await;
    }

    /// Whether the queue is shutting down.
    pub fn shutting_down(&self) -> bool {
        self.queue.shutting_down()
    }

    /// The underlying queue, for code written against [`Queue`].
    pub fn as_queue(&self) -> &Queue<T> {
        &self.queue
    }
}

impl<T: Key> Core<T> {
    fn lock_waiting(&self) -> MutexGuard<'_, Waiting<T>> {
        self.waiting.lock()
    }

    fn ensure_timer_if_waiting(self: &Arc<Self>) {
        // One atomic load on the hot path; the lock is taken only while no timer runs.
        if !self.timer_running.load(AtomicOrdering::Acquire) && !self.lock_waiting().heap.is_empty()
        {
            self.ensure_timer();
        }
    }

    fn ensure_timer(self: &Arc<Self>) {
        if self.timer_running.load(AtomicOrdering::Acquire)
            || self.timer_running.swap(true, AtomicOrdering::AcqRel)
        {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(run_timer(TimerLease(Arc::clone(self))));
            }
            Err(_) => {
                self.timer_running.store(false, AtomicOrdering::Release);
                tracing::warn!(
                    "DelayingQueue::add_after called outside a Tokio runtime: the item waits until add_after or get runs inside one"
                );
            }
        }
    }

    fn stopping(&self) -> bool {
        self.closed.load(AtomicOrdering::Acquire) || self.queue.shutting_down()
    }
}

/// Moves items into the queue as they become ready; one per queue, while there is work.
async fn run_timer<T: Key>(lease: TimerLease<T>) {
    let core = &lease.0;
    loop {
        let mut woken = pin!(core.wake.notified());
        // Registered before looking at the heap, so an earlier item added meanwhile wakes us.
        woken.as_mut().enable();
        if core.stopping() {
            core.lock_waiting().clear();
            return;
        }
        let (ready, next) = core.lock_waiting().take_ready(Instant::now());
        for item in ready {
            core.queue.add(item);
        }
        match next {
            Some(deadline) => {
                tokio::select! {
                    () = tokio::time::sleep_until(deadline) => {}
                    () = woken => {}
                }
            }
            None => woken.await,
        }
    }
}

/// The timer task's claim on `Core::timer_running`. It is part of the task's future, so the
/// flag is cleared however the task ends, even when its runtime drops it before a first
/// poll; a later `add_after` or `get` then starts a new task.
struct TimerLease<T: Key>(Arc<Core<T>>);

impl<T: Key> Drop for TimerLease<T> {
    fn drop(&mut self) {
        self.0.timer_running.store(false, AtomicOrdering::Release);
    }
}

impl<T: Key> Waiting<T> {
    /// Records `item` as ready at `ready_at` unless it already waits for an earlier time.
    /// Returns whether it became the earliest entry (the timer must re-arm).
    fn insert(&mut self, item: T, ready_at: Instant) -> bool {
        let seq = self.next_seq;
        match self.known.get_mut(&item) {
            Some(live) if live.0 <= ready_at => return false,
            Some(live) => *live = (ready_at, seq),
            None => {
                self.known.insert(item.clone(), (ready_at, seq));
            }
        }
        self.next_seq += 1;
        let earliest = self.heap.peek().is_none_or(|top| ready_at < top.ready_at);
        self.heap.push(Waiter {
            ready_at,
            seq,
            item,
        });
        earliest
    }

    /// Removes the items ready at `now`, earliest first, and returns them with the next
    /// ready time still pending.
    fn take_ready(&mut self, now: Instant) -> (Vec<T>, Option<Instant>) {
        let mut ready = Vec::new();
        while let Some(top) = self.heap.peek() {
            let live = self
                .known
                .get(&top.item)
                .is_some_and(|&(_, seq)| seq == top.seq);
            if live && top.ready_at > now {
                return (ready, Some(top.ready_at));
            }
            let Some(entry) = self.heap.pop() else { break };
            if live {
                self.known.remove(&entry.item);
                ready.push(entry.item);
            }
        }
        (ready, None)
    }

    fn clear(&mut self) {
        self.heap.clear();
        self.known.clear();
    }
}

// `BinaryHeap` is a max-heap: order by reversed (ready time, sequence) to pop the earliest.
impl<T> Ord for Waiter<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.ready_at, other.seq).cmp(&(self.ready_at, self.seq))
    }
}

impl<T> PartialOrd for Waiter<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> PartialEq for Waiter<T> {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
    }
}

impl<T> Eq for Waiter<T> {}

impl<T: Key> Drop for Handle<T> {
    fn drop(&mut self) {
        self.core.closed.store(true, AtomicOrdering::Release);
        // Stored as a permit if the timer is busy, so it cannot be missed.
        self.core.wake.notify_one();
    }
}

impl<T: Key> Clone for DelayingQueue<T> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
            handle: Arc::clone(&self.handle),
        }
    }
}

impl<T: Key> Default for DelayingQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Key> fmt::Debug for DelayingQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waiting = self.handle.core.lock_waiting().known.len();
        f.debug_struct("DelayingQueue")
            .field("queue", &self.queue)
            .field("waiting", &waiting)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting() -> Waiting<&'static str> {
        Waiting {
            heap: BinaryHeap::new(),
            known: FastMap::default(),
            next_seq: 0,
        }
    }

    #[test]
    fn keeps_the_earliest_ready_time() {
        let t0 = Instant::now();
        let mut w = waiting();
        assert!(w.insert("a", t0 + Duration::from_secs(10)));
        assert!(!w.insert("a", t0 + Duration::from_secs(20)));
        assert!(w.insert("a", t0 + Duration::from_secs(5)));
        let (ready, next) = w.take_ready(t0 + Duration::from_secs(4));
        assert!(ready.is_empty());
        assert_eq!(next, Some(t0 + Duration::from_secs(5)));
        let (ready, next) = w.take_ready(t0 + Duration::from_secs(10));
        assert_eq!(ready, vec!["a"]);
        assert_eq!(next, None, "the superseded 10 s entry is skipped");
        assert!(w.known.is_empty() && w.heap.is_empty());
    }

    #[test]
    fn same_ready_time_is_fifo() {
        let at = Instant::now() + Duration::from_secs(1);
        let mut w = waiting();
        for item in ["c", "a", "b"] {
            w.insert(item, at);
        }
        assert_eq!(w.take_ready(at).0, vec!["c", "a", "b"]);
    }
}
