//! [`InformerBenchError`]: what stops an informer benchmark run.

/// The informer benchmark could not run, or a child reported something unusable.
///
/// Wraps the shared [`BenchError`](crate::BenchError) (Pod template, namespace creation), and
/// the errors of each layer the parent and the children go through: kclient-rest's
/// [`kclient::rest::Error`] (requests), kclient-config's [`kclient::config::KubeconfigError`]
/// (the child's kubeconfig), kclient-cache's [`kclient::cache::InformerError`] (the informer),
/// kclient-testserver's [`kclient::testserver::TestServerError`] (the parent's server), `std::io`
/// (children's pipes and signals, `/proc`, the docs), `serde_json` (Pod bodies) and, with the
/// `kube-rs` feature, `kube::Error` and `kube::config::KubeconfigError` (the kube-rs child);
/// plus two of its own: a malformed child report and a count that differs from the server's.
#[derive(Debug, thiserror::Error)]
pub enum InformerBenchError {
    /// Loading data or creating the namespace failed (the shared benchmark errors).
    #[error(transparent)]
    Bench(#[from] crate::BenchError),
    /// A kclient request failed.
    #[error("kclient: {0}")]
    Kclient(#[from] kclient::rest::Error),
    /// kclient could not load the server's kubeconfig.
    #[error("kclient kubeconfig: {0}")]
    KclientConfig(#[from] kclient::config::KubeconfigError),
    /// kclient's informer stopped.
    #[error("kclient informer: {0}")]
    Informer(#[from] kclient::cache::InformerError),
    /// kclient's Controller stopped.
    #[error("kclient controller: {0}")]
    Controller(#[from] kclient::ControllerError),
    /// A kube-rs request failed.
    #[cfg(feature = "kube-rs")]
    #[error("kube-rs: {0}")]
    Kube(#[from] kube::Error),
    /// kube-rs could not load the server's kubeconfig.
    #[cfg(feature = "kube-rs")]
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
    /// A child's output or `/proc/self/status` did not have the expected shape, or the
    /// command line asked for something this build cannot run.
    #[error("protocol: {0}")]
    Protocol(String),
    /// A client cached or delivered a different number of objects than the server holds,
    /// or did not within the time allowed.
    #[error("result mismatch: {0}")]
    Mismatch(String),
}
