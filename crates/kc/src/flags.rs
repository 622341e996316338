//! Turning kubectl-style flags into a client configuration (client-go's BuildConfigFromFlags order).

use kclient::config::{Config, KubeconfigOptions};
use kclient::rest::RestClient;

use crate::cli::GlobalFlags;
use crate::error::CliError;

impl GlobalFlags {
    /// The overrides that `--context`, `--cluster`, `--user` and `-n` give.
    pub fn kubeconfig_options(&self) -> KubeconfigOptions {
        KubeconfigOptions {
            context: self.context.clone(),
            cluster: self.cluster.clone(),
            user: self.user.clone(),
            namespace: self.namespace.clone(),
        }
    }

    /// `--kubeconfig`, then `$KUBECONFIG` (merged), then `~/.kube/config`, then in-cluster.
    pub fn config(&self) -> Result<Config, CliError> {
        Config::infer_with(self.kubeconfig.as_deref(), &self.kubeconfig_options())
            .map_err(|e| CliError::Config(e.to_string()))
    }

    /// The client for this run and the namespace commands act in: `-n`, else the context's,
    /// else `default`.
    pub fn client_and_namespace(&self) -> Result<(RestClient, String), CliError> {
        let config = self.config()?;
        let namespace = self
            .namespace
            .clone()
            .unwrap_or_else(|| config.default_namespace.clone());
        Ok((RestClient::new(config)?, namespace))
    }
}
