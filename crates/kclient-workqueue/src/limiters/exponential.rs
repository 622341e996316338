//! Per-item exponential backoff.

use std::fmt;
use std::time::Duration;

use kclient_core::backoff::BackoffConfig;
use parking_lot::Mutex;

use super::RateLimiter;
use crate::{FastMap, Key};

/// Waits `base * 2^failures`, capped at `max`, where `failures` counts the previous calls to
/// [`when`](RateLimiter::when) for the item since it was last forgotten (client-go's
/// `ItemExponentialFailureRateLimiter`). A delay too large to represent yields `max`.
///
/// ```
/// use std::time::Duration;
/// use kclient_workqueue::{RateLimiter, limiters::ItemExponentialFailure};
///
/// let limiter = ItemExponentialFailure::new(Duration::from_millis(5), Duration::from_secs(1));
/// let delays: Vec<_> = (0..9).map(|_| limiter.when(&"key").as_millis()).collect();
/// assert_eq!(delays, [5, 10, 20, 40, 80, 160, 320, 640, 1000]);
/// ```
pub struct ItemExponentialFailure<T> {
    /// kclient-core's backoff rule: `base` doubling, capped at `max`, no jitter.
    backoff: BackoffConfig,
    failures: Mutex<FastMap<T, u32>>,
}

impl<T: Key> ItemExponentialFailure<T> {
    /// Backoff starting at `base` and never exceeding `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            backoff: BackoffConfig {
                initial: base,
                max,
                factor: 2.0,
                jitter: 0.0,
                reset_after: Duration::MAX,
            },
            failures: Mutex::new(FastMap::default()),
        }
    }
}

impl<T: Key> RateLimiter<T> for ItemExponentialFailure<T> {
    fn when(&self, item: &T) -> Duration {
        let exp = {
            let mut failures = self.failures.lock();
            match failures.get_mut(item) {
                Some(count) => {
                    let exp = *count;
                    *count = count.saturating_add(1);
                    exp
                }
                None => {
                    failures.insert(item.clone(), 1);
                    0
                }
            }
        };
        self.backoff.base(exp)
    }

    fn forget(&self, item: &T) {
        self.failures.lock().remove(item);
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.failures.lock().get(item).map_or(0, |&n| n as usize)
    }
}

impl<T> fmt::Debug for ItemExponentialFailure<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemExponentialFailure")
            .field("base", &self.backoff.initial)
            .field("max", &self.backoff.max)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn doubles_per_failure_up_to_the_cap() {
        let limiter = ItemExponentialFailure::new(ms(5), Duration::from_secs(1000));
        let expected = [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560];
        for (n, want) in expected.into_iter().enumerate() {
            assert_eq!(limiter.num_requeues(&"a"), n);
            assert_eq!(limiter.when(&"a"), ms(want));
        }
        for _ in 0..40 {
            limiter.when(&"a");
        }
        assert_eq!(limiter.when(&"a"), Duration::from_secs(1000));
        assert_eq!(limiter.num_requeues(&"a"), 51);
    }

    #[test]
    fn items_are_independent_and_forget_resets() {
        let limiter = ItemExponentialFailure::new(ms(1), ms(1000));
        assert_eq!(limiter.when(&"a"), ms(1));
        assert_eq!(limiter.when(&"a"), ms(2));
        assert_eq!(limiter.when(&"b"), ms(1));
        limiter.forget(&"a");
        assert_eq!(limiter.num_requeues(&"a"), 0);
        assert_eq!(limiter.when(&"a"), ms(1));
        assert_eq!(limiter.num_requeues(&"b"), 1);
    }

    #[test]
    fn overflow_yields_the_cap() {
        let max = Duration::MAX;
        let limiter = ItemExponentialFailure::new(Duration::from_secs(u64::MAX / 2), max);
        assert_eq!(limiter.when(&0), Duration::from_secs(u64::MAX / 2));
        assert_eq!(limiter.when(&0), Duration::from_secs(u64::MAX - 1));
        assert_eq!(limiter.when(&0), max, "2^2 * base overflows");
        let limiter = ItemExponentialFailure::new(Duration::from_nanos(1), ms(10));
        for _ in 0..200 {
            limiter.when(&0);
        }
        assert_eq!(limiter.when(&0), ms(10), "exponents past 127 do not wrap");
    }

    #[test]
    fn zero_base_never_waits() {
        let limiter = ItemExponentialFailure::new(Duration::ZERO, ms(10));
        for _ in 0..200 {
            assert_eq!(limiter.when(&0), Duration::ZERO);
        }
    }
}
