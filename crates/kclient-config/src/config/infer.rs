//! [`Config::infer`]: kubectl's order of configuration sources.

use std::path::Path;

use super::{Config, InClusterError, KubeconfigOptions};
use crate::kubeconfig::{KubeconfigError, KubeconfigLoader};

/// Why no configuration could be inferred.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Loading or using the kubeconfig failed.
    #[error(transparent)]
    Kubeconfig(#[from] KubeconfigError),
    /// No kubeconfig applied and the in-cluster configuration failed.
    #[error(transparent)]
    InCluster(#[from] InClusterError),
}

impl Config {
    /// Finds a configuration the way kubectl and client-go's deferred loading do:
    /// the explicit kubeconfig path if given (it must exist), else the merged `$KUBECONFIG`
    /// files, else `~/.kube/config`; when that yields no configuration at all and no override
    /// selects a context or cluster, the in-cluster configuration is used.
    pub fn infer(
        explicit: Option<&Path>,
        options: &KubeconfigOptions,
    ) -> Result<Config, ConfigError> {
        let loader = KubeconfigLoader::from_env().with_explicit_path(explicit);
        Config::infer_with(&loader, options, Config::incluster)
    }

    /// [`Config::infer`] with the loading rules and the in-cluster source injected.
    pub fn infer_with(
        loader: &KubeconfigLoader,
        options: &KubeconfigOptions,
        incluster: impl FnOnce() -> Result<Config, InClusterError>,
    ) -> Result<Config, ConfigError> {
        let kubeconfig = loader.load()?;
        let selects_something = options.context.is_some() || options.cluster.is_some();
        if loader.explicit_path.is_none() && kubeconfig.is_empty() && !selects_something {
            return match incluster() {
                Ok(mut config) => {
                    if let Some(ns) = options.namespace.clone().filter(|n| !n.is_empty()) {
                        config.default_namespace = ns;
                    }
                    Ok(config)
                }
                Err(InClusterError::NotInCluster) => Err(KubeconfigError::Empty.into()),
                Err(e) => Err(e.into()),
            };
        }
        Ok(Config::from_kubeconfig(&kubeconfig, options)?)
    }
}
