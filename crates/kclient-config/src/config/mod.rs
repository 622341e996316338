//! [`Config`]: everything needed to talk to one API server (client-go's `rest.Config`).

mod from_kubeconfig;
mod incluster;
mod infer;
mod server_url;

pub use from_kubeconfig::KubeconfigOptions;
pub use incluster::{InClusterError, SERVICE_ACCOUNT_DIR};
pub use infer::ConfigError;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use http::Uri;
use secrecy::{SecretSlice, SecretString};

use crate::auth::ExecClusterInfo;
use crate::impersonate::Impersonate;
use crate::kubeconfig::ExecConfig;

/// client-go's `DefaultQPS`.
pub const DEFAULT_QPS: f32 = 5.0;
/// client-go's `DefaultBurst`.
pub const DEFAULT_BURST: u32 = 10;

/// client-go's reading of `rest.Config`'s `QPS` and `Burst` (`RESTClientFor`): the token
/// bucket `(qps, burst)` to limit requests with, or `None` for no client-side limit.
///
/// A `qps` of 0 means [`DEFAULT_QPS`] and a negative one (or NaN) no limit; a `burst` of 0
/// means [`DEFAULT_BURST`]. (The bucket itself, given a rate of 0, would allow its burst and
/// then nothing: that is why 0 never reaches it.)
pub fn effective_rate_limit(qps: f32, burst: u32) -> Option<(f32, u32)> {
    let qps = if qps == 0.0 { DEFAULT_QPS } else { qps };
    if qps.is_nan() || qps < 0.0 {
        return None;
    }
    let burst = if burst == 0 { DEFAULT_BURST } else { burst };
    Some((qps, burst))
}

/// How to reach and authenticate to one API server (client-go's `rest.Config`).
///
/// Build one with [`Config::new`], [`Config::from_kubeconfig`], [`Config::from_kubeconfig_file`],
/// [`Config::incluster`] or [`Config::infer`]; every field is public and may be changed
/// afterwards. `Debug` never prints secrets (tokens, passwords, keys, proxy credentials).
#[derive(Clone)]
pub struct Config {
    /// `scheme://host:port` plus an optional base path (e.g. a proxy prefix); no trailing `/`
    /// beyond the root.
    pub host: Uri,
    /// TLS settings.
    pub tls: TlsConfig,
    /// Request credentials (turned into headers by [`crate::auth::CredentialSource`]).
    pub auth: AuthConfig,
    /// Impersonation headers to add to every request.
    pub impersonate: Impersonate,
    /// Proxy for every request (the cluster's `proxy-url`). When `None`, the transport applies
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` from the environment, as client-go does; see
    /// [`Config::proxy_for`].
    pub proxy_url: Option<Uri>,
    /// Do not ask the server for compressed responses (the cluster's `disable-compression`,
    /// kubectl's `--disable-compression`). Default `false`: like client-go, every request that
    /// sets no `Accept-Encoding` of its own asks for gzip, and gzip responses are decompressed
    /// as they stream in (watches included). kube-apiserver compresses GET responses above
    /// 128 KiB, i.e. large lists: the 10,000-Pod list is 137 MB as JSON and 8.4 MB gzipped;
    /// over loopback, reading it took 1.02–1.18× as long with gzip and decoding it into typed
    /// Pods 1.12–1.13× (docs/benchmarks.md, "gzip"). Set it for a client on the API server's
    /// own host, or when CPU matters more than the network's bytes.
    pub disable_compression: bool,
    /// Client-side rate limit in requests per second. Default `Some(5.0)`.
    ///
    /// Like client-go: `Some(0.0)` means the default (5), a negative value or `None` disables
    /// client-side rate limiting (use that against servers with API Priority and Fairness).
    /// [`Config::rate_limit`] resolves these rules.
    pub qps: Option<f32>,
    /// Token-bucket burst. Default 10; `0` means the default.
    pub burst: u32,
    /// `User-Agent` header. Default `kclient/<version> (<os>/<arch>)`.
    pub user_agent: String,
    /// Overall timeout of one request; `None` (the default) means no timeout.
    pub timeout: Option<Duration>,
    /// Namespace used when a call does not name one: the context's, else `default`.
    pub default_namespace: String,
    /// The media type of request bodies (client-go's `ContentConfig.ContentType`). `None`
    /// (the default) and anything but protobuf mean `application/json`;
    /// `Some("application/vnd.kubernetes.protobuf")` ([`Config::protobuf_bodies`]) makes
    /// typed clients send built-in kinds' create and update bodies in protobuf. Custom
    /// resources, dynamic objects and patches are always sent as JSON. See
    /// [`crate::content`].
    pub content_type: Option<String>,
    /// The `Accept` header for responses of built-in kinds read by typed clients and
    /// informers (client-go's `ContentConfig.AcceptContentTypes`). `None` (the default):
    /// `application/vnd.kubernetes.protobuf, application/json`, as kube-controller-manager
    /// asks; other requests (custom resources, dynamic and metadata clients, Tables,
    /// discovery) ask for JSON whatever this says. [`Config::json_only`] sets it and
    /// `content_type` to JSON. See [`crate::content`].
    pub accept_content_types: Option<String>,
}

/// TLS settings of a [`Config`] (client-go's `TLSClientConfig`, with files already read).
#[derive(Clone, Debug, Default)]
pub struct TlsConfig {
    /// PEM bundle of trusted CAs; `None` means the platform/webpki roots.
    pub ca_data: Option<Vec<u8>>,
    /// Skip server certificate verification. Insecure: for tests only.
    pub insecure_skip_verify: bool,
    /// Name to verify the server certificate against (and SNI) instead of the host.
    pub server_name: Option<String>,
    /// Client certificate for mutual TLS.
    pub client_cert: Option<ClientCert>,
}

/// A PEM client certificate chain and its PEM private key. `Debug` redacts the key.
#[derive(Clone, Debug)]
pub struct ClientCert {
    /// PEM certificate chain.
    pub cert_pem: Vec<u8>,
    /// PEM private key.
    pub key_pem: SecretSlice<u8>,
}

impl ClientCert {
    /// Bundles a certificate and key.
    pub fn new(cert_pem: Vec<u8>, key_pem: Vec<u8>) -> Self {
        Self {
            cert_pem,
            key_pem: SecretSlice::from(key_pem),
        }
    }
}

/// Request credentials. Precedence when several are set (client-go's): bearer token /
/// token file, then basic auth, then the exec plugin.
#[derive(Clone, Debug, Default)]
pub struct AuthConfig {
    /// Static bearer token. With `token_file` set, it is the fallback while the file is unreadable.
    pub bearer_token: Option<SecretString>,
    /// File holding a bearer token, re-read periodically (client-go: every minute); the last
    /// successfully read value wins over `bearer_token`.
    pub token_file: Option<PathBuf>,
    /// HTTP basic authentication.
    pub basic: Option<BasicAuth>,
    /// Exec credential plugin. [`Config::from_kubeconfig`] validates it and defaults
    /// `interactive_mode` like client-go; when built by hand, a missing mode means `IfAvailable`.
    pub exec: Option<ExecConfig>,
    /// Cluster description passed to the exec plugin when it asked for `provideClusterInfo`.
    pub exec_cluster: Option<ExecClusterInfo>,
}

/// User name and password for HTTP basic authentication.
#[derive(Clone, Debug)]
pub struct BasicAuth {
    /// User name.
    pub username: String,
    /// Password.
    pub password: SecretString,
}

/// `kclient/<version> (<os>/<arch>)`, the default `User-Agent`.
pub fn default_user_agent() -> String {
    format!(
        "kclient/{} ({}/{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

impl Config {
    /// A config for `host` with client-go's defaults and no credentials.
    pub fn new(host: Uri) -> Self {
        Self {
            host,
            tls: TlsConfig::default(),
            auth: AuthConfig::default(),
            impersonate: Impersonate::default(),
            proxy_url: None,
            disable_compression: false,
            qps: Some(DEFAULT_QPS),
            burst: DEFAULT_BURST,
            user_agent: default_user_agent(),
            timeout: None,
            default_namespace: "default".to_owned(),
            content_type: None,
            accept_content_types: None,
        }
    }

    /// The effective token bucket `(qps, burst)`, or `None` when rate limiting is disabled
    /// (`qps` is `None`, negative or NaN). Zero values mean the defaults, as in client-go
    /// ([`effective_rate_limit`]).
    pub fn rate_limit(&self) -> Option<(f32, u32)> {
        effective_rate_limit(self.qps?, self.burst)
    }

    /// Disables client-side rate limiting (sets `qps` to `None`).
    pub fn without_rate_limit(mut self) -> Self {
        self.qps = None;
        self
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("tls", &self.tls)
            .field("auth", &self.auth)
            .field("impersonate", &self.impersonate)
            .field(
                "proxy_url",
                &self
                    .proxy_url
                    .as_ref()
                    .map(|u| redact_userinfo(&u.to_string())),
            )
            .field("disable_compression", &self.disable_compression)
            .field("qps", &self.qps)
            .field("burst", &self.burst)
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("default_namespace", &self.default_namespace)
            .field("content_type", &self.content_type)
            .field("accept_content_types", &self.accept_content_types)
            .finish()
    }
}

/// Replaces `user:password@` in a URL with `[REDACTED]@` (proxy URLs may carry credentials).
pub(crate) fn redact_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => format!("[REDACTED]@{}", &authority[at + 1..]),
        None => authority.to_owned(),
    };
    match scheme {
        Some(s) => format!("{s}://{authority}{tail}"),
        None => format!("{authority}{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_client_go() {
        let c = Config::new(Uri::from_static("https://k8s:6443"));
        assert_eq!(c.rate_limit(), Some((5.0, 10)));
        assert_eq!(c.default_namespace, "default");
        assert!(c.user_agent.starts_with("kclient/"));
        assert!(c.user_agent.contains(std::env::consts::OS));
    }

    #[test]
    fn rate_limit_rules() {
        let mut c = Config::new(Uri::from_static("https://k8s"));
        c.qps = Some(0.0);
        c.burst = 0;
        assert_eq!(c.rate_limit(), Some((5.0, 10)));
        c.qps = Some(-1.0);
        assert_eq!(c.rate_limit(), None);
        c.qps = Some(f32::NAN);
        assert_eq!(c.rate_limit(), None);
        assert_eq!(c.clone().without_rate_limit().rate_limit(), None);
        c.qps = Some(50.0);
        c.burst = 100;
        assert_eq!(c.rate_limit(), Some((50.0, 100)));
    }

    #[test]
    fn userinfo_is_redacted() {
        assert_eq!(
            redact_userinfo("http://u:p@proxy:3128/x"),
            "http://[REDACTED]@proxy:3128/x"
        );
        assert_eq!(redact_userinfo("http://proxy:3128"), "http://proxy:3128");
        assert_eq!(redact_userinfo("u:p@proxy"), "[REDACTED]@proxy");
    }
}
