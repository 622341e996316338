//! A short delay for the first attempts, then a long one.

use std::fmt;
use std::time::Duration;

use parking_lot::Mutex;

use super::RateLimiter;
use crate::{FastMap, Key};

/// Waits `fast` for the first `max_fast_attempts` attempts of an item, then `slow` (client-go's
/// `ItemFastSlowRateLimiter`).
///
/// ```
/// use std::time::Duration;
/// use kclient_workqueue::{RateLimiter, limiters::ItemFastSlow};
///
/// let limiter = ItemFastSlow::new(Duration::from_millis(5), Duration::from_secs(10), 2);
/// assert_eq!(limiter.when(&"key"), Duration::from_millis(5));
/// assert_eq!(limiter.when(&"key"), Duration::from_millis(5));
/// assert_eq!(limiter.when(&"key"), Duration::from_secs(10));
/// ```
pub struct ItemFastSlow<T> {
    fast: Duration,
    slow: Duration,
    max_fast_attempts: u32,
    attempts: Mutex<FastMap<T, u32>>,
}

impl<T: Key> ItemFastSlow<T> {
    /// `fast` for the first `max_fast_attempts` attempts, `slow` afterwards.
    pub fn new(fast: Duration, slow: Duration, max_fast_attempts: u32) -> Self {
        Self {
            fast,
            slow,
            max_fast_attempts,
            attempts: Mutex::new(FastMap::default()),
        }
    }
}

impl<T: Key> RateLimiter<T> for ItemFastSlow<T> {
    fn when(&self, item: &T) -> Duration {
        let attempts = {
            let mut attempts = self.attempts.lock();
            match attempts.get_mut(item) {
                Some(count) => {
                    *count = count.saturating_add(1);
                    *count
                }
                None => {
                    attempts.insert(item.clone(), 1);
                    1
                }
            }
        };
        if attempts <= self.max_fast_attempts {
            self.fast
        } else {
            self.slow
        }
    }

    fn forget(&self, item: &T) {
        self.attempts.lock().remove(item);
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.attempts.lock().get(item).map_or(0, |&n| n as usize)
    }
}

impl<T> fmt::Debug for ItemFastSlow<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemFastSlow")
            .field("fast", &self.fast)
            .field("slow", &self.slow)
            .field("max_fast_attempts", &self.max_fast_attempts)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_then_slow_per_item() {
        let fast = Duration::from_millis(5);
        let slow = Duration::from_secs(3);
        let limiter = ItemFastSlow::new(fast, slow, 3);
        for _ in 0..3 {
            assert_eq!(limiter.when(&"a"), fast);
        }
        assert_eq!(limiter.when(&"a"), slow);
        assert_eq!(limiter.when(&"a"), slow);
        assert_eq!(limiter.when(&"b"), fast);
        assert_eq!(limiter.num_requeues(&"a"), 5);
        limiter.forget(&"a");
        assert_eq!(limiter.num_requeues(&"a"), 0);
        assert_eq!(limiter.when(&"a"), fast);
    }

    #[test]
    fn zero_fast_attempts_is_always_slow() {
        let limiter = ItemFastSlow::new(Duration::ZERO, Duration::from_secs(1), 0);
        assert_eq!(limiter.when(&1), Duration::from_secs(1));
    }
}
