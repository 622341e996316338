//! What every kclient example shares: loading the client configuration the way client-go's
//! `clientcmd.BuildConfigFromFlags` does, a `--duration` style run bound, and log setup.
//!
//! The examples themselves live in `examples/`; run one with
//! `cargo run -p kclient-examples --example informer -- --kubeconfig /path/to/kubeconfig`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use kclient::config::{Config, ConfigError, KubeconfigOptions};

/// The configuration flags of every example.
///
/// Resolution order is client-go's: `--kubeconfig`, then `$KUBECONFIG` (a path list, merged),
/// then `~/.kube/config`, then the in-cluster service account.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ConfigFlags {
    /// Path to a kubeconfig file. Default: $KUBECONFIG, then ~/.kube/config, then in-cluster.
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use instead of its current-context.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

impl ConfigFlags {
    /// Loads the client configuration (client-go's `BuildConfigFromFlags`).
    pub fn load(&self) -> Result<Config, ConfigError> {
        let options = KubeconfigOptions {
            context: self.context.clone(),
            ..KubeconfigOptions::default()
        };
        Config::infer_with(self.kubeconfig.as_deref(), &options)
    }
}

/// Parses a duration flag: a number of seconds (`15`, `0.5`) or a number with a unit suffix
/// (`250ms`, `10s`, `2m`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("invalid duration {text:?}: expected e.g. 10s, 250ms or 2m"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!(
            "invalid duration {text:?}: must be zero or positive"
        ));
    }
    Duration::try_from_secs_f64(value * scale)
        .map_err(|e| format!("invalid duration {text:?}: {e}"))
}

/// Turns the result of an example's `run` into its exit status, printing an error and its
/// causes as sentences (`error: ...`) rather than as `Debug` structures. A closed stdout
/// (`example | head`) is a normal end, as for other command-line tools.
pub fn exit_code(result: Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = e.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

/// Sends log lines (`RUST_LOG`, default `warn`) to stderr, keeping stdout for the
/// example's own output.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // A second call (there is none in the examples) would only fail to install; ignore it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Resolves when the process should stop: after `duration` (if any) or on Ctrl-C / SIGINT /
/// SIGTERM, whichever comes first. Long-running examples select on it so they exit 0.
pub async fn stop_signal(duration: Option<Duration>) {
    let timer = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    let terminate = async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    };
    tokio::select! {
        () = timer => {}
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// A default identity for leader election: the host name and the process id, so that two
/// replicas on one machine differ.
pub fn default_identity() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_and_without_units() {
        assert_eq!(parse_duration("15"), Ok(Duration::from_secs(15)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("").is_err());
    }
}
