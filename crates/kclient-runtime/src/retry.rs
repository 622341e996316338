//! Retrying a read-modify-write when the server answers 409 Conflict: client-go's
//! `util/retry` (`RetryOnConflict`, `OnError`, `DefaultRetry`, `DefaultBackoff`).
//!
//! A write made against a stale resourceVersion fails with a conflict; the fix is to read the
//! object again, re-apply the change and write once more. [`retry_on_conflict`] runs such an
//! attempt up to [`RetryBackoff::steps`] times, waiting between attempts on kclient-core's
//! [`backoff`](kclient_core::backoff) schedule (on the tokio clock, so tests can pause it).
//!
//! ```no_run
//! # async fn demo(api: kclient_client::Api<k8s_openapi::api::core::v1::ConfigMap>)
//! # -> Result<(), kclient_rest::Error> {
//! use kclient_client::{GetOptions, UpdateOptions};
//! use kclient_runtime::retry::{DEFAULT_RETRY, retry_on_conflict};
//!
//! retry_on_conflict(&DEFAULT_RETRY, || async {
//!     let mut cm = api.get("settings", &GetOptions::default()).await?;
//!     cm.data.get_or_insert_default().insert("mode".into(), "fast".into());
//!     api.update(&cm, &UpdateOptions::default()).await
//! })
//! .await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::time::Duration;

use kclient_core::ApiError;
use kclient_core::backoff::BackoffConfig;

/// How often and how patiently to retry: client-go's `wait.Backoff` as `util/retry` uses it.
/// Attempt `n` (from 0) is followed, if it fails retriably and attempts remain, by a wait of
/// `initial × factor^n` plus up to `jitter` of it at random, capped at `cap`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryBackoff {
    /// How many attempts in all (at least one is always made).
    pub steps: u32,
    /// The wait after the first failed attempt.
    pub initial: Duration,
    /// Growth of the wait per attempt (1: constant).
    pub factor: f64,
    /// Up to `jitter × wait` is added at random.
    pub jitter: f64,
    /// The largest un-jittered wait (`Duration::MAX`: none, client-go's zero `Cap`).
    pub cap: Duration,
}

/// client-go's `retry.DefaultRetry`: 5 attempts, 10 ms apart (plus up to 10% jitter), for
/// conflicts, which usually clear at once.
pub const DEFAULT_RETRY: RetryBackoff = RetryBackoff {
    steps: 5,
    initial: Duration::from_millis(10),
    factor: 1.0,
    jitter: 0.1,
    cap: Duration::MAX,
};

/// client-go's `retry.DefaultBackoff`: 4 attempts with waits of 10, 50 and 250 ms (plus up
/// to 10% jitter), for errors that take longer to clear.
pub const DEFAULT_BACKOFF: RetryBackoff = RetryBackoff {
    steps: 4,
    initial: Duration::from_millis(10),
    factor: 5.0,
    jitter: 0.1,
    cap: Duration::MAX,
};

impl RetryBackoff {
    /// The wait after failed attempt `attempt` (from 0), given a random number in `[0, 1)`.
    pub fn wait(&self, attempt: u32, random: f64) -> Duration {
        BackoffConfig {
            initial: self.initial,
            max: self.cap,
            factor: self.factor,
            jitter: self.jitter,
            reset_after: Duration::MAX,
        }
        .delay(attempt, random)
    }
}

/// Runs `attempt` until it succeeds, fails with an error that is not a conflict
/// ([`ApiError::is_conflict`]), or `backoff.steps` attempts were made; returns the last
/// outcome (client-go's `RetryOnConflict`, which also hands back the last conflict).
pub async fn retry_on_conflict<T, E, F, Fut>(backoff: &RetryBackoff, attempt: F) -> Result<T, E>
where
    E: ApiError,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    on_error(backoff, |e: &E| e.is_conflict(), attempt).await
}

/// Runs `attempt` until it succeeds, fails with an error `retriable` refuses, or
/// `backoff.steps` attempts were made; returns the last outcome (client-go's `retry.OnError`).
pub async fn on_error<T, E, F, Fut>(
    backoff: &RetryBackoff,
    mut retriable: impl FnMut(&E) -> bool,
    mut attempt: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let steps = backoff.steps.max(1);
    let mut made = 0;
    loop {
        let err = match attempt().await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        made += 1;
        if made >= steps || !retriable(&err) {
            return Err(err);
        }
        tokio::time::sleep(backoff.wait(made - 1, rand::random())).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
    use kclient_core::GroupResource;
    use kclient_core::status::{new_conflict, new_not_found};
    use tokio::time::Instant;

    use super::*;

    type Failed = Status;

    fn conflict() -> Status {
        new_conflict(&GroupResource::new("", "configmaps"), "a", "stale")
    }

    fn not_found() -> Status {
        new_not_found(&GroupResource::new("", "configmaps"), "a")
    }

    #[test]
    fn client_go_schedules() {
        let retry: Vec<_> = (0..4).map(|n| DEFAULT_RETRY.wait(n, 0.0)).collect();
        assert_eq!(retry, [Duration::from_millis(10); 4]);
        let backoff: Vec<_> = (0..3).map(|n| DEFAULT_BACKOFF.wait(n, 0.0)).collect();
        assert_eq!(backoff, [10, 50, 250].map(Duration::from_millis));
        assert_eq!(DEFAULT_RETRY.wait(0, 1.0), Duration::from_millis(11));
    }

    #[tokio::test(start_paused = true)]
    async fn conflicts_are_retried_until_the_attempt_succeeds() {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let out: Result<u32, Failed> = retry_on_conflict(&DEFAULT_BACKOFF, || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(conflict()),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(out.ok(), Some(2));
        let waited = start.elapsed();
        // 10 ms then 50 ms, each with at most 10% jitter.
        assert!(waited >= Duration::from_millis(60), "{waited:?}");
        assert!(waited <= Duration::from_millis(66), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_steps_with_the_last_conflict() {
        let calls = AtomicU32::new(0);
        let out: Result<(), Failed> = retry_on_conflict(&DEFAULT_RETRY, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(conflict())
        })
        .await;
        assert!(out.is_err_and(|e| e.is_conflict()));
        assert_eq!(calls.load(Ordering::SeqCst), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_are_returned_at_once() {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let out: Result<(), Failed> = retry_on_conflict(&DEFAULT_RETRY, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(not_found())
        })
        .await;
        assert!(out.is_err_and(|e| e.is_not_found()));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn on_error_retries_what_the_predicate_accepts() {
        let calls = AtomicU32::new(0);
        let out: Result<(), Failed> = on_error(
            &RetryBackoff {
                steps: 3,
                ..DEFAULT_BACKOFF
            },
            |e: &Failed| e.is_not_found(),
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(not_found())
            },
        )
        .await;
        assert!(out.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
