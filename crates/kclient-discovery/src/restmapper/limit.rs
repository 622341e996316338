//! The token bucket limiting reloads after misses. Time is tokio's, so tests run it on a
//! paused clock.

use std::time::Duration;

use tokio::time::Instant;

/// How often a miss may reload discovery data: up to `burst` reloads at once, then one per
/// `refill` (controller-runtime's lazy mapper uses the same kind of limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReloadLimit {
    /// Reloads allowed back to back. Default 5.
    pub burst: u32,
    /// Time to earn one more reload. Default 1 s.
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
}

#[derive(Debug)]
pub(super) struct TokenBucket {
    limit: ReloadLimit,
    tokens: f64,
    last: Option<Instant>,
}

impl TokenBucket {
    pub(super) fn new(limit: ReloadLimit) -> Self {
        TokenBucket {
            limit,
            tokens: f64::from(limit.burst),
            last: None,
        }
    }

    /// Takes one token if there is one at `now`.
    pub(super) fn try_take(&mut self, now: Instant) -> bool {
        let burst = f64::from(self.limit.burst);
        if let Some(last) = self.last {
            let refill = self.limit.refill.as_secs_f64();
            if refill > 0.0 && refill.is_finite() {
                let earned = now.saturating_duration_since(last).as_secs_f64() / refill;
                self.tokens = (self.tokens + earned).min(burst);
            } else if refill == 0.0 {
                self.tokens = burst;
            }
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_one_per_refill() {
        let mut bucket = TokenBucket::new(ReloadLimit {
            burst: 2,
            refill: Duration::from_secs(1),
        });
        let now = Instant::now();
        assert!(bucket.try_take(now));
        assert!(bucket.try_take(now));
        assert!(!bucket.try_take(now));
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(!bucket.try_take(Instant::now()));
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(bucket.try_take(Instant::now()));
        assert!(!bucket.try_take(Instant::now()));
        tokio::time::advance(Duration::from_secs(60)).await;
        assert!(bucket.try_take(Instant::now()));
        assert!(bucket.try_take(Instant::now()));
        assert!(!bucket.try_take(Instant::now()));
    }

    #[test]
    fn never_allows_nothing() {
        let mut bucket = TokenBucket::new(ReloadLimit::never());
        let now = Instant::now();
        assert!(!bucket.try_take(now));
        assert!(!bucket.try_take(now + Duration::from_secs(3600)));
    }
}
