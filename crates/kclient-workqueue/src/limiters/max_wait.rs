//! A cap on another limiter's delay.

use std::fmt;
use std::time::Duration;

use super::RateLimiter;

/// Another limiter, with its delays capped at `max_delay` (client-go's
/// `WithMaxWaitRateLimiter`): a long exponential backoff or a drained bucket never keeps an
/// item waiting longer than that. Requeue counts and `forget` pass through unchanged.
///
/// ```
/// use std::time::Duration;
/// use kclient_workqueue::{RateLimiter, limiters::{ItemExponentialFailure, WithMaxWait}};
///
/// let limiter = WithMaxWait::new(
///     ItemExponentialFailure::new(Duration::from_secs(1), Duration::from_secs(1000)),
///     Duration::from_secs(3),
/// );
/// assert_eq!(limiter.when(&"key"), Duration::from_secs(1));
/// assert_eq!(limiter.when(&"key"), Duration::from_secs(2));
/// assert_eq!(limiter.when(&"key"), Duration::from_secs(3)); // 4 s, capped
/// assert_eq!(limiter.num_requeues(&"key"), 3);
/// ```
pub struct WithMaxWait<R> {
    limiter: R,
    max_delay: Duration,
}

impl<R> WithMaxWait<R> {
    /// `limiter`, with every delay capped at `max_delay`.
    pub fn new(limiter: R, max_delay: Duration) -> Self {
        Self { limiter, max_delay }
    }

    /// The cap.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }
}

impl<T, R: RateLimiter<T>> RateLimiter<T> for WithMaxWait<R> {
    fn when(&self, item: &T) -> Duration {
        // The inner limiter still records the attempt (its counters and tokens move), as in
        // client-go: only the answer is capped.
        self.limiter.when(item).min(self.max_delay)
    }

    fn forget(&self, item: &T) {
        self.limiter.forget(item);
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.limiter.num_requeues(item)
    }
}

impl<R> fmt::Debug for WithMaxWait<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithMaxWait")
            .field("max_delay", &self.max_delay)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;
    use crate::limiters::{Bucket, ItemExponentialFailure, MaxOf};

    #[tokio::test(start_paused = true)]
    async fn caps_every_delay_and_passes_the_rest_through() {
        let limiter = WithMaxWait::new(
            MaxOf::new()
                .with(ItemExponentialFailure::new(
                    Duration::from_millis(5),
                    Duration::from_secs(1000),
                ))
                .with(Bucket::with_interval(
                    Duration::from_secs(60),
                    NonZeroU32::new(1).unwrap(),
                )),
            Duration::from_secs(10),
        );
        // The burst of one goes at once, with the backoff's 5 ms.
        assert_eq!(limiter.when(&1), Duration::from_millis(5));
        // The bucket now asks for 60 s: capped at 10 s.
        assert_eq!(limiter.when(&2), Duration::from_secs(10));
        // The backoff keeps counting underneath.
        for _ in 0..20 {
            assert!(limiter.when(&1) <= Duration::from_secs(10));
        }
        assert_eq!(limiter.num_requeues(&1), 21);
        limiter.forget(&1);
        assert_eq!(limiter.num_requeues(&1), 0);
        assert_eq!(limiter.max_delay(), Duration::from_secs(10));
    }

    #[test]
    fn a_zero_cap_never_waits() {
        let limiter = WithMaxWait::new(
            ItemExponentialFailure::new(Duration::from_secs(1), Duration::from_secs(60)),
            Duration::ZERO,
        );
        assert_eq!(limiter.when(&"k"), Duration::ZERO);
        assert_eq!(limiter.num_requeues(&"k"), 1);
    }
}
