//! An item handed out by a queue that marks itself done when dropped.

use std::fmt;
use std::ops::Deref;

use crate::{Key, Queue};

/// An item being processed, returned by `get_guarded`. Dropping it (or calling
/// [`done`](Self::done)) calls [`Queue::done`], so the item cannot stay marked as processing
/// when a worker returns early or panics.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let queue = kclient_workqueue::Queue::new();
/// queue.add(7_u32);
/// if let Some(item) = queue.get_guarded().await {
///     assert_eq!(*item, 7);
///     queue.add(*item); // re-added while processing
/// } // dropped: done, and the re-added item is queued again
/// assert_eq!(queue.len(), 1);
/// # }
/// ```
pub struct WorkItem<T: Key> {
    queue: Queue<T>,
    item: T,
}

impl<T: Key> WorkItem<T> {
    pub(crate) fn new(queue: Queue<T>, item: T) -> Self {
        Self { queue, item }
    }

    /// The item.
    pub fn item(&self) -> &T {
        &self.item
    }

    /// Marks the item done now (the same as dropping the guard).
    pub fn done(self) {}
}

impl<T: Key> Deref for WorkItem<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.item
    }
}

impl<T: Key> Drop for WorkItem<T> {
    fn drop(&mut self) {
        self.queue.done(&self.item);
    }
}

impl<T: Key + fmt::Debug> fmt::Debug for WorkItem<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WorkItem").field(&self.item).finish()
    }
}
