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
    /// Finds a configuration the way kubectl and client-go's deferred loading do: the merged
    /// `$KUBECONFIG` files, else `~/.kube/config`, with their current context; when that
    /// yields no configuration at all, the in-cluster configuration.
    ///
    /// ```no_run
    /// let config = kclient_config::Config::infer()?;
    /// # Ok::<(), kclient_config::ConfigError>(())
    /// ```
    pub fn infer() -> Result<Config, ConfigError> {
        Config::infer_with(None, &KubeconfigOptions::default())
    }

    /// [`Config::infer`] with kubectl's flags: an explicit kubeconfig path (`--kubeconfig`,
    /// which must exist and replaces `$KUBECONFIG`), and overrides of the context, cluster,
    /// user or namespace (`--context`, ...). The in-cluster configuration is used only when
    /// no kubeconfig applies and no override selects a context or cluster.
    pub fn infer_with(
        explicit: Option<&Path>,
        options: &KubeconfigOptions,
    ) -> Result<Config, ConfigError> {
        let loader = KubeconfigLoader::from_env().with_explicit_path(explicit);
        Config::infer_from_sources(&loader, options, Config::incluster)
    }

    /// [`Config::infer_with`] with the loading rules and the in-cluster source injected.
    pub fn infer_from_sources(
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
