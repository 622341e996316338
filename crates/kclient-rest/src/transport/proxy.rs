//! The TCP connector, optionally through a proxy: HTTP `CONNECT` tunnels (`http://` and
//! `https://` proxies) or SOCKS5 (`socks5://`, local DNS; `socks5h://`, DNS by the proxy).
//!
//! Which proxy, if any, comes from `Config::proxy_for` (the cluster's `proxy-url`, else
//! `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`, never for localhost). All traffic to the API server
//! goes through the tunnel; TLS to the API server runs inside it, end to end. Proxy
//! credentials (`http://user:pass@proxy`) become `Proxy-Authorization: Basic ...` (or SOCKS5
//! user/password) and are never logged.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use http::{HeaderValue, Uri};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::error::{Error, ProxyConnectError};

/// The connection type produced by [`ProxyConnector`] (plain TCP, or TCP through a proxy that
/// may itself be reached over TLS).
pub type ProxiedStream = MaybeHttpsStream<TokioIo<TcpStream>>;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects directly or through a proxy.
#[derive(Clone)]
pub struct ProxyConnector {
    route: Route,
}

#[derive(Clone)]
enum Route {
    Direct(HttpConnector),
    Tunnel(Tunnel<HttpsConnector<HttpConnector>>),
    Socks(SocksV5<HttpConnector>),
}

impl fmt::Debug for ProxyConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let route = match self.route {
            Route::Direct(_) => "direct",
            Route::Tunnel(_) => "http-connect",
            Route::Socks(_) => "socks5",
        };
        f.debug_struct("ProxyConnector")
            .field("route", &route)
            .finish()
    }
}

/// The plain TCP connector every route starts from.
pub(crate) fn tcp_connector() -> HttpConnector {
    let mut http = HttpConnector::new();
    // TLS is layered on top by hyper-rustls, so https URIs must pass through.
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(Duration::from_secs(30)));
    http.set_keepalive(Some(Duration::from_secs(30)));
    http
}

impl ProxyConnector {
    /// Connects straight to the destination.
    pub fn direct() -> Self {
        Self {
            route: Route::Direct(tcp_connector()),
        }
    }

    /// Connects through `proxy` (`http://`, `https://`, `socks5://` or `socks5h://`, with
    /// optional `user:password@`). `proxy_ca` adds trusted roots for an `https://` proxy.
    pub fn via(proxy: &Uri, proxy_ca: Option<&[u8]>) -> Result<Self, Error> {
        let scheme = proxy.scheme_str().unwrap_or("http").to_ascii_lowercase();
        let authority = proxy
            .authority()
            .ok_or_else(|| Error::Config("proxy URL has no host".into()))?;
        let credentials = userinfo(authority.as_str());
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            "socks5" | "socks5h" => 1080,
            other => {
                return Err(Error::Config(format!(
                    "unsupported proxy scheme {other:?} (want http, https, socks5 or socks5h)"
                )));
            }
        };
        let host_port = format!(
            "{}:{}",
            authority.host(),
            authority.port_u16().unwrap_or(default_port)
        );
        let connect_scheme = if scheme == "https" { "https" } else { "http" };
        let proxy_dst: Uri = format!("{connect_scheme}://{host_port}")
            .parse()
            .map_err(|_| Error::Config("invalid proxy address".into()))?;

        let route = if scheme.starts_with("socks5") {
            let mut socks = SocksV5::new(proxy_dst, tcp_connector()).local_dns(scheme == "socks5");
            if let Some((user, pass)) = credentials {
                socks = socks.with_auth(user, pass);
            }
            Route::Socks(socks)
        } else {
            let tls = super::tls::proxy_client_config(proxy_ca)?;
            let to_proxy = hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(tls)
                .https_or_http()
                .enable_http1()
                .wrap_connector(tcp_connector());
            let mut tunnel = Tunnel::new(proxy_dst, to_proxy);
            if let Some((user, pass)) = credentials {
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
                let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
                    .map_err(|_| Error::Config("invalid proxy credentials".into()))?;
                value.set_sensitive(true);
                tunnel = tunnel.with_auth(value);
            }
            Route::Tunnel(tunnel)
        };
        Ok(Self { route })
    }
}

/// `user:password` from an authority, percent-decoded.
fn userinfo(authority: &str) -> Option<(String, String)> {
    let (info, _) = authority.rsplit_once('@')?;
    let (user, pass) = info.split_once(':').unwrap_or((info, ""));
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    Some((decode(user), decode(pass)))
}

/// The tunnel connectors assume port 443 when the destination has none; make it explicit.
fn with_default_port(dst: Uri) -> Uri {
    if dst.port().is_some() {
        return dst;
    }
    let Some(host) = dst.host() else {
        return dst;
    };
    let port = if dst.scheme_str() == Some("http") {
        80
    } else {
        443
    };
    let scheme = dst.scheme_str().unwrap_or("https");
    format!("{scheme}://{host}:{port}").parse().unwrap_or(dst)
}

impl Service<Uri> for ProxyConnector {
    type Response = ProxiedStream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<ProxiedStream, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match &mut self.route {
            Route::Direct(http) => http.poll_ready(cx).map_err(Into::into),
            Route::Tunnel(tunnel) => tunnel.poll_ready(cx).map_err(proxy_error),
            Route::Socks(socks) => socks.poll_ready(cx).map_err(proxy_error),
        }
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        match &mut self.route {
            Route::Direct(http) => {
                let fut = http.call(dst);
                Box::pin(async move { Ok(MaybeHttpsStream::Http(fut.await?)) })
            }
            Route::Tunnel(tunnel) => {
                let fut = tunnel.call(with_default_port(dst));
                Box::pin(async move { fut.await.map_err(proxy_error) })
            }
            Route::Socks(socks) => {
                let fut = socks.call(with_default_port(dst));
                Box::pin(async move {
                    let tcp = fut.await.map_err(proxy_error)?;
                    Ok(MaybeHttpsStream::Http(tcp))
                })
            }
        }
    }
}

/// Turns a connector error into one the error classifier recognizes as a proxy failure.
fn proxy_error(err: impl fmt::Display) -> BoxError {
    Box::new(ProxyConnectError(format!("proxy: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proxy_urls() {
        assert!(ProxyConnector::via(&Uri::from_static("http://proxy:3128"), None).is_ok());
        assert!(ProxyConnector::via(&Uri::from_static("https://proxy"), None).is_ok());
        assert!(ProxyConnector::via(&Uri::from_static("socks5://u:p@proxy"), None).is_ok());
        assert!(ProxyConnector::via(&Uri::from_static("socks5h://proxy:1081"), None).is_ok());
        let err = ProxyConnector::via(&Uri::from_static("ftp://proxy"), None).unwrap_err();
        assert!(matches!(err, Error::Config(m) if m.contains("unsupported proxy scheme")));
        let debug = format!(
            "{:?}",
            ProxyConnector::via(&Uri::from_static("http://user:s3cret@proxy"), None).unwrap()
        );
        assert!(!debug.contains("s3cret"));
    }

    #[test]
    fn userinfo_is_decoded() {
        assert_eq!(
            userinfo("us%40er:p%3Ass@host:1"),
            Some(("us@er".to_owned(), "p:ss".to_owned()))
        );
        assert_eq!(
            userinfo("user@host"),
            Some(("user".to_owned(), String::new()))
        );
        assert_eq!(userinfo("host:1"), None);
    }

    #[test]
    fn default_ports_are_made_explicit() {
        assert_eq!(
            with_default_port(Uri::from_static("http://k8s/x")),
            "http://k8s:80/"
        );
        assert_eq!(
            with_default_port(Uri::from_static("https://k8s")),
            "https://k8s:443/"
        );
        assert_eq!(
            with_default_port(Uri::from_static("https://k8s:6443")),
            "https://k8s:6443/"
        );
    }
}
