//! `use kclient::prelude::*;` brings the traits whose methods every program calls
//! ([`Resource`], [`Object`], [`ApiError`]) and the types most programs name: configuration,
//! the clients, informers and listers, options and selectors, the event recorder.

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

#[cfg(feature = "runtime")]
pub use kclient_runtime::events::{EventRecorder, EventType};
