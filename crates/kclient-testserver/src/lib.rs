//! An in-memory, kubectl-compatible Kubernetes API server for tests, examples and demos.
//!
//! [`TestServer::start`] serves the Kubernetes HTTP API over HTTPS (HTTP/1.1 and HTTP/2) on
//! 127.0.0.1 with a generated CA, and hands out a kubeconfig and a [`kclient_config::Config`]
//! for it (cluster-admin; [`TestServer::config_for`] mints one for any user and groups).
//! Requests authenticate by client certificate, bearer token or as `system:anonymous`, and
//! RBAC authorizes them from the stored Roles, ClusterRoles and bindings; a garbage
//! collector cascades deletions over ownerReferences. It behaves like kube-apiserver where clients can
//! tell: discovery (including aggregated v2), CRUD with resourceVersions, uid, generation,
//! finalizers, namespaces and CRDs, `status` and `scale` subresources, label and field
//! selectors, paginated lists over consistent snapshots, server-side Table output, watches
//! with history, bookmarks and watch-list (a watcher that falls behind is closed, as
//! kube-apiserver closes it), JSON/merge/strategic merge patches and
//! server-side apply, pod eviction under PodDisruptionBudgets, all errors as
//! `metav1.Status` (and Go's plain-text `404 page not found` outside every served API), GET
//! responses above 128 KiB gzipped for clients that accept gzip (kube-apiserver's response compression). Faults (dropped
//! watches, compacted history, an API server restart, 429/500/503 bursts, latency) switch at
//! run time through [`FaultsHandle`] or the admin API at `/kclient-testserver/faults`; a
//! [`RequestLog`] records what clients asked and when.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kclient_testserver::TestServerError> {
//! use kclient_testserver::TestServer;
//!
//! let server = TestServer::start().await?;
//! let config = server.config(); // a kclient_config::Config trusting the server's CA
//! server.write_kubeconfig("/tmp/kubeconfig")?; // for kubectl --kubeconfig
//! server.faults().set_error_every_nth(Some(3), 429);
//! # drop(config);
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod catalog;
pub mod discovery;
pub mod patch;
pub mod table;

mod admin;
mod auth;
mod authn;
mod client_cert;
mod compress;
mod controllers;
mod convert;
mod crd_schema;
mod crd_strategy;
mod defaults;
mod disruption;
mod error;
mod faults;
mod field_validation;
mod handlers;
mod health;
mod hpa_validation;
mod impersonation;
mod kubeconfig;
mod meta;
mod negotiate;
mod openapi;
mod patching;
mod pod_admission;
mod priority_class;
mod query;
mod rbac;
mod registry;
mod requests;
mod respond;
mod router;
mod server;
mod service;
mod state;
mod store;
mod strategy;
mod tls;
mod unserved;
mod validate;

pub use error::TestServerError;
pub use faults::{Faults, FaultsHandle};
pub use requests::{LoggedRequest, RequestLog};
pub use server::{TestServer, TestServerBuilder};
