//! Command-line shape, following kubectl's flags where a command exists in both.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// kc: a kubectl-style client built on kclient.
#[derive(Debug, Parser)]
#[command(name = "kc", version, about)]
pub struct Cli {
    /// Connection flags shared by every command.
    #[command(flatten)]
    pub global: GlobalFlags,

    /// Log verbosity on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags that choose the cluster, user and namespace, as kubectl's.
#[derive(Debug, Clone, Args)]
pub struct GlobalFlags {
    /// Path to the kubeconfig file to use (otherwise $KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,

    /// The name of the kubeconfig context to use.
    #[arg(long, global = true)]
    pub context: Option<String>,

    /// The name of the kubeconfig cluster to use.
    #[arg(long, global = true)]
    pub cluster: Option<String>,

    /// The name of the kubeconfig user to use.
    #[arg(long, global = true)]
    pub user: Option<String>,

    /// If present, the namespace scope for this request.
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
}

/// The commands kc knows.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the client and server version information.
    Version,
    /// Display resources; `--raw PATH` prints the body of a GET as kubectl does.
    Get(GetArgs),
    /// Run the embedded API server until interrupted.
    Serve(ServeArgs),
    /// Walk through kclient on the embedded API server (or the cluster of an explicit kubeconfig).
    Demo(DemoArgs),
}

/// `kc get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Raw URI to request from the server, e.g. /api/v1/namespaces/default/configmaps.
    #[arg(long, required = true)]
    pub raw: String,
}

/// `kc serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Where to write a kubeconfig for the server (default: print where it went in a temp dir).
    #[arg(long)]
    pub kubeconfig_out: Option<PathBuf>,

    /// Close every watch after this many events (fault injection; 0 = never).
    #[arg(long, default_value_t = 0)]
    pub drop_watch_after: u64,

    /// Answer this share of API requests (0.0–1.0) with `--error-status`.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,

    /// Answer every Nth API request with `--error-status` (0 = never; wins over --error-rate).
    #[arg(long, default_value_t = 0)]
    pub error_every_nth: u64,

    /// Status code of injected errors: 429 (sent with Retry-After), 500 or 503.
    #[arg(long, default_value_t = 429)]
    pub error_status: u16,

    /// Retry-After seconds sent with injected 429 and 503 answers.
    #[arg(long, default_value_t = 1)]
    pub retry_after: u32,

    /// Added latency for every API response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
}

/// `kc demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo namespace instead of deleting it at the end.
    #[arg(long)]
    pub keep: bool,
}
