//! Rate limiters deciding how long a failed item waits before it is retried (client-go's
//! `workqueue.RateLimiter` and its implementations).
//!
//! All delays are computed on Tokio's clock, so tests can run them on a paused clock.

mod bucket;
mod exponential;
mod fast_slow;
mod max_of;
mod max_wait;

pub use bucket::{Bucket, BucketError};
pub use exponential::ItemExponentialFailure;
pub use fast_slow::ItemFastSlow;
pub use max_of::MaxOf;
pub use max_wait::WithMaxWait;

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use crate::Key;

/// Decides how long an item waits before it is retried. Implementations use interior
/// mutability: a queue shares one limiter between all its workers.
pub trait RateLimiter<T>: Send + Sync {
    /// Records another attempt for `item` and returns how long it should wait.
    fn when(&self, item: &T) -> Duration;
    /// Stops tracking `item` (after success, or after giving up on it).
    fn forget(&self, item: &T);
    /// How many times `item` has been rate limited since it was last forgotten.
    fn num_requeues(&self, item: &T) -> usize;
}

impl<T, R: RateLimiter<T> + ?Sized> RateLimiter<T> for Box<R> {
    fn when(&self, item: &T) -> Duration {
        (**self).when(item)
    }
    fn forget(&self, item: &T) {
        (**self).forget(item);
    }
    fn num_requeues(&self, item: &T) -> usize {
        (**self).num_requeues(item)
    }
}

impl<T, R: RateLimiter<T> + ?Sized> RateLimiter<T> for Arc<R> {
    fn when(&self, item: &T) -> Duration {
        (**self).when(item)
    }
    fn forget(&self, item: &T) {
        (**self).forget(item);
    }
    fn num_requeues(&self, item: &T) -> usize {
        (**self).num_requeues(item)
    }
}

/// client-go's `DefaultControllerRateLimiter`: the slower of a per-item exponential backoff
/// (5 ms doubling up to 1000 s) and an overall token bucket (10 per second, bursts of 100).
pub fn default_controller_rate_limiter<T: Key>() -> MaxOf<T> {
    const BURST: NonZeroU32 = NonZeroU32::new(100).expect("100 is not zero");
    MaxOf::new()
        .with(ItemExponentialFailure::new(
            Duration::from_millis(5),
            Duration::from_secs(1000),
        ))
        .with(Bucket::with_interval(Duration::from_millis(100), BURST))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn default_limiter_is_the_max_of_backoff_and_bucket() {
        let limiter = default_controller_rate_limiter::<u32>();
        // Backoff dominates for one item: 5 ms, 10 ms, 20 ms ...
        assert_eq!(limiter.when(&1), Duration::from_millis(5));
        assert_eq!(limiter.when(&1), Duration::from_millis(10));
        assert_eq!(limiter.num_requeues(&1), 2);
        // 98 more distinct items use up the burst of 100 ...
        for item in 2..100 {
            assert_eq!(limiter.when(&item), Duration::from_millis(5));
        }
        // ... then the bucket dominates: one token every 100 ms.
        assert_eq!(limiter.when(&100), Duration::from_millis(100));
        assert_eq!(limiter.when(&101), Duration::from_millis(200));
        limiter.forget(&1);
        assert_eq!(limiter.num_requeues(&1), 0);
    }

    #[test]
    fn boxed_and_shared_limiters_delegate() {
        let boxed: Box<dyn RateLimiter<u8>> = Box::new(ItemFastSlow::new(
            Duration::from_millis(1),
            Duration::from_secs(1),
            1,
        ));
        let shared = Arc::new(boxed);
        assert_eq!(shared.when(&0), Duration::from_millis(1));
        assert_eq!(shared.when(&0), Duration::from_secs(1));
        assert_eq!(shared.num_requeues(&0), 2);
        shared.forget(&0);
        assert_eq!(shared.num_requeues(&0), 0);
    }
}
