//! Property tests of the rate limiters against independent models: client-go's formulas for
//! the per-item limiters, and `golang.org/x/time/rate`'s token count for [`Bucket`].

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use kclient_workqueue::RateLimiter;
use kclient_workqueue::limiters::{Bucket, ItemExponentialFailure, ItemFastSlow, MaxOf};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum ItemOp {
    When(u8),
    Forget(u8),
}

fn item_ops() -> impl Strategy<Value = Vec<ItemOp>> {
    prop::collection::vec(
        prop_oneof![
            5 => (0u8..4).prop_map(ItemOp::When),
            1 => (0u8..4).prop_map(ItemOp::Forget),
        ],
        0..200,
    )
}

/// client-go: `min(base * 2^failures, max)`, `max` when the product overflows.
fn exponential(base: Duration, max: Duration, failures: u32) -> Duration {
    let nanos = 1u128
        .checked_shl(failures)
        .and_then(|factor| base.as_nanos().checked_mul(factor));
    match nanos {
        Some(n) if n <= max.as_nanos() => Duration::from_nanos(n as u64),
        _ => max,
    }
}

/// Per-item attempt counts, reset by `forget`.
#[derive(Default)]
struct Counts(HashMap<u8, u32>);

impl Counts {
    /// The count before this attempt.
    fn attempt(&mut self, item: u8) -> u32 {
        let n = self.0.entry(item).or_default();
        *n += 1;
        *n - 1
    }

    fn get(&self, item: u8) -> usize {
        self.0.get(&item).copied().unwrap_or(0) as usize
    }
}

proptest! {
    #[test]
    fn exponential_failure_follows_client_go(
        base_us in 1u64..10_000,
        max_ms in 1u64..10_000_000,
        ops in item_ops(),
    ) {
        let (base, max) = (Duration::from_micros(base_us), Duration::from_millis(max_ms));
        let limiter = ItemExponentialFailure::new(base, max);
        let mut counts = Counts::default();
        for op in ops {
            match op {
                ItemOp::When(item) => {
                    let want = exponential(base, max, counts.attempt(item));
                    prop_assert_eq!(limiter.when(&item), want);
                }
                ItemOp::Forget(item) => {
                    limiter.forget(&item);
                    counts.0.remove(&item);
                }
            }
            for item in 0..4 {
                prop_assert_eq!(limiter.num_requeues(&item), counts.get(item));
            }
        }
    }

    #[test]
    fn fast_slow_follows_client_go(max_fast in 0u32..6, ops in item_ops()) {
        let (fast, slow) = (Duration::from_millis(5), Duration::from_secs(7));
        let limiter = ItemFastSlow::new(fast, slow, max_fast);
        let mut counts = Counts::default();
        for op in ops {
            match op {
                ItemOp::When(item) => {
                    let attempt = counts.attempt(item) + 1;
                    let want = if attempt <= max_fast { fast } else { slow };
                    prop_assert_eq!(limiter.when(&item), want);
                }
                ItemOp::Forget(item) => {
                    limiter.forget(&item);
                    counts.0.remove(&item);
                }
            }
            for item in 0..4 {
                prop_assert_eq!(limiter.num_requeues(&item), counts.get(item));
            }
        }
    }

    #[test]
    fn max_of_is_the_max_of_its_parts(max_fast in 0u32..4, ops in item_ops()) {
        let parts = || {
            (
                ItemExponentialFailure::new(Duration::from_millis(1), Duration::from_secs(60)),
                ItemFastSlow::new(Duration::from_millis(5), Duration::from_millis(300), max_fast),
            )
        };
        let (a, b) = parts();
        let (ca, cb) = parts();
        let limiter = MaxOf::new().with(ca).with(cb);
        for op in ops {
            match op {
                ItemOp::When(item) => {
                    prop_assert_eq!(limiter.when(&item), a.when(&item).max(b.when(&item)));
                }
                ItemOp::Forget(item) => {
                    limiter.forget(&item);
                    a.forget(&item);
                    b.forget(&item);
                }
            }
            for item in 0..4 {
                prop_assert_eq!(
                    limiter.num_requeues(&item),
                    a.num_requeues(&item).max(b.num_requeues(&item))
                );
            }
        }
    }

    /// After any pattern of idle gaps and bursts of calls, every delay equals what
    /// `rate.Limiter.Reserve().Delay()` gives: tokens refill at one per interval up to the
    /// burst, each call takes one, and a negative balance is waited off.
    #[test]
    fn bucket_matches_a_token_count_model(
        interval_ms in 1u64..200,
        burst in 1u32..20,
        steps in prop::collection::vec((0u64..1_000, 1usize..6), 1..60),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        runtime.block_on(async {
            let interval = Duration::from_millis(interval_ms);
            let bucket = Bucket::with_interval(interval, NonZeroU32::new(burst).unwrap());
            let unit = i128::try_from(interval.as_nanos()).unwrap();
            // Tokens in units of 1/interval_ns, so the model is exact in integers.
            let full = unit * i128::from(burst);
            let mut tokens = full;
            for (idle_ms, calls) in steps {
                tokio::time::advance(Duration::from_millis(idle_ms)).await;
                tokens = (tokens + i128::from(idle_ms) * 1_000_000).min(full);
                for _ in 0..calls {
                    tokens -= unit;
                    let want = Duration::from_nanos(u64::try_from((-tokens).max(0)).unwrap());
                    prop_assert_eq!(RateLimiter::<()>::when(&bucket, &()), want);
                }
            }
            Ok(())
        })?;
    }
}
