//! [`RestClient`]: client-go's `rest.RESTClient` — one transport, many requests.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use kclient_config::Config;
use tower::ServiceExt;

use crate::error::Error;
use kclient_core::patch::PatchType;

use crate::request::Request;
use crate::transport::{self, Body, BoxTransport, RateLimitLayer, RetryPolicy, TokenBucket};
use crate::warning::{LogWarnings, WarningHandler};
use crate::watch::DEFAULT_MAX_EVENT_SIZE;

/// A client for one API server. Cheap to clone: clones share the connection pool, the rate
/// limiter and the credential cache.
///
/// Unlike client-go's `RESTClient`, it is not bound to one group-version: pick the root per
/// request with [`Request::group_version`] or [`Request::prefix`].
#[derive(Clone)]
pub struct RestClient {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    config: Config,
    /// The host's base path without a trailing `/` (`""` for none).
    base_path: String,
    transport: BoxTransport,
    warning_handler: Arc<dyn WarningHandler>,
    max_watch_event_size: usize,
    rate_limiter: Option<Arc<TokenBucket>>,
}

impl fmt::Debug for RestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only non-secret settings: the config's credentials stay out of Debug output.
        let config = &self.inner.config;
        f.debug_struct("RestClient")
            .field("host", &config.host.to_string())
            .field("user_agent", &config.user_agent)
            .field("rate_limit", &config.rate_limit())
            .field("timeout", &config.timeout)
            .finish_non_exhaustive()
    }
}

impl RestClient {
    /// A client with the default retry policy, warning handler and watch limits.
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::builder(config).build()
    }

    /// A builder for the less common settings.
    pub fn builder(config: Config) -> RestClientBuilder {
        RestClientBuilder {
            config,
            retry: RetryPolicy::default(),
            rate_limiter: None,
            warning_handler: Arc::new(LogWarnings),
            max_watch_event_size: DEFAULT_MAX_EVENT_SIZE,
            watch_connections: None,
        }
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// This client with another warning handler (the transport is shared with `self`).
    pub fn with_warning_handler(mut self, handler: Arc<dyn WarningHandler>) -> Self {
        Arc::make_mut(&mut self.inner).warning_handler = handler;
        self
    }

    /// The client-side rate limiter, if enabled (client-go's `GetRateLimiter`).
    pub fn rate_limiter(&self) -> Option<&Arc<TokenBucket>> {
        self.inner.rate_limiter.as_ref()
    }

    /// A request with any method.
    pub fn verb(&self, method: Method) -> Request {
        Request::new(self.clone(), method)
    }

    /// A GET request.
    pub fn get(&self) -> Request {
        self.verb(Method::GET)
    }

    /// A POST request.
    pub fn post(&self) -> Request {
        self.verb(Method::POST)
    }

    /// A PUT request.
    pub fn put(&self) -> Request {
        self.verb(Method::PUT)
    }

    /// A DELETE request.
    pub fn delete(&self) -> Request {
        self.verb(Method::DELETE)
    }

    /// A PATCH request with the patch type's `Content-Type` (use [`Request::body_bytes`] for the
    /// body, or [`Request::patch_body`], which sets both).
    pub fn patch(&self, patch_type: PatchType) -> Request {
        self.verb(Method::PATCH)
            .header(http::header::CONTENT_TYPE, patch_type.content_type())
    }

    /// Sends a prepared request through the whole transport stack (base URL, headers,
    /// credentials, rate limiting, retries, timeout). Relative URIs are resolved against the host.
    pub async fn execute(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Body>, Error> {
        self.inner.transport.clone().oneshot(request).await
    }

    pub(crate) fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    pub(crate) fn warning_handler(&self) -> &Arc<dyn WarningHandler> {
        &self.inner.warning_handler
    }

    pub(crate) fn max_watch_event_size(&self) -> usize {
        self.inner.max_watch_event_size
    }
}

/// Builds a [`RestClient`] with non-default settings.
#[must_use]
pub struct RestClientBuilder {
    config: Config,
    retry: RetryPolicy,
    rate_limiter: Option<RateLimitLayer>,
    warning_handler: Arc<dyn WarningHandler>,
    max_watch_event_size: usize,
    watch_connections: Option<usize>,
}

impl fmt::Debug for RestClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestClientBuilder")
            .field("host", &self.config.host.to_string())
            .field("retry", &self.retry)
            .field("max_watch_event_size", &self.max_watch_event_size)
            .finish_non_exhaustive()
    }
}

impl RestClientBuilder {
    /// The retry rule (default [`RetryPolicy::default`]: up to 10 retries).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Shares a token bucket with other clients instead of building one from
    /// `Config::qps`/`burst` (client-go's `Config.RateLimiter`).
    pub fn rate_limiter(mut self, bucket: Arc<TokenBucket>) -> Self {
        self.rate_limiter = Some(RateLimitLayer::shared(bucket));
        self
    }

    /// Turns client-side rate limiting off whatever the config says.
    pub fn without_rate_limit(mut self) -> Self {
        self.rate_limiter = Some(RateLimitLayer::disabled());
        self
    }

    /// Where server warnings go (default [`LogWarnings`]).
    pub fn warning_handler(mut self, handler: Arc<dyn WarningHandler>) -> Self {
        self.warning_handler = handler;
        self
    }

    /// The largest single watch event accepted (default [`DEFAULT_MAX_EVENT_SIZE`], 64 MiB).
    pub fn max_watch_event_size(mut self, bytes: usize) -> Self {
        self.max_watch_event_size = bytes;
        self
    }

    /// How many connections watches are spread over, in turn (default
    /// [`transport::DEFAULT_WATCH_CONNECTIONS`]); other requests share one pool, and 0 puts
    /// watches there too, as client-go does. Over HTTP/2 one connection carries every frame
    /// through one task, so many busy watches on it are held to about one core. Applies to
    /// [`build`](Self::build), not to a given service.
    pub fn watch_connections(mut self, connections: usize) -> Self {
        self.watch_connections = Some(connections);
        self
    }

    /// Builds the client. Fails on configuration problems (bad CA data or client key, bad
    /// proxy URL, non-HTTP host...), never on network problems: nothing is connected yet.
    pub fn build(self) -> Result<RestClient, Error> {
        let mut http = transport::HttpService::new(&self.config)?;
        if let Some(connections) = self.watch_connections {
            http = http.watch_connections(connections);
        }
        self.build_with_service(http)
    }

    /// Builds the client over `service` instead of a network connection: every layer (base
    /// URL, headers, credentials, rate limit, retries, timeout, tracing) still applies, and
    /// `service` receives absolute-URI requests. For in-process servers and tests.
    pub fn build_with_service<S>(self, service: S) -> Result<RestClient, Error>
    where
        S: tower_service::Service<
                http::Request<Bytes>,
                Response = http::Response<Body>,
                Error = Error,
            > + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        let rate_limit = match self.rate_limiter {
            Some(layer) => layer,
            None => match self.config.rate_limit() {
                Some((qps, burst)) => RateLimitLayer::new(qps, burst),
                None => RateLimitLayer::disabled(),
            },
        };
        let options = transport::TransportOptions {
            retry: self.retry,
            rate_limiter: Some(rate_limit.clone()),
        };
        let transport = transport::layered(&self.config, &options, service)?;
        let base_path = self.config.host.path().trim_end_matches('/').to_owned();
        Ok(RestClient {
            inner: Arc::new(Inner {
                config: self.config,
                base_path,
                transport,
                warning_handler: self.warning_handler,
                max_watch_event_size: self.max_watch_event_size,
                rate_limiter: rate_limit.bucket().cloned(),
            }),
        })
    }
}
