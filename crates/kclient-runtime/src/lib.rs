//! kclient-runtime: what a controller needs around its reconcile loop.
//!
//! - [`controller`]: [`Controller`] — shared informers, a rate-limited work queue, workers,
//!   leader election and graceful shutdown around a `reconcile` function.
//! - [`finalizer`]: kube-runtime's finalizer helper — add before the first reconcile, clean
//!   up on deletion, remove after.
//! - [`retry`]: client-go's `util/retry` — [`retry_on_conflict`](retry::retry_on_conflict).
//! - [`watch`]: client-go's `tools/watch` — a watch that resumes from the last
//!   resourceVersion ([`RetryWatcher`](watch::RetryWatcher)) and
//!   [`until_with_sync`](watch::until_with_sync).
//! - [`leaderelection`]: client-go's `tools/leaderelection` on `coordination.k8s.io/v1`
//!   Leases — one active replica among many, with hand-over on release and on expiry.
//! - [`events`]: client-go's event recorder — Events about objects, correlated, counted,
//!   spam-filtered, written in the background so reporting never blocks.

pub mod controller;
pub mod events;
pub mod finalizer;
pub mod leaderelection;
pub mod retry;
pub mod watch;

pub use controller::{Action, Controller, ObjectKey, Observed, OnError};
