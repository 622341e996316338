//! Alternative transports for kclient's [`RestClient`], plugged in through
//! `RestClientBuilder::build_with_service`, to tell which part of a gap against kube-rs is
//! the wire protocol. kclient's default transport negotiates HTTP/2 by ALPN with Go's
//! flow-control windows (4 MiB per stream, 1 GiB per connection) and gives watches
//! `DEFAULT_WATCH_CONNECTIONS` (4) connection pools of their own, every other request sharing
//! one; kube-rs 5.0 offers only HTTP/1.1 (one connection per concurrent request). The
//! variants here use one hyper pool for every request, watches included, so the HTTP/2 one
//! differs from the default in its windows and in carrying every watch on one connection.
//! Every kclient layer above the connection still applies.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use kclient::config::Config;
use kclient::rest::transport::Body;
use kclient::rest::{RestClient, TransportError, TransportErrorKind};

/// Which wire protocol the alternative transport speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// ALPN offers only `http/1.1`: a connection per concurrent request, as kube-rs does.
    Http1,
    /// HTTP/2 only, with hyper's adaptive flow-control window starting at 64 KiB (kclient's
    /// default before it took Go's windows), to show what the windows are worth (on one
    /// connection for every request, see the module docs).
    Http2Adaptive,
}

impl Protocol {
    /// How the report names the variant.
    pub fn label(self) -> &'static str {
        match self {
            Protocol::Http1 => "kclient over HTTP/1.1",
            Protocol::Http2Adaptive => "kclient over HTTP/2 with hyper's adaptive 64 KiB window",
        }
    }
}

/// A hyper client with TLS from kclient's own rustls configuration.
#[derive(Clone, Debug)]
pub struct AltTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl AltTransport {
    /// Trusts what `config` trusts (its CA data), like kclient's default transport.
    pub fn new(config: &Config, protocol: Protocol) -> Result<Self, kclient::rest::Error> {
        let tls = kclient::rest::transport::tls::client_config(&config.tls)?;
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http();
        let mut client = Client::builder(TokioExecutor::new());
        let https = match protocol {
            Protocol::Http1 => builder.enable_http1().build(),
            Protocol::Http2Adaptive => {
                client.http2_only(true).http2_adaptive_window(true);
                builder.enable_http2().build()
            }
        };
        Ok(Self {
            client: client.build(https),
        })
    }
}

impl tower_service::Service<http::Request<Bytes>> for AltTransport {
    type Response = http::Response<Body>;
    type Error = kclient::rest::Error;
    type Future =
        Pin<Box<dyn Future<Output = Result<http::Response<Body>, kclient::rest::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // The legacy client queues on its own pool; it is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Bytes>) -> Self::Future {
        let client = self.client.clone();
        Box::pin(async move {
            let response = client
                .request(request.map(Full::new))
                .await
                .map_err(|err| {
                    let kind = if err.is_connect() {
                        TransportErrorKind::Connect
                    } else {
                        TransportErrorKind::Io
                    };
                    kclient::rest::Error::Transport(TransportError::new(kind, err.to_string()))
                })?;
            Ok(response.map(Body::new))
        })
    }
}

/// kclient's [`RestClient`] with every layer as usual (rate limit off) over [`AltTransport`].
pub fn client(config: Config, protocol: Protocol) -> Result<RestClient, kclient::rest::Error> {
    let service = AltTransport::new(&config, protocol)?;
    RestClient::builder(config)
        .without_rate_limit()
        .build_with_service(service)
}
