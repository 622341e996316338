//! kclient: client-go for Rust. This is the one crate to depend on.
//!
//! It re-exports every layer of kclient, each behind a cargo feature:
//!
//! | feature | default | what it brings | module |
//! |---|:-:|---|---|
//! | (always) | ✓ | API machinery without I/O: GVK/GVR, [`Resource`], [`Object`], [`Unstructured`], options, selectors, patches, `Status` errors and [`ApiError`], watch events, the RESTMapper | [`core`] |
//! | `config` | ✓ | kubeconfig and in-cluster [`Config`] | [`config`] |
//! | `client` | ✓ | [`RestClient`], typed [`Api<K>`] and [`ClientSet`], [`DynamicClient`], metadata and scale clients, the pager | [`rest`], [`client`] |
//! | `discovery` | ✓ | [`DiscoveryClient`], its memory and disk caches, the discovery-backed RESTMapper | [`discovery`] |
//! | `cache` | ✓ | informers: Reflector, DeltaFifo, Indexer, [`SharedInformerFactory`], [`Lister`], [`CachedClient`] | [`cache`] |
//! | `workqueue` | ✓ | the work queue and its rate limiters | [`workqueue`] |
//! | `runtime` | ✓ | [`Controller`] and [`Action`], the [`finalizer`] helper, [`retry_on_conflict`], [`RetryWatcher`] and [`until_with_sync`], the event recorder ([`EventRecorder`]), leader election on Leases | [`runtime`] |
//! | `derive` | | `#[derive(CustomResource)]` (a custom resource type and its structural CRD) and `#[derive(Resource)]` (a lean projection of a built-in kind) | `core::crd::schema` |
//! | `testserver` | | the embedded, kubectl-compatible API server for your tests | [`testserver`] |
//!
//! The names almost every program needs are at the crate root and in [`prelude`]:
//!
//! ```no_run
//! use kclient::prelude::*;
//! use k8s_openapi::api::core::v1::Pod;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = RestClient::new(Config::infer()?)?;
//! let pods: Api<Pod> = Api::namespaced(client, "default");
//! for pod in pods.list(&ListOptions::default()).await? {
//!     println!("{}", pod.name().unwrap_or_default());
//! }
//! # Ok(()) }
//! ```
//!
//! An informer, from a program that depends on `kclient` with its default features and
//! imports nothing else from it but the prelude (the `informer` example, condensed):
//!
//! ```no_run
//! use kclient::prelude::*;
//! use k8s_openapi::api::core::v1::Pod;
//!
//! fn key(obj: &impl Object) -> String {
//!     meta_namespace_key(obj).unwrap_or_else(|_| "<unnamed>".to_owned())
//! }
//!
//! /// Prints every change of `resource`, then what its lister sees once synced. Works for
//! /// any object type: typed, `Compact`, or `Unstructured`.
//! async fn watch<K: Object>(
//!     factory: &SharedInformerFactory,
//!     resource: ResourceInformer<K>,
//! ) -> Result<(), Box<dyn std::error::Error>> {
//!     resource.informer().add_event_handler(
//!         HandlerFuncs::<K>::new()
//!             .on_add(|obj, _initial| println!("ADD {}", key(obj.as_ref())))
//!             .on_update(|_old, new| println!("UPDATE {}", key(new.as_ref())))
//!             .on_delete(|gone| println!("DELETE {}", key(gone.object().as_ref()))),
//!     )?;
//!     factory.start()?;
//!     if !factory.wait_for_cache_sync().await.all_synced() {
//!         return Err("the informer stopped before its cache synced".into());
//!     }
//!     for obj in resource.lister().list(&LabelSelector::parse("app=web")?) {
//!         println!("cached: {} at {}", key(obj.as_ref()), obj.resource_version().unwrap_or(""));
//!     }
//!     let per_namespace = resource.informer().indexer().list_index_func_values(NAMESPACE_INDEX);
//!     println!("{} namespaces", per_namespace.map_or(0, |ns| ns.len()));
//!     Ok(())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = RestClient::new(Config::infer()?)?;
//!     let factory = SharedInformerFactory::builder(client).namespace("default").build();
//!     watch(&factory, factory.core_v1().pods()).await?;
//!     watch(&factory, factory.compact::<Pod>()).await?;
//!     factory.shutdown().await;
//!     Ok(())
//! }
//! ```
//!
//! Events about the objects a controller handles, written in the background with client-go's
//! correlation and spam filter (events.k8s.io/v1, or core/v1 where the server has only that),
//! so that reporting never blocks a reconcile:
//!
//! ```no_run
//! use kclient::prelude::*;
//! use k8s_openapi::api::core::v1::ConfigMap;
//!
//! # async fn demo(client: RestClient, cm: ConfigMap) -> Result<(), Box<dyn std::error::Error>> {
//! let recorder = EventRecorder::new(client, "configmap-mirror")?;
//! recorder.event(&cm, EventType::Normal, "Mirrored", "mirrored to namespace mirror");
//! recorder.event(&cm, EventType::Warning, "MirrorFailed", format!("{} keys too large", 2));
//! recorder.flush().await; // only when the program is about to exit
//! println!("{} events dropped", recorder.stats().dropped());
//! # Ok(()) }
//! ```
//!
//! A controller: every Deployment reconciled when it or a ReplicaSet it controls changes,
//! with a finalizer, four at a time, until Ctrl-C lets the reconciles in flight finish:
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use kclient::prelude::*;
//! use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
//!
//! async fn reconcile(obj: Observed<Deployment>, client: Arc<RestClient>) -> Result<Action, Box<dyn std::error::Error + Send + Sync>> {
//!     let api = Api::<Deployment>::in_scope((*client).clone(), obj.object().namespace());
//!     Ok(finalizer(&api, "example.com/cleanup", obj, |event| async move {
//!         match event {
//!             FinalizerEvent::Apply(d) => println!("{} wants {:?}", d.name().unwrap_or(""), d.spec.as_ref().and_then(|s| s.replicas)),
//!             FinalizerEvent::Cleanup(d) => println!("{} is going", d.name().unwrap_or("")),
//!         }
//!         Ok::<_, kclient::Error>(Action::requeue(Duration::from_secs(300)))
//!     })
//!     .await?)
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = RestClient::new(Config::infer()?)?;
//!     let factory = SharedInformerFactory::new(client.clone());
//!     Controller::<Deployment>::new(&factory)
//!         .owns::<ReplicaSet>()
//!         .concurrency(4)
//!         .graceful_shutdown_on(async { tokio::signal::ctrl_c().await.ok(); })
//!         .run(reconcile, |_err, _ctx, _| OnError::Backoff, Arc::new(client))
//!         .await?;
//!     Ok(())
//! }
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

#[cfg(feature = "derive")]
pub use kclient_core::crd::schema::CustomResourceExt;
/// `#[derive(CustomResource)]` and `#[derive(Resource)]` (the derive macros share the names
/// of the traits they implement, as serde's do).
#[cfg(feature = "derive")]
pub use kclient_derive::{CustomResource, Resource};

// API machinery: always there.
pub use kclient_core::{
    ApiError, CreateOptions, DeleteOptions, FieldSelector, GetOptions, GroupKind, GroupResource,
    GroupVersion, GroupVersionKind, GroupVersionResource, LabelSelector, ListOptions, Object,
    ObjectList, PagedList, PartialObjectMetadata, PartialObjectMetadataList, Patch, PatchOptions,
    PatchType, Resource, Transience, Unstructured, UnstructuredList, UpdateOptions, WatchEvent,
};

#[cfg(feature = "config")]
pub use kclient_config::{Config, KubeconfigOptions};

#[cfg(feature = "client")]
pub use kclient_client::{
    AllNamespaces, Api, ClientSet, DeleteResponse, DynamicClient, DynamicResource, MetadataClient,
    Pager, ScaleClient,
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

#[cfg(feature = "runtime")]
pub use kclient_runtime::controller::{
    Action, Controller, ControllerError, ObjectKey, Observed, OnError,
};
#[cfg(feature = "runtime")]
pub use kclient_runtime::events::{EventRecorder, EventType};
#[cfg(feature = "runtime")]
pub use kclient_runtime::finalizer::{FinalizerError, FinalizerEvent, finalizer};
#[cfg(feature = "runtime")]
pub use kclient_runtime::leaderelection::{LeaderElectionConfig, LeaseLock};
#[cfg(feature = "runtime")]
pub use kclient_runtime::retry::{DEFAULT_BACKOFF, DEFAULT_RETRY, retry_on_conflict};
#[cfg(feature = "runtime")]
pub use kclient_runtime::watch::{RetryWatcher, until_with_sync};
