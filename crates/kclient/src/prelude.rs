//! `use kclient::prelude::*;` brings the traits whose methods every program calls
//! ([`Resource`], [`Object`], [`ApiError`]) and the types most programs name: configuration,
//! the clients, informers and listers, options and selectors, and a controller's
//! vocabulary (the event recorder, Controller, Action, Observed, OnError, the finalizer helper, conflict retries).

pub use kclient_core::{
    ApiError, ClusterScoped, CreateOptions, DeleteOptions, FieldSelector, GetOptions,
    GroupVersionKind, GroupVersionResource, LabelSelector, ListOptions, NamespaceScoped, Object,
    ObjectList, PartialObjectMetadata, Patch, PatchOptions, Resource, Unstructured, UpdateOptions,
    WatchEvent,
};

#[cfg(feature = "config")]
pub use kclient_config::Config;

#[cfg(feature = "client")]
pub use kclient_client::{Api, ClientSet, DynamicClient};
#[cfg(feature = "client")]
pub use kclient_rest::RestClient;

#[cfg(feature = "cache")]
pub use kclient_cache::{
    CachedClient, Compact, HandlerFuncs, Lister, NAMESPACE_INDEX, ResourceInformer,
    SharedInformerFactory, meta_namespace_key,
};

#[cfg(feature = "workqueue")]
pub use kclient_workqueue::RateLimitingQueue;

#[cfg(feature = "derive")]
pub use kclient_core::crd::schema::CustomResourceExt;
#[cfg(feature = "derive")]
pub use kclient_derive::{CustomResource, Resource};
#[cfg(feature = "runtime")]
pub use kclient_runtime::controller::{Action, Controller, ObjectKey, Observed, OnError};
#[cfg(feature = "runtime")]
pub use kclient_runtime::events::{EventRecorder, EventType};
#[cfg(feature = "runtime")]
pub use kclient_runtime::finalizer::{FinalizerEvent, finalizer};
#[cfg(feature = "runtime")]
pub use kclient_runtime::retry::{DEFAULT_RETRY, retry_on_conflict};
