//! One `tracing` span per request (`kclient.request`, with `method`, `path` and, once known,
//! `status`). Only the method, the URL path and the status are recorded: never headers (which
//! carry credentials), query strings or bodies.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;
use tracing::Instrument;

use crate::error::Error;

/// Wraps every request in a `kclient.request` span.
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceLayer;

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Trace<S> {
        Trace { inner }
    }
}

/// The service produced by [`TraceLayer`].
#[derive(Clone, Debug)]
pub struct Trace<S> {
    inner: S,
}

impl<S, B, RB> Service<Request<B>> for Trace<S>
where
    S: Service<Request<B>, Response = Response<RB>, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = Response<RB>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<RB>, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let span = tracing::debug_span!(
            "kclient.request",
            method = %req.method(),
            path = %req.uri().path(),
            status = tracing::field::Empty,
        );
        let fut = {
            let _entered = span.enter();
            self.inner.call(req)
        };
        Box::pin(
            async move {
                let result = fut.await;
                let span = tracing::Span::current();
                match &result {
                    Ok(resp) => {
                        span.record("status", resp.status().as_u16());
                        tracing::debug!(status = resp.status().as_u16(), "response");
                    }
                    Err(err) => tracing::debug!(error = %err, "request failed"),
                }
                result
            }
            .instrument(span),
        )
    }
}
