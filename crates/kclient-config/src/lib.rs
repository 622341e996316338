//! Configuration for kclient: the kubeconfig model and client-go's loading rules, the
//! in-cluster configuration, [`Config`] (client-go's `rest.Config`) and runtime credentials.
//!
//! ```no_run
//! use kclient_config::Config;
//!
//! // --kubeconfig, then $KUBECONFIG, then ~/.kube/config, then in-cluster.
//! let config = Config::infer()?;
//! println!("talking to {}", config.host);
//! # Ok::<(), kclient_config::ConfigError>(())
//! ```
//!
//! Secrets (tokens, passwords, private keys, proxy credentials) are held in
//! [`secrecy`] types or redacted by hand: `Debug` output and error messages never contain them.

pub mod auth;
mod config;
pub mod content;
pub mod impersonate;
pub mod kubeconfig;
pub mod proxy;
mod serde_util;

pub use config::{
    AuthConfig, BasicAuth, ClientCert, Config, ConfigError, DEFAULT_BURST, DEFAULT_QPS,
    InClusterError, KubeconfigOptions, SERVICE_ACCOUNT_DIR, TlsConfig, default_user_agent,
    effective_rate_limit,
};
pub use impersonate::Impersonate;
pub use kubeconfig::{Kubeconfig, KubeconfigError, KubeconfigLoader, parse_kubeconfig_bytes};
pub use secrecy::{ExposeSecret, SecretSlice, SecretString};
