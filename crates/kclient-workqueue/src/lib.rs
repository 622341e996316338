//! Work queues for controllers, with the contract of client-go's `util/workqueue`.
//!
//! * **Fair**: items are handed out in the order in which they were added.
//! * **Stingy**: an item is never processed by two workers at once, and adding an item that is
//!   already waiting does nothing. An item added again while it is being processed is queued
//!   once more when its worker calls [`Queue::done`].
//! * **Multiple producers and consumers**, with shutdown notifications: after
//!   [`Queue::shut_down`] adds are ignored and [`Queue::get`] hands out what is left, then
//!   returns `None`. [`Queue::shut_down_with_drain`] also waits for the workers to finish.
//!
//! Three layers build on each other, each a cheap `Clone` handle:
//! [`Queue`] → [`DelayingQueue`] (`add_after`) → [`RateLimitingQueue`] (`add_rate_limited`,
//! `forget`, `num_requeues`) with the [`RateLimiter`]s in [`limiters`]. Queues report to an
//! optional [`metrics::MetricsProvider`]; without one they keep no per-item bookkeeping.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use kclient_workqueue::{RateLimitingQueue, limiters::default_controller_rate_limiter};
//!
//! let queue = RateLimitingQueue::new(default_controller_rate_limiter());
//! queue.add("default/web".to_string());
//! queue.shut_down(); // a real controller shuts down when it is told to stop
//! while let Some(key) = queue.get().await {
//!     let reconciled: Result<(), ()> = Ok(()); // reconcile `key` here
//!     match reconciled {
//!         Ok(()) => queue.forget(&key),
//!         Err(()) => queue.add_rate_limited(key.clone()),
//!     }
//!     queue.done(&key);
//! }
//! # }
//! ```

mod chunked;
mod config;
mod delaying;
mod guard;
mod index;
mod items;
pub mod limiters;
mod list;
mod lock;
pub mod metrics;
mod queue;
mod rate_limiting;

pub use config::QueueConfig;
pub use delaying::DelayingQueue;
pub use guard::WorkItem;
pub use limiters::RateLimiter;
#[cfg(feature = "lock-timing")]
pub use lock::lock_timing;
pub use queue::Queue;
pub use rate_limiting::RateLimitingQueue;

use std::hash::Hash;

/// What a queue can hold: a cheap-to-clone identity such as `"namespace/name"` or an object
/// reference. Implemented for every type with the required bounds.
pub trait Key: Clone + Eq + Hash + Send + Sync + 'static {}

impl<T: Clone + Eq + Hash + Send + Sync + 'static> Key for T {}

/// The hasher for per-item bookkeeping: queue keys are short and hashed on every operation,
/// so it is chosen for speed; its seed is random per process.
pub(crate) type FastHasher = foldhash::fast::RandomState;

/// A hash map with [`FastHasher`].
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, FastHasher>;
