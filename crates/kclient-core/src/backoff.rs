//! Exponential backoff with jitter: client-go's `wait.Backoff` and `wait.Jitter`, and the
//! reflector's `ExponentialBackoffManager` (the reset after a healthy spell), as one rule.
//!
//! The un-jittered delay of step `n` (counting from 0) is `initial × factor^n`, capped at
//! `max`; jitter then adds up to `jitter × delay` at random. Every backoff in kclient is a
//! configuration of it:
//!
//! | who | configuration |
//! |---|---|
//! | the reflector (client-go's) | [`BackoffConfig::default`]: 800 ms doubling to 30 s, up to 100% jitter, reset after 2 min of health |
//! | the REST retry layer | "equal jitter" between `initial` and `max`: half of each step fixed, half random, which is up to 100% jitter over `initial / 2` capped at `max / 2` |
//! | leader election's retry period | [`BackoffConfig::constant`]`(retry_period, 1.2)`: client-go's `wait.Jitter(period, 1.2)` |
//! | the workqueue's per-item backoff | `base × 2^failures` capped at `max`, no jitter (client-go's `ItemExponentialFailureRateLimiter`) |
//!
//! Nothing here reads a clock or a random source: callers pass the time and a random number
//! in `[0, 1)`, so the rule stays pure and tests exact.
//!
//! ```
//! use std::time::Duration;
//! use kclient_core::backoff::BackoffConfig;
//!
//! let reflector = BackoffConfig::default();
//! assert_eq!(reflector.delay(0, 0.0), Duration::from_millis(800));
//! assert_eq!(reflector.delay(3, 0.5), Duration::from_millis(9600));
//! assert_eq!(reflector.delay(20, 0.0), Duration::from_secs(30));
//! ```

use std::time::{Duration, Instant};

/// The parameters of a backoff; see the [module docs](self). The default is client-go's
/// reflector backoff (`NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)`).
#[derive(Clone, Debug, PartialEq)]
pub struct BackoffConfig {
    /// The first delay. Default: 800 ms.
    pub initial: Duration,
    /// The cap of the un-jittered delay (from the first step on). Default: 30 s.
    pub max: Duration,
    /// Growth per step; anything below 1 (or not finite) means no growth. Default: 2.0.
    pub factor: f64,
    /// Up to `jitter × delay` is added at random, so many clients do not retry in lockstep;
    /// zero or less (or not finite) means none. Default: 1.0.
    pub jitter: f64,
    /// After this long without a delay being asked for, a [`Backoff`] starts over at
    /// `initial` (counted from the end of the last wait). Default: 2 min.
    pub reset_after: Duration,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(800),
            max: Duration::from_secs(30),
            factor: 2.0,
            jitter: 1.0,
            reset_after: Duration::from_secs(120),
        }
    }
}

impl BackoffConfig {
    /// The same `period` every time, plus up to `jitter × period` at random: client-go's
    /// `wait.Jitter(period, jitter)`, as `wait.JitterUntil` waits between runs.
    pub fn constant(period: Duration, jitter: f64) -> Self {
        Self {
            initial: period,
            max: period,
            factor: 1.0,
            jitter,
            reset_after: Duration::MAX,
        }
    }

    /// The un-jittered delay of step `step` (0 for the first): `initial × factor^step`, at
    /// most `max`.
    pub fn base(&self, step: u32) -> Duration {
        let initial = self.initial.as_nanos();
        if initial == 0 {
            return Duration::ZERO;
        }
        let factor = if self.factor.is_finite() && self.factor >= 1.0 {
            self.factor
        } else {
            1.0
        };
        let grown = if factor.fract() == 0.0 && factor < u64::MAX as f64 {
            // Whole factors (the usual doubling) in integers, exact at any size; `None` is
            // past any cap.
            (factor as u128)
                .checked_pow(step)
                .and_then(|f| initial.checked_mul(f))
        } else {
            to_nanos(initial as f64 * factor.powi(i32::try_from(step).unwrap_or(i32::MAX)))
        };
        let max = self.max.as_nanos();
        from_nanos(grown.map_or(max, |grown| grown.min(max)))
    }

    /// The delay of step `step`: [`base`](Self::base) plus `random × jitter × base`, where
    /// `random` is a uniform random number in `[0, 1)` (values outside are clamped).
    pub fn delay(&self, step: u32, random: f64) -> Duration {
        let base = self.base(step);
        let jitter = if self.jitter.is_finite() && self.jitter > 0.0 {
            self.jitter
        } else {
            return base;
        };
        let random = if random.is_nan() {
            0.0
        } else {
            random.clamp(0.0, 1.0)
        };
        let extra = to_nanos((base.as_nanos() as f64 * jitter * random).round());
        from_nanos(base.as_nanos().saturating_add(extra.unwrap_or(u128::MAX)))
    }
}

/// A non-negative float count of nanoseconds as an integer, `None` when it is too large.
fn to_nanos(nanos: f64) -> Option<u128> {
    // NaN fails the comparison; the cast of an in-range value truncates as intended.
    (nanos < u128::MAX as f64).then(|| nanos.max(0.0) as u128)
}

/// Nanoseconds as a `Duration`, saturating at `Duration::MAX`.
fn from_nanos(nanos: u128) -> Duration {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    match u64::try_from(nanos / NANOS_PER_SEC) {
        // The remainder is below one second, so it fits.
        Ok(secs) => Duration::new(secs, (nanos % NANOS_PER_SEC) as u32),
        Err(_) => Duration::MAX,
    }
}

/// One running backoff: the step reached, and when the last wait ended, so that a quiet
/// spell longer than [`BackoffConfig::reset_after`] starts it over (client-go's
/// `ExponentialBackoffManager`).
#[derive(Clone, Debug)]
pub struct Backoff {
    config: BackoffConfig,
    step: u32,
    /// When the last wait ends; `None` before the first one or after a reset.
    quiet_from: Option<Instant>,
}

impl Backoff {
    /// A backoff at its first step.
    pub fn new(config: BackoffConfig) -> Self {
        Self {
            config,
            step: 0,
            quiet_from: None,
        }
    }

    /// The parameters.
    pub fn config(&self) -> &BackoffConfig {
        &self.config
    }

    /// The delay to wait from `now`, given a uniform random number in `[0, 1)`; moves on to
    /// the next step.
    pub fn next_delay(&mut self, now: Instant, random: f64) -> Duration {
        if self.quiet_from.is_some_and(|quiet_from| {
            now.saturating_duration_since(quiet_from) > self.config.reset_after
        }) {
            self.step = 0;
        }
        let delay = self.config.delay(self.step, random);
        self.step = self.step.saturating_add(1);
        // The reset window counts from the end of the wait, not its start.
        self.quiet_from = Some(now.checked_add(delay).unwrap_or(now));
        delay
    }

    /// Starts over at the first step.
    pub fn reset(&mut self) {
        self.step = 0;
        self.quiet_from = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn reflector_doubles_to_the_cap_with_up_to_full_jitter() {
        let config = BackoffConfig::default();
        let bases: Vec<_> = (0..8).map(|step| config.base(step)).collect();
        assert_eq!(
            bases,
            [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000].map(ms)
        );
        assert_eq!(config.delay(1, 0.0), ms(1600));
        assert_eq!(config.delay(1, 0.25), ms(2000));
        assert_eq!(config.delay(1, 1.0), ms(3200));
        assert_eq!(config.delay(u32::MAX, 0.5), ms(45_000));
    }

    #[test]
    fn leader_election_jitter_matches_wait_jitter() {
        let period = Duration::from_secs(2);
        let config = BackoffConfig::constant(period, 1.2);
        assert_eq!(config.delay(0, 0.0), period);
        assert_eq!(config.delay(0, 0.5), ms(3200));
        assert_eq!(config.delay(7, 1.0), ms(4400));
    }

    #[test]
    fn equal_jitter_is_full_jitter_over_half_the_range() {
        let (initial, max) = (ms(200), Duration::from_secs(10));
        let config = BackoffConfig {
            initial: initial / 2,
            max: max / 2,
            factor: 2.0,
            jitter: 1.0,
            reset_after: Duration::MAX,
        };
        for retry in 0..40 {
            let step = (initial * 2u32.saturating_pow(retry.min(20))).min(max);
            assert_eq!(config.delay(retry, 0.0), step / 2);
            assert_eq!(config.delay(retry, 1.0), step);
        }
    }

    #[test]
    fn workqueue_doubling_is_exact_and_saturates() {
        let config = BackoffConfig {
            initial: ms(5),
            max: Duration::from_secs(1000),
            factor: 2.0,
            jitter: 0.0,
            reset_after: Duration::MAX,
        };
        let delays: Vec<_> = (0..10).map(|n| config.delay(n, 0.7)).collect();
        assert_eq!(
            delays,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560].map(ms)
        );
        assert_eq!(config.delay(5000, 0.0), Duration::from_secs(1000));
        let uncapped = BackoffConfig {
            max: Duration::MAX,
            ..config
        };
        assert_eq!(uncapped.delay(u32::MAX, 0.0), Duration::MAX);
    }

    /// `max` caps every delay, the first included (as `ItemExponentialFailureRateLimiter`
    /// and the retry layer cap it), and odd parameters are tamed rather than obeyed.
    #[test]
    fn odd_parameters() {
        let capped = BackoffConfig {
            initial: Duration::from_secs(4),
            max: Duration::from_secs(1),
            ..BackoffConfig::default()
        };
        assert_eq!(capped.base(0), Duration::from_secs(1));
        let odd = BackoffConfig {
            factor: f64::NAN,
            jitter: -3.0,
            ..BackoffConfig::default()
        };
        assert_eq!(odd.delay(0, 0.5), ms(800));
        assert_eq!(odd.delay(9, 0.5), ms(800));
        let shrinking = BackoffConfig {
            factor: 0.5,
            jitter: f64::INFINITY,
            ..BackoffConfig::default()
        };
        assert_eq!(shrinking.delay(3, 0.5), ms(800));
        let zero = BackoffConfig {
            initial: Duration::ZERO,
            ..BackoffConfig::default()
        };
        assert_eq!(zero.delay(3, 0.5), Duration::ZERO);
        assert_eq!(BackoffConfig::default().delay(0, f64::NAN), ms(800));
        assert_eq!(BackoffConfig::default().delay(0, 7.0), ms(1600));
    }

    #[test]
    fn a_running_backoff_grows_and_resets_after_a_quiet_spell() {
        let config = BackoffConfig {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(4),
            factor: 2.0,
            jitter: 0.0,
            reset_after: Duration::from_secs(60),
        };
        let mut backoff = Backoff::new(config.clone());
        let mut now = Instant::now();
        let mut delays = Vec::new();
        for _ in 0..5 {
            let delay = backoff.next_delay(now, 0.5);
            delays.push(delay.as_secs());
            now += delay;
        }
        assert_eq!(delays, [1, 2, 4, 4, 4]);
        // Exactly `reset_after` after the last wait ended is not yet quiet enough.
        assert_eq!(
            backoff.next_delay(now + Duration::from_secs(60), 0.0),
            Duration::from_secs(4)
        );
        now += Duration::from_secs(64);
        assert_eq!(
            backoff.next_delay(now + Duration::from_secs(61), 0.0),
            Duration::from_secs(1)
        );
        assert_eq!(backoff.next_delay(now, 0.0), Duration::from_secs(2));
        backoff.reset();
        assert_eq!(backoff.next_delay(now, 0.0), Duration::from_secs(1));
        assert_eq!(backoff.config(), &config);
    }
}
