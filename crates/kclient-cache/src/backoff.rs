//! Exponential backoff with jitter, as client-go's reflector uses it
//! (`NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)`).
//!
//! Time comes from `tokio::time::Instant`, so backoff is exact on a paused test clock.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::time::Instant;

/// Backoff parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct BackoffConfig {
    /// The first delay. Default: 800 ms.
    pub initial: Duration,
    /// The cap of the un-jittered delay. Default: 30 s.
    pub max: Duration,
    /// Growth per failure. Default: 2.0.
    pub factor: f64,
    /// Up to `jitter × delay` is added at random, so many clients do not retry in lockstep.
    /// Default: 1.0.
    pub jitter: f64,
    /// After this long without a failure the delay starts over at `initial`. Default: 2 min.
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

/// The state of one backoff sequence.
#[derive(Debug)]
pub struct Backoff {
    config: BackoffConfig,
    current: Duration,
    last: Option<Instant>,
    rng: StdRng,
}

impl Backoff {
    /// A backoff with a randomly seeded jitter source.
    pub fn new(config: BackoffConfig) -> Self {
        Self::with_rng(config, StdRng::from_os_rng())
    }

    /// A backoff with a reproducible jitter sequence.
    pub fn with_seed(config: BackoffConfig, seed: u64) -> Self {
        Self::with_rng(config, StdRng::seed_from_u64(seed))
    }

    fn with_rng(config: BackoffConfig, rng: StdRng) -> Self {
        let factor = if config.factor.is_finite() && config.factor >= 1.0 {
            config.factor
        } else {
            1.0
        };
        let jitter = if config.jitter.is_finite() && config.jitter > 0.0 {
            config.jitter
        } else {
            0.0
        };
        let config = BackoffConfig {
            factor,
            jitter,
            max: config.max.max(config.initial),
            ..config
        };
        Self {
            current: config.initial,
            config,
            last: None,
            rng,
        }
    }

    /// The parameters.
    pub fn config(&self) -> &BackoffConfig {
        &self.config
    }

    /// The delay before the next retry; grows the following one.
    pub fn next_delay(&mut self) -> Duration {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) > self.config.reset_after)
        {
            self.current = self.config.initial;
        }
        let base = self.current;
        self.current = base.mul_f64(self.config.factor).min(self.config.max);
        let jitter = if self.config.jitter > 0.0 {
            base.mul_f64(self.rng.random::<f64>() * self.config.jitter)
        } else {
            Duration::ZERO
        };
        let delay = base + jitter;
        // The reset window counts from the end of the wait, not its start.
        self.last = Some(now + delay);
        delay
    }

    /// Starts over at the initial delay.
    pub fn reset(&mut self) {
        self.current = self.config.initial;
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn grows_caps_jitters_and_resets() {
        let config = BackoffConfig::default();
        let mut b = Backoff::with_seed(config.clone(), 7);
        let mut base = config.initial;
        for _ in 0..10 {
            let d = b.next_delay();
            assert!(
                d >= base && d <= base.mul_f64(2.0),
                "{d:?} for base {base:?}"
            );
            tokio::time::sleep(d).await;
            base = base.mul_f64(2.0).min(config.max);
        }
        // Capped: 30 s plus up to 100% jitter.
        let d = b.next_delay();
        assert!(d >= config.max && d <= config.max * 2, "{d:?}");
        tokio::time::sleep(d).await;
        // A quiet period longer than reset_after starts over.
        tokio::time::sleep(config.reset_after + Duration::from_secs(1)).await;
        let d = b.next_delay();
        assert!(d >= config.initial && d <= config.initial * 2, "{d:?}");
    }

    #[test]
    fn without_jitter_is_exact_and_bad_parameters_are_tamed() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let mut b = Backoff::with_seed(
                BackoffConfig {
                    initial: Duration::from_secs(1),
                    max: Duration::from_secs(4),
                    factor: 2.0,
                    jitter: 0.0,
                    reset_after: Duration::from_secs(60),
                },
                1,
            );
            let got: Vec<u64> = (0..5).map(|_| b.next_delay().as_secs()).collect();
            assert_eq!(got, [1, 2, 4, 4, 4]);
            b.reset();
            assert_eq!(b.next_delay(), Duration::from_secs(1));
            let mut odd = Backoff::with_seed(
                BackoffConfig {
                    factor: f64::NAN,
                    jitter: -3.0,
                    ..BackoffConfig::default()
                },
                1,
            );
            assert_eq!(odd.next_delay(), Duration::from_millis(800));
            assert_eq!(odd.next_delay(), Duration::from_millis(800));
        });
    }
}
