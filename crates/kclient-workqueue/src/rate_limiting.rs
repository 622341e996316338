//! A delaying queue whose re-adds are paced by a [`RateLimiter`] (client-go's
//! `RateLimitingInterface`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::limiters::RateLimiter;
use crate::{DelayingQueue, Key, Queue, QueueConfig, WorkItem};

/// A [`DelayingQueue`] plus a [`RateLimiter`]: [`add_rate_limited`](Self::add_rate_limited)
/// re-adds an item after the delay the limiter chooses, and [`forget`](Self::forget) resets
/// the item's history once it succeeds.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use kclient_workqueue::{RateLimitingQueue, limiters::ItemExponentialFailure};
///
/// let queue = RateLimitingQueue::new(ItemExponentialFailure::new(
///     Duration::from_millis(5),
///     Duration::from_secs(60),
/// ));
/// queue.add_rate_limited("flaky"); // ready in 5 ms
/// queue.add_rate_limited("flaky"); // already waiting for an earlier time
/// assert_eq!(queue.num_requeues(&"flaky"), 2);
/// let key = queue.get().await.expect("not shut down");
/// queue.forget(&key); // succeeded: the next failure starts at 5 ms again
/// queue.done(&key);
/// assert_eq!(queue.num_requeues(&"flaky"), 0);
/// # }
/// ```
pub struct RateLimitingQueue<T: Key> {
    queue: DelayingQueue<T>,
    limiter: Arc<dyn RateLimiter<T>>,
}

impl<T: Key> RateLimitingQueue<T> {
    /// An unnamed queue without metrics, paced by `limiter` (for a controller, usually
    /// [`default_controller_rate_limiter`](crate::limiters::default_controller_rate_limiter)).
    pub fn new(limiter: impl RateLimiter<T> + 'static) -> Self {
        Self::with_config(limiter, QueueConfig::new())
    }

    /// A queue built from `config`, paced by `limiter`.
    pub fn with_config(limiter: impl RateLimiter<T> + 'static, config: QueueConfig) -> Self {
        Self {
            queue: DelayingQueue::with_config(config),
            limiter: Arc::new(limiter),
        }
    }

    /// Adds `item` after the delay the rate limiter chooses for it (which also counts the
    /// attempt). Ignored once shutting down.
    pub fn add_rate_limited(&self, item: T) {
        if self.queue.shutting_down() {
            return;
        }
        let delay = self.limiter.when(&item);
        self.queue.add_after(item, delay);
    }

    /// Tells the rate limiter that `item` is no longer retried (it succeeded or was given up
    /// on), resetting its backoff. The item must still be marked [`done`](Self::done).
    pub fn forget(&self, item: &T) {
        self.limiter.forget(item);
    }

    /// How many times `item` has been rate limited since it was last forgotten.
    pub fn num_requeues(&self, item: &T) -> usize {
        self.limiter.num_requeues(item)
    }

    /// Adds `item` once `delay` has passed; see [`DelayingQueue::add_after`].
    pub fn add_after(&self, item: T, delay: Duration) {
        self.queue.add_after(item, delay);
    }

    /// Marks `item` as needing processing now; see [`Queue::add`].
    pub fn add(&self, item: T) {
        self.queue.add(item);
    }

    /// Number of items ready to be handed out; see [`Queue::len`].
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no item is ready to be handed out.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Waits for the next ready item; see [`Queue::get`].
    pub async fn get(&self) -> Option<T> {
        self.queue.get().await
    }

    /// Waits for the next ready item, done on drop; see [`Queue::get_guarded`].
    pub async fn get_guarded(&self) -> Option<WorkItem<T>> {
        self.queue.get_guarded().await
    }

    /// Marks `item` as finished; see [`Queue::done`].
    pub fn done(&self, item: &T) {
        self.queue.done(item);
    }

    /// Shuts the queue down and discards waiting items; see [`Queue::shut_down`].
    pub fn shut_down(&self) {
        self.queue.shut_down();
    }

    /// Shuts down, discards waiting items and waits for the workers; see
    /// [`Queue::shut_down_with_drain`].
    pub async fn shut_down_with_drain(&self) {
        self.queue.shut_down_with_drain().await;
    }

    /// Whether the queue is shutting down.
    pub fn shutting_down(&self) -> bool {
        self.queue.shutting_down()
    }

    /// The underlying delaying queue.
    pub fn as_delaying_queue(&self) -> &DelayingQueue<T> {
        &self.queue
    }

    /// The underlying queue, for code written against [`Queue`].
    pub fn as_queue(&self) -> &Queue<T> {
        self.queue.as_queue()
    }

    /// The rate limiter.
    pub fn rate_limiter(&self) -> &Arc<dyn RateLimiter<T>> {
        &self.limiter
    }
}

impl<T: Key> Clone for RateLimitingQueue<T> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
            limiter: Arc::clone(&self.limiter),
        }
    }
}

impl<T: Key> fmt::Debug for RateLimitingQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitingQueue")
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}
