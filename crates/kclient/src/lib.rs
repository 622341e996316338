//! kclient: client-go for Rust. This is the one crate to depend on.
//!
//! It re-exports every layer of kclient, each behind a cargo feature:
//!
//! | feature | default | what it brings | module |
//! |---|:-:|---|---|
//! | (always) | ✓ | API machinery without I/O: GVK/GVR, [`Resource`], [`Object`], [`Unstructured`], options, selectors, patches, `Status` errors, watch events, the RESTMapper | [`core`] |
//! | `config` | ✓ | kubeconfig and in-cluster [`Config`] | [`config`] |
//! | `client` | ✓ | [`RestClient`], typed [`Api<K>`] and [`ClientSet`], [`DynamicClient`], metadata and scale clients, the pager | [`rest`], [`client`] |
//! | `discovery` | ✓ | [`DiscoveryClient`], its memory and disk caches, the discovery-backed RESTMapper | [`discovery`] |
//! | `cache` | ✓ | informers: Reflector, DeltaFifo, Indexer, [`SharedInformerFactory`], [`Lister`], [`CachedClient`] | [`cache`] |
//! | `workqueue` | ✓ | the work queue and its rate limiters | [`workqueue`] |
//! | `runtime` | ✓ | leader election on Leases | [`runtime`] |
//! | `testserver` | | the embedded, kubectl-compatible API server for your tests | [`testserver`] |
//!
//! The names almost every program needs are at the crate root and in [`prelude`]:
//!
//! ```no_run
//! use kclient::prelude::*;
//! use k8s_openapi::api::core::v1::Pod;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = RestClient::new(Config::infer(None, &KubeconfigOptions::default())?)?;
//! let pods: Api<Pod> = Api::namespaced(client, "default");
//! for pod in pods.list(&ListOptions::default()).await? {
//!     println!("{}", pod.metadata.name.unwrap_or_default());
//! }
//! # Ok(()) }
//! ```

pub mod prelude;

pub use kclient_core as core;
pub use kclient_core::k8s_openapi;

#[cfg(feature = "config")]
pub use kclient_config as config;

#[cfg(feature = "client")]
pub use kclient_client as client;
#[cfg(feature = "client")]
pub use kclient_rest as rest;

#[cfg(feature = "discovery")]
pub use kclient_discovery as discovery;

#[cfg(feature = "cache")]
pub use kclient_cache as cache;

#[cfg(feature = "workqueue")]
pub use kclient_workqueue as workqueue;

#[cfg(feature = "runtime")]
pub use kclient_runtime as runtime;

#[cfg(feature = "testserver")]
pub use kclient_testserver as testserver;

// API machinery: always there.
pub use kclient_core::{
    CreateOptions, DeleteOptions, FieldSelector, GetOptions, GroupKind, GroupResource,
    GroupVersion, GroupVersionKind, GroupVersionResource, LabelSelector, ListOptions, Patch,
    PatchOptions, PatchType, Resource, Unstructured, UnstructuredList, UpdateOptions, WatchEvent,
};

#[cfg(feature = "config")]
pub use kclient_config::{Config, KubeconfigOptions};

#[cfg(feature = "client")]
pub use kclient_client::{
    AllNamespaces, Api, ClientSet, DeleteResponse, DynamicClient, DynamicResource, MetadataClient,
    ObjectList, Pager, PartialObjectMetadata, ScaleClient,
};
#[cfg(feature = "client")]
pub use kclient_rest::{Error, RestClient};

#[cfg(feature = "discovery")]
pub use kclient_discovery::{DiscoveryClient, DiscoveryRestMapper};

#[cfg(feature = "cache")]
pub use kclient_cache::{
    CachedClient, Compact, HandlerFuncs, Indexer, Lister, SharedIndexInformer,
    SharedInformerFactory,
};
