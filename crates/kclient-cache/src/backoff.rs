//! The reflector's backoff: kclient-core's [`BackoffConfig`] rule (client-go's
//! `NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)` by default), run on tokio's clock
//! with a jitter source of its own.
//!
//! Time comes from `tokio::time::Instant`, so backoff is exact on a paused test clock.

use std::time::Duration;

use kclient_core::backoff;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::time::Instant;

pub use kclient_core::backoff::BackoffConfig;

/// The state of one backoff sequence.
#[derive(Debug)]
pub struct Backoff {
    state: backoff::Backoff,
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
        Self {
            state: backoff::Backoff::new(config),
            rng,
        }
    }

    /// The parameters.
    pub fn config(&self) -> &BackoffConfig {
        self.state.config()
    }

    /// The delay before the next retry; grows the following one.
    pub fn next_delay(&mut self) -> Duration {
        let random = self.rng.random::<f64>();
        self.state.next_delay(Instant::now().into_std(), random)
    }

    /// Starts over at the initial delay.
    pub fn reset(&mut self) {
        self.state.reset();
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
