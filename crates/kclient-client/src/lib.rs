//! The clients of kclient (usually used through the `kclient` crate, which re-exports them).
//!
//! - [`Api<K>`]: a typed client for any [`Resource`] (every
//!   k8s-openapi type, and custom types), with scope checked at compile time, the full verb
//!   set, server-side apply and the scale/log/eviction/binding/token subresources.
//! - [`ClientSet`]: `clientset.core_v1().pods("default")`, for every built-in group-version.
//! - [`DynamicClient`]: any resource by GroupVersionResource, as [`Unstructured`].
//! - [`MetadataClient`]: `PartialObjectMetadata` of any resource.
//! - [`ScaleClient`]: the scale subresource of any scalable resource.
//! - [`Pager`]: lists in pages following `continue` tokens, with a full-list fallback.
//!
//! All of them share one request layer and one error type, [`Error`] (kclient-rest's), with
//! apimachinery's predicates (`is_not_found()`, `is_conflict()`, ...).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use kclient_client::ClientSet;
//! use kclient_config::Config;
//! use kclient_core::ListOptions;
//!
//! let config = Config::infer()?;
//! let clientset = ClientSet::new(config)?;
//! let pods = clientset.core_v1().pods("default").list(&ListOptions::default()).await?;
//! for pod in &pods {
//!     println!("{}", pod.metadata.name.as_deref().unwrap_or_default());
//! }
//! # Ok(()) }
//! ```

mod api;
pub mod clientset;
mod delete;
pub mod dynamic;
pub mod metadata;
pub mod pager;
pub mod scale;
pub mod subresource;
mod target;

pub use api::{AllNamespaces, Api};
pub use clientset::ClientSet;
pub use delete::DeleteResponse;
pub use dynamic::{DynamicClient, DynamicResource};
pub use metadata::{MetadataClient, MetadataResource};
pub use pager::{Page, Pager};
pub use scale::{ScaleClient, ScaleResource};
pub use subresource::{HasScale, LogOptions};

/// The client error: kclient-rest's [`kclient_rest::Error`], with apimachinery's predicates.
pub use kclient_rest::Error;
pub use kclient_rest::{ByteStream, EventStream, RestClient};

// The machinery types users pass to every call.
pub use kclient_core::{self as core, k8s_openapi};
pub use kclient_core::{
    ApiError, CreateOptions, DeleteOptions, GetOptions, GroupVersionKind, GroupVersionResource,
    ListOptions, Object, ObjectList, PagedList, PartialObjectMetadata, PartialObjectMetadataList,
    Patch, PatchOptions, Resource, Unstructured, UnstructuredList, UpdateOptions, WatchEvent,
};
