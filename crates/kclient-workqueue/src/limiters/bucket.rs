//! An overall token bucket shared by all items.

use std::num::NonZeroU32;
use std::time::Duration;

use kclient_core::token_bucket::TokenBucket;
use parking_lot::Mutex;
use tokio::time::Instant;

use super::RateLimiter;

/// An overall token bucket (client-go's `BucketRateLimiter` over `golang.org/x/time/rate`;
/// the bucket is kclient-core's, the one every client-side limit uses): tokens are added at
/// `qps` per second and up to `burst` are saved; every call to [`when`](RateLimiter::when)
/// reserves one token and returns how long until it is available. It never blocks, and it
/// does not track items (`num_requeues` is always 0).
///
/// ```
/// use std::time::Duration;
/// use kclient_workqueue::{RateLimiter, limiters::Bucket};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), kclient_workqueue::limiters::BucketError> {
/// let bucket = Bucket::new(10.0, 2)?;
/// assert_eq!(bucket.when(&"a"), Duration::ZERO);
/// assert_eq!(bucket.when(&"b"), Duration::ZERO);
/// assert_eq!(bucket.when(&"c"), Duration::from_millis(100));
/// assert_eq!(bucket.when(&"d"), Duration::from_millis(200));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Bucket {
    bucket: Mutex<TokenBucket>,
}

/// Invalid token bucket parameters.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BucketError {
    /// The rate is not a number (NaN).
    #[error("token bucket rate must be a number of events per second, got {0}")]
    InvalidQps(f64),
    /// A burst of zero would never allow anything.
    #[error("token bucket burst must be at least 1")]
    ZeroBurst,
}

impl Bucket {
    /// `qps` tokens per second, at most `burst` saved; the bucket starts full.
    ///
    /// As with `golang.org/x/time/rate`: `f64::INFINITY` is unlimited, and a rate of zero or
    /// less allows the burst and then makes every later item wait "forever" (`Duration::MAX`,
    /// as `rate.Limiter` answers `InfDuration`).
    pub fn new(qps: f64, burst: u32) -> Result<Self, BucketError> {
        if burst == 0 {
            return Err(BucketError::ZeroBurst);
        }
        if qps.is_nan() {
            return Err(BucketError::InvalidQps(qps));
        }
        Ok(Self::from_bucket(TokenBucket::new(qps, burst)))
    }

    /// One token every `interval` (zero: unlimited), at most `burst` saved; starts full.
    pub fn with_interval(interval: Duration, burst: NonZeroU32) -> Self {
        Self::from_bucket(TokenBucket::with_interval(interval, burst.get()))
    }

    fn from_bucket(bucket: TokenBucket) -> Self {
        Self {
            bucket: Mutex::new(bucket),
        }
    }
}

impl<T> RateLimiter<T> for Bucket {
    fn when(&self, _item: &T) -> Duration {
        let now = Instant::now().into_std();
        self.bucket.lock().reserve(now).unwrap_or(Duration::MAX)
    }

    fn forget(&self, _item: &T) {}

    fn num_requeues(&self, _item: &T) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn when(bucket: &Bucket) -> Duration {
        RateLimiter::<()>::when(bucket, &())
    }

    #[tokio::test(start_paused = true)]
    async fn burst_then_spacing_then_refill() {
        let bucket = Bucket::new(10.0, 3).expect("valid");
        let delays: Vec<_> = (0..5).map(|_| when(&bucket)).collect();
        assert_eq!(delays, [ms(0), ms(0), ms(0), ms(100), ms(200)]);
        // 2.5 tokens earned against a debt of 2: the next one is half a token away.
        tokio::time::advance(ms(250)).await;
        assert_eq!(when(&bucket), ms(50));
        // Long idle: full again, but never more than the burst.
        tokio::time::advance(Duration::from_secs(60)).await;
        let delays: Vec<_> = (0..4).map(|_| when(&bucket)).collect();
        assert_eq!(delays, [ms(0), ms(0), ms(0), ms(100)]);
        assert_eq!(RateLimiter::<()>::num_requeues(&bucket, &()), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn delays_count_from_now() {
        let bucket = Bucket::new(2.0, 1).expect("valid");
        assert_eq!(when(&bucket), ms(0));
        assert_eq!(when(&bucket), ms(500));
        tokio::time::advance(ms(500)).await;
        assert_eq!(when(&bucket), ms(500));
        tokio::time::advance(ms(1000)).await;
        assert_eq!(when(&bucket), ms(0));
    }

    #[test]
    fn unlimited_rate_never_waits() {
        let bucket = Bucket::new(f64::INFINITY, 1).expect("valid");
        for _ in 0..1000 {
            assert_eq!(when(&bucket), Duration::ZERO);
        }
    }

    #[test]
    fn rejects_invalid_parameters() {
        assert_eq!(Bucket::new(1.0, 0).err(), Some(BucketError::ZeroBurst));
        assert!(matches!(
            Bucket::new(f64::NAN, 1),
            Err(BucketError::InvalidQps(_))
        ));
    }

    /// client-go's `BucketRateLimiter` over `rate.NewLimiter(0, burst)`: the burst goes
    /// through, then every item waits `InfDuration`. A zero rate is not an error.
    #[tokio::test(start_paused = true)]
    async fn zero_rate_allows_only_the_burst() {
        for qps in [0.0, -1.0, f64::NEG_INFINITY, 1e-300] {
            let bucket = Bucket::new(qps, 2).expect("a zero rate is valid");
            assert_eq!(when(&bucket), Duration::ZERO, "{qps}");
            assert_eq!(when(&bucket), Duration::ZERO, "{qps}");
            tokio::time::advance(Duration::from_secs(3600)).await;
            assert_eq!(when(&bucket), Duration::MAX, "{qps}");
        }
    }
}
