//! The client-side timeout: a [`Deadline`] request extension bounds everything below this
//! layer (rate-limit waits, retries, connecting, waiting for response headers).
//!
//! The deadline is an extension rather than a layer setting because it is per request
//! (`Request::timeout`, else `Config::timeout`); `Request` also reads the body under the
//! same deadline, so the whole call is bounded, as client-go's context timeout is.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use super::Deadline;
use crate::error::Error;

/// Enforces the request's [`Deadline`] extension, if any.
#[derive(Clone, Copy, Debug, Default)]
pub struct TimeoutLayer;

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Timeout<S> {
        Timeout { inner }
    }
}

/// The service produced by [`TimeoutLayer`].
#[derive(Clone, Debug)]
pub struct Timeout<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for Timeout<S>
where
    S: Service<Request<B>, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let deadline = req.extensions().get::<Deadline>().copied();
        let fut = self.inner.call(req);
        match deadline {
            None => Box::pin(fut),
            Some(deadline) => Box::pin(async move {
                tokio::time::timeout_at(deadline.at, fut)
                    .await
                    .unwrap_or(Err(Error::Timeout(deadline.timeout)))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kclient_core::ApiError;
    use std::time::Duration;
    use tower::ServiceExt;

    #[tokio::test(start_paused = true)]
    async fn deadline_cuts_slow_calls() {
        let slow = tower::service_fn(|_req: Request<()>| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<_, Error>("done")
        });
        let svc = TimeoutLayer.layer(slow);

        let mut req = Request::new(());
        req.extensions_mut()
            .insert(Deadline::after(Duration::from_secs(1)));
        let err = svc.clone().oneshot(req).await.unwrap_err();
        assert!(matches!(err, Error::Timeout(d) if d == Duration::from_secs(1)));
        assert!(err.is_timeout());

        assert_eq!(svc.oneshot(Request::new(())).await.unwrap(), "done");
    }
}
