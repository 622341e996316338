//! Kubernetes API machinery without I/O.
//!
//! Everything here is plain data and pure functions: group/version/kind and resource names,
//! the [`Resource`] trait over k8s-openapi types, the [`Object`] trait over every object
//! representation ([`Unstructured`], [`PartialObjectMetadata`], typed kinds), the
//! [`ObjectList`] family, the [`Scheme`], request options and their query forms, label and
//! field selectors, patches, `Status` errors and the [`ApiError`] predicates every layer's
//! errors share, and watch events. Transports,
//! clients and caches build on it.
//!
//! Every Kubernetes rule that more than one layer applies lives here once, so the client and
//! the test server cannot drift apart: [`validation`] (names, labels, path segments),
//! [`version`] (version priority), [`builtin_discovery`] (built-in short names, categories,
//! group order), [`token_bucket`] and [`backoff`]. They take time and randomness as
//! arguments, so they stay free of I/O.

pub mod backoff;
pub mod builtin_discovery;
pub mod builtin_kinds;
pub mod crd;
pub mod dynamic;
pub mod error;
pub mod gvk;
pub mod json;
pub mod list;
pub mod object;
pub mod params;
pub mod patch;
pub mod quantity;
pub mod resource;
pub mod restmapper;
pub mod scheme;
pub mod selector;
pub mod status;
pub mod token_bucket;
pub mod validation;
pub mod version;
pub mod watch;

pub use k8s_openapi;

// The names almost every user of the crate needs, at the crate root.
pub use dynamic::{Unstructured, UnstructuredList};
pub use error::{ApiError, Transience};
pub use gvk::{GroupKind, GroupResource, GroupVersion, GroupVersionKind, GroupVersionResource};
pub use list::{ObjectList, PagedList};
pub use object::{Object, PartialObjectMetadata, PartialObjectMetadataList};
pub use resource::{ClusterScoped, NamespaceScoped, Resource};
pub use restmapper::{
    DefaultRestMapper, ResourceResolver, RestMapper, RestMapperError, RestMapping,
};
pub use scheme::{Scheme, SchemeObject};
pub use watch::{Bookmark, WatchEvent};

// Options, patches, selectors and Status errors.
pub use params::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, QueryParams, UpdateOptions,
};
pub use patch::{Patch, PatchType};
pub use selector::{FieldSelector, LabelSelector};
pub use status::{StatusExt, StatusReason};
