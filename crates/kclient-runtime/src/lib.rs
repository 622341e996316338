//! kclient-runtime: what a controller needs around its reconcile loop.
//!
//! - [`leaderelection`]: client-go's `tools/leaderelection` on `coordination.k8s.io/v1`
//!   Leases — one active replica among many, with hand-over on release and on expiry.
//! - [`events`]: client-go's event recorder — Events about objects, correlated, counted,
//!   spam-filtered, written in the background so reporting never blocks.

pub mod events;
pub mod leaderelection;
