//! kclient-bench: side-by-side benchmarks of kclient against kube-rs (kube 5.0, the release
//! on our k8s-openapi 0.29), every figure measured for both in the same run.
//!
//! - [`decode`]: the 10,000-Pod list (~131 MB JSON, managedFields kept) from [`data`] decoded
//!   into typed Pods by each client's real path; time and allocations.
//! - [`list`] and [`watch`]: 50,000 ConfigMaps on the embedded test server ([`fixture`]),
//!   full and paginated list throughput and watch fan-out to 100 watchers.
//! - [`gzip`]: what gzip costs on the 10,000-Pod list, with and without compression.
//! - [`transport`]: kclient over alternative wire transports, diagnostic variants.
//! - [`report`]: the markdown table and `docs/benchmarks.md`; [`plot`]: its SVG plot.
//!
//! Run everything with `cargo run --release -p kclient-bench --bin report`, or the criterion
//! benches with `cargo bench -p kclient-bench`. Nothing heavy runs under `cargo test`.

pub mod data;
pub mod decode;
pub mod fixture;
pub mod gzip;
pub mod informer;
pub mod list;
pub mod measure;
pub mod plot;
pub mod report;
pub mod transport;
pub mod watch;

mod error;

pub use error::Error;
