//! [`BenchError`]: what can stop a kclient-vs-kube-rs benchmark run.

/// A benchmark could not run, or a client returned something other than what was written.
///
/// Wraps the errors of every layer a benchmark goes through: `serde_json` (building and
/// decoding benchmark JSON), kclient-rest's [`kclient::rest::Error`] (kclient's requests),
/// kclient-testserver's [`kclient::testserver::TestServerError`] (starting the server, writing its
/// kubeconfig), `std::io` (files), tokio's `JoinError` (watcher tasks) and, with the `kube-rs`
/// feature, `kube::Error` and `kube::config::KubeconfigError` (kube-rs's requests and config);
/// plus two of its own: a bad Pod template and a count that differs from the server's.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Building or decoding benchmark JSON failed.
    #[error("benchmark JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The bundled Pod template lacks a field the generator rewrites.
    #[error("pod template: {0}")]
    Template(String),
    /// A kclient request failed.
    #[error("kclient: {0}")]
    Kclient(#[from] kclient::rest::Error),
    /// A kube-rs request failed.
    #[cfg(feature = "kube-rs")]
    #[error("kube-rs: {0}")]
    Kube(#[from] kube::Error),
    /// kube-rs could not load the test server's kubeconfig.
    #[cfg(feature = "kube-rs")]
    #[error("kube-rs kubeconfig: {0}")]
    KubeConfig(#[from] kube::config::KubeconfigError),
    /// The embedded test server failed to start or write its kubeconfig.
    #[error("test server: {0}")]
    Server(#[from] kclient::testserver::TestServerError),
    /// Reading or writing a file (kubeconfig, report) failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A client saw a different number of objects or events than the server holds, or a body
    /// that is not UTF-8, so its figure would not be comparable.
    #[error("result mismatch: {0}")]
    Mismatch(String),
    /// A watcher task panicked or was cancelled.
    #[error("watcher task: {0}")]
    Task(#[from] tokio::task::JoinError),
}
