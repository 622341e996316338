//! The innermost service: a pooled hyper client speaking HTTP/1.1 or HTTP/2 (chosen by ALPN)
//! over rustls, directly or through a proxy.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// How many connection pools watches are spread over by default (see
/// [`HttpService::watch_connections`]).
pub const DEFAULT_WATCH_CONNECTIONS: usize = 4;

/// The pools built for the latest exec-plugin certificate, keyed by the certificate PEM.
type IdentityPools = Arc<Mutex<Option<(Vec<u8>, Pools)>>>;

/// One pool for ordinary requests and, for watches, pools of their own taken in turn.
#[derive(Clone)]
struct Pools {
    main: HyperClient,
    watches: Arc<[HyperClient]>,
}

impl Pools {
    fn new(https: &HttpsConnector<ProxyConnector>, watch_connections: usize) -> Self {
        Self {
            main: pool(https.clone()),
            watches: (0..watch_connections)
                .map(|_| pool(https.clone()))
                .collect(),
        }
    }

    /// Which watch pool `uri` takes (`None`: the main pool), advancing `turn` for watches.
    fn watch_index(&self, uri: &http::Uri, turn: &AtomicUsize) -> Option<usize> {
        if self.watches.is_empty() || !is_watch(uri) {
            return None;
        }
        Some(turn.fetch_add(1, Ordering::Relaxed) % self.watches.len())
    }

    fn pick(&self, uri: &http::Uri, turn: &AtomicUsize) -> HyperClient {
        match self.watch_index(uri, turn) {
            Some(i) => self.watches[i].clone(),
            None => self.main.clone(),
        }
    }
}

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
    /// Kept to build watch pools over without redoing TLS and proxy set-up.
    https: HttpsConnector<ProxyConnector>,
    pools: Pools,
    next_watch: Arc<AtomicUsize>,
    config: Arc<Config>,
    identity_pools: IdentityPools,
}

impl fmt::Debug for HttpService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpService")
            .field("host", &self.config.host.to_string())
            .field("watch_connections", &self.pools.watches.len())
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
        let https = connector(config, &config.tls)?;
        Ok(Self {
            pools: Pools::new(&https, DEFAULT_WATCH_CONNECTIONS),
            https,
            next_watch: Arc::default(),
            config: Arc::new(config.clone()),
            identity_pools: Arc::default(),
        })
    }

    /// Spreads watches over `connections` pools of their own, in turn (default
    /// [`DEFAULT_WATCH_CONNECTIONS`]); other requests keep one pool. 0 keeps watches in
    /// that one pool too, as client-go does.
    ///
    /// Over HTTP/2 a pool is one connection, and one connection is one task on each side
    /// carrying every frame: client-go's single connection caps a process with many busy
    /// watches at about one core. Over HTTP/1.1 every request in flight has a connection of
    /// its own either way; the separate pools only keep more idle connections (and, through
    /// a proxy, more tunnels) than one shared pool would. Applies to the pools of exec-plugin
    /// client certificates too.
    pub fn watch_connections(mut self, connections: usize) -> Self {
        self.pools = Pools::new(&self.https, connections);
        if let Ok(mut cached) = self.identity_pools.lock() {
            // Rebuilt with the new count on the next request that presents a certificate.
            *cached = None;
        }
        self
    }

    /// The pools for requests presenting `identity`; rebuilt when the certificate changes.
    fn pools_for(&self, identity: &ClientCert) -> Result<Pools, Error> {
        let mut cached = self
            .identity_pools
            .lock()
            .map_err(|_| Error::Config("client certificate cache poisoned".into()))?;
        if let Some((pem, pools)) = cached.as_ref()
            && *pem == identity.cert_pem
        {
            return Ok(pools.clone());
        }
        let tls = TlsConfig {
            client_cert: Some(identity.clone()),
            ..self.config.tls.clone()
        };
        let pools = Pools::new(&connector(&self.config, &tls)?, self.pools.watches.len());
        *cached = Some((identity.cert_pem.clone(), pools.clone()));
        Ok(pools)
    }
}

/// `watch=true` (or `1`) in the query: the requests that stay open and stream.
fn is_watch(uri: &http::Uri) -> bool {
    uri.query().is_some_and(|query| {
        query
            .split('&')
            .any(|pair| matches!(pair, "watch=true" | "watch=1"))
    })
}

fn connector(
    config: &Config,
    tls_config: &TlsConfig,
) -> Result<HttpsConnector<ProxyConnector>, Error> {
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
    Ok(builder.enable_all_versions().wrap_connector(connector))
}

/// A connection pool over `https`.
fn pool(https: HttpsConnector<ProxyConnector>) -> HyperClient {
    Client::builder(TokioExecutor::new())
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
        .build(https)
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
            None => self.pools.pick(req.uri(), &self.next_watch),
            Some(ClientIdentity(cert)) => match self.pools_for(cert) {
                Ok(pools) => pools.pick(req.uri(), &self.next_watch),
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

    #[test]
    fn only_watches_count_as_watches() {
        for (uri, watch) in [
            ("https://h/api/v1/pods?watch=true", true),
            ("https://h/api/v1/pods?labelSelector=a&watch=1", true),
            ("https://h/api/v1/pods?watch=false", false),
            ("https://h/api/v1/pods?allowWatchBookmarks=true", false),
            ("https://h/api/v1/pods?xwatch=true", false),
            ("https://h/api/v1/pods", false),
        ] {
            assert_eq!(is_watch(&http::Uri::from_static(uri)), watch, "{uri}");
        }
    }

    #[tokio::test]
    async fn watches_take_the_watch_pools_in_turn() {
        let config = Config::new(http::Uri::from_static("https://127.0.0.1:6443"));
        let watch = http::Uri::from_static("https://127.0.0.1:6443/api/v1/pods?watch=true");
        let get = http::Uri::from_static("https://127.0.0.1:6443/api/v1/pods");
        let svc = HttpService::new(&config).unwrap().watch_connections(3);
        let turns: Vec<Option<usize>> = [&watch, &get, &watch, &watch, &get, &watch]
            .iter()
            .map(|uri| svc.pools.watch_index(uri, &svc.next_watch))
            .collect();
        assert_eq!(turns, [Some(0), None, Some(1), Some(2), None, Some(0)]);

        let shared = HttpService::new(&config).unwrap().watch_connections(0);
        assert_eq!(shared.pools.watch_index(&watch, &shared.next_watch), None);
        assert_eq!(
            HttpService::new(&config).unwrap().pools.watches.len(),
            DEFAULT_WATCH_CONNECTIONS
        );
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
        svc.pools_for(&identity).unwrap();
        svc.pools_for(&identity).unwrap();
        let cached = svc.identity_pools.lock().unwrap();
        let (pem, pools) = cached.as_ref().unwrap();
        assert_eq!(*pem, identity.cert_pem);
        assert_eq!(
            pools.watches.len(),
            DEFAULT_WATCH_CONNECTIONS,
            "watches spread here too"
        );
        assert!(!format!("{:?}", ClientIdentity(identity.clone())).contains("PRIVATE"));
    }
}
