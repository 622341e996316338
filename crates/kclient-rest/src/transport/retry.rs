//! Retries, after client-go's `WithRetry` / `checkWait`, with one addition (backoff when the
//! server gives no `Retry-After`).
//!
//! # The rule
//!
//! A response or failure is retried at most [`RetryPolicy::max_retries`] times (default 10,
//! client-go's `maxRetries`), and never past the request's deadline (a wait that would end
//! after it is not started; the last response or error is returned instead):
//!
//! 1. **429 or any 5xx with a `Retry-After: <seconds>` header** — retried for *every* method,
//!    including POST and PATCH: the server promises it did not act on the request (this is
//!    exactly client-go's `checkWait`). The wait is the header's value, capped at
//!    [`RetryPolicy::max_retry_after`].
//! 2. **429, 502, 503 or 504 without `Retry-After`** — retried only for idempotent methods
//!    (GET, HEAD, OPTIONS, PUT, DELETE), with exponential backoff and jitter. A plain 500 is
//!    not retried: kube-apiserver uses it for deterministic failures.
//! 3. **Transport failures** (connection refused or reset, broken TLS, proxy failure) — retried
//!    only for idempotent methods, with the same backoff: a POST or PATCH may have reached the
//!    server before the connection broke, and replaying it could apply it twice. (client-go
//!    retries GET-like requests after such errors for the same reason.)
//!
//! Everything else (2xx–4xx, timeouts, credential errors) is returned at once. Bodies are
//! always buffered (`Bytes`), so every request can be replayed.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response};
use kclient_core::backoff::BackoffConfig;
use kclient_core::{ApiError, Transience};
use tower::ServiceExt;
use tower_layer::Layer;
use tower_service::Service;

use super::{Deadline, clone_request};
use crate::error::Error;

/// When and how long to retry. See the [module docs](self) for the rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt. Default 10 (client-go's default for `Retry-After`).
    pub max_retries: u32,
    /// First backoff when the server gives no `Retry-After`. Default 200 ms.
    pub initial_backoff: Duration,
    /// Largest backoff. Default 10 s.
    pub max_backoff: Duration,
    /// Largest wait honoured from a `Retry-After` header. Default 60 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 10,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// How long to wait before retrying after `outcome`, or `None` to return it as is.
    /// `retry` counts the retries already done (0 after the first attempt).
    pub fn wait_for<B>(
        &self,
        method: &Method,
        outcome: &Result<Response<B>, Error>,
        retry: u32,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let transience = match outcome {
            Ok(resp) => {
                let retry_after = retry_after_seconds(resp.headers()).map(Duration::from_secs);
                Transience::of_answer(resp.status().as_u16(), retry_after)
            }
            Err(err) => err.transience(),
        };
        match transience {
            Transience::RetryAfter(wait) => Some(wait.min(self.max_retry_after)),
            Transience::Transient if is_idempotent(method) => Some(self.backoff(retry)),
            _ => None,
        }
    }

    /// Exponential backoff with "equal jitter": of each step (`initial_backoff` doubling up
    /// to `max_backoff`) half is fixed and half random. That is kclient-core's backoff rule
    /// with up to 100% jitter over half the range.
    fn backoff(&self, retry: u32) -> Duration {
        BackoffConfig {
            initial: self.initial_backoff / 2,
            max: self.max_backoff / 2,
            factor: 2.0,
            jitter: 1.0,
            reset_after: Duration::MAX,
        }
        .delay(retry, rand::random())
    }
}

/// Methods that may be replayed safely after an ambiguous failure.
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// The `Retry-After` header in (non-negative integer) seconds, as client-go reads it. HTTP dates
/// are not used by kube-apiserver and are ignored.
pub fn retry_after_seconds(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
}

/// Adds retries with a [`RetryPolicy`].
#[derive(Clone, Debug, Default)]
pub struct RetryLayer {
    policy: RetryPolicy,
}

impl RetryLayer {
    /// Retries according to `policy`.
    pub fn new(policy: RetryPolicy) -> Self {
        Self { policy }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = Retry<S>;

    fn layer(&self, inner: S) -> Retry<S> {
        Retry {
            inner,
            policy: self.policy.clone(),
        }
    }
}

/// The service produced by [`RetryLayer`].
#[derive(Clone, Debug)]
pub struct Retry<S> {
    inner: S,
    policy: RetryPolicy,
}

impl<S, B> Service<Request<Bytes>> for Retry<S>
where
    S: Service<Request<Bytes>, Response = Response<B>, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response<B>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<B>, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Bytes>) -> Self::Future {
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let policy = self.policy.clone();
        Box::pin(async move {
            let deadline = req.extensions().get::<Deadline>().copied();
            let method = req.method().clone();
            let mut next = Some(req);
            let mut retry = 0u32;
            let svc = inner;
            loop {
                let Some(current) = next.take() else {
                    return Err(Error::invalid("retry lost its request"));
                };
                let spare = (policy.max_retries > retry).then(|| clone_request(&current));
                let outcome = svc.clone().oneshot(current).await;
                let wait = policy.wait_for(&method, &outcome, retry);
                let (Some(wait), Some(spare)) = (wait, spare) else {
                    return outcome;
                };
                if deadline.is_some_and(|d| tokio::time::Instant::now() + wait >= d.at) {
                    return outcome;
                }
                match &outcome {
                    Ok(resp) => tracing::debug!(
                        status = resp.status().as_u16(),
                        ?wait,
                        retry = retry + 1,
                        "retrying"
                    ),
                    Err(err) => tracing::debug!(error = %err, ?wait, retry = retry + 1, "retrying"),
                }
                // The abandoned response (and its connection) is released before waiting.
                drop(outcome);
                tokio::time::sleep(wait).await;
                retry += 1;
                next = Some(spare);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{TransportError, TransportErrorKind};

    fn resp(status: u16, retry_after: Option<&str>) -> Result<Response<()>, Error> {
        let mut builder = Response::builder().status(status);
        if let Some(v) = retry_after {
            builder = builder.header("retry-after", v);
        }
        Ok(builder.body(()).unwrap())
    }

    fn conn_err() -> Result<Response<()>, Error> {
        Err(Error::Transport(TransportError::new(
            TransportErrorKind::Connect,
            "connection refused",
        )))
    }

    #[test]
    fn rule_table() {
        let p = RetryPolicy::default();
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(p.wait_for(&Method::GET, &resp(429, Some("3")), 0), secs(3));
        assert_eq!(p.wait_for(&Method::POST, &resp(429, Some("1")), 0), secs(1));
        assert_eq!(
            p.wait_for(&Method::PATCH, &resp(500, Some("2")), 0),
            secs(2)
        );
        assert_eq!(
            p.wait_for(&Method::GET, &resp(503, Some("600")), 0),
            secs(60)
        );
        assert_eq!(p.wait_for(&Method::GET, &resp(404, Some("1")), 0), None);
        assert_eq!(p.wait_for(&Method::GET, &resp(200, None), 0), None);
        assert_eq!(p.wait_for(&Method::GET, &resp(500, None), 0), None);
        assert!(p.wait_for(&Method::GET, &resp(503, None), 0).is_some());
        assert!(p.wait_for(&Method::PUT, &resp(429, None), 0).is_some());
        assert!(
            p.wait_for(&Method::DELETE, &resp(504, Some("soon")), 0)
                .is_some()
        );
        assert_eq!(p.wait_for(&Method::POST, &resp(503, None), 0), None);
        assert!(p.wait_for(&Method::GET, &conn_err(), 0).is_some());
        assert_eq!(p.wait_for(&Method::POST, &conn_err(), 0), None);
        assert_eq!(p.wait_for(&Method::PATCH, &conn_err(), 0), None);
        assert_eq!(
            p.wait_for(
                &Method::GET,
                &Err::<Response<()>, _>(Error::Timeout(Duration::ZERO)),
                0
            ),
            None
        );
        assert_eq!(p.wait_for(&Method::GET, &resp(429, Some("1")), 10), None);
        assert_eq!(
            RetryPolicy::never().wait_for(&Method::GET, &resp(429, Some("1")), 0),
            None
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let p = RetryPolicy::default();
        for retry in 0..40 {
            let step = (p.initial_backoff * 2u32.saturating_pow(retry.min(20))).min(p.max_backoff);
            let wait = p.backoff(retry);
            assert!(wait >= step / 2 && wait <= step, "retry {retry}: {wait:?}");
        }
    }

    #[test]
    fn idempotent_methods() {
        for m in [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            assert!(is_idempotent(&m));
        }
        for m in [Method::POST, Method::PATCH, Method::CONNECT] {
            assert!(!is_idempotent(&m));
        }
    }
}
