//! The transport: a stack of tower layers over a hyper client, one module per layer (as in
//! tower itself).
//!
//! From the outside in:
//!
//! | layer | module | does |
//! |---|---|---|
//! | [`TraceLayer`] | [`trace`] | one `tracing` span per request (method, path, status) |
//! | [`HeadersLayer`] | [`headers`] | base URL, `User-Agent`, `Accept`, impersonation |
//! | [`TimeoutLayer`] | [`timeout`] | the per-request [`Deadline`] |
//! | [`RetryLayer`] | [`retry`] | 429/5xx with `Retry-After`, backoff, connection errors |
//! | [`AuthLayer`] | [`auth`] | `Authorization` per attempt, refresh-and-replay on 401 |
//! | [`RateLimitLayer`] | [`ratelimit`] | client-side token bucket (QPS/burst) per attempt |
//! | [`CompressionLayer`] | [`compression`] | `Accept-Encoding: gzip` and streaming decompression, per attempt (Go's transport) |
//! | [`HttpService`] | here | hyper client: TLS ([`tls`]), HTTP/1.1 + HTTP/2 via ALPN, proxies ([`proxy`]) |
//!
//! Requests are `http::Request<Bytes>` (buffered, hence replayable); responses are
//! `http::Response<Body>` with a streaming [`Body`]. Every layer's error type is
//! [`crate::Error`].

pub mod auth;
mod body;
mod client_cert;
pub mod compression;
pub mod headers;
mod http;
pub mod proxy;
pub mod ratelimit;
pub mod retry;
pub mod timeout;
pub mod tls;
pub mod trace;

pub use auth::AuthLayer;
pub use body::Body;
pub use compression::CompressionLayer;
pub use headers::HeadersLayer;
pub use http::{ClientIdentity, DEFAULT_WATCH_CONNECTIONS, HttpService};
pub use proxy::ProxyConnector;
pub use ratelimit::{RateLimitLayer, TokenBucket};
pub use retry::{RetryLayer, RetryPolicy};
pub use timeout::TimeoutLayer;
pub use trace::TraceLayer;

use std::time::Duration;

use ::http::{Request, Response};
use bytes::Bytes;
use kclient_config::Config;
use kclient_config::auth::CredentialSource;
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;

use crate::error::Error;

/// The complete transport as one cloneable service.
pub type BoxTransport = BoxCloneSyncService<Request<Bytes>, Response<Body>, Error>;

/// The moment a request must be done by, set as a request extension (see [`TimeoutLayer`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// When the request times out.
    pub at: tokio::time::Instant,
    /// The configured timeout, for the error message.
    pub timeout: Duration,
}

impl Deadline {
    /// A deadline `timeout` from now.
    pub fn after(timeout: Duration) -> Self {
        Self {
            at: tokio::time::Instant::now() + timeout,
            timeout,
        }
    }
}

/// A copy of a buffered request (method, URI, version, headers, extensions, body).
pub(crate) fn clone_request(req: &Request<Bytes>) -> Request<Bytes> {
    let mut out = Request::new(req.body().clone());
    *out.method_mut() = req.method().clone();
    *out.uri_mut() = req.uri().clone();
    *out.version_mut() = req.version();
    *out.headers_mut() = req.headers().clone();
    *out.extensions_mut() = req.extensions().clone();
    out
}

/// Knobs of the transport that are not part of [`Config`].
#[derive(Clone, Debug, Default)]
pub struct TransportOptions {
    /// The retry rule (default: [`RetryPolicy::default`]).
    pub retry: RetryPolicy,
    /// A rate limiter to share instead of building one from `Config::qps`/`burst`.
    pub rate_limiter: Option<RateLimitLayer>,
}

/// Builds the full layered transport for `config` over a real HTTP client ([`HttpService`]).
pub fn build(config: &Config, options: &TransportOptions) -> Result<BoxTransport, Error> {
    layered(config, options, HttpService::new(config)?)
}

/// Stacks every layer for `config` over any innermost service: an in-process server, a
/// recording fake, or [`HttpService`]. The layers behave exactly as over the network.
pub fn layered<S>(
    config: &Config,
    options: &TransportOptions,
    inner: S,
) -> Result<BoxTransport, Error>
where
    S: tower_service::Service<Request<Bytes>, Response = Response<Body>, Error = Error>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let rate_limit = match &options.rate_limiter {
        Some(layer) => layer.clone(),
        None => match config.rate_limit() {
            Some((qps, burst)) => RateLimitLayer::new(qps, burst),
            None => RateLimitLayer::disabled(),
        },
    };
    let impersonate = config
        .impersonate
        .try_headers()
        .map_err(|e| Error::Config(e.to_string()))?;
    let headers = HeadersLayer::new(config.host.clone())
        .user_agent(&config.user_agent)?
        .impersonate(impersonate);
    let stack = ServiceBuilder::new()
        .layer(TraceLayer)
        .layer(headers)
        .layer(TimeoutLayer)
        .layer(RetryLayer::new(options.retry.clone()))
        .layer(AuthLayer::new(CredentialSource::new(&config.auth)))
        .layer(rate_limit)
        .layer(CompressionLayer::new(!config.disable_compression))
        .service(inner);
    Ok(BoxCloneSyncService::new(stack))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clone_request_copies_everything() {
        let mut req = Request::put("http://x/y?z=1")
            .header("a", "b")
            .body(Bytes::from_static(b"body"))
            .unwrap();
        req.extensions_mut()
            .insert(Deadline::after(Duration::from_secs(1)));
        let copy = clone_request(&req);
        assert_eq!(copy.method(), req.method());
        assert_eq!(copy.uri(), req.uri());
        assert_eq!(copy.headers(), req.headers());
        assert_eq!(copy.body(), req.body());
        assert_eq!(
            copy.extensions().get::<Deadline>(),
            req.extensions().get::<Deadline>()
        );
    }
}
