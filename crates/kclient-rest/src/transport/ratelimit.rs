//! Client-side rate limiting: a token bucket like client-go's
//! `flowcontrol.NewTokenBucketRateLimiter(qps, burst)`.
//!
//! The bucket holds up to `burst` tokens and refills at `qps` tokens per second. Each attempt
//! sent to the server (retries included, as in client-go) takes one token; when none is left
//! the request *waits* for its turn rather than failing. Waiting reserves a future token
//! (golang.org/x/time/rate's reservation model), so concurrent callers are served in
//! arrival order with even spacing. The limiter is shared by every clone of a `RestClient`.
//! It runs on tokio's clock, so tests drive it with a paused clock.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;
use tower_layer::Layer;
use tower_service::Service;

/// A token bucket shared by all requests of a client.
pub struct TokenBucket {
    qps: f64,
    burst: f64,
    state: Mutex<BucketState>,
}

struct BucketState {
    tokens: f64,
    last: Instant,
}

impl fmt::Debug for TokenBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBucket")
            .field("qps", &self.qps)
            .field("burst", &self.burst)
            .finish()
    }
}

impl TokenBucket {
    /// A full bucket of `burst` tokens (at least 1) refilled at `qps` per second (must be > 0;
    /// non-positive or non-finite values are treated as "no limit" by [`RateLimitLayer::new`]).
    pub fn new(qps: f32, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            qps: f64::from(qps),
            burst,
            state: Mutex::new(BucketState {
                tokens: burst,
                last: Instant::now(),
            }),
        }
    }

    /// Takes one token, returning how long the caller must wait before using it.
    pub fn reserve(&self) -> Duration {
        let now = Instant::now();
        let Ok(mut state) = self.state.lock() else {
            // A panic while holding this lock cannot leave the bucket inconsistent in a way
            // worth blocking callers over.
            return Duration::ZERO;
        };
        let elapsed = now.saturating_duration_since(state.last).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.qps).min(self.burst);
        state.last = now;
        state.tokens -= 1.0;
        if state.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-state.tokens / self.qps)
        }
    }

    /// Waits until a token is available and takes it.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tracing::debug!(?wait, "client-side throttling");
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes a token only if one is available now (client-go's `TryAccept`).
    pub fn try_acquire(&self) -> bool {
        let now = Instant::now();
        let Ok(mut state) = self.state.lock() else {
            return true;
        };
        let elapsed = now.saturating_duration_since(state.last).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.qps).min(self.burst);
        state.last = now;
        if state.tokens >= 1.0 {
            state.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Applies a [`TokenBucket`] before every call; `None` disables limiting.
#[derive(Clone, Debug, Default)]
pub struct RateLimitLayer {
    bucket: Option<Arc<TokenBucket>>,
}

impl RateLimitLayer {
    /// Limits to `qps` requests per second with bursts of `burst`; a non-positive or non-finite
    /// `qps` disables limiting.
    pub fn new(qps: f32, burst: u32) -> Self {
        if qps.is_finite() && qps > 0.0 {
            Self::shared(Arc::new(TokenBucket::new(qps, burst)))
        } else {
            Self::disabled()
        }
    }

    /// Uses an existing bucket (e.g. one shared by several clients).
    pub fn shared(bucket: Arc<TokenBucket>) -> Self {
        Self {
            bucket: Some(bucket),
        }
    }

    /// No client-side rate limiting.
    pub fn disabled() -> Self {
        Self { bucket: None }
    }

    /// The bucket in use, if limiting is enabled.
    pub fn bucket(&self) -> Option<&Arc<TokenBucket>> {
        self.bucket.as_ref()
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit {
            inner,
            bucket: self.bucket.clone(),
        }
    }
}

/// The service produced by [`RateLimitLayer`].
#[derive(Clone, Debug)]
pub struct RateLimit<S> {
    inner: S,
    bucket: Option<Arc<TokenBucket>>,
}

impl<S, Req> Service<Req> for RateLimit<S>
where
    S: Service<Req> + Clone + Send + 'static,
    S::Future: Send + 'static,
    Req: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Req) -> Self::Future {
        let Some(bucket) = self.bucket.clone() else {
            return Box::pin(self.inner.call(req));
        };
        // The ready inner service is taken; a fresh clone replaces it for the next caller.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            bucket.acquire().await;
            inner.call(req).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use tower::ServiceExt;

    #[tokio::test(start_paused = true)]
    async fn burst_then_qps_spacing() {
        let bucket = TokenBucket::new(5.0, 10);
        let start = Instant::now();
        for _ in 0..10 {
            bucket.acquire().await;
        }
        assert_eq!(Instant::now(), start, "the burst is served without waiting");
        let mut times = Vec::new();
        for _ in 0..5 {
            bucket.acquire().await;
            times.push(Instant::now() - start);
        }
        let expected: Vec<Duration> = (1..=5).map(|i| Duration::from_millis(200 * i)).collect();
        assert_eq!(times, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn refills_after_idle_but_not_beyond_burst() {
        let bucket = TokenBucket::new(10.0, 2);
        assert!(bucket.try_acquire());
        assert!(bucket.try_acquire());
        assert!(!bucket.try_acquire());
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!(bucket.try_acquire());
        assert!(bucket.try_acquire());
        assert!(!bucket.try_acquire());
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_waiters_are_spaced_evenly() {
        let bucket = Arc::new(TokenBucket::new(2.0, 1));
        let start = Instant::now();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let bucket = bucket.clone();
                tokio::spawn(async move {
                    bucket.acquire().await;
                    Instant::now() - start
                })
            })
            .collect();
        let mut times = Vec::new();
        for h in handles {
            times.push(h.await.unwrap());
        }
        times.sort();
        assert_eq!(
            times,
            [0, 500, 1000, 1500].map(Duration::from_millis).to_vec()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn layer_waits_and_disabled_layer_does_not() {
        let svc = tower::service_fn(|()| async { Ok::<_, Infallible>(Instant::now()) });
        let limited = RateLimitLayer::new(1.0, 1).layer(svc);
        let start = Instant::now();
        let first = limited.clone().oneshot(()).await.unwrap();
        let second = limited.clone().oneshot(()).await.unwrap();
        assert_eq!(first - start, Duration::ZERO);
        assert_eq!(second - start, Duration::from_secs(1));

        let unlimited = RateLimitLayer::new(0.0, 1).layer(svc);
        assert!(RateLimitLayer::new(f32::NAN, 1).bucket().is_none());
        let start = Instant::now();
        for _ in 0..100 {
            unlimited.clone().oneshot(()).await.unwrap();
        }
        assert_eq!(Instant::now(), start);
    }
}
