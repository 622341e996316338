//! kclient-cache: client-go's `tools/cache` for Rust — the informer foundations.
//!
//! - [`Indexer`]: a thread-safe store keyed by `namespace/name` with named indices; objects
//!   are stored once as `Arc<K>` and shared with every reader.
//! - [`DeltaFifo`]: per-key queues of [`Delta`]s between a reflector and its consumer, with
//!   deletion detection on relist ([`DeltaObject::DeletedFinalStateUnknown`]), resync,
//!   requeue on handler error and `has_synced`.
//! - [`ListerWatcher`] and [`RestListerWatcher`]: list and watch one collection over
//!   [`kclient_rest::RestClient`], typed or [`kclient_core::Unstructured`].
//! - [`Reflector`]: list (or watch-list) then watch, resuming from the last
//!   resourceVersion, relisting on 410 as client-go does (the first list from the watch
//!   cache at resourceVersion 0, relists at the last synced one, a consistent paged read
//!   only when that one is gone), backing off with jitter, resyncing, and reporting
//!   errors through a handler and a [`ReflectorHealth`] channel.
//! - [`SharedIndexInformer`]: reflector + DeltaFIFO + Indexer, dispatching to handlers that
//!   can be added at any time, each with its own unbounded buffer.
//! - [`SharedInformerFactory`] / [`DynamicSharedInformerFactory`]: one informer per resource
//!   shared by everyone who asks, typed accessors for every built-in group-version
//!   (`factory.core_v1().pods()`), start / wait-for-sync / shutdown.
//! - [`Lister`]: reads from an informer's cache by namespace and [`kclient_core::LabelSelector`],
//!   returning the cached `Arc<K>`.
//! - [`Compact`]: objects cached as the server's bytes (protobuf or JSON text) plus typed
//!   metadata, for caches of many large objects at a fraction of the typed memory; decoded on
//!   read.
//! - [`CachedClient`]: controller-runtime's cache-backed client — reads from factory
//!   informers, writes to the server.
//!
//! ```no_run
//! use k8s_openapi::api::core::v1::Pod;
//! use kclient_cache::{Indexer, Reflector, RestListerWatcher};
//! # async fn demo(client: kclient_rest::RestClient) {
//! let store = Indexer::<Pod>::new();
//! let reflector = Reflector::new(RestListerWatcher::<Pod>::new(client), store.clone());
//! let mut health = reflector.health();
//! tokio::spawn(reflector.run());
//! health.wait_for(|h| h.synced).await.ok();
//! let in_default = store.by_index(kclient_cache::NAMESPACE_INDEX, "default").unwrap();
//! # drop(in_default);
//! # }
//! ```
//!
//! Objects are anything implementing [`kclient_core::Object`]: every built-in k8s-openapi
//! kind and custom resource (every [`kclient_core::Resource`]), `Unstructured`,
//! `PartialObjectMetadata` and [`Compact`].

pub mod backoff;
pub mod cached_client;
pub mod compact;
pub mod delta;
pub mod error;
pub mod factory;
pub mod fifo;
pub mod informer;
pub mod lister;
pub mod lister_watcher;
pub mod object;
pub mod reflector;
pub mod store;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use backoff::{Backoff, BackoffConfig};
pub use cached_client::{CachedClient, CachedClientBuilder, CachedClientError};
pub use compact::Compact;
pub use delta::{Delta, DeltaObject, DeltaType, Deltas, StoreChange, apply_deltas};
pub use error::{DecodeError, IndexError, KeyError};
pub use factory::{
    CacheSyncResults, DynamicSharedInformerFactory, FactoryError, FactoryInformer,
    FactoryListerWatcher, InformerId, InformerState, InformerStatus, OnServedChange,
    ResourceInformer, ServedChange, SharedInformerFactory, SharedInformerFactoryBuilder,
    TweakListOptions,
};
pub use fifo::{DeltaFifo, DeltaFifoOptions, KnownObjects, PopError, ProcessError};
pub use informer::{
    EventHandler, HandlerFuncs, HandlerRegistration, InformerError, MINIMUM_RESYNC_PERIOD,
    SharedIndexInformer,
};
pub use lister::{Lister, NamespaceLister};
pub use lister_watcher::{ListerWatcher, RestListerWatcher, WatchStream};
pub use object::{meta_namespace_key, split_meta_namespace_key};
pub use reflector::{
    ErrorAction, ErrorHandler, ErrorKind, Phase, Reflector, ReflectorConfig, ReflectorError,
    ReflectorHealth, ReflectorStore, ShouldResync, Transform, strip_managed_fields,
    strip_managed_fields_unstructured,
};
pub use store::{IndexFunc, Indexer, NAMESPACE_INDEX, label_index_func, namespace_index_func};
