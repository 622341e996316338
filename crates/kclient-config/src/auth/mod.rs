//! Runtime credentials: turns an [`AuthConfig`] into the `Authorization` header (and, for exec
//! plugins, a client certificate) of each request.
//!
//! - a static bearer token is sent as is;
//! - a token file is re-read when the last read is older than the refresh period (client-go:
//!   one minute), keeping the last good token when a read fails;
//! - basic auth becomes `Basic base64(user:password)`;
//! - an exec plugin is run on first use, its output cached until `expirationTimestamp` (minus a
//!   small skew), concurrent callers share one run, and [`CredentialSource::invalidate`]
//!   (called by the transport on a 401) forces the next call to run it again.
//!
//! Precedence follows client-go: token/token file, then basic auth, then the exec plugin.

mod error;
mod exec;
mod token_file;

pub use error::AuthError;
pub use exec::{DEFAULT_EXPIRY_SKEW, EXEC_INFO_EXTENSION, ExecClusterInfo};
pub use token_file::DEFAULT_TOKEN_FILE_PERIOD;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use http::HeaderValue;
use secrecy::ExposeSecret;

use crate::config::{AuthConfig, ClientCert};
use exec::ExecSource;
use token_file::TokenFileSource;

/// What to attach to one request. `Debug` hides the header value and the key.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// The `Authorization` header value (marked sensitive), if any.
    pub authorization: Option<HeaderValue>,
    /// A client certificate returned by an exec plugin, to use for mutual TLS.
    pub client_cert: Option<ClientCert>,
}

/// Produces [`Credentials`] for requests; cheap to clone (clones share caches).
#[derive(Clone)]
pub struct CredentialSource {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    None,
    Header(HeaderValue),
    Invalid(&'static str),
    TokenFile(Arc<TokenFileSource>),
    Exec(Arc<ExecSource>),
}

impl CredentialSource {
    /// Chooses the credential mechanism of `auth` (see the module docs for precedence).
    /// Problems such as a token with control characters are reported by
    /// [`CredentialSource::credentials`].
    pub fn new(auth: &AuthConfig) -> Self {
        let kind = if let Some(path) = &auth.token_file {
            Kind::TokenFile(Arc::new(TokenFileSource::new(
                path.clone(),
                auth.bearer_token.clone(),
                DEFAULT_TOKEN_FILE_PERIOD,
            )))
        } else if let Some(token) = &auth.bearer_token {
            match bearer(token.expose_secret()) {
                Ok(h) => Kind::Header(h),
                Err(_) => Kind::Invalid("bearer token"),
            }
        } else if let Some(basic) = &auth.basic {
            let raw = format!("{}:{}", basic.username, basic.password.expose_secret());
            let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
            match sensitive(&format!("Basic {encoded}")) {
                Ok(h) => Kind::Header(h),
                Err(_) => Kind::Invalid("basic auth credentials"),
            }
        } else if let Some(exec) = &auth.exec {
            Kind::Exec(Arc::new(ExecSource::new(
                exec.clone(),
                auth.exec_cluster.clone(),
                DEFAULT_EXPIRY_SKEW,
                None,
            )))
        } else {
            Kind::None
        };
        Self { kind }
    }

    /// Changes how often a token file is re-read (default one minute). Resets its cache.
    pub fn with_token_file_period(mut self, period: Duration) -> Self {
        if let Kind::TokenFile(src) = &self.kind {
            self.kind = Kind::TokenFile(Arc::new(TokenFileSource::new(
                src.path.clone(),
                src.fallback.clone(),
                period,
            )));
        }
        self
    }

    /// Changes how long before `expirationTimestamp` exec credentials count as expired
    /// (default 10 seconds). Resets the cache.
    pub fn with_exec_expiry_skew(mut self, skew: Duration) -> Self {
        if let Kind::Exec(src) = &self.kind {
            self.kind = Kind::Exec(Arc::new(ExecSource::new(
                src.config.clone(),
                src.cluster.clone(),
                skew,
                src.stdin_terminal,
            )));
        }
        self
    }

    /// Overrides terminal detection on standard input for exec plugins (normally detected);
    /// `false` means plugins never get stdin. Resets the cache.
    pub fn with_stdin_terminal(mut self, is_terminal: bool) -> Self {
        if let Kind::Exec(src) = &self.kind {
            self.kind = Kind::Exec(Arc::new(ExecSource::new(
                src.config.clone(),
                src.cluster.clone(),
                src.skew,
                Some(is_terminal),
            )));
        }
        self
    }

    /// True when no credentials are configured (anonymous requests).
    pub fn is_anonymous(&self) -> bool {
        matches!(self.kind, Kind::None)
    }

    /// The credentials for the next request.
    pub async fn credentials(&self) -> Result<Credentials, AuthError> {
        match &self.kind {
            Kind::None => Ok(Credentials::default()),
            Kind::Header(h) => Ok(Credentials {
                authorization: Some(h.clone()),
                client_cert: None,
            }),
            Kind::Invalid(what) => Err(AuthError::InvalidHeader { what }),
            Kind::TokenFile(src) => Ok(Credentials {
                authorization: Some(src.header().await?),
                client_cert: None,
            }),
            Kind::Exec(src) => src.credentials().await,
        }
    }

    /// Forgets cached exec plugin credentials so the next call runs the plugin again; the
    /// transport calls this after a 401 Unauthorized. No effect for other mechanisms.
    pub fn invalidate(&self) {
        if let Kind::Exec(src) = &self.kind {
            src.invalidate();
        }
    }
}

impl fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            Kind::None => "none".to_owned(),
            Kind::Header(_) => "static".to_owned(),
            Kind::Invalid(what) => format!("invalid {what}"),
            Kind::TokenFile(src) => format!("token file {}", src.path.display()),
            Kind::Exec(src) => format!("exec {}", src.config.command),
        };
        f.debug_struct("CredentialSource")
            .field("kind", &kind)
            .finish()
    }
}

impl crate::Config {
    /// The [`CredentialSource`] for this config's [`AuthConfig`].
    pub fn credential_source(&self) -> CredentialSource {
        CredentialSource::new(&self.auth)
    }
}

fn sensitive(value: &str) -> Result<HeaderValue, http::header::InvalidHeaderValue> {
    let mut h = HeaderValue::from_str(value)?;
    h.set_sensitive(true);
    Ok(h)
}

/// `Bearer <token>` as a sensitive header value.
pub(crate) fn bearer(token: &str) -> Result<HeaderValue, AuthError> {
    sensitive(&format!("Bearer {token}")).map_err(|_| AuthError::InvalidHeader {
        what: "bearer token",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BasicAuth;
    use secrecy::SecretString;

    #[tokio::test]
    async fn static_and_basic() {
        let auth = AuthConfig {
            bearer_token: Some(SecretString::from("abc")),
            ..Default::default()
        };
        let c = CredentialSource::new(&auth).credentials().await.unwrap();
        assert_eq!(c.authorization.unwrap(), "Bearer abc");

        let auth = AuthConfig {
            basic: Some(BasicAuth {
                username: "user".into(),
                password: SecretString::from("pass"),
            }),
            ..Default::default()
        };
        let c = CredentialSource::new(&auth).credentials().await.unwrap();
        assert!(!format!("{c:?}").contains("dXNlcjpwYXNz"));
        let h = c.authorization.unwrap();
        assert!(h.is_sensitive());
        assert_eq!(h, "Basic dXNlcjpwYXNz");
    }

    #[tokio::test]
    async fn invalid_token_is_an_error_without_the_token() {
        let auth = AuthConfig {
            bearer_token: Some(SecretString::from("bad\ntoken")),
            ..Default::default()
        };
        let err = CredentialSource::new(&auth)
            .credentials()
            .await
            .unwrap_err();
        assert!(!err.to_string().contains("token\n"), "{err}");
        assert!(matches!(err, AuthError::InvalidHeader { .. }));
    }

    #[tokio::test]
    async fn anonymous() {
        let src = CredentialSource::new(&AuthConfig::default());
        assert!(src.is_anonymous());
        assert!(src.credentials().await.unwrap().authorization.is_none());
    }
}
