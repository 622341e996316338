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
    /// Print the supported API resources on the server.
    ApiResources(ApiResourcesArgs),
    /// Display one or many resources; `--raw PATH` prints the body of a GET.
    Get(GetArgs),
    /// Create resources from a file or from stdin.
    Create(FileArgs),
    /// Apply a configuration to resources from a file or stdin (client- or server-side).
    Apply(ApplyArgs),
    /// Update fields of a resource with a merge, JSON or strategic merge patch.
    Patch(PatchArgs),
    /// Delete resources by type and name.
    Delete(DeleteArgs),
    /// Run the embedded API server until interrupted.
    Serve(ServeArgs),
    /// Walk through kclient on the embedded API server (or the cluster of an explicit kubeconfig).
    Demo(DemoArgs),
}

/// Output formats of `kc get`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// The server-side table (the default).
    #[default]
    #[value(skip)]
    Table,
    /// The table with every column.
    Wide,
    /// `kind.group/name` per object.
    Name,
    /// The objects as JSON.
    Json,
    /// The objects as YAML.
    Yaml,
}

/// `kc api-resources`.
#[derive(Debug, Args)]
pub struct ApiResourcesArgs {
    /// Output format: wide or name.
    #[arg(short = 'o', long = "output", value_parser = ["wide", "name"])]
    pub output: Option<String>,
    /// If set, only namespaced (true) or only cluster-scoped (false) resources.
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub namespaced: Option<bool>,
    /// Limit to resources in the specified API group.
    #[arg(long = "api-group")]
    pub api_group: Option<String>,
    /// Limit to resources that support all the specified verbs (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub verbs: Vec<String>,
    /// Don't print headers.
    #[arg(long)]
    pub no_headers: bool,
}

/// `kc get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Raw URI to request from the server, e.g. /api/v1/namespaces/default/configmaps.
    #[arg(long, conflicts_with_all = ["resources", "output", "all_namespaces"])]
    pub raw: Option<String>,
    /// `TYPE[,TYPE…] [NAME…]` or `TYPE/NAME…`.
    pub resources: Vec<String>,
    /// List across all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Label selector to filter on (=, ==, !=, in, notin, exists, !exists).
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Field selector to filter on (metadata.name, metadata.namespace, per-kind fields).
    #[arg(long)]
    pub field_selector: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<OutputFormat>,
    /// Return large lists in chunks of this size (0 = all at once).
    #[arg(long, default_value_t = 500)]
    pub chunk_size: u32,
    /// Don't print headers.
    #[arg(long)]
    pub no_headers: bool,
    /// Keep metadata.managedFields in -o json|yaml output.
    #[arg(long)]
    pub show_managed_fields: bool,
    /// After listing, watch for changes.
    #[arg(short = 'w', long)]
    pub watch: bool,
}

/// `-f FILE` (a file, a directory, or `-` for stdin), repeatable.
#[derive(Debug, Args)]
pub struct FileArgs {
    /// The files that contain the configuration.
    #[arg(short = 'f', long = "filename", required = true)]
    pub filenames: Vec<PathBuf>,
}

/// `kc apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The files to apply.
    #[command(flatten)]
    pub files: FileArgs,
    /// Apply on the server (server-side apply) instead of a client-side three-way merge.
    #[arg(long)]
    pub server_side: bool,
    /// The field manager name (default: kubectl's, per apply mode).
    #[arg(long)]
    pub field_manager: Option<String>,
    /// With --server-side: take ownership of conflicting fields.
    #[arg(long)]
    pub force_conflicts: bool,
}

/// Patch types of `kc patch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PatchKind {
    /// RFC 6902 JSON patch.
    Json,
    /// RFC 7386 JSON merge patch.
    Merge,
    /// Kubernetes strategic merge patch.
    Strategic,
}

/// `kc patch`.
#[derive(Debug, Args)]
pub struct PatchArgs {
    /// `TYPE NAME` or `TYPE/NAME`.
    #[arg(required = true, num_args = 1..=2)]
    pub target: Vec<String>,
    /// The patch, as JSON or YAML.
    #[arg(short = 'p', long, required = true)]
    pub patch: String,
    /// The type of patch.
    #[arg(long = "type", value_enum, default_value_t = PatchKind::Strategic)]
    pub patch_type: PatchKind,
}

/// `kc delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// `TYPE NAME…` or `TYPE/NAME…`.
    #[arg(required = true)]
    pub targets: Vec<String>,
    /// Treat "resource not found" as a successful delete.
    #[arg(long)]
    pub ignore_not_found: bool,
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
