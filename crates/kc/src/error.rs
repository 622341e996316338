//! kc's error type: one variant per layer it talks to, printed the way kubectl prints them.

use kclient::ApiError;
use std::fmt;

/// Everything a kc command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Loading or resolving the kubeconfig / in-cluster config failed.
    #[error("error: {0}")]
    Config(String),
    /// The API server answered with an error, or could not be reached.
    #[error("{}", ServerError(.0))]
    Rest(#[from] kclient::rest::Error),
    /// The embedded server failed to start or stop.
    #[error("error: embedded API server: {0}")]
    TestServer(String),
    /// Local I/O (writing output or a kubeconfig).
    #[error("error: {0}")]
    Io(#[from] std::io::Error),
    /// Rendering output (JSON/YAML encoding) failed.
    #[error("error: {0}")]
    Output(String),
    /// A command-line argument or input file was not usable.
    #[error("error: {0}")]
    Usage(String),
    /// A server error already worded as kubectl words it.
    #[error("{0}")]
    Server(String),
    /// Discovery failed (entirely, or for some group-versions).
    #[error("error: {0}")]
    Discovery(String),
    /// A demo step did not see what it expected.
    #[error("error: demo check failed: {0}")]
    Check(String),
}

/// Formats API errors as kubectl does: `Error from server (NotFound): pods "x" not found`.
struct ServerError<'a>(&'a kclient::rest::Error);

impl fmt::Display for ServerError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.status() {
            Some(status) => {
                let reason = status.reason.as_deref().filter(|r| !r.is_empty());
                let message = status.message.as_deref().unwrap_or_default();
                match reason {
                    Some(reason) => write!(f, "Error from server ({reason}): {message}"),
                    None => write!(f, "Error from server: {message}"),
                }
            }
            None => write!(f, "error: {}", self.0),
        }
    }
}
