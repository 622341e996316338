//! [`Error`]: what stops an informer benchmark run.

/// The informer benchmark could not run, or a child reported something unusable.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Loading data, the server or a client failed (the shared benchmark errors).
    #[error(transparent)]
    Bench(#[from] crate::Error),
    /// A kclient request failed.
    #[error("kclient: {0}")]
    Kclient(#[from] kclient::rest::Error),
    /// kclient could not load the server's kubeconfig.
    #[error("kclient kubeconfig: {0}")]
    KclientConfig(#[from] kclient::config::KubeconfigError),
    /// kclient's informer stopped.
    #[error("kclient informer: {0}")]
    Informer(#[from] kclient::cache::InformerError),
    /// A kube-rs request failed.
    #[error("kube-rs: {0}")]
    Kube(#[from] kube::Error),
    /// kube-rs could not load the server's kubeconfig.
    #[error("kube-rs kubeconfig: {0}")]
    KubeConfig(#[from] kube::config::KubeconfigError),
    /// The test server failed.
    #[error("test server: {0}")]
    Server(#[from] kclient::testserver::TestServerError),
    /// Spawning or talking to a child, reading `/proc`, writing the docs.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// JSON encoding of benchmark objects failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// A child's output or `/proc/self/status` did not have the expected shape.
    #[error("protocol: {0}")]
    Protocol(String),
    /// A client cached or delivered a different number of objects than the server holds,
    /// or did not within the time allowed.
    #[error("result mismatch: {0}")]
    Mismatch(String),
}
