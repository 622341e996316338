//! In-cluster configuration (client-go's `rest.InClusterConfig`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use http::Uri;
use secrecy::SecretString;

use super::Config;

/// Where Kubernetes mounts the service account token, CA and namespace.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// Why the in-cluster configuration could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InClusterError {
    /// `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT` are not set: not running in a pod.
    #[error(
        "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined"
    )]
    NotInCluster,
    /// The service account token could not be read.
    #[error("unable to read the service account token {}: {source}", path.display())]
    Token {
        /// The token path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The service host/port do not form a valid URL.
    #[error("invalid in-cluster API server address {address:?}: {reason}")]
    InvalidAddress {
        /// `https://host:port` as built from the environment.
        address: String,
        /// The parser's message.
        reason: String,
    },
}

impl Config {
    /// The configuration of a pod: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`,
    /// the service account token (kept as a token file, so rotated tokens are picked up), its
    /// CA and namespace (or `$POD_NAMESPACE`).
    pub fn incluster() -> Result<Config, InClusterError> {
        let env = [
            "KUBERNETES_SERVICE_HOST",
            "KUBERNETES_SERVICE_PORT",
            "POD_NAMESPACE",
        ]
        .into_iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_owned(), v)))
        .collect();
        Config::incluster_from(Path::new(SERVICE_ACCOUNT_DIR), &env)
    }

    /// [`Config::incluster`] with the service account directory and environment injected.
    ///
    /// As in client-go, a CA that cannot be loaded is logged and skipped (the platform roots
    /// are then used), while a missing token is an error.
    pub fn incluster_from(
        dir: &Path,
        env: &HashMap<String, String>,
    ) -> Result<Config, InClusterError> {
        let var = |k: &str| env.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let (Some(host), Some(port)) = (
            var("KUBERNETES_SERVICE_HOST"),
            var("KUBERNETES_SERVICE_PORT"),
        ) else {
            return Err(InClusterError::NotInCluster);
        };
        // net.JoinHostPort: IPv6 literals need brackets.
        let address = if host.contains(':') && !host.starts_with('[') {
            format!("https://[{host}]:{port}")
        } else {
            format!("https://{host}:{port}")
        };
        let uri: Uri =
            address
                .parse()
                .map_err(|e: http::uri::InvalidUri| InClusterError::InvalidAddress {
                    address: address.clone(),
                    reason: e.to_string(),
                })?;
        let port_ok = uri
            .authority()
            .is_some_and(|a| super::server_url::check_port(a).is_ok());
        if !port_ok || uri.path() != "/" || uri.query().is_some() {
            return Err(InClusterError::InvalidAddress {
                address,
                reason: "host or port contains URL syntax".to_owned(),
            });
        }

        let token_path = dir.join("token");
        let token =
            std::fs::read_to_string(&token_path).map_err(|source| InClusterError::Token {
                path: token_path.clone(),
                source,
            })?;

        let mut config = Config::new(uri);
        config.auth.bearer_token = Some(SecretString::from(token.trim().to_owned()));
        config.auth.token_file = Some(token_path);

        let ca_path = dir.join("ca.crt");
        match std::fs::read(&ca_path) {
            Ok(ca) if ca.windows(11).any(|w| w == b"-----BEGIN ") => config.tls.ca_data = Some(ca),
            Ok(_) => {
                tracing::error!(path = %ca_path.display(), "in-cluster root CA is not PEM; ignoring it")
            }
            Err(e) => {
                tracing::error!(path = %ca_path.display(), error = %e, "expected to load in-cluster root CA")
            }
        }

        config.default_namespace = var("POD_NAMESPACE")
            .map(str::to_owned)
            .or_else(|| {
                std::fs::read_to_string(dir.join("namespace"))
                    .ok()
                    .map(|ns| ns.trim().to_owned())
                    .filter(|ns| !ns.is_empty())
            })
            .unwrap_or_else(|| "default".to_owned());
        Ok(config)
    }
}
