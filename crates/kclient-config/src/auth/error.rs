//! Errors of the runtime credential layer.

use std::path::PathBuf;

/// Why credentials could not be produced. Messages never contain tokens, passwords or keys,
/// and never the exec plugin's standard output (which carries the token).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token file could not be read and no earlier token is available.
    #[error("unable to read token file {}: {source}", path.display())]
    TokenFile {
        /// The token file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The token file is empty.
    #[error("read empty token from file {}", path.display())]
    EmptyTokenFile {
        /// The token file.
        path: PathBuf,
    },
    /// A credential contains characters that cannot be sent in an HTTP header.
    #[error("the {what} contains characters not allowed in an HTTP header")]
    InvalidHeader {
        /// `bearer token`, `basic auth credentials`, ...
        what: &'static str,
    },
    /// The exec plugin's program does not exist.
    #[error(
        "exec plugin: executable {command} not found\n\nIt looks like you are trying to use a client-go credential plugin that is not installed.{}",
        install_hint.as_deref().map(|h| format!("\n\n{h}")).unwrap_or_default()
    )]
    ExecNotFound {
        /// The configured command.
        command: String,
        /// The kubeconfig's `installHint`.
        install_hint: Option<String>,
    },
    /// The exec plugin could not be started.
    #[error("exec plugin: unable to start {command}: {source}")]
    ExecSpawn {
        /// The configured command.
        command: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The plugin requires an interactive terminal that is not available.
    #[error(
        "exec plugin {command} is configured with interactiveMode Always but standard input is not a terminal"
    )]
    ExecNotInteractive {
        /// The configured command.
        command: String,
    },
    /// The exec plugin exited unsuccessfully.
    #[error(
        "exec plugin: executable {command} failed with {status}{}",
        stderr_suffix(stderr)
    )]
    ExecFailed {
        /// The configured command.
        command: String,
        /// `exit code N` or `signal N`.
        status: String,
        /// The end of its standard error (at most a few KiB).
        stderr: String,
    },
    /// The plugin's output is not a usable ExecCredential.
    #[error("exec plugin {command} returned an invalid ExecCredential: {reason}")]
    ExecInvalidOutput {
        /// The configured command.
        command: String,
        /// What is wrong (never quotes the output).
        reason: String,
    },
    /// The plugin answered with another API version than configured.
    #[error(
        "exec plugin is configured to use API version {expected}, plugin returned version {got}"
    )]
    ExecApiVersionMismatch {
        /// The configured `apiVersion`.
        expected: String,
        /// What the plugin returned.
        got: String,
    },
    /// The configured exec API version is not supported.
    #[error(
        "exec plugin: invalid apiVersion {0:?} (want client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1)"
    )]
    ExecUnsupportedApiVersion(String),
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; stderr: {stderr}")
    }
}
