//! kclient-rest: client-go's `rest` package for Rust — a [`RestClient`] and [`Request`] builder
//! over a transport made of tower layers (TLS, credentials, rate limiting, retries, timeouts,
//! tracing), plus incremental decoding of watch streams.
//!
//! ```no_run
//! use kclient_config::Config;
//! use kclient_rest::RestClient;
//! use k8s_openapi::api::core::v1::ConfigMap;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::infer()?;
//! let client = RestClient::new(config)?;
//! let cm: ConfigMap = client
//!     .get()
//!     .prefix(["api", "v1"])
//!     .namespace("default")
//!     .resource("configmaps")
//!     .name("kube-root-ca.crt")
//!     .into_json()
//!     .await?;
//! # let _ = cm;
//! # Ok(()) }
//! ```
//!
//! Errors are one [`Error`] type with apimachinery-style predicates (`is_not_found()`, ...);
//! no hyper, tower or rustls type appears in the public error API.

pub mod batch;
mod client;
mod content;
mod error;
mod execute;
mod path;
mod request;
mod response;
mod stream;
pub mod transport;
pub mod warning;
pub mod watch;

pub use client::{RestClient, RestClientBuilder};
pub use error::{Error, TransportError, TransportErrorKind, WatchError};
pub use kclient_core::params::QueryParams;
pub use kclient_core::patch::{Patch, PatchType};
pub use request::Request;
pub use response::Response;
pub use stream::ByteStream;
pub use warning::{CollectWarnings, LogWarnings, Warning, WarningHandler};
pub use watch::{EventStream, ParallelEventStream, WatchDecoder};
