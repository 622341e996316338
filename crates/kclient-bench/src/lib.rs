//! kclient-bench: side-by-side benchmarks of kclient against kube-rs (kube 5.0, the release
//! on our k8s-openapi 0.29), every figure measured for both in the same run.
//!
//! - [`decode`]: the 10,000-Pod list (~131 MB JSON, managedFields kept) from [`data`] decoded
//!   into typed Pods by each client's real path; time and allocations.
//! - [`list`] and [`watch`]: 50,000 ConfigMaps on the embedded test server ([`fixture`]),
//!   full and paginated list throughput and watch fan-out to 100 watchers.
//! - [`gzip`]: what gzip costs on the 10,000-Pod list, with and without compression.
//! - [`transport`]: kclient over alternative wire transports, diagnostic variants.
//! - [`informer`]: kclient's informer against kube-rs's reflector, each in a child process.
//! - [`controller`]: kclient's `Controller` against kube-rs's, each in a child process.
//! - [`rounds`]: the order the clients run in each round, alternating which goes first.
//! - [`report`]: the markdown table and `docs/benchmarks.md`; [`plot`]: its SVG plot.
//!
//! kube-rs is behind the `kube-rs` feature (off by default), so `cargo build` and
//! `cargo test --workspace` never compile kube or kube-runtime; without it this crate builds
//! and tests everything but kube-rs's side (the data set, kclient's paths, the report writer).
//! Run the comparisons with `cargo run --release -p kclient-bench --features kube-rs --bin
//! report` (and `--bin informer`), or the criterion benches with
//! `cargo bench -p kclient-bench --features kube-rs`. Nothing heavy runs under `cargo test`.

pub mod controller;
pub mod data;
pub mod decode;
pub mod fixture;
pub mod gzip;
pub mod informer;
pub mod list;
pub mod measure;
pub mod plot;
pub mod report;
pub mod rounds;
pub mod transport;
pub mod watch;

mod error;

pub use error::BenchError;
