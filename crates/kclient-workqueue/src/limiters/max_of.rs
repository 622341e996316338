//! The slowest of several limiters.

use std::fmt;
use std::time::Duration;

use super::RateLimiter;

/// Asks every limiter and waits for the longest delay; `num_requeues` is the largest count and
/// `forget` forgets everywhere (client-go's `MaxOfRateLimiter`). Every limiter sees every
/// call, so a token bucket is charged even when a backoff dominates.
///
/// ```
/// use std::time::Duration;
/// use kclient_workqueue::{RateLimiter, limiters::{ItemExponentialFailure, ItemFastSlow, MaxOf}};
///
/// let limiter = MaxOf::new()
///     .with(ItemExponentialFailure::new(Duration::from_millis(1), Duration::from_secs(1)))
///     .with(ItemFastSlow::new(Duration::from_millis(3), Duration::from_secs(5), 1));
/// assert_eq!(limiter.when(&"key"), Duration::from_millis(3));
/// assert_eq!(limiter.when(&"key"), Duration::from_secs(5));
/// ```
pub struct MaxOf<T> {
    limiters: Vec<Box<dyn RateLimiter<T>>>,
}

impl<T> MaxOf<T> {
    /// No limiters yet: every delay is zero until some are added.
    pub fn new() -> Self {
        Self {
            limiters: Vec::new(),
        }
    }

    /// Adds `limiter` to the set.
    pub fn with(mut self, limiter: impl RateLimiter<T> + 'static) -> Self {
        self.limiters.push(Box::new(limiter));
        self
    }

    /// Builds the set from already boxed limiters.
    pub fn from_limiters(limiters: Vec<Box<dyn RateLimiter<T>>>) -> Self {
        Self { limiters }
    }
}

impl<T> Default for MaxOf<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> RateLimiter<T> for MaxOf<T> {
    fn when(&self, item: &T) -> Duration {
        self.limiters
            .iter()
            .map(|limiter| limiter.when(item))
            .fold(Duration::ZERO, Duration::max)
    }

    fn forget(&self, item: &T) {
        for limiter in &self.limiters {
            limiter.forget(item);
        }
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.limiters
            .iter()
            .map(|limiter| limiter.num_requeues(item))
            .max()
            .unwrap_or(0)
    }
}

impl<T> fmt::Debug for MaxOf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaxOf")
            .field("limiters", &self.limiters.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limiters::{ItemExponentialFailure, ItemFastSlow};

    #[test]
    fn takes_the_max_delay_and_count_and_forgets_everywhere() {
        let ms = Duration::from_millis;
        let limiter = MaxOf::new()
            .with(ItemFastSlow::new(ms(5), ms(300), 3))
            .with(ItemExponentialFailure::new(ms(1), ms(1000)));
        let delays: Vec<_> = (0..6).map(|_| limiter.when(&"a")).collect();
        // fast-slow: 5 5 5 300 300 300; exponential: 1 2 4 8 16 32.
        assert_eq!(delays, [ms(5), ms(5), ms(5), ms(300), ms(300), ms(300)]);
        assert_eq!(limiter.num_requeues(&"a"), 6);
        limiter.forget(&"a");
        assert_eq!(limiter.num_requeues(&"a"), 0);
        assert_eq!(limiter.when(&"a"), ms(5));
    }

    #[test]
    fn empty_set_never_waits() {
        let limiter = MaxOf::<u8>::default();
        assert_eq!(limiter.when(&1), Duration::ZERO);
        assert_eq!(limiter.num_requeues(&1), 0);
    }
}
