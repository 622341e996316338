//! The innermost service: a pooled hyper client speaking HTTP/1.1 or HTTP/2 (chosen by ALPN)
//! over rustls, directly or through a proxy.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use kclient_config::{ClientCert, Config, TlsConfig};
use tower_service::Service;

use super::{Body, ProxyConnector, tls};
use crate::error::{Error, TransportErrorKind};

type HyperClient = Client<HttpsConnector<ProxyConnector>, Full<Bytes>>;

/// The pool built for the latest exec-plugin certificate, keyed by the certificate PEM.
type IdentityPool = Arc<Mutex<Option<(Vec<u8>, HyperClient)>>>;

/// A client certificate to present on this request's connection instead of the configured
/// one (set by the auth layer when an exec plugin returns `clientCertificateData`).
#[derive(Clone)]
pub struct ClientIdentity(pub ClientCert);

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientIdentity([redacted])")
    }
}

/// Identities are equal when they present the same certificate.
impl PartialEq for ClientIdentity {
    fn eq(&self, other: &Self) -> bool {
        self.0.cert_pem == other.0.cert_pem
    }
}

/// The network service at the bottom of the stack.
#[derive(Clone)]
pub struct HttpService {
    client: HyperClient,
    config: Arc<Config>,
    identity_client: IdentityPool,
}

impl fmt::Debug for HttpService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpService")
            .field("host", &self.config.host.to_string())
            .finish_non_exhaustive()
    }
}

impl HttpService {
    /// A client for `config.host` with `config.tls` and the proxy `Config::proxy_for` picks.
    pub fn new(config: &Config) -> Result<Self, Error> {
        match config.host.scheme_str() {
            Some("http" | "https") => {}
            _ => {
                return Err(Error::Config(format!(
                    "host {} must be an http:// or https:// URL",
                    config.host
                )));
            }
        }
        Ok(Self {
            client: hyper_client(config, &config.tls)?,
            config: Arc::new(config.clone()),
            identity_client: Arc::default(),
        })
    }

    /// The pool to use for a request presenting `identity`; rebuilt when the certificate changes.
    fn client_for(&self, identity: &ClientCert) -> Result<HyperClient, Error> {
        let mut cached = self
            .identity_client
            .lock()
            .map_err(|_| Error::Config("client certificate cache poisoned".into()))?;
        if let Some((pem, client)) = cached.as_ref()
            && *pem == identity.cert_pem
        {
            return Ok(client.clone());
        }
        let tls = TlsConfig {
            client_cert: Some(identity.clone()),
            ..self.config.tls.clone()
        };
        let client = hyper_client(&self.config, &tls)?;
        *cached = Some((identity.cert_pem.clone(), client.clone()));
        Ok(client)
    }
}

fn hyper_client(config: &Config, tls_config: &TlsConfig) -> Result<HyperClient, Error> {
    let tls = tls::client_config(tls_config)?;
    let connector = match config.proxy_for(&config.host) {
        Some(proxy) => ProxyConnector::via(&proxy, tls_config.ca_data.as_deref())?,
        None => ProxyConnector::direct(),
    };
    let builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http();
    let builder = match &tls_config.server_name {
        Some(name) => {
            let name = tls::server_name(name)?;
            builder.with_server_name_resolver(hyper_rustls::FixedServerNameResolver::new(name))
        }
        None => builder,
    };
    let https = builder.enable_all_versions().wrap_connector(connector);
    Ok(Client::builder(TokioExecutor::new())
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(90))
        // client-go pings idle HTTP/2 connections after 30s and gives up after 15s more.
        .http2_keep_alive_interval(Duration::from_secs(30))
        .http2_keep_alive_timeout(Duration::from_secs(15))
        // Go's HTTP/2 transport windows, which client-go inherits: 4 MiB per stream and 1 GiB
        // per connection. hyper's 64 KiB start (adaptive or not) throttles a large list or
        // a watch burst to a window update per few objects (measured in kclient-bench's
        // report: list, paginated list and 100-watch fan-out were all slower with it).
        .http2_initial_stream_window_size(4 << 20)
        .http2_initial_connection_window_size(1 << 30)
        .build(https))
}

impl Service<Request<Bytes>> for HttpService {
    type Response = Response<Body>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Bytes>) -> Self::Future {
        let client = match req.extensions().get::<ClientIdentity>() {
            None => self.client.clone(),
            Some(ClientIdentity(cert)) => match self.client_for(cert) {
                Ok(client) => client,
                Err(err) => return Box::pin(async move { Err(err) }),
            },
        };
        let fut = client.request(req.map(Full::new));
        Box::pin(async move {
            match fut.await {
                Ok(resp) => Ok(resp.map(Body::new)),
                Err(err) => {
                    let kind = if err.is_connect() {
                        TransportErrorKind::Connect
                    } else {
                        TransportErrorKind::Io
                    };
                    Err(Error::transport_from(kind, &err))
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rejects_non_http_hosts() {
        let config = Config::new(http::Uri::from_static("ftp://example"));
        assert!(matches!(HttpService::new(&config), Err(Error::Config(_))));
    }

    #[tokio::test]
    async fn identity_pools_are_cached_per_certificate() {
        let config = Config::new(http::Uri::from_static("https://127.0.0.1:6443"));
        let svc = HttpService::new(&config).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["client".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let identity = ClientCert::new(cert.pem().into_bytes(), key.serialize_pem().into_bytes());
        svc.client_for(&identity).unwrap();
        svc.client_for(&identity).unwrap();
        let cached = svc.identity_client.lock().unwrap();
        assert_eq!(cached.as_ref().unwrap().0, identity.cert_pem);
        assert!(!format!("{:?}", ClientIdentity(identity.clone())).contains("PRIVATE"));
    }
}
