//! How often misses may reload discovery data: a [`TokenBucket`] (the one in kclient-core),
//! read on tokio's clock so tests run it on a paused clock.

use std::time::Duration;

use kclient_core::token_bucket::TokenBucket;

/// How often a miss may reload discovery data: up to `burst` reloads at once, then one per
/// `refill` (controller-runtime's lazy mapper uses the same kind of limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReloadLimit {
    /// Reloads allowed back to back. Default 5.
    pub burst: u32,
    /// Time to earn one more reload (zero: no limit). Default 1 s.
    pub refill: Duration,
}

impl Default for ReloadLimit {
    fn default() -> Self {
        ReloadLimit {
            burst: 5,
            refill: Duration::from_secs(1),
        }
    }
}

impl ReloadLimit {
    /// Misses never reload (only stale, not-fresh data is reloaded).
    pub fn never() -> Self {
        ReloadLimit {
            burst: 0,
            refill: Duration::MAX,
        }
    }

    /// A full bucket with this limit.
    pub(super) fn bucket(self) -> TokenBucket {
        TokenBucket::with_interval(self.refill, self.burst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    fn try_take(bucket: &mut TokenBucket) -> bool {
        bucket.try_take(Instant::now().into_std())
    }

    #[tokio::test(start_paused = true)]
    async fn burst_then_one_per_refill() {
        let mut bucket = ReloadLimit {
            burst: 2,
            refill: Duration::from_secs(1),
        }
        .bucket();
        assert!(try_take(&mut bucket));
        assert!(try_take(&mut bucket));
        assert!(!try_take(&mut bucket));
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(!try_take(&mut bucket));
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(try_take(&mut bucket));
        assert!(!try_take(&mut bucket));
        tokio::time::advance(Duration::from_secs(60)).await;
        assert!(try_take(&mut bucket));
        assert!(try_take(&mut bucket));
        assert!(!try_take(&mut bucket));
    }

    #[test]
    fn never_allows_nothing() {
        let mut bucket = ReloadLimit::never().bucket();
        let now = std::time::Instant::now();
        assert!(!bucket.try_take(now));
        assert!(!bucket.try_take(now + Duration::from_secs(3600)));
    }
}
