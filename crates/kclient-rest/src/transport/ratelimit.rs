//! Client-side rate limiting: client-go's `flowcontrol.NewTokenBucketRateLimiter(qps, burst)`
//! as a tower layer.
//!
//! The bucket ([`kclient_core::token_bucket`], `golang.org/x/time/rate`'s rules) holds up to
//! `burst` tokens and refills at `qps` tokens per second. Each attempt sent to the server
//! (retries included, as in client-go) takes one token; when none is left the request *waits*
//! for its turn rather than failing. Waiting reserves a future token, so concurrent callers
//! are served in arrival order with even spacing. The limiter is shared by every clone of a
//! `RestClient`. It reads tokio's clock, so tests drive it with a paused clock.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use kclient_core::token_bucket;
use tokio::time::Instant;
use tower_layer::Layer;
use tower_service::Service;

/// A token bucket shared by all requests of a client.
pub struct TokenBucket {
    bucket: Mutex<token_bucket::TokenBucket>,
}

impl fmt::Debug for TokenBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("TokenBucket");
        if let Ok(bucket) = self.bucket.lock() {
            out.field("qps", &bucket.rate())
                .field("burst", &bucket.burst());
        }
        out.finish()
    }
}

impl TokenBucket {
    /// A full bucket of `burst` tokens (at least 1) refilled at `qps` per second.
    ///
    /// The rate is the bucket's, as `x/time/rate` reads it: infinite is no limit, and zero or
    /// less allows the burst and then makes every later caller wait forever. (A `Config`'s
    /// `qps` of 0 means client-go's default instead; [`RateLimitLayer::new`] reads it so.)
    pub fn new(qps: f32, burst: u32) -> Self {
        Self {
            bucket: Mutex::new(token_bucket::TokenBucket::new(f64::from(qps), burst.max(1))),
        }
    }

    fn take(&self, waiting: bool) -> Option<Duration> {
        let now = Instant::now().into_std();
        let Ok(mut bucket) = self.bucket.lock() else {
            // A panic while holding this lock cannot leave the bucket inconsistent in a way
            // worth blocking callers over.
            return Some(Duration::ZERO);
        };
        if waiting {
            bucket.reserve(now)
        } else {
            bucket.try_take(now).then_some(Duration::ZERO)
        }
    }

    /// Takes one token, returning how long the caller must wait before using it
    /// (`Duration::MAX` when no token will ever come).
    pub fn reserve(&self) -> Duration {
        self.take(true).unwrap_or(Duration::MAX)
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
        self.take(false).is_some()
    }
}

/// Applies a [`TokenBucket`] before every call; `None` disables limiting.
#[derive(Clone, Debug, Default)]
pub struct RateLimitLayer {
    bucket: Option<Arc<TokenBucket>>,
}

impl RateLimitLayer {
    /// Limits to `qps` requests per second with bursts of `burst`, read as client-go reads
    /// `rest.Config`'s `QPS` and `Burst` ([`kclient_config::effective_rate_limit`]): 0 means
    /// the default (5 per second, bursts of 10), a negative or NaN `qps` disables limiting, and
    /// so does an infinite one.
    pub fn new(qps: f32, burst: u32) -> Self {
        match kclient_config::effective_rate_limit(qps, burst) {
            Some((qps, burst)) if qps.is_finite() => {
                Self::shared(Arc::new(TokenBucket::new(qps, burst)))
            }
            _ => Self::disabled(),
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

    /// client-go's `rest.Config`: QPS 0 is the default 5 per second (and burst 0 the default
    /// 10), not "no limit"; only a negative QPS turns limiting off.
    #[tokio::test(start_paused = true)]
    async fn zero_qps_means_client_gos_default_not_unlimited() {
        let layer = RateLimitLayer::new(0.0, 0);
        let bucket = layer.bucket().expect("limited");
        let start = Instant::now();
        for _ in 0..10 {
            bucket.acquire().await;
        }
        assert_eq!(Instant::now(), start, "the default burst of 10");
        bucket.acquire().await;
        assert_eq!(
            Instant::now() - start,
            Duration::from_millis(200),
            "5 per second"
        );
        assert!(RateLimitLayer::new(-0.5, 0).bucket().is_none());
    }

    /// The bucket itself follows `x/time/rate`: a rate of 0 allows the burst, then no more.
    #[tokio::test(start_paused = true)]
    async fn zero_rate_bucket_allows_only_the_burst() {
        let bucket = TokenBucket::new(0.0, 2);
        assert!(bucket.try_acquire());
        assert_eq!(bucket.reserve(), Duration::ZERO);
        assert!(!bucket.try_acquire());
        assert_eq!(bucket.reserve(), Duration::MAX);
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

        let unlimited = RateLimitLayer::new(-1.0, 1).layer(svc);
        assert!(RateLimitLayer::new(f32::NAN, 1).bucket().is_none());
        assert!(RateLimitLayer::new(f32::INFINITY, 1).bucket().is_none());
        let start = Instant::now();
        for _ in 0..100 {
            unlimited.clone().oneshot(()).await.unwrap();
        }
        assert_eq!(Instant::now(), start);
    }
}
