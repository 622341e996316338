//! The token bucket behind every client-side limit: `golang.org/x/time/rate`'s rules (what
//! client-go's `flowcontrol.NewTokenBucketRateLimiter` and workqueue's `BucketRateLimiter`
//! wrap), with time passed in so it does no I/O and tests need no clock.
//!
//! The bucket holds up to `burst` tokens, starts full and earns one token per `interval`
//! (`1 / rate`). Taking a token from an empty bucket is a *reservation*: the caller is told
//! how long to wait, and the next caller queues behind it, so concurrent callers are served
//! in order and evenly spaced. The async wait belongs to the users (the REST transport, the
//! discovery mapper's reloads, the workqueue's limiter).
//!
//! As in `x/time/rate`: an infinite rate never waits, whatever the burst; a rate of zero (or
//! less) allows the burst and then nothing, ever; a burst of zero allows nothing at a finite
//! rate.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use kclient_core::token_bucket::TokenBucket;
//!
//! let mut bucket = TokenBucket::new(10.0, 2);
//! let now = Instant::now();
//! assert_eq!(bucket.reserve(now), Some(Duration::ZERO));
//! assert_eq!(bucket.reserve(now), Some(Duration::ZERO));
//! assert_eq!(bucket.reserve(now), Some(Duration::from_millis(100)));
//! assert!(!bucket.try_take(now + Duration::from_millis(150)));
//! assert!(bucket.try_take(now + Duration::from_millis(200)));
//! ```

use std::time::{Duration, Instant};

/// How the bucket earns tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refill {
    /// An infinite rate: nothing is ever limited.
    Unlimited,
    /// One token per this many nanoseconds (never zero).
    Every(u128),
    /// No tokens beyond the initial burst.
    Never,
}

/// A token bucket with `x/time/rate` semantics; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct TokenBucket {
    refill: Refill,
    burst: u32,
    /// Nanoseconds until the bucket is full again, as of `at`: the tokens missing, in time.
    /// It exceeds the burst's worth while reservations are waiting. Integer nanoseconds keep
    /// the spacing exact however many tokens are taken.
    debt: u128,
    /// When `debt` was last brought up to date; `None` before the first token is taken.
    at: Option<Instant>,
    /// Tokens taken from a bucket that never refills.
    taken: u32,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens earning `rate` tokens per second.
    ///
    /// `f64::INFINITY` is no limit; zero, a negative rate or NaN never refill (the burst only),
    /// as does a rate so low that one token would take longer than a `Duration` can hold.
    pub fn new(rate: f64, burst: u32) -> Self {
        let refill = if rate == f64::INFINITY {
            Refill::Unlimited
        } else if rate > 0.0 {
            let nanos = (1e9 / rate).round();
            if nanos < 1.0 {
                // Over a billion tokens a second: no wait is measurable.
                Refill::Unlimited
            } else if nanos < u64::MAX as f64 {
                // Integral and in range, checked just above.
                Refill::Every(nanos as u128)
            } else {
                Refill::Never
            }
        } else {
            Refill::Never
        };
        Self::with_refill(refill, burst)
    }

    /// A full bucket of `burst` tokens earning one token every `interval`; a zero interval is
    /// no limit.
    pub fn with_interval(interval: Duration, burst: u32) -> Self {
        let refill = match interval.as_nanos() {
            0 => Refill::Unlimited,
            nanos => Refill::Every(nanos),
        };
        Self::with_refill(refill, burst)
    }

    fn with_refill(refill: Refill, burst: u32) -> Self {
        Self {
            refill,
            burst,
            debt: 0,
            at: None,
            taken: 0,
        }
    }

    /// Tokens earned per second: `f64::INFINITY` for no limit, `0.0` for a bucket that
    /// never refills.
    pub fn rate(&self) -> f64 {
        match self.refill {
            Refill::Unlimited => f64::INFINITY,
            Refill::Every(nanos) => 1e9 / nanos as f64,
            Refill::Never => 0.0,
        }
    }

    /// The most tokens the bucket holds.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Takes a token at `now` and returns how long the caller must wait before using it (zero
    /// when one was there), or `None`, taking nothing, when no token will ever come: a bucket
    /// that never refills is empty, the burst is zero, or the wait would exceed what a
    /// `Duration` holds.
    pub fn reserve(&mut self, now: Instant) -> Option<Duration> {
        self.take(now, true)
    }

    /// Takes a token only if one is there at `now` (client-go's `TryAccept`).
    pub fn try_take(&mut self, now: Instant) -> bool {
        self.take(now, false) == Some(Duration::ZERO)
    }

    /// The one rule behind [`reserve`](Self::reserve) and [`try_take`](Self::try_take):
    /// `waiting` says whether a token in the future may be taken.
    fn take(&mut self, now: Instant, waiting: bool) -> Option<Duration> {
        match self.refill {
            Refill::Unlimited => Some(Duration::ZERO),
            Refill::Never => {
                if self.taken >= self.burst {
                    return None;
                }
                self.taken += 1;
                Some(Duration::ZERO)
            }
            Refill::Every(interval) => {
                if self.burst == 0 {
                    return None;
                }
                // Earn what the time since the last call is worth (never more than full).
                let elapsed = self
                    .at
                    .map_or(0, |at| now.saturating_duration_since(at).as_nanos());
                let debt = self.debt.saturating_sub(elapsed) + interval;
                let wait = debt.saturating_sub(interval * u128::from(self.burst));
                let wait = Duration::from_nanos(u64::try_from(wait).ok()?);
                if !waiting && !wait.is_zero() {
                    return Some(wait);
                }
                self.debt = debt;
                self.at = Some(now);
                Some(wait)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn burst_then_even_spacing() {
        let mut bucket = TokenBucket::new(5.0, 10);
        let start = Instant::now();
        for _ in 0..10 {
            assert_eq!(bucket.reserve(start), Some(Duration::ZERO));
        }
        let waits: Vec<_> = (0..3).map(|_| bucket.reserve(start)).collect();
        assert_eq!(waits, [Some(ms(200)), Some(ms(400)), Some(ms(600))]);
        // Waiting callers are ahead: a caller 100 ms later is behind all of them.
        assert_eq!(bucket.reserve(start + ms(100)), Some(ms(700)));
    }

    #[test]
    fn refills_up_to_the_burst_only() {
        let mut bucket = TokenBucket::with_interval(ms(100), 3);
        let start = Instant::now();
        for _ in 0..5 {
            bucket.reserve(start);
        }
        // 2.5 tokens earned against a debt of 2: the next one is half a token away.
        assert_eq!(bucket.reserve(start + ms(250)), Some(ms(50)));
        let later = start + Duration::from_secs(60);
        let waits: Vec<_> = (0..4).map(|_| bucket.reserve(later)).collect();
        assert_eq!(
            waits,
            [Some(ms(0)), Some(ms(0)), Some(ms(0)), Some(ms(100))]
        );
    }

    #[test]
    fn try_take_takes_nothing_it_would_wait_for() {
        let mut bucket = TokenBucket::with_interval(Duration::from_secs(1), 2);
        let start = Instant::now();
        assert!(bucket.try_take(start));
        assert!(bucket.try_take(start));
        assert!(!bucket.try_take(start));
        assert!(!bucket.try_take(start + ms(500)));
        assert!(bucket.try_take(start + ms(1000)));
        assert!(!bucket.try_take(start + ms(1000)));
        let later = start + Duration::from_secs(60);
        assert!(bucket.try_take(later) && bucket.try_take(later));
        assert!(!bucket.try_take(later));
    }

    /// `x/time/rate`: a limit of zero allows the burst and then never another event; it is
    /// neither "no limit" nor an error.
    #[test]
    fn zero_rate_allows_only_the_burst() {
        for rate in [0.0, -1.0, f64::NEG_INFINITY, f64::NAN, 1e-300] {
            let mut bucket = TokenBucket::new(rate, 2);
            let start = Instant::now();
            assert_eq!(bucket.reserve(start), Some(Duration::ZERO), "{rate}");
            assert!(bucket.try_take(start), "{rate}");
            assert_eq!(bucket.reserve(start), None, "{rate}");
            let much_later = start + Duration::from_secs(1_000_000);
            assert!(!bucket.try_take(much_later), "{rate}");
            assert_eq!(bucket.rate(), 0.0);
        }
    }

    #[test]
    fn infinite_rate_never_waits_and_zero_burst_never_allows() {
        let now = Instant::now();
        for mut unlimited in [
            TokenBucket::new(f64::INFINITY, 0),
            TokenBucket::with_interval(Duration::ZERO, 0),
        ] {
            for _ in 0..1000 {
                assert_eq!(unlimited.reserve(now), Some(Duration::ZERO));
            }
            assert_eq!(unlimited.rate(), f64::INFINITY);
        }
        let mut empty = TokenBucket::new(10.0, 0);
        assert_eq!(empty.reserve(now), None);
        assert!(!empty.try_take(now));
    }

    #[test]
    fn huge_intervals_allow_the_burst_then_report_never() {
        let mut bucket = TokenBucket::with_interval(Duration::MAX, 1);
        let now = Instant::now();
        assert_eq!(bucket.reserve(now), Some(Duration::ZERO));
        assert_eq!(bucket.reserve(now), None);
        assert_eq!(bucket.burst(), 1);
    }
}
